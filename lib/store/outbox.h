/*
 * libcs - the storage of the outbox: queued items, their leases and answers; what a backend
 * provides. Not API.
 *
 * Reads that find no row say so in *found and record no error: the logic words the answer.
 * Strings a row hands out are in libcs memory and become the caller's, NULL for none.
 */
#ifndef CS_STORE_OUTBOX_H
#define CS_STORE_OUTBOX_H

#include "cs-internal.h"

/* An item to queue, addressed to identity_id (whose value is recipient). */
/* body NULL: the item sends its message's body, which is then not stored twice. */
typedef struct cs_outbox__entry {
    int64_t channel_id, ticket_id, message_id;
    const char *kind, *recipient, *subject, *body;
    const char *header_message_id, *in_reply_to, *references;
    int64_t identity_id;
    const char *html; /* mail only: the HTML alternative, or NULL */
    int64_t id;       /* the id it is to get (cs_store__outbox_next_id), or 0: the next */
} cs_outbox__entry;

/* Why a due item is not to be sent, as the store finds it from the item's ticket, customer
 * and identity. Append-only: the logic words each one. */
enum cs_outbox__hold {
    CS_OUTBOX__SEND = 0,    /* nothing stands in the way */
    CS_OUTBOX__ERASED = 1,  /* the ticket's customer was erased */
    CS_OUTBOX__REMOVED = 2, /* the identity it is addressed to was removed */
    CS_OUTBOX__MOVED = 3,   /* that identity belongs to another customer than the ticket's now */
    CS_OUTBOX__HOLDS
};

/* A due item and why not to send it (an enum cs_outbox__hold). */
typedef struct cs_outbox__due {
    int64_t id;
    int hold;
} cs_outbox__due;

/* A leased item whose lease ran out. */
typedef struct cs_outbox__expired {
    int64_t id;
    int attempts;
    cs_time lease_until;
} cs_outbox__expired;

/* An item as acknowledgements and failures see it. */
typedef struct cs_outbox__state {
    int state, attempts; /* state: an enum cs_outbox_state */
    int64_t lease, message_id;
    bool open;        /* its latest lease has had no answer yet */
    char reason[128]; /* why it was cancelled, cut to fit; "" for none */
} cs_outbox__state;

/* A claimed item as the store reads it, with its channel's kind; the strings are the
 * caller's. */
typedef struct cs_outbox__row {
    int64_t id, lease, channel_id, ticket_id, message_id;
    cs_time lease_until;
    int channel_kind, attempts;
    char *kind, *recipient, *subject, *body, *header_message_id, *in_reply_to, *references;
} cs_outbox__row;

/* An item as the outbox list shows it; strings borrowed for the callback. */
typedef struct cs_outbox__listed {
    int64_t id, channel_id, ticket_id;
    int state, attempts;
    cs_time next_attempt_at;
    const char *kind, *recipient, *last_error, *cancel_reason;
} cs_outbox__listed;

/* An identity a message may go to. */
typedef struct cs_outbox__recipient {
    int64_t id;
    char *value;
} cs_outbox__recipient;

/* Queue item `e` at `now`, due at once; *id is its id. Strings are stored as given. */
int cs_store__outbox_insert(int64_t *id, cs_db *db, const cs_outbox__entry *e, cs_time now);
/* The id the next item queued in this transaction gets (one more than the largest). */
int cs_store__outbox_next_id(int64_t *id, cs_db *db);

/* Up to `max` leased items whose lease ran out by `now`, by id; *n of them. */
int cs_store__outbox_expired(cs_outbox__expired *out, size_t *n, cs_db *db, cs_time now,
                             size_t max);
/* Up to `max` queued items due by `now`, by due time then id, on channel `channel_id` and of
 * channel kind `channel_kind` (0: any), each with why not to send it; *n of them. */
int cs_store__outbox_due(cs_outbox__due *out, size_t *n, cs_db *db, cs_time now, int channel_kind,
                         int64_t channel_id, size_t max);
/* Lease item `id` until `lease_until`: a new lease, one attempt more. */
int cs_store__outbox_lease(cs_db *db, int64_t id, cs_time lease_until);
/* Cancel item `id` for `reason`, ending its lease. */
int cs_store__outbox_cancel(cs_db *db, int64_t id, const char *reason);
/* Read item `id` as it is claimed into *out, which then holds strings of the caller. */
int cs_store__outbox_item(cs_outbox__row *out, bool *found, cs_db *db, int64_t id);
/* Read the state of item `id`. */
int cs_store__outbox_state(cs_outbox__state *out, bool *found, cs_db *db, int64_t id);
/* Item `id` was sent at `at`, with the channel's `external_id` (NULL: none); its lease ends. */
int cs_store__outbox_sent(cs_db *db, int64_t id, cs_time at, const char *external_id);
/* A failed attempt of item `id`: it becomes `state`, due at `next_attempt_at`, with `error`;
 * its lease ends unless `keep_lease`. */
int cs_store__outbox_failed(cs_db *db, int64_t id, int state, cs_time next_attempt_at,
                            const char *error, bool keep_lease);
/* A late failure of item `id` whose attempt was already counted: its lease ends, `error`
 * replaces the last one unless NULL, and a queued item is due at `retry_at` if that is
 * set. */
int cs_store__outbox_late_failure(cs_db *db, int64_t id, const char *error, cs_time retry_at);

/* Takes one item, borrowed for the call; anything but CS_OK stops the list and is
 * returned. */
typedef int (*cs_store__outbox_list_fn)(void *payload, const cs_outbox__listed *row);
/* Hand the items in `state` (0: all) to `fn`, by id, at most `limit` (0: no limit). */
int cs_store__outbox_list(cs_db *db, int state, size_t limit, cs_store__outbox_list_fn fn,
                          void *payload);

/* Erasure of customer `customer_id`: the items addressed to them, through their tickets or
 * their identities (before those are deleted). Cancel those not sent for `reason`; blank
 * the recipient, texts and headers of all. */
int cs_store__outbox_cancel_customer(cs_db *db, int64_t customer_id, const char *reason);
int cs_store__outbox_blank_customer(cs_db *db, int64_t customer_id);

/* A delivery report on item `item_id`: it bounced (it is dead, and no longer leased, with
 * `reason` as its last error), or it is delayed (`reason` is its last error). */
int cs_store__outbox_bounced(cs_db *db, int64_t item_id, const char *reason);
int cs_store__outbox_delayed(cs_db *db, int64_t item_id, const char *reason);

/* The body of item `item_id` (in libcs memory), or NULL when there is none (a receipt's
 * text for a retried ingest). */
int cs_store__outbox_body(char **out, cs_db *db, int64_t item_id);
/* How many automatic items (every kind but an agent's reply) to identity `identity_id` were
 * queued after `since` (the autoresponder rate limit). */
int cs_store__outbox_automatic_count(int64_t *count, cs_db *db, int64_t identity_id, cs_time since);

/* Reads across owners: one query each, joining other modules' tables; none writes -------- */

/* identity, message: the customer's identity of `kind` they last wrote from, on ticket
 * `ticket_id` first, then on channel `channel_id`, then anywhere. */
int cs_store__outbox_wrote_from(cs_outbox__recipient *out, bool *found, cs_db *db,
                                int64_t customer_id, int kind, int64_t ticket_id,
                                int64_t channel_id);

/* Takes the external id and direction of one message, borrowed for the call; anything but
 * CS_OK stops the list and is returned. */
typedef int (*cs_store__outbox_thread_fn)(void *payload, const char *external_id, int direction);
/* message, channel: the external ids of the ticket's public messages on mail channels,
 * newest first, at most `max`. */
int cs_store__outbox_thread_ids(cs_db *db, int64_t ticket_id, size_t max,
                                cs_store__outbox_thread_fn fn, void *payload);
/* message, ticket: of the public agents' replies written in [from, to) that say whether
 * they went out on the channel of the customer's latest message, how many (*total) and how
 * many did (*same); only on the tickets agent `scope` sees (0: all, CS_SCOPE_SQL). */
int cs_store__outbox_reply_stats(int64_t *total, int64_t *same, cs_db *db, cs_time from, cs_time to,
                                 int64_t scope);

#endif
