/*
 * libcs - cs_call(): the JSON request interface, one dispatcher table over the typed API.
 */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "db.h"
#include "perm.h"
#include "ticket.h"
#include "calendar.h"
#include "call.h"

#define MAX_KEYS 32
#define MAX_ITEMS 64 /* tags, skills, identities in one request */
#define LIST_DEFAULT 100
#define LIST_MAX 1000

/* A request being read: every key a handler reads is remembered, so that unknown keys can
 * be refused afterwards. */
struct req {
    json_t *obj;
    const char *seen[MAX_KEYS];
    size_t nseen;
    /* Arrays of strings handed to the typed API point into obj; these hold them. */
    const char *strs[2][MAX_ITEMS];
    cs_identity_spec ids[MAX_ITEMS];
};

typedef int (*handler_fn)(cs_db *db, struct req *r, json_t **out);

static json_t *get(struct req *r, const char *key)
{
    if (r->nseen < MAX_KEYS)
        r->seen[r->nseen++] = key;
    return json_object_get(r->obj, key);
}

static int type_error(const char *key, const char *want)
{
    return cs_error__inval(key, "%s must be %s", key, want);
}

static int missing(const char *key)
{
    return cs_error__inval(key, "%s is required", key);
}

static int req_str(struct req *r, const char *key, const char **out, bool required)
{
    json_t *v = get(r, key);

    *out = NULL;
    if (!v || json_is_null(v))
        return required ? missing(key) : CS_OK;
    if (!json_is_string(v))
        return type_error(key, "a string");
    *out = json_string_value(v);
    return CS_OK;
}

static int req_int(struct req *r, const char *key, int64_t *out, bool required)
{
    json_t *v = get(r, key);

    if (!v || json_is_null(v))
        return required ? missing(key) : CS_OK;
    if (!json_is_integer(v))
        return type_error(key, "an integer");
    *out = json_integer_value(v);
    return CS_OK;
}

static int req_id(struct req *r, const char *key, int64_t *out, bool required)
{
    int rc = req_int(r, key, out, required);
    if (rc == CS_OK && *out < 0)
        return cs_error__inval(key, "%s must be a positive id", key);
    return rc;
}

/* A reference that may be cleared: absent -> 0, null -> CS_ID_CLEAR. */
static int req_ref(struct req *r, const char *key, int64_t *out)
{
    json_t *v = get(r, key);

    if (v && json_is_null(v)) {
        *out = CS_ID_CLEAR;
        return CS_OK;
    }
    return req_id(r, key, out, false);
}

static int req_bool(struct req *r, const char *key, int *out)
{
    json_t *v = get(r, key);

    if (!v)
        return CS_OK;
    if (!json_is_boolean(v))
        return type_error(key, "true or false");
    *out = json_is_true(v);
    return CS_OK;
}

static int req_enum(struct req *r, const char *key, int (*parse)(const char *), int *out,
                    bool required)
{
    const char *s;
    int rc = req_str(r, key, &s, required);

    if (rc < 0 || !s)
        return rc;
    if (!(*out = parse(s)))
        return cs_error__inval(key, "unknown %s \"%s\"", key, s);
    return CS_OK;
}

static int req_time(struct req *r, const char *key, cs_time *out, bool required)
{
    json_t *v = get(r, key);

    if (!v || json_is_null(v))
        return required ? missing(key) : CS_OK;
    if (!json_is_string(v))
        return type_error(key, "an ISO 8601 time string");
    return cs_time__parse(out, key, json_string_value(v));
}

/* An array of strings into r->strs[slot]; *present tells whether the key was given. */
static int req_strings(struct req *r, const char *key, int slot, size_t *n, bool *present)
{
    json_t *v = get(r, key), *item;
    size_t i;

    *n = 0;
    *present = v != NULL;
    if (!v)
        return CS_OK;
    if (!json_is_array(v))
        return type_error(key, "an array of strings");
    if (json_array_size(v) > MAX_ITEMS)
        return cs_error__inval(key, "%s has more than %d entries", key, MAX_ITEMS);
    json_array_foreach(v, i, item)
    {
        if (!json_is_string(item))
            return type_error(key, "an array of strings");
        r->strs[slot][(*n)++] = json_string_value(item);
    }
    return CS_OK;
}

/* A JSON object given inline, as text for the typed API; release with free(). */
static int req_object_text(struct req *r, const char *key, char **out)
{
    json_t *v = get(r, key);

    *out = NULL;
    if (!v)
        return CS_OK;
    if (!json_is_object(v))
        return type_error(key, "an object");
    return (*out = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS)) ? CS_OK : cs_error__nomem();
}

/* Refuse keys no handler read. */
static int req_done(struct req *r)
{
    const char *key;
    json_t *v;

    json_object_foreach(r->obj, key, v)
    {
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
static int adopt(json_t **out, char **text, int rc)
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
               : cs_error__set(CS_EDB, NULL, "a stored value cannot be read back: %s",
                               err.text);
}

static int ok_object(json_t **out)
{
    return (*out = json_object()) ? CS_OK : cs_error__nomem();
}

static int with_id(json_t **out, const char *key, int64_t id)
{
    return (*out = json_pack("{s:I}", key, (json_int_t)id)) ? CS_OK : cs_error__nomem();
}

/* version, actor, settings ---------------------------------------------------------- */

static int m_version(cs_db *db, struct req *r, json_t **out)
{
    int rc = req_done(r);
    if (rc < 0)
        return rc;
    *out = json_pack("{s:s, s:i, s:i}", "version", cs_version(NULL, NULL, NULL),
                     "schema_version", cs_schema_version(), "database_schema_version",
                     cs_db_schema_version(db));
    return *out ? CS_OK : cs_error__nomem();
}

static const cs_name actor_names[] = {
    {CS_ACTOR_SYSTEM + 1, "system"},
    {CS_ACTOR_AGENT + 1, "agent"},
    {CS_ACTOR_CUSTOMER + 1, "customer"},
};

static int parse_actor(const char *s)
{
    return CS_NAME_PARSE(actor_names, s);
}

/* Only the system may act as someone else through a request: the host sets its callers'
 * actor with cs_db_set_actor() from its own session, and no request body can raise it. */
static int m_actor_set(cs_db *db, struct req *r, json_t **out)
{
    int kind = 0, rc;
    int64_t id = 0;
    cs_actor by;

    if ((rc = cs_perm__require(&by, db, CS_CAP_ACTOR_SET)) < 0 ||
        (rc = req_enum(r, "kind", parse_actor, &kind, true)) < 0 ||
        (rc = req_id(r, "id", &id, kind - 1 != CS_ACTOR_SYSTEM)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_db_set_actor(db, kind - 1, id)) < 0)
        return rc;
    return ok_object(out);
}

static int m_setting_set(cs_db *db, struct req *r, json_t **out)
{
    const char *name;
    int64_t value = 0;
    int rc;

    if ((rc = req_str(r, "name", &name, true)) < 0 || (rc = req_int(r, "value", &value, true)) < 0 ||
        (rc = req_done(r)) < 0 || (rc = cs_setting_set(db, name, value)) < 0)
        return rc;
    return ok_object(out);
}

static int m_setting_get(cs_db *db, struct req *r, json_t **out)
{
    const char *name;
    int64_t value;
    int rc;

    if ((rc = req_str(r, "name", &name, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_setting_get(&value, db, name)) < 0)
        return rc;
    *out = json_pack("{s:s, s:I}", "name", name, "value", (json_int_t)value);
    return *out ? CS_OK : cs_error__nomem();
}

/* customers ----------------------------------------------------------------------- */

static int customer_identities(struct req *r, size_t *n)
{
    json_t *v = get(r, "identities"), *item;
    char field[CS_ERROR_FIELD_MAX];
    size_t i;

    *n = 0;
    if (!v)
        return CS_OK;
    if (!json_is_array(v) || json_array_size(v) > MAX_ITEMS)
        return type_error("identities", "an array of {\"kind\", \"value\"} objects");
    json_array_foreach(v, i, item)
    {
        json_t *kind = json_object_get(item, "kind"), *value = json_object_get(item, "value");
        snprintf(field, sizeof(field), "identities[%zu]", i);
        if (!json_is_object(item) || !json_is_string(kind) || !json_is_string(value) ||
            json_object_size(item) != 2)
            return type_error(field, "an object with the strings \"kind\" and \"value\"");
        r->ids[i].kind = cs_identity_kind_parse(json_string_value(kind));
        if (!r->ids[i].kind)
            return cs_error__inval(field, "unknown identity kind \"%s\"",
                                   json_string_value(kind));
        r->ids[i].value = json_string_value(value);
        (*n)++;
    }
    return CS_OK;
}

static int customer_fields(struct req *r, cs_customer_fields *f, char **custom, bool create)
{
    bool tags;
    int rc;

    if ((rc = req_str(r, "name", &f->name, create)) < 0 ||
        (rc = req_ref(r, "organization_id", &f->organization_id)) < 0 ||
        (rc = req_str(r, "locale", &f->locale, false)) < 0 ||
        (rc = req_str(r, "timezone", &f->timezone, false)) < 0 ||
        (rc = req_object_text(r, "custom", custom)) < 0 ||
        (rc = req_strings(r, "tags", 0, &f->ntags, &tags)) < 0)
        return rc;
    f->custom_json = *custom;
    f->tags = tags ? r->strs[0] : NULL;
    if (create && (rc = customer_identities(r, &f->nidentities)) == CS_OK)
        f->identities = r->ids;
    /* null clears the time zone */
    if (json_is_null(json_object_get(r->obj, "timezone")))
        f->timezone = "";
    return rc;
}

static int customer_json(json_t **out, cs_db *db, int64_t id)
{
    cs_customer *c = NULL;
    char *text = NULL;
    int rc = cs_customer_lookup(&c, db, id);

    if (rc == CS_OK)
        rc = cs_customer_to_json(&text, c);
    cs_customer_free(c);
    return adopt(out, &text, rc);
}

static int m_customer_create(cs_db *db, struct req *r, json_t **out)
{
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    char *custom = NULL;
    int64_t id;
    int rc;

    if ((rc = customer_fields(r, &f, &custom, true)) == CS_OK && (rc = req_done(r)) == CS_OK &&
        (rc = cs_customer_create(&id, db, &f)) == CS_OK)
        rc = customer_json(out, db, id);
    free(custom);
    return rc;
}

static int m_customer_update(cs_db *db, struct req *r, json_t **out)
{
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    char *custom = NULL;
    int64_t id = 0;
    int rc;

    if ((rc = req_id(r, "id", &id, true)) == CS_OK &&
        (rc = customer_fields(r, &f, &custom, false)) == CS_OK && (rc = req_done(r)) == CS_OK &&
        (rc = cs_customer_update(db, id, &f)) == CS_OK)
        rc = customer_json(out, db, id);
    free(custom);
    return rc;
}

static int m_customer_get(cs_db *db, struct req *r, json_t **out)
{
    int64_t id = 0;
    int rc;

    if ((rc = req_id(r, "id", &id, true)) < 0 || (rc = req_done(r)) < 0)
        return rc;
    return customer_json(out, db, id);
}

static int m_customer_find(cs_db *db, struct req *r, json_t **out)
{
    const char *value;
    int kind = 0, rc;
    cs_customer *c = NULL;
    char *text = NULL;

    if ((rc = req_enum(r, "kind", cs_identity_kind_parse, &kind, true)) < 0 ||
        (rc = req_str(r, "value", &value, true)) < 0 || (rc = req_done(r)) < 0)
        return rc;
    if ((rc = cs_customer_find(&c, db, kind, value)) == CS_OK)
        rc = cs_customer_to_json(&text, c);
    cs_customer_free(c);
    return adopt(out, &text, rc);
}

static int m_customer_identity(cs_db *db, struct req *r, json_t **out, bool add)
{
    const char *value;
    int64_t id = 0;
    int kind = 0, rc;

    if ((rc = req_id(r, "id", &id, true)) < 0 ||
        (rc = req_enum(r, "kind", cs_identity_kind_parse, &kind, true)) < 0 ||
        (rc = req_str(r, "value", &value, true)) < 0 || (rc = req_done(r)) < 0)
        return rc;
    rc = add ? cs_customer_add_identity(db, id, kind, value)
             : cs_customer_remove_identity(db, id, kind, value);
    return rc < 0 ? rc : customer_json(out, db, id);
}

static int m_customer_add_identity(cs_db *db, struct req *r, json_t **out)
{
    return m_customer_identity(db, r, out, true);
}

static int m_customer_remove_identity(cs_db *db, struct req *r, json_t **out)
{
    return m_customer_identity(db, r, out, false);
}

static int m_customer_list(cs_db *db, struct req *r, json_t **out)
{
    int64_t org = 0, after = 0, limit = LIST_DEFAULT, last = 0;
    cs_customer_iter *it = NULL;
    const cs_customer *c;
    json_t *arr;
    int rc;

    if ((rc = req_id(r, "organization_id", &org, false)) < 0 ||
        (rc = req_id(r, "after", &after, false)) < 0 ||
        (rc = req_int(r, "limit", &limit, false)) < 0 || (rc = req_done(r)) < 0)
        return rc;
    if (limit < 1 || limit > LIST_MAX)
        return cs_error__inval("limit", "limit must be between 1 and %d", LIST_MAX);
    if ((rc = cs_customer_iter_new(&it, db, org, after, (size_t)limit)) < 0)
        return rc;
    if (!(arr = json_array())) {
        cs_customer_iter_free(it);
        return cs_error__nomem();
    }
    while ((rc = cs_customer_next(&c, it)) == CS_OK) {
        char *text = NULL;
        json_t *o = NULL;
        if ((rc = adopt(&o, &text, cs_customer_to_json(&text, c))) < 0)
            break;
        json_array_append_new(arr, o);
        last = cs_customer_id(c);
    }
    cs_customer_iter_free(it);
    if (rc != CS_ITEROVER) {
        json_decref(arr);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "customers", arr, "next_after",
                     json_array_size(arr) == (size_t)limit ? json_integer(last) : json_null());
    return *out ? CS_OK : cs_error__nomem();
}

static int m_customer_merge(cs_db *db, struct req *r, json_t **out)
{
    int64_t survivor = 0, merged = 0, merge_id = 0;
    int rc;

    if ((rc = req_id(r, "survivor_id", &survivor, true)) < 0 ||
        (rc = req_id(r, "merged_id", &merged, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_customer_merge(&merge_id, db, survivor, merged)) < 0)
        return rc;
    return with_id(out, "merge_id", merge_id);
}

static int m_customer_unmerge(cs_db *db, struct req *r, json_t **out)
{
    int64_t merge_id = 0;
    int rc;

    if ((rc = req_id(r, "merge_id", &merge_id, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_customer_unmerge(db, merge_id)) < 0)
        return rc;
    return ok_object(out);
}

static int m_customer_export(cs_db *db, struct req *r, json_t **out)
{
    int64_t id = 0;
    char *text = NULL;
    int rc;

    if ((rc = req_id(r, "id", &id, true)) < 0 || (rc = req_done(r)) < 0)
        return rc;
    return adopt(out, &text, cs_customer_export(&text, db, id));
}

static int m_customer_erase(cs_db *db, struct req *r, json_t **out)
{
    int64_t id = 0;
    int rc;

    if ((rc = req_id(r, "id", &id, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_customer_erase(db, id)) < 0)
        return rc;
    return ok_object(out);
}

static int m_organization_create(cs_db *db, struct req *r, json_t **out)
{
    const char *name;
    int shared = 0, rc;
    int64_t id;

    if ((rc = req_str(r, "name", &name, true)) < 0 ||
        (rc = req_bool(r, "shared_tickets", &shared)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_organization_create(&id, db, name, shared)) < 0)
        return rc;
    return with_id(out, "id", id);
}

/* channels, agents, groups --------------------------------------------------------- */

static int channel_fields(struct req *r, cs_channel_fields *f, bool create)
{
    int rc;

    if ((rc = req_enum(r, "kind", cs_channel_kind_parse, &f->kind, create)) < 0 ||
        (rc = req_str(r, "name", &f->name, create)) < 0 ||
        (rc = req_str(r, "address", &f->address, false)) < 0 ||
        (rc = req_bool(r, "public", &f->is_public)) < 0 ||
        (rc = req_bool(r, "signature", &f->signature)) < 0 ||
        (rc = req_ref(r, "default_group_id", &f->default_group_id)) < 0 ||
        (rc = req_bool(r, "enabled", &f->enabled)) < 0)
        return rc;
    if (json_is_null(json_object_get(r->obj, "address")))
        f->address = "";
    return CS_OK;
}

static int channel_json(json_t **out, cs_db *db, int64_t id)
{
    cs_channel *ch = NULL;
    char *text = NULL;
    int rc = cs_channel_lookup(&ch, db, id);

    if (rc == CS_OK)
        rc = cs_channel_to_json(&text, ch);
    cs_channel_free(ch);
    return adopt(out, &text, rc);
}

static int m_channel_create(cs_db *db, struct req *r, json_t **out)
{
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    int64_t id;
    int rc;

    if ((rc = channel_fields(r, &f, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_channel_create(&id, db, &f)) < 0)
        return rc;
    return channel_json(out, db, id);
}

static int m_channel_update(cs_db *db, struct req *r, json_t **out)
{
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    int64_t id = 0;
    int rc;

    if ((rc = req_id(r, "id", &id, true)) < 0 || (rc = channel_fields(r, &f, false)) < 0 ||
        (rc = req_done(r)) < 0 || (rc = cs_channel_update(db, id, &f)) < 0)
        return rc;
    return channel_json(out, db, id);
}

static int m_channel_get(cs_db *db, struct req *r, json_t **out)
{
    int64_t id = 0;
    int rc;

    if ((rc = req_id(r, "id", &id, true)) < 0 || (rc = req_done(r)) < 0)
        return rc;
    return channel_json(out, db, id);
}

static int m_channel_list(cs_db *db, struct req *r, json_t **out)
{
    json_t *arr = NULL;
    char *text = NULL;
    int rc;

    if ((rc = req_done(r)) < 0 || (rc = adopt(&arr, &text, cs_channel_list_json(&text, db))) < 0)
        return rc;
    *out = json_pack("{s:o}", "channels", arr);
    return *out ? CS_OK : cs_error__nomem();
}

static int agent_fields(struct req *r, cs_agent_fields *f, bool create)
{
    bool skills;
    int rc;

    if ((rc = req_str(r, "name", &f->name, create)) < 0 ||
        (rc = req_str(r, "initials", &f->initials, false)) < 0 ||
        (rc = req_str(r, "email", &f->email, false)) < 0 ||
        (rc = req_str(r, "avatar_url", &f->avatar_url, false)) < 0 ||
        (rc = req_enum(r, "role", cs_agent_role_parse, &f->role, false)) < 0 ||
        (rc = req_bool(r, "active", &f->active)) < 0 ||
        (rc = req_enum(r, "ticket_access", cs_ticket_access_parse, &f->ticket_access, false)) <
            0 ||
        (rc = req_strings(r, "skills", 0, &f->nskills, &skills)) < 0)
        return rc;
    f->skills = skills ? r->strs[0] : NULL;
    return CS_OK;
}

static int agent_json(json_t **out, cs_db *db, int64_t id)
{
    cs_agent *a = NULL;
    char *text = NULL;
    int rc = cs_agent_lookup(&a, db, id);

    if (rc == CS_OK)
        rc = cs_agent_to_json(&text, a);
    cs_agent_free(a);
    return adopt(out, &text, rc);
}

static int m_agent_create(cs_db *db, struct req *r, json_t **out)
{
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    int64_t id;
    int rc;

    if ((rc = agent_fields(r, &f, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_agent_create(&id, db, &f)) < 0)
        return rc;
    return agent_json(out, db, id);
}

static int m_agent_update(cs_db *db, struct req *r, json_t **out)
{
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    int64_t id = 0;
    int rc;

    if ((rc = req_id(r, "id", &id, true)) < 0 || (rc = agent_fields(r, &f, false)) < 0 ||
        (rc = req_done(r)) < 0 || (rc = cs_agent_update(db, id, &f)) < 0)
        return rc;
    return agent_json(out, db, id);
}

static int m_agent_get(cs_db *db, struct req *r, json_t **out)
{
    int64_t id = 0;
    int rc;

    if ((rc = req_id(r, "id", &id, true)) < 0 || (rc = req_done(r)) < 0)
        return rc;
    return agent_json(out, db, id);
}

static int m_group_create(cs_db *db, struct req *r, json_t **out)
{
    const char *name;
    int64_t id;
    int rc;

    if ((rc = req_str(r, "name", &name, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_group_create(&id, db, name)) < 0)
        return rc;
    return with_id(out, "id", id);
}

static int m_group_member(cs_db *db, struct req *r, json_t **out, bool add)
{
    int64_t group = 0, agent = 0;
    int rc;

    if ((rc = req_id(r, "group_id", &group, true)) < 0 ||
        (rc = req_id(r, "agent_id", &agent, true)) < 0 || (rc = req_done(r)) < 0)
        return rc;
    rc = add ? cs_group_add_agent(db, group, agent) : cs_group_remove_agent(db, group, agent);
    return rc < 0 ? rc : ok_object(out);
}

static int m_group_add_agent(cs_db *db, struct req *r, json_t **out)
{
    return m_group_member(db, r, out, true);
}

static int m_group_remove_agent(cs_db *db, struct req *r, json_t **out)
{
    return m_group_member(db, r, out, false);
}

/* tickets and messages ------------------------------------------------------------- */

static int ticket_fields(struct req *r, cs_ticket_fields *f, char **custom, bool create)
{
    bool tags;
    int rc;

    if ((rc = req_str(r, "subject", &f->subject, create)) < 0 ||
        (create && (rc = req_id(r, "customer_id", &f->customer_id, true)) < 0) ||
        (create && (rc = req_id(r, "channel_id", &f->channel_id, false)) < 0) ||
        (rc = req_enum(r, "status", cs_ticket_status_parse, &f->status, false)) < 0 ||
        (rc = req_enum(r, "priority", cs_ticket_priority_parse, &f->priority, false)) < 0 ||
        (rc = req_enum(r, "type", cs_ticket_type_parse, &f->type, false)) < 0 ||
        (rc = req_ref(r, "group_id", &f->group_id)) < 0 ||
        (rc = req_ref(r, "assignee_id", &f->assignee_id)) < 0 ||
        (rc = req_object_text(r, "custom", custom)) < 0 ||
        (rc = req_strings(r, "tags", 0, &f->ntags, &tags)) < 0)
        return rc;
    f->custom_json = *custom;
    f->tags = tags ? r->strs[0] : NULL;
    return CS_OK;
}

static int ticket_json(json_t **out, cs_db *db, int64_t id)
{
    cs_ticket *t = NULL;
    char *text = NULL;
    int rc = cs_ticket_lookup(&t, db, id);

    if (rc == CS_OK)
        rc = cs_ticket_to_json(&text, t);
    cs_ticket_free(t);
    return adopt(out, &text, rc);
}

/* The ticket a request has just written, in the same atomic section. Whoever may write it
 * sees the result once, also where the write took it out of their sight (a group-scoped agent
 * handing it to another group). */
static int written_ticket_json(json_t **out, cs_db *db, int64_t id)
{
    cs_ticket *t = NULL;
    char *text = NULL;
    int rc = cs_ticket__get(&t, db, id);

    if (rc == CS_OK)
        rc = cs_ticket_to_json(&text, t);
    cs_ticket_free(t);
    return adopt(out, &text, rc);
}

static int m_ticket_create(cs_db *db, struct req *r, json_t **out)
{
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    char *custom = NULL;
    int64_t id;
    int rc;

    if ((rc = ticket_fields(r, &f, &custom, true)) == CS_OK && (rc = req_done(r)) == CS_OK &&
        (rc = cs_ticket_create(&id, db, &f)) == CS_OK)
        rc = written_ticket_json(out, db, id);
    free(custom);
    return rc;
}

static int m_ticket_update(cs_db *db, struct req *r, json_t **out)
{
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    char *custom = NULL;
    int64_t id = 0;
    int rc;

    if ((rc = req_id(r, "id", &id, true)) == CS_OK &&
        (rc = ticket_fields(r, &f, &custom, false)) == CS_OK && (rc = req_done(r)) == CS_OK &&
        (rc = cs_ticket_update(db, id, &f)) == CS_OK)
        rc = written_ticket_json(out, db, id);
    free(custom);
    return rc;
}

/* A ticket by "id" or "number". */
static int req_ticket(struct req *r, cs_db *db, int64_t *id)
{
    int64_t number = 0;
    cs_ticket *t = NULL;
    int rc;

    *id = 0;
    if ((rc = req_id(r, "id", id, false)) < 0 || (rc = req_id(r, "number", &number, false)) < 0)
        return rc;
    if (!*id == !number)
        return cs_error__inval("id", "give either id or number");
    if (*id)
        return CS_OK;
    if ((rc = cs_ticket_lookup_number(&t, db, number)) < 0)
        return rc;
    *id = cs_ticket_id(t);
    cs_ticket_free(t);
    return CS_OK;
}

static int messages_json(json_t **out, cs_db *db, int64_t ticket_id)
{
    cs_message_iter *it = NULL;
    const cs_message *m;
    json_t *arr;
    int rc;

    if ((rc = cs_message_iter_new(&it, db, ticket_id)) < 0)
        return rc;
    if (!(arr = json_array())) {
        cs_message_iter_free(it);
        return cs_error__nomem();
    }
    while ((rc = cs_message_next(&m, it)) == CS_OK) {
        char *text = NULL;
        json_t *o = NULL;
        if ((rc = adopt(&o, &text, cs_message_to_json(&text, m))) < 0)
            break;
        json_array_append_new(arr, o);
    }
    cs_message_iter_free(it);
    if (rc != CS_ITEROVER) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return CS_OK;
}

static int m_ticket_get(cs_db *db, struct req *r, json_t **out)
{
    int messages = 0, rc;
    json_t *list = NULL;
    int64_t id;

    if ((rc = req_ticket(r, db, &id)) < 0 || (rc = req_bool(r, "messages", &messages)) < 0 ||
        (rc = req_done(r)) < 0 || (rc = ticket_json(out, db, id)) < 0 || !messages)
        return rc;
    if ((rc = messages_json(&list, db, id)) < 0) {
        json_decref(*out);
        *out = NULL;
        return rc;
    }
    json_object_set_new(*out, "messages", list);
    return CS_OK;
}

static int ticket_filter(struct req *r, cs_ticket_filter *f)
{
    size_t n;
    bool given;
    int64_t limit = LIST_DEFAULT;
    int rc;

    if ((rc = req_strings(r, "status", 1, &n, &given)) < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        int s = cs_ticket_status_parse(r->strs[1][i]);
        if (!s)
            return cs_error__inval("status", "unknown status \"%s\"", r->strs[1][i]);
        f->statuses |= 1u << s;
    }
    if ((rc = req_id(r, "customer_id", &f->customer_id, false)) < 0 ||
        (rc = req_ref(r, "assignee_id", &f->assignee_id)) < 0 ||
        (rc = req_ref(r, "group_id", &f->group_id)) < 0 ||
        (rc = req_id(r, "channel_id", &f->channel_id, false)) < 0 ||
        (rc = req_str(r, "tag", &f->tag, false)) < 0 ||
        (rc = req_time(r, "created_from", &f->created_from, false)) < 0 ||
        (rc = req_time(r, "created_to", &f->created_to, false)) < 0 ||
        (rc = req_id(r, "after", &f->after, false)) < 0 ||
        (rc = req_int(r, "limit", &limit, false)) < 0)
        return rc;
    const char *order = NULL;
    if ((rc = req_str(r, "order", &order, false)) < 0)
        return rc;
    if (order && strcmp(order, "asc") && strcmp(order, "desc"))
        return cs_error__inval("order", "order must be \"asc\" or \"desc\"");
    f->order = order && !strcmp(order, "desc") ? CS_ORDER_ID_DESC : CS_ORDER_ID_ASC;
    if (limit < 1 || limit > LIST_MAX)
        return cs_error__inval("limit", "limit must be between 1 and %d", LIST_MAX);
    f->limit = (size_t)limit;
    return CS_OK;
}

static int m_ticket_list(cs_db *db, struct req *r, json_t **out)
{
    cs_ticket_filter f = CS_TICKET_FILTER_INIT;
    cs_ticket_iter *it = NULL;
    const cs_ticket *t;
    int64_t last = 0;
    json_t *arr;
    int rc;

    if ((rc = ticket_filter(r, &f)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_ticket_iter_new(&it, db, &f)) < 0)
        return rc;
    if (!(arr = json_array())) {
        cs_ticket_iter_free(it);
        return cs_error__nomem();
    }
    while ((rc = cs_ticket_next(&t, it)) == CS_OK) {
        char *text = NULL;
        json_t *o = NULL;
        if ((rc = adopt(&o, &text, cs_ticket_to_json(&text, t))) < 0)
            break;
        json_array_append_new(arr, o);
        last = cs_ticket_id(t);
    }
    cs_ticket_iter_free(it);
    if (rc != CS_ITEROVER) {
        json_decref(arr);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "tickets", arr, "next_after",
                     json_array_size(arr) == f.limit ? json_integer(last) : json_null());
    return *out ? CS_OK : cs_error__nomem();
}

static int m_ticket_merge(cs_db *db, struct req *r, json_t **out)
{
    int64_t target = 0, source = 0;
    int rc;

    if ((rc = req_id(r, "target_id", &target, true)) < 0 ||
        (rc = req_id(r, "source_id", &source, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_ticket_merge(db, target, source)) < 0)
        return rc;
    return written_ticket_json(out, db, target);
}

static int m_ticket_reply(cs_db *db, struct req *r, json_t **out)
{
    cs_reply_options o = CS_REPLY_OPTIONS_INIT;
    int64_t ticket = 0, message = 0;
    const char *body;
    int rc;

    if ((rc = req_id(r, "ticket_id", &ticket, true)) < 0 ||
        (rc = req_str(r, "body", &body, true)) < 0 ||
        (rc = req_id(r, "channel_id", &o.channel_id, false)) < 0 ||
        (rc = req_str(r, "subject", &o.subject, false)) < 0 ||
        (rc = req_str(r, "recipient", &o.recipient, false)) < 0 ||
        (rc = req_str(r, "html", &o.html, false)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_reply(&message, db, ticket, body, &o)) < 0)
        return rc;
    return with_id(out, "message_id", message);
}

static int m_message_create(cs_db *db, struct req *r, json_t **out)
{
    cs_message_fields f = CS_MESSAGE_FIELDS_INIT;
    cs_message *m = NULL;
    char *text = NULL;
    int64_t id;
    int rc;

    if ((rc = req_id(r, "ticket_id", &f.ticket_id, true)) < 0 ||
        (rc = req_enum(r, "direction", cs_message_direction_parse, &f.direction, false)) < 0 ||
        (rc = req_enum(r, "visibility", cs_message_visibility_parse, &f.visibility, false)) < 0 ||
        (rc = req_id(r, "channel_id", &f.channel_id, false)) < 0 ||
        (rc = req_str(r, "subject", &f.subject, false)) < 0 ||
        (rc = req_str(r, "body", &f.body, true)) < 0 ||
        (rc = req_str(r, "external_id", &f.external_id, false)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_message_create(&id, db, &f)) < 0)
        return rc;
    if ((rc = cs_message_lookup(&m, db, id)) == CS_OK)
        rc = cs_message_to_json(&text, m);
    cs_message_free(m);
    return adopt(out, &text, rc);
}

static int m_message_list(cs_db *db, struct req *r, json_t **out)
{
    int64_t ticket = 0;
    json_t *arr = NULL;
    int rc;

    if ((rc = req_id(r, "ticket_id", &ticket, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = messages_json(&arr, db, ticket)) < 0)
        return rc;
    *out = json_pack("{s:o}", "messages", arr);
    return *out ? CS_OK : cs_error__nomem();
}

/* ingest and the outbox ------------------------------------------------------------ */

static const cs_name rule_names[] = {
    {CS_THREAD_NEW, "new"},
    {CS_THREAD_EXPLICIT, "explicit"},
    {CS_THREAD_NUMBER, "number"},
    {CS_THREAD_IN_REPLY_TO, "in_reply_to"},
    {CS_THREAD_REFERENCES, "references"},
    {CS_THREAD_REPLY_TO, "reply_to"},
    {CS_THREAD_CONVERSATION, "conversation"},
    {CS_THREAD_SUBJECT, "subject"},
    {CS_THREAD_REFERENCED, "referenced"},
};

static json_t *ingest_json(const cs_ingest_result *res)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:b, s:b, s:b, s:o, s:b, s:b, s:s, s:o, s:o, s:o}",
                     "ticket_id", (json_int_t)res->ticket_id, "ticket_number",
                     (json_int_t)res->ticket_number, "customer_id",
                     (json_int_t)res->customer_id, "message_id", (json_int_t)res->message_id,
                     "created", res->created, "reopened", res->reopened, "follow_up",
                     res->follow_up, "follow_up_of",
                     res->follow_up_of ? json_integer(res->follow_up_of) : json_null(),
                     "duplicate", res->duplicate, "customer_created", res->customer_created,
                     "thread", CS_NAME_OF(rule_names, res->thread_rule), "receipt_id",
                     res->receipt_id ? json_integer(res->receipt_id) : json_null(),
                     "promised_at", cs_json__time(res->promised_at), "receipt",
                     res->receipt ? json_string(res->receipt) : json_null());
}

static int m_ingest(cs_db *db, struct req *r, json_t **out)
{
    cs_inbound in = CS_INBOUND_INIT;
    cs_ingest_result *res = NULL;
    int rc;

    if ((rc = req_id(r, "channel_id", &in.channel_id, true)) < 0 ||
        (rc = req_str(r, "external_id", &in.external_id, false)) < 0 ||
        (rc = req_str(r, "sender", &in.sender, true)) < 0 ||
        (rc = req_str(r, "sender_name", &in.sender_name, false)) < 0 ||
        (rc = req_str(r, "locale", &in.locale, false)) < 0 ||
        (rc = req_str(r, "subject", &in.subject, false)) < 0 ||
        (rc = req_str(r, "body", &in.body, true)) < 0 ||
        (rc = req_id(r, "ticket_id", &in.ticket_id, false)) < 0 ||
        (rc = req_str(r, "in_reply_to", &in.in_reply_to, false)) < 0 ||
        (rc = req_str(r, "references", &in.references, false)) < 0 ||
        (rc = req_str(r, "reply_to", &in.reply_to, false)) < 0 ||
        (rc = req_str(r, "conversation", &in.conversation, false)) < 0 ||
        (rc = req_done(r)) < 0 || (rc = cs_ingest(&res, db, &in)) < 0)
        return rc;
    *out = ingest_json(res);
    cs_ingest_result_free(res);
    return *out ? CS_OK : cs_error__nomem();
}

/* The raw mail of ingest.mail: "raw" as a string (mail that is UTF-8 text), or
 * "raw_base64" (any bytes). *bytes is libcs memory, or NULL when raw points into the
 * request. */
static int req_raw(struct req *r, const char **raw, size_t *size, uint8_t **bytes)
{
    json_t *text = get(r, "raw"), *b64 = get(r, "raw_base64");
    struct base64_decode_ctx ctx;
    const char *src;
    size_t len;

    *raw = NULL;
    *size = 0;
    *bytes = NULL;
    if ((text && !json_is_null(text)) == (b64 && !json_is_null(b64)))
        return cs_error__inval("raw", "give the mail as raw or as raw_base64, once");
    if (text && !json_is_null(text)) {
        if (!json_is_string(text))
            return type_error("raw", "a string");
        *raw = json_string_value(text);
        *size = json_string_length(text);
        return CS_OK;
    }
    if (!json_is_string(b64))
        return type_error("raw_base64", "a string");
    src = json_string_value(b64);
    len = json_string_length(b64);
    if (!(*bytes = cs_mem__alloc(BASE64_DECODE_LENGTH(len) + 1)))
        return cs_error__nomem();
    base64_decode_init(&ctx);
    if (!base64_decode_update(&ctx, size, *bytes, len, src) || !base64_decode_final(&ctx)) {
        cs_mem__free(*bytes);
        *bytes = NULL;
        return cs_error__inval("raw_base64", "raw_base64 is not base64");
    }
    *raw = (const char *)*bytes;
    return CS_OK;
}

static int m_ingest_mail(cs_db *db, struct req *r, json_t **out)
{
    cs_ingest_result *res = NULL;
    int64_t channel = 0;
    const char *raw = NULL;
    uint8_t *bytes = NULL;
    size_t size = 0;
    int rc;

    if ((rc = req_id(r, "channel_id", &channel, true)) < 0 ||
        (rc = req_raw(r, &raw, &size, &bytes)) < 0)
        return rc;
    if ((rc = req_done(r)) == CS_OK &&
        (rc = cs_ingest_mail(&res, db, channel, raw, size, NULL)) == CS_OK) {
        if ((*out = ingest_json(res)) &&
            (json_object_set_new(*out, "mail_kind",
                                 json_string(cs_mail_kind_name(res->mail_kind))) ||
             json_object_set_new(*out, "bounced_item_id", cs_json__id(res->bounced_item_id)))) {
            json_decref(*out);
            *out = NULL;
        }
        rc = *out ? CS_OK : cs_error__nomem();
    }
    cs_ingest_result_free(res);
    cs_mem__free(bytes);
    return rc;
}

static json_t *item_json(const cs_outbox_item *it)
{
    return json_pack("{s:I, s:I, s:o, s:I, s:s, s:I, s:o, s:s, s:s, s:o, s:s, s:o, s:o, s:o,"
                     " s:i}",
                     "id", (json_int_t)it->id, "lease", (json_int_t)it->lease, "lease_until",
                     cs_json__time(it->lease_until), "channel_id", (json_int_t)it->channel_id,
                     "channel_kind", cs_channel_kind_name(it->channel_kind), "ticket_id",
                     (json_int_t)it->ticket_id, "message_id",
                     it->message_id ? json_integer(it->message_id) : json_null(), "kind",
                     it->kind, "recipient", it->recipient, "subject", cs_json__text(it->subject),
                     "body", it->body, "message_id_header", cs_json__text(it->message_id_header),
                     "in_reply_to", cs_json__text(it->in_reply_to), "references",
                     cs_json__text(it->references), "attempts", it->attempts);
}

static int m_outbox_claim(cs_db *db, struct req *r, json_t **out)
{
    int64_t channel = 0, max = 10, lease = 60;
    int kind = 0, rc;
    cs_outbox_batch *b = NULL;
    json_t *arr;

    if ((rc = req_enum(r, "channel_kind", cs_channel_kind_parse, &kind, false)) < 0 ||
        (rc = req_id(r, "channel_id", &channel, false)) < 0 ||
        (rc = req_int(r, "max", &max, false)) < 0 ||
        (rc = req_int(r, "lease_seconds", &lease, false)) < 0 || (rc = req_done(r)) < 0)
        return rc;
    if (max < 1 || lease < 1 || lease > 86400)
        return cs_error__inval(max < 1 ? "max" : "lease_seconds", "%s is out of range",
                               max < 1 ? "max" : "lease_seconds");
    if ((rc = cs_outbox_claim(&b, db, kind, channel, (size_t)max, (int)lease)) < 0)
        return rc;
    if ((arr = json_array()))
        for (size_t i = 0; i < cs_outbox_batch_count(b); i++)
            json_array_append_new(arr, item_json(cs_outbox_batch_item(b, i)));
    cs_outbox_batch_free(b);
    *out = arr ? json_pack("{s:o}", "items", arr) : NULL;
    return *out ? CS_OK : cs_error__nomem();
}

static int m_outbox_ack(cs_db *db, struct req *r, json_t **out)
{
    int64_t id = 0, lease = 0;
    const char *external;
    int rc;

    if ((rc = req_id(r, "id", &id, true)) < 0 || (rc = req_int(r, "lease", &lease, true)) < 0 ||
        (rc = req_str(r, "external_id", &external, false)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_outbox_ack(db, id, lease, external)) < 0)
        return rc;
    return ok_object(out);
}

static int m_outbox_fail(cs_db *db, struct req *r, json_t **out)
{
    int64_t id = 0, lease = 0;
    cs_time retry = 0;
    const char *error;
    int rc;

    if ((rc = req_id(r, "id", &id, true)) < 0 || (rc = req_int(r, "lease", &lease, true)) < 0 ||
        (rc = req_str(r, "error", &error, false)) < 0 ||
        (rc = req_time(r, "retry_at", &retry, false)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_outbox_fail(db, id, lease, error, retry)) < 0)
        return rc;
    return ok_object(out);
}

static int m_outbox_mime(cs_db *db, struct req *r, json_t **out)
{
    char *mime = NULL;
    int64_t id = 0;
    int rc;

    if ((rc = req_id(r, "id", &id, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_outbox_item_mime(&mime, NULL, db, id)) < 0)
        return rc;
    *out = json_pack("{s:s}", "mime", mime);
    cs_str_free(mime);
    return *out ? CS_OK : cs_error__nomem();
}

static int parse_state(const char *s)
{
    static const cs_name states[] = {{CS_OUTBOX_QUEUED, "queued"},
                                     {CS_OUTBOX_LEASED, "leased"},
                                     {CS_OUTBOX_SENT, "sent"},
                                     {CS_OUTBOX_DEAD, "dead"},
                                     {CS_OUTBOX_CANCELLED, "cancelled"}};
    return CS_NAME_PARSE(states, s);
}

static int m_outbox_list(cs_db *db, struct req *r, json_t **out)
{
    int64_t limit = LIST_DEFAULT;
    int state = 0, rc;
    json_t *arr = NULL;
    char *text = NULL;

    if ((rc = req_enum(r, "state", parse_state, &state, false)) < 0 ||
        (rc = req_int(r, "limit", &limit, false)) < 0 || (rc = req_done(r)) < 0)
        return rc;
    if (limit < 1 || limit > LIST_MAX)
        return cs_error__inval("limit", "limit must be between 1 and %d", LIST_MAX);
    if ((rc = adopt(&arr, &text, cs_outbox_list_json(&text, db, state, (size_t)limit))) < 0)
        return rc;
    *out = json_pack("{s:o}", "items", arr);
    return *out ? CS_OK : cs_error__nomem();
}

static int parse_receipt_mode(const char *s)
{
    static const cs_name modes[] = {{CS_RECEIPT_DEFAULT + 1, "default"},
                                    {CS_RECEIPT_ON + 1, "on"},
                                    {CS_RECEIPT_OFF + 1, "off"}};
    return CS_NAME_PARSE(modes, s);
}

static int m_receipt_configure(cs_db *db, struct req *r, json_t **out)
{
    int64_t channel = 0, target = 86400;
    int mode = 0, rc;

    if ((rc = req_id(r, "channel_id", &channel, true)) < 0 ||
        (rc = req_enum(r, "mode", parse_receipt_mode, &mode, true)) < 0 ||
        (rc = req_int(r, "first_reply_target", &target, false)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_receipt_configure(db, channel, mode - 1, target)) < 0)
        return rc;
    return ok_object(out);
}

static int m_receipt_template(cs_db *db, struct req *r, json_t **out)
{
    const char *language, *text;
    int64_t channel = 0;
    int rc;

    if ((rc = req_id(r, "channel_id", &channel, true)) < 0 ||
        (rc = req_str(r, "language", &language, true)) < 0 ||
        (rc = req_str(r, "template", &text, false)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_receipt_set_template(db, channel, language, text)) < 0)
        return rc;
    return ok_object(out);
}

static int m_report_same_channel(cs_db *db, struct req *r, json_t **out)
{
    cs_time from = 0, to = 0;
    int64_t same = 0, total = 0;
    int rc;

    if ((rc = req_time(r, "from", &from, true)) < 0 || (rc = req_time(r, "to", &to, true)) < 0 ||
        (rc = req_done(r)) < 0 || (rc = cs_reply_channel_stats(db, from, to, &same, &total)) < 0)
        return rc;
    *out = json_pack("{s:I, s:I, s:o}", "same_channel", (json_int_t)same, "replies",
                     (json_int_t)total,
                     "share", total ? json_real((double)same / (double)total) : json_null());
    return *out ? CS_OK : cs_error__nomem();
}

/* the audit trail ------------------------------------------------------------------ */

static json_t *audit_entry_json(const cs_audit_entry *e)
{
    static const char *actors[] = {"system", "agent", "customer"};
    char buf[32];
    return json_pack("{s:I, s:s, s:{s:s, s:o}, s:s, s:I, s:s, s:o, s:o, s:o}", "id",
                     (json_int_t)e->id, "at", cs_time__iso(buf, e->at), "actor", "kind",
                     actors[e->actor_kind], "id",
                     e->actor_id ? json_integer(e->actor_id) : json_null(), "object", e->object,
                     "object_id", (json_int_t)e->object_id, "action", e->action, "field",
                     cs_json__text(e->field), "old", cs_json__text(e->old_value), "new",
                     cs_json__text(e->new_value));
}

static int m_audit_list(cs_db *db, struct req *r, json_t **out)
{
    int64_t ticket = 0, customer = 0, object_id = 0;
    const char *object;
    const cs_audit_entry *e;
    cs_audit_iter *it = NULL;
    json_t *arr;
    int rc;

    if ((rc = req_id(r, "ticket_id", &ticket, false)) < 0 ||
        (rc = req_id(r, "customer_id", &customer, false)) < 0 ||
        (rc = req_str(r, "object", &object, false)) < 0 ||
        (rc = req_id(r, "object_id", &object_id, false)) < 0 || (rc = req_done(r)) < 0)
        return rc;
    if ((ticket != 0) + (customer != 0) + (object != NULL) != 1)
        return cs_error__inval("ticket_id", "give one of ticket_id, customer_id, or object "
                                            "with object_id");
    rc = ticket     ? cs_audit_iter_new(&it, db, CS_AUDIT_TICKET, ticket, NULL)
         : customer ? cs_audit_iter_new(&it, db, CS_AUDIT_CUSTOMER, customer, NULL)
                    : cs_audit_iter_new(&it, db, CS_AUDIT_OBJECT, object_id, object);
    if (rc < 0)
        return rc;
    if (!(arr = json_array())) {
        cs_audit_iter_free(it);
        return cs_error__nomem();
    }
    while ((rc = cs_audit_next(&e, it)) == CS_OK)
        json_array_append_new(arr, audit_entry_json(e));
    cs_audit_iter_free(it);
    if (rc != CS_ITEROVER) {
        json_decref(arr);
        return rc;
    }
    *out = json_pack("{s:o}", "entries", arr);
    return *out ? CS_OK : cs_error__nomem();
}

/* calendars (given inline until SLA policies store them) -------------------------- */

/* The calendar of a request: inline as "calendar", or stored as "calendar_id". */
static int req_calendar(struct req *r, cs_db *db, cs_calendar **cal)
{
    json_t *v = get(r, "calendar");
    int64_t id = 0;
    char *text;
    int rc;

    *cal = NULL;
    if ((rc = req_id(r, "calendar_id", &id, false)) < 0)
        return rc;
    if (id && v)
        return cs_error__inval("calendar", "give calendar or calendar_id, not both");
    if (id)
        return cs_calendar_load(cal, db, id);
    if (!v)
        return missing("calendar");
    if (!json_is_object(v))
        return type_error("calendar", "an object");
    if (!(text = json_dumps(v, JSON_COMPACT)))
        return cs_error__nomem();
    rc = cs_calendar_from_json(cal, text);
    free(text);
    if (rc < 0 && strncmp(cs_error_last()->field, "calendar", 8) != 0) {
        char field[CS_ERROR_FIELD_MAX];
        snprintf(field, sizeof(field), "calendar.%s", cs_error_last()->field);
        cs_error__refield(field);
    }
    return rc;
}

static int m_calendar_add(cs_db *db, struct req *r, json_t **out)
{
    cs_calendar *cal = NULL;
    cs_time t = 0, result;
    int64_t seconds = 0;
    int rc;

    if ((rc = req_calendar(r, db, &cal)) == CS_OK && (rc = req_time(r, "time", &t, true)) == CS_OK &&
        (rc = req_int(r, "seconds", &seconds, true)) == CS_OK && (rc = req_done(r)) == CS_OK &&
        (rc = cs_calendar_add_seconds(&result, cal, t, seconds)) == CS_OK)
        rc = (*out = json_pack("{s:o}", "time", cs_json__time(result))) ? CS_OK : cs_error__nomem();
    cs_calendar_free(cal);
    return rc;
}

static int m_calendar_between(cs_db *db, struct req *r, json_t **out)
{
    cs_calendar *cal = NULL;
    cs_time from = 0, to = 0;
    int64_t seconds;
    int rc;

    if ((rc = req_calendar(r, db, &cal)) == CS_OK && (rc = req_time(r, "from", &from, true)) == CS_OK &&
        (rc = req_time(r, "to", &to, true)) == CS_OK && (rc = req_done(r)) == CS_OK &&
        (rc = cs_calendar_seconds_between(&seconds, cal, from, to)) == CS_OK)
        rc = (*out = json_pack("{s:I}", "seconds", (json_int_t)seconds)) ? CS_OK
                                                                        : cs_error__nomem();
    cs_calendar_free(cal);
    return rc;
}

static int m_calendar_is_open(cs_db *db, struct req *r, json_t **out)
{
    cs_calendar *cal = NULL;
    cs_time t = 0, next = 0;
    int open = 0, rc;

    if ((rc = req_calendar(r, db, &cal)) == CS_OK && (rc = req_time(r, "time", &t, true)) == CS_OK &&
        (rc = req_done(r)) == CS_OK && (rc = cs_calendar_is_open(&open, cal, t)) == CS_OK &&
        (rc = cs_calendar_next_opening(&next, cal, t)) == CS_OK)
        rc = (*out = json_pack("{s:b, s:o}", "open", open, "next_opening", cs_json__time(next)))
                 ? CS_OK
                 : cs_error__nomem();
    cs_calendar_free(cal);
    return rc;
}

static int m_calendar_store(cs_db *db, struct req *r, json_t **out)
{
    cs_calendar *cal = NULL;
    const char *name;
    int64_t id;
    int rc;

    if ((rc = req_str(r, "name", &name, true)) == CS_OK &&
        (rc = req_calendar(r, db, &cal)) == CS_OK && (rc = req_done(r)) == CS_OK &&
        (rc = cs_calendar_store(&id, db, name, cal)) == CS_OK)
        rc = with_id(out, "id", id);
    else if (rc == CS_EINVAL && !strcmp(cs_error_last()->field, "cal"))
        cs_error__refield("calendar"); /* the request's name for it */
    cs_calendar_free(cal);
    return rc;
}

static int m_calendar_get(cs_db *db, struct req *r, json_t **out)
{
    cs_calendar *cal = NULL;
    char *text = NULL;
    int rc;

    if ((rc = req_calendar(r, db, &cal)) == CS_OK && (rc = req_done(r)) == CS_OK)
        rc = adopt(out, &text, cs_calendar_to_json(&text, cal));
    cs_calendar_free(cal);
    return rc;
}

/* SLA policies ---------------------------------------------------------------------- */

/* A condition's value: an enum name, an organisation id, a tag, or a boolean. */
static int condition_value(cs_sla_condition *c, json_t *value, const char *field)
{
    const char *s = json_string_value(value);

    switch (c->kind) {
    case CS_SLA_COND_TAG:
        c->text = s;
        return s ? CS_OK : type_error(field, "a tag");
    case CS_SLA_COND_PUBLIC_CHANNEL:
        c->value = json_is_true(value);
        return json_is_boolean(value) ? CS_OK : type_error(field, "true or false");
    case CS_SLA_COND_ORGANIZATION:
        c->value = json_integer_value(value);
        return json_is_integer(value) ? CS_OK : type_error(field, "an organisation id");
    default:
        c->value = c->kind == CS_SLA_COND_CHANNEL_KIND ? cs_channel_kind_parse(s)
                   : c->kind == CS_SLA_COND_PRIORITY   ? cs_ticket_priority_parse(s)
                                                       : cs_ticket_type_parse(s);
        return c->value ? CS_OK : cs_error__inval(field, "%s is not a known %s", field,
                                                   cs_sla_condition_kind_name(c->kind));
    }
}

static int policy_conditions(json_t *arr, cs_sla_condition *conds, size_t *n)
{
    char field[CS_ERROR_FIELD_MAX];
    json_t *item;
    size_t i;
    int rc;

    json_array_foreach(arr, i, item)
    {
        snprintf(field, sizeof(field), "conditions[%zu]", i);
        if (i >= CS_SLA_CONDITIONS_MAX || !json_is_object(item) || json_object_size(item) != 2)
            return type_error(field, "an object with \"kind\" and \"value\"");
        conds[i].kind = cs_sla_condition_kind_parse(
            json_string_value(json_object_get(item, "kind")));
        if (!conds[i].kind)
            return cs_error__inval(field, "%s has an unknown kind", field);
        snprintf(field, sizeof(field), "conditions[%zu].value", i);
        if ((rc = condition_value(&conds[i], json_object_get(item, "value"), field)) < 0)
            return rc;
        (*n)++;
    }
    return CS_OK;
}

static int policy_targets(json_t *arr, cs_sla_target *targets, size_t *n)
{
    char field[CS_ERROR_FIELD_MAX];
    json_t *item, *v;
    size_t i;

    json_array_foreach(arr, i, item)
    {
        cs_sla_target *t = &targets[i];
        const char *priority;
        snprintf(field, sizeof(field), "targets[%zu]", i);
        if (i >= CS_SLA_TARGETS_MAX || !json_is_object(item))
            return type_error(field, "an object");
        t->metric = cs_sla_metric_parse(json_string_value(json_object_get(item, "metric")));
        priority = json_string_value(json_object_get(item, "priority"));
        t->priority = priority && strcmp(priority, "any") ? cs_ticket_priority_parse(priority)
                                                          : 0;
        v = json_object_get(item, "seconds");
        t->seconds = json_integer_value(v);
        t->business = json_is_true(json_object_get(item, "business"));
        t->calendar_id = json_integer_value(json_object_get(item, "calendar_id"));
        if (!t->metric || (priority && strcmp(priority, "any") && !t->priority) ||
            !json_is_integer(v))
            return type_error(field, "{\"metric\", \"seconds\", optional \"priority\", "
                                     "\"business\", \"calendar_id\"} with known names");
        (*n)++;
    }
    return CS_OK;
}

static int policy_fields(struct req *r, cs_sla_policy_fields *f, cs_sla_condition *conds,
                         cs_sla_target *targets, bool create)
{
    json_t *c = get(r, "conditions"), *t = get(r, "targets");
    const char *reopen = NULL;
    int64_t position = CS_UNSET, warn = CS_UNSET;
    int rc;

    if ((rc = req_str(r, "name", &f->name, create)) < 0 ||
        (rc = req_int(r, "position", &position, false)) < 0 ||
        (rc = req_bool(r, "pause_pending", &f->pause_pending)) < 0 ||
        (rc = req_bool(r, "pause_on_hold", &f->pause_on_hold)) < 0 ||
        (rc = req_str(r, "reopen", &reopen, false)) < 0 ||
        (rc = req_int(r, "warn_percent", &warn, false)) < 0)
        return rc;
    if ((c && !json_is_array(c)) || (t && !json_is_array(t)))
        return type_error(c && !json_is_array(c) ? "conditions" : "targets", "an array");
    if (c && (rc = policy_conditions(c, conds, &f->nconditions)) < 0)
        return rc;
    if (t && (rc = policy_targets(t, targets, &f->ntargets)) < 0)
        return rc;
    f->conditions = c ? conds : NULL;
    f->targets = t ? targets : NULL;
    if (reopen && strcmp(reopen, "resume") && strcmp(reopen, "restart"))
        return cs_error__inval("reopen", "reopen must be \"resume\" or \"restart\"");
    f->reopen = !reopen ? 0 : !strcmp(reopen, "restart") ? CS_SLA_REOPEN_RESTART
                                                          : CS_SLA_REOPEN_RESUME;
    if (position < CS_UNSET || position > 1000000 || warn < CS_UNSET || warn > 100)
        return cs_error__inval(position < CS_UNSET || position > 1000000 ? "position"
                                                                         : "warn_percent",
                               "out of range");
    f->position = (int)position;
    f->warn_percent = (int)warn;
    return CS_OK;
}

static int policy_json(json_t **out, cs_db *db, int64_t id)
{
    cs_sla_policy *p = NULL;
    char *text = NULL;
    int rc = cs_sla_policy_lookup(&p, db, id);

    if (rc == CS_OK)
        rc = cs_sla_policy_to_json(&text, p);
    cs_sla_policy_free(p);
    return adopt(out, &text, rc);
}

static int m_sla_policy_create(cs_db *db, struct req *r, json_t **out)
{
    cs_sla_policy_fields f = CS_SLA_POLICY_FIELDS_INIT;
    cs_sla_condition conds[CS_SLA_CONDITIONS_MAX];
    cs_sla_target targets[CS_SLA_TARGETS_MAX];
    int64_t id;
    int rc;

    if ((rc = policy_fields(r, &f, conds, targets, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_sla_policy_create(&id, db, &f)) < 0)
        return rc;
    return policy_json(out, db, id);
}

static int m_sla_policy_update(cs_db *db, struct req *r, json_t **out)
{
    cs_sla_policy_fields f = CS_SLA_POLICY_FIELDS_INIT;
    cs_sla_condition conds[CS_SLA_CONDITIONS_MAX];
    cs_sla_target targets[CS_SLA_TARGETS_MAX];
    int64_t id = 0;
    int rc;

    if ((rc = req_id(r, "id", &id, true)) < 0 ||
        (rc = policy_fields(r, &f, conds, targets, false)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_sla_policy_update(db, id, &f)) < 0)
        return rc;
    return policy_json(out, db, id);
}

static int m_sla_policy_get(cs_db *db, struct req *r, json_t **out)
{
    int64_t id = 0;
    int rc;

    if ((rc = req_id(r, "id", &id, true)) < 0 || (rc = req_done(r)) < 0)
        return rc;
    return policy_json(out, db, id);
}

static int m_sla_policy_delete(cs_db *db, struct req *r, json_t **out)
{
    int64_t id = 0;
    int rc;

    if ((rc = req_id(r, "id", &id, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_sla_policy_delete(db, id)) < 0)
        return rc;
    return ok_object(out);
}

static int m_sla_policy_list(cs_db *db, struct req *r, json_t **out)
{
    json_t *arr = NULL;
    char *text = NULL;
    int rc;

    if ((rc = req_done(r)) < 0 || (rc = adopt(&arr, &text, cs_sla_policy_list_json(&text, db))) < 0)
        return rc;
    *out = json_pack("{s:o}", "policies", arr);
    return *out ? CS_OK : cs_error__nomem();
}

static int m_sla_status(cs_db *db, struct req *r, json_t **out)
{
    cs_sla_clocks *clocks = NULL;
    char *text = NULL;
    int64_t ticket = 0;
    int rc;

    if ((rc = req_id(r, "ticket_id", &ticket, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_sla_status(&clocks, db, ticket)) < 0)
        return rc;
    rc = cs_sla_clocks_to_json(&text, clocks);
    cs_sla_clocks_free(clocks);
    return adopt(out, &text, rc);
}

static int m_sla_events(cs_db *db, struct req *r, json_t **out)
{
    json_t *arr = NULL;
    char *text = NULL;
    int64_t ticket = 0;
    int rc;

    if ((rc = req_id(r, "ticket_id", &ticket, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = adopt(&arr, &text, cs_sla_events_json(&text, db, ticket))) < 0)
        return rc;
    *out = json_pack("{s:o}", "events", arr);
    return *out ? CS_OK : cs_error__nomem();
}

static int m_sla_queue(cs_db *db, struct req *r, json_t **out)
{
    cs_sla_queue_filter f = CS_SLA_QUEUE_FILTER_INIT;
    cs_sla_queue_iter *it = NULL;
    cs_sla_queue_item item;
    int64_t limit = LIST_DEFAULT;
    json_t *arr;
    int rc;

    if ((rc = req_time(r, "due_after", &f.due_after, false)) < 0 ||
        (rc = req_time(r, "due_until", &f.due_until, false)) < 0 ||
        (rc = req_int(r, "limit", &limit, false)) < 0 || (rc = req_done(r)) < 0)
        return rc;
    if (limit < 1 || limit > LIST_MAX)
        return cs_error__inval("limit", "limit must be between 1 and %d", LIST_MAX);
    if ((rc = cs_sla_queue_iter_new(&it, db, &f)) < 0)
        return rc;
    if (!(arr = json_array())) {
        cs_sla_queue_iter_free(it);
        return cs_error__nomem();
    }
    while ((int64_t)json_array_size(arr) < limit && (rc = cs_sla_queue_next(&item, it)) == CS_OK)
        json_array_append_new(arr, json_pack("{s:I, s:o, s:o}", "ticket_id",
                                             (json_int_t)item.ticket_id, "metric",
                                             item.metric ? json_string(cs_sla_metric_name(
                                                               item.metric))
                                                         : json_null(),
                                             "target_at", cs_json__time(item.target_at)));
    cs_sla_queue_iter_free(it);
    if (rc < 0 && rc != CS_ITEROVER) {
        json_decref(arr);
        return rc;
    }
    *out = json_pack("{s:o}", "items", arr);
    return *out ? CS_OK : cs_error__nomem();
}

static int m_tick(cs_db *db, struct req *r, json_t **out)
{
    cs_tick_result *res = NULL;
    cs_time now = cs_db_now(db); /* when none is given; a given one counts, 0 too */
    char iso[32];
    json_t *items;
    int rc;

    if ((rc = req_time(r, "now", &now, false)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_tick(&res, db, now)) < 0)
        return rc;
    if ((items = json_array()))
        for (size_t i = 0; i < res->n; i++)
            json_array_append_new(
                items, json_pack("{s:I, s:s, s:s, s:o}", "ticket_id",
                                 (json_int_t)res->items[i].ticket_id, "metric",
                                 cs_sla_metric_name(res->items[i].metric), "kind",
                                 cs_sla_event_kind_name(res->items[i].kind), "at",
                                 cs_json__time(res->items[i].at)));
    *out = items ? json_pack("{s:s, s:I, s:I, s:o}", "now", cs_time__iso(iso, res->now), "warned",
                             (json_int_t)res->warned, "breached", (json_int_t)res->breached,
                             "items", items)
                 : NULL;
    cs_tick_result_free(res);
    return *out ? CS_OK : cs_error__nomem();
}

/* routing ------------------------------------------------------------------------- */

static int m_agent_presence(cs_db *db, struct req *r, json_t **out)
{
    int64_t agent = 0;
    int presence = 0, rc;
    char *text = NULL;

    if ((rc = req_id(r, "agent_id", &agent, true)) < 0 ||
        (rc = req_enum(r, "presence", cs_presence_parse, &presence, true)) < 0 ||
        (rc = req_done(r)) < 0 || (rc = cs_route_set_presence(db, agent, presence)) < 0)
        return rc;
    return adopt(out, &text, cs_route_agent_json(&text, db, agent));
}

static int m_agent_capacity(cs_db *db, struct req *r, json_t **out)
{
    int64_t agent = 0, capacity = 0;
    int kind = 0, rc;
    char *text = NULL;

    if ((rc = req_id(r, "agent_id", &agent, true)) < 0 ||
        (rc = req_enum(r, "channel_kind", cs_channel_kind_parse, &kind, true)) < 0 ||
        (rc = req_int(r, "capacity", &capacity, true)) < 0 || (rc = req_done(r)) < 0)
        return rc;
    if (capacity < 0 || capacity > 100000)
        return cs_error__inval("capacity", "capacity must be between 0 and 100000");
    if ((rc = cs_route_set_capacity(db, agent, kind, (int)capacity)) < 0)
        return rc;
    return adopt(out, &text, cs_route_agent_json(&text, db, agent));
}

static int m_agent_routing(cs_db *db, struct req *r, json_t **out)
{
    int64_t agent = 0;
    char *text = NULL;
    int rc;

    if ((rc = req_id(r, "agent_id", &agent, true)) < 0 || (rc = req_done(r)) < 0)
        return rc;
    return adopt(out, &text, cs_route_agent_json(&text, db, agent));
}

static int m_group_routing(cs_db *db, struct req *r, json_t **out)
{
    cs_route_group_fields f = CS_ROUTE_GROUP_FIELDS_INIT;
    int64_t group = 0;
    int rc;

    if ((rc = req_id(r, "group_id", &group, true)) < 0 ||
        (rc = req_enum(r, "strategy", cs_route_strategy_parse, &f.strategy, false)) < 0 ||
        (rc = req_bool(r, "match_language", &f.match_language)) < 0 || (rc = req_done(r)) < 0)
        return rc;
    if ((f.strategy || f.match_language != CS_UNSET) &&
        (rc = cs_route_group_set(db, group, &f)) < 0)
        return rc;
    if ((rc = cs_route_group_get(&f, db, group)) < 0)
        return rc;
    *out = json_pack("{s:I, s:s, s:b}", "group_id", (json_int_t)group, "strategy",
                     cs_route_strategy_name(f.strategy), "match_language", f.match_language);
    return *out ? CS_OK : cs_error__nomem();
}

static int m_ticket_assign(cs_db *db, struct req *r, json_t **out)
{
    int64_t ticket = 0, agent = 0;
    int rc;

    if ((rc = req_id(r, "ticket_id", &ticket, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_route_assign(&agent, db, ticket)) < 0)
        return rc;
    *out = json_pack("{s:o}", "agent_id", cs_json__id(agent));
    return *out ? CS_OK : cs_error__nomem();
}

static int m_ticket_next(cs_db *db, struct req *r, json_t **out)
{
    int64_t agent = 0, ticket = 0;
    int rc;

    if ((rc = req_id(r, "agent_id", &agent, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_route_next(&ticket, db, agent)) < 0)
        return rc;
    if (ticket)
        return written_ticket_json(out, db, ticket);
    *out = json_pack("{s:n}", "id");
    return *out ? CS_OK : cs_error__nomem();
}

static int m_callback_create(cs_db *db, struct req *r, json_t **out)
{
    cs_callback_fields f = CS_CALLBACK_FIELDS_INIT;
    int64_t ticket;
    int rc;

    if ((rc = req_id(r, "customer_id", &f.customer_id, true)) < 0 ||
        (rc = req_id(r, "channel_id", &f.channel_id, false)) < 0 ||
        (rc = req_id(r, "group_id", &f.group_id, false)) < 0 ||
        (rc = req_str(r, "subject", &f.subject, false)) < 0 ||
        (rc = req_time(r, "window_from", &f.window_from, true)) < 0 ||
        (rc = req_time(r, "window_to", &f.window_to, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_route_callback_create(&ticket, db, &f)) < 0)
        return rc;
    return written_ticket_json(out, db, ticket);
}

static int m_route_wait(cs_db *db, struct req *r, json_t **out)
{
    int64_t group = 0, seconds = 0;
    int kind = 0, rc;

    if ((rc = req_id(r, "group_id", &group, true)) < 0 ||
        (rc = req_enum(r, "channel_kind", cs_channel_kind_parse, &kind, true)) < 0 ||
        (rc = req_done(r)) < 0 || (rc = cs_route_estimated_wait(&seconds, db, group, kind)) < 0)
        return rc;
    *out = json_pack("{s:o}", "seconds", seconds < 0 ? json_null() : json_integer(seconds));
    return *out ? CS_OK : cs_error__nomem();
}

static int m_route_report(cs_db *db, struct req *r, json_t **out)
{
    cs_route_report rep = CS_ROUTE_REPORT_INIT;
    cs_time from = 0, to = 0;
    int rc;

    if ((rc = req_time(r, "from", &from, true)) < 0 || (rc = req_time(r, "to", &to, true)) < 0 ||
        (rc = req_done(r)) < 0 || (rc = cs_route_report_get(&rep, db, from, to)) < 0)
        return rc;
    *out = json_pack("{s:I, s:I, s:I, s:I}", "solved", (json_int_t)rep.solved, "first_contact",
                     (json_int_t)rep.first_contact, "transferred", (json_int_t)rep.transferred,
                     "transfers", (json_int_t)rep.transfers);
    return *out ? CS_OK : cs_error__nomem();
}

static int m_route_staffing(cs_db *db, struct req *r, json_t **out)
{
    cs_staffing_hour hours[24];
    int64_t group = 0, answer = 20, percent = 80;
    cs_time from = 0, to = 0;
    double aht = 0;
    json_t *arr;
    int rc;

    if ((rc = req_id(r, "group_id", &group, false)) < 0 ||
        (rc = req_time(r, "from", &from, true)) < 0 || (rc = req_time(r, "to", &to, true)) < 0 ||
        (rc = req_int(r, "answer_seconds", &answer, false)) < 0 ||
        (rc = req_int(r, "percent", &percent, false)) < 0 || (rc = req_done(r)) < 0)
        return rc;
    if (answer < 0 || answer > 86400 || percent < 1 || percent > 99)
        return cs_error__inval(answer < 0 || answer > 86400 ? "answer_seconds" : "percent",
                               "out of range");
    if ((rc = cs_route_staffing(hours, &aht, db, group, from, to, (int)answer, (int)percent)) < 0)
        return rc;
    if (!(arr = json_array()))
        return cs_error__nomem();
    for (int h = 0; h < 24; h++)
        json_array_append_new(arr, json_pack("{s:i, s:f, s:i, s:f}", "hour", hours[h].hour,
                                             "arrivals_per_hour",
                                             round(hours[h].arrivals_per_hour * 100) / 100,
                                             "agents", hours[h].agents, "service_level",
                                             round(hours[h].service_level * 10000) / 10000));
    *out = json_pack("{s:f, s:o}", "aht_seconds", round(aht * 10) / 10, "hours", arr);
    return *out ? CS_OK : cs_error__nomem();
}

/* custom fields ---------------------------------------------------------------------- */

static int m_custom_field_define(cs_db *db, struct req *r, json_t **out)
{
    cs_custom_field f = CS_CUSTOM_FIELD_INIT;
    int rc;

    if ((rc = req_enum(r, "object", cs_custom_object_parse, &f.object, true)) < 0 ||
        (rc = req_str(r, "name", &f.name, true)) < 0 ||
        (rc = req_enum(r, "type", cs_custom_type_parse, &f.type, false)) < 0 ||
        (rc = req_bool(r, "customer_writable", &f.customer_writable)) < 0 ||
        (rc = req_done(r)) < 0 || (rc = cs_custom_field_define(db, &f)) < 0)
        return rc;
    *out = json_pack("{s:s, s:s, s:s, s:b}", "object", cs_custom_object_name(f.object), "name",
                     f.name, "type", cs_custom_type_name(f.type ? f.type : CS_CUSTOM_ANY),
                     "customer_writable", f.customer_writable);
    return *out ? CS_OK : cs_error__nomem();
}

static int m_custom_field_remove(cs_db *db, struct req *r, json_t **out)
{
    const char *name;
    int object = 0, rc;

    if ((rc = req_enum(r, "object", cs_custom_object_parse, &object, true)) < 0 ||
        (rc = req_str(r, "name", &name, true)) < 0 || (rc = req_done(r)) < 0 ||
        (rc = cs_custom_field_remove(db, object, name)) < 0)
        return rc;
    return ok_object(out);
}

static int m_custom_field_list(cs_db *db, struct req *r, json_t **out)
{
    json_t *arr = NULL;
    char *text = NULL;
    int object = 0, rc;

    if ((rc = req_enum(r, "object", cs_custom_object_parse, &object, false)) < 0 ||
        (rc = req_done(r)) < 0 ||
        (rc = adopt(&arr, &text, cs_custom_field_list_json(&text, db, object))) < 0)
        return rc;
    *out = json_pack("{s:o}", "fields", arr);
    return *out ? CS_OK : cs_error__nomem();
}

/* The dispatcher table. docs/api.md documents every entry, docs/security.md lists the
 * capability each needs (the typed function it calls checks the same one); tests check
 * both, and call every entry as every role.
 *
 * ATOMIC: the method writes and then reads what it wrote back; both run in one atomic
 * section, so a failure of the read undoes the write instead of reporting an error for a
 * change that stays. */
#define ATOMIC 1u

static const struct method {
    const char *name;
    handler_fn fn;
    cs_cap cap;
    unsigned flags;
} methods[] = {
    {"version", m_version, CS_CAP_PUBLIC, 0},
    {"actor.set", m_actor_set, CS_CAP_ACTOR_SET, 0},
    {"setting.get", m_setting_get, CS_CAP_SETTINGS_READ, 0},
    {"setting.set", m_setting_set, CS_CAP_CONFIG_WRITE, 0},
    {"organization.create", m_organization_create, CS_CAP_CUSTOMER_WRITE, 0},
    {"customer.create", m_customer_create, CS_CAP_CUSTOMER_WRITE, ATOMIC},
    {"customer.get", m_customer_get, CS_CAP_CUSTOMER_READ, 0},
    {"customer.find", m_customer_find, CS_CAP_CUSTOMER_READ, 0},
    {"customer.update", m_customer_update, CS_CAP_CUSTOMER_WRITE, ATOMIC},
    {"customer.list", m_customer_list, CS_CAP_CUSTOMER_LIST, 0},
    {"customer.add_identity", m_customer_add_identity, CS_CAP_CUSTOMER_WRITE, ATOMIC},
    {"customer.remove_identity", m_customer_remove_identity, CS_CAP_CUSTOMER_WRITE, ATOMIC},
    {"customer.merge", m_customer_merge, CS_CAP_CUSTOMER_WRITE, 0},
    {"customer.unmerge", m_customer_unmerge, CS_CAP_CUSTOMER_WRITE, 0},
    {"customer.export", m_customer_export, CS_CAP_CUSTOMER_EXPORT, 0},
    {"customer.erase", m_customer_erase, CS_CAP_CUSTOMER_ERASE, 0},
    {"channel.create", m_channel_create, CS_CAP_CONFIG_WRITE, ATOMIC},
    {"channel.get", m_channel_get, CS_CAP_CONFIG_READ, 0},
    {"channel.update", m_channel_update, CS_CAP_CONFIG_WRITE, ATOMIC},
    {"channel.list", m_channel_list, CS_CAP_CONFIG_READ, 0},
    {"agent.create", m_agent_create, CS_CAP_CONFIG_WRITE, ATOMIC},
    {"agent.get", m_agent_get, CS_CAP_CONFIG_READ, 0},
    {"agent.update", m_agent_update, CS_CAP_CONFIG_WRITE, ATOMIC},
    {"group.create", m_group_create, CS_CAP_CONFIG_WRITE, 0},
    {"group.add_agent", m_group_add_agent, CS_CAP_CONFIG_WRITE, 0},
    {"group.remove_agent", m_group_remove_agent, CS_CAP_CONFIG_WRITE, 0},
    {"custom_field.define", m_custom_field_define, CS_CAP_CONFIG_WRITE, 0},
    {"custom_field.remove", m_custom_field_remove, CS_CAP_CONFIG_WRITE, 0},
    {"custom_field.list", m_custom_field_list, CS_CAP_CONFIG_READ, 0},
    {"ticket.create", m_ticket_create, CS_CAP_TICKET_CREATE, ATOMIC},
    {"ticket.get", m_ticket_get, CS_CAP_TICKET_READ, 0},
    {"ticket.update", m_ticket_update, CS_CAP_TICKET_WRITE, ATOMIC},
    {"ticket.list", m_ticket_list, CS_CAP_TICKET_READ, 0},
    {"ticket.merge", m_ticket_merge, CS_CAP_TICKET_WRITE, ATOMIC},
    {"ticket.reply", m_ticket_reply, CS_CAP_TICKET_WRITE, 0},
    {"message.create", m_message_create, CS_CAP_MESSAGE_WRITE, ATOMIC},
    {"message.list", m_message_list, CS_CAP_TICKET_READ, 0},
    {"ingest", m_ingest, CS_CAP_INGEST, 0},
    {"ingest.mail", m_ingest_mail, CS_CAP_INGEST, 0},
    {"outbox.claim", m_outbox_claim, CS_CAP_OUTBOX, 0},
    {"outbox.ack", m_outbox_ack, CS_CAP_OUTBOX, 0},
    {"outbox.fail", m_outbox_fail, CS_CAP_OUTBOX, 0},
    {"outbox.list", m_outbox_list, CS_CAP_OUTBOX, 0},
    {"outbox.mime", m_outbox_mime, CS_CAP_OUTBOX, 0},
    {"receipt.configure", m_receipt_configure, CS_CAP_CONFIG_WRITE, 0},
    {"receipt.template", m_receipt_template, CS_CAP_CONFIG_WRITE, 0},
    {"report.same_channel", m_report_same_channel, CS_CAP_REPORT_READ, 0},
    {"audit.list", m_audit_list, CS_CAP_AUDIT_READ, 0},
    {"calendar.store", m_calendar_store, CS_CAP_CONFIG_WRITE, 0},
    {"calendar.get", m_calendar_get, CS_CAP_CONFIG_READ, 0},
    {"calendar.add", m_calendar_add, CS_CAP_CONFIG_READ, 0},
    {"calendar.between", m_calendar_between, CS_CAP_CONFIG_READ, 0},
    {"calendar.is_open", m_calendar_is_open, CS_CAP_CONFIG_READ, 0},
    {"sla.policy.create", m_sla_policy_create, CS_CAP_CONFIG_WRITE, ATOMIC},
    {"sla.policy.get", m_sla_policy_get, CS_CAP_CONFIG_READ, 0},
    {"sla.policy.update", m_sla_policy_update, CS_CAP_CONFIG_WRITE, ATOMIC},
    {"sla.policy.delete", m_sla_policy_delete, CS_CAP_CONFIG_WRITE, 0},
    {"sla.policy.list", m_sla_policy_list, CS_CAP_CONFIG_READ, 0},
    {"sla.status", m_sla_status, CS_CAP_TICKET_READ, 0},
    {"sla.events", m_sla_events, CS_CAP_TICKET_READ, 0},
    {"sla.queue", m_sla_queue, CS_CAP_REPORT_READ, 0},
    {"tick", m_tick, CS_CAP_TICK, 0},
    {"agent.presence", m_agent_presence, CS_CAP_PRESENCE_WRITE, ATOMIC},
    {"agent.capacity", m_agent_capacity, CS_CAP_CONFIG_WRITE, ATOMIC},
    {"agent.routing", m_agent_routing, CS_CAP_CONFIG_READ, 0},
    {"group.routing", m_group_routing, CS_CAP_CONFIG_WRITE, ATOMIC},
    {"ticket.assign", m_ticket_assign, CS_CAP_TICKET_WRITE, 0},
    {"ticket.next", m_ticket_next, CS_CAP_TICKET_TAKE, ATOMIC},
    {"callback.create", m_callback_create, CS_CAP_TICKET_CREATE, ATOMIC},
    {"route.estimated_wait", m_route_wait, CS_CAP_REPORT_READ, 0},
    {"route.report", m_route_report, CS_CAP_REPORT_READ, 0},
    {"route.staffing", m_route_staffing, CS_CAP_REPORT_READ, 0},
};

const char *cs_call_method(size_t i)
{
    return i < CS_ARRAY_SIZE(methods) ? methods[i].name : NULL;
}

cs_cap cs_call__method_cap(size_t i)
{
    return i < CS_ARRAY_SIZE(methods) ? methods[i].cap : CS_CAP__COUNT;
}

/* Run a handler; an ATOMIC one inside an atomic section of its own. */
static int run(const struct method *m, cs_db *db, struct req *r, json_t **out)
{
    int rc;

    if (!(m->flags & ATOMIC))
        return m->fn(db, r, out);
    if ((rc = cs_db__begin(db)) < 0)
        return rc;
    if ((rc = cs_db__end(db, m->fn(db, r, out))) < 0) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
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
    cs_json__dump(&text, json_pack("{s:{s:s, s:s, s:s}}", "error", "code",
                                   cs_status_name(e->code), "message",
                                   utf8_text(message, sizeof(message), e->message), "field",
                                   utf8_text(field, sizeof(field), e->field)));
    return text;
}

static int dispatch(json_t **out, cs_db *db, const char *method, const char *request_json)
{
    struct req r;
    json_error_t err;
    int rc = cs_error__inval("method", "unknown method \"%s\"", method);

    memset(&r, 0, sizeof(r));
    for (size_t i = 0; i < CS_ARRAY_SIZE(methods); i++) {
        if (strcmp(methods[i].name, method) != 0)
            continue;
        r.obj = request_json && *request_json ? json_loads(request_json, JSON_REJECT_DUPLICATES,
                                                           &err)
                                              : json_object();
        if (!r.obj)
            return cs_error__inval("request", "the request is not valid JSON: %s at line %d "
                                              "column %d", err.text, err.line, err.column);
        if (!json_is_object(r.obj))
            rc = cs_error__inval("request", "the request must be a JSON object");
        else
            rc = run(&methods[i], db, &r, out);
        json_decref(r.obj);
        break;
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
