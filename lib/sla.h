/*
 * libcs - None. Not API.
 */
#ifndef CS_SLA_PRIVATE_H
#define CS_SLA_PRIVATE_H

#include "cs-internal.h"


/* What happened to a ticket, for the SLA engine. */
enum cs_sla__event {
    CS_SLA__NONE = 0,             /* nothing that concerns SLAs (notes, receipts) */
    CS_SLA__CREATED = 1,          /* the ticket was created */
    CS_SLA__STATUS = 2,           /* its status changed (and maybe other fields) */
    CS_SLA__FIELDS = 3,           /* priority, type, tags or other fields changed */
    CS_SLA__CUSTOMER_MESSAGE = 4, /* a public inbound message by the customer */
    CS_SLA__AGENT_REPLY = 5       /* a public outbound message by an agent */
};
/* The one entry point of the SLA engine: react to `event` inside the caller's transaction.
 * With no policies stored it costs one query. */
int cs_sla__on_ticket(cs_db *db, int64_t ticket_id, int event, int64_t message_id);
/* The running first-reply deadline of a ticket, or 0. */
int cs_sla__first_reply_due(cs_time *out, cs_db *db, int64_t ticket_id);
/* Record due warnings and breaches (cs_tick's SLA part); appends to r. */
int cs_sla__tick(cs_tick_result *r, cs_db *db, cs_time now);

#endif
