/*
 * libcs - rows as JSON, shared by the SQLite stores' exports. Not API.
 *
 * Columns named "at" or "*_at" are ISO 8601 times, "custom" is a JSON object, the rest as
 * stored; blobs (attachment data) are left out.
 */
#ifndef CS_STORE_SQLITE_ROWS_H
#define CS_STORE_SQLITE_ROWS_H

#include <jansson.h>

#include "cs-internal.h"

/* What to add to each row (its messages, its attachments). */
typedef int (*cs_rows__child_fn)(cs_db *db, json_t *row);

/* row[key] = the rows `sql` selects for ?1 = the row's id, each completed by `child` (which
 * may be NULL). */
int cs_rows__set_children(json_t *row, const char *key, cs_db *db, const char *sql,
                          cs_rows__child_fn child);
/* The rows `sql` selects for ?1 = id, each completed by `child` (which may be NULL), as a
 * JSON array in libcs memory with every digit of a real: the caller reads the text back
 * into a document of its own. */
int cs_rows__json(char **out, cs_db *db, const char *sql, int64_t id, cs_rows__child_fn child);

#endif
