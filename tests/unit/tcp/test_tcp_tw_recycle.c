// SPDX-License-Identifier: MIT
/*
 * A server that closes first keeps every connection in TIME_WAIT for 2*MSL. When those fill the
 * connection table, a new SYN must still be served: the oldest TIME_WAIT nobody holds gives up
 * its block (counted), the newest ones stay and still do their job.
 */
#include "tcp_harness.h"

#define CONNS 4096 /* the default tcp_max_conns: the listener plus 4095 connections fill it */

/* One connection from peer port PORT: handshake, natgate closes first, the peer's FIN+ACK
 * acknowledges natgate's FIN: natgate is left in TIME_WAIT. False if the SYN got no SYN+ACK. */
static bool one_conn(struct th *t, uint16_t port)
{
	struct th_seg s;

	t->accepted = NULL;
	th_send(t, port, TH_SPORT, 100, 0, NG_TCP_SYN, 65535, NULL, 0);
	if (!th_pop(t, &s) || s.h.flags != (NG_TCP_SYN | NG_TCP_ACK))
		return false;
	th_send(t, port, TH_SPORT, 101, 2001, NG_TCP_ACK, 65535, NULL, 0);
	assert_non_null(t->accepted);
	ng_tcp_close(t->accepted);
	th_expect(t, &s, NG_TCP_FIN | NG_TCP_ACK, 2001, 101, 0);
	th_send(t, port, TH_SPORT, 101, 2002, NG_TCP_FIN | NG_TCP_ACK, 65535, NULL, 0);
	th_expect(t, &s, NG_TCP_ACK, 2002, 102, 0);
	th_expect_none(t);
	return true;
}

static void test_time_wait_recycled_when_full(void **state)
{
	const uint64_t *cnt;
	struct ng_tcp_sock *l;
	struct th_seg s;
	struct th t;
	(void)state;

	th_init(&t, 21);
	cnt = ng_stack_stats(t.st)->counters;
	ng_tcp_test_set_isn(t.st, true, 2000);
	assert_int_equal(ng_tcp_listen(t.st, 0, TH_SPORT, 8, th_accept, &t, NULL, &l), 0);
	for (unsigned i = 0; i < CONNS - 1; i++)
		assert_true(one_conn(&t, (uint16_t)(10000 + i)));
	assert_int_equal(ng_tcp_count(t.st), CONNS - 1);
	assert_int_equal(cnt[NG_CNT_TCP_TW_RECYCLED], 0);
	/* the table is full of TIME_WAIT: ten more clients are still served */
	for (unsigned i = 0; i < 10; i++)
		assert_true(one_conn(&t, (uint16_t)(20000 + i)));
	assert_int_equal(cnt[NG_CNT_TCP_TW_RECYCLED], 10);
	assert_int_equal(ng_tcp_count(t.st), CONNS - 1);
	/* the oldest ten are gone: a segment on the first 4-tuple finds no connection (RST) */
	th_send(&t, 10000, TH_SPORT, 102, 2002, NG_TCP_ACK, 65535, NULL, 0);
	th_expect(&t, &s, NG_TCP_RST, 2002, 0, 0);
	/* the eleventh oldest is still in TIME_WAIT: a retransmitted FIN is acknowledged again */
	th_send(&t, 10010, TH_SPORT, 101, 2002, NG_TCP_FIN | NG_TCP_ACK, 65535, NULL, 0);
	th_expect(&t, &s, NG_TCP_ACK, 2002, 102, 0);
	th_expect_none(&t);
	/* TIME_WAIT ends (2*MSL): everything is freed, nothing recycled further */
	th_advance(&t, 2 * t.st->cfg.tcp_msl_ns + NG_NS_PER_SEC);
	assert_int_equal(ng_tcp_count(t.st), 0);
	assert_int_equal(cnt[NG_CNT_TCP_TW_RECYCLED], 10);
	ng_tcp_close(l);
	th_fini(&t);
}

/* A TIME_WAIT the application still holds (not closed by it yet) is not taken away: with the
 * table full of those, the new SYN gets nothing (counted as a refused connection elsewhere). */
static void test_held_time_wait_not_recycled(void **state)
{
	struct ng_tcp_sock *l;
	struct th_seg s;
	struct th t;
	(void)state;

	th_init(&t, 22);
	ng_tcp_test_set_isn(t.st, true, 2000);
	assert_int_equal(ng_tcp_listen(t.st, 0, TH_SPORT, 8, th_accept, &t, NULL, &l), 0);
	for (unsigned i = 0; i < CONNS - 1; i++) {
		uint16_t port = (uint16_t)(10000 + i);
		th_send(&t, port, TH_SPORT, 100, 0, NG_TCP_SYN, 65535, NULL, 0);
		th_expect(&t, &s, NG_TCP_SYN | NG_TCP_ACK, 2000, 101, 0);
		th_send(&t, port, TH_SPORT, 101, 2001, NG_TCP_ACK, 65535, NULL, 0);
		/* natgate's application shuts its side down first and keeps the socket */
		ng_tcp_shutdown(t.accepted);
		th_expect(&t, &s, NG_TCP_FIN | NG_TCP_ACK, 2001, 101, 0);
		th_send(&t, port, TH_SPORT, 101, 2002, NG_TCP_FIN | NG_TCP_ACK, 65535, NULL, 0);
		th_expect(&t, &s, NG_TCP_ACK, 2002, 102, 0);
		assert_int_equal(ng_tcp_get_state(t.accepted), NG_TCP_TIME_WAIT);
	}
	th_send(&t, 30000, TH_SPORT, 100, 0, NG_TCP_SYN, 65535, NULL, 0);
	th_expect_none(&t);
	assert_int_equal(ng_stack_stats(t.st)->counters[NG_CNT_TCP_TW_RECYCLED], 0);
	th_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_time_wait_recycled_when_full),
	    cmocka_unit_test(test_held_time_wait_not_recycled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
