/*
 * libcs - the storage of ingest: what it remembers of the messages it took in, the message
 * ids it remembers for threading, and the channels' receipt rules and templates: what a
 * backend provides. Not API.
 *
 * Reads that find no row say so (*found, an id of 0, a NULL text) and record no error.
 */
#ifndef CS_STORE_INGEST_H
#define CS_STORE_INGEST_H

#include "cs-internal.h"

/* What ingest remembers of a message it took in, under its channel and external id, so that
 * a retry gets the first result. */
typedef struct cs_ingest__logged {
    int64_t message_id, ticket_id, customer_id;
    unsigned flags;      /* ingest.c's flags: 8 bits */
    int thread_rule;     /* an enum cs_thread_rule */
    int64_t receipt_id;  /* its outbox item, or 0 */
    cs_time promised_at; /* or 0 */
    /* Read with it from the ticket, not written: its number and the ticket it follows up
     * (0: none). */
    int64_t ticket_number, follow_up_of;
} cs_ingest__logged;

/* The ingest log ------------------------------------------------------------------------- */

/* Log `e` (but for its ticket's number and follow-up) for its message, whose external id
 * (stored with the message) finds it again. */
int cs_store__ingest_log(cs_db *db, const cs_ingest__logged *e);

/* Threading ------------------------------------------------------------------------------ */

/* The latest of the customer's tickets for which message id `ref` (without angle brackets)
 * was remembered, or 0. */
int cs_store__ingest_remembered(int64_t *ticket_id, cs_db *db, const char *ref,
                                int64_t customer_id);
/* Remember message id `ref` for a ticket; remembering it again for it changes nothing. */
int cs_store__ingest_remember(cs_db *db, const char *ref, int64_t ticket_id);

/* Receipts ------------------------------------------------------------------------------- */

/* A channel's receipt rule: an enum cs_receipt_mode and the first-reply target in seconds;
 * *found false when it has none. */
int cs_store__ingest_receipt_rule(int *mode, int64_t *target, bool *found, cs_db *db,
                                  int64_t channel_id);
/* Set a channel's receipt rule, replacing the one it had. */
int cs_store__ingest_receipt_rule_set(cs_db *db, int64_t channel_id, int mode, int64_t target);
/* A channel's receipt template for a language (in libcs memory), or NULL when it has none;
 * a template that cannot be read reads as none too (the built-in text serves). */
int cs_store__ingest_receipt_template(char **out, cs_db *db, int64_t channel_id,
                                      const char *language);
/* Set a channel's template for a language, replacing the one it had, or delete it. */
int cs_store__ingest_receipt_template_set(cs_db *db, int64_t channel_id, const char *language,
                                          const char *text);
int cs_store__ingest_receipt_template_delete(cs_db *db, int64_t channel_id, const char *language);

/* Forget what was ingested from customer `customer_id` or into their tickets, and the mail
 * threading keys of their tickets (erasure). */
int cs_store__ingest_erase_customer(cs_db *db, int64_t customer_id);

/* Reads across owners: one query each, joining other modules' tables; none writes -------- */

/* message, ticket: what was logged for (channel_id, external_id) into *out (found through
 * the message, which alone indexes the id); *found false when nothing was. *taken: a
 * message on the channel carries the id, logged or not (one the desk sent). */
int cs_store__ingest_logged(cs_ingest__logged *out, bool *found, bool *taken, cs_db *db,
                            int64_t channel_id, const char *external_id);
/* message, ticket: the ticket of the customer's latest message with external id `key`,
 * stored bare or in angle brackets (as adapters give them), or 0. */
int cs_store__ingest_by_external(int64_t *ticket_id, cs_db *db, const char *key,
                                 int64_t customer_id);
/* message, ticket: the ticket of the customer's latest message on the channel in
 * `conversation`, or 0. */
int cs_store__ingest_by_conversation(int64_t *ticket_id, cs_db *db, int64_t channel_id,
                                     const char *conversation, int64_t customer_id);

/* ticket, agent, agent_group: the name of the ticket's assignee, else of its group (in
 * libcs memory), or NULL; a name that cannot be read reads as none (the receipt names the
 * team instead). */
int cs_store__ingest_owner_name(char **out, cs_db *db, int64_t ticket_id);

#endif
