/*
 * The database handle: open/close, migrations, version refusal, transactions, clock,
 * errors, two handles in two threads, allocation failures.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "check_suites.h"
#include "helpers.h"

static int raw_exec(const char *path, const char *sql)
{
    sqlite3 *s = NULL;
    int rc = sqlite3_open(path, &s);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s, sql, NULL, NULL, NULL);
    sqlite3_close(s);
    return rc;
}

static int raw_int(const char *path, const char *sql)
{
    sqlite3 *s = NULL;
    sqlite3_stmt *st = NULL;
    int v = -1;
    ck_assert_int_eq(sqlite3_open(path, &s), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(s);
    return v;
}

START_TEST(open_memory)
{
    cs_db *db = NULL;
    ck_assert_ok(cs_db_open(&db, ":memory:", CS_OPEN_CREATE));
    ck_assert_ptr_nonnull(db);
    ck_assert_int_eq(cs_db_schema_version(db), cs_schema_version());
    ck_assert_int_gt(cs_schema_version(), 0);
    ck_assert_str_eq(cs_db_path(db), ":memory:");
    cs_db_close(db);
    cs_db_close(NULL);
}
END_TEST

START_TEST(open_bad_arguments)
{
    cs_db *db = (cs_db *)1;
    ck_assert_rc(cs_db_open(NULL, ":memory:", 0), CS_EINVAL);
    ck_assert_field("out");
    ck_assert_rc(cs_db_open(&db, NULL, 0), CS_EINVAL);
    ck_assert_ptr_null(db);
    ck_assert_field("path");
    ck_assert_rc(cs_db_open(&db, "", 0), CS_EINVAL);
    ck_assert_field("path");
    ck_assert_rc(cs_db_open(&db, ":memory:", 0x80), CS_EINVAL);
    ck_assert_field("flags");
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "0x80"));
    ck_assert_rc(cs_db_open(&db, ":memory:", CS_OPEN_CREATE | CS_OPEN_READONLY), CS_EINVAL);
    ck_assert_field("flags");
}
END_TEST

START_TEST(open_missing_without_create)
{
    char *path = t_path("missing.db");
    cs_db *db = NULL;
    ck_assert_rc(cs_db_open(&db, path, CS_OPEN_READWRITE), CS_ENOTFOUND);
    ck_assert_ptr_null(db);
    ck_assert_field("path");
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, path));
    free(path);
}
END_TEST

START_TEST(create_and_reopen)
{
    char *path = t_path("reopen.db");
    cs_db *db = NULL;

    ck_assert_ok(cs_db_open(&db, path, CS_OPEN_CREATE));
    ck_assert_int_eq(cs_db_schema_version(db), cs_schema_version());
    cs_db_close(db);
    ck_assert_int_eq(raw_int(path, "PRAGMA user_version"), cs_schema_version());
    ck_assert_int_eq(raw_int(path, "PRAGMA journal_mode = WAL") >= -1, 1);
    ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM meta WHERE key = 'created_at'"), 1);
    /* A new file has 2 KiB pages (half the WAL bytes per commit of SQLite's 4 KiB). */
    ck_assert_int_eq(raw_int(path, "PRAGMA page_size"), 2048);

    ck_assert_ok(cs_db_open(&db, path, CS_OPEN_READWRITE));
    ck_assert_int_eq(cs_db_schema_version(db), cs_schema_version());
    cs_db_close(db);
    /* Re-opening ran no migration twice. */
    ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM meta WHERE key = 'created_at'"), 1);
    free(path);
}
END_TEST

START_TEST(refuse_newer_schema)
{
    char *path = t_path("newer.db");
    char sql[64];
    cs_db *db = NULL;

    ck_assert_ok(cs_db_open(&db, path, CS_OPEN_CREATE));
    cs_db_close(db);
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", cs_schema_version() + 7);
    ck_assert_int_eq(raw_exec(path, sql), SQLITE_OK);

    ck_assert_rc(cs_db_open(&db, path, CS_OPEN_READWRITE), CS_EVERSION);
    ck_assert_ptr_null(db);
    snprintf(sql, sizeof(sql), "schema version %d", cs_schema_version() + 7);
    ck_assert_msg(strstr(cs_error_last()->message, sql), "message: %s", cs_error_last()->message);
    snprintf(sql, sizeof(sql), "(schema version %d)", cs_schema_version());
    ck_assert_msg(strstr(cs_error_last()->message, sql), "message: %s", cs_error_last()->message);
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, CS_VERSION_STRING));
    /* Nothing was changed by the refusal. */
    ck_assert_int_eq(raw_int(path, "PRAGMA user_version"), cs_schema_version() + 7);
    free(path);
}
END_TEST

START_TEST(refuse_foreign_database)
{
    char *path = t_path("foreign.db");
    cs_db *db = NULL;

    ck_assert_int_eq(raw_exec(path, "CREATE TABLE orders (id INTEGER PRIMARY KEY)"), SQLITE_OK);
    ck_assert_rc(cs_db_open(&db, path, CS_OPEN_READWRITE), CS_EDB);
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "not a libcs database"));
    ck_assert_int_eq(raw_int(path, "PRAGMA user_version"), 0);
    free(path);
}
END_TEST

/* An existing empty file is not a database: only CS_OPEN_CREATE may make it one. */
START_TEST(empty_file_needs_create)
{
    char *path = t_path("empty.db");
    FILE *f = fopen(path, "w");
    struct stat st;
    cs_db *db = NULL;

    ck_assert_ptr_nonnull(f);
    fclose(f);
    ck_assert_rc(cs_db_open(&db, path, CS_OPEN_READWRITE), CS_EDB);
    ck_assert_ptr_null(db);
    ck_assert_field("path");
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "CS_OPEN_CREATE"));
    ck_assert_rc(cs_db_open(&db, path, CS_OPEN_READONLY), CS_EDB);
    ck_assert_field("path");
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 0);

    ck_assert_ok(cs_db_open(&db, path, CS_OPEN_CREATE));
    ck_assert_int_eq(cs_db_schema_version(db), cs_schema_version());
    cs_db_close(db);
    ck_assert_ok(cs_db_open(&db, path, CS_OPEN_READWRITE));
    cs_db_close(db);
    free(path);
}
END_TEST

START_TEST(migrations_in_order)
{
    static const cs_migration first[] = {
        {"0001-a", "CREATE TABLE a (x INTEGER);"},
    };
    static const cs_migration second[] = {
        {"0001-a", "CREATE TABLE a (x INTEGER);"},
        {"0002-b", "CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1);"},
        {"0003-c", "CREATE TABLE c (z INTEGER); INSERT INTO b VALUES (2);"},
    };
    static const cs_migration broken[] = {
        {"0001-a", ""},
        {"0002-b", ""},
        {"0003-c", ""},
        {"0004-d", "CREATE TABLE d (w INTEGER); INSERT INTO nowhere VALUES (1);"},
    };
    cs_db *db = t_open_memory();
    sqlite3_stmt *st;

    /* Start over from an empty schema on the same handle. */
    ck_assert_int_eq(sqlite3_exec(db->sql, "PRAGMA user_version = 0; DROP TABLE meta", 0, 0, 0),
                     SQLITE_OK);
    ck_assert_ok(cs_db__migrate(db, first, 1));
    ck_assert_int_eq(cs_db_schema_version(db), 1);
    ck_assert_ok(cs_db__migrate(db, second, 3));
    ck_assert_int_eq(cs_db_schema_version(db), 3);
    ck_assert_ok(cs_db__migrate(db, second, 3)); /* idempotent */

    ck_assert_int_eq(sqlite3_prepare_v2(db->sql,
                                        "SELECT (SELECT count(*) FROM a), "
                                        "(SELECT count(*) FROM b), (SELECT count(*) FROM c)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(st, 0), 1);
    ck_assert_int_eq(sqlite3_column_int(st, 1), 1);
    ck_assert_int_eq(sqlite3_column_int(st, 2), 0);
    sqlite3_finalize(st);

    /* A failing migration leaves nothing half-applied and names itself. */
    ck_assert_rc(cs_db__migrate(db, broken, 4), CS_EDB);
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "0004-d"));
    ck_assert_int_eq(sqlite3_prepare_v2(db->sql,
                                        "SELECT count(*) FROM sqlite_schema "
                                        "WHERE name = 'd'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    ck_assert_int_eq(db->txn_depth, 0);
    cs_db_close(db);
}
END_TEST

/* 0011-merge-items turns the JSON record of what a merge moved into rows, and the merge
 * can still be undone after the upgrade. */
START_TEST(merge_records_upgrade)
{
    char *path = t_path("v10.db");
    sqlite3 *s = NULL;
    cs_db *db = NULL;
    cs_customer *c = NULL;

    ck_assert_int_eq(sqlite3_open(path, &s), SQLITE_OK);
    for (size_t i = 0; i < 10; i++)
        ck_assert_int_eq(sqlite3_exec(s, cs_schema__migrations[i].sql, 0, 0, 0), SQLITE_OK);
    ck_assert_int_eq(
        sqlite3_exec(
            s,
            "PRAGMA user_version = 10; PRAGMA application_id = 1279480644;"
            "INSERT INTO customer (id, name, created_at, updated_at) VALUES"
            " (1, 'Anna', 0, 0);"
            "INSERT INTO customer (id, name, merged_into, created_at, updated_at) VALUES"
            " (2, 'Anna M.', 1, 0, 0);"
            "INSERT INTO identity (id, customer_id, kind, value, created_at) VALUES"
            " (5, 1, 1, 'anna@example.com', 0), (6, 1, 1, 'am@example.com', 0);"
            "INSERT INTO customer_tag VALUES (1, 'vip'), (1, 'b2b');"
            "INSERT INTO customer_merge (id, survivor_id, merged_id, moved, merged_at)"
            " VALUES (3, 1, 2, '{\"identities\":[6],\"tickets\":[],\"tags\":[\"b2b\"]}', 0),"
            " (4, 1, 2, 'not json', 0);",
            0, 0, 0),
        SQLITE_OK);
    sqlite3_close(s);

    ck_assert_ok(cs_db_open(&db, path, CS_OPEN_READWRITE));
    ck_assert_int_eq(cs_db_schema_version(db), cs_schema_version());
    ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM customer_merge_item"), 2);
    ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM pragma_table_info('customer_merge')"
                                   " WHERE name = 'moved'"),
                     0);
    /* The unreadable record moved nothing back; the other gives identity 6 and the tag back. */
    ck_assert_ok(cs_customer_unmerge(db, 3));
    ck_assert_ok(cs_customer_lookup(&c, db, 1));
    ck_assert_uint_eq(cs_customer_identity_count(c), 1);
    ck_assert_uint_eq(cs_customer_tag_count(c), 1);
    ck_assert_str_eq(cs_customer_tag(c, 0), "vip");
    cs_customer_free(c);
    ck_assert_int_eq(raw_int(path, "SELECT customer_id FROM identity WHERE id = 6"), 2);
    cs_db_close(db);
    free(path);
}
END_TEST

/* 0013-lean-rows keys the ingest log by message and drops the outbox's copy of a message's
 * body: a retry after the upgrade is still a duplicate with its first result, the item
 * still sends its text, and numbering goes on after the counter row is gone. */
START_TEST(lean_rows_upgrade)
{
    char *path = t_path("v12.db");
    sqlite3 *s = NULL;
    cs_db *db = NULL;
    cs_ingest_result *r = NULL;
    cs_outbox_batch *b = NULL;
    cs_inbound in = CS_INBOUND_INIT;

    ck_assert_int_eq(sqlite3_open(path, &s), SQLITE_OK);
    for (size_t i = 0; i < 12; i++)
        ck_assert_int_eq(sqlite3_exec(s, cs_schema__migrations[i].sql, 0, 0, 0), SQLITE_OK);
    ck_assert_int_eq(
        sqlite3_exec(
            s,
            "PRAGMA user_version = 12; PRAGMA application_id = 1279480644;"
            "INSERT INTO channel (id, kind, name, address, created_at, updated_at)"
            " VALUES (1, 1, 'Mail', 'support@shop.example', 0, 0);"
            "INSERT INTO customer (id, name, created_at, updated_at) VALUES (1, 'Anna', 0, 0);"
            "INSERT INTO identity (id, customer_id, kind, value, created_at)"
            " VALUES (1, 1, 1, 'anna@example.com', 0);"
            "INSERT INTO ticket (id, number, subject, customer_id, channel_id, status, priority,"
            " type, created_at, updated_at) VALUES (1, 1, 'Hallo', 1, 1, 1, 2, 1, 0, 0);"
            "UPDATE counter SET value = 1 WHERE name = 'ticket_number';"
            "INSERT INTO message (id, ticket_id, direction, visibility, channel_id, author_kind,"
            " author_id, subject, body, external_id, created_at, identity_id) VALUES"
            " (1, 1, 1, 1, 1, 2, 1, 'Hallo', 'Wo ist mein Paket?', '<old@example.com>', 0, 1),"
            " (2, 1, 2, 1, 1, 0, NULL, '[#1] Hallo', 'Danke!', NULL, 0, NULL);"
            "INSERT INTO ingest_log (channel_id, external_id, message_id, ticket_id, customer_id,"
            " flags, receipt_id, promised_at) VALUES (1, '<old@example.com>', 1, 1, 1, 9, 1, "
            "86400);"
            "INSERT INTO outbox (id, channel_id, ticket_id, message_id, kind, recipient, subject,"
            " body, next_attempt_at, created_at, identity_id, in_reply_to, refs) VALUES"
            " (1, 1, 1, 2, 'receipt', 'anna@example.com', '[#1] Hallo', 'Danke!', 0, 0, 1,"
            " '<old@example.com>', '<old@example.com>');",
            0, 0, 0),
        SQLITE_OK);
    sqlite3_close(s);

    ck_assert_ok(cs_db_open(&db, path, CS_OPEN_READWRITE));
    ck_assert_int_eq(cs_db_schema_version(db), cs_schema_version());
    ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM outbox WHERE body IS NOT NULL"
                                   " OR refs IS NOT NULL"),
                     0);
    in.channel_id = 1;
    in.external_id = "<old@example.com>";
    in.sender = "anna@example.com";
    in.body = "Wo ist mein Paket?";
    ck_assert_ok(cs_ingest(&r, db, &in));
    ck_assert_int_eq(r->duplicate, 1);
    ck_assert_int_eq(r->message_id, 1);
    ck_assert_int_eq(r->receipt_id, 1);
    ck_assert_str_eq(r->receipt, "Danke!");
    cs_ingest_result_free(r);
    ck_assert_ok(cs_outbox_claim(&b, db, 0, 1, 10, 60));
    ck_assert_uint_eq(cs_outbox_batch_count(b), 1);
    ck_assert_str_eq(cs_outbox_batch_item(b, 0)->body, "Danke!");
    ck_assert_str_eq(cs_outbox_batch_item(b, 0)->subject, "[#1] Hallo");
    ck_assert_str_eq(cs_outbox_batch_item(b, 0)->references, "<old@example.com>");
    cs_outbox_batch_free(b);
    in.external_id = "<new@example.com>";
    in.sender = "bert@example.com";
    ck_assert_ok(cs_ingest(&r, db, &in));
    ck_assert_int_eq(r->ticket_number, 2);
    cs_ingest_result_free(r);
    cs_db_close(db);
    free(path);
}
END_TEST

/* CS_OPEN_RELAXED: every commit of the handle skips the wait for the disk, also after the
 * pick's relaxed section (which restores the handle's own setting, not FULL); another
 * handle on the same file keeps waiting. */
START_TEST(relaxed_open)
{
    char *path = t_path("relaxed.db");
    cs_db *db = NULL, *other = NULL;
    int64_t agent = 0, got = 0;

    ck_assert_ok(cs_db_open(&db, path, CS_OPEN_CREATE | CS_OPEN_RELAXED));
    ck_assert_int_eq(t_sql_int(db, "PRAGMA synchronous"), 1);
    agent = t_agent(db, "Petra", CS_ROLE_AGENT);
    ck_assert_ok(cs_route_set_presence(db, agent, CS_PRESENCE_ONLINE));
    ck_assert_ok(cs_route_next(&got, db, agent));
    ck_assert_int_eq(t_sql_int(db, "PRAGMA synchronous"), 1);
    ck_assert_ok(cs_db_open(&other, path, CS_OPEN_READWRITE));
    ck_assert_int_eq(t_sql_int(other, "PRAGMA synchronous"), 2);
    cs_db_close(other);
    cs_db_close(db);
    free(path);
}
END_TEST

START_TEST(read_only)
{
    char *path = t_path("ro.db");
    cs_db *db = NULL;

    ck_assert_ok(cs_db_open(&db, path, CS_OPEN_CREATE));
    cs_db_close(db);
    ck_assert_ok(cs_db_open(&db, path, CS_OPEN_READONLY));
    ck_assert_rc(cs_db_begin(db), CS_EREADONLY);
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "read-only"));
    cs_db_close(db);
    free(path);
}
END_TEST

static int count_meta(cs_db *db)
{
    sqlite3_stmt *st = cs_db__stmt(db, "SELECT count(*) FROM meta");
    ck_assert_ptr_nonnull(st);
    ck_assert_int_eq(cs_db__step(db, st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    cs_db__done(st);
    return n;
}

static void put_meta(cs_db *db, const char *key)
{
    static const char sql[] = "INSERT INTO meta (key, value) VALUES (?1, 'v')";
    sqlite3_stmt *st = cs_db__stmt(db, sql);
    ck_assert_ptr_nonnull(st);
    cs_db__bind_text(st, 1, key);
    ck_assert_ok(cs_db__exec_stmt(db, st));
}

START_TEST(nested_transactions)
{
    cs_db *db = t_open_memory();
    int base = count_meta(db);

    ck_assert_rc(cs_db_commit(db), CS_EINVAL);
    ck_assert_rc(cs_db_rollback(db), CS_EINVAL);

    ck_assert_ok(cs_db_begin(db));
    put_meta(db, "outer");
    ck_assert_ok(cs_db_begin(db));
    put_meta(db, "inner-undone");
    ck_assert_ok(cs_db_rollback(db));
    ck_assert_ok(cs_db_begin(db));
    put_meta(db, "inner-kept");
    ck_assert_ok(cs_db_commit(db));
    ck_assert_int_eq(count_meta(db), base + 2);
    ck_assert_ok(cs_db_commit(db));
    ck_assert_int_eq(count_meta(db), base + 2);

    ck_assert_ok(cs_db_begin(db));
    put_meta(db, "dropped");
    ck_assert_ok(cs_db_rollback(db));
    ck_assert_int_eq(count_meta(db), base + 2);

    /* An internal failure inside a section rolls back only its own part. */
    ck_assert_ok(cs_db_begin(db));
    put_meta(db, "kept-2");
    ck_assert_ok(cs_db__begin(db));
    put_meta(db, "failed");
    ck_assert_rc(cs_db__end(db, cs_error__inval("x", "bad x")), CS_EINVAL);
    ck_assert_str_eq(cs_error_last()->message, "bad x");
    ck_assert_field("x");
    ck_assert_ok(cs_db_commit(db));
    ck_assert_int_eq(count_meta(db), base + 3);

    /* A duplicate key maps to CS_EEXISTS. */
    ck_assert_ok(cs_db__begin(db));
    static const char sql[] = "INSERT INTO meta (key, value) VALUES ('outer', 'v')";
    sqlite3_stmt *st = cs_db__stmt(db, sql);
    int rc = cs_db__exec_stmt(db, st);
    ck_assert_int_eq(rc, CS_EEXISTS);
    ck_assert_rc(cs_db__end(db, rc), CS_EEXISTS);
    ck_assert_int_eq(db->txn_depth, 0);
    cs_db_close(db);
}
END_TEST

START_TEST(close_rolls_back_open_section)
{
    char *path = t_path("close.db");
    cs_db *db = NULL;

    ck_assert_ok(cs_db_open(&db, path, CS_OPEN_CREATE));
    int base = count_meta(db);
    ck_assert_ok(cs_db_begin(db));
    put_meta(db, "never");
    cs_db_close(db);
    ck_assert_ok(cs_db_open(&db, path, CS_OPEN_READWRITE));
    ck_assert_int_eq(count_meta(db), base);
    cs_db_close(db);
    free(path);
}
END_TEST

static cs_time fixed_clock(void *payload)
{
    return *(cs_time *)payload;
}

START_TEST(clock_injection)
{
    cs_db *db = NULL;
    cs_time fake = 1000000000;

    ck_assert_ok(cs_db_open(&db, ":memory:", CS_OPEN_CREATE));
    ck_assert_int_gt(cs_db_now(db), 1700000000);
    cs_db_set_clock(db, fixed_clock, &fake);
    ck_assert_int_eq(cs_db_now(db), 1000000000);
    fake += 61;
    ck_assert_int_eq(cs_db_now(db), 1000000061);
    cs_db_set_clock(db, NULL, NULL);
    ck_assert_int_gt(cs_db_now(db), 1700000000);
    ck_assert_rc(cs_db_set_busy_timeout(db, -1), CS_EINVAL);
    ck_assert_field("milliseconds");
    ck_assert_ok(cs_db_set_busy_timeout(db, 100));
    cs_db_close(db);
}
END_TEST

START_TEST(error_texts)
{
    static const int all[] = {CS_OK,        CS_ERROR,    CS_ENOTFOUND, CS_EEXISTS, CS_EINVAL,
                              CS_ECONFLICT, CS_EPERM,    CS_EBUSY,     CS_ENOMEM,  CS_EDB,
                              CS_EVERSION,  CS_ITEROVER, CS_EREADONLY};
    for (size_t i = 0; i < CS_ARRAY_SIZE(all); i++) {
        ck_assert_str_ne(cs_strerror(all[i]), "unknown error");
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(cs_status_name(all[i]), cs_status_name(all[j]));
    }
    ck_assert_str_eq(cs_strerror(-999), "unknown error");
    ck_assert_str_eq(cs_status_name(CS_EINVAL), "EINVAL");
    ck_assert_str_eq(cs_status_name(-999), "ERROR");

    cs_error__set(CS_EINVAL, "subject", "subject is %d bytes long", 70000);
    ck_assert_int_eq(cs_error_last()->code, CS_EINVAL);
    ck_assert_str_eq(cs_error_last()->field, "subject");
    ck_assert_str_eq(cs_error_last()->message, "subject is 70000 bytes long");
    cs_error_clear();
    ck_assert_int_eq(cs_error_last()->code, CS_OK);
    ck_assert_str_eq(cs_error_last()->message, "");
    ck_assert_str_eq(cs_error_last()->field, "");

    int major = -1, minor = -1, patch = -1;
    ck_assert_str_eq(cs_version(&major, &minor, &patch), CS_VERSION_STRING);
    ck_assert_int_eq(major * 10000 + minor * 100 + patch, CS_VERSION_NUMBER);
}
END_TEST

/* Errors are per thread: one thread's failure does not show in another. */
static void *error_in_thread(void *arg)
{
    (void)arg;
    cs_error__set(CS_EPERM, "actor", "from the thread");
    return NULL;
}

START_TEST(errors_are_thread_local)
{
    pthread_t t;
    cs_error__set(CS_EINVAL, "main", "from main");
    ck_assert_int_eq(pthread_create(&t, NULL, error_in_thread, NULL), 0);
    pthread_join(t, NULL);
    ck_assert_int_eq(cs_error_last()->code, CS_EINVAL);
    ck_assert_str_eq(cs_error_last()->message, "from main");
}
END_TEST

struct writer {
    const char *path;
    int id;
    int failures;
    char error[256];
};

#define WRITES_PER_THREAD 150

static void *writer_thread(void *arg)
{
    struct writer *w = arg;
    cs_db *db = NULL;
    char key[32];

    if (cs_db_open(&db, w->path, CS_OPEN_READWRITE) < 0) {
        w->failures++;
        snprintf(w->error, sizeof(w->error), "open: %s", cs_error_last()->message);
        return NULL;
    }
    for (int i = 0; i < WRITES_PER_THREAD; i++) {
        static const char sql[] = "INSERT INTO meta (key, value) VALUES (?1, 'v')";
        snprintf(key, sizeof(key), "t%d-%d", w->id, i);
        int rc = cs_db_begin(db);
        if (rc == CS_OK) {
            sqlite3_stmt *st = cs_db__stmt(db, sql);
            rc = st ? CS_OK : cs_error_last()->code;
            if (st) {
                cs_db__bind_text(st, 1, key);
                rc = cs_db__exec_stmt(db, st);
            }
            rc = rc == CS_OK ? cs_db_commit(db) : cs_db__end(db, rc);
        }
        if (rc != CS_OK) {
            w->failures++;
            snprintf(w->error, sizeof(w->error), "%s: %s", key, cs_error_last()->message);
        }
    }
    cs_db_close(db);
    return NULL;
}

START_TEST(two_handles_two_threads)
{
    char *path = t_path("threads.db");
    struct writer w[2] = {{path, 1, 0, ""}, {path, 2, 0, ""}};
    pthread_t t[2];
    cs_db *db = NULL;

    ck_assert_ok(cs_db_open(&db, path, CS_OPEN_CREATE));
    int base = count_meta(db);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, writer_thread, &w[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        ck_assert_msg(w[i].failures == 0, "thread %d: %d failures, last %s", i, w[i].failures,
                      w[i].error);
    }
    ck_assert_int_eq(count_meta(db), base + 2 * WRITES_PER_THREAD);
    cs_db_close(db);
    free(path);
}
END_TEST

START_TEST(open_allocation_failures)
{
    char *path = t_path("nomem.db");
    int failures = 0;

    for (long n = 1; n < 64; n++) {
        cs_db *db = NULL;
        cs_mem__fail_after(n);
        int rc = cs_db_open(&db, path, CS_OPEN_CREATE);
        cs_mem__fail_after(0);
        if (rc == CS_OK) {
            ck_assert_ptr_nonnull(db);
            cs_db_close(db);
            break;
        }
        ck_assert_rc(rc, CS_ENOMEM);
        ck_assert_ptr_null(db);
        failures++;
    }
    ck_assert_int_gt(failures, 0);
    free(path);
}
END_TEST

/* cs_tick() checkpoints the WAL, so commits on the hot path do not have to: the rows written
 * before a tick reach the database file itself. */
START_TEST(tick_checkpoints_the_wal)
{
    char *path = t_path("checkpoint.db");
    cs_tick_result *r = NULL;
    struct stat before, after;
    cs_db *db = NULL;
    char key[600];

    ck_assert_ok(cs_db_open(&db, path, CS_OPEN_CREATE));
    ck_assert_int_eq(stat(path, &before), 0);
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof(key), "%0500d", i); /* about 30 pages in all */
        put_meta(db, key);
    }
    ck_assert_int_eq(stat(path, &after), 0);
    ck_assert_int_eq(after.st_size, before.st_size); /* all of it still in the WAL */
    ck_assert_ok(cs_tick(&r, db, t_now));
    cs_tick_result_free(r);
    ck_assert_int_eq(stat(path, &after), 0);
    ck_assert_int_gt(after.st_size, before.st_size + 20 * 4096);
    cs_db_close(db);
    free(path);
}
END_TEST

static int64_t ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Try a write on `waiter` while another handle holds the write lock; return how long it took
 * to give up. */
static int64_t busy_write_ms(cs_db *waiter, bool section)
{
    struct timespec t0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (section)
        ck_assert_rc(cs_db_begin(waiter), CS_EBUSY);
    else
        ck_assert_rc(cs_setting_set(waiter, "outbox.backoff", 30), CS_EBUSY);
    return ms_since(&t0);
}

/* SQLite's busy handler and libcs's own retries draw on one budget: a write gives up after
 * about the busy timeout, not twice it. */
START_TEST(busy_timeout_is_one_budget)
{
    char *path = t_path("busy.db");
    cs_db *holder = NULL, *waiter = NULL;
    int64_t ms;

    ck_assert_ok(cs_db_open(&holder, path, CS_OPEN_CREATE));
    ck_assert_ok(cs_db_open(&waiter, path, CS_OPEN_READWRITE));
    ck_assert_ok(cs_db_set_busy_timeout(waiter, 1000));
    ck_assert_ok(cs_db_begin(holder));
    put_meta(holder, "held");

    ms = busy_write_ms(waiter, false);
    ck_assert_msg(ms >= 950 && ms < 1600, "a mutation gave up after %lld ms, not about 1000",
                  (long long)ms);
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "locked"));
    ms = busy_write_ms(waiter, true);
    ck_assert_msg(ms >= 950 && ms < 1600, "cs_db_begin gave up after %lld ms, not about 1000",
                  (long long)ms);
    ck_assert_int_eq(waiter->txn_depth, 0);
    ck_assert_ok(cs_db_set_busy_timeout(waiter, 0));
    ms = busy_write_ms(waiter, false);
    ck_assert_msg(ms < 300, "a timeout of 0 still waited %lld ms", (long long)ms);

    /* Once the lock is free the same handle writes at once. */
    ck_assert_ok(cs_db_commit(holder));
    ck_assert_ok(cs_setting_set(waiter, "outbox.backoff", 30));
    cs_db_close(waiter);
    cs_db_close(holder);
    free(path);
}
END_TEST

/* Iterators and writes ---------------------------------------------------------------- */

#define ITER_ROWS 250   /* more than two pages of every iterator */
#define ITER_BIG 300000 /* every 50th message body: pages of messages are bounded in bytes too */

/* Handle a iterates and writes, handle b writes in between. What the writes touch stays out
 * of the lists, so each list must come out exactly as it is in the database. */
static struct {
    char *path;
    cs_db *a, *b;
    int64_t org, ticket, scratch;
    int writes;
} fx;

static void fill_iter_fixture(cs_db *db)
{
    char *big = malloc(ITER_BIG + 1);
    char sql[256];
    int64_t first = 0;

    ck_assert_ptr_nonnull(big);
    memset(big, 'x', ITER_BIG);
    big[ITER_BIG] = '\0';
    ck_assert_ok(cs_db_begin(db));
    fx.org = t_organization(db, "Listed", 0);
    for (int i = 0; i < ITER_ROWS; i++) {
        int64_t c = t_customer(db, "Listed customer", NULL);
        first = first ? first : c;
        int64_t t = t_ticket(db, first, "Listed ticket");
        fx.ticket = fx.ticket ? fx.ticket : t;
        snprintf(sql, sizeof(sql), "UPDATE customer SET organization_id = %lld WHERE id = %lld",
                 (long long)fx.org, (long long)c);
        t_sql_int(db, sql);
        if (i % 3) {
            snprintf(sql, sizeof(sql), "INSERT INTO ticket_tag VALUES (%lld, 'listed')",
                     (long long)t);
            t_sql_int(db, sql);
        }
        /* Deadlines with ties, a second clock on some tickets, none on every fifth. */
        if (i % 5) {
            snprintf(sql, sizeof(sql),
                     "INSERT INTO ticket_sla (ticket_id, metric, policy_id, state, started_at,"
                     " target, target_at) VALUES (%lld, 1, 1, 1, %lld, 3600, %lld)",
                     (long long)t, (long long)t_now, (long long)(t_now + (i % 40) * 60));
            t_sql_int(db, sql);
        }
        if (i % 7 == 1) {
            snprintf(sql, sizeof(sql),
                     "INSERT INTO ticket_sla (ticket_id, metric, policy_id, state, started_at,"
                     " target, target_at) VALUES (%lld, 2, 1, 1, %lld, 60, %lld)",
                     (long long)t, (long long)t_now, (long long)(t_now + (i % 13) * 60));
            t_sql_int(db, sql);
        }
        t_message(db, fx.ticket, CS_ACTOR_CUSTOMER, first,
                  i % 4 ? CS_VISIBILITY_PUBLIC : CS_VISIBILITY_INTERNAL, i % 50 ? "small" : big);
        ck_assert_ok(cs_audit__record(db, &cs_actor__system, "ticket", fx.ticket, fx.ticket, first,
                                      "update", "priority", "1", "2"));
    }
    fx.scratch = t_ticket(db, first, "Written by a");
    t_sql_int(db, "UPDATE ticket SET status = 1 WHERE id = (SELECT max(id) FROM ticket)");
    ck_assert_ok(cs_db_commit(db));
    free(big);
}

static void iter_setup(void)
{
    memset(&fx, 0, sizeof(fx));
    fx.path = t_path("iterators.db");
    ck_assert_ok(cs_db_open(&fx.a, fx.path, CS_OPEN_CREATE));
    cs_db_set_clock(fx.a, t_clock, NULL);
    fill_iter_fixture(fx.a);
    ck_assert_ok(cs_db_open(&fx.b, fx.path, CS_OPEN_READWRITE));
    /* Before, a write on a behind its own open iterator waited out the whole timeout. */
    ck_assert_ok(cs_db_set_busy_timeout(fx.a, 2000));
    ck_assert_ok(cs_db_set_busy_timeout(fx.b, 2000));
}

static void iter_teardown(void)
{
    cs_db_close(fx.b);
    cs_db_close(fx.a);
    free(fx.path);
}

/* b commits (so a's snapshot, if it kept one, is stale), then a writes. */
static void writes_between(void)
{
    cs_customer_fields c = CS_CUSTOMER_FIELDS_INIT;
    cs_ticket_fields t = CS_TICKET_FIELDS_INIT;
    int64_t id;

    c.name = "Written by b";
    ck_assert_ok(cs_customer_create(&id, fx.b, &c));
    t.priority = fx.writes++ % 2 ? CS_PRIORITY_HIGH : CS_PRIORITY_LOW;
    ck_assert_ok(cs_ticket_update(fx.a, fx.scratch, &t));
}

/* The ids `sql` (with ?1 bound to `param`) returns, in order. */
static size_t sql_ids(int64_t *out, size_t max, const char *sql, int64_t param)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;

    ck_assert_int_eq(sqlite3_prepare_v2(fx.a->sql, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_int64(st, 1, param);
    while (sqlite3_step(st) == SQLITE_ROW) {
        ck_assert_uint_lt(n, max);
        out[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

typedef int (*next_id_fn)(int64_t *id, void *it);

/* Walk an iterator, writing between items (also around the first page's end), and compare
 * it with the ids `sql` returns. */
static void walk(next_id_fn next, void *it, const char *sql, int64_t param)
{
    int64_t want[2 * ITER_ROWS], id;
    size_t nwant = sql_ids(want, CS_ARRAY_SIZE(want), sql, param), n = 0;
    int rc;

    ck_assert_uint_gt(nwant, 100);
    while ((rc = next(&id, it)) == CS_OK) {
        ck_assert_msg(n < nwant && id == want[n], "item %zu is %lld, expected %lld", n,
                      (long long)id, (long long)(n < nwant ? want[n] : -1));
        if (n % 40 == 0 || n == 99 || n == 100)
            writes_between();
        n++;
    }
    ck_assert_rc(rc, CS_ITEROVER);
    ck_assert_uint_eq(n, nwant);
    ck_assert_rc(next(&id, it), CS_ITEROVER);
}

static int next_ticket(int64_t *id, void *it)
{
    const cs_ticket *t = NULL;
    int rc = cs_ticket_next(&t, it);
    *id = rc == CS_OK ? cs_ticket_id(t) : 0;
    return rc;
}

static int next_customer(int64_t *id, void *it)
{
    const cs_customer *c = NULL;
    int rc = cs_customer_next(&c, it);
    if (rc == CS_OK)
        ck_assert_str_eq(cs_customer_name(c), "Listed customer");
    *id = rc == CS_OK ? cs_customer_id(c) : 0;
    return rc;
}

static int next_message(int64_t *id, void *it)
{
    const cs_message *m = NULL;
    int rc = cs_message_next(&m, it);
    if (rc == CS_OK && cs_message_body(m)[0] == 'x')
        ck_assert_uint_eq(strlen(cs_message_body(m)), ITER_BIG);
    else if (rc == CS_OK)
        ck_assert_str_eq(cs_message_body(m), "small");
    *id = rc == CS_OK ? cs_message_id(m) : 0;
    return rc;
}

static int next_audit(int64_t *id, void *it)
{
    const cs_audit_entry *e = NULL;
    int rc = cs_audit_next(&e, it);
    if (rc == CS_OK) {
        ck_assert_str_eq(e->object, "ticket");
        ck_assert_str_eq(e->action, "update");
        ck_assert_str_eq(e->field, "priority");
        ck_assert_str_eq(e->new_value, "2");
    }
    *id = rc == CS_OK ? e->id : 0;
    return rc;
}

static int next_queued(int64_t *id, void *it)
{
    const cs_sla_queue_item *item = NULL;
    int rc = cs_sla_queue_next(&item, it);
    *id = rc == CS_OK ? cs_sla_queue_item_ticket_id(item) : 0;
    return rc;
}

START_TEST(ticket_iter_lets_writes_through)
{
    cs_ticket_filter f = CS_TICKET_FILTER_INIT;
    cs_ticket_iter *it = NULL;

    f.statuses = 1u << CS_STATUS_OPEN;
    ck_assert_ok(cs_ticket_iter_new(&it, fx.a, &f));
    walk(next_ticket, it, "SELECT id FROM ticket WHERE status = 2 ORDER BY id", 0);
    cs_ticket_iter_free(it);

    /* Along the tag's index, newest first. */
    f.tag = "listed";
    f.order = CS_ORDER_ID_DESC;
    ck_assert_ok(cs_ticket_iter_new(&it, fx.a, &f));
    walk(next_ticket, it,
         "SELECT ticket_id FROM ticket_tag WHERE tag = 'listed'"
         " ORDER BY ticket_id DESC",
         0);
    cs_ticket_iter_free(it);

    /* A start and a limit that span pages. */
    f = (cs_ticket_filter)CS_TICKET_FILTER_INIT;
    f.statuses = 1u << CS_STATUS_OPEN;
    f.after = fx.ticket + 10;
    f.limit = 130;
    ck_assert_ok(cs_ticket_iter_new(&it, fx.a, &f));
    walk(next_ticket, it,
         "SELECT id FROM ticket WHERE status = 2 AND id > ?1 ORDER BY id"
         " LIMIT 130",
         fx.ticket + 10);
    cs_ticket_iter_free(it);
}
END_TEST

START_TEST(customer_iter_lets_writes_through)
{
    cs_customer_iter *it = NULL;

    ck_assert_ok(cs_customer_iter_new(&it, fx.a, fx.org, 0, 0));
    walk(next_customer, it, "SELECT id FROM customer WHERE organization_id = ?1 ORDER BY id",
         fx.org);
    cs_customer_iter_free(it);
    ck_assert_ok(cs_customer_iter_new(&it, fx.a, fx.org, 10, 120));
    walk(next_customer, it,
         "SELECT id FROM customer WHERE organization_id = ?1 AND id > 10"
         " ORDER BY id LIMIT 120",
         fx.org);
    cs_customer_iter_free(it);
}
END_TEST

START_TEST(message_iter_lets_writes_through)
{
    cs_message_iter *it = NULL;

    ck_assert_ok(cs_message_iter_new(&it, fx.a, fx.ticket));
    walk(next_message, it, "SELECT id FROM message WHERE ticket_id = ?1 ORDER BY id", fx.ticket);
    cs_message_iter_free(it);
}
END_TEST

START_TEST(audit_iter_lets_writes_through)
{
    cs_audit_iter *it = NULL;

    ck_assert_ok(cs_audit_iter_new(&it, fx.a, CS_AUDIT_TICKET, fx.ticket, NULL));
    walk(next_audit, it, "SELECT id FROM audit WHERE ticket_id = ?1 ORDER BY id", fx.ticket);
    cs_audit_iter_free(it);
}
END_TEST

/* The queue today: tickets with a running deadline by their earliest one (ties by id), then
 * the new and open tickets without one, by id. */
static const char sql_queue_order[] =
    "SELECT id FROM (SELECT ticket_id AS id, min(target_at) AS due, 0 AS part FROM ticket_sla"
    " WHERE state = 1 GROUP BY ticket_id UNION ALL SELECT id, 0, 1 FROM ticket WHERE status"
    " IN (1, 2) AND id NOT IN (SELECT ticket_id FROM ticket_sla WHERE state = 1))"
    " ORDER BY part, due, id";

START_TEST(queue_iter_lets_writes_through)
{
    cs_sla_queue_filter f = CS_SLA_QUEUE_FILTER_INIT;
    cs_sla_queue_iter *it = NULL;

    ck_assert_ok(cs_sla_queue_iter_new(&it, fx.a, NULL));
    walk(next_queued, it, sql_queue_order, 0);
    cs_sla_queue_iter_free(it);
    f.due_after = t_now + 60;
    f.due_until = t_now + 35 * 60;
    ck_assert_ok(cs_sla_queue_iter_new(&it, fx.a, &f));
    walk(next_queued, it,
         "SELECT ticket_id FROM ticket_sla WHERE state = 1"
         " GROUP BY ticket_id HAVING min(target_at) > ?1"
         " AND min(target_at) <= ?1 + 34 * 60 ORDER BY min(target_at), ticket_id",
         t_now + 60);
    cs_sla_queue_iter_free(it);
}
END_TEST

/* A ticket whose deadline moves past the iterator's position while the queue is read, or
 * whose clocks stop, still comes up once. */
START_TEST(queue_iter_yields_a_moved_ticket_once)
{
    cs_sla_queue_iter *it = NULL;
    const cs_sla_queue_item *item = NULL;
    int64_t seen[2 * ITER_ROWS], first;
    size_t n = 0;
    int rc;

    ck_assert_ok(cs_sla_queue_iter_new(&it, fx.a, NULL));
    ck_assert_ok(cs_sla_queue_next(&item, it));
    seen[n++] = first = cs_sla_queue_item_ticket_id(item);
    ck_assert_ok(cs_sla_queue_next(&item, it));
    seen[n++] = cs_sla_queue_item_ticket_id(item);
    sqlite3_exec(fx.b->sql, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    char sql[160];
    snprintf(sql, sizeof(sql),
             "UPDATE ticket_sla SET target_at = target_at + 86400"
             " WHERE ticket_id = %lld",
             (long long)first);
    ck_assert_int_eq(sqlite3_exec(fx.b->sql, sql, NULL, NULL, NULL), SQLITE_OK);
    snprintf(sql, sizeof(sql), "UPDATE ticket_sla SET state = 3 WHERE ticket_id = %lld",
             (long long)cs_sla_queue_item_ticket_id(item));
    ck_assert_int_eq(sqlite3_exec(fx.b->sql, sql, NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(fx.b->sql, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    while ((rc = cs_sla_queue_next(&item, it)) == CS_OK) {
        int64_t id = cs_sla_queue_item_ticket_id(item);
        for (size_t i = 0; i < n; i++)
            ck_assert_msg(seen[i] != id, "ticket %lld came up twice", (long long)id);
        ck_assert_uint_lt(n, CS_ARRAY_SIZE(seen));
        seen[n++] = id;
    }
    ck_assert_rc(rc, CS_ITEROVER);
    ck_assert_uint_eq(
        n, (size_t)t_sql_int(fx.a, "SELECT count(*) FROM ticket WHERE status IN (1, 2)"));
    cs_sla_queue_iter_free(it);
}
END_TEST

/* Assert the position recorded for `job` (NULL: none). */
static void ck_progress(cs_db *db, const char *job, const char *want)
{
    char *pos = NULL;

    ck_assert_ok(cs_progress_get(&pos, db, job));
    if (want)
        ck_assert_str_eq(pos, want);
    else
        ck_assert_ptr_null(pos);
    cs_str_free(pos);
}

/* A job's progress commits and rolls back with the caller's work, and another handle sees
 * it. */
START_TEST(job_progress)
{
    char *path = t_path("progress.db"), *pos = NULL;
    char long_text[CS_PROGRESS_JOB_MAX + 2];
    cs_db *db = NULL, *other = NULL;

    ck_assert_ok(cs_db_open(&db, path, CS_OPEN_CREATE));
    ck_assert_ok(cs_db_open(&other, path, CS_OPEN_READWRITE));
    ck_progress(db, "import a.jsonl", NULL);
    ck_assert_ok(cs_progress_set(db, "import a.jsonl", "120 7"));
    ck_assert_ok(cs_progress_set(db, "import b.jsonl", "1"));
    ck_progress(other, "import a.jsonl", "120 7");

    /* Inside an atomic section: gone with a rollback, kept with a commit. */
    ck_assert_ok(cs_db_begin(db));
    ck_assert_ok(cs_progress_set(db, "import a.jsonl", "240 14"));
    ck_assert_ok(cs_db_rollback(db));
    ck_progress(db, "import a.jsonl", "120 7");
    ck_assert_ok(cs_db_begin(db));
    ck_assert_ok(cs_progress_set(db, "import a.jsonl", "240 14"));
    ck_assert_ok(cs_db_commit(db));
    ck_progress(other, "import a.jsonl", "240 14");

    /* Done: forgotten, the other job kept. */
    ck_assert_ok(cs_progress_set(db, "import a.jsonl", NULL));
    ck_progress(db, "import a.jsonl", NULL);
    ck_progress(db, "import b.jsonl", "1");
    ck_assert_ok(cs_progress_set(db, "import b.jsonl", ""));
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM meta WHERE key LIKE 'progress:%'"), 0);

    ck_assert_rc(cs_progress_set(NULL, "j", "1"), CS_EINVAL);
    ck_assert_field("db");
    ck_assert_rc(cs_progress_set(db, "", "1"), CS_EINVAL);
    ck_assert_field("job");
    ck_assert_rc(cs_progress_get(&pos, db, NULL), CS_EINVAL);
    ck_assert_field("job");
    ck_assert_rc(cs_progress_get(NULL, db, "j"), CS_EINVAL);
    ck_assert_field("position");
    ck_assert_rc(cs_progress_set(db, "j", "\xff"), CS_EINVAL);
    ck_assert_field("position");
    memset(long_text, 'p', sizeof(long_text) - 1);
    long_text[CS_PROGRESS_MAX + 1] = '\0';
    ck_assert_rc(cs_progress_set(db, "j", long_text), CS_EINVAL);
    ck_assert_field("position");
    memset(long_text, 'p', sizeof(long_text) - 1);
    long_text[CS_PROGRESS_JOB_MAX + 1] = '\0';
    ck_assert_rc(cs_progress_set(db, long_text, "1"), CS_EINVAL);
    ck_assert_field("job");

    int64_t customer = t_customer(db, "Kim", NULL), light = t_agent(db, "Lea", CS_ROLE_LIGHT);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_CUSTOMER, customer));
    ck_assert_rc(cs_progress_set(db, "j", "1"), CS_EPERM);
    ck_assert_rc(cs_progress_get(&pos, db, "j"), CS_EPERM);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, light));
    ck_assert_rc(cs_progress_set(db, "j", "1"), CS_EPERM);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, t_agent(db, "Max", CS_ROLE_AGENT)));
    ck_assert_ok(cs_progress_set(db, "j", "1"));
    cs_db_close(other);
    cs_db_close(db);
    ck_assert_ok(cs_db_open(&db, path, CS_OPEN_READONLY));
    ck_assert_rc(cs_progress_set(db, "j", "1"), CS_EREADONLY);
    cs_db_close(db);
    free(path);
}
END_TEST

/* A rollback the database refuses is reported, not taken for success. Here the savepoint
 * was released behind the handle's back, so ROLLBACK TO finds none. */
START_TEST(failed_rollback_is_reported)
{
    cs_db *db = t_open_memory();

    ck_assert_ok(cs_db_begin(db));
    ck_assert_ok(cs_db_begin(db));
    ck_assert_int_eq(sqlite3_exec(db->sql, "RELEASE cs", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_rc(cs_db_rollback(db), CS_EDB);
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "no such savepoint"));
    /* The outer section is still there, and ends normally. */
    ck_assert_ok(cs_db_rollback(db));
    ck_assert_rc(cs_db_rollback(db), CS_EINVAL);
    cs_db_close(db);
}
END_TEST

/* The init functions give what the _INIT macros give, and for an older version of a struct
 * write no byte past its end. */
#define SAME_AS_MACRO(type, fn, INIT, VERSION)                                                     \
    do {                                                                                           \
        static const type want = INIT;                                                             \
        type got;                                                                                  \
        memset(&got, 0xAA, sizeof(got));                                                           \
        ck_assert_ok(fn(&got, VERSION));                                                           \
        ck_assert_int_eq(memcmp(&want, &got, sizeof(got)), 0);                                     \
        ck_assert_rc(fn(&got, 0), CS_EINVAL);                                                      \
        ck_assert_field("version");                                                                \
        ck_assert_rc(fn(&got, (VERSION) + 1), CS_EINVAL);                                          \
        ck_assert_rc(fn(NULL, VERSION), CS_EINVAL);                                                \
    } while (0)

START_TEST(options_init_functions)
{
    cs_reply_options r;
    cs_agent_fields a;
    cs_channel_fields c;
    unsigned char *bytes;

    SAME_AS_MACRO(cs_customer_fields, cs_customer_fields_init, CS_CUSTOMER_FIELDS_INIT,
                  CS_CUSTOMER_FIELDS_VERSION);
    SAME_AS_MACRO(cs_channel_fields, cs_channel_fields_init, CS_CHANNEL_FIELDS_INIT,
                  CS_CHANNEL_FIELDS_VERSION);
    SAME_AS_MACRO(cs_agent_fields, cs_agent_fields_init, CS_AGENT_FIELDS_INIT,
                  CS_AGENT_FIELDS_VERSION);
    SAME_AS_MACRO(cs_custom_field, cs_custom_field_init, CS_CUSTOM_FIELD_INIT,
                  CS_CUSTOM_FIELD_VERSION);
    SAME_AS_MACRO(cs_ticket_fields, cs_ticket_fields_init, CS_TICKET_FIELDS_INIT,
                  CS_TICKET_FIELDS_VERSION);
    SAME_AS_MACRO(cs_ticket_filter, cs_ticket_filter_init, CS_TICKET_FILTER_INIT,
                  CS_TICKET_FILTER_VERSION);
    SAME_AS_MACRO(cs_message_fields, cs_message_fields_init, CS_MESSAGE_FIELDS_INIT,
                  CS_MESSAGE_FIELDS_VERSION);
    SAME_AS_MACRO(cs_inbound, cs_inbound_init, CS_INBOUND_INIT, CS_INBOUND_VERSION);
    SAME_AS_MACRO(cs_mail_options, cs_mail_options_init, CS_MAIL_OPTIONS_INIT,
                  CS_MAIL_OPTIONS_VERSION);
    SAME_AS_MACRO(cs_reply_options, cs_reply_options_init, CS_REPLY_OPTIONS_INIT,
                  CS_REPLY_OPTIONS_VERSION);
    SAME_AS_MACRO(cs_route_group_fields, cs_route_group_fields_init, CS_ROUTE_GROUP_FIELDS_INIT,
                  CS_ROUTE_GROUP_FIELDS_VERSION);
    SAME_AS_MACRO(cs_route_report, cs_route_report_init, CS_ROUTE_REPORT_INIT,
                  CS_ROUTE_REPORT_VERSION);
    SAME_AS_MACRO(cs_callback_fields, cs_callback_fields_init, CS_CALLBACK_FIELDS_INIT,
                  CS_CALLBACK_FIELDS_VERSION);
    SAME_AS_MACRO(cs_sla_policy_fields, cs_sla_policy_fields_init, CS_SLA_POLICY_FIELDS_INIT,
                  CS_SLA_POLICY_FIELDS_VERSION);
    SAME_AS_MACRO(cs_sla_queue_filter, cs_sla_queue_filter_init, CS_SLA_QUEUE_FILTER_INIT,
                  CS_SLA_QUEUE_FILTER_VERSION);

    /* A version 1 reply struct ends before `recipient`, a version 1 channel struct before
     * `locale`, a version 1 agent struct before `ticket_access`: nothing after is touched. */
    memset(&r, 0xAA, sizeof(r));
    ck_assert_ok(cs_reply_options_init(&r, 1));
    ck_assert_uint_eq(r.version, 1);
    ck_assert_int_eq(r.channel_id, 0);
    bytes = (unsigned char *)&r;
    for (size_t i = offsetof(cs_reply_options, recipient); i < sizeof(r); i++)
        ck_assert_uint_eq(bytes[i], 0xAA);
    memset(&c, 0xAA, sizeof(c));
    ck_assert_ok(cs_channel_fields_init(&c, 1));
    ck_assert_uint_eq(c.version, 1);
    ck_assert_int_eq(c.enabled, CS_UNSET);
    bytes = (unsigned char *)&c;
    for (size_t i = offsetof(cs_channel_fields, locale); i < sizeof(c); i++)
        ck_assert_uint_eq(bytes[i], 0xAA);
    memset(&a, 0xAA, sizeof(a));
    ck_assert_ok(cs_agent_fields_init(&a, 1));
    ck_assert_int_eq(a.active, CS_UNSET);
    bytes = (unsigned char *)&a;
    for (size_t i = offsetof(cs_agent_fields, ticket_access); i < sizeof(a); i++)
        ck_assert_uint_eq(bytes[i], 0xAA);
}
END_TEST

/* The structs a caller allocates, and the elements of the arrays it hands in, keep their
 * layout within a version: a new field means a new version of the struct (for an element,
 * of the struct whose array holds it), and the library still reads the older layout. A
 * size that changes here without that is an ABI break. Sizes on LP64. */
START_TEST(caller_struct_sizes)
{
    static const struct {
        const char *name;
        size_t size, expected;
    } sizes[] = {
#define SIZE(T, N) {#T, sizeof(T), N}
        SIZE(cs_agent_fields, 72),    SIZE(cs_channel_fields, 64),     SIZE(cs_custom_field, 24),
        SIZE(cs_customer_fields, 80), SIZE(cs_identity_spec, 16),      SIZE(cs_inbound, 120),
        SIZE(cs_mail_options, 24),    SIZE(cs_message_fields, 72),     SIZE(cs_attachment_spec, 48),
        SIZE(cs_reply_options, 56),   SIZE(cs_route_group_fields, 12), SIZE(cs_route_report, 40),
        SIZE(cs_callback_fields, 56), SIZE(cs_sla_policy_fields, 72),  SIZE(cs_sla_condition, 24),
        SIZE(cs_sla_target, 32),      SIZE(cs_sla_queue_filter, 24),   SIZE(cs_ticket_fields, 88),
        SIZE(cs_ticket_filter, 88),
#undef SIZE
    };

    if (sizeof(void *) != 8 || sizeof(long) != 8)
        return;
    for (size_t i = 0; i < CS_ARRAY_SIZE(sizes); i++)
        ck_assert_msg(sizes[i].size == sizes[i].expected,
                      "%s is %zu bytes, was %zu: a new layout needs a new version", sizes[i].name,
                      sizes[i].size, sizes[i].expected);
}
END_TEST

Suite *cs_db_suite(void)
{
    Suite *s = suite_create("db");
    TCase *tc = tcase_create("db");

    tcase_add_test(tc, options_init_functions);
    tcase_add_test(tc, caller_struct_sizes);
    tcase_add_test(tc, failed_rollback_is_reported);

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, open_memory);
    tcase_add_test(tc, open_bad_arguments);
    tcase_add_test(tc, open_missing_without_create);
    tcase_add_test(tc, create_and_reopen);
    tcase_add_test(tc, refuse_newer_schema);
    tcase_add_test(tc, refuse_foreign_database);
    tcase_add_test(tc, empty_file_needs_create);
    tcase_add_test(tc, migrations_in_order);
    tcase_add_test(tc, merge_records_upgrade);
    tcase_add_test(tc, lean_rows_upgrade);
    tcase_add_test(tc, relaxed_open);
    tcase_add_test(tc, read_only);
    tcase_add_test(tc, nested_transactions);
    tcase_add_test(tc, close_rolls_back_open_section);
    tcase_add_test(tc, clock_injection);
    tcase_add_test(tc, error_texts);
    tcase_add_test(tc, errors_are_thread_local);
    tcase_add_test(tc, two_handles_two_threads);
    tcase_add_test(tc, open_allocation_failures);
    tcase_add_test(tc, tick_checkpoints_the_wal);
    suite_add_tcase(s, tc);

    tc = tcase_create("busy");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, busy_timeout_is_one_budget);
    suite_add_tcase(s, tc);

    tc = tcase_create("progress");
    tcase_add_test(tc, job_progress);
    suite_add_tcase(s, tc);

    tc = tcase_create("iterators");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, iter_setup, iter_teardown);
    tcase_add_test(tc, ticket_iter_lets_writes_through);
    tcase_add_test(tc, customer_iter_lets_writes_through);
    tcase_add_test(tc, message_iter_lets_writes_through);
    tcase_add_test(tc, audit_iter_lets_writes_through);
    tcase_add_test(tc, queue_iter_lets_writes_through);
    tcase_add_test(tc, queue_iter_yields_a_moved_ticket_once);
    suite_add_tcase(s, tc);
    return s;
}
