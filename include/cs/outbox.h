/**
 * @file
 * Replies and the outbox: the one door through which anything leaves (P1).
 */
#ifndef CS_OUTBOX_H
#define CS_OUTBOX_H

#include "common.h"
#include "message.h"

CS_BEGIN_DECL

#define CS_REPLY_OPTIONS_VERSION 3

/** Options for cs_reply(). Version 1 ends after `subject`, version 2 after `recipient`;
 * cs_reply() reads no further for them, so callers built against older headers keep
 * working unchanged. */
typedef struct cs_reply_options {
    unsigned int version;  /**< CS_REPLY_OPTIONS_VERSION (1 is accepted too) */
    int64_t channel_id;    /**< 0: the channel of the customer's latest message; another
                                channel is a deliberate switch, recorded in the audit trail */
    const char *subject;   /**< mail subject; default "[#number] ticket subject" */
    const char *recipient; /**< version 2, @since 0.2: NULL for the rule in cs_reply(); else
                                an address of the ticket's customer of the channel's
                                identity kind (normalised like cs_identity_normalize()), a
                                deliberate choice recorded in the audit trail */
    const char *html;      /**< version 3, @since 0.2: mail only, an HTML alternative of the
                                body (the body stays the message of record and the text
                                part); the agent's signature is appended to it too */
    const cs_attachment_spec *attachments; /**< version 3, @since 0.2: stored on the reply
                                                and sent with it; on mail channels each must
                                                carry its bytes (`data`) */
    size_t nattachments;                   /**< version 3: at most CS_ATTACHMENTS_MAX */
} cs_reply_options;

/* clang-format off */
#define CS_REPLY_OPTIONS_INIT {CS_REPLY_OPTIONS_VERSION, 0, NULL, NULL, NULL, NULL, 0}
/* clang-format on */

/**
 * Fill *out with the defaults of version `version` of its struct (CS_REPLY_OPTIONS_INIT gives
 * those of the current one): for bindings that cannot read macros, and for callers built against
 * an older version.
 *
 * @return CS_OK; CS_EINVAL for NULL or a version this library does not know
 * @since 0.2
 */
CS_EXTERN(int) cs_reply_options_init(cs_reply_options *out, unsigned int version);

/**
 * Reply publicly to a ticket's customer as the handle's actor (an agent or the system):
 * stores an outbound public message and queues it in the outbox, in one transaction. The
 * reply goes out on the channel of the customer's latest inbound message unless the options
 * name another. An agent's signature is appended where the channel asks for one (" ^AB" on
 * social and chat channels, "-- \nName" on mail). A new ticket becomes open.
 *
 * The recipient is one of the customer's identities of the channel's identity kind (mail
 * address, handle, phone number):
 * - the one named in `options->recipient`, a deliberate choice recorded in the audit trail
 *   (action "recipient", field "recipient", old: the identity the rule below would have
 *   picked, new: the one named);
 * - else the identity the customer last wrote from (every inbound message keeps the
 *   identity it came from): on this ticket first, else on this channel, else on any
 *   channel of that kind;
 * - else, when they never wrote from one, their oldest identity of that kind.
 * An identity added by an agent is never picked just because it is the newest.
 *
 * @param[out] message_id the stored message; may be NULL
 * @param options NULL for the defaults; versions 1 to 3 are accepted
 * @return CS_OK; CS_EINVAL (body, subject, options: an unknown version, channel_id: the
 *         customer has no identity for the channel's kind, recipient: malformed, or not one
 *         of the customer's identities of that kind - the same words whoever has it; html;
 *         attachments, attachments[i].name ... as for cs_message_create(), and
 *         attachments[i].data for a mail attachment without its bytes);
 *         CS_ENOTFOUND; CS_ECONFLICT for a closed ticket or a disabled channel; CS_EPERM
 *         (customers, light agents); CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1; `recipient`, `html`, `attachments` and the rule above @since 0.2
 */
CS_EXTERN(int) cs_reply(int64_t *message_id, cs_db *db, int64_t ticket_id, const char *body,
                        const cs_reply_options *options);

/** Outbox item states. Append-only. */
enum cs_outbox_state {
    CS_OUTBOX_QUEUED = 1, /**< waiting to be claimed (now, or at its retry time) */
    CS_OUTBOX_LEASED = 2, /**< claimed by an adapter until its lease ends */
    CS_OUTBOX_SENT = 3,   /**< acknowledged */
    CS_OUTBOX_DEAD = 4,   /**< failed too often ("outbox.max_attempts"); needs a person */
    CS_OUTBOX_CANCELLED =
        5 /**< never to be sent: its customer was erased, or the identity
               it is addressed to was removed or is another customer's
               now; the reason is in cs_outbox_entry_cancel_reason() (@since 0.2) */
};

/**
 * One claimed item. Strings live until the batch is freed. Fields are only appended.
 *
 * The lease rule. Every claim of an item issues a new lease (1, 2, ...). A lease is
 * *current* while it is the latest one issued for the item and has had no answer: no
 * acknowledgement, no failure, and the item was not cancelled. Only the current lease
 * acknowledges (cs_outbox_ack) or fails (cs_outbox_fail) the item, once; anything else is
 * CS_ECONFLICT naming "lease": a lease that was never issued, one superseded by a later
 * claim, one that already failed or acknowledged, one of a cancelled item. The holder
 * repeating its own acknowledgement is CS_OK and changes nothing.
 *
 * An expired lease is a failed attempt: the next claim (any adapter's) settles it, retrying
 * the item after the backoff counted from the lease's end, or making it dead after
 * "outbox.max_attempts" attempts, so an item that kills its adapter cannot keep the items
 * behind it waiting. Until the item is claimed again the expired lease stays current: a
 * late acknowledgement still marks it sent (the item did go out), a late failure still
 * records its error. Once it is claimed again, both are CS_ECONFLICT.
 */
typedef struct cs_outbox_item {
    int64_t id;
    int64_t lease; /**< pass back to ack/fail: identifies this claim */
    cs_time lease_until;
    int64_t channel_id;
    int channel_kind; /**< an enum cs_channel_kind */
    int64_t ticket_id;
    int64_t message_id;    /**< 0 for items without a stored message */
    const char *kind;      /**< "reply", "receipt", "survey" */
    const char *recipient; /**< the customer's address on the channel */
    const char *subject;   /**< NULL where the channel has no subjects */
    const char *body;
    const char *message_id_header; /**< mail: Message-ID to send with */
    const char *in_reply_to;       /**< mail: In-Reply-To, or NULL */
    const char *references;        /**< mail: References, or NULL */
    int attempts;                  /**< claims so far, this one included */
} cs_outbox_item;

typedef struct cs_outbox_batch cs_outbox_batch;

/**
 * Claim up to `max` items that are due, oldest first, for `lease_seconds`. Expired leases
 * are settled first (see the lease rule above): their items are due again after a backoff,
 * so a crashed adapter loses nothing. A due item whose recipient is gone is cancelled here
 * instead of claimed, with its reason (CS_OUTBOX_CANCELLED), and does not count against
 * `max`: the customer was erased, the identity it is addressed to was removed, or that
 * identity belongs to another customer than the ticket's now (a merge was undone).
 *
 * @param[out] out the batch (possibly empty); release with cs_outbox_batch_free()
 * @param channel_kind 0 for any kind
 * @param channel_id 0 for any channel
 * @return CS_OK; CS_EINVAL (max 1..1000, lease_seconds 1..86400, channel_kind); CS_EPERM
 *         (system and admins); CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_outbox_claim(cs_outbox_batch **out, cs_db *db, int channel_kind,
                               int64_t channel_id, size_t max, int lease_seconds);

CS_EXTERN(size_t) cs_outbox_batch_count(const cs_outbox_batch *batch);
/** Item i, borrowed from the batch; NULL when out of range. @since 0.1 */
CS_EXTERN(const cs_outbox_item *) cs_outbox_batch_item(const cs_outbox_batch *batch, size_t i);
/** Release a batch. NULL is a no-op. @since 0.1 */
CS_EXTERN(void) cs_outbox_batch_free(cs_outbox_batch *batch);

/**
 * The item was sent under `lease`, which must be current (the lease rule above; a late
 * acknowledgement of an expired lease counts while the item was not claimed again). Its
 * external id (the channel's id for the sent message) is stored on the message so the
 * customer's answer threads back.
 *
 * @param external_id may be NULL
 * @return CS_OK (also for the holder repeating its acknowledgement, which changes nothing);
 *         CS_ENOTFOUND (item_id); CS_ECONFLICT (lease) if the lease is not current;
 *         CS_EINVAL (external_id); CS_EEXISTS if the external id is taken on the channel;
 *         CS_EPERM; CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1; the lease is checked @since 0.2
 */
CS_EXTERN(int) cs_outbox_ack(cs_db *db, int64_t item_id, int64_t lease, const char *external_id);

/**
 * Sending failed under `lease`, which must be current (the lease rule above). The item is
 * retried at `retry_at`, or with exponential backoff when it is 0 ("outbox.backoff"
 * seconds, doubled per attempt, at most 6 hours), and becomes dead after
 * "outbox.max_attempts" attempts. A late failure of an expired lease that a claim already
 * counted records `error` (and `retry_at`, if given) without counting another attempt.
 *
 * @return CS_OK; CS_ENOTFOUND (item_id); CS_ECONFLICT (lease) if the lease is not current
 *         (never issued, claimed again since, already acknowledged or failed, the item
 *         cancelled); CS_EINVAL (error); CS_EPERM; CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_outbox_fail(cs_db *db, int64_t item_id, int64_t lease, const char *error,
                              cs_time retry_at);

/**
 * Render a claimed email item as the complete mail to send: RFC 5322 bytes, 7-bit (text in
 * quoted-printable or base64, headers in RFC 2047 encoded words), lines ending in CRLF,
 * ready for SMTP DATA.
 *
 * - From: the channel's name and address; To: the recipient, with the customer's name.
 * - Subject: the item's subject (the ticket's when it has none), always carrying the
 *   ticket's "[#number]" so that the answer threads back.
 * - Date: the handle's clock. Message-ID: the item's (random, made when it was queued and
 *   the same at every attempt: acknowledge with it as the external id). In-Reply-To and
 *   References continue the customer's thread.
 * - Auto-Submitted: auto-replied (RFC 3834) and X-Auto-Response-Suppress: All on every
 *   item that is not an agent's reply (receipts, and every automatic kind to come), so that
 *   autoresponders stay silent.
 * - The body as text/plain; with an HTML alternative (cs_reply_options `html`) a
 *   multipart/alternative; with attachments (those of the item's message, `attachments` of
 *   cs_reply_options) a multipart/mixed around it.
 *
 * Every value is one clean line before it reaches a header (names, subjects: control
 * characters become spaces; message ids and addresses that are not plain ASCII are left
 * out or refused), so no stored text can add a header. The same item renders the same
 * headers each time except Date and the MIME boundaries.
 *
 * @param[out] out the mail, NUL-terminated; release with cs_str_free()
 * @param[out] size its length in bytes; may be NULL
 * @param item_id a claimed item (state CS_OUTBOX_LEASED)
 * @return CS_OK; CS_EINVAL (item_id: the item is not a mail); CS_ENOTFOUND (item_id);
 *         CS_ECONFLICT (item_id: the item is not claimed, its channel has no plain mail
 *         address, its recipient is not a plain ASCII address, it has no Message-ID, or an
 *         attachment's bytes are in the host's storage); CS_EPERM (system and admins);
 *         CS_ENOMEM; CS_EDB
 * @since 0.2
 */
CS_EXTERN(int) cs_outbox_item_mime(char **out, size_t *size, cs_db *db, int64_t item_id);

/** Items of the outbox as cs_outbox_list_get() read them. Opaque. */
typedef struct cs_outbox_list cs_outbox_list;
/** One item of a cs_outbox_list, read with the cs_outbox_entry_*() getters. Opaque. */
typedef struct cs_outbox_entry cs_outbox_entry;

/**
 * Items of the outbox by state, oldest first, read at once (admins and the system).
 *
 * @param[out] out the items (possibly none); release with cs_outbox_list_free()
 * @param state an enum cs_outbox_state, or 0 for all
 * @param limit at most this many; 0 for all
 * @return CS_OK; CS_EINVAL naming "state"; CS_EPERM; CS_EDB
 * @since 0.2
 */
CS_EXTERN(int) cs_outbox_list_get(cs_outbox_list **out, cs_db *db, int state, size_t limit);
/** @since 0.2 */
CS_EXTERN(size_t) cs_outbox_list_count(const cs_outbox_list *list);
/** Item i, lent until cs_outbox_list_free(); NULL when out of range. @since 0.2 */
CS_EXTERN(const cs_outbox_entry *) cs_outbox_list_item(const cs_outbox_list *list, size_t i);
/** Release a list. NULL is a no-op. @since 0.2 */
CS_EXTERN(void) cs_outbox_list_free(cs_outbox_list *list);
/** @since 0.2 */
CS_EXTERN(int64_t) cs_outbox_entry_id(const cs_outbox_entry *e);
/** An enum cs_outbox_state. @since 0.2 */
CS_EXTERN(int) cs_outbox_entry_state(const cs_outbox_entry *e);
/** "reply", "receipt", "survey". @since 0.2 */
CS_EXTERN(const char *) cs_outbox_entry_kind(const cs_outbox_entry *e);
/** @since 0.2 */
CS_EXTERN(int64_t) cs_outbox_entry_channel_id(const cs_outbox_entry *e);
/** @since 0.2 */
CS_EXTERN(int64_t) cs_outbox_entry_ticket_id(const cs_outbox_entry *e);
/** The customer's address on the channel ("erased" once they are). @since 0.2 */
CS_EXTERN(const char *) cs_outbox_entry_recipient(const cs_outbox_entry *e);
/** Claims so far. @since 0.2 */
CS_EXTERN(int) cs_outbox_entry_attempts(const cs_outbox_entry *e);
/** When a queued item is due (again); 0 for none. @since 0.2 */
CS_EXTERN(cs_time) cs_outbox_entry_next_attempt_at(const cs_outbox_entry *e);
/** The error of the last failed attempt, or NULL. @since 0.2 */
CS_EXTERN(const char *) cs_outbox_entry_last_error(const cs_outbox_entry *e);
/** Why a cancelled item was cancelled, else NULL. @since 0.2 */
CS_EXTERN(const char *) cs_outbox_entry_cancel_reason(const cs_outbox_entry *e);
/** The name of an enum cs_outbox_state ("queued", "leased", "sent", "dead",
 *  "cancelled"), or NULL. @since 0.2 */
CS_EXTERN(const char *) cs_outbox_state_name(int state);

/**
 * cs_outbox_list_get() as a JSON array of objects (id, state by name, kind, channel_id,
 * ticket_id, recipient, attempts, next_attempt_at, last_error, cancel_reason).
 *
 * @param[out] out release with cs_str_free()
 * @since 0.1
 */
CS_EXTERN(int) cs_outbox_list_json(char **out, cs_db *db, int state, size_t limit);

/**
 * P1: of the public replies sent in [from, to), how many went out on the channel of the
 * customer's latest message.
 *
 * @param[out] same may be NULL
 * @param[out] total may be NULL
 * @since 0.1; 0.2 puts the out-parameters first
 */
CS_EXTERN(int) cs_reply_channel_stats(int64_t *same, int64_t *total, cs_db *db, cs_time from,
                                      cs_time to);

CS_END_DECL

#endif
