/**
 * @file
 * Messages on a ticket: inbound and outbound, public replies and internal notes.
 */
#ifndef CS_MESSAGE_H
#define CS_MESSAGE_H

#include "common.h"

CS_BEGIN_DECL

enum cs_message_direction {
    CS_DIRECTION_INBOUND = 1, /**< from the customer */
    CS_DIRECTION_OUTBOUND = 2 /**< from an agent or the system */
};

enum cs_message_visibility {
    CS_VISIBILITY_PUBLIC = 1,  /**< seen by the customer */
    CS_VISIBILITY_INTERNAL = 2 /**< an internal note: agents only, never sent */
};

/** The direction's name ("inbound", "outbound"), or NULL. @since 0.1 */
CS_EXTERN(const char *) cs_message_direction_name(int direction);
/** The direction with this name, or 0. @since 0.1 */
CS_EXTERN(int) cs_message_direction_parse(const char *name);
/** The visibility's name ("public", "internal"), or NULL. @since 0.1 */
CS_EXTERN(const char *) cs_message_visibility_name(int visibility);
/** The visibility with this name, or 0. @since 0.1 */
CS_EXTERN(int) cs_message_visibility_parse(const char *name);

/** Limits, in bytes. */
#define CS_BODY_MAX (4 * 1024 * 1024)
#define CS_EXTERNAL_ID_MAX 998
#define CS_ATTACHMENT_INLINE_MAX (1024 * 1024) /**< larger files stay in the host's storage */
#define CS_ATTACHMENTS_MAX 32                  /**< per message */

/**
 * An attachment's metadata, and its bytes when they are small enough to keep in the
 * database. Either `data` (then `size` and `sha256` are computed) or `storage_ref`,
 * `size` and `sha256` (64 lowercase hex digits) must be given.
 */
typedef struct cs_attachment_spec {
    const char *name;         /**< file name; required */
    const char *content_type; /**< MIME type; default "application/octet-stream" */
    const void *data;         /**< the bytes, at most CS_ATTACHMENT_INLINE_MAX */
    size_t size;
    const char *sha256;
    const char *storage_ref; /**< where the host keeps the bytes (a URL, a key) */
} cs_attachment_spec;

#define CS_MESSAGE_FIELDS_VERSION 1

/** A message to add to a ticket. */
typedef struct cs_message_fields {
    unsigned int version;    /**< CS_MESSAGE_FIELDS_VERSION */
    int64_t ticket_id;       /**< required */
    int direction;           /**< default: inbound for a customer actor, else outbound */
    int visibility;          /**< default CS_VISIBILITY_PUBLIC */
    int64_t channel_id;      /**< default: the ticket's channel */
    const char *subject;     /**< optional */
    const char *body;        /**< required, valid UTF-8, at most CS_BODY_MAX bytes */
    const char *external_id; /**< the channel's id for it (mail Message-ID, tweet id) */
    const cs_attachment_spec *attachments;
    size_t nattachments;
} cs_message_fields;

/* clang-format off */
#define CS_MESSAGE_FIELDS_INIT {CS_MESSAGE_FIELDS_VERSION, 0, 0, 0, 0, NULL, NULL, NULL, NULL, 0}
/* clang-format on */

/**
 * Fill *out with the defaults of version `version` of its struct (CS_MESSAGE_FIELDS_INIT gives
 * those of the current one): for bindings that cannot read macros, and for callers built against
 * an older version.
 *
 * @return CS_OK; CS_EINVAL for NULL or a version this library does not know
 * @since 0.2
 */
CS_EXTERN(int) cs_message_fields_init(cs_message_fields *out, unsigned int version);

/**
 * Add a message to a ticket as the handle's actor. Internal notes are outbound and come
 * from agents (light agents included) or the system; customers write only inbound public
 * messages on tickets they may see, and give only the ticket, subject, body and
 * attachments (a channel, an external id, an internal visibility or an outbound direction
 * is CS_EPERM naming the field). Adding a message never sends anything: replies go out
 * through cs_reply() and the outbox.
 *
 * @param[out] id the new message's id
 * @return CS_OK; CS_EINVAL naming the field (body, subject, external_id,
 *         attachments[i].name ...); CS_ENOTFOUND for the ticket or channel; CS_EEXISTS if
 *         the external id is known on that channel; CS_ECONFLICT on a closed ticket;
 *         CS_EPERM; CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_message_create(int64_t *id, cs_db *db, const cs_message_fields *fields);

typedef struct cs_message cs_message;

/** Read one message. A message the actor may not see (on a ticket it does not see, or an
 * internal note for a customer) is CS_ENOTFOUND, as a missing one. @since 0.1 */
CS_EXTERN(int) cs_message_lookup(cs_message **out, cs_db *db, int64_t id);
/** Release a message. NULL is a no-op. @since 0.1 */
CS_EXTERN(void) cs_message_free(cs_message *m);

/**
 * @name Getters
 * Strings are borrowed until the message is freed. @since 0.1
 */
/** @{ */
CS_EXTERN(int64_t) cs_message_id(const cs_message *m);
CS_EXTERN(int64_t) cs_message_ticket_id(const cs_message *m);
CS_EXTERN(int) cs_message_direction(const cs_message *m);
CS_EXTERN(int) cs_message_visibility(const cs_message *m);
CS_EXTERN(int64_t) cs_message_channel_id(const cs_message *m);
/** A cs_actor_kind. */
CS_EXTERN(int) cs_message_author_kind(const cs_message *m);
CS_EXTERN(int64_t) cs_message_author_id(const cs_message *m);
CS_EXTERN(const char *) cs_message_subject(const cs_message *m);
CS_EXTERN(const char *) cs_message_body(const cs_message *m);
CS_EXTERN(const char *) cs_message_external_id(const cs_message *m);
CS_EXTERN(cs_time) cs_message_created_at(const cs_message *m);
/**
 * What cs_ingest_mail() kept beside the body of a mail: the quoted history (NULL when none
 * was found), the signature, the HTML part in UTF-8, and the Reply-To address when it
 * named another than the sender's (see cs_ingest_mail() for when replies follow it). All
 * NULL for messages that did not come in as raw mail. Borrowed until the message is freed.
 * @since 0.2
 */
CS_EXTERN(const char *) cs_message_quoted(const cs_message *m);
/** The signature cs_ingest_mail() took off the body, or NULL; as cs_message_quoted().
 * @since 0.2 */
CS_EXTERN(const char *) cs_message_signature(const cs_message *m);
/** The HTML part of a mail in UTF-8, or NULL; as cs_message_quoted(). @since 0.2 */
CS_EXTERN(const char *) cs_message_html(const cs_message *m);
/** The Reply-To address when it named another than the sender's, or NULL; as
 * cs_message_quoted(). @since 0.2 */
CS_EXTERN(const char *) cs_message_reply_to(const cs_message *m);
/** The enum cs_mail_kind of a message that came in as raw mail, else 0. @since 0.2 */
CS_EXTERN(int) cs_message_mail_kind(const cs_message *m);
CS_EXTERN(size_t) cs_message_attachment_count(const cs_message *m);
/** Attachment i's metadata; `data` points at the stored bytes or is NULL. */
CS_EXTERN(int) cs_message_attachment(const cs_message *m, size_t i, cs_attachment_spec *out);
/** @} */

/**
 * The message as a JSON object (attachments without their bytes). "mail" is null, or for
 * mail ingested raw an object with its kind, quoted history, signature, HTML, Reply-To
 * and Date (docs/json.md).
 * @param[out] out release with cs_str_free()
 * @since 0.1
 */
CS_EXTERN(int) cs_message_to_json(char **out, const cs_message *m);

typedef struct cs_message_iter cs_message_iter;

/**
 * Iterate over a ticket's messages in the order they were added. A customer actor does not
 * see internal notes.
 *
 * Messages are read a page at a time (at most about 1 MiB of bodies and inline attachments
 * each), and between calls the iterator holds no read open: the caller may write through
 * this handle or any other while it iterates, and a message added meanwhile comes up at
 * the end. The actor at this call decides about internal notes for every page.
 *
 * @param[out] out release with cs_message_iter_free()
 * @return CS_OK; CS_ENOTFOUND for a ticket that does not exist or the actor may not see;
 *         CS_EPERM
 * @since 0.1
 */
CS_EXTERN(int) cs_message_iter_new(cs_message_iter **out, cs_db *db, int64_t ticket_id);
/**
 * @param[out] out borrowed until the next call or cs_message_iter_free()
 * @return CS_OK; CS_ITEROVER; CS_EDB; CS_ENOMEM
 * @since 0.1
 */
CS_EXTERN(int) cs_message_next(const cs_message **out, cs_message_iter *it);
/** Release an iterator. NULL is a no-op. @since 0.1 */
CS_EXTERN(void) cs_message_iter_free(cs_message_iter *it);

CS_END_DECL

#endif
