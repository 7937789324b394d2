/*
 * libcs - the storage of routing: presence, capacity, group strategies, the queue of
 * unassigned tickets, transfers, callbacks and the figures of the estimated wait and of
 * staffing; what a backend provides. Not API.
 *
 * Routing owns its tables (agent_route, agent_capacity, group_route, agent_skill's use in
 * ranking) and the routing columns its migration (0005-routing.sql) adds to ticket:
 * transfers, assigned_at, callback_from, callback_to and route_due, with the generated
 * route_tier. Only this store writes those columns; the ticket store writes the rest.
 */
#ifndef CS_STORE_ROUTE_H
#define CS_STORE_ROUTE_H

#include "cs-internal.h"

/* An agent as routing sees it. */
typedef struct cs_route__agent {
    int role, active, presence;
} cs_route__agent;

/* A ticket as routing sees it, with its group's strategy (manual without a group). */
typedef struct cs_route__ticket {
    int64_t group, assignee; /* 0 for none */
    int status;
    int kind; /* its channel's kind; 0 without a channel */
    cs_time callback_from;
    int strategy, match_language;
} cs_route__ticket;

/* A number per channel kind (0: tickets without a channel), by kind. Kinds are channel kinds,
 * fewer than CS_ROUTE__KINDS. */
#define CS_ROUTE__KINDS 32
typedef struct cs_route__kinds {
    struct {
        int kind;
        int64_t n;
    } v[CS_ROUTE__KINDS];
    size_t n;
} cs_route__kinds;

/* A group an agent takes tickets from; id 0 stands for the tickets without a group. */
typedef struct cs_route__group {
    int64_t id;
    int match_language;
} cs_route__group;

/* An agent who takes the next ticket (cs_route_next). */
typedef struct cs_route__taker {
    int64_t agent;
    cs_time now;
    uint32_t full; /* a bit per channel kind the agent has no room for */
    const cs_route__group *groups;
    size_t ngroups;
} cs_route__taker;

/* How agents are ranked for a ticket: who has every skill first, the fewest new and open
 * tickets first; then the least recently assigned. */
typedef struct cs_route__rank {
    int64_t ticket, group;
    int kind; /* the ticket's channel kind: the agent needs room for one more of it */
    bool by_skills, by_load;
    int match_language;
} cs_route__rank;

/* Routing's own tables --------------------------------------------------------------------- */

/* Store an agent's presence, changed `now`. */
int cs_store__route_presence_set(cs_db *db, int64_t agent_id, int presence, cs_time now);
/* An agent's capacity for a channel kind; *found false when it has no limit. */
int cs_store__route_capacity(int64_t *out, bool *found, cs_db *db, int64_t agent_id, int kind);
/* Set it; CS_UNSET removes the limit. */
int cs_store__route_capacity_set(cs_db *db, int64_t agent_id, int kind, int capacity);
/* Every capacity of an agent. */
int cs_store__route_capacities(cs_route__kinds *out, cs_db *db, int64_t agent_id);
/* Store a group's strategy and match_language. */
int cs_store__route_group_set(cs_db *db, int64_t group_id, int strategy, int match_language);

/* Count an assignee or group change of a ticket: a transfer when `transfer`, and when
 * `assigned` (a new assignee) the time it was assigned, `now`. */
int cs_store__route_assigned(cs_db *db, int64_t ticket_id, bool transfer, bool assigned,
                             cs_time now);
/* Make the agent the most recently assigned (round robin's order), at `now`. */
int cs_store__route_agent_assigned(cs_db *db, int64_t agent_id, cs_time now);
/* A ticket's transfers; *found false when there is no such ticket. */
int cs_store__route_transfers(int64_t *out, bool *found, cs_db *db, int64_t ticket_id);
/* A ticket's callback window (0, 0 for none); *found false when there is no such ticket. */
int cs_store__route_callback(cs_time *from, cs_time *to, bool *found, cs_db *db, int64_t ticket_id);
int cs_store__route_callback_set(cs_db *db, int64_t ticket_id, cs_time from, cs_time to);

/* Reads across owners: one query each, joining other modules' tables; none writes ------------ */

/* An agent's role, activity and presence (offline without one); *found false when there is
 * no such agent. */
int cs_store__route_agent(cs_route__agent *out, bool *found, cs_db *db, int64_t agent_id);
/* The new and open tickets assigned to an agent, per channel kind. */
int cs_store__route_loads(cs_route__kinds *out, cs_db *db, int64_t agent_id);
/* A group's routing (manual and 0 when never set; out's version is set); *found false when
 * there is no such group. */
int cs_store__route_group(cs_route_group_fields *out, bool *found, cs_db *db, int64_t group_id);
/* The groups an agent is a member of, by id, appended to *v (*n entries, grown with
 * cs_mem__realloc). Entries appended before an error stay. */
int cs_store__route_agent_groups(cs_route__group **v, size_t *n, cs_db *db, int64_t agent_id);
/* What routing reads of a ticket; *found false when there is no such ticket. */
int cs_store__route_ticket(cs_route__ticket *out, bool *found, cs_db *db, int64_t ticket_id);

/* The agent to give a ticket to: an active, online member of r's group who is not a light
 * agent and has room for one more ticket of r's kind, ranked as r says; 0 for none. */
int cs_store__route_rank(int64_t *agent_id, cs_db *db, const cs_route__rank *r);
/* The first unassigned new or open ticket the taker may take (of one of its groups, with
 * every skill it needs, of a channel kind the taker has room for) in the queue's order:
 * callbacks whose window opened by the window's start, then the tickets with a running SLA
 * deadline by the earliest one, then the rest by creation, ties by id; 0 for none. */
int cs_store__route_pick(int64_t *ticket_id, cs_db *db, const cs_route__taker *t);
/* The tickets of a group waiting for an agent: unassigned, new or open, and no callback
 * whose window opens after `now`. */
int cs_store__route_backlog(int64_t *out, cs_db *db, int64_t group_id, cs_time now);
/* The agents of a group who could be given a ticket (of channel kind `kind`, unless 0). */
int cs_store__route_available(int64_t *out, cs_db *db, int64_t group_id, int kind);
/* The number and summed handle time (assignment, else creation, to solved) of the last
 * `sample` tickets a group solved. */
int cs_store__route_handle_times(int64_t *n, int64_t *seconds, cs_db *db, int64_t group_id,
                                 int sample);
/* The same of the tickets solved in [from, to) (of a group, or of all for 0). */
int cs_store__route_solved(int64_t *n, int64_t *seconds, cs_db *db, int64_t group_id, cs_time from,
                           cs_time to);
/* The tickets created in [from, to) (of a group, or of all for 0) per hour of the day, UTC. */
int cs_store__route_arrivals(int64_t counts[24], cs_db *db, int64_t group_id, cs_time from,
                             cs_time to);
/* The transfer report of the tickets solved in [from, to) that scope (as cs_perm__scope())
 * reaches: out's counts are set. */
int cs_store__route_report(cs_route_report *out, cs_db *db, cs_time from, cs_time to,
                           int64_t scope);

#endif
