/*
 * cs_call(): the dispatcher's own rules (errors as JSON, unknown fields, type checks) and
 * that every method survives empty and hostile requests.
 */
#include <jansson.h>
#include <stdlib.h>

#include "check_suites.h"
#include "helpers.h"

static json_t *call(cs_db *db, const char *method, const char *request, int expect)
{
    char *resp = NULL;
    int rc = cs_call(&resp, db, method, request);
    ck_assert_msg(rc == expect, "%s %s: %d, wanted %d: %s", method, request ? request : "-", rc,
                  expect, resp ? resp : "(no response)");
    ck_assert_ptr_nonnull(resp);
    json_t *o = json_loads(resp, 0, NULL);
    ck_assert_msg(o != NULL, "not JSON: %s", resp);
    cs_str_free(resp);
    if (rc == CS_OK)
        t_conforms(method, o);
    return o;
}

static void assert_error(json_t *o, const char *code, const char *field)
{
    json_t *e = json_object_get(o, "error");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(json_string_value(json_object_get(e, "code")), code);
    ck_assert_str_eq(json_string_value(json_object_get(e, "field")), field);
    ck_assert_int_gt(strlen(json_string_value(json_object_get(e, "message"))), 0);
    json_decref(o);
}

START_TEST(errors_are_json)
{
    cs_db *db = t_open_memory();
    char *resp = (char *)1;

    assert_error(call(db, "no.such.method", "{}", CS_EINVAL), "EINVAL", "method");
    /* A method renamed in 0.2 names its new name. */
    ck_assert_int_eq(cs_call(&resp, db, "ticket.next", "{\"agent_id\": 1}"), CS_EINVAL);
    ck_assert_ptr_nonnull(strstr(resp, "renamed to \\\"route.next\\\""));
    cs_str_free(resp);
    /* An error quoting bytes that are not UTF-8 is still a JSON answer. */
    assert_error(call(db, "versi\xff\xff\x02on", "{}", CS_EINVAL), "EINVAL", "method");
    assert_error(call(db, "ticket.get", "{\"id\": ", CS_EINVAL), "EINVAL", "request");
    assert_error(call(db, "ticket.get", "[1, 2]", CS_EINVAL), "EINVAL", "request");
    assert_error(call(db, "ticket.get", "{\"id\": 1, \"id\": 2}", CS_EINVAL), "EINVAL", "request");
    assert_error(call(db, "ticket.get", "{\"id\": \"one\"}", CS_EINVAL), "EINVAL", "id");
    assert_error(call(db, "ticket.get", "{\"id\": -4}", CS_EINVAL), "EINVAL", "id");
    assert_error(call(db, "ticket.get", "{\"id\": 1, \"extra\": true}", CS_EINVAL), "EINVAL",
                 "extra");
    assert_error(call(db, "ticket.get", "{\"id\": 1}", CS_ENOTFOUND), "ENOTFOUND", "id");
    assert_error(call(db, "customer.create", "{\"name\": 7}", CS_EINVAL), "EINVAL", "name");
    assert_error(call(db, "customer.create", "{\"name\": \"x\", \"tags\": [1]}", CS_EINVAL),
                 "EINVAL", "tags");
    assert_error(call(db, "ticket.list", "{\"created_from\": \"yesterday\"}", CS_EINVAL), "EINVAL",
                 "created_from");
    assert_error(call(db, "ticket.list", "{\"status\": [\"nope\"]}", CS_EINVAL), "EINVAL",
                 "status");
    assert_error(call(db, "ticket.list", "{\"limit\": 0}", CS_EINVAL), "EINVAL", "limit");
    assert_error(call(db, "db.set_actor", "{\"kind\": \"agent\", \"id\": 9}", CS_ENOTFOUND),
                 "ENOTFOUND", "id");

    ck_assert_rc(cs_call(NULL, db, "version", NULL), CS_EINVAL);
    ck_assert_rc(cs_call(&resp, NULL, "version", NULL), CS_EINVAL);
    ck_assert_ptr_nonnull(resp);
    cs_str_free(resp);
    ck_assert_rc(cs_call(&resp, db, NULL, NULL), CS_EINVAL);
    cs_str_free(resp);
    json_decref(call(db, "version", NULL, CS_OK));
    json_decref(call(db, "version", "", CS_OK));
    cs_db_close(db);
}
END_TEST

/* Every method answers an empty request, and requests with wrongly typed values, with JSON
 * and a status; nothing crashes and nothing is half-written. */
START_TEST(every_method_survives_bad_requests)
{
    static const char *requests[] = {
        "{}",
        "{\"id\": null, \"name\": [], \"kind\": {}, \"body\": 1, \"ticket_id\": \"x\"}",
        "{\"id\": 1e400}",
        "{\"calendar\": [], \"time\": 5, \"seconds\": \"s\", \"from\": null}",
    };
    cs_db *db = t_open_memory();
    size_t n = 0;

    for (size_t i = 0; cs_call_method(i); i++, n++) {
        for (size_t r = 0; r < CS_ARRAY_SIZE(requests); r++) {
            char *resp = NULL;
            int rc = cs_call(&resp, db, cs_call_method(i), requests[r]);
            ck_assert_ptr_nonnull(resp);
            json_t *o = json_loads(resp, 0, NULL);
            ck_assert_msg(o != NULL, "%s: not JSON: %s", cs_call_method(i), resp);
            ck_assert_int_eq(rc < 0, json_object_get(o, "error") != NULL);
            json_decref(o);
            cs_str_free(resp);
        }
    }
    ck_assert_int_gt(n, 40);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM ticket"), 0);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM customer"), 0);
    cs_db_close(db);
}
END_TEST

START_TEST(flow_through_json)
{
    cs_db *db = t_open_memory();
    json_t *o;

    json_decref(call(db, "channel.create", "{\"kind\": \"email\", \"name\": \"Mail\"}", CS_OK));
    o = call(db, "ingest",
             "{\"channel_id\": 1, \"sender\": \"a@b.example\", \"body\": \"hi\","
             " \"subject\": \"Hallo\", \"external_id\": \"<1@b>\"}",
             CS_OK);
    ck_assert(json_is_true(json_object_get(o, "created")));
    ck_assert_str_eq(json_string_value(json_object_get(o, "thread")), "new");
    json_decref(o);
    o = call(db, "ticket.update",
             "{\"id\": 1, \"assignee_id\": null, \"tags\": [\"b\", \"a\"],"
             " \"custom\": {\"z\": 1, \"a\": {\"b\": 2}}}",
             CS_OK);
    ck_assert_int_eq(json_array_size(json_object_get(o, "tags")), 2);
    ck_assert_int_eq(json_integer_value(
                         json_object_get(json_object_get(json_object_get(o, "custom"), "a"), "b")),
                     2);
    json_decref(o);
    o = call(db, "ticket.list", "{\"created_from\": \"2026-03-02T10:00:00+01:00\"}", CS_OK);
    ck_assert_int_eq(json_array_size(json_object_get(o, "tickets")), 1);
    json_decref(o);
    o = call(db, "ticket.list", "{\"created_from\": \"2026-03-02T09:00:01Z\"}", CS_OK);
    ck_assert_int_eq(json_array_size(json_object_get(o, "tickets")), 0);
    json_decref(o);
    /* The actor set through JSON restricts what follows. */
    json_decref(call(db, "db.set_actor", "{\"kind\": \"customer\", \"id\": 1}", CS_OK));
    assert_error(call(db, "ticket.update", "{\"id\": 1, \"priority\": \"high\"}", CS_EPERM),
                 "EPERM", "");
    /* Only the host, in C, takes it back. */
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    json_decref(call(db, "ticket.update", "{\"id\": 1, \"priority\": \"high\"}", CS_OK));
    cs_db_close(db);
}
END_TEST

/* ISO 8601 times name real instants: no 30 February, no hour 24, no signs inside. */
START_TEST(impossible_dates_are_refused)
{
    static const char *const bad[] = {"2026-02-30",
                                      "2026-02-29T10:00:00Z",
                                      "2026-04-31T00:00:00Z",
                                      "2026-03-02T24:00:00Z",
                                      "2026-03-02T-1:00Z",
                                      "+026-03-02",
                                      "2026-3-02",
                                      "2026-03-02T09:00:00+1:00"};
    cs_db *db = t_open_memory();
    char req[96];

    for (size_t i = 0; i < CS_ARRAY_SIZE(bad); i++) {
        snprintf(req, sizeof(req), "{\"created_from\": \"%s\"}", bad[i]);
        assert_error(call(db, "ticket.list", req, CS_EINVAL), "EINVAL", "created_from");
    }
    json_decref(call(db, "ticket.list", "{\"created_from\": \"2028-02-29\"}", CS_OK));
    json_decref(call(db, "ticket.list", "{\"created_from\": \"2026-12-31T23:59:60Z\"}", CS_OK));
    cs_db_close(db);
}
END_TEST

/* An explicit time is honoured, the epoch too: 0 does not mean "now". */
START_TEST(tick_honours_an_explicit_now)
{
    cs_sla_target fast = {CS_SLA_FIRST_REPLY, 0, 60, 0, 0};
    cs_sla_policy_fields p = CS_SLA_POLICY_FIELDS_INIT;
    cs_db *db = t_open_memory();
    json_t *o;

    p.name = "Fast";
    p.targets = &fast;
    p.ntargets = 1;
    ck_assert_ok(cs_sla_policy_create(NULL, db, &p));
    t_ticket(db, t_customer(db, "Anna", "anna@example.com"), "Hallo");
    json_decref(call(db, "ticket.update", "{\"id\": 1, \"priority\": \"high\"}", CS_OK));
    t_now += 3600;
    o = call(db, "tick", "{\"now\": \"1970-01-01T00:00:00Z\"}", CS_OK);
    ck_assert_str_eq(json_string_value(json_object_get(o, "now")), "1970-01-01T00:00:00Z");
    ck_assert_int_eq(json_integer_value(json_object_get(o, "breached")), 0);
    json_decref(o);
    o = call(db, "tick", "{}", CS_OK);
    ck_assert_int_eq(json_integer_value(json_object_get(o, "breached")), 1);
    json_decref(o);
    t_now -= 3600;
    cs_db_close(db);
}
END_TEST

/* More business seconds than the calendars' whole range can never be added. */
START_TEST(calendar_add_names_huge_seconds)
{
    cs_db *db = t_open_memory();
    static const char *const huge[] = {"9223372036854775807", "-9223372036854775807", "4133894400"};
    char req[256];

    for (size_t i = 0; i < CS_ARRAY_SIZE(huge); i++) {
        snprintf(req, sizeof(req),
                 "{\"calendar\": {\"timezone\": \"UTC\", \"hours\": {\"mon\": "
                 "[[\"08:00\", \"18:00\"]]}}, \"time\": \"2026-03-02T09:00:00Z\", "
                 "\"seconds\": %s}",
                 huge[i]);
        assert_error(call(db, "calendar.add_seconds", req, CS_EINVAL), "EINVAL", "seconds");
    }
    cs_db_close(db);
}
END_TEST

START_TEST(call_allocation_failures)
{
    cs_db *db = t_open_memory();
    json_decref(call(db, "channel.create", "{\"kind\": \"email\", \"name\": \"Mail\"}", CS_OK));
    for (long n = 1; n < 500; n++) {
        char *resp = NULL;
        cs_mem__fail_after(n);
        int rc = cs_call(&resp, db, "ingest",
                         "{\"channel_id\": 1, \"sender\": \"a@b.example\","
                         " \"body\": \"hi\", \"external_id\": \"<x@y>\"}");
        cs_mem__fail_after(0);
        cs_str_free(resp);
        if (rc == CS_OK)
            break;
        ck_assert_rc(rc, CS_ENOMEM);
        /* Either nothing was written, or the ingest committed and only its response could
         * not be built: then it is whole (message and receipt), and a retry is a duplicate. */
        int64_t tickets = t_sql_int(db, "SELECT count(*) FROM ticket");
        ck_assert_int_le(tickets, 1);
        ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM message"), 2 * tickets);
    }
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM ticket"), 1);
    cs_db_close(db);
}
END_TEST

/* `methods` describes every method from the rows the dispatcher runs. */
START_TEST(catalogue_describes_every_method)
{
    cs_db *db = t_open_memory();
    json_t *o = call(db, "methods", NULL, CS_OK), *list = json_object_get(o, "methods"), *m;
    size_t i;

    ck_assert_ptr_nonnull(cs_call_method(json_array_size(list) - 1));
    ck_assert_ptr_null(cs_call_method(json_array_size(list)));
    json_array_foreach(list, i, m) {
        json_t *req = json_object_get(m, "request"), *resp = json_object_get(m, "response");
        ck_assert_str_eq(json_string_value(json_object_get(m, "name")), cs_call_method(i));
        ck_assert_msg(strlen(json_string_value(json_object_get(m, "summary"))) > 10,
                      "%s has no summary", cs_call_method(i));
        ck_assert_str_eq(json_string_value(json_object_get(req, "type")), "object");
        ck_assert(json_is_false(json_object_get(req, "additionalProperties")));
        ck_assert_str_eq(json_string_value(json_object_get(resp, "type")), "object");
        ck_assert_int_eq(json_object_size(json_object_get(m, "roles")), 5);
    }
    json_decref(o);

    o = call(db, "methods", "{\"name\": \"ticket.list\"}", CS_OK);
    list = json_object_get(o, "methods");
    ck_assert_uint_eq(json_array_size(list), 1);
    m = json_object_get(
        json_object_get(json_object_get(json_array_get(list, 0), "request"), "properties"),
        "created_from");
    ck_assert_str_eq(json_string_value(json_object_get(m, "format")), "date-time");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "capability")),
                     "ticket.read");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(json_array_get(list, 0), "roles"), "customer")),
                     "own");
    json_decref(o);

    o = call(db, "methods", "{\"name\": \"ticket.create\"}", CS_OK);
    m = json_object_get(json_array_get(json_object_get(o, "methods"), 0), "request");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(m, "required"), 0)),
                     "subject");
    ck_assert_uint_eq(json_array_size(json_object_get(
                          json_object_get(json_object_get(m, "properties"), "priority"), "enum")),
                      4);
    json_decref(o);
    assert_error(call(db, "methods", "{\"name\": \"ticket.nope\"}", CS_ENOTFOUND), "ENOTFOUND",
                 "name");
    cs_db_close(db);
}
END_TEST

/* A handler can read only what its catalogue entry declares, with the declared type. */
START_TEST(handlers_read_only_declared_fields)
{
    static const cs_call__field request[] = {
        CS_CALL__F("name", CS_CALL__STRING, CS_CALL__REQ),
        CS_CALL__F("id", CS_CALL__ID, 0),
        CS_CALL__END,
    };
    static const cs_call__method row = {"test.read",   NULL,    CS_CAP_PUBLIC,     0,
                                        "A test row.", request, cs_call__no_fields};
    cs_call__req r;
    const char *name = NULL;
    int64_t id = 0;
    int on = 0;

    memset(&r, 0, sizeof(r));
    r.method = &row;
    r.obj = json_pack("{s:s, s:i}", "name", "x", "id", 7);
    ck_assert_ok(cs_call__str(&r, "name", &name, true));
    ck_assert_str_eq(name, "x");
    ck_assert_ok(cs_call__id(&r, "id", &id, false));
    ck_assert_int_eq(id, 7);
    ck_assert_rc(cs_call__bool(&r, "id", &on), CS_ERROR); /* declared as an id */
    ck_assert_rc(cs_call__str(&r, "other", &name, false), CS_ERROR);
    ck_assert_str_eq(cs_error_last()->field, "other");
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "test.read"));
    json_decref(r.obj);
}
END_TEST

Suite *cs_call_suite(void)
{
    Suite *s = suite_create("call");
    TCase *tc = tcase_create("call");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, errors_are_json);
    tcase_add_test(tc, catalogue_describes_every_method);
    tcase_add_test(tc, handlers_read_only_declared_fields);
    tcase_add_test(tc, every_method_survives_bad_requests);
    tcase_add_test(tc, flow_through_json);
    tcase_add_test(tc, impossible_dates_are_refused);
    tcase_add_test(tc, tick_honours_an_explicit_now);
    tcase_add_test(tc, calendar_add_names_huge_seconds);
    tcase_add_test(tc, call_allocation_failures);
    suite_add_tcase(s, tc);
    return s;
}
