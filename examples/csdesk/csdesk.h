/* csdesk - shared pieces of the example command line. */
#ifndef CSDESK_H
#define CSDESK_H

#include <jansson.h>
#include <libcs.h>

struct cli {
    const char *db_path;
    int json;
    int has_now;
    cs_time now;
    int actor_kind;
    int64_t actor_id;
    cs_db *db;
};

/* Open the database once, with the clock and actor from the command line. 0 or an exit
 * code. */
int cli_open(struct cli *cli, unsigned int flags);
/* Run a request (which is consumed); *out gets the decoded response (NULL allowed).
 * 0, or an exit code after printing the error. */
int cli_call(struct cli *cli, json_t **out, const char *method, json_t *request);
int cli_fail(struct cli *cli, int rc);
int cli_usage(const char *text);
void cli_print_json(const json_t *v);
int cli_parse_time(cs_time *out, const char *text);

/* Options of a subcommand: "--name value" or "--flag". */
struct cli_opt {
    const char *name;
    int takes_value;
    const char *value; /* set when given */
    int given;
};
/* Split argv (after the subcommand words) into options and positional arguments. -1 on an
 * unknown option or a missing value. */
int cli_opts(int argc, char **argv, struct cli_opt *opts, size_t nopts, char **pos, size_t maxpos,
             size_t *npos);

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
