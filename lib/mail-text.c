/*
 * libcs - the text of a mail: charsets to UTF-8, HTML made readable, and the new text told
 * apart from the quoted history and the signature.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "cs-internal.h"
#include "mail.h"

/* Growing strings ------------------------------------------------------------------- */

bool cs_buf__add(cs_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return false;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = cs_mem__realloc(b->s, cap);
        if (!p) {
            b->failed = true;
            return false;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
    return true;
}

bool cs_buf__str(cs_buf *b, const char *s)
{
    return cs_buf__add(b, s, strlen(s));
}

void cs_buf__free(cs_buf *b)
{
    cs_mem__free(b->s);
    memset(b, 0, sizeof(*b));
}

/* Charsets -------------------------------------------------------------------------- */

/* Windows-1252's 0x80..0x9F; the rest of the byte range is ISO-8859-1. Undefined bytes are
 * U+FFFD. Mail that says ISO-8859-1 is read as Windows-1252, as browsers do: Outlook's
 * quotes and dashes are there. */
static const unsigned short cp1252_high[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

static bool add_code_point(cs_buf *b, unsigned cp)
{
    char u[4];
    size_t n;

    if (cp < 0x80) {
        u[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    } else {
        u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    }
    return cs_buf__add(b, u, n);
}

static bool from_cp1252(cs_buf *b, const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned c = s[i];
        if (!add_code_point(b, c >= 0x80 && c < 0xA0 ? cp1252_high[c - 0x80] : c))
            return false;
    }
    return true;
}

/* The length of the valid UTF-8 sequence at s (at most len bytes), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
    size_t n = s[0] < 0x80                    ? 1
               : s[0] >= 0xC2 && s[0] <= 0xDF ? 2
               : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
               : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4
                                              : 0;

    if (!n || n > len)
        return 0;
    return cs_utf8__valid((const char *)s, n) ? n : 0;
}

/* UTF-8 as it is, with U+FFFD for each byte that is not part of a valid sequence. */
static bool from_utf8(cs_buf *b, const unsigned char *s, size_t len)
{
    size_t i = 0, start = 0;

    while (i < len) {
        size_t n = utf8_sequence(s + i, len - i);
        if (n) {
            i += n;
            continue;
        }
        if (!cs_buf__add(b, (const char *)s + start, i - start) || !add_code_point(b, 0xFFFD))
            return false;
        start = ++i;
    }
    return cs_buf__add(b, (const char *)s + start, i - start);
}

static bool is_latin(const char *charset)
{
    static const char *const names[] = {"iso-8859-1",   "iso8859-1",  "latin1", "l1",    "cp1252",
                                        "windows-1252", "iso_8859-1", "cp819",  "ibm819"};
    for (size_t i = 0; i < CS_ARRAY_SIZE(names); i++)
        if (!strcasecmp(charset, names[i]))
            return true;
    return false;
}

/* NUL becomes a space and CR LF (or a lone CR) LF, in place. */
static void tidy_text(cs_buf *b)
{
    size_t w = 0;

    for (size_t r = 0; r < b->n; r++) {
        char c = b->s[r];
        if (c == '\r') {
            if (r + 1 < b->n && b->s[r + 1] == '\n')
                continue;
            c = '\n';
        }
        b->s[w++] = c ? c : ' ';
    }
    b->n = w;
    if (b->s)
        b->s[w] = '\0';
}

int cs_mail__to_utf8(char **out, const void *data, size_t len, const char *charset)
{
    const unsigned char *s = data ? data : (const void *)"";
    cs_buf b = {0};
    bool ok;

    *out = NULL;
    if (!charset || !*charset || !strcasecmp(charset, "utf-8") || !strcasecmp(charset, "utf8") ||
        !strcasecmp(charset, "us-ascii") || !strcasecmp(charset, "ascii")) {
        /* Undeclared or ASCII text that is not UTF-8 is, in practice, Windows-1252. */
        ok = cs_utf8__valid((const char *)s, len) || (charset && !strncasecmp(charset, "utf", 3))
                 ? from_utf8(&b, s, len)
                 : from_cp1252(&b, s, len);
    } else if (is_latin(charset)) {
        ok = from_cp1252(&b, s, len);
    } else {
        const char *name = g_mime_charset_iconv_name(charset);
        gsize written = 0;
        char *u = name
                      ? g_convert((const char *)s, (gssize)len, "UTF-8", name, NULL, &written, NULL)
                      : NULL;
        /* An unknown charset, or bytes that are not in it: read them as well as possible. */
        ok = u ? from_utf8(&b, (const unsigned char *)u, written)
             : cs_utf8__valid((const char *)s, len) ? from_utf8(&b, s, len)
                                                    : from_cp1252(&b, s, len);
        g_free(u);
    }
    if (ok && !b.s)
        ok = cs_buf__add(&b, "", 0);
    if (!ok) {
        cs_buf__free(&b);
        return cs_error__nomem();
    }
    tidy_text(&b);
    *out = b.s;
    return CS_OK;
}

/* HTML to text ----------------------------------------------------------------------- */

struct html_text {
    cs_buf out;
    int pre;      /* inside <pre> */
    int newlines; /* newlines at the end of out (2 at most count) */
    bool space;   /* a space is owed before the next word */
    size_t depth;
};

#define HTML_DEPTH_MAX 256

static bool tag_is(const xmlNode *n, const char *name)
{
    return n->name && !strcasecmp((const char *)n->name, name);
}

static bool tag_in(const xmlNode *n, const char *const *names)
{
    for (; *names; names++)
        if (tag_is(n, *names))
            return true;
    return false;
}

static const char *const skipped[] = {"head",     "script", "style",  "title", "template",
                                      "noscript", "object", "iframe", NULL};
static const char *const blocks[] = {"div",     "ul",      "ol",       "table",  "tr",
                                     "section", "article", "header",   "footer", "address",
                                     "center",  "form",    "fieldset", "dl",     "dt",
                                     "dd",      "li",      "main",     "nav",    NULL};
static const char *const paragraphs[] = {"p",  "h1", "h2",  "h3",         "h4",
                                         "h5", "h6", "pre", "blockquote", NULL};

static void newline(struct html_text *h, int want)
{
    if (!h->out.n)
        return; /* nothing above to separate from */
    while (h->newlines < want) {
        cs_buf__add(&h->out, "\n", 1);
        h->newlines++;
    }
    h->space = false;
}

static void text(struct html_text *h, const char *s)
{
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (h->pre) {
            cs_buf__add(&h->out, p, 1);
            h->newlines = c == '\n' ? h->newlines + 1 : 0;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            h->space = h->newlines == 0 && h->out.n > 0;
            continue;
        }
        /* A non-breaking space is a space too, but never one to fold. */
        if (h->space)
            cs_buf__add(&h->out, " ", 1);
        h->space = false;
        cs_buf__add(&h->out, p, 1);
        h->newlines = 0;
    }
}

static void walk(struct html_text *h, const xmlNode *n);

/* A quoted block: its text with "> " before every line, so the quote finder sees it. */
static void quoted(struct html_text *h, const xmlNode *n)
{
    struct html_text inner = {.depth = h->depth};
    const char *p;

    walk(&inner, n->children);
    if (inner.out.failed) {
        h->out.failed = true;
        cs_buf__free(&inner.out);
        return;
    }
    newline(h, 1);
    for (p = inner.out.s; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        const char *prefix = len && *p != '>' ? "> " : ">";
        cs_buf__add(&h->out, prefix, strlen(prefix));
        cs_buf__add(&h->out, p, len);
        cs_buf__add(&h->out, "\n", 1);
        p = nl ? nl + 1 : p + len;
    }
    h->newlines = 1;
    h->space = false;
    cs_buf__free(&inner.out);
}

static void element(struct html_text *h, const xmlNode *n)
{
    xmlChar *attr;

    if (tag_in(n, skipped))
        return;
    if (tag_is(n, "br")) {
        cs_buf__add(&h->out, "\n", 1);
        h->newlines++;
        h->space = false;
        return;
    }
    if (tag_is(n, "hr")) {
        newline(h, 1);
        text(h, "----");
        newline(h, 1);
        return;
    }
    if (tag_is(n, "img")) {
        if ((attr = xmlGetProp(n, (const xmlChar *)"alt")) && *attr) {
            text(h, "[");
            text(h, (const char *)attr);
            text(h, "]");
        }
        xmlFree(attr);
        return;
    }
    if (tag_is(n, "blockquote")) {
        newline(h, 2);
        quoted(h, n);
        newline(h, 2);
        return;
    }
    bool para = tag_in(n, paragraphs), block = para || tag_in(n, blocks);
    if (block)
        newline(h, para ? 2 : 1);
    if (tag_is(n, "li"))
        text(h, "- ");
    if (tag_is(n, "td") || tag_is(n, "th"))
        h->space = h->newlines == 0 && h->out.n > 0;
    h->pre += tag_is(n, "pre");
    walk(h, n->children);
    h->pre -= tag_is(n, "pre");
    if (tag_is(n, "a") && (attr = xmlGetProp(n, (const xmlChar *)"href"))) {
        const char *href = (const char *)attr;
        /* A link shows where it goes unless its text says so already. */
        if ((!strncasecmp(href, "http", 4) || !strncasecmp(href, "mailto:", 7)) && h->out.s &&
            !strstr(h->out.s + (h->out.n > 300 ? h->out.n - 300 : 0),
                    !strncasecmp(href, "mailto:", 7) ? href + 7 : href)) {
            text(h, " <");
            text(h, !strncasecmp(href, "mailto:", 7) ? href + 7 : href);
            text(h, ">");
        }
        xmlFree(attr);
    }
    if (block)
        newline(h, para ? 2 : 1);
}

static void walk(struct html_text *h, const xmlNode *n)
{
    if (++h->depth > HTML_DEPTH_MAX) {
        h->depth--;
        return; /* deeper markup is kept in the HTML, not in the text */
    }
    for (; n && !h->out.failed; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
            text(h, (const char *)n->content);
        else if (n->type == XML_ELEMENT_NODE)
            element(h, n);
    }
    h->depth--;
}

/* Trailing spaces off each line, at most one blank line in a row, none at either end. */
static int tidy_lines(char **out, const char *s)
{
    cs_buf b = {0};
    int blank = 0;

    cs_buf__add(&b, "", 0);
    for (const char *p = s; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (!len) {
            blank += b.n > 0;
        } else {
            if (b.n)
                cs_buf__add(&b, blank ? "\n\n" : "\n", blank ? 2 : 1);
            cs_buf__add(&b, p, len);
            blank = 0;
        }
        p = nl ? nl + 1 : p + strlen(p);
    }
    if (b.failed) {
        cs_buf__free(&b);
        return cs_error__nomem();
    }
    *out = b.s;
    return CS_OK;
}

int cs_mail__html_text(char **out, const char *html, size_t len)
{
    struct html_text h = {0};
    htmlDocPtr doc;
    int rc;

    *out = NULL;
    if (len > INT32_MAX)
        len = INT32_MAX;
    doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
                         HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                             HTML_PARSE_NONET | HTML_PARSE_NOIMPLIED);
    if (doc)
        walk(&h, xmlDocGetRootElement(doc) ? doc->children : NULL);
    xmlFreeDoc(doc);
    if (h.out.failed) {
        cs_buf__free(&h.out);
        return cs_error__nomem();
    }
    rc = tidy_lines(out, h.out.s);
    cs_buf__free(&h.out);
    return rc;
}

/* The new text, the quoted history and the signature ---------------------------------- */

struct line {
    const char *s;
    size_t len;
};

static bool blank(const struct line *l)
{
    for (size_t i = 0; i < l->len; i++)
        if (!isspace((unsigned char)l->s[i]))
            return false;
    return true;
}

static bool quote_line(const struct line *l)
{
    return l->len && l->s[0] == '>';
}

static bool starts(const struct line *l, const char *prefix)
{
    size_t n = strlen(prefix);
    return l->len >= n && !strncasecmp(l->s, prefix, n);
}

static bool contains(const struct line *l, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= l->len; i++)
        if (!strncasecmp(l->s + i, word, n))
            return true;
    return false;
}

static bool ends_with_colon(const struct line *l)
{
    size_t n = l->len;
    while (n && isspace((unsigned char)l->s[n - 1]))
        n--;
    return n && l->s[n - 1] == ':';
}

/* "-----Original Message-----", "-----Ursprüngliche Nachricht-----", "-------- Original-
 * Nachricht --------" and the like: a rule of dashes around words naming the original. */
static bool original_rule(const struct line *l)
{
    return starts(l, "-----") && (contains(l, "original") || contains(l, "ursprüngliche") ||
                                  contains(l, "message d'origine"));
}

static bool forward_marker(const struct line *l)
{
    return contains(l, "forwarded message") || contains(l, "weitergeleitete nachricht") ||
           starts(l, "Begin forwarded message") || starts(l, "Anfang der weitergeleiteten") ||
           contains(l, "message transféré");
}

/* The header block Outlook puts above a quoted mail without '>': "From:" (or "Von:", "De :")
 * and, within the next lines, "Sent:"/"Date:" and "To:"/"Subject:". */
static bool header_block(const struct line *v, size_t n, size_t i)
{
    static const char *const from[] = {"From:", "Von:", "De :", "De:", "*From:*", "*Von:*"};
    static const char *const sent[] = {
        "Sent:", "Gesendet:", "Date:", "Datum:", "Envoyé :", "*Sent:*", "*Gesendet:*"};
    static const char *const to[] = {
        "To:", "An:", "À :", "Subject:", "Betreff:", "Objet :", "*To:*", "*An:*"};
    bool f = false, s = false, t = false;

    for (size_t k = 0; k < CS_ARRAY_SIZE(from); k++)
        f = f || starts(&v[i], from[k]);
    for (size_t j = i + 1; f && j < n && j <= i + 5; j++) {
        for (size_t k = 0; k < CS_ARRAY_SIZE(sent); k++)
            s = s || starts(&v[j], sent[k]);
        for (size_t k = 0; k < CS_ARRAY_SIZE(to); k++)
            t = t || starts(&v[j], to[k]);
    }
    return f && s && t;
}

/* Whether the lines from `from` on are all quoted ('>') or blank. */
static bool rest_quoted(const struct line *v, size_t n, size_t from)
{
    bool any = false;
    for (size_t i = from; i < n; i++) {
        if (blank(&v[i]))
            continue;
        if (!quote_line(&v[i]))
            return false;
        any = true;
    }
    return any;
}

/* Whether a forward marker stands just above line i. */
static bool forwarded_above(const struct line *v, size_t i)
{
    for (size_t k = 1; k <= 3 && k <= i; k++)
        if (forward_marker(&v[i - k]))
            return true;
    return false;
}

/* Where the quoted history starts, or n. Forwarded mail is content, never history. */
static size_t quote_start(const struct line *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (original_rule(&v[i]))
            return i;
        if (header_block(v, n, i) && !forwarded_above(v, i)) {
            /* An underscore rule right above belongs to it (Outlook). */
            if (i > 0 && starts(&v[i - 1], "______"))
                return i - 1;
            return i;
        }
        if (quote_line(&v[i]) && rest_quoted(v, n, i)) {
            /* The attribution above it: "On ... wrote:", "Am ... schrieb ...:", on one line
             * or two (clients wrap it), with blank lines between. */
            size_t a = i;
            while (a > 0 && blank(&v[a - 1]))
                a--;
            if (a > 0 && ends_with_colon(&v[a - 1])) {
                a--;
                if (a > 0 && !blank(&v[a - 1]) &&
                    (starts(&v[a - 1], "On ") || starts(&v[a - 1], "Am ") ||
                     starts(&v[a - 1], "Le ")))
                    a--;
                return a;
            }
            return i;
        }
    }
    return n;
}

static bool mobile_signature(const struct line *l)
{
    static const char *const prefixes[] = {
        "Sent from my ",    "Von meinem ",    "Gesendet von ", "Sent from Mail for ",
        "Get Outlook for ", "Envoyé de mon ", "Gesendet mit "};
    for (size_t k = 0; k < CS_ARRAY_SIZE(prefixes); k++)
        if (starts(l, prefixes[k]))
            return true;
    return false;
}

/* Where the signature starts in lines [0, end), or end: the last "-- " delimiter (RFC 3676)
 * with at most 20 lines after it, or a mobile sign-off as the last line. */
static size_t signature_start(const struct line *v, size_t end)
{
    size_t last = end;

    while (last > 0 && blank(&v[last - 1]))
        last--;
    for (size_t i = last; i-- > 0 && last - i <= 21;)
        if ((v[i].len == 3 && !memcmp(v[i].s, "-- ", 3)) ||
            (v[i].len == 2 && !memcmp(v[i].s, "--", 2)))
            return i;
    if (last > 0 && mobile_signature(&v[last - 1]))
        return last - 1;
    return end;
}

/* Lines [from, to) joined, without blank lines at either end; NULL when nothing is left. */
static int join(char **out, const struct line *v, size_t from, size_t to)
{
    cs_buf b = {0};

    *out = NULL;
    while (from < to && blank(&v[from]))
        from++;
    while (to > from && blank(&v[to - 1]))
        to--;
    for (size_t i = from; i < to; i++) {
        size_t len = v[i].len;
        while (len && (v[i].s[len - 1] == ' ' || v[i].s[len - 1] == '\t') &&
               !(len == 3 && !memcmp(v[i].s, "-- ", 3)))
            len--;
        if ((i > from && !cs_buf__add(&b, "\n", 1)) || !cs_buf__add(&b, v[i].s, len))
            break;
    }
    if (b.failed) {
        cs_buf__free(&b);
        return cs_error__nomem();
    }
    *out = b.s;
    return CS_OK;
}

int cs_mail__split(char **body, char **quoted_out, char **signature, const char *text)
{
    struct line *v = NULL;
    size_t n = 0, cap = 0, q, sig;
    int rc;

    *body = *quoted_out = *signature = NULL;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        if (n == cap) {
            struct line *w = cs_mem__realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));
            if (!w) {
                cs_mem__free(v);
                return cs_error__nomem();
            }
            v = w;
        }
        v[n].s = p;
        v[n++].len = nl ? (size_t)(nl - p) : strlen(p);
        p = nl ? nl + 1 : p + strlen(p);
    }
    q = quote_start(v, n);
    sig = signature_start(v, q);
    if ((rc = join(body, v, 0, sig)) == CS_OK && !*body && (sig < n)) {
        /* Nothing new above the history or signature (a bare forward, a lone quote): the
         * whole text is the message. */
        rc = join(body, v, 0, n);
    } else if (rc == CS_OK &&
               ((rc = join(quoted_out, v, q, n)) < 0 || (rc = join(signature, v, sig, q)) < 0)) {
        cs_mem__free(*quoted_out);
        *quoted_out = NULL;
    }
    if (rc < 0) {
        cs_mem__free(*body);
        *body = NULL;
    }
    cs_mem__free(v);
    return rc;
}
