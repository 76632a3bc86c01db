// SPDX-License-Identifier: MIT
/* Unit tests of the simulated wire: timing, each fault kind, bandwidth, queue, ownership. */
#include <string.h>

#include "testutil.h"

#define FRAME 100

struct rig {
	struct ng_pktpool *pa, *pb; /* the pools of the stacks at end A and end B */
	struct ng_link *a, *b;
};

static void rig_up(struct rig *r, const struct ng_sim_config *c)
{
	r->pa = ng_pktpool_create(4096, 2048);
	r->pb = ng_pktpool_create(4096, 2048);
	assert_non_null(r->pa);
	assert_non_null(r->pb);
	assert_int_equal(ng_sim_wire_create(c, &r->a, &r->b), 0);
}

/* Destroy the wire, then check that neither pool lost a packet. */
static void rig_down(struct rig *r)
{
	ng_link_destroy(r->a);
	ng_link_destroy(r->b);
	assert_int_equal(ng_pktpool_in_use(r->pa), 0);
	assert_int_equal(ng_pktpool_in_use(r->pb), 0);
	assert_int_equal(ng_pktpool_destroy(r->pa), 0);
	assert_int_equal(ng_pktpool_destroy(r->pb), 0);
}

/* A LEN-byte frame whose bytes are derived from SEQ (first 4 bytes: SEQ). */
static struct ng_pkt *frame(struct ng_pktpool *pool, uint32_t seq, uint32_t len)
{
	struct ng_pkt *p = ng_pkt_alloc(pool);
	uint8_t *d;

	assert_non_null(p);
	d = ng_pkt_put(p, len);
	assert_non_null(d);
	ng_test_fill(d, len, seq);
	memcpy(d, &seq, 4);
	return p;
}

static uint32_t seq_of(const struct ng_pkt *p)
{
	uint32_t s;
	memcpy(&s, ng_pkt_data(p), 4);
	return s;
}

static void send_frame(struct rig *r, struct ng_link *from, uint32_t seq, uint32_t len,
                       uint64_t now)
{
	struct ng_pktpool *pool = from == r->a ? r->pa : r->pb;
	assert_int_equal(ng_link_xmit(from, frame(pool, seq, len), now), 0);
}

static unsigned popcount8(uint8_t x)
{
	unsigned n = 0;
	for (; x; x &= (uint8_t)(x - 1))
		n++;
	return n;
}

/* A perfect wire with a delay: nothing before the delay, then everything in order, unchanged,
 * in the receiver's pool; the deadline names the arrival time exactly. */
static void test_perfect_in_order_after_delay(void **state)
{
	struct ng_sim_config c;
	struct ng_sim_stats st;
	struct rig r;
	uint64_t t0 = 5 * NG_NS_PER_SEC, delay = 3 * NG_NS_PER_MS;
	uint32_t i;
	(void)state;

	ng_sim_config_default(&c);
	c.delay_ns = delay;
	rig_up(&r, &c);
	assert_int_equal(ng_link_fd(r.a), -1);
	assert_int_equal(ng_link_deadline(r.b), UINT64_MAX);
	for (i = 0; i < 10; i++)
		send_frame(&r, r.a, i, FRAME + i, t0 + i * 1000);
	assert_int_equal(ng_link_deadline(r.b), t0 + delay);
	assert_int_equal(ng_link_deadline(r.a), UINT64_MAX); /* nothing travels towards A */
	assert_null(ng_link_recv(r.b, r.pb, t0 + delay - 1));
	assert_null(ng_link_recv(r.a, r.pa, t0 + delay + NG_NS_PER_SEC));
	for (i = 0; i < 10; i++) {
		uint8_t want[FRAME + 10];
		/* Each frame arrives exactly DELAY after it was sent. */
		assert_int_equal(ng_link_deadline(r.b), t0 + i * 1000 + delay);
		assert_null(ng_link_recv(r.b, r.pb, t0 + i * 1000 + delay - 1));
		struct ng_pkt *p = ng_link_recv(r.b, r.pb, t0 + i * 1000 + delay);
		assert_non_null(p);
		assert_ptr_equal(p->pool, r.pb);
		assert_int_equal(p->len, FRAME + i);
		ng_test_fill(want, FRAME + i, i);
		memcpy(want, &i, 4);
		assert_memory_equal(ng_pkt_data(p), want, FRAME + i);
		ng_pkt_free(p);
	}
	assert_null(ng_link_recv(r.b, r.pb, UINT64_MAX - 1));
	assert_int_equal(ng_link_deadline(r.b), UINT64_MAX);
	/* The originals went back to A's pool on delivery. */
	assert_int_equal(ng_pktpool_in_use(r.pa), 0);
	ng_sim_wire_stats(r.a, &st);
	assert_int_equal(st.sent, 10);
	assert_int_equal(st.delivered, 10);
	assert_int_equal(st.lost + st.duplicated + st.corrupted + st.reordered + st.queue_drops, 0);
	assert_int_equal(r.a->tx_frames, 10);
	assert_int_equal(r.b->rx_frames, 10);
	rig_down(&r);
}

/* Both directions are independent and the two ends have distinct MACs and the MTU. */
static void test_both_directions(void **state)
{
	struct ng_sim_config c;
	struct rig r;
	struct ng_pkt *p;
	(void)state;

	ng_sim_config_default(&c);
	c.mtu = 9000;
	rig_up(&r, &c);
	assert_int_equal(r.a->mtu, 9000);
	assert_int_equal(r.b->mtu, 9000);
	assert_memory_not_equal(r.a->mac, r.b->mac, 6);
	assert_int_equal(r.a->mac[0] & 3, 2); /* locally administered unicast */
	send_frame(&r, r.a, 1, FRAME, 100);
	send_frame(&r, r.b, 2, FRAME, 100);
	p = ng_link_recv(r.a, r.pa, 100);
	assert_non_null(p);
	assert_int_equal(seq_of(p), 2);
	ng_pkt_free(p);
	p = ng_link_recv(r.b, r.pb, 100);
	assert_non_null(p);
	assert_int_equal(seq_of(p), 1);
	ng_pkt_free(p);
	rig_down(&r);
}

/* Loss over many frames lands near the configured rate, and the same seed loses the same
 * frames. */
static void test_loss_rate_and_seed(void **state)
{
	struct ng_sim_config c;
	struct ng_sim_stats st;
	struct rig r, r2;
	uint32_t i, got = 0, same = 0;
	const uint32_t n = 10000;
	(void)state;

	ng_sim_config_default(&c);
	c.seed = 42;
	c.loss = 0.1;
	rig_up(&r, &c);
	rig_up(&r2, &c);
	for (i = 0; i < n; i++) {
		struct ng_pkt *p, *q;
		uint64_t now = 1000 + i;
		send_frame(&r, r.a, i, 64, now);
		send_frame(&r2, r2.a, i, 64, now);
		p = ng_link_recv(r.b, r.pb, now);
		q = ng_link_recv(r2.b, r2.pb, now);
		if (p) {
			assert_int_equal(seq_of(p), i);
			got++;
		}
		if (!!p == !!q)
			same++;
		ng_pkt_free(p);
		ng_pkt_free(q);
	}
	/* Binomial: mean 9000, sd 30; allow five sd. */
	assert_in_range(got, 9000 - 150, 9000 + 150);
	assert_int_equal(same, n);
	ng_sim_wire_stats(r.b, &st);
	assert_int_equal(st.sent, n);
	assert_int_equal(st.lost + st.delivered, n);
	assert_int_equal(st.delivered, got);
	rig_down(&r);
	rig_down(&r2);
}

/* dup=100%: every frame arrives twice, back to back; the clone comes from the sender's pool. */
static void test_dup(void **state)
{
	struct ng_sim_config c;
	struct ng_sim_stats st;
	struct rig r;
	struct ng_pkt *p;
	uint32_t i, k = 0, seqs[20];
	(void)state;

	ng_sim_config_default(&c);
	c.dup = 1.0;
	c.delay_ns = 1000;
	rig_up(&r, &c);
	for (i = 0; i < 10; i++)
		send_frame(&r, r.a, i, FRAME, 10);
	assert_int_equal(ng_pktpool_in_use(r.pa), 20);
	while ((p = ng_link_recv(r.b, r.pb, 2000))) {
		assert_true(k < 20);
		seqs[k++] = seq_of(p);
		ng_pkt_free(p);
	}
	assert_int_equal(k, 20);
	for (i = 0; i < 20; i++)
		assert_int_equal(seqs[i], i / 2);
	ng_sim_wire_stats(r.a, &st);
	assert_int_equal(st.duplicated, 10);
	assert_int_equal(st.delivered, 20);
	rig_down(&r);
}

/* A duplicate is skipped (not a crash, not a leak) when the sender's pool is empty. */
static void test_dup_pool_empty(void **state)
{
	struct ng_sim_config c;
	struct ng_sim_stats st;
	struct ng_link *a, *b;
	struct ng_pktpool *pa = ng_pktpool_create(1, 512), *pb = ng_pktpool_create(4, 512);
	struct ng_pkt *p;
	(void)state;

	ng_sim_config_default(&c);
	c.dup = 1.0;
	assert_int_equal(ng_sim_wire_create(&c, &a, &b), 0);
	p = ng_pkt_alloc(pa);
	ng_pkt_put(p, 60);
	assert_int_equal(ng_link_xmit(a, p, 0), 0);
	ng_sim_wire_stats(a, &st);
	assert_int_equal(st.duplicated, 0);
	p = ng_link_recv(b, pb, 0);
	assert_non_null(p);
	ng_pkt_free(p);
	assert_null(ng_link_recv(b, pb, 0));
	ng_link_destroy(a);
	ng_link_destroy(b);
	assert_int_equal(ng_pktpool_destroy(pa), 0);
	assert_int_equal(ng_pktpool_destroy(pb), 0);
}

/* corrupt=100%: each frame differs from what was sent in exactly one bit. */
static void test_corrupt_one_bit(void **state)
{
	struct ng_sim_config c;
	struct ng_sim_stats st;
	struct rig r;
	uint32_t i, j;
	(void)state;

	ng_sim_config_default(&c);
	c.corrupt = 1.0;
	c.seed = 7;
	rig_up(&r, &c);
	for (i = 0; i < 200; i++) {
		uint8_t want[FRAME];
		unsigned flipped = 0;
		struct ng_pkt *p;

		send_frame(&r, r.a, i, FRAME, i);
		p = ng_link_recv(r.b, r.pb, i);
		assert_non_null(p);
		assert_int_equal(p->len, FRAME);
		ng_test_fill(want, FRAME, i);
		memcpy(want, &i, 4);
		for (j = 0; j < FRAME; j++)
			flipped += popcount8(ng_pkt_data(p)[j] ^ want[j]);
		assert_int_equal(flipped, 1);
		ng_pkt_free(p);
	}
	ng_sim_wire_stats(r.a, &st);
	assert_int_equal(st.corrupted, 200);
	rig_down(&r);
}

/* Reordering: some frames are overtaken, every frame still arrives exactly once. */
static void test_reorder(void **state)
{
	struct ng_sim_config c;
	struct ng_sim_stats st;
	struct rig r;
	struct ng_pkt *p;
	uint32_t i, k = 0, inversions = 0, last = 0;
	bool seen[500] = {false};
	(void)state;

	ng_sim_config_default(&c);
	c.reorder = 0.1;
	c.delay_ns = NG_NS_PER_MS;
	c.seed = 3;
	rig_up(&r, &c);
	for (i = 0; i < 500; i++)
		send_frame(&r, r.a, i, FRAME, (uint64_t)i * 10000); /* one per 10 us */
	for (;;) {
		uint64_t t = ng_link_deadline(r.b);
		if (t == UINT64_MAX)
			break;
		while ((p = ng_link_recv(r.b, r.pb, t))) {
			uint32_t s = seq_of(p);
			assert_true(s < 500);
			assert_false(seen[s]);
			seen[s] = true;
			if (k && s < last)
				inversions++;
			last = s;
			k++;
			ng_pkt_free(p);
		}
	}
	assert_int_equal(k, 500);
	ng_sim_wire_stats(r.a, &st);
	assert_in_range(st.reordered, 25, 75);
	assert_true(inversions > 0);
	rig_down(&r);
}

/* Jitter keeps every arrival within [delay, delay + jitter] of its send time. */
static void test_jitter_bounds(void **state)
{
	struct ng_sim_config c;
	struct rig r;
	uint32_t i;
	uint64_t min = UINT64_MAX, max = 0;
	(void)state;

	ng_sim_config_default(&c);
	c.delay_ns = 2 * NG_NS_PER_MS;
	c.jitter_ns = NG_NS_PER_MS;
	rig_up(&r, &c);
	for (i = 0; i < 300; i++) {
		uint64_t t0 = (uint64_t)i * 10 * NG_NS_PER_MS, t;
		struct ng_pkt *p;

		send_frame(&r, r.a, i, FRAME, t0);
		t = ng_link_deadline(r.b);
		assert_null(ng_link_recv(r.b, r.pb, t - 1));
		p = ng_link_recv(r.b, r.pb, t);
		assert_non_null(p);
		ng_pkt_free(p);
		min = t - t0 < min ? t - t0 : min;
		max = t - t0 > max ? t - t0 : max;
	}
	assert_true(min >= c.delay_ns);
	assert_true(max <= c.delay_ns + c.jitter_ns);
	assert_true(max - min > c.jitter_ns / 2); /* it does vary */
	rig_down(&r);
}

/* A bandwidth limit spaces back-to-back frames by len*8/rate; arrival = end of serialisation +
 * delay. */
static void test_bandwidth_spacing(void **state)
{
	struct ng_sim_config c;
	struct rig r;
	uint32_t i;
	uint64_t t0 = NG_NS_PER_SEC, delay = 500000;
	const uint64_t per = 1000 * 8 * NG_NS_PER_SEC / 8000000; /* 1000 bytes at 8 Mbit/s: 1 ms */
	(void)state;

	ng_sim_config_default(&c);
	c.rate_bps = 8000000;
	c.delay_ns = delay;
	rig_up(&r, &c);
	for (i = 0; i < 5; i++)
		send_frame(&r, r.a, i, 1000, t0);
	for (i = 0; i < 5; i++) {
		uint64_t due = t0 + (i + 1) * per + delay;
		struct ng_pkt *p;

		assert_int_equal(ng_link_deadline(r.b), due);
		assert_null(ng_link_recv(r.b, r.pb, due - 1));
		p = ng_link_recv(r.b, r.pb, due);
		assert_non_null(p);
		assert_int_equal(seq_of(p), i);
		ng_pkt_free(p);
	}
	/* An idle link starts the next frame at once. */
	send_frame(&r, r.a, 9, 1000, t0 + NG_NS_PER_SEC);
	assert_int_equal(ng_link_deadline(r.b), t0 + NG_NS_PER_SEC + per + delay);
	rig_down(&r);
}

/* More than queue_limit frames waiting for the line: the excess is tail-dropped and counted;
 * once the queue drained, frames are accepted again. */
static void test_queue_limit(void **state)
{
	struct ng_sim_config c;
	struct ng_sim_stats st;
	struct rig r;
	struct ng_pkt *p;
	uint32_t i, k = 0;
	const uint64_t per = 1000 * 8 * NG_NS_PER_SEC / 8000000;
	(void)state;

	ng_sim_config_default(&c);
	c.rate_bps = 8000000;
	c.queue_limit = 4;
	rig_up(&r, &c);
	for (i = 0; i < 10; i++)
		send_frame(&r, r.a, i, 1000, 0);
	ng_sim_wire_stats(r.a, &st);
	assert_int_equal(st.queue_drops, 6);
	assert_int_equal(ng_pktpool_in_use(r.pa), 4);
	while ((p = ng_link_recv(r.b, r.pb, 4 * per))) {
		assert_int_equal(seq_of(p), k);
		k++;
		ng_pkt_free(p);
	}
	assert_int_equal(k, 4);
	/* After 4 ms the line is free again. */
	send_frame(&r, r.a, 20, 1000, 4 * per);
	ng_sim_wire_stats(r.a, &st);
	assert_int_equal(st.queue_drops, 6);
	rig_down(&r);
}

/* A frame larger than MTU + Ethernet header is refused and freed. */
static void test_oversize_refused(void **state)
{
	struct ng_sim_config c;
	struct rig r;
	(void)state;

	ng_sim_config_default(&c);
	c.mtu = 576;
	rig_up(&r, &c);
	assert_int_equal(ng_link_xmit(r.a, frame(r.pa, 1, 576 + 14 + 1), 0), -NG_EMSGSIZE);
	assert_int_equal(r.a->tx_errors, 1);
	assert_int_equal(ng_link_xmit(r.a, frame(r.pa, 2, 576 + 14), 0), 0);
	rig_down(&r);
}

/* A frame that finds the receiver's pool empty is dropped and counted, not leaked. */
static void test_receiver_pool_empty(void **state)
{
	struct ng_sim_config c;
	struct ng_link *a, *b;
	struct ng_pktpool *pa = ng_pktpool_create(8, 512), *pb = ng_pktpool_create(1, 512);
	struct ng_pkt *hold, *p;
	(void)state;

	ng_sim_config_default(&c);
	assert_int_equal(ng_sim_wire_create(&c, &a, &b), 0);
	hold = ng_pkt_alloc(pb); /* B's pool is now empty */
	p = ng_pkt_alloc(pa);
	ng_pkt_put(p, 60);
	assert_int_equal(ng_link_xmit(a, p, 0), 0);
	assert_null(ng_link_recv(b, pb, 0));
	assert_int_equal(b->rx_errors, 1);
	assert_int_equal(ng_pktpool_in_use(pa), 0);
	ng_pkt_free(hold);
	ng_link_destroy(a);
	ng_link_destroy(b);
	assert_int_equal(ng_pktpool_destroy(pa), 0);
	assert_int_equal(ng_pktpool_destroy(pb), 0);
}

/* Tearing down with frames in flight both ways returns every packet to its pool, whichever end
 * goes first; after one end is gone the other's frames are dropped. */
static void test_teardown_frees_in_flight(void **state)
{
	struct ng_sim_config c;
	struct rig r;
	uint32_t i;
	(void)state;

	ng_sim_config_default(&c);
	c.delay_ns = NG_NS_PER_SEC;
	c.dup = 0.5;
	c.rate_bps = 1000000;
	rig_up(&r, &c);
	for (i = 0; i < 50; i++) {
		send_frame(&r, r.a, i, 500, i);
		send_frame(&r, r.b, i, 500, i);
	}
	assert_true(ng_pktpool_in_use(r.pa) >= 50);
	assert_true(ng_pktpool_in_use(r.pb) >= 50);
	ng_link_destroy(r.b);
	assert_int_equal(ng_pktpool_in_use(r.pa), 0);
	assert_int_equal(ng_pktpool_in_use(r.pb), 0);
	/* The surviving end: its frames go nowhere and are not kept. */
	send_frame(&r, r.a, 99, 500, 100);
	assert_int_equal(ng_pktpool_in_use(r.pa), 0);
	assert_null(ng_link_recv(r.a, r.pa, UINT64_MAX - 1));
	ng_link_destroy(r.a);
	assert_int_equal(ng_pktpool_destroy(r.pa), 0);
	assert_int_equal(ng_pktpool_destroy(r.pb), 0);
}

/* Bad configurations are refused. */
static void test_bad_config(void **state)
{
	struct ng_sim_config c;
	struct ng_link *a, *b;
	(void)state;

	ng_sim_config_default(&c);
	c.loss = 1.5;
	assert_int_equal(ng_sim_wire_create(&c, &a, &b), -NG_EINVAL);
	ng_sim_config_default(&c);
	c.corrupt = -0.1;
	assert_int_equal(ng_sim_wire_create(&c, &a, &b), -NG_EINVAL);
	ng_sim_config_default(&c);
	c.mtu = 67;
	assert_int_equal(ng_sim_wire_create(&c, &a, &b), -NG_EINVAL);
	c.mtu = 65521;
	assert_int_equal(ng_sim_wire_create(&c, &a, &b), -NG_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_perfect_in_order_after_delay),
	    cmocka_unit_test(test_both_directions),
	    cmocka_unit_test(test_loss_rate_and_seed),
	    cmocka_unit_test(test_dup),
	    cmocka_unit_test(test_dup_pool_empty),
	    cmocka_unit_test(test_corrupt_one_bit),
	    cmocka_unit_test(test_reorder),
	    cmocka_unit_test(test_jitter_bounds),
	    cmocka_unit_test(test_bandwidth_spacing),
	    cmocka_unit_test(test_queue_limit),
	    cmocka_unit_test(test_oversize_refused),
	    cmocka_unit_test(test_receiver_pool_empty),
	    cmocka_unit_test(test_teardown_frees_in_flight),
	    cmocka_unit_test(test_bad_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
