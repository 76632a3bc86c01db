// SPDX-License-Identifier: MIT
/*
 * The LISTEN -> SYN_SENT arc of RFC 9293's state diagram (3.10.2, SEND in LISTEN): a listener
 * given a foreign socket becomes an active connection from its own port, and stops listening.
 */
#include "tcp_harness.h"

static void test_listener_turns_active(void **state)
{
	struct ng_tcp_sock *l;
	struct th_seg s;
	struct th t;
	(void)state;

	th_init(&t, 31);
	assert_int_equal(ng_tcp_listen(t.st, 0, TH_SPORT, 4, th_accept, &t, NULL, &l), 0);
	ng_tcp_test_set_isn(t.st, true, 100);
	assert_int_equal(ng_tcp_listen_connect(l, TH_PEER, 5555, th_event, &t), 0);
	/* the SYN leaves from the listener's port */
	th_expect(&t, &s, NG_TCP_SYN, 100, 0, 0);
	assert_int_equal(s.h.sport, TH_SPORT);
	assert_int_equal(s.h.dport, 5555);
	assert_int_equal(ng_tcp_get_state(l), NG_TCP_SYN_SENT);
	assert_true(th_traced(&t, NG_TCP_LISTEN, NG_TCP_SYN_SENT));
	/* the handshake completes as for any active open */
	th_send(&t, 5555, TH_SPORT, 2000, 101, NG_TCP_SYN | NG_TCP_ACK, 65535, NULL, 0);
	th_expect(&t, &s, NG_TCP_ACK, 101, 2001, 0);
	assert_int_equal(ng_tcp_get_state(l), NG_TCP_ESTABLISHED);
	assert_true(t.events & NG_TCP_EV_CONNECTED);
	assert_int_equal(ng_tcp_send(l, "hi", 2), 2);
	th_expect(&t, &s, NG_TCP_ACK | NG_TCP_PSH, 101, 2001, 2);
	/* nobody listens on the port any more: another client's SYN is refused */
	th_send(&t, TH_PPORT, TH_SPORT, 7000, 0, NG_TCP_SYN, 65535, NULL, 0);
	th_expect(&t, &s, NG_TCP_RST | NG_TCP_ACK, 0, 7001, 0);
	assert_int_equal(t.naccepted, 0);
	ng_tcp_abort(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

/* Refusals leave the listener listening: a handshake of its own still pending, the 4-tuple of
 * a connection it accepted, a bad argument. */
static void test_refusals_keep_listening(void **state)
{
	struct ng_tcp_sock *l, *c;
	struct th_seg s;
	struct th t;
	(void)state;

	th_init(&t, 32);
	ng_tcp_test_set_isn(t.st, true, 2000);
	assert_int_equal(ng_tcp_listen(t.st, 0, TH_SPORT, 4, th_accept, &t, NULL, &l), 0);
	th_send(&t, TH_PPORT, TH_SPORT, 100, 0, NG_TCP_SYN, 65535, NULL, 0);
	th_expect(&t, &s, NG_TCP_SYN | NG_TCP_ACK, 2000, 101, 0);
	assert_int_equal(ng_tcp_listen_connect(l, TH_PEER, 5555, th_event, &t), -NG_EAGAIN);
	th_send(&t, TH_PPORT, TH_SPORT, 101, 2001, NG_TCP_ACK, 65535, NULL, 0);
	c = t.accepted;
	assert_non_null(c);
	assert_int_equal(ng_tcp_listen_connect(l, TH_PEER, TH_PPORT, th_event, &t), -NG_EADDRINUSE);
	assert_int_equal(ng_tcp_listen_connect(l, TH_PEER, 0, th_event, &t), -NG_EINVAL);
	assert_int_equal(ng_tcp_listen_connect(c, TH_PEER, 5555, th_event, &t), -NG_EINVAL);
	assert_int_equal(ng_tcp_get_state(l), NG_TCP_LISTEN);
	th_expect_none(&t);
	/* still listening: a second client is served */
	th_send(&t, TH_PPORT + 1, TH_SPORT, 100, 0, NG_TCP_SYN, 65535, NULL, 0);
	th_expect(&t, &s, NG_TCP_SYN | NG_TCP_ACK, 2000, 101, 0);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

/* Listeners and connections are linked through the same field: turning one listener of several
 * active, with a connection established beside it, must leave the others listening and the
 * connection where it was. */
static void test_other_listeners_survive(void **state)
{
	struct ng_tcp_sock *l1, *l2, *l3, *c;
	struct th_seg s;
	struct th t;
	(void)state;

	th_init(&t, 33);
	ng_tcp_test_set_isn(t.st, true, 2000);
	assert_int_equal(ng_tcp_listen(t.st, 0, 81, 4, th_accept, &t, NULL, &l1), 0);
	assert_int_equal(ng_tcp_listen(t.st, 0, TH_SPORT, 4, th_accept, &t, NULL, &l2), 0);
	assert_int_equal(ng_tcp_listen(t.st, 0, 82, 4, th_accept, &t, NULL, &l3), 0);
	th_send(&t, TH_PPORT, 81, 100, 0, NG_TCP_SYN, 65535, NULL, 0);
	th_expect(&t, &s, NG_TCP_SYN | NG_TCP_ACK, 2000, 101, 0);
	th_send(&t, TH_PPORT, 81, 101, 2001, NG_TCP_ACK, 65535, NULL, 0);
	c = t.accepted;
	assert_non_null(c);
	assert_int_equal(ng_tcp_listen_connect(l2, TH_PEER, 5555, th_event, &t), 0);
	th_expect(&t, &s, NG_TCP_SYN, 2000, 0, 0);
	/* the other two still listen, the connection still takes data */
	for (uint16_t port = 81; port <= 82; port++) {
		th_send(&t, TH_PPORT + 1, port, 100, 0, NG_TCP_SYN, 65535, NULL, 0);
		th_expect(&t, &s, NG_TCP_SYN | NG_TCP_ACK, 2000, 101, 0);
		assert_int_equal(s.h.sport, port);
	}
	th_send(&t, TH_PPORT, 81, 101, 2001, NG_TCP_ACK | NG_TCP_PSH, 65535, "x", 1);
	assert_int_equal(ng_tcp_recv_avail(c), 1);
	ng_tcp_abort(c);
	ng_tcp_abort(l2);
	ng_tcp_close(l1);
	ng_tcp_close(l3);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_listener_turns_active),
	    cmocka_unit_test(test_refusals_keep_listening),
	    cmocka_unit_test(test_other_listeners_survive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
