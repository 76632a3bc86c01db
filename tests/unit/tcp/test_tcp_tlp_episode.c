// SPDX-License-Identifier: MIT
/*
 * The tail loss probe's episode (RFC 8985 7.3 / 7.4), segment by segment: after a probe, with no
 * ACK, the next timer event is the RTO, not another probe timeout, and the episode lasts until
 * an ACK reaches TLP.end_seq (or the RTO). The probe is always the last segment sent again,
 * also when new data waits (RFC 8985 7.3 prefers new data: see tlp_fire for why not).
 */
#include "tcp_harness.h"

#define MSS_TS 1448                 /* 1460 less the timestamp option */
#define PTO    TCP_PTO_MIN_NS       /* SRTT is 0 after the handshake here: the floor */
#define RTO    (200 * NG_NS_PER_MS) /* TCP_RTO_MIN_NS */

/* Options of a peer segment: timestamps TSVAL / TSECR, no SACK blocks. */
static struct ng_tcp_opts popt(uint32_t tsval, uint32_t tsecr)
{
	struct ng_tcp_opts o;

	memset(&o, 0, sizeof(o));
	o.ts_ok = true;
	o.tsval = tsval;
	o.tsecr = tsecr;
	return o;
}

/* Nanoseconds until the stack's next timer event (the connection's retransmission timer is
 * the only one running in these tests: no data came in, so no delayed ACK; no keepalive). */
static uint64_t next_event(const struct th *t)
{
	uint64_t d = ng_stack_deadline(t->st);

	assert_true(d > t->now);
	return d - t->now;
}

/* C sends five full segments of FILL (all the data it has: an application-limited flight);
 * they go out at once, the last with PSH. */
static void send_flight(struct th *t, struct ng_tcp_sock *c, char fill)
{
	static uint8_t d[5 * MSS_TS];
	struct th_seg s;

	memset(d, fill, sizeof(d));
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), (long)sizeof(d));
	for (unsigned k = 0; k < 5; k++)
		th_expect(t, &s, k == 4 ? NG_TCP_ACK | NG_TCP_PSH : NG_TCP_ACK, 2001 + k * MSS_TS,
		          101, MSS_TS);
}

/* All data queued went out (application-limited flight): the probe retransmits the last
 * segment (RFC 8985 7.3, no new data), and then, without any ACK, the next timer event is the
 * RTO counted from the probe (RFC 8985 7.3: after a probe the RTO timer is armed, not the PTO
 * timer), which goes back to SND.UNA (RFC 6298 5.4). */
static void test_retransmit_probe_then_rto(void **state)
{
	struct ng_tcp_sock *c, *l;
	struct th_seg s;
	struct th t;
	uint32_t ecr;
	uint64_t t0;
	(void)state;

	th_init(&t, 21);
	c = th_server_sack(&t, &l, true, &ecr);
	t0 = t.now;
	send_flight(&t, c, 'r');
	/* the flight is armed with the probe timeout, not the RTO (RFC 8985 7.2) */
	assert_int_equal(next_event(&t), PTO);
	assert_true(c->tlp_armed);
	th_advance(&t, PTO);
	th_expect(&t, &s, NG_TCP_ACK | NG_TCP_PSH, 2001 + 4 * MSS_TS, 101, MSS_TS);
	th_expect_none(&t);
	assert_int_equal(ng_stack_stats(t.st)->counters[NG_CNT_TCP_TLP], 1);
	/* RFC 8985 7.3: the episode is open (TLP.end_seq = SND.NXT) and the RTO runs */
	assert_true(c->tlp_out);
	assert_int_equal(c->tlp_high, 2001 + 5 * MSS_TS);
	assert_false(c->tlp_armed);
	assert_int_equal(next_event(&t), RTO);
	th_advance(&t, RTO - NG_NS_PER_MS);
	th_expect_none(&t);
	th_advance(&t, NG_NS_PER_MS);
	assert_int_equal(t.now, t0 + PTO + RTO);
	th_expect(&t, &s, NG_TCP_ACK, 2001, 101, MSS_TS);
	assert_int_equal(ng_stack_stats(t.st)->counters[NG_CNT_TCP_TLP], 1);
	th_done(&t, c, l);
}

/* RFC 8985 7.4: the episode lasts until an ACK reaches TLP.end_seq. An ACK below it (it
 * acknowledges segments sent before the probe) leaves the episode open: the timer it re-arms is
 * the RTO, and no second probe goes out. The ACK of the probe itself ends the episode: the next
 * flight is armed with a probe timeout again. */
static void test_episode_ends_at_end_seq(void **state)
{
	static uint8_t d[2 * MSS_TS];
	struct ng_tcp_sock *c, *l;
	struct ng_tcp_opts o;
	struct th_seg s;
	struct th t;
	uint32_t ecr;
	(void)state;

	th_init(&t, 22);
	c = th_server_sack(&t, &l, true, &ecr);
	send_flight(&t, c, 'e');
	th_advance(&t, PTO);
	th_expect(&t, &s, NG_TCP_ACK | NG_TCP_PSH, 2001 + 4 * MSS_TS, 101, MSS_TS);
	/* 5 ms later, an ACK of the first three segments: below TLP.end_seq */
	th_advance(&t, 5 * NG_NS_PER_MS);
	o = popt(1100, s.h.opt.tsval);
	th_send_opt(&t, TH_PPORT, TH_SPORT, 101, 2001 + 3 * MSS_TS, NG_TCP_ACK, 65535, NULL, 0, &o,
	            0);
	th_expect_none(&t);
	assert_true(c->tlp_out);
	assert_false(c->tlp_armed);
	/* RFC 6298 5.3 restarts the RTO from this ACK (RTT sample 5 ms: RTO still 200 ms) */
	assert_int_equal(next_event(&t), RTO);
	th_advance(&t, 2 * PTO);
	th_expect_none(&t); /* no second probe in the episode */
	assert_int_equal(ng_stack_stats(t.st)->counters[NG_CNT_TCP_TLP], 1);
	/* the ACK of everything, probe included: the episode is over */
	o = popt(1101, s.h.opt.tsval);
	th_send_opt(&t, TH_PPORT, TH_SPORT, 101, 2001 + 5 * MSS_TS, NG_TCP_ACK, 65535, NULL, 0, &o,
	            0);
	th_expect_none(&t);
	assert_false(ng_timer_armed(&c->rexmt));
	/* a new flight of two segments is armed with a probe timeout again (RFC 8985 7.2) */
	assert_int_equal(ng_tcp_send(c, d, 2 * MSS_TS), 2 * MSS_TS);
	th_expect(&t, &s, NG_TCP_ACK, 2001 + 5 * MSS_TS, 101, MSS_TS);
	th_expect(&t, &s, NG_TCP_ACK | NG_TCP_PSH, 2001 + 6 * MSS_TS, 101, MSS_TS);
	assert_false(c->tlp_out);
	assert_true(c->tlp_armed);
	assert_true(next_event(&t) < RTO);
	th_done(&t, c, l);
}

/* A cwnd-limited flight (more data queued than the initial window lets out): the probe is the
 * last segment sent again, not the next new one (RFC 8985 7.3 prefers new data; tlp_fire says
 * why not), it opens the episode, and without an ACK the next timer event is the RTO: nothing
 * more goes out until PTO + RTO, when SND.UNA goes again. */
static void test_cwnd_limited_probe(void **state)
{
	static uint8_t d[20 * MSS_TS];
	struct ng_tcp_sock *c, *l;
	struct ng_tcp_info info;
	struct th_seg s;
	struct th t;
	uint32_t n = 0, last, ecr;
	uint64_t t0;
	(void)state;

	th_init(&t, 23);
	c = th_server_sack(&t, &l, true, &ecr);
	memset(d, 'n', sizeof(d));
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), (long)sizeof(d));
	t0 = t.now;
	while (th_pop(&t, &s)) {
		assert_int_equal(s.h.seq, 2001 + n * MSS_TS);
		assert_int_equal(s.len, MSS_TS);
		n++;
	}
	assert_true(n >= 2 && n < 20); /* the initial window, not all of it */
	last = 2001 + (n - 1) * MSS_TS;
	assert_int_equal(next_event(&t), PTO);
	th_advance(&t, PTO);
	th_expect(&t, &s, NG_TCP_ACK, last, 101, MSS_TS);
	th_expect_none(&t);
	assert_int_equal(ng_stack_stats(t.st)->counters[NG_CNT_TCP_TLP], 1);
	/* RFC 8985 7.3: the episode is open and the RTO runs */
	assert_true(c->tlp_out);
	assert_int_equal(c->tlp_high, last + MSS_TS);
	assert_false(c->tlp_armed);
	assert_int_equal(next_event(&t), RTO);
	th_advance(&t, RTO - NG_NS_PER_MS);
	th_expect_none(&t);
	th_advance(&t, NG_NS_PER_MS);
	assert_int_equal(t.now, t0 + PTO + RTO);
	th_expect(&t, &s, NG_TCP_ACK, 2001, 101, MSS_TS);
	assert_false(c->tlp_out); /* the RTO deems the probe lost */
	ng_tcp_get_info(c, &info);
	assert_int_equal(info.retransmits, 2); /* the probe and the RTO's */
	assert_int_equal(ng_stack_stats(t.st)->counters[NG_CNT_TCP_TLP], 1);
	th_done(&t, c, l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_retransmit_probe_then_rto),
	    cmocka_unit_test(test_episode_ends_at_end_seq),
	    cmocka_unit_test(test_cwnd_limited_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
