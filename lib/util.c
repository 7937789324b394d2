/*
 * libcs - validation, string lists, enum names, times: small pieces every module uses.
 */
#include "config.h"

#include <inttypes.h>
#include <jansson.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs-internal.h"
#include "calendar.h"

bool cs_utf8__valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;

    while (p < end) {
        unsigned char c = *p;
        size_t n;
        uint32_t cp;

        if (c < 0x80) {
            if (c == 0)
                return false;
            p++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, cp = c & 0x07;
        } else {
            return false;
        }
        if ((size_t)(end - p) <= n)
            return false;
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        /* No overlong forms, no surrogates, nothing past U+10FFFF. */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return false;
        p += n + 1;
    }
    return true;
}

int cs_check__text(const char *field, const char *value, size_t max, bool required)
{
    size_t len;

    if (!value || !*value) {
        if (required)
            return cs_error__inval(field, "%s is required", field);
        return CS_OK;
    }
    len = strlen(value);
    if (len > max)
        return cs_error__inval(field, "%s is %zu bytes long, at most %zu are allowed", field, len,
                               max);
    if (!cs_utf8__valid(value, len))
        return cs_error__inval(field, "%s is not valid UTF-8", field);
    return CS_OK;
}

void cs_text__one_line(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = ' ';
}

int cs_check__name(const char *field, const char *value, size_t max)
{
    int rc = cs_check__text(field, value, max, true);

    if (rc < 0)
        return rc;
    for (const char *p = value; *p; p++)
        if (!strchr(" \t\n\r\f\v", *p))
            return CS_OK;
    return cs_error__inval(field, "%s is required and cannot be only white space", field);
}

int cs_check__email(const char *field, const char *value)
{
    const char *at = strchr(value, '@');

    if (!at || at == value || !at[1] || strchr(at + 1, '@'))
        return cs_error__inval(field, "%s \"%s\" is not an address like anna@shop.example", field,
                               value);
    for (const char *p = value; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return cs_error__inval(field, "%s \"%s\" contains white space", field, value);
    return CS_OK;
}

int cs_check__bool(const char *field, int value)
{
    if (value == 0 || value == 1 || value == CS_UNSET)
        return CS_OK;
    return cs_error__inval(field, "%s must be 0 or 1, not %d", field, value);
}

int cs_strv__push(cs_strv *sv, const char *s)
{
    char *copy = cs_mem__strdup(s);
    char **v;

    if (!copy)
        return cs_error__nomem();
    v = cs_mem__realloc(sv->v, (sv->n + 1) * sizeof(*v));
    if (!v) {
        cs_mem__free(copy);
        return cs_error__nomem();
    }
    v[sv->n++] = copy;
    sv->v = v;
    return CS_OK;
}

void cs_strv__free(cs_strv *sv)
{
    if (!sv)
        return;
    for (size_t i = 0; i < sv->n; i++)
        cs_mem__free(sv->v[i]);
    cs_mem__free(sv->v);
    sv->v = NULL;
    sv->n = 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cs_strv__from_tags(cs_strv *out, const char *field, const char *const *tags, size_t n)
{
    char name[CS_ERROR_FIELD_MAX];
    int rc = CS_OK;

    out->v = NULL;
    out->n = 0;
    if (n > CS_TAGS_MAX)
        return cs_error__inval(field, "%s has %zu entries, at most %d are allowed", field, n,
                               CS_TAGS_MAX);
    for (size_t i = 0; i < n && rc == CS_OK; i++) {
        snprintf(name, sizeof(name), "%s[%zu]", field, i);
        if ((rc = cs_check__text(name, tags[i], CS_TAG_MAX, true)) < 0)
            break;
        for (const char *p = tags[i]; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == ',') {
                rc = cs_error__inval(name, "%s \"%s\" contains a comma or control character", name,
                                     tags[i]);
                break;
            }
        if (rc == CS_OK)
            rc = cs_strv__push(out, tags[i]);
    }
    if (rc < 0) {
        cs_strv__free(out);
        return rc;
    }
    /* Sorted and without duplicates, so stored and compared sets are canonical. */
    if (out->n > 1) {
        size_t k = 1;
        qsort(out->v, out->n, sizeof(*out->v), cmp_str);
        for (size_t i = 1; i < out->n; i++) {
            if (strcmp(out->v[i], out->v[k - 1]) == 0)
                cs_mem__free(out->v[i]);
            else
                out->v[k++] = out->v[i];
        }
        out->n = k;
    }
    return CS_OK;
}

char *cs_strv__join(const cs_strv *sv)
{
    size_t len = 1;
    char *s, *p;

    for (size_t i = 0; i < sv->n; i++)
        len += strlen(sv->v[i]) + 1;
    if (!(s = p = cs_mem__alloc(len)))
        return NULL;
    *p = '\0';
    for (size_t i = 0; i < sv->n; i++) {
        size_t l = strlen(sv->v[i]);
        if (i)
            *p++ = ',';
        memcpy(p, sv->v[i], l + 1);
        p += l;
    }
    return s;
}

json_t *cs_json__id(int64_t id)
{
    return id ? json_integer(id) : json_null();
}

json_t *cs_json__time(cs_time t)
{
    char buf[32];
    return t ? json_string(cs_time__iso(buf, t)) : json_null();
}

json_t *cs_json__text(const char *s)
{
    return s ? json_string(s) : json_null();
}

int cs_json__dump(char **out, json_t *value)
{
    /* Ten significant digits: a share of 0.8169 prints as that, not 0.81689999999999996. */
    char *dumped = value ? json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS |
                                                 JSON_REAL_PRECISION(CS_JSON_REAL_DIGITS))
                         : NULL;

    json_decref(value);
    *out = NULL;
    if (!dumped)
        return cs_error__nomem();
    /* jansson's memory is not ours: the caller releases with cs_str_free(). */
    *out = cs_mem__strdup(dumped);
    free(dumped);
    return *out ? CS_OK : cs_error__nomem();
}

const char *cs_name__of(const cs_name *table, size_t n, int value)
{
    for (size_t i = 0; i < n; i++)
        if (table[i].value == value)
            return table[i].name;
    return NULL;
}

int cs_name__parse(const cs_name *table, size_t n, const char *name)
{
    if (name)
        for (size_t i = 0; i < n; i++)
            if (strcmp(table[i].name, name) == 0)
                return table[i].value;
    return 0;
}

const char *cs_time__iso(char *buf, cs_time t)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (!gmtime_r(&tt, &tm))
        snprintf(buf, 32, "%" PRId64, t);
    else
        strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* n decimal digits, exactly: no sign, no blank. */
static bool digits(const char **p, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return false;
        *out = *out * 10 + (**p - '0');
    }
    return true;
}

static bool expect(const char **p, char c)
{
    return **p == c ? ((*p)++, true) : false;
}

/* "HH:MM" with HH <= max_hours and MM <= 59. */
static bool hours_minutes(const char **p, int max_hours, int *h, int *mi)
{
    return digits(p, 2, h) && *h <= max_hours && expect(p, ':') && digits(p, 2, mi) && *mi <= 59;
}

/* YYYY-MM-DD, optionally followed by T (or a blank) HH:MM[:SS] and Z or an offset +HH:MM.
 * The date must exist (no 30 February); a second of 60 is a leap second. */
int cs_time__parse(cs_time *out, const char *field, const char *text)
{
    int y, mo, d, h = 0, mi = 0, s = 0, oh = 0, om = 0, sign = 1;
    const char *p = text;

    if (!p || !digits(&p, 4, &y) || !expect(&p, '-') || !digits(&p, 2, &mo) || !expect(&p, '-') ||
        !digits(&p, 2, &d) || !cs_calendar__valid_date(y, mo, d))
        goto bad;
    if (expect(&p, 'T') || expect(&p, ' ')) {
        if (!hours_minutes(&p, 23, &h, &mi) || (expect(&p, ':') && !(digits(&p, 2, &s) && s <= 60)))
            goto bad;
        if (*p == '+' || *p == '-') {
            sign = *p++ == '-' ? -1 : 1;
            if (!hours_minutes(&p, 23, &oh, &om))
                goto bad;
        } else if (!expect(&p, 'Z')) {
            goto bad;
        }
    }
    if (*p)
        goto bad;
    *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s -
           sign * (oh * 3600 + om * 60);
    return CS_OK;
bad:
    return cs_error__inval(field,
                           "%s \"%s\" is not an ISO 8601 time such as "
                           "2026-03-02T09:00:00Z",
                           field, text ? text : "(null)");
}

const char *cs_int__text(char *buf, int64_t v, bool zero_is_null)
{
    if (zero_is_null && v == 0)
        return NULL;
    snprintf(buf, 24, "%" PRId64, v);
    return buf;
}

void cs_sha256__hex(char out[65], const void *data, size_t len)
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];

    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    sha256_digest(&ctx, sizeof(digest), digest);
    for (size_t i = 0; i < sizeof(digest); i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}
