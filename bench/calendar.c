/*
 * Calendar arithmetic throughput: add-business-seconds and seconds-between on a realistic
 * calendar (Europe/Berlin, Mon-Fri 08:00-12:00 + 13:00-18:00, a dozen holidays), for targets
 * from 1 hour to 5 business days. Prints operations per second and the peak RSS.
 * Not a test: run it with `make bench`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include <libcs.h>

#define OPS 2000000

static const char calendar_json[] =
    "{\"timezone\":\"Europe/Berlin\",\"hours\":{"
    "\"mon\":[[\"08:00\",\"12:00\"],[\"13:00\",\"18:00\"]],"
    "\"tue\":[[\"08:00\",\"12:00\"],[\"13:00\",\"18:00\"]],"
    "\"wed\":[[\"08:00\",\"12:00\"],[\"13:00\",\"18:00\"]],"
    "\"thu\":[[\"08:00\",\"12:00\"],[\"13:00\",\"18:00\"]],"
    "\"fri\":[[\"08:00\",\"12:00\"],[\"13:00\",\"18:00\"]]},"
    "\"holidays\":[{\"month_day\":\"01-01\",\"yearly\":true},{\"date\":\"2026-04-03\"},"
    "{\"date\":\"2026-04-06\"},{\"month_day\":\"05-01\",\"yearly\":true},"
    "{\"date\":\"2026-05-14\"},{\"date\":\"2026-05-25\"},{\"date\":\"2026-06-04\"},"
    "{\"month_day\":\"10-03\",\"yearly\":true},{\"month_day\":\"10-31\",\"yearly\":true},"
    "{\"month_day\":\"12-24\",\"yearly\":true,\"from\":\"12:00\",\"to\":\"24:00\"},"
    "{\"month_day\":\"12-25\",\"yearly\":true},{\"month_day\":\"12-26\",\"yearly\":true}]}";

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
    cs_calendar *cal = NULL;
    const cs_time start = 1767225600; /* 2026-01-01T00:00:00Z */
    const int64_t targets[] = {3600, 4 * 3600, 9 * 3600, 2 * 9 * 3600, 5 * 9 * 3600};
    unsigned long long check = 0;
    struct rusage ru;
    double t0, t_add, t_between;

    if (cs_calendar_from_json(&cal, calendar_json) < 0) {
        fprintf(stderr, "calendar: %s\n", cs_error_last()->message);
        return 1;
    }
    t0 = now();
    for (long i = 0; i < OPS; i++) {
        cs_time out;
        /* Start times spread over a year, 7919 s apart (all hours of the day). */
        cs_calendar_add_seconds(&out, cal, start + (i * 7919) % 31536000, targets[i % 5]);
        check += (unsigned long long)out;
    }
    t_add = now() - t0;
    t0 = now();
    for (long i = 0; i < OPS; i++) {
        int64_t out;
        cs_time from = start + (i * 7919) % 31536000;
        cs_calendar_seconds_between(&out, cal, from, from + targets[i % 5] * 7 / 3);
        check += (unsigned long long)out;
    }
    t_between = now() - t0;
    getrusage(RUSAGE_SELF, &ru);
    printf("calendar add:     %10.0f ops/s (%d ops, 1 h to 5 business days)\n", OPS / t_add, OPS);
    printf("calendar between: %10.0f ops/s (%d ops, spans of 2.3 h to 11.7 days)\n",
           OPS / t_between, OPS);
    printf("peak RSS:         %10ld KiB (checksum %llu)\n", ru.ru_maxrss, check % 1000);
    cs_calendar_free(cal);
    return 0;
}
