/*
 * libcs - cs_call() methods for agents and groups, and the JSON of agents
 * (cs_agent_to_json()) built from the typed API.
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

/* The skills and group ids as JSON arrays; NULL when jansson runs out of memory. */
static json_t *skills_value(const cs_agent *a)
{
    json_t *v = json_array();

    for (size_t i = 0; v && i < cs_agent_skill_count(a); i++)
        if (json_array_append_new(v, json_string(cs_agent_skill(a, i))) < 0)
            json_decref(v), v = NULL;
    return v;
}

static json_t *groups_value(const cs_agent *a)
{
    json_t *v = json_array();

    for (size_t i = 0; v && i < cs_agent_group_count(a); i++)
        if (json_array_append_new(v, json_integer(cs_agent_group(a, i))) < 0)
            json_decref(v), v = NULL;
    return v;
}

/* The agent as its JSON object; a new reference, or NULL when jansson runs out of memory. */
static json_t *agent_value(const cs_agent *a)
{
    char created[32], updated[32];

    /* "o" takes over the arrays, and releases them if packing fails. */
    /* One key and its value a line. */
    /* clang-format off */
    return json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s, s:b, s:s, s:o, s:o, s:s, s:s}",
                     "id", (json_int_t)cs_agent_id(a),
                     "name", cs_agent_name(a),
                     "initials", cs_agent_initials(a),
                     "email", cs_agent_email(a),
                     "avatar_url", cs_agent_avatar_url(a),
                     "role", cs_agent_role_name(cs_agent_role(a)),
                     "active", cs_agent_active(a),
                     "ticket_access", cs_ticket_access_name(cs_agent_ticket_access(a)),
                     "skills", skills_value(a),
                     "groups", groups_value(a),
                     "created_at", cs_time__iso(created, cs_agent_created_at(a)),
                     "updated_at", cs_time__iso(updated, cs_agent_updated_at(a)));
    /* clang-format on */
}

int cs_agent_to_json(char **out, const cs_agent *a)
{
    if (out)
        *out = NULL;
    if (!out || !a)
        return cs_error__inval(out ? "agent" : "out", "%s is NULL", out ? "agent" : "out");
    return cs_json__dump(out, agent_value(a));
}

static int agent_json(json_t **out, cs_db *db, int64_t id)
{
    cs_agent *a = NULL;
    int rc = cs_agent_lookup(&a, db, id);

    if (rc == CS_OK && !(*out = agent_value(a)))
        rc = cs_error__nomem();
    cs_agent_free(a);
    return rc;
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

static int m_agent_find(cs_db *db, cs_call__req *r, json_t **out)
{
    const char *email;
    cs_agent *a = NULL;
    int rc;

    if ((rc = cs_call__str(r, "email", &email, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_agent_find(&a, db, email)) < 0)
        return rc;
    if (!(*out = agent_value(a)))
        rc = cs_error__nomem();
    cs_agent_free(a);
    return rc;
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

/* An agent as agent_value() writes it. */
static const cs_call__field agent_object[] = {
    CS_CALL__F("id", CS_CALL__ID, 0),
    CS_CALL__F("name", CS_CALL__STRING, 0),
    CS_CALL__F("initials", CS_CALL__STRING, 0),
    CS_CALL__F("email", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("avatar_url", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__E("role", 0, "admin agent light"),
    CS_CALL__F("active", CS_CALL__BOOLEAN, 0),
    CS_CALL__E("ticket_access", 0, "all groups"),
    CS_CALL__F("skills", CS_CALL__STRINGS, 0),
    CS_CALL__F("groups", CS_CALL__IDS, 0),
    CS_CALL__F("created_at", CS_CALL__TIME, 0),
    CS_CALL__F("updated_at", CS_CALL__TIME, 0),
    CS_CALL__END,
};
#define AGENT_WRITABLE                                                                             \
    CS_CALL__F("initials", CS_CALL__STRING, 0), CS_CALL__F("email", CS_CALL__STRING, 0),           \
        CS_CALL__F("avatar_url", CS_CALL__STRING, 0), CS_CALL__E("role", 0, "admin agent light"),  \
        CS_CALL__F("active", CS_CALL__BOOLEAN, 0), CS_CALL__E("ticket_access", 0, "all groups"),   \
        CS_CALL__F("skills", CS_CALL__STRINGS, 0)
static const cs_call__field create_request[] = {
    CS_CALL__F("name", CS_CALL__STRING, CS_CALL__REQ),
    AGENT_WRITABLE,
    CS_CALL__END,
};
static const cs_call__field update_request[] = {
    CS_CALL__F("id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__F("name", CS_CALL__STRING, 0),
    AGENT_WRITABLE,
    CS_CALL__END,
};
static const cs_call__field find_request[] = {
    CS_CALL__F("email", CS_CALL__STRING, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field group_request[] = {
    CS_CALL__F("name", CS_CALL__STRING, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field member_request[] = {
    CS_CALL__F("group_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__F("agent_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__END,
};

const cs_call__method cs_call__agent_methods[] = {
    {"agent.create", m_agent_create, CS_CAP_CONFIG_WRITE, CS_CALL__ATOMIC,
     "Create an agent (a member of the support team) with a role and skills.", create_request,
     agent_object},
    {"agent.get", m_agent_get, CS_CAP_CONFIG_READ, 0, "Read an agent.", cs_call__id_request,
     agent_object},
    {"agent.find", m_agent_find, CS_CAP_CONFIG_READ, 0,
     "Find the agent with an email (compared without case).", find_request, agent_object},
    {"agent.update", m_agent_update, CS_CAP_CONFIG_WRITE, CS_CALL__ATOMIC,
     "Change an agent's fields; what is not given stays.", update_request, agent_object},
    {"group.create", m_group_create, CS_CAP_CONFIG_WRITE, 0, "Create a group of agents (a queue).",
     group_request, cs_call__id_fields},
    {"group.add_agent", m_group_add_agent, CS_CAP_CONFIG_WRITE, 0,
     "Make an agent a member of a group.", member_request, cs_call__no_fields},
    {"group.remove_agent", m_group_remove_agent, CS_CAP_CONFIG_WRITE, 0,
     "Take an agent out of a group.", member_request, cs_call__no_fields},
};
const size_t cs_call__agent_count = CS_ARRAY_SIZE(cs_call__agent_methods);
