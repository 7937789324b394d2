/*
 * libcs - mail in: parse a raw RFC 5322 message with GMime, recognise automatic mail and
 * bounces, and ingest it through the one door (ingest.c).
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>
#include <libxml/parser.h>

#include "cs-internal.h"
#include "react.h"
#include "perm.h"
#include "audit.h"
#include "message.h"
#include "ingest.h"
#include "mail.h"
#include "store/channel.h"
#include "store/outbox.h"

#define DEPTH_MAX 32      /* MIME nesting walked; deeper parts stay in message.eml */
#define PARTS_MAX 20000   /* parts looked at; the rest stay in message.eml */
#define RECIPIENTS_MAX 16 /* per-recipient blocks read from a delivery report */
#define UNPARSED_TAG "mail-unparsed"

static const cs_name kind_names[] = {
    {CS_MAIL_MESSAGE, "message"},
    {CS_MAIL_AUTOMATIC, "automatic"},
    {CS_MAIL_BOUNCE, "bounce"},
    {CS_MAIL_UNPARSED, "unparsed"},
};

const char *cs_mail_kind_name(int kind)
{
    return CS_NAME_OF(kind_names, kind);
}

/* GMime and libxml2 keep process-wide tables; they are set up once, by whichever thread
 * comes first, and live as long as the process. */
static void init_parsers(void)
{
    static gsize done = 0;

    if (g_once_init_enter(&done)) {
        g_mime_init();
        xmlInitParser();
        g_once_init_leave(&done, 1);
    }
}

void cs_mail__init(void)
{
    init_parsers();
}

/* What the parser found ---------------------------------------------------------------- */

struct part {
    char *name, *type;
    char *data; /* decoded bytes (cs_mem), or NULL once handed over */
    size_t size;
};

struct report {
    bool seen;   /* a message/delivery-status part */
    char *msgid; /* the Message-ID of the mail it reports */
    char *action[RECIPIENTS_MAX], *status[RECIPIENTS_MAX], *diagnostic[RECIPIENTS_MAX];
    char *recipient[RECIPIENTS_MAX];
    size_t n;
};

struct mail {
    const void *raw;
    size_t size;
    char sha[65];
    char *from, *from_name, *reply_to, *subject, *message_id, *in_reply_to, *references;
    cs_time date;
    bool automatic;
    bool envelope_ok;   /* no Return-Path, or an empty one: a delivery report may be genuine */
    cs_buf plain, html; /* the text parts, as UTF-8 */
    char *body, *quoted, *signature, *html_text;
    struct part *parts;
    size_t nparts, looked;
    bool keep_raw; /* something did not fit: message.eml keeps it all */
    struct report report;
    const char *unparsed; /* why it could not be read, or NULL */
};

static void mail_free(struct mail *m)
{
    char **strings[] = {&m->from,       &m->from_name,   &m->reply_to,   &m->subject,
                        &m->message_id, &m->in_reply_to, &m->references, &m->body,
                        &m->quoted,     &m->signature,   &m->html_text,  &m->report.msgid};
    for (size_t i = 0; i < CS_ARRAY_SIZE(strings); i++)
        cs_mem__free(*strings[i]);
    for (size_t i = 0; i < m->nparts; i++) {
        cs_mem__free(m->parts[i].name);
        cs_mem__free(m->parts[i].type);
        cs_mem__free(m->parts[i].data);
    }
    cs_mem__free(m->parts);
    for (size_t i = 0; i < m->report.n; i++) {
        cs_mem__free(m->report.action[i]);
        cs_mem__free(m->report.status[i]);
        cs_mem__free(m->report.diagnostic[i]);
        cs_mem__free(m->report.recipient[i]);
    }
    cs_buf__free(&m->plain);
    cs_buf__free(&m->html);
}

/* A copy in libcs memory of a GMime string; NULL stays NULL. */
static int keep(char **out, const char *s)
{
    *out = NULL;
    if (!s)
        return CS_OK;
    return (*out = cs_mem__strdup(s)) ? CS_OK : cs_error__nomem();
}

/* A header's value as GMime unfolded and decoded it, or NULL. */
static const char *header(GMimeObject *o, const char *name)
{
    return g_mime_object_get_header(o, name);
}

/* The value of a header as a lowercase token, parameters cut: "Auto-Replied; x" -> ... */
static void token(char *out, size_t size, const char *value)
{
    size_t n = 0;

    while (value && isspace((unsigned char)*value))
        value++;
    for (; value && *value && *value != ';' && !isspace((unsigned char)*value) && n + 1 < size;
         value++)
        out[n++] = (char)tolower((unsigned char)*value);
    out[n] = '\0';
}

/* Whether the Return-Path (the envelope sender the receiving server recorded) is empty:
 * delivery reports and other mail that must not be answered are sent so. */
static bool null_sender(GMimeObject *o)
{
    const char *v = header(o, "Return-Path");

    while (v && isspace((unsigned char)*v))
        v++;
    return v && (!*v || !strncmp(v, "<>", 2));
}

/* RFC 3834 and the conventions around it: mail no program should answer automatically. */
static bool automatic_headers(GMimeObject *o)
{
    char t[32];
    const char *v;

    token(t, sizeof(t), header(o, "Auto-Submitted"));
    if (*t && strcmp(t, "no"))
        return true;
    token(t, sizeof(t), header(o, "Precedence"));
    if (!strcmp(t, "bulk") || !strcmp(t, "list") || !strcmp(t, "junk"))
        return true;
    if ((v = header(o, "List-Id")) && *v)
        return true;
    if (header(o, "X-Autoreply") || header(o, "X-Autorespond"))
        return true;
    if (null_sender(o))
        return true;
    /* Outlook's request: a comma-separated list of what not to send back. */
    for (const char *p = header(o, "X-Auto-Response-Suppress"); p && *p;) {
        size_t n;
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        for (n = 0; p[n] && p[n] != ',' && !isspace((unsigned char)p[n]);)
            n++;
        if ((n == 3 && !strncasecmp(p, "all", 3)) || (n == 9 && !strncasecmp(p, "autoreply", 9)) ||
            (n == 3 && !strncasecmp(p, "oof", 3)))
            return true;
        p += n;
    }
    return false;
}

/* Senders that are programs: MAILER-DAEMON, postmaster, noreply and its spellings. */
static bool robot_sender(const char *address)
{
    static const char *const exact[] = {"mailer-daemon", "postmaster", "mailer", "bounce",
                                        "bounces"};
    static const char *const prefixes[] = {
        "noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply",
        "bounce-", "bounces-", "bounce+",  "bounces+",   "mailer-daemon"};
    const char *at = strchr(address, '@');
    size_t n = at ? (size_t)(at - address) : strlen(address);

    for (size_t i = 0; i < CS_ARRAY_SIZE(exact); i++)
        if (strlen(exact[i]) == n && !strncasecmp(address, exact[i], n))
            return true;
    for (size_t i = 0; i < CS_ARRAY_SIZE(prefixes); i++)
        if (n >= strlen(prefixes[i]) && !strncasecmp(address, prefixes[i], strlen(prefixes[i])))
            return true;
    return false;
}

/* An address libcs can keep as a mail identity. An allocation failure is kept in *rc. */
static bool usable_address(const char *addr, int *rc)
{
    char *value = NULL;
    int r = addr && strlen(addr) <= CS_IDENTITY_MAX && cs_utf8__valid(addr, strlen(addr))
                ? cs_identity_normalize(&value, CS_IDENTITY_EMAIL, addr)
                : CS_EINVAL;

    if (r == CS_ENOMEM)
        *rc = r;
    cs_mem__free(value);
    return r == CS_OK;
}

/* The first mailbox of an address list (also inside a group). */
static InternetAddressMailbox *first_mailbox(InternetAddressList *list, int depth, int *rc)
{
    int n = list ? internet_address_list_length(list) : 0;

    for (int i = 0; i < n; i++) {
        InternetAddress *a = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
            const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
            if (usable_address(addr, rc))
                return INTERNET_ADDRESS_MAILBOX(a);
        } else if (INTERNET_ADDRESS_IS_GROUP(a) && depth < 2) {
            InternetAddressMailbox *m = first_mailbox(
                internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), depth + 1, rc);
            if (m)
                return m;
        }
    }
    return NULL;
}

/* The sender: From, else Sender, else the envelope's Return-Path. */
static int read_sender(struct mail *m, GMimeMessage *msg, GMimeParserOptions *po)
{
    int rc = CS_OK;
    InternetAddressMailbox *mb = first_mailbox(g_mime_message_get_from(msg), 0, &rc);
    InternetAddressList *rp = NULL;

    if (!mb)
        mb = first_mailbox(g_mime_message_get_sender(msg), 0, &rc);
    if (!mb && header(GMIME_OBJECT(msg), "Return-Path") &&
        (rp = internet_address_list_parse(po, header(GMIME_OBJECT(msg), "Return-Path"))))
        mb = first_mailbox(rp, 0, &rc);
    if (mb && rc == CS_OK && (rc = keep(&m->from, internet_address_mailbox_get_addr(mb))) == CS_OK)
        rc = keep(&m->from_name, internet_address_get_name(INTERNET_ADDRESS(mb)));
    if (rp)
        g_object_unref(rp);
    /* A Reply-To that is the sender's own address asks for nothing. */
    if (rc == CS_OK && m->from && (mb = first_mailbox(g_mime_message_get_reply_to(msg), 0, &rc)) &&
        rc == CS_OK && strcasecmp(internet_address_mailbox_get_addr(mb), m->from))
        rc = keep(&m->reply_to, internet_address_mailbox_get_addr(mb));
    return rc;
}

/* What was written to a memory stream, copied into libcs memory; the stream is released. */
static int stream_bytes(char **out, size_t *size, GMimeStream *mem)
{
    GByteArray *a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));

    if ((*out = cs_mem__alloc(a->len + 1))) {
        if (a->len)
            memcpy(*out, a->data, a->len);
        (*out)[a->len] = '\0';
        *size = a->len;
    }
    g_object_unref(mem);
    return *out ? CS_OK : cs_error__nomem();
}

/* The decoded bytes of a part (transfer encoding undone) in libcs memory. */
static int part_bytes(char **out, size_t *size, GMimePart *part)
{
    GMimeDataWrapper *w = g_mime_part_get_content(part);
    GMimeStream *mem;

    *out = NULL;
    *size = 0;
    if (!w)
        return (*out = cs_mem__strdup("")) ? CS_OK : cs_error__nomem();
    mem = g_mime_stream_mem_new();
    g_mime_data_wrapper_write_to_stream(w, mem);
    return stream_bytes(out, size, mem);
}

/* An object written out as it stands (an attached message). */
static int object_bytes(char **out, size_t *size, GMimeObject *o)
{
    GMimeStream *mem = g_mime_stream_mem_new();

    g_mime_object_write_to_stream(o, NULL, mem);
    return stream_bytes(out, size, mem);
}

static int add_part(struct mail *m, GMimeObject *o, char *data, size_t size, const char *fallback)
{
    GMimeContentType *ct = g_mime_object_get_content_type(o);
    const char *name = GMIME_IS_PART(o) ? g_mime_part_get_filename(GMIME_PART(o)) : NULL;
    char *type = ct ? g_mime_content_type_get_mime_type(ct) : NULL, generated[64];
    struct part *p;
    int rc;

    if (m->nparts >= CS_ATTACHMENTS_MAX - 1) { /* one place stays for message.eml */
        m->keep_raw = true;
        g_free(type);
        cs_mem__free(data);
        return CS_OK;
    }
    if (!(p = cs_mem__realloc(m->parts, (m->nparts + 1) * sizeof(*p)))) {
        g_free(type);
        cs_mem__free(data);
        return cs_error__nomem();
    }
    m->parts = p;
    p = &m->parts[m->nparts++];
    memset(p, 0, sizeof(*p));
    p->data = data;
    p->size = size;
    snprintf(generated, sizeof(generated), "part-%zu.%s", m->nparts, fallback);
    if ((rc = cs_ingest__clean_line(&p->name, name, CS_NAME_MAX)) == CS_OK && !p->name)
        rc = keep(&p->name, generated);
    if (rc == CS_OK)
        rc = cs_ingest__clean_line(&p->type, type, CS_NAME_MAX);
    g_free(type);
    return rc;
}

/* Header fields of a delivery report: "Name: value" lines, continued by lines that start
 * with white space, blocks separated by blank lines. The value of `name` in the block that
 * starts at *p; *p moves past it. */
static int report_block(const char **p, const char *const names[], char *values[], size_t n)
{
    const char *s = *p;
    int rc = CS_OK;

    while (*s == '\r' || *s == '\n')
        s++;
    while (*s && *s != '\r' && *s != '\n') {
        const char *end = s, *colon;
        do {
            const char *nl = strchr(end, '\n');
            end = nl ? nl + 1 : end + strlen(end);
        } while (*end == ' ' || *end == '\t');
        colon = memchr(s, ':', (size_t)(end - s));
        for (size_t i = 0; colon && i < n; i++) {
            if (values[i] || strlen(names[i]) != (size_t)(colon - s) ||
                strncasecmp(s, names[i], (size_t)(colon - s)))
                continue;
            char *v = cs_mem__strndup(colon + 1, (size_t)(end - colon - 1));
            /* Folded lines become one, white space folded. */
            if (!v || (rc = cs_ingest__clean_line(&values[i], v, 512)) < 0)
                rc = rc < 0 ? rc : cs_error__nomem();
            cs_mem__free(v);
        }
        s = end;
    }
    *p = s;
    return rc;
}

/* The per-recipient blocks of a message/delivery-status part (the per-message block has
 * neither Action nor Final-Recipient, and is passed over like any such block). */
static int read_status(struct report *r, const char *text)
{
    static const char *const names[] = {"Action", "Status", "Diagnostic-Code", "Final-Recipient"};
    const char *p = text;

    int rc = CS_OK;

    r->seen = true;
    while (*p && r->n < RECIPIENTS_MAX && rc == CS_OK) {
        char *v[4] = {NULL, NULL, NULL, NULL};
        rc = report_block(&p, names, v, 4);
        if (rc < 0 || (!v[0] && !v[3])) {
            for (int i = 0; i < 4; i++)
                cs_mem__free(v[i]);
            continue;
        }
        r->action[r->n] = v[0];
        r->status[r->n] = v[1];
        r->diagnostic[r->n] = v[2];
        r->recipient[r->n++] = v[3];
    }
    return rc;
}

/* The Message-ID in the returned headers of a report. */
static int read_returned(struct report *r, const char *headers)
{
    static const char *const names[] = {"Message-ID"};
    const char *p = headers;
    char *v[1] = {NULL};
    char key[CS_INGEST__MSGID_MAX + 1];
    int rc = report_block(&p, names, v, 1);

    if (rc == CS_OK && v[0] && !r->msgid && cs_ingest__msgid_key(key, v[0]) &&
        !(r->msgid = cs_mem__strdup(key)))
        rc = cs_error__nomem();
    cs_mem__free(v[0]);
    return rc;
}

static bool type_is(GMimeObject *o, const char *type, const char *subtype)
{
    GMimeContentType *ct = g_mime_object_get_content_type(o);
    return ct && g_mime_content_type_is_type(ct, type, subtype ? subtype : "*");
}

static int walk(struct mail *m, GMimeObject *o, int depth, bool in_report);

static int walk_text(struct mail *m, GMimePart *part, bool html)
{
    const char *charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
    char *bytes = NULL, *text = NULL;
    cs_buf *into = html ? &m->html : &m->plain;
    size_t size;
    int rc;

    if ((rc = part_bytes(&bytes, &size, part)) < 0 ||
        (rc = cs_mail__to_utf8(&text, bytes, size, charset)) < 0)
        goto out;
    if (into->n && !cs_buf__add(into, "\n\n", 2))
        rc = cs_error__nomem();
    else if (!cs_buf__str(into, text))
        rc = cs_error__nomem();
out:
    cs_mem__free(bytes);
    cs_mem__free(text);
    return rc;
}

static int walk_part(struct mail *m, GMimePart *part, bool in_report)
{
    GMimeObject *o = GMIME_OBJECT(part);
    bool named = g_mime_part_get_filename(part) != NULL || g_mime_part_is_attachment(part);
    char *bytes = NULL;
    size_t size;
    int rc;

    if (in_report && (type_is(o, "message", "delivery-status") ||
                      type_is(o, "message", "global-delivery-status"))) {
        if ((rc = part_bytes(&bytes, &size, part)) == CS_OK)
            rc = read_status(&m->report, bytes);
        cs_mem__free(bytes);
        return rc;
    }
    if (in_report && type_is(o, "text", "rfc822-headers")) {
        if ((rc = part_bytes(&bytes, &size, part)) == CS_OK)
            rc = read_returned(&m->report, bytes);
        cs_mem__free(bytes);
        return rc;
    }
    if (!named && type_is(o, "text", "plain"))
        return walk_text(m, part, false);
    if (!named && type_is(o, "text", "html"))
        return walk_text(m, part, true);
    if (m->nparts >= CS_ATTACHMENTS_MAX - 1) {
        m->keep_raw = true; /* no room: message.eml keeps it */
        return CS_OK;
    }
    if ((rc = part_bytes(&bytes, &size, part)) < 0)
        return rc;
    return add_part(m, o, bytes, size, "bin");
}

static int walk_message_part(struct mail *m, GMimeMessagePart *mp, bool in_report)
{
    GMimeMessage *inner = g_mime_message_part_get_message(mp);
    GMimeObject *o = GMIME_OBJECT(mp);
    char key[CS_INGEST__MSGID_MAX + 1], *bytes = NULL;
    size_t size = 0;
    int rc;

    if (!inner)
        return CS_OK;
    if (in_report && !m->report.msgid &&
        cs_ingest__msgid_key(key, g_mime_message_get_message_id(inner)) &&
        !(m->report.msgid = cs_mem__strdup(key)))
        return cs_error__nomem();
    if (in_report && type_is(o, "message", "delivery-status")) {
        if ((rc = object_bytes(&bytes, &size, GMIME_OBJECT(inner))) == CS_OK)
            rc = read_status(&m->report, bytes);
        cs_mem__free(bytes);
        return rc;
    }
    if ((rc = object_bytes(&bytes, &size, GMIME_OBJECT(inner))) < 0)
        return rc;
    if ((rc = add_part(m, o, bytes, size, "eml")) == CS_OK && m->nparts &&
        !strncmp(m->parts[m->nparts - 1].name, "part-", 5)) {
        /* An attached mail is named by its subject. */
        char *name = NULL;
        const char *subject = g_mime_message_get_subject(inner);
        if (subject && (rc = cs_ingest__clean_line(&name, subject, CS_NAME_MAX - 4)) == CS_OK &&
            name) {
            size_t len = strlen(name) + 5;
            char *eml = cs_mem__alloc(len);
            if (eml) {
                snprintf(eml, len, "%s.eml", name);
                cs_mem__free(m->parts[m->nparts - 1].name);
                m->parts[m->nparts - 1].name = eml;
            } else {
                rc = cs_error__nomem();
            }
        }
        cs_mem__free(name);
    }
    return rc;
}

static int walk(struct mail *m, GMimeObject *o, int depth, bool in_report)
{
    int rc = CS_OK;

    if (!o)
        return CS_OK;
    if (depth > DEPTH_MAX || ++m->looked > PARTS_MAX) {
        m->keep_raw = true;
        return CS_OK;
    }
    if (GMIME_IS_MULTIPART(o)) {
        GMimeMultipart *mp = GMIME_MULTIPART(o);
        bool report = type_is(o, "multipart", "report");
        int n = g_mime_multipart_get_count(mp);
        for (int i = 0; i < n && rc == CS_OK; i++)
            rc = walk(m, g_mime_multipart_get_part(mp, i), depth + 1, report);
        return rc;
    }
    if (GMIME_IS_MESSAGE_PART(o))
        return walk_message_part(m, GMIME_MESSAGE_PART(o), in_report);
    if (GMIME_IS_PART(o))
        return walk_part(m, GMIME_PART(o), in_report);
    return CS_OK;
}

/* The text: text/plain, else the HTML made readable; cut to the limits. */
static int make_text(struct mail *m)
{
    char *text = NULL;
    int rc = CS_OK;

    if (m->html.n) {
        if (m->html.n <= CS_BODY_MAX)
            rc = keep(&m->html_text, m->html.s);
        else
            m->keep_raw = true;
    }
    if (rc == CS_OK && m->plain.n)
        rc = keep(&text, m->plain.s);
    else if (rc == CS_OK && m->html.n)
        rc = cs_mail__html_text(&text, m->html.s, m->html.n);
    if (rc == CS_OK && (!text || !*text)) {
        cs_mem__free(text);
        rc = keep(&text, m->nparts || m->keep_raw ? "(no text; see the attachments)" : "(no text)");
    }
    if (rc == CS_OK)
        rc = cs_mail__split(&m->body, &m->quoted, &m->signature, text);
    cs_mem__free(text);
    char **cut[] = {&m->body, &m->quoted, &m->signature};
    for (size_t i = 0; rc == CS_OK && i < CS_ARRAY_SIZE(cut); i++) {
        char *s = *cut[i];
        size_t len = s ? strlen(s) : 0;
        if (len <= CS_BODY_MAX)
            continue;
        len = CS_BODY_MAX;
        while (len && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
        s[len] = '\0';
        m->keep_raw = true;
    }
    return rc;
}

static int parse(struct mail *m, GMimeMessage *msg, GMimeParserOptions *po)
{
    GMimeObject *o = GMIME_OBJECT(msg);
    char key[CS_INGEST__MSGID_MAX + 1];
    GDateTime *date;
    int rc;

    m->automatic = automatic_headers(o);
    m->envelope_ok = !header(o, "Return-Path") || null_sender(o);
    if ((rc = read_sender(m, msg, po)) < 0 ||
        (rc = keep(&m->subject, g_mime_message_get_subject(msg))) < 0 ||
        (rc = keep(&m->in_reply_to, header(o, "In-Reply-To"))) < 0 ||
        (rc = keep(&m->references, header(o, "References"))) < 0)
        return rc;
    if (cs_ingest__msgid_key(key, g_mime_message_get_message_id(msg))) {
        size_t len = strlen(key) + 3;
        if (!(m->message_id = cs_mem__alloc(len)))
            return cs_error__nomem();
        snprintf(m->message_id, len, "<%s>", key);
    }
    if ((date = g_mime_message_get_date(msg)))
        m->date = g_date_time_to_unix(date);
    if ((rc = walk(m, g_mime_message_get_mime_part(msg), 0, false)) < 0)
        return rc;
    return make_text(m);
}

/* Parse the raw bytes. A mail GMime cannot read, or without a sender, is `unparsed`. */
static int parse_raw(struct mail *m)
{
    static const char *fallback[] = {"utf-8", "windows-1252", NULL};
    GMimeParserOptions *po;
    GMimeParser *parser;
    GMimeMessage *msg;
    GMimeStream *stream;
    GByteArray *array;
    int rc = CS_OK;

    init_parsers();
    cs_sha256__hex(m->sha, m->raw, m->size);
    if (!m->size) {
        m->unparsed = "the mail is empty";
        return CS_OK;
    }
    /* The stream reads the caller's bytes in place: nothing writes to it, and it does not
     * own them. */
    array = g_byte_array_new_take((guint8 *)m->raw, m->size);
    stream = g_mime_stream_mem_new_with_byte_array(array);
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
    po = g_mime_parser_options_new();
    g_mime_parser_options_set_fallback_charsets(po, fallback);
    g_mime_parser_options_set_rfc2047_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
    parser = g_mime_parser_new_with_stream(stream);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    msg = g_mime_parser_construct_message(parser, po);
    if (!msg)
        m->unparsed = "it is not a mail message (RFC 5322)";
    else if ((rc = parse(m, msg, po)) == CS_OK && !m->from)
        m->unparsed = "it names no sender (From, Sender or Return-Path)";
    if (msg)
        g_object_unref(msg);
    g_object_unref(parser);
    g_mime_parser_options_free(po);
    g_object_unref(stream);
    g_byte_array_free(array, FALSE);
    return rc;
}

/* Ingest ------------------------------------------------------------------------------ */

struct mail_ingest {
    cs_db *db;
    const cs_actor *host;
    int64_t channel_id;
    const cs_mail_options *options;
    cs_ingest_result *r;
    struct mail *m;
};

static int check_channel(cs_db *db, int64_t channel_id)
{
    cs_channel *ch = NULL;
    int rc, kind, enabled;

    if ((rc = cs_store__channel_get(&ch, db, channel_id)) < 0)
        return rc;
    if (!ch)
        return cs_error__set(CS_ENOTFOUND, "channel_id", "channel %lld does not exist",
                             (long long)channel_id);
    kind = ch->kind;
    enabled = ch->enabled;
    cs_channel__free(ch);
    if (kind != CS_CHANNEL_EMAIL)
        return cs_error__inval("channel_id", "channel %lld is a %s channel, not an email one",
                               (long long)channel_id, cs_channel_kind_name(kind));
    if (!enabled)
        return cs_error__set(CS_ECONFLICT, "channel_id", "channel %lld is disabled",
                             (long long)channel_id);
    return CS_OK;
}

/* Whether the sender is one of the shop's own channel addresses (a loop through itself). */
static int own_address(cs_db *db, const char *address, bool *own)
{
    char *value = NULL;
    int rc;

    *own = false;
    if ((rc = cs_identity_normalize(&value, CS_IDENTITY_EMAIL, address)) < 0)
        return rc == CS_ENOMEM ? rc : CS_OK;
    rc = cs_store__channel_has_address(own, db, value);
    cs_mem__free(value);
    return rc;
}

/* Keep a part: in the database up to CS_ATTACHMENT_INLINE_MAX (or whatever its size when
 * `always`), else with the host's store, else its record without the bytes. */
static int attach(struct mail_ingest *g, const char *name, const char *type, const void *data,
                  size_t size, bool always)
{
    cs_attachment_spec a = {
        name, type && *type ? type : "application/octet-stream", NULL, size, NULL, NULL};
    char hex[65], ref[CS_STORAGE_REF_MAX + 1] = "";

    cs_sha256__hex(hex, data, size);
    a.sha256 = hex;
    if (size <= CS_ATTACHMENT_INLINE_MAX) {
        a.data = data;
    } else if (g->options && g->options->store &&
               g->options->store(ref, name, a.content_type, data, size, hex,
                                 g->options->store_payload) == 0 &&
               *ref && cs_utf8__valid(ref, strnlen(ref, sizeof(ref)))) {
        ref[CS_STORAGE_REF_MAX] = '\0';
        a.storage_ref = ref;
    } else if (always && size <= INT_MAX) {
        a.data = data;
    }
    return cs_message__attach(g->db, g->r->message_id, &a);
}

static int attach_all(struct mail_ingest *g, bool raw)
{
    struct mail *m = g->m;
    int rc = CS_OK;

    for (size_t i = 0; i < m->nparts && rc == CS_OK; i++)
        rc = attach(g, m->parts[i].name, m->parts[i].type, m->parts[i].data, m->parts[i].size,
                    false);
    if (rc == CS_OK && raw)
        rc = attach(g, "message.eml", "message/rfc822", m->raw, m->size, true);
    return rc;
}

/* A retry's kind is the first ingest's. */
static int logged_kind(struct mail_ingest *g)
{
    int rc = cs_store__mail_kind(&g->r->mail_kind, g->db, g->r->message_id);

    if (rc < 0)
        return rc;
    if (!g->r->mail_kind)
        g->r->mail_kind = CS_MAIL_MESSAGE; /* the first came in through cs_ingest() */
    return CS_OK;
}

/* The mail as cs_ingest() takes it. */
static int ingest_parsed(struct mail_ingest *g, int kind)
{
    struct mail *m = g->m;
    cs_inbound in = CS_INBOUND_INIT;
    char id[CS_INGEST__MSGID_MAX + 3];
    cs_ingest__mail x = {kind,        m->quoted, m->signature, m->html_text,
                         m->reply_to, m->date,   NULL,         id};
    int rc;

    snprintf(id, sizeof(id), "<%s@libcs.invalid>", m->sha);
    in.channel_id = g->channel_id;
    in.external_id = m->message_id ? m->message_id : id;
    in.sender = m->from;
    in.sender_name = m->from_name;
    in.subject = m->subject;
    in.body = m->body;
    in.in_reply_to = m->in_reply_to;
    in.references = m->references;
    if ((rc = cs_ingest__run(g->r, g->db, g->host, &in, &x)) < 0)
        return rc;
    if (g->r->duplicate)
        return logged_kind(g);
    g->r->mail_kind = kind;
    return attach_all(g, m->keep_raw);
}

/* A mail that cannot go in as parsed: kept whole for an agent, never dropped. */
static int ingest_unparsed(struct mail_ingest *g, const char *why)
{
    struct mail *m = g->m;
    cs_inbound in = CS_INBOUND_INIT;
    cs_ingest__mail x = {CS_MAIL_UNPARSED, NULL, NULL, NULL, NULL, m->date, UNPARSED_TAG, NULL};
    char sender[64], id[CS_INGEST__MSGID_MAX + 3], body[CS_ERROR_MESSAGE_MAX + 160];
    int rc;

    snprintf(sender, sizeof(sender), "unknown-%.16s@unparsed.invalid", m->sha);
    snprintf(id, sizeof(id), "<%s@libcs.invalid>", m->sha);
    snprintf(body, sizeof(body),
             "This mail could not be read: %s. It is attached as it was received "
             "(message.eml).",
             why);
    in.channel_id = g->channel_id;
    in.external_id = id;
    in.sender = sender;
    in.sender_name = "Unknown sender";
    in.subject = m->subject && *m->subject ? m->subject : "(unreadable mail)";
    in.body = body;
    if ((rc = cs_ingest__run(g->r, g->db, g->host, &in, &x)) < 0)
        return rc;
    if (g->r->duplicate)
        return logged_kind(g);
    g->r->mail_kind = CS_MAIL_UNPARSED;
    return attach(g, "message.eml", "message/rfc822", m->raw, m->size, true);
}

/* Errors that say the mail itself did not fit (rather than the database, the rights or the
 * channel): the mail goes in unparsed instead. */
static bool mail_error(int rc)
{
    return rc == CS_EINVAL && strcmp(cs_error_last()->field, "channel_id") != 0;
}

static void reset_result(cs_ingest_result *r)
{
    cs_mem__free((char *)r->receipt);
    memset(r, 0, sizeof(*r));
}

/* Bounces -------------------------------------------------------------------------------- */

/* The report's block for the item's recipient, else its first one. "rfc822; a@b" names
 * a@b. */
static size_t report_entry(const struct report *r, const char *recipient)
{
    for (size_t i = 0; i < r->n; i++) {
        const char *v = r->recipient[i], *semi = v ? strchr(v, ';') : NULL;
        v = semi ? semi + 1 : v;
        while (v && isspace((unsigned char)*v))
            v++;
        if (v && !strcasecmp(v, recipient))
            return i;
    }
    return 0;
}

static int bounce_note(struct mail_ingest *g, const cs_mail__reported *it, const char *reason)
{
    cs_message_fields mf = CS_MESSAGE_FIELDS_INIT;
    char body[1400];

    snprintf(body, sizeof(body), "The mail to %s (outbox item %lld) could not be delivered: %s",
             it->recipient, (long long)it->id, reason);
    mf.ticket_id = it->ticket_id;
    mf.direction = CS_DIRECTION_OUTBOUND;
    mf.visibility = CS_VISIBILITY_INTERNAL;
    mf.channel_id = g->channel_id;
    mf.body = body;
    return cs_message__insert(&g->r->message_id, g->db, &mf,
                              &(cs_message__origin){CS_ACTOR_SYSTEM, 0, NULL, 0});
}

/* A delivery report about an item libcs sent: it failed (or is delayed); no ticket. */
static int ingest_bounce(struct mail_ingest *g, const cs_mail__reported *it)
{
    const struct report *rep = &g->m->report;
    size_t e = report_entry(rep, it->recipient);
    const char *action = rep->n ? rep->action[e] : NULL, *status = rep->n ? rep->status[e] : NULL;
    const char *diag = rep->n ? rep->diagnostic[e] : NULL;
    char a[16], reason[1024];
    bool delayed;
    int rc;

    token(a, sizeof(a), action);
    delayed = !strcmp(a, "delayed");
    if (!strcmp(a, "delivered") || !strcmp(a, "relayed") || !strcmp(a, "expanded"))
        goto done; /* a success report: nothing failed */
    snprintf(reason, sizeof(reason), "%s: %s%s%s", delayed ? "delayed" : "bounced",
             status ? status : "5.0.0", diag ? " " : "", diag ? diag : "");
    cs_text__one_line(reason);
    if (it->last_error && !strcmp(it->last_error, reason)) {
        g->r->duplicate = 1; /* seen before: nothing changes */
        goto done;
    }
    /* Only a sent item can bounce: a report naming one that is still queued or leased was
     * not written by the server that took it, and changes nothing. */
    if (it->state != CS_OUTBOX_SENT)
        goto done;
    if ((rc = delayed ? cs_store__outbox_delayed(g->db, it->id, reason)
                      : cs_store__outbox_bounced(g->db, it->id, reason)) < 0)
        return rc;
    if (!delayed &&
        ((rc = bounce_note(g, it, reason)) < 0 ||
         (rc = cs_audit__record(g->db, &cs_actor__system, "outbox", it->id, it->ticket_id,
                                it->customer_id, "bounce", "state", NULL, "dead")) < 0))
        return rc;
done:
    g->r->mail_kind = CS_MAIL_BOUNCE;
    g->r->bounced_item_id = it->id;
    g->r->ticket_id = it->ticket_id;
    g->r->ticket_number = it->number;
    g->r->customer_id = it->customer_id;
    return CS_OK;
}

static int ingest_mail(struct mail_ingest *g)
{
    struct mail *m = g->m;
    cs_mail__reported it = {0};
    bool own = false, found = false;
    int rc, kind;

    if ((rc = check_channel(g->db, g->channel_id)) < 0)
        return rc;
    if (m->unparsed)
        return ingest_unparsed(g, m->unparsed);
    /* A report sent with a sender (a person's mailbox) is no server's report: it cannot
     * fail anything, and goes in as automatic mail. */
    if (m->report.seen && m->report.msgid && m->envelope_ok &&
        (rc = cs_store__mail_reported(&it, &found, g->db, m->report.msgid)) == CS_OK && found)
        rc = ingest_bounce(g, &it);
    cs_mem__free(it.last_error);
    if (rc < 0 || found)
        return rc;
    if ((rc = own_address(g->db, m->from, &own)) < 0)
        return rc;
    kind = m->automatic || own || m->report.seen || robot_sender(m->from) ? CS_MAIL_AUTOMATIC
                                                                          : CS_MAIL_MESSAGE;
    /* A savepoint of its own: its failure is not the mail's, which goes in unparsed. */
    if ((rc = cs_db__begin_savepoint(g->db)) < 0 ||
        (rc = cs_db__end(g->db, ingest_parsed(g, kind))) >= 0 || !mail_error(rc))
        return rc;
    /* The parsed form did not fit: keep the mail whole, saying why. */
    char why[CS_ERROR_MESSAGE_MAX];
    snprintf(why, sizeof(why), "%s", cs_error_last()->message);
    reset_result(g->r);
    return ingest_unparsed(g, why);
}

int cs_ingest_mail(cs_ingest_result **out, cs_db *db, int64_t channel_id, const void *raw,
                   size_t size, const cs_mail_options *options)
{
    struct mail m = {.raw = raw, .size = size};
    struct mail_ingest g = {db, NULL, channel_id, options, NULL, &m};
    cs_actor host;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if (!raw && size)
        return cs_error__inval("raw", "raw is NULL");
    if (options && options->version != CS_MAIL_OPTIONS_VERSION)
        return cs_error__inval("options", "options version %u is not %d", options->version,
                               CS_MAIL_OPTIONS_VERSION);
    if (channel_id <= 0)
        return cs_error__inval("channel_id", "channel_id is required");
    if ((rc = cs_ingest__host(&host, db)) < 0)
        return rc;
    g.host = &host;
    if ((rc = parse_raw(&m)) < 0) {
        mail_free(&m);
        return rc;
    }
    if (!(g.r = cs_mem__calloc(1, sizeof(*g.r)))) {
        mail_free(&m);
        return cs_error__nomem();
    }
    if ((rc = cs_db__begin(db)) == CS_OK)
        rc = cs_react__end(db, ingest_mail(&g));
    mail_free(&m);
    if (rc < 0) {
        cs_ingest_result_free(g.r);
        return rc;
    }
    *out = g.r;
    return CS_OK;
}
