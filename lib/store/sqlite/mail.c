/*
 * libcs - mail's columns on messages, and its reads and writes of the outbox, in SQLite.
 */
#include "config.h"

#include <stdio.h>

#include "db.h"
#include "store/mail.h"

static const char sql_columns_set[] =
    "UPDATE message SET quoted = ?2, signature = ?3, html = ?4, reply_to = ?5, mail_date = ?6,"
    " mail_kind = ?7 WHERE id = ?1";
static const char sql_kind[] = "SELECT mail_kind FROM message WHERE id = ?1";

/* Mail on messages ----------------------------------------------------------------------- */

int cs_store__mail_columns_set(cs_db *db, int64_t message_id, const cs_mail__columns *c)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_columns_set);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, message_id);
    cs_db__bind_text(st, 2, c->quoted);
    cs_db__bind_text(st, 3, c->signature);
    cs_db__bind_text(st, 4, c->html);
    cs_db__bind_text(st, 5, c->reply_to);
    if (c->date)
        sqlite3_bind_int64(st, 6, c->date);
    sqlite3_bind_int(st, 7, c->kind);
    return cs_db__exec_stmt(db, st);
}

int cs_store__mail_kind(int *kind, cs_db *db, int64_t message_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_kind);

    *kind = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, message_id);
    if (cs_db__step(db, st) == SQLITE_ROW)
        *kind = sqlite3_column_int(st, 0);
    cs_db__done(st);
    return CS_OK;
}

/* Reads across owners: one query each, joining other modules' tables; none writes -------- */

/* ?1 the reported Message-ID with angle brackets, ?2 without; ?3 the mail channels' kind;
 * ?4 the item id it names ("<item.random@domain>", cs_outbox__message_id). A Message-ID
 * made before schema 13 names none: such a report is matched by reading every item. */
#define REPORTED                                                                                   \
    "SELECT o.id, o.state, o.ticket_id, o.recipient, o.last_error, t.customer_id, t.number,"       \
    " o.channel_id FROM outbox o JOIN channel c ON c.id = o.channel_id"                            \
    " JOIN ticket t ON t.id = o.ticket_id"                                                         \
    " WHERE o.header_message_id IN (?1, ?2) AND c.kind = ?3"
static const char sql_reported[] = REPORTED " AND o.id = ?4";
static const char sql_reported_old[] = REPORTED " ORDER BY o.id DESC LIMIT 1";

/* The item id at the start of a Message-ID's key, or 0. */
static int64_t named_item(const char *key)
{
    int64_t id = 0;
    size_t i;

    for (i = 0; key[i] >= '0' && key[i] <= '9' && i < 18; i++)
        id = id * 10 + (key[i] - '0');
    return i > 0 && key[i] == '.' ? id : 0;
}

static const char sql_item[] =
    "SELECT o.state, o.kind, o.recipient, o.subject, coalesce(o.body, m.body),"
    " o.header_message_id, o.in_reply_to, coalesce(o.refs, o.in_reply_to), o.html, c.name,"
    " c.address, t.subject,"
    " cu.name, c.kind, o.message_id, t.number FROM outbox o JOIN channel c ON c.id = o.channel_id"
    " JOIN ticket t ON t.id = o.ticket_id JOIN customer cu ON cu.id = t.customer_id"
    " LEFT JOIN message m ON m.id = o.message_id WHERE o.id = ?1";

int cs_store__mail_reported(cs_mail__reported *out, bool *found, cs_db *db, const char *key)
{
    int64_t item = named_item(key);
    sqlite3_stmt *st = cs_db__stmt(db, item ? sql_reported : sql_reported_old);
    char bracketed[CS_EXTERNAL_ID_MAX + 1]; /* a message id's key and its brackets */
    int rc = CS_OK, step;

    *found = false;
    if (!st)
        return cs_error_last()->code;
    snprintf(bracketed, sizeof(bracketed), "<%s>", key);
    cs_db__bind_text(st, 1, bracketed);
    cs_db__bind_text(st, 2, key);
    sqlite3_bind_int(st, 3, CS_CHANNEL_EMAIL);
    if (item)
        sqlite3_bind_int64(st, 4, item);
    if ((step = cs_db__step(db, st)) == SQLITE_ROW) {
        *found = true;
        out->id = sqlite3_column_int64(st, 0);
        out->state = sqlite3_column_int(st, 1);
        out->ticket_id = sqlite3_column_int64(st, 2);
        snprintf(out->recipient, sizeof(out->recipient), "%s",
                 (const char *)sqlite3_column_text(st, 3));
        out->last_error = cs_db__column_strdup(st, 4, &rc);
        out->customer_id = sqlite3_column_int64(st, 5);
        out->number = sqlite3_column_int64(st, 6);
        out->channel_id = sqlite3_column_int64(st, 7);
    } else if (step != SQLITE_DONE) {
        rc = cs_db__error(db, step, "find the reported outbox item");
    }
    cs_db__done(st);
    return rc;
}

int cs_store__mail_item(cs_mail__item *out, bool *found, cs_db *db, int64_t item_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_item);
    int rc = CS_OK, step;

    *found = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, item_id);
    if ((step = cs_db__step(db, st)) == SQLITE_ROW) {
        *found = true;
        out->id = item_id;
        out->state = sqlite3_column_int(st, 0);
        out->kind = cs_db__column_strdup(st, 1, &rc);
        out->recipient = cs_db__column_strdup(st, 2, &rc);
        out->subject = cs_db__column_strdup(st, 3, &rc);
        out->body = cs_db__column_strdup(st, 4, &rc);
        out->header_message_id = cs_db__column_strdup(st, 5, &rc);
        out->in_reply_to = cs_db__column_strdup(st, 6, &rc);
        out->refs = cs_db__column_strdup(st, 7, &rc);
        out->html = cs_db__column_strdup(st, 8, &rc);
        out->channel_name = cs_db__column_strdup(st, 9, &rc);
        out->channel_address = cs_db__column_strdup(st, 10, &rc);
        out->ticket_subject = cs_db__column_strdup(st, 11, &rc);
        out->customer_name = cs_db__column_strdup(st, 12, &rc);
        out->channel_kind = sqlite3_column_int(st, 13);
        out->message_id = sqlite3_column_int64(st, 14);
        out->number = sqlite3_column_int64(st, 15);
    } else if (step != SQLITE_DONE) {
        rc = cs_db__error(db, step, "outbox item");
    }
    cs_db__done(st);
    return rc;
}
