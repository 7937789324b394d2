/*
 * libcs - the outbox in SQLite.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "store/outbox.h"

/* An item that carries a message stores no body of its own (NULL): it is the message's.
 * Reads across owners take it from there. */
#define ITEM_BODY_SQL "coalesce(o.body, m.body)"
/* References that are the In-Reply-To alone (a first answer) are stored once: refs NULL. */
#define ITEM_REFS_SQL "coalesce(o.refs, o.in_reply_to)"

static const char sql_insert[] =
    "INSERT INTO outbox (id, channel_id, ticket_id, message_id, kind, recipient, subject, body,"
    " header_message_id, in_reply_to, refs, next_attempt_at, created_at, identity_id, html)"
    " VALUES (?14, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13)";
static const char sql_next_id[] = "SELECT coalesce(max(id), 0) + 1 FROM outbox";
/* The partial index outbox_ready holds the items waiting or leased; a query that is to use
 * it repeats its condition word for word (SQLite proves no more). */
#define WAITING "state IN (1, 2)"
_Static_assert(CS_OUTBOX_QUEUED == 1 && CS_OUTBOX_LEASED == 2, WAITING);

/* ?2 the leased state. */
static const char sql_expired[] =
    "SELECT id, attempts, lease_until FROM outbox WHERE " WAITING " AND state = ?2"
    " AND lease_until <= ?1 ORDER BY id LIMIT ?3";
/* ?5 the queued state; ?6..?9 the holds: erased, removed, moved, send. */
static const char sql_due[] =
    "SELECT o.id, CASE WHEN c.erased_at IS NOT NULL THEN ?6 WHEN o.identity_id IS NULL THEN ?7"
    " WHEN i.customer_id <> t.customer_id THEN ?8 ELSE ?9 END"
    " FROM outbox o JOIN ticket t ON t.id = o.ticket_id JOIN customer c ON c.id = t.customer_id"
    " LEFT JOIN identity i ON i.id = o.identity_id"
    " WHERE o." WAITING " AND o.state = ?5 AND o.next_attempt_at <= ?1"
    " AND (?2 = 0 OR o.channel_id = ?2)"
    " AND (?3 = 0 OR o.channel_id IN (SELECT id FROM channel WHERE kind = ?3))"
    " ORDER BY o.next_attempt_at, o.id LIMIT ?4";
/* ?3 the leased state. */
static const char sql_lease[] =
    "UPDATE outbox SET state = ?3, lease = lease + 1, lease_until = ?2, attempts = attempts + 1"
    " WHERE id = ?1";
/* ?3 the cancelled state. */
static const char sql_cancel[] =
    "UPDATE outbox SET state = ?3, cancel_reason = ?2, lease_until = NULL WHERE id = ?1";
static const char sql_item[] =
    "SELECT o.id, o.lease, o.lease_until, o.channel_id, c.kind, o.ticket_id, o.message_id,"
    " o.kind, o.recipient, o.subject, " ITEM_BODY_SQL ", o.header_message_id, o.in_reply_to,"
    " " ITEM_REFS_SQL ", o.attempts FROM outbox o JOIN channel c ON c.id = o.channel_id"
    " LEFT JOIN message m ON m.id = o.message_id WHERE o.id = ?1";
static const char sql_state[] =
    "SELECT state, lease, attempts, message_id, lease_until IS NOT NULL, cancel_reason"
    " FROM outbox WHERE id = ?1";
/* ?4 the sent state. */
static const char sql_sent[] =
    "UPDATE outbox SET state = ?4, sent_at = ?2, external_id = ?3, lease_until = NULL"
    " WHERE id = ?1";
/* ?5 non-zero keeps the lease open (an expired lease: its holder may still answer). */
static const char sql_failed[] =
    "UPDATE outbox SET state = ?2, next_attempt_at = ?3, last_error = ?4,"
    " lease_until = CASE WHEN ?5 THEN lease_until END WHERE id = ?1";
/* ?4 the queued state. */
static const char sql_late_failure[] =
    "UPDATE outbox SET last_error = coalesce(?2, last_error), lease_until = NULL,"
    " next_attempt_at = CASE WHEN state = ?4 AND ?3 > 0 THEN ?3 ELSE next_attempt_at END"
    " WHERE id = ?1";
static const char sql_list[] =
    "SELECT id, state, kind, channel_id, ticket_id, recipient, attempts, next_attempt_at,"
    " last_error, cancel_reason FROM outbox WHERE (?1 = 0 OR state = ?1) ORDER BY id LIMIT ?2";
/* Erasure: ?1 the customer. Everything addressed to them, through their tickets or their
 * identities (before those are deleted). */
#define CUSTOMER_ITEMS                                                                             \
    "(ticket_id IN (SELECT id FROM ticket WHERE customer_id = ?1)"                                 \
    " OR identity_id IN (SELECT id FROM identity WHERE customer_id = ?1))"
/* ?3 the cancelled state; ?4..?6 those not sent: queued, leased, dead. */
static const char sql_cancel_customer[] =
    "UPDATE outbox SET state = ?3, cancel_reason = ?2, lease_until = NULL"
    " WHERE state IN (?4, ?5, ?6) AND " CUSTOMER_ITEMS;
static const char sql_blank_customer[] =
    "UPDATE outbox SET recipient = 'erased', subject = NULL,"
    " body = CASE WHEN message_id IS NULL THEN '' END, header_message_id = NULL,"
    " in_reply_to = NULL, refs = NULL, last_error = NULL, external_id = NULL, html = NULL "
    "WHERE " CUSTOMER_ITEMS;

/* Where the columns of sql_item land. */
enum {
    ITEM_ID,
    ITEM_LEASE,
    ITEM_LEASE_UNTIL,
    ITEM_CHANNEL,
    ITEM_CHANNEL_KIND,
    ITEM_TICKET,
    ITEM_MESSAGE,
    ITEM_KIND,
    ITEM_RECIPIENT,
    ITEM_SUBJECT,
    ITEM_BODY,
    ITEM_HEADER_ID,
    ITEM_IN_REPLY_TO,
    ITEM_REFS,
    ITEM_ATTEMPTS
};

/* Where the columns of sql_list land. */
enum {
    LIST_ID,
    LIST_STATE,
    LIST_KIND,
    LIST_CHANNEL,
    LIST_TICKET,
    LIST_RECIPIENT,
    LIST_ATTEMPTS,
    LIST_NEXT,
    LIST_ERROR,
    LIST_REASON
};

/* An id column or parameter: 0 is NULL. */
static void bind_id(sqlite3_stmt *st, int idx, int64_t id)
{
    if (id)
        sqlite3_bind_int64(st, idx, id);
    else
        sqlite3_bind_null(st, idx);
}

int cs_store__outbox_insert(int64_t *id, cs_db *db, const cs_outbox__entry *e, cs_time now)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_insert);
    int rc;

    *id = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, e->channel_id);
    sqlite3_bind_int64(st, 2, e->ticket_id);
    bind_id(st, 3, e->message_id);
    cs_db__bind_text(st, 4, e->kind);
    cs_db__bind_text(st, 5, e->recipient);
    cs_db__bind_text(st, 6, e->subject);
    cs_db__bind_text(st, 7, e->body);
    cs_db__bind_text(st, 8, e->header_message_id);
    cs_db__bind_text(st, 9, e->in_reply_to);
    if (!e->references || !e->in_reply_to || strcmp(e->references, e->in_reply_to) != 0)
        cs_db__bind_text(st, 10, e->references);
    sqlite3_bind_int64(st, 11, now);
    bind_id(st, 12, e->identity_id);
    cs_db__bind_text(st, 13, e->html);
    bind_id(st, 14, e->id);
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
        return rc;
    /* SQLite's way to the new id: the rowid of the connection's last insert, which is this
     * one (the handle is used by one thread at a time). */
    *id = sqlite3_last_insert_rowid(db->sql);
    return CS_OK;
}

int cs_store__outbox_next_id(int64_t *id, cs_db *db)
{
    return cs_db__int(id, db, sql_next_id, "number an outbox item");
}

int cs_store__outbox_expired(cs_outbox__expired *out, size_t *n, cs_db *db, cs_time now, size_t max)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_expired);
    int rc = CS_OK, step = SQLITE_DONE;

    *n = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, CS_OUTBOX_LEASED);
    sqlite3_bind_int64(st, 3, (int64_t)max);
    while (*n < max && (step = cs_db__step(db, st)) == SQLITE_ROW) {
        out[*n].id = sqlite3_column_int64(st, 0);
        out[*n].attempts = sqlite3_column_int(st, 1);
        out[(*n)++].lease_until = sqlite3_column_int64(st, 2);
    }
    if (*n < max && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "find expired leases");
    cs_db__done(st);
    return rc;
}

int cs_store__outbox_due(cs_outbox__due *out, size_t *n, cs_db *db, cs_time now, int channel_kind,
                         int64_t channel_id, size_t max)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_due);
    int rc = CS_OK, step = SQLITE_DONE;

    *n = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, channel_id);
    sqlite3_bind_int(st, 3, channel_kind);
    sqlite3_bind_int64(st, 4, (int64_t)max);
    sqlite3_bind_int(st, 5, CS_OUTBOX_QUEUED);
    sqlite3_bind_int(st, 6, CS_OUTBOX__ERASED);
    sqlite3_bind_int(st, 7, CS_OUTBOX__REMOVED);
    sqlite3_bind_int(st, 8, CS_OUTBOX__MOVED);
    sqlite3_bind_int(st, 9, CS_OUTBOX__SEND);
    while (*n < max && (step = cs_db__step(db, st)) == SQLITE_ROW) {
        out[*n].id = sqlite3_column_int64(st, 0);
        out[(*n)++].hold = sqlite3_column_int(st, 1);
    }
    if (*n < max && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "find due outbox items");
    cs_db__done(st);
    return rc;
}

int cs_store__outbox_lease(cs_db *db, int64_t id, cs_time lease_until)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_lease);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, lease_until);
    sqlite3_bind_int(st, 3, CS_OUTBOX_LEASED);
    return cs_db__exec_stmt(db, st);
}

int cs_store__outbox_cancel(cs_db *db, int64_t id, const char *reason)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_cancel);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    cs_db__bind_text(st, 2, reason);
    sqlite3_bind_int(st, 3, CS_OUTBOX_CANCELLED);
    return cs_db__exec_stmt(db, st);
}

static void row_clear(cs_outbox__row *r)
{
    cs_mem__free(r->kind);
    cs_mem__free(r->recipient);
    cs_mem__free(r->subject);
    cs_mem__free(r->body);
    cs_mem__free(r->header_message_id);
    cs_mem__free(r->in_reply_to);
    cs_mem__free(r->references);
    *r = (cs_outbox__row){0};
}

int cs_store__outbox_item(cs_outbox__row *out, bool *found, cs_db *db, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_item);
    int rc = CS_OK, step;

    *out = (cs_outbox__row){0};
    *found = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    if ((step = cs_db__step(db, st)) != SQLITE_ROW) {
        rc = step == SQLITE_DONE ? CS_OK : cs_db__error(db, step, "read outbox item");
        goto out;
    }
    out->id = sqlite3_column_int64(st, ITEM_ID);
    out->lease = sqlite3_column_int64(st, ITEM_LEASE);
    out->lease_until = sqlite3_column_int64(st, ITEM_LEASE_UNTIL);
    out->channel_id = sqlite3_column_int64(st, ITEM_CHANNEL);
    out->channel_kind = sqlite3_column_int(st, ITEM_CHANNEL_KIND);
    out->ticket_id = sqlite3_column_int64(st, ITEM_TICKET);
    out->message_id = sqlite3_column_int64(st, ITEM_MESSAGE);
    out->attempts = sqlite3_column_int(st, ITEM_ATTEMPTS);
    out->kind = cs_db__column_strdup(st, ITEM_KIND, &rc);
    out->recipient = cs_db__column_strdup(st, ITEM_RECIPIENT, &rc);
    out->subject = cs_db__column_strdup(st, ITEM_SUBJECT, &rc);
    out->body = cs_db__column_strdup(st, ITEM_BODY, &rc);
    out->header_message_id = cs_db__column_strdup(st, ITEM_HEADER_ID, &rc);
    out->in_reply_to = cs_db__column_strdup(st, ITEM_IN_REPLY_TO, &rc);
    out->references = cs_db__column_strdup(st, ITEM_REFS, &rc);
    if (rc < 0)
        row_clear(out);
    else
        *found = true;
out:
    cs_db__done(st);
    return rc;
}

int cs_store__outbox_state(cs_outbox__state *out, bool *found, cs_db *db, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_state);
    const char *reason;
    int step;

    *out = (cs_outbox__state){0};
    *found = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    if ((step = cs_db__step(db, st)) != SQLITE_ROW) {
        cs_db__done(st);
        return step == SQLITE_DONE ? CS_OK : cs_db__error(db, step, "outbox item");
    }
    out->state = sqlite3_column_int(st, 0);
    out->lease = sqlite3_column_int64(st, 1);
    out->attempts = sqlite3_column_int(st, 2);
    out->message_id = sqlite3_column_int64(st, 3);
    out->open = sqlite3_column_int(st, 4);
    reason = (const char *)sqlite3_column_text(st, 5);
    snprintf(out->reason, sizeof(out->reason), "%s", reason ? reason : "");
    *found = true;
    cs_db__done(st);
    return CS_OK;
}

int cs_store__outbox_sent(cs_db *db, int64_t id, cs_time at, const char *external_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_sent);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, at);
    cs_db__bind_text(st, 3, external_id);
    sqlite3_bind_int(st, 4, CS_OUTBOX_SENT);
    return cs_db__exec_stmt(db, st);
}

int cs_store__outbox_failed(cs_db *db, int64_t id, int state, cs_time next_attempt_at,
                            const char *error, bool keep_lease)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_failed);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, state);
    sqlite3_bind_int64(st, 3, next_attempt_at);
    cs_db__bind_text(st, 4, error);
    sqlite3_bind_int(st, 5, keep_lease);
    return cs_db__exec_stmt(db, st);
}

int cs_store__outbox_late_failure(cs_db *db, int64_t id, const char *error, cs_time retry_at)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_late_failure);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    cs_db__bind_text(st, 2, error);
    sqlite3_bind_int64(st, 3, retry_at);
    sqlite3_bind_int(st, 4, CS_OUTBOX_QUEUED);
    return cs_db__exec_stmt(db, st);
}

int cs_store__outbox_list(cs_db *db, int state, size_t limit, cs_store__outbox_list_fn fn,
                          void *payload)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_list);
    int rc = CS_OK, step = SQLITE_DONE;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int(st, 1, state);
    /* SQLite's LIMIT -1 is no limit. */
    sqlite3_bind_int64(st, 2, limit ? (int64_t)limit : -1);
    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW) {
        cs_outbox__listed row = {
            .id = sqlite3_column_int64(st, LIST_ID),
            .channel_id = sqlite3_column_int64(st, LIST_CHANNEL),
            .ticket_id = sqlite3_column_int64(st, LIST_TICKET),
            .state = sqlite3_column_int(st, LIST_STATE),
            .attempts = sqlite3_column_int(st, LIST_ATTEMPTS),
            .next_attempt_at = sqlite3_column_int64(st, LIST_NEXT),
            .kind = (const char *)sqlite3_column_text(st, LIST_KIND),
            .recipient = (const char *)sqlite3_column_text(st, LIST_RECIPIENT),
            .last_error = (const char *)sqlite3_column_text(st, LIST_ERROR),
            .cancel_reason = (const char *)sqlite3_column_text(st, LIST_REASON),
        };
        rc = fn(payload, &row);
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "list the outbox");
    cs_db__done(st);
    return rc;
}

int cs_store__outbox_cancel_customer(cs_db *db, int64_t customer_id, const char *reason)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_cancel_customer);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, customer_id);
    cs_db__bind_text(st, 2, reason);
    sqlite3_bind_int(st, 3, CS_OUTBOX_CANCELLED);
    sqlite3_bind_int(st, 4, CS_OUTBOX_QUEUED);
    sqlite3_bind_int(st, 5, CS_OUTBOX_LEASED);
    sqlite3_bind_int(st, 6, CS_OUTBOX_DEAD);
    return cs_db__exec_stmt(db, st);
}

int cs_store__outbox_blank_customer(cs_db *db, int64_t customer_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_blank_customer);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, customer_id);
    return cs_db__exec_stmt(db, st);
}

/* ?3: CS_OUTBOX_DEAD. */
static const char sql_bounced[] =
    "UPDATE outbox SET state = ?3, last_error = ?2, lease_until = NULL WHERE id = ?1";
static const char sql_delayed[] = "UPDATE outbox SET last_error = ?2 WHERE id = ?1";

int cs_store__outbox_bounced(cs_db *db, int64_t item_id, const char *reason)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_bounced);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, item_id);
    cs_db__bind_text(st, 2, reason);
    sqlite3_bind_int(st, 3, CS_OUTBOX_DEAD);
    return cs_db__exec_stmt(db, st);
}

int cs_store__outbox_delayed(cs_db *db, int64_t item_id, const char *reason)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_delayed);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, item_id);
    cs_db__bind_text(st, 2, reason);
    return cs_db__exec_stmt(db, st);
}

static const char sql_receipt_body[] =
    "SELECT " ITEM_BODY_SQL " FROM outbox o LEFT JOIN message m ON m.id = o.message_id"
    " WHERE o.id = ?1";
/* Automatic mail is everything but agents' replies: ?2 is the kind outbox.c queues a reply
 * (cs_reply) with. */
static const char sql_automatic_count[] =
    "SELECT count(*) FROM outbox WHERE identity_id = ?1 AND kind <> ?2 AND created_at > ?3";
static const char reply_kind[] = "reply";

int cs_store__outbox_body(char **out, cs_db *db, int64_t item_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_receipt_body);
    int rc = CS_OK, step;

    *out = NULL;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, item_id);
    if ((step = cs_db__step(db, st)) == SQLITE_ROW)
        *out = cs_db__column_strdup(st, 0, &rc);
    else if (step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read outbox item");
    cs_db__done(st);
    return rc;
}

int cs_store__outbox_automatic_count(int64_t *count, cs_db *db, int64_t identity_id, cs_time since)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_automatic_count);
    int step;

    *count = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, identity_id);
    cs_db__bind_text(st, 2, reply_kind);
    sqlite3_bind_int64(st, 3, since);
    if ((step = cs_db__step(db, st)) == SQLITE_ROW)
        *count = sqlite3_column_int64(st, 0);
    cs_db__done(st);
    return step == SQLITE_ROW ? CS_OK : cs_db__error(db, step, "count automatic mail");
}

/* Reads across owners: one query each, joining other modules' tables; none writes -------- */

/* ?2 the inbound direction. */
/* ?1 the customer, ?2 the identity kind, ?5 the inbound direction. The one they last wrote
 * from: on this ticket (?3) first, then on this channel (?4), then anywhere. */
static const char sql_wrote_from[] =
    "SELECT i.id, i.value FROM identity i JOIN message m ON m.identity_id = i.id"
    " WHERE i.customer_id = ?1 AND i.kind = ?2 AND m.direction = ?5"
    " ORDER BY m.ticket_id = ?3 DESC, m.channel_id IS ?4 DESC, m.id DESC LIMIT 1";
/* ?2 the public visibility, ?3 the mail channel kind. */
static const char sql_thread_ids[] =
    "SELECT m.external_id, m.direction FROM message m JOIN channel c ON c.id = m.channel_id"
    " WHERE m.ticket_id = ?1 AND m.visibility = ?2 AND m.external_id IS NOT NULL"
    " AND c.kind = ?3 ORDER BY m.id DESC LIMIT ?4";
/* ?4 the outbound direction, ?5 the public visibility, ?6 the agents' author kind. */
static const char sql_reply_stats[] =
    "SELECT count(*), coalesce(sum(m.same_channel), 0) FROM message m"
    " JOIN ticket t ON t.id = m.ticket_id WHERE m.direction = ?4"
    " AND m.visibility = ?5 AND m.author_kind = ?6 AND m.same_channel IS NOT NULL"
    " AND m.created_at >= ?1 AND m.created_at < ?2 AND " CS_SCOPE_SQL("t", "?3");

/* The first row (id, value) of a bound statement, which is then released. */
static int read_recipient(cs_outbox__recipient *out, bool *found, cs_db *db, sqlite3_stmt *st)
{
    int rc = CS_OK, step = cs_db__step(db, st);

    *found = false;
    if (step == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        out->value = cs_db__column_strdup(st, 1, &rc);
        *found = rc == CS_OK;
    } else if (step != SQLITE_DONE) {
        rc = cs_db__error(db, step, "read identity");
    }
    cs_db__done(st);
    return rc;
}

int cs_store__outbox_wrote_from(cs_outbox__recipient *out, bool *found, cs_db *db,
                                int64_t customer_id, int kind, int64_t ticket_id,
                                int64_t channel_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_wrote_from);

    *found = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, customer_id);
    sqlite3_bind_int(st, 2, kind);
    sqlite3_bind_int64(st, 3, ticket_id);
    sqlite3_bind_int64(st, 4, channel_id);
    sqlite3_bind_int(st, 5, CS_DIRECTION_INBOUND);
    return read_recipient(out, found, db, st);
}

int cs_store__outbox_thread_ids(cs_db *db, int64_t ticket_id, size_t max,
                                cs_store__outbox_thread_fn fn, void *payload)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_thread_ids);
    int rc = CS_OK, step = SQLITE_DONE;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, ticket_id);
    sqlite3_bind_int(st, 2, CS_VISIBILITY_PUBLIC);
    sqlite3_bind_int(st, 3, CS_CHANNEL_EMAIL);
    sqlite3_bind_int64(st, 4, (int64_t)max);
    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW)
        rc = fn(payload, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 1));
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read thread");
    cs_db__done(st);
    return rc;
}

int cs_store__outbox_reply_stats(int64_t *total, int64_t *same, cs_db *db, cs_time from, cs_time to,
                                 int64_t scope)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_reply_stats);
    int rc;

    *total = *same = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    sqlite3_bind_int64(st, 3, scope);
    sqlite3_bind_int(st, 4, CS_DIRECTION_OUTBOUND);
    sqlite3_bind_int(st, 5, CS_VISIBILITY_PUBLIC);
    sqlite3_bind_int(st, 6, CS_ACTOR_AGENT);
    if ((rc = cs_db__step(db, st)) == SQLITE_ROW) {
        *total = sqlite3_column_int64(st, 0);
        *same = sqlite3_column_int64(st, 1);
        rc = CS_OK;
    } else {
        rc = cs_db__error(db, rc, "read reply statistics");
    }
    cs_db__done(st);
    return rc;
}
