/*
 * csdesk - the friendly subcommands: each builds a request for cs_call() and prints the
 * answer as a table or text (or as JSON with --json).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csdesk.h"

#define MAX_POS 8

int cli_opts(int argc, char **argv, struct cli_opt *opts, size_t nopts, char **pos, size_t maxpos,
             size_t *npos)
{
    *npos = 0;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) != 0 || !argv[i][2]) {
            if (*npos == maxpos)
                return -1;
            pos[(*npos)++] = argv[i];
            continue;
        }
        size_t k = 0;
        while (k < nopts && strcmp(opts[k].name, argv[i] + 2) != 0)
            k++;
        if (k == nopts || (opts[k].takes_value && i + 1 >= argc))
            return -1;
        opts[k].given = 1;
        if (opts[k].takes_value)
            opts[k].value = argv[++i];
    }
    return 0;
}

static const char *opt(const struct cli_opt *opts, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(opts[i].name, name))
            return opts[i].value;
    return NULL;
}

static int flag(const struct cli_opt *opts, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(opts[i].name, name))
            return opts[i].given;
    return 0;
}

#define OPT(name) opt(opts, sizeof(opts) / sizeof(opts[0]), (name))
#define FLAG(name) flag(opts, sizeof(opts) / sizeof(opts[0]), (name))
#define PARSE(min, max)                                                                            \
    (cli_opts(argc - 1, argv + 1, opts, sizeof(opts) / sizeof(opts[0]), pos, MAX_POS, &npos) <     \
         0 ||                                                                                      \
     (int)npos < (min) || npos > (max))

/* Set key to an integer parsed from text, when text is given. */
static int set_int(json_t *req, const char *key, const char *text)
{
    char *end;
    long long v;

    if (!text)
        return 0;
    v = strtoll(text, &end, 10);
    if (*end || end == text) {
        fprintf(stderr, "csdesk: %s must be a number, not \"%s\"\n", key, text);
        return -1;
    }
    json_object_set_new(req, key, json_integer(v));
    return 0;
}

static void set_str(json_t *req, const char *key, const char *text)
{
    if (text)
        json_object_set_new(req, key, json_string(text));
}

/* "a,b,c" as a JSON array of strings. */
static json_t *split(const char *text)
{
    json_t *arr = json_array();
    const char *p = text;

    while (p && *p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        json_array_append_new(arr, json_stringn(p, n));
        p = comma ? comma + 1 : NULL;
    }
    return arr;
}

/* Print a response: raw JSON with --json, else the given text form. */
static int show(struct cli *cli, json_t *resp, void (*human)(const json_t *))
{
    if (cli->json || !human)
        cli_print_json(resp);
    else
        human(resp);
    json_decref(resp);
    return 0;
}

static int call_show(struct cli *cli, const char *method, json_t *req,
                     void (*human)(const json_t *))
{
    json_t *resp;
    int rc = cli_call(cli, &resp, method, req);
    return rc ? rc : show(cli, resp, human);
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

static void print_id(const json_t *o)
{
    printf("%lld\n", (long long)json_integer_value(json_object_get(o, "id")));
}

static void print_channel(const json_t *c)
{
    printf("%-4lld %-9s %-20s %s%s%s\n", (long long)json_integer_value(json_object_get(c, "id")),
           str(c, "kind"), str(c, "name"), str(c, "address"),
           json_is_true(json_object_get(c, "public")) ? " (public)" : "",
           json_is_true(json_object_get(c, "signature")) ? " (signed)" : "");
}

static void print_channels(const json_t *o)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(o, "channels"), i, c)
        print_channel(c);
}

int cli_cmd_channel(struct cli *cli, int argc, char **argv)
{
    struct cli_opt opts[] = {{"address", 1, NULL, 0},
                             {"public", 0, NULL, 0},
                             {"signature", 0, NULL, 0},
                             {"group", 1, NULL, 0}};
    char *pos[MAX_POS];
    size_t npos;
    json_t *req = json_object();

    if (argc >= 2 && !strcmp(argv[1], "list")) {
        json_decref(req);
        return call_show(cli, "channel.list", NULL, print_channels);
    }
    if (argc < 2 || strcmp(argv[1], "add") || PARSE(3, 3)) {
        json_decref(req);
        return cli_usage("channel add KIND NAME [--address A] [--public] [--signature] "
                         "[--group ID] | channel list");
    }
    set_str(req, "kind", pos[1]);
    set_str(req, "name", pos[2]);
    set_str(req, "address", OPT("address"));
    if (FLAG("public"))
        json_object_set_new(req, "public", json_true());
    if (FLAG("signature"))
        json_object_set_new(req, "signature", json_true());
    if (set_int(req, "default_group_id", OPT("group")) < 0) {
        json_decref(req);
        return 2;
    }
    return call_show(cli, "channel.create", req, print_channel);
}

int cli_cmd_agent(struct cli *cli, int argc, char **argv)
{
    struct cli_opt opts[] = {{"email", 1, NULL, 0},
                             {"role", 1, NULL, 0},
                             {"initials", 1, NULL, 0},
                             {"skill", 1, NULL, 0}};
    char *pos[MAX_POS];
    size_t npos;
    json_t *req;

    if (argc < 2 || strcmp(argv[1], "add") || PARSE(2, 2))
        return cli_usage("agent add NAME [--email E] [--role admin|agent|light] "
                         "[--initials I] [--skill a,b]");
    req = json_pack("{s:s}", "name", pos[1]);
    set_str(req, "email", OPT("email"));
    set_str(req, "role", OPT("role"));
    set_str(req, "initials", OPT("initials"));
    if (OPT("skill"))
        json_object_set_new(req, "skills", split(OPT("skill")));
    return call_show(cli, "agent.create", req, print_id);
}

int cli_cmd_group(struct cli *cli, int argc, char **argv)
{
    char *end1, *end2;

    if (argc == 3 && !strcmp(argv[1], "add"))
        return call_show(cli, "group.create", json_pack("{s:s}", "name", argv[2]), print_id);
    if (argc == 4 && !strcmp(argv[1], "member")) {
        long long g = strtoll(argv[2], &end1, 10), a = strtoll(argv[3], &end2, 10);
        if (!*end1 && !*end2)
            return call_show(cli, "group.add_agent",
                             json_pack("{s:I, s:I}", "group_id", g, "agent_id", a), NULL);
    }
    return cli_usage("group add NAME | group member GROUP-ID AGENT-ID");
}

static void print_customer(const json_t *c)
{
    size_t i;
    json_t *id;

    printf("customer %lld: %s (%s)\n", (long long)json_integer_value(json_object_get(c, "id")),
           str(c, "name"), str(c, "locale"));
    json_array_foreach(json_object_get(c, "identities"), i, id)
        printf("  %-9s %s\n", str(id, "kind"), str(id, "value"));
}

int cli_cmd_customer(struct cli *cli, int argc, char **argv)
{
    struct cli_opt opts[] = {{"email", 1, NULL, 0},
                             {"phone", 1, NULL, 0},
                             {"twitter", 1, NULL, 0},
                             {"locale", 1, NULL, 0}};
    static const char *kinds[] = {"email", "phone", "twitter"};
    char *pos[MAX_POS], *end;
    size_t npos;
    json_t *req, *ids;

    if (argc == 3 && !strcmp(argv[1], "show")) {
        long long id = strtoll(argv[2], &end, 10);
        if (*end)
            return cli_usage("customer show ID");
        return call_show(cli, "customer.get", json_pack("{s:I}", "id", id), print_customer);
    }
    if (argc == 4 && !strcmp(argv[1], "find"))
        return call_show(cli, "customer.find",
                         json_pack("{s:s, s:s}", "kind", argv[2], "value", argv[3]),
                         print_customer);
    if (argc < 2 || strcmp(argv[1], "add") || PARSE(2, 2))
        return cli_usage("customer add NAME [--email E] [--phone P] [--twitter H] [--locale L]"
                         " | customer show ID | customer find KIND VALUE");
    req = json_pack("{s:s}", "name", pos[1]);
    set_str(req, "locale", OPT("locale"));
    ids = json_array();
    for (size_t i = 0; i < 3; i++)
        if (OPT(kinds[i]))
            json_array_append_new(
                ids, json_pack("{s:s, s:s}", "kind", kinds[i], "value", OPT(kinds[i])));
    json_object_set_new(req, "identities", ids);
    return call_show(cli, "customer.create", req, print_customer);
}

static void print_ingest(const json_t *r)
{
    if (json_is_true(json_object_get(r, "duplicate")))
        printf("duplicate: already ingested as ticket #%lld\n",
               (long long)json_integer_value(json_object_get(r, "ticket_number")));
    else
        printf("%s ticket #%lld (customer %lld%s, threaded by %s)\n",
               json_is_true(json_object_get(r, "created")) ? "opened" : "added to",
               (long long)json_integer_value(json_object_get(r, "ticket_number")),
               (long long)json_integer_value(json_object_get(r, "customer_id")),
               json_is_true(json_object_get(r, "customer_created")) ? ", new" : "",
               str(r, "thread"));
    if (json_is_true(json_object_get(r, "reopened")))
        printf("the ticket was solved and is open again\n");
    if (json_is_string(json_object_get(r, "receipt")))
        printf("receipt: %s\n", str(r, "receipt"));
}

/* All of a file (or of standard input for "-"), however large. NULL after printing why. */
static char *read_all(const char *path, size_t *size)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    size_t cap = 65536, n = 0, got;
    char *buf = malloc(cap), *more;

    if (!f || !buf) {
        fprintf(stderr, "csdesk: cannot read %s\n", path);
        free(buf);
        return NULL;
    }
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n < cap)
            continue;
        if (!(more = realloc(buf, cap * 2))) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = more;
        cap *= 2;
    }
    if (!buf || ferror(f)) {
        fprintf(stderr, "csdesk: cannot read %s\n", path);
        free(buf);
        buf = NULL;
    }
    if (f != stdin)
        fclose(f);
    *size = n;
    return buf;
}

static void print_ingest_mail(const json_t *r)
{
    const char *kind = str(r, "mail_kind");

    if (!strcmp(kind, "bounce"))
        printf("bounce: outbox item %lld of ticket #%lld failed\n",
               (long long)json_integer_value(json_object_get(r, "bounced_item_id")),
               (long long)json_integer_value(json_object_get(r, "ticket_number")));
    else
        print_ingest(r);
    if (!strcmp(kind, "automatic"))
        printf("automatic mail: no automatic answer\n");
    else if (!strcmp(kind, "unparsed"))
        printf("the mail could not be read: kept whole for an agent (tag mail-unparsed)\n");
}

/* csdesk ingest --channel ID --raw FILE|-: the mail as received, sent as base64 so any
 * bytes go through the JSON door. */
static int ingest_raw(struct cli *cli, const char *channel, const char *path)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t size, w = 0;
    char *raw = read_all(path, &size), *enc;
    json_t *req;

    if (!raw)
        return 1;
    if (!(enc = malloc((size + 2) / 3 * 4 + 1))) {
        free(raw);
        fprintf(stderr, "csdesk: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < size; i += 3) {
        unsigned v = (unsigned char)raw[i] << 16;
        v |= i + 1 < size ? (unsigned char)raw[i + 1] << 8 : 0;
        v |= i + 2 < size ? (unsigned char)raw[i + 2] : 0;
        enc[w++] = b64[v >> 18 & 63];
        enc[w++] = b64[v >> 12 & 63];
        enc[w++] = i + 1 < size ? b64[v >> 6 & 63] : '=';
        enc[w++] = i + 2 < size ? b64[v & 63] : '=';
    }
    enc[w] = '\0';
    free(raw);
    req = json_pack("{s:s}", "raw_base64", enc);
    free(enc);
    if (!req || set_int(req, "channel_id", channel) < 0) {
        json_decref(req);
        return 2;
    }
    return call_show(cli, "ingest.mail", req, print_ingest_mail);
}

int cli_cmd_ingest(struct cli *cli, int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"channel", 1, NULL, 0},    {"from", 1, NULL, 0},     {"name", 1, NULL, 0},
        {"subject", 1, NULL, 0},    {"id", 1, NULL, 0},       {"in-reply-to", 1, NULL, 0},
        {"references", 1, NULL, 0}, {"reply-to", 1, NULL, 0}, {"conversation", 1, NULL, 0},
        {"ticket", 1, NULL, 0},     {"locale", 1, NULL, 0},   {"raw", 1, NULL, 0},
    };
    char *pos[MAX_POS];
    size_t npos;
    json_t *req;

    if (PARSE(0, 1) || !OPT("channel") || (OPT("raw") ? npos != 0 : npos != 1 || !OPT("from")))
        return cli_usage("ingest --channel ID --from SENDER [--name N] [--subject S] [--id ID]"
                         " [--in-reply-to ID] [--references IDS] [--reply-to ID]"
                         " [--conversation KEY] [--ticket ID] [--locale L] BODY"
                         " | ingest --channel ID --raw FILE|-");
    if (OPT("raw"))
        return ingest_raw(cli, OPT("channel"), OPT("raw"));
    req = json_pack("{s:s, s:s}", "sender", OPT("from"), "body", pos[0]);
    set_str(req, "sender_name", OPT("name"));
    set_str(req, "subject", OPT("subject"));
    set_str(req, "external_id", OPT("id"));
    set_str(req, "in_reply_to", OPT("in-reply-to"));
    set_str(req, "references", OPT("references"));
    set_str(req, "reply_to", OPT("reply-to"));
    set_str(req, "conversation", OPT("conversation"));
    set_str(req, "locale", OPT("locale"));
    if (set_int(req, "channel_id", OPT("channel")) < 0 ||
        set_int(req, "ticket_id", OPT("ticket")) < 0) {
        json_decref(req);
        return 2;
    }
    return call_show(cli, "ingest", req, print_ingest);
}

/* Names for ids in tables, looked up once each. */
struct names {
    struct cli *cli;
    json_t *cache; /* "customer:7" -> "Anna" */
};

static const char *name_of(struct names *n, const char *method, const char *kind, json_int_t id)
{
    char key[48];
    json_t *resp = NULL;

    if (!id)
        return "-";
    snprintf(key, sizeof(key), "%s:%lld", kind, (long long)id);
    if (!json_object_get(n->cache, key)) {
        char *resp_text = NULL, req[48];
        snprintf(req, sizeof(req), "{\"id\": %lld}", (long long)id);
        /* A name we may not read is shown as its id. */
        if (cs_call(&resp_text, n->cli->db, method, req) == CS_OK)
            resp = json_loads(resp_text, 0, NULL);
        cs_str_free(resp_text);
        json_object_set_new(n->cache, key, json_string(resp ? str(resp, "name") : key));
        json_decref(resp);
    }
    return json_string_value(json_object_get(n->cache, key));
}

/* The earliest running deadline of a ticket, from its SLA clocks; "-" when none. */
static const char *next_deadline(struct names *n, json_int_t ticket_id, char buf[32])
{
    char req[48], *resp = NULL;
    const char *best = NULL, *key;
    json_t *o = NULL, *clock;

    snprintf(req, sizeof(req), "{\"ticket_id\": %lld}", (long long)ticket_id);
    if (cs_call(&resp, n->cli->db, "sla.status", req) == CS_OK)
        o = json_loads(resp, 0, NULL);
    cs_str_free(resp);
    json_object_foreach(json_object_get(o, "clocks"), key, clock) {
        const char *at = json_string_value(json_object_get(clock, "target_at"));
        if (at && (!best || strcmp(at, best) < 0))
            best = at;
    }
    snprintf(buf, 32, "%s", best ? best : "-");
    json_decref(o);
    return buf;
}

static void print_ticket_row(struct names *n, const json_t *t)
{
    char deadline[32];

    printf(
        "%6lld  %-8s %-7s %-20.20s %-12.12s %-16.16s %s\n",
        (long long)json_integer_value(json_object_get(t, "number")), str(t, "status"),
        str(t, "priority"),
        name_of(n, "customer.get", "customer",
                json_integer_value(json_object_get(t, "customer_id"))),
        name_of(n, "channel.get", "channel", json_integer_value(json_object_get(t, "channel_id"))),
        name_of(n, "agent.get", "agent", json_integer_value(json_object_get(t, "assignee_id"))),
        next_deadline(n, json_integer_value(json_object_get(t, "id")), deadline));
}

int cli_cmd_tickets(struct cli *cli, int argc, char **argv)
{
    struct cli_opt opts[] = {{"status", 1, NULL, 0},   {"customer", 1, NULL, 0},
                             {"assignee", 1, NULL, 0}, {"tag", 1, NULL, 0},
                             {"limit", 1, NULL, 0},    {"after", 1, NULL, 0},
                             {"order", 1, NULL, 0}};
    char *pos[MAX_POS];
    size_t npos, i;
    json_t *req, *resp, *t;
    int rc;

    if (PARSE(0, 0))
        return cli_usage("tickets [--status S[,S]] [--customer ID] [--assignee ID] [--tag T]"
                         " [--limit N] [--after ID] [--order asc|desc]");
    req = json_object();
    if (OPT("status"))
        json_object_set_new(req, "status", split(OPT("status")));
    set_str(req, "tag", OPT("tag"));
    set_str(req, "order", OPT("order"));
    if (set_int(req, "customer_id", OPT("customer")) < 0 ||
        set_int(req, "assignee_id", OPT("assignee")) < 0 ||
        set_int(req, "limit", OPT("limit")) < 0 || set_int(req, "after", OPT("after")) < 0) {
        json_decref(req);
        return 2;
    }
    if ((rc = cli_call(cli, &resp, "ticket.list", req)))
        return rc;
    if (cli->json)
        return show(cli, resp, NULL);
    struct names names = {cli, json_object()};
    printf("%6s  %-8s %-7s %-20s %-12s %-16s %s\n", "#", "status", "prio", "customer", "channel",
           "assignee", "next deadline");
    json_array_foreach(json_object_get(resp, "tickets"), i, t)
        print_ticket_row(&names, t);
    if (json_is_integer(json_object_get(resp, "next_after")))
        printf("more: --after %lld\n",
               (long long)json_integer_value(json_object_get(resp, "next_after")));
    json_decref(names.cache);
    json_decref(resp);
    return 0;
}

static int ticket_by_number(struct cli *cli, const char *text, json_int_t *id, json_t **ticket)
{
    char *end;
    long long number = strtoll(text, &end, 10);
    json_t *resp;
    int rc;

    if (*end || number <= 0) {
        fprintf(stderr, "csdesk: \"%s\" is not a ticket number\n", text);
        return 2;
    }
    rc = cli_call(cli, &resp, "ticket.get",
                  json_pack("{s:I, s:b}", "number", number, "messages", ticket != NULL));
    if (rc)
        return rc;
    *id = json_integer_value(json_object_get(resp, "id"));
    if (ticket)
        *ticket = resp;
    else
        json_decref(resp);
    return 0;
}

/* What the mail parser took off a mail's body, folded to a line each, as mail clients do. */
static void print_folded(const json_t *mail)
{
    static const char *const parts[][2] = {{"signature", "signature"}, {"quoted", "quoted text"}};

    for (size_t i = 0; i < 2; i++) {
        const char *text = json_string_value(json_object_get(mail, parts[i][0]));
        int lines = 0;
        for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
            lines++;
        if (lines)
            printf("    [%s: %d line%s]\n", parts[i][1], lines, lines == 1 ? "" : "s");
    }
    if (json_is_string(json_object_get(mail, "html")))
        printf("    [HTML part kept]\n");
}

static void print_message(struct names *n, const json_t *m)
{
    const json_t *author = json_object_get(m, "author");
    const char *kind = str(author, "kind");
    json_int_t author_id = json_integer_value(json_object_get(author, "id"));
    const char *who = !strcmp(kind, "agent") ? name_of(n, "agent.get", "agent", author_id)
                      : !strcmp(kind, "customer")
                          ? name_of(n, "customer.get", "customer", author_id)
                          : "libcs";
    int note = !strcmp(str(m, "visibility"), "internal");

    printf(
        "\n  %s  %s %s via %s%s\n", str(m, "created_at"),
        !strcmp(str(m, "direction"), "inbound") ? "<-" : "->", who,
        name_of(n, "channel.get", "channel", json_integer_value(json_object_get(m, "channel_id"))),
        note ? "  [internal note]" : "");
    for (const char *p = str(m, "body"); p && *p;) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        printf("    %.*s\n", len, p);
        p = nl ? nl + 1 : NULL;
    }
    print_folded(json_object_get(m, "mail"));
}

int cli_cmd_show(struct cli *cli, int argc, char **argv)
{
    json_t *t = NULL, *m;
    json_int_t id;
    size_t i;
    int rc;

    if (argc != 2)
        return cli_usage("show NUMBER");
    if ((rc = ticket_by_number(cli, argv[1], &id, &t)))
        return rc;
    if (cli->json)
        return show(cli, t, NULL);
    struct names names = {cli, json_object()};
    printf("#%lld %s\n  %s, %s priority, %s; customer %s; channel %s; assignee %s\n",
           (long long)json_integer_value(json_object_get(t, "number")), str(t, "subject"),
           str(t, "status"), str(t, "priority"), str(t, "type"),
           name_of(&names, "customer.get", "customer",
                   json_integer_value(json_object_get(t, "customer_id"))),
           name_of(&names, "channel.get", "channel",
                   json_integer_value(json_object_get(t, "channel_id"))),
           name_of(&names, "agent.get", "agent",
                   json_integer_value(json_object_get(t, "assignee_id"))));
    json_array_foreach(json_object_get(t, "messages"), i, m)
        print_message(&names, m);
    json_decref(names.cache);
    json_decref(t);
    return 0;
}

static void print_message_id(const json_t *r)
{
    printf("message %lld queued\n",
           (long long)json_integer_value(json_object_get(r, "message_id")));
}

int cli_cmd_reply(struct cli *cli, int argc, char **argv)
{
    struct cli_opt opts[] = {{"channel", 1, NULL, 0}, {"subject", 1, NULL, 0}, {"to", 1, NULL, 0}};
    char *pos[MAX_POS];
    size_t npos;
    json_int_t id;
    json_t *req;
    int rc;

    if (PARSE(2, 2))
        return cli_usage("reply NUMBER BODY [--channel ID] [--subject S] [--to ADDRESS]");
    if ((rc = ticket_by_number(cli, pos[0], &id, NULL)))
        return rc;
    req = json_pack("{s:I, s:s}", "ticket_id", id, "body", pos[1]);
    set_str(req, "subject", OPT("subject"));
    set_str(req, "recipient", OPT("to"));
    if (set_int(req, "channel_id", OPT("channel")) < 0) {
        json_decref(req);
        return 2;
    }
    return call_show(cli, "reply", req, print_message_id);
}

static void print_note(const json_t *m)
{
    printf("note %lld added\n", (long long)json_integer_value(json_object_get(m, "id")));
}

int cli_cmd_note(struct cli *cli, int argc, char **argv)
{
    json_int_t id;
    int rc;

    if (argc != 3)
        return cli_usage("note NUMBER BODY");
    if ((rc = ticket_by_number(cli, argv[1], &id, NULL)))
        return rc;
    return call_show(
        cli, "message.create",
        json_pack("{s:I, s:s, s:s}", "ticket_id", id, "visibility", "internal", "body", argv[2]),
        print_note);
}

static void print_ticket_line(const json_t *t)
{
    printf("#%lld %s, %s priority\n", (long long)json_integer_value(json_object_get(t, "number")),
           str(t, "status"), str(t, "priority"));
}

int cli_cmd_update(struct cli *cli, int argc, char **argv)
{
    struct cli_opt opts[] = {{"status", 1, NULL, 0}, {"priority", 1, NULL, 0}, {"type", 1, NULL, 0},
                             {"assign", 1, NULL, 0}, {"group", 1, NULL, 0},    {"tags", 1, NULL, 0},
                             {"subject", 1, NULL, 0}};
    char *pos[MAX_POS];
    size_t npos;
    json_int_t id;
    json_t *req;
    int rc;

    if (PARSE(1, 1))
        return cli_usage("update NUMBER [--status S] [--priority P] [--type T] [--assign ID]"
                         " [--group ID] [--tags a,b] [--subject S]");
    if ((rc = ticket_by_number(cli, pos[0], &id, NULL)))
        return rc;
    req = json_pack("{s:I}", "id", id);
    set_str(req, "status", OPT("status"));
    set_str(req, "priority", OPT("priority"));
    set_str(req, "type", OPT("type"));
    set_str(req, "subject", OPT("subject"));
    if (OPT("tags"))
        json_object_set_new(req, "tags", split(OPT("tags")));
    if (set_int(req, "assignee_id", OPT("assign")) < 0 ||
        set_int(req, "group_id", OPT("group")) < 0) {
        json_decref(req);
        return 2;
    }
    return call_show(cli, "ticket.update", req, print_ticket_line);
}

static void print_items(const json_t *o)
{
    size_t i;
    json_t *it;

    json_array_foreach(json_object_get(o, "items"), i, it) {
        printf("item %lld lease %lld: %s to %s via %s (attempt %lld)\n",
               (long long)json_integer_value(json_object_get(it, "id")),
               (long long)json_integer_value(json_object_get(it, "lease")), str(it, "kind"),
               str(it, "recipient"), str(it, "channel_kind"),
               (long long)json_integer_value(json_object_get(it, "attempts")));
        if (json_is_string(json_object_get(it, "subject")))
            printf("  subject: %s\n", str(it, "subject"));
        printf("  %s\n", str(it, "body"));
    }
    if (!json_array_size(json_object_get(o, "items")))
        printf("nothing to send\n");
}

static void print_outbox_list(const json_t *o)
{
    size_t i;
    json_t *it;

    json_array_foreach(json_object_get(o, "items"), i, it)
        printf("%-5lld %-7s %-8s %-30.30s attempts %lld %s\n",
               (long long)json_integer_value(json_object_get(it, "id")), str(it, "state"),
               str(it, "kind"), str(it, "recipient"),
               (long long)json_integer_value(json_object_get(it, "attempts")),
               str(it, "last_error"));
}

static void print_ok(const json_t *o)
{
    (void)o;
    printf("ok\n");
}

int cli_cmd_outbox(struct cli *cli, int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"kind", 1, NULL, 0}, {"max", 1, NULL, 0}, {"lease", 1, NULL, 0}, {"state", 1, NULL, 0}};
    char *pos[MAX_POS];
    size_t npos;
    json_t *req;
    const char *what = argc > 1 ? argv[1] : "";

    if (PARSE(1, 4))
        goto usage;
    req = json_object();
    if (!strcmp(what, "claim") && npos == 1) {
        set_str(req, "channel_kind", OPT("kind"));
        if (set_int(req, "max", OPT("max")) < 0 || set_int(req, "lease_seconds", OPT("lease")) < 0)
            goto bad;
        return call_show(cli, "outbox.claim", req, print_items);
    }
    if (!strcmp(what, "list") && npos == 1) {
        set_str(req, "state", OPT("state"));
        return call_show(cli, "outbox.list", req, print_outbox_list);
    }
    if ((!strcmp(what, "ack") || !strcmp(what, "fail")) && npos >= 3) {
        if (set_int(req, "id", pos[1]) < 0 || set_int(req, "lease", pos[2]) < 0)
            goto bad;
        set_str(req, what[0] == 'a' ? "external_id" : "error", npos > 3 ? pos[3] : NULL);
        return call_show(cli, what[0] == 'a' ? "outbox.ack" : "outbox.fail", req, print_ok);
    }
bad:
    json_decref(req);
usage:
    return cli_usage("outbox claim [--kind K] [--max N] [--lease S] | outbox ack ID LEASE "
                     "[EXTERNAL-ID] | outbox fail ID LEASE [ERROR] | outbox list [--state S]");
}

static void print_audit(const json_t *o)
{
    size_t i;
    json_t *e;

    json_array_foreach(json_object_get(o, "entries"), i, e) {
        const json_t *actor = json_object_get(e, "actor");
        printf("%s %s", str(e, "at"), str(actor, "kind"));
        if (json_is_integer(json_object_get(actor, "id")))
            printf(" %lld", (long long)json_integer_value(json_object_get(actor, "id")));
        printf(": %s %s %lld", str(e, "action"), str(e, "object"),
               (long long)json_integer_value(json_object_get(e, "object_id")));
        if (json_is_string(json_object_get(e, "field")))
            printf(" %s: %s -> %s", str(e, "field"), str(e, "old"), str(e, "new"));
        printf("\n");
    }
}

int cli_cmd_audit(struct cli *cli, int argc, char **argv)
{
    json_int_t id;
    int rc;

    if (argc != 2)
        return cli_usage("audit NUMBER");
    if ((rc = ticket_by_number(cli, argv[1], &id, NULL)))
        return rc;
    return call_show(cli, "audit.list", json_pack("{s:I}", "ticket_id", id), print_audit);
}

static void print_tick(const json_t *o)
{
    size_t i;
    json_t *it;

    printf("tick at %s: %lld warnings, %lld breaches\n", str(o, "now"),
           (long long)json_integer_value(json_object_get(o, "warned")),
           (long long)json_integer_value(json_object_get(o, "breached")));
    json_array_foreach(json_object_get(o, "items"), i, it)
        printf("  ticket %lld: %s %s (due %s)\n",
               (long long)json_integer_value(json_object_get(it, "ticket_id")), str(it, "metric"),
               str(it, "kind"), str(it, "at"));
}

int cli_cmd_tick(struct cli *cli, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return cli_usage("tick   (the time is --now, else the clock)");
    return call_show(cli, "tick", json_object(), print_tick);
}

/* "90s", "30m", "4h", "2d", or plain seconds. */
static int duration(json_int_t *out, const char *text)
{
    char *end;
    long long v = strtoll(text, &end, 10);
    int unit = !*end               ? 1
               : !strcmp(end, "s") ? 1
               : !strcmp(end, "m") ? 60
               : !strcmp(end, "h") ? 3600
               : !strcmp(end, "d") ? 86400
                                   : 0;

    if (end == text || !unit || v <= 0) {
        fprintf(stderr, "csdesk: \"%s\" is not a duration such as 30m, 4h or 2d\n", text);
        return -1;
    }
    *out = v * unit;
    return 0;
}

static int sla_policy_add(struct cli *cli, int argc, char **argv)
{
    static const char *const metrics[][2] = {
        {"first-reply", "first_reply"}, {"next-reply", "next_reply"}, {"resolution", "resolution"}};
    struct cli_opt opts[] = {{"first-reply", 1, NULL, 0},  {"next-reply", 1, NULL, 0},
                             {"resolution", 1, NULL, 0},   {"calendar", 1, NULL, 0},
                             {"channel-kind", 1, NULL, 0}, {"priority", 1, NULL, 0},
                             {"public", 0, NULL, 0}};
    char *pos[MAX_POS], *end = NULL;
    size_t npos;
    json_t *targets = json_array(), *conds = json_array();
    json_int_t seconds, calendar = 0;

    if (PARSE(1, 1))
        goto usage;
    if (OPT("calendar") && ((calendar = strtoll(OPT("calendar"), &end, 10)) <= 0 || *end))
        goto usage;
    for (size_t i = 0; i < 3; i++) {
        if (!OPT(metrics[i][0]))
            continue;
        if (duration(&seconds, OPT(metrics[i][0])) < 0)
            goto usage;
        json_array_append_new(targets,
                              json_pack("{s:s, s:I, s:b, s:o}", "metric", metrics[i][1], "seconds",
                                        seconds, "business", calendar != 0, "calendar_id",
                                        calendar ? json_integer(calendar) : json_null()));
    }
    if (OPT("channel-kind"))
        json_array_append_new(
            conds, json_pack("{s:s, s:s}", "kind", "channel_kind", "value", OPT("channel-kind")));
    if (OPT("priority"))
        json_array_append_new(
            conds, json_pack("{s:s, s:s}", "kind", "priority", "value", OPT("priority")));
    if (FLAG("public"))
        json_array_append_new(conds, json_pack("{s:s, s:b}", "kind", "public_channel", "value", 1));
    return call_show(
        cli, "sla.policy.create",
        json_pack("{s:s, s:o, s:o}", "name", pos[0], "targets", targets, "conditions", conds),
        print_id);
usage:
    json_decref(targets);
    json_decref(conds);
    return cli_usage("sla policy NAME [--first-reply DUR] [--next-reply DUR] [--resolution DUR]"
                     " [--calendar ID] [--channel-kind K] [--priority P] [--public]");
}

static void print_clocks(const json_t *o)
{
    const char *metric;
    json_t *c;

    json_object_foreach(json_object_get(o, "clocks"), metric, c)
        printf("%-16s %-9s due %s%s\n", metric, str(c, "state"), str(c, "target_at"),
               json_is_string(json_object_get(c, "breached_at")) ? "  BREACHED" : "");
}

static void print_queue(const json_t *o)
{
    size_t i;
    json_t *it;

    json_array_foreach(json_object_get(o, "items"), i, it)
        printf("ticket %-6lld %-16s %s\n",
               (long long)json_integer_value(json_object_get(it, "ticket_id")), str(it, "metric"),
               str(it, "target_at"));
}

static int sla_calendar(struct cli *cli, const char *name, const char *path)
{
    json_error_t err;
    json_t *cal = json_load_file(path, 0, &err);

    if (!cal) {
        fprintf(stderr, "csdesk: %s:%d: %s\n", path, err.line, err.text);
        return EXIT_FAILURE;
    }
    return call_show(cli, "calendar.store", json_pack("{s:s, s:o}", "name", name, "calendar", cal),
                     print_id);
}

int cli_cmd_sla(struct cli *cli, int argc, char **argv)
{
    json_int_t id;
    int rc;

    if (argc == 4 && !strcmp(argv[1], "calendar"))
        return sla_calendar(cli, argv[2], argv[3]);
    if (argc >= 3 && !strcmp(argv[1], "policy"))
        return sla_policy_add(cli, argc - 1, argv + 1);
    if (argc == 2 && !strcmp(argv[1], "policies"))
        return call_show(cli, "sla.policy.list", json_object(), NULL);
    if (argc == 2 && !strcmp(argv[1], "queue"))
        return call_show(cli, "sla.queue", json_object(), print_queue);
    if (argc == 3 && !strcmp(argv[1], "status")) {
        if ((rc = ticket_by_number(cli, argv[2], &id, NULL)))
            return rc;
        return call_show(cli, "sla.status", json_pack("{s:I}", "ticket_id", id), print_clocks);
    }
    return cli_usage("sla calendar NAME FILE.json | sla policy NAME [options] | sla policies"
                     " | sla status NUMBER | sla queue");
}

static void print_next(const json_t *t)
{
    if (json_is_null(json_object_get(t, "id")))
        printf("nothing to take\n");
    else
        printf("took #%lld %s (%s, %s priority)\n",
               (long long)json_integer_value(json_object_get(t, "number")), str(t, "subject"),
               str(t, "status"), str(t, "priority"));
}

/* `next AGENT`: the agent takes the next ticket of the queue. */
int cli_cmd_next(struct cli *cli, int argc, char **argv)
{
    json_t *req = json_object();

    if (argc != 2 || set_int(req, "agent_id", argv[1]) < 0) {
        json_decref(req);
        return cli_usage("next AGENT-ID");
    }
    return call_show(cli, "route.next", req, print_next);
}

static void print_presence(const json_t *o)
{
    printf("agent %lld is %s\n", (long long)json_integer_value(json_object_get(o, "agent_id")),
           str(o, "presence"));
}

int cli_cmd_presence(struct cli *cli, int argc, char **argv)
{
    json_t *req = json_object();

    if (argc != 3 || set_int(req, "agent_id", argv[1]) < 0) {
        json_decref(req);
        return cli_usage("presence AGENT-ID online|away|offline");
    }
    set_str(req, "presence", argv[2]);
    return call_show(cli, "route.set_presence", req, print_presence);
}

static void print_callback(const json_t *t)
{
    printf("callback ticket #%lld\n", (long long)json_integer_value(json_object_get(t, "number")));
}

int cli_cmd_callback(struct cli *cli, int argc, char **argv)
{
    struct cli_opt opts[] = {{"channel", 1, NULL, 0}, {"group", 1, NULL, 0}};
    char *pos[MAX_POS];
    size_t npos;
    json_t *req;

    if (PARSE(3, 3))
        return cli_usage("callback CUSTOMER-ID FROM TO [--channel ID] [--group ID]");
    req = json_pack("{s:s, s:s}", "window_from", pos[1], "window_to", pos[2]);
    if (set_int(req, "customer_id", pos[0]) < 0 || set_int(req, "channel_id", OPT("channel")) < 0 ||
        set_int(req, "group_id", OPT("group")) < 0) {
        json_decref(req);
        return 2;
    }
    return call_show(cli, "route.callback.create", req, print_callback);
}
