/*
 * libcs - SLAs: what the other modules use of them, and the structs the SLA store fills
 * (lib/store/sla.h). Not API.
 */
#ifndef CS_SLA_PRIVATE_H
#define CS_SLA_PRIVATE_H

#include "cs-internal.h"
#include "react.h"

/* A condition of a policy: kind compares the ticket with value, or with text for a tag. */
typedef struct cs_sla__cond {
    int kind;
    int64_t value;
    char *text;
} cs_sla__cond;

/* A policy with its conditions (by position) and targets (by metric and priority). */
struct cs_sla_policy {
    int64_t id;
    char *name;
    int position, pause_pending, pause_on_hold, reopen, warn_percent;
    cs_sla__cond *conds;
    size_t nconds;
    cs_sla_target *targets;
    size_t ntargets;
    cs_time created_at, updated_at;
};

/* The current cycle of one clock of a ticket; times and ids are 0 where there are none. */
typedef struct cs_sla__clock {
    bool exists; /* the ticket has this clock */
    bool dirty;  /* the engine changed it and writes it back */
    int state;
    int64_t policy_id, target, calendar_id, elapsed;
    cs_time started_at, resumed_at, target_at, warn_at, fulfilled_at, warned_at, breached_at;
} cs_sla__clock;

/* A ticket as the SLA engine sees it. */
typedef struct cs_sla__ticket {
    int status, priority, type;
    int channel_kind;   /* 0 without a channel */
    int channel_public; /* -1 without a channel */
    int64_t organization_id;
    cs_time created_at;
    char *tags; /* ",a,b,": every tag between commas; NULL for none */
} cs_sla__ticket;

/* Something a clock did (an sla_event row), or a warning or breach that fell due. */
typedef struct cs_sla__event {
    int64_t ticket_id, policy_id;
    int metric, kind;
    cs_time at, target_at;
} cs_sla__event;

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
