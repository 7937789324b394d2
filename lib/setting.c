/*
 * libcs - database-wide settings with defaults and ranges.
 */
#include "config.h"

#include <string.h>

#include "cs-internal.h"

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
