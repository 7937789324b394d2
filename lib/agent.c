/*
 * libcs - agents and groups: the people who answer, with their skills and queues.
 */
#include "config.h"

#include <string.h>

#include "cs-internal.h"
#include "perm.h"
#include "audit.h"
#include "agent.h"
#include "store/agent.h"

/* Explicit initials: at most this many characters (not bytes). */
#define INITIALS_MAX_CHARS 4
#define INITIALS_MAX_BYTES (INITIALS_MAX_CHARS * 4)

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
        return cs_error__inval("fields", "fields version %u is not between 1 and %d", f->version,
                               CS_AGENT_FIELDS_VERSION);
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

/* The error of writing an agent: CS_EEXISTS can only be its email. */
static int write_error(int rc, const cs_agent__row *row)
{
    if (rc == CS_EEXISTS)
        return cs_error__set(CS_EEXISTS, "email", "an agent with email \"%s\" already exists",
                             row->email);
    return rc;
}

static int create(int64_t *id, cs_db *db, const cs_actor *by, const cs_agent_fields *f)
{
    char initials[INITIALS_MAX_BYTES + 1];
    cs_agent__row row = {
        .name = f->name,
        .initials = f->initials,
        .avatar_url = cs_update__text(NULL, f->avatar_url),
        .role = f->role ? f->role : CS_ROLE_AGENT,
        .active = cs_update__int(1, f->active),
        .ticket_access = fields_access(f) ? fields_access(f) : CS_ACCESS_ALL,
    };
    cs_strv skills = {NULL, 0};
    char *email = NULL;
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
    if ((rc = write_error(cs_store__agent_insert(id, db, &row, cs_db_now(db)), &row)) < 0 ||
        (rc = cs_store__agent_skills_set(db, *id, &skills)) < 0)
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

/* CS_ENOTFOUND naming `field`, for agent `id`. */
static int no_agent(const char *field, int64_t id)
{
    return cs_error__set(CS_ENOTFOUND, field, "agent %lld does not exist", (long long)id);
}

static int lookup(cs_agent **out, cs_db *db, int64_t id)
{
    cs_agent *a = cs_mem__calloc(1, sizeof(*a));
    bool found;
    int rc;

    if (!a)
        return cs_error__nomem();
    if ((rc = cs_store__agent_get(a, &found, db, id)) < 0)
        goto out;
    if (!found) {
        rc = no_agent("id", id);
        goto out;
    }
    if ((rc = cs_store__agent_skills(&a->skills, db, id)) < 0 ||
        (rc = cs_store__agent_groups(&a->groups, &a->ngroups, db, id)) < 0)
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

int cs_agent_find(cs_agent **out, cs_db *db, const char *email)
{
    char *key = NULL;
    int64_t id = 0;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db || !email)
        return cs_error__inval(!out  ? "out"
                               : !db ? "db"
                                     : "email",
                               "%s is NULL",
                               !out  ? "out"
                               : !db ? "db"
                                     : "email");
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_READ)) < 0 ||
        (rc = cs_check__text("email", email, CS_IDENTITY_MAX, true)) < 0 ||
        (rc = copy_email(&key, email)) < 0)
        return rc;
    if ((rc = cs_store__agent_by_email(&id, db, key ? key : "")) == CS_OK && !id)
        rc = cs_error__set(CS_ENOTFOUND, "email", "no agent has the email \"%s\"", email);
    cs_mem__free(key);
    return rc < 0 ? rc : lookup(out, db, id);
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
    rc = cs_store__agent_skills_set(c->db, old->id, &skills);
out:
    cs_mem__free(before);
    cs_mem__free(after);
    cs_strv__free(&skills);
    return rc;
}

/* The row after the update; `initials` and `email` are buffers it may point into. */
static int next_row(cs_agent__row *row, const cs_agent *old, const cs_agent_fields *f,
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

/* The desk keeps an admin: the last active one cannot be demoted or deactivated (nobody
 * could configure anything through agents then, nor make an admin again). */
static int keep_an_admin(cs_db *db, const cs_agent *old, const cs_agent__row *row)
{
    bool was = old->role == CS_ROLE_ADMIN && old->active;
    int64_t others;
    int rc;

    if (!was || (row->role == CS_ROLE_ADMIN && row->active))
        return CS_OK;
    if ((rc = cs_store__agent_other_admins(&others, db, old->id)) < 0 || others > 0)
        return rc;
    return cs_error__set(CS_ECONFLICT, row->active ? "role" : "active",
                         "agent %lld is the last active admin: make another agent an admin "
                         "first",
                         (long long)old->id);
}

static int update(cs_db *db, const cs_actor *by, int64_t id, const cs_agent_fields *f)
{
    char initials[INITIALS_MAX_BYTES + 1];
    cs_change c = CS_CHANGE_INIT(db, by, "agent", id);
    cs_agent *old = NULL;
    char *email = NULL;
    cs_agent__row row;
    int rc;

    if ((rc = lookup(&old, db, id)) < 0 || (rc = next_row(&row, old, f, initials, &email)) < 0 ||
        (rc = keep_an_admin(db, old, &row)) < 0)
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
    rc = write_error(cs_store__agent_update(db, id, &row, cs_db_now(db)), &row);
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
/* Getters */

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

cs_time cs_agent_created_at(const cs_agent *a)
{
    return a ? a->created_at : 0;
}

cs_time cs_agent_updated_at(const cs_agent *a)
{
    return a ? a->updated_at : 0;
}

/* ------------------------------------------------------------------------------------- */
/* Groups */

static int group_create(int64_t *id, cs_db *db, const cs_actor *by, const char *name)
{
    int rc = cs_store__agent_group_insert(id, db, name, cs_db_now(db));

    if (rc == CS_EEXISTS)
        return cs_error__set(CS_EEXISTS, "name", "a group named \"%s\" already exists", name);
    if (rc < 0)
        return rc;
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

/* Add the agent to the group or remove it, and record it when it changed anything. */
static int change_member(cs_db *db, const cs_actor *by, bool add, int64_t group_id,
                         int64_t agent_id)
{
    bool found, changed;
    char buf[24];
    int rc;

    if ((rc = cs_agent__group_exists(db, group_id, "group_id")) < 0 ||
        (rc = cs_store__agent_exists(&found, db, agent_id)) < 0)
        return rc;
    if (!found)
        return no_agent("agent_id", agent_id);
    rc = add ? cs_store__agent_member_add(&changed, db, group_id, agent_id)
             : cs_store__agent_member_remove(&changed, db, group_id, agent_id);
    if (rc < 0)
        return rc;
    /* Adding a member twice or removing a non-member is no change, and not recorded. */
    if (!changed)
        return CS_OK;
    cs_int__text(buf, agent_id, false);
    return cs_audit__record(db, by, "group", group_id, 0, 0, add ? "add_agent" : "remove_agent",
                            "agent_id", add ? NULL : buf, add ? buf : NULL);
}

static int membership(cs_db *db, bool add, int64_t group_id, int64_t agent_id)
{
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_WRITE)) < 0)
        return rc;
    if ((rc = cs_db__begin(db)) < 0)
        return rc;
    rc = change_member(db, &by, add, group_id, agent_id);
    return cs_db__end(db, rc);
}

int cs_group_add_agent(cs_db *db, int64_t group_id, int64_t agent_id)
{
    return membership(db, true, group_id, agent_id);
}

int cs_group_remove_agent(cs_db *db, int64_t group_id, int64_t agent_id)
{
    return membership(db, false, group_id, agent_id);
}

int cs_agent__group_exists(cs_db *db, int64_t group_id, const char *field)
{
    bool found;
    int rc = cs_store__agent_group_exists(&found, db, group_id);

    if (rc == CS_OK && !found)
        return cs_error__set(CS_ENOTFOUND, field, "group %lld does not exist", (long long)group_id);
    return rc;
}

/* ------------------------------------------------------------------------------------- */
/* Rights */

int cs_agent__in_group(bool *out, cs_db *db, int64_t agent_id, int64_t group_id)
{
    return cs_store__agent_in_group(out, db, agent_id, group_id);
}
