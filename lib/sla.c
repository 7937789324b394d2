/*
 * libcs - SLAs: policies, the clocks they run on tickets, the event log, the tick's SLA part
 * and the queue ordered by due time. The rules are in docs/sla.md.
 *
 * One entry point, cs_sla__on_ticket(), hears everything that happens to tickets. Each call
 * loads the ticket and its clocks, selects the first matching policy, reconciles the clocks
 * with it (new policy or priority: new targets; no policy: cancel), applies the event
 * (replies, customer messages) and the status rules (pause, resume, fulfil, reopen), and
 * writes back the clocks that changed, with an sla_event row for everything that happened.
 */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "db.h"
#include "perm.h"
#include "audit.h"
#include "ticket.h"
#include "calendar.h"
#include "react.h"
#include "sla.h"

#define TARGET_MAX (365 * 86400LL)
#define DEFAULT_WARN_PERCENT 80

static const cs_name metric_names[] = {
    {CS_SLA_FIRST_REPLY, "first_reply"},
    {CS_SLA_NEXT_REPLY, "next_reply"},
    {CS_SLA_PERIODIC_UPDATE, "periodic_update"},
    {CS_SLA_RESOLUTION, "resolution"},
};
static const cs_name condition_names[] = {
    {CS_SLA_COND_CHANNEL_KIND, "channel_kind"}, {CS_SLA_COND_PRIORITY, "priority"},
    {CS_SLA_COND_TYPE, "type"},                 {CS_SLA_COND_ORGANIZATION, "organization"},
    {CS_SLA_COND_TAG, "tag"},                   {CS_SLA_COND_PUBLIC_CHANNEL, "public_channel"},
};
static const cs_name state_names[] = {
    {CS_SLA_ACTIVE, "active"},       {CS_SLA_PAUSED, "paused"},
    {CS_SLA_FULFILLED, "fulfilled"}, {CS_SLA_CANCELLED, "cancelled"},
    {CS_SLA_BREACHED, "breached"},
};
static const cs_name event_names[] = {
    {CS_SLA_EVENT_APPLIED, "applied"},     {CS_SLA_EVENT_STARTED, "started"},
    {CS_SLA_EVENT_PAUSED, "paused"},       {CS_SLA_EVENT_RESUMED, "resumed"},
    {CS_SLA_EVENT_FULFILLED, "fulfilled"}, {CS_SLA_EVENT_WARNED, "warned"},
    {CS_SLA_EVENT_BREACHED, "breached"},   {CS_SLA_EVENT_CANCELLED, "cancelled"},
};

/* The statement table. */
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
static const char sql_calendar_exists[] = "SELECT 1 FROM calendar WHERE id = ?1";
static const char sql_cancel_events[] =
    "INSERT INTO sla_event (ticket_id, metric, kind, at, target_at, policy_id)"
    " SELECT ticket_id, metric, 8, ?2, target_at, policy_id FROM ticket_sla"
    " WHERE policy_id = ?1 AND state IN (1, 2)";
static const char sql_cancel_clocks[] =
    "UPDATE ticket_sla SET state = 4, resumed_at = NULL WHERE policy_id = ?1 AND state IN (1, 2)";
static const char sql_ticket_ctx[] =
    "SELECT t.status, t.priority, t.type, t.created_at, coalesce(c.organization_id, 0),"
    " coalesce(ch.kind, 0), coalesce(ch.public, -1),"
    " (SELECT ',' || group_concat(tag, ',') || ',' FROM ticket_tag WHERE ticket_id = t.id)"
    " FROM ticket t JOIN customer c ON c.id = t.customer_id"
    " LEFT JOIN channel ch ON ch.id = t.channel_id WHERE t.id = ?1";
static const char sql_clocks[] =
    "SELECT metric, policy_id, state, started_at, resumed_at, target, calendar_id, elapsed,"
    " target_at, warn_at, fulfilled_at, warned_at, breached_at FROM ticket_sla"
    " WHERE ticket_id = ?1 ORDER BY metric";
static const char sql_clock_save[] =
    "INSERT OR REPLACE INTO ticket_sla (ticket_id, metric, policy_id, state, started_at,"
    " resumed_at, target, calendar_id, elapsed, target_at, warn_at, fulfilled_at, warned_at,"
    " breached_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
static const char sql_event[] =
    "INSERT INTO sla_event (ticket_id, metric, kind, at, target_at, policy_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_agent_replied[] =
    "SELECT 1 FROM message WHERE ticket_id = ?1 AND author_kind = 1 AND direction = 2"
    " AND visibility = 1 LIMIT 1";
static const char sql_first_reply_due[] =
    "SELECT target_at FROM ticket_sla WHERE ticket_id = ?1 AND metric = 1 AND state = 1";
/* The partial indexes hold only what is still to be recorded; without INDEXED BY the
 * planner prefers ticket_sla_due and walks every clock that ever fell due. */
static const char sql_due_warnings[] =
    "SELECT ticket_id, metric, warn_at, target_at, policy_id FROM ticket_sla"
    " INDEXED BY ticket_sla_warn"
    " WHERE state = 1 AND warn_at <= ?1 AND warned_at IS NULL AND (?2 = 0 OR policy_id = ?2)";
static const char sql_due_breaches[] =
    "SELECT ticket_id, metric, target_at, target_at, policy_id FROM ticket_sla"
    " INDEXED BY ticket_sla_breach"
    " WHERE state = 1 AND target_at <= ?1 AND breached_at IS NULL AND (?2 = 0 OR policy_id = ?2)";
static const char sql_mark_warned[] =
    "UPDATE ticket_sla SET warned_at = ?3 WHERE ticket_id = ?1 AND metric = ?2";
static const char sql_mark_breached[] =
    "UPDATE ticket_sla SET breached_at = ?3 WHERE ticket_id = ?1 AND metric = ?2";
static const char sql_events[] = "SELECT metric, kind, at, target_at, policy_id FROM sla_event"
                                 " WHERE ticket_id = ?1 ORDER BY id";
/* The queue (private statements): running deadlines, earliest per ticket, through the index
 * ticket_sla_due (state, target_at), whose rows end in the key (ticket_id, metric), so the
 * ORDER BY needs no sort. The unary + keeps the per-ticket subqueries on the primary key
 * (at most four rows) instead of the index. Plans are in docs/sla.md.
 *
 * It is read a page at a time, by keyset. The due part starts after the last (target_at,
 * ticket id) read (?2, ?3; a filter's due_after is the first page's start), the rest after
 * the last ticket id (?1); the scope of a group-bound agent is ?5 and ?3, the page's size
 * ?4 and ?2. */
static const char sql_queue_due[] =
    "SELECT s.ticket_id, s.metric, s.target_at FROM ticket_sla s"
    " WHERE s.state = 1 AND s.target_at <= ?1 AND (s.target_at, s.ticket_id) > (?2, ?3)"
    " AND NOT EXISTS (SELECT 1 FROM ticket_sla o WHERE o.ticket_id = s.ticket_id"
    " AND +o.state = 1 AND +o.target_at IS NOT NULL AND (+o.target_at < s.target_at"
    " OR (o.target_at = s.target_at AND o.metric < s.metric)))"
    " AND (?5 = 0 OR EXISTS (SELECT 1 FROM ticket t WHERE t.id = s.ticket_id"
    " AND " CS_SCOPE_SQL("t", "?5") "))"
    " ORDER BY s.target_at, s.ticket_id LIMIT ?4";
/* New and open tickets without a running deadline, by id: each status walks its part of the
 * status index in id order and the two merge, so a page costs its own rows. */
#define QUEUE_REST(status)                                                                     \
    "SELECT t.id FROM ticket t WHERE t.status = " status " AND t.id > ?1 AND NOT EXISTS"      \
    " (SELECT 1 FROM ticket_sla s WHERE s.ticket_id = t.id AND +s.state = 1"                  \
    " AND +s.target_at IS NOT NULL) AND " CS_SCOPE_SQL("t", "?3")
static const char sql_queue_rest[] =
    QUEUE_REST("1") " UNION ALL " QUEUE_REST("2") " ORDER BY 1 LIMIT ?2";

static int record_due(cs_db *db, cs_time now, int64_t policy_id, cs_tick_result *r);

/* Names ---------------------------------------------------------------------------------- */

const char *cs_sla_metric_name(int metric)
{
    return CS_NAME_OF(metric_names, metric);
}

int cs_sla_metric_parse(const char *name)
{
    return CS_NAME_PARSE(metric_names, name);
}

const char *cs_sla_condition_kind_name(int kind)
{
    return CS_NAME_OF(condition_names, kind);
}

int cs_sla_condition_kind_parse(const char *name)
{
    return CS_NAME_PARSE(condition_names, name);
}

const char *cs_sla_state_name(int state)
{
    return CS_NAME_OF(state_names, state);
}

const char *cs_sla_event_kind_name(int kind)
{
    return CS_NAME_OF(event_names, kind);
}

/* Policies in memory ---------------------------------------------------------------------- */

struct sla_cond {
    int kind;
    int64_t value;
    char *text;
};

struct cs_sla_policy {
    int64_t id;
    char *name;
    int position, pause_pending, pause_on_hold, reopen, warn_percent;
    struct sla_cond *conds;
    size_t nconds;
    cs_sla_target *targets;
    size_t ntargets;
    cs_time created_at, updated_at;
};

/* The handle's policies, in the order they are tried, valid while sla_revision is unchanged. */
struct cs_sla_cache {
    int64_t revision;
    cs_sla_policy **v;
    size_t n;
};

void cs_sla_policy_free(cs_sla_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nconds; i++)
        cs_mem__free(p->conds[i].text);
    cs_mem__free(p->conds);
    cs_mem__free(p->targets);
    cs_mem__free(p->name);
    cs_mem__free(p);
}

static void policies_free(cs_sla_policy **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cs_sla_policy_free(v[i]);
    cs_mem__free(v);
}

/* The key of the handle's parsed policies (cs_db__state). */
static const char cache_key = 0;

static void cache_release(void *state)
{
    struct cs_sla_cache *c = state;

    policies_free(c->v, c->n);
    cs_mem__free(c);
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
    struct sla_cond *v = cs_mem__realloc(p->conds, (p->nconds + 1) * sizeof(*v));
    int rc = CS_OK;

    if (!v)
        return cs_error__nomem();
    p->conds = v;
    v[p->nconds] = (struct sla_cond){sqlite3_column_int(st, 1), sqlite3_column_int64(st, 2), NULL};
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

/* Every policy, in the order they are tried. */
static int load_policies(cs_sla_policy ***out, size_t *n, cs_db *db)
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

static int read_revision(int64_t *out, cs_db *db)
{
    return cs_db__int(out, db, sql_revision, "read SLA revision");
}

/* The handle's policies, reloaded when the revision moved: one query when nothing changed. */
static int cached_policies(struct cs_sla_cache **out, cs_db *db)
{
    struct cs_sla_cache *c = cs_db__state(db, &cache_key);
    int64_t revision;
    int rc;

    if ((rc = read_revision(&revision, db)) < 0)
        return rc;
    if (c && c->revision == revision) {
        *out = c;
        return CS_OK;
    }
    if (!c && !(c = cs_db__state_get(db, &cache_key, sizeof(*c), cache_release, false)))
        return cs_error_last()->code;
    policies_free(c->v, c->n);
    c->v = NULL;
    c->n = 0;
    c->revision = -1;
    if ((rc = load_policies(&c->v, &c->n, db)) < 0)
        return rc;
    c->revision = revision;
    *out = c;
    return CS_OK;
}

/* Policy validation ----------------------------------------------------------------------- */

static int check_condition(const cs_sla_condition *c, size_t i)
{
    char field[CS_ERROR_FIELD_MAX];
    bool ok;

    snprintf(field, sizeof(field), "conditions[%zu].kind", i);
    if (!cs_sla_condition_kind_name(c->kind))
        return cs_error__inval(field, "%s: unknown condition kind %d", field, c->kind);
    snprintf(field, sizeof(field), "conditions[%zu].%s", i,
             c->kind == CS_SLA_COND_TAG ? "text" : "value");
    switch (c->kind) {
    case CS_SLA_COND_CHANNEL_KIND:
        ok = c->value >= 0 && c->value < 100 && cs_channel_kind_name((int)c->value);
        break;
    case CS_SLA_COND_PRIORITY:
        ok = c->value >= 0 && c->value < 100 && cs_ticket_priority_name((int)c->value);
        break;
    case CS_SLA_COND_TYPE:
        ok = c->value >= 0 && c->value < 100 && cs_ticket_type_name((int)c->value);
        break;
    case CS_SLA_COND_ORGANIZATION:
        ok = c->value > 0;
        break;
    case CS_SLA_COND_PUBLIC_CHANNEL:
        ok = c->value == 0 || c->value == 1;
        break;
    default: /* tag */
        ok = c->text && *c->text && strlen(c->text) <= CS_TAG_MAX && !strchr(c->text, ',') &&
             cs_utf8__valid(c->text, strlen(c->text));
        return ok ? CS_OK : cs_error__inval(field, "%s: \"%.64s\" is not a tag", field,
                                            c->text ? c->text : "");
    }
    return ok ? CS_OK : cs_error__inval(field, "%s: %lld is not valid for a %s condition", field,
                                        (long long)c->value, cs_sla_condition_kind_name(c->kind));
}

static int check_target(const cs_sla_target *v, size_t i)
{
    const cs_sla_target *t = &v[i];
    char field[CS_ERROR_FIELD_MAX];

#define FIELD(name) (snprintf(field, sizeof(field), "targets[%zu]." name, i), field)
    if (!cs_sla_metric_name(t->metric))
        return cs_error__inval(FIELD("metric"), "%s: unknown metric %d", field, t->metric);
    if (t->priority && !cs_ticket_priority_name(t->priority))
        return cs_error__inval(FIELD("priority"), "%s: unknown priority %d", field, t->priority);
    if (t->seconds < 1 || t->seconds > TARGET_MAX)
        return cs_error__inval(FIELD("seconds"), "%s: %lld is not between 1 second and 365 days",
                               field, (long long)t->seconds);
    if (t->business != 0 && t->business != 1)
        return cs_error__inval(FIELD("business"), "%s must be 0 or 1, not %d", field,
                               t->business);
    if (t->business && t->calendar_id <= 0)
        return cs_error__inval(FIELD("calendar_id"), "%s: a business-time target needs a "
                               "calendar", field);
    if (!t->business && t->calendar_id)
        return cs_error__inval(FIELD("calendar_id"), "%s: only business-time targets take a "
                               "calendar", field);
    for (size_t j = 0; j < i; j++)
        if (v[j].metric == t->metric && v[j].priority == t->priority)
            return cs_error__inval(FIELD("priority"), "%s: a second %s target for priority %s",
                                   field, cs_sla_metric_name(t->metric),
                                   t->priority ? cs_ticket_priority_name(t->priority) : "any");
#undef FIELD
    return CS_OK;
}

static int check_lists(const cs_sla_policy_fields *f)
{
    int rc;

    if (f->nconditions > CS_SLA_CONDITIONS_MAX || (f->nconditions && !f->conditions))
        return cs_error__inval("conditions", "conditions: give at most %d, and not NULL",
                               CS_SLA_CONDITIONS_MAX);
    if (f->ntargets > CS_SLA_TARGETS_MAX || (f->ntargets && !f->targets))
        return cs_error__inval("targets", "targets: give at most %d, and not NULL",
                               CS_SLA_TARGETS_MAX);
    for (size_t i = 0; f->conditions && i < f->nconditions; i++)
        if ((rc = check_condition(&f->conditions[i], i)) < 0)
            return rc;
    for (size_t i = 0; f->targets && i < f->ntargets; i++)
        if ((rc = check_target(f->targets, i)) < 0)
            return rc;
    return CS_OK;
}

static int check_policy_fields(const cs_sla_policy_fields *f, bool create)
{
    int rc;

    if (!f)
        return cs_error__inval("fields", "fields is NULL");
    if (f->version != CS_SLA_POLICY_FIELDS_VERSION)
        return cs_error__inval("fields", "fields version %u is not %d", f->version,
                               CS_SLA_POLICY_FIELDS_VERSION);
    if ((rc = cs_check__text("name", f->name, CS_SLA_POLICY_NAME_MAX, create)) < 0)
        return rc;
    if (!create && f->name && !*f->name)
        return cs_error__inval("name", "name cannot be empty");
    if (f->position < 0 && f->position != CS_UNSET)
        return cs_error__inval("position", "position %d is negative", f->position);
    if ((rc = cs_check__bool("pause_pending", f->pause_pending)) < 0 ||
        (rc = cs_check__bool("pause_on_hold", f->pause_on_hold)) < 0)
        return rc;
    if (f->reopen && f->reopen != CS_SLA_REOPEN_RESUME && f->reopen != CS_SLA_REOPEN_RESTART)
        return cs_error__inval("reopen", "unknown reopen rule %d", f->reopen);
    if (f->warn_percent != CS_UNSET && (f->warn_percent < 1 || f->warn_percent > 99))
        return cs_error__inval("warn_percent", "warn_percent %d is not between 1 and 99",
                               f->warn_percent);
    return check_lists(f);
}

/* Policy storage -------------------------------------------------------------------------- */

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

/* Business targets need a stored calendar that opens again (cs_calendar_store() refuses
 * others, but one stored by an older libcs, or whose last opening is past, may be there). */
static int check_calendars(cs_db *db, const cs_sla_policy_fields *f)
{
    char field[CS_ERROR_FIELD_MAX];
    const cs_calendar *cal;
    int rc;

    for (size_t i = 0; f->targets && i < f->ntargets; i++) {
        int64_t id = f->targets[i].calendar_id;
        if (!f->targets[i].business)
            continue;
        snprintf(field, sizeof(field), "targets[%zu].calendar_id", i);
        if ((rc = cs_db__exists(db, sql_calendar_exists, id, field, "calendar")) < 0 ||
            (rc = cs_calendar__cached(&cal, db, id)) < 0)
            return rc;
        if (!cs_calendar__opens_from(cal, cs_db_now(db)))
            return cs_error__inval(field, "%s: calendar %lld never opens between now and 2100",
                                   field, (long long)id);
    }
    return CS_OK;
}

static int clear_rows(cs_db *db, const char *sql, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    return cs_db__exec_stmt(db, st);
}

/* Replace the conditions and targets that are given. */
static int write_lists(cs_db *db, int64_t id, const cs_sla_policy_fields *f)
{
    sqlite3_stmt *st;
    int rc = CS_OK;

    if (f->conditions && (rc = clear_rows(db, sql_conditions_clear, id)) < 0)
        return rc;
    for (size_t i = 0; f->conditions && i < f->nconditions && rc == CS_OK; i++) {
        const cs_sla_condition *c = &f->conditions[i];
        if (!(st = cs_db__stmt(db, sql_condition_add)))
            return cs_error_last()->code;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        sqlite3_bind_int(st, 3, c->kind);
        sqlite3_bind_int64(st, 4, c->kind == CS_SLA_COND_TAG ? 0 : c->value);
        cs_db__bind_text(st, 5, c->kind == CS_SLA_COND_TAG ? c->text : NULL);
        rc = cs_db__exec_stmt(db, st);
    }
    if (rc == CS_OK && f->targets && (rc = clear_rows(db, sql_targets_clear, id)) < 0)
        return rc;
    for (size_t i = 0; f->targets && i < f->ntargets && rc == CS_OK; i++) {
        const cs_sla_target *t = &f->targets[i];
        if (!(st = cs_db__stmt(db, sql_target_add)))
            return cs_error_last()->code;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, t->metric);
        sqlite3_bind_int(st, 3, t->priority);
        sqlite3_bind_int64(st, 4, t->seconds);
        sqlite3_bind_int(st, 5, t->business);
        bind_opt(st, 6, t->business ? t->calendar_id : 0);
        rc = cs_db__exec_stmt(db, st);
    }
    return rc;
}

/* After a write: bump the revision (every handle's cache reloads) and audit. */
static int policy_written(cs_db *db, const cs_actor *by, int64_t id, const char *action,
                          const char *name)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_bump);
    int rc;

    if (!st)
        return cs_error_last()->code;
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
        return rc;
    return cs_audit__record(db, by, "sla_policy", id, 0, 0, action, name ? "name" : NULL, NULL,
                            name);
}

static int name_taken(int rc, const char *name)
{
    if (rc == CS_EEXISTS)
        return cs_error__set(CS_EEXISTS, "name", "an SLA policy named \"%.64s\" exists", name);
    return rc;
}

static int next_position(cs_db *db, int *out)
{
    int64_t position = 0;
    int rc = cs_db__int(&position, db, sql_next_position, "number SLA policy");

    *out = (int)position;
    return rc;
}

static int policy_create(int64_t *id, cs_db *db, const cs_actor *by,
                         const cs_sla_policy_fields *f)
{
    int position = f->position, rc;
    sqlite3_stmt *st;

    if ((rc = check_calendars(db, f)) < 0 ||
        (position == CS_UNSET && (rc = next_position(db, &position)) < 0))
        return rc;
    if (!(st = cs_db__stmt(db, sql_policy_insert)))
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, f->name);
    sqlite3_bind_int(st, 2, position);
    sqlite3_bind_int(st, 3, f->pause_pending != 0);
    sqlite3_bind_int(st, 4, f->pause_on_hold != 0);
    sqlite3_bind_int(st, 5, f->reopen ? f->reopen : CS_SLA_REOPEN_RESUME);
    sqlite3_bind_int(st, 6, f->warn_percent == CS_UNSET ? DEFAULT_WARN_PERCENT : f->warn_percent);
    sqlite3_bind_int64(st, 7, cs_db_now(db));
    if ((rc = name_taken(cs_db__exec_stmt(db, st), f->name)) < 0)
        return rc;
    *id = sqlite3_last_insert_rowid(db->sql);
    if ((rc = write_lists(db, *id, f)) < 0)
        return rc;
    return policy_written(db, by, *id, "create", f->name);
}

int cs_sla_policy_create(int64_t *id, cs_db *db, const cs_sla_policy_fields *fields)
{
    int64_t created = 0;
    cs_actor by;
    int rc;

    if (id)
        *id = 0;
    if (!db)
        return cs_error__inval("db", "db is NULL");
    if ((rc = check_policy_fields(fields, true)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CONFIG_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    rc = cs_db__end(db, policy_create(&created, db, &by, fields));
    if (rc == CS_OK && id)
        *id = created;
    return rc;
}

static int policy_update(cs_db *db, const cs_actor *by, int64_t id,
                         const cs_sla_policy_fields *f)
{
    sqlite3_stmt *st;
    int rc;

    if ((rc = cs_db__exists(db, sql_policy_exists, id, "id", "SLA policy")) < 0 ||
        (rc = check_calendars(db, f)) < 0)
        return rc;
    if (!(st = cs_db__stmt(db, sql_policy_update)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    cs_db__bind_text(st, 2, f->name);
    bind_given(st, 3, f->position);
    bind_given(st, 4, f->pause_pending);
    bind_given(st, 5, f->pause_on_hold);
    bind_given(st, 6, f->reopen ? f->reopen : CS_UNSET);
    bind_given(st, 7, f->warn_percent);
    sqlite3_bind_int64(st, 8, cs_db_now(db));
    if ((rc = name_taken(cs_db__exec_stmt(db, st), f->name)) < 0 ||
        (rc = write_lists(db, id, f)) < 0)
        return rc;
    return policy_written(db, by, id, "update", f->name);
}

int cs_sla_policy_update(cs_db *db, int64_t id, const cs_sla_policy_fields *fields)
{
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if ((rc = check_policy_fields(fields, false)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CONFIG_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, policy_update(db, &by, id, fields));
}

static int policy_delete(cs_db *db, const cs_actor *by, int64_t id)
{
    sqlite3_stmt *st;
    int rc;

    /* What fell due before the deletion is history, whether a tick recorded it or not. */
    if ((rc = cs_db__exists(db, sql_policy_exists, id, "id", "SLA policy")) < 0 ||
        (rc = record_due(db, cs_db_now(db), id, NULL)) < 0)
        return rc;
    if (!(st = cs_db__stmt(db, sql_cancel_events)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, cs_db_now(db));
    if ((rc = cs_db__exec_stmt(db, st)) < 0 || (rc = clear_rows(db, sql_cancel_clocks, id)) < 0 ||
        (rc = clear_rows(db, sql_policy_delete, id)) < 0)
        return rc;
    return policy_written(db, by, id, "delete", NULL);
}

int cs_sla_policy_delete(cs_db *db, int64_t id)
{
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, policy_delete(db, &by, id));
}

int cs_sla_policy_lookup(cs_sla_policy **out, cs_db *db, int64_t id)
{
    cs_sla_policy **v = NULL;
    size_t n = 0;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_READ)) < 0 ||
        (rc = load_policies(&v, &n, db)) < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (v[i]->id == id) {
            *out = v[i];
            v[i] = NULL;
        }
    }
    policies_free(v, n);
    if (!*out)
        return cs_error__set(CS_ENOTFOUND, "id", "SLA policy %lld does not exist",
                             (long long)id);
    return CS_OK;
}

int64_t cs_sla_policy_id(const cs_sla_policy *p)
{
    return p ? p->id : 0;
}

const char *cs_sla_policy_name(const cs_sla_policy *p)
{
    return p ? p->name : NULL;
}

int cs_sla_policy_position(const cs_sla_policy *p)
{
    return p ? p->position : 0;
}

/* JSON ---------------------------------------------------------------------------------- */

/* A condition's value as the JSON interface takes it: names for enums, a boolean for
 * public channels, the organisation id, the tag. */
static json_t *condition_json(const struct sla_cond *c)
{
    const char *kind = cs_sla_condition_kind_name(c->kind);
    int v = (int)c->value;

    switch (c->kind) {
    case CS_SLA_COND_TAG:
        return json_pack("{s:s, s:s}", "kind", kind, "value", c->text ? c->text : "");
    case CS_SLA_COND_CHANNEL_KIND:
        return json_pack("{s:s, s:s}", "kind", kind, "value", cs_channel_kind_name(v));
    case CS_SLA_COND_PRIORITY:
        return json_pack("{s:s, s:s}", "kind", kind, "value", cs_ticket_priority_name(v));
    case CS_SLA_COND_TYPE:
        return json_pack("{s:s, s:s}", "kind", kind, "value", cs_ticket_type_name(v));
    case CS_SLA_COND_PUBLIC_CHANNEL:
        return json_pack("{s:s, s:b}", "kind", kind, "value", v);
    default:
        return json_pack("{s:s, s:I}", "kind", kind, "value", (json_int_t)c->value);
    }
}

static json_t *target_json(const cs_sla_target *t)
{
    return json_pack("{s:s, s:s, s:I, s:b, s:o}", "metric", cs_sla_metric_name(t->metric),
                     "priority", t->priority ? cs_ticket_priority_name(t->priority) : "any",
                     "seconds", (json_int_t)t->seconds, "business", t->business, "calendar_id",
                     cs_json__id(t->calendar_id));
}

static json_t *policy_json(const cs_sla_policy *p)
{
    json_t *conds = json_array(), *targets = json_array();

    for (size_t i = 0; conds && i < p->nconds; i++)
        json_array_append_new(conds, condition_json(&p->conds[i]));
    for (size_t i = 0; targets && i < p->ntargets; i++)
        json_array_append_new(targets, target_json(&p->targets[i]));
    if (!conds || !targets || json_array_size(conds) != p->nconds ||
        json_array_size(targets) != p->ntargets) {
        json_decref(conds);
        json_decref(targets);
        return NULL;
    }
    return json_pack("{s:I, s:s, s:i, s:b, s:b, s:s, s:i, s:o, s:o, s:o, s:o}", "id",
                     (json_int_t)p->id, "name", p->name, "position", p->position,
                     "pause_pending", p->pause_pending, "pause_on_hold", p->pause_on_hold,
                     "reopen", p->reopen == CS_SLA_REOPEN_RESTART ? "restart" : "resume",
                     "warn_percent", p->warn_percent, "conditions", conds, "targets", targets,
                     "created_at", cs_json__time(p->created_at), "updated_at",
                     cs_json__time(p->updated_at));
}

int cs_sla_policy_to_json(char **out, const cs_sla_policy *p)
{
    if (!out || !p)
        return cs_error__inval(out ? "policy" : "out", "%s is NULL", out ? "policy" : "out");
    return cs_json__dump(out, policy_json(p));
}

int cs_sla_policy_list_json(char **out, cs_db *db)
{
    cs_sla_policy **v = NULL;
    json_t *list;
    size_t n = 0;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_READ)) < 0 ||
        (rc = load_policies(&v, &n, db)) < 0)
        return rc;
    list = json_array();
    for (size_t i = 0; list && i < n; i++)
        if (json_array_append_new(list, policy_json(v[i])) < 0) {
            json_decref(list);
            list = NULL;
        }
    policies_free(v, n);
    return cs_json__dump(out, list);
}

/* Clocks ---------------------------------------------------------------------------------- */

struct clock {
    bool exists, dirty;
    int state;
    int64_t policy_id, target, calendar_id, elapsed;
    cs_time started_at, resumed_at, target_at, warn_at, fulfilled_at, warned_at, breached_at;
};

/* A ticket as the engine sees it, and its clocks indexed by metric. */
struct ctx {
    cs_db *db;
    int64_t ticket_id;
    cs_time now, created_at;
    int status, priority, type, channel_kind, channel_public;
    int64_t organization_id;
    char *tags; /* ",a,b," or NULL */
    int agent_replied; /* -1: not asked yet */
    const cs_sla_policy *pol;
    struct clock c[CS_SLA_RESOLUTION + 1];
};

static bool running(const struct clock *c)
{
    return c->exists && (c->state == CS_SLA_ACTIVE || c->state == CS_SLA_PAUSED);
}

static int load_ticket(struct ctx *x)
{
    sqlite3_stmt *st = cs_db__stmt(x->db, sql_ticket_ctx);
    int rc = CS_OK, step;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, x->ticket_id);
    if ((step = cs_db__step(x->db, st)) == SQLITE_ROW) {
        x->status = sqlite3_column_int(st, 0);
        x->priority = sqlite3_column_int(st, 1);
        x->type = sqlite3_column_int(st, 2);
        x->created_at = sqlite3_column_int64(st, 3);
        x->organization_id = sqlite3_column_int64(st, 4);
        x->channel_kind = sqlite3_column_int(st, 5);
        x->channel_public = sqlite3_column_int(st, 6);
        x->tags = cs_db__column_strdup(st, 7, &rc);
    } else {
        rc = step == SQLITE_DONE ? cs_error__set(CS_ENOTFOUND, "ticket_id",
                                                 "ticket %lld does not exist",
                                                 (long long)x->ticket_id)
                                 : cs_db__error(x->db, step, "read ticket for SLA");
    }
    cs_db__done(st);
    return rc;
}

static void clock_from_row(struct clock *c, sqlite3_stmt *st)
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

static int load_clocks(struct ctx *x)
{
    sqlite3_stmt *st = cs_db__stmt(x->db, sql_clocks);
    int step;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, x->ticket_id);
    while ((step = cs_db__step(x->db, st)) == SQLITE_ROW) {
        int metric = sqlite3_column_int(st, 0);
        if (cs_sla_metric_name(metric))
            clock_from_row(&x->c[metric], st);
    }
    cs_db__done(st);
    return step == SQLITE_DONE ? CS_OK : cs_db__error(x->db, step, "read SLA clocks");
}

static int save_clock(struct ctx *x, int metric, const struct clock *c)
{
    sqlite3_stmt *st = cs_db__stmt(x->db, sql_clock_save);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, x->ticket_id);
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
    return cs_db__exec_stmt(x->db, st);
}

static int record_event(cs_db *db, int64_t ticket_id, int metric, int kind, cs_time at,
                        cs_time target_at, int64_t policy_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_event);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, ticket_id);
    sqlite3_bind_int(st, 2, metric);
    sqlite3_bind_int(st, 3, kind);
    sqlite3_bind_int64(st, 4, at);
    bind_opt(st, 5, target_at);
    bind_opt(st, 6, policy_id);
    return cs_db__exec_stmt(db, st);
}

static int event(struct ctx *x, int metric, int kind, cs_time at)
{
    const struct clock *c = &x->c[metric];
    return record_event(x->db, x->ticket_id, metric, kind, at, c->target_at, c->policy_id);
}

/* Warnings and breaches -------------------------------------------------------------------- */

/* A warning or breach that fell due, recorded once at the instant it fell due (warn_at,
 * target_at), by the tick or by the ticket's next change, whichever comes first. */
struct due {
    int64_t ticket_id, policy_id;
    int metric, kind;
    cs_time at, target_at;
};

/* The order they are recorded in, by everyone: by the instant, warnings before breaches,
 * then ticket and metric. A ticket's log is then the same whatever the tick cadence. */
static int due_cmp(const void *a, const void *b)
{
    const struct due *x = a, *y = b;

    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->ticket_id != y->ticket_id)
        return x->ticket_id < y->ticket_id ? -1 : 1;
    return (x->metric > y->metric) - (x->metric < y->metric);
}

/* Append what clock `metric` has due by now and not recorded yet. */
static size_t clock_due(struct due *out, const struct ctx *x, int metric)
{
    const struct clock *c = &x->c[metric];
    size_t n = 0;

    if (!c->exists || c->state != CS_SLA_ACTIVE)
        return 0;
    if (c->warn_at && c->warn_at <= x->now && !c->warned_at)
        out[n++] = (struct due){x->ticket_id, c->policy_id, metric, CS_SLA_EVENT_WARNED,
                                c->warn_at, c->target_at};
    if (c->target_at && c->target_at <= x->now && !c->breached_at)
        out[n++] = (struct due){x->ticket_id, c->policy_id, metric, CS_SLA_EVENT_BREACHED,
                                c->target_at, c->target_at};
    return n;
}

/* Record what fell due on the running clocks (metric 0: all of them) before anything else
 * happens to them, as a tick right before this change would have. */
static int clocks_catch_up(struct ctx *x, int metric)
{
    struct due v[2 * CS_SLA_RESOLUTION];
    size_t n = 0;
    int rc = CS_OK;

    for (int m = CS_SLA_FIRST_REPLY; m <= CS_SLA_RESOLUTION; m++)
        if (!metric || m == metric)
            n += clock_due(&v[n], x, m);
    qsort(v, n, sizeof(*v), due_cmp);
    for (size_t i = 0; i < n && rc == CS_OK; i++) {
        struct clock *c = &x->c[v[i].metric];
        *(v[i].kind == CS_SLA_EVENT_WARNED ? &c->warned_at : &c->breached_at) = v[i].at;
        c->dirty = true;
        rc = record_event(x->db, x->ticket_id, v[i].metric, v[i].kind, v[i].at, v[i].target_at,
                          v[i].policy_id);
    }
    return rc;
}

/* Calendar errors (a calendar that never opens, a time out of its range) leave the clock
 * without a deadline instead of failing the ticket's change. */
static int calendar_soft(int rc)
{
    if (rc == CS_ENOTFOUND || rc == CS_EINVAL) {
        cs_error_clear();
        return 1;
    }
    return rc;
}

/* t plus `seconds` of the clock's time; 0 when there is no such instant. */
static int clock_add(cs_time *out, cs_db *db, const struct clock *c, cs_time t, int64_t seconds)
{
    const cs_calendar *cal;
    int rc;

    *out = t + seconds;
    if (!c->calendar_id)
        return CS_OK;
    if ((rc = cs_calendar__cached(&cal, db, c->calendar_id)) < 0)
        return rc;
    if ((rc = calendar_soft(cs_calendar_add_seconds(out, cal, t, seconds))) == 1)
        *out = 0;
    return rc < 0 ? rc : CS_OK;
}

/* The clock's seconds in [from, to). */
static int clock_between(int64_t *out, cs_db *db, const struct clock *c, cs_time from,
                         cs_time to)
{
    const cs_calendar *cal;
    int rc;

    *out = to - from;
    if (!c->calendar_id || from >= to)
        return CS_OK;
    if ((rc = cs_calendar__cached(&cal, db, c->calendar_id)) < 0)
        return rc;
    if ((rc = calendar_soft(cs_calendar_seconds_between(out, cal, from, to))) == 1)
        *out = 0;
    return rc < 0 ? rc : CS_OK;
}

/* Deadline and warning of a running clock: what is left of the target, from resumed_at. */
static int clock_compute(struct ctx *x, struct clock *c)
{
    int pct = x->pol ? x->pol->warn_percent : DEFAULT_WARN_PERCENT;
    int rc;

    c->dirty = true;
    c->target_at = c->warn_at = 0;
    if (c->state != CS_SLA_ACTIVE)
        return CS_OK;
    if ((rc = clock_add(&c->target_at, x->db, c, c->resumed_at, c->target - c->elapsed)) < 0 ||
        (rc = clock_add(&c->warn_at, x->db, c, c->resumed_at,
                        c->target * pct / 100 - c->elapsed)) < 0)
        return rc;
    /* A deadline moved into the future (a longer target) is warned and breached anew. */
    if (c->target_at > x->now)
        c->breached_at = 0;
    if (c->warn_at > x->now)
        c->warned_at = 0;
    return CS_OK;
}

/* Fold the running stretch into elapsed, from resumed_at to now. */
static int clock_fold(struct ctx *x, struct clock *c)
{
    int64_t ran = 0;
    int rc;

    if (c->state != CS_SLA_ACTIVE)
        return CS_OK;
    if ((rc = clock_between(&ran, x->db, c, c->resumed_at, x->now)) < 0)
        return rc;
    c->elapsed += ran;
    c->resumed_at = x->now;
    return CS_OK;
}

/* Pause, fulfil or cancel a clock now. */
static int clock_stop(struct ctx *x, int metric, int state, int kind)
{
    struct clock *c = &x->c[metric];
    int rc;

    /* A deadline computed in this change may already lie behind. */
    if ((rc = clocks_catch_up(x, metric)) < 0 || (rc = clock_fold(x, c)) < 0 ||
        (rc = event(x, metric, kind, x->now)) < 0)
        return rc;
    c->state = state;
    c->resumed_at = 0;
    c->dirty = true;
    if (state == CS_SLA_PAUSED)
        c->target_at = c->warn_at = 0;
    if (state == CS_SLA_FULFILLED)
        c->fulfilled_at = x->now;
    return CS_OK;
}

/* Start (from zero) or resume a clock at `at`. */
static int clock_run(struct ctx *x, int metric, int kind, cs_time at)
{
    struct clock *c = &x->c[metric];
    int rc;

    if (kind == CS_SLA_EVENT_STARTED) {
        c->started_at = at;
        c->elapsed = 0;
        c->warned_at = c->breached_at = 0;
    }
    c->exists = true;
    c->fulfilled_at = 0;
    c->resumed_at = at;
    c->state = CS_SLA_ACTIVE;
    if ((rc = clock_compute(x, c)) < 0)
        return rc;
    return event(x, metric, kind, at);
}

static const cs_sla_target *find_target(const cs_sla_policy *p, int metric, int priority)
{
    const cs_sla_target *any = NULL;

    for (size_t i = 0; p && i < p->ntargets; i++) {
        if (p->targets[i].metric != metric)
            continue;
        if (p->targets[i].priority == priority)
            return &p->targets[i];
        if (!p->targets[i].priority)
            any = &p->targets[i];
    }
    return any;
}

static void clock_assign(struct clock *c, const cs_sla_policy *p, const cs_sla_target *t)
{
    c->policy_id = p->id;
    c->target = t->seconds;
    c->calendar_id = t->business ? t->calendar_id : 0;
}

static bool target_differs(const struct clock *c, const cs_sla_policy *p, const cs_sla_target *t)
{
    return c->policy_id != p->id || c->target != t->seconds ||
           c->calendar_id != (t->business ? t->calendar_id : 0);
}

/* Policy selection ------------------------------------------------------------------------ */

static bool has_tag(const struct ctx *x, const char *tag)
{
    char needle[CS_TAG_MAX + 3];

    snprintf(needle, sizeof(needle), ",%s,", tag ? tag : "");
    return x->tags && strstr(x->tags, needle);
}

static bool condition_matches(const struct ctx *x, const struct sla_cond *c)
{
    switch (c->kind) {
    case CS_SLA_COND_CHANNEL_KIND:
        return x->channel_kind == c->value;
    case CS_SLA_COND_PRIORITY:
        return x->priority == c->value;
    case CS_SLA_COND_TYPE:
        return x->type == c->value;
    case CS_SLA_COND_ORGANIZATION:
        return x->organization_id == c->value;
    case CS_SLA_COND_TAG:
        return has_tag(x, c->text);
    case CS_SLA_COND_PUBLIC_CHANNEL:
        return x->channel_public == c->value;
    default:
        return false;
    }
}

static const cs_sla_policy *select_policy(const struct cs_sla_cache *cache, const struct ctx *x)
{
    for (size_t i = 0; i < cache->n; i++) {
        size_t j = 0;
        while (j < cache->v[i]->nconds && condition_matches(x, &cache->v[i]->conds[j]))
            j++;
        if (j == cache->v[i]->nconds)
            return cache->v[i];
    }
    return NULL;
}

static int agent_replied(struct ctx *x, bool *out)
{
    sqlite3_stmt *st;
    int step;

    if (x->agent_replied < 0) {
        if (!(st = cs_db__stmt(x->db, sql_agent_replied)))
            return cs_error_last()->code;
        sqlite3_bind_int64(st, 1, x->ticket_id);
        step = cs_db__step(x->db, st);
        cs_db__done(st);
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            return cs_db__error(x->db, step, "read replies");
        x->agent_replied = step == SQLITE_ROW;
    }
    *out = x->agent_replied;
    return CS_OK;
}

/* The engine ------------------------------------------------------------------------------ */

/* A clock that runs under the selected policy: new targets when they changed, cancelled
 * when the policy has none for it. */
static int reconcile_running(struct ctx *x, int metric, const cs_sla_target *t)
{
    struct clock *c = &x->c[metric];
    int rc;

    if (!t)
        return clock_stop(x, metric, CS_SLA_CANCELLED, CS_SLA_EVENT_CANCELLED);
    if (!target_differs(c, x->pol, t))
        return CS_OK;
    /* Time run so far counts in the old calendar; from now on the new one. */
    if ((rc = clock_fold(x, c)) < 0)
        return rc;
    clock_assign(c, x->pol, t);
    if ((rc = clock_compute(x, c)) < 0)
        return rc;
    return event(x, metric, CS_SLA_EVENT_APPLIED, x->now);
}

/* Bring the clocks in line with the selected policy. First reply and resolution start at
 * the ticket's creation when a policy with targets for them applies and they never ran. */
static int reconcile(struct ctx *x)
{
    bool replied;
    int rc;

    for (int m = CS_SLA_FIRST_REPLY; m <= CS_SLA_RESOLUTION; m++) {
        const cs_sla_target *t = find_target(x->pol, m, x->priority);
        struct clock *c = &x->c[m];

        if (running(c)) {
            if ((rc = reconcile_running(x, m, t)) < 0)
                return rc;
            continue;
        }
        if (c->exists || !t || x->status >= CS_STATUS_SOLVED ||
            (m != CS_SLA_FIRST_REPLY && m != CS_SLA_RESOLUTION))
            continue;
        if (m == CS_SLA_FIRST_REPLY && ((rc = agent_replied(x, &replied)) < 0 || replied)) {
            if (rc < 0)
                return rc;
            continue;
        }
        clock_assign(c, x->pol, t);
        if ((rc = clock_run(x, m, CS_SLA_EVENT_STARTED, x->created_at)) < 0)
            return rc;
    }
    return CS_OK;
}

/* Whether a running clock should be paused in the ticket's status. */
static bool pauses(const struct ctx *x, int metric)
{
    bool pending = x->status == CS_STATUS_PENDING, on_hold = x->status == CS_STATUS_ON_HOLD;

    if (metric == CS_SLA_PERIODIC_UPDATE)
        return pending || on_hold;
    if (metric == CS_SLA_RESOLUTION)
        return (pending && x->pol->pause_pending) || (on_hold && x->pol->pause_on_hold);
    return false;
}

/* A solved ticket reopened: the resolution clock resumes or restarts, per policy. */
static int reopen(struct ctx *x)
{
    struct clock *c = &x->c[CS_SLA_RESOLUTION];
    const cs_sla_target *t = find_target(x->pol, CS_SLA_RESOLUTION, x->priority);

    if (!c->exists || c->state != CS_SLA_FULFILLED || !t)
        return CS_OK;
    clock_assign(c, x->pol, t);
    return clock_run(x, CS_SLA_RESOLUTION,
                     x->pol->reopen == CS_SLA_REOPEN_RESTART ? CS_SLA_EVENT_STARTED
                                                             : CS_SLA_EVENT_RESUMED,
                     x->now);
}

/* The status rules: solved fulfils resolution and cancels the reply clocks, closed cancels
 * what still runs, pending and on-hold pause per policy, open resumes; reopen. */
static int apply_status(struct ctx *x)
{
    bool ended = x->status == CS_STATUS_SOLVED || x->status == CS_STATUS_CLOSED;
    int rc = CS_OK;

    if (!x->pol)
        return CS_OK;
    if (!ended && (rc = reopen(x)) < 0)
        return rc;
    for (int m = CS_SLA_FIRST_REPLY; m <= CS_SLA_RESOLUTION && rc == CS_OK; m++) {
        struct clock *c = &x->c[m];
        if (!running(c))
            continue;
        if (ended && m == CS_SLA_RESOLUTION && x->status == CS_STATUS_SOLVED)
            rc = clock_stop(x, m, CS_SLA_FULFILLED, CS_SLA_EVENT_FULFILLED);
        else if (ended)
            rc = clock_stop(x, m, CS_SLA_CANCELLED, CS_SLA_EVENT_CANCELLED);
        else if (pauses(x, m) && c->state == CS_SLA_ACTIVE)
            rc = clock_stop(x, m, CS_SLA_PAUSED, CS_SLA_EVENT_PAUSED);
        else if (!pauses(x, m) && c->state == CS_SLA_PAUSED)
            rc = clock_run(x, m, CS_SLA_EVENT_RESUMED, x->now);
    }
    return rc;
}

/* A customer's public message starts the next-reply clock, unless one runs already (the
 * oldest unanswered message counts) or the first reply is still awaited. */
static int customer_message(struct ctx *x)
{
    const cs_sla_target *t = find_target(x->pol, CS_SLA_NEXT_REPLY, x->priority);
    struct clock *first = &x->c[CS_SLA_FIRST_REPLY];
    bool replied = true;
    int rc;

    if (!t || x->status >= CS_STATUS_SOLVED || running(&x->c[CS_SLA_NEXT_REPLY]) ||
        running(first))
        return CS_OK;
    if (!first->exists && (rc = agent_replied(x, &replied)) < 0)
        return rc;
    if (!replied)
        return CS_OK;
    clock_assign(&x->c[CS_SLA_NEXT_REPLY], x->pol, t);
    return clock_run(x, CS_SLA_NEXT_REPLY, CS_SLA_EVENT_STARTED, x->now);
}

/* An agent's public reply fulfils the first reply, else the next reply, and the periodic
 * update, whose next cycle starts at once. */
static int agent_reply(struct ctx *x)
{
    const cs_sla_target *t = find_target(x->pol, CS_SLA_PERIODIC_UPDATE, x->priority);
    int rc = CS_OK;

    if (running(&x->c[CS_SLA_FIRST_REPLY]))
        rc = clock_stop(x, CS_SLA_FIRST_REPLY, CS_SLA_FULFILLED, CS_SLA_EVENT_FULFILLED);
    else if (running(&x->c[CS_SLA_NEXT_REPLY]))
        rc = clock_stop(x, CS_SLA_NEXT_REPLY, CS_SLA_FULFILLED, CS_SLA_EVENT_FULFILLED);
    if (rc == CS_OK && running(&x->c[CS_SLA_PERIODIC_UPDATE]))
        rc = clock_stop(x, CS_SLA_PERIODIC_UPDATE, CS_SLA_FULFILLED, CS_SLA_EVENT_FULFILLED);
    if (rc < 0 || !t || x->status >= CS_STATUS_SOLVED)
        return rc;
    clock_assign(&x->c[CS_SLA_PERIODIC_UPDATE], x->pol, t);
    return clock_run(x, CS_SLA_PERIODIC_UPDATE, CS_SLA_EVENT_STARTED, x->now);
}

static int save_clocks(struct ctx *x)
{
    int rc = CS_OK;

    for (int m = CS_SLA_FIRST_REPLY; m <= CS_SLA_RESOLUTION && rc == CS_OK; m++)
        if (x->c[m].dirty)
            rc = save_clock(x, m, &x->c[m]);
    return rc;
}

/* One run for everything an operation did to a ticket: its clocks are read and written
 * once. The ticket's fields and status are read as they are now, so status and field
 * changes need no order among themselves; messages are answered in the order they came. */
static int run_engine(struct ctx *x, const struct cs_sla_cache *cache, const cs_react__change *c)
{
    int rc;

    if ((rc = load_ticket(x)) < 0 || (rc = load_clocks(x)) < 0 ||
        (rc = clocks_catch_up(x, 0)) < 0)
        return rc;
    x->pol = select_policy(cache, x);
    if ((rc = reconcile(x)) < 0)
        return rc;
    for (size_t i = 0; x->pol && rc == CS_OK && i < c->nseq; i++) {
        if (c->seq[i] == CS_REACT__CUSTOMER_MESSAGE)
            rc = customer_message(x);
        else if (c->seq[i] == CS_REACT__AGENT_REPLY)
            rc = agent_reply(x);
    }
    if (rc < 0 || (rc = apply_status(x)) < 0)
        return rc;
    return save_clocks(x);
}

int cs_sla__react(cs_db *db, const cs_react__change *c)
{
    struct cs_sla_cache *cache = NULL;
    struct ctx x;
    int rc;

    if ((rc = cached_policies(&cache, db)) < 0)
        return rc;
    /* No policies, no clocks: deleting a policy cancels the clocks it ran. */
    if (!cache->n)
        return CS_OK;
    memset(&x, 0, sizeof(x));
    x.db = db;
    x.ticket_id = c->ticket_id;
    x.now = cs_db_now(db);
    x.agent_replied = c->what & CS_REACT__CREATED ? 0 : -1;
    rc = run_engine(&x, cache, c);
    cs_mem__free(x.tags);
    return rc;
}

int cs_sla__first_reply_due(cs_time *out, cs_db *db, int64_t ticket_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_first_reply_due);
    int step;

    *out = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, ticket_id);
    if ((step = cs_db__step(db, st)) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    cs_db__done(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CS_OK
                                                     : cs_db__error(db, step, "read SLA clock");
}

/* The tick -------------------------------------------------------------------------------- */

/* Append the rows of `sql` (due warnings or breaches) to v. Everything is read before
 * anything is written, so the query's index is not disturbed by the updates. */
static int collect_due(struct due **v, size_t *n, cs_db *db, const char *sql, int kind,
                       cs_time now, int64_t policy_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);
    struct due *grown;
    int rc = CS_OK, step;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, policy_id);
    while ((step = cs_db__step(db, st)) == SQLITE_ROW) {
        if (!(grown = cs_mem__realloc(*v, (*n + 1) * sizeof(*grown)))) {
            rc = cs_error__nomem();
            break;
        }
        *v = grown;
        grown[(*n)++] = (struct due){sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 4),
                                     sqlite3_column_int(st, 1), kind,
                                     sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)};
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read due SLA clocks");
    cs_db__done(st);
    return rc;
}

static int mark_due(cs_db *db, const struct due *d)
{
    sqlite3_stmt *st = cs_db__stmt(db, d->kind == CS_SLA_EVENT_WARNED ? sql_mark_warned
                                                                      : sql_mark_breached);
    int rc;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, d->ticket_id);
    sqlite3_bind_int(st, 2, d->metric);
    sqlite3_bind_int64(st, 3, d->at);
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
        return rc;
    return record_event(db, d->ticket_id, d->metric, d->kind, d->at, d->target_at, d->policy_id);
}

/* The result lists warnings first, each kind by time; v is sorted by time. */
static int report_due(cs_tick_result *r, const struct due *v, size_t n)
{
    cs_tick_item *grown;

    if (!n)
        return CS_OK;
    if (!(grown = cs_mem__realloc(r->items, (r->n + n) * sizeof(*grown))))
        return cs_error__nomem();
    r->items = grown;
    for (int kind = CS_SLA_EVENT_WARNED; kind <= CS_SLA_EVENT_BREACHED; kind++)
        for (size_t i = 0; i < n; i++)
            if (v[i].kind == kind)
                r->items[r->n++] = (cs_tick_item){v[i].ticket_id, v[i].metric, kind, v[i].at};
    for (size_t i = 0; i < n; i++)
        *(v[i].kind == CS_SLA_EVENT_WARNED ? &r->warned : &r->breached) += 1;
    return CS_OK;
}

/* Record the warnings and breaches due by `now` on running clocks (of one policy, or of all
 * for 0), in the order of due_cmp; report them to r when it is not NULL. */
static int record_due(cs_db *db, cs_time now, int64_t policy_id, cs_tick_result *r)
{
    struct due *v = NULL;
    size_t n = 0;
    int rc;

    if ((rc = collect_due(&v, &n, db, sql_due_warnings, CS_SLA_EVENT_WARNED, now,
                          policy_id)) == CS_OK)
        rc = collect_due(&v, &n, db, sql_due_breaches, CS_SLA_EVENT_BREACHED, now, policy_id);
    if (rc == CS_OK && n)
        qsort(v, n, sizeof(*v), due_cmp);
    for (size_t i = 0; i < n && rc == CS_OK; i++)
        rc = mark_due(db, &v[i]);
    if (rc == CS_OK && r)
        rc = report_due(r, v, n);
    cs_mem__free(v);
    return rc;
}

int cs_sla__tick(cs_tick_result *r, cs_db *db, cs_time now)
{
    return record_due(db, now, 0, r);
}

/* Reports --------------------------------------------------------------------------------- */

void cs_sla_clocks_free(cs_sla_clocks *s)
{
    if (!s)
        return;
    cs_mem__free(s->clocks);
    cs_mem__free(s);
}

static int report_clock(cs_sla_clock *out, struct ctx *x, int metric)
{
    struct clock *c = &x->c[metric];
    int64_t ran = 0;
    int rc;

    if (c->state == CS_SLA_ACTIVE &&
        (rc = clock_between(&ran, x->db, c, c->resumed_at, x->now)) < 0)
        return rc;
    *out = (cs_sla_clock){metric, c->state, c->policy_id, c->target, c->calendar_id != 0,
                          c->calendar_id, c->started_at, c->target_at, c->warn_at,
                          c->fulfilled_at, c->warned_at, c->breached_at, c->elapsed + ran};
    if (c->state == CS_SLA_ACTIVE && (c->breached_at || (c->target_at && c->target_at <= x->now)))
        out->state = CS_SLA_BREACHED;
    return CS_OK;
}

static int build_report(cs_sla_clocks *s, struct ctx *x)
{
    int rc;

    if ((rc = load_clocks(x)) < 0)
        return rc;
    for (int m = CS_SLA_FIRST_REPLY; m <= CS_SLA_RESOLUTION; m++)
        s->n += x->c[m].exists;
    if (s->n && !(s->clocks = cs_mem__calloc(s->n, sizeof(*s->clocks))))
        return cs_error__nomem();
    s->n = 0;
    for (int m = CS_SLA_FIRST_REPLY; m <= CS_SLA_RESOLUTION; m++)
        if (x->c[m].exists && (rc = report_clock(&s->clocks[s->n++], x, m)) < 0)
            return rc;
    return CS_OK;
}

int cs_sla_status(cs_sla_clocks **out, cs_db *db, int64_t ticket_id)
{
    cs_sla_clocks *s;
    cs_actor by;
    struct ctx x;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_TICKET_READ)) < 0 ||
        (rc = cs_ticket__reach(db, &by, CS_CAP_TICKET_READ, ticket_id, "id")) < 0)
        return rc;
    if (!(s = cs_mem__calloc(1, sizeof(*s))))
        return cs_error__nomem();
    memset(&x, 0, sizeof(x));
    x.db = db;
    x.ticket_id = s->ticket_id = ticket_id;
    x.now = s->now = cs_db_now(db);
    if ((rc = build_report(s, &x)) < 0) {
        cs_sla_clocks_free(s);
        return rc;
    }
    *out = s;
    return CS_OK;
}

static json_t *clock_json(const cs_sla_clock *c)
{
    return json_pack("{s:s, s:o, s:I, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "state",
                     cs_sla_state_name(c->state), "policy_id", cs_json__id(c->policy_id), "target",
                     (json_int_t)c->target, "business", c->business, "calendar_id",
                     cs_json__id(c->calendar_id), "started_at", cs_json__time(c->started_at),
                     "target_at", cs_json__time(c->target_at), "warn_at", cs_json__time(c->warn_at),
                     "fulfilled_at", cs_json__time(c->fulfilled_at), "warned_at",
                     cs_json__time(c->warned_at), "breached_at", cs_json__time(c->breached_at),
                     "elapsed", (json_int_t)c->elapsed);
}

int cs_sla_clocks_to_json(char **out, const cs_sla_clocks *s)
{
    json_t *clocks;

    if (!out || !s)
        return cs_error__inval(out ? "clocks" : "out", "%s is NULL", out ? "clocks" : "out");
    clocks = json_object();
    for (size_t i = 0; clocks && i < s->n; i++)
        if (json_object_set_new(clocks, cs_sla_metric_name(s->clocks[i].metric),
                                clock_json(&s->clocks[i])) < 0) {
            json_decref(clocks);
            clocks = NULL;
        }
    if (!clocks)
        return cs_error__nomem();
    return cs_json__dump(out, json_pack("{s:I, s:o}", "ticket_id", (json_int_t)s->ticket_id,
                                        "clocks", clocks));
}

static json_t *event_json(sqlite3_stmt *st)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:o}", "metric",
                     cs_sla_metric_name(sqlite3_column_int(st, 0)), "kind",
                     cs_sla_event_kind_name(sqlite3_column_int(st, 1)), "at",
                     cs_json__time(sqlite3_column_int64(st, 2)), "target_at",
                     cs_json__time(sqlite3_column_int64(st, 3)), "policy_id",
                     cs_json__id(sqlite3_column_int64(st, 4)));
}

int cs_sla_events_json(char **out, cs_db *db, int64_t ticket_id)
{
    sqlite3_stmt *st;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_TICKET_READ)) < 0 ||
        (rc = cs_ticket__reach(db, &by, CS_CAP_TICKET_READ, ticket_id, "id")) < 0)
        return rc;
    if (!(st = cs_db__stmt(db, sql_events)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, ticket_id);
    return cs_json__rows(out, db, st, event_json, "read SLA events");
}

/* The queue -------------------------------------------------------------------------------- */

/* Ticket ids, for the queue: open addressing, 0 marks a free slot. */
struct id_set {
    int64_t *slots;
    size_t capacity; /* a power of two */
    size_t used;
};

static size_t id_slot(const struct id_set *set, int64_t id)
{
    size_t i = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ull) & (set->capacity - 1);

    while (set->slots[i] && set->slots[i] != id)
        i = (i + 1) & (set->capacity - 1);
    return i;
}

static bool id_set_has(const struct id_set *set, int64_t id)
{
    return set->capacity && set->slots[id_slot(set, id)] == id;
}

static int id_set_add(struct id_set *set, int64_t id)
{
    if ((set->used + 1) * 2 > set->capacity) {
        struct id_set bigger = {NULL, set->capacity ? set->capacity * 2 : 256, set->used};
        if (!(bigger.slots = cs_mem__calloc(bigger.capacity, sizeof(*bigger.slots))))
            return cs_error__nomem();
        for (size_t i = 0; i < set->capacity; i++)
            if (set->slots[i])
                bigger.slots[id_slot(&bigger, set->slots[i])] = set->slots[i];
        cs_mem__free(set->slots);
        *set = bigger;
    }
    size_t i = id_slot(set, id);
    if (!set->slots[i]) {
        set->slots[i] = id;
        set->used++;
    }
    return CS_OK;
}

struct cs_sla_queue_iter {
    cs_db *db;
    sqlite3_stmt *due, *rest; /* rest is NULL when the filter has bounds */
    /* The key of the due part is (target_at, ticket id), the page's key the ticket id. */
    cs_time after_at;
    /* Tickets the due part gave: one whose deadline moves past the position between two
     * pages, or whose clocks stop, would come up again. */
    struct id_set given;
    cs_page page; /* on due, then on rest */
    cs_sla_queue_item items[CS_PAGE_ROWS];
};

void cs_sla_queue_iter_free(cs_sla_queue_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->due);
    sqlite3_finalize(it->rest);
    cs_mem__free(it->given.slots);
    cs_mem__free(it);
}

static int queue_prepare(cs_sla_queue_iter *it, const cs_sla_queue_filter *f, int64_t scope)
{
    bool bounded = f->due_after || f->due_until;
    int rc;

    if ((rc = cs_db__prepare(&it->due, it->db, sql_queue_due, "list the SLA queue")) < 0 ||
        (!bounded &&
         (rc = cs_db__prepare(&it->rest, it->db, sql_queue_rest, "list the SLA queue")) < 0))
        return rc;
    sqlite3_bind_int64(it->due, 1, f->due_until ? f->due_until : INT64_MAX);
    sqlite3_bind_int64(it->due, 5, scope);
    if (it->rest)
        sqlite3_bind_int64(it->rest, 3, scope);
    /* After every ticket at due_after: deadlines later than it. */
    it->after_at = f->due_after ? f->due_after : INT64_MIN;
    it->page = (cs_page)CS_PAGE_INIT(it->due, 3, INT64_MAX, 4, 0);
    return CS_OK;
}

int cs_sla_queue_iter_new(cs_sla_queue_iter **out, cs_db *db, const cs_sla_queue_filter *filter)
{
    cs_sla_queue_filter all = CS_SLA_QUEUE_FILTER_INIT;
    const cs_sla_queue_filter *f = filter ? filter : &all;
    cs_sla_queue_iter *it;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if (f->version != CS_SLA_QUEUE_FILTER_VERSION)
        return cs_error__inval("filter", "filter version %u is not %d", f->version,
                               CS_SLA_QUEUE_FILTER_VERSION);
    if (f->due_after < 0 || f->due_until < 0)
        return cs_error__inval(f->due_after < 0 ? "due_after" : "due_until",
                               "times are not negative");
    if ((rc = cs_perm__require(&by, db, CS_CAP_REPORT_READ)) < 0)
        return rc;
    if (!(it = cs_mem__calloc(1, sizeof(*it))))
        return cs_error__nomem();
    it->db = db;
    if ((rc = queue_prepare(it, f, cs_perm__scope(&by))) < 0) {
        cs_sla_queue_iter_free(it);
        return rc;
    }
    *out = it;
    return CS_OK;
}

static int keep_queued(void *payload, sqlite3_stmt *st)
{
    cs_sla_queue_iter *it = payload;
    cs_sla_queue_item *item = &it->items[it->page.n];
    int64_t id = sqlite3_column_int64(st, 0);
    bool given = id_set_has(&it->given, id);
    int rc;

    if (it->page.st == it->rest) {
        it->page.key = id;
        if (!given) {
            *item = (cs_sla_queue_item){id, 0, 0};
            it->page.n++;
        }
        return CS_OK;
    }
    if (!given) {
        if ((rc = id_set_add(&it->given, id)) < 0)
            return rc;
        *item = (cs_sla_queue_item){id, sqlite3_column_int(st, 1), sqlite3_column_int64(st, 2)};
        it->page.n++;
    }
    it->after_at = sqlite3_column_int64(st, 2);
    it->page.key = id;
    return CS_OK;
}

/* Read pages until one gives a ticket or the queue ends: a page may give none when all its
 * tickets came up before. */
static int queue_fill(cs_sla_queue_iter *it)
{
    bool in_rest;
    int rc;

    while (it->page.pos == it->page.n &&
           !(it->page.end && (it->page.st == it->rest || !it->rest))) {
        if (it->page.end)
            it->page = (cs_page)CS_PAGE_INIT(it->rest, 1, 0, 2, 0);
        in_rest = it->page.st == it->rest;
        if (!in_rest)
            sqlite3_bind_int64(it->due, 2, it->after_at);
        if ((rc = cs_db__page(&it->page, it->db, keep_queued, it, "list the SLA queue")) < 0)
            return rc;
    }
    return CS_OK;
}

int cs_sla_queue_next(cs_sla_queue_item *out, cs_sla_queue_iter *it)
{
    int rc;

    if (!out || !it)
        return cs_error__inval(out ? "it" : "out", "%s is NULL", out ? "it" : "out");
    memset(out, 0, sizeof(*out));
    if ((rc = queue_fill(it)) < 0)
        return rc;
    if (it->page.pos == it->page.n)
        return CS_ITEROVER;
    *out = it->items[it->page.pos++];
    return CS_OK;
}
