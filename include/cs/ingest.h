/**
 * @file
 * Ingest: the one door through which customers' messages enter (P2, P3).
 */
#ifndef CS_INGEST_H
#define CS_INGEST_H

#include "common.h"
#include "message.h"

CS_BEGIN_DECL

#define CS_INBOUND_VERSION 1

/**
 * A message as a channel adapter received it. Strings are copied.
 *
 * Only channel_id, sender and body are required, and they, the version and the attachments
 * are all that can refuse a message. Every other field is a hint: one that does not fit is
 * cleaned or dropped and the message goes in (see cs_ingest()).
 */
typedef struct cs_inbound {
    unsigned int version;     /**< CS_INBOUND_VERSION */
    int64_t channel_id;       /**< required: the channel it arrived on */
    const char *external_id;  /**< the channel's id for it (mail Message-ID, tweet id);
                                   a second ingest with the same id on the same channel
                                   is a duplicate. Without one there is no deduplication. */
    const char *sender;       /**< required: the sender's address on the channel's
                                   identity kind (mail address, phone number, handle) */
    const char *sender_name;  /**< display name for a customer libcs does not know yet */
    const char *locale;       /**< locale for a new customer: a BCP 47 tag ("de", "en-GB")
                                   or a POSIX one ("de_DE.UTF-8"); without one the
                                   customer gets the channel's locale, else "en" */
    const char *subject;      /**< optional; a new ticket's subject (else the body's start) */
    const char *body;         /**< required, UTF-8 */
    int64_t ticket_id;        /**< the host knows the ticket (a portal reply); else 0 */
    const char *in_reply_to;  /**< mail In-Reply-To as received: message ids, comments,
                                   a phrase (RFC 5322 section 3.6.4) */
    const char *references;   /**< mail References as received: message ids in angle
                                   brackets with comments, or bare ids separated by
                                   spaces */
    const char *reply_to;     /**< social and chat: the external id replied to */
    const char *conversation; /**< chat session or social conversation key */
    const cs_attachment_spec *attachments;
    size_t nattachments;
} cs_inbound;

/* clang-format off */
#define CS_INBOUND_INIT {CS_INBOUND_VERSION, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, 0}
/* clang-format on */

/**
 * Fill *out with the defaults of version `version` of its struct (CS_INBOUND_INIT gives those of
 * the current one): for bindings that cannot read macros, and for callers built against an older
 * version.
 *
 * @return CS_OK; CS_EINVAL for NULL or a version this library does not know
 * @since 0.2
 */
CS_EXTERN(int) cs_inbound_init(cs_inbound *out, unsigned int version);

/** How the message was threaded. Append-only. */
enum cs_thread_rule {
    CS_THREAD_NEW = 0,          /**< nothing matched: a new ticket */
    CS_THREAD_EXPLICIT = 1,     /**< the host's ticket id */
    CS_THREAD_NUMBER = 2,       /**< "[#1234]" in the subject */
    CS_THREAD_IN_REPLY_TO = 3,  /**< mail In-Reply-To */
    CS_THREAD_REFERENCES = 4,   /**< mail References */
    CS_THREAD_REPLY_TO = 5,     /**< social/chat reply-to id */
    CS_THREAD_CONVERSATION = 6, /**< chat session / conversation key */
    CS_THREAD_SUBJECT = 7,      /**< same subject and customer within the window */
    CS_THREAD_REFERENCED = 8    /**< a message seen earlier named this one (it arrived after
                                     its reply); @since 0.2 */
};

/** What ingest did. Owned by the caller; release with cs_ingest_result_free(). Fields are
 * only ever appended. */
typedef struct cs_ingest_result {
    int64_t ticket_id;
    int64_t ticket_number;
    int64_t customer_id;
    int64_t message_id;
    int created;             /**< a new ticket was opened */
    int reopened;            /**< a solved ticket was reopened */
    int follow_up;           /**< the matched ticket was closed: a linked new ticket was opened */
    int64_t follow_up_of;    /**< the closed ticket, for a follow-up */
    int duplicate;           /**< seen before: the first ingest's result, nothing written */
    int customer_created;    /**< the sender was not known */
    int thread_rule;         /**< an enum cs_thread_rule */
    int64_t receipt_id;      /**< the receipt's outbox item, or 0 */
    cs_time promised_at;     /**< the first reply promised in the receipt, or 0: the SLA
                                  first-reply deadline where a policy applies, else now plus
                                  the channel's receipt target */
    const char *receipt;     /**< the receipt's text, or NULL; lives with the result */
    int mail_kind;           /**< cs_ingest_mail(): an enum cs_mail_kind; cs_ingest(): 0
                                  (@since 0.2) */
    int64_t bounced_item_id; /**< cs_ingest_mail(): the outbox item a bounce reported, else 0
                                  (@since 0.2) */
} cs_ingest_result;

/**
 * Take in a customer's message, in one transaction: deduplicate, recognise (or create) the
 * customer by the sender's identity, thread it into a ticket, reopen a solved ticket or
 * open a follow-up to a closed one, store the message, and queue a receipt for a new
 * ticket. A message on a pending or on-hold ticket sets it back to open.
 *
 * Threading takes the first of these rules that finds one of the sender's own tickets
 * (never another customer's, whatever the message names); result->thread_rule says which:
 *  1. ticket_id, the host's (CS_THREAD_EXPLICIT);
 *  2. "[#1234]" in the subject (CS_THREAD_NUMBER);
 *  3. In-Reply-To, its ids in order (CS_THREAD_IN_REPLY_TO);
 *  4. References, from the last id (the parent) back (CS_THREAD_REFERENCES);
 *  5. reply_to (CS_THREAD_REPLY_TO);
 *  6. an earlier message named this one's external_id: it arrived after its reply
 *     (CS_THREAD_REFERENCED);
 *  7. conversation, on the same channel (CS_THREAD_CONVERSATION);
 *  8. mail and web forms: the subject (CS_THREAD_SUBJECT), below.
 * A message id matches a stored message's external_id with or without angle brackets, and
 * also an id that one of the customer's earlier messages named before libcs saw it: those
 * are remembered for the ticket that message joined. A ticket merged into another stands
 * for the one it was merged into, along any chain of merges.
 *
 * The subject threads only a mail that says it answers something: one with a reply or
 * forward mark ("Re:", "RE :", "Re[2]:", "AW:", "WG:", "SV:", "VS:", "Antw:", "TR:",
 * "Odp:", "R:", "Fwd:", ... each only with its colon) or with In-Reply-To or References
 * that matched nothing. A new mail that only repeats an open ticket's subject is a new
 * request and opens a new ticket. The mail joins the customer's most recently updated
 * ticket that is not closed, was updated within the "ingest.subject_window" setting
 * (default 7 days; 0 turns subject threading off), and has the same subject once the marks,
 * list tags ("[shop-users]") and ticket numbers in front are taken off and white space is
 * folded, compared without case.
 *
 * Hints never refuse a message:
 *  - locale becomes a BCP 47 tag ("de_DE.UTF-8@euro" -> "de-DE", "EN" -> "en") or is
 *    dropped (the customer gets the channel's locale, else the default, "en");
 *  - sender_name and subject: bytes that are not UTF-8 become U+FFFD, line breaks, control
 *    characters and runs of white space one space; they are cut at a character to
 *    CS_NAME_MAX and CS_SUBJECT_MAX bytes, and dropped when nothing is left;
 *  - in_reply_to and references count only for the message ids in them (of a header longer
 *    than 16 KiB its end); ids that are too long or hold control characters are skipped;
 *  - external_id, reply_to and conversation are dropped when longer than
 *    CS_EXTERNAL_ID_MAX bytes or not UTF-8 (without an external id there is no
 *    deduplication: a retry then stores the message again rather than losing it);
 *  - a negative ticket_id is ignored.
 *
 * @param[out] out the result; release with cs_ingest_result_free()
 * @return CS_OK (also for a duplicate); CS_EINVAL naming the field (channel_id, sender,
 *         body, attachments, msg); CS_ENOTFOUND for the channel; CS_ECONFLICT for a
 *         disabled channel; CS_EPERM for customer actors and light agents; CS_EREADONLY;
 *         CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_ingest(cs_ingest_result **out, cs_db *db, const cs_inbound *msg);

/** Release a result. NULL is a no-op. @since 0.1 */
CS_EXTERN(void) cs_ingest_result_free(cs_ingest_result *result);

/** When a channel sends receipts. Append-only. */
enum cs_receipt_mode {
    CS_RECEIPT_DEFAULT = 0, /**< for email and web form channels only */
    CS_RECEIPT_ON = 1,
    CS_RECEIPT_OFF = 2
};

/**
 * Configure a channel's receipts (P3: no black hole): when they are sent, and the
 * first-reply promise in seconds they make while no SLA policy applies (default 86400).
 * Admins and system only.
 *
 * @return CS_OK; CS_EINVAL (mode, first_reply_target); CS_ENOTFOUND; CS_EPERM; CS_EREADONLY
 * @since 0.1
 */
CS_EXTERN(int) cs_receipt_configure(cs_db *db, int64_t channel_id, int mode,
                                    int64_t first_reply_target);

/**
 * Set a channel's receipt template for a language ("de", "en"; a customer's locale picks
 * it by its language part; English is the fallback). Placeholders: {ticket_number},
 * {subject}, {customer_name}, {promised_at}, {owner} (the assignee or group, or the support
 * team). {promised_at} is the date and time in the customer's time zone, else the
 * channel's, else UTC, written as the template's language writes it: German
 * "03.03.2026 10:00 Uhr (Europe/Berlin)", English "3 March 2026, 10:00 (Europe/Berlin)",
 * any other "2026-03-03 10:00 (Europe/Berlin)"; "(UTC)" without a known zone. Unknown placeholders
 * and a '{' without its '}' are refused. NULL template removes the channel's own template for that
 * language, so the built-in one applies.
 *
 * @return CS_OK; CS_EINVAL (language, template); CS_ENOTFOUND; CS_EPERM; CS_EREADONLY
 * @since 0.1
 */
CS_EXTERN(int) cs_receipt_set_template(cs_db *db, int64_t channel_id, const char *language,
                                       const char *template_text);

CS_END_DECL

#endif
