/*
 * libcs - the handle and the SQL helpers of the storage layer: for db.c and the storage
 * files only (the logic above them never includes sqlite3.h). Not API.
 */
#ifndef CS_DB_PRIVATE_H
#define CS_DB_PRIVATE_H

#include "cs-internal.h"

#include <sqlite3.h>

struct cs_db {
    sqlite3 *sql;
    char *path;
    unsigned int flags;
    int schema_version;
    cs_clock_fn clock;
    void *clock_payload;
    int busy_timeout_ms;
    int64_t busy_deadline; /* monotonic ms when the current wait gives up; 0: none yet */
    bool busy_scoped;      /* a statement's waits share busy_deadline (db.c) */
    int txn_depth;         /* open section levels (outermost BEGIN, then savepoints or joins) */
    /* Bit d - 1 for the level at depth d <= CS_DB_LEVELS (deeper ones are all savepoints):
     * joined: opened no savepoint, its changes are its enclosing level's (db.c);
     * host: opened by the host (cs_db_begin, cs_db_begin_bulk), never joined. */
    uint64_t joined, host;
    bool bulk;        /* the outermost section is the host's bulk section */
    int failed_level; /* > 0: a joined level failed; the level at this depth must roll back */
    bool bulk_cache;  /* the page cache has a bulk section's size (db.c) */
    bool relaxed;     /* the open transaction commits without waiting for the disk */
    struct cs_stmt_cache *stmts;
    /* The actor the host set (cs_db_set_actor). Its rights are read again at the start of
     * every call (cs_perm__require), never kept here. */
    int actor_kind;
    int64_t actor_id;
    /* What modules keep per handle (cs_db__state). */
    struct cs_db_state {
        const void *key;
        void *state;
        cs_db__release_fn release;
        bool keep; /* across rollbacks */
    } states[CS_DB_STATES];
};

/* A cached prepared statement for `sql`, which must be a string with static storage: the
 * cache is keyed by its address. Returns NULL after recording the error. Release with
 * cs_db__done(), which resets the statement and clears its bindings. */
sqlite3_stmt *cs_db__stmt(cs_db *db, const char *sql);
void cs_db__done(sqlite3_stmt *stmt);

/* Step a statement, retrying while the database is busy. Returns SQLite's code. */
int cs_db__step(cs_db *db, sqlite3_stmt *stmt);

/* Run a statement that returns no rows (or whose rows are ignored) and release it.
 * Returns CS_OK or the mapped error. */
int cs_db__exec_stmt(cs_db *db, sqlite3_stmt *stmt);
/* Bind id `v` to parameter `idx`; 0 binds NULL: no row has id 0, and a 0 reference means
 * none. */
void cs_db__bind_id(sqlite3_stmt *st, int idx, int64_t v);
/* Bind ids a, b, c as cs_db__bind_id() does to ?1..?3, as many as the statement takes. */
void cs_db__bind_ids(sqlite3_stmt *st, int64_t a, int64_t b, int64_t c);
/* Run `sql` with up to three integer parameters ?1 = a, ?2 = b, ?3 = c, as many as it takes;
 * a 0 binds NULL (no row has id 0, and a 0 reference means none). */
int cs_db__exec_ids(cs_db *db, const char *sql, int64_t a, int64_t b, int64_t c);
/* The first column of every row `sql` selects for ?1 = a, ?2 = b, in *out (release with
 * cs_mem__free). */
int cs_db__load_ids(int64_t **out, size_t *n, cs_db *db, const char *sql, int64_t a, int64_t b);

/* Map an SQLite result code to a libcs status and record the error. `what` says what was
 * being done ("insert customer"). */
int cs_db__error(cs_db *db, int sqlite_rc, const char *what);

/* Schema migrations: ordered, version = position + 1. */
typedef struct cs_migration {
    const char *name;
    const char *sql;
} cs_migration;

extern const cs_migration cs_schema__migrations[];
extern const size_t cs_schema__count;

/* Bring the database to the last of `list`, each step in its own transaction. */
int cs_db__migrate(cs_db *db, const cs_migration *list, size_t count);

/* Binding helpers: bind text (NULL binds SQL NULL), int64, or NULL if value < 0. */
int cs_db__bind_text(sqlite3_stmt *st, int idx, const char *s);
/* A copy of column `col` as a libcs-allocated string, or NULL for SQL NULL. On allocation
 * failure *rc is set to CS_ENOMEM (it is left alone otherwise). */
char *cs_db__column_strdup(sqlite3_stmt *st, int col, int *rc);

/* A statement of its own, outside the cache, for an iterator that lives across other calls
 * on the handle (a cached one may be reset by them). Release with sqlite3_finalize(). */
int cs_db__prepare(sqlite3_stmt **out, cs_db *db, const char *sql, const char *what);

/* Iterators read their rows a page at a time, by keyset: a page is read into memory and the
 * statement reset, and the next page starts after the last key read. No read stays open
 * between the caller's calls: an open statement would keep the handle's snapshot, and a
 * handle whose snapshot is older than another handle's commit cannot write until it ends. */
#define CS_PAGE_ROWS 100
#define CS_PAGE_BYTES (1024 * 1024) /* a page of large rows (messages) ends sooner */
/* Returned by a page's row function to end the page after this row. */
#define CS_PAGE_FULL 1

/* Where an iterator stands. */
typedef struct cs_page {
    sqlite3_stmt *st; /* its statement (cs_db__prepare), bound but for the key and the size */
    int key_param;    /* the parameter for the last key read; 0: the iterator binds it */
    int limit_param;  /* the parameter for the page's size */
    int64_t key;      /* the last key read (the row function moves it) */
    size_t n;         /* rows the row function kept in this page */
    size_t pos;       /* the next of them to hand out */
    size_t left;      /* rows the caller's limit still allows; SIZE_MAX for no limit */
    bool end;         /* the last page has been read */
} cs_page;
#define CS_PAGE_INIT(st, key_param, key, limit_param, limit)                                       \
    {                                                                                              \
        (st), (key_param), (limit_param), (key), 0, 0, (limit) ? (size_t)(limit) : SIZE_MAX, false \
    }

/* Take one row of a page: keep it (counting it in the page's n) or skip it, and move the
 * page's key to it. CS_OK, CS_PAGE_FULL, or an error (then without moving the key: the row
 * is read again with the next page). */
typedef int (*cs_page_row_fn)(void *payload, sqlite3_stmt *st);

/* Read the next page: bind the key and min(CS_PAGE_ROWS, p->left) as the page's size, hand
 * every row to `row`, and reset the statement, keeping its bindings. Sets p->n (through
 * `row`), p->pos and p->end. On an error the rows kept so far stay in the page, and the
 * next page starts after the last row read. */
int cs_db__page(cs_page *p, cs_db *db, cs_page_row_fn row, void *payload, const char *what);
/* An iterator's next step: *i is the index in the page of the row to hand out, the next
 * page read when this one is spent. CS_OK, CS_ITEROVER at the end, or the error. */
int cs_db__page_next(size_t *i, cs_page *p, cs_db *db, cs_page_row_fn row, void *payload,
                     const char *what);

/* Run a statement without parameters that yields one integer (a count, a counter's new
 * value). A missing row is an error of `what`. */
int cs_db__int(int64_t *out, cs_db *db, const char *sql, const char *what);

/* Step a bound statement that selects the row of `id`. CS_OK: the row is there to read
 * (then release the statement with cs_db__done). Otherwise the statement is released and
 * the result is CS_ENOTFOUND naming `field` ("<what> <id> does not exist") or the mapped
 * storage error. */
int cs_db__one(cs_db *db, sqlite3_stmt *st, int64_t id, const char *field, const char *what);

/* Check that a row exists: `sql` takes the id as ?1 and returns a row if it does;
 * CS_ENOTFOUND naming `field` otherwise. */
int cs_db__exists(cs_db *db, const char *sql, int64_t id, const char *field, const char *what);

/* Step a bound statement (the one cs_db__stmt() gave, or NULL when that failed) and say in
 * *found whether it selected a row; the statement is released. A storage error is one of
 * `what`. */
int cs_db__found(bool *found, cs_db *db, sqlite3_stmt *st, const char *what);

/* util.c: read the first text column of every row of a statement, then release it. */
int cs_strv__load(cs_strv *out, cs_db *db, sqlite3_stmt *st);
/* An SQL condition on ticket alias T: true for every ticket when parameter P is 0, else for
 * the tickets of agent P's groups and those assigned to it. */
#define CS_SCOPE_SQL(T, P)                                                                         \
    "(" P " = 0 OR " T ".assignee_id = " P " OR " T ".group_id IN"                                 \
    " (SELECT group_id FROM group_member WHERE agent_id = " P "))"

#endif
