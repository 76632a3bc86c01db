// SPDX-License-Identifier: MIT
/* natgate: the command-line entry point; dispatches to the subcommands listed in one table. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "natgate_cli.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

/* Every subcommand, in the order `natgate --help` lists them. To add one: write
 * int ng_cli_NAME(int argc, char **argv) in tools/NAME.c, declare it in natgate_cli.h, and add a
 * line here. */
static const struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *desc;
} commands[] = {
    {"help", cmd_help, "show this help, or a subcommand's (natgate help NAME)"},
    {"version", cmd_version, "show the version"},
    {"router", ng_cli_router, "NAPT router between a LAN and a WAN link, with port forwards"},
    {"conntrack", ng_cli_conntrack, "list a running router's flows (--control PATH [--json])"},
    {"stats", ng_cli_stats, "a running router's counters (--control PATH [--json])"},
    {"trace", ng_cli_trace, "ladder diagrams of the TCP connections in a capture file"},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

int ng_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "natgate%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: natgate COMMAND [ARGS...]\n"
	           "       natgate --help | --version\n"
	           "natgate is a user-space TCP/IP stack and NAT gateway.\n\n"
	           "commands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].desc);
	fprintf(f, "\nRun 'natgate help COMMAND' for a command's options.\n");
}

static const struct subcommand *find(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* natgate help [COMMAND]: the overview, or COMMAND --help. */
static int cmd_help(int argc, char **argv)
{
	const struct subcommand *c;
	char help[] = "--help";
	char *args[3];

	if (argc < 2 || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (argc > 2)
		return ng_cli_usage_error("help", "too many arguments");
	c = find(argv[1]);
	if (!c)
		return ng_cli_usage_error("help", "unknown command '%s'", argv[1]);
	if (c->fn == cmd_help || c->fn == cmd_version) {
		usage(stdout);
		return 0;
	}
	args[0] = argv[1];
	args[1] = help;
	args[2] = NULL;
	return c->fn(2, args);
}

static int cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return ng_cli_usage_error("version", "takes no arguments");
	printf("natgate %s\n", NG_VERSION);
	return 0;
}

int main(int argc, char **argv)
{
	const struct subcommand *c;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv + 1);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version(1, argv + 1);
	if (argv[1][0] == '-')
		return ng_cli_usage_error(NULL, "unknown option '%s' (try natgate --help)",
		                          argv[1]);
	c = find(argv[1]);
	if (!c)
		return ng_cli_usage_error(NULL, "unknown command '%s' (try natgate --help)",
		                          argv[1]);
	return c->fn(argc - 1, argv + 1);
}
