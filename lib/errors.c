/*
 * libcs - status codes and the thread-local last error.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cs-internal.h"

static _Thread_local struct {
    char message[CS_ERROR_MESSAGE_MAX];
    char field[CS_ERROR_FIELD_MAX];
    cs_error error;
} last;

static const struct {
    int code;
    const char *name;
    const char *text;
} codes[] = {
    {CS_OK, "OK", "success"},
    {CS_ERROR, "ERROR", "error"},
    {CS_ENOTFOUND, "ENOTFOUND", "not found"},
    {CS_EEXISTS, "EEXISTS", "already exists"},
    {CS_EINVAL, "EINVAL", "invalid argument"},
    {CS_ECONFLICT, "ECONFLICT", "conflicts with the current state"},
    {CS_EPERM, "EPERM", "permission denied"},
    {CS_EBUSY, "EBUSY", "database busy"},
    {CS_ENOMEM, "ENOMEM", "out of memory"},
    {CS_EDB, "EDB", "database error"},
    {CS_EVERSION, "EVERSION", "schema version mismatch"},
    {CS_ITEROVER, "ITEROVER", "no more items"},
    {CS_EREADONLY, "EREADONLY", "database is read-only"},
};

const char *cs_strerror(int code)
{
    for (size_t i = 0; i < CS_ARRAY_SIZE(codes); i++)
        if (codes[i].code == code)
            return codes[i].text;
    return "unknown error";
}

const char *cs_status_name(int code)
{
    for (size_t i = 0; i < CS_ARRAY_SIZE(codes); i++)
        if (codes[i].code == code)
            return codes[i].name;
    return "ERROR";
}

const cs_error *cs_error_last(void)
{
    last.error.message = last.message;
    last.error.field = last.field;
    return &last.error;
}

void cs_error_clear(void)
{
    last.error.code = CS_OK;
    last.message[0] = '\0';
    last.field[0] = '\0';
}

int cs_error__set(int code, const char *field, const char *fmt, ...)
{
    va_list ap;

    last.error.code = code;
    snprintf(last.field, sizeof(last.field), "%s", field ? field : "");
    va_start(ap, fmt);
    vsnprintf(last.message, sizeof(last.message), fmt, ap);
    va_end(ap);
    return code;
}

int cs_error__refield(const char *field)
{
    snprintf(last.field, sizeof(last.field), "%s", field ? field : "");
    return last.error.code;
}

int cs_error__nomem(void)
{
    return cs_error__set(CS_ENOMEM, NULL, "out of memory");
}
