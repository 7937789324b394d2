/*
 * libcs - a customer's personal data across the modules: erasure and export.
 *
 * A customer's data lives in many owners' tables: the customer's own rows, the outbox's
 * items addressed to them, their tickets and messages, what ingest remembered of them, the
 * audit trail. This file sits above all of them and asks each owner in turn, so that no
 * owner has to know the others.
 */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>

#include "cs-internal.h"
#include "perm.h"
#include "audit.h"
#include "customer.h"
#include "outbox.h"
#include "store/message.h"
#include "store/ticket.h"
#include "store/audit.h"
#include "store/ingest.h"

/* Export ------------------------------------------------------------------------------- */

typedef int (*export_fn)(char **out, cs_db *db, int64_t customer_id);

/* Put the JSON text `text` (libcs memory, released here) into doc[key]. */
static int put_text(json_t *doc, const char *key, char *text)
{
    json_t *value = json_loads(text, JSON_ALLOW_NUL, NULL);

    cs_mem__free(text);
    if (!value)
        return cs_error__nomem();
    return json_object_set_new(doc, key, value) < 0 ? cs_error__nomem() : CS_OK;
}

/* doc[key] = what `part` reads for the customer. */
static int export_part(json_t *doc, const char *key, cs_db *db, int64_t id, export_fn part)
{
    char *text = NULL;
    int rc = part(&text, db, id);

    return rc < 0 ? rc : put_text(doc, key, text);
}

/* Identities read as in cs_customer_to_json(): the kind by name. */
static int name_kinds(json_t *identities)
{
    json_t *identity;
    size_t i;

    json_array_foreach(identities, i, identity) {
        const char *name =
            cs_identity_kind_name((int)json_integer_value(json_object_get(identity, "kind")));
        if (json_object_set_new(identity, "kind", cs_json__text(name)) < 0)
            return cs_error__nomem();
    }
    return CS_OK;
}

/* Each ticket's "messages", with their attachments. */
static int export_messages(json_t *tickets, cs_db *db)
{
    json_t *ticket;
    size_t i;
    int rc = CS_OK;

    json_array_foreach(tickets, i, ticket) {
        int64_t ticket_id = json_integer_value(json_object_get(ticket, "id"));
        if ((rc = export_part(ticket, "messages", db, ticket_id, cs_store__message_export)) < 0)
            break;
    }
    return rc;
}

static int do_export(char **out, cs_db *db, int64_t id)
{
    cs_customer *c = NULL;
    char *text = NULL;
    json_t *doc = NULL;
    int rc;

    if ((rc = cs_customer__load(&c, db, id)) < 0 || (rc = cs_customer_to_json(&text, c)) < 0)
        goto out;
    if (!(doc = json_object())) {
        cs_mem__free(text);
        rc = cs_error__nomem();
        goto out;
    }
    if ((rc = put_text(doc, "customer", text)) < 0 ||
        (rc = export_part(doc, "identities", db, id, cs_store__customer_export_identities)) < 0 ||
        (rc = name_kinds(json_object_get(doc, "identities"))) < 0 ||
        (rc = export_part(doc, "tickets", db, id, cs_store__ticket_export)) < 0 ||
        (rc = export_messages(json_object_get(doc, "tickets"), db)) < 0 ||
        (rc = export_part(doc, "audit", db, id, cs_store__audit_export)) < 0)
        goto out;
    rc = cs_json__dump(out, doc);
    doc = NULL;
out:
    json_decref(doc);
    cs_customer_free(c);
    return rc;
}

int cs_customer_export(char **out, cs_db *db, int64_t id)
{
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!db)
        return cs_error__inval("db", "db is NULL");
    if (!out)
        return cs_error__inval("out", "out is NULL");
    if ((rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_EXPORT)) < 0 ||
        (rc = cs_perm__unscoped(&by, CS_CAP_CUSTOMER_EXPORT)) < 0)
        return rc;
    return do_export(out, db, id);
}

/* Erasure ------------------------------------------------------------------------------ */

typedef int (*erase_fn)(cs_db *db, int64_t customer_id);

/* One customer of the erased set. Outbox items go first: they are found through the
 * customer's identities too, which the customer module erases last. Each owner finds the
 * customer's rows through the tickets, which keep their customer. */
static int erase_one(cs_db *db, const cs_actor *by, int64_t id)
{
    static const erase_fn erase[] = {
        cs_outbox__erase_customer,       cs_store__message_erase_customer,
        cs_store__ingest_erase_customer, cs_store__ticket_erase_customer,
        cs_store__audit_erase_customer,  cs_customer__erase_own};
    int rc = CS_OK;

    for (size_t i = 0; i < CS_ARRAY_SIZE(erase) && rc == CS_OK; i++)
        rc = erase[i](db, id);
    if (rc < 0)
        return rc;
    return cs_audit__record(db, by, "customer", id, 0, id, "erase", NULL, NULL, NULL);
}

static int do_erase(cs_db *db, const cs_actor *by, int64_t id)
{
    int64_t merged_into = 0, *gone = NULL;
    cs_time erased_at = 0;
    size_t n = 0;
    int rc = cs_store__customer_state(&merged_into, &erased_at, db, id, "id");

    if (rc < 0)
        return rc;
    if (erased_at)
        return cs_error__set(CS_ECONFLICT, "id", "customer %lld was erased", (long long)id);
    if (merged_into)
        return cs_error__set(CS_ECONFLICT, "id",
                             "customer %lld was merged into customer %lld, "
                             "which holds its data now: erase that one, or undo the merge first",
                             (long long)id, (long long)merged_into);
    if ((rc = cs_store__customer_with_merged(&gone, &n, db, id)) < 0)
        return rc;
    for (size_t i = 0; i < n && rc == CS_OK; i++)
        rc = erase_one(db, by, gone[i]);
    cs_mem__free(gone);
    return rc;
}

int cs_customer_erase(cs_db *db, int64_t id)
{
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if ((rc = cs_perm__require(&by, db, CS_CAP_CUSTOMER_ERASE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, do_erase(db, &by, id));
}
