/*
 * libcs - the storage of tickets and their tags, and the ticket list: what a backend
 * provides. Not API.
 *
 * Reads that find no row say so in *found and record no error: the logic words the answer
 * (a ticket the actor may not see must read the same as one that does not exist).
 *
 * The rows the store fills are defined here, with their release (lib/store/ticket.c), so
 * that every backend and the logic above share them and the store never calls up.
 */
#ifndef CS_STORE_TICKET_H
#define CS_STORE_TICKET_H

#include "cs-internal.h"

/* A ticket as the library holds it; the store fills it. */
struct cs_ticket {
    int64_t id, number, customer_id, channel_id, group_id, assignee_id, merged_into;
    int64_t organization_id; /* the customer's, for access checks */
    int status, priority, type;
    char *subject, *custom;
    cs_strv tags;
    cs_time created_at, updated_at, solved_at, closed_at;
};

/* Release what a ticket holds and zero it; the struct itself stays the caller's. */
void cs_ticket__clear(cs_ticket *t);

/* Read a ticket into *t, by id or by number; what *t held before is released. */
int cs_store__ticket_get(cs_ticket *t, bool *found, cs_db *db, int64_t id);
int cs_store__ticket_get_number(cs_ticket *t, bool *found, cs_db *db, int64_t number);
/* Read only what an access check looks at into *t, which must be zeroed: its id,
 * customer_id, organization_id, group_id and assignee_id. */
int cs_store__ticket_access(cs_ticket *t, bool *found, cs_db *db, int64_t id);

/* A new ticket's row: 0 ids and NULL texts are stored as none. */
typedef struct cs_store__ticket_new {
    const char *subject, *custom;
    int64_t customer_id, channel_id, group_id, assignee_id;
    int status, priority, type;
    cs_time created_at; /* and its update time */
} cs_store__ticket_new;
/* Insert a ticket under the next number of the ticket counter. */
int cs_store__ticket_insert(int64_t *id, cs_db *db, const cs_store__ticket_new *t);
/* Write back what may change about a ticket: subject, status, priority, type, group,
 * assignee, custom fields, the update, solve and close times, and merged_into. */
int cs_store__ticket_update(cs_db *db, const cs_ticket *t);
/* Set the update time alone. */
int cs_store__ticket_touch(cs_db *db, int64_t id, cs_time at);
/* Replace a ticket's tags with `tags`. */
int cs_store__ticket_tags_set(cs_db *db, int64_t id, const cs_strv *tags);
/* Add tags (a new ticket's: it has none to replace). */
int cs_store__ticket_tags_add(cs_db *db, int64_t id, const cs_strv *tags);
/* Give the target ticket every tag of the source that it lacks. */
int cs_store__ticket_tags_merge(cs_db *db, int64_t target_id, int64_t source_id);

/* Whose tickets a list shows, as values taken from the actor: a customer's own and, when
 * org_id is set, its organisation's; else, when agent_id is set, those of that agent's
 * groups and those assigned to it; else every ticket. */
typedef struct cs_store__ticket_scope {
    int64_t customer_id, org_id, agent_id;
} cs_store__ticket_scope;
/* The tickets of a checked filter within `scope`, as the public iterator (the store reads
 * them a page at a time, holding no read open between calls). */
int cs_store__ticket_list(cs_ticket_iter **out, cs_db *db, const cs_ticket_filter *f,
                          const cs_store__ticket_scope *scope);
/* The next ticket (borrowed until the next call), or CS_ITEROVER. */
int cs_store__ticket_list_next(const cs_ticket **out, cs_ticket_iter *it);
void cs_store__ticket_list_free(cs_ticket_iter *it);
/* Record that ticket `id` was opened to follow up closed ticket `follow_up_of`. */
int cs_store__ticket_set_follow_up(cs_db *db, int64_t id, int64_t follow_up_of);

/* A customer's tickets: their ids, by id; move them all, or ticket `ticket_id` if customer
 * `from` still has it, to customer `to` (customer merges and their undoing). */
int cs_store__ticket_ids_of_customer(int64_t **ids, size_t *n, cs_db *db, int64_t customer_id);
int cs_store__ticket_move_customer(cs_db *db, int64_t from, int64_t to);
int cs_store__ticket_move_one_customer(cs_db *db, int64_t ticket_id, int64_t from, int64_t to);
/* Blank the subjects and custom fields of customer `customer_id`'s tickets (erasure). */
int cs_store__ticket_erase_customer(cs_db *db, int64_t customer_id);
/* Takes a ticket's id and subject (borrowed for the call; NULL for none); anything but
 * CS_OK stops the list and is returned. */
typedef int (*cs_store__ticket_subject_fn)(void *payload, int64_t ticket_id, const char *subject);
/* Hand the customer's tickets that are not closed and were updated at `since` or later to
 * `fn`, the latest first, at most `limit` of them (threading by subject). */
int cs_store__ticket_recent_subjects(cs_db *db, int64_t customer_id, cs_time since, size_t limit,
                                     cs_store__ticket_subject_fn fn, void *payload);

/* The customer's tickets as a JSON array in libcs memory (a customer's export; see
 * store/sqlite/rows.h for how columns read). */
int cs_store__ticket_export(char **out, cs_db *db, int64_t customer_id);

#endif
