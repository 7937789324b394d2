/*
 * libcs - business-hours calendars: the object, its zone table and the arithmetic.
 *
 * Everything is computed in two steps. Local time: a date's open stretches are its windows
 * (or its special day's), plus what the day before runs past midnight, minus its holidays.
 * UTC: between two offset changes local time is UTC plus a constant, so an open local
 * stretch maps to a UTC stretch by subtracting the offset. Walking the offset segments one
 * after the other gives the DST behaviour documented in cs/calendar.h: a spring-forward gap
 * is never reached, a repeated autumn hour is walked twice.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "cs-internal.h"
#include "calendar.h"

#define DAY CS_CALENDAR_DAY
#define WEEK (7 * (cs_time)DAY)

/* Dates ------------------------------------------------------------------------------ */

/* Howard Hinnant's days_from_civil / civil_from_days, proleptic Gregorian. */
int32_t cs_calendar__days_from_civil(int year, int month, int day)
{
    int y = year - (month <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void cs_calendar__civil_from_days(int32_t days, int *year, int *month, int *day)
{
    int32_t z = days + 719468;
    int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = (int)(z - era * 146097);
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;

    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = yoe + era * 400 + (*month <= 2);
}

static bool leap_year(int year)
{
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

bool cs_calendar__valid_date(int year, int month, int day)
{
    static const int length[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (month < 1 || month > 12 || day < 1 || day > length[month - 1])
        return false;
    return month != 2 || day < 29 || leap_year(year);
}

static int weekday(int32_t days)
{
    return (int)((days % 7 + 10) % 7); /* 1970-01-01 was a Thursday (3) */
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b < 0);
}

void cs_calendar__format_time(char buf[16], int seconds)
{
    if (seconds % 60)
        snprintf(buf, 16, "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    else
        snprintf(buf, 16, "%02d:%02d", seconds / 3600, seconds / 60 % 60);
}

/* The zone table ---------------------------------------------------------------------- */

static int zone_offset(icaltimezone *zone, cs_time t)
{
    struct icaltimetype tt =
        icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
    int is_daylight;

    return icaltimezone_get_utc_offset_of_utc_time(zone, &tt, &is_daylight);
}

static int push_offset(cs_calendar *cal, size_t *cap, cs_time at, int offset)
{
    if (cal->noffsets == *cap) {
        cs_cal_offset *grown = cs_mem__realloc(cal->offsets, 2 * *cap * sizeof(*grown));
        if (!grown)
            return cs_error__nomem();
        cal->offsets = grown;
        *cap *= 2;
    }
    cal->offsets[cal->noffsets++] = (cs_cal_offset){at, offset};
    return CS_OK;
}

/*
 * Read the zone's offsets once, so that the arithmetic never calls libical (whose zone
 * cache is shared by the whole process) and stays a pure function of the calendar. libical
 * has no public list of a zone's changes, so sample weekly and bisect every change to the
 * second: since 1970 no zone of the tz database changed its offset twice within ten days.
 */
static int load_offsets(cs_calendar *cal, icaltimezone *zone)
{
    const cs_time end = CS_CALENDAR_TIME_MAX + WEEK;
    size_t cap = 64;
    int before = zone_offset(zone, 0);

    cal->offsets = cs_mem__alloc(cap * sizeof(*cal->offsets));
    if (!cal->offsets)
        return cs_error__nomem();
    cal->offsets[cal->noffsets++] = (cs_cal_offset){INT64_MIN, before};
    for (cs_time t = 0; t < end; t += WEEK) {
        int after = zone_offset(zone, t + WEEK);
        cs_time lo = t, hi = t + WEEK;

        if (after == before)
            continue;
        while (hi - lo > 1) {
            cs_time mid = lo + (hi - lo) / 2;
            *(zone_offset(zone, mid) == before ? &lo : &hi) = mid;
        }
        if (push_offset(cal, &cap, hi, after) < 0)
            return CS_ENOMEM;
        before = after;
    }
    return CS_OK;
}

/* The segment of the zone table that holds at t: the last change at or before t. */
static size_t offset_index(const cs_calendar *cal, cs_time t)
{
    size_t lo = 0, hi = cal->noffsets;

    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->offsets[mid].at <= t)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int cs_calendar__utc_offset(const cs_calendar *cal, cs_time t)
{
    return cal->offsets[offset_index(cal, t)].offset;
}

/* Zone names are looked up as files below the zoneinfo directory: allow nothing else. */
static bool plausible_zone_name(const char *name)
{
    if (!*name || *name == '/' || strstr(name, ".."))
        return false;
    for (const char *p = name; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+-", *p))
            return false;
    return true;
}

bool cs_calendar__zone_exists(const char *name)
{
    return plausible_zone_name(name) && icaltimezone_get_builtin_timezone(name);
}

/* Life cycle --------------------------------------------------------------------------- */

int cs_calendar_new(cs_calendar **out, const char *timezone)
{
    cs_calendar *cal = NULL;
    icaltimezone *zone;
    int rc;

    if (!out)
        return cs_error__inval("out", "out must not be NULL");
    *out = NULL;
    if (!timezone)
        return cs_error__inval("timezone", "timezone must not be NULL");
    zone = plausible_zone_name(timezone) ? icaltimezone_get_builtin_timezone(timezone) : NULL;
    if (!zone)
        return cs_error__inval("timezone", "unknown time zone '%.64s'", timezone);

    cal = cs_mem__calloc(1, sizeof(*cal));
    if (!cal || !(cal->timezone = cs_mem__strdup(timezone))) {
        rc = cs_error__nomem();
        goto out;
    }
    rc = load_offsets(cal, zone);
out:
    if (rc < 0)
        cs_calendar_free(cal);
    else
        *out = cal;
    return rc;
}

void cs_calendar_free(cs_calendar *cal)
{
    if (!cal)
        return;
    for (int d = 0; d < 7; d++)
        cs_mem__free(cal->week[d].w);
    for (size_t i = 0; i < cal->nspecials; i++)
        cs_mem__free(cal->specials[i].hours.w);
    cs_mem__free(cal->specials);
    cs_mem__free(cal->holidays);
    cs_mem__free(cal->closures);
    cs_mem__free(cal->offsets);
    cs_mem__free(cal->timezone);
    cs_mem__free(cal);
}

const char *cs_calendar_timezone(const cs_calendar *cal)
{
    return cal->timezone;
}

/* Opening hours ------------------------------------------------------------------------ */

static const char *const day_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static int check_window(int start, int end)
{
    char a[16];

    if (start < 0 || start >= DAY)
        return cs_error__inval("start", "window start %d is not within 0..%d seconds", start,
                               DAY - 1);
    if (end <= start || end > start + DAY) {
        cs_calendar__format_time(a, start);
        return cs_error__inval("end",
                               "window end %d must be after its start %s and at most "
                               "24 hours later (past 24:00 to cross midnight)",
                               end, a);
    }
    return CS_OK;
}

static int overlap_error(int start, int end, const cs_cal_window *w, const char *day)
{
    char a[16], b[16], c[16], d[16];

    cs_calendar__format_time(a, start);
    cs_calendar__format_time(b, end);
    cs_calendar__format_time(c, w->start);
    cs_calendar__format_time(d, w->end);
    return cs_error__inval("start", "window %s-%s overlaps %s-%s on %s", a, b, c, d, day);
}

/* The window of `hours` that overlaps [start, end), or NULL. */
static const cs_cal_window *overlapping(const cs_cal_hours *hours, int start, int end)
{
    for (size_t i = 0; i < hours->n; i++)
        if (start < hours->w[i].end && hours->w[i].start < end)
            return &hours->w[i];
    return NULL;
}

static int insert_window(cs_cal_hours *hours, int start, int end)
{
    cs_cal_window *grown = cs_mem__realloc(hours->w, (hours->n + 1) * sizeof(*grown));
    size_t i = hours->n;

    if (!grown)
        return cs_error__nomem();
    hours->w = grown;
    for (; i > 0 && grown[i - 1].start > start; i--)
        grown[i] = grown[i - 1];
    grown[i] = (cs_cal_window){start, end};
    hours->n++;
    return CS_OK;
}

/* A weekly window must not overlap its day's windows, nor the day before's window running
 * past midnight, nor (if it runs past midnight itself) the next day's windows. */
static int check_weekly_overlap(const cs_calendar *cal, int day, int start, int end)
{
    const cs_cal_hours *prev = &cal->week[(day + 6) % 7], *next = &cal->week[(day + 1) % 7];
    const cs_cal_window *w = overlapping(&cal->week[day], start, end);

    if (w)
        return overlap_error(start, end, w, day_names[day]);
    for (size_t i = 0; i < prev->n; i++)
        if (prev->w[i].end - DAY > start)
            return overlap_error(start, end, &prev->w[i], day_names[(day + 6) % 7]);
    if (end > DAY && (w = overlapping(next, 0, end - DAY)))
        return overlap_error(start, end, w, day_names[(day + 1) % 7]);
    return CS_OK;
}

int cs_calendar_add_hours(cs_calendar *cal, cs_weekday day, int start, int end)
{
    int rc;

    if (!cal)
        return cs_error__inval("cal", "cal must not be NULL");
    if ((int)day < 0 || (int)day > 6)
        return cs_error__inval("day", "weekday %d is not within 0 (Monday)..6", (int)day);
    if ((rc = check_window(start, end)) < 0 || (rc = check_weekly_overlap(cal, day, start, end)))
        return rc;
    return insert_window(&cal->week[day], start, end);
}

/* Holidays ------------------------------------------------------------------------------- */

static void mark_irregular(cs_calendar *cal, int32_t day)
{
    if (day >= 0 && day < CS_CAL_DAYS)
        cal->irregular[day / 8] |= (unsigned char)(1u << (day % 8));
}

static bool is_irregular(const cs_calendar *cal, int32_t day)
{
    return day >= 0 && day < CS_CAL_DAYS && (cal->irregular[day / 8] >> (day % 8) & 1);
}

static int check_date(int year, int month, int day, bool yearly_ok)
{
    if ((year == CS_CALENDAR_EVERY_YEAR && yearly_ok) ||
        (year >= CS_CAL_FIRST_YEAR && year <= CS_CAL_LAST_YEAR)) {
        if (cs_calendar__valid_date(year, month, day))
            return CS_OK;
    }
    return cs_error__inval("date", "%04d-%02d-%02d is not a date between %d and %d", year, month,
                           day, CS_CAL_FIRST_YEAR, CS_CAL_LAST_YEAR);
}

/* The dates a holiday closes once expanded: a yearly one falls in every year of the range. */
static size_t holiday_dates(const cs_cal_holiday *h)
{
    return h->year == CS_CALENDAR_EVERY_YEAR ? CS_CAL_LAST_YEAR - CS_CAL_FIRST_YEAR + 1 : 1;
}

int cs_calendar__push_holiday(cs_calendar *cal, int year, int month, int day, int from, int to)
{
    cs_cal_holiday *grown, h = {year, month, day, from, to};
    int rc = check_date(year, month, day, true);

    if (rc < 0)
        return rc;
    if (from < 0 || from >= DAY)
        return cs_error__inval("from", "holiday start %d is not within 0..%d seconds", from,
                               DAY - 1);
    if (to <= from || to > DAY)
        return cs_error__inval("to", "holiday end %d is not within %d..%d seconds", to, from + 1,
                               DAY);
    /* Bounds the memory of an import: one small event can repeat over decades. */
    if (cal->holiday_dates + holiday_dates(&h) > CS_CALENDAR_HOLIDAYS_MAX)
        return cs_error__inval("holidays",
                               "a calendar closes at most %d holiday dates (a yearly "
                               "holiday counts once per year)",
                               CS_CALENDAR_HOLIDAYS_MAX);
    /* Doubling: an .ics event spanning years adds a holiday per day. */
    if (cal->nholidays == cal->holidays_cap) {
        size_t cap = cal->holidays_cap ? cal->holidays_cap * 2 : 8;
        if (!(grown = cs_mem__realloc(cal->holidays, cap * sizeof(*grown))))
            return cs_error__nomem();
        cal->holidays = grown;
        cal->holidays_cap = cap;
    }
    cal->holidays[cal->nholidays++] = h;
    cal->holiday_dates += holiday_dates(&h);
    return CS_OK;
}

void cs_calendar__truncate_holidays(cs_calendar *cal, size_t n)
{
    while (cal->nholidays > n)
        cal->holiday_dates -= holiday_dates(&cal->holidays[--cal->nholidays]);
}

static int closure_cmp(const void *a, const void *b)
{
    const cs_cal_closure *x = a, *y = b;

    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return (x->from > y->from) - (x->from < y->from);
}

/* Expand the holidays to dated closures. On failure the previous index stays. */
int cs_calendar__index(cs_calendar *cal)
{
    const int years = CS_CAL_LAST_YEAR - CS_CAL_FIRST_YEAR + 1;
    cs_cal_closure *list;
    size_t n = 0, cap = 0;

    for (size_t i = 0; i < cal->nholidays; i++)
        cap += cal->holidays[i].year == CS_CALENDAR_EVERY_YEAR ? (size_t)years : 1;
    if (!(list = cs_mem__alloc(cap * sizeof(*list))))
        return cs_error__nomem();
    for (size_t i = 0; i < cal->nholidays; i++) {
        const cs_cal_holiday *h = &cal->holidays[i];
        int first = h->year ? h->year : CS_CAL_FIRST_YEAR, last = h->year ? h->year : years + 1969;

        for (int y = first; y <= last; y++)
            if (cs_calendar__valid_date(y, h->month, h->day))
                list[n++] = (cs_cal_closure){cs_calendar__days_from_civil(y, h->month, h->day),
                                             h->from, h->to};
    }
    qsort(list, n, sizeof(*list), closure_cmp);
    for (size_t i = 0; i < n; i++)
        mark_irregular(cal, list[i].day);
    cs_mem__free(cal->closures);
    cal->closures = list;
    cal->nclosures = n;
    return CS_OK;
}

int cs_calendar_add_holiday(cs_calendar *cal, int year, int month, int day, int from, int to)
{
    size_t before;
    int rc;

    if (!cal)
        return cs_error__inval("cal", "cal must not be NULL");
    before = cal->nholidays;
    if ((rc = cs_calendar__push_holiday(cal, year, month, day, from, to)) < 0)
        return rc;
    if ((rc = cs_calendar__index(cal)) < 0)
        cs_calendar__truncate_holidays(cal, before);
    return rc;
}

/* Special days ------------------------------------------------------------------------- */

/* The index of the first special day at or after `day`. */
static size_t special_index(const cs_calendar *cal, int32_t day)
{
    size_t lo = 0, hi = cal->nspecials;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->specials[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const cs_cal_hours *special_hours(const cs_calendar *cal, int32_t day)
{
    size_t i = special_index(cal, day);
    return i < cal->nspecials && cal->specials[i].day == day ? &cal->specials[i].hours : NULL;
}

int cs_calendar_add_special_hours(cs_calendar *cal, int year, int month, int day, int start,
                                  int end)
{
    cs_cal_special *grown;
    const cs_cal_window *w;
    int32_t date;
    size_t i;
    int rc;

    if (!cal)
        return cs_error__inval("cal", "cal must not be NULL");
    if ((rc = check_date(year, month, day, false)) < 0 || (rc = check_window(start, end)) < 0)
        return rc;
    date = cs_calendar__days_from_civil(year, month, day);
    i = special_index(cal, date);
    if (i == cal->nspecials || cal->specials[i].day != date) {
        grown = cs_mem__realloc(cal->specials, (cal->nspecials + 1) * sizeof(*grown));
        if (!grown)
            return cs_error__nomem();
        cal->specials = grown;
        memmove(&grown[i + 1], &grown[i], (cal->nspecials - i) * sizeof(*grown));
        grown[i] = (cs_cal_special){date, {NULL, 0}};
        cal->nspecials++;
    }
    if ((w = overlapping(&cal->specials[i].hours, start, end)))
        return overlap_error(start, end, w, "the special day");
    if ((rc = insert_window(&cal->specials[i].hours, start, end)) < 0)
        return rc;
    mark_irregular(cal, date);
    mark_irregular(cal, date + 1);
    return CS_OK;
}

/* One local date -------------------------------------------------------------------------- */

typedef struct day_ctx {
    const cs_cal_hours *own;  /* windows starting on the date */
    const cs_cal_hours *prev; /* the day before's, of which only the part past midnight counts */
    const cs_cal_closure *closed;
    size_t nclosed;
} day_ctx;

static void day_load(const cs_calendar *cal, int32_t day, day_ctx *d)
{
    int wd = weekday(day);
    const cs_cal_hours *special;

    d->own = &cal->week[wd];
    d->prev = &cal->week[(wd + 6) % 7];
    d->closed = NULL;
    d->nclosed = 0;
    if (!is_irregular(cal, day))
        return;
    if ((special = special_hours(cal, day)))
        d->own = special;
    if ((special = special_hours(cal, day - 1)))
        d->prev = special;

    size_t lo = 0, hi = cal->nclosures;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->closures[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!cal->closures)
        return; /* no holidays: nothing to index (and no array to point into) */
    d->closed = &cal->closures[lo];
    while (lo + d->nclosed < cal->nclosures && cal->closures[lo + d->nclosed].day == day)
        d->nclosed++;
}

/* Window i of the date clipped to it: first its own, then the day before's overflow. */
static bool day_window(const day_ctx *d, size_t i, int *start, int *end)
{
    if (i < d->own->n) {
        *start = d->own->w[i].start;
        *end = d->own->w[i].end < DAY ? d->own->w[i].end : DAY;
        return true;
    }
    *start = 0;
    *end = d->prev->w[i - d->own->n].end - DAY;
    return *end > 0;
}

/*
 * The first open stretch [s, e) of the date with e > x, s >= x (seconds after midnight).
 * Own windows and the day before's overflow may overlap (a special day's): taking the one
 * that starts first and resuming at its end still counts every second once.
 */
static bool day_next(const day_ctx *d, int x, int *s, int *e)
{
    for (;;) {
        int bs = INT_MAX, be = 0, ws, we;
        bool cut = false;

        for (size_t i = 0; i < d->own->n + d->prev->n; i++) {
            if (!day_window(d, i, &ws, &we) || we <= x)
                continue;
            ws = ws > x ? ws : x;
            if (ws < bs || (ws == bs && we > be))
                bs = ws, be = we;
        }
        if (bs == INT_MAX)
            return false;
        for (size_t i = 0; i < d->nclosed && !cut; i++)
            if (d->closed[i].from <= bs && bs < d->closed[i].to)
                x = d->closed[i].to, cut = true;
        if (cut)
            continue;
        for (size_t i = 0; i < d->nclosed; i++)
            if (bs < d->closed[i].from && d->closed[i].from < be)
                be = d->closed[i].from;
        *s = bs, *e = be;
        return true;
    }
}

/* The mirror of day_next: the last open stretch [s, e) with s < x, e <= x. */
static bool day_prev(const day_ctx *d, int x, int *s, int *e)
{
    for (;;) {
        int bs = 0, be = INT_MIN, ws, we;
        bool cut = false;

        for (size_t i = 0; i < d->own->n + d->prev->n; i++) {
            if (!day_window(d, i, &ws, &we) || ws >= x)
                continue;
            we = we < x ? we : x;
            if (we > be || (we == be && ws < bs))
                bs = ws, be = we;
        }
        if (be == INT_MIN)
            return false;
        for (size_t i = 0; i < d->nclosed && !cut; i++)
            if (d->closed[i].from < be && be <= d->closed[i].to)
                x = d->closed[i].from, cut = true;
        if (cut)
            continue;
        for (size_t i = 0; i < d->nclosed; i++)
            if (bs < d->closed[i].to && d->closed[i].to < be)
                bs = d->closed[i].to;
        *s = bs, *e = be;
        return true;
    }
}

/* UTC ---------------------------------------------------------------------------------------- */

/* The first business stretch [s, e) with t <= s < limit and e > s, clipped to t and to the
 * offset segment. Local time within a segment is UTC + offset. */
static bool next_stretch(const cs_calendar *cal, cs_time t, cs_time limit, cs_time *s, cs_time *e)
{
    while (t < limit) {
        size_t i = offset_index(cal, t);
        int off = cal->offsets[i].offset;
        cs_time seg_end = i + 1 < cal->noffsets ? cal->offsets[i + 1].at : limit;
        cs_time lend = (seg_end < limit ? seg_end : limit) + off;
        int64_t day = floor_div(t + off, DAY);
        int x = (int)(t + off - day * DAY), ps, pe;
        day_ctx d;

        for (; day * DAY < lend; day++, x = 0) {
            day_load(cal, (int32_t)day, &d);
            if (!day_next(&d, x, &ps, &pe))
                continue;
            if (day * DAY + ps >= lend)
                break;
            *s = day * DAY + ps - off;
            *e = (day * DAY + pe < lend ? day * DAY + pe : lend) - off;
            return true;
        }
        t = seg_end;
    }
    return false;
}

/* The mirror: the last business stretch [s, e) with limit < e <= t, clipped likewise. */
static bool prev_stretch(const cs_calendar *cal, cs_time t, cs_time limit, cs_time *s, cs_time *e)
{
    while (t > limit) {
        size_t i = offset_index(cal, t - 1);
        int off = cal->offsets[i].offset;
        cs_time seg_start = cal->offsets[i].at > limit ? cal->offsets[i].at : limit;
        cs_time lstart = seg_start + off;
        int64_t day = floor_div(t + off - 1, DAY);
        int x = (int)(t + off - day * DAY), ps, pe;
        day_ctx d;

        for (; (day + 1) * DAY > lstart; day--, x = DAY) {
            day_load(cal, (int32_t)day, &d);
            if (!day_prev(&d, x, &ps, &pe))
                continue;
            if (day * DAY + pe <= lstart)
                break;
            *s = (day * DAY + ps > lstart ? day * DAY + ps : lstart) - off;
            *e = day * DAY + pe - off;
            return true;
        }
        t = seg_start;
    }
    return false;
}

/* Queries -------------------------------------------------------------------------------- */

static int check_query(const void *out, const cs_calendar *cal, cs_time t, const char *field)
{
    if (!out)
        return cs_error__inval("out", "out must not be NULL");
    if (!cal)
        return cs_error__inval("cal", "cal must not be NULL");
    if (t < CS_CALENDAR_TIME_MIN || t > CS_CALENDAR_TIME_MAX)
        return cs_error__inval(field, "time %lld is outside the calendar's range %lld..%lld",
                               (long long)t, (long long)CS_CALENDAR_TIME_MIN,
                               (long long)CS_CALENDAR_TIME_MAX);
    return CS_OK;
}

static int not_found(const char *field, const char *what)
{
    return cs_error__set(CS_ENOTFOUND, field, "no %s between 1970-01-02 and 2100-12-31", what);
}

int cs_calendar_is_open(int *out, const cs_calendar *cal, cs_time t)
{
    int rc = check_query(out, cal, t, "t"), off, x, s, e;
    int64_t day;
    day_ctx d;

    if (rc < 0)
        return rc;
    off = cs_calendar__utc_offset(cal, t);
    day = floor_div(t + off, DAY);
    x = (int)(t + off - day * DAY);
    day_load(cal, (int32_t)day, &d);
    *out = day_next(&d, x, &s, &e) && s == x;
    return CS_OK;
}

int cs_calendar_next_opening(cs_time *out, const cs_calendar *cal, cs_time t)
{
    cs_time e;
    int rc = check_query(out, cal, t, "t");

    if (rc < 0)
        return rc;
    return next_stretch(cal, t, CS_CALENDAR_TIME_MAX, out, &e) ? CS_OK : not_found(NULL, "opening");
}

int cs_calendar_previous_closing(cs_time *out, const cs_calendar *cal, cs_time t)
{
    cs_time s;
    int rc = check_query(out, cal, t, "t");

    if (rc < 0)
        return rc;
    return prev_stretch(cal, t, CS_CALENDAR_TIME_MIN, &s, out) ? CS_OK : not_found(NULL, "closing");
}

bool cs_calendar__opens_from(const cs_calendar *cal, cs_time t)
{
    cs_time s, e;

    t = t < CS_CALENDAR_TIME_MIN ? CS_CALENDAR_TIME_MIN : t;
    return t <= CS_CALENDAR_TIME_MAX && next_stretch(cal, t, CS_CALENDAR_TIME_MAX, &s, &e);
}

int cs_calendar_add_seconds(cs_time *out, const cs_calendar *cal, cs_time t, int64_t seconds)
{
    const int64_t span = CS_CALENDAR_TIME_MAX - CS_CALENDAR_TIME_MIN;
    cs_time s, e;
    int rc = check_query(out, cal, t, "t");

    if (rc < 0)
        return rc;
    if (seconds > span || seconds < -span)
        return cs_error__inval("seconds",
                               "%lld seconds are more than the calendar's whole range "
                               "holds (%lld)",
                               (long long)seconds, (long long)span);
    if (seconds >= 0) {
        for (; next_stretch(cal, t, CS_CALENDAR_TIME_MAX, &s, &e); t = e, seconds -= e - s) {
            if (seconds <= e - s) {
                *out = s + seconds;
                return CS_OK;
            }
        }
    } else {
        /* Count towards zero: -seconds overflows for INT64_MIN. */
        for (; prev_stretch(cal, t, CS_CALENDAR_TIME_MIN, &s, &e); t = s, seconds += e - s) {
            if (seconds >= s - e) {
                *out = e + seconds;
                return CS_OK;
            }
        }
    }
    return not_found("seconds", "such instant");
}

int cs_calendar_seconds_between(int64_t *out, const cs_calendar *cal, cs_time from, cs_time to)
{
    cs_time s, e, lo = from < to ? from : to, hi = from < to ? to : from;
    int64_t sum = 0;
    int rc;

    if ((rc = check_query(out, cal, from, "from")) < 0 || (rc = check_query(out, cal, to, "to")))
        return rc;
    for (cs_time t = lo; next_stretch(cal, t, hi, &s, &e); t = e)
        sum += (e < hi ? e : hi) - s;
    *out = from <= to ? sum : -sum;
    return CS_OK;
}
