/*
 * libcs - agents, their skills, groups and memberships in SQLite.
 */
#include "config.h"

#include "db.h"
#include "store/agent.h"

static const char sql_insert[] =
    "INSERT INTO agent (name, initials, email, avatar_url, role, active, ticket_access,"
    " created_at, updated_at) VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?9, ?8, ?8)";
static const char sql_update[] =
    "UPDATE agent SET name = ?2, initials = ?3, email = ?4, avatar_url = ?5, role = ?6,"
    " active = ?7, updated_at = ?8, ticket_access = ?9 WHERE id = ?1";
static const char sql_by_id[] =
    "SELECT id, name, initials, email, avatar_url, role, active, created_at, updated_at,"
    " ticket_access FROM agent WHERE id = ?1";
static const char sql_rights[] = "SELECT role, active, ticket_access FROM agent WHERE id = ?1";
static const char sql_member[] = "SELECT 1 FROM group_member WHERE agent_id = ?1 AND group_id = ?2";
static const char sql_skills[] = "SELECT skill FROM agent_skill WHERE agent_id = ?1 ORDER BY skill";
static const char sql_skills_delete[] = "DELETE FROM agent_skill WHERE agent_id = ?1";
static const char sql_skill_insert[] = "INSERT INTO agent_skill (agent_id, skill) VALUES (?1, ?2)";
static const char sql_groups[] =
    "SELECT group_id FROM group_member WHERE agent_id = ?1 ORDER BY group_id";
static const char sql_exists[] = "SELECT 1 FROM agent WHERE id = ?1";
/* ?1 the admin role; ?2 the agent not to count. */
static const char sql_other_admins[] =
    "SELECT count(*) FROM agent WHERE role = ?1 AND active = 1 AND id <> ?2";
static const char sql_by_email[] = "SELECT id FROM agent WHERE email = ?1";
static const char sql_group_insert[] = "INSERT INTO agent_group (name, created_at) VALUES (?1, ?2)";
static const char sql_group_exists[] = "SELECT 1 FROM agent_group WHERE id = ?1";
static const char sql_member_add[] =
    "INSERT INTO group_member (group_id, agent_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
static const char sql_member_remove[] =
    "DELETE FROM group_member WHERE group_id = ?1 AND agent_id = ?2";

/* Where the columns of sql_by_id land. */
enum {
    COL_ID,
    COL_NAME,
    COL_INITIALS,
    COL_EMAIL,
    COL_AVATAR,
    COL_ROLE,
    COL_ACTIVE,
    COL_CREATED,
    COL_UPDATED,
    COL_ACCESS
};

/* Run sql_insert or sql_update, whose ?1 (the id) the caller bound. */
static int write_row(cs_db *db, sqlite3_stmt *st, const cs_agent__row *row, cs_time now)
{
    cs_db__bind_text(st, 2, row->name);
    cs_db__bind_text(st, 3, row->initials);
    cs_db__bind_text(st, 4, row->email);
    cs_db__bind_text(st, 5, row->avatar_url);
    sqlite3_bind_int(st, 6, row->role);
    sqlite3_bind_int(st, 7, row->active);
    sqlite3_bind_int64(st, 8, now);
    sqlite3_bind_int(st, 9, row->ticket_access);
    return cs_db__exec_stmt(db, st);
}

int cs_store__agent_insert(int64_t *id, cs_db *db, const cs_agent__row *row, cs_time now)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_insert);
    int rc;

    if (!st)
        return cs_error_last()->code;
    if ((rc = write_row(db, st, row, now)) < 0)
        return rc;
    /* SQLite's way to the new id: the rowid of the connection's last insert, which is this
     * one (the handle is used by one thread at a time). */
    *id = sqlite3_last_insert_rowid(db->sql);
    return CS_OK;
}

int cs_store__agent_update(cs_db *db, int64_t id, const cs_agent__row *row, cs_time now)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_update);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    return write_row(db, st, row, now);
}

/* Step a cached statement with `id` bound as ?1. With *found its row is there to read (then
 * release the statement with cs_db__done); otherwise the statement is released. */
static int row_by_id(sqlite3_stmt **st, bool *found, cs_db *db, const char *sql, int64_t id,
                     const char *what)
{
    int step;

    *found = false;
    if (!(*st = cs_db__stmt(db, sql)))
        return cs_error_last()->code;
    sqlite3_bind_int64(*st, 1, id);
    if ((step = cs_db__step(db, *st)) == SQLITE_ROW) {
        *found = true;
        return CS_OK;
    }
    cs_db__done(*st);
    return step == SQLITE_DONE ? CS_OK : cs_db__error(db, step, what);
}

/* Whether the row of `id` that `sql` selects exists. */
static int exists(bool *found, cs_db *db, const char *sql, int64_t id, const char *what)
{
    sqlite3_stmt *st;
    int rc = row_by_id(&st, found, db, sql, id, what);

    if (rc == CS_OK && *found)
        cs_db__done(st);
    return rc;
}

int cs_store__agent_get(cs_agent *a, bool *found, cs_db *db, int64_t id)
{
    sqlite3_stmt *st;
    int rc;

    if ((rc = row_by_id(&st, found, db, sql_by_id, id, "read agent")) < 0 || !*found)
        return rc;
    a->id = sqlite3_column_int64(st, COL_ID);
    a->name = cs_db__column_strdup(st, COL_NAME, &rc);
    a->initials = cs_db__column_strdup(st, COL_INITIALS, &rc);
    a->email = cs_db__column_strdup(st, COL_EMAIL, &rc);
    a->avatar_url = cs_db__column_strdup(st, COL_AVATAR, &rc);
    a->role = sqlite3_column_int(st, COL_ROLE);
    a->active = sqlite3_column_int(st, COL_ACTIVE);
    a->created_at = sqlite3_column_int64(st, COL_CREATED);
    a->updated_at = sqlite3_column_int64(st, COL_UPDATED);
    a->ticket_access = sqlite3_column_int(st, COL_ACCESS);
    cs_db__done(st);
    return rc;
}

int cs_store__agent_exists(bool *found, cs_db *db, int64_t id)
{
    return exists(found, db, sql_exists, id, "agent");
}

int cs_store__agent_other_admins(int64_t *count, cs_db *db, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_other_admins);
    int step, rc = CS_OK;

    *count = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int(st, 1, CS_ROLE_ADMIN);
    sqlite3_bind_int64(st, 2, id);
    if ((step = cs_db__step(db, st)) == SQLITE_ROW)
        *count = sqlite3_column_int64(st, 0);
    else
        rc = cs_db__error(db, step, "count admins");
    cs_db__done(st);
    return rc;
}

int cs_store__agent_rights(cs_agent__rights *out, bool *found, cs_db *db, int64_t id)
{
    sqlite3_stmt *st;
    int rc;

    if ((rc = row_by_id(&st, found, db, sql_rights, id, "agent")) < 0 || !*found)
        return rc;
    out->role = sqlite3_column_int(st, 0);
    out->active = sqlite3_column_int(st, 1) != 0;
    out->ticket_access = sqlite3_column_int(st, 2);
    cs_db__done(st);
    return CS_OK;
}

int cs_store__agent_skills(cs_strv *out, cs_db *db, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_skills);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    return cs_strv__load(out, db, st);
}

int cs_store__agent_skills_set(cs_db *db, int64_t id, const cs_strv *skills)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_skills_delete);
    int rc;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
        return rc;
    for (size_t i = 0; i < skills->n; i++) {
        if (!(st = cs_db__stmt(db, sql_skill_insert)))
            return cs_error_last()->code;
        sqlite3_bind_int64(st, 1, id);
        cs_db__bind_text(st, 2, skills->v[i]);
        if ((rc = cs_db__exec_stmt(db, st)) < 0)
            return rc;
    }
    return CS_OK;
}

int cs_store__agent_groups(int64_t **out, size_t *n, cs_db *db, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_groups);
    int rc = CS_OK, step = SQLITE_DONE;

    *out = NULL;
    *n = 0;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW) {
        int64_t *v = cs_mem__realloc(*out, (*n + 1) * sizeof(*v));
        if (!v) {
            rc = cs_error__nomem();
            break;
        }
        *out = v;
        (*out)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read agent groups");
    cs_db__done(st);
    return rc;
}

int cs_store__agent_in_group(bool *out, cs_db *db, int64_t agent_id, int64_t group_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_member);

    if (st) {
        sqlite3_bind_int64(st, 1, agent_id);
        sqlite3_bind_int64(st, 2, group_id);
    }
    return cs_db__found(out, db, st, "read groups");
}

int cs_store__agent_group_insert(int64_t *id, cs_db *db, const char *name, cs_time now)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_group_insert);
    int rc;

    if (!st)
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, name);
    sqlite3_bind_int64(st, 2, now);
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
        return rc;
    /* As in cs_store__agent_insert. */
    *id = sqlite3_last_insert_rowid(db->sql);
    return CS_OK;
}

int cs_store__agent_group_exists(bool *found, cs_db *db, int64_t id)
{
    return exists(found, db, sql_group_exists, id, "group");
}

/* Run sql_member_add or sql_member_remove; *changed whether it changed a row. */
static int change_member(bool *changed, cs_db *db, const char *sql, int64_t group_id,
                         int64_t agent_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);
    int rc;

    *changed = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, group_id);
    sqlite3_bind_int64(st, 2, agent_id);
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
        return rc;
    *changed = sqlite3_changes(db->sql) > 0;
    return CS_OK;
}

int cs_store__agent_member_add(bool *changed, cs_db *db, int64_t group_id, int64_t agent_id)
{
    return change_member(changed, db, sql_member_add, group_id, agent_id);
}

int cs_store__agent_member_remove(bool *changed, cs_db *db, int64_t group_id, int64_t agent_id)
{
    return change_member(changed, db, sql_member_remove, group_id, agent_id);
}

int cs_store__agent_by_email(int64_t *id, cs_db *db, const char *email)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_by_email);
    int step;

    *id = 0;
    if (!st)
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, email);
    if ((step = cs_db__step(db, st)) == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    cs_db__done(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CS_OK : cs_db__error(db, step, "find agent");
}
