/*
 * libcs - what every channel store shares: the release of the rows it fills.
 */
#include "config.h"

#include "cs-internal.h"
#include "store/channel.h"

void cs_channel__free(cs_channel *ch)
{
    if (!ch)
        return;
    cs_mem__free(ch->name);
    cs_mem__free(ch->address);
    cs_mem__free(ch->locale);
    cs_mem__free(ch->timezone);
    cs_mem__free(ch);
}
