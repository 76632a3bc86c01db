// SPDX-License-Identifier: MIT
/* The textbook exchange (client ISN 100, server ISN 2000) replayed exactly, with natgate as the
 * server in one run and as the client in the other. */
#include "tcp_harness.h"

/* natgate is the server: LISTEN, SYN_RECEIVED, ESTABLISHED, CLOSE_WAIT, LAST_ACK, CLOSED. */
static void test_textbook_server(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *l;
	uint8_t req[100], resp[500], buf[600];
	(void)state;

	th_init(&t, 1);
	ng_tcp_test_set_isn(t.st, true, 2000);
	assert_int_equal(ng_tcp_listen(t.st, 0, 80, 4, th_accept, &t, NULL, &l), 0);
	assert_int_equal(ng_tcp_get_state(l), NG_TCP_LISTEN);

	th_send(&t, 40000, 80, 100, 0, NG_TCP_SYN, 65535, NULL, 0);
	th_expect(&t, &s, NG_TCP_SYN | NG_TCP_ACK, 2000, 101, 0);
	assert_true(s.h.opt.mss_ok);
	assert_int_equal(s.h.opt.mss, 1460);
	assert_false(s.h.opt.ws_ok); /* the SYN offered no window scale */
	assert_true(th_traced(&t, NG_TCP_LISTEN, NG_TCP_SYN_RECEIVED));
	assert_int_equal(ng_tcp_count(t.st), 1);
	assert_null(t.accepted);

	th_send(&t, 40000, 80, 101, 2001, NG_TCP_ACK, 65535, NULL, 0);
	th_expect_none(&t);
	assert_non_null(t.accepted);
	assert_int_equal(ng_tcp_get_state(t.accepted), NG_TCP_ESTABLISHED);
	assert_true(th_traced(&t, NG_TCP_SYN_RECEIVED, NG_TCP_ESTABLISHED));

	ng_test_fill(req, sizeof(req), 1);
	th_send(&t, 40000, 80, 101, 2001, NG_TCP_PSH | NG_TCP_ACK, 65535, req, sizeof(req));
	th_expect_none(&t); /* the ACK is delayed, hoping to ride on the answer */
	assert_true(t.events & NG_TCP_EV_READABLE);
	assert_int_equal(ng_tcp_recv(t.accepted, buf, sizeof(buf)), 100);
	assert_memory_equal(buf, req, 100);

	ng_test_fill(resp, sizeof(resp), 2);
	assert_int_equal(ng_tcp_send(t.accepted, resp, sizeof(resp)), 500);
	th_expect(&t, &s, NG_TCP_PSH | NG_TCP_ACK, 2001, 201, 500);
	assert_memory_equal(s.data, resp, 500);
	th_send(&t, 40000, 80, 201, 2501, NG_TCP_ACK, 65535, NULL, 0);
	th_expect_none(&t);

	th_send(&t, 40000, 80, 201, 2501, NG_TCP_FIN | NG_TCP_ACK, 65535, NULL, 0);
	th_expect(&t, &s, NG_TCP_ACK, 2501, 202, 0);
	assert_int_equal(ng_tcp_get_state(t.accepted), NG_TCP_CLOSE_WAIT);
	assert_int_equal(ng_tcp_recv(t.accepted, buf, sizeof(buf)), 0);

	ng_tcp_close(t.accepted);
	th_expect(&t, &s, NG_TCP_FIN | NG_TCP_ACK, 2501, 202, 0);
	assert_int_equal(th_last_state(&t), NG_TCP_LAST_ACK);
	th_send(&t, 40000, 80, 202, 2502, NG_TCP_ACK, 65535, NULL, 0);
	assert_true(th_traced(&t, NG_TCP_LAST_ACK, NG_TCP_CLOSED));
	assert_int_equal(ng_tcp_count(t.st), 0);
	th_expect_none(&t);
	ng_tcp_close(l);
	th_fini(&t);
}

/* natgate is the client: SYN_SENT, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT, CLOSED. */
static void test_textbook_client(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	uint8_t req[100], resp[500], buf[600];
	uint16_t lport;
	(void)state;

	th_init(&t, 2);
	ng_tcp_test_set_isn(t.st, true, 100);
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, NULL, &c), 0);
	th_expect(&t, &s, NG_TCP_SYN, 100, 0, 0);
	assert_true(s.h.opt.mss_ok);
	assert_true(s.h.opt.ws_ok);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_SYN_SENT);
	lport = s.h.sport;
	assert_true(lport >= 49152);
	assert_int_equal(s.h.dport, 80);

	th_send(&t, 80, lport, 2000, 101, NG_TCP_SYN | NG_TCP_ACK, 65535, NULL, 0);
	th_expect(&t, &s, NG_TCP_ACK, 101, 2001, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	assert_true(t.events & NG_TCP_EV_CONNECTED);

	ng_test_fill(req, sizeof(req), 1);
	assert_int_equal(ng_tcp_send(c, req, sizeof(req)), 100);
	th_expect(&t, &s, NG_TCP_PSH | NG_TCP_ACK, 101, 2001, 100);
	assert_memory_equal(s.data, req, 100);

	ng_test_fill(resp, sizeof(resp), 2);
	th_send(&t, 80, lport, 2001, 201, NG_TCP_PSH | NG_TCP_ACK, 65535, resp, sizeof(resp));
	th_expect_none(&t);
	assert_int_equal(ng_tcp_recv(c, buf, sizeof(buf)), 500);
	assert_memory_equal(buf, resp, 500);
	th_advance(&t, 200 * NG_NS_PER_MS); /* the delayed ACK */
	th_expect(&t, &s, NG_TCP_ACK, 201, 2501, 0);

	ng_tcp_close(c);
	th_expect(&t, &s, NG_TCP_FIN | NG_TCP_ACK, 201, 2501, 0);
	assert_int_equal(th_last_state(&t), NG_TCP_FIN_WAIT_1);
	th_send(&t, 80, lport, 2501, 202, NG_TCP_ACK, 65535, NULL, 0);
	assert_int_equal(th_last_state(&t), NG_TCP_FIN_WAIT_2);
	th_expect_none(&t);
	th_send(&t, 80, lport, 2501, 202, NG_TCP_FIN | NG_TCP_ACK, 65535, NULL, 0);
	th_expect(&t, &s, NG_TCP_ACK, 202, 2502, 0);
	assert_int_equal(th_last_state(&t), NG_TCP_TIME_WAIT);
	assert_int_equal(ng_tcp_count(t.st), 1);

	th_advance(&t, 2 * 30 * NG_NS_PER_SEC - NG_NS_PER_MS);
	assert_int_equal(ng_tcp_count(t.st), 1);
	th_advance(&t, 2 * NG_NS_PER_MS);
	assert_int_equal(th_last_state(&t), NG_TCP_CLOSED);
	assert_int_equal(ng_tcp_count(t.st), 0);
	th_expect_none(&t);
	th_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_textbook_server),
	    cmocka_unit_test(test_textbook_client),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
