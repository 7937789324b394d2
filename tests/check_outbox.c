/*
 * Delivery through the outbox: whom a reply goes to.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"
#include "helpers.h"

static cs_db *db;
static int64_t mail_ch, tweet_ch, carla;

static void setup(void)
{
    cs_agent_fields a = CS_AGENT_FIELDS_INIT;

    db = t_open_memory();
    mail_ch = t_channel(db, CS_CHANNEL_EMAIL, "Mail");
    tweet_ch = t_channel(db, CS_CHANNEL_TWITTER, "Twitter");
    a.name = "Carla Agent";
    ck_assert_ok(cs_agent_create(&carla, db, &a));
}

static void teardown(void)
{
    cs_db_close(db);
    db = NULL;
}

static int64_t count(const char *fmt, int64_t id)
{
    char sql[400];

    snprintf(sql, sizeof(sql), fmt, (long long)id);
    return t_sql_int(db, sql);
}

/* Ingest a mail and return its result; fails the test on error. */
static cs_ingest_result *mail(const char *id, const char *from, const char *subject)
{
    cs_inbound in = CS_INBOUND_INIT;
    cs_ingest_result *r = NULL;

    in.channel_id = mail_ch;
    in.external_id = id;
    in.sender = from;
    in.subject = subject;
    in.body = "Bitte um Antwort";
    ck_assert_ok(cs_ingest(&r, db, &in));
    return r;
}

/* Reply as the agent and return the outbox item's recipient (owned by the caller). */
static char *reply_to(int64_t ticket, const cs_reply_options *o)
{
    sqlite3_stmt *st = NULL;
    char *recipient;

    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    ck_assert_ok(cs_reply(NULL, db, ticket, "Antwort", o));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    ck_assert_int_eq(
        sqlite3_prepare_v2(db->sql, "SELECT recipient FROM outbox ORDER BY id DESC", -1, &st, NULL),
        SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    recipient = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return recipient;
}

#define ck_assert_reply_goes_to(ticket, options, expected)                                         \
    do {                                                                                           \
        char *to_ = reply_to((ticket), (options));                                                 \
        ck_assert_str_eq(to_, (expected));                                                         \
        free(to_);                                                                                 \
    } while (0)

/* Whom a reply goes to --------------------------------------------------------------- */

/* Anna writes from her private address; an agent adds her work address: the reply still
 * goes to the address she wrote from, and follows her when she writes from another one. */
START_TEST(reply_goes_where_the_customer_wrote_from)
{
    cs_ingest_result *r = mail("<a1@x>", "anna@example.com", "Adresse"), *r2;
    cs_ticket_fields tf = CS_TICKET_FIELDS_INIT;
    int64_t own_ticket;

    ck_assert_ok(
        cs_customer_add_identity(db, r->customer_id, CS_IDENTITY_EMAIL, "anna@work.example"));
    ck_assert_reply_goes_to(r->ticket_id, NULL, "anna@example.com");

    /* She answers from work on the same ticket: the next reply goes there. */
    r2 = mail("<a2@x>", "Anna@Work.example", "Re: [#1] Adresse");
    ck_assert_int_eq(r2->ticket_id, r->ticket_id);
    cs_ingest_result_free(r2);
    ck_assert_reply_goes_to(r->ticket_id, NULL, "anna@work.example");
    ck_assert_int_eq(count("SELECT count(*) FROM message WHERE ticket_id = %lld AND direction = 1"
                           " AND identity_id IS NOT NULL",
                           r->ticket_id),
                     2);

    /* A new ticket from her private address is answered there; the first ticket keeps
     * going to work, where she wrote last on it. */
    r2 = mail("<a3@x>", "anna@example.com", "Neue Frage");
    ck_assert_int_ne(r2->ticket_id, r->ticket_id);
    ck_assert_reply_goes_to(r2->ticket_id, NULL, "anna@example.com");
    ck_assert_reply_goes_to(r->ticket_id, NULL, "anna@work.example");
    cs_ingest_result_free(r2);

    /* A ticket she never wrote on: the address she last wrote from on that channel. */
    tf.subject = "Rückruf";
    tf.customer_id = r->customer_id;
    tf.channel_id = mail_ch;
    ck_assert_ok(cs_ticket_create(&own_ticket, db, &tf));
    ck_assert_reply_goes_to(own_ticket, NULL, "anna@example.com");

    /* A customer who never wrote at all: the oldest address, not the newest. */
    int64_t kim = t_customer(db, "Kim", "kim@example.com");
    ck_assert_ok(cs_customer_add_identity(db, kim, CS_IDENTITY_EMAIL, "kim@new.example"));
    tf.customer_id = kim;
    ck_assert_ok(cs_ticket_create(&own_ticket, db, &tf));
    ck_assert_reply_goes_to(own_ticket, NULL, "kim@example.com");
    cs_ingest_result_free(r);
}
END_TEST

/* The agent names another address: it is used, and the choice is in the audit trail. */
START_TEST(reply_to_an_explicit_recipient)
{
    cs_ingest_result *r = mail("<e1@x>", "anna@example.com", "Adresse");
    cs_reply_options o = CS_REPLY_OPTIONS_INIT;
    int64_t items, messages, audits;
    char *json = NULL, request[200];

    t_customer(db, "Bert", "bert@example.com");
    ck_assert_ok(
        cs_customer_add_identity(db, r->customer_id, CS_IDENTITY_EMAIL, "anna@work.example"));
    ck_assert_ok(cs_customer_add_identity(db, r->customer_id, CS_IDENTITY_TWITTER, "anna_m"));
    o.recipient = " Anna@Work.Example";
    ck_assert_reply_goes_to(r->ticket_id, &o, "anna@work.example");
    ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'recipient'"
                           " AND field = 'recipient' AND old = 'anna@example.com'"
                           " AND new = 'anna@work.example' AND customer_id = %lld",
                           r->customer_id),
                     1);
    /* Naming the address the rule would pick is still a deliberate choice. */
    o.recipient = "anna@example.com";
    ck_assert_reply_goes_to(r->ticket_id, &o, "anna@example.com");
    ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'recipient'"
                           " AND customer_id = %lld",
                           r->customer_id),
                     2);
    /* A social handle on the Twitter channel. */
    o.channel_id = tweet_ch;
    o.recipient = "@Anna_M";
    ck_assert_reply_goes_to(r->ticket_id, &o, "anna_m");

    /* Someone else's address, an unknown one, a malformed one, one of the wrong kind: the
     * same refusal, naming the field, and nothing written. */
    items = t_sql_int(db, "SELECT count(*) FROM outbox");
    messages = t_sql_int(db, "SELECT count(*) FROM message");
    audits = t_sql_int(db, "SELECT count(*) FROM audit");
    const char *bad[] = {"bert@example.com", "nobody@example.com", "not-an-address", "anna_m"};
    o.channel_id = 0;
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        o.recipient = bad[i];
        ck_assert_rc(cs_reply(NULL, db, r->ticket_id, "Antwort", &o), CS_EINVAL);
        ck_assert_field("recipient");
    }
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM outbox"), items);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM message"), messages);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM audit"), audits);
    /* Bert's address is refused in the same words as an address nobody has. */
    o.recipient = "bert@example.com";
    ck_assert_rc(cs_reply(NULL, db, r->ticket_id, "Antwort", &o), CS_EINVAL);
    char *bert_error = strdup(cs_error_last()->message);
    o.recipient = "nobody@example.com";
    ck_assert_rc(cs_reply(NULL, db, r->ticket_id, "Antwort", &o), CS_EINVAL);
    ck_assert_ptr_nonnull(strstr(bert_error, "is not one of the customer's email"));
    ck_assert_ptr_null(strstr(bert_error, "Bert"));
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "is not one of the customer's email"));
    free(bert_error);

    /* Version 1 of the options has no recipient: whatever follows is not read. */
    cs_reply_options v1 = CS_REPLY_OPTIONS_INIT;
    v1.version = 1;
    v1.recipient = "bert@example.com";
    ck_assert_reply_goes_to(r->ticket_id, &v1, "anna@example.com");
    v1.version = CS_REPLY_OPTIONS_VERSION + 1;
    ck_assert_rc(cs_reply(NULL, db, r->ticket_id, "Antwort", &v1), CS_EINVAL);
    ck_assert_field("options");

    /* The JSON interface takes it as "recipient". */
    snprintf(request, sizeof(request),
             "{\"ticket_id\": %lld, \"body\": \"x\", \"recipient\": \"anna@work.example\"}",
             (long long)r->ticket_id);
    ck_assert_ok(cs_call(&json, db, "ticket.reply", request));
    cs_str_free(json);
    ck_assert_int_eq(t_sql_int(db, "SELECT recipient = 'anna@work.example' FROM outbox"
                                   " ORDER BY id DESC LIMIT 1"),
                     1);
    cs_ingest_result_free(r);
}
END_TEST

Suite *cs_outbox_suite(void)
{
    Suite *s = suite_create("outbox");
    TCase *tc = tcase_create("recipient");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reply_goes_where_the_customer_wrote_from);
    tcase_add_test(tc, reply_to_an_explicit_recipient);
    suite_add_tcase(s, tc);
    return s;
}
