/*
 * Allocation failures across the modules: every public call, with its n-th allocation
 * failing for n = 1, 2, ... until it succeeds, returns CS_ENOMEM or succeeds, and a failed
 * call leaves the database as it was. Run under valgrind or ASan, nothing leaks.
 *
 * Calls whose suites already loop like this (db open, customer create and lookup, agents,
 * channel lookup by id and lists, ticket create and lookup, a new mail's ingest, cs_call ingest,
 * calendar from JSON) are not repeated here.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"
#include "helpers.h"

static cs_db *db;
static int64_t mail, anna, ticket;

/* Row counts of every table, and the columns the calls below change. */
static const char sql_snapshot[] =
    "SELECT (SELECT count(*) FROM customer) || ' ' || (SELECT count(*) FROM identity)"
    " || ' ' || (SELECT count(*) FROM customer_tag) || ' ' || (SELECT count(*) FROM channel)"
    " || ' ' || (SELECT count(*) FROM agent) || ' ' || (SELECT count(*) FROM ticket)"
    " || ' ' || (SELECT count(*) FROM ticket_tag) || ' ' || (SELECT count(*) FROM message)"
    " || ' ' || (SELECT count(*) FROM attachment) || ' ' || (SELECT count(*) FROM audit)"
    " || ' ' || (SELECT count(*) FROM outbox) || ' ' || (SELECT count(*) FROM ingest_log)"
    " || ' ' || (SELECT coalesce(group_concat(id || ':' || status || ':' || priority || ':'"
    " || subject || ':' || updated_at, ' '), '') FROM ticket)"
    " || ' ' || (SELECT coalesce(group_concat(id || ':' || state || ':' || lease || ':'"
    " || attempts, ' '), '') FROM outbox)"
    " || ' ' || (SELECT coalesce(group_concat(coalesce(external_id, '-'), ' '), '')"
    " FROM message)";

static char *snapshot(void)
{
    sqlite3_stmt *st = NULL;
    char *text;

    ck_assert_int_eq(sqlite3_prepare_v2(db->sql, sql_snapshot, -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    text = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    ck_assert_ptr_nonnull(text);
    return text;
}

/*
 * The shared loop: run `call` with allocation n failing, n = 1, 2, ..., until it returns
 * CS_OK. Every other result must be CS_ENOMEM with the database unchanged. `call` releases
 * whatever it got, on success and on failure. Returns how many attempts failed, so a test
 * can check that the failures reached the call at all.
 */
static long until_success(const char *name, int (*call)(void))
{
    for (long n = 1; n < 5000; n++) {
        char *before = snapshot(), *after;
        cs_mem__fail_after(n);
        int rc = call();
        cs_mem__fail_after(0);
        if (rc == CS_OK) {
            free(before);
            return n - 1;
        }
        ck_assert_msg(rc == CS_ENOMEM, "%s with allocation %ld failing: %s (%s)", name, n,
                      cs_status_name(rc), cs_error_last()->message);
        after = snapshot();
        ck_assert_msg(!strcmp(before, after),
                      "%s with allocation %ld failing changed the "
                      "database:\n  before %s\n  after  %s",
                      name, n, before, after);
        free(before);
        free(after);
    }
    ck_abort_msg("%s never succeeded", name);
    return 0;
}

#define ck_assert_fails_then_works(call) ck_assert_int_gt(until_success(#call, call), 0)

static void setup(void)
{
    cs_channel_fields ch = CS_CHANNEL_FIELDS_INIT;
    cs_inbound in = CS_INBOUND_INIT;
    cs_ingest_result *r = NULL;
    char *resp = NULL;

    db = t_open_memory();
    ch.kind = CS_CHANNEL_EMAIL;
    ch.name = "Mail";
    ch.address = "support@shop.example";
    ck_assert_ok(cs_channel_create(&mail, db, &ch));
    in.channel_id = mail;
    in.external_id = "<first@example.com>";
    in.sender = "anna@example.com";
    in.sender_name = "Anna Berger";
    in.subject = "Rechnung";
    in.body = "Bitte ändern Sie meine Adresse.";
    ck_assert_ok(cs_ingest(&r, db, &in));
    anna = r->customer_id;
    ticket = r->ticket_id;
    cs_ingest_result_free(r);
    ck_assert_ok(cs_call(&resp, db, "ticket.update", "{\"id\": 1, \"tags\": [\"billing\"]}"));
    cs_str_free(resp);
}

static void teardown(void)
{
    cs_db_close(db);
}

/* Customers ----------------------------------------------------------------------- */

static int find_customer(void)
{
    cs_customer *c = NULL;
    char *json = NULL;
    int rc = cs_customer_find(&c, db, CS_IDENTITY_EMAIL, "Anna@Example.com");

    if (rc == CS_OK)
        rc = cs_customer_to_json(&json, c);
    if (rc == CS_OK)
        ck_assert_int_eq(cs_customer_id(c), anna);
    else
        ck_assert_ptr_null(json);
    cs_str_free(json);
    cs_customer_free(c);
    return rc;
}

static int export_customer(void)
{
    char *json = NULL;
    int rc = cs_customer_export(&json, db, anna);

    if (rc == CS_OK)
        ck_assert_ptr_nonnull(strstr(json, "Rechnung"));
    else
        ck_assert_ptr_null(json);
    cs_str_free(json);
    return rc;
}

static int list_customers(void)
{
    cs_customer_iter *it = NULL;
    const cs_customer *c;
    int rc = cs_customer_iter_new(&it, db, 0, 0, 0), n = 0;

    while (rc == CS_OK && (rc = cs_customer_next(&c, it)) == CS_OK)
        n++;
    cs_customer_iter_free(it);
    if (rc == CS_ITEROVER) {
        ck_assert_int_eq(n, 1);
        return CS_OK;
    }
    return rc;
}

/* Erasure takes the customers merged in along and rewrites the merge records. */
static int erase_customer(void)
{
    return cs_customer_erase(db, anna);
}

START_TEST(customers)
{
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    const char *tags[] = {"newsletter"};
    int64_t dup;

    ck_assert_fails_then_works(find_customer);
    ck_assert_fails_then_works(export_customer);
    ck_assert_fails_then_works(list_customers);
    f.name = "Anna B.";
    f.tags = tags;
    f.ntags = 1;
    ck_assert_ok(cs_customer_create(&dup, db, &f));
    ck_assert_ok(cs_customer_merge(NULL, db, anna, dup));
    ck_assert_fails_then_works(erase_customer);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM customer WHERE erased_at IS NOT NULL"), 2);
}
END_TEST

/* Channels ------------------------------------------------------------------------ */

/* cs_channel_create() allocates nothing of its own; looking a channel up by name does. */
static int lookup_channel(void)
{
    cs_channel *ch = NULL;
    char *json = NULL;
    int rc = cs_channel_lookup_name(&ch, db, "Mail");

    if (rc == CS_OK)
        rc = cs_channel_to_json(&json, ch);
    if (rc == CS_OK)
        ck_assert_ptr_nonnull(strstr(json, "support@shop.example"));
    else
        ck_assert_ptr_null(json);
    cs_str_free(json);
    cs_channel_free(ch);
    return rc;
}

START_TEST(channels)
{
    ck_assert_fails_then_works(lookup_channel);
}
END_TEST

/* Tickets ------------------------------------------------------------------------- */

static int update_ticket(void)
{
    const char *tags[] = {"billing", "urgent", "address"};
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;

    f.subject = "Rechnungsadresse";
    f.priority = CS_PRIORITY_HIGH;
    f.status = CS_STATUS_OPEN;
    f.tags = tags;
    f.ntags = 3;
    return cs_ticket_update(db, ticket, &f);
}

static int list_tickets(void)
{
    cs_ticket_filter filter = CS_TICKET_FILTER_INIT;
    cs_ticket_iter *it = NULL;
    const cs_ticket *t;
    char *json = NULL;
    int rc, n = 0;

    filter.customer_id = anna;
    filter.tag = "billing";
    rc = cs_ticket_iter_new(&it, db, &filter);
    while (rc == CS_OK && (rc = cs_ticket_next(&t, it)) == CS_OK) {
        if ((rc = cs_ticket_to_json(&json, t)) < 0)
            break;
        cs_str_free(json);
        n++;
    }
    cs_ticket_iter_free(it);
    if (rc == CS_ITEROVER) {
        ck_assert_int_eq(n, 1);
        return CS_OK;
    }
    return rc;
}

START_TEST(tickets)
{
    ck_assert_fails_then_works(update_ticket);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM ticket_tag"), 3);
    ck_assert_int_eq(t_sql_int(db, "SELECT priority FROM ticket"), CS_PRIORITY_HIGH);
    ck_assert_fails_then_works(list_tickets);
}
END_TEST

/* Messages ------------------------------------------------------------------------ */

static int64_t note;

static int create_note(void)
{
    cs_message_fields f = CS_MESSAGE_FIELDS_INIT;
    cs_attachment_spec file = {"scan.txt", "text/plain", "scanned", 7, NULL, NULL};

    f.ticket_id = ticket;
    f.visibility = CS_VISIBILITY_INTERNAL;
    f.body = "Adresse im Shop geprüft.";
    f.attachments = &file;
    f.nattachments = 1;
    note = 0;
    return cs_message_create(&note, db, &f);
}

static int lookup_note(void)
{
    cs_message *m = NULL;
    char *json = NULL;
    int rc = cs_message_lookup(&m, db, note);

    if (rc == CS_OK)
        rc = cs_message_to_json(&json, m);
    if (rc == CS_OK)
        ck_assert_ptr_nonnull(strstr(json, "scan.txt"));
    else
        ck_assert_ptr_null(json);
    cs_str_free(json);
    cs_message_free(m);
    return rc;
}

static int list_messages(void)
{
    cs_message_iter *it = NULL;
    const cs_message *m;
    int rc = cs_message_iter_new(&it, db, ticket), n = 0;

    while (rc == CS_OK && (rc = cs_message_next(&m, it)) == CS_OK)
        n += (int)cs_message_attachment_count(m) + 1;
    cs_message_iter_free(it);
    if (rc == CS_ITEROVER) {
        ck_assert_int_eq(n, 4); /* the mail, the receipt, the note and its attachment */
        return CS_OK;
    }
    return rc;
}

START_TEST(messages)
{
    ck_assert_fails_then_works(create_note);
    ck_assert_int_gt(note, 0);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM attachment"), 1);
    ck_assert_fails_then_works(lookup_note);
    ck_assert_fails_then_works(list_messages);
}
END_TEST

/* Ingest (a reply threaded by References) and replies ------------------------------ */

static int ingest_reply(void)
{
    cs_inbound in = CS_INBOUND_INIT;
    cs_ingest_result *r = NULL;
    int rc;

    in.channel_id = mail;
    in.external_id = "<second@example.com>";
    in.sender = "anna@example.com";
    in.subject = "AW: Rechnung";
    in.references = "<unknown@example.com> <first@example.com>";
    in.body = "Noch eine Frage.";
    rc = cs_ingest(&r, db, &in);
    if (rc == CS_OK) {
        ck_assert_int_eq(r->ticket_id, ticket);
        ck_assert_int_eq(r->thread_rule, CS_THREAD_REFERENCES);
    } else {
        ck_assert_ptr_null(r);
    }
    cs_ingest_result_free(r);
    return rc;
}

static int reply(void)
{
    cs_reply_options o = CS_REPLY_OPTIONS_INIT;
    int64_t id = 0;

    o.subject = "Ihre Adresse";
    return cs_reply(&id, db, ticket, "Wir haben die Adresse geändert.", &o);
}

START_TEST(ingest_and_reply)
{
    ck_assert_fails_then_works(ingest_reply);
    ck_assert_fails_then_works(reply);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = 'reply'"), 1);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM message"), 4);
}
END_TEST

/* A raw mail: HTML and text, a quote, a signature, an attachment, a Reply-To; then a
 * bounce of the reply sent to it. */
static int ingest_raw_mail(void)
{
    static const char raw[] =
        "From: =?UTF-8?Q?Anna_M=C3=BCller?= <anna@example.com>\r\n"
        "Reply-To: anna@work.example\r\nSubject: Re: Rechnung\r\n"
        "Message-ID: <raw@example.com>\r\nReferences: <first@example.com>\r\n"
        "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\n"
        "Content-Type: multipart/alternative; boundary=\"a\"\r\n\r\n--a\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe\r\n-- \r\nAnna\r\n\r\n"
        "Am 1. M=E4rz schrieb Service:\r\n> Alt\r\n--a\r\nContent-Type: text/html\r\n\r\n"
        "<p>Gr&uuml;&szlig;e</p><blockquote>Alt</blockquote>\r\n--a--\r\n--m\r\n"
        "Content-Type: application/pdf; name=\"a.pdf\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--m--\r\n";
    cs_ingest_result *r = NULL;
    int rc = cs_ingest_mail(&r, db, mail, raw, sizeof(raw) - 1, NULL);

    if (rc == CS_OK) {
        ck_assert_int_eq(r->ticket_id, ticket);
        ck_assert_int_eq(r->mail_kind, CS_MAIL_MESSAGE);
    } else {
        ck_assert_ptr_null(r);
    }
    cs_ingest_result_free(r);
    return rc;
}

static int ingest_bounce(void)
{
    static const char raw[] =
        "From: MAILER-DAEMON@mx.example.com\r\nSubject: Undelivered\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n"
        "--r\r\nContent-Type: text/plain\r\n\r\nFailed.\r\n--r\r\n"
        "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n"
        "\r\nFinal-Recipient: rfc822; anna@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 unknown\r\n\r\n--r\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\nMessage-ID: <bounced@shop.example>\r\n"
        "\r\n--r--\r\n";
    cs_ingest_result *r = NULL;
    int rc = cs_ingest_mail(&r, db, mail, raw, sizeof(raw) - 1, NULL);

    if (rc == CS_OK)
        ck_assert_int_eq(r->mail_kind, CS_MAIL_BOUNCE);
    cs_ingest_result_free(r);
    return rc;
}

/* A bulk section of a new mail and a reply: the host rolls the batch back on a failure. */
static int bulk_batch(void)
{
    static const char *ids[] = {"<bulk1@example.com>", "<bulk2@example.com>"};
    static const char *senders[] = {"bert@example.com", "anna@example.com"};
    int rc = cs_db_begin_bulk(db);

    for (size_t i = 0; i < 2 && rc == CS_OK; i++) {
        cs_inbound in = CS_INBOUND_INIT;
        cs_ingest_result *r = NULL;
        in.channel_id = mail;
        in.external_id = ids[i];
        in.sender = senders[i];
        in.subject = "Lieferung";
        in.body = "Wann kommt sie?";
        in.in_reply_to = i ? "<first@example.com>" : NULL;
        rc = cs_ingest(&r, db, &in);
        cs_ingest_result_free(r);
    }
    if (rc == CS_OK)
        return cs_db_commit(db);
    if (cs_db__in_transaction(db))
        ck_assert_ok(cs_db_rollback(db));
    return rc;
}

START_TEST(bulk)
{
    ck_assert_fails_then_works(bulk_batch);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM ticket"), 2);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM message WHERE external_id LIKE "
                                   "'%bulk%'"),
                     2);
}
END_TEST

START_TEST(raw_mail)
{
    char *resp = NULL;

    ck_assert_ok(cs_customer_add_identity(db, anna, CS_IDENTITY_EMAIL, "anna@work.example"));
    ck_assert_fails_then_works(ingest_raw_mail);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM attachment"), 1);
    ck_assert_ok(cs_call(&resp, db, "reply", "{\"ticket_id\": 1, \"body\": \"Ok\"}"));
    cs_str_free(resp);
    ck_assert_int_eq(sqlite3_exec(db->sql,
                                  "UPDATE outbox SET state = 3, header_message_id ="
                                  " '<bounced@shop.example>' WHERE kind = 'reply'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert_fails_then_works(ingest_bounce);
    ck_assert_int_eq(t_sql_int(db, "SELECT state FROM outbox WHERE kind = 'reply'"),
                     CS_OUTBOX_DEAD);
}
END_TEST

/* The outbox ---------------------------------------------------------------------- */

static cs_outbox_batch *batch;

static int claim(void)
{
    batch = NULL;
    int rc = cs_outbox_claim(&batch, db, 0, 0, 10, 300);
    if (rc < 0)
        ck_assert_ptr_null(batch);
    return rc;
}

static int ack_item(void)
{
    const cs_outbox_item *it = cs_outbox_batch_item(batch, 0);
    return cs_outbox_ack(db, it->id, it->lease, "<sent-1@shop.example>");
}

static int fail_item(void)
{
    const cs_outbox_item *it = cs_outbox_batch_item(batch, 1);
    return cs_outbox_fail(db, it->id, it->lease, "550 mailbox full", 0);
}

static int list_outbox(void)
{
    char *json = NULL;
    int rc = cs_outbox_list_json(&json, db, 0, 0);

    if (rc == CS_OK)
        ck_assert_ptr_nonnull(strstr(json, "550 mailbox full"));
    else
        ck_assert_ptr_null(json);
    cs_str_free(json);
    return rc;
}

START_TEST(outbox)
{
    ck_assert_ok(reply());
    ck_assert_fails_then_works(claim);
    ck_assert_uint_eq(cs_outbox_batch_count(batch), 2);
    /* ack and fail allocate only for errors; they must still be whole or nothing. */
    until_success("ack", ack_item);
    until_success("fail", fail_item);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM outbox WHERE state = 3"), 1);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM outbox WHERE state = 1"), 1);
    cs_outbox_batch_free(batch);
    ck_assert_fails_then_works(list_outbox);
}
END_TEST

/* The audit trail ----------------------------------------------------------------- */

static int read_audit(void)
{
    cs_audit_iter *it = NULL;
    const cs_audit_entry *e;
    int rc = cs_audit_iter_new(&it, db, CS_AUDIT_TICKET, ticket, NULL), n = 0;

    while (rc == CS_OK && (rc = cs_audit_next(&e, it)) == CS_OK)
        n++;
    cs_audit_iter_free(it);
    if (rc == CS_ITEROVER) {
        ck_assert_int_ge(n, 2); /* the ticket's creation and its tags */
        return CS_OK;
    }
    return rc;
}

START_TEST(audit)
{
    ck_assert_fails_then_works(read_audit);
}
END_TEST

/* cs_call ------------------------------------------------------------------------- */

static const char *method, *request;

static int call(void)
{
    char *resp = NULL;
    int rc = cs_call(&resp, db, method, request);

    /* Without memory for the answer there is no answer; otherwise it says what failed. */
    if (rc == CS_ENOMEM && resp)
        ck_assert_ptr_nonnull(strstr(resp, "ENOMEM"));
    if (rc == CS_OK)
        ck_assert_ptr_null(strstr(resp, "\"error\""));
    cs_str_free(resp);
    return rc;
}

START_TEST(calls)
{
    static const char *requests[][2] = {
        {"ticket.get", "{\"id\": 1, \"messages\": true}"},
        {"ticket.list", "{\"status\": [\"new\", \"open\"], \"limit\": 5}"},
        {"customer.get", "{\"id\": 1}"},
        {"customer.export", "{\"id\": 1}"},
        {"channel.list", "{}"},
        {"custom_field.list", "{}"},
        {"message.list", "{\"ticket_id\": 1}"},
        {"outbox.list", "{}"},
        {"audit.list", "{\"ticket_id\": 1}"},
    };

    for (size_t i = 0; i < CS_ARRAY_SIZE(requests); i++) {
        method = requests[i][0];
        request = requests[i][1];
        ck_assert_msg(until_success(method, call) > 0, "%s never ran out of memory", method);
    }
}
END_TEST

/* Routing ------------------------------------------------------------------------- */

static int64_t router;

static int routing_state(void)
{
    cs_route_agent *ra = NULL;
    char *json = NULL;
    int rc = cs_route_agent_get(&ra, db, router);

    if (rc == CS_OK) {
        ck_assert_int_eq(cs_route_agent_capacity(ra, CS_CHANNEL_EMAIL), 20);
        ck_assert_int_eq(cs_route_agent_load(ra, CS_CHANNEL_EMAIL), 1);
        rc = cs_route_agent_json(&json, db, router);
    } else {
        ck_assert_ptr_null(ra);
    }
    if (rc != CS_OK)
        ck_assert_ptr_null(json);
    cs_str_free(json);
    cs_route_agent_free(ra);
    return rc;
}

START_TEST(routing)
{
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;

    router = t_agent(db, "Bernd", CS_ROLE_AGENT);
    ck_assert_ok(cs_route_set_capacity(db, router, CS_CHANNEL_EMAIL, 20));
    f.assignee_id = router;
    ck_assert_ok(cs_ticket_update(db, ticket, &f));
    ck_assert_fails_then_works(routing_state);
}
END_TEST

/* Calendars from iCalendar -------------------------------------------------------- */

static cs_calendar *calendar;
static char *calendar_before; /* taken before the loop: to_json allocates too */

static int import_ics(void)
{
    static const char ics[] =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//libcs//test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Easter Monday\r\n"
        "DTSTART;VALUE=DATE:20260406\r\nDTEND;VALUE=DATE:20260407\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:Christmas\r\n"
        "DTSTART;VALUE=DATE:20251225\r\nRRULE:FREQ=YEARLY;COUNT=3\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n";
    char *after = NULL;
    size_t added = 0;
    int rc = cs_calendar_import_ics(&added, calendar, ics);

    if (rc == CS_OK) {
        ck_assert_uint_eq(added, 4);
        return rc;
    }
    /* The failed allocation was the only one: to_json can run now. */
    ck_assert_ok(cs_calendar_to_json(&after, calendar));
    ck_assert_uint_eq(added, 0);
    ck_assert_str_eq(calendar_before, after);
    cs_str_free(after);
    return rc;
}

START_TEST(calendar_ics)
{
    ck_assert_ok(cs_calendar_new(&calendar, "Europe/Berlin"));
    ck_assert_ok(cs_calendar_add_hours(calendar, CS_MONDAY, 8 * 3600, 17 * 3600));
    ck_assert_ok(cs_calendar_to_json(&calendar_before, calendar));
    ck_assert_fails_then_works(import_ics);
    cs_str_free(calendar_before);
    cs_calendar_free(calendar);
}
END_TEST

Suite *cs_nomem_suite(void)
{
    Suite *s = suite_create("nomem");
    TCase *tc = tcase_create("nomem");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, customers);
    tcase_add_test(tc, channels);
    tcase_add_test(tc, tickets);
    tcase_add_test(tc, messages);
    tcase_add_test(tc, ingest_and_reply);
    tcase_add_test(tc, bulk);
    tcase_add_test(tc, raw_mail);
    tcase_add_test(tc, outbox);
    tcase_add_test(tc, audit);
    tcase_add_test(tc, calls);
    tcase_add_test(tc, routing);
    tcase_add_test(tc, calendar_ics);
    suite_add_tcase(s, tc);
    return s;
}
