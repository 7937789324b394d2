/*
 * libcs - routing and workload: presence, capacity, group strategies, the next-ticket pick,
 * transfers, callbacks and the estimated wait. The rules are in docs/routing.md.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "cs-internal.h"
#include "perm.h"
#include "audit.h"
#include "agent.h"
#include "ticket.h"
#include "route.h"
#include "store/route.h"

#define CAPACITY_MAX 10000
#define CALLBACK_SUBJECT "Callback request"

static const cs_name presence_names[] = {
    {CS_PRESENCE_ONLINE, "online"},
    {CS_PRESENCE_AWAY, "away"},
    {CS_PRESENCE_OFFLINE, "offline"},
};
static const cs_name strategy_names[] = {
    {CS_ROUTE_MANUAL, "manual"},
    {CS_ROUTE_ROUND_ROBIN, "round_robin"},
    {CS_ROUTE_LEAST_LOADED, "least_loaded"},
    {CS_ROUTE_SKILLS_FIRST, "skills_first"},
};

/* Names -------------------------------------------------------------------------------- */

const char *cs_presence_name(int presence)
{
    return CS_NAME_OF(presence_names, presence);
}

int cs_presence_parse(const char *name)
{
    return CS_NAME_PARSE(presence_names, name);
}

const char *cs_route_strategy_name(int strategy)
{
    return CS_NAME_OF(strategy_names, strategy);
}

int cs_route_strategy_parse(const char *name)
{
    return CS_NAME_PARSE(strategy_names, name);
}

/* Helpers ------------------------------------------------------------------------------ */

static int read_agent(cs_route__agent *out, cs_db *db, int64_t agent_id)
{
    bool found;
    int rc;

    if ((rc = cs_store__route_agent(out, &found, db, agent_id)) < 0 || found)
        return rc;
    return cs_error__set(CS_ENOTFOUND, "agent_id", "agent %lld does not exist",
                         (long long)agent_id);
}

/* Presence ----------------------------------------------------------------------------- */

static int set_presence(cs_db *db, const cs_actor *by, int64_t agent_id, int presence)
{
    char a[24], b[24];
    cs_route__agent ag;
    int rc;

    if ((rc = read_agent(&ag, db, agent_id)) < 0 || ag.presence == presence ||
        (rc = cs_store__route_presence_set(db, agent_id, presence, cs_db_now(db))) < 0)
        return rc;
    snprintf(a, sizeof(a), "%s", cs_presence_name(ag.presence));
    snprintf(b, sizeof(b), "%s", cs_presence_name(presence));
    return cs_audit__record(db, by, "agent", agent_id, 0, 0, "update", "presence", a, b);
}

int cs_route_set_presence(cs_db *db, int64_t agent_id, int presence)
{
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if (!cs_presence_name(presence))
        return cs_error__inval("presence", "unknown presence %d", presence);
    if ((rc = cs_perm__require(&by, db, CS_CAP_PRESENCE_WRITE)) < 0 ||
        (rc = cs_perm__self(&by, CS_CAP_PRESENCE_WRITE, agent_id, "agent_id")) < 0 ||
        (rc = cs_db__begin_relaxed(db)) < 0)
        return rc;
    return cs_db__end(db, set_presence(db, &by, agent_id, presence));
}

int cs_route_presence(int *out, cs_db *db, int64_t agent_id)
{
    cs_route__agent ag;
    cs_actor by;
    int rc;

    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    *out = 0;
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_READ)) < 0 ||
        (rc = read_agent(&ag, db, agent_id)) < 0)
        return rc;
    *out = ag.presence;
    return CS_OK;
}

/* Capacity ----------------------------------------------------------------------------- */

static int set_capacity(cs_db *db, const cs_actor *by, int64_t agent_id, int kind, int capacity)
{
    char field[48], a[24], b[24];
    int64_t old = CS_UNSET;
    cs_route__agent ag;
    bool found;
    int rc;

    if ((rc = read_agent(&ag, db, agent_id)) < 0 ||
        (rc = cs_store__route_capacity(&old, &found, db, agent_id, kind)) < 0 || old == capacity ||
        (rc = cs_store__route_capacity_set(db, agent_id, kind, capacity)) < 0)
        return rc;
    snprintf(field, sizeof(field), "capacity.%s", cs_channel_kind_name(kind));
    return cs_audit__record(db, by, "agent", agent_id, 0, 0, "update", field,
                            found ? cs_int__text(a, old, false) : NULL,
                            capacity == CS_UNSET ? NULL : cs_int__text(b, capacity, false));
}

int cs_route_set_capacity(cs_db *db, int64_t agent_id, int channel_kind, int capacity)
{
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if (!cs_channel_kind_name(channel_kind))
        return cs_error__inval("channel_kind", "unknown channel kind %d", channel_kind);
    if (capacity != CS_UNSET && (capacity < 0 || capacity > CAPACITY_MAX))
        return cs_error__inval("capacity", "capacity %d is not between 0 and %d", capacity,
                               CAPACITY_MAX);
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, set_capacity(db, &by, agent_id, channel_kind, capacity));
}

/* Routing state ------------------------------------------------------------------------ */

struct cs_route_agent {
    int64_t id;
    int presence;
    int capacity[CS_ROUTE__KINDS]; /* by channel kind; CS_UNSET for no limit */
    int64_t load[CS_ROUTE__KINDS]; /* by channel kind; 0 for tickets without a channel */
};

static int read_state(cs_route_agent *ra, cs_db *db)
{
    cs_route__kinds capacity, load;
    cs_route__agent ag;
    int rc;

    if ((rc = read_agent(&ag, db, ra->id)) < 0 ||
        (rc = cs_store__route_capacities(&capacity, db, ra->id)) < 0 ||
        (rc = cs_store__route_loads(&load, db, ra->id)) < 0)
        return rc;
    ra->presence = ag.presence;
    for (size_t i = 0; i < CS_ROUTE__KINDS; i++)
        ra->capacity[i] = CS_UNSET;
    /* Kinds are below CS_ROUTE__KINDS (lib/store/route.h); the checks keep it so. */
    for (size_t i = 0; i < capacity.n; i++)
        if (capacity.v[i].kind >= 0 && capacity.v[i].kind < CS_ROUTE__KINDS)
            ra->capacity[capacity.v[i].kind] = (int)capacity.v[i].n;
    for (size_t i = 0; i < load.n; i++)
        if (load.v[i].kind >= 0 && load.v[i].kind < CS_ROUTE__KINDS)
            ra->load[load.v[i].kind] = load.v[i].n;
    return CS_OK;
}

int cs_route_agent_get(cs_route_agent **out, cs_db *db, int64_t agent_id)
{
    cs_route_agent *ra;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_READ)) < 0)
        return rc;
    if (!(ra = cs_mem__calloc(1, sizeof(*ra))))
        return cs_error__nomem();
    ra->id = agent_id;
    if ((rc = read_state(ra, db)) < 0) {
        cs_route_agent_free(ra);
        return rc;
    }
    *out = ra;
    return CS_OK;
}

void cs_route_agent_free(cs_route_agent *ra)
{
    cs_mem__free(ra);
}

int64_t cs_route_agent_id(const cs_route_agent *ra)
{
    return ra ? ra->id : 0;
}

int cs_route_agent_presence(const cs_route_agent *ra)
{
    return ra ? ra->presence : 0;
}

int cs_route_agent_capacity(const cs_route_agent *ra, int channel_kind)
{
    if (!ra || channel_kind <= 0 || channel_kind >= CS_ROUTE__KINDS)
        return CS_UNSET;
    return ra->capacity[channel_kind];
}

int64_t cs_route_agent_load(const cs_route_agent *ra, int channel_kind)
{
    if (!ra || channel_kind < 0 || channel_kind >= CS_ROUTE__KINDS)
        return 0;
    return ra->load[channel_kind];
}

/* Groups ------------------------------------------------------------------------------- */

static int read_group(cs_route_group_fields *out, cs_db *db, int64_t group_id)
{
    bool found;
    int rc;

    if ((rc = cs_store__route_group(out, &found, db, group_id)) < 0 || found)
        return rc;
    return cs_error__set(CS_ENOTFOUND, "group_id", "group %lld does not exist",
                         (long long)group_id);
}

static int group_set(cs_db *db, const cs_actor *by, int64_t group_id,
                     const cs_route_group_fields *f)
{
    cs_change c = CS_CHANGE_INIT(db, by, "group", group_id);
    cs_route_group_fields old, next;
    int rc;

    if ((rc = read_group(&old, db, group_id)) < 0)
        return rc;
    next.strategy = f->strategy ? f->strategy : old.strategy;
    next.match_language = cs_update__int(old.match_language, f->match_language);
    cs_change__text(&c, "strategy", cs_route_strategy_name(old.strategy),
                    cs_route_strategy_name(next.strategy));
    cs_change__bool(&c, "match_language", old.match_language, next.match_language);
    if ((rc = c.rc) < 0 || c.count == 0)
        return rc;
    return cs_store__route_group_set(db, group_id, next.strategy, next.match_language);
}

int cs_route_group_set(cs_db *db, int64_t group_id, const cs_route_group_fields *fields)
{
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if (!fields || fields->version != CS_ROUTE_GROUP_FIELDS_VERSION)
        return cs_error__inval("fields", "fields is NULL or not version %d",
                               CS_ROUTE_GROUP_FIELDS_VERSION);
    if (fields->strategy && !cs_route_strategy_name(fields->strategy))
        return cs_error__inval("strategy", "unknown strategy %d", fields->strategy);
    if ((rc = cs_check__bool("match_language", fields->match_language)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CONFIG_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, group_set(db, &by, group_id, fields));
}

int cs_route_group_get(cs_route_group_fields *out, cs_db *db, int64_t group_id)
{
    cs_actor by;
    int rc;

    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_READ)) < 0)
        return rc;
    return read_group(out, db, group_id);
}

/* Assignment --------------------------------------------------------------------------- */

/* Give a ticket to an agent through the ticket's update path, so it is audited as `by`'s
 * doing (and counted by cs_route__on_assign). */
static int give(cs_db *db, const cs_actor *by, int64_t ticket_id, int64_t agent_id)
{
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;

    f.assignee_id = agent_id;
    return cs_ticket__update(db, by, ticket_id, &f);
}

static int read_ticket_route(cs_route__ticket *out, cs_db *db, int64_t ticket_id)
{
    bool found;
    int rc;

    if ((rc = cs_store__route_ticket(out, &found, db, ticket_id)) < 0 || found)
        return rc;
    return cs_error__set(CS_ENOTFOUND, "ticket_id", "ticket %lld does not exist",
                         (long long)ticket_id);
}

static int assign(int64_t *agent_id, cs_db *db, const cs_actor *by, int64_t ticket_id)
{
    cs_route__ticket t = {0};
    cs_route__rank r;
    int rc;

    *agent_id = 0;
    if ((rc = read_ticket_route(&t, db, ticket_id)) < 0)
        return rc;
    if (!t.group || t.assignee || (t.status != CS_STATUS_NEW && t.status != CS_STATUS_OPEN) ||
        t.strategy == CS_ROUTE_MANUAL || (t.callback_from && t.callback_from > cs_db_now(db)))
        return CS_OK;
    r = (cs_route__rank){
        .ticket = ticket_id, .group = t.group, .kind = t.kind, .match_language = t.match_language};
    /* Skills first ranks by skills, then by load; least loaded by load; round robin by
     * neither, only by the latest assignment. */
    r.by_skills = t.strategy == CS_ROUTE_SKILLS_FIRST;
    r.by_load = r.by_skills || t.strategy == CS_ROUTE_LEAST_LOADED;
    if ((rc = cs_store__route_rank(agent_id, db, &r)) < 0 || !*agent_id)
        return rc;
    return give(db, by, ticket_id, *agent_id);
}

int cs_route_assign(int64_t *agent_id, cs_db *db, int64_t ticket_id)
{
    int64_t ignored;
    cs_actor by;
    int rc;

    if (agent_id)
        *agent_id = 0;
    if (!db)
        return cs_error__inval("db", "db is NULL");
    if ((rc = cs_perm__require(&by, db, CS_CAP_TICKET_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    if ((rc = cs_perm__ticket_id(db, &by, CS_CAP_TICKET_WRITE, ticket_id, "ticket_id")) == CS_OK)
        rc = assign(agent_id ? agent_id : &ignored, db, &by, ticket_id);
    rc = cs_react__end(db, rc);
    if (rc < 0 && agent_id)
        *agent_id = 0;
    return rc;
}

/* A ticket's group or assignee changed: count a transfer when it already had one, stamp
 * assigned_at and make a new assignee the most recently assigned. */
static int on_assign(cs_db *db, int64_t ticket_id, int64_t old_group, int64_t old_agent,
                     int64_t group, int64_t agent)
{
    bool transfer = (old_group && group != old_group) || (old_agent && agent != old_agent);
    bool assigned = agent && agent != old_agent;
    int rc;

    if (!transfer && !assigned)
        return CS_OK;
    if ((rc = cs_store__route_assigned(db, ticket_id, transfer, assigned, cs_db_now(db))) < 0 ||
        !assigned)
        return rc;
    /* The agent becomes the most recently assigned: round robin's order. */
    return cs_store__route_agent_assigned(db, agent, cs_db_now(db));
}

int cs_route__react(cs_db *db, const cs_react__change *c)
{
    int64_t agent;
    int rc = CS_OK;

    if (c->what & CS_REACT__ASSIGNED)
        rc = on_assign(db, c->ticket_id, c->old_group, c->old_agent, c->group, c->agent);
    /* A ticket that came in is assigned by its group's strategy, as the system's doing,
     * whoever opened it. */
    if (rc == CS_OK && (c->what & CS_REACT__INGESTED))
        rc = assign(&agent, db, &cs_actor__system, c->ticket_id);
    return rc;
}

/* The next ticket ---------------------------------------------------------------------- */

/* A bit per channel kind the agent has no room for. */
static int full_kinds(uint32_t *mask, cs_db *db, int64_t agent_id)
{
    cs_route__kinds load, capacity;
    int64_t of_kind[32] = {0};
    int rc;

    *mask = 0;
    if ((rc = cs_store__route_loads(&load, db, agent_id)) < 0 ||
        (rc = cs_store__route_capacities(&capacity, db, agent_id)) < 0)
        return rc;
    for (size_t i = 0; i < load.n; i++)
        of_kind[load.v[i].kind & 31] = load.v[i].n;
    for (size_t i = 0; i < capacity.n; i++) {
        int kind = capacity.v[i].kind & 31;
        if (of_kind[kind] >= capacity.v[i].n)
            *mask |= 1u << kind;
    }
    return CS_OK;
}

/* Whether the agent may take tickets now; *scoped when it sees its groups' tickets only. */
static int check_taker(bool *scoped, cs_db *db, int64_t agent_id)
{
    cs_actor taker;
    cs_route__agent ag;
    int rc;

    if ((rc = read_agent(&ag, db, agent_id)) < 0)
        return rc;
    if (!ag.active || ag.role == CS_ROLE_LIGHT)
        return cs_error__set(CS_EPERM, "agent_id", "agent %lld is %s and cannot take tickets",
                             (long long)agent_id, ag.active ? "a light agent" : "inactive");
    if ((rc = cs_perm__actor(&taker, db, CS_ACTOR_AGENT, agent_id)) < 0)
        return rc;
    *scoped = taker.scoped;
    if (ag.presence != CS_PRESENCE_ONLINE)
        return cs_error__set(CS_ECONFLICT, "presence", "agent %lld is %s, not online",
                             (long long)agent_id, cs_presence_name(ag.presence));
    return CS_OK;
}

static int next(int64_t *ticket_id, cs_db *db, const cs_actor *by, int64_t agent_id)
{
    cs_route__taker t = {agent_id, cs_db_now(db), 0, NULL, 0};
    cs_route__group *groups = NULL;
    bool scoped = false;
    size_t n;
    int rc;

    if ((rc = check_taker(&scoped, db, agent_id)) < 0 ||
        (rc = full_kinds(&t.full, db, agent_id)) < 0)
        return rc;
    /* The groups it takes tickets from: its own, and (groups[0], id 0) the tickets without
     * one, unless it sees its groups' tickets only. */
    if (!(groups = cs_mem__calloc(1, sizeof(*groups))))
        return cs_error__nomem();
    n = scoped ? 0 : 1;
    if ((rc = cs_store__route_agent_groups(&groups, &n, db, agent_id)) < 0)
        goto out;
    t.groups = groups;
    t.ngroups = n;
    if ((rc = cs_store__route_pick(ticket_id, db, &t)) < 0 || !*ticket_id)
        goto out;
    rc = give(db, by, *ticket_id, agent_id);
out:
    cs_mem__free(groups);
    return rc;
}

int cs_route_next(int64_t *ticket_id, cs_db *db, int64_t agent_id)
{
    cs_actor by;
    int rc;

    if (!ticket_id || !db)
        return cs_error__inval(ticket_id ? "db" : "ticket_id", "%s is NULL",
                               ticket_id ? "db" : "ticket_id");
    *ticket_id = 0;
    if ((rc = cs_perm__require(&by, db, CS_CAP_TICKET_TAKE)) < 0 ||
        (rc = cs_perm__self(&by, CS_CAP_TICKET_TAKE, agent_id, "agent_id")) < 0)
        return rc;
    /* BEGIN IMMEDIATE: the pick and the assignment hold the write lock together, so no
     * other handle or process can take the same ticket in between. Relaxed: a pick that a
     * power failure undoes is simply picked again (docs/threading.md). */
    if ((rc = cs_db__begin_relaxed(db)) < 0)
        return rc;
    rc = cs_react__end(db, next(ticket_id, db, &by, agent_id));
    if (rc < 0)
        *ticket_id = 0;
    return rc;
}

/* Transfers and first-contact resolution ----------------------------------------------- */

int cs_route_transfers(int64_t *out, cs_db *db, int64_t ticket_id)
{
    cs_actor by;
    bool found;
    int rc;

    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    *out = 0;
    if ((rc = cs_perm__require(&by, db, CS_CAP_TICKET_READ)) < 0 ||
        (rc = cs_perm__ticket_id(db, &by, CS_CAP_TICKET_READ, ticket_id, "ticket_id")) < 0)
        return rc;
    if ((rc = cs_store__route_transfers(out, &found, db, ticket_id)) < 0)
        return rc;
    return found ? CS_OK
                 : cs_error__set(CS_ENOTFOUND, "ticket_id", "ticket %lld does not exist",
                                 (long long)ticket_id);
}

int cs_route_report_get(cs_route_report *out, cs_db *db, cs_time from, cs_time to)
{
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if (!out || out->version != CS_ROUTE_REPORT_VERSION)
        return cs_error__inval("report", "report is NULL or not version %d",
                               CS_ROUTE_REPORT_VERSION);
    if (to <= from)
        return cs_error__inval("to", "to (%lld) must be after from (%lld)", (long long)to,
                               (long long)from);
    if ((rc = cs_perm__require(&by, db, CS_CAP_REPORT_READ)) < 0)
        return rc;
    return cs_store__route_report(out, db, from, to, cs_perm__scope(&by));
}

/* Callbacks ---------------------------------------------------------------------------- */

static int check_callback(cs_db *db, const cs_callback_fields *f)
{
    if (!f || f->version != CS_CALLBACK_FIELDS_VERSION)
        return cs_error__inval("fields", "fields is NULL or not version %d",
                               CS_CALLBACK_FIELDS_VERSION);
    if (f->window_from <= 0)
        return cs_error__inval("window_from", "window_from %lld is required",
                               (long long)f->window_from);
    if (f->window_to <= f->window_from)
        return cs_error__inval("window_to", "window_to %lld is not after window_from %lld",
                               (long long)f->window_to, (long long)f->window_from);
    if (f->window_to <= cs_db_now(db))
        return cs_error__inval("window_to", "window_to %lld is in the past",
                               (long long)f->window_to);
    return CS_OK;
}

/* The ticket a callback request opens. */
static cs_ticket_fields callback_ticket(const cs_callback_fields *f)
{
    cs_ticket_fields tf = CS_TICKET_FIELDS_INIT;

    tf.subject = f->subject && *f->subject ? f->subject : CALLBACK_SUBJECT;
    tf.customer_id = f->customer_id;
    tf.channel_id = f->channel_id;
    tf.group_id = f->group_id;
    return tf;
}

static int callback_create(int64_t *ticket_id, cs_db *db, const cs_actor *by,
                           const cs_callback_fields *f)
{
    cs_ticket_fields tf = callback_ticket(f);
    char a[24];
    int rc;

    if ((rc = cs_ticket__create(ticket_id, db, by, &tf)) < 0 ||
        (rc = cs_store__route_callback_set(db, *ticket_id, f->window_from, f->window_to)) < 0)
        return rc;
    return cs_audit__record(db, by, "ticket", *ticket_id, *ticket_id, f->customer_id, "callback",
                            "window_from", NULL, cs_int__text(a, f->window_from, false));
}

int cs_route_callback_create(int64_t *ticket_id, cs_db *db, const cs_callback_fields *fields)
{
    cs_ticket_fields tf;
    cs_actor by;
    int rc;

    if (!ticket_id || !db)
        return cs_error__inval(ticket_id ? "db" : "ticket_id", "%s is NULL",
                               ticket_id ? "db" : "ticket_id");
    *ticket_id = 0;
    if ((rc = check_callback(db, fields)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_TICKET_CREATE)) < 0)
        return rc;
    tf = callback_ticket(fields);
    if ((rc = cs_ticket__may_open(&by, &tf)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    rc = cs_react__end(db, callback_create(ticket_id, db, &by, fields));
    if (rc < 0)
        *ticket_id = 0;
    return rc;
}

int cs_route_callback_window(cs_time *from, cs_time *to, cs_db *db, int64_t ticket_id)
{
    cs_time f, t;
    cs_actor by;
    bool found;
    int rc;

    if (!from || !to || !db)
        return cs_error__inval(!from ? "from"
                               : !to ? "to"
                                     : "db",
                               "%s is NULL",
                               !from ? "from"
                               : !to ? "to"
                                     : "db");
    *from = *to = 0;
    if ((rc = cs_perm__require(&by, db, CS_CAP_TICKET_READ)) < 0 ||
        (rc = cs_perm__ticket_id(db, &by, CS_CAP_TICKET_READ, ticket_id, "ticket_id")) < 0)
        return rc;
    if ((rc = cs_store__route_callback(&f, &t, &found, db, ticket_id)) < 0)
        return rc;
    if (!found)
        return cs_error__set(CS_ENOTFOUND, "ticket_id", "ticket %lld does not exist",
                             (long long)ticket_id);
    *from = f, *to = t;
    return CS_OK;
}

/* The estimated wait ------------------------------------------------------------------- */

/* A group-scoped agent's reports are about its own groups; another group is not found. */
static int scoped_group(cs_db *db, const cs_actor *by, int64_t group_id)
{
    bool member = true;
    int rc;

    if (cs_perm__scope(by) && (rc = cs_agent__in_group(&member, db, by->id, group_id)) < 0)
        return rc;
    return member ? CS_OK
                  : cs_error__set(CS_ENOTFOUND, "group_id", "group %lld does not exist",
                                  (long long)group_id);
}

int cs_route_estimated_wait(int64_t *seconds, cs_db *db, int64_t group_id, int channel_kind)
{
    int64_t backlog = 0, agents = 0, aht[2] = {0, 0}; /* tickets, seconds */
    cs_actor by;
    int rc;

    if (!seconds || !db)
        return cs_error__inval(seconds ? "db" : "seconds", "%s is NULL",
                               seconds ? "db" : "seconds");
    *seconds = -1;
    if (channel_kind && !cs_channel_kind_name(channel_kind))
        return cs_error__inval("channel_kind", "unknown channel kind %d", channel_kind);
    if ((rc = cs_perm__require(&by, db, CS_CAP_REPORT_READ)) < 0 ||
        (rc = cs_agent__group_exists(db, group_id, "group_id")) < 0 ||
        (rc = scoped_group(db, &by, group_id)) < 0 ||
        (rc = cs_store__route_available(&agents, db, group_id, channel_kind)) < 0 ||
        (rc = cs_store__route_backlog(&backlog, db, group_id, cs_db_now(db))) < 0 ||
        (rc = cs_store__route_handle_times(aht, aht + 1, db, group_id, CS_ROUTE_WAIT_SAMPLE)) < 0)
        return rc;
    if (!agents)
        return CS_OK;
    if (!backlog) {
        *seconds = 0;
        return CS_OK;
    }
    if (!aht[0])
        return CS_OK;
    /* backlog * (sum / n) / agents, rounded up, without losing the fraction. */
    int64_t den = aht[0] * agents;
    *seconds = (backlog * aht[1] + den - 1) / den;
    return CS_OK;
}

/* Erlang C ------------------------------------------------------------------------- */

/* The probability that a contact waits, for n agents and a load of a erlangs (n > a), from
 * the Erlang B recursion, which stays stable for large n. */
static double erlang_c(int n, double a)
{
    double b = 1.0;

    for (int k = 1; k <= n; k++)
        b = a * b / (k + a * b);
    return n * b / (n - a * (1.0 - b));
}

static double service_level(int n, double a, double aht, int answer)
{
    if (n <= a)
        return 0.0;
    return 1.0 - erlang_c(n, a) * exp(-(n - a) * answer / aht);
}

int cs_route_erlang_c_agents(int *agents, double *level, double arrivals_per_hour,
                             double aht_seconds, int answer_seconds, int percent)
{
    double a, sl = 1.0;
    int n;

    if (!agents)
        return cs_error__inval("agents", "agents is NULL");
    *agents = 0;
    if (!(arrivals_per_hour >= 0 && arrivals_per_hour <= 1e6))
        return cs_error__inval("arrivals_per_hour", "arrivals_per_hour must be between 0 and "
                                                    "1000000");
    if (!(aht_seconds > 0 && aht_seconds <= 86400 * 30))
        return cs_error__inval("aht_seconds", "aht_seconds must be positive");
    if (answer_seconds < 0)
        return cs_error__inval("answer_seconds", "answer_seconds must not be negative");
    if (percent < 1 || percent > 99)
        return cs_error__inval("percent", "percent must be between 1 and 99, not %d", percent);
    a = arrivals_per_hour * aht_seconds / 3600.0;
    n = 0;
    if (a > 0)
        for (n = (int)floor(a) + 1;
             (sl = service_level(n, a, aht_seconds, answer_seconds)) < percent / 100.0; n++)
            ;
    *agents = n;
    if (level)
        *level = sl;
    return CS_OK;
}

struct cs_staffing_hour {
    int hour;
    double arrivals_per_hour;
    int agents;
    double service_level;
};

struct cs_staffing_plan {
    double aht_seconds;
    cs_staffing_hour hours[24];
};

static int staffing(cs_staffing_plan *plan, cs_db *db, int64_t group_id, cs_time from, cs_time to,
                    int answer_seconds, int percent)
{
    int64_t solved[2] = {0, 0}, counts[24] = {0};
    double days;
    cs_actor by;
    int rc, unused;

    if (to <= from)
        return cs_error__inval("to", "to must be after from");
    if ((rc = cs_route_erlang_c_agents(&unused, NULL, 0, 1, answer_seconds, percent)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_REPORT_READ)) < 0 ||
        (!group_id && (rc = cs_perm__unscoped(&by, CS_CAP_REPORT_READ)) < 0) ||
        (group_id && (rc = cs_agent__group_exists(db, group_id, "group_id")) < 0) ||
        (group_id && (rc = scoped_group(db, &by, group_id)) < 0) ||
        (rc = cs_store__route_solved(&solved[0], &solved[1], db, group_id, from, to)) < 0 ||
        (rc = cs_store__route_arrivals(counts, db, group_id, from, to)) < 0)
        return rc;
    days = (double)(to - from) / 86400.0;
    plan->aht_seconds = solved[0] ? (double)solved[1] / (double)solved[0] : 0;
    for (int h = 0; h < 24; h++) {
        cs_staffing_hour *x = &plan->hours[h];
        *x = (cs_staffing_hour){h, counts[h] / days, 0, 1.0};
        if (plan->aht_seconds > 0 &&
            (rc = cs_route_erlang_c_agents(&x->agents, &x->service_level, x->arrivals_per_hour,
                                           plan->aht_seconds, answer_seconds, percent)) < 0)
            return rc;
    }
    return CS_OK;
}

int cs_route_staffing(cs_staffing_plan **out, cs_db *db, int64_t group_id, cs_time from, cs_time to,
                      int answer_seconds, int percent)
{
    cs_staffing_plan *plan;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if (!(plan = cs_mem__calloc(1, sizeof(*plan))))
        return cs_error__nomem();
    if ((rc = staffing(plan, db, group_id, from, to, answer_seconds, percent)) < 0) {
        cs_mem__free(plan);
        return rc;
    }
    *out = plan;
    return CS_OK;
}

double cs_staffing_plan_aht_seconds(const cs_staffing_plan *plan)
{
    return plan ? plan->aht_seconds : 0;
}

size_t cs_staffing_plan_count(const cs_staffing_plan *plan)
{
    return plan ? CS_ARRAY_SIZE(plan->hours) : 0;
}

const cs_staffing_hour *cs_staffing_plan_item(const cs_staffing_plan *plan, size_t i)
{
    return plan && i < CS_ARRAY_SIZE(plan->hours) ? &plan->hours[i] : NULL;
}

void cs_staffing_plan_free(cs_staffing_plan *plan)
{
    cs_mem__free(plan);
}

int cs_staffing_hour_hour(const cs_staffing_hour *h)
{
    return h ? h->hour : 0;
}

double cs_staffing_hour_arrivals_per_hour(const cs_staffing_hour *h)
{
    return h ? h->arrivals_per_hour : 0;
}

int cs_staffing_hour_agents(const cs_staffing_hour *h)
{
    return h ? h->agents : 0;
}

double cs_staffing_hour_service_level(const cs_staffing_hour *h)
{
    return h ? h->service_level : 0;
}
