/*
 * libcs - routing: what the other modules use of it. Not API.
 */
#ifndef CS_ROUTE_PRIVATE_H
#define CS_ROUTE_PRIVATE_H

#include "cs-internal.h"
#include "store/route.h"
#include "react.h"

/* Routing's reaction (lib/react.h) to a ticket's change: count transfers and assignments,
 * and assign a ticket that came in (CS_REACT__INGESTED) by its group's strategy. */
int cs_route__react(cs_db *db, const cs_react__change *change);
/* The changes routing reacts to. */
#define CS_ROUTE__CONCERNS (CS_REACT__ASSIGNED | CS_REACT__INGESTED)

#endif
