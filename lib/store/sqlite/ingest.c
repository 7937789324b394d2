/*
 * libcs - ingest's log, remembered message ids and receipt configuration in SQLite.
 */
#include "config.h"

#include <stdio.h>

#include "db.h"
#include "store/ingest.h"

/* The flags and the thread rule share ingest_log.flags: the flags in the low 8 bits, the
 * rule above them. */
#define RULE_SHIFT 8
#define FLAGS_MASK 0xffu

static const char sql_log[] =
    "INSERT INTO ingest_log (message_id, ticket_id, customer_id, flags, receipt_id, promised_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
/* The ticket scopes the lookup to its customer. */
static const char sql_remembered[] =
    "SELECT r.ticket_id FROM thread_ref r JOIN ticket t ON t.id = r.ticket_id"
    " WHERE r.ref = ?1 AND t.customer_id = ?2 ORDER BY r.ticket_id DESC LIMIT 1";
/* OR IGNORE: (ref, ticket) is the key, and remembering an id twice for a ticket is no
 * error. */
static const char sql_remember[] =
    "INSERT OR IGNORE INTO thread_ref (ref, ticket_id) VALUES (?1, ?2)";
static const char sql_receipt_rule[] =
    "SELECT mode, first_reply_target FROM receipt_rule WHERE channel_id = ?1";
static const char sql_set_rule[] =
    "INSERT INTO receipt_rule (channel_id, mode, first_reply_target) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (channel_id) DO UPDATE SET mode = excluded.mode,"
    " first_reply_target = excluded.first_reply_target";
static const char sql_template[] =
    "SELECT template FROM receipt_template WHERE channel_id = ?1 AND language = ?2";
static const char sql_set_template[] =
    "INSERT INTO receipt_template (channel_id, language, template) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (channel_id, language) DO UPDATE SET template = excluded.template";
static const char sql_drop_template[] =
    "DELETE FROM receipt_template WHERE channel_id = ?1 AND language = ?2";

/* The first column of a bound statement's first row as an id, or 0; the statement is
 * released. */
static int first_id(int64_t *id, cs_db *db, sqlite3_stmt *st, const char *what)
{
    int step = cs_db__step(db, st), rc = CS_OK;

    *id = 0;
    if (step == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else if (step != SQLITE_DONE)
        rc = cs_db__error(db, step, what);
    cs_db__done(st);
    return rc;
}

/* The first column of a bound statement's first row as a string in libcs memory, or NULL;
 * a failed step reads as no row. The statement is released. */
static int first_text(char **out, cs_db *db, sqlite3_stmt *st)
{
    int rc = CS_OK;

    *out = NULL;
    if (cs_db__step(db, st) == SQLITE_ROW)
        *out = cs_db__column_strdup(st, 0, &rc);
    cs_db__done(st);
    return rc;
}

/* The ingest log ------------------------------------------------------------------------- */

int cs_store__ingest_log(cs_db *db, const cs_ingest__logged *e)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_log);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, e->message_id);
    sqlite3_bind_int64(st, 2, e->ticket_id);
    sqlite3_bind_int64(st, 3, e->customer_id);
    sqlite3_bind_int(st, 4, (int)(e->flags | (unsigned)e->thread_rule << RULE_SHIFT));
    if (e->receipt_id)
        sqlite3_bind_int64(st, 5, e->receipt_id);
    if (e->promised_at)
        sqlite3_bind_int64(st, 6, e->promised_at);
    return cs_db__exec_stmt(db, st);
}

/* Threading ------------------------------------------------------------------------------ */

int cs_store__ingest_remembered(int64_t *ticket_id, cs_db *db, const char *ref, int64_t customer_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_remembered);

    *ticket_id = 0;
    if (!st)
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, ref);
    sqlite3_bind_int64(st, 2, customer_id);
    return first_id(ticket_id, db, st, "thread message");
}

int cs_store__ingest_remember(cs_db *db, const char *ref, int64_t ticket_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_remember);

    if (!st)
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, ref);
    sqlite3_bind_int64(st, 2, ticket_id);
    return cs_db__exec_stmt(db, st);
}

/* Receipts ------------------------------------------------------------------------------- */

int cs_store__ingest_receipt_rule(int *mode, int64_t *target, bool *found, cs_db *db,
                                  int64_t channel_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_receipt_rule);
    int step;

    *found = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, channel_id);
    if ((step = cs_db__step(db, st)) == SQLITE_ROW) {
        *found = true;
        *mode = sqlite3_column_int(st, 0);
        *target = sqlite3_column_int64(st, 1);
    }
    cs_db__done(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CS_OK
                                                     : cs_db__error(db, step, "read receipt rule");
}

int cs_store__ingest_receipt_rule_set(cs_db *db, int64_t channel_id, int mode, int64_t target)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_set_rule);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, channel_id);
    sqlite3_bind_int(st, 2, mode);
    sqlite3_bind_int64(st, 3, target);
    return cs_db__exec_stmt(db, st);
}

int cs_store__ingest_receipt_template(char **out, cs_db *db, int64_t channel_id,
                                      const char *language)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_template);

    *out = NULL;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, channel_id);
    cs_db__bind_text(st, 2, language);
    return first_text(out, db, st);
}

/* Run sql_set_template or sql_drop_template. */
static int write_template(cs_db *db, const char *sql, int64_t channel_id, const char *language,
                          const char *text)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, channel_id);
    cs_db__bind_text(st, 2, language);
    if (text)
        cs_db__bind_text(st, 3, text);
    return cs_db__exec_stmt(db, st);
}

int cs_store__ingest_receipt_template_set(cs_db *db, int64_t channel_id, const char *language,
                                          const char *text)
{
    return write_template(db, sql_set_template, channel_id, language, text);
}

int cs_store__ingest_receipt_template_delete(cs_db *db, int64_t channel_id, const char *language)
{
    return write_template(db, sql_drop_template, channel_id, language, NULL);
}

/* Erasure: ?1 the customer. */
#define ERASED_TICKETS "SELECT id FROM ticket WHERE customer_id = ?1"
static const char sql_erase_log[] =
    "DELETE FROM ingest_log WHERE customer_id = ?1 OR ticket_id IN (" ERASED_TICKETS ")";
static const char sql_erase_thread_refs[] =
    "DELETE FROM thread_ref WHERE ticket_id IN (" ERASED_TICKETS ")";

int cs_store__ingest_erase_customer(cs_db *db, int64_t customer_id)
{
    int rc = cs_db__exec_ids(db, sql_erase_log, customer_id, 0, 0);

    return rc < 0 ? rc : cs_db__exec_ids(db, sql_erase_thread_refs, customer_id, 0, 0);
}

/* Reads across owners: one query each, joining other modules' tables; none writes -------- */

/* The log is found through its message's external id, which the message's index holds
 * (the one place it is indexed). */
static const char sql_logged[] =
    "SELECT l.message_id, l.ticket_id, l.customer_id, l.flags, l.receipt_id, l.promised_at,"
    " t.number, t.follow_up_of FROM message m LEFT JOIN ingest_log l ON l.message_id = m.id"
    " LEFT JOIN ticket t ON t.id = l.ticket_id WHERE m.external_id = ?2 AND m.channel_id = ?1";
/* External ids are stored as the adapter gave them: a mail's with or without its angle
 * brackets. ?1 the bare id, ?2 the bracketed one. */
static const char sql_by_external[] =
    "SELECT m.ticket_id FROM message m JOIN ticket t ON t.id = m.ticket_id"
    " WHERE m.external_id IN (?1, ?2) AND t.customer_id = ?3 ORDER BY m.id DESC LIMIT 1";
static const char sql_by_conversation[] =
    "SELECT m.ticket_id FROM message m JOIN ticket t ON t.id = m.ticket_id"
    " WHERE m.channel_id = ?1 AND m.conversation = ?2 AND t.customer_id = ?3"
    " ORDER BY m.id DESC LIMIT 1";
static const char sql_owner[] =
    "SELECT coalesce(a.name, g.name) FROM ticket t LEFT JOIN agent a ON a.id = t.assignee_id"
    " LEFT JOIN agent_group g ON g.id = t.group_id WHERE t.id = ?1";

int cs_store__ingest_logged(cs_ingest__logged *out, bool *found, bool *taken, cs_db *db,
                            int64_t channel_id, const char *external_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_logged);
    int rc = CS_OK, step;
    unsigned flags;

    *found = *taken = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, channel_id);
    cs_db__bind_text(st, 2, external_id);
    if ((step = cs_db__step(db, st)) == SQLITE_ROW) {
        *taken = true;
        *found = sqlite3_column_type(st, 0) != SQLITE_NULL;
        flags = (unsigned)sqlite3_column_int(st, 3);
        out->message_id = sqlite3_column_int64(st, 0);
        out->ticket_id = sqlite3_column_int64(st, 1);
        out->customer_id = sqlite3_column_int64(st, 2);
        out->flags = flags & FLAGS_MASK;
        out->thread_rule = (int)(flags >> RULE_SHIFT);
        out->receipt_id = sqlite3_column_int64(st, 4);
        out->promised_at = sqlite3_column_int64(st, 5);
        out->ticket_number = sqlite3_column_int64(st, 6);
        out->follow_up_of = sqlite3_column_int64(st, 7);
    } else if (step != SQLITE_DONE) {
        rc = cs_db__error(db, step, "look up ingested message");
    }
    cs_db__done(st);
    return rc;
}

int cs_store__ingest_by_external(int64_t *ticket_id, cs_db *db, const char *key,
                                 int64_t customer_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_by_external);
    char bracketed[CS_EXTERNAL_ID_MAX + 1]; /* a message id's key and its brackets */

    *ticket_id = 0;
    if (!st)
        return cs_error_last()->code;
    snprintf(bracketed, sizeof(bracketed), "<%s>", key);
    cs_db__bind_text(st, 1, key);
    cs_db__bind_text(st, 2, bracketed);
    sqlite3_bind_int64(st, 3, customer_id);
    return first_id(ticket_id, db, st, "thread message");
}

int cs_store__ingest_by_conversation(int64_t *ticket_id, cs_db *db, int64_t channel_id,
                                     const char *conversation, int64_t customer_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_by_conversation);

    *ticket_id = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, channel_id);
    cs_db__bind_text(st, 2, conversation);
    sqlite3_bind_int64(st, 3, customer_id);
    return first_id(ticket_id, db, st, "thread message");
}

int cs_store__ingest_owner_name(char **out, cs_db *db, int64_t ticket_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_owner);

    *out = NULL;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, ticket_id);
    return first_text(out, db, st);
}
