// SPDX-License-Identifier: MIT
/*
 * Many TCP connections at once between two natgate stacks on a lossy simulated wire: A opens
 * NCONN connections to B's listener (a small backlog, so some SYNs are dropped and retried),
 * each side sends a random amount on each connection, some connections are closed by the
 * client first, some by the server first, some both at once, a few are aborted. Every byte
 * that was not aborted must arrive in order, and both stacks must end with no connection and
 * no packet held. NG_SIM_SEEDS / NG_SIM_SEED as in test_tcp_transfer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "natgate/tcp.h"

#define PORT          7000
#define NCONN         24
#define DEFAULT_SEEDS 100

struct conn;

struct side {
	struct ng_tcp_sock *s;
	struct conn *c;
	int who; /* 0 client, 1 server */
	size_t txoff, rxoff;
	bool eof, shut, closed, bad;
	int err;
};

struct conn {
	struct run *r;
	unsigned idx;
	uint8_t *cdata, *sdata; /* client->server, server->client */
	size_t clen, slen;
	int mode; /* 0: client closes first, 1: server first, 2: together, 3: client aborts */
	struct side cli, srv;
};

struct run {
	struct ng_test_pair tp;
	struct ng_tcp_sock *listener;
	struct conn conns[NCONN];
	unsigned accepted, opened;
	char why[200];
	bool bad;
};

static void side_send(struct side *e)
{
	struct conn *c = e->c;
	const uint8_t *d = e->who ? c->sdata : c->cdata;
	size_t len = e->who ? c->slen : c->clen;

	while (e->txoff < len) {
		long n = ng_tcp_send(e->s, d + e->txoff, len - e->txoff);
		if (n <= 0)
			break;
		e->txoff += (size_t)n;
	}
	/* server-first closes shut as soon as their data is queued; others wait for EOF */
	if (e->txoff == len && !e->shut &&
	    (c->mode == 2 || (c->mode == 0 && !e->who) || (c->mode == 1 && e->who) || e->eof)) {
		e->shut = true;
		ng_tcp_shutdown(e->s);
	}
}

static void side_recv(struct side *e)
{
	struct conn *c = e->c;
	const uint8_t *d = e->who ? c->cdata : c->sdata;
	size_t len = e->who ? c->clen : c->slen;
	uint8_t buf[8192];

	for (;;) {
		long n = ng_tcp_recv(e->s, buf, sizeof(buf));
		if (n == 0) {
			e->eof = true;
			if (e->rxoff != len)
				e->bad = true;
			break;
		}
		if (n < 0) {
			if (n != -NG_EAGAIN && !e->err)
				e->err = (int)n;
			break;
		}
		if (e->rxoff + (size_t)n > len || memcmp(buf, d + e->rxoff, (size_t)n))
			e->bad = true;
		e->rxoff += (size_t)n;
	}
}

static void side_event(struct ng_tcp_sock *s, void *ctx, unsigned ev)
{
	struct side *e = ctx;
	(void)s;

	if (ev & NG_TCP_EV_ERROR && !e->err)
		e->err = ng_tcp_error(e->s);
	if (ev & (NG_TCP_EV_READABLE | NG_TCP_EV_CLOSED))
		side_recv(e);
	if (ev & (NG_TCP_EV_CONNECTED | NG_TCP_EV_WRITABLE | NG_TCP_EV_READABLE))
		side_send(e);
	if (e->c->mode == 3 && !e->who && !e->closed && e->rxoff > 0) {
		e->closed = true; /* the client aborts mid-transfer */
		ng_tcp_abort(e->s);
		return;
	}
	if (!e->closed && ((e->eof && e->shut) || e->err)) {
		e->closed = true;
		ng_tcp_close(e->s);
	}
}

static void on_accept(struct ng_tcp_sock *l, void *ctx, struct ng_tcp_sock *child)
{
	struct run *r = ctx;
	struct ng_tcp_info in;
	(void)l;

	ng_tcp_get_info(child, &in);
	for (unsigned i = 0; i < NCONN; i++) {
		struct conn *c = &r->conns[i];
		struct ng_tcp_info ci;
		if (!c->cli.s || c->cli.closed || c->srv.s)
			continue;
		ng_tcp_get_info(c->cli.s, &ci);
		if (ci.local_port != in.remote_port)
			continue;
		c->srv.s = child;
		r->accepted++;
		ng_tcp_set_callback(child, side_event, &c->srv);
		side_send(&c->srv);
		side_recv(&c->srv);
		return;
	}
	ng_tcp_abort(child); /* not one of ours (cannot happen) */
	r->bad = true;
	snprintf(r->why, sizeof(r->why), "accepted an unknown connection");
}

static bool side_done(const struct side *e)
{
	return e->closed;
}

static bool done(void *ctx)
{
	struct run *r = ctx;

	if (r->bad)
		return true;
	for (unsigned i = 0; i < NCONN; i++) {
		struct conn *c = &r->conns[i];
		if (!side_done(&c->cli))
			return false;
		if (c->mode != 3 && !side_done(&c->srv))
			return false;
	}
	if (r->listener) {
		ng_tcp_close(r->listener);
		r->listener = NULL;
	}
	return ng_tcp_count(r->tp.a) == 0 && ng_tcp_count(r->tp.b) == 0;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static bool run_seed(uint64_t seed, char *why, size_t whylen)
{
	struct run *r = calloc(1, sizeof(*r));
	struct ng_sim_config w;
	struct ng_tcp_sockopts so = {.sndbuf = 32768, .rcvbuf = 32768};
	uint64_t h = mix(seed ^ 0x5eed);
	bool ok;

	assert_non_null(r);
	ng_sim_config_default(&w);
	w.seed = seed + 7;
	w.loss = (double)(h % 801) / 10000.0;
	h = mix(h);
	w.dup = (double)(h % 101) / 10000.0;
	h = mix(h);
	w.reorder = (double)(h % 301) / 10000.0;
	h = mix(h);
	w.corrupt = (double)(h % 51) / 10000.0;
	w.delay_ns = (h % 10 + 1) * NG_NS_PER_MS;
	w.rate_bps = 50000000ull;
	ng_test_pair_create(&r->tp, &w, seed);
	assert_int_equal(ng_tcp_listen(r->tp.b, 0, PORT, 6, on_accept, r, &so, &r->listener), 0);
	for (unsigned i = 0; i < NCONN; i++) {
		struct conn *c = &r->conns[i];
		h = mix(h);
		c->r = r;
		c->idx = i;
		c->clen = (size_t)(h % 60000);
		c->slen = (size_t)((h >> 20) % 120000);
		c->mode = (int)((h >> 40) % 7 == 0 ? 3 : (h >> 44) % 3);
		c->cdata = malloc(c->clen + 1);
		c->sdata = malloc(c->slen + 1);
		ng_test_fill(c->cdata, c->clen, seed * 100 + i * 2);
		ng_test_fill(c->sdata, c->slen, seed * 100 + i * 2 + 1);
		c->cli = (struct side){.c = c, .who = 0};
		c->srv = (struct side){.c = c, .who = 1};
		assert_int_equal(ng_tcp_connect(r->tp.a, NG_IP4(10, 0, 0, 2), PORT, side_event,
		                                &c->cli, &so, &c->cli.s),
		                 0);
	}
	ok = ng_test_pair_run(&r->tp, done, r, 3000 * NG_NS_PER_SEC);
	why[0] = '\0';
	if (getenv("NG_SIM_VERBOSE")) {
		size_t bytes = 0;
		unsigned modes[4] = {0};
		for (unsigned i = 0; i < NCONN; i++) {
			bytes += r->conns[i].cli.rxoff + r->conns[i].srv.rxoff;
			modes[r->conns[i].mode]++;
		}
		printf("seed %llu: loss %.3f, %u accepted, %zu bytes delivered, modes %u/%u/%u/%u, "
		       "%.1f s virtual, backlog drops %llu\n",
		       (unsigned long long)seed, w.loss, r->accepted, bytes, modes[0], modes[1],
		       modes[2], modes[3], (double)(r->tp.now - 1000 * NG_NS_PER_SEC) / 1e9,
		       (unsigned long long)ng_stack_stats(r->tp.b)->drops[NG_DROP_TCP_BACKLOG]);
	}
	if (r->bad)
		snprintf(why, whylen, "%s", r->why);
	for (unsigned i = 0; i < NCONN && !why[0]; i++) {
		struct conn *c = &r->conns[i];
		if (c->cli.bad || c->srv.bad || (c->mode != 3 && (c->cli.err || c->srv.err)) ||
		    (c->mode != 3 && (c->cli.rxoff != c->slen || c->srv.rxoff != c->clen)))
			snprintf(
			    why, whylen,
			    "conn %u mode %d: client got %zu/%zu (%s%s) server got %zu/%zu (%s%s)",
			    i, c->mode, c->cli.rxoff, c->slen, c->cli.bad ? "bad " : "",
			    ng_strerror(c->cli.err), c->srv.rxoff, c->clen,
			    c->srv.bad ? "bad " : "", ng_strerror(c->srv.err));
	}
	if (!why[0] && !ok)
		snprintf(why, whylen, "timed out: accepted %u, conns held %zu/%zu", r->accepted,
		         ng_tcp_count(r->tp.a), ng_tcp_count(r->tp.b));
	for (unsigned i = 0; i < NCONN; i++) {
		struct conn *c = &r->conns[i];
		if (c->cli.s && !c->cli.closed)
			ng_tcp_abort(c->cli.s);
		if (c->srv.s && !c->srv.closed)
			ng_tcp_abort(c->srv.s);
		free(c->cdata);
		free(c->sdata);
	}
	if (r->listener)
		ng_tcp_close(r->listener);
	ng_test_pair_destroy(&r->tp);
	free(r);
	return why[0] == '\0';
}

static void test_many_connections(void **state)
{
	const char *one = getenv("NG_SIM_SEED");
	const char *many = getenv("NG_SIM_SEEDS");
	uint64_t first = 1, n = DEFAULT_SEEDS, failed = 0;
	char why[256];
	(void)state;

	if (one) {
		first = strtoull(one, NULL, 0);
		n = 1;
	} else if (many) {
		n = strtoull(many, NULL, 0) / 10 + 1;
	}
	for (uint64_t seed = first; seed < first + n; seed++) {
		if (!run_seed(seed, why, sizeof(why))) {
			failed++;
			fprintf(stderr, "seed %llu FAILED: %s\n  replay: env NG_SIM_SEED=%llu %s\n",
			        (unsigned long long)seed, why, (unsigned long long)seed,
			        "build/tests/sim_test_tcp_many");
		}
	}
	printf("tcp many: %llu seeds x %d connections, %llu failed\n", (unsigned long long)n, NCONN,
	       (unsigned long long)failed);
	assert_int_equal(failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_many_connections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
