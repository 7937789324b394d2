/*
 * libcs - the storage of channels: what a backend provides. Not API.
 */
#ifndef CS_STORE_CHANNEL_H
#define CS_STORE_CHANNEL_H

#include "cs-internal.h"

/* A channel as the library holds it; the store fills it. */
struct cs_channel {
    int64_t id;
    int kind;
    char *name;
    char *address;
    int is_public;
    int signature;
    int64_t default_group_id;
    int enabled;
    char *locale;   /* NULL: none */
    char *timezone; /* NULL: none */
    cs_time created_at;
    cs_time updated_at;
};

/* Release a channel the store built (cs_channel_free() is this). */
void cs_channel__free(cs_channel *ch);

/* Write a new channel (all but its id and times) at `now`; *id is its id. A name another
 * channel has is CS_EEXISTS. */
int cs_store__channel_insert(int64_t *id, cs_db *db, const cs_channel *ch, cs_time now);
/* Rewrite channel ch->id but for its kind and creation time, at `now`. A name another
 * channel has is CS_EEXISTS. */
int cs_store__channel_update(cs_db *db, const cs_channel *ch, cs_time now);
/* Channel `id`, or the one named `name`, in *out (release with cs_channel__free); NULL when
 * there is none. */
int cs_store__channel_get(cs_channel **out, cs_db *db, int64_t id);
int cs_store__channel_find(cs_channel **out, cs_db *db, const char *name);

/* Takes one channel, borrowed for the call; anything but CS_OK stops the list and is
 * returned. */
typedef int (*cs_store__channel_fn)(void *payload, const cs_channel *ch);
/* Hand every channel to `fn`, by id. */
int cs_store__channel_list(cs_db *db, cs_store__channel_fn fn, void *payload);
/* Whether a channel's address, without the spaces at its ends and in lowercase (ASCII), is
 * `address`. */
int cs_store__channel_has_address(bool *found, cs_db *db, const char *address);

#endif
