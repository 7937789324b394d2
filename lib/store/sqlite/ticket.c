/*
 * libcs - tickets and their tags in SQLite, and the ticket list's keyset pages.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "store/ticket.h"
#include "store/sqlite/rows.h"

/* A ticket's columns, its customer's organisation (the join reads the customer's table:
 * one statement rather than a second read per ticket) and its tags. The tags come as one
 * text by SQLite's group_concat, so that a ticket is one row, in a list too; a tag holds
 * no comma (cs_strv__from_tags). */
#define TICKET_COLUMNS                                                                             \
    "t.id, t.number, t.subject, t.customer_id, t.channel_id, t.status, t.priority, t.type,"        \
    " t.group_id, t.assignee_id, t.custom, t.merged_into, t.created_at, t.updated_at,"             \
    " t.solved_at, t.closed_at, c.organization_id,"                                                \
    " (SELECT group_concat(tag, ',') FROM ticket_tag WHERE ticket_id = t.id)"
static const char sql_by_id[] = "SELECT " TICKET_COLUMNS " FROM ticket t"
                                " JOIN customer c ON c.id = t.customer_id WHERE t.id = ?1";
static const char sql_by_number[] = "SELECT " TICKET_COLUMNS " FROM ticket t"
                                    " JOIN customer c ON c.id = t.customer_id"
                                    " WHERE t.number = ?1";
static const char sql_access[] =
    "SELECT t.customer_id, c.organization_id, t.group_id, t.assignee_id FROM ticket t"
    " JOIN customer c ON c.id = t.customer_id WHERE t.id = ?1";
/* The number index's last entry: tickets are never deleted, so a number is never given
 * twice, and a new ticket writes no counter row (one page less per commit). */
static const char sql_next_number[] = "SELECT coalesce(max(number), 0) + 1 FROM ticket";
static const char sql_insert[] =
    "INSERT INTO ticket (number, subject, customer_id, channel_id, status, priority, type,"
    " group_id, assignee_id, custom, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)";
static const char sql_update[] =
    "UPDATE ticket SET subject = ?2, status = ?3, priority = ?4, type = ?5, group_id = ?6,"
    " assignee_id = ?7, custom = ?8, updated_at = ?9, solved_at = ?10, closed_at = ?11,"
    " merged_into = ?12 WHERE id = ?1";
/* Not a write when nothing changes (a new ticket's first messages). */
static const char sql_touch[] =
    "UPDATE ticket SET updated_at = ?2 WHERE id = ?1 AND updated_at IS NOT ?2";
static const char sql_tags_clear[] = "DELETE FROM ticket_tag WHERE ticket_id = ?1";
/* OR IGNORE: the tags are a set, and a tag the ticket has already is no error (the list is
 * free of duplicates; a merge brings the source's tags over the target's). */
static const char sql_tag_add[] =
    "INSERT OR IGNORE INTO ticket_tag (ticket_id, tag) VALUES (?1, ?2)";
static const char sql_tags_merge[] = "INSERT OR IGNORE INTO ticket_tag (ticket_id, tag)"
                                     " SELECT ?1, tag FROM ticket_tag WHERE ticket_id = ?2";

/* Step a bound statement that selects one row. With *found the row is there to read (then
 * release the statement with cs_db__done); otherwise the statement is released. */
static int one(bool *found, cs_db *db, sqlite3_stmt *st, const char *what)
{
    int step = cs_db__step(db, st);

    if ((*found = step == SQLITE_ROW))
        return CS_OK;
    cs_db__done(st);
    return step == SQLITE_DONE ? CS_OK : cs_db__error(db, step, what);
}

/* A cached statement with its id bound as ?1, stepped to its row. */
static int one_by_id(sqlite3_stmt **st, bool *found, cs_db *db, const char *sql, int64_t id,
                     const char *what)
{
    *found = false;
    if (!(*st = cs_db__stmt(db, sql)))
        return cs_error_last()->code;
    sqlite3_bind_int64(*st, 1, id);
    return one(found, db, *st, what);
}

static void bind_ref(sqlite3_stmt *st, int idx, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(st, idx, id);
    else
        sqlite3_bind_null(st, idx);
}

static int split_tags(cs_strv *out, const char *joined)
{
    const char *p = joined, *comma;
    char tag[CS_TAG_MAX + 1];
    int rc = CS_OK;

    while (p && *p && rc == CS_OK) {
        comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        snprintf(tag, sizeof(tag), "%.*s", (int)len, p);
        rc = cs_strv__push(out, tag);
        p = comma ? comma + 1 : NULL;
    }
    return rc;
}

/* Fill a ticket from a row of TICKET_COLUMNS. */
static int ticket_from_row(cs_ticket *t, sqlite3_stmt *st)
{
    int rc = CS_OK;

    cs_ticket__clear(t);
    t->id = sqlite3_column_int64(st, 0);
    t->number = sqlite3_column_int64(st, 1);
    t->subject = cs_db__column_strdup(st, 2, &rc);
    t->customer_id = sqlite3_column_int64(st, 3);
    t->channel_id = sqlite3_column_int64(st, 4);
    t->status = sqlite3_column_int(st, 5);
    t->priority = sqlite3_column_int(st, 6);
    t->type = sqlite3_column_int(st, 7);
    t->group_id = sqlite3_column_int64(st, 8);
    t->assignee_id = sqlite3_column_int64(st, 9);
    t->custom = cs_db__column_strdup(st, 10, &rc);
    t->merged_into = sqlite3_column_int64(st, 11);
    t->created_at = sqlite3_column_int64(st, 12);
    t->updated_at = sqlite3_column_int64(st, 13);
    t->solved_at = sqlite3_column_int64(st, 14);
    t->closed_at = sqlite3_column_int64(st, 15);
    t->organization_id = sqlite3_column_int64(st, 16);
    if (rc == CS_OK)
        rc = split_tags(&t->tags, (const char *)sqlite3_column_text(st, 17));
    return rc;
}

static int get(cs_ticket *t, bool *found, cs_db *db, const char *sql, int64_t key)
{
    sqlite3_stmt *st;
    int rc;

    if ((rc = one_by_id(&st, found, db, sql, key, "read ticket")) < 0 || !*found)
        return rc;
    rc = ticket_from_row(t, st);
    cs_db__done(st);
    return rc;
}

int cs_store__ticket_get(cs_ticket *t, bool *found, cs_db *db, int64_t id)
{
    return get(t, found, db, sql_by_id, id);
}

int cs_store__ticket_get_number(cs_ticket *t, bool *found, cs_db *db, int64_t number)
{
    return get(t, found, db, sql_by_number, number);
}

int cs_store__ticket_access(cs_ticket *t, bool *found, cs_db *db, int64_t id)
{
    sqlite3_stmt *st;
    int rc;

    if ((rc = one_by_id(&st, found, db, sql_access, id, "ticket")) < 0 || !*found)
        return rc;
    t->id = id;
    t->customer_id = sqlite3_column_int64(st, 0);
    t->organization_id = sqlite3_column_int64(st, 1);
    t->group_id = sqlite3_column_int64(st, 2);
    t->assignee_id = sqlite3_column_int64(st, 3);
    cs_db__done(st);
    return CS_OK;
}

int cs_store__ticket_insert(int64_t *id, cs_db *db, const cs_store__ticket_new *t)
{
    int64_t number;
    sqlite3_stmt *st;
    int rc;

    if ((rc = cs_db__int(&number, db, sql_next_number, "number ticket")) < 0)
        return rc;
    if (!(st = cs_db__stmt(db, sql_insert)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, number);
    cs_db__bind_text(st, 2, t->subject);
    sqlite3_bind_int64(st, 3, t->customer_id);
    bind_ref(st, 4, t->channel_id);
    sqlite3_bind_int(st, 5, t->status);
    sqlite3_bind_int(st, 6, t->priority);
    sqlite3_bind_int(st, 7, t->type);
    bind_ref(st, 8, t->group_id);
    bind_ref(st, 9, t->assignee_id);
    cs_db__bind_text(st, 10, t->custom);
    sqlite3_bind_int64(st, 11, t->created_at);
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
        return rc;
    /* The row just inserted on this connection: its rowid is the ticket's id. */
    *id = sqlite3_last_insert_rowid(db->sql);
    return CS_OK;
}

int cs_store__ticket_update(cs_db *db, const cs_ticket *t)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_update);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, t->id);
    cs_db__bind_text(st, 2, t->subject);
    sqlite3_bind_int(st, 3, t->status);
    sqlite3_bind_int(st, 4, t->priority);
    sqlite3_bind_int(st, 5, t->type);
    bind_ref(st, 6, t->group_id);
    bind_ref(st, 7, t->assignee_id);
    cs_db__bind_text(st, 8, t->custom);
    sqlite3_bind_int64(st, 9, t->updated_at);
    bind_ref(st, 10, t->solved_at);
    bind_ref(st, 11, t->closed_at);
    bind_ref(st, 12, t->merged_into);
    return cs_db__exec_stmt(db, st);
}

/* Run a cached statement that takes two integers. */
static int exec_ints(cs_db *db, const char *sql, int64_t a, int64_t b)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    return cs_db__exec_stmt(db, st);
}

int cs_store__ticket_touch(cs_db *db, int64_t id, cs_time at)
{
    return exec_ints(db, sql_touch, id, at);
}

int cs_store__ticket_tags_set(cs_db *db, int64_t id, const cs_strv *tags)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_tags_clear);
    int rc;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
        return rc;
    return cs_store__ticket_tags_add(db, id, tags);
}

int cs_store__ticket_tags_add(cs_db *db, int64_t id, const cs_strv *tags)
{
    sqlite3_stmt *st;
    int rc = CS_OK;

    for (size_t i = 0; i < tags->n && rc == CS_OK; i++) {
        if (!(st = cs_db__stmt(db, sql_tag_add)))
            return cs_error_last()->code;
        sqlite3_bind_int64(st, 1, id);
        cs_db__bind_text(st, 2, tags->v[i]);
        rc = cs_db__exec_stmt(db, st);
    }
    return rc;
}

int cs_store__ticket_tags_merge(cs_db *db, int64_t target_id, int64_t source_id)
{
    return exec_ints(db, sql_tags_merge, target_id, source_id);
}

/* The list. Its query is assembled from fixed fragments, one per filter that is set; every
 * value is bound. It is read a page at a time (see cs_db__page), the filter's `after` and
 * `limit` moving from page to page. */
struct cs_ticket_iter {
    cs_db *db;
    cs_page page;
    cs_ticket tickets[CS_PAGE_ROWS];
};

static void append(char *sql, size_t size, const char *fragment)
{
    size_t len = strlen(sql);
    snprintf(sql + len, size - len, "%s", fragment);
}

/* With a tag, the walk goes along the tag's index (tag, ticket_id), already in id order,
 * so a page costs the same for rare and common tags. */
static void build_list_sql(char *sql, size_t size, const cs_ticket_filter *f,
                           const cs_store__ticket_scope *scope)
{
    const char *key = f->tag ? "tt.ticket_id" : "t.id";
    char part[64];

    snprintf(sql, size,
             "SELECT " TICKET_COLUMNS " FROM %s JOIN customer c"
             " ON c.id = t.customer_id WHERE 1",
             f->tag ? "ticket_tag tt JOIN ticket t ON t.id = tt.ticket_id" : "ticket t");
    if (f->tag)
        append(sql, size, " AND tt.tag = :tag");
    if (f->statuses) {
        append(sql, size, " AND t.status IN (");
        for (int s = CS_STATUS_NEW, first = 1; s <= CS_STATUS_CLOSED; s++) {
            if (!(f->statuses & (1u << s)))
                continue;
            append(sql, size, first ? "?" : ", ?");
            first = 0;
        }
        append(sql, size, ")");
    }
    if (f->customer_id)
        append(sql, size, " AND t.customer_id = :customer");
    if (f->assignee_id == CS_ID_CLEAR)
        append(sql, size, " AND t.assignee_id IS NULL");
    else if (f->assignee_id)
        append(sql, size, " AND t.assignee_id = :assignee");
    if (f->group_id == CS_ID_CLEAR)
        append(sql, size, " AND t.group_id IS NULL");
    else if (f->group_id)
        append(sql, size, " AND t.group_id = :group");
    if (f->channel_id)
        append(sql, size, " AND t.channel_id = :channel");
    if (f->created_from)
        append(sql, size, " AND t.created_at >= :from");
    if (f->created_to)
        append(sql, size, " AND t.created_at < :to");
    if (f->after) {
        snprintf(part, sizeof(part), " AND %s %s :after", key,
                 f->order == CS_ORDER_ID_DESC ? "<" : ">");
        append(sql, size, part);
    }
    if (scope->customer_id)
        append(sql, size, " AND (t.customer_id = :actor OR c.organization_id = :org)");
    else if (scope->agent_id)
        append(sql, size, " AND " CS_SCOPE_SQL("t", ":scope"));
    snprintf(part, sizeof(part), " ORDER BY %s%s", key,
             f->order == CS_ORDER_ID_DESC ? " DESC" : "");
    append(sql, size, part);
    if (f->limit)
        append(sql, size, " LIMIT :limit");
}

static void bind_named(sqlite3_stmt *st, const char *name, int64_t v)
{
    int idx = sqlite3_bind_parameter_index(st, name);
    if (idx)
        sqlite3_bind_int64(st, idx, v);
}

static void bind_filter(sqlite3_stmt *st, const cs_ticket_filter *f,
                        const cs_store__ticket_scope *scope)
{
    int idx, status = CS_STATUS_NEW;

    /* The statuses are the nameless parameters; a named one before them (the tag's) takes
     * the first number. */
    for (idx = 1; idx <= sqlite3_bind_parameter_count(st); idx++) {
        if (sqlite3_bind_parameter_name(st, idx))
            continue;
        while (!(f->statuses & (1u << status)))
            status++;
        sqlite3_bind_int(st, idx, status++);
    }
    bind_named(st, ":customer", f->customer_id);
    bind_named(st, ":assignee", f->assignee_id);
    bind_named(st, ":group", f->group_id);
    bind_named(st, ":channel", f->channel_id);
    bind_named(st, ":from", f->created_from);
    bind_named(st, ":to", f->created_to);
    bind_named(st, ":after", f->after);
    bind_named(st, ":actor", scope->customer_id);
    /* -1 matches no organisation when the customer's does not share tickets. */
    bind_named(st, ":org", scope->org_id ? scope->org_id : -1);
    bind_named(st, ":scope", scope->agent_id);
    bind_named(st, ":limit", (int64_t)f->limit);
    if ((idx = sqlite3_bind_parameter_index(st, ":tag")))
        sqlite3_bind_text(st, idx, f->tag, -1, SQLITE_TRANSIENT);
}

int cs_store__ticket_list(cs_ticket_iter **out, cs_db *db, const cs_ticket_filter *f,
                          const cs_store__ticket_scope *scope)
{
    cs_ticket_filter paged = *f;
    cs_ticket_iter *it;
    sqlite3_stmt *st;
    char sql[1280];
    int rc;

    /* Every page starts after a key and has a limit; the first starts before every id. */
    if (!paged.after)
        paged.after = f->order == CS_ORDER_ID_DESC ? INT64_MAX : INT64_MIN;
    paged.limit = CS_PAGE_ROWS;
    build_list_sql(sql, sizeof(sql), &paged, scope);
    if (!(it = cs_mem__calloc(1, sizeof(*it))))
        return cs_error__nomem();
    if ((rc = cs_db__prepare(&st, db, sql, "list tickets")) < 0) {
        cs_mem__free(it);
        return rc;
    }
    bind_filter(st, &paged, scope);
    it->page = (cs_page)CS_PAGE_INIT(st, sqlite3_bind_parameter_index(st, ":after"), paged.after,
                                     sqlite3_bind_parameter_index(st, ":limit"), f->limit);
    it->db = db;
    *out = it;
    return CS_OK;
}

static int keep_ticket(void *payload, sqlite3_stmt *st)
{
    cs_ticket_iter *it = payload;
    int rc = ticket_from_row(&it->tickets[it->page.n], st);

    if (rc < 0)
        return rc;
    it->page.key = it->tickets[it->page.n++].id;
    return CS_OK;
}

int cs_store__ticket_list_next(const cs_ticket **out, cs_ticket_iter *it)
{
    size_t i;
    int rc = cs_db__page_next(&i, &it->page, it->db, keep_ticket, it, "list tickets");

    if (rc != CS_OK)
        return rc;
    *out = &it->tickets[i];
    return CS_OK;
}

void cs_store__ticket_list_free(cs_ticket_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->page.st);
    for (size_t i = 0; i < CS_PAGE_ROWS; i++)
        cs_ticket__clear(&it->tickets[i]);
    cs_mem__free(it);
}

/* A customer's tickets ------------------------------------------------------------------ */

static const char sql_ids_of_customer[] =
    "SELECT id FROM ticket WHERE customer_id = ?1 ORDER BY id";
/* ?1 from, ?2 to; then ?3 the ticket. */
static const char sql_move_customer[] = "UPDATE ticket SET customer_id = ?2 WHERE customer_id = ?1";
static const char sql_move_one_customer[] =
    "UPDATE ticket SET customer_id = ?2 WHERE id = ?3 AND customer_id = ?1";
static const char sql_erase_customer[] =
    "UPDATE ticket SET subject = 'erased', custom = '{}' WHERE customer_id = ?1";

int cs_store__ticket_ids_of_customer(int64_t **ids, size_t *n, cs_db *db, int64_t customer_id)
{
    return cs_db__load_ids(ids, n, db, sql_ids_of_customer, customer_id, 0);
}

int cs_store__ticket_move_customer(cs_db *db, int64_t from, int64_t to)
{
    return cs_db__exec_ids(db, sql_move_customer, from, to, 0);
}

int cs_store__ticket_move_one_customer(cs_db *db, int64_t ticket_id, int64_t from, int64_t to)
{
    return cs_db__exec_ids(db, sql_move_one_customer, from, to, ticket_id);
}

int cs_store__ticket_erase_customer(cs_db *db, int64_t customer_id)
{
    return cs_db__exec_ids(db, sql_erase_customer, customer_id, 0, 0);
}

static const char sql_set_follow_up[] = "UPDATE ticket SET follow_up_of = ?2 WHERE id = ?1";

int cs_store__ticket_set_follow_up(cs_db *db, int64_t id, int64_t follow_up_of)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_set_follow_up);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, follow_up_of);
    return cs_db__exec_stmt(db, st);
}

/* ?2 is CS_STATUS_CLOSED: every status below it is one a reply still joins (solved too). */
_Static_assert(CS_STATUS_SOLVED < CS_STATUS_CLOSED, "status < ?2");
static const char sql_recent_subjects[] =
    "SELECT id, subject FROM ticket WHERE customer_id = ?1 AND status < ?2"
    " AND updated_at >= ?3 ORDER BY updated_at DESC, id DESC LIMIT ?4";

int cs_store__ticket_recent_subjects(cs_db *db, int64_t customer_id, cs_time since, size_t limit,
                                     cs_store__ticket_subject_fn fn, void *payload)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_recent_subjects);
    int rc = CS_OK, step = SQLITE_DONE;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, customer_id);
    sqlite3_bind_int(st, 2, CS_STATUS_CLOSED);
    sqlite3_bind_int64(st, 3, since);
    sqlite3_bind_int64(st, 4, (int64_t)limit);
    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW)
        rc = fn(payload, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1));
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "thread by subject");
    cs_db__done(st);
    return rc;
}

/* Export ------------------------------------------------------------------------------- */

static const char sql_export[] =
    "SELECT id, number, subject, channel_id, status, priority, type, group_id, assignee_id,"
    " custom, merged_into, created_at, updated_at, solved_at, closed_at"
    " FROM ticket WHERE customer_id = ?1 ORDER BY id";

int cs_store__ticket_export(char **out, cs_db *db, int64_t customer_id)
{
    return cs_rows__json(out, db, sql_export, customer_id, NULL);
}
