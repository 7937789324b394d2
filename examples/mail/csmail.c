/*
 * csmail - connect a mailbox to libcs: IMAP in, SMTP out, through libcurl.
 *
 *   csmail fetch   read new mail from an IMAP mailbox into the helpdesk (cs_ingest_mail)
 *   csmail send    send the channel's outbox over SMTP (cs_outbox_item_mime)
 *   csmail run     both, every --interval seconds, until SIGINT or SIGTERM
 *
 * Nothing is lost and nothing is taken twice, whenever the process dies: a mail is marked
 * in the mailbox (a keyword, or a move) only after its ingest committed, and ingest is
 * idempotent on the Message-ID, so a mail ingested but not yet marked is a duplicate next
 * time. An outbox item is acknowledged only after the server took it; a claim that is never
 * answered runs out and the item is sent again.
 *
 * Usage text: csmail --help; manual: docs/man/csmail.1; guide: docs/mail.md.
 */
#define _GNU_SOURCE /* memmem */
#include <curl/curl.h>
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libcs.h>

#define MAX_LINE 4096

static const char usage[] =
    "Usage: csmail [OPTIONS] fetch|send|run\n"
    "\n"
    "  fetch   read new mail from the IMAP mailbox into the helpdesk\n"
    "  send    send the channel's outbox over SMTP\n"
    "  run     fetch and send every --interval seconds until SIGINT or SIGTERM\n"
    "\n"
    "Options (each also \"name = value\" in a --config file; flags win):\n"
    "  --config FILE        read options from FILE\n"
    "  --db PATH            the libcs database (required)\n"
    "  --channel ID         the email channel of this mailbox (required)\n"
    "  --imap URL           imap://host[:port]/MAILBOX or imaps://... (fetch)\n"
    "  --smtp URL           smtp://host[:port] or smtps://... (send)\n"
    "  --user NAME          login name for IMAP and SMTP\n"
    "  --password TEXT      password (prefer --password-file)\n"
    "  --password-file F    read the password from the first line of F\n"
    "  --smtp-user NAME     another login for SMTP (\"\" for none)\n"
    "  --smtp-password TEXT its password\n"
    "  --tls MODE           try: STARTTLS where offered (default); require; none\n"
    "  --ca-file FILE       trust the certificates in FILE\n"
    "  --done-flag KEYWORD  mark ingested mail with this keyword (default $CsIngested)\n"
    "  --move-to MAILBOX    move ingested mail there instead of marking it\n"
    "  --interval SECONDS   run: time between rounds (default 60)\n"
    "  --max N              send: items per round (default 50)\n"
    "  --batch N            fetch: mails ingested per commit (default 16; 1: each alone)\n"
    "  --throttle MS        wait MS milliseconds after each message (go easy on a server)\n"
    "  --timeout SECONDS    give up on a server after this long (default 60)\n"
    "  --verbose            show the protocol conversation on stderr\n"
    "\n"
    "Exit status: 0 done; 1 a server or the database failed (the message says why); 2 usage.\n";

struct config {
    const char *db, *imap, *smtp, *user, *password, *password_file, *smtp_user, *smtp_password;
    const char *tls, *ca_file, *done_flag, *move_to;
    long long channel, interval, max, batch, throttle, timeout;
    int verbose;
};

/* Strings read from a --config file live until main() releases them. */
#define KEPT_MAX 64
static char *kept[KEPT_MAX];
static size_t nkept;

static char *keep(const char *s)
{
    char *copy = nkept < KEPT_MAX ? strdup(s) : NULL;

    if (!copy) {
        fputs(nkept < KEPT_MAX ? "csmail: out of memory\n" : "csmail: too many options\n", stderr);
        exit(2);
    }
    return kept[nkept++] = copy;
}

static void release_kept(void)
{
    while (nkept)
        free(kept[--nkept]);
}

static int set_number(long long *out, const char *name, const char *value)
{
    char *end;

    errno = 0;
    *out = strtoll(value, &end, 10);
    if (errno || end == value || *end || *out < 0) {
        fprintf(stderr, "csmail: --%s wants a number, not \"%s\"\n", name, value);
        return -1;
    }
    return 0;
}

/* Set option `name`; only_unset: a config file does not override a flag. */
static int set_option(struct config *c, const char *name, const char *value, int only_unset)
{
    static const struct {
        const char *name;
        size_t offset;
    } strings[] = {
        {"db", offsetof(struct config, db)},
        {"imap", offsetof(struct config, imap)},
        {"smtp", offsetof(struct config, smtp)},
        {"user", offsetof(struct config, user)},
        {"password", offsetof(struct config, password)},
        {"password-file", offsetof(struct config, password_file)},
        {"smtp-user", offsetof(struct config, smtp_user)},
        {"smtp-password", offsetof(struct config, smtp_password)},
        {"tls", offsetof(struct config, tls)},
        {"ca-file", offsetof(struct config, ca_file)},
        {"done-flag", offsetof(struct config, done_flag)},
        {"move-to", offsetof(struct config, move_to)},
    };
    static const struct {
        const char *name;
        size_t offset;
    } numbers[] = {
        {"channel", offsetof(struct config, channel)},
        {"interval", offsetof(struct config, interval)},
        {"max", offsetof(struct config, max)},
        {"batch", offsetof(struct config, batch)},
        {"throttle", offsetof(struct config, throttle)},
        {"timeout", offsetof(struct config, timeout)},
    };

    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        const char **slot = (const char **)((char *)c + strings[i].offset);
        if (strcmp(name, strings[i].name))
            continue;
        if (!only_unset || !*slot)
            *slot = value;
        return 0;
    }
    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        long long *slot = (long long *)((char *)c + numbers[i].offset), v;
        if (strcmp(name, numbers[i].name))
            continue;
        if (set_number(&v, name, value) < 0)
            return -1;
        if (!only_unset || *slot < 0)
            *slot = v;
        return 0;
    }
    fprintf(stderr, "csmail: unknown option \"%s\"\n", name);
    return -1;
}

/* "name = value" lines; '#' starts a comment line. */
static int read_config(struct config *c, const char *path)
{
    char line[MAX_LINE];
    FILE *f = fopen(path, "r");
    int n = 0, rc = 0;

    if (!f) {
        fprintf(stderr, "csmail: cannot read the config file %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        char *p = line, *eq, *end;
        n++;
        line[strcspn(line, "\r\n")] = '\0';
        p += strspn(p, " \t");
        if (!*p || *p == '#')
            continue;
        if (!(eq = strchr(p, '='))) {
            fprintf(stderr, "csmail: %s:%d: expected \"name = value\"\n", path, n);
            rc = -1;
            break;
        }
        for (end = eq; end > p && (end[-1] == ' ' || end[-1] == '\t'); end--)
            ;
        *end = '\0';
        eq++;
        eq += strspn(eq, " \t");
        for (end = eq + strlen(eq); end > eq && (end[-1] == ' ' || end[-1] == '\t'); end--)
            ;
        *end = '\0';
        if (set_option(c, p, keep(eq), 1) < 0) {
            fprintf(stderr, "csmail: in %s, line %d\n", path, n);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

static int read_password(struct config *c)
{
    char line[MAX_LINE];
    FILE *f;

    if (c->password || !c->password_file)
        return 0;
    if (!(f = fopen(c->password_file, "r"))) {
        fprintf(stderr, "csmail: cannot read the password file %s: %s\n", c->password_file,
                strerror(errno));
        return -1;
    }
    if (!fgets(line, sizeof(line), f))
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    c->password = keep(line);
    return 0;
}

/* libcurl ---------------------------------------------------------------------------- */

/* The server's last refusal, for error messages. */
struct conversation {
    char last[512];
    int verbose;
};

static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *payload)
{
    struct conversation *cv = payload;
    size_t n = size < sizeof(cv->last) - 1 ? size : sizeof(cv->last) - 1;

    (void)h;
    if (cv->verbose &&
        (type == CURLINFO_HEADER_IN || type == CURLINFO_HEADER_OUT || type == CURLINFO_TEXT))
        fprintf(stderr, "%s %.*s",
                type == CURLINFO_HEADER_IN ? "<"
                : type == CURLINFO_TEXT    ? "*"
                                           : ">",
                (int)size, data);
    /* Keep the server's refusal (SMTP 4xx/5xx, IMAP NO/BAD), not the goodbye after it. */
    if (type == CURLINFO_HEADER_IN && size > 4 &&
        (((data[0] == '4' || data[0] == '5') && data[1] >= '0' && data[1] <= '9') ||
         memmem(data, size, " NO ", 4) || memmem(data, size, " BAD ", 5))) {
        memcpy(cv->last, data, n);
        cv->last[n] = '\0';
        cv->last[strcspn(cv->last, "\r\n")] = '\0';
    }
    return 0;
}

static CURL *session(const struct config *c, struct conversation *cv, const char *user,
                     const char *password)
{
    CURL *h = curl_easy_init();
    long tls = !c->tls || !strcmp(c->tls, "try") ? CURLUSESSL_TRY
               : !strcmp(c->tls, "require")      ? CURLUSESSL_ALL
                                                 : CURLUSESSL_NONE;

    if (!h)
        return NULL;
    curl_easy_setopt(h, CURLOPT_USE_SSL, tls);
    if (c->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    if (user && *user) {
        curl_easy_setopt(h, CURLOPT_USERNAME, user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, password ? password : "");
    }
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->timeout);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, cv);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    return h;
}

/* A failed transfer in words a person can act on. */
static void explain(char *out, size_t size, CURLcode rc, const char *url, const char *errbuf,
                    const struct conversation *cv)
{
    const char *what;

    switch (rc) {
    case CURLE_LOGIN_DENIED:
        what = "the server refused the user name or password";
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
        what = "the server's host name is unknown";
        break;
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
        what = "cannot reach the server";
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
        what = "the server's certificate is not trusted (give its CA with --ca-file, or check "
               "the host name)";
        break;
    case CURLE_USE_SSL_FAILED:
        what = "the server does not offer STARTTLS, and --tls require asks for it";
        break;
    default:
        what = curl_easy_strerror(rc);
    }
    snprintf(out, size, "%s: %s%s%s%s%s", url, what, *errbuf ? " (" : "", errbuf,
             *errbuf ? ")" : "", "");
    if (cv->last[0] && rc != CURLE_COULDNT_CONNECT && rc != CURLE_COULDNT_RESOLVE_HOST) {
        size_t len = strlen(out);
        snprintf(out + len, size - len, "; the server said: %s", cv->last);
    }
}

/* A growing buffer for what a transfer receives. */
struct buffer {
    char *data;
    size_t len, cap;
};

static size_t on_write(char *data, size_t size, size_t n, void *payload)
{
    struct buffer *b = payload;
    size_t add = size * n;

    if (b->len + add + 1 > b->cap) {
        size_t cap = (b->len + add + 1) * 2;
        char *grown = realloc(b->data, cap);
        if (!grown)
            return 0;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, add);
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

/* One IMAP request on the mailbox URL (or a message URL); the response in *b. */
static int imap(CURL *h, struct conversation *cv, const char *url, const char *command,
                struct buffer *b, char *err, size_t errsize)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    CURLcode rc;

    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
    cv->last[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, command);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    if ((rc = curl_easy_perform(h)) == CURLE_OK)
        return 0;
    explain(err, errsize, rc, url, errbuf, cv);
    return -1;
}

static void pause_ms(long long ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

    while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* fetch ------------------------------------------------------------------------------ */

/* The UIDs in a "* SEARCH 1 2 3" response; returns how many (at most max). */
static size_t search_uids(unsigned long *uids, size_t max, const char *response)
{
    const char *p = response ? strstr(response, "* SEARCH") : NULL;
    size_t n = 0;

    if (!p)
        return 0;
    p += strlen("* SEARCH");
    while (n < max && *p && *p != '\r' && *p != '\n') {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p)
            break;
        uids[n++] = v;
        p = end;
    }
    return n;
}

#define FETCH_BATCH 500
#define GROUP_MAX 256           /* mails per commit, at most */
#define GROUP_BYTES (16u << 20) /* raw bytes held for one commit, at most */

/* A mail fetched and, once its group committed, its result. */
struct fetched {
    unsigned long uid;
    struct buffer raw;
    cs_ingest_result *res;
};

static int ingest_one(cs_db *db, const struct config *c, struct fetched *f, bool quiet)
{
    int rc =
        cs_ingest_mail(&f->res, db, c->channel, f->raw.data ? f->raw.data : "", f->raw.len, NULL);

    if (rc < 0 && !quiet)
        fprintf(stderr,
                "csmail fetch: UID %lu: ingest failed (%s): %s; it stays in the mailbox for the "
                "next round\n",
                f->uid, cs_status_name(rc), cs_error_last()->message);
    return rc;
}

/* Ingest a group of fetched mails: all in one bulk section (one commit, one wait for the
 * disk); should one fail, the section is rolled back and the mails go in one by one, each
 * in its own transaction, up to the one that fails, which is named. The count that went
 * in, in order. */
static size_t ingest_group(cs_db *db, const struct config *c, struct fetched *g, size_t n)
{
    size_t i = 0;

    if (n > 1 && cs_db_begin_bulk(db) == CS_OK) {
        while (i < n && ingest_one(db, c, &g[i], true) == CS_OK)
            i++;
        if (i == n && cs_db_commit(db) == CS_OK)
            return n;
        if (i < n) /* a failed commit has rolled back already */
            cs_db_rollback(db);
        for (size_t k = 0; k < n; k++) {
            cs_ingest_result_free(g[k].res);
            g[k].res = NULL;
        }
    }
    for (i = 0; i < n && ingest_one(db, c, &g[i], false) == CS_OK; i++)
        ;
    return i;
}

/* Mark an ingested mail (or move it), so the next round does not fetch it again. */
static int mark(CURL *h, struct conversation *cv, const struct config *c, unsigned long uid,
                struct buffer *b)
{
    char cmd[600], err[1024];

    if (c->move_to)
        snprintf(cmd, sizeof(cmd), "UID MOVE %lu %s", uid, c->move_to);
    else
        snprintf(cmd, sizeof(cmd), "UID STORE %lu +FLAGS.SILENT (%s)", uid, c->done_flag);
    if (imap(h, cv, c->imap, cmd, b, err, sizeof(err)) < 0) {
        fprintf(stderr, "csmail fetch: UID %lu was ingested but not marked: %s\n", uid, err);
        return -1;
    }
    return 0;
}

static void report_fetched(const struct fetched *f)
{
    const cs_ingest_result *res = f->res;

    printf("fetched UID %lu: %s, ticket #%lld%s%s\n", f->uid, cs_mail_kind_name(res->mail_kind),
           (long long)res->ticket_number,
           res->duplicate ? " (seen before)"
           : res->created ? " (new)"
                          : "",
           res->receipt_id ? ", receipt queued" : "");
}

/* Fetch new mail by UID in groups of --batch; each group is ingested, and only once that
 * committed are its mails marked. A crash in between fetches them again next round, and
 * ingest takes them for the duplicates they are. */
static int fetch(const struct config *c, cs_db *db)
{
    struct conversation cv = {"", c->verbose};
    struct buffer b = {0};
    struct fetched *group = NULL;
    unsigned long uids[FETCH_BATCH];
    char err[1024], url[2048], cmd[600];
    size_t n, done = 0, size = c->batch < GROUP_MAX ? (size_t)c->batch : GROUP_MAX;
    int rc = 0;
    CURL *h;

    if (!(group = calloc(size, sizeof(*group))))
        return fputs("csmail: out of memory\n", stderr), 1;
    if (!(h = session(c, &cv, c->user, c->password))) {
        free(group);
        return fputs("csmail: cannot start libcurl\n", stderr), 1;
    }
    snprintf(cmd, sizeof(cmd), "UID SEARCH UNKEYWORD %s", c->done_flag);
    if (c->move_to)
        snprintf(cmd, sizeof(cmd), "UID SEARCH ALL");
    if (imap(h, &cv, c->imap, cmd, &b, err, sizeof(err)) < 0) {
        fprintf(stderr, "csmail fetch: %s\n", err);
        rc = 1;
        goto out;
    }
    n = search_uids(uids, FETCH_BATCH, b.data);
    for (size_t i = 0; i < n && rc == 0;) {
        size_t k = 0, bytes = 0, in;

        while (i + k < n && k < size && bytes < GROUP_BYTES) {
            struct fetched *f = &group[k];
            f->uid = uids[i + k];
            snprintf(url, sizeof(url), "%s;UID=%lu", c->imap, f->uid);
            if (imap(h, &cv, url, NULL, &f->raw, err, sizeof(err)) < 0) {
                fprintf(stderr, "csmail fetch: UID %lu: %s\n", f->uid, err);
                rc = 1;
                break;
            }
            bytes += f->raw.len;
            k++;
            pause_ms(c->throttle);
        }
        in = ingest_group(db, c, group, k);
        if (in < k)
            rc = 1;
        for (size_t m = 0; m < in && mark(h, &cv, c, group[m].uid, &b) == 0; m++) {
            report_fetched(&group[m]);
            done++;
        }
        if (done < i + in)
            rc = 1;
        for (size_t m = 0; m < k; m++) {
            cs_ingest_result_free(group[m].res);
            group[m].res = NULL;
        }
        i += k;
    }
    if (rc == 0)
        printf("fetch: %zu mail%s\n", done, done == 1 ? "" : "s");
out:
    for (size_t m = 0; m < size; m++)
        free(group[m].raw.data);
    free(group);
    free(b.data);
    curl_easy_cleanup(h);
    return rc;
}

/* send ------------------------------------------------------------------------------- */

struct upload {
    const char *data;
    size_t len, pos;
};

static size_t on_read(char *dst, size_t size, size_t n, void *payload)
{
    struct upload *u = payload;
    size_t want = size * n, left = u->len - u->pos;

    if (want > left)
        want = left;
    memcpy(dst, u->data + u->pos, want);
    u->pos += want;
    return want;
}

/* Send one rendered mail; 0, or -1 with the reason in err. */
static int smtp_send(CURL *h, struct conversation *cv, const struct config *c, const char *from,
                     const char *to, const char *mime, size_t size, char *err, size_t errsize)
{
    char errbuf[CURL_ERROR_SIZE] = "", rcpt[1024], sender[1024];
    struct upload u = {mime, size, 0};
    struct curl_slist *list;
    CURLcode rc;

    snprintf(rcpt, sizeof(rcpt), "<%s>", to);
    snprintf(sender, sizeof(sender), "<%s>", from);
    if (!(list = curl_slist_append(NULL, rcpt))) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    cv->last[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, c->smtp);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, sender);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, list);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &u);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    rc = curl_easy_perform(h);
    curl_slist_free_all(list);
    if (rc == CURLE_OK)
        return 0;
    explain(err, errsize, rc, c->smtp, errbuf, cv);
    return -1;
}

static int send_all(const struct config *c, cs_db *db)
{
    struct conversation cv = {"", c->verbose};
    cs_outbox_batch *batch = NULL;
    cs_channel *ch = NULL;
    size_t sent = 0, failed = 0;
    char err[1024];
    int rc = 0;
    CURL *h = NULL;

    if (cs_channel_lookup(&ch, db, c->channel) < 0 || !cs_channel_address(ch)) {
        fprintf(stderr, "csmail send: channel %lld: %s\n", c->channel,
                ch ? "has no address to send from" : cs_error_last()->message);
        cs_channel_free(ch);
        return 1;
    }
    if (!(h = session(c, &cv, c->smtp_user ? c->smtp_user : c->user,
                      c->smtp_user ? c->smtp_password : c->password))) {
        cs_channel_free(ch);
        return fputs("csmail: cannot start libcurl\n", stderr), 1;
    }
    /* A lease long enough for the slowest server: an item whose lease runs out while it is
     * being sent would go out twice. */
    if (cs_outbox_claim(&batch, db, 0, c->channel, (size_t)c->max, (int)c->timeout * 3 + 60) < 0) {
        fprintf(stderr, "csmail send: claiming the outbox: %s\n", cs_error_last()->message);
        rc = 1;
        goto out;
    }
    for (size_t i = 0; i < cs_outbox_batch_count(batch); i++) {
        const cs_outbox_item *it = cs_outbox_batch_item(batch, i);
        char *mime = NULL;
        size_t size = 0;
        int ok;

        if (cs_outbox_item_mime(&mime, &size, db, it->id) < 0) {
            snprintf(err, sizeof(err), "cannot render the mail: %s", cs_error_last()->message);
            ok = -1;
        } else {
            /* Automatic mail goes with an empty return path (RFC 3834): a bounce of a
             * receipt must not come back and start a conversation with a robot. */
            ok = smtp_send(h, &cv, c, strcmp(it->kind, "reply") ? "" : cs_channel_address(ch),
                           it->recipient, mime, size, err, sizeof(err));
        }
        cs_str_free(mime);
        if (ok == 0 && cs_outbox_ack(db, it->id, it->lease, it->message_id_header) == CS_OK) {
            printf("sent item %lld (%s, ticket %lld) to %s\n", (long long)it->id, it->kind,
                   (long long)it->ticket_id, it->recipient);
            sent++;
        } else if (ok == 0) {
            fprintf(stderr, "csmail send: item %lld was sent but not acknowledged: %s\n",
                    (long long)it->id, cs_error_last()->message);
            rc = 1;
        } else {
            fprintf(stderr, "csmail send: item %lld to %s: %s\n", (long long)it->id, it->recipient,
                    err);
            if (cs_outbox_fail(db, it->id, it->lease, err, 0) < 0)
                fprintf(stderr, "csmail send: item %lld: %s\n", (long long)it->id,
                        cs_error_last()->message);
            failed++;
            rc = 1;
        }
        pause_ms(c->throttle);
    }
    printf("send: %zu sent, %zu failed\n", sent, failed);
out:
    cs_outbox_batch_free(batch);
    cs_channel_free(ch);
    curl_easy_cleanup(h);
    return rc;
}

/* run -------------------------------------------------------------------------------- */

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
    (void)sig;
    stopping = 1;
}

static int run(const struct config *c, cs_db *db)
{
    struct sigaction sa;
    int rc = 0;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    while (!stopping) {
        rc = 0;
        if (c->imap && fetch(c, db))
            rc = 1;
        if (c->smtp && !stopping && send_all(c, db))
            rc = 1;
        fflush(stdout);
        for (long long s = 0; s < c->interval * 10 && !stopping; s++)
            pause_ms(100);
    }
    return rc;
}

static int check_config(const struct config *c, const char *cmd)
{
    const char *missing = !c->db                                        ? "--db"
                          : c->channel <= 0                             ? "--channel"
                          : !strcmp(cmd, "fetch") && !c->imap           ? "--imap"
                          : !strcmp(cmd, "send") && !c->smtp            ? "--smtp"
                          : !strcmp(cmd, "run") && !c->imap && !c->smtp ? "--imap or --smtp"
                                                                        : NULL;

    if (missing) {
        fprintf(stderr, "csmail %s: %s is required\n%s", cmd, missing, usage);
        return -1;
    }
    if (c->tls && strcmp(c->tls, "try") && strcmp(c->tls, "require") && strcmp(c->tls, "none")) {
        fprintf(stderr, "csmail: --tls is try, require or none, not \"%s\"\n", c->tls);
        return -1;
    }
    if (strpbrk(c->done_flag, " ()\r\n\"\\{%*]") ||
        (c->move_to && strpbrk(c->move_to, " ()\r\n\"\\{%*"))) {
        fprintf(stderr, "csmail: --done-flag and --move-to must be plain IMAP atoms\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct config c = {0};
    const char *cmd = NULL, *config = NULL;
    cs_db *db = NULL;
    int rc;

    atexit(release_kept);
    c.channel = c.interval = c.max = c.batch = c.throttle = c.timeout = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        }
        if (!strcmp(a, "--verbose")) {
            c.verbose = 1;
        } else if (!strncmp(a, "--", 2) && i + 1 < argc) {
            if (!strcmp(a + 2, "config"))
                config = argv[++i];
            else if (set_option(&c, a + 2, argv[++i], 0) < 0)
                return 2;
        } else if (!cmd && a[0] != '-') {
            cmd = a;
        } else {
            fprintf(stderr, "csmail: unexpected \"%s\"\n%s", a, usage);
            return 2;
        }
    }
    if (!cmd || (strcmp(cmd, "fetch") && strcmp(cmd, "send") && strcmp(cmd, "run"))) {
        fputs(usage, stderr);
        return 2;
    }
    if (config && read_config(&c, config) < 0)
        return 2;
    if (c.interval < 0)
        c.interval = 60;
    if (c.max <= 0)
        c.max = 50;
    if (c.batch <= 0)
        c.batch = 16;
    if (c.throttle < 0)
        c.throttle = 0;
    if (c.timeout <= 0)
        c.timeout = 60;
    if (!c.done_flag)
        c.done_flag = "$CsIngested";
    if (check_config(&c, cmd) < 0 || read_password(&c) < 0)
        return 2;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return fputs("csmail: cannot start libcurl\n", stderr), 1;
    if (cs_db_open(&db, c.db, CS_OPEN_READWRITE) < 0) {
        fprintf(stderr, "csmail: %s: %s\n", c.db, cs_error_last()->message);
        curl_global_cleanup();
        return 1;
    }
    rc = !strcmp(cmd, "fetch")  ? fetch(&c, db)
         : !strcmp(cmd, "send") ? send_all(&c, db)
                                : run(&c, db);
    cs_db_close(db);
    curl_global_cleanup();
    return rc;
}
