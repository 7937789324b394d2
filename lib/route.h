/*
 * libcs - None. Not API.
 */
#ifndef CS_ROUTE_PRIVATE_H
#define CS_ROUTE_PRIVATE_H

#include "cs-internal.h"


/* A ticket's group or assignee changes (ticket.c's update path): count a transfer when it
 * already had one, stamp assigned_at and make a new assignee the most recently assigned. */
int cs_route__on_assign(cs_db *db, int64_t ticket_id, int64_t old_group, int64_t old_agent,
                        int64_t group, int64_t agent);
/* A ticket was opened (ingest): assign it by its group's strategy, as the system. */
int cs_route__on_created(cs_db *db, int64_t ticket_id);

#endif
