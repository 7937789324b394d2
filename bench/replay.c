/*
 * Capture and replay of a libcs connection's row changes (see replay.h).
 *
 * The capture file is a stream of records, each a tag byte and a 32-bit payload length:
 *   'I', 'U', 'D'  a row change: table index (16 bits), rowid (64), a mask of the columns
 *                  whose values follow (64), the old primary key values (UPDATE and DELETE on
 *                  a WITHOUT ROWID table), then the masked columns' new values
 *   'M'            the end of one unit of work (a message), after its commit
 *   'E'            the end: every table's row count and content hash
 * after a header with the table names. A value is a type byte and its bytes. One process
 * writes and reads it, so the numbers are in the machine's own byte order.
 */
/* The system's SQLite is built with the pre-update hook (replay_capture_arm() checks); its
 * header declares it only when told so. */
#define SQLITE_ENABLE_PREUPDATE_HOOK
#include "replay.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#define MAGIC "libcs-replay 1\n"
#define MAX_COLUMNS 64 /* a mask of 64 bits names the columns of a change */

struct cached {
    char op;
    uint64_t mask;
    sqlite3_stmt *st;
};

struct table {
    char *name;
    int rowid;       /* a rowid table: changes name their row by rowid */
    int ncol;        /* columns in table order, generated ones included */
    uint64_t stored; /* the columns a row carries: not generated, not the rowid's alias */
    char *col[MAX_COLUMNS];
    int npk, pk[MAX_COLUMNS]; /* WITHOUT ROWID: the primary key's columns in key order */
    struct cached *stmts;     /* the replay's statements, one per op and column mask */
    int nstmts;
};

struct schema {
    struct table *t;
    int n;
};

struct buf {
    unsigned char *p;
    size_t len, cap;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "replay: %s: %s\n", sql, err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

/* ---- the tables both sides know the same way ---- */

/* A virtual generated column is not in the stored record, so the hook's column numbers skip
 * it; they are the table's own only while no such column precedes a stored one. */
static int load_columns(sqlite3 *db, struct table *t)
{
    sqlite3_stmt *st = NULL;
    int virtual_seen = 0, rc = 0, pkcol = -1, pktype = 0;

    if (sqlite3_prepare_v2(db, "SELECT name, type, pk, hidden FROM pragma_table_xinfo(?)", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        int i = t->ncol++, pk = sqlite3_column_int(st, 2), hidden = sqlite3_column_int(st, 3);
        if (i >= MAX_COLUMNS || (virtual_seen && hidden != 2)) {
            fprintf(stderr, "replay: table %s: columns not supported\n", t->name);
            rc = -1;
            break;
        }
        t->col[i] = strdup((const char *)sqlite3_column_text(st, 0));
        virtual_seen |= hidden == 2;
        if (hidden == 0)
            t->stored |= (uint64_t)1 << i;
        if (pk > 0 && pk <= MAX_COLUMNS) {
            t->pk[pk - 1] = i, t->npk = pk > t->npk ? pk : t->npk;
            pkcol = i;
            pktype = !sqlite3_stricmp((const char *)sqlite3_column_text(st, 1), "INTEGER");
        }
    }
    sqlite3_finalize(st);
    /* An INTEGER PRIMARY KEY is the rowid itself: the rowid carries it. */
    if (t->rowid && t->npk == 1 && pktype)
        t->stored &= ~((uint64_t)1 << pkcol);
    return rc;
}

/* Every table of the main schema, by name. */
static int load_schema(sqlite3 *db, struct schema *s)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    memset(s, 0, sizeof(*s));
    if (sqlite3_prepare_v2(db,
                           "SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND"
                           " type = 'table' AND name NOT IN ('sqlite_schema', 'sqlite_master')"
                           " ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "replay: table list: %s\n", sqlite3_errmsg(db));
        return -1;
    }
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        struct table *more = realloc(s->t, (s->n + 1) * sizeof(*s->t));
        if (!more) {
            rc = -1;
            break;
        }
        s->t = more;
        struct table *t = &s->t[s->n++];
        memset(t, 0, sizeof(*t));
        t->name = strdup((const char *)sqlite3_column_text(st, 0));
        t->rowid = !sqlite3_column_int(st, 1);
        rc = load_columns(db, t);
    }
    sqlite3_finalize(st);
    return rc;
}

static void free_schema(struct schema *s)
{
    for (int i = 0; i < s->n; i++) {
        struct table *t = &s->t[i];
        for (int c = 0; c < t->ncol; c++)
            free(t->col[c]);
        for (int j = 0; j < t->nstmts; j++)
            sqlite3_finalize(t->stmts[j].st);
        free(t->stmts);
        free(t->name);
    }
    free(s->t);
    memset(s, 0, sizeof(*s));
}

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* A table's rows and the sum of their hashes (rowid and every column): equal contents give
 * equal sums whatever the order the rows come in. */
static int table_sum(sqlite3 *db, const struct table *t, int64_t *rows, uint64_t *sum)
{
    char *sql = sqlite3_mprintf("SELECT %s* FROM \"%w\"", t->rowid ? "rowid, " : "", t->name);
    sqlite3_stmt *st = NULL;
    int rc;

    *rows = 0, *sum = 0;
    if (!sql || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "replay: %s: %s\n", t->name, sqlite3_errmsg(db));
        sqlite3_free(sql);
        return -1;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t h = 0xcbf29ce484222325ull;
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            unsigned char type = (unsigned char)sqlite3_column_type(st, c);
            int64_t i = sqlite3_column_int64(st, c);
            double f = sqlite3_column_double(st, c);
            h = fnv(h, &type, 1);
            if (type == SQLITE_INTEGER)
                h = fnv(h, &i, sizeof(i));
            else if (type == SQLITE_FLOAT)
                h = fnv(h, &f, sizeof(f));
            else if (type != SQLITE_NULL)
                h = fnv(h, sqlite3_column_blob(st, c), (size_t)sqlite3_column_bytes(st, c));
        }
        *sum += h, ++*rows;
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int checkpoint(sqlite3 *db)
{
    int log = -1, done = -1;

    if (sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_TRUNCATE, &log, &done) !=
            SQLITE_OK ||
        log != 0) {
        fprintf(stderr, "replay: checkpoint: %s\n", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

int replay_copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    char chunk[1 << 16];
    size_t n;
    int rc = in && out ? 0 : -1;

    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), in)) > 0)
        rc = fwrite(chunk, 1, n, out) == n ? 0 : -1;
    if (in && ferror(in))
        rc = -1;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = -1;
    if (rc < 0)
        fprintf(stderr, "replay: cannot copy %s to %s\n", from, to);
    return rc;
}

/* ---- capture ---- */

static struct {
    int armed, on;
    const char *failed; /* why the capture is not faithful, reported at the next mark */
    sqlite3 *db;        /* the hooked connection */
    struct schema schema;
    struct buf txn; /* the open transaction's changes: a rollback drops them */
    FILE *out;
    long changes, txns, rollbacks, units, noops;
} cap;

static void put(struct buf *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        size_t size = b->cap ? b->cap : 4096;
        while (size < b->len + n)
            size *= 2;
        unsigned char *p = realloc(b->p, size);
        if (!p) {
            cap.failed = "out of memory";
            return;
        }
        b->p = p, b->cap = size;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_value(struct buf *b, sqlite3_value *v)
{
    unsigned char type = (unsigned char)sqlite3_value_type(v);
    int64_t i;
    double f;
    uint32_t n;

    put(b, &type, 1);
    switch (type) {
    case SQLITE_INTEGER:
        i = sqlite3_value_int64(v);
        put(b, &i, sizeof(i));
        break;
    case SQLITE_FLOAT:
        f = sqlite3_value_double(v);
        put(b, &f, sizeof(f));
        break;
    case SQLITE_TEXT:
    case SQLITE_BLOB:
        n = (uint32_t)sqlite3_value_bytes(v);
        put(b, &n, sizeof(n));
        put(b, type == SQLITE_TEXT ? (const void *)sqlite3_value_text(v) : sqlite3_value_blob(v),
            n);
        break;
    }
}

static int values_equal(sqlite3_value *a, sqlite3_value *b)
{
    int type = sqlite3_value_type(a);

    if (type != sqlite3_value_type(b))
        return 0;
    switch (type) {
    case SQLITE_INTEGER:
        return sqlite3_value_int64(a) == sqlite3_value_int64(b);
    case SQLITE_FLOAT:
        return sqlite3_value_double(a) == sqlite3_value_double(b);
    case SQLITE_NULL:
        return 1;
    default:
        return sqlite3_value_bytes(a) == sqlite3_value_bytes(b) &&
               !memcmp(sqlite3_value_blob(a), sqlite3_value_blob(b),
                       (size_t)sqlite3_value_bytes(a));
    }
}

/* An UPDATE names only the columns it changed, as a hand-written one would: SET on a column
 * makes SQLite rewrite the index entries over it even when the value stays. */
static uint64_t changed_columns(sqlite3 *db, const struct table *t)
{
    uint64_t mask = 0;

    for (int c = 0; c < t->ncol; c++) {
        sqlite3_value *old = NULL, *new = NULL;
        if (!(t->stored >> c & 1))
            continue;
        if (sqlite3_preupdate_old(db, c, &old) != SQLITE_OK ||
            sqlite3_preupdate_new(db, c, &new) != SQLITE_OK)
            cap.failed = "unreadable column in an update";
        else if (!values_equal(old, new))
            mask |= (uint64_t)1 << c;
    }
    return mask;
}

static void record(sqlite3 *db, int index, const struct table *t, int op, int64_t rowid)
{
    char tag = op == SQLITE_INSERT ? 'I' : op == SQLITE_UPDATE ? 'U' : 'D';
    uint64_t mask = op == SQLITE_INSERT   ? t->stored
                    : op == SQLITE_UPDATE ? changed_columns(db, t)
                                          : 0;
    uint16_t table = (uint16_t)index;
    uint32_t len = 0;
    size_t start;

    if (op == SQLITE_UPDATE && !mask) { /* rewrites a row as it was: no change to replay */
        cap.noops++;
        return;
    }
    put(&cap.txn, &tag, 1);
    start = cap.txn.len;
    put(&cap.txn, &len, sizeof(len));
    put(&cap.txn, &table, sizeof(table));
    put(&cap.txn, &rowid, sizeof(rowid));
    put(&cap.txn, &mask, sizeof(mask));
    for (int k = 0; !t->rowid && op != SQLITE_INSERT && k < t->npk; k++) {
        sqlite3_value *v = NULL;
        if (sqlite3_preupdate_old(db, t->pk[k], &v) != SQLITE_OK)
            cap.failed = "unreadable primary key";
        else
            put_value(&cap.txn, v);
    }
    for (int c = 0; c < t->ncol; c++) {
        sqlite3_value *v = NULL;
        if (!(mask >> c & 1))
            continue;
        if (sqlite3_preupdate_new(db, c, &v) != SQLITE_OK)
            cap.failed = "unreadable new value";
        else
            put_value(&cap.txn, v);
    }
    if (cap.failed)
        return;
    len = (uint32_t)(cap.txn.len - start - sizeof(len));
    memcpy(cap.txn.p + start, &len, sizeof(len));
    cap.changes++;
}

/* Every row change, trigger-made ones included (the replay has no triggers). */
static void on_preupdate(void *ctx, sqlite3 *db, int op, const char *schema, const char *name,
                         sqlite3_int64 old_rowid, sqlite3_int64 new_rowid)
{
    (void)ctx;
    if (!cap.on || cap.failed || strcmp(schema, "main"))
        return;
    for (int i = 0; i < cap.schema.n; i++) {
        const struct table *t = &cap.schema.t[i];
        if (strcmp(t->name, name))
            continue;
        if (op == SQLITE_UPDATE && t->rowid && old_rowid != new_rowid)
            cap.failed = "an update changed a rowid";
        else
            record(db, i, t, op, op == SQLITE_INSERT ? new_rowid : old_rowid);
        return;
    }
    cap.failed = "a change to a table that was not there at the start";
}

static int on_commit(void *ctx)
{
    (void)ctx;
    if (cap.on && cap.txn.len) {
        if (fwrite(cap.txn.p, 1, cap.txn.len, cap.out) != cap.txn.len)
            cap.failed = "cannot write the capture";
        cap.txns++;
    }
    cap.txn.len = 0;
    return 0;
}

/* A ROLLBACK TO a savepoint does not come here: the row check after the replay tells. */
static void on_rollback(void *ctx)
{
    (void)ctx;
    cap.rollbacks += cap.txn.len > 0;
    cap.txn.len = 0;
}

static int capture_attach(sqlite3 *db, const char **err, const struct sqlite3_api_routines *api)
{
    (void)err, (void)api;
    if (!cap.armed)
        return SQLITE_OK;
    cap.armed = 0;
    cap.db = db;
    sqlite3_preupdate_hook(db, on_preupdate, NULL);
    sqlite3_commit_hook(db, on_commit, NULL);
    sqlite3_rollback_hook(db, on_rollback, NULL);
    return SQLITE_OK;
}

int replay_capture_arm(void)
{
    if (!sqlite3_compileoption_used("ENABLE_PREUPDATE_HOOK")) {
        fprintf(stderr, "replay: SQLite is built without the pre-update hook\n");
        return -1;
    }
    cap.armed = 1;
    return sqlite3_auto_extension((void (*)(void))capture_attach) == SQLITE_OK ? 0 : -1;
}

/* The starting state for the replay: the database as it is, without triggers. */
static int copy_start(const char *start)
{
    const char *path = sqlite3_db_filename(cap.db, "main");
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = checkpoint(cap.db) < 0 || replay_copy_file(path, start) < 0 ||
                     sqlite3_open(start, &db) != SQLITE_OK ||
                     sqlite3_prepare_v2(db,
                                        "SELECT name FROM sqlite_schema WHERE type = 'trigger'"
                                        " LIMIT 1",
                                        -1, &st, NULL) != SQLITE_OK
                 ? -1
                 : 0;

    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        char *drop = sqlite3_mprintf("DROP TRIGGER \"%w\"", sqlite3_column_text(st, 0));
        sqlite3_reset(st);
        rc = drop ? exec(db, drop) : -1;
        sqlite3_free(drop);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

int replay_capture_start(const char *capture, const char *start)
{
    uint32_t n;

    sqlite3_reset_auto_extension();
    if (!cap.db) {
        fprintf(stderr, "replay: no connection was hooked\n");
        return -1;
    }
    if (load_schema(cap.db, &cap.schema) < 0 || copy_start(start) < 0)
        return -1;
    if (!(cap.out = fopen(capture, "wb"))) {
        perror(capture);
        return -1;
    }
    fputs(MAGIC, cap.out);
    n = (uint32_t)cap.schema.n;
    fwrite(&n, sizeof(n), 1, cap.out);
    for (int i = 0; i < cap.schema.n; i++) {
        n = (uint32_t)strlen(cap.schema.t[i].name) + 1;
        fwrite(&n, sizeof(n), 1, cap.out);
        fwrite(cap.schema.t[i].name, 1, n, cap.out);
    }
    cap.on = 1;
    return 0;
}

static int put_mark(char tag, const void *payload, uint32_t len)
{
    if (fwrite(&tag, 1, 1, cap.out) != 1 || fwrite(&len, sizeof(len), 1, cap.out) != 1 ||
        (len && fwrite(payload, 1, len, cap.out) != len))
        cap.failed = "cannot write the capture";
    return cap.failed ? -1 : 0;
}

int replay_capture_mark(void)
{
    if (!cap.failed && cap.txn.len)
        cap.failed = "a unit of work ended inside a transaction";
    if (cap.failed || put_mark('M', NULL, 0) < 0) {
        fprintf(stderr, "replay: capture: %s\n", cap.failed);
        return -1;
    }
    cap.units++;
    return 0;
}

int replay_capture_finish(struct replay_capture_stats *stats, const char *path)
{
    struct buf sums = {0};
    sqlite3 *db = NULL;
    int rc = cap.failed || sqlite3_open(path, &db) != SQLITE_OK ? -1 : 0;

    cap.on = 0;
    for (int i = 0; rc == 0 && i < cap.schema.n; i++) {
        int64_t rows;
        uint64_t sum;
        rc = table_sum(db, &cap.schema.t[i], &rows, &sum);
        put(&sums, &rows, sizeof(rows));
        put(&sums, &sum, sizeof(sum));
    }
    sqlite3_close(db);
    if (rc == 0)
        rc = put_mark('E', sums.p, (uint32_t)sums.len);
    if (fclose(cap.out) != 0 || cap.failed)
        rc = -1;
    if (rc < 0)
        fprintf(stderr, "replay: capture: %s\n", cap.failed ? cap.failed : "cannot finish");
    stats->changes = cap.units ? (double)cap.changes / cap.units : 0;
    stats->txns = cap.units ? (double)cap.txns / cap.units : 0;
    stats->rollbacks = cap.rollbacks, stats->noops = cap.noops;
    free(sums.p);
    free(cap.txn.p);
    free_schema(&cap.schema);
    return rc;
}

/* ---- replay ---- */

struct value {
    int type;
    int64_t i;
    double f;
    const unsigned char *p;
    uint32_t n;
};

struct reader {
    FILE *f;
    unsigned char *rec; /* the current record's payload */
    size_t cap;
    uint32_t len;
    int *table; /* capture's table index -> the replay schema's */
    int ntables;
};

/* The next record: its tag, its payload in r->rec. The file is read through a large buffer,
 * two calls per record: next to a row write with its commit, that is noise. */
static int next_record(struct reader *r)
{
    char tag;

    if (fread(&tag, 1, 1, r->f) != 1 || fread(&r->len, sizeof(r->len), 1, r->f) != 1)
        return -1;
    if (r->len > r->cap) {
        unsigned char *p = realloc(r->rec, r->len);
        if (!p)
            return -1;
        r->rec = p, r->cap = r->len;
    }
    return r->len && fread(r->rec, 1, r->len, r->f) != r->len ? -1 : tag;
}

static int read_header(struct reader *r, const struct schema *s)
{
    char magic[sizeof(MAGIC) - 1];
    uint32_t n, len;
    char name[256];

    if (fread(magic, 1, sizeof(magic), r->f) != sizeof(magic) ||
        memcmp(magic, MAGIC, sizeof(magic)) || fread(&n, sizeof(n), 1, r->f) != 1 ||
        !(r->table = calloc(n ? n : 1, sizeof(*r->table))))
        return -1;
    r->ntables = (int)n;
    for (uint32_t i = 0; i < n; i++) {
        if (fread(&len, sizeof(len), 1, r->f) != 1 || len > sizeof(name) ||
            fread(name, 1, len, r->f) != len || name[len - 1])
            return -1;
        r->table[i] = -1;
        for (int j = 0; j < s->n; j++)
            r->table[i] = strcmp(s->t[j].name, name) ? r->table[i] : j;
        if (r->table[i] < 0) {
            fprintf(stderr, "replay: no table %s\n", name);
            return -1;
        }
    }
    return 0;
}

static int get(const unsigned char **p, const unsigned char *end, void *out, size_t n)
{
    if ((size_t)(end - *p) < n)
        return -1;
    memcpy(out, *p, n);
    *p += n;
    return 0;
}

static int get_value(const unsigned char **p, const unsigned char *end, struct value *v)
{
    unsigned char type;

    if (get(p, end, &type, 1) < 0)
        return -1;
    v->type = type;
    if (type == SQLITE_INTEGER)
        return get(p, end, &v->i, sizeof(v->i));
    if (type == SQLITE_FLOAT)
        return get(p, end, &v->f, sizeof(v->f));
    if (type == SQLITE_NULL)
        return 0;
    if (get(p, end, &v->n, sizeof(v->n)) < 0 || (size_t)(end - *p) < v->n)
        return -1;
    v->p = *p;
    *p += v->n;
    return 0;
}

static void bind_value(sqlite3_stmt *st, int i, const struct value *v)
{
    if (v->type == SQLITE_INTEGER)
        sqlite3_bind_int64(st, i, v->i);
    else if (v->type == SQLITE_FLOAT)
        sqlite3_bind_double(st, i, v->f);
    else if (v->type == SQLITE_TEXT)
        sqlite3_bind_text(st, i, (const char *)v->p, (int)v->n, SQLITE_STATIC);
    else if (v->type == SQLITE_BLOB)
        sqlite3_bind_blob(st, i, v->p, (int)v->n, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* The row's key as a WHERE clause: its rowid, or its primary key's columns. */
static void append_key(sqlite3_str *sql, const struct table *t)
{
    if (t->rowid) {
        sqlite3_str_appendall(sql, " WHERE rowid = ?");
        return;
    }
    for (int k = 0; k < t->npk; k++)
        sqlite3_str_appendf(sql, "%s\"%w\" = ?", k ? " AND " : " WHERE ", t->col[t->pk[k]]);
}

static char *change_sql(const struct table *t, char op, uint64_t mask)
{
    sqlite3_str *sql = sqlite3_str_new(NULL);
    int n = 0;

    if (op == 'D') {
        sqlite3_str_appendf(sql, "DELETE FROM \"%w\"", t->name);
        append_key(sql, t);
    } else if (op == 'U') {
        sqlite3_str_appendf(sql, "UPDATE \"%w\" SET ", t->name);
        for (int c = 0; c < t->ncol; c++)
            if (mask >> c & 1)
                sqlite3_str_appendf(sql, "%s\"%w\" = ?", n++ ? ", " : "", t->col[c]);
        append_key(sql, t);
    } else {
        sqlite3_str_appendf(sql, "INSERT INTO \"%w\" (%s", t->name, t->rowid ? "rowid" : "");
        n = t->rowid;
        for (int c = 0; c < t->ncol; c++)
            if (mask >> c & 1)
                sqlite3_str_appendf(sql, "%s\"%w\"", n++ ? ", " : "", t->col[c]);
        sqlite3_str_appendall(sql, ") VALUES (");
        for (int i = 0; i < n; i++)
            sqlite3_str_appendall(sql, i ? ", ?" : "?");
        sqlite3_str_appendall(sql, ")");
    }
    return sqlite3_str_finish(sql);
}

/* The statement for one kind of change, prepared on its first use and kept. */
static sqlite3_stmt *statement(sqlite3 *db, struct table *t, char op, uint64_t mask)
{
    struct cached *more;
    sqlite3_stmt *st = NULL;
    char *sql;

    for (int i = 0; i < t->nstmts; i++)
        if (t->stmts[i].op == op && t->stmts[i].mask == mask)
            return t->stmts[i].st;
    sql = change_sql(t, op, mask);
    if (!sql ||
        sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "replay: %s: %s\n", sql ? sql : t->name, sqlite3_errmsg(db));
        sqlite3_free(sql);
        return NULL;
    }
    sqlite3_free(sql);
    if (!(more = realloc(t->stmts, (t->nstmts + 1) * sizeof(*more)))) {
        sqlite3_finalize(st);
        return NULL;
    }
    t->stmts = more;
    t->stmts[t->nstmts++] = (struct cached){op, mask, st};
    return st;
}

/* One captured row change, bound and stepped. */
static int apply_change(sqlite3 *db, struct schema *s, struct reader *r, char op)
{
    const unsigned char *p = r->rec, *end = r->rec + r->len;
    struct value key[MAX_COLUMNS], val[MAX_COLUMNS];
    uint16_t index;
    uint64_t mask;
    int64_t rowid;
    int nkey = 0, nval = 0, b = 1;

    if (get(&p, end, &index, sizeof(index)) < 0 || index >= r->ntables ||
        get(&p, end, &rowid, sizeof(rowid)) < 0 || get(&p, end, &mask, sizeof(mask)) < 0)
        return -1;
    struct table *t = &s->t[r->table[index]];
    for (; !t->rowid && op != 'I' && nkey < t->npk; nkey++)
        if (get_value(&p, end, &key[nkey]) < 0)
            return -1;
    for (int c = 0; c < t->ncol; c++)
        if (mask >> c & 1 && get_value(&p, end, &val[nval++]) < 0)
            return -1;
    sqlite3_stmt *st = statement(db, t, op, mask);
    if (!st)
        return -1;
    if (op == 'I' && t->rowid)
        sqlite3_bind_int64(st, b++, rowid);
    for (int i = 0; i < nval; i++)
        bind_value(st, b++, &val[i]);
    if (op != 'I' && t->rowid)
        sqlite3_bind_int64(st, b++, rowid);
    for (int i = 0; i < nkey; i++)
        bind_value(st, b++, &key[i]);
    if (sqlite3_step(st) != SQLITE_DONE) {
        fprintf(stderr, "replay: %c %s: %s\n", op, t->name, sqlite3_errmsg(db));
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

/* The changes of one unit of work, up to its mark. */
static int apply_unit(sqlite3 *db, struct schema *s, struct reader *r)
{
    int tag;

    while ((tag = next_record(r)) == 'I' || tag == 'U' || tag == 'D')
        if (apply_change(db, s, r, (char)tag) < 0)
            return -1;
    if (tag != 'M') {
        fprintf(stderr, "replay: the capture ends early\n");
        return -1;
    }
    return 0;
}

/* Faithfulness: every table's rows equal those of the captured database at its end. */
static int verify(sqlite3 *db, struct schema *s, struct reader *r)
{
    const unsigned char *p = r->rec, *end;
    int rc = 0;

    if (next_record(r) != 'E' || r->len != (uint32_t)r->ntables * 16) {
        fprintf(stderr, "replay: the capture does not end where the replay does\n");
        return -1;
    }
    p = r->rec, end = r->rec + r->len;
    for (int i = 0; i < r->ntables; i++) {
        int64_t want_rows = -1, rows;
        uint64_t want_sum = 0, sum;
        get(&p, end, &want_rows, sizeof(want_rows));
        get(&p, end, &want_sum, sizeof(want_sum));
        if (table_sum(db, &s->t[r->table[i]], &rows, &sum) < 0)
            return -1;
        if (rows != want_rows || sum != want_sum) {
            fprintf(stderr, "replay: table %s has %lld rows%s, libcs's has %lld\n",
                    s->t[r->table[i]].name, (long long)rows,
                    rows == want_rows ? " with other contents" : "", (long long)want_rows);
            rc = -1;
        }
    }
    return rc;
}

static long wal_size(const char *path)
{
    char file[600];
    struct stat st;

    snprintf(file, sizeof(file), "%s-wal", path);
    return stat(file, &st) == 0 ? (long)st.st_size : 0;
}

/* The pragmas libcs's configure_handle() sets on its connections (lib/db.c, with its
 * CS_WAL_AUTOCHECKPOINT). */
static int configure(sqlite3 *db)
{
    return exec(db, "PRAGMA foreign_keys = ON") < 0 || exec(db, "PRAGMA temp_store = MEMORY") < 0 ||
                   exec(db, "PRAGMA cache_size = -8192") < 0 ||
                   exec(db, "PRAGMA journal_mode = WAL") < 0 ||
                   exec(db, "PRAGMA wal_autocheckpoint = 10000") < 0 ||
                   exec(db, "PRAGMA synchronous = FULL") < 0
               ? -1
               : 0;
}

static int step_once(sqlite3 *db, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "replay: %s: %s\n", sqlite3_sql(st), sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

/* The units in transactions of `per_commit`, as the libcs run commits them. */
static int replay_units(struct replay_result *out, sqlite3 *db, const char *path, struct schema *s,
                        struct reader *r, long units, long wal_units, long per_commit)
{
    sqlite3_stmt *begin = NULL, *commit = NULL;
    int rc = sqlite3_prepare_v2(db, "BEGIN", -1, &begin, NULL) != SQLITE_OK ||
                     sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL) != SQLITE_OK
                 ? -1
                 : 0;
    double t0 = now();

    for (long i = 0; rc == 0 && i < units + wal_units; i++) {
        long first = i < units ? 0 : units, last = i < units ? units - 1 : units + wal_units - 1;
        if (i == units) { /* the timed part is done: now the WAL bytes of the next commits */
            out->rate = units / (now() - t0);
            if ((rc = checkpoint(db)) < 0)
                break;
            out->wal = wal_size(path);
        }
        if ((i - first) % per_commit == 0)
            rc = step_once(db, begin);
        if (rc == 0)
            rc = apply_unit(db, s, r);
        if (rc == 0 && ((i - first) % per_commit == per_commit - 1 || i == last))
            rc = step_once(db, commit);
    }
    out->wal = wal_size(path) - out->wal;
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    return rc;
}

int replay_run(struct replay_result *out, const char *path, const char *capture, long units,
               long wal_units, long per_commit)
{
    struct reader r = {0};
    struct schema s = {0};
    sqlite3 *db = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (!(r.f = fopen(capture, "rb"))) {
        perror(capture);
        return -1;
    }
    setvbuf(r.f, NULL, _IOFBF, 1 << 20);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
        configure(db) == 0 && load_schema(db, &s) == 0) {
        if (read_header(&r, &s) < 0)
            fprintf(stderr, "replay: %s: not a capture\n", capture);
        else if (replay_units(out, db, path, &s, &r, units, wal_units, per_commit) == 0)
            rc = verify(db, &s, &r);
    } else {
        fprintf(stderr, "replay: %s: %s\n", path, sqlite3_errmsg(db));
    }
    free_schema(&s);
    sqlite3_close(db);
    fclose(r.f);
    free(r.rec);
    free(r.table);
    return rc;
}
