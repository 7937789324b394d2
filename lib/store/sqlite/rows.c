/*
 * libcs - rows as JSON, for the stores' exports (a customer's data, cs_customer_export()).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "store/sqlite/rows.h"

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

/* An array of the rows `sql` selects for ?1 = id, each completed by `child` (which may be
 * NULL). */
static int select_json(json_t **out, cs_db *db, const char *sql, int64_t id,
                       cs_rows__child_fn child)
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
    cs_db__bind_ids(st, id, 0, 0);
    while (rc == CS_OK && (step = cs_db__step(db, st)) == SQLITE_ROW) {
        row = row_object(st);
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

int cs_rows__set_children(json_t *row, const char *key, cs_db *db, const char *sql,
                          cs_rows__child_fn child)
{
    json_t *arr;
    int rc = select_json(&arr, db, sql, json_integer_value(json_object_get(row, "id")), child);

    if (rc == CS_OK && json_object_set_new(row, key, arr) < 0)
        rc = cs_error__nomem();
    return rc;
}

int cs_rows__json(char **out, cs_db *db, const char *sql, int64_t id, cs_rows__child_fn child)
{
    json_t *arr;
    char *text;
    int rc = select_json(&arr, db, sql, id, child);

    *out = NULL;
    if (rc < 0)
        return rc;
    text = json_dumps(arr, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(arr);
    *out = text ? cs_mem__strdup(text) : NULL;
    free(text);
    return *out ? CS_OK : cs_error__nomem();
}
