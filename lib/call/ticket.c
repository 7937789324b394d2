/*
 * libcs - cs_call() methods for tickets.
 */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "call/call.h"
#include "ticket.h"

int cs_ticket_to_json(char **out, const cs_ticket *t)
{
    json_t *o, *tags;

    if (!out || !t)
        return cs_error__inval(out ? "ticket" : "out", "%s is NULL", out ? "ticket" : "out");
    *out = NULL;
    o = json_object();
    tags = json_array();
    for (size_t i = 0; tags && i < t->tags.n; i++)
        json_array_append_new(tags, json_string(t->tags.v[i]));
    if (!o || !tags || json_object_set_new(o, "id", json_integer(t->id)) ||
        json_object_set_new(o, "number", json_integer(t->number)) ||
        json_object_set_new(o, "subject", json_string(t->subject)) ||
        json_object_set_new(o, "customer_id", json_integer(t->customer_id)) ||
        json_object_set_new(o, "channel_id", cs_json__id(t->channel_id)) ||
        json_object_set_new(o, "status", json_string(cs_ticket_status_name(t->status))) ||
        json_object_set_new(o, "priority", json_string(cs_ticket_priority_name(t->priority))) ||
        json_object_set_new(o, "type", json_string(cs_ticket_type_name(t->type))) ||
        json_object_set_new(o, "group_id", cs_json__id(t->group_id)) ||
        json_object_set_new(o, "assignee_id", cs_json__id(t->assignee_id)) ||
        json_object_set_new(o, "custom", json_loads(t->custom, 0, NULL)) ||
        json_object_set_new(o, "tags", tags) ||
        json_object_set_new(o, "merged_into", cs_json__id(t->merged_into)) ||
        json_object_set_new(o, "created_at", cs_json__time(t->created_at)) ||
        json_object_set_new(o, "updated_at", cs_json__time(t->updated_at)) ||
        json_object_set_new(o, "solved_at", cs_json__time(t->solved_at)) ||
        json_object_set_new(o, "closed_at", cs_json__time(t->closed_at))) {
        json_decref(o);
        return cs_error__nomem();
    }
    return cs_json__dump(out, o);
}

static int ticket_fields(cs_call__req *r, cs_ticket_fields *f, char **custom, bool create)
{
    bool tags;
    int rc;

    if ((rc = cs_call__str(r, "subject", &f->subject, create)) < 0 ||
        (create && (rc = cs_call__id(r, "customer_id", &f->customer_id, true)) < 0) ||
        (create && (rc = cs_call__id(r, "channel_id", &f->channel_id, false)) < 0) ||
        (rc = cs_call__enum(r, "status", cs_ticket_status_parse, &f->status, false)) < 0 ||
        (rc = cs_call__enum(r, "priority", cs_ticket_priority_parse, &f->priority, false)) < 0 ||
        (rc = cs_call__enum(r, "type", cs_ticket_type_parse, &f->type, false)) < 0 ||
        (rc = cs_call__ref(r, "group_id", &f->group_id)) < 0 ||
        (rc = cs_call__ref(r, "assignee_id", &f->assignee_id)) < 0 ||
        (rc = cs_call__object_text(r, "custom", custom)) < 0 ||
        (rc = cs_call__strings(r, "tags", 0, &f->ntags, &tags)) < 0)
        return rc;
    f->custom_json = *custom;
    f->tags = tags ? r->strs[0] : NULL;
    return CS_OK;
}

int cs_call__ticket_json(json_t **out, cs_db *db, int64_t id)
{
    cs_ticket *t = NULL;
    char *text = NULL;
    int rc = cs_ticket_lookup(&t, db, id);

    if (rc == CS_OK)
        rc = cs_ticket_to_json(&text, t);
    cs_ticket_free(t);
    return cs_call__adopt(out, &text, rc);
}

/* The ticket a request has just written, in the same atomic section. Whoever may write it
 * sees the result once, also where the write took it out of their sight (a group-scoped agent
 * handing it to another group). */
int cs_call__written_ticket_json(json_t **out, cs_db *db, int64_t id)
{
    cs_ticket *t = NULL;
    char *text = NULL;
    int rc = cs_ticket__get(&t, db, id);

    if (rc == CS_OK)
        rc = cs_ticket_to_json(&text, t);
    cs_ticket_free(t);
    return cs_call__adopt(out, &text, rc);
}

static int m_ticket_create(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    char *custom = NULL;
    int64_t id;
    int rc;

    if ((rc = ticket_fields(r, &f, &custom, true)) == CS_OK && (rc = cs_call__done(r)) == CS_OK &&
        (rc = cs_ticket_create(&id, db, &f)) == CS_OK)
        rc = cs_call__written_ticket_json(out, db, id);
    free(custom);
    return rc;
}

static int m_ticket_update(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    char *custom = NULL;
    int64_t id = 0;
    int rc;

    if ((rc = cs_call__id(r, "id", &id, true)) == CS_OK &&
        (rc = ticket_fields(r, &f, &custom, false)) == CS_OK && (rc = cs_call__done(r)) == CS_OK &&
        (rc = cs_ticket_update(db, id, &f)) == CS_OK)
        rc = cs_call__written_ticket_json(out, db, id);
    free(custom);
    return rc;
}

/* A ticket by "id" or "number". */
static int req_ticket(cs_call__req *r, cs_db *db, int64_t *id)
{
    int64_t number = 0;
    cs_ticket *t = NULL;
    int rc;

    *id = 0;
    if ((rc = cs_call__id(r, "id", id, false)) < 0 ||
        (rc = cs_call__id(r, "number", &number, false)) < 0)
        return rc;
    if (!*id == !number)
        return cs_error__inval("id", "give either id or number");
    if (*id)
        return CS_OK;
    if ((rc = cs_ticket_lookup_number(&t, db, number)) < 0)
        return rc;
    *id = cs_ticket_id(t);
    cs_ticket_free(t);
    return CS_OK;
}

static int m_ticket_get(cs_db *db, cs_call__req *r, json_t **out)
{
    int messages = 0, rc;
    json_t *list = NULL;
    int64_t id;

    if ((rc = req_ticket(r, db, &id)) < 0 || (rc = cs_call__bool(r, "messages", &messages)) < 0 ||
        (rc = cs_call__done(r)) < 0 || (rc = cs_call__ticket_json(out, db, id)) < 0 || !messages)
        return rc;
    if ((rc = cs_call__messages_json(&list, db, id)) < 0) {
        json_decref(*out);
        *out = NULL;
        return rc;
    }
    json_object_set_new(*out, "messages", list);
    return CS_OK;
}

static int ticket_filter(cs_call__req *r, cs_ticket_filter *f)
{
    size_t n;
    bool given;
    int64_t limit = CS_CALL__LIST_DEFAULT;
    int rc;

    if ((rc = cs_call__strings(r, "status", 1, &n, &given)) < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        int s = cs_ticket_status_parse(r->strs[1][i]);
        if (!s)
            return cs_error__inval("status", "unknown status \"%s\"", r->strs[1][i]);
        f->statuses |= 1u << s;
    }
    if ((rc = cs_call__id(r, "customer_id", &f->customer_id, false)) < 0 ||
        (rc = cs_call__ref(r, "assignee_id", &f->assignee_id)) < 0 ||
        (rc = cs_call__ref(r, "group_id", &f->group_id)) < 0 ||
        (rc = cs_call__id(r, "channel_id", &f->channel_id, false)) < 0 ||
        (rc = cs_call__str(r, "tag", &f->tag, false)) < 0 ||
        (rc = cs_call__time(r, "created_from", &f->created_from, false)) < 0 ||
        (rc = cs_call__time(r, "created_to", &f->created_to, false)) < 0 ||
        (rc = cs_call__id(r, "after", &f->after, false)) < 0 ||
        (rc = cs_call__int(r, "limit", &limit, false)) < 0)
        return rc;
    const char *order = NULL;
    if ((rc = cs_call__str(r, "order", &order, false)) < 0)
        return rc;
    if (order && strcmp(order, "asc") && strcmp(order, "desc"))
        return cs_error__inval("order", "order must be \"asc\" or \"desc\"");
    f->order = order && !strcmp(order, "desc") ? CS_ORDER_ID_DESC : CS_ORDER_ID_ASC;
    if (limit < 1 || limit > CS_CALL__LIST_MAX)
        return cs_error__inval("limit", "limit must be between 1 and %d", CS_CALL__LIST_MAX);
    f->limit = (size_t)limit;
    return CS_OK;
}

static int m_ticket_list(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_ticket_filter f = CS_TICKET_FILTER_INIT;
    cs_ticket_iter *it = NULL;
    const cs_ticket *t;
    int64_t last = 0;
    json_t *arr;
    int rc;

    if ((rc = ticket_filter(r, &f)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_ticket_iter_new(&it, db, &f)) < 0)
        return rc;
    if (!(arr = json_array())) {
        cs_ticket_iter_free(it);
        return cs_error__nomem();
    }
    while ((rc = cs_ticket_next(&t, it)) == CS_OK) {
        char *text = NULL;
        json_t *o = NULL;
        if ((rc = cs_call__adopt(&o, &text, cs_ticket_to_json(&text, t))) < 0)
            break;
        json_array_append_new(arr, o);
        last = cs_ticket_id(t);
    }
    cs_ticket_iter_free(it);
    if (rc != CS_ITEROVER) {
        json_decref(arr);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "tickets", arr, "next_after",
                     json_array_size(arr) == f.limit ? json_integer(last) : json_null());
    return *out ? CS_OK : cs_error__nomem();
}

static int m_ticket_merge(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t target = 0, source = 0;
    int rc;

    if ((rc = cs_call__id(r, "target_id", &target, true)) < 0 ||
        (rc = cs_call__id(r, "source_id", &source, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_ticket_merge(db, target, source)) < 0)
        return rc;
    return cs_call__written_ticket_json(out, db, target);
}

static int m_reply(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_reply_options o = CS_REPLY_OPTIONS_INIT;
    int64_t ticket = 0, message = 0;
    const char *body;
    int rc;

    if ((rc = cs_call__id(r, "ticket_id", &ticket, true)) < 0 ||
        (rc = cs_call__str(r, "body", &body, true)) < 0 ||
        (rc = cs_call__id(r, "channel_id", &o.channel_id, false)) < 0 ||
        (rc = cs_call__str(r, "subject", &o.subject, false)) < 0 ||
        (rc = cs_call__str(r, "recipient", &o.recipient, false)) < 0 ||
        (rc = cs_call__str(r, "html", &o.html, false)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_reply(&message, db, ticket, body, &o)) < 0)
        return rc;
    return cs_call__with_id(out, "message_id", message);
}

#define STATUSES "new open pending on-hold solved closed"
#define PRIORITIES "low normal high urgent"
#define TYPES "question incident problem task"

/* A ticket as cs_ticket_to_json() writes it: its id with flags I, every other field with
 * flags O as well as its own. */
#define TICKET_OBJECT_(I, O)                                                                       \
    CS_CALL__F("id", CS_CALL__ID, I), CS_CALL__F("number", CS_CALL__INTEGER, O),                   \
        CS_CALL__F("subject", CS_CALL__STRING, O), CS_CALL__F("customer_id", CS_CALL__ID, O),      \
        CS_CALL__F("channel_id", CS_CALL__ID, (O) | CS_CALL__NULL),                                \
        CS_CALL__E("status", O, STATUSES), CS_CALL__E("priority", O, PRIORITIES),                  \
        CS_CALL__E("type", O, TYPES), CS_CALL__F("group_id", CS_CALL__ID, (O) | CS_CALL__NULL),    \
        CS_CALL__F("assignee_id", CS_CALL__ID, (O) | CS_CALL__NULL),                               \
        CS_CALL__F("custom", CS_CALL__OBJECT, O), CS_CALL__F("tags", CS_CALL__STRINGS, O),         \
        CS_CALL__F("merged_into", CS_CALL__ID, (O) | CS_CALL__NULL),                               \
        CS_CALL__F("created_at", CS_CALL__TIME, O), CS_CALL__F("updated_at", CS_CALL__TIME, O),    \
        CS_CALL__F("solved_at", CS_CALL__TIME, (O) | CS_CALL__NULL),                               \
        CS_CALL__F("closed_at", CS_CALL__TIME, (O) | CS_CALL__NULL)
#define TICKET_OBJECT TICKET_OBJECT_(0, 0)
const cs_call__field cs_call__ticket_fields[] = {TICKET_OBJECT, CS_CALL__END};
/* A ticket, or {"id": null} for none (route.next with nothing to take). */
const cs_call__field cs_call__ticket_or_none_fields[] = {
    TICKET_OBJECT_(CS_CALL__NULL, CS_CALL__OPT),
    CS_CALL__END,
};
/* ticket.get: with its messages when asked for them. */
static const cs_call__field ticket_with_messages[] = {
    TICKET_OBJECT,
    CS_CALL__S("messages", CS_CALL__ARRAY, CS_CALL__OPT, cs_call__message_fields),
    CS_CALL__END,
};
#define TICKET_WRITABLE                                                                            \
    CS_CALL__E("status", 0, STATUSES), CS_CALL__E("priority", 0, PRIORITIES),                      \
        CS_CALL__E("type", 0, TYPES), CS_CALL__F("group_id", CS_CALL__ID, CS_CALL__NULL),          \
        CS_CALL__F("assignee_id", CS_CALL__ID, CS_CALL__NULL),                                     \
        CS_CALL__F("custom", CS_CALL__OBJECT, 0), CS_CALL__F("tags", CS_CALL__STRINGS, 0)
static const cs_call__field create_request[] = {
    CS_CALL__F("subject", CS_CALL__STRING, CS_CALL__REQ),
    CS_CALL__F("customer_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__F("channel_id", CS_CALL__ID, 0),
    TICKET_WRITABLE,
    CS_CALL__END,
};
static const cs_call__field update_request[] = {
    CS_CALL__F("id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__F("subject", CS_CALL__STRING, 0),
    TICKET_WRITABLE,
    CS_CALL__END,
};
static const cs_call__field get_request[] = {
    CS_CALL__F("id", CS_CALL__ID, 0),
    CS_CALL__F("number", CS_CALL__ID, 0),
    CS_CALL__F("messages", CS_CALL__BOOLEAN, 0),
    CS_CALL__END,
};
static const cs_call__field list_request[] = {
    CS_CALL__F("status", CS_CALL__STRINGS, 0),
    CS_CALL__F("customer_id", CS_CALL__ID, 0),
    CS_CALL__F("assignee_id", CS_CALL__ID, CS_CALL__NULL),
    CS_CALL__F("group_id", CS_CALL__ID, CS_CALL__NULL),
    CS_CALL__F("channel_id", CS_CALL__ID, 0),
    CS_CALL__F("tag", CS_CALL__STRING, 0),
    CS_CALL__F("created_from", CS_CALL__TIME, 0),
    CS_CALL__F("created_to", CS_CALL__TIME, 0),
    CS_CALL__F("after", CS_CALL__ID, 0),
    CS_CALL__F("limit", CS_CALL__INTEGER, 0),
    CS_CALL__E("order", 0, "asc desc"),
    CS_CALL__END,
};
static const cs_call__field list_response[] = {
    CS_CALL__S("tickets", CS_CALL__ARRAY, 0, cs_call__ticket_fields),
    CS_CALL__F("next_after", CS_CALL__ID, CS_CALL__NULL),
    CS_CALL__END,
};
static const cs_call__field merge_request[] = {
    CS_CALL__F("target_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__F("source_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field reply_request[] = {
    CS_CALL__F("ticket_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__F("body", CS_CALL__STRING, CS_CALL__REQ),
    CS_CALL__F("channel_id", CS_CALL__ID, 0),
    CS_CALL__F("subject", CS_CALL__STRING, 0),
    CS_CALL__F("recipient", CS_CALL__STRING, 0),
    CS_CALL__F("html", CS_CALL__STRING, 0),
    CS_CALL__END,
};
static const cs_call__field reply_response[] = {
    CS_CALL__F("message_id", CS_CALL__ID, 0),
    CS_CALL__END,
};

const cs_call__method cs_call__ticket_methods[] = {
    {"ticket.create", m_ticket_create, CS_CAP_TICKET_CREATE, CS_CALL__ATOMIC,
     "Open a ticket for a customer (messages come in through ingest).", create_request,
     cs_call__ticket_fields},
    {"ticket.get", m_ticket_get, CS_CAP_TICKET_READ, 0,
     "Read a ticket by id or number, with its messages when asked.", get_request,
     ticket_with_messages},
    {"ticket.update", m_ticket_update, CS_CAP_TICKET_WRITE, CS_CALL__ATOMIC,
     "Change a ticket's fields; a status change must be one the workflow allows.", update_request,
     cs_call__ticket_fields},
    {"ticket.list", m_ticket_list, CS_CAP_TICKET_READ, 0,
     "List the tickets the actor may see, filtered, a page at a time (next_after continues).",
     list_request, list_response},
    {"ticket.merge", m_ticket_merge, CS_CAP_TICKET_WRITE, CS_CALL__ATOMIC,
     "Merge a ticket into another of the same customer: its messages move to the target.",
     merge_request, cs_call__ticket_fields},
    {"reply", m_reply, CS_CAP_TICKET_WRITE, 0,
     "Answer the customer: the reply is stored and queued in the outbox on the channel they "
     "last wrote on (or the one named).",
     reply_request, reply_response},
};
const size_t cs_call__ticket_count = CS_ARRAY_SIZE(cs_call__ticket_methods);
