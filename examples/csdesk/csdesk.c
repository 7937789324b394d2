/*
 * csdesk - the example command line for libcs.
 *
 * A thin shell over the library: it parses arguments, calls libcs and prints the result.
 * Exit codes: 0 ok, 1 the operation failed (message on stderr), 2 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libcs.h>

#define EXIT_USAGE 2

struct cli {
    const char *db_path;
    int json;
    cs_db *db;
};

static int fail(const char *what)
{
    const cs_error *e = cs_error_last();
    fprintf(stderr, "csdesk: %s: %s (%s)\n", what, e->message, cs_status_name(e->code));
    return EXIT_FAILURE;
}

static int open_db(struct cli *cli, unsigned int flags)
{
    if (cs_db_open(&cli->db, cli->db_path, flags) < 0)
        return fail(cli->db_path);
    return 0;
}

static int cmd_init(struct cli *cli, int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        fprintf(stderr, "usage: csdesk init\n");
        return EXIT_USAGE;
    }
    if (open_db(cli, CS_OPEN_CREATE))
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
        printf("{\"version\": \"%s\", \"schema_version\": %d}\n", cs_version(NULL, NULL, NULL),
               cs_schema_version());
    else
        printf("csdesk (libcs) %s, schema version %d\n", cs_version(NULL, NULL, NULL),
               cs_schema_version());
    return 0;
}

static int cmd_demo(struct cli *cli, int argc, char **argv)
{
    (void)argc, (void)argv;
    unlink(cli->db_path);
    if (open_db(cli, CS_OPEN_CREATE))
        return EXIT_FAILURE;
    printf("libcs %s demo\n", cs_version(NULL, NULL, NULL));
    printf("  The helpdesk lives in one SQLite file: %s (schema version %d).\n",
           cs_db_path(cli->db), cs_db_schema_version(cli->db));
    printf("  No server runs: the host program links libcs and calls it.\n");
    return 0;
}

static const struct command {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
    const char *help;
} commands[] = {
    {"init", cmd_init, "create or upgrade the database"},
    {"demo", cmd_demo, "create a fresh demo database and tell the product's story"},
    {"version", cmd_version, "print the library and schema versions"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: csdesk [--db FILE] [--json] COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\nThe database is --db, else $CSDESK_DB, else ./helpdesk.db.\n");
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli cli = {getenv("CSDESK_DB"), 0, NULL};
    int c, rc;

    if (!cli.db_path || !*cli.db_path)
        cli.db_path = "helpdesk.db";
    while ((c = getopt_long(argc, argv, "+d:jh", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            cli.db_path = optarg;
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
