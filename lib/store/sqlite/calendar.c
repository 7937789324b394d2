/*
 * libcs - stored calendars in SQLite.
 */
#include "config.h"

#include "db.h"
#include "store/calendar.h"

/* RETURNING hands back the id and revision the upsert left, inserted or updated, without a
 * second read (SQLite 3.35 and later). */
static const char sql_upsert[] =
    "INSERT INTO calendar (name, definition, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)"
    " ON CONFLICT (name) DO UPDATE SET definition = excluded.definition,"
    " revision = revision + 1, updated_at = excluded.updated_at RETURNING id, revision";
static const char sql_definition[] = "SELECT definition, revision FROM calendar WHERE id = ?1";
static const char sql_revision[] = "SELECT revision FROM calendar WHERE id = ?1";
static const char sql_by_name[] = "SELECT id FROM calendar WHERE name = ?1";

int cs_store__calendar_put(int64_t *id, int64_t *revision, cs_db *db, const char *name,
                           const char *definition, cs_time now)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_upsert);
    int rc;

    if (!st)
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, name);
    cs_db__bind_text(st, 2, definition);
    sqlite3_bind_int64(st, 3, now);
    rc = cs_db__step(db, st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        *revision = sqlite3_column_int64(st, 1);
        rc = CS_OK;
    } else {
        rc = cs_db__error(db, rc, "store calendar");
    }
    cs_db__done(st);
    return rc;
}

int cs_store__calendar_get(char **definition, int64_t *revision, bool *found, cs_db *db, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_definition);
    int rc = CS_OK, step;

    *definition = NULL;
    *found = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    if ((step = cs_db__step(db, st)) == SQLITE_ROW) {
        *found = true;
        *revision = sqlite3_column_int64(st, 1);
        *definition = cs_db__column_strdup(st, 0, &rc);
    } else if (step != SQLITE_DONE) {
        rc = cs_db__error(db, step, "calendar");
    }
    cs_db__done(st);
    return rc;
}

int cs_store__calendar_revision(int64_t *revision, bool *found, cs_db *db, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_revision);
    int rc;

    *found = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    rc = cs_db__step(db, st);
    *found = rc == SQLITE_ROW;
    *revision = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    cs_db__done(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? CS_OK : cs_db__error(db, rc, "read calendar");
}

int cs_store__calendar_find(int64_t *id, bool *found, cs_db *db, const char *name)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_by_name);
    int rc;

    *found = false;
    if (!st)
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, name);
    rc = cs_db__step(db, st);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    cs_db__done(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? CS_OK : cs_db__error(db, rc, "read calendar");
}
