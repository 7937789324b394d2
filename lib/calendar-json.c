/*
 * libcs - calendars to and from JSON text (the shape is in docs/calendar.md).
 *
 * Reading goes through the public add functions, so JSON input obeys exactly the rules of
 * the C API; their errors are re-labelled with the JSON path of the offending value.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cs-internal.h"
#include "calendar.h"

/* JSON paths of containers are short, so a path plus a member name fits in a cs_error field. */
#define PATH_MAX_LEN 32

static const char *const day_keys[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* Re-label an error with a JSON path: `path`, or `path.field` when `append` is set. */
static int blame(int rc, const char *path, bool append)
{
    char message[CS_ERROR_MESSAGE_MAX], field[CS_ERROR_FIELD_MAX];

    if (rc != CS_EINVAL)
        return rc;
    snprintf(message, sizeof(message), "%s", cs_error_last()->message);
    if (append && *cs_error_last()->field)
        snprintf(field, sizeof(field), "%s.%s", path, cs_error_last()->field);
    else
        snprintf(field, sizeof(field), "%s", path);
    return cs_error__inval(field, "%s: %s", field, message);
}

/* n decimal digits, exactly. */
static bool digits(const char *s, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *out = *out * 10 + (s[i] - '0');
    }
    return true;
}

/* "HH:MM" or "HH:MM:SS", at most max_hours:00. */
static int parse_time(int *out, const json_t *value, int max_hours, const char *path)
{
    const char *s = json_string_value(value);
    size_t len = s ? strlen(s) : 0;
    int h, m, sec = 0;

    if ((len == 5 || len == 8) && digits(s, 2, &h) && s[2] == ':' && digits(s + 3, 2, &m) &&
        m < 60 && (len == 5 || (s[5] == ':' && digits(s + 6, 2, &sec) && sec < 60)) &&
        (*out = h * 3600 + m * 60 + sec) <= max_hours * 3600)
        return CS_OK;
    return cs_error__inval(path, "%s: expected a time \"HH:MM\" up to %02d:00, got %s%.40s%s", path,
                           max_hours, s ? "\"" : "a non-string", s ? s : "", s ? "\"" : "");
}

/* "YYYY-MM-DD" (with_year) or "MM-DD". */
static bool parse_date(const char *s, bool with_year, int *y, int *m, int *d)
{
    if (!s || strlen(s) != (with_year ? 10u : 5u))
        return false;
    if (with_year && !(digits(s, 4, y) && s[4] == '-' && (s += 5)))
        return false;
    return digits(s, 2, m) && s[2] == '-' && digits(s + 3, 2, d);
}

/* A window ["HH:MM", "HH:MM"]; the end may pass 24:00 to cross midnight. */
static int parse_window(int *start, int *end, const json_t *value, const char *path)
{
    if (!json_is_array(value) || json_array_size(value) != 2)
        return cs_error__inval(path, "%s: expected a window [\"HH:MM\", \"HH:MM\"]", path);
    if (parse_time(start, json_array_get(value, 0), 24, path) < 0)
        return CS_EINVAL;
    return parse_time(end, json_array_get(value, 1), 48, path);
}

static int check_array(const json_t *value, const char *path)
{
    return json_is_array(value) ? CS_OK : cs_error__inval(path, "%s: expected an array", path);
}

static int read_hours(cs_calendar *cal, const json_t *hours)
{
    const char *key;
    const json_t *list;
    char path[CS_ERROR_FIELD_MAX];

    if (!json_is_object(hours))
        return cs_error__inval("hours", "hours: expected an object of weekdays");
    json_object_foreach((json_t *)hours, key, list) {
        int day = 0, start, end, rc;

        while (day < 7 && strcmp(day_keys[day], key))
            day++;
        snprintf(path, sizeof(path), "hours.%.20s", key);
        if (day == 7)
            return cs_error__inval(path, "%s: not a weekday (mon, tue, ... sun)", path);
        if ((rc = check_array(list, path)) < 0)
            return rc;
        for (size_t i = 0; i < json_array_size(list); i++) {
            snprintf(path, sizeof(path), "hours.%s[%u]", key, (unsigned)i);
            if ((rc = parse_window(&start, &end, json_array_get(list, i), path)) < 0 ||
                (rc = cs_calendar_add_hours(cal, (cs_weekday)day, start, end)) < 0)
                return blame(rc, path, false);
        }
    }
    return CS_OK;
}

/* {"date": "YYYY-MM-DD"} or {"month_day": "MM-DD", "yearly": true}, optional from/to. */
static int read_holiday(cs_calendar *cal, const json_t *h, const char *path)
{
    const char *date = json_string_value(json_object_get(h, "date"));
    const char *month_day = json_string_value(json_object_get(h, "month_day"));
    const json_t *yearly = json_object_get(h, "yearly"), *from = json_object_get(h, "from"),
                 *to = json_object_get(h, "to");
    char field[CS_ERROR_FIELD_MAX];
    int y = CS_CALENDAR_EVERY_YEAR, m, d, f = 0, t = CS_CALENDAR_DAY, rc;

    if (!json_is_object(h) || !date == !month_day)
        return cs_error__inval(path,
                               "%s: expected {\"date\": \"YYYY-MM-DD\"} or "
                               "{\"month_day\": \"MM-DD\", \"yearly\": true}",
                               path);
    snprintf(field, sizeof(field), "%s.%s", path, date ? "date" : "month_day");
    if (!parse_date(date ? date : month_day, date != NULL, &y, &m, &d))
        return cs_error__inval(field, "%s: expected %s, got \"%.20s\"", field,
                               date ? "YYYY-MM-DD" : "MM-DD", date ? date : month_day);
    snprintf(field, sizeof(field), "%s.yearly", path);
    if (yearly && (date || !json_is_true(yearly)))
        return cs_error__inval(field, "%s: \"yearly\": true goes with \"month_day\" only", field);
    snprintf(field, sizeof(field), "%s.from", path);
    if (from && parse_time(&f, from, 24, field) < 0)
        return CS_EINVAL;
    snprintf(field, sizeof(field), "%s.to", path);
    if (to && parse_time(&t, to, 24, field) < 0)
        return CS_EINVAL;
    if ((rc = cs_calendar__push_holiday(cal, y, m, d, f, t)) == CS_EINVAL &&
        !strcmp(cs_error_last()->field, "holidays"))
        return rc; /* the list as a whole is too long */
    return blame(rc, path, true);
}

static int read_holidays(cs_calendar *cal, const json_t *list)
{
    char path[PATH_MAX_LEN];
    int rc = check_array(list, "holidays");

    for (size_t i = 0; rc == CS_OK && i < json_array_size(list); i++) {
        snprintf(path, sizeof(path), "holidays[%u]", (unsigned)i);
        rc = read_holiday(cal, json_array_get(list, i), path);
    }
    return rc < 0 ? rc : cs_calendar__index(cal);
}

static int read_special_day(cs_calendar *cal, const json_t *sd, const char *path)
{
    const char *date = json_string_value(json_object_get(sd, "date"));
    const json_t *hours = json_object_get(sd, "hours");
    char field[CS_ERROR_FIELD_MAX];
    int y, m, d, start, end, rc;

    snprintf(field, sizeof(field), "%s.date", path);
    if (!parse_date(date, true, &y, &m, &d))
        return cs_error__inval(field, "%s: expected \"YYYY-MM-DD\"", field);
    snprintf(field, sizeof(field), "%s.hours", path);
    if (!json_array_size(hours))
        return cs_error__inval(field,
                               "%s: expected a non-empty array of windows (close a "
                               "whole day with a holiday)",
                               field);
    for (size_t i = 0; i < json_array_size(hours); i++) {
        snprintf(field, sizeof(field), "%s.hours[%u]", path, (unsigned)i);
        if ((rc = parse_window(&start, &end, json_array_get(hours, i), field)) < 0)
            return rc;
        rc = cs_calendar_add_special_hours(cal, y, m, d, start, end);
        if (rc < 0) {
            if (!strcmp(cs_error_last()->field, "date"))
                snprintf(field, sizeof(field), "%s.date", path);
            return blame(rc, field, false);
        }
    }
    return CS_OK;
}

static int read_special_days(cs_calendar *cal, const json_t *list)
{
    char path[PATH_MAX_LEN];
    int rc = check_array(list, "special_days");

    for (size_t i = 0; rc == CS_OK && i < json_array_size(list); i++) {
        snprintf(path, sizeof(path), "special_days[%u]", (unsigned)i);
        rc = read_special_day(cal, json_array_get(list, i), path);
    }
    return rc;
}

static int check_keys(const json_t *root)
{
    static const char *const known[] = {"timezone", "hours", "holidays", "special_days"};
    const char *key;
    const json_t *value;

    json_object_foreach((json_t *)root, key, value) {
        size_t i = 0;
        while (i < CS_ARRAY_SIZE(known) && strcmp(known[i], key))
            i++;
        if (i == CS_ARRAY_SIZE(known))
            return cs_error__inval(key, "unknown calendar field \"%.40s\"", key);
    }
    return CS_OK;
}

int cs_calendar_from_json(cs_calendar **out, const char *json)
{
    cs_calendar *cal = NULL;
    json_error_t jerr;
    json_t *root = NULL, *v;
    int rc;

    if (!out)
        return cs_error__inval("out", "out must not be NULL");
    *out = NULL;
    if (!json)
        return cs_error__inval("json", "json must not be NULL");
    root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        rc = cs_error__inval("json", "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_object(root)) {
        rc = cs_error__inval("json", "a calendar is a JSON object");
        goto out;
    }
    if ((rc = check_keys(root)) < 0)
        goto out;
    v = json_object_get(root, "timezone");
    if (!json_is_string(v)) {
        rc = cs_error__inval("timezone", "timezone: expected an IANA zone name");
        goto out;
    }
    if ((rc = cs_calendar_new(&cal, json_string_value(v))) < 0)
        goto out;
    if (((v = json_object_get(root, "hours")) && (rc = read_hours(cal, v)) < 0) ||
        ((v = json_object_get(root, "holidays")) && (rc = read_holidays(cal, v)) < 0) ||
        ((v = json_object_get(root, "special_days")) && (rc = read_special_days(cal, v)) < 0))
        goto out;
out:
    json_decref(root);
    if (rc < 0)
        cs_calendar_free(cal);
    else
        *out = cal;
    return rc;
}

/* Writing ------------------------------------------------------------------------------- */

static json_t *hours_json(const cs_cal_hours *hours)
{
    json_t *list = json_array();
    char a[16], b[16];

    for (size_t i = 0; list && i < hours->n; i++) {
        cs_calendar__format_time(a, hours->w[i].start);
        cs_calendar__format_time(b, hours->w[i].end);
        if (json_array_append_new(list, json_pack("[ss]", a, b)) < 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static json_t *holiday_json(const cs_cal_holiday *h)
{
    char date[16], from[16], to[16];
    json_t *obj;

    if (h->year == CS_CALENDAR_EVERY_YEAR) {
        snprintf(date, sizeof(date), "%02d-%02d", h->month, h->day);
        obj = json_pack("{sssb}", "month_day", date, "yearly", 1);
    } else {
        snprintf(date, sizeof(date), "%04d-%02d-%02d", h->year, h->month, h->day);
        obj = json_pack("{ss}", "date", date);
    }
    if (obj && (h->from != 0 || h->to != CS_CALENDAR_DAY)) {
        cs_calendar__format_time(from, h->from);
        cs_calendar__format_time(to, h->to);
        if (json_object_set_new(obj, "from", json_string(from)) < 0 ||
            json_object_set_new(obj, "to", json_string(to)) < 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

static json_t *special_json(const cs_cal_special *sd)
{
    char date[16];
    int y, m, d;

    cs_calendar__civil_from_days(sd->day, &y, &m, &d);
    snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, d);
    return json_pack("{ssso}", "date", date, "hours", hours_json(&sd->hours));
}

static json_t *calendar_json(const cs_calendar *cal)
{
    json_t *hours = json_object(), *holidays = json_array(), *specials = json_array();
    bool ok = hours && holidays && specials;

    for (int d = 0; ok && d < 7; d++)
        ok = json_object_set_new(hours, day_keys[d], hours_json(&cal->week[d])) == 0;
    for (size_t i = 0; ok && i < cal->nholidays; i++)
        ok = json_array_append_new(holidays, holiday_json(&cal->holidays[i])) == 0;
    for (size_t i = 0; ok && i < cal->nspecials; i++)
        ok = json_array_append_new(specials, special_json(&cal->specials[i])) == 0;
    if (!ok) {
        json_decref(hours);
        json_decref(holidays);
        json_decref(specials);
        return NULL;
    }
    return json_pack("{sssososo}", "timezone", cal->timezone, "hours", hours, "holidays", holidays,
                     "special_days", specials);
}

int cs_calendar_to_json(char **out, const cs_calendar *cal)
{
    json_t *root = NULL;
    char *text = NULL;
    int rc = CS_OK;

    if (!out)
        return cs_error__inval("out", "out must not be NULL");
    *out = NULL;
    if (!cal)
        return cs_error__inval("cal", "cal must not be NULL");
    if (!(root = calendar_json(cal)) || !(text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS)) ||
        !(*out = cs_mem__strdup(text)))
        rc = cs_error__nomem();
    free(text); /* jansson's allocation */
    json_decref(root);
    return rc;
}
