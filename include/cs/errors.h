/**
 * @file
 * Status codes and the thread-local last error.
 */
#ifndef CS_ERRORS_H
#define CS_ERRORS_H

#include "common.h"

CS_BEGIN_DECL

/**
 * Status codes. Every fallible libcs function returns CS_OK (0) or one of the negative
 * codes below. The set is append-only and the values never change.
 */
typedef enum cs_status {
    CS_OK = 0,         /**< success */
    CS_ERROR = -1,     /**< an error with no more specific code */
    CS_ENOTFOUND = -2, /**< the object does not exist (or the actor may not see it) */
    CS_EEXISTS = -3,   /**< a unique value (identity, number, name) is already taken */
    CS_EINVAL = -4,    /**< invalid argument; the error names the field */
    CS_ECONFLICT = -5, /**< the change conflicts with the object's state */
    CS_EPERM = -6,     /**< the actor set on the handle may not do this */
    CS_EBUSY = -7,     /**< the database stayed locked past the busy timeout */
    CS_ENOMEM = -8,    /**< out of memory */
    CS_EDB = -9,       /**< the storage failed; the message carries SQLite's text */
    CS_EVERSION = -10, /**< the database was written by a newer libcs, or needs an upgrade */
    CS_ITEROVER = -11, /**< an iterator has no more items (not an error) */
    CS_EREADONLY = -12 /**< the handle was opened read-only */
} cs_status;

/** Longest message text kept in a cs_error, including the terminating NUL. */
#define CS_ERROR_MESSAGE_MAX 512
/** Longest field name kept in a cs_error, including the terminating NUL. */
#define CS_ERROR_FIELD_MAX 64

/**
 * The last error of the calling thread.
 *
 * `message` says in words what went wrong, naming the field and the value where there is
 * one; `field` is the name of the offending input field, or "" when no single field is to
 * blame.
 */
typedef struct cs_error {
    int code;            /**< a cs_status value */
    const char *message; /**< UTF-8 text, never NULL */
    const char *field;   /**< field name or "", never NULL */
} cs_error;

/**
 * The last error raised on the calling thread.
 *
 * @return a borrowed pointer to thread-local storage, valid until the next libcs call on
 *         this thread. Never NULL: with no error, code is CS_OK and message is "".
 * @since 0.1
 */
CS_EXTERN(const cs_error *) cs_error_last(void);

/**
 * Forget the calling thread's last error.
 *
 * @since 0.1
 */
CS_EXTERN(void) cs_error_clear(void);

/**
 * A short static description of a status code ("not found", "invalid argument"...).
 *
 * @return static text; unknown codes give "unknown error".
 * @since 0.1
 */
CS_EXTERN(const char *) cs_strerror(int code);

/**
 * The stable symbolic name of a status code without its prefix ("EINVAL", "ENOTFOUND"),
 * as used by the JSON interface.
 *
 * @return static text; unknown codes give "ERROR".
 * @since 0.1
 */
CS_EXTERN(const char *) cs_status_name(int code);

CS_END_DECL

#endif
