/*
 * libcs - ingest: deduplicate, recognise the customer, thread, store, and send a receipt.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "react.h"
#include "perm.h"
#include "audit.h"
#include "customer.h"
#include "ticket.h"
#include "message.h"
#include "outbox.h"
#include "calendar.h"
#include "sla.h"
#include "ingest.h"
#include "setting.h"
#include "mail.h"
#include "store/channel.h"
#include "store/outbox.h"
#include "store/ticket.h"

#define DEFAULT_TARGET 86400
#define SUBJECT_FROM_BODY 60
#define IN_REPLY_TO_IDS 32 /* the ids of In-Reply-To considered */
#define REFERENCES_IDS 256 /* of References, the last ones */
#define REMEMBERED_IDS 32  /* of References, the last ones remembered when unseen */
#define MERGES_MAX 64      /* a chain of merges longer than any real one */
#define SUBJECT_TICKETS 50 /* the customer's latest tickets a subject is compared with */

enum ingest_flag {
    F_CREATED = 1,
    F_REOPENED = 2,
    F_FOLLOW_UP = 4,
    F_CUSTOMER_CREATED = 8,
};

static const struct {
    const char *language, *text, *team;
} builtin_receipts[] = {
    {"de",
     "Vielen Dank für Ihre Nachricht. Ihr Anliegen hat die Nummer #{ticket_number} "
     "(\"{subject}\"). Wir antworten Ihnen spätestens bis {promised_at}. "
     "Zuständig: {owner}.",
     "unser Support-Team"},
    {"en",
     "Thank you for your message. Your request has the number #{ticket_number} "
     "(\"{subject}\"). We will answer by {promised_at} at the latest. "
     "Handled by: {owner}.",
     "our support team"},
};

static const char *placeholders[] = {"ticket_number", "subject", "customer_name", "promised_at",
                                     "owner"};

struct ingest {
    cs_db *db;
    const cs_actor *host; /* who passed the message in */
    cs_actor by;          /* the customer, whose doing the message is */
    const cs_inbound *in;
    cs_outbox__channel_info ch;
    cs_customer *customer;
    cs_ticket *ticket;
    cs_ingest_result *r;
    char *receipt; /* owned until handed to the result */
    char *normalized_sender;
    int64_t identity_id;         /* the sender's identity, or the Reply-To one it asked for */
    char *reply_value;           /* that Reply-To identity's value, when followed */
    const cs_ingest__mail *mail; /* cs_ingest_mail()'s additions, or NULL */
    bool id_taken;               /* another sender's message has the external id */
    unsigned flags;
    cs_inbound clean;            /* the message with its hints cleaned; `in` points here */
    char *subject, *sender_name; /* owned, cleaned */
    char locale[CS_INGEST__LOCALE_MAX + 1];
    cs_strv in_reply_to, references; /* the message ids the headers name */
};

void cs_ingest_result_free(cs_ingest_result *r)
{
    if (!r)
        return;
    cs_mem__free((char *)r->receipt);
    cs_mem__free(r);
}

static int check_inbound(const cs_inbound *in)
{
    cs_message_fields mf = CS_MESSAGE_FIELDS_INIT;
    int rc;

    if (!in)
        return cs_error__inval("msg", "msg is NULL");
    if (in->version != CS_INBOUND_VERSION)
        return cs_error__inval("msg", "msg version %u is not %d", in->version, CS_INBOUND_VERSION);
    if (in->channel_id <= 0)
        return cs_error__inval("channel_id", "channel_id is required");
    if ((rc = cs_check__text("sender", in->sender, CS_IDENTITY_MAX, true)) < 0)
        return rc;
    /* The body and attachments are checked as for any message; the optional hints are
     * cleaned by clean_hints() instead. */
    mf.ticket_id = 1;
    mf.body = in->body;
    mf.attachments = in->attachments;
    mf.nattachments = in->nattachments;
    return cs_message__check(&mf);
}

/* A text the database can keep as it is: valid UTF-8 of at most max bytes. */
static bool usable(const char *s, size_t max)
{
    size_t len = s ? strlen(s) : 0;
    return len && len <= max && cs_utf8__valid(s, len);
}

/* Never refuse a customer's message for an optional hint: make it fit, or drop it. */
static int clean_hints(struct ingest *g, const cs_inbound *msg)
{
    cs_inbound *c = &g->clean;
    int rc;

    *c = *msg;
    g->in = c;
    c->ticket_id = msg->ticket_id > 0 ? msg->ticket_id : 0;
    c->locale = cs_ingest__locale(g->locale, msg->locale) ? g->locale : NULL;
    c->external_id = usable(msg->external_id, CS_EXTERNAL_ID_MAX) ? msg->external_id : NULL;
    /* A mail whose Message-ID cannot be kept (bytes that are not UTF-8) keeps an id of its
     * own from its bytes instead, so that its retry is still a duplicate. */
    if (!c->external_id && msg->external_id && g->mail && g->mail->fallback_id)
        c->external_id = g->mail->fallback_id;
    c->reply_to = usable(msg->reply_to, CS_EXTERNAL_ID_MAX) ? msg->reply_to : NULL;
    c->conversation = usable(msg->conversation, CS_EXTERNAL_ID_MAX) ? msg->conversation : NULL;
    if ((rc = cs_ingest__clean_line(&g->sender_name, msg->sender_name, CS_NAME_MAX)) < 0 ||
        (rc = cs_ingest__clean_line(&g->subject, msg->subject, CS_SUBJECT_MAX)) < 0 ||
        (rc = cs_ingest__msgids(&g->in_reply_to, msg->in_reply_to, IN_REPLY_TO_IDS)) < 0 ||
        (rc = cs_ingest__msgids(&g->references, msg->references, REFERENCES_IDS)) < 0)
        return rc;
    c->sender_name = g->sender_name;
    c->subject = g->subject;
    c->in_reply_to = c->references = NULL; /* only their ids count */
    return CS_OK;
}

static void clean_hints_free(struct ingest *g)
{
    cs_mem__free(g->sender_name);
    cs_mem__free(g->subject);
    cs_strv__free(&g->in_reply_to);
    cs_strv__free(&g->references);
}

/* A retry of something already ingested: the first result, marked duplicate. Only the
 * sender of the first message retries it: another sender naming the same external id (a
 * forged Message-ID) gets neither that result nor the first message's receipt, and its own
 * message is kept, without the id it cannot have. So is a message naming the id of one the
 * desk sent on the channel (a customer quoting a reply's Message-ID as its own). */
static int find_logged(struct ingest *g, bool *found)
{
    cs_ingest_result *r = g->r;
    cs_ingest__logged l;
    char *receipt = NULL;
    bool logged = false, same = false, taken = false;
    int rc;

    *found = false;
    if (!g->in->external_id || !*g->in->external_id)
        return CS_OK;
    if ((rc = cs_store__ingest_logged(&l, &logged, &taken, g->db, g->ch.id, g->in->external_id)) <
        0)
        return rc;
    if (logged) {
        if ((rc = cs_customer__has_identity(&same, g->db, l.customer_id,
                                            cs_channel_kind_identity(g->ch.kind),
                                            g->normalized_sender)) < 0)
            return rc;
        if (!same) {
            g->clean.external_id = NULL;
            g->id_taken = true;
            return CS_OK;
        }
        *found = true;
        r->duplicate = 1;
        r->message_id = l.message_id;
        r->ticket_id = l.ticket_id;
        r->customer_id = l.customer_id;
        r->created = !!(l.flags & F_CREATED);
        r->reopened = !!(l.flags & F_REOPENED);
        r->follow_up = !!(l.flags & F_FOLLOW_UP);
        r->customer_created = !!(l.flags & F_CUSTOMER_CREATED);
        r->thread_rule = l.thread_rule;
        r->receipt_id = l.receipt_id;
        r->promised_at = l.promised_at;
        r->ticket_number = l.ticket_number;
        r->follow_up_of = l.follow_up_of;
        if (l.receipt_id)
            rc = cs_store__outbox_body(&receipt, g->db, l.receipt_id);
        r->receipt = receipt;
        return rc;
    }
    if (taken) {
        g->clean.external_id = NULL;
        g->id_taken = true;
    }
    return CS_OK;
}

static int recognise_customer(struct ingest *g)
{
    int kind = cs_channel_kind_identity(g->ch.kind);
    cs_customer_fields f = CS_CUSTOMER_FIELDS_INIT;
    cs_identity_spec id = {kind, g->in->sender};
    int64_t customer_id;
    int rc;

    rc = cs_customer__find(&g->customer, &g->identity_id, g->db, kind, g->in->sender);
    if (rc != CS_ENOTFOUND)
        return rc == CS_EINVAL ? cs_error__refield("sender") : rc;
    f.name = g->in->sender_name && *g->in->sender_name ? g->in->sender_name : g->in->sender;
    /* A customer who did not say their language speaks the channel's, when it has one. */
    f.locale = g->in->locale ? g->in->locale : g->ch.locale[0] ? g->ch.locale : NULL;
    f.identities = &id;
    f.nidentities = 1;
    if ((rc = cs_customer__create(&customer_id, &g->identity_id, g->db, g->host, &f)) < 0)
        return rc;
    g->flags |= F_CUSTOMER_CREATED;
    return cs_customer__record(&g->customer, g->db, customer_id);
}

/* The identity the message came from: the customer was found (or created) by it. */
static int sender_identity(struct ingest *g, int kind)
{
    int64_t owner;
    int rc = CS_OK;

    /* Known when the customer was found or made by it. */
    if (!g->identity_id)
        rc = cs_store__customer_identity_find(&g->identity_id, &owner, g->db, kind,
                                              g->normalized_sender);
    if (rc == CS_OK && !g->identity_id)
        rc = cs_error__set(CS_EDB, NULL, "read the sender's identity: it is missing");
    return rc;
}

/* A Reply-To is followed only to an identity the same customer already has: never to an
 * unknown address, never to another customer's (see cs_ingest_mail()). */
static int follow_reply_to(struct ingest *g, int kind)
{
    char *value = NULL;
    int64_t id, owner;
    int rc;

    if (!g->mail || !g->mail->reply_to)
        return CS_OK;
    if ((rc = cs_identity_normalize(&value, kind, g->mail->reply_to)) < 0 ||
        !strcmp(value, g->normalized_sender)) {
        cs_mem__free(value);
        /* An address that is none is only shown to the agent. */
        return rc == CS_ENOMEM ? rc : CS_OK;
    }
    if ((rc = cs_store__customer_identity_find(&id, &owner, g->db, kind, value)) == CS_OK && id &&
        owner == cs_customer_id(g->customer)) {
        g->identity_id = id;
        g->reply_value = value;
        value = NULL;
    }
    cs_mem__free(value);
    return rc;
}

/* The threading rules below run only while *rc is CS_OK: the rules after a failed one do
 * not run. Each answers a ticket id, or 0. */

/* The customer's ticket with this id. */
static int64_t by_id(cs_db *db, int64_t id, int64_t customer, int *rc)
{
    cs_ticket t = {0};
    bool found = false;

    if (*rc < 0 || (*rc = cs_store__ticket_access(&t, &found, db, id)) < 0)
        return 0;
    return found && t.customer_id == customer ? id : 0;
}

/* The customer's ticket with this number. */
static int64_t by_number(cs_db *db, int64_t number, int64_t customer, int *rc)
{
    cs_ticket t = {0};
    bool found = false;
    int64_t id = 0;

    if (*rc < 0)
        return 0;
    if ((*rc = cs_store__ticket_get_number(&t, &found, db, number)) == CS_OK && found &&
        t.customer_id == customer)
        id = t.id;
    cs_ticket__clear(&t);
    return id;
}

/* The customer's ticket for which a message id was remembered (cs_ingest__msgid_key). */
static int64_t by_remembered(cs_db *db, const char *key, int64_t customer, int *rc)
{
    int64_t id = 0;

    if (*rc == CS_OK)
        *rc = cs_store__ingest_remembered(&id, db, key, customer);
    return id;
}

static int64_t by_conversation(struct ingest *g, int64_t customer, int *rc)
{
    int64_t id = 0;

    if (*rc == CS_OK)
        *rc = cs_store__ingest_by_conversation(&id, g->db, g->ch.id, g->in->conversation, customer);
    return id;
}

/* The ticket of the customer's message with this id (see cs_ingest__msgid_key). */
static int64_t by_external(cs_db *db, const char *key, int64_t customer, int *rc)
{
    int64_t id = 0;

    if (*rc == CS_OK)
        *rc = cs_store__ingest_by_external(&id, db, key, customer);
    return id;
}

static int64_t by_message_id(cs_db *db, const char *key, int64_t customer, int *rc)
{
    int64_t id = by_external(db, key, customer, rc);
    return id ? id : by_remembered(db, key, customer, rc);
}

/* The first id of a header that finds a ticket; References are read from the last (the
 * parent) back. */
static int64_t by_ids(cs_db *db, const cs_strv *ids, bool last_first, int64_t customer, int *rc)
{
    int64_t id = 0;

    for (size_t i = 0; !id && *rc == CS_OK && i < ids->n; i++)
        id = by_message_id(db, ids->v[last_first ? ids->n - 1 - i : i], customer, rc);
    return id;
}

/* "[#1234]" anywhere in the subject. */
static int64_t subject_number(const char *subject)
{
    for (const char *p = subject ? strstr(subject, "[#") : NULL; p; p = strstr(p + 1, "[#")) {
        char *end;
        long long n = strtoll(p + 2, &end, 10);
        if (end != p + 2 && *end == ']' && n > 0)
            return n;
    }
    return 0;
}

/* What by_subject() looks for, and what it found. */
struct subject_match {
    char want[CS_SUBJECT_MAX + 1];
    int64_t found;
};

static int match_subject(void *payload, int64_t ticket_id, const char *subject)
{
    struct subject_match *m = payload;
    char have[CS_SUBJECT_MAX + 1];
    bool ignored;

    cs_ingest__base_subject(have, sizeof(have), subject, &ignored);
    if (strcasecmp(have, m->want) != 0)
        return CS_OK;
    m->found = ticket_id;
    return 1; /* stop: the latest ticket with the subject */
}

static int64_t by_subject(struct ingest *g, int64_t customer, int *rc)
{
    struct subject_match m = {.found = 0};
    bool reply;
    int64_t window;
    int r;

    cs_ingest__base_subject(m.want, sizeof(m.want), g->in->subject, &reply);
    /* Only a mail that claims to answer something, whose headers did not match: a new mail
     * with an open ticket's subject is most often a new request ("Lieferung", "Frage"). */
    if (!*m.want || !(reply || g->in_reply_to.n || g->references.n))
        return 0;
    if ((*rc = cs_setting__get(&window, g->db, "ingest.subject_window")) < 0 || !window)
        return 0;
    if ((r = cs_store__ticket_recent_subjects(g->db, customer, cs_db_now(g->db) - window,
                                              SUBJECT_TICKETS, match_subject, &m)) < 0)
        *rc = r;
    return m.found;
}

/* Find the ticket the message belongs to, in the order of enum cs_thread_rule's
 * documentation. Every rule matches only the customer's own tickets, so threading never
 * crosses customers. */
static int64_t thread(struct ingest *g, int *rule, int *rc)
{
    const cs_inbound *in = g->in;
    int64_t customer = cs_customer_id(g->customer), id = 0, number = subject_number(in->subject);
    bool mail = g->ch.kind == CS_CHANNEL_EMAIL || g->ch.kind == CS_CHANNEL_WEBFORM;
    char key[CS_INGEST__MSGID_MAX + 1];

    if (in->ticket_id && (id = by_id(g->db, in->ticket_id, customer, rc)))
        return *rule = CS_THREAD_EXPLICIT, id;
    if (number && (id = by_number(g->db, number, customer, rc)))
        return *rule = CS_THREAD_NUMBER, id;
    if ((id = by_ids(g->db, &g->in_reply_to, false, customer, rc)))
        return *rule = CS_THREAD_IN_REPLY_TO, id;
    if ((id = by_ids(g->db, &g->references, true, customer, rc)))
        return *rule = CS_THREAD_REFERENCES, id;
    if (cs_ingest__msgid_key(key, in->reply_to) && (id = by_message_id(g->db, key, customer, rc)))
        return *rule = CS_THREAD_REPLY_TO, id;
    if (cs_ingest__msgid_key(key, in->external_id) &&
        (id = by_remembered(g->db, key, customer, rc)))
        return *rule = CS_THREAD_REFERENCED, id;
    if (in->conversation && (id = by_conversation(g, customer, rc)))
        return *rule = CS_THREAD_CONVERSATION, id;
    if (mail && *rc == CS_OK && (id = by_subject(g, customer, rc)))
        return *rule = CS_THREAD_SUBJECT, id;
    return *rule = CS_THREAD_NEW, 0;
}

/* A merged-away ticket lives on in the one it was merged into, also along a chain of
 * merges; never into another customer's ticket. */
static int64_t survivor(cs_db *db, int64_t id, int64_t customer, int *rc)
{
    for (int i = 0; i < MERGES_MAX && *rc == CS_OK; i++) {
        cs_ticket t = {0};
        bool found = false;
        int64_t next = 0;
        if ((*rc = cs_store__ticket_get(&t, &found, db, id)) == CS_OK && found && t.merged_into)
            next = by_id(db, t.merged_into, customer, rc);
        cs_ticket__clear(&t);
        if (!next)
            break;
        id = next;
    }
    return id;
}

/* Remember an id the message names that no message of the customer carries yet, for the
 * ticket the message joined. */
static int remember(cs_db *db, const char *key, int64_t customer, int64_t ticket)
{
    int rc = CS_OK;

    if (by_external(db, key, customer, &rc) || rc < 0)
        return rc;
    return cs_store__ingest_remember(db, key, ticket);
}

/* What the message names and libcs has not seen, so that a later message naming it, or
 * the named message arriving late, joins this ticket. */
static int remember_unseen(struct ingest *g)
{
    int64_t customer = cs_customer_id(g->customer), ticket = cs_ticket_id(g->ticket);
    const cs_strv *refs = &g->references;
    char key[CS_INGEST__MSGID_MAX + 1];
    int rc = CS_OK;

    for (size_t i = 0; rc == CS_OK && i < g->in_reply_to.n; i++)
        rc = remember(g->db, g->in_reply_to.v[i], customer, ticket);
    for (size_t i = refs->n > REMEMBERED_IDS ? refs->n - REMEMBERED_IDS : 0;
         rc == CS_OK && i < refs->n; i++)
        rc = remember(g->db, refs->v[i], customer, ticket);
    if (rc == CS_OK && cs_ingest__msgid_key(key, g->in->reply_to))
        rc = remember(g->db, key, customer, ticket);
    return rc;
}

/* A subject for a ticket opened by a message without one: the body's first line, cut at
 * a character boundary. */
static void subject_from_body(char *out, size_t size, const char *body)
{
    size_t n = 0, limit = size - 4 < SUBJECT_FROM_BODY ? size - 4 : SUBJECT_FROM_BODY;

    while (body[n] && body[n] != '\n' && body[n] != '\r' && n < limit)
        n++;
    while (n > 0 && ((unsigned char)body[n] & 0xC0) == 0x80) /* not inside a character */
        n--;
    snprintf(out, size, "%.*s%s", (int)n, body,
             body[n] && body[n] != '\n' && body[n] != '\r' ? "…" : "");
    if (!*out)
        snprintf(out, size, "(no subject)");
}

static int open_ticket(struct ingest *g, int64_t follow_up_of)
{
    cs_ticket_fields f = CS_TICKET_FIELDS_INIT;
    char subject[SUBJECT_FROM_BODY + 8];
    int64_t id;
    int rc;

    if (g->in->subject && *g->in->subject) {
        f.subject = g->in->subject;
    } else {
        subject_from_body(subject, sizeof(subject), g->in->body);
        f.subject = subject;
    }
    f.customer_id = cs_customer_id(g->customer);
    f.channel_id = g->ch.id;
    if (g->mail && g->mail->tag) {
        f.tags = &g->mail->tag;
        f.ntags = 1;
    }
    if ((rc = cs_ticket__open(&id, g->db, &g->by, &f,
                              &(cs_ticket__known){g->ch.default_group_id})) < 0)
        return rc;
    g->flags |= F_CREATED;
    if (follow_up_of) {
        if ((rc = cs_store__ticket_set_follow_up(g->db, id, follow_up_of)) < 0)
            return rc;
        g->flags |= F_FOLLOW_UP;
        g->r->follow_up_of = follow_up_of;
    }
    return cs_ticket__get(&g->ticket, g->db, id);
}

/* Put the message on its ticket (the survivor of a merged one): a reply wakes a waiting or
 * solved ticket; a closed one gets a follow-up. */
static int place(struct ingest *g)
{
    int rule = CS_THREAD_NEW, rc = CS_OK;
    int64_t id = thread(g, &rule, &rc);
    int status;

    if (id)
        id = survivor(g->db, id, cs_customer_id(g->customer), &rc);
    if (rc < 0)
        return rc;
    g->r->thread_rule = rule;
    if (!id)
        return open_ticket(g, 0);
    if ((rc = cs_ticket__get(&g->ticket, g->db, id)) < 0)
        return rc;
    status = cs_ticket_status(g->ticket);
    if (status == CS_STATUS_CLOSED) {
        cs_ticket_free(g->ticket);
        g->ticket = NULL;
        return open_ticket(g, id);
    }
    if (status == CS_STATUS_SOLVED || status == CS_STATUS_PENDING || status == CS_STATUS_ON_HOLD) {
        if (status == CS_STATUS_SOLVED)
            g->flags |= F_REOPENED;
        return cs_ticket__set_status(g->db, &g->by, id, CS_STATUS_OPEN);
    }
    return CS_OK;
}

/* What the mail parser separated from the body, beside it on the message. */
static int store_mail(struct ingest *g)
{
    const cs_ingest__mail *m = g->mail;
    cs_mail__columns c;

    if (!m)
        return CS_OK;
    c = (cs_mail__columns){m->kind, m->quoted, m->signature, m->html, m->reply_to, m->date};
    return cs_store__mail_columns_set(g->db, g->r->message_id, &c);
}

static int store_message(struct ingest *g)
{
    cs_message_fields mf = CS_MESSAGE_FIELDS_INIT;
    cs_message__origin from;
    int rc;

    mf.ticket_id = cs_ticket_id(g->ticket);
    mf.direction = CS_DIRECTION_INBOUND;
    mf.visibility = CS_VISIBILITY_PUBLIC;
    mf.channel_id = g->ch.id;
    mf.subject = g->in->subject;
    mf.body = g->in->body;
    mf.external_id = g->in->external_id;
    mf.attachments = g->in->attachments;
    mf.nattachments = g->in->nattachments;
    /* Replies go back to the identity the message came from (cs_reply). The message row
     * is the record of the ingest: it names its author, channel and time. */
    from = (cs_message__origin){CS_ACTOR_CUSTOMER, cs_customer_id(g->customer), g->in->conversation,
                                g->identity_id};
    if ((rc = cs_message__insert(&g->r->message_id, g->db, &mf, &from)) < 0 ||
        (rc = remember_unseen(g)) < 0)
        return rc;
    return store_mail(g);
}

/* Receipts ------------------------------------------------------------------------- */

static int receipt_rule(cs_db *db, int64_t channel_id, int kind, bool *send, int64_t *target)
{
    int mode = CS_RECEIPT_DEFAULT, rc;
    bool found;

    *target = DEFAULT_TARGET;
    if ((rc = cs_store__ingest_receipt_rule(&mode, target, &found, db, channel_id)) < 0)
        return rc;
    *send = mode == CS_RECEIPT_ON || (mode == CS_RECEIPT_DEFAULT &&
                                      (kind == CS_CHANNEL_EMAIL || kind == CS_CHANNEL_WEBFORM));
    return CS_OK;
}

/* Whether the "mail.auto_reply_limit" automatic mails to the identity in the last hour are
 * used up: two autoresponders answering each other stop here. Raw mail only
 * (cs_ingest_mail): a host that reads the mail itself and calls cs_ingest() keeps the
 * receipt per ticket it always had. */
static int auto_reply_spent(struct ingest *g, bool *spent)
{
    int64_t limit, count;
    int rc;

    *spent = false;
    if ((rc = cs_setting__get(&limit, g->db, "mail.auto_reply_limit")) < 0 ||
        (rc = cs_store__outbox_automatic_count(&count, g->db, g->identity_id,
                                               cs_db_now(g->db) - 3600)) < 0)
        return rc;
    *spent = count >= limit;
    return CS_OK;
}

/* The language part of a locale: "de-AT" -> "de". */
static void language_of(char out[8], const char *locale)
{
    size_t n = 0;
    while (locale && n < 7 && isalpha((unsigned char)locale[n])) {
        out[n] = (char)tolower((unsigned char)locale[n]);
        n++;
    }
    out[n] = '\0';
}

/* The template for the customer's language: the channel's own, else the built-in one; for
 * a language libcs has no text in, the channel's English one, else the built-in English.
 * `language` becomes the language of the template taken ("en" for that fallback), which
 * the dates in it follow. */
static int pick_template(char **out, size_t *builtin, cs_db *db, int64_t channel_id,
                         char language[8])
{
    bool known = false;
    int rc;

    *builtin = 0;
    for (size_t i = 0; i < CS_ARRAY_SIZE(builtin_receipts); i++) {
        if (!strcmp(builtin_receipts[i].language, language))
            *builtin = i, known = true;
        else if (!known && !strcmp(builtin_receipts[i].language, "en"))
            *builtin = i;
    }
    if ((rc = cs_store__ingest_receipt_template(out, db, channel_id, language)) < 0 || *out)
        return rc;
    if (!known) {
        strcpy(language, "en");
        if ((rc = cs_store__ingest_receipt_template(out, db, channel_id, "en")) < 0)
            return rc;
    }
    if (!*out && !(*out = cs_mem__strdup(builtin_receipts[*builtin].text)))
        return cs_error__nomem();
    return CS_OK;
}

/* The customer's time zone, else the channel's (NULL: UTC). A zone the system no longer
 * knows counts as none. */
static const char *receipt_zone(const struct ingest *g)
{
    const char *zone = cs_customer_timezone(g->customer);

    if (zone && cs_calendar__zone_exists(zone))
        return zone;
    return cs_calendar__zone_exists(g->ch.timezone) ? g->ch.timezone : NULL;
}

static const char *placeholder_value(const char *name, size_t len, const char *const values[])
{
    for (size_t i = 0; i < CS_ARRAY_SIZE(placeholders); i++)
        if (strlen(placeholders[i]) == len && !strncmp(placeholders[i], name, len))
            return values[i];
    return NULL;
}

/* Replace {name} placeholders; values are in the order of `placeholders`. The first pass
 * measures, the second copies. */
static int render(char **out, const char *tmpl, const char *const values[])
{
    char *buf = NULL;
    size_t len = 0;

    for (int pass = 0; pass < 2; pass++) {
        len = 0;
        for (const char *p = tmpl; *p;) {
            const char *close = *p == '{' ? strchr(p, '}') : NULL;
            const char *v =
                close ? placeholder_value(p + 1, (size_t)(close - p - 1), values) : NULL;
            size_t n = v ? strlen(v) : 1;
            if (buf)
                memcpy(buf + len, v ? v : p, n);
            len += n;
            p = v ? close + 1 : p + 1;
        }
        if (!buf && !(buf = cs_mem__alloc(len + 1)))
            return cs_error__nomem();
    }
    buf[len] = '\0';
    *out = buf;
    return CS_OK;
}

/* The first reply promised: the running SLA first-reply deadline where a policy applies,
 * else now plus the channel's receipt target. */
static int promise(struct ingest *g, int64_t target)
{
    cs_time due = 0;
    int rc = cs_sla__first_reply_due(&due, g->db, cs_ticket_id(g->ticket));

    g->r->promised_at = due ? due : cs_db_now(g->db) + target;
    return rc;
}

static int send_receipt(struct ingest *g)
{
    cs_message_fields mf = CS_MESSAGE_FIELDS_INIT;
    cs_message__origin system = {CS_ACTOR_SYSTEM, 0, g->in->conversation, 0};
    cs_outbox__entry e = {0};
    char *tmpl = NULL, *owner = NULL, *subject = NULL, number[24], when[96], language[8];
    char header_id[CS_IDENTITY_MAX];
    int64_t target, mid, item = 0;
    size_t builtin;
    bool send = false, spent = false;
    bool mail = g->ch.kind == CS_CHANNEL_EMAIL || g->ch.kind == CS_CHANNEL_WEBFORM;
    int rc;

    if ((rc = receipt_rule(g->db, g->ch.id, g->ch.kind, &send, &target)) < 0 || !send ||
        (g->mail && (rc = auto_reply_spent(g, &spent)) < 0) || spent ||
        (rc = promise(g, target)) < 0)
        return rc;
    language_of(language, cs_customer_locale(g->customer));
    if ((rc = pick_template(&tmpl, &builtin, g->db, g->ch.id, language)) < 0 ||
        (rc = cs_calendar__format_local(when, sizeof(when), g->db, receipt_zone(g), language,
                                        g->r->promised_at)) < 0 ||
        (rc = cs_store__ingest_owner_name(&owner, g->db, cs_ticket_id(g->ticket))) < 0)
        goto out;
    const char *values[] = {cs_int__text(number, cs_ticket_number(g->ticket), false),
                            cs_ticket_subject(g->ticket), cs_customer_name(g->customer), when,
                            owner ? owner : builtin_receipts[builtin].team};
    if ((rc = render(&g->receipt, tmpl, values)) < 0 ||
        (mail && (rc = cs_outbox__subject(&subject, g->ticket, NULL)) < 0))
        goto out;
    mf.ticket_id = cs_ticket_id(g->ticket);
    mf.direction = CS_DIRECTION_OUTBOUND;
    mf.visibility = CS_VISIBILITY_PUBLIC;
    mf.channel_id = g->ch.id;
    mf.subject = subject;
    mf.body = g->receipt;
    if ((rc = cs_message__insert(&mid, g->db, &mf, &system)) < 0 ||
        (mail && (rc = cs_outbox__message_id(&item, header_id, sizeof(header_id), g->db,
                                             g->ch.domain)) < 0))
        goto out;
    e = (cs_outbox__entry){g->ch.id,
                           cs_ticket_id(g->ticket),
                           mid,
                           "receipt",
                           g->reply_value ? g->reply_value : g->normalized_sender,
                           subject,
                           NULL, /* the receipt message's */
                           mail ? header_id : NULL,
                           mail ? g->in->external_id : NULL,
                           mail ? g->in->external_id : NULL,
                           g->identity_id,
                           NULL,
                           item};
    rc = cs_outbox__queue(&g->r->receipt_id, g->db, &e);
out:
    cs_mem__free(tmpl);
    cs_mem__free(owner);
    cs_mem__free(subject);
    return rc;
}

static int log_result(struct ingest *g)
{
    const cs_ingest_result *r = g->r;
    cs_ingest__logged l = {.message_id = r->message_id,
                           .ticket_id = r->ticket_id,
                           .customer_id = r->customer_id,
                           .flags = g->flags,
                           .thread_rule = r->thread_rule,
                           .receipt_id = r->receipt_id,
                           .promised_at = r->promised_at};

    if (!g->in->external_id || !*g->in->external_id)
        return CS_OK;
    return cs_store__ingest_log(g->db, &l);
}

static int ingest(struct ingest *g)
{
    int kind, rc;
    bool found;

    if ((rc = clean_hints(g, g->in)) < 0 ||
        (rc = cs_outbox__channel(&g->ch, g->db, g->in->channel_id)) < 0)
        return rc;
    kind = cs_channel_kind_identity(g->ch.kind);
    if ((rc = cs_identity_normalize(&g->normalized_sender, kind, g->in->sender)) < 0)
        return cs_error__refield("sender");
    if ((rc = find_logged(g, &found)) < 0 || found)
        return rc;
    /* A mail whose Message-ID someone else used first keeps its own id, from its bytes, so
     * that its retry is still a duplicate. */
    if (g->id_taken && g->mail && g->mail->fallback_id) {
        g->clean.external_id = g->mail->fallback_id;
        if ((rc = find_logged(g, &found)) < 0 || found)
            return rc;
    }
    if ((rc = recognise_customer(g)) < 0 || (rc = sender_identity(g, kind)) < 0 ||
        (rc = follow_reply_to(g, kind)) < 0)
        return rc;
    /* What follows is the customer's doing, and is recorded so. */
    g->by = cs_actor__customer(cs_customer_id(g->customer));
    if ((rc = place(g)) < 0 || (rc = store_message(g)) < 0)
        return rc;
    /* The reactions (SLA clocks, routing) run before the receipt, which promises the SLA's
     * deadline and names the owner routing chose. */
    if ((g->flags & F_CREATED) &&
        (rc = cs_react__note(g->db, cs_ticket_id(g->ticket), CS_REACT__INGESTED, 0)) < 0)
        return rc;
    if ((rc = cs_react__run(g->db)) < 0)
        return rc;
    /* Automatic mail gets no automatic answer (RFC 3834), unreadable mail none either. */
    if ((g->flags & F_CREATED) && (!g->mail || g->mail->kind == CS_MAIL_MESSAGE) &&
        (rc = send_receipt(g)) < 0)
        return rc;
    g->r->ticket_id = cs_ticket_id(g->ticket);
    g->r->ticket_number = cs_ticket_number(g->ticket);
    g->r->customer_id = cs_customer_id(g->customer);
    g->r->created = !!(g->flags & F_CREATED);
    g->r->reopened = !!(g->flags & F_REOPENED);
    g->r->follow_up = !!(g->flags & F_FOLLOW_UP);
    g->r->customer_created = !!(g->flags & F_CUSTOMER_CREATED);
    g->r->receipt = g->receipt;
    g->receipt = NULL;
    return log_result(g);
}

int cs_ingest__run(cs_ingest_result *r, cs_db *db, const cs_actor *host, const cs_inbound *msg,
                   const cs_ingest__mail *mail)
{
    struct ingest g = {.db = db, .in = msg, .host = host, .r = r, .mail = mail};
    int rc;

    if ((rc = check_inbound(msg)) < 0)
        return rc;
    if ((rc = cs_db__begin(db)) == CS_OK)
        rc = cs_react__end(db, ingest(&g));
    cs_customer_free(g.customer);
    cs_ticket_free(g.ticket);
    cs_mem__free(g.receipt);
    cs_mem__free(g.normalized_sender);
    cs_mem__free(g.reply_value);
    clean_hints_free(&g);
    return rc;
}

int cs_ingest__host(cs_actor *host, cs_db *db)
{
    int rc = cs_perm__require(host, db, CS_CAP_INGEST);
    return rc < 0 ? rc : cs_perm__unscoped(host, CS_CAP_INGEST);
}

int cs_ingest(cs_ingest_result **out, cs_db *db, const cs_inbound *msg)
{
    cs_ingest_result *r;
    cs_actor host;
    int rc;

    if (out)
        *out = NULL;
    if (!out || !db)
        return cs_error__inval(out ? "db" : "out", "%s is NULL", out ? "db" : "out");
    if ((rc = check_inbound(msg)) < 0 || (rc = cs_ingest__host(&host, db)) < 0)
        return rc;
    if (!(r = cs_mem__calloc(1, sizeof(*r))))
        return cs_error__nomem();
    if ((rc = cs_ingest__run(r, db, &host, msg, NULL)) < 0) {
        cs_ingest_result_free(r);
        return rc;
    }
    *out = r;
    return CS_OK;
}

/* Receipt configuration ------------------------------------------------------------ */

static int channel_exists(cs_db *db, int64_t id)
{
    cs_channel *ch = NULL;
    int rc = cs_store__channel_get(&ch, db, id);

    if (rc == CS_OK && !ch)
        rc =
            cs_error__set(CS_ENOTFOUND, "channel_id", "channel %lld does not exist", (long long)id);
    cs_channel__free(ch);
    return rc;
}

int cs_receipt_configure(cs_db *db, int64_t channel_id, int mode, int64_t first_reply_target)
{
    char text[24];
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    if (mode < CS_RECEIPT_DEFAULT || mode > CS_RECEIPT_OFF)
        return cs_error__inval("mode", "unknown receipt mode %d", mode);
    if (first_reply_target < 60 || first_reply_target > 90 * 86400)
        return cs_error__inval("first_reply_target",
                               "first_reply_target %lld is not between "
                               "60 seconds and 90 days",
                               (long long)first_reply_target);
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    if ((rc = channel_exists(db, channel_id)) == CS_OK)
        rc = cs_store__ingest_receipt_rule_set(db, channel_id, mode, first_reply_target);
    if (rc == CS_OK)
        rc = cs_audit__record(db, &by, "channel", channel_id, 0, 0, "update", "receipt_mode", NULL,
                              cs_int__text(text, mode, false));
    return cs_db__end(db, rc);
}

static int check_template(const char *tmpl)
{
    int rc = cs_check__text("template", tmpl, 8192, true);

    for (const char *p = tmpl; rc == CS_OK && (p = strchr(p, '{')); p++) {
        const char *close = strchr(p, '}');
        /* render() would copy it as it stands: the customer would read "{ticket_number". */
        if (!close)
            return cs_error__inval("template", "unclosed placeholder \"%.32s\" in the template", p);
        if (!placeholder_value(p + 1, (size_t)(close - p - 1), placeholders))
            return cs_error__inval("template", "unknown placeholder %.*s in the template",
                                   (int)(close - p + 1), p);
    }
    return rc;
}

int cs_receipt_set_template(cs_db *db, int64_t channel_id, const char *language,
                            const char *template_text)
{
    char lang[8];
    cs_actor by;
    int rc;

    if (!db)
        return cs_error__inval("db", "db is NULL");
    language_of(lang, language);
    if (!language || strlen(language) < 2 || strlen(language) > 3 || strcmp(lang, language))
        return cs_error__inval("language", "language must be a lowercase language code such as "
                                           "\"de\" or \"en\"");
    if (template_text && (rc = check_template(template_text)) < 0)
        return rc;
    if ((rc = cs_perm__require(&by, db, CS_CAP_CONFIG_WRITE)) < 0 || (rc = cs_db__begin(db)) < 0)
        return rc;
    if ((rc = channel_exists(db, channel_id)) == CS_OK)
        rc = template_text
                 ? cs_store__ingest_receipt_template_set(db, channel_id, language, template_text)
                 : cs_store__ingest_receipt_template_delete(db, channel_id, language);
    if (rc == CS_OK)
        rc = cs_audit__record(db, &by, "channel", channel_id, 0, 0, "update", "receipt_template",
                              language, template_text);
    return cs_db__end(db, rc);
}
