/*
 * libcs - messages on a ticket, with attachments.
 */
#include "config.h"

#include <jansson.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "react.h"
#include "db.h"
#include "perm.h"
#include "audit.h"
#include "ticket.h"
#include "message.h"

static const cs_name direction_names[] = {
    {CS_DIRECTION_INBOUND, "inbound"},
    {CS_DIRECTION_OUTBOUND, "outbound"},
};
static const cs_name visibility_names[] = {
    {CS_VISIBILITY_PUBLIC, "public"},
    {CS_VISIBILITY_INTERNAL, "internal"},
};
static const cs_name actor_names[] = {
    {CS_ACTOR_SYSTEM, "system"},
    {CS_ACTOR_AGENT, "agent"},
    {CS_ACTOR_CUSTOMER, "customer"},
};

/* The statement table. */
#define MESSAGE_COLUMNS                                                                        \
    "id, ticket_id, direction, visibility, channel_id, author_kind, author_id, subject, body," \
    " external_id, created_at, quoted, signature, html, reply_to, mail_date, mail_kind"
static const char sql_insert[] =
    "INSERT INTO message (ticket_id, direction, visibility, channel_id, author_kind, author_id,"
    " subject, body, external_id, created_at, conversation)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
static const char sql_insert_attachment[] =
    "INSERT INTO attachment (message_id, name, content_type, size, sha256, storage_ref, data)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_by_id[] = "SELECT " MESSAGE_COLUMNS " FROM message WHERE id = ?1";
static const char sql_by_ticket[] = "SELECT " MESSAGE_COLUMNS " FROM message"
                                    " WHERE ticket_id = ?1 AND visibility <= ?2 AND id > ?3"
                                    " ORDER BY id LIMIT ?4";
static const char sql_attachments[] =
    "SELECT name, content_type, size, sha256, storage_ref, data FROM attachment"
    " WHERE message_id = ?1 ORDER BY id";
static const char sql_touch_ticket[] = "UPDATE ticket SET updated_at = ?2 WHERE id = ?1";
static const char sql_channel_exists[] = "SELECT 1 FROM channel WHERE id = ?1";

struct attachment {
    char *name, *content_type, *sha256, *storage_ref;
    void *data;
    size_t size;
};

struct cs_message {
    int64_t id, ticket_id, channel_id, author_id;
    int direction, visibility, author_kind;
    char *subject, *body, *external_id;
    cs_time created_at;
    char *quoted, *signature, *html, *reply_to; /* mail ingested raw */
    cs_time mail_date;
    int mail_kind;
    struct attachment *attachments;
    size_t nattachments;
};

const char *cs_message_direction_name(int direction)
{
    return CS_NAME_OF(direction_names, direction);
}

int cs_message_direction_parse(const char *name)
{
    return CS_NAME_PARSE(direction_names, name);
}

const char *cs_message_visibility_name(int visibility)
{
    return CS_NAME_OF(visibility_names, visibility);
}

int cs_message_visibility_parse(const char *name)
{
    return CS_NAME_PARSE(visibility_names, name);
}

void cs_sha256__hex(char out[65], const void *data, size_t len)
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];

    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    sha256_digest(&ctx, sizeof(digest), digest);
    for (size_t i = 0; i < sizeof(digest); i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

static bool is_sha256_hex(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return false;
    return n == 64;
}

static int check_attachment(const cs_attachment_spec *a, size_t i)
{
    char field[CS_ERROR_FIELD_MAX];
    int rc;

    snprintf(field, sizeof(field), "attachments[%zu].name", i);
    if ((rc = cs_check__text(field, a->name, CS_NAME_MAX, true)) < 0)
        return rc;
    snprintf(field, sizeof(field), "attachments[%zu].content_type", i);
    if ((rc = cs_check__text(field, a->content_type, CS_NAME_MAX, false)) < 0)
        return rc;
    snprintf(field, sizeof(field), "attachments[%zu].storage_ref", i);
    if ((rc = cs_check__text(field, a->storage_ref, 2048, false)) < 0)
        return rc;
    if (a->data) {
        snprintf(field, sizeof(field), "attachments[%zu].size", i);
        if (a->size > CS_ATTACHMENT_INLINE_MAX)
            return cs_error__inval(field, "%s %zu is larger than %d bytes: keep the file in "
                                          "the host's storage and pass storage_ref",
                                   field, a->size, CS_ATTACHMENT_INLINE_MAX);
        return CS_OK;
    }
    snprintf(field, sizeof(field), "attachments[%zu].storage_ref", i);
    if (!a->storage_ref || !*a->storage_ref)
        return cs_error__inval(field, "attachment %zu has neither data nor storage_ref", i);
    snprintf(field, sizeof(field), "attachments[%zu].sha256", i);
    if (!a->sha256 || !is_sha256_hex(a->sha256))
        return cs_error__inval(field, "%s must be 64 lowercase hex digits", field);
    return CS_OK;
}

int cs_message__check(const cs_message_fields *f)
{
    int rc;

    if (!f)
        return cs_error__inval("fields", "fields is NULL");
    if (f->version != CS_MESSAGE_FIELDS_VERSION)
        return cs_error__inval("fields", "fields version %u is not %d", f->version,
                               CS_MESSAGE_FIELDS_VERSION);
    if (f->ticket_id <= 0)
        return cs_error__inval("ticket_id", "ticket_id is required");
    if (f->direction && !cs_message_direction_name(f->direction))
        return cs_error__inval("direction", "unknown direction %d", f->direction);
    if (f->visibility && !cs_message_visibility_name(f->visibility))
        return cs_error__inval("visibility", "unknown visibility %d", f->visibility);
    if (f->visibility == CS_VISIBILITY_INTERNAL && f->direction == CS_DIRECTION_INBOUND)
        return cs_error__inval("direction", "internal notes are never inbound");
    if (f->channel_id < 0)
        return cs_error__inval("channel_id", "channel_id %lld is not valid",
                               (long long)f->channel_id);
    if ((rc = cs_check__text("body", f->body, CS_BODY_MAX, true)) < 0 ||
        (rc = cs_check__text("subject", f->subject, CS_SUBJECT_MAX, false)) < 0 ||
        (rc = cs_check__text("external_id", f->external_id, CS_EXTERNAL_ID_MAX, false)) < 0)
        return rc;
    return cs_message__check_attachments(f->attachments, f->nattachments);
}

int cs_message__check_attachments(const cs_attachment_spec *a, size_t n)
{
    int rc;

    if (n > CS_ATTACHMENTS_MAX)
        return cs_error__inval("attachments", "%zu attachments, at most %d are allowed", n,
                               CS_ATTACHMENTS_MAX);
    if (n && !a)
        return cs_error__inval("attachments", "attachments is NULL");
    for (size_t i = 0; i < n; i++)
        if ((rc = check_attachment(&a[i], i)) < 0)
            return rc;
    return CS_OK;
}

/* Customers write public inbound messages and say only what a customer says: a subject, a
 * body and attachments. Where a message came from (its channel and external id) is the
 * library's and the host's to say: a customer naming another customer's next Message-ID
 * would get that mail refused as a duplicate. */
static int check_customer_message(const cs_message_fields *f)
{
    const char *field = f->visibility == CS_VISIBILITY_INTERNAL    ? "visibility"
                        : f->direction == CS_DIRECTION_OUTBOUND    ? "direction"
                        : f->external_id && *f->external_id        ? "external_id"
                        : f->channel_id                            ? "channel_id"
                                                                   : NULL;

    return field ? cs_error__set(CS_EPERM, field, "customers may not set %s", field) : CS_OK;
}

static int insert_attachment(cs_db *db, int64_t message_id, const cs_attachment_spec *a)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_insert_attachment);
    char hex[65];

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, message_id);
    cs_db__bind_text(st, 2, a->name);
    cs_db__bind_text(st, 3, a->content_type && *a->content_type ? a->content_type
                                                                : "application/octet-stream");
    sqlite3_bind_int64(st, 4, (int64_t)a->size);
    if (a->data)
        cs_sha256__hex(hex, a->data, a->size);
    cs_db__bind_text(st, 5, a->data ? hex : a->sha256);
    cs_db__bind_text(st, 6, a->storage_ref && *a->storage_ref ? a->storage_ref : NULL);
    if (a->data)
        sqlite3_bind_blob64(st, 7, a->data, (sqlite3_uint64)a->size, SQLITE_STATIC);
    return cs_db__exec_stmt(db, st);
}

int cs_message__attach(cs_db *db, int64_t message_id, const cs_attachment_spec *a)
{
    return insert_attachment(db, message_id, a);
}

/* What a new message means for the ticket's reactions (its SLA clocks): customers' public
 * messages wait for an answer, agents' public outbound messages give one; receipts
 * (system), notes and anything else change nothing. */
static unsigned change_of(const cs_message_fields *f, int author_kind)
{
    if (f->visibility == CS_VISIBILITY_INTERNAL)
        return 0;
    if (author_kind == CS_ACTOR_CUSTOMER && f->direction == CS_DIRECTION_INBOUND)
        return CS_REACT__CUSTOMER_MESSAGE;
    if (author_kind == CS_ACTOR_AGENT && f->direction == CS_DIRECTION_OUTBOUND)
        return CS_REACT__AGENT_REPLY;
    return 0;
}

int cs_message__insert(int64_t *id, cs_db *db, const cs_message_fields *f,
                       const char *conversation, int author_kind, int64_t author_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_insert);
    cs_time now = cs_db_now(db);
    int rc;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, f->ticket_id);
    sqlite3_bind_int(st, 2, f->direction);
    sqlite3_bind_int(st, 3, f->visibility ? f->visibility : CS_VISIBILITY_PUBLIC);
    if (f->channel_id)
        sqlite3_bind_int64(st, 4, f->channel_id);
    sqlite3_bind_int(st, 5, author_kind);
    if (author_id)
        sqlite3_bind_int64(st, 6, author_id);
    cs_db__bind_text(st, 7, f->subject && *f->subject ? f->subject : NULL);
    cs_db__bind_text(st, 8, f->body);
    cs_db__bind_text(st, 9, f->external_id && *f->external_id ? f->external_id : NULL);
    sqlite3_bind_int64(st, 10, now);
    cs_db__bind_text(st, 11, conversation && *conversation ? conversation : NULL);
    rc = cs_db__exec_stmt(db, st);
    if (rc == CS_EEXISTS)
        return cs_error__set(CS_EEXISTS, "external_id", "a message with external id \"%s\" "
                             "already exists on channel %lld", f->external_id,
                             (long long)f->channel_id);
    if (rc < 0)
        return rc;
    *id = sqlite3_last_insert_rowid(db->sql);
    for (size_t i = 0; i < f->nattachments && rc == CS_OK; i++)
        rc = insert_attachment(db, *id, &f->attachments[i]);
    if (rc == CS_OK && (st = cs_db__stmt(db, sql_touch_ticket))) {
        sqlite3_bind_int64(st, 1, f->ticket_id);
        sqlite3_bind_int64(st, 2, now);
        rc = cs_db__exec_stmt(db, st);
    } else if (rc == CS_OK) {
        rc = cs_error_last()->code;
    }
    if (rc == CS_OK)
        rc = cs_react__note(db, f->ticket_id, change_of(f, author_kind), *id);
    return rc;
}

static int create(int64_t *id, cs_db *db, const cs_actor *by, cs_cap cap,
                  const cs_message_fields *in)
{
    cs_message_fields f = *in;
    cs_ticket *t = NULL;
    int rc;

    if ((rc = cs_ticket__lookup(&t, db, by, cap, f.ticket_id, "ticket_id")) < 0)
        return rc;
    if (cs_ticket_status(t) == CS_STATUS_CLOSED) {
        rc = cs_error__set(CS_ECONFLICT, "ticket_id", "ticket #%lld is closed",
                           (long long)cs_ticket_number(t));
        goto out;
    }
    if (!f.direction)
        f.direction = by->kind == CS_ACTOR_CUSTOMER ? CS_DIRECTION_INBOUND : CS_DIRECTION_OUTBOUND;
    if (!f.channel_id)
        f.channel_id = cs_ticket_channel_id(t);
    else if ((rc = cs_db__exists(db, sql_channel_exists, f.channel_id, "channel_id",
                                 "channel")) < 0)
        goto out;
    if ((rc = cs_message__insert(id, db, &f, NULL, by->kind, by->id)) < 0)
        goto out;
    rc = cs_audit__record(db, by, "message", *id, f.ticket_id, cs_ticket_customer_id(t), "create",
                          "visibility", NULL,
                          cs_message_visibility_name(f.visibility ? f.visibility
                                                                  : CS_VISIBILITY_PUBLIC));
out:
    cs_ticket_free(t);
    return rc;
}

int cs_message_create(int64_t *id, cs_db *db, const cs_message_fields *fields)
{
    cs_cap cap;
    cs_actor by;
    int rc;

    if (!id || !db)
        return cs_error__inval(id ? "db" : "id", "%s is NULL", id ? "db" : "id");
    *id = 0;
    if ((rc = cs_message__check(fields)) < 0)
        return rc;
    cap = fields->visibility == CS_VISIBILITY_INTERNAL ? CS_CAP_NOTE_WRITE : CS_CAP_MESSAGE_WRITE;
    if ((rc = cs_perm__require(&by, db, cap)) < 0 ||
        (by.kind == CS_ACTOR_CUSTOMER && (rc = check_customer_message(fields)) < 0) ||
        (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_react__end(db, create(id, db, &by, cap, fields));
}

static void message_clear(cs_message *m)
{
    cs_mem__free(m->subject);
    cs_mem__free(m->body);
    cs_mem__free(m->external_id);
    cs_mem__free(m->quoted);
    cs_mem__free(m->signature);
    cs_mem__free(m->html);
    cs_mem__free(m->reply_to);
    for (size_t i = 0; i < m->nattachments; i++) {
        struct attachment *a = &m->attachments[i];
        cs_mem__free(a->name);
        cs_mem__free(a->content_type);
        cs_mem__free(a->sha256);
        cs_mem__free(a->storage_ref);
        cs_mem__free(a->data);
    }
    cs_mem__free(m->attachments);
    memset(m, 0, sizeof(*m));
}

void cs_message_free(cs_message *m)
{
    if (!m)
        return;
    message_clear(m);
    cs_mem__free(m);
}

static int load_attachment(struct attachment *a, sqlite3_stmt *st)
{
    int rc = CS_OK;
    const void *blob = sqlite3_column_blob(st, 5);
    size_t len = (size_t)sqlite3_column_bytes(st, 5);

    a->name = cs_db__column_strdup(st, 0, &rc);
    a->content_type = cs_db__column_strdup(st, 1, &rc);
    a->size = (size_t)sqlite3_column_int64(st, 2);
    a->sha256 = cs_db__column_strdup(st, 3, &rc);
    a->storage_ref = cs_db__column_strdup(st, 4, &rc);
    if (blob && rc == CS_OK) {
        if (!(a->data = cs_mem__alloc(len)))
            return cs_error__nomem();
        memcpy(a->data, blob, len);
    }
    return rc;
}

static int load_attachments(cs_message *m, cs_db *db)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_attachments);
    int rc = CS_OK, step;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, m->id);
    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW) {
        struct attachment *v =
            cs_mem__realloc(m->attachments, (m->nattachments + 1) * sizeof(*v));
        if (!v) {
            rc = cs_error__nomem();
            break;
        }
        m->attachments = v;
        memset(&v[m->nattachments], 0, sizeof(*v));
        rc = load_attachment(&v[m->nattachments++], st);
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read attachments");
    cs_db__done(st);
    return rc;
}

static int message_from_row(cs_message *m, cs_db *db, sqlite3_stmt *st)
{
    int rc = CS_OK;

    message_clear(m);
    m->id = sqlite3_column_int64(st, 0);
    m->ticket_id = sqlite3_column_int64(st, 1);
    m->direction = sqlite3_column_int(st, 2);
    m->visibility = sqlite3_column_int(st, 3);
    m->channel_id = sqlite3_column_int64(st, 4);
    m->author_kind = sqlite3_column_int(st, 5);
    m->author_id = sqlite3_column_int64(st, 6);
    m->subject = cs_db__column_strdup(st, 7, &rc);
    m->body = cs_db__column_strdup(st, 8, &rc);
    m->external_id = cs_db__column_strdup(st, 9, &rc);
    m->created_at = sqlite3_column_int64(st, 10);
    m->quoted = cs_db__column_strdup(st, 11, &rc);
    m->signature = cs_db__column_strdup(st, 12, &rc);
    m->html = cs_db__column_strdup(st, 13, &rc);
    m->reply_to = cs_db__column_strdup(st, 14, &rc);
    m->mail_date = sqlite3_column_int64(st, 15);
    m->mail_kind = sqlite3_column_int(st, 16);
    return rc == CS_OK ? load_attachments(m, db) : rc;
}

static int message_not_found(int64_t id)
{
    return cs_error__set(CS_ENOTFOUND, "id", "message %lld does not exist", (long long)id);
}

int cs_message_lookup(cs_message **out, cs_db *db, int64_t id)
{
    sqlite3_stmt *st;
    cs_message *m = NULL;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_TICKET_READ)) < 0)
        return rc;
    if (!(st = cs_db__stmt(db, sql_by_id)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    rc = cs_db__step(db, st);
    if (rc == SQLITE_ROW)
        rc = (m = cs_mem__calloc(1, sizeof(*m))) ? message_from_row(m, db, st) : cs_error__nomem();
    else if (rc == SQLITE_DONE)
        rc = message_not_found(id);
    else
        rc = cs_db__error(db, rc, "read message");
    cs_db__done(st);
    /* A message on a ticket the actor may not see, or a note a customer may not read, does
     * not exist for it. */
    if (rc == CS_OK &&
        ((rc = cs_ticket__reach(db, &by, CS_CAP_TICKET_READ, m->ticket_id, "id")) == CS_ENOTFOUND ||
         (rc == CS_OK && by.kind == CS_ACTOR_CUSTOMER &&
          m->visibility == CS_VISIBILITY_INTERNAL)))
        rc = message_not_found(id);
    if (rc < 0) {
        cs_message_free(m);
        return rc;
    }
    *out = m;
    return CS_OK;
}

/* Getters. */
int64_t cs_message_id(const cs_message *m)
{
    return m ? m->id : 0;
}

int64_t cs_message_ticket_id(const cs_message *m)
{
    return m ? m->ticket_id : 0;
}

int cs_message_direction(const cs_message *m)
{
    return m ? m->direction : 0;
}

int cs_message_visibility(const cs_message *m)
{
    return m ? m->visibility : 0;
}

int64_t cs_message_channel_id(const cs_message *m)
{
    return m ? m->channel_id : 0;
}

int cs_message_author_kind(const cs_message *m)
{
    return m ? m->author_kind : 0;
}

int64_t cs_message_author_id(const cs_message *m)
{
    return m ? m->author_id : 0;
}

const char *cs_message_subject(const cs_message *m)
{
    return m ? m->subject : NULL;
}

const char *cs_message_body(const cs_message *m)
{
    return m ? m->body : NULL;
}

const char *cs_message_external_id(const cs_message *m)
{
    return m ? m->external_id : NULL;
}

cs_time cs_message_created_at(const cs_message *m)
{
    return m ? m->created_at : 0;
}

const char *cs_message_quoted(const cs_message *m)
{
    return m ? m->quoted : NULL;
}

const char *cs_message_signature(const cs_message *m)
{
    return m ? m->signature : NULL;
}

const char *cs_message_html(const cs_message *m)
{
    return m ? m->html : NULL;
}

const char *cs_message_reply_to(const cs_message *m)
{
    return m ? m->reply_to : NULL;
}

int cs_message_mail_kind(const cs_message *m)
{
    return m ? m->mail_kind : 0;
}

size_t cs_message_attachment_count(const cs_message *m)
{
    return m ? m->nattachments : 0;
}

int cs_message_attachment(const cs_message *m, size_t i, cs_attachment_spec *out)
{
    if (!m || !out || i >= m->nattachments)
        return cs_error__inval("i", "attachment %zu does not exist", i);
    const struct attachment *a = &m->attachments[i];
    out->name = a->name;
    out->content_type = a->content_type;
    out->data = a->data;
    out->size = a->size;
    out->sha256 = a->sha256;
    out->storage_ref = a->storage_ref;
    return CS_OK;
}

/* What the mail parser kept beside the body; null for messages that did not come in as raw
 * mail. */
static json_t *mail_json(const cs_message *m)
{
    if (!m->mail_kind)
        return json_null();
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "kind", cs_mail_kind_name(m->mail_kind),
                     "quoted", cs_json__text(m->quoted), "signature", cs_json__text(m->signature),
                     "html", cs_json__text(m->html), "reply_to", cs_json__text(m->reply_to),
                     "date", cs_json__time(m->mail_date));
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
        const struct attachment *a = &m->attachments[i];
        json_array_append_new(atts, json_pack("{s:s, s:s, s:I, s:s, s:o, s:b}", "name", a->name,
                                              "content_type", a->content_type, "size",
                                              (json_int_t)a->size, "sha256", a->sha256,
                                              "storage_ref", cs_json__text(a->storage_ref),
                                              "inline", a->data != NULL));
    }
    if (!o || !atts || json_object_set_new(o, "id", json_integer(m->id)) ||
        json_object_set_new(o, "ticket_id", json_integer(m->ticket_id)) ||
        json_object_set_new(o, "direction", json_string(cs_message_direction_name(m->direction))) ||
        json_object_set_new(o, "visibility",
                            json_string(cs_message_visibility_name(m->visibility))) ||
        json_object_set_new(o, "channel_id", cs_json__id(m->channel_id)) ||
        json_object_set_new(o, "author",
                            json_pack("{s:s, s:o}", "kind", CS_NAME_OF(actor_names, m->author_kind),
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

struct cs_message_iter {
    cs_db *db;
    size_t bytes; /* read into this page */
    cs_page page;
    cs_message messages[CS_PAGE_ROWS];
};

int cs_message_iter_new(cs_message_iter **out, cs_db *db, int64_t ticket_id)
{
    cs_message_iter *it;
    sqlite3_stmt *st;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_TICKET_READ)) < 0 ||
        (rc = cs_ticket__reach(db, &by, CS_CAP_TICKET_READ, ticket_id, "ticket_id")) < 0)
        return rc;
    if (!(it = cs_mem__calloc(1, sizeof(*it))))
        return cs_error__nomem();
    if ((rc = cs_db__prepare(&st, db, sql_by_ticket, "list messages")) < 0) {
        cs_mem__free(it);
        return rc;
    }
    sqlite3_bind_int64(st, 1, ticket_id);
    sqlite3_bind_int(st, 2, by.kind == CS_ACTOR_CUSTOMER ? CS_VISIBILITY_PUBLIC
                                                          : CS_VISIBILITY_INTERNAL);
    it->page = (cs_page)CS_PAGE_INIT(st, 3, 0, 4, 0);
    it->db = db;
    *out = it;
    return CS_OK;
}

/* Bodies run to 4 MiB and inline attachments to 1 MiB each: a page ends at CS_PAGE_BYTES. */
static int keep_message(void *payload, sqlite3_stmt *st)
{
    cs_message_iter *it = payload;
    cs_message *m = &it->messages[it->page.n];
    int rc = message_from_row(m, it->db, st);

    if (rc < 0)
        return rc;
    if (it->page.n++ == 0)
        it->bytes = 0;
    it->page.key = m->id;
    it->bytes += strlen(m->body) + (m->subject ? strlen(m->subject) : 0);
    for (size_t i = 0; i < m->nattachments; i++)
        it->bytes += m->attachments[i].data ? m->attachments[i].size : 0;
    return it->bytes >= CS_PAGE_BYTES ? CS_PAGE_FULL : CS_OK;
}

int cs_message_next(const cs_message **out, cs_message_iter *it)
{
    size_t i;
    int rc;

    if (!out || !it)
        return cs_error__inval(out ? "it" : "out", "%s is NULL", out ? "it" : "out");
    *out = NULL;
    rc = cs_db__page_next(&i, &it->page, it->db, keep_message, it, "list messages");
    if (rc != CS_OK)
        return rc;
    *out = &it->messages[i];
    return CS_OK;
}

void cs_message_iter_free(cs_message_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->page.st);
    for (size_t i = 0; i < CS_PAGE_ROWS; i++)
        message_clear(&it->messages[i]);
    cs_mem__free(it);
}
