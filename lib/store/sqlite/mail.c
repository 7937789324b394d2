/*
 * libcs - mail's columns on messages, and its reads of the outbox, in SQLite.
 */
#include "config.h"

#include "db.h"
#include "store/mail.h"

static const char sql_columns_set[] =
    "UPDATE message SET quoted = ?2, signature = ?3, html = ?4, reply_to = ?5, mail_date = ?6,"
    " mail_kind = ?7 WHERE id = ?1";

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
