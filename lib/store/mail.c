/*
 * libcs - what every mail store shares: the release of the rows it fills.
 */
#include "config.h"

#include <string.h>

#include "cs-internal.h"
#include "store/mail.h"

void cs_mail__item_clear(cs_mail__item *it)
{
    char *strings[] = {
        it->kind,           it->recipient,    it->subject, it->body,         it->header_message_id,
        it->in_reply_to,    it->refs,         it->html,    it->channel_name, it->channel_address,
        it->ticket_subject, it->customer_name};

    for (size_t i = 0; i < CS_ARRAY_SIZE(strings); i++)
        cs_mem__free(strings[i]);
    memset(it, 0, sizeof(*it));
}
