/*
 * libcs - channels: the configured media customers write in.
 */
#include "config.h"

#include <jansson.h>
#include <string.h>

#include "cs-internal.h"
#include "db.h"
#include "perm.h"
#include "audit.h"

#define CHANNEL_COLUMNS                                                                            \
    "id, kind, name, address, public, signature, default_group_id, enabled, created_at,"           \
    " updated_at"

static const char sql_insert[] =
    "INSERT INTO channel (kind, name, address, public, signature, default_group_id, enabled,"
    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)";
static const char sql_update[] =
    "UPDATE channel SET name = ?2, address = ?3, public = ?4, signature = ?5,"
    " default_group_id = ?6, enabled = ?7, updated_at = ?8 WHERE id = ?1";
static const char sql_by_id[] = "SELECT " CHANNEL_COLUMNS " FROM channel WHERE id = ?1";
static const char sql_by_name[] = "SELECT " CHANNEL_COLUMNS " FROM channel WHERE name = ?1";
static const char sql_all[] = "SELECT " CHANNEL_COLUMNS " FROM channel ORDER BY id";
static const char sql_group_exists[] = "SELECT 1 FROM agent_group WHERE id = ?1";

/* Where the columns of CHANNEL_COLUMNS land. */
enum {
    COL_ID,
    COL_KIND,
    COL_NAME,
    COL_ADDRESS,
    COL_PUBLIC,
    COL_SIGNATURE,
    COL_GROUP,
    COL_ENABLED,
    COL_CREATED,
    COL_UPDATED
};

struct cs_channel {
    int64_t id;
    int kind;
    char *name;
    char *address;
    int is_public;
    int signature;
    int64_t default_group_id;
    int enabled;
    cs_time created_at;
    cs_time updated_at;
};

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

/* Check what `f` gives; on create, name and kind are required. */
static int check_fields(const cs_channel_fields *f, bool create)
{
    int rc;

    if (!f)
        return cs_error__inval("fields", "fields is NULL");
    if (f->version != CS_CHANNEL_FIELDS_VERSION)
        return cs_error__inval("fields", "fields version %u is not %d", f->version,
                               CS_CHANNEL_FIELDS_VERSION);
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
    return cs_db__exists(db, sql_group_exists, group_id, "default_group_id", "group");
}

/* Bind the stored fields ?2..?7 of sql_insert and sql_update (kind ?1 on insert only). */
static void bind_fields(sqlite3_stmt *st, const cs_channel *ch)
{
    cs_db__bind_text(st, 2, ch->name);
    cs_db__bind_text(st, 3, ch->address);
    sqlite3_bind_int(st, 4, ch->is_public);
    sqlite3_bind_int(st, 5, ch->signature);
    if (ch->default_group_id)
        sqlite3_bind_int64(st, 6, ch->default_group_id);
    else
        sqlite3_bind_null(st, 6);
    sqlite3_bind_int(st, 7, ch->enabled);
}

/* Run sql_insert or sql_update; a UNIQUE violation can only be the name. */
static int write_channel(cs_db *db, sqlite3_stmt *st, const cs_channel *ch)
{
    int rc;

    bind_fields(st, ch);
    sqlite3_bind_int64(st, 8, cs_db_now(db));
    rc = cs_db__exec_stmt(db, st);
    if (rc == CS_EEXISTS)
        rc = cs_error__set(CS_EEXISTS, "name", "a channel named \"%s\" already exists", ch->name);
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
    };
    sqlite3_stmt *st;
    int rc;

    if ((rc = check_address(ch.kind, ch.address)) < 0 ||
        (rc = check_group(db, ch.default_group_id)) < 0)
        return rc;
    if (!(st = cs_db__stmt(db, sql_insert)))
        return cs_error_last()->code;
    sqlite3_bind_int(st, 1, ch.kind);
    if ((rc = write_channel(db, st, &ch)) < 0)
        return rc;
    *id = sqlite3_last_insert_rowid(db->sql);
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

/* Read the current row of the statement into a new channel. */
static int from_row(cs_channel **out, sqlite3_stmt *st)
{
    cs_channel *ch = cs_mem__calloc(1, sizeof(*ch));
    int rc = CS_OK;

    if (!ch)
        return cs_error__nomem();
    ch->id = sqlite3_column_int64(st, COL_ID);
    ch->kind = sqlite3_column_int(st, COL_KIND);
    ch->name = cs_db__column_strdup(st, COL_NAME, &rc);
    ch->address = cs_db__column_strdup(st, COL_ADDRESS, &rc);
    ch->is_public = sqlite3_column_int(st, COL_PUBLIC);
    ch->signature = sqlite3_column_int(st, COL_SIGNATURE);
    ch->default_group_id = sqlite3_column_int64(st, COL_GROUP);
    ch->enabled = sqlite3_column_int(st, COL_ENABLED);
    ch->created_at = sqlite3_column_int64(st, COL_CREATED);
    ch->updated_at = sqlite3_column_int64(st, COL_UPDATED);
    if (rc < 0) {
        cs_channel_free(ch);
        return rc;
    }
    *out = ch;
    return CS_OK;
}

/* Read the one channel a bound statement selects. CS_ENOTFOUND is returned without an error
 * message: only the caller knows how it looked. */
static int read_one(cs_channel **out, cs_db *db, sqlite3_stmt *st)
{
    int rc = cs_db__step(db, st);

    if (rc == SQLITE_ROW)
        rc = from_row(out, st);
    else if (rc == SQLITE_DONE)
        rc = CS_ENOTFOUND;
    else
        rc = cs_db__error(db, rc, "read channel");
    cs_db__done(st);
    return rc;
}

static int lookup(cs_channel **out, cs_db *db, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_by_id);
    int rc;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = read_one(out, db, st)) == CS_ENOTFOUND)
        rc = cs_error__set(CS_ENOTFOUND, "id", "channel %lld does not exist", (long long)id);
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
    sqlite3_stmt *st;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_check__text("name", name, CS_NAME_MAX, true)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_CONFIG_READ)) < 0)
        return rc;
    if (!(st = cs_db__stmt(db, sql_by_name)))
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, name);
    if ((rc = read_one(out, db, st)) == CS_ENOTFOUND)
        rc = cs_error__set(CS_ENOTFOUND, "name", "no channel is named \"%s\"", name);
    return rc;
}

/* Record what changes from `old` to `next` and write it; nothing when nothing changed. */
static int write_changes(cs_db *db, const cs_actor *by, const cs_channel *old,
                         const cs_channel *next)
{
    cs_change c = CS_CHANGE_INIT(db, by, "channel", old->id);
    sqlite3_stmt *st;

    cs_change__text(&c, "name", old->name, next->name);
    cs_change__text(&c, "address", old->address, next->address);
    cs_change__bool(&c, "is_public", old->is_public, next->is_public);
    cs_change__bool(&c, "signature", old->signature, next->signature);
    cs_change__id(&c, "default_group_id", old->default_group_id, next->default_group_id);
    cs_change__bool(&c, "enabled", old->enabled, next->enabled);
    if (c.rc < 0 || c.count == 0)
        return c.rc;
    if (!(st = cs_db__stmt(db, sql_update)))
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, old->id);
    return write_channel(db, st, next);
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
    if (!ch)
        return;
    cs_mem__free(ch->name);
    cs_mem__free(ch->address);
    cs_mem__free(ch);
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

/* A new reference, or NULL when jansson runs out of memory. */
static json_t *to_json(const cs_channel *ch)
{
    char created[32], updated[32];
    json_t *group = ch->default_group_id ? json_integer(ch->default_group_id) : json_null();

    /* "o" takes over `group`, and releases it if packing fails. */
    /* One key and its value a line. */
    /* clang-format off */
    return json_pack("{s:I, s:s, s:s, s:s?, s:b, s:b, s:o, s:b, s:s, s:s}",
                     "id", (json_int_t)ch->id,
                     "kind", cs_channel_kind_name(ch->kind),
                     "name", ch->name,
                     "address", ch->address,
                     "public", ch->is_public,
                     "signature", ch->signature,
                     "default_group_id", group,
                     "enabled", ch->enabled,
                     "created_at", cs_time__iso(created, ch->created_at),
                     "updated_at", cs_time__iso(updated, ch->updated_at));
    /* clang-format on */
}

int cs_channel_to_json(char **out, const cs_channel *ch)
{
    if (out)
        *out = NULL;
    if (!out || !ch)
        return cs_error__inval(out ? "channel" : "out", "%s is NULL", out ? "channel" : "out");
    return cs_json__dump(out, to_json(ch));
}

/* Append every channel of the (unbound) statement to `list`, then release it. */
static int append_all(json_t *list, cs_db *db, sqlite3_stmt *st)
{
    cs_channel *ch = NULL;
    int rc = CS_OK, step = SQLITE_DONE;

    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW) {
        if ((rc = from_row(&ch, st)) < 0)
            break;
        if (json_array_append_new(list, to_json(ch)) < 0)
            rc = cs_error__nomem();
        cs_channel_free(ch);
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "list channels");
    cs_db__done(st);
    return rc;
}

int cs_channel_list_json(char **out, cs_db *db)
{
    sqlite3_stmt *st;
    cs_actor by;
    json_t *list;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_READ)) < 0)
        return rc;
    if (!(st = cs_db__stmt(db, sql_all)))
        return cs_error_last()->code;
    if (!(list = json_array())) {
        cs_db__done(st);
        return cs_error__nomem();
    }
    if ((rc = append_all(list, db, st)) < 0) {
        json_decref(list);
        return rc;
    }
    return cs_json__dump(out, list);
}
