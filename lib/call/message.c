/*
 * libcs - cs_call() methods for messages.
 */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "message.h"
#include "call/call.h"

/* What the mail parser kept beside the body; null for messages that did not come in as raw
 * mail. */
static json_t *mail_json(const cs_message *m)
{
    if (!m->mail_kind)
        return json_null();
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "kind", cs_mail_kind_name(m->mail_kind),
                     "quoted", cs_json__text(m->quoted), "signature", cs_json__text(m->signature),
                     "html", cs_json__text(m->html), "reply_to", cs_json__text(m->reply_to), "date",
                     cs_json__time(m->mail_date));
}

int cs_message_to_json(char **out, const cs_message *m)
{
    json_t *o, *atts;

    if (!out || !m)
        return cs_error__inval(out ? "message" : "out", "%s is NULL", out ? "message" : "out");
    *out = NULL;
    o = json_object();
    atts = json_array();
    for (size_t i = 0; atts && i < m->nattachments; i++) {
        const struct cs_message__attachment *a = &m->attachments[i];
        json_array_append_new(atts,
                              json_pack("{s:s, s:s, s:I, s:s, s:o, s:b}", "name", a->name,
                                        "content_type", a->content_type, "size",
                                        (json_int_t)a->size, "sha256", a->sha256, "storage_ref",
                                        cs_json__text(a->storage_ref), "inline", a->data != NULL));
    }
    if (!o || !atts || json_object_set_new(o, "id", json_integer(m->id)) ||
        json_object_set_new(o, "ticket_id", json_integer(m->ticket_id)) ||
        json_object_set_new(o, "direction", json_string(cs_message_direction_name(m->direction))) ||
        json_object_set_new(o, "visibility",
                            json_string(cs_message_visibility_name(m->visibility))) ||
        json_object_set_new(o, "channel_id", cs_json__id(m->channel_id)) ||
        json_object_set_new(o, "author",
                            json_pack("{s:s, s:o}", "kind", cs_call__actor_name(m->author_kind),
                                      "id", cs_json__id(m->author_id))) ||
        json_object_set_new(o, "subject", cs_json__text(m->subject)) ||
        json_object_set_new(o, "body", json_string(m->body)) ||
        json_object_set_new(o, "external_id", cs_json__text(m->external_id)) ||
        json_object_set_new(o, "attachments", atts) ||
        json_object_set_new(o, "mail", mail_json(m)) ||
        json_object_set_new(o, "created_at", cs_json__time(m->created_at))) {
        json_decref(o);
        return cs_error__nomem();
    }
    return cs_json__dump(out, o);
}

int cs_call__messages_json(json_t **out, cs_db *db, int64_t ticket_id)
{
    cs_message_iter *it = NULL;
    const cs_message *m;
    json_t *arr;
    int rc;

    if ((rc = cs_message_iter_new(&it, db, ticket_id)) < 0)
        return rc;
    if (!(arr = json_array())) {
        cs_message_iter_free(it);
        return cs_error__nomem();
    }
    while ((rc = cs_message_next(&m, it)) == CS_OK) {
        char *text = NULL;
        json_t *o = NULL;
        if ((rc = cs_call__adopt(&o, &text, cs_message_to_json(&text, m))) < 0)
            break;
        json_array_append_new(arr, o);
    }
    cs_message_iter_free(it);
    if (rc != CS_ITEROVER) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return CS_OK;
}

static int m_message_create(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_message_fields f = CS_MESSAGE_FIELDS_INIT;
    cs_message *m = NULL;
    char *text = NULL;
    int64_t id;
    int rc;

    if ((rc = cs_call__id(r, "ticket_id", &f.ticket_id, true)) < 0 ||
        (rc = cs_call__enum(r, "direction", cs_message_direction_parse, &f.direction, false)) < 0 ||
        (rc = cs_call__enum(r, "visibility", cs_message_visibility_parse, &f.visibility, false)) <
            0 ||
        (rc = cs_call__id(r, "channel_id", &f.channel_id, false)) < 0 ||
        (rc = cs_call__str(r, "subject", &f.subject, false)) < 0 ||
        (rc = cs_call__str(r, "body", &f.body, true)) < 0 ||
        (rc = cs_call__str(r, "external_id", &f.external_id, false)) < 0 ||
        (rc = cs_call__done(r)) < 0 || (rc = cs_message_create(&id, db, &f)) < 0)
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

static const cs_call__field attachment_object[] = {
    CS_CALL__F("name", CS_CALL__STRING, 0),
    CS_CALL__F("content_type", CS_CALL__STRING, 0),
    CS_CALL__F("size", CS_CALL__INTEGER, 0),
    CS_CALL__F("sha256", CS_CALL__STRING, 0),
    CS_CALL__F("storage_ref", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("inline", CS_CALL__BOOLEAN, 0),
    CS_CALL__END,
};
static const cs_call__field author_object[] = {
    CS_CALL__E("kind", 0, "system agent customer"),
    CS_CALL__F("id", CS_CALL__ID, CS_CALL__NULL),
    CS_CALL__END,
};
static const cs_call__field mail_object[] = {
    CS_CALL__E("kind", 0, "message automatic bounce unparsed"),
    CS_CALL__F("quoted", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("signature", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("html", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("reply_to", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("date", CS_CALL__TIME, CS_CALL__NULL),
    CS_CALL__END,
};
const cs_call__field cs_call__message_fields[] = {
    CS_CALL__F("id", CS_CALL__ID, 0),
    CS_CALL__F("ticket_id", CS_CALL__ID, 0),
    CS_CALL__E("direction", 0, "inbound outbound"),
    CS_CALL__E("visibility", 0, "public internal"),
    CS_CALL__F("channel_id", CS_CALL__ID, CS_CALL__NULL),
    CS_CALL__S("author", CS_CALL__OBJECT, 0, author_object),
    CS_CALL__F("subject", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("body", CS_CALL__STRING, 0),
    CS_CALL__F("external_id", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__S("attachments", CS_CALL__ARRAY, 0, attachment_object),
    CS_CALL__S("mail", CS_CALL__OBJECT, CS_CALL__NULL, mail_object),
    CS_CALL__F("created_at", CS_CALL__TIME, 0),
    CS_CALL__END,
};
static const cs_call__field create_request[] = {
    CS_CALL__F("ticket_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__E("direction", 0, "inbound outbound"),
    CS_CALL__E("visibility", 0, "public internal"),
    CS_CALL__F("channel_id", CS_CALL__ID, 0),
    CS_CALL__F("subject", CS_CALL__STRING, 0),
    CS_CALL__F("body", CS_CALL__STRING, CS_CALL__REQ),
    CS_CALL__F("external_id", CS_CALL__STRING, 0),
    CS_CALL__END,
};
static const cs_call__field list_request[] = {
    CS_CALL__F("ticket_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field list_response[] = {
    CS_CALL__S("messages", CS_CALL__ARRAY, 0, cs_call__message_fields),
    CS_CALL__END,
};

const cs_call__method cs_call__message_methods[] = {
    {"message.create", m_message_create, CS_CAP_MESSAGE_WRITE, CS_CALL__ATOMIC,
     "Add a message to a ticket (an internal note with visibility \"internal\"); nothing is "
     "sent: replies go out through reply.",
     create_request, cs_call__message_fields},
    {"message.list", m_message_list, CS_CAP_TICKET_READ, 0,
     "A ticket's messages as the actor may read them, oldest first.", list_request, list_response},
};
const size_t cs_call__message_count = CS_ARRAY_SIZE(cs_call__message_methods);
