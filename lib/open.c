/*
 * libcs - opening a handle: the handle itself (db.c), then the reactions of the modules
 * that react to changes, in their fixed order. The one place that knows which modules
 * react, so that none of them needs to know the others.
 */
#include "config.h"

#include "cs-internal.h"
#include "react.h"
#include "route.h"
#include "sla.h"

/* After a ticket changed: first its SLA clocks, then its routing (which reads the clocks'
 * deadlines for the queue order). Later triggers and webhooks go after these. */
static const struct {
    cs_react__fn fn;
    unsigned what;
} reactions[] = {
    {cs_sla__react, CS_SLA__CONCERNS},
    {cs_route__react, CS_ROUTE__CONCERNS},
};

int cs_db_open(cs_db **out, const char *path, unsigned int flags)
{
    int rc = cs_db__open(out, path, flags);

    for (size_t i = 0; rc == CS_OK && i < CS_ARRAY_SIZE(reactions); i++)
        rc = cs_react__register(*out, reactions[i].fn, reactions[i].what);
    if (rc < 0 && out && *out) {
        cs_db_close(*out);
        *out = NULL;
    }
    return rc;
}
