/*
 * Customers: identity normalisation, create/lookup/find/update, identities, the iterator,
 * merge and unmerge, export, erasure, permissions and allocation failures.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"
#include "helpers.h"

/* Row counts of every table a customer operation writes, to show that nothing was. */
typedef struct {
    int64_t customers, identities, tags, audit, merges, organizations;
} counts;

static counts count_rows(cs_db *db)
{
    counts c = {
        t_sql_int(db, "SELECT count(*) FROM customer"),
        t_sql_int(db, "SELECT count(*) FROM identity"),
        t_sql_int(db, "SELECT count(*) FROM customer_tag"),
        t_sql_int(db, "SELECT count(*) FROM audit"),
        t_sql_int(db, "SELECT count(*) FROM customer_merge"),
        t_sql_int(db, "SELECT count(*) FROM organization"),
    };
    return c;
}

#define ck_assert_unchanged(db, before)                                                            \
    do {                                                                                           \
        counts after_ = count_rows(db);                                                            \
        ck_assert_mem_eq(&after_, &(before), sizeof(counts));                                      \
    } while (0)

/* Create a customer with a name and optionally one email. */
static int64_t create(cs_db *db, const char *name, const char *email)
{
    cs_identity_spec ids[] = {{CS_IDENTITY_EMAIL, email}};
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    int64_t id = 0;

    f.name = name;
    f.identities = email ? ids : NULL;
    f.nidentities = email ? 1 : 0;
    ck_assert_ok(cs_customer_create(&id, db, &f));
    ck_assert_int_gt(id, 0);
    return id;
}

static int64_t find_id(cs_db *db, int kind, const char *value)
{
    cs_customer *c = NULL;
    int64_t id;

    ck_assert_ok(cs_customer_find(&c, db, kind, value));
    id = cs_customer_id(c);
    cs_customer_free(c);
    return id;
}

/* The number of audit rows with this action on the customer's trail. */
static int64_t audit_count(cs_db *db, int64_t customer_id, const char *action)
{
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit WHERE customer_id = %lld AND action = '%s'",
             (long long)customer_id, action);
    return t_sql_int(db, sql);
}

/* Normalisation ------------------------------------------------------------------------ */

START_TEST(normalize_table)
{
    static const struct {
        int kind;
        const char *in, *out; /* out NULL: CS_EINVAL on "value" */
    } cases[] = {
        {CS_IDENTITY_EMAIL, "anna@example.com", "anna@example.com"},
        {CS_IDENTITY_EMAIL, "  Anna.Schmidt@Example.COM\t", "anna.schmidt@example.com"},
        {CS_IDENTITY_EMAIL, "Jürgen.MÜLLER@Bäckerei.de", "jürgen.mÜller@bäckerei.de"},
        {CS_IDENTITY_EMAIL, "annaexample.com", NULL},
        {CS_IDENTITY_EMAIL, "a@b@example.com", NULL},
        {CS_IDENTITY_EMAIL, "@example.com", NULL},
        {CS_IDENTITY_EMAIL, "anna@", NULL},
        {CS_IDENTITY_EMAIL, "an na@example.com", NULL},
        {CS_IDENTITY_EMAIL, "   ", NULL},
        {CS_IDENTITY_PHONE, "+49 (30) 1234-5", "+493012345"},
        {CS_IDENTITY_PHONE, "0049 30.123 456", "+4930123456"},
        {CS_IDENTITY_PHONE, "+1 555 0100", "+15550100"},
        {CS_IDENTITY_PHONE, "+123456789012345", "+123456789012345"},
        {CS_IDENTITY_PHONE, "+1234567890123456", NULL},
        {CS_IDENTITY_PHONE, "+1234", NULL},
        {CS_IDENTITY_PHONE, "030 123456", NULL},
        {CS_IDENTITY_PHONE, "+49 30 12a456", NULL},
        {CS_IDENTITY_PHONE, "+", NULL},
        {CS_IDENTITY_WHATSAPP, "0043 660 1234567", "+436601234567"},
        {CS_IDENTITY_WHATSAPP, "0660 1234567", NULL},
        {CS_IDENTITY_TWITTER, "@CS_Team", "cs_team"},
        {CS_IDENTITY_TWITTER, " Kundendienst ", "kundendienst"},
        {CS_IDENTITY_TWITTER, "@", NULL},
        {CS_IDENTITY_FACEBOOK, "@Anna.Schmidt", "anna.schmidt"},
        {CS_IDENTITY_FACEBOOK, "100004711", "100004711"},
        {CS_IDENTITY_CHAT, "  Visitor-AbC ", "Visitor-AbC"},
        {CS_IDENTITY_CHAT, "\t", NULL},
        {CS_IDENTITY_EXTERNAL, " CRM:4711 ", "CRM:4711"},
        {CS_IDENTITY_EXTERNAL, "Kunde 🎉", "Kunde 🎉"},
        {CS_IDENTITY_EXTERNAL, "\xC3\x28", NULL},
        {CS_IDENTITY_EXTERNAL, "", NULL},
    };
    char *out = NULL;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = cs_identity_normalize(&out, cases[i].kind, cases[i].in);
        if (cases[i].out) {
            ck_assert_msg(rc == CS_OK, "case %zu (%s): %s", i, cases[i].in,
                          cs_error_last()->message);
            ck_assert_str_eq(out, cases[i].out);
        } else {
            ck_assert_msg(rc == CS_EINVAL, "case %zu (%s) returned %d", i, cases[i].in, rc);
            ck_assert_ptr_null(out);
            ck_assert_field("value");
        }
        cs_str_free(out);
        out = NULL;
    }
}
END_TEST

START_TEST(normalize_bad_arguments)
{
    char *out = NULL, big[CS_IDENTITY_MAX + 8];

    ck_assert_rc(cs_identity_normalize(&out, 0, "a@b.c"), CS_EINVAL);
    ck_assert_field("kind");
    ck_assert_rc(cs_identity_normalize(&out, 99, "a@b.c"), CS_EINVAL);
    ck_assert_field("kind");
    ck_assert_rc(cs_identity_normalize(&out, CS_IDENTITY_EMAIL, NULL), CS_EINVAL);
    ck_assert_field("value");
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    ck_assert_rc(cs_identity_normalize(&out, CS_IDENTITY_CHAT, big), CS_EINVAL);
    ck_assert_field("value");
    ck_assert_rc(cs_identity_normalize(NULL, CS_IDENTITY_CHAT, "x"), CS_EINVAL);
    ck_assert_field("out");
    ck_assert_ptr_null(out);
}
END_TEST

START_TEST(kind_names)
{
    for (int k = CS_IDENTITY_EMAIL; k <= CS_IDENTITY_EXTERNAL; k++)
        ck_assert_int_eq(cs_identity_kind_parse(cs_identity_kind_name(k)), k);
    ck_assert_str_eq(cs_identity_kind_name(CS_IDENTITY_WHATSAPP), "whatsapp");
    ck_assert_ptr_null(cs_identity_kind_name(0));
    ck_assert_int_eq(cs_identity_kind_parse("pigeon"), 0);
    ck_assert_int_eq(cs_identity_kind_parse(NULL), 0);
}
END_TEST

/* Create, lookup, find ----------------------------------------------------------------- */

START_TEST(create_lookup_round_trip)
{
    cs_db *db = t_open_memory();
    int64_t org = t_organization(db, "Bäckerei Müller GmbH", 0), id = 0;
    const char *tags[] = {"vip", "b2b", "vip"};
    cs_identity_spec ids[] = {{CS_IDENTITY_EMAIL, " Jürgen@Example.COM "},
                              {CS_IDENTITY_PHONE, "0049 (30) 1234-567"}};
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    cs_customer *c = NULL;
    const char *value;
    int kind;

    f.name = "Jürgen Müller 🎉";
    f.organization_id = org;
    f.locale = "de-AT";
    f.timezone = "Europe/Vienna";
    f.custom_json = "{\"plan\": \"gold\", \"account\": 42}";
    f.tags = tags;
    f.ntags = 3;
    f.identities = ids;
    f.nidentities = 2;
    ck_assert_ok(cs_customer_create(&id, db, &f));
    ck_assert_int_gt(id, 0);

    ck_assert_ok(cs_customer_lookup(&c, db, id));
    ck_assert_int_eq(cs_customer_id(c), id);
    ck_assert_str_eq(cs_customer_name(c), "Jürgen Müller 🎉");
    ck_assert_int_eq(cs_customer_organization_id(c), org);
    ck_assert_str_eq(cs_customer_locale(c), "de-AT");
    ck_assert_str_eq(cs_customer_timezone(c), "Europe/Vienna");
    ck_assert_str_eq(cs_customer_custom_json(c), "{\"account\":42,\"plan\":\"gold\"}");
    ck_assert_uint_eq(cs_customer_tag_count(c), 2);
    ck_assert_str_eq(cs_customer_tag(c, 0), "b2b");
    ck_assert_str_eq(cs_customer_tag(c, 1), "vip");
    ck_assert_ptr_null(cs_customer_tag(c, 2));
    ck_assert_uint_eq(cs_customer_identity_count(c), 2);
    ck_assert_ok(cs_customer_identity(c, 0, &kind, &value));
    ck_assert_int_eq(kind, CS_IDENTITY_EMAIL);
    ck_assert_str_eq(value, "jürgen@example.com");
    ck_assert_ok(cs_customer_identity(c, 1, &kind, &value));
    ck_assert_int_eq(kind, CS_IDENTITY_PHONE);
    ck_assert_str_eq(value, "+49301234567");
    ck_assert_rc(cs_customer_identity(c, 2, &kind, &value), CS_EINVAL);
    ck_assert_int_eq(cs_customer_merged_into(c), 0);
    ck_assert_int_eq(cs_customer_erased_at(c), 0);
    ck_assert_int_eq(cs_customer_created_at(c), t_now);
    ck_assert_int_eq(cs_customer_updated_at(c), t_now);
    cs_customer_free(c);

    ck_assert_int_eq(audit_count(db, id, "create"), 1);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM audit"), 1);
    ck_assert_rc(cs_customer_lookup(&c, db, id + 1), CS_ENOTFOUND);
    ck_assert_ptr_null(c);
    cs_db_close(db);
}
END_TEST

START_TEST(create_defaults_and_getters_on_null)
{
    cs_db *db = t_open_memory();
    int64_t id = create(db, "Anna", NULL);
    cs_customer *c = NULL;

    ck_assert_ok(cs_customer_lookup(&c, db, id));
    ck_assert_str_eq(cs_customer_locale(c), "en");
    ck_assert_ptr_null(cs_customer_timezone(c));
    ck_assert_str_eq(cs_customer_custom_json(c), "{}");
    ck_assert_uint_eq(cs_customer_tag_count(c), 0);
    ck_assert_uint_eq(cs_customer_identity_count(c), 0);
    ck_assert_int_eq(cs_customer_organization_id(c), 0);
    cs_customer_free(c);

    ck_assert_int_eq(cs_customer_id(NULL), 0);
    ck_assert_ptr_null(cs_customer_name(NULL));
    ck_assert_ptr_null(cs_customer_locale(NULL));
    ck_assert_ptr_null(cs_customer_custom_json(NULL));
    ck_assert_uint_eq(cs_customer_tag_count(NULL), 0);
    ck_assert_ptr_null(cs_customer_tag(NULL, 0));
    ck_assert_uint_eq(cs_customer_identity_count(NULL), 0);
    ck_assert_rc(cs_customer_identity(NULL, 0, NULL, NULL), CS_EINVAL);
    ck_assert_int_eq(cs_customer_created_at(NULL), 0);
    cs_customer_free(NULL);
    cs_customer_iter_free(NULL);
    cs_db_close(db);
}
END_TEST

START_TEST(to_json_fields)
{
    cs_db *db = t_open_memory();
    const char *tags[] = {"vip"};
    cs_identity_spec ids[] = {{CS_IDENTITY_TWITTER, "@Anna_S"}};
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    cs_customer *c = NULL;
    char *text = NULL;
    json_t *j, *ident;
    int64_t id = 0;

    f.name = "Anna 😀";
    f.custom_json = "{\"z\":[1,2],\"a\":null}";
    f.tags = tags;
    f.ntags = 1;
    f.identities = ids;
    f.nidentities = 1;
    ck_assert_ok(cs_customer_create(&id, db, &f));
    ck_assert_ok(cs_customer_lookup(&c, db, id));
    ck_assert_ok(cs_customer_to_json(&text, c));
    ck_assert_ptr_nonnull(j = json_loads(text, 0, NULL));
    ck_assert_int_eq(json_integer_value(json_object_get(j, "id")), id);
    ck_assert_str_eq(json_string_value(json_object_get(j, "name")), "Anna 😀");
    ck_assert(json_is_null(json_object_get(j, "organization_id")));
    ck_assert(json_is_null(json_object_get(j, "timezone")));
    ck_assert(json_is_null(json_object_get(j, "merged_into")));
    ck_assert(json_is_null(json_object_get(j, "erased_at")));
    ck_assert_str_eq(json_string_value(json_object_get(j, "locale")), "en");
    ck_assert_str_eq(json_string_value(json_object_get(j, "created_at")), "2026-03-02T09:00:00Z");
    ck_assert_str_eq(json_string_value(json_object_get(j, "updated_at")), "2026-03-02T09:00:00Z");
    ck_assert(json_is_object(json_object_get(j, "custom")));
    ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(j, "custom"), "z")), 2);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "tags"), 0)), "vip");
    ident = json_array_get(json_object_get(j, "identities"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(ident, "kind")), "twitter");
    ck_assert_str_eq(json_string_value(json_object_get(ident, "value")), "anna_s");
    ck_assert_uint_eq(json_object_size(j), 12);
    /* Sorted keys: the text is stable. */
    ck_assert_ptr_nonnull(strstr(text, "{\"created_at\":"));
    json_decref(j);
    cs_str_free(text);
    ck_assert_rc(cs_customer_to_json(&text, NULL), CS_EINVAL);
    ck_assert_ptr_null(text);
    cs_customer_free(c);
    cs_db_close(db);
}
END_TEST

START_TEST(find_by_identity)
{
    cs_db *db = t_open_memory();
    int64_t anna = create(db, "Anna", "anna@example.com");
    int64_t bert = create(db, "Bert", NULL);
    cs_customer *c = NULL;

    ck_assert_ok(cs_customer_add_identity(db, bert, CS_IDENTITY_PHONE, "+49 30 555 0100"));
    ck_assert_int_eq(find_id(db, CS_IDENTITY_EMAIL, "  ANNA@Example.com"), anna);
    ck_assert_int_eq(find_id(db, CS_IDENTITY_PHONE, "0049-30-5550100"), bert);
    ck_assert_rc(cs_customer_find(&c, db, CS_IDENTITY_EMAIL, "nobody@example.com"), CS_ENOTFOUND);
    ck_assert_ptr_null(c);
    /* The same value is a different identity under another kind. */
    ck_assert_rc(cs_customer_find(&c, db, CS_IDENTITY_WHATSAPP, "+49305550100"), CS_ENOTFOUND);
    ck_assert_rc(cs_customer_find(&c, db, 42, "x"), CS_EINVAL);
    ck_assert_field("kind");
    ck_assert_rc(cs_customer_find(&c, db, CS_IDENTITY_PHONE, "12"), CS_EINVAL);
    ck_assert_field("value");
    ck_assert_rc(cs_customer_find(NULL, db, CS_IDENTITY_EMAIL, "anna@example.com"), CS_EINVAL);
    cs_db_close(db);
}
END_TEST

/* Identities --------------------------------------------------------------------------- */

START_TEST(identity_unique_across_customers)
{
    cs_db *db = t_open_memory();
    int64_t anna = create(db, "Anna", "anna@example.com"), bert, id = 0;
    cs_identity_spec ids[] = {{CS_IDENTITY_CHAT, "v-1"}, {CS_IDENTITY_EMAIL, "Anna@Example.com"}};
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    counts before = count_rows(db);
    char msg[100];

    f.name = "Anna again";
    f.identities = ids;
    f.nidentities = 2;
    ck_assert_rc(cs_customer_create(&id, db, &f), CS_EEXISTS);
    ck_assert_field("identities[1].value");
    snprintf(msg, sizeof(msg), "email anna@example.com belongs to customer %lld", (long long)anna);
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, msg));
    ck_assert_int_eq(id, 0);
    ck_assert_unchanged(db, before);

    bert = create(db, "Bert", "bert@example.com");
    before = count_rows(db);
    ck_assert_rc(cs_customer_add_identity(db, bert, CS_IDENTITY_EMAIL, "ANNA@example.com"),
                 CS_EEXISTS);
    ck_assert_field("value");
    ck_assert_unchanged(db, before);

    /* Giving a customer what it already has changes nothing. */
    ck_assert_ok(cs_customer_add_identity(db, anna, CS_IDENTITY_EMAIL, " anna@EXAMPLE.com"));
    ck_assert_unchanged(db, before);

    /* The same identity twice in one create is one identity. */
    ids[0] = ids[1] = (cs_identity_spec){CS_IDENTITY_CHAT, "dup"};
    f.name = "Carla";
    ck_assert_ok(cs_customer_create(&id, db, &f));
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM identity WHERE value = 'dup'"), 1);
    cs_db_close(db);
}
END_TEST

START_TEST(identity_add_remove_audited)
{
    cs_db *db = t_open_memory();
    int64_t anna = create(db, "Anna", NULL);
    counts before;

    ck_assert_ok(cs_customer_add_identity(db, anna, CS_IDENTITY_TWITTER, "@AnnaS"));
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM audit WHERE action = 'add_identity'"
                                   " AND field = 'twitter' AND new = 'annas' AND old IS NULL"),
                     1);
    ck_assert_int_eq(find_id(db, CS_IDENTITY_TWITTER, "annas"), anna);

    before = count_rows(db);
    ck_assert_rc(cs_customer_remove_identity(db, anna, CS_IDENTITY_TWITTER, "someone"),
                 CS_ENOTFOUND);
    ck_assert_field("value");
    ck_assert_rc(cs_customer_remove_identity(db, anna + 99, CS_IDENTITY_TWITTER, "annas"),
                 CS_ENOTFOUND);
    ck_assert_rc(cs_customer_add_identity(db, anna + 99, CS_IDENTITY_TWITTER, "other"),
                 CS_ENOTFOUND);
    ck_assert_rc(cs_customer_add_identity(db, anna, CS_IDENTITY_PHONE, "12"), CS_EINVAL);
    ck_assert_field("value");
    ck_assert_rc(cs_customer_add_identity(db, anna, 0, "x"), CS_EINVAL);
    ck_assert_field("kind");
    ck_assert_unchanged(db, before);

    ck_assert_ok(cs_customer_remove_identity(db, anna, CS_IDENTITY_TWITTER, "@ANNAS"));
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM identity"), 0);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM audit WHERE action = 'remove_identity'"
                                   " AND field = 'twitter' AND old = 'annas' AND new IS NULL"),
                     1);
    cs_db_close(db);
}
END_TEST

/* Update ------------------------------------------------------------------------------- */

static int64_t audit_update(cs_db *db, const char *field, const char *old, const char *new_)
{
    sqlite3_stmt *st = NULL;
    int64_t n = 0;

    ck_assert_int_eq(sqlite3_prepare_v2(db->sql,
                                        "SELECT count(*) FROM audit WHERE action = 'update'"
                                        " AND field = ?1 AND old IS ?2 AND new IS ?3",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, field, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, old, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, new_, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

START_TEST(update_each_field)
{
    cs_db *db = t_open_memory();
    int64_t org = t_organization(db, "ACME", 0), id = create(db, "Anna", "anna@example.com");
    const char *tags[] = {"vip", "b2b"}, *none[] = {NULL};
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    cs_customer *c = NULL;
    char org_text[24];

    snprintf(org_text, sizeof(org_text), "%lld", (long long)org);
    t_now += 60;
    f.name = "Anna Schmidt";
    ck_assert_ok(cs_customer_update(db, id, &f));
    ck_assert_int_eq(audit_update(db, "name", "Anna", "Anna Schmidt"), 1);

    f = (cs_customer_fields)CS_CUSTOMER_FIELDS_INIT;
    f.organization_id = org;
    f.locale = "de-CH";
    f.timezone = "Europe/Zurich";
    f.custom_json = "{\"b\":2,\"a\":1}";
    f.tags = tags;
    f.ntags = 2;
    ck_assert_ok(cs_customer_update(db, id, &f));
    ck_assert_int_eq(audit_update(db, "organization_id", NULL, org_text), 1);
    ck_assert_int_eq(audit_update(db, "locale", "en", "de-CH"), 1);
    ck_assert_int_eq(audit_update(db, "timezone", NULL, "Europe/Zurich"), 1);
    ck_assert_int_eq(audit_update(db, "custom", "{}", "{\"a\":1,\"b\":2}"), 1);
    ck_assert_int_eq(audit_update(db, "tags", NULL, "b2b,vip"), 1);

    ck_assert_ok(cs_customer_lookup(&c, db, id));
    ck_assert_str_eq(cs_customer_name(c), "Anna Schmidt");
    ck_assert_int_eq(cs_customer_organization_id(c), org);
    ck_assert_str_eq(cs_customer_locale(c), "de-CH");
    ck_assert_str_eq(cs_customer_timezone(c), "Europe/Zurich");
    ck_assert_str_eq(cs_customer_custom_json(c), "{\"a\":1,\"b\":2}");
    ck_assert_uint_eq(cs_customer_tag_count(c), 2);
    ck_assert_int_eq(cs_customer_updated_at(c), t_now);
    ck_assert_int_eq(cs_customer_created_at(c), t_now - 60);
    ck_assert_uint_eq(cs_customer_identity_count(c), 1);
    cs_customer_free(c);

    /* Clearing: CS_ID_CLEAR, "" and an empty tag list. */
    f = (cs_customer_fields)CS_CUSTOMER_FIELDS_INIT;
    f.organization_id = CS_ID_CLEAR;
    f.timezone = "";
    f.tags = none;
    f.ntags = 0;
    ck_assert_ok(cs_customer_update(db, id, &f));
    ck_assert_int_eq(audit_update(db, "organization_id", org_text, NULL), 1);
    ck_assert_int_eq(audit_update(db, "timezone", "Europe/Zurich", NULL), 1);
    ck_assert_int_eq(audit_update(db, "tags", "b2b,vip", NULL), 1);
    ck_assert_ok(cs_customer_lookup(&c, db, id));
    ck_assert_int_eq(cs_customer_organization_id(c), 0);
    ck_assert_ptr_null(cs_customer_timezone(c));
    ck_assert_uint_eq(cs_customer_tag_count(c), 0);
    ck_assert_str_eq(cs_customer_locale(c), "de-CH");
    cs_customer_free(c);

    /* Nothing given, or the same values again: nothing recorded. */
    counts before = count_rows(db);
    f = (cs_customer_fields)CS_CUSTOMER_FIELDS_INIT;
    ck_assert_ok(cs_customer_update(db, id, &f));
    f.name = "Anna Schmidt";
    f.locale = "de-CH";
    ck_assert_ok(cs_customer_update(db, id, &f));
    ck_assert_unchanged(db, before);
    ck_assert_rc(cs_customer_update(db, id + 1, &f), CS_ENOTFOUND);
    t_now -= 60; /* the clock is shared with the tests after this one under CK_FORK=no */
    cs_db_close(db);
}
END_TEST

/* Bad input: every field, on create and on update, named and nothing written. */
START_TEST(bad_input_names_the_field)
{
    cs_db *db = t_open_memory();
    int64_t id = create(db, "Anna", "anna@example.com"), new_id = 0;
    char big[CS_NAME_MAX + 2], long_tag[CS_TAG_MAX + 2];
    const char *bad_tags[] = {"ok", "a,b"}, *utf8_tags[] = {"\xC3\x28"}, *long_tags[] = {long_tag};
    cs_identity_spec bad_kind[] = {{99, "x"}}, bad_value[] = {{CS_IDENTITY_EMAIL, "nope"}};
    static const char *locales[] = {"",
                                    "d",
                                    "deutsch",
                                    "de_AT",
                                    "de-",
                                    "de--AT",
                                    "de-ABCDEFGHI",
                                    "dé",
                                    "de-AT-1234567890-1234567890-123456"};
    static const char *zones[] = {"Europe/../etc/passwd", "Europe Berlin", "/etc/localtime",
                                  "Europe/Berlin;", "Zürich"};
    cs_customer_fields f;
    counts before = count_rows(db);
    char zone65[66];

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memset(long_tag, 't', sizeof(long_tag) - 1);
    long_tag[sizeof(long_tag) - 1] = '\0';
    memset(zone65, 'Z', sizeof(zone65) - 1);
    zone65[sizeof(zone65) - 1] = '\0';

#define EXPECT_BAD(field_name, setup)                                                              \
    do {                                                                                           \
        f = (cs_customer_fields)CS_CUSTOMER_FIELDS_INIT;                                           \
        f.name = "Bert";                                                                           \
        setup;                                                                                     \
        ck_assert_rc(cs_customer_create(&new_id, db, &f), CS_EINVAL);                              \
        ck_assert_field(field_name);                                                               \
        ck_assert_int_eq(new_id, 0);                                                               \
        if (strncmp(field_name, "identities", 10) != 0) {                                          \
            ck_assert_rc(cs_customer_update(db, id, &f), CS_EINVAL);                               \
            ck_assert_field(field_name);                                                           \
        }                                                                                          \
        ck_assert_unchanged(db, before);                                                           \
    } while (0)

    ck_assert_rc(cs_customer_create(&new_id, db, NULL), CS_EINVAL);
    ck_assert_field("fields");
    ck_assert_rc(cs_customer_update(db, id, NULL), CS_EINVAL);
    ck_assert_field("fields");
    EXPECT_BAD("fields", f.version = 2);
    EXPECT_BAD("fields", f.version = 0);
    EXPECT_BAD("name", f.name = "");
    EXPECT_BAD("name", f.name = "\xC3\x28");
    EXPECT_BAD("name", f.name = big);
    for (size_t i = 0; i < sizeof(locales) / sizeof(locales[0]); i++)
        EXPECT_BAD("locale", f.locale = locales[i]);
    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
        EXPECT_BAD("timezone", f.timezone = zones[i]);
    EXPECT_BAD("timezone", f.timezone = zone65);
    EXPECT_BAD("custom", f.custom_json = "{\"a\":");
    EXPECT_BAD("custom", f.custom_json = "[1,2]");
    EXPECT_BAD("custom", f.custom_json = "\"text\"");
    EXPECT_BAD("custom", f.custom_json = "{\"a\":1,\"a\":2}");
    EXPECT_BAD("custom", f.custom_json = "{\"a\":\"\xC3\x28\"}");
    EXPECT_BAD("tags[1]", (f.tags = bad_tags, f.ntags = 2));
    EXPECT_BAD("tags[0]", (f.tags = utf8_tags, f.ntags = 1));
    EXPECT_BAD("tags[0]", (f.tags = long_tags, f.ntags = 1));
    EXPECT_BAD("tags", (f.tags = NULL, f.ntags = 1));
    EXPECT_BAD("organization_id", f.organization_id = -5);
    EXPECT_BAD("identities[0].kind", (f.identities = bad_kind, f.nidentities = 1));
    EXPECT_BAD("identities[0].value", (f.identities = bad_value, f.nidentities = 1));
    EXPECT_BAD("identities", (f.identities = NULL, f.nidentities = 1));
#undef EXPECT_BAD

    /* An organisation that does not exist is CS_ENOTFOUND naming it. */
    f = (cs_customer_fields)CS_CUSTOMER_FIELDS_INIT;
    f.name = "Bert";
    f.organization_id = 4711;
    ck_assert_rc(cs_customer_create(&new_id, db, &f), CS_ENOTFOUND);
    ck_assert_field("organization_id");
    /* Identities are given on create only. */
    f.organization_id = 0;
    f.identities = bad_value;
    f.nidentities = 1;
    ck_assert_rc(cs_customer_update(db, id, &f), CS_EINVAL);
    ck_assert_field("identities");
    ck_assert_rc(cs_customer_create(NULL, db, &f), CS_EINVAL);
    ck_assert_rc(cs_customer_create(&new_id, NULL, &f), CS_EINVAL);
    ck_assert_unchanged(db, before);

    /* The good shapes pass. */
    f = (cs_customer_fields)CS_CUSTOMER_FIELDS_INIT;
    f.locale = "zh-Hant-TW";
    f.timezone = "America/Argentina/Buenos_Aires";
    ck_assert_ok(cs_customer_update(db, id, &f));
    f.timezone = "Etc/GMT+5";
    ck_assert_ok(cs_customer_update(db, id, &f));
    cs_db_close(db);
}
END_TEST

/* A time zone must be one the system knows, as for calendars: the shape is not enough. */
START_TEST(unknown_time_zones_are_refused)
{
    static const char *const unknown[] = {"Mars/Base", "Europe/Atlantis", "Etc/GMT+99"};
    cs_db *db = t_open_memory();
    int64_t id = create(db, "Anna", "anna@example.com"), out = 0;
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    counts before = count_rows(db);
    char *resp = NULL;

    for (size_t i = 0; i < CS_ARRAY_SIZE(unknown); i++) {
        f.name = "Bert";
        f.timezone = unknown[i];
        ck_assert_rc(cs_customer_create(&out, db, &f), CS_EINVAL);
        ck_assert_field("timezone");
        ck_assert_ptr_nonnull(strstr(cs_error_last()->message, unknown[i]));
        ck_assert_rc(cs_customer_update(db, id, &f), CS_EINVAL);
        ck_assert_field("timezone");
    }
    ck_assert_unchanged(db, before);
    ck_assert_rc(cs_call(&resp, db, "customer.update", "{\"id\": 1, \"timezone\": \"Mars/Base\"}"),
                 CS_EINVAL);
    ck_assert_field("timezone");
    cs_str_free(resp);
    f.timezone = "UTC";
    ck_assert_ok(cs_customer_update(db, id, &f));
    f.timezone = "Asia/Kolkata";
    ck_assert_ok(cs_customer_update(db, id, &f));
    cs_db_close(db);
}
END_TEST

/* Iterator ----------------------------------------------------------------------------- */

START_TEST(iterate_pages)
{
    cs_db *db = t_open_memory();
    cs_customer_iter *it = NULL;
    const cs_customer *c;
    int64_t after = 0, expect = 1, seen = 0, merged;
    int rc;

    ck_assert_ok(cs_db_begin(db));
    for (int i = 0; i < 1000; i++)
        t_customer(db, "Kunde", NULL);
    ck_assert_ok(cs_db_commit(db));
    /* Merged customers are left out. */
    merged = t_customer(db, "Duplikat", NULL);
    ck_assert_ok(cs_customer_merge(NULL, db, 1, merged));

    for (;;) {
        size_t n = 0;
        ck_assert_ok(cs_customer_iter_new(&it, db, 0, after, 7));
        while ((rc = cs_customer_next(&c, it)) == CS_OK) {
            ck_assert_int_eq(cs_customer_id(c), expect++);
            ck_assert_str_eq(cs_customer_name(c), "Kunde");
            after = cs_customer_id(c);
            n++, seen++;
        }
        ck_assert_rc(rc, CS_ITEROVER);
        ck_assert_ptr_null(c);
        cs_customer_iter_free(it);
        ck_assert_uint_le(n, 7);
        if (n < 7)
            break;
    }
    ck_assert_int_eq(seen, 1000);
    ck_assert_int_eq(after, 1000);
    cs_db_close(db);
}
END_TEST

START_TEST(iterate_organization)
{
    cs_db *db = t_open_memory();
    int64_t org = t_organization(db, "ACME", 0), ids[3];
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    cs_customer_iter *it = NULL;
    const cs_customer *c;
    size_t n = 0;

    create(db, "Outside", NULL);
    f.organization_id = org;
    for (int i = 0; i < 3; i++) {
        f.name = "Member";
        ck_assert_ok(cs_customer_create(&ids[i], db, &f));
        create(db, "Outside", NULL);
    }
    /* No limit; the iterator survives other calls on the handle. */
    ck_assert_ok(cs_customer_iter_new(&it, db, org, 0, 0));
    while (cs_customer_next(&c, it) == CS_OK) {
        cs_customer *again = NULL;
        ck_assert_int_eq(cs_customer_id(c), ids[n++]);
        ck_assert_int_eq(cs_customer_organization_id(c), org);
        ck_assert_ok(cs_customer_lookup(&again, db, cs_customer_id(c)));
        cs_customer_free(again);
    }
    cs_customer_iter_free(it);
    ck_assert_uint_eq(n, 3);

    ck_assert_rc(cs_customer_iter_new(&it, db, -1, 0, 0), CS_EINVAL);
    ck_assert_field("organization_id");
    ck_assert_rc(cs_customer_iter_new(&it, db, 0, -1, 0), CS_EINVAL);
    ck_assert_field("after");
    ck_assert_rc(cs_customer_iter_new(NULL, db, 0, 0, 0), CS_EINVAL);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_CUSTOMER, ids[0]));
    ck_assert_rc(cs_customer_iter_new(&it, db, 0, 0, 0), CS_EPERM);
    ck_assert_ptr_null(it);
    ck_assert_rc(cs_customer_next(&c, NULL), CS_EINVAL);
    cs_db_close(db);
}
END_TEST

/* Merge and unmerge -------------------------------------------------------------------- */

static char *tags_of(cs_db *db, int64_t id)
{
    char sql[200];
    sqlite3_stmt *st = NULL;
    char *s = NULL;

    snprintf(sql, sizeof(sql),
             "SELECT coalesce(group_concat(tag, ','), '') FROM (SELECT tag FROM customer_tag"
             " WHERE customer_id = %lld ORDER BY tag)",
             (long long)id);
    ck_assert_int_eq(sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    s = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return s;
}

static void set_tags(cs_db *db, int64_t id, const char *a, const char *b)
{
    const char *tags[] = {a, b};
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    f.tags = tags;
    f.ntags = 2;
    ck_assert_ok(cs_customer_update(db, id, &f));
}

static int64_t tickets_of(cs_db *db, int64_t id)
{
    char sql[100];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM ticket WHERE customer_id = %lld",
             (long long)id);
    return t_sql_int(db, sql);
}

START_TEST(merge_and_unmerge_round_trip)
{
    cs_db *db = t_open_memory();
    int64_t anna = create(db, "Anna", "anna@example.com");
    int64_t dup = create(db, "Anna S.", "anna.s@example.com"), other, merge_id = 0;
    cs_customer *c = NULL;
    cs_audit_iter *ai = NULL;
    const cs_audit_entry *e;
    bool saw_merge = false;
    char *tags;

    ck_assert_ok(cs_customer_add_identity(db, dup, CS_IDENTITY_PHONE, "+49 30 1234567"));
    set_tags(db, anna, "vip", "shared");
    set_tags(db, dup, "shared", "newsletter");
    t_ticket(db, anna, "Rechnung");
    t_ticket(db, dup, "Lieferung");
    t_ticket(db, dup, "Rücksendung");

    ck_assert_ok(cs_customer_merge(&merge_id, db, anna, dup));
    ck_assert_int_gt(merge_id, 0);
    ck_assert_int_eq(find_id(db, CS_IDENTITY_EMAIL, "anna.s@example.com"), anna);
    ck_assert_int_eq(find_id(db, CS_IDENTITY_PHONE, "+49301234567"), anna);
    ck_assert_int_eq(tickets_of(db, anna), 3);
    ck_assert_int_eq(tickets_of(db, dup), 0);
    ck_assert_str_eq(tags = tags_of(db, anna), "newsletter,shared,vip");
    free(tags);
    ck_assert_ok(cs_customer_lookup(&c, db, dup));
    ck_assert_int_eq(cs_customer_merged_into(c), anna);
    ck_assert_uint_eq(cs_customer_identity_count(c), 0);
    cs_customer_free(c);
    ck_assert_ok(cs_customer_lookup(&c, db, anna));
    ck_assert_uint_eq(cs_customer_identity_count(c), 3);
    cs_customer_free(c);

    /* The survivor's trail shows the merge; the duplicate's keeps its own. */
    ck_assert_ok(cs_audit_iter_new(&ai, db, CS_AUDIT_CUSTOMER, anna, NULL));
    while (cs_audit_next(&e, ai) == CS_OK)
        saw_merge |= strcmp(e->action, "merge") == 0 && e->object_id == anna;
    cs_audit_iter_free(ai);
    ck_assert(saw_merge);
    ck_assert_int_eq(audit_count(db, dup, "merge"), 1);
    ck_assert_int_eq(audit_count(db, dup, "create"), 1);

    /* What was merged cannot take part in another merge. */
    other = create(db, "Carl", NULL);
    counts before = count_rows(db);
    ck_assert_rc(cs_customer_merge(NULL, db, anna, dup), CS_ECONFLICT);
    ck_assert_field("merged_id");
    ck_assert_rc(cs_customer_merge(NULL, db, dup, other), CS_ECONFLICT);
    ck_assert_field("survivor_id");
    ck_assert_rc(cs_customer_merge(NULL, db, anna, anna), CS_EINVAL);
    ck_assert_rc(cs_customer_merge(NULL, db, anna, 4711), CS_ENOTFOUND);
    ck_assert_field("merged_id");
    ck_assert_rc(cs_customer_add_identity(db, dup, CS_IDENTITY_CHAT, "x"), CS_ECONFLICT);
    ck_assert_unchanged(db, before);

    /* Since the merge the survivor got another ticket; it stays with the survivor. */
    t_ticket(db, anna, "Neu");
    ck_assert_ok(cs_customer_unmerge(db, merge_id));
    ck_assert_int_eq(find_id(db, CS_IDENTITY_EMAIL, "anna.s@example.com"), dup);
    ck_assert_int_eq(find_id(db, CS_IDENTITY_PHONE, "+49301234567"), dup);
    ck_assert_int_eq(find_id(db, CS_IDENTITY_EMAIL, "anna@example.com"), anna);
    ck_assert_int_eq(tickets_of(db, anna), 2);
    ck_assert_int_eq(tickets_of(db, dup), 2);
    ck_assert_str_eq(tags = tags_of(db, anna), "shared,vip");
    free(tags);
    ck_assert_str_eq(tags = tags_of(db, dup), "newsletter,shared");
    free(tags);
    ck_assert_ok(cs_customer_lookup(&c, db, dup));
    ck_assert_int_eq(cs_customer_merged_into(c), 0);
    cs_customer_free(c);
    ck_assert_int_eq(audit_count(db, anna, "unmerge"), 1);
    ck_assert_int_eq(audit_count(db, dup, "unmerge"), 1);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM customer_merge"
                                   " WHERE undone_at IS NOT NULL"),
                     1);

    before = count_rows(db);
    ck_assert_rc(cs_customer_unmerge(db, merge_id), CS_ECONFLICT);
    ck_assert_field("merge_id");
    ck_assert_rc(cs_customer_unmerge(db, merge_id + 1), CS_ENOTFOUND);
    ck_assert_unchanged(db, before);

    /* And it can be merged again. */
    ck_assert_ok(cs_customer_merge(&merge_id, db, anna, dup));
    ck_assert_int_eq(find_id(db, CS_IDENTITY_EMAIL, "anna.s@example.com"), anna);
    cs_db_close(db);
}
END_TEST

START_TEST(merge_recorded_moves)
{
    cs_db *db = t_open_memory();
    int64_t anna = create(db, "Anna", NULL), dup = create(db, "Dup", "d@example.com");
    int64_t ticket = t_ticket(db, dup, "Frage"), merge_id = 0;
    char sql[400];

    set_tags(db, anna, "a", "both");
    set_tags(db, dup, "both", "z");
    ck_assert_ok(cs_customer_merge(&merge_id, db, anna, dup));
    snprintf(sql, sizeof(sql),
             "SELECT group_concat(kind || ':' || coalesce(item_id, tag), ' ') = '1:%lld 2:%lld 3:z'"
             " FROM (SELECT * FROM customer_merge_item WHERE merge_id = %lld ORDER BY kind, rowid)",
             (long long)t_sql_int(db, "SELECT id FROM identity"), (long long)ticket,
             (long long)merge_id);
    ck_assert_int_eq(t_sql_int(db, sql), 1);
    cs_db_close(db);
}
END_TEST

/* A survivor ends with at most CS_TAGS_MAX tags: of the merged customer's tags it lacks,
 * the first that fit move (and come back off on undo), the others stay with the merged
 * customer only. Reading the survivor afterwards works. */
START_TEST(merge_caps_the_survivors_tags)
{
    cs_db *db = t_open_memory();
    int64_t anna = create(db, "Anna", NULL), dup = create(db, "Dup", NULL), merge_id = 0;
    const char *mine[CS_TAGS_MAX - 2], *theirs[5];
    char names[CS_TAGS_MAX + 5][16];
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    cs_customer *c = NULL;

    for (size_t i = 0; i < CS_TAGS_MAX - 2; i++)
        snprintf(names[i], sizeof(names[i]), "a%02zu", i), mine[i] = names[i];
    for (size_t i = 0; i < 5; i++)
        snprintf(names[CS_TAGS_MAX + i], sizeof(names[0]), "z%zu", i),
            theirs[i] = names[CS_TAGS_MAX + i];
    f.tags = mine;
    f.ntags = CS_TAGS_MAX - 2;
    ck_assert_ok(cs_customer_update(db, anna, &f));
    f.tags = theirs;
    f.ntags = 5;
    ck_assert_ok(cs_customer_update(db, dup, &f));
    ck_assert_ok(cs_customer_merge(&merge_id, db, anna, dup));
    ck_assert_ok(cs_customer_lookup(&c, db, anna));
    ck_assert_uint_eq(cs_customer_tag_count(c), CS_TAGS_MAX);
    ck_assert_str_eq(cs_customer_tag(c, CS_TAGS_MAX - 1), "z1");
    cs_customer_free(c);
    ck_assert_ok(cs_customer_unmerge(db, merge_id));
    ck_assert_ok(cs_customer_lookup(&c, db, anna));
    ck_assert_uint_eq(cs_customer_tag_count(c), CS_TAGS_MAX - 2);
    cs_customer_free(c);
    ck_assert_ok(cs_customer_lookup(&c, db, dup));
    ck_assert_uint_eq(cs_customer_tag_count(c), 5);
    cs_customer_free(c);
    cs_db_close(db);
}
END_TEST

/* Export ------------------------------------------------------------------------------- */

START_TEST(export_document)
{
    cs_db *db = t_open_memory();
    int64_t agent = t_agent(db, "Petra", CS_ROLE_AGENT);
    int64_t anna = create(db, "Anna Müller", "anna@example.com"), other = create(db, "Bert", NULL);
    int64_t t1 = t_ticket(db, anna, "Wo ist mein Paket?"), t2 = t_ticket(db, anna, "Danke");
    json_t *doc, *tickets, *messages, *ident;
    char *text = NULL, iso[32];

    t_ticket(db, other, "Not Anna's");
    t_message(db, t1, CS_ACTOR_CUSTOMER, anna, 1, "Mein Paket ist nicht da 📦");
    t_message(db, t1, CS_ACTOR_AGENT, agent, 2, "Internal: check with DHL");
    t_message(db, t1, CS_ACTOR_AGENT, agent, 1, "Es ist unterwegs.");
    t_message(db, t2, CS_ACTOR_CUSTOMER, anna, 1, "Danke!");

    ck_assert_ok(cs_customer_export(&text, db, anna));
    ck_assert_ptr_nonnull(doc = json_loads(text, 0, NULL));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "customer"), "name")),
                     "Anna Müller");
    ident = json_array_get(json_object_get(doc, "identities"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(ident, "kind")), "email");
    ck_assert_str_eq(json_string_value(json_object_get(ident, "value")), "anna@example.com");
    tickets = json_object_get(doc, "tickets");
    ck_assert_uint_eq(json_array_size(tickets), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(tickets, 0), "subject")),
                     "Wo ist mein Paket?");
    ck_assert(json_is_object(json_object_get(json_array_get(tickets, 0), "custom")));
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(tickets, 0), "created_at")),
                     cs_time__iso(iso, t_now));
    messages = json_object_get(json_array_get(tickets, 0), "messages");
    ck_assert_uint_eq(json_array_size(messages), 3);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(messages, 0), "body")),
                     "Mein Paket ist nicht da 📦");
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(messages, 1), "visibility")),
                     CS_VISIBILITY_INTERNAL);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(messages, 1), "body")),
                     "Internal: check with DHL");
    ck_assert(json_is_array(json_object_get(json_array_get(messages, 0), "attachments")));
    ck_assert_uint_eq(json_array_size(json_object_get(json_array_get(tickets, 1), "messages")), 1);
    ck_assert_uint_ge(json_array_size(json_object_get(doc, "audit")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(doc, "audit"), 0), "action")),
                     "create");
    ck_assert_ptr_null(strstr(text, "Not Anna's"));
    json_decref(doc);
    cs_str_free(text);
    text = NULL;

    ck_assert_rc(cs_customer_export(&text, db, 4711), CS_ENOTFOUND);
    ck_assert_ptr_null(text);
    cs_db_close(db);
}
END_TEST

/* Erasure ------------------------------------------------------------------------------ */

START_TEST(erase_personal_data)
{
    cs_db *db = t_open_memory();
    int64_t agent = t_agent(db, "Petra", CS_ROLE_AGENT);
    int64_t anna = create(db, "Anna Geheim", "anna.geheim@example.com"), bert;
    int64_t t1 = t_ticket(db, anna, "Geheim: Kündigung"), m1, tickets;
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    const char *tags[] = {"geheim-tag"};
    cs_customer *c = NULL;
    char sql[300];

    bert = create(db, "Bert", "bert@example.com");
    t_ticket(db, bert, "Bert's ticket");
    f.custom_json = "{\"iban\":\"DE-geheim\"}";
    f.tags = tags;
    f.ntags = 1;
    f.timezone = "Europe/Berlin";
    ck_assert_ok(cs_customer_update(db, anna, &f));
    m1 = t_message(db, t1, CS_ACTOR_CUSTOMER, anna, 1, "Geheim: meine Adresse");
    t_message(db, t1, CS_ACTOR_AGENT, agent, 1, "Wir kündigen.");
    snprintf(sql, sizeof(sql),
             "INSERT INTO attachment (message_id, name, content_type, size, sha256,"
             " storage_ref, data) VALUES (%lld, 'geheim.pdf', 'application/pdf', 3, 'abc',"
             " 'geheim-ref', x'414243')",
             (long long)m1);
    ck_assert_int_eq(sqlite3_exec(db->sql, sql, NULL, NULL, NULL), SQLITE_OK);
    ck_assert_ok(cs_customer_erase(db, anna));

    /* Nothing personal is left anywhere in the customer, identity, message, attachment,
     * ticket or audit tables. */
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM customer WHERE name LIKE '%Geheim%'"
                                   " OR custom LIKE '%geheim%' OR timezone IS NOT NULL"
                                   " AND name = 'erased'"),
                     0);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM identity WHERE value LIKE '%geheim%'"), 0);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM customer_tag"), 0);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM message WHERE body LIKE '%geheim%'"
                                   " OR subject LIKE '%geheim%'"),
                     0);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM attachment WHERE name <> ''"
                                   " OR data IS NOT NULL OR storage_ref IS NOT NULL"),
                     0);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM ticket WHERE subject LIKE '%geheim%'"), 0);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit WHERE customer_id = %lld"
             " AND (old IS NOT NULL OR new IS NOT NULL)",
             (long long)anna);
    ck_assert_int_eq(t_sql_int(db, sql), 0);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM audit WHERE old LIKE '%geheim%'"
                                   " OR new LIKE '%geheim%'"),
                     0);
    /* The agent's reply is blanked too (replies quote names and addresses); the tickets
     * and the other customer are untouched. */
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM message WHERE body = 'Wir kündigen.'"), 0);
    tickets = t_sql_int(db, "SELECT count(*) FROM ticket");
    ck_assert_int_eq(tickets, 2);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM ticket WHERE status = 2"), 2);
    ck_assert_int_eq(find_id(db, CS_IDENTITY_EMAIL, "bert@example.com"), bert);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM ticket WHERE subject = 'Bert''s ticket'"),
                     1);

    ck_assert_ok(cs_customer_lookup(&c, db, anna));
    ck_assert_str_eq(cs_customer_name(c), "erased");
    ck_assert_int_eq(cs_customer_erased_at(c), t_now);
    ck_assert_uint_eq(cs_customer_identity_count(c), 0);
    ck_assert_str_eq(cs_customer_custom_json(c), "{}");
    cs_customer_free(c);
    ck_assert_int_eq(audit_count(db, anna, "erase"), 1);

    counts before = count_rows(db);
    ck_assert_rc(cs_customer_erase(db, anna), CS_ECONFLICT);
    ck_assert_rc(cs_customer_update(db, anna, &f), CS_ECONFLICT);
    ck_assert_rc(cs_customer_merge(NULL, db, bert, anna), CS_ECONFLICT);
    ck_assert_rc(cs_customer_merge(NULL, db, anna, bert), CS_ECONFLICT);
    ck_assert_rc(cs_customer_erase(db, 4711), CS_ENOTFOUND);
    ck_assert_unchanged(db, before);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM ticket"), tickets);
    cs_db_close(db);
}
END_TEST

START_TEST(unmerge_after_erase_conflicts)
{
    cs_db *db = t_open_memory();
    int64_t anna = create(db, "Anna", NULL), dup = create(db, "Dup", "d@example.com"), merge_id;

    ck_assert_ok(cs_customer_merge(&merge_id, db, anna, dup));
    ck_assert_ok(cs_customer_erase(db, anna));
    ck_assert_rc(cs_customer_unmerge(db, merge_id), CS_ECONFLICT);
    ck_assert_field("survivor_id");
    cs_db_close(db);
}
END_TEST

/* Organisations ------------------------------------------------------------------------ */

START_TEST(organization_create)
{
    cs_db *db = t_open_memory();
    int64_t id = 0, again = 0;

    ck_assert_ok(cs_organization_create(&id, db, "Bäckerei Müller", 1));
    ck_assert_int_gt(id, 0);
    ck_assert_int_eq(t_sql_int(db, "SELECT shared_tickets FROM organization"), 1);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM audit WHERE object = 'organization'"), 1);
    ck_assert_rc(cs_organization_create(&again, db, "Bäckerei Müller", 0), CS_EEXISTS);
    ck_assert_field("name");
    ck_assert_int_eq(again, 0);
    ck_assert_rc(cs_organization_create(&again, db, "", 0), CS_EINVAL);
    ck_assert_field("name");
    ck_assert_rc(cs_organization_create(&again, db, "\xC3\x28", 0), CS_EINVAL);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM organization"), 1);
    cs_db_close(db);
}
END_TEST

/* Permissions -------------------------------------------------------------------------- */

enum { A_SYSTEM, A_ADMIN, A_AGENT, A_LIGHT, A_SELF, A_OTHER, A_COUNT };
enum {
    OP_CREATE,
    OP_UPDATE,
    OP_LOOKUP_SELF,
    OP_LOOKUP_OTHER,
    OP_FIND,
    OP_MERGE,
    OP_ERASE,
    OP_EXPORT,
    OP_IDENTITY,
    OP_COUNT
};

/* 1: allowed. "self" is the customer the customer actor A_SELF is; "other" is A_OTHER. */
/* clang-format off */
static const int allowed[OP_COUNT][A_COUNT] = {
    /*                  system admin agent light self other */
    [OP_CREATE]       = {1,     1,    1,    0,    0,   0},
    [OP_UPDATE]       = {1,     1,    1,    0,    0,   0},
    [OP_LOOKUP_SELF]  = {1,     1,    1,    1,    1,   0},
    [OP_LOOKUP_OTHER] = {1,     1,    1,    1,    0,   1},
    [OP_FIND]         = {1,     1,    1,    1,    1,   0},
    [OP_MERGE]        = {1,     1,    1,    0,    0,   0},
    [OP_ERASE]        = {1,     1,    0,    0,    0,   0},
    [OP_EXPORT]       = {1,     1,    1,    0,    0,   0},
    [OP_IDENTITY]     = {1,     1,    1,    0,    0,   0},
};
/* clang-format on */

static int run_op(cs_db *db, int op, int64_t self, int64_t other)
{
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    cs_customer *c = NULL;
    char *text = NULL;
    int64_t id = 0;
    int rc = CS_ERROR;

    f.name = "Changed";
    switch (op) {
    case OP_CREATE:
        return cs_customer_create(&id, db, &f);
    case OP_UPDATE:
        return cs_customer_update(db, self, &f);
    case OP_LOOKUP_SELF:
    case OP_LOOKUP_OTHER:
        rc = cs_customer_lookup(&c, db, op == OP_LOOKUP_SELF ? self : other);
        break;
    case OP_FIND:
        rc = cs_customer_find(&c, db, CS_IDENTITY_EMAIL, "self@example.com");
        break;
    case OP_MERGE:
        return cs_customer_merge(NULL, db, self, other);
    case OP_ERASE:
        return cs_customer_erase(db, other);
    case OP_EXPORT:
        rc = cs_customer_export(&text, db, self);
        break;
    case OP_IDENTITY:
        return cs_customer_add_identity(db, self, CS_IDENTITY_CHAT, "new");
    }
    cs_customer_free(c);
    cs_str_free(text);
    return rc;
}

START_TEST(permission_matrix)
{
    for (int a = 0; a < A_COUNT; a++) {
        for (int op = 0; op < OP_COUNT; op++) {
            cs_db *db = t_open_memory();
            int64_t self = t_customer(db, "Self", "self@example.com");
            int64_t other = t_customer(db, "Other", "other@example.com");
            int64_t admin = t_agent(db, "Admin", CS_ROLE_ADMIN);
            int64_t agent = t_agent(db, "Agent", CS_ROLE_AGENT);
            int64_t light = t_agent(db, "Light", CS_ROLE_LIGHT);
            const int64_t actor_id[] = {0, admin, agent, light, self, other};
            const int actor_kind[] = {CS_ACTOR_SYSTEM, CS_ACTOR_AGENT,    CS_ACTOR_AGENT,
                                      CS_ACTOR_AGENT,  CS_ACTOR_CUSTOMER, CS_ACTOR_CUSTOMER};
            counts before;
            int rc;

            t_ticket(db, self, "Ticket");
            ck_assert_ok(cs_db_set_actor(db, actor_kind[a], actor_id[a]));
            before = count_rows(db);
            rc = run_op(db, op, self, other);
            if (allowed[op][a]) {
                ck_assert_msg(rc == CS_OK, "actor %d op %d: %s", a, op, cs_error_last()->message);
            } else {
                /* A customer looking for another customer finds nobody; everything else
                 * that is not allowed is refused as such. */
                bool hidden =
                    a >= A_SELF && (op == OP_LOOKUP_SELF || op == OP_LOOKUP_OTHER || op == OP_FIND);
                ck_assert_msg(rc == (hidden ? CS_ENOTFOUND : CS_EPERM),
                              "actor %d op %d returned %d", a, op, rc);
                ck_assert_unchanged(db, before);
                ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM customer"
                                               " WHERE name IN ('erased', 'Changed')"),
                                 0);
            }
            cs_db_close(db);
        }
    }
}
END_TEST

/* Allocation failures ------------------------------------------------------------------ */

START_TEST(allocation_failures)
{
    cs_db *db = t_open_memory();
    const char *tags[] = {"vip", "b2b"};
    cs_identity_spec ids[] = {{CS_IDENTITY_EMAIL, "Anna@Example.com"},
                              {CS_IDENTITY_PHONE, "+49 30 1234567"}};
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    cs_customer *c = NULL;
    int64_t id = 0;
    long n;
    int rc = CS_ENOMEM;

    f.name = "Anna";
    f.custom_json = "{\"a\":1}";
    f.tags = tags;
    f.ntags = 2;
    f.identities = ids;
    f.nidentities = 2;
    for (n = 1; rc == CS_ENOMEM; n++) {
        counts before = count_rows(db);
        cs_mem__fail_after(n);
        rc = cs_customer_create(&id, db, &f);
        cs_mem__fail_after(0);
        ck_assert_msg(rc == CS_OK || rc == CS_ENOMEM, "n=%ld: %d", n, rc);
        if (rc == CS_ENOMEM) {
            ck_assert_int_eq(id, 0);
            ck_assert_unchanged(db, before);
        }
    }
    ck_assert_int_gt(n, 3);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM customer"), 1);

    rc = CS_ENOMEM;
    for (n = 1; rc == CS_ENOMEM; n++) {
        cs_mem__fail_after(n);
        rc = cs_customer_lookup(&c, db, id);
        cs_mem__fail_after(0);
        ck_assert_msg(rc == CS_OK || rc == CS_ENOMEM, "n=%ld: %d", n, rc);
        if (rc == CS_ENOMEM)
            ck_assert_ptr_null(c);
    }
    ck_assert_int_gt(n, 3);
    ck_assert_uint_eq(cs_customer_identity_count(c), 2);
    ck_assert_uint_eq(cs_customer_tag_count(c), 2);
    cs_customer_free(c);
    cs_db_close(db);
}
END_TEST

Suite *cs_customer_suite(void)
{
    Suite *s = suite_create("customer");
    TCase *tc = tcase_create("identities");

    tcase_add_test(tc, normalize_table);
    tcase_add_test(tc, normalize_bad_arguments);
    tcase_add_test(tc, kind_names);
    tcase_add_test(tc, identity_unique_across_customers);
    tcase_add_test(tc, identity_add_remove_audited);
    suite_add_tcase(s, tc);

    tc = tcase_create("crud");
    tcase_add_test(tc, create_lookup_round_trip);
    tcase_add_test(tc, create_defaults_and_getters_on_null);
    tcase_add_test(tc, to_json_fields);
    tcase_add_test(tc, find_by_identity);
    tcase_add_test(tc, update_each_field);
    tcase_add_test(tc, bad_input_names_the_field);
    tcase_add_test(tc, unknown_time_zones_are_refused);
    tcase_add_test(tc, organization_create);
    suite_add_tcase(s, tc);

    tc = tcase_create("iterate");
    tcase_add_test(tc, iterate_pages);
    tcase_add_test(tc, iterate_organization);
    suite_add_tcase(s, tc);

    tc = tcase_create("merge");
    tcase_add_test(tc, merge_and_unmerge_round_trip);
    tcase_add_test(tc, merge_recorded_moves);
    tcase_add_test(tc, merge_caps_the_survivors_tags);
    tcase_add_test(tc, unmerge_after_erase_conflicts);
    suite_add_tcase(s, tc);

    tc = tcase_create("export_erase");
    tcase_add_test(tc, export_document);
    tcase_add_test(tc, erase_personal_data);
    suite_add_tcase(s, tc);

    tc = tcase_create("robustness");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, permission_matrix);
    tcase_add_test(tc, allocation_failures);
    suite_add_tcase(s, tc);
    return s;
}
