/*
 * libcs - the storage of mail: what raw mail adds to a message, and what the mail parser
 * and renderer read of the outbox: what a backend provides. Not API.
 *
 * Mail owns the columns its migration (0009-mail.sql) adds to message: quoted, signature,
 * html, reply_to, mail_date and mail_kind; only this store writes them.
 *
 * Reads that find no row say so (*found, a kind of 0) and record no error.
 */
#ifndef CS_STORE_MAIL_H
#define CS_STORE_MAIL_H

#include "cs-internal.h"

/* What the mail parser separated from a message's body, kept beside it; strings borrowed,
 * NULL (and a date of 0) for none. */
typedef struct cs_mail__columns {
    int kind; /* an enum cs_mail_kind */
    const char *quoted, *signature, *html, *reply_to;
    cs_time date; /* the Date header */
} cs_mail__columns;

/* The outbox item a delivery report names, with its ticket's customer and number; the store
 * fills it. */
typedef struct cs_mail__reported {
    int64_t id, ticket_id, customer_id, number, channel_id;
    int state; /* an enum cs_outbox_state */
    char recipient[CS_IDENTITY_MAX + 1];
    char *last_error; /* NULL for none; release with cs_mem__free */
} cs_mail__reported;

/* An outbox item with what its mail is rendered from: its channel's, ticket's and
 * customer's names; the store fills it. Strings in libcs memory, NULL for none. */
typedef struct cs_mail__item {
    int64_t id, message_id, number; /* the item, its message and its ticket's number */
    int state;                      /* an enum cs_outbox_state */
    int channel_kind;               /* an enum cs_channel_kind */
    char *kind, *recipient, *subject, *body, *header_message_id, *in_reply_to, *refs, *html;
    char *channel_name, *channel_address, *ticket_subject, *customer_name;
} cs_mail__item;

/* Release what an item holds and zero it; the struct itself stays the caller's. */
void cs_mail__item_clear(cs_mail__item *it);

/* Mail on messages ----------------------------------------------------------------------- */

/* Keep `c` on message `message_id`. */
int cs_store__mail_columns_set(cs_db *db, int64_t message_id, const cs_mail__columns *c);
/* The enum cs_mail_kind of message `message_id`, or 0 when it has none; a kind that cannot
 * be read reads as none too. */
int cs_store__mail_kind(int *kind, cs_db *db, int64_t message_id);

/* Reads across owners: one query each, joining other modules' tables; none writes -------- */

/* outbox, channel, ticket: the latest item sent on a mail channel whose Message-ID is `key`
 * (without angle brackets) into *out; *found false when there is none. */
int cs_store__mail_reported(cs_mail__reported *out, bool *found, cs_db *db, const char *key);
/* outbox, channel, ticket, customer: item `item_id` into *out, which must be zeroed; *found
 * false when there is none. */
int cs_store__mail_item(cs_mail__item *out, bool *found, cs_db *db, int64_t item_id);

#endif
