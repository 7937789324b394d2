/**
 * @file
 * Mail in: raw RFC 5322 messages parsed and ingested, loops and bounces recognised.
 */
#ifndef CS_MAIL_H
#define CS_MAIL_H

#include "common.h"
#include "ingest.h"

CS_BEGIN_DECL

/** What a mail given to cs_ingest_mail() was. Append-only. @since 0.2 */
enum cs_mail_kind {
    CS_MAIL_MESSAGE = 1,   /**< from a person: ingested as usual */
    CS_MAIL_AUTOMATIC = 2, /**< auto-submitted, bulk/list/junk, an empty Return-Path, a no-reply
                                style or own-channel sender: ingested, no automatic answer */
    CS_MAIL_BOUNCE = 3,    /**< a delivery status notification for an item libcs sent: that
                                outbox item failed with the reason; no ticket */
    CS_MAIL_UNPARSED = 4   /**< could not be parsed: kept raw on a ticket flagged for an
                                agent */
};

/** Names: "message" "automatic" "bounce" "unparsed". NULL for other values. @since 0.2 */
CS_EXTERN(const char *) cs_mail_kind_name(int kind);

/** The longest storage reference a cs_mail_store_fn may write, without its NUL. */
#define CS_STORAGE_REF_MAX 2048

/**
 * The host stores an attachment too large for the database (over CS_ATTACHMENT_INLINE_MAX)
 * and says where: it writes a NUL-terminated reference (a URL, a key) of at most
 * CS_STORAGE_REF_MAX bytes into `ref` (which holds CS_STORAGE_REF_MAX + 1). The bytes are
 * borrowed for the call only. Called inside cs_ingest_mail()'s transaction: it must not use
 * the same cs_db handle. Return 0 when stored; anything else (or an empty reference) and the
 * attachment is recorded without its bytes, as without a callback.
 *
 * A mail that is ingested twice (a retry) calls it again for the retry only when the first
 * ingest did not commit; the reference of the first one stays. @since 0.2
 */
typedef int (*cs_mail_store_fn)(char *ref, const char *name, const char *content_type,
                                const void *data, size_t size, const char *sha256, void *payload);

#define CS_MAIL_OPTIONS_VERSION 1

/** Options for cs_ingest_mail(). @since 0.2 */
typedef struct cs_mail_options {
    unsigned int version;   /**< CS_MAIL_OPTIONS_VERSION */
    cs_mail_store_fn store; /**< NULL: large attachments are recorded with their name, type,
                                 size and SHA-256, without their bytes */
    void *store_payload;    /**< passed to `store` */
} cs_mail_options;

/* clang-format off */
#define CS_MAIL_OPTIONS_INIT {CS_MAIL_OPTIONS_VERSION, NULL, NULL}
/* clang-format on */

/**
 * Fill *out with the defaults of version `version` of its struct (CS_MAIL_OPTIONS_INIT gives those
 * of the current one): for bindings that cannot read macros, and for callers built against an
 * older version.
 *
 * @return CS_OK; CS_EINVAL for NULL or a version this library does not know
 * @since 0.2
 */
CS_EXTERN(int) cs_mail_options_init(cs_mail_options *out, unsigned int version);

/**
 * Ingest one raw RFC 5322 message (the bytes as received, any size) from an email channel,
 * in one transaction. options may be NULL.
 *
 * The mail is parsed (MIME, RFC 2047 words and any charset to UTF-8): the sender is the
 * From mailbox (else Sender, else Return-Path), its display name the new customer's name;
 * Subject, Message-ID, In-Reply-To, References and Date are read. The body is the
 * text/plain part, else the HTML part made readable text (the HTML is kept on the message);
 * the quoted history and the signature are taken off the new text and kept beside it
 * (cs_message_quoted(), cs_message_signature()). Other parts are attachments with their
 * type, name and size: those over CS_ATTACHMENT_INLINE_MAX go to options->store, else they
 * are recorded by name, type, size and SHA-256 without their bytes. Attached messages
 * (message/rfc822) are attachments too. Then the mail goes in as cs_ingest() takes a
 * message: deduplicated on its Message-ID (a mail without one on "<sha256-of-its-bytes@
 * libcs.invalid>"), the customer recognised by the sender's address, threaded, stored.
 *
 * Reply-To: when it names another address, the message records it (cs_message_reply_to()).
 * Replies go there (the message's identity is that address) only when it is already one of
 * the same customer's own mail identities; an unknown address, or another customer's, is
 * never followed or attached to anyone, so a forged From with a Reply-To of one's own
 * learns nothing of the customer's ticket. An agent who trusts it adds it as an identity
 * or names it as the recipient of cs_reply().
 *
 * Loops (RFC 3834): no receipt goes to a mail with Auto-Submitted other than "no",
 * Precedence bulk, list or junk, a List-Id, an empty Return-Path ("<>"),
 * X-Auto-Response-Suppress naming All, AutoReply or OOF, a sender such as MAILER-DAEMON,
 * postmaster, noreply, no-reply or do-not-reply, or a sender that is the address of any of
 * the shop's channels; result->mail_kind is CS_MAIL_AUTOMATIC for them. Whatever the
 * headers say, at most "mail.auto_reply_limit" automatic mails (default 3) go to one address
 * per hour, so two autoresponders cannot answer each other for ever (cs_ingest() keeps its
 * one receipt per new ticket).
 *
 * Bounces (RFC 3464): a multipart/report of report-type delivery-status, sent with an
 * empty Return-Path (or none), naming in its returned headers the Message-ID of a mail
 * libcs sent on a mail channel, marks that outbox item (if it is CS_OUTBOX_SENT) dead with
 * the reason ("bounced: 5.1.1 ..."), adds an internal note to its ticket, and opens no
 * ticket: mail_kind CS_MAIL_BOUNCE, bounced_item_id the item, ticket_id its ticket,
 * message_id the note. A report of a delay only records it in the item's last error. A
 * report that names no item of libcs's, or comes from a mailbox, goes in as automatic
 * mail, so nothing is lost.
 *
 * Malformed mail: bytes in no charset become U+FFFD; a text longer than CS_BODY_MAX is cut
 * and the whole mail kept as the attachment "message.eml"; past CS_ATTACHMENTS_MAX - 1
 * parts the rest stays in "message.eml" too. A mail with no usable sender, or one that
 * cannot be stored as parsed, is kept whole: a new customer "Unknown sender" (with the
 * address "unknown-<hash>@unparsed.invalid", so a retry is a duplicate) gets a ticket
 * tagged "mail-unparsed" whose message says why and carries the mail as "message.eml"
 * (in the database whatever its size, unless options->store takes it); mail_kind
 * CS_MAIL_UNPARSED.
 *
 * GMime and libxml2 do the parsing; libcs initialises them once per process, thread-safely,
 * and never shuts them down.
 *
 * @param[out] out the result (its mail_kind and bounced_item_id set); release with
 *             cs_ingest_result_free()
 * @param raw the message; NULL only with size 0
 * @return CS_OK (also for a duplicate, a bounce and an unparsed mail); CS_EINVAL naming
 *         the field (out, db, raw, options: an unknown version, channel_id: not an email
 *         channel); CS_ENOTFOUND for the channel; CS_ECONFLICT for a disabled channel;
 *         CS_EPERM as cs_ingest(); CS_EREADONLY; CS_EBUSY; CS_EDB; CS_ENOMEM
 * @since 0.2
 */
CS_EXTERN(int) cs_ingest_mail(cs_ingest_result **out, cs_db *db, int64_t channel_id,
                              const void *raw, size_t size, const cs_mail_options *options);

CS_END_DECL

#endif
