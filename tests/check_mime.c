/*
 * Mail out: the Message-IDs libcs makes, and outbox items rendered as RFC 5322 bytes
 * (cs_outbox_item_mime), parsed back with GMime and checked header by header.
 */
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"
#include "helpers.h"

static cs_db *db;
static int64_t mail_ch, carla;

static void setup(void)
{
    cs_agent_fields a = CS_AGENT_FIELDS_INIT;

    g_mime_init();
    db = t_open_memory();
    mail_ch = t_channel(db, CS_CHANNEL_EMAIL, "Mail");
    ck_assert_int_eq(t_sql_int(db, "UPDATE channel SET name = 'Shop Support', address ="
                                   " 'support@shop.example' WHERE kind = 1 RETURNING 1"),
                     1);
    a.name = "Carla Agent";
    ck_assert_ok(cs_agent_create(&carla, db, &a));
}

static void teardown(void)
{
    cs_db_close(db);
    db = NULL;
}

/* Ingest a customer's mail; returns the result (the caller frees it). */
static cs_ingest_result *mail_on(cs_db *h, const char *id, const char *from, const char *name,
                                 const char *subject)
{
    cs_inbound in = CS_INBOUND_INIT;
    cs_ingest_result *r = NULL;

    in.channel_id = mail_ch;
    in.external_id = id;
    in.sender = from;
    in.sender_name = name;
    in.subject = subject;
    in.body = "Meine Rechnung ist falsch.";
    ck_assert_ok(cs_ingest(&r, h, &in));
    return r;
}

/* The Message-ID header stored for outbox item `id`, copied (the caller frees it). */
static char *header_id(cs_db *h, int64_t id)
{
    sqlite3_stmt *st = NULL;
    char *v;

    ck_assert_int_eq(sqlite3_prepare_v2(h->sql, "SELECT header_message_id FROM outbox WHERE id = ?",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, id);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    v = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

/* Whether `id` is "<" item "." 32 lowercase hex digits "@" domain ">". */
static bool random_form(const char *id, int64_t item, const char *domain)
{
    char prefix[32];
    int len = snprintf(prefix, sizeof(prefix), "<%lld.", (long long)item);
    const char *hex = id + len;
    size_t n = strspn(hex, "0123456789abcdef");

    return !strncmp(id, prefix, (size_t)len) && n == 32 && hex[32] == '@' &&
           !strncmp(hex + 33, domain, strlen(domain)) && !strcmp(hex + 33 + strlen(domain), ">");
}

/* Message-IDs ------------------------------------------------------------------------- */

/* A Message-ID says nothing of the ticket, the message or the time but for the outbox item
 * it belongs to (which a bounce finds it by): two databases with the same history, at the
 * same time, make different ones. They were "<libcs.N.M.T@domain>", so anyone could forge a
 * reply into a ticket by guessing one. */
START_TEST(message_ids_are_random)
{
    cs_db *other = t_open_memory();
    cs_ingest_result *r1, *r2;
    char *a, *b;

    ck_assert_int_eq(t_channel(other, CS_CHANNEL_EMAIL, "Mail"), mail_ch);
    ck_assert_int_eq(t_sql_int(other, "UPDATE channel SET address = 'support@shop.example'"
                                      " RETURNING 1"),
                     1);
    r1 = mail_on(db, "<m1@anna.example>", "anna@example.com", "Anna", "Rechnung");
    r2 = mail_on(other, "<m1@anna.example>", "anna@example.com", "Anna", "Rechnung");
    a = header_id(db, r1->receipt_id);
    b = header_id(other, r2->receipt_id);
    ck_assert_msg(random_form(a, r1->receipt_id, "shop.example"), "%s", a);
    ck_assert_msg(random_form(b, r2->receipt_id, "shop.example"), "%s", b);
    ck_assert_str_ne(a, b);
    free(a);
    free(b);

    /* An agent's reply too, and the stored message carries the same id for threading. */
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    int64_t mid;
    ck_assert_ok(cs_reply(&mid, db, r1->ticket_id, "Wir prüfen das.", NULL));
    a = header_id(db, r1->receipt_id + 1);
    ck_assert_msg(random_form(a, r1->receipt_id + 1, "shop.example"), "%s", a);
    char sql[200];
    snprintf(sql, sizeof(sql), "SELECT external_id = '%s' FROM message WHERE id = %lld", a,
             (long long)mid);
    ck_assert_int_eq(t_sql_int(db, sql), 1);
    free(a);
    cs_ingest_result_free(r1);
    cs_ingest_result_free(r2);
    cs_db_close(other);
}
END_TEST

/* A channel without a usable domain in its address still gets well-formed ids. */
START_TEST(message_id_domain_is_sane)
{
    cs_ingest_result *r;
    char *a;

    ck_assert_int_eq(t_sql_int(db, "UPDATE channel SET address = 'support@bad domain\"x'"
                                   " RETURNING 1"),
                     1);
    r = mail_on(db, "<m1@anna.example>", "anna@example.com", "Anna", "Rechnung");
    a = header_id(db, r->receipt_id);
    ck_assert_msg(random_form(a, r->receipt_id, "libcs.invalid"), "%s", a);
    free(a);
    cs_ingest_result_free(r);
}
END_TEST

/* Rendering -------------------------------------------------------------------------- */

/* Claim every due item and return the one with the given kind (its id and lease). */
static int64_t claim_kind(const char *kind, int64_t *lease)
{
    cs_outbox_batch *b = NULL;
    int64_t id = 0;

    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 100, 60));
    for (size_t i = 0; i < cs_outbox_batch_count(b); i++) {
        const cs_outbox_item *it = cs_outbox_batch_item(b, i);
        if (!strcmp(it->kind, kind)) {
            id = it->id;
            if (lease)
                *lease = it->lease;
        }
    }
    cs_outbox_batch_free(b);
    ck_assert_int_gt(id, 0);
    return id;
}

/* Render an item and parse it back; the raw bytes go to *raw (release with cs_str_free). */
static GMimeMessage *render(int64_t item, char **raw)
{
    GMimeStream *stream;
    GMimeParser *parser;
    GMimeMessage *m;
    size_t size = 0;

    ck_assert_ok(cs_outbox_item_mime(raw, &size, db, item));
    ck_assert_uint_eq(size, strlen(*raw));
    stream = g_mime_stream_mem_new_with_buffer(*raw, size);
    parser = g_mime_parser_new_with_stream(stream);
    m = g_mime_parser_construct_message(parser, NULL);
    g_object_unref(parser);
    g_object_unref(stream);
    ck_assert_ptr_nonnull(m);
    return m;
}

/* What a header of a parsed message says, decoded; NULL when it is absent. */
static const char *header(GMimeMessage *m, const char *name)
{
    return g_mime_object_get_header(GMIME_OBJECT(m), name);
}

/* The first address of a list: its name (NULL for none) and address. */
static void ck_mailbox(InternetAddressList *list, const char *name, const char *address)
{
    ck_assert_int_eq(internet_address_list_length(list), 1);
    InternetAddress *ia = internet_address_list_get_address(list, 0);
    if (name)
        ck_assert_str_eq(internet_address_get_name(ia), name);
    else
        ck_assert_msg(!internet_address_get_name(ia) || !*internet_address_get_name(ia), "%s",
                      internet_address_get_name(ia));
    ck_assert_str_eq(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)), address);
}

/* The bytes are what SMTP DATA takes: 7-bit, no NUL, CRLF line ends only, no line over 998
 * bytes, and a header block followed by a blank line. */
static void ck_wire_form(const char *raw)
{
    size_t line = 0;

    for (const char *p = raw; *p; p++) {
        ck_assert_msg((unsigned char)*p < 0x80, "8-bit byte at %zu", (size_t)(p - raw));
        if (*p == '\n')
            ck_assert_msg(p > raw && p[-1] == '\r', "bare LF at %zu", (size_t)(p - raw));
        if (*p == '\r')
            ck_assert_msg(p[1] == '\n', "bare CR at %zu", (size_t)(p - raw));
        line = *p == '\n' ? 0 : line + 1;
        ck_assert_uint_le(line, 999);
    }
    ck_assert_ptr_nonnull(strstr(raw, "\r\n\r\n"));
}

/* The names of the message's own headers (the body's Content-* headers belong to its part),
 * in order, as "A,B,C". */
static void header_names(char *out, size_t size, GMimeMessage *m)
{
    GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(m));
    size_t n = 0;

    out[0] = '\0';
    for (int i = 0; i < g_mime_header_list_get_count(list); i++)
        n += (size_t)snprintf(out + n, size - n, "%s%s", i ? "," : "",
                              g_mime_header_get_name(g_mime_header_list_get_header_at(list, i)));
}

/* The decoded content of a leaf part. */
static GByteArray *content(GMimeObject *part)
{
    GMimeStream *mem = g_mime_stream_mem_new();
    GByteArray *copy = g_byte_array_new(), *bytes;

    ck_assert_msg(GMIME_IS_PART(part), "not a leaf part");
    g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(part)), mem);
    bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    g_byte_array_append(copy, bytes->data, bytes->len);
    g_object_unref(mem);
    return copy;
}

static void ck_content(GMimeObject *part, const char *type, const void *data, size_t size)
{
    GByteArray *got = content(part);
    char *ct = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(part));

    ck_assert_str_eq(ct, type);
    ck_assert_uint_eq(got->len, size);
    ck_assert_int_eq(memcmp(got->data, data, size), 0);
    g_free(ct);
    g_byte_array_unref(got);
}

/* A customer's mail, the receipt and an agent's reply, rendered: every header says what it
 * should, names and subjects in encoded words, the thread continued, the bytes fit for
 * SMTP. */
START_TEST(reply_renders_every_header)
{
    cs_ingest_result *r =
        mail_on(db, "<m1@anna.example>", "joerg@example.com", "Jörg Müller", "Rechnung für März");
    cs_reply_options o = CS_REPLY_OPTIONS_INIT;
    char names[512], *raw, *stored;
    int64_t mid, item;
    GMimeMessage *m;

    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    o.subject = "Ihre Anfrage"; /* the agent's subject: the ticket number is put in front */
    ck_assert_ok(cs_reply(&mid, db, r->ticket_id, "Grüße aus dem Süden\nZeile zwei", &o));
    item = claim_kind("reply", NULL);
    m = render(item, &raw);
    ck_wire_form(raw);

    ck_mailbox(g_mime_message_get_from(m), "Shop Support", "support@shop.example");
    ck_mailbox(g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_TO), "Jörg Müller",
               "joerg@example.com");
    ck_assert_str_eq(g_mime_message_get_subject(m), "[#1] Ihre Anfrage");
    ck_assert_ptr_nonnull(strstr(raw, "\r\nTo: =?UTF-8?"));
    stored = header_id(db, item);
    ck_assert_msg(!strncmp(stored + 1, g_mime_message_get_message_id(m), 32), "%s", stored);
    ck_assert_str_eq(header(m, "In-Reply-To"), "<m1@anna.example>");
    ck_assert_str_eq(header(m, "References"), "<m1@anna.example>");
    ck_assert_int_eq(g_date_time_to_unix(g_mime_message_get_date(m)), t_now);
    ck_assert_ptr_null(header(m, "Auto-Submitted"));
    header_names(names, sizeof(names), m);
    ck_assert_str_eq(names, "Date,From,Subject,To,Message-Id,In-Reply-To,References,"
                            "MIME-Version");
    ck_assert_str_eq(header(m, "MIME-Version"), "1.0");
    /* The text in canonical form: CRLF, and the line end that closes the body. */
    static const char text[] = "Grüße aus dem Süden\r\nZeile zwei\r\n";
    ck_content(g_mime_message_get_mime_part(m), "text/plain", text, strlen(text));
    free(stored);
    cs_str_free(raw);
    g_object_unref(m);
    cs_ingest_result_free(r);
}
END_TEST

/* Everything libcs sends by itself says so (RFC 3834); an agent's reply does not. */
START_TEST(automatic_mail_is_auto_submitted)
{
    cs_ingest_result *r = mail_on(db, "<m1@anna.example>", "anna@example.com", NULL, "Frage");
    char *raw;
    GMimeMessage *m = render(claim_kind("receipt", NULL), &raw);

    ck_assert_str_eq(header(m, "Auto-Submitted"), "auto-replied");
    ck_assert_str_eq(header(m, "X-Auto-Response-Suppress"), "All");
    ck_assert_str_eq(g_mime_message_get_subject(m), "[#1] Frage");
    /* A customer known by address only gets no display name. */
    ck_mailbox(g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_TO), NULL, "anna@example.com");
    ck_assert_str_eq(header(m, "In-Reply-To"), "<m1@anna.example>");
    cs_str_free(raw);
    g_object_unref(m);
    cs_ingest_result_free(r);
}
END_TEST

/* CR and LF in any text that reaches a header - the customer's subject, name and message
 * ids, the channel's name, values written into the outbox by older versions - never add a
 * header line. */
START_TEST(no_field_adds_a_header)
{
    static const char *const evil = "x\r\nBcc: evil@attacker.example\r\n\r\nbody";
    cs_ingest_result *r = mail_on(db, "<m1@anna.example>", "anna@example.com",
                                  "Anna\r\nBcc: evil@attacker.example", evil);
    char names[512], *raw, sql[600];
    int64_t item = claim_kind("receipt", NULL);
    GMimeMessage *m;

    /* Stored values that never passed today's one-line rule. */
    snprintf(sql, sizeof(sql),
             "UPDATE outbox SET subject = '%s', in_reply_to = '<a@b>\r\nBcc: e@x', refs ="
             " '<c@d>\r\nX-Evil: 1 <e@f>' WHERE id = %lld RETURNING 1",
             evil, (long long)item);
    ck_assert_int_eq(t_sql_int(db, sql), 1);
    snprintf(sql, sizeof(sql),
             "UPDATE channel SET name = 'Shop\r\nBcc: evil@attacker.example'"
             " RETURNING 1");
    ck_assert_int_eq(t_sql_int(db, sql), 1);
    m = render(item, &raw);
    ck_wire_form(raw);
    ck_assert_ptr_null(strstr(raw, "\nBcc"));
    ck_assert_ptr_null(strstr(raw, "\nX-Evil"));
    header_names(names, sizeof(names), m);
    ck_assert_str_eq(names, "Date,From,Subject,To,Message-Id,In-Reply-To,References,"
                            "Auto-Submitted,X-Auto-Response-Suppress,MIME-Version");
    ck_assert_str_eq(g_mime_message_get_subject(m), "[#1] x Bcc: evil@attacker.example body");
    ck_assert_str_eq(header(m, "In-Reply-To"), "<a@b>");
    ck_assert_str_eq(header(m, "References"), "<c@d> <e@f>");
    ck_mailbox(g_mime_message_get_from(m), "Shop Bcc: evil@attacker.example",
               "support@shop.example");
    cs_str_free(raw);
    g_object_unref(m);

    /* An address that is not one plain address is refused, not rendered. */
    ck_assert_int_eq(t_sql_int(db, "UPDATE channel SET address = 'support@shop.example\r\nBcc:"
                                   " e@x' RETURNING 1"),
                     1);
    ck_assert_rc(cs_outbox_item_mime(&raw, NULL, db, item), CS_ECONFLICT);
    ck_assert_field("item_id");
    ck_assert_ptr_null(raw);
    cs_ingest_result_free(r);
}
END_TEST

/* An HTML alternative and attachments: multipart/mixed around multipart/alternative, the
 * bytes and names as given (RFC 2231 for a name that is not ASCII), a content type that is
 * not one plain type made application/octet-stream. */
START_TEST(html_and_attachments)
{
    static const char pdf[] = "%PDF-1.4\0\1\2\377 binary";
    cs_ingest_result *r = mail_on(db, "<m1@anna.example>", "anna@example.com", "Anna", "Frage");
    cs_reply_options o = CS_REPLY_OPTIONS_INIT;
    cs_attachment_spec a[2] = {{"Übersicht.pdf", "application/pdf", pdf, sizeof(pdf), NULL, NULL},
                               {"notes.txt", "text/html\r\nX-Evil: 1", "hello", 5, NULL, NULL}};
    GMimeMultipart *mixed, *alt;
    char *raw;
    GMimeMessage *m;

    ck_assert_int_eq(t_sql_int(db, "UPDATE channel SET signature = 1 RETURNING 1"), 1);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    o.html = "<p>Wir prüfen das.</p>";
    o.attachments = a;
    o.nattachments = 2;
    ck_assert_ok(cs_reply(NULL, db, r->ticket_id, "Wir prüfen das.", &o));
    m = render(claim_kind("reply", NULL), &raw);
    ck_wire_form(raw);
    ck_assert_ptr_null(strstr(raw, "\nX-Evil"));

    ck_assert(GMIME_IS_MULTIPART(g_mime_message_get_mime_part(m)));
    mixed = GMIME_MULTIPART(g_mime_message_get_mime_part(m));
    ck_assert_str_eq(
        g_mime_content_type_get_media_subtype(g_mime_object_get_content_type(GMIME_OBJECT(mixed))),
        "mixed");
    ck_assert_int_eq(g_mime_multipart_get_count(mixed), 3);
    alt = GMIME_MULTIPART(g_mime_multipart_get_part(mixed, 0));
    ck_assert_str_eq(
        g_mime_content_type_get_media_subtype(g_mime_object_get_content_type(GMIME_OBJECT(alt))),
        "alternative");
    static const char text[] = "Wir prüfen das.\r\n\r\n-- \r\nCarla Agent";
    static const char html[] = "<p>Wir prüfen das.</p>\r\n<p>-- <br>\r\nCarla Agent</p>\r\n";
    ck_content(g_mime_multipart_get_part(alt, 0), "text/plain", text, strlen(text));
    ck_content(g_mime_multipart_get_part(alt, 1), "text/html", html, strlen(html));

    GMimeObject *p1 = g_mime_multipart_get_part(mixed, 1),
                *p2 = g_mime_multipart_get_part(mixed, 2);
    ck_content(p1, "application/pdf", pdf, sizeof(pdf));
    ck_assert_str_eq(g_mime_part_get_filename(GMIME_PART(p1)), "Übersicht.pdf");
    ck_assert_str_eq(g_mime_object_get_disposition(p1), "attachment");
    ck_assert_ptr_nonnull(strstr(raw, "filename*=UTF-8''%C3%9Cbersicht.pdf"));
    ck_content(p2, "application/octet-stream", "hello", 5);
    ck_assert_str_eq(g_mime_part_get_filename(GMIME_PART(p2)), "notes.txt");
    cs_str_free(raw);
    g_object_unref(m);
    cs_ingest_result_free(r);
}
END_TEST

/* A mail attachment needs its bytes: the library cannot send what the host keeps. */
START_TEST(mail_attachment_needs_data)
{
    cs_ingest_result *r = mail_on(db, "<m1@anna.example>", "anna@example.com", "Anna", "Frage");
    cs_reply_options o = CS_REPLY_OPTIONS_INIT;
    cs_attachment_spec a = {"big.zip", NULL, NULL, 9, NULL, "s3://bucket/big.zip"};
    char *before, *after;

    a.sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
    o.attachments = &a;
    o.nattachments = 1;
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    before = t_snapshot(db);
    ck_assert_rc(cs_reply(NULL, db, r->ticket_id, "Anbei", &o), CS_EINVAL);
    ck_assert_field("attachments[0].data");
    after = t_snapshot(db);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    cs_ingest_result_free(r);
}
END_TEST

/* Only a claimed mail item renders, only for the system and admins; a failed attempt and a
 * new claim render the same Message-ID, the one stored on the message for threading. */
START_TEST(render_rules)
{
    cs_ingest_result *r = mail_on(db, "<m1@anna.example>", "anna@example.com", "Anna", "Frage");
    int64_t tweet = t_channel(db, CS_CHANNEL_TWITTER, "Twitter"), lease, item, mid;
    GMimeMessage *m;
    char *raw = NULL, first[64], sql[200];

    ck_assert_rc(cs_outbox_item_mime(&raw, NULL, db, r->receipt_id), CS_ECONFLICT); /* queued */
    ck_assert_field("item_id");
    ck_assert_rc(cs_outbox_item_mime(&raw, NULL, db, 999), CS_ENOTFOUND);
    ck_assert_field("item_id");
    ck_assert_rc(cs_outbox_item_mime(NULL, NULL, db, r->receipt_id), CS_EINVAL);

    item = claim_kind("receipt", &lease);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_CUSTOMER, r->customer_id));
    ck_assert_rc(cs_outbox_item_mime(&raw, NULL, db, item), CS_EPERM);
    ck_assert_ptr_null(raw);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    ck_assert_rc(cs_outbox_item_mime(&raw, NULL, db, item), CS_EPERM);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));

    m = render(item, &raw);
    snprintf(first, sizeof(first), "%s", g_mime_message_get_message_id(m));
    g_object_unref(m);
    cs_str_free(raw);
    ck_assert_ok(cs_outbox_fail(db, item, lease, "451 later", t_now));
    t_now += 60;
    ck_assert_int_eq(claim_kind("receipt", &lease), item);
    m = render(item, &raw);
    ck_assert_str_eq(g_mime_message_get_message_id(m), first);
    ck_assert_int_eq(g_date_time_to_unix(g_mime_message_get_date(m)), t_now);
    g_object_unref(m);
    cs_str_free(raw);
    snprintf(sql, sizeof(sql), "<%s>", first);
    ck_assert_ok(cs_outbox_ack(db, item, lease, sql));
    ck_assert_rc(cs_outbox_item_mime(&raw, NULL, db, item), CS_ECONFLICT); /* sent */
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM message WHERE external_id = '<%s>'", first);
    ck_assert_int_eq(t_sql_int(db, sql), 1);

    /* A reply on a channel that is not mail. */
    ck_assert_ok(cs_customer_add_identity(db, r->customer_id, CS_IDENTITY_TWITTER, "@anna"));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    cs_reply_options o = CS_REPLY_OPTIONS_INIT;
    o.channel_id = tweet;
    ck_assert_ok(cs_reply(&mid, db, r->ticket_id, "Hallo", &o));
    ck_assert_rc(cs_outbox_item_mime(&raw, NULL, db, claim_kind("reply", NULL)), CS_EINVAL);
    ck_assert_field("item_id");
    cs_ingest_result_free(r);
}
END_TEST

/* outbox.item_mime answers the same bytes as JSON text. */
START_TEST(outbox_mime_json)
{
    cs_ingest_result *r = mail_on(db, "<m1@anna.example>", "anna@example.com", "Anna", "Frage");
    int64_t item = claim_kind("receipt", NULL);
    char req[64], *resp = NULL;
    json_t *o;

    snprintf(req, sizeof(req), "{\"id\": %lld}", (long long)item);
    ck_assert_ok(cs_call(&resp, db, "outbox.item_mime", req));
    ck_assert_ptr_nonnull(o = json_loads(resp, 0, NULL));
    const char *mime = json_string_value(json_object_get(o, "mime"));
    ck_assert_ptr_nonnull(mime);
    ck_wire_form(mime);
    ck_assert_ptr_nonnull(strstr(mime, "\r\nAuto-Submitted: auto-replied\r\n"));
    json_decref(o);
    cs_str_free(resp);
    ck_assert_rc(cs_call(&resp, db, "outbox.item_mime", "{\"id\": 1, \"raw\": true}"), CS_EINVAL);
    cs_str_free(resp);
    cs_ingest_result_free(r);
}
END_TEST

Suite *cs_mime_suite(void)
{
    Suite *s = suite_create("mime");
    TCase *tc = tcase_create("message_id");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, message_ids_are_random);
    tcase_add_test(tc, message_id_domain_is_sane);
    suite_add_tcase(s, tc);
    tc = tcase_create("render");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reply_renders_every_header);
    tcase_add_test(tc, automatic_mail_is_auto_submitted);
    tcase_add_test(tc, no_field_adds_a_header);
    tcase_add_test(tc, html_and_attachments);
    tcase_add_test(tc, mail_attachment_needs_data);
    tcase_add_test(tc, render_rules);
    tcase_add_test(tc, outbox_mime_json);
    suite_add_tcase(s, tc);
    return s;
}
