/*
 * libcs - the storage of the audit trail: what a backend provides. Not API.
 */
#ifndef CS_STORE_AUDIT_H
#define CS_STORE_AUDIT_H

#include "cs-internal.h"

/* Append an entry (its id is the store's to give). A zero actor_id, ticket_id or
 * customer_id is stored as none. */
int cs_store__audit_insert(cs_db *db, const cs_audit_entry *e, int64_t ticket_id,
                           int64_t customer_id);

/* One trail, oldest first, as the public iterator: `scope` CS_AUDIT_TICKET or
 * CS_AUDIT_CUSTOMER reads the entries of ticket or customer `id`, CS_AUDIT_OBJECT those of
 * `object` `id` (the store reads them a page at a time, holding no read open between
 * calls). */
int cs_store__audit_list(cs_audit_iter **out, cs_db *db, int scope, int64_t id, const char *object);
/* The next entry (borrowed until the next call), or CS_ITEROVER. */
int cs_store__audit_list_next(const cs_audit_entry **out, cs_audit_iter *it);
void cs_store__audit_list_free(cs_audit_iter *it);

/* Forget the old and new values of the entries about customer `customer_id` or their
 * tickets (erasure); who did what, and when, stays. */
int cs_store__audit_erase_customer(cs_db *db, int64_t customer_id);

/* The audit rows about the customer or their tickets as a JSON array in libcs memory (a
 * customer's export). Reads ticket too: which tickets are the customer's. */
int cs_store__audit_export(char **out, cs_db *db, int64_t customer_id);

#endif
