/*
 * libcs - channel.
 */
#include "config.h"

#include "cs-internal.h"
