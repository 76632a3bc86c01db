// SPDX-License-Identifier: MIT
/* ng-echo: the RFC 862 echo service on natgate's own stack, on a TAP device.
 *
 * Every UDP datagram that arrives on the echo port goes back to its sender unchanged (RFC 862:
 * "a datagram is sent back containing the data in the received datagram"). ARP and ping are
 * answered by the stack itself. Each protocol has its own *_echo_start; a TCP echo joins as
 * tcp_echo_start next to udp_echo_start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/gw.h"
#include "natgate/udp.h"

#define ECHO_PORT 7 /* RFC 862 */

struct echo {
	struct ng_app app;
	uint16_t port;
	struct ng_udp_sock *udp;
	uint64_t udp_echoed, udp_failed;
};

/* RFC 862 UDP: send the data back where it came from. A reply that cannot be sent (no buffer,
 * no route) is counted and given up: echo is best effort, like UDP. */
static void udp_echo_recv(struct ng_udp_sock *s, void *ctx, uint32_t src, uint16_t sport,
                          const uint8_t *data, size_t len)
{
	struct echo *e = ctx;

	if (ng_udp_sendto(s, src, sport, data, len))
		e->udp_failed++;
	else
		e->udp_echoed++;
}

/* Open the UDP echo socket on every address of ours at E->port. 0 or -1 (message printed). */
static int udp_echo_start(struct echo *e)
{
	int rc = ng_udp_open(e->app.st, 0, e->port, udp_echo_recv, NULL, e, &e->udp);

	if (rc) {
		fprintf(stderr, "%s: cannot open UDP port %u: %s\n", e->app.prog, e->port,
		        ng_strerror(rc));
		return -1;
	}
	return 0;
}

static void udp_echo_stop(struct echo *e)
{
	if (e->udp)
		ng_udp_close(e->udp);
	e->udp = NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: ng-echo --tap NAME --addr A.B.C.D/P [--port N] [options]\n"
	        "Echo service (RFC 862) on natgate's own TCP/IP stack, over a TAP device that it\n"
	        "creates in the current network namespace. Answers ARP, ping and UDP echo.\n"
	        "\n"
	        "  --port N          echo port (default 7)\n"
	        "%s"
	        "  --help            show this help\n"
	        "  --version         show the version\n",
	        ng_app_usage());
}

/* Parse the command line into E; returns -1 to exit 0 (help shown), -2 on a bad argument (one
 * line printed), 0 to go on. */
static int parse_args(struct echo *e, int argc, char **argv)
{
	int i = 1;

	while (i < argc) {
		const char *arg = argv[i];
		int r = ng_app_option(&e->app, argc, argv, &i);

		if (r < 0)
			return -2;
		if (r > 0)
			continue;
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			return -1;
		}
		if (!strcmp(arg, "--version")) {
			printf("ng-echo (natgate) %s\n", NG_VERSION);
			return -1;
		}
		if (!strcmp(arg, "--port") || !strncmp(arg, "--port=", 7)) {
			const char *v = arg[6] == '=' ? arg + 7 : (i + 1 < argc ? argv[++i] : NULL);
			char *end;
			unsigned long p;

			if (!v) {
				fprintf(stderr, "ng-echo: --port needs a value\n");
				return -2;
			}
			p = strtoul(v, &end, 10);
			if (*v < '0' || *v > '9' || *end || p < 1 || p > 65535) {
				fprintf(stderr,
				        "ng-echo: --port '%s': want a number from 1 to 65535\n", v);
				return -2;
			}
			e->port = (uint16_t)p;
			i++;
			continue;
		}
		fprintf(stderr, "ng-echo: unknown argument '%s' (try --help)\n", arg);
		return -2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct echo e;
	int rc;

	ng_app_init(&e.app, "ng-echo");
	e.port = ECHO_PORT;
	rc = parse_args(&e, argc, argv);
	if (rc)
		return rc == -1 ? 0 : 2;
	rc = ng_app_start(&e.app);
	if (rc)
		return rc == -2 ? 2 : 1;
	if (udp_echo_start(&e)) {
		ng_app_stop(&e.app);
		return 1;
	}
	rc = ng_app_run(&e.app);
	udp_echo_stop(&e);
	if (ng_app_stop(&e.app))
		rc = -1;
	return rc ? 1 : 0;
}
