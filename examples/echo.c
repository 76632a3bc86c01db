// SPDX-License-Identifier: MIT
/* ng-echo: the RFC 862 echo service on natgate's own stack, on a TAP device.
 *
 * Every UDP datagram that arrives on the echo port goes back to its sender unchanged (RFC 862:
 * "a datagram is sent back containing the data in the received datagram"). ARP and ping are
 * answered by the stack itself. Each protocol has its own *_echo_start. On TCP, every byte that
 * arrives on a connection to the echo port is sent back (RFC 862: "any data received is sent
 * back"), until the client closes; then the server closes too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/gw.h"
#include "natgate/tcp.h"
#include "natgate/udp.h"

#define ECHO_PORT    7 /* RFC 862 */
#define TCP_ECHO_BUF 16384

struct tcp_echo_conn;

struct echo {
	struct ng_app app;
	uint16_t port;
	struct ng_udp_sock *udp;
	uint64_t udp_echoed, udp_failed;
	struct ng_tcp_sock *tcp;         /* the TCP listener */
	struct tcp_echo_conn *tcp_conns; /* open TCP connections (freed at exit) */
};

/* One TCP echo connection. Bytes read wait in BUF until the send buffer takes them; reading
 * pauses meanwhile, so a client that does not read its echo is slowed by its own window. */
struct tcp_echo_conn {
	struct echo *e;
	struct ng_tcp_sock *s;
	struct tcp_echo_conn *prev, *next;
	size_t len, off;
	uint8_t buf[TCP_ECHO_BUF];
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

static void tcp_echo_free(struct tcp_echo_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		c->e->tcp_conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
}

/* RFC 862 TCP: send back what was read, then read more. At the client's FIN (all echoed) the
 * connection is closed in order; on an error or reset it is closed at once. The stack allows
 * ng_tcp_close from inside its callback (tcp_finish calls us last). */
static void tcp_echo_event(struct ng_tcp_sock *s, void *ctx, unsigned events)
{
	struct tcp_echo_conn *c = ctx;
	long n;

	for (;;) {
		while (c->off < c->len) {
			n = ng_tcp_send(s, c->buf + c->off, c->len - c->off);
			if (n < 0)
				goto done;
			if (n == 0)
				return; /* NG_TCP_EV_WRITABLE follows */
			c->off += (size_t)n;
		}
		n = ng_tcp_recv(s, c->buf, sizeof(c->buf));
		if (n == -NG_EAGAIN)
			break;
		if (n <= 0)
			goto done; /* 0: the client's FIN, everything echoed */
		c->len = (size_t)n;
		c->off = 0;
	}
	if (!(events & (NG_TCP_EV_CLOSED | NG_TCP_EV_ERROR)))
		return;
done:
	ng_tcp_close(s);
	tcp_echo_free(c);
}

static void tcp_echo_accept(struct ng_tcp_sock *l, void *ctx, struct ng_tcp_sock *child)
{
	struct echo *e = ctx;
	struct tcp_echo_conn *c = calloc(1, sizeof(*c));

	(void)l;
	if (!c) {
		ng_tcp_abort(child);
		return;
	}
	c->e = e;
	c->s = child;
	c->next = e->tcp_conns;
	if (c->next)
		c->next->prev = c;
	e->tcp_conns = c;
	ng_tcp_set_callback(child, tcp_echo_event, c);
	tcp_echo_event(child, c, 0); /* data may have come with the handshake */
}

/* Listen for TCP echo on every address of ours at E->port. 0 or -1 (message printed). */
static int tcp_echo_start(struct echo *e)
{
	int rc = ng_tcp_listen(e->app.st, 0, e->port, 128, tcp_echo_accept, e, NULL, &e->tcp);

	if (rc) {
		fprintf(stderr, "%s: cannot listen on TCP port %u: %s\n", e->app.prog, e->port,
		        ng_strerror(rc));
		return -1;
	}
	return 0;
}

static void tcp_echo_stop(struct echo *e)
{
	if (e->tcp)
		ng_tcp_close(e->tcp);
	e->tcp = NULL;
	while (e->tcp_conns) {
		ng_tcp_abort(e->tcp_conns->s);
		tcp_echo_free(e->tcp_conns);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: ng-echo --tap NAME --addr A.B.C.D/P [--port N] [options]\n"
	        "Echo service (RFC 862) on natgate's own TCP/IP stack, over a TAP device that it\n"
	        "creates in the current network namespace. Answers ARP, ping, UDP and TCP echo.\n"
	        "\n"
	        "  --port N          echo port (default 7)\n"
	        "%s"
	        "  --help            show this help\n"
	        "  --version         show the version\n",
	        ng_app_usage());
}

/* Parse the command line into E; returns -1 to exit 0 (help or version shown), -2 on a bad
 * argument (one line printed), 0 to go on. */
static int parse_args(struct echo *e, int argc, char **argv)
{
	for (int i = 1; i < argc;) {
		struct ng_app_arg arg;
		uint64_t v;
		int r = ng_app_next_option(&e->app, argc, argv, &i, NULL, usage, &arg);

		if (r < 0)
			return r == NG_APP_OPT_EXIT ? -1 : -2;
		if (r == NG_APP_OPT_TAKEN)
			continue;
		if (strcmp(arg.name, "--port")) {
			ng_app_opt_unknown(&e->app, &arg);
			return -2;
		}
		if (ng_app_opt_num(&e->app, "--port", arg.val, 1, 65535, &v))
			return -2;
		e->port = (uint16_t)v;
		i += arg.used;
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
	if (udp_echo_start(&e) || tcp_echo_start(&e)) {
		udp_echo_stop(&e);
		ng_app_stop(&e.app);
		return 1;
	}
	rc = ng_app_run(&e.app);
	tcp_echo_stop(&e);
	udp_echo_stop(&e);
	if (ng_app_stop(&e.app))
		rc = -1;
	return rc ? 1 : 0;
}
