/*
 * libcs - ingest: reading what a channel hands over. Message-id lists (In-Reply-To,
 * References), subjects without their reply prefixes, locale hints, and one-line texts
 * cleaned instead of refused.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cs-internal.h"
#include "ingest.h"

/* Of a longer header only its end counts: References grow at the end, and the nearest
 * ancestors are what threading needs. */
#define HEADER_TAIL 16384
#define TAG_MAX 64 /* a list tag such as "[shop-users]" */

/* The length of the valid UTF-8 character at p, or 0 for a byte that starts none. */
static size_t utf8_char(const char *p)
{
    unsigned char c = (unsigned char)*p;
    size_t n = c < 0x80             ? 1
               : (c & 0xE0) == 0xC0 ? 2
               : (c & 0xF0) == 0xE0 ? 3
               : (c & 0xF8) == 0xF0 ? 4
                                    : 0;

    for (size_t i = 1; i < n; i++)
        if (!p[i])
            return 0;
    return n && cs_utf8__valid(p, n) ? n : 0;
}

/* Characters that end a line or steer a terminal: C0, DEL and C1. */
static bool is_control(const char *p, size_t n)
{
    unsigned char c = (unsigned char)p[0];
    return (n == 1 && (c < 0x20 || c == 0x7F)) ||
           (n == 2 && c == 0xC2 && (unsigned char)p[1] < 0xA0);
}

int cs_ingest__clean_line(char **out, const char *text, size_t max)
{
    size_t len, cap, n = 0;
    bool space = false;
    char *buf;

    *out = NULL;
    if (!text)
        return CS_OK;
    len = strlen(text);
    cap = len > max / 3 ? max : len * 3; /* a bad byte becomes three */
    if (!(buf = cs_mem__alloc(cap + 1)))
        return cs_error__nomem();
    for (const char *p = text; *p;) {
        size_t k = utf8_char(p);
        const char *c = k ? p : "\xEF\xBF\xBD"; /* U+FFFD for a byte that is no character */
        size_t w = k ? k : 3;

        p += k ? k : 1;
        if (*c == ' ' || is_control(c, w)) {
            space = n > 0;
            continue;
        }
        if (n + space + w > max)
            break;
        if (space)
            buf[n++] = ' ';
        memcpy(buf + n, c, w);
        n += w;
        space = false;
    }
    buf[n] = '\0';
    if (n)
        *out = buf;
    else
        cs_mem__free(buf);
    return CS_OK;
}

/* Message ids ------------------------------------------------------------------------ */

/* Past a comment, which nests and quotes with backslashes; p is at its '('. */
static const char *skip_comment(const char *p)
{
    int depth = 0;

    for (; *p; p++) {
        if (*p == '\\' && p[1])
            p++;
        else if (*p == '(')
            depth++;
        else if (*p == ')' && --depth == 0)
            return p + 1;
    }
    return p;
}

/* Past a quoted string; p is at its '"'. */
static const char *skip_quoted(const char *p)
{
    for (p++; *p; p++) {
        if (*p == '\\' && p[1])
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return p;
}

/* Add the id in s[0..n) to the list, without folding white space; an id that could not
 * be stored as an external id (with its brackets) or that holds control characters or
 * invalid UTF-8 is no id. The oldest id goes when the list holds max. */
static int push_id(cs_strv *ids, const char *s, size_t n, size_t max)
{
    char *id = cs_mem__alloc(n + 1);
    size_t k = 0;
    bool ok;
    int rc = CS_OK;

    if (!id)
        return cs_error__nomem();
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i]))
            id[k++] = s[i];
    id[k] = '\0';
    ok = k > 0 && k <= CS_INGEST__MSGID_MAX && cs_utf8__valid(id, k);
    for (size_t i = 0; ok && i < k; i++)
        ok = (unsigned char)id[i] >= 0x20 && id[i] != 0x7F && id[i] != '<' && id[i] != '>';
    if (ok && ids->n == max) {
        cs_mem__free(ids->v[0]);
        memmove(ids->v, ids->v + 1, (ids->n - 1) * sizeof(*ids->v));
        ids->n--;
    }
    if (ok)
        rc = cs_strv__push(ids, id);
    cs_mem__free(id);
    return rc;
}

/* RFC 5322 3.6.4: angle-bracketed ids among comments, quoted strings and phrase words
 * (obs-in-reply-to). Mail that predates the brackets, and hosts that strip them, give bare
 * ids: words with an '@' count when no bracketed id does, and so does a lone word. */
int cs_ingest__msgids(cs_strv *out, const char *header, size_t max)
{
    cs_strv bare = {0};
    const char *p = header, *word = NULL;
    size_t len, word_len = 0, tokens = 0;
    int rc = CS_OK;

    memset(out, 0, sizeof(*out));
    if (!header)
        return CS_OK;
    if ((len = strlen(header)) > HEADER_TAIL) {
        p = header + len - HEADER_TAIL;
        while (*p && !isspace((unsigned char)*p))
            p++;
    }
    while (*p && rc == CS_OK) {
        size_t n;
        if (isspace((unsigned char)*p) || *p == ',') {
            p++;
        } else if (*p == '(') {
            p = skip_comment(p);
        } else if (*p == '"') {
            p = skip_quoted(p);
            tokens++;
        } else if (*p == '<') {
            n = strcspn(p + 1, "<>");
            tokens++;
            if (p[1 + n] == '>')
                rc = push_id(out, p + 1, n, max);
            p += p[1 + n] == '>' ? n + 2 : 1;
        } else {
            n = strcspn(p, " \t\r\n,(\"<");
            tokens++;
            if (memchr(p, '@', n))
                rc = push_id(&bare, p, n, max);
            else if (!word)
                word = p, word_len = n;
            p += n;
        }
    }
    if (rc == CS_OK && !out->n) {
        cs_strv swap = *out;
        *out = bare;
        bare = swap;
        if (!out->n && tokens == 1 && word)
            rc = push_id(out, word, word_len, max);
    }
    cs_strv__free(&bare);
    if (rc < 0)
        cs_strv__free(out);
    return rc;
}

bool cs_ingest__msgid_key(char out[CS_INGEST__MSGID_MAX + 1], const char *id)
{
    size_t n;

    if (!id)
        return false;
    while (isspace((unsigned char)*id))
        id++;
    n = strlen(id);
    while (n && isspace((unsigned char)id[n - 1]))
        n--;
    if (n >= 2 && id[0] == '<' && id[n - 1] == '>')
        id++, n -= 2;
    if (!n || n > CS_INGEST__MSGID_MAX)
        return false;
    memcpy(out, id, n);
    out[n] = '\0';
    return true;
}

/* Subjects --------------------------------------------------------------------------- */

/* Reply and forward marks as mail clients write them, in many languages. Each counts only
 * with its colon, so "Re Lieferung", "Reklamation:" and "R Lieferung" keep their words. */
/* clang-format off */
static const char *const reply_marks[] = {
    "re", "fw", "fwd",                  /* English, and most clients everywhere */
    "aw", "wg",                         /* German */
    "sv", "vs", "vb", "vl", "fs",       /* Nordic */
    "antw", "doorst",                   /* Dutch */
    "tr",                               /* French */
    "r", "rif", "i",                    /* Italian */
    "rv", "res", "enc",                 /* Spanish, Portuguese */
    "odp", "pd", "odg",                 /* Polish, Czech, Croatian */
    "ats", "atb", "pārs",               /* Baltic */
    "ynt", "ilt", "İlt",                /* Turkish */
    "vá",                               /* Hungarian */
    "ΑΠ", "ΣΧΕΤ", "ΠΡΘ",                /* Greek */
    "回复", "回覆", "答复", "转发", "轉寄", /* Chinese */
};
/* clang-format on */

/* A reply mark at p ("Re:", "RE :", "Re[2]:", "Re(2):", "Re^2:", "回复："): the text after
 * it, else NULL. */
static const char *reply_mark(const char *p)
{
    for (size_t i = 0; i < CS_ARRAY_SIZE(reply_marks); i++) {
        size_t n = strlen(reply_marks[i]);
        const char *q = p + n;
        if (strncasecmp(p, reply_marks[i], n) != 0)
            continue;
        if ((*q == '[' || *q == '(' || *q == '^') && isdigit((unsigned char)q[1])) {
            char close = *q == '[' ? ']' : *q == '(' ? ')' : '\0';
            for (q++; isdigit((unsigned char)*q);)
                q++;
            if (close && *q++ != close)
                continue;
        }
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q == ':')
            return q + 1;
        if (!strncmp(q, "\xef\xbc\x9a", 3)) /* the full-width colon */
            return q + 3;
    }
    return NULL;
}

void cs_ingest__base_subject(char *out, size_t size, const char *subject, bool *was_reply)
{
    const char *p = subject ? subject : "", *next;
    size_t n = 0;

    *was_reply = false;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if ((next = reply_mark(p))) {
            *was_reply = true;
        } else if (*p == '[' && (next = memchr(p, ']', strnlen(p, TAG_MAX))) &&
                   !memchr(p + 1, '[', (size_t)(next - p - 1))) {
            next++; /* a list tag or a ticket number */
        } else {
            break;
        }
        p = next;
    }
    /* White space compares as one space: clients fold and unfold long subjects. */
    for (; *p && n + 1 < size; p++) {
        if (!isspace((unsigned char)*p))
            out[n++] = *p;
        else if (n && !isspace((unsigned char)p[1]) && p[1])
            out[n++] = ' ';
    }
    if (size)
        out[n] = '\0';
}

/* Locales ---------------------------------------------------------------------------- */

/* POSIX ("de_DE.UTF-8@euro") and loose spellings ("EN", "zh_hant_tw") as BCP 47 tags:
 * a 2-3 letter language, then subtags of 1-8 letters or digits, in their customary case
 * (script "Hant", region "DE" or "419", the rest lower case). */
bool cs_ingest__locale(char out[CS_INGEST__LOCALE_MAX + 1], const char *hint)
{
    size_t n = 0, subtag = 0;
    const char *p = hint, *end;

    if (!hint)
        return false;
    while (isspace((unsigned char)*p))
        p++;
    end = p + strcspn(p, ".@"); /* the code set and the modifier say nothing of language */
    while (end > p && isspace((unsigned char)end[-1]))
        end--;
    while (p < end) {
        size_t k = strcspn(p, "-_"), alpha = 0, digit = 0;
        if (p + k > end)
            k = (size_t)(end - p);
        for (size_t i = 0; i < k; i++) {
            alpha += isalpha((unsigned char)p[i]) != 0;
            digit += isdigit((unsigned char)p[i]) != 0;
        }
        if (k < 1 || k > 8 || alpha + digit != k || (subtag == 0 && (k < 2 || k > 3 || digit)) ||
            n + (subtag > 0) + k > CS_INGEST__LOCALE_MAX)
            return false;
        if (subtag)
            out[n++] = '-';
        for (size_t i = 0; i < k; i++) {
            bool upper =
                (subtag > 0 && k == 2 && !digit) || (subtag == 1 && k == 4 && !digit && i == 0);
            out[n++] = (char)(upper ? toupper((unsigned char)p[i]) : tolower((unsigned char)p[i]));
        }
        subtag++;
        p += k;
        if (p < end && ++p == end) /* a trailing separator */
            return false;
    }
    out[n] = '\0';
    return subtag > 0;
}
