/*
 * csdesk import: run a file of requests, one {"method": ..., "request": {...}} per line.
 *
 * The lines run in batches, each one atomic section of at most --batch lines (default
 * 1000) that holds the write lock for about half a second at most. Between batches the
 * import pauses for longer than a waiting libcs handle takes to look again, so other
 * writers get their turn instead of failing with EBUSY.
 *
 * A batch runs in a bulk section (cs_db_begin_bulk), without a savepoint per line. When a
 * line fails there, the batch is rolled back and run again in an ordinary section, line by
 * line, each a savepoint: that run reports the failing line as it always did (a failure
 * that does not recur there, a busy database say, no longer stops the import).
 *
 * Each batch also records, in its own section, how far the import got: the bytes and lines
 * read and a checksum of those bytes (cs_progress_set). A re-run of the same file after a
 * kill or a failing line therefore continues after the last committed batch, and no line
 * runs twice; if the lines already imported have changed, it refuses (--restart starts
 * over). A finished import forgets its progress, so importing a file again runs it again.
 */
#define _GNU_SOURCE /* getline, realpath */
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "csdesk.h"

#define BATCH_LINES 1000
#define BATCH_MS 500
#define PAUSE_MS 20 /* a handle waiting for the lock looks again every 8 ms at most */

struct import {
    struct cli *cli;
    const char *file;
    FILE *f;
    char job[PATH_MAX + 32];
    long long size;            /* of a regular file, for the progress bar; else 0 */
    unsigned long long offset; /* bytes read */
    uint64_t sum;              /* FNV-1a of those bytes */
    size_t line;               /* lines read */
    size_t kept;               /* the last line of the last committed batch */
    size_t done;               /* requests this run ran */
    struct held {              /* the lines of the open batch, to run again */
        char *text;
        size_t len, line;
    } * held;
    size_t n_held, cap_held;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Count a line read into the position. */
static void account(struct import *im, const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        im->sum = (im->sum ^ (unsigned char)line[i]) * 0x100000001b3ull;
    im->offset += len;
    im->line++;
}

/* Skip what an earlier run committed, if the file still starts with it. */
static int resume(struct import *im, bool restart)
{
    unsigned long long offset;
    char *pos = NULL, *line = NULL;
    size_t cap = 0, lines;
    uint64_t sum;
    ssize_t len;
    int rc = cs_progress_get(&pos, im->cli->db, im->job), parsed;

    if (rc < 0)
        return cli_fail(im->cli, rc);
    if (!pos)
        return 0;
    parsed = sscanf(pos, "%llu %zu %" SCNx64, &offset, &lines, &sum);
    cs_str_free(pos);
    if (restart) {
        rc = cs_progress_set(im->cli->db, im->job, NULL);
        return rc < 0 ? cli_fail(im->cli, rc) : 0;
    }
    while (parsed == 3 && im->offset < offset && (len = getline(&line, &cap, im->f)) > 0)
        account(im, line, (size_t)len);
    free(line);
    if (parsed != 3 || im->offset != offset || im->line != lines || im->sum != sum) {
        fprintf(stderr,
                "csdesk: %s: an earlier import of this file stopped after line %zu, "
                "and those lines have changed since; `csdesk import --restart %s` "
                "imports the whole file again\n",
                im->file, parsed == 3 ? lines : 0, im->file);
        return EXIT_FAILURE;
    }
    im->kept = lines;
    fprintf(stderr, "csdesk: %s: an earlier import stopped here: continuing after line %zu\n",
            im->file, lines);
    return 0;
}

/* Commit the batch with the position after it (or, for the last, forget the position). */
static int commit(struct import *im, bool last)
{
    char pos[96];
    int rc;

    snprintf(pos, sizeof(pos), "%llu %zu %016" PRIx64, im->offset, im->line, im->sum);
    if ((rc = cs_progress_set(im->cli->db, im->job, last ? NULL : pos)) < 0) {
        cs_db_rollback(im->cli->db);
        return cli_fail(im->cli, rc);
    }
    if ((rc = cs_db_commit(im->cli->db)) < 0)
        return cli_fail(im->cli, rc);
    im->kept = im->line;
    return 0;
}

/* The request of line number `at`; `quiet` (in a bulk section) reports no failure, which
 * the ordinary run after it reports. */
static int run_line(struct import *im, const char *line, size_t len, size_t at, bool quiet)
{
    /* A NUL byte would end the request early without a word. */
    bool nul = strlen(line) != len;
    json_t *o = nul ? NULL : json_loads(line, 0, NULL);
    const char *method = json_string_value(json_object_get(o, "method"));
    char *req, *resp = NULL;
    int rc;

    if (!method) {
        if (!quiet)
            fprintf(stderr, "csdesk: %s:%zu: %s\n", im->file, at,
                    nul ? "a NUL byte in the line" : "not {\"method\": ..., \"request\": {...}}");
        json_decref(o);
        return EXIT_FAILURE;
    }
    json_t *request = json_object_get(o, "request");
    if (quiet) {
        req = request ? json_dumps(request, JSON_COMPACT) : NULL;
        rc = cs_call(&resp, im->cli->db, method, req) < 0 ? EXIT_FAILURE : 0;
        cs_str_free(resp);
        free(req);
    } else if ((rc = cli_call(im->cli, NULL, method, json_incref(request))))
        fprintf(stderr, "csdesk: %s:%zu: %s failed\n", im->file, at, method);
    if (!rc)
        im->done++;
    json_decref(o);
    return rc;
}

/* Keep a line of the open batch. */
static int hold(struct import *im, const char *line, size_t len)
{
    struct held *bigger;
    char *copy = malloc(len + 1);

    if (im->n_held == im->cap_held &&
        (bigger = realloc(im->held, (im->cap_held * 2 + 16) * sizeof(*bigger))) != NULL) {
        im->held = bigger;
        im->cap_held = im->cap_held * 2 + 16;
    }
    if (!copy || im->n_held == im->cap_held) {
        free(copy);
        fprintf(stderr, "csdesk: out of memory\n");
        return EXIT_FAILURE;
    }
    memcpy(copy, line, len + 1);
    im->held[im->n_held++] = (struct held){copy, len, im->line};
    return 0;
}

static void drop_held(struct import *im)
{
    while (im->n_held)
        free(im->held[--im->n_held].text);
}

/* A line of the bulk batch failed: roll the batch back and run it again, line by line, in
 * an ordinary section, which reports a failing line as a single run would. */
static int run_again(struct import *im, size_t done_before)
{
    int rc;

    cs_db_rollback(im->cli->db);
    im->done = done_before;
    if ((rc = cs_db_begin(im->cli->db)) < 0)
        return cli_fail(im->cli, rc);
    for (size_t i = 0; i < im->n_held; i++) {
        struct held *h = &im->held[i];
        if ((rc = run_line(im, h->text, h->len, h->line, false)))
            return rc;
    }
    return 0;
}

static void show_progress(const struct import *im)
{
    if (im->size > 0)
        fprintf(stderr, "\rimporting [%-40.*s] %3lld%%", (int)(40 * im->offset / im->size),
                "########################################", 100 * (long long)im->offset / im->size);
}

static int run_batches(struct import *im, size_t batch)
{
    char *line = NULL;
    size_t cap = 0, in_batch = 0, done_before = 0;
    int64_t started = 0;
    bool bulk = false;
    ssize_t len;
    int rc = 0;

    while (!rc && (len = getline(&line, &cap, im->f)) > 0) {
        account(im, line, (size_t)len);
        if (line[strspn(line, " \t\r\n")] == '\0')
            continue;
        if (!in_batch++) {
            if ((rc = cs_db_begin_bulk(im->cli->db)) < 0) {
                rc = cli_fail(im->cli, rc);
                break;
            }
            started = now_ms();
            done_before = im->done;
            bulk = true;
        }
        if (bulk && !(rc = hold(im, line, (size_t)len)) &&
            (rc = run_line(im, line, (size_t)len, im->line, true))) {
            rc = run_again(im, done_before);
            bulk = false;
        } else if (!bulk)
            rc = run_line(im, line, (size_t)len, im->line, false);
        if (!rc && (in_batch == batch || now_ms() - started >= BATCH_MS)) {
            rc = commit(im, false);
            drop_held(im);
            in_batch = 0;
            /* Let the writers that waited for this batch in before the next one. */
            nanosleep(&(struct timespec){0, PAUSE_MS * 1000000L}, NULL);
        }
        show_progress(im);
    }
    free(line);
    drop_held(im);
    free(im->held);
    if (!rc && ferror(im->f)) {
        perror(im->file);
        rc = EXIT_FAILURE;
    }
    if (rc) {
        if (in_batch)
            cs_db_rollback(im->cli->db);
        return rc;
    }
    if (in_batch)
        return commit(im, true);
    rc = cs_progress_set(im->cli->db, im->job, NULL);
    return rc < 0 ? cli_fail(im->cli, rc) : 0;
}

static int parse_batch(size_t *out, const char *text)
{
    char *end;
    unsigned long v;

    if (!text)
        return 0;
    v = strtoul(text, &end, 10);
    if (*end || end == text || v < 1 || v > 1000000 || *text == '-')
        return -1;
    *out = v;
    return 0;
}

static void job_name(struct import *im)
{
    char *real = realpath(im->file, NULL);

    snprintf(im->job, sizeof(im->job), "csdesk import %s", real ? real : im->file);
    free(real);
}

int cli_cmd_import(struct cli *cli, int argc, char **argv)
{
    struct import im = {cli, NULL, NULL, "", 0, 0, 0xcbf29ce484222325ull, 0, 0, 0, NULL, 0, 0};
    size_t batch = BATCH_LINES;
    struct stat st;
    json_t *done;
    int rc;

    CLI_PARSE("import", 1);
    if (parse_batch(&batch, cli_opt(cli, "batch")) < 0)
        return cli_error(cli, EXIT_USAGE, "--batch takes a number from 1 to 1000000, not \"%s\"",
                         cli_opt(cli, "batch"));
    im.file = cli->pos[0];
    if (!(im.f = fopen(im.file, "r"))) {
        perror(im.file);
        return EXIT_FAILURE;
    }
    if (isatty(STDERR_FILENO) && fstat(fileno(im.f), &st) == 0 && S_ISREG(st.st_mode))
        im.size = (long long)st.st_size;
    job_name(&im);
    if ((rc = cli_open(cli, CS_OPEN_READWRITE)) || (rc = resume(&im, cli_flag(cli, "restart")))) {
        fclose(im.f);
        return rc;
    }
    rc = run_batches(&im, batch);
    if (im.size > 0)
        fprintf(stderr, "\n");
    fclose(im.f);
    if (rc && im.kept)
        fprintf(stderr,
                "csdesk: lines 1-%zu are imported; run the same import again to "
                "continue after line %zu\n",
                im.kept, im.kept);
    else if (rc)
        fprintf(stderr, "csdesk: nothing imported\n");
    else if (cli->json) {
        done = json_pack("{s:I}", "imported", (json_int_t)im.done);
        cli_print_json(done);
        json_decref(done);
    } else
        printf("imported %zu requests\n", im.done);
    return rc;
}
