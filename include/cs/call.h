/**
 * @file
 * The JSON request interface: one entry point for the CLI and every binding.
 */
#ifndef CS_CALL_H
#define CS_CALL_H

#include "common.h"

CS_BEGIN_DECL

/**
 * Run one request. `method` names an operation ("ticket.create", "ingest", ...; the list
 * and every request and response field are in docs/api.md); `request_json` is a JSON
 * object with its arguments (NULL or "" for none). Times in requests are ISO 8601 strings
 * ("2026-03-02T09:00:00Z", or with an offset); times in responses are ISO 8601 in UTC.
 *
 * The request is treated as untrusted input: it runs with the rights of the handle's
 * actor (cs_db_set_actor()), which no request can change unless the actor is the system.
 * What the actor may not see answers CS_ENOTFOUND, as if it did not exist; what its role may
 * not do at all answers CS_EPERM. The rules are in docs/security.md. A method that writes
 * and reads back what it wrote does both atomically.
 *
 * The response is always a JSON object: the result, or on failure
 * {"error": {"code": "EINVAL", "message": "...", "field": "..."}} with the same status
 * returned. Unknown fields in a request are refused, so a misspelt field never passes
 * silently.
 *
 * @param[out] response_json the response; release with cs_str_free(). NULL only when
 *             the response itself could not be allocated (CS_ENOMEM).
 * @return CS_OK, or the operation's status code (CS_EINVAL for malformed JSON, a request
 *         that is not an object, or an unknown method)
 * @since 0.1
 */
CS_EXTERN(int) cs_call(char **response_json, cs_db *db, const char *method,
                       const char *request_json);

/**
 * The methods cs_call() knows, in table order.
 *
 * @param i from 0
 * @return the method's name (static text), or NULL past the end
 * @since 0.1
 */
CS_EXTERN(const char *) cs_call_method(size_t i);

CS_END_DECL

#endif
