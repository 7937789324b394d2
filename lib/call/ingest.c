/*
 * libcs - cs_call() methods for ingest and receipts.
 */
#include "config.h"
#include <jansson.h>
#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "call/call.h"

static const cs_name rule_names[] = {
    {CS_THREAD_NEW, "new"},
    {CS_THREAD_EXPLICIT, "explicit"},
    {CS_THREAD_NUMBER, "number"},
    {CS_THREAD_IN_REPLY_TO, "in_reply_to"},
    {CS_THREAD_REFERENCES, "references"},
    {CS_THREAD_REPLY_TO, "reply_to"},
    {CS_THREAD_CONVERSATION, "conversation"},
    {CS_THREAD_SUBJECT, "subject"},
    {CS_THREAD_REFERENCED, "referenced"},
};

static json_t *ingest_json(const cs_ingest_result *res)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:b, s:b, s:b, s:o, s:b, s:b, s:s, s:o, s:o, s:o}",
                     "ticket_id", (json_int_t)res->ticket_id, "ticket_number",
                     (json_int_t)res->ticket_number, "customer_id", (json_int_t)res->customer_id,
                     "message_id", (json_int_t)res->message_id, "created", res->created, "reopened",
                     res->reopened, "follow_up", res->follow_up, "follow_up_of",
                     res->follow_up_of ? json_integer(res->follow_up_of) : json_null(), "duplicate",
                     res->duplicate, "customer_created", res->customer_created, "thread",
                     CS_NAME_OF(rule_names, res->thread_rule), "receipt_id",
                     res->receipt_id ? json_integer(res->receipt_id) : json_null(), "promised_at",
                     cs_json__time(res->promised_at), "receipt",
                     res->receipt ? json_string(res->receipt) : json_null());
}

static int m_ingest(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_inbound in = CS_INBOUND_INIT;
    cs_ingest_result *res = NULL;
    int rc;

    if ((rc = cs_call__id(r, "channel_id", &in.channel_id, true)) < 0 ||
        (rc = cs_call__str(r, "external_id", &in.external_id, false)) < 0 ||
        (rc = cs_call__str(r, "sender", &in.sender, true)) < 0 ||
        (rc = cs_call__str(r, "sender_name", &in.sender_name, false)) < 0 ||
        (rc = cs_call__str(r, "locale", &in.locale, false)) < 0 ||
        (rc = cs_call__str(r, "subject", &in.subject, false)) < 0 ||
        (rc = cs_call__str(r, "body", &in.body, true)) < 0 ||
        (rc = cs_call__id(r, "ticket_id", &in.ticket_id, false)) < 0 ||
        (rc = cs_call__str(r, "in_reply_to", &in.in_reply_to, false)) < 0 ||
        (rc = cs_call__str(r, "references", &in.references, false)) < 0 ||
        (rc = cs_call__str(r, "reply_to", &in.reply_to, false)) < 0 ||
        (rc = cs_call__str(r, "conversation", &in.conversation, false)) < 0 ||
        (rc = cs_call__done(r)) < 0 || (rc = cs_ingest(&res, db, &in)) < 0)
        return rc;
    *out = ingest_json(res);
    cs_ingest_result_free(res);
    return *out ? CS_OK : cs_error__nomem();
}

/* The raw mail of ingest.mail: "raw" as a string (mail that is UTF-8 text), or
 * "raw_base64" (any bytes). *bytes is libcs memory, or NULL when raw points into the
 * request. */
static int req_raw(cs_call__req *r, const char **raw, size_t *size, uint8_t **bytes)
{
    json_t *text = cs_call__get(r, "raw"), *b64 = cs_call__get(r, "raw_base64");
    struct base64_decode_ctx ctx;
    const char *src;
    size_t len;

    *raw = NULL;
    *size = 0;
    *bytes = NULL;
    if ((text && !json_is_null(text)) == (b64 && !json_is_null(b64)))
        return cs_error__inval("raw", "give the mail as raw or as raw_base64, once");
    if (text && !json_is_null(text)) {
        if (!json_is_string(text))
            return cs_call__type_error("raw", "a string");
        *raw = json_string_value(text);
        *size = json_string_length(text);
        return CS_OK;
    }
    if (!json_is_string(b64))
        return cs_call__type_error("raw_base64", "a string");
    src = json_string_value(b64);
    len = json_string_length(b64);
    if (!(*bytes = cs_mem__alloc(BASE64_DECODE_LENGTH(len) + 1)))
        return cs_error__nomem();
    base64_decode_init(&ctx);
    if (!base64_decode_update(&ctx, size, *bytes, len, src) || !base64_decode_final(&ctx)) {
        cs_mem__free(*bytes);
        *bytes = NULL;
        return cs_error__inval("raw_base64", "raw_base64 is not base64");
    }
    *raw = (const char *)*bytes;
    return CS_OK;
}

static int m_ingest_mail(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_ingest_result *res = NULL;
    int64_t channel = 0;
    const char *raw = NULL;
    uint8_t *bytes = NULL;
    size_t size = 0;
    int rc;

    if ((rc = cs_call__id(r, "channel_id", &channel, true)) < 0 ||
        (rc = req_raw(r, &raw, &size, &bytes)) < 0)
        return rc;
    if ((rc = cs_call__done(r)) == CS_OK &&
        (rc = cs_ingest_mail(&res, db, channel, raw, size, NULL)) == CS_OK) {
        if ((*out = ingest_json(res)) &&
            (json_object_set_new(*out, "mail_kind",
                                 json_string(cs_mail_kind_name(res->mail_kind))) ||
             json_object_set_new(*out, "bounced_item_id", cs_json__id(res->bounced_item_id)))) {
            json_decref(*out);
            *out = NULL;
        }
        rc = *out ? CS_OK : cs_error__nomem();
    }
    cs_ingest_result_free(res);
    cs_mem__free(bytes);
    return rc;
}

static int parse_receipt_mode(const char *s)
{
    static const cs_name modes[] = {{CS_RECEIPT_DEFAULT + 1, "default"},
                                    {CS_RECEIPT_ON + 1, "on"},
                                    {CS_RECEIPT_OFF + 1, "off"}};
    return CS_NAME_PARSE(modes, s);
}

static int m_receipt_configure(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t channel = 0, target = 86400;
    int mode = 0, rc;

    if ((rc = cs_call__id(r, "channel_id", &channel, true)) < 0 ||
        (rc = cs_call__enum(r, "mode", parse_receipt_mode, &mode, true)) < 0 ||
        (rc = cs_call__int(r, "first_reply_target", &target, false)) < 0 ||
        (rc = cs_call__done(r)) < 0 ||
        (rc = cs_receipt_configure(db, channel, mode - 1, target)) < 0)
        return rc;
    return cs_call__ok(out);
}

static int m_receipt_set_template(cs_db *db, cs_call__req *r, json_t **out)
{
    const char *language, *text;
    int64_t channel = 0;
    int rc;

    if ((rc = cs_call__id(r, "channel_id", &channel, true)) < 0 ||
        (rc = cs_call__str(r, "language", &language, true)) < 0 ||
        (rc = cs_call__str(r, "template", &text, false)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_receipt_set_template(db, channel, language, text)) < 0)
        return rc;
    return cs_call__ok(out);
}

/* The catalogue -------------------------------------------------------------------------- */

static const cs_call__field ingest_request[] = {
    CS_CALL__F("channel_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__F("external_id", CS_CALL__STRING, 0),
    CS_CALL__F("sender", CS_CALL__STRING, CS_CALL__REQ),
    CS_CALL__F("sender_name", CS_CALL__STRING, 0),
    CS_CALL__F("locale", CS_CALL__STRING, 0),
    CS_CALL__F("subject", CS_CALL__STRING, 0),
    CS_CALL__F("body", CS_CALL__STRING, CS_CALL__REQ),
    CS_CALL__F("ticket_id", CS_CALL__ID, 0),
    CS_CALL__F("in_reply_to", CS_CALL__STRING, 0),
    CS_CALL__F("references", CS_CALL__STRING, 0),
    CS_CALL__F("reply_to", CS_CALL__STRING, 0),
    CS_CALL__F("conversation", CS_CALL__STRING, 0),
    CS_CALL__END,
};

/* What ingest_json() writes: the rows of both ingest answers. */
#define INGEST_RESULT_FIELDS                                                                       \
    CS_CALL__F("ticket_id", CS_CALL__ID, 0), CS_CALL__F("ticket_number", CS_CALL__ID, 0),          \
        CS_CALL__F("customer_id", CS_CALL__ID, 0), CS_CALL__F("message_id", CS_CALL__ID, 0),       \
        CS_CALL__F("created", CS_CALL__BOOLEAN, 0), CS_CALL__F("reopened", CS_CALL__BOOLEAN, 0),   \
        CS_CALL__F("follow_up", CS_CALL__BOOLEAN, 0),                                              \
        CS_CALL__F("follow_up_of", CS_CALL__ID, CS_CALL__NULL),                                    \
        CS_CALL__F("duplicate", CS_CALL__BOOLEAN, 0),                                              \
        CS_CALL__F("customer_created", CS_CALL__BOOLEAN, 0),                                       \
        CS_CALL__E("thread", 0,                                                                    \
                   "new explicit number in_reply_to references reply_to conversation subject "     \
                   "referenced"),                                                                  \
        CS_CALL__F("receipt_id", CS_CALL__ID, CS_CALL__NULL),                                      \
        CS_CALL__F("promised_at", CS_CALL__TIME, CS_CALL__NULL),                                   \
        CS_CALL__F("receipt", CS_CALL__STRING, CS_CALL__NULL)

static const cs_call__field ingest_response[] = {INGEST_RESULT_FIELDS, CS_CALL__END};

static const cs_call__field ingest_mail_request[] = {
    CS_CALL__F("channel_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__F("raw", CS_CALL__STRING, 0),
    CS_CALL__F("raw_base64", CS_CALL__STRING, 0),
    CS_CALL__END,
};
static const cs_call__field ingest_mail_response[] = {
    INGEST_RESULT_FIELDS,
    CS_CALL__E("mail_kind", 0, "message automatic bounce unparsed"),
    CS_CALL__F("bounced_item_id", CS_CALL__ID, CS_CALL__NULL),
    CS_CALL__END,
};

static const cs_call__field receipt_configure_request[] = {
    CS_CALL__F("channel_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__E("mode", CS_CALL__REQ, "default on off"),
    CS_CALL__F("first_reply_target", CS_CALL__INTEGER, 0),
    CS_CALL__END,
};
static const cs_call__field receipt_set_template_request[] = {
    CS_CALL__F("channel_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__F("language", CS_CALL__STRING, CS_CALL__REQ),
    CS_CALL__F("template", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__END,
};

const cs_call__method cs_call__ingest_methods[] = {
    {"ingest", m_ingest, CS_CAP_INGEST, 0,
     "Take in a customer's message: thread it onto a ticket or open one, and send the receipt.",
     ingest_request, ingest_response},
    {"ingest.mail", m_ingest_mail, CS_CAP_INGEST, 0,
     "Parse a raw mail received on an email channel and ingest it, or record it as a bounce.",
     ingest_mail_request, ingest_mail_response},
    {"receipt.configure", m_receipt_configure, CS_CAP_CONFIG_WRITE, 0,
     "Set when a channel sends receipts and the first reply they promise without an SLA.",
     receipt_configure_request, cs_call__no_fields},
    {"receipt.set_template", m_receipt_set_template, CS_CAP_CONFIG_WRITE, 0,
     "Set or reset a channel's receipt text for a language.", receipt_set_template_request,
     cs_call__no_fields},
};
const size_t cs_call__ingest_count = CS_ARRAY_SIZE(cs_call__ingest_methods);
