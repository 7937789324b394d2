/*
 * libcs - cs_call(): the JSON request interface. The methods are rows of per-module tables
 * (lib/call/<module>.c), each over the typed API; this file reads requests, finds the row
 * and answers with JSON.
 */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "call/call.h"

/* Every module's methods, in the order cs_call_method() lists them. */
static const struct {
    const cs_call__method *v;
    const size_t *n;
} modules[] = {
    {cs_call__db_methods, &cs_call__db_count},
    {cs_call__methods_methods, &cs_call__methods_count},
    {cs_call__customer_methods, &cs_call__customer_count},
    {cs_call__channel_methods, &cs_call__channel_count},
    {cs_call__agent_methods, &cs_call__agent_count},
    {cs_call__custom_methods, &cs_call__custom_count},
    {cs_call__ticket_methods, &cs_call__ticket_count},
    {cs_call__message_methods, &cs_call__message_count},
    {cs_call__ingest_methods, &cs_call__ingest_count},
    {cs_call__outbox_methods, &cs_call__outbox_count},
    {cs_call__audit_methods, &cs_call__audit_count},
    {cs_call__calendar_methods, &cs_call__calendar_count},
    {cs_call__sla_methods, &cs_call__sla_count},
    {cs_call__route_methods, &cs_call__route_count},
};

/* Method i of the catalogue, or NULL past its end. */
static const cs_call__method *method_at(size_t i)
{
    for (size_t m = 0; m < CS_ARRAY_SIZE(modules); m++) {
        if (i < *modules[m].n)
            return &modules[m].v[i];
        i -= *modules[m].n;
    }
    return NULL;
}

const cs_call__method *cs_call__method_named(const char *name)
{
    const cs_call__method *m;

    for (size_t i = 0; (m = method_at(i)); i++)
        if (!strcmp(m->name, name))
            return m;
    return NULL;
}

const char *cs_call_method(size_t i)
{
    const cs_call__method *m = method_at(i);
    return m ? m->name : NULL;
}

cs_cap cs_call__method_cap(size_t i)
{
    const cs_call__method *m = method_at(i);
    return m ? m->cap : CS_CAP__COUNT;
}

/* Run a handler; an ATOMIC one inside an atomic section of its own. */
static int run(const cs_call__method *m, cs_db *db, cs_call__req *r, json_t **out)
{
    int rc;

    if (!(m->flags & CS_CALL__ATOMIC))
        return m->fn(db, r, out);
    if ((rc = m->flags & CS_CALL__RELAXED ? cs_db__begin_relaxed(db) : cs_db__begin(db)) < 0)
        return rc;
    if ((rc = cs_db__end(db, m->fn(db, r, out))) < 0) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* Whether a field declared as `declared` may be read as `as`. */
static bool readable_as(unsigned declared, unsigned as)
{
    switch (as) {
    case CS_CALL__ANY:
        return true;
    case CS_CALL__STRING: /* an enum's or a time's text, read as it is */
        return declared == CS_CALL__STRING || declared == CS_CALL__ENUM ||
               declared == CS_CALL__TIME;
    case CS_CALL__INTEGER:
        return declared == CS_CALL__INTEGER || declared == CS_CALL__ID;
    default:
        return declared == as;
    }
}

/* The request's value of `key`, read as `as`; a key the method does not declare, or
 * declares with another type, is a fault of the handler, reported as CS_ERROR. */
static json_t *get_as(cs_call__req *r, const char *key, unsigned as, int *rc)
{
    const cs_call__field *f = r->method ? r->method->request : NULL;

    *rc = CS_OK;
    while (f && f->name && strcmp(f->name, key) != 0)
        f++;
    if (r->method && (!f || !f->name || !readable_as(f->type, as))) {
        r->fault = key;
        *rc = cs_error__set(CS_ERROR, key, "%s reads \"%s\" against its catalogue entry",
                            r->method->name, key);
        return NULL;
    }
    if (r->nseen < CS_CALL__MAX_KEYS)
        r->seen[r->nseen++] = key;
    return json_object_get(r->obj, key);
}

json_t *cs_call__get(cs_call__req *r, const char *key)
{
    int rc;
    return get_as(r, key, CS_CALL__ANY, &rc);
}

int cs_call__type_error(const char *key, const char *want)
{
    return cs_error__inval(key, "%s must be %s", key, want);
}

int cs_call__missing(const char *key)
{
    return cs_error__inval(key, "%s is required", key);
}

int cs_call__str(cs_call__req *r, const char *key, const char **out, bool required)
{
    int rc;
    json_t *v = get_as(r, key, CS_CALL__STRING, &rc);

    *out = NULL;
    if (rc < 0)
        return rc;
    if (!v || json_is_null(v))
        return required ? cs_call__missing(key) : CS_OK;
    if (!json_is_string(v))
        return cs_call__type_error(key, "a string");
    *out = json_string_value(v);
    return CS_OK;
}

int cs_call__int(cs_call__req *r, const char *key, int64_t *out, bool required)
{
    int rc;
    json_t *v = get_as(r, key, CS_CALL__INTEGER, &rc);

    if (rc < 0)
        return rc;
    if (!v || json_is_null(v))
        return required ? cs_call__missing(key) : CS_OK;
    if (!json_is_integer(v))
        return cs_call__type_error(key, "an integer");
    *out = json_integer_value(v);
    return CS_OK;
}

int cs_call__id(cs_call__req *r, const char *key, int64_t *out, bool required)
{
    int rc = cs_call__int(r, key, out, required);
    if (rc == CS_OK && *out < 0)
        return cs_error__inval(key, "%s must be a positive id", key);
    return rc;
}

/* A reference that may be cleared: absent -> 0, null -> CS_ID_CLEAR. */
int cs_call__ref(cs_call__req *r, const char *key, int64_t *out)
{
    int rc;
    json_t *v = get_as(r, key, CS_CALL__ID, &rc);

    if (rc < 0)
        return rc;
    if (v && json_is_null(v)) {
        *out = CS_ID_CLEAR;
        return CS_OK;
    }
    return cs_call__id(r, key, out, false);
}

int cs_call__bool(cs_call__req *r, const char *key, int *out)
{
    int rc;
    json_t *v = get_as(r, key, CS_CALL__BOOLEAN, &rc);

    if (rc < 0)
        return rc;
    if (!v)
        return CS_OK;
    if (!json_is_boolean(v))
        return cs_call__type_error(key, "true or false");
    *out = json_is_true(v);
    return CS_OK;
}

int cs_call__enum(cs_call__req *r, const char *key, int (*parse)(const char *), int *out,
                  bool required)
{
    const char *s;
    int rc = cs_call__str(r, key, &s, required);

    if (rc < 0 || !s)
        return rc;
    if (!(*out = parse(s)))
        return cs_error__inval(key, "unknown %s \"%s\"", key, s);
    return CS_OK;
}

int cs_call__time(cs_call__req *r, const char *key, cs_time *out, bool required)
{
    int rc;
    json_t *v = get_as(r, key, CS_CALL__TIME, &rc);

    if (rc < 0)
        return rc;
    if (!v || json_is_null(v))
        return required ? cs_call__missing(key) : CS_OK;
    if (!json_is_string(v))
        return cs_call__type_error(key, "an ISO 8601 time string");
    return cs_time__parse(out, key, json_string_value(v));
}

/* An array of strings into r->strs[slot]; *present tells whether the key was given. */
int cs_call__strings(cs_call__req *r, const char *key, int slot, size_t *n, bool *present)
{
    int rc;
    json_t *v = get_as(r, key, CS_CALL__STRINGS, &rc), *item;
    size_t i;

    *n = 0;
    *present = v != NULL;
    if (rc < 0)
        return rc;
    if (!v)
        return CS_OK;
    if (!json_is_array(v))
        return cs_call__type_error(key, "an array of strings");
    if (json_array_size(v) > CS_CALL__MAX_ITEMS)
        return cs_error__inval(key, "%s has more than %d entries", key, CS_CALL__MAX_ITEMS);
    json_array_foreach(v, i, item) {
        if (!json_is_string(item))
            return cs_call__type_error(key, "an array of strings");
        r->strs[slot][(*n)++] = json_string_value(item);
    }
    return CS_OK;
}

/* A JSON object given inline, as text for the typed API; release with free(). */
int cs_call__object_text(cs_call__req *r, const char *key, char **out)
{
    int rc;
    json_t *v = get_as(r, key, CS_CALL__OBJECT, &rc);

    *out = NULL;
    if (rc < 0)
        return rc;
    if (!v)
        return CS_OK;
    if (!json_is_object(v))
        return cs_call__type_error(key, "an object");
    return (*out = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS)) ? CS_OK : cs_error__nomem();
}

/* Refuse keys no handler read. */
int cs_call__done(cs_call__req *r)
{
    const char *key;
    json_t *v;

    json_object_foreach(r->obj, key, v) {
        bool known = false;
        for (size_t i = 0; i < r->nseen && !known; i++)
            known = !strcmp(r->seen[i], key);
        if (!known)
            return cs_error__inval(key, "unknown field \"%s\"", key);
    }
    return CS_OK;
}

/* Take a JSON text made by a to_json function. */
/* Parse the text a typed call wrote into *text and release it. The text is read through a
 * pointer because the call filling it is often this function's own argument, and C leaves
 * the order in which arguments are evaluated open. */
int cs_call__adopt(json_t **out, char **text, int rc)
{
    json_error_t err;

    if (rc < 0)
        return rc;
    *out = json_loads(*text, 0, &err);
    cs_str_free(*text);
    *text = NULL;
    if (*out)
        return CS_OK;
    /* The library wrote the text: only memory, or a stored value it cannot read back, can
     * make it unreadable. */
    return json_error_code(&err) == json_error_out_of_memory
               ? cs_error__nomem()
               : cs_error__set(CS_EDB, NULL, "a stored value cannot be read back: %s", err.text);
}

int cs_call__ok(json_t **out)
{
    return (*out = json_object()) ? CS_OK : cs_error__nomem();
}

int cs_call__with_id(json_t **out, const char *key, int64_t id)
{
    return (*out = json_pack("{s:I}", key, (json_int_t)id)) ? CS_OK : cs_error__nomem();
}

/* JSON text must be UTF-8, but an error message may quote the caller's bytes (an unknown
 * method) or be cut inside a character: then its non-ASCII bytes become '?'. */
static const char *utf8_text(char *buf, size_t size, const char *s)
{
    if (cs_utf8__valid(s, strlen(s)))
        return s;
    snprintf(buf, size, "%s", s);
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    return buf;
}

static char *error_response(void)
{
    const cs_error *e = cs_error_last();
    char message[CS_ERROR_MESSAGE_MAX], field[CS_ERROR_FIELD_MAX], *text = NULL;
    /* Dumping may fail and overwrite the error: its code is kept by the caller. */
    cs_json__dump(&text, json_pack("{s:{s:s, s:s, s:s}}", "error", "code", cs_status_name(e->code),
                                   "message", utf8_text(message, sizeof(message), e->message),
                                   "field", utf8_text(field, sizeof(field), e->field)));
    return text;
}

/* Methods renamed in 0.2 so that each is its C function's name: the old name is refused,
 * with the new one in the message. */
static const char *const renamed[][2] = {
    {"actor.set", "db.set_actor"},
    {"ticket.reply", "reply"},
    {"receipt.template", "receipt.set_template"},
    {"outbox.mime", "outbox.item_mime"},
    {"report.same_channel", "reply.channel_stats"},
    {"calendar.add", "calendar.add_seconds"},
    {"calendar.between", "calendar.seconds_between"},
    {"sla.events", "sla.event.list"},
    {"agent.presence", "route.set_presence"},
    {"agent.capacity", "route.set_capacity"},
    {"agent.routing", "route.agent.get"},
    {"group.routing", "route.group.set"},
    {"ticket.assign", "route.assign"},
    {"ticket.next", "route.next"},
    {"callback.create", "route.callback.create"},
};

static int unknown_method(const char *name)
{
    for (size_t i = 0; i < CS_ARRAY_SIZE(renamed); i++)
        if (!strcmp(name, renamed[i][0]))
            return cs_error__inval("method", "unknown method \"%s\" (renamed to \"%s\" in 0.2)",
                                   name, renamed[i][1]);
    return cs_error__inval("method", "unknown method \"%s\"", name);
}

static int dispatch(json_t **out, cs_db *db, const char *name, const char *request_json)
{
    const cs_call__method *m = cs_call__method_named(name);
    cs_call__req r;
    json_error_t err;
    int rc;

    if (!m)
        return unknown_method(name);
    memset(&r, 0, sizeof(r));
    r.method = m;
    r.obj = request_json && *request_json ? json_loads(request_json, JSON_REJECT_DUPLICATES, &err)
                                          : json_object();
    if (!r.obj)
        return cs_error__inval("request", "the request is not valid JSON: %s at line %d column %d",
                               err.text, err.line, err.column);
    if (!json_is_object(r.obj))
        rc = cs_error__inval("request", "the request must be a JSON object");
    else
        rc = run(m, db, &r, out);
    json_decref(r.obj);
    if (r.fault && rc >= 0) { /* a raw read the handler went on from */
        json_decref(*out);
        *out = NULL;
        rc = cs_error__set(CS_ERROR, r.fault, "%s reads \"%s\" against its catalogue entry",
                           m->name, r.fault);
    }
    return rc;
}

int cs_call(char **response_json, cs_db *db, const char *method, const char *request_json)
{
    json_t *out = NULL;
    int rc;

    if (!response_json)
        return cs_error__inval("response_json", "response_json is NULL");
    *response_json = NULL;
    if (!db)
        rc = cs_error__inval("db", "db is NULL");
    else if (!method)
        rc = cs_error__inval("method", "method is NULL");
    else
        rc = dispatch(&out, db, method, request_json);
    if (rc < 0) {
        json_decref(out);
        *response_json = error_response();
        return rc;
    }
    return cs_json__dump(response_json, out);
}
