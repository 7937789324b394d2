/*
 * libcs - cs_call() methods for channels.
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
        (rc = cs_call__bool(r, "enabled", &f->enabled)) < 0)
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
    return cs_call__adopt(out, &text, rc);
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
    char *text = NULL;
    int rc;

    if ((rc = cs_call__done(r)) < 0 || (rc = cs_call__adopt(&arr, &text, cs_channel_list_json(&text, db))) < 0)
        return rc;
    *out = json_pack("{s:o}", "channels", arr);
    return *out ? CS_OK : cs_error__nomem();
}

const cs_call__method cs_call__channel_methods[] = {
    {"channel.create", m_channel_create, CS_CAP_CONFIG_WRITE, CS_CALL__ATOMIC},
    {"channel.get", m_channel_get, CS_CAP_CONFIG_READ, 0},
    {"channel.update", m_channel_update, CS_CAP_CONFIG_WRITE, CS_CALL__ATOMIC},
    {"channel.list", m_channel_list, CS_CAP_CONFIG_READ, 0},
};
const size_t cs_call__channel_count = CS_ARRAY_SIZE(cs_call__channel_methods);
