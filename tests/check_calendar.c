/*
 * Business-hours calendars: arithmetic, edge rules, DST in three zones, holidays, special
 * days, midnight windows, 24/7, iCalendar import, JSON, bad input, zdump, allocation failures.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"
#include "helpers.h"

#define H 3600
#define M 60

/* Local wall time y-m-d h:mi at UTC offset `off` hours, as UTC seconds. */
static cs_time at(int y, int mo, int d, int h, int mi, int off)
{
    return (cs_time)cs_calendar__days_from_civil(y, mo, d) * 86400 + h * H + mi * M - off * H;
}

static cs_calendar *cal_json(const char *json)
{
    cs_calendar *cal = NULL;
    ck_assert_ok(cs_calendar_from_json(&cal, json));
    ck_assert_ptr_nonnull(cal);
    return cal;
}

#define OFFICE_HOURS "[[\"08:00\",\"12:00\"],[\"13:00\",\"18:00\"]]"
#define OFFICE_WEEK                                                                                \
    "\"hours\":{\"mon\":" OFFICE_HOURS ",\"tue\":" OFFICE_HOURS ",\"wed\":" OFFICE_HOURS           \
    ",\"thu\":" OFFICE_HOURS ",\"fri\":" OFFICE_HOURS "}"
#define ALL_DAY "[[\"00:00\",\"24:00\"]]"
#define ALL_WEEK                                                                                   \
    "\"hours\":{\"mon\":" ALL_DAY ",\"tue\":" ALL_DAY ",\"wed\":" ALL_DAY ",\"thu\":" ALL_DAY      \
    ",\"fri\":" ALL_DAY ",\"sat\":" ALL_DAY ",\"sun\":" ALL_DAY "}"

static cs_calendar *office(const char *zone)
{
    char json[1024];
    snprintf(json, sizeof(json), "{\"timezone\":\"%s\"," OFFICE_WEEK "}", zone);
    return cal_json(json);
}

static cs_calendar *always(const char *zone)
{
    char json[1024];
    snprintf(json, sizeof(json), "{\"timezone\":\"%s\"," ALL_WEEK "}", zone);
    return cal_json(json);
}

static cs_time add(const cs_calendar *cal, cs_time t, int64_t n)
{
    cs_time out = -1;
    ck_assert_ok(cs_calendar_add_seconds(&out, cal, t, n));
    return out;
}

static int64_t between(const cs_calendar *cal, cs_time a, cs_time b)
{
    int64_t out = -1, back = -1;
    ck_assert_ok(cs_calendar_seconds_between(&out, cal, a, b));
    ck_assert_ok(cs_calendar_seconds_between(&back, cal, b, a));
    ck_assert_int_eq(back, -out);
    return out;
}

static int is_open(const cs_calendar *cal, cs_time t)
{
    int open = -1;
    ck_assert_ok(cs_calendar_is_open(&open, cal, t));
    return open;
}

/* A row of an add-seconds table: from + n == expected, and (for n != 0, landing on business
 * time) between(from, expected) == |n|. */
struct add_case {
    const char *what;
    cs_time from;
    int64_t n;
    cs_time expected;
};

static void run_add_cases(const cs_calendar *cal, const struct add_case *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const struct add_case *c = &cases[i];
        cs_time got = add(cal, c->from, c->n);
        ck_assert_msg(got == c->expected, "%s: got %lld, expected %lld (diff %lld s)", c->what,
                      (long long)got, (long long)c->expected, (long long)(got - c->expected));
        ck_assert_msg(between(cal, c->from, got) == c->n || c->n == 0, "%s: between", c->what);
    }
}

START_TEST(office_hours_berlin)
{
    cs_calendar *cal = office("Europe/Berlin");
    const struct add_case cases[] = {
        {"1h in the morning", at(2026, 3, 2, 9, 0, 1), H, at(2026, 3, 2, 10, 0, 1)},
        {"over lunch", at(2026, 3, 2, 11, 30, 1), H, at(2026, 3, 2, 13, 30, 1)},
        {"over the night", at(2026, 3, 2, 17, 0, 1), 2 * H, at(2026, 3, 3, 9, 0, 1)},
        {"over the weekend", at(2026, 3, 6, 17, 0, 1), 2 * H, at(2026, 3, 9, 9, 0, 1)},
        {"lands on closing", at(2026, 3, 2, 11, 0, 1), H, at(2026, 3, 2, 12, 0, 1)},
        {"lands on evening closing", at(2026, 3, 2, 17, 0, 1), H, at(2026, 3, 2, 18, 0, 1)},
        {"0 at a closed instant", at(2026, 3, 2, 12, 0, 1), 0, at(2026, 3, 2, 13, 0, 1)},
        {"0 on Saturday", at(2026, 3, 7, 10, 0, 1), 0, at(2026, 3, 9, 8, 0, 1)},
        {"0 at an open instant", at(2026, 3, 2, 9, 0, 1), 0, at(2026, 3, 2, 9, 0, 1)},
        {"0 at opening", at(2026, 3, 2, 8, 0, 1), 0, at(2026, 3, 2, 8, 0, 1)},
        {"5 business days", at(2026, 3, 2, 9, 0, 1), 5 * 9 * H, at(2026, 3, 9, 9, 0, 1)},
        {"a month", at(2026, 2, 2, 8, 0, 1), 20 * 9 * H, at(2026, 2, 27, 18, 0, 1)},
        {"back 1h", at(2026, 3, 2, 10, 0, 1), -H, at(2026, 3, 2, 9, 0, 1)},
        {"back over lunch", at(2026, 3, 2, 13, 30, 1), -H, at(2026, 3, 2, 11, 30, 1)},
        {"back lands on opening", at(2026, 3, 2, 14, 0, 1), -H, at(2026, 3, 2, 13, 0, 1)},
        {"back over the weekend", at(2026, 3, 9, 9, 0, 1), -2 * H, at(2026, 3, 6, 17, 0, 1)},
        {"back from a closed instant", at(2026, 3, 9, 7, 0, 1), -H, at(2026, 3, 6, 17, 0, 1)},
        {"back 5 business days", at(2026, 3, 9, 9, 0, 1), -5 * 9 * H, at(2026, 3, 2, 9, 0, 1)},
    };
    run_add_cases(cal, cases, CS_ARRAY_SIZE(cases));

    ck_assert_int_eq(is_open(cal, at(2026, 3, 2, 8, 0, 1)), 1);
    ck_assert_int_eq(is_open(cal, at(2026, 3, 2, 7, 59, 1)), 0);
    ck_assert_int_eq(is_open(cal, at(2026, 3, 2, 12, 0, 1)), 0);
    ck_assert_int_eq(is_open(cal, at(2026, 3, 2, 12, 0, 1) - 1), 1);
    ck_assert_int_eq(is_open(cal, at(2026, 3, 7, 10, 0, 1)), 0);
    ck_assert_int_eq(between(cal, at(2026, 3, 2, 0, 0, 1), at(2026, 3, 9, 0, 0, 1)), 45 * H);
    ck_assert_str_eq(cs_calendar_timezone(cal), "Europe/Berlin");
    cs_calendar_free(cal);
}
END_TEST

START_TEST(next_opening_previous_closing)
{
    cs_calendar *cal = office("Europe/Berlin");
    const struct {
        cs_time t, next, prev;
    } cases[] = {
        {at(2026, 3, 2, 9, 0, 1), at(2026, 3, 2, 9, 0, 1), at(2026, 3, 2, 9, 0, 1)},
        {at(2026, 3, 2, 12, 0, 1), at(2026, 3, 2, 13, 0, 1), at(2026, 3, 2, 12, 0, 1)},
        {at(2026, 3, 2, 12, 30, 1), at(2026, 3, 2, 13, 0, 1), at(2026, 3, 2, 12, 0, 1)},
        {at(2026, 3, 2, 13, 0, 1), at(2026, 3, 2, 13, 0, 1), at(2026, 3, 2, 12, 0, 1)},
        {at(2026, 3, 2, 8, 0, 1), at(2026, 3, 2, 8, 0, 1), at(2026, 2, 27, 18, 0, 1)},
        {at(2026, 3, 7, 12, 0, 1), at(2026, 3, 9, 8, 0, 1), at(2026, 3, 6, 18, 0, 1)},
    };
    for (size_t i = 0; i < CS_ARRAY_SIZE(cases); i++) {
        cs_time next = -1, prev = -1;
        ck_assert_ok(cs_calendar_next_opening(&next, cal, cases[i].t));
        ck_assert_ok(cs_calendar_previous_closing(&prev, cal, cases[i].t));
        ck_assert_msg(next == cases[i].next, "case %zu: next %lld", i, (long long)next);
        ck_assert_msg(prev == cases[i].prev, "case %zu: prev %lld", i, (long long)prev);
    }
    cs_calendar_free(cal);
}
END_TEST

/* Weekday hours across the weekend of a DST change: the offset changes, the wall clock
 * hours do not. */
START_TEST(dst_office_three_zones)
{
    const struct {
        const char *zone;
        struct add_case c;
    } cases[] = {
        {"Europe/Berlin",
         {"Berlin spring", at(2026, 3, 27, 17, 0, 1), 2 * H, at(2026, 3, 30, 9, 0, 2)}},
        {"Europe/Berlin",
         {"Berlin autumn", at(2026, 10, 23, 17, 0, 2), 2 * H, at(2026, 10, 26, 9, 0, 1)}},
        {"Europe/Berlin",
         {"Berlin spring back", at(2026, 3, 30, 9, 0, 2), -2 * H, at(2026, 3, 27, 17, 0, 1)}},
        {"America/New_York",
         {"New York spring", at(2026, 3, 6, 17, 0, -5), 2 * H, at(2026, 3, 9, 9, 0, -4)}},
        {"America/New_York",
         {"New York autumn", at(2026, 10, 30, 17, 0, -4), 2 * H, at(2026, 11, 2, 9, 0, -5)}},
        {"Australia/Sydney",
         {"Sydney autumn", at(2026, 4, 3, 17, 0, 11), 2 * H, at(2026, 4, 6, 9, 0, 10)}},
        {"Australia/Sydney",
         {"Sydney spring", at(2026, 10, 2, 17, 0, 10), 2 * H, at(2026, 10, 5, 9, 0, 11)}},
        {"Australia/Sydney",
         {"Sydney spring back", at(2026, 10, 5, 9, 0, 11), -2 * H, at(2026, 10, 2, 17, 0, 10)}},
    };
    for (size_t i = 0; i < CS_ARRAY_SIZE(cases); i++) {
        cs_calendar *cal = office(cases[i].zone);
        run_add_cases(cal, &cases[i].c, 1);
        cs_calendar_free(cal);
    }
}
END_TEST

/* 24/7 over the night of a change: the spring night is an hour short, the autumn night an
 * hour long, in business seconds as in real seconds. */
START_TEST(dst_always_open_three_zones)
{
    const struct {
        const char *zone;
        cs_time from, to;
        int64_t seconds;
    } cases[] = {
        {"Europe/Berlin", at(2026, 3, 29, 0, 0, 1), at(2026, 3, 29, 4, 0, 2), 3 * H},
        {"Europe/Berlin", at(2026, 10, 25, 0, 0, 2), at(2026, 10, 25, 4, 0, 1), 5 * H},
        {"America/New_York", at(2026, 3, 8, 0, 0, -5), at(2026, 3, 8, 4, 0, -4), 3 * H},
        {"America/New_York", at(2026, 11, 1, 0, 0, -4), at(2026, 11, 1, 4, 0, -5), 5 * H},
        {"Australia/Sydney", at(2026, 4, 5, 0, 0, 11), at(2026, 4, 5, 4, 0, 10), 5 * H},
        {"Australia/Sydney", at(2026, 10, 4, 0, 0, 10), at(2026, 10, 4, 4, 0, 11), 3 * H},
    };
    for (size_t i = 0; i < CS_ARRAY_SIZE(cases); i++) {
        cs_calendar *cal = always(cases[i].zone);
        cs_time t = -1;
        ck_assert_int_eq(between(cal, cases[i].from, cases[i].to), cases[i].seconds);
        ck_assert_int_eq(add(cal, cases[i].from, cases[i].seconds), cases[i].to);
        ck_assert_int_eq(add(cal, cases[i].to, -cases[i].seconds), cases[i].from);
        ck_assert_int_eq(is_open(cal, cases[i].from + 90 * M), 1);
        ck_assert_ok(cs_calendar_previous_closing(&t, cal, cases[i].to));
        ck_assert_int_eq(t, cases[i].to);
        cs_calendar_free(cal);
    }
}
END_TEST

/* A Sunday window 02:30-05:00 in Berlin. In the spring it starts in the gap, so it opens at
 * the first instant after it (03:00 CEST). In the autumn 02:00-03:00 happens twice: the
 * window is open 02:30-03:00 CEST, closed 02:00-02:30 CET, open again from 02:30 CET. */
START_TEST(dst_window_in_the_gap_and_the_repeat)
{
    cs_calendar *cal = cal_json("{\"timezone\":\"Europe/Berlin\","
                                "\"hours\":{\"sun\":[[\"02:30\",\"05:00\"]]}}");
    cs_time t = -1;

    ck_assert_ok(cs_calendar_next_opening(&t, cal, at(2026, 3, 29, 0, 0, 1)));
    ck_assert_int_eq(t, at(2026, 3, 29, 3, 0, 2));
    ck_assert_int_eq(t, at(2026, 3, 29, 1, 0, 0));
    ck_assert_int_eq(between(cal, at(2026, 3, 29, 0, 0, 1), at(2026, 3, 29, 12, 0, 2)), 2 * H);
    ck_assert_int_eq(add(cal, at(2026, 3, 28, 12, 0, 1), 2 * H), at(2026, 3, 29, 5, 0, 2));

    ck_assert_int_eq(between(cal, at(2026, 10, 25, 0, 0, 2), at(2026, 10, 25, 12, 0, 1)), 3 * H);
    ck_assert_int_eq(is_open(cal, at(2026, 10, 25, 2, 45, 2)), 1);
    ck_assert_int_eq(is_open(cal, at(2026, 10, 25, 2, 15, 1)), 0);
    ck_assert_int_eq(is_open(cal, at(2026, 10, 25, 2, 30, 1)), 1);
    ck_assert_int_eq(add(cal, at(2026, 10, 25, 2, 30, 2), 30 * M), at(2026, 10, 25, 3, 0, 2));
    ck_assert_int_eq(add(cal, at(2026, 10, 25, 2, 30, 2), 31 * M), at(2026, 10, 25, 2, 31, 1));
    ck_assert_ok(cs_calendar_previous_closing(&t, cal, at(2026, 10, 25, 2, 15, 1)));
    ck_assert_int_eq(t, at(2026, 10, 25, 3, 0, 2));
    ck_assert_int_eq(add(cal, at(2026, 10, 25, 5, 0, 1), -3 * H), at(2026, 10, 25, 2, 30, 2));
    cs_calendar_free(cal);

    /* New York, Sunday 01:00-03:00: 01:00-02:00 happens twice, all of it open. */
    cal =
        cal_json("{\"timezone\":\"America/New_York\",\"hours\":{\"sun\":[[\"01:00\",\"03:00\"]]}}");
    ck_assert_int_eq(between(cal, at(2026, 11, 1, 0, 0, -4), at(2026, 11, 1, 12, 0, -5)), 3 * H);
    ck_assert_int_eq(between(cal, at(2026, 3, 8, 0, 0, -5), at(2026, 3, 8, 12, 0, -4)), 1 * H);
    cs_calendar_free(cal);
}
END_TEST

START_TEST(holidays_whole_partial_yearly)
{
    cs_calendar *cal = office("Europe/Berlin");
    ck_assert_ok(cs_calendar_add_holiday(cal, 2026, 3, 4, 0, CS_CALENDAR_DAY));
    ck_assert_ok(cs_calendar_add_holiday(cal, 2026, 3, 5, 10 * H, CS_CALENDAR_DAY));
    ck_assert_ok(cs_calendar_add_holiday(cal, CS_CALENDAR_EVERY_YEAR, 1, 1, 0, CS_CALENDAR_DAY));
    ck_assert_ok(
        cs_calendar_add_holiday(cal, CS_CALENDAR_EVERY_YEAR, 12, 24, 12 * H, CS_CALENDAR_DAY));
    const struct add_case cases[] = {
        {"over a whole holiday", at(2026, 3, 3, 17, 0, 1), 2 * H, at(2026, 3, 5, 9, 0, 1)},
        {"into a partial holiday", at(2026, 3, 5, 9, 0, 1), 2 * H, at(2026, 3, 6, 9, 0, 1)},
        {"0 in a holiday", at(2026, 3, 4, 10, 0, 1), 0, at(2026, 3, 5, 8, 0, 1)},
        {"back over both", at(2026, 3, 6, 9, 0, 1), -4 * H, at(2026, 3, 3, 17, 0, 1)},
        {"yearly new year 2027", at(2026, 12, 31, 17, 0, 1), 2 * H, at(2027, 1, 4, 9, 0, 1)},
        {"yearly new year 2030", at(2029, 12, 31, 17, 0, 1), 2 * H, at(2030, 1, 2, 9, 0, 1)},
        {"yearly afternoon", at(2026, 12, 24, 11, 0, 1), 2 * H, at(2026, 12, 25, 9, 0, 1)},
    };
    run_add_cases(cal, cases, CS_ARRAY_SIZE(cases));
    ck_assert_int_eq(is_open(cal, at(2026, 3, 5, 9, 59, 1)), 1);
    ck_assert_int_eq(is_open(cal, at(2026, 3, 5, 10, 0, 1)), 0);
    ck_assert_int_eq(is_open(cal, at(2027, 12, 24, 13, 0, 1)), 0);
    ck_assert_int_eq(is_open(cal, at(2027, 12, 23, 13, 0, 1)), 1);
    cs_calendar_free(cal);
}
END_TEST

START_TEST(special_days)
{
    cs_calendar *cal = office("Europe/Berlin");
    ck_assert_ok(cs_calendar_add_special_hours(cal, 2026, 12, 24, 8 * H, 12 * H));
    ck_assert_ok(cs_calendar_add_special_hours(cal, 2026, 12, 26, 10 * H, 14 * H)); /* a Sat */
    ck_assert_int_eq(is_open(cal, at(2026, 12, 24, 10, 0, 1)), 1);
    ck_assert_int_eq(is_open(cal, at(2026, 12, 24, 13, 30, 1)), 0);
    ck_assert_int_eq(is_open(cal, at(2026, 12, 26, 13, 30, 1)), 1);
    ck_assert_int_eq(is_open(cal, at(2026, 12, 23, 13, 30, 1)), 1);
    ck_assert_int_eq(add(cal, at(2026, 12, 24, 11, 0, 1), 2 * H), at(2026, 12, 25, 9, 0, 1));
    ck_assert_int_eq(between(cal, at(2026, 12, 24, 0, 0, 1), at(2026, 12, 27, 0, 0, 1)),
                     4 * H + 9 * H + 4 * H);
    /* Holidays still apply to a special day. */
    ck_assert_ok(cs_calendar_add_holiday(cal, 2026, 12, 26, 0, 12 * H));
    ck_assert_int_eq(between(cal, at(2026, 12, 26, 0, 0, 1), at(2026, 12, 27, 0, 0, 1)), 2 * H);
    cs_calendar_free(cal);
}
END_TEST

/* Saturday 22:00 to Sunday 02:00, and Friday 00:00-24:00 touching Thursday 20:00-24:00. */
START_TEST(midnight_windows)
{
    cs_calendar *cal =
        cal_json("{\"timezone\":\"UTC\",\"hours\":{\"sat\":[[\"22:00\",\"26:00\"]],"
                 "\"thu\":[[\"20:00\",\"24:00\"]],\"fri\":[[\"00:00\",\"24:00\"]]}}");
    cs_time t = -1;

    ck_assert_int_eq(is_open(cal, at(2026, 3, 8, 1, 0, 0)), 1);
    ck_assert_int_eq(is_open(cal, at(2026, 3, 8, 2, 0, 0)), 0);
    ck_assert_int_eq(between(cal, at(2026, 3, 7, 21, 0, 0), at(2026, 3, 8, 3, 0, 0)), 4 * H);
    ck_assert_int_eq(add(cal, at(2026, 3, 7, 23, 0, 0), 2 * H), at(2026, 3, 8, 1, 0, 0));
    ck_assert_int_eq(add(cal, at(2026, 3, 8, 1, 0, 0), -3 * H), at(2026, 3, 7, 22, 0, 0));
    ck_assert_int_eq(add(cal, at(2026, 3, 5, 23, 0, 0), 2 * H), at(2026, 3, 6, 1, 0, 0));
    /* Thursday evening runs into Friday without a closing at midnight. */
    ck_assert_ok(cs_calendar_previous_closing(&t, cal, at(2026, 3, 6, 12, 0, 0)));
    ck_assert_int_eq(t, at(2026, 3, 6, 12, 0, 0));
    ck_assert_ok(cs_calendar_previous_closing(&t, cal, at(2026, 3, 7, 12, 0, 0)));
    ck_assert_int_eq(t, at(2026, 3, 7, 0, 0, 0));
    /* A holiday on Sunday closes the part of Saturday's window past midnight. */
    ck_assert_ok(cs_calendar_add_holiday(cal, 2026, 3, 8, 0, CS_CALENDAR_DAY));
    ck_assert_int_eq(between(cal, at(2026, 3, 7, 21, 0, 0), at(2026, 3, 8, 3, 0, 0)), 2 * H);
    ck_assert_int_eq(between(cal, at(2026, 3, 14, 21, 0, 0), at(2026, 3, 15, 3, 0, 0)), 4 * H);
    cs_calendar_free(cal);
}
END_TEST

START_TEST(always_open_and_never_open)
{
    cs_calendar *cal = always("UTC");
    cs_time t = -1;

    ck_assert_int_eq(add(cal, t_now, 0), t_now);
    ck_assert_int_eq(add(cal, t_now, 86400 * 30), t_now + 86400 * 30);
    ck_assert_int_eq(add(cal, t_now, -86400 * 30), t_now - 86400 * 30);
    ck_assert_int_eq(between(cal, t_now, t_now + 12345678), 12345678);
    ck_assert_ok(cs_calendar_previous_closing(&t, cal, t_now));
    ck_assert_int_eq(t, t_now);
    ck_assert_rc(cs_calendar_add_seconds(&t, cal, t_now, 130 * 365 * 86400LL), CS_ENOTFOUND);
    ck_assert_rc(cs_calendar_add_seconds(&t, cal, t_now, -130 * 365 * 86400LL), CS_ENOTFOUND);
    cs_calendar_free(cal);

    ck_assert_ok(cs_calendar_new(&cal, "Europe/Berlin"));
    ck_assert_int_eq(is_open(cal, t_now), 0);
    ck_assert_rc(cs_calendar_next_opening(&t, cal, t_now), CS_ENOTFOUND);
    ck_assert_rc(cs_calendar_previous_closing(&t, cal, t_now), CS_ENOTFOUND);
    ck_assert_rc(cs_calendar_add_seconds(&t, cal, t_now, -1), CS_ENOTFOUND);
    ck_assert_int_eq(between(cal, CS_CALENDAR_TIME_MIN, CS_CALENDAR_TIME_MAX), 0);
    cs_calendar_free(cal);
}
END_TEST

/* More business seconds than the whole range holds cannot be added: CS_EINVAL naming them. */
START_TEST(add_seconds_beyond_the_range)
{
    cs_calendar *cal = always("UTC");
    const int64_t span = CS_CALENDAR_TIME_MAX - CS_CALENDAR_TIME_MIN;
    cs_time t = -1;

    ck_assert_rc(cs_calendar_add_seconds(&t, cal, t_now, INT64_MAX), CS_EINVAL);
    ck_assert_field("seconds");
    ck_assert_rc(cs_calendar_add_seconds(&t, cal, t_now, INT64_MIN), CS_EINVAL);
    ck_assert_field("seconds");
    ck_assert_rc(cs_calendar_add_seconds(&t, cal, t_now, span + 1), CS_EINVAL);
    ck_assert_field("seconds");
    ck_assert_rc(cs_calendar_add_seconds(&t, cal, t_now, -span - 1), CS_EINVAL);
    ck_assert_field("seconds");
    /* Within it, a result past the end is CS_ENOTFOUND, also naming them. */
    ck_assert_rc(cs_calendar_add_seconds(&t, cal, t_now, span), CS_ENOTFOUND);
    ck_assert_field("seconds");
    ck_assert_ok(cs_calendar_add_seconds(&t, cal, CS_CALENDAR_TIME_MIN, span));
    ck_assert_int_eq(t, CS_CALENDAR_TIME_MAX);
    cs_calendar_free(cal);
}
END_TEST

START_TEST(bad_input)
{
    cs_calendar *cal = (cs_calendar *)1;
    cs_time t;
    int open;

    ck_assert_rc(cs_calendar_new(NULL, "UTC"), CS_EINVAL);
    ck_assert_field("out");
    ck_assert_rc(cs_calendar_new(&cal, NULL), CS_EINVAL);
    ck_assert_ptr_null(cal);
    ck_assert_field("timezone");
    ck_assert_rc(cs_calendar_new(&cal, "Mars/Olympus_Mons"), CS_EINVAL);
    ck_assert_field("timezone");
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "Mars/Olympus_Mons"));
    ck_assert_rc(cs_calendar_new(&cal, "../../../etc/passwd"), CS_EINVAL);
    ck_assert_rc(cs_calendar_new(&cal, ""), CS_EINVAL);

    ck_assert_ok(cs_calendar_new(&cal, "Europe/Berlin"));
    ck_assert_rc(cs_calendar_add_hours(NULL, CS_MONDAY, 0, 1), CS_EINVAL);
    ck_assert_rc(cs_calendar_add_hours(cal, 7, 0, 1), CS_EINVAL);
    ck_assert_field("day");
    ck_assert_rc(cs_calendar_add_hours(cal, CS_MONDAY, 18 * H, 8 * H), CS_EINVAL);
    ck_assert_field("end");
    ck_assert_rc(cs_calendar_add_hours(cal, CS_MONDAY, 8 * H, 8 * H), CS_EINVAL);
    ck_assert_rc(cs_calendar_add_hours(cal, CS_MONDAY, -1, 8 * H), CS_EINVAL);
    ck_assert_field("start");
    ck_assert_rc(cs_calendar_add_hours(cal, CS_MONDAY, 24 * H, 25 * H), CS_EINVAL);
    ck_assert_rc(cs_calendar_add_hours(cal, CS_MONDAY, 8 * H, 32 * H + 1), CS_EINVAL);
    ck_assert_ok(cs_calendar_add_hours(cal, CS_MONDAY, 8 * H, 12 * H));
    ck_assert_rc(cs_calendar_add_hours(cal, CS_MONDAY, 11 * H, 13 * H), CS_EINVAL);
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "11:00-13:00 overlaps 08:00-12:00"));
    ck_assert_ok(cs_calendar_add_hours(cal, CS_MONDAY, 12 * H, 13 * H)); /* touching is fine */
    ck_assert_rc(cs_calendar_add_hours(cal, CS_SUNDAY, 22 * H, 33 * H), CS_EINVAL);
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "on mon"));
    ck_assert_ok(cs_calendar_add_hours(cal, CS_SUNDAY, 22 * H, 32 * H));
    ck_assert_rc(cs_calendar_add_hours(cal, CS_MONDAY, 7 * H, 8 * H), CS_EINVAL);
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "on sun"));

    ck_assert_rc(cs_calendar_add_holiday(cal, 2026, 2, 29, 0, 1), CS_EINVAL);
    ck_assert_field("date");
    ck_assert_ok(cs_calendar_add_holiday(cal, CS_CALENDAR_EVERY_YEAR, 2, 29, 0, 1));
    ck_assert_rc(cs_calendar_add_holiday(cal, 1969, 1, 1, 0, 1), CS_EINVAL);
    ck_assert_rc(cs_calendar_add_holiday(cal, 2026, 13, 1, 0, 1), CS_EINVAL);
    ck_assert_rc(cs_calendar_add_holiday(cal, 2026, 1, 1, 5, 5), CS_EINVAL);
    ck_assert_field("to");
    ck_assert_rc(cs_calendar_add_holiday(cal, 2026, 1, 1, -5, 5), CS_EINVAL);
    ck_assert_field("from");
    ck_assert_rc(cs_calendar_add_special_hours(cal, 0, 12, 24, 0, 1), CS_EINVAL);
    ck_assert_field("date");
    ck_assert_ok(cs_calendar_add_special_hours(cal, 2026, 12, 24, 8 * H, 12 * H));
    ck_assert_rc(cs_calendar_add_special_hours(cal, 2026, 12, 24, 9 * H, 10 * H), CS_EINVAL);

    ck_assert_rc(cs_calendar_is_open(&open, cal, CS_CALENDAR_TIME_MIN - 1), CS_EINVAL);
    ck_assert_field("t");
    ck_assert_rc(cs_calendar_add_seconds(&t, cal, CS_CALENDAR_TIME_MAX + 1, 0), CS_EINVAL);
    ck_assert_rc(cs_calendar_add_seconds(NULL, cal, t_now, 0), CS_EINVAL);
    ck_assert_rc(cs_calendar_next_opening(&t, NULL, t_now), CS_EINVAL);
    ck_assert_rc(cs_calendar_seconds_between((int64_t *)&t, cal, t_now, -5), CS_EINVAL);
    ck_assert_field("to");
    ck_assert_ok(cs_calendar_is_open(&open, cal, CS_CALENDAR_TIME_MIN));
    ck_assert_ok(cs_calendar_is_open(&open, cal, CS_CALENDAR_TIME_MAX));
    cs_calendar_free(cal);
    cs_calendar_free(NULL);
}
END_TEST

static const char full_json[] =
    "{\"holidays\":[{\"date\":\"2026-12-25\"},"
    "{\"date\":\"2026-12-24\",\"from\":\"12:00\",\"to\":\"24:00\"},"
    "{\"month_day\":\"01-01\",\"yearly\":true}],"
    "\"hours\":{\"fri\":[[\"08:00\",\"12:00\"],[\"13:00\",\"18:00\"]],\"mon\":[[\"08:00\","
    "\"12:00\"],[\"13:00\",\"18:00:30\"]],\"sat\":[[\"22:00\",\"26:00\"]],\"sun\":[],\"thu\":[],"
    "\"tue\":[],\"wed\":[]},"
    "\"special_days\":[{\"date\":\"2026-12-31\",\"hours\":[[\"08:00\",\"12:00\"]]}],"
    "\"timezone\":\"Europe/Berlin\"}";

START_TEST(json_round_trip)
{
    cs_calendar *cal = cal_json(full_json), *again;
    char *text = NULL, *text2 = NULL;

    ck_assert_ok(cs_calendar_to_json(&text, cal));
    ck_assert_str_eq(text, full_json);
    again = cal_json(text);
    ck_assert_ok(cs_calendar_to_json(&text2, again));
    ck_assert_str_eq(text2, text);
    ck_assert_int_eq(is_open(again, at(2026, 12, 24, 13, 0, 1)), 0);
    ck_assert_int_eq(is_open(again, at(2027, 1, 1, 9, 0, 1)), 0);
    ck_assert_int_eq(is_open(again, at(2026, 3, 8, 1, 0, 1)), 1);
    ck_assert_int_eq(is_open(again, at(2026, 3, 2, 18, 0, 1) + 29), 1);
    cs_str_free(text);
    cs_str_free(text2);
    cs_calendar_free(cal);
    cs_calendar_free(again);
}
END_TEST

START_TEST(json_errors_name_the_field)
{
    const struct {
        const char *json, *field, *message;
    } cases[] = {
        {"{\"timezone\":", "json", "line 1"},
        {"[]", "json", "object"},
        {"{\"hours\":{}}", "timezone", "IANA"},
        {"{\"timezone\":\"Nowhere/City\"}", "timezone", "Nowhere/City"},
        {"{\"timezone\":\"UTC\",\"hourz\":{}}", "hourz", "hourz"},
        {"{\"timezone\":\"UTC\",\"hours\":[]}", "hours", "object"},
        {"{\"timezone\":\"UTC\",\"hours\":{\"monday\":[]}}", "hours.monday", "weekday"},
        {"{\"timezone\":\"UTC\",\"hours\":{\"mon\":{}}}", "hours.mon", "array"},
        {"{\"timezone\":\"UTC\",\"hours\":{\"mon\":[[\"08:00\",\"12:00\"],[\"11:00\",\"13:00\"]]}}",
         "hours.mon[1]", "overlaps 08:00-12:00"},
        {"{\"timezone\":\"UTC\",\"hours\":{\"tue\":[[\"18:00\",\"08:00\"]]}}", "hours.tue[0]",
         "after its start 18:00"},
        {"{\"timezone\":\"UTC\",\"hours\":{\"tue\":[[\"8:00\",\"12:00\"]]}}", "hours.tue[0]",
         "\"8:00\""},
        {"{\"timezone\":\"UTC\",\"hours\":{\"tue\":[[\"08:00\"]]}}", "hours.tue[0]", "window"},
        {"{\"timezone\":\"UTC\",\"hours\":{\"tue\":[[\"08:00\",\"49:00\"]]}}", "hours.tue[0]",
         "49:00"},
        {"{\"timezone\":\"UTC\",\"holidays\":{}}", "holidays", "array"},
        {"{\"timezone\":\"UTC\",\"holidays\":[{\"date\":\"2026-12-25\"},{\"date\":\"2026-02-30\"}]"
         "}",
         "holidays[1].date", "2026-02-30"},
        {"{\"timezone\":\"UTC\",\"holidays\":[{\"date\":\"25.12.2026\"}]}", "holidays[0].date",
         "YYYY-MM-DD"},
        {"{\"timezone\":\"UTC\",\"holidays\":[{\"date\":\"2026-12-24\",\"from\":\"25:00\"}]}",
         "holidays[0].from", "25:00"},
        {"{\"timezone\":\"UTC\",\"holidays\":[{\"date\":\"2026-12-24\",\"from\":\"12:00\","
         "\"to\":\"11:00\"}]}",
         "holidays[0].to", "39600"},
        {"{\"timezone\":\"UTC\",\"holidays\":[{\"month_day\":\"12-24\",\"yearly\":false}]}",
         "holidays[0].yearly", "yearly"},
        {"{\"timezone\":\"UTC\",\"holidays\":[{}]}", "holidays[0]", "month_day"},
        {"{\"timezone\":\"UTC\",\"special_days\":[{\"date\":\"2026-12-31\",\"hours\":[]}]}",
         "special_days[0].hours", "holiday"},
        {"{\"timezone\":\"UTC\",\"special_days\":[{\"date\":\"2026-12-32\",\"hours\":"
         "[[\"08:00\",\"12:00\"]]}]}",
         "special_days[0].date", "2026-12-32"},
        {"{\"timezone\":\"UTC\",\"special_days\":[{\"date\":\"2026-12-31\",\"hours\":"
         "[[\"08:00\",\"12:00\"],[\"10:00\",\"11:00\"]]}]}",
         "special_days[0].hours[1]", "overlaps"},
    };
    for (size_t i = 0; i < CS_ARRAY_SIZE(cases); i++) {
        cs_calendar *cal = (cs_calendar *)1;
        ck_assert_rc(cs_calendar_from_json(&cal, cases[i].json), CS_EINVAL);
        ck_assert_ptr_null(cal);
        ck_assert_msg(!strcmp(cs_error_last()->field, cases[i].field), "case %zu: field %s", i,
                      cs_error_last()->field);
        ck_assert_msg(strstr(cs_error_last()->message, cases[i].message), "case %zu: %s", i,
                      cs_error_last()->message);
    }
    ck_assert_rc(cs_calendar_from_json(NULL, "{}"), CS_EINVAL);
    ck_assert_rc(cs_calendar_to_json(NULL, NULL), CS_EINVAL);
}
END_TEST

#define ICS_HEAD "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//libcs//test//EN\r\n"
#define ICS_TAIL "END:VCALENDAR\r\n"

START_TEST(ics_import)
{
    static const char ics[] =
        ICS_HEAD "BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Easter Monday\r\n"
                 "DTSTART;VALUE=DATE:20260406\r\nDTEND;VALUE=DATE:20260407\r\nEND:VEVENT\r\n"
                 "BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:Works outing\r\n"
                 "DTSTART;VALUE=DATE:20260505\r\nDTEND;VALUE=DATE:20260508\r\nEND:VEVENT\r\n"
                 "BEGIN:VEVENT\r\nUID:3\r\nSUMMARY:All hands\r\n"
                 "DTSTART;TZID=America/New_York:20260610T080000\r\n"
                 "DTEND;TZID=America/New_York:20260610T100000\r\nEND:VEVENT\r\n"
                 "BEGIN:VEVENT\r\nUID:4\r\nSUMMARY:Christmas\r\n"
                 "DTSTART;VALUE=DATE:20251225\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\n"
                 "BEGIN:VEVENT\r\nUID:5\r\nSUMMARY:Maintenance\r\n"
                 "DTSTART:20260702T150000Z\r\nDTEND:20260702T160000Z\r\nEND:VEVENT\r\n" ICS_TAIL;
    cs_calendar *cal = office("Europe/Berlin");
    size_t added = 0;

    ck_assert_ok(cs_calendar_import_ics(&added, cal, ics));
    ck_assert_int_eq(added, 1 + 3 + 1 + (2100 - 2025 + 1) + 1);
    ck_assert_int_eq(is_open(cal, at(2026, 4, 6, 10, 0, 2)), 0);
    ck_assert_int_eq(is_open(cal, at(2026, 4, 7, 10, 0, 2)), 1);
    ck_assert_int_eq(between(cal, at(2026, 5, 4, 0, 0, 2), at(2026, 5, 9, 0, 0, 2)), 2 * 9 * H);
    /* 08:00-10:00 in New York is 14:00-16:00 in Berlin. */
    ck_assert_int_eq(is_open(cal, at(2026, 6, 10, 13, 59, 2)), 1);
    ck_assert_int_eq(is_open(cal, at(2026, 6, 10, 14, 0, 2)), 0);
    ck_assert_int_eq(is_open(cal, at(2026, 6, 10, 16, 0, 2)), 1);
    /* 15:00Z is 17:00 in Berlin. */
    ck_assert_int_eq(between(cal, at(2026, 7, 2, 0, 0, 2), at(2026, 7, 3, 0, 0, 2)), 8 * H);
    ck_assert_int_eq(is_open(cal, at(2026, 12, 25, 10, 0, 1)), 0);
    ck_assert_int_eq(is_open(cal, at(2098, 12, 25, 10, 0, 1)), 0);
    ck_assert_int_eq(is_open(cal, at(2098, 12, 24, 10, 0, 1)), 1);

    /* Nothing is added by a failed import. */
    char *before = NULL, *after = NULL;
    ck_assert_ok(cs_calendar_to_json(&before, cal));
    ck_assert_rc(cs_calendar_import_ics(&added, cal, "this is not iCalendar"), CS_EINVAL);
    ck_assert_field("ics");
    ck_assert_rc(cs_calendar_import_ics(&added, cal,
                                        ICS_HEAD
                                        "BEGIN:VEVENT\r\nUID:6\r\nDTSTART;VALUE=DATE:"
                                        "20260101\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:7\r\n"
                                        "SUMMARY:No start\r\nEND:VEVENT\r\n" ICS_TAIL),
                 CS_EINVAL);
    ck_assert_field("ics");
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "No start"));
    ck_assert_int_eq(added, 0);
    ck_assert_ok(cs_calendar_to_json(&after, cal));
    ck_assert_str_eq(before, after);
    ck_assert_rc(cs_calendar_import_ics(NULL, cal, NULL), CS_EINVAL);
    ck_assert_ok(cs_calendar_import_ics(NULL, cal, ICS_HEAD ICS_TAIL));
    cs_str_free(before);
    cs_str_free(after);
    cs_calendar_free(cal);
}
END_TEST

/* RFC 5545 3.6.1: a DATE-TIME DTSTART without DTEND or DURATION is an instant (it closes
 * nothing), a DATE one without DTEND is one day. */
START_TEST(ics_events_without_an_end)
{
    static const char ics[] =
        ICS_HEAD "BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Call\r\nDTSTART:20260702T150000Z\r\n"
                 "END:VEVENT\r\n"
                 "BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:Local call\r\nDTSTART:20260703T100000\r\n"
                 "RRULE:FREQ=DAILY;COUNT=3\r\nEND:VEVENT\r\n"
                 "BEGIN:VEVENT\r\nUID:3\r\nSUMMARY:Day off\r\nDTSTART;VALUE=DATE:20260706\r\n"
                 "END:VEVENT\r\n" ICS_TAIL;
    cs_calendar *cal = office("Europe/Berlin");
    size_t added = 99;

    ck_assert_ok(cs_calendar_import_ics(&added, cal, ics));
    ck_assert_int_eq(added, 1);
    ck_assert_int_eq(is_open(cal, at(2026, 7, 2, 17, 0, 2)), 1);
    ck_assert_int_eq(is_open(cal, at(2026, 7, 3, 10, 0, 2)), 1);
    ck_assert_int_eq(between(cal, at(2026, 7, 6, 0, 0, 2), at(2026, 7, 7, 0, 0, 2)), 0);
    cs_calendar_free(cal);
}
END_TEST

/* A calendar holds at most CS_CALENDAR_HOLIDAYS_MAX holiday dates, however they come. */
START_TEST(holiday_expansion_is_capped)
{
    /* Each daily occurrence closes 65 years: 240 million dates without the cap. */
    static const char ics[] = ICS_HEAD "BEGIN:VEVENT\r\nUID:big\r\nSUMMARY:Forever\r\n"
                                       "DTSTART;VALUE=DATE:19700101\r\n"
                                       "DTEND;VALUE=DATE:20350101\r\n"
                                       "RRULE:FREQ=DAILY\r\nEND:VEVENT\r\n" ICS_TAIL;
    cs_calendar *cal = office("Europe/Berlin");
    char *before = NULL, *after = NULL, limit[16];
    size_t added = 99;

    snprintf(limit, sizeof(limit), "%d", CS_CALENDAR_HOLIDAYS_MAX);
    ck_assert_ok(cs_calendar_to_json(&before, cal));
    ck_assert_rc(cs_calendar_import_ics(&added, cal, ics), CS_EINVAL);
    ck_assert_field("ics");
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "Forever"));
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, limit));
    ck_assert_int_eq(added, 0);
    ck_assert_ok(cs_calendar_to_json(&after, cal));
    ck_assert_str_eq(before, after);
    cs_str_free(after);

    /* One event over the whole range fits. */
    ck_assert_ok(cs_calendar_import_ics(&added, cal,
                                        ICS_HEAD "BEGIN:VEVENT\r\nUID:all\r\n"
                                                 "DTSTART;VALUE=DATE:19700101\r\n"
                                                 "DTEND;VALUE=DATE:21010101\r\n"
                                                 "END:VEVENT\r\n" ICS_TAIL));
    ck_assert_int_eq(added, CS_CAL_DAYS);
    /* Yearly holidays count once per year, through the C API... */
    int yearly = (CS_CALENDAR_HOLIDAYS_MAX - CS_CAL_DAYS) / 131;
    for (int i = 0; i < yearly; i++)
        ck_assert_ok(cs_calendar_add_holiday(cal, CS_CALENDAR_EVERY_YEAR, 1, 1 + i % 28, 0,
                                             CS_CALENDAR_DAY));
    ck_assert_rc(cs_calendar_add_holiday(cal, CS_CALENDAR_EVERY_YEAR, 5, 1, 0, CS_CALENDAR_DAY),
                 CS_EINVAL);
    ck_assert_field("holidays");
    ck_assert_ok(cs_calendar_add_holiday(cal, 2026, 5, 1, 0, CS_CALENDAR_DAY));
    cs_calendar_free(cal);

    /* ... and through JSON. */
    size_t cap = 64 + 48 * (CS_CALENDAR_HOLIDAYS_MAX / 131 + 1);
    char *json = malloc(cap);
    size_t len = (size_t)snprintf(json, cap, "{\"timezone\":\"UTC\",\"holidays\":[");
    for (int i = 0; i <= CS_CALENDAR_HOLIDAYS_MAX / 131; i++)
        len += (size_t)snprintf(json + len, cap - len,
                                "%s{\"month_day\":\"03-01\",\"yearly\":true}", i ? "," : "");
    snprintf(json + len, cap - len, "]}");
    cal = NULL;
    ck_assert_rc(cs_calendar_from_json(&cal, json), CS_EINVAL);
    ck_assert_field("holidays");
    ck_assert_ptr_null(cal);
    free(json);
    cs_str_free(before);
}
END_TEST

/* Our offset table against the system's zdump, for every change in 2026. */
START_TEST(offsets_match_zdump)
{
    static const char *const zones[] = {"Europe/Berlin", "America/New_York",  "Australia/Sydney",
                                        "Asia/Kolkata",  "America/Sao_Paulo", "Pacific/Chatham"};
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int checked = 0;

    for (size_t z = 0; z < CS_ARRAY_SIZE(zones); z++) {
        char cmd[128], line[256], mon[4];
        cs_calendar *cal;
        FILE *p;

        snprintf(cmd, sizeof(cmd), "zdump -v -c 2026,2027 %s 2>/dev/null", zones[z]);
        if (!(p = popen(cmd, "r")))
            return;
        ck_assert_ok(cs_calendar_new(&cal, zones[z]));
        while (fgets(line, sizeof(line), p)) {
            int d, h, mi, s, y;
            long gmtoff;
            const char *g = strstr(line, "gmtoff=");
            if (!g || sscanf(strchr(line, ' ') + 2, "%*s %3s %d %d:%d:%d %d", mon, &d, &h, &mi, &s,
                             &y) != 6)
                continue;
            gmtoff = strtol(g + 7, NULL, 10);
            cs_time t = at(y, (int)(strstr(months, mon) - months) / 3 + 1, d, h, mi, 0) + s;
            ck_assert_msg(cs_calendar__utc_offset(cal, t) == gmtoff, "%s at %lld: %d != %ld",
                          zones[z], (long long)t, cs_calendar__utc_offset(cal, t), gmtoff);
            checked++;
        }
        pclose(p);
        cs_calendar_free(cal);
    }
    if (checked == 0)
        fprintf(stderr, "offsets_match_zdump: zdump not available, skipped\n");
}
END_TEST

START_TEST(allocation_failures)
{
    for (long n = 1;; n++) {
        cs_calendar *cal = NULL;
        cs_mem__fail_after(n);
        int rc = cs_calendar_from_json(&cal, full_json);
        cs_mem__fail_after(0);
        ck_assert_msg(rc == CS_OK || rc == CS_ENOMEM, "n=%ld: %d %s", n, rc,
                      cs_error_last()->message);
        if (rc == CS_OK) {
            char *text = NULL;
            ck_assert_ok(cs_calendar_to_json(&text, cal));
            ck_assert_str_eq(text, full_json);
            cs_str_free(text);
            cs_calendar_free(cal);
            ck_assert_int_gt(n, 5);
            break;
        }
        ck_assert_ptr_null(cal);
    }
    /* A failed holiday or import leaves the calendar as it was. */
    cs_calendar *cal = office("Europe/Berlin");
    cs_mem__fail_after(2); /* the holiday goes in, its index does not */
    ck_assert_rc(cs_calendar_add_holiday(cal, 2026, 3, 2, 0, CS_CALENDAR_DAY), CS_ENOMEM);
    cs_mem__fail_after(0);
    ck_assert_int_eq(is_open(cal, at(2026, 3, 2, 9, 0, 1)), 1);
    ck_assert_int_eq(cal->nholidays, 0);
    cs_calendar_free(cal);
}
END_TEST

struct worker {
    const cs_calendar *cal;
    int64_t sum;
};

static void *query_thread(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 2000; i++) {
        cs_time t;
        if (cs_calendar_add_seconds(&t, w->cal, t_now + i * 997, (i % 50) * 1800) == CS_OK)
            w->sum += t;
    }
    return NULL;
}

START_TEST(concurrent_queries)
{
    cs_calendar *cal = office("Australia/Sydney");
    struct worker w[4] = {{cal, 0}, {cal, 0}, {cal, 0}, {cal, 0}};
    pthread_t th[4];

    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, query_thread, &w[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 1; i < 4; i++)
        ck_assert_int_eq(w[i].sum, w[0].sum);
    ck_assert_int_gt(w[0].sum, 0);
    cs_calendar_free(cal);
}
END_TEST

Suite *cs_calendar_suite(void)
{
    Suite *s = suite_create("calendar");
    TCase *tc = tcase_create("calendar");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, office_hours_berlin);
    tcase_add_test(tc, next_opening_previous_closing);
    tcase_add_test(tc, dst_office_three_zones);
    tcase_add_test(tc, dst_always_open_three_zones);
    tcase_add_test(tc, dst_window_in_the_gap_and_the_repeat);
    tcase_add_test(tc, holidays_whole_partial_yearly);
    tcase_add_test(tc, special_days);
    tcase_add_test(tc, midnight_windows);
    tcase_add_test(tc, always_open_and_never_open);
    tcase_add_test(tc, add_seconds_beyond_the_range);
    tcase_add_test(tc, bad_input);
    tcase_add_test(tc, json_round_trip);
    tcase_add_test(tc, json_errors_name_the_field);
    tcase_add_test(tc, ics_import);
    tcase_add_test(tc, ics_events_without_an_end);
    tcase_add_test(tc, holiday_expansion_is_capped);
    tcase_add_test(tc, offsets_match_zdump);
    tcase_add_test(tc, allocation_failures);
    tcase_add_test(tc, concurrent_queries);
    suite_add_tcase(s, tc);
    return s;
}
