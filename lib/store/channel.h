/*
 * libcs - the storage of channels: what a backend provides. Not API.
 */
#ifndef CS_STORE_CHANNEL_H
#define CS_STORE_CHANNEL_H

#include "cs-internal.h"
#include "../channel.h" /* lib/channel.h, not this file */

/* Write a new channel (all but its id and times) at `now`; *id is its id. A name another
 * channel has is CS_EEXISTS. */
int cs_store__channel_insert(int64_t *id, cs_db *db, const cs_channel *ch, cs_time now);
/* Rewrite channel ch->id but for its kind and creation time, at `now`. A name another
 * channel has is CS_EEXISTS. */
int cs_store__channel_update(cs_db *db, const cs_channel *ch, cs_time now);
/* Channel `id`, or the one named `name`, in *out (release with cs_channel_free); NULL when
 * there is none. */
int cs_store__channel_get(cs_channel **out, cs_db *db, int64_t id);
int cs_store__channel_find(cs_channel **out, cs_db *db, const char *name);

/* Takes one channel, borrowed for the call; anything but CS_OK stops the list and is
 * returned. */
typedef int (*cs_store__channel_fn)(void *payload, const cs_channel *ch);
/* Hand every channel to `fn`, by id. */
int cs_store__channel_list(cs_db *db, cs_store__channel_fn fn, void *payload);

#endif
