#define FFI_SCOPE "LIBCS"
#define FFI_LIB "libcs.so.1"
/*
 * The C functions the PHP binding calls (bindings/php/src/Native.php), for FFI::cdef,
 * FFI::load and ffi.preload. PHP's FFI reads declarations only: no #include, no macros
 * except the two FFI_ lines above, which FFI::load and ffi.preload read. Everything else
 * goes through cs_call(). tests/php.sh compiles this file together with <libcs.h>, so a
 * declaration that drifts from the headers in include/cs fails the build.
 *
 * FFI_LIB is found the way the dynamic loader finds libraries (after `make install` and
 * ldconfig). For a library elsewhere, give its full path on that line.
 */

/* cs/common.h */
typedef struct cs_db cs_db;
void cs_str_free(char *str);

/* cs/errors.h */
typedef struct cs_error {
    int code;
    const char *message;
    const char *field;
} cs_error;
const cs_error *cs_error_last(void);
const char *cs_status_name(int code);

/* cs/version.h */
const char *cs_version(int *major, int *minor, int *patch);

/* cs/db.h */
int cs_db_open(cs_db **out, const char *path, unsigned int flags);
void cs_db_close(cs_db *db);
int cs_db_set_actor(cs_db *db, int kind, int64_t id);
int cs_db_begin(cs_db *db);
int cs_db_begin_bulk(cs_db *db);
int cs_db_commit(cs_db *db);
int cs_db_rollback(cs_db *db);

/* cs/call.h */
int cs_call(char **response_json, cs_db *db, const char *method, const char *request_json);
const char *cs_call_method(size_t i);
