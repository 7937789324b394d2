/*
 * libcs - the storage of custom-field definitions: what a backend provides. Not API.
 */
#ifndef CS_STORE_CUSTOM_H
#define CS_STORE_CUSTOM_H

#include "cs-internal.h"

/* Store the definition `f` (its type given), replacing the one of the same object and
 * name; `now` is when. */
int cs_store__custom_define(cs_db *db, const cs_custom_field *f, cs_time now);
/* Remove a definition; *removed false when there was none. */
int cs_store__custom_remove(bool *removed, cs_db *db, int object, const char *name);
/* The type and customer_writable of key `name` of `object`; *found false when it has no
 * definition. */
int cs_store__custom_get(bool *found, int *type, int *writable, cs_db *db, int object,
                         const char *name);

/* Takes one definition, borrowed for the call; anything but CS_OK stops the list and is
 * returned. */
typedef int (*cs_store__custom_fn)(void *payload, const cs_custom_field *f);
/* Hand every definition of `object` (0: of every object) to `fn`, by object and name. */
int cs_store__custom_list(cs_db *db, int object, cs_store__custom_fn fn, void *payload);

#endif
