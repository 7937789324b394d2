/*
 * libcs - custom fields: the checks other modules run on custom values. Not API.
 */
#ifndef CS_CUSTOM_PRIVATE_H
#define CS_CUSTOM_PRIVATE_H

#include "cs-internal.h"
#include "perm.h"

/* Check a custom-field object written by `by` against the limits and the definitions of
 * `object` (a cs_custom_object): types, and for customers only customer-writable keys
 * (CS_EPERM naming "<field>.<key>" otherwise). *out is the object compact with sorted keys,
 * in libcs memory. */
int cs_custom__check(char **out, cs_db *db, const cs_actor *by, int object, const char *field,
                     const char *json);

#endif
