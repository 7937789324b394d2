/*
 * libcs - customers, identities, organisations and merges in SQLite.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "store/customer.h"
#include "store/sqlite/rows.h"

/* The statement table ------------------------------------------------------------------ */

#define CUSTOMER_COLUMNS                                                                           \
    "id, name, organization_id, locale, timezone, custom, merged_into, erased_at, "                \
    "created_at, updated_at"

static const char sql_select[] = "SELECT " CUSTOMER_COLUMNS " FROM customer WHERE id = ?1";
static const char sql_iter[] = "SELECT " CUSTOMER_COLUMNS " FROM customer"
                               " WHERE merged_into IS NULL AND id > ?1"
                               " AND (?2 = 0 OR organization_id = ?2) ORDER BY id LIMIT ?3";
static const char sql_state[] = "SELECT merged_into, erased_at FROM customer WHERE id = ?1";
static const char sql_rights[] =
    "SELECT c.merged_into, c.erased_at, CASE WHEN o.shared_tickets THEN o.id ELSE 0 END"
    " FROM customer c LEFT JOIN organization o ON o.id = c.organization_id WHERE c.id = ?1";
static const char sql_insert[] =
    "INSERT INTO customer (name, organization_id, locale, timezone, custom, created_at,"
    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
static const char sql_update[] =
    "UPDATE customer SET name = ?2, organization_id = ?3, locale = ?4, timezone = ?5,"
    " custom = ?6, updated_at = ?7 WHERE id = ?1";
static const char sql_set_merged_into[] =
    "UPDATE customer SET merged_into = ?2, updated_at = ?3 WHERE id = ?1";
/* ?1 and everyone merged into it, along chains of merges. */
static const char sql_with_merged[] =
    "WITH RECURSIVE gone(id) AS (SELECT ?1 UNION SELECT c.id FROM customer c JOIN gone"
    " ON c.merged_into = gone.id) SELECT id FROM gone";
static const char sql_erase[] =
    "UPDATE customer SET name = 'erased', locale = 'en', timezone = NULL, custom = '{}',"
    " erased_at = ?2, updated_at = ?2 WHERE id = ?1";

static const char sql_tags[] = "SELECT tag FROM customer_tag WHERE customer_id = ?1 ORDER BY tag";
/* OR IGNORE (SQLite's spelling of ON CONFLICT DO NOTHING): a tag the customer has already
 * stays once. */
static const char sql_tag_insert[] =
    "INSERT OR IGNORE INTO customer_tag (customer_id, tag) VALUES (?1, ?2)";
static const char sql_tags_delete[] = "DELETE FROM customer_tag WHERE customer_id = ?1";
static const char sql_tag_delete[] = "DELETE FROM customer_tag WHERE tag = ?2 AND customer_id = ?1";
/* ?1 from, ?2 to. */
static const char sql_tags_missing[] =
    "SELECT tag FROM customer_tag WHERE customer_id = ?1"
    " AND tag NOT IN (SELECT tag FROM customer_tag WHERE customer_id = ?2) ORDER BY tag";

static const char sql_identities[] =
    "SELECT kind, value FROM identity WHERE customer_id = ?1 ORDER BY id";
static const char sql_identity_owner[] =
    "SELECT customer_id FROM identity WHERE kind = ?1 AND value = ?2";
static const char sql_identity_insert[] =
    "INSERT INTO identity (customer_id, kind, value, created_at) VALUES (?1, ?2, ?3, ?4)";
static const char sql_identity_delete[] =
    "DELETE FROM identity WHERE customer_id = ?1 AND kind = ?2 AND value = ?3";
static const char sql_identities_delete[] = "DELETE FROM identity WHERE customer_id = ?1";
static const char sql_identity_ids[] = "SELECT id FROM identity WHERE customer_id = ?1 ORDER BY id";
/* ?1 from, ?2 to; then ?3 the identity. */
static const char sql_identities_move[] =
    "UPDATE identity SET customer_id = ?2 WHERE customer_id = ?1";
static const char sql_identity_move[] =
    "UPDATE identity SET customer_id = ?2 WHERE id = ?3 AND customer_id = ?1";
static const char sql_export_identities[] =
    "SELECT id, kind, value, created_at FROM identity WHERE customer_id = ?1 ORDER BY id";

static const char sql_org_exists[] = "SELECT 1 FROM organization WHERE id = ?1";
static const char sql_org_insert[] =
    "INSERT INTO organization (name, shared_tickets, created_at) VALUES (?1, ?2, ?3)";

static const char sql_merge_insert[] =
    "INSERT INTO customer_merge (survivor_id, merged_id, merged_at) VALUES (?1, ?2, ?3)";
#define MERGE_COLUMNS "id, survivor_id, merged_id, undone_at"
static const char sql_merge_select[] = "SELECT " MERGE_COLUMNS " FROM customer_merge WHERE id = ?1";
static const char sql_merge_holding[] =
    "SELECT id FROM customer_merge WHERE merged_id = ?1 AND undone_at IS NULL"
    " ORDER BY id DESC LIMIT 1";
static const char sql_merge_undone[] = "UPDATE customer_merge SET undone_at = ?2 WHERE id = ?1";
/* What a merge moved: customer_merge_item rows of the kinds below (0011-merge-items.sql). */
enum { MOVED_IDENTITY = 1, MOVED_TICKET = 2, MOVED_TAG = 3 };
static const char sql_moved_insert[] =
    "INSERT INTO customer_merge_item (merge_id, kind, item_id, tag) VALUES (?1, ?2, ?3, ?4)";
static const char sql_moved_ids[] =
    "SELECT item_id FROM customer_merge_item WHERE merge_id = ?1 AND kind = ?2 ORDER BY rowid";
static const char sql_moved_tags[] = "SELECT tag FROM customer_merge_item"
                                     " WHERE merge_id = ?1 AND kind = ?2 ORDER BY rowid";
static const char sql_moved_drop_tags[] =
    "DELETE FROM customer_merge_item WHERE kind = ?2 AND merge_id IN"
    " (SELECT id FROM customer_merge WHERE survivor_id = ?1 OR merged_id = ?1)";

/* Helpers ------------------------------------------------------------------------------ */

/* The id of the row just inserted: last_insert_rowid is SQLite's way to learn it (another
 * backend would say RETURNING id). Call right after the insert. */
static int64_t new_id(cs_db *db)
{
    return sqlite3_last_insert_rowid(db->sql);
}

/* Customers ---------------------------------------------------------------------------- */

/* A customer from a row of CUSTOMER_COLUMNS, without tags and identities. */
static int from_row(cs_customer **out, sqlite3_stmt *st)
{
    cs_customer *c = cs_mem__calloc(1, sizeof(*c));
    int rc = CS_OK;

    *out = NULL;
    if (!c)
        return cs_error__nomem();
    c->id = sqlite3_column_int64(st, 0);
    c->name = cs_db__column_strdup(st, 1, &rc);
    c->organization_id = sqlite3_column_int64(st, 2);
    c->locale = cs_db__column_strdup(st, 3, &rc);
    c->timezone = cs_db__column_strdup(st, 4, &rc);
    c->custom = cs_db__column_strdup(st, 5, &rc);
    c->merged_into = sqlite3_column_int64(st, 6);
    c->erased_at = sqlite3_column_int64(st, 7);
    c->created_at = sqlite3_column_int64(st, 8);
    c->updated_at = sqlite3_column_int64(st, 9);
    if (rc < 0) {
        cs_customer__free(c);
        return rc;
    }
    *out = c;
    return CS_OK;
}

static int push_identity(cs_customer *c, int kind, const char *value)
{
    struct cs_identity *v;
    char *copy = cs_mem__strdup(value);

    if (!copy)
        return cs_error__nomem();
    v = cs_mem__realloc(c->identities, (c->nidentities + 1) * sizeof(*v));
    if (!v) {
        cs_mem__free(copy);
        return cs_error__nomem();
    }
    v[c->nidentities].kind = kind;
    v[c->nidentities++].value = copy;
    c->identities = v;
    return CS_OK;
}

static int load_children(cs_db *db, cs_customer *c)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_tags);
    int rc, step = SQLITE_DONE;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, c->id);
    if ((rc = cs_strv__load(&c->tags, db, st)) < 0)
        return rc;
    if (!(st = cs_db__stmt(db, sql_identities)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, c->id);
    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW)
        rc = push_identity(c, sqlite3_column_int(st, 0), (const char *)sqlite3_column_text(st, 1));
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read identities");
    cs_db__done(st);
    return rc;
}

/* The record, and with `children` its tags and identities. */
static int get(cs_customer **out, cs_db *db, int64_t id, bool children)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_select);
    cs_customer *c = NULL;
    int rc;

    *out = NULL;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    rc = cs_db__step(db, st);
    if (rc == SQLITE_ROW)
        rc = from_row(&c, st);
    else if (rc == SQLITE_DONE)
        rc = cs_error__set(CS_ENOTFOUND, "id", "customer %lld does not exist", (long long)id);
    else
        rc = cs_db__error(db, rc, "read customer");
    cs_db__done(st);
    if (rc == CS_OK && children)
        rc = load_children(db, c);
    if (rc < 0) {
        cs_customer__free(c);
        return rc;
    }
    *out = c;
    return CS_OK;
}

int cs_store__customer_get(cs_customer **out, cs_db *db, int64_t id)
{
    return get(out, db, id, true);
}

int cs_store__customer_record(cs_customer **out, cs_db *db, int64_t id)
{
    return get(out, db, id, false);
}

int cs_store__customer_state(int64_t *merged_into, cs_time *erased_at, cs_db *db, int64_t id,
                             const char *field)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_state);
    int rc;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = cs_db__one(db, st, id, field, "customer")) < 0)
        return rc;
    *merged_into = sqlite3_column_int64(st, 0);
    *erased_at = sqlite3_column_int64(st, 1);
    cs_db__done(st);
    return CS_OK;
}

int cs_store__customer_rights(bool *merged, bool *erased, int64_t *org, cs_db *db, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_rights);
    int rc;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = cs_db__one(db, st, id, "id", "customer")) < 0)
        return rc;
    *merged = sqlite3_column_type(st, 0) != SQLITE_NULL;
    *erased = sqlite3_column_type(st, 1) != SQLITE_NULL;
    *org = sqlite3_column_int64(st, 2);
    cs_db__done(st);
    return CS_OK;
}

/* Parameters 1..5 of sql_insert, 2..6 of sql_update. */
static void bind_row(sqlite3_stmt *st, int first, const cs_customer_row *row)
{
    cs_db__bind_text(st, first, row->name);
    cs_db__bind_id(st, first + 1, row->organization_id);
    cs_db__bind_text(st, first + 2, row->locale);
    cs_db__bind_text(st, first + 3, row->timezone);
    cs_db__bind_text(st, first + 4, row->custom);
}

int cs_store__customer_insert(int64_t *id, cs_db *db, const cs_customer_row *row, cs_time now)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_insert);
    int rc;

    if (!st)
        return cs_error_last()->code;
    bind_row(st, 1, row);
    sqlite3_bind_int64(st, 6, now);
    if ((rc = cs_db__exec_stmt(db, st)) == CS_OK)
        *id = new_id(db);
    return rc;
}

int cs_store__customer_update(cs_db *db, int64_t id, const cs_customer_row *row, cs_time now)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_update);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    bind_row(st, 2, row);
    sqlite3_bind_int64(st, 7, now);
    return cs_db__exec_stmt(db, st);
}

int cs_store__customer_set_merged_into(cs_db *db, int64_t id, int64_t merged_into, cs_time now)
{
    return cs_db__exec_ids(db, sql_set_merged_into, id, merged_into, now);
}

int cs_store__customer_with_merged(int64_t **ids, size_t *n, cs_db *db, int64_t id)
{
    return cs_db__load_ids(ids, n, db, sql_with_merged, id, 0);
}

int cs_store__customer_erase(cs_db *db, int64_t id, cs_time now)
{
    return cs_db__exec_ids(db, sql_erase, id, now, 0);
}

/* The iterator ------------------------------------------------------------------------- */

struct cs_customer_iter {
    cs_db *db;
    cs_page page;
    cs_customer *customers[CS_PAGE_ROWS];
};

int cs_store__customer_iter_new(cs_customer_iter **out, cs_db *db, int64_t organization_id,
                                int64_t after, size_t limit)
{
    cs_customer_iter *it = cs_mem__calloc(1, sizeof(*it));
    sqlite3_stmt *st;
    int rc;

    if (!it)
        return cs_error__nomem();
    if ((rc = cs_db__prepare(&st, db, sql_iter, "list customers")) < 0) {
        cs_mem__free(it);
        return rc;
    }
    sqlite3_bind_int64(st, 2, organization_id);
    it->page = (cs_page)CS_PAGE_INIT(st, 1, after, 3, limit);
    it->db = db;
    *out = it;
    return CS_OK;
}

static int keep_customer(void *payload, sqlite3_stmt *st)
{
    cs_customer_iter *it = payload;
    cs_customer **slot = &it->customers[it->page.n];
    int rc;

    cs_customer__free(*slot);
    if ((rc = from_row(slot, st)) < 0)
        return rc;
    if ((rc = load_children(it->db, *slot)) < 0) {
        cs_customer__free(*slot);
        *slot = NULL;
        return rc;
    }
    it->page.key = (*slot)->id;
    it->page.n++;
    return CS_OK;
}

int cs_store__customer_iter_next(const cs_customer **out, cs_customer_iter *it)
{
    size_t i;
    int rc = cs_db__page_next(&i, &it->page, it->db, keep_customer, it, "list customers");

    if (rc != CS_OK)
        return rc;
    *out = it->customers[i];
    return CS_OK;
}

void cs_store__customer_iter_free(cs_customer_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->page.st);
    for (size_t i = 0; i < CS_PAGE_ROWS; i++)
        cs_customer__free(it->customers[i]);
    cs_mem__free(it);
}

/* Tags --------------------------------------------------------------------------------- */

int cs_store__customer_tags_add(cs_db *db, int64_t id, const cs_strv *tags)
{
    sqlite3_stmt *st;
    int rc = CS_OK;

    for (size_t i = 0; i < tags->n && rc == CS_OK; i++) {
        if (!(st = cs_db__stmt(db, sql_tag_insert)))
            return cs_error_last()->code;
        sqlite3_bind_int64(st, 1, id);
        cs_db__bind_text(st, 2, tags->v[i]);
        rc = cs_db__exec_stmt(db, st);
    }
    return rc;
}

int cs_store__customer_tags_delete(cs_db *db, int64_t id)
{
    return cs_db__exec_ids(db, sql_tags_delete, id, 0, 0);
}

int cs_store__customer_tag_delete(cs_db *db, int64_t id, const char *tag)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_tag_delete);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    cs_db__bind_text(st, 2, tag);
    return cs_db__exec_stmt(db, st);
}

int cs_store__customer_tags_missing(cs_strv *out, cs_db *db, int64_t from, int64_t to)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_tags_missing);

    out->v = NULL;
    out->n = 0;
    if (!st)
        return cs_error_last()->code;
    cs_db__bind_ids(st, from, to, 0);
    return cs_strv__load(out, db, st);
}

/* Identities --------------------------------------------------------------------------- */

int cs_store__customer_identity_owner(int64_t *owner, cs_db *db, int kind, const char *value)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_identity_owner);
    int rc;

    *owner = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int(st, 1, kind);
    cs_db__bind_text(st, 2, value);
    rc = cs_db__step(db, st);
    if (rc == SQLITE_ROW)
        *owner = sqlite3_column_int64(st, 0);
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? CS_OK : cs_db__error(db, rc, "find identity");
    cs_db__done(st);
    return rc;
}

int cs_store__customer_identity_insert(int64_t *identity_id, cs_db *db, int64_t id, int kind,
                                       const char *value, cs_time now)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_identity_insert);
    int rc;

    *identity_id = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, kind);
    cs_db__bind_text(st, 3, value);
    sqlite3_bind_int64(st, 4, now);
    if ((rc = cs_db__exec_stmt(db, st)) == CS_OK)
        *identity_id = sqlite3_last_insert_rowid(db->sql);
    return rc;
}

int cs_store__customer_identity_delete(bool *deleted, cs_db *db, int64_t id, int kind,
                                       const char *value)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_identity_delete);
    int rc;

    *deleted = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, kind);
    cs_db__bind_text(st, 3, value);
    if ((rc = cs_db__exec_stmt(db, st)) == CS_OK)
        *deleted = sqlite3_changes(db->sql) > 0;
    return rc;
}

int cs_store__customer_identities_delete(cs_db *db, int64_t id)
{
    return cs_db__exec_ids(db, sql_identities_delete, id, 0, 0);
}

int cs_store__customer_identity_ids(int64_t **ids, size_t *n, cs_db *db, int64_t id)
{
    return cs_db__load_ids(ids, n, db, sql_identity_ids, id, 0);
}

int cs_store__customer_identities_move(cs_db *db, int64_t from, int64_t to)
{
    return cs_db__exec_ids(db, sql_identities_move, from, to, 0);
}

int cs_store__customer_identity_move(cs_db *db, int64_t identity_id, int64_t from, int64_t to)
{
    return cs_db__exec_ids(db, sql_identity_move, from, to, identity_id);
}

static const char sql_identity_find[] =
    "SELECT id, customer_id FROM identity WHERE kind = ?1 AND value = ?2";

int cs_store__customer_identity_find(int64_t *id, int64_t *owner, cs_db *db, int kind,
                                     const char *value)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_identity_find);
    int step;

    *id = *owner = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int(st, 1, kind);
    cs_db__bind_text(st, 2, value);
    if ((step = cs_db__step(db, st)) == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        *owner = sqlite3_column_int64(st, 1);
    }
    cs_db__done(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CS_OK
                                                     : cs_db__error(db, step, "find identity");
}

/* Organisations ------------------------------------------------------------------------ */

int cs_store__customer_organization_exists(cs_db *db, int64_t id, const char *field)
{
    return cs_db__exists(db, sql_org_exists, id, field, "organization");
}

int cs_store__customer_organization_insert(int64_t *id, cs_db *db, const char *name, bool shared,
                                           cs_time now)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_org_insert);
    int rc;

    if (!st)
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, name);
    sqlite3_bind_int(st, 2, shared);
    sqlite3_bind_int64(st, 3, now);
    rc = cs_db__step(db, st);
    cs_db__done(st);
    if (rc != SQLITE_DONE)
        return cs_db__error(db, rc, "insert organization");
    *id = new_id(db);
    return CS_OK;
}

/* Merges ------------------------------------------------------------------------------- */

static int moved_insert(cs_db *db, int64_t merge_id, int kind, int64_t item_id, const char *tag)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_moved_insert);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, merge_id);
    sqlite3_bind_int(st, 2, kind);
    cs_db__bind_id(st, 3, item_id);
    cs_db__bind_text(st, 4, tag);
    return cs_db__exec_stmt(db, st);
}

int cs_store__customer_merge_insert(int64_t *merge_id, cs_db *db, const cs_merge_record *m,
                                    cs_time now)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_merge_insert);
    int64_t id;
    int rc;

    if (!st)
        return cs_error_last()->code;
    cs_db__bind_ids(st, m->survivor_id, m->merged_id, now);
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
        return rc;
    id = new_id(db);
    for (size_t i = 0; i < m->nidentities && rc == CS_OK; i++)
        rc = moved_insert(db, id, MOVED_IDENTITY, m->identities[i], NULL);
    for (size_t i = 0; i < m->ntickets && rc == CS_OK; i++)
        rc = moved_insert(db, id, MOVED_TICKET, m->tickets[i], NULL);
    for (size_t i = 0; i < m->tags.n && rc == CS_OK; i++)
        rc = moved_insert(db, id, MOVED_TAG, 0, m->tags.v[i]);
    if (rc == CS_OK)
        *merge_id = id;
    return rc;
}

static int moved_load(cs_merge_record *m, cs_db *db)
{
    sqlite3_stmt *st;
    int rc;

    if ((rc = cs_db__load_ids(&m->identities, &m->nidentities, db, sql_moved_ids, m->id,
                              MOVED_IDENTITY)) < 0 ||
        (rc = cs_db__load_ids(&m->tickets, &m->ntickets, db, sql_moved_ids, m->id, MOVED_TICKET)) <
            0)
        return rc;
    if (!(st = cs_db__stmt(db, sql_moved_tags)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, m->id);
    sqlite3_bind_int(st, 2, MOVED_TAG);
    return cs_strv__load(&m->tags, db, st);
}

int cs_store__customer_merge_get(cs_merge_record *out, cs_db *db, int64_t merge_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_merge_select);
    int rc;

    memset(out, 0, sizeof(*out));
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, merge_id);
    rc = cs_db__step(db, st);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        out->survivor_id = sqlite3_column_int64(st, 1);
        out->merged_id = sqlite3_column_int64(st, 2);
        out->undone = sqlite3_column_type(st, 3) != SQLITE_NULL;
        rc = CS_OK;
    } else if (rc == SQLITE_DONE) {
        rc = cs_error__set(CS_ENOTFOUND, "merge_id", "merge %lld does not exist",
                           (long long)merge_id);
    } else {
        rc = cs_db__error(db, rc, "read merge");
    }
    cs_db__done(st);
    if (rc == CS_OK)
        rc = moved_load(out, db);
    if (rc < 0)
        cs_store__customer_merge_free(out);
    return rc;
}

int cs_store__customer_merge_holding(int64_t *merge_id, cs_db *db, int64_t merged_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_merge_holding);
    int rc;

    *merge_id = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, merged_id);
    if ((rc = cs_db__step(db, st)) == SQLITE_ROW)
        *merge_id = sqlite3_column_int64(st, 0);
    cs_db__done(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? CS_OK : cs_db__error(db, rc, "read merges");
}

int cs_store__customer_merge_undone(cs_db *db, int64_t merge_id, cs_time now)
{
    return cs_db__exec_ids(db, sql_merge_undone, merge_id, now, 0);
}

int cs_store__customer_merges_drop_tags(cs_db *db, int64_t customer_id)
{
    return cs_db__exec_ids(db, sql_moved_drop_tags, customer_id, MOVED_TAG, 0);
}

int cs_store__customer_export_identities(char **out, cs_db *db, int64_t id)
{
    return cs_rows__json(out, db, sql_export_identities, id, NULL);
}

/* A customer's identity of a kind, for replies ----------------------------------------- */

static const char sql_oldest_identity[] =
    "SELECT id, value FROM identity WHERE customer_id = ?1 AND kind = ?2 ORDER BY id LIMIT 1";
static const char sql_named_identity[] =
    "SELECT id, value FROM identity WHERE customer_id = ?1 AND kind = ?2 AND value = ?3";

/* The first row (id, value) of a bound statement, which is then released. */
static int read_identity(int64_t *id, char **value, bool *found, cs_db *db, sqlite3_stmt *st)
{
    int rc = CS_OK, step = cs_db__step(db, st);

    *found = false;
    if (step == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        *value = cs_db__column_strdup(st, 1, &rc);
        *found = rc == CS_OK;
    } else if (step != SQLITE_DONE) {
        rc = cs_db__error(db, step, "read identity");
    }
    cs_db__done(st);
    return rc;
}

int cs_store__customer_oldest_identity(int64_t *id, char **value, bool *found, cs_db *db,
                                       int64_t customer_id, int kind)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_oldest_identity);

    *found = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, customer_id);
    sqlite3_bind_int(st, 2, kind);
    return read_identity(id, value, found, db, st);
}

int cs_store__customer_named_identity(int64_t *id, char **out, bool *found, cs_db *db,
                                      int64_t customer_id, int kind, const char *value)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_named_identity);

    *found = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, customer_id);
    sqlite3_bind_int(st, 2, kind);
    cs_db__bind_text(st, 3, value);
    return read_identity(id, out, found, db, st);
}
