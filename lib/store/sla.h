/*
 * libcs - the storage of SLAs: policies with their conditions and targets, the clocks of
 * tickets, their event log and the queue by due time; what a backend provides. Not API.
 */
#ifndef CS_STORE_SLA_H
#define CS_STORE_SLA_H

#include "cs-internal.h"

/* A policy with its conditions (by position) and targets (by metric and priority). The
 * conditions are the public struct, so that cs_sla_policy_condition() can lend them out; their
 * text is the policy's own (cs_sla__policy_free() releases it). */
struct cs_sla_policy {
    int64_t id;
    char *name;
    int position, pause_pending, pause_on_hold, reopen, warn_percent;
    cs_sla_condition *conds;
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

/* Something a clock did (an sla_event row), or a warning or breach that fell due; the
 * public cs_sla_event (cs_sla_event_list_get()) is one of these. */
struct cs_sla_event {
    int64_t ticket_id, policy_id;
    int metric, kind;
    cs_time at, target_at;
};
typedef struct cs_sla_event cs_sla__event;

/* An entry of the SLA queue (cs_sla_queue_next()). */
struct cs_sla_queue_item {
    int64_t ticket_id;
    int metric;        /* of the earliest running deadline; 0 for none */
    cs_time target_at; /* that deadline; 0 for none */
};

/* Release a policy the store built (cs_sla_policy_free() is this). */
void cs_sla__policy_free(cs_sla_policy *p);

/* Policies ------------------------------------------------------------------------------ */

/* The policies' revision: it grows with every change to them, so a
 * handle's parsed policies notice the changes of other handles and processes. */
int cs_store__sla_revision(int64_t *out, cs_db *db);
int cs_store__sla_revision_bump(cs_db *db);

/* Every policy with its conditions and targets, in the order they are tried (position, then
 * id). The caller releases each with cs_sla__policy_free() and the array with cs_mem__free. */
int cs_store__sla_policies(cs_sla_policy ***out, size_t *n, cs_db *db);
int cs_store__sla_policy_exists(bool *found, cs_db *db, int64_t id);
/* The position after the last policy's (0 for the first). */
int cs_store__sla_policy_next_position(int *out, cs_db *db);
/* Store a new policy's row from f's name, position, pause_pending, pause_on_hold, reopen and
 * warn_percent, every one given; created and updated `now`. f's lists are not read.
 * CS_EEXISTS when the name is taken. */
int cs_store__sla_policy_insert(int64_t *id, cs_db *db, const cs_sla_policy_fields *f, cs_time now);
/* Change the row of policy `id`: the name when not NULL, each number of f that is not
 * CS_UNSET (reopen too); updated_at becomes `now`. f's lists are not read. CS_EEXISTS when
 * the name is taken. */
int cs_store__sla_policy_update(cs_db *db, int64_t id, const cs_sla_policy_fields *f, cs_time now);
/* Delete policy `id` with its conditions and targets. */
int cs_store__sla_policy_delete(cs_db *db, int64_t id);
/* Replace a policy's conditions (their order is their position) or targets. */
int cs_store__sla_conditions_set(cs_db *db, int64_t id, const cs_sla_condition *v, size_t n);
int cs_store__sla_targets_set(cs_db *db, int64_t id, const cs_sla_target *v, size_t n);

/* Clocks and events ----------------------------------------------------------------------- */

/* The clocks of a ticket into c, indexed by metric (exists set); clocks of metrics this
 * libcs does not know are left out. c is not cleared first. */
int cs_store__sla_clocks(cs_sla__clock c[CS_SLA_RESOLUTION + 1], cs_db *db, int64_t ticket_id);
/* Write a ticket's clock, replacing what was stored for its metric. */
int cs_store__sla_clock_save(cs_db *db, int64_t ticket_id, int metric, const cs_sla__clock *c);
/* Cancel every running (active or paused) clock of policy `id` at `at`, each with a
 * cancelled event. */
int cs_store__sla_clocks_cancel(cs_db *db, int64_t policy_id, cs_time at);
/* The deadline of a ticket's running first-reply clock; 0 when there is none. */
int cs_store__sla_first_reply_due(cs_time *out, cs_db *db, int64_t ticket_id);

/* Add an event to the log. */
int cs_store__sla_event_add(cs_db *db, const cs_sla__event *e);
/* A ticket's events in the order they happened; release *v with cs_mem__free. */
int cs_store__sla_events(cs_sla__event **v, size_t *n, cs_db *db, int64_t ticket_id);

/* Append to *v (*n entries, grown with cs_mem__realloc) the warnings, then the breaches,
 * that fell due by `now` on active clocks (of policy `policy_id`, or of all for 0) and are
 * not recorded yet: kind CS_SLA_EVENT_WARNED at warn_at, CS_SLA_EVENT_BREACHED at target_at.
 * Entries appended before an error stay. */
int cs_store__sla_due(cs_sla__event **v, size_t *n, cs_db *db, cs_time now, int64_t policy_id);
/* Note on its clock that a due warning or breach is recorded (its warned_at or breached_at
 * becomes e->at). */
int cs_store__sla_due_mark(cs_db *db, const cs_sla__event *e);

/* The queue --------------------------------------------------------------------------------- */

/* The SLA queue read a page at a time (cs_sla_queue_iter): first the tickets with a running
 * deadline by their earliest one, then ticket id, each from where the last page ended (a
 * ticket may come up again when its deadline moved); then, unless due_after or due_until
 * bound the deadlines, the new and open tickets without a running deadline, by id. Holds no
 * read open between pages. */
typedef struct cs_store__sla_queue cs_store__sla_queue;
/* due_after 0: from the start; due_until 0: no end. scope: as cs_perm__scope(), 0 for every
 * ticket, else the agent whose tickets and groups' tickets are listed. */
int cs_store__sla_queue_open(cs_store__sla_queue **out, cs_db *db, cs_time due_after,
                             cs_time due_until, int64_t scope);
/* The next page: *rows (owned by q, valid until the next call) and their number; 0 rows at
 * the end. A ticket without a running deadline has metric and target_at 0. On an error the
 * rows read before it are given, and the next page starts after them. */
int cs_store__sla_queue_page(const cs_sla_queue_item **rows, size_t *n, cs_store__sla_queue *q);
void cs_store__sla_queue_close(cs_store__sla_queue *q);

/* Reads across owners: one query each, joining other modules' tables; none writes ------------ */

/* What the engine reads of a ticket, its customer and channel (*found false when there is no
 * such ticket). Release out->tags with cs_mem__free. */
int cs_store__sla_ticket(cs_sla__ticket *out, bool *found, cs_db *db, int64_t ticket_id);

#endif
