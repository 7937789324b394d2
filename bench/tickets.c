/*
 * Ticket listing at scale: N tickets (default 1,000,000) over 20,000 customers, 10 agents
 * and 5 channels, then pages of 50 through cs_ticket_iter with each kind of filter, at
 * random keyset positions. Prints p50/p99/max per filter and the peak RSS.
 * Not a test: run it with `make bench` (or bench/tickets [-n N] [DBFILE]).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <libcs.h>

#define CUSTOMERS 20000
#define AGENTS 10
#define QUERIES 1000
#define PAGE 50

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench/tickets: %s: %s\n", what, cs_error_last()->message);
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void populate(cs_db *db, long n)
{
    static const char *const tags[] = {"billing", "shipping", "returns", "vip"};
    int64_t id, channels[5];
    char name[64];
    double t0 = now();

    if (cs_db_begin(db) < 0)
        die("begin");
    for (int i = 0; i < 5; i++) {
        cs_channel_fields ch = CS_CHANNEL_FIELDS_INIT;
        ch.kind = i + 1;
        snprintf(name, sizeof(name), "channel %d", i);
        ch.name = name;
        if (cs_channel_create(&channels[i], db, &ch) < 0)
            die("channel");
    }
    for (int i = 0; i < AGENTS; i++) {
        cs_agent_fields a = CS_AGENT_FIELDS_INIT;
        snprintf(name, sizeof(name), "Agent %d", i);
        a.name = name;
        if (cs_agent_create(&id, db, &a) < 0)
            die("agent");
    }
    for (int i = 0; i < CUSTOMERS; i++) {
        cs_customer_fields c = CS_CUSTOMER_FIELDS_INIT;
        snprintf(name, sizeof(name), "Customer %d", i);
        c.name = name;
        if (cs_customer_create(&id, db, &c) < 0)
            die("customer");
    }
    for (long i = 0; i < n; i++) {
        cs_ticket_fields t = CS_TICKET_FIELDS_INIT;
        const char *tag = tags[i % 4];
        t.subject = "Where is my parcel?";
        t.customer_id = 1 + i % CUSTOMERS;
        t.channel_id = channels[i % 5];
        t.assignee_id = i % 3 ? 1 + i % AGENTS : 0;
        t.status = i % 2 ? CS_STATUS_OPEN : CS_STATUS_NEW;
        t.tags = &tag;
        t.ntags = i % 7 == 0;
        if (cs_ticket_create(&id, db, &t) < 0)
            die("ticket");
        if (i % 100000 == 99999 && (cs_db_commit(db) < 0 || cs_db_begin(db) < 0))
            die("commit");
    }
    if (cs_db_commit(db) < 0)
        die("commit");
    printf("created %ld tickets in %.1f s (%.0f tickets/s, batches of 100000)\n", n, now() - t0,
           n / (now() - t0));
}

static void measure(cs_db *db, const char *label, cs_ticket_filter f, long n)
{
    double lat[QUERIES];
    const cs_ticket *t;

    f.limit = PAGE;
    for (int q = 0; q < QUERIES; q++) {
        cs_ticket_iter *it = NULL;
        int rows = 0, rc;
        f.after = rand() % n;
        if (strstr(label, "customer"))
            f.customer_id = 1 + rand() % CUSTOMERS;
        double t0 = now();
        if (cs_ticket_iter_new(&it, db, &f) < 0)
            die(label);
        while ((rc = cs_ticket_next(&t, it)) == CS_OK)
            rows++;
        cs_ticket_iter_free(it);
        lat[q] = now() - t0;
        if (rc != CS_ITEROVER)
            die(label);
    }
    qsort(lat, QUERIES, sizeof(lat[0]), cmp_double);
    printf("%-28s p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms\n", label, lat[QUERIES / 2] * 1e3,
           lat[QUERIES * 99 / 100] * 1e3, lat[QUERIES - 1] * 1e3);
}

int main(int argc, char **argv)
{
    long n = 1000000;
    char path[] = "/tmp/libcs-bench-tickets-XXXXXX";
    const char *file = NULL;
    struct rusage ru;
    cs_db *db = NULL;
    int opt;

    while ((opt = getopt(argc, argv, "n:")) != -1)
        if (opt == 'n')
            n = atol(optarg);
    if (optind < argc) {
        file = argv[optind];
    } else {
        int fd = mkstemp(path);
        if (fd < 0)
            return 1;
        close(fd);
        unlink(path);
        file = path;
    }
    if (n < 1000 || cs_db_open(&db, file, CS_OPEN_CREATE) < 0)
        die("open");
    srand(42);
    populate(db, n);

    cs_ticket_filter all = CS_TICKET_FILTER_INIT, f;
    measure(db, "all, by id", all, n);
    f = all, f.order = CS_ORDER_ID_DESC;
    measure(db, "all, newest first", f, n);
    f = all, f.statuses = 1u << CS_STATUS_OPEN;
    measure(db, "status open", f, n);
    f = all, f.customer_id = 1;
    measure(db, "one customer", f, n);
    f = all, f.assignee_id = 3;
    measure(db, "one assignee", f, n);
    f = all, f.assignee_id = CS_ID_CLEAR;
    measure(db, "unassigned", f, n);
    f = all, f.tag = "vip";
    measure(db, "tag", f, n);
    f = all, f.channel_id = 2, f.statuses = 1u << CS_STATUS_NEW;
    measure(db, "channel and status", f, n);

    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %.1f MiB\n", ru.ru_maxrss / 1024.0);
    cs_db_close(db);
    if (file == path) {
        unlink(path);
        char side[sizeof(path) + 8];
        snprintf(side, sizeof(side), "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof(side), "%s-shm", path);
        unlink(side);
    }
    return 0;
}
