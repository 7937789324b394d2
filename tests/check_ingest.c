/*
 * The two doors: ingest (dedup, customers, threading, reopen, receipts) and the outbox
 * (same-channel replies, signatures, leases, retries, acknowledgements).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "helpers.h"

static cs_db *db;
static int64_t mail_ch, tweet_ch, chat_ch, support, carla;

static void setup(void)
{
    db = t_open_memory();
    support = t_group(db, "Support");
    mail_ch = t_channel(db, CS_CHANNEL_EMAIL, "Mail");
    tweet_ch = t_channel(db, CS_CHANNEL_TWITTER, "Twitter");
    chat_ch = t_channel(db, CS_CHANNEL_CHAT, "Chat");
    ck_assert_int_eq(sqlite3_exec(db->sql,
                                  "UPDATE channel SET default_group_id = 1,"
                                  " address = 'support@shop.example' WHERE id = 1;"
                                  "UPDATE channel SET signature = 1 WHERE id = 2",
                                  0, 0, 0),
                     SQLITE_OK);
    cs_agent_fields a = CS_AGENT_FIELDS_INIT;
    a.name = "Carla Agent";
    ck_assert_ok(cs_agent_create(&carla, db, &a));
}

static void teardown(void)
{
    cs_db_close(db);
    db = NULL;
}

static cs_inbound mail(const char *id, const char *from, const char *subject, const char *body)
{
    cs_inbound in = CS_INBOUND_INIT;
    in.channel_id = mail_ch;
    in.external_id = id;
    in.sender = from;
    in.subject = subject;
    in.body = body;
    return in;
}

/* Ingest and return the result; fails the test on error. */
static cs_ingest_result *take(const cs_inbound *in)
{
    cs_ingest_result *r = NULL;
    ck_assert_ok(cs_ingest(&r, db, in));
    ck_assert_ptr_nonnull(r);
    return r;
}

static int64_t count(const char *sql)
{
    return t_sql_int(db, sql);
}

static int status_of(int64_t ticket)
{
    cs_ticket *t = NULL;
    ck_assert_ok(cs_ticket_lookup(&t, db, ticket));
    int s = cs_ticket_status(t);
    cs_ticket_free(t);
    return s;
}

static void set_status(int64_t ticket, int status)
{
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    f.status = status;
    ck_assert_ok(cs_ticket_update(db, ticket, &f));
}

START_TEST(new_mail_opens_ticket_with_receipt)
{
    cs_inbound in = mail("<m1@anna.example>", "Anna@Example.COM ", "Rechnung falsch",
                         "Die Rechnung 4711 stimmt nicht.");
    in.sender_name = "Anna Müller";
    in.locale = "de-AT";
    cs_ingest_result *r = take(&in);
    cs_customer *c = NULL;

    ck_assert_int_eq(r->created, 1);
    ck_assert_int_eq(r->customer_created, 1);
    ck_assert_int_eq(r->duplicate, 0);
    ck_assert_int_eq(r->thread_rule, CS_THREAD_NEW);
    ck_assert_int_eq(r->ticket_number, 1);
    ck_assert_int_gt(r->message_id, 0);
    ck_assert_int_gt(r->receipt_id, 0);
    ck_assert_int_eq(r->promised_at, t_now + 86400);
    ck_assert_ptr_nonnull(r->receipt);
    ck_assert_msg(strstr(r->receipt, "Nummer #1"), "%s", r->receipt);
    ck_assert_msg(strstr(r->receipt, "bis 03.03.2026 09:00 Uhr (UTC)"), "%s", r->receipt);
    ck_assert_msg(strstr(r->receipt, "Zuständig: Support"), "%s", r->receipt);

    ck_assert_ok(cs_customer_find(&c, db, CS_IDENTITY_EMAIL, "anna@example.com"));
    ck_assert_int_eq(cs_customer_id(c), r->customer_id);
    ck_assert_str_eq(cs_customer_name(c), "Anna Müller");
    cs_customer_free(c);

    /* The receipt is in the timeline and in the outbox, addressed and threaded. */
    cs_outbox_batch *b = NULL;
    ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 10, 60));
    ck_assert_uint_eq(cs_outbox_batch_count(b), 1);
    const cs_outbox_item *it = cs_outbox_batch_item(b, 0);
    ck_assert_str_eq(it->kind, "receipt");
    ck_assert_str_eq(it->recipient, "anna@example.com");
    ck_assert_str_eq(it->subject, "[#1] Rechnung falsch");
    ck_assert_str_eq(it->in_reply_to, "<m1@anna.example>");
    ck_assert_ptr_nonnull(strstr(it->message_id_header, "@shop.example>"));
    ck_assert_str_eq(it->body, r->receipt);
    cs_outbox_batch_free(b);
    ck_assert_int_eq(count("SELECT count(*) FROM message WHERE ticket_id = 1"), 2);
    ck_assert_int_eq(count("SELECT author_kind FROM message WHERE direction = 1"),
                     CS_ACTOR_CUSTOMER);
    /* The audit trail names the customer as the actor of the ticket's creation. */
    ck_assert_int_eq(count("SELECT actor_kind FROM audit WHERE object = 'ticket' AND "
                           "action = 'create'"),
                     CS_ACTOR_CUSTOMER);
    cs_ingest_result_free(r);
}
END_TEST

static int occurrences(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)) != NULL; p += strlen(what))
        n++;
    return n;
}

/* What a new mail from a new customer writes: the rows it needs and nothing twice. Its
 * external id is indexed once (with the message), the receipt's text is stored once (the
 * outbox item sends its message's body; References that are only the In-Reply-To are not
 * stored again), the message is its own record (no audit row),
 * the ticket's number costs no counter write, and no row is written twice. */
START_TEST(ingest_writes_each_value_once)
{
    static char trace[32768];
    cs_inbound in = mail("<lean@example.com>", "lean@example.com", "Lieferung", "Wo bleibt sie?");
    cs_ingest_result *r, *again;
    cs_outbox_batch *b = NULL;
    int64_t reply_id = 0;

    int changes = sqlite3_total_changes(db->sql);
    t_trace_start(db, trace, sizeof(trace));
    r = take(&in);
    t_trace_stop(db);
    changes = sqlite3_total_changes(db->sql) - changes;
    ck_assert_int_eq(r->created, 1);
    ck_assert_int_eq(r->customer_created, 1);
    ck_assert_int_gt(r->receipt_id, 0);
    /* Nine rows: customer, identity, ticket, the mail, the receipt, its outbox item, the
     * log, and the customer's and the ticket's creation in the audit trail; no other row
     * changes (the ticket's update time is the creation's). */
    ck_assert_int_eq(changes, 9);
    ck_assert_int_eq(occurrences(trace, "INSERT INTO message "), 2); /* the mail, the receipt */
    ck_assert_int_eq(occurrences(trace, "INSERT INTO audit "), 2);   /* customer, ticket */
    ck_assert_int_eq(occurrences(trace, "INSERT INTO outbox "), 1);
    ck_assert_int_eq(occurrences(trace, "INSERT INTO ingest_log "), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
                           " AND sql LIKE '%external_id%'"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE object = 'message'"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM counter WHERE name = 'ticket_number'"), 0);

    /* The receipt and a reply store their text once, and send it. */
    ck_assert_ok(cs_reply(&reply_id, db, r->ticket_id, "Sie ist unterwegs.", NULL));
    ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE body IS NOT NULL"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE refs IS NOT NULL"), 0);
    ck_assert_ok(cs_outbox_claim(&b, db, 0, mail_ch, 10, 60));
    ck_assert_uint_eq(cs_outbox_batch_count(b), 2);
    ck_assert_str_eq(cs_outbox_batch_item(b, 0)->body, r->receipt);
    ck_assert_str_eq(cs_outbox_batch_item(b, 0)->references, "<lean@example.com>");
    ck_assert_ptr_nonnull(strstr(cs_outbox_batch_item(b, 1)->body, "Sie ist unterwegs."));
    cs_outbox_batch_free(b);

    /* The retry finds its log through the message; numbers go on from the last ticket's. */
    again = take(&in);
    ck_assert_int_eq(again->duplicate, 1);
    ck_assert_int_eq(again->message_id, r->message_id);
    ck_assert_int_eq(again->receipt_id, r->receipt_id);
    ck_assert_str_eq(again->receipt, r->receipt);
    cs_ingest_result_free(again);
    in.external_id = "<other@example.com>";
    in.sender = "other@example.com";
    again = take(&in);
    ck_assert_int_eq(again->created, 1);
    ck_assert_int_eq(again->ticket_number, r->ticket_number + 1);
    cs_ingest_result_free(again);
    cs_ingest_result_free(r);
}
END_TEST

START_TEST(duplicates_write_nothing)
{
    cs_inbound in = mail("<dup@x>", "dup@example.com", "Hello", "first");
    cs_ingest_result *first = take(&in), *again;
    int64_t messages = count("SELECT count(*) FROM message");
    int64_t outbox = count("SELECT count(*) FROM outbox");
    int64_t audits = count("SELECT count(*) FROM audit");

    for (int i = 0; i < 3; i++) {
        in.body = "retried with another body";
        again = take(&in);
        ck_assert_int_eq(again->duplicate, 1);
        ck_assert_int_eq(again->ticket_id, first->ticket_id);
        ck_assert_int_eq(again->message_id, first->message_id);
        ck_assert_int_eq(again->customer_id, first->customer_id);
        ck_assert_int_eq(again->created, 1);
        ck_assert_int_eq(again->receipt_id, first->receipt_id);
        ck_assert_str_eq(again->receipt, first->receipt);
        cs_ingest_result_free(again);
    }
    ck_assert_int_eq(count("SELECT count(*) FROM message"), messages);
    ck_assert_int_eq(count("SELECT count(*) FROM outbox"), outbox);
    ck_assert_int_eq(count("SELECT count(*) FROM audit"), audits);
    /* The same external id on another channel is another message. */
    in.channel_id = chat_ch;
    in.sender = "visitor-1";
    again = take(&in);
    ck_assert_int_eq(again->duplicate, 0);
    cs_ingest_result_free(again);
    cs_ingest_result_free(first);
}
END_TEST

START_TEST(bad_input)
{
    cs_ingest_result *r = (cs_ingest_result *)1;
    cs_inbound in = mail("<x>", "anna@example.com", "s", "b");
    struct bad_case {
        cs_inbound in;
        int rc;
        const char *field;
    } cases[8];
    size_t n = 0;

    cases[n] = (struct bad_case){in, CS_EINVAL, "channel_id"};
    cases[n++].in.channel_id = 0;
    cases[n] = (struct bad_case){in, CS_ENOTFOUND, "channel_id"};
    cases[n++].in.channel_id = 99;
    cases[n] = (struct bad_case){in, CS_EINVAL, "sender"};
    cases[n++].in.sender = NULL;
    cases[n] = (struct bad_case){in, CS_EINVAL, "sender"};
    cases[n++].in.sender = "not-an-address";
    cases[n] = (struct bad_case){in, CS_EINVAL, "body"};
    cases[n++].in.body = "";
    cases[n] = (struct bad_case){in, CS_EINVAL, "body"};
    cases[n++].in.body = "bad \xC3\x28";
    cases[n] = (struct bad_case){in, CS_EINVAL, "msg"};
    cases[n++].in.version = 42;
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(cs_ingest(&r, db, &cases[i].in) == cases[i].rc, "case %zu: %s", i,
                      cs_error_last()->message);
        ck_assert_ptr_null(r);
        ck_assert_msg(!strcmp(cs_error_last()->field, cases[i].field), "case %zu: field %s", i,
                      cs_error_last()->field);
    }
    ck_assert_rc(cs_ingest(&r, db, NULL), CS_EINVAL);
    ck_assert_int_eq(count("SELECT count(*) FROM customer"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM ticket"), 0);

    ck_assert_int_eq(sqlite3_exec(db->sql, "UPDATE channel SET enabled = 0 WHERE id = 1", 0, 0, 0),
                     SQLITE_OK);
    ck_assert_rc(cs_ingest(&r, db, &in), CS_ECONFLICT);
    ck_assert_int_eq(count("SELECT count(*) FROM ticket"), 0);
}
END_TEST

/* Agents reply; the reply's Message-ID threads the customer's answer back. */
START_TEST(threading_rules)
{
    cs_inbound in = mail("<a1@anna>", "anna@example.com", "Lieferung", "Wo ist mein Paket?");
    cs_ingest_result *first = take(&in), *r;
    cs_message *m = NULL;
    int64_t reply_id = 0;
    char subject[64];

    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    ck_assert_ok(cs_reply(&reply_id, db, first->ticket_id, "Ist unterwegs.", NULL));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    ck_assert_ok(cs_message_lookup(&m, db, reply_id));
    ck_assert_ptr_nonnull(cs_message_external_id(m));

    /* In-Reply-To our reply. */
    in = mail("<a2@anna>", "anna@example.com", "Re: Lieferung", "Danke!");
    in.in_reply_to = cs_message_external_id(m);
    r = take(&in);
    ck_assert_int_eq(r->thread_rule, CS_THREAD_IN_REPLY_TO);
    ck_assert_int_eq(r->ticket_id, first->ticket_id);
    ck_assert_int_eq(r->created, 0);
    ck_assert_int_eq(r->receipt_id, 0);
    cs_ingest_result_free(r);

    /* References, last first: an unknown last id falls back to an earlier one. */
    in = mail("<a3@anna>", "anna@example.com", "Lieferung?", "Noch da?");
    in.references = "<a1@anna> <unknown@elsewhere>";
    r = take(&in);
    ck_assert_int_eq(r->thread_rule, CS_THREAD_REFERENCES);
    ck_assert_int_eq(r->ticket_id, first->ticket_id);
    cs_ingest_result_free(r);

    /* The ticket number in the subject. */
    snprintf(subject, sizeof(subject), "Frage zu [#%lld]", (long long)first->ticket_number);
    in = mail("<a4@anna>", "anna@example.com", subject, "Nummer im Betreff");
    r = take(&in);
    ck_assert_int_eq(r->thread_rule, CS_THREAD_NUMBER);
    ck_assert_int_eq(r->ticket_id, first->ticket_id);
    cs_ingest_result_free(r);

    /* The host's explicit ticket id. */
    in = mail("<a5@anna>", "anna@example.com", "Portal", "aus dem Kundenportal");
    in.ticket_id = first->ticket_id;
    r = take(&in);
    ck_assert_int_eq(r->thread_rule, CS_THREAD_EXPLICIT);
    cs_ingest_result_free(r);

    /* Broken headers: the subject joins within the window. */
    in = mail("<a6@anna>", "anna@example.com", "AW: Re: Lieferung", "kaputte Header");
    in.in_reply_to = "<lost@nowhere>";
    r = take(&in);
    ck_assert_int_eq(r->thread_rule, CS_THREAD_SUBJECT);
    ck_assert_int_eq(r->ticket_id, first->ticket_id);
    cs_ingest_result_free(r);
    /* A fresh mail with the same subject but no reply marks is a new ticket. */
    in = mail("<a7@anna>", "anna@example.com", "Lieferung", "neue Lieferung");
    r = take(&in);
    ck_assert_int_eq(r->created, 1);
    cs_ingest_result_free(r);
    /* Past the window, a reply by subject opens a new ticket too. */
    t_now += 8 * 86400;
    in = mail("<a8@anna>", "anna@example.com", "Re: Wo ist mein Paket", "spät");
    r = take(&in);
    ck_assert_int_eq(r->created, 1);
    cs_ingest_result_free(r);
    ck_assert_ok(cs_setting_set(db, "ingest.subject_window", 0));
    in = mail("<a9@anna>", "anna@example.com", "Re: Lieferung", "Fenster aus");
    r = take(&in);
    ck_assert_int_eq(r->thread_rule, CS_THREAD_NEW);
    cs_ingest_result_free(r);

    cs_message_free(m);
    cs_ingest_result_free(first);
}
END_TEST

START_TEST(social_and_chat_threading)
{
    cs_inbound in = CS_INBOUND_INIT;
    cs_ingest_result *first, *r;

    in.channel_id = tweet_ch;
    in.sender = "@AnnaM";
    in.external_id = "tw-100";
    in.body = "@shop mein Paket ist weg 😡";
    first = take(&in);
    ck_assert_int_eq(first->receipt_id, 0); /* receipts default to mail and forms only */
    in.external_id = "tw-101";
    in.reply_to = "tw-100";
    in.body = "hallo??";
    r = take(&in);
    ck_assert_int_eq(r->thread_rule, CS_THREAD_REPLY_TO);
    ck_assert_int_eq(r->ticket_id, first->ticket_id);
    cs_ingest_result_free(r);
    cs_ingest_result_free(first);

    in = (cs_inbound)CS_INBOUND_INIT;
    in.channel_id = chat_ch;
    in.sender = "visitor-42";
    in.conversation = "session-9";
    in.body = "Hallo, ich habe eine Frage";
    first = take(&in);
    in.body = "Sind Sie noch da?";
    r = take(&in);
    ck_assert_int_eq(r->thread_rule, CS_THREAD_CONVERSATION);
    ck_assert_int_eq(r->ticket_id, first->ticket_id);
    cs_ingest_result_free(r);
    in.conversation = "session-10";
    r = take(&in);
    ck_assert_int_eq(r->created, 1);
    cs_ingest_result_free(r);
    /* The subject of a ticket opened by a chat line is the line itself. */
    cs_ticket *t = NULL;
    ck_assert_ok(cs_ticket_lookup(&t, db, first->ticket_id));
    ck_assert_str_eq(cs_ticket_subject(t), "Hallo, ich habe eine Frage");
    cs_ticket_free(t);
    cs_ingest_result_free(first);
}
END_TEST

START_TEST(threading_never_crosses_customers)
{
    cs_inbound in = mail("<anna-1@x>", "anna@example.com", "Anna's", "mine");
    cs_ingest_result *anna = take(&in), *r;
    char subject[64];

    in = mail("<ben-1@x>", "ben@example.com", "Re: Anna's", "I quote Anna's mail");
    in.in_reply_to = "<anna-1@x>";
    in.references = "<anna-1@x>";
    r = take(&in);
    ck_assert_int_eq(r->created, 1);
    ck_assert_int_ne(r->ticket_id, anna->ticket_id);
    cs_ingest_result_free(r);

    snprintf(subject, sizeof(subject), "[#%lld] guess", (long long)anna->ticket_number);
    in = mail("<ben-2@x>", "ben@example.com", subject, "a guessed number");
    in.ticket_id = anna->ticket_id;
    r = take(&in);
    ck_assert_int_eq(r->created, 1);
    ck_assert_int_ne(r->ticket_id, anna->ticket_id);
    cs_ingest_result_free(r);
    ck_assert_int_eq(count("SELECT count(*) FROM message WHERE ticket_id = 1 AND direction = 1"),
                     1);
    cs_ingest_result_free(anna);
}
END_TEST

START_TEST(reopen_and_follow_up)
{
    cs_inbound in = mail("<r1@x>", "anna@example.com", "Problem", "kaputt");
    cs_ingest_result *first = take(&in), *r;

    set_status(first->ticket_id, CS_STATUS_PENDING);
    in = mail("<r2@x>", "anna@example.com", "Re: Problem", "hier die Info");
    in.in_reply_to = "<r1@x>";
    r = take(&in);
    ck_assert_int_eq(r->reopened, 0);
    ck_assert_int_eq(status_of(first->ticket_id), CS_STATUS_OPEN);
    cs_ingest_result_free(r);

    set_status(first->ticket_id, CS_STATUS_SOLVED);
    in.external_id = "<r3@x>";
    r = take(&in);
    ck_assert_int_eq(r->reopened, 1);
    ck_assert_int_eq(r->ticket_id, first->ticket_id);
    ck_assert_int_eq(status_of(first->ticket_id), CS_STATUS_OPEN);
    cs_ingest_result_free(r);

    set_status(first->ticket_id, CS_STATUS_SOLVED);
    set_status(first->ticket_id, CS_STATUS_CLOSED);
    in.external_id = "<r4@x>";
    r = take(&in);
    ck_assert_int_eq(r->follow_up, 1);
    ck_assert_int_eq(r->created, 1);
    ck_assert_int_eq(r->follow_up_of, first->ticket_id);
    ck_assert_int_ne(r->ticket_id, first->ticket_id);
    ck_assert_int_gt(r->receipt_id, 0);
    ck_assert_int_eq(count("SELECT follow_up_of FROM ticket WHERE id = 2"), first->ticket_id);
    ck_assert_int_eq(status_of(first->ticket_id), CS_STATUS_CLOSED);
    cs_ingest_result_free(r);
    cs_ingest_result_free(first);
}
END_TEST

START_TEST(receipt_configuration)
{
    cs_inbound in = CS_INBOUND_INIT;
    cs_ingest_result *r;

    ck_assert_rc(cs_receipt_configure(db, tweet_ch, 9, 3600), CS_EINVAL);
    ck_assert_field("mode");
    ck_assert_rc(cs_receipt_configure(db, tweet_ch, CS_RECEIPT_ON, 5), CS_EINVAL);
    ck_assert_field("first_reply_target");
    ck_assert_rc(cs_receipt_configure(db, 99, CS_RECEIPT_ON, 3600), CS_ENOTFOUND);
    ck_assert_ok(cs_receipt_configure(db, tweet_ch, CS_RECEIPT_ON, 1800));
    ck_assert_rc(cs_receipt_set_template(db, tweet_ch, "en", "Ticket {ticket_number} {nope}"),
                 CS_EINVAL);
    ck_assert_field("template");
    ck_assert_rc(cs_receipt_set_template(db, tweet_ch, "EN", "x"), CS_EINVAL);
    ck_assert_field("language");
    ck_assert_ok(cs_receipt_set_template(db, tweet_ch, "en",
                                         "Hi {customer_name}, #{ticket_number} by {promised_at}"));

    in.channel_id = tweet_ch;
    in.sender = "kim";
    in.sender_name = "Kim";
    in.locale = "fr";
    in.body = "help";
    r = take(&in);
    ck_assert_ptr_nonnull(r->receipt);
    ck_assert_str_eq(r->receipt, "Hi Kim, #1 by 2 March 2026, 09:30 (UTC)"); /* French -> English */
    cs_ingest_result_free(r);

    ck_assert_ok(cs_receipt_set_template(db, tweet_ch, "en", NULL)); /* back to built-in */
    in.sender = "lou";
    in.locale = "en";
    r = take(&in);
    ck_assert_msg(strstr(r->receipt, "our support team"), "%s", r->receipt);
    cs_ingest_result_free(r);

    ck_assert_ok(cs_receipt_configure(db, mail_ch, CS_RECEIPT_OFF, 3600));
    cs_inbound m = mail("<off@x>", "off@example.com", "No receipt", "please");
    r = take(&m);
    ck_assert_int_eq(r->receipt_id, 0);
    ck_assert_ptr_null(r->receipt);
    cs_ingest_result_free(r);

    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    ck_assert_rc(cs_receipt_configure(db, mail_ch, CS_RECEIPT_ON, 3600), CS_EPERM);
}
END_TEST

/* A '{' opens a placeholder that must close: "{ticket_number" would be sent as it is. */
START_TEST(receipt_template_placeholders_close)
{
    static const char *const bad[] = {"Ihre Nummer {ticket_number", "Bis {promised_at} {", "{owner",
                                      "{ticket_number} {subject"};

    for (size_t i = 0; i < CS_ARRAY_SIZE(bad); i++) {
        ck_assert_rc(cs_receipt_set_template(db, mail_ch, "de", bad[i]), CS_EINVAL);
        ck_assert_field("template");
        ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "unclosed"));
    }
    ck_assert_int_eq(count("SELECT count(*) FROM receipt_template"), 0);
    ck_assert_ok(cs_receipt_set_template(db, mail_ch, "de", "Nummer {ticket_number} :-}"));
}
END_TEST

/* P1: the reply goes out where the customer last wrote, unless the agent switches. */
START_TEST(reply_on_the_customers_channel)
{
    cs_inbound in = mail("<s1@x>", "anna@example.com", "Frage", "per Mail");
    cs_ingest_result *r = take(&in);
    cs_outbox_batch *b = NULL;
    int64_t same = -1, total = -1, msg = 0;

    ck_assert_ok(cs_customer_add_identity(db, r->customer_id, CS_IDENTITY_TWITTER, "@anna_m"));
    in = (cs_inbound)CS_INBOUND_INIT;
    in.channel_id = tweet_ch;
    in.sender = "@Anna_M";
    in.body = "@shop und? [#1]";
    in.subject = "[#1]";
    cs_ingest_result *tw = take(&in);
    ck_assert_int_eq(tw->ticket_id, r->ticket_id);
    cs_ingest_result_free(tw);

    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    ck_assert_ok(cs_reply(&msg, db, r->ticket_id, "Schauen wir uns an", NULL));
    cs_reply_options o = CS_REPLY_OPTIONS_INIT;
    o.channel_id = mail_ch;
    ck_assert_ok(cs_reply(NULL, db, r->ticket_id, "Details per Mail", &o));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    ck_assert_int_eq(status_of(r->ticket_id), CS_STATUS_OPEN);

    ck_assert_ok(cs_outbox_claim(&b, db, CS_CHANNEL_TWITTER, 0, 10, 60));
    ck_assert_uint_eq(cs_outbox_batch_count(b), 1);
    const cs_outbox_item *it = cs_outbox_batch_item(b, 0);
    ck_assert_str_eq(it->kind, "reply");
    ck_assert_str_eq(it->recipient, "anna_m");
    ck_assert_str_eq(it->body, "Schauen wir uns an ^CA"); /* P10: the agent's initials */
    ck_assert_ptr_null(it->subject);
    ck_assert_int_eq(it->message_id, msg);
    cs_outbox_batch_free(b);
    ck_assert_ok(cs_outbox_claim(&b, db, CS_CHANNEL_EMAIL, 0, 10, 60));
    ck_assert_uint_eq(cs_outbox_batch_count(b), 2); /* the receipt and the switched reply */
    it = cs_outbox_batch_item(b, 1);
    ck_assert_str_eq(it->body, "Details per Mail");
    ck_assert_str_eq(it->subject, "[#1] Frage");
    ck_assert_str_eq(it->in_reply_to, "<s1@x>");
    ck_assert_ptr_nonnull(strstr(it->references, "<s1@x>"));
    cs_outbox_batch_free(b);

    ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'switch_channel'"), 1);
    ck_assert_ok(cs_reply_channel_stats(&same, &total, db, 0, t_now + 1));
    ck_assert_int_eq(total, 2);
    ck_assert_int_eq(same, 1);

    /* Internal notes never enter the outbox. */
    int64_t items = count("SELECT count(*) FROM outbox");
    cs_message_fields note = CS_MESSAGE_FIELDS_INIT;
    note.ticket_id = r->ticket_id;
    note.visibility = CS_VISIBILITY_INTERNAL;
    note.body = "Kundin ist genervt";
    ck_assert_ok(cs_message_create(&msg, db, &note));
    ck_assert_int_eq(count("SELECT count(*) FROM outbox"), items);

    /* No identity for the chosen channel: a clear error, nothing written. */
    o.channel_id = chat_ch;
    ck_assert_rc(cs_reply(NULL, db, r->ticket_id, "im Chat?", &o), CS_EINVAL);
    ck_assert_field("channel_id");
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "no chat identity"));
    ck_assert_int_eq(count("SELECT count(*) FROM outbox"), items);
    ck_assert_rc(cs_reply(NULL, db, r->ticket_id, "", NULL), CS_EINVAL);
    ck_assert_field("body");
    int64_t light = t_agent(db, "Lena Light", CS_ROLE_LIGHT);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, light));
    ck_assert_rc(cs_reply(NULL, db, r->ticket_id, "darf ich nicht", NULL), CS_EPERM);
    cs_ingest_result_free(r);
}
END_TEST

START_TEST(outbox_leases_and_retries)
{
    cs_inbound in = mail("<o1@x>", "anna@example.com", "Lease", "me");
    cs_ingest_result *r = take(&in);
    cs_outbox_batch *b = NULL;
    const cs_outbox_item *it;
    int64_t id, lease;

    ck_assert_rc(cs_outbox_claim(&b, db, 0, 0, 0, 60), CS_EINVAL);
    ck_assert_field("max");
    ck_assert_rc(cs_outbox_claim(&b, db, 0, 0, 1, 0), CS_EINVAL);
    ck_assert_field("lease_seconds");
    ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 5, 60));
    ck_assert_uint_eq(cs_outbox_batch_count(b), 1);
    it = cs_outbox_batch_item(b, 0);
    id = it->id;
    lease = it->lease;
    ck_assert_int_eq(it->attempts, 1);
    ck_assert_int_eq(it->lease_until, t_now + 60);
    cs_outbox_batch_free(b);
    /* Leased: nobody else gets it. */
    ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 5, 60));
    ck_assert_uint_eq(cs_outbox_batch_count(b), 0);
    cs_outbox_batch_free(b);
    /* The adapter crashed: the expired lease is a failed attempt, and after its backoff the
     * item is claimable again. */
    t_now += 61;
    ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 5, 60));
    ck_assert_uint_eq(cs_outbox_batch_count(b), 0);
    cs_outbox_batch_free(b);
    t_now += 60;
    ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 5, 60));
    ck_assert_uint_eq(cs_outbox_batch_count(b), 1);
    it = cs_outbox_batch_item(b, 0);
    ck_assert_int_eq(it->id, id);
    ck_assert_int_eq(it->attempts, 2);
    ck_assert_int_gt(it->lease, lease);
    int64_t new_lease = it->lease;
    cs_outbox_batch_free(b);
    /* The stale lease raced the new claim: refused; the current one counts. */
    ck_assert_rc(cs_outbox_fail(db, id, lease, "timeout", 0), CS_ECONFLICT);
    ck_assert_field("lease");
    ck_assert_rc(cs_outbox_ack(db, id, lease, "<sent-2@shop.example>"), CS_ECONFLICT);
    ck_assert_ok(cs_outbox_ack(db, id, new_lease, "<sent-1@shop.example>"));
    ck_assert_int_eq(count("SELECT state FROM outbox WHERE id = 1"), CS_OUTBOX_SENT);
    ck_assert_int_eq(count("SELECT count(*) FROM message WHERE external_id = "
                           "'<sent-1@shop.example>'"),
                     1);
    ck_assert_rc(cs_outbox_fail(db, id, new_lease, "late", 0), CS_ECONFLICT);
    ck_assert_rc(cs_outbox_ack(db, 999, 1, NULL), CS_ENOTFOUND);

    /* The customer's answer to the acknowledged receipt threads back. */
    in = mail("<o2@x>", "anna@example.com", "Re: Lease", "answer");
    in.in_reply_to = "<sent-1@shop.example>";
    cs_ingest_result *answer = take(&in);
    ck_assert_int_eq(answer->ticket_id, r->ticket_id);
    ck_assert_int_eq(answer->thread_rule, CS_THREAD_IN_REPLY_TO);
    cs_ingest_result_free(answer);

    /* Failures back off exponentially, then the item is dead. */
    ck_assert_ok(cs_setting_set(db, "outbox.max_attempts", 3));
    ck_assert_ok(cs_reply(NULL, db, r->ticket_id, "retry me", NULL));
    cs_time expected[] = {60, 120};
    for (int attempt = 0; attempt < 3; attempt++) {
        ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 5, 60));
        ck_assert_uint_eq(cs_outbox_batch_count(b), 1);
        it = cs_outbox_batch_item(b, 0);
        ck_assert_int_eq(it->attempts, attempt + 1);
        ck_assert_ok(cs_outbox_fail(db, it->id, it->lease, "SMTP 451", 0));
        id = it->id;
        cs_outbox_batch_free(b);
        if (attempt < 2) {
            char sql[96];
            snprintf(sql, sizeof(sql), "SELECT next_attempt_at FROM outbox WHERE id = %lld",
                     (long long)id);
            ck_assert_int_eq(count(sql), t_now + expected[attempt]);
            ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 5, 60)); /* not due yet */
            ck_assert_uint_eq(cs_outbox_batch_count(b), 0);
            cs_outbox_batch_free(b);
            t_now += expected[attempt];
        }
    }
    ck_assert_int_eq(count("SELECT state FROM outbox ORDER BY id DESC LIMIT 1"), CS_OUTBOX_DEAD);
    char *json = NULL;
    ck_assert_ok(cs_outbox_list_json(&json, db, CS_OUTBOX_DEAD, 10));
    ck_assert_ptr_nonnull(strstr(json, "\"last_error\":\"SMTP 451\""));
    cs_str_free(json);
    /* An explicit retry time wins over the backoff. */
    ck_assert_ok(cs_reply(NULL, db, r->ticket_id, "explicit", NULL));
    ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 5, 60));
    it = cs_outbox_batch_item(b, 0);
    ck_assert_ok(cs_outbox_fail(db, it->id, it->lease, NULL, t_now + 5000));
    ck_assert_int_eq(count("SELECT max(next_attempt_at) FROM outbox"), t_now + 5000);
    cs_outbox_batch_free(b);
    cs_ingest_result_free(r);
}
END_TEST

/* A person writes by mail, then tweets, then chats; the agent merges the three customers
 * libcs saw and has one timeline; the next tweet finds the merged customer. */
START_TEST(multi_channel_story)
{
    cs_inbound in = mail("<story-1@x>", "jana@example.com", "Falsche Rechnungsadresse",
                         "Bitte ändern Sie meine Rechnungsadresse.");
    cs_ingest_result *m = take(&in), *t, *c, *r;
    int64_t ids[8], n = 0;

    in = (cs_inbound)CS_INBOUND_INIT;
    in.channel_id = tweet_ch;
    in.sender = "@jana_k";
    in.external_id = "tw-1";
    in.body = "@shop seit 3 Tagen keine Antwort auf meine Mail!";
    t = take(&in);
    in = (cs_inbound)CS_INBOUND_INIT;
    in.channel_id = chat_ch;
    in.sender = "chat-jana";
    in.conversation = "c-1";
    in.body = "Hallo, es geht um meine Rechnungsadresse";
    c = take(&in);
    ck_assert_int_ne(t->customer_id, m->customer_id);
    ck_assert_int_ne(c->customer_id, m->customer_id);

    ck_assert_ok(cs_customer_merge(NULL, db, m->customer_id, t->customer_id));
    ck_assert_ok(cs_customer_merge(NULL, db, m->customer_id, c->customer_id));

    cs_ticket_filter q = CS_TICKET_FILTER_INIT;
    cs_ticket_iter *it = NULL;
    const cs_ticket *row;
    q.customer_id = m->customer_id;
    ck_assert_ok(cs_ticket_iter_new(&it, db, &q));
    while (cs_ticket_next(&row, it) == CS_OK)
        ids[n++] = cs_ticket_id(row);
    cs_ticket_iter_free(it);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(ids[0], m->ticket_id);
    ck_assert_int_eq(ids[1], t->ticket_id);
    ck_assert_int_eq(ids[2], c->ticket_id);

    /* The next tweet is from the one customer and threads into the tweet's ticket. */
    in = (cs_inbound)CS_INBOUND_INIT;
    in.channel_id = tweet_ch;
    in.sender = "@JANA_K";
    in.external_id = "tw-2";
    in.reply_to = "tw-1";
    in.body = "@shop hallo?";
    r = take(&in);
    ck_assert_int_eq(r->customer_id, m->customer_id);
    ck_assert_int_eq(r->ticket_id, t->ticket_id);
    ck_assert_int_eq(r->customer_created, 0);

    /* The agent answers on Twitter, where she wrote last. */
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    ck_assert_ok(cs_reply(NULL, db, t->ticket_id, "Adresse ist geändert, Jana!", NULL));
    ck_assert_int_eq(count("SELECT c.kind FROM outbox o JOIN channel c ON c.id = o.channel_id"
                           " WHERE o.kind = 'reply'"),
                     CS_CHANNEL_TWITTER);
    cs_ingest_result_free(m);
    cs_ingest_result_free(t);
    cs_ingest_result_free(c);
    cs_ingest_result_free(r);
}
END_TEST

START_TEST(ingest_permissions)
{
    cs_inbound in = mail("<p@x>", "anna@example.com", "s", "b");
    cs_ingest_result *r = NULL;
    int64_t light = t_agent(db, "Lena Light", CS_ROLE_LIGHT);
    int64_t cust = t_customer(db, "Kim", "kim@example.com");

    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_CUSTOMER, cust));
    ck_assert_rc(cs_ingest(&r, db, &in), CS_EPERM);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, light));
    ck_assert_rc(cs_ingest(&r, db, &in), CS_EPERM);
    ck_assert_int_eq(count("SELECT count(*) FROM ticket"), 0);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    ck_assert_ok(cs_ingest(&r, db, &in));
    /* The handle's actor is the agent again after ingest. */
    int64_t who = 0;
    ck_assert_int_eq(cs_db_actor(db, &who), CS_ACTOR_AGENT);
    ck_assert_int_eq(who, carla);
    cs_ingest_result_free(r);
}
END_TEST

START_TEST(ingest_allocation_failures)
{
    for (long n = 1; n < 400; n++) {
        char id[32];
        snprintf(id, sizeof(id), "<nomem-%ld@x>", n);
        cs_inbound in = mail(id, "anna@example.com", "Speicher", "knapp");
        int64_t tickets = count("SELECT count(*) FROM ticket");
        int64_t messages = count("SELECT count(*) FROM message");
        cs_ingest_result *r = NULL;
        cs_mem__fail_after(n);
        int rc = cs_ingest(&r, db, &in);
        cs_mem__fail_after(0);
        if (rc == CS_OK) {
            cs_ingest_result_free(r);
            return;
        }
        ck_assert_rc(rc, CS_ENOMEM);
        ck_assert_ptr_null(r);
        ck_assert_int_eq(count("SELECT count(*) FROM ticket"), tickets);
        ck_assert_int_eq(count("SELECT count(*) FROM message"), messages);
    }
    ck_abort_msg("ingest never succeeded");
}
END_TEST

/* Threading ---------------------------------------------------------------------- */

/* Ingest and return the ticket, checking the rule that threaded the message. */
static int64_t thread_of(const cs_inbound *in, int rule)
{
    cs_ingest_result *r = take(in);
    int64_t ticket = r->ticket_id;

    ck_assert_msg(r->thread_rule == rule, "%s: rule %d, expected %d", in->external_id,
                  r->thread_rule, rule);
    cs_ingest_result_free(r);
    return ticket;
}

/* A reply to a merged-away ticket joins the ticket it was merged into, through any chain
 * of merges, by number, by header and by the host's ticket id. */
START_TEST(merged_tickets_thread_to_survivor)
{
    cs_inbound in = mail("<mg-a@anna>", "anna@example.com", "Rechnung", "erste");
    int64_t a = thread_of(&in, CS_THREAD_NEW), b, c;

    in = mail("<mg-b@anna>", "anna@example.com", "Mahnung", "zweite");
    b = thread_of(&in, CS_THREAD_NEW);
    in = mail("<mg-c@anna>", "anna@example.com", "Lastschrift", "dritte");
    c = thread_of(&in, CS_THREAD_NEW);
    ck_assert_ok(cs_ticket_merge(db, b, c)); /* #3 into #2 */
    ck_assert_ok(cs_ticket_merge(db, a, b)); /* #2 into #1 */

    in = mail("<mg-1@anna>", "anna@example.com", "Re: [#2] Mahnung", "zur Mahnung");
    ck_assert_int_eq(thread_of(&in, CS_THREAD_NUMBER), a);
    in = mail("<mg-2@anna>", "anna@example.com", "Re: [#3] Lastschrift", "zur Lastschrift");
    ck_assert_int_eq(thread_of(&in, CS_THREAD_NUMBER), a);
    in = mail("<mg-3@anna>", "anna@example.com", "Re: Lastschrift", "per Header");
    in.in_reply_to = "<mg-c@anna>";
    ck_assert_int_eq(thread_of(&in, CS_THREAD_IN_REPLY_TO), a);
    in = mail("<mg-4@anna>", "anna@example.com", "Portal", "aus dem Portal");
    in.ticket_id = c;
    ck_assert_int_eq(thread_of(&in, CS_THREAD_EXPLICIT), a);
    ck_assert_int_eq(count("SELECT count(*) FROM ticket"), 3);
    ck_assert_int_eq(count("SELECT count(*) FROM message WHERE direction = 1 AND ticket_id = 1"),
                     7);

    /* A merged-away ticket of another customer is still nobody else's door. */
    in = mail("<mg-5@ben>", "ben@example.com", "Re: [#2] Mahnung", "geraten");
    cs_ingest_result *r = take(&in);
    ck_assert_int_eq(r->created, 1);
    ck_assert_int_eq(r->follow_up, 0);
    cs_ingest_result_free(r);
}
END_TEST

/* A reply by subject only: the subject must reduce to the open ticket's. */
static void subject_joins(const char *subject, int64_t ticket, bool joins)
{
    static int n;
    char id[32], lost[32];
    cs_inbound in;
    cs_ingest_result *r;

    snprintf(id, sizeof(id), "<subj-%d@anna>", ++n);
    snprintf(lost, sizeof(lost), "<lost-%d@nowhere>", n);
    in = mail(id, "anna@example.com", subject, "per Betreff");
    in.in_reply_to = lost; /* a reply whose headers match nothing */
    r = take(&in);
    if (joins)
        ck_assert_msg(r->ticket_id == ticket && r->thread_rule == CS_THREAD_SUBJECT,
                      "\"%s\" did not join by subject (rule %d)", subject, r->thread_rule);
    else
        ck_assert_msg(r->ticket_id != ticket && r->created, "\"%s\" joined by subject (rule %d)",
                      subject, r->thread_rule);
    cs_ingest_result_free(r);
}

START_TEST(reply_prefixes)
{
    static const char *joins[] = {
        "Re: Lieferung",
        "Re[2]: Lieferung",
        "Re: Re[4]: Lieferung",
        "RE:rE: Lieferung",
        "[Kunden] Re: Lieferung",
        "Re: [Kunden] AW: Lieferung",
        "AW: Lieferung",
        "WG: Lieferung",
        "SV: Lieferung",
        "VS: Lieferung",
        "Antw: Lieferung",
        "TR: Lieferung",
        "Odp: Lieferung",
        "R: Lieferung",
        "Fwd: Lieferung",
        "FW: Lieferung",
        "RE : Lieferung",
        "Re(3): Lieferung",
        "Re^2: Lieferung",
        "RIF: Lieferung",
        "VB: Lieferung",
        "RV: Lieferung",
        "RES: Lieferung",
        "\xce\x91\xce\xa0: Lieferung",
        "\xe5\x9b\x9e\xe5\xa4\x8d\xef\xbc\x9aLieferung",
        "  re:   Lieferung  ",
        "Re: Lieferung\r\n",
        "[#99] Re: Lieferung",
    };
    static const char *new_tickets[] = {
        "Reklamation: Lieferung", "R Lieferung",     "Re Lieferung",    "Rücksendung: Lieferung",
        "AWB: Lieferung",         "Fwdx: Lieferung", "Re: Lieferung 2",
    };
    cs_inbound in = mail("<subj-0@anna>", "anna@example.com", "Lieferung", "Wo ist es?");
    int64_t ticket = thread_of(&in, CS_THREAD_NEW);

    for (size_t i = 0; i < CS_ARRAY_SIZE(joins); i++)
        subject_joins(joins[i], ticket, true);
    for (size_t i = 0; i < CS_ARRAY_SIZE(new_tickets); i++)
        subject_joins(new_tickets[i], ticket, false);
    /* A new request with an open ticket's subject and no mark of a reply is a new ticket. */
    in = mail("<subj-new@anna>", "anna@example.com", "Lieferung", "eine andere Bestellung");
    ck_assert_int_ne(thread_of(&in, CS_THREAD_NEW), ticket);
    /* Never across customers. */
    in = mail("<subj-ben@ben>", "ben@example.com", "Re: Lieferung", "Bens Lieferung");
    ck_assert_int_ne(thread_of(&in, CS_THREAD_NEW), ticket);
}
END_TEST

/* In-Reply-To is a list of message ids with comments and phrases, read like References. */
START_TEST(in_reply_to_is_parsed)
{
    static const char *headers[] = {
        "<p1@anna>",
        " <p1@anna> (sent from my phone)",
        "Anna's message of \"Mon, 2 Mar 2026 <10:00>\" <p1@anna>",
        "<unknown@elsewhere> <p1@anna>",
        "<p1@anna>, <other@elsewhere>",
        "(a comment with <fake@x> inside) <p1@anna>",
        "p1@anna",
        "<p1@\r\n anna>",
    };
    cs_inbound in = mail("<p1@anna>", "anna@example.com", "Adresse", "neue Adresse");
    int64_t ticket = thread_of(&in, CS_THREAD_NEW);
    char id[32];

    for (size_t i = 0; i < CS_ARRAY_SIZE(headers); i++) {
        snprintf(id, sizeof(id), "<p-irt-%zu@anna>", i);
        in = mail(id, "anna@example.com", "Nachtrag", "noch etwas");
        in.in_reply_to = headers[i];
        ck_assert_msg(thread_of(&in, CS_THREAD_IN_REPLY_TO) == ticket, "%s", headers[i]);
    }
    /* Ids inside quoted strings and comments are no ids. */
    in = mail("<p-q@anna>", "anna@example.com", "Neu", "neue Frage");
    in.in_reply_to = "\"<p1@anna>\" (<p1@anna>)";
    ck_assert_int_ne(thread_of(&in, CS_THREAD_NEW), ticket);
    /* References read the same way. */
    in = mail("<p-ref@anna>", "anna@example.com", "Nachtrag", "per References");
    in.references = "<p1@anna> (Anna) <unknown@elsewhere> (\"<x@y>\")";
    ck_assert_int_eq(thread_of(&in, CS_THREAD_REFERENCES), ticket);
    /* Never across customers. */
    in = mail("<p-ben@ben>", "ben@example.com", "Nachtrag", "Ben");
    in.in_reply_to = "Anna's mail <p1@anna> (forwarded)";
    ck_assert_int_ne(thread_of(&in, CS_THREAD_NEW), ticket);
}
END_TEST

/* External ids are stored as adapters gave them, with or without angle brackets; headers
 * match either form, so databases written before keep threading. */
START_TEST(stored_ids_with_or_without_brackets)
{
    cs_inbound in = mail("bare-1@anna", "anna@example.com", "Ohne Klammern", "alt");
    int64_t bare = thread_of(&in, CS_THREAD_NEW), bracketed;

    in = mail("<br-1@anna>", "anna@example.com", "Mit Klammern", "neu");
    bracketed = thread_of(&in, CS_THREAD_NEW);
    in = mail("<br-2@anna>", "anna@example.com", "Nachtrag", "1");
    in.in_reply_to = "<bare-1@anna>";
    ck_assert_int_eq(thread_of(&in, CS_THREAD_IN_REPLY_TO), bare);
    in = mail("<br-3@anna>", "anna@example.com", "Nachtrag", "2");
    in.references = "br-1@anna";
    ck_assert_int_eq(thread_of(&in, CS_THREAD_REFERENCES), bracketed);
    in = mail("<br-4@anna>", "anna@example.com", "Nachtrag", "3");
    in.references = "<bare-1@anna> <nothing@x>";
    ck_assert_int_eq(thread_of(&in, CS_THREAD_REFERENCES), bare);
}
END_TEST

/* A mail naming ids libcs never saw is remembered: the next mail of the same customer that
 * names one of them joins its ticket. */
START_TEST(unseen_references_are_remembered)
{
    cs_inbound in = mail("<u3@anna>", "anna@example.com", "Bestellung 17", "erste, die ankommt");
    int64_t ticket;

    in.in_reply_to = "<u2@anna>";
    in.references = "<u1@anna> <u2@anna>";
    ticket = thread_of(&in, CS_THREAD_NEW);
    in = mail("<u4@anna>", "anna@example.com", "Rückfrage", "zur ersten Mail");
    in.in_reply_to = "<u1@anna>";
    ck_assert_int_eq(thread_of(&in, CS_THREAD_IN_REPLY_TO), ticket);
    in = mail("<u5@anna>", "anna@example.com", "Rückfrage", "zur zweiten");
    in.references = "<u2@anna> <other@x>";
    ck_assert_int_eq(thread_of(&in, CS_THREAD_REFERENCES), ticket);
    /* Another customer naming the same ids does not join. */
    in = mail("<u6@ben>", "ben@example.com", "Rückfrage", "Ben");
    in.in_reply_to = "<u1@anna>";
    in.references = "<u2@anna>";
    ck_assert_int_ne(thread_of(&in, CS_THREAD_NEW), ticket);
}
END_TEST

/* Delivery out of order: the reply arrives first, its parent joins the reply's ticket. */
START_TEST(parent_after_its_reply)
{
    cs_inbound in = mail("<o2@anna>", "anna@example.com", "Re: Paket", "Nachtrag zu gleich");
    int64_t ticket;
    cs_ingest_result *r;

    in.in_reply_to = "<o1@anna>";
    ticket = thread_of(&in, CS_THREAD_NEW);
    in = mail("<o1@anna>", "anna@example.com", "Paket beschädigt", "das Original");
    ck_assert_int_eq(thread_of(&in, CS_THREAD_REFERENCED), ticket);
    ck_assert_int_eq(count("SELECT count(*) FROM ticket"), 1);
    /* A social reply first, its parent tweet second. */
    in = (cs_inbound)CS_INBOUND_INIT;
    in.channel_id = tweet_ch;
    in.sender = "@anna_m";
    in.external_id = "tw-201";
    in.reply_to = "tw-200";
    in.body = "@shop und noch was";
    ticket = thread_of(&in, CS_THREAD_NEW);
    in.external_id = "tw-200";
    in.reply_to = NULL;
    in.body = "@shop mein Paket ist beschädigt";
    ck_assert_int_eq(thread_of(&in, CS_THREAD_REFERENCED), ticket);
    /* Another customer's message with that id is not the parent. */
    in = mail("<o9@ben>", "ben@example.com", "Re: Paket", "Ben");
    in.in_reply_to = "<o8@ben>";
    ticket = thread_of(&in, CS_THREAD_NEW);
    in = mail("<o8@ben>", "anna@example.com", "Paket", "Anna");
    r = take(&in);
    ck_assert_int_ne(r->ticket_id, ticket);
    ck_assert_int_eq(r->thread_rule, CS_THREAD_NEW);
    cs_ingest_result_free(r);
}
END_TEST

/* The one parser for In-Reply-To and References, id by id. */
START_TEST(message_id_lists)
{
    static const struct {
        const char *header, *ids; /* the ids joined by spaces */
        size_t max;
    } cases[] = {
        {"<a@x>", "a@x", 8},
        {"  <a@x>  <b@x>\r\n\t<c@x>", "a@x b@x c@x", 8},
        {"<a@x>,<b@x>", "a@x b@x", 8},
        {"<a@x> <b@x> <c@x> <d@x>", "c@x d@x", 2}, /* the last ones */
        {"Anna's mail of \"Mon <q@x>\" <a@x> (via <c@x>)", "a@x", 8},
        {"(nested (comment <n@x>) \\) <e@x>) <a@x>", "a@x", 8},
        {"\"quoted \\\" <q@x>\" <a@x>", "a@x", 8},
        {"a@x b@x", "a@x b@x", 8}, /* bare, as old data has them */
        {"a@x <b@x>", "b@x", 8},   /* with brackets, a bare word is a phrase */
        {"12345", "12345", 8},     /* a lone word */
        {"two words", "", 8},
        {"<a@\r\n x>", "a@x", 8}, /* folded */
        {"<a@x", "a@x", 8},       /* unclosed: read as bare */
        {"<<a@x>", "a@x", 8},
        {"<> < > <\x01@x> <\xff@x> <ok@x>", "ok@x", 8},
        {"", "", 8},
        {"(only a comment)", "", 8},
    };
    char joined[256];

    for (size_t i = 0; i < CS_ARRAY_SIZE(cases); i++) {
        cs_strv ids;
        ck_assert_ok(cs_ingest__msgids(&ids, cases[i].header, cases[i].max));
        joined[0] = '\0';
        for (size_t k = 0; k < ids.n; k++)
            snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s", k ? " " : "",
                     ids.v[k]);
        ck_assert_msg(!strcmp(joined, cases[i].ids), "\"%s\" gave \"%s\", expected \"%s\"",
                      cases[i].header, joined, cases[i].ids);
        cs_strv__free(&ids);
    }
}
END_TEST

/* Optional hints --------------------------------------------------------------------- */

/* A copy of a customer's field, by its getter; the caller frees it. */
static char *customer_field(int64_t customer, const char *(*get)(const cs_customer *))
{
    cs_customer *c = NULL;
    ck_assert_ok(cs_customer_lookup(&c, db, customer));
    char *s = strdup(get(c));
    cs_customer_free(c);
    return s;
}

/* The name a new customer gets from a mail with this sender name; the caller frees it. */
static char *name_from(const char *sender, const char *sender_name)
{
    cs_inbound in = mail(NULL, sender, "Name", "Text");
    in.sender_name = sender_name;
    cs_ingest_result *r = take(&in);
    char *name = customer_field(r->customer_id, cs_customer_name);
    cs_ingest_result_free(r);
    return name;
}

START_TEST(locale_hints_are_normalised)
{
    static const char *cases[][2] = {
        {"de_DE", "de-DE"},
        {"de_DE.UTF-8@euro", "de-DE"},
        {"EN", "en"},
        {"en-gb", "en-GB"},
        {"zh_hant_tw", "zh-Hant-TW"},
        {"sr_RS@latin", "sr-RS"},
        {" fr_CA.ISO8859-1 ", "fr-CA"},
        {"es_419", "es-419"},
        {"de-AT", "de-AT"},
        {"C", "en"},
        {"POSIX", "en"},
        {"x", "en"},
        {"de_DE_", "en"},
        {"deutsch", "en"},
        {"de DE", "en"},
        {"12_34", "en"},
        {"\xff\xfe", "en"},
        {"de-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "en"},
    };
    char sender[64];

    for (size_t i = 0; i < CS_ARRAY_SIZE(cases); i++) {
        snprintf(sender, sizeof(sender), "locale-%zu@example.com", i);
        cs_inbound in = mail(NULL, sender, "Hallo", "Text");
        in.locale = cases[i][0];
        cs_ingest_result *r = NULL;
        ck_assert_msg(cs_ingest(&r, db, &in) == CS_OK, "locale \"%s\" refused: %s", cases[i][0],
                      cs_error_last()->message);
        char *locale = customer_field(r->customer_id, cs_customer_locale);
        ck_assert_msg(!strcmp(locale, cases[i][1]), "\"%s\" became \"%s\", expected \"%s\"",
                      cases[i][0], locale, cases[i][1]);
        free(locale);
        cs_ingest_result_free(r);
    }
    /* The normalised locale picks the receipt's language. */
    cs_inbound in = mail("<loc@x>", "kunde@example.de", "Frage", "Text");
    in.locale = "de_DE.UTF-8";
    cs_ingest_result *r = take(&in);
    ck_assert_msg(strstr(r->receipt, "Vielen Dank"), "%s", r->receipt);
    cs_ingest_result_free(r);
}
END_TEST

/* Every optional field is cleaned or dropped; the message always goes in. */
START_TEST(bad_hints_are_cleaned_or_dropped)
{
    static char long_name[600], long_subject[1200], long_header[20000], long_id[1100];
    cs_inbound in = mail("<h1@anna>", "anna@example.com", "Erste", "erste Mail");
    int64_t first = thread_of(&in, CS_THREAD_NEW);
    cs_ingest_result *r;
    cs_message *m = NULL;
    char *name;

    /* A name: too long (cut at a character), with line breaks and bad bytes. */
    for (size_t i = 0; i + 2 < sizeof(long_name); i += 2)
        memcpy(long_name + i, "\xc3\xa9", 2); /* é */
    name = name_from("name@example.com", long_name);
    ck_assert_uint_eq(strlen(name), 254);
    ck_assert(cs_utf8__valid(name, 254));
    free(name);
    name = name_from("name2@example.com", "Eve\r\nBcc: all@example.com\x01 M\xfcller\t");
    ck_assert_str_eq(name, "Eve Bcc: all@example.com M\xef\xbf\xbdller");
    free(name);
    name = name_from("name3@example.com", "\r\n\t");
    ck_assert_str_eq(name, "name3@example.com");
    free(name);

    /* A subject: bad bytes replaced, line breaks joined, too long cut. */
    in = mail("<h5@x>", "anna@example.com", "Rechnung f\xfcr\r\n M\xe4rz", "Latin-1");
    r = take(&in);
    ck_assert_ok(cs_message_lookup(&m, db, r->message_id));
    ck_assert_str_eq(cs_message_subject(m), "Rechnung f\xef\xbf\xbdr M\xef\xbf\xbdrz");
    cs_message_free(m);
    cs_ingest_result_free(r);
    memset(long_subject, 'x', sizeof(long_subject) - 1);
    in = mail("<h6@x>", "anna@example.com", long_subject, "langer Betreff");
    r = take(&in);
    ck_assert_ok(cs_message_lookup(&m, db, r->message_id));
    ck_assert_uint_eq(strlen(cs_message_subject(m)), CS_SUBJECT_MAX);
    cs_message_free(m);
    cs_ingest_result_free(r);

    /* Over-long threading headers still thread by the ids they carry. */
    memset(long_header, ' ', sizeof(long_header) - 1);
    memcpy(long_header + sizeof(long_header) - 12, "<h1@anna>", 9);
    in = mail("<h7@x>", "anna@example.com", "Nachtrag", "lange Header");
    in.in_reply_to = long_header;
    ck_assert_int_eq(thread_of(&in, CS_THREAD_IN_REPLY_TO), first);
    in = mail("<h8@x>", "anna@example.com", "Nachtrag", "lange References");
    in.references = long_header;
    ck_assert_int_eq(thread_of(&in, CS_THREAD_REFERENCES), first);
    in = mail("<h9@x>", "anna@example.com", "Nachtrag", "kaputte Header");
    in.in_reply_to = "<h1@anna> \xff\xfe";
    in.references = "\x01\x02";
    ck_assert_int_eq(thread_of(&in, CS_THREAD_IN_REPLY_TO), first);

    /* Unusable reply_to, conversation, external id and ticket id are dropped. */
    memset(long_id, 'i', sizeof(long_id) - 1);
    in = mail(long_id, "anna@example.com", "Ohne Id", "zu lange Id");
    in.reply_to = long_id;
    in.conversation = "sess\xff";
    in.ticket_id = -5;
    r = take(&in);
    ck_assert_int_eq(r->created, 1);
    ck_assert_ok(cs_message_lookup(&m, db, r->message_id));
    ck_assert_ptr_null(cs_message_external_id(m));
    cs_message_free(m);
    ck_assert_int_eq(count("SELECT count(*) FROM message WHERE conversation IS NOT NULL"), 0);
    cs_ingest_result_free(r);
    in = (cs_inbound)CS_INBOUND_INIT;
    in.channel_id = chat_ch;
    in.sender = "visitor-7";
    in.external_id = "c\xff";
    in.conversation = long_id;
    in.body = "Hallo";
    r = take(&in);
    ck_assert_int_eq(r->created, 1);
    cs_ingest_result_free(r);
    /* Required fields are still required. */
    in = mail("<h10@x>", "anna@example.com", "Leer", "");
    ck_assert_rc(cs_ingest(&r, db, &in), CS_EINVAL);
    ck_assert_field("body");
}
END_TEST

/* Receipts in the customer's language and time zone --------------------------------- */

/* A customer with a locale and a time zone, known by an email address. */
static void known_customer(const char *email, const char *locale, const char *zone)
{
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    cs_identity_spec id = {CS_IDENTITY_EMAIL, email};
    int64_t customer;

    f.name = email;
    f.locale = locale;
    f.timezone = zone;
    f.identities = &id;
    f.nidentities = 1;
    ck_assert_ok(cs_customer_create(&customer, db, &f));
}

/* The receipt of a new mail from `from`; fails the test unless it holds `want`. */
static void receipt_has(const char *from, const char *locale, const char *want)
{
    cs_inbound in = mail(NULL, from, "Frage", "Wann kommt mein Paket?");
    in.locale = locale;
    cs_ingest_result *r = take(&in);
    ck_assert_ptr_nonnull(r->receipt);
    ck_assert_msg(strstr(r->receipt, want), "\"%s\" not in \"%s\"", want, r->receipt);
    cs_ingest_result_free(r);
}

static void channel_defaults(int64_t channel, const char *locale, const char *zone)
{
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    f.locale = locale;
    f.timezone = zone;
    ck_assert_ok(cs_channel_update(db, channel, &f));
}

/* The promise is a day after Monday 2026-03-02 09:00 UTC, read where the customer lives. */
START_TEST(receipt_in_the_customers_language_and_zone)
{
    known_customer("berta@example.de", "de", "Europe/Berlin");
    known_customer("kim@example.com", "en-US", "America/New_York");
    known_customer("lani@example.com", "en", "Pacific/Honolulu");

    receipt_has("berta@example.de", NULL,
                "Wir antworten Ihnen spätestens bis 03.03.2026 10:00 Uhr (Europe/Berlin).");
    receipt_has("kim@example.com", NULL,
                "We will answer by 3 March 2026, 04:00 (America/New_York) at the latest.");
    /* West of UTC the promise falls on the day before. */
    receipt_has("lani@example.com", NULL, "by 2 March 2026, 23:00 (Pacific/Honolulu)");
    /* In summer Berlin is two hours ahead: the offset is the zone's at the promised time. */
    t_now += 10454400; /* Wednesday 2026-07-01 09:00 UTC */
    receipt_has("berta@example.de", NULL, "bis 02.07.2026 11:00 Uhr (Europe/Berlin).");
}
END_TEST

/* A shop in Germany: its channel speaks German and promises in Berlin time to customers who
 * did not say their language or zone. */
START_TEST(receipt_falls_back_to_the_channels_locale_and_zone)
{
    cs_customer *c = NULL;

    channel_defaults(mail_ch, "de", "Europe/Berlin");
    cs_inbound in = mail(NULL, "neu@example.de", "Frage", "Hallo");
    cs_ingest_result *r = take(&in);
    ck_assert_msg(strstr(r->receipt, "Vielen Dank für Ihre Nachricht.") &&
                      strstr(r->receipt, "bis 03.03.2026 10:00 Uhr (Europe/Berlin)."),
                  "%s", r->receipt);
    /* The new customer speaks the channel's language from now on; the zone stays the
     * channel's to give, not the customer's. */
    ck_assert_ok(cs_customer_lookup(&c, db, r->customer_id));
    ck_assert_str_eq(cs_customer_locale(c), "de");
    ck_assert_ptr_null(cs_customer_timezone(c));
    cs_customer_free(c);
    cs_ingest_result_free(r);

    /* What the customer said wins: their language, in the channel's zone ... */
    receipt_has("tourist@example.com", "en_GB.UTF-8",
                "We will answer by 3 March 2026, 10:00 (Europe/Berlin) at the latest.");
    /* ... and their own zone, in their language. */
    known_customer("pendler@example.de", "de", "America/New_York");
    receipt_has("pendler@example.de", NULL, "bis 03.03.2026 04:00 Uhr (America/New_York).");
    /* A zone the system no longer knows is no zone: the channel's applies. */
    ck_assert_ok(sqlite3_exec(db->sql,
                              "UPDATE customer SET timezone = 'Mars/Olympus'"
                              " WHERE name = 'pendler@example.de'",
                              0, 0, 0));
    receipt_has("pendler@example.de", NULL, "bis 03.03.2026 10:00 Uhr (Europe/Berlin).");
}
END_TEST

/* Nothing known: English, in UTC. A language libcs has no text in gets English, with the
 * English date; a channel's own template in that language, a date any reader can read. */
START_TEST(receipt_in_english_and_utc_when_nothing_is_known)
{
    cs_customer *c = NULL;
    cs_inbound in = mail(NULL, "anon@example.com", "Question", "Hello");
    cs_ingest_result *r = take(&in);

    ck_assert_msg(
        strstr(r->receipt, "Thank you for your message.") &&
            strstr(r->receipt, "We will answer by 3 March 2026, 09:00 (UTC) at the latest."),
        "%s", r->receipt);
    ck_assert_ok(cs_customer_lookup(&c, db, r->customer_id));
    ck_assert_str_eq(cs_customer_locale(c), "en");
    cs_customer_free(c);
    cs_ingest_result_free(r);

    receipt_has("pierre@example.fr", "fr", "We will answer by 3 March 2026, 09:00 (UTC)");
    ck_assert_ok(cs_receipt_set_template(db, mail_ch, "fr", "Réponse avant le {promised_at}."));
    receipt_has("marie@example.fr", "fr", "Réponse avant le 2026-03-03 09:00 (UTC).");
    /* A channel that names neither changes nothing. */
    channel_defaults(mail_ch, "", "");
    receipt_has("anon2@example.com", NULL, "by 3 March 2026, 09:00 (UTC)");
}
END_TEST

/* Bulk sections and savepoints ---------------------------------------------------------- */

/* The SAVEPOINT statements a handle runs. */
static int count_savepoints(unsigned type, void *payload, void *stmt, void *x)
{
    (void)type;
    (void)x;
    if (!strncmp(sqlite3_sql(stmt), "SAVEPOINT", 9))
        ++*(int *)payload;
    return 0;
}

/* The n-th of a run of distinct new mails. */
static int ingest_nth(int n)
{
    char id[32], from[48];
    cs_ingest_result *r = NULL;
    cs_inbound in;
    int rc;

    snprintf(id, sizeof(id), "<bulk%d@example.com>", n);
    snprintf(from, sizeof(from), "bulk%d@example.com", n);
    in = mail(id, from, "Order", "Where is it?");
    rc = cs_ingest(&r, db, &in);
    cs_ingest_result_free(r);
    return rc;
}

/* The ingest that makes ticket `n` fails at its message, after its customer and ticket went
 * in: a failure halfway. */
static void fail_at_ticket(int n)
{
    char sql[256];

    snprintf(sql, sizeof(sql),
             "CREATE TEMP TRIGGER halfway BEFORE INSERT ON main.message"
             " WHEN (SELECT count(*) FROM main.ticket) = %d BEGIN SELECT RAISE(ABORT, 'halfway');"
             " END",
             n);
    ck_assert_int_eq(sqlite3_exec(db->sql, sql, 0, 0, 0), SQLITE_OK);
}

static void fail_nowhere(void)
{
    ck_assert_int_eq(sqlite3_exec(db->sql, "DROP TRIGGER IF EXISTS temp.halfway", 0, 0, 0),
                     SQLITE_OK);
}

/* A call opens a savepoint only straight inside a host's plain section: alone it is the
 * transaction, inside another call or a bulk section it joins. */
START_TEST(savepoints_only_where_a_call_may_fail_alone)
{
    int savepoints = 0;
    char *answer = NULL;

    sqlite3_trace_v2(db->sql, SQLITE_TRACE_STMT, count_savepoints, &savepoints);
    ck_assert_ok(ingest_nth(1));
    ck_assert_int_eq(savepoints, 0);
    ck_assert_ok(cs_call(&answer, db, "ticket.create", "{\"customer_id\": 1, \"subject\": \"s\"}"));
    cs_str_free(answer);
    ck_assert_int_eq(savepoints, 0);

    ck_assert_ok(cs_db_begin(db));
    ck_assert_ok(ingest_nth(2));
    ck_assert_int_eq(savepoints, 1);
    ck_assert_ok(cs_call(&answer, db, "ticket.create", "{\"customer_id\": 1, \"subject\": \"s\"}"));
    cs_str_free(answer);
    ck_assert_int_eq(savepoints, 2);
    ck_assert_ok(cs_db_commit(db));

    savepoints = 0;
    ck_assert_ok(cs_db_begin_bulk(db));
    for (int i = 3; i < 10; i++)
        ck_assert_ok(ingest_nth(i));
    ck_assert_ok(cs_call(&answer, db, "ticket.create", "{\"customer_id\": 1, \"subject\": \"s\"}"));
    cs_str_free(answer);
    ck_assert_ok(cs_db_commit(db));
    ck_assert_int_eq(savepoints, 0);
    sqlite3_trace_v2(db->sql, 0, NULL, NULL);
    ck_assert_int_eq(count("SELECT count(*) FROM ticket"), 12);
}
END_TEST

/* Without savepoints inside a call, a failure halfway still undoes exactly that call: alone,
 * and inside a host's plain section. */
START_TEST(failure_halfway_undoes_the_call)
{
    fail_at_ticket(1);
    ck_assert_int_lt(ingest_nth(1), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM customer"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM ticket"), 0);
    fail_nowhere();

    ck_assert_ok(cs_db_begin(db));
    ck_assert_ok(ingest_nth(1));
    fail_at_ticket(2);
    ck_assert_int_lt(ingest_nth(2), 0);
    fail_nowhere();
    ck_assert_ok(ingest_nth(3));
    ck_assert_ok(cs_db_commit(db));
    ck_assert_int_eq(count("SELECT count(*) FROM customer"), 2);
    ck_assert_int_eq(count("SELECT count(*) FROM identity"
                           " WHERE value = 'bulk2@example.com'"),
                     0);
    ck_assert_int_eq(count("SELECT count(*) FROM ticket"), 2);
}
END_TEST

START_TEST(bulk_section_commits_all)
{
    cs_ticket *t = NULL;

    ck_assert_ok(cs_db_begin_bulk(db));
    for (int i = 0; i < 50; i++)
        ck_assert_ok(ingest_nth(i));
    ck_assert_ok(cs_ticket_lookup(&t, db, 50)); /* reads see the batch */
    cs_ticket_free(t);
    ck_assert_ok(cs_db_commit(db));
    ck_assert_int_eq(count("SELECT count(*) FROM ticket"), 50);
    /* The larger cache stays for the next bulk section, and goes with an ordinary one. */
    ck_assert_int_eq(count("PRAGMA cache_size"), -32768);
    ck_assert_ok(cs_db_begin_bulk(db));
    ck_assert_ok(cs_db_commit(db));
    ck_assert_int_eq(count("PRAGMA cache_size"), -32768);
    ck_assert_ok(ingest_nth(50));
    ck_assert_int_eq(count("PRAGMA cache_size"), -8192);
}
END_TEST

/* One failure halfway poisons the batch: later changes are refused, reads work, the commit
 * rolls everything back; the handle then works as before. */
START_TEST(bulk_failure_rolls_back_the_batch)
{
    cs_ingest_result *r = NULL;
    cs_inbound bad = mail("<bad@example.com>", "bad@example.com", "s", "b");

    ck_assert_ok(cs_db_begin_bulk(db));
    for (int i = 1; i <= 3; i++)
        ck_assert_ok(ingest_nth(i));
    fail_at_ticket(4);
    ck_assert_int_lt(ingest_nth(4), 0);
    fail_nowhere();
    ck_assert_rc(ingest_nth(5), CS_ECONFLICT);
    ck_assert_field("db");
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "roll the section back"));
    ck_assert_int_eq(count("SELECT count(*) FROM ticket"), 4); /* the half of call 4 */
    ck_assert_rc(cs_db_commit(db), CS_ECONFLICT);
    ck_assert_rc(cs_db_rollback(db), CS_EINVAL); /* the commit closed it */
    ck_assert_int_eq(count("SELECT count(*) FROM customer"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM ticket"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM message"), 0);

    /* A call refused up front, on its arguments, poisons nothing. */
    ck_assert_ok(cs_db_begin_bulk(db));
    ck_assert_ok(ingest_nth(1));
    bad.sender = NULL;
    ck_assert_rc(cs_ingest(&r, db, &bad), CS_EINVAL);
    ck_assert_ok(ingest_nth(2));
    ck_assert_ok(cs_db_commit(db));
    ck_assert_int_eq(count("SELECT count(*) FROM ticket"), 2);

    /* A host that rolls back at once; then an ordinary section and a call alone work. */
    ck_assert_ok(cs_db_begin_bulk(db));
    ck_assert_ok(ingest_nth(3));
    fail_at_ticket(4);
    ck_assert_int_lt(ingest_nth(4), 0);
    fail_nowhere();
    ck_assert_ok(cs_db_rollback(db));
    ck_assert_int_eq(count("SELECT count(*) FROM ticket"), 2);
    ck_assert_ok(cs_db_begin(db));
    ck_assert_ok(ingest_nth(3));
    ck_assert_ok(cs_db_commit(db));
    ck_assert_ok(ingest_nth(4));
    ck_assert_int_eq(count("SELECT count(*) FROM ticket"), 4);
}
END_TEST

/* A savepoint the host opens inside a bulk section catches a failure inside it. */
START_TEST(bulk_section_with_a_host_savepoint)
{
    ck_assert_ok(cs_db_begin_bulk(db));
    ck_assert_ok(ingest_nth(1));
    ck_assert_ok(cs_db_begin(db));
    fail_at_ticket(2);
    ck_assert_int_lt(ingest_nth(2), 0);
    fail_nowhere();
    ck_assert_rc(cs_db_commit(db), CS_ECONFLICT); /* rolls the savepoint back */
    ck_assert_ok(ingest_nth(3));
    ck_assert_ok(cs_db_begin(db));
    fail_at_ticket(3);
    ck_assert_int_lt(ingest_nth(4), 0);
    fail_nowhere();
    ck_assert_ok(cs_db_rollback(db));
    ck_assert_ok(cs_db_commit(db));
    ck_assert_int_eq(count("SELECT count(*) FROM ticket"), 2);
    ck_assert_int_eq(count("SELECT count(*) FROM identity"
                           " WHERE value IN ('bulk1@example.com', 'bulk3@example.com')"),
                     2);
}
END_TEST

START_TEST(bulk_section_is_outermost)
{
    ck_assert_rc(cs_db_begin_bulk(NULL), CS_EINVAL);
    ck_assert_ok(cs_db_begin(db));
    ck_assert_rc(cs_db_begin_bulk(db), CS_EINVAL);
    ck_assert_field("db");
    ck_assert_ok(cs_db_rollback(db));
    ck_assert_ok(cs_db_begin_bulk(db));
    ck_assert_rc(cs_db_begin_bulk(db), CS_EINVAL);
    ck_assert_ok(ingest_nth(1));
    ck_assert_ok(cs_db_commit(db));
    ck_assert_rc(cs_db_commit(db), CS_EINVAL);
    ck_assert_int_eq(count("SELECT count(*) FROM ticket"), 1);
}
END_TEST

Suite *cs_ingest_suite(void)
{
    Suite *s = suite_create("ingest");
    TCase *tc = tcase_create("ingest");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, new_mail_opens_ticket_with_receipt);
    tcase_add_test(tc, ingest_writes_each_value_once);
    tcase_add_test(tc, duplicates_write_nothing);
    tcase_add_test(tc, bad_input);
    tcase_add_test(tc, threading_rules);
    tcase_add_test(tc, social_and_chat_threading);
    tcase_add_test(tc, threading_never_crosses_customers);
    tcase_add_test(tc, reopen_and_follow_up);
    tcase_add_test(tc, receipt_configuration);
    tcase_add_test(tc, receipt_template_placeholders_close);
    tcase_add_test(tc, reply_on_the_customers_channel);
    tcase_add_test(tc, outbox_leases_and_retries);
    tcase_add_test(tc, multi_channel_story);
    tcase_add_test(tc, ingest_permissions);
    tcase_add_test(tc, ingest_allocation_failures);
    suite_add_tcase(s, tc);

    tc = tcase_create("threading");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, merged_tickets_thread_to_survivor);
    tcase_add_test(tc, reply_prefixes);
    tcase_add_test(tc, in_reply_to_is_parsed);
    tcase_add_test(tc, stored_ids_with_or_without_brackets);
    tcase_add_test(tc, unseen_references_are_remembered);
    tcase_add_test(tc, parent_after_its_reply);
    tcase_add_test(tc, message_id_lists);
    suite_add_tcase(s, tc);

    tc = tcase_create("bulk");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, savepoints_only_where_a_call_may_fail_alone);
    tcase_add_test(tc, failure_halfway_undoes_the_call);
    tcase_add_test(tc, bulk_section_commits_all);
    tcase_add_test(tc, bulk_failure_rolls_back_the_batch);
    tcase_add_test(tc, bulk_section_with_a_host_savepoint);
    tcase_add_test(tc, bulk_section_is_outermost);
    suite_add_tcase(s, tc);

    tc = tcase_create("hints");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, locale_hints_are_normalised);
    tcase_add_test(tc, bad_hints_are_cleaned_or_dropped);
    suite_add_tcase(s, tc);

    tc = tcase_create("receipt locale");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, receipt_in_the_customers_language_and_zone);
    tcase_add_test(tc, receipt_falls_back_to_the_channels_locale_and_zone);
    tcase_add_test(tc, receipt_in_english_and_utc_when_nothing_is_known);
    suite_add_tcase(s, tc);
    return s;
}
