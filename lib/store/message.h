/*
 * libcs - the storage of messages and their attachments: what a backend provides. Not API.
 */
#ifndef CS_STORE_MESSAGE_H
#define CS_STORE_MESSAGE_H

#include "cs-internal.h"

/* A stored attachment; data is NULL for one the host keeps (storage_ref). */
struct cs_message__attachment {
    char *name, *content_type, *sha256, *storage_ref;
    void *data;
    size_t size;
};

/* A message as the library holds it; the store fills it. */
struct cs_message {
    int64_t id, ticket_id, channel_id, author_id;
    int direction, visibility, author_kind;
    char *subject, *body, *external_id;
    cs_time created_at;
    char *quoted, *signature, *html, *reply_to; /* mail ingested raw */
    cs_time mail_date;
    int mail_kind;
    struct cs_message__attachment *attachments;
    size_t nattachments;
};

/* Release what a message holds and zero it; the struct itself stays the caller's. */
void cs_message__clear(cs_message *m);

/* An attachment's bytes as a renderer reads them, borrowed for the call. `in_database` is
 * false when its bytes are not in the database (the host keeps them, or nobody); data is
 * NULL then, and for an empty one. */
typedef struct cs_message__bytes {
    const char *name, *content_type;
    const void *data;
    size_t size;
    bool in_database;
} cs_message__bytes;

/* Takes an attachment, borrowed for the call; anything but CS_OK stops the list and is
 * returned. */
typedef int (*cs_store__message_bytes_fn)(void *payload, const cs_message__bytes *a);
/* Hand the attachments of message `message_id`, with their bytes, to `fn`, in the order they
 * were added. */
int cs_store__message_attachments_each(cs_db *db, int64_t message_id, cs_store__message_bytes_fn fn,
                                       void *payload);

/* Who wrote a message and where it came from: the author, the conversation it belongs to
 * (chat, social; NULL: none) and the customer's identity it came from (0: none; replies go
 * back to it). */
typedef struct cs_message__origin {
    int author_kind;
    int64_t author_id;
    const char *conversation;
    int64_t identity_id;
} cs_message__origin;

/* Insert the row of message `f` (its attachments go in with cs_store__message_attach), from
 * `from`, at `at`. 0 ids and NULL texts are stored as none. CS_EEXISTS when the channel has
 * a message with the same external id already. */
int cs_store__message_insert(int64_t *id, cs_db *db, const cs_message_fields *f,
                             const cs_message__origin *from, cs_time at);
/* Insert an attachment as given: its data (NULL: none), size, SHA-256 and storage_ref. */
int cs_store__message_attach(cs_db *db, int64_t message_id, const cs_attachment_spec *a);
/* Read a message with its attachments into *m, releasing what *m held. */
int cs_store__message_get(cs_message *m, bool *found, cs_db *db, int64_t id);
/* Move every message of ticket `from` to ticket `to`. */
int cs_store__message_move(cs_db *db, int64_t to, int64_t from);

/* The messages of a ticket in the order they were written, internal notes only when
 * `notes`, as the public iterator (the store reads them a page at a time, holding no read
 * open between calls). */
int cs_store__message_list(cs_message_iter **out, cs_db *db, int64_t ticket_id, bool notes);
/* The next message (borrowed until the next call), or CS_ITEROVER. */
int cs_store__message_list_next(const cs_message **out, cs_message_iter *it);
void cs_store__message_list_free(cs_message_iter *it);

/* Blank the text, headers and threading keys of customer `customer_id`'s messages, and the
 * names, hashes and contents of their attachments (erasure). Their messages are every
 * message on their tickets (agents' replies and notes quote names and addresses too) and
 * theirs on other tickets. */
int cs_store__message_erase_customer(cs_db *db, int64_t customer_id);

/* Set a sent message's external id (CS_EEXISTS when its channel has it already), or
 * whether it went out on the channel of the customer's latest message. */
int cs_store__message_set_external_id(cs_db *db, int64_t message_id, const char *external_id);
int cs_store__message_set_same_channel(cs_db *db, int64_t message_id, bool same);
/* Whether an agent wrote a public reply on the ticket. */
int cs_store__message_agent_replied(bool *out, cs_db *db, int64_t ticket_id);
/* The channel of the ticket's latest inbound message that has one; 0 for none. */
int cs_store__message_latest_inbound_channel(int64_t *channel_id, cs_db *db, int64_t ticket_id);

/* The ticket's messages, each with its "attachments" (without their bytes), as a JSON array
 * in libcs memory (a customer's export; see store/sqlite/rows.h for how columns read). */
int cs_store__message_export(char **out, cs_db *db, int64_t ticket_id);

#endif
