/*
 * Ingest throughput: N messages (default 200,000) from 20,000 customers over five channels
 * (email, chat, twitter, whatsapp, webform), 30% of them replies that thread into an
 * existing ticket (In-Reply-To, reply_to or the chat conversation), on a file database in a
 * temporary directory. Five modes, each in its own process so each has its own peak RSS:
 *
 *   raw    the ceiling: plain SQLite, one message-sized row (with a unique index on the
 *          external id) per commit, with the pragmas libcs sets (WAL, synchronous=FULL,
 *          foreign_keys=ON)
 *   single cs_ingest() with its own transaction per message: the durable default
 *   batch  K cs_ingest() calls per cs_db_begin()/cs_db_commit() section
 *   bulk   K cs_ingest() calls per cs_db_begin_bulk()/cs_db_commit() section (an import)
 *   replay the fair ceiling of each libcs mode that ran: the rows libcs itself commits, written
 *          with plain prepared statements. An untimed run of the single mode records every
 *          row change its connection commits (SQLite's pre-update hook; trigger-made rows
 *          too) and copies the database as it is after the setup; a timed run then writes
 *          the same rows into that copy, its triggers dropped, by rowid or primary key, with
 *          the pragmas libcs sets and the libcs mode's grouping into transactions (one
 *          message per commit for single, K for batch and bulk). An update that leaves its row as
 * it was (a touch within the same second) is counted, not replayed. It fails unless every table
 * then holds the rows libcs's database holds (count and content hash). See bench/replay.c.
 *
 * Prints messages per second, the libcs/raw and libcs/replay ratios and the peak RSS of each
 * mode, the row changes and transactions libcs commits per message; then, from WAL_COMMITS
 * more commits after a truncating checkpoint, the WAL bytes each commit appends
 * (per message for batch), and the database bytes per ticket and per message at the end.
 * Not a test: run it with `make bench`.
 *
 *   bench/ingest [-n N] [--batch K] [--modes raw,single,batch,bulk,replay,simple]
 *                [--curve STEP] [--max-rss KIB]
 *
 * simple (in the bytes section) ingests 10,000 short mails from new customers, each a new
 * ticket with the built-in receipt, and prints the database bytes per such ticket.
 *
 * --curve STEP also prints the rate of every STEP messages, from the empty file on.
 * --max-rss makes the run fail when a mode's peak RSS exceeds the limit. With BENCH_KEEP set
 * in the environment, the databases are left in the temporary directory for a look.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libcs.h>
#include <sqlite3.h>

#include "replay.h"

#define CUSTOMERS 20000
#define REPLY_PERCENT 30
#define WAL_COMMITS 100 /* messages measured for their WAL bytes, after the timed ones */

static long curve_step; /* --curve: report the rate of every curve_step messages */
static FILE *curve_out; /* the child's way to the terminal (its stdout is the pipe) */

static const int kinds[] = {CS_CHANNEL_EMAIL, CS_CHANNEL_CHAT, CS_CHANNEL_TWITTER,
                            CS_CHANNEL_WHATSAPP, CS_CHANNEL_WEBFORM};
#define NKINDS 5

struct workload {
    uint64_t rng;
    long *last;        /* per customer: the index of its latest message, or -1 */
    unsigned *session; /* per customer: its current chat session */
    int64_t channel[NKINDS];
    char sender[64], name[64], external_id[64], subject[96], reply[64], conversation[64];
    char body[400];
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t next_random(struct workload *w)
{
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return w->rng;
}

static void workload_init(struct workload *w)
{
    memset(w, 0, sizeof(*w));
    w->rng = 0x9E3779B97F4A7C15ull;
    w->last = malloc(CUSTOMERS * sizeof(*w->last));
    w->session = calloc(CUSTOMERS, sizeof(*w->session));
    if (!w->last || !w->session) {
        perror("malloc");
        exit(1);
    }
    for (int c = 0; c < CUSTOMERS; c++)
        w->last[c] = -1;
}

static void workload_free(struct workload *w)
{
    free(w->last);
    free(w->session);
}

static void external_id(char *buf, size_t size, int kind, long i)
{
    if (kind == CS_CHANNEL_EMAIL || kind == CS_CHANNEL_WEBFORM)
        snprintf(buf, size, "<m%ld.bench@mail.example>", i);
    else
        snprintf(buf, size, "m%ld", i);
}

/* Message i of the workload: who sends it, on which channel, and what it answers. */
static void make_message(struct workload *w, long i, cs_inbound *in)
{
    int c = (int)(next_random(w) % CUSTOMERS), k = c % NKINDS, kind = kinds[k];
    int reply = w->last[c] >= 0 && (int)(next_random(w) % 100) < REPLY_PERCENT;

    *in = (cs_inbound)CS_INBOUND_INIT;
    in->channel_id = w->channel[k];
    switch (kind) {
    case CS_CHANNEL_EMAIL:
    case CS_CHANNEL_WEBFORM:
        snprintf(w->sender, sizeof(w->sender), "customer%d@shop.example", c);
        break;
    case CS_CHANNEL_CHAT:
        snprintf(w->sender, sizeof(w->sender), "visitor-%d", c);
        break;
    case CS_CHANNEL_TWITTER:
        snprintf(w->sender, sizeof(w->sender), "user%d", c);
        break;
    default:
        snprintf(w->sender, sizeof(w->sender), "+4915%08d", c);
    }
    snprintf(w->name, sizeof(w->name), "Customer %d", c);
    external_id(w->external_id, sizeof(w->external_id), kind, i);
    in->sender = w->sender;
    in->sender_name = w->name;
    in->external_id = w->external_id;
    if (kind == CS_CHANNEL_EMAIL || kind == CS_CHANNEL_WEBFORM) {
        snprintf(w->subject, sizeof(w->subject), "%sOrder %d, question %ld", reply ? "Re: " : "", c,
                 reply ? w->last[c] : i);
        in->subject = w->subject;
    }
    if (reply) {
        external_id(w->reply, sizeof(w->reply), kind, w->last[c]);
        if (kind == CS_CHANNEL_EMAIL || kind == CS_CHANNEL_WEBFORM)
            in->in_reply_to = w->reply;
        else if (kind != CS_CHANNEL_CHAT)
            in->reply_to = w->reply;
    } else {
        w->session[c]++;
    }
    if (kind == CS_CHANNEL_CHAT) {
        snprintf(w->conversation, sizeof(w->conversation), "session-%d-%u", c, w->session[c]);
        in->conversation = w->conversation;
    }
    snprintf(w->body, sizeof(w->body),
             "Hello, this is message %ld from customer %d. My order has not arrived yet and "
             "the tracking page shows no update since Monday. Could you please check what "
             "happened and tell me when I can expect the parcel? The order number is %d-%ld. "
             "Thank you and kind regards.",
             i, c, c, i);
    in->body = w->body;
    w->last[c] = i;
}

static int setup_channels(cs_db *db, struct workload *w)
{
    static const char *names[] = {"Mail", "Chat", "Twitter", "WhatsApp", "Web form"};

    for (int k = 0; k < NKINDS; k++) {
        cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
        f.kind = kinds[k];
        f.name = names[k];
        f.address = kinds[k] == CS_CHANNEL_EMAIL ? "support@shop.example" : NULL;
        if (cs_channel_create(&w->channel[k], db, &f) < 0)
            return -1;
    }
    return 0;
}

static long file_size(const char *path, const char *suffix)
{
    char file[600];
    struct stat st;

    snprintf(file, sizeof(file), "%s%s", path, suffix);
    return stat(file, &st) == 0 ? (long)st.st_size : 0;
}

/* Through a connection of its own: checkpoint (truncating the WAL), then the database's bytes
 * and, when `count` is given, its single number. */
static long settle(const char *path, const char *count, long *counted)
{
    sqlite3 *s = NULL;
    sqlite3_stmt *st = NULL;
    long bytes = -1;

    if (sqlite3_open(path, &s) == SQLITE_OK &&
        sqlite3_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(s,
                           "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        bytes = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (count && sqlite3_prepare_v2(s, count, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        *counted = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(s);
    return bytes;
}

/* What the child hands back: rate, database bytes per ticket (row) and per message, and WAL
 * bytes per commit (per message in batch mode). */
static void report(double rate, long grown, long tickets, long messages, long wal, long commits)
{
    printf("%.0f %.0f %.0f %.0f\n", rate, tickets ? (double)grown / tickets : 0.0,
           messages ? (double)grown / messages : 0.0, commits ? (double)wal / commits : 0.0);
}

/* libcs: one transaction per message (batch 0), or `batch` messages per atomic section (a
 * bulk section with `bulk`). */
static int run_libcs(const char *path, long n, long batch, bool bulk)
{
    struct workload w;
    cs_db *db = NULL;
    long i;
    double t0;
    int rc = 0;

    workload_init(&w);
    if (cs_db_open(&db, path, CS_OPEN_CREATE) < 0 || setup_channels(db, &w) < 0) {
        fprintf(stderr, "setup: %s\n", cs_error_last()->message);
        return 1;
    }
    long base = settle(path, NULL, NULL), wal = 0, tickets = 0, messages = 0;
    double rate = 0;
    double t_seg = t0 = now();
    for (i = 0; i < n + WAL_COMMITS && rc == 0; i++) {
        cs_ingest_result *r = NULL;
        cs_inbound in;
        long first = i < n ? 0 : n, last = i < n ? n - 1 : n + WAL_COMMITS - 1;
        if (i == n) { /* the timed part is done: now the WAL bytes of the next commits */
            rate = n / (now() - t0);
            settle(path, NULL, NULL);
            wal = file_size(path, "-wal");
        }
        if (curve_step && i > 0 && i <= n && i % curve_step == 0) {
            fprintf(curve_out, "  %-6s %8ld..%-8ld %8.0f msg/s\n",
                    bulk    ? "bulk"
                    : batch ? "batch"
                            : "single",
                    i - curve_step, i, curve_step / (now() - t_seg));
            fflush(curve_out);
            t_seg = now();
        }
        make_message(&w, i, &in);
        if (batch && (i - first) % batch == 0 &&
            (bulk ? cs_db_begin_bulk(db) : cs_db_begin(db)) < 0)
            rc = -1;
        if (rc == 0 && cs_ingest(&r, db, &in) < 0)
            rc = -1;
        if (rc == 0 && r->duplicate)
            fprintf(stderr, "message %ld was taken for a duplicate\n", i), rc = -1;
        cs_ingest_result_free(r);
        if (rc == 0 && batch && ((i - first) % batch == batch - 1 || i == last) &&
            cs_db_commit(db) < 0)
            rc = -1;
    }
    if (rc < 0) {
        fprintf(stderr, "ingest %ld: %s\n", i - 1, cs_error_last()->message);
        return 1;
    }
    wal = file_size(path, "-wal") - wal;
    cs_db_close(db);
    settle(path, "SELECT count(*) FROM message", &messages);
    long grown = settle(path, "SELECT count(*) FROM ticket", &tickets) - base;
    report(rate, grown, tickets, messages, wal, WAL_COMMITS);
    workload_free(&w);
    return 0;
}

static int exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, err);
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

/* The ceiling: the same messages as plain rows, one autocommitted INSERT each. */
static int run_raw(const char *path, long n)
{
    struct workload w;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    double t0;

    workload_init(&w);
    if (sqlite3_open(path, &db) != SQLITE_OK || exec(db, "PRAGMA foreign_keys = ON") < 0 ||
        exec(db, "PRAGMA journal_mode = WAL") < 0 || exec(db, "PRAGMA synchronous = FULL") < 0 ||
        exec(db, "CREATE TABLE message (id INTEGER PRIMARY KEY, channel_id INTEGER NOT NULL,"
                 " external_id TEXT NOT NULL, sender TEXT NOT NULL, subject TEXT,"
                 " body TEXT NOT NULL, created_at INTEGER NOT NULL)") < 0 ||
        exec(db, "CREATE UNIQUE INDEX message_external ON message (channel_id, external_id)") < 0)
        return 1;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO message (channel_id, external_id, sender, subject, body,"
                           " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &st, NULL) != SQLITE_OK)
        return 1;
    for (int k = 0; k < NKINDS; k++)
        w.channel[k] = k + 1;
    long base = settle(path, NULL, NULL), wal = 0, rows = 0;
    double rate = 0;
    t0 = now();
    for (long i = 0; i < n + WAL_COMMITS; i++) {
        cs_inbound in;
        if (i == n) {
            rate = n / (now() - t0);
            settle(path, NULL, NULL);
            wal = file_size(path, "-wal");
        }
        make_message(&w, i, &in);
        sqlite3_bind_int64(st, 1, in.channel_id);
        sqlite3_bind_text(st, 2, in.external_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, in.sender, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, in.subject, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, in.body, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, (int64_t)time(NULL));
        if (sqlite3_step(st) != SQLITE_DONE) {
            fprintf(stderr, "insert %ld: %s\n", i, sqlite3_errmsg(db));
            return 1;
        }
        sqlite3_reset(st);
    }
    wal = file_size(path, "-wal") - wal;
    sqlite3_finalize(st);
    sqlite3_close(db);
    long grown = settle(path, "SELECT count(*) FROM message", &rows) - base;
    report(rate, grown, rows, rows, wal, WAL_COMMITS);
    workload_free(&w);
    return 0;
}

/* Where the capture keeps the libcs rows and the database they start from. */
static void replay_files(const char *dir, char *start, char *capture, size_t size)
{
    snprintf(start, size, "%s/replay-start.db", dir);
    snprintf(capture, size, "%s/capture.rows", dir);
}

/* Untimed: the single mode once more, each committed row change captured for the replay.
 * Hands back the capture's figures (replay_capture_stats) in place of report()'s. */
static int run_capture(const char *dir, const char *path, long n)
{
    char start[600], capture[600];
    struct workload w;
    cs_db *db = NULL;
    struct replay_capture_stats stats;

    replay_files(dir, start, capture, sizeof(start));
    workload_init(&w);
    if (replay_capture_arm() < 0 || cs_db_open(&db, path, CS_OPEN_CREATE) < 0 ||
        setup_channels(db, &w) < 0 || replay_capture_start(capture, start) < 0) {
        fprintf(stderr, "capture setup: %s\n", cs_error_last()->message);
        return 1;
    }
    for (long i = 0; i < n + WAL_COMMITS; i++) {
        cs_ingest_result *r = NULL;
        cs_inbound in;
        make_message(&w, i, &in);
        int rc = cs_ingest(&r, db, &in) < 0 || r->duplicate ? -1 : 0;
        cs_ingest_result_free(r);
        if (rc < 0) {
            fprintf(stderr, "capture, ingest %ld: %s\n", i, cs_error_last()->message);
            return 1;
        }
        if (replay_capture_mark() < 0)
            return 1;
    }
    cs_db_close(db);
    if (replay_capture_finish(&stats, path) < 0)
        return 1;
    printf("%f %f %ld %ld\n", stats.changes, stats.txns, stats.rollbacks, stats.noops);
    workload_free(&w);
    return 0;
}

/* The captured rows into a copy of the starting state, `per_commit` messages a commit. */
static int run_replay(const char *dir, const char *path, long n, long per_commit)
{
    char start[600], capture[600];
    struct replay_result r;
    long tickets = 0, messages = 0;

    replay_files(dir, start, capture, sizeof(start));
    if (replay_copy_file(start, path) < 0)
        return 1;
    long base = settle(path, NULL, NULL);
    if (replay_run(&r, path, capture, n, WAL_COMMITS, per_commit) < 0)
        return 1;
    settle(path, "SELECT count(*) FROM message", &messages);
    long grown = settle(path, "SELECT count(*) FROM ticket", &tickets) - base;
    report(r.rate, grown, tickets, messages, r.wal, WAL_COMMITS);
    return 0;
}

/* The child's work for one mode; `batch` is the messages per commit where the mode has it. */
/* The bytes of a simple mailed ticket with its receipt: SIMPLE_TICKETS mails, each a short
 * question from a new customer (with a display name) that opens a ticket and gets the
 * built-in receipt. Hands back the database's growth per ticket as it is and after VACUUM
 * (what the rows take, without the free space in pages that random inserts leave). */
#define SIMPLE_TICKETS 10000
static int run_simple(const char *path)
{
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    cs_db *db = NULL;
    sqlite3 *s = NULL;
    int64_t channel = 0;
    long base, grown, compact;
    int rc = 0;

    f.kind = CS_CHANNEL_EMAIL;
    f.name = "Mail";
    f.address = "support@shop.example";
    if (cs_db_open(&db, path, CS_OPEN_CREATE) < 0 || cs_channel_create(&channel, db, &f) < 0)
        return 1;
    cs_db_close(db);
    base = settle(path, NULL, NULL);
    if (cs_db_open(&db, path, CS_OPEN_READWRITE) < 0)
        return 1;
    for (long i = 0; i < SIMPLE_TICKETS && rc == 0; i++) {
        cs_inbound in = CS_INBOUND_INIT;
        cs_ingest_result *r = NULL;
        char sender[64], name[32], id[64], subject[32];
        snprintf(sender, sizeof(sender), "customer%ld@example.com", i);
        snprintf(name, sizeof(name), "Customer %ld", i);
        snprintf(id, sizeof(id), "<m%ld.simple@mail.example.com>", i);
        snprintf(subject, sizeof(subject), "Order %ld", 1000 + i);
        in.channel_id = channel;
        in.sender = sender;
        in.sender_name = name;
        in.external_id = id;
        in.subject = subject;
        in.body = "Hello, my order has not arrived yet. Could you please check where it is? "
                  "Thanks, Anna";
        if ((i % 1000 == 0 && cs_db_begin(db) < 0) || cs_ingest(&r, db, &in) < 0 ||
            (i % 1000 == 999 && cs_db_commit(db) < 0))
            rc = 1;
        cs_ingest_result_free(r);
    }
    cs_db_close(db);
    grown = settle(path, NULL, NULL) - base;
    if (rc || sqlite3_open(path, &s) != SQLITE_OK ||
        sqlite3_exec(s, "VACUUM", NULL, NULL, NULL) != SQLITE_OK)
        rc = 1;
    sqlite3_close(s);
    compact = settle(path, NULL, NULL) - base;
    printf("0 %.0f %.0f 0\n", (double)grown / SIMPLE_TICKETS, (double)compact / SIMPLE_TICKETS);
    return rc;
}

static int run_child(const char *dir, const char *mode, const char *path, long n, long batch)
{
    if (!strcmp(mode, "simple"))
        return run_simple(path);
    if (!strcmp(mode, "raw"))
        return run_raw(path, n);
    if (!strcmp(mode, "capture"))
        return run_capture(dir, path, n);
    if (!strncmp(mode, "replay-", 7))
        return run_replay(dir, path, n, batch);
    return run_libcs(path, n, strcmp(mode, "single") ? batch : 0, !strcmp(mode, "bulk"));
}

struct result {
    double rate;
    long rss_kib;
    double per_ticket, per_message, wal_per_commit;
};

/* Run one mode in a child on a fresh file; its rate comes back on a pipe. */
static int run_mode(struct result *out, const char *dir, const char *mode, long n, long batch)
{
    char path[512], line[256] = "";
    struct rusage ru;
    int fds[2], status;
    pid_t pid;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s.db", dir, mode);
    fflush(stdout); /* or the child's stdout would hand on what the parent has not written */
    if (pipe(fds) < 0 || (pid = fork()) < 0) {
        perror("fork");
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        curve_out = fdopen(dup(STDOUT_FILENO), "w");
        dup2(fds[1], STDOUT_FILENO);
        int rc = run_child(dir, mode, path, n, batch);
        fflush(stdout);
        _exit(rc);
    }
    close(fds[1]);
    f = fdopen(fds[0], "r");
    if (!f || !fgets(line, sizeof(line), f))
        line[0] = '\0';
    if (f)
        fclose(f);
    if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s mode failed\n", mode);
        return -1;
    }
    if (sscanf(line, "%lf %lf %lf %lf", &out->rate, &out->per_ticket, &out->per_message,
               &out->wal_per_commit) != 4) {
        fprintf(stderr, "%s mode: unreadable result \"%s\"\n", mode, line);
        return -1;
    }
    out->rss_kib = ru.ru_maxrss;
    for (size_t i = 0; i < 3 && !getenv("BENCH_KEEP"); i++) {
        static const char *suffixes[] = {"", "-wal", "-shm"};
        char file[600];
        snprintf(file, sizeof(file), "%s%s", path, suffixes[i]);
        unlink(file);
    }
    return 0;
}

/* A libcs mode measured against the replay of its rows, with its grouping into commits. */
struct replayed {
    const char *mode, *label; /* label: for the bytes lines, "single:" */
    long per_commit;          /* messages per transaction */
    const struct result *libcs;
    struct result replay;
};

static void replay_label(char *buf, size_t size, long per_commit)
{
    if (per_commit == 1)
        snprintf(buf, size, "1 ingest/commit:");
    else
        snprintf(buf, size, "%ld ingests/commit:", per_commit);
}

/* One capture, then a replay for each libcs mode that ran. */
static int run_replays(const char *dir, long n, struct replayed *r, size_t count)
{
    char start[600], capture[600], mode[64], label[64];
    struct result captured = {0};
    int failed = 0, wanted = 0;

    for (size_t i = 0; i < count; i++)
        wanted |= r[i].libcs->rate > 0;
    if (!wanted)
        return 0;
    replay_files(dir, start, capture, sizeof(start));
    if (run_mode(&captured, dir, "capture", n, 0) < 0)
        failed = 1;
    else
        printf("replay: libcs commits %.1f row changes in %.2f transactions per message (untimed"
               " capture; %.0f rolled back, %.0f updates left their row as it was)\n",
               captured.rate, captured.per_ticket, captured.per_message, captured.wal_per_commit);
    for (size_t i = 0; i < count && !failed; i++) {
        if (r[i].libcs->rate <= 0)
            continue;
        snprintf(mode, sizeof(mode), "replay-%s", r[i].mode);
        if (run_mode(&r[i].replay, dir, mode, n, r[i].per_commit) < 0) {
            failed = 1;
            break;
        }
        replay_label(label, sizeof(label), r[i].per_commit);
        printf("replay of libcs's rows, %-19s %8.0f msg/s   libcs / replay: %.3f\n", label,
               r[i].replay.rate, r[i].libcs->rate / r[i].replay.rate);
        fflush(stdout);
    }
    if (!failed)
        printf("replay: every table ends with the rows of libcs's database (count and content)\n");
    if (!getenv("BENCH_KEEP"))
        unlink(start), unlink(capture);
    return failed ? -1 : 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: ingest [-n N] [--batch K] [--modes raw,single,batch,bulk,replay,simple]"
                    " [--curve STEP] [--max-rss KIB]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    long n = 200000, batch = 1000, max_rss = 0;
    const char *modes = "raw,single,batch,bulk,replay,simple";
    struct result raw = {0}, single = {0}, batched = {0}, bulk = {0}, simple = {0};
    const char *tmp = getenv("TMPDIR");
    char dirbuf[512];
    int failed = 0;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            n = atol(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = atol(argv[++i]);
        else if (!strcmp(argv[i], "--modes") && i + 1 < argc)
            modes = argv[++i];
        else if (!strcmp(argv[i], "--curve") && i + 1 < argc)
            curve_step = atol(argv[++i]);
        else if (!strcmp(argv[i], "--max-rss") && i + 1 < argc)
            max_rss = atol(argv[++i]);
        else
            usage();
    }
    if (n < 1 || batch < 1 || curve_step < 0)
        usage();
    snprintf(dirbuf, sizeof(dirbuf), "%s/libcs-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dirbuf)) {
        perror(dirbuf);
        return 1;
    }
    printf("ingest: %ld messages, %d customers, %d channels, %d%% replies (%s)\n", n, CUSTOMERS,
           NKINDS, REPLY_PERCENT, dirbuf);
    fflush(stdout);
    if (strstr(modes, "raw")) {
        failed |= run_mode(&raw, dirbuf, "raw", n, 0) < 0;
        printf("raw sqlite, 1 row/commit:   %8.0f msg/s   peak RSS %6ld KiB\n", raw.rate,
               raw.rss_kib);
        fflush(stdout);
    }
    if (strstr(modes, "single")) {
        failed |= run_mode(&single, dirbuf, "single", n, 0) < 0;
        printf("libcs, 1 ingest/commit:     %8.0f msg/s   peak RSS %6ld KiB\n", single.rate,
               single.rss_kib);
        if (raw.rate > 0)
            printf("libcs / raw:                %8.3f (target >= 0.25)\n", single.rate / raw.rate);
        fflush(stdout);
    }
    if (strstr(modes, "batch")) {
        failed |= run_mode(&batched, dirbuf, "batch", n, batch) < 0;
        printf("libcs, %5ld ingests/commit: %8.0f msg/s   peak RSS %6ld KiB\n", batch, batched.rate,
               batched.rss_kib);
        fflush(stdout);
    }
    if (strstr(modes, "bulk")) {
        failed |= run_mode(&bulk, dirbuf, "bulk", n, batch) < 0;
        printf("libcs, %5ld ingests/bulk:   %8.0f msg/s   peak RSS %6ld KiB\n", batch, bulk.rate,
               bulk.rss_kib);
        if (batched.rate > 0)
            printf("libcs bulk / batch:         %8.3f\n", bulk.rate / batched.rate);
    }
    struct replayed replays[] = {
        {.mode = "single", .label = "single:", .per_commit = 1, .libcs = &single},
        {.mode = "batch", .label = "batch:", .per_commit = batch, .libcs = &batched}};
    size_t nreplays = sizeof(replays) / sizeof(replays[0]);
    if (strstr(modes, "replay"))
        failed |= run_replays(dirbuf, n, replays, nreplays) < 0;
    /* Bulk commits the rows batch commits, grouped the same: batch's replay is its ceiling. */
    if (bulk.rate > 0 && replays[1].replay.rate > 0)
        printf("libcs bulk / replay:        %8.3f (the batch replay: the same rows)\n",
               bulk.rate / replays[1].replay.rate);
    printf("bytes (%d commits after a truncating checkpoint; database at the end):\n", WAL_COMMITS);
    if (raw.rate > 0)
        printf("  raw sqlite:   WAL %6.0f B per commit      database %5.0f B per row\n",
               raw.wal_per_commit, raw.per_message);
    if (single.rate > 0)
        printf("  libcs single: WAL %6.0f B per commit      database %5.0f B per ticket, %5.0f B"
               " per message\n",
               single.wal_per_commit, single.per_ticket, single.per_message);
    if (batched.rate > 0)
        printf("  libcs batch:  WAL %6.0f B per message\n", batched.wal_per_commit);
    if (bulk.rate > 0)
        printf("  libcs bulk:   WAL %6.0f B per message\n", bulk.wal_per_commit);
    if (strstr(modes, "simple") && run_mode(&simple, dirbuf, "simple", n, 0) == 0)
        printf("  a simple mailed ticket with its receipt: database %5.0f B as grown, %5.0f B"
               " compacted (%d tickets)\n",
               simple.per_ticket, simple.per_message, SIMPLE_TICKETS);
    else if (strstr(modes, "simple"))
        failed = 1;
    for (size_t i = 0; i < nreplays; i++)
        if (replays[i].replay.rate > 0)
            printf("  replay %-7s WAL %6.0f B per %-7s     database %5.0f B per ticket, %5.0f B"
                   " per message\n",
                   replays[i].label, replays[i].replay.wal_per_commit,
                   replays[i].per_commit == 1 ? "commit" : "message", replays[i].replay.per_ticket,
                   replays[i].replay.per_message);
    if (!getenv("BENCH_KEEP"))
        rmdir(dirbuf);
    if (max_rss) {
        long worst = raw.rss_kib > single.rss_kib ? raw.rss_kib : single.rss_kib;
        worst = batched.rss_kib > worst ? batched.rss_kib : worst;
        worst = bulk.rss_kib > worst ? bulk.rss_kib : worst;
        printf("peak RSS %ld KiB %s the limit of %ld KiB\n", worst,
               worst <= max_rss ? "within" : "OVER", max_rss);
        failed |= worst > max_rss;
    }
    return failed;
}
