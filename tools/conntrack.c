// SPDX-License-Identifier: MIT
/* `natgate conntrack --control PATH [--json]`: a running router's flow table, like conntrack -L. */
#include <stdio.h>
#include <string.h>

#include "gw/router.h"
#include "natgate_cli.h"

/* Shared by conntrack and stats: parse --control PATH [--json], send REQ (+ " json"), print
 * the reply on stdout. */
int ng_cli_control_query(const char *cmd, const char *req, int argc, char **argv)
{
	const char *path = NULL, *msg = NULL;
	bool json = false;
	char line[64];
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			printf("usage: natgate %s --control PATH [--json]\n", cmd);
			printf("%s\n", !strcmp(cmd, "conntrack")
			                   ? "Print a running router's flows, one line each (JSON "
			                     "with --json)."
			                   : "Print a running router's counters: packets, bytes, "
			                     "drops by reason, flows by state.");
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--control") && i + 1 < argc) {
			path = argv[++i];
		} else {
			return ng_cli_usage_error(cmd, "unknown option '%s' (try --help)", argv[i]);
		}
	}
	if (!path)
		return ng_cli_usage_error(cmd, "--control PATH is required");
	snprintf(line, sizeof(line), "%s%s", req, json ? " json" : "");
	if (ng_control_request(path, line, stdout, &msg)) {
		fprintf(stderr, "natgate %s: %s: %s\n", cmd, path, msg);
		return 1;
	}
	return 0;
}

int ng_cli_conntrack(int argc, char **argv)
{
	return ng_cli_control_query("conntrack", "conntrack", argc, argv);
}
