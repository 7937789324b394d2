/*
 * libcs - the storage of calendars: what a backend provides. Not API.
 */
#ifndef CS_STORE_CALENDAR_H
#define CS_STORE_CALENDAR_H

#include "cs-internal.h"

/* Store calendar `name` with its definition (the JSON of cs_calendar_to_json), new or
 * replacing the one of that name, at `now`: *id is its id, *revision 1 for a new calendar
 * and one more with every replacement. */
int cs_store__calendar_put(int64_t *id, int64_t *revision, cs_db *db, const char *name,
                           const char *definition, cs_time now);
/* The definition of calendar `id` (release with cs_mem__free) and its revision; *found false
 * when there is none. */
int cs_store__calendar_get(char **definition, int64_t *revision, bool *found, cs_db *db,
                           int64_t id);
/* The revision of calendar `id`; *found false when there is none. */
int cs_store__calendar_revision(int64_t *revision, bool *found, cs_db *db, int64_t id);
/* The id of the calendar named `name`; *found false when there is none. */
int cs_store__calendar_find(int64_t *id, bool *found, cs_db *db, const char *name);

#endif
