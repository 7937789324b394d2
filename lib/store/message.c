/*
 * libcs - what every message store shares: the release of the rows it fills.
 */
#include "config.h"

#include <string.h>

#include "cs-internal.h"
#include "store/message.h"

void cs_message__clear(cs_message *m)
{
    cs_mem__free(m->subject);
    cs_mem__free(m->body);
    cs_mem__free(m->external_id);
    cs_mem__free(m->quoted);
    cs_mem__free(m->signature);
    cs_mem__free(m->html);
    cs_mem__free(m->reply_to);
    for (size_t i = 0; i < m->nattachments; i++) {
        struct cs_message__attachment *a = &m->attachments[i];
        cs_mem__free(a->name);
        cs_mem__free(a->content_type);
        cs_mem__free(a->sha256);
        cs_mem__free(a->storage_ref);
        cs_mem__free(a->data);
    }
    cs_mem__free(m->attachments);
    memset(m, 0, sizeof(*m));
}
