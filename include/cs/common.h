/**
 * @file
 * Common definitions shared by every public header: the time type, the rule for
 * options structs, the handle type and cs_str_free().
 */
#ifndef CS_COMMON_H
#define CS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define CS_BEGIN_DECL extern "C" {
#define CS_END_DECL }
#else
#define CS_BEGIN_DECL
#define CS_END_DECL
#endif

/** Marks a function exported from libcs. Everything else is hidden. */
#if defined(_WIN32) && defined(CS_BUILDING_LIBRARY)
#define CS_EXTERN(type) __declspec(dllexport) type
#elif defined(_WIN32)
#define CS_EXTERN(type) __declspec(dllimport) type
#elif defined(__GNUC__)
#define CS_EXTERN(type) __attribute__((visibility("default"))) type
#else
#define CS_EXTERN(type) type
#endif

CS_BEGIN_DECL

/**
 * A point in time: seconds since the Unix epoch, UTC. Used for every time in the API and
 * the schema. Durations are plain seconds in an int64_t.
 */
typedef int64_t cs_time;

/**
 * In options structs: an integer or boolean field that is not given (leave the stored
 * value alone on update, use the default on create). The _INIT macros set it.
 *
 * The rule for every options struct: a field whose 0 means something (a boolean, a
 * position, a capacity) is "not given" as CS_UNSET; any other field (ids, enums, times,
 * pointers) is "not given" as 0 or NULL. Start from the struct's _INIT macro or its
 * *_init() function and set only what you give.
 *
 * Structs the caller allocates carry a version (CS_..._VERSION) and keep their layout
 * within it; the elements of the arrays they point to (cs_attachment_spec,
 * cs_identity_spec, cs_sla_condition, cs_sla_target) belong to that version too. A new
 * field comes with a new version, and the library keeps reading the older ones.
 */
#define CS_UNSET (-1)

/** In options structs: an id field given as CS_ID_CLEAR removes the reference. An id of 0
 * means "not given". */
#define CS_ID_CLEAR (-1)

/** The library handle: one open database. Opaque; see cs/db.h. */
typedef struct cs_db cs_db;

/**
 * Release a string that libcs allocated and handed to the caller (JSON texts, rendered
 * messages). NULL is a no-op. Never release libcs memory with free().
 *
 * @since 0.1
 */
CS_EXTERN(void) cs_str_free(char *str);

CS_END_DECL

#endif
