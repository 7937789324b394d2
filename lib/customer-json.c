/*
 * libcs - a customer as JSON: what cs_call() answers and cs_customer_export() writes.
 */
#include "config.h"

#include <jansson.h>

#include "cs-internal.h"
#include "customer.h"

/* json_object_set_new() and json_array_append_new() take NULL values and non-objects
 * and fail cleanly, so a failed allocation anywhere shows up as a non-zero `bad`. */
static json_t *customer_object(const cs_customer *c)
{
    json_t *o = json_object(), *tags = json_array(), *ids = json_array();
    int bad = 0;

    bad |= json_object_set_new(o, "tags", tags);
    bad |= json_object_set_new(o, "identities", ids);
    bad |= json_object_set_new(o, "id", json_integer(c->id));
    bad |= json_object_set_new(o, "name", cs_json__text(c->name));
    bad |= json_object_set_new(o, "organization_id", cs_json__id(c->organization_id));
    bad |= json_object_set_new(o, "locale", cs_json__text(c->locale));
    bad |= json_object_set_new(o, "timezone", cs_json__text(c->timezone));
    bad |= json_object_set_new(o, "custom", json_loads(c->custom, 0, NULL));
    bad |= json_object_set_new(o, "merged_into", cs_json__id(c->merged_into));
    bad |= json_object_set_new(o, "erased_at", cs_json__time(c->erased_at));
    bad |= json_object_set_new(o, "created_at", cs_json__time(c->created_at));
    bad |= json_object_set_new(o, "updated_at", cs_json__time(c->updated_at));
    for (size_t i = 0; i < c->tags.n; i++)
        bad |= json_array_append_new(tags, json_string(c->tags.v[i]));
    for (size_t i = 0; i < c->nidentities; i++)
        bad |= json_array_append_new(ids, json_pack("{s:s, s:s}", "kind",
                                                    cs_identity_kind_name(c->identities[i].kind),
                                                    "value", c->identities[i].value));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int cs_customer_to_json(char **out, const cs_customer *c)
{
    if (out)
        *out = NULL;
    if (!out || !c)
        return cs_error__inval(out ? "customer" : "out", "%s is NULL", out ? "customer" : "out");
    return cs_json__dump(out, customer_object(c));
}
