/*
 * libcs - replies and the outbox: what other modules use. Not API.
 */
#ifndef CS_OUTBOX_PRIVATE_H
#define CS_OUTBOX_PRIVATE_H

#include "cs-internal.h"
#include "store/outbox.h"
#include "perm.h"

/* Queue item `e` (cs_outbox__entry is in store/outbox.h); *id, if id is not NULL, is its id.
 * Values that go into headers are made one line first. */
int cs_outbox__queue(int64_t *id, cs_db *db, const cs_outbox__entry *e);

/* What replying on a channel needs to know of it. */
typedef struct cs_outbox__channel_info {
    int64_t id;
    int kind, enabled, signature;
    int64_t default_group_id; /* 0: none */
    char domain[256];         /* for generated Message-IDs */
    char locale[36];          /* for customers whose own are not known; "" when not set */
    char timezone[68];
} cs_outbox__channel_info;
/* Read an enabled channel; CS_ENOTFOUND / CS_ECONFLICT (disabled) naming "channel_id". */
int cs_outbox__channel(cs_outbox__channel_info *out, cs_db *db, int64_t channel_id);
/* Erasure of a customer (cs_customer_erase): cancel what was not delivered to them and
 * anonymise every item addressed to them, through their tickets or identities. */
int cs_outbox__erase_customer(cs_db *db, int64_t customer_id);
/* A new Message-ID for the mail libcs queues next, "<item.32 random hex digits@domain>",
 * and in *item the id that item is to get (cs_outbox__entry.id). Made once when the mail is
 * queued and kept, so every attempt sends the same one; a bounce naming it finds the item
 * by its id. CS_ERROR when the system has no random bytes to give. */
int cs_outbox__message_id(int64_t *item, char *buf, size_t size, cs_db *db, const char *domain);
/* The subject of an outgoing mail: given, or "[#number] ticket subject". */
int cs_outbox__subject(char **out, const cs_ticket *t, const char *subject);

#endif
