/**
 * @file
 * Version numbers.
 */
#ifndef CS_VERSION_H
#define CS_VERSION_H

#include "common.h"

CS_BEGIN_DECL

/* The version of the headers. configure reads CS_VERSION_STRING from here. */
#define CS_VERSION_STRING "0.2.0"
#define CS_VERSION_MAJOR 0
#define CS_VERSION_MINOR 2
#define CS_VERSION_PATCH 0
/** One number that grows with each release: MAJOR * 10000 + MINOR * 100 + PATCH. */
#define CS_VERSION_NUMBER (CS_VERSION_MAJOR * 10000 + CS_VERSION_MINOR * 100 + CS_VERSION_PATCH)

/**
 * The version of the library linked at run time, which may be newer than the headers.
 *
 * @param[out] major may be NULL
 * @param[out] minor may be NULL
 * @param[out] patch may be NULL
 * @return static text such as "0.2.0"
 * @since 0.1
 */
CS_EXTERN(const char *) cs_version(int *major, int *minor, int *patch);

/**
 * The schema version that this library writes (the highest migration it knows).
 *
 * @since 0.1
 */
CS_EXTERN(int) cs_schema_version(void);

CS_END_DECL

#endif
