/*
 * csdesk demo - the product's story on a fresh database, told step by step through the
 * same JSON interface every host uses.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "csdesk.h"

#define DEMO_START 1772442000 /* Monday 2026-03-02 09:00 UTC */

struct demo {
    struct cli *cli;
    int step;
    json_t *steps; /* with --json, the story as data; NULL: it is told on standard output */
};

static void say(struct demo *d, const char *principle, const char *text)
{
    d->step++;
    if (d->steps)
        json_array_append_new(d->steps,
                              json_pack("{s:i, s:s, s:s, s:[]}", "step", d->step, "principles",
                                        principle, "text", text, "details"));
    else
        printf("\n%d. %s  [%s]\n", d->step, text, principle);
}

/* A line of what the current step did. */
static void note(struct demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct demo *d, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (d->steps)
        json_array_append_new(
            json_object_get(json_array_get(d->steps, json_array_size(d->steps) - 1), "details"),
            json_string(line));
    else
        printf("   %s\n", line);
}

/* Run a request and keep the response; any failure ends the demo. */
static json_t *run(struct demo *d, const char *method, json_t *request)
{
    json_t *resp = NULL;
    if (cli_call(d->cli, &resp, method, request) || !resp) {
        fprintf(stderr, "csdesk demo: %s failed\n", method);
        return NULL;
    }
    return resp;
}

static json_int_t integer(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static const char *text(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

/* A mail item as the SMTP adapter sends it: its header lines (outbox.item_mime). */
static void show_mail(struct demo *d, json_int_t item)
{
    json_t *r = run(d, "outbox.item_mime", json_pack("{s:I}", "id", item));
    const char *mime = r ? text(r, "mime") : "", *end = strstr(mime, "\r\n\r\n");

    note(d, "   rendered for SMTP (outbox.item_mime), its headers:");
    for (const char *p = mime; end && p < end;) {
        const char *eol = strstr(p, "\r\n");
        note(d, "     %.*s", (int)(eol - p), p);
        p = eol + 2;
    }
    json_decref(r);
}

static int setup(struct demo *d, json_int_t ids[4])
{
    json_t *r;

    say(d, "P1, P9, P10", "The shop configures its channels and an agent with initials.");
    if (!(r = run(d, "group.create", json_pack("{s:s}", "name", "Kundenservice"))))
        return -1;
    ids[3] = integer(r, "id");
    json_decref(r);
    if (!(r = run(d, "channel.create",
                  json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "kind", "email", "name", "Mail",
                            "address", "service@shop.example", "default_group_id", ids[3], "locale",
                            "de", "timezone", "Europe/Berlin"))))
        return -1;
    ids[0] = integer(r, "id");
    json_decref(r);
    if (!(r = run(d, "channel.create",
                  json_pack("{s:s, s:s, s:s, s:b, s:b}", "kind", "twitter", "name", "Twitter",
                            "address", "@shop", "public", 1, "signature", 1))))
        return -1;
    ids[1] = integer(r, "id");
    json_decref(r);
    if (!(r = run(d, "channel.create",
                  json_pack("{s:s, s:s}", "kind", "chat", "name", "Website chat"))))
        return -1;
    ids[2] = integer(r, "id");
    json_decref(r);
    note(d, "%s",
         "channels: Mail (service@shop.example, German, Berlin time), Twitter @shop"
         " (public, signed), chat");
    if (!(r = run(d, "agent.create",
                  json_pack("{s:s, s:s, s:[s]}", "name", "Carla Berger", "email",
                            "carla@shop.example", "skills", "de"))))
        return -1;
    note(d, "agent: Carla Berger, signs as ^%s", text(r, "initials"));
    d->cli->actor_id = integer(r, "id");
    json_decref(r);

    say(d, "P3, P12", "Promises in minutes, in business hours: an office calendar and SLAs.");
    if (!(r = run(d, "calendar.store",
                  json_pack("{s:s, s:{s:s, s:{s:[[s,s]], s:[[s,s]], s:[[s,s]], s:[[s,s]],"
                            " s:[[s,s]]}}}",
                            "name", "Büro Berlin", "calendar", "timezone", "Europe/Berlin", "hours",
                            "mon", "08:00", "18:00", "tue", "08:00", "18:00", "wed", "08:00",
                            "18:00", "thu", "08:00", "18:00", "fri", "08:00", "18:00"))))
        return -1;
    json_int_t calendar = integer(r, "id");
    json_decref(r);
    if (!(r = run(d, "sla.policy.create",
                  json_pack("{s:s, s:[{s:s, s:b}], s:[{s:s, s:i}]}", "name", "Social media",
                            "conditions", "kind", "public_channel", "value", 1, "targets", "metric",
                            "first_reply", "seconds", 3600))))
        return -1;
    json_decref(r);
    if (!(r = run(d, "sla.policy.create",
                  json_pack("{s:s, s:[{s:s, s:i, s:b, s:I}]}", "name", "Standard", "targets",
                            "metric", "first_reply", "seconds", 4 * 3600, "business", 1,
                            "calendar_id", calendar))))
        return -1;
    json_decref(r);
    note(d, "%s",
         "public channels: first reply within 1 hour (P9); everything else within"
         " 4 business hours, Mon-Fri 08-18 Berlin");
    return 0;
}

int cli_cmd_demo(struct cli *cli, int argc, char **argv)
{
    struct demo d = {cli, 0, NULL};
    json_int_t ch[4], anna, ticket, tweet_ticket;
    json_t *r = NULL, *items;
    char mail_id[512] = "", title[256];
    size_t i;
    int rc = 1;

    CLI_PARSE("demo", 1);
    if (cli->json)
        d.steps = json_array();
    unlink(cli->db_path);
    if (!cli->has_now) {
        cli->has_now = 1;
        cli->now = DEMO_START;
    }
    if (cli_open(cli, CS_OPEN_CREATE))
        goto out;
    snprintf(title, sizeof(title),
             "libcs %s: a helpdesk inside the shop's own software, in one SQLite file (%s).",
             cs_version(NULL, NULL, NULL), cs_db_path(cli->db));
    if (!d.steps)
        printf("%s\n", title);
    if (setup(&d, ch) < 0)
        goto out;

    say(&d, "P2, P3",
        "Anna writes by mail. libcs does not know her yet: she becomes a customer,"
        " gets a ticket and a receipt with a promise, in German and Berlin time as the"
        " channel says.");
    if (!(r = run(&d, "ingest",
                  json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "channel_id", ch[0], "external_id",
                            "<1@anna.example>", "sender", "anna@example.com", "sender_name",
                            "Anna Schmidt", "subject", "Rechnungsadresse ändern", "body",
                            "Bitte ändern Sie meine Rechnungsadresse auf "
                            "Hauptstraße 5, 10115 Berlin."))))
        goto out;
    anna = integer(r, "customer_id");
    ticket = integer(r, "ticket_id");
    note(&d, "-> ticket #%lld for customer %lld", (long long)integer(r, "ticket_number"),
         (long long)anna);
    note(&d, "receipt: %s", text(r, "receipt"));
    json_decref(r);

    say(&d, "P2", "A retry of the same mail by the adapter changes nothing.");
    if (!(r = run(&d, "ingest",
                  json_pack("{s:I, s:s, s:s, s:s}", "channel_id", ch[0], "external_id",
                            "<1@anna.example>", "sender", "anna@example.com", "body", "(retry)"))))
        goto out;
    note(&d, "-> duplicate: %s, still ticket #%lld",
         json_is_true(json_object_get(r, "duplicate")) ? "yes" : "no",
         (long long)integer(r, "ticket_number"));
    json_decref(r);

    say(&d, "P5",
        "Ben writes too, a raw mail as the mail server delivered it (csmail fetch"
        " hands these over). Nobody picks it up yet; the queue is ordered by deadline,"
        " not by who the customer is.");
    cli->now += 300;
    if (!(r = run(&d, "ingest.mail",
                  json_pack("{s:I, s:s}", "channel_id", ch[0], "raw",
                            "From: Ben =?UTF-8?Q?K=C3=B6hler?= <ben@example.com>\r\n"
                            "To: service@shop.example\r\n"
                            "Subject: Lieferzeit\r\n"
                            "Message-ID: <1@ben.example>\r\n"
                            "Content-Type: text/plain; charset=utf-8\r\n"
                            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                            "Wann wird meine Bestellung geliefert?\r\n\r\n"
                            "-- \r\nBen K=C3=B6hler, Leipzig\r\n"))))
        goto out;
    json_int_t ben_ticket = integer(r, "ticket_id");
    note(&d, "-> %s mail, ticket #%lld, first reply promised by %s", text(r, "mail_kind"),
         (long long)integer(r, "ticket_number"), text(r, "promised_at"));
    json_decref(r);

    say(&d, "P9", "An hour later Anna complains in public, on Twitter.");
    cli->now += 3600;
    if (!(r = run(&d, "ingest",
                  json_pack("{s:I, s:s, s:s, s:s}", "channel_id", ch[1], "external_id", "tw-9001",
                            "sender", "@anna_s", "body",
                            "@shop Seit einer Stunde keine Antwort auf meine Mail 🙄"))))
        goto out;
    json_int_t tweeter = integer(r, "customer_id");
    tweet_ticket = integer(r, "ticket_id");
    note(&d, "-> a new customer %lld, ticket #%lld: libcs cannot know it is Anna yet",
         (long long)tweeter, (long long)integer(r, "ticket_number"));
    json_decref(r);

    say(&d, "P2", "The agent sees it is Anna and merges the two: one customer, one timeline.");
    if (!(r = run(&d, "customer.merge",
                  json_pack("{s:I, s:I}", "survivor_id", anna, "merged_id", tweeter))))
        goto out;
    json_decref(r);
    if (!(r = run(&d, "ticket.list", json_pack("{s:I}", "customer_id", anna))))
        goto out;
    note(&d, "-> Anna now has %zu tickets, from mail and Twitter",
         json_array_size(json_object_get(r, "tickets")));
    json_decref(r);

    say(&d, "P1, P10",
        "Carla answers. The reply goes out where Anna wrote last (Twitter), "
        "signed with Carla's initials.");
    cli->actor_kind = CS_ACTOR_AGENT;
    if (cs_db_set_actor(cli->db, CS_ACTOR_AGENT, cli->actor_id) < 0 ||
        !(r = run(&d, "reply",
                  json_pack("{s:I, s:s}", "ticket_id", tweet_ticket, "body",
                            "@anna_s Entschuldigung! Ihre Adresse ist geändert, die Bestätigung "
                            "kommt per Mail."))))
        goto out;
    json_decref(r);
    if (!(r = run(&d, "reply",
                  json_pack("{s:I, s:s, s:I}", "ticket_id", ticket, "body",
                            "Guten Tag Frau Schmidt, Ihre neue Rechnungsadresse ist gespeichert.",
                            "channel_id", ch[0]))))
        goto out;
    json_decref(r);
    cs_db_set_actor(cli->db, CS_ACTOR_SYSTEM, 0);

    say(&d, "P1", "The host's channel adapters drain the outbox and acknowledge what they sent.");
    if (!(r = run(&d, "outbox.claim", json_pack("{s:i, s:i}", "max", 10, "lease_seconds", 60))))
        goto out;
    items = json_object_get(r, "items");
    for (i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        if (!strcmp(text(it, "kind"), "reply") && !strcmp(text(it, "channel_kind"), "email"))
            snprintf(mail_id, sizeof(mail_id), "%s", text(it, "message_id_header"));
        note(&d, "-> %-7s %-8s to %s: %.60s%s", text(it, "channel_kind"), text(it, "kind"),
             text(it, "recipient"), text(it, "body"), strlen(text(it, "body")) > 60 ? "..." : "");
        if (!strcmp(text(it, "kind"), "reply") && !strcmp(text(it, "channel_kind"), "email"))
            show_mail(&d, integer(it, "id"));
        json_decref(run(&d, "outbox.ack",
                        json_pack("{s:I, s:I, s:s}", "id", integer(it, "id"), "lease",
                                  integer(it, "lease"), "external_id",
                                  !strcmp(text(it, "channel_kind"), "twitter")
                                      ? "tw-9002"
                                      : text(it, "message_id_header"))));
    }
    json_decref(r);

    say(&d, "P1", "How often did we answer in the customer's own medium?");
    if (!(r = run(&d, "reply.channel_stats",
                  json_pack("{s:s, s:s}", "from", "2026-03-01T00:00:00Z", "to",
                            "2026-03-31T00:00:00Z"))))
        goto out;
    note(&d, "-> %lld of %lld replies on the customer's channel",
         (long long)integer(r, "same_channel"), (long long)integer(r, "replies"));
    json_decref(r);

    say(&d, "P2", "Anna answers the confirmation mail; it threads back into her ticket.");
    cli->now += 600;
    if (!(r = run(&d, "ingest",
                  json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "channel_id", ch[0], "external_id",
                            "<2@anna.example>", "sender", "anna@example.com", "subject",
                            "Re: Rechnungsadresse ändern", "in_reply_to", mail_id, "body",
                            "Danke, das ging schnell!"))))
        goto out;
    note(&d, "-> added to ticket #%lld, threaded by %s", (long long)integer(r, "ticket_number"),
         text(r, "thread"));
    json_decref(r);

    say(&d, "P12", "The host's timer calls tick: warnings before a breach, the breach after.");
    for (int t = 0; t < 2; t++) {
        cli->now = DEMO_START + (t ? 5 * 3600 : 3 * 3600 + 20 * 60);
        if (!(r = run(&d, "tick", json_object())))
            goto out;
        items = json_object_get(r, "items");
        for (i = 0; i < json_array_size(items); i++) {
            json_t *it = json_array_get(items, i);
            note(&d, "-> %s: ticket %lld %s %s (due %s)", text(r, "now"),
                 (long long)integer(it, "ticket_id"), text(it, "metric"), text(it, "kind"),
                 text(it, "at"));
        }
        json_decref(r);
    }
    if (!(r = run(&d, "sla.queue", json_pack("{s:i}", "limit", 1))))
        goto out;
    note(&d, "-> next in the queue: ticket %lld (Ben's: %s)",
         (long long)integer(json_array_get(json_object_get(r, "items"), 0), "ticket_id"),
         integer(json_array_get(json_object_get(r, "items"), 0), "ticket_id") == ben_ticket ? "yes"
                                                                                            : "no");
    json_decref(r);

    if (d.steps) {
        r = json_pack("{s:s, s:s, s:O}", "title", title, "db", cli->db_path, "steps", d.steps);
        cli_print_json(r);
        json_decref(r);
    } else {
        printf("\nTry: csdesk --db %s tickets; csdesk --db %s show 1\n", cli->db_path,
               cli->db_path);
    }
    rc = 0;
out:
    json_decref(d.steps);
    return rc;
}
