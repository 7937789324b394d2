/*
 * libcs - the storage of settings and job progress: what a backend provides. Not API.
 */
#ifndef CS_STORE_SETTING_H
#define CS_STORE_SETTING_H

#include "cs-internal.h"

/* The stored value of setting `name`; *found false when it was never set. */
int cs_store__setting_get(int64_t *value, bool *found, cs_db *db, const char *name);
int cs_store__setting_set(cs_db *db, const char *name, int64_t value);

/* A job's position (release with cs_mem__free), NULL when none is stored. */
int cs_store__progress_get(char **position, cs_db *db, const char *job);
/* Store a job's position; NULL forgets it. */
int cs_store__progress_set(cs_db *db, const char *job, const char *position);

#endif
