/*
 * The next-ticket pick at scale: 1,000,000 open unassigned tickets in 10 groups (60% with a
 * running SLA deadline, 20% chat, 5% needing the skill "sap"), 200 online agents in two
 * groups each with chat capacity 3 and email capacity 50. Times PICKS cs_route_next() calls
 * (pick and assignment, each its own transaction) by agents taken in a fixed pseudo-random
 * order, and prints p50/p99/max, the query plan of the pick and the peak RSS.
 * Not a test: run it with `make bench`. BENCH_TICKETS and BENCH_DIR change the size and
 * where the database file goes (default $TMPDIR or /tmp); BENCH_KEEP keeps it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include <libcs.h>

#define AGENTS 200
#define GROUPS 10
#define CUSTOMERS 1000
#define TICK_EVERY 100
#define PICKS 2000

static const cs_time base = 1772442000; /* 2026-03-02T09:00:00Z */

static cs_time fixed_clock(void *payload)
{
    (void)payload;
    return base + 86400;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(const char *what)
{
    fprintf(stderr, "queue: %s: %s\n", what, cs_error_last()->message);
    return 1;
}

/* Channels, groups, agents and a policy through the API. */
static int configure(cs_db *db)
{
    cs_channel_fields ch = CS_CHANNEL_FIELDS_INIT;
    cs_sla_policy_fields pf = CS_SLA_POLICY_FIELDS_INIT;
    cs_sla_target target = {CS_SLA_FIRST_REPLY, 0, 8 * 3600, 0, 0};
    const char *sap[] = {"sap"};
    char name[32];
    int64_t id;

    ch.kind = CS_CHANNEL_EMAIL, ch.name = "mail";
    if (cs_channel_create(&id, db, &ch) < 0)
        return fail("channel");
    ch.kind = CS_CHANNEL_CHAT, ch.name = "chat";
    if (cs_channel_create(&id, db, &ch) < 0)
        return fail("channel");
    pf.name = "standard", pf.targets = &target, pf.ntargets = 1;
    if (cs_sla_policy_create(&id, db, &pf) < 0)
        return fail("policy");
    for (int g = 1; g <= GROUPS; g++) {
        snprintf(name, sizeof(name), "group %d", g);
        if (cs_group_create(&id, db, name) < 0)
            return fail("group");
    }
    for (int a = 1; a <= AGENTS; a++) {
        cs_agent_fields af = CS_AGENT_FIELDS_INIT;
        snprintf(name, sizeof(name), "Agent %d", a);
        af.name = name;
        af.skills = sap, af.nskills = a % 4 == 0; /* every fourth knows SAP */
        if (cs_agent_create(&id, db, &af) < 0 || cs_group_add_agent(db, a % GROUPS + 1, id) < 0 ||
            cs_group_add_agent(db, (a / GROUPS) % GROUPS + 1, id) < 0 ||
            cs_route_set_presence(db, id, CS_PRESENCE_ONLINE) < 0 ||
            cs_route_set_capacity(db, id, CS_CHANNEL_CHAT, 3) < 0 ||
            cs_route_set_capacity(db, id, CS_CHANNEL_EMAIL, 50) < 0)
            return fail("agent");
    }
    return 0;
}

static int exec(sqlite3 *s, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(s, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "queue: %s: %s\n", sql, err);
        sqlite3_free(err);
        return 1;
    }
    return 0;
}

/* The tickets with plain SQL in one transaction: the API would take minutes for a million.
 * The triggers of the routing schema fill in route_due from ticket_sla as they would. */
static int load_tickets(const char *path, long n)
{
    static const char sql_customer[] =
        "INSERT INTO customer (name, created_at, updated_at) VALUES ('c', ?1, ?1)";
    static const char sql_ticket[] =
        "INSERT INTO ticket (id, number, subject, customer_id, channel_id, status, priority, type,"
        " group_id, created_at, updated_at) VALUES (?1, ?1, 'Frage', ?2, ?3, 1 + (?1 % 2), 2, 1,"
        " ?4, ?5, ?5)";
    static const char sql_sla[] =
        "INSERT INTO ticket_sla (ticket_id, metric, policy_id, state, started_at, resumed_at,"
        " target, target_at) VALUES (?1, 1, 1, 1, ?2, ?2, 28800, ?3)";
    static const char sql_tag[] =
        "INSERT INTO ticket_tag (ticket_id, tag) VALUES (?1, 'skill:sap')";
    sqlite3_stmt *c = NULL, *t = NULL, *s = NULL, *g = NULL;
    sqlite3 *db = NULL;
    int rc = 1;

    if (sqlite3_open(path, &db) != SQLITE_OK || exec(db, "BEGIN") ||
        sqlite3_prepare_v2(db, sql_customer, -1, &c, NULL) ||
        sqlite3_prepare_v2(db, sql_ticket, -1, &t, NULL) ||
        sqlite3_prepare_v2(db, sql_sla, -1, &s, NULL) ||
        sqlite3_prepare_v2(db, sql_tag, -1, &g, NULL))
        goto out;
    for (int i = 0; i < CUSTOMERS; i++) {
        sqlite3_bind_int64(c, 1, base);
        sqlite3_step(c);
        sqlite3_reset(c);
    }
    for (long i = 1; i <= n; i++) {
        unsigned long h = (unsigned long)i * 2654435761u;
        cs_time created = base + i / 16;
        sqlite3_bind_int64(t, 1, i);
        sqlite3_bind_int64(t, 2, i % CUSTOMERS + 1);
        sqlite3_bind_int64(t, 3, h % 5 == 0 ? 2 : 1); /* 20% chat */
        sqlite3_bind_int64(t, 4, (long)(h >> 8) % GROUPS + 1);
        sqlite3_bind_int64(t, 5, created);
        if (sqlite3_step(t) != SQLITE_DONE)
            goto out;
        sqlite3_reset(t);
        if (h % 10 < 6) { /* 60% have a deadline, spread over two days */
            sqlite3_bind_int64(s, 1, i);
            sqlite3_bind_int64(s, 2, created);
            sqlite3_bind_int64(s, 3, base + (long)((h >> 4) % 172800));
            if (sqlite3_step(s) != SQLITE_DONE)
                goto out;
            sqlite3_reset(s);
        }
        if ((h >> 12) % 20 == 0) {
            sqlite3_bind_int64(g, 1, i);
            sqlite3_step(g);
            sqlite3_reset(g);
        }
    }
    rc = exec(db, "UPDATE counter SET value = (SELECT max(number) FROM ticket)"
                  " WHERE name = 'ticket_number'") ||
         exec(db, "COMMIT") || exec(db, "ANALYZE");
out:
    if (rc)
        fprintf(stderr, "queue: loading tickets: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(c), sqlite3_finalize(t), sqlite3_finalize(s), sqlite3_finalize(g);
    sqlite3_close(db);
    return rc;
}

static void print_plan(const char *path)
{
    const char *sql =
        "EXPLAIN QUERY PLAN SELECT t.id, t.route_key FROM ticket t WHERE t.assignee_id IS NULL"
        " AND t.status IN (1, 2) AND t.group_id IS 3 AND t.route_tier = 1 AND t.route_key <= 9"
        " ORDER BY t.route_key, t.id LIMIT 1";
    sqlite3_stmt *st = NULL;
    sqlite3 *db = NULL;

    sqlite3_open(path, &db);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW)
            printf("plan:             %s\n", (const char *)sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The host's timer: cs_tick() records SLA events and checkpoints the WAL, off the picks. */
static int tick(cs_db *db, double *first, double *max, int *n)
{
    cs_tick_result *r = NULL;
    double t0 = now(), took;
    int rc;

    cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0);
    rc = cs_tick(&r, db, cs_db_now(db));
    cs_tick_result_free(r);
    took = (now() - t0) * 1e3;
    if ((*n)++ == 0)
        *first = took;
    else if (took > *max)
        *max = took;
    return rc;
}

static int pick(const char *path, long n)
{
    static double took[PICKS];
    unsigned long lcg = 12345;
    int64_t got = 0, empty = 0;
    cs_db *db = NULL;
    double t0;

    if (cs_db_open(&db, path, CS_OPEN_READWRITE) < 0)
        return fail("open");
    cs_db_set_clock(db, fixed_clock, NULL);
    double first_tick = 0, tick_max = 0;
    int nticks = 0;
    for (int i = 0; i < PICKS; i++) {
        int64_t agent, ticket;
        if (i % TICK_EVERY == TICK_EVERY - 1 && tick(db, &first_tick, &tick_max, &nticks) < 0)
            return fail("tick");
        lcg = lcg * 6364136223846793005ul + 1442695040888963407ul;
        agent = (int64_t)(lcg >> 33) % AGENTS + 1;
        if (cs_db_set_actor(db, CS_ACTOR_AGENT, agent) < 0)
            return fail("actor");
        t0 = now();
        if (cs_route_next(&ticket, db, agent) < 0)
            return fail("next");
        took[i] = (now() - t0) * 1e3;
        got += ticket != 0, empty += ticket == 0;
    }
    cs_db_close(db);
    qsort(took, PICKS, sizeof(took[0]), cmp_double);
    printf("tickets:          %10ld open, %d agents, %d groups\n", n, AGENTS, GROUPS);
    printf("next-ticket:      %10d picks (%lld assigned, %lld found nothing)\n", PICKS,
           (long long)got, (long long)empty);
    printf("next-ticket p90:  %10.3f ms\n", took[PICKS * 90 / 100]);
    printf("next-ticket p50:  %10.3f ms\n", took[PICKS / 2]);
    printf("next-ticket p99:  %10.3f ms\n", took[PICKS * 99 / 100]);
    printf("next-ticket max:  %10.3f ms\n", took[PICKS - 1]);
    printf("tick:             %10d calls (every %d picks, as a host timer would), the first"
           " %.1f ms (the backlog's warnings and breaches), then at most %.3f ms\n",
           nticks, TICK_EVERY, first_tick, tick_max);
    return 0;
}

int main(void)
{
    const char *dir = getenv("BENCH_DIR") ? getenv("BENCH_DIR") : getenv("TMPDIR");
    long n = getenv("BENCH_TICKETS") ? atol(getenv("BENCH_TICKETS")) : 1000000;
    char path[512];
    struct rusage ru;
    cs_db *db = NULL;
    double t0 = now();
    int rc;

    snprintf(path, sizeof(path), "%s/libcs-bench-queue-%ld.db", dir && *dir ? dir : "/tmp",
             (long)getpid());
    if (cs_db_open(&db, path, CS_OPEN_CREATE) < 0)
        return fail("create");
    rc = configure(db);
    cs_db_close(db);
    printf("configure:        %10.1f s\n", now() - t0);
    if (rc || load_tickets(path, n))
        goto out;
    printf("setup:            %10.1f s\n", now() - t0);
    print_plan(path);
    rc = pick(path, n);
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS:         %10ld KiB\n", ru.ru_maxrss);
out:
    if (getenv("BENCH_KEEP")) /* for a look at the plans with the sqlite3 shell */
        return rc;
    unlink(path);
    snprintf(path + strlen(path), sizeof(path) - strlen(path), "-wal");
    unlink(path);
    path[strlen(path) - 4] = '\0';
    snprintf(path + strlen(path), sizeof(path) - strlen(path), "-shm");
    unlink(path);
    return rc;
}
