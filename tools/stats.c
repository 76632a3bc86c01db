// SPDX-License-Identifier: MIT
/* `natgate stats --control PATH [--json]`: a running router's counters. */
#include "natgate_cli.h"

int ng_cli_stats(int argc, char **argv)
{
	return ng_cli_control_query("stats", "stats", argc, argv);
}
