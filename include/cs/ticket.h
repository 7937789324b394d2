/**
 * @file
 * Tickets: one issue of one customer.
 */
#ifndef CS_TICKET_H
#define CS_TICKET_H

#include "common.h"

CS_BEGIN_DECL

/**
 * Ticket status. Allowed changes (anything else is CS_ECONFLICT):
 *
 *     new      -> open, pending, on-hold, solved
 *     open     -> pending, on-hold, solved
 *     pending  -> open, on-hold, solved
 *     on-hold  -> open, pending, solved
 *     solved   -> open (reopen), closed
 *     closed   -> nothing: closed is final
 *
 * No ticket goes back to new. Append-only.
 */
enum cs_ticket_status {
    CS_STATUS_NEW = 1,
    CS_STATUS_OPEN = 2,
    CS_STATUS_PENDING = 3,
    CS_STATUS_ON_HOLD = 4,
    CS_STATUS_SOLVED = 5,
    CS_STATUS_CLOSED = 6
};

enum cs_ticket_priority {
    CS_PRIORITY_LOW = 1,
    CS_PRIORITY_NORMAL = 2,
    CS_PRIORITY_HIGH = 3,
    CS_PRIORITY_URGENT = 4
};

enum cs_ticket_type {
    CS_TYPE_QUESTION = 1,
    CS_TYPE_INCIDENT = 2,
    CS_TYPE_PROBLEM = 3,
    CS_TYPE_TASK = 4
};

/** The status's name ("new", "open", "pending", "on-hold", "solved", "closed"), or NULL.
 * @since 0.1 */
CS_EXTERN(const char *) cs_ticket_status_name(int status);
/** The status with this name, or 0. @since 0.1 */
CS_EXTERN(int) cs_ticket_status_parse(const char *name);
/** The priority's name ("low", "normal", "high", "urgent"), or NULL. @since 0.1 */
CS_EXTERN(const char *) cs_ticket_priority_name(int priority);
/** The priority with this name, or 0. @since 0.1 */
CS_EXTERN(int) cs_ticket_priority_parse(const char *name);
/** The type's name ("question", "incident", "problem", "task"), or NULL. @since 0.1 */
CS_EXTERN(const char *) cs_ticket_type_name(int type);
/** The type with this name, or 0. @since 0.1 */
CS_EXTERN(int) cs_ticket_type_parse(const char *name);

/** Whether a ticket may move from one status to another (see cs_ticket_status). @since 0.1 */
CS_EXTERN(int) cs_ticket_status_allowed(int from, int to);

/** Longest subject, in bytes of UTF-8. */
#define CS_SUBJECT_MAX 998

#define CS_TICKET_FIELDS_VERSION 1

/**
 * Ticket fields for create and update; see cs_customer_fields for the conventions.
 */
typedef struct cs_ticket_fields {
    unsigned int version;    /**< CS_TICKET_FIELDS_VERSION */
    const char *subject;     /**< required on create; at most CS_SUBJECT_MAX bytes */
    int64_t customer_id;     /**< required on create; fixed after (see cs_ticket_merge) */
    int64_t channel_id;      /**< the origin channel; fixed after creation */
    int status;              /**< default CS_STATUS_NEW */
    int priority;            /**< default CS_PRIORITY_NORMAL */
    int type;                /**< default CS_TYPE_QUESTION */
    int64_t group_id;        /**< default: the channel's default group */
    int64_t assignee_id;     /**< an active agent */
    const char *custom_json; /**< a JSON object; stored with sorted keys */
    const char *const *tags; /**< replaces all tags when non-NULL */
    size_t ntags;
} cs_ticket_fields;

/* clang-format off */
#define CS_TICKET_FIELDS_INIT {CS_TICKET_FIELDS_VERSION, NULL, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, 0}
/* clang-format on */

/**
 * Fill *out with the defaults of version `version` of its struct (CS_TICKET_FIELDS_INIT gives
 * those of the current one): for bindings that cannot read macros, and for callers built against
 * an older version.
 *
 * @return CS_OK; CS_EINVAL for NULL or a version this library does not know
 * @since 0.2
 */
CS_EXTERN(int) cs_ticket_fields_init(cs_ticket_fields *out, unsigned int version);

typedef struct cs_ticket cs_ticket;

/**
 * Open a ticket for a customer. Usually cs_ingest() does this; hosts call it for tickets
 * they open themselves (a phone call, a callback).
 *
 * A customer actor opens tickets for itself only and gives only the subject and the custom
 * fields defined as customer-writable (cs/custom.h); any other field is CS_EPERM naming it,
 * another customer_id CS_ENOTFOUND.
 *
 * @param[out] id the new ticket's id; its number is sequential per database
 * @return CS_OK; CS_EINVAL naming the field (custom values: "custom.<key>"); CS_ENOTFOUND
 *         for a missing customer, channel, group or agent (field named); CS_EPERM (light
 *         agents; customers setting what they may not); CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_ticket_create(int64_t *id, cs_db *db, const cs_ticket_fields *fields);

/**
 * Change a ticket. Each changed field is recorded in the audit trail; status changes
 * follow cs_ticket_status and stamp solved/closed times.
 *
 * @return CS_OK; CS_ENOTFOUND; CS_EINVAL naming the field; CS_ECONFLICT for a status change
 *         that is not allowed, or any change to a closed ticket; CS_EPERM (customers and
 *         light agents change no ticket field); CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_ticket_update(cs_db *db, int64_t id, const cs_ticket_fields *fields);

/**
 * Read a ticket with its tags.
 *
 * @param[out] out owned by the caller; release with cs_ticket_free()
 * @return CS_OK; CS_ENOTFOUND, also for a ticket the actor may not see (another customer's,
 *         or for a group-scoped agent another group's), with the same message; CS_EPERM
 * @since 0.1
 */
CS_EXTERN(int) cs_ticket_lookup(cs_ticket **out, cs_db *db, int64_t id);

/** Read a ticket by its number. @see cs_ticket_lookup @since 0.1 */
CS_EXTERN(int) cs_ticket_lookup_number(cs_ticket **out, cs_db *db, int64_t number);

/**
 * Merge one ticket of a customer into another of the same customer: the source's messages
 * and tags move to the target, the source is closed with a link to the target.
 *
 * @return CS_OK; CS_EINVAL if both are the same; CS_ENOTFOUND; CS_ECONFLICT if the tickets
 *         belong to different customers or either is closed; CS_EPERM; CS_EREADONLY;
 *         CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_ticket_merge(cs_db *db, int64_t target_id, int64_t source_id);

/** Release a ticket. NULL is a no-op. @since 0.1 */
CS_EXTERN(void) cs_ticket_free(cs_ticket *ticket);

/**
 * @name Getters
 * Strings are borrowed until cs_ticket_free(). Ids are 0 when unset. @since 0.1
 */
/** @{ */
CS_EXTERN(int64_t) cs_ticket_id(const cs_ticket *t);
CS_EXTERN(int64_t) cs_ticket_number(const cs_ticket *t);
CS_EXTERN(const char *) cs_ticket_subject(const cs_ticket *t);
CS_EXTERN(int64_t) cs_ticket_customer_id(const cs_ticket *t);
CS_EXTERN(int64_t) cs_ticket_channel_id(const cs_ticket *t);
CS_EXTERN(int) cs_ticket_status(const cs_ticket *t);
CS_EXTERN(int) cs_ticket_priority(const cs_ticket *t);
CS_EXTERN(int) cs_ticket_type(const cs_ticket *t);
CS_EXTERN(int64_t) cs_ticket_group_id(const cs_ticket *t);
CS_EXTERN(int64_t) cs_ticket_assignee_id(const cs_ticket *t);
CS_EXTERN(const char *) cs_ticket_custom_json(const cs_ticket *t);
CS_EXTERN(size_t) cs_ticket_tag_count(const cs_ticket *t);
CS_EXTERN(const char *) cs_ticket_tag(const cs_ticket *t, size_t i);
/** The ticket this one was merged into, or 0. */
CS_EXTERN(int64_t) cs_ticket_merged_into(const cs_ticket *t);
CS_EXTERN(cs_time) cs_ticket_created_at(const cs_ticket *t);
CS_EXTERN(cs_time) cs_ticket_updated_at(const cs_ticket *t);
/** 0 when never solved (or reopened since). */
CS_EXTERN(cs_time) cs_ticket_solved_at(const cs_ticket *t);
CS_EXTERN(cs_time) cs_ticket_closed_at(const cs_ticket *t);
/** @} */

/**
 * The ticket as a JSON object (fields in docs/json.md).
 * @param[out] out release with cs_str_free()
 * @return CS_OK; CS_ENOMEM
 * @since 0.1
 */
CS_EXTERN(int) cs_ticket_to_json(char **out, const cs_ticket *t);

/** Ordering for ticket lists. Append-only. */
typedef enum cs_ticket_order {
    CS_ORDER_ID_ASC = 0, /**< oldest first (the default) */
    CS_ORDER_ID_DESC = 1 /**< newest first */
} cs_ticket_order;

#define CS_TICKET_FILTER_VERSION 1

/**
 * Which tickets to list. Zero fields do not filter. Paging is by keyset: pass the last
 * id of the previous page as `after`, so pages never skip or repeat a ticket even while
 * tickets are added.
 */
typedef struct cs_ticket_filter {
    unsigned int version;  /**< CS_TICKET_FILTER_VERSION */
    unsigned int statuses; /**< bit (1 << status) per wanted status; 0 for all */
    int64_t customer_id;
    int64_t assignee_id; /**< CS_ID_CLEAR: unassigned tickets only */
    int64_t group_id;    /**< CS_ID_CLEAR: tickets without a group only */
    int64_t channel_id;
    const char *tag;
    cs_time created_from; /**< inclusive; 0: no bound */
    cs_time created_to;   /**< exclusive; 0: no bound */
    int order;            /**< a cs_ticket_order */
    int64_t after;        /**< the last id of the previous page; 0 to start */
    size_t limit;         /**< page size; 0 for all */
} cs_ticket_filter;

/* clang-format off */
#define CS_TICKET_FILTER_INIT {CS_TICKET_FILTER_VERSION, 0, 0, 0, 0, 0, NULL, 0, 0, 0, 0, 0}
/* clang-format on */

/**
 * Fill *out with the defaults of version `version` of its struct (CS_TICKET_FILTER_INIT gives
 * those of the current one): for bindings that cannot read macros, and for callers built against
 * an older version.
 *
 * @return CS_OK; CS_EINVAL for NULL or a version this library does not know
 * @since 0.2
 */
CS_EXTERN(int) cs_ticket_filter_init(cs_ticket_filter *out, unsigned int version);

typedef struct cs_ticket_iter cs_ticket_iter;

/**
 * Iterate over tickets. A customer actor sees only its own tickets and those of its
 * organisation where the organisation shares them.
 *
 * Tickets are read a page at a time, and between calls the iterator holds no read open: the
 * caller may write through this handle or any other while it iterates. Each page sees the
 * database as it is then: a ticket changed meanwhile shows its new state, one added beyond
 * the position comes up, one that no longer matches does not, and none comes twice. The
 * filter and the actor at this call hold for every page.
 *
 * @param[out] out release with cs_ticket_iter_free()
 * @param filter copied; NULL lists everything
 * @return CS_OK; CS_EINVAL naming the filter field
 * @since 0.1
 */
CS_EXTERN(int) cs_ticket_iter_new(cs_ticket_iter **out, cs_db *db, const cs_ticket_filter *filter);

/**
 * The next ticket.
 * @param[out] out borrowed; valid until the next call or cs_ticket_iter_free()
 * @return CS_OK; CS_ITEROVER at the end; CS_EDB; CS_ENOMEM
 * @since 0.1
 */
CS_EXTERN(int) cs_ticket_next(const cs_ticket **out, cs_ticket_iter *it);

/** Release an iterator. NULL is a no-op. @since 0.1 */
CS_EXTERN(void) cs_ticket_iter_free(cs_ticket_iter *it);

CS_END_DECL

#endif
