/*
 * libcs - run-time version.
 */
#include "config.h"

#include "cs-internal.h"

const char *cs_version(int *major, int *minor, int *patch)
{
    if (major)
        *major = CS_VERSION_MAJOR;
    if (minor)
        *minor = CS_VERSION_MINOR;
    if (patch)
        *patch = CS_VERSION_PATCH;
    return CS_VERSION_STRING;
}
