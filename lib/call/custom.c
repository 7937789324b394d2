/*
 * libcs - cs_call() methods for custom-field definitions.
 */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "call/call.h"

/* A definition as its JSON object; NULL when jansson runs out of memory. */
static json_t *definition_value(const cs_custom_field *f)
{
    return json_pack("{s:s, s:s, s:s, s:b}", "object", cs_custom_object_name(f->object), "name",
                     f->name, "type", cs_custom_type_name(f->type ? f->type : CS_CUSTOM_ANY),
                     "customer_writable", f->customer_writable);
}

static int m_custom_field_define(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_custom_field f = CS_CUSTOM_FIELD_INIT;
    int rc;

    if ((rc = cs_call__enum(r, "object", cs_custom_object_parse, &f.object, true)) < 0 ||
        (rc = cs_call__str(r, "name", &f.name, true)) < 0 ||
        (rc = cs_call__enum(r, "type", cs_custom_type_parse, &f.type, false)) < 0 ||
        (rc = cs_call__bool(r, "customer_writable", &f.customer_writable)) < 0 ||
        (rc = cs_call__done(r)) < 0 || (rc = cs_custom_field_define(db, &f)) < 0)
        return rc;
    *out = definition_value(&f);
    return *out ? CS_OK : cs_error__nomem();
}

static int m_custom_field_remove(cs_db *db, cs_call__req *r, json_t **out)
{
    const char *name;
    int object = 0, rc;

    if ((rc = cs_call__enum(r, "object", cs_custom_object_parse, &object, true)) < 0 ||
        (rc = cs_call__str(r, "name", &name, true)) < 0 || (rc = cs_call__done(r)) < 0 ||
        (rc = cs_custom_field_remove(db, object, name)) < 0)
        return rc;
    return cs_call__ok(out);
}

static int m_custom_field_list(cs_db *db, cs_call__req *r, json_t **out)
{
    cs_custom_field_list *list = NULL;
    json_t *arr = NULL;
    int object = 0, rc;

    if ((rc = cs_call__enum(r, "object", cs_custom_object_parse, &object, false)) < 0 ||
        (rc = cs_call__done(r)) < 0 || (rc = cs_custom_field_list_get(&list, db, object)) < 0)
        return rc;
    if (!(arr = json_array()))
        rc = cs_error__nomem();
    for (size_t i = 0; rc == CS_OK && i < cs_custom_field_list_count(list); i++)
        if (json_array_append_new(arr, definition_value(cs_custom_field_list_item(list, i))) < 0)
            rc = cs_error__nomem();
    cs_custom_field_list_free(list);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = json_pack("{s:o}", "fields", arr);
    return *out ? CS_OK : cs_error__nomem();
}

#define OBJECTS "ticket customer"
#define TYPES "any text number boolean"

static const cs_call__field definition_object[] = {
    CS_CALL__E("object", 0, OBJECTS),
    CS_CALL__F("name", CS_CALL__STRING, 0),
    CS_CALL__E("type", 0, TYPES),
    CS_CALL__F("customer_writable", CS_CALL__BOOLEAN, 0),
    CS_CALL__END,
};
static const cs_call__field define_request[] = {
    CS_CALL__E("object", CS_CALL__REQ, OBJECTS),
    CS_CALL__F("name", CS_CALL__STRING, CS_CALL__REQ),
    CS_CALL__E("type", 0, TYPES),
    CS_CALL__F("customer_writable", CS_CALL__BOOLEAN, 0),
    CS_CALL__END,
};
static const cs_call__field remove_request[] = {
    CS_CALL__E("object", CS_CALL__REQ, OBJECTS),
    CS_CALL__F("name", CS_CALL__STRING, CS_CALL__REQ),
    CS_CALL__END,
};
static const cs_call__field list_request[] = {
    CS_CALL__E("object", 0, OBJECTS),
    CS_CALL__END,
};
static const cs_call__field list_response[] = {
    CS_CALL__S("fields", CS_CALL__ARRAY, 0, definition_object),
    CS_CALL__END,
};

const cs_call__method cs_call__custom_methods[] = {
    {"custom_field.define", m_custom_field_define, CS_CAP_CONFIG_WRITE, 0,
     "Define (or redefine) a custom field of tickets or customers: its type and whether "
     "customers may write it.",
     define_request, definition_object},
    {"custom_field.remove", m_custom_field_remove, CS_CAP_CONFIG_WRITE, 0,
     "Remove a custom field's definition.", remove_request, cs_call__no_fields},
    {"custom_field.list", m_custom_field_list, CS_CAP_CONFIG_READ, 0,
     "The custom-field definitions, of one object or both.", list_request, list_response},
};
const size_t cs_call__custom_count = CS_ARRAY_SIZE(cs_call__custom_methods);
