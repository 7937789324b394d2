/**
 * @file
 * Service level agreements: policies, the clocks they run on tickets, the queue
 * ordered by due time (P5, P9, P12). The guide is docs/sla.md.
 */
#ifndef CS_SLA_H
#define CS_SLA_H

#include "common.h"

CS_BEGIN_DECL

/** What an SLA measures. Append-only. */
enum cs_sla_metric {
    CS_SLA_FIRST_REPLY = 1,     /**< creation to the first public reply by an agent */
    CS_SLA_NEXT_REPLY = 2,      /**< the oldest unanswered customer message to the reply */
    CS_SLA_PERIODIC_UPDATE = 3, /**< an agent's public reply at least every N seconds */
    CS_SLA_RESOLUTION = 4       /**< creation to solved, without the paused time */
};

/** What a policy condition compares. Append-only. */
enum cs_sla_condition_kind {
    CS_SLA_COND_CHANNEL_KIND = 1,  /**< the origin channel's cs_channel_kind is `value` */
    CS_SLA_COND_PRIORITY = 2,      /**< the ticket's priority is `value` */
    CS_SLA_COND_TYPE = 3,          /**< the ticket's type is `value` */
    CS_SLA_COND_ORGANIZATION = 4,  /**< the customer's organisation id is `value` */
    CS_SLA_COND_TAG = 5,           /**< the ticket carries the tag `text` */
    CS_SLA_COND_PUBLIC_CHANNEL = 6 /**< the origin channel is public (`value` 1) or not (0) */
};

/** What a solved ticket's resolution clock does when the ticket is reopened. Append-only. */
enum cs_sla_reopen {
    CS_SLA_REOPEN_RESUME = 1, /**< go on from the time measured before it was solved */
    CS_SLA_REOPEN_RESTART = 2 /**< start again from zero at the reopening */
};

/** A clock's state. Append-only. */
enum cs_sla_state {
    CS_SLA_ACTIVE = 1,    /**< running towards its deadline */
    CS_SLA_PAUSED = 2,    /**< stopped for now (pending, on-hold); no deadline while paused */
    CS_SLA_FULFILLED = 3, /**< met (or met late: see breached_at) */
    CS_SLA_CANCELLED = 4, /**< ended without being met: solved before a reply, policy gone */
    CS_SLA_BREACHED = 5   /**< running at or past its deadline (reported, never stored) */
};

/** Kinds of entries in a ticket's SLA event log. Append-only. */
enum cs_sla_event_kind {
    CS_SLA_EVENT_APPLIED = 1, /**< a (re)selected policy set the clock's target */
    CS_SLA_EVENT_STARTED = 2,
    CS_SLA_EVENT_PAUSED = 3,
    CS_SLA_EVENT_RESUMED = 4,
    CS_SLA_EVENT_FULFILLED = 5,
    CS_SLA_EVENT_WARNED = 6,
    CS_SLA_EVENT_BREACHED = 7,
    CS_SLA_EVENT_CANCELLED = 8
};

/** Names: "first_reply" "next_reply" "periodic_update" "resolution"; NULL if unknown.
 * @since 0.1 */
CS_EXTERN(const char *) cs_sla_metric_name(int metric);
/** The metric with this name, or 0. @since 0.1 */
CS_EXTERN(int) cs_sla_metric_parse(const char *name);
/** Names: "channel_kind" "priority" "type" "organization" "tag" "public_channel".
 * @since 0.1 */
CS_EXTERN(const char *) cs_sla_condition_kind_name(int kind);
/** The condition kind with this name, or 0. @since 0.1 */
CS_EXTERN(int) cs_sla_condition_kind_parse(const char *name);
/** Names: "active" "paused" "fulfilled" "cancelled" "breached". @since 0.1 */
CS_EXTERN(const char *) cs_sla_state_name(int state);
/** Names: "applied" "started" "paused" "resumed" "fulfilled" "warned" "breached"
 * "cancelled". @since 0.1 */
CS_EXTERN(const char *) cs_sla_event_kind_name(int kind);

/** One condition of a policy. */
typedef struct cs_sla_condition {
    int kind;         /**< a cs_sla_condition_kind */
    int64_t value;    /**< channel kind, priority, type, organisation id, or 0/1 (public) */
    const char *text; /**< the tag, for CS_SLA_COND_TAG; copied */
} cs_sla_condition;

/** One target of a policy: how long a metric may take for tickets of one priority. */
typedef struct cs_sla_target {
    int metric;          /**< a cs_sla_metric */
    int priority;        /**< a cs_ticket_priority, or 0 for every priority without a target */
    int64_t seconds;     /**< 1 second to 365 days */
    int business;        /**< 1: business seconds of `calendar_id`; 0: wall-clock seconds */
    int64_t calendar_id; /**< a stored calendar (cs_calendar_store); only for business time */
} cs_sla_target;

/** Longest policy name, in bytes of UTF-8. */
#define CS_SLA_POLICY_NAME_MAX 255
/** At most this many conditions and targets per policy. */
#define CS_SLA_CONDITIONS_MAX 32
#define CS_SLA_TARGETS_MAX 64

#define CS_SLA_POLICY_FIELDS_VERSION 1

/**
 * Policy fields for create and update, following the options-struct conventions of
 * cs_customer_fields: NULL / 0 / CS_UNSET mean "not given" (the default on create, the
 * stored value on update).
 */
typedef struct cs_sla_policy_fields {
    unsigned int version;               /**< CS_SLA_POLICY_FIELDS_VERSION */
    const char *name;                   /**< unique; required on create */
    int position;                       /**< >= 0, lower first; default: after the last */
    const cs_sla_condition *conditions; /**< replace all conditions when non-NULL; all
                                             must match; none matches every ticket */
    size_t nconditions;
    const cs_sla_target *targets; /**< replace all targets when non-NULL */
    size_t ntargets;
    int pause_pending; /**< resolution pauses while pending; default 1 */
    int pause_on_hold; /**< resolution pauses while on-hold; default 1 */
    int reopen;        /**< a cs_sla_reopen; default resume */
    int warn_percent;  /**< warn at this share of a target, 1..99;
                            default 80 */
} cs_sla_policy_fields;

/* clang-format off */
#define CS_SLA_POLICY_FIELDS_INIT                                                          \
    {CS_SLA_POLICY_FIELDS_VERSION, NULL, CS_UNSET, NULL, 0, NULL, 0, CS_UNSET, CS_UNSET, 0, \
     CS_UNSET}
/* clang-format on */

/**
 * Fill *out with the defaults of version `version` of its struct (CS_SLA_POLICY_FIELDS_INIT gives
 * those of the current one): for bindings that cannot read macros, and for callers built against
 * an older version.
 *
 * @return CS_OK; CS_EINVAL for NULL or a version this library does not know
 * @since 0.2
 */
CS_EXTERN(int) cs_sla_policy_fields_init(cs_sla_policy_fields *out, unsigned int version);

typedef struct cs_sla_policy cs_sla_policy;

/**
 * Create a policy. Admins and system only. Tickets pick it up when they are created or
 * next change (priority, type, tags, status, a message).
 *
 * @param[out] id the new policy's id; may be NULL
 * @return CS_OK; CS_EINVAL naming the field ("name", "position", "conditions[1].kind",
 *         "targets[0].seconds", "targets[2].calendar_id" also for a calendar that never
 *         opens between now and 2100, "warn_percent" ...); CS_ENOTFOUND naming
 *         "targets[i].calendar_id" for a calendar that is not stored; CS_EEXISTS for a taken
 *         name; CS_EPERM; CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_sla_policy_create(int64_t *id, cs_db *db, const cs_sla_policy_fields *fields);

/**
 * Change a policy. Admins and system only. Running clocks follow the new targets when their
 * ticket next changes.
 *
 * @return as cs_sla_policy_create(), and CS_ENOTFOUND naming "id"
 * @since 0.1
 */
CS_EXTERN(int) cs_sla_policy_update(cs_db *db, int64_t id, const cs_sla_policy_fields *fields);

/**
 * Delete a policy. The active and paused clocks it runs are cancelled now (an event each),
 * after the warnings and breaches that fell due on them before are recorded (see the breach
 * rule in docs/sla.md); the next matching policy applies when each ticket next changes.
 * Admins and system only.
 *
 * @return CS_OK; CS_ENOTFOUND naming "id"; CS_EPERM; CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_sla_policy_delete(cs_db *db, int64_t id);

/**
 * Read a policy with its conditions and targets.
 *
 * @param[out] out owned by the caller; release with cs_sla_policy_free()
 * @return CS_OK; CS_ENOTFOUND naming "id"; CS_EPERM (customers); CS_ENOMEM; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_sla_policy_lookup(cs_sla_policy **out, cs_db *db, int64_t id);

/** Release a policy. NULL is a no-op. @since 0.1 */
CS_EXTERN(void) cs_sla_policy_free(cs_sla_policy *policy);

/**
 * @name Getters
 * Strings are borrowed until cs_sla_policy_free() (or the release of the list the policy came
 * from). @since 0.1
 */
/** @{ */
CS_EXTERN(int64_t) cs_sla_policy_id(const cs_sla_policy *p);
CS_EXTERN(const char *) cs_sla_policy_name(const cs_sla_policy *p);
CS_EXTERN(int) cs_sla_policy_position(const cs_sla_policy *p);
/** @} */
/**
 * @name Getters added in 0.2
 * Each answers 0 (or 0 and NULL) for a NULL policy. @since 0.2
 */
/** @{ */
/** 1 when the resolution clock pauses while the ticket is pending, else 0. @since 0.2 */
CS_EXTERN(int) cs_sla_policy_pause_pending(const cs_sla_policy *p);
/** 1 when the resolution clock pauses while the ticket is on hold, else 0. @since 0.2 */
CS_EXTERN(int) cs_sla_policy_pause_on_hold(const cs_sla_policy *p);
/** A cs_sla_reopen. @since 0.2 */
CS_EXTERN(int) cs_sla_policy_reopen(const cs_sla_policy *p);
/** The share of a target at which it warns, 1..99. @since 0.2 */
CS_EXTERN(int) cs_sla_policy_warn_percent(const cs_sla_policy *p);
/** @since 0.2 */
CS_EXTERN(cs_time) cs_sla_policy_created_at(const cs_sla_policy *p);
/** @since 0.2 */
CS_EXTERN(cs_time) cs_sla_policy_updated_at(const cs_sla_policy *p);
/** The number of conditions (all must match; none matches every ticket). @since 0.2 */
CS_EXTERN(size_t) cs_sla_policy_condition_count(const cs_sla_policy *p);
/**
 * Condition i, in the order they were given; NULL past the end. Borrowed from the policy,
 * its text too: read its fields (fields are only appended), never keep it past the policy.
 * It can be given back in cs_sla_policy_fields.conditions. @since 0.2
 */
CS_EXTERN(const cs_sla_condition *) cs_sla_policy_condition(const cs_sla_policy *p, size_t i);
/** The number of targets. @since 0.2 */
CS_EXTERN(size_t) cs_sla_policy_target_count(const cs_sla_policy *p);
/**
 * Target i, by metric and then priority (0, "any", first); NULL past the end. Borrowed from
 * the policy, as cs_sla_policy_condition(). @since 0.2
 */
CS_EXTERN(const cs_sla_target *) cs_sla_policy_target(const cs_sla_policy *p, size_t i);
/** @} */

/**
 * The policy as a JSON object: {id, name, position, pause_pending, pause_on_hold, reopen
 * ("resume"/"restart"), warn_percent, conditions: [{kind, value | tag}], targets: [{metric,
 * priority ("any" for 0), seconds, business, calendar_id}], created_at, updated_at}.
 *
 * @param[out] out release with cs_str_free()
 * @return CS_OK; CS_EINVAL for a NULL argument; CS_ENOMEM
 * @since 0.1
 */
CS_EXTERN(int) cs_sla_policy_to_json(char **out, const cs_sla_policy *p);

/** Policies, in the order they are tried. */
typedef struct cs_sla_policy_list cs_sla_policy_list;

/**
 * Every policy with its conditions and targets, in the order they are tried (position, then
 * id).
 *
 * @param[out] out release with cs_sla_policy_list_free()
 * @return CS_OK; CS_EINVAL for a NULL argument; CS_EPERM (customers); CS_ENOMEM; CS_EDB
 * @since 0.2
 */
CS_EXTERN(int) cs_sla_policy_list_get(cs_sla_policy_list **out, cs_db *db);
/** The number of policies; 0 for NULL. @since 0.2 */
CS_EXTERN(size_t) cs_sla_policy_list_count(const cs_sla_policy_list *list);
/** Policy i, borrowed from the list (never cs_sla_policy_free() it); NULL past the end.
 * @since 0.2 */
CS_EXTERN(const cs_sla_policy *) cs_sla_policy_list_item(const cs_sla_policy_list *list, size_t i);
/** Release a list with its policies. NULL is a no-op. @since 0.2 */
CS_EXTERN(void) cs_sla_policy_list_free(cs_sla_policy_list *list);

/**
 * Every policy as a JSON array in the order they are tried (position, then id), each
 * object as cs_sla_policy_to_json() writes it: cs_sla_policy_list_get() as JSON.
 *
 * @param[out] out release with cs_str_free()
 * @return CS_OK; CS_EPERM (customers); CS_ENOMEM; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_sla_policy_list_json(char **out, cs_db *db);

/** One clock of a ticket, as cs_sla_status() reports it; read it with the cs_sla_clock_*()
 * getters. */
typedef struct cs_sla_clock cs_sla_clock;

/** A ticket's clocks at one instant. Owned by the caller; release with cs_sla_clocks_free(). */
typedef struct cs_sla_clocks cs_sla_clocks;

/**
 * A ticket's SLA clocks: deadlines, warnings, breaches, elapsed time, at the handle's time.
 * A ticket no policy ever applied to has none.
 *
 * @param[out] out release with cs_sla_clocks_free()
 * @return CS_OK; CS_ENOTFOUND; CS_EPERM (a customer who may not see the ticket); CS_ENOMEM;
 *         CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_sla_status(cs_sla_clocks **out, cs_db *db, int64_t ticket_id);

/** Release a clock report. NULL is a no-op. @since 0.1 */
CS_EXTERN(void) cs_sla_clocks_free(cs_sla_clocks *clocks);

/** The ticket the report is about; 0 for NULL. @since 0.2 */
CS_EXTERN(int64_t) cs_sla_clocks_ticket_id(const cs_sla_clocks *clocks);
/** The handle's time the report was made at; 0 for NULL. @since 0.2 */
CS_EXTERN(cs_time) cs_sla_clocks_now(const cs_sla_clocks *clocks);
/** The number of clocks (at most one per metric); 0 for NULL. @since 0.2 */
CS_EXTERN(size_t) cs_sla_clocks_count(const cs_sla_clocks *clocks);
/** Clock i, ordered by metric, borrowed from the report; NULL past the end. @since 0.2 */
CS_EXTERN(const cs_sla_clock *) cs_sla_clocks_item(const cs_sla_clocks *clocks, size_t i);
/** The clock of a cs_sla_metric, borrowed from the report; NULL when the ticket has none.
 * @since 0.2 */
CS_EXTERN(const cs_sla_clock *) cs_sla_clocks_find(const cs_sla_clocks *clocks, int metric);

/**
 * @name Getters of a clock
 * Each answers 0 for NULL; times are 0 when not set. @since 0.2
 */
/** @{ */
/** A cs_sla_metric. @since 0.2 */
CS_EXTERN(int) cs_sla_clock_metric(const cs_sla_clock *c);
/** A cs_sla_state; CS_SLA_BREACHED for an active clock at or past its deadline. @since 0.2 */
CS_EXTERN(int) cs_sla_clock_state(const cs_sla_clock *c);
/** The policy that set the target. @since 0.2 */
CS_EXTERN(int64_t) cs_sla_clock_policy_id(const cs_sla_clock *c);
/** The target, in seconds. @since 0.2 */
CS_EXTERN(int64_t) cs_sla_clock_target(const cs_sla_clock *c);
/** 1 when the target counts business seconds of cs_sla_clock_calendar_id(), else 0.
 * @since 0.2 */
CS_EXTERN(int) cs_sla_clock_business(const cs_sla_clock *c);
/** The calendar of a business target. @since 0.2 */
CS_EXTERN(int64_t) cs_sla_clock_calendar_id(const cs_sla_clock *c);
/** The start of the current cycle. @since 0.2 */
CS_EXTERN(cs_time) cs_sla_clock_started_at(const cs_sla_clock *c);
/** The deadline; 0 while paused or ended. @since 0.2 */
CS_EXTERN(cs_time) cs_sla_clock_target_at(const cs_sla_clock *c);
/** When the warning falls due; 0 while paused or ended. @since 0.2 */
CS_EXTERN(cs_time) cs_sla_clock_warn_at(const cs_sla_clock *c);
/** @since 0.2 */
CS_EXTERN(cs_time) cs_sla_clock_fulfilled_at(const cs_sla_clock *c);
/** warn_at, once recorded: by cs_tick(), or by the first change to the ticket or stop of the
 * clock after it (docs/sla.md). @since 0.2 */
CS_EXTERN(cs_time) cs_sla_clock_warned_at(const cs_sla_clock *c);
/** target_at, once recorded, as warned_at; stays when a late reply fulfils the clock.
 * @since 0.2 */
CS_EXTERN(cs_time) cs_sla_clock_breached_at(const cs_sla_clock *c);
/** The (business) seconds measured up to the report's time or to the clock's end.
 * @since 0.2 */
CS_EXTERN(int64_t) cs_sla_clock_elapsed(const cs_sla_clock *c);
/** @} */

/**
 * The report as JSON: {ticket_id, clocks: {"first_reply": {state, policy_id, target,
 * business, calendar_id, started_at, target_at, warn_at, fulfilled_at, warned_at,
 * breached_at, elapsed}, ...}} with times as ISO 8601 or null.
 *
 * @param[out] out release with cs_str_free()
 * @return CS_OK; CS_EINVAL; CS_ENOMEM
 * @since 0.1
 */
CS_EXTERN(int) cs_sla_clocks_to_json(char **out, const cs_sla_clocks *clocks);

/** One entry of a ticket's SLA event log; read it with the cs_sla_event_*() getters. */
typedef struct cs_sla_event cs_sla_event;
/** A ticket's SLA event log. Owned by the caller; release with cs_sla_event_list_free(). */
typedef struct cs_sla_event_list cs_sla_event_list;

/**
 * A ticket's SLA event log in the order it was recorded: what reports are rebuilt from.
 * Warnings and breaches carry the instant they fell due and are recorded in that order
 * before any later change, so the log is the same whether the host ticks every minute,
 * every hour or never (docs/sla.md).
 *
 * @param[out] out release with cs_sla_event_list_free()
 * @return CS_OK; CS_EINVAL for a NULL argument; CS_ENOTFOUND naming "id", also for a ticket
 *         the actor may not see; CS_EPERM; CS_ENOMEM; CS_EDB
 * @since 0.2
 */
CS_EXTERN(int) cs_sla_event_list_get(cs_sla_event_list **out, cs_db *db, int64_t ticket_id);
/** The number of events; 0 for NULL. @since 0.2 */
CS_EXTERN(size_t) cs_sla_event_list_count(const cs_sla_event_list *list);
/** Event i, oldest first, borrowed from the list; NULL past the end. @since 0.2 */
CS_EXTERN(const cs_sla_event *) cs_sla_event_list_item(const cs_sla_event_list *list, size_t i);
/** Release an event list. NULL is a no-op. @since 0.2 */
CS_EXTERN(void) cs_sla_event_list_free(cs_sla_event_list *list);

/**
 * @name Getters of an event
 * Each answers 0 for NULL. @since 0.2
 */
/** @{ */
/** The cs_sla_metric of the clock. @since 0.2 */
CS_EXTERN(int) cs_sla_event_metric(const cs_sla_event *e);
/** A cs_sla_event_kind. @since 0.2 */
CS_EXTERN(int) cs_sla_event_kind(const cs_sla_event *e);
/** When it happened; for warnings and breaches, when they fell due. @since 0.2 */
CS_EXTERN(cs_time) cs_sla_event_at(const cs_sla_event *e);
/** The clock's deadline then; 0 for none. @since 0.2 */
CS_EXTERN(cs_time) cs_sla_event_target_at(const cs_sla_event *e);
/** The policy the clock ran under; 0 for none. @since 0.2 */
CS_EXTERN(int64_t) cs_sla_event_policy_id(const cs_sla_event *e);
/** @} */

/**
 * A ticket's SLA event log as a JSON array of {metric, kind, at, target_at, policy_id}:
 * cs_sla_event_list_get() as JSON.
 *
 * @param[out] out release with cs_str_free()
 * @return as cs_sla_event_list_get()
 * @since 0.1
 */
CS_EXTERN(int) cs_sla_events_json(char **out, cs_db *db, int64_t ticket_id);

#define CS_SLA_QUEUE_FILTER_VERSION 1

/**
 * Which tickets the queue yields. A bound of 0 does not filter; with a bound set, tickets
 * without a running deadline are left out.
 *
 * - breaching within N seconds: due_after = now, due_until = now + N
 * - breached: due_until = now
 */
typedef struct cs_sla_queue_filter {
    unsigned int version; /**< CS_SLA_QUEUE_FILTER_VERSION */
    cs_time due_after;    /**< only deadlines after this instant (exclusive) */
    cs_time due_until;    /**< only deadlines at or before this instant (inclusive) */
} cs_sla_queue_filter;

/* clang-format off */
#define CS_SLA_QUEUE_FILTER_INIT {CS_SLA_QUEUE_FILTER_VERSION, 0, 0}
/* clang-format on */

/**
 * Fill *out with the defaults of version `version` of its struct (CS_SLA_QUEUE_FILTER_INIT gives
 * those of the current one): for bindings that cannot read macros, and for callers built against
 * an older version.
 *
 * @return CS_OK; CS_EINVAL for NULL or a version this library does not know
 * @since 0.2
 */
CS_EXTERN(int) cs_sla_queue_filter_init(cs_sla_queue_filter *out, unsigned int version);

/** One queue entry; read it with the cs_sla_queue_item_*() getters. */
typedef struct cs_sla_queue_item cs_sla_queue_item;

typedef struct cs_sla_queue_iter cs_sla_queue_iter;

/**
 * The default queue (P5: fair, earliest due first): tickets with a running SLA clock by
 * their earliest deadline (ties by ticket id), then new and open tickets without one, by
 * id. Each ticket appears once.
 *
 * The queue is read a page at a time, and between calls the iterator holds no read open:
 * the caller may write through this handle or any other while it iterates. Each page sees
 * the database as it is then; a ticket whose deadlines change while the queue is read still
 * comes up once, at the first place it was found.
 *
 * @param[out] out release with cs_sla_queue_iter_free()
 * @param filter copied; NULL for the whole queue
 * @return CS_OK; CS_EINVAL naming the filter field; CS_EPERM (customers); CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_sla_queue_iter_new(cs_sla_queue_iter **out, cs_db *db,
                                     const cs_sla_queue_filter *filter);

/**
 * The next entry.
 *
 * @param[out] out borrowed from the iterator until the next call or cs_sla_queue_iter_free()
 * @return CS_OK; CS_ITEROVER at the end; CS_EINVAL for a NULL argument; CS_ENOMEM; CS_EDB
 * @since 0.1; *out is a borrowed pointer @since 0.2 (it was a caller's struct filled in)
 */
CS_EXTERN(int) cs_sla_queue_next(const cs_sla_queue_item **out, cs_sla_queue_iter *it);

/**
 * @name Getters of a queue entry
 * Each answers 0 for NULL. @since 0.2
 */
/** @{ */
/** @since 0.2 */
CS_EXTERN(int64_t) cs_sla_queue_item_ticket_id(const cs_sla_queue_item *item);
/** The cs_sla_metric of the earliest running deadline; 0 for none. @since 0.2 */
CS_EXTERN(int) cs_sla_queue_item_metric(const cs_sla_queue_item *item);
/** That deadline; 0 for none. @since 0.2 */
CS_EXTERN(cs_time) cs_sla_queue_item_target_at(const cs_sla_queue_item *item);
/** @} */

/** Release a queue iterator. NULL is a no-op. @since 0.1 */
CS_EXTERN(void) cs_sla_queue_iter_free(cs_sla_queue_iter *it);

CS_END_DECL

#endif
