/*
 * libcs - customer.
 */
#include "config.h"

#include "cs-internal.h"
