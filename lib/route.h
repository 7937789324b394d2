/*
 * libcs - routing: what the other modules use of it, and the structs the routing store fills
 * (lib/store/route.h). Not API.
 */
#ifndef CS_ROUTE_PRIVATE_H
#define CS_ROUTE_PRIVATE_H

#include "cs-internal.h"
#include "react.h"

/* An agent as routing sees it. */
typedef struct cs_route__agent {
    int role, active, presence;
} cs_route__agent;

/* A ticket as routing sees it, with its group's strategy (manual without a group). */
typedef struct cs_route__ticket {
    int64_t group, assignee; /* 0 for none */
    int status;
    int kind; /* its channel's kind; 0 without a channel */
    cs_time callback_from;
    int strategy, match_language;
} cs_route__ticket;

/* A number per channel kind (0: tickets without a channel), by kind. Kinds are channel kinds,
 * fewer than CS_ROUTE__KINDS. */
#define CS_ROUTE__KINDS 32
typedef struct cs_route__kinds {
    struct {
        int kind;
        int64_t n;
    } v[CS_ROUTE__KINDS];
    size_t n;
} cs_route__kinds;

/* A group an agent takes tickets from; id 0 stands for the tickets without a group. */
typedef struct cs_route__group {
    int64_t id;
    int match_language;
} cs_route__group;

/* An agent who takes the next ticket (cs_route_next). */
typedef struct cs_route__taker {
    int64_t agent;
    cs_time now;
    uint32_t full; /* a bit per channel kind the agent has no room for */
    const cs_route__group *groups;
    size_t ngroups;
} cs_route__taker;

/* How agents are ranked for a ticket: who has every skill first, the fewest new and open
 * tickets first; then the least recently assigned. */
typedef struct cs_route__rank {
    int64_t ticket, group;
    int kind; /* the ticket's channel kind: the agent needs room for one more of it */
    bool by_skills, by_load;
    int match_language;
} cs_route__rank;

/* Routing's reaction (lib/react.h) to a ticket's change: count transfers and assignments,
 * and assign a ticket that came in (CS_REACT__INGESTED) by its group's strategy. */
int cs_route__react(cs_db *db, const cs_react__change *change);
/* The changes routing reacts to. */
#define CS_ROUTE__CONCERNS (CS_REACT__ASSIGNED | CS_REACT__INGESTED)

#endif
