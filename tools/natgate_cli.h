/* SPDX-License-Identifier: MIT */
/* The natgate command line: the subcommands (one file each, tools/NAME.c) and shared helpers. */
#ifndef NG_NATGATE_CLI_H
#define NG_NATGATE_CLI_H

/*
 * A subcommand is a function int ng_cli_NAME(int argc, char **argv) defined in tools/NAME.c and
 * listed in the table in tools/natgate.c. ARGV[0] is the subcommand's own name ("router"), the
 * rest its arguments. It returns the process exit status: 0 success, 1 failure at run time,
 * 2 bad usage (after printing one line through ng_cli_usage_error). Each must understand --help
 * (usage on stdout, exit 0); `natgate help NAME` runs `natgate NAME --help`.
 */

/* Print "natgate CMD: MESSAGE" as one line on stderr and return 2, the exit status for a usage
 * error: `return ng_cli_usage_error("router", "unknown option '%s'", arg);` */
int ng_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- subcommands (add one line per tools/NAME.c) ---- */
int ng_cli_router(int argc, char **argv);
int ng_cli_conntrack(int argc, char **argv);
int ng_cli_stats(int argc, char **argv);
int ng_cli_trace(int argc, char **argv);
/* conntrack and stats: parse --control PATH [--json], send REQ, print the reply. */
int ng_cli_control_query(const char *cmd, const char *req, int argc, char **argv);

#endif
