/*
 * libcs - cs_call() methods for customers and organisations.
 */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "customer.h"
#include "call/call.h"

static int customer_identities(cs_call__req *r, size_t *n)
{
    json_t *v = cs_call__get(r, "identities"), *item;
    char field[CS_ERROR_FIELD_MAX];
    size_t i;

    *n = 0;
    if (!v)
        return CS_OK;
    if (!json_is_array(v) || json_array_size(v) > CS_CALL__MAX_ITEMS)
        return cs_call__type_error("identities", "an array of {\"kind\", \"value\"} objects");
    json_array_foreach(v, i, item) {
        json_t *kind = json_object_get(item, "kind"), *value = json_object_get(item, "value");
        snprintf(field, sizeof(field), "identities[%zu]", i);
        if (!json_is_object(item) || !json_is_string(kind) || !json_is_string(value) ||
            json_object_size(item) != 2)
            return cs_call__type_error(field, "an object with the strings \"kind\" and \"value\"");
        r->ids[i].kind = cs_identity_kind_parse(json_string_value(kind));
        if (!r->ids[i].kind)
            return cs_error__inval(field, "unknown identity kind \"%s\"", json_string_value(kind));
        r->ids[i].value = json_string_value(value);
        (*n)++;
    }
    return CS_OK;
}

static int customer_fields(cs_call__req *r, cs_customer_fields *f, char **custom, bool create)
{
    bool tags;
    int rc;

    if ((rc = cs_call__str(r, "name", &f->name, create)) < 0 ||
        (rc = cs_call__ref(r, "organization_id", &f->organization_id)) < 0 ||
        (rc = cs_call__str(r, "locale", &f->locale, false)) < 0 ||
        (rc = cs_call__str(r, "timezone", &f->timezone, false)) < 0 ||
        (rc = cs_call__object_text(r, "custom", custom)) < 0 ||
        (rc = cs_call__strings(r, "tags", 0, &f->ntags, &tags)) < 0)
        return rc;
    f->custom_json = *custom;
    f->tags = tags ? r->strs[0] : NULL;
    if (create && (rc = customer_identities(r, &f->nidentities)) == CS_OK)
        f->identities = r->ids;
    /* null clears the time zone */
    if (json_is_null(json_object_get(r->obj, "timezone")))
        f->timezone = "";
    return rc;
}

static int customer_json(json_t **out, cs_db *db, int64_t id)
{
    cs_customer *c = NULL;
    char *text = NULL;
    int rc = cs_customer_lookup(&c, db, id);

    if (rc == CS_OK)
        rc = cs_customer_to_json(&text, c);
    cs_customer_free(c);
    return cs_call__adopt(out, &text, rc);
}

static int m_customer_create(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    char *custom = NULL;
    int64_t id;
    int rc;

    if ((rc = customer_fields(r, &f, &custom, true)) == CS_OK && (rc = cs_call__done(r)) == CS_OK &&
        (rc = cs_customer_create(&id, db, &f)) == CS_OK)
        rc = customer_json(out, db, id);
    free(custom);
    return rc;
}

static int m_customer_update(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    char *custom = NULL;
    int64_t id = 0;
    int rc;

    if ((rc = cs_call__id(r, "id", &id, true)) == CS_OK &&
        (rc = customer_fields(r, &f, &custom, false)) == CS_OK &&
        (rc = cs_call__done(r)) == CS_OK && (rc = cs_customer_update(db, id, &f)) == CS_OK)
        rc = customer_json(out, db, id);
    free(custom);
    return rc;
}

static int m_customer_get(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t id = 0;
    int rc;

    if ((rc = cs_call__id(r, "id", &id, true)) < 0 || (rc = cs_call__done(r)) < 0)
        return rc;
    return customer_json(out, db, id);
}

static int m_customer_find(cs_db *db, cs_call__req *r, json_t **out)
{
    const char *value;
    int kind = 0, rc;
    cs_customer *c = NULL;
    char *text = NULL;

    if ((rc = cs_call__enum(r, "kind", cs_identity_kind_parse, &kind, true)) < 0 ||
        (rc = cs_call__str(r, "value", &value, true)) < 0 || (rc = cs_call__done(r)) < 0)
        return rc;
    if ((rc = cs_customer_find(&c, db, kind, value)) == CS_OK)
        rc = cs_customer_to_json(&text, c);
    cs_customer_free(c);
    return cs_call__adopt(out, &text, rc);
}

static int m_customer_identity(cs_db *db, cs_call__req *r, json_t **out, bool add)
{
    const char *value;
    int64_t id = 0;
    int kind = 0, rc;

    if ((rc = cs_call__id(r, "id", &id, true)) < 0 ||
        (rc = cs_call__enum(r, "kind", cs_identity_kind_parse, &kind, true)) < 0 ||
        (rc = cs_call__str(r, "value", &value, true)) < 0 || (rc = cs_call__done(r)) < 0)
        return rc;
    rc = add ? cs_customer_add_identity(db, id, kind, value)
             : cs_customer_remove_identity(db, id, kind, value);
    return rc < 0 ? rc : customer_json(out, db, id);
}

static int m_customer_add_identity(cs_db *db, cs_call__req *r, json_t **out)
{
    return m_customer_identity(db, r, out, true);
}

static int m_customer_remove_identity(cs_db *db, cs_call__req *r, json_t **out)
{
    return m_customer_identity(db, r, out, false);
}

static int m_customer_list(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t org = 0, after = 0, limit = CS_CALL__LIST_DEFAULT, last = 0;
    cs_customer_iter *it = NULL;
    const cs_customer *c;
    json_t *arr;
    int rc;

    if ((rc = cs_call__id(r, "organization_id", &org, false)) < 0 ||
        (rc = cs_call__id(r, "after", &after, false)) < 0 ||
        (rc = cs_call__int(r, "limit", &limit, false)) < 0 || (rc = cs_call__done(r)) < 0)
        return rc;
    if (limit < 1 || limit > CS_CALL__LIST_MAX)
        return cs_error__inval("limit", "limit must be between 1 and %d", CS_CALL__LIST_MAX);
    if ((rc = cs_customer_iter_new(&it, db, org, after, (size_t)limit)) < 0)
        return rc;
    if (!(arr = json_array())) {
        cs_customer_iter_free(it);
        return cs_error__nomem();
    }
    while ((rc = cs_customer_next(&c, it)) == CS_OK) {
        char *text = NULL;
        json_t *o = NULL;
        if ((rc = cs_call__adopt(&o, &text, cs_customer_to_json(&text, c))) < 0)
            break;
        json_array_append_new(arr, o);
        last = cs_customer_id(c);
    }
    cs_customer_iter_free(it);
    if (rc != CS_ITEROVER) {
        json_decref(arr);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "customers", arr, "next_after",
                     json_array_size(arr) == (size_t)limit ? json_integer(last) : json_null());
    return *out ? CS_OK : cs_error__nomem();
}

static int m_customer_merge(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t survivor = 0, merged = 0, merge_id = 0;
    int rc;

    if ((rc = cs_call__id(r, "survivor_id", &survivor, true)) < 0 ||
        (rc = cs_call__id(r, "merged_id", &merged, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_customer_merge(&merge_id, db, survivor, merged)) < 0)
        return rc;
    return cs_call__with_id(out, "merge_id", merge_id);
}

static int m_customer_unmerge(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t merge_id = 0;
    int rc;

    if ((rc = cs_call__id(r, "merge_id", &merge_id, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_customer_unmerge(db, merge_id)) < 0)
        return rc;
    return cs_call__ok(out);
}

static int m_customer_export(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t id = 0;
    char *text = NULL;
    int rc;

    if ((rc = cs_call__id(r, "id", &id, true)) < 0 || (rc = cs_call__done(r)) < 0)
        return rc;
    return cs_call__adopt(out, &text, cs_customer_export(&text, db, id));
}

static int m_customer_erase(cs_db *db, cs_call__req *r, json_t **out)
{
    int64_t id = 0;
    int rc;

    if ((rc = cs_call__id(r, "id", &id, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_customer_erase(db, id)) < 0)
        return rc;
    return cs_call__ok(out);
}

static int m_organization_create(cs_db *db, cs_call__req *r, json_t **out)
{
    const char *name;
    int shared = 0, rc;
    int64_t id;

    if ((rc = cs_call__str(r, "name", &name, true)) < 0 ||
        (rc = cs_call__bool(r, "shared_tickets", &shared)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_organization_create(&id, db, name, shared)) < 0)
        return rc;
    return cs_call__with_id(out, "id", id);
}

#define IDENTITY_KINDS "email phone twitter facebook whatsapp chat external"

static const cs_call__field identity_fields[] = {
    CS_CALL__E("kind", 0, IDENTITY_KINDS),
    CS_CALL__F("value", CS_CALL__STRING, 0),
    CS_CALL__END,
};
/* A customer as cs_customer_to_json() writes it. */
static const cs_call__field customer_object[] = {
    CS_CALL__F("id", CS_CALL__ID, 0),
    CS_CALL__F("name", CS_CALL__STRING, 0),
    CS_CALL__F("organization_id", CS_CALL__ID, CS_CALL__NULL),
    CS_CALL__F("locale", CS_CALL__STRING, 0),
    CS_CALL__F("timezone", CS_CALL__STRING, CS_CALL__NULL),
    CS_CALL__F("custom", CS_CALL__OBJECT, 0),
    CS_CALL__F("tags", CS_CALL__STRINGS, 0),
    CS_CALL__S("identities", CS_CALL__ARRAY, 0, identity_fields),
    CS_CALL__F("merged_into", CS_CALL__ID, CS_CALL__NULL),
    CS_CALL__F("erased_at", CS_CALL__TIME, CS_CALL__NULL),
    CS_CALL__F("created_at", CS_CALL__TIME, 0),
    CS_CALL__F("updated_at", CS_CALL__TIME, 0),
    CS_CALL__END,
};
#define CUSTOMER_WRITABLE                                                                          \
    CS_CALL__F("organization_id", CS_CALL__ID, CS_CALL__NULL),                                     \
        CS_CALL__F("locale", CS_CALL__STRING, 0),                                                  \
        CS_CALL__F("timezone", CS_CALL__STRING, CS_CALL__NULL),                                    \
        CS_CALL__F("custom", CS_CALL__OBJECT, 0), CS_CALL__F("tags", CS_CALL__STRINGS, 0)
static const cs_call__field create_request[] = {
    CS_CALL__F("name", CS_CALL__STRING, CS_CALL__REQ),
    CUSTOMER_WRITABLE,
    CS_CALL__S("identities", CS_CALL__ARRAY, 0, identity_fields),
    CS_CALL__END,
};
static const cs_call__field update_request[] = {
    CS_CALL__F("id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__F("name", CS_CALL__STRING, 0),
    CUSTOMER_WRITABLE,
    CS_CALL__END,
};
static const cs_call__field find_request[] = {
    CS_CALL__E("kind", CS_CALL__REQ, IDENTITY_KINDS),
    CS_CALL__F("value", CS_CALL__STRING, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field identity_request[] = {
    CS_CALL__F("id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__E("kind", CS_CALL__REQ, IDENTITY_KINDS),
    CS_CALL__F("value", CS_CALL__STRING, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field list_request[] = {
    CS_CALL__F("organization_id", CS_CALL__ID, 0),
    CS_CALL__F("after", CS_CALL__ID, 0),
    CS_CALL__F("limit", CS_CALL__INTEGER, 0),
    CS_CALL__END,
};
static const cs_call__field list_response[] = {
    CS_CALL__S("customers", CS_CALL__ARRAY, 0, customer_object),
    CS_CALL__F("next_after", CS_CALL__ID, CS_CALL__NULL),
    CS_CALL__END,
};
static const cs_call__field merge_request[] = {
    CS_CALL__F("survivor_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__F("merged_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field merge_response[] = {
    CS_CALL__F("merge_id", CS_CALL__ID, 0),
    CS_CALL__END,
};
static const cs_call__field unmerge_request[] = {
    CS_CALL__F("merge_id", CS_CALL__ID, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field export_response[] = {
    CS_CALL__S("customer", CS_CALL__OBJECT, 0, customer_object),
    CS_CALL__F("identities", CS_CALL__ARRAY, 0),
    CS_CALL__F("tickets", CS_CALL__ARRAY, 0),
    CS_CALL__F("audit", CS_CALL__ARRAY, 0),
    CS_CALL__END,
};
static const cs_call__field organization_request[] = {
    CS_CALL__F("name", CS_CALL__STRING, CS_CALL__REQ),
    CS_CALL__F("shared_tickets", CS_CALL__BOOLEAN, 0),
    CS_CALL__END,
};

const cs_call__method cs_call__customer_methods[] = {
    {"organization.create", m_organization_create, CS_CAP_CUSTOMER_WRITE, 0,
     "Create an organisation; shared_tickets lets its members see each other's tickets.",
     organization_request, cs_call__id_fields},
    {"customer.create", m_customer_create, CS_CAP_CUSTOMER_WRITE, CS_CALL__ATOMIC,
     "Create a customer with its identities.", create_request, customer_object},
    {"customer.get", m_customer_get, CS_CAP_CUSTOMER_READ, 0, "Read a customer.",
     cs_call__id_request, customer_object},
    {"customer.find", m_customer_find, CS_CAP_CUSTOMER_READ, 0,
     "Find the customer who has an identity (the value is normalised first).", find_request,
     customer_object},
    {"customer.update", m_customer_update, CS_CAP_CUSTOMER_WRITE, CS_CALL__ATOMIC,
     "Change a customer's fields; what is not given stays.", update_request, customer_object},
    {"customer.list", m_customer_list, CS_CAP_CUSTOMER_LIST, 0,
     "List customers by id, a page at a time (next_after continues).", list_request, list_response},
    {"customer.add_identity", m_customer_add_identity, CS_CAP_CUSTOMER_WRITE, CS_CALL__ATOMIC,
     "Add an identity to a customer.", identity_request, customer_object},
    {"customer.remove_identity", m_customer_remove_identity, CS_CAP_CUSTOMER_WRITE, CS_CALL__ATOMIC,
     "Remove an identity from a customer.", identity_request, customer_object},
    {"customer.merge", m_customer_merge, CS_CAP_CUSTOMER_WRITE, 0,
     "Merge one customer into another: identities, tickets and tags move to the survivor.",
     merge_request, merge_response},
    {"customer.unmerge", m_customer_unmerge, CS_CAP_CUSTOMER_WRITE, 0,
     "Undo a merge: what moved goes back.", unmerge_request, cs_call__no_fields},
    {"customer.export", m_customer_export, CS_CAP_CUSTOMER_EXPORT, 0,
     "Everything stored about a customer: record, identities, tickets with messages, audit.",
     cs_call__id_request, export_response},
    {"customer.erase", m_customer_erase, CS_CAP_CUSTOMER_ERASE, 0,
     "Erase a customer's personal data everywhere, keeping anonymous statistics.",
     cs_call__id_request, cs_call__no_fields},
};
const size_t cs_call__customer_count = CS_ARRAY_SIZE(cs_call__customer_methods);
