/*
 * libcs - the audit trail: recording changes, and the helpers that word them. Not API.
 */
#ifndef CS_AUDIT_PRIVATE_H
#define CS_AUDIT_PRIVATE_H

#include "cs-internal.h"
#include "perm.h"

/* Record one change by `by` at the handle's time. Strings may be NULL. */
int cs_audit__record(cs_db *db, const cs_actor *by, const char *object, int64_t object_id,
                     int64_t ticket_id, int64_t customer_id, const char *action, const char *field,
                     const char *old_value, const char *new_value);

/* What an update leaves in a field, following the options-struct conventions (see
 * cs_customer_fields). Text: the old value when not given (NULL), none when cleared (""),
 * else the given one. Integers and booleans: the old value for CS_UNSET. Ids: the old value
 * for 0, none (0) for CS_ID_CLEAR. */
const char *cs_update__text(const char *old_value, const char *given);
int cs_update__int(int old_value, int given);
int64_t cs_update__id(int64_t old_value, int64_t given);

/* An update under way: each cs_change__* call compares one field and, when it changed,
 * records ("update", field, old, new) in the audit trail. The first error sticks in rc and
 * makes later calls no-ops, so a caller lists its fields and checks rc once; count says how
 * many fields changed (nothing needs writing when it is 0). */
typedef struct cs_change {
    cs_db *db;
    const cs_actor *by;
    const char *object;
    int64_t object_id;
    int64_t ticket_id;
    int64_t customer_id;
    int rc;
    int count;
} cs_change;
#define CS_CHANGE_INIT(db, by, object, id)                                                         \
    {                                                                                              \
        (db), (by), (object), (id), 0, 0, CS_OK, 0                                                 \
    }

/* Text values; NULL is a value of its own (unset). */
void cs_change__text(cs_change *c, const char *field, const char *old_value, const char *new_value);
/* Recorded as "true" / "false". */
void cs_change__bool(cs_change *c, const char *field, int old_value, int new_value);
/* Recorded as decimal numbers; 0 (no reference) as NULL. */
void cs_change__id(cs_change *c, const char *field, int64_t old_value, int64_t new_value);

#endif
