// SPDX-License-Identifier: MIT
/*
 * SACK and timestamps in the TCP core, segment by segment: negotiation on the SYNs (RFC 2018 2,
 * RFC 7323 3.2), PAWS and TS.Recent (RFC 7323 4.3 / 5.3), the receiver's SACK blocks (RFC 2018
 * 4) and the sender's RFC 6675 recovery retransmitting only the holes; the tail loss probe
 * (RFC 8985 7) that makes a lost tail, or lost ACKs for it, show before the RTO.
 */
#include "tcp_harness.h"

#define MSS_TS 1448 /* 1460 less the timestamp option */

/* Options of a peer segment: timestamps TSVAL / TSECR, and N SACK blocks from BLK. */
static struct ng_tcp_opts popt(uint32_t tsval, uint32_t tsecr, const uint32_t *blk, unsigned n)
{
	struct ng_tcp_opts o;

	memset(&o, 0, sizeof(o));
	o.ts_ok = true;
	o.tsval = tsval;
	o.tsecr = tsecr;
	o.sack_n = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		o.sack[i].left = blk[2 * i];
		o.sack[i].right = blk[2 * i + 1];
	}
	return o;
}

/* Our SYN offers both; with the socket options saying no, neither; a peer SYN without them
 * gets a SYN+ACK without them, and the connection does not use them. */
static void test_negotiation(void **state)
{
	struct ng_tcp_sockopts so;
	struct ng_tcp_sock *c, *l;
	struct ng_tcp_info info;
	struct th_seg s;
	struct th t;
	(void)state;

	th_init(&t, 1);
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, NULL, &c), 0);
	assert_true(th_pop(&t, &s));
	assert_int_equal(s.h.flags, NG_TCP_SYN);
	assert_true(s.h.opt.sack_permitted);
	assert_true(s.h.opt.ts_ok);
	assert_int_equal(s.h.opt.tsecr, 0);
	ng_tcp_abort(c);

	memset(&so, 0, sizeof(so));
	so.no_sack = true;
	so.no_timestamps = true;
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 81, th_event, &t, &so, &c), 0);
	assert_true(th_pop(&t, &s));
	assert_false(s.h.opt.sack_permitted);
	assert_false(s.h.opt.ts_ok);
	ng_tcp_abort(c);

	/* a peer offering nothing: the SYN+ACK offers nothing (th_server's plain SYN) */
	c = th_server(&t, &l, NULL, 65535, NULL);
	ng_tcp_get_info(c, &info);
	assert_false(info.sack_ok);
	assert_false(info.ts_ok);
	assert_int_equal(info.mss, TCP_DEFAULT_MSS);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

/* RFC 7323 5.3: a segment whose TSval is older than TS.Recent is dropped (counted) and
 * acknowledged; TS.Recent is not moved by it; a RST is exempt. RFC 7323 4.3: the echo is
 * TS.Recent. The send MSS leaves room for the option. */
static void test_paws(void **state)
{
	struct ng_tcp_sock *c, *l;
	struct ng_tcp_opts o;
	struct ng_tcp_info info;
	uint8_t d[100], buf[300];
	struct th_seg s;
	struct th t;
	uint32_t ecr;
	(void)state;

	memset(d, 'x', sizeof(d));
	th_init(&t, 2);
	c = th_server_sack(&t, &l, true, &ecr);
	ng_tcp_get_info(c, &info);
	assert_true(info.sack_ok);
	assert_true(info.ts_ok);
	assert_int_equal(info.mss, MSS_TS);

	o = popt(1005, ecr, NULL, 0);
	th_send_opt(&t, TH_PPORT, TH_SPORT, 101, 2001, NG_TCP_ACK | NG_TCP_PSH, 65535, d, 100, &o,
	            0);
	th_advance(&t, 100 * NG_NS_PER_MS); /* the delayed ACK */
	th_expect(&t, &s, NG_TCP_ACK, 2001, 201, 0);
	assert_true(s.h.opt.ts_ok);
	assert_int_equal(s.h.opt.tsecr, 1005);

	/* an old timestamp on the next data: dropped, ACKed at once, nothing delivered */
	o = popt(1002, ecr, NULL, 0);
	th_send_opt(&t, TH_PPORT, TH_SPORT, 201, 2001, NG_TCP_ACK | NG_TCP_PSH, 65535, d, 100, &o,
	            0);
	th_expect(&t, &s, NG_TCP_ACK, 2001, 201, 0);
	assert_int_equal(s.h.opt.tsecr, 1005);
	assert_int_equal(ng_stack_stats(t.st)->drops[NG_DROP_TCP_PAWS], 1);
	assert_int_equal(ng_tcp_recv_avail(c), 100);

	/* the same bytes with a current timestamp are taken */
	o = popt(1006, ecr, NULL, 0);
	th_send_opt(&t, TH_PPORT, TH_SPORT, 201, 2001, NG_TCP_ACK | NG_TCP_PSH, 65535, d, 100, &o,
	            0);
	assert_int_equal(ng_tcp_recv_avail(c), 200);
	assert_int_equal(ng_tcp_recv(c, buf, sizeof(buf)), 200);
	th_advance(&t, 100 * NG_NS_PER_MS);
	th_expect(&t, &s, NG_TCP_ACK, 2001, 301, 0);
	assert_int_equal(s.h.opt.tsecr, 1006);
	assert_int_equal(ng_stack_stats(t.st)->drops[NG_DROP_TCP_PAWS], 1);

	/* a RST with an old timestamp still resets (RFC 7323 5.3 R1 exempts RSTs) */
	o = popt(1, ecr, NULL, 0);
	th_send_opt(&t, TH_PPORT, TH_SPORT, 301, 0, NG_TCP_RST, 0, NULL, 0, &o, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_CLOSED);
	assert_int_equal(ng_tcp_error(c), -NG_ECONNRESET);
	ng_tcp_close(c);
	ng_tcp_close(l);
	th_expect_none(&t);
	th_fini(&t);
}

/* Check S carries the N SACK blocks in BLK (left, right pairs) in that order. */
static void expect_blocks(const struct th_seg *s, const uint32_t *blk, unsigned n)
{
	assert_int_equal(s->h.opt.sack_n, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(s->h.opt.sack[i].left, blk[2 * i]);
		assert_int_equal(s->h.opt.sack[i].right, blk[2 * i + 1]);
	}
}

/* RFC 2018 4: every out-of-order arrival is ACKed at once with SACK blocks, the block holding
 * the new segment first, then those reported last; 3 blocks at most beside timestamps. RFC
 * 7323 4.3: out-of-order segments do not move TS.Recent; the one filling the gap does. */
static void test_receiver_blocks(void **state)
{
	struct ng_tcp_sock *c, *l;
	struct ng_tcp_opts o;
	uint8_t d[1000];
	struct th_seg s;
	struct th t;
	uint32_t ecr;
	(void)state;

	memset(d, 'y', sizeof(d));
	th_init(&t, 3);
	c = th_server_sack(&t, &l, true, &ecr);
	/* RCV.NXT = 101; segments of 100 bytes at 1101, 2101, 3101, 4101 */
	for (unsigned k = 1; k <= 4; k++) {
		static const uint32_t want[4][6] = {
		    {1101, 1201},
		    {2101, 2201, 1101, 1201},
		    {3101, 3201, 2101, 2201, 1101, 1201},
		    {4101, 4201, 3101, 3201, 2101, 2201},
		};
		o = popt(1010 + k, ecr, NULL, 0);
		th_send_opt(&t, TH_PPORT, TH_SPORT, 101 + 1000 * k, 2001, NG_TCP_ACK, 65535, d, 100,
		            &o, 0);
		th_expect(&t, &s, NG_TCP_ACK, 2001, 101, 0);
		expect_blocks(&s, want[k - 1], k < 3 ? k : 3);
		assert_int_equal(s.h.opt.tsecr, 1001);
	}
	/* growing the oldest range puts it first again */
	o = popt(1015, ecr, NULL, 0);
	th_send_opt(&t, TH_PPORT, TH_SPORT, 1201, 2001, NG_TCP_ACK, 65535, d, 100, &o, 0);
	th_expect(&t, &s, NG_TCP_ACK, 2001, 101, 0);
	expect_blocks(&s, (const uint32_t[]){1101, 1301, 4101, 4201, 3101, 3201}, 3);
	/* filling the gap: RCV.NXT jumps over [1101, 1301), the rest is still reported */
	o = popt(1020, ecr, NULL, 0);
	th_send_opt(&t, TH_PPORT, TH_SPORT, 101, 2001, NG_TCP_ACK, 65535, d, 1000, &o, 0);
	th_expect(&t, &s, NG_TCP_ACK, 2001, 1301, 0);
	expect_blocks(&s, (const uint32_t[]){4101, 4201, 3101, 3201, 2101, 2201}, 3);
	assert_int_equal(s.h.opt.tsecr, 1020);
	/* a duplicate of what is held comes back as a D-SACK block first (RFC 2883) */
	o = popt(1021, ecr, NULL, 0);
	th_send_opt(&t, TH_PPORT, TH_SPORT, 2101, 2001, NG_TCP_ACK, 65535, d, 100, &o, 0);
	th_expect(&t, &s, NG_TCP_ACK, 2001, 1301, 0);
	expect_blocks(&s, (const uint32_t[]){2101, 2201, 2101, 2201, 4101, 4201}, 3);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

/* Without timestamps there is room for four blocks. */
static void test_receiver_four_blocks(void **state)
{
	struct ng_tcp_sock *c, *l;
	uint8_t d[100];
	struct th_seg s;
	struct th t;
	uint32_t ecr;
	(void)state;

	memset(d, 'z', sizeof(d));
	th_init(&t, 4);
	c = th_server_sack(&t, &l, false, &ecr);
	for (unsigned k = 1; k <= 5; k++) {
		th_send(&t, TH_PPORT, TH_SPORT, 101 + 1000 * k, 2001, NG_TCP_ACK, 65535, d, 100);
		th_expect(&t, &s, NG_TCP_ACK, 2001, 101, 0);
		assert_false(s.h.opt.ts_ok);
	}
	expect_blocks(&s, (const uint32_t[]){5101, 5201, 4101, 4201, 3101, 3201, 2101, 2201}, 4);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

/* RFC 6675: five segments out, the first and third lost. The SACKs of the others make the
 * first lost (IsLost) and it alone is retransmitted; the partial ACK then brings the third;
 * SACKed segments are never sent again; the full ACK ends recovery. RTT comes from TSecr. */
static void test_sender_recovery(void **state)
{
	struct ng_tcp_sock *c, *l;
	struct ng_tcp_opts o;
	struct ng_tcp_info info;
	static uint8_t d[5 * MSS_TS];
	struct th_seg s;
	struct th t;
	uint32_t ecr, seq[6];
	(void)state;

	th_init(&t, 5);
	c = th_server_sack(&t, &l, true, &ecr);
	c->cc = &tcp_cc_newreno; /* the windows below are NewReno's (ssthresh = FlightSize / 2) */
	for (unsigned k = 0; k < 6; k++)
		seq[k] = 2001 + k * MSS_TS;
	memset(d, 'w', sizeof(d));
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), (long)sizeof(d));
	for (unsigned k = 0; k < 5; k++) {
		th_expect(&t, &s, k == 4 ? NG_TCP_ACK | NG_TCP_PSH : NG_TCP_ACK, seq[k], 101,
		          MSS_TS);
		assert_true(s.h.opt.ts_ok);
		assert_int_equal(s.h.opt.tsecr, 1001);
	}
	ecr = s.h.opt.tsval;
	th_advance(&t, 20 * NG_NS_PER_MS);
	/* no ACK for 20 ms, more than the probe timeout (2 * SRTT, at least TCP_PTO_MIN_NS): a tail
	 * loss probe resends the last segment (RFC 8985 7.3) */
	th_expect(&t, &s, NG_TCP_ACK | NG_TCP_PSH, seq[4], 101, MSS_TS);
	th_expect_none(&t);
	/* segment 1 arrived: a duplicate ACK with one block */
	o = popt(1100, ecr, (const uint32_t[]){seq[1], seq[2]}, 1);
	th_send_opt(&t, TH_PPORT, TH_SPORT, 101, seq[0], NG_TCP_ACK, 65535, NULL, 0, &o, 0);
	th_expect_none(&t);
	/* segments 3 and 4: more than 2 * SMSS SACKed above segment 0, it is lost */
	o = popt(1101, ecr, (const uint32_t[]){seq[3], seq[5], seq[1], seq[2]}, 2);
	th_send_opt(&t, TH_PPORT, TH_SPORT, 101, seq[0], NG_TCP_ACK, 65535, NULL, 0, &o, 0);
	th_expect(&t, &s, NG_TCP_ACK, seq[0], 101, MSS_TS);
	th_expect_none(&t); /* pipe fills cwnd (ssthresh = FlightSize / 2) */
	/* the retransmission arrives: a partial ACK up to segment 2, the hole there goes next */
	o = popt(1102, ecr, (const uint32_t[]){seq[3], seq[5]}, 1);
	th_send_opt(&t, TH_PPORT, TH_SPORT, 101, seq[2], NG_TCP_ACK, 65535, NULL, 0, &o, 0);
	th_expect(&t, &s, NG_TCP_ACK, seq[2], 101, MSS_TS);
	th_expect_none(&t);
	/* all acknowledged: recovery over, nothing else resent */
	th_advance(&t, 20 * NG_NS_PER_MS);
	o = popt(1103, s.h.opt.tsval, NULL, 0);
	th_send_opt(&t, TH_PPORT, TH_SPORT, 101, seq[5], NG_TCP_ACK, 65535, NULL, 0, &o, 0);
	th_expect_none(&t);
	ng_tcp_get_info(c, &info);
	assert_int_equal(info.snd_una, seq[5]);
	assert_int_equal(info.retransmits, 3); /* the probe and two holes */
	assert_int_equal(info.bytes_retrans, 3 * MSS_TS);
	assert_false(c->in_recovery);
	/* RTT samples from the echoes: 20 ms each (1 ms timestamp clock), after the handshake's 0
	 */
	assert_int_equal(info.srtt_us, 4687); /* 0 (handshake), then 20 ms twice */
	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

/* The tail of a flight goes unacknowledged: after the probe timeout (2 * SRTT, at least
 * TCP_PTO_MIN_NS; SRTT is 0 here) the last segment is sent again, once; the ACK it draws (a SACK of
 * it, the earlier segments lost) starts recovery at once; without any answer the next expiry is the
 * RTO, which goes back to SND.UNA. */
static void test_tail_loss_probe(void **state)
{
	struct ng_tcp_sock *c, *l;
	struct ng_tcp_opts o;
	static uint8_t d[5 * MSS_TS];
	const uint64_t *cnt;
	struct th_seg s;
	struct th t;
	uint32_t ecr, seq[6];
	(void)state;

	th_init(&t, 7);
	cnt = ng_stack_stats(t.st)->counters;
	c = th_server_sack(&t, &l, true, &ecr);
	for (unsigned k = 0; k < 6; k++)
		seq[k] = 2001 + k * MSS_TS;
	memset(d, 'p', sizeof(d));
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), (long)sizeof(d));
	for (unsigned k = 0; k < 5; k++)
		th_expect(&t, &s, k == 4 ? NG_TCP_ACK | NG_TCP_PSH : NG_TCP_ACK, seq[k], 101,
		          MSS_TS);
	th_advance(&t, TCP_PTO_MIN_NS - NG_NS_PER_MS / 2);
	th_expect_none(&t);
	th_advance(&t, NG_NS_PER_MS);
	th_expect(&t, &s, NG_TCP_ACK | NG_TCP_PSH, seq[4], 101, MSS_TS);
	th_expect_none(&t);
	assert_int_equal(cnt[NG_CNT_TCP_TLP], 1);
	/* one probe per episode: nothing more until the RTO (200 ms), which resends SND.UNA */
	th_advance(&t, 150 * NG_NS_PER_MS);
	th_expect_none(&t);
	th_advance(&t, 60 * NG_NS_PER_MS);
	th_expect(&t, &s, NG_TCP_ACK, seq[0], 101, MSS_TS);
	assert_int_equal(cnt[NG_CNT_TCP_TLP], 1);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);

	/* segment 0 was lost and the ACKs of the others too: the probe's answer SACKs segments
	 * 1-4, more than 2 * SMSS above the hole, so recovery starts at once (RFC 6675), long
	 * before the RTO: the hole goes by rule 1, then once more as the rescue retransmission of
	 * rule 4 (the highest unSACKed data; RescueRxt is undefined at the start of recovery) */
	th_init(&t, 8);
	c = th_server_sack(&t, &l, true, &ecr);
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), (long)sizeof(d));
	for (unsigned k = 0; k < 5; k++)
		th_expect(&t, &s, k == 4 ? NG_TCP_ACK | NG_TCP_PSH : NG_TCP_ACK, seq[k], 101,
		          MSS_TS);
	ecr = s.h.opt.tsval;
	th_advance(&t, 11 * NG_NS_PER_MS);
	th_expect(&t, &s, NG_TCP_ACK | NG_TCP_PSH, seq[4], 101, MSS_TS);
	o = popt(1100, ecr, (const uint32_t[]){seq[1], seq[5]}, 1);
	th_send_opt(&t, TH_PPORT, TH_SPORT, 101, seq[0], NG_TCP_ACK, 65535, NULL, 0, &o, 0);
	th_expect(&t, &s, NG_TCP_ACK, seq[0], 101, MSS_TS);
	th_expect(&t, &s, NG_TCP_ACK, seq[0], 101, MSS_TS);
	th_expect_none(&t);
	assert_true(c->in_recovery);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

/* With more data queued than the congestion window lets out, the probe is still the last
 * segment sent again, beyond cwnd by one segment: RFC 8985 7.3 prefers new data, but a new
 * segment that arrives in order after a flight whose ACK was lost draws only the receiver's
 * delayed ACK, a duplicate an immediate one (tcp_timer.c, tlp_fire). */
static void test_tail_loss_probe_new_data(void **state)
{
	struct ng_tcp_sock *c, *l;
	static uint8_t d[20 * MSS_TS];
	struct ng_tcp_info info;
	struct th_seg s;
	struct th t;
	uint32_t ecr, n = 0;
	(void)state;

	th_init(&t, 10);
	c = th_server_sack(&t, &l, true, &ecr);
	memset(d, 'n', sizeof(d));
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), (long)sizeof(d));
	while (th_pop(&t, &s)) {
		assert_int_equal(s.h.seq, 2001 + n * MSS_TS);
		n++;
	}
	assert_true(n >= 2 && n < 20); /* the initial window, not all of it */
	th_advance(&t, 11 * NG_NS_PER_MS);
	th_expect(&t, &s, NG_TCP_ACK, 2001 + (n - 1) * MSS_TS, 101, MSS_TS);
	th_expect_none(&t);
	ng_tcp_get_info(c, &info);
	assert_int_equal(info.retransmits, 1);
	assert_int_equal(ng_stack_stats(t.st)->counters[NG_CNT_TCP_TLP], 1);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

/* With a single segment in flight the probe would wait for the peer's delayed ACK too (RFC 8985
 * 7.2: PTO += WCDelAckT), which is no sooner than the RTO: no probe, the RTO resends it. */
static void test_tail_loss_probe_one_segment(void **state)
{
	struct ng_tcp_sock *c, *l;
	struct th_seg s;
	struct th t;
	uint32_t ecr;
	(void)state;

	th_init(&t, 9);
	c = th_server_sack(&t, &l, true, &ecr);
	assert_int_equal(ng_tcp_send(c, "hello", 5), 5);
	th_expect(&t, &s, NG_TCP_ACK | NG_TCP_PSH, 2001, 101, 5);
	th_advance(&t, 199 * NG_NS_PER_MS);
	th_expect_none(&t);
	th_advance(&t, 2 * NG_NS_PER_MS);
	th_expect(&t, &s, NG_TCP_ACK | NG_TCP_PSH, 2001, 101, 5);
	assert_int_equal(ng_stack_stats(t.st)->counters[NG_CNT_TCP_TLP], 0);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_negotiation),
	    cmocka_unit_test(test_paws),
	    cmocka_unit_test(test_receiver_blocks),
	    cmocka_unit_test(test_receiver_four_blocks),
	    cmocka_unit_test(test_sender_recovery),
	    cmocka_unit_test(test_tail_loss_probe),
	    cmocka_unit_test(test_tail_loss_probe_one_segment),
	    cmocka_unit_test(test_tail_loss_probe_new_data),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
