/*
 * libcs - the audit trail in SQLite.
 */
#include "config.h"

#include <string.h>

#include "db.h"
#include "store/audit.h"
#include "store/sqlite/rows.h"

static const char sql_insert[] =
    "INSERT INTO audit (at, actor_kind, actor_id, object, object_id, ticket_id, customer_id,"
    " action, field, old, new) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
/* Read a page at a time: ?3 is the last id read, ?4 the page's size. */
static const char sql_by_ticket[] =
    "SELECT id, at, actor_kind, actor_id, object, object_id, action, field, old, new"
    " FROM audit WHERE ticket_id = ?1 AND id > ?3 ORDER BY id LIMIT ?4";
static const char sql_by_customer[] =
    "SELECT id, at, actor_kind, actor_id, object, object_id, action, field, old, new"
    " FROM audit WHERE customer_id = ?1 AND id > ?3 ORDER BY id LIMIT ?4";
/* A ticket's and a customer's own entries carry their id as ticket_id or customer_id too
 * (cs_audit__record), and are found through those indexes; the object index holds only the
 * other objects' entries (0013-lean-rows.sql), and its condition is repeated here word for
 * word so that SQLite may use it. */
static const char sql_by_object[] =
    "SELECT id, at, actor_kind, actor_id, object, object_id, action, field, old, new"
    " FROM audit WHERE object = ?2 AND object_id = ?1 AND id > ?3"
    " AND object NOT IN ('ticket', 'customer') ORDER BY id LIMIT ?4";
static const char sql_by_ticket_object[] =
    "SELECT id, at, actor_kind, actor_id, object, object_id, action, field, old, new"
    " FROM audit WHERE ticket_id = ?1 AND object = ?2 AND object_id = ?1 AND id > ?3"
    " ORDER BY id LIMIT ?4";
static const char sql_by_customer_object[] =
    "SELECT id, at, actor_kind, actor_id, object, object_id, action, field, old, new"
    " FROM audit WHERE customer_id = ?1 AND object = ?2 AND object_id = ?1 AND id > ?3"
    " ORDER BY id LIMIT ?4";

static void bind_id(sqlite3_stmt *st, int idx, int64_t id)
{
    if (id)
        sqlite3_bind_int64(st, idx, id);
    else
        sqlite3_bind_null(st, idx);
}

int cs_store__audit_insert(cs_db *db, const cs_audit_entry *e, int64_t ticket_id,
                           int64_t customer_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_insert);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, e->at);
    sqlite3_bind_int(st, 2, e->actor_kind);
    bind_id(st, 3, e->actor_id);
    cs_db__bind_text(st, 4, e->object);
    sqlite3_bind_int64(st, 5, e->object_id);
    bind_id(st, 6, ticket_id);
    bind_id(st, 7, customer_id);
    cs_db__bind_text(st, 8, e->action);
    cs_db__bind_text(st, 9, e->field);
    cs_db__bind_text(st, 10, e->old_value);
    cs_db__bind_text(st, 11, e->new_value);
    return cs_db__exec_stmt(db, st);
}

/* An entry of a page, with its own copies of the strings the entry points to: object,
 * action, field, old and new, read from these columns. */
static const int text_columns[] = {4, 6, 7, 8, 9};

struct audit_row {
    cs_audit_entry entry;
    char *text[CS_ARRAY_SIZE(text_columns)];
};

struct cs_audit_iter {
    cs_db *db;
    cs_page page;
    struct audit_row rows[CS_PAGE_ROWS];
};

int cs_store__audit_list(cs_audit_iter **out, cs_db *db, int scope, int64_t id, const char *object)
{
    const char *sql = scope == CS_AUDIT_TICKET                ? sql_by_ticket
                      : scope == CS_AUDIT_CUSTOMER            ? sql_by_customer
                      : object && !strcmp(object, "ticket")   ? sql_by_ticket_object
                      : object && !strcmp(object, "customer") ? sql_by_customer_object
                                                              : sql_by_object;
    cs_audit_iter *it;
    sqlite3_stmt *st;
    int rc;

    if (!(it = cs_mem__calloc(1, sizeof(*it))))
        return cs_error__nomem();
    if ((rc = cs_db__prepare(&st, db, sql, "read the audit trail")) < 0) {
        cs_mem__free(it);
        return rc;
    }
    sqlite3_bind_int64(st, 1, id);
    if (object)
        sqlite3_bind_text(st, 2, object, -1, SQLITE_TRANSIENT);
    it->page = (cs_page)CS_PAGE_INIT(st, 3, 0, 4, 0);
    it->db = db;
    *out = it;
    return CS_OK;
}

static void audit_row_clear(struct audit_row *r)
{
    for (size_t i = 0; i < CS_ARRAY_SIZE(r->text); i++)
        cs_mem__free(r->text[i]);
    memset(r, 0, sizeof(*r));
}

static int keep_entry(void *payload, sqlite3_stmt *st)
{
    cs_audit_iter *it = payload;
    struct audit_row *r = &it->rows[it->page.n];
    cs_audit_entry *e = &r->entry;
    int rc = CS_OK;

    audit_row_clear(r);
    for (size_t i = 0; i < CS_ARRAY_SIZE(text_columns); i++)
        r->text[i] = cs_db__column_strdup(st, text_columns[i], &rc);
    if (rc < 0)
        return rc;
    e->id = sqlite3_column_int64(st, 0);
    e->at = sqlite3_column_int64(st, 1);
    e->actor_kind = sqlite3_column_int(st, 2);
    e->actor_id = sqlite3_column_int64(st, 3);
    e->object = r->text[0];
    e->object_id = sqlite3_column_int64(st, 5);
    e->action = r->text[1];
    e->field = r->text[2];
    e->old_value = r->text[3];
    e->new_value = r->text[4];
    it->page.key = e->id;
    it->page.n++;
    return CS_OK;
}

int cs_store__audit_list_next(const cs_audit_entry **out, cs_audit_iter *it)
{
    size_t i;
    int rc;

    rc = cs_db__page_next(&i, &it->page, it->db, keep_entry, it, "read the audit trail");
    if (rc != CS_OK)
        return rc;
    *out = &it->rows[i].entry;
    return CS_OK;
}

void cs_store__audit_list_free(cs_audit_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->page.st);
    for (size_t i = 0; i < CS_PAGE_ROWS; i++)
        audit_row_clear(&it->rows[i]);
    cs_mem__free(it);
}

static const char sql_erase_customer[] =
    "UPDATE audit SET old = NULL, new = NULL"
    " WHERE customer_id = ?1 OR ticket_id IN (SELECT id FROM ticket WHERE customer_id = ?1)";

int cs_store__audit_erase_customer(cs_db *db, int64_t customer_id)
{
    return cs_db__exec_ids(db, sql_erase_customer, customer_id, 0, 0);
}

/* Export ------------------------------------------------------------------------------- */

static const char sql_export[] =
    "SELECT id, at, actor_kind, actor_id, object, object_id, ticket_id, action, field, old, new"
    " FROM audit WHERE customer_id = ?1"
    " OR ticket_id IN (SELECT id FROM ticket WHERE customer_id = ?1) ORDER BY id";

int cs_store__audit_export(char **out, cs_db *db, int64_t customer_id)
{
    return cs_rows__json(out, db, sql_export, customer_id, NULL);
}
