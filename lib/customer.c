/*
 * libcs - customers, their identities and organisations (P2: one customer, one timeline).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "perm.h"
#include "audit.h"
#include "customer.h"
#include "custom.h"
#include "store/ticket.h"
#include "calendar.h"
#include "store/customer.h"
#include "store/ticket.h"

/* Names -------------------------------------------------------------------------------- */

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
int cs_customer__check_locale(const char *locale)
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
int cs_customer__check_timezone(const char *tz)
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
static int check_input(struct input *in, cs_db *db, const cs_actor *by, const cs_customer_fields *f,
                       bool create)
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
    if (f->locale && (rc = cs_customer__check_locale(f->locale)) < 0)
        return rc;
    if (f->timezone && *f->timezone && (rc = cs_customer__check_timezone(f->timezone)) < 0)
        return rc;
    if (f->organization_id < CS_ID_CLEAR)
        return cs_error__inval("organization_id", "organization_id %lld is not an id",
                               (long long)f->organization_id);
    if (f->organization_id > 0 && (rc = cs_store__customer_organization_exists(
                                       db, f->organization_id, "organization_id")) < 0)
        return rc;
    if (f->custom_json && (rc = cs_custom__check(&in->custom, db, by, CS_CUSTOM_CUSTOMER, "custom",
                                                 f->custom_json)) < 0)
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
    cs_customer__free(c);
}

/* CS_ECONFLICT unless the customer is live: neither merged away nor erased. */
static int require_live(cs_db *db, int64_t id, const char *field)
{
    int64_t merged_into = 0;
    cs_time erased_at = 0;
    int rc = cs_store__customer_state(&merged_into, &erased_at, db, id, field);

    if (rc < 0)
        return rc;
    if (merged_into)
        return cs_error__set(CS_ECONFLICT, field, "customer %lld was merged into customer %lld",
                             (long long)id, (long long)merged_into);
    if (erased_at)
        return cs_error__set(CS_ECONFLICT, field, "customer %lld was erased", (long long)id);
    return CS_OK;
}

int cs_customer__load(cs_customer **out, cs_db *db, int64_t id)
{
    return cs_store__customer_get(out, db, id);
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
    return cs_store__customer_get(out, db, id);
}

int cs_customer__has_identity(bool *out, cs_db *db, int64_t customer_id, int kind,
                              const char *value)
{
    int64_t owner = 0, merged_into;
    cs_time erased_at;
    int rc;

    *out = false;
    if ((rc = cs_store__customer_identity_owner(&owner, db, kind, value)) < 0 || !owner)
        return rc;
    /* A merge moves identities to the survivor, along chains of merges. */
    for (int hop = 0; hop < 64 && customer_id && !*out; hop++) {
        *out = customer_id == owner;
        if ((rc = cs_store__customer_state(&merged_into, &erased_at, db, customer_id, "id")) < 0)
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
    if ((rc = cs_store__customer_identity_owner(&owner, db, kind, norm)) < 0)
        goto out;
    if (!owner || cs_perm__self(by, CS_CAP_CUSTOMER_READ, owner, "value") < 0) {
        rc = cs_error__set(CS_ENOTFOUND, "value", "no customer has the %s %s",
                           cs_identity_kind_name(kind), norm);
        goto out;
    }
    rc = cs_store__customer_get(out, db, owner);
out:
    cs_mem__free(norm);
    return rc;
}

int cs_customer__record(cs_customer **out, cs_db *db, int64_t id)
{
    return cs_store__customer_record(out, db, id);
}

int cs_customer__find(cs_customer **out, int64_t *identity_id, cs_db *db, int kind,
                      const char *value)
{
    char *norm = NULL;
    int64_t owner = 0;
    int rc;

    *out = NULL;
    *identity_id = 0;
    if ((rc = normalize(&norm, kind, value, "kind", "value")) < 0)
        return rc;
    if ((rc = cs_store__customer_identity_find(identity_id, &owner, db, kind, norm)) == CS_OK)
        rc = owner ? cs_store__customer_record(out, db, owner)
                   : cs_error__set(CS_ENOTFOUND, "value", "no customer has the %s %s",
                                   cs_identity_kind_name(kind), norm);
    cs_mem__free(norm);
    return rc;
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

/* Give customer `id` an identity it may already have; *added is the identity's id when it
 * was new, else 0. */
static int attach_identity(cs_db *db, int64_t id, int kind, const char *value, const char *field,
                           int64_t *added)
{
    int64_t owner;
    int rc;

    *added = 0;
    if ((rc = cs_store__customer_identity_owner(&owner, db, kind, value)) < 0)
        return rc;
    if (owner == id)
        return CS_OK;
    if (owner)
        return cs_error__set(CS_EEXISTS, field, "%s %s belongs to customer %lld",
                             cs_identity_kind_name(kind), value, (long long)owner);
    return cs_store__customer_identity_insert(added, db, id, kind, value, cs_db_now(db));
}

int cs_customer__create(int64_t *id, int64_t *first_identity, cs_db *db, const cs_actor *by,
                        const cs_customer_fields *f)
{
    struct input in;
    cs_customer_row row;
    char field[CS_ERROR_FIELD_MAX];
    int64_t added;
    int rc;

    if ((rc = check_input(&in, db, by, f, true)) < 0)
        goto out;
    row = (cs_customer_row){
        .name = in.name,
        .locale = in.locale ? in.locale : "en",
        .custom = in.custom ? in.custom : "{}",
        .timezone = in.timezone && *in.timezone ? in.timezone : NULL,
        .organization_id = in.organization_id > 0 ? in.organization_id : 0,
    };
    if ((rc = cs_store__customer_insert(id, db, &row, cs_db_now(db))) < 0 ||
        (rc = cs_store__customer_tags_add(db, *id, &in.tags)) < 0)
        goto out;
    for (size_t i = 0; i < in.nvalues && rc == CS_OK; i++) {
        snprintf(field, sizeof(field), "identities[%zu].value", i);
        rc = attach_identity(db, *id, f->identities[i].kind, in.values[i], field, &added);
        if (i == 0 && first_identity)
            *first_identity = added;
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
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    if ((rc = cs_db__end(db, cs_customer__create(&new_id, NULL, db, &by, fields))) == CS_OK)
        *id = new_id;
    return rc;
}

static int audit_change(cs_db *db, const cs_actor *by, int64_t id, const char *field,
                        const char *old_value, const char *new_value, int *changed)
{
    if (same(old_value, new_value))
        return CS_OK;
    (*changed)++;
    return cs_audit__record(db, by, "customer", id, 0, id, "update", field, old_value, new_value);
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
        (rc = cs_store__customer_tags_delete(db, cur->id)) == CS_OK)
        rc = cs_store__customer_tags_add(db, cur->id, tags);
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
    cs_customer_row row = {
        .name = in->name ? in->name : cur->name,
        .locale = in->locale ? in->locale : cur->locale,
        .custom = in->custom ? in->custom : cur->custom,
        .timezone = !in->timezone   ? cur->timezone
                    : *in->timezone ? in->timezone
                                    : NULL,
        .organization_id = in->organization_id == 0  ? cur->organization_id
                           : in->organization_id < 0 ? 0
                                                     : in->organization_id,
    };
    int changed = 0, rc;

    if ((rc = audit_change(db, by, cur->id, "name", cur->name, row.name, &changed)) < 0 ||
        (rc = audit_change(db, by, cur->id, "organization_id",
                           cs_int__text(old_org, cur->organization_id, true),
                           cs_int__text(new_org, row.organization_id, true), &changed)) < 0 ||
        (rc = audit_change(db, by, cur->id, "locale", cur->locale, row.locale, &changed)) < 0 ||
        (rc = audit_change(db, by, cur->id, "timezone", cur->timezone, row.timezone, &changed)) <
            0 ||
        (rc = audit_change(db, by, cur->id, "custom", cur->custom, row.custom, &changed)) < 0 ||
        (in->has_tags && (rc = update_tags(db, by, cur, &in->tags, &changed)) < 0))
        return rc;
    if (!changed)
        return CS_OK;
    return cs_store__customer_update(db, cur->id, &row, cs_db_now(db));
}

static int do_update(cs_db *db, const cs_actor *by, int64_t id, const cs_customer_fields *f)
{
    struct input in;
    cs_customer *cur = NULL;
    int rc;

    if ((rc = check_input(&in, db, by, f, false)) < 0 ||
        (rc = cs_store__customer_get(&cur, db, id)) < 0)
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
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, do_update(db, &by, id, fields));
}

static int do_add_identity(cs_db *db, const cs_actor *by, int64_t id, int kind, const char *value)
{
    char *norm = NULL;
    int64_t added = 0;
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
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, do_add_identity(db, &by, id, kind, value));
}

static int do_remove_identity(cs_db *db, const cs_actor *by, int64_t id, int kind,
                              const char *value)
{
    int64_t merged_into;
    cs_time erased_at;
    char *norm = NULL;
    bool deleted = false;
    int rc;

    if ((rc = normalize(&norm, kind, value, "kind", "value")) < 0 ||
        (rc = cs_store__customer_state(&merged_into, &erased_at, db, id, "id")) < 0 ||
        (rc = cs_store__customer_identity_delete(&deleted, db, id, kind, norm)) < 0)
        goto out;
    if (!deleted)
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
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
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

/* Iterator ----------------------------------------------------------------------------- */

int cs_customer_iter_new(cs_customer_iter **out, cs_db *db, int64_t organization_id, int64_t after,
                         size_t limit)
{
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
    return cs_store__customer_iter_new(out, db, organization_id, after, limit);
}

int cs_customer_next(const cs_customer **out, cs_customer_iter *it)
{
    if (!out || !it)
        return cs_error__inval(out ? "it" : "out", "%s is NULL", out ? "it" : "out");
    *out = NULL;
    return cs_store__customer_iter_next(out, it);
}

void cs_customer_iter_free(cs_customer_iter *it)
{
    cs_store__customer_iter_free(it);
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

/* What the merge moves to the survivor (see cs_merge_record). The survivor ends with at
 * most CS_TAGS_MAX tags: of the merged customer's tags it does not have, those that fit
 * (in byte order) go to it; the others stay with the merged customer alone. */
static int collect_moved(cs_merge_record *m, cs_db *db)
{
    int rc = cs_store__customer_identity_ids(&m->identities, &m->nidentities, db, m->merged_id);
    cs_customer *survivor = NULL;
    size_t has, room;

    if (rc == CS_OK)
        rc = cs_store__ticket_ids_of_customer(&m->tickets, &m->ntickets, db, m->merged_id);
    if (rc == CS_OK)
        rc = cs_store__customer_tags_missing(&m->tags, db, m->merged_id, m->survivor_id);
    if (rc == CS_OK && (rc = cs_store__customer_get(&survivor, db, m->survivor_id)) == CS_OK) {
        has = cs_customer_tag_count(survivor);
        room = has < CS_TAGS_MAX ? CS_TAGS_MAX - has : 0;
        while (m->tags.n > room)
            cs_mem__free(m->tags.v[--m->tags.n]);
        cs_customer_free(survivor);
    }
    return rc;
}

static int do_merge(int64_t *merge_id, cs_db *db, const cs_actor *by, int64_t survivor,
                    int64_t merged)
{
    cs_time now = cs_db_now(db);
    cs_merge_record moved = {.survivor_id = survivor, .merged_id = merged};
    int rc;

    if (survivor == merged)
        return cs_error__inval("merged_id", "customer %lld cannot be merged into itself",
                               (long long)merged);
    if ((rc = require_live(db, survivor, "survivor_id")) < 0 ||
        (rc = require_live(db, merged, "merged_id")) < 0 || (rc = collect_moved(&moved, db)) < 0 ||
        (rc = cs_store__customer_identities_move(db, merged, survivor)) < 0 ||
        (rc = cs_store__ticket_move_customer(db, merged, survivor)) < 0 ||
        (rc = cs_store__customer_tags_add(db, survivor, &moved.tags)) < 0 ||
        (rc = cs_store__customer_set_merged_into(db, merged, survivor, now)) < 0 ||
        (rc = cs_store__customer_merge_insert(merge_id, db, &moved, now)) < 0)
        goto out;
    rc = audit_merge(db, by, "merge", survivor, merged, false);
out:
    cs_store__customer_merge_free(&moved);
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
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    if ((rc = cs_db__end(db, do_merge(&id, db, &by, survivor_id, merged_id))) == CS_OK && merge_id)
        *merge_id = id;
    return rc;
}

typedef int (*move_fn)(cs_db *db, int64_t item, int64_t from, int64_t to);

/* Move back what is still where the merge put it. */
static int move_back(cs_db *db, move_fn move, const int64_t *items, size_t n, int64_t survivor,
                     int64_t merged)
{
    int rc = CS_OK;

    for (size_t i = 0; i < n && rc == CS_OK; i++)
        rc = move(db, items[i], survivor, merged);
    return rc;
}

/* The tags went to the survivor as copies: it gives them up again. */
static int tags_back(cs_db *db, const cs_strv *tags, int64_t survivor)
{
    int rc = CS_OK;

    for (size_t i = 0; i < tags->n && rc == CS_OK; i++)
        rc = cs_store__customer_tag_delete(db, survivor, tags->v[i]);
    return rc;
}

static int require_not_erased(cs_db *db, int64_t id, const char *field)
{
    int64_t merged_into;
    cs_time erased_at = 0;
    int rc = cs_store__customer_state(&merged_into, &erased_at, db, id, field);

    if (rc == CS_OK && erased_at)
        rc = cs_error__set(CS_ECONFLICT, field, "customer %lld was erased", (long long)id);
    return rc;
}

/* A merge moved what its merged customer had to the survivor. Once the survivor is itself
 * merged into another customer, that is there now: undoing this merge first would leave it
 * there, and undoing the later merge then would hand it to this survivor. So the later
 * merge is undone first. */
static int require_survivor_holds(cs_db *db, const cs_merge_record *m)
{
    int64_t merged_into = 0, later = 0;
    cs_time erased_at = 0;
    int rc = cs_store__customer_state(&merged_into, &erased_at, db, m->survivor_id, "survivor_id");

    if (rc < 0 || !merged_into)
        return rc;
    if ((rc = cs_store__customer_merge_holding(&later, db, m->survivor_id)) < 0)
        return rc;
    return cs_error__set(CS_ECONFLICT, "merge_id",
                         "customer %lld, the survivor of merge %lld, "
                         "was merged into customer %lld since (merge %lld): undo merge %lld "
                         "first",
                         (long long)m->survivor_id, (long long)m->id, (long long)merged_into,
                         (long long)later, (long long)later);
}

static int do_unmerge(cs_db *db, const cs_actor *by, int64_t merge_id)
{
    cs_merge_record m;
    int64_t survivor, merged;
    int rc = cs_store__customer_merge_get(&m, db, merge_id);

    if (rc < 0)
        return rc;
    if (m.undone) {
        rc = cs_error__set(CS_ECONFLICT, "merge_id", "merge %lld was already undone",
                           (long long)merge_id);
        goto out;
    }
    survivor = m.survivor_id;
    merged = m.merged_id;
    if ((rc = require_not_erased(db, survivor, "survivor_id")) < 0 ||
        (rc = require_not_erased(db, merged, "merged_id")) < 0 ||
        (rc = require_survivor_holds(db, &m)) < 0 ||
        (rc = move_back(db, cs_store__customer_identity_move, m.identities, m.nidentities, survivor,
                        merged)) < 0 ||
        (rc = move_back(db, cs_store__ticket_move_one_customer, m.tickets, m.ntickets, survivor,
                        merged)) < 0 ||
        (rc = tags_back(db, &m.tags, survivor)) < 0 ||
        (rc = cs_store__customer_set_merged_into(db, merged, 0, cs_db_now(db))) < 0 ||
        (rc = cs_store__customer_merge_undone(db, merge_id, cs_db_now(db))) < 0)
        goto out;
    rc = audit_merge(db, by, "unmerge", survivor, merged, true);
out:
    cs_store__customer_merge_free(&m);
    return rc;
}

int cs_customer_unmerge(cs_db *db, int64_t merge_id)
{
    cs_actor by;
    int rc;

    if ((rc = check_args(db, "db", db)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, do_unmerge(db, &by, merge_id));
}

/* Erasure ------------------------------------------------------------------------------ */

int cs_customer__erase_own(cs_db *db, int64_t id)
{
    int rc;

    if ((rc = cs_store__customer_identities_delete(db, id)) < 0 ||
        (rc = cs_store__customer_tags_delete(db, id)) < 0 ||
        /* The tags its merges moved are the customer's; the ids that moved are not. */
        (rc = cs_store__customer_merges_drop_tags(db, id)) < 0)
        return rc;
    return cs_store__customer_erase(db, id, cs_db_now(db));
}

/* Organisations ------------------------------------------------------------------------ */

static int do_organization_create(int64_t *id, cs_db *db, const cs_actor *by, const char *name,
                                  int shared)
{
    int rc = cs_store__customer_organization_insert(id, db, name, shared != 0, cs_db_now(db));

    if (rc == CS_EEXISTS)
        return cs_error__set(CS_EEXISTS, "name", "organization \"%s\" already exists", name);
    if (rc < 0)
        return rc;
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
