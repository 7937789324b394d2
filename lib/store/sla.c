/*
 * libcs - what every SLA store shares: the release of the rows it fills.
 */
#include "config.h"

#include "cs-internal.h"
#include "store/sla.h"

void cs_sla__policy_free(cs_sla_policy *p)
{
    if (!p)
        return;
    /* The texts are the policy's own copies; const only in the public struct. */
    for (size_t i = 0; i < p->nconds; i++)
        cs_mem__free((char *)p->conds[i].text);
    cs_mem__free(p->conds);
    cs_mem__free(p->targets);
    cs_mem__free(p->name);
    cs_mem__free(p);
}
