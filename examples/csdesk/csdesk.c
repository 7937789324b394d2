/*
 * csdesk - the example command line for libcs.
 *
 * A thin shell over cs_call(): every command builds a JSON request, calls the library and
 * prints the response, as a table or a one-line confirmation by default and as JSON with
 * --json. Exit codes: 0 ok, 1 the operation failed (message on stderr), 2 usage error.
 *
 * The forms below are the whole grammar: --help and the usage lines of errors are written
 * from them, and cli_parse() accepts exactly what they say.
 */
#define _GNU_SOURCE /* timegm */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libcs.h>

#include "csdesk.h"

#define WIDTH 88 /* where help lines wrap */

/* The options of the forms ------------------------------------------------------------ */

#define END                                                                                        \
    {                                                                                              \
        NULL, NULL, 0                                                                              \
    }
static const struct cli_optdef o_channel_add[] = {{"address", "A", 0},
                                                  {"public", NULL, 0},
                                                  {"signature", NULL, 0},
                                                  {"group", "ID", 0},
                                                  {"locale", "L", 0},
                                                  {"timezone", "ZONE", 0},
                                                  END};
static const struct cli_optdef o_channel_update[] = {{"name", "N", 0},        {"address", "A", 0},
                                                     {"group", "ID", 0},      {"locale", "L", 0},
                                                     {"timezone", "ZONE", 0}, END};
static const struct cli_optdef o_agent_add[] = {
    {"email", "E", 0}, {"role", "R", 0}, {"initials", "I", 0}, {"skill", "S", CLI_MANY}, END};
static const struct cli_optdef o_customer_add[] = {{"email", "E", 0},       {"phone", "P", 0},
                                                   {"twitter", "H", 0},     {"locale", "L", 0},
                                                   {"timezone", "ZONE", 0}, END};
static const struct cli_optdef o_ingest[] = {{"channel", "ID", CLI_REQUIRED},
                                             {"from", "SENDER", CLI_REQUIRED},
                                             {"name", "N", 0},
                                             {"subject", "S", 0},
                                             {"id", "EXTERNAL-ID", 0},
                                             {"in-reply-to", "IDS", 0},
                                             {"references", "IDS", 0},
                                             {"reply-to", "ID", 0},
                                             {"conversation", "KEY", 0},
                                             {"ticket", "ID", 0},
                                             {"locale", "L", 0},
                                             END};
static const struct cli_optdef o_ingest_raw[] = {
    {"channel", "ID", CLI_REQUIRED}, {"raw", "FILE|-", CLI_REQUIRED}, END};
static const struct cli_optdef o_tickets[] = {
    {"status", "S", CLI_MANY}, {"customer", "ID", 0}, {"assignee", "ID", 0},    {"tag", "T", 0},
    {"limit", "N", 0},         {"after", "ID", 0},    {"order", "asc|desc", 0}, END};
static const struct cli_optdef o_reply[] = {
    {"channel", "ID", 0}, {"subject", "S", 0}, {"to", "ADDRESS", 0}, END};
static const struct cli_optdef o_update[] = {{"status", "S", 0},       {"priority", "P", 0},
                                             {"type", "T", 0},         {"assign", "AGENT-ID", 0},
                                             {"group", "GROUP-ID", 0}, {"tag", "T", CLI_MANY},
                                             {"subject", "S", 0},      END};
static const struct cli_optdef o_outbox_claim[] = {
    {"kind", "K", 0}, {"max", "N", 0}, {"lease", "SECONDS", 0}, END};
static const struct cli_optdef o_outbox_list[] = {{"state", "S", 0}, END};
static const struct cli_optdef o_sla_policy[] = {
    {"first-reply", "DUR", 0}, {"next-reply", "DUR", 0},
    {"resolution", "DUR", 0},  {"calendar", "ID", 0},
    {"channel-kind", "K", 0},  {"priority", "P", 0},
    {"public", NULL, 0},       END};
static const struct cli_optdef o_callback[] = {{"channel", "ID", 0}, {"group", "ID", 0}, END};
static const struct cli_optdef o_import[] = {{"batch", "N", 0}, {"restart", NULL, 0}, END};

/* "ingest --raw" is looked up by that name and shown as "ingest". */
static const struct cli_form forms[] = {
    {"init", "", 0, 0, NULL},
    {"demo", "", 0, 0, NULL},
    {"channel add", "KIND NAME", 2, 2, o_channel_add},
    {"channel update", "ID", 1, 1, o_channel_update},
    {"channel list", "", 0, 0, NULL},
    {"agent add", "NAME", 1, 1, o_agent_add},
    {"group add", "NAME", 1, 1, NULL},
    {"group member", "GROUP-ID AGENT-ID", 2, 2, NULL},
    {"customer add", "NAME", 1, 1, o_customer_add},
    {"customer show", "ID", 1, 1, NULL},
    {"customer find", "KIND VALUE", 2, 2, NULL},
    {"ingest", "BODY", 1, 1, o_ingest},
    {"ingest --raw", "", 0, 0, o_ingest_raw},
    {"tickets", "", 0, 0, o_tickets},
    {"show", "NUMBER", 1, 1, NULL},
    {"reply", "NUMBER BODY", 2, 2, o_reply},
    {"note", "NUMBER BODY", 2, 2, NULL},
    {"update", "NUMBER", 1, 1, o_update},
    {"outbox claim", "", 0, 0, o_outbox_claim},
    {"outbox ack", "ID LEASE [EXTERNAL-ID]", 2, 3, NULL},
    {"outbox fail", "ID LEASE [ERROR]", 2, 3, NULL},
    {"outbox list", "", 0, 0, o_outbox_list},
    {"audit", "NUMBER", 1, 1, NULL},
    {"sla calendar", "NAME FILE.json", 2, 2, NULL},
    {"sla policy", "NAME", 1, 1, o_sla_policy},
    {"sla policies", "", 0, 0, NULL},
    {"sla status", "NUMBER", 1, 1, NULL},
    {"sla queue", "", 0, 0, NULL},
    {"presence", "AGENT-ID online|away|offline", 2, 2, NULL},
    {"next", "AGENT-ID", 1, 1, NULL},
    {"callback", "CUSTOMER-ID FROM TO", 3, 3, o_callback},
    {"tick", "", 0, 0, NULL},
    {"import", "FILE.jsonl", 1, 1, o_import},
    {"call", "METHOD [JSON|-]", 1, 2, NULL},
    {"methods", "", 0, 0, NULL},
    {"version", "", 0, 0, NULL},
    {"help", "[COMMAND]", 0, 1, NULL},
};

/* Usage lines ---------------------------------------------------------------------------- */

/* The words a form is shown with: its name up to an option ("ingest --raw" -> "ingest"). */
static size_t shown_words(const struct cli_form *f)
{
    const char *dash = strstr(f->words, " --");
    return dash ? (size_t)(dash - f->words) : strlen(f->words);
}

/* Whether form f belongs to `words` ("channel" takes in "channel add"). */
static int form_of(const struct cli_form *f, const char *words)
{
    size_t n = strlen(words), shown = shown_words(f);
    return n <= shown && !strncmp(f->words, words, n) && (n == shown || f->words[n] == ' ');
}

static int has_required(const struct cli_form *f)
{
    for (const struct cli_optdef *o = f->opts; o && o->name; o++)
        if (o->flags & CLI_REQUIRED)
            return 1;
    return 0;
}

/* A line being written, wrapped at WIDTH with its continuation lines indented. */
struct line {
    FILE *out;
    int col, indent, fresh; /* fresh: nothing on the line yet */
};

/* Print one piece of a line, wrapping before it when the line would grow too long. */
static void piece(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void piece(struct line *l, const char *fmt, ...)
{
    char buf[128];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (!l->fresh && l->col + 1 + (int)strlen(buf) > WIDTH) {
        l->col = fprintf(l->out, "\n%*s", l->indent, "") - 1;
        l->fresh = 1;
    }
    l->col += fprintf(l->out, "%s%s", l->fresh ? "" : " ", buf);
    l->fresh = 0;
}

/* A form as a usage line: the arguments after the options when some option is required
 * ("ingest --channel ID --from SENDER ... BODY"), before them otherwise. */
static void print_form(FILE *out, const char *prefix, int indent, const struct cli_form *f)
{
    struct line l = {out, fprintf(out, "%s", prefix), indent, 1};
    int last = has_required(f);

    piece(&l, "%.*s", (int)shown_words(f), f->words);
    if (!last && *f->args)
        piece(&l, "%s", f->args);
    for (const struct cli_optdef *o = f->opts; o && o->name; o++) {
        int req = o->flags & CLI_REQUIRED;
        piece(&l, "%s--%s%s%s%s%s", req ? "" : "[", o->name, o->metavar ? " " : "",
              o->metavar ? o->metavar : "", req ? "" : "]", o->flags & CLI_MANY ? "..." : "");
    }
    if (last && *f->args)
        piece(&l, "%s", f->args);
    fputc('\n', out);
}

static int print_usage(FILE *out, const char *words)
{
    int n = 0;

    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
        if (form_of(&forms[i], words))
            print_form(out, n++ ? "       csdesk " : "usage: csdesk ", 14, &forms[i]);
    return n;
}

static void print_help(const char *command);

int cli_usage(const struct cli *cli, const char *words)
{
    (void)cli;
    print_usage(stderr, words);
    return EXIT_USAGE;
}

int cli_error(const struct cli *cli, int code, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "csdesk: %s%s", cli->words ? cli->words : "", cli->words ? ": " : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int cli_unknown_sub(struct cli *cli, const char *command, int argc, char **argv)
{
    cli->words = command;
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        print_help(command);
        return 0;
    }
    if (argc > 1)
        cli_error(cli, 0, "unknown subcommand '%s'", argv[1]);
    else
        cli_error(cli, 0, "missing subcommand");
    return cli_usage(cli, command);
}

/* Parsing -------------------------------------------------------------------------------- */

static const struct cli_form *find_form(const char *key)
{
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
        if (!strcmp(forms[i].words, key))
            return &forms[i];
    fprintf(stderr, "csdesk: no form \"%s\"\n", key); /* a mistake in csdesk itself */
    abort();
}

static const struct cli_optdef *find_opt(const struct cli_form *f, const char *name, size_t len)
{
    for (const struct cli_optdef *o = f->opts; o && o->name; o++)
        if (strlen(o->name) == len && !strncmp(o->name, name, len))
            return o;
    return NULL;
}

/* Take option argv[*i] ("--name", "--name=value" or "--name value"); 0 or EXIT_USAGE. */
static int take_opt(struct cli *cli, int argc, char **argv, int *i)
{
    const char *name = argv[*i] + 2, *eq = strchr(name, '='), *value = NULL;
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct cli_optdef *o = find_opt(cli->form, name, len);

    if (!o && len == 4 && !strncmp(name, "json", 4) && !eq) {
        cli->json = 1;
        return 0;
    }
    if (!o) {
        cli_error(cli, 0, "unknown option --%.*s", (int)len, name);
        return cli_usage(cli, cli->words);
    }
    if (!o->metavar) {
        if (eq)
            return cli_error(cli, EXIT_USAGE, "--%s takes no value", o->name);
        json_object_set_new(cli->opts, o->name, json_true());
        return 0;
    }
    if (eq)
        value = eq + 1;
    else if (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2))
        value = argv[++*i];
    if (!value)
        return cli_error(cli, EXIT_USAGE, "--%s needs a value (%s)", o->name, o->metavar);
    if (!(o->flags & CLI_MANY) && json_object_get(cli->opts, o->name))
        return cli_error(cli, EXIT_USAGE, "--%s is given twice", o->name);
    if (o->flags & CLI_MANY) {
        json_t *list = json_object_get(cli->opts, o->name);
        if (!list)
            json_object_set_new(cli->opts, o->name, list = json_array());
        json_array_append_new(list, json_string(value));
    } else {
        json_object_set_new(cli->opts, o->name, json_string(value));
    }
    return 0;
}

static int check_counts(struct cli *cli)
{
    const struct cli_form *f = cli->form;

    for (const struct cli_optdef *o = f->opts; o && o->name; o++)
        if ((o->flags & CLI_REQUIRED) && !json_object_get(cli->opts, o->name)) {
            cli_error(cli, 0, "--%s %s is required", o->name, o->metavar);
            return cli_usage(cli, cli->words);
        }
    if (cli->npos < f->min || cli->npos > f->max) {
        if (cli->npos > f->max)
            cli_error(cli, 0, "unexpected argument '%s'", cli->pos[f->max]);
        else
            cli_error(cli, 0, "missing %s", f->args);
        return cli_usage(cli, cli->words);
    }
    return 0;
}

int cli_parse(struct cli *cli, const char *key, int argc, char **argv)
{
    static char words[64];
    int rc, only_pos = 0;

    cli->form = find_form(key);
    snprintf(words, sizeof(words), "%.*s", (int)shown_words(cli->form), cli->form->words);
    cli->words = words;
    json_decref(cli->opts);
    cli->opts = json_object();
    cli->npos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
            print_help(cli->words);
            return -1;
        }
        if (!only_pos && !strcmp(a, "--")) {
            only_pos = 1;
        } else if (!only_pos && !strncmp(a, "--", 2)) {
            if ((rc = take_opt(cli, argc, argv, &i)))
                return rc;
        } else if (cli->npos == CLI_MAX_POS) {
            cli_error(cli, 0, "unexpected argument '%s'", a);
            return cli_usage(cli, cli->words);
        } else {
            cli->pos[cli->npos++] = argv[i];
        }
    }
    return check_counts(cli);
}

static const struct cli_optdef *declared(const struct cli *cli, const char *name)
{
    const struct cli_optdef *o = find_opt(cli->form, name, strlen(name));
    if (!o) { /* a mistake in csdesk itself: the form must declare what is read */
        fprintf(stderr, "csdesk: %s has no option --%s\n", cli->form->words, name);
        abort();
    }
    return o;
}

const char *cli_opt(const struct cli *cli, const char *name)
{
    const json_t *v = json_object_get(cli->opts, declared(cli, name)->name);
    if (json_is_array(v))
        v = json_array_get(v, json_array_size(v) - 1);
    return json_string_value(v);
}

int cli_flag(const struct cli *cli, const char *name)
{
    return json_is_true(json_object_get(cli->opts, declared(cli, name)->name));
}

json_t *cli_opt_list(const struct cli *cli, const char *name)
{
    const json_t *given = json_object_get(cli->opts, declared(cli, name)->name), *v;
    json_t *out = json_array();
    size_t i;

    json_array_foreach(given, i, v) {
        for (const char *p = json_string_value(v); p && *p;) {
            const char *comma = strchr(p, ',');
            size_t n = comma ? (size_t)(comma - p) : strlen(p);
            if (n)
                json_array_append_new(out, json_stringn(p, n));
            p = comma ? comma + 1 : NULL;
        }
    }
    return out;
}

int cli_enum(const struct cli *cli, const char *what, const char *text, const char *(*name_of)(int))
{
    char valid[256] = "";
    size_t len = 0;

    if (!text)
        return 0;
    for (int i = 1; i < 64; i++) {
        const char *name = name_of(i);
        if (name && !strcmp(name, text))
            return 0;
        if (name && len < sizeof(valid))
            len +=
                (size_t)snprintf(valid + len, sizeof(valid) - len, "%s%s", len ? ", " : "", name);
    }
    return cli_error(cli, EXIT_USAGE, "unknown %s \"%s\"; valid: %s", what, text, valid);
}

/* The library ---------------------------------------------------------------------------- */

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

int cli_open(struct cli *cli, unsigned int flags)
{
    struct stat st;
    int rc;

    if (cli->db)
        return 0;
    /* The likeliest first mistake: a command before `csdesk init`, or in another
     * directory. Say what to do rather than what failed. */
    if (!(flags & CS_OPEN_CREATE) && strcmp(cli->db_path, ":memory:") &&
        stat(cli->db_path, &st) < 0 && errno == ENOENT) {
        fprintf(stderr,
                "csdesk: there is no database at %s: create one with `csdesk init`, or name "
                "another with --db FILE (or $CSDESK_DB)\n",
                cli->db_path);
        return EXIT_FAILURE;
    }
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
    if (cli_open(cli, CS_OPEN_READWRITE)) {
        free(req);
        return EXIT_FAILURE;
    }
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

/* Commands of this file ------------------------------------------------------------------ */

/* `csdesk call METHOD [JSON]`: the raw interface, so it answers in the library's JSON
 * whether or not --json is given; the JSON may come on standard input. */
static int cmd_call(struct cli *cli, int argc, char **argv)
{
    char *resp = NULL, *input = NULL;
    const char *req;
    int rc;

    if ((rc = cli_parse(cli, "call", argc - 1, argv + 1)))
        return rc < 0 ? 0 : rc;
    req = cli->npos == 2 ? cli->pos[1] : NULL;
    if (req && strcmp(req, "-") == 0 && !(req = input = read_stdin()))
        return EXIT_FAILURE;
    if (cli_open(cli, CS_OPEN_READWRITE)) {
        free(input);
        return EXIT_FAILURE;
    }
    rc = cs_call(&resp, cli->db, cli->pos[0], req);
    free(input);
    if (resp)
        puts(resp);
    cs_str_free(resp);
    return rc < 0 ? cli_fail(cli, rc) : 0;
}

static int cmd_methods(struct cli *cli, int argc, char **argv)
{
    json_t *list;
    int rc;

    if ((rc = cli_parse(cli, "methods", argc - 1, argv + 1)))
        return rc < 0 ? 0 : rc;
    if (!cli->json) {
        for (size_t i = 0; cs_call_method(i); i++)
            puts(cs_call_method(i));
        return 0;
    }
    list = json_array();
    for (size_t i = 0; cs_call_method(i); i++)
        json_array_append_new(list, json_string(cs_call_method(i)));
    list = json_pack("{s:o}", "methods", list);
    cli_print_json(list);
    json_decref(list);
    return 0;
}

static int cmd_init(struct cli *cli, int argc, char **argv)
{
    json_t *o;
    int rc;

    if ((rc = cli_parse(cli, "init", argc - 1, argv + 1)))
        return rc < 0 ? 0 : rc;
    if (cli_open(cli, CS_OPEN_CREATE))
        return EXIT_FAILURE;
    if (!cli->json) {
        printf("initialised %s (schema version %d)\n", cs_db_path(cli->db),
               cs_db_schema_version(cli->db));
        return 0;
    }
    o = json_pack("{s:s, s:i}", "path", cs_db_path(cli->db), "schema_version",
                  cs_db_schema_version(cli->db));
    cli_print_json(o);
    json_decref(o);
    return 0;
}

static int cmd_version(struct cli *cli, int argc, char **argv)
{
    json_t *o;
    int rc;

    if ((rc = cli_parse(cli, "version", argc - 1, argv + 1)))
        return rc < 0 ? 0 : rc;
    if (!cli->json) {
        printf("csdesk (libcs) %s, schema version %d\n", cs_version(NULL, NULL, NULL),
               cs_schema_version());
        return 0;
    }
    o = json_pack("{s:i, s:s}", "schema_version", cs_schema_version(), "version",
                  cs_version(NULL, NULL, NULL));
    cli_print_json(o);
    json_decref(o);
    return 0;
}

static int cmd_help(struct cli *cli, int argc, char **argv);

static const struct command {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
    const char *help;
} commands[] = {
    {"init", cmd_init, "create the database, or bring its schema up to date"},
    {"demo", cli_cmd_demo, "create a fresh demo database and tell the product's story"},
    {"channel", cli_cmd_channel,
     "the channels customers write in; --locale and --timezone are for customers whose own "
     "are not known (receipts speak and promise in them)"},
    {"agent", cli_cmd_agent, "add an agent (--skill may repeat, or take a,b)"},
    {"group", cli_cmd_group, "groups of agents (queues) and their members"},
    {"customer", cli_cmd_customer, "customers and their identities"},
    {"ingest", cli_cmd_ingest,
     "take in a customer's message as a channel adapter would, or a raw mail from a file "
     "or - (standard input)"},
    {"tickets", cli_cmd_tickets, "the ticket table (--status may repeat, or take a,b)"},
    {"show", cli_cmd_show, "a ticket and its whole timeline"},
    {"reply", cli_cmd_reply, "reply to the customer"},
    {"note", cli_cmd_note, "add an internal note"},
    {"update", cli_cmd_update,
     "change a ticket; --tag may repeat (or take a,b) and replaces the ticket's tags"},
    {"outbox", cli_cmd_outbox, "drain the outbox as a channel adapter"},
    {"audit", cli_cmd_audit, "who changed what on a ticket"},
    {"sla", cli_cmd_sla,
     "office calendars, SLA policies (DUR: 30m, 4h, 2d), a ticket's clocks, the queue by "
     "deadline"},
    {"presence", cli_cmd_presence, "set an agent's presence"},
    {"next", cli_cmd_next, "the agent takes the next ticket, earliest deadline first"},
    {"callback", cli_cmd_callback, "a callback request for a time window"},
    {"tick", cli_cmd_tick, "record the SLA warnings and breaches due now (or at --now)"},
    {"import", cli_cmd_import,
     "run one request per line, committed N (1000) at a time; a re-run continues after the "
     "last commit"},
    {"call", cmd_call, "the raw JSON interface: prints the library's JSON response"},
    {"methods", cmd_methods, "list the methods of the JSON interface"},
    {"version", cmd_version, "print the library and schema versions"},
    {"help", cmd_help, "this text, or a command's"},
};

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(name, commands[i].name))
            return &commands[i];
    return NULL;
}

/* Text wrapped at WIDTH, every line indented. */
static void print_wrapped(FILE *out, int indent, const char *text)
{
    struct line l = {out, fprintf(out, "%*s", indent, ""), indent, 1};

    for (const char *p = text; *p;) {
        size_t n = strcspn(p, " ");
        piece(&l, "%.*s", (int)n, p);
        p += n + (p[n] == ' ');
    }
    fputc('\n', out);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: csdesk [--db FILE] [--as system|agent:ID|customer:ID] [--now TIME]"
                 " [--json] COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++)
            if (form_of(&forms[k], commands[i].name))
                print_form(out, "  ", 8, &forms[k]);
        print_wrapped(out, 6, commands[i].help);
    }
    fputc('\n', out);
    print_wrapped(out, 0,
                  "The database is --db, else $CSDESK_DB, else ./helpdesk.db. TIME is ISO 8601 "
                  "(2026-03-02T09:00:00Z). Output is text: tables, or a line that says what "
                  "was done; --json (before or after the command) prints JSON instead. "
                  "csdesk help COMMAND, or csdesk COMMAND --help, shows one command.");
}

static int cmd_help(struct cli *cli, int argc, char **argv)
{
    const struct command *c;
    int rc;

    if ((rc = cli_parse(cli, "help", argc - 1, argv + 1)))
        return rc < 0 ? 0 : rc;
    if (!cli->npos) {
        usage(stdout);
        return 0;
    }
    if (!(c = find_command(cli->pos[0])))
        return cli_error(cli, EXIT_USAGE, "unknown command '%s'", cli->pos[0]);
    print_help(c->name);
    return 0;
}

/* The usage of `words` ("channel add", or all of "channel") and what its command does. */
static void print_help(const char *words)
{
    char command[32];
    const struct command *c;

    snprintf(command, sizeof(command), "%.*s", (int)strcspn(words, " "), words);
    print_usage(stdout, words);
    if ((c = find_command(command)))
        print_wrapped(stdout, 0, c->help);
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

static int global_usage(const char *fmt, const char *what)
{
    fprintf(stderr, "csdesk: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\nusage: csdesk [--db FILE] [--as system|agent:ID|customer:ID] [--now TIME]"
                    " [--json] COMMAND [ARGS]\n(csdesk help lists the commands)\n");
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},  {"as", required_argument, NULL, 'a'},
        {"now", required_argument, NULL, 'n'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
    };
    const struct command *cmd;
    struct cli cli = {0};
    int c, rc;

    cli.db_path = getenv("CSDESK_DB");
    if (!cli.db_path || !*cli.db_path)
        cli.db_path = "helpdesk.db";
    opterr = 0; /* the messages below name the option */
    while ((c = getopt_long(argc, argv, "+:d:a:n:jh", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            cli.db_path = optarg;
            break;
        case 'a':
            if (parse_actor(&cli, optarg) < 0)
                return global_usage("--as takes system, agent:ID or customer:ID, not '%s'", optarg);
            break;
        case 'n':
            if (cli_parse_time(&cli.now, optarg) < 0)
                return global_usage("--now takes a time such as 2026-03-02T09:00:00Z, not '%s'",
                                    optarg);
            cli.has_now = 1;
            break;
        case 'j':
            cli.json = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case ':':
            return global_usage("%s needs a value", argv[optind - 1]);
        default:
            return global_usage("unknown option %s", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return global_usage("%s", "missing command");
    if (!(cmd = find_command(argv[optind])))
        return global_usage("unknown command '%s'", argv[optind]);
    rc = cmd->run(&cli, argc - optind, argv + optind);
    cs_db_close(cli.db);
    json_decref(cli.opts);
    return rc;
}
