/*
 * libcs - cs_call() methods for SLA policies, clocks, the queue and the tick, and the JSON
 * of the SLA types (cs_sla_policy_to_json() ...), built from their typed getters.
 */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "call/call.h"

/* JSON out -------------------------------------------------------------------------------- */

/* A condition's value as the JSON interface takes it: names for enums, a boolean for
 * public channels, the organisation id, the tag. */
static json_t *condition_json(const cs_sla_condition *c)
{
    const char *kind = cs_sla_condition_kind_name(c->kind);
    int v = (int)c->value;

    switch (c->kind) {
    case CS_SLA_COND_TAG:
        return json_pack("{s:s, s:s}", "kind", kind, "value", c->text ? c->text : "");
    case CS_SLA_COND_CHANNEL_KIND:
        return json_pack("{s:s, s:s}", "kind", kind, "value", cs_channel_kind_name(v));
    case CS_SLA_COND_PRIORITY:
        return json_pack("{s:s, s:s}", "kind", kind, "value", cs_ticket_priority_name(v));
    case CS_SLA_COND_TYPE:
        return json_pack("{s:s, s:s}", "kind", kind, "value", cs_ticket_type_name(v));
    case CS_SLA_COND_PUBLIC_CHANNEL:
        return json_pack("{s:s, s:b}", "kind", kind, "value", v);
    default:
        return json_pack("{s:s, s:I}", "kind", kind, "value", (json_int_t)c->value);
    }
}

static json_t *target_json(const cs_sla_target *t)
{
    return json_pack("{s:s, s:s, s:I, s:b, s:o}", "metric", cs_sla_metric_name(t->metric),
                     "priority", t->priority ? cs_ticket_priority_name(t->priority) : "any",
                     "seconds", (json_int_t)t->seconds, "business", t->business, "calendar_id",
                     cs_json__id(t->calendar_id));
}

/* Append each of n items to a new array; NULL when any is missing (no memory). */
static json_t *array_of(size_t n, json_t *(*item)(const void *from, size_t i), const void *from)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr && i < n; i++)
        if (json_array_append_new(arr, item(from, i)) < 0) {
            json_decref(arr);
            arr = NULL;
        }
    return arr;
}

static json_t *condition_at(const void *p, size_t i)
{
    return condition_json(cs_sla_policy_condition(p, i));
}

static json_t *target_at(const void *p, size_t i)
{
    return target_json(cs_sla_policy_target(p, i));
}

static json_t *policy_object(const cs_sla_policy *p)
{
    json_t *conds = array_of(cs_sla_policy_condition_count(p), condition_at, p);
    json_t *targets = array_of(cs_sla_policy_target_count(p), target_at, p);

    if (!conds || !targets) {
        json_decref(conds);
        json_decref(targets);
        return NULL;
    }
    return json_pack("{s:I, s:s, s:i, s:b, s:b, s:s, s:i, s:o, s:o, s:o, s:o}", "id",
                     (json_int_t)cs_sla_policy_id(p), "name", cs_sla_policy_name(p), "position",
                     cs_sla_policy_position(p), "pause_pending", cs_sla_policy_pause_pending(p),
                     "pause_on_hold", cs_sla_policy_pause_on_hold(p), "reopen",
                     cs_sla_policy_reopen(p) == CS_SLA_REOPEN_RESTART ? "restart" : "resume",
                     "warn_percent", cs_sla_policy_warn_percent(p), "conditions", conds, "targets",
                     targets, "created_at", cs_json__time(cs_sla_policy_created_at(p)),
                     "updated_at", cs_json__time(cs_sla_policy_updated_at(p)));
}

int cs_sla_policy_to_json(char **out, const cs_sla_policy *p)
{
    if (out)
        *out = NULL;
    if (!out || !p)
        return cs_error__inval(out ? "policy" : "out", "%s is NULL", out ? "policy" : "out");
    return cs_json__dump(out, policy_object(p));
}

static json_t *policy_at(const void *list, size_t i)
{
    return policy_object(cs_sla_policy_list_item(list, i));
}

/* Every policy, as a new JSON array in *out (NULL after an error). */
static int policies_array(json_t **out, cs_db *db)
{
    cs_sla_policy_list *list = NULL;
    int rc = cs_sla_policy_list_get(&list, db);

    *out = NULL;
    if (rc == CS_OK && !(*out = array_of(cs_sla_policy_list_count(list), policy_at, list)))
        rc = cs_error__nomem();
    cs_sla_policy_list_free(list);
    return rc;
}

int cs_sla_policy_list_json(char **out, cs_db *db)
{
    json_t *arr;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = policies_array(&arr, db)) < 0)
        return rc;
    return cs_json__dump(out, arr);
}

static json_t *clock_json(const cs_sla_clock *c)
{
    return json_pack(
        "{s:s, s:o, s:I, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "state",
        cs_sla_state_name(cs_sla_clock_state(c)), "policy_id",
        cs_json__id(cs_sla_clock_policy_id(c)), "target", (json_int_t)cs_sla_clock_target(c),
        "business", cs_sla_clock_business(c), "calendar_id",
        cs_json__id(cs_sla_clock_calendar_id(c)), "started_at",
        cs_json__time(cs_sla_clock_started_at(c)), "target_at",
        cs_json__time(cs_sla_clock_target_at(c)), "warn_at", cs_json__time(cs_sla_clock_warn_at(c)),
        "fulfilled_at", cs_json__time(cs_sla_clock_fulfilled_at(c)), "warned_at",
        cs_json__time(cs_sla_clock_warned_at(c)), "breached_at",
        cs_json__time(cs_sla_clock_breached_at(c)), "elapsed", (json_int_t)cs_sla_clock_elapsed(c));
}

int cs_sla_clocks_to_json(char **out, const cs_sla_clocks *s)
{
    json_t *clocks;

    if (out)
        *out = NULL;
    if (!out || !s)
        return cs_error__inval(out ? "clocks" : "out", "%s is NULL", out ? "clocks" : "out");
    clocks = json_object();
    for (size_t i = 0; clocks && i < cs_sla_clocks_count(s); i++) {
        const cs_sla_clock *c = cs_sla_clocks_item(s, i);
        if (json_object_set_new(clocks, cs_sla_metric_name(cs_sla_clock_metric(c)), clock_json(c)) <
            0) {
            json_decref(clocks);
            clocks = NULL;
        }
    }
    if (!clocks)
        return cs_error__nomem();
    return cs_json__dump(out, json_pack("{s:I, s:o}", "ticket_id",
                                        (json_int_t)cs_sla_clocks_ticket_id(s), "clocks", clocks));
}

static json_t *event_at(const void *list, size_t i)
{
    const cs_sla_event *e = cs_sla_event_list_item(list, i);

    return json_pack(
        "{s:s, s:s, s:o, s:o, s:o}", "metric", cs_sla_metric_name(cs_sla_event_metric(e)), "kind",
        cs_sla_event_kind_name(cs_sla_event_kind(e)), "at", cs_json__time(cs_sla_event_at(e)),
        "target_at", cs_json__time(cs_sla_event_target_at(e)), "policy_id",
        cs_json__id(cs_sla_event_policy_id(e)));
}

/* A ticket's event log, as a new JSON array in *out (NULL after an error). */
static int events_array(json_t **out, cs_db *db, int64_t ticket_id)
{
    cs_sla_event_list *list = NULL;
    int rc = cs_sla_event_list_get(&list, db, ticket_id);

    *out = NULL;
    if (rc == CS_OK && !(*out = array_of(cs_sla_event_list_count(list), event_at, list)))
        rc = cs_error__nomem();
    cs_sla_event_list_free(list);
    return rc;
}

int cs_sla_events_json(char **out, cs_db *db, int64_t ticket_id)
{
    json_t *arr;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = events_array(&arr, db, ticket_id)) < 0)
        return rc;
    return cs_json__dump(out, arr);
}

/* Requests -------------------------------------------------------------------------------- */

/* A condition's value: an enum name, an organisation id, a tag, or a boolean. */
static int condition_value(cs_sla_condition *c, json_t *value, const char *field)
{
    const char *s = json_string_value(value);

    switch (c->kind) {
    case CS_SLA_COND_TAG:
        c->text = s;
        return s ? CS_OK : cs_call__type_error(field, "a tag");
    case CS_SLA_COND_PUBLIC_CHANNEL:
        c->value = json_is_true(value);
        return json_is_boolean(value) ? CS_OK : cs_call__type_error(field, "true or false");
    case CS_SLA_COND_ORGANIZATION:
        c->value = json_integer_value(value);
        return json_is_integer(value) ? CS_OK : cs_call__type_error(field, "an organisation id");
    default:
        c->value = c->kind == CS_SLA_COND_CHANNEL_KIND ? cs_channel_kind_parse(s)
                   : c->kind == CS_SLA_COND_PRIORITY   ? cs_ticket_priority_parse(s)
                                                       : cs_ticket_type_parse(s);
        return c->value ? CS_OK
                        : cs_error__inval(field, "%s is not a known %s", field,
                                          cs_sla_condition_kind_name(c->kind));
    }
}

static int policy_conditions(json_t *arr, cs_sla_condition *conds, size_t *n)
{
    char field[CS_ERROR_FIELD_MAX];
    json_t *item;
    size_t i;
    int rc;

    json_array_foreach(arr, i, item) {
        snprintf(field, sizeof(field), "conditions[%zu]", i);
        if (i >= CS_SLA_CONDITIONS_MAX || !json_is_object(item) || json_object_size(item) != 2)
            return cs_call__type_error(field, "an object with \"kind\" and \"value\"");
        conds[i].kind =
            cs_sla_condition_kind_parse(json_string_value(json_object_get(item, "kind")));
        if (!conds[i].kind)
            return cs_error__inval(field, "%s has an unknown kind", field);
        snprintf(field, sizeof(field), "conditions[%zu].value", i);
        if ((rc = condition_value(&conds[i], json_object_get(item, "value"), field)) < 0)
            return rc;
        (*n)++;
    }
    return CS_OK;
}

static int policy_targets(json_t *arr, cs_sla_target *targets, size_t *n)
{
    char field[CS_ERROR_FIELD_MAX];
    json_t *item, *v;
    size_t i;

    json_array_foreach(arr, i, item) {
        cs_sla_target *t = &targets[i];
        const char *priority;
        snprintf(field, sizeof(field), "targets[%zu]", i);
        if (i >= CS_SLA_TARGETS_MAX || !json_is_object(item))
            return cs_call__type_error(field, "an object");
        t->metric = cs_sla_metric_parse(json_string_value(json_object_get(item, "metric")));
        priority = json_string_value(json_object_get(item, "priority"));
        t->priority = priority && strcmp(priority, "any") ? cs_ticket_priority_parse(priority) : 0;
        v = json_object_get(item, "seconds");
        t->seconds = json_integer_value(v);
        t->business = json_is_true(json_object_get(item, "business"));
        t->calendar_id = json_integer_value(json_object_get(item, "calendar_id"));
        if (!t->metric || (priority && strcmp(priority, "any") && !t->priority) ||
            !json_is_integer(v))
            return cs_call__type_error(field, "{\"metric\", \"seconds\", optional \"priority\", "
                                              "\"business\", \"calendar_id\"} with known names");
        (*n)++;
    }
    return CS_OK;
}

static int policy_fields(cs_call__req *r, cs_sla_policy_fields *f, cs_sla_condition *conds,
                         cs_sla_target *targets, bool create)
{
    json_t *c = cs_call__get(r, "conditions"), *t = cs_call__get(r, "targets");
    const char *reopen = NULL;
    int64_t position = CS_UNSET, warn = CS_UNSET;
    int rc;

    if ((rc = cs_call__str(r, "name", &f->name, create)) < 0 ||
        (rc = cs_call__int(r, "position", &position, false)) < 0 ||
        (rc = cs_call__bool(r, "pause_pending", &f->pause_pending)) < 0 ||
        (rc = cs_call__bool(r, "pause_on_hold", &f->pause_on_hold)) < 0 ||
        (rc = cs_call__str(r, "reopen", &reopen, false)) < 0 ||
        (rc = cs_call__int(r, "warn_percent", &warn, false)) < 0)
        return rc;
    if ((c && !json_is_array(c)) || (t && !json_is_array(t)))
        return cs_call__type_error(c && !json_is_array(c) ? "conditions" : "targets", "an array");
    if (c && (rc = policy_conditions(c, conds, &f->nconditions)) < 0)
        return rc;
    if (t && (rc = policy_targets(t, targets, &f->ntargets)) < 0)
        return rc;
    f->conditions = c ? conds : NULL;
    f->targets = t ? targets : NULL;
    if (reopen && strcmp(reopen, "resume") && strcmp(reopen, "restart"))
        return cs_error__inval("reopen", "reopen must be \"resume\" or \"restart\"");
    f->reopen = !reopen                      ? 0
                : !strcmp(reopen, "restart") ? CS_SLA_REOPEN_RESTART
                                             : CS_SLA_REOPEN_RESUME;
    if (position < CS_UNSET || position > 1000000 || warn < CS_UNSET || warn > 100)
        return cs_error__inval(position < CS_UNSET || position > 1000000 ? "position"
                                                                         : "warn_percent",
                               "out of range");
    f->position = (int)position;
    f->warn_percent = (int)warn;
    return CS_OK;
}

static int policy_json(json_t **out, cs_db *db, int64_t id)
{
    cs_sla_policy *p = NULL;
    char *text = NULL;
    int rc = cs_sla_policy_lookup(&p, db, id);

    if (rc == CS_OK)
        rc = cs_sla_policy_to_json(&text, p);
    cs_sla_policy_free(p);
    return cs_call__adopt(out, &text, rc);
}

static int m_sla_policy_create(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_sla_policy_fields f = CS_SLA_POLICY_FIELDS_INIT;
    cs_sla_condition conds[CS_SLA_CONDITIONS_MAX];
    cs_sla_target targets[CS_SLA_TARGETS_MAX];
    int64_t id;
    int rc;

    if ((rc = policy_fields(r, &f, conds, targets, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_sla_policy_create(&id, db, &f)) < 0)
        return rc;
    return policy_json(out, db, id);
}

static int m_sla_policy_update(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_sla_policy_fields f = CS_SLA_POLICY_FIELDS_INIT;
    cs_sla_condition conds[CS_SLA_CONDITIONS_MAX];
    cs_sla_target targets[CS_SLA_TARGETS_MAX];
    int64_t id = 0;
    int rc;

    if ((rc = cs_call__id(r, "id", &id, true)) < 0 ||
        (rc = policy_fields(r, &f, conds, targets, false)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_sla_policy_update(db, id, &f)) < 0)
        return rc;
    return policy_json(out, db, id);
}

static int m_sla_policy_get(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t id = 0;
    int rc;

    if ((rc = cs_call__id(r, "id", &id, true)) < 0 || (rc = cs_call__done(r)) < 0)
        return rc;
    return policy_json(out, db, id);
}

static int m_sla_policy_delete(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t id = 0;
    int rc;

    if ((rc = cs_call__id(r, "id", &id, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_sla_policy_delete(db, id)) < 0)
        return rc;
    return cs_call__ok(out);
}

static int m_sla_policy_list(cs_db *db, cs_call__req *r, json_t **out)
{
    json_t *arr = NULL;
    int rc;

    if ((rc = cs_call__done(r)) < 0 || (rc = policies_array(&arr, db)) < 0)
        return rc;
    *out = json_pack("{s:o}", "policies", arr);
    return *out ? CS_OK : cs_error__nomem();
}

static int m_sla_status(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_sla_clocks *clocks = NULL;
    char *text = NULL;
    int64_t ticket = 0;
    int rc;

    if ((rc = cs_call__id(r, "ticket_id", &ticket, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_sla_status(&clocks, db, ticket)) < 0)
        return rc;
    rc = cs_sla_clocks_to_json(&text, clocks);
    cs_sla_clocks_free(clocks);
    return cs_call__adopt(out, &text, rc);
}

static int m_sla_event_list(cs_db *db, cs_call__req *r, json_t **out)
{
    json_t *arr = NULL;
    int64_t ticket = 0;
    int rc;

    if ((rc = cs_call__id(r, "ticket_id", &ticket, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = events_array(&arr, db, ticket)) < 0)
        return rc;
    *out = json_pack("{s:o}", "events", arr);
    return *out ? CS_OK : cs_error__nomem();
}

static int m_sla_queue(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_sla_queue_filter f = CS_SLA_QUEUE_FILTER_INIT;
    cs_sla_queue_iter *it = NULL;
    const cs_sla_queue_item *item;
    int64_t limit = CS_CALL__LIST_DEFAULT;
    json_t *arr;
    int rc;

    if ((rc = cs_call__time(r, "due_after", &f.due_after, false)) < 0 ||
        (rc = cs_call__time(r, "due_until", &f.due_until, false)) < 0 ||
        (rc = cs_call__int(r, "limit", &limit, false)) < 0 || (rc = cs_call__done(r)) < 0)
        return rc;
    if (limit < 1 || limit > CS_CALL__LIST_MAX)
        return cs_error__inval("limit", "limit must be between 1 and %d", CS_CALL__LIST_MAX);
    if ((rc = cs_sla_queue_iter_new(&it, db, &f)) < 0)
        return rc;
    if (!(arr = json_array())) {
        cs_sla_queue_iter_free(it);
        return cs_error__nomem();
    }
    while ((int64_t)json_array_size(arr) < limit && (rc = cs_sla_queue_next(&item, it)) == CS_OK) {
        int metric = cs_sla_queue_item_metric(item);
        json_array_append_new(
            arr,
            json_pack("{s:I, s:o, s:o}", "ticket_id", (json_int_t)cs_sla_queue_item_ticket_id(item),
                      "metric", metric ? json_string(cs_sla_metric_name(metric)) : json_null(),
                      "target_at", cs_json__time(cs_sla_queue_item_target_at(item))));
    }
    cs_sla_queue_iter_free(it);
    if (rc < 0 && rc != CS_ITEROVER) {
        json_decref(arr);
        return rc;
    }
    *out = json_pack("{s:o}", "items", arr);
    return *out ? CS_OK : cs_error__nomem();
}

static int m_tick(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_tick_result *res = NULL;
    cs_time now = cs_db_now(db); /* when none is given; a given one counts, 0 too */
    char iso[32];
    json_t *items;
    int rc;

    if ((rc = cs_call__time(r, "now", &now, false)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_tick(&res, db, now)) < 0)
        return rc;
    if ((items = json_array()))
        for (size_t i = 0; i < cs_tick_result_count(res); i++) {
            const cs_tick_item *it = cs_tick_result_item(res, i);
            json_array_append_new(items,
                                  json_pack("{s:I, s:s, s:s, s:o}", "ticket_id",
                                            (json_int_t)cs_tick_item_ticket_id(it), "metric",
                                            cs_sla_metric_name(cs_tick_item_metric(it)), "kind",
                                            cs_sla_event_kind_name(cs_tick_item_kind(it)), "at",
                                            cs_json__time(cs_tick_item_at(it))));
        }
    *out =
        items ? json_pack("{s:s, s:I, s:I, s:o}", "now", cs_time__iso(iso, cs_tick_result_now(res)),
                          "warned", (json_int_t)cs_tick_result_warned(res), "breached",
                          (json_int_t)cs_tick_result_breached(res), "items", items)
              : NULL;
    cs_tick_result_free(res);
    return *out ? CS_OK : cs_error__nomem();
}

/* The catalogue -------------------------------------------------------------------------- */

#define METRICS "first_reply next_reply periodic_update resolution"

/* A condition's value is a name, an organisation id, a tag or a boolean, by its kind. The
 * rows serve requests and answers alike. */
static const cs_call__field condition_fields[] = {
    CS_CALL__E("kind", CS_CALL__REQ, "channel_kind priority type organization tag public_channel"),
    CS_CALL__F("value", CS_CALL__ANY, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field target_fields[] = {
    CS_CALL__E("metric", CS_CALL__REQ, METRICS),
    CS_CALL__F("seconds", CS_CALL__INTEGER, CS_CALL__REQ),
    CS_CALL__E("priority", 0, "any low normal high urgent"),
    CS_CALL__F("business", CS_CALL__BOOLEAN, 0),
    CS_CALL__F("calendar_id", CS_CALL__ID, CS_CALL__NULL),
    CS_CALL__END,
};

/* What policy_fields() reads; `name` is required on create only. */
#define POLICY_REQUEST_FIELDS                                                                      \
    CS_CALL__F("position", CS_CALL__INTEGER, 0), CS_CALL__F("pause_pending", CS_CALL__BOOLEAN, 0), \
        CS_CALL__F("pause_on_hold", CS_CALL__BOOLEAN, 0),                                          \
        CS_CALL__E("reopen", 0, "resume restart"),                                                 \
        CS_CALL__F("warn_percent", CS_CALL__INTEGER, 0),                                           \
        CS_CALL__S("conditions", CS_CALL__ARRAY, 0, condition_fields),                             \
        CS_CALL__S("targets", CS_CALL__ARRAY, 0, target_fields)

static const cs_call__field policy_create_request[] = {
    CS_CALL__F("name", CS_CALL__STRING, CS_CALL__REQ),
    POLICY_REQUEST_FIELDS,
    CS_CALL__END,
};
static const cs_call__field policy_update_request[] = {
    CS_CALL__F("id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__F("name", CS_CALL__STRING, 0),
    POLICY_REQUEST_FIELDS,
    CS_CALL__END,
};
/* policy_object() */
static const cs_call__field policy_response[] = {
    CS_CALL__F("id", CS_CALL__ID, 0),
    CS_CALL__F("name", CS_CALL__STRING, 0),
    CS_CALL__F("position", CS_CALL__INTEGER, 0),
    CS_CALL__F("pause_pending", CS_CALL__BOOLEAN, 0),
    CS_CALL__F("pause_on_hold", CS_CALL__BOOLEAN, 0),
    CS_CALL__E("reopen", 0, "resume restart"),
    CS_CALL__F("warn_percent", CS_CALL__INTEGER, 0),
    CS_CALL__S("conditions", CS_CALL__ARRAY, 0, condition_fields),
    CS_CALL__S("targets", CS_CALL__ARRAY, 0, target_fields),
    CS_CALL__F("created_at", CS_CALL__TIME, 0),
    CS_CALL__F("updated_at", CS_CALL__TIME, 0),
    CS_CALL__END,
};
static const cs_call__field policy_list_response[] = {
    CS_CALL__S("policies", CS_CALL__ARRAY, 0, policy_response),
    CS_CALL__END,
};

static const cs_call__field ticket_request[] = {
    CS_CALL__F("ticket_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__END,
};
/* clock_json() */
static const cs_call__field clock_fields[] = {
    CS_CALL__E("state", 0, "active paused fulfilled cancelled breached"),
    CS_CALL__F("policy_id", CS_CALL__ID, CS_CALL__NULL),
    CS_CALL__F("target", CS_CALL__INTEGER, 0),
    CS_CALL__F("business", CS_CALL__BOOLEAN, 0),
    CS_CALL__F("calendar_id", CS_CALL__ID, CS_CALL__NULL),
    CS_CALL__F("started_at", CS_CALL__TIME, 0),
    CS_CALL__F("target_at", CS_CALL__TIME, CS_CALL__NULL),
    CS_CALL__F("warn_at", CS_CALL__TIME, CS_CALL__NULL),
    CS_CALL__F("fulfilled_at", CS_CALL__TIME, CS_CALL__NULL),
    CS_CALL__F("warned_at", CS_CALL__TIME, CS_CALL__NULL),
    CS_CALL__F("breached_at", CS_CALL__TIME, CS_CALL__NULL),
    CS_CALL__F("elapsed", CS_CALL__INTEGER, 0),
    CS_CALL__END,
};
/* One clock per metric the ticket has one for. */
static const cs_call__field clocks_fields[] = {
    CS_CALL__S("first_reply", CS_CALL__OBJECT, CS_CALL__OPT, clock_fields),
    CS_CALL__S("next_reply", CS_CALL__OBJECT, CS_CALL__OPT, clock_fields),
    CS_CALL__S("periodic_update", CS_CALL__OBJECT, CS_CALL__OPT, clock_fields),
    CS_CALL__S("resolution", CS_CALL__OBJECT, CS_CALL__OPT, clock_fields),
    CS_CALL__END,
};
static const cs_call__field status_response[] = {
    CS_CALL__F("ticket_id", CS_CALL__ID, 0),
    CS_CALL__S("clocks", CS_CALL__OBJECT, 0, clocks_fields),
    CS_CALL__END,
};

#define EVENT_KINDS "applied started paused resumed fulfilled warned breached cancelled"

/* event_at() */
static const cs_call__field event_fields[] = {
    CS_CALL__E("metric", 0, METRICS),
    CS_CALL__E("kind", 0, EVENT_KINDS),
    CS_CALL__F("at", CS_CALL__TIME, 0),
    CS_CALL__F("target_at", CS_CALL__TIME, CS_CALL__NULL),
    CS_CALL__F("policy_id", CS_CALL__ID, CS_CALL__NULL),
    CS_CALL__END,
};
static const cs_call__field event_list_response[] = {
    CS_CALL__S("events", CS_CALL__ARRAY, 0, event_fields),
    CS_CALL__END,
};

static const cs_call__field queue_request[] = {
    CS_CALL__F("due_after", CS_CALL__TIME, 0),
    CS_CALL__F("due_until", CS_CALL__TIME, 0),
    CS_CALL__F("limit", CS_CALL__INTEGER, 0),
    CS_CALL__END,
};
static const cs_call__field queue_item_fields[] = {
    CS_CALL__F("ticket_id", CS_CALL__ID, 0),
    CS_CALL__E("metric", CS_CALL__NULL, METRICS),
    CS_CALL__F("target_at", CS_CALL__TIME, CS_CALL__NULL),
    CS_CALL__END,
};
static const cs_call__field queue_response[] = {
    CS_CALL__S("items", CS_CALL__ARRAY, 0, queue_item_fields),
    CS_CALL__END,
};

static const cs_call__field tick_request[] = {
    CS_CALL__F("now", CS_CALL__TIME, 0),
    CS_CALL__END,
};
static const cs_call__field tick_item_fields[] = {
    CS_CALL__F("ticket_id", CS_CALL__ID, 0),
    CS_CALL__E("metric", 0, METRICS),
    CS_CALL__E("kind", 0, "warned breached"),
    CS_CALL__F("at", CS_CALL__TIME, 0),
    CS_CALL__END,
};
static const cs_call__field tick_response[] = {
    CS_CALL__F("now", CS_CALL__TIME, 0),
    CS_CALL__F("warned", CS_CALL__INTEGER, 0),
    CS_CALL__F("breached", CS_CALL__INTEGER, 0),
    CS_CALL__S("items", CS_CALL__ARRAY, 0, tick_item_fields),
    CS_CALL__END,
};

const cs_call__method cs_call__sla_methods[] = {
    {"sla.policy.create", m_sla_policy_create, CS_CAP_CONFIG_WRITE, CS_CALL__ATOMIC,
     "Create an SLA policy: when it applies and the targets it sets.", policy_create_request,
     policy_response},
    {"sla.policy.get", m_sla_policy_get, CS_CAP_CONFIG_READ, 0, "Read an SLA policy.",
     cs_call__id_request, policy_response},
    {"sla.policy.update", m_sla_policy_update, CS_CAP_CONFIG_WRITE, CS_CALL__ATOMIC,
     "Change an SLA policy; conditions and targets given replace all.", policy_update_request,
     policy_response},
    {"sla.policy.delete", m_sla_policy_delete, CS_CAP_CONFIG_WRITE, 0,
     "Delete an SLA policy, cancelling its running clocks.", cs_call__id_request,
     cs_call__no_fields},
    {"sla.policy.list", m_sla_policy_list, CS_CAP_CONFIG_READ, 0,
     "List the SLA policies in the order they apply.", cs_call__no_fields, policy_list_response},
    {"sla.status", m_sla_status, CS_CAP_TICKET_READ, 0, "Read a ticket's SLA clocks.",
     ticket_request, status_response},
    {"sla.event.list", m_sla_event_list, CS_CAP_TICKET_READ, 0,
     "List a ticket's SLA events, oldest first.", ticket_request, event_list_response},
    {"sla.queue", m_sla_queue, CS_CAP_REPORT_READ, 0,
     "List open tickets by their earliest running SLA deadline, then those without one.",
     queue_request, queue_response},
    {"tick", m_tick, CS_CAP_TICK, 0, "Record the SLA warnings and breaches due by now, each once.",
     tick_request, tick_response},
};
const size_t cs_call__sla_count = CS_ARRAY_SIZE(cs_call__sla_methods);
