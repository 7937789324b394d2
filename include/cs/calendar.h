/**
 * @file
 * Business-hours calendars: opening hours in an IANA time zone, holidays and
 * special days, and arithmetic in business seconds.
 */
#ifndef CS_CALENDAR_H
#define CS_CALENDAR_H

#include "common.h"

CS_BEGIN_DECL

/**
 * A business-hours calendar. Opaque; see docs/calendar.md for a guide.
 *
 * Business time is a set of half-open intervals [start, end) of UTC instants. An instant t
 * is open when the calendar's wall clock at t (the zone's local time) lies inside the local
 * opening hours of that date, outside its holidays. Consequences at daylight-saving changes:
 *
 * - a local time skipped by a spring-forward gap never occurs, so a window that starts in the
 *   gap opens at the first instant after the gap, and one that ends in it closes at the gap;
 * - a local hour that occurs twice (autumn) is open both times when it lies in a window, and
 *   counts twice in business seconds.
 *
 * Edge rules, forwards:
 * - cs_calendar_add_seconds(t, n > 0) is the earliest instant x >= t with n business seconds
 *   in [t, x): a deadline that lands exactly at a closing time is that closing instant, not
 *   the next opening;
 * - cs_calendar_add_seconds(t, 0) is cs_calendar_next_opening(t): t itself when t is open,
 *   the next opening when it is closed.
 *
 * And symmetrically, backwards:
 * - cs_calendar_add_seconds(t, -n) is the latest instant x <= t with n business seconds in
 *   [x, t): a result that lands exactly at an opening time is that opening instant, not the
 *   previous closing;
 * - cs_calendar_previous_closing(t) is t itself when business time runs right up to t (the
 *   instant just before t is open), and otherwise the end of the last stretch of business
 *   time before t.
 *
 * Zone rules come from libical (the system's tz database), read once when the calendar is
 * created. Calendars cover the instants from CS_CALENDAR_TIME_MIN to CS_CALENDAR_TIME_MAX;
 * yearly holidays and recurring iCalendar events are expanded for the years 1970 to 2100.
 *
 * Threads: the query functions (is_open, next_opening, previous_closing, add_seconds,
 * seconds_between, to_json) only read the calendar, never libical or the process's TZ or
 * locale, so any number of threads may query one calendar at once. Functions that change a
 * calendar need it to themselves.
 */
typedef struct cs_calendar cs_calendar;

/** Days of the week, Monday first. */
typedef enum cs_weekday {
    CS_MONDAY = 0,
    CS_TUESDAY = 1,
    CS_WEDNESDAY = 2,
    CS_THURSDAY = 3,
    CS_FRIDAY = 4,
    CS_SATURDAY = 5,
    CS_SUNDAY = 6
} cs_weekday;

/** The earliest instant a calendar answers for: 1970-01-02T00:00:00Z. */
#define CS_CALENDAR_TIME_MIN ((cs_time)86400)
/** The latest instant a calendar answers for: 2100-12-31T00:00:00Z. */
#define CS_CALENDAR_TIME_MAX ((cs_time)4133894400)
/** Seconds in a day: a window or holiday ending at midnight ends at CS_CALENDAR_DAY. */
#define CS_CALENDAR_DAY 86400
/** The `year` of a holiday that falls on the same month and day every year. */
#define CS_CALENDAR_EVERY_YEAR 0
/**
 * The most holiday dates a calendar holds: a dated holiday counts one, a yearly one once per
 * year from 1970 to 2100 (131), an imported iCalendar event one per local date it closes.
 * Enough for one event spanning the whole range; more is CS_EINVAL. @since 0.2
 */
#define CS_CALENDAR_HOLIDAYS_MAX 50000

/**
 * Create an empty calendar (closed all the time) in the IANA time zone `timezone`.
 *
 * @param[out] out    the new calendar, owned by the caller; release it with
 *                    cs_calendar_free(). Set to NULL on failure.
 * @param timezone    an IANA zone name such as "Europe/Berlin" or "UTC", copied
 * @return CS_OK; CS_EINVAL naming "out" or "timezone" (NULL, or unknown to the system's tz
 *         database); CS_ENOMEM.
 * @since 0.1
 */
CS_EXTERN(int) cs_calendar_new(cs_calendar **out, const char *timezone);

/**
 * Release a calendar. NULL is a no-op.
 *
 * @since 0.1
 */
CS_EXTERN(void) cs_calendar_free(cs_calendar *cal);

/**
 * The calendar's IANA time zone name.
 *
 * @return borrowed text, valid until cs_calendar_free()
 * @since 0.1
 */
CS_EXTERN(const char *) cs_calendar_timezone(const cs_calendar *cal);

/**
 * Add an opening window to every `day` of the week: open from `start` to `end`, in seconds
 * after local midnight. A window that crosses midnight says so explicitly with an end past
 * CS_CALENDAR_DAY: 22:00-02:00 is start 79200, end 93600, and runs into the next day. For a
 * calendar open 24/7, add [0, CS_CALENDAR_DAY) to all seven days.
 *
 * @param day   the weekday
 * @param start 0 <= start < CS_CALENDAR_DAY
 * @param end   start < end <= start + CS_CALENDAR_DAY
 * @return CS_OK; CS_EINVAL naming "day", "start" or "end" for values out of range or a window
 *         that overlaps another window of the same day or one running over from the day
 *         before; CS_ENOMEM.
 * @since 0.1
 */
CS_EXTERN(int) cs_calendar_add_hours(cs_calendar *cal, cs_weekday day, int start, int end);

/**
 * Close the calendar on a local date from `from` to `to` (seconds after local midnight).
 * A whole-day holiday is [0, CS_CALENDAR_DAY). A holiday closes the local hours of its date
 * whichever day's window they belong to, including the part of the previous day's window
 * that runs past midnight.
 *
 * @param year  the year, or CS_CALENDAR_EVERY_YEAR for a holiday every year on month/day
 *              (a yearly 29 February falls in leap years only)
 * @param month 1 to 12
 * @param day   1 to the length of the month
 * @param from  0 <= from < to
 * @param to    from < to <= CS_CALENDAR_DAY
 * @return CS_OK; CS_EINVAL naming "date", "from" or "to", or "holidays" when the calendar
 *         would close more than CS_CALENDAR_HOLIDAYS_MAX dates; CS_ENOMEM.
 * @since 0.1
 */
CS_EXTERN(int) cs_calendar_add_holiday(cs_calendar *cal, int year, int month, int day, int from,
                                       int to);

/**
 * Add an opening window to a special day: a local date whose windows replace the weekday's
 * (Dec 24 08:00-12:00 on a weekday open until 18:00). The first window added for a date
 * makes it special. Windows follow the rules of cs_calendar_add_hours(); where a special
 * day's window running past midnight meets the next day's hours, both are open. Holidays
 * still apply to special days.
 *
 * @param year  1970 to 2100
 * @param month 1 to 12
 * @param day   1 to the length of the month
 * @param start 0 <= start < CS_CALENDAR_DAY
 * @param end   start < end <= start + CS_CALENDAR_DAY
 * @return CS_OK; CS_EINVAL naming "date", "start" or "end"; CS_ENOMEM.
 * @since 0.1
 */
CS_EXTERN(int) cs_calendar_add_special_hours(cs_calendar *cal, int year, int month, int day,
                                             int start, int end);

/**
 * Add the events of an iCalendar text as holidays. Each VEVENT closes the calendar: an
 * all-day event (DTSTART;VALUE=DATE) closes its dates from DTSTART up to DTEND (exclusive;
 * one day without DTEND), a timed event closes its span converted to the calendar's local
 * time (floating times are taken as the calendar's local time); a timed event without
 * DTEND or DURATION is an instant (RFC 5545) and closes nothing. An RRULE repeats the
 * event; occurrences are expanded up to the year 2100. Nothing is added on failure.
 *
 * @param[out] added number of holidays added (one per closed local date); may be NULL
 * @param ics        the iCalendar text, UTF-8
 * @return CS_OK; CS_EINVAL naming "ics" when the text does not parse, an event has no
 *         DTSTART, ends before it starts, repeats more than 10000 times or would take the
 *         calendar past CS_CALENDAR_HOLIDAYS_MAX holiday dates (the message names the
 *         event); CS_ENOMEM.
 * @since 0.1
 */
CS_EXTERN(int) cs_calendar_import_ics(size_t *added, cs_calendar *cal, const char *ics);

/**
 * Create a calendar from its JSON description (see docs/calendar.md):
 *
 *     {"timezone": "Europe/Berlin",
 *      "hours": {"mon": [["08:00", "12:00"], ["13:00", "18:00"]], "sat": [["22:00", "26:00"]]},
 *      "holidays": [{"date": "2026-12-25"},
 *                   {"date": "2026-12-24", "from": "12:00", "to": "24:00"},
 *                   {"month_day": "01-01", "yearly": true}],
 *      "special_days": [{"date": "2026-12-31", "hours": [["08:00", "12:00"]]}]}
 *
 * Times are "HH:MM" or "HH:MM:SS"; a window end past "24:00" crosses midnight.
 *
 * @param[out] out the new calendar, owned by the caller; release it with cs_calendar_free().
 *                 Set to NULL on failure.
 * @param json     UTF-8 JSON text
 * @return CS_OK; CS_EINVAL naming the offending field as a path ("hours.mon[1]",
 *         "holidays[2].from"), "holidays" for more than CS_CALENDAR_HOLIDAYS_MAX holiday
 *         dates, or "json" when the text is not JSON; CS_ENOMEM.
 * @since 0.1
 */
CS_EXTERN(int) cs_calendar_from_json(cs_calendar **out, const char *json);

/**
 * Describe a calendar as JSON, in the shape cs_calendar_from_json() reads, with sorted keys.
 * Imported iCalendar events appear as dated holidays.
 *
 * @param[out] out the text, owned by the caller; release it with cs_str_free()
 * @return CS_OK; CS_EINVAL for a NULL argument; CS_ENOMEM.
 * @since 0.1
 */
CS_EXTERN(int) cs_calendar_to_json(char **out, const cs_calendar *cal);

/**
 * Whether business time runs at `t`.
 *
 * @param[out] out 1 if open, 0 if closed
 * @return CS_OK; CS_EINVAL naming "t" outside CS_CALENDAR_TIME_MIN..CS_CALENDAR_TIME_MAX.
 * @since 0.1
 */
CS_EXTERN(int) cs_calendar_is_open(int *out, const cs_calendar *cal, cs_time t);

/**
 * The next opening at or after `t`: the earliest open instant x >= t (t itself when open).
 *
 * @return CS_OK; CS_EINVAL naming "t" out of range; CS_ENOTFOUND when the calendar does
 *         not open again before CS_CALENDAR_TIME_MAX.
 * @since 0.1
 */
CS_EXTERN(int) cs_calendar_next_opening(cs_time *out, const cs_calendar *cal, cs_time t);

/**
 * The previous closing at or before `t`: the latest instant x <= t such that the instant
 * just before x is open (t itself when business time runs up to t).
 *
 * @return CS_OK; CS_EINVAL naming "t" out of range; CS_ENOTFOUND when the calendar was not
 *         open since CS_CALENDAR_TIME_MIN.
 * @since 0.1
 */
CS_EXTERN(int) cs_calendar_previous_closing(cs_time *out, const cs_calendar *cal, cs_time t);

/**
 * Add `seconds` of business time to `t` (subtract for a negative count); see the edge rules
 * above. The walk goes window by window, so a distant deadline costs a few steps per day.
 *
 * @param[out] out the resulting instant
 * @return CS_OK; CS_EINVAL naming "t" out of range, or "seconds" beyond what the whole
 *         range holds (more than CS_CALENDAR_TIME_MAX - CS_CALENDAR_TIME_MIN either way);
 *         CS_ENOTFOUND naming "seconds" when the result would lie outside
 *         CS_CALENDAR_TIME_MIN..CS_CALENDAR_TIME_MAX (or the calendar never opens there).
 * @since 0.1
 */
CS_EXTERN(int) cs_calendar_add_seconds(cs_time *out, const cs_calendar *cal, cs_time t,
                                       int64_t seconds);

/**
 * The business seconds in [from, to), or minus those in [to, from) when to < from.
 *
 * @param[out] out the count
 * @return CS_OK; CS_EINVAL naming "from" or "to" out of range.
 * @since 0.1
 */
CS_EXTERN(int) cs_calendar_seconds_between(int64_t *out, const cs_calendar *cal, cs_time from,
                                           cs_time to);

/* Stored calendars ----------------------------------------------------------------------- */

/** Longest stored calendar name, in bytes of UTF-8. */
#define CS_CALENDAR_NAME_MAX 255

/**
 * Store a calendar in the database under a unique name, for SLA policies to refer to by id:
 * creates it, or replaces the stored calendar of that name (keeping its id). What is stored
 * is cs_calendar_to_json(). A calendar that never opens between the handle's time and
 * CS_CALENDAR_TIME_MAX is refused: an SLA clock could count no deadline in it. Admins and
 * system only. Deadlines already running are recomputed with the new definition when their
 * ticket next changes (see docs/sla.md).
 *
 * @param[out] id the calendar's id; may be NULL
 * @param name    unique, at most CS_CALENDAR_NAME_MAX bytes of UTF-8; copied
 * @param cal     the calendar; read only
 * @return CS_OK; CS_EINVAL naming "name", or "cal" (NULL, or never open from now on);
 *         CS_EPERM; CS_EREADONLY; CS_EBUSY; CS_ENOMEM; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_calendar_store(int64_t *id, cs_db *db, const char *name, const cs_calendar *cal);

/**
 * Read a stored calendar.
 *
 * @param[out] out a new calendar, owned by the caller; release it with cs_calendar_free().
 *                 Set to NULL on failure.
 * @return CS_OK; CS_ENOTFOUND naming "id"; CS_EPERM (customers); CS_ENOMEM; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_calendar_load(cs_calendar **out, cs_db *db, int64_t id);

/**
 * The id of the stored calendar called `name`.
 *
 * @param[out] id the id
 * @return CS_OK; CS_EINVAL for a NULL argument; CS_ENOTFOUND naming "name"; CS_EPERM
 *         (customers); CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_calendar_lookup_name(int64_t *id, cs_db *db, const char *name);

CS_END_DECL

#endif
