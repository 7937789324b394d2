/*
 * libcs - channels in SQLite.
 */
#include "config.h"

#include "db.h"
#include "store/channel.h"

#define CHANNEL_COLUMNS                                                                            \
    "id, kind, name, address, public, signature, default_group_id, enabled, created_at,"           \
    " updated_at, locale, timezone"

static const char sql_insert[] =
    "INSERT INTO channel (kind, name, address, public, signature, default_group_id, enabled,"
    " created_at, updated_at, locale, timezone) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9,"
    " ?10)";
static const char sql_update[] =
    "UPDATE channel SET name = ?2, address = ?3, public = ?4, signature = ?5,"
    " default_group_id = ?6, enabled = ?7, updated_at = ?8, locale = ?9, timezone = ?10"
    " WHERE id = ?1";
static const char sql_by_id[] = "SELECT " CHANNEL_COLUMNS " FROM channel WHERE id = ?1";
static const char sql_by_name[] = "SELECT " CHANNEL_COLUMNS " FROM channel WHERE name = ?1";
static const char sql_all[] = "SELECT " CHANNEL_COLUMNS " FROM channel ORDER BY id";

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
    COL_UPDATED,
    COL_LOCALE,
    COL_TIMEZONE
};

/* Run sql_insert or sql_update, whose ?1 the caller bound: the stored fields are ?2..?7 and
 * ?9..?10, the time ?8. */
static int write_channel(cs_db *db, sqlite3_stmt *st, const cs_channel *ch, cs_time now)
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
    sqlite3_bind_int64(st, 8, now);
    cs_db__bind_text(st, 9, ch->locale);
    cs_db__bind_text(st, 10, ch->timezone);
    return cs_db__exec_stmt(db, st);
}

int cs_store__channel_insert(int64_t *id, cs_db *db, const cs_channel *ch, cs_time now)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_insert);
    int rc;

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int(st, 1, ch->kind);
    if ((rc = write_channel(db, st, ch, now)) < 0)
        return rc;
    /* SQLite's way to the new id: the rowid of the connection's last insert, which is this
     * one (the handle is used by one thread at a time). */
    *id = sqlite3_last_insert_rowid(db->sql);
    return CS_OK;
}

int cs_store__channel_update(cs_db *db, const cs_channel *ch, cs_time now)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_update);

    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, ch->id);
    return write_channel(db, st, ch, now);
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
    ch->locale = cs_db__column_strdup(st, COL_LOCALE, &rc);
    ch->timezone = cs_db__column_strdup(st, COL_TIMEZONE, &rc);
    if (rc < 0) {
        cs_channel__free(ch);
        return rc;
    }
    *out = ch;
    return CS_OK;
}

/* Read the one channel a bound statement selects, if there is one. */
static int read_one(cs_channel **out, cs_db *db, sqlite3_stmt *st)
{
    int rc = cs_db__step(db, st);

    if (rc == SQLITE_ROW)
        rc = from_row(out, st);
    else if (rc == SQLITE_DONE)
        rc = CS_OK;
    else
        rc = cs_db__error(db, rc, "read channel");
    cs_db__done(st);
    return rc;
}

int cs_store__channel_get(cs_channel **out, cs_db *db, int64_t id)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_by_id);

    *out = NULL;
    if (!st)
        return cs_error_last()->code;
    sqlite3_bind_int64(st, 1, id);
    return read_one(out, db, st);
}

int cs_store__channel_find(cs_channel **out, cs_db *db, const char *name)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_by_name);

    *out = NULL;
    if (!st)
        return cs_error_last()->code;
    cs_db__bind_text(st, 1, name);
    return read_one(out, db, st);
}

int cs_store__channel_list(cs_db *db, cs_store__channel_fn fn, void *payload)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_all);
    cs_channel *ch = NULL;
    int rc = CS_OK, step = SQLITE_DONE;

    if (!st)
        return cs_error_last()->code;
    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW) {
        if ((rc = from_row(&ch, st)) < 0)
            break;
        rc = fn(payload, ch);
        cs_channel__free(ch);
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = cs_db__error(db, step, "list channels");
    cs_db__done(st);
    return rc;
}

static const char sql_has_address[] =
    "SELECT 1 FROM channel WHERE address IS NOT NULL AND lower(trim(address)) = ?1 LIMIT 1";

int cs_store__channel_has_address(bool *found, cs_db *db, const char *address)
{
    sqlite3_stmt *st = cs_db__stmt(db, sql_has_address);

    if (st)
        cs_db__bind_text(st, 1, address);
    return cs_db__found(found, db, st, "read channels");
}
