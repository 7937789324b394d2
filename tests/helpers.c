#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <unistd.h>

#include "helpers.h"

#define T_START 1772442000 /* 2026-03-02T09:00:00Z */
cs_time t_now = T_START;

cs_time t_clock(void *payload)
{
    (void)payload;
    return t_now;
}

static char dir[256];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_dir(void)
{
    if (dir[0])
        nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

char *t_path(const char *name)
{
    char *path;

    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s/libcs-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        ck_assert_ptr_nonnull(mkdtemp(dir));
        atexit(remove_dir);
    }
    path = malloc(strlen(dir) + strlen(name) + 2);
    ck_assert_ptr_nonnull(path);
    sprintf(path, "%s/%s", dir, name);
    unlink(path);
    return path;
}

cs_db *t_open_memory(void)
{
    cs_db *db = NULL;
    /* Each test starts at the same time, also when tests share a process (CK_FORK=no,
     * as under valgrind), where an earlier test may have moved the clock. */
    t_now = T_START;
    ck_assert_ok(cs_db_open(&db, ":memory:", CS_OPEN_CREATE));
    cs_db_set_clock(db, t_clock, NULL);
    return db;
}

static int64_t insert(cs_db *db, const char *sql, const char *text1, const char *text2, int64_t n)
{
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_int64(st, 1, t_now);
    if (text1)
        sqlite3_bind_text(st, 2, text1, -1, SQLITE_STATIC);
    if (text2)
        sqlite3_bind_text(st, 3, text2, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, n);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    return sqlite3_last_insert_rowid(db->sql);
}

int64_t t_customer(cs_db *db, const char *name, const char *email)
{
    int64_t id = insert(db,
                        "INSERT INTO customer (name, created_at, updated_at) "
                        "VALUES (?2, ?1, ?1)",
                        name, NULL, 0);
    if (email)
        insert(db,
               "INSERT INTO identity (customer_id, kind, value, created_at) "
               "VALUES (?4, 1, ?2, ?1)",
               email, NULL, id);
    return id;
}

int64_t t_agent(cs_db *db, const char *name, int role)
{
    return insert(db,
                  "INSERT INTO agent (name, initials, role, created_at, updated_at) "
                  "VALUES (?2, substr(?2, 1, 2), ?4, ?1, ?1)",
                  name, NULL, role);
}

int64_t t_channel(cs_db *db, int kind, const char *name)
{
    return insert(db,
                  "INSERT INTO channel (kind, name, created_at, updated_at) "
                  "VALUES (?4, ?2, ?1, ?1)",
                  name, NULL, kind);
}

int64_t t_group(cs_db *db, const char *name)
{
    return insert(db, "INSERT INTO agent_group (name, created_at) VALUES (?2, ?1)", name, NULL, 0);
}

int64_t t_organization(cs_db *db, const char *name, int shared)
{
    return insert(db,
                  "INSERT INTO organization (name, shared_tickets, created_at) "
                  "VALUES (?2, ?4, ?1)",
                  name, NULL, shared);
}

int64_t t_sql_int(cs_db *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    ck_assert_msg(sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(db->sql));
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

struct trace {
    char *buf;
    size_t size;
};

static int trace_sql(unsigned type, void *payload, void *stmt, void *x)
{
    struct trace *t = payload;
    char *sql;
    (void)type;
    (void)x;
    if ((sql = sqlite3_expanded_sql(stmt)) != NULL) {
        size_t len = strlen(t->buf);
        snprintf(t->buf + len, t->size - len, "%s\n", sql);
        sqlite3_free(sql);
    }
    return 0;
}

void t_trace_start(cs_db *db, char *buf, size_t size)
{
    static struct trace t;
    t = (struct trace){buf, size};
    buf[0] = '\0';
    sqlite3_trace_v2(db->sql, SQLITE_TRACE_STMT, trace_sql, &t);
}

void t_trace_stop(cs_db *db)
{
    sqlite3_trace_v2(db->sql, 0, NULL, NULL);
}

int64_t t_ticket(cs_db *db, int64_t customer_id, const char *subject)
{
    return insert(db,
                  "INSERT INTO ticket (number, subject, customer_id, status, priority, type,"
                  " created_at, updated_at) VALUES ((SELECT coalesce(max(number), 0) + 1"
                  " FROM ticket), ?2, ?4, 2, 2, 1, ?1, ?1)",
                  subject, NULL, customer_id);
}

int64_t t_message(cs_db *db, int64_t ticket_id, int author_kind, int64_t author_id, int visibility,
                  const char *body)
{
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db->sql,
                                        "INSERT INTO message (ticket_id, direction, visibility,"
                                        " author_kind, author_id, subject, body, created_at)"
                                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, ticket_id);
    sqlite3_bind_int(st, 2, author_kind == CS_ACTOR_CUSTOMER ? 1 : 2);
    sqlite3_bind_int(st, 3, visibility);
    sqlite3_bind_int(st, 4, author_kind);
    sqlite3_bind_int64(st, 5, author_id);
    sqlite3_bind_text(st, 6, body, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, t_now);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    return sqlite3_last_insert_rowid(db->sql);
}

char *t_snapshot(cs_db *db)
{
    sqlite3_stmt *tables = NULL;
    size_t len = 0, cap = 4096;
    char *s = malloc(cap);

    ck_assert_ptr_nonnull(s);
    s[0] = '\0';
    ck_assert_int_eq(sqlite3_prepare_v2(db->sql,
                                        "SELECT name FROM sqlite_schema WHERE type ="
                                        " 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                                        -1, &tables, NULL),
                     SQLITE_OK);
    while (sqlite3_step(tables) == SQLITE_ROW) {
        char sql[160];
        sqlite3_stmt *st = NULL;
        snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\" ORDER BY 1, 2",
                 (const char *)sqlite3_column_text(tables, 0));
        ck_assert_int_eq(sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const char *v = (const char *)sqlite3_column_text(st, c);
                size_t n = strlen(v ? v : "NULL") + 2;
                if (len + n + 1 > cap) {
                    cap = (len + n + 1) * 2;
                    s = realloc(s, cap);
                    ck_assert_ptr_nonnull(s);
                }
                len += (size_t)sprintf(s + len, "%s%c", v ? v : "NULL", c ? '|' : '\n');
            }
        }
        sqlite3_finalize(st);
    }
    sqlite3_finalize(tables);
    return s;
}

void t_conforms(const char *method, json_t *answer)
{
    const cs_call__method *m = cs_call__method_named(method);
    char *text;

    ck_assert_msg(m != NULL, "no catalogue entry for %s", method);
    if (json_object_get(answer, "error") || cs_call__conforms(m->response, answer) == CS_OK)
        return;
    text = json_dumps(answer, JSON_COMPACT);
    ck_abort_msg("%s answers against its catalogue entry: %s\n%s", method, cs_error_last()->message,
                 text);
}
