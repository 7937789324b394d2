/*
 * libcs - customers' internals: what other modules call, and the structs the storage layer
 * fills (lib/store/customer.h). Not API.
 */
#ifndef CS_CUSTOMER_PRIVATE_H
#define CS_CUSTOMER_PRIVATE_H

#include "cs-internal.h"
#include "perm.h"

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

/* The record of a merge (cs_customer_merge). `moved` is what went from the merged customer
 * to the survivor, as JSON: {"identities":[ids],"tickets":[ids],"tags":[the tags the
 * survivor did not have]}. */
typedef struct cs_merge_record {
    int64_t id, survivor_id, merged_id;
    bool undone;
    char *moved; /* owned; NULL only for an unreadable record */
} cs_merge_record;

/* Read, find and create without permission checks (ingest); a creation is `by`'s doing. */
int cs_customer__load(cs_customer **out, cs_db *db, int64_t id);
/* Whether identity (kind, value), normalised, is the customer's or, after merges, the
 * customer's survivor's. */
int cs_customer__has_identity(bool *out, cs_db *db, int64_t customer_id, int kind,
                              const char *value);
int cs_customer__find(cs_customer **out, cs_db *db, int kind, const char *value);
int cs_customer__create(int64_t *id, cs_db *db, const cs_actor *by, const cs_customer_fields *f);

#endif
