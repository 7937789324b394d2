/*
 * csdesk - the friendly subcommands: each builds a request for cs_call() and prints the
 * answer as a table or a one-line confirmation (or as JSON with --json). A table with no
 * rows says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csdesk.h"

/* Requests ------------------------------------------------------------------------------- */

/* Set key to an integer parsed from text, when text is given; what says which argument it
 * was ("--group", "NUMBER"). 0, or EXIT_USAGE after saying why. */
static int set_int(const struct cli *cli, json_t *req, const char *key, const char *what,
                   const char *text)
{
    char *end;
    long long v;

    if (!text)
        return 0;
    v = strtoll(text, &end, 10);
    if (*end || end == text)
        return cli_error(cli, EXIT_USAGE, "%s takes a number, not \"%s\"", what, text);
    json_object_set_new(req, key, json_integer(v));
    return 0;
}

static void set_str(json_t *req, const char *key, const char *text)
{
    if (text)
        json_object_set_new(req, key, json_string(text));
}

/* Responses ------------------------------------------------------------------------------ */

typedef void (*human_fn)(const json_t *);

/* Print a response: JSON with --json, else the text form (none: the caller printed it). */
static int show(struct cli *cli, json_t *resp, human_fn human)
{
    if (cli->json)
        cli_print_json(resp);
    else if (human)
        human(resp);
    json_decref(resp);
    return 0;
}

static int call_show(struct cli *cli, const char *method, json_t *req, human_fn human)
{
    json_t *resp;
    int rc = cli_call(cli, &resp, method, req);
    return rc ? rc : show(cli, resp, human);
}

/* For a method that answers {}: with --json, `what` (taken over) stands for the answer;
 * else the confirmation line. */
static int confirm(struct cli *cli, json_t *what, const char *line)
{
    if (cli->json)
        cli_print_json(what);
    else
        puts(line);
    json_decref(what);
    return 0;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

static long long num(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* An array of strings as "a, b, c"; "-" when empty. */
static const char *joined(char *buf, size_t size, const json_t *arr)
{
    size_t i, len = 0;
    json_t *v;

    buf[0] = '\0';
    json_array_foreach(arr, i, v)
        if (len < size)
            len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
                                    json_string_value(v));
    return buf[0] ? buf : "-";
}

/* Channels ------------------------------------------------------------------------------- */

static void channel_flags(char *buf, size_t size, const json_t *c)
{
    snprintf(buf, size, "%s%s%s%s", json_is_true(json_object_get(c, "public")) ? " public" : "",
             json_is_true(json_object_get(c, "signature")) ? " signed" : "",
             json_is_false(json_object_get(c, "enabled")) ? " disabled" : "",
             json_is_integer(json_object_get(c, "default_group_id")) ? " group" : "");
}

static void print_channel_row(const json_t *c)
{
    char flags[64];

    channel_flags(flags, sizeof(flags), c);
    printf("%-4lld %-9s %-20s %-26s %-6s %-16s%s", num(c, "id"), str(c, "kind"), str(c, "name"),
           str(c, "address"), str(c, "locale"), str(c, "timezone"), flags);
    if (json_is_integer(json_object_get(c, "default_group_id")))
        printf(" %lld", num(c, "default_group_id"));
    printf("\n");
}

static void print_channels(const json_t *o)
{
    size_t i;
    json_t *c, *list = json_object_get(o, "channels");

    if (!json_array_size(list)) {
        printf("no channels\n");
        return;
    }
    printf("%-4s %-9s %-20s %-26s %-6s %-16s%s\n", "id", "kind", "name", "address", "locale",
           "time zone", " flags");
    json_array_foreach(list, i, c)
        print_channel_row(c);
}

/* One line for a changed channel: what is set, and nothing about what is not. */
static void print_channel(const json_t *c)
{
    printf("channel %lld: %s (%s", num(c, "id"), str(c, "name"), str(c, "kind"));
    if (json_is_string(json_object_get(c, "address")))
        printf(", %s", str(c, "address"));
    printf(")");
    if (json_is_string(json_object_get(c, "locale")))
        printf("; locale %s", str(c, "locale"));
    if (json_is_string(json_object_get(c, "timezone")))
        printf("; time zone %s", str(c, "timezone"));
    if (json_is_integer(json_object_get(c, "default_group_id")))
        printf("; new tickets to group %lld", num(c, "default_group_id"));
    printf("%s%s%s\n", json_is_true(json_object_get(c, "public")) ? "; public" : "",
           json_is_true(json_object_get(c, "signature")) ? "; signed" : "",
           json_is_false(json_object_get(c, "enabled")) ? "; disabled" : "");
}

/* The options channel add and channel update share. */
static int channel_options(struct cli *cli, json_t *req)
{
    const char *group = cli_opt(cli, "group");

    set_str(req, "address", cli_opt(cli, "address"));
    set_str(req, "locale", cli_opt(cli, "locale"));
    set_str(req, "timezone", cli_opt(cli, "timezone"));
    return set_int(cli, req, "default_group_id", "--group", group);
}

int cli_cmd_channel(struct cli *cli, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    json_t *req = json_object();

    if (!strcmp(sub, "list")) {
        json_decref(req);
        CLI_PARSE("channel list", 2);
        return call_show(cli, "channel.list", NULL, print_channels);
    }
    if (!strcmp(sub, "add") || !strcmp(sub, "update")) {
        int rc =
            cli_parse(cli, sub[0] == 'a' ? "channel add" : "channel update", argc - 2, argv + 2);
        if (!rc && sub[0] == 'a') {
            set_str(req, "kind", cli->pos[0]);
            set_str(req, "name", cli->pos[1]);
            if (cli_flag(cli, "public"))
                json_object_set_new(req, "public", json_true());
            if (cli_flag(cli, "signature"))
                json_object_set_new(req, "signature", json_true());
            rc = cli_enum(cli, "channel kind", cli->pos[0], cs_channel_kind_name);
        } else if (!rc) {
            set_str(req, "name", cli_opt(cli, "name"));
            rc = set_int(cli, req, "id", "ID", cli->pos[0]);
        }
        if (rc || (rc = channel_options(cli, req))) {
            json_decref(req);
            return rc < 0 ? 0 : rc;
        }
        return call_show(cli, sub[0] == 'a' ? "channel.create" : "channel.update", req,
                         print_channel);
    }
    json_decref(req);
    return cli_unknown_sub(cli, "channel", argc, argv);
}

/* Agents and groups ---------------------------------------------------------------------- */

static void print_agent(const json_t *a)
{
    char skills[256];

    printf("agent %lld: %s <%s>, %s, initials %s, skills %s\n", num(a, "id"), str(a, "name"),
           str(a, "email"), str(a, "role"), str(a, "initials"),
           joined(skills, sizeof(skills), json_object_get(a, "skills")));
}

int cli_cmd_agent(struct cli *cli, int argc, char **argv)
{
    json_t *req;
    int rc;

    if (argc < 2 || strcmp(argv[1], "add"))
        return cli_unknown_sub(cli, "agent", argc, argv);
    CLI_PARSE("agent add", 2);
    if ((rc = cli_enum(cli, "role", cli_opt(cli, "role"), cs_agent_role_name)))
        return rc;
    req = json_pack("{s:s}", "name", cli->pos[0]);
    set_str(req, "email", cli_opt(cli, "email"));
    set_str(req, "role", cli_opt(cli, "role"));
    set_str(req, "initials", cli_opt(cli, "initials"));
    if (cli_opt(cli, "skill"))
        json_object_set_new(req, "skills", cli_opt_list(cli, "skill"));
    return call_show(cli, "agent.create", req, print_agent);
}

static void print_group(const json_t *g)
{
    printf("group %lld added\n", num(g, "id"));
}

int cli_cmd_group(struct cli *cli, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    json_t *req = json_object();
    char line[96];
    int rc;

    if (!strcmp(sub, "add")) {
        json_decref(req);
        CLI_PARSE("group add", 2);
        return call_show(cli, "group.create", json_pack("{s:s}", "name", cli->pos[0]), print_group);
    }
    if (!strcmp(sub, "member")) {
        if ((rc = cli_parse(cli, "group member", argc - 2, argv + 2)) ||
            (rc = set_int(cli, req, "group_id", "GROUP-ID", cli->pos[0])) ||
            (rc = set_int(cli, req, "agent_id", "AGENT-ID", cli->pos[1]))) {
            json_decref(req);
            return rc < 0 ? 0 : rc;
        }
        if ((rc = cli_call(cli, NULL, "group.add_agent", json_incref(req)))) {
            json_decref(req);
            return rc;
        }
        snprintf(line, sizeof(line), "agent %s is a member of group %s", cli->pos[1], cli->pos[0]);
        return confirm(cli, req, line);
    }
    json_decref(req);
    return cli_unknown_sub(cli, "group", argc, argv);
}

/* Customers ------------------------------------------------------------------------------ */

static void print_customer(const json_t *c)
{
    size_t i;
    json_t *id;

    printf("customer %lld: %s (locale %s, time zone %s)\n", num(c, "id"), str(c, "name"),
           str(c, "locale"), str(c, "timezone"));
    json_array_foreach(json_object_get(c, "identities"), i, id)
        printf("  %-9s %s\n", str(id, "kind"), str(id, "value"));
}

static int customer_add(struct cli *cli, int argc, char **argv)
{
    static const char *kinds[] = {"email", "phone", "twitter"};
    json_t *req, *ids;

    CLI_PARSE("customer add", 2);
    req = json_pack("{s:s}", "name", cli->pos[0]);
    set_str(req, "locale", cli_opt(cli, "locale"));
    set_str(req, "timezone", cli_opt(cli, "timezone"));
    ids = json_array();
    for (size_t i = 0; i < 3; i++)
        if (cli_opt(cli, kinds[i]))
            json_array_append_new(
                ids, json_pack("{s:s, s:s}", "kind", kinds[i], "value", cli_opt(cli, kinds[i])));
    json_object_set_new(req, "identities", ids);
    return call_show(cli, "customer.create", req, print_customer);
}

int cli_cmd_customer(struct cli *cli, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    json_t *req;
    int rc;

    if (!strcmp(sub, "add"))
        return customer_add(cli, argc, argv);
    if (!strcmp(sub, "show")) {
        CLI_PARSE("customer show", 2);
        req = json_object();
        if ((rc = set_int(cli, req, "id", "ID", cli->pos[0]))) {
            json_decref(req);
            return rc;
        }
        return call_show(cli, "customer.get", req, print_customer);
    }
    if (!strcmp(sub, "find")) {
        CLI_PARSE("customer find", 2);
        if ((rc = cli_enum(cli, "identity kind", cli->pos[0], cs_identity_kind_name)))
            return rc;
        return call_show(cli, "customer.find",
                         json_pack("{s:s, s:s}", "kind", cli->pos[0], "value", cli->pos[1]),
                         print_customer);
    }
    return cli_unknown_sub(cli, "customer", argc, argv);
}

/* Ingest --------------------------------------------------------------------------------- */

static void print_ingest(const json_t *r)
{
    if (json_is_true(json_object_get(r, "duplicate")))
        printf("duplicate: already ingested as ticket #%lld\n", num(r, "ticket_number"));
    else
        printf("%s ticket #%lld (customer %lld%s, threaded by %s)\n",
               json_is_true(json_object_get(r, "created")) ? "opened" : "added to",
               num(r, "ticket_number"), num(r, "customer_id"),
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
        printf("bounce: outbox item %lld of ticket #%lld failed\n", num(r, "bounced_item_id"),
               num(r, "ticket_number"));
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
    int rc;

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
    if ((rc = set_int(cli, req, "channel_id", "--channel", channel))) {
        json_decref(req);
        return rc;
    }
    return call_show(cli, "ingest.mail", req, print_ingest_mail);
}

/* Whether the arguments ask for a raw mail (--raw before any "--"). */
static int wants_raw(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--raw") || !strncmp(argv[i], "--raw=", 6))
            return 1;
    return 0;
}

int cli_cmd_ingest(struct cli *cli, int argc, char **argv)
{
    json_t *req;
    int rc;

    if (wants_raw(argc, argv)) {
        CLI_PARSE("ingest --raw", 1);
        return ingest_raw(cli, cli_opt(cli, "channel"), cli_opt(cli, "raw"));
    }
    CLI_PARSE("ingest", 1);
    req = json_pack("{s:s, s:s}", "sender", cli_opt(cli, "from"), "body", cli->pos[0]);
    set_str(req, "sender_name", cli_opt(cli, "name"));
    set_str(req, "subject", cli_opt(cli, "subject"));
    set_str(req, "external_id", cli_opt(cli, "id"));
    set_str(req, "in_reply_to", cli_opt(cli, "in-reply-to"));
    set_str(req, "references", cli_opt(cli, "references"));
    set_str(req, "reply_to", cli_opt(cli, "reply-to"));
    set_str(req, "conversation", cli_opt(cli, "conversation"));
    set_str(req, "locale", cli_opt(cli, "locale"));
    if ((rc = set_int(cli, req, "channel_id", "--channel", cli_opt(cli, "channel"))) ||
        (rc = set_int(cli, req, "ticket_id", "--ticket", cli_opt(cli, "ticket")))) {
        json_decref(req);
        return rc;
    }
    return call_show(cli, "ingest", req, print_ingest);
}

/* Tickets -------------------------------------------------------------------------------- */

/* Names for ids in tables, looked up once each. */
struct names {
    struct cli *cli;
    json_t *cache; /* "customer:7" -> "Anna" */
};

/* The `field` of object `id` read with `method` ({"id": id}), or the key when it cannot be
 * read (what we may not read is shown by its id). */
static const char *lookup(struct names *n, const char *method, const char *kind, json_int_t id,
                          const char *field)
{
    char key[48], *resp_text = NULL, req[48], number[32];
    json_t *resp = NULL, *v;

    if (!id)
        return "-";
    snprintf(key, sizeof(key), "%s:%lld", kind, (long long)id);
    if (!json_object_get(n->cache, key)) {
        snprintf(req, sizeof(req), "{\"id\": %lld}", (long long)id);
        if (cs_call(&resp_text, n->cli->db, method, req) == CS_OK)
            resp = json_loads(resp_text, 0, NULL);
        cs_str_free(resp_text);
        v = json_object_get(resp, field);
        snprintf(number, sizeof(number), "#%lld", num(resp, field));
        json_object_set_new(n->cache, key,
                            json_string(json_is_integer(v) ? number
                                        : resp             ? str(resp, field)
                                                           : key));
        json_decref(resp);
    }
    return json_string_value(json_object_get(n->cache, key));
}

static const char *name_of(struct names *n, const char *method, const char *kind, json_int_t id)
{
    return lookup(n, method, kind, id, "name");
}

/* "#number" of a ticket by its id. */
static const char *number_of(struct names *n, json_int_t ticket_id)
{
    return lookup(n, "ticket.get", "ticket", ticket_id, "number");
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
        "%6lld  %-8s %-7s %-20.20s %-12.12s %-16.16s %s\n", num(t, "number"), str(t, "status"),
        str(t, "priority"),
        name_of(n, "customer.get", "customer",
                json_integer_value(json_object_get(t, "customer_id"))),
        name_of(n, "channel.get", "channel", json_integer_value(json_object_get(t, "channel_id"))),
        name_of(n, "agent.get", "agent", json_integer_value(json_object_get(t, "assignee_id"))),
        next_deadline(n, json_integer_value(json_object_get(t, "id")), deadline));
}

static int tickets_request(struct cli *cli, json_t *req)
{
    json_t *status = cli_opt_list(cli, "status"), *s;
    size_t i;
    int rc = 0;

    json_array_foreach(status, i, s)
        if (!rc)
            rc = cli_enum(cli, "status", json_string_value(s), cs_ticket_status_name);
    if (json_array_size(status))
        json_object_set(req, "status", status);
    json_decref(status);
    set_str(req, "tag", cli_opt(cli, "tag"));
    set_str(req, "order", cli_opt(cli, "order"));
    if (rc || (rc = set_int(cli, req, "customer_id", "--customer", cli_opt(cli, "customer"))) ||
        (rc = set_int(cli, req, "assignee_id", "--assignee", cli_opt(cli, "assignee"))) ||
        (rc = set_int(cli, req, "limit", "--limit", cli_opt(cli, "limit"))) ||
        (rc = set_int(cli, req, "after", "--after", cli_opt(cli, "after"))))
        return rc;
    return 0;
}

int cli_cmd_tickets(struct cli *cli, int argc, char **argv)
{
    json_t *req = json_object(), *resp, *t, *list;
    size_t i;
    int rc;

    if ((rc = cli_parse(cli, "tickets", argc - 1, argv + 1)) || (rc = tickets_request(cli, req))) {
        json_decref(req);
        return rc < 0 ? 0 : rc;
    }
    if ((rc = cli_call(cli, &resp, "ticket.list", req)))
        return rc;
    list = json_object_get(resp, "tickets");
    if (cli->json || !json_array_size(list)) {
        if (!cli->json)
            printf("no tickets\n");
        return show(cli, resp, NULL);
    }
    struct names names = {cli, json_object()};
    printf("%6s  %-8s %-7s %-20s %-12s %-16s %s\n", "#", "status", "prio", "customer", "channel",
           "assignee", "next deadline");
    json_array_foreach(list, i, t)
        print_ticket_row(&names, t);
    if (json_is_integer(json_object_get(resp, "next_after")))
        printf("more: --after %lld\n", num(resp, "next_after"));
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

    if (*end || number <= 0)
        return cli_error(cli, EXIT_USAGE, "\"%s\" is not a ticket number", text);
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

    CLI_PARSE("show", 1);
    if ((rc = ticket_by_number(cli, cli->pos[0], &id, &t)))
        return rc;
    if (cli->json) {
        cli_print_json(t);
        json_decref(t);
        return 0;
    }
    struct names names = {cli, json_object()};
    printf("#%lld %s\n  %s, %s priority, %s; customer %s; channel %s; assignee %s\n",
           num(t, "number"), str(t, "subject"), str(t, "status"), str(t, "priority"),
           str(t, "type"),
           name_of(&names, "customer.get", "customer",
                   json_integer_value(json_object_get(t, "customer_id"))),
           name_of(&names, "channel.get", "channel",
                   json_integer_value(json_object_get(t, "channel_id"))),
           name_of(&names, "agent.get", "agent",
                   json_integer_value(json_object_get(t, "assignee_id"))));
    json_array_foreach(json_object_get(t, "messages"), i, m)
        print_message(&names, m);
    if (!json_array_size(json_object_get(t, "messages")))
        printf("\n  no messages\n");
    json_decref(names.cache);
    json_decref(t);
    return 0;
}

static void print_message_id(const json_t *r)
{
    printf("reply queued (message %lld)\n", num(r, "message_id"));
}

int cli_cmd_reply(struct cli *cli, int argc, char **argv)
{
    json_int_t id;
    json_t *req;
    int rc;

    CLI_PARSE("reply", 1);
    if ((rc = ticket_by_number(cli, cli->pos[0], &id, NULL)))
        return rc;
    req = json_pack("{s:I, s:s}", "ticket_id", id, "body", cli->pos[1]);
    set_str(req, "subject", cli_opt(cli, "subject"));
    set_str(req, "recipient", cli_opt(cli, "to"));
    if ((rc = set_int(cli, req, "channel_id", "--channel", cli_opt(cli, "channel")))) {
        json_decref(req);
        return rc;
    }
    return call_show(cli, "reply", req, print_message_id);
}

static void print_note(const json_t *m)
{
    printf("note added (message %lld)\n", num(m, "id"));
}

int cli_cmd_note(struct cli *cli, int argc, char **argv)
{
    json_int_t id;
    int rc;

    CLI_PARSE("note", 1);
    if ((rc = ticket_by_number(cli, cli->pos[0], &id, NULL)))
        return rc;
    return call_show(cli, "message.create",
                     json_pack("{s:I, s:s, s:s}", "ticket_id", id, "visibility", "internal", "body",
                               cli->pos[1]),
                     print_note);
}

static void print_ticket_line(const json_t *t)
{
    char tags[256];

    printf("#%lld %s, %s priority, %s; tags %s\n", num(t, "number"), str(t, "status"),
           str(t, "priority"), str(t, "type"),
           joined(tags, sizeof(tags), json_object_get(t, "tags")));
}

int cli_cmd_update(struct cli *cli, int argc, char **argv)
{
    json_int_t id;
    json_t *req;
    int rc;

    CLI_PARSE("update", 1);
    if ((rc = cli_enum(cli, "status", cli_opt(cli, "status"), cs_ticket_status_name)) ||
        (rc = cli_enum(cli, "priority", cli_opt(cli, "priority"), cs_ticket_priority_name)) ||
        (rc = cli_enum(cli, "type", cli_opt(cli, "type"), cs_ticket_type_name)) ||
        (rc = ticket_by_number(cli, cli->pos[0], &id, NULL)))
        return rc;
    req = json_pack("{s:I}", "id", id);
    set_str(req, "status", cli_opt(cli, "status"));
    set_str(req, "priority", cli_opt(cli, "priority"));
    set_str(req, "type", cli_opt(cli, "type"));
    set_str(req, "subject", cli_opt(cli, "subject"));
    if (cli_opt(cli, "tag"))
        json_object_set_new(req, "tags", cli_opt_list(cli, "tag"));
    if ((rc = set_int(cli, req, "assignee_id", "--assign", cli_opt(cli, "assign"))) ||
        (rc = set_int(cli, req, "group_id", "--group", cli_opt(cli, "group")))) {
        json_decref(req);
        return rc;
    }
    return call_show(cli, "ticket.update", req, print_ticket_line);
}

/* The outbox ----------------------------------------------------------------------------- */

static void print_items(const json_t *o)
{
    size_t i;
    json_t *it;

    json_array_foreach(json_object_get(o, "items"), i, it) {
        printf("item %lld lease %lld: %s to %s via %s (attempt %lld)\n", num(it, "id"),
               num(it, "lease"), str(it, "kind"), str(it, "recipient"), str(it, "channel_kind"),
               num(it, "attempts"));
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
    json_t *it, *items = json_object_get(o, "items");

    if (!json_array_size(items)) {
        printf("no outbox items\n");
        return;
    }
    printf("%-5s %-9s %-8s %-30s %-8s %s\n", "item", "state", "kind", "recipient", "attempts",
           "last error");
    json_array_foreach(items, i, it)
        printf("%-5lld %-9s %-8s %-30.30s %-8lld %s\n", num(it, "id"), str(it, "state"),
               str(it, "kind"), str(it, "recipient"), num(it, "attempts"), str(it, "last_error"));
}

static int outbox_done(struct cli *cli, const char *what)
{
    json_t *req = json_object();
    char line[128];
    int ack = what[0] == 'a', rc;

    if ((rc = set_int(cli, req, "id", "ID", cli->pos[0])) ||
        (rc = set_int(cli, req, "lease", "LEASE", cli->pos[1]))) {
        json_decref(req);
        return rc;
    }
    set_str(req, ack ? "external_id" : "error", cli->npos > 2 ? cli->pos[2] : NULL);
    if ((rc = cli_call(cli, NULL, ack ? "outbox.ack" : "outbox.fail", json_incref(req)))) {
        json_decref(req);
        return rc;
    }
    json_object_del(req, "lease");
    if (ack)
        snprintf(line, sizeof(line), "outbox item %s is sent", cli->pos[0]);
    else
        snprintf(line, sizeof(line),
                 "outbox item %s failed: it is tried again later while it "
                 "has attempts left",
                 cli->pos[0]);
    return confirm(cli, req, line);
}

int cli_cmd_outbox(struct cli *cli, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    json_t *req;
    int rc;

    if (!strcmp(sub, "claim")) {
        CLI_PARSE("outbox claim", 2);
        if ((rc = cli_enum(cli, "channel kind", cli_opt(cli, "kind"), cs_channel_kind_name)))
            return rc;
        req = json_object();
        set_str(req, "channel_kind", cli_opt(cli, "kind"));
        if ((rc = set_int(cli, req, "max", "--max", cli_opt(cli, "max"))) ||
            (rc = set_int(cli, req, "lease_seconds", "--lease", cli_opt(cli, "lease")))) {
            json_decref(req);
            return rc;
        }
        return call_show(cli, "outbox.claim", req, print_items);
    }
    if (!strcmp(sub, "list")) {
        CLI_PARSE("outbox list", 2);
        if ((rc = cli_enum(cli, "state", cli_opt(cli, "state"), cs_outbox_state_name)))
            return rc;
        req = json_object();
        set_str(req, "state", cli_opt(cli, "state"));
        return call_show(cli, "outbox.list", req, print_outbox_list);
    }
    if (!strcmp(sub, "ack") || !strcmp(sub, "fail")) {
        CLI_PARSE(sub[0] == 'a' ? "outbox ack" : "outbox fail", 2);
        return outbox_done(cli, sub);
    }
    return cli_unknown_sub(cli, "outbox", argc, argv);
}

/* The audit trail ------------------------------------------------------------------------ */

static void print_audit(const json_t *o)
{
    size_t i;
    json_t *e, *entries = json_object_get(o, "entries");

    if (!json_array_size(entries))
        printf("no changes recorded\n");
    json_array_foreach(entries, i, e) {
        const json_t *actor = json_object_get(e, "actor");
        printf("%s %s", str(e, "at"), str(actor, "kind"));
        if (json_is_integer(json_object_get(actor, "id")))
            printf(" %lld", num(actor, "id"));
        printf(": %s %s %lld", str(e, "action"), str(e, "object"), num(e, "object_id"));
        if (json_is_string(json_object_get(e, "field")))
            printf(" %s: %s -> %s", str(e, "field"), str(e, "old"), str(e, "new"));
        printf("\n");
    }
}

int cli_cmd_audit(struct cli *cli, int argc, char **argv)
{
    json_int_t id;
    int rc;

    CLI_PARSE("audit", 1);
    if ((rc = ticket_by_number(cli, cli->pos[0], &id, NULL)))
        return rc;
    return call_show(cli, "audit.list", json_pack("{s:I}", "ticket_id", id), print_audit);
}

/* SLAs ----------------------------------------------------------------------------------- */

/* tick and the SLA queue name tickets by id; people know them by number. */
static int print_tick(struct cli *cli, json_t *o)
{
    struct names names = {cli, json_object()};
    size_t i;
    json_t *it;

    printf("tick at %s: %lld warnings, %lld breaches\n", str(o, "now"), num(o, "warned"),
           num(o, "breached"));
    json_array_foreach(json_object_get(o, "items"), i, it)
        printf("  %s: %s %s (due %s)\n", number_of(&names, num(it, "ticket_id")), str(it, "metric"),
               str(it, "kind"), str(it, "at"));
    json_decref(names.cache);
    json_decref(o);
    return 0;
}

int cli_cmd_tick(struct cli *cli, int argc, char **argv)
{
    json_t *resp;
    int rc;

    CLI_PARSE("tick", 1);
    if ((rc = cli_call(cli, &resp, "tick", json_object())))
        return rc;
    return cli->json ? show(cli, resp, NULL) : print_tick(cli, resp);
}

/* "90s", "30m", "4h", "2d", or plain seconds. */
static int duration(const struct cli *cli, json_int_t *out, const char *text)
{
    char *end;
    long long v = strtoll(text, &end, 10);
    int unit = !*end               ? 1
               : !strcmp(end, "s") ? 1
               : !strcmp(end, "m") ? 60
               : !strcmp(end, "h") ? 3600
               : !strcmp(end, "d") ? 86400
                                   : 0;

    if (end == text || !unit || v <= 0)
        return cli_error(cli, EXIT_USAGE, "\"%s\" is not a duration such as 30m, 4h or 2d", text);
    *out = v * unit;
    return 0;
}

static int policy_targets(struct cli *cli, json_t *targets)
{
    static const char *const metrics[][2] = {
        {"first-reply", "first_reply"}, {"next-reply", "next_reply"}, {"resolution", "resolution"}};
    json_int_t seconds = 0, calendar = 0;
    char *end = NULL;
    int rc;

    if (cli_opt(cli, "calendar") &&
        ((calendar = strtoll(cli_opt(cli, "calendar"), &end, 10)) <= 0 || *end))
        return cli_error(cli, EXIT_USAGE, "--calendar takes a calendar id, not \"%s\"",
                         cli_opt(cli, "calendar"));
    for (size_t i = 0; i < 3; i++) {
        if (!cli_opt(cli, metrics[i][0]))
            continue;
        if ((rc = duration(cli, &seconds, cli_opt(cli, metrics[i][0]))))
            return rc;
        json_array_append_new(targets,
                              json_pack("{s:s, s:I, s:b, s:o}", "metric", metrics[i][1], "seconds",
                                        seconds, "business", calendar != 0, "calendar_id",
                                        calendar ? json_integer(calendar) : json_null()));
    }
    return 0;
}

/* Seconds as the largest whole unit: "4h", "2d", "90s". */
static const char *span(char buf[32], long long seconds)
{
    static const struct {
        long long size;
        char unit;
    } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}};

    for (size_t i = 0; i < 3; i++)
        if (seconds && seconds % units[i].size == 0) {
            snprintf(buf, 32, "%lld%c", seconds / units[i].size, units[i].unit);
            return buf;
        }
    snprintf(buf, 32, "%llds", seconds);
    return buf;
}

static void print_policy(const json_t *p)
{
    char buf[32];
    size_t i;
    json_t *t, *c, *v;

    printf("SLA policy %lld: %s;", num(p, "id"), str(p, "name"));
    json_array_foreach(json_object_get(p, "targets"), i, t) {
        int any = !strcmp(str(t, "priority"), "any");
        printf("%s %s %s%s%s%s%s", i ? "," : "", str(t, "metric"), span(buf, num(t, "seconds")),
               json_is_true(json_object_get(t, "business")) ? " in business hours" : "",
               any ? "" : " (", any ? "" : str(t, "priority"), any ? "" : ")");
    }
    printf("; for");
    if (!json_array_size(json_object_get(p, "conditions")))
        printf(" every ticket");
    json_array_foreach(json_object_get(p, "conditions"), i, c) {
        v = json_object_get(c, "value");
        printf("%s %s", i ? "," : "", str(c, "kind"));
        if (json_is_string(v))
            printf(" %s", json_string_value(v));
    }
    printf("\n");
}

static void print_policies(const json_t *o)
{
    size_t i;
    json_t *p, *list = json_object_get(o, "policies");

    if (!json_array_size(list))
        printf("no SLA policies\n");
    json_array_foreach(list, i, p)
        print_policy(p);
}

static int sla_policy_add(struct cli *cli, int argc, char **argv)
{
    json_t *targets = json_array(), *conds = json_array();
    int rc;

    if ((rc = cli_parse(cli, "sla policy", argc - 2, argv + 2)) ||
        (rc = cli_enum(cli, "channel kind", cli_opt(cli, "channel-kind"), cs_channel_kind_name)) ||
        (rc = cli_enum(cli, "priority", cli_opt(cli, "priority"), cs_ticket_priority_name)) ||
        (rc = policy_targets(cli, targets))) {
        json_decref(targets);
        json_decref(conds);
        return rc < 0 ? 0 : rc;
    }
    if (cli_opt(cli, "channel-kind"))
        json_array_append_new(conds, json_pack("{s:s, s:s}", "kind", "channel_kind", "value",
                                               cli_opt(cli, "channel-kind")));
    if (cli_opt(cli, "priority"))
        json_array_append_new(
            conds, json_pack("{s:s, s:s}", "kind", "priority", "value", cli_opt(cli, "priority")));
    if (cli_flag(cli, "public"))
        json_array_append_new(conds, json_pack("{s:s, s:b}", "kind", "public_channel", "value", 1));
    return call_show(
        cli, "sla.policy.create",
        json_pack("{s:s, s:o, s:o}", "name", cli->pos[0], "targets", targets, "conditions", conds),
        print_policy);
}

static void print_clocks(const json_t *o)
{
    const char *metric;
    json_t *c;

    if (!json_object_size(json_object_get(o, "clocks")))
        printf("no SLA clocks: no policy applies to the ticket\n");
    json_object_foreach(json_object_get(o, "clocks"), metric, c)
        printf("%-16s %-9s due %s%s\n", metric, str(c, "state"), str(c, "target_at"),
               json_is_string(json_object_get(c, "breached_at")) ? "  BREACHED" : "");
}

static int print_queue(struct cli *cli, json_t *o)
{
    struct names names = {cli, json_object()};
    size_t i;
    json_t *it, *items = json_object_get(o, "items");

    if (!json_array_size(items))
        printf("the queue is empty\n");
    json_array_foreach(items, i, it)
        printf("%-7s %-16s %s\n", number_of(&names, num(it, "ticket_id")), str(it, "metric"),
               str(it, "target_at"));
    json_decref(names.cache);
    json_decref(o);
    return 0;
}

static void print_calendar(const json_t *o)
{
    printf("calendar %lld stored\n", num(o, "id"));
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
                     print_calendar);
}

int cli_cmd_sla(struct cli *cli, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    json_t *resp;
    json_int_t id;
    int rc;

    if (!strcmp(sub, "calendar")) {
        CLI_PARSE("sla calendar", 2);
        return sla_calendar(cli, cli->pos[0], cli->pos[1]);
    }
    if (!strcmp(sub, "policy"))
        return sla_policy_add(cli, argc, argv);
    if (!strcmp(sub, "policies")) {
        CLI_PARSE("sla policies", 2);
        return call_show(cli, "sla.policy.list", json_object(), print_policies);
    }
    if (!strcmp(sub, "queue")) {
        CLI_PARSE("sla queue", 2);
        if ((rc = cli_call(cli, &resp, "sla.queue", json_object())))
            return rc;
        return cli->json ? show(cli, resp, NULL) : print_queue(cli, resp);
    }
    if (!strcmp(sub, "status")) {
        CLI_PARSE("sla status", 2);
        if ((rc = ticket_by_number(cli, cli->pos[0], &id, NULL)))
            return rc;
        return call_show(cli, "sla.status", json_pack("{s:I}", "ticket_id", id), print_clocks);
    }
    return cli_unknown_sub(cli, "sla", argc, argv);
}

/* Routing -------------------------------------------------------------------------------- */

static void print_next(const json_t *t)
{
    if (json_is_null(json_object_get(t, "id")))
        printf("nothing to take\n");
    else
        printf("took #%lld %s (%s, %s priority)\n", num(t, "number"), str(t, "subject"),
               str(t, "status"), str(t, "priority"));
}

/* `next AGENT`: the agent takes the next ticket of the queue. */
int cli_cmd_next(struct cli *cli, int argc, char **argv)
{
    json_t *req = json_object();
    int rc;

    if ((rc = cli_parse(cli, "next", argc - 1, argv + 1)) ||
        (rc = set_int(cli, req, "agent_id", "AGENT-ID", cli->pos[0]))) {
        json_decref(req);
        return rc < 0 ? 0 : rc;
    }
    return call_show(cli, "route.next", req, print_next);
}

static void print_presence(const json_t *o)
{
    printf("agent %lld is %s\n", num(o, "agent_id"), str(o, "presence"));
}

int cli_cmd_presence(struct cli *cli, int argc, char **argv)
{
    json_t *req = json_object();
    int rc;

    if ((rc = cli_parse(cli, "presence", argc - 1, argv + 1)) ||
        (rc = set_int(cli, req, "agent_id", "AGENT-ID", cli->pos[0])) ||
        (rc = cli_enum(cli, "presence", cli->pos[1], cs_presence_name))) {
        json_decref(req);
        return rc < 0 ? 0 : rc;
    }
    set_str(req, "presence", cli->pos[1]);
    return call_show(cli, "route.set_presence", req, print_presence);
}

static void print_callback(const json_t *t)
{
    printf("callback ticket #%lld opened\n", num(t, "number"));
}

int cli_cmd_callback(struct cli *cli, int argc, char **argv)
{
    json_t *req = json_object();
    int rc;

    if ((rc = cli_parse(cli, "callback", argc - 1, argv + 1)) ||
        (rc = set_int(cli, req, "customer_id", "CUSTOMER-ID", cli->pos[0])) ||
        (rc = set_int(cli, req, "channel_id", "--channel", cli_opt(cli, "channel"))) ||
        (rc = set_int(cli, req, "group_id", "--group", cli_opt(cli, "group")))) {
        json_decref(req);
        return rc < 0 ? 0 : rc;
    }
    set_str(req, "window_from", cli->pos[1]);
    set_str(req, "window_to", cli->pos[2]);
    return call_show(cli, "route.callback.create", req, print_callback);
}
