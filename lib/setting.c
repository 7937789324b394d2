/*
 * libcs - database-wide settings with defaults and ranges, and the progress of resumable
 * jobs.
 */
#include "config.h"

#include <string.h>

#include "cs-internal.h"
#include "audit.h"
#include "perm.h"
#include "setting.h"
#include "store/setting.h"

static const struct setting {
    const char *name;
    int64_t def, min, max;
} settings[] = {
    {"ingest.subject_window", 7 * 86400, 0, 365 * 86400},
    {"outbox.max_attempts", 8, 1, 100},
    {"outbox.backoff", 60, 1, 86400},
    {"mail.auto_reply_limit", 3, 1, 1000},
};

static const struct setting *find(const char *name)
{
    for (size_t i = 0; name && i < CS_ARRAY_SIZE(settings); i++)
        if (strcmp(settings[i].name, name) == 0)
            return &settings[i];
    return NULL;
}

int cs_setting__get(int64_t *value, cs_db *db, const char *name)
{
    const struct setting *s = find(name);
    bool found;
    int rc;

    if (!s)
        return cs_error__inval("name", "unknown setting \"%s\"", name ? name : "(null)");
    if ((rc = cs_store__setting_get(value, &found, db, s->name)) == CS_OK && !found)
        *value = s->def;
    return rc;
}

int cs_setting_get(int64_t *value, cs_db *db, const char *name)
{
    cs_actor by;
    int rc;

    if (!value || !db)
        return cs_error__inval(value ? "db" : "value", "%s is NULL", value ? "db" : "value");
    if (!find(name))
        return cs_error__inval("name", "unknown setting \"%s\"", name ? name : "(null)");
    if ((rc = cs_perm__require(&by, db, CS_CAP_SETTINGS_READ)) < 0)
        return rc;
    return cs_setting__get(value, db, name);
}

/* Store and audit a change (object "setting", id 0, the setting as the field); setting
 * the value it has changes and records nothing. */
static int set(cs_db *db, const cs_actor *by, const struct setting *s, int64_t value)
{
    char before[24], after[24];
    int64_t old;
    int rc;

    if ((rc = cs_setting__get(&old, db, s->name)) < 0 || old == value)
        return rc;
    if ((rc = cs_store__setting_set(db, s->name, value)) < 0)
        return rc;
    return cs_audit__record(db, by, "setting", 0, 0, 0, "update", s->name,
                            cs_int__text(before, old, false), cs_int__text(after, value, false));
}

int cs_setting_set(cs_db *db, const char *name, int64_t value)
{
    const struct setting *s = find(name);
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if (!s)
        return cs_error__inval("name", "unknown setting \"%s\"", name ? name : "(null)");
    if (value < s->min || value > s->max)
        return cs_error__inval("value", "%s must be between %lld and %lld, not %lld", s->name,
                               (long long)s->min, (long long)s->max, (long long)value);
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, set(db, &by, s, value));
}

int cs_progress_set(cs_db *db, const char *job, const char *position)
{
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if ((rc = cs_check__text("job", job, CS_PROGRESS_JOB_MAX, true)) < 0 ||
        (rc = cs_check__text("position", position, CS_PROGRESS_MAX, false)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_JOB)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, cs_store__progress_set(db, job, position && *position ? position : NULL));
}

int cs_progress_get(char **position, cs_db *db, const char *job)
{
    cs_actor by;
    int rc;

    if (position)
        *position = NULL;
    if (!position || !db)
        return cs_error__inval(db ? "position" : "db", "%s is NULL", db ? "position" : "db");
    if ((rc = cs_check__text("job", job, CS_PROGRESS_JOB_MAX, true)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_JOB)) < 0)
        return rc;
    return cs_store__progress_get(position, db, job);
}
