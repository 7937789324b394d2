/*
 * libcs - settings and job progress in SQLite.
 */
#include "config.h"

#include "db.h"
#include "store/setting.h"

static const char sql_get[] = "SELECT value FROM setting WHERE name = ?1";
static const char sql_set[] = "INSERT INTO setting (name, value) VALUES (?1, ?2)"
                              " ON CONFLICT (name) DO UPDATE SET value = excluded.value";
/* A job's progress lives in meta, which every schema has, under "progress:<job>". */
static const char sql_progress_get[] = "SELECT value FROM meta WHERE key = 'progress:' || ?1";
static const char sql_progress_set[] =
    "INSERT INTO meta (key, value) VALUES ('progress:' || ?1, ?2)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value";
static const char sql_progress_forget[] = "DELETE FROM meta WHERE key = 'progress:' || ?1";

int cs_store__setting_get(int64_t *value, bool *found, cs_db *db, const char *name)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_get);
    int step;

    *found = false;
    if (!st)
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, name);
    if ((step = cs_db__step(db, st)) == SQLITE_ROW) {
        *value = sqlite3_column_int64(st, 0);
        *found = true;
    }
    cs_db__done(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CS_OK
                                                     : cs_db__error(db, step, "read setting");
}

int cs_store__setting_set(cs_db *db, const char *name, int64_t value)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_set);

    if (!st)
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, name);
    sqlite3_bind_int64(st, 2, value);
    return cs_db__exec_stmt(db, st);
}

int cs_store__progress_get(char **position, cs_db *db, const char *job)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_progress_get);
    int rc = CS_OK, step;

    *position = NULL;
    if (!st)
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, job);
    step = cs_db__step(db, st);
    if (step == SQLITE_ROW)
        *position = cs_db__column_strdup(st, 0, &rc);
    else if (step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read job progress");
    cs_db__done(st);
    return rc;
}

int cs_store__progress_set(cs_db *db, const char *job, const char *position)
{
    sqlite3_stmt *st = cs_db__stmt(db, position ? sql_progress_set : sql_progress_forget);

    if (!st)
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, job);
    if (position)
        cs_db__bind_text(st, 2, position);
    return cs_db__exec_stmt(db, st);
}
