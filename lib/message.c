/*
 * libcs - messages on a ticket, with attachments.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cs-internal.h"
#include "react.h"
#include "perm.h"
#include "audit.h"
#include "ticket.h"
#include "message.h"
#include "store/message.h"
#include "store/channel.h"

static const cs_name direction_names[] = {
    {CS_DIRECTION_INBOUND, "inbound"},
    {CS_DIRECTION_OUTBOUND, "outbound"},
};
static const cs_name visibility_names[] = {
    {CS_VISIBILITY_PUBLIC, "public"},
    {CS_VISIBILITY_INTERNAL, "internal"},
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
            return cs_error__inval(field,
                                   "%s %zu is larger than %d bytes: keep the file in "
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
    const char *field = f->visibility == CS_VISIBILITY_INTERNAL ? "visibility"
                        : f->direction == CS_DIRECTION_OUTBOUND ? "direction"
                        : f->external_id && *f->external_id     ? "external_id"
                        : f->channel_id                         ? "channel_id"
                                                                : NULL;

    return field ? cs_error__set(CS_EPERM, field, "customers may not set %s", field) : CS_OK;
}

/* The stored attachment: the SHA-256 of inline data is the library's to compute. */
static int insert_attachment(cs_db *db, int64_t message_id, const cs_attachment_spec *in)
{
    cs_attachment_spec a = *in;
    char hex[65];

    if (!a.content_type || !*a.content_type)
        a.content_type = "application/octet-stream";
    if (a.data) {
        cs_sha256__hex(hex, a.data, a.size);
        a.sha256 = hex;
    }
    if (a.storage_ref && !*a.storage_ref)
        a.storage_ref = NULL;
    return cs_store__message_attach(db, message_id, &a);
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
                       const cs_message__origin *from)
{
    cs_message__origin origin = *from;
    cs_message_fields row = *f;
    cs_time now = cs_db_now(db);
    int rc;

    row.visibility = f->visibility ? f->visibility : CS_VISIBILITY_PUBLIC;
    /* An empty text is none. */
    row.subject = f->subject && *f->subject ? f->subject : NULL;
    row.external_id = f->external_id && *f->external_id ? f->external_id : NULL;
    if (origin.conversation && !*origin.conversation)
        origin.conversation = NULL;
    rc = cs_store__message_insert(id, db, &row, &origin, now);
    if (rc == CS_EEXISTS)
        return cs_error__set(CS_EEXISTS, "external_id",
                             "a message with external id \"%s\" "
                             "already exists on channel %lld",
                             f->external_id, (long long)f->channel_id);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < f->nattachments && rc == CS_OK; i++)
        rc = insert_attachment(db, *id, &f->attachments[i]);
    if (rc == CS_OK)
        rc = cs_ticket__touch(db, f->ticket_id, now);
    if (rc == CS_OK)
        rc = cs_react__note(db, f->ticket_id, change_of(f, from->author_kind), *id);
    return rc;
}

static int check_channel(cs_db *db, int64_t id)
{
    cs_channel *ch = NULL;
    int rc = cs_store__channel_get(&ch, db, id);
    bool found = ch != NULL;

    if (rc < 0)
        return rc;
    cs_channel__free(ch);
    return found ? CS_OK
                 : cs_error__set(CS_ENOTFOUND, "channel_id", "channel %lld does not exist",
                                 (long long)id);
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
    else if ((rc = check_channel(db, f.channel_id)) < 0)
        goto out;
    rc = cs_message__insert(id, db, &f, &(cs_message__origin){by->kind, by->id, NULL, 0});
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

void cs_message_free(cs_message *m)
{
    if (!m)
        return;
    cs_message__clear(m);
    cs_mem__free(m);
}

static int message_not_found(int64_t id)
{
    return cs_error__set(CS_ENOTFOUND, "id", "message %lld does not exist", (long long)id);
}

int cs_message_lookup(cs_message **out, cs_db *db, int64_t id)
{
    cs_message *m = NULL;
    bool found;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_TICKET_READ)) < 0)
        return rc;
    if (!(m = cs_mem__calloc(1, sizeof(*m))))
        return cs_error__nomem();
    if ((rc = cs_store__message_get(m, &found, db, id)) == CS_OK && !found)
        rc = message_not_found(id);
    /* A message on a ticket the actor may not see, or a note a customer may not read, does
     * not exist for it. */
    if (rc == CS_OK &&
        ((rc = cs_perm__ticket_id(db, &by, CS_CAP_TICKET_READ, m->ticket_id, "id")) ==
             CS_ENOTFOUND ||
         (rc == CS_OK && by.kind == CS_ACTOR_CUSTOMER && m->visibility == CS_VISIBILITY_INTERNAL)))
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
    const struct cs_message__attachment *a = &m->attachments[i];
    out->name = a->name;
    out->content_type = a->content_type;
    out->data = a->data;
    out->size = a->size;
    out->sha256 = a->sha256;
    out->storage_ref = a->storage_ref;
    return CS_OK;
}

int cs_message_iter_new(cs_message_iter **out, cs_db *db, int64_t ticket_id)
{
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_TICKET_READ)) < 0 ||
        (rc = cs_perm__ticket_id(db, &by, CS_CAP_TICKET_READ, ticket_id, "ticket_id")) < 0)
        return rc;
    /* Customers never read internal notes. */
    return cs_store__message_list(out, db, ticket_id, by.kind != CS_ACTOR_CUSTOMER);
}

int cs_message_next(const cs_message **out, cs_message_iter *it)
{
    if (!out || !it)
        return cs_error__inval(out ? "it" : "out", "%s is NULL", out ? "it" : "out");
    *out = NULL;
    return cs_store__message_list_next(out, it);
}

void cs_message_iter_free(cs_message_iter *it)
{
    cs_store__message_list_free(it);
}
