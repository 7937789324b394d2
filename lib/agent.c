/*
 * libcs - agents and groups: the people who answer, with their skills and queues.
 */
#include "config.h"

#include <jansson.h>
#include <string.h>

#include "cs-internal.h"
#include "db.h"
#include "perm.h"
#include "audit.h"
#include "agent.h"

/* Explicit initials: at most this many characters (not bytes). */
#define INITIALS_MAX_CHARS 4
#define INITIALS_MAX_BYTES (INITIALS_MAX_CHARS * 4)

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
static const char sql_member[] =
    "SELECT 1 FROM group_member WHERE agent_id = ?1 AND group_id = ?2";
static const char sql_skills[] = "SELECT skill FROM agent_skill WHERE agent_id = ?1 ORDER BY skill";
static const char sql_skills_delete[] = "DELETE FROM agent_skill WHERE agent_id = ?1";
static const char sql_skill_insert[] = "INSERT INTO agent_skill (agent_id, skill) VALUES (?1, ?2)";
static const char sql_groups[] =
    "SELECT group_id FROM group_member WHERE agent_id = ?1 ORDER BY group_id";
static const char sql_exists[] = "SELECT 1 FROM agent WHERE id = ?1";
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

struct cs_agent {
    int64_t id;
    char *name;
    char *initials;
    char *email;
    char *avatar_url;
    int role;
    int active;
    int ticket_access;
    cs_strv skills;
    int64_t *groups;
    size_t ngroups;
    cs_time created_at;
    cs_time updated_at;
};

static const cs_name role_names[] = {
    {CS_ROLE_ADMIN, "admin"},
    {CS_ROLE_AGENT, "agent"},
    {CS_ROLE_LIGHT, "light"},
};
static const cs_name access_names[] = {
    {CS_ACCESS_ALL, "all"},
    {CS_ACCESS_GROUPS, "groups"},
};

const char *cs_agent_role_name(int role)
{
    return CS_NAME_OF(role_names, role);
}

int cs_agent_role_parse(const char *name)
{
    return CS_NAME_PARSE(role_names, name);
}

const char *cs_ticket_access_name(int access)
{
    return CS_NAME_OF(access_names, access);
}

int cs_ticket_access_parse(const char *name)
{
    return CS_NAME_PARSE(access_names, name);
}

/* ticket_access is in the fields from version 2 on; a version 1 caller never set it. */
static int fields_access(const cs_agent_fields *f)
{
    return f->version >= 2 ? f->ticket_access : 0;
}

/* ------------------------------------------------------------------------------------- */
/* Validation */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Bytes in the UTF-8 character that starts with `c` (the text is already valid). */
static size_t utf8_char_len(unsigned char c)
{
    return c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
}

/* Append the first character of `word`, upper-cased when it is an ASCII letter. Case
 * mapping beyond ASCII needs tables libcs does not carry, and must not depend on the
 * process locale. */
static char *put_initial(char *p, const char *word)
{
    size_t n = utf8_char_len((unsigned char)*word);

    memcpy(p, word, n);
    if (*p >= 'a' && *p <= 'z')
        *p = (char)(*p - 'a' + 'A');
    return p + n;
}

/* The initials of a (valid, non-empty) name: first letters of its first and last word. */
static void default_initials(char out[INITIALS_MAX_BYTES + 1], const char *name)
{
    const char *first = name, *last = NULL, *p;
    char *o = out;

    while (*first && is_space(*first))
        first++;
    for (p = first; *p; p++)
        if (is_space(p[0]) && p[1] && !is_space(p[1]))
            last = p + 1;
    if (*first)
        o = put_initial(o, first);
    if (last)
        o = put_initial(o, last);
    *o = '\0';
}

static int check_initials(const char *initials)
{
    size_t chars = 0;
    int rc;

    if ((rc = cs_check__text("initials", initials, INITIALS_MAX_BYTES, false)) < 0)
        return rc;
    for (const char *p = initials; p && *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    if (chars > INITIALS_MAX_CHARS)
        return cs_error__inval("initials", "initials \"%s\" are longer than %d characters",
                               initials, INITIALS_MAX_CHARS);
    return CS_OK;
}

static int check_email(const char *email)
{
    int rc;

    if ((rc = cs_check__text("email", email, CS_IDENTITY_MAX, false)) < 0 || !email || !*email)
        return rc;
    return cs_check__email("email", email);
}

static int check_fields(const cs_agent_fields *f, bool create)
{
    int rc;

    if (!f)
        return cs_error__inval("fields", "fields is NULL");
    if (f->version < 1 || f->version > CS_AGENT_FIELDS_VERSION)
        return cs_error__inval("fields", "fields version %u is not between 1 and %d",
                               f->version, CS_AGENT_FIELDS_VERSION);
    if ((create || f->name) && (rc = cs_check__name("name", f->name, CS_NAME_MAX)) < 0)
        return rc;
    if ((rc = check_initials(f->initials)) < 0 || (rc = check_email(f->email)) < 0 ||
        (rc = cs_check__text("avatar_url", f->avatar_url, CS_URL_MAX, false)) < 0 ||
        (rc = cs_check__bool("active", f->active)) < 0)
        return rc;
    if (f->role && !cs_agent_role_name(f->role))
        return cs_error__inval("role", "unknown agent role %d", f->role);
    if (fields_access(f) && !cs_ticket_access_name(fields_access(f)))
        return cs_error__inval("ticket_access", "unknown ticket access %d", fields_access(f));
    if (!f->skills && f->nskills)
        return cs_error__inval("skills", "skills is NULL but nskills is %zu", f->nskills);
    return CS_OK;
}

/* ------------------------------------------------------------------------------------- */
/* Writing */

/* The values an agent row is written with; strings are borrowed. */
typedef struct agent_row {
    const char *name;
    const char *initials;
    const char *email;
    const char *avatar_url;
    int role;
    int active;
    int ticket_access;
} agent_row;

/* A lower-cased copy of a given email (NULL when none is given). Addresses compare without
 * case: keeping one spelling lets UNIQUE catch "Anna@X" and "anna@x". Only ASCII is folded. */
static int copy_email(char **out, const char *email)
{
    *out = NULL;
    if (!email || !*email)
        return CS_OK;
    if (!(*out = cs_mem__strdup(email)))
        return cs_error__nomem();
    for (char *p = *out; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return CS_OK;
}

/* Run sql_insert or sql_update (?1 is the id, bound by the caller); a UNIQUE violation can
 * only be the email. */
static int write_row(cs_db *db, sqlite3_stmt *st, const agent_row *row)
{
    int rc;

    cs_db__bind_text(st, 2, row->name);
    cs_db__bind_text(st, 3, row->initials);
    cs_db__bind_text(st, 4, row->email);
    cs_db__bind_text(st, 5, row->avatar_url);
    sqlite3_bind_int(st, 6, row->role);
    sqlite3_bind_int(st, 7, row->active);
    sqlite3_bind_int64(st, 8, cs_db_now(db));
    sqlite3_bind_int(st, 9, row->ticket_access);
    rc = cs_db__exec_stmt(db, st);
    if (rc == CS_EEXISTS)
        rc = cs_error__set(CS_EEXISTS, "email", "an agent with email \"%s\" already exists",
                           row->email);
    return rc;
}

static int write_skills(cs_db *db, int64_t id, const cs_strv *skills)
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

static int create(int64_t *id, cs_db *db, const cs_actor *by, const cs_agent_fields *f)
{
    char initials[INITIALS_MAX_BYTES + 1];
    agent_row row = {
        .name = f->name,
        .initials = f->initials,
        .avatar_url = cs_update__text(NULL, f->avatar_url),
        .role = f->role ? f->role : CS_ROLE_AGENT,
        .active = cs_update__int(1, f->active),
        .ticket_access = fields_access(f) ? fields_access(f) : CS_ACCESS_ALL,
    };
    cs_strv skills = {NULL, 0};
    char *email = NULL;
    sqlite3_stmt *st;
    int rc;

    if ((rc = cs_strv__from_tags(&skills, "skills", f->skills, f->nskills)) < 0)
        return rc;
    if ((rc = copy_email(&email, f->email)) < 0)
        goto out;
    row.email = email;
    if (!row.initials || !*row.initials) {
        default_initials(initials, f->name);
        row.initials = initials;
    }
    if (!(st = cs_db__stmt(db, sql_insert))) {
        rc = cs_error_last()->code;
        goto out;
    }
    if ((rc = write_row(db, st, &row)) < 0)
        goto out;
    *id = sqlite3_last_insert_rowid(db->sql);
    if ((rc = write_skills(db, *id, &skills)) < 0)
        goto out;
    rc = cs_audit__record(db, by, "agent", *id, 0, 0, "create", NULL, NULL, NULL);
out:
    cs_mem__free(email);
    cs_strv__free(&skills);
    return rc;
}

int cs_agent_create(int64_t *id, cs_db *db, const cs_agent_fields *fields)
{
    cs_actor by;
    int rc;

    if (!id || !db)
        return cs_error__inval(id ? "db" : "id", "%s is NULL", id ? "db" : "id");
    *id = 0;
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_WRITE)) < 0 ||
        (rc = check_fields(fields, true)) < 0)
        return rc;
    if ((rc = cs_db__begin(db)) < 0)
        return rc;
    rc = create(id, db, &by, fields);
    if (rc < 0)
        *id = 0;
    return cs_db__end(db, rc);
}

/* ------------------------------------------------------------------------------------- */
/* Reading */

static int load_row(cs_agent *a, cs_db *db, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_by_id);
    int rc = CS_OK, step;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    step = cs_db__step(db, st);
    if (step == SQLITE_ROW) {
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
    } else if (step == SQLITE_DONE) {
        rc = cs_error__set(CS_ENOTFOUND, "id", "agent %lld does not exist", (long long)id);
    } else {
        rc = cs_db__error(db, step, "read agent");
    }
    cs_db__done(st);
    return rc;
}

static int load_groups(cs_agent *a, cs_db *db)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_groups);
    int rc = CS_OK, step = SQLITE_DONE;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, a->id);
    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW) {
        int64_t *v = cs_mem__realloc(a->groups, (a->ngroups + 1) * sizeof(*v));
        if (!v) {
            rc = cs_error__nomem();
            break;
        }
        a->groups = v;
        a->groups[a->ngroups++] = sqlite3_column_int64(st, 0);
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read agent groups");
    cs_db__done(st);
    return rc;
}

static int lookup(cs_agent **out, cs_db *db, int64_t id)
{
    cs_agent *a = cs_mem__calloc(1, sizeof(*a));
    sqlite3_stmt *st;
    int rc;

    if (!a)
        return cs_error__nomem();
    if ((rc = load_row(a, db, id)) < 0)
        goto out;
    if (!(st = cs_db__stmt(db, sql_skills))) {
        rc = cs_error_last()->code;
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    if ((rc = cs_strv__load(&a->skills, db, st)) < 0 || (rc = load_groups(a, db)) < 0)
        goto out;
    *out = a;
    a = NULL;
out:
    cs_agent_free(a);
    return rc;
}

int cs_agent_lookup(cs_agent **out, cs_db *db, int64_t id)
{
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_READ)) < 0)
        return rc;
    return lookup(out, db, id);
}

void cs_agent_free(cs_agent *a)
{
    if (!a)
        return;
    cs_mem__free(a->name);
    cs_mem__free(a->initials);
    cs_mem__free(a->email);
    cs_mem__free(a->avatar_url);
    cs_strv__free(&a->skills);
    cs_mem__free(a->groups);
    cs_mem__free(a);
}

/* ------------------------------------------------------------------------------------- */
/* Updating */

/* Record and write a new skill set, if it differs from the old one. */
static int change_skills(cs_change *c, const cs_agent *old, const cs_agent_fields *f)
{
    cs_strv skills = {NULL, 0};
    char *before = NULL, *after = NULL;
    int rc;

    if (!f->skills)
        return CS_OK;
    if ((rc = cs_strv__from_tags(&skills, "skills", f->skills, f->nskills)) < 0)
        return rc;
    if (!(before = cs_strv__join(&old->skills)) || !(after = cs_strv__join(&skills))) {
        rc = cs_error__nomem();
        goto out;
    }
    /* Both lists are sorted without duplicates, so equal sets join to equal text. */
    if (strcmp(before, after) == 0)
        goto out;
    cs_change__text(c, "skills", before, after);
    if ((rc = c->rc) < 0)
        goto out;
    rc = write_skills(c->db, old->id, &skills);
out:
    cs_mem__free(before);
    cs_mem__free(after);
    cs_strv__free(&skills);
    return rc;
}

/* The row after the update; `initials` and `email` are buffers it may point into. */
static int next_row(agent_row *row, const cs_agent *old, const cs_agent_fields *f,
                    char initials[INITIALS_MAX_BYTES + 1], char **email)
{
    int rc;

    row->name = f->name ? f->name : old->name;
    row->initials = f->initials ? f->initials : old->initials;
    row->email = cs_update__text(old->email, f->email);
    row->avatar_url = cs_update__text(old->avatar_url, f->avatar_url);
    row->role = f->role ? f->role : old->role;
    row->active = cs_update__int(old->active, f->active);
    row->ticket_access = fields_access(f) ? fields_access(f) : old->ticket_access;
    /* The initials cannot be empty: clearing them goes back to the name's. */
    if (!*row->initials) {
        default_initials(initials, row->name);
        row->initials = initials;
    }
    if ((rc = copy_email(email, f->email)) < 0)
        return rc;
    if (*email)
        row->email = *email;
    return CS_OK;
}

static int update(cs_db *db, const cs_actor *by, int64_t id, const cs_agent_fields *f)
{
    char initials[INITIALS_MAX_BYTES + 1];
    cs_change c = CS_CHANGE_INIT(db, by, "agent", id);
    cs_agent *old = NULL;
    char *email = NULL;
    agent_row row;
    sqlite3_stmt *st;
    int rc;

    if ((rc = lookup(&old, db, id)) < 0 || (rc = next_row(&row, old, f, initials, &email)) < 0)
        goto out;
    cs_change__text(&c, "name", old->name, row.name);
    cs_change__text(&c, "initials", old->initials, row.initials);
    cs_change__text(&c, "email", old->email, row.email);
    cs_change__text(&c, "avatar_url", old->avatar_url, row.avatar_url);
    cs_change__text(&c, "role", cs_agent_role_name(old->role), cs_agent_role_name(row.role));
    cs_change__bool(&c, "active", old->active, row.active);
    cs_change__text(&c, "ticket_access", cs_ticket_access_name(old->ticket_access),
                    cs_ticket_access_name(row.ticket_access));
    if ((rc = c.rc) < 0 || (rc = change_skills(&c, old, f)) < 0 || c.count == 0)
        goto out;
    if (!(st = cs_db__stmt(db, sql_update))) {
        rc = cs_error_last()->code;
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    rc = write_row(db, st, &row);
out:
    cs_mem__free(email);
    cs_agent_free(old);
    return rc;
}

int cs_agent_update(cs_db *db, int64_t id, const cs_agent_fields *fields)
{
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_WRITE)) < 0 ||
        (rc = check_fields(fields, false)) < 0)
        return rc;
    if ((rc = cs_db__begin(db)) < 0)
        return rc;
    rc = update(db, &by, id, fields);
    return cs_db__end(db, rc);
}

/* ------------------------------------------------------------------------------------- */
/* Getters and JSON */

int64_t cs_agent_id(const cs_agent *a)
{
    return a ? a->id : 0;
}

const char *cs_agent_name(const cs_agent *a)
{
    return a ? a->name : NULL;
}

const char *cs_agent_initials(const cs_agent *a)
{
    return a ? a->initials : NULL;
}

const char *cs_agent_email(const cs_agent *a)
{
    return a ? a->email : NULL;
}

const char *cs_agent_avatar_url(const cs_agent *a)
{
    return a ? a->avatar_url : NULL;
}

int cs_agent_role(const cs_agent *a)
{
    return a ? a->role : 0;
}

int cs_agent_active(const cs_agent *a)
{
    return a ? a->active : 0;
}

int cs_agent_ticket_access(const cs_agent *a)
{
    return a ? a->ticket_access : 0;
}

size_t cs_agent_skill_count(const cs_agent *a)
{
    return a ? a->skills.n : 0;
}

const char *cs_agent_skill(const cs_agent *a, size_t i)
{
    return a && i < a->skills.n ? a->skills.v[i] : NULL;
}

size_t cs_agent_group_count(const cs_agent *a)
{
    return a ? a->ngroups : 0;
}

int64_t cs_agent_group(const cs_agent *a, size_t i)
{
    return a && i < a->ngroups ? a->groups[i] : 0;
}

/* The skills and group ids as JSON arrays; NULL when jansson runs out of memory. */
static json_t *skills_json(const cs_agent *a)
{
    json_t *v = json_array();

    for (size_t i = 0; v && i < a->skills.n; i++)
        if (json_array_append_new(v, json_string(a->skills.v[i])) < 0)
            json_decref(v), v = NULL;
    return v;
}

static json_t *groups_json(const cs_agent *a)
{
    json_t *v = json_array();

    for (size_t i = 0; v && i < a->ngroups; i++)
        if (json_array_append_new(v, json_integer(a->groups[i])) < 0)
            json_decref(v), v = NULL;
    return v;
}

/* A new reference, or NULL when jansson runs out of memory. */
static json_t *to_json(const cs_agent *a)
{
    char created[32], updated[32];

    /* "o" takes over the arrays, and releases them if packing fails. */
    /* One key and its value a line. */
    /* clang-format off */
    return json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s, s:b, s:s, s:o, s:o, s:s, s:s}",
                     "id", (json_int_t)a->id,
                     "name", a->name,
                     "initials", a->initials,
                     "email", a->email,
                     "avatar_url", a->avatar_url,
                     "role", cs_agent_role_name(a->role),
                     "active", a->active,
                     "ticket_access", cs_ticket_access_name(a->ticket_access),
                     "skills", skills_json(a),
                     "groups", groups_json(a),
                     "created_at", cs_time__iso(created, a->created_at),
                     "updated_at", cs_time__iso(updated, a->updated_at));
    /* clang-format on */
}

int cs_agent_to_json(char **out, const cs_agent *a)
{
    if (out)
        *out = NULL;
    if (!out || !a)
        return cs_error__inval(out ? "agent" : "out", "%s is NULL", out ? "agent" : "out");
    return cs_json__dump(out, to_json(a));
}

/* ------------------------------------------------------------------------------------- */
/* Groups */

static int group_create(int64_t *id, cs_db *db, const cs_actor *by, const char *name)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_group_insert);
    int rc;

    if (!st)
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, name);
    sqlite3_bind_int64(st, 2, cs_db_now(db));
    rc = cs_db__exec_stmt(db, st);
    if (rc == CS_EEXISTS)
        return cs_error__set(CS_EEXISTS, "name", "a group named \"%s\" already exists", name);
    if (rc < 0)
        return rc;
    *id = sqlite3_last_insert_rowid(db->sql);
    return cs_audit__record(db, by, "group", *id, 0, 0, "create", NULL, NULL, NULL);
}

int cs_group_create(int64_t *id, cs_db *db, const char *name)
{
    cs_actor by;
    int rc;

    if (!id || !db)
        return cs_error__inval(id ? "db" : "id", "%s is NULL", id ? "db" : "id");
    *id = 0;
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_WRITE)) < 0 ||
        (rc = cs_check__name("name", name, CS_NAME_MAX)) < 0)
        return rc;
    if ((rc = cs_db__begin(db)) < 0)
        return rc;
    rc = group_create(id, db, &by, name);
    if (rc < 0)
        *id = 0;
    return cs_db__end(db, rc);
}

/* Run sql_member_add or sql_member_remove and record it when it changed anything. */
static int change_member(cs_db *db, const cs_actor *by, const char *sql, int64_t group_id,
                         int64_t agent_id)
{
    bool add = sql == sql_member_add;
    char buf[24];
    sqlite3_stmt *st;
    int rc;

    if ((rc = cs_db__exists(db, sql_group_exists, group_id, "group_id", "group")) < 0 ||
        (rc = cs_db__exists(db, sql_exists, agent_id, "agent_id", "agent")) < 0)
        return rc;
    if (!(st = cs_db__stmt(db, sql)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, group_id);
    sqlite3_bind_int64(st, 2, agent_id);
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
        return rc;
    /* Adding a member twice or removing a non-member is no change, and not recorded. */
    if (sqlite3_changes(db->sql) == 0)
        return CS_OK;
    cs_int__text(buf, agent_id, false);
    return cs_audit__record(db, by, "group", group_id, 0, 0, add ? "add_agent" : "remove_agent",
                            "agent_id", add ? NULL : buf, add ? buf : NULL);
}

static int membership(cs_db *db, const char *sql, int64_t group_id, int64_t agent_id)
{
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_WRITE)) < 0)
        return rc;
    if ((rc = cs_db__begin(db)) < 0)
        return rc;
    rc = change_member(db, &by, sql, group_id, agent_id);
    return cs_db__end(db, rc);
}

int cs_group_add_agent(cs_db *db, int64_t group_id, int64_t agent_id)
{
    return membership(db, sql_member_add, group_id, agent_id);
}

int cs_group_remove_agent(cs_db *db, int64_t group_id, int64_t agent_id)
{
    return membership(db, sql_member_remove, group_id, agent_id);
}

/* ------------------------------------------------------------------------------------- */
/* Rights */

int cs_agent__actor(cs_actor *out, cs_db *db, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_rights);
    int rc;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = cs_db__one(db, st, id, "id", "agent")) < 0)
        return rc;
    *out = (cs_actor){CS_ACTOR_AGENT, id, sqlite3_column_int(st, 0),
                      sqlite3_column_int(st, 2) == CS_ACCESS_GROUPS, 0};
    /* Admins see everything: a group scope left on a promoted agent does not bind them. */
    if (out->role == CS_ROLE_ADMIN)
        out->scoped = false;
    if (!sqlite3_column_int(st, 1))
        rc = cs_error__set(CS_EPERM, "id", "agent %lld is inactive", (long long)id);
    cs_db__done(st);
    return rc;
}

int cs_agent__in_group(bool *out, cs_db *db, int64_t agent_id, int64_t group_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_member);
    int step;

    *out = false;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, agent_id);
    sqlite3_bind_int64(st, 2, group_id);
    step = cs_db__step(db, st);
    *out = step == SQLITE_ROW;
    cs_db__done(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? CS_OK
                                                     : cs_db__error(db, step, "read groups");
}
