/*
 * libcs - what every ticket store shares: the release of the rows it fills.
 */
#include "config.h"

#include <string.h>

#include "cs-internal.h"
#include "store/ticket.h"

void cs_ticket__clear(cs_ticket *t)
{
    cs_mem__free(t->subject);
    cs_mem__free(t->custom);
    cs_strv__free(&t->tags);
    memset(t, 0, sizeof(*t));
}
