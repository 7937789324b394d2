/*
 * Concurrency: 4 processes and 4 threads (one cs_db handle each) ingest mail, reply, and
 * claim and acknowledge the outbox on one database file at once. No caller may see an
 * error (busy waits are the library's business), no message may be lost or duplicated,
 * and every outbox item must be delivered exactly once: the lease is an hour, so no lease
 * expires and no item may be claimed twice.
 *
 * Worker 0 runs its calls in bulk sections (cs_db_begin_bulk) of BULK messages each.
 *
 * Every worker is also an agent and takes the next ticket after every third mail
 * (cs_route_next, which commits without waiting for the disk): no ticket may go to two
 * agents, and each stays with the agent who took it.
 *
 * Every worker writes its claims, acknowledgements and picks to its own log file; the
 * checks read them all at the end. Prints "N passed, N failed" (one per check) for scripts/test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libcs.h>
#include <sqlite3.h>

#define PROCESSES 4
#define THREADS 4
#define WORKERS (PROCESSES + THREADS)
#define MESSAGES 120 /* per worker */
#define LEASE 3600
#define BULK 8 /* messages per bulk section of worker 0 */

static char dir[512], db_path[600];
static int64_t channel, agents[WORKERS]; /* one agent per worker, in the channel's group */

struct worker {
    int n;
    int errors;
    pthread_t thread;
};

static void log_path(char *buf, size_t size, int worker)
{
    snprintf(buf, size, "%s/worker-%d.log", dir, worker);
}

static int fail_call(int worker, const char *what)
{
    fprintf(stderr, "worker %d: %s: %s (%s)\n", worker, what, cs_error_last()->message,
            cs_status_name(cs_error_last()->code));
    return 1;
}

/* Claim a few due items and acknowledge each, logging both. */
static int drain(cs_db *db, FILE *log, int worker, int *claimed)
{
    cs_outbox_batch *b = NULL;
    int errors = 0;

    if (cs_outbox_claim(&b, db, 0, 0, 4, LEASE) < 0)
        return fail_call(worker, "claim");
    *claimed = (int)cs_outbox_batch_count(b);
    for (size_t i = 0; i < cs_outbox_batch_count(b); i++) {
        const cs_outbox_item *it = cs_outbox_batch_item(b, i);
        char ext[64];
        fprintf(log, "claim %lld %lld\n", (long long)it->id, (long long)it->lease);
        snprintf(ext, sizeof(ext), "<sent-%lld@conc.example>", (long long)it->id);
        if (cs_outbox_ack(db, it->id, it->lease, ext) < 0)
            errors += fail_call(worker, "ack");
        else
            fprintf(log, "ack %lld %lld\n", (long long)it->id, (long long)it->lease);
    }
    cs_outbox_batch_free(b);
    return errors;
}

static int work(int worker, int messages)
{
    char path[640], id[64], sender[64], last[64] = "";
    cs_db *db = NULL;
    FILE *log;
    int errors = 0, claimed = 0;

    log_path(path, sizeof(path), worker);
    if (!(log = fopen(path, "w")))
        return 1;
    if (cs_db_open(&db, db_path, CS_OPEN_READWRITE) < 0) {
        fclose(log);
        return fail_call(worker, "open");
    }
    for (int i = 0; i < messages; i++) {
        cs_inbound in = CS_INBOUND_INIT;
        cs_ingest_result *r = NULL;
        bool bulk = worker == 0;
        if (bulk && i % BULK == 0 && cs_db_begin_bulk(db) < 0)
            errors += fail_call(worker, "begin bulk");
        snprintf(id, sizeof(id), "<w%d.m%d@conc.example>", worker, i);
        snprintf(sender, sizeof(sender), "w%d.c%d@conc.example", worker, i % 10);
        in.channel_id = channel;
        in.external_id = id;
        in.sender = sender;
        in.subject = "Parcel";
        in.body = "Where is it?";
        in.in_reply_to = i % 3 == 2 ? last : NULL;
        if (cs_ingest(&r, db, &in) < 0) {
            errors += fail_call(worker, "ingest");
            continue;
        }
        if (i % 5 == 0 && cs_reply(NULL, db, r->ticket_id, "It is on its way.", NULL) < 0)
            errors += fail_call(worker, "reply");
        cs_ingest_result_free(r);
        snprintf(last, sizeof(last), "%s", id);
        if (i % 3 == 1) {
            int64_t picked = 0;
            if (cs_route_next(&picked, db, agents[worker]) < 0)
                errors += fail_call(worker, "pick");
            else if (picked)
                fprintf(log, "pick %lld %lld\n", (long long)picked, (long long)agents[worker]);
        }
        if (i % 4 == 3)
            errors += drain(db, log, worker, &claimed);
        if (bulk && (i % BULK == BULK - 1 || i == messages - 1) && cs_db_commit(db) < 0)
            errors += fail_call(worker, "commit bulk");
    }
    do
        errors += drain(db, log, worker, &claimed);
    while (claimed && errors == 0);
    cs_db_close(db);
    fclose(log);
    return errors;
}

static void *thread_main(void *arg)
{
    struct worker *w = arg;
    w->errors = work(w->n, MESSAGES);
    return NULL;
}

static int64_t query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return v;
}

static int passed, failed;

static void expect(const char *what, int64_t got, int64_t want)
{
    if (got == want) {
        passed++;
        printf("ok: %s (%lld)\n", what, (long long)got);
    } else {
        failed++;
        printf("FAIL: %s: %lld, expected %lld\n", what, (long long)got, (long long)want);
    }
}

/* Tally the logs: per item, claims and acks, and whether one item was claimed twice; per
 * ticket, the picks, and whether one went to two agents or left its agent. */
static void check_logs(sqlite3 *db, int64_t items, int64_t tickets)
{
    int *claims = calloc((size_t)items + 1, sizeof(int)),
        *acks = calloc((size_t)items + 1, sizeof(int)),
        *picks = calloc((size_t)tickets + 1, sizeof(int));
    int64_t bad = 0, twice = 0, unacked = 0, picked_twice = 0, moved = 0, total_picks = 0;
    sqlite3_stmt *assignee = NULL;

    if (sqlite3_prepare_v2(db, "SELECT assignee_id FROM ticket WHERE id = ?1", -1, &assignee,
                           NULL) != SQLITE_OK)
        bad++;

    for (int w = 0; w <= WORKERS; w++) {
        char path[640], kind[8];
        long long id, lease;
        FILE *f;
        log_path(path, sizeof(path), w);
        if (!(f = fopen(path, "r")))
            continue;
        while (fscanf(f, "%7s %lld %lld", kind, &id, &lease) == 3) {
            if (!strcmp(kind, "pick")) { /* a ticket and the agent who took it */
                if (id < 1 || id > tickets || !assignee) {
                    bad++;
                    continue;
                }
                total_picks++;
                picked_twice += ++picks[id] == 2;
                sqlite3_bind_int64(assignee, 1, id);
                moved += sqlite3_step(assignee) != SQLITE_ROW ||
                         sqlite3_column_int64(assignee, 0) != lease;
                sqlite3_reset(assignee);
                continue;
            }
            if (id < 1 || id > items) {
                bad++;
                continue;
            }
            if (!strcmp(kind, "claim"))
                claims[id]++;
            else
                acks[id]++;
        }
        fclose(f);
        unlink(path);
    }
    for (int64_t i = 1; i <= items; i++) {
        twice += claims[i] > 1;
        unacked += acks[i] != 1;
    }
    expect("log entries naming unknown items", bad, 0);
    expect("items claimed more than once under an unexpired lease", twice, 0);
    expect("items not acknowledged exactly once", unacked, 0);
    expect("tickets taken by two agents", picked_twice, 0);
    expect("tickets no longer with the agent who took them", moved, 0);
    expect("some tickets were taken", total_picks > 0, 1);
    sqlite3_finalize(assignee);
    free(claims);
    free(acks);
    free(picks);
}

static void check(void)
{
    sqlite3 *db = NULL;

    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        expect("open the database", 0, 1);
        return;
    }
    expect("inbound messages", query_int(db, "SELECT count(*) FROM message WHERE direction = 1"),
           WORKERS * MESSAGES);
    expect("distinct external ids of inbound messages",
           query_int(db, "SELECT count(DISTINCT external_id) FROM message WHERE direction = 1"),
           WORKERS * MESSAGES);
    expect("ingest log rows", query_int(db, "SELECT count(*) FROM ingest_log"), WORKERS * MESSAGES);
    expect("replies", query_int(db, "SELECT count(*) FROM outbox WHERE kind = 'reply'"),
           WORKERS * ((MESSAGES + 4) / 5));
    expect("receipts, one per ticket",
           query_int(db, "SELECT count(*) FROM outbox WHERE kind = 'receipt'"),
           query_int(db, "SELECT count(*) FROM ticket"));
    expect("outbox items not sent", query_int(db, "SELECT count(*) FROM outbox WHERE state != 3"),
           0);
    expect("outbox items claimed more than once",
           query_int(db, "SELECT count(*) FROM outbox WHERE attempts != 1"), 0);
    check_logs(db, query_int(db, "SELECT max(id) FROM outbox"),
               query_int(db, "SELECT max(id) FROM ticket"));
    sqlite3_close(db);
}

static void setup(void)
{
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    cs_db *db = NULL;
    int64_t group = 0;
    const char *tmp = getenv("TMPDIR");

    snprintf(dir, sizeof(dir), "%s/libcs-concurrency-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror(dir);
        exit(1);
    }
    snprintf(db_path, sizeof(db_path), "%s/shared.db", dir);
    f.kind = CS_CHANNEL_EMAIL;
    f.name = "Mail";
    f.address = "support@conc.example";
    if (cs_db_open(&db, db_path, CS_OPEN_CREATE) < 0 || cs_group_create(&group, db, "Support") < 0)
        goto fail;
    f.default_group_id = group;
    if (cs_channel_create(&channel, db, &f) < 0)
        goto fail;
    for (int w = 0; w < WORKERS; w++) {
        cs_agent_fields a = CS_AGENT_FIELDS_INIT;
        char name[32];
        snprintf(name, sizeof(name), "Agent %d", w);
        a.name = name;
        if (cs_agent_create(&agents[w], db, &a) < 0 ||
            cs_group_add_agent(db, group, agents[w]) < 0 ||
            cs_route_set_presence(db, agents[w], CS_PRESENCE_ONLINE) < 0)
            goto fail;
    }
    cs_db_close(db);
    return;
fail:
    fprintf(stderr, "setup: %s\n", cs_error_last()->message);
    exit(1);
}

int main(void)
{
    struct worker threads[THREADS];
    pid_t pids[PROCESSES];
    int errors = 0, status;

    setup();
    /* Fork before starting threads, so no child inherits a thread's half-held state. */
    for (int p = 0; p < PROCESSES; p++) {
        if ((pids[p] = fork()) < 0) {
            perror("fork");
            return 1;
        }
        if (pids[p] == 0)
            _exit(work(p, MESSAGES) ? 1 : 0);
    }
    for (int t = 0; t < THREADS; t++) {
        threads[t].n = PROCESSES + t;
        pthread_create(&threads[t].thread, NULL, thread_main, &threads[t]);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t].thread, NULL);
        errors += threads[t].errors;
    }
    for (int p = 0; p < PROCESSES; p++)
        if (waitpid(pids[p], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
            errors++;
    /* What the workers left (an item queued after a worker's last claim) goes out now. */
    errors += work(WORKERS, 0);
    expect("errors seen by callers", errors, 0);
    check();
    for (size_t i = 0; i < 3; i++) {
        static const char *suffixes[] = {"", "-wal", "-shm"};
        char file[640];
        snprintf(file, sizeof(file), "%s%s", db_path, suffixes[i]);
        unlink(file);
    }
    rmdir(dir);
    printf("concurrency: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
