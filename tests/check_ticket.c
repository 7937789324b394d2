/*
 * Tickets and messages: defaults, validation, status rules, audit, merge, permissions,
 * filters and keyset paging.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"
#include "helpers.h"

static cs_db *db;
static int64_t anna, ben, email_ch, group_a, agent_id, admin_id, light_id;

static void setup(void)
{
    db = t_open_memory();
    anna = t_customer(db, "Anna Müller", "anna@example.com");
    ben = t_customer(db, "Ben 😀", "ben@example.com");
    group_a = t_group(db, "Support");
    email_ch = t_channel(db, CS_CHANNEL_EMAIL, "Mail");
    ck_assert_int_eq(sqlite3_exec(db->sql, "UPDATE channel SET default_group_id = 1", 0, 0, 0),
                     SQLITE_OK);
    agent_id = t_agent(db, "Carla Agent", CS_ROLE_AGENT);
    admin_id = t_agent(db, "Dora Admin", CS_ROLE_ADMIN);
    light_id = t_agent(db, "Emil Light", CS_ROLE_LIGHT);
}

static void teardown(void)
{
    cs_db_close(db);
    db = NULL;
}

static int64_t new_ticket(int64_t customer, const char *subject)
{
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    int64_t id = 0;
    f.subject = subject;
    f.customer_id = customer;
    f.channel_id = email_ch;
    ck_assert_ok(cs_ticket_create(&id, db, &f));
    return id;
}

static int64_t add_message(int64_t ticket, int visibility, const char *body)
{
    cs_message_fields m = CS_MESSAGE_FIELDS_INIT;
    int64_t id = 0;
    m.ticket_id = ticket;
    m.visibility = visibility;
    m.body = body;
    int rc = cs_message_create(&id, db, &m);
    return rc == CS_OK ? id : rc;
}

static int64_t count(const char *table_sql)
{
    return t_sql_int(db, table_sql);
}

START_TEST(create_defaults)
{
    const char *tags[] = {"vip", "billing", "vip"};
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    cs_ticket *t = NULL;
    int64_t id = 0, id2;

    f.subject = "Rechnung falsch – bitte prüfen";
    f.customer_id = anna;
    f.channel_id = email_ch;
    f.tags = tags;
    f.ntags = 3;
    f.custom_json = "{\"order\": 42, \"a\": [1, 2]}";
    ck_assert_ok(cs_ticket_create(&id, db, &f));
    id2 = new_ticket(ben, "Second");
    ck_assert_ok(cs_ticket_lookup(&t, db, id));
    ck_assert_int_eq(cs_ticket_number(t), 1);
    ck_assert_str_eq(cs_ticket_subject(t), "Rechnung falsch – bitte prüfen");
    ck_assert_int_eq(cs_ticket_status(t), CS_STATUS_NEW);
    ck_assert_int_eq(cs_ticket_priority(t), CS_PRIORITY_NORMAL);
    ck_assert_int_eq(cs_ticket_type(t), CS_TYPE_QUESTION);
    ck_assert_int_eq(cs_ticket_group_id(t), group_a); /* from the channel */
    ck_assert_int_eq(cs_ticket_assignee_id(t), 0);
    ck_assert_int_eq(cs_ticket_customer_id(t), anna);
    ck_assert_int_eq(cs_ticket_created_at(t), t_now);
    ck_assert_str_eq(cs_ticket_custom_json(t), "{\"a\":[1,2],\"order\":42}");
    ck_assert_uint_eq(cs_ticket_tag_count(t), 2);
    ck_assert_str_eq(cs_ticket_tag(t, 0), "billing");
    ck_assert_str_eq(cs_ticket_tag(t, 1), "vip");
    ck_assert_ptr_null(cs_ticket_tag(t, 2));
    cs_ticket_free(t);

    ck_assert_ok(cs_ticket_lookup_number(&t, db, 2));
    ck_assert_int_eq(cs_ticket_id(t), id2);
    cs_ticket_free(t);
    ck_assert_rc(cs_ticket_lookup_number(&t, db, 3), CS_ENOTFOUND);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE object = 'ticket' AND "
                           "action = 'create'"),
                     2);
    cs_ticket_free(NULL);
}
END_TEST

START_TEST(create_bad_input)
{
    char big[CS_SUBJECT_MAX + 2];
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    int64_t id = 7;
    static const struct {
        const char *subject;
        int64_t customer, channel, group, assignee;
        int status, priority, type;
        const char *custom;
        int rc;
        const char *field;
    } cases[] = {
        {NULL, 1, 0, 0, 0, 0, 0, 0, NULL, CS_EINVAL, "subject"},
        {"", 1, 0, 0, 0, 0, 0, 0, NULL, CS_EINVAL, "subject"},
        {"bad \xC3\x28 utf8", 1, 0, 0, 0, 0, 0, 0, NULL, CS_EINVAL, "subject"},
        {"x", 0, 0, 0, 0, 0, 0, 0, NULL, CS_EINVAL, "customer_id"},
        {"x", 99, 0, 0, 0, 0, 0, 0, NULL, CS_ENOTFOUND, "customer_id"},
        {"x", 1, 99, 0, 0, 0, 0, 0, NULL, CS_ENOTFOUND, "channel_id"},
        {"x", 1, 0, 99, 0, 0, 0, 0, NULL, CS_ENOTFOUND, "group_id"},
        {"x", 1, 0, 0, 99, 0, 0, 0, NULL, CS_ENOTFOUND, "assignee_id"},
        {"x", 1, 0, 0, 3, 0, 0, 0, NULL, CS_EINVAL, "assignee_id"}, /* light agent (id 3) */
        {"x", 1, 0, 0, 0, 9, 0, 0, NULL, CS_EINVAL, "status"},
        {"x", 1, 0, 0, 0, CS_STATUS_SOLVED, 0, 0, NULL, CS_EINVAL, "status"},
        {"x", 1, 0, 0, 0, 0, 5, 0, NULL, CS_EINVAL, "priority"},
        {"x", 1, 0, 0, 0, 0, 0, -1, NULL, CS_EINVAL, "type"},
        {"x", 1, 0, 0, 0, 0, 0, 0, "[1]", CS_EINVAL, "custom"},
        {"x", 1, 0, 0, 0, 0, 0, 0, "{\"a\":", CS_EINVAL, "custom"},
    };

    ck_assert_rc(cs_ticket_create(&id, db, NULL), CS_EINVAL);
    ck_assert_field("fields");
    ck_assert_int_eq(id, 0);
    f.version = 99;
    ck_assert_rc(cs_ticket_create(&id, db, &f), CS_EINVAL);
    ck_assert_field("fields");
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    f = (cs_ticket_fields)CS_TICKET_FIELDS_INIT;
    f.subject = big;
    f.customer_id = anna;
    ck_assert_rc(cs_ticket_create(&id, db, &f), CS_EINVAL);
    ck_assert_field("subject");
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "999 bytes"));

    for (size_t i = 0; i < CS_ARRAY_SIZE(cases); i++) {
        f = (cs_ticket_fields)CS_TICKET_FIELDS_INIT;
        f.subject = cases[i].subject;
        f.customer_id = cases[i].customer;
        f.channel_id = cases[i].channel;
        f.group_id = cases[i].group;
        f.assignee_id = cases[i].assignee;
        f.status = cases[i].status;
        f.priority = cases[i].priority;
        f.type = cases[i].type;
        f.custom_json = cases[i].custom;
        int rc = cs_ticket_create(&id, db, &f);
        ck_assert_msg(rc == cases[i].rc, "case %zu: %d (%s)", i, rc, cs_error_last()->message);
        ck_assert_msg(!strcmp(cs_error_last()->field, cases[i].field), "case %zu: field %s", i,
                      cs_error_last()->field);
    }
    /* Nothing was written, not even a ticket number. */
    ck_assert_int_eq(count("SELECT count(*) FROM ticket"), 0);
    ck_assert_int_eq(count("SELECT value FROM counter WHERE name = 'ticket_number'"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM audit"), 0);
    ck_assert_int_eq(new_ticket(anna, "ok") > 0, 1);
    ck_assert_int_eq(count("SELECT number FROM ticket"), 1);
}
END_TEST

START_TEST(status_rules)
{
    /* expected[from][to] for statuses 1..6 */
    static const int expected[7][7] = {
        [1] = {[2] = 1, [3] = 1, [4] = 1, [5] = 1},
        [2] = {[3] = 1, [4] = 1, [5] = 1},
        [3] = {[2] = 1, [4] = 1, [5] = 1},
        [4] = {[2] = 1, [3] = 1, [5] = 1},
        [5] = {[2] = 1, [6] = 1},
        [6] = {0},
    };
    for (int from = 0; from <= 7; from++)
        for (int to = 0; to <= 7; to++) {
            int want = from >= 1 && from <= 6 && to >= 1 && to <= 6 ? expected[from][to] : 0;
            ck_assert_msg(cs_ticket_status_allowed(from, to) == want, "%d -> %d", from, to);
        }
    ck_assert_str_eq(cs_ticket_status_name(CS_STATUS_ON_HOLD), "on-hold");
    ck_assert_int_eq(cs_ticket_status_parse("on-hold"), CS_STATUS_ON_HOLD);
    ck_assert_int_eq(cs_ticket_status_parse("bogus"), 0);
    ck_assert_int_eq(cs_ticket_priority_parse("urgent"), CS_PRIORITY_URGENT);
    ck_assert_int_eq(cs_ticket_type_parse("task"), CS_TYPE_TASK);
}
END_TEST

static int set_status(int64_t id, int status)
{
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    f.status = status;
    return cs_ticket_update(db, id, &f);
}

START_TEST(status_changes_and_times)
{
    int64_t id = new_ticket(anna, "Lifecycle");
    cs_ticket *t = NULL;

    ck_assert_rc(set_status(id, CS_STATUS_CLOSED), CS_ECONFLICT);
    ck_assert_field("status");
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "from new to closed"));
    ck_assert_ok(set_status(id, CS_STATUS_OPEN));
    t_now += 3600;
    ck_assert_ok(set_status(id, CS_STATUS_SOLVED));
    ck_assert_ok(cs_ticket_lookup(&t, db, id));
    ck_assert_int_eq(cs_ticket_solved_at(t), t_now);
    ck_assert_int_eq(cs_ticket_updated_at(t), t_now);
    cs_ticket_free(t);
    ck_assert_ok(set_status(id, CS_STATUS_OPEN)); /* reopen clears solved_at */
    ck_assert_ok(cs_ticket_lookup(&t, db, id));
    ck_assert_int_eq(cs_ticket_solved_at(t), 0);
    cs_ticket_free(t);
    ck_assert_ok(set_status(id, CS_STATUS_SOLVED));
    t_now += 60;
    ck_assert_ok(set_status(id, CS_STATUS_CLOSED));
    ck_assert_ok(cs_ticket_lookup(&t, db, id));
    ck_assert_int_eq(cs_ticket_closed_at(t), t_now);
    cs_ticket_free(t);
    /* Closed is final: no change of any field. */
    ck_assert_rc(set_status(id, CS_STATUS_OPEN), CS_ECONFLICT);
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    f.priority = CS_PRIORITY_HIGH;
    ck_assert_rc(cs_ticket_update(db, id, &f), CS_ECONFLICT);
    ck_assert_int_eq(add_message(id, CS_VISIBILITY_INTERNAL, "late note"), CS_ECONFLICT);
    ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE field = 'status'"), 5);
}
END_TEST

START_TEST(update_audits_changes)
{
    int64_t id = new_ticket(anna, "Old subject");
    const char *tags[] = {"b", "a"};
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    cs_audit_iter *it = NULL;
    const cs_audit_entry *e;
    cs_ticket *t = NULL;

    f.subject = "New subject";
    f.priority = CS_PRIORITY_URGENT;
    f.assignee_id = agent_id;
    f.tags = tags;
    f.ntags = 2;
    f.custom_json = "{\"z\":1}";
    ck_assert_ok(cs_ticket_update(db, id, &f));
    /* The same values again change nothing and record nothing. */
    int64_t audits = count("SELECT count(*) FROM audit");
    ck_assert_ok(cs_ticket_update(db, id, &f));
    ck_assert_int_eq(count("SELECT count(*) FROM audit"), audits);

    ck_assert_ok(cs_audit_iter_new(&it, db, CS_AUDIT_TICKET, id, NULL));
    const char *want[][3] = {{NULL, NULL, NULL},
                             {"priority", "normal", "urgent"},
                             {"assignee_id", NULL, "4"},
                             {"subject", "Old subject", "New subject"},
                             {"custom", "{}", "{\"z\":1}"},
                             {"tags", "", "a,b"}};
    char buf[24];
    snprintf(buf, sizeof(buf), "%lld", (long long)agent_id);
    want[2][2] = buf;
    for (size_t i = 0; i < CS_ARRAY_SIZE(want); i++) {
        ck_assert_ok(cs_audit_next(&e, it));
        ck_assert_str_eq(e->object, "ticket");
        ck_assert_int_eq(e->actor_kind, CS_ACTOR_SYSTEM);
        if (!want[i][0]) {
            ck_assert_str_eq(e->action, "create");
            continue;
        }
        ck_assert_str_eq(e->action, "update");
        ck_assert_str_eq(e->field, want[i][0]);
        if (want[i][1])
            ck_assert_str_eq(e->old_value, want[i][1]);
        else
            ck_assert_ptr_null(e->old_value);
        ck_assert_str_eq(e->new_value, want[i][2]);
    }
    ck_assert_rc(cs_audit_next(&e, it), CS_ITEROVER);
    cs_audit_iter_free(it);

    /* Clearing references. */
    f = (cs_ticket_fields)CS_TICKET_FIELDS_INIT;
    f.assignee_id = CS_ID_CLEAR;
    f.group_id = CS_ID_CLEAR;
    ck_assert_ok(cs_ticket_update(db, id, &f));
    ck_assert_ok(cs_ticket_lookup(&t, db, id));
    ck_assert_int_eq(cs_ticket_assignee_id(t), 0);
    ck_assert_int_eq(cs_ticket_group_id(t), 0);
    ck_assert_str_eq(cs_ticket_subject(t), "New subject");
    cs_ticket_free(t);

    f = (cs_ticket_fields)CS_TICKET_FIELDS_INIT;
    f.customer_id = ben;
    ck_assert_rc(cs_ticket_update(db, id, &f), CS_EINVAL);
    ck_assert_field("customer_id");
    ck_assert_rc(cs_ticket_update(db, 999, &(cs_ticket_fields)CS_TICKET_FIELDS_INIT), CS_ENOTFOUND);
}
END_TEST

START_TEST(ticket_json)
{
    int64_t id = new_ticket(anna, "JSON \"quoted\" ü");
    cs_ticket *t = NULL;
    char *text = NULL;
    json_t *o;

    ck_assert_ok(cs_ticket_lookup(&t, db, id));
    ck_assert_ok(cs_ticket_to_json(&text, t));
    o = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(json_string_value(json_object_get(o, "subject")), "JSON \"quoted\" ü");
    ck_assert_str_eq(json_string_value(json_object_get(o, "status")), "new");
    ck_assert_str_eq(json_string_value(json_object_get(o, "priority")), "normal");
    ck_assert_str_eq(json_string_value(json_object_get(o, "created_at")), "2026-03-02T09:00:00Z");
    ck_assert(json_is_null(json_object_get(o, "assignee_id")));
    ck_assert(json_is_object(json_object_get(o, "custom")));
    ck_assert_int_eq(json_integer_value(json_object_get(o, "number")), 1);
    json_decref(o);
    cs_str_free(text);
    cs_ticket_free(t);
}
END_TEST

START_TEST(merge_tickets)
{
    int64_t a = new_ticket(anna, "First"), b = new_ticket(anna, "Duplicate"),
            other = new_ticket(ben, "Other");
    const char *tags[] = {"dup"};
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    cs_ticket *t = NULL;

    f.tags = tags;
    f.ntags = 1;
    ck_assert_ok(cs_ticket_update(db, b, &f));
    ck_assert_int_gt(add_message(a, CS_VISIBILITY_PUBLIC, "one"), 0);
    ck_assert_int_gt(add_message(b, CS_VISIBILITY_PUBLIC, "two"), 0);
    ck_assert_int_gt(add_message(b, CS_VISIBILITY_INTERNAL, "three"), 0);

    ck_assert_rc(cs_ticket_merge(db, a, a), CS_EINVAL);
    ck_assert_rc(cs_ticket_merge(db, a, other), CS_ECONFLICT);
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "different customers"));
    ck_assert_ok(cs_ticket_merge(db, a, b));
    ck_assert_int_eq(count("SELECT count(*) FROM message WHERE ticket_id = 1"), 3);
    ck_assert_ok(cs_ticket_lookup(&t, db, b));
    ck_assert_int_eq(cs_ticket_status(t), CS_STATUS_CLOSED);
    ck_assert_int_eq(cs_ticket_merged_into(t), a);
    cs_ticket_free(t);
    ck_assert_ok(cs_ticket_lookup(&t, db, a));
    ck_assert_uint_eq(cs_ticket_tag_count(t), 1);
    ck_assert_str_eq(cs_ticket_tag(t, 0), "dup");
    cs_ticket_free(t);
    ck_assert_rc(cs_ticket_merge(db, a, b), CS_ECONFLICT); /* b is closed now */
    ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'merge'"), 2);
}
END_TEST

START_TEST(messages_and_attachments)
{
    int64_t id = new_ticket(anna, "Attachments"), mid = 0;
    cs_attachment_spec att[2] = {
        {"hello.txt", "text/plain", "hello", 5, NULL, NULL},
        {"big.pdf", NULL, NULL, 5000000,
         "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", "s3://bucket/big"},
    };
    cs_message_fields m = CS_MESSAGE_FIELDS_INIT;
    cs_attachment_spec got;
    cs_message *msg = NULL;

    m.ticket_id = id;
    m.body = "Hier ist die Rechnung 🧾";
    m.subject = "Rechnung";
    m.external_id = "<abc@mail.example>";
    m.attachments = att;
    m.nattachments = 2;
    ck_assert_ok(cs_message_create(&mid, db, &m));
    ck_assert_ok(cs_message_lookup(&msg, db, mid));
    ck_assert_str_eq(cs_message_body(msg), "Hier ist die Rechnung 🧾");
    ck_assert_int_eq(cs_message_direction(msg), CS_DIRECTION_OUTBOUND);
    ck_assert_int_eq(cs_message_visibility(msg), CS_VISIBILITY_PUBLIC);
    ck_assert_int_eq(cs_message_channel_id(msg), email_ch);
    ck_assert_int_eq(cs_message_author_kind(msg), CS_ACTOR_SYSTEM);
    ck_assert_uint_eq(cs_message_attachment_count(msg), 2);
    ck_assert_ok(cs_message_attachment(msg, 0, &got));
    ck_assert_str_eq(got.sha256,
                     "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    ck_assert_uint_eq(got.size, 5);
    ck_assert_int_eq(memcmp(got.data, "hello", 5), 0);
    ck_assert_ok(cs_message_attachment(msg, 1, &got));
    ck_assert_ptr_null(got.data);
    ck_assert_str_eq(got.content_type, "application/octet-stream");
    ck_assert_str_eq(got.storage_ref, "s3://bucket/big");
    ck_assert_rc(cs_message_attachment(msg, 2, &got), CS_EINVAL);
    char *text = NULL;
    ck_assert_ok(cs_message_to_json(&text, msg));
    json_t *o = json_loads(text, 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "author"), "kind")),
                     "system");
    ck_assert_int_eq(json_array_size(json_object_get(o, "attachments")), 2);
    json_decref(o);
    cs_str_free(text);
    cs_message_free(msg);

    /* The same external id on the same channel is refused. */
    m.nattachments = 0;
    ck_assert_rc(cs_message_create(&mid, db, &m), CS_EEXISTS);
    ck_assert_field("external_id");

    /* Bad input names the field and writes nothing. */
    int64_t before = count("SELECT count(*) FROM message");
    m.external_id = NULL;
    m.body = "bad \xED\xA0\x80 surrogate";
    ck_assert_rc(cs_message_create(&mid, db, &m), CS_EINVAL);
    ck_assert_field("body");
    m.body = "";
    ck_assert_rc(cs_message_create(&mid, db, &m), CS_EINVAL);
    ck_assert_field("body");
    m.body = "ok";
    att[1].sha256 = "XYZ";
    m.attachments = att;
    m.nattachments = 2;
    ck_assert_rc(cs_message_create(&mid, db, &m), CS_EINVAL);
    ck_assert_field("attachments[1].sha256");
    att[0].name = "";
    ck_assert_rc(cs_message_create(&mid, db, &m), CS_EINVAL);
    ck_assert_field("attachments[0].name");
    m.nattachments = 0;
    m.ticket_id = 999;
    ck_assert_rc(cs_message_create(&mid, db, &m), CS_ENOTFOUND);
    ck_assert_field("ticket_id");
    m.ticket_id = id;
    m.direction = CS_DIRECTION_INBOUND;
    m.visibility = CS_VISIBILITY_INTERNAL;
    ck_assert_rc(cs_message_create(&mid, db, &m), CS_EINVAL);
    ck_assert_field("direction");
    ck_assert_int_eq(count("SELECT count(*) FROM message"), before);
}
END_TEST

/* What each actor may do with tickets and messages. */
START_TEST(permission_matrix)
{
    int64_t org = t_organization(db, "Shop GmbH", 1);
    int64_t colleague = t_customer(db, "Colleague", NULL);
    char sql[128];
    snprintf(sql, sizeof(sql),
             "UPDATE customer SET organization_id = %lld WHERE id IN (%lld, %lld)", (long long)org,
             (long long)anna, (long long)colleague);
    ck_assert_int_eq(sqlite3_exec(db->sql, sql, 0, 0, 0), SQLITE_OK);
    int64_t annas = new_ticket(anna, "Anna's"), bens = new_ticket(ben, "Ben's"),
            colleagues = new_ticket(colleague, "Colleague's");
    int64_t note = add_message(annas, CS_VISIBILITY_INTERNAL, "internal");
    ck_assert_int_gt(add_message(annas, CS_VISIBILITY_PUBLIC, "public"), 0);

    struct {
        int kind;
        int64_t id;
        int create_own, update, public_msg, internal_msg, see_other, see_org, see_note;
        int list_count;
    } actors[] = {
        {CS_ACTOR_SYSTEM, 0, CS_OK, CS_OK, CS_OK, CS_OK, CS_OK, CS_OK, CS_OK, 3},
        {CS_ACTOR_AGENT, admin_id, CS_OK, CS_OK, CS_OK, CS_OK, CS_OK, CS_OK, CS_OK, 3},
        {CS_ACTOR_AGENT, agent_id, CS_OK, CS_OK, CS_OK, CS_OK, CS_OK, CS_OK, CS_OK, 3},
        {CS_ACTOR_AGENT, light_id, CS_EPERM, CS_EPERM, CS_EPERM, CS_OK, CS_OK, CS_OK, CS_OK, 3},
        /* What a customer may not see does not exist for it: not found, never "forbidden". */
        {CS_ACTOR_CUSTOMER, anna, CS_OK, CS_EPERM, CS_OK, CS_EPERM, CS_ENOTFOUND, CS_OK,
         CS_ENOTFOUND, 2},
        /* For Ben, "other" is his own ticket. */
        {CS_ACTOR_CUSTOMER, ben, CS_ENOTFOUND, CS_EPERM, CS_ENOTFOUND, CS_EPERM, CS_OK,
         CS_ENOTFOUND, CS_ENOTFOUND, 1},
    };
    for (size_t i = 0; i < CS_ARRAY_SIZE(actors); i++) {
        int64_t tickets = count("SELECT count(*) FROM ticket");
        int64_t messages = count("SELECT count(*) FROM message");
        int64_t audits = count("SELECT count(*) FROM audit");
        int64_t id = 0, expect_tickets = tickets, expect_messages = messages;
        cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
        cs_ticket *t = NULL;
        cs_message *m = NULL;
        cs_ticket_iter *it = NULL;
        const cs_ticket *row;
        int n = 0;

        ck_assert_ok(cs_db_set_actor(db, actors[i].kind, actors[i].id));
        f.subject = "mine";
        f.customer_id = anna;
        ck_assert_msg(cs_ticket_create(&id, db, &f) == actors[i].create_own, "actor %zu create", i);
        expect_tickets += actors[i].create_own == CS_OK;
        f = (cs_ticket_fields)CS_TICKET_FIELDS_INIT;
        f.priority = CS_PRIORITY_HIGH;
        ck_assert_msg(cs_ticket_update(db, annas, &f) == actors[i].update, "actor %zu update", i);
        int rc = add_message(annas, CS_VISIBILITY_PUBLIC, "hello");
        ck_assert_msg((rc > 0 ? CS_OK : rc) == actors[i].public_msg, "actor %zu public: %d", i, rc);
        expect_messages += rc > 0;
        rc = add_message(annas, CS_VISIBILITY_INTERNAL, "note");
        ck_assert_msg((rc > 0 ? CS_OK : rc) == actors[i].internal_msg, "actor %zu note: %d", i, rc);
        expect_messages += rc > 0;
        ck_assert_msg(cs_ticket_lookup(&t, db, bens) == actors[i].see_other, "actor %zu other", i);
        cs_ticket_free(t);
        t = NULL;
        ck_assert_msg(cs_ticket_lookup(&t, db, colleagues) == actors[i].see_org, "actor %zu org",
                      i);
        cs_ticket_free(t);
        ck_assert_msg(cs_message_lookup(&m, db, note) == actors[i].see_note, "actor %zu note", i);
        cs_message_free(m);
        ck_assert_ok(cs_ticket_iter_new(&it, db, NULL));
        while (cs_ticket_next(&row, it) == CS_OK)
            n++;
        cs_ticket_iter_free(it);
        ck_assert_msg(n == actors[i].list_count + (int)(expect_tickets - 3), "actor %zu sees %d", i,
                      n);
        /* Refused operations wrote nothing. */
        ck_assert_int_eq(count("SELECT count(*) FROM ticket"), expect_tickets);
        ck_assert_int_eq(count("SELECT count(*) FROM message"), expect_messages);
        if (actors[i].update != CS_OK && actors[i].create_own != CS_OK &&
            actors[i].public_msg != CS_OK && actors[i].internal_msg != CS_OK)
            ck_assert_int_eq(count("SELECT count(*) FROM audit"), audits);
        ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
        if (id) { /* keep the list counts comparable */
            ck_assert_int_eq(
                sqlite3_exec(db->sql,
                             "DELETE FROM audit WHERE ticket_id = "
                             "(SELECT max(id) FROM ticket); DELETE FROM ticket WHERE id = "
                             "(SELECT max(id) FROM ticket)",
                             0, 0, 0),
                SQLITE_OK);
        }
    }
    /* A customer never sees internal notes when reading a timeline. */
    cs_message_iter *mi = NULL;
    const cs_message *msg;
    int seen = 0;
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_CUSTOMER, anna));
    ck_assert_ok(cs_message_iter_new(&mi, db, annas));
    while (cs_message_next(&msg, mi) == CS_OK) {
        ck_assert_int_eq(cs_message_visibility(msg), CS_VISIBILITY_PUBLIC);
        seen++;
    }
    cs_message_iter_free(mi);
    ck_assert_int_eq(seen, 5); /* "public" and the four "hello"s; none of the three notes */
    ck_assert_rc(cs_message_iter_new(&mi, db, bens), CS_ENOTFOUND);
    ck_assert_rc(cs_audit_iter_new(&(cs_audit_iter *){NULL}, db, CS_AUDIT_TICKET, annas, NULL),
                 CS_EPERM);
}
END_TEST

static int64_t list_all(const cs_ticket_filter *filter, int64_t *ids, size_t max)
{
    cs_ticket_iter *it = NULL;
    const cs_ticket *t;
    size_t n = 0;
    int rc;

    ck_assert_ok(cs_ticket_iter_new(&it, db, filter));
    while ((rc = cs_ticket_next(&t, it)) == CS_OK) {
        ck_assert_uint_lt(n, max);
        ids[n++] = cs_ticket_id(t);
    }
    ck_assert_rc(rc, CS_ITEROVER);
    cs_ticket_iter_free(it);
    return (int64_t)n;
}

START_TEST(filters)
{
    int64_t ids[16];
    int64_t a1 = new_ticket(anna, "a1"), a2 = new_ticket(anna, "a2"), b1 = new_ticket(ben, "b1");
    int64_t web = t_channel(db, CS_CHANNEL_WEBFORM, "Form");
    const char *tags[] = {"urgent-ish"};
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    cs_ticket_filter q = CS_TICKET_FILTER_INIT;
    int64_t b2;

    t_now += 100;
    f.subject = "b2";
    f.customer_id = ben;
    f.channel_id = web;
    f.tags = tags;
    f.ntags = 1;
    f.assignee_id = agent_id;
    ck_assert_ok(cs_ticket_create(&b2, db, &f));
    ck_assert_ok(set_status(a2, CS_STATUS_PENDING));

    q.customer_id = anna;
    ck_assert_int_eq(list_all(&q, ids, 16), 2);
    ck_assert_int_eq(ids[0], a1);
    ck_assert_int_eq(ids[1], a2);
    q = (cs_ticket_filter)CS_TICKET_FILTER_INIT;
    q.statuses = 1u << CS_STATUS_PENDING;
    ck_assert_int_eq(list_all(&q, ids, 16), 1);
    ck_assert_int_eq(ids[0], a2);
    q.statuses = 1u << CS_STATUS_PENDING | 1u << CS_STATUS_NEW;
    ck_assert_int_eq(list_all(&q, ids, 16), 4);
    q = (cs_ticket_filter)CS_TICKET_FILTER_INIT;
    q.assignee_id = agent_id;
    ck_assert_int_eq(list_all(&q, ids, 16), 1);
    ck_assert_int_eq(ids[0], b2);
    q.assignee_id = CS_ID_CLEAR;
    ck_assert_int_eq(list_all(&q, ids, 16), 3);
    q = (cs_ticket_filter)CS_TICKET_FILTER_INIT;
    q.channel_id = web;
    ck_assert_int_eq(list_all(&q, ids, 16), 1);
    q = (cs_ticket_filter)CS_TICKET_FILTER_INIT;
    q.group_id = group_a; /* the web form has no default group */
    ck_assert_int_eq(list_all(&q, ids, 16), 3);
    q = (cs_ticket_filter)CS_TICKET_FILTER_INIT;
    q.tag = "urgent-ish";
    ck_assert_int_eq(list_all(&q, ids, 16), 1);
    q.statuses = 1u << CS_STATUS_NEW | 1u << CS_STATUS_PENDING;
    ck_assert_int_eq(list_all(&q, ids, 16), 1);
    ck_assert_int_eq(ids[0], b2);
    q.statuses = 1u << CS_STATUS_PENDING;
    ck_assert_int_eq(list_all(&q, ids, 16), 0);
    q = (cs_ticket_filter)CS_TICKET_FILTER_INIT;
    q.created_from = t_now;
    ck_assert_int_eq(list_all(&q, ids, 16), 1);
    q.created_from = 0;
    q.created_to = t_now;
    ck_assert_int_eq(list_all(&q, ids, 16), 3);
    q = (cs_ticket_filter)CS_TICKET_FILTER_INIT;
    q.order = CS_ORDER_ID_DESC;
    ck_assert_int_eq(list_all(&q, ids, 16), 4);
    ck_assert_int_eq(ids[0], b2);
    ck_assert_int_eq(ids[3], a1);
    (void)b1;

    q = (cs_ticket_filter)CS_TICKET_FILTER_INIT;
    q.statuses = 1u; /* bit 0 is no status */
    ck_assert_rc(cs_ticket_iter_new(&(cs_ticket_iter *){NULL}, db, &q), CS_EINVAL);
    ck_assert_field("statuses");
    q = (cs_ticket_filter)CS_TICKET_FILTER_INIT;
    q.order = 7;
    ck_assert_rc(cs_ticket_iter_new(&(cs_ticket_iter *){NULL}, db, &q), CS_EINVAL);
    ck_assert_field("order");
}
END_TEST

#define PAGING_TICKETS 10000

static void page_through(int order, int64_t step_check)
{
    static unsigned char seen[PAGING_TICKETS + 1];
    cs_ticket_filter q = CS_TICKET_FILTER_INIT;
    int64_t ids[101], total = 0, last = 0;

    memset(seen, 0, sizeof(seen));
    q.limit = 97;
    q.order = order;
    for (;;) {
        int64_t n = list_all(&q, ids, 101);
        if (n == 0)
            break;
        for (int64_t i = 0; i < n; i++) {
            ck_assert_int_ge(ids[i], 1);
            ck_assert_int_le(ids[i], PAGING_TICKETS);
            ck_assert_msg(!seen[ids[i]], "ticket %lld listed twice", (long long)ids[i]);
            seen[ids[i]] = 1;
            if (last)
                ck_assert_int_eq(ids[i] - last, step_check);
            last = ids[i];
        }
        total += n;
        q.after = ids[n - 1];
    }
    ck_assert_int_eq(total, PAGING_TICKETS);
}

START_TEST(paging_10k)
{
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    int64_t id;

    f.subject = "load";
    f.customer_id = anna;
    ck_assert_ok(cs_db_begin(db));
    for (int i = 0; i < PAGING_TICKETS; i++) {
        f.customer_id = i % 3 ? anna : ben;
        ck_assert_ok(cs_ticket_create(&id, db, &f));
    }
    ck_assert_ok(cs_db_commit(db));
    page_through(CS_ORDER_ID_ASC, 1);
    page_through(CS_ORDER_ID_DESC, -1);
}
END_TEST

START_TEST(lookup_allocation_failures)
{
    int64_t id = new_ticket(anna, "nomem");
    const char *tags[] = {"a", "b"};
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    int failures = 0;

    f.tags = tags;
    f.ntags = 2;
    ck_assert_ok(cs_ticket_update(db, id, &f));
    for (long n = 1; n < 100; n++) {
        cs_ticket *t = NULL;
        char *json = NULL;
        cs_mem__fail_after(n);
        int rc = cs_ticket_lookup(&t, db, id);
        if (rc == CS_OK)
            rc = cs_ticket_to_json(&json, t);
        cs_mem__fail_after(0);
        cs_str_free(json);
        cs_ticket_free(t);
        if (rc == CS_OK)
            break;
        ck_assert_rc(rc, CS_ENOMEM);
        failures++;
    }
    ck_assert_int_gt(failures, 2);
    /* Creating under allocation failure writes all or nothing. */
    for (long n = 1; n < 100; n++) {
        int64_t before = count("SELECT count(*) FROM ticket"), nid = 0;
        f = (cs_ticket_fields)CS_TICKET_FIELDS_INIT;
        f.subject = "under pressure";
        f.customer_id = anna;
        f.tags = tags;
        f.ntags = 2;
        cs_mem__fail_after(n);
        int rc = cs_ticket_create(&nid, db, &f);
        cs_mem__fail_after(0);
        if (rc == CS_OK)
            break;
        ck_assert_rc(rc, CS_ENOMEM);
        ck_assert_int_eq(count("SELECT count(*) FROM ticket"), before);
        ck_assert_int_eq(count("SELECT count(*) FROM ticket_tag WHERE ticket_id > 1"), 0);
    }
}
END_TEST

Suite *cs_ticket_suite(void)
{
    Suite *s = suite_create("ticket");
    TCase *tc = tcase_create("ticket");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, create_defaults);
    tcase_add_test(tc, create_bad_input);
    tcase_add_test(tc, status_rules);
    tcase_add_test(tc, status_changes_and_times);
    tcase_add_test(tc, update_audits_changes);
    tcase_add_test(tc, ticket_json);
    tcase_add_test(tc, merge_tickets);
    tcase_add_test(tc, messages_and_attachments);
    tcase_add_test(tc, permission_matrix);
    tcase_add_test(tc, filters);
    tcase_add_test(tc, paging_10k);
    tcase_add_test(tc, lookup_allocation_failures);
    suite_add_tcase(s, tc);
    return s;
}
