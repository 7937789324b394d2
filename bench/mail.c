/*
 * Raw-mail ingest rate: cs_ingest_mail() on generated mail beside cs_ingest() given the same
 * messages already taken apart (sender, name, subject, text, ids, attachments), in the same
 * run, each on a fresh file database, K ingests per cs_db_begin()/cs_db_commit() section so
 * that the disk's fsync rate does not hide the parsing cost. Two corpora:
 *
 *   plain  every mail text/plain UTF-8, 30% replies (In-Reply-To, a quoted line)
 *   mixed  40% plain UTF-8, 15% ISO-8859-1 quoted-printable, 15% HTML only, 20%
 *          multipart/alternative with a quoted history, 10% with a 2 KiB attachment;
 *          30% replies
 *
 * Prints messages per second for both and the ratio mail/plain. Not a test: `make bench`.
 *
 *   bench/mail [-n N] [--batch K]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libcs.h>

#define CUSTOMERS 2000
#define ATTACHMENT 2048

struct mail {
    char *raw;
    size_t size;
    /* the same message for cs_ingest() */
    char sender[64], name[64], subject[96], id[64], reply[64], *text;
    int attachment;
};

static unsigned char blob[ATTACHMENT];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static unsigned next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}

static void base64(char *out, const unsigned char *in, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t w = 0;

    for (size_t i = 0; i < n; i += 3) {
        unsigned v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[w++] = t[v >> 18 & 63];
        out[w++] = t[v >> 12 & 63];
        out[w++] = i + 1 < n ? t[v >> 6 & 63] : '=';
        out[w++] = i + 2 < n ? t[v & 63] : '=';
        if (i % 57 == 54)
            out[w++] = '\r', out[w++] = '\n';
    }
    out[w] = '\0';
}

/* Mail i of a corpus; `mixed` picks its shape. */
static void make_mail(struct mail *m, long i, long *last, int mixed)
{
    static char b64[ATTACHMENT * 2];
    int c = (int)(next_random() % CUSTOMERS), shape = mixed ? (int)(next_random() % 100) : 0;
    int reply = last[c] >= 0 && next_random() % 100 < 30;
    char head[1024], body[2048], quote[256] = "";
    const char *text = "Hallo, meine Bestellung ist noch nicht angekommen und die "
                       "Sendungsverfolgung zeigt seit Montag nichts Neues. Können Sie bitte "
                       "nachsehen, wann das Paket kommt? Vielen Dank und freundliche Grüße.";

    snprintf(m->sender, sizeof(m->sender), "kunde%d@example.com", c);
    snprintf(m->name, sizeof(m->name), "Kunde %d", c);
    snprintf(m->id, sizeof(m->id), "<m%ld.bench@example.com>", i);
    snprintf(m->subject, sizeof(m->subject), "%sBestellung %d", reply ? "Re: " : "", c);
    m->reply[0] = '\0';
    if (reply) {
        snprintf(m->reply, sizeof(m->reply), "<m%ld.bench@example.com>", last[c]);
        snprintf(quote, sizeof(quote),
                 "\r\n\r\nAm 01.03.2026 um 10:00 schrieb Service:\r\n> Wir "
                 "kümmern uns darum.\r\n");
    }
    m->text = strdup(text);
    m->attachment = mixed && shape >= 90;
    snprintf(
        head, sizeof(head),
        "From: Kunde %d <%s>\r\nTo: support@shop.example\r\nSubject: %s\r\n"
        "Date: Mon, 02 Mar 2026 09:00:00 +0100\r\nMessage-ID: %s\r\n%s%s%sMIME-Version: 1.0\r\n",
        c, m->sender, m->subject, m->id, reply ? "In-Reply-To: " : "", m->reply,
        reply ? "\r\n" : "");
    if (shape < 40 || !mixed) {
        snprintf(body, sizeof(body),
                 "Content-Type: text/plain; charset=utf-8\r\n"
                 "Content-Transfer-Encoding: 8bit\r\n\r\n%s%s",
                 text, quote);
    } else if (shape < 55) {
        snprintf(body, sizeof(body),
                 "Content-Type: text/plain; charset=iso-8859-1\r\n"
                 "Content-Transfer-Encoding: quoted-printable\r\n\r\nHallo, "
                 "meine Bestellung ist noch nicht angekommen und die "
                 "Sendungsverfolgung zeigt seit Montag nichts Neues. K=F6nnen "
                 "Sie bitte=\r\n nachsehen, wann das Paket kommt? Vielen Dank "
                 "und freundliche Gr=FC=DFe.%s",
                 quote);
    } else if (shape < 70) {
        snprintf(body, sizeof(body),
                 "Content-Type: text/html; charset=utf-8\r\n\r\n<html><body>"
                 "<p>%s</p><p>Bestellung <b>%d</b></p></body></html>",
                 text, c);
    } else if (shape < 90) {
        snprintf(body, sizeof(body),
                 "Content-Type: multipart/alternative; boundary=\"a\"\r\n\r\n"
                 "--a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s%s\r\n"
                 "--a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>%s</p>"
                 "<blockquote>Wir kümmern uns darum.</blockquote>\r\n--a--\r\n",
                 text, quote, text);
    } else {
        base64(b64, blob, sizeof(blob));
        snprintf(body, sizeof(body),
                 "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n"
                 "--m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s%s\r\n"
                 "--m\r\nContent-Type: application/pdf; name=\"beleg.pdf\"\r\n"
                 "Content-Transfer-Encoding: base64\r\n\r\n",
                 text, quote);
    }
    m->size = strlen(head) + strlen(body) + (m->attachment ? strlen(b64) + 16 : 0);
    m->raw = malloc(m->size + 1);
    snprintf(m->raw, m->size + 1, "%s%s%s%s", head, body, m->attachment ? b64 : "",
             m->attachment ? "\r\n--m--\r\n" : "");
    m->size = strlen(m->raw);
    last[c] = i;
}

static int64_t setup(cs_db **db, const char *path)
{
    cs_channel_fields f = CS_CHANNEL_FIELDS_INIT;
    int64_t ch = 0;

    f.kind = CS_CHANNEL_EMAIL;
    f.name = "Mail";
    f.address = "support@shop.example";
    if (cs_db_open(db, path, CS_OPEN_CREATE) < 0 || cs_channel_create(&ch, *db, &f) < 0) {
        fprintf(stderr, "setup: %s\n", cs_error_last()->message);
        exit(1);
    }
    return ch;
}

/* Ingest the corpus raw (mail) or taken apart; messages per second. */
static double run(const struct mail *v, long n, long batch, const char *path, int raw)
{
    cs_db *db = NULL;
    int64_t ch = setup(&db, path);
    double t0 = now();

    for (long i = 0; i < n; i++) {
        cs_ingest_result *r = NULL;
        int rc;
        if (i % batch == 0 && cs_db_begin(db) < 0)
            break;
        if (raw) {
            rc = cs_ingest_mail(&r, db, ch, v[i].raw, v[i].size, NULL);
        } else {
            cs_inbound in = CS_INBOUND_INIT;
            cs_attachment_spec a = {"beleg.pdf", "application/pdf", blob, sizeof(blob), NULL, NULL};
            in.channel_id = ch;
            in.external_id = v[i].id;
            in.sender = v[i].sender;
            in.sender_name = v[i].name;
            in.subject = v[i].subject;
            in.body = v[i].text;
            in.in_reply_to = v[i].reply[0] ? v[i].reply : NULL;
            in.attachments = v[i].attachment ? &a : NULL;
            in.nattachments = v[i].attachment;
            rc = cs_ingest(&r, db, &in);
        }
        if (rc < 0 || r->duplicate) {
            fprintf(stderr, "ingest %ld: %s\n", i, rc < 0 ? cs_error_last()->message : "dup");
            exit(1);
        }
        cs_ingest_result_free(r);
        if ((i % batch == batch - 1 || i == n - 1) && cs_db_commit(db) < 0)
            break;
    }
    double rate = n / (now() - t0);
    cs_db_close(db);
    return rate;
}

int main(int argc, char **argv)
{
    long n = 20000, batch = 100;
    char dir[] = "/tmp/libcs-bench-mail-XXXXXX", path[128];

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            n = atol(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = atol(argv[++i]);
        else {
            fprintf(stderr, "usage: bench/mail [-n N] [--batch K]\n");
            return 2;
        }
    }
    if (n < 1 || batch < 1 || !mkdtemp(dir)) {
        fprintf(stderr, "bench/mail: bad arguments or no temporary directory\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof(blob); i++)
        blob[i] = (unsigned char)(next_random() & 0xFF);
    printf("%ld mails per corpus, %ld per transaction\n", n, batch);
    for (int mixed = 0; mixed < 2; mixed++) {
        struct mail *v = calloc((size_t)n, sizeof(*v));
        long *last = malloc(CUSTOMERS * sizeof(*last));
        size_t bytes = 0;
        if (!v || !last)
            return 1;
        for (int c = 0; c < CUSTOMERS; c++)
            last[c] = -1;
        for (long i = 0; i < n; i++) {
            make_mail(&v[i], i, last, mixed);
            bytes += v[i].size;
        }
        snprintf(path, sizeof(path), "%s/plain-%d.db", dir, mixed);
        double plain = run(v, n, batch, path, 0);
        snprintf(path, sizeof(path), "%s/mail-%d.db", dir, mixed);
        double mail = run(v, n, batch, path, 1);
        printf("%-6s corpus (%.1f KiB a mail): cs_ingest %.0f msg/s, cs_ingest_mail %.0f msg/s "
               "(%.2f x)\n",
               mixed ? "mixed" : "plain", bytes / 1024.0 / n, plain, mail, mail / plain);
        for (long i = 0; i < n; i++) {
            free(v[i].raw);
            free(v[i].text);
        }
        free(v);
        free(last);
    }
    for (int k = 0; k < 2; k++)
        for (const char *p = "plain"; p; p = strcmp(p, "plain") ? NULL : "mail") {
            const char *sfx[] = {"", "-wal", "-shm"};
            for (int s = 0; s < 3; s++) {
                snprintf(path, sizeof(path), "%s/%s-%d.db%s", dir, p, k, sfx[s]);
                unlink(path);
            }
        }
    rmdir(dir);
    return 0;
}
