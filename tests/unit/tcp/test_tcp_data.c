// SPDX-License-Identifier: MIT
/* Data transfer, reliability and flow control, segment by segment: retransmission timeouts and
 * ETIMEDOUT, RTT estimation, fast retransmit and NewReno, zero-window probing, Nagle, delayed
 * ACK, out-of-order reassembly, overlap trimming, PSH, urgent data, window scaling, MSS from the
 * MTU, ICMP frag-needed and keepalive. */
#include "tcp_harness.h"

#define A  NG_TCP_ACK
#define F  NG_TCP_FIN
#define S  NG_TCP_SYN
#define R  NG_TCP_RST
#define P  NG_TCP_PSH
#define U  NG_TCP_URG
#define MS NG_NS_PER_MS

static struct ng_tcp_opts mss_opt(uint16_t mss)
{
	struct ng_tcp_opts o;
	memset(&o, 0, sizeof(o));
	o.mss_ok = true;
	o.mss = mss;
	return o;
}

/* RFC 6298: the RTO (200 ms after a handshake with no measurable RTT) doubles on each timeout;
 * after cfg.tcp_retries retransmissions the connection is reset with ETIMEDOUT. */
static void test_rto_backoff_etimedout(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint16_t lp;
	uint64_t rto = 200 * MS;
	(void)state;

	th_init(&t, 40);
	c = th_client(&t, &lp, NULL, 65535, NULL);
	assert_int_equal(ng_tcp_send(c, "0123456789", 10), 10);
	th_expect(&t, &s, P | A, 101, 2001, 10);
	for (unsigned i = 0; i < 12; i++) {
		th_advance(&t, rto - MS);
		th_expect_none(&t);
		th_advance(&t, MS);
		th_expect(&t, &s, P | A, 101, 2001, 10);
		rto = rto * 2 > 60 * NG_NS_PER_SEC ? 60 * NG_NS_PER_SEC : rto * 2;
	}
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	th_advance(&t, rto);
	th_expect(&t, &s, R | A, 111, 2001, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_CLOSED);
	assert_int_equal(ng_tcp_error(c), -NG_ETIMEDOUT);
	assert_true(t.events & NG_TCP_EV_ERROR);
	assert_int_equal(ng_tcp_send(c, "x", 1), -NG_ETIMEDOUT);
	assert_int_equal(ng_tcp_count(t.st), 0);
	ng_tcp_close(c);
	th_fini(&t);
}

/* An unanswered SYN is sent 1 + tcp_syn_retries times, 1 s apart doubling, then ETIMEDOUT. */
static void test_syn_timeout(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint64_t rto = NG_NS_PER_SEC;
	(void)state;

	th_init(&t, 41);
	ng_tcp_test_set_isn(t.st, true, 100);
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, NULL, &c), 0);
	th_expect(&t, &s, S, 100, 0, 0);
	for (unsigned i = 0; i < 6; i++) {
		th_advance(&t, rto - MS);
		th_expect_none(&t);
		th_advance(&t, MS);
		th_expect(&t, &s, S, 100, 0, 0);
		rto *= 2;
	}
	th_advance(&t, 60 * NG_NS_PER_SEC);
	th_expect_none(&t);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_CLOSED);
	assert_int_equal(ng_tcp_error(c), -NG_ETIMEDOUT);
	assert_int_equal(t.events, NG_TCP_EV_ERROR | NG_TCP_EV_CLOSED);
	ng_tcp_close(c);
	th_fini(&t);
}

/* RFC 6298 2.2/2.3 estimates and Karn's rule: a retransmitted segment yields no sample. */
static void test_rtt_and_karn(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	struct ng_tcp_info in;
	uint16_t lp;
	(void)state;

	th_init(&t, 42);
	c = th_client(&t, &lp, NULL, 65535, NULL);
	assert_int_equal(ng_tcp_send(c, "abc", 3), 3);
	th_expect(&t, &s, P | A, 101, 2001, 3);
	th_advance(&t, 100 * MS);
	th_send(&t, 80, lp, 2001, 104, A, 65535, NULL, 0);
	ng_tcp_get_info(c, &in);
	/* second sample (the handshake gave 0): srtt = 7/8*0 + 100/8, rttvar = 3/4*0 + 100/4 */
	assert_int_equal(in.srtt_us, 12500);
	assert_int_equal(in.rttvar_us, 25000);
	assert_int_equal(in.rto_ms, 200); /* 12.5 + 4*25 = 112.5 ms, below the 200 ms floor */
	assert_int_equal(ng_tcp_send(c, "def", 3), 3);
	th_expect(&t, &s, P | A, 104, 2001, 3);
	th_advance(&t, 200 * MS);
	th_expect(&t, &s, P | A, 104, 2001, 3); /* retransmitted */
	th_advance(&t, 300 * MS);
	th_send(&t, 80, lp, 2001, 107, A, 65535, NULL, 0);
	ng_tcp_get_info(c, &in);
	assert_int_equal(in.srtt_us, 12500); /* Karn: no sample */
	assert_int_equal(in.retransmits, 1);
	ng_tcp_abort(c);
	th_fini(&t);
}

/* Three duplicate ACKs: fast retransmit; a partial ACK retransmits the next hole (RFC 6582);
 * the full ACK ends recovery with cwnd = min(ssthresh, FlightSize + SMSS). */
static void test_fast_retransmit_newreno(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	struct ng_tcp_opts o = mss_opt(1000);
	struct ng_tcp_info in;
	uint8_t d[5000];
	uint16_t lp;
	(void)state;

	th_init(&t, 43);
	c = th_client(&t, &lp, NULL, 65535, &o);
	c->cc = &tcp_cc_newreno; /* the windows below are NewReno's; CUBIC is the default */
	ng_test_fill(d, sizeof(d), 43);
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), 5000);
	for (unsigned i = 0; i < 5; i++)
		th_expect(&t, &s, i == 4 ? P | A : A, 101 + 1000 * i, 2001, 1000);
	th_expect_none(&t);
	th_send(&t, 80, lp, 2001, 1101, A, 65535, NULL, 0);
	th_send(&t, 80, lp, 2001, 1101, A, 65535, NULL, 0);
	th_send(&t, 80, lp, 2001, 1101, A, 65535, NULL, 0);
	th_expect_none(&t);
	th_send(&t, 80, lp, 2001, 1101, A, 65535, NULL, 0); /* third duplicate */
	th_expect(&t, &s, A, 1101, 2001, 1000);
	assert_memory_equal(s.data, d + 1000, 1000);
	ng_tcp_get_info(c, &in);
	assert_int_equal(in.ssthresh, 2000); /* FlightSize 4000 / 2 */
	assert_int_equal(in.cwnd, 2000 + 3 * 1000);
	th_send(&t, 80, lp, 2001, 2101, A, 65535, NULL, 0); /* partial ACK */
	th_expect(&t, &s, A, 2101, 2001, 1000);
	th_send(&t, 80, lp, 2001, 5101, A, 65535, NULL, 0); /* full ACK */
	ng_tcp_get_info(c, &in);
	assert_int_equal(in.cwnd, 1000);
	assert_int_equal(in.retransmits, 2);
	th_expect_none(&t);
	ng_tcp_abort(c);
	th_fini(&t);
}

/* A zero window: the persist timer probes with one byte, backing off, for as long as the peer
 * answers; when the window opens the data follows from SND.UNA. */
static void test_zero_window_probe(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint8_t d[100];
	uint16_t lp;
	(void)state;

	th_init(&t, 44);
	c = th_client(&t, &lp, NULL, 0, NULL);
	ng_test_fill(d, sizeof(d), 44);
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), 100);
	th_expect_none(&t);
	th_advance(&t, 200 * MS);
	th_expect(&t, &s, A, 101, 2001, 1);
	assert_int_equal(s.data[0], d[0]);
	th_send(&t, 80, lp, 2001, 101, A, 0, NULL, 0); /* still closed */
	th_advance(&t, 400 * MS - MS);
	th_expect_none(&t);
	th_advance(&t, MS);
	th_expect(&t, &s, A, 101, 2001, 1);
	th_send(&t, 80, lp, 2001, 101, A, 0, NULL, 0);
	/* probing goes on, backed off up to 60 s apart, past the retry limit, while answered */
	unsigned probes = 0;
	for (unsigned i = 0; i < 1500; i++) {
		th_advance(&t, NG_NS_PER_SEC);
		while (th_pop(&t, &s)) {
			assert_int_equal(s.h.seq, 101);
			assert_int_equal(s.len, 1);
			probes++;
			th_send(&t, 80, lp, 2001, 101, A, 0, NULL, 0);
		}
	}
	assert_true(probes > 25 && probes < 40);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	th_send(&t, 80, lp, 2001, 101, A, 65535, NULL, 0); /* opens */
	th_expect(&t, &s, P | A, 101, 2001, 100);
	assert_memory_equal(s.data, d, 100);
	ng_tcp_abort(c);
	th_fini(&t);
}

/* Nagle (RFC 1122 4.2.3.4): with data in flight, small writes wait for the ACK and go as one
 * segment; nodelay sends each at once. */
static void test_nagle(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	struct ng_tcp_sockopts so = {.nodelay = true};
	uint16_t lp;
	(void)state;

	th_init(&t, 45);
	c = th_client(&t, &lp, NULL, 65535, NULL);
	assert_int_equal(ng_tcp_send(c, "aaaaaaaaaa", 10), 10);
	th_expect(&t, &s, P | A, 101, 2001, 10);
	assert_int_equal(ng_tcp_send(c, "bbbbbbbbbb", 10), 10);
	assert_int_equal(ng_tcp_send(c, "cccccccccc", 10), 10);
	th_expect_none(&t);
	th_send(&t, 80, lp, 2001, 111, A, 65535, NULL, 0);
	th_expect(&t, &s, P | A, 111, 2001, 20);
	assert_memory_equal(s.data, "bbbbbbbbbbcccccccccc", 20);
	ng_tcp_abort(c);
	th_fini(&t);

	th_init(&t, 46);
	c = th_client(&t, &lp, &so, 65535, NULL);
	assert_int_equal(ng_tcp_send(c, "aaaaaaaaaa", 10), 10);
	th_expect(&t, &s, P | A, 101, 2001, 10);
	assert_int_equal(ng_tcp_send(c, "bbbbbbbbbb", 10), 10);
	th_expect(&t, &s, P | A, 111, 2001, 10);
	assert_int_equal(ng_tcp_send(c, "cccccccccc", 10), 10);
	th_expect(&t, &s, P | A, 121, 2001, 10);
	ng_tcp_abort(c);
	th_fini(&t);
}

/* Delayed ACK: at most cfg.tcp_delack_ns (40 ms) after data, at once on the second full-size
 * segment. */
static void test_delayed_ack(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	struct ng_tcp_opts o = mss_opt(1460);
	uint8_t d[1460];
	uint16_t lp;
	(void)state;

	th_init(&t, 47);
	c = th_client(&t, &lp, NULL, 65535, &o);
	ng_test_fill(d, sizeof(d), 47);
	th_send(&t, 80, lp, 2001, 101, P | A, 65535, d, 100);
	th_advance(&t, 39 * MS);
	th_expect_none(&t);
	th_advance(&t, MS);
	th_expect(&t, &s, A, 101, 2101, 0);
	th_send(&t, 80, lp, 2101, 101, A, 65535, d, 1460);
	th_expect_none(&t);
	th_send(&t, 80, lp, 3561, 101, A, 65535, d, 1460);
	th_expect(&t, &s, A, 101, 5021, 0);
	assert_int_equal(ng_tcp_recv_avail(c), 3020);
	ng_tcp_abort(c);
	th_fini(&t);
}

/* Out-of-order segments are kept and reassembled; each draws an immediate duplicate ACK, the
 * one that fills the gap an immediate ACK of everything. Overlaps and duplicates are trimmed. */
static void test_out_of_order_reassembly(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint8_t d[600], b[700];
	uint16_t lp;
	(void)state;

	th_init(&t, 48);
	c = th_client(&t, &lp, NULL, 65535, NULL);
	ng_test_fill(d, sizeof(d), 48);
	th_send(&t, 80, lp, 2101, 101, A, 65535, d + 100, 100);
	th_expect(&t, &s, A, 101, 2001, 0);
	th_send(&t, 80, lp, 2301, 101, A, 65535, d + 300, 100);
	th_expect(&t, &s, A, 101, 2001, 0);
	th_send(&t, 80, lp, 2351, 101, A, 65535, d + 350, 150); /* overlaps the last range */
	th_expect(&t, &s, A, 101, 2001, 0);
	assert_int_equal(ng_tcp_recv_avail(c), 0);
	th_send(&t, 80, lp, 2001, 101, A, 65535, d, 100); /* fills the first gap */
	th_expect(&t, &s, A, 101, 2201, 0);
	assert_int_equal(ng_tcp_recv_avail(c), 200);
	th_send(&t, 80, lp, 2151, 101, A, 65535, d + 150, 200); /* overlaps both sides */
	th_expect(&t, &s, A, 101, 2501, 0);
	th_send(&t, 80, lp, 2401, 101, P | A, 65535, d + 400, 200); /* half duplicate */
	assert_int_equal(ng_tcp_recv_avail(c), 600);
	assert_int_equal(ng_tcp_recv(c, b, sizeof(b)), 600);
	assert_memory_equal(b, d, 600);
	th_send(&t, 80, lp, 2001, 101, A, 65535, d, 600); /* all old: ACK, nothing delivered */
	th_expect(&t, &s, A, 101, 2601, 0);
	assert_int_equal(ng_tcp_recv_avail(c), 0);
	ng_tcp_abort(c);
	th_fini(&t);
}

/* A FIN that arrives before the data ahead of it ends the stream once the gap fills. */
static void test_out_of_order_fin(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint8_t b[32];
	uint16_t lp;
	(void)state;

	th_init(&t, 49);
	c = th_client(&t, &lp, NULL, 65535, NULL);
	th_send(&t, 80, lp, 2011, 101, F | A, 65535, "klmnopqrst", 10);
	th_expect(&t, &s, A, 101, 2001, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	th_send(&t, 80, lp, 2001, 101, A, 65535, "abcdefghij", 10);
	th_expect(&t, &s, A, 101, 2022, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_CLOSE_WAIT);
	assert_int_equal(ng_tcp_recv(c, b, sizeof(b)), 20);
	assert_memory_equal(b, "abcdefghijklmnopqrst", 20);
	assert_int_equal(ng_tcp_recv(c, b, sizeof(b)), 0);
	ng_tcp_abort(c);
	th_fini(&t);
}

/* PSH delivers at once; data without it is reported when a full segment's worth is in, or when
 * the delayed-ACK timer runs. */
static void test_push(void **state)
{
	struct th t;
	struct ng_tcp_sock *c;
	uint16_t lp;
	(void)state;

	th_init(&t, 50);
	c = th_client(&t, &lp, NULL, 65535, NULL);
	t.events = 0;
	th_send(&t, 80, lp, 2001, 101, A, 65535, "abcdefghij", 10);
	assert_false(t.events & NG_TCP_EV_READABLE);
	th_send(&t, 80, lp, 2011, 101, P | A, 65535, "klmnopqrst", 10);
	assert_true(t.events & NG_TCP_EV_READABLE);
	t.events = 0;
	th_send(&t, 80, lp, 2021, 101, A, 65535, "uvwxyz", 6);
	assert_false(t.events & NG_TCP_EV_READABLE);
	th_advance(&t, 40 * MS);
	assert_true(t.events & NG_TCP_EV_READABLE);
	assert_int_equal(ng_tcp_recv_avail(c), 26);
	ng_tcp_abort(c);
	th_fini(&t);
}

/* URG: the urgent pointer marks the end of the urgent data, delivered inline (RFC 9293 3.8.5,
 * RFC 6093); natgate's urgent send sets URG and the pointer. */
static void test_urgent(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint8_t b[16];
	uint16_t lp;
	(void)state;

	th_init(&t, 51);
	c = th_client(&t, &lp, NULL, 65535, NULL);
	assert_int_equal(ng_tcp_urgent_mark(c), -1);
	th_send_opt(&t, 80, lp, 2001, 101, U | P | A, 65535, "0123456789", 10, NULL, 5);
	assert_int_equal(ng_tcp_urgent_mark(c), 5);
	assert_int_equal(ng_tcp_recv(c, b, 3), 3);
	assert_int_equal(ng_tcp_urgent_mark(c), 2);
	assert_int_equal(ng_tcp_recv(c, b, 2), 2);
	assert_int_equal(ng_tcp_urgent_mark(c), -1);
	assert_int_equal(ng_tcp_recv(c, b, sizeof(b)), 5);
	assert_memory_equal(b, "56789", 5);

	assert_int_equal(ng_tcp_send_urgent(c, "!!!", 3), 3);
	th_expect(&t, &s, U | P | A, 101, 2011, 3);
	assert_int_equal(s.h.urg, 3);
	th_send(&t, 80, lp, 2011, 104, A, 65535, NULL, 0);
	assert_int_equal(ng_tcp_send(c, "x", 1), 1);
	th_expect(&t, &s, P | A, 104, 2011, 1); /* urgent data acknowledged: no more URG */
	ng_tcp_abort(c);
	th_fini(&t);
}

/* RFC 7323: window scale offered on our SYN, shift from the receive buffer; the peer's windows
 * are scaled by its shift except on the SYN. Without the peer's option no scaling at all. */
static void test_window_scale(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	struct ng_tcp_opts o = mss_opt(1460);
	struct ng_tcp_info in;
	uint16_t lp;
	(void)state;

	th_init(&t, 52);
	ng_tcp_test_set_isn(t.st, true, 100);
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, NULL, &c), 0);
	th_expect(&t, &s, S, 100, 0, 0);
	lp = s.h.sport;
	assert_true(s.h.opt.ws_ok);
	assert_int_equal(s.h.opt.ws, 3); /* 256 KiB >> 3 fits 16 bits */
	assert_int_equal(s.h.win, 65535);
	o.ws_ok = true;
	o.ws = 2;
	th_send_opt(&t, 80, lp, 2000, 101, S | A, 1000, NULL, 0, &o, 0);
	th_expect(&t, &s, A, 101, 2001, 0);
	assert_int_equal(s.h.win, 262144 >> 3);
	ng_tcp_get_info(c, &in);
	assert_int_equal(in.snd_wnd, 1000); /* a SYN's window is never scaled */
	assert_int_equal(in.snd_wscale, 2);
	assert_int_equal(in.rcv_wscale, 3);
	th_send(&t, 80, lp, 2001, 101, A, 1000, NULL, 0);
	ng_tcp_get_info(c, &in);
	assert_int_equal(in.snd_wnd, 4000);
	ng_tcp_abort(c);
	th_fini(&t);

	/* passive side, peer without window scaling: we must not scale either */
	th_init(&t, 53);
	struct ng_tcp_sock *l;
	c = th_server(&t, &l, NULL, 65535, NULL);
	ng_tcp_get_info(c, &in);
	assert_int_equal(in.snd_wscale, 0);
	assert_int_equal(in.rcv_wscale, 0);
	assert_int_equal(in.mss, 536); /* no MSS option: RFC 9293 3.7.1 default */
	ng_tcp_abort(c);
	ng_tcp_close(l);
	th_fini(&t);
}

/* The MSS we announce comes from the interface MTU; ICMP frag-needed lowers the send MSS and
 * the data is resent at the new size (RFC 1191). */
static void test_mss_and_pmtu(void **state)
{
	struct th t;
	struct th_seg s, first;
	struct ng_tcp_sock *c;
	struct ng_tcp_opts o = mss_opt(1460);
	uint8_t d[3000], f[200];
	uint16_t lp;
	(void)state;

	th_init(&t, 54);
	c = th_client(&t, &lp, NULL, 65535, &o);
	ng_test_fill(d, sizeof(d), 54);
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), 3000);
	th_expect(&t, &first, A, 101, 2001, 1460);
	th_expect(&t, &s, A, 1561, 2001, 1460);
	th_expect_none(&t); /* Nagle holds the 80-byte tail while data is in flight */
	/* a router says: fragmentation needed, next-hop MTU 1000 */
	{
		struct ng_eth_hdr eh;
		struct ng_ipv4_hdr ip;
		struct ng_icmp_hdr ih;
		size_t off = NG_ETH_HLEN + NG_IP_HLEN, quoted = NG_IP_HLEN + 8;
		memcpy(eh.dst, th_us_mac, 6);
		memcpy(eh.src, th_peer_mac, 6);
		eh.type = NG_ETH_P_IPV4;
		ng_eth_emit(f, sizeof(f), &eh);
		first.ip.tot_len = 1500;
		assert_int_equal(ng_ipv4_emit(f + off + NG_ICMP_HLEN, 64, &first.ip), NG_IP_HLEN);
		ng_put16(f + off + NG_ICMP_HLEN + NG_IP_HLEN, lp);
		ng_put16(f + off + NG_ICMP_HLEN + NG_IP_HLEN + 2, 80);
		ng_put32(f + off + NG_ICMP_HLEN + NG_IP_HLEN + 4, 101);
		ng_put32(f + off + NG_ICMP_HLEN + NG_IP_HLEN + 8, 2001);
		memset(&ih, 0, sizeof(ih));
		ih.type = NG_ICMP_DEST_UNREACH;
		ih.code = NG_ICMP_FRAG_NEEDED;
		ih.mtu = 1000;
		assert_int_equal(ng_icmp_emit(f + off, 64, &ih, quoted), NG_ICMP_HLEN);
		memset(&ip, 0, sizeof(ip));
		ip.hlen = NG_IP_HLEN;
		ip.tot_len = (uint16_t)(NG_IP_HLEN + NG_ICMP_HLEN + quoted);
		ip.ttl = 64;
		ip.proto = NG_IP_PROTO_ICMP;
		ip.src = NG_IP4(10, 0, 0, 254);
		ip.dst = TH_US;
		ng_ipv4_emit(f + NG_ETH_HLEN, 64, &ip);
		ng_test_link_inject(t.h.link, ng_stack_pool(t.st), f, off + NG_ICMP_HLEN + quoted);
		ng_stack_pump(t.st, 0);
	}
	th_expect(&t, &s, A, 101, 2001, 960);
	assert_memory_equal(s.data, d, 960);
	ng_tcp_abort(c);
	th_fini(&t);

	/* a 1000-byte link MTU: MSS 960 on the SYN */
	th_init_mtu(&t, 55, 1000);
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, NULL, &c), 0);
	assert_true(th_pop(&t, &s));
	assert_true(s.h.flags & S);
	assert_int_equal(s.h.opt.mss, 960);
	ng_tcp_abort(c);
	th_fini(&t);
}

/* Keepalive (RFC 1122 4.2.3.6): after KEEPIDLE of silence a probe <SEQ=SND.NXT-1>; an answer
 * resets the count; KEEPCNT unanswered probes KEEPINTVL apart end the connection. */
static void test_keepalive(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	struct ng_tcp_sockopts so = {
	    .keepalive = true, .keepidle_s = 10, .keepintvl_s = 2, .keepcnt = 3};
	uint16_t lp;
	(void)state;

	th_init(&t, 56);
	c = th_client(&t, &lp, &so, 65535, NULL);
	th_advance(&t, 10 * NG_NS_PER_SEC - MS);
	th_expect_none(&t);
	th_advance(&t, MS);
	th_expect(&t, &s, A, 100, 2001, 0);
	th_send(&t, 80, lp, 2001, 101, A, 65535, NULL, 0);
	th_advance(&t, 10 * NG_NS_PER_SEC);
	th_expect(&t, &s, A, 100, 2001, 0);
	th_advance(&t, 2 * NG_NS_PER_SEC);
	th_expect(&t, &s, A, 100, 2001, 0);
	th_advance(&t, 2 * NG_NS_PER_SEC);
	th_expect(&t, &s, A, 100, 2001, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	th_advance(&t, 2 * NG_NS_PER_SEC);
	th_expect(&t, &s, R | A, 101, 2001, 0);
	assert_int_equal(ng_tcp_error(c), -NG_ETIMEDOUT);
	ng_tcp_close(c);
	th_fini(&t);
}

/* Send-buffer back-pressure: a short send, then WRITABLE once ACKs free space. */
static void test_writable(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	struct ng_tcp_sockopts so = {.sndbuf = 4096};
	uint8_t d[8192];
	uint16_t lp;
	(void)state;

	th_init(&t, 57);
	c = th_client(&t, &lp, &so, 65535, NULL);
	ng_test_fill(d, sizeof(d), 57);
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), 4096);
	assert_int_equal(ng_tcp_send_space(c), 0);
	assert_int_equal(ng_tcp_send(c, d, 1), 0);
	t.events = 0;
	while (th_pop(&t, &s))
		;
	th_send(&t, 80, lp, 2001, 101 + 1072, A, 65535, NULL, 0);
	assert_true(t.events & NG_TCP_EV_WRITABLE);
	assert_int_equal(ng_tcp_send_space(c), 1072);
	ng_tcp_abort(c);
	th_fini(&t);
}

/* A FIN that is never acknowledged is retransmitted with backoff until ETIMEDOUT. */
static void test_fin_timeout(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint16_t lp;
	unsigned fins = 0;
	(void)state;

	th_init(&t, 58);
	c = th_client(&t, &lp, NULL, 65535, NULL);
	assert_int_equal(ng_tcp_shutdown(c), 0);
	for (unsigned i = 0; i < 1000 && ng_tcp_get_state(c) != NG_TCP_CLOSED; i++) {
		th_advance(&t, NG_NS_PER_SEC);
		while (th_pop(&t, &s)) {
			if (s.h.flags == (F | A)) {
				assert_int_equal(s.h.seq, 101);
				fins++;
			}
		}
	}
	assert_int_equal(fins, 1 + 12);
	assert_int_equal(ng_tcp_error(c), -NG_ETIMEDOUT);
	ng_tcp_close(c);
	th_fini(&t);
}

/* An unanswered SYN+ACK is retransmitted tcp_syn_retries times, then the child is dropped
 * without ever reaching the application. */
static void test_syn_ack_timeout(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *l;
	unsigned synacks = 0;
	(void)state;

	th_init(&t, 59);
	ng_tcp_test_set_isn(t.st, true, 2000);
	assert_int_equal(ng_tcp_listen(t.st, 0, 80, 4, th_accept, &t, NULL, &l), 0);
	th_send(&t, TH_PPORT, 80, 100, 0, S, 65535, NULL, 0);
	for (unsigned i = 0; i < 300 && ng_tcp_count(t.st); i++) {
		th_advance(&t, NG_NS_PER_SEC);
		while (th_pop(&t, &s)) {
			assert_int_equal(s.h.flags, S | A);
			assert_int_equal(s.h.seq, 2000);
			synacks++;
		}
	}
	assert_int_equal(synacks, 1 + 6);
	assert_int_equal(ng_tcp_count(t.st), 0);
	assert_null(t.accepted);
	ng_tcp_close(l);
	th_fini(&t);
}

/* RFC 5681 4.1: after an idle period longer than the RTO the window restarts at IW. */
static void test_idle_restart(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	struct ng_tcp_opts o = {.mss_ok = true, .mss = 1000};
	struct ng_tcp_info in;
	uint8_t d[40000];
	uint16_t lp;
	uint32_t seq = 101;
	(void)state;

	th_init(&t, 69);
	c = th_client(&t, &lp, NULL, 65535, &o);
	ng_test_fill(d, sizeof(d), 69);
	/* grow cwnd well past IW (10 segments) */
	for (int round = 0; round < 3; round++) {
		assert_int_equal(ng_tcp_send(c, d, 10000), 10000);
		while (th_pop(&t, &s))
			seq = s.h.seq + s.len;
		th_send(&t, 80, lp, 2001, seq, A, 65535, NULL, 0);
		while (th_pop(&t, &s))
			seq = s.h.seq + s.len;
		th_send(&t, 80, lp, 2001, seq, A, 65535, NULL, 0);
	}
	ng_tcp_get_info(c, &in);
	assert_true(in.cwnd > 10000);
	th_advance(&t, 5 * NG_NS_PER_SEC); /* idle */
	assert_int_equal(ng_tcp_send(c, d, 20000), 20000);
	unsigned segs = 0;
	while (th_pop(&t, &s))
		segs++;
	assert_int_equal(segs, 10);
	ng_tcp_abort(c);
	th_fini(&t);
}

/* Sender SWS avoidance (RFC 9293 3.8.6.2.1): a window smaller than a segment and than half the
 * largest window offered is not used at once; the override timeout then sends what fits. */
static void test_sender_sws(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint8_t d[1000];
	uint16_t lp;
	(void)state;

	th_init(&t, 70);
	c = th_client(&t, &lp, NULL, 65535, NULL);
	th_send(&t, 80, lp, 2001, 101, A, 300, NULL, 0); /* the window shrinks to 300 */
	ng_test_fill(d, sizeof(d), 70);
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), 1000);
	th_expect_none(&t);
	th_advance(&t, 200 * MS);
	th_expect(&t, &s, A, 101, 2001, 300);
	assert_memory_equal(s.data, d, 300);
	th_send(&t, 80, lp, 2001, 401, A, 65535, NULL, 0);
	th_expect(&t, &s, A, 401, 2001, 536);
	th_expect_none(&t); /* Nagle: the 164-byte tail waits for the ACK */
	th_send(&t, 80, lp, 2001, 937, A, 65535, NULL, 0);
	th_expect(&t, &s, P | A, 937, 2001, 164);
	ng_tcp_abort(c);
	th_fini(&t);
}

/* RFC 3042 limited transmit: the first two duplicate ACKs each release one new segment beyond
 * cwnd. */
static void test_limited_transmit(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	struct ng_tcp_opts o = {.mss_ok = true, .mss = 1000};
	uint8_t d[13000];
	uint16_t lp;
	(void)state;

	th_init(&t, 71);
	c = th_client(&t, &lp, NULL, 65535, &o);
	ng_test_fill(d, sizeof(d), 71);
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), 13000);
	for (unsigned i = 0; i < 10; i++) /* IW: 10 segments */
		th_expect(&t, &s, A, 101 + 1000 * i, 2001, 1000);
	th_expect_none(&t);
	th_send(&t, 80, lp, 2001, 101, A, 65535, NULL, 0);
	th_expect(&t, &s, A, 10101, 2001, 1000);
	th_send(&t, 80, lp, 2001, 101, A, 65535, NULL, 0);
	th_expect(&t, &s, A, 11101, 2001, 1000);
	th_send(&t, 80, lp, 2001, 101, A, 65535, NULL, 0); /* third: fast retransmit */
	th_expect(&t, &s, A, 101, 2001, 1000);
	ng_tcp_abort(c);
	th_fini(&t);
}

/* RFC 5827 early retransmit: with three segments in flight and nothing more to send, two
 * duplicate ACKs are enough. */
static void test_early_retransmit(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	struct ng_tcp_opts o = {.mss_ok = true, .mss = 1000};
	struct ng_tcp_sockopts so = {.nodelay = true};
	uint8_t d[3000];
	uint16_t lp;
	(void)state;

	th_init(&t, 72);
	c = th_client(&t, &lp, &so, 65535, &o);
	ng_test_fill(d, sizeof(d), 72);
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), 3000);
	th_expect(&t, &s, A, 101, 2001, 1000);
	th_expect(&t, &s, A, 1101, 2001, 1000);
	th_expect(&t, &s, P | A, 2101, 2001, 1000);
	th_send(&t, 80, lp, 2001, 101, A, 65535, NULL, 0);
	th_expect_none(&t);
	th_send(&t, 80, lp, 2001, 101, A, 65535, NULL, 0);
	th_expect(&t, &s, A, 101, 2001, 1000);
	ng_tcp_abort(c);
	th_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rto_backoff_etimedout),
	    cmocka_unit_test(test_syn_timeout),
	    cmocka_unit_test(test_rtt_and_karn),
	    cmocka_unit_test(test_fast_retransmit_newreno),
	    cmocka_unit_test(test_zero_window_probe),
	    cmocka_unit_test(test_nagle),
	    cmocka_unit_test(test_delayed_ack),
	    cmocka_unit_test(test_out_of_order_reassembly),
	    cmocka_unit_test(test_out_of_order_fin),
	    cmocka_unit_test(test_push),
	    cmocka_unit_test(test_urgent),
	    cmocka_unit_test(test_window_scale),
	    cmocka_unit_test(test_mss_and_pmtu),
	    cmocka_unit_test(test_keepalive),
	    cmocka_unit_test(test_writable),
	    cmocka_unit_test(test_fin_timeout),
	    cmocka_unit_test(test_syn_ack_timeout),
	    cmocka_unit_test(test_idle_restart),
	    cmocka_unit_test(test_sender_sws),
	    cmocka_unit_test(test_limited_transmit),
	    cmocka_unit_test(test_early_retransmit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
