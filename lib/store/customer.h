/*
 * libcs - the storage of customers, identities, organisations and merges: what a backend
 * provides. Not API.
 *
 * Ids are int64_t and 0 means none; times are cs_time. Lists of ids come in libcs memory
 * (release with cs_mem__free), ascending unless noted. Errors are recorded and returned as
 * CS_* codes; storage errors are CS_EDB, CS_EBUSY, CS_ENOMEM or CS_EREADONLY.
 */
#ifndef CS_STORE_CUSTOMER_H
#define CS_STORE_CUSTOMER_H

#include "cs-internal.h"

struct cs_identity {
    int kind;
    char *value;
};

struct cs_customer {
    int64_t id, organization_id, merged_into;
    cs_time erased_at, created_at, updated_at;
    char *name, *locale, *timezone, *custom;
    cs_strv tags;
    struct cs_identity *identities;
    size_t nidentities;
};

/* A customer's own columns as they are written; strings borrowed. */
typedef struct cs_customer_row {
    const char *name, *locale, *custom;
    const char *timezone;    /* NULL: none */
    int64_t organization_id; /* 0: none */
} cs_customer_row;

/* The record of a merge (cs_customer_merge): what went from the merged customer to the
 * survivor, the identities and tickets it had and the tags the survivor did not have.
 * Release with cs_store__customer_merge_free(). */
typedef struct cs_merge_record {
    int64_t id, survivor_id, merged_id;
    bool undone;
    int64_t *identities, *tickets;
    size_t nidentities, ntickets;
    cs_strv tags;
} cs_merge_record;

/* Release a customer the store built (cs_customer_free() is this). */
void cs_customer__free(cs_customer *c);

/* Customers ------------------------------------------------------------------------------ */

/* The customer with its tags (sorted) and identities (in the order they were added);
 * CS_ENOTFOUND naming "id" when there is none. */
int cs_store__customer_get(cs_customer **out, cs_db *db, int64_t id);
/* The customer's record alone: no tags, no identities (what ingest needs of it). */
int cs_store__customer_record(cs_customer **out, cs_db *db, int64_t id);
/* Whom the customer was merged into and when it was erased (0: neither); CS_ENOTFOUND
 * naming `field` when there is no such customer. */
int cs_store__customer_state(int64_t *merged_into, cs_time *erased_at, cs_db *db, int64_t id,
                             const char *field);
/* What the customer's rights as an actor rest on: whether it was merged away or erased,
 * and its organisation when that shares its tickets (else 0); CS_ENOTFOUND naming "id". */
int cs_store__customer_rights(bool *merged, bool *erased, int64_t *org, cs_db *db, int64_t id);
/* A new customer, created and updated `now`. */
int cs_store__customer_insert(int64_t *id, cs_db *db, const cs_customer_row *row, cs_time now);
int cs_store__customer_update(cs_db *db, int64_t id, const cs_customer_row *row, cs_time now);
/* Merged into another customer, or live again with 0. */
int cs_store__customer_set_merged_into(cs_db *db, int64_t id, int64_t merged_into, cs_time now);
/* The customer, and everyone merged into it directly or along a chain of merges (the
 * customer first). */
int cs_store__customer_with_merged(int64_t **ids, size_t *n, cs_db *db, int64_t id);
/* Blank the customer's personal columns and mark it erased `now`. */
int cs_store__customer_erase(cs_db *db, int64_t id, cs_time now);

/* The customers not merged away, by id after `after`, of organisation `organization_id`
 * (0: any), at most `limit` (0: no limit), with their tags and identities. The store defines
 * the iterator; next hands out CS_ITEROVER at the end, and a customer borrowed until the
 * next call. */
int cs_store__customer_iter_new(cs_customer_iter **out, cs_db *db, int64_t organization_id,
                                int64_t after, size_t limit);
int cs_store__customer_iter_next(const cs_customer **out, cs_customer_iter *it);
void cs_store__customer_iter_free(cs_customer_iter *it);

/* Tags ----------------------------------------------------------------------------------- */

/* Add tags; one the customer has already stays once. */
int cs_store__customer_tags_add(cs_db *db, int64_t id, const cs_strv *tags);
int cs_store__customer_tags_delete(cs_db *db, int64_t id);
int cs_store__customer_tag_delete(cs_db *db, int64_t id, const char *tag);
/* The tags of customer `from` that customer `to` does not have, sorted. */
int cs_store__customer_tags_missing(cs_strv *out, cs_db *db, int64_t from, int64_t to);

/* Identities ----------------------------------------------------------------------------- */

/* The customer who has identity (kind, value), 0 when nobody has it. */
int cs_store__customer_identity_owner(int64_t *owner, cs_db *db, int kind, const char *value);
/* Give customer `id` identity (kind, value); *identity_id is the new identity's id. */
int cs_store__customer_identity_insert(int64_t *identity_id, cs_db *db, int64_t id, int kind,
                                       const char *value, cs_time now);
/* *deleted says whether the customer had the identity. */
int cs_store__customer_identity_delete(bool *deleted, cs_db *db, int64_t id, int kind,
                                       const char *value);
int cs_store__customer_identities_delete(cs_db *db, int64_t id);
/* The ids of the customer's identities. */
int cs_store__customer_identity_ids(int64_t **ids, size_t *n, cs_db *db, int64_t id);
/* Move every identity of customer `from` to customer `to`. */
int cs_store__customer_identities_move(cs_db *db, int64_t from, int64_t to);
/* Move identity `identity_id` to customer `to` if customer `from` still has it. */
int cs_store__customer_identity_move(cs_db *db, int64_t identity_id, int64_t from, int64_t to);
/* The customer's identities as a JSON array of {"id", "kind" (the number), "value",
 * "created_at" (ISO 8601)}, in libcs memory. */
int cs_store__customer_export_identities(char **out, cs_db *db, int64_t id);
/* Identity (kind, value): its id and its customer, both 0 when nobody has it. */
int cs_store__customer_identity_find(int64_t *id, int64_t *owner, cs_db *db, int kind,
                                     const char *value);

/* Organisations -------------------------------------------------------------------------- */

/* CS_ENOTFOUND naming `field` unless the organisation exists. */
int cs_store__customer_organization_exists(cs_db *db, int64_t id, const char *field);
/* CS_EEXISTS when another organisation has the name. */
int cs_store__customer_organization_insert(int64_t *id, cs_db *db, const char *name, bool shared,
                                           cs_time now);

/* Merges --------------------------------------------------------------------------------- */

/* Record merge m with what it moved; *merge_id is its new id (m->id is not read). */
int cs_store__customer_merge_insert(int64_t *merge_id, cs_db *db, const cs_merge_record *m,
                                    cs_time now);
/* The merge with what it moved; CS_ENOTFOUND naming "merge_id" when there is none. */
int cs_store__customer_merge_get(cs_merge_record *out, cs_db *db, int64_t merge_id);
/* The merge that holds now for merged customer `merged_id` (the latest not undone), 0 when
 * none does. */
int cs_store__customer_merge_holding(int64_t *merge_id, cs_db *db, int64_t merged_id);
int cs_store__customer_merge_undone(cs_db *db, int64_t merge_id, cs_time now);
/* Forget the tags the merges the customer took part in moved (its erasure). */
int cs_store__customer_merges_drop_tags(cs_db *db, int64_t customer_id);
void cs_store__customer_merge_free(cs_merge_record *m);

/* The customer's oldest identity of `kind`, or the one whose value is `value`: its id and
 * value (in libcs memory); *found false when there is none. */
int cs_store__customer_oldest_identity(int64_t *id, char **value, bool *found, cs_db *db,
                                       int64_t customer_id, int kind);
int cs_store__customer_named_identity(int64_t *id, char **out, bool *found, cs_db *db,
                                      int64_t customer_id, int kind, const char *value);

#endif
