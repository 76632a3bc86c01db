// SPDX-License-Identifier: MIT
/* Unit tests of the fault spec parser and the fault wrapper, on a recording link. */
#include <string.h>

#include "testutil.h"

static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x11};

/* ---- parser ---- */

static void test_parse_full_spec(void **state)
{
	struct ng_fault_spec s;
	const char *msg = NULL;
	(void)state;

	assert_int_equal(ng_fault_parse("loss=2%,dup=1%,reorder=1%,corrupt=0.1%,delay=5ms,"
	                                "jitter=1ms,dir=both",
	                                &s, &msg),
	                 0);
	assert_true(s.loss > 0.0199999 && s.loss < 0.0200001);
	assert_true(s.dup > 0.0099999 && s.dup < 0.0100001);
	assert_true(s.reorder > 0.0099999 && s.reorder < 0.0100001);
	assert_true(s.corrupt > 0.00099999 && s.corrupt < 0.00100001);
	assert_int_equal(s.delay_ns, 5 * NG_NS_PER_MS);
	assert_int_equal(s.jitter_ns, NG_NS_PER_MS);
	assert_true(s.tx);
	assert_true(s.rx);
}

static void test_parse_forms(void **state)
{
	struct ng_fault_spec s;
	const char *msg;
	(void)state;

	/* Unset keys are zero and both directions are the default. */
	assert_int_equal(ng_fault_parse("loss=0.5", &s, &msg), 0);
	assert_true(s.loss == 0.5);
	assert_true(s.dup == 0 && s.reorder == 0 && s.corrupt == 0);
	assert_int_equal(s.delay_ns, 0);
	assert_true(s.tx && s.rx);
	assert_int_equal(ng_fault_parse("loss=100%,dir=tx", &s, &msg), 0);
	assert_true(s.loss == 1.0);
	assert_true(s.tx && !s.rx);
	assert_int_equal(ng_fault_parse("dir=rx,delay=1.5s", &s, &msg), 0);
	assert_true(!s.tx && s.rx);
	assert_int_equal(s.delay_ns, 1500 * NG_NS_PER_MS);
	assert_int_equal(ng_fault_parse("delay=250us,jitter=100ns", &s, &msg), 0);
	assert_int_equal(s.delay_ns, 250000);
	assert_int_equal(s.jitter_ns, 100);
	assert_int_equal(ng_fault_parse("delay=0,loss=0%", &s, &msg), 0);
	assert_int_equal(s.delay_ns, 0);
	assert_true(s.loss == 0);
}

static void test_parse_rejects(void **state)
{
	static const char *const bad[] = {
	    "",
	    "loss",
	    "loss=",
	    "=1%",
	    "foo=1%",
	    "loss=101%",
	    "loss=2",
	    "loss=-1%",
	    "loss=1%%",
	    "loss=1%,",
	    ",loss=1%",
	    "loss=1%,,dup=1%",
	    "delay=5",
	    "delay=5m",
	    "delay=ms",
	    "dir=up",
	    "dir=",
	    "loss=1%,loss=2%",
	    "loss=abc",
	    "loss= 1%",
	    "loss=1e2%",
	    "LOSS=1%",
	    "loss=0x1",
	    "delay=2h",
	    "jitter=-1ms",
	    "delay=99999s",
	    "loss=1%;dup=1%",
	    "loss=nan",
	    "loss=inf%",
	};
	struct ng_fault_spec s;
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *msg = NULL;
		s.loss = 0.123;
		if (ng_fault_parse(bad[i], &s, &msg) != -NG_EINVAL)
			fail_msg("accepted bad spec \"%s\"", bad[i]);
		assert_non_null(msg);
		assert_true(strlen(msg) > 5);
		assert_null(strchr(msg, '\n'));
		assert_true(s.loss == 0.123); /* *OUT untouched on error */
	}
}

static void test_parse_messages_name_the_problem(void **state)
{
	struct ng_fault_spec s;
	const char *msg;
	(void)state;

	assert_int_equal(ng_fault_parse("loss=1%,wobble=3%", &s, &msg), -NG_EINVAL);
	assert_non_null(strstr(msg, "wobble"));
	assert_int_equal(ng_fault_parse("dup=150%", &s, &msg), -NG_EINVAL);
	assert_non_null(strstr(msg, "100%"));
	assert_int_equal(ng_fault_parse("delay", &s, &msg), -NG_EINVAL);
	assert_non_null(strstr(msg, "="));
}

/* ---- wrapper ---- */

struct rig {
	struct ng_pktpool *pool;
	struct ng_link *inner, *f;
};

static void rig_up(struct rig *r, const char *spec, uint64_t seed)
{
	struct ng_fault_spec s;
	const char *msg;

	r->pool = ng_pktpool_create(1024, 512);
	assert_non_null(r->pool);
	r->inner = ng_test_link_create(1500, mac);
	assert_int_equal(ng_fault_parse(spec, &s, &msg), 0);
	assert_int_equal(ng_fault_wrap(r->inner, &s, seed, &r->f), 0);
	assert_string_equal(r->f->name, r->inner->name);
	assert_int_equal(r->f->mtu, 1500);
	assert_memory_equal(r->f->mac, mac, 6);
}

static void rig_down(struct rig *r)
{
	ng_link_destroy(r->f); /* destroys the inner link too */
	assert_int_equal(ng_pktpool_in_use(r->pool), 0);
	assert_int_equal(ng_pktpool_destroy(r->pool), 0);
}

static struct ng_pkt *frame(struct ng_pktpool *pool, uint32_t seq)
{
	struct ng_pkt *p = ng_pkt_alloc(pool);
	uint8_t *d;

	assert_non_null(p);
	d = ng_pkt_put(p, 64);
	ng_test_fill(d, 64, seq);
	memcpy(d, &seq, 4);
	return p;
}

static uint32_t seq_of(const struct ng_pkt *p)
{
	uint32_t s;
	memcpy(&s, ng_pkt_data(p), 4);
	return s;
}

/* Drain the frames the wrapper passed to the inner link; returns how many, their seqs in OUT. */
static size_t drain_tx(struct rig *r, uint32_t *out, size_t max)
{
	struct ng_pkt *p;
	size_t n = 0;

	while ((p = ng_test_link_pop(r->inner))) {
		if (n < max)
			out[n] = seq_of(p);
		n++;
		ng_pkt_free(p);
	}
	return n;
}

/* No faults configured: frames pass straight through, both ways, and the wrapper keeps none. */
static void test_wrap_transparent(void **state)
{
	struct rig r;
	struct ng_pkt *p;
	uint32_t seqs[4];
	(void)state;

	rig_up(&r, "loss=0%", 1);
	assert_int_equal(ng_link_fd(r.f), -1);
	assert_int_equal(ng_link_deadline(r.f), UINT64_MAX);
	assert_int_equal(ng_link_xmit(r.f, frame(r.pool, 1), 10), 0);
	assert_int_equal(drain_tx(&r, seqs, 4), 1);
	assert_int_equal(seqs[0], 1);
	p = frame(r.pool, 2);
	ng_test_link_inject(r.inner, r.pool, ng_pkt_data(p), p->len);
	ng_pkt_free(p);
	p = ng_link_recv(r.f, r.pool, 10);
	assert_non_null(p);
	assert_int_equal(seq_of(p), 2);
	ng_pkt_free(p);
	assert_null(ng_link_recv(r.f, r.pool, 10));
	assert_int_equal(r.f->tx_frames, 1);
	assert_int_equal(r.f->rx_frames, 1);
	rig_down(&r);
}

/* Loss on transmit drops about the configured share, reproducibly for a seed. */
static void test_wrap_tx_loss(void **state)
{
	struct rig r, r2;
	uint32_t i, n = 0, same = 0;
	(void)state;

	rig_up(&r, "loss=25%,dir=tx", 9);
	rig_up(&r2, "loss=25%,dir=tx", 9);
	for (i = 0; i < 4000; i++) {
		uint32_t s1[1], s2[1];
		size_t a, b;
		assert_int_equal(ng_link_xmit(r.f, frame(r.pool, i), i), 0);
		assert_int_equal(ng_link_xmit(r2.f, frame(r2.pool, i), i), 0);
		a = drain_tx(&r, s1, 1);
		b = drain_tx(&r2, s2, 1);
		n += (uint32_t)a;
		same += a == b;
	}
	/* mean 3000, sd 27 */
	assert_in_range(n, 3000 - 140, 3000 + 140);
	assert_int_equal(same, 4000);
	rig_down(&r);
	rig_down(&r2);
}

/* dup=100% on receive: every frame comes up twice; dir=rx leaves transmit alone. */
static void test_wrap_rx_dup(void **state)
{
	struct rig r;
	struct ng_pkt *p;
	uint32_t i, k = 0, seqs[40];
	(void)state;

	rig_up(&r, "dup=100%,dir=rx", 2);
	for (i = 0; i < 20; i++) {
		p = frame(r.pool, i);
		ng_test_link_inject(r.inner, r.pool, ng_pkt_data(p), p->len);
		ng_pkt_free(p);
	}
	while ((p = ng_link_recv(r.f, r.pool, 0))) {
		assert_true(k < 40);
		seqs[k++] = seq_of(p);
		ng_pkt_free(p);
	}
	assert_int_equal(k, 40);
	for (i = 0; i < 40; i++)
		assert_int_equal(seqs[i], i / 2);
	/* Transmit is untouched. */
	for (i = 0; i < 10; i++)
		assert_int_equal(ng_link_xmit(r.f, frame(r.pool, i), 0), 0);
	assert_int_equal(ng_test_link_pending(r.inner), 10);
	rig_down(&r);
}

/* corrupt=100% on receive flips exactly one bit of each frame. */
static void test_wrap_rx_corrupt(void **state)
{
	struct rig r;
	uint32_t i, j;
	(void)state;

	rig_up(&r, "corrupt=100%", 4);
	for (i = 0; i < 50; i++) {
		struct ng_pkt *want = frame(r.pool, i), *p;
		unsigned bits = 0;

		ng_test_link_inject(r.inner, r.pool, ng_pkt_data(want), want->len);
		p = ng_link_recv(r.f, r.pool, 0);
		assert_non_null(p);
		assert_int_equal(p->len, want->len);
		for (j = 0; j < p->len; j++)
			bits +=
			    (unsigned)__builtin_popcount(ng_pkt_data(p)[j] ^ ng_pkt_data(want)[j]);
		assert_int_equal(bits, 1);
		ng_pkt_free(p);
		ng_pkt_free(want);
	}
	rig_down(&r);
}

/* A delay holds transmitted frames until poll at the right time; the deadline says when, and the
 * order is kept. */
static void test_wrap_tx_delay(void **state)
{
	struct rig r;
	uint32_t i, seqs[8];
	const uint64_t t0 = 1000000, d = 5 * NG_NS_PER_MS;
	(void)state;

	rig_up(&r, "delay=5ms,dir=tx", 3);
	for (i = 0; i < 8; i++)
		assert_int_equal(ng_link_xmit(r.f, frame(r.pool, i), t0 + i), 0);
	assert_int_equal(ng_test_link_pending(r.inner), 0);
	assert_int_equal(ng_link_deadline(r.f), t0 + d);
	ng_link_poll(r.f, t0 + d - 1);
	assert_int_equal(ng_test_link_pending(r.inner), 0);
	ng_link_poll(r.f, t0 + d + 3);
	assert_int_equal(drain_tx(&r, seqs, 8), 4);
	assert_int_equal(ng_link_deadline(r.f), t0 + d + 4);
	ng_link_poll(r.f, t0 + d + 100);
	assert_int_equal(drain_tx(&r, seqs + 4, 4), 4);
	for (i = 0; i < 8; i++)
		assert_int_equal(seqs[i], i);
	assert_int_equal(ng_link_deadline(r.f), UINT64_MAX);
	rig_down(&r);
}

/* A delay on receive: the frame is taken from the inner link at once but handed up only when
 * recv is called at or after its time. */
static void test_wrap_rx_delay(void **state)
{
	struct rig r;
	struct ng_pkt *p = NULL;
	(void)state;

	rig_up(&r, "delay=2ms,dir=rx", 3);
	p = frame(r.pool, 7);
	ng_test_link_inject(r.inner, r.pool, ng_pkt_data(p), p->len);
	ng_pkt_free(p);
	assert_null(ng_link_recv(r.f, r.pool, 100));
	assert_int_equal(ng_link_deadline(r.f), 100 + 2 * NG_NS_PER_MS);
	assert_null(ng_link_recv(r.f, r.pool, 99 + 2 * NG_NS_PER_MS));
	p = ng_link_recv(r.f, r.pool, 100 + 2 * NG_NS_PER_MS);
	assert_non_null(p);
	assert_int_equal(seq_of(p), 7);
	ng_pkt_free(p);
	rig_down(&r);
}

/* Reordering on transmit: some frames are overtaken, none is lost or repeated. */
static void test_wrap_tx_reorder(void **state)
{
	struct rig r;
	uint32_t i, seqs[300], inversions = 0;
	bool seen[300] = {false};
	size_t n = 0;
	(void)state;

	rig_up(&r, "reorder=10%,dir=tx", 5);
	for (i = 0; i < 300; i++) {
		uint64_t now = (uint64_t)i * 100000; /* one frame per 100 us */
		ng_link_poll(r.f, now);
		assert_int_equal(ng_link_xmit(r.f, frame(r.pool, i), now), 0);
		n += drain_tx(&r, seqs + n, 300 - n);
	}
	ng_link_poll(r.f, UINT64_MAX - 1);
	n += drain_tx(&r, seqs + n, 300 - n);
	assert_int_equal(n, 300);
	for (i = 0; i < 300; i++) {
		assert_false(seen[seqs[i]]);
		seen[seqs[i]] = true;
		if (i && seqs[i] < seqs[i - 1])
			inversions++;
	}
	assert_in_range(inversions, 10, 60);
	rig_down(&r);
}

/* Held frames (both directions) are freed when the wrapper is destroyed. */
static void test_wrap_destroy_frees_held(void **state)
{
	struct rig r;
	uint32_t i;
	(void)state;

	rig_up(&r, "delay=1s,dup=50%", 6);
	for (i = 0; i < 20; i++) {
		struct ng_pkt *p = frame(r.pool, i);
		ng_test_link_inject(r.inner, r.pool, ng_pkt_data(p), p->len);
		ng_pkt_free(p);
		assert_int_equal(ng_link_xmit(r.f, frame(r.pool, i), 0), 0);
	}
	assert_null(ng_link_recv(r.f, r.pool, 0));
	assert_true(ng_pktpool_in_use(r.pool) >= 40);
	rig_down(&r);
}

/* A bad spec passed straight to the wrapper is refused, and the inner link is not leaked. */
static void test_wrap_rejects_bad_spec(void **state)
{
	struct ng_fault_spec s;
	struct ng_link *out = NULL;
	(void)state;

	memset(&s, 0, sizeof(s));
	s.loss = 2.0;
	s.tx = s.rx = true;
	assert_int_equal(ng_fault_wrap(ng_test_link_create(1500, mac), &s, 1, &out), -NG_EINVAL);
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_full_spec),
	    cmocka_unit_test(test_parse_forms),
	    cmocka_unit_test(test_parse_rejects),
	    cmocka_unit_test(test_parse_messages_name_the_problem),
	    cmocka_unit_test(test_wrap_transparent),
	    cmocka_unit_test(test_wrap_tx_loss),
	    cmocka_unit_test(test_wrap_rx_dup),
	    cmocka_unit_test(test_wrap_rx_corrupt),
	    cmocka_unit_test(test_wrap_tx_delay),
	    cmocka_unit_test(test_wrap_rx_delay),
	    cmocka_unit_test(test_wrap_tx_reorder),
	    cmocka_unit_test(test_wrap_destroy_frees_held),
	    cmocka_unit_test(test_wrap_rejects_bad_spec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
