/*
 * libcs - database-wide settings with defaults and ranges, and the progress of resumable
 * jobs.
 */
#include "config.h"

#include <string.h>

#include "cs-internal.h"
#include "db.h"
#include "perm.h"

static const struct setting {
    const char *name;
    int64_t def, min, max;
} settings[] = {
    {"ingest.subject_window", 7 * 86400, 0, 365 * 86400},
    {"outbox.max_attempts", 8, 1, 100},
    {"outbox.backoff", 60, 1, 86400},
    {"mail.auto_reply_limit", 3, 1, 1000},
};

static const char sql_get[] = "SELECT value FROM setting WHERE name = ?1";
static const char sql_set[] = "INSERT INTO setting (name, value) VALUES (?1, ?2)"
                              " ON CONFLICT (name) DO UPDATE SET value = excluded.value";

static const struct setting *find(const char *name)
{
    for (size_t i = 0; name && i < CS_ARRAY_SIZE(settings); i++)
        if (strcmp(settings[i].name, name) == 0)
            return &settings[i];
    return NULL;
}

int cs_setting_get(int64_t *value, cs_db *db, const char *name)
{
    const struct setting *s = find(name);
    sqlite3_stmt *st;
    cs_actor by;
    int rc;

    if (!value || !db)
        return cs_error__inval(value ? "db" : "value", "%s is NULL", value ? "db" : "value");
    if (!s)
        return cs_error__inval("name", "unknown setting \"%s\"", name ? name : "(null)");
    if ((rc = cs_perm__require(&by, db, CS_CAP_SETTINGS_READ)) < 0)
        return rc;
    if (!(st = cs_db__stmt(db, sql_get)))
        return cs_error_last()->code;
    sqlite3_bind_text(st, 1, s->name, -1, SQLITE_STATIC);
    rc = cs_db__step(db, st);
    *value = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : s->def;
    cs_db__done(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? CS_OK : cs_db__error(db, rc, "read setting");
}

int cs_setting_set(cs_db *db, const char *name, int64_t value)
{
    const struct setting *s = find(name);
    sqlite3_stmt *st;
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if (!s)
        return cs_error__inval("name", "unknown setting \"%s\"", name ? name : "(null)");
    if (value < s->min || value > s->max)
        return cs_error__inval("value", "%s must be between %lld and %lld, not %lld", s->name,
                               (long long)s->min, (long long)s->max, (long long)value);
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_WRITE)) < 0 ||
        (rc = cs_db__begin(db)) < 0)
        return rc;
    if (!(st = cs_db__stmt(db, sql_set)))
        return cs_db__end(db, cs_error_last()->code);
    sqlite3_bind_text(st, 1, s->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, value);
    return cs_db__end(db, cs_db__exec_stmt(db, st));
}

/* A job's progress lives in meta, which every schema has, under "progress:<job>". */
static const char sql_progress_get[] = "SELECT value FROM meta WHERE key = 'progress:' || ?1";
static const char sql_progress_set[] =
    "INSERT INTO meta (key, value) VALUES ('progress:' || ?1, ?2)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value";
static const char sql_progress_forget[] = "DELETE FROM meta WHERE key = 'progress:' || ?1";

int cs_progress_set(cs_db *db, const char *job, const char *position)
{
    bool forget = !position || !*position;
    sqlite3_stmt *st;
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if ((rc = cs_check__text("job", job, CS_PROGRESS_JOB_MAX, true)) < 0 ||
        (rc = cs_check__text("position", position, CS_PROGRESS_MAX, false)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_JOB)) < 0 ||
        (rc = cs_db__begin(db)) < 0)
        return rc;
    if (!(st = cs_db__stmt(db, forget ? sql_progress_forget : sql_progress_set)))
        return cs_db__end(db, cs_error_last()->code);
    cs_db__bind_text(st, 1, job);
    if (!forget)
        cs_db__bind_text(st, 2, position);
    return cs_db__end(db, cs_db__exec_stmt(db, st));
}

int cs_progress_get(char **position, cs_db *db, const char *job)
{
    sqlite3_stmt *st;
    cs_actor by;
    int rc = CS_OK, step;

    if (position)
        *position = NULL;
    if (!position || !db)
        return cs_error__inval(db ? "position" : "db", "%s is NULL", db ? "position" : "db");
    if ((rc = cs_check__text("job", job, CS_PROGRESS_JOB_MAX, true)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_JOB)) < 0)
        return rc;
    if (!(st = cs_db__stmt(db, sql_progress_get)))
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
