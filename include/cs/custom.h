/**
 * @file
 * Custom fields: the JSON object tickets and customers carry, its limits, and the
 * definitions an admin gives its keys (a type, and whether customers may write them).
 */
#ifndef CS_CUSTOM_H
#define CS_CUSTOM_H

#include "common.h"
#include "customer.h"

CS_BEGIN_DECL

/**
 * Limits every custom-field object keeps, whoever writes it: at most CS_CUSTOM_MAX bytes
 * (cs/customer.h) as given and as compact JSON, CS_CUSTOM_KEYS_MAX keys of at most
 * CS_CUSTOM_KEY_MAX bytes (not empty, no control characters), values nested at most
 * CS_CUSTOM_DEPTH_MAX levels deep counting the object itself, and numbers that read back as they
 * were written: integers within 64 bits, reals with at most 10 significant digits (as every
 * response writes them) and within the range of a double. A value outside them is CS_EINVAL naming
 * "custom.<key>".
 */
#define CS_CUSTOM_KEYS_MAX 256
#define CS_CUSTOM_KEY_MAX 64
#define CS_CUSTOM_DEPTH_MAX 8

/** What a custom field belongs to. Append-only. */
enum cs_custom_object {
    CS_CUSTOM_TICKET = 1,  /**< cs_ticket_fields.custom_json */
    CS_CUSTOM_CUSTOMER = 2 /**< cs_customer_fields.custom_json */
};

/** The values a defined custom field takes (null is always allowed). Append-only. */
enum cs_custom_type {
    CS_CUSTOM_ANY = 1,    /**< any JSON value within the limits */
    CS_CUSTOM_TEXT = 2,   /**< a string */
    CS_CUSTOM_NUMBER = 3, /**< an integer or a real */
    CS_CUSTOM_BOOLEAN = 4 /**< true or false */
};

/** The name of an object ("ticket", "customer"), or NULL. @since 0.2 */
CS_EXTERN(const char *) cs_custom_object_name(int object);
/** The object with this name, or 0. @since 0.2 */
CS_EXTERN(int) cs_custom_object_parse(const char *name);
/** The name of a type ("any", "text", "number", "boolean"), or NULL. @since 0.2 */
CS_EXTERN(const char *) cs_custom_type_name(int type);
/** The type with this name, or 0. @since 0.2 */
CS_EXTERN(int) cs_custom_type_parse(const char *name);

#define CS_CUSTOM_FIELD_VERSION 1

/**
 * A custom field's definition. Keys without one may be set by agents (within the limits
 * above) but never by customers.
 */
typedef struct cs_custom_field {
    unsigned int version; /**< CS_CUSTOM_FIELD_VERSION */
    int object;           /**< a cs_custom_object; required */
    const char *name;     /**< the key; required, as the limits above say */
    int type;             /**< a cs_custom_type; default CS_CUSTOM_ANY */
    /** 1: customers may set it when they open a ticket (ticket fields only); default 0 */
    int customer_writable;
} cs_custom_field;

/* clang-format off */
#define CS_CUSTOM_FIELD_INIT {CS_CUSTOM_FIELD_VERSION, 0, NULL, 0, 0}
/* clang-format on */

/**
 * Fill *out with the defaults of version `version` of its struct (CS_CUSTOM_FIELD_INIT gives those
 * of the current one): for bindings that cannot read macros, and for callers built against an
 * older version.
 *
 * @return CS_OK; CS_EINVAL for NULL or a version this library does not know
 * @since 0.2
 */
CS_EXTERN(int) cs_custom_field_init(cs_custom_field *out, unsigned int version);

/**
 * Define a custom field, or replace its definition. Admins and system only; audited.
 * Values already stored are not checked again: the definition applies to later writes.
 *
 * @return CS_OK; CS_EINVAL naming the field ("customer_writable" for a customer field:
 *         customers never write their own record); CS_EPERM; CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.2
 */
CS_EXTERN(int) cs_custom_field_define(cs_db *db, const cs_custom_field *field);

/**
 * Remove a custom field's definition (the stored values stay). Admins and system only.
 *
 * @return CS_OK; CS_ENOTFOUND (field "name"); CS_EINVAL; CS_EPERM; CS_EREADONLY; CS_EBUSY;
 *         CS_EDB
 * @since 0.2
 */
CS_EXTERN(int) cs_custom_field_remove(cs_db *db, int object, const char *name);

/** A list of custom-field definitions, read at once. Opaque. */
typedef struct cs_custom_field_list cs_custom_field_list;

/**
 * Read the definitions, ordered by object and name. Anyone but customers.
 *
 * @param[out] out the list (possibly empty), owned by the caller; release with
 *             cs_custom_field_list_free(). NULL on error.
 * @param object a cs_custom_object, or 0 for all
 * @return CS_OK; CS_EINVAL for a NULL argument or naming "object" for an unknown object;
 *         CS_EPERM (customers); CS_ENOMEM; CS_EDB
 * @since 0.2
 */
CS_EXTERN(int) cs_custom_field_list_get(cs_custom_field_list **out, cs_db *db, int object);

/** The number of definitions in the list; 0 for NULL. @since 0.2 */
CS_EXTERN(size_t) cs_custom_field_list_count(const cs_custom_field_list *list);

/**
 * Definition i of the list: version CS_CUSTOM_FIELD_VERSION, every field set (the type is
 * never 0). Borrowed, with its name, until cs_custom_field_list_free(); NULL when i is out
 * of range.
 * @since 0.2
 */
CS_EXTERN(const cs_custom_field *) cs_custom_field_list_item(const cs_custom_field_list *list,
                                                             size_t i);

/** Release a list. NULL is a no-op. @since 0.2 */
CS_EXTERN(void) cs_custom_field_list_free(cs_custom_field_list *list);

CS_END_DECL

#endif
