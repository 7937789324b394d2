/*
 * Mail in: cs_ingest_mail() on the corpus in tests/mail (charsets, HTML, nested MIME,
 * forwards, Outlook, Apple Mail and Gmail quoting, a Postfix bounce, malformed mail) and on
 * mail generated here (a 50 MB attachment, 10,000 parts, automatic senders, Reply-To).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"
#include "helpers.h"

#define ADDRESS "service@shop.example"

/* A file of the corpus; *size its length. The caller frees it. */
static char *corpus(const char *name, size_t *size)
{
    char path[512];
    FILE *f;
    char *buf;
    long n;

    snprintf(path, sizeof(path), "%s/tests/mail/%s", CS_TOP_SRCDIR, name);
    ck_assert_msg((f = fopen(path, "rb")) != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *size = (size_t)n;
    return buf;
}

static int64_t mail_channel(cs_db *db)
{
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    int64_t id;

    f.kind = CS_CHANNEL_EMAIL;
    f.name = "Mail";
    f.address = ADDRESS;
    ck_assert_ok(cs_channel_create(&id, db, &f));
    return id;
}

static cs_ingest_result *ingest_text(cs_db *db, int64_t channel, const char *text)
{
    cs_ingest_result *r = NULL;
    ck_assert_ok(cs_ingest_mail(&r, db, channel, text, strlen(text), NULL));
    return r;
}

static cs_ingest_result *ingest_file(cs_db *db, int64_t channel, const char *name)
{
    size_t size;
    char *raw = corpus(name, &size);
    cs_ingest_result *r = NULL;

    ck_assert_ok(cs_ingest_mail(&r, db, channel, raw, size, NULL));
    free(raw);
    return r;
}

static cs_message *message(cs_db *db, int64_t id)
{
    cs_message *m = NULL;
    ck_assert_ok(cs_message_lookup(&m, db, id));
    return m;
}

static void assert_contains(const char *haystack, const char *needle)
{
    ck_assert_msg(haystack && strstr(haystack, needle), "\"%s\" is not in \"%s\"", needle,
                  haystack ? haystack : "(null)");
}

static char *customer_name(cs_db *db, int64_t id)
{
    cs_customer *c = NULL;
    char *name;
    ck_assert_ok(cs_customer_lookup(&c, db, id));
    name = strdup(cs_customer_name(c));
    cs_customer_free(c);
    return name;
}

/* Charsets and encoded words ----------------------------------------------------------- */

START_TEST(latin1_quoted_printable)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db);
    cs_ingest_result *r = ingest_file(db, ch, "latin1-qp.eml");
    cs_message *m = message(db, r->message_id);
    char *name = customer_name(db, r->customer_id);

    ck_assert_int_eq(r->mail_kind, CS_MAIL_MESSAGE);
    ck_assert_int_eq(r->created, 1);
    ck_assert_int_gt(r->receipt_id, 0);
    ck_assert_str_eq(name, "Jürgen Müller");
    ck_assert_str_eq(cs_message_subject(m), "Lieferung für München");
    ck_assert_str_eq(cs_message_external_id(m), "<latin1-1@example.de>");
    assert_contains(cs_message_body(m), "für München ist noch nicht angekommen. Grüße aus der "
                                        "Straße.");
    ck_assert_str_eq(cs_message_signature(m) ? cs_message_signature(m) : "", "");
    ck_assert_int_eq(t_sql_int(db, "SELECT mail_date FROM message WHERE id = 1"), 1772435700);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM identity WHERE value ="
                                   " 'juergen@example.de'"),
                     1);
    free(name);
    cs_message_free(m);
    cs_ingest_result_free(r);
    cs_db_close(db);
}
END_TEST

START_TEST(windows_1252_and_utf8_base64)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db);
    cs_ingest_result *r = ingest_file(db, ch, "cp1252-8bit.eml");
    cs_ingest_result *u = ingest_file(db, ch, "utf8-base64.eml");
    cs_message *m = message(db, r->message_id), *mu = message(db, u->message_id);
    char *name = customer_name(db, r->customer_id), *uname = customer_name(db, u->customer_id);

    ck_assert_str_eq(cs_message_body(m),
                     "„Die Rechnung“ über 12,50 € stimmt nicht – bitte prüfen.");
    ck_assert_str_eq(name, "Sabine Weiß");
    ck_assert_str_eq(uname, "Özlem Çelik");
    ck_assert_str_eq(cs_message_subject(mu), "Überweisung nicht angekommen ✓");
    ck_assert_str_eq(cs_message_body(mu),
                     "Hallo, die Überweisung über 30 € ist nicht angekommen. Çok teşekkürler.");
    free(name);
    free(uname);
    cs_message_free(m);
    cs_message_free(mu);
    cs_ingest_result_free(r);
    cs_ingest_result_free(u);
    cs_db_close(db);
}
END_TEST

/* HTML, nested parts, attachments, forwards -------------------------------------------- */

START_TEST(html_only_becomes_text)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db);
    cs_ingest_result *r = ingest_file(db, ch, "html-only.eml");
    cs_message *m = message(db, r->message_id);
    const char *body = cs_message_body(m);

    ck_assert_str_eq(body, "Hallo Team,\n\nwo bleibt meine Bestellung 4711? Die Sendungsverfolgung "
                           "zeigt\xc2\xa0nichts.\nGrüße & Dank\n\n- Artikel A\n- Artikel B\n\n"
                           "Details: meine Bestellung <https://shop.example/orders/4711>\n\n"
                           "Summe 12,00 €");
    ck_assert_ptr_null(strstr(body, "alert"));
    ck_assert_ptr_null(strstr(body, "color"));
    assert_contains(cs_message_html(m), "<p>Hallo Team,</p>");
    ck_assert_uint_eq(cs_message_attachment_count(m), 0);
    cs_message_free(m);
    cs_ingest_result_free(r);
    cs_db_close(db);
}
END_TEST

START_TEST(nested_multipart_with_inline_image_and_attachment)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db);
    cs_ingest_result *r = ingest_file(db, ch, "nested-multipart.eml");
    cs_message *m = message(db, r->message_id);
    cs_attachment_spec a;
    char *name = customer_name(db, r->customer_id);

    ck_assert_str_eq(name, "Schmidt, Anna");
    ck_assert_str_eq(cs_message_body(m), "Das Paket kam beschädigt an, Foto anbei.");
    assert_contains(cs_message_html(m), "<b>beschädigt</b>");
    ck_assert_uint_eq(cs_message_attachment_count(m), 2);
    ck_assert_ok(cs_message_attachment(m, 0, &a));
    ck_assert_str_eq(a.name, "foto.png");
    ck_assert_str_eq(a.content_type, "image/png");
    ck_assert_uint_eq(a.size, 70);
    ck_assert_int_eq(memcmp(a.data, "\x89PNG", 4), 0);
    ck_assert_ok(cs_message_attachment(m, 1, &a));
    ck_assert_str_eq(a.name, "Rechnung März.pdf");
    ck_assert_str_eq(a.content_type, "application/pdf");
    ck_assert_int_eq(memcmp(a.data, "%PDF-1.4", 8), 0);
    free(name);
    cs_message_free(m);
    cs_ingest_result_free(r);
    cs_db_close(db);
}
END_TEST

START_TEST(forwarded_mail_stays_in_the_body)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db);
    cs_ingest_result *r = ingest_file(db, ch, "forwarded.eml");
    cs_message *m = message(db, r->message_id);
    cs_attachment_spec a;

    assert_contains(cs_message_body(m), "die Bestätigung stimmt nicht.");
    assert_contains(cs_message_body(m), "---------- Forwarded message ---------\nFrom: Shop");
    assert_contains(cs_message_body(m), "Vielen Dank für Ihre Bestellung 4711");
    ck_assert_ptr_null(cs_message_quoted(m));
    ck_assert_uint_eq(cs_message_attachment_count(m), 1);
    ck_assert_ok(cs_message_attachment(m, 0, &a));
    ck_assert_str_eq(a.name, "Versandbestätigung 4711.eml");
    ck_assert_str_eq(a.content_type, "message/rfc822");
    assert_contains(a.data, "Ihr Paket ist unterwegs.");
    cs_message_free(m);
    cs_ingest_result_free(r);
    cs_db_close(db);
}
END_TEST

/* Quoting styles ---------------------------------------------------------------------- */

static void check_split(const char *file, const char *body, const char *quoted_start,
                        const char *signature)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db);
    cs_ingest_result *r = ingest_file(db, ch, file);
    cs_message *m = message(db, r->message_id);
    char *json = NULL;

    ck_assert_str_eq(cs_message_body(m), body);
    ck_assert_msg(cs_message_quoted(m) &&
                      !strncmp(cs_message_quoted(m), quoted_start, strlen(quoted_start)),
                  "%s: quoted is \"%s\"", file, cs_message_quoted(m));
    if (signature)
        ck_assert_str_eq(cs_message_signature(m), signature);
    else
        ck_assert_ptr_null(cs_message_signature(m));
    /* The JSON shows all three. */
    ck_assert_ok(cs_message_to_json(&json, m));
    json_t *o = json_loads(json, 0, NULL), *mail = json_object_get(o, "mail");
    ck_assert_str_eq(json_string_value(json_object_get(mail, "kind")), "message");
    ck_assert_str_eq(json_string_value(json_object_get(mail, "quoted")), cs_message_quoted(m));
    ck_assert_int_eq(json_is_null(json_object_get(mail, "signature")), signature == NULL);
    json_decref(o);
    cs_str_free(json);
    cs_message_free(m);
    cs_ingest_result_free(r);
    cs_db_close(db);
}

START_TEST(outlook_quoting)
{
    check_split("outlook-reply.eml",
                "Danke, das passt so.\n\nMit freundlichen Gruessen\nMarkus Wolf",
                "________________________________\nVon: Service <service@shop.example>", NULL);
    check_split("outlook-original.eml", "Ich habe das Etikett nicht bekommen.",
                "-----Original Message-----\nFrom: Service", NULL);
}
END_TEST

START_TEST(apple_mail_quoting)
{
    check_split("apple-reply.eml", "Gerne in Größe M, danke!",
                "> Am 02.03.2026 um 10:15 schrieb Service", "Von meinem iPhone gesendet");
}
END_TEST

START_TEST(gmail_quoting_and_signature)
{
    check_split("gmail-reply.eml", "Die Adresse ist jetzt richtig.",
                "On Mon, Mar 2, 2026 at 10:00 AM Service <service@shop.example>\nwrote:\n\n> Bitte",
                "--\nAnna Schmidt\nSchmidt & Partner");
}
END_TEST

/* Identity, deduplication, threading --------------------------------------------------- */

START_TEST(message_id_deduplicates_and_missing_one_is_hashed)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db);
    const char *plain = "From: Kim <kim@example.com>\r\nSubject: Hallo\r\n\r\nOhne Message-ID\r\n";
    cs_ingest_result *a = ingest_file(db, ch, "latin1-qp.eml");
    cs_ingest_result *b = ingest_file(db, ch, "latin1-qp.eml");
    cs_ingest_result *c = ingest_text(db, ch, plain), *d = ingest_text(db, ch, plain);
    cs_message *m = message(db, c->message_id);

    ck_assert_int_eq(b->duplicate, 1);
    ck_assert_int_eq(b->message_id, a->message_id);
    ck_assert_int_eq(b->mail_kind, CS_MAIL_MESSAGE);
    ck_assert_int_eq(d->duplicate, 1);
    ck_assert_int_eq(d->message_id, c->message_id);
    assert_contains(cs_message_external_id(m), "@libcs.invalid>");
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM message WHERE direction = 1"), 2);
    cs_message_free(m);
    cs_ingest_result_free(a);
    cs_ingest_result_free(b);
    cs_ingest_result_free(c);
    cs_ingest_result_free(d);
    cs_db_close(db);
}
END_TEST

/* A Message-ID another sender used first (forged, or a broken client): the mail keeps an id
 * of its own from its bytes, so a retry is still a duplicate. */
START_TEST(message_id_of_another_sender)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db);
    const char *forged = "From: mallory@example.com\r\nMessage-ID: <latin1-1@example.de>\r\n"
                         "Subject: Hallo\r\n\r\nText\r\n";
    cs_ingest_result *a = ingest_file(db, ch, "latin1-qp.eml");
    cs_ingest_result *b = ingest_text(db, ch, forged), *c = ingest_text(db, ch, forged);

    ck_assert_int_eq(b->duplicate, 0);
    ck_assert_int_ne(b->customer_id, a->customer_id);
    ck_assert_int_eq(c->duplicate, 1);
    ck_assert_int_eq(c->message_id, b->message_id);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM message WHERE direction = 1"), 2);
    cs_ingest_result_free(a);
    cs_ingest_result_free(b);
    cs_ingest_result_free(c);
    cs_db_close(db);
}
END_TEST

/* A Message-ID with bytes that are not UTF-8 cannot be kept: the mail keeps an id of its
 * own from its bytes, so a retry is still a duplicate (found by fuzzing: it made a second
 * ticket). */
START_TEST(message_id_not_utf8)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db);
    const char *raw = "From: Anna <anna@example.com>\r\nSubject: Rechnung\r\n"
                      "Message-ID: <CAgma\xf6\xbc\x90\x8e@mail.example>\r\n\r\nHallo\r\n";
    cs_ingest_result *a = ingest_text(db, ch, raw), *b = ingest_text(db, ch, raw);

    ck_assert_int_eq(a->duplicate, 0);
    ck_assert_int_eq(b->duplicate, 1);
    ck_assert_int_eq(b->message_id, a->message_id);
    ck_assert_int_eq(b->ticket_id, a->ticket_id);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM ticket"), 1);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM message WHERE external_id LIKE"
                                   " '%@libcs.invalid>'"),
                     1);
    cs_ingest_result_free(a);
    cs_ingest_result_free(b);
    cs_db_close(db);
}
END_TEST

/* A mail naming as its own Message-ID the id of a reply the desk sent (a client that reuses
 * the id it answers, or a customer copying it) is kept, with an id of its own from its bytes;
 * it used to be refused as a clash with the reply. */
START_TEST(message_id_of_a_sent_reply)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db), reply = 0;
    cs_ingest_result *a = ingest_file(db, ch, "latin1-qp.eml"), *b, *c, *d = NULL;
    cs_inbound in = CS_INBOUND_INIT;
    cs_message *sent;
    char raw[512];

    ck_assert_int_eq(cs_reply(&reply, db, a->ticket_id, "Morgen kommt es.", NULL), CS_OK);
    sent = message(db, reply);
    ck_assert_ptr_nonnull(cs_message_external_id(sent));
    snprintf(raw, sizeof(raw),
             "From: kim@example.com\r\nMessage-ID: %s\r\n"
             "Subject: Re: Hallo\r\n\r\nDanke\r\n",
             cs_message_external_id(sent));
    b = ingest_text(db, ch, raw);
    c = ingest_text(db, ch, raw);
    ck_assert_int_eq(b->duplicate, 0);
    ck_assert_int_ne(b->message_id, reply);
    ck_assert_int_eq(b->mail_kind, CS_MAIL_MESSAGE);
    ck_assert_int_eq(c->duplicate, 1);
    ck_assert_int_eq(c->message_id, b->message_id);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM message WHERE direction = 1"), 2);
    /* The same through cs_ingest(): the message goes in without the id it cannot have. */
    in.channel_id = ch;
    in.external_id = cs_message_external_id(sent);
    in.sender = "kim@example.com";
    in.body = "Noch eine Frage";
    ck_assert_ok(cs_ingest(&d, db, &in));
    ck_assert_int_eq(d->duplicate, 0);
    ck_assert_int_ne(d->message_id, reply);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM message WHERE direction = 1"), 3);
    cs_ingest_result_free(d);
    cs_message_free(sent);
    cs_ingest_result_free(a);
    cs_ingest_result_free(b);
    cs_ingest_result_free(c);
    cs_db_close(db);
}
END_TEST

START_TEST(reply_threads_by_in_reply_to)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db);
    cs_ingest_result *a = ingest_text(db, ch,
                                      "From: anna@example.com\r\nSubject: Frage\r\n"
                                      "Message-ID: <q1@example.com>\r\n\r\nErste Frage\r\n");
    cs_ingest_result *b = ingest_text(db, ch,
                                      "From: anna@example.com\r\nSubject: Re: Frage\r\n"
                                      "Message-ID: <q2@example.com>\r\n"
                                      "In-Reply-To: <q1@example.com>\r\n\r\nNoch was\r\n");

    ck_assert_int_eq(b->ticket_id, a->ticket_id);
    ck_assert_int_eq(b->thread_rule, CS_THREAD_IN_REPLY_TO);
    ck_assert_int_eq(b->receipt_id, 0);
    cs_ingest_result_free(a);
    cs_ingest_result_free(b);
    cs_db_close(db);
}
END_TEST

/* Reply-To: followed only to the same customer's own address. */
START_TEST(reply_to_only_to_the_customers_own_identity)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db), anna = t_customer(db, "Anna", "anna@example.com");
    int64_t bert = t_customer(db, "Bert", "bert@example.com");
    cs_ingest_result *r;
    cs_outbox_batch *b = NULL;

    ck_assert_ok(cs_customer_add_identity(db, anna, CS_IDENTITY_EMAIL, "anna@work.example"));
    /* Her own other address: the receipt and replies go there. */
    r = ingest_text(db, ch,
                    "From: Anna <anna@example.com>\r\nReply-To: <Anna@Work.example>\r\n"
                    "Subject: Eins\r\nMessage-ID: <r1@x>\r\n\r\nText\r\n");
    ck_assert_int_eq(r->customer_id, anna);
    ck_assert_int_eq(t_sql_int(db, "SELECT i.value = 'anna@work.example' FROM message m JOIN"
                                   " identity i ON i.id = m.identity_id WHERE m.id = 1"),
                     1);
    ck_assert_ok(cs_reply(NULL, db, r->ticket_id, "Antwort", NULL));
    cs_ingest_result_free(r);
    /* Another customer's address: never followed, nothing attached to anyone. */
    r = ingest_text(db, ch,
                    "From: Anna <anna@example.com>\r\nReply-To: bert@example.com\r\n"
                    "Subject: Zwei\r\nMessage-ID: <r2@x>\r\n\r\nText\r\n");
    ck_assert_int_eq(t_sql_int(db, "SELECT i.value = 'anna@example.com' FROM message m JOIN"
                                   " identity i ON i.id = m.identity_id WHERE m.external_id ="
                                   " '<r2@x>'"),
                     1);
    ck_assert_ok(cs_reply(NULL, db, r->ticket_id, "Antwort", NULL));
    cs_ingest_result_free(r);
    /* An unknown address: recorded for the agent, not followed, not added. */
    r = ingest_text(db, ch,
                    "From: Anna <anna@example.com>\r\nReply-To: evil@attacker.example\r\n"
                    "Subject: Drei\r\nMessage-ID: <r3@x>\r\n\r\nText\r\n");
    cs_message *m = message(db, r->message_id);
    ck_assert_str_eq(cs_message_reply_to(m), "evil@attacker.example");
    cs_message_free(m);
    ck_assert_ok(cs_reply(NULL, db, r->ticket_id, "Antwort", NULL));
    cs_ingest_result_free(r);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM identity WHERE value IN"
                                   " ('evil@attacker.example') OR (value = 'bert@example.com'"
                                   " AND customer_id <> 2)"),
                     0);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM identity WHERE customer_id = 2"), 1);
    ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 100, 60));
    for (size_t i = 0; i < cs_outbox_batch_count(b); i++) {
        const cs_outbox_item *it = cs_outbox_batch_item(b, i);
        bool first = it->ticket_id == 1;
        ck_assert_str_eq(it->recipient, first ? "anna@work.example" : "anna@example.com");
    }
    ck_assert_uint_eq(cs_outbox_batch_count(b), 6); /* three receipts, three replies */
    cs_outbox_batch_free(b);
    ck_assert_int_gt(bert, 0);
    cs_db_close(db);
}
END_TEST

/* Loops ----------------------------------------------------------------------------------- */

START_TEST(automatic_mail_gets_no_receipt)
{
    static const char *const heads[] = {
        "From: a1@example.com\r\nAuto-Submitted: auto-replied\r\n",
        "From: a2@example.com\r\nAuto-Submitted: auto-generated; type=x\r\n",
        "From: a3@example.com\r\nPrecedence: bulk\r\n",
        "From: a4@example.com\r\nPrecedence: list\r\n",
        "From: a5@example.com\r\nPrecedence: junk\r\n",
        "From: a6@example.com\r\nList-Id: Users <users.lists.example.com>\r\n",
        "Return-Path: <>\r\nFrom: a7@example.com\r\n",
        "From: MAILER-DAEMON@mx.example.com\r\n",
        "From: postmaster@example.com\r\n",
        "From: Shop <noreply@example.com>\r\n",
        "From: no-reply+news@example.com\r\n",
        "From: Do Not Reply <donotreply@example.com>\r\n",
        "From: Service <Service@Shop.Example>\r\n", /* the channel's own address */
        "From: a8@example.com\r\nX-Auto-Response-Suppress: All\r\n",
        "From: a9@example.com\r\nX-Auto-Response-Suppress: DR, OOF\r\n",
    };
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db);
    char text[512];

    for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
        snprintf(text, sizeof(text),
                 "%sSubject: Auto %zu\r\nMessage-ID: <auto%zu@x>\r\n\r\nBody\r\n", heads[i], i, i);
        cs_ingest_result *r = ingest_text(db, ch, text);
        ck_assert_msg(r->mail_kind == CS_MAIL_AUTOMATIC && r->created && !r->receipt_id,
                      "%s: kind %d, receipt %lld", heads[i], r->mail_kind,
                      (long long)r->receipt_id);
        cs_ingest_result_free(r);
    }
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM outbox"), 0);
    /* A person's mail, also one that says Auto-Submitted: no, gets its receipt. */
    cs_ingest_result *r = ingest_text(db, ch,
                                      "From: p@example.com\r\nAuto-Submitted: no\r\n"
                                      "Subject: Person\r\n\r\nBody\r\n");
    ck_assert_int_eq(r->mail_kind, CS_MAIL_MESSAGE);
    ck_assert_int_gt(r->receipt_id, 0);
    cs_ingest_result_free(r);
    cs_db_close(db);
}
END_TEST

/* Two autoresponders answering each other: at most "mail.auto_reply_limit" receipts per
 * address and hour. */
START_TEST(automatic_mail_is_rate_limited)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db), receipts = 0;
    char text[256];

    for (int i = 0; i < 6; i++) {
        snprintf(text, sizeof(text),
                 "From: loop@example.com\r\nSubject: Neu %d\r\n"
                 "Message-ID: <loop%d@x>\r\n\r\nText\r\n",
                 i, i);
        cs_ingest_result *r = ingest_text(db, ch, text);
        ck_assert_int_eq(r->created, 1);
        receipts += r->receipt_id > 0;
        ck_assert_int_eq(r->receipt_id > 0, i < 3);
        cs_ingest_result_free(r);
        t_now += 60;
    }
    ck_assert_int_eq(receipts, 3);
    t_now += 3600;
    cs_ingest_result *r =
        ingest_text(db, ch, "From: loop@example.com\r\nSubject: Später\r\n\r\nx\r\n");
    ck_assert_int_gt(r->receipt_id, 0);
    cs_ingest_result_free(r);
    ck_assert_ok(cs_setting_set(db, "mail.auto_reply_limit", 1));
    r = ingest_text(db, ch, "From: loop@example.com\r\nSubject: Noch später\r\n\r\nx\r\n");
    ck_assert_int_eq(r->receipt_id, 0);
    cs_ingest_result_free(r);
    cs_db_close(db);
}
END_TEST

/* Bounces ------------------------------------------------------------------------------- */

static char *replace(const char *text, const char *what, const char *with)
{
    const char *at = strstr(text, what);
    size_t n = strlen(text) - strlen(what) + strlen(with) + 1;
    char *out = malloc(n);

    ck_assert_ptr_nonnull(at);
    snprintf(out, n, "%.*s%s%s", (int)(at - text), text, with, at + strlen(what));
    return out;
}

START_TEST(postfix_dsn_marks_the_item_failed)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db), tickets, item, reply_item;
    cs_ingest_result *r = ingest_text(db, ch,
                                      "From: Anna <anna@example.com>\r\nSubject: Lieferung"
                                      "\r\n\r\nWo ist mein Paket?\r\n");
    cs_outbox_batch *b = NULL;
    char *msgid, *raw, *other;
    size_t size;

    ck_assert_ok(cs_reply(NULL, db, r->ticket_id, "Morgen.", NULL));
    ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 10, 60));
    ck_assert_uint_eq(cs_outbox_batch_count(b), 2);
    for (size_t i = 0; i < 2; i++)
        ck_assert_ok(cs_outbox_ack(db, cs_outbox_batch_item(b, i)->id,
                                   cs_outbox_batch_item(b, i)->lease, NULL));
    item = cs_outbox_batch_item(b, 1)->id;
    reply_item = item;
    msgid = strdup(cs_outbox_batch_item(b, 1)->message_id_header);
    cs_outbox_batch_free(b);
    cs_ingest_result_free(r);
    tickets = t_sql_int(db, "SELECT count(*) FROM ticket");

    char *tmpl = corpus("dsn-postfix.eml", &size);
    raw = replace(tmpl, "@MSGID@", msgid);
    r = ingest_text(db, ch, raw);
    ck_assert_int_eq(r->mail_kind, CS_MAIL_BOUNCE);
    ck_assert_int_eq(r->bounced_item_id, reply_item);
    ck_assert_int_eq(r->ticket_id, 1);
    ck_assert_int_eq(r->created, 0);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM ticket"), tickets);
    ck_assert_int_eq(t_sql_int(db, "SELECT state FROM outbox WHERE id = 2"), CS_OUTBOX_DEAD);
    ck_assert_int_eq(t_sql_int(db, "SELECT state FROM outbox WHERE id = 1"), CS_OUTBOX_SENT);
    ck_assert_int_eq(t_sql_int(db, "SELECT last_error LIKE 'bounced: 5.1.1 smtp; 550 5.1.1"
                                   " <anna@example.com>: Recipient address rejected: User"
                                   " unknown%' FROM outbox WHERE id = 2"),
                     1);
    cs_message *note = message(db, r->message_id);
    ck_assert_int_eq(cs_message_visibility(note), CS_VISIBILITY_INTERNAL);
    assert_contains(cs_message_body(note), "could not be delivered: bounced: 5.1.1");
    cs_message_free(note);
    cs_ingest_result_free(r);
    /* Again (an IMAP fetch repeated): nothing changes. */
    r = ingest_text(db, ch, raw);
    ck_assert_int_eq(r->mail_kind, CS_MAIL_BOUNCE);
    ck_assert_int_eq(r->duplicate, 1);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM message WHERE visibility = 2"), 1);
    cs_ingest_result_free(r);
    /* A report from a person's mailbox (its Return-Path is not empty) fails nothing. */
    char *forged = replace(raw, "Return-Path: <>", "Return-Path: <mallory@example.org>");
    item = t_sql_int(db, "SELECT id FROM outbox WHERE id = 1 AND state = 3");
    ck_assert_int_eq(item, 1);
    char *forged_receipt = replace(forged, msgid, "@RECEIPT@");
    free(forged);
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db->sql,
                                        "SELECT header_message_id FROM outbox WHERE id = 1", -1,
                                        &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    forged = replace(forged_receipt, "@RECEIPT@", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    r = ingest_text(db, ch, forged);
    ck_assert_int_eq(r->mail_kind, CS_MAIL_AUTOMATIC);
    ck_assert_int_eq(r->bounced_item_id, 0);
    ck_assert_int_eq(t_sql_int(db, "SELECT state FROM outbox WHERE id = 1"), CS_OUTBOX_SENT);
    cs_ingest_result_free(r);
    free(forged);
    free(forged_receipt);
    /* A report naming an item that was never sent changes nothing. */
    ck_assert_ok(cs_reply(NULL, db, 1, "Noch eine Antwort.", NULL));
    st = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db->sql,
                                        "SELECT header_message_id FROM outbox WHERE id = 3", -1,
                                        &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    forged = replace(tmpl, "@MSGID@", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    r = ingest_text(db, ch, forged);
    ck_assert_int_eq(r->mail_kind, CS_MAIL_BOUNCE);
    ck_assert_int_eq(r->duplicate, 0);
    ck_assert_int_eq(t_sql_int(db, "SELECT state FROM outbox WHERE id = 3"), CS_OUTBOX_QUEUED);
    ck_assert_int_eq(t_sql_int(db, "SELECT last_error IS NULL FROM outbox WHERE id = 3"), 1);
    cs_ingest_result_free(r);
    free(forged);
    /* The item's id in a Message-ID finds the item, but only the whole id as sent matches:
     * a report naming the sent receipt (item 1) with another random part changes nothing. */
    forged = replace(tmpl, "@MSGID@", "<1.0123456789abcdef0123456789abcdef@shop.example>");
    r = ingest_text(db, ch, forged);
    ck_assert_int_eq(r->bounced_item_id, 0);
    ck_assert_int_eq(t_sql_int(db, "SELECT state FROM outbox WHERE id = 1"), CS_OUTBOX_SENT);
    cs_ingest_result_free(r);
    free(forged);
    /* A report about a mail libcs never sent is kept as automatic mail: no receipt. */
    other = replace(tmpl, "@MSGID@", "<somebody-else@example.org>");
    r = ingest_text(db, ch, other);
    ck_assert_int_eq(r->mail_kind, CS_MAIL_AUTOMATIC);
    ck_assert_int_eq(r->created, 1);
    ck_assert_int_eq(r->receipt_id, 0);
    ck_assert_int_eq(r->bounced_item_id, 0);
    cs_ingest_result_free(r);
    free(other);
    free(raw);
    free(tmpl);
    free(msgid);
    cs_db_close(db);
}
END_TEST

/* Malformed mail ------------------------------------------------------------------------ */

START_TEST(mail_without_sender_is_kept_raw)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db);
    size_t size;
    char *raw = corpus("no-from.eml", &size);
    cs_ingest_result *r = ingest_file(db, ch, "no-from.eml"), *again;
    cs_message *m = message(db, r->message_id);
    cs_attachment_spec a;
    cs_ticket *t = NULL;

    ck_assert_int_eq(r->mail_kind, CS_MAIL_UNPARSED);
    ck_assert_int_eq(r->receipt_id, 0);
    assert_contains(cs_message_body(m), "could not be read: it names no sender");
    ck_assert_uint_eq(cs_message_attachment_count(m), 1);
    ck_assert_ok(cs_message_attachment(m, 0, &a));
    ck_assert_str_eq(a.name, "message.eml");
    ck_assert_uint_eq(a.size, size);
    ck_assert_int_eq(memcmp(a.data, raw, size), 0);
    ck_assert_ok(cs_ticket_lookup(&t, db, r->ticket_id));
    ck_assert_str_eq(cs_ticket_subject(t), "Wer bin ich?");
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM ticket_tag WHERE tag = 'mail-unparsed'"),
                     1);
    again = ingest_file(db, ch, "no-from.eml");
    ck_assert_int_eq(again->duplicate, 1);
    ck_assert_int_eq(again->mail_kind, CS_MAIL_UNPARSED);
    ck_assert_int_eq(again->message_id, r->message_id);
    /* Nothing at all is kept too. */
    cs_ingest_result *empty = NULL;
    ck_assert_ok(cs_ingest_mail(&empty, db, ch, "", 0, NULL));
    ck_assert_int_eq(empty->mail_kind, CS_MAIL_UNPARSED);
    cs_ingest_result_free(empty);
    cs_ticket_free(t);
    cs_message_free(m);
    cs_ingest_result_free(r);
    cs_ingest_result_free(again);
    free(raw);
    cs_db_close(db);
}
END_TEST

/* A mail that goes in unparsed inside a bulk section leaves the section usable, and the
 * mails around it go in too. */
START_TEST(unparsed_fallback_inside_a_bulk_section)
{
    static const char bad_sender[] = "From: Anna <anna@@example.com>\r\nSubject: Hallo\r\n"
                                     "Message-ID: <bad-sender@example.com>\r\n\r\nGuten Tag.\r\n";
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db);
    cs_ingest_result *r = NULL;

    ck_assert_ok(cs_db_begin_bulk(db));
    cs_ingest_result_free(ingest_text(db, ch,
                                      "From: bert@example.com\r\nSubject: Eins\r\n"
                                      "Message-ID: <one@example.com>\r\n\r\nText.\r\n"));
    ck_assert_ok(cs_ingest_mail(&r, db, ch, bad_sender, strlen(bad_sender), NULL));
    ck_assert_int_eq(r->mail_kind, CS_MAIL_UNPARSED);
    cs_ingest_result_free(r);
    cs_ingest_result_free(ingest_text(db, ch,
                                      "From: carl@example.com\r\nSubject: Drei\r\n"
                                      "Message-ID: <three@example.com>\r\n\r\nText.\r\n"));
    ck_assert_ok(cs_db_commit(db));
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM ticket"), 3);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM customer"), 3);
    cs_db_close(db);
}
END_TEST

START_TEST(broken_mime_and_8bit_garbage)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db);
    cs_ingest_result *r = ingest_file(db, ch, "broken-mime.eml");
    cs_message *m = message(db, r->message_id);
    const char *body = cs_message_body(m);

    ck_assert_int_eq(r->mail_kind, CS_MAIL_MESSAGE);
    ck_assert(cs_utf8__valid(body, strlen(body)));
    ck_assert(cs_utf8__valid(cs_message_subject(m), strlen(cs_message_subject(m))));
    /* Bytes that are no UTF-8 in a UTF-8 part become U+FFFD; a bare 8-bit header is read as
     * Windows-1252; base64 and quoted-printable that are broken give what they can. */
    assert_contains(body, "\xef\xbf\xbd( invalid utf-8 \xef\xbf\xbd\xef\xbf\xbd");
    assert_contains(body, "Hallo Welt");
    assert_contains(cs_message_subject(m), "äöü");
    char *name = customer_name(db, r->customer_id);
    ck_assert_str_eq(name, "Kaÿputt");
    free(name);
    cs_message_free(m);
    cs_ingest_result_free(r);
    cs_db_close(db);
}
END_TEST

/* A mail with one attachment of `size` bytes (base64), generated. */
static char *big_mail(size_t size)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *head = "From: big@example.com\r\nSubject: Video\r\nMIME-Version: 1.0\r\n"
                       "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
                       "Content-Type: text/plain\r\n\r\nSiehe Anhang.\r\n--b\r\n"
                       "Content-Type: video/mp4; name=\"film.mp4\"\r\n"
                       "Content-Transfer-Encoding: base64\r\n\r\n";
    size_t groups = size / 3, cap = strlen(head) + groups * 4 + groups / 19 * 2 + 64;
    char *out = malloc(cap), *p;

    ck_assert_ptr_nonnull(out);
    p = out + sprintf(out, "%s", head);
    for (size_t g = 0; g < groups; g++) {
        unsigned v = (unsigned)(g * 2654435761u);
        for (int k = 0; k < 4; k++)
            *p++ = b64[(v >> (6 * k)) & 63];
        if (g % 19 == 18)
            *p++ = '\r', *p++ = '\n';
    }
    p += sprintf(p, "\r\n--b--\r\n");
    return out;
}

static int stored_calls;
static size_t stored_size;

static int store(char *ref, const char *name, const char *type, const void *data, size_t size,
                 const char *sha256, void *payload)
{
    (void)type, (void)data, (void)payload;
    stored_calls++;
    stored_size = size;
    snprintf(ref, CS_STORAGE_REF_MAX + 1, "s3://bucket/%s/%.8s", name, sha256);
    return 0;
}

START_TEST(fifty_megabyte_attachment)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db);
    size_t size = 50 * 1024 * 1024;
    char *raw = big_mail(size);
    cs_mail_options o = CS_MAIL_OPTIONS_INIT;
    cs_ingest_result *r = NULL;
    cs_attachment_spec a;
    cs_message *m;

    /* Without a store: name, type, size and hash, no bytes. */
    ck_assert_ok(cs_ingest_mail(&r, db, ch, raw, strlen(raw), NULL));
    m = message(db, r->message_id);
    ck_assert_str_eq(cs_message_body(m), "Siehe Anhang.");
    ck_assert_uint_eq(cs_message_attachment_count(m), 1);
    ck_assert_ok(cs_message_attachment(m, 0, &a));
    ck_assert_str_eq(a.name, "film.mp4");
    ck_assert_str_eq(a.content_type, "video/mp4");
    ck_assert_uint_eq(a.size, size / 3 * 3);
    ck_assert_ptr_null(a.data);
    ck_assert_ptr_null(a.storage_ref);
    ck_assert_uint_eq(strlen(a.sha256), 64);
    cs_message_free(m);
    cs_ingest_result_free(r);
    /* With one: the host keeps the bytes and libcs the reference. */
    raw[strlen("From: bi")] = '2'; /* another mail */
    o.store = store;
    ck_assert_ok(cs_ingest_mail(&r, db, ch, raw, strlen(raw), &o));
    ck_assert_int_eq(stored_calls, 1);
    ck_assert_uint_eq(stored_size, size / 3 * 3);
    m = message(db, r->message_id);
    ck_assert_ok(cs_message_attachment(m, 0, &a));
    ck_assert_ptr_null(a.data);
    assert_contains(a.storage_ref, "s3://bucket/film.mp4/");
    cs_message_free(m);
    cs_ingest_result_free(r);
    o.version = 99;
    ck_assert_rc(cs_ingest_mail(&r, db, ch, raw, strlen(raw), &o), CS_EINVAL);
    ck_assert_field("options");
    free(raw);
    cs_db_close(db);
}
END_TEST

START_TEST(ten_thousand_parts)
{
    cs_db *db = t_open_memory();
    int64_t ch = mail_channel(db);
    size_t cap = 10000 * 120 + 1024, n = 0;
    char *raw = malloc(cap);
    cs_ingest_result *r = NULL;
    cs_attachment_spec a;
    cs_message *m;

    n += (size_t)sprintf(raw + n, "From: parts@example.com\r\nSubject: Viele Teile\r\n"
                                  "Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n"
                                  "--p\r\nContent-Type: text/plain\r\n\r\nHallo\r\n");
    for (int i = 0; i < 10000; i++)
        n += (size_t)sprintf(raw + n,
                             "--p\r\nContent-Type: application/x-part; name=\"p%d\"\r\n"
                             "\r\npart %d\r\n",
                             i, i);
    n += (size_t)sprintf(raw + n, "--p--\r\n");
    ck_assert_ok(cs_ingest_mail(&r, db, ch, raw, n, NULL));
    m = message(db, r->message_id);
    ck_assert_str_eq(cs_message_body(m), "Hallo");
    ck_assert_uint_eq(cs_message_attachment_count(m), CS_ATTACHMENTS_MAX);
    ck_assert_ok(cs_message_attachment(m, CS_ATTACHMENTS_MAX - 1, &a));
    ck_assert_str_eq(a.name, "message.eml");
    ck_assert_uint_eq(a.size, n);
    ck_assert_int_eq(memcmp(a.data, raw, n), 0);
    cs_message_free(m);
    cs_ingest_result_free(r);
    free(raw);
    cs_db_close(db);
}
END_TEST

/* The door's rules ---------------------------------------------------------------------- */

START_TEST(arguments_and_channel)
{
    cs_db *db = t_open_memory();
    int64_t chat = t_channel(db, CS_CHANNEL_CHAT, "Chat");
    cs_ingest_result *r = NULL;
    char *resp = NULL;

    ck_assert_rc(cs_ingest_mail(&r, db, chat, "From: a@b.c\r\n\r\nx", 16, NULL), CS_EINVAL);
    ck_assert_field("channel_id");
    ck_assert_rc(cs_ingest_mail(&r, db, 99, "From: a@b.c\r\n\r\nx", 16, NULL), CS_ENOTFOUND);
    ck_assert_rc(cs_ingest_mail(&r, db, chat, NULL, 5, NULL), CS_EINVAL);
    ck_assert_field("raw");
    /* The JSON door: raw text or base64, not both; a light agent may not ingest. */
    int64_t ch = mail_channel(db);
    char req[256];
    snprintf(req, sizeof(req), "{\"channel_id\": %lld, \"raw_base64\": \"%s\"}", (long long)ch,
             "RnJvbTogYkBleGFtcGxlLmNvbQ0KU3ViamVjdDogSGkNCg0KSGFsbG8NCg==");
    ck_assert_ok(cs_call(&resp, db, "ingest.mail", req));
    assert_contains(resp, "\"mail_kind\":\"message\"");
    assert_contains(resp, "\"bounced_item_id\":null");
    cs_str_free(resp);
    snprintf(req, sizeof(req), "{\"channel_id\": %lld, \"raw_base64\": \"*not*\"}", (long long)ch);
    ck_assert_rc(cs_call(&resp, db, "ingest.mail", req), CS_EINVAL);
    ck_assert_field("raw_base64");
    cs_str_free(resp);
    snprintf(req, sizeof(req), "{\"channel_id\": %lld, \"raw\": \"x\", \"raw_base64\": \"eA==\"}",
             (long long)ch);
    ck_assert_rc(cs_call(&resp, db, "ingest.mail", req), CS_EINVAL);
    ck_assert_field("raw");
    cs_str_free(resp);
    int64_t light = t_agent(db, "Light", CS_ROLE_LIGHT);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, light));
    ck_assert_rc(cs_ingest_mail(&r, db, ch, "From: a@b.c\r\n\r\nx", 16, NULL), CS_EPERM);
    cs_db_close(db);
}
END_TEST

Suite *cs_mail_suite(void)
{
    Suite *s = suite_create("mail");
    TCase *tc = tcase_create("parse");

    tcase_add_test(tc, latin1_quoted_printable);
    tcase_add_test(tc, windows_1252_and_utf8_base64);
    tcase_add_test(tc, html_only_becomes_text);
    tcase_add_test(tc, nested_multipart_with_inline_image_and_attachment);
    tcase_add_test(tc, forwarded_mail_stays_in_the_body);
    tcase_add_test(tc, outlook_quoting);
    tcase_add_test(tc, apple_mail_quoting);
    tcase_add_test(tc, gmail_quoting_and_signature);
    suite_add_tcase(s, tc);
    tc = tcase_create("ingest");
    tcase_add_test(tc, message_id_deduplicates_and_missing_one_is_hashed);
    tcase_add_test(tc, message_id_of_another_sender);
    tcase_add_test(tc, message_id_of_a_sent_reply);
    tcase_add_test(tc, message_id_not_utf8);
    tcase_add_test(tc, reply_threads_by_in_reply_to);
    tcase_add_test(tc, reply_to_only_to_the_customers_own_identity);
    tcase_add_test(tc, arguments_and_channel);
    suite_add_tcase(s, tc);
    tc = tcase_create("loops");
    tcase_add_test(tc, automatic_mail_gets_no_receipt);
    tcase_add_test(tc, automatic_mail_is_rate_limited);
    tcase_add_test(tc, postfix_dsn_marks_the_item_failed);
    suite_add_tcase(s, tc);
    tc = tcase_create("malformed");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, mail_without_sender_is_kept_raw);
    tcase_add_test(tc, unparsed_fallback_inside_a_bulk_section);
    tcase_add_test(tc, broken_mime_and_8bit_garbage);
    tcase_add_test(tc, fifty_megabyte_attachment);
    tcase_add_test(tc, ten_thousand_parts);
    suite_add_tcase(s, tc);
    return s;
}
