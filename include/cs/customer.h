/**
 * @file
 * Customers, their identities and organisations (P2: one customer, one timeline).
 */
#ifndef CS_CUSTOMER_H
#define CS_CUSTOMER_H

#include "common.h"

CS_BEGIN_DECL

/** How a customer is reached on a channel. Append-only. */
typedef enum cs_identity_kind {
    CS_IDENTITY_EMAIL = 1,    /**< mail address, case-folded */
    CS_IDENTITY_PHONE = 2,    /**< phone number, E.164 digits with a leading '+' */
    CS_IDENTITY_TWITTER = 3,  /**< handle without '@', case-folded */
    CS_IDENTITY_FACEBOOK = 4, /**< page-scoped user id or handle, case-folded */
    CS_IDENTITY_WHATSAPP = 5, /**< phone number as for CS_IDENTITY_PHONE */
    CS_IDENTITY_CHAT = 6,     /**< chat visitor id, kept as given */
    CS_IDENTITY_EXTERNAL = 7  /**< the host's own customer key, kept as given */
} cs_identity_kind;

/** Limits on customer fields, in bytes of UTF-8. */
#define CS_NAME_MAX 255
#define CS_IDENTITY_MAX 320
#define CS_TAG_MAX 64
#define CS_TAGS_MAX 64 /**< tags on one object */
#define CS_CUSTOM_MAX 65536

/**
 * The name of an identity kind ("email", "phone", "twitter", "facebook", "whatsapp", "chat",
 * "external"), or NULL for an unknown kind.
 * @since 0.1
 */
CS_EXTERN(const char *) cs_identity_kind_name(int kind);

/**
 * The identity kind with this name, or 0 if there is none.
 * @since 0.1
 */
CS_EXTERN(int) cs_identity_kind_parse(const char *name);

/**
 * Normalise an identity value the way libcs stores and matches it: emails trimmed and
 * case-folded; phone numbers to '+' and digits ("+49 (30) 1234-5" -> "+493012345", a
 * leading "00" becomes "+"); social handles without a leading '@', case-folded; chat and
 * external ids trimmed.
 *
 * @param[out] out the normalised value; release with cs_str_free()
 * @return CS_OK; CS_EINVAL (field "value") for an empty or malformed value (an email
 *         without exactly one '@', a phone number with fewer than 5 or more than 15
 *         digits or without a country code), invalid UTF-8 or more than CS_IDENTITY_MAX
 *         bytes; CS_EINVAL (field "kind") for an unknown kind
 * @since 0.1
 */
CS_EXTERN(int) cs_identity_normalize(char **out, int kind, const char *value);

/** One identity when creating a customer. */
typedef struct cs_identity_spec {
    int kind;          /**< a cs_identity_kind */
    const char *value; /**< normalised by libcs */
} cs_identity_spec;

#define CS_CUSTOMER_FIELDS_VERSION 1

/**
 * Customer fields for create and update. Strings are copied. On update, NULL (or 0, or
 * CS_UNSET) leaves a field alone, "" clears an optional string, CS_ID_CLEAR clears the
 * organisation, and a non-NULL `tags` replaces all tags (ntags may be 0).
 */
typedef struct cs_customer_fields {
    unsigned int version;    /**< CS_CUSTOMER_FIELDS_VERSION */
    const char *name;        /**< display name; required on create */
    int64_t organization_id; /**< 0: none / unchanged */
    const char *locale;      /**< BCP 47 tag such as "de" or "de-AT" (2-3 letters, then
                                  subtags of 1-8 letters or digits, at most 35 bytes);
                                  default "en" */
    const char *timezone;    /**< IANA zone name such as "Europe/Berlin" that the
                                  system's tz database knows, as for calendars
                                  ([A-Za-z0-9_+/-], no "..", at most 64 bytes) */
    const char *custom_json; /**< a JSON object; stored with sorted keys */
    const char *const *tags; /**< array of ntags tags */
    size_t ntags;
    const cs_identity_spec *identities; /**< create only: identities to add */
    size_t nidentities;
} cs_customer_fields;

/* clang-format off */
#define CS_CUSTOMER_FIELDS_INIT {CS_CUSTOMER_FIELDS_VERSION, NULL, 0, NULL, NULL, NULL, NULL, 0, NULL, 0}
/* clang-format on */

/**
 * Fill *out with the defaults of version `version` of its struct (CS_CUSTOMER_FIELDS_INIT gives
 * those of the current one): for bindings that cannot read macros, and for callers built against
 * an older version.
 *
 * @return CS_OK; CS_EINVAL for NULL or a version this library does not know
 * @since 0.2
 */
CS_EXTERN(int) cs_customer_fields_init(cs_customer_fields *out, unsigned int version);

/** A customer as read from the database: a snapshot, owned by the caller. */
typedef struct cs_customer cs_customer;

/**
 * Create a customer with its identities in one transaction.
 *
 * @param[out] id the new customer's id
 * @return CS_OK; CS_EINVAL naming the field (name, locale, timezone, custom, tags[i],
 *         identities[i].kind, identities[i].value, organization_id); CS_EEXISTS if an
 *         identity belongs to another customer; CS_EPERM for a customer actor or light
 *         agent; CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_customer_create(int64_t *id, cs_db *db, const cs_customer_fields *fields);

/**
 * Change a customer's fields. Every changed field is recorded in the audit trail.
 *
 * @return CS_OK; CS_ENOTFOUND; CS_EINVAL naming the field; CS_ECONFLICT for an erased
 *         customer; CS_EPERM; CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_customer_update(cs_db *db, int64_t id, const cs_customer_fields *fields);

/**
 * Read a customer, with its tags and identities.
 *
 * @param[out] out the customer, owned by the caller; release with cs_customer_free()
 * @return CS_OK; CS_ENOTFOUND, also when a customer actor asks for another customer (as
 *         if it did not exist); CS_EPERM
 * @since 0.1
 */
CS_EXTERN(int) cs_customer_lookup(cs_customer **out, cs_db *db, int64_t id);

/**
 * Find the customer who owns an identity (the value is normalised first). A merged
 * customer's identities belong to the survivor, so the result is always a live customer.
 *
 * @param[out] out the customer, owned by the caller; release with cs_customer_free()
 * @return CS_OK; CS_ENOTFOUND, also when a customer actor asks for another customer's
 *         identity; CS_EINVAL for a bad kind or value; CS_EPERM
 * @since 0.1
 */
CS_EXTERN(int) cs_customer_find(cs_customer **out, cs_db *db, int kind, const char *value);

/**
 * Give a customer another identity.
 *
 * @return CS_OK; CS_EEXISTS if another customer has it (adding one the customer already
 *         has is CS_OK); CS_EINVAL; CS_ENOTFOUND; CS_ECONFLICT for a merged or erased
 *         customer; CS_EPERM; CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_customer_add_identity(cs_db *db, int64_t id, int kind, const char *value);

/**
 * Take an identity away from a customer.
 *
 * @return CS_OK; CS_ENOTFOUND if the customer does not have it; CS_EINVAL; CS_EPERM;
 *         CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_customer_remove_identity(cs_db *db, int64_t id, int kind, const char *value);

/** Release a customer. NULL is a no-op. @since 0.1 */
CS_EXTERN(void) cs_customer_free(cs_customer *customer);

/**
 * @name Getters
 * Strings are borrowed and live until cs_customer_free(). @since 0.1
 */
/** @{ */
CS_EXTERN(int64_t) cs_customer_id(const cs_customer *c);
CS_EXTERN(const char *) cs_customer_name(const cs_customer *c);
/** 0 when the customer belongs to no organisation. */
CS_EXTERN(int64_t) cs_customer_organization_id(const cs_customer *c);
CS_EXTERN(const char *) cs_customer_locale(const cs_customer *c);
/** NULL when not set. */
CS_EXTERN(const char *) cs_customer_timezone(const cs_customer *c);
/** The custom fields as a JSON object with sorted keys. */
CS_EXTERN(const char *) cs_customer_custom_json(const cs_customer *c);
CS_EXTERN(size_t) cs_customer_tag_count(const cs_customer *c);
/** NULL when i is out of range. */
CS_EXTERN(const char *) cs_customer_tag(const cs_customer *c, size_t i);
CS_EXTERN(size_t) cs_customer_identity_count(const cs_customer *c);
/** The kind and normalised value of identity i; CS_EINVAL when i is out of range. */
CS_EXTERN(int) cs_customer_identity(const cs_customer *c, size_t i, int *kind, const char **value);
/** The survivor's id when this customer was merged into another, else 0. */
CS_EXTERN(int64_t) cs_customer_merged_into(const cs_customer *c);
/** When the customer's personal data was erased, or 0. */
CS_EXTERN(cs_time) cs_customer_erased_at(const cs_customer *c);
CS_EXTERN(cs_time) cs_customer_created_at(const cs_customer *c);
CS_EXTERN(cs_time) cs_customer_updated_at(const cs_customer *c);
/** @} */

/**
 * The customer as a JSON object (fields documented in docs/json.md).
 *
 * @param[out] out UTF-8 JSON text; release with cs_str_free()
 * @return CS_OK; CS_ENOMEM
 * @since 0.1
 */
CS_EXTERN(int) cs_customer_to_json(char **out, const cs_customer *c);

/** A page of customers, in id order. */
typedef struct cs_customer_iter cs_customer_iter;

/**
 * Iterate over customers (not merged ones), optionally of one organisation, with ids
 * greater than `after` (keyset paging: pass the last id of the previous page).
 *
 * Customers are read a page at a time, and between calls the iterator holds no read open:
 * the caller may write through this handle or any other while it iterates. Each page sees
 * the database as it is then; no customer comes twice.
 *
 * @param[out] out the iterator; release with cs_customer_iter_free()
 * @param organization_id 0 for all
 * @param after 0 to start at the beginning
 * @param limit at most this many; 0 for no limit
 * @return CS_OK; CS_EINVAL; CS_EPERM for a customer actor
 * @since 0.1
 */
CS_EXTERN(int) cs_customer_iter_new(cs_customer_iter **out, cs_db *db, int64_t organization_id,
                                    int64_t after, size_t limit);

/**
 * The next customer.
 *
 * @param[out] out borrowed; valid until the next call or cs_customer_iter_free()
 * @return CS_OK; CS_ITEROVER at the end; CS_EDB; CS_ENOMEM
 * @since 0.1
 */
CS_EXTERN(int) cs_customer_next(const cs_customer **out, cs_customer_iter *it);

/** Release an iterator. NULL is a no-op. @since 0.1 */
CS_EXTERN(void) cs_customer_iter_free(cs_customer_iter *it);

/**
 * Merge a duplicate customer into a survivor: identities, tickets, tags and the merged
 * customer's history move to the survivor; the merged customer stays as a record pointing
 * at the survivor. The move is kept so cs_customer_unmerge() can undo it.
 *
 * @param[out] merge_id the merge record's id; may be NULL
 * @return CS_OK; CS_EINVAL if both are the same; CS_ENOTFOUND; CS_ECONFLICT if either is
 *         already merged or erased; CS_EPERM; CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_customer_merge(int64_t *merge_id, cs_db *db, int64_t survivor_id,
                                 int64_t merged_id);

/**
 * Undo a merge: the identities and tickets that moved go back to the merged customer, and
 * the tags it brought leave the survivor; what was removed since stays removed, and what
 * the survivor got since stays with it.
 *
 * Guarantee: an undo never leaves one customer's identities or tickets with another. Merges
 * form chains (A into B, then B into C: A's data is with C), so a merge is undone only while
 * its survivor still holds what moved, that is while the survivor was not merged into
 * another customer since. Otherwise the undo is refused with CS_ECONFLICT naming the later
 * merge ("... merge 7: undo merge 7 first") and changes nothing; undoing the later merges
 * first (B from C, then A from B) works in any chain. After each successful undo every
 * customer's data is with the customer it is merged into, or with itself.
 *
 * @return CS_OK; CS_ENOTFOUND (merge_id) for an unknown merge; CS_ECONFLICT if it was
 *         already undone (merge_id), either customer was erased since (survivor_id,
 *         merged_id), or the survivor was merged into another customer since (merge_id,
 *         the message names that merge); CS_EPERM; CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1; chained merges are refused @since 0.2
 */
CS_EXTERN(int) cs_customer_unmerge(cs_db *db, int64_t merge_id);

/**
 * Everything libcs holds about a customer as one JSON document: the customer, its
 * identities, its tickets with their messages (public and internal), and the audit trail.
 *
 * @param[out] out UTF-8 JSON text; release with cs_str_free()
 * @return CS_OK; CS_ENOTFOUND; CS_EPERM (agents and system only); CS_ENOMEM; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_customer_export(char **out, cs_db *db, int64_t id);

/**
 * Erase a customer's personal data, and that of every customer merged into it (their data
 * lives with it), in one transaction. Every copy is removed or anonymised:
 * - the customer: name "erased", locale "en", time zone and custom fields cleared; its
 *   identities and tags are deleted;
 * - its tickets: subject "erased", custom fields cleared;
 * - every message on its tickets (its own, agents' replies and internal notes, receipts)
 *   and its messages elsewhere: subject and body blanked, Message-IDs and other external
 *   ids and conversation keys cleared; their attachments' names, hashes, data and storage
 *   references cleared;
 * - the outbox: every item addressed to it is anonymised (recipient "erased"; subject,
 *   body, mail headers, errors and external ids cleared), and every item not yet sent
 *   (queued, leased or dead) is cancelled with the reason "the customer was erased", so
 *   nothing is ever sent to the erased address (a lease held on one is void);
 * - the ingest log's rows for its messages, and the message ids its mail named that libcs
 *   had not seen (kept for threading), are deleted: a retried or late mail is new mail;
 * - the audit trail keeps its rows (who did what, when) with the old and new values
 *   cleared, for the customer's and its tickets' entries; merge records keep the ids of
 *   what moved but drop the tags.
 * Tickets keep their status, priority, channel, times, tags and SLA records, so statistics
 * stay right. Organisations, agents and channels are not the customer's data. A test
 * classifies every text column of the schema, so a new one cannot be forgotten. Cannot be
 * undone.
 *
 * @return CS_OK; CS_ENOTFOUND; CS_ECONFLICT (id) if already erased, or merged into another
 *         customer (erase that one, or undo the merge first); CS_EPERM (admin or system);
 *         CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1; complete as described @since 0.2
 */
CS_EXTERN(int) cs_customer_erase(cs_db *db, int64_t id);

/**
 * Create an organisation.
 *
 * @param[out] id the new organisation's id
 * @param name unique, at most CS_NAME_MAX bytes
 * @param shared_tickets non-zero: every member may read the organisation's tickets
 * @return CS_OK; CS_EINVAL; CS_EEXISTS; CS_EPERM; CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_organization_create(int64_t *id, cs_db *db, const char *name, int shared_tickets);

CS_END_DECL

#endif
