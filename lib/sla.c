/*
 * libcs - SLAs: policies, the clocks they run on tickets, the event log, the tick's SLA part
 * and the queue ordered by due time. The rules are in docs/sla.md.
 *
 * One entry point, cs_sla__react(), hears everything that happens to tickets. Each call
 * loads the ticket and its clocks, selects the first matching policy, reconciles the clocks
 * with it (new policy or priority: new targets; no policy: cancel), applies the event
 * (replies, customer messages) and the status rules (pause, resume, fulfil, reopen), and
 * writes back the clocks that changed, with an sla_event row for everything that happened.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "perm.h"
#include "audit.h"
#include "ticket.h"
#include "calendar.h"
#include "react.h"
#include "sla.h"
#include "store/sla.h"
#include "store/calendar.h"
#include "store/message.h"

#define TARGET_MAX (365 * 86400LL)
#define DEFAULT_WARN_PERCENT 80

static const cs_name metric_names[] = {
    {CS_SLA_FIRST_REPLY, "first_reply"},
    {CS_SLA_NEXT_REPLY, "next_reply"},
    {CS_SLA_PERIODIC_UPDATE, "periodic_update"},
    {CS_SLA_RESOLUTION, "resolution"},
};
static const cs_name condition_names[] = {
    {CS_SLA_COND_CHANNEL_KIND, "channel_kind"},
    {CS_SLA_COND_PRIORITY, "priority"},
    {CS_SLA_COND_TYPE, "type"},
    {CS_SLA_COND_ORGANIZATION, "organization"},
    {CS_SLA_COND_TAG, "tag"},
    {CS_SLA_COND_PUBLIC_CHANNEL, "public_channel"},
};
static const cs_name state_names[] = {
    {CS_SLA_ACTIVE, "active"},       {CS_SLA_PAUSED, "paused"},     {CS_SLA_FULFILLED, "fulfilled"},
    {CS_SLA_CANCELLED, "cancelled"}, {CS_SLA_BREACHED, "breached"},
};
static const cs_name event_names[] = {
    {CS_SLA_EVENT_APPLIED, "applied"},     {CS_SLA_EVENT_STARTED, "started"},
    {CS_SLA_EVENT_PAUSED, "paused"},       {CS_SLA_EVENT_RESUMED, "resumed"},
    {CS_SLA_EVENT_FULFILLED, "fulfilled"}, {CS_SLA_EVENT_WARNED, "warned"},
    {CS_SLA_EVENT_BREACHED, "breached"},   {CS_SLA_EVENT_CANCELLED, "cancelled"},
};

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

/* The handle's policies, in the order they are tried, valid while sla_revision is unchanged. */
struct cs_sla_cache {
    int64_t revision;
    cs_sla_policy **v;
    size_t n;
};

void cs_sla_policy_free(cs_sla_policy *p)
{
    cs_sla__policy_free(p);
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

/* The handle's policies, reloaded when the revision moved: one query when nothing changed. */
static int cached_policies(struct cs_sla_cache **out, cs_db *db)
{
    struct cs_sla_cache *c = cs_db__state(db, &cache_key);
    int64_t revision;
    int rc;

    if ((rc = cs_store__sla_revision(&revision, db)) < 0)
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
    if ((rc = cs_store__sla_policies(&c->v, &c->n, db)) < 0)
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
        return ok ? CS_OK
                  : cs_error__inval(field, "%s: \"%.64s\" is not a tag", field,
                                    c->text ? c->text : "");
    }
    return ok ? CS_OK
              : cs_error__inval(field, "%s: %lld is not valid for a %s condition", field,
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
        return cs_error__inval(FIELD("business"), "%s must be 0 or 1, not %d", field, t->business);
    if (t->business && t->calendar_id <= 0)
        return cs_error__inval(FIELD("calendar_id"),
                               "%s: a business-time target needs a "
                               "calendar",
                               field);
    if (!t->business && t->calendar_id)
        return cs_error__inval(FIELD("calendar_id"),
                               "%s: only business-time targets take a "
                               "calendar",
                               field);
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

/* Business targets need a stored calendar that opens again (cs_calendar_store() refuses
 * others, but one stored by an older libcs, or whose last opening is past, may be there). */
static int check_calendars(cs_db *db, const cs_sla_policy_fields *f)
{
    char field[CS_ERROR_FIELD_MAX];
    const cs_calendar *cal;
    int64_t revision;
    bool found;
    int rc;

    for (size_t i = 0; f->targets && i < f->ntargets; i++) {
        int64_t id = f->targets[i].calendar_id;
        if (!f->targets[i].business)
            continue;
        snprintf(field, sizeof(field), "targets[%zu].calendar_id", i);
        if ((rc = cs_store__calendar_revision(&revision, &found, db, id)) < 0)
            return rc;
        if (!found)
            return cs_error__set(CS_ENOTFOUND, field, "calendar %lld does not exist",
                                 (long long)id);
        if ((rc = cs_calendar__cached(&cal, db, id)) < 0)
            return rc;
        if (!cs_calendar__opens_from(cal, cs_db_now(db)))
            return cs_error__inval(field, "%s: calendar %lld never opens between now and 2100",
                                   field, (long long)id);
    }
    return CS_OK;
}

static int policy_exists(cs_db *db, int64_t id)
{
    bool found;
    int rc;

    if ((rc = cs_store__sla_policy_exists(&found, db, id)) < 0 || found)
        return rc;
    return cs_error__set(CS_ENOTFOUND, "id", "SLA policy %lld does not exist", (long long)id);
}

/* Replace the conditions and targets that are given. */
static int write_lists(cs_db *db, int64_t id, const cs_sla_policy_fields *f)
{
    int rc = CS_OK;

    if (f->conditions &&
        (rc = cs_store__sla_conditions_set(db, id, f->conditions, f->nconditions)) < 0)
        return rc;
    if (f->targets)
        rc = cs_store__sla_targets_set(db, id, f->targets, f->ntargets);
    return rc;
}

/* After a write: bump the revision (every handle's cache reloads) and audit. */
static int policy_written(cs_db *db, const cs_actor *by, int64_t id, const char *action,
                          const char *name)
{
    int rc;

    if ((rc = cs_store__sla_revision_bump(db)) < 0)
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

static int policy_create(int64_t *id, cs_db *db, const cs_actor *by, const cs_sla_policy_fields *f)
{
    cs_sla_policy_fields row = *f;
    int rc;

    row.pause_pending = f->pause_pending != 0;
    row.pause_on_hold = f->pause_on_hold != 0;
    row.reopen = f->reopen ? f->reopen : CS_SLA_REOPEN_RESUME;
    row.warn_percent = f->warn_percent == CS_UNSET ? DEFAULT_WARN_PERCENT : f->warn_percent;
    if ((rc = check_calendars(db, f)) < 0 ||
        (row.position == CS_UNSET &&
         (rc = cs_store__sla_policy_next_position(&row.position, db)) < 0))
        return rc;
    if ((rc = name_taken(cs_store__sla_policy_insert(id, db, &row, cs_db_now(db)), f->name)) < 0 ||
        (rc = write_lists(db, *id, f)) < 0)
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

static int policy_update(cs_db *db, const cs_actor *by, int64_t id, const cs_sla_policy_fields *f)
{
    cs_sla_policy_fields row = *f;
    int rc;

    if ((rc = policy_exists(db, id)) < 0 || (rc = check_calendars(db, f)) < 0)
        return rc;
    if (!f->reopen)
        row.reopen = CS_UNSET;
    rc = cs_store__sla_policy_update(db, id, &row, cs_db_now(db));
    if ((rc = name_taken(rc, f->name)) < 0 || (rc = write_lists(db, id, f)) < 0)
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
    int rc;

    /* What fell due before the deletion is history, whether a tick recorded it or not. */
    if ((rc = policy_exists(db, id)) < 0 || (rc = record_due(db, cs_db_now(db), id, NULL)) < 0 ||
        (rc = cs_store__sla_clocks_cancel(db, id, cs_db_now(db))) < 0 ||
        (rc = cs_store__sla_policy_delete(db, id)) < 0)
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
        (rc = cs_store__sla_policies(&v, &n, db)) < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (v[i]->id == id) {
            *out = v[i];
            v[i] = NULL;
        }
    }
    policies_free(v, n);
    if (!*out)
        return cs_error__set(CS_ENOTFOUND, "id", "SLA policy %lld does not exist", (long long)id);
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

int cs_sla_policy_pause_pending(const cs_sla_policy *p)
{
    return p ? p->pause_pending : 0;
}

int cs_sla_policy_pause_on_hold(const cs_sla_policy *p)
{
    return p ? p->pause_on_hold : 0;
}

int cs_sla_policy_reopen(const cs_sla_policy *p)
{
    return p ? p->reopen : 0;
}

int cs_sla_policy_warn_percent(const cs_sla_policy *p)
{
    return p ? p->warn_percent : 0;
}

cs_time cs_sla_policy_created_at(const cs_sla_policy *p)
{
    return p ? p->created_at : 0;
}

cs_time cs_sla_policy_updated_at(const cs_sla_policy *p)
{
    return p ? p->updated_at : 0;
}

size_t cs_sla_policy_condition_count(const cs_sla_policy *p)
{
    return p ? p->nconds : 0;
}

const cs_sla_condition *cs_sla_policy_condition(const cs_sla_policy *p, size_t i)
{
    return p && i < p->nconds ? &p->conds[i] : NULL;
}

size_t cs_sla_policy_target_count(const cs_sla_policy *p)
{
    return p ? p->ntargets : 0;
}

const cs_sla_target *cs_sla_policy_target(const cs_sla_policy *p, size_t i)
{
    return p && i < p->ntargets ? &p->targets[i] : NULL;
}

/* Policy lists ---------------------------------------------------------------------------- */

struct cs_sla_policy_list {
    cs_sla_policy **v;
    size_t n;
};

int cs_sla_policy_list_get(cs_sla_policy_list **out, cs_db *db)
{
    cs_sla_policy_list *list;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_READ)) < 0)
        return rc;
    if (!(list = cs_mem__calloc(1, sizeof(*list))))
        return cs_error__nomem();
    if ((rc = cs_store__sla_policies(&list->v, &list->n, db)) < 0) {
        cs_sla_policy_list_free(list);
        return rc;
    }
    *out = list;
    return CS_OK;
}

size_t cs_sla_policy_list_count(const cs_sla_policy_list *list)
{
    return list ? list->n : 0;
}

const cs_sla_policy *cs_sla_policy_list_item(const cs_sla_policy_list *list, size_t i)
{
    return list && i < list->n ? list->v[i] : NULL;
}

void cs_sla_policy_list_free(cs_sla_policy_list *list)
{
    if (!list)
        return;
    policies_free(list->v, list->n);
    cs_mem__free(list);
}

/* Clocks ---------------------------------------------------------------------------------- */

/* A ticket as the engine sees it, and its clocks indexed by metric. */
struct ctx {
    cs_db *db;
    int64_t ticket_id;
    cs_time now;
    cs_sla__ticket t;
    int agent_replied; /* -1: not asked yet */
    const cs_sla_policy *pol;
    cs_sla__clock c[CS_SLA_RESOLUTION + 1];
};

static bool running(const cs_sla__clock *c)
{
    return c->exists && (c->state == CS_SLA_ACTIVE || c->state == CS_SLA_PAUSED);
}

static int load_ticket(struct ctx *x)
{
    bool found;
    int rc;

    if ((rc = cs_store__sla_ticket(&x->t, &found, x->db, x->ticket_id)) < 0 || found)
        return rc;
    return cs_error__set(CS_ENOTFOUND, "ticket_id", "ticket %lld does not exist",
                         (long long)x->ticket_id);
}

static int event(struct ctx *x, int metric, int kind, cs_time at)
{
    const cs_sla__clock *c = &x->c[metric];
    cs_sla__event e = {x->ticket_id, c->policy_id, metric, kind, at, c->target_at};

    return cs_store__sla_event_add(x->db, &e);
}

/* Warnings and breaches -------------------------------------------------------------------- */

/* A warning or breach that fell due (a cs_sla__event) is recorded once, at the instant it
 * fell due (warn_at, target_at), by the tick or by the ticket's next change, whichever comes
 * first. */

/* The order they are recorded in, by everyone: by the instant, warnings before breaches,
 * then ticket and metric. A ticket's log is then the same whatever the tick cadence. */
static int due_cmp(const void *a, const void *b)
{
    const cs_sla__event *x = a, *y = b;

    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->ticket_id != y->ticket_id)
        return x->ticket_id < y->ticket_id ? -1 : 1;
    return (x->metric > y->metric) - (x->metric < y->metric);
}

/* Append what clock `metric` has due by now and not recorded yet. */
static size_t clock_due(cs_sla__event *out, const struct ctx *x, int metric)
{
    const cs_sla__clock *c = &x->c[metric];
    size_t n = 0;

    if (!c->exists || c->state != CS_SLA_ACTIVE)
        return 0;
    if (c->warn_at && c->warn_at <= x->now && !c->warned_at)
        out[n++] = (cs_sla__event){x->ticket_id,        c->policy_id, metric,
                                   CS_SLA_EVENT_WARNED, c->warn_at,   c->target_at};
    if (c->target_at && c->target_at <= x->now && !c->breached_at)
        out[n++] = (cs_sla__event){x->ticket_id,          c->policy_id, metric,
                                   CS_SLA_EVENT_BREACHED, c->target_at, c->target_at};
    return n;
}

/* Record what fell due on the running clocks (metric 0: all of them) before anything else
 * happens to them, as a tick right before this change would have. */
static int clocks_catch_up(struct ctx *x, int metric)
{
    cs_sla__event v[2 * CS_SLA_RESOLUTION];
    size_t n = 0;
    int rc = CS_OK;

    for (int m = CS_SLA_FIRST_REPLY; m <= CS_SLA_RESOLUTION; m++)
        if (!metric || m == metric)
            n += clock_due(&v[n], x, m);
    qsort(v, n, sizeof(*v), due_cmp);
    for (size_t i = 0; i < n && rc == CS_OK; i++) {
        cs_sla__clock *c = &x->c[v[i].metric];
        *(v[i].kind == CS_SLA_EVENT_WARNED ? &c->warned_at : &c->breached_at) = v[i].at;
        c->dirty = true;
        rc = cs_store__sla_event_add(x->db, &v[i]);
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
static int clock_add(cs_time *out, cs_db *db, const cs_sla__clock *c, cs_time t, int64_t seconds)
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
static int clock_between(int64_t *out, cs_db *db, const cs_sla__clock *c, cs_time from, cs_time to)
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
static int clock_compute(struct ctx *x, cs_sla__clock *c)
{
    int pct = x->pol ? x->pol->warn_percent : DEFAULT_WARN_PERCENT;
    int rc;

    c->dirty = true;
    c->target_at = c->warn_at = 0;
    if (c->state != CS_SLA_ACTIVE)
        return CS_OK;
    if ((rc = clock_add(&c->target_at, x->db, c, c->resumed_at, c->target - c->elapsed)) < 0 ||
        (rc = clock_add(&c->warn_at, x->db, c, c->resumed_at, c->target * pct / 100 - c->elapsed)) <
            0)
        return rc;
    /* A deadline moved into the future (a longer target) is warned and breached anew. */
    if (c->target_at > x->now)
        c->breached_at = 0;
    if (c->warn_at > x->now)
        c->warned_at = 0;
    return CS_OK;
}

/* Fold the running stretch into elapsed, from resumed_at to now. */
static int clock_fold(struct ctx *x, cs_sla__clock *c)
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
    cs_sla__clock *c = &x->c[metric];
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
    cs_sla__clock *c = &x->c[metric];
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

static void clock_assign(cs_sla__clock *c, const cs_sla_policy *p, const cs_sla_target *t)
{
    c->policy_id = p->id;
    c->target = t->seconds;
    c->calendar_id = t->business ? t->calendar_id : 0;
}

static bool target_differs(const cs_sla__clock *c, const cs_sla_policy *p, const cs_sla_target *t)
{
    return c->policy_id != p->id || c->target != t->seconds ||
           c->calendar_id != (t->business ? t->calendar_id : 0);
}

/* Policy selection ------------------------------------------------------------------------ */

static bool has_tag(const struct ctx *x, const char *tag)
{
    char needle[CS_TAG_MAX + 3];

    snprintf(needle, sizeof(needle), ",%s,", tag ? tag : "");
    return x->t.tags && strstr(x->t.tags, needle);
}

static bool condition_matches(const struct ctx *x, const cs_sla_condition *c)
{
    switch (c->kind) {
    case CS_SLA_COND_CHANNEL_KIND:
        return x->t.channel_kind == c->value;
    case CS_SLA_COND_PRIORITY:
        return x->t.priority == c->value;
    case CS_SLA_COND_TYPE:
        return x->t.type == c->value;
    case CS_SLA_COND_ORGANIZATION:
        return x->t.organization_id == c->value;
    case CS_SLA_COND_TAG:
        return has_tag(x, c->text);
    case CS_SLA_COND_PUBLIC_CHANNEL:
        return x->t.channel_public == c->value;
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
    bool replied;
    int rc;

    if (x->agent_replied < 0) {
        if ((rc = cs_store__message_agent_replied(&replied, x->db, x->ticket_id)) < 0)
            return rc;
        x->agent_replied = replied;
    }
    *out = x->agent_replied;
    return CS_OK;
}

/* The engine ------------------------------------------------------------------------------ */

/* A clock that runs under the selected policy: new targets when they changed, cancelled
 * when the policy has none for it. */
static int reconcile_running(struct ctx *x, int metric, const cs_sla_target *t)
{
    cs_sla__clock *c = &x->c[metric];
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
        const cs_sla_target *t = find_target(x->pol, m, x->t.priority);
        cs_sla__clock *c = &x->c[m];

        if (running(c)) {
            if ((rc = reconcile_running(x, m, t)) < 0)
                return rc;
            continue;
        }
        if (c->exists || !t || x->t.status >= CS_STATUS_SOLVED ||
            (m != CS_SLA_FIRST_REPLY && m != CS_SLA_RESOLUTION))
            continue;
        if (m == CS_SLA_FIRST_REPLY && ((rc = agent_replied(x, &replied)) < 0 || replied)) {
            if (rc < 0)
                return rc;
            continue;
        }
        clock_assign(c, x->pol, t);
        if ((rc = clock_run(x, m, CS_SLA_EVENT_STARTED, x->t.created_at)) < 0)
            return rc;
    }
    return CS_OK;
}

/* Whether a running clock should be paused in the ticket's status. */
static bool pauses(const struct ctx *x, int metric)
{
    bool pending = x->t.status == CS_STATUS_PENDING, on_hold = x->t.status == CS_STATUS_ON_HOLD;

    if (metric == CS_SLA_PERIODIC_UPDATE)
        return pending || on_hold;
    if (metric == CS_SLA_RESOLUTION)
        return (pending && x->pol->pause_pending) || (on_hold && x->pol->pause_on_hold);
    return false;
}

/* A solved ticket reopened: the resolution clock resumes or restarts, per policy. */
static int reopen(struct ctx *x)
{
    cs_sla__clock *c = &x->c[CS_SLA_RESOLUTION];
    const cs_sla_target *t = find_target(x->pol, CS_SLA_RESOLUTION, x->t.priority);

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
    bool ended = x->t.status == CS_STATUS_SOLVED || x->t.status == CS_STATUS_CLOSED;
    int rc = CS_OK;

    if (!x->pol)
        return CS_OK;
    if (!ended && (rc = reopen(x)) < 0)
        return rc;
    for (int m = CS_SLA_FIRST_REPLY; m <= CS_SLA_RESOLUTION && rc == CS_OK; m++) {
        cs_sla__clock *c = &x->c[m];
        if (!running(c))
            continue;
        if (ended && m == CS_SLA_RESOLUTION && x->t.status == CS_STATUS_SOLVED)
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
    const cs_sla_target *t = find_target(x->pol, CS_SLA_NEXT_REPLY, x->t.priority);
    cs_sla__clock *first = &x->c[CS_SLA_FIRST_REPLY];
    bool replied = true;
    int rc;

    if (!t || x->t.status >= CS_STATUS_SOLVED || running(&x->c[CS_SLA_NEXT_REPLY]) ||
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
    const cs_sla_target *t = find_target(x->pol, CS_SLA_PERIODIC_UPDATE, x->t.priority);
    int rc = CS_OK;

    if (running(&x->c[CS_SLA_FIRST_REPLY]))
        rc = clock_stop(x, CS_SLA_FIRST_REPLY, CS_SLA_FULFILLED, CS_SLA_EVENT_FULFILLED);
    else if (running(&x->c[CS_SLA_NEXT_REPLY]))
        rc = clock_stop(x, CS_SLA_NEXT_REPLY, CS_SLA_FULFILLED, CS_SLA_EVENT_FULFILLED);
    if (rc == CS_OK && running(&x->c[CS_SLA_PERIODIC_UPDATE]))
        rc = clock_stop(x, CS_SLA_PERIODIC_UPDATE, CS_SLA_FULFILLED, CS_SLA_EVENT_FULFILLED);
    if (rc < 0 || !t || x->t.status >= CS_STATUS_SOLVED)
        return rc;
    clock_assign(&x->c[CS_SLA_PERIODIC_UPDATE], x->pol, t);
    return clock_run(x, CS_SLA_PERIODIC_UPDATE, CS_SLA_EVENT_STARTED, x->now);
}

static int save_clocks(struct ctx *x)
{
    int rc = CS_OK;

    for (int m = CS_SLA_FIRST_REPLY; m <= CS_SLA_RESOLUTION && rc == CS_OK; m++)
        if (x->c[m].dirty)
            rc = cs_store__sla_clock_save(x->db, x->ticket_id, m, &x->c[m]);
    return rc;
}

/* One run for everything an operation did to a ticket: its clocks are read and written
 * once. The ticket's fields and status are read as they are now, so status and field
 * changes need no order among themselves; messages are answered in the order they came. */
static int run_engine(struct ctx *x, const struct cs_sla_cache *cache, const cs_react__change *c)
{
    int rc;

    if ((rc = load_ticket(x)) < 0 || (rc = cs_store__sla_clocks(x->c, x->db, x->ticket_id)) < 0 ||
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
    cs_mem__free(x.t.tags);
    return rc;
}

int cs_sla__first_reply_due(cs_time *out, cs_db *db, int64_t ticket_id)
{
    return cs_store__sla_first_reply_due(out, db, ticket_id);
}

/* The tick -------------------------------------------------------------------------------- */

/* Record a due warning or breach: on its clock, and as an event. */
static int mark_due(cs_db *db, const cs_sla__event *d)
{
    int rc;

    if ((rc = cs_store__sla_due_mark(db, d)) < 0)
        return rc;
    return cs_store__sla_event_add(db, d);
}

/* The result lists warnings first, each kind by time; v is sorted by time. */
static int report_due(cs_tick_result *r, const cs_sla__event *v, size_t n)
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
    cs_sla__event *v = NULL;
    size_t n = 0;
    int rc;

    /* Everything due is read before anything is written, so the read is not disturbed by the
     * updates. */
    rc = cs_store__sla_due(&v, &n, db, now, policy_id);
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
    cs_sla__clock *c = &x->c[metric];
    int64_t ran = 0;
    int rc;

    if (c->state == CS_SLA_ACTIVE &&
        (rc = clock_between(&ran, x->db, c, c->resumed_at, x->now)) < 0)
        return rc;
    *out = (cs_sla_clock){.metric = metric,
                          .state = c->state,
                          .policy_id = c->policy_id,
                          .target = c->target,
                          .business = c->calendar_id != 0,
                          .calendar_id = c->calendar_id,
                          .started_at = c->started_at,
                          .target_at = c->target_at,
                          .warn_at = c->warn_at,
                          .fulfilled_at = c->fulfilled_at,
                          .warned_at = c->warned_at,
                          .breached_at = c->breached_at,
                          .elapsed = c->elapsed + ran};
    if (c->state == CS_SLA_ACTIVE && (c->breached_at || (c->target_at && c->target_at <= x->now)))
        out->state = CS_SLA_BREACHED;
    return CS_OK;
}

static int build_report(cs_sla_clocks *s, struct ctx *x)
{
    int rc;

    if ((rc = cs_store__sla_clocks(x->c, x->db, x->ticket_id)) < 0)
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
        (rc = cs_perm__ticket_id(db, &by, CS_CAP_TICKET_READ, ticket_id, "id")) < 0)
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

int64_t cs_sla_clocks_ticket_id(const cs_sla_clocks *s)
{
    return s ? s->ticket_id : 0;
}

cs_time cs_sla_clocks_now(const cs_sla_clocks *s)
{
    return s ? s->now : 0;
}

size_t cs_sla_clocks_count(const cs_sla_clocks *s)
{
    return s ? s->n : 0;
}

const cs_sla_clock *cs_sla_clocks_item(const cs_sla_clocks *s, size_t i)
{
    return s && i < s->n ? &s->clocks[i] : NULL;
}

const cs_sla_clock *cs_sla_clocks_find(const cs_sla_clocks *s, int metric)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (s->clocks[i].metric == metric)
            return &s->clocks[i];
    return NULL;
}

int cs_sla_clock_metric(const cs_sla_clock *c)
{
    return c ? c->metric : 0;
}

int cs_sla_clock_state(const cs_sla_clock *c)
{
    return c ? c->state : 0;
}

int64_t cs_sla_clock_policy_id(const cs_sla_clock *c)
{
    return c ? c->policy_id : 0;
}

int64_t cs_sla_clock_target(const cs_sla_clock *c)
{
    return c ? c->target : 0;
}

int cs_sla_clock_business(const cs_sla_clock *c)
{
    return c ? c->business : 0;
}

int64_t cs_sla_clock_calendar_id(const cs_sla_clock *c)
{
    return c ? c->calendar_id : 0;
}

cs_time cs_sla_clock_started_at(const cs_sla_clock *c)
{
    return c ? c->started_at : 0;
}

cs_time cs_sla_clock_target_at(const cs_sla_clock *c)
{
    return c ? c->target_at : 0;
}

cs_time cs_sla_clock_warn_at(const cs_sla_clock *c)
{
    return c ? c->warn_at : 0;
}

cs_time cs_sla_clock_fulfilled_at(const cs_sla_clock *c)
{
    return c ? c->fulfilled_at : 0;
}

cs_time cs_sla_clock_warned_at(const cs_sla_clock *c)
{
    return c ? c->warned_at : 0;
}

cs_time cs_sla_clock_breached_at(const cs_sla_clock *c)
{
    return c ? c->breached_at : 0;
}

int64_t cs_sla_clock_elapsed(const cs_sla_clock *c)
{
    return c ? c->elapsed : 0;
}

/* The event log --------------------------------------------------------------------------- */

struct cs_sla_event_list {
    cs_sla_event *v;
    size_t n;
};

int cs_sla_event_list_get(cs_sla_event_list **out, cs_db *db, int64_t ticket_id)
{
    cs_sla_event_list *list;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_TICKET_READ)) < 0 ||
        (rc = cs_perm__ticket_id(db, &by, CS_CAP_TICKET_READ, ticket_id, "id")) < 0)
        return rc;
    if (!(list = cs_mem__calloc(1, sizeof(*list))))
        return cs_error__nomem();
    if ((rc = cs_store__sla_events(&list->v, &list->n, db, ticket_id)) < 0) {
        cs_sla_event_list_free(list);
        return rc;
    }
    *out = list;
    return CS_OK;
}

size_t cs_sla_event_list_count(const cs_sla_event_list *list)
{
    return list ? list->n : 0;
}

const cs_sla_event *cs_sla_event_list_item(const cs_sla_event_list *list, size_t i)
{
    return list && i < list->n ? &list->v[i] : NULL;
}

void cs_sla_event_list_free(cs_sla_event_list *list)
{
    if (!list)
        return;
    cs_mem__free(list->v);
    cs_mem__free(list);
}

int cs_sla_event_metric(const cs_sla_event *e)
{
    return e ? e->metric : 0;
}

int cs_sla_event_kind(const cs_sla_event *e)
{
    return e ? e->kind : 0;
}

cs_time cs_sla_event_at(const cs_sla_event *e)
{
    return e ? e->at : 0;
}

cs_time cs_sla_event_target_at(const cs_sla_event *e)
{
    return e ? e->target_at : 0;
}

int64_t cs_sla_event_policy_id(const cs_sla_event *e)
{
    return e ? e->policy_id : 0;
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
    cs_store__sla_queue *q;
    /* Tickets with a deadline given so far: one whose deadline moves past the position
     * between two pages, or whose clocks stop, would come up again. */
    struct id_set given;
    const cs_sla_queue_item *rows; /* the last page read, owned by q */
    size_t n, pos;
    cs_sla_queue_item current; /* what cs_sla_queue_next() lent out last */
};

void cs_sla_queue_iter_free(cs_sla_queue_iter *it)
{
    if (!it)
        return;
    cs_store__sla_queue_close(it->q);
    cs_mem__free(it->given.slots);
    cs_mem__free(it);
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
    if ((rc = cs_store__sla_queue_open(&it->q, db, f->due_after, f->due_until,
                                       cs_perm__scope(&by))) < 0) {
        cs_sla_queue_iter_free(it);
        return rc;
    }
    *out = it;
    return CS_OK;
}

/* Read pages until one gives a ticket that did not come up before, or the queue ends: a
 * page may give none when all its tickets came up before. */
int cs_sla_queue_next(const cs_sla_queue_item **out, cs_sla_queue_iter *it)
{
    const cs_sla_queue_item *row;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !it)
        return cs_error__inval(out ? "it" : "out", "%s is NULL", out ? "it" : "out");
    for (;;) {
        if (it->pos == it->n) {
            /* On an error the rows read before it are handed out first. */
            rc = cs_store__sla_queue_page(&it->rows, &it->n, it->q);
            it->pos = 0;
            if (rc < 0)
                return rc;
            if (!it->n)
                return CS_ITEROVER;
        }
        row = &it->rows[it->pos];
        if (!id_set_has(&it->given, row->ticket_id)) {
            /* The tickets without a deadline come once each, by id. */
            if (row->metric && (rc = id_set_add(&it->given, row->ticket_id)) < 0)
                return rc;
            it->current = *row;
            *out = &it->current;
            it->pos++;
            return CS_OK;
        }
        it->pos++;
    }
}

int64_t cs_sla_queue_item_ticket_id(const cs_sla_queue_item *item)
{
    return item ? item->ticket_id : 0;
}

int cs_sla_queue_item_metric(const cs_sla_queue_item *item)
{
    return item ? item->metric : 0;
}

cs_time cs_sla_queue_item_target_at(const cs_sla_queue_item *item)
{
    return item ? item->target_at : 0;
}
