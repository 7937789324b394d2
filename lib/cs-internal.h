/*
 * libcs - the base every library file stands on: errors, memory, text and time helpers,
 * and the handle as the logic sees it. Not API. Each module's internal functions are in
 * its own header (lib/<module>.h); the storage layer's in lib/db.h and lib/store/.
 */
#ifndef CS_INTERNAL_H
#define CS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "libcs.h"

#if defined(__GNUC__)
#define CS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CS_PRINTF(f, a)
#endif

#define CS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CS_STR_(x) #x
#define CS_STR(x) CS_STR_(x)

/* errors.c -------------------------------------------------------------------------- */

/* Record an error for the calling thread and return `code`. `field` may be NULL. */
int cs_error__set(int code, const char *field, const char *fmt, ...) CS_PRINTF(3, 4);
/* Shorthand for CS_EINVAL naming `field`. */
#define cs_error__inval(field, ...) cs_error__set(CS_EINVAL, (field), __VA_ARGS__)
/* Blame another field for the recorded error (a lower layer named its own); returns the
 * error's code. */
int cs_error__refield(const char *field);
/* Record CS_ENOMEM. */
int cs_error__nomem(void);

/* memory.c -------------------------------------------------------------------------- */

/* All library allocations go through these, so tests can inject failures. */
void *cs_mem__alloc(size_t size);
void *cs_mem__calloc(size_t n, size_t size);
void *cs_mem__realloc(void *ptr, size_t size);
char *cs_mem__strdup(const char *s);
char *cs_mem__strndup(const char *s, size_t n);
void cs_mem__free(void *ptr);

/* Allocation-failure injection for tests: fail the Nth allocation from now (1 = next),
 * 0 to switch off. Thread-local. */
void cs_mem__fail_after(long n);
/* How many allocations this thread made since the counter was last reset. */
long cs_mem__count(void);

/* The handle, as the logic above the storage layer uses it (db.c; the whole struct and the
 * SQL helpers are in db.h, for db.c and the storage files only) ------------------------ */

/* Transactions. begin opens the outermost BEGIN IMMEDIATE; inside a host's plain section
 * (cs_db_begin) a SAVEPOINT, so that a failed call undoes only itself; inside another
 * library call's section, or anywhere in a bulk section, it joins the open level without a
 * savepoint (db.c). end commits when rc >= 0 and rolls back otherwise, and returns rc (or
 * the commit's error); a joined level that fails leaves its changes to the level it joined,
 * which then refuses to commit. Every public mutation is begin ... end. */
int cs_db__begin(cs_db *db);
/* cs_db__begin() for a caller that goes on after the section failed (another attempt, a
 * fallback): always a real savepoint, so the failure undoes exactly the section. */
int cs_db__begin_savepoint(cs_db *db);
/* cs_db__begin() for a change whose loss on power failure is harmless (a pick that is simply
 * picked again, an agent's presence): outside any section its commit does not wait for the
 * disk (synchronous=NORMAL for that one transaction; the next durable commit makes it
 * durable too). Inside a section the outer one's durability holds. */
int cs_db__begin_relaxed(cs_db *db);
int cs_db__end(cs_db *db, int rc);
/* Open the handle itself (cs_db_open() in open.c then wires the modules' reactions). */
int cs_db__open(cs_db **out, const char *path, unsigned int flags);

/* Record the handle's actor (cs_db_set_actor in perm.c checks it first). */
void cs_db__put_actor(cs_db *db, int kind, int64_t id);

/* Whether an atomic section is open on the handle. */
bool cs_db__in_transaction(const cs_db *db);

/* What a module keeps per handle (parsed policies, calendars, pending reactions), found by
 * the address of a key the module owns. The handle releases it with `release` when it
 * closes and, unless `keep` is set, when a transaction rolls back, so nothing a rolled-back
 * transaction loaded stays; the module then builds it again. At most CS_DB_STATES keys per
 * handle. */
#define CS_DB_STATES 8
typedef void (*cs_db__release_fn)(void *state);
void *cs_db__state(cs_db *db, const void *key);
/* The state under `key`, or a new one of `size` zeroed bytes kept there; NULL after
 * recording the error (CS_ENOMEM; CS_ERROR when every slot is taken). */
void *cs_db__state_get(cs_db *db, const void *key, size_t size, cs_db__release_fn release,
                       bool keep);

/* Move the WAL's pages into the database without blocking anyone (cs_tick does it). */
void cs_db__checkpoint(cs_db *db);

/* Fail with CS_EREADONLY if the handle is read-only. */
int cs_db__writable(cs_db *db);

/* util.c ---------------------------------------------------------------------------- */

bool cs_utf8__valid(const char *s, size_t len);

/* Validate a text field: NULL is allowed unless required; "" counts as missing when
 * required; valid UTF-8; at most max bytes. CS_EINVAL naming field otherwise. */
int cs_check__text(const char *field, const char *value, size_t max, bool required);
/* In place: every control character (CR and LF among them) becomes a space, so the text is
 * one line, fit for a mail header. */
void cs_text__one_line(char *s);
/* cs_check__text() for a name people see: required, and not only white space. */
int cs_check__name(const char *field, const char *value, size_t max);
/* A plausible mail address, enough to keep typos out: one '@' with text on both sides and
 * no white space or control character. Delivery is the host's business. */
int cs_check__email(const char *field, const char *value);
/* Validate a boolean field of an options struct: 0, 1 or CS_UNSET. */
int cs_check__bool(const char *field, int value);

/* A list of owned strings (tags, skills). */
typedef struct cs_strv {
    char **v;
    size_t n;
} cs_strv;
/* Validate and copy a tag list: each tag non-empty, at most CS_TAG_MAX bytes, no control
 * characters or commas, valid UTF-8; duplicates are dropped; at most CS_TAGS_MAX. */
int cs_strv__from_tags(cs_strv *out, const char *field, const char *const *tags, size_t n);
int cs_strv__push(cs_strv *sv, const char *s);
void cs_strv__free(cs_strv *sv);
/* The list as "a,b,c" for the audit trail; release with cs_mem__free. */
char *cs_strv__join(const cs_strv *sv);

/* Significant digits of the reals cs_json__dump() writes; custom fields hold only reals that
 * read back as themselves at this precision. */
#define CS_JSON_REAL_DIGITS 10

/* Dump `value` compact with sorted keys into libcs memory (release with cs_str_free) and
 * drop the reference, which it takes over. A NULL value (a failed build) is CS_ENOMEM. */
struct json_t;
int cs_json__dump(char **out, struct json_t *value);
/* New references for JSON values where 0 / NULL mean "not set": null then. */
struct json_t *cs_json__id(int64_t id);
struct json_t *cs_json__time(cs_time t);
struct json_t *cs_json__text(const char *s);

/* Names of enum values. */
typedef struct cs_name {
    int value;
    const char *name;
} cs_name;
const char *cs_name__of(const cs_name *table, size_t n, int value);
int cs_name__parse(const cs_name *table, size_t n, const char *name);
#define CS_NAME_OF(table, v) cs_name__of((table), CS_ARRAY_SIZE(table), (v))
#define CS_NAME_PARSE(table, s) cs_name__parse((table), CS_ARRAY_SIZE(table), (s))

/* A time as ISO 8601 UTC ("2026-03-02T09:00:00Z"); buf must hold 32 bytes. */
const char *cs_time__iso(char *buf, cs_time t);
/* Parse ISO 8601 with Z or an offset ("2026-03-02T10:00:00+01:00"). */
int cs_time__parse(cs_time *out, const char *field, const char *text);

/* An integer as text for the audit trail; buf must hold 24 bytes. NULL for 0 when
 * zero_is_null. */
const char *cs_int__text(char *buf, int64_t v, bool zero_is_null);

/* A growing string in libcs memory; `failed` sticks after an allocation failed. */
typedef struct cs_buf {
    char *s;
    size_t n, cap;
    bool failed;
} cs_buf;
bool cs_buf__add(cs_buf *b, const char *s, size_t n);
bool cs_buf__str(cs_buf *b, const char *s);
void cs_buf__free(cs_buf *b);

/* The SHA-256 of data as 64 lowercase hex digits. */
void cs_sha256__hex(char out[65], const void *data, size_t len);
#endif
