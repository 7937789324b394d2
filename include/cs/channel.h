/**
 * @file
 * Channels: the media customers write in (P1, P9).
 */
#ifndef CS_CHANNEL_H
#define CS_CHANNEL_H

#include "common.h"

CS_BEGIN_DECL

/** What kind of medium a channel is. Append-only. */
enum cs_channel_kind {
    CS_CHANNEL_EMAIL = 1,
    CS_CHANNEL_PHONE = 2,
    CS_CHANNEL_CHAT = 3,
    CS_CHANNEL_WEBFORM = 4,
    CS_CHANNEL_TWITTER = 5,
    CS_CHANNEL_FACEBOOK = 6,
    CS_CHANNEL_WHATSAPP = 7,
    CS_CHANNEL_SMS = 8,
    CS_CHANNEL_API = 9
};

/**
 * The name of a channel kind ("email", "phone", "chat", "webform", "twitter", "facebook",
 * "whatsapp", "sms", "api"), or NULL for an unknown kind.
 * @since 0.1
 */
CS_EXTERN(const char *) cs_channel_kind_name(int kind);

/** The channel kind with this name, or 0. @since 0.1 */
CS_EXTERN(int) cs_channel_kind_parse(const char *name);

/**
 * The identity kind that reaches a customer on a channel of this kind: email for email
 * and webform, phone for phone and sms, chat, twitter, facebook and whatsapp for their
 * own, external (the host's key) for api; 0 for an unknown kind.
 * @since 0.1
 */
CS_EXTERN(int) cs_channel_kind_identity(int kind);

/** Version 2 added locale and timezone; version 1 structs are still accepted. */
#define CS_CHANNEL_FIELDS_VERSION 2

/**
 * Channel fields for create and update; see cs_customer_fields for the conventions
 * (NULL / 0 / CS_UNSET: not given; "": clear; CS_ID_CLEAR: clear a reference).
 * Text is UTF-8; the name is at most CS_NAME_MAX bytes, the address CS_IDENTITY_MAX.
 * Booleans are 0, 1 or CS_UNSET.
 */
typedef struct cs_channel_fields {
    unsigned int version;     /**< CS_CHANNEL_FIELDS_VERSION */
    int kind;                 /**< a cs_channel_kind; required on create, fixed after */
    const char *name;         /**< unique; required on create */
    const char *address;      /**< the address customers write to ("support@shop.example",
                                   "@shop"); on an email channel one '@' with text on both
                                   sides and no white space */
    int is_public;            /**< messages are seen by others (social media); default 0 */
    int signature;            /**< outbound messages carry the agent's signature; default 0 */
    int64_t default_group_id; /**< where new tickets from this channel go; must exist */
    int enabled;              /**< default 1 */
    /** The language of customers who write here while theirs is not known: a BCP 47 tag
     * as for customers ("de", "de-AT"). A new customer without a locale of their own gets
     * it, and receipts speak it. "": none (then "en"). @since 0.2 (fields version 2) */
    const char *locale;
    /** The time zone of customers who write here while theirs is not known: an IANA zone
     * as for customers ("Europe/Berlin"); receipts promise in it. "": none (then UTC).
     * @since 0.2 (fields version 2) */
    const char *timezone;
} cs_channel_fields;

/* clang-format off */
#define CS_CHANNEL_FIELDS_INIT {CS_CHANNEL_FIELDS_VERSION, 0, NULL, NULL, CS_UNSET, CS_UNSET, 0, CS_UNSET, NULL, NULL}
/* clang-format on */

/**
 * Fill *out with the defaults of version `version` of its struct (CS_CHANNEL_FIELDS_INIT gives
 * those of the current one): for bindings that cannot read macros, and for callers built against
 * an older version.
 *
 * @return CS_OK; CS_EINVAL for NULL or a version this library does not know
 * @since 0.2
 */
CS_EXTERN(int) cs_channel_fields_init(cs_channel_fields *out, unsigned int version);

typedef struct cs_channel cs_channel;

/**
 * Create a channel. Admins and system only.
 *
 * @param[out] id the new channel's id
 * @return CS_OK; CS_EINVAL naming the field; CS_EEXISTS for a taken name; CS_ENOTFOUND
 *         (field "default_group_id") for a group that does not exist; CS_EPERM;
 *         CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_channel_create(int64_t *id, cs_db *db, const cs_channel_fields *fields);

/**
 * Change a channel. Admins and system only. The kind cannot change (giving the same kind
 * is allowed). Every changed field is recorded in the audit trail; an update that changes
 * nothing records nothing and keeps the update time.
 *
 * @return CS_OK; CS_ENOTFOUND (field "id", or "default_group_id"); CS_EINVAL naming the
 *         field; CS_EEXISTS; CS_EPERM; CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_channel_update(cs_db *db, int64_t id, const cs_channel_fields *fields);

/**
 * Read a channel by id.
 *
 * @param[out] out owned by the caller; release with cs_channel_free()
 * @return CS_OK; CS_ENOTFOUND
 * @since 0.1
 */
CS_EXTERN(int) cs_channel_lookup(cs_channel **out, cs_db *db, int64_t id);

/**
 * Read a channel by its unique name.
 * @return as cs_channel_lookup(), and CS_EINVAL (field "name") for a NULL, empty or
 *         invalid name
 * @since 0.1
 */
CS_EXTERN(int) cs_channel_lookup_name(cs_channel **out, cs_db *db, const char *name);

/** Release a channel. NULL is a no-op. @since 0.1 */
CS_EXTERN(void) cs_channel_free(cs_channel *channel);

/**
 * @name Getters
 * Strings are borrowed until cs_channel_free(). @since 0.1
 */
/** @{ */
CS_EXTERN(int64_t) cs_channel_id(const cs_channel *ch);
CS_EXTERN(int) cs_channel_kind(const cs_channel *ch);
CS_EXTERN(const char *) cs_channel_name(const cs_channel *ch);
/** NULL when not set. */
CS_EXTERN(const char *) cs_channel_address(const cs_channel *ch);
CS_EXTERN(int) cs_channel_is_public(const cs_channel *ch);
CS_EXTERN(int) cs_channel_signature(const cs_channel *ch);
/** 0 when not set. */
CS_EXTERN(int64_t) cs_channel_default_group_id(const cs_channel *ch);
CS_EXTERN(int) cs_channel_enabled(const cs_channel *ch);
/** The locale for customers whose own is not known; NULL when not set. @since 0.2 */
CS_EXTERN(const char *) cs_channel_locale(const cs_channel *ch);
/** The time zone for customers whose own is not known; NULL when not set. @since 0.2 */
CS_EXTERN(const char *) cs_channel_timezone(const cs_channel *ch);
/** When the channel was created. @since 0.2 */
CS_EXTERN(cs_time) cs_channel_created_at(const cs_channel *ch);
/** When the channel was last changed. @since 0.2 */
CS_EXTERN(cs_time) cs_channel_updated_at(const cs_channel *ch);
/** @} */

/**
 * The channel as a JSON object (the shape of docs/json.md, as `channel.get` answers).
 * @param[out] out release with cs_str_free()
 * @return CS_OK; CS_EINVAL for a NULL argument; CS_ENOMEM
 * @since 0.1
 */
CS_EXTERN(int) cs_channel_to_json(char **out, const cs_channel *ch);

/** A list of channels, read at once. Opaque. */
typedef struct cs_channel_list cs_channel_list;

/**
 * Read every channel, in id order. Anyone but customers.
 *
 * @param[out] out the list (possibly empty), owned by the caller; release with
 *             cs_channel_list_free(). NULL on error.
 * @return CS_OK; CS_EINVAL for a NULL argument; CS_EPERM (customers); CS_ENOMEM; CS_EDB
 * @since 0.2
 */
CS_EXTERN(int) cs_channel_list_get(cs_channel_list **out, cs_db *db);

/** The number of channels in the list; 0 for NULL. @since 0.2 */
CS_EXTERN(size_t) cs_channel_list_count(const cs_channel_list *list);

/**
 * Channel i of the list, in id order: borrowed, and read with the cs_channel getters until
 * cs_channel_list_free() (never cs_channel_free() it). NULL when i is out of range.
 * @since 0.2
 */
CS_EXTERN(const cs_channel *) cs_channel_list_item(const cs_channel_list *list, size_t i);

/** Release a list and its channels. NULL is a no-op. @since 0.2 */
CS_EXTERN(void) cs_channel_list_free(cs_channel_list *list);

/**
 * All channels as a JSON array of cs_channel_to_json() objects, in id order: the JSON of
 * cs_channel_list_get().
 * @param[out] out release with cs_str_free()
 * @return as cs_channel_list_get()
 * @since 0.1
 */
CS_EXTERN(int) cs_channel_list_json(char **out, cs_db *db);

CS_END_DECL

#endif
