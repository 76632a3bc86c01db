// SPDX-License-Identifier: MIT
/*
 * TCP output in batches: inside one ng_stack_pump the new data that ordinary cumulative ACKs
 * release waits for the end of the batch and leaves as one large TSO super-segment instead of
 * a small one per ACK, with the retransmission timer armed for it; duplicate ACKs (limited
 * transmit, RFC 3042) and the SACK-triggered fast retransmit (RFC 6675) still go at once, in
 * the middle of the batch; a connection reset later in the batch sends nothing at its end; and
 * outside a batch (ng_stack_input alone) every ACK still sends at once. Every frame popped is
 * checked by th_pop_frame, its partial checksum (the pseudo-header sum the TSO link finishes)
 * included.
 */
#include "tcp_harness.h"

#define A   NG_TCP_ACK
#define MSS 1460 /* the peer offers 1460 and no timestamps: SND.MSS = 1460 */

/* Pop the next frame and check it carries LEN bytes of data from SEQ. */
static void tx_expect(struct th *t, uint32_t seq, uint32_t len)
{
	struct th_frame s;

	assert_true(th_pop_frame(t, &s));
	assert_int_equal(s.h.seq, seq);
	assert_int_equal(s.len, len);
	assert_true(s.h.flags & A);
	assert_int_equal(s.gso_size, len > MSS ? MSS : 0);
}

static void tx_expect_none(struct th *t)
{
	struct th_frame s;

	if (th_pop_frame(t, &s))
		fail_msg("unexpected segment seq %u len %u", s.h.seq, s.len);
}

/* The frame of a peer ACK (TH_PEER:TH_PPORT -> TH_US:TH_SPORT, SEQ 101) of ACK with FLAGS and
 * SACK blocks [SL[i], SR[i]) (N of them), as a packet ready for ng_stack_input. */
static struct ng_pkt *ack_pkt(struct th *t, uint32_t ack, uint8_t flags, const uint32_t *sl,
                              const uint32_t *sr, unsigned n)
{
	uint8_t f[256];
	struct ng_eth_hdr eh;
	struct ng_ipv4_hdr ip;
	struct ng_tcp_hdr h;
	struct ng_pkt *p;
	size_t hlen;

	memcpy(eh.dst, th_us_mac, 6);
	memcpy(eh.src, th_peer_mac, 6);
	eh.type = NG_ETH_P_IPV4;
	assert_int_equal(ng_eth_emit(f, sizeof(f), &eh), NG_ETH_HLEN);
	memset(&h, 0, sizeof(h));
	h.sport = TH_PPORT;
	h.dport = TH_SPORT;
	h.seq = 101;
	h.ack = ack;
	h.flags = flags;
	h.win = 65535;
	for (unsigned i = 0; i < n; i++) {
		h.opt.sack[i].left = sl[i];
		h.opt.sack[i].right = sr[i];
	}
	h.opt.sack_n = (uint8_t)n;
	hlen = NG_TCP_HLEN + ng_tcp_opts_len(&h.opt);
	memset(&ip, 0, sizeof(ip));
	ip.hlen = NG_IP_HLEN;
	ip.tot_len = (uint16_t)(NG_IP_HLEN + hlen);
	ip.ttl = 64;
	ip.proto = NG_IP_PROTO_TCP;
	ip.src = TH_PEER;
	ip.dst = TH_US;
	assert_int_equal(ng_ipv4_emit(f + NG_ETH_HLEN, sizeof(f) - NG_ETH_HLEN, &ip), NG_IP_HLEN);
	assert_int_not_equal(ng_tcp_emit(f + NG_ETH_HLEN + NG_IP_HLEN, hlen, TH_PEER, TH_US, &h, 0),
	                     0);
	p = ng_pkt_alloc(ng_stack_pool(t->st));
	assert_non_null(p);
	assert_non_null(ng_pkt_put(p, (uint32_t)(NG_ETH_HLEN + NG_IP_HLEN + hlen)));
	memcpy(ng_pkt_data(p), f, NG_ETH_HLEN + NG_IP_HLEN + hlen);
	return p;
}

/* Queue a plain ACK of ACK on the link for the next pump. */
static void queue_ack(struct th *t, uint32_t ack)
{
	struct ng_pkt *p = ack_pkt(t, ack, A, NULL, NULL, 0);

	ng_test_link_inject(t->h.link, ng_stack_pool(t->st), ng_pkt_data(p), p->len);
	ng_pkt_free(p);
}

/* natgate as server on a TSO link (the peer: MSS 1460, SACK if SACK_OK, no timestamps, window
 * 65535), with LEN bytes of D queued: the initial window (RFC 6928: 10 MSS) goes out as one
 * super-segment. Returns the connection. */
static struct ng_tcp_sock *server_flight(struct th *t, struct ng_tcp_sock **l, bool sack_ok,
                                         const uint8_t *d, size_t len)
{
	struct ng_tcp_opts o;
	struct ng_tcp_sock *c;

	memset(&o, 0, sizeof(o));
	o.mss_ok = true;
	o.mss = MSS;
	o.sack_permitted = sack_ok;
	c = th_server(t, l, NULL, 65535, &o);
	/* offloads from here on (th_server checks full checksums on the handshake): the link's,
	 * and the connection's copy it took when its MSS was set up */
	t->h.link->tx_offload = NG_LINK_TX_CSUM | NG_LINK_TX_TSO4;
	c->tx_offload = t->h.link->tx_offload;
	assert_int_equal(ng_tcp_send(c, d, len), (long)len);
	tx_expect(t, 2001, 10 * MSS);
	tx_expect_none(t);
	return c;
}

/* Five ACKs of two segments each in one batch: slow start lets 20 MSS out, and they leave at
 * the end of the batch as one 20-MSS super-segment, not as five of 4 MSS; the retransmission
 * timer runs for it (its first segment goes again at the RTO). The same five ACKs handed in
 * outside a batch each send their 4 MSS at once, as before. */
static void test_acks_in_batch_send_once(void **state)
{
	static uint8_t d[200000];
	(void)state;

	ng_test_fill(d, sizeof(d), 3);
	for (unsigned batch = 0; batch < 2; batch++) {
		struct ng_tcp_sock *c, *l;
		struct th t;
		struct th_frame s;
		uint64_t dl;

		th_init(&t, 11 + batch);
		c = server_flight(&t, &l, false, d, sizeof(d));
		for (unsigned k = 1; k <= 5; k++) {
			if (batch) {
				queue_ack(&t, 2001 + 2 * k * MSS);
				continue;
			}
			ng_stack_input(t.st, t.h.ifc,
			               ack_pkt(&t, 2001 + 2 * k * MSS, A, NULL, NULL, 0));
			/* each ACK of 2 MSS: 2 MSS more in flight room plus 2 MSS of growth */
			tx_expect(&t, 2001 + 10 * MSS + 4 * (k - 1) * MSS, 4 * MSS);
			tx_expect_none(&t);
		}
		if (batch) {
			assert_int_equal(ng_stack_pump(t.st, 0), 5);
			tx_expect(&t, 2001 + 10 * MSS, 20 * MSS);
			tx_expect_none(&t);
		} else {
			ng_stack_poll(t.st, t.now);
			tx_expect_none(&t);
		}
		/* nothing more acknowledged: the RTO retransmits the first segment in flight */
		dl = ng_stack_deadline(t.st);
		assert_true(dl > t.now && dl <= t.now + 2 * NG_NS_PER_SEC);
		th_advance(&t, 2 * NG_NS_PER_SEC);
		assert_true(th_pop_frame(&t, &s));
		assert_int_equal(s.h.seq, 2001 + 10 * MSS);
		assert_int_equal(s.len, MSS);
		ng_tcp_abort(c);
		ng_tcp_close(l);
		while (th_pop_frame(&t, &s))
			;
		th_fini(&t);
	}
}

/* Inside a batch (driven here frame by frame, as ng_stack_pump does, to see what leaves when):
 * an ordinary ACK's new data waits; the duplicate ACKs that follow send at once: limited
 * transmit's new segment (RFC 3042) with what the first ACK allowed, and on the third the
 * SACK-triggered fast retransmit of the hole (RFC 6675 5), before the batch ends. */
static void test_dupacks_in_batch_go_at_once(void **state)
{
	static uint8_t d[200000];
	uint32_t una = 2001 + 2 * MSS, sl[1], sr[1];
	struct ng_tcp_sock *c, *l;
	struct ng_tcp_info info;
	struct th_frame s;
	struct th t;
	(void)state;

	ng_test_fill(d, sizeof(d), 5);
	th_init(&t, 21);
	c = server_flight(&t, &l, true, d, sizeof(d));

	t.st->tcp->in_batch = true; /* what ng_stack_pump does before its first frame */
	ng_stack_input(t.st, t.h.ifc, ack_pkt(&t, una, A, NULL, NULL, 0));
	tx_expect_none(&t); /* deferred: 4 MSS wait for the batch's end */

	/* the segment at UNA is lost; the peer SACKs the ones after it */
	sl[0] = una + MSS;
	sr[0] = una + 2 * MSS;
	ng_stack_input(t.st, t.h.ifc, ack_pkt(&t, una, A, sl, sr, 1));
	/* at once: the deferred 4 MSS and limited transmit's one more */
	tx_expect(&t, 2001 + 10 * MSS, 5 * MSS);
	tx_expect_none(&t);
	sr[0] = una + 3 * MSS;
	ng_stack_input(t.st, t.h.ifc, ack_pkt(&t, una, A, sl, sr, 1));
	tx_expect(&t, 2001 + 15 * MSS, MSS);
	tx_expect_none(&t);
	sr[0] = una + 4 * MSS;
	ng_stack_input(t.st, t.h.ifc, ack_pkt(&t, una, A, sl, sr, 1));
	/* the third duplicate: the hole goes again now, before the batch ends */
	assert_true(th_pop_frame(&t, &s));
	assert_int_equal(s.h.seq, una);
	assert_int_equal(s.len, MSS);
	ng_tcp_get_info(c, &info);
	assert_int_equal(info.retransmits, 1);
	while (th_pop_frame(&t, &s))
		assert_true(tcp_seq_geq(s.h.seq, una + 4 * MSS)); /* recovery sends by pipe */
	ng_tcp_flush_acks(t.st);
	assert_false(t.st->tcp->in_batch);
	while (th_pop_frame(&t, &s))
		assert_true(s.len <= MSS); /* nothing held back for a super-segment */

	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop_frame(&t, &s))
		;
	th_fini(&t);
}

/* An ACK defers the output, then a RST (exact: SEQ = RCV.NXT) in the same batch resets the
 * connection: the end of the batch sends nothing for it. */
static void test_reset_before_flush(void **state)
{
	static uint8_t d[100000];
	struct ng_tcp_sock *c, *l;
	struct ng_pkt *p;
	struct th t;
	(void)state;

	ng_test_fill(d, sizeof(d), 9);
	th_init(&t, 31);
	c = server_flight(&t, &l, false, d, sizeof(d));
	queue_ack(&t, 2001 + 4 * MSS);
	p = ack_pkt(&t, 0, NG_TCP_RST, NULL, NULL, 0);
	ng_test_link_inject(t.h.link, ng_stack_pool(t.st), ng_pkt_data(p), p->len);
	ng_pkt_free(p);
	assert_int_equal(ng_stack_pump(t.st, 0), 2);
	tx_expect_none(&t);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_CLOSED);
	ng_tcp_close(c);
	ng_tcp_close(l);
	th_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_acks_in_batch_send_once),
	    cmocka_unit_test(test_dupacks_in_batch_go_at_once),
	    cmocka_unit_test(test_reset_before_flush),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
