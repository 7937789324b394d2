/*
 * libcs - cs_call() methods for the outbox.
 */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "call/call.h"

static json_t *item_json(const cs_outbox_item *it)
{
    return json_pack("{s:I, s:I, s:o, s:I, s:s, s:I, s:o, s:s, s:s, s:o, s:s, s:o, s:o, s:o,"
                     " s:i}",
                     "id", (json_int_t)it->id, "lease", (json_int_t)it->lease, "lease_until",
                     cs_json__time(it->lease_until), "channel_id", (json_int_t)it->channel_id,
                     "channel_kind", cs_channel_kind_name(it->channel_kind), "ticket_id",
                     (json_int_t)it->ticket_id, "message_id",
                     it->message_id ? json_integer(it->message_id) : json_null(), "kind", it->kind,
                     "recipient", it->recipient, "subject", cs_json__text(it->subject), "body",
                     it->body, "message_id_header", cs_json__text(it->message_id_header),
                     "in_reply_to", cs_json__text(it->in_reply_to), "references",
                     cs_json__text(it->references), "attempts", it->attempts);
}

static int m_outbox_claim(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t channel = 0, max = 10, lease = 60;
    int kind = 0, rc;
    cs_outbox_batch *b = NULL;
    json_t *arr;

    if ((rc = cs_call__enum(r, "channel_kind", cs_channel_kind_parse, &kind, false)) < 0 ||
        (rc = cs_call__id(r, "channel_id", &channel, false)) < 0 ||
        (rc = cs_call__int(r, "max", &max, false)) < 0 ||
        (rc = cs_call__int(r, "lease_seconds", &lease, false)) < 0 || (rc = cs_call__done(r)) < 0)
        return rc;
    if (max < 1 || lease < 1 || lease > 86400)
        return cs_error__inval(max < 1 ? "max" : "lease_seconds", "%s is out of range",
                               max < 1 ? "max" : "lease_seconds");
    if ((rc = cs_outbox_claim(&b, db, kind, channel, (size_t)max, (int)lease)) < 0)
        return rc;
    if ((arr = json_array()))
        for (size_t i = 0; i < cs_outbox_batch_count(b); i++)
            json_array_append_new(arr, item_json(cs_outbox_batch_item(b, i)));
    cs_outbox_batch_free(b);
    *out = arr ? json_pack("{s:o}", "items", arr) : NULL;
    return *out ? CS_OK : cs_error__nomem();
}

static int m_outbox_ack(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t id = 0, lease = 0;
    const char *external;
    int rc;

    if ((rc = cs_call__id(r, "id", &id, true)) < 0 ||
        (rc = cs_call__int(r, "lease", &lease, true)) < 0 ||
        (rc = cs_call__str(r, "external_id", &external, false)) < 0 ||
        (rc = cs_call__done(r)) < 0 || (rc = cs_outbox_ack(db, id, lease, external)) < 0)
        return rc;
    return cs_call__ok(out);
}

static int m_outbox_fail(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t id = 0, lease = 0;
    cs_time retry = 0;
    const char *error;
    int rc;

    if ((rc = cs_call__id(r, "id", &id, true)) < 0 ||
        (rc = cs_call__int(r, "lease", &lease, true)) < 0 ||
        (rc = cs_call__str(r, "error", &error, false)) < 0 ||
        (rc = cs_call__time(r, "retry_at", &retry, false)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_outbox_fail(db, id, lease, error, retry)) < 0)
        return rc;
    return cs_call__ok(out);
}

static int m_outbox_item_mime(cs_db *db, cs_call__req *r, json_t **out)
{
    char *mime = NULL;
    int64_t id = 0;
    int rc;

    if ((rc = cs_call__id(r, "id", &id, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_outbox_item_mime(&mime, NULL, db, id)) < 0)
        return rc;
    *out = json_pack("{s:s}", "mime", mime);
    cs_str_free(mime);
    return *out ? CS_OK : cs_error__nomem();
}

static int parse_state(const char *s)
{
    static const cs_name states[] = {{CS_OUTBOX_QUEUED, "queued"},
                                     {CS_OUTBOX_LEASED, "leased"},
                                     {CS_OUTBOX_SENT, "sent"},
                                     {CS_OUTBOX_DEAD, "dead"},
                                     {CS_OUTBOX_CANCELLED, "cancelled"}};
    return CS_NAME_PARSE(states, s);
}

static json_t *entry_object(const cs_outbox_entry *e)
{
    return json_pack(
        "{s:I, s:s, s:s, s:I, s:I, s:s, s:i, s:o, s:o, s:o}", "id",
        (json_int_t)cs_outbox_entry_id(e), "state", cs_outbox_state_name(cs_outbox_entry_state(e)),
        "kind", cs_outbox_entry_kind(e), "channel_id", (json_int_t)cs_outbox_entry_channel_id(e),
        "ticket_id", (json_int_t)cs_outbox_entry_ticket_id(e), "recipient",
        cs_outbox_entry_recipient(e), "attempts", cs_outbox_entry_attempts(e), "next_attempt_at",
        cs_json__time(cs_outbox_entry_next_attempt_at(e)), "last_error",
        cs_json__text(cs_outbox_entry_last_error(e)), "cancel_reason",
        cs_json__text(cs_outbox_entry_cancel_reason(e)));
}

int cs_outbox_list_json(char **out, cs_db *db, int state, size_t limit)
{
    cs_outbox_list *list = NULL;
    json_t *rows;
    int rc;

    if (out)
        *out = NULL;
    if (!out)
        return cs_error__inval("out", "out is NULL");
    if ((rc = cs_outbox_list_get(&list, db, state, limit)) < 0)
        return rc;
    rows = json_array();
    for (size_t i = 0; rows && i < cs_outbox_list_count(list); i++)
        if (json_array_append_new(rows, entry_object(cs_outbox_list_item(list, i))) < 0) {
            json_decref(rows);
            rows = NULL;
        }
    cs_outbox_list_free(list);
    return cs_json__dump(out, rows);
}

static int m_outbox_list(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t limit = CS_CALL__LIST_DEFAULT;
    int state = 0, rc;
    json_t *arr = NULL;
    char *text = NULL;

    if ((rc = cs_call__enum(r, "state", parse_state, &state, false)) < 0 ||
        (rc = cs_call__int(r, "limit", &limit, false)) < 0 || (rc = cs_call__done(r)) < 0)
        return rc;
    if (limit < 1 || limit > CS_CALL__LIST_MAX)
        return cs_error__inval("limit", "limit must be between 1 and %d", CS_CALL__LIST_MAX);
    if ((rc = cs_call__adopt(&arr, &text, cs_outbox_list_json(&text, db, state, (size_t)limit))) <
        0)
        return rc;
    *out = json_pack("{s:o}", "items", arr);
    return *out ? CS_OK : cs_error__nomem();
}

static int m_reply_channel_stats(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_time from = 0, to = 0;
    int64_t same = 0, total = 0;
    int rc;

    if ((rc = cs_call__time(r, "from", &from, true)) < 0 ||
        (rc = cs_call__time(r, "to", &to, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_reply_channel_stats(&same, &total, db, from, to)) < 0)
        return rc;
    *out =
        json_pack("{s:I, s:I, s:o}", "same_channel", (json_int_t)same, "replies", (json_int_t)total,
                  "share", total ? json_real((double)same / (double)total) : json_null());
    return *out ? CS_OK : cs_error__nomem();
}

/* The catalogue -------------------------------------------------------------------------- */

#define CHANNEL_KINDS "email phone chat webform twitter facebook whatsapp sms api"

static const cs_call__field claim_request[] = {
    CS_CALL__E("channel_kind", 0, CHANNEL_KINDS),
    CS_CALL__F("channel_id", CS_CALL__ID, 0),
    CS_CALL__F("max", CS_CALL__INTEGER, 0),
    CS_CALL__F("lease_seconds", CS_CALL__INTEGER, 0),
    CS_CALL__END,
};
/* item_json() */
static const cs_call__field item_fields[] = {
    CS_CALL__F("id", CS_CALL__ID, 0),
    CS_CALL__F("lease", CS_CALL__INTEGER, 0),
    CS_CALL__F("lease_until", CS_CALL__TIME, 0),
    CS_CALL__F("channel_id", CS_CALL__ID, 0),
    CS_CALL__E("channel_kind", 0, CHANNEL_KINDS),
    CS_CALL__F("ticket_id", CS_CALL__ID, 0),
    CS_CALL__F("message_id", CS_CALL__ID, CS_CALL__NULL),
    CS_CALL__E("kind", 0, "reply receipt"),
    CS_CALL__F("recipient", CS_CALL__STRING, 0),
    CS_CALL__F("subject", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("body", CS_CALL__STRING, 0),
    CS_CALL__F("message_id_header", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("in_reply_to", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("references", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("attempts", CS_CALL__INTEGER, 0),
    CS_CALL__END,
};
static const cs_call__field claim_response[] = {
    CS_CALL__S("items", CS_CALL__ARRAY, 0, item_fields),
    CS_CALL__END,
};

static const cs_call__field ack_request[] = {
    CS_CALL__F("id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__F("lease", CS_CALL__INTEGER, CS_CALL__REQ),
    CS_CALL__F("external_id", CS_CALL__STRING, 0),
    CS_CALL__END,
};
static const cs_call__field fail_request[] = {
    CS_CALL__F("id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__F("lease", CS_CALL__INTEGER, CS_CALL__REQ),
    CS_CALL__F("error", CS_CALL__STRING, 0),
    CS_CALL__F("retry_at", CS_CALL__TIME, 0),
    CS_CALL__END,
};

#define OUTBOX_STATES "queued leased sent dead cancelled"

static const cs_call__field list_request[] = {
    CS_CALL__E("state", 0, OUTBOX_STATES),
    CS_CALL__F("limit", CS_CALL__INTEGER, 0),
    CS_CALL__END,
};
/* entry_object() */
static const cs_call__field entry_fields[] = {
    CS_CALL__F("id", CS_CALL__ID, 0),
    CS_CALL__E("state", 0, OUTBOX_STATES),
    CS_CALL__E("kind", 0, "reply receipt"),
    CS_CALL__F("channel_id", CS_CALL__ID, 0),
    CS_CALL__F("ticket_id", CS_CALL__ID, 0),
    CS_CALL__F("recipient", CS_CALL__STRING, 0),
    CS_CALL__F("attempts", CS_CALL__INTEGER, 0),
    CS_CALL__F("next_attempt_at", CS_CALL__TIME, CS_CALL__NULL),
    CS_CALL__F("last_error", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("cancel_reason", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__END,
};
static const cs_call__field list_response[] = {
    CS_CALL__S("items", CS_CALL__ARRAY, 0, entry_fields),
    CS_CALL__END,
};

static const cs_call__field mime_response[] = {
    CS_CALL__F("mime", CS_CALL__STRING, 0),
    CS_CALL__END,
};

static const cs_call__field stats_request[] = {
    CS_CALL__F("from", CS_CALL__TIME, CS_CALL__REQ),
    CS_CALL__F("to", CS_CALL__TIME, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field stats_response[] = {
    CS_CALL__F("same_channel", CS_CALL__INTEGER, 0),
    CS_CALL__F("replies", CS_CALL__INTEGER, 0),
    CS_CALL__F("share", CS_CALL__NUMBER, CS_CALL__NULL),
    CS_CALL__END,
};

const cs_call__method cs_call__outbox_methods[] = {
    {"outbox.claim", m_outbox_claim, CS_CAP_OUTBOX, 0,
     "Lease up to max due outbox items, optionally of one channel kind or channel.", claim_request,
     claim_response},
    {"outbox.ack", m_outbox_ack, CS_CAP_OUTBOX, 0,
     "Mark a leased outbox item as sent, keeping the channel's id for the message.", ack_request,
     cs_call__no_fields},
    {"outbox.fail", m_outbox_fail, CS_CAP_OUTBOX, 0,
     "Record a failed send of a leased outbox item and when to retry it.", fail_request,
     cs_call__no_fields},
    {"outbox.list", m_outbox_list, CS_CAP_OUTBOX, 0, "List outbox items, optionally in one state.",
     list_request, list_response},
    {"outbox.item_mime", m_outbox_item_mime, CS_CAP_OUTBOX, 0,
     "Render a claimed mail item as the complete RFC 5322 mail to send.", cs_call__id_request,
     mime_response},
    {"reply.channel_stats", m_reply_channel_stats, CS_CAP_REPORT_READ, 0,
     "Count the agents' public replies in a period that went out on the customer's latest "
     "channel.",
     stats_request, stats_response},
};
const size_t cs_call__outbox_count = CS_ARRAY_SIZE(cs_call__outbox_methods);
