/*
 * libcs - cs_call() methods for the audit trail.
 */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "call/call.h"

static json_t *audit_entry_json(const cs_audit_entry *e)
{
    static const char *actors[] = {"system", "agent", "customer"};
    char buf[32];
    return json_pack(
        "{s:I, s:s, s:{s:s, s:o}, s:s, s:I, s:s, s:o, s:o, s:o}", "id", (json_int_t)e->id, "at",
        cs_time__iso(buf, e->at), "actor", "kind", actors[e->actor_kind], "id",
        e->actor_id ? json_integer(e->actor_id) : json_null(), "object", e->object, "object_id",
        (json_int_t)e->object_id, "action", e->action, "field", cs_json__text(e->field), "old",
        cs_json__text(e->old_value), "new", cs_json__text(e->new_value));
}

static int m_audit_list(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t ticket = 0, customer = 0, object_id = 0;
    const char *object;
    const cs_audit_entry *e;
    cs_audit_iter *it = NULL;
    json_t *arr;
    int rc;

    if ((rc = cs_call__id(r, "ticket_id", &ticket, false)) < 0 ||
        (rc = cs_call__id(r, "customer_id", &customer, false)) < 0 ||
        (rc = cs_call__str(r, "object", &object, false)) < 0 ||
        (rc = cs_call__id(r, "object_id", &object_id, false)) < 0 || (rc = cs_call__done(r)) < 0)
        return rc;
    if ((ticket != 0) + (customer != 0) + (object != NULL) != 1)
        return cs_error__inval("ticket_id", "give one of ticket_id, customer_id, or object "
                                            "with object_id");
    rc = ticket     ? cs_audit_iter_new(&it, db, CS_AUDIT_TICKET, ticket, NULL)
         : customer ? cs_audit_iter_new(&it, db, CS_AUDIT_CUSTOMER, customer, NULL)
                    : cs_audit_iter_new(&it, db, CS_AUDIT_OBJECT, object_id, object);
    if (rc < 0)
        return rc;
    if (!(arr = json_array())) {
        cs_audit_iter_free(it);
        return cs_error__nomem();
    }
    while ((rc = cs_audit_next(&e, it)) == CS_OK)
        json_array_append_new(arr, audit_entry_json(e));
    cs_audit_iter_free(it);
    if (rc != CS_ITEROVER) {
        json_decref(arr);
        return rc;
    }
    *out = json_pack("{s:o}", "entries", arr);
    return *out ? CS_OK : cs_error__nomem();
}

/* The catalogue -------------------------------------------------------------------------- */

static const cs_call__field list_request[] = {
    CS_CALL__F("ticket_id", CS_CALL__ID, 0),
    CS_CALL__F("customer_id", CS_CALL__ID, 0),
    CS_CALL__E("object", 0,
               "channel agent group organization calendar sla_policy custom_field setting"),
    CS_CALL__F("object_id", CS_CALL__ID, 0),
    CS_CALL__END,
};
static const cs_call__field actor_fields[] = {
    CS_CALL__E("kind", 0, "system agent customer"),
    CS_CALL__F("id", CS_CALL__ID, CS_CALL__NULL),
    CS_CALL__END,
};
/* audit_entry_json() */
static const cs_call__field entry_fields[] = {
    CS_CALL__F("id", CS_CALL__ID, 0),
    CS_CALL__F("at", CS_CALL__TIME, 0),
    CS_CALL__S("actor", CS_CALL__OBJECT, 0, actor_fields),
    CS_CALL__F("object", CS_CALL__STRING, 0),
    CS_CALL__F("object_id", CS_CALL__ID, 0),
    CS_CALL__F("action", CS_CALL__STRING, 0),
    CS_CALL__F("field", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("old", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("new", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__END,
};
static const cs_call__field list_response[] = {
    CS_CALL__S("entries", CS_CALL__ARRAY, 0, entry_fields),
    CS_CALL__END,
};

const cs_call__method cs_call__audit_methods[] = {
    {"audit.list", m_audit_list, CS_CAP_AUDIT_READ, 0,
     "List the audit trail of a ticket, a customer or another object, oldest first.", list_request,
     list_response},
};
const size_t cs_call__audit_count = CS_ARRAY_SIZE(cs_call__audit_methods);
