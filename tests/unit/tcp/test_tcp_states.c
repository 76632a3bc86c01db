// SPDX-License-Identifier: MIT
/* Every arc of RFC 9293's state diagram, and RST generation and acceptance in every state, driven
 * segment by segment with asserted sequence and acknowledgement numbers. */
#include "tcp_harness.h"

#define A NG_TCP_ACK
#define F NG_TCP_FIN
#define S NG_TCP_SYN
#define R NG_TCP_RST
#define P NG_TCP_PSH

/* Bring a natgate client (ISN 100, peer ISN 2000) to STATE. *RCV is natgate's RCV.NXT and *SND
 * its SND.NXT afterwards. Asserts every segment on the way. */
static struct ng_tcp_sock *to_state(struct th *t, enum ng_tcp_state state, uint16_t *lp,
                                    uint32_t *rcv, uint32_t *snd)
{
	struct th_seg s;
	struct ng_tcp_sock *c = th_client(t, lp, NULL, 65535, NULL);

	*rcv = 2001;
	*snd = 101;
	switch (state) {
	case NG_TCP_ESTABLISHED:
		break;
	case NG_TCP_FIN_WAIT_1:
	case NG_TCP_FIN_WAIT_2:
	case NG_TCP_TIME_WAIT:
	case NG_TCP_CLOSING:
		assert_int_equal(ng_tcp_shutdown(c), 0);
		th_expect(t, &s, F | A, 101, 2001, 0);
		*snd = 102;
		if (state == NG_TCP_CLOSING) {
			th_send(t, 80, *lp, 2001, 101, F | A, 65535, NULL, 0);
			th_expect(t, &s, A, 102, 2002, 0);
			*rcv = 2002;
			break;
		}
		if (state == NG_TCP_FIN_WAIT_1)
			break;
		th_send(t, 80, *lp, 2001, 102, A, 65535, NULL, 0);
		if (state == NG_TCP_TIME_WAIT) {
			th_send(t, 80, *lp, 2001, 102, F | A, 65535, NULL, 0);
			th_expect(t, &s, A, 102, 2002, 0);
			*rcv = 2002;
		}
		break;
	case NG_TCP_CLOSE_WAIT:
	case NG_TCP_LAST_ACK:
		th_send(t, 80, *lp, 2001, 101, F | A, 65535, NULL, 0);
		th_expect(t, &s, A, 101, 2002, 0);
		*rcv = 2002;
		if (state == NG_TCP_LAST_ACK) {
			assert_int_equal(ng_tcp_shutdown(c), 0);
			th_expect(t, &s, F | A, 101, 2002, 0);
			*snd = 102;
		}
		break;
	default:
		fail();
	}
	assert_int_equal(ng_tcp_get_state(c), state);
	th_expect_none(t);
	return c;
}

static void test_simultaneous_open(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint16_t lp;
	(void)state;

	th_init(&t, 3);
	ng_tcp_test_set_isn(t.st, true, 100);
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, NULL, &c), 0);
	th_expect(&t, &s, S, 100, 0, 0);
	lp = s.h.sport;
	/* the peer's own SYN crosses ours */
	th_send(&t, 80, lp, 2000, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, 100, 2001, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_SYN_RECEIVED);
	assert_true(th_traced(&t, NG_TCP_SYN_SENT, NG_TCP_SYN_RECEIVED));
	assert_false(t.events & NG_TCP_EV_CONNECTED);
	/* its SYN+ACK answers our SYN */
	th_send(&t, 80, lp, 2000, 101, S | A, 65535, NULL, 0);
	th_expect(&t, &s, A, 101, 2001, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	assert_true(th_traced(&t, NG_TCP_SYN_RECEIVED, NG_TCP_ESTABLISHED));
	assert_true(t.events & NG_TCP_EV_CONNECTED);
	ng_tcp_abort(c);
	th_expect(&t, &s, R | A, 101, 2001, 0);
	th_fini(&t);
}

/* Both FINs cross: FIN_WAIT_1 -> CLOSING -> TIME_WAIT -> CLOSED. */
static void test_simultaneous_close(void **state)
{
	struct th t;
	struct ng_tcp_sock *c;
	uint16_t lp;
	uint32_t rcv, snd;
	(void)state;

	th_init(&t, 4);
	c = to_state(&t, NG_TCP_CLOSING, &lp, &rcv, &snd);
	assert_true(th_traced(&t, NG_TCP_FIN_WAIT_1, NG_TCP_CLOSING));
	th_send(&t, 80, lp, 2002, 102, A, 65535, NULL, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_TIME_WAIT);
	assert_true(th_traced(&t, NG_TCP_CLOSING, NG_TCP_TIME_WAIT));
	th_expect_none(&t);
	th_advance(&t, 60 * NG_NS_PER_SEC + NG_NS_PER_MS);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_CLOSED);
	assert_true(t.events & NG_TCP_EV_CLOSED);
	assert_int_equal(ng_tcp_error(c), 0);
	assert_int_equal(ng_tcp_count(t.st), 0);
	ng_tcp_close(c);
	th_fini(&t);
}

/* natgate shuts its side first and keeps reading (FIN_WAIT_2 with data). */
static void test_half_close_active(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint16_t lp;
	uint32_t rcv, snd;
	uint8_t d[50], b[64];
	(void)state;

	th_init(&t, 5);
	c = to_state(&t, NG_TCP_FIN_WAIT_2, &lp, &rcv, &snd);
	assert_int_equal(ng_tcp_send(c, "x", 1), -NG_EPIPE);
	ng_test_fill(d, sizeof(d), 5);
	th_send(&t, 80, lp, 2001, 102, P | A, 65535, d, sizeof(d));
	assert_true(t.events & NG_TCP_EV_READABLE);
	assert_int_equal(ng_tcp_recv(c, b, sizeof(b)), 50);
	assert_memory_equal(b, d, 50);
	th_advance(&t, 50 * NG_NS_PER_MS);
	th_expect(&t, &s, A, 102, 2051, 0);
	th_send(&t, 80, lp, 2051, 102, F | A, 65535, NULL, 0);
	th_expect(&t, &s, A, 102, 2052, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_TIME_WAIT);
	assert_int_equal(ng_tcp_recv(c, b, sizeof(b)), 0);
	ng_tcp_close(c); /* the stack finishes TIME_WAIT alone */
	assert_int_equal(ng_tcp_count(t.st), 1);
	th_advance(&t, 61 * NG_NS_PER_SEC);
	assert_int_equal(ng_tcp_count(t.st), 0);
	th_fini(&t);
}

/* The peer shuts first; natgate keeps sending in CLOSE_WAIT, then closes (LAST_ACK). */
static void test_half_close_passive(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c, *l;
	uint8_t b[16];
	(void)state;

	th_init(&t, 6);
	c = th_server(&t, &l, NULL, 65535, NULL);
	th_send(&t, TH_PPORT, TH_SPORT, 101, 2001, F | A, 65535, NULL, 0);
	th_expect(&t, &s, A, 2001, 102, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_CLOSE_WAIT);
	assert_int_equal(ng_tcp_recv(c, b, sizeof(b)), 0);
	assert_int_equal(ng_tcp_send(c, "0123456789", 10), 10);
	th_expect(&t, &s, P | A, 2001, 102, 10);
	th_send(&t, TH_PPORT, TH_SPORT, 102, 2011, A, 65535, NULL, 0);
	ng_tcp_close(c);
	th_expect(&t, &s, F | A, 2011, 102, 0);
	assert_int_equal(th_last_state(&t), NG_TCP_LAST_ACK);
	th_send(&t, TH_PPORT, TH_SPORT, 102, 2012, A, 65535, NULL, 0);
	assert_int_equal(th_last_state(&t), NG_TCP_CLOSED);
	assert_int_equal(ng_tcp_count(t.st), 0);
	ng_tcp_close(l);
	th_fini(&t);
}

/* A retransmitted FIN in TIME_WAIT is acknowledged again and restarts the 2 MSL timer. */
static void test_time_wait_refin(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint16_t lp;
	uint32_t rcv, snd;
	(void)state;

	th_init(&t, 7);
	c = to_state(&t, NG_TCP_TIME_WAIT, &lp, &rcv, &snd);
	th_advance(&t, 30 * NG_NS_PER_SEC);
	th_send(&t, 80, lp, 2001, 102, F | A, 65535, NULL, 0);
	th_expect(&t, &s, A, 102, 2002, 0);
	th_advance(&t, 59 * NG_NS_PER_SEC);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_TIME_WAIT);
	th_advance(&t, 2 * NG_NS_PER_SEC);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_CLOSED);
	assert_int_equal(ng_tcp_count(t.st), 0);
	ng_tcp_close(c);
	th_fini(&t);
}

/* RFC 9293 3.10.7.1: segments to a port nobody listens on. */
static void test_rst_closed_port(void **state)
{
	struct th t;
	struct th_seg s;
	uint64_t noport;
	(void)state;

	th_init(&t, 8);
	noport = ng_stack_stats(t.st)->drops[NG_DROP_TCP_NO_PORT];
	th_send(&t, 1234, 81, 500, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, R | A, 0, 501, 0);
	assert_int_equal(s.h.sport, 81);
	assert_int_equal(s.h.dport, 1234);
	th_send(&t, 1234, 81, 500, 777, A, 65535, NULL, 0);
	th_expect(&t, &s, R, 777, 0, 0);
	th_send(&t, 1234, 81, 500, 0, P, 65535, "0123456789", 10);
	th_expect(&t, &s, R | A, 0, 510, 0);
	th_send(&t, 1234, 81, 500, 0, F, 65535, NULL, 0);
	th_expect(&t, &s, R | A, 0, 501, 0);
	th_send(&t, 1234, 81, 500, 0, R, 65535, NULL, 0);
	th_send(&t, 1234, 81, 500, 3, R | A, 65535, NULL, 0);
	th_expect_none(&t); /* never a RST for a RST */
	assert_int_equal(ng_stack_stats(t.st)->drops[NG_DROP_TCP_NO_PORT], noport + 6);
	th_fini(&t);
}

/* RFC 9293 3.10.7.2: a listener answers an ACK with RST, ignores RST, drops a bare segment. */
static void test_rst_listen(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *l;
	(void)state;

	th_init(&t, 9);
	assert_int_equal(ng_tcp_listen(t.st, 0, 80, 4, th_accept, &t, NULL, &l), 0);
	th_send(&t, 1234, 80, 1, 999, A, 65535, NULL, 0);
	th_expect(&t, &s, R, 999, 0, 0);
	th_send(&t, 1234, 80, 1, 0, R, 65535, NULL, 0);
	th_send(&t, 1234, 80, 1, 0, 0, 65535, "x", 1);
	th_expect_none(&t);
	assert_int_equal(ng_tcp_get_state(l), NG_TCP_LISTEN);
	assert_int_equal(ng_tcp_count(t.st), 0);
	ng_tcp_close(l);
	th_fini(&t);
}

/* RFC 9293 3.10.7.3: SYN_SENT takes a RST only with an acceptable ACK (ECONNREFUSED); a bad ACK
 * draws a RST; a bare RST is ignored. */
static void test_rst_syn_sent(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint16_t lp;
	(void)state;

	th_init(&t, 10);
	ng_tcp_test_set_isn(t.st, true, 100);
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, NULL, &c), 0);
	th_expect(&t, &s, S, 100, 0, 0);
	lp = s.h.sport;
	th_send(&t, 80, lp, 2000, 5000, S | A, 65535, NULL, 0); /* acks what we never sent */
	th_expect(&t, &s, R, 5000, 0, 0);
	th_send(&t, 80, lp, 2000, 100, A, 65535, NULL, 0); /* SEG.ACK =< ISS */
	th_expect(&t, &s, R, 100, 0, 0);
	th_send(&t, 80, lp, 2000, 0, R, 65535, NULL, 0);        /* no ACK: ignored */
	th_send(&t, 80, lp, 2000, 5000, R | A, 65535, NULL, 0); /* bad ACK: dropped */
	th_expect_none(&t);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_SYN_SENT);
	assert_int_equal(t.events, 0);
	th_send(&t, 80, lp, 0, 101, R | A, 0, NULL, 0); /* the closed-port answer */
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_CLOSED);
	assert_int_equal(ng_tcp_error(c), -NG_ECONNREFUSED);
	assert_true(t.events & NG_TCP_EV_ERROR);
	assert_true(t.events & NG_TCP_EV_CLOSED);
	assert_int_equal(ng_tcp_count(t.st), 0);
	th_expect_none(&t);
	ng_tcp_close(c);
	th_fini(&t);
}

/* SYN_RECEIVED (passive): an out-of-window RST is ignored, an in-window one returns to LISTEN
 * (the child goes, the listener stays and takes the next SYN); a bad ACK draws a RST. */
static void test_rst_syn_received(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *l;
	(void)state;

	th_init(&t, 11);
	ng_tcp_test_set_isn(t.st, true, 2000);
	assert_int_equal(ng_tcp_listen(t.st, 0, 80, 4, th_accept, &t, NULL, &l), 0);
	th_send(&t, TH_PPORT, 80, 100, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, 2000, 101, 0);
	th_send(&t, TH_PPORT, 80, 101, 9999, A, 65535, NULL, 0); /* unacceptable ACK */
	th_expect(&t, &s, R, 9999, 0, 0);
	th_send(&t, TH_PPORT, 80, 101 + 300000, 0, R, 65535, NULL, 0);
	th_expect_none(&t);
	assert_int_equal(ng_tcp_count(t.st), 1);
	th_send(&t, TH_PPORT, 80, 101, 0, R, 65535, NULL, 0);
	assert_int_equal(ng_tcp_count(t.st), 0);
	assert_true(th_traced(&t, NG_TCP_SYN_RECEIVED, NG_TCP_CLOSED));
	assert_null(t.accepted);
	assert_int_equal(ng_tcp_get_state(l), NG_TCP_LISTEN);
	th_send(&t, TH_PPORT, 80, 500, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, 2000, 501, 0);
	th_send(&t, TH_PPORT, 80, 501, 2001, A, 65535, NULL, 0);
	assert_non_null(t.accepted);
	ng_tcp_abort(t.accepted);
	th_expect(&t, &s, R | A, 2001, 501, 0);
	ng_tcp_close(l);
	th_fini(&t);
}

/* RST acceptance in every synchronized state: outside the window (before RCV.NXT, or beyond
 * RCV.NXT+RCV.WND) ignored; inside it but not at RCV.NXT a challenge ACK
 * <SEQ=SND.NXT><ACK=RCV.NXT> (RFC 5961 3.2, on by default); exactly at RCV.NXT the connection
 * ends, ECONNRESET where the application still expected data. */
static void test_rst_synchronized_states(void **state)
{
	static const struct {
		enum ng_tcp_state st;
		int err;
	} cases[] = {
	    {NG_TCP_ESTABLISHED, -NG_ECONNRESET},
	    {NG_TCP_FIN_WAIT_1, -NG_ECONNRESET},
	    {NG_TCP_FIN_WAIT_2, -NG_ECONNRESET},
	    {NG_TCP_CLOSE_WAIT, -NG_ECONNRESET},
	    {NG_TCP_CLOSING, 0},
	    {NG_TCP_LAST_ACK, 0},
	    {NG_TCP_TIME_WAIT, 0},
	};
	(void)state;

	for (unsigned i = 0; i < NG_ARRAY_SIZE(cases); i++) {
		struct th t;
		struct ng_tcp_sock *c;
		uint16_t lp;
		uint32_t rcv, snd;

		th_init(&t, 20 + i);
		c = to_state(&t, cases[i].st, &lp, &rcv, &snd);
		th_send(&t, 80, lp, rcv - 1, 0, R, 0, NULL, 0);
		th_send(&t, 80, lp, rcv + 300000, 0, R, 0, NULL, 0);
		th_expect_none(&t);
		assert_int_equal(ng_tcp_get_state(c), cases[i].st);
		th_send(&t, 80, lp, rcv + 1000, 0, R, 0, NULL, 0);
		struct th_seg ch;
		th_expect(&t, &ch, A, snd, rcv, 0);
		th_expect_none(&t);
		assert_int_equal(ng_tcp_get_state(c), cases[i].st);
		assert_int_equal(ng_stack_stats(t.st)->counters[NG_CNT_TCP_CHALLENGE_ACK], 1);
		th_send(&t, 80, lp, rcv, 0, R, 0, NULL, 0);
		assert_int_equal(ng_tcp_get_state(c), NG_TCP_CLOSED);
		assert_true(th_traced(&t, cases[i].st, NG_TCP_CLOSED));
		assert_int_equal(ng_tcp_error(c), cases[i].err);
		assert_true(t.events & NG_TCP_EV_CLOSED);
		assert_int_equal(!!(t.events & NG_TCP_EV_ERROR), cases[i].err != 0);
		assert_int_equal(ng_tcp_count(t.st), 0);
		th_expect_none(&t);
		/* the connection is gone: a segment for it now meets a closed port */
		th_send(&t, 80, lp, rcv, snd, A, 65535, NULL, 0);
		struct th_seg s;
		th_expect(&t, &s, R, snd, 0, 0);
		ng_tcp_close(c);
		th_fini(&t);
	}
}

/* RFC 9293 3.10.7.4 step 1: unacceptable segments are answered by <SEQ=SND.NXT><ACK=RCV.NXT>;
 * an ACK of unsent data too; a SYN in a synchronized state draws a challenge ACK. */
static void test_unacceptable_segments(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint16_t lp;
	uint32_t rcv, snd;
	(void)state;

	th_init(&t, 30);
	c = to_state(&t, NG_TCP_ESTABLISHED, &lp, &rcv, &snd);
	th_send(&t, 80, lp, 2001 + 300000, 101, A, 65535, "abcdefghij", 10); /* beyond window */
	th_expect(&t, &s, A, 101, 2001, 0);
	th_send(&t, 80, lp, 1990, 101, A, 65535, "abcde", 5); /* old duplicate */
	th_expect(&t, &s, A, 101, 2001, 0);
	th_send(&t, 80, lp, 2001, 5000, A, 65535, "abcde", 5); /* acks unsent data */
	th_expect(&t, &s, A, 101, 2001, 0);
	assert_int_equal(ng_tcp_recv_avail(c), 0);
	th_send(&t, 80, lp, 2001, 101, S, 65535, NULL, 0); /* SYN: challenge ACK */
	th_expect(&t, &s, A, 101, 2001, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	assert_true(ng_stack_stats(t.st)->drops[NG_DROP_TCP_UNACCEPTABLE] >= 3);
	ng_tcp_abort(c);
	th_expect(&t, &s, R | A, 101, 2001, 0);
	assert_int_equal(ng_tcp_count(t.st), 0);
	th_fini(&t);
}

/* Closing with unread data resets (RFC 9293 3.10.4, RFC 2525 2.17). */
static void test_close_unread_resets(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint16_t lp;
	uint32_t rcv, snd;
	(void)state;

	th_init(&t, 31);
	c = to_state(&t, NG_TCP_ESTABLISHED, &lp, &rcv, &snd);
	th_send(&t, 80, lp, 2001, 101, P | A, 65535, "abc", 3);
	ng_tcp_close(c);
	th_expect(&t, &s, R | A, 101, 2004, 0);
	assert_int_equal(ng_tcp_count(t.st), 0);
	th_fini(&t);
}

/* Abort in SYN_SENT sends nothing; a listener's close resets its half-open children. */
static void test_abort_and_listener_close(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c, *l;
	(void)state;

	th_init(&t, 32);
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, NULL, &c), 0);
	assert_true(th_pop(&t, &s));
	ng_tcp_abort(c);
	th_expect_none(&t);
	assert_int_equal(ng_tcp_count(t.st), 0);
	assert_true(th_traced(&t, NG_TCP_SYN_SENT, NG_TCP_CLOSED));

	ng_tcp_test_set_isn(t.st, true, 2000);
	assert_int_equal(ng_tcp_listen(t.st, 0, 80, 4, th_accept, &t, NULL, &l), 0);
	assert_int_equal(ng_tcp_listen(t.st, TH_US, 80, 4, th_accept, &t, NULL, &c),
	                 -NG_EADDRINUSE);
	th_send(&t, TH_PPORT, 80, 100, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, 2000, 101, 0);
	assert_int_equal(ng_tcp_count(t.st), 1);
	ng_tcp_close(l);
	th_expect(&t, &s, R | A, 2001, 101, 0);
	assert_int_equal(ng_tcp_count(t.st), 0);
	assert_true(th_traced(&t, NG_TCP_LISTEN, NG_TCP_CLOSED));
	th_fini(&t);
}

/* The backlog bounds half-open children; beyond it SYNs get cookies. */
static void test_backlog(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *l;
	(void)state;

	th_init(&t, 33);
	assert_int_equal(ng_tcp_listen(t.st, 0, 80, 2, th_accept, &t, NULL, &l), 0);
	th_send(&t, 1001, 80, 100, 0, S, 65535, NULL, 0);
	assert_true(th_pop(&t, &s));
	th_send(&t, 1002, 80, 100, 0, S, 65535, NULL, 0);
	assert_true(th_pop(&t, &s));
	/* the third is answered with a SYN cookie (RFC 4987), no connection block */
	th_send(&t, 1003, 80, 100, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, s.h.seq, 101, 0);
	th_expect_none(&t);
	assert_int_equal(ng_stack_stats(t.st)->drops[NG_DROP_TCP_BACKLOG], 1);
	assert_int_equal(ng_stack_stats(t.st)->counters[NG_CNT_TCP_SYNCOOKIE_TX], 1);
	assert_int_equal(ng_tcp_count(t.st), 2);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		assert_int_equal(s.h.flags, R | A);
	assert_int_equal(ng_tcp_count(t.st), 0);
	th_fini(&t);
}

/* FIN_WAIT_1 -> TIME_WAIT: the peer's FIN arrives together with the ACK of ours. */
static void test_fin_wait_1_to_time_wait(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint16_t lp;
	uint32_t rcv, snd;
	(void)state;

	th_init(&t, 34);
	c = to_state(&t, NG_TCP_FIN_WAIT_1, &lp, &rcv, &snd);
	th_send(&t, 80, lp, 2001, 102, F | A, 65535, NULL, 0);
	th_expect(&t, &s, A, 102, 2002, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_TIME_WAIT);
	assert_true(th_traced(&t, NG_TCP_FIN_WAIT_1, NG_TCP_FIN_WAIT_2));
	assert_true(th_traced(&t, NG_TCP_FIN_WAIT_2, NG_TCP_TIME_WAIT));
	assert_false(th_traced(&t, NG_TCP_FIN_WAIT_1, NG_TCP_CLOSING));
	ng_tcp_close(c);
	th_advance(&t, 61 * NG_NS_PER_SEC);
	assert_int_equal(ng_tcp_count(t.st), 0);
	th_fini(&t);
}

/* RFC 9293 3.5.2, half-open connection: the peer crashed and reconnects from the same port. Its
 * SYN draws a (challenge) ACK; the peer, knowing no such connection, answers with a RST at
 * exactly that ACK number, which resets ours; its next SYN opens a new connection. */
static void test_half_open_recovery(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c, *l;
	(void)state;

	th_init(&t, 35);
	c = th_server(&t, &l, NULL, 65535, NULL);
	t.accepted = NULL;
	th_send(&t, TH_PPORT, TH_SPORT, 9000, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, A, 2001, 101, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	th_send(&t, TH_PPORT, TH_SPORT, s.h.ack, 0, R, 0, NULL, 0); /* the peer's RST */
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_CLOSED);
	assert_int_equal(ng_tcp_error(c), -NG_ECONNRESET);
	th_send(&t, TH_PPORT, TH_SPORT, 9000, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, 2000, 9001, 0);
	th_send(&t, TH_PPORT, TH_SPORT, 9001, 2001, A, 65535, NULL, 0);
	assert_non_null(t.accepted);
	ng_tcp_close(c);
	ng_tcp_abort(t.accepted);
	ng_tcp_close(l);
	th_fini(&t);
}

/* RFC 9293 3.10.4 close in SYN_RECEIVED of an active open (after a simultaneous open): the FIN
 * follows as soon as the handshake completes. */
static void test_shutdown_in_syn_received(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint16_t lp;
	(void)state;

	th_init(&t, 36);
	ng_tcp_test_set_isn(t.st, true, 100);
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, NULL, &c), 0);
	th_expect(&t, &s, S, 100, 0, 0);
	lp = s.h.sport;
	th_send(&t, 80, lp, 2000, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, 100, 2001, 0);
	assert_int_equal(ng_tcp_shutdown(c), 0);
	th_expect_none(&t);
	th_send(&t, 80, lp, 2001, 101, A, 65535, NULL, 0);
	th_expect(&t, &s, F | A, 101, 2001, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_FIN_WAIT_1);
	ng_tcp_abort(c);
	th_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_simultaneous_open),
	    cmocka_unit_test(test_simultaneous_close),
	    cmocka_unit_test(test_half_close_active),
	    cmocka_unit_test(test_half_close_passive),
	    cmocka_unit_test(test_time_wait_refin),
	    cmocka_unit_test(test_rst_closed_port),
	    cmocka_unit_test(test_rst_listen),
	    cmocka_unit_test(test_rst_syn_sent),
	    cmocka_unit_test(test_rst_syn_received),
	    cmocka_unit_test(test_rst_synchronized_states),
	    cmocka_unit_test(test_unacceptable_segments),
	    cmocka_unit_test(test_close_unread_resets),
	    cmocka_unit_test(test_abort_and_listener_close),
	    cmocka_unit_test(test_backlog),
	    cmocka_unit_test(test_fin_wait_1_to_time_wait),
	    cmocka_unit_test(test_half_open_recovery),
	    cmocka_unit_test(test_shutdown_in_syn_received),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
