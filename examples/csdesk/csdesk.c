/*
 * csdesk - the example command line for libcs.
 *
 * A thin shell over cs_call(): every command builds a JSON request, calls the library and
 * prints the response, as a table or text by default and as JSON with --json.
 * Exit codes: 0 ok, 1 the operation failed (message on stderr), 2 usage error.
 */
#define _GNU_SOURCE /* timegm */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libcs.h>

#include "csdesk.h"

#define EXIT_USAGE 2

static cs_time fixed_now(void *payload)
{
    return *(const cs_time *)payload;
}

int cli_parse_time(cs_time *out, const char *text)
{
    struct tm tm = {0};
    int off_h = 0, off_m = 0, n = 0;
    char sign = 0;

    if (sscanf(text, "%d-%d-%dT%d:%d:%d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    if (strcmp(text + n, "Z") != 0 &&
        (sscanf(text + n, "%c%d:%d", &sign, &off_h, &off_m) != 3 || (sign != '+' && sign != '-')))
        return -1;
    *out = (cs_time)timegm(&tm) - (sign == '-' ? -1 : 1) * (off_h * 3600 + off_m * 60);
    return 0;
}

int cli_fail(struct cli *cli, int rc)
{
    const cs_error *e = cs_error_last();
    (void)cli;
    fprintf(stderr, "csdesk: %s", e->message);
    if (e->field[0])
        fprintf(stderr, " (field %s)", e->field);
    fprintf(stderr, " [%s]\n", cs_status_name(rc));
    return EXIT_FAILURE;
}

int cli_usage(const char *text)
{
    fprintf(stderr, "usage: csdesk %s\n", text);
    return EXIT_USAGE;
}

int cli_open(struct cli *cli, unsigned int flags)
{
    int rc;

    if (cli->db)
        return 0;
    if ((rc = cs_db_open(&cli->db, cli->db_path, flags)) < 0)
        return cli_fail(cli, rc);
    if (cli->has_now)
        cs_db_set_clock(cli->db, fixed_now, &cli->now);
    if ((rc = cs_db_set_actor(cli->db, cli->actor_kind, cli->actor_id)) < 0)
        return cli_fail(cli, rc);
    return 0;
}

int cli_call(struct cli *cli, json_t **out, const char *method, json_t *request)
{
    char *req = request ? json_dumps(request, JSON_COMPACT) : NULL, *resp = NULL;
    int rc;

    json_decref(request);
    if (out)
        *out = NULL;
    if (cli_open(cli, CS_OPEN_READWRITE))
        return EXIT_FAILURE;
    rc = cs_call(&resp, cli->db, method, req);
    free(req);
    if (rc < 0) {
        cs_str_free(resp);
        return cli_fail(cli, rc);
    }
    if (out)
        *out = json_loads(resp, 0, NULL);
    cs_str_free(resp);
    return 0;
}

void cli_print_json(const json_t *v)
{
    char *text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (text)
        puts(text);
    free(text);
}

/* All of standard input as a string (release with free()), or NULL after saying why. A NUL
 * byte would end the request early without a word, so it is refused. */
static char *read_stdin(void)
{
    size_t n = 0, cap = 65536;
    char *buf = malloc(cap), *bigger;

    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, stdin);
        if (n + 1 < cap)
            break; /* a short read: the end, or an error */
        if (!(bigger = realloc(buf, cap *= 2)))
            free(buf);
        buf = bigger;
    }
    const char *why = !buf                   ? "out of memory reading standard input"
                      : ferror(stdin)        ? "cannot read standard input"
                      : memchr(buf, '\0', n) ? "the request on standard input has a NUL byte"
                                             : NULL;
    if (why) {
        fprintf(stderr, "csdesk: %s\n", why);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* `csdesk call METHOD [JSON]`: the raw interface; the JSON may come on standard input. */
static int cmd_call(struct cli *cli, int argc, char **argv)
{
    char *resp = NULL, *input = NULL;
    const char *req;
    int rc;

    if (argc < 2 || argc > 3)
        return cli_usage("call METHOD [JSON | -]");
    req = argc == 3 ? argv[2] : NULL;
    if (req && strcmp(req, "-") == 0 && !(req = input = read_stdin()))
        return EXIT_FAILURE;
    if (cli_open(cli, CS_OPEN_READWRITE)) {
        free(input);
        return EXIT_FAILURE;
    }
    rc = cs_call(&resp, cli->db, argv[1], req);
    free(input);
    if (resp)
        puts(resp);
    cs_str_free(resp);
    return rc < 0 ? cli_fail(cli, rc) : 0;
}

static int cmd_methods(struct cli *cli, int argc, char **argv)
{
    (void)cli, (void)argc, (void)argv;
    for (size_t i = 0; cs_call_method(i); i++)
        puts(cs_call_method(i));
    return 0;
}

static int cmd_init(struct cli *cli, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return cli_usage("init");
    if (cli_open(cli, CS_OPEN_CREATE))
        return EXIT_FAILURE;
    if (cli->json)
        printf("{\"path\": \"%s\", \"schema_version\": %d}\n", cs_db_path(cli->db),
               cs_db_schema_version(cli->db));
    else
        printf("initialised %s (schema version %d)\n", cs_db_path(cli->db),
               cs_db_schema_version(cli->db));
    return 0;
}

static int cmd_version(struct cli *cli, int argc, char **argv)
{
    (void)argc, (void)argv;
    if (cli->json)
        printf("{\"schema_version\": %d, \"version\": \"%s\"}\n", cs_schema_version(),
               cs_version(NULL, NULL, NULL));
    else
        printf("csdesk (libcs) %s, schema version %d\n", cs_version(NULL, NULL, NULL),
               cs_schema_version());
    return 0;
}

static const struct command {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
    const char *help;
} commands[] = {
    {"init", cmd_init, "create or upgrade the database"},
    {"demo", cli_cmd_demo, "create a fresh demo database and tell the product's story"},
    {"channel", cli_cmd_channel,
     "channel add KIND NAME [--address A] [--public] [--signature]"
     " [--group ID] | channel list"},
    {"agent", cli_cmd_agent, "agent add NAME [--email E] [--role R] [--initials I] [--skill S]"},
    {"group", cli_cmd_group, "group add NAME | group member GROUP AGENT"},
    {"customer", cli_cmd_customer,
     "customer add NAME [--email E] [--phone P] [--twitter H]"
     " | customer show ID | customer find KIND VALUE"},
    {"ingest", cli_cmd_ingest,
     "ingest --channel ID --from SENDER [--name N] [--subject S]"
     " [--id EXTERNAL] [--in-reply-to ID] [--reply-to ID]"
     " [--conversation KEY] BODY | ingest --channel ID --raw FILE|-"},
    {"tickets", cli_cmd_tickets,
     "tickets [--status S[,S]] [--customer ID] [--assignee ID]"
     " [--tag T] [--limit N] [--after ID]"},
    {"show", cli_cmd_show, "show NUMBER: the ticket and its whole timeline"},
    {"reply", cli_cmd_reply, "reply NUMBER BODY [--channel ID] [--to ADDRESS]"},
    {"note", cli_cmd_note, "note NUMBER BODY: an internal note"},
    {"update", cli_cmd_update,
     "update NUMBER [--status S] [--priority P] [--assign ID]"
     " [--group ID] [--tag T]..."},
    {"outbox", cli_cmd_outbox,
     "outbox claim [--kind K] [--max N] [--lease S]"
     " | outbox ack ID LEASE [EXTERNAL-ID]"
     " | outbox fail ID LEASE [ERROR] | outbox list [--state S]"},
    {"audit", cli_cmd_audit, "audit NUMBER: who changed what on a ticket"},
    {"sla", cli_cmd_sla,
     "sla calendar NAME FILE.json | sla policy NAME [--first-reply DUR]"
     " [--resolution DUR] [--calendar ID] ... | sla policies"
     " | sla status NUMBER | sla queue"},
    {"presence", cli_cmd_presence, "presence AGENT online|away|offline"},
    {"next", cli_cmd_next, "next AGENT: the agent takes the next ticket, earliest due first"},
    {"callback", cli_cmd_callback, "callback CUSTOMER FROM TO: a callback request in a window"},
    {"tick", cli_cmd_tick, "record the SLA warnings and breaches due now (or at --now)"},
    {"import", cli_cmd_import,
     "import [--batch N] [--restart] FILE.jsonl: one request per"
     " line, committed N (1000) at a time; a re-run continues"
     " after the last commit"},
    {"call", cmd_call, "call METHOD [JSON | -]: the raw JSON interface"},
    {"methods", cmd_methods, "list the methods of the JSON interface"},
    {"version", cmd_version, "print the library and schema versions"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: csdesk [--db FILE] [--as system|agent:ID|customer:ID] [--now TIME]"
               " [--json] COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\nThe database is --db, else $CSDESK_DB, else ./helpdesk.db. TIME is ISO 8601"
               " (2026-03-02T09:00:00Z).\n");
}

static int parse_actor(struct cli *cli, const char *text)
{
    char *end;

    if (strcmp(text, "system") == 0) {
        cli->actor_kind = CS_ACTOR_SYSTEM;
        return 0;
    }
    if (strncmp(text, "agent:", 6) == 0)
        cli->actor_kind = CS_ACTOR_AGENT, text += 6;
    else if (strncmp(text, "customer:", 9) == 0)
        cli->actor_kind = CS_ACTOR_CUSTOMER, text += 9;
    else
        return -1;
    cli->actor_id = strtoll(text, &end, 10);
    return *end || cli->actor_id <= 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},  {"as", required_argument, NULL, 'a'},
        {"now", required_argument, NULL, 'n'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
    };
    struct cli cli = {0};
    int c, rc;

    cli.db_path = getenv("CSDESK_DB");
    if (!cli.db_path || !*cli.db_path)
        cli.db_path = "helpdesk.db";
    while ((c = getopt_long(argc, argv, "+d:a:n:jh", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            cli.db_path = optarg;
            break;
        case 'a':
            if (parse_actor(&cli, optarg) < 0)
                return cli_usage("--as system | agent:ID | customer:ID");
            break;
        case 'n':
            if (cli_parse_time(&cli.now, optarg) < 0)
                return cli_usage("--now 2026-03-02T09:00:00Z");
            cli.has_now = 1;
            break;
        case 'j':
            cli.json = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[optind], commands[i].name) == 0) {
            rc = commands[i].run(&cli, argc - optind, argv + optind);
            cs_db_close(cli.db);
            return rc;
        }
    }
    fprintf(stderr, "csdesk: unknown command '%s'\n", argv[optind]);
    usage(stderr);
    return EXIT_USAGE;
}
