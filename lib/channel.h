/*
 * libcs - channels: what the storage layer reads and writes. Not API.
 */
#ifndef CS_CHANNEL_PRIVATE_H
#define CS_CHANNEL_PRIVATE_H

#include "cs-internal.h"

struct cs_channel {
    int64_t id;
    int kind;
    char *name;
    char *address;
    int is_public;
    int signature;
    int64_t default_group_id;
    int enabled;
    cs_time created_at;
    cs_time updated_at;
};

#endif
