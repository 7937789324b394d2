/*
 * Configuration objects: channels, agents, groups and custom-field definitions. Round trips,
 * defaults, JSON, the audit trail of every change, bad input, permissions, allocation
 * failures.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"
#include "helpers.h"

/* ------------------------------------------------------------------------------------- */
/* Helpers */

/* Every row of the configuration tables and the audit trail as one text, so a test can
 * show that a refused call wrote nothing at all. Release with free(). */

#define ck_assert_unchanged(db, before)                                                            \
    do {                                                                                           \
        char *after_ = t_snapshot(db);                                                             \
        ck_assert_str_eq(after_, (before));                                                        \
        free(after_);                                                                              \
    } while (0)

/* How many audit entries match, and the old and new values of the last one ("NULL" for
 * none). `field` NULL matches entries without a field. */
typedef struct audit_hit {
    int count;
    char old_value[128];
    char new_value[128];
    int actor_kind;
    int64_t actor_id;
} audit_hit;

static audit_hit audit_find(cs_db *db, const char *object, int64_t id, const char *action,
                            const char *field)
{
    audit_hit hit = {0};
    cs_audit_iter *it = NULL;
    const cs_audit_entry *e;
    int rc;

    ck_assert_ok(cs_audit_iter_new(&it, db, CS_AUDIT_OBJECT, id, object));
    while ((rc = cs_audit_next(&e, it)) == CS_OK) {
        if (strcmp(e->action, action) != 0 ||
            (field ? !e->field || strcmp(e->field, field) : e->field != NULL))
            continue;
        hit.count++;
        snprintf(hit.old_value, sizeof(hit.old_value), "%s", e->old_value ? e->old_value : "NULL");
        snprintf(hit.new_value, sizeof(hit.new_value), "%s", e->new_value ? e->new_value : "NULL");
        hit.actor_kind = e->actor_kind;
        hit.actor_id = e->actor_id;
    }
    ck_assert_rc(rc, CS_ITEROVER);
    cs_audit_iter_free(it);
    return hit;
}

/* Assert exactly one update of `field` was recorded, from `old_value` to `new_value`. */
static void check_audit(cs_db *db, const char *object, int64_t id, const char *field,
                        const char *old_value, const char *new_value)
{
    audit_hit hit = audit_find(db, object, id, "update", field);
    ck_assert_msg(hit.count == 1, "%s %lld: %d updates of %s recorded", object, (long long)id,
                  hit.count, field);
    ck_assert_str_eq(hit.old_value, old_value);
    ck_assert_str_eq(hit.new_value, new_value);
}

static int64_t audit_rows(cs_db *db)
{
    return t_sql_int(db, "SELECT count(*) FROM audit");
}

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    ck_assert_msg(v != NULL, "bad JSON %s: %s", text, err.text);
    return v;
}

#define ck_json_str(obj, key, expected)                                                            \
    ck_assert_str_eq(json_string_value(json_object_get((obj), (key))), (expected))
#define ck_json_int(obj, key, expected)                                                            \
    ck_assert_int_eq(json_integer_value(json_object_get((obj), (key))), (expected))
#define ck_json_true(obj, key) ck_assert(json_is_true(json_object_get((obj), (key))))
#define ck_json_false(obj, key) ck_assert(json_is_false(json_object_get((obj), (key))))
#define ck_json_null(obj, key) ck_assert(json_is_null(json_object_get((obj), (key))))

/* A string of n copies of c; release with free(). */
static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    ck_assert_ptr_nonnull(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static int64_t create_channel(cs_db *db, int kind, const char *name)
{
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    int64_t id = 0;
    f.kind = kind;
    f.name = name;
    ck_assert_ok(cs_channel_create(&id, db, &f));
    ck_assert_int_gt(id, 0);
    return id;
}

static int64_t create_agent(cs_db *db, const char *name, const char *email)
{
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    int64_t id = 0;
    f.name = name;
    f.email = email;
    ck_assert_ok(cs_agent_create(&id, db, &f));
    ck_assert_int_gt(id, 0);
    return id;
}

/* A cs_call request that must fail with CS_EINVAL naming `field`. */
static void assert_json_error(cs_db *db, const char *method, const char *request, const char *field)
{
    char *resp = NULL;
    ck_assert_rc(cs_call(&resp, db, method, request), CS_EINVAL);
    ck_assert_field(field);
    cs_str_free(resp);
}

/* ------------------------------------------------------------------------------------- */
/* Enum names */

START_TEST(channel_kinds)
{
    static const struct {
        int kind;
        const char *name;
        int identity;
    } kinds[] = {
        {CS_CHANNEL_EMAIL, "email", CS_IDENTITY_EMAIL},
        {CS_CHANNEL_PHONE, "phone", CS_IDENTITY_PHONE},
        {CS_CHANNEL_CHAT, "chat", CS_IDENTITY_CHAT},
        {CS_CHANNEL_WEBFORM, "webform", CS_IDENTITY_EMAIL},
        {CS_CHANNEL_TWITTER, "twitter", CS_IDENTITY_TWITTER},
        {CS_CHANNEL_FACEBOOK, "facebook", CS_IDENTITY_FACEBOOK},
        {CS_CHANNEL_WHATSAPP, "whatsapp", CS_IDENTITY_WHATSAPP},
        {CS_CHANNEL_SMS, "sms", CS_IDENTITY_PHONE},
        {CS_CHANNEL_API, "api", CS_IDENTITY_EXTERNAL},
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        ck_assert_str_eq(cs_channel_kind_name(kinds[i].kind), kinds[i].name);
        ck_assert_int_eq(cs_channel_kind_parse(kinds[i].name), kinds[i].kind);
        ck_assert_int_eq(cs_channel_kind_identity(kinds[i].kind), kinds[i].identity);
    }
    ck_assert_ptr_null(cs_channel_kind_name(0));
    ck_assert_ptr_null(cs_channel_kind_name(10));
    ck_assert_ptr_null(cs_channel_kind_name(-1));
    ck_assert_int_eq(cs_channel_kind_parse("fax"), 0);
    ck_assert_int_eq(cs_channel_kind_parse("Email"), 0);
    ck_assert_int_eq(cs_channel_kind_parse(NULL), 0);
    ck_assert_int_eq(cs_channel_kind_identity(0), 0);
    ck_assert_int_eq(cs_channel_kind_identity(10), 0);
    ck_assert_int_eq(cs_channel_kind_identity(-3), 0);
}
END_TEST

START_TEST(agent_roles)
{
    ck_assert_str_eq(cs_agent_role_name(CS_ROLE_ADMIN), "admin");
    ck_assert_str_eq(cs_agent_role_name(CS_ROLE_AGENT), "agent");
    ck_assert_str_eq(cs_agent_role_name(CS_ROLE_LIGHT), "light");
    ck_assert_ptr_null(cs_agent_role_name(0));
    ck_assert_ptr_null(cs_agent_role_name(4));
    ck_assert_int_eq(cs_agent_role_parse("admin"), CS_ROLE_ADMIN);
    ck_assert_int_eq(cs_agent_role_parse("agent"), CS_ROLE_AGENT);
    ck_assert_int_eq(cs_agent_role_parse("light"), CS_ROLE_LIGHT);
    ck_assert_int_eq(cs_agent_role_parse("root"), 0);
    ck_assert_int_eq(cs_agent_role_parse(NULL), 0);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* Channels */

START_TEST(channel_create_every_field)
{
    cs_db *db = t_open_memory();
    int64_t group = t_group(db, "Social"), id = 0;
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    cs_channel *ch = NULL, *by_name = NULL;

    f.kind = CS_CHANNEL_TWITTER;
    f.name = "Twitter Ümlaut 🐦";
    f.address = "@shop";
    f.is_public = 1;
    f.signature = 1;
    f.default_group_id = group;
    f.enabled = 0;
    ck_assert_ok(cs_channel_create(&id, db, &f));
    ck_assert_int_gt(id, 0);

    ck_assert_ok(cs_channel_lookup(&ch, db, id));
    ck_assert_int_eq(cs_channel_id(ch), id);
    ck_assert_int_eq(cs_channel_kind(ch), CS_CHANNEL_TWITTER);
    ck_assert_str_eq(cs_channel_name(ch), "Twitter Ümlaut 🐦");
    ck_assert_str_eq(cs_channel_address(ch), "@shop");
    ck_assert_int_eq(cs_channel_is_public(ch), 1);
    ck_assert_int_eq(cs_channel_signature(ch), 1);
    ck_assert_int_eq(cs_channel_default_group_id(ch), group);
    ck_assert_int_eq(cs_channel_enabled(ch), 0);

    ck_assert_ok(cs_channel_lookup_name(&by_name, db, "Twitter Ümlaut 🐦"));
    ck_assert_int_eq(cs_channel_id(by_name), id);
    ck_assert_str_eq(cs_channel_address(by_name), "@shop");

    audit_hit hit = audit_find(db, "channel", id, "create", NULL);
    ck_assert_int_eq(hit.count, 1);
    ck_assert_int_eq(hit.actor_kind, CS_ACTOR_SYSTEM);
    ck_assert_int_eq(audit_rows(db), 1);
    ck_assert_int_eq(t_sql_int(db, "SELECT created_at FROM channel"), t_now);
    ck_assert_int_eq(t_sql_int(db, "SELECT updated_at FROM channel"), t_now);
    cs_channel_free(ch);
    cs_channel_free(by_name);
    cs_db_close(db);
}
END_TEST

START_TEST(channel_defaults)
{
    cs_db *db = t_open_memory();
    int64_t id = create_channel(db, CS_CHANNEL_EMAIL, "Mail");
    cs_channel *ch = NULL;

    ck_assert_ok(cs_channel_lookup(&ch, db, id));
    ck_assert_int_eq(cs_channel_kind(ch), CS_CHANNEL_EMAIL);
    ck_assert_str_eq(cs_channel_name(ch), "Mail");
    ck_assert_ptr_null(cs_channel_address(ch));
    ck_assert_int_eq(cs_channel_is_public(ch), 0);
    ck_assert_int_eq(cs_channel_signature(ch), 0);
    ck_assert_int_eq(cs_channel_default_group_id(ch), 0);
    ck_assert_int_eq(cs_channel_enabled(ch), 1);
    cs_channel_free(ch);

    /* An empty address on create is no address. */
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    f.kind = CS_CHANNEL_CHAT;
    f.name = "Chat";
    f.address = "";
    ck_assert_ok(cs_channel_create(&id, db, &f));
    ck_assert_ok(cs_channel_lookup(&ch, db, id));
    ck_assert_ptr_null(cs_channel_address(ch));
    cs_channel_free(ch);
    cs_db_close(db);
}
END_TEST

START_TEST(channel_to_json)
{
    cs_db *db = t_open_memory();
    int64_t group = t_group(db, "Social"), id = 0;
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    cs_channel *ch = NULL;
    char *text = NULL;

    f.kind = CS_CHANNEL_FACEBOOK;
    f.name = "Facebook";
    f.address = "shop.example";
    f.is_public = 1;
    f.default_group_id = group;
    ck_assert_ok(cs_channel_create(&id, db, &f));
    ck_assert_ok(cs_channel_lookup(&ch, db, id));
    ck_assert_ok(cs_channel_to_json(&text, ch));
    /* Compact, with sorted keys: stable output. */
    ck_assert_int_eq(text[0], '{');
    ck_assert_ptr_null(strchr(text, '\n'));
    ck_assert_ptr_nonnull(strstr(text, "\"address\":\"shop.example\",\"created_at\""));

    json_t *o = parse(text);
    ck_assert_int_eq(json_object_size(o), 12);
    ck_json_int(o, "id", id);
    ck_json_str(o, "kind", "facebook");
    ck_json_str(o, "name", "Facebook");
    ck_json_str(o, "address", "shop.example");
    ck_json_true(o, "public");
    ck_json_false(o, "signature");
    ck_json_int(o, "default_group_id", group);
    ck_json_true(o, "enabled");
    ck_json_str(o, "created_at", "2026-03-02T09:00:00Z");
    ck_json_str(o, "updated_at", "2026-03-02T09:00:00Z");
    json_decref(o);
    cs_str_free(text);
    cs_channel_free(ch);

    /* Unset values are null. */
    id = create_channel(db, CS_CHANNEL_API, "API");
    ck_assert_ok(cs_channel_lookup(&ch, db, id));
    ck_assert_ok(cs_channel_to_json(&text, ch));
    o = parse(text);
    ck_json_null(o, "address");
    ck_json_null(o, "default_group_id");
    ck_json_null(o, "locale");
    ck_json_null(o, "timezone");
    ck_json_str(o, "kind", "api");
    json_decref(o);
    cs_str_free(text);
    cs_channel_free(ch);

    text = (char *)1;
    ck_assert_rc(cs_channel_to_json(&text, NULL), CS_EINVAL);
    ck_assert_ptr_null(text);
    cs_db_close(db);
}
END_TEST

/* A channel's locale and time zone: set, read, listed, changed, cleared and checked like a
 * customer's; a version 1 struct, which has neither, leaves them alone. */
START_TEST(channel_locale_and_timezone)
{
    cs_db *db = t_open_memory();
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT, v1;
    cs_channel_list *list = NULL;
    cs_channel *ch = NULL;
    int64_t id = 0, old_id = 0;
    char *resp = NULL;

    f.kind = CS_CHANNEL_EMAIL;
    f.name = "Mail DE";
    f.locale = "de";
    f.timezone = "Europe/Berlin";
    ck_assert_ok(cs_channel_create(&id, db, &f));
    ck_assert_ok(cs_channel_lookup(&ch, db, id));
    ck_assert_str_eq(cs_channel_locale(ch), "de");
    ck_assert_str_eq(cs_channel_timezone(ch), "Europe/Berlin");
    cs_channel_free(ch);
    ck_assert_ok(cs_channel_list_get(&list, db));
    ck_assert_str_eq(cs_channel_locale(cs_channel_list_item(list, 0)), "de");
    ck_assert_str_eq(cs_channel_timezone(cs_channel_list_item(list, 0)), "Europe/Berlin");
    cs_channel_list_free(list);

    /* Through JSON: read, change one, clear the other with null. */
    ck_assert_ok(cs_call(&resp, db, "channel.get", "{\"id\": 1}"));
    json_t *o = parse(resp);
    ck_json_str(o, "locale", "de");
    ck_json_str(o, "timezone", "Europe/Berlin");
    json_decref(o);
    cs_str_free(resp);
    ck_assert_ok(cs_call(&resp, db, "channel.update",
                         "{\"id\": 1, \"locale\": \"de-AT\", \"timezone\": null}"));
    o = parse(resp);
    ck_json_str(o, "locale", "de-AT");
    ck_json_null(o, "timezone");
    json_decref(o);
    cs_str_free(resp);
    check_audit(db, "channel", id, "locale", "de", "de-AT");
    check_audit(db, "channel", id, "timezone", "Europe/Berlin", "NULL");

    /* Checked as a customer's are; nothing changes. */
    char *before = t_snapshot(db);
    assert_json_error(db, "channel.update", "{\"id\": 1, \"locale\": \"deutsch!\"}", "locale");
    assert_json_error(db, "channel.update", "{\"id\": 1, \"timezone\": \"Mars/Base\"}", "timezone");
    assert_json_error(db, "channel.create",
                      "{\"kind\": \"chat\", \"name\": \"C\", \"timezone\": \"../etc\"}",
                      "timezone");
    ck_assert_unchanged(db, before);
    free(before);

    /* A version 1 struct ends before locale: what lies after it is not read. */
    memset(&v1, 0xAA, sizeof(v1));
    ck_assert_ok(cs_channel_fields_init(&v1, 1));
    v1.kind = CS_CHANNEL_CHAT;
    v1.name = "Chat";
    ck_assert_ok(cs_channel_create(&old_id, db, &v1));
    v1.kind = 0;
    v1.name = "Chat 2";
    ck_assert_ok(cs_channel_update(db, id, &v1));
    ck_assert_ok(cs_channel_lookup(&ch, db, old_id));
    ck_assert_ptr_null(cs_channel_locale(ch));
    ck_assert_ptr_null(cs_channel_timezone(ch));
    cs_channel_free(ch);
    ck_assert_ok(cs_channel_lookup(&ch, db, id));
    ck_assert_str_eq(cs_channel_locale(ch), "de-AT"); /* kept */
    cs_channel_free(ch);
    cs_db_close(db);
}
END_TEST

START_TEST(channel_list_json)
{
    cs_db *db = t_open_memory();
    char *text = NULL;

    ck_assert_ok(cs_channel_list_json(&text, db));
    ck_assert_str_eq(text, "[]");
    cs_str_free(text);

    int64_t a = create_channel(db, CS_CHANNEL_EMAIL, "Mail");
    int64_t b = t_channel(db, CS_CHANNEL_PHONE, "Hotline");
    int64_t c = create_channel(db, CS_CHANNEL_WHATSAPP, "WhatsApp");
    ck_assert_ok(cs_channel_list_json(&text, db));
    json_t *list = parse(text);
    ck_assert(json_is_array(list));
    ck_assert_int_eq(json_array_size(list), 3);
    int64_t ids[] = {a, b, c};
    const char *names[] = {"Mail", "Hotline", "WhatsApp"};
    const char *kinds[] = {"email", "phone", "whatsapp"};
    for (size_t i = 0; i < 3; i++) {
        json_t *o = json_array_get(list, i);
        ck_json_int(o, "id", ids[i]);
        ck_json_str(o, "name", names[i]);
        ck_json_str(o, "kind", kinds[i]);
        ck_json_true(o, "enabled");
        ck_json_null(o, "address");
    }
    json_decref(list);
    cs_str_free(text);

    ck_assert_rc(cs_channel_list_json(NULL, db), CS_EINVAL);
    ck_assert_rc(cs_channel_list_json(&text, NULL), CS_EINVAL);
    cs_db_close(db);
}
END_TEST

START_TEST(channel_list)
{
    cs_db *db = t_open_memory();
    cs_time start = t_now;
    int64_t group = t_group(db, "Social");
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    cs_channel_list *list = NULL;
    const cs_channel *ch;
    int64_t a, b, c;

    ck_assert_ok(cs_channel_list_get(&list, db));
    ck_assert_ptr_nonnull(list);
    ck_assert_uint_eq(cs_channel_list_count(list), 0);
    ck_assert_ptr_null(cs_channel_list_item(list, 0));
    cs_channel_list_free(list);

    /* Three channels, the last changed an hour later: the list is in id order and carries
     * every field. */
    a = create_channel(db, CS_CHANNEL_WHATSAPP, "WhatsApp");
    f.kind = CS_CHANNEL_EMAIL;
    f.name = "Mail";
    f.address = "support@shop.example";
    f.signature = 1;
    f.default_group_id = group;
    ck_assert_ok(cs_channel_create(&b, db, &f));
    c = t_channel(db, CS_CHANNEL_PHONE, "Hotline");
    t_now += 3600;
    f = (cs_channel_fields)CS_CHANNEL_FIELDS_INIT;
    f.is_public = 1;
    f.enabled = 0;
    ck_assert_ok(cs_channel_update(db, c, &f));

    ck_assert_ok(cs_channel_list_get(&list, db));
    ck_assert_uint_eq(cs_channel_list_count(list), 3);
    ch = cs_channel_list_item(list, 0);
    ck_assert_int_eq(cs_channel_id(ch), a);
    ck_assert_int_eq(cs_channel_kind(ch), CS_CHANNEL_WHATSAPP);
    ck_assert_str_eq(cs_channel_name(ch), "WhatsApp");
    ck_assert_ptr_null(cs_channel_address(ch));
    ck_assert_int_eq(cs_channel_default_group_id(ch), 0);
    ck_assert_int_eq(cs_channel_enabled(ch), 1);
    ch = cs_channel_list_item(list, 1);
    ck_assert_int_eq(cs_channel_id(ch), b);
    ck_assert_int_eq(cs_channel_kind(ch), CS_CHANNEL_EMAIL);
    ck_assert_str_eq(cs_channel_name(ch), "Mail");
    ck_assert_str_eq(cs_channel_address(ch), "support@shop.example");
    ck_assert_int_eq(cs_channel_signature(ch), 1);
    ck_assert_int_eq(cs_channel_is_public(ch), 0);
    ck_assert_int_eq(cs_channel_default_group_id(ch), group);
    ck_assert_int_eq(cs_channel_created_at(ch), start);
    ck_assert_int_eq(cs_channel_updated_at(ch), start);
    ch = cs_channel_list_item(list, 2);
    ck_assert_int_eq(cs_channel_id(ch), c);
    ck_assert_str_eq(cs_channel_name(ch), "Hotline");
    ck_assert_int_eq(cs_channel_is_public(ch), 1);
    ck_assert_int_eq(cs_channel_enabled(ch), 0);
    ck_assert_int_eq(cs_channel_created_at(ch), start);
    ck_assert_int_eq(cs_channel_updated_at(ch), start + 3600);
    ck_assert_ptr_null(cs_channel_list_item(list, 3));
    ck_assert_ptr_null(cs_channel_list_item(list, SIZE_MAX));

    /* The list's channels outlive later changes: they were read at once. */
    f = (cs_channel_fields)CS_CHANNEL_FIELDS_INIT;
    f.name = "E-Mail";
    ck_assert_ok(cs_channel_update(db, b, &f));
    ck_assert_str_eq(cs_channel_name(cs_channel_list_item(list, 1)), "Mail");
    cs_channel_list_free(list);

    /* Nothing for NULL; customers see no channels. */
    ck_assert_uint_eq(cs_channel_list_count(NULL), 0);
    ck_assert_ptr_null(cs_channel_list_item(NULL, 0));
    cs_channel_list_free(NULL);
    ck_assert_int_eq(cs_channel_created_at(NULL), 0);
    ck_assert_int_eq(cs_channel_updated_at(NULL), 0);
    list = (cs_channel_list *)1;
    ck_assert_rc(cs_channel_list_get(&list, NULL), CS_EINVAL);
    ck_assert_ptr_null(list);
    ck_assert_rc(cs_channel_list_get(NULL, db), CS_EINVAL);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_CUSTOMER, t_customer(db, "Eve", "eve@example.org")));
    list = (cs_channel_list *)1;
    ck_assert_rc(cs_channel_list_get(&list, db), CS_EPERM);
    ck_assert_ptr_null(list);
    cs_db_close(db);
}
END_TEST

START_TEST(channel_update_each_field)
{
    cs_db *db = t_open_memory();
    int64_t g1 = t_group(db, "First line"), g2 = t_group(db, "Second line");
    int64_t id = create_channel(db, CS_CHANNEL_EMAIL, "Mail");
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    cs_channel *ch = NULL;
    char g1_text[24], g2_text[24];

    snprintf(g1_text, sizeof(g1_text), "%lld", (long long)g1);
    snprintf(g2_text, sizeof(g2_text), "%lld", (long long)g2);
    t_now += 60;

    f.name = "Support mail";
    ck_assert_ok(cs_channel_update(db, id, &f));
    check_audit(db, "channel", id, "name", "Mail", "Support mail");
    ck_assert_int_eq(t_sql_int(db, "SELECT updated_at FROM channel"), t_now);

    f = (cs_channel_fields)CS_CHANNEL_FIELDS_INIT;
    f.address = "support@shop.example";
    ck_assert_ok(cs_channel_update(db, id, &f));
    check_audit(db, "channel", id, "address", "NULL", "support@shop.example");

    f = (cs_channel_fields)CS_CHANNEL_FIELDS_INIT;
    f.is_public = 1;
    ck_assert_ok(cs_channel_update(db, id, &f));
    check_audit(db, "channel", id, "is_public", "false", "true");

    f = (cs_channel_fields)CS_CHANNEL_FIELDS_INIT;
    f.signature = 1;
    ck_assert_ok(cs_channel_update(db, id, &f));
    check_audit(db, "channel", id, "signature", "false", "true");

    f = (cs_channel_fields)CS_CHANNEL_FIELDS_INIT;
    f.enabled = 0;
    ck_assert_ok(cs_channel_update(db, id, &f));
    check_audit(db, "channel", id, "enabled", "true", "false");

    f = (cs_channel_fields)CS_CHANNEL_FIELDS_INIT;
    f.default_group_id = g1;
    ck_assert_ok(cs_channel_update(db, id, &f));
    check_audit(db, "channel", id, "default_group_id", "NULL", g1_text);

    ck_assert_ok(cs_channel_lookup(&ch, db, id));
    ck_assert_str_eq(cs_channel_name(ch), "Support mail");
    ck_assert_str_eq(cs_channel_address(ch), "support@shop.example");
    ck_assert_int_eq(cs_channel_is_public(ch), 1);
    ck_assert_int_eq(cs_channel_signature(ch), 1);
    ck_assert_int_eq(cs_channel_enabled(ch), 0);
    ck_assert_int_eq(cs_channel_default_group_id(ch), g1);
    ck_assert_int_eq(cs_channel_kind(ch), CS_CHANNEL_EMAIL);
    cs_channel_free(ch);

    /* Changing the group to another is one audit row of its own. */
    f = (cs_channel_fields)CS_CHANNEL_FIELDS_INIT;
    f.default_group_id = g2;
    ck_assert_ok(cs_channel_update(db, id, &f));
    ck_assert_int_eq(audit_find(db, "channel", id, "update", "default_group_id").count, 2);

    /* Clearing: "" for the address, CS_ID_CLEAR for the group, 0 for booleans. */
    f = (cs_channel_fields)CS_CHANNEL_FIELDS_INIT;
    f.address = "";
    f.default_group_id = CS_ID_CLEAR;
    f.is_public = 0;
    f.signature = 0;
    f.enabled = 1;
    ck_assert_ok(cs_channel_update(db, id, &f));
    audit_hit hit = audit_find(db, "channel", id, "update", "address");
    ck_assert_int_eq(hit.count, 2);
    ck_assert_str_eq(hit.old_value, "support@shop.example");
    ck_assert_str_eq(hit.new_value, "NULL");
    hit = audit_find(db, "channel", id, "update", "default_group_id");
    ck_assert_str_eq(hit.old_value, g2_text);
    ck_assert_str_eq(hit.new_value, "NULL");
    ck_assert_ok(cs_channel_lookup(&ch, db, id));
    ck_assert_ptr_null(cs_channel_address(ch));
    ck_assert_int_eq(cs_channel_default_group_id(ch), 0);
    ck_assert_int_eq(cs_channel_is_public(ch), 0);
    ck_assert_int_eq(cs_channel_signature(ch), 0);
    ck_assert_int_eq(cs_channel_enabled(ch), 1);
    cs_channel_free(ch);

    /* Nothing given, or the same values again, or the same kind: nothing recorded, the
     * update time stays. */
    int64_t rows = audit_rows(db), updated = t_sql_int(db, "SELECT updated_at FROM channel");
    t_now += 60;
    f = (cs_channel_fields)CS_CHANNEL_FIELDS_INIT;
    ck_assert_ok(cs_channel_update(db, id, &f));
    f.kind = CS_CHANNEL_EMAIL;
    f.name = "Support mail";
    f.address = "";
    f.is_public = 0;
    f.enabled = 1;
    f.default_group_id = CS_ID_CLEAR;
    ck_assert_ok(cs_channel_update(db, id, &f));
    ck_assert_int_eq(audit_rows(db), rows);
    ck_assert_int_eq(t_sql_int(db, "SELECT updated_at FROM channel"), updated);

    /* The kind cannot change. */
    char *before = t_snapshot(db);
    f = (cs_channel_fields)CS_CHANNEL_FIELDS_INIT;
    f.kind = CS_CHANNEL_SMS;
    f.name = "SMS";
    ck_assert_rc(cs_channel_update(db, id, &f), CS_EINVAL);
    ck_assert_field("kind");
    ck_assert_unchanged(db, before);
    free(before);
    cs_db_close(db);
}
END_TEST

START_TEST(channel_update_several_fields_one_audit_row_each)
{
    cs_db *db = t_open_memory();
    int64_t id = create_channel(db, CS_CHANNEL_CHAT, "Chat");
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;

    f.name = "Live chat";
    f.address = "chat.shop.example";
    f.is_public = 0; /* unchanged: not recorded */
    ck_assert_ok(cs_channel_update(db, id, &f));
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM audit WHERE action = 'update'"), 2);
    check_audit(db, "channel", id, "name", "Chat", "Live chat");
    check_audit(db, "channel", id, "address", "NULL", "chat.shop.example");
    ck_assert_int_eq(audit_find(db, "channel", id, "update", "is_public").count, 0);
    cs_db_close(db);
}
END_TEST

START_TEST(channel_duplicate_name)
{
    cs_db *db = t_open_memory();
    int64_t id = create_channel(db, CS_CHANNEL_EMAIL, "Mail"), other = 0;
    int64_t second = create_channel(db, CS_CHANNEL_CHAT, "Chat");
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    char *before = t_snapshot(db);

    f.kind = CS_CHANNEL_WEBFORM;
    f.name = "Mail";
    ck_assert_rc(cs_channel_create(&other, db, &f), CS_EEXISTS);
    ck_assert_field("name");
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "\"Mail\""));
    ck_assert_int_eq(other, 0);
    ck_assert_unchanged(db, before);

    /* Taking another channel's name in an update, with another change besides. */
    f = (cs_channel_fields)CS_CHANNEL_FIELDS_INIT;
    f.name = "Mail";
    f.address = "help@chat.example";
    ck_assert_rc(cs_channel_update(db, second, &f), CS_EEXISTS);
    ck_assert_field("name");
    ck_assert_unchanged(db, before);

    /* Its own name is no conflict. */
    ck_assert_ok(cs_channel_update(db, id, &f));
    free(before);
    cs_db_close(db);
}
END_TEST

START_TEST(channel_bad_input)
{
    cs_db *db = t_open_memory();
    int64_t id = create_channel(db, CS_CHANNEL_EMAIL, "Mail"), out = 0;
    char *long_name = repeat('n', CS_NAME_MAX + 1), *long_address = repeat('a', 321);
    char *max_name = repeat('m', CS_NAME_MAX);
    char *before = t_snapshot(db);
    struct {
        const char *field;
        cs_channel_fields f;
        bool create_only;
    } bad[] = {
        {"fields",
         {0, CS_CHANNEL_EMAIL, "X", NULL, CS_UNSET, CS_UNSET, 0, CS_UNSET, NULL, NULL},
         false},
        {"fields",
         {3, CS_CHANNEL_EMAIL, "X", NULL, CS_UNSET, CS_UNSET, 0, CS_UNSET, NULL, NULL},
         false},
        {"kind", {1, 0, "X", NULL, CS_UNSET, CS_UNSET, 0, CS_UNSET, NULL, NULL}, true},
        {"kind", {1, 10, "X", NULL, CS_UNSET, CS_UNSET, 0, CS_UNSET, NULL, NULL}, false},
        {"kind", {1, -2, "X", NULL, CS_UNSET, CS_UNSET, 0, CS_UNSET, NULL, NULL}, false},
        {"name",
         {1, CS_CHANNEL_EMAIL, NULL, NULL, CS_UNSET, CS_UNSET, 0, CS_UNSET, NULL, NULL},
         true},
        {"name",
         {1, CS_CHANNEL_EMAIL, "", NULL, CS_UNSET, CS_UNSET, 0, CS_UNSET, NULL, NULL},
         false},
        {"name",
         {1, CS_CHANNEL_EMAIL, "\xC3\x28", NULL, CS_UNSET, CS_UNSET, 0, CS_UNSET, NULL, NULL},
         false},
        {"name",
         {1, CS_CHANNEL_EMAIL, long_name, NULL, CS_UNSET, CS_UNSET, 0, CS_UNSET, NULL, NULL},
         false},
        {"address",
         {1, CS_CHANNEL_EMAIL, "X", "\xff", CS_UNSET, CS_UNSET, 0, CS_UNSET, NULL, NULL},
         false},
        {"address",
         {1, CS_CHANNEL_EMAIL, "X", long_address, CS_UNSET, CS_UNSET, 0, CS_UNSET, NULL, NULL},
         false},
        {"is_public",
         {1, CS_CHANNEL_EMAIL, "X", NULL, 2, CS_UNSET, 0, CS_UNSET, NULL, NULL},
         false},
        {"signature",
         {1, CS_CHANNEL_EMAIL, "X", NULL, CS_UNSET, -5, 0, CS_UNSET, NULL, NULL},
         false},
        {"enabled", {1, CS_CHANNEL_EMAIL, "X", NULL, CS_UNSET, CS_UNSET, 0, 7, NULL, NULL}, false},
        {"default_group_id",
         {1, CS_CHANNEL_EMAIL, "X", NULL, CS_UNSET, CS_UNSET, -7, CS_UNSET, NULL, NULL},
         false},
        {"locale",
         {2, CS_CHANNEL_EMAIL, "X", NULL, CS_UNSET, CS_UNSET, 0, CS_UNSET, "deutsch", NULL},
         false},
        {"timezone",
         {2, CS_CHANNEL_EMAIL, "X", NULL, CS_UNSET, CS_UNSET, 0, CS_UNSET, NULL, "Mars/Base"},
         false},
    };

    ck_assert_rc(cs_channel_create(&out, db, NULL), CS_EINVAL);
    ck_assert_field("fields");
    ck_assert_rc(cs_channel_update(db, id, NULL), CS_EINVAL);
    ck_assert_field("fields");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        out = 99;
        ck_assert_msg(cs_channel_create(&out, db, &bad[i].f) == CS_EINVAL, "create case %zu", i);
        ck_assert_field(bad[i].field);
        ck_assert_int_eq(out, 0);
        if (!bad[i].create_only) {
            ck_assert_msg(cs_channel_update(db, id, &bad[i].f) == CS_EINVAL, "update case %zu", i);
            ck_assert_field(bad[i].field);
        }
    }
    ck_assert_unchanged(db, before);

    /* The limits themselves are fine. */
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    f.kind = CS_CHANNEL_API;
    f.name = max_name;
    f.address = long_address + 1;
    ck_assert_ok(cs_channel_create(&out, db, &f));

    ck_assert_rc(cs_channel_create(NULL, db, &f), CS_EINVAL);
    ck_assert_rc(cs_channel_create(&out, NULL, &f), CS_EINVAL);
    ck_assert_rc(cs_channel_update(NULL, id, &f), CS_EINVAL);
    free(before);
    free(long_name);
    free(long_address);
    free(max_name);
    cs_db_close(db);
}
END_TEST

/* An email channel's address is where replies come from: it must be an address. */
START_TEST(email_channel_address_needs_an_at)
{
    static const char *const bad[] = {"support", "@shop.example",         "support@",
                                      "a@b@c",   "sup port@shop.example", " support@shop.example"};
    cs_db *db = t_open_memory();
    int64_t id = create_channel(db, CS_CHANNEL_EMAIL, "Mail"), out = 0;
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    char *before = t_snapshot(db);

    f.kind = CS_CHANNEL_EMAIL;
    f.name = "Support";
    for (size_t i = 0; i < CS_ARRAY_SIZE(bad); i++) {
        f.address = bad[i];
        ck_assert_msg(cs_channel_create(&out, db, &f) == CS_EINVAL, "create %s", bad[i]);
        ck_assert_field("address");
        ck_assert_msg(cs_channel_update(db, id, &f) == CS_EINVAL, "update %s", bad[i]);
        ck_assert_field("address");
    }
    ck_assert_unchanged(db, before);
    assert_json_error(db, "channel.create",
                      "{\"kind\": \"email\", \"name\": \"S\", \"address\": \"support\"}",
                      "address");

    f.address = "support@shop.example";
    ck_assert_ok(cs_channel_create(&out, db, &f));
    f.address = NULL; /* a rename keeps the address as it is */
    f.name = "Support 2";
    ck_assert_ok(cs_channel_update(db, out, &f));
    /* Other kinds have other addresses. */
    f = (cs_channel_fields)CS_CHANNEL_FIELDS_INIT;
    f.kind = CS_CHANNEL_TWITTER;
    f.name = "Twitter";
    f.address = "@shop";
    ck_assert_ok(cs_channel_create(&out, db, &f));
    free(before);
    cs_db_close(db);
}
END_TEST

START_TEST(channel_not_found)
{
    cs_db *db = t_open_memory();
    int64_t id = create_channel(db, CS_CHANNEL_EMAIL, "Mail"), out = 0;
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    cs_channel *ch = (cs_channel *)1;
    char *before = t_snapshot(db);

    ck_assert_rc(cs_channel_lookup(&ch, db, id + 100), CS_ENOTFOUND);
    ck_assert_field("id");
    ck_assert_ptr_null(ch);
    ck_assert_rc(cs_channel_lookup_name(&ch, db, "Fax"), CS_ENOTFOUND);
    ck_assert_field("name");
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "Fax"));
    ck_assert_rc(cs_channel_lookup_name(&ch, db, NULL), CS_EINVAL);
    ck_assert_rc(cs_channel_lookup(NULL, db, id), CS_EINVAL);

    f.name = "New name";
    ck_assert_rc(cs_channel_update(db, id + 100, &f), CS_ENOTFOUND);
    ck_assert_field("id");

    f = (cs_channel_fields)CS_CHANNEL_FIELDS_INIT;
    f.kind = CS_CHANNEL_SMS;
    f.name = "SMS";
    f.default_group_id = 4242;
    ck_assert_rc(cs_channel_create(&out, db, &f), CS_ENOTFOUND);
    ck_assert_field("default_group_id");
    ck_assert_int_eq(out, 0);
    f.kind = 0;
    ck_assert_rc(cs_channel_update(db, id, &f), CS_ENOTFOUND);
    ck_assert_field("default_group_id");
    ck_assert_unchanged(db, before);
    free(before);
    cs_db_close(db);
}
END_TEST

START_TEST(channel_null_object)
{
    ck_assert_int_eq(cs_channel_id(NULL), 0);
    ck_assert_int_eq(cs_channel_kind(NULL), 0);
    ck_assert_ptr_null(cs_channel_name(NULL));
    ck_assert_ptr_null(cs_channel_address(NULL));
    ck_assert_int_eq(cs_channel_is_public(NULL), 0);
    ck_assert_int_eq(cs_channel_signature(NULL), 0);
    ck_assert_int_eq(cs_channel_default_group_id(NULL), 0);
    ck_assert_int_eq(cs_channel_enabled(NULL), 0);
    cs_channel_free(NULL);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* Agents */

START_TEST(agent_create_every_field)
{
    cs_db *db = t_open_memory();
    const char *skills[] = {"de", "billing", "de", "Rückgabe"};
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    cs_agent *a = NULL;
    int64_t id = 0;

    f.name = "Anna Berger";
    f.initials = "AnB";
    f.email = "Anna.Berger@Shop.example";
    f.avatar_url = "https://shop.example/a/anna.png";
    f.role = CS_ROLE_ADMIN;
    f.active = 1;
    f.skills = skills;
    f.nskills = 4;
    ck_assert_ok(cs_agent_create(&id, db, &f));
    ck_assert_int_gt(id, 0);

    ck_assert_ok(cs_agent_lookup(&a, db, id));
    ck_assert_int_eq(cs_agent_id(a), id);
    ck_assert_str_eq(cs_agent_name(a), "Anna Berger");
    ck_assert_str_eq(cs_agent_initials(a), "AnB");
    ck_assert_str_eq(cs_agent_email(a), "anna.berger@shop.example");
    ck_assert_str_eq(cs_agent_avatar_url(a), "https://shop.example/a/anna.png");
    ck_assert_int_eq(cs_agent_role(a), CS_ROLE_ADMIN);
    ck_assert_int_eq(cs_agent_active(a), 1);
    /* Sorted, without duplicates. */
    ck_assert_int_eq(cs_agent_skill_count(a), 3);
    ck_assert_str_eq(cs_agent_skill(a, 0), "Rückgabe");
    ck_assert_str_eq(cs_agent_skill(a, 1), "billing");
    ck_assert_str_eq(cs_agent_skill(a, 2), "de");
    ck_assert_ptr_null(cs_agent_skill(a, 3));
    ck_assert_int_eq(cs_agent_group_count(a), 0);
    ck_assert_int_eq(cs_agent_group(a, 0), 0);
    ck_assert_int_eq(cs_agent_created_at(a), t_now);
    ck_assert_int_eq(cs_agent_updated_at(a), t_now);
    cs_agent_free(a);
    ck_assert_int_eq(cs_agent_created_at(NULL), 0);
    ck_assert_int_eq(cs_agent_updated_at(NULL), 0);

    ck_assert_int_eq(audit_find(db, "agent", id, "create", NULL).count, 1);
    ck_assert_int_eq(audit_rows(db), 1);
    ck_assert_int_eq(t_sql_int(db, "SELECT created_at FROM agent"), t_now);
    cs_db_close(db);
}
END_TEST

START_TEST(agent_defaults)
{
    cs_db *db = t_open_memory();
    int64_t id = create_agent(db, "Anna Berger", NULL);
    cs_agent *a = NULL;

    ck_assert_ok(cs_agent_lookup(&a, db, id));
    ck_assert_str_eq(cs_agent_initials(a), "AB");
    ck_assert_int_eq(cs_agent_role(a), CS_ROLE_AGENT);
    ck_assert_int_eq(cs_agent_active(a), 1);
    ck_assert_ptr_null(cs_agent_email(a));
    ck_assert_ptr_null(cs_agent_avatar_url(a));
    ck_assert_int_eq(cs_agent_skill_count(a), 0);
    ck_assert_int_eq(cs_agent_group_count(a), 0);
    cs_agent_free(a);
    cs_db_close(db);
}
END_TEST

START_TEST(agent_default_initials)
{
    static const struct {
        const char *name;
        const char *initials;
    } cases[] = {
        {"Anna Berger", "AB"},
        {"anna berger", "AB"},
        {"Anna", "A"},
        {"  jean-luc   de la picard  ", "JP"},
        {"Anna\tMaria Berger", "AB"},
        {"Ömer Şahin", "ÖŞ"},
        {"émile zola", "éZ"},
        {"李 小龍", "李小"},
        {"😀 x", "😀X"},
        {"3M Support", "3S"},
    };
    cs_db *db = t_open_memory();
    cs_agent *a = NULL;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t id = create_agent(db, cases[i].name, NULL);
        ck_assert_ok(cs_agent_lookup(&a, db, id));
        ck_assert_msg(strcmp(cs_agent_initials(a), cases[i].initials) == 0,
                      "initials of \"%s\": \"%s\", expected \"%s\"", cases[i].name,
                      cs_agent_initials(a), cases[i].initials);
        cs_agent_free(a);
    }

    /* Explicit initials: up to four characters, not bytes. */
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    int64_t id = 0;
    f.name = "Änne Über";
    f.initials = "ÄÖÜß";
    ck_assert_ok(cs_agent_create(&id, db, &f));
    ck_assert_ok(cs_agent_lookup(&a, db, id));
    ck_assert_str_eq(cs_agent_initials(a), "ÄÖÜß");
    cs_agent_free(a);
    cs_db_close(db);
}
END_TEST

START_TEST(agent_to_json)
{
    cs_db *db = t_open_memory();
    const char *skills[] = {"en", "billing"};
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    int64_t id = 0, g1 = t_group(db, "Billing"), g2 = t_group(db, "English");
    cs_agent *a = NULL;
    char *text = NULL;

    f.name = "Bob Chen";
    f.email = "bob@shop.example";
    f.avatar_url = "https://shop.example/bob.png";
    f.role = CS_ROLE_LIGHT;
    f.skills = skills;
    f.nskills = 2;
    ck_assert_ok(cs_agent_create(&id, db, &f));
    ck_assert_ok(cs_group_add_agent(db, g2, id));
    ck_assert_ok(cs_group_add_agent(db, g1, id));
    ck_assert_ok(cs_agent_lookup(&a, db, id));
    ck_assert_ok(cs_agent_to_json(&text, a));
    ck_assert_ptr_null(strchr(text, '\n'));
    ck_assert_ptr_nonnull(strstr(text, "\"active\":true,\"avatar_url\""));

    json_t *o = parse(text);
    ck_assert_int_eq(json_object_size(o), 12);
    ck_json_int(o, "id", id);
    ck_json_str(o, "name", "Bob Chen");
    ck_json_str(o, "ticket_access", "all");
    ck_json_str(o, "initials", "BC");
    ck_json_str(o, "email", "bob@shop.example");
    ck_json_str(o, "avatar_url", "https://shop.example/bob.png");
    ck_json_str(o, "role", "light");
    ck_json_true(o, "active");
    json_t *s = json_object_get(o, "skills");
    ck_assert_int_eq(json_array_size(s), 2);
    ck_assert_str_eq(json_string_value(json_array_get(s, 0)), "billing");
    ck_assert_str_eq(json_string_value(json_array_get(s, 1)), "en");
    json_t *g = json_object_get(o, "groups");
    ck_assert_int_eq(json_array_size(g), 2);
    ck_assert_int_eq(json_integer_value(json_array_get(g, 0)), g1);
    ck_assert_int_eq(json_integer_value(json_array_get(g, 1)), g2);
    ck_json_str(o, "created_at", "2026-03-02T09:00:00Z");
    ck_json_str(o, "updated_at", "2026-03-02T09:00:00Z");
    json_decref(o);
    cs_str_free(text);
    cs_agent_free(a);

    /* Unset values are null; empty lists are empty arrays. */
    id = create_agent(db, "Carla", NULL);
    ck_assert_ok(cs_agent_lookup(&a, db, id));
    ck_assert_ok(cs_agent_to_json(&text, a));
    o = parse(text);
    ck_json_null(o, "email");
    ck_json_null(o, "avatar_url");
    ck_json_str(o, "role", "agent");
    ck_assert_int_eq(json_array_size(json_object_get(o, "skills")), 0);
    ck_assert(json_is_array(json_object_get(o, "groups")));
    json_decref(o);
    cs_str_free(text);
    cs_agent_free(a);

    text = (char *)1;
    ck_assert_rc(cs_agent_to_json(&text, NULL), CS_EINVAL);
    ck_assert_ptr_null(text);
    cs_db_close(db);
}
END_TEST

START_TEST(agent_update_each_field)
{
    cs_db *db = t_open_memory();
    const char *skills[] = {"de", "billing"};
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    cs_agent *a = NULL;
    int64_t id = 0;

    f.name = "Anna Berger";
    f.skills = skills;
    f.nskills = 2;
    ck_assert_ok(cs_agent_create(&id, db, &f));
    t_now += 60;

    f = (cs_agent_fields)CS_AGENT_FIELDS_INIT;
    f.name = "Anna Schmidt";
    ck_assert_ok(cs_agent_update(db, id, &f));
    check_audit(db, "agent", id, "name", "Anna Berger", "Anna Schmidt");
    /* A new name keeps the initials. */
    ck_assert_int_eq(audit_find(db, "agent", id, "update", "initials").count, 0);
    ck_assert_int_eq(t_sql_int(db, "SELECT updated_at FROM agent"), t_now);
    ck_assert_ok(cs_agent_lookup(&a, db, id));
    ck_assert_int_eq(cs_agent_created_at(a), t_now - 60);
    ck_assert_int_eq(cs_agent_updated_at(a), t_now);
    cs_agent_free(a);
    a = NULL;

    f = (cs_agent_fields)CS_AGENT_FIELDS_INIT;
    f.initials = "AnS";
    ck_assert_ok(cs_agent_update(db, id, &f));
    check_audit(db, "agent", id, "initials", "AB", "AnS");

    f = (cs_agent_fields)CS_AGENT_FIELDS_INIT;
    f.email = "Anna@Shop.Example";
    ck_assert_ok(cs_agent_update(db, id, &f));
    check_audit(db, "agent", id, "email", "NULL", "anna@shop.example");

    f = (cs_agent_fields)CS_AGENT_FIELDS_INIT;
    f.avatar_url = "https://shop.example/anna.png";
    ck_assert_ok(cs_agent_update(db, id, &f));
    check_audit(db, "agent", id, "avatar_url", "NULL", "https://shop.example/anna.png");

    f = (cs_agent_fields)CS_AGENT_FIELDS_INIT;
    f.role = CS_ROLE_ADMIN;
    ck_assert_ok(cs_agent_update(db, id, &f));
    check_audit(db, "agent", id, "role", "agent", "admin");

    /* The last active admin stays one; with another admin it may go. */
    f = (cs_agent_fields)CS_AGENT_FIELDS_INIT;
    f.active = 0;
    ck_assert_rc(cs_agent_update(db, id, &f), CS_ECONFLICT);
    ck_assert_field("active");
    f = (cs_agent_fields)CS_AGENT_FIELDS_INIT;
    f.role = CS_ROLE_AGENT;
    ck_assert_rc(cs_agent_update(db, id, &f), CS_ECONFLICT);
    ck_assert_field("role");
    ck_assert_int_gt(t_agent(db, "Second admin", CS_ROLE_ADMIN), 0);
    f = (cs_agent_fields)CS_AGENT_FIELDS_INIT;
    f.active = 0;
    ck_assert_ok(cs_agent_update(db, id, &f));
    check_audit(db, "agent", id, "active", "true", "false");

    const char *new_skills[] = {"fr", "returns"};
    f = (cs_agent_fields)CS_AGENT_FIELDS_INIT;
    f.skills = new_skills;
    f.nskills = 2;
    ck_assert_ok(cs_agent_update(db, id, &f));
    check_audit(db, "agent", id, "skills", "billing,de", "fr,returns");

    ck_assert_ok(cs_agent_lookup(&a, db, id));
    ck_assert_str_eq(cs_agent_name(a), "Anna Schmidt");
    ck_assert_str_eq(cs_agent_initials(a), "AnS");
    ck_assert_str_eq(cs_agent_email(a), "anna@shop.example");
    ck_assert_str_eq(cs_agent_avatar_url(a), "https://shop.example/anna.png");
    ck_assert_int_eq(cs_agent_role(a), CS_ROLE_ADMIN);
    ck_assert_int_eq(cs_agent_active(a), 0);
    ck_assert_int_eq(cs_agent_skill_count(a), 2);
    ck_assert_str_eq(cs_agent_skill(a, 0), "fr");
    ck_assert_str_eq(cs_agent_skill(a, 1), "returns");
    cs_agent_free(a);

    /* The same values again (skills in another order, email in another case), or nothing
     * given: nothing recorded, the update time stays. */
    int64_t rows = audit_rows(db), updated = t_sql_int(db, "SELECT updated_at FROM agent");
    const char *same_skills[] = {"returns", "fr", "fr"};
    t_now += 60;
    f = (cs_agent_fields)CS_AGENT_FIELDS_INIT;
    ck_assert_ok(cs_agent_update(db, id, &f));
    f.name = "Anna Schmidt";
    f.initials = "AnS";
    f.email = "ANNA@shop.example";
    f.role = CS_ROLE_ADMIN;
    f.active = 0;
    f.skills = same_skills;
    f.nskills = 3;
    ck_assert_ok(cs_agent_update(db, id, &f));
    ck_assert_int_eq(audit_rows(db), rows);
    ck_assert_int_eq(t_sql_int(db, "SELECT updated_at FROM agent"), updated);

    /* Clearing: "" for email, avatar and initials (which go back to the name's), an empty
     * skill list. */
    f = (cs_agent_fields)CS_AGENT_FIELDS_INIT;
    f.email = "";
    f.avatar_url = "";
    f.initials = "";
    f.skills = same_skills;
    f.nskills = 0;
    ck_assert_ok(cs_agent_update(db, id, &f));
    ck_assert_ok(cs_agent_lookup(&a, db, id));
    ck_assert_ptr_null(cs_agent_email(a));
    ck_assert_ptr_null(cs_agent_avatar_url(a));
    ck_assert_str_eq(cs_agent_initials(a), "AS");
    ck_assert_int_eq(cs_agent_skill_count(a), 0);
    cs_agent_free(a);
    audit_hit hit = audit_find(db, "agent", id, "update", "email");
    ck_assert_int_eq(hit.count, 2);
    ck_assert_str_eq(hit.old_value, "anna@shop.example");
    ck_assert_str_eq(hit.new_value, "NULL");
    hit = audit_find(db, "agent", id, "update", "skills");
    ck_assert_str_eq(hit.old_value, "fr,returns");
    ck_assert_str_eq(hit.new_value, "");
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM agent_skill"), 0);
    ck_assert_int_eq(audit_rows(db), rows + 4);
    cs_db_close(db);
}
END_TEST

START_TEST(agent_duplicate_email)
{
    cs_db *db = t_open_memory();
    int64_t id = create_agent(db, "Anna", "anna@shop.example"), other = 0;
    int64_t second = create_agent(db, "Bob", "bob@shop.example");
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    char *before = t_snapshot(db);

    f.name = "Another Anna";
    f.email = "ANNA@shop.example";
    ck_assert_rc(cs_agent_create(&other, db, &f), CS_EEXISTS);
    ck_assert_field("email");
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "anna@shop.example"));
    ck_assert_int_eq(other, 0);
    ck_assert_unchanged(db, before);

    /* In an update, together with other changes that must not stay either. */
    const char *skills[] = {"x"};
    f = (cs_agent_fields)CS_AGENT_FIELDS_INIT;
    f.name = "Robert";
    f.email = "anna@shop.example";
    f.skills = skills;
    f.nskills = 1;
    ck_assert_rc(cs_agent_update(db, second, &f), CS_EEXISTS);
    ck_assert_field("email");
    ck_assert_unchanged(db, before);

    /* Found by its email, in any case; a missing one names the field. */
    cs_agent *a = NULL;
    ck_assert_ok(cs_agent_find(&a, db, "BOB@shop.example"));
    ck_assert_int_eq(cs_agent_id(a), second);
    cs_agent_free(a);
    ck_assert_rc(cs_agent_find(&a, db, "nobody@shop.example"), CS_ENOTFOUND);
    ck_assert_field("email");
    ck_assert_ptr_null(a);
    ck_assert_rc(cs_agent_find(&a, db, NULL), CS_EINVAL);

    /* Agents without email do not collide. */
    create_agent(db, "Carla", NULL);
    create_agent(db, "Dan", NULL);
    ck_assert_ok(cs_agent_update(db, id, &f));
    free(before);
    cs_db_close(db);
}
END_TEST

START_TEST(agent_bad_input)
{
    cs_db *db = t_open_memory();
    int64_t id = create_agent(db, "Anna", NULL), out = 0;
    char *long_name = repeat('n', CS_NAME_MAX + 1), *long_url = repeat('u', CS_URL_MAX + 1);
    char *long_email = repeat('e', CS_IDENTITY_MAX + 1), *long_skill = repeat('s', CS_TAG_MAX + 1);
    const char *empty_skill[] = {"ok", ""}, *comma_skill[] = {"a,b"}, *ctl_skill[] = {"a\nb"};
    const char *bad_utf8_skill[] = {"\xC3\x28"}, *oversize_skill[] = {long_skill};
    const char *many[CS_TAGS_MAX + 1];
    char *before;

    for (size_t i = 0; i < CS_TAGS_MAX + 1; i++)
        many[i] = "s";
    long_email[5] = '@';
    struct {
        const char *field;
        cs_agent_fields f;
        bool create_only;
    } bad[] = {
        {"fields", {0, "X", NULL, NULL, NULL, 0, CS_UNSET, NULL, 0, 0}, false},
        {"fields", {7, "X", NULL, NULL, NULL, 0, CS_UNSET, NULL, 0, 0}, false},
        {"name", {1, NULL, NULL, NULL, NULL, 0, CS_UNSET, NULL, 0, 0}, true},
        {"name", {1, "", NULL, NULL, NULL, 0, CS_UNSET, NULL, 0, 0}, false},
        {"name", {1, "\xC3\x28", NULL, NULL, NULL, 0, CS_UNSET, NULL, 0, 0}, false},
        {"name", {1, long_name, NULL, NULL, NULL, 0, CS_UNSET, NULL, 0, 0}, false},
        {"initials", {1, "X", "ABCDE", NULL, NULL, 0, CS_UNSET, NULL, 0, 0}, false},
        {"initials", {1, "X", "ÄÖÜßé", NULL, NULL, 0, CS_UNSET, NULL, 0, 0}, false},
        {"initials", {1, "X", "\xC3\x28", NULL, NULL, 0, CS_UNSET, NULL, 0, 0}, false},
        {"email", {1, "X", NULL, "no-at.example", NULL, 0, CS_UNSET, NULL, 0, 0}, false},
        {"email", {1, "X", NULL, "a@b@c", NULL, 0, CS_UNSET, NULL, 0, 0}, false},
        {"email", {1, "X", NULL, "@shop.example", NULL, 0, CS_UNSET, NULL, 0, 0}, false},
        {"email", {1, "X", NULL, "anna@", NULL, 0, CS_UNSET, NULL, 0, 0}, false},
        {"email", {1, "X", NULL, "an na@shop.example", NULL, 0, CS_UNSET, NULL, 0, 0}, false},
        {"email", {1, "X", NULL, "\xC3\x28@x", NULL, 0, CS_UNSET, NULL, 0, 0}, false},
        {"email", {1, "X", NULL, long_email, NULL, 0, CS_UNSET, NULL, 0, 0}, false},
        {"avatar_url", {1, "X", NULL, NULL, long_url, 0, CS_UNSET, NULL, 0, 0}, false},
        {"avatar_url", {1, "X", NULL, NULL, "\xe2\x82", 0, CS_UNSET, NULL, 0, 0}, false},
        {"role", {1, "X", NULL, NULL, NULL, 4, CS_UNSET, NULL, 0, 0}, false},
        {"role", {1, "X", NULL, NULL, NULL, -3, CS_UNSET, NULL, 0, 0}, false},
        {"active", {1, "X", NULL, NULL, NULL, 0, 3, NULL, 0, 0}, false},
        {"skills", {1, "X", NULL, NULL, NULL, 0, CS_UNSET, NULL, 2, 0}, false},
        {"skills[1]", {1, "X", NULL, NULL, NULL, 0, CS_UNSET, empty_skill, 2, 0}, false},
        {"skills[0]", {1, "X", NULL, NULL, NULL, 0, CS_UNSET, comma_skill, 1, 0}, false},
        {"skills[0]", {1, "X", NULL, NULL, NULL, 0, CS_UNSET, ctl_skill, 1, 0}, false},
        {"skills[0]", {1, "X", NULL, NULL, NULL, 0, CS_UNSET, bad_utf8_skill, 1, 0}, false},
        {"skills[0]", {1, "X", NULL, NULL, NULL, 0, CS_UNSET, oversize_skill, 1, 0}, false},
        {"skills", {1, "X", NULL, NULL, NULL, 0, CS_UNSET, many, CS_TAGS_MAX + 1, 0}, false},
        {"ticket_access", {2, "X", NULL, NULL, NULL, 0, CS_UNSET, NULL, 0, 7}, false},
        {"fields", {3, "X", NULL, NULL, NULL, 0, CS_UNSET, NULL, 0, 0}, false},
    };

    before = t_snapshot(db);
    ck_assert_rc(cs_agent_create(&out, db, NULL), CS_EINVAL);
    ck_assert_field("fields");
    ck_assert_rc(cs_agent_update(db, id, NULL), CS_EINVAL);
    ck_assert_field("fields");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        out = 99;
        ck_assert_msg(cs_agent_create(&out, db, &bad[i].f) == CS_EINVAL, "create case %zu", i);
        ck_assert_field(bad[i].field);
        ck_assert_int_eq(out, 0);
        if (!bad[i].create_only) {
            ck_assert_msg(cs_agent_update(db, id, &bad[i].f) == CS_EINVAL, "update case %zu", i);
            ck_assert_field(bad[i].field);
        }
    }
    ck_assert_unchanged(db, before);

    ck_assert_rc(cs_agent_create(NULL, db, &bad[0].f), CS_EINVAL);
    ck_assert_rc(cs_agent_create(&out, NULL, &bad[0].f), CS_EINVAL);
    ck_assert_rc(cs_agent_update(NULL, id, &bad[0].f), CS_EINVAL);
    free(before);
    free(long_name);
    free(long_url);
    free(long_email);
    free(long_skill);
    cs_db_close(db);
}
END_TEST

/* A name of blanks is no name, for agents and groups alike. */
START_TEST(agent_and_group_names_are_not_blank)
{
    static const char *const blank[] = {" ", "   ", "\t", " \n\r "};
    cs_db *db = t_open_memory();
    int64_t id = create_agent(db, "Anna", NULL), out = 0;
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    char *before = t_snapshot(db);

    for (size_t i = 0; i < CS_ARRAY_SIZE(blank); i++) {
        f.name = blank[i];
        ck_assert_rc(cs_agent_create(&out, db, &f), CS_EINVAL);
        ck_assert_field("name");
        ck_assert_rc(cs_agent_update(db, id, &f), CS_EINVAL);
        ck_assert_field("name");
        ck_assert_rc(cs_group_create(&out, db, blank[i]), CS_EINVAL);
        ck_assert_field("name");
    }
    ck_assert_unchanged(db, before);
    assert_json_error(db, "agent.create", "{\"name\": \"  \"}", "name");
    f.name = " Anna Berg ";
    ck_assert_ok(cs_agent_create(&out, db, &f));
    free(before);
    cs_db_close(db);
}
END_TEST

START_TEST(agent_not_found)
{
    cs_db *db = t_open_memory();
    int64_t id = create_agent(db, "Anna", NULL);
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    cs_agent *a = (cs_agent *)1;
    char *before = t_snapshot(db);

    ck_assert_rc(cs_agent_lookup(&a, db, id + 1), CS_ENOTFOUND);
    ck_assert_field("id");
    ck_assert_ptr_null(a);
    ck_assert_rc(cs_agent_lookup(NULL, db, id), CS_EINVAL);
    f.name = "Bob";
    ck_assert_rc(cs_agent_update(db, id + 1, &f), CS_ENOTFOUND);
    ck_assert_field("id");
    ck_assert_unchanged(db, before);
    free(before);
    cs_db_close(db);
}
END_TEST

START_TEST(agent_null_object)
{
    ck_assert_int_eq(cs_agent_id(NULL), 0);
    ck_assert_ptr_null(cs_agent_name(NULL));
    ck_assert_ptr_null(cs_agent_initials(NULL));
    ck_assert_ptr_null(cs_agent_email(NULL));
    ck_assert_ptr_null(cs_agent_avatar_url(NULL));
    ck_assert_int_eq(cs_agent_role(NULL), 0);
    ck_assert_int_eq(cs_agent_active(NULL), 0);
    ck_assert_int_eq(cs_agent_skill_count(NULL), 0);
    ck_assert_ptr_null(cs_agent_skill(NULL, 0));
    ck_assert_int_eq(cs_agent_group_count(NULL), 0);
    ck_assert_int_eq(cs_agent_group(NULL, 0), 0);
    cs_agent_free(NULL);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* Groups */

START_TEST(group_create_and_members)
{
    cs_db *db = t_open_memory();
    int64_t g = 0, other = 0, anna = create_agent(db, "Anna", NULL);
    int64_t bob = create_agent(db, "Bob", NULL);
    cs_agent *a = NULL;
    char anna_text[24];

    snprintf(anna_text, sizeof(anna_text), "%lld", (long long)anna);
    ck_assert_ok(cs_group_create(&g, db, "Zweite Ebene"));
    ck_assert_int_gt(g, 0);
    ck_assert_int_eq(audit_find(db, "group", g, "create", NULL).count, 1);
    ck_assert_ok(cs_group_create(&other, db, "First line"));

    /* Adding twice is one membership and one audit row. */
    ck_assert_ok(cs_group_add_agent(db, g, anna));
    ck_assert_ok(cs_group_add_agent(db, g, anna));
    ck_assert_ok(cs_group_add_agent(db, other, anna));
    ck_assert_ok(cs_group_add_agent(db, g, bob));
    audit_hit hit = audit_find(db, "group", g, "add_agent", "agent_id");
    ck_assert_int_eq(hit.count, 2);
    ck_assert_str_eq(hit.old_value, "NULL");
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM group_member"), 3);

    ck_assert_ok(cs_agent_lookup(&a, db, anna));
    ck_assert_int_eq(cs_agent_group_count(a), 2);
    ck_assert_int_eq(cs_agent_group(a, 0), g);
    ck_assert_int_eq(cs_agent_group(a, 1), other);
    ck_assert_int_eq(cs_agent_group(a, 2), 0);
    cs_agent_free(a);

    /* Removing twice is one audit row; the agent stays in the other group. */
    ck_assert_ok(cs_group_remove_agent(db, g, anna));
    ck_assert_ok(cs_group_remove_agent(db, g, anna));
    hit = audit_find(db, "group", g, "remove_agent", "agent_id");
    ck_assert_int_eq(hit.count, 1);
    ck_assert_str_eq(hit.old_value, anna_text);
    ck_assert_str_eq(hit.new_value, "NULL");
    ck_assert_ok(cs_agent_lookup(&a, db, anna));
    ck_assert_int_eq(cs_agent_group_count(a), 1);
    ck_assert_int_eq(cs_agent_group(a, 0), other);
    cs_agent_free(a);

    ck_assert_ok(cs_group_remove_agent(db, other, bob)); /* never a member */
    ck_assert_int_eq(audit_find(db, "group", other, "remove_agent", "agent_id").count, 0);
    cs_db_close(db);
}
END_TEST

START_TEST(group_errors)
{
    cs_db *db = t_open_memory();
    int64_t g = t_group(db, "Billing"), anna = create_agent(db, "Anna", NULL), out = 0;
    char *long_name = repeat('g', CS_NAME_MAX + 1);
    char *before = t_snapshot(db);

    ck_assert_rc(cs_group_create(&out, db, "Billing"), CS_EEXISTS);
    ck_assert_field("name");
    ck_assert_int_eq(out, 0);
    ck_assert_rc(cs_group_create(&out, db, NULL), CS_EINVAL);
    ck_assert_field("name");
    ck_assert_rc(cs_group_create(&out, db, ""), CS_EINVAL);
    ck_assert_field("name");
    ck_assert_rc(cs_group_create(&out, db, "\xC3\x28"), CS_EINVAL);
    ck_assert_field("name");
    ck_assert_rc(cs_group_create(&out, db, long_name), CS_EINVAL);
    ck_assert_field("name");
    ck_assert_rc(cs_group_create(NULL, db, "X"), CS_EINVAL);
    ck_assert_rc(cs_group_create(&out, NULL, "X"), CS_EINVAL);

    ck_assert_rc(cs_group_add_agent(db, g + 10, anna), CS_ENOTFOUND);
    ck_assert_field("group_id");
    ck_assert_rc(cs_group_add_agent(db, g, anna + 10), CS_ENOTFOUND);
    ck_assert_field("agent_id");
    ck_assert_rc(cs_group_remove_agent(db, g + 10, anna), CS_ENOTFOUND);
    ck_assert_field("group_id");
    ck_assert_rc(cs_group_remove_agent(db, g, anna + 10), CS_ENOTFOUND);
    ck_assert_field("agent_id");
    ck_assert_rc(cs_group_add_agent(NULL, g, anna), CS_EINVAL);
    ck_assert_unchanged(db, before);
    free(before);
    free(long_name);
    cs_db_close(db);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* Custom-field definitions */

static void define_field(cs_db *db, int object, const char *name, int type, int writable)
{
    cs_custom_field f = CS_CUSTOM_FIELD_INIT;
    f.object = object;
    f.name = name;
    f.type = type;
    f.customer_writable = writable;
    ck_assert_ok(cs_custom_field_define(db, &f));
}

static void check_field(const cs_custom_field *f, int object, const char *name, int type,
                        int writable)
{
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->version, CS_CUSTOM_FIELD_VERSION);
    ck_assert_int_eq(f->object, object);
    ck_assert_str_eq(f->name, name);
    ck_assert_int_eq(f->type, type);
    ck_assert_int_eq(f->customer_writable, writable);
}

START_TEST(custom_field_list)
{
    cs_db *db = t_open_memory();
    cs_custom_field_list *list = NULL;

    ck_assert_ok(cs_custom_field_list_get(&list, db, 0));
    ck_assert_ptr_nonnull(list);
    ck_assert_uint_eq(cs_custom_field_list_count(list), 0);
    ck_assert_ptr_null(cs_custom_field_list_item(list, 0));
    cs_custom_field_list_free(list);

    define_field(db, CS_CUSTOM_TICKET, "size", CS_CUSTOM_NUMBER, 1);
    define_field(db, CS_CUSTOM_CUSTOMER, "tier", CS_CUSTOM_TEXT, 0);
    define_field(db, CS_CUSTOM_TICKET, "order", 0, 0); /* any */
    define_field(db, CS_CUSTOM_CUSTOMER, "vip", CS_CUSTOM_BOOLEAN, 0);

    /* By object (tickets first), then name. */
    ck_assert_ok(cs_custom_field_list_get(&list, db, 0));
    ck_assert_uint_eq(cs_custom_field_list_count(list), 4);
    check_field(cs_custom_field_list_item(list, 0), CS_CUSTOM_TICKET, "order", CS_CUSTOM_ANY, 0);
    check_field(cs_custom_field_list_item(list, 1), CS_CUSTOM_TICKET, "size", CS_CUSTOM_NUMBER, 1);
    check_field(cs_custom_field_list_item(list, 2), CS_CUSTOM_CUSTOMER, "tier", CS_CUSTOM_TEXT, 0);
    check_field(cs_custom_field_list_item(list, 3), CS_CUSTOM_CUSTOMER, "vip", CS_CUSTOM_BOOLEAN,
                0);
    ck_assert_ptr_null(cs_custom_field_list_item(list, 4));

    /* A list read before a change keeps what it read. */
    ck_assert_ok(cs_custom_field_remove(db, CS_CUSTOM_TICKET, "order"));
    define_field(db, CS_CUSTOM_TICKET, "size", CS_CUSTOM_TEXT, 0);
    check_field(cs_custom_field_list_item(list, 1), CS_CUSTOM_TICKET, "size", CS_CUSTOM_NUMBER, 1);
    cs_custom_field_list_free(list);

    /* One object's definitions. */
    ck_assert_ok(cs_custom_field_list_get(&list, db, CS_CUSTOM_TICKET));
    ck_assert_uint_eq(cs_custom_field_list_count(list), 1);
    check_field(cs_custom_field_list_item(list, 0), CS_CUSTOM_TICKET, "size", CS_CUSTOM_TEXT, 0);
    cs_custom_field_list_free(list);
    ck_assert_ok(cs_custom_field_list_get(&list, db, CS_CUSTOM_CUSTOMER));
    ck_assert_uint_eq(cs_custom_field_list_count(list), 2);
    check_field(cs_custom_field_list_item(list, 0), CS_CUSTOM_CUSTOMER, "tier", CS_CUSTOM_TEXT, 0);
    check_field(cs_custom_field_list_item(list, 1), CS_CUSTOM_CUSTOMER, "vip", CS_CUSTOM_BOOLEAN,
                0);
    cs_custom_field_list_free(list);

    /* Bad input; customers read no definitions. */
    ck_assert_uint_eq(cs_custom_field_list_count(NULL), 0);
    ck_assert_ptr_null(cs_custom_field_list_item(NULL, 0));
    cs_custom_field_list_free(NULL);
    list = (cs_custom_field_list *)1;
    ck_assert_rc(cs_custom_field_list_get(&list, db, 3), CS_EINVAL);
    ck_assert_field("object");
    ck_assert_ptr_null(list);
    ck_assert_rc(cs_custom_field_list_get(NULL, db, 0), CS_EINVAL);
    ck_assert_rc(cs_custom_field_list_get(&list, NULL, 0), CS_EINVAL);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, t_agent(db, "Lena", CS_ROLE_LIGHT)));
    ck_assert_ok(cs_custom_field_list_get(&list, db, 0));
    ck_assert_uint_eq(cs_custom_field_list_count(list), 3);
    cs_custom_field_list_free(list);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_CUSTOMER, t_customer(db, "Eve", "eve@example.org")));
    list = (cs_custom_field_list *)1;
    ck_assert_rc(cs_custom_field_list_get(&list, db, 0), CS_EPERM);
    ck_assert_ptr_null(list);
    cs_db_close(db);
}
END_TEST

START_TEST(custom_field_list_allocation_failures)
{
    cs_db *db = t_open_memory();
    int rc = CS_ENOMEM;
    long n;

    define_field(db, CS_CUSTOM_TICKET, "order", CS_CUSTOM_TEXT, 0);
    define_field(db, CS_CUSTOM_TICKET, "size", CS_CUSTOM_NUMBER, 0);
    define_field(db, CS_CUSTOM_CUSTOMER, "tier", CS_CUSTOM_TEXT, 0);
    for (n = 1; rc != CS_OK; n++) {
        cs_custom_field_list *list = NULL;
        cs_mem__fail_after(n);
        rc = cs_custom_field_list_get(&list, db, 0);
        cs_mem__fail_after(0);
        ck_assert_msg(rc == CS_OK || rc == CS_ENOMEM, "n=%ld: %s", n, cs_status_name(rc));
        if (rc == CS_OK) {
            ck_assert_uint_eq(cs_custom_field_list_count(list), 3);
            ck_assert_str_eq(cs_custom_field_list_item(list, 2)->name, "tier");
        } else {
            ck_assert_ptr_null(list);
        }
        cs_custom_field_list_free(list);
    }
    ck_assert_int_gt(n, 3);
    cs_db_close(db);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* Permissions */

enum { ACT_SYSTEM, ACT_ADMIN, ACT_AGENT, ACT_LIGHT, ACT_CUSTOMER, N_ACTORS };
static const char *const actor_names[] = {"system", "admin", "agent", "light agent", "customer"};

/* What the operations work on, made by the system before the actor is set. */
typedef struct world {
    int64_t actor[N_ACTORS];
    int64_t channel, agent, group, member_group;
} world;

static void make_world(cs_db *db, world *w)
{
    w->actor[ACT_SYSTEM] = 0;
    w->actor[ACT_ADMIN] = t_agent(db, "Admin", CS_ROLE_ADMIN);
    w->actor[ACT_AGENT] = t_agent(db, "Agent", CS_ROLE_AGENT);
    w->actor[ACT_LIGHT] = t_agent(db, "Light", CS_ROLE_LIGHT);
    w->actor[ACT_CUSTOMER] = t_customer(db, "Customer", "customer@example.org");
    w->channel = t_channel(db, CS_CHANNEL_EMAIL, "Mail");
    w->agent = t_agent(db, "Target", CS_ROLE_AGENT);
    w->group = t_group(db, "Billing");
    w->member_group = t_group(db, "Returns");
    ck_assert_ok(cs_group_add_agent(db, w->member_group, w->agent));
}

static int op_channel_create(cs_db *db, const world *w)
{
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    int64_t id;
    (void)w;
    f.kind = CS_CHANNEL_CHAT;
    f.name = "Chat";
    return cs_channel_create(&id, db, &f);
}

static int op_channel_update(cs_db *db, const world *w)
{
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    f.name = "Mail 2";
    f.enabled = 0;
    return cs_channel_update(db, w->channel, &f);
}

static int op_channel_lookup(cs_db *db, const world *w)
{
    cs_channel *ch = NULL;
    int rc = cs_channel_lookup(&ch, db, w->channel);
    cs_channel_free(ch);
    return rc;
}

static int op_channel_list(cs_db *db, const world *w)
{
    cs_channel_list *list = NULL;
    int rc = cs_channel_list_get(&list, db);
    (void)w;
    if (rc == CS_OK)
        ck_assert_uint_eq(cs_channel_list_count(list), 1);
    cs_channel_list_free(list);
    return rc;
}

static int op_agent_create(cs_db *db, const world *w)
{
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    int64_t id;
    (void)w;
    f.name = "New Agent";
    f.role = CS_ROLE_ADMIN;
    return cs_agent_create(&id, db, &f);
}

static int op_agent_update(cs_db *db, const world *w)
{
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    f.role = CS_ROLE_ADMIN;
    return cs_agent_update(db, w->agent, &f);
}

static int op_agent_lookup(cs_db *db, const world *w)
{
    cs_agent *a = NULL;
    int rc = cs_agent_lookup(&a, db, w->agent);
    cs_agent_free(a);
    return rc;
}

static int op_group_create(cs_db *db, const world *w)
{
    int64_t id;
    (void)w;
    return cs_group_create(&id, db, "Escalations");
}

static int op_group_add(cs_db *db, const world *w)
{
    return cs_group_add_agent(db, w->group, w->agent);
}

static int op_group_remove(cs_db *db, const world *w)
{
    return cs_group_remove_agent(db, w->member_group, w->agent);
}

static const struct {
    const char *name;
    int (*run)(cs_db *db, const world *w);
    bool allowed[N_ACTORS]; /* system, admin, agent, light, customer */
} ops[] = {
    {"channel create", op_channel_create, {true, true, false, false, false}},
    {"channel update", op_channel_update, {true, true, false, false, false}},
    {"channel lookup", op_channel_lookup, {true, true, true, true, false}},
    {"channel list", op_channel_list, {true, true, true, true, false}},
    {"agent create", op_agent_create, {true, true, false, false, false}},
    {"agent update", op_agent_update, {true, true, false, false, false}},
    {"agent lookup", op_agent_lookup, {true, true, true, true, false}},
    {"group create", op_group_create, {true, true, false, false, false}},
    {"group add", op_group_add, {true, true, false, false, false}},
    {"group remove", op_group_remove, {true, true, false, false, false}},
};

START_TEST(permission_matrix)
{
    for (int actor = 0; actor < N_ACTORS; actor++) {
        for (size_t op = 0; op < sizeof(ops) / sizeof(ops[0]); op++) {
            cs_db *db = t_open_memory();
            world w;
            make_world(db, &w);
            ck_assert_ok(cs_db_set_actor(db,
                                         actor == ACT_SYSTEM     ? CS_ACTOR_SYSTEM
                                         : actor == ACT_CUSTOMER ? CS_ACTOR_CUSTOMER
                                                                 : CS_ACTOR_AGENT,
                                         w.actor[actor]));
            int64_t audit_before = audit_rows(db);
            char *before = t_snapshot(db);
            int rc = ops[op].run(db, &w);
            bool allowed = ops[op].allowed[actor];
            ck_assert_msg(rc == (allowed ? CS_OK : CS_EPERM), "%s: %s returned %s: %s",
                          actor_names[actor], ops[op].name, cs_status_name(rc),
                          cs_error_last()->message);
            if (!allowed) {
                ck_assert_unchanged(db, before);
            } else if (audit_rows(db) > audit_before) {
                /* Changes are recorded with the actor who made them. */
                int64_t kind = t_sql_int(db, "SELECT actor_kind FROM audit ORDER BY id DESC");
                int64_t id = t_sql_int(db, "SELECT actor_id FROM audit ORDER BY id DESC");
                ck_assert_int_eq(kind, actor == ACT_SYSTEM ? CS_ACTOR_SYSTEM : CS_ACTOR_AGENT);
                ck_assert_int_eq(id, w.actor[actor]);
            }
            free(before);
            cs_db_close(db);
        }
    }
}
END_TEST

/* A settings change is recorded with its actor, old and new value; setting the value a
 * setting has records nothing. */
START_TEST(settings_changes_are_audited)
{
    cs_db *db = t_open_memory();
    int64_t admin = t_agent(db, "Admin", CS_ROLE_ADMIN);
    audit_hit hit;

    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, admin));
    ck_assert_ok(cs_setting_set(db, "outbox.backoff", 120));
    ck_assert_ok(cs_setting_set(db, "outbox.backoff", 120));
    hit = audit_find(db, "setting", 0, "update", "outbox.backoff");
    ck_assert_int_eq(hit.count, 1);
    ck_assert_str_eq(hit.old_value, "60");
    ck_assert_str_eq(hit.new_value, "120");
    ck_assert_int_eq(hit.actor_kind, CS_ACTOR_AGENT);
    ck_assert_int_eq(hit.actor_id, admin);
    cs_db_close(db);
}
END_TEST

START_TEST(inactive_agent_cannot_act)
{
    cs_db *db = t_open_memory();
    int64_t admin = create_agent(db, "Admin", NULL);
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;

    f.role = CS_ROLE_ADMIN;
    ck_assert_ok(cs_agent_update(db, admin, &f));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, admin));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    t_agent(db, "Another admin", CS_ROLE_ADMIN); /* the desk keeps one */

    f = (cs_agent_fields)CS_AGENT_FIELDS_INIT;
    f.active = 0;
    ck_assert_ok(cs_agent_update(db, admin, &f));
    ck_assert_rc(cs_db_set_actor(db, CS_ACTOR_AGENT, admin), CS_EPERM);
    ck_assert_int_eq(cs_db_actor(db, NULL), CS_ACTOR_SYSTEM);

    /* Created inactive: the same. */
    f.name = "Former";
    int64_t former = 0;
    ck_assert_ok(cs_agent_create(&former, db, &f));
    ck_assert_rc(cs_db_set_actor(db, CS_ACTOR_AGENT, former), CS_EPERM);

    f = (cs_agent_fields)CS_AGENT_FIELDS_INIT;
    f.active = 1;
    ck_assert_ok(cs_agent_update(db, admin, &f));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, admin));
    cs_db_close(db);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* Allocation failures */

START_TEST(agent_allocation_failures)
{
    cs_db *db = t_open_memory();
    const char *skills[] = {"de", "en", "billing"};
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    int64_t id = 0, g = t_group(db, "Billing");
    int rc = CS_ENOMEM;
    long n;

    f.name = "Anna Berger";
    f.email = "anna@shop.example";
    f.skills = skills;
    f.nskills = 3;
    ck_assert_ok(cs_agent_create(&id, db, &f));
    ck_assert_ok(cs_group_add_agent(db, g, id));

    for (n = 1; rc != CS_OK; n++) {
        cs_agent *a = NULL;
        char *json = NULL;
        cs_mem__fail_after(n);
        rc = cs_agent_lookup(&a, db, id);
        if (rc == CS_OK)
            rc = cs_agent_to_json(&json, a);
        cs_mem__fail_after(0);
        ck_assert_msg(rc == CS_OK || rc == CS_ENOMEM, "n=%ld: %s", n, cs_status_name(rc));
        if (rc == CS_OK) {
            json_t *o = parse(json);
            ck_json_str(o, "email", "anna@shop.example");
            ck_assert_int_eq(json_array_size(json_object_get(o, "skills")), 3);
            json_decref(o);
        } else {
            ck_assert_ptr_null(json);
        }
        cs_str_free(json);
        cs_agent_free(a);
    }
    ck_assert_int_gt(n, 5);

    /* A create that runs out of memory writes nothing. */
    f.email = NULL;
    for (n = 1, rc = CS_ENOMEM; rc != CS_OK; n++) {
        char *before = t_snapshot(db);
        cs_mem__fail_after(n);
        rc = cs_agent_create(&id, db, &f);
        cs_mem__fail_after(0);
        ck_assert_msg(rc == CS_OK || rc == CS_ENOMEM, "n=%ld: %s", n, cs_status_name(rc));
        if (rc == CS_ENOMEM)
            ck_assert_unchanged(db, before);
        free(before);
    }
    cs_db_close(db);
}
END_TEST

START_TEST(channel_allocation_failures)
{
    cs_db *db = t_open_memory();
    int64_t id = create_channel(db, CS_CHANNEL_EMAIL, "Mail");
    int rc = CS_ENOMEM;

    create_channel(db, CS_CHANNEL_CHAT, "Chat");
    for (long n = 1; rc != CS_OK; n++) {
        cs_channel *ch = NULL;
        cs_channel_list *channels = NULL;
        char *json = NULL, *list = NULL;
        cs_mem__fail_after(n);
        rc = cs_channel_lookup(&ch, db, id);
        if (rc == CS_OK)
            rc = cs_channel_to_json(&json, ch);
        if (rc == CS_OK)
            rc = cs_channel_list_json(&list, db);
        if (rc == CS_OK)
            rc = cs_channel_list_get(&channels, db);
        cs_mem__fail_after(0);
        ck_assert_msg(rc == CS_OK || rc == CS_ENOMEM, "n=%ld: %s", n, cs_status_name(rc));
        if (rc != CS_OK) {
            ck_assert_ptr_null(channels);
        } else {
            ck_assert_uint_eq(cs_channel_list_count(channels), 2);
            ck_assert_str_eq(cs_channel_name(cs_channel_list_item(channels, 1)), "Chat");
        }
        cs_str_free(json);
        cs_str_free(list);
        cs_channel_list_free(channels);
        cs_channel_free(ch);
    }
    cs_db_close(db);
}
END_TEST

Suite *cs_config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("channel");
    tcase_add_test(tc, channel_kinds);
    tcase_add_test(tc, channel_create_every_field);
    tcase_add_test(tc, channel_defaults);
    tcase_add_test(tc, channel_to_json);
    tcase_add_test(tc, channel_list_json);
    tcase_add_test(tc, channel_locale_and_timezone);
    tcase_add_test(tc, channel_list);
    tcase_add_test(tc, channel_update_each_field);
    tcase_add_test(tc, channel_update_several_fields_one_audit_row_each);
    tcase_add_test(tc, channel_duplicate_name);
    tcase_add_test(tc, channel_bad_input);
    tcase_add_test(tc, email_channel_address_needs_an_at);
    tcase_add_test(tc, channel_not_found);
    tcase_add_test(tc, channel_null_object);
    tcase_add_test(tc, channel_allocation_failures);
    suite_add_tcase(s, tc);

    tc = tcase_create("agent");
    tcase_add_test(tc, agent_roles);
    tcase_add_test(tc, agent_create_every_field);
    tcase_add_test(tc, agent_defaults);
    tcase_add_test(tc, agent_default_initials);
    tcase_add_test(tc, agent_to_json);
    tcase_add_test(tc, agent_update_each_field);
    tcase_add_test(tc, agent_duplicate_email);
    tcase_add_test(tc, agent_bad_input);
    tcase_add_test(tc, agent_and_group_names_are_not_blank);
    tcase_add_test(tc, agent_not_found);
    tcase_add_test(tc, agent_null_object);
    tcase_add_test(tc, agent_allocation_failures);
    suite_add_tcase(s, tc);

    tc = tcase_create("group");
    tcase_add_test(tc, group_create_and_members);
    tcase_add_test(tc, group_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("custom_field");
    tcase_add_test(tc, custom_field_list);
    tcase_add_test(tc, custom_field_list_allocation_failures);
    suite_add_tcase(s, tc);

    tc = tcase_create("permission");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, permission_matrix);
    tcase_add_test(tc, inactive_agent_cannot_act);
    tcase_add_test(tc, settings_changes_are_audited);
    suite_add_tcase(s, tc);
    return s;
}
