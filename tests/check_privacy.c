/*
 * Privacy across modules: undoing chained customer merges never hands one customer's data
 * to another, and erasure leaves no copy of a customer's personal data in any column of
 * the schema.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"
#include "helpers.h"

static int64_t sql_int(cs_db *db, const char *fmt, int64_t a)
{
    char sql[400];

    snprintf(sql, sizeof(sql), fmt, (long long)a);
    return t_sql_int(db, sql);
}

/* Chained merges ----------------------------------------------------------------------- */

#define CHAIN 4

/* Customers 0..3, each with an address and a ticket; merges[i] merged customer i into
 * customer i + 1. */
struct chain {
    cs_db *db;
    int64_t customer[CHAIN], ticket[CHAIN], identity[CHAIN], merge[CHAIN - 1];
};

static void chain_build(struct chain *c)
{
    char email[64];

    c->db = t_open_memory();
    for (int i = 0; i < CHAIN; i++) {
        snprintf(email, sizeof(email), "c%d@example.com", i);
        c->customer[i] = t_customer(c->db, "Chain", email);
        c->identity[i] =
            sql_int(c->db, "SELECT id FROM identity WHERE customer_id = %lld", c->customer[i]);
        c->ticket[i] = t_ticket(c->db, c->customer[i], "Frage");
    }
    for (int i = 0; i < CHAIN - 1; i++)
        ck_assert_ok(cs_customer_merge(&c->merge[i], c->db, c->customer[i + 1], c->customer[i]));
}

/* Where customer i's data belongs now: the end of its chain of merges that still hold. */
static int64_t holder(const struct chain *c, int i)
{
    int64_t id = c->customer[i], next;

    while ((
        next = sql_int(c->db, "SELECT coalesce(merged_into, 0) FROM customer WHERE id = %lld", id)))
        id = next;
    return id;
}

/* Every customer's address and ticket are with its holder: nobody else has them. */
static void check_holders(const struct chain *c, const char *when)
{
    for (int i = 0; i < CHAIN; i++) {
        int64_t h = holder(c, i);
        ck_assert_msg(
            sql_int(c->db, "SELECT customer_id FROM identity WHERE id = %lld", c->identity[i]) == h,
            "%s: customer %d's address is not with customer %lld", when, i, (long long)h);
        ck_assert_msg(
            sql_int(c->db, "SELECT customer_id FROM ticket WHERE id = %lld", c->ticket[i]) == h,
            "%s: customer %d's ticket is not with customer %lld", when, i, (long long)h);
    }
}

/* The story: A into B, B into C, then undo A into B. */
START_TEST(unmerge_names_the_later_merge)
{
    struct chain c;
    cs_ticket *t = NULL;
    cs_ingest_result *r = NULL;
    cs_inbound in = CS_INBOUND_INIT;
    char later[32];

    chain_build(&c);
    /* A (0) into B (1) into C (2); C into D (3) is undone first so only two remain. */
    ck_assert_ok(cs_customer_unmerge(c.db, c.merge[2]));
    int64_t audits = t_sql_int(c.db, "SELECT count(*) FROM audit");
    ck_assert_rc(cs_customer_unmerge(c.db, c.merge[0]), CS_ECONFLICT);
    ck_assert_field("merge_id");
    snprintf(later, sizeof(later), "merge %lld", (long long)c.merge[1]);
    ck_assert_msg(strstr(cs_error_last()->message, later), "\"%s\" does not name %s",
                  cs_error_last()->message, later);
    ck_assert_int_eq(t_sql_int(c.db, "SELECT count(*) FROM audit"), audits);
    ck_assert_int_eq(sql_int(c.db,
                             "SELECT count(*) FROM customer_merge WHERE id = %lld"
                             " AND undone_at IS NULL",
                             c.merge[0]),
                     1);
    check_holders(&c, "after the refused undo");

    /* Undo B into C: A's data goes back to B, where A is still merged. */
    ck_assert_ok(cs_customer_unmerge(c.db, c.merge[1]));
    check_holders(&c, "after undoing B into C");
    /* Now A into B can be undone, and B no longer sees A's ticket. */
    ck_assert_ok(cs_customer_unmerge(c.db, c.merge[0]));
    check_holders(&c, "after undoing A into B");
    ck_assert_ok(cs_db_set_actor(c.db, CS_ACTOR_CUSTOMER, c.customer[1]));
    ck_assert_int_ne(cs_ticket_lookup(&t, c.db, c.ticket[0]), CS_OK);
    ck_assert_ptr_null(t);
    ck_assert_ok(cs_db_set_actor(c.db, CS_ACTOR_SYSTEM, 0));
    /* A's next mail is A's (t_ticket numbered tickets without the counter). */
    ck_assert_int_eq(sqlite3_exec(c.db->sql,
                                  "UPDATE counter SET value = (SELECT max(number)"
                                  " FROM ticket) WHERE name = 'ticket_number'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    in.channel_id = t_channel(c.db, CS_CHANNEL_EMAIL, "Mail");
    in.sender = "c0@example.com";
    in.body = "wieder da";
    ck_assert_ok(cs_ingest(&r, c.db, &in));
    ck_assert_int_eq(r->customer_id, c.customer[0]);
    cs_ingest_result_free(r);
    cs_db_close(c.db);
}
END_TEST

/* Three chained merges, undone in each of the six orders: a refused undo changes nothing
 * and names a merge that still holds; at every step each customer's data is with the
 * customer it is merged into, and in the end everyone has their own back. */
START_TEST(unmerge_chain_in_every_order)
{
    static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                     {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

    for (int o = 0; o < 6; o++) {
        struct chain c;
        bool undone[CHAIN - 1] = {false};
        int left = CHAIN - 1;
        char when[64];

        chain_build(&c);
        check_holders(&c, "after merging");
        for (int pass = 0; pass < CHAIN && left; pass++) {
            for (int k = 0; k < CHAIN - 1; k++) {
                int m = orders[o][k];
                if (undone[m])
                    continue;
                int rc = cs_customer_unmerge(c.db, c.merge[m]);
                snprintf(when, sizeof(when), "order %d, undo of merge %d", o, m);
                if (rc == CS_OK) {
                    undone[m] = true;
                    left--;
                } else {
                    ck_assert_msg(rc == CS_ECONFLICT, "%s: %s", when, cs_error_last()->message);
                    ck_assert_field("merge_id");
                    ck_assert_msg(m + 1 < CHAIN - 1 && !undone[m + 1], "%s refused: %s", when,
                                  cs_error_last()->message);
                }
                check_holders(&c, when);
            }
        }
        ck_assert_int_eq(left, 0);
        for (int i = 0; i < CHAIN; i++)
            ck_assert_int_eq(holder(&c, i), c.customer[i]);
        cs_db_close(c.db);
    }
}
END_TEST

/* Erasure ------------------------------------------------------------------------------ */

/*
 * Every TEXT and BLOB column of the schema, classified. A column that is not in this list
 * fails the test: whoever adds one decides whether it holds personal data and, if so, makes
 * cs_customer_erase() clear it.
 */
struct column_class {
    const char *table, *column;
    bool personal;
    const char *why;   /* personal: how erasure clears it; else why it is not personal */
    const char *match; /* SQL that finds a marker (?1) in the column; NULL: a text search */
};

static const struct column_class columns[] = {
    {"meta", "key", false, "facts about the database file", NULL},
    {"meta", "value", false, "facts about the database file", NULL},
    {"counter", "name", false, "names of libcs's counters", NULL},
    {"organization", "name", false, "a company, shared by its members; not one person's", NULL},
    {"customer", "name", true, "set to \"erased\"", NULL},
    {"customer", "locale", true, "reset to \"en\"", NULL},
    {"customer", "timezone", true, "cleared", NULL},
    {"customer", "custom", true, "set to {}", NULL},
    {"customer_tag", "tag", true, "the customer's tags are deleted", NULL},
    {"identity", "value", true, "the customer's identities are deleted", NULL},
    {"agent", "name", false, "staff, not customers", NULL},
    {"agent", "initials", false, "staff, not customers", NULL},
    {"agent", "email", false, "staff, not customers", NULL},
    {"agent", "avatar_url", false, "staff, not customers", NULL},
    {"agent_skill", "skill", false, "the business's skill names", NULL},
    {"agent_group", "name", false, "the business's queues", NULL},
    {"channel", "name", false, "the business's own channels", NULL},
    {"channel", "address", false, "the business's own address", NULL},
    {"channel", "locale", false, "the business's default language for its customers", NULL},
    {"channel", "timezone", false, "the business's default time zone for its customers", NULL},
    {"ticket", "subject", true, "set to \"erased\"", NULL},
    {"ticket", "custom", true, "set to {}", NULL},
    {"ticket_tag", "tag", false,
     "labels from the business's vocabulary (SLA, routing), kept "
     "for statistics",
     NULL},
    {"message", "subject", true, "blanked on every message of the customer's tickets", NULL},
    {"message", "body", true, "blanked on every message of the customer's tickets", NULL},
    {"message", "external_id", true, "cleared (Message-IDs, tweet ids)", NULL},
    {"message", "conversation", true, "cleared (chat and social conversation keys)", NULL},
    {"message", "quoted", true, "cleared (the quoted history of a mail)", NULL},
    {"message", "signature", true, "cleared (a mail's signature)", NULL},
    {"message", "html", true, "cleared (a mail's HTML part)", NULL},
    {"message", "reply_to", true, "cleared (the Reply-To address of a mail)", NULL},
    {"attachment", "name", true, "blanked", NULL},
    {"attachment", "content_type", false, "a MIME type", NULL},
    {"attachment", "sha256", true, "blanked: it identifies the file",
     "sha256 IN (SELECT sha256 FROM temp.seen_hash WHERE marker = ?1)"},
    {"attachment", "storage_ref", true, "cleared", NULL},
    {"attachment", "data", true, "cleared", NULL},
    {"customer_merge_item", "tag", true, "the tags a merge moved are dropped; ids stay", NULL},
    {"audit", "object", false, "libcs's object names", NULL},
    {"audit", "action", false, "libcs's action names", NULL},
    {"audit", "field", false, "libcs's field names", NULL},
    {"audit", "old", true, "cleared on the customer's and their tickets' rows (rows stay)", NULL},
    {"audit", "new", true, "cleared on the customer's and their tickets' rows (rows stay)", NULL},
    {"thread_ref", "ref", true, "the rows of the customer's tickets are deleted (Message-IDs)",
     NULL},
    {"custom_field", "name", false, "configuration: the names of custom fields", NULL},
    {"receipt_template", "language", false, "configuration", NULL},
    {"receipt_template", "template", false, "configuration", NULL},
    {"setting", "name", false, "configuration", NULL},
    {"outbox", "kind", false, "libcs's item kinds", NULL},
    {"outbox", "recipient", true, "set to \"erased\"", NULL},
    {"outbox", "subject", true, "cleared", NULL},
    /* An item that carries a message sends the message's body and stores none: the text
     * searched is the one it sends, either way. */
    {"outbox", "body", true, "blanked (the message's, for an item that carries one)",
     "coalesce(body, (SELECT m.body FROM message m WHERE m.id = outbox.message_id))"
     " LIKE '%' || ?1 || '%'"},
    {"outbox", "header_message_id", true, "cleared", NULL},
    {"outbox", "in_reply_to", true, "cleared", NULL},
    {"outbox", "refs", true, "cleared", NULL},
    {"outbox", "last_error", true, "cleared (adapters' errors quote addresses)", NULL},
    {"outbox", "external_id", true, "cleared", NULL},
    {"outbox", "cancel_reason", false, "libcs's own words", NULL},
    {"outbox", "html", true, "cleared", NULL},
    {"calendar", "name", false, "configuration", NULL},
    {"calendar", "definition", false, "configuration", NULL},
    {"sla_policy", "name", false, "configuration", NULL},
    {"sla_condition", "text", false, "configuration (tag names)", NULL},
};

static int64_t marker_count(cs_db *db, const struct column_class *c, const char *marker)
{
    char sql[300];
    sqlite3_stmt *st = NULL;
    int64_t n;

    if (c->match)
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\" WHERE %s", c->table, c->match);
    else
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM \"%s\" WHERE lower(CAST(\"%s\" AS TEXT))"
                 " LIKE '%%' || ?1 || '%%'",
                 c->table, c->column);
    ck_assert_msg(sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(db->sql));
    sqlite3_bind_text(st, 1, marker, -1, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Every TEXT or BLOB column of the live schema is in `columns`, and every entry there is a
 * column of the schema. */
static void check_classification(cs_db *db)
{
    bool seen[sizeof(columns) / sizeof(columns[0])] = {false};
    sqlite3_stmt *tables = NULL, *cols = NULL;

    ck_assert_int_eq(sqlite3_prepare_v2(db->sql,
                                        "SELECT name FROM sqlite_schema WHERE type = 'table'"
                                        " AND name NOT LIKE 'sqlite_%' ORDER BY name",
                                        -1, &tables, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db->sql,
                                        "SELECT name, upper(type) FROM pragma_table_xinfo(?1)", -1,
                                        &cols, NULL),
                     SQLITE_OK);
    while (sqlite3_step(tables) == SQLITE_ROW) {
        const char *table = (const char *)sqlite3_column_text(tables, 0);
        sqlite3_bind_text(cols, 1, table, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(cols) == SQLITE_ROW) {
            const char *column = (const char *)sqlite3_column_text(cols, 0);
            const char *type = (const char *)sqlite3_column_text(cols, 1);
            bool known = false;
            if (strcmp(type, "INTEGER") == 0)
                continue;
            for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
                if (!strcmp(columns[i].table, table) && !strcmp(columns[i].column, column))
                    known = seen[i] = true;
            ck_assert_msg(known,
                          "%s.%s (%s) is not classified: does it hold personal data, "
                          "and does cs_customer_erase() clear it?",
                          table, column, type);
        }
        sqlite3_reset(cols);
    }
    sqlite3_finalize(cols);
    sqlite3_finalize(tables);
    for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
        ck_assert_msg(seen[i], "%s.%s is classified but not in the schema", columns[i].table,
                      columns[i].column);
}

static void ingest(cs_db *db, cs_ingest_result **out, const cs_inbound *in)
{
    ck_assert_ok(cs_ingest(out, db, in));
}

/* A customer whose personal data carries `m` everywhere libcs can store it: by mail with
 * an attachment, by chat, with fields, tags, a merged duplicate, agents' replies and notes,
 * and outbox items in every state. Returns the customer. */
static int64_t seed(cs_db *db, const char *m, int64_t agent)
{
    char name[64], email[64], email2[64], subject[64], body[64], ext[64], locale[16], zone[32],
        custom[64], tag[32], tag2[32], chat[32], conv[32], reply[160], error[96], sent[64],
        address[64], data[32], file[32], ref[32], channel[32], unseen[64], request[300], sql[128],
        rawmail[1024];
    cs_channel_fields cf = CS_CHANNEL_FIELDS_INIT;
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    cs_ticket_fields tf = CS_TICKET_FIELDS_INIT;
    cs_reply_options o = CS_REPLY_OPTIONS_INIT;
    cs_message_fields note = CS_MESSAGE_FIELDS_INIT;
    cs_attachment_spec att = {0};
    cs_inbound in = CS_INBOUND_INIT;
    cs_ingest_result *r = NULL, *rc = NULL, *rm = NULL;
    cs_outbox_batch *b = NULL;
    int64_t mail_ch, chat_ch, dup, merge, note_id;
    char *json = NULL;

#define FMT(buf, ...) snprintf(buf, sizeof(buf), __VA_ARGS__)
    FMT(name, "Anna %s", m);
    FMT(email, "anna.%s@example.com", m);
    FMT(email2, "anna2.%s@example.com", m);
    FMT(subject, "%s subject", m);
    FMT(body, "%s body", m);
    FMT(ext, "<%s-1@example.com>", m);
    FMT(locale, "de-%s", m);
    FMT(zone, "Europe/%s", m);
    FMT(custom, "{\"iban\": \"%s\"}", m);
    FMT(tag, "%s-tag", m);
    FMT(tag2, "%s-zwei", m);
    FMT(chat, "%s-chat", m);
    FMT(conv, "%s-conv", m);
    FMT(reply, "Hallo %s, wir schreiben an %s.", name, email);
    FMT(error, "550 %s unknown", email);
    FMT(sent, "<sent-%s@example.com>", m);
    FMT(address, "service@%s.example", m);
    FMT(data, "%s data", m);
    FMT(file, "%s.pdf", m);
    FMT(ref, "s3://%s", m);
    FMT(unseen, "<%s-unseen@example.com>", m);

    cf.kind = CS_CHANNEL_EMAIL;
    FMT(channel, "Mail %s", m);
    cf.name = channel;
    cf.address = address;
    ck_assert_ok(cs_channel_create(&mail_ch, db, &cf));
    cf.kind = CS_CHANNEL_CHAT;
    FMT(channel, "Chat %s", m);
    cf.address = NULL;
    ck_assert_ok(cs_channel_create(&chat_ch, db, &cf));

    att.name = file;
    att.content_type = "application/pdf";
    att.data = data;
    att.size = strlen(data);
    att.storage_ref = ref;
    in.channel_id = mail_ch;
    in.external_id = ext;
    in.sender = email;
    in.sender_name = name;
    in.subject = subject;
    in.body = body;
    in.references = unseen;
    in.attachments = &att;
    in.nattachments = 1;
    ingest(db, &r, &in);
    /* A mail ingested raw: its quoted history, signature, HTML and Reply-To. */
    FMT(rawmail,
        "From: %s\r\nReply-To: %s-other@example.com\r\nSubject: Re: %s\r\n"
        "In-Reply-To: %s\r\nMessage-ID: <%s-raw@example.com>\r\n"
        "Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\n"
        "Content-Type: text/plain\r\n\r\n%s neu\r\n\r\n-- \r\n%s Signatur\r\n\r\n"
        "Am 1. März schrieb Service:\r\n> %s alt\r\n--b\r\nContent-Type: text/html\r\n\r\n"
        "<p>%s html</p>\r\n--b--\r\n",
        email, m, subject, ext, m, m, m, m, m);
    ck_assert_ok(cs_ingest_mail(&rm, db, mail_ch, rawmail, strlen(rawmail), NULL));
    ck_assert_int_eq(rm->ticket_id, r->ticket_id);
    cs_ingest_result_free(rm);

    f.locale = locale;
    f.custom_json = custom;
    const char *tags[] = {tag};
    f.tags = tags;
    f.ntags = 1;
    FMT(name, "Anna %s Müller", m);
    f.name = name;
    ck_assert_ok(cs_customer_update(db, r->customer_id, &f));
    /* No real zone carries the marker, and the API takes only real ones. */
    FMT(sql, "UPDATE customer SET timezone = '%s' WHERE id = %lld", zone,
        (long long)r->customer_id);
    ck_assert_int_eq(sqlite3_exec(db->sql, sql, NULL, NULL, NULL), SQLITE_OK);
    ck_assert_ok(cs_customer_add_identity(db, r->customer_id, CS_IDENTITY_CHAT, chat));
    in = (cs_inbound)CS_INBOUND_INIT;
    in.channel_id = chat_ch;
    in.sender = chat;
    in.conversation = conv;
    in.body = body;
    FMT(ext, "%s-chat-1", m);
    in.external_id = ext;
    ingest(db, &rc, &in);
    tf.custom_json = custom;
    ck_assert_ok(cs_ticket_update(db, r->ticket_id, &tf));

    /* A duplicate with its own tag, merged in. */
    f = (cs_customer_fields)CS_CUSTOMER_FIELDS_INIT;
    cs_identity_spec id2 = {CS_IDENTITY_EMAIL, email2};
    const char *tags2[] = {tag2};
    FMT(name, "Anna2 %s", m);
    f.name = name;
    f.identities = &id2;
    f.nidentities = 1;
    f.tags = tags2;
    f.ntags = 1;
    ck_assert_ok(cs_customer_create(&dup, db, &f));
    ck_assert_ok(cs_customer_merge(&merge, db, r->customer_id, dup));

    /* The agent answers to a chosen address and notes something internal. */
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, agent));
    o.recipient = email;
    o.html = reply;
    ck_assert_ok(cs_reply(NULL, db, r->ticket_id, reply, &o));
    note.ticket_id = r->ticket_id;
    note.visibility = CS_VISIBILITY_INTERNAL;
    note.body = reply;
    ck_assert_ok(cs_message_create(&note_id, db, &note));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));

    /* The receipt fails, the reply is sent; then one reply is leased, one queued. */
    ck_assert_ok(cs_outbox_claim(&b, db, 0, mail_ch, 10, 60));
    ck_assert_uint_eq(cs_outbox_batch_count(b), 2);
    const cs_outbox_item *receipt = cs_outbox_batch_item(b, 0);
    const cs_outbox_item *sent_item = cs_outbox_batch_item(b, 1);
    ck_assert_ok(cs_outbox_fail(db, receipt->id, receipt->lease, error, 0));
    ck_assert_ok(cs_outbox_ack(db, sent_item->id, sent_item->lease, sent));
    cs_outbox_batch_free(b);
    ck_assert_ok(cs_reply(NULL, db, r->ticket_id, reply, NULL));
    ck_assert_ok(cs_outbox_claim(&b, db, 0, mail_ch, 10, 60));
    ck_assert_uint_eq(cs_outbox_batch_count(b), 1);
    cs_outbox_batch_free(b);
    FMT(request, "{\"ticket_id\": %lld, \"body\": \"%s\"}", (long long)r->ticket_id, reply);
    ck_assert_ok(cs_call(&json, db, "reply", request));
    cs_str_free(json);
#undef FMT

    int64_t customer = r->customer_id;
    cs_ingest_result_free(r);
    cs_ingest_result_free(rc);
    return customer;
}

START_TEST(erase_leaves_no_personal_data)
{
    static const char *const markers[] = {"geheim", "bertmark"};
    cs_db *db = t_open_memory();
    int64_t agent = t_agent(db, "Petra", CS_ROLE_AGENT), anna, bert, audits, dup;
    const size_t n = sizeof(columns) / sizeof(columns[0]);

    check_classification(db);
    anna = seed(db, markers[0], agent);
    bert = seed(db, markers[1], agent);
    ck_assert_int_eq(sqlite3_exec(db->sql,
                                  "CREATE TEMP TABLE seen_hash AS SELECT 'geheim' AS marker, sha256"
                                  " FROM attachment WHERE name LIKE 'geheim%';"
                                  "INSERT INTO seen_hash SELECT 'bertmark', sha256 FROM attachment"
                                  " WHERE name LIKE 'bertmark%'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    /* The seed reaches every personal column, for both customers. */
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < 2 && columns[i].personal; k++)
            ck_assert_msg(marker_count(db, &columns[i], markers[k]) > 0,
                          "the test stores no \"%s\" in %s.%s", markers[k], columns[i].table,
                          columns[i].column);

    /* A merged customer's data lives with the survivor: erase that one. */
    dup = sql_int(db, "SELECT id FROM customer WHERE merged_into = %lld", anna);
    ck_assert_rc(cs_customer_erase(db, dup), CS_ECONFLICT);
    ck_assert_field("id");
    audits = sql_int(db, "SELECT count(*) FROM audit WHERE customer_id = %lld", anna);
    ck_assert_ok(cs_customer_erase(db, anna));

    for (size_t i = 0; i < n; i++) {
        if (!columns[i].personal)
            continue;
        ck_assert_msg(marker_count(db, &columns[i], "geheim") == 0,
                      "%s.%s still holds the erased customer's data (it should be %s)",
                      columns[i].table, columns[i].column, columns[i].why);
        ck_assert_msg(marker_count(db, &columns[i], "bertmark") > 0,
                      "%s.%s lost the other customer's data", columns[i].table, columns[i].column);
    }
    /* The audit trail keeps its rows; the duplicate is erased along. */
    ck_assert_int_ge(sql_int(db, "SELECT count(*) FROM audit WHERE customer_id = %lld", anna),
                     audits);
    ck_assert_int_eq(sql_int(db,
                             "SELECT count(*) FROM customer WHERE id = %lld"
                             " AND erased_at IS NOT NULL AND name = 'erased'",
                             dup),
                     1);
    /* Nothing undelivered is left for Anna: cancelled, and never claimed again. */
    ck_assert_int_eq(sql_int(db,
                             "SELECT count(*) FROM outbox o JOIN ticket t"
                             " ON t.id = o.ticket_id WHERE t.customer_id = %lld"
                             " AND o.state IN (1, 2, 4)",
                             anna),
                     0);
    ck_assert_int_eq(sql_int(db,
                             "SELECT count(*) FROM outbox o JOIN ticket t"
                             " ON t.id = o.ticket_id WHERE t.customer_id = %lld"
                             " AND o.state = 5",
                             anna),
                     3);
    ck_assert_int_eq(sql_int(db,
                             "SELECT count(*) FROM outbox o JOIN ticket t"
                             " ON t.id = o.ticket_id WHERE t.customer_id = %lld"
                             " AND o.state = 3",
                             anna),
                     1);
    t_now += 86400;
    cs_outbox_batch *b = NULL;
    ck_assert_ok(cs_outbox_claim(&b, db, 0, 0, 100, 60));
    ck_assert_uint_eq(cs_outbox_batch_count(b), 3); /* Bert's failed, leased and queued items */
    for (size_t i = 0; i < cs_outbox_batch_count(b); i++)
        ck_assert_ptr_nonnull(strstr(cs_outbox_batch_item(b, i)->recipient, "bertmark"));
    cs_outbox_batch_free(b);
    ck_assert_int_gt(bert, 0);
    cs_db_close(db);
}
END_TEST

/* The classification is checked on its own too, so a new column is named at once. */
START_TEST(every_text_column_is_classified)
{
    cs_db *db = t_open_memory();

    check_classification(db);
    cs_db_close(db);
}
END_TEST

Suite *cs_privacy_suite(void)
{
    Suite *s = suite_create("privacy");
    TCase *tc = tcase_create("unmerge");

    tcase_add_test(tc, unmerge_names_the_later_merge);
    tcase_add_test(tc, unmerge_chain_in_every_order);
    suite_add_tcase(s, tc);
    tc = tcase_create("erase");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_text_column_is_classified);
    tcase_add_test(tc, erase_leaves_no_personal_data);
    suite_add_tcase(s, tc);
    return s;
}
