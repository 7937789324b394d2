/*
 * libcs - routing in SQLite: presence, capacity, group strategies, the ranking of agents, the
 * next-ticket pick, transfers, callbacks and the figures of the estimated wait.
 *
 * The queue of unassigned tickets lives in the ticket row (lib/schema/0005-routing.sql): the
 * triggers on ticket_sla keep route_due, the earliest running SLA deadline, and the generated
 * columns route_tier and route_key give the queue's order, so that one partial index,
 * ticket_route, serves the pick and the backlog. That is SQLite's way to a cheap pick; another
 * backend keeps the order as it sees fit.
 */
#include "config.h"

#include "db.h"
#include "store/route.h"

/* Enum values as literals, checked here. The pick and the backlog must repeat the predicate of
 * the partial index ticket_route word for word ("assignee_id IS NULL AND status IN (1, 2)"):
 * SQLite uses a partial index only for a statement that says what it says. The fragments
 * below are shared by statements whose parameters differ, so they say theirs the same way. */
#define SQL_QUEUED "(1, 2)" /* the statuses new and open: the tickets in the queue */
_Static_assert(CS_STATUS_NEW == 1 && CS_STATUS_OPEN == 2, "SQL_QUEUED");
#define SQL_ONLINE "1"
_Static_assert(CS_PRESENCE_ONLINE == 1, "SQL_ONLINE");
#define SQL_LIGHT "3"
_Static_assert(CS_ROLE_LIGHT == 3, "SQL_LIGHT");

/* The values of the generated column route_tier, in the order the pick takes them. */
enum tier { TIER_CALLBACK = 0, TIER_DUE = 1, TIER_REST = 2, TIERS };

/* Whether agent AGENT has every skill ticket TICKET needs: for each tag "skill:<name>" the
 * skill <name>, and with MATCH_LANG set the skill "lang:<language>" of the customer's locale
 * (the part before '-' or '_', lower-cased). One definition for the ranking and the pick,
 * each of which decides in one statement. The tags "skill:..." are read as the range
 * ('skill:', 'skill;') of the primary key (ticket_id, tag), ';' following ':'; LIKE 'skill:%'
 * would not use the key, as SQLite's LIKE ignores case and the key's collation does not. */
#define HAS_SKILLS(AGENT, TICKET, MATCH_LANG)                                                      \
    "(NOT EXISTS (SELECT 1 FROM ticket_tag tt WHERE tt.ticket_id = " TICKET                        \
    " AND tt.tag > 'skill:' AND tt.tag < 'skill;' AND NOT EXISTS (SELECT 1 FROM agent_skill s"     \
    " WHERE s.agent_id = " AGENT " AND s.skill = substr(tt.tag, 7)))"                              \
    " AND (" MATCH_LANG " = 0 OR EXISTS (SELECT 1 FROM ticket lt"                                  \
    " JOIN customer lc ON lc.id = lt.customer_id JOIN agent_skill s ON s.agent_id = " AGENT        \
    " AND s.skill = 'lang:' || lower(substr(lc.locale, 1,"                                         \
    " instr(replace(lc.locale, '_', '-') || '-', '-') - 1)) WHERE lt.id = " TICKET ")))"

/* The new and open tickets of channel kind KIND assigned to AGENT: counted where it is
 * needed, inside the ranking, so one statement ranks every member. */
#define LOAD_OF_KIND(AGENT, KIND)                                                                  \
    "(SELECT count(*) FROM ticket x LEFT JOIN channel xc ON xc.id = x.channel_id"                  \
    " WHERE x.assignee_id = " AGENT " AND x.status IN " SQL_QUEUED                                 \
    " AND coalesce(xc.kind, 0) = " KIND ")"

/* Whether AGENT has room for one more ticket of channel kind KIND. */
#define HAS_ROOM(AGENT, KIND)                                                                      \
    "NOT EXISTS (SELECT 1 FROM agent_capacity k WHERE k.agent_id = " AGENT                         \
    " AND k.channel_kind = " KIND " AND k.capacity <= " LOAD_OF_KIND(AGENT, KIND) ")"

/* Agents who may be given tickets automatically: active, online, not light agents. */
#define AVAILABLE_MEMBERS                                                                          \
    " FROM group_member m JOIN agent a ON a.id = m.agent_id"                                       \
    " JOIN agent_route r ON r.agent_id = a.id"                                                     \
    " WHERE a.active = 1 AND a.role <> " SQL_LIGHT " AND r.presence = " SQL_ONLINE

/* Routing's own tables. */
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
static const char sql_group_set[] =
    "INSERT INTO group_route (group_id, strategy, match_language) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (group_id) DO UPDATE SET strategy = excluded.strategy,"
    " match_language = excluded.match_language";
/* RETURNING (SQLite's, as PostgreSQL's): the counter's new value without a second read. */
static const char sql_next_assignment[] =
    "UPDATE counter SET value = value + 1 WHERE name = 'route_assignments' RETURNING value";
static const char sql_touch_agent[] =
    "INSERT INTO agent_route (agent_id, last_assigned, updated_at) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (agent_id) DO UPDATE SET last_assigned = excluded.last_assigned";
static const char sql_count_transfer[] =
    "UPDATE ticket SET transfers = transfers + ?2,"
    " assigned_at = CASE WHEN ?3 THEN ?4 ELSE assigned_at END WHERE id = ?1";
static const char sql_transfers[] = "SELECT transfers FROM ticket WHERE id = ?1";
static const char sql_set_callback[] =
    "UPDATE ticket SET callback_from = ?2, callback_to = ?3 WHERE id = ?1";
static const char sql_callback[] = "SELECT callback_from, callback_to FROM ticket WHERE id = ?1";

/* Helpers ---------------------------------------------------------------------------------- */

/* Step a statement bound by the caller and read up to n integer columns of its one row;
 * *found says whether there was one. Releases the statement. */
static int one_row(cs_db *db, sqlite3_stmt *st, int64_t *cols, int n, bool *found, const char *what)
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

/* The one row of `sql` with the id bound as ?1 and a second integer as ?2. */
static int row_of(int64_t *cols, int n, bool *found, cs_db *db, const char *sql, int64_t id,
                  int64_t b, const char *what)
{
    sqlite3_stmt *st = stmt_id(db, sql, id);

    *found = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 2, b);
    return one_row(db, st, cols, n, found, what);
}

/* The (kind, number) rows of `sql` with the agent bound as ?1. */
static int read_kinds(cs_route__kinds *out, cs_db *db, const char *sql, int64_t agent_id,
                      const char *what)
{
    sqlite3_stmt *st = stmt_id(db, sql, agent_id);
    int step;

    out->n = 0;
    if (!st)
        return cs_error_last()->code;
    while ((step = cs_db__step(db, st)) == SQLITE_ROW) {
        if (out->n == CS_ROUTE__KINDS)
            continue;
        out->v[out->n].kind = sqlite3_column_int(st, 0);
        out->v[out->n++].n = sqlite3_column_int64(st, 1);
    }
    cs_db__done(st);
    return step == SQLITE_DONE ? CS_OK : cs_db__error(db, step, what);
}

/* Routing's own tables ---------------------------------------------------------------------- */

int cs_store__route_presence_set(cs_db *db, int64_t agent_id, int presence, cs_time now)
{
    sqlite3_stmt *st = stmt_id(db, sql_set_presence, agent_id);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int(st, 2, presence);
    sqlite3_bind_int64(st, 3, now);
    return cs_db__exec_stmt(db, st);
}

int cs_store__route_capacity(int64_t *out, bool *found, cs_db *db, int64_t agent_id, int kind)
{
    return row_of(out, 1, found, db, sql_capacity_get, agent_id, kind, "read capacity");
}

int cs_store__route_capacity_set(cs_db *db, int64_t agent_id, int kind, int capacity)
{
    sqlite3_stmt *st =
        stmt_id(db, capacity == CS_UNSET ? sql_capacity_drop : sql_capacity_set, agent_id);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int(st, 2, kind);
    if (capacity != CS_UNSET)
        sqlite3_bind_int(st, 3, capacity);
    return cs_db__exec_stmt(db, st);
}

int cs_store__route_capacities(cs_route__kinds *out, cs_db *db, int64_t agent_id)
{
    return read_kinds(out, db, sql_capacities, agent_id, "read capacity");
}

int cs_store__route_group_set(cs_db *db, int64_t group_id, int strategy, int match_language)
{
    sqlite3_stmt *st = stmt_id(db, sql_group_set, group_id);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int(st, 2, strategy);
    sqlite3_bind_int(st, 3, match_language);
    return cs_db__exec_stmt(db, st);
}

int cs_store__route_assigned(cs_db *db, int64_t ticket_id, bool transfer, bool assigned,
                             cs_time now)
{
    sqlite3_stmt *st = stmt_id(db, sql_count_transfer, ticket_id);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int(st, 2, transfer);
    sqlite3_bind_int(st, 3, assigned);
    sqlite3_bind_int64(st, 4, now);
    return cs_db__exec_stmt(db, st);
}

int cs_store__route_agent_assigned(cs_db *db, int64_t agent_id, cs_time now)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_next_assignment);
    int64_t seq = 0;
    bool found;
    int rc;

    if (!st)
        return cs_error_last()->code;
    if ((rc = one_row(db, st, &seq, 1, &found, "count assignments")) < 0)
        return rc;
    if (!(st = stmt_id(db, sql_touch_agent, agent_id)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int64(st, 3, now);
    return cs_db__exec_stmt(db, st);
}

int cs_store__route_transfers(int64_t *out, bool *found, cs_db *db, int64_t ticket_id)
{
    sqlite3_stmt *st = stmt_id(db, sql_transfers, ticket_id);

    *found = false;
    if (!st)
        return cs_error_last()->code;
    return one_row(db, st, out, 1, found, "read transfers");
}

int cs_store__route_callback(cs_time *from, cs_time *to, bool *found, cs_db *db, int64_t ticket_id)
{
    sqlite3_stmt *st = stmt_id(db, sql_callback, ticket_id);
    int64_t c[2] = {0, 0};
    int rc;

    *found = false;
    if (!st)
        return cs_error_last()->code;
    rc = one_row(db, st, c, 2, found, "read callback");
    *from = c[0], *to = c[1];
    return rc;
}

int cs_store__route_callback_set(cs_db *db, int64_t ticket_id, cs_time from, cs_time to)
{
    sqlite3_stmt *st = stmt_id(db, sql_set_callback, ticket_id);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    return cs_db__exec_stmt(db, st);
}

/* Reads across owners: one query each, joining other modules' tables; none writes ------------ */

/* agent, with routing's agent_route. */
static const char sql_agent_state[] =
    "SELECT a.role, a.active, coalesce(r.presence, ?2) FROM agent a"
    " LEFT JOIN agent_route r ON r.agent_id = a.id WHERE a.id = ?1";
/* ticket and channel. */
static const char sql_loads[] =
    "SELECT coalesce(c.kind, 0), count(*) FROM ticket t LEFT JOIN channel c ON c.id = t.channel_id"
    " WHERE t.assignee_id = ?1 AND t.status IN " SQL_QUEUED " GROUP BY 1 ORDER BY 1";
/* agent_group, with routing's group_route. */
static const char sql_group_get[] =
    "SELECT coalesce(r.strategy, ?2), coalesce(r.match_language, 0) FROM agent_group g"
    " LEFT JOIN group_route r ON r.group_id = g.id WHERE g.id = ?1";
/* group_member, with routing's group_route. */
static const char sql_agent_groups[] =
    "SELECT m.group_id, coalesce(r.match_language, 0) FROM group_member m"
    " LEFT JOIN group_route r ON r.group_id = m.group_id WHERE m.agent_id = ?1 ORDER BY 1";
/* ticket and channel, with routing's columns of ticket and group_route. */
static const char sql_ticket_route[] =
    "SELECT coalesce(t.group_id, 0), coalesce(t.assignee_id, 0), t.status,"
    " coalesce(c.kind, 0), coalesce(t.callback_from, 0), coalesce(r.strategy, ?2),"
    " coalesce(r.match_language, 0) FROM ticket t LEFT JOIN channel c ON c.id = t.channel_id"
    " LEFT JOIN group_route r ON r.group_id = t.group_id WHERE t.id = ?1";
/* The ranking: agent, group_member, ticket, channel, ticket_tag, customer and agent_skill
 * with routing's agent_route and agent_capacity, in one statement that ranks every member.
 * ?1 ticket, ?2 group, ?3 channel kind, ?4 by skills, ?5 by load, ?6 match language. */
static const char sql_rank_agents[] =
    "SELECT a.id" AVAILABLE_MEMBERS " AND m.group_id = ?2 AND " HAS_ROOM(
        "a.id",
        "?3") " ORDER BY CASE WHEN ?4 THEN NOT " HAS_SKILLS("a.id", "?1",
                                                            "?6") " ELSE 0 END,"
                                                                  " CASE WHEN ?5 THEN (SELECT "
                                                                  "count(*) FROM ticket x WHERE "
                                                                  "x.assignee_id = a.id"
                                                                  " AND x.status IN " SQL_QUEUED
                                                                  ") ELSE 0 END, r.last_assigned, "
                                                                  "a.id LIMIT 1";
/* The first ticket of one group (?1, NULL for none) and tier (?2) the agent (?5) may take,
 * through the partial index ticket_route; ?3 bounds the key (callbacks: now), ?4 is a bit
 * mask of the channel kinds the agent has no room for, ?6 the group's match_language. Reads
 * ticket, channel, ticket_tag, customer and agent_skill. */
static const char sql_pick[] =
    "SELECT t.id, t.route_key FROM ticket t WHERE t.assignee_id IS NULL"
    " AND t.status IN " SQL_QUEUED " AND t.group_id IS ?1 AND t.route_tier = ?2"
    " AND t.route_key <= ?3"
    " AND ((?4 >> coalesce((SELECT kind FROM channel WHERE id = t.channel_id), 0)) & 1) = 0"
    " AND " HAS_SKILLS("?5", "t.id", "?6") " ORDER BY t.route_key, t.id LIMIT 1";
/* Through the partial index ticket_route too: ?3 is the callback tier. */
static const char sql_backlog[] =
    "SELECT count(*) FROM ticket WHERE assignee_id IS NULL AND status IN " SQL_QUEUED
    " AND group_id = ?1 AND (route_tier > ?3 OR route_key <= ?2)";
static const char sql_available_agents[] =
    "SELECT count(*)" AVAILABLE_MEMBERS
    " AND m.group_id = ?1 AND (?2 = 0 OR " HAS_ROOM("a.id", "?2") ")";
/* ticket, with routing's assigned_at. */
static const char sql_handle_times[] =
    "SELECT count(*), coalesce(sum(d), 0) FROM (SELECT t.solved_at"
    " - coalesce(t.assigned_at, t.created_at) AS d FROM ticket t WHERE t.group_id = ?1"
    " AND t.solved_at IS NOT NULL ORDER BY t.solved_at DESC, t.id DESC LIMIT ?2)";
static const char sql_range_handle_time[] =
    "SELECT count(*), coalesce(sum(solved_at - coalesce(assigned_at, created_at)), 0)"
    " FROM ticket WHERE solved_at >= ?2 AND solved_at < ?3 AND (?1 = 0 OR group_id = ?1)";
static const char sql_arrivals[] =
    "SELECT (created_at % 86400) / 3600, count(*) FROM ticket"
    " WHERE created_at >= ?2 AND created_at < ?3 AND (?1 = 0 OR group_id = ?1) GROUP BY 1";
/* ticket and message, with routing's transfers: ?4 to ?6 an agent's public reply. */
static const char sql_report[] =
    "SELECT count(*), coalesce(sum(t.transfers = 0 AND (SELECT count(DISTINCT m.author_id)"
    " FROM message m WHERE m.ticket_id = t.id AND m.author_kind = ?4 AND m.direction = ?5"
    " AND m.visibility = ?6) <= 1), 0), coalesce(sum(t.transfers > 0), 0),"
    " coalesce(sum(t.transfers), 0) FROM ticket t WHERE t.solved_at >= ?1 AND t.solved_at < ?2"
    " AND " CS_SCOPE_SQL("t", "?3");

int cs_store__route_agent(cs_route__agent *out, bool *found, cs_db *db, int64_t agent_id)
{
    int64_t c[3];
    int rc = row_of(c, 3, found, db, sql_agent_state, agent_id, CS_PRESENCE_OFFLINE, "read agent");

    if (rc == CS_OK && *found)
        *out = (cs_route__agent){(int)c[0], (int)c[1], (int)c[2]};
    return rc;
}

int cs_store__route_loads(cs_route__kinds *out, cs_db *db, int64_t agent_id)
{
    return read_kinds(out, db, sql_loads, agent_id, "read load");
}

int cs_store__route_group(cs_route_group_fields *out, bool *found, cs_db *db, int64_t group_id)
{
    int64_t c[2];
    int rc = row_of(c, 2, found, db, sql_group_get, group_id, CS_ROUTE_MANUAL, "read group");

    if (rc == CS_OK && *found)
        *out = (cs_route_group_fields){CS_ROUTE_GROUP_FIELDS_VERSION, (int)c[0], (int)c[1]};
    return rc;
}

int cs_store__route_agent_groups(cs_route__group **v, size_t *n, cs_db *db, int64_t agent_id)
{
    sqlite3_stmt *st = stmt_id(db, sql_agent_groups, agent_id);
    int step, rc = CS_OK;

    if (!st)
        return cs_error_last()->code;
    while ((step = cs_db__step(db, st)) == SQLITE_ROW) {
        cs_route__group *g = cs_mem__realloc(*v, (*n + 1) * sizeof(*g));
        if (!g) {
            rc = cs_error__nomem();
            break;
        }
        *v = g;
        g[(*n)++] = (cs_route__group){sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1)};
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read groups");
    cs_db__done(st);
    return rc;
}

int cs_store__route_ticket(cs_route__ticket *out, bool *found, cs_db *db, int64_t ticket_id)
{
    int64_t c[7];
    int rc = row_of(c, 7, found, db, sql_ticket_route, ticket_id, CS_ROUTE_MANUAL, "read ticket");

    if (rc == CS_OK && *found)
        *out = (cs_route__ticket){c[0], c[1], (int)c[2], (int)c[3], c[4], (int)c[5], (int)c[6]};
    return rc;
}

int cs_store__route_rank(int64_t *agent_id, cs_db *db, const cs_route__rank *r)
{
    sqlite3_stmt *st = stmt_id(db, sql_rank_agents, r->ticket);
    bool found;

    *agent_id = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 2, r->group);
    sqlite3_bind_int(st, 3, r->kind);
    sqlite3_bind_int(st, 4, r->by_skills);
    sqlite3_bind_int(st, 5, r->by_load);
    sqlite3_bind_int(st, 6, r->match_language);
    return one_row(db, st, agent_id, 1, &found, "rank agents");
}

/* The best candidate of one group and tier: (key, id) smaller than *best replaces it. */
static int pick_one(cs_db *db, const cs_route__taker *t, const cs_route__group *g, int tier,
                    int64_t best[2])
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_pick);
    int64_t row[2];
    bool found;
    int rc;

    if (!st)
        return cs_error_last()->code;
    if (g->id)
        sqlite3_bind_int64(st, 1, g->id);
    sqlite3_bind_int(st, 2, tier);
    sqlite3_bind_int64(st, 3, tier == TIER_CALLBACK ? t->now : INT64_MAX);
    sqlite3_bind_int64(st, 4, t->full);
    sqlite3_bind_int64(st, 5, t->agent);
    sqlite3_bind_int(st, 6, g->match_language);
    if ((rc = one_row(db, st, row, 2, &found, "pick a ticket")) < 0 || !found)
        return rc;
    if (!best[1] || row[1] < best[0] || (row[1] == best[0] && row[0] < best[1]))
        best[0] = row[1], best[1] = row[0];
    return CS_OK;
}

/* Each (group, tier) is one range of ticket_route, read for its first row only; the first
 * tier that has a ticket in any group gives the one with the smallest key. */
int cs_store__route_pick(int64_t *ticket_id, cs_db *db, const cs_route__taker *t)
{
    int64_t best[2] = {0, 0}; /* key, id */
    int rc;

    for (int tier = TIER_CALLBACK; tier < TIERS && !best[1]; tier++)
        for (size_t i = 0; i < t->ngroups; i++)
            if ((rc = pick_one(db, t, &t->groups[i], tier, best)) < 0)
                return rc;
    *ticket_id = best[1];
    return CS_OK;
}

int cs_store__route_backlog(int64_t *out, cs_db *db, int64_t group_id, cs_time now)
{
    sqlite3_stmt *st = stmt_id(db, sql_backlog, group_id);
    bool found;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int(st, 3, TIER_CALLBACK);
    return one_row(db, st, out, 1, &found, "estimate the wait");
}

int cs_store__route_available(int64_t *out, cs_db *db, int64_t group_id, int kind)
{
    bool found;

    return row_of(out, 1, &found, db, sql_available_agents, group_id, kind, "estimate the wait");
}

int cs_store__route_handle_times(int64_t *n, int64_t *seconds, cs_db *db, int64_t group_id,
                                 int sample)
{
    int64_t c[2] = {0, 0};
    bool found;
    int rc = row_of(c, 2, &found, db, sql_handle_times, group_id, sample, "estimate the wait");

    *n = c[0], *seconds = c[1];
    return rc;
}

/* Bind a group (0: all) and a range [from, to) as ?1, ?2, ?3. */
static sqlite3_stmt *range_stmt(cs_db *db, const char *sql, int64_t group_id, cs_time from,
                                cs_time to)
{
    sqlite3_stmt *st = stmt_id(db, sql, group_id);

    if (st) {
        sqlite3_bind_int64(st, 2, from);
        sqlite3_bind_int64(st, 3, to);
    }
    return st;
}

int cs_store__route_solved(int64_t *n, int64_t *seconds, cs_db *db, int64_t group_id, cs_time from,
                           cs_time to)
{
    sqlite3_stmt *st = range_stmt(db, sql_range_handle_time, group_id, from, to);
    int step;

    *n = *seconds = 0;
    if (!st)
        return cs_error_last()->code;
    if ((step = cs_db__step(db, st)) == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0), *seconds = sqlite3_column_int64(st, 1);
    cs_db__done(st);
    return step == SQLITE_ROW ? CS_OK : cs_db__error(db, step, "measure handle times");
}

int cs_store__route_arrivals(int64_t counts[24], cs_db *db, int64_t group_id, cs_time from,
                             cs_time to)
{
    sqlite3_stmt *st = range_stmt(db, sql_arrivals, group_id, from, to);
    int step;

    if (!st)
        return cs_error_last()->code;
    while ((step = cs_db__step(db, st)) == SQLITE_ROW)
        counts[sqlite3_column_int(st, 0) % 24] = sqlite3_column_int64(st, 1);
    cs_db__done(st);
    return step == SQLITE_DONE ? CS_OK : cs_db__error(db, step, "count arrivals");
}

int cs_store__route_report(cs_route_report *out, cs_db *db, cs_time from, cs_time to, int64_t scope)
{
    sqlite3_stmt *st = stmt_id(db, sql_report, from);
    int64_t c[4] = {0};
    bool found;
    int rc;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 2, to);
    sqlite3_bind_int64(st, 3, scope);
    sqlite3_bind_int(st, 4, CS_ACTOR_AGENT);
    sqlite3_bind_int(st, 5, CS_DIRECTION_OUTBOUND);
    sqlite3_bind_int(st, 6, CS_VISIBILITY_PUBLIC);
    if ((rc = one_row(db, st, c, 4, &found, "report transfers")) < 0)
        return rc;
    out->solved = c[0], out->first_contact = c[1];
    out->transferred = c[2], out->transfers = c[3];
    return CS_OK;
}
