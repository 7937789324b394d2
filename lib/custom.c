/*
 * libcs - custom fields: the limits of the JSON object tickets and customers carry, and the
 * definitions that type its keys and say which ones customers may write.
 */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "perm.h"
#include "audit.h"
#include "custom.h"
#include "store/custom.h"

static const cs_name object_names[] = {
    {CS_CUSTOM_TICKET, "ticket"},
    {CS_CUSTOM_CUSTOMER, "customer"},
};
static const cs_name type_names[] = {
    {CS_CUSTOM_ANY, "any"},
    {CS_CUSTOM_TEXT, "text"},
    {CS_CUSTOM_NUMBER, "number"},
    {CS_CUSTOM_BOOLEAN, "boolean"},
};

const char *cs_custom_object_name(int object)
{
    return CS_NAME_OF(object_names, object);
}

int cs_custom_object_parse(const char *name)
{
    return CS_NAME_PARSE(object_names, name);
}

const char *cs_custom_type_name(int type)
{
    return CS_NAME_OF(type_names, type);
}

int cs_custom_type_parse(const char *name)
{
    return CS_NAME_PARSE(type_names, name);
}

/* Checking values ------------------------------------------------------------------ */

/* "custom.<key>", cut to what an error's field holds. */
static const char *key_field(char buf[CS_ERROR_FIELD_MAX], const char *field, const char *key)
{
    snprintf(buf, CS_ERROR_FIELD_MAX, "%s.%s", field, key);
    return buf;
}

/* Whether a real reads back as itself from the text every response carries it in: one
 * with more significant digits would change on its way out, and one at the edge of the
 * double range (1.7976931348623157e308) would print as text that overflows when read. */
static bool real_survives(double v)
{
    json_t *real = json_real(v), *back;
    char *text;
    bool same;

    if (!isfinite(v))
        return false;
    text = json_dumps(real, JSON_ENCODE_ANY | JSON_REAL_PRECISION(CS_JSON_REAL_DIGITS));
    json_decref(real);
    if (!text)
        return true; /* out of memory: the dump of the whole object reports it */
    back = json_loads(text, JSON_DECODE_ANY, NULL);
    same = back && json_is_real(back) && json_real_value(back) == v;
    json_decref(back);
    free(text);
    return same;
}

/* The nesting limit and readable numbers, for one value `depth` levels below the top. */
static int check_value(json_t *v, int depth, const char *field)
{
    const char *key;
    json_t *item;
    size_t i;
    int rc;

    if (depth > CS_CUSTOM_DEPTH_MAX)
        return cs_error__inval(field, "%s is nested deeper than %d levels", field,
                               CS_CUSTOM_DEPTH_MAX);
    switch (json_typeof(v)) {
    case JSON_REAL:
        if (!real_survives(json_real_value(v)))
            return cs_error__inval(field,
                                   "%s holds a number that does not read back as it "
                                   "was written",
                                   field);
        return CS_OK;
    case JSON_ARRAY:
        json_array_foreach(v, i, item) {
            if ((rc = check_value(item, depth + 1, field)) < 0)
                return rc;
        }
        return CS_OK;
    case JSON_OBJECT:
        json_object_foreach(v, key, item) {
            if ((rc = check_value(item, depth + 1, field)) < 0)
                return rc;
        }
        return CS_OK;
    default:
        return CS_OK;
    }
}

static int check_key(const char *key, const char *field)
{
    size_t len = strlen(key);

    if (!len || len > CS_CUSTOM_KEY_MAX)
        return cs_error__inval(field, "%s: keys are 1 to %d bytes long", field, CS_CUSTOM_KEY_MAX);
    for (const char *p = key; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return cs_error__inval(field, "%s: a key contains a control character", field);
    return CS_OK;
}

static bool type_matches(int type, json_t *v)
{
    switch (type) {
    case CS_CUSTOM_TEXT:
        return json_is_string(v) || json_is_null(v);
    case CS_CUSTOM_NUMBER:
        return json_is_number(v) || json_is_null(v);
    case CS_CUSTOM_BOOLEAN:
        return json_is_boolean(v) || json_is_null(v);
    default:
        return true;
    }
}

/* One key against the limits, its definition, and what customers may write. */
static int check_entry(cs_db *db, const cs_actor *by, int object, const char *key, json_t *v,
                       const char *field)
{
    int type = CS_CUSTOM_ANY, writable = 0, rc;
    bool defined;

    if ((rc = check_key(key, field)) < 0 || (rc = check_value(v, 2, field)) < 0 ||
        (rc = cs_store__custom_get(&defined, &type, &writable, db, object, key)) < 0)
        return rc;
    if (by->kind == CS_ACTOR_CUSTOMER && !(defined && writable))
        return cs_error__set(CS_EPERM, field, "customers may not set %s", field);
    if (!type_matches(type, v))
        return cs_error__inval(field, "%s must be %s", field,
                               type == CS_CUSTOM_TEXT     ? "a string"
                               : type == CS_CUSTOM_NUMBER ? "a number"
                                                          : "true or false");
    return CS_OK;
}

int cs_custom__check(char **out, cs_db *db, const cs_actor *by, int object, const char *field,
                     const char *json)
{
    char buf[CS_ERROR_FIELD_MAX], *dumped = NULL;
    json_error_t err;
    const char *key;
    json_t *obj, *v;
    int rc = CS_OK;

    *out = NULL;
    if (strlen(json) > CS_CUSTOM_MAX)
        return cs_error__inval(field, "%s is longer than %d bytes", field, CS_CUSTOM_MAX);
    if (!(obj = json_loads(json, JSON_REJECT_DUPLICATES, &err)))
        return json_error_code(&err) == json_error_out_of_memory
                   ? cs_error__nomem()
                   : cs_error__inval(field, "%s is not valid JSON: %s at line %d column %d", field,
                                     err.text, err.line, err.column);
    if (!json_is_object(obj))
        rc = cs_error__inval(field, "%s must be a JSON object", field);
    else if (json_object_size(obj) > CS_CUSTOM_KEYS_MAX)
        rc = cs_error__inval(field, "%s has more than %d keys", field, CS_CUSTOM_KEYS_MAX);
    json_object_foreach(obj, key, v) {
        if (rc < 0)
            break;
        rc = check_entry(db, by, object, key, v, key_field(buf, field, key));
    }
    if (rc == CS_OK && !(dumped = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS)))
        rc = cs_error__nomem();
    json_decref(obj);
    if (rc == CS_OK && strlen(dumped) > CS_CUSTOM_MAX)
        rc = cs_error__inval(field, "%s is longer than %d bytes", field, CS_CUSTOM_MAX);
    if (rc == CS_OK && !(*out = cs_mem__strdup(dumped)))
        rc = cs_error__nomem();
    free(dumped);
    return rc;
}

/* Definitions ----------------------------------------------------------------------- */

static int check_definition(const cs_custom_field *f)
{
    int rc;

    if (!f)
        return cs_error__inval("field", "field is NULL");
    if (f->version != CS_CUSTOM_FIELD_VERSION)
        return cs_error__inval("field", "field version %u is not %d", f->version,
                               CS_CUSTOM_FIELD_VERSION);
    if (!cs_custom_object_name(f->object))
        return cs_error__inval("object", "unknown custom-field object %d", f->object);
    if ((rc = cs_check__text("name", f->name, CS_CUSTOM_KEY_MAX, true)) < 0 ||
        (rc = check_key(f->name, "name")) < 0)
        return rc;
    if (f->type && !cs_custom_type_name(f->type))
        return cs_error__inval("type", "unknown custom-field type %d", f->type);
    if (f->customer_writable != 0 && f->customer_writable != 1)
        return cs_error__inval("customer_writable", "customer_writable must be 0 or 1");
    if (f->customer_writable && f->object == CS_CUSTOM_CUSTOMER)
        return cs_error__inval("customer_writable", "customers never write their own record");
    return CS_OK;
}

static int define(cs_db *db, const cs_actor *by, const cs_custom_field *f)
{
    cs_custom_field def = *f;
    char value[64];
    int rc;

    if (!def.type)
        def.type = CS_CUSTOM_ANY;
    if ((rc = cs_store__custom_define(db, &def, cs_db_now(db))) < 0)
        return rc;
    snprintf(value, sizeof(value), "%s%s", cs_custom_type_name(def.type),
             def.customer_writable ? ", customer-writable" : "");
    return cs_audit__record(db, by, "custom_field", def.object, 0, 0, "define", def.name, NULL,
                            value);
}

int cs_custom_field_define(cs_db *db, const cs_custom_field *field)
{
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if ((rc = check_definition(field)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CONFIG_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, define(db, &by, field));
}

static int remove_field(cs_db *db, const cs_actor *by, int object, const char *name)
{
    bool removed;
    int rc;

    if ((rc = cs_store__custom_remove(&removed, db, object, name)) < 0)
        return rc;
    if (!removed)
        return cs_error__set(CS_ENOTFOUND, "name", "no %s custom field is named \"%s\"",
                             cs_custom_object_name(object), name);
    return cs_audit__record(db, by, "custom_field", object, 0, 0, "remove", name, NULL, NULL);
}

int cs_custom_field_remove(cs_db *db, int object, const char *name)
{
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if (!cs_custom_object_name(object))
        return cs_error__inval("object", "unknown custom-field object %d", object);
    if ((rc = cs_check__text("name", name, CS_CUSTOM_KEY_MAX, true)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CONFIG_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, remove_field(db, &by, object, name));
}

/* Lists ---------------------------------------------------------------------------- */

struct cs_custom_field_list {
    cs_custom_field *v; /* the names in libcs memory */
    size_t n, cap;
};

/* Keep a copy of a definition the store lends. */
static int keep_definition(void *payload, const cs_custom_field *f)
{
    cs_custom_field_list *list = payload;
    char *name;

    if (list->n == list->cap) {
        size_t cap = list->cap ? 2 * list->cap : 8;
        cs_custom_field *v = cs_mem__realloc(list->v, cap * sizeof(*v));

        if (!v)
            return cs_error__nomem();
        list->v = v;
        list->cap = cap;
    }
    if (!(name = cs_mem__strdup(f->name)))
        return cs_error__nomem();
    list->v[list->n] = *f;
    list->v[list->n++].name = name;
    return CS_OK;
}

int cs_custom_field_list_get(cs_custom_field_list **out, cs_db *db, int object)
{
    cs_custom_field_list *list;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if (object && !cs_custom_object_name(object))
        return cs_error__inval("object", "unknown custom-field object %d", object);
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_READ)) < 0)
        return rc;
    if (!(list = cs_mem__calloc(1, sizeof(*list))))
        return cs_error__nomem();
    if ((rc = cs_store__custom_list(db, object, keep_definition, list)) < 0) {
        cs_custom_field_list_free(list);
        return rc;
    }
    *out = list;
    return CS_OK;
}

size_t cs_custom_field_list_count(const cs_custom_field_list *list)
{
    return list ? list->n : 0;
}

const cs_custom_field *cs_custom_field_list_item(const cs_custom_field_list *list, size_t i)
{
    return list && i < list->n ? &list->v[i] : NULL;
}

void cs_custom_field_list_free(cs_custom_field_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->n; i++)
        cs_mem__free((char *)list->v[i].name);
    cs_mem__free(list->v);
    cs_mem__free(list);
}
