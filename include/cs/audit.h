/**
 * @file
 * The audit trail: who changed what, when.
 */
#ifndef CS_AUDIT_H
#define CS_AUDIT_H

#include "common.h"

CS_BEGIN_DECL

/**
 * One recorded change. Strings are borrowed from the iterator and live until its next
 * step. `field`, `old_value` and `new_value` are NULL where they do not apply (a create
 * names no field). Fields are only ever appended to this struct.
 */
typedef struct cs_audit_entry {
    int64_t id;
    cs_time at;
    int actor_kind;     /**< a cs_actor_kind */
    int64_t actor_id;   /**< 0 for the system */
    const char *object; /**< "ticket", "customer", "message", "channel", "agent", "group",
                             "organization", "calendar", "sla_policy", "custom_field"
                             (object_id the cs_custom_object, field the key) */
    int64_t object_id;
    const char *action; /**< "create", "update", "merge", "unmerge", "erase", ... */
    const char *field;
    const char *old_value;
    const char *new_value;
} cs_audit_entry;

/** Which trail to read. */
typedef enum cs_audit_scope {
    CS_AUDIT_TICKET = 1,   /**< the ticket and its messages */
    CS_AUDIT_CUSTOMER = 2, /**< the customer, its identities and merges */
    CS_AUDIT_OBJECT = 3    /**< one channel, agent, group, organization, calendar, SLA
                                policy or custom-field object: pass its id and `object`;
                                or "setting" with id 0: every settings change, the
                                setting's name as the field */
} cs_audit_scope;

typedef struct cs_audit_iter cs_audit_iter;

/**
 * Iterate over a trail, oldest first. Agents and system only; a group-scoped agent reads
 * the trails of the tickets it sees, and no other.
 *
 * Entries are read a page at a time, and between calls the iterator holds no read open:
 * the caller may write through this handle or any other while it iterates, and an entry
 * recorded meanwhile comes up at the end.
 *
 * @param[out] out release with cs_audit_iter_free()
 * @param object for CS_AUDIT_OBJECT: "channel", "agent", "group", "organization",
 *               "calendar", "sla_policy", "custom_field" or "setting"; otherwise NULL
 * @return CS_OK; CS_EINVAL; CS_ENOTFOUND for a ticket that does not exist or the agent may
 *         not see; CS_EPERM for a customer actor, or a group-scoped agent outside tickets
 * @since 0.1
 */
CS_EXTERN(int) cs_audit_iter_new(cs_audit_iter **out, cs_db *db, int scope, int64_t id,
                                 const char *object);

/**
 * @param[out] out borrowed until the next call or cs_audit_iter_free()
 * @return CS_OK; CS_ITEROVER; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_audit_next(const cs_audit_entry **out, cs_audit_iter *it);

/** Release an iterator. NULL is a no-op. @since 0.1 */
CS_EXTERN(void) cs_audit_iter_free(cs_audit_iter *it);

CS_END_DECL

#endif
