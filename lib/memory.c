/*
 * libcs - allocation wrappers with failure injection for tests.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"

static _Thread_local long fail_countdown;
static _Thread_local long alloc_count;

static bool should_fail(void)
{
    alloc_count++;
    if (fail_countdown > 0 && --fail_countdown == 0)
        return true;
    return false;
}

void cs_mem__fail_after(long n)
{
    fail_countdown = n;
    alloc_count = 0;
}

long cs_mem__count(void)
{
    return alloc_count;
}

void *cs_mem__alloc(size_t size)
{
    return should_fail() ? NULL : malloc(size ? size : 1);
}

void *cs_mem__calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *cs_mem__realloc(void *ptr, size_t size)
{
    return should_fail() ? NULL : realloc(ptr, size ? size : 1);
}

char *cs_mem__strndup(const char *s, size_t n)
{
    char *copy = cs_mem__alloc(n + 1);

    if (copy) {
        memcpy(copy, s, n);
        copy[n] = '\0';
    }
    return copy;
}

char *cs_mem__strdup(const char *s)
{
    return cs_mem__strndup(s, strlen(s));
}

void cs_mem__free(void *ptr)
{
    free(ptr);
}

void cs_str_free(char *str)
{
    free(str);
}
