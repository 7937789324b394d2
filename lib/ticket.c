/*
 * libcs - tickets: create, update with status rules, merge, lookup and listing.
 */
#include "config.h"

#include <string.h>

#include "cs-internal.h"
#include "react.h"
#include "perm.h"
#include "audit.h"
#include "custom.h"
#include "ticket.h"
#include "store/ticket.h"
#include "store/message.h"
#include "store/customer.h"
#include "store/agent.h"
#include "store/channel.h"

static const cs_name status_names[] = {
    {CS_STATUS_NEW, "new"},         {CS_STATUS_OPEN, "open"},     {CS_STATUS_PENDING, "pending"},
    {CS_STATUS_ON_HOLD, "on-hold"}, {CS_STATUS_SOLVED, "solved"}, {CS_STATUS_CLOSED, "closed"},
};
static const cs_name priority_names[] = {
    {CS_PRIORITY_LOW, "low"},
    {CS_PRIORITY_NORMAL, "normal"},
    {CS_PRIORITY_HIGH, "high"},
    {CS_PRIORITY_URGENT, "urgent"},
};
static const cs_name type_names[] = {
    {CS_TYPE_QUESTION, "question"},
    {CS_TYPE_INCIDENT, "incident"},
    {CS_TYPE_PROBLEM, "problem"},
    {CS_TYPE_TASK, "task"},
};

const char *cs_ticket_status_name(int status)
{
    return CS_NAME_OF(status_names, status);
}

int cs_ticket_status_parse(const char *name)
{
    return CS_NAME_PARSE(status_names, name);
}

const char *cs_ticket_priority_name(int priority)
{
    return CS_NAME_OF(priority_names, priority);
}

int cs_ticket_priority_parse(const char *name)
{
    return CS_NAME_PARSE(priority_names, name);
}

const char *cs_ticket_type_name(int type)
{
    return CS_NAME_OF(type_names, type);
}

int cs_ticket_type_parse(const char *name)
{
    return CS_NAME_PARSE(type_names, name);
}

int cs_ticket_status_allowed(int from, int to)
{
    if (!cs_ticket_status_name(from) || !cs_ticket_status_name(to) || to == CS_STATUS_NEW ||
        from == CS_STATUS_CLOSED)
        return 0;
    if (from == CS_STATUS_SOLVED)
        return to == CS_STATUS_OPEN || to == CS_STATUS_CLOSED;
    return to != from && to != CS_STATUS_CLOSED;
}

void cs_ticket_free(cs_ticket *t)
{
    if (!t)
        return;
    cs_ticket__clear(t);
    cs_mem__free(t);
}

/* The answer for a ticket that does not exist, and for one the actor may not see: the
 * same, so that nobody learns which of the two it is. */
static int not_found(const char *field, bool by_number, int64_t key)
{
    return cs_error__set(CS_ENOTFOUND, field, "ticket %s%lld does not exist", by_number ? "#" : "",
                         (long long)key);
}

/* What another module's missing object reads as. */
static int missing(const char *field, const char *what, int64_t id)
{
    return cs_error__set(CS_ENOTFOUND, field, "%s %lld does not exist", what, (long long)id);
}

/* Read a ticket without permission checks (the library's own use). */
static int load(cs_ticket **out, cs_db *db, bool by_number, int64_t key)
{
    cs_ticket *t = cs_mem__calloc(1, sizeof(*t));
    bool found;
    int rc;

    *out = NULL;
    if (!t)
        return cs_error__nomem();
    rc = by_number ? cs_store__ticket_get_number(t, &found, db, key)
                   : cs_store__ticket_get(t, &found, db, key);
    if (rc == CS_OK && !found)
        rc = not_found(by_number ? "number" : "id", by_number, key);
    if (rc < 0) {
        cs_ticket_free(t);
        return rc;
    }
    *out = t;
    return CS_OK;
}

int cs_ticket__get(cs_ticket **out, cs_db *db, int64_t id)
{
    return load(out, db, false, id);
}

int cs_ticket__lookup(cs_ticket **out, cs_db *db, const cs_actor *by, cs_cap cap, int64_t id,
                      const char *field)
{
    int rc;

    *out = NULL;
    if ((rc = load(out, db, false, id)) == CS_OK &&
        (rc = cs_perm__ticket(db, by, cap, *out, field)) < 0) {
        cs_ticket_free(*out);
        *out = NULL;
    }
    return rc == CS_ENOTFOUND ? cs_error__refield(field) : rc;
}

static int lookup(cs_ticket **out, cs_db *db, bool by_number, int64_t key)
{
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_TICKET_READ)) < 0 ||
        (rc = load(out, db, by_number, key)) < 0)
        return rc;
    if (cs_perm__ticket(db, &by, CS_CAP_TICKET_READ, *out, NULL) < 0) {
        cs_ticket_free(*out);
        *out = NULL;
        return not_found(by_number ? "number" : "id", by_number, key);
    }
    return CS_OK;
}

int cs_ticket_lookup(cs_ticket **out, cs_db *db, int64_t id)
{
    return lookup(out, db, false, id);
}

int cs_ticket_lookup_number(cs_ticket **out, cs_db *db, int64_t number)
{
    return lookup(out, db, true, number);
}

/* Validation of the fields both create and update take. */
static int check_enums(const cs_ticket_fields *f)
{
    if (f->status && !cs_ticket_status_name(f->status))
        return cs_error__inval("status", "unknown ticket status %d", f->status);
    if (f->priority && !cs_ticket_priority_name(f->priority))
        return cs_error__inval("priority", "unknown ticket priority %d", f->priority);
    if (f->type && !cs_ticket_type_name(f->type))
        return cs_error__inval("type", "unknown ticket type %d", f->type);
    return CS_OK;
}

static int check_fields(const cs_ticket_fields *f, bool create)
{
    int rc;

    if (!f)
        return cs_error__inval("fields", "fields is NULL");
    if (f->version != CS_TICKET_FIELDS_VERSION)
        return cs_error__inval("fields", "fields version %u is not %d", f->version,
                               CS_TICKET_FIELDS_VERSION);
    if ((rc = cs_check__text("subject", f->subject, CS_SUBJECT_MAX, create)) < 0)
        return rc;
    if (!create && f->subject && !*f->subject)
        return cs_error__inval("subject", "subject cannot be empty");
    if ((rc = check_enums(f)) < 0)
        return rc;
    if (create && f->customer_id <= 0)
        return cs_error__inval("customer_id", "customer_id is required");
    if (!create && f->customer_id)
        return cs_error__inval("customer_id", "a ticket's customer cannot change; merge instead");
    if (!create && f->channel_id)
        return cs_error__inval("channel_id", "a ticket's origin channel cannot change");
    if (f->channel_id < 0)
        return cs_error__inval("channel_id", "channel_id %lld is not valid",
                               (long long)f->channel_id);
    if (f->group_id < CS_ID_CLEAR || f->assignee_id < CS_ID_CLEAR)
        return cs_error__inval(f->group_id < CS_ID_CLEAR ? "group_id" : "assignee_id",
                               "ids are positive, or CS_ID_CLEAR");
    return CS_OK;
}

/* The rows checked here are their owners', read through their stores: the customer and
 * agent modules sit below tickets, channels beside them. */
static int check_customer(cs_db *db, int64_t id)
{
    int64_t merged_into = 0;
    cs_time erased_at = 0;
    int rc = cs_store__customer_state(&merged_into, &erased_at, db, id, "customer_id");

    if (rc == CS_ENOTFOUND)
        return missing("customer_id", "customer", id);
    if (rc < 0)
        return rc;
    if (merged_into)
        return cs_error__set(CS_ECONFLICT, "customer_id", "customer %lld was merged into %lld",
                             (long long)id, (long long)merged_into);
    if (erased_at)
        return cs_error__set(CS_ECONFLICT, "customer_id", "customer %lld was erased",
                             (long long)id);
    return CS_OK;
}

/* An assignee must be an active agent who may work tickets. */
static int check_assignee(cs_db *db, int64_t id)
{
    cs_agent__rights agent;
    bool found;
    int rc;

    if ((rc = cs_store__agent_rights(&agent, &found, db, id)) < 0)
        return rc;
    if (!found)
        return missing("assignee_id", "agent", id);
    if (!agent.active)
        return cs_error__inval("assignee_id", "agent %lld is inactive", (long long)id);
    if (agent.role == CS_ROLE_LIGHT)
        return cs_error__inval("assignee_id",
                               "agent %lld is a light agent and cannot be "
                               "assigned tickets",
                               (long long)id);
    return CS_OK;
}

static int check_group(cs_db *db, int64_t id)
{
    bool found;
    int rc;

    if ((rc = cs_store__agent_group_exists(&found, db, id)) < 0)
        return rc;
    return found ? CS_OK : missing("group_id", "group", id);
}

static int channel_default_group(cs_db *db, int64_t channel_id, int64_t *group)
{
    cs_channel *ch = NULL;
    int rc;

    if ((rc = cs_store__channel_get(&ch, db, channel_id)) < 0)
        return rc;
    if (!ch)
        return missing("channel_id", "channel", channel_id);
    *group = ch->default_group_id;
    cs_channel__free(ch);
    return CS_OK;
}

/* Customers open tickets for themselves and say only what a customer may say: the subject
 * and the custom fields an admin made customer-writable (checked with the custom object).
 * Everything else would change how the ticket is handled. */
int cs_ticket__may_open(const cs_actor *by, const cs_ticket_fields *f)
{
    static const char *denied = "customers may not set %s";
    const char *field = NULL;
    int rc;

    if (by->kind != CS_ACTOR_CUSTOMER)
        return CS_OK;
    if ((rc = cs_perm__self(by, CS_CAP_TICKET_CREATE, f->customer_id, "customer_id")) < 0)
        return rc;
    field = f->status        ? "status"
            : f->priority    ? "priority"
            : f->type        ? "type"
            : f->group_id    ? "group_id"
            : f->assignee_id ? "assignee_id"
            : f->channel_id  ? "channel_id"
            : f->tags        ? "tags"
                             : NULL;
    return field ? cs_error__set(CS_EPERM, field, denied, field) : CS_OK;
}

/* `known` (NULL: read and check them) is what the caller read in this transaction: the
 * customer exists and is neither merged nor erased, and the channel's default group,
 * which the channel's foreign key keeps existing. */
static int create(int64_t *id, cs_db *db, const cs_actor *by, const cs_ticket_fields *f,
                  const cs_ticket__known *known)
{
    int64_t channel_group = known ? known->channel_group : 0;
    int64_t group = f->group_id > 0 ? f->group_id : 0;
    cs_store__ticket_new row = {0};
    char *custom = NULL;
    cs_strv tags = {0};
    int rc;

    if (!known && (rc = check_customer(db, f->customer_id)) < 0)
        return rc;
    if (f->status && f->status != CS_STATUS_NEW && f->status != CS_STATUS_OPEN)
        return cs_error__inval("status", "a ticket starts as new or open, not %s",
                               cs_ticket_status_name(f->status));
    if (!known && f->channel_id &&
        (rc = channel_default_group(db, f->channel_id, &channel_group)) < 0)
        return rc;
    if (!group)
        group = channel_group;
    if (group && !(known && group == known->channel_group) && (rc = check_group(db, group)) < 0)
        return rc;
    if (f->assignee_id > 0 && (rc = check_assignee(db, f->assignee_id)) < 0)
        return rc;
    if ((rc = cs_custom__check(&custom, db, by, CS_CUSTOM_TICKET, "custom",
                               f->custom_json ? f->custom_json : "{}")) < 0 ||
        (rc = cs_strv__from_tags(&tags, "tags", f->tags, f->tags ? f->ntags : 0)) < 0)
        goto out;
    row.subject = f->subject;
    row.custom = custom;
    row.customer_id = f->customer_id;
    row.channel_id = f->channel_id;
    row.group_id = group;
    row.assignee_id = f->assignee_id;
    row.status = f->status ? f->status : CS_STATUS_NEW;
    row.priority = f->priority ? f->priority : CS_PRIORITY_NORMAL;
    row.type = f->type ? f->type : CS_TYPE_QUESTION;
    row.created_at = cs_db_now(db);
    if ((rc = cs_store__ticket_insert(id, db, &row)) < 0 ||
        (rc = cs_store__ticket_tags_add(db, *id, &tags)) < 0)
        goto out;
    if ((rc = cs_audit__record(db, by, "ticket", *id, *id, f->customer_id, "create", NULL, NULL,
                               NULL)) == CS_OK)
        rc = cs_react__note(db, *id, CS_REACT__CREATED, 0);
out:
    cs_mem__free(custom);
    cs_strv__free(&tags);
    return rc;
}

int cs_ticket__create(int64_t *id, cs_db *db, const cs_actor *by, const cs_ticket_fields *f)
{
    return create(id, db, by, f, NULL);
}

int cs_ticket__open(int64_t *id, cs_db *db, const cs_actor *by, const cs_ticket_fields *f,
                    const cs_ticket__known *known)
{
    return create(id, db, by, f, known);
}

int cs_ticket_create(int64_t *id, cs_db *db, const cs_ticket_fields *fields)
{
    cs_actor by;
    int rc;

    if (!id || !db)
        return cs_error__inval(id ? "db" : "id", "%s is NULL", id ? "db" : "id");
    *id = 0;
    if ((rc = check_fields(fields, true)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_TICKET_CREATE)) < 0 ||
        (rc = cs_ticket__may_open(&by, fields)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    rc = cs_react__end(db, cs_ticket__create(id, db, &by, fields));
    if (rc < 0)
        *id = 0;
    return rc;
}

/* Record a changed field in the audit trail. */
static int audit_change(cs_db *db, const cs_actor *by, const cs_ticket *t, const char *field,
                        const char *old_value, const char *new_value)
{
    if ((old_value == new_value) || (old_value && new_value && !strcmp(old_value, new_value)))
        return CS_OK;
    return cs_audit__record(db, by, "ticket", t->id, t->id, t->customer_id, "update", field,
                            old_value, new_value);
}

static int audit_ref(cs_db *db, const cs_actor *by, const cs_ticket *t, const char *field,
                     int64_t old_id, int64_t new_id)
{
    char a[24], b[24];
    return audit_change(db, by, t, field, cs_int__text(a, old_id, true),
                        cs_int__text(b, new_id, true));
}

/* Apply a status change and its time stamps. */
static int change_status(cs_ticket *t, int status, cs_time now)
{
    if (!status || status == t->status)
        return CS_OK;
    if (!cs_ticket_status_allowed(t->status, status))
        return cs_error__set(CS_ECONFLICT, "status", "ticket #%lld cannot go from %s to %s",
                             (long long)t->number, cs_ticket_status_name(t->status),
                             cs_ticket_status_name(status));
    if (status == CS_STATUS_SOLVED)
        t->solved_at = now;
    else if (status == CS_STATUS_CLOSED)
        t->closed_at = now;
    else
        t->solved_at = 0;
    t->status = status;
    return CS_OK;
}

int cs_ticket__touch(cs_db *db, int64_t id, cs_time at)
{
    return cs_store__ticket_touch(db, id, at);
}

/* Change the status of a ticket by the library itself (ingest reopening, auto-close). */
int cs_ticket__set_status(cs_db *db, const cs_actor *by, int64_t id, int status)
{
    cs_ticket *t = NULL;
    int old, rc;

    if ((rc = cs_ticket__get(&t, db, id)) < 0)
        return rc;
    old = t->status;
    t->updated_at = cs_db_now(db);
    if ((rc = change_status(t, status, t->updated_at)) == CS_OK && old != t->status &&
        (rc = cs_store__ticket_update(db, t)) == CS_OK &&
        (rc = audit_change(db, by, t, "status", cs_ticket_status_name(old),
                           cs_ticket_status_name(t->status))) == CS_OK)
        rc = cs_react__note(db, id, CS_REACT__STATUS, 0);
    cs_ticket_free(t);
    return rc;
}

static int update_refs(cs_db *db, const cs_actor *by, cs_ticket *t, const cs_ticket_fields *f)
{
    int64_t group = f->group_id == CS_ID_CLEAR ? 0 : f->group_id ? f->group_id : t->group_id;
    int64_t agent = f->assignee_id == CS_ID_CLEAR ? 0
                    : f->assignee_id              ? f->assignee_id
                                                  : t->assignee_id;
    int rc;

    if (group && group != t->group_id && (rc = check_group(db, group)) < 0)
        return rc;
    if (agent && agent != t->assignee_id && (rc = check_assignee(db, agent)) < 0)
        return rc;
    if ((rc = audit_ref(db, by, t, "group_id", t->group_id, group)) < 0 ||
        (rc = audit_ref(db, by, t, "assignee_id", t->assignee_id, agent)) < 0 ||
        ((group != t->group_id || agent != t->assignee_id) &&
         (rc = cs_react__note_assign(db, t->id, t->group_id, t->assignee_id, group, agent)) < 0))
        return rc;
    t->group_id = group;
    t->assignee_id = agent;
    return CS_OK;
}

static int update_texts(cs_db *db, const cs_actor *by, cs_ticket *t, const cs_ticket_fields *f)
{
    char *custom = NULL, *old_tags = NULL, *new_tags = NULL;
    cs_strv tags = {0};
    int rc = CS_OK;

    if (f->subject) {
        if ((rc = audit_change(db, by, t, "subject", t->subject, f->subject)) < 0)
            return rc;
        char *s = cs_mem__strdup(f->subject);
        if (!s)
            return cs_error__nomem();
        cs_mem__free(t->subject);
        t->subject = s;
    }
    if (f->custom_json) {
        if ((rc = cs_custom__check(&custom, db, by, CS_CUSTOM_TICKET, "custom", f->custom_json)) <
                0 ||
            (rc = audit_change(db, by, t, "custom", t->custom, custom)) < 0)
            goto out;
        cs_mem__free(t->custom);
        t->custom = custom;
        custom = NULL;
    }
    if (f->tags) {
        if ((rc = cs_strv__from_tags(&tags, "tags", f->tags, f->ntags)) < 0)
            goto out;
        if (!(old_tags = cs_strv__join(&t->tags)) || !(new_tags = cs_strv__join(&tags))) {
            rc = cs_error__nomem();
            goto out;
        }
        if (strcmp(old_tags, new_tags) != 0 &&
            ((rc = audit_change(db, by, t, "tags", old_tags, new_tags)) < 0 ||
             (rc = cs_store__ticket_tags_set(db, t->id, &tags)) < 0))
            goto out;
    }
out:
    cs_mem__free(custom);
    cs_mem__free(old_tags);
    cs_mem__free(new_tags);
    cs_strv__free(&tags);
    return rc;
}

int cs_ticket__update(cs_db *db, const cs_actor *by, int64_t id, const cs_ticket_fields *f)
{
    cs_ticket *t = NULL;
    int old_status, rc;

    if ((rc = cs_ticket__lookup(&t, db, by, CS_CAP_TICKET_WRITE, id, "id")) < 0)
        return rc;
    old_status = t->status;
    if (t->status == CS_STATUS_CLOSED) {
        rc = cs_error__set(CS_ECONFLICT, NULL, "ticket #%lld is closed", (long long)t->number);
        goto out;
    }
    t->updated_at = cs_db_now(db);
    if ((rc = change_status(t, f->status, t->updated_at)) < 0 ||
        (rc = audit_change(db, by, t, "status", cs_ticket_status_name(old_status),
                           cs_ticket_status_name(t->status))) < 0)
        goto out;
    if (f->priority &&
        (rc = audit_change(db, by, t, "priority", cs_ticket_priority_name(t->priority),
                           cs_ticket_priority_name(f->priority))) < 0)
        goto out;
    if (f->type && (rc = audit_change(db, by, t, "type", cs_ticket_type_name(t->type),
                                      cs_ticket_type_name(f->type))) < 0)
        goto out;
    t->priority = f->priority ? f->priority : t->priority;
    t->type = f->type ? f->type : t->type;
    if ((rc = update_refs(db, by, t, f)) < 0 || (rc = update_texts(db, by, t, f)) < 0)
        goto out;
    if ((rc = cs_store__ticket_update(db, t)) == CS_OK)
        rc = cs_react__note(db, id, old_status != t->status ? CS_REACT__STATUS : CS_REACT__FIELDS,
                            0);
out:
    cs_ticket_free(t);
    return rc;
}

int cs_ticket_update(cs_db *db, int64_t id, const cs_ticket_fields *fields)
{
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if ((rc = check_fields(fields, false)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_TICKET_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_react__end(db, cs_ticket__update(db, &by, id, fields));
}

static int merge(cs_db *db, const cs_actor *by, int64_t target_id, int64_t source_id)
{
    cs_ticket *target = NULL, *source = NULL;
    char a[24];
    int rc;

    if ((rc = cs_ticket__lookup(&target, db, by, CS_CAP_TICKET_WRITE, target_id, "target_id")) <
            0 ||
        (rc = cs_ticket__lookup(&source, db, by, CS_CAP_TICKET_WRITE, source_id, "source_id")) < 0)
        goto out;
    if (target->customer_id != source->customer_id) {
        rc = cs_error__set(CS_ECONFLICT, "source_id",
                           "tickets #%lld and #%lld belong to "
                           "different customers",
                           (long long)target->number, (long long)source->number);
        goto out;
    }
    if (target->status == CS_STATUS_CLOSED || source->status == CS_STATUS_CLOSED) {
        rc = cs_error__set(
            CS_ECONFLICT, target->status == CS_STATUS_CLOSED ? "target_id" : "source_id",
            "ticket #%lld is closed",
            (long long)(target->status == CS_STATUS_CLOSED ? target->number : source->number));
        goto out;
    }
    /* The messages' rows follow through their store: the message module sits above tickets
     * (a message checks and touches its ticket), so a merge does not call up into it. */
    if ((rc = cs_store__message_move(db, target_id, source_id)) < 0 ||
        (rc = cs_store__ticket_tags_merge(db, target_id, source_id)) < 0)
        goto out;
    source->updated_at = target->updated_at = cs_db_now(db);
    source->status = CS_STATUS_CLOSED;
    source->closed_at = source->updated_at;
    source->merged_into = target_id;
    if ((rc = cs_store__ticket_update(db, source)) < 0 ||
        (rc = cs_store__ticket_update(db, target)) < 0 ||
        (rc = cs_react__note(db, source_id, CS_REACT__STATUS, 0)) < 0)
        goto out;
    if ((rc = cs_audit__record(db, by, "ticket", source_id, source_id, source->customer_id, "merge",
                               "merged_into", NULL, cs_int__text(a, target_id, false))) < 0)
        goto out;
    rc = cs_audit__record(db, by, "ticket", target_id, target_id, target->customer_id, "merge",
                          "merged_from", NULL, cs_int__text(a, source_id, false));
out:
    cs_ticket_free(target);
    cs_ticket_free(source);
    return rc;
}

int cs_ticket_merge(cs_db *db, int64_t target_id, int64_t source_id)
{
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if (target_id == source_id)
        return cs_error__inval("source_id", "a ticket cannot be merged into itself");
    if ((rc = cs_perm__require(&by, db, CS_CAP_TICKET_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_react__end(db, merge(db, &by, target_id, source_id));
}

/* Getters. */
int64_t cs_ticket_id(const cs_ticket *t)
{
    return t ? t->id : 0;
}

int64_t cs_ticket_number(const cs_ticket *t)
{
    return t ? t->number : 0;
}

const char *cs_ticket_subject(const cs_ticket *t)
{
    return t ? t->subject : NULL;
}

int64_t cs_ticket_customer_id(const cs_ticket *t)
{
    return t ? t->customer_id : 0;
}

int64_t cs_ticket_channel_id(const cs_ticket *t)
{
    return t ? t->channel_id : 0;
}

int cs_ticket_status(const cs_ticket *t)
{
    return t ? t->status : 0;
}

int cs_ticket_priority(const cs_ticket *t)
{
    return t ? t->priority : 0;
}

int cs_ticket_type(const cs_ticket *t)
{
    return t ? t->type : 0;
}

int64_t cs_ticket_group_id(const cs_ticket *t)
{
    return t ? t->group_id : 0;
}

int64_t cs_ticket_assignee_id(const cs_ticket *t)
{
    return t ? t->assignee_id : 0;
}

const char *cs_ticket_custom_json(const cs_ticket *t)
{
    return t ? t->custom : NULL;
}

size_t cs_ticket_tag_count(const cs_ticket *t)
{
    return t ? t->tags.n : 0;
}

const char *cs_ticket_tag(const cs_ticket *t, size_t i)
{
    return t && i < t->tags.n ? t->tags.v[i] : NULL;
}

int64_t cs_ticket_merged_into(const cs_ticket *t)
{
    return t ? t->merged_into : 0;
}

cs_time cs_ticket_created_at(const cs_ticket *t)
{
    return t ? t->created_at : 0;
}

cs_time cs_ticket_updated_at(const cs_ticket *t)
{
    return t ? t->updated_at : 0;
}

cs_time cs_ticket_solved_at(const cs_ticket *t)
{
    return t ? t->solved_at : 0;
}

cs_time cs_ticket_closed_at(const cs_ticket *t)
{
    return t ? t->closed_at : 0;
}

/* Listing: the store reads the list; the logic checks the filter and says whose tickets
 * the actor may see. */
static int check_filter(const cs_ticket_filter *f)
{
    if (f->version != CS_TICKET_FILTER_VERSION)
        return cs_error__inval("filter", "filter version %u is not %d", f->version,
                               CS_TICKET_FILTER_VERSION);
    if (f->statuses & ~(unsigned)0x7E)
        return cs_error__inval("statuses", "statuses 0x%x names an unknown status", f->statuses);
    if (f->order != CS_ORDER_ID_ASC && f->order != CS_ORDER_ID_DESC)
        return cs_error__inval("order", "unknown order %d", f->order);
    if (f->tag && !*f->tag)
        return cs_error__inval("tag", "tag is empty");
    return CS_OK;
}

int cs_ticket_iter_new(cs_ticket_iter **out, cs_db *db, const cs_ticket_filter *filter)
{
    cs_ticket_filter all = CS_TICKET_FILTER_INIT;
    const cs_ticket_filter *f = filter ? filter : &all;
    cs_store__ticket_scope scope = {0};
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = check_filter(f)) < 0 || (rc = cs_perm__require(&by, db, CS_CAP_TICKET_READ)) < 0)
        return rc;
    if (by.kind == CS_ACTOR_CUSTOMER) {
        scope.customer_id = by.id;
        scope.org_id = by.org;
    } else {
        scope.agent_id = cs_perm__scope(&by);
    }
    return cs_store__ticket_list(out, db, f, &scope);
}

int cs_ticket_next(const cs_ticket **out, cs_ticket_iter *it)
{
    if (!out || !it)
        return cs_error__inval(out ? "it" : "out", "%s is NULL", out ? "it" : "out");
    *out = NULL;
    return cs_store__ticket_list_next(out, it);
}

void cs_ticket_iter_free(cs_ticket_iter *it)
{
    cs_store__ticket_list_free(it);
}
