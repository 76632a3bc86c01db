// SPDX-License-Identifier: MIT
/* IPv4 reassembly: orders, duplicates, overlaps, timeout with ICMP, memory and slot bounds. */
#include "nettest.h"

#define DPORT 7000

struct rx {
	unsigned n;
	size_t len;
	uint8_t data[65536];
};

static void on_rx(struct ng_udp_sock *s, void *ctx, uint32_t src, uint16_t sport,
                  const uint8_t *data, size_t len)
{
	struct rx *r = ctx;
	(void)s;
	assert_int_equal(src, NT_PEER);
	assert_int_equal(sport, 1234);
	r->n++;
	r->len = len;
	memcpy(r->data, data, len);
}

/* A UDP datagram (LEN payload bytes from SEED) cut into fragments of FRAG payload bytes. */
struct frags {
	uint8_t dgram[65536]; /* the UDP datagram */
	size_t dlen;
	unsigned n;
	uint32_t off[8192], len[8192];
};

static void make_frags(struct frags *fr, size_t len, uint64_t seed, uint32_t frag)
{
	static uint8_t data[65536];
	ng_test_fill(data, len, seed);
	fr->dlen = nt_udp(fr->dgram, NT_PEER, NT_US, 1234, DPORT, data, len, true);
	fr->n = 0;
	for (uint32_t off = 0; off < fr->dlen; off += frag) {
		fr->off[fr->n] = off;
		fr->len[fr->n] = (uint32_t)NG_MIN((size_t)frag, fr->dlen - off);
		fr->n++;
	}
}

/* Inject fragment I of FR as part of datagram ID. */
static void send_frag(struct ng_test_host *h, const struct frags *fr, unsigned i, uint16_t id)
{
	static uint8_t f[2048];
	bool mf = fr->off[i] + fr->len[i] < fr->dlen;
	uint16_t word = (uint16_t)((mf ? 0x2000 : 0) | (fr->off[i] / 8));
	size_t n =
	    nt_frame(f, NT_PEER, NT_US, 17, id, word, 64, fr->dgram + fr->off[i], fr->len[i]);
	nt_inject(h, f, n);
}

struct ctx {
	struct ng_test_host h;
	struct ng_udp_sock *s;
	struct rx rx;
	struct frags fr;
};

static void setup_cfg(struct ctx *c, const struct ng_stack_config *cfg)
{
	if (cfg)
		nt_host_cfg(&c->h, cfg, NT_US, 24, 0);
	else
		ng_test_host_create(&c->h, NT_US, 24, 0, 1);
	nt_learn(&c->h, NT_PEER, nt_peer_mac);
	memset(&c->rx, 0, sizeof(c->rx));
	assert_int_equal(ng_udp_open(c->h.st, 0, DPORT, on_rx, NULL, &c->rx, &c->s), 0);
}

static void teardown_ctx(struct ctx *c)
{
	ng_udp_close(c->s);
	ng_test_host_destroy(&c->h);
}

static void expect_delivered(struct ctx *c, unsigned n)
{
	assert_int_equal(c->rx.n, n);
	assert_int_equal(c->rx.len, c->fr.dlen - 8);
	assert_memory_equal(c->rx.data, c->fr.dgram + 8, c->fr.dlen - 8);
}

static struct ctx *new_ctx(void)
{
	struct ctx *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	return c;
}

static void test_in_order_and_reverse(void **state)
{
	struct ctx *c = new_ctx();
	(void)state;

	setup_cfg(c, NULL);
	make_frags(&c->fr, 4000, 1, 1480);
	for (unsigned i = 0; i < c->fr.n; i++) {
		assert_int_equal(c->rx.n, 0);
		send_frag(&c->h, &c->fr, i, 100);
	}
	expect_delivered(c, 1);
	assert_int_equal(ng_pktpool_in_use(ng_stack_pool(c->h.st)), 0);
	make_frags(&c->fr, 3000, 2, 8);
	for (unsigned i = c->fr.n; i-- > 0;)
		send_frag(&c->h, &c->fr, i, 101);
	expect_delivered(c, 2);
	assert_int_equal(ng_stack_stats(c->h.st)->counters[NG_CNT_IP_REASM_OK], 2);
	assert_int_equal(ng_pktpool_in_use(ng_stack_pool(c->h.st)), 0);
	teardown_ctx(c);
	free(c);
}

static void test_random_order_and_duplicates(void **state)
{
	struct ctx *c = new_ctx();
	static unsigned order[1024];
	(void)state;

	setup_cfg(c, NULL);
	for (unsigned seed = 1; seed <= 20; seed++) {
		struct ng_rng r;
		ng_rng_seed(&r, seed);
		make_frags(&c->fr, 5000 + seed * 37, seed, 8 * (10 + ng_rng_below(&r, 90)));
		assert_true(c->fr.n <= NG_ARRAY_SIZE(order));
		for (unsigned i = 0; i < c->fr.n; i++)
			order[i] = i;
		for (unsigned i = c->fr.n; i > 1; i--) {
			unsigned j = ng_rng_below(&r, i), t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		for (unsigned i = 0; i < c->fr.n; i++) {
			send_frag(&c->h, &c->fr, order[i], (uint16_t)(200 + seed));
			if (seed % 2 && i + 1 < c->fr.n) /* odd seeds: every fragment twice */
				send_frag(&c->h, &c->fr, order[i], (uint16_t)(200 + seed));
		}
		expect_delivered(c, seed);
		/* A late duplicate starts a new datagram that never completes (and times out). */
	}
	assert_int_equal(ng_stack_stats(c->h.st)->drops[NG_DROP_IP_FRAG_OVERLAP], 0);
	teardown_ctx(c);
	free(c);
}

static void test_overlap_dropped(void **state)
{
	struct ctx *c = new_ctx();
	static uint8_t f[2048], evil[1480];
	size_t n;
	(void)state;

	setup_cfg(c, NULL);
	make_frags(&c->fr, 4000, 3, 1480);
	send_frag(&c->h, &c->fr, 0, 300);
	/* [1000, 2480) with other bytes overlaps [0, 1480): the whole datagram goes. */
	memset(evil, 0xa5, sizeof(evil));
	n = nt_frame(f, NT_PEER, NT_US, 17, 300, 0x2000 | (1000 / 8), 64, evil, sizeof(evil));
	nt_inject(&c->h, f, n);
	assert_int_equal(ng_stack_stats(c->h.st)->drops[NG_DROP_IP_FRAG_OVERLAP], 1);
	assert_int_equal(ng_pktpool_in_use(ng_stack_pool(c->h.st)), 0);
	/* The remaining genuine fragments cannot complete it. */
	send_frag(&c->h, &c->fr, 1, 300);
	send_frag(&c->h, &c->fr, 2, 300);
	assert_int_equal(c->rx.n, 0);
	/* A same-offset fragment with different bytes is an overlap too. */
	send_frag(&c->h, &c->fr, 0, 301);
	memcpy(evil, c->fr.dgram, 1480);
	evil[100] ^= 1;
	n = nt_frame(f, NT_PEER, NT_US, 17, 301, 0x2000, 64, evil, sizeof(evil));
	nt_inject(&c->h, f, n);
	assert_int_equal(ng_stack_stats(c->h.st)->drops[NG_DROP_IP_FRAG_OVERLAP], 2);
	teardown_ctx(c);
	free(c);
}

static void test_timeout_icmp(void **state)
{
	struct ctx *c = new_ctx();
	struct nt_ipf ipf;
	struct ng_pkt *p;
	uint64_t t0;
	(void)state;

	setup_cfg(c, NULL);
	t0 = ng_stack_now(c->h.st);
	make_frags(&c->fr, 4000, 4, 1480);
	send_frag(&c->h, &c->fr, 0, 400); /* first fragment: time exceeded when it expires */
	send_frag(&c->h, &c->fr, 2, 401); /* only the last one: silent expiry */
	assert_int_equal(ng_pktpool_in_use(ng_stack_pool(c->h.st)), 2);
	ng_stack_poll(c->h.st, t0 + 30 * NG_NS_PER_SEC - 1);
	assert_int_equal(ng_test_link_pending(c->h.link), 0);
	ng_stack_poll(c->h.st, t0 + 30 * NG_NS_PER_SEC);
	assert_int_equal(ng_stack_stats(c->h.st)->drops[NG_DROP_IP_FRAG_TIMEOUT], 2);
	assert_int_equal(ng_test_link_pending(c->h.link), 1);
	p = ng_test_link_pop(c->h.link);
	nt_parse(p, &ipf);
	assert_int_equal(ipf.proto, 1);
	assert_int_equal(ipf.dst, NT_PEER);
	assert_int_equal(ipf.l4[0], 11);
	assert_int_equal(ipf.l4[1], 1);
	assert_int_equal(ng_csum(ipf.l4, ipf.l4_len), 0);
	/* It quotes the first fragment's header (MF set, id 400) and the start of its data. */
	assert_int_equal(ng_get16(ipf.l4 + 8 + 4), 400);
	assert_int_equal(ng_get16(ipf.l4 + 8 + 6), 0x2000);
	assert_memory_equal(ipf.l4 + 8 + 20, c->fr.dgram, 8);
	ng_pkt_free(p);
	assert_int_equal(ng_pktpool_in_use(ng_stack_pool(c->h.st)), 0);
	teardown_ctx(c);
	free(c);
}

static void test_memory_bound(void **state)
{
	struct ng_stack_config cfg;
	struct ctx *c = new_ctx();
	struct frags *b = calloc(1, sizeof(*b));
	(void)state;

	nt_cfg(&cfg);
	cfg.reasm_max_bytes = 4000;
	setup_cfg(c, &cfg);
	make_frags(&c->fr, 4000, 5, 1480);
	make_frags(b, 2000, 6, 1480);
	send_frag(&c->h, &c->fr, 0, 500);
	send_frag(&c->h, &c->fr, 1, 500); /* 2960 bytes held */
	send_frag(&c->h, b, 0, 501);      /* 1480 more would pass 4000: the older goes */
	assert_int_equal(ng_stack_stats(c->h.st)->drops[NG_DROP_IP_FRAG_NOSLOT], 1);
	send_frag(&c->h, &c->fr, 2, 500); /* a new, never-complete datagram */
	send_frag(&c->h, b, 1, 501);
	assert_int_equal(c->rx.n, 1);
	assert_int_equal(c->rx.len, 2000);
	/* One datagram larger than the whole budget cannot be reassembled. */
	make_frags(&c->fr, 6000, 7, 1480);
	for (unsigned i = 0; i < c->fr.n; i++)
		send_frag(&c->h, &c->fr, i, 502);
	assert_int_equal(c->rx.n, 1);
	teardown_ctx(c);
	free(b);
	free(c);
}

static void test_slots_bound(void **state)
{
	struct ng_stack_config cfg;
	struct ctx *c = new_ctx();
	(void)state;

	nt_cfg(&cfg);
	cfg.reasm_slots = 2;
	setup_cfg(c, &cfg);
	make_frags(&c->fr, 3000, 8, 1480);
	send_frag(&c->h, &c->fr, 0, 600);
	send_frag(&c->h, &c->fr, 0, 601);
	send_frag(&c->h, &c->fr, 0, 602); /* evicts 600 */
	assert_int_equal(ng_stack_stats(c->h.st)->drops[NG_DROP_IP_FRAG_NOSLOT], 1);
	assert_int_equal(ng_pktpool_in_use(ng_stack_pool(c->h.st)), 2);
	for (unsigned i = 1; i < c->fr.n; i++)
		send_frag(&c->h, &c->fr, i, 601);
	expect_delivered(c, 1);
	teardown_ctx(c);
	free(c);
}

static void test_too_big_and_bad(void **state)
{
	struct ctx *c = new_ctx();
	static uint8_t f[2048], pl[1480];
	size_t n;
	(void)state;

	setup_cfg(c, NULL);
	/* Offset 65000 + 600 bytes: past 65535. */
	n = nt_frame(f, NT_PEER, NT_US, 17, 700, 65000 / 8, 64, pl, 600);
	nt_inject(&c->h, f, n);
	assert_int_equal(ng_stack_stats(c->h.st)->drops[NG_DROP_IP_FRAG_TOO_BIG], 1);
	/* Not a multiple of 8 in a middle fragment. */
	n = nt_frame(f, NT_PEER, NT_US, 17, 701, 0x2000, 64, pl, 13);
	nt_inject(&c->h, f, n);
	/* Two last fragments that disagree on the end. */
	n = nt_frame(f, NT_PEER, NT_US, 17, 702, 100, 64, pl, 16);
	nt_inject(&c->h, f, n);
	n = nt_frame(f, NT_PEER, NT_US, 17, 702, 200, 64, pl, 16);
	nt_inject(&c->h, f, n);
	/* Data past the known end. */
	n = nt_frame(f, NT_PEER, NT_US, 17, 703, 10, 64, pl, 16);
	nt_inject(&c->h, f, n);
	n = nt_frame(f, NT_PEER, NT_US, 17, 703, 0x2000 | 20, 64, pl, 16);
	nt_inject(&c->h, f, n);
	assert_int_equal(ng_stack_stats(c->h.st)->drops[NG_DROP_IP_FRAG_BAD], 3);
	assert_int_equal(ng_pktpool_in_use(ng_stack_pool(c->h.st)), 0);
	assert_int_equal(c->rx.n, 0);
	teardown_ctx(c);
	free(c);
}

/* The largest datagram, 45 fragments, arriving in a scrambled order. */
static void test_max_size(void **state)
{
	struct ctx *c = new_ctx();
	(void)state;

	setup_cfg(c, NULL);
	make_frags(&c->fr, 65507, 9, 1480);
	assert_int_equal(c->fr.n, 45);
	for (unsigned i = 0; i < c->fr.n; i++)
		send_frag(&c->h, &c->fr, (i * 7) % 45, 800);
	expect_delivered(c, 1);
	assert_int_equal(ng_pktpool_in_use(ng_stack_pool(c->h.st)), 0);
	teardown_ctx(c);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_in_order_and_reverse),
	    cmocka_unit_test(test_random_order_and_duplicates),
	    cmocka_unit_test(test_overlap_dropped),
	    cmocka_unit_test(test_timeout_icmp),
	    cmocka_unit_test(test_memory_bound),
	    cmocka_unit_test(test_slots_bound),
	    cmocka_unit_test(test_too_big_and_bad),
	    cmocka_unit_test(test_max_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
