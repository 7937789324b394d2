/*
 * libcs - SLAs: what the other modules use of them. Not API.
 */
#ifndef CS_SLA_PRIVATE_H
#define CS_SLA_PRIVATE_H

#include "cs-internal.h"
#include "store/sla.h"
#include "react.h"

/* One clock of a ticket as cs_sla_status() reports it (cs_sla_clock_*() read it). Times and
 * ids are 0 when not set. */
struct cs_sla_clock {
    int metric, state; /* state: CS_SLA_BREACHED for an active clock past its deadline */
    int64_t policy_id, target, calendar_id, elapsed;
    int business;
    cs_time started_at, target_at, warn_at, fulfilled_at, warned_at, breached_at;
};

/* A ticket's clocks, ordered by metric. */
struct cs_sla_clocks {
    int64_t ticket_id;
    cs_time now; /* the handle's time the report was made at */
    size_t n;
    cs_sla_clock *clocks;
};

/* One warning or breach a tick recorded. */
struct cs_tick_item {
    int64_t ticket_id;
    int metric, kind;
    cs_time at; /* when it fell due */
};

/* What a tick did: its items are warnings first, each kind by time. */
struct cs_tick_result {
    cs_time now;
    size_t warned, breached;
    size_t n;
    cs_tick_item *items;
};

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
