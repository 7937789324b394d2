/*
 * libcs - ticket.
 */
#include "config.h"

#include "cs-internal.h"
