/*
 * libcs - custom-field definitions in SQLite.
 */
#include "config.h"

#include "db.h"
#include "store/custom.h"

static const char sql_define[] =
    "INSERT INTO custom_field (object, name, type, customer_writable, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (object, name) DO UPDATE SET"
    " type = excluded.type, customer_writable = excluded.customer_writable,"
    " updated_at = excluded.updated_at";
static const char sql_remove[] = "DELETE FROM custom_field WHERE object = ?1 AND name = ?2";
static const char sql_get[] =
    "SELECT type, customer_writable FROM custom_field WHERE object = ?1 AND name = ?2";
static const char sql_list[] = "SELECT object, name, type, customer_writable FROM custom_field"
                               " WHERE ?1 = 0 OR object = ?1 ORDER BY object, name";

int cs_store__custom_define(cs_db *db, const cs_custom_field *f, cs_time now)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_define);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int(st, 1, f->object);
    cs_db__bind_text(st, 2, f->name);
    sqlite3_bind_int(st, 3, f->type);
    sqlite3_bind_int(st, 4, f->customer_writable);
    sqlite3_bind_int64(st, 5, now);
    return cs_db__exec_stmt(db, st);
}

int cs_store__custom_remove(bool *removed, cs_db *db, int object, const char *name)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_remove);
    int rc;

    *removed = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int(st, 1, object);
    cs_db__bind_text(st, 2, name);
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
        return rc;
    *removed = sqlite3_changes(db->sql) > 0;
    return CS_OK;
}

int cs_store__custom_get(bool *found, int *type, int *writable, cs_db *db, int object,
                         const char *name)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_get);
    int step;

    *found = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int(st, 1, object);
    cs_db__bind_text(st, 2, name);
    if ((step = cs_db__step(db, st)) == SQLITE_ROW) {
        *found = true;
        *type = sqlite3_column_int(st, 0);
        *writable = sqlite3_column_int(st, 1);
    }
    cs_db__done(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CS_OK
                                                     : cs_db__error(db, step, "read custom fields");
}

int cs_store__custom_list(cs_db *db, int object, cs_store__custom_fn fn, void *payload)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_list);
    int rc = CS_OK, step = SQLITE_DONE;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int(st, 1, object);
    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW) {
        cs_custom_field f = {CS_CUSTOM_FIELD_VERSION, sqlite3_column_int(st, 0),
                             (const char *)sqlite3_column_text(st, 1), sqlite3_column_int(st, 2),
                             sqlite3_column_int(st, 3)};
        rc = fn(payload, &f);
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "list custom fields");
    cs_db__done(st);
    return rc;
}
