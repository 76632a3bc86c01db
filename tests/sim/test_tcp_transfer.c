// SPDX-License-Identifier: MIT
/*
 * Two natgate stacks on the simulated wire, with seeded loss (up to 10%), duplication,
 * reordering, bit corruption, delay and a bandwidth limit, transfer random data both ways and
 * close. Every byte must arrive exactly once and in order, both ends must reach CLOSED (TIME_WAIT
 * included) and no packet may leak. NG_SIM_SEEDS sets the number of seeds (default 500, about
 * 15 s in a debug build and under a minute with ASan+UBSan); NG_SIM_SEED=N replays seed N alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "xfer.h"
#include "natgate/tcp.h"
#include "stack_internal.h"

#define DEFAULT_SEEDS 500
#define PORT          5001

struct end {
	struct ng_test_end io;
	bool paused;     /* a slow reader: READABLE ignored until the pause ends */
	uint64_t toggle; /* when the reader next pauses or resumes (0: never pauses) */
	uint64_t pause_ns;
};

struct run {
	struct ng_test_pair tp;
	struct end a, b;
	struct ng_tcp_sock *listener;
};

/* Close once the stream is read to its end and our side is shut, or on an error. A CLOSED
 * without error may come before the application read everything (a RST ended TIME_WAIT, as
 * RFC 9293 allows): the data is still in the socket, so keep reading. */
static void maybe_close(struct end *e)
{
	if (!e->io.closed && ((e->io.eof && e->io.shut) || e->io.err)) {
		e->io.closed = true;
		ng_tcp_close(e->io.s);
	}
}

static void on_event(struct ng_tcp_sock *s, void *ctx, unsigned ev)
{
	struct end *e = ctx;
	(void)s;

	if (ev & (NG_TCP_EV_CONNECTED | NG_TCP_EV_WRITABLE))
		ng_test_end_send(&e->io);
	if ((ev & (NG_TCP_EV_READABLE | NG_TCP_EV_CLOSED)) && !e->paused)
		ng_test_end_recv(&e->io);
	if ((ev & NG_TCP_EV_ERROR) && !e->io.err)
		e->io.err = ng_tcp_error(e->io.s);
	maybe_close(e);
}

static void on_accept(struct ng_tcp_sock *l, void *ctx, struct ng_tcp_sock *child)
{
	struct run *r = ctx;
	(void)l;
	r->b.io.s = child;
	ng_tcp_set_callback(child, on_event, &r->b);
	ng_tcp_close(r->listener); /* one connection is all we want */
	r->listener = NULL;
	ng_test_end_send(&r->b.io);
	if (!r->b.paused)
		ng_test_end_recv(&r->b.io);
}

/* The slow reader: pause and resume reading on a schedule, so windows close and open. */
static void end_pace(struct run *r, struct end *e)
{
	if (!e->toggle || r->tp.now < e->toggle || !e->io.s || e->io.closed)
		return;
	e->paused = !e->paused;
	e->toggle = r->tp.now + e->pause_ns;
	if (!e->paused)
		ng_test_end_recv(&e->io);
	maybe_close(e);
}

static void log_line(void *ctx, enum ng_log_level level, const char *msg)
{
	struct run *r = ctx;
	(void)level;
	printf("%8.3f %s\n", (double)(r->tp.now - 1000 * NG_NS_PER_SEC) / 1e9, msg);
}

/* NG_SIM_TRACE=1: every segment and state change of both stacks on stdout. */
static void trace_on(struct run *r)
{
	if (!getenv("NG_SIM_TRACE"))
		return;
	r->tp.a->log = (struct ng_log){NG_LOG_TRACE, log_line, r};
	r->tp.b->log = (struct ng_log){NG_LOG_TRACE, log_line, r};
}

static bool done(void *ctx)
{
	struct run *r = ctx;
	end_pace(r, &r->a);
	end_pace(r, &r->b);
	return (r->a.io.closed && r->b.io.closed && ng_tcp_count(r->tp.a) == 0 &&
	        ng_tcp_count(r->tp.b) == 0) ||
	       r->a.io.err || r->b.io.err || r->a.io.bad || r->b.io.bad;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Size of one direction's transfer: mostly up to 256 KiB, every eighth seed up to 4 MiB. */
static size_t pick_size(uint64_t *h)
{
	*h = mix(*h);
	if ((*h & 7) == 0)
		return (size_t)((*h >> 8) % (4u << 20));
	return (size_t)((*h >> 8) % (256u << 10));
}

/* One seed; returns true if it passed, filling WHY otherwise. */
static bool run_seed(uint64_t seed, char *why, size_t whylen)
{
	struct run r;
	struct ng_sim_config w;
	uint64_t h = mix(seed);
	size_t na, nb;
	uint8_t *da, *db;
	bool ok;

	memset(&r, 0, sizeof(r));
	ng_sim_config_default(&w);
	w.seed = seed + 1;
	w.loss = (double)(h % 1001) / 10000.0; /* 0 .. 10% */
	h = mix(h);
	w.dup = (double)(h % 201) / 10000.0; /* 0 .. 2% */
	h = mix(h);
	w.reorder = (double)(h % 501) / 10000.0; /* 0 .. 5% */
	h = mix(h);
	w.corrupt = (double)(h % 101) / 10000.0; /* 0 .. 1% */
	h = mix(h);
	w.delay_ns = (h % 20 + 1) * NG_NS_PER_MS;
	h = mix(h);
	w.jitter_ns = (h % 3) * NG_NS_PER_MS;
	h = mix(h);
	w.rate_bps = (h & 1) ? 0 : 100000000ull;
	h = mix(h);
	w.mtu = (h & 3) == 0 ? 576 + (uint32_t)(h >> 8) % 925 : 1500;
	na = pick_size(&h);
	nb = pick_size(&h);
	/* socket options: buffers from 4 KiB to 256 KiB, Nagle on or off */
	static const uint32_t bufs[] = {4096, 16384, 65536, 262144};
	struct ng_tcp_sockopts oa, ob;
	memset(&oa, 0, sizeof(oa));
	memset(&ob, 0, sizeof(ob));
	h = mix(h);
	oa.sndbuf = bufs[h & 3];
	oa.rcvbuf = bufs[(h >> 2) & 3];
	ob.sndbuf = bufs[(h >> 4) & 3];
	ob.rcvbuf = bufs[(h >> 6) & 3];
	oa.nodelay = (h >> 8) & 1;
	ob.nodelay = (h >> 9) & 1;
	da = malloc(na + 1);
	db = malloc(nb + 1);
	assert_non_null(da);
	assert_non_null(db);
	ng_test_fill(da, na, seed * 2 + 1);
	ng_test_fill(db, nb, seed * 2 + 2);

	ng_test_pair_create(&r.tp, &w, seed);
	trace_on(&r);
	r.a.io = (struct ng_test_end){.name = "A", .tx = da, .txlen = na, .rx = db, .rxlen = nb};
	r.b.io = (struct ng_test_end){.name = "B", .tx = db, .txlen = nb, .rx = da, .rxlen = na};
	h = mix(h);
	if ((h & 3) == 0) { /* one seed in four has a slow reader on one side */
		struct end *e = (h & 4) ? &r.a : &r.b;
		e->pause_ns = (20 + (h >> 8) % 2000) * NG_NS_PER_MS;
		e->toggle = r.tp.now + e->pause_ns;
	}
	assert_int_equal(ng_tcp_listen(r.tp.b, 0, PORT, 8, on_accept, &r, &ob, &r.listener), 0);
	assert_int_equal(
	    ng_tcp_connect(r.tp.a, NG_IP4(10, 0, 0, 2), PORT, on_event, &r.a, &oa, &r.a.io.s), 0);
	ok = ng_test_pair_run(&r.tp, done, &r, 4000 * NG_NS_PER_SEC);
	why[0] = '\0';
	if (getenv("NG_SIM_VERBOSE")) {
		struct ng_sim_stats ss;
		ng_sim_wire_stats(r.tp.la, &ss);
		printf(
		    "seed %llu: loss %.3f dup %.3f reord %.3f corrupt %.3f delay %llums rate %llu "
		    "mtu %u buf %u/%u %u/%u nodelay %d%d pause %s: A->B %zu/%zu B->A %zu/%zu, "
		    "%.1f s virtual, frames %llu lost %llu corrupt %llu retrans A %llu B %llu\n",
		    (unsigned long long)seed, w.loss, w.dup, w.reorder, w.corrupt,
		    (unsigned long long)(w.delay_ns / NG_NS_PER_MS), (unsigned long long)w.rate_bps,
		    w.mtu, oa.sndbuf, oa.rcvbuf, ob.sndbuf, ob.rcvbuf, oa.nodelay, ob.nodelay,
		    r.a.toggle   ? "A"
		    : r.b.toggle ? "B"
		                 : "-",
		    r.b.io.rxoff, na, r.a.io.rxoff, nb,
		    (double)(r.tp.now - 1000 * NG_NS_PER_SEC) / 1e9, (unsigned long long)ss.sent,
		    (unsigned long long)ss.lost, (unsigned long long)ss.corrupted,
		    (unsigned long long)ng_stack_stats(r.tp.a)->counters[NG_CNT_TCP_RETRANS],
		    (unsigned long long)ng_stack_stats(r.tp.b)->counters[NG_CNT_TCP_RETRANS]);
	}
	if (r.a.io.bad || r.b.io.bad)
		snprintf(why, whylen, "%s", r.a.io.bad ? r.a.io.why : r.b.io.why);
	else if (r.a.io.err || r.b.io.err)
		snprintf(why, whylen, "error A %s B %s (A got %zu/%zu, B got %zu/%zu)",
		         ng_strerror(r.a.io.err), ng_strerror(r.b.io.err), r.a.io.rxoff,
		         r.a.io.rxlen, r.b.io.rxoff, r.b.io.rxlen);
	else if (!ok)
		snprintf(
		    why, whylen,
		    "timed out: A sent %zu/%zu got %zu/%zu closed %d, B sent %zu/%zu got %zu/%zu "
		    "closed %d, conns %zu/%zu",
		    r.a.io.txoff, na, r.a.io.rxoff, nb, r.a.io.closed, r.b.io.txoff, nb,
		    r.b.io.rxoff, na, r.b.io.closed, ng_tcp_count(r.tp.a), ng_tcp_count(r.tp.b));
	else if (r.a.io.rxoff != nb || r.b.io.rxoff != na)
		snprintf(why, whylen, "short: A got %zu/%zu, B got %zu/%zu", r.a.io.rxoff, nb,
		         r.b.io.rxoff, na);
	if (why[0]) {
		ok = false;
		/* leave the connections to the stack's teardown */
		if (!r.a.io.closed && r.a.io.s)
			ng_tcp_abort(r.a.io.s);
		if (!r.b.io.closed && r.b.io.s)
			ng_tcp_abort(r.b.io.s);
	}
	if (r.listener)
		ng_tcp_close(r.listener);
	ng_test_pair_destroy(&r.tp);
	free(da);
	free(db);
	return ok;
}

static void test_transfer_seeds(void **state)
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
		n = strtoull(many, NULL, 0);
	}
	for (uint64_t seed = first; seed < first + n; seed++) {
		if (!run_seed(seed, why, sizeof(why))) {
			failed++;
			fprintf(stderr, "seed %llu FAILED: %s\n  replay: env NG_SIM_SEED=%llu %s\n",
			        (unsigned long long)seed, why, (unsigned long long)seed,
			        "build/tests/sim_test_tcp_transfer");
		}
	}
	printf("tcp transfer: %llu seeds, %llu failed\n", (unsigned long long)n,
	       (unsigned long long)failed);
	assert_int_equal(failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_transfer_seeds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
