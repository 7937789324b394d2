/*
 * libcs - message.
 */
#include "config.h"

#include "cs-internal.h"
