/*
 * libcs - customers, their identities and organisations (P2: one customer, one timeline).
 */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "db.h"
#include "perm.h"
#include "audit.h"
#include "customer.h"
#include "custom.h"
#include "outbox.h"
#include "calendar.h"

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
static const char sql_org_exists[] = "SELECT 1 FROM organization WHERE id = ?1";
static const char sql_insert[] =
    "INSERT INTO customer (name, organization_id, locale, timezone, custom, created_at,"
    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
static const char sql_update[] =
    "UPDATE customer SET name = ?2, organization_id = ?3, locale = ?4, timezone = ?5,"
    " custom = ?6, updated_at = ?7 WHERE id = ?1";
static const char sql_tags[] = "SELECT tag FROM customer_tag WHERE customer_id = ?1 ORDER BY tag";
static const char sql_tag_insert[] =
    "INSERT OR IGNORE INTO customer_tag (customer_id, tag) VALUES (?1, ?2)";
static const char sql_tags_delete[] = "DELETE FROM customer_tag WHERE customer_id = ?1";
static const char sql_identities[] =
    "SELECT kind, value FROM identity WHERE customer_id = ?1 ORDER BY id";
static const char sql_identity_owner[] =
    "SELECT customer_id FROM identity WHERE kind = ?1 AND value = ?2";
static const char sql_identity_insert[] =
    "INSERT INTO identity (customer_id, kind, value, created_at) VALUES (?1, ?2, ?3, ?4)";
static const char sql_identity_delete[] =
    "DELETE FROM identity WHERE customer_id = ?1 AND kind = ?2 AND value = ?3";
static const char sql_org_insert[] =
    "INSERT INTO organization (name, shared_tickets, created_at) VALUES (?1, ?2, ?3)";

/* Merges: ?1 the merged customer, ?2 the survivor. */
static const char sql_moved_identities[] =
    "SELECT id FROM identity WHERE customer_id = ?1 ORDER BY id";
static const char sql_moved_tickets[] = "SELECT id FROM ticket WHERE customer_id = ?1 ORDER BY id";
static const char sql_moved_tags[] =
    "SELECT tag FROM customer_tag WHERE customer_id = ?1"
    " AND tag NOT IN (SELECT tag FROM customer_tag WHERE customer_id = ?2) ORDER BY tag";
static const char sql_move_identities[] =
    "UPDATE identity SET customer_id = ?2 WHERE customer_id = ?1";
static const char sql_move_tickets[] = "UPDATE ticket SET customer_id = ?2 WHERE customer_id = ?1";
static const char sql_copy_tags[] = "INSERT OR IGNORE INTO customer_tag (customer_id, tag)"
                                    " SELECT ?2, tag FROM customer_tag WHERE customer_id = ?1";
static const char sql_set_merged_into[] =
    "UPDATE customer SET merged_into = ?2, updated_at = ?3 WHERE id = ?1";
static const char sql_merge_insert[] =
    "INSERT INTO customer_merge (survivor_id, merged_id, moved, merged_at)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char sql_merge_select[] =
    "SELECT survivor_id, merged_id, moved, undone_at FROM customer_merge WHERE id = ?1";
static const char sql_merge_undone[] = "UPDATE customer_merge SET undone_at = ?2 WHERE id = ?1";
/* The merge that holds now for a merged customer (?1). */
static const char sql_merge_holding[] =
    "SELECT id FROM customer_merge WHERE merged_id = ?1 AND undone_at IS NULL"
    " ORDER BY id DESC LIMIT 1";
/* Unmerge: ?1 the moved item, ?2 the survivor, ?3 the merged customer. */
static const char sql_unmove_identity[] =
    "UPDATE identity SET customer_id = ?3 WHERE id = ?1 AND customer_id = ?2";
static const char sql_unmove_ticket[] =
    "UPDATE ticket SET customer_id = ?3 WHERE id = ?1 AND customer_id = ?2";
static const char sql_unmove_tag[] = "DELETE FROM customer_tag WHERE tag = ?1 AND customer_id = ?2";

/* Erasure: the customer and everyone merged into it, since their data lives with it. */
static const char sql_erase_set[] =
    "WITH RECURSIVE gone(id) AS (SELECT ?1 UNION SELECT c.id FROM customer c JOIN gone"
    " ON c.merged_into = gone.id) SELECT id FROM gone";
/* Then per customer: ?1 the customer, ?2 CS_ACTOR_CUSTOMER. Every message of their tickets
 * (agents' replies and notes quote names and addresses too), and theirs on other tickets. */
#define ERASED_TICKETS "SELECT id FROM ticket WHERE customer_id = ?1"
#define ERASED_MESSAGES                                                                            \
    "SELECT id FROM message WHERE ticket_id IN (" ERASED_TICKETS ")"                               \
    " OR (author_kind = ?2 AND author_id = ?1)"
static const char sql_erase_attachments[] =
    "UPDATE attachment SET name = '', sha256 = '', storage_ref = NULL, data = NULL"
    " WHERE message_id IN (" ERASED_MESSAGES ")";
static const char sql_erase_messages[] =
    "UPDATE message SET subject = '', body = '', external_id = NULL, conversation = NULL,"
    " quoted = NULL, signature = NULL, html = NULL, reply_to = NULL"
    " WHERE id IN (" ERASED_MESSAGES ")";
static const char sql_erase_ingest_log[] =
    "DELETE FROM ingest_log WHERE customer_id = ?1 OR ticket_id IN (" ERASED_TICKETS ")";
static const char sql_erase_thread_refs[] =
    "DELETE FROM thread_ref WHERE ticket_id IN (" ERASED_TICKETS ")";
static const char sql_erase_identities[] = "DELETE FROM identity WHERE customer_id = ?1";
static const char sql_erase_tickets[] =
    "UPDATE ticket SET subject = 'erased', custom = '{}' WHERE customer_id = ?1";
static const char sql_erase_audit[] =
    "UPDATE audit SET old = NULL, new = NULL"
    " WHERE customer_id = ?1 OR ticket_id IN (" ERASED_TICKETS ")";
static const char sql_erase_merges[] =
    "SELECT id, moved FROM customer_merge WHERE survivor_id = ?1 OR merged_id = ?1";
static const char sql_erase_merge[] = "UPDATE customer_merge SET moved = ?2 WHERE id = ?1";
static const char sql_erase_customer[] =
    "UPDATE customer SET name = 'erased', locale = 'en', timezone = NULL, custom = '{}',"
    " erased_at = ?2, updated_at = ?2 WHERE id = ?1";

/* Export: ?1 the customer (or the ticket, or the message). Columns named "at" or "*_at" are
 * times and "custom" is a JSON object; see row_object(). */
static const char sql_export_identities[] =
    "SELECT id, kind, value, created_at FROM identity WHERE customer_id = ?1 ORDER BY id";
static const char sql_export_tickets[] =
    "SELECT id, number, subject, channel_id, status, priority, type, group_id, assignee_id,"
    " custom, merged_into, created_at, updated_at, solved_at, closed_at"
    " FROM ticket WHERE customer_id = ?1 ORDER BY id";
static const char sql_export_messages[] =
    "SELECT id, direction, visibility, channel_id, author_kind, author_id, subject, body,"
    " external_id, created_at, quoted, signature, html, reply_to FROM message"
    " WHERE ticket_id = ?1 ORDER BY id";
static const char sql_export_attachments[] =
    "SELECT id, name, content_type, size, sha256, storage_ref FROM attachment"
    " WHERE message_id = ?1 ORDER BY id";
static const char sql_export_audit[] =
    "SELECT id, at, actor_kind, actor_id, object, object_id, ticket_id, action, field, old, new"
    " FROM audit WHERE customer_id = ?1"
    " OR ticket_id IN (SELECT id FROM ticket WHERE customer_id = ?1) ORDER BY id";

/* Types and names ---------------------------------------------------------------------- */

struct cs_identity {
    int kind;
    char *value;
};

struct cs_customer {
    int64_t id, organization_id, merged_into;
    cs_time erased_at, created_at, updated_at;
    char *name, *locale, *timezone, *custom;
    cs_strv tags;
    struct cs_identity *identities;
    size_t nidentities;
};

struct cs_customer_iter {
    cs_db *db;
    cs_page page;
    cs_customer *customers[CS_PAGE_ROWS];
};

static const cs_name kind_names[] = {
    {CS_IDENTITY_EMAIL, "email"},       {CS_IDENTITY_PHONE, "phone"},
    {CS_IDENTITY_TWITTER, "twitter"},   {CS_IDENTITY_FACEBOOK, "facebook"},
    {CS_IDENTITY_WHATSAPP, "whatsapp"}, {CS_IDENTITY_CHAT, "chat"},
    {CS_IDENTITY_EXTERNAL, "external"},
};

const char *cs_identity_kind_name(int kind)
{
    return CS_NAME_OF(kind_names, kind);
}

int cs_identity_kind_parse(const char *name)
{
    return CS_NAME_PARSE(kind_names, name);
}

/* Small helpers ------------------------------------------------------------------------ */

static int check_args(const void *out, const char *out_name, const cs_db *db)
{
    if (!db)
        return cs_error__inval("db", "db is NULL");
    if (!out)
        return cs_error__inval(out_name, "%s is NULL", out_name);
    return CS_OK;
}

static bool same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* 0 binds NULL: no row has id 0, and a 0 reference means none. */
static void bind_id(sqlite3_stmt *st, int idx, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, idx, v);
    else
        sqlite3_bind_null(st, idx);
}

/* Bind up to three integer parameters, as many as the statement takes. */
static void bind_ids(sqlite3_stmt *st, int64_t a, int64_t b, int64_t c)
{
    const int64_t v[] = {a, b, c};

    for (int i = 0; i < sqlite3_bind_parameter_count(st) && i < 3; i++)
        bind_id(st, i + 1, v[i]);
}

static int exec_ids(cs_db *db, const char *sql, int64_t a, int64_t b, int64_t c)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);

    if (!st)
        return cs_error_last()->code;
    bind_ids(st, a, b, c);
    return cs_db__exec_stmt(db, st);
}

/* Normalisation and validation --------------------------------------------------------- */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A copy without surrounding white space, optionally case-folded. Only ASCII is folded:
 * full Unicode case folding needs tables libcs does not carry, and hosts send addresses
 * and handles in the case the customer typed them, which for non-ASCII is stable. */
static char *trimmed_copy(const char *value, bool fold)
{
    const char *end = value + strlen(value);
    char *s;

    while (is_space(*value))
        value++;
    while (end > value && is_space(end[-1]))
        end--;
    if (!(s = cs_mem__strndup(value, (size_t)(end - value))))
        return NULL;
    for (char *p = s; fold && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return s;
}

static int check_email(const char *s, const char *field, const char *given)
{
    const char *at = strchr(s, '@');

    if (!at || at == s || !at[1] || strchr(at + 1, '@'))
        return cs_error__inval(field,
                               "%s \"%s\" is not an email address (one '@' between a "
                               "local part and a domain)",
                               field, given);
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= 0x20)
            return cs_error__inval(field, "%s \"%s\" contains white space", field, given);
    return CS_OK;
}

/* In place: '+' and digits only, "00" as the international prefix becomes '+'. */
static int normalize_phone(char *s, const char *field, const char *given)
{
    char *w = s;
    size_t digits;

    for (const char *r = s; *r; r++)
        if (!strchr(" \t-.()", *r))
            *w++ = *r;
    *w = '\0';
    if (s[0] == '0' && s[1] == '0') {
        s[0] = '+';
        memmove(s + 1, s + 2, strlen(s + 2) + 1);
    }
    if (s[0] != '+')
        return cs_error__inval(field, "%s \"%s\" has no country code ('+' or '00')", field, given);
    digits = strlen(s + 1);
    for (const char *p = s + 1; *p; p++)
        if (!is_digit(*p))
            return cs_error__inval(field, "%s \"%s\" is not a phone number", field, given);
    if (digits < 5 || digits > 15)
        return cs_error__inval(field, "%s \"%s\" has %zu digits, 5 to 15 are allowed", field, given,
                               digits);
    return CS_OK;
}

static int normalize(char **out, int kind, const char *value, const char *kind_field,
                     const char *value_field)
{
    bool fold =
        kind == CS_IDENTITY_EMAIL || kind == CS_IDENTITY_TWITTER || kind == CS_IDENTITY_FACEBOOK;
    char *s;
    int rc = CS_OK;

    *out = NULL;
    if (!cs_identity_kind_name(kind))
        return cs_error__inval(kind_field, "unknown identity kind %d", kind);
    if ((rc = cs_check__text(value_field, value, CS_IDENTITY_MAX, true)) < 0)
        return rc;
    if (!(s = trimmed_copy(value, fold)))
        return cs_error__nomem();
    if ((kind == CS_IDENTITY_TWITTER || kind == CS_IDENTITY_FACEBOOK) && s[0] == '@')
        memmove(s, s + 1, strlen(s));
    if (kind == CS_IDENTITY_EMAIL)
        rc = check_email(s, value_field, value);
    else if (kind == CS_IDENTITY_PHONE || kind == CS_IDENTITY_WHATSAPP)
        rc = normalize_phone(s, value_field, value);
    if (rc == CS_OK && !*s)
        rc = cs_error__inval(value_field, "%s \"%s\" is empty", value_field, value);
    if (rc < 0) {
        cs_mem__free(s);
        return rc;
    }
    *out = s;
    return CS_OK;
}

int cs_identity_normalize(char **out, int kind, const char *value)
{
    if (!out)
        return cs_error__inval("out", "out is NULL");
    return normalize(out, kind, value, "kind", "value");
}

/* A BCP 47-ish tag: a 2-3 letter language, then subtags of 1-8 letters or digits. */
static int check_locale(const char *locale)
{
    size_t len = strlen(locale), i = 0, start;
    bool ok = len <= 35;

    while (ok && i < len && is_alpha(locale[i]))
        i++;
    ok = ok && i >= 2 && i <= 3;
    while (ok && i < len) {
        ok = locale[i++] == '-';
        for (start = i; ok && i < len && (is_alpha(locale[i]) || is_digit(locale[i]));)
            i++;
        ok = ok && i - start >= 1 && i - start <= 8;
    }
    if (!ok)
        return cs_error__inval("locale",
                               "locale \"%s\" is not a language tag such as \"de\" or "
                               "\"de-AT\"",
                               locale);
    return CS_OK;
}

/* An IANA zone name the system's tz database knows, as calendars take it: a zone no
 * calendar can read would make every promise to the customer fall back to UTC. */
static int check_timezone(const char *tz)
{
    size_t len = strlen(tz);
    bool ok = len > 0 && len <= 64 && tz[0] != '/' && !strstr(tz, "..");

    for (const char *p = tz; ok && *p; p++)
        ok = is_alpha(*p) || is_digit(*p) || strchr("_+/-", *p);
    if (!ok)
        return cs_error__inval("timezone",
                               "timezone \"%s\" is not a zone name such as "
                               "\"Europe/Berlin\"",
                               tz);
    if (!cs_calendar__zone_exists(tz))
        return cs_error__inval("timezone", "timezone \"%s\" is not a known time zone", tz);
    return CS_OK;
}

/* The caller's fields, validated. Strings are borrowed unless noted. */
struct input {
    const char *name, *locale, *timezone; /* NULL: not given; timezone "": clear */
    int64_t organization_id;              /* 0: not given; CS_ID_CLEAR: none */
    char *custom;                         /* owned, sorted keys; NULL: not given */
    bool has_tags;
    cs_strv tags;  /* owned, sorted */
    char **values; /* owned: create's identity values, normalised */
    size_t nvalues;
};

static void input_free(struct input *in)
{
    cs_mem__free(in->custom);
    cs_strv__free(&in->tags);
    for (size_t i = 0; i < in->nvalues; i++)
        cs_mem__free(in->values[i]);
    cs_mem__free(in->values);
}

static int check_identities(struct input *in, const cs_customer_fields *f)
{
    char kind_field[CS_ERROR_FIELD_MAX], value_field[CS_ERROR_FIELD_MAX];
    int rc;

    if (f->nidentities && !f->identities)
        return cs_error__inval("identities", "identities is NULL but nidentities is %zu",
                               f->nidentities);
    if (!f->nidentities)
        return CS_OK;
    if (!(in->values = cs_mem__calloc(f->nidentities, sizeof(*in->values))))
        return cs_error__nomem();
    in->nvalues = f->nidentities;
    for (size_t i = 0; i < f->nidentities; i++) {
        snprintf(kind_field, sizeof(kind_field), "identities[%zu].kind", i);
        snprintf(value_field, sizeof(value_field), "identities[%zu].value", i);
        rc = normalize(&in->values[i], f->identities[i].kind, f->identities[i].value, kind_field,
                       value_field);
        if (rc < 0)
            return rc;
    }
    return CS_OK;
}

/* Validate everything before anything is written. The caller frees `in` in any case. */
static int check_input(struct input *in, cs_db *db, const cs_actor *by,
                       const cs_customer_fields *f, bool create)
{
    int rc;

    memset(in, 0, sizeof(*in));
    if (!f)
        return cs_error__inval("fields", "fields is NULL");
    if (f->version != CS_CUSTOMER_FIELDS_VERSION)
        return cs_error__inval("fields", "fields has version %u, expected %d", f->version,
                               CS_CUSTOMER_FIELDS_VERSION);
    if ((f->name || create) && (rc = cs_check__text("name", f->name, CS_NAME_MAX, true)) < 0)
        return rc;
    if (f->locale && (rc = check_locale(f->locale)) < 0)
        return rc;
    if (f->timezone && *f->timezone && (rc = check_timezone(f->timezone)) < 0)
        return rc;
    if (f->organization_id < CS_ID_CLEAR)
        return cs_error__inval("organization_id", "organization_id %lld is not an id",
                               (long long)f->organization_id);
    if (f->organization_id > 0 && (rc = cs_db__exists(db, sql_org_exists, f->organization_id,
                                                      "organization_id", "organization")) < 0)
        return rc;
    if (f->custom_json && (rc = cs_custom__check(&in->custom, db, by, CS_CUSTOM_CUSTOMER,
                                                 "custom", f->custom_json)) < 0)
        return rc;
    if (!f->tags && f->ntags)
        return cs_error__inval("tags", "tags is NULL but ntags is %zu", f->ntags);
    if (f->tags && (rc = cs_strv__from_tags(&in->tags, "tags", f->tags, f->ntags)) < 0)
        return rc;
    if (!create && (f->identities || f->nidentities))
        return cs_error__inval("identities", "identities are given on create only; use "
                                             "cs_customer_add_identity()");
    in->name = f->name;
    in->locale = f->locale;
    in->timezone = f->timezone;
    in->organization_id = f->organization_id;
    in->has_tags = f->tags != NULL;
    return create ? check_identities(in, f) : CS_OK;
}

/* Reading ------------------------------------------------------------------------------ */

void cs_customer_free(cs_customer *c)
{
    if (!c)
        return;
    cs_mem__free(c->name);
    cs_mem__free(c->locale);
    cs_mem__free(c->timezone);
    cs_mem__free(c->custom);
    cs_strv__free(&c->tags);
    for (size_t i = 0; i < c->nidentities; i++)
        cs_mem__free(c->identities[i].value);
    cs_mem__free(c->identities);
    cs_mem__free(c);
}

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
        cs_customer_free(c);
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

static int load(cs_customer **out, cs_db *db, int64_t id)
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
    if (rc == CS_OK)
        rc = load_children(db, c);
    if (rc < 0) {
        cs_customer_free(c);
        return rc;
    }
    *out = c;
    return CS_OK;
}

static int customer_state(cs_db *db, int64_t id, const char *field, int64_t *merged_into,
                          cs_time *erased_at)
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

/* CS_ECONFLICT unless the customer is live: neither merged away nor erased. */
static int require_live(cs_db *db, int64_t id, const char *field)
{
    int64_t merged_into = 0;
    cs_time erased_at = 0;
    int rc = customer_state(db, id, field, &merged_into, &erased_at);

    if (rc < 0)
        return rc;
    if (merged_into)
        return cs_error__set(CS_ECONFLICT, field, "customer %lld was merged into customer %lld",
                             (long long)id, (long long)merged_into);
    if (erased_at)
        return cs_error__set(CS_ECONFLICT, field, "customer %lld was erased", (long long)id);
    return CS_OK;
}

int cs_customer__actor(cs_actor *out, cs_db *db, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_rights);
    int rc;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = cs_db__one(db, st, id, "id", "customer")) < 0)
        return rc;
    *out = cs_actor__customer(id);
    out->org = sqlite3_column_int64(st, 2);
    if (sqlite3_column_type(st, 0) != SQLITE_NULL || sqlite3_column_type(st, 1) != SQLITE_NULL)
        rc = cs_error__set(CS_EPERM, "id", "customer %lld was merged or erased", (long long)id);
    cs_db__done(st);
    return rc;
}

int cs_customer__load(cs_customer **out, cs_db *db, int64_t id)
{
    return load(out, db, id);
}

int cs_customer_lookup(cs_customer **out, cs_db *db, int64_t id)
{
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if ((rc = check_args(out, "out", db)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_READ)) < 0 ||
        (rc = cs_perm__self(&by, CS_CAP_CUSTOMER_READ, id, "id")) < 0)
        return rc;
    return load(out, db, id);
}

static int identity_owner(cs_db *db, int kind, const char *value, int64_t *owner)
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

int cs_customer__has_identity(bool *out, cs_db *db, int64_t customer_id, int kind,
                              const char *value)
{
    int64_t owner = 0, merged_into;
    cs_time erased_at;
    int rc;

    *out = false;
    if ((rc = identity_owner(db, kind, value, &owner)) < 0 || !owner)
        return rc;
    /* A merge moves identities to the survivor, along chains of merges. */
    for (int hop = 0; hop < 64 && customer_id && !*out; hop++) {
        *out = customer_id == owner;
        if ((rc = customer_state(db, customer_id, "id", &merged_into, &erased_at)) < 0)
            return rc == CS_ENOTFOUND ? CS_OK : rc;
        customer_id = merged_into;
    }
    return CS_OK;
}

/* The owner of an identity, which the actor may see: a customer finds only itself. */
static int find(cs_customer **out, cs_db *db, const cs_actor *by, int kind, const char *value)
{
    char *norm = NULL;
    int64_t owner = 0;
    int rc;

    if ((rc = normalize(&norm, kind, value, "kind", "value")) < 0)
        return rc;
    if ((rc = identity_owner(db, kind, norm, &owner)) < 0)
        goto out;
    if (!owner || cs_perm__self(by, CS_CAP_CUSTOMER_READ, owner, "value") < 0) {
        rc = cs_error__set(CS_ENOTFOUND, "value", "no customer has the %s %s",
                           cs_identity_kind_name(kind), norm);
        goto out;
    }
    rc = load(out, db, owner);
out:
    cs_mem__free(norm);
    return rc;
}

int cs_customer__find(cs_customer **out, cs_db *db, int kind, const char *value)
{
    *out = NULL;
    return find(out, db, &cs_actor__system, kind, value);
}

int cs_customer_find(cs_customer **out, cs_db *db, int kind, const char *value)
{
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if ((rc = check_args(out, "out", db)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_READ)) < 0)
        return rc;
    return find(out, db, &by, kind, value);
}

/* Writing ------------------------------------------------------------------------------ */

static int insert_tags(cs_db *db, int64_t id, const cs_strv *tags)
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

/* Give customer `id` an identity it may already have; *added says whether it was new. */
static int attach_identity(cs_db *db, int64_t id, int kind, const char *value, const char *field,
                           bool *added)
{
    sqlite3_stmt *st;
    int64_t owner;
    int rc;

    *added = false;
    if ((rc = identity_owner(db, kind, value, &owner)) < 0)
        return rc;
    if (owner == id)
        return CS_OK;
    if (owner)
        return cs_error__set(CS_EEXISTS, field, "%s %s belongs to customer %lld",
                             cs_identity_kind_name(kind), value, (long long)owner);
    if (!(st = cs_db__stmt(db, sql_identity_insert)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, kind);
    cs_db__bind_text(st, 3, value);
    sqlite3_bind_int64(st, 4, cs_db_now(db));
    rc = cs_db__exec_stmt(db, st);
    *added = rc == CS_OK;
    return rc;
}

static int insert_customer(int64_t *id, cs_db *db, const struct input *in)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_insert);
    int rc;

    if (!st)
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, in->name);
    bind_id(st, 2, in->organization_id > 0 ? in->organization_id : 0);
    cs_db__bind_text(st, 3, in->locale ? in->locale : "en");
    cs_db__bind_text(st, 4, in->timezone && *in->timezone ? in->timezone : NULL);
    cs_db__bind_text(st, 5, in->custom ? in->custom : "{}");
    sqlite3_bind_int64(st, 6, cs_db_now(db));
    if ((rc = cs_db__exec_stmt(db, st)) == CS_OK)
        *id = sqlite3_last_insert_rowid(db->sql);
    return rc;
}

int cs_customer__create(int64_t *id, cs_db *db, const cs_actor *by, const cs_customer_fields *f)
{
    struct input in;
    char field[CS_ERROR_FIELD_MAX];
    bool added;
    int rc;

    if ((rc = check_input(&in, db, by, f, true)) < 0 || (rc = insert_customer(id, db, &in)) < 0 ||
        (rc = insert_tags(db, *id, &in.tags)) < 0)
        goto out;
    for (size_t i = 0; i < in.nvalues && rc == CS_OK; i++) {
        snprintf(field, sizeof(field), "identities[%zu].value", i);
        rc = attach_identity(db, *id, f->identities[i].kind, in.values[i], field, &added);
    }
    if (rc == CS_OK)
        rc = cs_audit__record(db, by, "customer", *id, 0, *id, "create", NULL, NULL, NULL);
out:
    input_free(&in);
    return rc;
}

int cs_customer_create(int64_t *id, cs_db *db, const cs_customer_fields *fields)
{
    int64_t new_id = 0;
    cs_actor by;
    int rc;

    if (id)
        *id = 0;
    if ((rc = check_args(id, "id", db)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_WRITE)) < 0 ||
        (rc = cs_db__begin(db)) < 0)
        return rc;
    if ((rc = cs_db__end(db, cs_customer__create(&new_id, db, &by, fields))) == CS_OK)
        *id = new_id;
    return rc;
}

static int audit_change(cs_db *db, const cs_actor *by, int64_t id, const char *field,
                        const char *old_value, const char *new_value, int *changed)
{
    if (same(old_value, new_value))
        return CS_OK;
    (*changed)++;
    return cs_audit__record(db, by, "customer", id, 0, id, "update", field, old_value,
                            new_value);
}

static int update_tags(cs_db *db, const cs_actor *by, const cs_customer *cur, const cs_strv *tags,
                       int *changed)
{
    char *old_text = cs_strv__join(&cur->tags), *new_text = cs_strv__join(tags);
    int rc = CS_OK, before = *changed;

    if (!old_text || !new_text) {
        rc = cs_error__nomem();
        goto out;
    }
    rc = audit_change(db, by, cur->id, "tags", *old_text ? old_text : NULL,
                      *new_text ? new_text : NULL, changed);
    if (rc == CS_OK && *changed != before &&
        (rc = exec_ids(db, sql_tags_delete, cur->id, 0, 0)) == CS_OK)
        rc = insert_tags(db, cur->id, tags);
out:
    cs_mem__free(old_text);
    cs_mem__free(new_text);
    return rc;
}

/* Each field's new value is the given one or the current one; only changes are written. */
static int apply_update(cs_db *db, const cs_actor *by, const cs_customer *cur,
                        const struct input *in)
{
    char old_org[24], new_org[24];
    int64_t org = in->organization_id == 0  ? cur->organization_id
                  : in->organization_id < 0 ? 0
                                            : in->organization_id;
    const char *name = in->name ? in->name : cur->name;
    const char *locale = in->locale ? in->locale : cur->locale;
    const char *tz = !in->timezone ? cur->timezone : *in->timezone ? in->timezone : NULL;
    const char *custom = in->custom ? in->custom : cur->custom;
    sqlite3_stmt *st;
    int changed = 0, rc;

    if ((rc = audit_change(db, by, cur->id, "name", cur->name, name, &changed)) < 0 ||
        (rc = audit_change(db, by, cur->id, "organization_id",
                           cs_int__text(old_org, cur->organization_id, true),
                           cs_int__text(new_org, org, true), &changed)) < 0 ||
        (rc = audit_change(db, by, cur->id, "locale", cur->locale, locale, &changed)) < 0 ||
        (rc = audit_change(db, by, cur->id, "timezone", cur->timezone, tz, &changed)) < 0 ||
        (rc = audit_change(db, by, cur->id, "custom", cur->custom, custom, &changed)) < 0 ||
        (in->has_tags && (rc = update_tags(db, by, cur, &in->tags, &changed)) < 0))
        return rc;
    if (!changed)
        return CS_OK;
    if (!(st = cs_db__stmt(db, sql_update)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, cur->id);
    cs_db__bind_text(st, 2, name);
    bind_id(st, 3, org);
    cs_db__bind_text(st, 4, locale);
    cs_db__bind_text(st, 5, tz);
    cs_db__bind_text(st, 6, custom);
    sqlite3_bind_int64(st, 7, cs_db_now(db));
    return cs_db__exec_stmt(db, st);
}

static int do_update(cs_db *db, const cs_actor *by, int64_t id, const cs_customer_fields *f)
{
    struct input in;
    cs_customer *cur = NULL;
    int rc;

    if ((rc = check_input(&in, db, by, f, false)) < 0 || (rc = load(&cur, db, id)) < 0)
        goto out;
    if (cur->erased_at) {
        rc = cs_error__set(CS_ECONFLICT, "id", "customer %lld was erased", (long long)id);
        goto out;
    }
    rc = apply_update(db, by, cur, &in);
out:
    cs_customer_free(cur);
    input_free(&in);
    return rc;
}

int cs_customer_update(cs_db *db, int64_t id, const cs_customer_fields *fields)
{
    cs_actor by;
    int rc;

    if ((rc = check_args(db, "db", db)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_WRITE)) < 0 ||
        (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, do_update(db, &by, id, fields));
}

static int do_add_identity(cs_db *db, const cs_actor *by, int64_t id, int kind,
                           const char *value)
{
    char *norm = NULL;
    bool added = false;
    int rc;

    if ((rc = normalize(&norm, kind, value, "kind", "value")) < 0 ||
        (rc = require_live(db, id, "id")) < 0 ||
        (rc = attach_identity(db, id, kind, norm, "value", &added)) < 0)
        goto out;
    if (added)
        rc = cs_audit__record(db, by, "customer", id, 0, id, "add_identity",
                              cs_identity_kind_name(kind), NULL, norm);
out:
    cs_mem__free(norm);
    return rc;
}

int cs_customer_add_identity(cs_db *db, int64_t id, int kind, const char *value)
{
    cs_actor by;
    int rc;

    if ((rc = check_args(db, "db", db)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_WRITE)) < 0 ||
        (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, do_add_identity(db, &by, id, kind, value));
}

static int do_remove_identity(cs_db *db, const cs_actor *by, int64_t id, int kind,
                              const char *value)
{
    int64_t merged_into;
    cs_time erased_at;
    sqlite3_stmt *st;
    char *norm = NULL;
    int rc;

    if ((rc = normalize(&norm, kind, value, "kind", "value")) < 0 ||
        (rc = customer_state(db, id, "id", &merged_into, &erased_at)) < 0)
        goto out;
    if (!(st = cs_db__stmt(db, sql_identity_delete))) {
        rc = cs_error_last()->code;
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, kind);
    cs_db__bind_text(st, 3, norm);
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
        goto out;
    if (sqlite3_changes(db->sql) == 0)
        rc = cs_error__set(CS_ENOTFOUND, "value", "customer %lld has no %s %s", (long long)id,
                           cs_identity_kind_name(kind), norm);
    else
        rc = cs_audit__record(db, by, "customer", id, 0, id, "remove_identity",
                              cs_identity_kind_name(kind), norm, NULL);
out:
    cs_mem__free(norm);
    return rc;
}

int cs_customer_remove_identity(cs_db *db, int64_t id, int kind, const char *value)
{
    cs_actor by;
    int rc;

    if ((rc = check_args(db, "db", db)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_WRITE)) < 0 ||
        (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, do_remove_identity(db, &by, id, kind, value));
}

/* Getters ------------------------------------------------------------------------------ */

int64_t cs_customer_id(const cs_customer *c)
{
    return c ? c->id : 0;
}

const char *cs_customer_name(const cs_customer *c)
{
    return c ? c->name : NULL;
}

int64_t cs_customer_organization_id(const cs_customer *c)
{
    return c ? c->organization_id : 0;
}

const char *cs_customer_locale(const cs_customer *c)
{
    return c ? c->locale : NULL;
}

const char *cs_customer_timezone(const cs_customer *c)
{
    return c ? c->timezone : NULL;
}

const char *cs_customer_custom_json(const cs_customer *c)
{
    return c ? c->custom : NULL;
}

size_t cs_customer_tag_count(const cs_customer *c)
{
    return c ? c->tags.n : 0;
}

const char *cs_customer_tag(const cs_customer *c, size_t i)
{
    return c && i < c->tags.n ? c->tags.v[i] : NULL;
}

size_t cs_customer_identity_count(const cs_customer *c)
{
    return c ? c->nidentities : 0;
}

int cs_customer_identity(const cs_customer *c, size_t i, int *kind, const char **value)
{
    if (!c || i >= c->nidentities)
        return cs_error__inval("i", "identity %zu is out of range", i);
    if (kind)
        *kind = c->identities[i].kind;
    if (value)
        *value = c->identities[i].value;
    return CS_OK;
}

int64_t cs_customer_merged_into(const cs_customer *c)
{
    return c ? c->merged_into : 0;
}

cs_time cs_customer_erased_at(const cs_customer *c)
{
    return c ? c->erased_at : 0;
}

cs_time cs_customer_created_at(const cs_customer *c)
{
    return c ? c->created_at : 0;
}

cs_time cs_customer_updated_at(const cs_customer *c)
{
    return c ? c->updated_at : 0;
}

/* JSON --------------------------------------------------------------------------------- */


/* json_object_set_new() and json_array_append_new() take NULL values and non-objects
 * and fail cleanly, so a failed allocation anywhere shows up as a non-zero `bad`. */
static json_t *customer_json(const cs_customer *c)
{
    json_t *o = json_object(), *tags = json_array(), *ids = json_array();
    int bad = 0;

    bad |= json_object_set_new(o, "tags", tags);
    bad |= json_object_set_new(o, "identities", ids);
    bad |= json_object_set_new(o, "id", json_integer(c->id));
    bad |= json_object_set_new(o, "name", cs_json__text(c->name));
    bad |= json_object_set_new(o, "organization_id", cs_json__id(c->organization_id));
    bad |= json_object_set_new(o, "locale", cs_json__text(c->locale));
    bad |= json_object_set_new(o, "timezone", cs_json__text(c->timezone));
    bad |= json_object_set_new(o, "custom", json_loads(c->custom, 0, NULL));
    bad |= json_object_set_new(o, "merged_into", cs_json__id(c->merged_into));
    bad |= json_object_set_new(o, "erased_at", cs_json__time(c->erased_at));
    bad |= json_object_set_new(o, "created_at", cs_json__time(c->created_at));
    bad |= json_object_set_new(o, "updated_at", cs_json__time(c->updated_at));
    for (size_t i = 0; i < c->tags.n; i++)
        bad |= json_array_append_new(tags, json_string(c->tags.v[i]));
    for (size_t i = 0; i < c->nidentities; i++)
        bad |= json_array_append_new(ids, json_pack("{s:s, s:s}", "kind",
                                                    cs_identity_kind_name(c->identities[i].kind),
                                                    "value", c->identities[i].value));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Dump with sorted keys into libcs memory; takes over `j`. */
static int dump(char **out, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

    json_decref(j);
    *out = text ? cs_mem__strdup(text) : NULL;
    free(text);
    return *out ? CS_OK : cs_error__nomem();
}

int cs_customer_to_json(char **out, const cs_customer *c)
{
    if (out)
        *out = NULL;
    if (!out || !c)
        return cs_error__inval(out ? "customer" : "out", "%s is NULL", out ? "customer" : "out");
    return dump(out, customer_json(c));
}

/* Iterator ----------------------------------------------------------------------------- */

int cs_customer_iter_new(cs_customer_iter **out, cs_db *db, int64_t organization_id, int64_t after,
                         size_t limit)
{
    cs_customer_iter *it;
    sqlite3_stmt *st;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if ((rc = check_args(out, "out", db)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_LIST)) < 0)
        return rc;
    if (organization_id < 0 || after < 0)
        return cs_error__inval(after < 0 ? "after" : "organization_id", "%s is negative",
                               after < 0 ? "after" : "organization_id");
    if (!(it = cs_mem__calloc(1, sizeof(*it))))
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

    cs_customer_free(*slot);
    if ((rc = from_row(slot, st)) < 0)
        return rc;
    if ((rc = load_children(it->db, *slot)) < 0) {
        cs_customer_free(*slot);
        *slot = NULL;
        return rc;
    }
    it->page.key = (*slot)->id;
    it->page.n++;
    return CS_OK;
}

int cs_customer_next(const cs_customer **out, cs_customer_iter *it)
{
    size_t i;
    int rc;

    if (!out || !it)
        return cs_error__inval(out ? "it" : "out", "%s is NULL", out ? "it" : "out");
    *out = NULL;
    rc = cs_db__page_next(&i, &it->page, it->db, keep_customer, it, "list customers");
    if (rc != CS_OK)
        return rc;
    *out = it->customers[i];
    return CS_OK;
}

void cs_customer_iter_free(cs_customer_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->page.st);
    for (size_t i = 0; i < CS_PAGE_ROWS; i++)
        cs_customer_free(it->customers[i]);
    cs_mem__free(it);
}

/* Rows as JSON ------------------------------------------------------------------------- */

/* Columns named "at" or "*_at" hold times, "custom" holds JSON object text; blobs
 * (attachment data) are not part of any document. */
static json_t *column_json(sqlite3_stmt *st, int col)
{
    const char *name = sqlite3_column_name(st, col);
    const char *text = (const char *)sqlite3_column_text(st, col);
    size_t len = strlen(name);

    switch (sqlite3_column_type(st, col)) {
    case SQLITE_INTEGER:
        if (strcmp(name, "at") == 0 || (len > 3 && strcmp(name + len - 3, "_at") == 0))
            return cs_json__time(sqlite3_column_int64(st, col));
        return json_integer(sqlite3_column_int64(st, col));
    case SQLITE_TEXT:
        if (strcmp(name, "custom") == 0)
            return json_loads(text, 0, NULL);
        return json_stringn(text, (size_t)sqlite3_column_bytes(st, col));
    default:
        return json_null();
    }
}

static json_t *first_column(sqlite3_stmt *st)
{
    return column_json(st, 0);
}

static json_t *row_object(sqlite3_stmt *st)
{
    json_t *o = json_object();

    for (int i = 0; i < sqlite3_column_count(st); i++)
        if (json_object_set_new(o, sqlite3_column_name(st, i), column_json(st, i)) < 0) {
            json_decref(o);
            return NULL;
        }
    return o;
}

/* What to add to each row (its messages, its attachments). */
typedef int (*child_fn)(cs_db *db, json_t *row);

/* An array of the rows `sql` selects for ?1 = a, ?2 = b, each converted by `convert` and
 * completed by `child` (which may be NULL). */
static int select_json(json_t **out, cs_db *db, const char *sql, int64_t a, int64_t b,
                       json_t *(*convert)(sqlite3_stmt *), child_fn child)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql);
    json_t *arr = NULL, *row;
    int rc = CS_OK, step = SQLITE_DONE;

    *out = NULL;
    if (!st)
        return cs_error_last()->code;
    if (!(arr = json_array())) {
        rc = cs_error__nomem();
        goto out;
    }
    bind_ids(st, a, b, 0);
    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW) {
        row = convert(st);
        if (json_array_append_new(arr, row) < 0)
            rc = cs_error__nomem();
        else if (child)
            rc = child(db, row);
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read rows");
out:
    cs_db__done(st);
    if (rc < 0)
        json_decref(arr);
    else
        *out = arr;
    return rc;
}

/* obj[key] = the rows `sql` selects for the id; for the children of a row, the row's id. */
static int set_rows(json_t *obj, const char *key, cs_db *db, const char *sql, int64_t id,
                    child_fn child)
{
    json_t *arr;
    int rc = select_json(&arr, db, sql, id ? id : json_integer_value(json_object_get(obj, "id")), 0,
                         row_object, child);

    if (rc == CS_OK && json_object_set_new(obj, key, arr) < 0)
        rc = cs_error__nomem();
    return rc;
}

static int message_children(cs_db *db, json_t *message)
{
    return set_rows(message, "attachments", db, sql_export_attachments, 0, NULL);
}

static int ticket_children(cs_db *db, json_t *ticket)
{
    return set_rows(ticket, "messages", db, sql_export_messages, 0, message_children);
}

/* Identities read as in cs_customer_to_json(): the kind by name. */
static int identity_kind(cs_db *db, json_t *identity)
{
    const char *name =
        cs_identity_kind_name((int)json_integer_value(json_object_get(identity, "kind")));

    (void)db;
    return json_object_set_new(identity, "kind", cs_json__text(name)) < 0 ? cs_error__nomem() : CS_OK;
}

/* Export ------------------------------------------------------------------------------- */

static int do_export(char **out, cs_db *db, int64_t id)
{
    cs_customer *c = NULL;
    json_t *doc = NULL;
    int rc;

    if ((rc = load(&c, db, id)) < 0)
        return rc;
    if (!(doc = json_object()) || json_object_set_new(doc, "customer", customer_json(c)) < 0) {
        rc = cs_error__nomem();
        goto out;
    }
    if ((rc = set_rows(doc, "identities", db, sql_export_identities, id, identity_kind)) < 0 ||
        (rc = set_rows(doc, "tickets", db, sql_export_tickets, id, ticket_children)) < 0 ||
        (rc = set_rows(doc, "audit", db, sql_export_audit, id, NULL)) < 0)
        goto out;
    rc = dump(out, doc);
    doc = NULL;
out:
    json_decref(doc);
    cs_customer_free(c);
    return rc;
}

int cs_customer_export(char **out, cs_db *db, int64_t id)
{
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if ((rc = check_args(out, "out", db)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_EXPORT)) < 0 ||
        (rc = cs_perm__unscoped(&by, CS_CAP_CUSTOMER_EXPORT)) < 0)
        return rc;
    return do_export(out, db, id);
}

/* Merge and unmerge -------------------------------------------------------------------- */

static int audit_merge(cs_db *db, const cs_actor *by, const char *action, int64_t survivor,
                       int64_t merged, bool undo)
{
    char s[24], m[24];
    int rc;

    cs_int__text(s, survivor, false);
    cs_int__text(m, merged, false);
    rc = cs_audit__record(db, by, "customer", survivor, 0, survivor, action, "merged_id",
                          undo ? m : NULL, undo ? NULL : m);
    if (rc == CS_OK)
        rc = cs_audit__record(db, by, "customer", merged, 0, merged, action, "merged_into",
                              undo ? s : NULL, undo ? NULL : s);
    return rc;
}

/* {"identities":[ids],"tickets":[ids],"tags":[tags the survivor did not have]} */
static int collect_moved(char **out, cs_db *db, int64_t survivor, int64_t merged)
{
    static const struct {
        const char *key, *sql;
    } parts[] = {
        {"identities", sql_moved_identities},
        {"tickets", sql_moved_tickets},
        {"tags", sql_moved_tags},
    };
    json_t *moved = json_object(), *arr;
    int rc = moved ? CS_OK : cs_error__nomem();

    for (size_t i = 0; i < CS_ARRAY_SIZE(parts) && rc == CS_OK; i++) {
        rc = select_json(&arr, db, parts[i].sql, merged, survivor, first_column, NULL);
        if (rc == CS_OK && json_object_set_new(moved, parts[i].key, arr) < 0)
            rc = cs_error__nomem();
    }
    if (rc < 0) {
        json_decref(moved);
        return rc;
    }
    return dump(out, moved);
}

static int do_merge(int64_t *merge_id, cs_db *db, const cs_actor *by, int64_t survivor,
                    int64_t merged)
{
    cs_time now = cs_db_now(db);
    sqlite3_stmt *st;
    char *moved = NULL;
    int rc;

    if (survivor == merged)
        return cs_error__inval("merged_id", "customer %lld cannot be merged into itself",
                               (long long)merged);
    if ((rc = require_live(db, survivor, "survivor_id")) < 0 ||
        (rc = require_live(db, merged, "merged_id")) < 0 ||
        (rc = collect_moved(&moved, db, survivor, merged)) < 0 ||
        (rc = exec_ids(db, sql_move_identities, merged, survivor, 0)) < 0 ||
        (rc = exec_ids(db, sql_move_tickets, merged, survivor, 0)) < 0 ||
        (rc = exec_ids(db, sql_copy_tags, merged, survivor, 0)) < 0 ||
        (rc = exec_ids(db, sql_set_merged_into, merged, survivor, now)) < 0)
        goto out;
    if (!(st = cs_db__stmt(db, sql_merge_insert))) {
        rc = cs_error_last()->code;
        goto out;
    }
    bind_ids(st, survivor, merged, 0);
    cs_db__bind_text(st, 3, moved);
    sqlite3_bind_int64(st, 4, now);
    if ((rc = cs_db__exec_stmt(db, st)) < 0)
        goto out;
    *merge_id = sqlite3_last_insert_rowid(db->sql);
    rc = audit_merge(db, by, "merge", survivor, merged, false);
out:
    cs_mem__free(moved);
    return rc;
}

int cs_customer_merge(int64_t *merge_id, cs_db *db, int64_t survivor_id, int64_t merged_id)
{
    int64_t id = 0;
    cs_actor by;
    int rc;

    if (merge_id)
        *merge_id = 0;
    if ((rc = check_args(db, "db", db)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_WRITE)) < 0 ||
        (rc = cs_db__begin(db)) < 0)
        return rc;
    if ((rc = cs_db__end(db, do_merge(&id, db, &by, survivor_id, merged_id))) == CS_OK && merge_id)
        *merge_id = id;
    return rc;
}

/* Move back what is still where the merge put it; ?1 is each item of `items`. */
static int move_back(cs_db *db, const char *sql, json_t *items, int64_t survivor, int64_t merged)
{
    sqlite3_stmt *st;
    json_t *item;
    size_t i;
    int rc = CS_OK;

    json_array_foreach(items, i, item)
    {
        if (!(st = cs_db__stmt(db, sql)))
            return cs_error_last()->code;
        bind_ids(st, 0, survivor, merged);
        if (json_is_string(item))
            cs_db__bind_text(st, 1, json_string_value(item));
        else
            sqlite3_bind_int64(st, 1, json_integer_value(item));
        if ((rc = cs_db__exec_stmt(db, st)) < 0)
            return rc;
    }
    return rc;
}

struct merge_record {
    int64_t survivor, merged;
    bool undone;
    json_t *moved;
};

static int read_merge(struct merge_record *m, cs_db *db, int64_t merge_id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_merge_select);
    int rc;

    memset(m, 0, sizeof(*m));
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, merge_id);
    rc = cs_db__step(db, st);
    if (rc == SQLITE_ROW) {
        m->survivor = sqlite3_column_int64(st, 0);
        m->merged = sqlite3_column_int64(st, 1);
        m->undone = sqlite3_column_type(st, 3) != SQLITE_NULL;
        m->moved = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);
        rc = m->moved ? CS_OK
                      : cs_error__set(CS_EDB, NULL, "merge %lld: unreadable record",
                                      (long long)merge_id);
    } else if (rc == SQLITE_DONE) {
        rc = cs_error__set(CS_ENOTFOUND, "merge_id", "merge %lld does not exist",
                           (long long)merge_id);
    } else {
        rc = cs_db__error(db, rc, "read merge");
    }
    cs_db__done(st);
    return rc;
}

static int require_not_erased(cs_db *db, int64_t id, const char *field)
{
    int64_t merged_into;
    cs_time erased_at = 0;
    int rc = customer_state(db, id, field, &merged_into, &erased_at);

    if (rc == CS_OK && erased_at)
        rc = cs_error__set(CS_ECONFLICT, field, "customer %lld was erased", (long long)id);
    return rc;
}

/* A merge moved what its merged customer had to the survivor. Once the survivor is itself
 * merged into another customer, that is there now: undoing this merge first would leave it
 * there, and undoing the later merge then would hand it to this survivor. So the later
 * merge is undone first. */
static int require_survivor_holds(cs_db *db, const struct merge_record *m, int64_t merge_id)
{
    int64_t merged_into = 0, later = 0;
    cs_time erased_at = 0;
    sqlite3_stmt *st;
    int rc = customer_state(db, m->survivor, "survivor_id", &merged_into, &erased_at);

    if (rc < 0 || !merged_into)
        return rc;
    if (!(st = cs_db__stmt(db, sql_merge_holding)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, m->survivor);
    if ((rc = cs_db__step(db, st)) == SQLITE_ROW)
        later = sqlite3_column_int64(st, 0);
    cs_db__done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return cs_db__error(db, rc, "read merges");
    return cs_error__set(CS_ECONFLICT, "merge_id", "customer %lld, the survivor of merge %lld, "
                         "was merged into customer %lld since (merge %lld): undo merge %lld "
                         "first", (long long)m->survivor, (long long)merge_id,
                         (long long)merged_into, (long long)later, (long long)later);
}

static int do_unmerge(cs_db *db, const cs_actor *by, int64_t merge_id)
{
    struct merge_record m;
    int rc = read_merge(&m, db, merge_id);

    if (rc < 0)
        goto out;
    if (m.undone) {
        rc = cs_error__set(CS_ECONFLICT, "merge_id", "merge %lld was already undone",
                           (long long)merge_id);
        goto out;
    }
    if ((rc = require_not_erased(db, m.survivor, "survivor_id")) < 0 ||
        (rc = require_not_erased(db, m.merged, "merged_id")) < 0 ||
        (rc = require_survivor_holds(db, &m, merge_id)) < 0 ||
        (rc = move_back(db, sql_unmove_identity, json_object_get(m.moved, "identities"), m.survivor,
                        m.merged)) < 0 ||
        (rc = move_back(db, sql_unmove_ticket, json_object_get(m.moved, "tickets"), m.survivor,
                        m.merged)) < 0 ||
        (rc = move_back(db, sql_unmove_tag, json_object_get(m.moved, "tags"), m.survivor,
                        m.merged)) < 0 ||
        (rc = exec_ids(db, sql_set_merged_into, m.merged, 0, cs_db_now(db))) < 0 ||
        (rc = exec_ids(db, sql_merge_undone, merge_id, cs_db_now(db), 0)) < 0)
        goto out;
    rc = audit_merge(db, by, "unmerge", m.survivor, m.merged, true);
out:
    json_decref(m.moved);
    return rc;
}

int cs_customer_unmerge(cs_db *db, int64_t merge_id)
{
    cs_actor by;
    int rc;

    if ((rc = check_args(db, "db", db)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_WRITE)) < 0 ||
        (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, do_unmerge(db, &by, merge_id));
}

/* Erasure ------------------------------------------------------------------------------ */

/* A merge record's `moved` without the tags: they are the customer's, the ids are not. An
 * unreadable record loses everything, which is the safe direction. Appends [id, moved]. */
static int scrub_merge_record(json_t *records, sqlite3_stmt *st)
{
    json_t *moved = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL), *record;

    if (!moved && !(moved = json_object()))
        return cs_error__nomem();
    if (json_object_set_new(moved, "tags", json_array()) < 0) {
        json_decref(moved);
        return cs_error__nomem();
    }
    record = json_pack("[I, o]", (json_int_t)sqlite3_column_int64(st, 0), moved);
    return json_array_append_new(records, record) < 0 ? cs_error__nomem() : CS_OK;
}

static int store_merge_record(cs_db *db, json_t *record)
{
    sqlite3_stmt *st;
    char *moved = NULL;
    int rc = dump(&moved, json_incref(json_array_get(record, 1)));

    if (rc < 0)
        return rc;
    if ((st = cs_db__stmt(db, sql_erase_merge))) {
        sqlite3_bind_int64(st, 1, json_integer_value(json_array_get(record, 0)));
        cs_db__bind_text(st, 2, moved);
        rc = cs_db__exec_stmt(db, st);
    } else {
        rc = cs_error_last()->code;
    }
    cs_mem__free(moved);
    return rc;
}

/* The records of the merges the customer took part in, read first, then rewritten. */
static int erase_merge_records(cs_db *db, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_erase_merges);
    json_t *records, *record;
    size_t i;
    int rc = CS_OK, step = SQLITE_DONE;

    if (!st)
        return cs_error_last()->code;
    if (!(records = json_array())) {
        cs_db__done(st);
        return cs_error__nomem();
    }
    sqlite3_bind_int64(st, 1, id);
    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW)
        rc = scrub_merge_record(records, st);
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "read merges");
    cs_db__done(st);
    json_array_foreach(records, i, record)
    {
        if (rc == CS_OK)
            rc = store_merge_record(db, record);
    }
    json_decref(records);
    return rc;
}

/* One customer of the erased set. Outbox items go first: they are found through the
 * identities too; attachments before messages: they are found through them. */
static int erase_one(cs_db *db, const cs_actor *by, int64_t id)
{
    static const char *const sql[] = {
        sql_erase_attachments, sql_erase_messages, sql_erase_ingest_log, sql_erase_thread_refs,
        sql_erase_identities,  sql_tags_delete,    sql_erase_tickets,    sql_erase_audit};
    int rc = cs_outbox__erase_customer(db, id);

    for (size_t i = 0; i < CS_ARRAY_SIZE(sql) && rc == CS_OK; i++)
        rc = exec_ids(db, sql[i], id, CS_ACTOR_CUSTOMER, 0);
    if (rc < 0 || (rc = erase_merge_records(db, id)) < 0 ||
        (rc = exec_ids(db, sql_erase_customer, id, cs_db_now(db), 0)) < 0)
        return rc;
    return cs_audit__record(db, by, "customer", id, 0, id, "erase", NULL, NULL, NULL);
}

static int do_erase(cs_db *db, const cs_actor *by, int64_t id)
{
    int64_t merged_into = 0;
    cs_time erased_at = 0;
    sqlite3_stmt *st;
    cs_strv gone = {0};
    int rc = customer_state(db, id, "id", &merged_into, &erased_at);

    if (rc < 0)
        return rc;
    if (erased_at)
        return cs_error__set(CS_ECONFLICT, "id", "customer %lld was erased", (long long)id);
    if (merged_into)
        return cs_error__set(CS_ECONFLICT, "id", "customer %lld was merged into customer %lld, "
                             "which holds its data now: erase that one, or undo the merge first",
                             (long long)id, (long long)merged_into);
    if (!(st = cs_db__stmt(db, sql_erase_set)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = cs_strv__load(&gone, db, st)) < 0)
        return rc;
    for (size_t i = 0; i < gone.n && rc == CS_OK; i++)
        rc = erase_one(db, by, strtoll(gone.v[i], NULL, 10));
    cs_strv__free(&gone);
    return rc;
}

int cs_customer_erase(cs_db *db, int64_t id)
{
    cs_actor by;
    int rc;

    if ((rc = check_args(db, "db", db)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_ERASE)) < 0 ||
        (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, do_erase(db, &by, id));
}

/* Organisations ------------------------------------------------------------------------ */

static int do_organization_create(int64_t *id, cs_db *db, const cs_actor *by, const char *name,
                                  int shared)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_org_insert);
    int rc;

    if (!st)
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, name);
    sqlite3_bind_int(st, 2, shared != 0);
    sqlite3_bind_int64(st, 3, cs_db_now(db));
    rc = cs_db__step(db, st);
    cs_db__done(st);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return cs_error__set(CS_EEXISTS, "name", "organization \"%s\" already exists", name);
    if (rc != SQLITE_DONE)
        return cs_db__error(db, rc, "insert organization");
    *id = sqlite3_last_insert_rowid(db->sql);
    return cs_audit__record(db, by, "organization", *id, 0, 0, "create", NULL, NULL, NULL);
}

int cs_organization_create(int64_t *id, cs_db *db, const char *name, int shared_tickets)
{
    int64_t new_id = 0;
    cs_actor by;
    int rc;

    if (id)
        *id = 0;
    if ((rc = check_args(id, "id", db)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_WRITE)) < 0 ||
        (rc = cs_check__text("name", name, CS_NAME_MAX, true)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    if ((rc = cs_db__end(db, do_organization_create(&new_id, db, &by, name, shared_tickets))) ==
        CS_OK)
        *id = new_id;
    return rc;
}
