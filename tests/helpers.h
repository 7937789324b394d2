/* Shared fixtures for the Check suites. */
#ifndef TEST_HELPERS_H
#define TEST_HELPERS_H

#include <check.h>
#include <string.h>

#include "cs-internal.h"
#include "db.h"
#include "perm.h"
#include "audit.h"
#include "agent.h"
#include "customer.h"
#include "custom.h"
#include "ticket.h"
#include "message.h"
#include "outbox.h"
#include "calendar.h"
#include "sla.h"
#include "route.h"
#include "ingest.h"
#include "mail.h"
#include "call/call.h"
#include "react.h"
#include "setting.h"

/* A fresh path in a private temporary directory; the caller frees it. */
char *t_path(const char *name);

/* Open a fresh in-memory database with a fixed clock the test can move. */
cs_db *t_open_memory(void);
/* The fixed clock of handles from t_open_*; starts at 2026-03-02T09:00:00Z (a Monday). */
extern cs_time t_now;
cs_time t_clock(void *payload);

/* Fixtures written with plain SQL, so a suite does not depend on another module's API.
 * Each returns the new row's id. */
int64_t t_customer(cs_db *db, const char *name, const char *email);
int64_t t_agent(cs_db *db, const char *name, int role);
int64_t t_channel(cs_db *db, int kind, const char *name);
int64_t t_group(cs_db *db, const char *name);
int64_t t_organization(cs_db *db, const char *name, int shared);
/* Run SQL on the handle's connection and return the first column of the first row. */
int64_t t_sql_int(cs_db *db, const char *sql);
/* Append every statement the handle runs, one per line, to buf (size bytes, NUL-terminated,
 * emptied first) until t_trace_stop(). */
void t_trace_start(cs_db *db, char *buf, size_t size);
void t_trace_stop(cs_db *db);

/* Every row of every table as text, for "nothing changed" checks; the caller frees it. */
char *t_snapshot(cs_db *db);

/* Assert that a successful answer of `method` has the shape its catalogue entry declares. */
void t_conforms(const char *method, json_t *answer);

/* Assert a status and, on failure, show the last error's message. */
#define ck_assert_rc(expr, expected)                                                               \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        ck_assert_msg(rc_ == (expected), "%s returned %d (%s), expected %d: %s", #expr, rc_,       \
                      cs_status_name(rc_), (expected), cs_error_last()->message);                  \
    } while (0)
#define ck_assert_ok(expr) ck_assert_rc((expr), CS_OK)

/* Assert the last error names `field`. */
#define ck_assert_field(f) ck_assert_str_eq(cs_error_last()->field, (f))

/* A ticket (open, normal priority, a question) and a message on it, with plain SQL.
 * Inbound when the author is a customer, outbound otherwise. */
int64_t t_ticket(cs_db *db, int64_t customer_id, const char *subject);
int64_t t_message(cs_db *db, int64_t ticket_id, int author_kind, int64_t author_id, int visibility,
                  const char *body);

#endif
