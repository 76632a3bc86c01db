// SPDX-License-Identifier: MIT
/* The rest of the TCP core, segment by segment: a SYN reopening TIME_WAIT, RFC 5961 RST
 * handling, ICMP errors, RFC 6528 ISNs, the memory bound, orphaned FIN_WAIT_2, the state trace
 * and debug log, and the user timeout. */
#include "tcp_harness.h"

#define A  NG_TCP_ACK
#define F  NG_TCP_FIN
#define S  NG_TCP_SYN
#define R  NG_TCP_RST
#define P  NG_TCP_PSH
#define MS NG_NS_PER_MS

/* Inject an ICMP error from a router about the segment natgate sent to the peer from LPORT to
 * port 80 with sequence number SEQ. */
static void inject_icmp(struct th *t, uint8_t type, uint8_t code, uint16_t mtu, uint16_t lport,
                        uint32_t seq)
{
	uint8_t f[128];
	struct ng_eth_hdr eh;
	struct ng_ipv4_hdr ip, in;
	struct ng_icmp_hdr ih;
	size_t off = NG_ETH_HLEN + NG_IP_HLEN, quoted = NG_IP_HLEN + 8;
	uint8_t *q = f + off + NG_ICMP_HLEN;

	memcpy(eh.dst, th_us_mac, 6);
	memcpy(eh.src, th_peer_mac, 6);
	eh.type = NG_ETH_P_IPV4;
	ng_eth_emit(f, sizeof(f), &eh);
	memset(&in, 0, sizeof(in));
	in.hlen = NG_IP_HLEN;
	in.tot_len = 40;
	in.ttl = 64;
	in.df = true;
	in.proto = NG_IP_PROTO_TCP;
	in.src = TH_US;
	in.dst = TH_PEER;
	assert_int_equal(ng_ipv4_emit(q, 64, &in), NG_IP_HLEN);
	ng_put16(q + NG_IP_HLEN, lport);
	ng_put16(q + NG_IP_HLEN + 2, 80);
	ng_put32(q + NG_IP_HLEN + 4, seq);
	ng_put32(q + NG_IP_HLEN + 8, 0);
	memset(&ih, 0, sizeof(ih));
	ih.type = type;
	ih.code = code;
	ih.mtu = mtu;
	assert_int_equal(ng_icmp_emit(f + off, 64, &ih, quoted), NG_ICMP_HLEN);
	memset(&ip, 0, sizeof(ip));
	ip.hlen = NG_IP_HLEN;
	ip.tot_len = (uint16_t)(NG_IP_HLEN + NG_ICMP_HLEN + quoted);
	ip.ttl = 64;
	ip.proto = NG_IP_PROTO_ICMP;
	ip.src = NG_IP4(10, 0, 0, 254);
	ip.dst = TH_US;
	ng_ipv4_emit(f + NG_ETH_HLEN, 64, &ip);
	ng_test_link_inject(t->h.link, ng_stack_pool(t->st), f, off + NG_ICMP_HLEN + quoted);
	ng_stack_pump(t->st, 0);
}

/* natgate closed first and sits in TIME_WAIT; the peer reuses its port with a SYN above the old
 * sequence space: a new connection, its ISS above the old one. An old SYN draws an ACK. */
static void test_time_wait_reopen(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c, *l;
	(void)state;

	th_init(&t, 60);
	c = th_server(&t, &l, NULL, 65535, NULL);
	ng_tcp_close(c);
	th_expect(&t, &s, F | A, 2001, 101, 0);
	th_send(&t, TH_PPORT, TH_SPORT, 101, 2002, F | A, 65535, NULL, 0);
	th_expect(&t, &s, A, 2002, 102, 0);
	assert_int_equal(th_last_state(&t), NG_TCP_TIME_WAIT);
	th_send(&t, TH_PPORT, TH_SPORT, 50, 0, S, 65535, NULL, 0); /* old: ACK it */
	th_expect(&t, &s, A, 2002, 102, 0);
	assert_int_equal(th_last_state(&t), NG_TCP_TIME_WAIT);
	t.accepted = NULL;
	th_send(&t, TH_PPORT, TH_SPORT, 90000, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, 2002 + 131072, 90001, 0);
	assert_true(th_traced(&t, NG_TCP_TIME_WAIT, NG_TCP_CLOSED));
	assert_int_equal(th_last_state(&t), NG_TCP_SYN_RECEIVED);
	th_send(&t, TH_PPORT, TH_SPORT, 90001, 2003 + 131072, A, 65535, NULL, 0);
	assert_non_null(t.accepted);
	assert_int_equal(ng_tcp_count(t.st), 1);
	ng_tcp_abort(t.accepted);
	ng_tcp_close(l);
	th_fini(&t);
}

/* With cfg.tcp_rfc5961 (the default) a RST must hit RCV.NXT exactly; an in-window one draws a
 * challenge ACK (RFC 5961 3.2). */
static void test_rfc5961_rst(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint16_t lp;
	(void)state;

	th_init(&t, 61);
	t.st->cfg.tcp_rfc5961 = true;
	c = th_client(&t, &lp, NULL, 65535, NULL);
	th_send(&t, 80, lp, 2001 + 100, 0, R, 0, NULL, 0);
	th_expect(&t, &s, A, 101, 2001, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	th_send(&t, 80, lp, 2001, 0, R, 0, NULL, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_CLOSED);
	assert_int_equal(ng_tcp_error(c), -NG_ECONNRESET);
	ng_tcp_close(c);
	th_fini(&t);
}

/* RFC 5961 7: challenge ACKs share a per-stack bucket of about TCP_CHALLENGE_PER_SEC a second
 * (each costs 1/2..3/2 of 1/rate): a burst of in-window RSTs at one instant draws a bounded
 * number, the rest are counted as suppressed, and a second later the budget is back. RFC 5961
 * 5.2: an ACK of data never sent or below SND.UNA - MAX.SND.WND draws a challenge ACK and its
 * payload is not taken. */
static void test_rfc5961_limit_and_ack(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint16_t lp;
	unsigned acks = 0;
	const uint64_t *cnt;
	(void)state;

	th_init(&t, 63);
	c = th_client(&t, &lp, NULL, 65535, NULL);
	cnt = ng_stack_stats(t.st)->counters;
	for (unsigned i = 0; i < 3000; i++) {
		th_send(&t, 80, lp, 2001 + 100, 0, R, 0, NULL, 0);
		while (th_pop(&t, &s)) {
			assert_int_equal(s.h.flags, A);
			assert_int_equal(s.h.seq, 101);
			assert_int_equal(s.h.ack, 2001);
			acks++;
		}
	}
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	assert_int_equal(cnt[NG_CNT_TCP_CHALLENGE_ACK], acks);
	assert_int_equal(cnt[NG_CNT_TCP_CHALLENGE_ACK] + cnt[NG_CNT_TCP_CHALLENGE_LIMITED], 3000);
	assert_true(acks >= 600 && acks <= 2000);
	th_advance(&t, NG_NS_PER_SEC);
	while (th_pop(&t, &s))
		;
	th_send(&t, 80, lp, 2001 + 100, 0, R, 0, NULL, 0);
	th_expect(&t, &s, A, 101, 2001, 0);
	/* ACK of unsent data, and one far below SND.UNA: challenge ACK, data dropped */
	th_send(&t, 80, lp, 2001, 5000, A, 65535, "abc", 3);
	th_expect(&t, &s, A, 101, 2001, 0);
	th_send(&t, 80, lp, 2001, 101 - 70000, A, 65535, "abc", 3);
	th_expect(&t, &s, A, 101, 2001, 0);
	assert_int_equal(ng_tcp_recv_avail(c), 0);
	/* a plausible old ACK (within MAX.SND.WND below SND.UNA) still delivers its data */
	th_send(&t, 80, lp, 2001, 100, A, 65535, "abc", 3);
	assert_int_equal(ng_tcp_recv_avail(c), 3);
	ng_tcp_abort(c);
	th_fini(&t);
}

/* RFC 4987 3.6: with a backlog of 1 and one child half-open, a second SYN (MSS 1460, WS 7,
 * SACK, timestamps) is answered statelessly with a cookie SYN+ACK (MSS, WS and SACK offered,
 * the connection count unchanged); a forged ACK (cookie off by one) is refused with a RST and
 * creates nothing (and draws no RST while cookies are live: it may be a later segment of a
 * cookie connection whose first was lost); the genuine ACK, carrying data, creates an ESTABLISHED
 * connection with the decoded MSS, WS and SACK that is accepted and transfers data both ways. */
static void test_syn_cookie(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *l, *c;
	struct ng_tcp_opts o = {0};
	uint32_t cookie, tsval;
	char buf[16];
	(void)state;

	th_init(&t, 64);
	ng_tcp_test_set_isn(t.st, true, 2000);
	assert_int_equal(ng_tcp_listen(t.st, 0, 80, 1, th_accept, &t, NULL, &l), 0);
	th_send(&t, 1001, 80, 100, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, 2000, 101, 0);
	assert_int_equal(ng_tcp_count(t.st), 1);

	o.mss_ok = true;
	o.mss = 1460;
	o.ws_ok = true;
	o.ws = 7;
	o.sack_permitted = true;
	o.ts_ok = true;
	o.tsval = 5000;
	th_send_opt(&t, 1002, 80, 7000, 0, S, 65535, NULL, 0, &o, 0);
	th_expect(&t, &s, S | A, s.h.seq, 7001, 0);
	cookie = s.h.seq;
	assert_int_not_equal(cookie, 2000); /* not the (fixed) ISN: a cookie */
	assert_true(s.h.opt.mss_ok && s.h.opt.ws_ok && s.h.opt.sack_permitted && s.h.opt.ts_ok);
	assert_int_equal(s.h.opt.tsecr, 5000);
	tsval = s.h.opt.tsval;
	th_expect_none(&t);
	assert_int_equal(ng_tcp_count(t.st), 1);
	assert_int_equal(ng_stack_stats(t.st)->counters[NG_CNT_TCP_SYNCOOKIE_TX], 1);

	/* forged: wrong cookie */
	memset(&o, 0, sizeof(o));
	o.ts_ok = true;
	o.tsval = 5001;
	o.tsecr = tsval;
	th_send_opt(&t, 1002, 80, 7001, cookie + 2, A, 512, "xy", 2, &o, 0);
	th_expect_none(&t); /* dropped quietly while cookies are live */
	assert_int_equal(ng_tcp_count(t.st), 1);
	assert_int_equal(t.naccepted, 0);
	assert_int_equal(ng_stack_stats(t.st)->counters[NG_CNT_TCP_SYNCOOKIE_BAD], 1);

	/* genuine, with two bytes of data (window 512 << 7) */
	th_send_opt(&t, 1002, 80, 7001, cookie + 1, A, 512, "hi", 2, &o, 0);
	assert_int_equal(ng_stack_stats(t.st)->counters[NG_CNT_TCP_SYNCOOKIE_OK], 1);
	assert_int_equal(t.naccepted, 1);
	c = t.accepted;
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	assert_int_equal(ng_tcp_count(t.st), 2);
	assert_true(c->sack_ok && c->ts.ok && c->ws_ok);
	assert_int_equal(c->snd_wscale, 7);
	assert_int_equal(c->snd_wnd, 512u << 7);
	assert_int_equal(c->snd_mss, 1460 - 12);
	assert_int_equal(ng_tcp_recv(c, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "hi", 2);
	/* the data on the cookie ACK is acknowledged */
	th_expect(&t, &s, A, cookie + 1, 7003, 0);
	assert_int_equal(ng_tcp_send(c, "hello", 5), 5);
	th_advance(&t, NG_NS_PER_MS);
	th_expect(&t, &s, A | P, cookie + 1, 7003, 5);
	assert_memory_equal(s.data, "hello", 5);
	assert_true(s.h.opt.ts_ok);
	assert_int_equal(s.h.opt.tsecr, 5001);
	th_expect_none(&t);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	assert_int_equal(ng_tcp_count(t.st), 0);
	th_fini(&t);
}

/* SYN cookies without timestamps, and the two races of a lossy, duplicating network: the
 * cookie SYN+ACK then offers neither WS nor SACK (the cookie could not keep them); a duplicate
 * of the SYN arriving once the queue has room makes an ordinary child with another ISS, and
 * the peer's ACK of the cookie turns that child into the cookie's connection instead of
 * drawing a RST; a later segment whose first was lost (SEG.SEQ != ISN + 1) is dropped quietly
 * and the retransmitted first one completes the handshake. */
static void test_syn_cookie_races(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *l, *c;
	uint32_t cookie, cookie2;
	(void)state;

	th_init(&t, 65);
	ng_tcp_test_set_isn(t.st, true, 2000);
	assert_int_equal(ng_tcp_listen(t.st, 0, 80, 1, th_accept, &t, NULL, &l), 0);
	th_send(&t, 1001, 80, 100, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, 2000, 101, 0);
	/* queue full: cookie, no options beyond MSS */
	th_send(&t, 1002, 80, 7000, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, s.h.seq, 7001, 0);
	cookie = s.h.seq;
	assert_true(s.h.opt.mss_ok);
	assert_false(s.h.opt.ws_ok || s.h.opt.sack_permitted || s.h.opt.ts_ok);
	/* the first child completes: the queue has room again */
	th_send(&t, 1001, 80, 101, 2001, A, 65535, NULL, 0);
	assert_int_equal(t.naccepted, 1);
	ng_tcp_abort(t.accepted);
	th_expect(&t, &s, R | A, 2001, 101, 0);
	/* a duplicate of the SYN: an ordinary child, ISS 2000 */
	th_send(&t, 1002, 80, 7000, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, 2000, 7001, 0);
	/* the peer took the cookie: its ACK turns the child into the cookie's connection */
	th_send(&t, 1002, 80, 7001, cookie + 1, A, 65535, NULL, 0);
	th_expect_none(&t);
	assert_int_equal(t.naccepted, 2);
	c = t.accepted;
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	assert_false(c->ws_ok || c->sack_ok || c->ts.ok);
	assert_true(c->snd_mss <= 536);
	assert_int_equal(ng_tcp_send(c, "abc", 3), 3);
	th_advance(&t, NG_NS_PER_MS);
	th_expect(&t, &s, A | P, cookie + 1, 7001, 3);
	ng_tcp_abort(c);
	th_expect(&t, &s, R | A, cookie + 4, 7001, 0);

	/* fill the queue again, then a cookie whose first ACK is lost */
	th_send(&t, 1003, 80, 300, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, 2000, 301, 0);
	th_send(&t, 1004, 80, 9000, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, s.h.seq, 9001, 0);
	cookie2 = s.h.seq;
	th_send(&t, 1004, 80, 9001 + 10, cookie2 + 1, A, 65535, "0123456789", 10);
	th_expect_none(&t);
	assert_int_equal(t.naccepted, 2);
	th_send(&t, 1004, 80, 9001, cookie2 + 1, A, 65535, "abcdefghij", 10);
	assert_int_equal(t.naccepted, 3);
	assert_int_equal(ng_tcp_get_state(t.accepted), NG_TCP_ESTABLISHED);
	assert_int_equal(ng_tcp_recv_avail(t.accepted), 10);
	ng_tcp_abort(t.accepted);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	assert_int_equal(ng_tcp_count(t.st), 0);
	th_fini(&t);
}

/* RFC 1122 4.2.3.9: port unreachable during SYN_SENT refuses the connection; host unreachable
 * is a soft error, reported if the connection then times out; an error quoting a sequence
 * number we never sent is ignored (RFC 5927). */
static void test_icmp_errors(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint16_t lp;
	(void)state;

	th_init(&t, 62);
	ng_tcp_test_set_isn(t.st, true, 100);
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, NULL, &c), 0);
	th_expect(&t, &s, S, 100, 0, 0);
	lp = s.h.sport;
	inject_icmp(&t, NG_ICMP_DEST_UNREACH, NG_ICMP_PORT_UNREACH, 0, lp, 5000);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_SYN_SENT); /* not our sequence number */
	inject_icmp(&t, NG_ICMP_DEST_UNREACH, NG_ICMP_PORT_UNREACH, 0, lp, 100);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_CLOSED);
	assert_int_equal(ng_tcp_error(c), -NG_ECONNREFUSED);
	ng_tcp_close(c);

	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, NULL, &c), 0);
	th_expect(&t, &s, S, 100, 0, 0);
	lp = s.h.sport;
	inject_icmp(&t, NG_ICMP_DEST_UNREACH, NG_ICMP_HOST_UNREACH, 0, lp, 100);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_SYN_SENT);
	th_advance(&t, 200 * NG_NS_PER_SEC);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_CLOSED);
	assert_int_equal(ng_tcp_error(c), -NG_EHOSTUNREACH);
	ng_tcp_close(c);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

/* RFC 6528: ISN = F(4-tuple, secret) + a 4 us clock: different tuples differ, the same tuple
 * advances with time; another secret (seed) gives other ISNs. */
static void test_isn(void **state)
{
	struct th t, u;
	uint32_t a, b, a2, x;
	(void)state;

	th_init(&t, 63);
	th_init(&u, 64);
	a = tcp_new_isn(t.st, TH_US, 1000, TH_PEER, 80);
	b = tcp_new_isn(t.st, TH_US, 1001, TH_PEER, 80);
	x = tcp_new_isn(u.st, TH_US, 1000, TH_PEER, 80);
	assert_int_not_equal(a, b);
	assert_int_not_equal(a, x);
	th_advance(&t, MS);
	a2 = tcp_new_isn(t.st, TH_US, 1000, TH_PEER, 80);
	assert_int_equal(a2 - a, 250);
	th_fini(&t);
	th_fini(&u);
}

/* Socket buffers are bounded by cfg.tcp_mem_max: beyond it connect fails and SYNs are dropped. */
static void test_memory_bound(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c, *l;
	struct ng_tcp_sockopts so = {.sndbuf = 8192, .rcvbuf = 8192};
	(void)state;

	th_init(&t, 65);
	t.st->cfg.tcp_mem_max = 3 * 16384;
	assert_int_equal(ng_tcp_listen(t.st, 0, 80, 8, th_accept, &t, &so, &l), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, &so, &c), 0);
		assert_true(th_pop(&t, &s));
	}
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, &so, &c), -NG_ENOMEM);
	th_send(&t, 999, 80, 1, 0, S, 65535, NULL, 0);
	th_expect_none(&t);
	assert_int_equal(ng_stack_stats(t.st)->drops[NG_DROP_TCP_NOCONN], 1);
	assert_int_equal(ng_tcp_count(t.st), 3);
	ng_tcp_close(l);
	th_fini(&t); /* the stack frees the connections still held */
}

/* Connections in TIME_WAIT hold no buffer memory: a server that closes first keeps accepting
 * new connections while the old ones wait out 2*MSL, even with room for only two connections'
 * buffers. */
static void test_time_wait_frees_buffers(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *l;
	struct ng_tcp_sockopts so = {.sndbuf = 8192, .rcvbuf = 8192};
	(void)state;

	th_init(&t, 66);
	t.st->cfg.tcp_mem_max = 2 * 16384;
	ng_tcp_test_set_isn(t.st, true, 2000);
	assert_int_equal(ng_tcp_listen(t.st, 0, 80, 8, th_accept, &t, &so, &l), 0);
	for (uint16_t i = 0; i < 6; i++) {
		uint16_t port = (uint16_t)(41000 + i);
		t.accepted = NULL;
		th_send(&t, port, 80, 100, 0, S, 65535, NULL, 0);
		th_expect(&t, &s, S | A, 2000, 101, 0);
		th_send(&t, port, 80, 101, 2001, A, 65535, NULL, 0);
		assert_non_null(t.accepted);
		ng_tcp_close(t.accepted); /* the server closes first */
		th_expect(&t, &s, F | A, 2001, 101, 0);
		th_send(&t, port, 80, 101, 2002, A, 65535, NULL, 0);
		th_send(&t, port, 80, 101, 2002, F | A, 65535, NULL, 0);
		th_expect(&t, &s, A, 2002, 102, 0);
		assert_int_equal(th_last_state(&t), NG_TCP_TIME_WAIT);
	}
	assert_int_equal(t.naccepted, 6);
	assert_int_equal(ng_tcp_count(t.st), 6); /* all six wait in TIME_WAIT */
	assert_int_equal(ng_stack_stats(t.st)->drops[NG_DROP_TCP_NOCONN], 0);
	ng_tcp_close(l);
	th_fini(&t);
}

/* A connection the application closed waits in FIN_WAIT_2 at most 2*MSL for the peer's FIN. */
static void test_orphan_fin_wait_2(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint16_t lp;
	(void)state;

	th_init(&t, 66);
	c = th_client(&t, &lp, NULL, 65535, NULL);
	ng_tcp_close(c);
	th_expect(&t, &s, F | A, 101, 2001, 0);
	th_send(&t, 80, lp, 2001, 102, A, 65535, NULL, 0);
	assert_int_equal(th_last_state(&t), NG_TCP_FIN_WAIT_2);
	/* data after close is taken (and dropped) so the peer is not stalled */
	th_send(&t, 80, lp, 2001, 102, P | A, 65535, "late", 4);
	th_advance(&t, 50 * MS);
	th_expect(&t, &s, A, 102, 2005, 0);
	th_advance(&t, 60 * NG_NS_PER_SEC);
	assert_int_equal(th_last_state(&t), NG_TCP_CLOSED);
	assert_int_equal(ng_tcp_count(t.st), 0);
	th_fini(&t);
}

struct logcap {
	char last[256];
	unsigned n;
};

static void cap_log(void *ctx, enum ng_log_level level, const char *msg)
{
	struct logcap *lc = ctx;
	if (level == NG_LOG_DEBUG && strstr(msg, " -> ")) {
		snprintf(lc->last, sizeof(lc->last), "%s", msg);
		lc->n++;
	}
}

/* Every state change reaches the trace hook and the debug log, with its cause. */
static void test_trace_and_log(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	struct logcap lc = {{0}, 0};
	uint16_t lp;
	(void)state;

	th_init(&t, 67);
	t.st->log = (struct ng_log){NG_LOG_DEBUG, cap_log, &lc};
	c = th_client(&t, &lp, NULL, 65535, NULL);
	ng_tcp_shutdown(c);
	th_expect(&t, &s, F | A, 101, 2001, 0);
	assert_int_equal(t.ntrace, 3);
	assert_int_equal(t.from[0], NG_TCP_CLOSED);
	assert_int_equal(t.to[0], NG_TCP_SYN_SENT);
	assert_int_equal(t.to[1], NG_TCP_ESTABLISHED);
	assert_int_equal(t.to[2], NG_TCP_FIN_WAIT_1);
	assert_int_equal(lc.n, 3);
	assert_non_null(strstr(lc.last, "ESTABLISHED -> FIN_WAIT_1 (close)"));
	assert_non_null(strstr(lc.last, "10.0.0.2:80"));
	ng_tcp_abort(c);
	th_fini(&t);
}

/* The user timeout ends retransmission early (RFC 5482 / RFC 9293 3.8.3). */
static void test_user_timeout(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	struct ng_tcp_sockopts so = {.user_timeout_ms = 1000};
	uint16_t lp;
	(void)state;

	th_init(&t, 68);
	c = th_client(&t, &lp, &so, 65535, NULL);
	assert_int_equal(ng_tcp_send(c, "abc", 3), 3);
	th_expect(&t, &s, P | A, 101, 2001, 3);
	th_advance(&t, 200 * MS);
	th_expect(&t, &s, P | A, 101, 2001, 3);
	th_advance(&t, 400 * MS);
	th_expect(&t, &s, P | A, 101, 2001, 3);
	th_advance(&t, 800 * MS); /* 1.2 s of retransmitting */
	th_expect(&t, &s, R | A, 104, 2001, 0);
	assert_int_equal(ng_tcp_error(c), -NG_ETIMEDOUT);
	ng_tcp_close(c);
	th_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_time_wait_reopen),
	    cmocka_unit_test(test_rfc5961_rst),
	    cmocka_unit_test(test_rfc5961_limit_and_ack),
	    cmocka_unit_test(test_syn_cookie),
	    cmocka_unit_test(test_syn_cookie_races),
	    cmocka_unit_test(test_icmp_errors),
	    cmocka_unit_test(test_isn),
	    cmocka_unit_test(test_memory_bound),
	    cmocka_unit_test(test_time_wait_frees_buffers),

	    cmocka_unit_test(test_orphan_fin_wait_2),
	    cmocka_unit_test(test_trace_and_log),
	    cmocka_unit_test(test_user_timeout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
