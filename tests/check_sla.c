/*
 * SLAs: stored calendars, policies and their selection, the clocks (first reply, next reply,
 * periodic update, resolution) with pauses and reopening, the tick, the queue and the
 * receipt's promise.
 *
 * The fixture clock starts at T0 = 2026-03-02T09:00:00Z, a Monday: 10:00 in Berlin (UTC+1
 * until 29 March). The business calendar is Mon-Fri 08:00-12:00 and 13:00-18:00 Berlin,
 * i.e. 07:00-11:00Z and 12:00-17:00Z.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"
#include "helpers.h"

#define T0 ((cs_time)1772442000)
#define HOUR 3600

static const char biz_json[] = "{\"timezone\": \"Europe/Berlin\", \"hours\": {"
                               "\"mon\": [[\"08:00\", \"12:00\"], [\"13:00\", \"18:00\"]],"
                               "\"tue\": [[\"08:00\", \"12:00\"], [\"13:00\", \"18:00\"]],"
                               "\"wed\": [[\"08:00\", \"12:00\"], [\"13:00\", \"18:00\"]],"
                               "\"thu\": [[\"08:00\", \"12:00\"], [\"13:00\", \"18:00\"]],"
                               "\"fri\": [[\"08:00\", \"12:00\"], [\"13:00\", \"18:00\"]]}}";
static const char all_week_json[] =
    "{\"timezone\": \"Europe/Berlin\", \"hours\": {\"mon\": [[\"00:00\", \"24:00\"]],"
    "\"tue\": [[\"00:00\", \"24:00\"]], \"wed\": [[\"00:00\", \"24:00\"]],"
    "\"thu\": [[\"00:00\", \"24:00\"]], \"fri\": [[\"00:00\", \"24:00\"]],"
    "\"sat\": [[\"00:00\", \"24:00\"]], \"sun\": [[\"00:00\", \"24:00\"]]}}";

static cs_db *db;
static int64_t mail_ch, tweet_ch, chat_ch, anna, carla, biz, all_week;

static int64_t store_calendar(const char *name, const char *json)
{
    cs_calendar *cal = NULL;
    int64_t id = 0;
    ck_assert_ok(cs_calendar_from_json(&cal, json));
    ck_assert_ok(cs_calendar_store(&id, db, name, cal));
    cs_calendar_free(cal);
    return id;
}

static void setup(void)
{
    t_now = T0;
    db = t_open_memory();
    mail_ch = t_channel(db, CS_CHANNEL_EMAIL, "Mail");
    tweet_ch = t_channel(db, CS_CHANNEL_TWITTER, "Twitter");
    chat_ch = t_channel(db, CS_CHANNEL_CHAT, "Chat");
    ck_assert_int_eq(sqlite3_exec(db->sql, "UPDATE channel SET public = 1 WHERE kind = 5", 0, 0, 0),
                     SQLITE_OK);
    anna = t_customer(db, "Anna", "anna@example.com");
    cs_agent_fields a = CS_AGENT_FIELDS_INIT;
    a.name = "Carla Agent";
    ck_assert_ok(cs_agent_create(&carla, db, &a));
    biz = store_calendar("Office", biz_json);
    all_week = store_calendar("24/7", all_week_json);
}

static void teardown(void)
{
    cs_db_close(db);
    db = NULL;
    t_now = T0;
}

static cs_sla_target target(int metric, int priority, int64_t seconds, int64_t calendar)
{
    cs_sla_target t = {metric, priority, seconds, calendar != 0, calendar};
    return t;
}

static int64_t policy(const char *name, const cs_sla_target *targets, size_t ntargets,
                      const cs_sla_condition *conds, size_t nconds)
{
    cs_sla_policy_fields f = CS_SLA_POLICY_FIELDS_INIT;
    int64_t id = 0;
    f.name = name;
    f.targets = targets;
    f.ntargets = ntargets;
    f.conditions = conds;
    f.nconditions = nconds;
    ck_assert_ok(cs_sla_policy_create(&id, db, &f));
    return id;
}

static int64_t ticket_on(int64_t channel, int priority)
{
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    int64_t id = 0;
    f.subject = "Rechnung";
    f.customer_id = anna;
    f.channel_id = channel;
    f.priority = priority;
    ck_assert_ok(cs_ticket_create(&id, db, &f));
    return id;
}

static void set_status(int64_t ticket, int status)
{
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    f.status = status;
    ck_assert_ok(cs_ticket_update(db, ticket, &f));
}

/* A clock as the getters read it. */
struct clock {
    int metric, state, business;
    int64_t policy_id, target, calendar_id, elapsed;
    cs_time started_at, target_at, warn_at, fulfilled_at, warned_at, breached_at;
};

static struct clock clock_read(const cs_sla_clock *c)
{
    struct clock r = {
        cs_sla_clock_metric(c),     cs_sla_clock_state(c),        cs_sla_clock_business(c),
        cs_sla_clock_policy_id(c),  cs_sla_clock_target(c),       cs_sla_clock_calendar_id(c),
        cs_sla_clock_elapsed(c),    cs_sla_clock_started_at(c),   cs_sla_clock_target_at(c),
        cs_sla_clock_warn_at(c),    cs_sla_clock_fulfilled_at(c), cs_sla_clock_warned_at(c),
        cs_sla_clock_breached_at(c)};
    return r;
}

/* The ticket's clock for a metric; fails when there is none. */
static struct clock clock_of(int64_t ticket, int metric)
{
    cs_sla_clocks *s = NULL;
    struct clock c = {0};
    ck_assert_ok(cs_sla_status(&s, db, ticket));
    ck_assert_int_eq(cs_sla_clocks_ticket_id(s), ticket);
    ck_assert_int_eq(cs_sla_clocks_now(s), t_now);
    const cs_sla_clock *found = cs_sla_clocks_find(s, metric);
    ck_assert_msg(found != NULL, "ticket %lld has no %s clock", (long long)ticket,
                  cs_sla_metric_name(metric));
    c = clock_read(found);
    ck_assert_int_eq(c.metric, metric);
    cs_sla_clocks_free(s);
    return c;
}

static int64_t events(int64_t ticket, int metric, int kind)
{
    char sql[160];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM sla_event WHERE ticket_id = %lld AND metric = %d AND kind = %d",
             (long long)ticket, metric, kind);
    return t_sql_int(db, sql);
}

static void agent_reply(int64_t ticket)
{
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    ck_assert_ok(cs_reply(NULL, db, ticket, "Wir kümmern uns.", NULL));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
}

static cs_ingest_result *customer_mail(const char *id, int64_t ticket)
{
    cs_inbound in = CS_INBOUND_INIT;
    cs_ingest_result *r = NULL;
    in.channel_id = mail_ch;
    in.external_id = id;
    in.sender = "anna@example.com";
    in.subject = "Rechnung falsch";
    in.body = "Die Rechnung 4711 stimmt nicht.";
    in.ticket_id = ticket;
    ck_assert_ok(cs_ingest(&r, db, &in));
    return r;
}

/* Storage ---------------------------------------------------------------------------------- */

START_TEST(calendars_are_stored_by_name)
{
    cs_calendar *cal = NULL;
    char *json = NULL;
    int64_t id = 0;

    ck_assert_ok(cs_calendar_lookup_name(&id, db, "Office"));
    ck_assert_int_eq(id, biz);
    ck_assert_rc(cs_calendar_lookup_name(&id, db, "Nope"), CS_ENOTFOUND);
    ck_assert_field("name");
    ck_assert_ok(cs_calendar_load(&cal, db, biz));
    ck_assert_ok(cs_calendar_to_json(&json, cal));
    ck_assert_ptr_nonnull(strstr(json, "\"mon\":[[\"08:00\",\"12:00\"],[\"13:00\",\"18:00\"]]"));
    cs_str_free(json);
    cs_calendar_free(cal);
    ck_assert_rc(cs_calendar_load(&cal, db, 99), CS_ENOTFOUND);
    ck_assert_field("id");

    /* Storing under a taken name replaces, keeping the id and raising the revision. */
    ck_assert_int_eq(store_calendar("Office", all_week_json), biz);
    ck_assert_int_eq(t_sql_int(db, "SELECT revision FROM calendar WHERE name = 'Office'"), 2);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM audit WHERE object = 'calendar'"), 3);

    ck_assert_ok(cs_calendar_from_json(&cal, biz_json));
    ck_assert_rc(cs_calendar_store(&id, db, "", cal), CS_EINVAL);
    ck_assert_field("name");
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    ck_assert_rc(cs_calendar_store(&id, db, "Mine", cal), CS_EPERM);
    cs_calendar_free(cal);
}
END_TEST

START_TEST(policies_validate_and_list)
{
    cs_sla_policy_fields f = CS_SLA_POLICY_FIELDS_INIT;
    cs_sla_target t = target(CS_SLA_FIRST_REPLY, 0, 3600, 99);
    cs_sla_condition c = {42, 0, NULL};
    cs_sla_policy *p = NULL;
    char *json = NULL;
    int64_t id = 0;

    f.name = "Bad";
    f.targets = &t;
    f.ntargets = 1;
    ck_assert_rc(cs_sla_policy_create(&id, db, &f), CS_ENOTFOUND); /* unknown calendar */
    ck_assert_field("targets[0].calendar_id");
    t.calendar_id = 0; /* business without a calendar */
    ck_assert_rc(cs_sla_policy_create(&id, db, &f), CS_EINVAL);
    ck_assert_field("targets[0].calendar_id");
    t = target(CS_SLA_FIRST_REPLY, 0, -5, 0);
    ck_assert_rc(cs_sla_policy_create(&id, db, &f), CS_EINVAL);
    ck_assert_field("targets[0].seconds");
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "-5"));
    t = target(9, 0, 60, 0);
    ck_assert_rc(cs_sla_policy_create(&id, db, &f), CS_EINVAL);
    ck_assert_field("targets[0].metric");
    t = target(CS_SLA_FIRST_REPLY, 0, 60, 0);
    f.conditions = &c;
    f.nconditions = 1;
    ck_assert_rc(cs_sla_policy_create(&id, db, &f), CS_EINVAL);
    ck_assert_field("conditions[0].kind");
    c = (cs_sla_condition){CS_SLA_COND_PRIORITY, 7, NULL};
    ck_assert_rc(cs_sla_policy_create(&id, db, &f), CS_EINVAL);
    ck_assert_field("conditions[0].value");
    f.warn_percent = 100;
    c = (cs_sla_condition){CS_SLA_COND_TAG, 0, "vip"};
    ck_assert_rc(cs_sla_policy_create(&id, db, &f), CS_EINVAL);
    ck_assert_field("warn_percent");
    f.warn_percent = CS_UNSET;
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM sla_policy"), 0);

    /* Agents cannot create policies; admins can. */
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    ck_assert_rc(cs_sla_policy_create(&id, db, &f), CS_EPERM);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    f.reopen = CS_SLA_REOPEN_RESTART;
    ck_assert_ok(cs_sla_policy_create(&id, db, &f));
    ck_assert_rc(cs_sla_policy_create(NULL, db, &f), CS_EEXISTS);
    ck_assert_field("name");

    ck_assert_ok(cs_sla_policy_lookup(&p, db, id));
    ck_assert_str_eq(cs_sla_policy_name(p), "Bad");
    ck_assert_int_eq(cs_sla_policy_position(p), 0);
    ck_assert_int_eq(cs_sla_policy_pause_pending(p), 1);
    ck_assert_int_eq(cs_sla_policy_pause_on_hold(p), 1);
    ck_assert_int_eq(cs_sla_policy_reopen(p), CS_SLA_REOPEN_RESTART);
    ck_assert_int_eq(cs_sla_policy_warn_percent(p), 80);
    ck_assert_int_eq(cs_sla_policy_created_at(p), T0);
    ck_assert_int_eq(cs_sla_policy_updated_at(p), T0);
    ck_assert_uint_eq(cs_sla_policy_condition_count(p), 1);
    const cs_sla_condition *pc = cs_sla_policy_condition(p, 0);
    ck_assert_int_eq(pc->kind, CS_SLA_COND_TAG);
    ck_assert_str_eq(pc->text, "vip");
    ck_assert_ptr_null(cs_sla_policy_condition(p, 1));
    ck_assert_uint_eq(cs_sla_policy_target_count(p), 1);
    const cs_sla_target *pt = cs_sla_policy_target(p, 0);
    ck_assert_int_eq(pt->metric, CS_SLA_FIRST_REPLY);
    ck_assert_int_eq(pt->priority, 0);
    ck_assert_int_eq(pt->seconds, 60);
    ck_assert_int_eq(pt->business, 0);
    ck_assert_int_eq(pt->calendar_id, 0);
    ck_assert_ptr_null(cs_sla_policy_target(p, 1));
    ck_assert_ok(cs_sla_policy_to_json(&json, p));
    ck_assert_str_eq(json, "{\"conditions\":[{\"kind\":\"tag\",\"value\":\"vip\"}],"
                           "\"created_at\":\"2026-03-02T09:00:00Z\",\"id\":1,\"name\":\"Bad\","
                           "\"pause_on_hold\":true,\"pause_pending\":true,\"position\":0,"
                           "\"reopen\":\"restart\",\"targets\":[{\"business\":false,"
                           "\"calendar_id\":null,\"metric\":\"first_reply\",\"priority\":\"any\","
                           "\"seconds\":60}],\"updated_at\":\"2026-03-02T09:00:00Z\","
                           "\"warn_percent\":80}");
    cs_str_free(json);
    cs_sla_policy_free(p);

    cs_sla_policy_fields u = CS_SLA_POLICY_FIELDS_INIT;
    u.name = "Renamed";
    u.warn_percent = 50;
    u.conditions = &c;
    u.nconditions = 0; /* clears the conditions */
    ck_assert_ok(cs_sla_policy_update(db, id, &u));
    ck_assert_rc(cs_sla_policy_update(db, 77, &u), CS_ENOTFOUND);
    ck_assert_field("id");
    ck_assert_ok(cs_sla_policy_list_json(&json, db));
    ck_assert_ptr_nonnull(strstr(json, "\"conditions\":[],"));
    ck_assert_ptr_nonnull(strstr(json, "\"name\":\"Renamed\""));
    ck_assert_ptr_nonnull(strstr(json, "\"warn_percent\":50"));
    cs_str_free(json);
    cs_sla_policy_list *list = NULL;
    ck_assert_ok(cs_sla_policy_list_get(&list, db));
    ck_assert_uint_eq(cs_sla_policy_list_count(list), 1);
    const cs_sla_policy *item = cs_sla_policy_list_item(list, 0);
    ck_assert_int_eq(cs_sla_policy_id(item), id);
    ck_assert_str_eq(cs_sla_policy_name(item), "Renamed");
    ck_assert_int_eq(cs_sla_policy_warn_percent(item), 50);
    ck_assert_int_eq(cs_sla_policy_reopen(item), CS_SLA_REOPEN_RESTART);
    ck_assert_uint_eq(cs_sla_policy_condition_count(item), 0);
    ck_assert_uint_eq(cs_sla_policy_target_count(item), 1);
    ck_assert_ptr_null(cs_sla_policy_list_item(list, 1));
    cs_sla_policy_list_free(list);
    ck_assert_ok(cs_sla_policy_delete(db, id));
    ck_assert_rc(cs_sla_policy_delete(db, id), CS_ENOTFOUND);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM sla_target"), 0);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM audit WHERE object = 'sla_policy'"), 3);
}
END_TEST

/* Policies read through the typed list, in the order they are tried, give back fields that
 * create the same policy again. */
START_TEST(policy_list_is_typed_and_round_trips)
{
    cs_sla_condition conds[] = {{CS_SLA_COND_CHANNEL_KIND, CS_CHANNEL_EMAIL, NULL},
                                {CS_SLA_COND_TAG, 0, "vip"}};
    cs_sla_target targets[] = {target(CS_SLA_RESOLUTION, 0, 86400, biz),
                               target(CS_SLA_FIRST_REPLY, CS_PRIORITY_URGENT, 600, 0),
                               target(CS_SLA_FIRST_REPLY, 0, 3600, 0)};
    cs_sla_policy_list *list = NULL;
    char *a = NULL, *b = NULL;

    int64_t second = policy("Second", targets, 1, NULL, 0);
    int64_t first = policy("VIP mail", targets, 3, conds, 2);
    cs_sla_policy_fields moved = CS_SLA_POLICY_FIELDS_INIT;
    moved.position = 0;
    ck_assert_ok(cs_sla_policy_update(db, first, &moved));
    moved.position = 1;
    ck_assert_ok(cs_sla_policy_update(db, second, &moved));

    ck_assert_ok(cs_sla_policy_list_get(&list, db));
    ck_assert_uint_eq(cs_sla_policy_list_count(list), 2);
    const cs_sla_policy *p = cs_sla_policy_list_item(list, 0);
    ck_assert_int_eq(cs_sla_policy_id(p), first);
    ck_assert_int_eq(cs_sla_policy_id(cs_sla_policy_list_item(list, 1)), second);
    ck_assert_uint_eq(cs_sla_policy_condition_count(p), 2);
    ck_assert_int_eq(cs_sla_policy_condition(p, 0)->kind, CS_SLA_COND_CHANNEL_KIND);
    ck_assert_int_eq(cs_sla_policy_condition(p, 0)->value, CS_CHANNEL_EMAIL);
    ck_assert_str_eq(cs_sla_policy_condition(p, 1)->text, "vip");
    /* Targets by metric, then priority. */
    ck_assert_uint_eq(cs_sla_policy_target_count(p), 3);
    ck_assert_int_eq(cs_sla_policy_target(p, 0)->priority, 0);
    ck_assert_int_eq(cs_sla_policy_target(p, 1)->priority, CS_PRIORITY_URGENT);
    ck_assert_int_eq(cs_sla_policy_target(p, 2)->metric, CS_SLA_RESOLUTION);
    ck_assert_int_eq(cs_sla_policy_target(p, 2)->business, 1);
    ck_assert_int_eq(cs_sla_policy_target(p, 2)->calendar_id, biz);

    /* A copy made from the getters has the same JSON but for id, name and position. */
    cs_sla_condition cc[2];
    cs_sla_target ct[3];
    for (size_t i = 0; i < 2; i++)
        cc[i] = *cs_sla_policy_condition(p, i);
    for (size_t i = 0; i < 3; i++)
        ct[i] = *cs_sla_policy_target(p, i);
    cs_sla_policy_fields copy = CS_SLA_POLICY_FIELDS_INIT;
    copy.name = "VIP mail";
    copy.conditions = cc;
    copy.nconditions = cs_sla_policy_condition_count(p);
    copy.targets = ct;
    copy.ntargets = cs_sla_policy_target_count(p);
    copy.pause_pending = cs_sla_policy_pause_pending(p);
    copy.pause_on_hold = cs_sla_policy_pause_on_hold(p);
    copy.reopen = cs_sla_policy_reopen(p);
    copy.warn_percent = cs_sla_policy_warn_percent(p);
    copy.position = cs_sla_policy_position(p);
    ck_assert_ok(cs_sla_policy_to_json(&a, p));
    /* The list is a snapshot: it outlives the deletion, and lends the copy its texts. */
    ck_assert_ok(cs_sla_policy_delete(db, first));
    int64_t again = 0;
    ck_assert_ok(cs_sla_policy_create(&again, db, &copy));
    cs_sla_policy_list_free(list);
    cs_sla_policy *q = NULL;
    ck_assert_ok(cs_sla_policy_lookup(&q, db, again));
    ck_assert_ok(cs_sla_policy_to_json(&b, q));
    cs_sla_policy_free(q);
    const char *ida = strstr(a, ",\"id\":"), *idb = strstr(b, ",\"id\":");
    ck_assert_ptr_nonnull(ida);
    ck_assert_ptr_nonnull(idb);
    ck_assert_int_eq(ida - a, idb - b);
    ck_assert_int_eq(strncmp(a, b, (size_t)(ida - a)), 0);
    ck_assert_str_eq(strstr(ida, ",\"name\""), strstr(idb, ",\"name\""));
    cs_str_free(a);
    cs_str_free(b);

    /* Customers may not read policies; NULL arguments and lists. */
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_CUSTOMER, anna));
    ck_assert_rc(cs_sla_policy_list_get(&list, db), CS_EPERM);
    ck_assert_ptr_null(list);
    ck_assert_rc(cs_sla_policy_list_get(NULL, db), CS_EINVAL);
    ck_assert_uint_eq(cs_sla_policy_list_count(NULL), 0);
    ck_assert_ptr_null(cs_sla_policy_list_item(NULL, 0));
    ck_assert_uint_eq(cs_sla_policy_condition_count(NULL), 0);
    ck_assert_ptr_null(cs_sla_policy_target(NULL, 0));
    ck_assert_int_eq(cs_sla_policy_warn_percent(NULL), 0);
    cs_sla_policy_list_free(NULL);
}
END_TEST

/* A calendar that never opens again would leave business clocks without a deadline while the
 * receipt promised one: it is refused where it would be stored or used. */
START_TEST(never_open_calendars_are_refused)
{
    static const char closed_json[] = "{\"timezone\": \"Europe/Berlin\"}";
    static const char past_json[] =
        "{\"timezone\": \"UTC\", \"special_days\": [{\"date\": \"2025-12-24\", "
        "\"hours\": [[\"08:00\", \"12:00\"]]}]}";
    static const char future_json[] =
        "{\"timezone\": \"UTC\", \"special_days\": [{\"date\": \"2026-12-24\", "
        "\"hours\": [[\"08:00\", \"12:00\"]]}]}";
    cs_sla_target t = target(CS_SLA_FIRST_REPLY, 0, HOUR, biz);
    cs_calendar *cal = NULL;
    int64_t id = 0;
    char *resp = NULL;

    ck_assert_ok(cs_calendar_from_json(&cal, closed_json));
    ck_assert_rc(cs_calendar_store(&id, db, "Closed", cal), CS_EINVAL);
    ck_assert_field("cal");
    ck_assert_ptr_nonnull(strstr(cs_error_last()->message, "never opens"));
    ck_assert_rc(cs_calendar_store(&id, db, "Office", cal), CS_EINVAL); /* no replacing */
    ck_assert_field("cal");
    cs_calendar_free(cal);
    ck_assert_ok(cs_calendar_from_json(&cal, past_json));
    ck_assert_rc(cs_calendar_store(&id, db, "Last Christmas", cal), CS_EINVAL);
    cs_calendar_free(cal);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM calendar"), 2);
    ck_assert_int_eq(t_sql_int(db, "SELECT revision FROM calendar WHERE name = 'Office'"), 1);
    ck_assert_rc(cs_call(&resp, db, "calendar.store",
                         "{\"name\": \"Closed\", \"calendar\": {\"timezone\": \"UTC\"}}"),
                 CS_EINVAL);
    ck_assert_field("calendar");
    cs_str_free(resp);
    ck_assert_ok(cs_calendar_from_json(&cal, future_json));
    ck_assert_ok(cs_calendar_store(&id, db, "Next Christmas", cal));
    cs_calendar_free(cal);

    /* One stored before these rules (or closed since) cannot back a policy. */
    ck_assert_ok(sqlite3_exec(db->sql,
                              "UPDATE calendar SET definition = '{\"timezone\":\"UTC\"}',"
                              " revision = revision + 1 WHERE name = 'Office'",
                              0, 0, 0));
    cs_sla_policy_fields f = CS_SLA_POLICY_FIELDS_INIT;
    f.name = "Office";
    f.targets = &t;
    f.ntargets = 1;
    ck_assert_rc(cs_sla_policy_create(&id, db, &f), CS_EINVAL);
    ck_assert_field("targets[0].calendar_id");
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM sla_policy"), 0);
    t.calendar_id = all_week;
    ck_assert_ok(cs_sla_policy_create(&id, db, &f));
    t.calendar_id = biz;
    ck_assert_rc(cs_sla_policy_update(db, id, &f), CS_EINVAL);
    ck_assert_field("targets[0].calendar_id");
}
END_TEST

/* Clocks ----------------------------------------------------------------------------------- */

START_TEST(business_and_calendar_targets)
{
    cs_sla_target biz_targets[] = {target(CS_SLA_FIRST_REPLY, 0, 4 * HOUR, biz),
                                   target(CS_SLA_RESOLUTION, 0, 16 * HOUR, biz)};
    cs_sla_condition on_mail = {CS_SLA_COND_CHANNEL_KIND, CS_CHANNEL_EMAIL, NULL};
    cs_sla_target plain[] = {target(CS_SLA_FIRST_REPLY, 0, HOUR, 0)};
    policy("Office hours", biz_targets, 2, &on_mail, 1);
    policy("Around the clock", plain, 1, NULL, 0);

    /* Monday 10:00 Berlin: 10-12 and 13-15 make four business hours, due 15:00 Berlin. */
    int64_t t = ticket_on(mail_ch, 0);
    struct clock c = clock_of(t, CS_SLA_FIRST_REPLY);
    ck_assert_int_eq(c.state, CS_SLA_ACTIVE);
    ck_assert_int_eq(c.started_at, T0);
    ck_assert_int_eq(c.target_at, T0 + 5 * HOUR);
    ck_assert_int_eq(c.warn_at, T0 + 4 * HOUR + 12 * 60); /* 80% = 3h12m business */
    ck_assert_int_eq(c.business, 1);
    /* Resolution: 7 h left on Monday, 9 h on Tuesday: Tuesday 18:00 Berlin. */
    c = clock_of(t, CS_SLA_RESOLUTION);
    ck_assert_int_eq(c.target_at, T0 + 32 * HOUR);
    ck_assert_int_eq(events(t, CS_SLA_FIRST_REPLY, CS_SLA_EVENT_STARTED), 1);

    /* The lunch break does not count: at 13:30 Berlin, 2.5 business hours have passed. */
    t_now = T0 + 3 * HOUR + 30 * 60;
    ck_assert_int_eq(clock_of(t, CS_SLA_FIRST_REPLY).elapsed, 2 * HOUR + 30 * 60);

    /* A chat ticket gets the calendar-time policy: due an hour later, lunch or not. */
    t_now = T0;
    int64_t chat = ticket_on(chat_ch, 0);
    c = clock_of(chat, CS_SLA_FIRST_REPLY);
    ck_assert_int_eq(c.target_at, T0 + HOUR);
    ck_assert_int_eq(c.warn_at, T0 + 48 * 60);
    ck_assert_int_eq(c.business, 0);

    char *json = NULL;
    cs_sla_clocks *s = NULL;
    ck_assert_ok(cs_sla_status(&s, db, chat));
    ck_assert_ok(cs_sla_clocks_to_json(&json, s));
    ck_assert_msg(strstr(json, "\"first_reply\":{\"breached_at\":null,\"business\":false,"
                               "\"calendar_id\":null,\"elapsed\":0,\"fulfilled_at\":null,"
                               "\"policy_id\":2,\"started_at\":\"2026-03-02T09:00:00Z\","
                               "\"state\":\"active\",\"target\":3600,"
                               "\"target_at\":\"2026-03-02T10:00:00Z\","
                               "\"warn_at\":\"2026-03-02T09:48:00Z\",\"warned_at\":null}"),
                  "%s", json);
    cs_str_free(json);
    /* The report holds one clock per metric, by metric; the JSON writes the same fields. */
    ck_assert_int_eq(cs_sla_clocks_ticket_id(s), chat);
    ck_assert_int_eq(cs_sla_clocks_now(s), T0);
    ck_assert_uint_eq(cs_sla_clocks_count(s), 1);
    const cs_sla_clock *first = cs_sla_clocks_item(s, 0);
    ck_assert_ptr_eq(first, cs_sla_clocks_find(s, CS_SLA_FIRST_REPLY));
    ck_assert_ptr_null(cs_sla_clocks_item(s, 1));
    ck_assert_ptr_null(cs_sla_clocks_find(s, CS_SLA_RESOLUTION));
    c = clock_read(first);
    ck_assert_int_eq(c.state, CS_SLA_ACTIVE);
    ck_assert_int_eq(c.policy_id, 2);
    ck_assert_int_eq(c.target, HOUR);
    ck_assert_int_eq(c.calendar_id, 0);
    ck_assert_int_eq(c.started_at, T0);
    ck_assert_int_eq(c.fulfilled_at, 0);
    ck_assert_int_eq(c.warned_at, 0);
    ck_assert_int_eq(c.breached_at, 0);
    ck_assert_int_eq(c.elapsed, 0);
    cs_sla_clocks_free(s);
    ck_assert_uint_eq(cs_sla_clocks_count(NULL), 0);
    ck_assert_ptr_null(cs_sla_clocks_find(NULL, CS_SLA_FIRST_REPLY));
    ck_assert_int_eq(cs_sla_clock_target_at(NULL), 0);
    cs_sla_clocks_free(NULL);
}
END_TEST

START_TEST(resolution_pauses_in_pending_and_on_hold)
{
    cs_sla_target targets[] = {target(CS_SLA_RESOLUTION, 0, 24 * HOUR, 0)};
    cs_sla_condition urgent = {CS_SLA_COND_PRIORITY, CS_PRIORITY_URGENT, NULL};
    cs_sla_policy_fields f = CS_SLA_POLICY_FIELDS_INIT;
    f.name = "No pause";
    f.targets = targets;
    f.ntargets = 1;
    f.conditions = &urgent;
    f.nconditions = 1;
    f.pause_pending = 0;
    f.pause_on_hold = 0;
    ck_assert_ok(cs_sla_policy_create(NULL, db, &f));
    policy("Pausing", targets, 1, NULL, 0);

    int64_t t = ticket_on(mail_ch, CS_PRIORITY_NORMAL);
    int64_t u = ticket_on(mail_ch, CS_PRIORITY_URGENT);
    t_now = T0 + HOUR;
    set_status(t, CS_STATUS_PENDING);
    set_status(u, CS_STATUS_PENDING);
    struct clock c = clock_of(t, CS_SLA_RESOLUTION);
    ck_assert_int_eq(c.state, CS_SLA_PAUSED);
    ck_assert_int_eq(c.elapsed, HOUR);
    ck_assert_int_eq(c.target_at, 0);
    ck_assert_int_eq(clock_of(u, CS_SLA_RESOLUTION).state, CS_SLA_ACTIVE);
    ck_assert_int_eq(clock_of(u, CS_SLA_RESOLUTION).target_at, T0 + 24 * HOUR);

    /* Pending to on-hold stays paused; back to open resumes with 23 h left. */
    t_now = T0 + 2 * HOUR;
    set_status(t, CS_STATUS_ON_HOLD);
    ck_assert_int_eq(clock_of(t, CS_SLA_RESOLUTION).state, CS_SLA_PAUSED);
    t_now = T0 + 3 * HOUR;
    set_status(t, CS_STATUS_OPEN);
    set_status(u, CS_STATUS_OPEN);
    c = clock_of(t, CS_SLA_RESOLUTION);
    ck_assert_int_eq(c.state, CS_SLA_ACTIVE);
    ck_assert_int_eq(c.target_at, T0 + 3 * HOUR + 23 * HOUR);
    ck_assert_int_eq(c.elapsed, HOUR);
    ck_assert_int_eq(clock_of(u, CS_SLA_RESOLUTION).target_at, T0 + 24 * HOUR);
    ck_assert_int_eq(events(t, CS_SLA_RESOLUTION, CS_SLA_EVENT_PAUSED), 1);
    ck_assert_int_eq(events(t, CS_SLA_RESOLUTION, CS_SLA_EVENT_RESUMED), 1);
    ck_assert_int_eq(events(u, CS_SLA_RESOLUTION, CS_SLA_EVENT_PAUSED), 0);

    /* Solved fulfils it. */
    t_now = T0 + 4 * HOUR;
    set_status(t, CS_STATUS_SOLVED);
    c = clock_of(t, CS_SLA_RESOLUTION);
    ck_assert_int_eq(c.state, CS_SLA_FULFILLED);
    ck_assert_int_eq(c.fulfilled_at, T0 + 4 * HOUR);
    ck_assert_int_eq(c.elapsed, 2 * HOUR);
}
END_TEST

START_TEST(business_pause_recomputes_the_deadline)
{
    cs_sla_target targets[] = {target(CS_SLA_RESOLUTION, 0, 16 * HOUR, biz)};
    policy("Office", targets, 1, NULL, 0);
    int64_t t = ticket_on(mail_ch, 0);

    t_now = T0 + HOUR; /* Monday 11:00 Berlin: one business hour gone */
    set_status(t, CS_STATUS_PENDING);
    t_now = T0 + 23 * HOUR; /* Tuesday 09:00 Berlin */
    set_status(t, CS_STATUS_OPEN);
    /* 15 h left: Tuesday 09-12, 13-18 (8 h), Wednesday 08-12, 13-16: Wednesday 16:00 Berlin. */
    struct clock c = clock_of(t, CS_SLA_RESOLUTION);
    ck_assert_int_eq(c.target_at, T0 + 54 * HOUR);
    ck_assert_int_eq(c.elapsed, HOUR);
}
END_TEST

static int64_t reopened(int reopen)
{
    cs_sla_target targets[] = {target(CS_SLA_RESOLUTION, 0, 24 * HOUR, 0)};
    cs_sla_policy_fields f = CS_SLA_POLICY_FIELDS_INIT;
    f.name = "Reopen";
    f.targets = targets;
    f.ntargets = 1;
    f.reopen = reopen;
    ck_assert_ok(cs_sla_policy_create(NULL, db, &f));
    int64_t t = ticket_on(mail_ch, 0);
    t_now = T0 + HOUR;
    set_status(t, CS_STATUS_SOLVED);
    t_now = T0 + 2 * HOUR;
    set_status(t, CS_STATUS_OPEN);
    return t;
}

START_TEST(reopen_resumes_the_resolution_clock)
{
    int64_t t = reopened(CS_SLA_REOPEN_RESUME);
    struct clock c = clock_of(t, CS_SLA_RESOLUTION);
    ck_assert_int_eq(c.state, CS_SLA_ACTIVE);
    ck_assert_int_eq(c.started_at, T0);
    ck_assert_int_eq(c.target_at, T0 + 2 * HOUR + 23 * HOUR);
    ck_assert_int_eq(c.fulfilled_at, 0);
    ck_assert_int_eq(events(t, CS_SLA_RESOLUTION, CS_SLA_EVENT_FULFILLED), 1);
    ck_assert_int_eq(events(t, CS_SLA_RESOLUTION, CS_SLA_EVENT_RESUMED), 1);
}
END_TEST

START_TEST(reopen_restarts_the_resolution_clock)
{
    int64_t t = reopened(CS_SLA_REOPEN_RESTART);
    struct clock c = clock_of(t, CS_SLA_RESOLUTION);
    ck_assert_int_eq(c.state, CS_SLA_ACTIVE);
    ck_assert_int_eq(c.started_at, T0 + 2 * HOUR);
    ck_assert_int_eq(c.target_at, T0 + 2 * HOUR + 24 * HOUR);
    ck_assert_int_eq(c.elapsed, 0);
    ck_assert_int_eq(events(t, CS_SLA_RESOLUTION, CS_SLA_EVENT_STARTED), 2);
}
END_TEST

START_TEST(policy_selection_and_reselection)
{
    cs_sla_condition urgent_public[] = {{CS_SLA_COND_PRIORITY, CS_PRIORITY_URGENT, NULL},
                                        {CS_SLA_COND_PUBLIC_CHANNEL, 1, NULL}};
    cs_sla_condition twitter = {CS_SLA_COND_CHANNEL_KIND, CS_CHANNEL_TWITTER, NULL};
    cs_sla_condition vip = {CS_SLA_COND_TAG, 0, "vip"};
    cs_sla_target t600 = target(CS_SLA_FIRST_REPLY, 0, 600, 0);
    cs_sla_target t1800 = target(CS_SLA_FIRST_REPLY, 0, 1800, 0);
    cs_sla_target t3600 = target(CS_SLA_FIRST_REPLY, 0, 3600, 0);
    cs_sla_target by_priority[] = {target(CS_SLA_FIRST_REPLY, CS_PRIORITY_NORMAL, 7200, 0),
                                   target(CS_SLA_FIRST_REPLY, CS_PRIORITY_URGENT, 1800, 0)};
    int64_t p_public = policy("Urgent in public", &t600, 1, urgent_public, 2);
    int64_t p_twitter = policy("Twitter", &t1800, 1, &twitter, 1);
    int64_t p_vip = policy("VIP", &t3600, 1, &vip, 1);
    int64_t p_default = policy("Default", by_priority, 2, NULL, 0);

    int64_t mail = ticket_on(mail_ch, CS_PRIORITY_NORMAL);
    int64_t tweet = ticket_on(tweet_ch, CS_PRIORITY_NORMAL);
    int64_t loud = ticket_on(tweet_ch, CS_PRIORITY_URGENT);
    ck_assert_int_eq(clock_of(mail, CS_SLA_FIRST_REPLY).policy_id, p_default);
    ck_assert_int_eq(clock_of(mail, CS_SLA_FIRST_REPLY).target_at, T0 + 7200);
    ck_assert_int_eq(clock_of(tweet, CS_SLA_FIRST_REPLY).policy_id, p_twitter);
    ck_assert_int_eq(clock_of(tweet, CS_SLA_FIRST_REPLY).target_at, T0 + 1800);
    ck_assert_int_eq(clock_of(loud, CS_SLA_FIRST_REPLY).policy_id, p_public);
    ck_assert_int_eq(clock_of(loud, CS_SLA_FIRST_REPLY).target_at, T0 + 600);

    /* Priority up after ten minutes: same policy, the urgent target; 20 minutes left. */
    t_now = T0 + 600;
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    f.priority = CS_PRIORITY_URGENT;
    ck_assert_ok(cs_ticket_update(db, mail, &f));
    struct clock c = clock_of(mail, CS_SLA_FIRST_REPLY);
    ck_assert_int_eq(c.policy_id, p_default);
    ck_assert_int_eq(c.target_at, T0 + 1800);
    ck_assert_int_eq(c.target, 1800);
    ck_assert_int_eq(events(mail, CS_SLA_FIRST_REPLY, CS_SLA_EVENT_APPLIED), 1);

    /* A tag moves it to another policy. */
    const char *tags[] = {"vip"};
    f = (cs_ticket_fields)CS_TICKET_FIELDS_INIT;
    f.tags = tags;
    f.ntags = 1;
    ck_assert_ok(cs_ticket_update(db, mail, &f));
    c = clock_of(mail, CS_SLA_FIRST_REPLY);
    ck_assert_int_eq(c.policy_id, p_vip);
    ck_assert_int_eq(c.target_at, T0 + 3600);
    ck_assert_int_eq(events(mail, CS_SLA_FIRST_REPLY, CS_SLA_EVENT_APPLIED), 2);
    ck_assert_int_eq(t_sql_int(db, "SELECT policy_id FROM sla_event WHERE kind = 1"
                                   " ORDER BY id DESC LIMIT 1"),
                     p_vip);

    /* A change that selects the same policy and target records nothing. */
    f = (cs_ticket_fields)CS_TICKET_FIELDS_INIT;
    f.subject = "Neue Rechnung";
    ck_assert_ok(cs_ticket_update(db, mail, &f));
    ck_assert_int_eq(events(mail, CS_SLA_FIRST_REPLY, CS_SLA_EVENT_APPLIED), 2);

    /* Deleting the policy cancels its clocks. */
    ck_assert_ok(cs_sla_policy_delete(db, p_vip));
    ck_assert_int_eq(clock_of(mail, CS_SLA_FIRST_REPLY).state, CS_SLA_CANCELLED);
    ck_assert_int_eq(events(mail, CS_SLA_FIRST_REPLY, CS_SLA_EVENT_CANCELLED), 1);
}
END_TEST

START_TEST(receipts_do_not_fulfil_the_first_reply)
{
    cs_sla_target targets[] = {target(CS_SLA_FIRST_REPLY, 0, HOUR, 0),
                               target(CS_SLA_NEXT_REPLY, 0, 1800, 0)};
    policy("Replies", targets, 2, NULL, 0);

    cs_ingest_result *r = customer_mail("<m1@anna>", 0);
    int64_t t = r->ticket_id;
    ck_assert_int_gt(r->receipt_id, 0);
    ck_assert_int_eq(r->promised_at, T0 + HOUR);
    ck_assert_msg(strstr(r->receipt, "2 March 2026, 10:00 (UTC)"), "%s", r->receipt);
    cs_ingest_result_free(r);
    ck_assert_int_eq(clock_of(t, CS_SLA_FIRST_REPLY).state, CS_SLA_ACTIVE);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM sla_event WHERE metric = 2"), 0);

    /* An internal note does not fulfil it either; the agent's public reply does. */
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    cs_message_fields note = CS_MESSAGE_FIELDS_INIT;
    note.ticket_id = t;
    note.visibility = CS_VISIBILITY_INTERNAL;
    note.body = "Buchhaltung fragen";
    int64_t mid;
    ck_assert_ok(cs_message_create(&mid, db, &note));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    ck_assert_int_eq(clock_of(t, CS_SLA_FIRST_REPLY).state, CS_SLA_ACTIVE);
    t_now = T0 + 1200;
    agent_reply(t);
    struct clock c = clock_of(t, CS_SLA_FIRST_REPLY);
    ck_assert_int_eq(c.state, CS_SLA_FULFILLED);
    ck_assert_int_eq(c.fulfilled_at, T0 + 1200);
    ck_assert_int_eq(c.elapsed, 1200);

    /* Next reply: from the oldest unanswered customer message to the agent's reply. */
    t_now = T0 + 2000;
    cs_ingest_result_free(customer_mail("<m2@anna>", t));
    t_now = T0 + 2500;
    cs_ingest_result_free(customer_mail("<m3@anna>", t));
    c = clock_of(t, CS_SLA_NEXT_REPLY);
    ck_assert_int_eq(c.state, CS_SLA_ACTIVE);
    ck_assert_int_eq(c.started_at, T0 + 2000);
    ck_assert_int_eq(c.target_at, T0 + 3800);
    t_now = T0 + 3000;
    agent_reply(t);
    c = clock_of(t, CS_SLA_NEXT_REPLY);
    ck_assert_int_eq(c.state, CS_SLA_FULFILLED);
    ck_assert_int_eq(c.elapsed, 1000);
    ck_assert_int_eq(clock_of(t, CS_SLA_FIRST_REPLY).fulfilled_at, T0 + 1200);

    /* The next customer message starts a new cycle. */
    t_now = T0 + 4000;
    cs_ingest_result_free(customer_mail("<m4@anna>", t));
    ck_assert_int_eq(clock_of(t, CS_SLA_NEXT_REPLY).started_at, T0 + 4000);
    ck_assert_int_eq(events(t, CS_SLA_NEXT_REPLY, CS_SLA_EVENT_STARTED), 2);
}
END_TEST

START_TEST(periodic_update_cycles_with_agent_replies)
{
    cs_sla_target targets[] = {target(CS_SLA_PERIODIC_UPDATE, 0, HOUR, 0)};
    policy("Updates", targets, 1, NULL, 0);
    int64_t t = ticket_on(mail_ch, 0);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM ticket_sla"), 0);

    t_now = T0 + 100;
    agent_reply(t);
    struct clock c = clock_of(t, CS_SLA_PERIODIC_UPDATE);
    ck_assert_int_eq(c.started_at, T0 + 100);
    ck_assert_int_eq(c.target_at, T0 + 100 + HOUR);
    t_now = T0 + 700;
    set_status(t, CS_STATUS_PENDING);
    ck_assert_int_eq(clock_of(t, CS_SLA_PERIODIC_UPDATE).state, CS_SLA_PAUSED);
    t_now = T0 + 1700;
    set_status(t, CS_STATUS_OPEN);
    ck_assert_int_eq(clock_of(t, CS_SLA_PERIODIC_UPDATE).target_at, T0 + 1700 + HOUR - 600);
    t_now = T0 + 2000;
    agent_reply(t);
    c = clock_of(t, CS_SLA_PERIODIC_UPDATE);
    ck_assert_int_eq(c.started_at, T0 + 2000);
    ck_assert_int_eq(c.target_at, T0 + 2000 + HOUR);
    ck_assert_int_eq(events(t, CS_SLA_PERIODIC_UPDATE, CS_SLA_EVENT_FULFILLED), 1);
    t_now = T0 + 2100;
    set_status(t, CS_STATUS_SOLVED);
    ck_assert_int_eq(clock_of(t, CS_SLA_PERIODIC_UPDATE).state, CS_SLA_CANCELLED);
}
END_TEST

/* Tick and queue --------------------------------------------------------------------------- */

static cs_tick_result *tick(cs_time now)
{
    cs_tick_result *r = NULL;
    ck_assert_ok(cs_tick(&r, db, now));
    return r;
}

START_TEST(tick_warns_and_breaches_once)
{
    cs_sla_target t1000 = target(CS_SLA_FIRST_REPLY, 0, 1000, 0);
    policy("Fast", &t1000, 1, NULL, 0);
    int64_t t = ticket_on(mail_ch, 0);
    const cs_tick_item *item;
    cs_tick_result *r;

    r = tick(T0 + 799);
    ck_assert_int_eq(cs_tick_result_now(r), T0 + 799);
    ck_assert_uint_eq(cs_tick_result_count(r), 0);
    ck_assert_ptr_null(cs_tick_result_item(r, 0));
    cs_tick_result_free(r);
    r = tick(T0 + 800);
    ck_assert_int_eq(cs_tick_result_now(r), T0 + 800);
    ck_assert_uint_eq(cs_tick_result_warned(r), 1);
    ck_assert_uint_eq(cs_tick_result_breached(r), 0);
    ck_assert_uint_eq(cs_tick_result_count(r), 1);
    ck_assert_ptr_nonnull(item = cs_tick_result_item(r, 0));
    ck_assert_int_eq(cs_tick_item_ticket_id(item), t);
    ck_assert_int_eq(cs_tick_item_metric(item), CS_SLA_FIRST_REPLY);
    ck_assert_int_eq(cs_tick_item_kind(item), CS_SLA_EVENT_WARNED);
    ck_assert_int_eq(cs_tick_item_at(item), T0 + 800);
    ck_assert_ptr_null(cs_tick_result_item(r, 1));
    cs_tick_result_free(r);
    r = tick(T0 + 800); /* the same now: nothing again */
    ck_assert_uint_eq(cs_tick_result_count(r), 0);
    cs_tick_result_free(r);
    r = tick(T0 + 1000);
    ck_assert_uint_eq(cs_tick_result_warned(r), 0);
    ck_assert_uint_eq(cs_tick_result_breached(r), 1);
    ck_assert_uint_eq(cs_tick_result_count(r), 1);
    item = cs_tick_result_item(r, 0);
    ck_assert_int_eq(cs_tick_item_ticket_id(item), t);
    ck_assert_int_eq(cs_tick_item_kind(item), CS_SLA_EVENT_BREACHED);
    ck_assert_int_eq(cs_tick_item_at(item), T0 + 1000);
    cs_tick_result_free(r);
    r = tick(T0 + 5000); /* later: no repeat */
    ck_assert_uint_eq(cs_tick_result_count(r), 0);
    cs_tick_result_free(r);
    /* The getters of nothing are 0. */
    ck_assert_uint_eq(cs_tick_result_count(NULL), 0);
    ck_assert_ptr_null(cs_tick_result_item(NULL, 0));
    ck_assert_int_eq(cs_tick_item_at(NULL), 0);

    t_now = T0 + 1200;
    struct clock c = clock_of(t, CS_SLA_FIRST_REPLY);
    ck_assert_int_eq(c.state, CS_SLA_BREACHED);
    ck_assert_int_eq(c.warned_at, T0 + 800);
    ck_assert_int_eq(c.breached_at, T0 + 1000);
    ck_assert_int_eq(events(t, CS_SLA_FIRST_REPLY, CS_SLA_EVENT_WARNED), 1);
    ck_assert_int_eq(events(t, CS_SLA_FIRST_REPLY, CS_SLA_EVENT_BREACHED), 1);
    /* A late reply fulfils it; the breach stays on record. */
    agent_reply(t);
    c = clock_of(t, CS_SLA_FIRST_REPLY);
    ck_assert_int_eq(c.state, CS_SLA_FULFILLED);
    ck_assert_int_eq(c.breached_at, T0 + 1000);

    char *json = NULL;
    ck_assert_ok(cs_sla_events_json(&json, db, t));
    ck_assert_msg(strstr(json, "{\"at\":\"2026-03-02T09:16:40Z\",\"kind\":\"breached\","
                               "\"metric\":\"first_reply\",\"policy_id\":1,"
                               "\"target_at\":\"2026-03-02T09:16:40Z\"}"),
                  "%s", json);
    cs_str_free(json);

    /* The typed log: started, warned, breached, fulfilled, in that order. */
    static const int kinds[] = {CS_SLA_EVENT_STARTED, CS_SLA_EVENT_WARNED, CS_SLA_EVENT_BREACHED,
                                CS_SLA_EVENT_FULFILLED};
    static const cs_time ats[] = {T0, T0 + 800, T0 + 1000, T0 + 1200};
    cs_sla_event_list *log = NULL;
    ck_assert_ok(cs_sla_event_list_get(&log, db, t));
    ck_assert_uint_eq(cs_sla_event_list_count(log), 4);
    for (size_t i = 0; i < 4; i++) {
        const cs_sla_event *e = cs_sla_event_list_item(log, i);
        ck_assert_int_eq(cs_sla_event_metric(e), CS_SLA_FIRST_REPLY);
        ck_assert_int_eq(cs_sla_event_kind(e), kinds[i]);
        ck_assert_int_eq(cs_sla_event_at(e), ats[i]);
        ck_assert_int_eq(cs_sla_event_target_at(e), T0 + 1000);
        ck_assert_int_eq(cs_sla_event_policy_id(e), 1);
    }
    ck_assert_ptr_null(cs_sla_event_list_item(log, 4));
    cs_sla_event_list_free(log);
}
END_TEST

/* The event log's errors: a missing ticket, one a customer may not see, NULL. */
START_TEST(event_list_refuses_what_it_cannot_show)
{
    cs_sla_event_list *log = NULL;

    ck_assert_rc(cs_sla_event_list_get(&log, db, 999), CS_ENOTFOUND);
    ck_assert_field("id");
    ck_assert_ptr_null(log);
    ck_assert_rc(cs_sla_event_list_get(NULL, db, 1), CS_EINVAL);
    ck_assert_rc(cs_sla_event_list_get(&log, NULL, 1), CS_EINVAL);
    int64_t t = ticket_on(mail_ch, 0);
    int64_t bob = t_customer(db, "Bob", "bob@example.com");
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_CUSTOMER, bob));
    ck_assert_rc(cs_sla_event_list_get(&log, db, t), CS_ENOTFOUND);
    ck_assert_ptr_null(log);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_CUSTOMER, anna));
    ck_assert_ok(cs_sla_event_list_get(&log, db, t));
    ck_assert_uint_eq(cs_sla_event_list_count(log), 0); /* no policy, no clocks */
    cs_sla_event_list_free(log);
    cs_sla_event_list_free(NULL);
    ck_assert_uint_eq(cs_sla_event_list_count(NULL), 0);
    ck_assert_int_eq(cs_sla_event_kind(NULL), 0);
}
END_TEST

/* The cadence test's tickets: their event logs and clock reports, and what a late tick finds. */
struct history {
    char *events[2], *clocks[2];
    size_t late_tick;
};

static void history_free(struct history *h)
{
    for (int i = 0; i < 2; i++) {
        cs_str_free(h->events[i]);
        cs_str_free(h->clocks[i]);
    }
}

/* Tick every `every` seconds (0: never) up to and including `until`. */
static void tick_until(cs_time *last, cs_time until, cs_time every)
{
    for (cs_time t = *last + every; every && t <= until; t += every)
        cs_tick_result_free(tick(*last = t));
}

/* Move the clock to T0 + offset, ticking on the way. */
static void at_offset(cs_time *last, cs_time every, cs_time offset)
{
    tick_until(last, T0 + offset, every);
    t_now = T0 + offset;
}

/* One scenario in a fresh database: answers and a solve that come after their deadlines,
 * a pause after one, and a target shortened into the past by the same change that solves. */
static void run_history(struct history *h, cs_time every)
{
    cs_sla_target targets[] = {target(CS_SLA_FIRST_REPLY, 0, 1000, 0),
                               target(CS_SLA_FIRST_REPLY, CS_PRIORITY_URGENT, 600, 0),
                               target(CS_SLA_NEXT_REPLY, 0, 600, 0),
                               target(CS_SLA_RESOLUTION, 0, 2 * HOUR, biz)};
    cs_ticket_fields solve = CS_TICKET_FIELDS_INIT;
    cs_time last = T0;

    teardown();
    setup();
    policy("Tight", targets, 4, NULL, 0);
    cs_ingest_result *r = customer_mail("<h1@anna>", 0);
    int64_t a = r->ticket_id, b = ticket_on(mail_ch, CS_PRIORITY_NORMAL);
    cs_ingest_result_free(r);

    at_offset(&last, every, 700);
    solve.priority = CS_PRIORITY_URGENT; /* due at +600 now, in the past */
    solve.status = CS_STATUS_SOLVED;
    ck_assert_ok(cs_ticket_update(db, b, &solve));
    at_offset(&last, every, 1500);
    agent_reply(a); /* first reply due at +1000 */
    at_offset(&last, every, 1600);
    cs_ingest_result_free(customer_mail("<h2@anna>", a));
    at_offset(&last, every, 2500);
    set_status(a, CS_STATUS_PENDING);
    at_offset(&last, every, 2600);
    agent_reply(a); /* next reply due at +2200 */
    at_offset(&last, every, 3000);
    set_status(a, CS_STATUS_OPEN);
    at_offset(&last, every, 4 * HOUR);
    set_status(a, CS_STATUS_SOLVED); /* resolution was due at 13:08:20 Berlin */
    at_offset(&last, every, 5 * HOUR);

    for (int i = 0; i < 2; i++) {
        cs_sla_clocks *s = NULL;
        ck_assert_ok(cs_sla_events_json(&h->events[i], db, i ? b : a));
        ck_assert_ok(cs_sla_status(&s, db, i ? b : a));
        ck_assert_ok(cs_sla_clocks_to_json(&h->clocks[i], s));
        cs_sla_clocks_free(s);
    }
    cs_tick_result *late = tick(T0 + 30 * 86400);
    h->late_tick = cs_tick_result_count(late);
    cs_tick_result_free(late);
}

START_TEST(breaches_do_not_depend_on_the_tick_cadence)
{
    struct history never = {0}, h = {0};
    static const cs_time cadences[] = {60, HOUR};

    run_history(&never, 0);
    /* Without any tick, every stop after a deadline recorded its warning and breach. */
    struct clock c = clock_of(1, CS_SLA_FIRST_REPLY);
    ck_assert_int_eq(c.state, CS_SLA_FULFILLED);
    ck_assert_int_eq(c.warned_at, T0 + 800);
    ck_assert_int_eq(c.breached_at, T0 + 1000);
    ck_assert_int_eq(clock_of(1, CS_SLA_NEXT_REPLY).breached_at, T0 + 2200);
    c = clock_of(1, CS_SLA_RESOLUTION);
    ck_assert_int_eq(c.warned_at, T0 + HOUR + 44 * 60 + 20);
    ck_assert_int_eq(c.breached_at, T0 + 3 * HOUR + 500);
    c = clock_of(2, CS_SLA_FIRST_REPLY);
    ck_assert_int_eq(c.state, CS_SLA_CANCELLED);
    ck_assert_int_eq(c.warned_at, T0 + 480);
    ck_assert_int_eq(c.breached_at, T0 + 600);
    ck_assert_int_eq(events(1, CS_SLA_FIRST_REPLY, CS_SLA_EVENT_BREACHED), 1);
    ck_assert_int_eq(events(1, CS_SLA_RESOLUTION, CS_SLA_EVENT_WARNED), 1);
    ck_assert_int_eq(events(2, CS_SLA_FIRST_REPLY, CS_SLA_EVENT_BREACHED), 1);
    /* The breach comes before the late reply in the log, at its due time. */
    ck_assert_msg(strstr(never.events[0],
                         "{\"at\":\"2026-03-02T09:16:40Z\",\"kind\":\"breached\","
                         "\"metric\":\"first_reply\",\"policy_id\":1,\"target_at\":"
                         "\"2026-03-02T09:16:40Z\"},{\"at\":\"2026-03-02T09:25:00Z\","
                         "\"kind\":\"fulfilled\""),
                  "%s", never.events[0]);
    ck_assert_uint_eq(never.late_tick, 0);

    for (size_t i = 0; i < CS_ARRAY_SIZE(cadences); i++) {
        run_history(&h, cadences[i]);
        for (int k = 0; k < 2; k++) {
            ck_assert_str_eq(h.events[k], never.events[k]);
            ck_assert_str_eq(h.clocks[k], never.clocks[k]);
        }
        ck_assert_uint_eq(h.late_tick, 0);
        history_free(&h);
        memset(&h, 0, sizeof(h));
    }
    history_free(&never);
}
END_TEST

/* Deleting a policy cancels its clocks after recording what fell due without a tick. */
START_TEST(policy_delete_records_due_breaches)
{
    cs_sla_target fast = target(CS_SLA_FIRST_REPLY, 0, 1000, 0);
    int64_t p = policy("Fast", &fast, 1, NULL, 0);
    int64_t t = ticket_on(mail_ch, 0);
    char *json = NULL;

    t_now = T0 + 2000;
    ck_assert_ok(cs_sla_policy_delete(db, p));
    struct clock c = clock_of(t, CS_SLA_FIRST_REPLY);
    ck_assert_int_eq(c.state, CS_SLA_CANCELLED);
    ck_assert_int_eq(c.warned_at, T0 + 800);
    ck_assert_int_eq(c.breached_at, T0 + 1000);
    ck_assert_ok(cs_sla_events_json(&json, db, t));
    ck_assert_msg(strstr(json, "\"kind\":\"warned\",\"metric\":\"first_reply\",\"policy_id\":1,"
                               "\"target_at\":\"2026-03-02T09:16:40Z\"},{\"at\":"
                               "\"2026-03-02T09:16:40Z\",\"kind\":\"breached\""),
                  "%s", json);
    ck_assert_msg(strstr(json, "\"kind\":\"breached\",\"metric\":\"first_reply\",\"policy_id\":1,"
                               "\"target_at\":\"2026-03-02T09:16:40Z\"},{\"at\":"
                               "\"2026-03-02T09:33:20Z\",\"kind\":\"cancelled\""),
                  "%s", json);
    cs_str_free(json);
    cs_tick_result *r = tick(T0 + 5000);
    ck_assert_uint_eq(cs_tick_result_count(r), 0);
    cs_tick_result_free(r);
}
END_TEST

START_TEST(tick_permissions)
{
    cs_tick_result *r = NULL;
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_CUSTOMER, anna));
    ck_assert_rc(cs_tick(&r, db, T0), CS_EPERM);
    ck_assert_ptr_null(r);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    ck_assert_rc(cs_tick(&r, db, T0), CS_EPERM);
    cs_agent_fields a = CS_AGENT_FIELDS_INIT;
    int64_t admin;
    a.name = "Ada Admin";
    a.role = CS_ROLE_ADMIN;
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    ck_assert_ok(cs_agent_create(&admin, db, &a));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, admin));
    ck_assert_ok(cs_tick(&r, db, T0));
    cs_tick_result_free(r);
}
END_TEST

/* A queue entry as the getters read it. */
struct entry {
    int64_t ticket_id;
    int metric;
    cs_time target_at;
};

static size_t queue(struct entry *items, size_t max, const cs_sla_queue_filter *f)
{
    const cs_sla_queue_item *item = NULL;
    cs_sla_queue_iter *it = NULL;
    size_t n = 0;
    int rc;
    ck_assert_ok(cs_sla_queue_iter_new(&it, db, f));
    while ((rc = cs_sla_queue_next(&item, it)) == CS_OK) {
        ck_assert_uint_lt(n, max);
        items[n++] =
            (struct entry){cs_sla_queue_item_ticket_id(item), cs_sla_queue_item_metric(item),
                           cs_sla_queue_item_target_at(item)};
    }
    ck_assert_rc(rc, CS_ITEROVER);
    ck_assert_ptr_null(item);
    ck_assert_rc(cs_sla_queue_next(NULL, it), CS_EINVAL);
    cs_sla_queue_iter_free(it);
    return n;
}

START_TEST(queue_is_earliest_due_first)
{
    cs_sla_condition on_mail = {CS_SLA_COND_CHANNEL_KIND, CS_CHANNEL_EMAIL, NULL};
    cs_sla_target targets[] = {target(CS_SLA_FIRST_REPLY, CS_PRIORITY_NORMAL, 7200, 0),
                               target(CS_SLA_FIRST_REPLY, CS_PRIORITY_URGENT, 1800, 0),
                               target(CS_SLA_RESOLUTION, 0, 86400, 0)};
    policy("Mail", targets, 3, &on_mail, 1);
    int64_t chat1 = ticket_on(chat_ch, 0);
    int64_t normal = ticket_on(mail_ch, CS_PRIORITY_NORMAL);
    int64_t chat2 = ticket_on(chat_ch, 0);
    int64_t urgent = ticket_on(mail_ch, CS_PRIORITY_URGENT);
    int64_t waiting = ticket_on(mail_ch, CS_PRIORITY_URGENT);
    set_status(waiting, CS_STATUS_PENDING); /* first reply still runs in pending */
    int64_t solved = ticket_on(mail_ch, CS_PRIORITY_URGENT);
    set_status(solved, CS_STATUS_SOLVED);
    struct entry q[16];

    /* The query plan (see docs/sla.md) walks the index ticket_sla_due for the deadlines. */
    ck_assert_uint_eq(queue(q, 16, NULL), 5);
    ck_assert_int_eq(q[0].ticket_id, urgent);
    ck_assert_int_eq(q[0].metric, CS_SLA_FIRST_REPLY);
    ck_assert_int_eq(q[0].target_at, T0 + 1800);
    ck_assert_int_eq(q[1].ticket_id, waiting);
    ck_assert_int_eq(q[2].ticket_id, normal);
    ck_assert_int_eq(q[2].target_at, T0 + 7200);
    ck_assert_int_eq(q[3].ticket_id, chat1);
    ck_assert_int_eq(q[3].metric, 0);
    ck_assert_int_eq(q[3].target_at, 0);
    ck_assert_int_eq(q[4].ticket_id, chat2);

    /* Breaching within an hour; breached by T0 + 2 h. */
    cs_sla_queue_filter f = CS_SLA_QUEUE_FILTER_INIT;
    f.due_after = T0;
    f.due_until = T0 + HOUR;
    ck_assert_uint_eq(queue(q, 16, &f), 2);
    ck_assert_int_eq(q[0].ticket_id, urgent);
    ck_assert_int_eq(q[1].ticket_id, waiting);
    f = (cs_sla_queue_filter)CS_SLA_QUEUE_FILTER_INIT;
    f.due_until = T0 + 2 * HOUR;
    ck_assert_uint_eq(queue(q, 16, &f), 3);
    ck_assert_int_eq(q[2].ticket_id, normal);

    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_CUSTOMER, anna));
    cs_sla_queue_iter *it = NULL;
    ck_assert_rc(cs_sla_queue_iter_new(&it, db, NULL), CS_EPERM);
}
END_TEST

/* Receipts and the hot path ---------------------------------------------------------------- */

START_TEST(receipt_promises_the_policy_in_the_customer_zone)
{
    cs_sla_condition on_mail = {CS_SLA_COND_CHANNEL_KIND, CS_CHANNEL_EMAIL, NULL};
    cs_sla_target four = target(CS_SLA_FIRST_REPLY, 0, 4 * HOUR, biz);
    cs_customer_fields cf = CS_CUSTOMER_FIELDS_INIT;
    cs_identity_spec id = {CS_IDENTITY_EMAIL, "berta@example.de"};
    cs_inbound in = CS_INBOUND_INIT;
    cs_ingest_result *r = NULL;

    policy("Mail", &four, 1, &on_mail, 1);
    cf.name = "Berta";
    cf.locale = "de";
    cf.timezone = "Europe/Berlin";
    cf.identities = &id;
    cf.nidentities = 1;
    int64_t berta;
    ck_assert_ok(cs_customer_create(&berta, db, &cf));
    /* Friday 17:30 Berlin: half an hour on Friday, 3.5 h on Monday: 11:30 Berlin. */
    t_now = T0 + 4 * 86400 + 7 * HOUR + 30 * 60;
    in.channel_id = mail_ch;
    in.external_id = "<fri@berta>";
    in.sender = "berta@example.de";
    in.subject = "Adresse ändern";
    in.body = "Bitte die Rechnungsadresse ändern.";
    ck_assert_ok(cs_ingest(&r, db, &in));
    ck_assert_int_eq(r->promised_at, T0 + 7 * 86400 + HOUR + 30 * 60);
    ck_assert_msg(strstr(r->receipt, "bis 09.03.2026 11:30 Uhr (Europe/Berlin)."), "%s",
                  r->receipt);
    ck_assert_int_eq(t_sql_int(db, "SELECT promised_at FROM ingest_log"), r->promised_at);
    cs_ingest_result_free(r);

    /* An unknown zone falls back to UTC. */
    ck_assert_ok(sqlite3_exec(db->sql, "UPDATE customer SET timezone = 'Mars/Olympus'", 0, 0, 0));
    in.external_id = "<fri2@berta>";
    in.subject = "Noch etwas";
    ck_assert_ok(cs_ingest(&r, db, &in));
    ck_assert_msg(strstr(r->receipt, "bis 09.03.2026 10:30 Uhr (UTC)."), "%s", r->receipt);
    cs_ingest_result_free(r);
}
END_TEST

START_TEST(ingest_without_policies_writes_no_sla_rows)
{
    cs_ingest_result *r = customer_mail("<plain@anna>", 0);
    ck_assert_int_eq(r->created, 1);
    ck_assert_int_eq(r->promised_at, T0 + 86400);
    agent_reply(r->ticket_id);
    set_status(r->ticket_id, CS_STATUS_PENDING);
    cs_ingest_result_free(r);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM ticket_sla"), 0);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM sla_event"), 0);
    cs_sla_clocks *s = NULL;
    ck_assert_ok(cs_sla_status(&s, db, 1));
    ck_assert_uint_eq(cs_sla_clocks_count(s), 0);
    ck_assert_ptr_null(cs_sla_clocks_item(s, 0));
    ck_assert_ptr_null(cs_sla_clocks_find(s, CS_SLA_FIRST_REPLY));
    cs_sla_clocks_free(s);
}
END_TEST

/* Another handle (or process) replacing a calendar is seen through calendar.revision. */
START_TEST(cache_follows_other_handles)
{
    char *path = t_path("sla.db");
    cs_db *a = NULL, *b = NULL;
    cs_calendar *cal = NULL;
    int64_t cal_id, ticket;

    cs_db_close(db);
    ck_assert_ok(cs_db_open(&a, path, CS_OPEN_CREATE));
    ck_assert_ok(cs_db_open(&b, path, CS_OPEN_READWRITE));
    cs_db_set_clock(a, t_clock, NULL);
    cs_db_set_clock(b, t_clock, NULL);
    db = a;
    anna = t_customer(a, "Anna", "anna@example.com");
    cal_id = store_calendar("Office", biz_json);
    cs_sla_target four = target(CS_SLA_FIRST_REPLY, 0, 4 * HOUR, cal_id);
    policy("Office", &four, 1, NULL, 0);
    ticket = ticket_on(0, 0);
    ck_assert_int_eq(clock_of(ticket, CS_SLA_FIRST_REPLY).target_at, T0 + 5 * HOUR);

    ck_assert_ok(cs_calendar_from_json(&cal, all_week_json));
    ck_assert_ok(cs_calendar_store(NULL, b, "Office", cal));
    cs_calendar_free(cal);
    ticket = ticket_on(0, 0);
    ck_assert_int_eq(clock_of(ticket, CS_SLA_FIRST_REPLY).target_at, T0 + 4 * HOUR);

    /* A policy created through b applies through a. */
    cs_sla_target fast = target(CS_SLA_FIRST_REPLY, 0, 60, 0);
    cs_sla_policy_fields f = CS_SLA_POLICY_FIELDS_INIT;
    f.name = "First";
    f.position = 0;
    f.targets = &fast;
    f.ntargets = 1;
    cs_sla_policy_fields later = CS_SLA_POLICY_FIELDS_INIT;
    later.position = 5;
    ck_assert_ok(cs_sla_policy_update(b, 1, &later));
    ck_assert_ok(cs_sla_policy_create(NULL, b, &f));
    ticket = ticket_on(0, 0);
    ck_assert_int_eq(clock_of(ticket, CS_SLA_FIRST_REPLY).target_at, T0 + 60);
    cs_db_close(b);
    free(path);
}
END_TEST

/* The engine runs once for everything one operation did to a ticket: an ingest that opens a
 * ticket (its creation, the customer's message, the routing's assignment) runs it once, as
 * does a reply and an update of several fields. */
START_TEST(engine_runs_once_per_operation)
{
    cs_sla_target t[] = {target(CS_SLA_FIRST_REPLY, 0, 3600, 0),
                         target(CS_SLA_RESOLUTION, 0, 86400, 0)};
    cs_inbound in = CS_INBOUND_INIT;
    cs_ingest_result *r = NULL;
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    const char *tags[] = {"vip"};
    int64_t before;

    policy("All", t, 2, NULL, 0);
    in.channel_id = mail_ch;
    in.sender = "anna@example.com";
    in.subject = "Rechnung";
    in.body = "Die Rechnung ist falsch.";
    before = cs_react__runs(db, cs_sla__react);
    ck_assert_ok(cs_ingest(&r, db, &in));
    ck_assert_int_eq(cs_react__runs(db, cs_sla__react) - before, 1);
    before = cs_react__runs(db, cs_sla__react);
    agent_reply(r->ticket_id);
    ck_assert_int_eq(cs_react__runs(db, cs_sla__react) - before, 1);
    f.status = CS_STATUS_PENDING;
    f.priority = CS_PRIORITY_HIGH;
    f.tags = tags;
    f.ntags = 1;
    before = cs_react__runs(db, cs_sla__react);
    ck_assert_ok(cs_ticket_update(db, r->ticket_id, &f));
    ck_assert_int_eq(cs_react__runs(db, cs_sla__react) - before, 1);
    ck_assert_int_eq(clock_of(r->ticket_id, CS_SLA_RESOLUTION).state, CS_SLA_PAUSED);
    cs_ingest_result_free(r);
}
END_TEST

Suite *cs_sla_suite(void)
{
    Suite *s = suite_create("sla");
    TCase *tc = tcase_create("sla");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, calendars_are_stored_by_name);
    tcase_add_test(tc, policies_validate_and_list);
    tcase_add_test(tc, policy_list_is_typed_and_round_trips);
    tcase_add_test(tc, never_open_calendars_are_refused);
    tcase_add_test(tc, business_and_calendar_targets);
    tcase_add_test(tc, resolution_pauses_in_pending_and_on_hold);
    tcase_add_test(tc, business_pause_recomputes_the_deadline);
    tcase_add_test(tc, reopen_resumes_the_resolution_clock);
    tcase_add_test(tc, reopen_restarts_the_resolution_clock);
    tcase_add_test(tc, policy_selection_and_reselection);
    tcase_add_test(tc, receipts_do_not_fulfil_the_first_reply);
    tcase_add_test(tc, periodic_update_cycles_with_agent_replies);
    tcase_add_test(tc, tick_warns_and_breaches_once);
    tcase_add_test(tc, event_list_refuses_what_it_cannot_show);
    tcase_add_test(tc, breaches_do_not_depend_on_the_tick_cadence);
    tcase_add_test(tc, policy_delete_records_due_breaches);
    tcase_add_test(tc, tick_permissions);
    tcase_add_test(tc, queue_is_earliest_due_first);
    tcase_add_test(tc, receipt_promises_the_policy_in_the_customer_zone);
    tcase_add_test(tc, ingest_without_policies_writes_no_sla_rows);
    tcase_add_test(tc, cache_follows_other_handles);
    tcase_add_test(tc, engine_runs_once_per_operation);
    suite_add_tcase(s, tc);
    return s;
}
