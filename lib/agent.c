/*
 * libcs - agent.
 */
#include "config.h"

#include "cs-internal.h"
