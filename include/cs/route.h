/**
 * @file
 * Routing and workload: presence, capacity, each group's assignment strategy, the
 * fair next-ticket pick, transfers, callbacks and the estimated wait (P4, P5, P13).
 * The guide is docs/routing.md.
 */
#ifndef CS_ROUTE_H
#define CS_ROUTE_H

#include "common.h"

CS_BEGIN_DECL

/** Whether an agent is there to take tickets. Append-only. */
enum cs_presence {
    CS_PRESENCE_ONLINE = 1, /**< takes tickets */
    CS_PRESENCE_AWAY = 2,   /**< logged in, takes nothing new */
    CS_PRESENCE_OFFLINE = 3 /**< not there (the default) */
};

/** How a group assigns its new tickets. Append-only. */
enum cs_route_strategy {
    CS_ROUTE_MANUAL = 1,       /**< nobody is assigned automatically (the default); agents
                                    pull with cs_route_next() or are assigned by hand */
    CS_ROUTE_ROUND_ROBIN = 2,  /**< the least recently assigned agent, then the lowest id */
    CS_ROUTE_LEAST_LOADED = 3, /**< the fewest new and open tickets, then as round robin */
    CS_ROUTE_SKILLS_FIRST = 4  /**< agents with every skill the ticket needs first (then as
                                    least loaded); others only when none of them can */
};

/** Names: "online" "away" "offline"; NULL when unknown. @since 0.1 */
CS_EXTERN(const char *) cs_presence_name(int presence);
/** The presence with this name, or 0. @since 0.1 */
CS_EXTERN(int) cs_presence_parse(const char *name);
/** Names: "manual" "round_robin" "least_loaded" "skills_first"; NULL when unknown.
 * @since 0.1 */
CS_EXTERN(const char *) cs_route_strategy_name(int strategy);
/** The strategy with this name, or 0. @since 0.1 */
CS_EXTERN(int) cs_route_strategy_parse(const char *name);

/**
 * Set an agent's presence. An agent may set its own; anybody else's needs an admin or the
 * system. Recorded in the audit trail when it changes. Outside a section of the host's it
 * commits without waiting for the disk: a power failure may undo it (docs/threading.md).
 *
 * @param presence a cs_presence
 * @return CS_OK; CS_EINVAL naming "presence"; CS_ENOTFOUND naming "agent_id"; CS_EPERM;
 *         CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_route_set_presence(cs_db *db, int64_t agent_id, int presence);

/**
 * Read an agent's presence (CS_PRESENCE_OFFLINE when never set).
 *
 * @param[out] out a cs_presence
 * @return CS_OK; CS_EINVAL for a NULL argument; CS_ENOTFOUND naming "agent_id"; CS_EPERM
 *         (customers); CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_route_presence(int *out, cs_db *db, int64_t agent_id);

/**
 * Set how many new and open tickets of one channel kind an agent takes at once (chat 3,
 * email 20). Automatic assignment and cs_route_next() give no more; assigning by hand
 * is not limited. Admins and the system only.
 *
 * @param channel_kind a cs_channel_kind
 * @param capacity     0 to 10000; CS_UNSET removes the limit (the default: none)
 * @return CS_OK; CS_EINVAL naming "channel_kind" or "capacity"; CS_ENOTFOUND naming
 *         "agent_id"; CS_EPERM; CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_route_set_capacity(cs_db *db, int64_t agent_id, int channel_kind, int capacity);

/** An agent's routing state, read at once. Opaque. */
typedef struct cs_route_agent cs_route_agent;

/**
 * Read an agent's routing state: its presence, its capacity per channel kind and its load
 * (the new and open tickets assigned to it, per channel kind).
 *
 * @param[out] out owned by the caller; release with cs_route_agent_free(). NULL on error.
 * @return CS_OK; CS_EINVAL for a NULL argument; CS_ENOTFOUND naming "agent_id"; CS_EPERM
 *         (customers); CS_ENOMEM; CS_EDB
 * @since 0.2
 */
CS_EXTERN(int) cs_route_agent_get(cs_route_agent **out, cs_db *db, int64_t agent_id);

/** Release a routing state. NULL is a no-op. @since 0.2 */
CS_EXTERN(void) cs_route_agent_free(cs_route_agent *ra);

/** The agent's id; 0 for NULL. @since 0.2 */
CS_EXTERN(int64_t) cs_route_agent_id(const cs_route_agent *ra);

/** The agent's cs_presence (CS_PRESENCE_OFFLINE when never set); 0 for NULL. @since 0.2 */
CS_EXTERN(int) cs_route_agent_presence(const cs_route_agent *ra);

/**
 * The most new and open tickets of a channel kind the agent takes at once
 * (cs_route_set_capacity()), or CS_UNSET when it has no limit for that kind (also for an
 * unknown kind and NULL).
 * @param channel_kind a cs_channel_kind
 * @since 0.2
 */
CS_EXTERN(int) cs_route_agent_capacity(const cs_route_agent *ra, int channel_kind);

/**
 * The new and open tickets assigned to the agent on channels of a kind; 0 for an unknown
 * kind and NULL.
 * @param channel_kind a cs_channel_kind, or 0 for the tickets without a channel
 * @since 0.2
 */
CS_EXTERN(int64_t) cs_route_agent_load(const cs_route_agent *ra, int channel_kind);

/**
 * An agent's routing state as a JSON object, the JSON of cs_route_agent_get():
 * {agent_id, presence, capacity: {"chat": 3, ...} (kinds with a limit), load: {"email": 2,
 * ...} (kinds with tickets; "none" for tickets without a channel)}.
 *
 * @param[out] out release with cs_str_free()
 * @return as cs_route_agent_get()
 * @since 0.1
 */
CS_EXTERN(int) cs_route_agent_json(char **out, cs_db *db, int64_t agent_id);

#define CS_ROUTE_GROUP_FIELDS_VERSION 1

/** A group's routing settings; 0 / CS_UNSET fields keep the stored value (or default). */
typedef struct cs_route_group_fields {
    unsigned int version; /**< CS_ROUTE_GROUP_FIELDS_VERSION */
    int strategy;         /**< a cs_route_strategy; 0 keeps it (default manual) */
    /** 1: tickets also need the skill "lang:<language>" of the customer's locale ("de" of
     * "de-AT"); 0: no (the default); CS_UNSET keeps it */
    int match_language;
} cs_route_group_fields;

/* clang-format off */
#define CS_ROUTE_GROUP_FIELDS_INIT {CS_ROUTE_GROUP_FIELDS_VERSION, 0, CS_UNSET}
/* clang-format on */

/**
 * Fill *out with the defaults of version `version` of its struct (CS_ROUTE_GROUP_FIELDS_INIT gives
 * those of the current one): for bindings that cannot read macros, and for callers built against
 * an older version.
 *
 * @return CS_OK; CS_EINVAL for NULL or a version this library does not know
 * @since 0.2
 */
CS_EXTERN(int) cs_route_group_fields_init(cs_route_group_fields *out, unsigned int version);

/**
 * Configure a group's routing. Admins and the system only. Recorded in the audit trail.
 *
 * @param fields copied
 * @return CS_OK; CS_EINVAL naming "fields", "strategy" or "match_language"; CS_ENOTFOUND
 *         naming "group_id"; CS_EPERM; CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_route_group_set(cs_db *db, int64_t group_id, const cs_route_group_fields *fields);

/**
 * Read a group's routing settings.
 *
 * @param[out] out filled in (version CS_ROUTE_GROUP_FIELDS_VERSION)
 * @return CS_OK; CS_EINVAL for a NULL argument; CS_ENOTFOUND naming "group_id"; CS_EPERM
 *         (customers); CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_route_group_get(cs_route_group_fields *out, cs_db *db, int64_t group_id);

/**
 * Assign an unassigned new or open ticket by its group's strategy, now: to an active,
 * online agent of the group who is not a light agent and has room for the ticket's channel
 * kind. cs_ingest() does this for every ticket it opens. The assignment goes through
 * cs_ticket_update() (audited). Nothing happens (and *agent_id is 0) for a manual group,
 * a ticket without a group, one already assigned, not new or open, a callback before its
 * window, or when no agent can take it. Agents and the system.
 *
 * @param[out] agent_id the agent the ticket went to, or 0; may be NULL
 * @return CS_OK; CS_ENOTFOUND naming "ticket_id"; CS_EPERM; CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_route_assign(int64_t *agent_id, cs_db *db, int64_t ticket_id);

/**
 * Take the next ticket for an agent and assign it, atomically: of the unassigned new and
 * open tickets the agent may take (its groups' and those without a group; every skill the
 * ticket needs; room in the capacity of its channel kind), first callbacks whose window has
 * started by window start, then tickets by their earliest running SLA deadline, then the
 * rest oldest first; ties by id. Never by customer value (P5). Two handles calling at once,
 * in threads or processes, never get the same ticket.
 *
 * Called by the agent itself (the handle's actor) or by the system or an admin on its
 * behalf; the agent must be online. Outside a section of the host's it commits without
 * waiting for the disk: a power failure may undo the assignment, and the ticket is then
 * simply picked again (docs/threading.md).
 *
 * @param[out] ticket_id the ticket now assigned to the agent, or 0 when there is none
 * @return CS_OK (also when there is nothing to take); CS_EINVAL for a NULL argument;
 *         CS_ENOTFOUND naming "agent_id"; CS_ECONFLICT naming "presence" for an agent who is
 *         not online; CS_EPERM (light agents, other agents, customers); CS_EREADONLY;
 *         CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_route_next(int64_t *ticket_id, cs_db *db, int64_t agent_id);

/**
 * How often a ticket was transferred: each change of the group, the assignee or both of a
 * ticket that already had one (clearing included) counts once.
 *
 * @param[out] out the count
 * @return CS_OK; CS_EINVAL for a NULL argument; CS_ENOTFOUND naming "ticket_id"; CS_EPERM
 *         (customers); CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_route_transfers(int64_t *out, cs_db *db, int64_t ticket_id);

#define CS_ROUTE_REPORT_VERSION 1

/** Counts over the tickets solved in a time range. Fields are only ever appended. */
typedef struct cs_route_report {
    unsigned int version;  /**< set by the caller: CS_ROUTE_REPORT_VERSION */
    int64_t solved;        /**< tickets solved in the range (and not reopened since) */
    int64_t first_contact; /**< of those, solved without a transfer and with public replies
                                by at most one agent (first-contact resolution) */
    int64_t transferred;   /**< of those, transferred at least once */
    int64_t transfers;     /**< the transfers of those tickets together */
} cs_route_report;

/* clang-format off */
#define CS_ROUTE_REPORT_INIT {CS_ROUTE_REPORT_VERSION, 0, 0, 0, 0}
/* clang-format on */

/**
 * Fill *out with the defaults of version `version` of its struct (CS_ROUTE_REPORT_INIT gives those
 * of the current one): for bindings that cannot read macros, and for callers built against an
 * older version.
 *
 * @return CS_OK; CS_EINVAL for NULL or a version this library does not know
 * @since 0.2
 */
CS_EXTERN(int) cs_route_report_init(cs_route_report *out, unsigned int version);

/**
 * Count the tickets solved in [from, to), and their first-contact resolutions and
 * transfers. The first-contact rate is first_contact / solved.
 *
 * @param[in,out] out its version set by the caller; the counts are filled in
 * @return CS_OK; CS_EINVAL naming "report", "from" or "to" (to must be after from);
 *         CS_EPERM (customers); CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_route_report_get(cs_route_report *out, cs_db *db, cs_time from, cs_time to);

#define CS_CALLBACK_FIELDS_VERSION 1

/** A callback request: a phone customer to be called back within a window (P13). */
typedef struct cs_callback_fields {
    unsigned int version; /**< CS_CALLBACK_FIELDS_VERSION */
    int64_t customer_id;  /**< required */
    int64_t channel_id;   /**< the phone channel; optional */
    int64_t group_id;     /**< default: the channel's default group */
    const char *subject;  /**< default "Callback request"; copied */
    cs_time window_from;  /**< required: not offered before this time */
    cs_time window_to;    /**< required: after window_from and not in the past */
} cs_callback_fields;

/* clang-format off */
#define CS_CALLBACK_FIELDS_INIT {CS_CALLBACK_FIELDS_VERSION, 0, 0, 0, NULL, 0, 0}
/* clang-format on */

/**
 * Fill *out with the defaults of version `version` of its struct (CS_CALLBACK_FIELDS_INIT gives
 * those of the current one): for bindings that cannot read macros, and for callers built against
 * an older version.
 *
 * @return CS_OK; CS_EINVAL for NULL or a version this library does not know
 * @since 0.2
 */
CS_EXTERN(int) cs_callback_fields_init(cs_callback_fields *out, unsigned int version);

/**
 * Request a callback: open a ticket (as cs_ticket_create() with the handle's actor) with a
 * requested window. It is queued by window start ahead of other tickets, and is neither
 * offered by cs_route_next() nor assigned before its window has started.
 *
 * @param[out] ticket_id the new ticket
 * @return CS_OK; CS_EINVAL naming "fields", "window_from", "window_to" or a ticket field;
 *         CS_ENOTFOUND (customer, channel, group); CS_EPERM; CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_route_callback_create(int64_t *ticket_id, cs_db *db,
                                        const cs_callback_fields *fields);

/**
 * Read a ticket's callback window.
 *
 * @param[out] from the window's start, 0 when the ticket is no callback
 * @param[out] to   the window's end, 0 when the ticket is no callback
 * @return CS_OK; CS_EINVAL for a NULL argument; CS_ENOTFOUND naming "ticket_id"; CS_EPERM
 *         (customers); CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_route_callback_window(cs_time *from, cs_time *to, cs_db *db, int64_t ticket_id);

/** How many of a group's latest solved tickets the estimated wait averages. */
#define CS_ROUTE_WAIT_SAMPLE 20

/**
 * The estimated wait of a new contact in a group, in seconds (P13):
 *
 *     ceil(backlog * aht / agents)
 *
 * backlog: the group's queued tickets (unassigned, new or open, callbacks whose window has
 * started); aht: the mean handle time (solved_at minus the time the solving assignee got
 * the ticket, or its creation) of the group's latest CS_ROUTE_WAIT_SAMPLE solved tickets;
 * agents: the group's active, online, non-light agents with room for `channel_kind`.
 * 0 when the backlog is empty and an agent is there; -1 (unknown) when no agent is there
 * or no ticket of the group was solved yet.
 *
 * @param[out] seconds the estimate, or -1
 * @param channel_kind a cs_channel_kind whose capacity counts, or 0 for any
 * @return CS_OK; CS_EINVAL naming "channel_kind"; CS_ENOTFOUND naming "group_id"; CS_EPERM
 *         (customers); CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_route_estimated_wait(int64_t *seconds, cs_db *db, int64_t group_id,
                                       int channel_kind);

/**
 * Erlang C (P4): the fewest agents that answer `percent` of contacts within
 * `answer_seconds`, for contacts arriving at `arrivals_per_hour` with a mean handle time of
 * `aht_seconds`. Contacts arrive at random (Poisson) and wait in one queue.
 *
 * @param[out] agents the agents needed (0 when nothing arrives)
 * @param[out] service_level the share answered in time with that many agents (0..1); may
 *             be NULL
 * @return CS_OK; CS_EINVAL naming "arrivals_per_hour" (negative or more than 1e6),
 *         "aht_seconds" (not positive), "answer_seconds" (negative) or "percent" (not in
 *         1..99)
 * @since 0.1
 */
CS_EXTERN(int) cs_route_erlang_c_agents(int *agents, double *service_level,
                                        double arrivals_per_hour, double aht_seconds,
                                        int answer_seconds, int percent);

/** A staffing plan: what cs_route_staffing() measured and asks for, hour by hour. */
typedef struct cs_staffing_plan cs_staffing_plan;
/** One hour of the day in a staffing plan; read with the cs_staffing_hour_*() getters. */
typedef struct cs_staffing_hour cs_staffing_hour;

/**
 * A staffing plan from what was measured (P4): for each hour of the day (UTC), the arrival
 * rate of a group's tickets in [from, to) and the agents Erlang C asks for to answer
 * `percent` of them within `answer_seconds`, with the mean handle time of the group's
 * tickets solved in that range (see cs_route_estimated_wait() for how it is measured).
 *
 * @param[out] out the plan; release with cs_staffing_plan_free()
 * @param group_id 0 for all groups
 * @return CS_OK; CS_EINVAL naming "to" (not after from), "answer_seconds" or "percent";
 *         CS_ENOTFOUND naming "group_id"; CS_EPERM (customers); CS_EDB
 * @since 0.2 (0.1 filled a caller's array of 24 cs_staffing_hour)
 */
CS_EXTERN(int) cs_route_staffing(cs_staffing_plan **out, cs_db *db, int64_t group_id, cs_time from,
                                 cs_time to, int answer_seconds, int percent);
/** The measured mean handle time in seconds: 0 with no solved ticket, and then every hour
 *  needs 0 agents as nothing can be computed. @since 0.2 */
CS_EXTERN(double) cs_staffing_plan_aht_seconds(const cs_staffing_plan *plan);
/** The hours of the plan: 24, hour 0 first (0 for NULL). @since 0.2 */
CS_EXTERN(size_t) cs_staffing_plan_count(const cs_staffing_plan *plan);
/** Hour `i` of the plan, lent until cs_staffing_plan_free(); NULL past the end. @since 0.2 */
CS_EXTERN(const cs_staffing_hour *) cs_staffing_plan_item(const cs_staffing_plan *plan, size_t i);
/** @since 0.2 */
CS_EXTERN(void) cs_staffing_plan_free(cs_staffing_plan *plan);
/** The hour of the day, 0..23 (UTC). @since 0.2 */
CS_EXTERN(int) cs_staffing_hour_hour(const cs_staffing_hour *h);
/** Tickets created in this hour of the day, per day measured. @since 0.2 */
CS_EXTERN(double) cs_staffing_hour_arrivals_per_hour(const cs_staffing_hour *h);
/** Agents needed by Erlang C for the target. @since 0.2 */
CS_EXTERN(int) cs_staffing_hour_agents(const cs_staffing_hour *h);
/** The share answered in time with that many agents (0..1). @since 0.2 */
CS_EXTERN(double) cs_staffing_hour_service_level(const cs_staffing_hour *h);

CS_END_DECL

#endif
