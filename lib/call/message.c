/*
 * libcs - cs_call() methods for messages.
 */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "call/call.h"

static int m_message_create(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_message_fields f = CS_MESSAGE_FIELDS_INIT;
    cs_message *m = NULL;
    char *text = NULL;
    int64_t id;
    int rc;

    if ((rc = cs_call__id(r, "ticket_id", &f.ticket_id, true)) < 0 ||
        (rc = cs_call__enum(r, "direction", cs_message_direction_parse, &f.direction, false)) < 0 ||
        (rc = cs_call__enum(r, "visibility", cs_message_visibility_parse, &f.visibility, false)) < 0 ||
        (rc = cs_call__id(r, "channel_id", &f.channel_id, false)) < 0 ||
        (rc = cs_call__str(r, "subject", &f.subject, false)) < 0 ||
        (rc = cs_call__str(r, "body", &f.body, true)) < 0 ||
        (rc = cs_call__str(r, "external_id", &f.external_id, false)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_message_create(&id, db, &f)) < 0)
        return rc;
    if ((rc = cs_message_lookup(&m, db, id)) == CS_OK)
        rc = cs_message_to_json(&text, m);
    cs_message_free(m);
    return cs_call__adopt(out, &text, rc);
}

static int m_message_list(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t ticket = 0;
    json_t *arr = NULL;
    int rc;

    if ((rc = cs_call__id(r, "ticket_id", &ticket, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_call__messages_json(&arr, db, ticket)) < 0)
        return rc;
    *out = json_pack("{s:o}", "messages", arr);
    return *out ? CS_OK : cs_error__nomem();
}

const cs_call__method cs_call__message_methods[] = {
    {"message.create", m_message_create, CS_CAP_MESSAGE_WRITE, CS_CALL__ATOMIC},
    {"message.list", m_message_list, CS_CAP_TICKET_READ, 0},
};
const size_t cs_call__message_count = CS_ARRAY_SIZE(cs_call__message_methods);
