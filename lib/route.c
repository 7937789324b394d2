/*
 * libcs - routing and workload: presence, capacity, group strategies, the next-ticket pick,
 * transfers, callbacks and the estimated wait. The rules are in docs/routing.md.
 */
#include "config.h"

#include <math.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cs-internal.h"
#include "db.h"
#include "perm.h"
#include "audit.h"
#include "agent.h"
#include "ticket.h"
#include "route.h"

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

/* The statement table. ------------------------------------------------------------------ */

/* Whether agent AGENT has every skill ticket TICKET needs: for each tag "skill:<name>" the
 * skill <name>, and with MATCH_LANG set the skill "lang:<language>" of the customer's locale
 * (the part before '-' or '_', lower-cased). One definition for assignment and the pick. */
#define HAS_SKILLS(AGENT, TICKET, MATCH_LANG)                                                  \
    "(NOT EXISTS (SELECT 1 FROM ticket_tag tt WHERE tt.ticket_id = " TICKET                    \
    " AND tt.tag > 'skill:' AND tt.tag < 'skill;' AND NOT EXISTS (SELECT 1 FROM agent_skill s" \
    " WHERE s.agent_id = " AGENT " AND s.skill = substr(tt.tag, 7)))"                          \
    " AND (" MATCH_LANG " = 0 OR EXISTS (SELECT 1 FROM ticket lt"                              \
    " JOIN customer lc ON lc.id = lt.customer_id JOIN agent_skill s ON s.agent_id = " AGENT   \
    " AND s.skill = 'lang:' || lower(substr(lc.locale, 1,"                                     \
    " instr(replace(lc.locale, '_', '-') || '-', '-') - 1)) WHERE lt.id = " TICKET ")))"

/* The new and open tickets of channel kind KIND assigned to AGENT. */
#define LOAD_OF_KIND(AGENT, KIND)                                                              \
    "(SELECT count(*) FROM ticket x LEFT JOIN channel xc ON xc.id = x.channel_id"              \
    " WHERE x.assignee_id = " AGENT " AND x.status IN (1, 2)"                                  \
    " AND coalesce(xc.kind, 0) = " KIND ")"

/* Whether AGENT has room for one more ticket of channel kind KIND. */
#define HAS_ROOM(AGENT, KIND)                                                                  \
    "NOT EXISTS (SELECT 1 FROM agent_capacity k WHERE k.agent_id = " AGENT                     \
    " AND k.channel_kind = " KIND " AND k.capacity <= " LOAD_OF_KIND(AGENT, KIND) ")"

/* Agents who may be given tickets automatically: active, online, not light agents. */
#define AVAILABLE_MEMBERS                                                                      \
    " FROM group_member m JOIN agent a ON a.id = m.agent_id"                                   \
    " JOIN agent_route r ON r.agent_id = a.id"                                                 \
    " WHERE a.active = 1 AND a.role <> 3 AND r.presence = 1"

static const char sql_agent_state[] =
    "SELECT a.role, a.active, coalesce(r.presence, 3) FROM agent a"
    " LEFT JOIN agent_route r ON r.agent_id = a.id WHERE a.id = ?1";
static const char sql_set_presence[] =
    "INSERT INTO agent_route (agent_id, presence, updated_at) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (agent_id) DO UPDATE SET presence = excluded.presence,"
    " updated_at = excluded.updated_at";
static const char sql_capacity_get[] =
    "SELECT capacity FROM agent_capacity WHERE agent_id = ?1 AND channel_kind = ?2";
static const char sql_capacity_set[] =
    "INSERT INTO agent_capacity (agent_id, channel_kind, capacity) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (agent_id, channel_kind) DO UPDATE SET capacity = excluded.capacity";
static const char sql_capacity_drop[] =
    "DELETE FROM agent_capacity WHERE agent_id = ?1 AND channel_kind = ?2";
static const char sql_capacities[] =
    "SELECT channel_kind, capacity FROM agent_capacity WHERE agent_id = ?1 ORDER BY 1";
static const char sql_loads[] =
    "SELECT coalesce(c.kind, 0), count(*) FROM ticket t LEFT JOIN channel c ON c.id = t.channel_id"
    " WHERE t.assignee_id = ?1 AND t.status IN (1, 2) GROUP BY 1 ORDER BY 1";
static const char sql_group_get[] =
    "SELECT coalesce(r.strategy, 1), coalesce(r.match_language, 0) FROM agent_group g"
    " LEFT JOIN group_route r ON r.group_id = g.id WHERE g.id = ?1";
static const char sql_group_set[] =
    "INSERT INTO group_route (group_id, strategy, match_language) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (group_id) DO UPDATE SET strategy = excluded.strategy,"
    " match_language = excluded.match_language";
static const char sql_ticket_route[] =
    "SELECT coalesce(t.group_id, 0), coalesce(t.assignee_id, 0), t.status,"
    " coalesce(c.kind, 0), coalesce(t.callback_from, 0), coalesce(r.strategy, 1),"
    " coalesce(r.match_language, 0) FROM ticket t LEFT JOIN channel c ON c.id = t.channel_id"
    " LEFT JOIN group_route r ON r.group_id = t.group_id WHERE t.id = ?1";
/* ?1 ticket, ?2 group, ?3 channel kind, ?4 strategy, ?5 match language. */
static const char sql_rank_agents[] =
    "SELECT a.id" AVAILABLE_MEMBERS " AND m.group_id = ?2 AND " HAS_ROOM("a.id", "?3")
    " ORDER BY CASE WHEN ?4 = 4 THEN NOT " HAS_SKILLS("a.id", "?1", "?5") " ELSE 0 END,"
    " CASE WHEN ?4 IN (3, 4) THEN (SELECT count(*) FROM ticket x WHERE x.assignee_id = a.id"
    " AND x.status IN (1, 2)) ELSE 0 END, r.last_assigned, a.id LIMIT 1";
static const char sql_agent_groups[] =
    "SELECT m.group_id, coalesce(r.match_language, 0) FROM group_member m"
    " LEFT JOIN group_route r ON r.group_id = m.group_id WHERE m.agent_id = ?1 ORDER BY 1";
/* The first ticket of one group (?1, NULL for none) and tier (?2) the agent (?5) may take,
 * through the partial index ticket_route; ?3 bounds the key (callbacks: now), ?4 is a bit
 * mask of the channel kinds the agent has no room for, ?6 the group's match_language. */
static const char sql_pick[] =
    "SELECT t.id, t.route_key FROM ticket t WHERE t.assignee_id IS NULL AND t.status IN (1, 2)"
    " AND t.group_id IS ?1 AND t.route_tier = ?2 AND t.route_key <= ?3"
    " AND ((?4 >> coalesce((SELECT kind FROM channel WHERE id = t.channel_id), 0)) & 1) = 0"
    " AND " HAS_SKILLS("?5", "t.id", "?6") " ORDER BY t.route_key, t.id LIMIT 1";
static const char sql_next_assignment[] =
    "UPDATE counter SET value = value + 1 WHERE name = 'route_assignments' RETURNING value";
static const char sql_touch_agent[] =
    "INSERT INTO agent_route (agent_id, last_assigned, updated_at) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (agent_id) DO UPDATE SET last_assigned = excluded.last_assigned";
static const char sql_count_transfer[] =
    "UPDATE ticket SET transfers = transfers + ?2,"
    " assigned_at = CASE WHEN ?3 THEN ?4 ELSE assigned_at END WHERE id = ?1";
static const char sql_transfers[] = "SELECT transfers FROM ticket WHERE id = ?1";
static const char sql_report[] =
    "SELECT count(*), coalesce(sum(t.transfers = 0 AND (SELECT count(DISTINCT m.author_id)"
    " FROM message m WHERE m.ticket_id = t.id AND m.author_kind = 1 AND m.direction = 2"
    " AND m.visibility = 1) <= 1), 0), coalesce(sum(t.transfers > 0), 0),"
    " coalesce(sum(t.transfers), 0) FROM ticket t WHERE t.solved_at >= ?1 AND t.solved_at < ?2"
    " AND " CS_SCOPE_SQL("t", "?3");
static const char sql_set_callback[] =
    "UPDATE ticket SET callback_from = ?2, callback_to = ?3 WHERE id = ?1";
static const char sql_callback[] = "SELECT callback_from, callback_to FROM ticket WHERE id = ?1";
static const char sql_backlog[] =
    "SELECT count(*) FROM ticket WHERE assignee_id IS NULL AND status IN (1, 2)"
    " AND group_id = ?1 AND (route_tier > 0 OR route_key <= ?2)";
static const char sql_handle_times[] =
    "SELECT count(*), coalesce(sum(d), 0) FROM (SELECT t.solved_at"
    " - coalesce(t.assigned_at, t.created_at) AS d FROM ticket t WHERE t.group_id = ?1"
    " AND t.solved_at IS NOT NULL ORDER BY t.solved_at DESC, t.id DESC LIMIT ?2)";
static const char sql_available_agents[] =
    "SELECT count(*)" AVAILABLE_MEMBERS " AND m.group_id = ?1 AND (?2 = 0 OR "
    HAS_ROOM("a.id", "?2") ")";
static const char sql_group_exists[] = "SELECT 1 FROM agent_group WHERE id = ?1";
static const char sql_arrivals[] =
    "SELECT (created_at % 86400) / 3600, count(*) FROM ticket"
    " WHERE created_at >= ?2 AND created_at < ?3 AND (?1 = 0 OR group_id = ?1) GROUP BY 1";
static const char sql_range_handle_time[] =
    "SELECT count(*), coalesce(sum(solved_at - coalesce(assigned_at, created_at)), 0)"
    " FROM ticket WHERE solved_at >= ?2 AND solved_at < ?3 AND (?1 = 0 OR group_id = ?1)";

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

/* Step a statement bound by the caller and read up to n integer columns of its one row;
 * *found says whether there was one. Releases the statement. */
static int one_row(cs_db *db, sqlite3_stmt *st, int64_t *cols, int n, bool *found,
                   const char *what)
{
    int step = cs_db__step(db, st), rc = CS_OK;

    *found = step == SQLITE_ROW;
    if (step == SQLITE_ROW) {
        for (int i = 0; i < n; i++)
            cols[i] = sqlite3_column_int64(st, i);
    } else if (step != SQLITE_DONE) {
        rc = cs_db__error(db, step, what);
    }
    cs_db__done(st);
    return rc;
}

/* The statement `sql` with one id bound, or NULL after recording the error. */
static sqlite3_stmt *stmt_id(cs_db *db, const char *sql, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);

    if (st)
        sqlite3_bind_int64(st, 1, id);
    return st;
}

typedef struct agent_state {
    int role, active, presence;
} agent_state;

static int read_agent(agent_state *out, cs_db *db, int64_t agent_id)
{
    sqlite3_stmt *st = stmt_id(db, sql_agent_state, agent_id);
    int64_t cols[3];
    bool found;
    int rc;

    if (!st)
        return cs_error_last()->code;
    if ((rc = one_row(db, st, cols, 3, &found, "read agent")) < 0)
        return rc;
    if (!found)
        return cs_error__set(CS_ENOTFOUND, "agent_id", "agent %lld does not exist",
                             (long long)agent_id);
    *out = (agent_state){(int)cols[0], (int)cols[1], (int)cols[2]};
    return CS_OK;
}

/* Presence ----------------------------------------------------------------------------- */

static int set_presence(cs_db *db, const cs_actor *by, int64_t agent_id, int presence)
{
    char a[24], b[24];
    agent_state ag;
    sqlite3_stmt *st;
    int rc;

    if ((rc = read_agent(&ag, db, agent_id)) < 0 || ag.presence == presence)
        return rc;
    if (!(st = stmt_id(db, sql_set_presence, agent_id)))
        return cs_error_last()->code;
    sqlite3_bind_int(st, 2, presence);
    sqlite3_bind_int64(st, 3, cs_db_now(db));
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
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
        (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, set_presence(db, &by, agent_id, presence));
}

int cs_route_presence(int *out, cs_db *db, int64_t agent_id)
{
    agent_state ag;
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
    agent_state ag;
    sqlite3_stmt *st;
    bool found;
    int rc;

    if ((rc = read_agent(&ag, db, agent_id)) < 0 ||
        !(st = stmt_id(db, sql_capacity_get, agent_id)))
        return rc < 0 ? rc : cs_error_last()->code;
    sqlite3_bind_int(st, 2, kind);
    if ((rc = one_row(db, st, &old, 1, &found, "read capacity")) < 0 || old == capacity)
        return rc;
    if (!(st = stmt_id(db, capacity == CS_UNSET ? sql_capacity_drop : sql_capacity_set,
                       agent_id)))
        return cs_error_last()->code;
    sqlite3_bind_int(st, 2, kind);
    if (capacity != CS_UNSET)
        sqlite3_bind_int(st, 3, capacity);
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
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

/* {"kind": n, ...} of a statement's (kind, n) rows; NULL when jansson runs out of memory. */
static int kinds_json(json_t **out, cs_db *db, sqlite3_stmt *st)
{
    json_t *o = json_object();
    int step, rc = CS_OK;

    while (o && (step = cs_db__step(db, st)) == SQLITE_ROW) {
        const char *name = cs_channel_kind_name(sqlite3_column_int(st, 0));
        if (json_object_set_new(o, name ? name : "none",
                                json_integer(sqlite3_column_int64(st, 1))) < 0)
            break;
    }
    if (!o || step == SQLITE_ROW)
        rc = cs_error__nomem();
    else if (step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read capacity");
    cs_db__done(st);
    if (rc < 0)
        json_decref(o);
    *out = rc < 0 ? NULL : o;
    return rc;
}

int cs_route_agent_json(char **out, cs_db *db, int64_t agent_id)
{
    json_t *capacity = NULL, *load = NULL;
    agent_state ag;
    sqlite3_stmt *st;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_READ)) < 0 ||
        (rc = read_agent(&ag, db, agent_id)) < 0)
        return rc;
    if (!(st = stmt_id(db, sql_capacities, agent_id)) ||
        (rc = kinds_json(&capacity, db, st)) < 0)
        return st ? rc : cs_error_last()->code;
    if (!(st = stmt_id(db, sql_loads, agent_id)) || (rc = kinds_json(&load, db, st)) < 0) {
        json_decref(capacity);
        return st ? rc : cs_error_last()->code;
    }
    return cs_json__dump(out, json_pack("{s:I, s:s, s:o, s:o}", "agent_id", (json_int_t)agent_id,
                                        "presence", cs_presence_name(ag.presence), "capacity",
                                        capacity, "load", load));
}

/* Groups ------------------------------------------------------------------------------- */

static int read_group(cs_route_group_fields *out, cs_db *db, int64_t group_id)
{
    sqlite3_stmt *st = stmt_id(db, sql_group_get, group_id);
    int64_t cols[2];
    bool found;
    int rc;

    if (!st)
        return cs_error_last()->code;
    if ((rc = one_row(db, st, cols, 2, &found, "read group")) < 0)
        return rc;
    if (!found)
        return cs_error__set(CS_ENOTFOUND, "group_id", "group %lld does not exist",
                             (long long)group_id);
    *out = (cs_route_group_fields){CS_ROUTE_GROUP_FIELDS_VERSION, (int)cols[0], (int)cols[1]};
    return CS_OK;
}

static int group_set(cs_db *db, const cs_actor *by, int64_t group_id,
                     const cs_route_group_fields *f)
{
    cs_change c = CS_CHANGE_INIT(db, by, "group", group_id);
    cs_route_group_fields old, next;
    sqlite3_stmt *st;
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
    if (!(st = stmt_id(db, sql_group_set, group_id)))
        return cs_error_last()->code;
    sqlite3_bind_int(st, 2, next.strategy);
    sqlite3_bind_int(st, 3, next.match_language);
    return cs_db__exec_stmt(db, st);
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

typedef struct ticket_route {
    int64_t group, assignee, kind, callback_from, strategy, match_language;
    int64_t status;
} ticket_route;

static int read_ticket_route(ticket_route *out, cs_db *db, int64_t ticket_id)
{
    sqlite3_stmt *st = stmt_id(db, sql_ticket_route, ticket_id);
    int64_t c[7];
    bool found;
    int rc;

    if (!st)
        return cs_error_last()->code;
    if ((rc = one_row(db, st, c, 7, &found, "read ticket")) < 0)
        return rc;
    if (!found)
        return cs_error__set(CS_ENOTFOUND, "ticket_id", "ticket %lld does not exist",
                             (long long)ticket_id);
    *out = (ticket_route){c[0], c[1], c[3], c[4], c[5], c[6], c[2]};
    return CS_OK;
}

static int assign(int64_t *agent_id, cs_db *db, const cs_actor *by, int64_t ticket_id)
{
    ticket_route t = {0};
    sqlite3_stmt *st;
    bool found;
    int rc;

    *agent_id = 0;
    if ((rc = read_ticket_route(&t, db, ticket_id)) < 0)
        return rc;
    if (!t.group || t.assignee || (t.status != CS_STATUS_NEW && t.status != CS_STATUS_OPEN) ||
        t.strategy == CS_ROUTE_MANUAL || (t.callback_from && t.callback_from > cs_db_now(db)))
        return CS_OK;
    if (!(st = stmt_id(db, sql_rank_agents, ticket_id)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 2, t.group);
    sqlite3_bind_int64(st, 3, t.kind);
    sqlite3_bind_int64(st, 4, t.strategy);
    sqlite3_bind_int64(st, 5, t.match_language);
    if ((rc = one_row(db, st, agent_id, 1, &found, "rank agents")) < 0 || !found)
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
    if ((rc = cs_ticket__reach(db, &by, CS_CAP_TICKET_WRITE, ticket_id, "ticket_id")) == CS_OK)
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
    int64_t seq = 0;
    sqlite3_stmt *st;
    bool found;
    int rc;

    if (!transfer && !assigned)
        return CS_OK;
    if (!(st = stmt_id(db, sql_count_transfer, ticket_id)))
        return cs_error_last()->code;
    sqlite3_bind_int(st, 2, transfer);
    sqlite3_bind_int(st, 3, assigned);
    sqlite3_bind_int64(st, 4, cs_db_now(db));
    if ((rc = cs_db__exec_stmt(db, st)) < 0 || !assigned)
        return rc;
    /* The agent becomes the most recently assigned: round robin's order. */
    if (!(st = cs_db__stmt(db, sql_next_assignment)))
        return cs_error_last()->code;
    if ((rc = one_row(db, st, &seq, 1, &found, "count assignments")) < 0)
        return rc;
    if (!(st = stmt_id(db, sql_touch_agent, agent)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int64(st, 3, cs_db_now(db));
    return cs_db__exec_stmt(db, st);
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
    int64_t load[32] = {0};
    sqlite3_stmt *st = stmt_id(db, sql_loads, agent_id);
    int step, rc = CS_OK;

    *mask = 0;
    if (!st)
        return cs_error_last()->code;
    while ((step = cs_db__step(db, st)) == SQLITE_ROW)
        load[sqlite3_column_int(st, 0) & 31] = sqlite3_column_int64(st, 1);
    cs_db__done(st);
    if (step != SQLITE_DONE || !(st = stmt_id(db, sql_capacities, agent_id)))
        return step != SQLITE_DONE ? cs_db__error(db, step, "read load") : cs_error_last()->code;
    while ((step = cs_db__step(db, st)) == SQLITE_ROW) {
        int kind = sqlite3_column_int(st, 0) & 31;
        if (load[kind] >= sqlite3_column_int64(st, 1))
            *mask |= 1u << kind;
    }
    if (step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read capacity");
    cs_db__done(st);
    return rc;
}

/* The groups an agent takes tickets from: its own, and (group 0) tickets without one. */
typedef struct pick_group {
    int64_t id, match_language;
} pick_group;

typedef struct pick_state {
    cs_db *db;
    bool scoped; /* the agent sees its groups' tickets only: none without a group */
    int64_t agent, now;
    uint32_t full;
    pick_group *groups;
    size_t n;
} pick_state;

static int load_groups(pick_state *p)
{
    sqlite3_stmt *st = stmt_id(p->db, sql_agent_groups, p->agent);
    int step, rc = CS_OK;

    if (!st)
        return cs_error_last()->code;
    if (!(p->groups = cs_mem__calloc(1, sizeof(*p->groups))))
        rc = cs_error__nomem();
    p->n = p->scoped ? 0 : 1; /* groups[0] is "no group" */
    while (rc == CS_OK && (step = cs_db__step(p->db, st)) == SQLITE_ROW) {
        pick_group *g = cs_mem__realloc(p->groups, (p->n + 1) * sizeof(*g));
        if (!g) {
            rc = cs_error__nomem();
            break;
        }
        p->groups = g;
        g[p->n++] = (pick_group){sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)};
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(p->db, step, "read groups");
    cs_db__done(st);
    return rc;
}

/* The best candidate of one group and tier: (key, id) smaller than *best replaces it. */
static int pick_one(pick_state *p, const pick_group *g, int tier, int64_t best[2])
{
    sqlite3_stmt *st = cs_db__stmt(p->db, sql_pick);
    int64_t row[2];
    bool found;
    int rc;

    if (!st)
        return cs_error_last()->code;
    if (g->id)
        sqlite3_bind_int64(st, 1, g->id);
    sqlite3_bind_int(st, 2, tier);
    sqlite3_bind_int64(st, 3, tier == 0 ? p->now : INT64_MAX);
    sqlite3_bind_int64(st, 4, p->full);
    sqlite3_bind_int64(st, 5, p->agent);
    sqlite3_bind_int64(st, 6, g->match_language);
    if ((rc = one_row(p->db, st, row, 2, &found, "pick a ticket")) < 0 || !found)
        return rc;
    if (!best[1] || row[1] < best[0] || (row[1] == best[0] && row[0] < best[1]))
        best[0] = row[1], best[1] = row[0];
    return CS_OK;
}

static int pick(int64_t *ticket_id, pick_state *p)
{
    int64_t best[2] = {0, 0}; /* key, id */
    int rc;

    for (int tier = 0; tier < 3 && !best[1]; tier++)
        for (size_t i = 0; i < p->n; i++)
            if ((rc = pick_one(p, &p->groups[i], tier, best)) < 0)
                return rc;
    *ticket_id = best[1];
    return CS_OK;
}

static int check_taker(pick_state *p)
{
    cs_db *db = p->db;
    int64_t agent_id = p->agent;
    cs_actor taker;
    agent_state ag;
    int rc;

    if ((rc = read_agent(&ag, db, agent_id)) < 0)
        return rc;
    if (!ag.active || ag.role == CS_ROLE_LIGHT)
        return cs_error__set(CS_EPERM, "agent_id", "agent %lld is %s and cannot take tickets",
                             (long long)agent_id, ag.active ? "a light agent" : "inactive");
    if ((rc = cs_agent__actor(&taker, db, agent_id)) < 0)
        return rc;
    p->scoped = taker.scoped;
    if (ag.presence != CS_PRESENCE_ONLINE)
        return cs_error__set(CS_ECONFLICT, "presence", "agent %lld is %s, not online",
                             (long long)agent_id, cs_presence_name(ag.presence));
    return CS_OK;
}

static int next(int64_t *ticket_id, cs_db *db, const cs_actor *by, int64_t agent_id)
{
    pick_state p = {db, false, agent_id, cs_db_now(db), 0, NULL, 0};
    int rc;

    if ((rc = check_taker(&p)) < 0 || (rc = full_kinds(&p.full, db, agent_id)) < 0 ||
        (rc = load_groups(&p)) < 0 || (rc = pick(ticket_id, &p)) < 0 || !*ticket_id)
        goto out;
    rc = give(db, by, *ticket_id, agent_id);
out:
    cs_mem__free(p.groups);
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
     * other handle or process can take the same ticket in between. */
    if ((rc = cs_db__begin(db)) < 0)
        return rc;
    rc = cs_react__end(db, next(ticket_id, db, &by, agent_id));
    if (rc < 0)
        *ticket_id = 0;
    return rc;
}

/* Transfers and first-contact resolution ----------------------------------------------- */

int cs_route_transfers(int64_t *out, cs_db *db, int64_t ticket_id)
{
    sqlite3_stmt *st;
    cs_actor by;
    bool found;
    int rc;

    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    *out = 0;
    if ((rc = cs_perm__require(&by, db, CS_CAP_TICKET_READ)) < 0 ||
        (rc = cs_ticket__reach(db, &by, CS_CAP_TICKET_READ, ticket_id, "ticket_id")) < 0)
        return rc;
    if (!(st = stmt_id(db, sql_transfers, ticket_id)))
        return cs_error_last()->code;
    if ((rc = one_row(db, st, out, 1, &found, "read transfers")) < 0)
        return rc;
    return found ? CS_OK
                 : cs_error__set(CS_ENOTFOUND, "ticket_id", "ticket %lld does not exist",
                                 (long long)ticket_id);
}

int cs_route_report_get(cs_route_report *out, cs_db *db, cs_time from, cs_time to)
{
    int64_t c[4] = {0};
    sqlite3_stmt *st;
    cs_actor by;
    bool found;
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
    if (!(st = stmt_id(db, sql_report, from)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 2, to);
    sqlite3_bind_int64(st, 3, cs_perm__scope(&by));
    if ((rc = one_row(db, st, c, 4, &found, "report transfers")) < 0)
        return rc;
    out->solved = c[0], out->first_contact = c[1];
    out->transferred = c[2], out->transfers = c[3];
    return CS_OK;
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
    sqlite3_stmt *st;
    int rc;

    if ((rc = cs_ticket__create(ticket_id, db, by, &tf)) < 0)
        return rc;
    if (!(st = stmt_id(db, sql_set_callback, *ticket_id)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 2, f->window_from);
    sqlite3_bind_int64(st, 3, f->window_to);
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
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
    int64_t c[2] = {0, 0};
    sqlite3_stmt *st;
    cs_actor by;
    bool found;
    int rc;

    if (!from || !to || !db)
        return cs_error__inval(!from ? "from" : !to ? "to" : "db", "%s is NULL",
                               !from ? "from" : !to ? "to" : "db");
    *from = *to = 0;
    if ((rc = cs_perm__require(&by, db, CS_CAP_TICKET_READ)) < 0 ||
        (rc = cs_ticket__reach(db, &by, CS_CAP_TICKET_READ, ticket_id, "ticket_id")) < 0)
        return rc;
    if (!(st = stmt_id(db, sql_callback, ticket_id)))
        return cs_error_last()->code;
    if ((rc = one_row(db, st, c, 2, &found, "read callback")) < 0)
        return rc;
    if (!found)
        return cs_error__set(CS_ENOTFOUND, "ticket_id", "ticket %lld does not exist",
                             (long long)ticket_id);
    *from = c[0], *to = c[1];
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

static int count_of(int64_t *out, cs_db *db, const char *sql, int64_t a, int64_t b, int n)
{
    sqlite3_stmt *st = stmt_id(db, sql, a);
    bool found;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 2, b);
    return one_row(db, st, out, n, &found, "estimate the wait");
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
        (rc = cs_db__exists(db, sql_group_exists, group_id, "group_id", "group")) < 0 ||
        (rc = scoped_group(db, &by, group_id)) < 0 ||
        (rc = count_of(&agents, db, sql_available_agents, group_id, channel_kind, 1)) < 0 ||
        (rc = count_of(&backlog, db, sql_backlog, group_id, cs_db_now(db), 1)) < 0 ||
        (rc = count_of(aht, db, sql_handle_times, group_id, CS_ROUTE_WAIT_SAMPLE, 2)) < 0)
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

int cs_erlang_c_agents(int *agents, double *level, double arrivals_per_hour, double aht_seconds,
                       int answer_seconds, int percent)
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
        for (n = (int)floor(a) + 1; (sl = service_level(n, a, aht_seconds, answer_seconds)) <
                                    percent / 100.0;
             n++)
            ;
    *agents = n;
    if (level)
        *level = sl;
    return CS_OK;
}

int cs_route_staffing(cs_staffing_hour hours[24], double *aht_seconds, cs_db *db,
                      int64_t group_id, cs_time from, cs_time to, int answer_seconds,
                      int percent)
{
    int64_t solved[2] = {0, 0}, counts[24] = {0};
    double days, aht;
    sqlite3_stmt *st;
    cs_actor by;
    int rc, step, unused;

    if (!hours || !db)
        return cs_error__inval(hours ? "db" : "hours", "%s is NULL", hours ? "db" : "hours");
    if (to <= from)
        return cs_error__inval("to", "to must be after from");
    if ((rc = cs_erlang_c_agents(&unused, NULL, 0, 1, answer_seconds, percent)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_REPORT_READ)) < 0 ||
        (!group_id && (rc = cs_perm__unscoped(&by, CS_CAP_REPORT_READ)) < 0) ||
        (group_id && (rc = cs_db__exists(db, sql_group_exists, group_id, "group_id",
                                         "group")) < 0) ||
        (group_id && (rc = scoped_group(db, &by, group_id)) < 0))
        return rc;
    if (!(st = cs_db__stmt(db, sql_range_handle_time)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, group_id);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    if ((step = cs_db__step(db, st)) == SQLITE_ROW)
        solved[0] = sqlite3_column_int64(st, 0), solved[1] = sqlite3_column_int64(st, 1);
    cs_db__done(st);
    if (step != SQLITE_ROW)
        return cs_db__error(db, step, "measure handle times");
    if (!(st = cs_db__stmt(db, sql_arrivals)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, group_id);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    while ((step = cs_db__step(db, st)) == SQLITE_ROW)
        counts[sqlite3_column_int(st, 0) % 24] = sqlite3_column_int64(st, 1);
    cs_db__done(st);
    if (step != SQLITE_DONE)
        return cs_db__error(db, step, "count arrivals");
    days = (double)(to - from) / 86400.0;
    aht = solved[0] ? (double)solved[1] / (double)solved[0] : 0;
    if (aht_seconds)
        *aht_seconds = aht;
    for (int h = 0; h < 24; h++) {
        hours[h] = (cs_staffing_hour){h, counts[h] / days, 0, 1.0};
        if (aht > 0 && (rc = cs_erlang_c_agents(&hours[h].agents, &hours[h].service_level,
                                                hours[h].arrivals_per_hour, aht,
                                                answer_seconds, percent)) < 0)
            return rc;
    }
    return CS_OK;
}
