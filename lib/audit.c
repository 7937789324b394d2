/*
 * libcs - the audit trail: every mutation records who, what and when in its own
 * transaction.
 */
#include "config.h"

#include <string.h>

#include "cs-internal.h"
#include "perm.h"
#include "audit.h"
#include "store/audit.h"

int cs_audit__record(cs_db *db, const cs_actor *by, const char *object, int64_t object_id,
                     int64_t ticket_id, int64_t customer_id, const char *action, const char *field,
                     const char *old_value, const char *new_value)
{
    cs_audit_entry e = {
        .at = cs_db_now(db),
        .actor_kind = by->kind,
        .actor_id = by->id,
        .object = object,
        .object_id = object_id,
        .action = action,
        .field = field,
        .old_value = old_value,
        .new_value = new_value,
    };

    return cs_store__audit_insert(db, &e, ticket_id, customer_id);
}

int cs_audit_iter_new(cs_audit_iter **out, cs_db *db, int scope, int64_t id, const char *object)
{
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    switch (scope) {
    case CS_AUDIT_TICKET:
    case CS_AUDIT_CUSTOMER:
        break;
    case CS_AUDIT_OBJECT:
        if (!object || (strcmp(object, "channel") && strcmp(object, "agent") &&
                        strcmp(object, "group") && strcmp(object, "organization") &&
                        strcmp(object, "calendar") && strcmp(object, "sla_policy") &&
                        strcmp(object, "custom_field") && strcmp(object, "setting")))
            return cs_error__inval("object", "object must be channel, agent, group, "
                                             "organization, calendar, sla_policy, "
                                             "custom_field or setting for CS_AUDIT_OBJECT");
        break;
    default:
        return cs_error__inval("scope", "unknown audit scope %d", scope);
    }
    if ((rc = cs_perm__require(&by, db, CS_CAP_AUDIT_READ)) < 0)
        return rc;
    /* A ticket's trail is read as the ticket is; the others span groups. */
    if (scope == CS_AUDIT_TICKET)
        rc = cs_perm__ticket_id(db, &by, CS_CAP_TICKET_READ, id, "id");
    else
        rc = cs_perm__unscoped(&by, CS_CAP_AUDIT_READ);
    if (rc < 0)
        return rc;
    return cs_store__audit_list(out, db, scope, id, object);
}

int cs_audit_next(const cs_audit_entry **out, cs_audit_iter *it)
{
    if (!out || !it)
        return cs_error__inval(out ? "it" : "out", "%s is NULL", out ? "it" : "out");
    *out = NULL;
    return cs_store__audit_list_next(out, it);
}

void cs_audit_iter_free(cs_audit_iter *it)
{
    cs_store__audit_list_free(it);
}

const char *cs_update__text(const char *old_value, const char *given)
{
    if (!given)
        return old_value;
    return *given ? given : NULL;
}

int cs_update__int(int old_value, int given)
{
    return given == CS_UNSET ? old_value : given;
}

int64_t cs_update__id(int64_t old_value, int64_t given)
{
    if (given == 0)
        return old_value;
    return given == CS_ID_CLEAR ? 0 : given;
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

void cs_change__text(cs_change *c, const char *field, const char *old_value, const char *new_value)
{
    if (c->rc < 0 || same_text(old_value, new_value))
        return;
    c->rc = cs_audit__record(c->db, c->by, c->object, c->object_id, c->ticket_id, c->customer_id,
                             "update", field, old_value, new_value);
    c->count++;
}

void cs_change__bool(cs_change *c, const char *field, int old_value, int new_value)
{
    cs_change__text(c, field, old_value ? "true" : "false", new_value ? "true" : "false");
}

void cs_change__id(cs_change *c, const char *field, int64_t old_value, int64_t new_value)
{
    char old_buf[24], new_buf[24];

    cs_change__text(c, field, cs_int__text(old_buf, old_value, true),
                    cs_int__text(new_buf, new_value, true));
}
