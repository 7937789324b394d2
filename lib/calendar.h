/*
 * libcs - calendars: business-hours arithmetic and the stored calendars. Not API.
 */
#ifndef CS_CALENDAR_PRIVATE_H
#define CS_CALENDAR_PRIVATE_H

#include "cs-internal.h"

/* Local dates are days since 1970-01-01; the calendar knows 1970-01-01 .. 2100-12-31. */
#define CS_CAL_FIRST_YEAR 1970
#define CS_CAL_LAST_YEAR 2100
#define CS_CAL_DAYS 47847

typedef struct cs_cal_window {
    int start, end; /* seconds after local midnight; end > CS_CALENDAR_DAY runs past midnight */
} cs_cal_window;

typedef struct cs_cal_hours {
    cs_cal_window *w; /* sorted by start, not overlapping */
    size_t n;
} cs_cal_hours;

typedef struct cs_cal_holiday {
    int year, month, day; /* year CS_CALENDAR_EVERY_YEAR: every year */
    int from, to;
} cs_cal_holiday;

typedef struct cs_cal_special {
    int32_t day;
    cs_cal_hours hours;
} cs_cal_special;

typedef struct cs_cal_closure {
    int32_t day;
    int from, to;
} cs_cal_closure;

typedef struct cs_cal_offset {
    cs_time at; /* the offset holds from this instant to the next entry's */
    int offset; /* seconds east of UTC */
} cs_cal_offset;

struct cs_calendar {
    char *timezone;
    cs_cal_offset *offsets; /* the zone's offset changes, read once from libical */
    size_t noffsets;
    cs_cal_hours week[7];
    cs_cal_holiday *holidays; /* as added, for to_json */
    size_t nholidays, holidays_cap;
    size_t holiday_dates;     /* the dates they close: CS_CALENDAR_HOLIDAYS_MAX at most */
    cs_cal_special *specials; /* sorted by day */
    size_t nspecials;
    cs_cal_closure *closures; /* the holidays expanded to dates, sorted */
    size_t nclosures;
    /* Dates whose hours are not simply their weekday's: a holiday, a special day, or the day
     * after a special day (whose windows may run past midnight). */
    unsigned char irregular[(CS_CAL_DAYS + 7) / 8];
};

int32_t cs_calendar__days_from_civil(int year, int month, int day);
void cs_calendar__civil_from_days(int32_t days, int *year, int *month, int *day);
/* Whether year-month-day is a real date (year 0 counts as a leap year, for yearly dates). */
bool cs_calendar__valid_date(int year, int month, int day);
/* Whether `name` is a zone of the system's tz database, as cs_calendar_new() takes it. */
bool cs_calendar__zone_exists(const char *name);
/* Whether the calendar opens at or after t (before CS_CALENDAR_TIME_MAX): a calendar that
 * never does cannot give an SLA clock a deadline. */
bool cs_calendar__opens_from(const cs_calendar *cal, cs_time t);
/* The UTC offset in seconds of the calendar's zone at t. */
int cs_calendar__utc_offset(const cs_calendar *cal, cs_time t);
/* "HH:MM", or "HH:MM:SS" when there are seconds. */
void cs_calendar__format_time(char buf[16], int seconds);
/* Append a validated holiday without re-indexing; then cs_calendar__index(), and on failure
 * cs_calendar__truncate_holidays() back to the earlier count. CS_EINVAL naming "holidays"
 * when it would close more than CS_CALENDAR_HOLIDAYS_MAX dates. */
int cs_calendar__push_holiday(cs_calendar *cal, int year, int month, int day, int from, int to);
int cs_calendar__index(cs_calendar *cal);
void cs_calendar__truncate_holidays(cs_calendar *cal, size_t n);

/* The stored calendar `id`, parsed once per handle and checked against calendar.revision on
 * every call. Borrowed: valid until the next call on the handle that may load calendars.
 * CS_ENOTFOUND naming "calendar_id" when it is not stored. */
int cs_calendar__cached(const cs_calendar **out, cs_db *db, int64_t id);
/* `t` as local time in `zone`, written as customers of `language` read it: "de"
 * "03.03.2026 10:00 Uhr (Europe/Berlin)", "en" "3 March 2026, 10:00 (Europe/Berlin)", any
 * other "2026-03-03 10:00 (Europe/Berlin)"; in UTC, "(UTC)", when zone is NULL, empty or
 * unknown. The zone's table is cached per handle. */
int cs_calendar__format_local(char *buf, size_t size, cs_db *db, const char *zone,
                              const char *language, cs_time t);

#endif
