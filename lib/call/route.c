/*
 * libcs - cs_call() methods for routing, and the JSON of an agent's routing state
 * (cs_route_agent_json()) built from the typed API.
 */
#include "config.h"
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "call/call.h"

/* {"<kind>": capacity, ...} of the kinds the agent has a limit for; {"<kind>": tickets, ...}
 * of the kinds it has tickets of, "none" for those without a channel. Channel kinds are
 * numbered from 1 without gaps (cs/channel.h). NULL when jansson runs out of memory. */
static json_t *capacity_value(const cs_route_agent *ra)
{
    json_t *o = json_object();
    const char *name;

    for (int kind = 1; o && (name = cs_channel_kind_name(kind)); kind++) {
        int n = cs_route_agent_capacity(ra, kind);
        if (n != CS_UNSET && json_object_set_new(o, name, json_integer(n)) < 0)
            json_decref(o), o = NULL;
    }
    return o;
}

static json_t *load_value(const cs_route_agent *ra)
{
    json_t *o = json_object();
    const char *name;

    for (int kind = 0; o && (name = kind ? cs_channel_kind_name(kind) : "none"); kind++) {
        int64_t n = cs_route_agent_load(ra, kind);
        if (n && json_object_set_new(o, name, json_integer(n)) < 0)
            json_decref(o), o = NULL;
    }
    return o;
}

/* An agent's routing state as its JSON object. */
static int routing_value(json_t **out, cs_db *db, int64_t agent_id)
{
    cs_route_agent *ra = NULL;
    int rc;

    *out = NULL;
    if ((rc = cs_route_agent_get(&ra, db, agent_id)) < 0)
        return rc;
    /* "o" takes over the objects, and releases them if packing fails. */
    *out = json_pack("{s:I, s:s, s:o, s:o}", "agent_id", (json_int_t)cs_route_agent_id(ra),
                     "presence", cs_presence_name(cs_route_agent_presence(ra)), "capacity",
                     capacity_value(ra), "load", load_value(ra));
    cs_route_agent_free(ra);
    return *out ? CS_OK : cs_error__nomem();
}

int cs_route_agent_json(char **out, cs_db *db, int64_t agent_id)
{
    json_t *o;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = routing_value(&o, db, agent_id)) < 0)
        return rc;
    return cs_json__dump(out, o);
}

static int m_route_set_presence(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t agent = 0;
    int presence = 0, rc;

    if ((rc = cs_call__id(r, "agent_id", &agent, true)) < 0 ||
        (rc = cs_call__enum(r, "presence", cs_presence_parse, &presence, true)) < 0 ||
        (rc = cs_call__done(r)) < 0 || (rc = cs_route_set_presence(db, agent, presence)) < 0)
        return rc;
    return routing_value(out, db, agent);
}

static int m_route_set_capacity(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t agent = 0, capacity = 0;
    int kind = 0, rc;

    if ((rc = cs_call__id(r, "agent_id", &agent, true)) < 0 ||
        (rc = cs_call__enum(r, "channel_kind", cs_channel_kind_parse, &kind, true)) < 0 ||
        (rc = cs_call__int(r, "capacity", &capacity, true)) < 0 || (rc = cs_call__done(r)) < 0)
        return rc;
    if (capacity < 0 || capacity > 100000)
        return cs_error__inval("capacity", "capacity must be between 0 and 100000");
    if ((rc = cs_route_set_capacity(db, agent, kind, (int)capacity)) < 0)
        return rc;
    return routing_value(out, db, agent);
}

static int m_route_agent_get(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t agent = 0;
    int rc;

    if ((rc = cs_call__id(r, "agent_id", &agent, true)) < 0 || (rc = cs_call__done(r)) < 0)
        return rc;
    return routing_value(out, db, agent);
}

static int m_route_group_set(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_route_group_fields f = CS_ROUTE_GROUP_FIELDS_INIT;
    int64_t group = 0;
    int rc;

    if ((rc = cs_call__id(r, "group_id", &group, true)) < 0 ||
        (rc = cs_call__enum(r, "strategy", cs_route_strategy_parse, &f.strategy, false)) < 0 ||
        (rc = cs_call__bool(r, "match_language", &f.match_language)) < 0 ||
        (rc = cs_call__done(r)) < 0)
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

static int m_route_assign(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t ticket = 0, agent = 0;
    int rc;

    if ((rc = cs_call__id(r, "ticket_id", &ticket, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_route_assign(&agent, db, ticket)) < 0)
        return rc;
    *out = json_pack("{s:o}", "agent_id", cs_json__id(agent));
    return *out ? CS_OK : cs_error__nomem();
}

static int m_route_next(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t agent = 0, ticket = 0;
    int rc;

    if ((rc = cs_call__id(r, "agent_id", &agent, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_route_next(&ticket, db, agent)) < 0)
        return rc;
    if (ticket)
        return cs_call__written_ticket_json(out, db, ticket);
    *out = json_pack("{s:n}", "id");
    return *out ? CS_OK : cs_error__nomem();
}

static int m_route_callback_create(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_callback_fields f = CS_CALLBACK_FIELDS_INIT;
    int64_t ticket;
    int rc;

    if ((rc = cs_call__id(r, "customer_id", &f.customer_id, true)) < 0 ||
        (rc = cs_call__id(r, "channel_id", &f.channel_id, false)) < 0 ||
        (rc = cs_call__id(r, "group_id", &f.group_id, false)) < 0 ||
        (rc = cs_call__str(r, "subject", &f.subject, false)) < 0 ||
        (rc = cs_call__time(r, "window_from", &f.window_from, true)) < 0 ||
        (rc = cs_call__time(r, "window_to", &f.window_to, true)) < 0 ||
        (rc = cs_call__done(r)) < 0 || (rc = cs_route_callback_create(&ticket, db, &f)) < 0)
        return rc;
    return cs_call__written_ticket_json(out, db, ticket);
}

static int m_route_estimated_wait(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t group = 0, seconds = 0;
    int kind = 0, rc;

    if ((rc = cs_call__id(r, "group_id", &group, true)) < 0 ||
        (rc = cs_call__enum(r, "channel_kind", cs_channel_kind_parse, &kind, true)) < 0 ||
        (rc = cs_call__done(r)) < 0 ||
        (rc = cs_route_estimated_wait(&seconds, db, group, kind)) < 0)
        return rc;
    *out = json_pack("{s:o}", "seconds", seconds < 0 ? json_null() : json_integer(seconds));
    return *out ? CS_OK : cs_error__nomem();
}

static int m_route_report(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_route_report rep = CS_ROUTE_REPORT_INIT;
    cs_time from = 0, to = 0;
    int rc;

    if ((rc = cs_call__time(r, "from", &from, true)) < 0 ||
        (rc = cs_call__time(r, "to", &to, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_route_report_get(&rep, db, from, to)) < 0)
        return rc;
    *out = json_pack("{s:I, s:I, s:I, s:I}", "solved", (json_int_t)rep.solved, "first_contact",
                     (json_int_t)rep.first_contact, "transferred", (json_int_t)rep.transferred,
                     "transfers", (json_int_t)rep.transfers);
    return *out ? CS_OK : cs_error__nomem();
}

static int m_route_staffing(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_staffing_plan *plan = NULL;
    int64_t group = 0, answer = 20, percent = 80;
    cs_time from = 0, to = 0;
    json_t *arr;
    int rc;

    if ((rc = cs_call__id(r, "group_id", &group, false)) < 0 ||
        (rc = cs_call__time(r, "from", &from, true)) < 0 ||
        (rc = cs_call__time(r, "to", &to, true)) < 0 ||
        (rc = cs_call__int(r, "answer_seconds", &answer, false)) < 0 ||
        (rc = cs_call__int(r, "percent", &percent, false)) < 0 || (rc = cs_call__done(r)) < 0)
        return rc;
    if (answer < 0 || answer > 86400 || percent < 1 || percent > 99)
        return cs_error__inval(answer < 0 || answer > 86400 ? "answer_seconds" : "percent",
                               "out of range");
    if ((rc = cs_route_staffing(&plan, db, group, from, to, (int)answer, (int)percent)) < 0)
        return rc;
    if (!(arr = json_array())) {
        cs_staffing_plan_free(plan);
        return cs_error__nomem();
    }
    for (size_t i = 0; i < cs_staffing_plan_count(plan); i++) {
        const cs_staffing_hour *h = cs_staffing_plan_item(plan, i);
        json_array_append_new(arr,
                              json_pack("{s:i, s:f, s:i, s:f}", "hour", cs_staffing_hour_hour(h),
                                        "arrivals_per_hour",
                                        round(cs_staffing_hour_arrivals_per_hour(h) * 100) / 100,
                                        "agents", cs_staffing_hour_agents(h), "service_level",
                                        round(cs_staffing_hour_service_level(h) * 10000) / 10000));
    }
    *out = json_pack("{s:f, s:o}", "aht_seconds",
                     round(cs_staffing_plan_aht_seconds(plan) * 10) / 10, "hours", arr);
    cs_staffing_plan_free(plan);
    return *out ? CS_OK : cs_error__nomem();
}

/* The catalogue -------------------------------------------------------------------------- */

#define CHANNEL_KINDS "email phone chat webform twitter facebook whatsapp sms api"

/* capacity_value(), load_value(): a count per channel kind, present where it is set. */
#define PER_CHANNEL_KIND                                                                           \
    CS_CALL__F("email", CS_CALL__INTEGER, CS_CALL__OPT),                                           \
        CS_CALL__F("phone", CS_CALL__INTEGER, CS_CALL__OPT),                                       \
        CS_CALL__F("chat", CS_CALL__INTEGER, CS_CALL__OPT),                                        \
        CS_CALL__F("webform", CS_CALL__INTEGER, CS_CALL__OPT),                                     \
        CS_CALL__F("twitter", CS_CALL__INTEGER, CS_CALL__OPT),                                     \
        CS_CALL__F("facebook", CS_CALL__INTEGER, CS_CALL__OPT),                                    \
        CS_CALL__F("whatsapp", CS_CALL__INTEGER, CS_CALL__OPT),                                    \
        CS_CALL__F("sms", CS_CALL__INTEGER, CS_CALL__OPT),                                         \
        CS_CALL__F("api", CS_CALL__INTEGER, CS_CALL__OPT)

static const cs_call__field capacity_fields[] = {PER_CHANNEL_KIND, CS_CALL__END};
static const cs_call__field load_fields[] = {
    CS_CALL__F("none", CS_CALL__INTEGER, CS_CALL__OPT),
    PER_CHANNEL_KIND,
    CS_CALL__END,
};
/* routing_value() */
static const cs_call__field routing_fields[] = {
    CS_CALL__F("agent_id", CS_CALL__ID, 0),
    CS_CALL__E("presence", 0, "online away offline"),
    CS_CALL__S("capacity", CS_CALL__OBJECT, 0, capacity_fields),
    CS_CALL__S("load", CS_CALL__OBJECT, 0, load_fields),
    CS_CALL__END,
};

static const cs_call__field agent_request[] = {
    CS_CALL__F("agent_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field set_presence_request[] = {
    CS_CALL__F("agent_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__E("presence", CS_CALL__REQ, "online away offline"),
    CS_CALL__END,
};
static const cs_call__field set_capacity_request[] = {
    CS_CALL__F("agent_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__E("channel_kind", CS_CALL__REQ, CHANNEL_KINDS),
    CS_CALL__F("capacity", CS_CALL__INTEGER, CS_CALL__REQ),
    CS_CALL__END,
};

#define STRATEGIES "manual round_robin least_loaded skills_first"

static const cs_call__field group_set_request[] = {
    CS_CALL__F("group_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__E("strategy", 0, STRATEGIES),
    CS_CALL__F("match_language", CS_CALL__BOOLEAN, 0),
    CS_CALL__END,
};
static const cs_call__field group_set_response[] = {
    CS_CALL__F("group_id", CS_CALL__ID, 0),
    CS_CALL__E("strategy", 0, STRATEGIES),
    CS_CALL__F("match_language", CS_CALL__BOOLEAN, 0),
    CS_CALL__END,
};

static const cs_call__field assign_request[] = {
    CS_CALL__F("ticket_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field assign_response[] = {
    CS_CALL__F("agent_id", CS_CALL__ID, CS_CALL__NULL),
    CS_CALL__END,
};

static const cs_call__field callback_create_request[] = {
    CS_CALL__F("customer_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__F("channel_id", CS_CALL__ID, 0),
    CS_CALL__F("group_id", CS_CALL__ID, 0),
    CS_CALL__F("subject", CS_CALL__STRING, 0),
    CS_CALL__F("window_from", CS_CALL__TIME, CS_CALL__REQ),
    CS_CALL__F("window_to", CS_CALL__TIME, CS_CALL__REQ),
    CS_CALL__END,
};

static const cs_call__field estimated_wait_request[] = {
    CS_CALL__F("group_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__E("channel_kind", CS_CALL__REQ, CHANNEL_KINDS),
    CS_CALL__END,
};
static const cs_call__field estimated_wait_response[] = {
    CS_CALL__F("seconds", CS_CALL__INTEGER, CS_CALL__NULL),
    CS_CALL__END,
};

static const cs_call__field report_request[] = {
    CS_CALL__F("from", CS_CALL__TIME, CS_CALL__REQ),
    CS_CALL__F("to", CS_CALL__TIME, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field report_response[] = {
    CS_CALL__F("solved", CS_CALL__INTEGER, 0),
    CS_CALL__F("first_contact", CS_CALL__INTEGER, 0),
    CS_CALL__F("transferred", CS_CALL__INTEGER, 0),
    CS_CALL__F("transfers", CS_CALL__INTEGER, 0),
    CS_CALL__END,
};

static const cs_call__field staffing_request[] = {
    CS_CALL__F("group_id", CS_CALL__ID, 0),
    CS_CALL__F("from", CS_CALL__TIME, CS_CALL__REQ),
    CS_CALL__F("to", CS_CALL__TIME, CS_CALL__REQ),
    CS_CALL__F("answer_seconds", CS_CALL__INTEGER, 0),
    CS_CALL__F("percent", CS_CALL__INTEGER, 0),
    CS_CALL__END,
};
static const cs_call__field staffing_hour_fields[] = {
    CS_CALL__F("hour", CS_CALL__INTEGER, 0),
    CS_CALL__F("arrivals_per_hour", CS_CALL__NUMBER, 0),
    CS_CALL__F("agents", CS_CALL__INTEGER, 0),
    CS_CALL__F("service_level", CS_CALL__NUMBER, 0),
    CS_CALL__END,
};
static const cs_call__field staffing_response[] = {
    CS_CALL__F("aht_seconds", CS_CALL__NUMBER, 0),
    CS_CALL__S("hours", CS_CALL__ARRAY, 0, staffing_hour_fields),
    CS_CALL__END,
};

const cs_call__method cs_call__route_methods[] = {
    {"route.set_presence", m_route_set_presence, CS_CAP_PRESENCE_WRITE,
     CS_CALL__ATOMIC | CS_CALL__RELAXED, "Set an agent's presence.", set_presence_request,
     routing_fields},
    {"route.set_capacity", m_route_set_capacity, CS_CAP_CONFIG_WRITE, CS_CALL__ATOMIC,
     "Set how many open tickets of a channel kind an agent takes at once.", set_capacity_request,
     routing_fields},
    {"route.agent.get", m_route_agent_get, CS_CAP_CONFIG_READ, 0,
     "Read an agent's presence, capacities and load.", agent_request, routing_fields},
    {"route.group.set", m_route_group_set, CS_CAP_CONFIG_WRITE, CS_CALL__ATOMIC,
     "Set a group's assignment strategy and language matching, or read them.", group_set_request,
     group_set_response},
    {"route.assign", m_route_assign, CS_CAP_TICKET_WRITE, 0,
     "Assign a ticket to an agent by its group's strategy.", assign_request, assign_response},
    {"route.next", m_route_next, CS_CAP_TICKET_TAKE, CS_CALL__ATOMIC | CS_CALL__RELAXED,
     "Assign the next ticket to an agent and answer it, or an id of null when there is none.",
     agent_request, cs_call__ticket_or_none_fields},
    {"route.callback.create", m_route_callback_create, CS_CAP_TICKET_CREATE, CS_CALL__ATOMIC,
     "Open a ticket for calling a customer back within a time window.", callback_create_request,
     cs_call__ticket_fields},
    {"route.estimated_wait", m_route_estimated_wait, CS_CAP_REPORT_READ, 0,
     "Estimate the wait in seconds for a new contact in a group.", estimated_wait_request,
     estimated_wait_response},
    {"route.report", m_route_report, CS_CAP_REPORT_READ, 0,
     "Count transfers and first-contact resolutions of the tickets solved in a period.",
     report_request, report_response},
    {"route.staffing", m_route_staffing, CS_CAP_REPORT_READ, 0,
     "Compute the agents each hour of the day needs to reach a service level.", staffing_request,
     staffing_response},
};
const size_t cs_call__route_count = CS_ARRAY_SIZE(cs_call__route_methods);
