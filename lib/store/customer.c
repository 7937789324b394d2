/*
 * libcs - what every customer store shares: the release of the rows it fills.
 */
#include "config.h"

#include "cs-internal.h"
#include "store/customer.h"

void cs_customer__free(cs_customer *c)
{
    if (!c)
        return;
    cs_mem__free(c->name);
    cs_mem__free(c->locale);
    cs_mem__free(c->timezone);
    cs_mem__free(c->custom);
    cs_strv__free(&c->tags);
    for (size_t i = 0; i < c->nidentities; i++)
        cs_mem__free(c->identities[i].value);
    cs_mem__free(c->identities);
    cs_mem__free(c);
}

void cs_store__customer_merge_free(cs_merge_record *m)
{
    cs_mem__free(m->identities);
    cs_mem__free(m->tickets);
    cs_strv__free(&m->tags);
    m->identities = m->tickets = NULL;
    m->nidentities = m->ntickets = 0;
}
