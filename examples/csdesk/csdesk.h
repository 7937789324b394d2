/* csdesk - shared pieces of the example command line. */
#ifndef CSDESK_H
#define CSDESK_H

#include <jansson.h>
#include <libcs.h>

#define CLI_MAX_POS 8
#define EXIT_USAGE 2

/* An option of a command: "--name METAVAR", or the flag "--name" without a metavar. */
enum { CLI_REQUIRED = 1, CLI_MANY = 2 /* may be given more than once */ };
struct cli_optdef {
    const char *name;
    const char *metavar; /* NULL: a flag */
    unsigned flags;
};

/* One way to call a command: its words, positional arguments and options. The usage
 * lines of --help and of errors are made from these, and the parser accepts exactly
 * them, so the two cannot disagree. */
struct cli_form {
    const char *words;             /* "update", "channel add" */
    const char *args;              /* the positional arguments as shown: "KIND NAME" */
    unsigned min, max;             /* how many positional arguments there may be */
    const struct cli_optdef *opts; /* ends with {NULL}; NULL for none */
};

struct cli {
    const char *db_path;
    int json;
    int has_now;
    cs_time now;
    int actor_kind;
    int64_t actor_id;
    cs_db *db;
    /* The command line of the command running, once cli_parse() read it. */
    const char *words; /* for messages: "update" */
    const struct cli_form *form;
    json_t *opts; /* name -> string, array of strings (CLI_MANY), or true (flags) */
    char *pos[CLI_MAX_POS];
    size_t npos;
};

/* Parse the arguments after `words` (argc, argv) by the form of that name: options
 * anywhere, "--" ends them; --json and --help are understood everywhere. 0 to go on, or
 * the exit code to return: 0 after --help, EXIT_USAGE after saying what is wrong. */
int cli_parse(struct cli *cli, const char *words, int argc, char **argv);
/* In a command: parse argv after its first `skip` words by form `key`, or return. */
#define CLI_PARSE(key, skip)                                                                       \
    do {                                                                                           \
        int parsed_ = cli_parse(cli, (key), argc - (skip), argv + (skip));                         \
        if (parsed_)                                                                               \
            return parsed_ < 0 ? 0 : parsed_;                                                      \
    } while (0)
/* An option's value (the last, for CLI_MANY), or NULL when not given. */
const char *cli_opt(const struct cli *cli, const char *name);
int cli_flag(const struct cli *cli, const char *name);
/* Every value of a CLI_MANY option, split at commas too; a new array. */
json_t *cli_opt_list(const struct cli *cli, const char *name);

/* "csdesk: WORDS: message" on standard error; returns `code`. */
int cli_error(const struct cli *cli, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The usage lines of `words` ("channel" gives every channel form) on standard error;
 * EXIT_USAGE. */
int cli_usage(const struct cli *cli, const char *words);
/* A command's words that are not one of its forms: say so and show its usage. */
int cli_unknown_sub(struct cli *cli, const char *command, int argc, char **argv);

/* Open the database once, with the clock and actor from the command line. 0 or an exit
 * code. */
int cli_open(struct cli *cli, unsigned int flags);
/* Run a request (which is consumed); *out gets the decoded response (NULL allowed).
 * 0, or an exit code after printing the error. */
int cli_call(struct cli *cli, json_t **out, const char *method, json_t *request);
int cli_fail(struct cli *cli, int rc);
void cli_print_json(const json_t *v);
int cli_parse_time(cs_time *out, const char *text);

/* Check `text` against the names of an enum (name_of(1), name_of(2), ... until the names
 * run out); 0, or EXIT_USAGE after naming the valid ones. NULL text passes. */
int cli_enum(const struct cli *cli, const char *what, const char *text,
             const char *(*name_of)(int));

int cli_cmd_channel(struct cli *cli, int argc, char **argv);
int cli_cmd_agent(struct cli *cli, int argc, char **argv);
int cli_cmd_group(struct cli *cli, int argc, char **argv);
int cli_cmd_customer(struct cli *cli, int argc, char **argv);
int cli_cmd_ingest(struct cli *cli, int argc, char **argv);
int cli_cmd_tickets(struct cli *cli, int argc, char **argv);
int cli_cmd_show(struct cli *cli, int argc, char **argv);
int cli_cmd_reply(struct cli *cli, int argc, char **argv);
int cli_cmd_note(struct cli *cli, int argc, char **argv);
int cli_cmd_update(struct cli *cli, int argc, char **argv);
int cli_cmd_outbox(struct cli *cli, int argc, char **argv);
int cli_cmd_audit(struct cli *cli, int argc, char **argv);
int cli_cmd_import(struct cli *cli, int argc, char **argv);
int cli_cmd_tick(struct cli *cli, int argc, char **argv);
int cli_cmd_sla(struct cli *cli, int argc, char **argv);
int cli_cmd_next(struct cli *cli, int argc, char **argv);
int cli_cmd_presence(struct cli *cli, int argc, char **argv);
int cli_cmd_callback(struct cli *cli, int argc, char **argv);
int cli_cmd_demo(struct cli *cli, int argc, char **argv);

#endif
