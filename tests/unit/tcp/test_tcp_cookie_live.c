// SPDX-License-Identifier: MIT
/* SYN cookies are checked only while a listener has some outstanding (RFC 4987 3.6; as Linux):
 * a stray ACK at a listener that sent no cookie within the cookie lifetime gets the RST of
 * RFC 9293 3.10.7.2 without a cookie check (no SipHash), and a genuine cookie ACK still opens
 * the connection up to the last instant its cookie is valid. */
#include "tcp_harness.h"

#define A  NG_TCP_ACK
#define S  NG_TCP_SYN
#define R  NG_TCP_RST
#define MS NG_NS_PER_MS

static uint64_t counter(struct th *t, enum ng_counter k)
{
	return ng_stack_stats(t->st)->counters[k];
}

/* Drop whatever natgate sent (retransmitted SYN+ACKs of a half-open child). */
static void drain(struct th *t)
{
	struct th_seg s;
	while (th_pop(t, &s))
		;
}

/* A listener that never sent a cookie: an ACK with no connection behind it is answered
 * <SEQ=SEG.ACK><CTL=RST> at once, and no cookie is checked (TCP_SYNCOOKIE_BAD stays 0 and the
 * cookie key is never even derived). */
static void test_stray_ack_no_cookie(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *l;
	(void)state;

	th_init(&t, 301);
	assert_int_equal(ng_tcp_listen(t.st, 0, 80, 4, th_accept, &t, NULL, &l), 0);
	for (uint32_t i = 0; i < 50; i++) {
		th_send(&t, (uint16_t)(1000 + i), 80, 500 + i, 9000 + i, A, 65535, NULL, 0);
		th_expect(&t, &s, R, 9000 + i, 0, 0);
		assert_int_equal(s.h.dport, 1000 + i);
	}
	/* and with data on it */
	th_send(&t, 2000, 80, 77, 4242, A, 65535, "xyz", 3);
	th_expect(&t, &s, R, 4242, 0, 0);
	th_expect_none(&t);
	assert_int_equal(counter(&t, NG_CNT_TCP_SYNCOOKIE_BAD), 0);
	assert_int_equal(counter(&t, NG_CNT_TCP_SYNCOOKIE_OK), 0);
	assert_false(tcp_of(t.st)->cookie_key_ok);
	assert_int_equal(ng_tcp_count(t.st), 0);
	assert_int_equal(t.naccepted, 0);
	ng_tcp_close(l);
	th_fini(&t);
}

/* Cookies sent: a stray ACK while they are live is checked (and dropped quietly, it may be a
 * cookie connection's later segment); a cookie made at the very start of a cookie period
 * (1024 s) still opens its connection 1 ms before its lifetime ends (1152 s); once no cookie is
 * live any more, stray ACKs draw the RST again and are not checked. */
static void test_cookie_lifetime(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *l, *c;
	uint32_t cookie;
	char buf[8];
	(void)state;

	th_init(&t, 302);
	ng_tcp_test_set_isn(t.st, true, 2000);
	assert_int_equal(ng_tcp_listen(t.st, 0, 80, 1, th_accept, &t, NULL, &l), 0);
	/* fill the SYN queue (backlog 1) */
	th_send(&t, 1001, 80, 100, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, 2000, 101, 0);
	/* a stray ACK before any cookie: RST, unchecked */
	th_send(&t, 1500, 80, 1, 3333, A, 65535, NULL, 0);
	th_expect(&t, &s, R, 3333, 0, 0);
	assert_int_equal(counter(&t, NG_CNT_TCP_SYNCOOKIE_BAD), 0);

	/* at 1024 s, the start of cookie period 16, the queue is still full: a cookie */
	th_advance(&t, 1024 * NG_NS_PER_SEC - t.now);
	drain(&t);
	th_send(&t, 1002, 80, 7000, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, s.h.seq, 7001, 0);
	cookie = s.h.seq;
	assert_int_not_equal(cookie, 2000);
	assert_int_equal(counter(&t, NG_CNT_TCP_SYNCOOKIE_TX), 1);

	/* live: a stray ACK is checked, fails, and is dropped without a RST */
	th_send(&t, 1500, 80, 1, 3333, A, 65535, NULL, 0);
	th_expect_none(&t);
	assert_int_equal(counter(&t, NG_CNT_TCP_SYNCOOKIE_BAD), 1);

	/* 1 ms before the lifetime ends (period 17 still accepts period 16's cookies) the genuine
	 * ACK, with data, opens the connection */
	th_advance(&t, 1152 * NG_NS_PER_SEC - MS - t.now);
	drain(&t);
	th_send(&t, 1002, 80, 7001, cookie + 1, A, 65535, "ok", 2);
	assert_int_equal(counter(&t, NG_CNT_TCP_SYNCOOKIE_OK), 1);
	assert_int_equal(t.naccepted, 1);
	c = t.accepted;
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	assert_int_equal(ng_tcp_recv(c, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "ok", 2);
	th_advance(&t, 100 * MS);
	th_expect(&t, &s, A, cookie + 1, 7003, 0);

	/* the lifetime is over: stray ACKs draw a RST and cost no check */
	th_advance(&t, 2 * MS);
	th_send(&t, 1500, 80, 1, 3333, A, 65535, NULL, 0);
	th_expect(&t, &s, R, 3333, 0, 0);
	/* the cookie itself, replayed from another port, is refused the same way */
	th_send(&t, 1003, 80, 7001, cookie + 1, A, 65535, NULL, 0);
	th_expect(&t, &s, R, cookie + 1, 0, 0);
	th_expect_none(&t);
	assert_int_equal(counter(&t, NG_CNT_TCP_SYNCOOKIE_BAD), 1);
	assert_int_equal(counter(&t, NG_CNT_TCP_SYNCOOKIE_OK), 1);
	assert_int_equal(t.naccepted, 1);

	ng_tcp_abort(c);
	ng_tcp_close(l);
	drain(&t);
	assert_int_equal(ng_tcp_count(t.st), 0);
	th_fini(&t);
}

/* A duplicate SYN made an ordinary child while the peer took the cookie (cookie_rescue): the
 * child becomes the cookie's connection only while cookies are live; a child that gets a
 * foreign ACK at a listener that sent no cookie answers it with a RST, unchecked. */
static void test_rescue_needs_live_cookies(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *l;
	(void)state;

	th_init(&t, 303);
	ng_tcp_test_set_isn(t.st, true, 2000);
	assert_int_equal(ng_tcp_listen(t.st, 0, 80, 4, th_accept, &t, NULL, &l), 0);
	th_send(&t, 1001, 80, 100, 0, S, 65535, NULL, 0);
	th_expect(&t, &s, S | A, 2000, 101, 0);
	/* an ACK of something we never sent: RFC 9293 3.10.7.4 in SYN_RECEIVED, a RST */
	th_send(&t, 1001, 80, 101, 5555, A, 65535, NULL, 0);
	th_expect(&t, &s, R, 5555, 0, 0);
	th_expect_none(&t);
	assert_int_equal(counter(&t, NG_CNT_TCP_SYNCOOKIE_BAD), 0);
	assert_int_equal(counter(&t, NG_CNT_TCP_SYNCOOKIE_OK), 0);
	assert_false(tcp_of(t.st)->cookie_key_ok);
	assert_int_equal(t.naccepted, 0);
	/* the child is still there and completes normally */
	th_send(&t, 1001, 80, 101, 2001, A, 65535, NULL, 0);
	assert_int_equal(t.naccepted, 1);
	assert_int_equal(ng_tcp_get_state(t.accepted), NG_TCP_ESTABLISHED);
	ng_tcp_abort(t.accepted);
	ng_tcp_close(l);
	drain(&t);
	assert_int_equal(ng_tcp_count(t.st), 0);
	th_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stray_ack_no_cookie),
	    cmocka_unit_test(test_cookie_lifetime),
	    cmocka_unit_test(test_rescue_needs_live_cookies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
