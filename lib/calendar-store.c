/*
 * libcs - stored calendars: calendars kept in the database by name, and the per-handle
 * cache of parsed calendars and zone tables the SLA arithmetic works with.
 *
 * The cache: parsing a calendar reads its zone from libical (milliseconds), so each handle
 * keeps what it parsed, keyed by id. Every use checks the row's `revision` with one primary
 * key lookup; a calendar replaced through any handle or process has a new revision and is
 * parsed again. A rollback drops the cache (see cs_db__end), so nothing read inside a
 * rolled-back transaction survives it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cs-internal.h"
#include "perm.h"
#include "audit.h"
#include "calendar.h"
#include "store/calendar.h"

struct cal_entry {
    int64_t id; /* a stored calendar's id, or 0 for a zone table */
    int64_t revision;
    char *zone; /* zone tables: the zone's name */
    cs_calendar *cal;
};

struct cs_cal_cache {
    struct cal_entry *v;
    size_t n, cap;
};

/* The key of the handle's parsed calendars (cs_db__state). */
static const char cache_key = 0;

static void cache_release(void *state)
{
    struct cs_cal_cache *c = state;

    for (size_t i = 0; i < c->n; i++) {
        cs_calendar_free(c->v[i].cal);
        cs_mem__free(c->v[i].zone);
    }
    cs_mem__free(c->v);
    cs_mem__free(c);
}

/* Append an entry, taking over `cal` and `zone` (released on failure). */
static int cache_add(cs_db *db, int64_t id, int64_t revision, char *zone, cs_calendar *cal)
{
    struct cs_cal_cache *c = cs_db__state_get(db, &cache_key, sizeof(*c), cache_release, false);

    if (!c) {
        cs_calendar_free(cal);
        cs_mem__free(zone);
        return cs_error_last()->code;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 8;
        struct cal_entry *v = cs_mem__realloc(c->v, cap * sizeof(*v));
        if (!v)
            goto nomem;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = (struct cal_entry){id, revision, zone, cal};
    return CS_OK;
nomem:
    cs_calendar_free(cal);
    cs_mem__free(zone);
    return cs_error__nomem();
}

static struct cal_entry *cache_find(cs_db *db, int64_t id, const char *zone)
{
    struct cs_cal_cache *c = cs_db__state(db, &cache_key);

    for (size_t i = 0; c && i < c->n; i++)
        if (zone ? c->v[i].zone && !strcmp(c->v[i].zone, zone) : c->v[i].id == id)
            return &c->v[i];
    return NULL;
}

/* Parse the stored definition of calendar `id`. */
static int parse_stored(cs_calendar **out, int64_t *revision, cs_db *db, int64_t id,
                        const char *field)
{
    char *definition = NULL;
    bool found;
    int rc;

    *out = NULL;
    if ((rc = cs_store__calendar_get(&definition, revision, &found, db, id)) < 0)
        return rc;
    if (found)
        rc = cs_calendar_from_json(out, definition);
    else
        rc = cs_error__set(CS_ENOTFOUND, field, "calendar %lld does not exist", (long long)id);
    cs_mem__free(definition);
    return rc;
}

static int stored_revision(int64_t *out, cs_db *db, int64_t id)
{
    bool found;
    int rc;

    if ((rc = cs_store__calendar_revision(out, &found, db, id)) < 0)
        return rc;
    if (!found)
        return cs_error__set(CS_ENOTFOUND, "calendar_id", "calendar %lld does not exist",
                             (long long)id);
    return CS_OK;
}

int cs_calendar__cached(const cs_calendar **out, cs_db *db, int64_t id)
{
    struct cal_entry *e = cache_find(db, id, NULL);
    cs_calendar *cal = NULL;
    int64_t revision = 0;
    int rc;

    *out = NULL;
    if ((rc = stored_revision(&revision, db, id)) < 0)
        return rc;
    if (e && e->revision == revision) {
        *out = e->cal;
        return CS_OK;
    }
    if ((rc = parse_stored(&cal, &revision, db, id, "calendar_id")) < 0)
        return rc;
    if (e) {
        cs_calendar_free(e->cal);
        e->cal = cal;
        e->revision = revision;
    } else if ((rc = cache_add(db, id, revision, NULL, cal)) < 0) {
        return rc;
    }
    *out = cal;
    return CS_OK;
}

/* The zone table of `zone` (a calendar with no hours), or NULL for an unknown zone. */
static int zone_calendar(const cs_calendar **out, cs_db *db, const char *zone)
{
    struct cal_entry *e = cache_find(db, 0, zone);
    cs_calendar *cal = NULL;
    char *name;
    int rc;

    *out = NULL;
    if (e) {
        *out = e->cal;
        return CS_OK;
    }
    if ((rc = cs_calendar_new(&cal, zone)) == CS_EINVAL) {
        cs_error_clear();
        return CS_OK;
    }
    if (rc < 0)
        return rc;
    if (!(name = cs_mem__strdup(zone))) {
        cs_calendar_free(cal);
        return cs_error__nomem();
    }
    if ((rc = cache_add(db, 0, 0, name, cal)) == CS_OK)
        *out = cal;
    return rc;
}

/* A local date and time as customers of a language read it; the zone follows in brackets. */
static void format_for(char *buf, size_t size, const char *language, int year, int month, int day,
                       int minute_of_day, const char *zone)
{
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    int hour = minute_of_day / 60, minute = minute_of_day % 60;

    if (!strcmp(language, "de"))
        snprintf(buf, size, "%02d.%02d.%04d %02d:%02d Uhr (%s)", day, month, year, hour, minute,
                 zone);
    else if (!strcmp(language, "en"))
        snprintf(buf, size, "%d %s %04d, %02d:%02d (%s)", day, months[month - 1], year, hour,
                 minute, zone);
    else /* a language with no format of its own: ISO 8601's order reads the same anywhere */
        snprintf(buf, size, "%04d-%02d-%02d %02d:%02d (%s)", year, month, day, hour, minute, zone);
}

int cs_calendar__format_local(char *buf, size_t size, cs_db *db, const char *zone,
                              const char *language, cs_time t)
{
    const cs_calendar *cal = NULL;
    int64_t local, days;
    int year, month, day, rc;

    if (zone && *zone && (rc = zone_calendar(&cal, db, zone)) < 0)
        return rc;
    /* The zone's offset comes from libical; what remains is calendar arithmetic. */
    local = t + (cal ? cs_calendar__utc_offset(cal, t) : 0);
    days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    cs_calendar__civil_from_days((int32_t)days, &year, &month, &day);
    format_for(buf, size, language ? language : "", year, month, day,
               (int)((local - days * 86400) / 60), cal ? zone : "UTC");
    return CS_OK;
}

/* Public API ------------------------------------------------------------------------- */

static int store(int64_t *id, cs_db *db, const cs_actor *by, const char *name, const char *json)
{
    int64_t revision = 0;
    int rc;

    /* Policies hold calendars by id and every use reads the calendar through the cache
     * above, which checks its revision: no SLA counter to move. */
    if ((rc = cs_store__calendar_put(id, &revision, db, name, json, cs_db_now(db))) < 0)
        return rc;
    return cs_audit__record(db, by, "calendar", *id, 0, 0, revision > 1 ? "update" : "create",
                            "name", NULL, name);
}

int cs_calendar_store(int64_t *id, cs_db *db, const char *name, const cs_calendar *cal)
{
    int64_t stored = 0;
    char *json = NULL;
    cs_actor by;
    int rc;

    if (id)
        *id = 0;
    if (!db)
        return cs_error__inval("db", "db is NULL");
    if (!cal)
        return cs_error__inval("cal", "cal is NULL");
    if ((rc = cs_check__text("name", name, CS_CALENDAR_NAME_MAX, true)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CONFIG_WRITE)) < 0)
        return rc;
    /* Stored calendars run SLA clocks: one that never opens would give them no deadline
     * while receipts promise one. */
    if (!cs_calendar__opens_from(cal, cs_db_now(db)))
        return cs_error__inval("cal", "the calendar never opens between now and 2100, so no "
                                      "deadline could be counted in it");
    if ((rc = cs_calendar_to_json(&json, cal)) < 0)
        return rc;
    if ((rc = cs_db__begin(db)) == CS_OK)
        rc = cs_db__end(db, store(&stored, db, &by, name, json));
    cs_str_free(json);
    if (rc == CS_OK && id)
        *id = stored;
    return rc;
}

int cs_calendar_load(cs_calendar **out, cs_db *db, int64_t id)
{
    int64_t revision;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_READ)) < 0)
        return rc;
    return parse_stored(out, &revision, db, id, "id");
}

int cs_calendar_lookup_name(int64_t *id, cs_db *db, const char *name)
{
    cs_actor by;
    bool found;
    int rc;

    if (!id || !db || !name)
        return cs_error__inval(!id   ? "id"
                               : !db ? "db"
                                     : "name",
                               "%s is NULL",
                               !id   ? "id"
                               : !db ? "db"
                                     : "name");
    *id = 0;
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_READ)) < 0 ||
        (rc = cs_store__calendar_find(id, &found, db, name)) < 0)
        return rc;
    if (!found)
        return cs_error__set(CS_ENOTFOUND, "name", "calendar \"%.64s\" does not exist", name);
    return CS_OK;
}
