/*
 * libcs - channels: the configured media customers write in.
 */
#include "config.h"

#include <string.h>

#include "cs-internal.h"
#include "perm.h"
#include "audit.h"
#include "agent.h"
#include "customer.h"
#include "store/channel.h"

static const cs_name kind_names[] = {
    {CS_CHANNEL_EMAIL, "email"},       {CS_CHANNEL_PHONE, "phone"},
    {CS_CHANNEL_CHAT, "chat"},         {CS_CHANNEL_WEBFORM, "webform"},
    {CS_CHANNEL_TWITTER, "twitter"},   {CS_CHANNEL_FACEBOOK, "facebook"},
    {CS_CHANNEL_WHATSAPP, "whatsapp"}, {CS_CHANNEL_SMS, "sms"},
    {CS_CHANNEL_API, "api"},
};

/* Indexed by kind. */
static const int kind_identity[] = {
    [CS_CHANNEL_EMAIL] = CS_IDENTITY_EMAIL,       [CS_CHANNEL_PHONE] = CS_IDENTITY_PHONE,
    [CS_CHANNEL_CHAT] = CS_IDENTITY_CHAT,         [CS_CHANNEL_WEBFORM] = CS_IDENTITY_EMAIL,
    [CS_CHANNEL_TWITTER] = CS_IDENTITY_TWITTER,   [CS_CHANNEL_FACEBOOK] = CS_IDENTITY_FACEBOOK,
    [CS_CHANNEL_WHATSAPP] = CS_IDENTITY_WHATSAPP, [CS_CHANNEL_SMS] = CS_IDENTITY_PHONE,
    [CS_CHANNEL_API] = CS_IDENTITY_EXTERNAL,
};

const char *cs_channel_kind_name(int kind)
{
    return CS_NAME_OF(kind_names, kind);
}

int cs_channel_kind_parse(const char *name)
{
    return CS_NAME_PARSE(kind_names, name);
}

int cs_channel_kind_identity(int kind)
{
    if (kind <= 0 || (size_t)kind >= CS_ARRAY_SIZE(kind_identity))
        return 0;
    return kind_identity[kind];
}

/* locale and timezone are in the fields from version 2 on; a version 1 caller never set
 * them. */
static const char *given_locale(const cs_channel_fields *f)
{
    return f->version >= 2 ? f->locale : NULL;
}

static const char *given_timezone(const cs_channel_fields *f)
{
    return f->version >= 2 ? f->timezone : NULL;
}

/* Check what `f` gives; on create, name and kind are required. */
static int check_fields(const cs_channel_fields *f, bool create)
{
    const char *locale, *tz;
    int rc = CS_OK;

    if (!f)
        return cs_error__inval("fields", "fields is NULL");
    if (f->version < 1 || f->version > CS_CHANNEL_FIELDS_VERSION)
        return cs_error__inval("fields", "fields version %u is not between 1 and %d", f->version,
                               CS_CHANNEL_FIELDS_VERSION);
    locale = given_locale(f);
    tz = given_timezone(f);
    if ((locale && *locale && (rc = cs_customer__check_locale(locale)) < 0) ||
        (tz && *tz && (rc = cs_customer__check_timezone(tz)) < 0))
        return rc;
    if (create && !f->kind)
        return cs_error__inval("kind", "kind is required");
    if (f->kind && !cs_channel_kind_name(f->kind))
        return cs_error__inval("kind", "unknown channel kind %d", f->kind);
    if (create || f->name) {
        if ((rc = cs_check__text("name", f->name, CS_NAME_MAX, true)) < 0)
            return rc;
    }
    if ((rc = cs_check__text("address", f->address, CS_IDENTITY_MAX, false)) < 0 ||
        (rc = cs_check__bool("is_public", f->is_public)) < 0 ||
        (rc = cs_check__bool("signature", f->signature)) < 0 ||
        (rc = cs_check__bool("enabled", f->enabled)) < 0)
        return rc;
    if (f->default_group_id < 0 && f->default_group_id != CS_ID_CLEAR)
        return cs_error__inval("default_group_id", "default_group_id %lld is not an id",
                               (long long)f->default_group_id);
    return CS_OK;
}

/* An email channel's address is what replies are sent from. */
static int check_address(int kind, const char *address)
{
    if (kind != CS_CHANNEL_EMAIL || !address || !*address)
        return CS_OK;
    return cs_check__email("address", address);
}

static int check_group(cs_db *db, int64_t group_id)
{
    if (group_id <= 0)
        return CS_OK;
    return cs_agent__group_exists(db, group_id, "default_group_id");
}

/* The error of writing a channel: CS_EEXISTS can only be its name. */
static int write_error(int rc, const cs_channel *ch)
{
    if (rc == CS_EEXISTS)
        return cs_error__set(CS_EEXISTS, "name", "a channel named \"%s\" already exists", ch->name);
    return rc;
}

static int create(int64_t *id, cs_db *db, const cs_actor *by, const cs_channel_fields *f)
{
    /* Borrows the caller's strings: nothing here outlives the call. */
    cs_channel ch = {
        .kind = f->kind,
        .name = (char *)f->name,
        .address = (char *)cs_update__text(NULL, f->address),
        .is_public = cs_update__int(0, f->is_public),
        .signature = cs_update__int(0, f->signature),
        .default_group_id = cs_update__id(0, f->default_group_id),
        .enabled = cs_update__int(1, f->enabled),
        .locale = (char *)cs_update__text(NULL, given_locale(f)),
        .timezone = (char *)cs_update__text(NULL, given_timezone(f)),
    };
    int rc;

    if ((rc = check_address(ch.kind, ch.address)) < 0 ||
        (rc = check_group(db, ch.default_group_id)) < 0 ||
        (rc = write_error(cs_store__channel_insert(id, db, &ch, cs_db_now(db)), &ch)) < 0)
        return rc;
    return cs_audit__record(db, by, "channel", *id, 0, 0, "create", NULL, NULL, NULL);
}

int cs_channel_create(int64_t *id, cs_db *db, const cs_channel_fields *fields)
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

static int lookup(cs_channel **out, cs_db *db, int64_t id)
{
    int rc = cs_store__channel_get(out, db, id);

    if (rc == CS_OK && !*out)
        return cs_error__set(CS_ENOTFOUND, "id", "channel %lld does not exist", (long long)id);
    return rc;
}

int cs_channel_lookup(cs_channel **out, cs_db *db, int64_t id)
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

int cs_channel_lookup_name(cs_channel **out, cs_db *db, const char *name)
{
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_check__text("name", name, CS_NAME_MAX, true)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CONFIG_READ)) < 0)
        return rc;
    if ((rc = cs_store__channel_find(out, db, name)) == CS_OK && !*out)
        rc = cs_error__set(CS_ENOTFOUND, "name", "no channel is named \"%s\"", name);
    return rc;
}

/* Record what changes from `old` to `next` and write it; nothing when nothing changed. */
static int write_changes(cs_db *db, const cs_actor *by, const cs_channel *old,
                         const cs_channel *next)
{
    cs_change c = CS_CHANGE_INIT(db, by, "channel", old->id);

    cs_change__text(&c, "name", old->name, next->name);
    cs_change__text(&c, "address", old->address, next->address);
    cs_change__bool(&c, "is_public", old->is_public, next->is_public);
    cs_change__bool(&c, "signature", old->signature, next->signature);
    cs_change__id(&c, "default_group_id", old->default_group_id, next->default_group_id);
    cs_change__bool(&c, "enabled", old->enabled, next->enabled);
    cs_change__text(&c, "locale", old->locale, next->locale);
    cs_change__text(&c, "timezone", old->timezone, next->timezone);
    if (c.rc < 0 || c.count == 0)
        return c.rc;
    return write_error(cs_store__channel_update(db, next, cs_db_now(db)), next);
}

static int update(cs_db *db, const cs_actor *by, int64_t id, const cs_channel_fields *f)
{
    cs_channel *old = NULL, next;
    int rc;

    if ((rc = lookup(&old, db, id)) < 0)
        goto out;
    if (f->kind && f->kind != old->kind) {
        rc = cs_error__inval("kind", "channel %lld is of kind %s; the kind cannot change",
                             (long long)id, cs_channel_kind_name(old->kind));
        goto out;
    }
    /* Borrows from `old` and the caller, both alive until out. */
    next = *old;
    next.name = f->name ? (char *)f->name : old->name;
    next.address = (char *)cs_update__text(old->address, f->address);
    next.is_public = cs_update__int(old->is_public, f->is_public);
    next.signature = cs_update__int(old->signature, f->signature);
    next.default_group_id = cs_update__id(old->default_group_id, f->default_group_id);
    next.enabled = cs_update__int(old->enabled, f->enabled);
    next.locale = (char *)cs_update__text(old->locale, given_locale(f));
    next.timezone = (char *)cs_update__text(old->timezone, given_timezone(f));
    if ((f->address && (rc = check_address(old->kind, f->address)) < 0) ||
        (next.default_group_id != old->default_group_id &&
         (rc = check_group(db, next.default_group_id)) < 0))
        goto out;
    rc = write_changes(db, by, old, &next);
out:
    cs_channel_free(old);
    return rc;
}

int cs_channel_update(cs_db *db, int64_t id, const cs_channel_fields *fields)
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

void cs_channel_free(cs_channel *ch)
{
    cs_channel__free(ch);
}

int64_t cs_channel_id(const cs_channel *ch)
{
    return ch ? ch->id : 0;
}

int cs_channel_kind(const cs_channel *ch)
{
    return ch ? ch->kind : 0;
}

const char *cs_channel_name(const cs_channel *ch)
{
    return ch ? ch->name : NULL;
}

const char *cs_channel_address(const cs_channel *ch)
{
    return ch ? ch->address : NULL;
}

int cs_channel_is_public(const cs_channel *ch)
{
    return ch ? ch->is_public : 0;
}

int cs_channel_signature(const cs_channel *ch)
{
    return ch ? ch->signature : 0;
}

int64_t cs_channel_default_group_id(const cs_channel *ch)
{
    return ch ? ch->default_group_id : 0;
}

int cs_channel_enabled(const cs_channel *ch)
{
    return ch ? ch->enabled : 0;
}

const char *cs_channel_locale(const cs_channel *ch)
{
    return ch ? ch->locale : NULL;
}

const char *cs_channel_timezone(const cs_channel *ch)
{
    return ch ? ch->timezone : NULL;
}

cs_time cs_channel_created_at(const cs_channel *ch)
{
    return ch ? ch->created_at : 0;
}

cs_time cs_channel_updated_at(const cs_channel *ch)
{
    return ch ? ch->updated_at : 0;
}

/* Lists ---------------------------------------------------------------------------- */

struct cs_channel_list {
    cs_channel **v;
    size_t n, cap;
};

/* Keep a copy of a channel the store lends. */
static int keep_channel(void *payload, const cs_channel *ch)
{
    cs_channel_list *list = payload;
    cs_channel *copy;

    if (list->n == list->cap) {
        size_t cap = list->cap ? 2 * list->cap : 8;
        cs_channel **v = cs_mem__realloc(list->v, cap * sizeof(*v));

        if (!v)
            return cs_error__nomem();
        list->v = v;
        list->cap = cap;
    }
    if (!(copy = cs_mem__alloc(sizeof(*copy))))
        return cs_error__nomem();
    *copy = *ch;
    copy->address = copy->locale = copy->timezone = NULL;
    if (!(copy->name = cs_mem__strdup(ch->name)) ||
        (ch->address && !(copy->address = cs_mem__strdup(ch->address))) ||
        (ch->locale && !(copy->locale = cs_mem__strdup(ch->locale))) ||
        (ch->timezone && !(copy->timezone = cs_mem__strdup(ch->timezone)))) {
        cs_channel__free(copy);
        return cs_error__nomem();
    }
    list->v[list->n++] = copy;
    return CS_OK;
}

int cs_channel_list_get(cs_channel_list **out, cs_db *db)
{
    cs_channel_list *list;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_READ)) < 0)
        return rc;
    if (!(list = cs_mem__calloc(1, sizeof(*list))))
        return cs_error__nomem();
    if ((rc = cs_store__channel_list(db, keep_channel, list)) < 0) {
        cs_channel_list_free(list);
        return rc;
    }
    *out = list;
    return CS_OK;
}

size_t cs_channel_list_count(const cs_channel_list *list)
{
    return list ? list->n : 0;
}

const cs_channel *cs_channel_list_item(const cs_channel_list *list, size_t i)
{
    return list && i < list->n ? list->v[i] : NULL;
}

void cs_channel_list_free(cs_channel_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->n; i++)
        cs_channel__free(list->v[i]);
    cs_mem__free(list->v);
    cs_mem__free(list);
}
