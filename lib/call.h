/*
 * libcs - None. Not API.
 */
#ifndef CS_CALL_PRIVATE_H
#define CS_CALL_PRIVATE_H

#include "perm.h"

/* json.c: the method table's capability column, for the docs and the permission tests. */
cs_cap cs_call__method_cap(size_t i);

#endif
