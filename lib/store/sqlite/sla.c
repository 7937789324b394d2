/*
 * libcs - SLAs in SQLite: policies, clocks, events, due warnings and breaches, the queue.
 */
#include "config.h"

#include "db.h"
#include "store/sla.h"

/* The state of a running clock as a literal: the partial indexes ticket_sla_warn and
 * ticket_sla_breach are defined with "state = 1", and SQLite uses a partial index only for
 * a statement that says the same. */
#define SQL_ACTIVE "1"
_Static_assert(CS_SLA_ACTIVE == 1, "SQL_ACTIVE");

static const char sql_revision[] = "SELECT value FROM counter WHERE name = 'sla_revision'";
static const char sql_bump[] = "UPDATE counter SET value = value + 1 WHERE name = 'sla_revision'";
static const char sql_policies[] =
    "SELECT id, name, position, pause_pending, pause_on_hold, reopen, warn_percent, created_at,"
    " updated_at FROM sla_policy ORDER BY position, id";
static const char sql_conditions[] =
    "SELECT policy_id, kind, value, text FROM sla_condition ORDER BY policy_id, position";
static const char sql_targets[] =
    "SELECT policy_id, metric, priority, seconds, business, calendar_id FROM sla_target"
    " ORDER BY policy_id, metric, priority";
static const char sql_policy_insert[] =
    "INSERT INTO sla_policy (name, position, pause_pending, pause_on_hold, reopen, warn_percent,"
    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)";
static const char sql_policy_update[] =
    "UPDATE sla_policy SET name = coalesce(?2, name), position = coalesce(?3, position),"
    " pause_pending = coalesce(?4, pause_pending), pause_on_hold = coalesce(?5, pause_on_hold),"
    " reopen = coalesce(?6, reopen), warn_percent = coalesce(?7, warn_percent), updated_at = ?8"
    " WHERE id = ?1";
static const char sql_policy_exists[] = "SELECT 1 FROM sla_policy WHERE id = ?1";
/* Conditions and targets go with it (ON DELETE CASCADE). */
static const char sql_policy_delete[] = "DELETE FROM sla_policy WHERE id = ?1";
static const char sql_next_position[] = "SELECT coalesce(max(position) + 1, 0) FROM sla_policy";
static const char sql_conditions_clear[] = "DELETE FROM sla_condition WHERE policy_id = ?1";
static const char sql_condition_add[] =
    "INSERT INTO sla_condition (policy_id, position, kind, value, text)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_targets_clear[] = "DELETE FROM sla_target WHERE policy_id = ?1";
static const char sql_target_add[] =
    "INSERT INTO sla_target (policy_id, metric, priority, seconds, business, calendar_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
/* ?3 the cancelled event, ?4 and ?5 the running states active and paused, ?6 cancelled. */
static const char sql_cancel_events[] =
    "INSERT INTO sla_event (ticket_id, metric, kind, at, target_at, policy_id)"
    " SELECT ticket_id, metric, ?3, ?2, target_at, policy_id FROM ticket_sla"
    " WHERE policy_id = ?1 AND state IN (?4, ?5)";
static const char sql_cancel_clocks[] =
    "UPDATE ticket_sla SET state = ?6, resumed_at = NULL WHERE policy_id = ?1"
    " AND state IN (?4, ?5)";
static const char sql_clocks[] =
    "SELECT metric, policy_id, state, started_at, resumed_at, target, calendar_id, elapsed,"
    " target_at, warn_at, fulfilled_at, warned_at, breached_at FROM ticket_sla"
    " WHERE ticket_id = ?1 ORDER BY metric";
/* INSERT OR REPLACE (SQLite's): the engine writes a clock's whole row, new or not. */
static const char sql_clock_save[] =
    "INSERT OR REPLACE INTO ticket_sla (ticket_id, metric, policy_id, state, started_at,"
    " resumed_at, target, calendar_id, elapsed, target_at, warn_at, fulfilled_at, warned_at,"
    " breached_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
static const char sql_event[] =
    "INSERT INTO sla_event (ticket_id, metric, kind, at, target_at, policy_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_first_reply_due[] =
    "SELECT target_at FROM ticket_sla WHERE ticket_id = ?1 AND metric = ?2 AND state = ?3";
/* The partial indexes hold only what is still to be recorded; without INDEXED BY (SQLite's)
 * the planner prefers ticket_sla_due and walks every clock that ever fell due. */
static const char sql_due_warnings[] =
    "SELECT ticket_id, metric, ?3, warn_at, target_at, policy_id FROM ticket_sla"
    " INDEXED BY ticket_sla_warn WHERE state = " SQL_ACTIVE " AND warn_at <= ?1"
    " AND warned_at IS NULL AND (?2 = 0 OR policy_id = ?2)";
static const char sql_due_breaches[] =
    "SELECT ticket_id, metric, ?3, target_at, target_at, policy_id FROM ticket_sla"
    " INDEXED BY ticket_sla_breach WHERE state = " SQL_ACTIVE " AND target_at <= ?1"
    " AND breached_at IS NULL AND (?2 = 0 OR policy_id = ?2)";
static const char sql_mark_warned[] =
    "UPDATE ticket_sla SET warned_at = ?3 WHERE ticket_id = ?1 AND metric = ?2";
static const char sql_mark_breached[] =
    "UPDATE ticket_sla SET breached_at = ?3 WHERE ticket_id = ?1 AND metric = ?2";
static const char sql_events[] =
    "SELECT ticket_id, metric, kind, at, target_at, policy_id FROM sla_event WHERE ticket_id = ?1"
    " ORDER BY id";
/* The queue (private statements): running deadlines, earliest per ticket, through the index
 * ticket_sla_due (state, target_at), whose rows end in the key (ticket_id, metric), so the
 * ORDER BY needs no sort. The unary + (SQLite's planner hint) keeps the per-ticket
 * subqueries on the primary key (at most four rows) instead of the index. Plans are in
 * docs/sla.md.
 *
 * It is read a page at a time, by keyset. The due part starts after the last (target_at,
 * ticket id) read (?2, ?3; a filter's due_after is the first page's start), the rest after
 * the last ticket id (?1); the scope of a group-bound agent is ?5 and ?3, the page's size
 * ?4 and ?2. The running state is ?6 in both, the statuses new and open ?4 and ?5 in the
 * rest. */
static const char sql_queue_due[] =
    "SELECT s.ticket_id, s.metric, s.target_at FROM ticket_sla s"
    " WHERE s.state = ?6 AND s.target_at <= ?1 AND (s.target_at, s.ticket_id) > (?2, ?3)"
    " AND NOT EXISTS (SELECT 1 FROM ticket_sla o WHERE o.ticket_id = s.ticket_id"
    " AND +o.state = ?6 AND +o.target_at IS NOT NULL AND (+o.target_at < s.target_at"
    " OR (o.target_at = s.target_at AND o.metric < s.metric)))"
    " AND (?5 = 0 OR EXISTS (SELECT 1 FROM ticket t WHERE t.id = s.ticket_id"
    " AND " CS_SCOPE_SQL("t", "?5") "))"
                                    " ORDER BY s.target_at, s.ticket_id LIMIT ?4";
/* New and open tickets without a running deadline, by id: each status walks its part of the
 * status index in id order and the two merge, so a page costs its own rows. */
#define QUEUE_REST(status)                                                                         \
    "SELECT t.id FROM ticket t WHERE t.status = " status " AND t.id > ?1 AND NOT EXISTS"           \
    " (SELECT 1 FROM ticket_sla s WHERE s.ticket_id = t.id AND +s.state = ?6"                      \
    " AND +s.target_at IS NOT NULL) AND " CS_SCOPE_SQL("t", "?3")
static const char sql_queue_rest[] =
    QUEUE_REST("?4") " UNION ALL " QUEUE_REST("?5") " ORDER BY 1 LIMIT ?2";

/* Helpers ----------------------------------------------------------------------------------- */

static void bind_opt(sqlite3_stmt *st, int idx, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, idx, v);
    else
        sqlite3_bind_null(st, idx);
}

static void bind_given(sqlite3_stmt *st, int idx, int v)
{
    if (v != CS_UNSET)
        sqlite3_bind_int(st, idx, v);
}

/* Run `sql` with the id bound as ?1. */
static int exec_id(cs_db *db, const char *sql, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    return cs_db__exec_stmt(db, st);
}

/* Whether `sql` with the id bound as ?1 returns a row. */
static int row_exists(bool *found, cs_db *db, const char *sql, int64_t id, const char *what)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);

    if (st)
        sqlite3_bind_int64(st, 1, id);
    return cs_db__found(found, db, st, what);
}

/* Policies ---------------------------------------------------------------------------------- */

int cs_store__sla_revision(int64_t *out, cs_db *db)
{
    return cs_db__int(out, db, sql_revision, "read SLA revision");
}

int cs_store__sla_revision_bump(cs_db *db)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_bump);

    if (!st)
        return cs_error_last()->code;
    return cs_db__exec_stmt(db, st);
}

static cs_sla_policy *policy_find(cs_sla_policy **v, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (v[i]->id == id)
            return v[i];
    return NULL;
}

static int policy_from_row(cs_sla_policy **out, sqlite3_stmt *st)
{
    cs_sla_policy *p = cs_mem__calloc(1, sizeof(*p));
    int rc = CS_OK;

    *out = p;
    if (!p)
        return cs_error__nomem();
    p->id = sqlite3_column_int64(st, 0);
    p->name = cs_db__column_strdup(st, 1, &rc);
    p->position = sqlite3_column_int(st, 2);
    p->pause_pending = sqlite3_column_int(st, 3);
    p->pause_on_hold = sqlite3_column_int(st, 4);
    p->reopen = sqlite3_column_int(st, 5);
    p->warn_percent = sqlite3_column_int(st, 6);
    p->created_at = sqlite3_column_int64(st, 7);
    p->updated_at = sqlite3_column_int64(st, 8);
    return rc;
}

static int add_condition(cs_sla_policy *p, sqlite3_stmt *st)
{
    cs_sla_condition *v = cs_mem__realloc(p->conds, (p->nconds + 1) * sizeof(*v));
    int rc = CS_OK;

    if (!v)
        return cs_error__nomem();
    p->conds = v;
    v[p->nconds] = (cs_sla_condition){sqlite3_column_int(st, 1), sqlite3_column_int64(st, 2), NULL};
    v[p->nconds].text = cs_db__column_strdup(st, 3, &rc);
    p->nconds++;
    return rc;
}

static int add_target(cs_sla_policy *p, sqlite3_stmt *st)
{
    cs_sla_target *v = cs_mem__realloc(p->targets, (p->ntargets + 1) * sizeof(*v));

    if (!v)
        return cs_error__nomem();
    p->targets = v;
    v[p->ntargets++] = (cs_sla_target){sqlite3_column_int(st, 1), sqlite3_column_int(st, 2),
                                       sqlite3_column_int64(st, 3), sqlite3_column_int(st, 4),
                                       sqlite3_column_int64(st, 5)};
    return CS_OK;
}

/* Run `sql` and hand each row to `fn` for the policy named in its first column. */
static int attach_rows(cs_db *db, const char *sql, cs_sla_policy **v, size_t n,
                       int (*fn)(cs_sla_policy *, sqlite3_stmt *))
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);
    int rc = CS_OK, step;

    if (!st)
        return cs_error_last()->code;
    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW) {
        cs_sla_policy *p = policy_find(v, n, sqlite3_column_int64(st, 0));
        if (p)
            rc = fn(p, st);
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read SLA policies");
    cs_db__done(st);
    return rc;
}

static void policies_free(cs_sla_policy **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cs_sla__policy_free(v[i]);
    cs_mem__free(v);
}

int cs_store__sla_policies(cs_sla_policy ***out, size_t *n, cs_db *db)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_policies);
    cs_sla_policy **v = NULL, **grown;
    int rc = CS_OK, step;

    *out = NULL;
    *n = 0;
    if (!st)
        return cs_error_last()->code;
    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW) {
        if (!(grown = cs_mem__realloc(v, (*n + 1) * sizeof(*v)))) {
            rc = cs_error__nomem();
            break;
        }
        v = grown;
        rc = policy_from_row(&v[(*n)++], st);
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read SLA policies");
    cs_db__done(st);
    if (rc == CS_OK)
        rc = attach_rows(db, sql_conditions, v, *n, add_condition);
    if (rc == CS_OK)
        rc = attach_rows(db, sql_targets, v, *n, add_target);
    if (rc < 0) {
        policies_free(v, *n);
        *n = 0;
        return rc;
    }
    *out = v;
    return CS_OK;
}

int cs_store__sla_policy_exists(bool *found, cs_db *db, int64_t id)
{
    return row_exists(found, db, sql_policy_exists, id, "SLA policy");
}

int cs_store__sla_policy_next_position(int *out, cs_db *db)
{
    int64_t position = 0;
    int rc = cs_db__int(&position, db, sql_next_position, "number SLA policy");

    *out = (int)position;
    return rc;
}

int cs_store__sla_policy_insert(int64_t *id, cs_db *db, const cs_sla_policy_fields *f, cs_time now)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_policy_insert);
    int rc;

    if (!st)
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, f->name);
    sqlite3_bind_int(st, 2, f->position);
    sqlite3_bind_int(st, 3, f->pause_pending);
    sqlite3_bind_int(st, 4, f->pause_on_hold);
    sqlite3_bind_int(st, 5, f->reopen);
    sqlite3_bind_int(st, 6, f->warn_percent);
    sqlite3_bind_int64(st, 7, now);
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
        return rc;
    /* SQLite's: the rowid the insert just took. */
    *id = sqlite3_last_insert_rowid(db->sql);
    return CS_OK;
}

int cs_store__sla_policy_update(cs_db *db, int64_t id, const cs_sla_policy_fields *f, cs_time now)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_policy_update);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    cs_db__bind_text(st, 2, f->name);
    bind_given(st, 3, f->position);
    bind_given(st, 4, f->pause_pending);
    bind_given(st, 5, f->pause_on_hold);
    bind_given(st, 6, f->reopen);
    bind_given(st, 7, f->warn_percent);
    sqlite3_bind_int64(st, 8, now);
    return cs_db__exec_stmt(db, st);
}

int cs_store__sla_policy_delete(cs_db *db, int64_t id)
{
    return exec_id(db, sql_policy_delete, id);
}

int cs_store__sla_conditions_set(cs_db *db, int64_t id, const cs_sla_condition *v, size_t n)
{
    sqlite3_stmt *st;
    int rc = exec_id(db, sql_conditions_clear, id);

    for (size_t i = 0; i < n && rc == CS_OK; i++) {
        if (!(st = cs_db__stmt(db, sql_condition_add)))
            return cs_error_last()->code;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        sqlite3_bind_int(st, 3, v[i].kind);
        /* A tag condition keeps its tag in text, the others their number in value. */
        sqlite3_bind_int64(st, 4, v[i].kind == CS_SLA_COND_TAG ? 0 : v[i].value);
        cs_db__bind_text(st, 5, v[i].kind == CS_SLA_COND_TAG ? v[i].text : NULL);
        rc = cs_db__exec_stmt(db, st);
    }
    return rc;
}

int cs_store__sla_targets_set(cs_db *db, int64_t id, const cs_sla_target *v, size_t n)
{
    sqlite3_stmt *st;
    int rc = exec_id(db, sql_targets_clear, id);

    for (size_t i = 0; i < n && rc == CS_OK; i++) {
        if (!(st = cs_db__stmt(db, sql_target_add)))
            return cs_error_last()->code;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, v[i].metric);
        sqlite3_bind_int(st, 3, v[i].priority);
        sqlite3_bind_int64(st, 4, v[i].seconds);
        sqlite3_bind_int(st, 5, v[i].business);
        bind_opt(st, 6, v[i].business ? v[i].calendar_id : 0);
        rc = cs_db__exec_stmt(db, st);
    }
    return rc;
}

/* Clocks and events --------------------------------------------------------------------------- */

static void clock_from_row(cs_sla__clock *c, sqlite3_stmt *st)
{
    c->exists = true;
    c->policy_id = sqlite3_column_int64(st, 1);
    c->state = sqlite3_column_int(st, 2);
    c->started_at = sqlite3_column_int64(st, 3);
    c->resumed_at = sqlite3_column_int64(st, 4);
    c->target = sqlite3_column_int64(st, 5);
    c->calendar_id = sqlite3_column_int64(st, 6);
    c->elapsed = sqlite3_column_int64(st, 7);
    c->target_at = sqlite3_column_int64(st, 8);
    c->warn_at = sqlite3_column_int64(st, 9);
    c->fulfilled_at = sqlite3_column_int64(st, 10);
    c->warned_at = sqlite3_column_int64(st, 11);
    c->breached_at = sqlite3_column_int64(st, 12);
}

int cs_store__sla_clocks(cs_sla__clock c[CS_SLA_RESOLUTION + 1], cs_db *db, int64_t ticket_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_clocks);
    int step;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, ticket_id);
    while ((step = cs_db__step(db, st)) == SQLITE_ROW) {
        int metric = sqlite3_column_int(st, 0);
        if (metric >= CS_SLA_FIRST_REPLY && metric <= CS_SLA_RESOLUTION)
            clock_from_row(&c[metric], st);
    }
    cs_db__done(st);
    return step == SQLITE_DONE ? CS_OK : cs_db__error(db, step, "read SLA clocks");
}

int cs_store__sla_clock_save(cs_db *db, int64_t ticket_id, int metric, const cs_sla__clock *c)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_clock_save);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, ticket_id);
    sqlite3_bind_int(st, 2, metric);
    sqlite3_bind_int64(st, 3, c->policy_id);
    sqlite3_bind_int(st, 4, c->state);
    sqlite3_bind_int64(st, 5, c->started_at);
    bind_opt(st, 6, c->resumed_at);
    sqlite3_bind_int64(st, 7, c->target);
    bind_opt(st, 8, c->calendar_id);
    sqlite3_bind_int64(st, 9, c->elapsed);
    bind_opt(st, 10, c->target_at);
    bind_opt(st, 11, c->warn_at);
    bind_opt(st, 12, c->fulfilled_at);
    bind_opt(st, 13, c->warned_at);
    bind_opt(st, 14, c->breached_at);
    return cs_db__exec_stmt(db, st);
}

/* Bind what the cancelling statements share: the policy, the time, the states. */
static sqlite3_stmt *cancel_stmt(cs_db *db, const char *sql, int64_t policy_id, cs_time at)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);

    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, policy_id);
    sqlite3_bind_int64(st, 2, at);
    sqlite3_bind_int(st, 3, CS_SLA_EVENT_CANCELLED);
    sqlite3_bind_int(st, 4, CS_SLA_ACTIVE);
    sqlite3_bind_int(st, 5, CS_SLA_PAUSED);
    sqlite3_bind_int(st, 6, CS_SLA_CANCELLED);
    return st;
}

int cs_store__sla_clocks_cancel(cs_db *db, int64_t policy_id, cs_time at)
{
    sqlite3_stmt *st;
    int rc;

    if (!(st = cancel_stmt(db, sql_cancel_events, policy_id, at)) ||
        (rc = cs_db__exec_stmt(db, st)) < 0)
        return st ? rc : cs_error_last()->code;
    if (!(st = cancel_stmt(db, sql_cancel_clocks, policy_id, at)))
        return cs_error_last()->code;
    return cs_db__exec_stmt(db, st);
}

int cs_store__sla_first_reply_due(cs_time *out, cs_db *db, int64_t ticket_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_first_reply_due);
    int step;

    *out = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, ticket_id);
    sqlite3_bind_int(st, 2, CS_SLA_FIRST_REPLY);
    sqlite3_bind_int(st, 3, CS_SLA_ACTIVE);
    if ((step = cs_db__step(db, st)) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    cs_db__done(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CS_OK
                                                     : cs_db__error(db, step, "read SLA clock");
}

int cs_store__sla_event_add(cs_db *db, const cs_sla__event *e)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_event);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, e->ticket_id);
    sqlite3_bind_int(st, 2, e->metric);
    sqlite3_bind_int(st, 3, e->kind);
    sqlite3_bind_int64(st, 4, e->at);
    bind_opt(st, 5, e->target_at);
    bind_opt(st, 6, e->policy_id);
    return cs_db__exec_stmt(db, st);
}

/* Append the rows of a bound statement that reads events (ticket_id, metric, kind, at,
 * target_at, policy_id) to *v, and release the statement. */
static int read_events(cs_sla__event **v, size_t *n, cs_db *db, sqlite3_stmt *st, const char *what)
{
    cs_sla__event *grown;
    int rc = CS_OK, step;

    while ((step = cs_db__step(db, st)) == SQLITE_ROW) {
        if (!(grown = cs_mem__realloc(*v, (*n + 1) * sizeof(*grown)))) {
            rc = cs_error__nomem();
            break;
        }
        *v = grown;
        grown[(*n)++] = (cs_sla__event){sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 5),
                                        sqlite3_column_int(st, 1),   sqlite3_column_int(st, 2),
                                        sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4)};
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, what);
    cs_db__done(st);
    return rc;
}

int cs_store__sla_events(cs_sla__event **v, size_t *n, cs_db *db, int64_t ticket_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_events);

    *v = NULL;
    *n = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, ticket_id);
    return read_events(v, n, db, st, "read SLA events");
}

/* Append the rows of `sql` (due warnings or breaches) to v. */
static int collect_due(cs_sla__event **v, size_t *n, cs_db *db, const char *sql, int kind,
                       cs_time now, int64_t policy_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, policy_id);
    sqlite3_bind_int(st, 3, kind);
    return read_events(v, n, db, st, "read due SLA clocks");
}

int cs_store__sla_due(cs_sla__event **v, size_t *n, cs_db *db, cs_time now, int64_t policy_id)
{
    int rc = collect_due(v, n, db, sql_due_warnings, CS_SLA_EVENT_WARNED, now, policy_id);

    if (rc == CS_OK)
        rc = collect_due(v, n, db, sql_due_breaches, CS_SLA_EVENT_BREACHED, now, policy_id);
    return rc;
}

int cs_store__sla_due_mark(cs_db *db, const cs_sla__event *e)
{
    sqlite3_stmt *st =
        cs_db__stmt(db, e->kind == CS_SLA_EVENT_WARNED ? sql_mark_warned : sql_mark_breached);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, e->ticket_id);
    sqlite3_bind_int(st, 2, e->metric);
    sqlite3_bind_int64(st, 3, e->at);
    return cs_db__exec_stmt(db, st);
}

/* The queue ---------------------------------------------------------------------------------- */

struct cs_store__sla_queue {
    cs_db *db;
    sqlite3_stmt *due, *rest; /* rest is NULL when the deadlines are bounded */
    /* The key of the due part is (target_at, ticket id), the page's key the ticket id. */
    cs_time after_at;
    cs_page page; /* on due, then on rest */
    cs_sla_queue_item rows[CS_PAGE_ROWS];
};

void cs_store__sla_queue_close(cs_store__sla_queue *q)
{
    if (!q)
        return;
    sqlite3_finalize(q->due);
    sqlite3_finalize(q->rest);
    cs_mem__free(q);
}

static int queue_prepare(cs_store__sla_queue *q, cs_time due_after, cs_time due_until,
                         int64_t scope)
{
    bool bounded = due_after || due_until;
    int rc;

    if ((rc = cs_db__prepare(&q->due, q->db, sql_queue_due, "list the SLA queue")) < 0 ||
        (!bounded &&
         (rc = cs_db__prepare(&q->rest, q->db, sql_queue_rest, "list the SLA queue")) < 0))
        return rc;
    sqlite3_bind_int64(q->due, 1, due_until ? due_until : INT64_MAX);
    sqlite3_bind_int64(q->due, 5, scope);
    sqlite3_bind_int(q->due, 6, CS_SLA_ACTIVE);
    if (q->rest) {
        sqlite3_bind_int64(q->rest, 3, scope);
        sqlite3_bind_int(q->rest, 4, CS_STATUS_NEW);
        sqlite3_bind_int(q->rest, 5, CS_STATUS_OPEN);
        sqlite3_bind_int(q->rest, 6, CS_SLA_ACTIVE);
    }
    /* After every ticket at due_after: deadlines later than it. */
    q->after_at = due_after ? due_after : INT64_MIN;
    q->page = (cs_page)CS_PAGE_INIT(q->due, 3, INT64_MAX, 4, 0);
    return CS_OK;
}

int cs_store__sla_queue_open(cs_store__sla_queue **out, cs_db *db, cs_time due_after,
                             cs_time due_until, int64_t scope)
{
    cs_store__sla_queue *q = cs_mem__calloc(1, sizeof(*q));
    int rc;

    *out = NULL;
    if (!q)
        return cs_error__nomem();
    q->db = db;
    if ((rc = queue_prepare(q, due_after, due_until, scope)) < 0) {
        cs_store__sla_queue_close(q);
        return rc;
    }
    *out = q;
    return CS_OK;
}

static int queue_row(void *payload, sqlite3_stmt *st)
{
    cs_store__sla_queue *q = payload;
    int64_t id = sqlite3_column_int64(st, 0);

    if (q->page.st == q->rest) {
        q->rows[q->page.n++] = (cs_sla_queue_item){id, 0, 0};
    } else {
        q->rows[q->page.n++] =
            (cs_sla_queue_item){id, sqlite3_column_int(st, 1), sqlite3_column_int64(st, 2)};
        q->after_at = sqlite3_column_int64(st, 2);
    }
    q->page.key = id;
    return CS_OK;
}

int cs_store__sla_queue_page(const cs_sla_queue_item **rows, size_t *n, cs_store__sla_queue *q)
{
    int rc = CS_OK;

    q->page.n = 0;
    /* The due part's last page may be empty; the rest follows it. */
    while (q->page.n == 0 && !(q->page.end && (q->page.st == q->rest || !q->rest))) {
        if (q->page.end)
            q->page = (cs_page)CS_PAGE_INIT(q->rest, 1, 0, 2, 0);
        if (q->page.st == q->due)
            sqlite3_bind_int64(q->due, 2, q->after_at);
        if ((rc = cs_db__page(&q->page, q->db, queue_row, q, "list the SLA queue")) < 0)
            break;
    }
    *rows = q->rows;
    *n = q->page.n;
    return rc;
}

/* Reads across owners: one query each, joining other modules' tables; none writes ------------ */

/* The queue's statements above also read ticket (the statuses, an agent's scope) and
 * group_member (the scope): joins that give a page in one statement. */

/* ticket, customer, channel and ticket_tag; group_concat (SQLite's) gives the tags as one
 * text, ",a,b,". */
static const char sql_ticket_ctx[] =
    "SELECT t.status, t.priority, t.type, t.created_at, coalesce(c.organization_id, 0),"
    " coalesce(ch.kind, 0), coalesce(ch.public, -1),"
    " (SELECT ',' || group_concat(tag, ',') || ',' FROM ticket_tag WHERE ticket_id = t.id)"
    " FROM ticket t JOIN customer c ON c.id = t.customer_id"
    " LEFT JOIN channel ch ON ch.id = t.channel_id WHERE t.id = ?1";
/* message. */
/* calendar. */

int cs_store__sla_ticket(cs_sla__ticket *out, bool *found, cs_db *db, int64_t ticket_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_ticket_ctx);
    int rc = CS_OK, step;

    *found = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, ticket_id);
    if ((step = cs_db__step(db, st)) == SQLITE_ROW) {
        *found = true;
        out->status = sqlite3_column_int(st, 0);
        out->priority = sqlite3_column_int(st, 1);
        out->type = sqlite3_column_int(st, 2);
        out->created_at = sqlite3_column_int64(st, 3);
        out->organization_id = sqlite3_column_int64(st, 4);
        out->channel_kind = sqlite3_column_int(st, 5);
        out->channel_public = sqlite3_column_int(st, 6);
        out->tags = cs_db__column_strdup(st, 7, &rc);
    } else if (step != SQLITE_DONE) {
        rc = cs_db__error(db, step, "read ticket for SLA");
    }
    cs_db__done(st);
    return rc;
}
