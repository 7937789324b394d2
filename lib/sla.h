/*
 * libcs - SLAs: what the other modules use of them. Not API.
 */
#ifndef CS_SLA_PRIVATE_H
#define CS_SLA_PRIVATE_H

#include "cs-internal.h"
#include "store/sla.h"
#include "react.h"

/* The SLA engine's reaction (lib/react.h) to a ticket's change: start, pause, fulfil or
 * cancel its clocks, once for everything one operation did. With no policies stored it
 * costs one query. */
int cs_sla__react(cs_db *db, const cs_react__change *change);
/* The changes the SLA engine reacts to. */
#define CS_SLA__CONCERNS                                                                           \
    (CS_REACT__CREATED | CS_REACT__STATUS | CS_REACT__FIELDS | CS_REACT__CUSTOMER_MESSAGE |        \
     CS_REACT__AGENT_REPLY)
/* The running first-reply deadline of a ticket, or 0. */
int cs_sla__first_reply_due(cs_time *out, cs_db *db, int64_t ticket_id);
/* Record due warnings and breaches (cs_tick's SLA part); appends to r. */
int cs_sla__tick(cs_tick_result *r, cs_db *db, cs_time now);

#endif
