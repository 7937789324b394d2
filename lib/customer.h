/*
 * libcs - customers' internals: what other modules call. Not API.
 */
#ifndef CS_CUSTOMER_PRIVATE_H
#define CS_CUSTOMER_PRIVATE_H

#include "cs-internal.h"
#include "perm.h"
#include "store/customer.h"

/* Read, find and create without permission checks (ingest, export); a creation is `by`'s
 * doing. cs_customer__record() and cs_customer__find() read the record alone (no tags, no
 * identities); find also gives the identity's id. */
int cs_customer__load(cs_customer **out, cs_db *db, int64_t id);
int cs_customer__record(cs_customer **out, cs_db *db, int64_t id);
/* Whether identity (kind, value), normalised, is the customer's or, after merges, the
 * customer's survivor's. */
int cs_customer__has_identity(bool *out, cs_db *db, int64_t customer_id, int kind,
                              const char *value);
int cs_customer__find(cs_customer **out, int64_t *identity_id, cs_db *db, int kind,
                      const char *value);
/* *first_identity (when not NULL): the id of the identity made for f->identities[0]. */
int cs_customer__create(int64_t *id, int64_t *first_identity, cs_db *db, const cs_actor *by,
                        const cs_customer_fields *f);
/* Erase what the customer module holds of customer `id`: its identities and tags, the tags in
 * the records of its merges, and its own row's personal columns (marked erased). The rest of
 * the customer's data is other modules' (lib/privacy.c erases it first). */
int cs_customer__erase_own(cs_db *db, int64_t id);
/* Whether `locale` is a language tag a customer may have, and `tz` a zone the system knows;
 * CS_EINVAL naming "locale" or "timezone" when not. Channels take the same. */
int cs_customer__check_locale(const char *locale);
int cs_customer__check_timezone(const char *tz);

#endif
