/*
 * Crash consistency: a child ingests mail in a loop and is killed with SIGKILL at random
 * moments. After every kill the database must open, pass PRAGMA integrity_check, hold every
 * ingest the child reported as committed exactly once, and hold no half-made ticket.
 *
 * Every third mail the child also takes the next ticket for an agent (cs_route_next, which
 * commits without waiting for the disk): a kill of the process must not lose a pick it
 * reported either (only a power failure may), and no ticket is assigned twice.
 *
 * Every fourth step the child ingests BULK mails in one bulk section (cs_db_begin_bulk): a
 * kill leaves all of such a batch or none of it.
 *
 * The child reports an external id on a pipe after its ingest committed, so at most one
 * commit per round can be unreported (the one between commit and write). The
 * kill comes a random delay after the child's first report, so every round crashes a child
 * that is ingesting, however slowly the machine starts it (the last round starts it slowly
 * on purpose).
 *
 * CRASH_ROUNDS (default 25) and CRASH_SEED (default: the time) repeat a run.
 * Prints "N passed, N failed" (one per round) for scripts/test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libcs.h>
#include <sqlite3.h>

#define SENDERS 40
#define BULK 8 /* mails per bulk section */
#define CS_CRASH_STR_(x) #x
#define CS_CRASH_STR(x) CS_CRASH_STR_(x)
#define MAX_REPORTED 200000
/* The last round's child starts this slowly, as it may on a loaded machine. */
#define SLOW_START_US 250000

static char **reported; /* every external id a child reported, over all rounds */
static size_t nreported;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "crash: %s: %s\n", what, detail);
    exit(1);
}

/* The child: ingest until killed, mail from SENDERS customers, 30% replies. */
static int64_t agent; /* who takes tickets, in the channel's group */

static void report(int fd, const char *id)
{
    char line[80];
    int n = snprintf(line, sizeof(line), "%s\n", id);

    if (write(fd, line, (size_t)n) != n)
        _exit(1);
}

/* One mail from a random sender, a reply to its last one 30% of the time. */
static void ingest(cs_db *db, int64_t channel, const char *id, char last[][64])
{
    cs_inbound in = CS_INBOUND_INIT;
    cs_ingest_result *r = NULL;
    char sender[64], subject[64];
    int s = rand() % SENDERS;
    int reply = last[s][0] && rand() % 10 < 3;

    snprintf(sender, sizeof(sender), "customer%d@crash.example", s);
    snprintf(subject, sizeof(subject), "%sQuestion %.40s", reply ? "Re: " : "", id);
    in.channel_id = channel;
    in.external_id = id;
    in.sender = sender;
    in.subject = subject;
    in.body = "Where is my parcel? It should have arrived on Monday.";
    in.in_reply_to = reply ? last[s] : NULL;
    if (cs_ingest(&r, db, &in) < 0)
        die("child ingest", cs_error_last()->message);
    cs_ingest_result_free(r);
    snprintf(last[s], 64, "%.63s", id);
}

static void child(const char *path, int64_t channel, int round, int fd, bool slow)
{
    char last[SENDERS][64] = {{0}}, ids[BULK][64];
    cs_db *db = NULL;

    if (cs_db_open(&db, path, CS_OPEN_READWRITE) < 0)
        die("child open", cs_error_last()->message);
    if (slow)
        usleep(SLOW_START_US);
    srand((unsigned)getpid());
    for (long i = 0;; i++) {
        char line[80];
        int n, batch = i % 4 == 3 ? BULK : 1;

        if (batch > 1 && cs_db_begin_bulk(db) < 0)
            die("child bulk", cs_error_last()->message);
        for (int k = 0; k < batch; k++) {
            if (batch > 1)
                snprintf(ids[k], sizeof(ids[k]), "<r%d.b%ld.k%d@crash.example>", round, i, k);
            else
                snprintf(ids[k], sizeof(ids[k]), "<r%d.m%ld@crash.example>", round, i);
            ingest(db, channel, ids[k], last);
        }
        if (batch > 1 && cs_db_commit(db) < 0)
            die("child commit", cs_error_last()->message);
        for (int k = 0; k < batch; k++)
            report(fd, ids[k]);
        int64_t picked = 0;
        if (i % 3 == 2 && cs_route_next(&picked, db, agent) < 0)
            die("child pick", cs_error_last()->message);
        n = snprintf(line, sizeof(line), "T%lld\n", (long long)picked);
        if (picked && write(fd, line, (size_t)n) != n)
            _exit(1);
    }
}

static int64_t query_int(sqlite3 *db, const char *sql, const char *text)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        die(sql, sqlite3_errmsg(db));
    if (text)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int expect(int round, const char *what, int64_t got, int64_t want)
{
    if (got == want)
        return 0;
    fprintf(stderr, "round %d: %s: %lld, expected %lld\n", round, what, (long long)got,
            (long long)want);
    return 1;
}

/* Everything a kill must not break. */
static int check(const char *path, int round)
{
    cs_db *db = NULL;
    sqlite3 *sql = NULL;
    sqlite3_stmt *st = NULL;
    int failures = 0;

    /* libcs opens it (recovering the WAL) before anything else looks. */
    if (cs_db_open(&db, path, CS_OPEN_READWRITE) < 0) {
        fprintf(stderr, "round %d: open: %s\n", round, cs_error_last()->message);
        return 1;
    }
    if (sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        die("open", sqlite3_errmsg(sql));
    if (sqlite3_prepare_v2(sql, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
        die("integrity_check", sqlite3_errmsg(sql));
    if (sqlite3_step(st) != SQLITE_ROW || strcmp((const char *)sqlite3_column_text(st, 0), "ok")) {
        fprintf(stderr, "round %d: integrity_check: %s\n", round, sqlite3_column_text(st, 0));
        failures++;
    }
    sqlite3_finalize(st);
    failures += expect(round, "foreign key violations",
                       query_int(sql, "SELECT count(*) FROM pragma_foreign_key_check", NULL), 0);
    for (size_t i = 0; i < nreported; i++) {
        if (reported[i][0] == 'T') { /* a pick: the ticket is the agent's */
            char sql_text[96];
            snprintf(sql_text, sizeof(sql_text), "SELECT assignee_id FROM ticket WHERE id = %s",
                     reported[i] + 1);
            failures += expect(round, reported[i], query_int(sql, sql_text, NULL), agent);
            continue;
        }
        failures += expect(
            round, reported[i],
            query_int(sql, "SELECT count(*) FROM message WHERE external_id = ?1", reported[i]), 1);
        failures += expect(round, reported[i],
                           query_int(sql,
                                     "SELECT count(*) FROM ingest_log l JOIN message m"
                                     " ON m.id = l.message_id WHERE m.external_id = ?1",
                                     reported[i]),
                           1);
        if (failures > 5)
            break;
    }
    /* At most one commit (a bulk section's BULK ingests) per round without its report. */
    int64_t logged = query_int(sql, "SELECT count(*) FROM ingest_log", NULL), ingests = 0;
    for (size_t i = 0; i < nreported; i++)
        ingests += reported[i][0] != 'T';
    if (logged < ingests || logged > ingests + (round + 1) * BULK)
        failures += expect(round, "ingest_log rows", logged, ingests);
    failures += expect(round, "bulk sections kept in part",
                       query_int(sql,
                                 "SELECT count(*) FROM (SELECT count(*) AS n FROM message"
                                 " WHERE direction = 1 AND external_id LIKE '<r%.b%.k%'"
                                 " GROUP BY substr(external_id, 1, instr(external_id, '.k'))"
                                 " HAVING n <> " CS_CRASH_STR(BULK) ")",
                                 NULL),
                       0);
    failures += expect(round, "tickets assigned to nobody known",
                       query_int(sql,
                                 "SELECT count(*) FROM ticket WHERE assignee_id IS NOT NULL"
                                 " AND assignee_id <> (SELECT min(id) FROM agent)",
                                 NULL),
                       0);
    failures += expect(round, "inbound messages without a log row",
                       query_int(sql,
                                 "SELECT count(*) FROM message m WHERE direction = 1"
                                 " AND NOT EXISTS (SELECT 1 FROM ingest_log l"
                                 " WHERE l.message_id = m.id)",
                                 NULL),
                       0);
    failures += expect(round, "tickets without a message",
                       query_int(sql,
                                 "SELECT count(*) FROM ticket t WHERE NOT EXISTS"
                                 " (SELECT 1 FROM message m WHERE m.ticket_id = t.id)",
                                 NULL),
                       0);
    failures += expect(round, "messages without a ticket",
                       query_int(sql,
                                 "SELECT count(*) FROM message m WHERE NOT EXISTS"
                                 " (SELECT 1 FROM ticket t WHERE t.id = m.ticket_id)",
                                 NULL),
                       0);
    /* Mail channels send receipts by default: one per ticket, with its message. */
    failures += expect(round, "tickets without a receipt",
                       query_int(sql,
                                 "SELECT count(*) FROM ticket t WHERE NOT EXISTS"
                                 " (SELECT 1 FROM outbox o JOIN message m ON"
                                 " m.id = o.message_id WHERE o.ticket_id = t.id"
                                 " AND o.kind = 'receipt')",
                                 NULL),
                       0);
    failures += expect(round, "receipts without a new ticket",
                       query_int(sql, "SELECT count(*) FROM outbox", NULL),
                       query_int(sql, "SELECT count(*) FROM ticket", NULL));
    sqlite3_close(sql);
    cs_db_close(db);
    return failures ? 1 : 0;
}

/* Read the child's reports: `max` of them, or until it is gone. */
static void collect(FILE *f, size_t max)
{
    char line[128];

    for (size_t n = 0; n < max && fgets(line, sizeof(line), f); n++) {
        line[strcspn(line, "\n")] = '\0';
        if (nreported == MAX_REPORTED || !(reported[nreported] = strdup(line)))
            die("collect", "too many reports");
        nreported++;
    }
}

static int64_t setup(const char *path)
{
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    cs_agent_fields a = CS_AGENT_FIELDS_INIT;
    cs_db *db = NULL;
    int64_t id = 0, group = 0;

    a.name = "Anna";
    f.kind = CS_CHANNEL_EMAIL;
    f.name = "Mail";
    f.address = "support@crash.example";
    if (cs_db_open(&db, path, CS_OPEN_CREATE) < 0 || cs_group_create(&group, db, "Support") < 0 ||
        cs_agent_create(&agent, db, &a) < 0 || cs_group_add_agent(db, group, agent) < 0 ||
        cs_route_set_presence(db, agent, CS_PRESENCE_ONLINE) < 0)
        die("setup", cs_error_last()->message);
    f.default_group_id = group;
    if (cs_channel_create(&id, db, &f) < 0)
        die("setup", cs_error_last()->message);
    cs_db_close(db);
    return id;
}

int main(void)
{
    const char *tmp = getenv("TMPDIR"), *env_rounds = getenv("CRASH_ROUNDS");
    const char *env_seed = getenv("CRASH_SEED");
    int rounds = env_rounds ? atoi(env_rounds) : 25, passed = 0, failed = 0;
    unsigned seed = env_seed ? (unsigned)strtoul(env_seed, NULL, 10) : (unsigned)time(NULL);
    char dir[512], path[600];

    snprintf(dir, sizeof(dir), "%s/libcs-crash-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir) || !(reported = calloc(MAX_REPORTED, sizeof(*reported))))
        die("mkdtemp", strerror(errno));
    snprintf(path, sizeof(path), "%s/crash.db", dir);
    int64_t channel = setup(path);
    srand(seed);
    printf("crash: %d rounds, seed %u (CRASH_SEED=%u repeats it)\n", rounds, seed, seed);
    for (int round = 0; round < rounds; round++) {
        size_t before = nreported;
        int fds[2], status;
        pid_t pid;

        if (pipe(fds) < 0 || (pid = fork()) < 0)
            die("fork", strerror(errno));
        if (pid == 0) {
            close(fds[0]);
            child(path, channel, round, fds[1], round == rounds - 1);
        }
        close(fds[1]);
        /* Kill only after the child's first commit: how long it takes to start says nothing
         * about crashes, and on a loaded machine it can take longer than any delay. Then
         * anything from at once to ~100 ms, often inside an ingest. */
        FILE *f = fdopen(fds[0], "r");
        collect(f, 1);
        long delay_us = rand() % 100000;
        usleep((useconds_t)delay_us);
        kill(pid, SIGKILL);
        collect(f, SIZE_MAX);
        fclose(f);
        waitpid(pid, &status, 0);
        if (nreported == before) {
            fprintf(stderr, "round %d: the child committed nothing (status %d)\n", round, status);
            failed++;
            continue;
        }
        if (!WIFSIGNALED(status)) {
            fprintf(stderr, "round %d: the child ended by itself (status %d)\n", round, status);
            failed++;
            continue;
        }
        if (check(path, round) == 0)
            passed++;
        else
            failed++;
        size_t picks = 0;
        for (size_t i = 0; i < nreported; i++)
            picks += reported[i][0] == 'T';
        printf("round %2d: killed after %3ld ms, %zu ingests and %zu picks reported so far\n",
               round, delay_us / 1000, nreported - picks, picks);
    }
    size_t bulk = 0;
    for (size_t i = 0; i < nreported; i++)
        bulk += strstr(reported[i], ".k") != NULL;
    if (!bulk) {
        fprintf(stderr, "no bulk section was committed\n");
        failed++;
    }
    for (size_t i = 0; i < nreported; i++)
        free(reported[i]);
    free(reported);
    for (size_t i = 0; i < 3; i++) {
        static const char *suffixes[] = {"", "-wal", "-shm"};
        char file[640];
        snprintf(file, sizeof(file), "%s%s", path, suffixes[i]);
        unlink(file);
    }
    rmdir(dir);
    printf("crash: %d passed, %d failed\n", passed, failed);
    return failed || nreported == 0 ? 1 : 0;
}
