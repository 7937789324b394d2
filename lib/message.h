/*
 * libcs - messages: what other modules and the message store use. Not API.
 */
#ifndef CS_MESSAGE_PRIVATE_H
#define CS_MESSAGE_PRIVATE_H

#include "cs-internal.h"
#include "store/message.h"
#include "perm.h"

/* Insert a message with an explicit origin (ingest, replies), touching the ticket's
 * update time. The fields must have been validated; direction must be set. */
int cs_message__insert(int64_t *id, cs_db *db, const cs_message_fields *f,
                       const cs_message__origin *from);
/* Attach to a stored message without the size checks of cs_message__check (mail ingest:
 * the raw mail is kept whatever its size; metadata-only records need no storage_ref). The
 * strings must fit. */
int cs_message__attach(cs_db *db, int64_t message_id, const cs_attachment_spec *a);
/* Validate message fields as cs_message_create() does. */
int cs_message__check(const cs_message_fields *f);
/* Validate attachments as cs_message_create() does (fields "attachments[i].name" ...). */
int cs_message__check_attachments(const cs_attachment_spec *a, size_t n);

#endif
