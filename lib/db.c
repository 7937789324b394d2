/*
 * libcs - the database handle: open/close, migrations, the prepared-statement cache,
 * transactions, busy handling and the injectable clock.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cs-internal.h"
#include "db.h"

/* 'LCSD' in the database header identifies a libcs file. */
#define CS_APPLICATION_ID 0x4C435344
#define CS_DEFAULT_BUSY_TIMEOUT_MS 30000
#define CS_WAL_AUTOCHECKPOINT 10000 /* pages */
#define CS_PAGE_SIZE 2048           /* bytes, for new files */
#define CS_BUSY_PAUSE_MAX_MS 8

/* The prepared-statement cache: open addressing keyed by the SQL text's address. */
struct cs_stmt_entry {
    const char *sql;
    sqlite3_stmt *stmt;
};

struct cs_stmt_cache {
    size_t capacity; /* a power of two */
    size_t used;
    struct cs_stmt_entry *entries;
};

static size_t stmt_slot(const struct cs_stmt_cache *c, const char *sql)
{
    uintptr_t h = (uintptr_t)sql;

    h ^= h >> 17;
    h *= (uintptr_t)0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    size_t i = (size_t)h & (c->capacity - 1);
    while (c->entries[i].sql && c->entries[i].sql != sql)
        i = (i + 1) & (c->capacity - 1);
    return i;
}

static int stmt_cache_grow(struct cs_stmt_cache *c)
{
    struct cs_stmt_cache bigger = {c->capacity ? c->capacity * 2 : 64, c->used, NULL};

    bigger.entries = cs_mem__calloc(bigger.capacity, sizeof(*bigger.entries));
    if (!bigger.entries)
        return cs_error__nomem();
    for (size_t i = 0; i < c->capacity; i++)
        if (c->entries[i].sql)
            bigger.entries[stmt_slot(&bigger, c->entries[i].sql)] = c->entries[i];
    cs_mem__free(c->entries);
    *c = bigger;
    return CS_OK;
}

static void stmt_cache_free(struct cs_stmt_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->capacity; i++)
        sqlite3_finalize(c->entries[i].stmt);
    cs_mem__free(c->entries);
    cs_mem__free(c);
}

int cs_db__error(cs_db *db, int sqlite_rc, const char *what)
{
    const char *msg = db && db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(sqlite_rc);

    switch (sqlite_rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return cs_error__set(CS_EBUSY, NULL, "%s: the database stayed locked: %s", what, msg);
    case SQLITE_NOMEM:
        return cs_error__nomem();
    case SQLITE_READONLY:
        return cs_error__set(CS_EREADONLY, NULL, "%s: the database is read-only", what);
    case SQLITE_CONSTRAINT:
        if (sqlite_rc == SQLITE_CONSTRAINT_UNIQUE || sqlite_rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return cs_error__set(CS_EEXISTS, NULL, "%s: %s", what, msg);
        return cs_error__set(CS_ECONFLICT, NULL, "%s: %s", what, msg);
    default:
        return cs_error__set(CS_EDB, NULL, "%s: %s", what, msg);
    }
}

sqlite3_stmt *cs_db__stmt(cs_db *db, const char *sql)
{
    struct cs_stmt_cache *c = db->stmts;
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (c->capacity) {
        struct cs_stmt_entry *e = &c->entries[stmt_slot(c, sql)];
        if (e->sql) {
            if (sqlite3_stmt_busy(e->stmt)) {
                cs_error__set(CS_ERROR, NULL, "internal: statement already in use: %s", sql);
                return NULL;
            }
            return e->stmt;
        }
    }
    if ((c->used + 1) * 2 > c->capacity && stmt_cache_grow(c) < 0)
        return NULL;
    rc = sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
    if (rc != SQLITE_OK) {
        cs_db__error(db, rc, "prepare");
        sqlite3_finalize(stmt);
        return NULL;
    }
    struct cs_stmt_entry *e = &c->entries[stmt_slot(c, sql)];
    e->sql = sql;
    e->stmt = stmt;
    c->used++;
    return stmt;
}

void cs_db__done(sqlite3_stmt *stmt)
{
    if (stmt) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
    }
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The busy budget. A statement may wait twice: in SQLite's busy handler (inside
 * sqlite3_step) and in busy_retry() below, for the waits SQLite hands back as SQLITE_BUSY
 * without calling the handler (WAL recovery, a snapshot that moved). Both draw on one
 * deadline, armed at the first wait of a statement, so a call gives up after about the busy
 * timeout in all. Outside budget_open/budget_close (a prepare reading the schema) each wait
 * gets a budget of its own. */
static void budget_open(cs_db *db)
{
    db->busy_deadline = 0;
    db->busy_scoped = true;
}

static void budget_close(cs_db *db)
{
    db->busy_scoped = false;
}

/* Wait a little if the budget allows: false once it is spent. The pauses stay short, so a
 * waiter gets in soon after a writer commits: a bulk load that pauses between its batches
 * for longer than the longest pause (csdesk import) lets every waiting handle in. */
static bool busy_wait(cs_db *db, int attempt)
{
    int64_t now = monotonic_ms();
    int pause = attempt < 3 ? 1 << attempt : CS_BUSY_PAUSE_MAX_MS;

    if (db->busy_deadline == 0)
        db->busy_deadline = now + db->busy_timeout_ms;
    if (now >= db->busy_deadline)
        return false;
    if (pause > db->busy_deadline - now)
        pause = (int)(db->busy_deadline - now);
    sleep_ms(pause);
    return true;
}

static int busy_handler(void *payload, int attempt)
{
    cs_db *db = payload;

    if (attempt == 0 && !db->busy_scoped)
        db->busy_deadline = 0;
    return busy_wait(db, attempt);
}

static bool busy_retry(cs_db *db, int rc, int *attempt)
{
    return (rc & 0xff) == SQLITE_BUSY && busy_wait(db, (*attempt)++);
}

int cs_db__step(cs_db *db, sqlite3_stmt *stmt)
{
    int attempt = 0, rc;

    budget_open(db);
    while ((rc = sqlite3_step(stmt)) != SQLITE_ROW && rc != SQLITE_DONE &&
           busy_retry(db, rc, &attempt))
        sqlite3_reset(stmt);
    budget_close(db);
    return rc;
}

int cs_db__exec_stmt(cs_db *db, sqlite3_stmt *stmt)
{
    int rc = cs_db__step(db, stmt);

    rc = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? CS_OK : cs_db__error(db, rc, "statement");
    cs_db__done(stmt);
    return rc;
}

void cs_db__bind_id(sqlite3_stmt *st, int idx, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, idx, v);
    else
        sqlite3_bind_null(st, idx);
}

void cs_db__bind_ids(sqlite3_stmt *st, int64_t a, int64_t b, int64_t c)
{
    const int64_t v[] = {a, b, c};

    for (int i = 0; i < sqlite3_bind_parameter_count(st) && i < 3; i++)
        cs_db__bind_id(st, i + 1, v[i]);
}

int cs_db__exec_ids(cs_db *db, const char *sql, int64_t a, int64_t b, int64_t c)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);

    if (!st)
        return cs_error_last()->code;
    cs_db__bind_ids(st, a, b, c);
    return cs_db__exec_stmt(db, st);
}

int cs_db__load_ids(int64_t **out, size_t *n, cs_db *db, const char *sql, int64_t a, int64_t b)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);
    int64_t *v = NULL, *grown;
    size_t cap = 0;
    int rc = CS_OK, step = SQLITE_DONE;

    *out = NULL;
    *n = 0;
    if (!st)
        return cs_error_last()->code;
    cs_db__bind_ids(st, a, b, 0);
    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            if (!(grown = cs_mem__realloc(v, cap * sizeof(*v)))) {
                rc = cs_error__nomem();
                break;
            }
            v = grown;
        }
        v[(*n)++] = sqlite3_column_int64(st, 0);
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read rows");
    cs_db__done(st);
    if (rc < 0) {
        cs_mem__free(v);
        *n = 0;
        return rc;
    }
    *out = v;
    return CS_OK;
}

int cs_strv__load(cs_strv *out, cs_db *db, sqlite3_stmt *st)
{
    int rc = CS_OK, step;

    out->v = NULL;
    out->n = 0;
    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW)
        rc = cs_strv__push(out, (const char *)sqlite3_column_text(st, 0));
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read list");
    cs_db__done(st);
    if (rc < 0)
        cs_strv__free(out);
    return rc;
}

/* Run fixed SQL (no user data) with retries on busy. */
static int exec_sql(cs_db *db, const char *sql, const char *what)
{
    int attempt = 0, rc;

    budget_open(db);
    while ((rc = sqlite3_exec(db->sql, sql, NULL, NULL, NULL)) != SQLITE_OK &&
           busy_retry(db, rc, &attempt))
        ;
    budget_close(db);
    return rc == SQLITE_OK ? CS_OK : cs_db__error(db, rc, what);
}

/* The statements that open and end sections, prepared once per handle (cs_db__stmt keys
 * its cache by these pointers): parsing them again on every use cost more than running
 * them. */
static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_savepoint[] = "SAVEPOINT cs";
static const char sql_commit[] = "COMMIT";
static const char sql_release[] = "RELEASE cs";
static const char sql_rollback[] = "ROLLBACK";
static const char sql_rollback_to[] = "ROLLBACK TO cs";
static const char sql_sync_normal[] = "PRAGMA synchronous = NORMAL";
static const char sql_sync_full[] = "PRAGMA synchronous = FULL";

static int exec_txn(cs_db *db, const char *sql, const char *what)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);
    int rc;

    if (!st)
        return cs_error_last()->code;
    rc = cs_db__step(db, st);
    cs_db__done(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? CS_OK : cs_db__error(db, rc, what);
}

static int pragma_int(cs_db *db, const char *sql, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc;

    rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = cs_db__step(db, st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK)
        cs_db__error(db, rc, sql);
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? CS_OK : cs_error_last()->code;
}

int cs_db__writable(cs_db *db)
{
    if (db->flags & CS_OPEN_READONLY)
        return cs_error__set(CS_EREADONLY, NULL, "the database %s was opened read-only", db->path);
    return CS_OK;
}

bool cs_db__in_transaction(const cs_db *db)
{
    return db->txn_depth > 0;
}

void *cs_db__state(cs_db *db, const void *key)
{
    for (size_t i = 0; i < CS_DB_STATES; i++)
        if (db->states[i].key == key)
            return db->states[i].state;
    return NULL;
}

void *cs_db__state_get(cs_db *db, const void *key, size_t size, cs_db__release_fn release,
                       bool keep)
{
    void *state = cs_db__state(db, key);

    if (state)
        return state;
    for (size_t i = 0; i < CS_DB_STATES; i++) {
        if (db->states[i].key)
            continue;
        if (!(state = cs_mem__calloc(1, size))) {
            cs_error__nomem();
            return NULL;
        }
        db->states[i] = (struct cs_db_state){key, state, release, keep};
        return state;
    }
    cs_error__set(CS_ERROR, NULL, "internal: more than %d module states", CS_DB_STATES);
    return NULL;
}

/* On rollback the states not kept across it, on close all. */
static void release_states(cs_db *db, bool all)
{
    for (size_t i = 0; i < CS_DB_STATES; i++) {
        struct cs_db_state s = db->states[i];
        if (!s.key || (s.keep && !all))
            continue;
        db->states[i] = (struct cs_db_state){NULL, NULL, NULL, false};
        s.release(s.state);
    }
}

/* The handle's page cache in KiB (configure_handle). */
#define CS_CACHE_KIB 8192

/* Levels deeper than this are all savepoints (the bits that say more end here). */
#define CS_DB_LEVELS 64

static bool level_is(uint64_t set, int depth)
{
    return depth >= 1 && depth <= CS_DB_LEVELS && (set >> (depth - 1)) & 1u;
}

static void level_mark(uint64_t *set, int depth, bool on)
{
    if (depth < 1 || depth > CS_DB_LEVELS)
        return;
    if (on)
        *set |= UINT64_C(1) << (depth - 1);
    else
        *set &= ~(UINT64_C(1) << (depth - 1));
}

/* A library section opened inside another library call joins it: the outer call fails
 * whenever the inner one does, and its own savepoint (or transaction) undoes both. So does
 * every library section of a bulk section, whose host rolls the whole batch back. Only a
 * call straight inside a host's plain section needs a savepoint of its own, so that its
 * failure undoes exactly that call. */
static bool may_join(const cs_db *db)
{
    return db->txn_depth > 0 && db->txn_depth < CS_DB_LEVELS &&
           (db->bulk || !level_is(db->host, db->txn_depth));
}

/* The depth of the innermost level that opened a transaction or a savepoint. */
static int real_level(const cs_db *db)
{
    int d = db->txn_depth;

    while (d > 1 && level_is(db->joined, d))
        d--;
    return d;
}

static int refuse_failed(void)
{
    return cs_error__set(CS_ECONFLICT, "db",
                         "an earlier call in this atomic section failed after it began its "
                         "changes: roll the section back (cs_db_rollback)");
}

/* Open a level: joined when `savepoint` is not required and may_join() allows it. */
static int open_section(cs_db *db, bool host, bool savepoint)
{
    int rc;

    if (db->failed_level)
        return refuse_failed();
    if (!host && !savepoint && may_join(db)) {
        db->txn_depth++;
        level_mark(&db->joined, db->txn_depth, true);
        level_mark(&db->host, db->txn_depth, false);
        return CS_OK;
    }
    if ((rc = exec_txn(db, db->txn_depth == 0 ? sql_begin : sql_savepoint, "begin")) < 0)
        return rc;
    db->txn_depth++;
    level_mark(&db->joined, db->txn_depth, false);
    level_mark(&db->host, db->txn_depth, host);
    return CS_OK;
}

/* Commits wait for the disk again. */
static int restore_full(cs_db *db)
{
    int rc = exec_txn(db, sql_sync_full, "set synchronous");

    if (rc == CS_OK)
        db->relaxed = false;
    return rc;
}

/* The caller's error, kept across the statements that end a section. */
typedef struct kept_error {
    int code;
    char message[CS_ERROR_MESSAGE_MAX], field[CS_ERROR_FIELD_MAX];
} kept_error;

static void keep_error(kept_error *k)
{
    const cs_error *e = cs_error_last();

    k->code = e->code;
    snprintf(k->message, sizeof(k->message), "%s", e->message);
    snprintf(k->field, sizeof(k->field), "%s", e->field);
}

static void put_error(const kept_error *k)
{
    cs_error__set(k->code, k->field, "%s", k->message);
}

/* After the outermost section ended, whatever its outcome (which stays the caller's error).
 * Should the restore fail, the next cs_db__begin() tries again before it opens a durable
 * section, and reports it. */
static void end_relaxed(cs_db *db)
{
    kept_error k;

    if (db->txn_depth != 0 || !db->relaxed)
        return;
    keep_error(&k);
    restore_full(db);
    put_error(&k);
}

/* A bulk section's page cache, in KiB: an import's batches walk more of the indexes than
 * the 8 MiB of the handle's own cache (CS_CACHE_KIB) hold once the database has grown, and
 * then read pages back from the file all the time (at 1,000,000 messages, 30% slower). The
 * larger cache stays from one bulk section to the next and shrinks back when an ordinary
 * section begins; it costs memory only as it fills. */
#define CS_BULK_CACHE_KIB 32768
static const char sql_cache_bulk[] = "PRAGMA cache_size = -" CS_STR(CS_BULK_CACHE_KIB);
static const char sql_cache_default[] = "PRAGMA cache_size = -" CS_STR(CS_CACHE_KIB);

/* Best effort both ways: either cache works, one is only faster. Not a cached statement
 * (it runs once per change of size): nothing of libcs's is allocated, so no allocation
 * failure is swallowed here. */
static void bulk_cache(cs_db *db, bool on)
{
    kept_error k;

    if (db->bulk_cache == on)
        return;
    keep_error(&k);
    if (exec_sql(db, on ? sql_cache_bulk : sql_cache_default, "size the cache") == CS_OK)
        db->bulk_cache = on;
    put_error(&k);
}

/* Once the outermost section ended: the next one starts plain and durable. */
static void end_outermost(cs_db *db)
{
    if (db->txn_depth != 0)
        return;
    db->bulk = false;
    db->failed_level = 0;
    db->joined = db->host = 0;
    end_relaxed(db);
}

int cs_db__begin_relaxed(cs_db *db)
{
    int rc;

    /* Inside a section the section's durability holds; a relaxed handle is relaxed anyway. */
    if (db->txn_depth > 0 || (db->flags & CS_OPEN_RELAXED))
        return cs_db__begin(db);
    if ((rc = cs_db__writable(db)) < 0 ||
        (rc = exec_txn(db, sql_sync_normal, "set synchronous")) < 0)
        return rc;
    db->relaxed = true;
    bulk_cache(db, false);
    if ((rc = open_section(db, false, false)) < 0)
        end_relaxed(db);
    return rc;
}

static int begin(cs_db *db, bool host, bool savepoint)
{
    int rc = cs_db__writable(db);

    if (rc < 0 || (db->txn_depth == 0 && db->relaxed && (rc = restore_full(db)) < 0))
        return rc; /* a durable section only after the restore that failed at the end */
    if (db->txn_depth == 0)
        bulk_cache(db, db->bulk);
    return open_section(db, host, savepoint);
}

int cs_db__begin(cs_db *db)
{
    return begin(db, false, false);
}

int cs_db__begin_savepoint(cs_db *db)
{
    return begin(db, false, true);
}

/* A joined level ends in failure: what it changed stays until the level it joined rolls
 * back, so nothing may commit before that. */
static int fail_joined(cs_db *db, int rc)
{
    if (!db->failed_level)
        db->failed_level = real_level(db);
    db->txn_depth--;
    return rc;
}

/* Undo the innermost section. CS_OK, or the error of a ROLLBACK that failed; the section
 * counts as closed either way (SQLite ends a transaction whose rollback failed). */
static int rollback(cs_db *db)
{
    int rc = CS_OK;

    if (level_is(db->joined, db->txn_depth) && !sqlite3_get_autocommit(db->sql))
        return fail_joined(db, CS_OK);
    release_states(db, false);
    if (sqlite3_get_autocommit(db->sql)) {
        /* SQLite already rolled the whole transaction back (I/O error, full disk). */
        db->txn_depth = 0;
        end_outermost(db);
        return CS_OK;
    }
    if (db->txn_depth == 1)
        rc = exec_txn(db, sql_rollback, "rollback");
    else if ((rc = exec_txn(db, sql_rollback_to, "rollback")) == CS_OK)
        rc = exec_txn(db, sql_release, "rollback");
    db->txn_depth = sqlite3_get_autocommit(db->sql) ? 0 : db->txn_depth - 1;
    if (db->failed_level > db->txn_depth)
        db->failed_level = 0; /* the failed changes are gone */
    end_outermost(db);
    return rc;
}

int cs_db__end(cs_db *db, int rc)
{
    kept_error k;
    int end_rc;

    if (db->txn_depth <= 0)
        return rc;
    if (level_is(db->joined, db->txn_depth)) {
        if (rc < 0)
            return fail_joined(db, rc);
        db->txn_depth--;
        return rc;
    }
    if (rc >= 0 && db->failed_level >= db->txn_depth)
        rc = refuse_failed(); /* a failure inside must not commit half done */
    if (rc >= 0) {
        end_rc = exec_txn(db, db->txn_depth == 1 ? sql_commit : sql_release, "commit");
        if (end_rc == CS_OK) {
            db->txn_depth--;
            end_outermost(db);
            return rc;
        }
        rc = end_rc;
    }
    /* Keep the caller's error (or the commit's): a rollback must not overwrite it. */
    keep_error(&k);
    rollback(db);
    put_error(&k);
    return rc;
}

int cs_db_begin(cs_db *db)
{
    if (!db)
        return cs_error__inval("db", "db is NULL");
    return begin(db, true, true);
}

int cs_db_begin_bulk(cs_db *db)
{
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if (db->txn_depth > 0)
        return cs_error__inval("db", "cs_db_begin_bulk inside an open atomic section: a bulk "
                                     "section is always the outermost");
    db->bulk = true; /* before begin(), which sizes the cache for it */
    if ((rc = begin(db, true, true)) < 0)
        db->bulk = false;
    return rc;
}

int cs_db_commit(cs_db *db)
{
    if (!db)
        return cs_error__inval("db", "db is NULL");
    if (db->txn_depth == 0)
        return cs_error__inval("db", "cs_db_commit without an open atomic section");
    return cs_db__end(db, CS_OK);
}

int cs_db_rollback(cs_db *db)
{
    if (!db)
        return cs_error__inval("db", "db is NULL");
    if (db->txn_depth == 0)
        return cs_error__inval("db", "cs_db_rollback without an open atomic section");
    cs_error_clear();
    return rollback(db);
}

int cs_db__bind_text(sqlite3_stmt *st, int idx, const char *s)
{
    return s ? sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, idx);
}

char *cs_db__column_strdup(sqlite3_stmt *st, int col, int *rc)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    char *copy;

    if (!s)
        return NULL;
    copy = cs_mem__strndup((const char *)s, (size_t)sqlite3_column_bytes(st, col));
    if (!copy)
        *rc = cs_error__nomem();
    return copy;
}

int cs_db__migrate(cs_db *db, const cs_migration *list, size_t count)
{
    int version = 0, rc;
    char sql[64];

    if ((rc = pragma_int(db, "PRAGMA user_version", &version)) < 0)
        return rc;
    while ((size_t)version < count) {
        if ((rc = cs_db__begin(db)) < 0)
            return rc;
        /* Another process may have migrated while this one waited for the lock. */
        rc = pragma_int(db, "PRAGMA user_version", &version);
        if (rc == CS_OK && (size_t)version < count) {
            if (version == 0) {
                snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", CS_APPLICATION_ID);
                rc = exec_sql(db, sql, "set application id");
            }
            if (rc == CS_OK &&
                sqlite3_exec(db->sql, list[version].sql, NULL, NULL, NULL) != SQLITE_OK)
                rc = cs_error__set(CS_EDB, NULL, "migration %d (%s) failed: %s", version + 1,
                                   list[version].name, sqlite3_errmsg(db->sql));
            if (rc == CS_OK) {
                snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
                rc = exec_sql(db, sql, "set schema version");
            }
        }
        if ((rc = cs_db__end(db, rc)) < 0)
            return rc;
        if ((rc = pragma_int(db, "PRAGMA user_version", &version)) < 0)
            return rc;
    }
    db->schema_version = version;
    return CS_OK;
}

/* Refuse files that are not ours and schemas newer than this library. */
static int check_schema(cs_db *db, int *version)
{
    int app_id = 0, tables = 0, rc;

    if ((rc = pragma_int(db, "PRAGMA application_id", &app_id)) < 0 ||
        (rc = pragma_int(db, "PRAGMA user_version", version)) < 0 ||
        (rc = pragma_int(db, "SELECT count(*) FROM sqlite_schema", &tables)) < 0)
        return rc;
    if (app_id != CS_APPLICATION_ID && (app_id != 0 || tables > 0))
        return cs_error__set(CS_EDB, "path", "%s is not a libcs database", db->path);
    /* An existing empty file (or one of no tables) becomes a database only when asked to:
     * a wrong path must not turn someone's empty file into one. */
    if (app_id == 0 && tables == 0 && *version == 0 && !(db->flags & CS_OPEN_CREATE) &&
        strcmp(db->path, ":memory:") != 0)
        return cs_error__set(CS_EDB, "path",
                             "%s is empty, not a libcs database: open it with CS_OPEN_CREATE "
                             "to create one",
                             db->path);
    if ((size_t)*version > cs_schema__count)
        return cs_error__set(CS_EVERSION, NULL,
                             "%s has schema version %d, newer than libcs %s supports "
                             "(schema version %d): upgrade libcs",
                             db->path, *version, CS_VERSION_STRING, (int)cs_schema__count);
    if ((db->flags & CS_OPEN_READONLY) && (size_t)*version < cs_schema__count)
        return cs_error__set(CS_EVERSION, NULL,
                             "%s has schema version %d and needs an upgrade to %d: open it "
                             "read-write once",
                             db->path, *version, (int)cs_schema__count);
    return CS_OK;
}

static int configure_handle(cs_db *db)
{
    int rc;

    sqlite3_extended_result_codes(db->sql, 1);
    if (sqlite3_busy_handler(db->sql, busy_handler, db) != SQLITE_OK)
        return cs_db__error(db, SQLITE_ERROR, "busy handler");
    if ((rc = exec_sql(db, "PRAGMA foreign_keys = ON", "enable foreign keys")) < 0)
        return rc;
    /* Every ingest inside a caller's atomic section is a savepoint, and SQLite keeps a
     * savepoint's undo pages in a temporary file by default: one write per page touched.
     * In memory, a bulk import runs 2.5 times as fast. A cache of 8 MiB (SQLite's default
     * is 2 MiB) holds the indexes an ingest walks; it costs memory only as it fills. */
    if ((rc = exec_sql(db, "PRAGMA temp_store = MEMORY", "set temp store")) < 0 ||
        (rc = exec_sql(db, sql_cache_default, "set cache size")) < 0)
        return rc;
    if (db->flags & CS_OPEN_READONLY)
        return CS_OK;
    /* A new file gets 2 KiB pages (SQLite's default is 4 KiB). A commit appends every page
     * it changed to the WAL, and an ingest changes one page in each of about twenty tables
     * and indexes, mostly to add a few dozen bytes: half the page is half the bytes each
     * durable commit writes, and reads at a million tickets are as fast. No effect on an
     * existing file (a WAL database keeps its page size). */
    if ((rc = exec_sql(db, "PRAGMA page_size = " CS_STR(CS_PAGE_SIZE), "set the page size")) < 0 ||
        (rc = exec_sql(db, "PRAGMA journal_mode = WAL", "enable WAL")) < 0)
        return rc;
    /* cs_tick() checkpoints the WAL off the hot path; a commit only does it itself when the
     * host has not ticked for a while (SQLite's default would be every 1000 pages, about
     * every twentieth assignment). */
    if ((rc = exec_sql(db, "PRAGMA wal_autocheckpoint = " CS_STR(CS_WAL_AUTOCHECKPOINT),
                       "set the checkpoint threshold")) < 0)
        return rc;
    return exec_sql(db, db->flags & CS_OPEN_RELAXED ? sql_sync_normal : sql_sync_full,
                    "set synchronous");
}

void cs_db__checkpoint(cs_db *db)
{
    /* Passive: copies what no reader still needs, never waits, never fails the caller. */
    if (!(db->flags & CS_OPEN_READONLY))
        sqlite3_wal_checkpoint_v2(db->sql, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

int cs_db__open(cs_db **out, const char *path, unsigned int flags)
{
    cs_db *db = NULL;
    int sflags, rc, version = 0;
    struct stat st;

    if (out)
        *out = NULL;
    if (!out)
        return cs_error__inval("out", "out is NULL");
    if (!path || !*path)
        return cs_error__inval("path", "path is empty");
    if (flags & ~(unsigned)(CS_OPEN_CREATE | CS_OPEN_READONLY | CS_OPEN_RELAXED))
        return cs_error__inval("flags", "unknown open flags 0x%x", flags);
    if ((flags & CS_OPEN_CREATE) && (flags & CS_OPEN_READONLY))
        return cs_error__inval("flags", "CS_OPEN_CREATE and CS_OPEN_READONLY exclude each other");
    bool memory = strcmp(path, ":memory:") == 0;
    if (!memory && !(flags & CS_OPEN_CREATE) && stat(path, &st) != 0)
        return cs_error__set(CS_ENOTFOUND, "path", "database %s does not exist", path);

    if (!(db = cs_mem__calloc(1, sizeof(*db))) || !(db->path = cs_mem__strdup(path)) ||
        !(db->stmts = cs_mem__calloc(1, sizeof(*db->stmts)))) {
        rc = cs_error__nomem();
        goto fail;
    }
    db->flags = flags;
    db->busy_timeout_ms = CS_DEFAULT_BUSY_TIMEOUT_MS;

    sflags = SQLITE_OPEN_NOMUTEX;
    sflags |= (flags & CS_OPEN_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (flags & CS_OPEN_CREATE)
        sflags |= SQLITE_OPEN_CREATE;
    rc = sqlite3_open_v2(path, &db->sql, sflags, NULL);
    if (rc != SQLITE_OK) {
        rc = db->sql ? cs_error__set(CS_EDB, "path", "cannot open %s: %s", path,
                                     sqlite3_errmsg(db->sql))
                     : cs_error__nomem();
        goto fail;
    }
    /* Look before configuring: switching to WAL writes to the file. */
    if ((rc = check_schema(db, &version)) < 0 || (rc = configure_handle(db)) < 0)
        goto fail;
    db->schema_version = version;
    if (!(flags & CS_OPEN_READONLY) &&
        (rc = cs_db__migrate(db, cs_schema__migrations, cs_schema__count)) < 0)
        goto fail;

    *out = db;
    return CS_OK;

fail:
    cs_db_close(db);
    return rc;
}

void cs_db_close(cs_db *db)
{
    if (!db)
        return;
    if (db->sql && db->txn_depth > 0 && !sqlite3_get_autocommit(db->sql))
        sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
    release_states(db, true);
    stmt_cache_free(db->stmts);
    sqlite3_close_v2(db->sql);
    cs_mem__free(db->path);
    cs_mem__free(db);
}

const char *cs_db_path(const cs_db *db)
{
    return db ? db->path : NULL;
}

int cs_schema_version(void)
{
    return (int)cs_schema__count;
}

int cs_db_schema_version(const cs_db *db)
{
    return db ? db->schema_version : 0;
}

static cs_time system_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (cs_time)ts.tv_sec;
}

void cs_db_set_clock(cs_db *db, cs_clock_fn fn, void *payload)
{
    if (!db)
        return;
    db->clock = fn;
    db->clock_payload = payload;
}

cs_time cs_db_now(cs_db *db)
{
    if (db && db->clock)
        return db->clock(db->clock_payload);
    return system_clock();
}

int cs_db_set_busy_timeout(cs_db *db, int milliseconds)
{
    if (!db)
        return cs_error__inval("db", "db is NULL");
    if (milliseconds < 0)
        return cs_error__inval("milliseconds", "busy timeout %d is negative", milliseconds);
    db->busy_timeout_ms = milliseconds;
    return CS_OK;
}

int cs_db__prepare(sqlite3_stmt **out, cs_db *db, const char *sql, const char *what)
{
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, out, NULL);

    if (rc == SQLITE_OK)
        return CS_OK;
    sqlite3_finalize(*out);
    *out = NULL;
    return cs_db__error(db, rc, what);
}

int cs_db__page(cs_page *p, cs_db *db, cs_page_row_fn row, void *payload, const char *what)
{
    size_t ask = p->left < CS_PAGE_ROWS ? p->left : CS_PAGE_ROWS, rows = 0;
    int rc = CS_OK, step = SQLITE_DONE;

    p->n = p->pos = 0;
    if (p->end || ask == 0) {
        p->end = true;
        return CS_OK;
    }
    if (p->key_param)
        sqlite3_bind_int64(p->st, p->key_param, p->key);
    sqlite3_bind_int64(p->st, p->limit_param, (int64_t)ask);
    while (rc == CS_OK && (step = cs_db__step(db, p->st)) == SQLITE_ROW) {
        rows++;
        rc = row(payload, p->st);
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, what);
    /* Resetting ends the read: between pages the handle holds no snapshot. */
    sqlite3_reset(p->st);
    if (rc < 0 && step == SQLITE_ROW)
        rows--; /* the row that failed is read again with the next page */
    if (p->left != SIZE_MAX)
        p->left -= rows;
    if (rc < 0)
        return rc;
    p->end = rc != CS_PAGE_FULL && rows < ask;
    return CS_OK;
}

int cs_db__page_next(size_t *i, cs_page *p, cs_db *db, cs_page_row_fn row, void *payload,
                     const char *what)
{
    int rc;

    if (p->pos == p->n && (rc = cs_db__page(p, db, row, payload, what)) < 0)
        return rc;
    if (p->pos == p->n)
        return CS_ITEROVER;
    *i = p->pos++;
    return CS_OK;
}

int cs_db__int(int64_t *out, cs_db *db, const char *sql, const char *what)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);
    int step;

    if (!st)
        return cs_error_last()->code;
    step = cs_db__step(db, st);
    if (step == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    cs_db__done(st);
    return step == SQLITE_ROW ? CS_OK
                              : cs_db__error(db, step == SQLITE_DONE ? SQLITE_ERROR : step, what);
}

int cs_db__one(cs_db *db, sqlite3_stmt *st, int64_t id, const char *field, const char *what)
{
    int rc = cs_db__step(db, st);

    if (rc == SQLITE_ROW)
        return CS_OK;
    cs_db__done(st);
    if (rc != SQLITE_DONE)
        return cs_db__error(db, rc, what);
    return cs_error__set(CS_ENOTFOUND, field, "%s %lld does not exist", what, (long long)id);
}

int cs_db__exists(cs_db *db, const char *sql, int64_t id, const char *field, const char *what)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);
    int rc;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = cs_db__one(db, st, id, field, what)) == CS_OK)
        cs_db__done(st);
    return rc;
}

int cs_db__found(bool *found, cs_db *db, sqlite3_stmt *st, const char *what)
{
    int step;

    *found = false;
    if (!st)
        return cs_error_last()->code;
    step = cs_db__step(db, st);
    cs_db__done(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return cs_db__error(db, step, what);
    *found = step == SQLITE_ROW;
    return CS_OK;
}

void cs_db__put_actor(cs_db *db, int kind, int64_t id)
{
    db->actor_kind = kind;
    db->actor_id = id;
}

int cs_db_actor(const cs_db *db, int64_t *id)
{
    if (id)
        *id = db ? db->actor_id : 0;
    return db ? db->actor_kind : CS_ACTOR_SYSTEM;
}
