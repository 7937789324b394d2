/*
 * libcs - who may do what: the permission table and the checks that read it.
 *
 * Every door of the library names the capability it needs (cs_perm__require), and the
 * object rules (own tickets, organisation-shared tickets, group scope, the actor's own
 * record) are applied by the functions below, so this file is the whole rule book. The
 * table is printed in docs/security.md; a test keeps the two equal, and another calls every
 * cs_call method as every role against someone else's objects and compares with it.
 */
#include "config.h"

#include <stdio.h>

#include "cs-internal.h"
#include "perm.h"
#include "store/agent.h"
#include "store/customer.h"
#include "store/ticket.h"

#define N CS_REACH_NONE
#define A CS_REACH_ALL
#define G CS_REACH_GROUPS
#define O CS_REACH_OWN
#define S CS_REACH_SELF

/* Columns: system, admin, agent, light agent, customer. */
enum { COL_SYSTEM, COL_ADMIN, COL_AGENT, COL_LIGHT, COL_CUSTOMER, COLS };

static const struct cap_row {
    const char *name; /* as docs/security.md names it */
    const char *what; /* "... may not <what>" */
    const char *doc;  /* what it covers */
    unsigned char reach[COLS];
} caps[CS_CAP__COUNT] = {
    /* clang-format off */
    [CS_CAP_PUBLIC] = {"public", "ask for the version", "the library's version and its catalogue",
                       {A, A, A, A, A}},
    [CS_CAP_ACTOR_SET] = {"actor.set", "change the actor (the host sets it with "
                          "cs_db_set_actor)", "act as someone else through cs_call",
                          {A, N, N, N, N}},
    [CS_CAP_SETTINGS_READ] = {"settings.read", "read settings", "database-wide settings",
                              {A, A, A, A, N}},
    [CS_CAP_CONFIG_READ] = {"config.read", "read the configuration",
                            "channels, agents, groups, calendars, SLA policies, routing, "
                            "custom-field definitions", {A, A, A, A, N}},
    [CS_CAP_CONFIG_WRITE] = {"config.write", "change the configuration",
                             "the same, settings, receipts, capacities", {A, A, N, N, N}},
    [CS_CAP_CUSTOMER_READ] = {"customer.read", "read customers", "one customer's record",
                              {A, A, A, A, S}},
    [CS_CAP_CUSTOMER_LIST] = {"customer.list", "list customers", "lists of customers",
                              {A, A, A, A, N}},
    [CS_CAP_CUSTOMER_WRITE] = {"customer.write", "change customers",
                               "create, update, identities, merge, unmerge, organisations",
                               {A, A, A, N, N}},
    [CS_CAP_CUSTOMER_EXPORT] = {"customer.export", "export customers",
                                "everything stored about a customer", {A, A, G, N, N}},
    [CS_CAP_CUSTOMER_ERASE] = {"customer.erase", "erase customers", "erasure",
                               {A, A, N, N, N}},
    [CS_CAP_TICKET_READ] = {"ticket.read", "read tickets",
                            "tickets with their messages, SLA clocks and audit trail",
                            {A, A, G, G, O}},
    [CS_CAP_TICKET_CREATE] = {"ticket.create", "open tickets", "open tickets and callbacks",
                              {A, A, A, N, S}},
    [CS_CAP_TICKET_WRITE] = {"ticket.write", "change tickets",
                             "change, merge, assign, reply", {A, A, G, N, N}},
    [CS_CAP_MESSAGE_WRITE] = {"message.write", "write public messages",
                              "public messages on a ticket", {A, A, G, N, O}},
    [CS_CAP_NOTE_WRITE] = {"note.write", "write internal notes",
                           "internal notes (message.create with visibility internal)",
                           {A, A, G, G, N}},
    [CS_CAP_TICKET_TAKE] = {"ticket.take", "take tickets for other agents",
                            "the next ticket for an agent", {A, A, S, N, N}},
    [CS_CAP_PRESENCE_WRITE] = {"presence.write", "change other agents' presence",
                               "an agent's presence", {A, A, S, S, N}},
    [CS_CAP_INGEST] = {"ingest", "ingest messages", "the door in", {A, A, G, N, N}},
    [CS_CAP_OUTBOX] = {"outbox", "drain the outbox",
                       "the door out: claim, render, acknowledge, fail, list", {A, A, N, N, N}},
    [CS_CAP_REPORT_READ] = {"report.read", "read reports",
                            "reports, the SLA queue, the estimated wait, staffing",
                            {A, A, G, G, N}},
    [CS_CAP_AUDIT_READ] = {"audit.read", "read the audit trail",
                           "the audit trail of tickets, customers and configuration",
                           {A, A, G, G, N}},
    [CS_CAP_TICK] = {"tick", "run the clock", "SLA warnings and breaches, housekeeping",
                     {A, A, N, N, N}},
    [CS_CAP_JOB] = {"job", "record job progress",
                    "the progress of resumable bulk jobs (cs_progress_set, csdesk import)",
                    {A, A, A, N, N}},
    /* clang-format on */
};

#undef N
#undef A
#undef G
#undef O
#undef S

const cs_actor cs_actor__system = {CS_ACTOR_SYSTEM, 0, 0, false, 0};

cs_actor cs_actor__customer(int64_t customer_id)
{
    cs_actor a = {CS_ACTOR_CUSTOMER, customer_id, 0, false, 0};
    return a;
}

static int column_of(const cs_actor *a)
{
    if (a->kind == CS_ACTOR_CUSTOMER)
        return COL_CUSTOMER;
    if (a->kind != CS_ACTOR_AGENT)
        return COL_SYSTEM;
    return a->role == CS_ROLE_ADMIN ? COL_ADMIN : a->role == CS_ROLE_LIGHT ? COL_LIGHT : COL_AGENT;
}

static const char *who(const cs_actor *a)
{
    static const char *names[COLS] = {"the system", "admin", "agent", "light agent", "customer"};
    return names[column_of(a)];
}

cs_reach cs_perm__reach(const cs_actor *a, cs_cap cap)
{
    return (unsigned)cap < CS_CAP__COUNT ? (cs_reach)caps[cap].reach[column_of(a)] : CS_REACH_NONE;
}

/* A ticket that does not exist and one the actor may not see read the same, so that nobody
 * learns which of the two it is. */
static int no_ticket(const char *field, int64_t id)
{
    return cs_error__set(CS_ENOTFOUND, field, "ticket %lld does not exist", (long long)id);
}

static int denied(const cs_actor *a, cs_cap cap)
{
    return cs_error__set(CS_EPERM, NULL, "%s %lld may not %s", who(a), (long long)a->id,
                         caps[cap].what);
}

/* An agent's current rights; an inactive agent cannot act. */
static int agent_actor(cs_actor *out, cs_db *db, int64_t id)
{
    cs_agent__rights rights;
    bool found;
    int rc;

    if ((rc = cs_store__agent_rights(&rights, &found, db, id)) < 0)
        return rc;
    if (!found)
        return cs_error__set(CS_ENOTFOUND, "id", "agent %lld does not exist", (long long)id);
    *out = (cs_actor){CS_ACTOR_AGENT, id, rights.role, rights.ticket_access == CS_ACCESS_GROUPS, 0};
    /* Admins see everything: a group scope left on a promoted agent does not bind them. */
    if (out->role == CS_ROLE_ADMIN)
        out->scoped = false;
    if (!rights.active)
        return cs_error__set(CS_EPERM, "id", "agent %lld is inactive", (long long)id);
    return CS_OK;
}

/* A customer's current rights; a merged or erased customer cannot act. */
static int customer_actor(cs_actor *out, cs_db *db, int64_t id)
{
    bool merged, erased;
    int64_t org;
    int rc = cs_store__customer_rights(&merged, &erased, &org, db, id);

    if (rc < 0)
        return rc;
    *out = cs_actor__customer(id);
    out->org = org;
    if (merged || erased)
        return cs_error__set(CS_EPERM, "id", "customer %lld was merged or erased", (long long)id);
    return CS_OK;
}

int cs_perm__actor(cs_actor *out, cs_db *db, int kind, int64_t id)
{
    *out = cs_actor__system;
    switch (kind) {
    case CS_ACTOR_SYSTEM:
        return CS_OK;
    case CS_ACTOR_AGENT:
        return agent_actor(out, db, id);
    case CS_ACTOR_CUSTOMER:
        return customer_actor(out, db, id);
    default:
        return cs_error__inval("kind", "unknown actor kind %d", kind);
    }
}

int cs_perm__require(cs_actor *out, cs_db *db, cs_cap cap)
{
    int64_t id;
    int kind = cs_db_actor(db, &id);
    int rc;

    if ((rc = cs_perm__actor(out, db, kind, id)) < 0)
        return rc;
    return cs_perm__reach(out, cap) == CS_REACH_NONE ? denied(out, cap) : CS_OK;
}

int cs_db_set_actor(cs_db *db, int kind, int64_t id)
{
    cs_actor a;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    /* Refuse an actor that could not act now; its rights are read again on every call. */
    if ((rc = cs_perm__actor(&a, db, kind, id)) < 0)
        return rc;
    cs_db__put_actor(db, kind, kind == CS_ACTOR_SYSTEM ? 0 : id);
    return CS_OK;
}

int cs_perm__ticket(cs_db *db, const cs_actor *a, cs_cap cap, const cs_ticket *t, const char *field)
{
    bool member = false;
    int rc;

    switch (cs_perm__reach(a, cap)) {
    case CS_REACH_ALL:
        return CS_OK;
    case CS_REACH_GROUPS:
        if (!a->scoped || (t->assignee_id && t->assignee_id == a->id))
            return CS_OK;
        if (t->group_id && (rc = cs_store__agent_in_group(&member, db, a->id, t->group_id)) < 0)
            return rc;
        if (member)
            return CS_OK;
        break;
    case CS_REACH_OWN:
        if (t->customer_id == a->id || (a->org && t->organization_id == a->org))
            return CS_OK;
        break;
    case CS_REACH_SELF:
        break;
    default:
        return denied(a, cap);
    }
    return no_ticket(field, t->id);
}

int cs_perm__ticket_id(cs_db *db, const cs_actor *a, cs_cap cap, int64_t id, const char *field)
{
    cs_ticket t = {0};
    bool found;
    int rc;

    if ((rc = cs_store__ticket_access(&t, &found, db, id)) < 0)
        return rc;
    return found ? cs_perm__ticket(db, a, cap, &t, field) : no_ticket(field, id);
}

int cs_perm__self(const cs_actor *a, cs_cap cap, int64_t id, const char *field)
{
    cs_reach r = cs_perm__reach(a, cap);

    if (r == CS_REACH_ALL || r == CS_REACH_GROUPS || (r == CS_REACH_SELF && id == a->id))
        return CS_OK;
    if (a->kind == CS_ACTOR_CUSTOMER)
        return cs_error__set(CS_ENOTFOUND, field, "customer %lld does not exist", (long long)id);
    return denied(a, cap);
}

int cs_perm__unscoped(const cs_actor *a, cs_cap cap)
{
    if (!a->scoped || cs_perm__reach(a, cap) != CS_REACH_GROUPS)
        return CS_OK;
    return cs_error__set(CS_EPERM, NULL,
                         "%s %lld sees only its groups' tickets and may not %s "
                         "across groups",
                         who(a), (long long)a->id, caps[cap].what);
}

int64_t cs_perm__scope(const cs_actor *a)
{
    return a->scoped ? a->id : 0;
}

const char *cs_perm__cap_name(cs_cap cap)
{
    return (unsigned)cap < CS_CAP__COUNT ? caps[cap].name : NULL;
}

const char *cs_perm__cap_doc(cs_cap cap)
{
    return (unsigned)cap < CS_CAP__COUNT ? caps[cap].doc : NULL;
}

cs_reach cs_perm__table(cs_cap cap, int col)
{
    return (unsigned)cap < CS_CAP__COUNT && col >= 0 && col < COLS ? (cs_reach)caps[cap].reach[col]
                                                                   : CS_REACH_NONE;
}

const char *cs_perm__reach_name(cs_reach r)
{
    static const char *names[] = {"no", "all", "groups", "own", "self"};
    return (unsigned)r < CS_ARRAY_SIZE(names) ? names[r] : NULL;
}
