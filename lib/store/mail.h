/*
 * libcs - the storage of mail: what raw mail adds to a message, and what the mail parser
 * and renderer read of the outbox: what a backend provides. Not API.
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

/* Mail on messages ----------------------------------------------------------------------- */

/* Keep `c` on message `message_id`. */
int cs_store__mail_columns_set(cs_db *db, int64_t message_id, const cs_mail__columns *c);

#endif
