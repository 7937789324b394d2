/*
 * libcs - the JSON layer's own parts: reading a request, and the method rows each module's
 * file (lib/call/<module>.c) contributes to the one dispatcher (lib/call/call.c). Not API.
 * The JSON layer stands on the typed API and calls nothing below it but what its answers
 * must read back.
 */
#ifndef CS_CALL_CALL_H
#define CS_CALL_CALL_H

#include <jansson.h>

#include "cs-internal.h"
#include "perm.h"

#define CS_CALL__MAX_KEYS 32
#define CS_CALL__MAX_ITEMS 64 /* tags, skills, identities in one request */
#define CS_CALL__LIST_DEFAULT 100
#define CS_CALL__LIST_MAX 1000

/* A request being read: every key a handler reads is remembered, so that unknown keys can
 * be refused afterwards. */
typedef struct cs_call__req {
    json_t *obj;
    const struct cs_call__method *method;
    const char *fault; /* a field read against the catalogue (a bug of the handler) */
    const char *seen[CS_CALL__MAX_KEYS];
    size_t nseen;
    /* Arrays of strings handed to the typed API point into obj; these hold them. */
    const char *strs[2][CS_CALL__MAX_ITEMS];
    cs_identity_spec ids[CS_CALL__MAX_ITEMS];
} cs_call__req;

typedef int (*cs_call__fn)(cs_db *db, cs_call__req *r, json_t **out);

/* The catalogue: what each method takes and answers, as the `methods` method describes it
 * (JSON Schema) and as the readers below enforce it: a handler can only read a field its
 * method declares, with the declared type. */
typedef enum cs_call__type {
    CS_CALL__STRING = 1,
    CS_CALL__INTEGER,
    CS_CALL__ID, /* an integer >= 0 */
    CS_CALL__BOOLEAN,
    CS_CALL__NUMBER,  /* a real */
    CS_CALL__TIME,    /* an ISO 8601 string */
    CS_CALL__ENUM,    /* a name of `values` */
    CS_CALL__STRINGS, /* an array of strings */
    CS_CALL__IDS,     /* an array of integers */
    CS_CALL__OBJECT,  /* an object of `shape`, or any object without one */
    CS_CALL__ARRAY,   /* an array of objects of `shape` */
    CS_CALL__ANY      /* any JSON value */
} cs_call__type;

#define CS_CALL__REQ 1u  /* requests: always required */
#define CS_CALL__NULL 2u /* may be null */
#define CS_CALL__OPT 4u  /* answers: only sometimes there */

/* One field of a request or an answer. Lists of fields end with a row whose name is NULL. */
typedef struct cs_call__field {
    const char *name;
    unsigned char type;                 /* a cs_call__type */
    unsigned char flags;                /* CS_CALL__REQ, CS_CALL__NULL, CS_CALL__OPT */
    const struct cs_call__field *shape; /* OBJECT, ARRAY: the object's fields (NULL: any) */
    const char *values;                 /* ENUM: the names, separated by spaces */
} cs_call__field;

/* Rows of field lists: a plain field, an object or array of `shape`, an enum of `values`,
 * and the row that ends a list. */
#define CS_CALL__F(name, type, flags)                                                              \
    {                                                                                              \
        (name), (type), (flags), NULL, NULL                                                        \
    }
#define CS_CALL__S(name, type, flags, shape)                                                       \
    {                                                                                              \
        (name), (type), (flags), (shape), NULL                                                     \
    }
#define CS_CALL__E(name, flags, values)                                                            \
    {                                                                                              \
        (name), CS_CALL__ENUM, (flags), NULL, (values)                                             \
    }
#define CS_CALL__END                                                                               \
    {                                                                                              \
        NULL, 0, 0, NULL, NULL                                                                     \
    }

/* The method writes and then reads back what it wrote: both run in one atomic section, so a
 * failure of the read undoes the write instead of reporting an error for a change that
 * stays. */
#define CS_CALL__ATOMIC 1u
/* ... and its section need not wait for the disk (cs_db__begin_relaxed). */
#define CS_CALL__RELAXED 2u

/* One method: its name, handler, the capability it needs (lib/perm.c; the typed function
 * it calls checks the same one) and flags. docs/api.md documents every row,
 * docs/security.md lists its capability; tests check both and call every row as every
 * role. */
typedef struct cs_call__method {
    const char *name;
    cs_call__fn fn;
    cs_cap cap;
    unsigned flags;
    const char *summary;            /* one sentence */
    const cs_call__field *request;  /* the fields it reads */
    const cs_call__field *response; /* the fields of its answer */
} cs_call__method;

/* No fields (`{}`), the answer `{"id": N}`, and a request of a required "id". */
extern const cs_call__field cs_call__no_fields[];
extern const cs_call__field cs_call__id_fields[];
extern const cs_call__field cs_call__id_request[];
/* A ticket and a message as their readers see them (cs_call__ticket_json and
 * cs_call__messages_json). */
extern const cs_call__field cs_call__ticket_fields[];
extern const cs_call__field cs_call__message_fields[];
extern const cs_call__field cs_call__ticket_or_none_fields[];

/* Whether `v` has the shape of `fields` (an answer checked against its method's catalogue
 * entry): CS_OK, or CS_ERROR naming the first field that does not fit. For the tests. */
int cs_call__conforms(const cs_call__field *fields, json_t *v);
/* The catalogue entry of method `name`, NULL when there is none. */
const cs_call__method *cs_call__method_named(const char *name);

/* The capability of method i of the catalogue (cs_call_method()), CS_CAP__COUNT past its
 * end: for docs/security.md and the permission tests. */
cs_cap cs_call__method_cap(size_t i);

/* Each module's rows, gathered by lib/call/call.c. */
#define CS_CALL__MODULE(m)                                                                         \
    extern const cs_call__method cs_call__##m##_methods[];                                         \
    extern const size_t cs_call__##m##_count
CS_CALL__MODULE(db);
CS_CALL__MODULE(methods);
CS_CALL__MODULE(customer);
CS_CALL__MODULE(channel);
CS_CALL__MODULE(agent);
CS_CALL__MODULE(custom);
CS_CALL__MODULE(ticket);
CS_CALL__MODULE(message);
CS_CALL__MODULE(ingest);
CS_CALL__MODULE(outbox);
CS_CALL__MODULE(audit);
CS_CALL__MODULE(calendar);
CS_CALL__MODULE(sla);
CS_CALL__MODULE(route);

/* Reading a request. Each reads one key (remembered for cs_call__done) into *out: absent
 * (or null) leaves *out alone (cs_call__str: NULL) unless required (CS_EINVAL naming the
 * key); a value of the wrong type is CS_EINVAL naming the key. */
json_t *cs_call__get(cs_call__req *r, const char *key);
int cs_call__type_error(const char *key, const char *want);
int cs_call__missing(const char *key);
int cs_call__str(cs_call__req *r, const char *key, const char **out, bool required);
int cs_call__int(cs_call__req *r, const char *key, int64_t *out, bool required);
/* A non-negative integer. */
int cs_call__id(cs_call__req *r, const char *key, int64_t *out, bool required);
/* A reference that may be cleared: absent -> 0, null -> CS_ID_CLEAR. */
int cs_call__ref(cs_call__req *r, const char *key, int64_t *out);
int cs_call__bool(cs_call__req *r, const char *key, int *out);
/* A name, turned into its value by `parse` (0: unknown, CS_EINVAL naming the key). */
int cs_call__enum(cs_call__req *r, const char *key, int (*parse)(const char *), int *out,
                  bool required);
/* An ISO 8601 time. */
int cs_call__time(cs_call__req *r, const char *key, cs_time *out, bool required);
/* An array of strings into r->strs[slot]; *present tells whether the key was given. */
int cs_call__strings(cs_call__req *r, const char *key, int slot, size_t *n, bool *present);
/* A JSON object given inline, as text for the typed API; release with free(). */
int cs_call__object_text(cs_call__req *r, const char *key, char **out);
/* Refuse keys no handler read (CS_EINVAL naming the first). */
int cs_call__done(cs_call__req *r);

/* Answers. cs_call__adopt parses the text a typed call wrote into *text (read through the
 * pointer: the call filling it is often this function's own argument) and releases it. */
int cs_call__adopt(json_t **out, char **text, int rc);
int cs_call__ok(json_t **out);
/* An actor kind as requests name it ("system", "agent", "customer"); NULL if unknown. */
const char *cs_call__actor_name(int kind);
int cs_call__with_id(json_t **out, const char *key, int64_t id);

/* Shared between the modules' files. A ticket as its reader sees it; the ticket a request
 * has just written (shown once to its writer, also where the write took it out of sight);
 * a ticket's messages as the actor may read them. */
int cs_call__ticket_json(json_t **out, cs_db *db, int64_t id);
int cs_call__written_ticket_json(json_t **out, cs_db *db, int64_t id);
int cs_call__messages_json(json_t **out, cs_db *db, int64_t ticket_id);

#endif
