/*
 * The permission table (lib/perm.c) against what the library does: every cs_call method,
 * called as every role against someone else's objects, is allowed or denied as the table
 * says, a denial changes nothing, and what a customer or group-scoped agent may not see
 * answers exactly as if it did not exist. docs/security.md shows the same table.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"
#include "helpers.h"

enum role { R_SYSTEM, R_ADMIN, R_AGENT, R_SCOPED, R_LIGHT, R_CUSTOMER, R_MEMBER, R_COUNT };
static const char *role_names[R_COUNT] = {
    "system", "admin", "agent", "scoped agent", "light agent", "customer", "organisation member"};

/* The fixture's objects. Targets are someone else's: for customers a stranger's ticket (and
 * for organisation members a colleague's, which their organisation shares); for agents the
 * tickets of a group the scoped agent is not in, and another agent. */
typedef struct world {
    int64_t actor[R_COUNT];
    int64_t ticket, ticket2, customer, spare, group, agent, merge, item, lease, calendar, policy;
    char email[64];
    /* The organisation member's targets: its colleague's. */
    int64_t m_ticket, m_ticket2, m_customer;
    char m_email[64];
} world;

/* A request template: $T $T2 $C $C4 $G $A $MERGE $OB $LEASE $CAL $P are ids, $CE an email,
 * $NOW and $LATER times. */
typedef struct row {
    const char *method;
    const char *request;
    /* For lists and reports, which answer rather than refuse: how to see in the response
     * that the target was reached ("key[].field=$T" or "key>0"). */
    const char *reached;
} row;

static const row rows[] = {
    {"version", "{}", NULL},
    {"methods", "{\"name\": \"ticket.get\"}", NULL},
    {"db.set_actor", "{\"kind\": \"customer\", \"id\": $C}", NULL},
    {"setting.get", "{\"name\": \"outbox.max_attempts\"}", NULL},
    {"setting.set", "{\"name\": \"outbox.backoff\", \"value\": 120}", NULL},
    {"organization.create", "{\"name\": \"New Org\"}", NULL},
    {"customer.create", "{\"name\": \"New\"}", NULL},
    {"customer.get", "{\"id\": $C}", NULL},
    {"customer.find", "{\"kind\": \"email\", \"value\": \"$CE\"}", NULL},
    {"customer.update", "{\"id\": $C, \"name\": \"Renamed\"}", NULL},
    {"customer.list", "{}", NULL},
    {"customer.add_identity", "{\"id\": $C, \"kind\": \"chat\", \"value\": \"new-chat\"}", NULL},
    {"customer.remove_identity", "{\"id\": $C, \"kind\": \"email\", \"value\": \"$CE\"}", NULL},
    {"customer.merge", "{\"survivor_id\": $C, \"merged_id\": $C4}", NULL},
    {"customer.unmerge", "{\"merge_id\": $MERGE}", NULL},
    {"customer.export", "{\"id\": $C}", NULL},
    {"customer.erase", "{\"id\": $C}", NULL},
    {"channel.create", "{\"kind\": \"chat\", \"name\": \"Chat 2\"}", NULL},
    {"channel.get", "{\"id\": 1}", NULL},
    {"channel.update", "{\"id\": 1, \"name\": \"Mail 2\"}", NULL},
    {"channel.list", "{}", NULL},
    {"agent.create", "{\"name\": \"New Agent\"}", NULL},
    {"agent.get", "{\"id\": $A}", NULL},
    {"agent.find", "{\"email\": \"xia@shop.example\"}", NULL},
    {"agent.update", "{\"id\": $A, \"name\": \"Renamed\"}", NULL},
    {"group.create", "{\"name\": \"Third\"}", NULL},
    {"group.add_agent", "{\"group_id\": $G, \"agent_id\": 4}", NULL},
    {"group.remove_agent", "{\"group_id\": $G, \"agent_id\": $A}", NULL},
    {"custom_field.define", "{\"object\": \"ticket\", \"name\": \"size\", \"type\": \"number\"}",
     NULL},
    {"custom_field.remove", "{\"object\": \"ticket\", \"name\": \"order\"}", NULL},
    {"custom_field.list", "{}", NULL},
    {"ticket.create", "{\"subject\": \"New\", \"customer_id\": $C}", NULL},
    {"ticket.get", "{\"id\": $T, \"messages\": true}", NULL},
    {"ticket.update", "{\"id\": $T, \"priority\": \"high\"}", NULL},
    {"ticket.list", "{\"limit\": 1000}", "tickets[].id=$T"},
    {"ticket.merge", "{\"target_id\": $T, \"source_id\": $T2}", NULL},
    {"reply", "{\"ticket_id\": $T, \"body\": \"Hello\"}", NULL},
    {"message.create", "{\"ticket_id\": $T, \"body\": \"Hi\"}", NULL},
    {"message.list", "{\"ticket_id\": $T}", NULL},
    {"ingest", "{\"channel_id\": 1, \"sender\": \"$CE\", \"body\": \"Again\"}", NULL},
    {"ingest.mail",
     "{\"channel_id\": 1, \"raw\": \"From: $CE\\r\\nSubject: Again\\r\\n\\r\\nAgain\"}", NULL},
    {"outbox.claim", "{\"max\": 10}", NULL},
    {"outbox.ack", "{\"id\": $OB, \"lease\": $LEASE}", NULL},
    {"outbox.fail", "{\"id\": $OB, \"lease\": $LEASE, \"error\": \"down\"}", NULL},
    {"outbox.list", "{}", NULL},
    {"outbox.item_mime", "{\"id\": $OB}", NULL},
    {"receipt.configure", "{\"channel_id\": 1, \"mode\": \"off\"}", NULL},
    {"receipt.set_template", "{\"channel_id\": 1, \"language\": \"de\", \"template\": \"Danke\"}",
     NULL},
    {"reply.channel_stats", "{\"from\": \"$NOW\", \"to\": \"$LATER\"}", "replies>0"},
    {"audit.list", "{\"ticket_id\": $T}", NULL},
    {"calendar.store",
     "{\"name\": \"Other\", \"calendar\": {\"timezone\": \"UTC\", \"hours\": {\"mon\": "
     "[[\"08:00\", \"18:00\"]]}}}",
     NULL},
    {"calendar.get", "{\"calendar_id\": $CAL}", NULL},
    {"calendar.add_seconds", "{\"calendar_id\": $CAL, \"time\": \"$NOW\", \"seconds\": 60}", NULL},
    {"calendar.seconds_between", "{\"calendar_id\": $CAL, \"from\": \"$NOW\", \"to\": \"$LATER\"}",
     NULL},
    {"calendar.is_open", "{\"calendar_id\": $CAL, \"time\": \"$NOW\"}", NULL},
    {"sla.policy.create",
     "{\"name\": \"P2\", \"targets\": [{\"metric\": \"first_reply\", \"seconds\": 60}]}", NULL},
    {"sla.policy.get", "{\"id\": $P}", NULL},
    {"sla.policy.update", "{\"id\": $P, \"name\": \"P1b\"}", NULL},
    {"sla.policy.delete", "{\"id\": $P}", NULL},
    {"sla.policy.list", "{}", NULL},
    {"sla.status", "{\"ticket_id\": $T}", NULL},
    {"sla.event.list", "{\"ticket_id\": $T}", NULL},
    {"sla.queue", "{\"limit\": 1000}", "items[].ticket_id=$T"},
    {"tick", "{\"now\": \"$LATER\"}", NULL},
    {"route.set_presence", "{\"agent_id\": $A, \"presence\": \"away\"}", NULL},
    {"route.set_capacity", "{\"agent_id\": $A, \"channel_kind\": \"email\", \"capacity\": 3}",
     NULL},
    {"route.agent.get", "{\"agent_id\": $A}", NULL},
    {"route.group.set", "{\"group_id\": $G, \"strategy\": \"round_robin\"}", NULL},
    {"route.assign", "{\"ticket_id\": $T}", NULL},
    {"route.next", "{\"agent_id\": $A}", NULL},
    {"route.callback.create",
     "{\"customer_id\": $C, \"window_from\": \"$NOW\", \"window_to\": \"$LATER\"}", NULL},
    {"route.estimated_wait", "{\"group_id\": $G, \"channel_kind\": \"email\"}", NULL},
    {"route.report", "{\"from\": \"$NOW\", \"to\": \"$LATER\"}", "solved>0"},
    {"route.staffing", "{\"group_id\": $G, \"from\": \"$NOW\", \"to\": \"$LATER\"}", NULL},
};

/* JSON as the system, for the fixture. */
static json_t *sys(cs_db *db, const char *method, const char *request)
{
    char *resp = NULL;
    int rc = cs_call(&resp, db, method, request);
    ck_assert_msg(rc == CS_OK, "%s %s: %s", method, request, resp);
    json_t *o = json_loads(resp, 0, NULL);
    cs_str_free(resp);
    return o;
}

static int64_t sys_id(cs_db *db, const char *method, const char *request, const char *key)
{
    json_t *o = sys(db, method, request);
    int64_t id = json_integer_value(json_object_get(o, key));
    json_decref(o);
    ck_assert_int_gt(id, 0);
    return id;
}

static int64_t ingest(cs_db *db, const char *sender, const char *subject, int64_t group)
{
    char req[256];
    snprintf(req, sizeof(req),
             "{\"channel_id\": 1, \"sender\": \"%s\", \"subject\": \"%s\", \"body\": \"Hi\"}",
             sender, subject);
    int64_t t = sys_id(db, "ingest", req, "ticket_id");
    snprintf(req, sizeof(req), "{\"id\": %lld, \"group_id\": %lld}", (long long)t,
             (long long)group);
    json_decref(sys(db, "ticket.update", req));
    return t;
}

static void make_world(cs_db *db, world *w)
{
    char req[256];

    memset(w, 0, sizeof(*w));
    w->calendar = sys_id(db, "calendar.store",
                         "{\"name\": \"Office\", \"calendar\": {\"timezone\": \"Europe/Berlin\","
                         " \"hours\": {\"mon\": [[\"08:00\", \"18:00\"]]}}}",
                         "id");
    w->policy = sys_id(db, "sla.policy.create",
                       "{\"name\": \"P1\", \"targets\": [{\"metric\": \"first_reply\", "
                       "\"seconds\": 3600}]}",
                       "id");
    json_decref(sys(db, "channel.create",
                    "{\"kind\": \"email\", \"name\": \"Mail\", "
                    "\"address\": \"support@shop.example\"}"));
    int64_t g1 = sys_id(db, "group.create", "{\"name\": \"First\"}", "id");
    w->group = sys_id(db, "group.create", "{\"name\": \"Second\"}", "id");
    w->actor[R_ADMIN] =
        sys_id(db, "agent.create", "{\"name\": \"Ada\", \"role\": \"admin\"}", "id");
    w->actor[R_AGENT] = sys_id(db, "agent.create", "{\"name\": \"Ben\"}", "id");
    w->actor[R_SCOPED] = sys_id(db, "agent.create",
                                "{\"name\": \"Sam\", \"ticket_access\": "
                                "\"groups\"}",
                                "id");
    w->actor[R_LIGHT] =
        sys_id(db, "agent.create", "{\"name\": \"Lia\", \"role\": \"light\"}", "id");
    w->agent =
        sys_id(db, "agent.create", "{\"name\": \"Xia\", \"email\": \"xia@shop.example\"}", "id");
    ck_assert_int_eq(w->actor[R_LIGHT], 4); /* group.add_agent's row names it */
    snprintf(req, sizeof(req), "{\"group_id\": %lld, \"agent_id\": %lld}", (long long)g1,
             (long long)w->actor[R_SCOPED]);
    json_decref(sys(db, "group.add_agent", req));
    snprintf(req, sizeof(req), "{\"group_id\": %lld, \"agent_id\": %lld}", (long long)w->group,
             (long long)w->agent);
    json_decref(sys(db, "group.add_agent", req));
    snprintf(req, sizeof(req), "{\"agent_id\": %lld, \"presence\": \"online\"}",
             (long long)w->agent);
    json_decref(sys(db, "route.set_presence", req));
    json_decref(sys(db, "custom_field.define",
                    "{\"object\": \"ticket\", \"name\": \"order\", "
                    "\"customer_writable\": true}"));

    /* Customers: the actor, a stranger with two tickets in the second group, and two
     * members of an organisation that shares tickets. */
    ingest(db, "me@example.com", "Mine", g1);
    w->actor[R_CUSTOMER] =
        sys_id(db, "customer.find", "{\"kind\": \"email\", \"value\": \"me@example.com\"}", "id");
    snprintf(w->email, sizeof(w->email), "stranger@example.com");
    w->ticket = ingest(db, w->email, "Theirs", w->group);
    w->ticket2 = ingest(db, w->email, "Theirs too", w->group);
    w->customer = sys_id(db, "customer.find",
                         "{\"kind\": \"email\", \"value\": \"stranger@example.com\"}", "id");
    int64_t org =
        sys_id(db, "organization.create", "{\"name\": \"Org\", \"shared_tickets\": true}", "id");
    ingest(db, "member@example.com", "Member's", g1);
    snprintf(w->m_email, sizeof(w->m_email), "colleague@example.com");
    w->m_ticket = ingest(db, w->m_email, "Colleague's", w->group);
    w->m_ticket2 = ingest(db, w->m_email, "Colleague's too", w->group);
    w->actor[R_MEMBER] = sys_id(db, "customer.find",
                                "{\"kind\": \"email\", \"value\": \"member@example.com\"}", "id");
    w->m_customer = sys_id(db, "customer.find",
                           "{\"kind\": \"email\", \"value\": \"colleague@example.com\"}", "id");
    for (int i = 0; i < 2; i++) {
        snprintf(req, sizeof(req), "{\"id\": %lld, \"organization_id\": %lld}",
                 (long long)(i ? w->m_customer : w->actor[R_MEMBER]), (long long)org);
        json_decref(sys(db, "customer.update", req));
    }
    /* A merge to undo, a spare customer to merge, an internal note, an agent's reply (a
     * same-channel report entry, an outbox item under lease) and a solved ticket, all on
     * the stranger's side. */
    int64_t twin = sys_id(db, "customer.create", "{\"name\": \"Twin\"}", "id");
    snprintf(req, sizeof(req), "{\"survivor_id\": %lld, \"merged_id\": %lld}",
             (long long)w->customer, (long long)twin);
    w->merge = sys_id(db, "customer.merge", req, "merge_id");
    w->spare = sys_id(db, "customer.create", "{\"name\": \"Spare\"}", "id");
    snprintf(req, sizeof(req),
             "{\"ticket_id\": %lld, \"visibility\": \"internal\", "
             "\"body\": \"note\"}",
             (long long)w->ticket);
    json_decref(sys(db, "message.create", req));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, w->agent));
    snprintf(req, sizeof(req), "{\"ticket_id\": %lld, \"body\": \"Answer\"}",
             (long long)w->ticket2);
    json_decref(sys(db, "reply", req));
    snprintf(req, sizeof(req), "{\"id\": %lld, \"status\": \"solved\"}", (long long)w->ticket2);
    json_decref(sys(db, "ticket.update", req));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    json_t *claim = sys(db, "outbox.claim", "{\"max\": 100}");
    json_t *items = json_object_get(claim, "items"), *item;
    size_t i;
    json_array_foreach(items, i, item) {
        if (!strcmp(json_string_value(json_object_get(item, "kind")), "reply")) {
            w->item = json_integer_value(json_object_get(item, "id"));
            w->lease = json_integer_value(json_object_get(item, "lease"));
        }
    }
    json_decref(claim);
    ck_assert_int_gt(w->item, 0);
}

/* The request with the role's targets, or with ids and an address nothing has (ghost). */
static char *fill(const char *tmpl, const world *w, int role, bool ghost)
{
    bool member = role == R_MEMBER;
    char ids[12][32];
    const struct {
        const char *key;
        int64_t v;
    } keys[] = {
        {"$MERGE", w->merge},
        {"$LEASE", w->lease},
        {"$CAL", w->calendar},
        {"$OB", w->item},
        {"$T2", member ? w->m_ticket2 : w->ticket2},
        {"$C4", w->spare},
        {"$T", member ? w->m_ticket : w->ticket},
        {"$C", member ? w->m_customer : w->customer},
        {"$G", w->group},
        {"$A", w->agent},
        {"$P", w->policy},
    };
    size_t cap = strlen(tmpl) * 2 + 256, len = 0;
    char *out = malloc(cap);

    ck_assert_ptr_nonnull(out);
    for (const char *p = tmpl; *p;) {
        const char *value = NULL;
        size_t skip = 1;
        if (!strncmp(p, "$CE", 3)) {
            value = ghost ? "ghost@example.com" : member ? w->m_email : w->email;
            skip = 3;
        } else if (!strncmp(p, "$NOW", 4)) {
            value = "2026-03-02T00:00:00Z", skip = 4;
        } else if (!strncmp(p, "$LATER", 6)) {
            value = "2026-03-09T00:00:00Z", skip = 6;
        } else {
            for (size_t k = 0; k < CS_ARRAY_SIZE(keys) && !value; k++) {
                if (strncmp(p, keys[k].key, strlen(keys[k].key)))
                    continue;
                snprintf(ids[k], sizeof(ids[k]), "%lld",
                         (long long)(ghost ? 900000 + (int64_t)k : keys[k].v));
                value = ids[k];
                skip = strlen(keys[k].key);
            }
        }
        if (value)
            len += (size_t)snprintf(out + len, cap - len, "%s", value);
        else
            out[len++] = *p;
        out[len] = '\0';
        p += skip;
    }
    return out;
}

/* Whether the role reaches someone else's object with `cap`, from the table alone. */
static bool expect_allowed(int role, cs_cap cap)
{
    static const int column[R_COUNT] = {0, 1, 2, 2, 3, 4, 4};

    switch (cs_perm__table(cap, column[role])) {
    case CS_REACH_ALL:
        return true;
    case CS_REACH_GROUPS:
        return role != R_SCOPED;
    case CS_REACH_OWN:
        return role == R_MEMBER; /* a colleague's ticket, shared by the organisation */
    default:
        return false; /* none, and self: the target is always someone else */
    }
}

/* "key[].field=$X" or "key>0" against a response. */
static bool reached(json_t *resp, const char *spec, const world *w, int role)
{
    char key[32], field[32];
    const char *gt = strstr(spec, ">0");
    json_t *v, *item;
    size_t i;

    if (gt) {
        snprintf(key, sizeof(key), "%.*s", (int)(gt - spec), spec);
        return json_integer_value(json_object_get(resp, key)) > 0;
    }
    ck_assert_int_eq(sscanf(spec, "%31[^[][].%31[^=]", key, field), 2);
    int64_t want = role == R_MEMBER ? w->m_ticket : w->ticket;
    v = json_object_get(resp, key);
    ck_assert_ptr_nonnull(v);
    json_array_foreach(v, i, item) {
        if (json_integer_value(json_object_get(item, field)) == want)
            return true;
    }
    return false;
}

static void set_actor(cs_db *db, const world *w, int role)
{
    int kind = role == R_SYSTEM                         ? CS_ACTOR_SYSTEM
               : role == R_CUSTOMER || role == R_MEMBER ? CS_ACTOR_CUSTOMER
                                                        : CS_ACTOR_AGENT;
    ck_assert_ok(cs_db_set_actor(db, kind, w->actor[role]));
}

/* One call inside an atomic section that is rolled back, so every call meets the same
 * world. The response is parsed; *before and *after snapshot the database around it. */
static int call_once(cs_db *db, const world *w, int role, const char *method, const char *req,
                     json_t **resp, char **before, char **after)
{
    char *text = NULL;
    int rc;

    ck_assert_ok(cs_db_begin(db));
    set_actor(db, w, role);
    *before = t_snapshot(db);
    rc = cs_call(&text, db, method, req);
    *after = t_snapshot(db);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    ck_assert_ok(cs_db_rollback(db));
    *resp = json_loads(text, 0, NULL);
    ck_assert_msg(*resp != NULL, "%s: not JSON: %s", method, text);
    cs_str_free(text);
    if (rc == CS_OK)
        t_conforms(method, *resp);
    return rc;
}

/* An error as "code|field|message" with its numbers and the target's address blanked, so
 * that two errors about different objects compare equal when they say the same thing. */
static void neutral(char *out, size_t size, json_t *resp, const char *email)
{
    json_t *e = json_object_get(resp, "error");
    const char *msg = json_string_value(json_object_get(e, "message"));
    char *hit, *w = out;

    snprintf(out, size, "%s|%s|%s", json_string_value(json_object_get(e, "code")),
             json_string_value(json_object_get(e, "field")), msg ? msg : "");
    while ((hit = strstr(out, email)) != NULL) {
        memmove(hit + 1, hit + strlen(email), strlen(hit + strlen(email)) + 1);
        *hit = '@';
    }
    for (const char *r = out; *r; r++)
        if (!(*r >= '0' && *r <= '9' && w > out && w[-1] == '#'))
            *w++ = *r >= '0' && *r <= '9' ? '#' : *r;
    *w = '\0';
}

static const row *row_of(const char *method)
{
    for (size_t i = 0; i < CS_ARRAY_SIZE(rows); i++)
        if (!strcmp(rows[i].method, method))
            return &rows[i];
    return NULL;
}

/* Every method as every role, aimed at someone else's objects. */
START_TEST(every_method_every_role)
{
    cs_db *db = t_open_memory();
    world w;

    make_world(db, &w);
    for (size_t m = 0; cs_call_method(m); m++) {
        const char *method = cs_call_method(m);
        const row *r = row_of(method);
        cs_cap cap = cs_call__method_cap(m);

        ck_assert_msg(r != NULL, "method %s has no row in this test", method);
        ck_assert_msg(cap < CS_CAP__COUNT, "method %s has no capability", method);
        for (int role = 0; role < R_COUNT; role++) {
            bool allow = expect_allowed(role, cap);
            bool refuse = cs_perm__table(cap, role == R_SYSTEM   ? 0
                                              : role == R_ADMIN  ? 1
                                              : role <= R_SCOPED ? 2
                                              : role == R_LIGHT  ? 3
                                                                 : 4) == CS_REACH_NONE;
            char *req = fill(r->request, &w, role, false), *before, *after;
            json_t *resp;
            int rc = call_once(db, &w, role, method, req, &resp, &before, &after);
            char *dump = json_dumps(resp, JSON_COMPACT);

            if (r->reached && !refuse) {
                ck_assert_msg(rc == CS_OK, "%s as %s: %s", method, role_names[role], dump);
                ck_assert_msg(reached(resp, r->reached, &w, role) == allow,
                              "%s as %s: the target is%s in %s", method, role_names[role],
                              allow ? " not" : "", dump);
            } else if (allow) {
                ck_assert_msg(rc == CS_OK, "%s as %s should be allowed: %s", method,
                              role_names[role], dump);
            } else {
                ck_assert_msg(rc == CS_EPERM || rc == CS_ENOTFOUND,
                              "%s as %s should be denied: %d %s", method, role_names[role], rc,
                              dump);
                ck_assert_msg(!strcmp(before, after), "%s as %s was denied but wrote", method,
                              role_names[role]);
                /* A customer is never told that an object exists: an object rule hides. */
                if (!refuse && (role == R_CUSTOMER || role == R_MEMBER))
                    ck_assert_msg(rc == CS_ENOTFOUND, "%s as %s: %s", method, role_names[role],
                                  dump);
            }
            /* Hidden means indistinguishable from missing: the same call for objects that
             * do not exist answers the same. */
            if (rc == CS_ENOTFOUND && !allow) {
                char *ghost_req = fill(r->request, &w, role, true), *b2, *a2;
                json_t *ghost;
                char x[600], y[600];
                call_once(db, &w, role, method, ghost_req, &ghost, &b2, &a2);
                neutral(x, sizeof(x), resp, role == R_MEMBER ? w.m_email : w.email);
                neutral(y, sizeof(y), ghost, "ghost@example.com");
                ck_assert_msg(!strcmp(x, y), "%s as %s tells hidden from missing: %s / %s", method,
                              role_names[role], x, y);
                json_decref(ghost);
                free(ghost_req), free(b2), free(a2);
            }
            free(dump);
            json_decref(resp);
            free(req), free(before), free(after);
        }
    }
    cs_db_close(db);
}
END_TEST

/* docs/security.md shows the table of lib/perm.c and the methods of each capability. */
static char *render_table(void)
{
    size_t cap = 16384, len = 0;
    char *s = malloc(cap);

    ck_assert_ptr_nonnull(s);
    len += (size_t)snprintf(s + len, cap - len,
                            "| capability | system | admin | agent | light agent | customer | "
                            "methods |\n|---|---|---|---|---|---|---|\n");
    for (int c = 0; c < CS_CAP__COUNT; c++) {
        len += (size_t)snprintf(s + len, cap - len, "| `%s`: %s |", cs_perm__cap_name(c),
                                cs_perm__cap_doc(c));
        for (int col = 0; col < 5; col++)
            len += (size_t)snprintf(s + len, cap - len, " %s |",
                                    cs_perm__reach_name(cs_perm__table(c, col)));
        const char *sep = " ";
        for (size_t m = 0; cs_call_method(m); m++) {
            if (cs_call__method_cap(m) != (cs_cap)c)
                continue;
            len += (size_t)snprintf(s + len, cap - len, "%s`%s`", sep, cs_call_method(m));
            sep = ", ";
        }
        len += (size_t)snprintf(s + len, cap - len, " |\n");
        ck_assert_uint_lt(len, cap - 1);
    }
    return s;
}

START_TEST(docs_show_the_table)
{
    const char *top = getenv("top_srcdir");
    char path[1024], *doc, *table = render_table();
    const char *begin = "<!-- permission table: generated from lib/perm.c, checked by "
                        "tests/check_perm.c -->\n",
               *end = "<!-- end of the permission table -->";
    FILE *f;
    long size;

    snprintf(path, sizeof(path), "%s/docs/security.md", top ? top : CS_TOP_SRCDIR);
    ck_assert_ptr_nonnull(f = fopen(path, "rb"));
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    doc = calloc(1, (size_t)size + 1);
    ck_assert_uint_eq(fread(doc, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    char *a = strstr(doc, begin), *b = a ? strstr(a, end) : NULL;
    ck_assert_msg(a && b, "docs/security.md lacks the table's markers");
    a += strlen(begin);
    *b = '\0';
    if (strcmp(a, table) != 0) {
        if (getenv("CS_PRINT_TABLE"))
            fputs(table, stdout);
        ck_abort_msg("docs/security.md's table differs from lib/perm.c (run the test with "
                     "CS_PRINT_TABLE=1 to print the table)");
    }
    free(doc);
    free(table);
}
END_TEST

/* The holes one by one ------------------------------------------------------------------ */

/* A call as the handle's actor; the response parsed. */
static json_t *as(cs_db *db, const char *method, const char *request, int expect)
{
    char *resp = NULL;
    int rc = cs_call(&resp, db, method, request);
    ck_assert_msg(rc == expect, "%s %s: %d, wanted %d: %s", method, request, rc, expect, resp);
    json_t *o = json_loads(resp, 0, NULL);
    cs_str_free(resp);
    ck_assert_ptr_nonnull(o);
    return o;
}

static const char *error_field(json_t *o)
{
    return json_string_value(json_object_get(json_object_get(o, "error"), "field"));
}

/* A request body never raises its actor: not to the system, not to another customer, not
 * from a light agent to an admin. */
START_TEST(actor_set_cannot_raise_rights)
{
    cs_db *db = t_open_memory();
    int64_t anna = t_customer(db, "Anna", "anna@example.com");
    int64_t ben = t_customer(db, "Ben", "ben@example.com");
    int64_t light = t_agent(db, "Lia", CS_ROLE_LIGHT);
    int64_t admin = t_agent(db, "Ada", CS_ROLE_ADMIN);
    int64_t bens = t_ticket(db, ben, "Ben's");
    char req[96];

    t_message(db, bens, CS_ACTOR_AGENT, admin, CS_VISIBILITY_INTERNAL, "internal");
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_CUSTOMER, anna));
    json_decref(as(db, "db.set_actor", "{\"kind\": \"system\"}", CS_EPERM));
    snprintf(req, sizeof(req), "{\"kind\": \"customer\", \"id\": %lld}", (long long)ben);
    json_decref(as(db, "db.set_actor", req, CS_EPERM));
    ck_assert_int_eq(cs_db_actor(db, NULL), CS_ACTOR_CUSTOMER);
    snprintf(req, sizeof(req), "{\"id\": %lld, \"messages\": true}", (long long)bens);
    json_decref(as(db, "ticket.get", req, CS_ENOTFOUND));
    snprintf(req, sizeof(req), "{\"id\": %lld}", (long long)ben);
    json_decref(as(db, "customer.erase", req, CS_EPERM));

    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, light));
    snprintf(req, sizeof(req), "{\"kind\": \"agent\", \"id\": %lld}", (long long)admin);
    json_decref(as(db, "db.set_actor", req, CS_EPERM));
    json_decref(as(db, "channel.create", "{\"kind\": \"chat\", \"name\": \"Chat\"}", CS_EPERM));
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM channel"), 0);

    /* The system may still act as anyone, and the host may always take the handle back. */
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    json_decref(as(db, "db.set_actor", req, CS_OK));
    ck_assert_int_eq(cs_db_actor(db, NULL), CS_ACTOR_AGENT);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    cs_db_close(db);
}
END_TEST

static bool has_line_break(cs_db *db)
{
    return t_sql_int(db,
                     "SELECT count(*) FROM outbox WHERE"
                     " instr(recipient || coalesce(subject, '') || coalesce(header_message_id, '')"
                     " || coalesce(in_reply_to, '') || coalesce(refs, ''), char(13)) > 0"
                     " OR instr(recipient || coalesce(subject, '') ||"
                     " coalesce(header_message_id, '') || coalesce(in_reply_to, '') ||"
                     " coalesce(refs, ''), char(10)) > 0") > 0;
}

/* No text from a customer, a channel or a name reaches a header field of an outbox item,
 * whatever kind of item carries it. */
START_TEST(no_header_injection)
{
    cs_db *db = t_open_memory();
    int64_t agent = t_agent(db, "Ada\r\nBcc: evil@example.com", CS_ROLE_AGENT);
    json_t *o;

    json_decref(as(db, "channel.create",
                   "{\"kind\": \"webform\", \"name\": \"Form\", \"signature\": true,"
                   " \"address\": \"form@shop.example\\r\\nBcc: victim@evil.example\"}",
                   CS_OK));
    o = as(db, "ingest",
           "{\"channel_id\": 1, \"sender\": \"anna@example.com\","
           " \"sender_name\": \"Anna\\r\\nBcc: victim@evil.example\","
           " \"subject\": \"Hi\\r\\nBcc: victim@evil.example\","
           " \"external_id\": \"<m1@example.com>\\r\\nBcc: victim@evil.example\","
           " \"in_reply_to\": \"<x@example.com>\\r\\nBcc: victim@evil.example\","
           " \"references\": \"<y@example.com>\\nBcc: victim@evil.example\","
           " \"body\": \"Hello\"}",
           CS_OK);
    ck_assert(json_is_integer(json_object_get(o, "receipt_id")));
    json_decref(o);
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, agent));
    json_decref(as(db, "reply",
                   "{\"ticket_id\": 1, \"body\": \"Answer\","
                   " \"subject\": \"Re\\r\\nBcc: victim@evil.example\"}",
                   CS_OK));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM outbox"), 2);
    ck_assert_msg(!has_line_break(db), "a header field of an outbox item has a line break");
    /* The text is kept, on one line. */
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM outbox WHERE kind = 'reply' AND"
                                   " subject = 'Re  Bcc: victim@evil.example'"),
                     1);
    cs_db_close(db);
}
END_TEST

/* A customer says only what a customer may say. */
START_TEST(customers_write_only_their_fields)
{
    cs_db *db = t_open_memory();
    int64_t anna = t_customer(db, "Anna", "anna@example.com");
    char *before;
    char req[160];
    json_t *o;

    json_decref(as(db, "ticket.create", "{\"subject\": \"Anna's\", \"customer_id\": 1}", CS_OK));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_CUSTOMER, anna));
    before = t_snapshot(db);
    static const struct {
        const char *extra, *field;
    } denied[] = {
        {"\"tags\": [\"vip\"]", "tags"},
        {"\"type\": \"incident\"", "type"},
        {"\"priority\": \"urgent\"", "priority"},
        {"\"channel_id\": 1", "channel_id"},
        {"\"custom\": {\"discount\": 50}", "custom.discount"},
    };
    for (size_t i = 0; i < CS_ARRAY_SIZE(denied); i++) {
        snprintf(req, sizeof(req), "{\"subject\": \"x\", \"customer_id\": %lld, %s}",
                 (long long)anna, denied[i].extra);
        o = as(db, "ticket.create", req, CS_EPERM);
        ck_assert_str_eq(error_field(o), denied[i].field);
        json_decref(o);
    }
    o = as(db, "message.create",
           "{\"ticket_id\": 1, \"body\": \"x\", \"external_id\": \"<next@example.com>\"}",
           CS_EPERM);
    ck_assert_str_eq(error_field(o), "external_id");
    json_decref(o);
    char *after = t_snapshot(db);
    ck_assert_str_eq(before, after);
    free(before), free(after);

    /* What an admin made customer-writable, a customer may set; its type holds. */
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0));
    json_decref(as(db, "custom_field.define",
                   "{\"object\": \"ticket\", \"name\": \"order\","
                   " \"type\": \"text\", \"customer_writable\": true}",
                   CS_OK));
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_CUSTOMER, anna));
    snprintf(req, sizeof(req),
             "{\"subject\": \"x\", \"customer_id\": %lld,"
             " \"custom\": {\"order\": \"A-17\"}}",
             (long long)anna);
    json_decref(as(db, "ticket.create", req, CS_OK));
    snprintf(req, sizeof(req),
             "{\"subject\": \"x\", \"customer_id\": %lld,"
             " \"custom\": {\"order\": 17}}",
             (long long)anna);
    o = as(db, "ticket.create", req, CS_EINVAL);
    ck_assert_str_eq(error_field(o), "custom.order");
    json_decref(o);
    json_decref(as(db, "message.create", "{\"ticket_id\": 1, \"body\": \"More\"}", CS_OK));
    cs_db_close(db);
}
END_TEST

/* Rights are read at every call: a handle opened for an admin loses them when the agent is
 * deactivated or demoted on another handle, and a customer's when it is erased. */
START_TEST(rights_are_read_at_every_call)
{
    char *path = t_path("rights.db");
    cs_db *host = NULL, *web = NULL;
    int64_t admin, anna;
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    cs_ticket_iter *it = NULL;
    int64_t id;

    ck_assert_ok(cs_db_open(&host, path, CS_OPEN_CREATE));
    ck_assert_ok(cs_db_open(&web, path, CS_OPEN_READWRITE));
    admin = t_agent(host, "Ada", CS_ROLE_ADMIN);
    t_agent(host, "Ben", CS_ROLE_ADMIN); /* so that Ada may be demoted */
    anna = t_customer(host, "Anna", "anna@example.com");
    ck_assert_ok(cs_db_set_actor(web, CS_ACTOR_AGENT, admin));
    ck_assert_ok(cs_group_create(&id, web, "First"));

    f.role = CS_ROLE_LIGHT;
    ck_assert_ok(cs_agent_update(host, admin, &f));
    ck_assert_rc(cs_group_create(&id, web, "Second"), CS_EPERM);
    f = (cs_agent_fields)CS_AGENT_FIELDS_INIT;
    f.role = CS_ROLE_ADMIN;
    f.active = 0;
    ck_assert_ok(cs_agent_update(host, admin, &f));
    ck_assert_rc(cs_group_create(&id, web, "Third"), CS_EPERM);
    ck_assert_rc(cs_ticket_iter_new(&it, web, NULL), CS_EPERM);
    ck_assert_str_eq(cs_error_last()->message, "agent 1 is inactive");

    ck_assert_ok(cs_db_set_actor(web, CS_ACTOR_CUSTOMER, anna));
    ck_assert_ok(cs_ticket_iter_new(&it, web, NULL));
    cs_ticket_iter_free(it);
    ck_assert_ok(cs_customer_erase(host, anna));
    ck_assert_rc(cs_ticket_iter_new(&it, web, NULL), CS_EPERM);
    cs_db_close(web);
    cs_db_close(host);
    free(path);
}
END_TEST

/* Settings and the configuration are for agents; a customer is refused, and learns nothing
 * of objects it may not see. */
START_TEST(customers_see_no_configuration)
{
    cs_db *db = t_open_memory();
    int64_t anna = t_customer(db, "Anna", "anna@example.com");
    t_channel(db, CS_CHANNEL_EMAIL, "Mail");

    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_CUSTOMER, anna));
    json_decref(as(db, "setting.get", "{\"name\": \"outbox.max_attempts\"}", CS_EPERM));
    json_decref(as(db, "channel.list", "{}", CS_EPERM));
    json_decref(as(db, "channel.get", "{\"id\": 1}", CS_EPERM));
    json_decref(as(db, "agent.get", "{\"id\": 1}", CS_EPERM));
    json_decref(as(db, "customer.get", "{\"id\": 2}", CS_ENOTFOUND));
    cs_db_close(db);
}
END_TEST

/* A group-scoped agent works in its groups: reads, lists, the queue, reports and the
 * next-ticket pick see nothing else (but what is assigned to it). */
START_TEST(group_scoped_agents)
{
    cs_db *db = t_open_memory();
    int64_t mine = t_group(db, "Mine"), theirs = t_group(db, "Theirs");
    int64_t anna = t_customer(db, "Anna", "anna@example.com");
    int64_t sam = t_agent(db, "Sam", CS_ROLE_AGENT);
    int64_t in_mine = t_ticket(db, anna, "In my group"), in_theirs = t_ticket(db, anna, "Theirs");
    int64_t no_group = t_ticket(db, anna, "No group"), given = t_ticket(db, anna, "Given to me");
    cs_agent_fields f = CS_AGENT_FIELDS_INIT;
    cs_ticket_iter *it = NULL;
    const cs_ticket *t;
    cs_ticket *one = NULL;
    char sql[160];
    int64_t next = 0;
    int n = 0;

    snprintf(sql, sizeof(sql),
             "UPDATE ticket SET group_id = CASE id WHEN %lld THEN %lld"
             " WHEN %lld THEN %lld WHEN %lld THEN %lld END WHERE id IN (%lld, %lld, %lld)",
             (long long)in_mine, (long long)mine, (long long)in_theirs, (long long)theirs,
             (long long)given, (long long)theirs, (long long)in_mine, (long long)in_theirs,
             (long long)given);
    t_sql_int(db, sql);
    ck_assert_ok(cs_group_add_agent(db, mine, sam));
    f.ticket_access = CS_ACCESS_GROUPS;
    ck_assert_ok(cs_agent_update(db, sam, &f));
    ck_assert_ok(cs_route_set_presence(db, sam, CS_PRESENCE_ONLINE));
    snprintf(sql, sizeof(sql), "UPDATE ticket SET assignee_id = %lld WHERE id = %lld",
             (long long)sam, (long long)given);
    t_sql_int(db, sql);

    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, sam));
    ck_assert_ok(cs_ticket_lookup(&one, db, in_mine));
    cs_ticket_free(one);
    ck_assert_ok(cs_ticket_lookup(&one, db, given));
    cs_ticket_free(one);
    ck_assert_rc(cs_ticket_lookup(&one, db, in_theirs), CS_ENOTFOUND);
    ck_assert_rc(cs_ticket_lookup(&one, db, no_group), CS_ENOTFOUND);
    ck_assert_ok(cs_ticket_iter_new(&it, db, NULL));
    while (cs_ticket_next(&t, it) == CS_OK) {
        ck_assert(cs_ticket_id(t) == in_mine || cs_ticket_id(t) == given);
        n++;
    }
    cs_ticket_iter_free(it);
    ck_assert_int_eq(n, 2);
    /* The pick offers its group's ticket, and never one without a group. */
    ck_assert_ok(cs_route_next(&next, db, sam));
    ck_assert_int_eq(next, in_mine);
    ck_assert_ok(cs_route_next(&next, db, sam));
    ck_assert_int_eq(next, 0);
    /* What spans groups is refused. */
    char *text = NULL;
    ck_assert_rc(cs_customer_export(&text, db, anna), CS_EPERM);
    cs_db_close(db);
}
END_TEST

/* Custom values that a response could not carry back are refused before anything is
 * written, and a refused value breaks no later read. */
START_TEST(custom_values_are_checked)
{
    cs_db *db = t_open_memory();
    int64_t anna = t_customer(db, "Anna", "anna@example.com");
    char req[4096];
    json_t *o;

    (void)anna;
    o = as(db, "ticket.create",
           "{\"subject\": \"x\", \"customer_id\": 1,"
           " \"custom\": {\"a\": 1.7976931348623157e308}}",
           CS_EINVAL);
    ck_assert_str_eq(error_field(o), "custom.a");
    json_decref(o);
    size_t len = (size_t)snprintf(req, sizeof(req),
                                  "{\"subject\": \"x\", \"customer_id\": 1,"
                                  " \"custom\": {\"deep\": ");
    for (int i = 0; i < 40; i++)
        req[len++] = '[';
    for (int i = 0; i < 40; i++)
        req[len++] = ']';
    snprintf(req + len, sizeof(req) - len, "}}");
    o = as(db, "ticket.create", req, CS_EINVAL);
    ck_assert_str_eq(error_field(o), "custom.deep");
    json_decref(o);
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM ticket"), 0);
    json_decref(as(db, "ticket.create",
                   "{\"subject\": \"x\", \"customer_id\": 1,"
                   " \"custom\": {\"a\": 0.25, \"b\": [[1, 2]]}}",
                   CS_OK));
    json_decref(as(db, "ticket.list", "{}", CS_OK));
    json_decref(as(db, "customer.export", "{\"id\": 1}", CS_OK));
    cs_db_close(db);
}
END_TEST

/* A Message-ID is a retry only from the sender who used it first: another sender naming
 * it learns nothing of the first message (not its ticket, not its receipt) and loses
 * nothing of its own. */
START_TEST(forged_message_id_reveals_nothing)
{
    cs_db *db = t_open_memory();
    json_t *first, *forged, *later, *retry;

    json_decref(as(db, "channel.create", "{\"kind\": \"email\", \"name\": \"Mail\"}", CS_OK));
    first = as(db, "ingest",
               "{\"channel_id\": 1, \"sender\": \"anna@example.com\","
               " \"sender_name\": \"Anna Secret\", \"subject\": \"Private\","
               " \"external_id\": \"<m1@example.com>\", \"body\": \"x\"}",
               CS_OK);
    forged = as(db, "ingest",
                "{\"channel_id\": 1, \"sender\": \"mallory@example.com\","
                " \"external_id\": \"<m1@example.com>\", \"body\": \"y\"}",
                CS_OK);
    ck_assert(json_is_false(json_object_get(forged, "duplicate")));
    ck_assert(json_is_true(json_object_get(forged, "created")));
    ck_assert_int_ne(json_integer_value(json_object_get(forged, "ticket_id")),
                     json_integer_value(json_object_get(first, "ticket_id")));
    ck_assert_ptr_null(strstr(json_string_value(json_object_get(forged, "receipt")), "Anna"));
    ck_assert_ptr_null(strstr(json_string_value(json_object_get(forged, "receipt")), "Private"));
    /* Mallory names an id first; Anna's own mail with it is not lost. */
    json_decref(as(db, "ingest",
                   "{\"channel_id\": 1, \"sender\": \"mallory@example.com\","
                   " \"external_id\": \"<m2@example.com>\", \"body\": \"z\"}",
                   CS_OK));
    later = as(db, "ingest",
               "{\"channel_id\": 1, \"sender\": \"anna@example.com\","
               " \"external_id\": \"<m2@example.com>\", \"body\": \"mine\"}",
               CS_OK);
    ck_assert(json_is_false(json_object_get(later, "duplicate")));
    ck_assert_int_eq(t_sql_int(db, "SELECT count(*) FROM message WHERE body = 'mine'"), 1);
    /* Anna's own retry stays a retry, also after she was merged into another record. */
    json_decref(as(db, "customer.create", "{\"name\": \"Anna B.\"}", CS_OK));
    json_decref(as(db, "customer.merge", "{\"survivor_id\": 3, \"merged_id\": 1}", CS_OK));
    retry = as(db, "ingest",
               "{\"channel_id\": 1, \"sender\": \"anna@example.com\","
               " \"external_id\": \"<m1@example.com>\", \"body\": \"x\"}",
               CS_OK);
    ck_assert(json_is_true(json_object_get(retry, "duplicate")));
    json_decref(first), json_decref(forged), json_decref(later), json_decref(retry);
    cs_db_close(db);
}
END_TEST

Suite *cs_perm_suite(void)
{
    Suite *s = suite_create("perm");
    TCase *tc = tcase_create("perm");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_method_every_role);
    tcase_add_test(tc, docs_show_the_table);
    suite_add_tcase(s, tc);
    tc = tcase_create("holes");
    tcase_add_test(tc, actor_set_cannot_raise_rights);
    tcase_add_test(tc, no_header_injection);
    tcase_add_test(tc, customers_write_only_their_fields);
    tcase_add_test(tc, rights_are_read_at_every_call);
    tcase_add_test(tc, customers_see_no_configuration);
    tcase_add_test(tc, group_scoped_agents);
    tcase_add_test(tc, custom_values_are_checked);
    tcase_add_test(tc, forged_message_id_reveals_nothing);
    suite_add_tcase(s, tc);
    return s;
}
