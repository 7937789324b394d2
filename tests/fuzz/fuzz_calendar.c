/*
 * libFuzzer target: calendars from JSON (cs_calendar_from_json) and from .ics
 * (cs_calendar_import_ics). The first byte picks the parser: even JSON, odd iCalendar.
 * A calendar that parses must write itself back to JSON that parses to the same text, and
 * its arithmetic must not fail.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "calendar.h"

static void exercise(const cs_calendar *cal)
{
    cs_time t = 1767225600, out; /* 2026-01-01T00:00:00Z */
    int64_t seconds;
    int open;

    for (int i = 0; i < 4; i++, t += 86400 * 40 + 3600 * 7) {
        if (cs_calendar_is_open(&open, cal, t) < 0 ||
            cs_calendar_seconds_between(&seconds, cal, t, t + 86400 * 9) < 0)
            abort();
        /* A calendar without hours has no business time to add: that may fail, cleanly. */
        cs_calendar_add_seconds(&out, cal, t, 3600 * 5);
        cs_calendar_next_opening(&out, cal, t);
    }
}

static void from_json(const char *text)
{
    cs_calendar *cal = NULL, *again = NULL;
    char *json = NULL, *json2 = NULL;

    if (cs_calendar_from_json(&cal, text) < 0)
        return;
    exercise(cal);
    if (cs_calendar_to_json(&json, cal) < 0 || cs_calendar_from_json(&again, json) < 0 ||
        cs_calendar_to_json(&json2, again) < 0 || strcmp(json, json2) != 0)
        abort();
    cs_str_free(json);
    cs_str_free(json2);
    cs_calendar_free(again);
    cs_calendar_free(cal);
}

static void import_ics(const char *text)
{
    cs_calendar *cal = NULL;
    size_t added = 0;

    if (cs_calendar_new(&cal, "Europe/Berlin") < 0 ||
        cs_calendar_add_hours(cal, CS_MONDAY, 8 * 3600, 17 * 3600) < 0)
        abort();
    if (cs_calendar_import_ics(&added, cal, text) == CS_OK)
        exercise(cal);
    cs_calendar_free(cal);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;

    if (size < 1 || !(text = malloc(size)))
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    if (data[0] & 1)
        import_ics(text);
    else
        from_json(text);
    free(text);
    return 0;
}
