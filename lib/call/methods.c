/*
 * libcs - the catalogue: the `methods` method, which describes every method (its request
 * and answer as JSON Schema, the capability it needs and how far that reaches per role)
 * from the same rows the dispatcher runs, and the check that an answer has its shape.
 */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cs-internal.h"
#include "call/call.h"

const cs_call__field cs_call__no_fields[] = {CS_CALL__END};
const cs_call__field cs_call__id_fields[] = {CS_CALL__F("id", CS_CALL__ID, 0), CS_CALL__END};
const cs_call__field cs_call__id_request[] = {CS_CALL__F("id", CS_CALL__ID, CS_CALL__REQ),
                                              CS_CALL__END};

/* JSON Schema ------------------------------------------------------------------------- */

static json_t *object_schema(const cs_call__field *fields, bool request);

static json_t *enum_values(const char *values)
{
    json_t *a = json_array();
    const char *p = values;

    while (a && p && *p) {
        size_t n = strcspn(p, " ");
        if (json_array_append_new(a, json_stringn(p, n)) < 0) {
            json_decref(a);
            return NULL;
        }
        p += n;
        p += strspn(p, " ");
    }
    return a;
}

static const char *schema_type(unsigned type)
{
    switch (type) {
    case CS_CALL__STRING:
    case CS_CALL__TIME:
    case CS_CALL__ENUM:
        return "string";
    case CS_CALL__INTEGER:
    case CS_CALL__ID:
        return "integer";
    case CS_CALL__BOOLEAN:
        return "boolean";
    case CS_CALL__NUMBER:
        return "number";
    case CS_CALL__STRINGS:
    case CS_CALL__IDS:
    case CS_CALL__ARRAY:
        return "array";
    case CS_CALL__OBJECT:
        return "object";
    default:
        return NULL;
    }
}

static json_t *field_schema(const cs_call__field *f, bool request)
{
    const char *type = schema_type(f->type);
    json_t *s = json_object();

    if (!s)
        return NULL;
    if (type && json_object_set_new(s, "type",
                                    f->flags & CS_CALL__NULL ? json_pack("[s, s]", type, "null")
                                                             : json_string(type)) < 0)
        goto fail;
    switch (f->type) {
    case CS_CALL__ID:
        if (json_object_set_new(s, "minimum", json_integer(0)) < 0)
            goto fail;
        break;
    case CS_CALL__TIME:
        if (json_object_set_new(s, "format", json_string("date-time")) < 0)
            goto fail;
        break;
    case CS_CALL__ENUM:
        if (f->values && json_object_set_new(s, "enum", enum_values(f->values)) < 0)
            goto fail;
        break;
    case CS_CALL__STRINGS:
    case CS_CALL__IDS:
        if (json_object_set_new(
                s, "items",
                json_pack("{s:s}", "type", f->type == CS_CALL__IDS ? "integer" : "string")) < 0)
            goto fail;
        break;
    case CS_CALL__ARRAY:
        if (json_object_set_new(s, "items",
                                f->shape ? object_schema(f->shape, request)
                                         : json_pack("{s:s}", "type", "object")) < 0)
            goto fail;
        break;
    case CS_CALL__OBJECT:
        if (f->shape) {
            json_t *o = object_schema(f->shape, request);
            if (!o || json_object_update(s, o) < 0) {
                json_decref(o);
                goto fail;
            }
            json_decref(o);
        }
        break;
    default:
        break;
    }
    return s;
fail:
    json_decref(s);
    return NULL;
}

/* An object of `fields`: in a request the required ones are those marked so, in an answer
 * every one not marked optional. */
static json_t *object_schema(const cs_call__field *fields, bool request)
{
    json_t *s = json_pack("{s:s, s:{}, s:[], s:b}", "type", "object", "properties", "required",
                          "additionalProperties", 0);
    json_t *props = json_object_get(s, "properties"), *req = json_object_get(s, "required");

    for (const cs_call__field *f = fields; s && f->name; f++) {
        bool required = request ? f->flags & CS_CALL__REQ : !(f->flags & CS_CALL__OPT);
        if (json_object_set_new(props, f->name, field_schema(f, request)) < 0 ||
            (required && json_array_append_new(req, json_string(f->name)) < 0)) {
            json_decref(s);
            return NULL;
        }
    }
    return s;
}

static json_t *roles(cs_cap cap)
{
    static const char *const names[] = {"system", "admin", "agent", "light", "customer"};
    json_t *o = json_object();

    for (int col = 0; o && col < (int)CS_ARRAY_SIZE(names); col++)
        if (json_object_set_new(o, names[col],
                                json_string(cs_perm__reach_name(cs_perm__table(cap, col)))) < 0) {
            json_decref(o);
            return NULL;
        }
    return o;
}

static json_t *describe(const cs_call__method *m)
{
    return json_pack("{s:s, s:s, s:s, s:o*, s:o*, s:o*}", "name", m->name, "summary",
                     m->summary ? m->summary : "", "capability", cs_perm__cap_name(m->cap), "roles",
                     roles(m->cap), "request", object_schema(m->request, true), "response",
                     object_schema(m->response, false));
}

/* `methods`: every method, or the one named. */
static int m_methods(cs_db *db, cs_call__req *r, json_t **out)
{
    const char *name = NULL;
    const cs_call__method *m;
    json_t *list;
    int rc;

    (void)db;
    if ((rc = cs_call__str(r, "name", &name, false)) < 0 || (rc = cs_call__done(r)) < 0)
        return rc;
    if (name && !cs_call__method_named(name))
        return cs_error__set(CS_ENOTFOUND, "name", "there is no method \"%s\"", name);
    if (!(list = json_array()))
        return cs_error__nomem();
    for (size_t i = 0; cs_call_method(i); i++) {
        m = cs_call__method_named(cs_call_method(i));
        if ((!name || !strcmp(name, m->name)) && json_array_append_new(list, describe(m)) < 0) {
            json_decref(list);
            return cs_error__nomem();
        }
    }
    return (*out = json_pack("{s:o}", "methods", list)) ? CS_OK : cs_error__nomem();
}

/* Checking an answer ------------------------------------------------------------------ */

/* A path into the answer ("tickets[2].messages"), cut where it would not fit. */
static void path_join(char *at, size_t size, const char *path, const char *key, long index)
{
    int n = index >= 0 ? snprintf(at, size, "%s[%ld]", path, index)
                       : snprintf(at, size, "%s%s%s", path, *path ? "." : "", key ? key : "");
    if (n < 0 || (size_t)n >= size)
        at[size - 1] = '\0';
}

static int misfit(const char *path, const char *why)
{
    return cs_error__set(CS_ERROR, NULL, "%s: %s", *path ? path : "the answer", why);
}

static int conforms_object(const cs_call__field *fields, json_t *v, const char *path);

static int conforms_field(const cs_call__field *f, json_t *v, const char *path)
{
    json_t *item;
    size_t i;
    char at[256];
    int rc = CS_OK;

    if (json_is_null(v))
        return f->flags & CS_CALL__NULL ? CS_OK : misfit(path, "is null");
    switch (f->type) {
    case CS_CALL__STRING:
    case CS_CALL__TIME:
    case CS_CALL__ENUM:
        return json_is_string(v) ? CS_OK : misfit(path, "is not a string");
    case CS_CALL__INTEGER:
    case CS_CALL__ID:
        return json_is_integer(v) ? CS_OK : misfit(path, "is not an integer");
    case CS_CALL__BOOLEAN:
        return json_is_boolean(v) ? CS_OK : misfit(path, "is not a boolean");
    case CS_CALL__NUMBER:
        return json_is_number(v) ? CS_OK : misfit(path, "is not a number");
    case CS_CALL__STRINGS:
    case CS_CALL__IDS:
    case CS_CALL__ARRAY:
        if (!json_is_array(v))
            return misfit(path, "is not an array");
        json_array_foreach(v, i, item) {
            path_join(at, sizeof(at), path, NULL, (long)i);
            if (f->type == CS_CALL__STRINGS && !json_is_string(item))
                rc = misfit(at, "is not a string");
            else if (f->type == CS_CALL__IDS && !json_is_integer(item))
                rc = misfit(at, "is not an integer");
            else if (f->type == CS_CALL__ARRAY)
                rc = f->shape               ? conforms_object(f->shape, item, at)
                     : json_is_object(item) ? CS_OK
                                            : misfit(at, "is not an object");
            if (rc < 0)
                return rc;
        }
        return CS_OK;
    case CS_CALL__OBJECT:
        if (!f->shape)
            return json_is_object(v) ? CS_OK : misfit(path, "is not an object");
        return conforms_object(f->shape, v, path);
    default:
        return CS_OK;
    }
}

static int conforms_object(const cs_call__field *fields, json_t *v, const char *path)
{
    const char *key;
    json_t *value;
    char at[256];
    int rc;

    if (!json_is_object(v))
        return misfit(path, "is not an object");
    json_object_foreach(v, key, value) {
        const cs_call__field *f = fields;
        while (f->name && strcmp(f->name, key) != 0)
            f++;
        path_join(at, sizeof(at), path, key, -1);
        if (!f->name)
            return misfit(at, "is not in the catalogue");
        if ((rc = conforms_field(f, value, at)) < 0)
            return rc;
    }
    for (const cs_call__field *f = fields; f->name; f++) {
        path_join(at, sizeof(at), path, f->name, -1);
        if (!(f->flags & CS_CALL__OPT) && !json_object_get(v, f->name))
            return misfit(at, "is missing");
    }
    return CS_OK;
}

int cs_call__conforms(const cs_call__field *fields, json_t *v)
{
    return conforms_object(fields, v, "");
}

/* The rows ---------------------------------------------------------------------------- */

static const cs_call__field methods_request[] = {CS_CALL__F("name", CS_CALL__STRING, 0),
                                                 CS_CALL__END};
static const cs_call__field schema_fields[] = {
    CS_CALL__F("type", CS_CALL__ANY, 0),
    CS_CALL__F("properties", CS_CALL__OBJECT, 0),
    CS_CALL__F("required", CS_CALL__STRINGS, 0),
    CS_CALL__F("additionalProperties", CS_CALL__BOOLEAN, 0),
    CS_CALL__END,
};
static const cs_call__field method_fields[] = {
    CS_CALL__F("name", CS_CALL__STRING, 0),
    CS_CALL__F("summary", CS_CALL__STRING, 0),
    CS_CALL__F("capability", CS_CALL__STRING, 0),
    CS_CALL__F("roles", CS_CALL__OBJECT, 0),
    CS_CALL__S("request", CS_CALL__OBJECT, 0, schema_fields),
    CS_CALL__S("response", CS_CALL__OBJECT, 0, schema_fields),
    CS_CALL__END,
};
static const cs_call__field methods_response[] = {
    CS_CALL__S("methods", CS_CALL__ARRAY, 0, method_fields),
    CS_CALL__END,
};

const cs_call__method cs_call__methods_methods[] = {
    {"methods", m_methods, CS_CAP_PUBLIC, 0,
     "Describe every method (or the one named): its request and answer as JSON Schema, the "
     "capability it needs and how far that reaches for each role.",
     methods_request, methods_response},
};
const size_t cs_call__methods_count = CS_ARRAY_SIZE(cs_call__methods_methods);
