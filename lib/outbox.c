/*
 * libcs - replies and the outbox: queued items, leases, acknowledgements, retries.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cs-internal.h"
#include "react.h"
#include "perm.h"
#include "audit.h"
#include "agent.h"
#include "ticket.h"
#include "message.h"
#include "outbox.h"
#include "setting.h"
#include "store/channel.h"
#include "store/customer.h"

#define MAX_BACKOFF (6 * 3600)
#define REFERENCES_MAX 20
#define EXPIRED_BATCH 64

static const char *state_names[] = {NULL, "queued", "leased", "sent", "dead", "cancelled"};

/* Why a due item is cancelled instead of sent; indexed by its hold. */
static const char *const cancel_reasons[CS_OUTBOX__HOLDS] = {
    [CS_OUTBOX__SEND] = NULL,
    [CS_OUTBOX__ERASED] = "the customer was erased",
    [CS_OUTBOX__REMOVED] = "the recipient's identity was removed",
    [CS_OUTBOX__MOVED] = "the recipient's identity belongs to another customer now",
};

/* A value an adapter puts into a header (To, Subject, Message-ID, In-Reply-To, References),
 * as it is queued. This is the one place such values pass, whatever their source (a
 * customer's subject or Message-ID, a channel's address, a name) and whatever the kind of
 * item, so the one rule holds for all of them: control characters become spaces and no
 * value can start a header line of its own. *line is NULL for NULL, else the caller's. */
static int header_line(char **line, const char *value)
{
    *line = NULL;
    if (!value)
        return CS_OK;
    if (!(*line = cs_mem__strdup(value)))
        return cs_error__nomem();
    cs_text__one_line(*line);
    return CS_OK;
}

int cs_outbox__queue(int64_t *id, cs_db *db, const cs_outbox__entry *e)
{
    cs_outbox__entry q = *e;
    const char **header[] = {&q.recipient, &q.subject, &q.header_message_id, &q.in_reply_to,
                             &q.references};
    char *line[CS_ARRAY_SIZE(header)] = {NULL};
    int64_t queued;
    int rc = CS_OK;

    for (size_t i = 0; i < CS_ARRAY_SIZE(header) && rc == CS_OK; i++)
        if ((rc = header_line(&line[i], *header[i])) == CS_OK)
            *header[i] = line[i];
    if (rc == CS_OK && (rc = cs_store__outbox_insert(&queued, db, &q, cs_db_now(db))) == CS_OK &&
        id)
        *id = queued;
    for (size_t i = 0; i < CS_ARRAY_SIZE(line); i++)
        cs_mem__free(line[i]);
    return rc;
}

int cs_outbox__channel(cs_outbox__channel_info *out, cs_db *db, int64_t channel_id)
{
    cs_channel *ch;
    const char *address;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = cs_store__channel_get(&ch, db, channel_id)) < 0)
        return rc;
    if (!ch)
        return cs_error__set(CS_ENOTFOUND, "channel_id", "channel %lld does not exist",
                             (long long)channel_id);
    out->id = channel_id;
    out->kind = ch->kind;
    out->enabled = ch->enabled;
    out->signature = ch->signature;
    out->default_group_id = ch->default_group_id;
    address = ch->address && strrchr(ch->address, '@') ? strrchr(ch->address, '@') + 1 : NULL;
    /* The domain of generated Message-IDs: a plain host name, or a name that cannot clash. */
    if (!address || !*address || strlen(address) >= sizeof(out->domain) ||
        address[strspn(address, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789.-")])
        address = "libcs.invalid";
    snprintf(out->domain, sizeof(out->domain), "%s", address);
    snprintf(out->locale, sizeof(out->locale), "%s", ch->locale ? ch->locale : "");
    snprintf(out->timezone, sizeof(out->timezone), "%s", ch->timezone ? ch->timezone : "");
    cs_channel__free(ch);
    if (!out->enabled)
        return cs_error__set(CS_ECONFLICT, "channel_id", "channel %lld is disabled",
                             (long long)channel_id);
    return CS_OK;
}

/* Whom a reply on `ch` goes to unless the agent names someone: the identity of the channel's
 * kind the customer last wrote from (on this ticket, else on this channel, else anywhere),
 * else their oldest of that kind. Never simply the newest: an agent adding an address is
 * not the customer choosing it. */
static int rule_recipient(cs_outbox__recipient *to, cs_db *db, const cs_ticket *t,
                          const cs_outbox__channel_info *ch)
{
    int kind = cs_channel_kind_identity(ch->kind), rc;
    int64_t customer_id = cs_ticket_customer_id(t);
    bool found = false;

    if ((rc = cs_store__outbox_wrote_from(to, &found, db, customer_id, kind, cs_ticket_id(t),
                                          ch->id)) == CS_OK &&
        !found)
        rc = cs_store__customer_oldest_identity(&to->id, &to->value, &found, db, customer_id, kind);
    if (rc == CS_OK && !found)
        rc = cs_error__inval("channel_id",
                             "customer %lld has no %s identity, needed to reply "
                             "on %s channels",
                             (long long)customer_id, cs_identity_kind_name(kind),
                             cs_channel_kind_name(ch->kind));
    return rc;
}

/* The address the agent named: one of the customer's identities of the channel's kind. The
 * refusal reads the same whether the address is someone else's or nobody's. */
static int named_recipient(cs_outbox__recipient *to, cs_db *db, const cs_ticket *t,
                           const cs_outbox__channel_info *ch, const char *given)
{
    int kind = cs_channel_kind_identity(ch->kind), rc;
    char *value = NULL;
    bool found = false;

    if (cs_identity_normalize(&value, kind, given) < 0)
        return cs_error__refield("recipient");
    if ((rc = cs_store__customer_named_identity(&to->id, &to->value, &found, db,
                                                cs_ticket_customer_id(t), kind, value)) == CS_OK &&
        !found)
        rc = cs_error__inval("recipient",
                             "recipient \"%s\" is not one of the customer's %s "
                             "identities",
                             value, cs_identity_kind_name(kind));
    cs_mem__free(value);
    return rc;
}

int cs_outbox__message_id(int64_t *item, char *buf, size_t size, cs_db *db, const char *domain)
{
    unsigned char r[16];
    char hex[2 * sizeof(r) + 1];
    size_t got = 0;
    int rc;

    if ((rc = cs_store__outbox_next_id(item, db)) < 0)
        return rc;
    /* Random, so that nobody can name a mail of ours they never saw (a forged reply would
     * thread into someone else's ticket), and unique without coordination. */
    while (got < sizeof(r)) {
        ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return cs_error__set(CS_ERROR, NULL, "no random bytes for a Message-ID: %s",
                                 strerror(errno));
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof(r); i++)
        snprintf(hex + 2 * i, 3, "%02x", r[i]);
    /* The item's id names it for a bounce (no index of Message-IDs); the random part keeps
     * the id unguessable, and only the whole id as stored matches. */
    snprintf(buf, size, "<%lld.%s@%s>", (long long)*item, hex, domain);
    return CS_OK;
}

/* What mail_hints gathers from the thread, newest first. */
struct thread {
    char **in_reply_to;
    cs_strv ids;
};

static int thread_id(void *payload, const char *external_id, int direction)
{
    struct thread *th = payload;

    if (!*th->in_reply_to && direction == CS_DIRECTION_INBOUND &&
        !(*th->in_reply_to = cs_mem__strdup(external_id)))
        return cs_error__nomem();
    return cs_strv__push(&th->ids, external_id);
}

/* Mail threading hints: In-Reply-To is the customer's latest mail, References the thread's
 * message ids, oldest first. */
static int mail_hints(cs_db *db, int64_t ticket_id, char **in_reply_to, char **refs)
{
    struct thread th = {in_reply_to, {0}};
    const char *ids[REFERENCES_MAX];
    size_t n = 0, len = 1;
    int rc;

    *in_reply_to = *refs = NULL;
    rc = cs_store__outbox_thread_ids(db, ticket_id, REFERENCES_MAX, thread_id, &th);
    for (size_t i = th.ids.n; rc == CS_OK && i-- > 0;) {
        ids[n++] = th.ids.v[i];
        len += strlen(th.ids.v[i]) + 1;
    }
    if (rc == CS_OK && n) {
        if (!(*refs = cs_mem__alloc(len))) {
            rc = cs_error__nomem();
        } else {
            **refs = '\0';
            for (size_t i = 0; i < n; i++) {
                if (i)
                    strcat(*refs, " ");
                strcat(*refs, ids[i]);
            }
        }
    }
    cs_strv__free(&th.ids);
    return rc;
}

/* `text` with `sign` appended by `fmt` (two %s: the text, the signature). */
static int append_sign(char **out, const char *fmt, const char *text, const char *sign)
{
    size_t len = strlen(text) + strlen(sign) + strlen(fmt);

    if (!(*out = cs_mem__alloc(len)))
        return cs_error__nomem();
    snprintf(*out, len, fmt, text, sign);
    return CS_OK;
}

/* The agent's name as HTML text. */
static char *html_escape(const char *s)
{
    size_t len = 1;
    char *out, *w;

    for (const char *p = s; *p; p++)
        len += *p == '&' ? 5 : *p == '<' || *p == '>' ? 4 : *p == '"' ? 6 : 1;
    if (!(out = w = cs_mem__alloc(len)))
        return NULL;
    for (const char *p = s; *p; p++) {
        const char *e = *p == '&'   ? "&amp;"
                        : *p == '<' ? "&lt;"
                        : *p == '>' ? "&gt;"
                        : *p == '"' ? "&quot;"
                                    : NULL;
        if (e)
            w = memcpy(w, e, strlen(e)), w += strlen(e);
        else
            *w++ = *p;
    }
    *w = '\0';
    return out;
}

/* The body, and the HTML alternative if there is one, with the agent's signature for a
 * channel that wants one (P10). */
static int signed_body(char **out, char **html_out, cs_db *db, const cs_actor *by,
                       const cs_outbox__channel_info *ch, const char *body, const char *html)
{
    bool mail = ch->kind == CS_CHANNEL_EMAIL || ch->kind == CS_CHANNEL_WEBFORM, found;
    char *escaped = NULL;
    cs_agent *agent;
    int rc;

    *out = *html_out = NULL;
    if (!ch->signature || by->kind != CS_ACTOR_AGENT) {
        if (!(*out = cs_mem__strdup(body)) || (html && !(*html_out = cs_mem__strdup(html))))
            return cs_error__nomem();
        return CS_OK;
    }
    if (!(agent = cs_mem__calloc(1, sizeof(*agent))))
        return cs_error__nomem();
    if ((rc = cs_store__agent_get(agent, &found, db, by->id)) < 0 || !found) {
        cs_agent_free(agent);
        return rc < 0 ? rc : signed_body(out, html_out, db, &cs_actor__system, ch, body, html);
    }
    if ((rc = append_sign(out, mail ? "%s\n\n-- \n%s" : "%s ^%s", body,
                          mail ? agent->name : agent->initials)) == CS_OK &&
        html)
        rc = (escaped = html_escape(agent->name))
                 ? append_sign(html_out, "%s\n<p>-- <br>\n%s</p>\n", html, escaped)
                 : cs_error__nomem();
    cs_mem__free(escaped);
    cs_agent_free(agent);
    return rc;
}

/* The channel of the ticket's latest inbound message, else (also when that cannot be read)
 * `fallback`. */
static int64_t latest_inbound_channel(cs_db *db, int64_t ticket_id, int64_t fallback)
{
    int64_t id;

    if (cs_store__message_latest_inbound_channel(&id, db, ticket_id) < 0 || !id)
        return fallback;
    return id;
}

struct reply {
    cs_ticket *ticket;
    cs_outbox__channel_info ch;
    cs_outbox__recipient to, rule; /* `rule` only when the agent named `to` */
    char *body, *html, *subject, *in_reply_to, *refs;
    char header_id[CS_IDENTITY_MAX];
};

static void reply_free(struct reply *r)
{
    cs_ticket_free(r->ticket);
    cs_mem__free(r->to.value);
    cs_mem__free(r->rule.value);
    cs_mem__free(r->body);
    cs_mem__free(r->html);
    cs_mem__free(r->subject);
    cs_mem__free(r->in_reply_to);
    cs_mem__free(r->refs);
}

int cs_outbox__subject(char **out, const cs_ticket *t, const char *subject)
{
    size_t len;

    if (subject) {
        *out = cs_mem__strdup(subject);
    } else {
        len = strlen(cs_ticket_subject(t)) + 32;
        if ((*out = cs_mem__alloc(len)))
            snprintf(*out, len, "[#%lld] %s", (long long)cs_ticket_number(t), cs_ticket_subject(t));
    }
    return *out ? CS_OK : cs_error__nomem();
}

/* A mail carries its attachments' bytes: the library cannot fetch what the host stores. */
static int mail_attachments(const cs_outbox__channel_info *ch, const cs_reply_options *o)
{
    char field[CS_ERROR_FIELD_MAX];

    if (ch->kind != CS_CHANNEL_EMAIL && ch->kind != CS_CHANNEL_WEBFORM)
        return CS_OK;
    for (size_t i = 0; i < o->nattachments; i++) {
        if (o->attachments[i].data)
            continue;
        snprintf(field, sizeof(field), "attachments[%zu].data", i);
        return cs_error__inval(field, "a mail attachment needs its bytes: %s is missing", field);
    }
    return CS_OK;
}

static int reply(int64_t *message_id, cs_db *db, const cs_actor *by, int64_t ticket_id,
                 const char *body, const cs_reply_options *o)
{
    cs_message_fields mf = CS_MESSAGE_FIELDS_INIT;
    cs_message__origin author = {by->kind, by->id, NULL, 0};
    cs_outbox__entry e = {0};
    struct reply r = {0};
    int64_t latest, mid = 0, item = 0;
    char a[24], b[24];
    bool mail;
    int rc;

    if ((rc = cs_ticket__lookup(&r.ticket, db, by, CS_CAP_TICKET_WRITE, ticket_id, "ticket_id")) <
        0)
        return rc;
    if (cs_ticket_status(r.ticket) == CS_STATUS_CLOSED) {
        rc = cs_error__set(CS_ECONFLICT, "ticket_id", "ticket #%lld is closed",
                           (long long)cs_ticket_number(r.ticket));
        goto out;
    }
    latest = latest_inbound_channel(db, ticket_id, cs_ticket_channel_id(r.ticket));
    if (!latest && !o->channel_id) {
        rc = cs_error__inval("channel_id", "ticket #%lld has no channel to reply on: name one",
                             (long long)cs_ticket_number(r.ticket));
        goto out;
    }
    if ((rc = cs_outbox__channel(&r.ch, db, o->channel_id ? o->channel_id : latest)) < 0 ||
        (rc = rule_recipient(o->recipient ? &r.rule : &r.to, db, r.ticket, &r.ch)) < 0 ||
        (o->recipient && (rc = named_recipient(&r.to, db, r.ticket, &r.ch, o->recipient)) < 0) ||
        (rc = mail_attachments(&r.ch, o)) < 0 ||
        (rc = signed_body(&r.body, &r.html, db, by, &r.ch, body, o->html)) < 0)
        goto out;
    mail = r.ch.kind == CS_CHANNEL_EMAIL || r.ch.kind == CS_CHANNEL_WEBFORM;
    if (mail && ((rc = cs_outbox__subject(&r.subject, r.ticket, o->subject)) < 0 ||
                 (rc = mail_hints(db, ticket_id, &r.in_reply_to, &r.refs)) < 0))
        goto out;

    mf.ticket_id = ticket_id;
    mf.direction = CS_DIRECTION_OUTBOUND;
    mf.visibility = CS_VISIBILITY_PUBLIC;
    mf.channel_id = r.ch.id;
    mf.subject = r.subject;
    mf.body = r.body;
    mf.attachments = o->attachments;
    mf.nattachments = o->nattachments;
    /* The Message-ID names the item queued next: nothing else is queued in between. The
     * message keeps it as its external id, which threads the customer's answer. */
    if (mail &&
        (rc = cs_outbox__message_id(&item, r.header_id, sizeof(r.header_id), db, r.ch.domain)) < 0)
        goto out;
    mf.external_id = mail ? r.header_id : NULL;
    if ((rc = cs_message__insert(&mid, db, &mf, &author)) < 0 ||
        (rc = cs_store__message_set_same_channel(db, mid, r.ch.id == latest)) < 0)
        goto out;
    e = (cs_outbox__entry){r.ch.id,       ticket_id, mid,     "reply",
                           r.to.value,    r.subject, NULL,    mail ? r.header_id : NULL,
                           r.in_reply_to, r.refs,    r.to.id, mail ? r.html : NULL,
                           item};
    if ((rc = cs_outbox__queue(NULL, db, &e)) < 0)
        goto out;
    if (r.ch.id != latest &&
        (rc = cs_audit__record(db, by, "ticket", ticket_id, ticket_id,
                               cs_ticket_customer_id(r.ticket), "switch_channel", "channel_id",
                               cs_int__text(b, latest, true), cs_int__text(a, r.ch.id, false))) < 0)
        goto out;
    if (o->recipient &&
        (rc = cs_audit__record(db, by, "message", mid, ticket_id, cs_ticket_customer_id(r.ticket),
                               "recipient", "recipient", r.rule.value, r.to.value)) < 0)
        goto out;
    if (cs_ticket_status(r.ticket) == CS_STATUS_NEW &&
        (rc = cs_ticket__set_status(db, by, ticket_id, CS_STATUS_OPEN)) < 0)
        goto out;
    if (message_id)
        *message_id = mid;
out:
    reply_free(&r);
    return rc;
}

int cs_reply(int64_t *message_id, cs_db *db, int64_t ticket_id, const char *body,
             const cs_reply_options *options)
{
    cs_reply_options o = CS_REPLY_OPTIONS_INIT;
    cs_actor by;
    int rc;

    if (message_id)
        *message_id = 0;
    if (!db)
        return cs_error__inval("db", "db is NULL");
    /* Older structs end earlier: read only what the caller has. */
    if (options && options->version == 1)
        memcpy(&o, options, offsetof(cs_reply_options, recipient));
    else if (options && options->version == 2)
        memcpy(&o, options, offsetof(cs_reply_options, html));
    else if (options && options->version == CS_REPLY_OPTIONS_VERSION)
        o = *options;
    else if (options)
        return cs_error__inval("options", "options version %u is not between 1 and %d",
                               options->version, CS_REPLY_OPTIONS_VERSION);
    if ((rc = cs_check__text("body", body, CS_BODY_MAX, true)) < 0 ||
        (rc = cs_check__text("subject", o.subject, CS_SUBJECT_MAX, false)) < 0 ||
        (rc = cs_check__text("recipient", o.recipient, CS_IDENTITY_MAX, false)) < 0 ||
        (rc = cs_message__check_attachments(o.attachments, o.nattachments)) < 0 ||
        (rc = cs_check__text("html", o.html, CS_BODY_MAX, false)) < 0)
        return rc;
    if (o.channel_id < 0)
        return cs_error__inval("channel_id", "channel_id %lld is not valid",
                               (long long)o.channel_id);
    if ((rc = cs_perm__require(&by, db, CS_CAP_TICKET_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_react__end(db, reply(message_id, db, &by, ticket_id, body, &o));
}

/* Claiming. */
struct cs_outbox_batch {
    size_t n;
    cs_outbox_item *items;
    char **strings; /* everything the items point at */
    size_t nstrings;
};

void cs_outbox_batch_free(cs_outbox_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->nstrings; i++)
        cs_mem__free(b->strings[i]);
    cs_mem__free(b->strings);
    cs_mem__free(b->items);
    cs_mem__free(b);
}

size_t cs_outbox_batch_count(const cs_outbox_batch *b)
{
    return b ? b->n : 0;
}

const cs_outbox_item *cs_outbox_batch_item(const cs_outbox_batch *b, size_t i)
{
    return b && i < b->n ? &b->items[i] : NULL;
}

/* Hand string `s` to the batch, which then releases it; *dst stays NULL for NULL. */
static void keep(cs_outbox_batch *b, const char **dst, char *s)
{
    *dst = s;
    if (s)
        b->strings[b->nstrings++] = s;
}

static int load_item(cs_outbox_batch *b, cs_db *db, int64_t id)
{
    cs_outbox_item *it = &b->items[b->n];
    cs_outbox__row r;
    bool found;
    int rc;

    if ((rc = cs_store__outbox_item(&r, &found, db, id)) < 0)
        return rc;
    /* The claim has just written it, in this transaction. */
    if (!found)
        return cs_error__set(CS_EDB, NULL, "read outbox item: item %lld is gone", (long long)id);
    it->id = r.id;
    it->lease = r.lease;
    it->lease_until = r.lease_until;
    it->channel_id = r.channel_id;
    it->channel_kind = r.channel_kind;
    it->ticket_id = r.ticket_id;
    it->message_id = r.message_id;
    it->attempts = r.attempts;
    keep(b, &it->kind, r.kind);
    keep(b, &it->recipient, r.recipient);
    keep(b, &it->subject, r.subject);
    keep(b, &it->body, r.body);
    keep(b, &it->message_id_header, r.header_message_id);
    keep(b, &it->in_reply_to, r.in_reply_to);
    keep(b, &it->references, r.references);
    b->n++;
    return CS_OK;
}

#define ITEM_STRINGS 7

/* When a failed attempt is tried again: at `retry_at` if given, else "outbox.backoff" seconds
 * after `from`, doubled per attempt made, at most MAX_BACKOFF; or never (dead) once
 * "outbox.max_attempts" attempts were made. */
static int record_failure(cs_db *db, int64_t id, int attempts, cs_time from, cs_time retry_at,
                          const char *error, bool keep_lease)
{
    int64_t max_attempts, backoff;
    int rc;

    if ((rc = cs_setting__get(&max_attempts, db, "outbox.max_attempts")) < 0 ||
        (rc = cs_setting__get(&backoff, db, "outbox.backoff")) < 0)
        return rc;
    for (int i = 1; i < attempts && backoff < MAX_BACKOFF; i++)
        backoff *= 2;
    return cs_store__outbox_failed(
        db, id, attempts >= max_attempts ? CS_OUTBOX_DEAD : CS_OUTBOX_QUEUED,
        retry_at > 0 ? retry_at : from + (backoff < MAX_BACKOFF ? backoff : MAX_BACKOFF), error,
        keep_lease);
}

/* Leases that ran out unanswered (the adapter died, or hangs): each is a failed attempt,
 * backed off from when it ran out, dead after the last. Otherwise an item that kills its
 * adapter would be claimed again at once, forever, ahead of everything behind it. The lease
 * stays open: its holder's late answer counts until the item is claimed again. */
static int settle_expired(cs_db *db, cs_time now)
{
    cs_outbox__expired due[EXPIRED_BATCH];
    size_t n;
    int rc;

    do {
        rc = cs_store__outbox_expired(due, &n, db, now, EXPIRED_BATCH);
        for (size_t i = 0; i < n && rc == CS_OK; i++)
            rc = record_failure(db, due[i].id, due[i].attempts, due[i].lease_until, 0,
                                "the lease expired without an answer", true);
    } while (rc == CS_OK && n == EXPIRED_BATCH);
    return rc;
}

/* Cancel an item with the reason, or lease it and add it to the batch. */
static int take(cs_outbox_batch *b, cs_db *db, const cs_outbox__due *d, cs_time lease_until)
{
    int rc;

    if (d->hold)
        return cs_store__outbox_cancel(db, d->id, cancel_reasons[d->hold]);
    if ((rc = cs_store__outbox_lease(db, d->id, lease_until)) < 0)
        return rc;
    return load_item(b, db, d->id);
}

/* Cancelled items do not count against `max`: the claim goes on to what is behind them. */
static int claim(cs_outbox_batch *b, cs_db *db, int kind, int64_t channel_id, size_t max,
                 int lease_seconds)
{
    cs_time now = cs_db_now(db);
    cs_outbox__due *due;
    size_t n, want;
    int rc;

    if (!(due = cs_mem__alloc(max * sizeof(*due))) ||
        !(b->items = cs_mem__calloc(max, sizeof(*b->items))) ||
        !(b->strings = cs_mem__calloc(max * ITEM_STRINGS, sizeof(*b->strings)))) {
        cs_mem__free(due);
        return cs_error__nomem();
    }
    rc = settle_expired(db, now);
    while (rc == CS_OK && b->n < max) {
        want = max - b->n;
        if ((rc = cs_store__outbox_due(due, &n, db, now, kind, channel_id, want)) < 0)
            break;
        for (size_t i = 0; i < n && rc == CS_OK; i++)
            rc = take(b, db, &due[i], now + lease_seconds);
        if (n < want)
            break;
    }
    cs_mem__free(due);
    return rc;
}

int cs_outbox_claim(cs_outbox_batch **out, cs_db *db, int channel_kind, int64_t channel_id,
                    size_t max, int lease_seconds)
{
    cs_outbox_batch *b;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if (max < 1 || max > 1000)
        return cs_error__inval("max", "max %zu is not between 1 and 1000", max);
    if (lease_seconds < 1 || lease_seconds > 86400)
        return cs_error__inval("lease_seconds", "lease_seconds %d is not between 1 and 86400",
                               lease_seconds);
    if (channel_kind && !cs_channel_kind_name(channel_kind))
        return cs_error__inval("channel_kind", "unknown channel kind %d", channel_kind);
    if ((rc = cs_perm__require(&by, db, CS_CAP_OUTBOX)) < 0)
        return rc;
    if (!(b = cs_mem__calloc(1, sizeof(*b))))
        return cs_error__nomem();
    if ((rc = cs_db__begin(db)) < 0 ||
        (rc = cs_db__end(db, claim(b, db, channel_kind, channel_id, max, lease_seconds))) < 0) {
        cs_outbox_batch_free(b);
        return rc;
    }
    *out = b;
    return CS_OK;
}

static int item_state(cs_outbox__state *it, cs_db *db, int64_t id)
{
    bool found;
    int rc;

    if ((rc = cs_store__outbox_state(it, &found, db, id)) < 0)
        return rc;
    if (!found)
        return cs_error__set(CS_ENOTFOUND, "item_id", "outbox item %lld does not exist",
                             (long long)id);
    return CS_OK;
}

/* The lease rule (cs/outbox.h): only the latest lease issued may answer, and only once. */
static int check_lease(const cs_outbox__state *it, int64_t item_id, int64_t lease)
{
    long long id = (long long)item_id, l = (long long)lease;

    if (lease <= 0 || lease > it->lease)
        return cs_error__set(CS_ECONFLICT, "lease",
                             "outbox item %lld was never claimed under "
                             "lease %lld",
                             id, l);
    if (lease < it->lease)
        return cs_error__set(CS_ECONFLICT, "lease",
                             "lease %lld of outbox item %lld is over: "
                             "the item was claimed again (lease %lld)",
                             l, id, (long long)it->lease);
    if (it->state == CS_OUTBOX_CANCELLED)
        return cs_error__set(CS_ECONFLICT, "lease", "outbox item %lld was cancelled: %s", id,
                             it->reason);
    if (it->state == CS_OUTBOX_SENT)
        return cs_error__set(CS_ECONFLICT, "lease",
                             "outbox item %lld was acknowledged under "
                             "lease %lld",
                             id, l);
    if (!it->open)
        return cs_error__set(CS_ECONFLICT, "lease",
                             "lease %lld of outbox item %lld is over: "
                             "the item failed under it",
                             l, id);
    return CS_OK;
}

static int ack(cs_db *db, int64_t item_id, int64_t lease, const char *external_id)
{
    cs_outbox__state it;
    int rc;

    if ((rc = item_state(&it, db, item_id)) < 0)
        return rc;
    if (it.state == CS_OUTBOX_SENT && lease == it.lease)
        return CS_OK; /* the holder repeating itself: the first acknowledgement counts */
    if ((rc = check_lease(&it, item_id, lease)) < 0)
        return rc;
    if ((rc = cs_store__outbox_sent(db, item_id, cs_db_now(db), external_id)) < 0)
        return rc;
    if (it.message_id && external_id && *external_id) {
        rc = cs_store__message_set_external_id(db, it.message_id, external_id);
        if (rc == CS_EEXISTS)
            rc = cs_error__set(CS_EEXISTS, "external_id",
                               "external id \"%s\" is already "
                               "taken on the item's channel",
                               external_id);
    }
    return rc;
}

int cs_outbox_ack(cs_db *db, int64_t item_id, int64_t lease, const char *external_id)
{
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if ((rc = cs_check__text("external_id", external_id, CS_EXTERNAL_ID_MAX, false)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_OUTBOX)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, ack(db, item_id, lease, external_id));
}

static int fail(cs_db *db, int64_t item_id, int64_t lease, const char *error, cs_time retry_at)
{
    cs_outbox__state it;
    int rc;

    if ((rc = item_state(&it, db, item_id)) < 0 || (rc = check_lease(&it, item_id, lease)) < 0)
        return rc;
    if (it.state == CS_OUTBOX_LEASED)
        return record_failure(db, item_id, it.attempts, cs_db_now(db), retry_at, error, false);
    /* The lease ran out and a claim already counted the attempt: keep the words only. */
    return cs_store__outbox_late_failure(db, item_id, error, retry_at);
}

int cs_outbox_fail(cs_db *db, int64_t item_id, int64_t lease, const char *error, cs_time retry_at)
{
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if ((rc = cs_check__text("error", error, 4096, false)) < 0 ||
        (rc = cs_perm__require(&by, db, CS_CAP_OUTBOX)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    return cs_db__end(db, fail(db, item_id, lease, error, retry_at));
}

struct cs_outbox_entry {
    int64_t id, channel_id, ticket_id;
    int state, attempts;
    cs_time next_attempt_at;
    char *kind, *recipient, *last_error, *cancel_reason;
};

struct cs_outbox_list {
    cs_outbox_entry *v;
    size_t n, cap;
};

const char *cs_outbox_state_name(int state)
{
    return state > 0 && state < (int)CS_ARRAY_SIZE(state_names) ? state_names[state] : NULL;
}

/* A copy of `s` in *out; false when it could not be made. */
static bool keep_text(char **out, const char *s)
{
    *out = s ? cs_mem__strdup(s) : NULL;
    return !s || *out;
}

static int listed(void *payload, const cs_outbox__listed *r)
{
    cs_outbox_list *list = payload;
    cs_outbox_entry *e;

    if (list->n == list->cap) {
        size_t cap = list->cap ? 2 * list->cap : 16;
        cs_outbox_entry *v = cs_mem__realloc(list->v, cap * sizeof(*v));
        if (!v)
            return cs_error__nomem();
        list->v = v;
        list->cap = cap;
    }
    e = &list->v[list->n];
    *e = (cs_outbox_entry){
        r->id, r->channel_id, r->ticket_id, r->state, r->attempts, r->next_attempt_at,
        NULL,  NULL,          NULL,         NULL};
    list->n++;
    if (!keep_text(&e->kind, r->kind) || !keep_text(&e->recipient, r->recipient) ||
        !keep_text(&e->last_error, r->last_error) ||
        !keep_text(&e->cancel_reason, r->cancel_reason))
        return cs_error__nomem();
    return CS_OK;
}

int cs_outbox_list_get(cs_outbox_list **out, cs_db *db, int state, size_t limit)
{
    cs_outbox_list *list;
    cs_actor by;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if (state < 0 || state > CS_OUTBOX_CANCELLED)
        return cs_error__inval("state", "unknown outbox state %d", state);
    if ((rc = cs_perm__require(&by, db, CS_CAP_OUTBOX)) < 0)
        return rc;
    if (!(list = cs_mem__calloc(1, sizeof(*list))))
        return cs_error__nomem();
    if ((rc = cs_store__outbox_list(db, state, limit, listed, list)) < 0) {
        cs_outbox_list_free(list);
        return rc;
    }
    *out = list;
    return CS_OK;
}

size_t cs_outbox_list_count(const cs_outbox_list *list)
{
    return list ? list->n : 0;
}

const cs_outbox_entry *cs_outbox_list_item(const cs_outbox_list *list, size_t i)
{
    return list && i < list->n ? &list->v[i] : NULL;
}

void cs_outbox_list_free(cs_outbox_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->n; i++) {
        cs_mem__free(list->v[i].kind);
        cs_mem__free(list->v[i].recipient);
        cs_mem__free(list->v[i].last_error);
        cs_mem__free(list->v[i].cancel_reason);
    }
    cs_mem__free(list->v);
    cs_mem__free(list);
}

int64_t cs_outbox_entry_id(const cs_outbox_entry *e)
{
    return e ? e->id : 0;
}

int cs_outbox_entry_state(const cs_outbox_entry *e)
{
    return e ? e->state : 0;
}

const char *cs_outbox_entry_kind(const cs_outbox_entry *e)
{
    return e ? e->kind : NULL;
}

int64_t cs_outbox_entry_channel_id(const cs_outbox_entry *e)
{
    return e ? e->channel_id : 0;
}

int64_t cs_outbox_entry_ticket_id(const cs_outbox_entry *e)
{
    return e ? e->ticket_id : 0;
}

const char *cs_outbox_entry_recipient(const cs_outbox_entry *e)
{
    return e ? e->recipient : NULL;
}

int cs_outbox_entry_attempts(const cs_outbox_entry *e)
{
    return e ? e->attempts : 0;
}

cs_time cs_outbox_entry_next_attempt_at(const cs_outbox_entry *e)
{
    return e ? e->next_attempt_at : 0;
}

const char *cs_outbox_entry_last_error(const cs_outbox_entry *e)
{
    return e ? e->last_error : NULL;
}

const char *cs_outbox_entry_cancel_reason(const cs_outbox_entry *e)
{
    return e ? e->cancel_reason : NULL;
}

int cs_outbox__erase_customer(cs_db *db, int64_t customer_id)
{
    int rc;

    if ((rc = cs_store__outbox_cancel_customer(db, customer_id,
                                               cancel_reasons[CS_OUTBOX__ERASED])) < 0)
        return rc;
    return cs_store__outbox_blank_customer(db, customer_id);
}

int cs_reply_channel_stats(int64_t *same, int64_t *total, cs_db *db, cs_time from, cs_time to)
{
    int64_t n_same, n_total;
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if ((rc = cs_perm__require(&by, db, CS_CAP_REPORT_READ)) < 0 ||
        (rc = cs_store__outbox_reply_stats(&n_total, &n_same, db, from, to, cs_perm__scope(&by))) <
            0)
        return rc;
    if (total)
        *total = n_total;
    if (same)
        *same = n_same;
    return CS_OK;
}
