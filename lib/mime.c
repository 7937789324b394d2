/*
 * libcs - an outbox mail item rendered as RFC 5322 bytes (with GMime), ready for SMTP.
 */
#include "config.h"

#include <gmime/gmime.h>
#include <stdio.h>
#include <string.h>

#include "cs-internal.h"
#include "perm.h"
#include "ingest.h"
#include "mail.h"
#include "store/message.h"

#define REFS_MAX 20
#define NAME_MAX_BYTES 256

static int load(cs_mail__item *it, cs_db *db, int64_t id)
{
    bool found;
    int rc = cs_store__mail_item(it, &found, db, id);

    if (rc == CS_OK && !found)
        rc = cs_error__set(CS_ENOTFOUND, "item_id", "outbox item %lld does not exist",
                           (long long)id);
    return rc;
}

/* A mailbox address fit for a 7-bit header: ASCII, one '@' with something on either side,
 * nothing that ends an address or starts a header line. */
static bool plain_address(const char *a)
{
    const char *at = a ? strchr(a, '@') : NULL;

    if (!at || at == a || !at[1] || strchr(at + 1, '@'))
        return false;
    for (const char *p = a; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr("<>()[]\\,;:\"", *p))
            return false;
    return true;
}

/* A msg-id without its angle brackets fit for a header: printable ASCII, no brackets. */
static bool plain_msgid(const char *id)
{
    if (!*id)
        return false;
    for (const char *p = id; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || *p == '<' || *p == '>')
            return false;
    return true;
}

/* The ids a stored header names, as "<a> <b>", those that are not fit left out; NULL when
 * none is left. At most `max`, the last ones. */
static int msgid_list(char **out, const char *header, size_t max)
{
    cs_strv ids = {0};
    size_t len = 1, n = 0;
    int rc;

    *out = NULL;
    if (!header)
        return CS_OK;
    if ((rc = cs_ingest__msgids(&ids, header, max)) < 0)
        return rc;
    for (size_t i = 0; i < ids.n; i++)
        len += strlen(ids.v[i]) + 3;
    if (ids.n && !(*out = cs_mem__alloc(len)))
        rc = cs_error__nomem();
    for (size_t i = 0; rc == CS_OK && i < ids.n; i++) {
        if (!plain_msgid(ids.v[i]))
            continue;
        n += (size_t)sprintf(*out + n, "%s<%s>", n ? " " : "", ids.v[i]);
    }
    if (rc == CS_OK && !n) {
        cs_mem__free(*out);
        *out = NULL;
    }
    cs_strv__free(&ids);
    return rc;
}

/* The subject: as stored (the ticket's when none is), always with the ticket's "[#n]", so
 * the customer's answer threads back whatever the agent wrote; one clean line. */
static int subject_line(char **out, const cs_mail__item *it)
{
    const char *base = it->subject ? it->subject : it->ticket_subject;
    size_t len = strlen(base) + 32;
    char tag[32], *s;
    int rc;

    snprintf(tag, sizeof(tag), "[#%lld]", (long long)it->number);
    if (!(s = cs_mem__alloc(len)))
        return cs_error__nomem();
    snprintf(s, len, "%s%s%s", strstr(base, tag) ? "" : tag, strstr(base, tag) ? "" : " ", base);
    rc = cs_ingest__clean_line(out, s, CS_SUBJECT_MAX + sizeof(tag));
    cs_mem__free(s);
    return rc;
}

static void add_mailbox(InternetAddressList *list, const char *name, const char *address)
{
    InternetAddress *ia = internet_address_mailbox_new(name, address);

    internet_address_set_charset(ia, "utf-8");
    internet_address_list_add(list, ia);
    g_object_unref(ia);
}

/* A part holding `size` bytes, encoded for a 7-bit transport. */
static GMimePart *leaf(GMimePart *part, const void *data, size_t size, bool text)
{
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, size);
    GMimeDataWrapper *content =
        g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
    GMimeContentEncoding encoding;

    g_mime_part_set_content(part, content);
    g_object_unref(content);
    g_object_unref(stream);
    encoding = text ? g_mime_part_get_best_content_encoding(part, GMIME_ENCODING_CONSTRAINT_7BIT)
                    : GMIME_CONTENT_ENCODING_BASE64;
    /* Text is written with LF line ends and turned into CRLF on the way out, which base64
     * would hide from the conversion: text is 7bit or quoted-printable, never base64. */
    if (text && encoding == GMIME_CONTENT_ENCODING_BASE64)
        encoding = GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
    g_mime_part_set_content_encoding(part, encoding);
    return part;
}

static GMimeObject *text_part(const char *subtype, const char *text)
{
    GMimePart *part = GMIME_PART(g_mime_text_part_new_with_subtype(subtype));
    bool ascii = true;

    for (const char *p = text; *p && ascii; p++)
        ascii = (unsigned char)*p < 0x80;
    g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset",
                                             ascii ? "us-ascii" : "utf-8");
    return GMIME_OBJECT(leaf(part, text, strlen(text), true));
}

/* "type/subtype" made of token characters, or application/octet-stream. */
static GMimePart *attachment_part(const char *content_type)
{
    static const char token[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789!#$&^_.+-";
    char type[128] = "application", subtype[128] = "octet-stream";
    size_t t = content_type ? strspn(content_type, token) : 0, s = 0;

    if (t && t < sizeof(type) && content_type[t] == '/' &&
        (s = strspn(content_type + t + 1, token)) && s < sizeof(subtype) &&
        !content_type[t + 1 + s]) {
        snprintf(type, sizeof(type), "%.*s", (int)t, content_type);
        snprintf(subtype, sizeof(subtype), "%s", content_type + t + 1);
    }
    return g_mime_part_new_with_type(type, subtype);
}

/* The file name, as RFC 2231 UTF-8 where it is not ASCII (GMime would pick Latin-1 where it
 * fits). */
static void set_filename(GMimePart *part, const char *name)
{
    GMimeObject *obj = GMIME_OBJECT(part);
    GMimeParam *p;

    g_mime_part_set_filename(part, name);
    if ((p = g_mime_param_list_get_parameter(
             g_mime_content_disposition_get_parameters(g_mime_object_get_content_disposition(obj)),
             "filename")))
        g_mime_param_set_charset(p, "UTF-8");
    if ((p = g_mime_param_list_get_parameter(
             g_mime_content_type_get_parameters(g_mime_object_get_content_type(obj)), "name")))
        g_mime_param_set_charset(p, "UTF-8");
}

/* Where add_attachment() adds the attachments of an item. */
struct attachments {
    GMimeMultipart *mixed;
    size_t n;
    int64_t item_id;
};

static int add_attachment(void *payload, const cs_message__bytes *a)
{
    struct attachments *x = payload;
    char *clean = NULL;
    int rc;

    if (!a->in_database)
        return cs_error__set(CS_ECONFLICT, "item_id",
                             "attachment \"%s\" of outbox item %lld "
                             "is in the host's storage, not in the database",
                             a->name, (long long)x->item_id);
    if ((rc = cs_ingest__clean_line(&clean, a->name, NAME_MAX_BYTES)) < 0)
        return rc;
    GMimePart *part = attachment_part(a->content_type);
    set_filename(part, clean ? clean : "attachment");
    g_mime_multipart_add(x->mixed,
                         GMIME_OBJECT(leaf(part, a->data ? a->data : "", a->size, false)));
    g_object_unref(part);
    cs_mem__free(clean);
    x->n++;
    return CS_OK;
}

/* The item's attachments (those of its message) added to `mixed`. */
static int add_attachments(GMimeMultipart *mixed, size_t *n, cs_db *db, const cs_mail__item *it)
{
    struct attachments x = {mixed, 0, it->id};
    int rc = cs_store__message_attachments_each(db, it->message_id, add_attachment, &x);

    *n = x.n;
    return rc;
}

/* The body: text, text and HTML as alternatives, and the attachments around them. */
static int body_of(GMimeObject **out, cs_db *db, const cs_mail__item *it)
{
    GMimeObject *body = text_part("plain", it->body);
    GMimeMultipart *mixed;
    size_t n = 0;
    int rc;

    if (it->html) {
        GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
        GMimeObject *html = text_part("html", it->html);
        g_mime_multipart_add(alt, body);
        g_mime_multipart_add(alt, html);
        g_object_unref(body);
        g_object_unref(html);
        body = GMIME_OBJECT(alt);
    }
    mixed = g_mime_multipart_new_with_subtype("mixed");
    g_mime_multipart_add(mixed, body);
    if ((rc = add_attachments(mixed, &n, db, it)) < 0 || !n) {
        g_object_unref(mixed);
        *out = rc < 0 ? (g_object_unref(body), NULL) : body;
        return rc;
    }
    g_object_unref(body);
    *out = GMIME_OBJECT(mixed);
    return CS_OK;
}

/* Header values, each one clean line. */
struct headers {
    char *from_name, *to_name, *subject, *in_reply_to, *refs;
};

static void headers_free(struct headers *h)
{
    cs_mem__free(h->from_name);
    cs_mem__free(h->to_name);
    cs_mem__free(h->subject);
    cs_mem__free(h->in_reply_to);
    cs_mem__free(h->refs);
}

static int headers_of(struct headers *h, const cs_mail__item *it)
{
    const char *address = it->channel_address, *to = it->recipient;
    int rc;

    if (!plain_address(address))
        return cs_error__set(CS_ECONFLICT, "item_id",
                             "the channel of outbox item %lld has no "
                             "plain mail address to send from",
                             (long long)it->id);
    if (!plain_address(to))
        return cs_error__set(CS_ECONFLICT, "item_id",
                             "outbox item %lld is addressed to \"%s\", "
                             "which is not a plain (ASCII) mail address",
                             (long long)it->id, to ? to : "");
    if ((rc = cs_ingest__clean_line(&h->from_name, it->channel_name, NAME_MAX_BYTES)) < 0 ||
        (rc = cs_ingest__clean_line(&h->to_name, it->customer_name, NAME_MAX_BYTES)) < 0 ||
        (rc = subject_line(&h->subject, it)) < 0 ||
        (rc = msgid_list(&h->in_reply_to, it->in_reply_to, 1)) < 0 ||
        (rc = msgid_list(&h->refs, it->refs, REFS_MAX)) < 0)
        return rc;
    /* A customer known only by their address gets no name: "anna@x <anna@x>" looks odd. */
    if (h->to_name && !strcmp(h->to_name, to)) {
        cs_mem__free(h->to_name);
        h->to_name = NULL;
    }
    return CS_OK;
}

/* Automatic mail (receipts, and every kind but an agent's reply) says so (RFC 3834), so
 * that autoresponders and vacation notices do not answer it and start a loop. */
static bool automatic(const cs_mail__item *it)
{
    return strcmp(it->kind, "reply") != 0;
}

static GMimeMessage *message_of(const struct headers *h, const cs_mail__item *it, const char *msgid,
                                cs_time now)
{
    GMimeMessage *msg = g_mime_message_new(TRUE);
    GMimeObject *obj = GMIME_OBJECT(msg);
    GDateTime *date = g_date_time_new_from_unix_utc(now);

    add_mailbox(g_mime_message_get_from(msg), h->from_name, it->channel_address);
    add_mailbox(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO), h->to_name,
                it->recipient);
    g_mime_message_set_subject(msg, h->subject, "utf-8");
    g_mime_message_set_date(msg, date);
    g_date_time_unref(date);
    g_mime_message_set_message_id(msg, msgid);
    if (h->in_reply_to)
        g_mime_object_set_header(obj, "In-Reply-To", h->in_reply_to, NULL);
    if (h->refs)
        g_mime_object_set_header(obj, "References", h->refs, NULL);
    if (automatic(it)) {
        g_mime_object_set_header(obj, "Auto-Submitted", "auto-replied", NULL);
        g_mime_object_set_header(obj, "X-Auto-Response-Suppress", "All", NULL);
    }
    return msg;
}

/* The message's bytes with CRLF line ends, copied into libcs memory; every byte must be
 * 7-bit, as the header promises. */
static int bytes_of(char **out, size_t *size, GMimeMessage *msg, int64_t id)
{
    GMimeFormatOptions *fo = g_mime_format_options_new();
    GMimeStream *stream = g_mime_stream_mem_new();
    GByteArray *bytes;
    int rc = CS_OK;

    g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
    if (g_mime_object_write_to_stream(GMIME_OBJECT(msg), fo, stream) < 0) {
        rc = cs_error__set(CS_ERROR, "item_id", "outbox item %lld could not be rendered",
                           (long long)id);
        goto out;
    }
    bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
    for (guint i = 0; i < bytes->len && rc == CS_OK; i++)
        if (!bytes->data[i] || bytes->data[i] >= 0x80)
            rc = cs_error__set(CS_ERROR, "item_id", "outbox item %lld rendered as 8-bit bytes",
                               (long long)id);
    if (rc == CS_OK && !(*out = cs_mem__alloc(bytes->len + 1)))
        rc = cs_error__nomem();
    if (rc == CS_OK) {
        memcpy(*out, bytes->data, bytes->len);
        (*out)[bytes->len] = '\0';
        *size = bytes->len;
    }
out:
    g_object_unref(stream);
    g_mime_format_options_free(fo);
    return rc;
}

static int render(char **out, size_t *size, cs_db *db, const cs_mail__item *it)
{
    struct headers h = {0};
    GMimeMessage *msg = NULL;
    GMimeObject *body = NULL;
    char msgid[CS_EXTERNAL_ID_MAX + 1];
    const char *id = it->header_message_id;
    size_t len = id ? strlen(id) : 0;
    int rc;

    if (it->state != CS_OUTBOX_LEASED)
        return cs_error__set(CS_ECONFLICT, "item_id",
                             "outbox item %lld is not claimed: only "
                             "a claimed item is rendered",
                             (long long)it->id);
    if (it->channel_kind != CS_CHANNEL_EMAIL && it->channel_kind != CS_CHANNEL_WEBFORM)
        return cs_error__inval("item_id", "outbox item %lld is not a mail: its channel is %s",
                               (long long)it->id, cs_channel_kind_name(it->channel_kind));
    if (len < 3 || len > sizeof(msgid) || id[0] != '<' || id[len - 1] != '>')
        return cs_error__set(CS_ECONFLICT, "item_id", "outbox item %lld has no Message-ID",
                             (long long)it->id);
    snprintf(msgid, sizeof(msgid), "%.*s", (int)(len - 2), id + 1);
    if (!plain_msgid(msgid))
        return cs_error__set(CS_ECONFLICT, "item_id",
                             "outbox item %lld has no usable "
                             "Message-ID",
                             (long long)it->id);
    if ((rc = headers_of(&h, it)) < 0)
        goto out;
    cs_mail__init(); /* GMime's tables, once per process (shared with the parser) */
    if ((rc = body_of(&body, db, it)) < 0)
        goto out;
    msg = message_of(&h, it, msgid, cs_db_now(db));
    g_mime_message_set_mime_part(msg, body);
    rc = bytes_of(out, size, msg, it->id);
out:
    if (body)
        g_object_unref(body);
    if (msg)
        g_object_unref(msg);
    headers_free(&h);
    return rc;
}

int cs_outbox_item_mime(char **out, size_t *size, cs_db *db, int64_t item_id)
{
    cs_mail__item it = {0};
    size_t ignored;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (size)
        *size = 0;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_OUTBOX)) < 0 || (rc = load(&it, db, item_id)) < 0)
        goto out;
    rc = render(out, size ? size : &ignored, db, &it);
out:
    cs_mail__item_clear(&it);
    return rc;
}
