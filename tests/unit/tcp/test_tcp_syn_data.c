// SPDX-License-Identifier: MIT
/* Text on a SYN (RFC 9293 3.10.7.2 in LISTEN, 3.10.7.3 in SYN_SENT): queued up to the window the
 * SYN+ACK offers, acknowledged by it (RCV.NXT = SEG.SEQ + 1 + the bytes accepted), and handed to
 * the application once the connection is established, never before nor after a handshake that
 * fails; not for a SYN answered with a cookie (stateless). */
#include "tcp_harness.h"

#define A  NG_TCP_ACK
#define S  NG_TCP_SYN
#define R  NG_TCP_RST
#define P  NG_TCP_PSH
#define MS NG_NS_PER_MS

/* Like th_send, for segments longer than the harness's frame buffer (the stack's packets hold
 * 64 KiB; the receive path takes them whole, as a TAP's). */
static void send_big(struct th *t, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                     uint8_t flags, uint16_t win, const void *data, size_t len)
{
	static uint8_t f[NG_ETH_HLEN + NG_IP_HLEN + NG_TCP_HLEN + 16384];
	uint8_t *l4 = f + NG_ETH_HLEN + NG_IP_HLEN;
	struct ng_eth_hdr eh;
	struct ng_ipv4_hdr ip;
	struct ng_tcp_hdr h;

	assert_true(len <= 16384);
	memset(&h, 0, sizeof(h));
	h.sport = sport;
	h.dport = dport;
	h.seq = seq;
	h.ack = ack;
	h.flags = flags;
	h.win = win;
	memcpy(l4 + NG_TCP_HLEN, data, len);
	assert_int_not_equal(ng_tcp_emit(l4, NG_TCP_HLEN + len, TH_PEER, TH_US, &h, len), 0);
	memcpy(eh.dst, th_us_mac, 6);
	memcpy(eh.src, th_peer_mac, 6);
	eh.type = NG_ETH_P_IPV4;
	assert_int_equal(ng_eth_emit(f, sizeof(f), &eh), NG_ETH_HLEN);
	memset(&ip, 0, sizeof(ip));
	ip.hlen = NG_IP_HLEN;
	ip.tot_len = (uint16_t)(NG_IP_HLEN + NG_TCP_HLEN + len);
	ip.ttl = 64;
	ip.proto = NG_IP_PROTO_TCP;
	ip.src = TH_PEER;
	ip.dst = TH_US;
	assert_int_equal(ng_ipv4_emit(f + NG_ETH_HLEN, NG_IP_HLEN, &ip), NG_IP_HLEN);
	ng_test_link_inject(t->h.link, ng_stack_pool(t->st), f,
	                    NG_ETH_HLEN + NG_IP_HLEN + NG_TCP_HLEN + len);
	ng_stack_pump(t->st, 0);
}

static void fill(uint8_t *b, size_t n, unsigned k)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 31 + k);
}

/* A SYN with 100 bytes to a listener: the SYN+ACK acknowledges SEG.SEQ + 1 + 100; nothing is
 * accepted before the handshake completes; a retransmission of the SYN (our SYN+ACK lost) draws
 * the same SYN+ACK and queues nothing twice; the final ACK (with 50 more bytes) hands the
 * child over READABLE, and the application reads the 150 bytes intact. */
static void test_listen(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *l, *c;
	uint8_t d[150], buf[256];
	(void)state;

	fill(d, sizeof(d), 1);
	th_init(&t, 601);
	ng_tcp_test_set_isn(t.st, true, 2000);
	assert_int_equal(ng_tcp_listen(t.st, 0, 80, 4, th_accept, &t, NULL, &l), 0);
	th_send(&t, 1001, 80, 100, 0, S, 65535, d, 100);
	th_expect(&t, &s, S | A, 2000, 201, 0);
	assert_int_equal(s.h.win, 65535);
	th_expect_none(&t);
	assert_int_equal(t.naccepted, 0);
	assert_int_equal(ng_tcp_count(t.st), 1);

	/* the SYN again: the same SYN+ACK, nothing queued twice */
	th_send(&t, 1001, 80, 100, 0, S, 65535, d, 100);
	th_expect(&t, &s, S | A, 2000, 201, 0);
	th_expect_none(&t);

	th_send(&t, 1001, 80, 201, 2001, A | P, 65535, d + 100, 50);
	assert_int_equal(t.naccepted, 1);
	c = t.accepted;
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	assert_true(t.events & NG_TCP_EV_READABLE);
	assert_int_equal(ng_tcp_recv_avail(c), 150);
	assert_int_equal(ng_tcp_recv(c, buf, sizeof(buf)), 150);
	assert_memory_equal(buf, d, 150);
	th_advance(&t, 100 * MS);
	th_expect(&t, &s, A, 2001, 251, 0);
	th_expect_none(&t);
	th_done(&t, c, l);
}

/* The SYN's text only as far as the window goes: a 4 KiB receive ring takes 4096 of a SYN's
 * 5000 bytes, the SYN+ACK acknowledges those and offers a zero window; the application reads
 * them, the window opens, and the rest the peer sends again arrives after them. */
static void test_listen_window_bound(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *l, *c;
	struct ng_tcp_sockopts so = {0};
	static uint8_t d[5000], buf[5000];
	(void)state;

	fill(d, sizeof(d), 2);
	th_init_mtu(&t, 602, 9000);
	ng_tcp_test_set_isn(t.st, true, 2000);
	so.rcvbuf = 4096;
	assert_int_equal(ng_tcp_listen(t.st, 0, 80, 4, th_accept, &t, &so, &l), 0);
	send_big(&t, 1001, 80, 100, 0, S, 65535, d, sizeof(d));
	th_expect(&t, &s, S | A, 2000, 101 + 4096, 0);
	assert_int_equal(s.h.win, 0);
	th_send(&t, 1001, 80, 101 + 4096, 2001, A, 65535, NULL, 0);
	assert_int_equal(t.naccepted, 1);
	c = t.accepted;
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	assert_int_equal(ng_tcp_recv(c, buf, sizeof(buf)), 4096);
	assert_memory_equal(buf, d, 4096);
	/* the window opened: an update */
	th_expect(&t, &s, A, 2001, 101 + 4096, 0);
	assert_true(s.h.win > 0);
	send_big(&t, 1001, 80, 101 + 4096, 2001, A | P, 65535, d + 4096, 904);
	assert_int_equal(ng_tcp_recv(c, buf, sizeof(buf)), 904);
	assert_memory_equal(buf, d + 4096, 904);
	th_done(&t, c, l);
}

/* A SYN answered with a cookie keeps nothing: its SYN+ACK acknowledges SEG.SEQ + 1 only, and
 * the text comes again after the handshake. */
static void test_cookie_not_queued(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *l;
	uint32_t cookie;
	char buf[16];
	(void)state;

	th_init(&t, 603);
	ng_tcp_test_set_isn(t.st, true, 2000);
	assert_int_equal(ng_tcp_listen(t.st, 0, 80, 1, th_accept, &t, NULL, &l), 0);
	th_send(&t, 1001, 80, 100, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, 2000, 101, 0);
	th_send(&t, 1002, 80, 7000, 0, S, 65535, "syndata", 7);
	th_expect(&t, &s, S | A, s.h.seq, 7001, 0);
	cookie = s.h.seq;
	assert_int_equal(ng_stack_stats(t.st)->counters[NG_CNT_TCP_SYNCOOKIE_TX], 1);
	th_send(&t, 1002, 80, 7001, cookie + 1, A | P, 65535, "syndata", 7);
	assert_int_equal(t.naccepted, 1);
	assert_int_equal(ng_tcp_recv(t.accepted, buf, sizeof(buf)), 7);
	assert_memory_equal(buf, "syndata", 7);
	th_done(&t, t.accepted, l);
}

/* Simultaneous open (RFC 9293 3.10.7.3): natgate in SYN_SENT gets the peer's SYN with 100
 * bytes: SYN_RECEIVED and a SYN+ACK acknowledging them (ack 5101); the application cannot read
 * them yet; the peer's SYN+ACK (which crossed ours; with REPEAT, carrying the same 100 bytes
 * again) establishes the connection, and the application reads the 100 bytes once. */
static void simultaneous(uint64_t seed, bool repeat)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint8_t d[100], buf[256];
	uint16_t lp;

	fill(d, sizeof(d), 3);
	th_init(&t, seed);
	ng_tcp_test_set_isn(t.st, true, 100);
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, NULL, &c), 0);
	th_expect(&t, &s, S, 100, 0, 0);
	lp = s.h.sport;
	th_send(&t, 80, lp, 5000, 0, S, 65535, d, 100);
	th_expect(&t, &s, S | A, 100, 5101, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_SYN_RECEIVED);
	assert_int_equal(ng_tcp_recv_avail(c), 0);
	assert_int_equal(ng_tcp_recv(c, buf, sizeof(buf)), -NG_EAGAIN);
	assert_false(t.events & NG_TCP_EV_READABLE);
	th_send(&t, 80, lp, 5000, 101, S | A, 65535, d, repeat ? 100 : 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	th_expect(&t, &s, A, 101, 5101, 0);
	th_expect_none(&t);
	assert_true(t.events & NG_TCP_EV_CONNECTED);
	assert_true(t.events & NG_TCP_EV_READABLE);
	assert_int_equal(ng_tcp_recv_avail(c), 100);
	assert_int_equal(ng_tcp_recv(c, buf, sizeof(buf)), 100);
	assert_memory_equal(buf, d, 100);
	assert_int_equal(ng_tcp_recv(c, buf, sizeof(buf)), -NG_EAGAIN);
	th_done(&t, c, NULL);
}

static void test_simultaneous_open(void **state)
{
	(void)state;
	simultaneous(604, false);
	simultaneous(605, true);
}

/* A handshake that fails takes the SYN's text along: simultaneous open with 100 bytes on the
 * peer's SYN, then its RST (at RCV.NXT): the connection is refused and nothing is readable. */
static void test_simultaneous_refused(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint8_t d[100], buf[256];
	const void *p;
	uint16_t lp;
	(void)state;

	fill(d, sizeof(d), 4);
	th_init(&t, 606);
	ng_tcp_test_set_isn(t.st, true, 100);
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, NULL, &c), 0);
	th_expect(&t, &s, S, 100, 0, 0);
	lp = s.h.sport;
	th_send(&t, 80, lp, 5000, 0, S, 65535, d, 100);
	th_expect(&t, &s, S | A, 100, 5101, 0);
	th_send(&t, 80, lp, 5101, 0, R, 0, NULL, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_CLOSED);
	assert_int_equal(ng_tcp_error(c), -NG_ECONNREFUSED);
	assert_int_equal(ng_tcp_recv_avail(c), 0);
	assert_int_equal(ng_tcp_recv(c, buf, sizeof(buf)), -NG_ECONNREFUSED);
	assert_int_equal(ng_tcp_recv_peek(c, &p), -NG_ECONNREFUSED);
	assert_null(p);
	assert_false(t.events & NG_TCP_EV_READABLE);
	ng_tcp_close(c);
	th_expect_none(&t);
	th_fini(&t);
}

/* SYN_SENT getting a SYN+ACK with text (RFC 9293 3.10.7.3: on to step 6): ESTABLISHED, the text
 * delivered and acknowledged. */
static void test_synack_data(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint8_t d[100], buf[256];
	uint16_t lp;
	(void)state;

	fill(d, sizeof(d), 5);
	th_init(&t, 607);
	ng_tcp_test_set_isn(t.st, true, 100);
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, NULL, &c), 0);
	th_expect(&t, &s, S, 100, 0, 0);
	lp = s.h.sport;
	th_send(&t, 80, lp, 2000, 101, S | A | P, 65535, d, 100);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	th_expect(&t, &s, A, 101, 2101, 0);
	th_expect_none(&t);
	assert_true(t.events & NG_TCP_EV_READABLE);
	assert_int_equal(ng_tcp_recv(c, buf, sizeof(buf)), 100);
	assert_memory_equal(buf, d, 100);
	th_done(&t, c, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_listen),
	    cmocka_unit_test(test_listen_window_bound),
	    cmocka_unit_test(test_cookie_not_queued),
	    cmocka_unit_test(test_simultaneous_open),
	    cmocka_unit_test(test_simultaneous_refused),
	    cmocka_unit_test(test_synack_data),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
