// SPDX-License-Identifier: MIT
/* The per-socket congestion-control switch: CUBIC by default, "newreno" by name, an unknown
 * name refused, and a listener's choice inherited by its children. */
#include "../tcp/tcp_harness.h"
#include "tcp/tcp_cubic.h"

static void test_cc_switch(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c, *l;
	struct ng_tcp_sockopts reno = {.cc = "newreno"}, bad = {.cc = "vegas"};
	(void)state;

	th_init(&t, 11);
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, &bad, &c), -NG_EINVAL);
	assert_int_equal(ng_tcp_listen(t.st, 0, 81, 4, th_accept, &t, &bad, &l), -NG_EINVAL);
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, NULL, &c), 0);
	assert_ptr_equal(c->cc, &tcp_cc_cubic);
	ng_tcp_abort(c);
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, &reno, &c), 0);
	assert_ptr_equal(c->cc, &tcp_cc_newreno);
	ng_tcp_abort(c);
	while (th_pop(&t, &s))
		;
	c = th_server(&t, &l, &reno, 65535, NULL);
	assert_ptr_equal(c->cc, &tcp_cc_newreno);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	th_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_cc_switch)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
