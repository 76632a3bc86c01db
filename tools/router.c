// SPDX-License-Identifier: MIT
/* `natgate router`: the NAPT gateway between a LAN link and a WAN link (see src/gw/router.c). */
#include "gw/router.h"
#include "natgate_cli.h"

int ng_cli_router(int argc, char **argv)
{
	return ng_router_main(argc, argv);
}
