/*
 * libcs - cs_call() methods for calendars.
 */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "call/call.h"

/* The calendar of a request: inline as "calendar", or stored as "calendar_id". */
static int req_calendar(cs_call__req *r, cs_db *db, cs_calendar **cal)
{
    json_t *v = cs_call__get(r, "calendar");
    int64_t id = 0;
    char *text;
    int rc;

    *cal = NULL;
    if ((rc = cs_call__id(r, "calendar_id", &id, false)) < 0)
        return rc;
    if (id && v)
        return cs_error__inval("calendar", "give calendar or calendar_id, not both");
    if (id)
        return cs_calendar_load(cal, db, id);
    if (!v)
        return cs_call__missing("calendar");
    if (!json_is_object(v))
        return cs_call__type_error("calendar", "an object");
    if (!(text = json_dumps(v, JSON_COMPACT)))
        return cs_error__nomem();
    rc = cs_calendar_from_json(cal, text);
    free(text);
    if (rc < 0 && strncmp(cs_error_last()->field, "calendar", 8) != 0) {
        char field[CS_ERROR_FIELD_MAX];
        snprintf(field, sizeof(field), "calendar.%s", cs_error_last()->field);
        cs_error__refield(field);
    }
    return rc;
}

static int m_calendar_add_seconds(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_calendar *cal = NULL;
    cs_time t = 0, result;
    int64_t seconds = 0;
    int rc;

    if ((rc = req_calendar(r, db, &cal)) == CS_OK &&
        (rc = cs_call__time(r, "time", &t, true)) == CS_OK &&
        (rc = cs_call__int(r, "seconds", &seconds, true)) == CS_OK &&
        (rc = cs_call__done(r)) == CS_OK &&
        (rc = cs_calendar_add_seconds(&result, cal, t, seconds)) == CS_OK)
        rc = (*out = json_pack("{s:o}", "time", cs_json__time(result))) ? CS_OK : cs_error__nomem();
    cs_calendar_free(cal);
    return rc;
}

static int m_calendar_seconds_between(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_calendar *cal = NULL;
    cs_time from = 0, to = 0;
    int64_t seconds;
    int rc;

    if ((rc = req_calendar(r, db, &cal)) == CS_OK &&
        (rc = cs_call__time(r, "from", &from, true)) == CS_OK &&
        (rc = cs_call__time(r, "to", &to, true)) == CS_OK && (rc = cs_call__done(r)) == CS_OK &&
        (rc = cs_calendar_seconds_between(&seconds, cal, from, to)) == CS_OK)
        rc =
            (*out = json_pack("{s:I}", "seconds", (json_int_t)seconds)) ? CS_OK : cs_error__nomem();
    cs_calendar_free(cal);
    return rc;
}

static int m_calendar_is_open(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_calendar *cal = NULL;
    cs_time t = 0, next = 0;
    int open = 0, rc;

    if ((rc = req_calendar(r, db, &cal)) == CS_OK &&
        (rc = cs_call__time(r, "time", &t, true)) == CS_OK && (rc = cs_call__done(r)) == CS_OK &&
        (rc = cs_calendar_is_open(&open, cal, t)) == CS_OK &&
        (rc = cs_calendar_next_opening(&next, cal, t)) == CS_OK)
        rc = (*out = json_pack("{s:b, s:o}", "open", open, "next_opening", cs_json__time(next)))
                 ? CS_OK
                 : cs_error__nomem();
    cs_calendar_free(cal);
    return rc;
}

static int m_calendar_store(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_calendar *cal = NULL;
    const char *name;
    int64_t id;
    int rc;

    if ((rc = cs_call__str(r, "name", &name, true)) == CS_OK &&
        (rc = req_calendar(r, db, &cal)) == CS_OK && (rc = cs_call__done(r)) == CS_OK &&
        (rc = cs_calendar_store(&id, db, name, cal)) == CS_OK)
        rc = cs_call__with_id(out, "id", id);
    else if (rc == CS_EINVAL && !strcmp(cs_error_last()->field, "cal"))
        cs_error__refield("calendar"); /* the request's name for it */
    cs_calendar_free(cal);
    return rc;
}

static int m_calendar_get(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_calendar *cal = NULL;
    char *text = NULL;
    int rc;

    if ((rc = req_calendar(r, db, &cal)) == CS_OK && (rc = cs_call__done(r)) == CS_OK)
        rc = cs_call__adopt(out, &text, cs_calendar_to_json(&text, cal));
    cs_calendar_free(cal);
    return rc;
}

/* The catalogue -------------------------------------------------------------------------- */

/* A calendar as cs_calendar_from_json() reads it and cs_calendar_to_json() writes it
 * (docs/calendar.md). The answer has every key but a holiday's optional ones; a request
 * needs only the timezone. Opening hours are lists of windows ["HH:MM", "HH:MM"]. */
static const cs_call__field week_fields[] = {
    CS_CALL__F("mon", CS_CALL__ANY, 0), CS_CALL__F("tue", CS_CALL__ANY, 0),
    CS_CALL__F("wed", CS_CALL__ANY, 0), CS_CALL__F("thu", CS_CALL__ANY, 0),
    CS_CALL__F("fri", CS_CALL__ANY, 0), CS_CALL__F("sat", CS_CALL__ANY, 0),
    CS_CALL__F("sun", CS_CALL__ANY, 0), CS_CALL__END,
};
static const cs_call__field holiday_fields[] = {
    CS_CALL__F("date", CS_CALL__STRING, CS_CALL__OPT),
    CS_CALL__F("month_day", CS_CALL__STRING, CS_CALL__OPT),
    CS_CALL__F("yearly", CS_CALL__BOOLEAN, CS_CALL__OPT),
    CS_CALL__F("from", CS_CALL__STRING, CS_CALL__OPT),
    CS_CALL__F("to", CS_CALL__STRING, CS_CALL__OPT),
    CS_CALL__END,
};
static const cs_call__field special_day_fields[] = {
    CS_CALL__F("date", CS_CALL__STRING, CS_CALL__REQ),
    CS_CALL__F("hours", CS_CALL__ANY, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field calendar_fields[] = {
    CS_CALL__F("timezone", CS_CALL__STRING, CS_CALL__REQ),
    CS_CALL__S("hours", CS_CALL__OBJECT, 0, week_fields),
    CS_CALL__S("holidays", CS_CALL__ARRAY, 0, holiday_fields),
    CS_CALL__S("special_days", CS_CALL__ARRAY, 0, special_day_fields),
    CS_CALL__END,
};

/* req_calendar() reads both; one of them is required. */
#define CALENDAR_REQUEST_FIELDS                                                                    \
    CS_CALL__S("calendar", CS_CALL__OBJECT, 0, calendar_fields),                                   \
        CS_CALL__F("calendar_id", CS_CALL__ID, 0)

static const cs_call__field store_request[] = {
    CS_CALL__F("name", CS_CALL__STRING, CS_CALL__REQ),
    CALENDAR_REQUEST_FIELDS,
    CS_CALL__END,
};
static const cs_call__field get_request[] = {CALENDAR_REQUEST_FIELDS, CS_CALL__END};
static const cs_call__field add_seconds_request[] = {
    CALENDAR_REQUEST_FIELDS,
    CS_CALL__F("time", CS_CALL__TIME, CS_CALL__REQ),
    CS_CALL__F("seconds", CS_CALL__INTEGER, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field time_fields[] = {
    CS_CALL__F("time", CS_CALL__TIME, 0),
    CS_CALL__END,
};
static const cs_call__field seconds_between_request[] = {
    CALENDAR_REQUEST_FIELDS,
    CS_CALL__F("from", CS_CALL__TIME, CS_CALL__REQ),
    CS_CALL__F("to", CS_CALL__TIME, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field seconds_fields[] = {
    CS_CALL__F("seconds", CS_CALL__INTEGER, 0),
    CS_CALL__END,
};
static const cs_call__field is_open_request[] = {
    CALENDAR_REQUEST_FIELDS,
    CS_CALL__F("time", CS_CALL__TIME, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field is_open_response[] = {
    CS_CALL__F("open", CS_CALL__BOOLEAN, 0),
    CS_CALL__F("next_opening", CS_CALL__TIME, 0),
    CS_CALL__END,
};

const cs_call__method cs_call__calendar_methods[] = {
    {"calendar.store", m_calendar_store, CS_CAP_CONFIG_WRITE, 0,
     "Store a calendar under a unique name, replacing one of that name.", store_request,
     cs_call__id_fields},
    {"calendar.get", m_calendar_get, CS_CAP_CONFIG_READ, 0, "Read a calendar.", get_request,
     calendar_fields},
    {"calendar.add_seconds", m_calendar_add_seconds, CS_CAP_CONFIG_READ, 0,
     "Add business seconds to a time (negative: go back).", add_seconds_request, time_fields},
    {"calendar.seconds_between", m_calendar_seconds_between, CS_CAP_CONFIG_READ, 0,
     "Count the business seconds between two times.", seconds_between_request, seconds_fields},
    {"calendar.is_open", m_calendar_is_open, CS_CAP_CONFIG_READ, 0,
     "Tell whether a calendar is open at a time, and when it next opens.", is_open_request,
     is_open_response},
};
const size_t cs_call__calendar_count = CS_ARRAY_SIZE(cs_call__calendar_methods);
