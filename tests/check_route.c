/*
 * Routing: presence, capacity, strategies, the next-ticket pick and its concurrency,
 * transfers and first-contact resolution, callbacks, the estimated wait.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_suites.h"
#include "helpers.h"

static cs_db *db;
static int64_t customer, email, chat, phone;

static void setup(void)
{
    t_now = 1772442000;
    db = t_open_memory();
    customer = t_customer(db, "Kundin", "kundin@example.org");
    email = t_channel(db, CS_CHANNEL_EMAIL, "mail");
    chat = t_channel(db, CS_CHANNEL_CHAT, "chat");
    phone = t_channel(db, CS_CHANNEL_PHONE, "phone");
}

static void teardown(void)
{
    cs_db_close(db);
    db = NULL;
}

/* An online agent in `group`. */
static int64_t online_agent(cs_db *h, const char *name, int64_t group)
{
    int64_t id = t_agent(h, name, CS_ROLE_AGENT);
    ck_assert_ok(cs_route_set_presence(h, id, CS_PRESENCE_ONLINE));
    if (group)
        ck_assert_ok(cs_group_add_agent(h, group, id));
    return id;
}

static int64_t routed_group(cs_db *h, const char *name, int strategy)
{
    cs_route_group_fields f = CS_ROUTE_GROUP_FIELDS_INIT;
    int64_t id = t_group(h, name);
    f.strategy = strategy;
    ck_assert_ok(cs_route_group_set(h, id, &f));
    return id;
}

static int64_t ticket_in(cs_db *h, int64_t group, int64_t channel, const char *tag)
{
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    const char *tags[] = {tag};
    int64_t id;
    f.subject = "Frage";
    f.customer_id = customer;
    f.channel_id = channel;
    f.group_id = group;
    if (tag) {
        f.tags = tags;
        f.ntags = 1;
    }
    ck_assert_ok(cs_ticket_create(&id, h, &f));
    return id;
}

static int64_t assignee(cs_db *h, int64_t ticket)
{
    char sql[96];
    snprintf(sql, sizeof(sql), "SELECT coalesce(assignee_id, 0) FROM ticket WHERE id = %lld",
             (long long)ticket);
    return t_sql_int(h, sql);
}

static int64_t load(int64_t agent)
{
    char sql[128];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM ticket WHERE assignee_id = %lld"
             " AND status IN (1, 2)",
             (long long)agent);
    return t_sql_int(db, sql);
}

static void set_status(int64_t ticket, int status)
{
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    f.status = status;
    ck_assert_ok(cs_ticket_update(db, ticket, &f));
}

static void set_assignee(int64_t ticket, int64_t agent, int64_t group)
{
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    f.assignee_id = agent;
    f.group_id = group;
    ck_assert_ok(cs_ticket_update(db, ticket, &f));
}

/* Strategies ------------------------------------------------------------------------- */

START_TEST(test_round_robin_even)
{
    int64_t g = routed_group(db, "Support", CS_ROUTE_ROUND_ROBIN), a[3], got;
    int count[3] = {0, 0, 0};
    a[0] = online_agent(db, "Anna", g);
    a[1] = online_agent(db, "Bernd", g);
    a[2] = online_agent(db, "Clara", g);
    for (int i = 0; i < 300; i++) {
        int64_t t = ticket_in(db, g, email, NULL);
        ck_assert_ok(cs_route_assign(&got, db, t));
        ck_assert_int_eq(assignee(db, t), got);
        for (int k = 0; k < 3; k++)
            count[k] += got == a[k];
        /* Solving some does not matter to round robin: it goes by turn. */
        if (i % 7 == 0)
            set_status(t, CS_STATUS_SOLVED);
    }
    ck_assert_int_eq(count[0], 100);
    ck_assert_int_eq(count[1], 100);
    ck_assert_int_eq(count[2], 100);
}
END_TEST

START_TEST(test_least_loaded_within_one)
{
    int64_t g = routed_group(db, "Support", CS_ROUTE_LEAST_LOADED), a[3], got;
    a[0] = online_agent(db, "Anna", g);
    a[1] = online_agent(db, "Bernd", g);
    a[2] = online_agent(db, "Clara", g);
    /* Anna starts with four tickets: the others catch up first. */
    for (int i = 0; i < 4; i++)
        set_assignee(ticket_in(db, g, email, NULL), a[0], 0);
    for (int i = 0; i < 8; i++) {
        ck_assert_ok(cs_route_assign(&got, db, ticket_in(db, g, email, NULL)));
        ck_assert_int_ne(got, a[0]);
    }
    ck_assert_int_eq(load(a[0]), 4);
    ck_assert_int_eq(load(a[1]), 4);
    ck_assert_int_eq(load(a[2]), 4);
    for (int i = 0; i < 300; i++) {
        int64_t t = ticket_in(db, g, email, NULL), before[3], min = INT64_MAX, max = 0;
        for (int k = 0; k < 3; k++)
            before[k] = load(a[k]), min = before[k] < min ? before[k] : min;
        ck_assert_ok(cs_route_assign(&got, db, t));
        for (int k = 0; k < 3; k++) {
            if (got == a[k])
                ck_assert_int_eq(before[k], min);
            max = load(a[k]) > max ? load(a[k]) : max;
        }
        for (int k = 0; k < 3; k++)
            ck_assert_int_le(max - load(a[k]), 1);
        /* Some work gets done in between, unevenly. */
        if (i % 5 == 0)
            set_status(t, CS_STATUS_SOLVED);
    }
}
END_TEST

START_TEST(test_skills_first)
{
    int64_t g = routed_group(db, "Billing", CS_ROUTE_SKILLS_FIRST), a, b, c, got;
    const char *billing[] = {"billing"};
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    int count_a = 0, count_c = 0;
    a = online_agent(db, "Anna", g);
    b = online_agent(db, "Bernd", g);
    c = online_agent(db, "Clara", g);
    f.skills = billing;
    f.nskills = 1;
    ck_assert_ok(cs_agent_update(db, a, &f));
    ck_assert_ok(cs_agent_update(db, c, &f));
    for (int i = 0; i < 60; i++) {
        ck_assert_ok(cs_route_assign(&got, db, ticket_in(db, g, email, "skill:billing")));
        ck_assert_msg(got == a || got == c, "ticket %d went to %lld", i, (long long)got);
        count_a += got == a, count_c += got == c;
    }
    ck_assert_int_eq(count_a, 30);
    ck_assert_int_eq(count_c, 30);
    ck_assert_int_eq(load(b), 0);
    /* Only when no skilled agent can take it does it fall back. */
    ck_assert_ok(cs_route_set_presence(db, a, CS_PRESENCE_AWAY));
    ck_assert_ok(cs_route_set_capacity(db, c, CS_CHANNEL_EMAIL, 30));
    ck_assert_ok(cs_route_assign(&got, db, ticket_in(db, g, email, "skill:billing")));
    ck_assert_int_eq(got, b);
    /* Tickets needing no skill go to the least loaded. */
    ck_assert_ok(cs_route_assign(&got, db, ticket_in(db, g, email, NULL)));
    ck_assert_int_eq(got, b);
}
END_TEST

START_TEST(test_language_matching)
{
    cs_route_group_fields f = CS_ROUTE_GROUP_FIELDS_INIT;
    cs_agent_fields af = CS_AGENT_FIELDS_INIT;
    const char *german[] = {"lang:de"};
    int64_t g = routed_group(db, "DACH", CS_ROUTE_SKILLS_FIRST), a, b, got;
    a = online_agent(db, "Anna", g);
    b = online_agent(db, "Bernd", g);
    af.skills = german;
    af.nskills = 1;
    ck_assert_ok(cs_agent_update(db, b, &af));
    f.match_language = 1;
    ck_assert_ok(cs_route_group_set(db, g, &f));
    ck_assert_ok(cs_route_group_get(&f, db, g));
    ck_assert_int_eq(f.strategy, CS_ROUTE_SKILLS_FIRST);
    ck_assert_int_eq(f.match_language, 1);
    t_sql_int(db, "UPDATE customer SET locale = 'de_AT'");
    for (int i = 0; i < 3; i++) {
        ck_assert_ok(cs_route_assign(&got, db, ticket_in(db, g, email, NULL)));
        ck_assert_int_eq(got, b);
    }
    /* English customers: nobody has "lang:en", so everyone is a fallback; least loaded. */
    t_sql_int(db, "UPDATE customer SET locale = 'en'");
    ck_assert_ok(cs_route_assign(&got, db, ticket_in(db, g, email, NULL)));
    ck_assert_int_eq(got, a);
}
END_TEST

START_TEST(test_presence_and_capacity)
{
    int64_t g = routed_group(db, "Chat", CS_ROUTE_ROUND_ROBIN), a, b, c, got, t[5];
    int presence;
    a = t_agent(db, "Anna", CS_ROLE_AGENT); /* never set: offline */
    ck_assert_ok(cs_group_add_agent(db, g, a));
    b = online_agent(db, "Bernd", g);
    ck_assert_ok(cs_route_set_presence(db, b, CS_PRESENCE_AWAY));
    c = online_agent(db, "Clara", g);
    ck_assert_ok(cs_route_set_capacity(db, c, CS_CHANNEL_CHAT, 3));
    ck_assert_ok(cs_route_presence(&presence, db, a));
    ck_assert_int_eq(presence, CS_PRESENCE_OFFLINE);
    for (int i = 0; i < 5; i++) {
        t[i] = ticket_in(db, g, chat, NULL);
        ck_assert_ok(cs_route_assign(&got, db, t[i]));
        ck_assert_int_eq(got, i < 3 ? c : 0);
    }
    ck_assert_int_eq(load(a) + load(b), 0);
    /* The chat limit says nothing about email. */
    ck_assert_ok(cs_route_assign(&got, db, ticket_in(db, g, email, NULL)));
    ck_assert_int_eq(got, c);
    /* A solved chat makes room again. */
    set_status(t[0], CS_STATUS_SOLVED);
    ck_assert_ok(cs_route_assign(&got, db, t[3]));
    ck_assert_int_eq(got, c);
    ck_assert_ok(cs_route_set_presence(db, a, CS_PRESENCE_ONLINE));
    ck_assert_ok(cs_route_assign(&got, db, t[4]));
    ck_assert_int_eq(got, a);

    /* Clara's state: a chat limit of 3, no other limit; 3 chats and 1 mail, and a ticket
     * without a channel assigned by hand. */
    cs_route_agent *ra = NULL;
    cs_ticket_fields tf = CS_TICKET_FIELDS_INIT;
    tf.subject = "Anruf";
    tf.customer_id = customer;
    tf.assignee_id = c;
    ck_assert_ok(cs_ticket_create(&got, db, &tf));
    ck_assert_ok(cs_route_agent_get(&ra, db, c));
    ck_assert_int_eq(cs_route_agent_id(ra), c);
    ck_assert_int_eq(cs_route_agent_presence(ra), CS_PRESENCE_ONLINE);
    ck_assert_int_eq(cs_route_agent_capacity(ra, CS_CHANNEL_CHAT), 3);
    ck_assert_int_eq(cs_route_agent_capacity(ra, CS_CHANNEL_EMAIL), CS_UNSET);
    ck_assert_int_eq(cs_route_agent_capacity(ra, 0), CS_UNSET);
    ck_assert_int_eq(cs_route_agent_capacity(ra, 999), CS_UNSET);
    ck_assert_int_eq(cs_route_agent_load(ra, CS_CHANNEL_CHAT), 3);
    ck_assert_int_eq(cs_route_agent_load(ra, CS_CHANNEL_EMAIL), 1);
    ck_assert_int_eq(cs_route_agent_load(ra, CS_CHANNEL_PHONE), 0);
    ck_assert_int_eq(cs_route_agent_load(ra, 0), 1);
    ck_assert_int_eq(cs_route_agent_load(ra, -1), 0);
    cs_route_agent_free(ra);
    /* Anna, never set: offline, no limit, nothing assigned but t[4]. */
    ck_assert_ok(cs_route_set_presence(db, a, CS_PRESENCE_OFFLINE));
    ck_assert_ok(cs_route_set_capacity(db, a, CS_CHANNEL_PHONE, 0));
    ck_assert_ok(cs_route_agent_get(&ra, db, a));
    ck_assert_int_eq(cs_route_agent_presence(ra), CS_PRESENCE_OFFLINE);
    ck_assert_int_eq(cs_route_agent_capacity(ra, CS_CHANNEL_PHONE), 0);
    ck_assert_int_eq(cs_route_agent_capacity(ra, CS_CHANNEL_CHAT), CS_UNSET);
    ck_assert_int_eq(cs_route_agent_load(ra, CS_CHANNEL_CHAT), 1);
    ck_assert_int_eq(cs_route_agent_load(ra, 0), 0);
    cs_route_agent_free(ra);
    ck_assert_ok(cs_route_set_capacity(db, a, CS_CHANNEL_PHONE, CS_UNSET));

    /* The JSON says the same. */
    char *json = NULL;
    ck_assert_ok(cs_route_agent_json(&json, db, c));
    ck_assert_str_eq(json, "{\"agent_id\":3,\"capacity\":{\"chat\":3},\"load\":{\"chat\":3,"
                           "\"email\":1,\"none\":1},\"presence\":\"online\"}");
    cs_str_free(json);
    /* Removing the limit. */
    ck_assert_ok(cs_route_set_capacity(db, c, CS_CHANNEL_CHAT, CS_UNSET));
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM agent_capacity"), 0);
    ck_assert_ok(cs_route_agent_get(&ra, db, c));
    ck_assert_int_eq(cs_route_agent_capacity(ra, CS_CHANNEL_CHAT), CS_UNSET);
    cs_route_agent_free(ra);

    /* NULL and missing agents. */
    ck_assert_int_eq(cs_route_agent_id(NULL), 0);
    ck_assert_int_eq(cs_route_agent_presence(NULL), 0);
    ck_assert_int_eq(cs_route_agent_capacity(NULL, CS_CHANNEL_CHAT), CS_UNSET);
    ck_assert_int_eq(cs_route_agent_load(NULL, CS_CHANNEL_CHAT), 0);
    cs_route_agent_free(NULL);
    ra = (cs_route_agent *)1;
    ck_assert_rc(cs_route_agent_get(&ra, db, 999), CS_ENOTFOUND);
    ck_assert_field("agent_id");
    ck_assert_ptr_null(ra);
    ck_assert_rc(cs_route_agent_get(NULL, db, c), CS_EINVAL);
    ck_assert_rc(cs_route_agent_get(&ra, NULL, c), CS_EINVAL);
    ck_assert_ptr_null(ra);
}
END_TEST

START_TEST(test_manual_group_and_ingest)
{
    int64_t rr = routed_group(db, "Auto", CS_ROUTE_ROUND_ROBIN), manual = t_group(db, "Hand");
    int64_t a = online_agent(db, "Anna", rr), got;
    cs_inbound in = CS_INBOUND_INIT;
    cs_ingest_result *r = NULL;
    ck_assert_ok(cs_group_add_agent(db, manual, a));
    ck_assert_ok(cs_route_assign(&got, db, ticket_in(db, manual, email, NULL)));
    ck_assert_int_eq(got, 0);
    t_sql_int(db, "UPDATE channel SET default_group_id = 1 WHERE kind = 1");
    in.channel_id = email;
    in.sender = "neu@example.org";
    in.subject = "Hallo";
    in.body = "Wo ist meine Bestellung?";
    in.external_id = "<1@example.org>";
    ck_assert_ok(cs_ingest(&r, db, &in));
    ck_assert_int_eq(assignee(db, r->ticket_id), a);
    /* Audited as the system's doing. */
    ck_assert_int_eq(t_sql_int(db, "SELECT actor_kind FROM audit WHERE field = 'assignee_id'"
                                   " ORDER BY id DESC LIMIT 1"),
                     CS_ACTOR_SYSTEM);
    cs_ingest_result_free(r);
}
END_TEST

/* The next ticket -------------------------------------------------------------------- */

static void sla_policy(void)
{
    cs_sla_policy_fields f = CS_SLA_POLICY_FIELDS_INIT;
    cs_sla_condition cond = {CS_SLA_COND_TAG, 0, "sla"};
    cs_sla_target targets[] = {{CS_SLA_FIRST_REPLY, 0, 8 * 3600, 0, 0},
                               {CS_SLA_FIRST_REPLY, CS_PRIORITY_URGENT, 3600, 0, 0}};
    f.name = "Standard";
    f.conditions = &cond;
    f.nconditions = 1;
    f.targets = targets;
    f.ntargets = 2;
    ck_assert_ok(cs_sla_policy_create(NULL, db, &f));
}

START_TEST(test_next_earliest_deadline_first)
{
    int64_t g = t_group(db, "Support"), a = online_agent(db, "Anna", g), got;
    int64_t none_old, normal, urgent, none_new;
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    sla_policy();
    none_old = ticket_in(db, g, email, NULL);
    t_now += 60;
    normal = ticket_in(db, g, email, "sla");
    t_now += 60;
    urgent = ticket_in(db, g, email, "sla");
    f.priority = CS_PRIORITY_URGENT;
    ck_assert_ok(cs_ticket_update(db, urgent, &f));
    t_now += 60;
    none_new = ticket_in(db, g, email, NULL);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM ticket WHERE route_due IS NOT NULL"), 2);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, a));
    int64_t want[] = {urgent, normal, none_old, none_new, 0};
    for (int i = 0; i < 5; i++) {
        ck_assert_ok(cs_route_next(&got, db, a));
        ck_assert_int_eq(got, want[i]);
        if (got)
            ck_assert_int_eq(assignee(db, got), a);
    }
    /* Audited as the agent's own doing. */
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM audit WHERE field = 'assignee_id'"
                                   " AND actor_kind = 1 AND actor_id = 1"),
                     4);
}
END_TEST

/* A pick and a presence commit without waiting for the disk, and durability is back at
 * FULL right after; inside a host's section the host's durability holds. */
START_TEST(test_next_commits_relaxed)
{
    static char trace[16384];
    int64_t g = t_group(db, "Support"), a = online_agent(db, "Anna", g), got = 0;
    const char *normal, *begin, *commit, *full;

    ticket_in(db, g, email, NULL);
    ck_assert_int_eq(t_sql_int(db, "PRAGMA synchronous"), 2);
    t_trace_start(db, trace, sizeof(trace));
    ck_assert_ok(cs_route_next(&got, db, a));
    ck_assert_int_ne(got, 0);
    normal = strstr(trace, "PRAGMA synchronous = NORMAL");
    begin = strstr(trace, "BEGIN IMMEDIATE");
    commit = strstr(trace, "COMMIT");
    full = strstr(trace, "PRAGMA synchronous = FULL");
    ck_assert_msg(normal && begin && commit && full && normal < begin && commit < full,
                  "the pick ran: %s", trace);
    ck_assert_int_eq(t_sql_int(db, "PRAGMA synchronous"), 2);

    /* Presence too; a ticket change does not relax. */
    trace[0] = '\0';
    ck_assert_ok(cs_route_set_presence(db, a, CS_PRESENCE_AWAY));
    ck_assert_ptr_nonnull(strstr(trace, "PRAGMA synchronous = NORMAL"));
    trace[0] = '\0';
    ticket_in(db, g, email, NULL);
    ck_assert_ptr_null(strstr(trace, "synchronous"));

    /* Within a host's section nothing changes, before or after. */
    ck_assert_ok(cs_route_set_presence(db, a, CS_PRESENCE_ONLINE));
    trace[0] = '\0';
    ck_assert_ok(cs_db_begin(db));
    ck_assert_ok(cs_route_next(&got, db, a));
    ck_assert_ok(cs_db_commit(db));
    ck_assert_ptr_null(strstr(trace, "synchronous"));
    /* A relaxed section that fails still ends at FULL. */
    ck_assert_rc(cs_route_next(&got, db, 4711), CS_ENOTFOUND);
    ck_assert_int_eq(t_sql_int(db, "PRAGMA synchronous"), 2);
    t_trace_stop(db);
}
END_TEST

START_TEST(test_next_what_the_agent_may_take)
{
    int64_t mine = t_group(db, "Mine"), other = t_group(db, "Other"), got;
    int64_t a = online_agent(db, "Anna", mine);
    int64_t foreign = ticket_in(db, other, email, NULL);
    int64_t skilled = ticket_in(db, mine, email, "skill:sap");
    int64_t chat1 = ticket_in(db, mine, chat, NULL);
    int64_t chat2 = ticket_in(db, mine, chat, NULL);
    int64_t mail = ticket_in(db, mine, email, NULL);
    int64_t loose = ticket_in(db, 0, email, NULL);
    ck_assert_ok(cs_route_set_capacity(db, a, CS_CHANNEL_CHAT, 1));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, a));
    int64_t want[] = {chat1, mail, loose, 0};
    for (int i = 0; i < 4; i++) {
        ck_assert_ok(cs_route_next(&got, db, a));
        ck_assert_int_eq(got, want[i]);
    }
    ck_assert_int_eq(assignee(db, foreign) + assignee(db, skilled) + assignee(db, chat2), 0);
    /* A pending ticket is not in the queue; a solved chat makes room. */
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    set_status(chat1, CS_STATUS_SOLVED);
    ck_assert_ok(cs_route_next(&got, db, a));
    ck_assert_int_eq(got, chat2);
}
END_TEST

START_TEST(test_next_uses_the_index)
{
    char detail[512] = "";
    sqlite3_stmt *st = NULL;
    /* The pick's shape (see sql_pick in lib/route.c): the partial index serves it. */
    const char *sql =
        "EXPLAIN QUERY PLAN SELECT t.id, t.route_key FROM ticket t WHERE t.assignee_id IS NULL"
        " AND t.status IN (1, 2) AND t.group_id IS ?1 AND t.route_tier = ?2"
        " AND t.route_key <= ?3 ORDER BY t.route_key, t.id LIMIT 1";
    ck_assert_int_eq(sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        strncat(detail, (const char *)sqlite3_column_text(st, 3),
                sizeof(detail) - strlen(detail) - 1);
    sqlite3_finalize(st);
    ck_assert_msg(strstr(detail, "USING INDEX ticket_route") != NULL, "plan: %s", detail);
    ck_assert_msg(strstr(detail, "TEMP B-TREE") == NULL, "plan sorts: %s", detail);
}
END_TEST

/* Concurrency ------------------------------------------------------------------------ */

#define POOL 200

static char *pool_path;

static int64_t pool_setup(void)
{
    cs_db *h = NULL;
    int64_t g;
    pool_path = t_path("route-pool.db");
    ck_assert_ok(cs_db_open(&h, pool_path, CS_OPEN_CREATE));
    cs_db_set_clock(h, t_clock, NULL);
    customer = t_customer(h, "Kundin", NULL);
    g = t_group(h, "Support");
    online_agent(h, "Anna", g);
    online_agent(h, "Bernd", g);
    ck_assert_ok(cs_db_begin(h));
    for (int i = 0; i < POOL; i++)
        ticket_in(h, g, 0, NULL);
    ck_assert_ok(cs_db_commit(h));
    cs_db_close(h);
    return g;
}

typedef struct puller {
    int64_t agent;
    int64_t got[POOL];
    int n, rc;
} puller;

static void *pull(void *arg)
{
    puller *p = arg;
    cs_db *h = NULL;
    int64_t id;

    if ((p->rc = cs_db_open(&h, pool_path, CS_OPEN_READWRITE)) < 0)
        return NULL;
    cs_db_set_clock(h, t_clock, NULL);
    if ((p->rc = cs_db_set_actor(h, CS_ACTOR_AGENT, p->agent)) == CS_OK)
        while ((p->rc = cs_route_next(&id, h, p->agent)) == CS_OK && id && p->n < POOL)
            p->got[p->n++] = id;
    cs_db_close(h);
    return NULL;
}

static void check_pool_assigned_once(void)
{
    cs_db *h = NULL;
    ck_assert_ok(cs_db_open(&h, pool_path, CS_OPEN_READWRITE));
    ck_assert_int_eq(t_sql_int(h, "SELECT count(*) FROM ticket WHERE assignee_id IS NULL"), 0);
    /* One assignment each: no ticket was given twice (a second would be a transfer). */
    ck_assert_int_eq(t_sql_int(h, "SELECT count(*) FROM audit WHERE field = 'assignee_id'"), POOL);
    ck_assert_int_eq(t_sql_int(h, "SELECT sum(transfers) FROM ticket"), 0);
    cs_db_close(h);
}

START_TEST(test_next_two_threads)
{
    puller p[2] = {{.agent = 1}, {.agent = 2}};
    pthread_t th[2];
    char *seen = calloc(POOL + 1, 1);
    pool_setup();
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, pull, &p[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    ck_assert_int_eq(p[0].rc, CS_OK);
    ck_assert_int_eq(p[1].rc, CS_OK);
    ck_assert_int_eq(p[0].n + p[1].n, POOL);
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < p[i].n; k++) {
            ck_assert_int_eq(seen[p[i].got[k]], 0);
            seen[p[i].got[k]] = 1;
        }
    check_pool_assigned_once();
    free(seen);
    free(pool_path);
}
END_TEST

START_TEST(test_next_two_processes)
{
    int status, total = 0, fd[2];
    pid_t pid[2];
    pool_setup();
    ck_assert_int_eq(pipe(fd), 0);
    for (int i = 0; i < 2; i++) {
        if ((pid[i] = fork()) == 0) {
            puller *p = calloc(1, sizeof(*p));
            int n;
            /* Nothing of the parent's handle is used here; release it for valgrind. */
            cs_db_close(db);
            p->agent = i + 1;
            pull(p);
            n = p->rc == CS_OK ? p->n : -1; /* how many it took, or -1 for an error */
            free(p);
            free(pool_path);
            _exit(write(fd[1], &n, sizeof(n)) == sizeof(n) ? 0 : 1);
        }
        ck_assert_int_gt(pid[i], 0);
    }
    for (int i = 0; i < 2; i++) {
        int n = -1;
        ck_assert_int_eq(read(fd[0], &n, sizeof(n)), sizeof(n));
        ck_assert_int_ge(n, 0);
        total += n;
        ck_assert_int_gt(waitpid(pid[i], &status, 0), 0);
        ck_assert(WIFEXITED(status));
    }
    close(fd[0]);
    close(fd[1]);
    ck_assert_int_eq(total, POOL);
    check_pool_assigned_once();
    free(pool_path);
}
END_TEST

/* Transfers and first-contact resolution --------------------------------------------- */

START_TEST(test_transfers_and_fcr)
{
    int64_t g1 = t_group(db, "First"), g2 = t_group(db, "Second"), n;
    int64_t a = online_agent(db, "Anna", g1), b = online_agent(db, "Bernd", g2);
    int64_t moved = ticket_in(db, g1, email, NULL), once = ticket_in(db, g1, email, NULL);
    int64_t two = ticket_in(db, g1, email, NULL), open = ticket_in(db, g1, email, NULL);
    cs_route_report r = CS_ROUTE_REPORT_INIT;

    set_assignee(moved, a, 0); /* the first assignment is no transfer */
    ck_assert_ok(cs_route_transfers(&n, db, moved));
    ck_assert_int_eq(n, 0);
    set_assignee(moved, b, 0);
    set_assignee(moved, 0, g2); /* the group alone */
    set_assignee(moved, a, g1); /* both at once count once */
    ck_assert_ok(cs_route_transfers(&n, db, moved));
    ck_assert_int_eq(n, 3);
    t_message(db, moved, CS_ACTOR_AGENT, a, CS_VISIBILITY_PUBLIC, "Erledigt");
    set_status(moved, CS_STATUS_SOLVED);
    /* One agent, no transfer: first-contact resolution. */
    set_assignee(once, a, 0);
    t_message(db, once, CS_ACTOR_AGENT, a, CS_VISIBILITY_PUBLIC, "Gern");
    t_message(db, once, CS_ACTOR_AGENT, b, CS_VISIBILITY_INTERNAL, "Notiz");
    set_status(once, CS_STATUS_SOLVED);
    /* Two agents answered: not a first contact, even without a transfer. */
    set_assignee(two, a, 0);
    t_message(db, two, CS_ACTOR_AGENT, a, CS_VISIBILITY_PUBLIC, "Moment");
    t_message(db, two, CS_ACTOR_AGENT, b, CS_VISIBILITY_PUBLIC, "Hier");
    set_status(two, CS_STATUS_SOLVED);
    set_assignee(open, a, 0);
    ck_assert_ok(cs_route_report_get(&r, db, t_now, t_now + 1));
    ck_assert_int_eq(r.solved, 3);
    ck_assert_int_eq(r.first_contact, 1);
    ck_assert_int_eq(r.transferred, 1);
    ck_assert_int_eq(r.transfers, 3);
    ck_assert_ok(cs_route_report_get(&r, db, t_now + 1, t_now + 100));
    ck_assert_int_eq(r.solved, 0);
    ck_assert_int_eq(r.first_contact, 0);
}
END_TEST

/* Callbacks --------------------------------------------------------------------------- */

static int64_t callback(int64_t group, cs_time from, cs_time to)
{
    cs_callback_fields f = CS_CALLBACK_FIELDS_INIT;
    int64_t id;
    f.customer_id = customer;
    f.channel_id = phone;
    f.group_id = group;
    f.window_from = from;
    f.window_to = to;
    ck_assert_ok(cs_route_callback_create(&id, db, &f));
    return id;
}

START_TEST(test_callbacks)
{
    int64_t g = t_group(db, "Phone"), a = online_agent(db, "Anna", g), got;
    int64_t plain, later, started_late, started_early;
    cs_time from, to;
    sla_policy();
    plain = ticket_in(db, g, email, "sla");
    later = callback(g, t_now + 3600, t_now + 7200);
    started_late = callback(g, t_now - 60, t_now + 3600);
    started_early = callback(g, t_now - 600, t_now + 3600);
    ck_assert_ok(cs_route_callback_window(&from, &to, db, later));
    ck_assert_int_eq(from, t_now + 3600);
    ck_assert_int_eq(to, t_now + 7200);
    ck_assert_ok(cs_route_callback_window(&from, &to, db, plain));
    ck_assert_int_eq(from + to, 0);
    int64_t want[] = {started_early, started_late, plain, 0};
    for (int i = 0; i < 4; i++) {
        ck_assert_ok(cs_route_next(&got, db, a));
        ck_assert_int_eq(got, want[i]);
    }
    /* Not before its window, also not by automatic assignment. */
    cs_route_group_fields f = CS_ROUTE_GROUP_FIELDS_INIT;
    f.strategy = CS_ROUTE_ROUND_ROBIN;
    ck_assert_ok(cs_route_group_set(db, g, &f));
    ck_assert_ok(cs_route_assign(&got, db, later));
    ck_assert_int_eq(got, 0);
    t_now += 3600;
    ck_assert_ok(cs_route_next(&got, db, a));
    ck_assert_int_eq(got, later);
}
END_TEST

/* The estimated wait ----------------------------------------------------------------- */

START_TEST(test_estimated_wait)
{
    int64_t g = t_group(db, "Hotline"), a, b, wait, solved[3];
    const int64_t handle[3] = {300, 600, 900};
    ck_assert_ok(cs_route_estimated_wait(&wait, db, g, CS_CHANNEL_PHONE));
    ck_assert_int_eq(wait, -1); /* nobody there */
    a = online_agent(db, "Anna", g);
    b = online_agent(db, "Bernd", g);
    ck_assert_ok(cs_route_estimated_wait(&wait, db, g, CS_CHANNEL_PHONE));
    ck_assert_int_eq(wait, 0); /* nothing queued */
    for (int i = 0; i < 5; i++)
        ticket_in(db, g, phone, NULL);
    ck_assert_ok(cs_route_estimated_wait(&wait, db, g, CS_CHANNEL_PHONE));
    ck_assert_int_eq(wait, -1); /* no handle times yet */
    /* Handle times 300, 600, 900 s: from the assignment to solved. */
    for (int i = 0; i < 3; i++) {
        solved[i] = ticket_in(db, g, phone, NULL);
        set_assignee(solved[i], a, 0);
        t_now += handle[i];
        set_status(solved[i], CS_STATUS_SOLVED);
    }
    /* 5 queued * 600 s / 2 agents */
    ck_assert_ok(cs_route_estimated_wait(&wait, db, g, CS_CHANNEL_PHONE));
    ck_assert_int_eq(wait, 1500);
    /* Bernd is full on the phone: 5 * 600 / 1. Any kind still counts him. */
    ck_assert_ok(cs_route_set_capacity(db, b, CS_CHANNEL_PHONE, 0));
    ck_assert_ok(cs_route_estimated_wait(&wait, db, g, CS_CHANNEL_PHONE));
    ck_assert_int_eq(wait, 3000);
    ck_assert_ok(cs_route_estimated_wait(&wait, db, g, 0));
    ck_assert_int_eq(wait, 1500);
    /* A callback whose window has not started is not ahead of anybody; 7 * 600 / 2 once
     * two more are queued, rounded up for an odd product: 7 * 600 / 2 = 2100. */
    callback(g, t_now + 600, t_now + 1200);
    ticket_in(db, g, phone, NULL);
    ticket_in(db, g, phone, NULL);
    ck_assert_ok(cs_route_estimated_wait(&wait, db, g, 0));
    ck_assert_int_eq(wait, 2100);
    ck_assert_ok(cs_route_set_presence(db, a, CS_PRESENCE_AWAY));
    ck_assert_ok(cs_route_set_presence(db, b, CS_PRESENCE_OFFLINE));
    ck_assert_ok(cs_route_estimated_wait(&wait, db, g, 0));
    ck_assert_int_eq(wait, -1);
}
END_TEST

/* Permissions and bad input ---------------------------------------------------------- */

START_TEST(test_permissions)
{
    int64_t g = t_group(db, "Support"), a = online_agent(db, "Anna", g);
    int64_t b = online_agent(db, "Bernd", g), light = t_agent(db, "Lena", CS_ROLE_LIGHT), got;
    int64_t admin = t_agent(db, "Ada", CS_ROLE_ADMIN), t = ticket_in(db, g, email, NULL);
    cs_route_group_fields f = CS_ROUTE_GROUP_FIELDS_INIT;

    ck_assert_ok(cs_group_add_agent(db, g, light));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, a));
    ck_assert_ok(cs_route_set_presence(db, a, CS_PRESENCE_AWAY)); /* its own */
    ck_assert_rc(cs_route_set_presence(db, b, CS_PRESENCE_OFFLINE), CS_EPERM);
    ck_assert_rc(cs_route_set_capacity(db, a, CS_CHANNEL_CHAT, 9), CS_EPERM);
    f.strategy = CS_ROUTE_ROUND_ROBIN;
    ck_assert_rc(cs_route_group_set(db, g, &f), CS_EPERM);
    ck_assert_rc(cs_route_next(&got, db, b), CS_EPERM);     /* for another agent */
    ck_assert_rc(cs_route_next(&got, db, a), CS_ECONFLICT); /* away */
    ck_assert_field("presence");

    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, light));
    ck_assert_ok(cs_route_set_presence(db, light, CS_PRESENCE_ONLINE));
    ck_assert_rc(cs_route_next(&got, db, light), CS_EPERM);
    ck_assert_int_eq(got, 0);

    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, admin));
    ck_assert_ok(cs_route_set_presence(db, b, CS_PRESENCE_ONLINE));
    ck_assert_ok(cs_route_next(&got, db, b)); /* on Bernd's behalf */
    ck_assert_int_eq(got, t);
    ck_assert_rc(cs_route_next(&got, db, light), CS_EPERM);

    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_CUSTOMER, customer));
    ck_assert_rc(cs_route_presence((int[1]){0}, db, a), CS_EPERM);
    cs_route_agent *ra = (cs_route_agent *)1;
    ck_assert_rc(cs_route_agent_get(&ra, db, a), CS_EPERM);
    ck_assert_ptr_null(ra);
    ck_assert_rc(cs_route_set_presence(db, a, CS_PRESENCE_ONLINE), CS_EPERM);
    /* Nothing was changed by the refusals. */
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM agent_capacity"), 0);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM group_route"), 0);
}
END_TEST

START_TEST(test_bad_input)
{
    cs_callback_fields cb = CS_CALLBACK_FIELDS_INIT;
    cs_route_group_fields f = CS_ROUTE_GROUP_FIELDS_INIT;
    cs_route_report r = CS_ROUTE_REPORT_INIT;
    int64_t g = t_group(db, "Support"), a = online_agent(db, "Anna", g), out;

    ck_assert_rc(cs_route_set_presence(db, a, 7), CS_EINVAL);
    ck_assert_field("presence");
    ck_assert_msg(strstr(cs_error_last()->message, "7") != NULL, "%s", cs_error_last()->message);
    ck_assert_rc(cs_route_set_presence(db, 999, CS_PRESENCE_ONLINE), CS_ENOTFOUND);
    ck_assert_field("agent_id");
    ck_assert_rc(cs_route_set_capacity(db, a, 42, 3), CS_EINVAL);
    ck_assert_field("channel_kind");
    ck_assert_rc(cs_route_set_capacity(db, a, CS_CHANNEL_CHAT, -5), CS_EINVAL);
    ck_assert_field("capacity");
    ck_assert_msg(strstr(cs_error_last()->message, "-5") != NULL, "%s", cs_error_last()->message);
    f.strategy = 17;
    ck_assert_rc(cs_route_group_set(db, g, &f), CS_EINVAL);
    ck_assert_field("strategy");
    f.strategy = 0;
    f.match_language = 2;
    ck_assert_rc(cs_route_group_set(db, g, &f), CS_EINVAL);
    ck_assert_field("match_language");
    f.match_language = CS_UNSET;
    ck_assert_rc(cs_route_group_set(db, 999, &f), CS_ENOTFOUND);
    ck_assert_field("group_id");
    ck_assert_rc(cs_route_next(&out, db, 999), CS_ENOTFOUND);
    ck_assert_field("agent_id");
    ck_assert_rc(cs_route_assign(&out, db, 999), CS_ENOTFOUND);
    ck_assert_field("ticket_id");
    ck_assert_rc(cs_route_transfers(&out, db, 999), CS_ENOTFOUND);
    ck_assert_field("ticket_id");
    ck_assert_rc(cs_route_report_get(&r, db, t_now, t_now), CS_EINVAL);
    ck_assert_field("to");
    r.version = 99;
    ck_assert_rc(cs_route_report_get(&r, db, t_now, t_now + 1), CS_EINVAL);
    ck_assert_field("report");
    ck_assert_rc(cs_route_estimated_wait(&out, db, g, 77), CS_EINVAL);
    ck_assert_field("channel_kind");
    ck_assert_rc(cs_route_estimated_wait(&out, db, 999, 0), CS_ENOTFOUND);
    ck_assert_field("group_id");
    cb.customer_id = customer;
    ck_assert_rc(cs_route_callback_create(&out, db, &cb), CS_EINVAL);
    ck_assert_field("window_from");
    cb.window_from = t_now + 600;
    cb.window_to = t_now + 60;
    ck_assert_rc(cs_route_callback_create(&out, db, &cb), CS_EINVAL);
    ck_assert_field("window_to");
    cb.window_from = t_now - 600;
    cb.window_to = t_now - 60;
    ck_assert_rc(cs_route_callback_create(&out, db, &cb), CS_EINVAL);
    ck_assert_field("window_to");
    cb.window_to = t_now + 60;
    cb.customer_id = 999;
    ck_assert_rc(cs_route_callback_create(&out, db, &cb), CS_ENOTFOUND);
    ck_assert_field("customer_id");
    ck_assert_int_eq(out, 0);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM ticket"), 0);
    ck_assert_str_eq(cs_presence_name(CS_PRESENCE_AWAY), "away");
    ck_assert_int_eq(cs_presence_parse("offline"), CS_PRESENCE_OFFLINE);
    ck_assert_str_eq(cs_route_strategy_name(CS_ROUTE_SKILLS_FIRST), "skills_first");
    ck_assert_int_eq(cs_route_strategy_parse("least_loaded"), CS_ROUTE_LEAST_LOADED);
    ck_assert_int_eq(cs_route_strategy_parse("fastest"), 0);
}
END_TEST

/* Erlang C against values worked out by hand (and by an independent script). */
START_TEST(test_erlang_c)
{
    static const struct {
        double rate, aht;
        int answer, percent, agents;
        double level;
    } cases[] = {
        {100, 180, 20, 80, 8, 0.8801},  /* 5 erlangs: 7 agents answer only 74% in 20 s */
        {360, 240, 30, 90, 30, 0.9183}, /* 24 erlangs */
        {10, 600, 60, 80, 4, 0.9189},   {20, 600, 60, 80, 6, 0.8865},
        {0, 300, 20, 80, 0, 1.0}, /* nothing arrives, nobody is needed */
    };
    for (size_t i = 0; i < CS_ARRAY_SIZE(cases); i++) {
        int agents = -1;
        double level = -1;
        ck_assert_ok(cs_route_erlang_c_agents(&agents, &level, cases[i].rate, cases[i].aht,
                                              cases[i].answer, cases[i].percent));
        ck_assert_msg(agents == cases[i].agents, "case %zu: %d agents", i, agents);
        ck_assert_double_eq_tol(level, cases[i].level, 0.0001);
    }
    int agents;
    ck_assert_rc(cs_route_erlang_c_agents(&agents, NULL, -1, 180, 20, 80), CS_EINVAL);
    ck_assert_field("arrivals_per_hour");
    ck_assert_rc(cs_route_erlang_c_agents(&agents, NULL, 10, 0, 20, 80), CS_EINVAL);
    ck_assert_field("aht_seconds");
    ck_assert_rc(cs_route_erlang_c_agents(&agents, NULL, 10, 180, 20, 100), CS_EINVAL);
    ck_assert_field("percent");
}
END_TEST

/* A plan from measured arrivals: 20 tickets at 09:xx UTC on each of two days, each solved
 * 10 minutes after it came in: 20 an hour at 9, handle time 600 s, 6 agents for 80/60. */
START_TEST(test_staffing_plan)
{
    int64_t g = t_group(db, "Hotline"), caller = t_customer(db, "Caller", NULL), id;
    cs_staffing_plan *plan = NULL;
    cs_time day = 1772409600; /* 2026-03-02T00:00:00Z */

    for (int d = 0; d < 2; d++)
        for (int i = 0; i < 20; i++) {
            cs_ticket_fields f = CS_TICKET_FIELDS_INIT, solve = CS_TICKET_FIELDS_INIT;
            t_now = day + d * 86400 + 9 * 3600 + i * 120;
            f.subject = "call";
            f.customer_id = caller;
            f.group_id = g;
            ck_assert_ok(cs_ticket_create(&id, db, &f));
            t_now += 600;
            solve.status = CS_STATUS_SOLVED;
            ck_assert_ok(cs_ticket_update(db, id, &solve));
        }
    ck_assert_ok(cs_route_staffing(&plan, db, g, day, day + 2 * 86400, 60, 80));
    ck_assert_double_eq_tol(cs_staffing_plan_aht_seconds(plan), 600, 0.001);
    ck_assert_uint_eq(cs_staffing_plan_count(plan), 24);
    for (size_t h = 0; h < cs_staffing_plan_count(plan); h++) {
        const cs_staffing_hour *x = cs_staffing_plan_item(plan, h);
        ck_assert_int_eq(cs_staffing_hour_hour(x), (int)h);
        ck_assert_double_eq_tol(cs_staffing_hour_arrivals_per_hour(x), h == 9 ? 20 : 0, 0.001);
        ck_assert_int_eq(cs_staffing_hour_agents(x), h == 9 ? 6 : 0);
    }
    ck_assert_double_eq_tol(cs_staffing_hour_service_level(cs_staffing_plan_item(plan, 9)), 0.8865,
                            0.0001);
    ck_assert_ptr_null(cs_staffing_plan_item(plan, 24));
    ck_assert_ptr_null(cs_staffing_plan_item(NULL, 0));
    ck_assert_uint_eq(cs_staffing_plan_count(NULL), 0);
    cs_staffing_plan_free(plan);
    /* Another group saw nothing: no arrivals, no handle time, nobody needed. */
    ck_assert_ok(cs_route_staffing(&plan, db, t_group(db, "Quiet"), day, day + 86400, 60, 80));
    ck_assert_double_eq_tol(cs_staffing_plan_aht_seconds(plan), 0, 0.001);
    ck_assert_int_eq(cs_staffing_hour_agents(cs_staffing_plan_item(plan, 9)), 0);
    cs_staffing_plan_free(plan);
    ck_assert_rc(cs_route_staffing(&plan, db, g, day, day, 60, 80), CS_EINVAL);
    ck_assert_field("to");
    ck_assert_ptr_null(plan);
    ck_assert_rc(cs_route_staffing(&plan, db, 999, day, day + 1, 60, 80), CS_ENOTFOUND);
    ck_assert_field("group_id");
    ck_assert_rc(cs_route_staffing(NULL, db, g, day, day + 1, 60, 80), CS_EINVAL);
    ck_assert_field("out");
}
END_TEST

Suite *cs_route_suite(void)
{
    Suite *s = suite_create("route");
    TCase *tc = tcase_create("route");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_round_robin_even);
    tcase_add_test(tc, test_least_loaded_within_one);
    tcase_add_test(tc, test_skills_first);
    tcase_add_test(tc, test_language_matching);
    tcase_add_test(tc, test_presence_and_capacity);
    tcase_add_test(tc, test_manual_group_and_ingest);
    tcase_add_test(tc, test_next_earliest_deadline_first);
    tcase_add_test(tc, test_next_commits_relaxed);
    tcase_add_test(tc, test_next_what_the_agent_may_take);
    tcase_add_test(tc, test_next_uses_the_index);
    tcase_add_test(tc, test_next_two_threads);
    tcase_add_test(tc, test_next_two_processes);
    tcase_add_test(tc, test_transfers_and_fcr);
    tcase_add_test(tc, test_callbacks);
    tcase_add_test(tc, test_estimated_wait);
    tcase_add_test(tc, test_permissions);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_erlang_c);
    tcase_add_test(tc, test_staffing_plan);
    suite_add_tcase(s, tc);
    return s;
}
