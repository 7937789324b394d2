/*
 * libcs - holidays from iCalendar text (RFC 5545) through libical.
 *
 * Every event becomes closed local time: its span is converted to the calendar's local
 * seconds and cut into one holiday per local date. libical is only called here, while the
 * caller has the calendar to itself; the holidays it produces are plain data.
 */
#include "config.h"

#include <libical/ical.h>

#include "cs-internal.h"
#include "calendar.h"

/* Occurrences of one recurring event we are willing to expand. */
#define MAX_OCCURRENCES 10000

static const char *event_name(icalcomponent *ev)
{
    const char *name = icalcomponent_get_summary(ev);
    return name ? name : icalcomponent_get_uid(ev) ? icalcomponent_get_uid(ev) : "(unnamed)";
}

/* The holiday limit, as the import's error: the one error pushing a clipped day can give. */
static int too_many(icalcomponent *ev)
{
    char message[CS_ERROR_MESSAGE_MAX];

    snprintf(message, sizeof(message), "%s", cs_error_last()->message);
    return cs_error__inval("ics", "event '%.80s': %s", event_name(ev), message);
}

/* A DATE or DATE-TIME as the calendar's local seconds since 1970-01-01 00:00. Dates and
 * floating times (no zone, or a TZID libical does not know) are local already. */
static int64_t local_seconds(const cs_calendar *cal, struct icaltimetype tt)
{
    int64_t wall =
        (int64_t)cs_calendar__days_from_civil(tt.year, tt.month, tt.day) * CS_CALENDAR_DAY;
    cs_time utc;

    if (tt.is_date)
        return wall;
    if (!tt.zone)
        return wall + tt.hour * 3600 + tt.minute * 60 + tt.second;
    utc = (cs_time)icaltime_as_timet_with_zone(tt, tt.zone);
    return utc + cs_calendar__utc_offset(cal, utc);
}

/* Close the local span [start, end), one holiday per date within 1970..2100. */
static int close_span(cs_calendar *cal, icalcomponent *ev, struct icaltimetype start,
                      struct icaltimetype end)
{
    int64_t ls = local_seconds(cal, start), le = local_seconds(cal, end);
    const int64_t first = 0, last = (int64_t)CS_CAL_DAYS * CS_CALENDAR_DAY;

    if (le < ls)
        return cs_error__inval("ics", "event '%.80s' ends before it starts", event_name(ev));
    /* An instant (a DATE-TIME start without an end, RFC 5545 3.6.1) closes nothing. */
    if (le == ls)
        return CS_OK;
    ls = ls > first ? ls : first;
    le = le < last ? le : last;
    for (int64_t day = ls / CS_CALENDAR_DAY; day * CS_CALENDAR_DAY < le; day++) {
        int64_t from = ls - day * CS_CALENDAR_DAY, to = le - day * CS_CALENDAR_DAY;
        int y, m, d, rc;

        cs_calendar__civil_from_days((int32_t)day, &y, &m, &d);
        rc = cs_calendar__push_holiday(cal, y, m, d, from > 0 ? (int)from : 0,
                                       to < CS_CALENDAR_DAY ? (int)to : CS_CALENDAR_DAY);
        if (rc == CS_EINVAL)
            return too_many(ev);
        if (rc < 0)
            return rc;
    }
    return CS_OK;
}

static int expand_rrule(cs_calendar *cal, icalcomponent *ev, icalproperty *rrule,
                        struct icaltimetype start, struct icaldurationtype length)
{
    icalrecur_iterator *it = icalrecur_iterator_new(icalproperty_get_rrule(rrule), start);
    struct icaltimetype occ;
    int n = 0, rc = CS_OK;

    if (!it)
        return cs_error__inval("ics", "event '%.80s' has an RRULE libical cannot expand",
                               event_name(ev));
    while (rc == CS_OK && !icaltime_is_null_time(occ = icalrecur_iterator_next(it)) &&
           occ.year <= CS_CAL_LAST_YEAR) {
        if (++n > MAX_OCCURRENCES) {
            rc = cs_error__inval("ics", "event '%.80s' repeats more than %d times before %d",
                                 event_name(ev), MAX_OCCURRENCES, CS_CAL_LAST_YEAR + 1);
            break;
        }
        occ.zone = start.zone;
        rc = close_span(cal, ev, occ, icaltime_add(occ, length));
    }
    icalrecur_iterator_free(it);
    return rc;
}

static int import_event(cs_calendar *cal, icalcomponent *ev)
{
    struct icaltimetype start = icalcomponent_get_dtstart(ev), end = icalcomponent_get_dtend(ev);
    icalproperty *rrule = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY);

    if (icaltime_is_null_time(start))
        return cs_error__inval("ics", "event '%.80s' has no DTSTART", event_name(ev));
    if (icaltime_is_null_time(end)) {
        /* RFC 5545 3.6.1: an all-day event without an end lasts one day, a timed one no time. */
        struct icaldurationtype one_day = icaldurationtype_null_duration();
        one_day.days = start.is_date ? 1 : 0;
        end = icaltime_add(start, one_day);
    }
    if (!rrule)
        return close_span(cal, ev, start, end);
    return expand_rrule(cal, ev, rrule, start, icaltime_subtract(end, start));
}

int cs_calendar_import_ics(size_t *added, cs_calendar *cal, const char *ics)
{
    icalcomponent *root = NULL, *ev;
    size_t before;
    int rc = CS_OK;

    if (added)
        *added = 0;
    if (!cal)
        return cs_error__inval("cal", "cal must not be NULL");
    if (!ics)
        return cs_error__inval("ics", "ics must not be NULL");
    before = cal->nholidays;
    root = icalparser_parse_string(ics);
    if (!root || icalcomponent_count_errors(root) > 0 ||
        (icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT &&
         icalcomponent_isa(root) != ICAL_VEVENT_COMPONENT)) {
        rc = cs_error__inval("ics", "not an iCalendar text with VEVENTs");
        goto out;
    }
    if (icalcomponent_isa(root) == ICAL_VEVENT_COMPONENT)
        rc = import_event(cal, root);
    for (ev = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT); ev && rc == CS_OK;
         ev = icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT))
        rc = import_event(cal, ev);
    if (rc == CS_OK)
        rc = cs_calendar__index(cal);
out:
    if (rc < 0)
        cs_calendar__truncate_holidays(cal, before);
    else if (added)
        *added = cal->nholidays - before;
    if (root)
        icalcomponent_free(root);
    return rc;
}
