/*
 * libcs - internals shared between the library's source files. Not API.
 */
#ifndef CS_INTERNAL_H
#define CS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

#include "libcs.h"

#if defined(__GNUC__)
#define CS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CS_PRINTF(f, a)
#endif

#define CS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CS_STR_(x) #x
#define CS_STR(x) CS_STR_(x)

/* errors.c -------------------------------------------------------------------------- */

/* Record an error for the calling thread and return `code`. `field` may be NULL. */
int cs_error__set(int code, const char *field, const char *fmt, ...) CS_PRINTF(3, 4);
/* Shorthand for CS_EINVAL naming `field`. */
#define cs_error__inval(field, ...) cs_error__set(CS_EINVAL, (field), __VA_ARGS__)
/* Blame another field for the recorded error (a lower layer named its own); returns the
 * error's code. */
int cs_error__refield(const char *field);
/* Record CS_ENOMEM. */
int cs_error__nomem(void);

/* memory.c -------------------------------------------------------------------------- */

/* All library allocations go through these, so tests can inject failures. */
void *cs_mem__alloc(size_t size);
void *cs_mem__calloc(size_t n, size_t size);
void *cs_mem__realloc(void *ptr, size_t size);
char *cs_mem__strdup(const char *s);
char *cs_mem__strndup(const char *s, size_t n);
void cs_mem__free(void *ptr);

/* Allocation-failure injection for tests: fail the Nth allocation from now (1 = next),
 * 0 to switch off. Thread-local. */
void cs_mem__fail_after(long n);
/* How many allocations this thread made since the counter was last reset. */
long cs_mem__count(void);

/* db.c ------------------------------------------------------------------------------ */

struct cs_db {
    sqlite3 *sql;
    char *path;
    unsigned int flags;
    int schema_version;
    cs_clock_fn clock;
    void *clock_payload;
    int busy_timeout_ms;
    int64_t busy_deadline; /* monotonic ms when the current wait gives up; 0: none yet */
    bool busy_scoped;      /* a statement's waits share busy_deadline (db.c) */
    int txn_depth; /* open transaction levels (outermost BEGIN, then savepoints) */
    struct cs_stmt_cache *stmts;
    /* The actor the host set (cs_db_set_actor). Its rights are read again at the start of
     * every call (cs_perm__require), never kept here. */
    int actor_kind;
    int64_t actor_id;
    /* Parsed SLA policies and stored calendars (sla.c, calendar-store.c); rebuilt lazily,
     * dropped on rollback so nothing a rolled-back transaction loaded stays cached. */
    struct cs_sla_cache *sla;
    struct cs_cal_cache *calendars;
};

/* A cached prepared statement for `sql`, which must be a string with static storage: the
 * cache is keyed by its address. Returns NULL after recording the error. Release with
 * cs_db__done(), which resets the statement and clears its bindings. */
sqlite3_stmt *cs_db__stmt(cs_db *db, const char *sql);
void cs_db__done(sqlite3_stmt *stmt);

/* Step a statement, retrying while the database is busy. Returns SQLite's code. */
int cs_db__step(cs_db *db, sqlite3_stmt *stmt);

/* Run a statement that returns no rows (or whose rows are ignored) and release it.
 * Returns CS_OK or the mapped error. */
int cs_db__exec_stmt(cs_db *db, sqlite3_stmt *stmt);

/* Map an SQLite result code to a libcs status and record the error. `what` says what was
 * being done ("insert customer"). */
int cs_db__error(cs_db *db, int sqlite_rc, const char *what);

/* Transactions. begin opens the outermost BEGIN IMMEDIATE or a nested SAVEPOINT; end
 * commits when rc >= 0 and rolls back otherwise, and returns rc (or the commit's error).
 * Every public mutation is begin ... end. */
int cs_db__begin(cs_db *db);
int cs_db__end(cs_db *db, int rc);

/* Move the WAL's pages into the database without blocking anyone (cs_tick does it). */
void cs_db__checkpoint(cs_db *db);

/* Fail with CS_EREADONLY if the handle is read-only. */
int cs_db__writable(cs_db *db);

/* Schema migrations: ordered, version = position + 1. */
typedef struct cs_migration {
    const char *name;
    const char *sql;
} cs_migration;

extern const cs_migration cs_schema__migrations[];
extern const size_t cs_schema__count;

/* Bring the database to the last of `list`, each step in its own transaction. */
int cs_db__migrate(cs_db *db, const cs_migration *list, size_t count);

/* Binding helpers: bind text (NULL binds SQL NULL), int64, or NULL if value < 0. */
int cs_db__bind_text(sqlite3_stmt *st, int idx, const char *s);
/* A copy of column `col` as a libcs-allocated string, or NULL for SQL NULL. On allocation
 * failure *rc is set to CS_ENOMEM (it is left alone otherwise). */
char *cs_db__column_strdup(sqlite3_stmt *st, int col, int *rc);

/* perm.c ---------------------------------------------------------------------------- */

/* Who acts in one call. The host names the actor once (cs_db_set_actor); its rights are
 * read from the database at the start of every call, so a deactivated or demoted agent, a
 * re-scoped one, or an erased customer has lost them by the next call, on every handle and
 * in every process. The library passes this struct down explicitly and never changes the
 * handle's actor: what ingest does is the customer's doing, what routing does the
 * system's, each by an actor of its own. */
typedef struct cs_actor {
    int kind;     /* cs_actor_kind */
    int64_t id;   /* the agent or customer; 0 for the system */
    int role;     /* agents: their cs_agent_role */
    bool scoped;  /* agents: limited to the tickets of their groups (cs_ticket_access) */
    int64_t org;  /* customers: their organisation when it shares tickets, else 0 */
} cs_actor;

/* The library itself (routing, the clock, receipts). */
extern const cs_actor cs_actor__system;
/* A customer as ingest acts for them: their own messages, nothing more. */
cs_actor cs_actor__customer(int64_t customer_id);

/* What an operation needs. Every check in the library names one of these, and the table in
 * perm.c says, per role, how far each reaches; docs/security.md shows the same table. */
typedef enum cs_cap {
    CS_CAP_PUBLIC,          /* the library's version */
    CS_CAP_ACTOR_SET,       /* change the actor through cs_call */
    CS_CAP_SETTINGS_READ,   /* database-wide settings */
    CS_CAP_CONFIG_READ,     /* channels, agents, groups, calendars, policies, routing */
    CS_CAP_CONFIG_WRITE,    /* the same, and settings, receipts, custom fields */
    CS_CAP_CUSTOMER_READ,   /* one customer's record */
    CS_CAP_CUSTOMER_LIST,   /* lists of customers */
    CS_CAP_CUSTOMER_WRITE,  /* create, update, identities, merge, organisations */
    CS_CAP_CUSTOMER_EXPORT, /* everything stored about a customer */
    CS_CAP_CUSTOMER_ERASE,  /* erasure */
    CS_CAP_TICKET_READ,     /* tickets with their messages, clocks and trail */
    CS_CAP_TICKET_CREATE,   /* open tickets and callbacks */
    CS_CAP_TICKET_WRITE,    /* change, merge, assign, reply */
    CS_CAP_MESSAGE_WRITE,   /* public messages on a ticket */
    CS_CAP_NOTE_WRITE,      /* internal notes */
    CS_CAP_TICKET_TAKE,     /* the next ticket for an agent */
    CS_CAP_PRESENCE_WRITE,  /* an agent's presence */
    CS_CAP_INGEST,          /* the door in */
    CS_CAP_OUTBOX,          /* the door out: claim, render, acknowledge, fail, list */
    CS_CAP_REPORT_READ,     /* reports, the queue, the estimated wait, staffing */
    CS_CAP_AUDIT_READ,      /* the audit trail of customers and configuration */
    CS_CAP_TICK,            /* run the clock */
    CS_CAP_JOB,             /* record the progress of resumable jobs */
    CS_CAP__COUNT
} cs_cap;

/* How far a capability reaches for one role. */
typedef enum cs_reach {
    CS_REACH_NONE = 0, /* not at all */
    CS_REACH_ALL,      /* every object */
    CS_REACH_GROUPS,   /* every object; for a group-scoped agent only the tickets of its
                          groups and those assigned to it, and nothing that spans groups */
    CS_REACH_OWN,      /* customers: their own tickets and those their organisation shares */
    CS_REACH_SELF      /* the actor's own record only */
} cs_reach;

/* Read the handle's actor with its current rights into *out and check that `cap` reaches
 * anything for it: CS_OK, or CS_EPERM naming what it may not do (the actor is inactive,
 * erased or merged; the role lacks the capability). Object rules follow with the checks
 * below. */
int cs_perm__require(cs_actor *out, cs_db *db, cs_cap cap);
/* The reach of `cap` for this actor (its role; system: all). */
cs_reach cs_perm__reach(const cs_actor *a, cs_cap cap);
/* Whether the actor may reach a ticket with `cap`, from the ticket's owner, organisation,
 * group and assignee. CS_OK, or CS_ENOTFOUND naming `field` ("ticket %lld does not exist":
 * what the actor may not see does not exist for it); CS_EPERM where the capability does not
 * reach tickets at all. */
int cs_perm__ticket(cs_db *db, const cs_actor *a, cs_cap cap, int64_t ticket_id,
                    int64_t customer_id, int64_t org_id, int64_t group_id, int64_t assignee_id,
                    const char *field);
/* For SELF reaches: the actor's own record (`id` of the actor's kind) or, for wider
 * reaches, any. CS_ENOTFOUND naming `field` for a customer aiming at another record,
 * CS_EPERM for an agent. */
int cs_perm__self(const cs_actor *a, cs_cap cap, int64_t id, const char *field);
/* CS_OK unless the actor is a group-scoped agent; for those CS_EPERM: the operation spans
 * groups. */
int cs_perm__unscoped(const cs_actor *a, cs_cap cap);
/* The agent whose groups bound a list, or 0 when the actor sees every ticket. Bind it to
 * CS_SCOPE_SQL's parameter. */
int64_t cs_perm__scope(const cs_actor *a);
/* An SQL condition on ticket alias T: true for every ticket when parameter P is 0, else for
 * the tickets of agent P's groups and those assigned to it. */
#define CS_SCOPE_SQL(T, P)                                                                     \
    "(" P " = 0 OR " T ".assignee_id = " P " OR " T ".group_id IN"                              \
    " (SELECT group_id FROM group_member WHERE agent_id = " P "))"

/* The table, for docs/security.md and the tests. */
const char *cs_perm__cap_name(cs_cap cap);
const char *cs_perm__cap_doc(cs_cap cap);
/* The reach of `cap` for role column `col`: 0 system, 1 admin, 2 agent, 3 light agent,
 * 4 customer. */
cs_reach cs_perm__table(cs_cap cap, int col);
const char *cs_perm__reach_name(cs_reach r);

/* json.c: the method table's capability column, for the docs and the permission tests. */
cs_cap cs_call__method_cap(size_t i);

/* util.c ---------------------------------------------------------------------------- */

bool cs_utf8__valid(const char *s, size_t len);

/* Validate a text field: NULL is allowed unless required; "" counts as missing when
 * required; valid UTF-8; at most max bytes. CS_EINVAL naming field otherwise. */
int cs_check__text(const char *field, const char *value, size_t max, bool required);
/* In place: every control character (CR and LF among them) becomes a space, so the text is
 * one line, fit for a mail header. */
void cs_text__one_line(char *s);
/* cs_check__text() for a name people see: required, and not only white space. */
int cs_check__name(const char *field, const char *value, size_t max);
/* A plausible mail address, enough to keep typos out: one '@' with text on both sides and
 * no white space or control character. Delivery is the host's business. */
int cs_check__email(const char *field, const char *value);
/* Validate a boolean field of an options struct: 0, 1 or CS_UNSET. */
int cs_check__bool(const char *field, int value);

/* A list of owned strings (tags, skills). */
typedef struct cs_strv {
    char **v;
    size_t n;
} cs_strv;
/* Validate and copy a tag list: each tag non-empty, at most CS_TAG_MAX bytes, no control
 * characters or commas, valid UTF-8; duplicates are dropped; at most CS_TAGS_MAX. */
int cs_strv__from_tags(cs_strv *out, const char *field, const char *const *tags, size_t n);
int cs_strv__push(cs_strv *sv, const char *s);
void cs_strv__free(cs_strv *sv);
/* Read the first text column of every row of a statement, then release it. */
int cs_strv__load(cs_strv *out, cs_db *db, sqlite3_stmt *st);
/* The list as "a,b,c" for the audit trail; release with cs_mem__free. */
char *cs_strv__join(const cs_strv *sv);

/* Significant digits of the reals cs_json__dump() writes; custom fields hold only reals that
 * read back as themselves at this precision. */
#define CS_JSON_REAL_DIGITS 10

/* Dump `value` compact with sorted keys into libcs memory (release with cs_str_free) and
 * drop the reference, which it takes over. A NULL value (a failed build) is CS_ENOMEM. */
struct json_t;
int cs_json__dump(char **out, struct json_t *value);
/* Every row of a bound statement as an array of `row`'s objects, dumped as cs_json__dump()
 * does; the statement is released. `what` names the read in an error. */
int cs_json__rows(char **out, cs_db *db, sqlite3_stmt *st, struct json_t *(*row)(sqlite3_stmt *),
                  const char *what);
/* New references for JSON values where 0 / NULL mean "not set": null then. */
struct json_t *cs_json__id(int64_t id);
struct json_t *cs_json__time(cs_time t);
struct json_t *cs_json__text(const char *s);


/* Names of enum values. */
typedef struct cs_name {
    int value;
    const char *name;
} cs_name;
const char *cs_name__of(const cs_name *table, size_t n, int value);
int cs_name__parse(const cs_name *table, size_t n, const char *name);
#define CS_NAME_OF(table, v) cs_name__of((table), CS_ARRAY_SIZE(table), (v))
#define CS_NAME_PARSE(table, s) cs_name__parse((table), CS_ARRAY_SIZE(table), (s))

/* A time as ISO 8601 UTC ("2026-03-02T09:00:00Z"); buf must hold 32 bytes. */
const char *cs_time__iso(char *buf, cs_time t);
/* Parse ISO 8601 with Z or an offset ("2026-03-02T10:00:00+01:00"). */
int cs_time__parse(cs_time *out, const char *field, const char *text);

/* An integer as text for the audit trail; buf must hold 24 bytes. NULL for 0 when
 * zero_is_null. */
const char *cs_int__text(char *buf, int64_t v, bool zero_is_null);

/* audit.c --------------------------------------------------------------------------- */

/* Record one change by `by` at the handle's time. Strings may be NULL. */
int cs_audit__record(cs_db *db, const cs_actor *by, const char *object, int64_t object_id,
                     int64_t ticket_id, int64_t customer_id, const char *action,
                     const char *field, const char *old_value, const char *new_value);

/* A statement of its own, outside the cache, for an iterator that lives across other calls
 * on the handle (a cached one may be reset by them). Release with sqlite3_finalize(). */
int cs_db__prepare(sqlite3_stmt **out, cs_db *db, const char *sql, const char *what);

/* Iterators read their rows a page at a time, by keyset: a page is read into memory and the
 * statement reset, and the next page starts after the last key read. No read stays open
 * between the caller's calls: an open statement would keep the handle's snapshot, and a
 * handle whose snapshot is older than another handle's commit cannot write until it ends. */
#define CS_PAGE_ROWS 100
#define CS_PAGE_BYTES (1024 * 1024) /* a page of large rows (messages) ends sooner */
/* Returned by a page's row function to end the page after this row. */
#define CS_PAGE_FULL 1

/* Where an iterator stands. */
typedef struct cs_page {
    sqlite3_stmt *st; /* its statement (cs_db__prepare), bound but for the key and the size */
    int key_param;    /* the parameter for the last key read; 0: the iterator binds it */
    int limit_param;  /* the parameter for the page's size */
    int64_t key;      /* the last key read (the row function moves it) */
    size_t n;         /* rows the row function kept in this page */
    size_t pos;       /* the next of them to hand out */
    size_t left;      /* rows the caller's limit still allows; SIZE_MAX for no limit */
    bool end;         /* the last page has been read */
} cs_page;
#define CS_PAGE_INIT(st, key_param, key, limit_param, limit)                                  \
    {(st), (key_param), (limit_param), (key), 0, 0, (limit) ? (size_t)(limit) : SIZE_MAX, false}

/* Take one row of a page: keep it (counting it in the page's n) or skip it, and move the
 * page's key to it. CS_OK, CS_PAGE_FULL, or an error (then without moving the key: the row
 * is read again with the next page). */
typedef int (*cs_page_row_fn)(void *payload, sqlite3_stmt *st);

/* Read the next page: bind the key and min(CS_PAGE_ROWS, p->left) as the page's size, hand
 * every row to `row`, and reset the statement, keeping its bindings. Sets p->n (through
 * `row`), p->pos and p->end. On an error the rows kept so far stay in the page, and the
 * next page starts after the last row read. */
int cs_db__page(cs_page *p, cs_db *db, cs_page_row_fn row, void *payload, const char *what);
/* An iterator's next step: *i is the index in the page of the row to hand out, the next
 * page read when this one is spent. CS_OK, CS_ITEROVER at the end, or the error. */
int cs_db__page_next(size_t *i, cs_page *p, cs_db *db, cs_page_row_fn row, void *payload,
                     const char *what);

/* Run a statement without parameters that yields one integer (a count, a counter's new
 * value). A missing row is an error of `what`. */
int cs_db__int(int64_t *out, cs_db *db, const char *sql, const char *what);

/* Step a bound statement that selects the row of `id`. CS_OK: the row is there to read
 * (then release the statement with cs_db__done). Otherwise the statement is released and
 * the result is CS_ENOTFOUND naming `field` ("<what> <id> does not exist") or the mapped
 * storage error. */
int cs_db__one(cs_db *db, sqlite3_stmt *st, int64_t id, const char *field, const char *what);

/* Check that a row exists: `sql` takes the id as ?1 and returns a row if it does;
 * CS_ENOTFOUND naming `field` otherwise. */
int cs_db__exists(cs_db *db, const char *sql, int64_t id, const char *field, const char *what);

/* agent.c --------------------------------------------------------------------------- */

/* The agent's current rights as an actor; CS_ENOTFOUND (field "id") for an unknown agent,
 * CS_EPERM for an inactive one. */
int cs_agent__actor(cs_actor *out, cs_db *db, int64_t id);
/* Whether the agent is a member of the group. */
int cs_agent__in_group(bool *out, cs_db *db, int64_t agent_id, int64_t group_id);

/* customer.c ------------------------------------------------------------------------ */

/* The customer's current rights as an actor; CS_ENOTFOUND (field "id") for an unknown
 * customer, CS_EPERM for a merged or erased one. */
int cs_customer__actor(cs_actor *out, cs_db *db, int64_t id);
/* Read, find and create without permission checks (ingest); a creation is `by`'s doing. */
int cs_customer__load(cs_customer **out, cs_db *db, int64_t id);
/* Whether identity (kind, value), normalised, is the customer's or, after merges, the
 * customer's survivor's. */
int cs_customer__has_identity(bool *out, cs_db *db, int64_t customer_id, int kind,
                              const char *value);
int cs_customer__find(cs_customer **out, cs_db *db, int kind, const char *value);
int cs_customer__create(int64_t *id, cs_db *db, const cs_actor *by, const cs_customer_fields *f);

/* custom.c -------------------------------------------------------------------------- */

/* Check a custom-field object written by `by` against the limits and the definitions of
 * `object` (a cs_custom_object): types, and for customers only customer-writable keys
 * (CS_EPERM naming "<field>.<key>" otherwise). *out is the object compact with sorted keys,
 * in libcs memory. */
int cs_custom__check(char **out, cs_db *db, const cs_actor *by, int object, const char *field,
                     const char *json);

/* ticket.c -------------------------------------------------------------------------- */

/* Read a ticket without permission checks. */
int cs_ticket__get(cs_ticket **out, cs_db *db, int64_t id);
/* Read a ticket the actor reaches with `cap`; CS_ENOTFOUND naming `field` for a ticket that
 * does not exist and, with the same message, for one the actor may not see. */
int cs_ticket__lookup(cs_ticket **out, cs_db *db, const cs_actor *by, cs_cap cap, int64_t id,
                      const char *field);
/* The same check without reading the whole ticket. */
int cs_ticket__reach(cs_db *db, const cs_actor *by, cs_cap cap, int64_t id, const char *field);
/* The same check for a ticket already read. */
int cs_ticket__visible(cs_db *db, const cs_actor *by, cs_cap cap, const cs_ticket *t,
                       const char *field);
/* What a customer may say when opening a ticket (cs_ticket_create, callbacks); CS_OK for
 * everyone else. CS_EPERM naming the first field a customer may not set. */
int cs_ticket__may_open(const cs_actor *by, const cs_ticket_fields *f);
/* Create and update without permission checks, recorded as `by`'s doing; the fields must
 * have passed the public function's checks. */
int cs_ticket__create(int64_t *id, cs_db *db, const cs_actor *by, const cs_ticket_fields *f);
int cs_ticket__update(cs_db *db, const cs_actor *by, int64_t id, const cs_ticket_fields *f);
/* Change a ticket's status as the library (reopen on a reply, auto-close), with audit. */
int cs_ticket__set_status(cs_db *db, const cs_actor *by, int64_t id, int status);

/* message.c ------------------------------------------------------------------------- */

/* Insert a message with an explicit author (ingest, replies), touching the ticket's
 * update time. The fields must have been validated; direction must be set. */
int cs_message__insert(int64_t *id, cs_db *db, const cs_message_fields *f,
                       const char *conversation, int author_kind, int64_t author_id);
/* Attach to a stored message without the size checks of cs_message__check (mail ingest:
 * the raw mail is kept whatever its size; metadata-only records need no storage_ref). The
 * strings must fit. */
int cs_message__attach(cs_db *db, int64_t message_id, const cs_attachment_spec *a);
/* The SHA-256 of data as 64 lowercase hex digits. */
void cs_sha256__hex(char out[65], const void *data, size_t len);
/* Validate message fields as cs_message_create() does. */
int cs_message__check(const cs_message_fields *f);
/* Validate attachments as cs_message_create() does (fields "attachments[i].name" ...). */
int cs_message__check_attachments(const cs_attachment_spec *a, size_t n);

/* outbox.c -------------------------------------------------------------------------- */

/* An item to queue, addressed to identity_id (whose value is recipient). */
typedef struct cs_outbox__entry {
    int64_t channel_id, ticket_id, message_id;
    const char *kind, *recipient, *subject, *body;
    const char *header_message_id, *in_reply_to, *references;
    int64_t identity_id;
    const char *html; /* mail only: the HTML alternative, or NULL */
} cs_outbox__entry;
int cs_outbox__queue(int64_t *id, cs_db *db, const cs_outbox__entry *e);

/* What replying on a channel needs to know of it. */
typedef struct cs_outbox__channel_info {
    int64_t id;
    int kind, enabled, signature;
    char domain[256]; /* for generated Message-IDs */
} cs_outbox__channel_info;
/* Read an enabled channel; CS_ENOTFOUND / CS_ECONFLICT (disabled) naming "channel_id". */
int cs_outbox__channel(cs_outbox__channel_info *out, cs_db *db, int64_t channel_id);
/* Erasure of a customer (cs_customer_erase): cancel what was not delivered to them and
 * anonymise every item addressed to them, through their tickets or identities. */
int cs_outbox__erase_customer(cs_db *db, int64_t customer_id);
/* A new Message-ID for a mail libcs sends, "<32 random hex digits@domain>"; made once when
 * the mail is queued and kept, so every attempt sends the same one. CS_ERROR when the
 * system has no random bytes to give. */
int cs_outbox__message_id(char *buf, size_t size, const char *domain);
/* The subject of an outgoing mail: given, or "[#number] ticket subject". */
int cs_outbox__subject(char **out, const cs_ticket *t, const char *subject);
/* calendar.c, calendar-json.c, calendar-ics.c --------------------------------------- */

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

/* calendar-store.c ------------------------------------------------------------------- */

/* The stored calendar `id`, parsed once per handle and checked against calendar.revision on
 * every call. Borrowed: valid until the next call on the handle that may load calendars.
 * CS_ENOTFOUND naming "calendar_id" when it is not stored. */
int cs_calendar__cached(const cs_calendar **out, cs_db *db, int64_t id);
/* `t` as local time in `zone`: "2026-03-03 10:00 (Europe/Berlin)"; "2026-03-03 09:00 UTC"
 * when zone is NULL, empty or unknown. The zone's table is cached per handle. */
int cs_calendar__format_local(char *buf, size_t size, cs_db *db, const char *zone, cs_time t);
void cs_calendar__cache_free(cs_db *db);

/* sla.c ------------------------------------------------------------------------------ */

/* What happened to a ticket, for the SLA engine. */
enum cs_sla__event {
    CS_SLA__NONE = 0,             /* nothing that concerns SLAs (notes, receipts) */
    CS_SLA__CREATED = 1,          /* the ticket was created */
    CS_SLA__STATUS = 2,           /* its status changed (and maybe other fields) */
    CS_SLA__FIELDS = 3,           /* priority, type, tags or other fields changed */
    CS_SLA__CUSTOMER_MESSAGE = 4, /* a public inbound message by the customer */
    CS_SLA__AGENT_REPLY = 5       /* a public outbound message by an agent */
};
/* The one entry point of the SLA engine: react to `event` inside the caller's transaction.
 * With no policies stored it costs one query. */
int cs_sla__on_ticket(cs_db *db, int64_t ticket_id, int event, int64_t message_id);
/* The running first-reply deadline of a ticket, or 0. */
int cs_sla__first_reply_due(cs_time *out, cs_db *db, int64_t ticket_id);
/* Record due warnings and breaches (cs_tick's SLA part); appends to r. */
int cs_sla__tick(cs_tick_result *r, cs_db *db, cs_time now);
/* Drop the handle's SLA and calendar caches. */
void cs_sla__cache_free(cs_db *db);

/* route.c ---------------------------------------------------------------------------- */

/* A ticket's group or assignee changes (ticket.c's update path): count a transfer when it
 * already had one, stamp assigned_at and make a new assignee the most recently assigned. */
int cs_route__on_assign(cs_db *db, int64_t ticket_id, int64_t old_group, int64_t old_agent,
                        int64_t group, int64_t agent);
/* A ticket was opened (ingest): assign it by its group's strategy, as the system. */
int cs_route__on_created(cs_db *db, int64_t ticket_id);

/* ingest-text.c ---------------------------------------------------------------------- */

#define CS_INGEST__MSGID_MAX (CS_EXTERNAL_ID_MAX - 2) /* stored with its angle brackets */
#define CS_INGEST__LOCALE_MAX 35

/* The message ids a References or In-Reply-To header names, in order, without angle
 * brackets; at most max, the last ones. An empty list for NULL. Release with
 * cs_strv__free. */
int cs_ingest__msgids(cs_strv *out, const char *header, size_t max);
/* One id (an external id, a social reply-to) as it compares: trimmed, without angle
 * brackets. False when nothing is left or it is too long. */
bool cs_ingest__msgid_key(char out[CS_INGEST__MSGID_MAX + 1], const char *id);
/* The subject without reply and forward marks, list tags and ticket numbers in front,
 * white space folded; was_reply says whether it carried a reply or forward mark. */
void cs_ingest__base_subject(char *out, size_t size, const char *subject, bool *was_reply);
/* A locale hint as a BCP 47 tag ("de_DE.UTF-8@euro" -> "de-DE"); false when it is none. */
bool cs_ingest__locale(char out[CS_INGEST__LOCALE_MAX + 1], const char *hint);
/* A one-line text (a name, a subject) made fit: invalid bytes become U+FFFD, runs of
 * white space and control characters one space, no space at either end, cut at a
 * character to at most max bytes. *out is NULL when nothing is left (or text is NULL);
 * release with cs_mem__free. */
int cs_ingest__clean_line(char **out, const char *text, size_t max);

/* ingest.c: the door shared by cs_ingest() and cs_ingest_mail() ------------------------- */

/* What cs_ingest_mail() adds to a message. Strings may be NULL. */
typedef struct cs_ingest__mail {
    int kind;                              /* enum cs_mail_kind: no receipt unless MESSAGE */
    const char *quoted, *signature, *html; /* kept beside the body */
    const char *reply_to;                  /* the Reply-To address, when another */
    cs_time date;                          /* the Date header, or 0 */
    const char *tag;                       /* a tag for a new ticket */
    const char *fallback_id; /* the external id when another sender's mail has the given one */
} cs_ingest__mail;
/* The host's rights to ingest (CS_CAP_INGEST, unscoped) into *host. */
int cs_ingest__host(cs_actor *host, cs_db *db);
/* Ingest `msg` for `host` in a transaction (a savepoint inside the caller's), filling the
 * zeroed result r; with `mail`, its additions too. */
int cs_ingest__run(cs_ingest_result *r, cs_db *db, const cs_actor *host, const cs_inbound *msg,
                   const cs_ingest__mail *mail);

/* mail-text.c ------------------------------------------------------------------------ */

/* A growing string in libcs memory; `failed` sticks after an allocation failed. */
typedef struct cs_buf {
    char *s;
    size_t n, cap;
    bool failed;
} cs_buf;
bool cs_buf__add(cs_buf *b, const char *s, size_t n);
bool cs_buf__str(cs_buf *b, const char *s);
void cs_buf__free(cs_buf *b);

/* Text in `charset` (NULL: undeclared) as UTF-8: bytes in no charset become U+FFFD (or are
 * read as Windows-1252 where the charset is unknown or ISO-8859-1), NUL a space, line
 * ends LF. *out is released with cs_mem__free. */
int cs_mail__to_utf8(char **out, const void *data, size_t len, const char *charset);
/* Set up GMime and libxml2 for the process, once, whichever thread and module comes first
 * (the mail parser, the mail renderer). */
void cs_mail__init(void);
/* The readable text of an HTML document in UTF-8 (libxml2's parser): blocks on lines of
 * their own, links with their targets, blockquotes as "> " lines. */
int cs_mail__html_text(char **out, const char *html, size_t len);
/* Separate a mail's text into the new text, the quoted history (from the attribution line
 * or Outlook's header block on) and the signature ("-- ", a mobile sign-off). *body is
 * never NULL on success (the whole text when nothing new stands above the rest); the others
 * are NULL when absent. */
int cs_mail__split(char **body, char **quoted, char **signature, const char *text);

/* audit.c: updates field by field ------------------------------------------------------ */

/* What an update leaves in a field, following the options-struct conventions (see
 * cs_customer_fields). Text: the old value when not given (NULL), none when cleared (""),
 * else the given one. Integers and booleans: the old value for CS_UNSET. Ids: the old value
 * for 0, none (0) for CS_ID_CLEAR. */
const char *cs_update__text(const char *old_value, const char *given);
int cs_update__int(int old_value, int given);
int64_t cs_update__id(int64_t old_value, int64_t given);

/* An update under way: each cs_change__* call compares one field and, when it changed,
 * records ("update", field, old, new) in the audit trail. The first error sticks in rc and
 * makes later calls no-ops, so a caller lists its fields and checks rc once; count says how
 * many fields changed (nothing needs writing when it is 0). */
typedef struct cs_change {
    cs_db *db;
    const cs_actor *by;
    const char *object;
    int64_t object_id;
    int64_t ticket_id;
    int64_t customer_id;
    int rc;
    int count;
} cs_change;
#define CS_CHANGE_INIT(db, by, object, id) {(db), (by), (object), (id), 0, 0, CS_OK, 0}

/* Text values; NULL is a value of its own (unset). */
void cs_change__text(cs_change *c, const char *field, const char *old_value,
                     const char *new_value);
/* Recorded as "true" / "false". */
void cs_change__bool(cs_change *c, const char *field, int old_value, int new_value);
/* Recorded as decimal numbers; 0 (no reference) as NULL. */
void cs_change__id(cs_change *c, const char *field, int64_t old_value, int64_t new_value);

#endif
