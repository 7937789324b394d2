/*
 * libcs - who acts and what it may do: actors, capabilities and their reach. Not API.
 */
#ifndef CS_PERM_PRIVATE_H
#define CS_PERM_PRIVATE_H

#include "cs-internal.h"

/* Who acts in one call. The host names the actor once (cs_db_set_actor); its rights are
 * read from the database at the start of every call, so a deactivated or demoted agent, a
 * re-scoped one, or an erased customer has lost them by the next call, on every handle and
 * in every process. The library passes this struct down explicitly and never changes the
 * handle's actor: what ingest does is the customer's doing, what routing does the
 * system's, each by an actor of its own. */
typedef struct cs_actor {
    int kind;    /* cs_actor_kind */
    int64_t id;  /* the agent or customer; 0 for the system */
    int role;    /* agents: their cs_agent_role */
    bool scoped; /* agents: limited to the tickets of their groups (cs_ticket_access) */
    int64_t org; /* customers: their organisation when it shares tickets, else 0 */
} cs_actor;

/* The library itself (routing, the clock, receipts). */
extern const cs_actor cs_actor__system;
/* A customer as ingest acts for them: their own messages, nothing more. */
cs_actor cs_actor__customer(int64_t customer_id);

/* What an operation needs. Every check in the library names one of these, and the table in
 * perm.c says, per role, how far each reaches; docs/security.md shows the same table. */
typedef enum cs_cap {
    CS_CAP_PUBLIC,          /* the library's version */
    CS_CAP_ACTOR_SET,       /* change the actor through cs_call */
    CS_CAP_SETTINGS_READ,   /* database-wide settings */
    CS_CAP_CONFIG_READ,     /* channels, agents, groups, calendars, policies, routing */
    CS_CAP_CONFIG_WRITE,    /* the same, and settings, receipts, custom fields */
    CS_CAP_CUSTOMER_READ,   /* one customer's record */
    CS_CAP_CUSTOMER_LIST,   /* lists of customers */
    CS_CAP_CUSTOMER_WRITE,  /* create, update, identities, merge, organisations */
    CS_CAP_CUSTOMER_EXPORT, /* everything stored about a customer */
    CS_CAP_CUSTOMER_ERASE,  /* erasure */
    CS_CAP_TICKET_READ,     /* tickets with their messages, clocks and trail */
    CS_CAP_TICKET_CREATE,   /* open tickets and callbacks */
    CS_CAP_TICKET_WRITE,    /* change, merge, assign, reply */
    CS_CAP_MESSAGE_WRITE,   /* public messages on a ticket */
    CS_CAP_NOTE_WRITE,      /* internal notes */
    CS_CAP_TICKET_TAKE,     /* the next ticket for an agent */
    CS_CAP_PRESENCE_WRITE,  /* an agent's presence */
    CS_CAP_INGEST,          /* the door in */
    CS_CAP_OUTBOX,          /* the door out: claim, render, acknowledge, fail, list */
    CS_CAP_REPORT_READ,     /* reports, the queue, the estimated wait, staffing */
    CS_CAP_AUDIT_READ,      /* the audit trail of customers and configuration */
    CS_CAP_TICK,            /* run the clock */
    CS_CAP_JOB,             /* record the progress of resumable jobs */
    CS_CAP__COUNT
} cs_cap;

/* How far a capability reaches for one role. */
typedef enum cs_reach {
    CS_REACH_NONE = 0, /* not at all */
    CS_REACH_ALL,      /* every object */
    CS_REACH_GROUPS,   /* every object; for a group-scoped agent only the tickets of its
                          groups and those assigned to it, and nothing that spans groups */
    CS_REACH_OWN,      /* customers: their own tickets and those their organisation shares */
    CS_REACH_SELF      /* the actor's own record only */
} cs_reach;

/* The current rights of actor `id` of `kind` (a cs_actor_kind) into *out: CS_OK;
 * CS_ENOTFOUND (field "id") for an unknown agent or customer; CS_EPERM for an inactive
 * agent or a merged or erased customer; CS_EINVAL for an unknown kind. */
int cs_perm__actor(cs_actor *out, cs_db *db, int kind, int64_t id);
/* Read the handle's actor with its current rights into *out and check that `cap` reaches
 * anything for it: CS_OK, or CS_EPERM naming what it may not do (the actor is inactive,
 * erased or merged; the role lacks the capability). Object rules follow with the checks
 * below. */
int cs_perm__require(cs_actor *out, cs_db *db, cs_cap cap);
/* The reach of `cap` for this actor (its role; system: all). */
cs_reach cs_perm__reach(const cs_actor *a, cs_cap cap);
/* Whether the actor may reach ticket `t` with `cap`, from the ticket's customer,
 * organisation, group and assignee. CS_OK, or CS_ENOTFOUND naming `field` ("ticket %lld does
 * not exist": what the actor may not see does not exist for it); CS_EPERM where the
 * capability does not reach tickets at all. */
int cs_perm__ticket(cs_db *db, const cs_actor *a, cs_cap cap, const cs_ticket *t,
                    const char *field);
/* The same for ticket `id`, reading only what the check looks at; a ticket that does not
 * exist is not found with the same message. */
int cs_perm__ticket_id(cs_db *db, const cs_actor *a, cs_cap cap, int64_t id, const char *field);
/* For SELF reaches: the actor's own record (`id` of the actor's kind) or, for wider
 * reaches, any. CS_ENOTFOUND naming `field` for a customer aiming at another record,
 * CS_EPERM for an agent. */
int cs_perm__self(const cs_actor *a, cs_cap cap, int64_t id, const char *field);
/* CS_OK unless the actor is a group-scoped agent; for those CS_EPERM: the operation spans
 * groups. */
int cs_perm__unscoped(const cs_actor *a, cs_cap cap);
/* The agent whose groups bound a list, or 0 when the actor sees every ticket. Bind it to
 * CS_SCOPE_SQL's parameter. */
int64_t cs_perm__scope(const cs_actor *a);
/* The table, for docs/security.md and the tests. */
const char *cs_perm__cap_name(cs_cap cap);
const char *cs_perm__cap_doc(cs_cap cap);
/* The reach of `cap` for role column `col`: 0 system, 1 admin, 2 agent, 3 light agent,
 * 4 customer. */
cs_reach cs_perm__table(cs_cap cap, int col);
const char *cs_perm__reach_name(cs_reach r);

#endif
