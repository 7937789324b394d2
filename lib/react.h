/*
 * libcs - reactions: what runs after a ticket changed (SLA clocks, routing, and later
 * triggers and webhooks), each once per change, in the order they were registered. Not API.
 *
 * The modules that change tickets only say what changed (cs_react__note); the modules that
 * react register a function when the handle opens (lib/open.c). So the ticket module does
 * not know who listens, and a listener runs once for everything one operation did to a
 * ticket, not once per row it touched.
 */
#ifndef CS_REACT_PRIVATE_H
#define CS_REACT_PRIVATE_H

#include "cs-internal.h"

/* What changed about a ticket: a set of these. */
enum cs_react__what {
    CS_REACT__CREATED = 1 << 0,          /* the ticket was opened */
    CS_REACT__STATUS = 1 << 1,           /* its status changed */
    CS_REACT__FIELDS = 1 << 2,           /* priority, type, tags, custom fields changed */
    CS_REACT__CUSTOMER_MESSAGE = 1 << 3, /* a public inbound message by the customer */
    CS_REACT__AGENT_REPLY = 1 << 4,      /* a public outbound message by an agent */
    CS_REACT__ASSIGNED = 1 << 5,         /* its group or assignee changed */
    CS_REACT__INGESTED = 1 << 6          /* it was opened by ingest (routing assigns it) */
};

/* Everything one operation did to one ticket. */
#define CS_REACT__SEQ_MAX 16
typedef struct cs_react__change {
    int64_t ticket_id;
    unsigned what; /* every enum cs_react__what noted */
    /* The same, one flag each, in the order they were noted (a repeat of the last one is
     * noted once); a reaction whose outcome depends on the order follows it. At most
     * CS_REACT__SEQ_MAX: later notes still count in `what`. */
    unsigned char seq[CS_REACT__SEQ_MAX];
    size_t nseq;
    int64_t message_id;           /* the latest message of a message change, or 0 */
    int64_t old_group, old_agent; /* before the first ASSIGNED change */
    int64_t group, agent;         /* after the last one */
} cs_react__change;

/* A reaction. It runs inside the caller's transaction; an error rolls the operation back. */
typedef int (*cs_react__fn)(cs_db *db, const cs_react__change *change);

/* Add a reaction to the handle's list, for the changes in `what` (a set of enum
 * cs_react__what): it runs only for a ticket where one of them was noted. The list runs in
 * the order of registration and stays until the handle closes. */
int cs_react__register(cs_db *db, cs_react__fn fn, unsigned what);

/* Note a change (what, and for messages and assignments their details). Changes to the same
 * ticket before the next cs_react__run() merge into one. */
int cs_react__note(cs_db *db, int64_t ticket_id, unsigned what, int64_t message_id);
/* Note an assignment: the group and agent before and after. */
int cs_react__note_assign(cs_db *db, int64_t ticket_id, int64_t old_group, int64_t old_agent,
                          int64_t group, int64_t agent);

/* Run every reaction once for each ticket noted since the last run, in the order the
 * tickets were first noted, and forget them. Public functions call this before they
 * commit; ingest also before it writes the receipt, which promises the SLA's deadline. A
 * reaction's own changes are noted and run in the same call, at most CS_REACT__DEPTH
 * rounds deep. */
#define CS_REACT__DEPTH 8
int cs_react__run(cs_db *db);

/* End a public operation: run the reactions when rc says it went well, then cs_db__end(). */
int cs_react__end(cs_db *db, int rc);

/* How many times a registered reaction ran on this handle (for the tests). */
int64_t cs_react__runs(cs_db *db, cs_react__fn fn);

#endif
