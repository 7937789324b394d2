/*
 * libcs - cs_call() methods for the library version, the actor and settings.
 */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "call/call.h"

static int m_version(cs_db *db, cs_call__req *r, json_t **out)
{
    int rc = cs_call__done(r);
    if (rc < 0)
        return rc;
    *out = json_pack("{s:s, s:i, s:i}", "version", cs_version(NULL, NULL, NULL), "schema_version",
                     cs_schema_version(), "database_schema_version", cs_db_schema_version(db));
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

const char *cs_call__actor_name(int kind)
{
    return CS_NAME_OF(actor_names, kind + 1);
}

/* Only the system may act as someone else through a request: the host sets its callers'
 * actor with cs_db_set_actor() from its own session, and no request body can raise it. */
static int m_db_set_actor(cs_db *db, cs_call__req *r, json_t **out)
{
    int kind = 0, rc;
    int64_t id = 0;
    cs_actor by;

    if ((rc = cs_perm__require(&by, db, CS_CAP_ACTOR_SET)) < 0 ||
        (rc = cs_call__enum(r, "kind", parse_actor, &kind, true)) < 0 ||
        (rc = cs_call__id(r, "id", &id, kind - 1 != CS_ACTOR_SYSTEM)) < 0 ||
        (rc = cs_call__done(r)) < 0 || (rc = cs_db_set_actor(db, kind - 1, id)) < 0)
        return rc;
    return cs_call__ok(out);
}

static int m_setting_set(cs_db *db, cs_call__req *r, json_t **out)
{
    const char *name;
    int64_t value = 0;
    int rc;

    if ((rc = cs_call__str(r, "name", &name, true)) < 0 ||
        (rc = cs_call__int(r, "value", &value, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_setting_set(db, name, value)) < 0)
        return rc;
    return cs_call__ok(out);
}

static int m_setting_get(cs_db *db, cs_call__req *r, json_t **out)
{
    const char *name;
    int64_t value;
    int rc;

    if ((rc = cs_call__str(r, "name", &name, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_setting_get(&value, db, name)) < 0)
        return rc;
    *out = json_pack("{s:s, s:I}", "name", name, "value", (json_int_t)value);
    return *out ? CS_OK : cs_error__nomem();
}

static const cs_call__field version_response[] = {
    CS_CALL__F("version", CS_CALL__STRING, 0),
    CS_CALL__F("schema_version", CS_CALL__INTEGER, 0),
    CS_CALL__F("database_schema_version", CS_CALL__INTEGER, 0),
    CS_CALL__END,
};
static const cs_call__field set_actor_request[] = {
    CS_CALL__E("kind", CS_CALL__REQ, "system agent customer"),
    CS_CALL__F("id", CS_CALL__ID, 0),
    CS_CALL__END,
};
static const cs_call__field setting_get_request[] = {
    CS_CALL__F("name", CS_CALL__STRING, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field setting_set_request[] = {
    CS_CALL__F("name", CS_CALL__STRING, CS_CALL__REQ),
    CS_CALL__F("value", CS_CALL__INTEGER, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field setting_response[] = {
    CS_CALL__F("name", CS_CALL__STRING, 0),
    CS_CALL__F("value", CS_CALL__INTEGER, 0),
    CS_CALL__END,
};

const cs_call__method cs_call__db_methods[] = {
    {"version", m_version, CS_CAP_PUBLIC, 0,
     "The library's version, the schema version it writes and the database's.", cs_call__no_fields,
     version_response},
    {"db.set_actor", m_db_set_actor, CS_CAP_ACTOR_SET, 0,
     "Act as someone else on this handle (the system only; hosts use cs_db_set_actor()).",
     set_actor_request, cs_call__no_fields},
    {"setting.get", m_setting_get, CS_CAP_SETTINGS_READ, 0, "Read a database-wide setting.",
     setting_get_request, setting_response},
    {"setting.set", m_setting_set, CS_CAP_CONFIG_WRITE, 0, "Change a database-wide setting.",
     setting_set_request, cs_call__no_fields},
};
const size_t cs_call__db_count = CS_ARRAY_SIZE(cs_call__db_methods);
