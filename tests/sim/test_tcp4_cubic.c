// SPDX-License-Identifier: MIT
/*
 * CUBIC inside the TCP core, on the simulated wire and a virtual clock. CUBIC is the default;
 * the sockets still set it through the internal cc pointer so that this test keeps checking
 * CUBIC whatever the default becomes.
 *
 * 1. A bulk transfer through a 20 Mbit/s bottleneck with a 100 ms RTT and a 60-frame queue:
 *    the queue overflows, and between losses cwnd must follow RFC 9438's curve
 *    W(t) = C (t - K)^3 + W_max, computed here in double precision from the W_max, cwnd_epoch
 *    and epoch start the connection recorded: concave below W_max, convex above.
 * 2. Seeds of lossy, duplicating, reordering wires: every byte arrives, both ends close.
 *    NG_SIM_SEEDS sets the count (default 100), NG_SIM_SEED=N replays one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "natgate/tcp.h"
#include "stack_internal.h"
#include "tcp/tcp_cubic.h"
#include "tcp/tcp_internal.h"

#define PORT 5001

struct run {
	struct ng_test_pair tp;
	struct ng_tcp_sock *a, *b, *listener;
	const uint8_t *data;
	size_t len, sent, got;
	bool bad, a_closed, b_closed, eof;
	int err;
	/* curve check */
	uint64_t next_sample;
	uint64_t epoch_ns; /* the stage being checked */
	unsigned stages, samples, concave, convex;
	double worst;
};

static void a_event(struct ng_tcp_sock *s, void *ctx, unsigned ev)
{
	struct run *r = ctx;

	if (ev & (NG_TCP_EV_CONNECTED | NG_TCP_EV_WRITABLE)) {
		while (r->sent < r->len) {
			long n = ng_tcp_send(s, r->data + r->sent, r->len - r->sent);
			if (n <= 0)
				break;
			r->sent += (size_t)n;
		}
		if (r->sent == r->len)
			ng_tcp_shutdown(s);
	}
	if (ev & NG_TCP_EV_ERROR)
		r->err = ng_tcp_error(s);
	if ((ev & NG_TCP_EV_CLOSED) && !r->a_closed) {
		r->a_closed = true;
		ng_tcp_close(s);
	}
}

static void b_event(struct ng_tcp_sock *s, void *ctx, unsigned ev)
{
	struct run *r = ctx;
	static uint8_t buf[65536];

	if (ev & (NG_TCP_EV_READABLE | NG_TCP_EV_CLOSED)) {
		for (;;) {
			long n = ng_tcp_recv(s, buf, sizeof(buf));
			if (n == 0) {
				r->eof = true;
				break;
			}
			if (n < 0)
				break;
			if (r->got + (size_t)n > r->len || memcmp(buf, r->data + r->got, (size_t)n))
				r->bad = true;
			r->got += (size_t)n;
		}
	}
	if (ev & NG_TCP_EV_ERROR)
		r->err = ng_tcp_error(s);
	if (r->eof && !r->b_closed) {
		r->b_closed = true;
		ng_tcp_close(s);
	}
}

static void on_accept(struct ng_tcp_sock *l, void *ctx, struct ng_tcp_sock *child)
{
	struct run *r = ctx;
	(void)l;
	r->b = child;
	child->cc = &tcp_cc_cubic; /* cc_priv is still zero: CUBIC's fresh state */
	ng_tcp_set_callback(child, b_event, r);
	ng_tcp_close(r->listener);
	r->listener = NULL;
}

static double dcbrt(double x)
{
	double a = x < 0 ? -x : x, v;
	if (a == 0)
		return 0;
	v = a > 1 ? a / 3 : 1;
	for (int i = 0; i < 200; i++)
		v -= (v * v * v - a) / (3 * v * v);
	return x < 0 ? -v : v;
}

/* Every 50 ms of virtual time: if A is in a congestion avoidance stage that began after a
 * loss, compare cwnd with W(t). */
static void sample(struct run *r)
{
	struct tcp_cubic s;
	struct ng_tcp_sock *c = r->a;
	double mss, k, t, want, err;

	if (!c || r->a_closed || r->tp.now < r->next_sample)
		return;
	r->next_sample = r->tp.now + 50 * NG_NS_PER_MS;
	memcpy(&s, c->cc_priv, sizeof(s));
	if (!s.in_epoch || !s.cwnd_prior || c->in_recovery || c->cwnd < c->ssthresh ||
	    c->snd_una == c->snd_max)
		return;
	if (s.epoch_ns != r->epoch_ns) {
		r->epoch_ns = s.epoch_ns;
		r->stages++;
	}
	mss = c->snd_mss;
	t = (double)(r->tp.now - s.epoch_ns) / 1e9;
	if (t < 0.3) /* the first ACKs of a stage */
		return;
	/* RFC 9438 eq. 2 and 1, in segments */
	k = dcbrt(((double)s.w_max - (double)s.cwnd_epoch) / mss / 0.4);
	want = (0.4 * (t - k) * (t - k) * (t - k) + s.w_max / mss) * mss;
	if (s.w_est > want) /* the Reno-friendly region would rule */
		return;
	err = (c->cwnd - want) / want;
	err = err < 0 ? -err : err;
	if (err > r->worst)
		r->worst = err;
	r->samples++;
	if (t < k - 0.5)
		r->concave++;
	else if (t > k + 0.5)
		r->convex++;
	if (getenv("NG_SIM_VERBOSE"))
		printf("t %.2f K %.2f cwnd %u want %.0f w_max %u epoch cwnd %u srtt %u us\n", t, k,
		       c->cwnd, want, s.w_max, s.cwnd_epoch, c->srtt_us);
}

static bool curve_done(void *ctx)
{
	struct run *r = ctx;
	sample(r);
	return (r->a_closed && r->b_closed && ng_tcp_count(r->tp.a) == 0 &&
	        ng_tcp_count(r->tp.b) == 0) ||
	       r->err || r->bad;
}

static void test_curve_at_bottleneck(void **state)
{
	static struct run r;
	struct ng_sim_config w;
	struct ng_tcp_sockopts o;
	uint8_t *d;
	(void)state;

	memset(&r, 0, sizeof(r));
	ng_sim_config_default(&w);
	w.seed = 9438;
	w.delay_ns = 50 * NG_NS_PER_MS;
	w.rate_bps = 20000000;
	w.queue_limit = 60;
	memset(&o, 0, sizeof(o));
	o.sndbuf = o.rcvbuf = 4u << 20;
	r.len = 80u << 20; /* about 34 s at 20 Mbit/s */
	d = malloc(r.len);
	assert_non_null(d);
	ng_test_fill(d, r.len, 9438);
	r.data = d;
	ng_test_pair_create(&r.tp, &w, 9438);
	assert_int_equal(ng_tcp_listen(r.tp.b, 0, PORT, 4, on_accept, &r, &o, &r.listener), 0);
	assert_int_equal(ng_tcp_connect(r.tp.a, NG_IP4(10, 0, 0, 2), PORT, a_event, &r, &o, &r.a),
	                 0);
	r.a->cc = &tcp_cc_cubic;
	assert_true(ng_test_pair_run(&r.tp, curve_done, &r, 200 * NG_NS_PER_SEC));
	printf("cubic at a bottleneck: %u stages, %u samples (%u concave, %u convex), worst "
	       "deviation %.3f, %.1f s virtual\n",
	       r.stages, r.samples, r.concave, r.convex, r.worst,
	       (double)(r.tp.now - 1000 * NG_NS_PER_SEC) / 1e9);
	{
		struct ng_sim_stats ss;
		ng_sim_wire_stats(r.tp.la, &ss);
		printf("frames %llu, lost %llu, queue drops %llu, retransmissions %llu\n",
		       (unsigned long long)ss.sent, (unsigned long long)ss.lost,
		       (unsigned long long)ss.queue_drops,
		       (unsigned long long)ng_stack_stats(r.tp.a)->counters[NG_CNT_TCP_RETRANS]);
	}
	assert_false(r.bad);
	assert_int_equal(r.err, 0);
	assert_true(r.got == r.len);
	assert_true(r.stages >= 2);
	assert_true(r.concave >= 20);
	assert_true(r.convex >= 5);
	assert_true(r.worst < 0.05);
	ng_test_pair_destroy(&r.tp);
	free(d);
}

static bool seeds_done(void *ctx)
{
	struct run *r = ctx;
	return (r->a_closed && r->b_closed && ng_tcp_count(r->tp.a) == 0 &&
	        ng_tcp_count(r->tp.b) == 0) ||
	       r->err || r->bad;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static bool run_seed(uint64_t seed)
{
	static struct run r;
	struct ng_sim_config w;
	uint64_t h = mix(seed ^ 0xc0b1c);
	uint8_t *d;
	bool ok;

	memset(&r, 0, sizeof(r));
	ng_sim_config_default(&w);
	w.seed = seed;
	w.loss = (double)(h % 801) / 10000.0; /* 0 .. 8% */
	h = mix(h);
	w.dup = (double)(h % 101) / 10000.0;
	h = mix(h);
	w.reorder = (double)(h % 301) / 10000.0;
	h = mix(h);
	w.delay_ns = (h % 30 + 1) * NG_NS_PER_MS;
	h = mix(h);
	w.rate_bps = (h & 1) ? 0 : 50000000ull;
	w.queue_limit = (h & 2) ? 30 : 0;
	h = mix(h);
	r.len = (size_t)(h % (2u << 20));
	d = malloc(r.len + 1);
	assert_non_null(d);
	ng_test_fill(d, r.len, seed);
	r.data = d;
	ng_test_pair_create(&r.tp, &w, seed);
	assert_int_equal(ng_tcp_listen(r.tp.b, 0, PORT, 4, on_accept, &r, NULL, &r.listener), 0);
	assert_int_equal(ng_tcp_connect(r.tp.a, NG_IP4(10, 0, 0, 2), PORT, a_event, &r, NULL, &r.a),
	                 0);
	r.a->cc = &tcp_cc_cubic;
	ok = ng_test_pair_run(&r.tp, seeds_done, &r, 2000 * NG_NS_PER_SEC);
	ok = ok && !r.bad && !r.err && r.got == r.len;
	if (!ok) {
		fprintf(stderr,
		        "seed %llu FAILED: loss %.3f got %zu/%zu bad %d err %d closed %d/%d\n"
		        "  replay: env NG_SIM_SEED=%llu build/tests/sim_test_tcp4_cubic\n",
		        (unsigned long long)seed, w.loss, r.got, r.len, r.bad, r.err, r.a_closed,
		        r.b_closed, (unsigned long long)seed);
		if (!r.a_closed && r.a)
			ng_tcp_abort(r.a);
		if (!r.b_closed && r.b)
			ng_tcp_abort(r.b);
	}
	if (r.listener)
		ng_tcp_close(r.listener);
	ng_test_pair_destroy(&r.tp);
	free(d);
	return ok;
}

static void test_lossy_seeds(void **state)
{
	const char *one = getenv("NG_SIM_SEED"), *many = getenv("NG_SIM_SEEDS");
	uint64_t first = 1, n = 100, failed = 0;
	(void)state;

	if (one) {
		first = strtoull(one, NULL, 0);
		n = 1;
	} else if (many) {
		n = strtoull(many, NULL, 0);
	}
	for (uint64_t s = first; s < first + n; s++)
		failed += !run_seed(s);
	printf("cubic lossy transfers: %llu seeds, %llu failed\n", (unsigned long long)n,
	       (unsigned long long)failed);
	assert_int_equal(failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_curve_at_bottleneck),
	    cmocka_unit_test(test_lossy_seeds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
