/*
 * libcs - cs_call() methods for agents and groups.
 */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "call/call.h"

static int agent_fields(cs_call__req *r, cs_agent_fields *f, bool create)
{
    bool skills;
    int rc;

    if ((rc = cs_call__str(r, "name", &f->name, create)) < 0 ||
        (rc = cs_call__str(r, "initials", &f->initials, false)) < 0 ||
        (rc = cs_call__str(r, "email", &f->email, false)) < 0 ||
        (rc = cs_call__str(r, "avatar_url", &f->avatar_url, false)) < 0 ||
        (rc = cs_call__enum(r, "role", cs_agent_role_parse, &f->role, false)) < 0 ||
        (rc = cs_call__bool(r, "active", &f->active)) < 0 ||
        (rc = cs_call__enum(r, "ticket_access", cs_ticket_access_parse, &f->ticket_access, false)) <
            0 ||
        (rc = cs_call__strings(r, "skills", 0, &f->nskills, &skills)) < 0)
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
    return cs_call__adopt(out, &text, rc);
}

static int m_agent_create(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    int64_t id;
    int rc;

    if ((rc = agent_fields(r, &f, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_agent_create(&id, db, &f)) < 0)
        return rc;
    return agent_json(out, db, id);
}

static int m_agent_update(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    int64_t id = 0;
    int rc;

    if ((rc = cs_call__id(r, "id", &id, true)) < 0 || (rc = agent_fields(r, &f, false)) < 0 ||
        (rc = cs_call__done(r)) < 0 || (rc = cs_agent_update(db, id, &f)) < 0)
        return rc;
    return agent_json(out, db, id);
}

static int m_agent_get(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t id = 0;
    int rc;

    if ((rc = cs_call__id(r, "id", &id, true)) < 0 || (rc = cs_call__done(r)) < 0)
        return rc;
    return agent_json(out, db, id);
}

static int m_group_create(cs_db *db, cs_call__req *r, json_t **out)
{
    const char *name;
    int64_t id;
    int rc;

    if ((rc = cs_call__str(r, "name", &name, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_group_create(&id, db, name)) < 0)
        return rc;
    return cs_call__with_id(out, "id", id);
}

static int m_group_member(cs_db *db, cs_call__req *r, json_t **out, bool add)
{
    int64_t group = 0, agent = 0;
    int rc;

    if ((rc = cs_call__id(r, "group_id", &group, true)) < 0 ||
        (rc = cs_call__id(r, "agent_id", &agent, true)) < 0 || (rc = cs_call__done(r)) < 0)
        return rc;
    rc = add ? cs_group_add_agent(db, group, agent) : cs_group_remove_agent(db, group, agent);
    return rc < 0 ? rc : cs_call__ok(out);
}

static int m_group_add_agent(cs_db *db, cs_call__req *r, json_t **out)
{
    return m_group_member(db, r, out, true);
}

static int m_group_remove_agent(cs_db *db, cs_call__req *r, json_t **out)
{
    return m_group_member(db, r, out, false);
}

const cs_call__method cs_call__agent_methods[] = {
    {"agent.create", m_agent_create, CS_CAP_CONFIG_WRITE, CS_CALL__ATOMIC},
    {"agent.get", m_agent_get, CS_CAP_CONFIG_READ, 0},
    {"agent.update", m_agent_update, CS_CAP_CONFIG_WRITE, CS_CALL__ATOMIC},
    {"group.create", m_group_create, CS_CAP_CONFIG_WRITE, 0},
    {"group.add_agent", m_group_add_agent, CS_CAP_CONFIG_WRITE, 0},
    {"group.remove_agent", m_group_remove_agent, CS_CAP_CONFIG_WRITE, 0},
};
const size_t cs_call__agent_count = CS_ARRAY_SIZE(cs_call__agent_methods);
