// SPDX-License-Identifier: MIT
/*
 * TCP receive in batches: the in-order data of one ng_stack_pump draws one ACK (RFC 5681 4.2's
 * every-second-segment rule met at the end of the batch, as Linux gets from GRO) while
 * out-of-order data is still acknowledged at once with SACK blocks, a filled gap at once, and
 * a lone small segment by the delayed-ACK timer; and super-segments (longer than RCV.MSS, their
 * checksum vouched for by the link: NG_PKT_F_CSUM_VALID / _PARTIAL) taken whole, delivered
 * intact, acknowledged once and trimmed to the window like any segment.
 */
#include "tcp_harness.h"

#define A  NG_TCP_ACK
#define MS NG_NS_PER_MS

/* Build the frame of a peer segment (TH_PEER:TH_PPORT -> TH_US:TH_SPORT) into F (CAP bytes);
 * returns its length. OPT may be NULL. */
static size_t frame(uint8_t *f, size_t cap, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
                    const void *data, size_t len, const struct ng_tcp_opts *opt)
{
	struct ng_eth_hdr eh;
	struct ng_ipv4_hdr ip;
	struct ng_tcp_hdr h;
	size_t hlen;

	memcpy(eh.dst, th_us_mac, 6);
	memcpy(eh.src, th_peer_mac, 6);
	eh.type = NG_ETH_P_IPV4;
	assert_int_equal(ng_eth_emit(f, cap, &eh), NG_ETH_HLEN);
	memset(&h, 0, sizeof(h));
	h.sport = TH_PPORT;
	h.dport = TH_SPORT;
	h.seq = seq;
	h.ack = ack;
	h.flags = flags;
	h.win = win;
	if (opt)
		h.opt = *opt;
	hlen = NG_TCP_HLEN + ng_tcp_opts_len(&h.opt);
	assert_true(NG_ETH_HLEN + NG_IP_HLEN + hlen + len <= cap);
	memset(&ip, 0, sizeof(ip));
	ip.hlen = NG_IP_HLEN;
	ip.tot_len = (uint16_t)(NG_IP_HLEN + hlen + len);
	ip.ttl = 64;
	ip.proto = NG_IP_PROTO_TCP;
	ip.src = TH_PEER;
	ip.dst = TH_US;
	assert_int_equal(ng_ipv4_emit(f + NG_ETH_HLEN, cap - NG_ETH_HLEN, &ip), NG_IP_HLEN);
	if (len)
		memcpy(f + NG_ETH_HLEN + NG_IP_HLEN + hlen, data, len);
	assert_int_not_equal(
	    ng_tcp_emit(f + NG_ETH_HLEN + NG_IP_HLEN, hlen + len, TH_PEER, TH_US, &h, len), 0);
	return NG_ETH_HLEN + NG_IP_HLEN + hlen + len;
}

/* Queue a peer segment on the link for the next pump (no pump). */
static void queue_seg(struct th *t, uint32_t seq, const void *data, size_t len)
{
	static uint8_t f[2048];
	size_t n = frame(f, sizeof(f), seq, 2001, A, 65535, data, len, NULL);

	ng_test_link_inject(t->h.link, ng_stack_pool(t->st), f, n);
}

/* Hand the stack frame F (N bytes) as a link would hand a kernel-made one: FLAGS and
 * GSO_SIZE set on the packet. No pump. */
static void input_flagged(struct th *t, const uint8_t *f, size_t n, uint8_t flags,
                          uint16_t gso_size)
{
	struct ng_pkt *p = ng_pkt_alloc(ng_stack_pool(t->st));

	assert_non_null(p);
	assert_non_null(ng_pkt_put(p, (uint32_t)n));
	memcpy(ng_pkt_data(p), f, n);
	p->flags = flags;
	p->gso_size = gso_size;
	ng_stack_input(t->st, t->h.ifc, p);
}

/* natgate as server; the peer's SYN offers MSS (and SACK if SACK_OK), no timestamps, so
 * RCV.MSS = MSS. */
static struct ng_tcp_sock *server(struct th *t, struct ng_tcp_sock **l, uint16_t mss, bool sack_ok,
                                  const struct ng_tcp_sockopts *so)
{
	struct ng_tcp_opts o;
	struct ng_tcp_sock *c;

	memset(&o, 0, sizeof(o));
	o.mss_ok = true;
	o.mss = mss;
	o.sack_permitted = sack_ok;
	c = th_server(t, l, so, 65535, &o);
	assert_int_equal(c->rcv_mss, mss);
	return c;
}

/* Read everything the socket holds into BUF (CAP bytes); returns the count. */
static size_t drain(struct ng_tcp_sock *c, uint8_t *buf, size_t cap)
{
	size_t got = 0;
	long n;

	while (got < cap && (n = ng_tcp_recv(c, buf + got, cap - got)) > 0)
		got += (size_t)n;
	return got;
}

/* Six full segments in one batch: one ACK for all of them, not three; then in-order data
 * followed by out-of-order data in one batch: each out-of-order segment draws its duplicate
 * ACK at once, with SACK blocks (RFC 5681 4.2, RFC 2018 4), and the batch's own ACK is not
 * repeated; the segment filling the gap is ACKed at once; a lone small segment waits for the
 * delayed-ACK timer. */
static void test_one_ack_per_batch(void **state)
{
	static uint8_t d[12000], got[12000];
	struct ng_tcp_sock *c, *l;
	struct th_seg s;
	struct th t;
	(void)state;

	ng_test_fill(d, sizeof(d), 7);
	th_init(&t, 7);
	c = server(&t, &l, 1000, true, NULL);

	for (unsigned k = 0; k < 6; k++)
		queue_seg(&t, 101 + 1000 * k, d + 1000 * k, 1000);
	ng_stack_pump(t.st, 0);
	th_expect(&t, &s, A, 2001, 6101, 0);
	assert_int_equal(s.h.opt.sack_n, 0);
	th_expect_none(&t);
	assert_int_equal(drain(c, got, sizeof(got)), 6000);
	assert_memory_equal(got, d, 6000);
	th_expect_none(&t); /* reading opened no window worth announcing (SWS) */

	/* [6101, 8101) in order, [9101, 11101) beyond a hole */
	queue_seg(&t, 6101, d + 6000, 1000);
	queue_seg(&t, 7101, d + 7000, 1000);
	queue_seg(&t, 9101, d + 9000, 1000);
	queue_seg(&t, 10101, d + 10000, 1000);
	ng_stack_pump(t.st, 0);
	th_expect(&t, &s, A, 2001, 8101, 0);
	assert_int_equal(s.h.opt.sack_n, 1);
	assert_int_equal(s.h.opt.sack[0].left, 9101);
	assert_int_equal(s.h.opt.sack[0].right, 10101);
	th_expect(&t, &s, A, 2001, 8101, 0);
	assert_int_equal(s.h.opt.sack_n, 1);
	assert_int_equal(s.h.opt.sack[0].left, 9101);
	assert_int_equal(s.h.opt.sack[0].right, 11101);
	th_expect_none(&t);

	/* the hole fills: ACKed at once, no block left */
	queue_seg(&t, 8101, d + 8000, 1000);
	ng_stack_pump(t.st, 0);
	th_expect(&t, &s, A, 2001, 11101, 0);
	assert_int_equal(s.h.opt.sack_n, 0);
	th_expect_none(&t);

	/* less than two segments' worth: the delayed ACK (40 ms) */
	queue_seg(&t, 11101, d + 11000, 500);
	ng_stack_pump(t.st, 0);
	th_expect_none(&t);
	th_advance(&t, 39 * MS);
	th_expect_none(&t);
	th_advance(&t, 1 * MS);
	th_expect(&t, &s, A, 2001, 11601, 0);
	th_expect_none(&t);
	assert_int_equal(drain(c, got, sizeof(got)), 5500);
	assert_memory_equal(got, d + 6000, 5500);

	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

/* An application that reads from its event callback, in the middle of the batch. */
struct reader {
	uint8_t buf[16000];
	size_t got;
	unsigned reads;
};

static void read_cb(struct ng_tcp_sock *s, void *ctx, unsigned ev)
{
	struct reader *r = ctx;
	long n;

	if (!(ev & NG_TCP_EV_READABLE))
		return;
	while ((n = ng_tcp_recv(s, r->buf + r->got, sizeof(r->buf) - r->got)) > 0) {
		r->got += (size_t)n;
		r->reads++;
	}
}

/* The application reads each segment as it arrives (from its callback): the window updates
 * those reads would send ride on the batch's one ACK instead; outside a batch a read that opens
 * the window announces it at once. */
static void test_window_update_in_batch(void **state)
{
	static uint8_t d[12000];
	static struct reader r;
	struct ng_tcp_sockopts so;
	struct ng_tcp_sock *c, *l;
	struct th_seg s;
	struct th t;
	(void)state;

	ng_test_fill(d, sizeof(d), 12);
	th_init(&t, 12);
	memset(&r, 0, sizeof(r));
	c = server(&t, &l, 1000, false, NULL);
	ng_tcp_set_callback(c, read_cb, &r);
	for (unsigned k = 0; k < 6; k++)
		queue_seg(&t, 101 + 1000 * k, d + 1000 * k, 1000);
	ng_stack_pump(t.st, 0);
	assert_int_equal(r.got, 6000);
	assert_true(r.reads >= 3);
	assert_memory_equal(r.buf, d, 6000);
	th_expect(&t, &s, A, 2001, 6101, 0);
	assert_int_equal(s.h.win, 65535);
	th_expect_none(&t);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;

	th_fini(&t);

	/* a full small buffer read outside any batch: the update goes at once */
	th_init(&t, 13);
	memset(&so, 0, sizeof(so));
	so.rcvbuf = 4000;
	c = server(&t, &l, 1000, false, &so);
	for (unsigned k = 0; k < 4; k++)
		queue_seg(&t, 101 + 1000 * k, d + 1000 * k, 1000);
	ng_stack_pump(t.st, 0);
	th_expect(&t, &s, A, 2001, 4101, 0);
	assert_int_equal(s.h.win, 0);
	th_expect_none(&t);
	{
		uint8_t b[4000];
		assert_int_equal(ng_tcp_recv(c, b, sizeof(b)), 4000);
		assert_memory_equal(b, d, 4000);
	}
	th_expect(&t, &s, A, 2001, 4101, 0);
	assert_int_equal(s.h.win, 4000);
	th_expect_none(&t);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

/* A connection whose ACK waits for the end of the batch is reset later in the same batch: no
 * ACK goes out for it; a listener's new connection in the same batch is answered as usual. */
static void test_reset_in_batch(void **state)
{
	static uint8_t d[2000], f[2048];
	struct ng_tcp_sock *c, *l;
	struct th t;
	size_t n;
	(void)state;

	ng_test_fill(d, sizeof(d), 14);
	th_init(&t, 14);
	c = server(&t, &l, 1000, false, NULL);
	queue_seg(&t, 101, d, 1000);
	queue_seg(&t, 1101, d + 1000, 1000);
	n = frame(f, sizeof(f), 2101, 0, NG_TCP_RST, 0, NULL, 0, NULL);
	ng_test_link_inject(t.h.link, ng_stack_pool(t.st), f, n);
	ng_stack_pump(t.st, 0);
	th_expect_none(&t);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_CLOSED);
	assert_int_equal(ng_tcp_error(c), -NG_ECONNRESET);
	ng_tcp_close(c);
	ng_tcp_close(l);
	th_fini(&t);
}

/* Frames handed in with ng_stack_input and no pump end their batch at the next poll. */
static void test_batch_ends_at_poll(void **state)
{
	static uint8_t d[3000], f[2048];
	struct ng_tcp_sock *c, *l;
	struct th_seg s;
	struct th t;
	(void)state;

	ng_test_fill(d, sizeof(d), 8);
	th_init(&t, 8);
	c = server(&t, &l, 1000, false, NULL);
	for (unsigned k = 0; k < 3; k++) {
		size_t n =
		    frame(f, sizeof(f), 101 + 1000 * k, 2001, A, 65535, d + 1000 * k, 1000, NULL);
		input_flagged(&t, f, n, 0, 0);
	}
	th_expect_none(&t);
	ng_stack_poll(t.st, t.now);
	th_expect(&t, &s, A, 2001, 3101, 0);
	th_expect_none(&t);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

#define SUPER (44 * 1460) /* a 64 KiB super-segment of 1460-byte segments */

/* A super-segment of 44 full segments with a checksum the link vouched for (NG_PKT_F_CSUM_VALID,
 * its checksum field wrong on purpose): taken whole, delivered intact, one ACK for it (it
 * counts as 44 segments for the every-second-segment rule). The same bytes without the flag
 * are dropped for the bad checksum; with NG_PKT_F_CSUM_PARTIAL (the field holds only the
 * pseudo-header sum) they are taken. The link's MTU is big here so that the Ethernet layer
 * takes the frame whatever its rule for super-segments. */
static void test_super_segment(void **state)
{
	static uint8_t d[2 * SUPER], got[2 * SUPER], f[SUPER + 200];
	struct ng_tcp_sock *c, *l;
	struct th_seg s;
	struct th t;
	size_t n;
	uint64_t bad;
	(void)state;

	ng_test_fill(d, sizeof(d), 9);
	th_init_mtu(&t, 9, 65520);
	c = server(&t, &l, 1460, true, NULL);

	n = frame(f, sizeof(f), 101, 2001, A, 65535, d, SUPER, NULL);
	f[NG_ETH_HLEN + NG_IP_HLEN + 16] ^= 0x5a; /* break the checksum */
	bad = ng_stack_stats(t.st)->drops[NG_DROP_TCP_CSUM];
	input_flagged(&t, f, n, 0, 1460);
	ng_stack_pump(t.st, 0);
	th_expect_none(&t);
	assert_int_equal(ng_stack_stats(t.st)->drops[NG_DROP_TCP_CSUM], bad + 1);
	assert_int_equal(ng_tcp_recv_avail(c), 0);

	input_flagged(&t, f, n, NG_PKT_F_CSUM_VALID, 1460);
	ng_stack_pump(t.st, 0);
	th_expect(&t, &s, A, 2001, 101 + SUPER, 0);
	th_expect_none(&t);

	/* the second as the kernel leaves it: pseudo-header sum in the field */
	n = frame(f, sizeof(f), 101 + SUPER, 2001, A, 65535, d + SUPER, SUPER, NULL);
	{
		uint8_t *tcp = f + NG_ETH_HLEN + NG_IP_HLEN;
		uint16_t ps = ng_csum_fold(ng_csum_pseudo(
		    TH_PEER, TH_US, NG_IP_PROTO_TCP, (uint16_t)(n - NG_ETH_HLEN - NG_IP_HLEN)));
		ng_put16(tcp + 16, ps);
	}
	input_flagged(&t, f, n, NG_PKT_F_CSUM_PARTIAL, 1460);
	ng_stack_pump(t.st, 0);
	th_expect(&t, &s, A, 2001, 101 + 2 * SUPER, 0);
	th_expect_none(&t);
	assert_int_equal(ng_stack_stats(t.st)->drops[NG_DROP_TCP_CSUM], bad + 1);

	assert_int_equal(drain(c, got, sizeof(got)), 2 * SUPER);
	assert_memory_equal(got, d, 2 * SUPER);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

/* On an ordinary MTU 1500 link: the kernel's super-segment as the TAP hands it with rx_whole
 * (gso_size 1460, partial checksum) passes Ethernet and IPv4 and is taken whole, two of them in
 * one batch drawing one ACK. */
static void test_super_segment_mtu1500(void **state)
{
	static uint8_t d[2 * SUPER], got[2 * SUPER], f[SUPER + 200];
	struct ng_tcp_sock *c, *l;
	struct th_seg s;
	struct th t;
	(void)state;

	ng_test_fill(d, sizeof(d), 11);
	th_init(&t, 11);
	c = server(&t, &l, 1460, true, NULL);
	for (unsigned k = 0; k < 2; k++) {
		size_t n = frame(f, sizeof(f), 101 + k * SUPER, 2001, A, 65535, d + k * SUPER,
		                 SUPER, NULL);
		uint16_t ps = ng_csum_fold(ng_csum_pseudo(
		    TH_PEER, TH_US, NG_IP_PROTO_TCP, (uint16_t)(n - NG_ETH_HLEN - NG_IP_HLEN)));
		ng_put16(f + NG_ETH_HLEN + NG_IP_HLEN + 16, ps);
		input_flagged(&t, f, n, NG_PKT_F_CSUM_PARTIAL, 1460);
	}
	ng_stack_pump(t.st, 0);
	th_expect(&t, &s, A, 2001, 101 + 2 * SUPER, 0);
	th_expect_none(&t);
	assert_int_equal(ng_stack_stats(t.st)->drops[NG_DROP_ETH_OVERSIZE], 0);
	assert_int_equal(drain(c, got, sizeof(got)), 2 * SUPER);
	assert_memory_equal(got, d, 2 * SUPER);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

/* A super-segment larger than the receive window is trimmed to it (RFC 9293 3.10.7.4) and
 * ACKed at once; one that starts below RCV.NXT has the duplicate part cut off (and reported as
 * a D-SACK block, RFC 2883); one beyond a hole is held out of order and SACKed at once. */
static void test_super_segment_window(void **state)
{
	static uint8_t d[3 * SUPER], got[3 * SUPER], f[SUPER + 200];
	struct ng_tcp_sockopts so;
	struct ng_tcp_sock *c, *l;
	struct th_seg s;
	struct th t;
	uint32_t wnd;
	size_t n;
	(void)state;

	ng_test_fill(d, sizeof(d), 10);
	th_init_mtu(&t, 10, 65520);
	memset(&so, 0, sizeof(so));
	so.rcvbuf = 40000;
	c = server(&t, &l, 1460, true, &so);
	wnd = c->rb.size;
	assert_true(wnd < SUPER);

	n = frame(f, sizeof(f), 101, 2001, A, 65535, d, SUPER, NULL);
	input_flagged(&t, f, n, NG_PKT_F_CSUM_VALID, 1460);
	ng_stack_pump(t.st, 0);
	th_expect(&t, &s, A, 2001, 101 + wnd, 0);
	assert_int_equal(s.h.win, 0);
	th_expect_none(&t);
	assert_int_equal(drain(c, got, sizeof(got)), wnd);
	assert_memory_equal(got, d, wnd);
	th_expect(&t, &s, A, 2001, 101 + wnd, 0); /* the window opens again */
	assert_int_equal((uint32_t)s.h.win << c->rcv_wscale, wnd);

	/* beyond a hole of 1460 bytes: held, SACKed at once */
	n = frame(f, sizeof(f), 101 + wnd + 1460, 2001, A, 65535, d + wnd + 1460, 20 * 1460, NULL);
	input_flagged(&t, f, n, NG_PKT_F_CSUM_VALID, 1460);
	ng_stack_pump(t.st, 0);
	th_expect(&t, &s, A, 2001, 101 + wnd, 0);
	assert_int_equal(s.h.opt.sack_n, 1);
	assert_int_equal(s.h.opt.sack[0].left, 101 + wnd + 1460);
	assert_int_equal(s.h.opt.sack[0].right, 101 + wnd + 21 * 1460);
	th_expect_none(&t);

	/* a super-segment from 1460 below RCV.NXT through the hole and over what is held */
	n = frame(f, sizeof(f), 101 + wnd - 1460, 2001, A, 65535, d + wnd - 1460, 10 * 1460, NULL);
	input_flagged(&t, f, n, NG_PKT_F_CSUM_VALID, 1460);
	ng_stack_pump(t.st, 0);
	th_expect(&t, &s, A, 2001, 101 + wnd + 21 * 1460, 0);
	assert_int_equal(s.h.opt.sack_n, 1); /* D-SACK of the duplicate part */
	assert_int_equal(s.h.opt.sack[0].left, 101 + wnd - 1460);
	assert_int_equal(s.h.opt.sack[0].right, 101 + wnd);
	th_expect_none(&t);
	assert_int_equal(drain(c, got, sizeof(got)), 21 * 1460);
	assert_memory_equal(got, d + wnd, 21 * 1460);

	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_ack_per_batch),
	    cmocka_unit_test(test_batch_ends_at_poll),
	    cmocka_unit_test(test_reset_in_batch),
	    cmocka_unit_test(test_window_update_in_batch),
	    cmocka_unit_test(test_super_segment),
	    cmocka_unit_test(test_super_segment_mtu1500),
	    cmocka_unit_test(test_super_segment_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
