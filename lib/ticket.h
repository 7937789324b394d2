/*
 * libcs - tickets: what other modules and the ticket store use. Not API.
 */
#ifndef CS_TICKET_PRIVATE_H
#define CS_TICKET_PRIVATE_H

#include "cs-internal.h"
#include "perm.h"
#include "store/ticket.h"

/* Read a ticket without permission checks. */
int cs_ticket__get(cs_ticket **out, cs_db *db, int64_t id);
/* Read a ticket the actor reaches with `cap`; CS_ENOTFOUND naming `field` for a ticket that
 * does not exist and, with the same message, for one the actor may not see. */
int cs_ticket__lookup(cs_ticket **out, cs_db *db, const cs_actor *by, cs_cap cap, int64_t id,
                      const char *field);
/* What a customer may say when opening a ticket (cs_ticket_create, callbacks); CS_OK for
 * everyone else. CS_EPERM naming the first field a customer may not set. */
int cs_ticket__may_open(const cs_actor *by, const cs_ticket_fields *f);
/* Create and update without permission checks, recorded as `by`'s doing; the fields must
 * have passed the public function's checks. */
int cs_ticket__create(int64_t *id, cs_db *db, const cs_actor *by, const cs_ticket_fields *f);
/* What a caller already read of a new ticket's customer and channel in its transaction. */
typedef struct cs_ticket__known {
    int64_t channel_group; /* the channel's default group, 0: none */
} cs_ticket__known;
/* cs_ticket__create() for a caller that read the customer (existing, neither merged nor
 * erased) and the channel itself (ingest): neither is read again. */
int cs_ticket__open(int64_t *id, cs_db *db, const cs_actor *by, const cs_ticket_fields *f,
                    const cs_ticket__known *known);
int cs_ticket__update(cs_db *db, const cs_actor *by, int64_t id, const cs_ticket_fields *f);
/* Change a ticket's status as the library (reopen on a reply, auto-close), with audit. */
int cs_ticket__set_status(cs_db *db, const cs_actor *by, int64_t id, int status);
/* Set a ticket's update time (a message was added to it). */
int cs_ticket__touch(cs_db *db, int64_t id, cs_time at);

#endif
