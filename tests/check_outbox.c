/*
 * Delivery through the outbox: whom a reply goes to, who may acknowledge or fail an item
 * (the lease rule), what an expired lease costs, and items cancelled because their
 * recipient is gone.
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
    ck_assert_ok(cs_call(&json, db, "reply", request));
    cs_str_free(json);
    ck_assert_int_eq(t_sql_int(db, "SELECT recipient = 'anna@work.example' FROM outbox"
                                   " ORDER BY id DESC LIMIT 1"),
                     1);
    cs_ingest_result_free(r);
}
END_TEST

/* Leases ------------------------------------------------------------------------------ */

/* Claim exactly one item and return it (copied: id, lease). */
static cs_outbox_item claim_one(void)
{
    cs_outbox_batch *b = NULL;
    cs_outbox_item it;

    ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 1, 60));
    ck_assert_uint_eq(cs_outbox_batch_count(b), 1);
    it = *cs_outbox_batch_item(b, 0);
    cs_outbox_batch_free(b);
    it.kind = it.recipient = it.subject = it.body = NULL;
    it.message_id_header = it.in_reply_to = it.references = NULL;
    return it;
}

static size_t claimable(void)
{
    cs_outbox_batch *b = NULL;
    size_t n;

    ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 10, 60));
    n = cs_outbox_batch_count(b);
    cs_outbox_batch_free(b);
    return n;
}

static int state_of(int64_t item)
{
    return (int)count("SELECT state FROM outbox WHERE id = %lld", item);
}

/* Only the holder of the current lease acknowledges or fails an item. */
START_TEST(ack_needs_the_current_lease)
{
    cs_ingest_result *r = mail("<l1@x>", "anna@example.com", "Lease");
    int64_t id = r->receipt_id;
    cs_outbox_item it;

    /* Never claimed: no lease was issued, so none can acknowledge. */
    ck_assert_rc(cs_outbox_ack(db, id, 0, "<never@x>"), CS_ECONFLICT);
    ck_assert_field("lease");
    ck_assert_rc(cs_outbox_ack(db, id, 1, "<never@x>"), CS_ECONFLICT);
    ck_assert_int_eq(state_of(id), CS_OUTBOX_QUEUED);

    it = claim_one();
    ck_assert_int_eq(it.id, id);
    ck_assert_rc(cs_outbox_ack(db, id, it.lease + 1, NULL), CS_ECONFLICT);
    ck_assert_rc(cs_outbox_fail(db, id, it.lease + 1, "x", 0), CS_ECONFLICT);
    ck_assert_int_eq(state_of(id), CS_OUTBOX_LEASED);

    /* Failed under this lease: the lease is over, an acknowledgement is refused. */
    ck_assert_ok(cs_outbox_fail(db, id, it.lease, "SMTP 451", 0));
    ck_assert_rc(cs_outbox_ack(db, id, it.lease, "<after-fail@x>"), CS_ECONFLICT);
    ck_assert_int_eq(state_of(id), CS_OUTBOX_QUEUED);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM message"
                                   " WHERE external_id = '<after-fail@x>'"),
                     0);

    /* Claimed again: the old lease raced the new claim and is refused. */
    t_now += 60;
    cs_outbox_item again = claim_one();
    ck_assert_int_eq(again.id, id);
    ck_assert_int_gt(again.lease, it.lease);
    ck_assert_rc(cs_outbox_ack(db, id, it.lease, "<stale@x>"), CS_ECONFLICT);
    ck_assert_int_eq(state_of(id), CS_OUTBOX_LEASED);
    ck_assert_ok(cs_outbox_ack(db, id, again.lease, "<sent@x>"));
    ck_assert_int_eq(state_of(id), CS_OUTBOX_SENT);
    /* The holder repeating itself changes nothing; failing a sent item is refused. */
    ck_assert_ok(cs_outbox_ack(db, id, again.lease, "<sent-twice@x>"));
    ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE id = %lld"
                           " AND external_id = '<sent@x>'",
                           id),
                     1);
    ck_assert_rc(cs_outbox_fail(db, id, again.lease, "late", 0), CS_ECONFLICT);
    ck_assert_rc(cs_outbox_ack(db, 4711, 1, NULL), CS_ENOTFOUND);
    ck_assert_field("item_id");
    cs_ingest_result_free(r);
}
END_TEST

/* A late acknowledgement: accepted while the lease is the latest and the item was not
 * claimed again, refused once it was. */
START_TEST(late_ack_of_an_expired_lease)
{
    cs_ingest_result *r = mail("<late@x>", "anna@example.com", "Spät");
    int64_t id = r->receipt_id;
    cs_outbox_item it = claim_one();

    /* Expired, nothing else happened yet. */
    t_now += 61;
    ck_assert_ok(cs_outbox_ack(db, id, it.lease, "<late-1@x>"));
    ck_assert_int_eq(state_of(id), CS_OUTBOX_SENT);

    /* Expired and counted as a failed attempt by the next claim, not claimed again. */
    ck_assert_ok(cs_reply(NULL, db, r->ticket_id, "zweiter Versuch", NULL));
    it = claim_one();
    t_now += 61;
    ck_assert_uint_eq(claimable(), 0); /* backing off */
    ck_assert_int_eq(state_of(it.id), CS_OUTBOX_QUEUED);
    ck_assert_ok(cs_outbox_ack(db, it.id, it.lease, "<late-2@x>"));
    ck_assert_int_eq(state_of(it.id), CS_OUTBOX_SENT);
    ck_assert_int_eq(count("SELECT count(*) FROM message WHERE id = %lld"
                           " AND external_id = '<late-2@x>'",
                           it.message_id),
                     1);

    /* Expired and claimed again: the late acknowledgement raced the new claim. */
    ck_assert_ok(cs_reply(NULL, db, r->ticket_id, "dritter Versuch", NULL));
    it = claim_one();
    t_now += 3600;
    cs_outbox_item again = claim_one();
    ck_assert_int_eq(again.id, it.id);
    ck_assert_rc(cs_outbox_ack(db, it.id, it.lease, "<late-3@x>"), CS_ECONFLICT);
    ck_assert_rc(cs_outbox_fail(db, it.id, it.lease, "late", 0), CS_ECONFLICT);
    ck_assert_int_eq(state_of(it.id), CS_OUTBOX_LEASED);

    /* A late failure of the latest lease closes it: no acknowledgement after it. */
    t_now += 61;
    ck_assert_uint_eq(claimable(), 0);
    ck_assert_ok(cs_outbox_fail(db, again.id, again.lease, "timed out", 0));
    ck_assert_rc(cs_outbox_ack(db, again.id, again.lease, NULL), CS_ECONFLICT);
    ck_assert_int_eq(state_of(again.id), CS_OUTBOX_QUEUED);
    ck_assert_int_eq(count("SELECT attempts FROM outbox WHERE id = %lld", again.id), 2);
    cs_ingest_result_free(r);
}
END_TEST

/* An adapter that dies holding an item: each expired lease is a failed attempt with
 * backoff, and the item is dead after "outbox.max_attempts". */
START_TEST(expired_lease_counts_as_an_attempt)
{
    cs_ingest_result *r = mail("<stuck@x>", "anna@example.com", "Stuck");
    int claims = 0;
    cs_time lease_until = 0;

    ck_assert_ok(cs_setting_set(db, "outbox.max_attempts", 3));
    for (int round = 0; round < 8; round++) {
        cs_outbox_batch *b = NULL;
        ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 1, 60));
        if (cs_outbox_batch_count(b) == 1) {
            claims++;
            lease_until = cs_outbox_batch_item(b, 0)->lease_until;
        }
        cs_outbox_batch_free(b);
        if (round == 0) {
            /* Right after the lease ran out the item waits for its backoff. */
            t_now = lease_until + 1;
            ck_assert_uint_eq(claimable(), 0);
            ck_assert_int_eq(
                count("SELECT next_attempt_at FROM outbox WHERE id = %lld", r->receipt_id),
                lease_until + 60);
        }
        t_now += 3600; /* the adapter died: nobody acknowledges */
    }
    ck_assert_int_eq(claims, 3);
    ck_assert_uint_eq(claimable(), 0);
    ck_assert_int_eq(state_of(r->receipt_id), CS_OUTBOX_DEAD);
    ck_assert_int_eq(count("SELECT attempts FROM outbox WHERE id = %lld", r->receipt_id), 3);
    ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE id = %lld"
                           " AND last_error LIKE '%%lease%%expired%%'",
                           r->receipt_id),
                     1);
    cs_ingest_result_free(r);
}
END_TEST

/* With a claim limit of 1, an item whose adapter keeps dying does not starve the rest. */
START_TEST(stuck_item_does_not_block_the_others)
{
    cs_ingest_result *first = mail("<q1@x>", "anna@example.com", "Eins");
    cs_ingest_result *second = mail("<q2@x>", "bert@example.com", "Zwei");
    cs_outbox_item it = claim_one();

    ck_assert_int_eq(it.id, first->receipt_id);
    t_now += 61;
    it = claim_one();
    ck_assert_int_eq(it.id, second->receipt_id);
    ck_assert_ok(cs_outbox_ack(db, it.id, it.lease, NULL));
    /* The stuck one comes back after its backoff. */
    t_now += 60;
    it = claim_one();
    ck_assert_int_eq(it.id, first->receipt_id);
    ck_assert_int_eq(it.attempts, 2);
    cs_ingest_result_free(first);
    cs_ingest_result_free(second);
}
END_TEST

/* Full-scan steps of the statements a handle runs, summed (SQLite's own count). */
static int count_scans(unsigned type, void *payload, void *stmt, void *x)
{
    (void)type;
    (void)x;
    *(long *)payload += sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0);
    return 0;
}

/* The queue's index holds only what waits or is leased: with sent items beside it, a claim
 * and the expiry of leases read no table in full, and a sent item has left the index. */
START_TEST(claims_read_only_the_queue)
{
    long scans = 0;
    cs_outbox_batch *b = NULL;
    char id[32], from[48];

    for (int i = 0; i < 40; i++) {
        snprintf(id, sizeof(id), "<s%d@x>", i);
        snprintf(from, sizeof(from), "c%d@example.com", i);
        cs_ingest_result_free(mail(id, from, "Alt"));
    }
    ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 100, 60));
    for (size_t i = 0; i < cs_outbox_batch_count(b); i++)
        ck_assert_ok(cs_outbox_ack(db, cs_outbox_batch_item(b, i)->id,
                                   cs_outbox_batch_item(b, i)->lease, NULL));
    cs_outbox_batch_free(b);
    cs_ingest_result_free(mail("<new@x>", "neu@example.com", "Neu"));
    /* The index's entries, as SQLite's page statistics count them. */
    ck_assert_int_eq(t_sql_int(db, "SELECT sum(ncell) FROM dbstat WHERE name = 'outbox_ready'"
                                   " AND pagetype = 'leaf'"),
                     1);
    sqlite3_trace_v2(db->sql, SQLITE_TRACE_PROFILE, count_scans, &scans);
    ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 10, 60));
    sqlite3_trace_v2(db->sql, 0, NULL, NULL);
    ck_assert_uint_eq(cs_outbox_batch_count(b), 1);
    cs_outbox_batch_free(b);
    ck_assert_int_eq(scans, 0);
}
END_TEST

/* Cancelled items ---------------------------------------------------------------------- */

START_TEST(items_for_gone_recipients_are_cancelled)
{
    cs_ingest_result *anna = mail("<g1@x>", "anna@example.com", "Weg");
    cs_ingest_result *bert = mail("<g2@x>", "bert@example.com", "Auch weg");
    cs_ingest_result *carl = mail("<g3@x>", "carl@example.com", "Bleibt");
    cs_reply_options o = CS_REPLY_OPTIONS_INIT;
    int64_t dup, merge_id = 0, bert_item;
    char *json = NULL;
    cs_outbox_item it;

    /* Anna's address is removed while her receipt and a reply wait. */
    ck_assert_ok(cs_reply(NULL, db, anna->ticket_id, "Antwort an Anna", NULL));
    ck_assert_ok(
        cs_customer_remove_identity(db, anna->customer_id, CS_IDENTITY_EMAIL, "anna@example.com"));
    /* The claim passes over Anna's receipt (cancelled, not counted against the limit) and
     * leases Bert's; then Bert is erased: his item is cancelled at once, the lease is void. */
    it = claim_one();
    bert_item = bert->receipt_id;
    ck_assert_int_eq(it.id, bert_item);
    ck_assert_ok(cs_customer_erase(db, bert->customer_id));
    ck_assert_int_eq(state_of(bert_item), CS_OUTBOX_CANCELLED);
    ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE id = %lld"
                           " AND cancel_reason LIKE '%%erased%%'",
                           bert_item),
                     1);
    /* Carl's duplicate was merged into him; the agent answers on Carl's ticket to the
     * duplicate's address; then the merge is undone: the address is someone else's. */
    dup = t_customer(db, "Carl Zwei", "carl2@example.com");
    ck_assert_ok(cs_customer_merge(&merge_id, db, carl->customer_id, dup));
    o.recipient = "carl2@example.com";
    ck_assert_ok(cs_reply(NULL, db, carl->ticket_id, "An die zweite Adresse", &o));
    ck_assert_ok(cs_reply(NULL, db, carl->ticket_id, "An die erste Adresse", NULL));
    ck_assert_ok(cs_customer_unmerge(db, merge_id));

    /* What is claimable now: Carl's receipt and the reply to his own address only. */
    t_now += 3600;
    cs_outbox_batch *b = NULL;
    ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 10, 60));
    ck_assert_uint_eq(cs_outbox_batch_count(b), 2);
    for (size_t i = 0; i < cs_outbox_batch_count(b); i++)
        ck_assert_str_eq(cs_outbox_batch_item(b, i)->recipient, "carl@example.com");
    cs_outbox_batch_free(b);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM outbox WHERE state = 5"), 4);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM outbox WHERE state = 5"
                                   " AND cancel_reason LIKE '%identity%'"),
                     3);
    /* The void lease neither acknowledges nor fails. */
    ck_assert_rc(cs_outbox_ack(db, it.id, it.lease, NULL), CS_ECONFLICT);
    ck_assert_rc(cs_outbox_fail(db, it.id, it.lease, NULL, 0), CS_ECONFLICT);

    /* The typed list shows them with the reason, oldest first; so does outbox.list. */
    cs_outbox_list *list = NULL;
    size_t erased = 0, removed = 0;
    ck_assert_ok(cs_outbox_list_get(&list, db, CS_OUTBOX_CANCELLED, 0));
    ck_assert_uint_eq(cs_outbox_list_count(list), 4);
    for (size_t i = 0; i < cs_outbox_list_count(list); i++) {
        const cs_outbox_entry *e = cs_outbox_list_item(list, i);
        const char *why = cs_outbox_entry_cancel_reason(e);
        ck_assert_int_eq(cs_outbox_entry_state(e), CS_OUTBOX_CANCELLED);
        ck_assert_ptr_nonnull(why);
        erased += !strcmp(why, "the customer was erased");
        removed += strstr(why, "identity") != NULL;
        ck_assert_int_gt(cs_outbox_entry_ticket_id(e), 0);
        ck_assert_int_gt(cs_outbox_entry_channel_id(e), 0);
        ck_assert_ptr_nonnull(cs_outbox_entry_kind(e));
        ck_assert_ptr_nonnull(cs_outbox_entry_recipient(e));
        if (i > 0)
            ck_assert_int_gt(cs_outbox_entry_id(e),
                             cs_outbox_entry_id(cs_outbox_list_item(list, i - 1)));
    }
    ck_assert_uint_eq(erased, 1);
    ck_assert_uint_eq(removed, 3);
    ck_assert_ptr_null(cs_outbox_list_item(list, 4));
    cs_outbox_list_free(list);
    ck_assert_ok(cs_outbox_list_get(&list, db, CS_OUTBOX_LEASED, 1));
    ck_assert_uint_eq(cs_outbox_list_count(list), 1);
    ck_assert_str_eq(cs_outbox_entry_recipient(cs_outbox_list_item(list, 0)), "carl@example.com");
    ck_assert_int_eq(cs_outbox_entry_attempts(cs_outbox_list_item(list, 0)), 1);
    ck_assert_ptr_null(cs_outbox_entry_cancel_reason(cs_outbox_list_item(list, 0)));
    cs_outbox_list_free(list);
    ck_assert_rc(cs_outbox_list_get(&list, db, 99, 0), CS_EINVAL);
    ck_assert_ptr_null(list);
    ck_assert_str_eq(cs_outbox_state_name(CS_OUTBOX_DEAD), "dead");
    ck_assert_ptr_null(cs_outbox_state_name(0));
    ck_assert_ptr_null(cs_outbox_state_name(6));
    ck_assert_ok(cs_outbox_list_json(&json, db, CS_OUTBOX_CANCELLED, 0));
    ck_assert_ptr_nonnull(strstr(json, "\"state\":\"cancelled\""));
    ck_assert_ptr_nonnull(strstr(json, "\"cancel_reason\":\"the customer was erased\""));
    cs_str_free(json);
    ck_assert_ok(cs_call(&json, db, "outbox.list", "{\"state\": \"cancelled\"}"));
    ck_assert_ptr_nonnull(strstr(json, "\"cancel_reason\":\"the recipient's identity was "
                                       "removed\""));
    cs_str_free(json);
    ck_assert_ok(cs_call(&json, db, "outbox.list", "{\"state\": \"leased\"}"));
    ck_assert_ptr_nonnull(strstr(json, "\"cancel_reason\":null"));
    cs_str_free(json);
    cs_ingest_result_free(anna);
    cs_ingest_result_free(bert);
    cs_ingest_result_free(carl);
}
END_TEST

/* A database written before 0007-delivery: its queued items learn the identity their
 * recipient names, if the ticket's customer still has it, and are cancelled if not. */
START_TEST(migration_addresses_queued_items)
{
    char *path = t_path("before-delivery.db"), sql[200];
    cs_db *old = NULL;
    sqlite3 *raw = NULL;
    size_t before = 0;

    while (strcmp(cs_schema__migrations[before].name, "0007-delivery"))
        before++;
    ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
    for (size_t i = 0; i < before; i++)
        ck_assert_int_eq(sqlite3_exec(raw, cs_schema__migrations[i].sql, NULL, NULL, NULL),
                         SQLITE_OK);
    snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = %zu", 0x4C435344,
             before);
    ck_assert_int_eq(sqlite3_exec(raw, sql, NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(
        sqlite3_exec(raw,
                     "INSERT INTO channel (id, kind, name, created_at, updated_at)"
                     " VALUES (1, 1, 'Mail', 0, 0), (2, 5, 'Twitter', 0, 0);"
                     "INSERT INTO customer (id, name, created_at, updated_at)"
                     " VALUES (1, 'Anna', 0, 0), (2, 'Bert', 0, 0);"
                     "INSERT INTO identity (id, customer_id, kind, value, created_at)"
                     " VALUES (1, 1, 1, 'anna@example.com', 0), (2, 1, 3, 'anna_m', 0),"
                     " (3, 2, 1, 'bert@example.com', 0);"
                     "INSERT INTO ticket (id, number, subject, customer_id, status, priority,"
                     " type, created_at, updated_at) VALUES (1, 1, 's', 1, 2, 2, 1, 0, 0);"
                     "INSERT INTO outbox (id, channel_id, ticket_id, kind, recipient, body,"
                     " next_attempt_at, created_at, state) VALUES"
                     " (1, 1, 1, 'reply', 'anna@example.com', 'b', 0, 0, 1),"
                     " (2, 2, 1, 'reply', 'anna_m', 'b', 0, 0, 1),"
                     " (3, 1, 1, 'reply', 'anna.alt@example.com', 'b', 0, 0, 1),"
                     " (4, 1, 1, 'reply', 'bert@example.com', 'b', 0, 0, 1),"
                     " (5, 1, 1, 'reply', 'anna@example.com', 'b', 0, 0, 3)",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(raw);

    ck_assert_ok(cs_db_open(&old, path, CS_OPEN_READWRITE));
    cs_db_set_clock(old, t_clock, NULL);
    ck_assert_int_eq(t_sql_int(old, "SELECT group_concat(coalesce(identity_id, 0), '')"
                                    " FROM (SELECT identity_id FROM outbox ORDER BY id)"),
                     12000);
    cs_outbox_batch *b = NULL;
    ck_assert_ok(cs_outbox_claim(&b, old, 0, 0, 10, 60));
    ck_assert_uint_eq(cs_outbox_batch_count(b), 2);
    cs_outbox_batch_free(b);
    /* No identity of the customer's has the address, or someone else's has it. */
    ck_assert_int_eq(t_sql_int(old, "SELECT group_concat(id, '') FROM (SELECT id FROM outbox"
                                    " WHERE state = 5 ORDER BY id)"),
                     34);
    cs_db_close(old);
    free(path);
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
    tc = tcase_create("lease");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, ack_needs_the_current_lease);
    tcase_add_test(tc, late_ack_of_an_expired_lease);
    tcase_add_test(tc, expired_lease_counts_as_an_attempt);
    tcase_add_test(tc, stuck_item_does_not_block_the_others);
    tcase_add_test(tc, claims_read_only_the_queue);
    suite_add_tcase(s, tc);
    tc = tcase_create("cancel");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, items_for_gone_recipients_are_cancelled);
    tcase_add_test(tc, migration_addresses_queued_items);
    suite_add_tcase(s, tc);
    return s;
}
