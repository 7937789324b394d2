/*
 * libcs - the tick: everything time-based happens here, at the time the host passes in.
 * Today that is the SLA warnings and breaches; automations and auto-close will join them.
 */
#include "config.h"

#include "cs-internal.h"
#include "perm.h"
#include "sla.h"

void cs_tick_result_free(cs_tick_result *r)
{
    if (!r)
        return;
    cs_mem__free(r->items);
    cs_mem__free(r);
}

int cs_tick(cs_tick_result **out, cs_db *db, cs_time now)
{
    cs_tick_result *r;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = cs_perm__require(&by, db, CS_CAP_TICK)) < 0)
        return rc;
    if (!(r = cs_mem__calloc(1, sizeof(*r))))
        return cs_error__nomem();
    r->now = now;
    if ((rc = cs_db__begin(db)) == CS_OK)
        rc = cs_db__end(db, cs_sla__tick(r, db, now));
    if (rc < 0) {
        cs_tick_result_free(r);
        return rc;
    }
    /* Housekeeping belongs to the clock too: checkpointing here keeps it off the commits of
     * ingest and next-ticket. Outside an atomic section only, where nothing is pending. */
    if (!cs_db__in_transaction(db))
        cs_db__checkpoint(db);
    *out = r;
    return CS_OK;
}

cs_time cs_tick_result_now(const cs_tick_result *r)
{
    return r ? r->now : 0;
}

size_t cs_tick_result_warned(const cs_tick_result *r)
{
    return r ? r->warned : 0;
}

size_t cs_tick_result_breached(const cs_tick_result *r)
{
    return r ? r->breached : 0;
}

size_t cs_tick_result_count(const cs_tick_result *r)
{
    return r ? r->n : 0;
}

const cs_tick_item *cs_tick_result_item(const cs_tick_result *r, size_t i)
{
    return r && i < r->n ? &r->items[i] : NULL;
}

int64_t cs_tick_item_ticket_id(const cs_tick_item *item)
{
    return item ? item->ticket_id : 0;
}

int cs_tick_item_metric(const cs_tick_item *item)
{
    return item ? item->metric : 0;
}

int cs_tick_item_kind(const cs_tick_item *item)
{
    return item ? item->kind : 0;
}

cs_time cs_tick_item_at(const cs_tick_item *item)
{
    return item ? item->at : 0;
}
