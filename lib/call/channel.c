/*
 * libcs - cs_call() methods for channels, and the JSON of channels (cs_channel_to_json(),
 * cs_channel_list_json()) built from the typed API.
 */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "call/call.h"

static int channel_fields(cs_call__req *r, cs_channel_fields *f, bool create)
{
    int rc;

    if ((rc = cs_call__enum(r, "kind", cs_channel_kind_parse, &f->kind, create)) < 0 ||
        (rc = cs_call__str(r, "name", &f->name, create)) < 0 ||
        (rc = cs_call__str(r, "address", &f->address, false)) < 0 ||
        (rc = cs_call__bool(r, "public", &f->is_public)) < 0 ||
        (rc = cs_call__bool(r, "signature", &f->signature)) < 0 ||
        (rc = cs_call__ref(r, "default_group_id", &f->default_group_id)) < 0 ||
        (rc = cs_call__bool(r, "enabled", &f->enabled)) < 0 ||
        (rc = cs_call__str(r, "locale", &f->locale, false)) < 0 ||
        (rc = cs_call__str(r, "timezone", &f->timezone, false)) < 0)
        return rc;
    if (json_is_null(json_object_get(r->obj, "address")))
        f->address = "";
    if (json_is_null(json_object_get(r->obj, "locale")))
        f->locale = "";
    if (json_is_null(json_object_get(r->obj, "timezone")))
        f->timezone = "";
    return CS_OK;
}

/* The channel as its JSON object; a new reference, or NULL when jansson runs out of memory. */
static json_t *channel_value(const cs_channel *ch)
{
    char created[32], updated[32];

    /* One key and its value a line. cs_json__id's null for no group is taken over by "o",
     * which releases it if packing fails. */
    /* clang-format off */
    return json_pack("{s:I, s:s, s:s, s:s?, s:b, s:b, s:o, s:b, s:s?, s:s?, s:s, s:s}",
                     "id", (json_int_t)cs_channel_id(ch),
                     "kind", cs_channel_kind_name(cs_channel_kind(ch)),
                     "name", cs_channel_name(ch),
                     "address", cs_channel_address(ch),
                     "public", cs_channel_is_public(ch),
                     "signature", cs_channel_signature(ch),
                     "default_group_id", cs_json__id(cs_channel_default_group_id(ch)),
                     "enabled", cs_channel_enabled(ch),
                     "locale", cs_channel_locale(ch),
                     "timezone", cs_channel_timezone(ch),
                     "created_at", cs_time__iso(created, cs_channel_created_at(ch)),
                     "updated_at", cs_time__iso(updated, cs_channel_updated_at(ch)));
    /* clang-format on */
}

int cs_channel_to_json(char **out, const cs_channel *ch)
{
    if (out)
        *out = NULL;
    if (!out || !ch)
        return cs_error__inval(out ? "channel" : "out", "%s is NULL", out ? "channel" : "out");
    return cs_json__dump(out, channel_value(ch));
}

/* Every channel as a JSON array, in id order. */
static int list_value(json_t **out, cs_db *db)
{
    cs_channel_list *list = NULL;
    json_t *arr;
    int rc;

    *out = NULL;
    if ((rc = cs_channel_list_get(&list, db)) < 0)
        return rc;
    if (!(arr = json_array()))
        rc = cs_error__nomem();
    for (size_t i = 0; rc == CS_OK && i < cs_channel_list_count(list); i++)
        if (json_array_append_new(arr, channel_value(cs_channel_list_item(list, i))) < 0)
            rc = cs_error__nomem();
    cs_channel_list_free(list);
    if (rc < 0)
        json_decref(arr);
    else
        *out = arr;
    return rc;
}

int cs_channel_list_json(char **out, cs_db *db)
{
    json_t *arr;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = list_value(&arr, db)) < 0)
        return rc;
    return cs_json__dump(out, arr);
}

static int channel_json(json_t **out, cs_db *db, int64_t id)
{
    cs_channel *ch = NULL;
    int rc = cs_channel_lookup(&ch, db, id);

    if (rc == CS_OK && !(*out = channel_value(ch)))
        rc = cs_error__nomem();
    cs_channel_free(ch);
    return rc;
}

static int m_channel_create(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    int64_t id;
    int rc;

    if ((rc = channel_fields(r, &f, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_channel_create(&id, db, &f)) < 0)
        return rc;
    return channel_json(out, db, id);
}

static int m_channel_update(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    int64_t id = 0;
    int rc;

    if ((rc = cs_call__id(r, "id", &id, true)) < 0 || (rc = channel_fields(r, &f, false)) < 0 ||
        (rc = cs_call__done(r)) < 0 || (rc = cs_channel_update(db, id, &f)) < 0)
        return rc;
    return channel_json(out, db, id);
}

static int m_channel_get(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t id = 0;
    int rc;

    if ((rc = cs_call__id(r, "id", &id, true)) < 0 || (rc = cs_call__done(r)) < 0)
        return rc;
    return channel_json(out, db, id);
}

static int m_channel_list(cs_db *db, cs_call__req *r, json_t **out)
{
    json_t *arr = NULL;
    int rc;

    if ((rc = cs_call__done(r)) < 0 || (rc = list_value(&arr, db)) < 0)
        return rc;
    *out = json_pack("{s:o}", "channels", arr);
    return *out ? CS_OK : cs_error__nomem();
}

#define CHANNEL_KINDS "email phone chat webform twitter facebook whatsapp sms api"

/* A channel as channel_value() writes it. */
static const cs_call__field channel_object[] = {
    CS_CALL__F("id", CS_CALL__ID, 0),
    CS_CALL__E("kind", 0, CHANNEL_KINDS),
    CS_CALL__F("name", CS_CALL__STRING, 0),
    CS_CALL__F("address", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("public", CS_CALL__BOOLEAN, 0),
    CS_CALL__F("signature", CS_CALL__BOOLEAN, 0),
    CS_CALL__F("default_group_id", CS_CALL__ID, CS_CALL__NULL),
    CS_CALL__F("enabled", CS_CALL__BOOLEAN, 0),
    CS_CALL__F("locale", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("timezone", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("created_at", CS_CALL__TIME, 0),
    CS_CALL__F("updated_at", CS_CALL__TIME, 0),
    CS_CALL__END,
};
#define CHANNEL_WRITABLE                                                                           \
    CS_CALL__F("address", CS_CALL__STRING, CS_CALL__NULL),                                         \
        CS_CALL__F("public", CS_CALL__BOOLEAN, 0), CS_CALL__F("signature", CS_CALL__BOOLEAN, 0),   \
        CS_CALL__F("default_group_id", CS_CALL__ID, CS_CALL__NULL),                                \
        CS_CALL__F("enabled", CS_CALL__BOOLEAN, 0),                                                \
        CS_CALL__F("locale", CS_CALL__STRING, CS_CALL__NULL),                                      \
        CS_CALL__F("timezone", CS_CALL__STRING, CS_CALL__NULL)
static const cs_call__field create_request[] = {
    CS_CALL__E("kind", CS_CALL__REQ, CHANNEL_KINDS),
    CS_CALL__F("name", CS_CALL__STRING, CS_CALL__REQ),
    CHANNEL_WRITABLE,
    CS_CALL__END,
};
static const cs_call__field update_request[] = {
    CS_CALL__F("id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__E("kind", 0, CHANNEL_KINDS),
    CS_CALL__F("name", CS_CALL__STRING, 0),
    CHANNEL_WRITABLE,
    CS_CALL__END,
};
static const cs_call__field list_response[] = {
    CS_CALL__S("channels", CS_CALL__ARRAY, 0, channel_object),
    CS_CALL__END,
};

const cs_call__method cs_call__channel_methods[] = {
    {"channel.create", m_channel_create, CS_CAP_CONFIG_WRITE, CS_CALL__ATOMIC,
     "Create a channel: where customers write from and replies go out.", create_request,
     channel_object},
    {"channel.get", m_channel_get, CS_CAP_CONFIG_READ, 0, "Read a channel.", cs_call__id_request,
     channel_object},
    {"channel.update", m_channel_update, CS_CAP_CONFIG_WRITE, CS_CALL__ATOMIC,
     "Change a channel's fields; its kind is fixed.", update_request, channel_object},
    {"channel.list", m_channel_list, CS_CAP_CONFIG_READ, 0, "Every channel, in id order.",
     cs_call__no_fields, list_response},
};
const size_t cs_call__channel_count = CS_ARRAY_SIZE(cs_call__channel_methods);
