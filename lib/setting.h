/*
 * libcs - settings: what the library itself reads of them. Not API.
 */
#ifndef CS_SETTING_PRIVATE_H
#define CS_SETTING_PRIVATE_H

#include "cs-internal.h"

/* A setting's value (its default when never set) without a permission check: the library
 * reading its own configuration. CS_EINVAL naming "name" for an unknown setting. */
int cs_setting__get(int64_t *value, cs_db *db, const char *name);

#endif
