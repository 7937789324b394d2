/*
 * libcs - messages and their attachments in SQLite, and the keyset pages of a ticket's
 * messages.
 */
#include "config.h"

#include <string.h>

#include "db.h"
#include "store/message.h"
#include "store/sqlite/rows.h"

#define MESSAGE_COLUMNS                                                                            \
    "id, ticket_id, direction, visibility, channel_id, author_kind, author_id, subject, body,"     \
    " external_id, created_at, quoted, signature, html, reply_to, mail_date, mail_kind"
static const char sql_insert[] =
    "INSERT INTO message (ticket_id, direction, visibility, channel_id, author_kind, author_id,"
    " subject, body, external_id, created_at, conversation, identity_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
static const char sql_insert_attachment[] =
    "INSERT INTO attachment (message_id, name, content_type, size, sha256, storage_ref, data)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_by_id[] = "SELECT " MESSAGE_COLUMNS " FROM message WHERE id = ?1";
/* ?2 is the most private visibility shown: public alone, or notes too. */
_Static_assert(CS_VISIBILITY_PUBLIC < CS_VISIBILITY_INTERNAL, "visibility <= ?2");
static const char sql_by_ticket[] = "SELECT " MESSAGE_COLUMNS " FROM message"
                                    " WHERE ticket_id = ?1 AND visibility <= ?2 AND id > ?3"
                                    " ORDER BY id LIMIT ?4";
static const char sql_attachments[] =
    "SELECT name, content_type, size, sha256, storage_ref, data FROM attachment"
    " WHERE message_id = ?1 ORDER BY id";
static const char sql_move[] = "UPDATE message SET ticket_id = ?1 WHERE ticket_id = ?2";

int cs_store__message_insert(int64_t *id, cs_db *db, const cs_message_fields *f,
                             const cs_message__origin *from, cs_time at)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_insert);
    int rc;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, f->ticket_id);
    sqlite3_bind_int(st, 2, f->direction);
    sqlite3_bind_int(st, 3, f->visibility);
    if (f->channel_id)
        sqlite3_bind_int64(st, 4, f->channel_id);
    sqlite3_bind_int(st, 5, from->author_kind);
    if (from->author_id)
        sqlite3_bind_int64(st, 6, from->author_id);
    cs_db__bind_text(st, 7, f->subject);
    cs_db__bind_text(st, 8, f->body);
    cs_db__bind_text(st, 9, f->external_id);
    sqlite3_bind_int64(st, 10, at);
    cs_db__bind_text(st, 11, from->conversation);
    if (from->identity_id)
        sqlite3_bind_int64(st, 12, from->identity_id);
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
        return rc;
    /* The row just inserted on this connection: its rowid is the message's id. */
    *id = sqlite3_last_insert_rowid(db->sql);
    return CS_OK;
}

int cs_store__message_attach(cs_db *db, int64_t message_id, const cs_attachment_spec *a)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_insert_attachment);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, message_id);
    cs_db__bind_text(st, 2, a->name);
    cs_db__bind_text(st, 3, a->content_type);
    sqlite3_bind_int64(st, 4, (int64_t)a->size);
    cs_db__bind_text(st, 5, a->sha256);
    cs_db__bind_text(st, 6, a->storage_ref);
    if (a->data)
        sqlite3_bind_blob64(st, 7, a->data, (sqlite3_uint64)a->size, SQLITE_STATIC);
    return cs_db__exec_stmt(db, st);
}

int cs_store__message_move(cs_db *db, int64_t to, int64_t from)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_move);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, to);
    sqlite3_bind_int64(st, 2, from);
    return cs_db__exec_stmt(db, st);
}

static int load_attachment(struct cs_message__attachment *a, sqlite3_stmt *st)
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
        struct cs_message__attachment *v =
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

    cs_message__clear(m);
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

int cs_store__message_get(cs_message *m, bool *found, cs_db *db, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_by_id);
    int rc;

    *found = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    rc = cs_db__step(db, st);
    if (rc == SQLITE_ROW) {
        *found = true;
        rc = message_from_row(m, db, st);
    } else {
        rc = rc == SQLITE_DONE ? CS_OK : cs_db__error(db, rc, "read message");
    }
    cs_db__done(st);
    return rc;
}

struct cs_message_iter {
    cs_db *db;
    size_t bytes; /* read into this page */
    cs_page page;
    cs_message messages[CS_PAGE_ROWS];
};

int cs_store__message_list(cs_message_iter **out, cs_db *db, int64_t ticket_id, bool notes)
{
    cs_message_iter *it;
    sqlite3_stmt *st;
    int rc;

    if (!(it = cs_mem__calloc(1, sizeof(*it))))
        return cs_error__nomem();
    if ((rc = cs_db__prepare(&st, db, sql_by_ticket, "list messages")) < 0) {
        cs_mem__free(it);
        return rc;
    }
    sqlite3_bind_int64(st, 1, ticket_id);
    sqlite3_bind_int(st, 2, notes ? CS_VISIBILITY_INTERNAL : CS_VISIBILITY_PUBLIC);
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

int cs_store__message_list_next(const cs_message **out, cs_message_iter *it)
{
    size_t i;
    int rc = cs_db__page_next(&i, &it->page, it->db, keep_message, it, "list messages");

    if (rc != CS_OK)
        return rc;
    *out = &it->messages[i];
    return CS_OK;
}

void cs_store__message_list_free(cs_message_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->page.st);
    for (size_t i = 0; i < CS_PAGE_ROWS; i++)
        cs_message__clear(&it->messages[i]);
    cs_mem__free(it);
}

/* Erasure: ?1 the customer, ?2 CS_ACTOR_CUSTOMER. Attachments go first: they are found
 * through the messages' ids, which the second statement does not change. */
#define ERASED_MESSAGES                                                                            \
    "SELECT id FROM message WHERE ticket_id IN (SELECT id FROM ticket WHERE customer_id = ?1)"     \
    " OR (author_kind = ?2 AND author_id = ?1)"
static const char sql_erase_attachments[] =
    "UPDATE attachment SET name = '', sha256 = '', storage_ref = NULL, data = NULL"
    " WHERE message_id IN (" ERASED_MESSAGES ")";
static const char sql_erase_messages[] =
    "UPDATE message SET subject = '', body = '', external_id = NULL, conversation = NULL,"
    " quoted = NULL, signature = NULL, html = NULL, reply_to = NULL"
    " WHERE id IN (" ERASED_MESSAGES ")";

int cs_store__message_erase_customer(cs_db *db, int64_t customer_id)
{
    int rc = cs_db__exec_ids(db, sql_erase_attachments, customer_id, CS_ACTOR_CUSTOMER, 0);

    return rc < 0 ? rc : cs_db__exec_ids(db, sql_erase_messages, customer_id, CS_ACTOR_CUSTOMER, 0);
}

static const char sql_set_external_id[] = "UPDATE message SET external_id = ?2 WHERE id = ?1";
static const char sql_set_same_channel[] = "UPDATE message SET same_channel = ?2 WHERE id = ?1";

int cs_store__message_set_external_id(cs_db *db, int64_t message_id, const char *external_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_set_external_id);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, message_id);
    cs_db__bind_text(st, 2, external_id);
    return cs_db__exec_stmt(db, st);
}

int cs_store__message_set_same_channel(cs_db *db, int64_t message_id, bool same)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_set_same_channel);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, message_id);
    sqlite3_bind_int64(st, 2, same);
    return cs_db__exec_stmt(db, st);
}

static const char sql_agent_replied[] =
    "SELECT 1 FROM message WHERE ticket_id = ?1 AND author_kind = ?2 AND direction = ?3"
    " AND visibility = ?4 LIMIT 1";

int cs_store__message_agent_replied(bool *out, cs_db *db, int64_t ticket_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_agent_replied);

    if (st) {
        sqlite3_bind_int64(st, 1, ticket_id);
        sqlite3_bind_int(st, 2, CS_ACTOR_AGENT);
        sqlite3_bind_int(st, 3, CS_DIRECTION_OUTBOUND);
        sqlite3_bind_int(st, 4, CS_VISIBILITY_PUBLIC);
    }
    return cs_db__found(out, db, st, "read replies");
}

static const char sql_latest_inbound_channel[] =
    "SELECT channel_id FROM message WHERE ticket_id = ?1 AND direction = ?2"
    " AND channel_id IS NOT NULL ORDER BY id DESC LIMIT 1";

int cs_store__message_latest_inbound_channel(int64_t *channel_id, cs_db *db, int64_t ticket_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_latest_inbound_channel);
    int step;

    *channel_id = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, ticket_id);
    sqlite3_bind_int(st, 2, CS_DIRECTION_INBOUND);
    if ((step = cs_db__step(db, st)) == SQLITE_ROW)
        *channel_id = sqlite3_column_int64(st, 0);
    cs_db__done(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CS_OK
                                                     : cs_db__error(db, step, "read channel");
}

static const char sql_attachment_bytes[] =
    "SELECT name, content_type, data FROM attachment WHERE message_id = ?1 ORDER BY id";

int cs_store__message_attachments_each(cs_db *db, int64_t message_id, cs_store__message_bytes_fn fn,
                                       void *payload)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_attachment_bytes);
    int rc = CS_OK, step = SQLITE_DONE;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, message_id);
    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW) {
        cs_message__bytes a;
        a.name = (const char *)sqlite3_column_text(st, 0);
        /* An empty blob reads as a NULL pointer too: only the column's type says that the
         * bytes are not there. */
        a.data = sqlite3_column_blob(st, 2);
        a.size = (size_t)sqlite3_column_bytes(st, 2);
        a.in_database = sqlite3_column_type(st, 2) != SQLITE_NULL;
        a.content_type = (const char *)sqlite3_column_text(st, 1);
        rc = fn(payload, &a);
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read attachments");
    cs_db__done(st);
    return rc;
}

/* Export ------------------------------------------------------------------------------- */

static const char sql_export[] =
    "SELECT id, direction, visibility, channel_id, author_kind, author_id, subject, body,"
    " external_id, created_at, quoted, signature, html, reply_to FROM message"
    " WHERE ticket_id = ?1 ORDER BY id";
static const char sql_export_attachments[] =
    "SELECT id, name, content_type, size, sha256, storage_ref FROM attachment"
    " WHERE message_id = ?1 ORDER BY id";

static int export_attachments(cs_db *db, json_t *message)
{
    return cs_rows__set_children(message, "attachments", db, sql_export_attachments, NULL);
}

int cs_store__message_export(char **out, cs_db *db, int64_t ticket_id)
{
    return cs_rows__json(out, db, sql_export, ticket_id, export_attachments);
}
