// SPDX-License-Identifier: MIT
/* A listener's SYN+ACK announces the same MSS, window and window shift whether it comes from a
 * child connection or statelessly from a SYN cookie (one formula each: tcp_announced_mss,
 * tcp_buf_size, tcp_wscale_for), and the connection a cookie builds keeps what its SYN+ACK
 * promised. */
#include "tcp_harness.h"

#define A NG_TCP_ACK
#define S NG_TCP_SYN

/* RFC 7323 2.3: the smallest shift that lets the whole ring be offered, at most 14; ring sizes
 * are bounded to [TCP_MIN_BUF, 1 GiB], 0 meaning the default. */
static void test_formulas(void **state)
{
	(void)state;
	assert_int_equal(tcp_wscale_for(2048), 0);
	assert_int_equal(tcp_wscale_for(65535), 0);
	assert_int_equal(tcp_wscale_for(65536), 1);
	assert_int_equal(tcp_wscale_for(131071), 1);
	assert_int_equal(tcp_wscale_for(131072), 2);
	assert_int_equal(tcp_wscale_for(256 * 1024), 3);
	assert_int_equal(tcp_wscale_for(1u << 20), 5);
	assert_int_equal(tcp_wscale_for(1u << 30), 14);
	assert_int_equal(tcp_wscale_for(UINT32_MAX), 14);
	assert_int_equal(tcp_buf_size(0), TCP_DEFAULT_BUF);
	assert_int_equal(tcp_buf_size(1), TCP_MIN_BUF);
	assert_int_equal(tcp_buf_size(100000), 100000);
	assert_int_equal(tcp_buf_size(UINT32_MAX), 1u << 30);
}

/* With RCVBUF and the link's MTU: an ordinary SYN+ACK (queue empty) and a cookie SYN+ACK (queue
 * full) to SYNs offering MSS 65000, WS 3, SACK and timestamps announce the same MSS (MTU - 40),
 * window and shift; the cookie's connection then uses that shift and MSS. */
static void check_same(uint32_t mtu, uint32_t rcvbuf, uint8_t want_ws)
{
	struct th t;
	struct th_seg plain, ck;
	struct ng_tcp_sock *l, *c;
	struct ng_tcp_sockopts so = {0};
	struct ng_tcp_opts o = {0};

	th_init_mtu(&t, 400 + rcvbuf % 97, mtu);
	ng_tcp_test_set_isn(t.st, true, 2000);
	so.rcvbuf = rcvbuf;
	assert_int_equal(ng_tcp_listen(t.st, 0, 80, 1, th_accept, &t, &so, &l), 0);
	o.mss_ok = true;
	o.mss = 65000;
	o.ws_ok = true;
	o.ws = 3;
	o.sack_permitted = true;
	o.ts_ok = true;
	o.tsval = 777;
	th_send_opt(&t, 1001, 80, 100, 0, S, 65535, NULL, 0, &o, 0);
	th_expect(&t, &plain, S | A, 2000, 101, 0);
	th_send_opt(&t, 1002, 80, 7000, 0, S, 65535, NULL, 0, &o, 0);
	th_expect(&t, &ck, S | A, ck.h.seq, 7001, 0);
	assert_int_equal(ng_stack_stats(t.st)->counters[NG_CNT_TCP_SYNCOOKIE_TX], 1);

	assert_true(plain.h.opt.mss_ok && ck.h.opt.mss_ok);
	assert_int_equal(plain.h.opt.mss, mtu - 40);
	assert_int_equal(ck.h.opt.mss, plain.h.opt.mss);
	assert_true(plain.h.opt.ws_ok && ck.h.opt.ws_ok);
	assert_int_equal(plain.h.opt.ws, want_ws);
	assert_int_equal(ck.h.opt.ws, plain.h.opt.ws);
	assert_int_equal(plain.h.win, NG_MIN(tcp_buf_size(rcvbuf), 65535u));
	assert_int_equal(ck.h.win, plain.h.win);

	/* the cookie's connection keeps the shift and MSS its SYN+ACK announced */
	memset(&o, 0, sizeof(o));
	o.ts_ok = true;
	o.tsval = 778;
	o.tsecr = ck.h.opt.tsval;
	th_send_opt(&t, 1002, 80, 7001, ck.h.seq + 1, A, 65535, NULL, 0, &o, 0);
	assert_int_equal(ng_stack_stats(t.st)->counters[NG_CNT_TCP_SYNCOOKIE_OK], 1);
	assert_int_equal(t.naccepted, 1);
	c = t.accepted;
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	assert_int_equal(c->rcv_wscale, ck.h.opt.ws);
	assert_int_equal(c->our_mss, ck.h.opt.mss);
	assert_int_equal(c->rb.size, tcp_buf_size(rcvbuf));
	assert_int_equal(c->snd_wscale, 3);
	th_done(&t, c, l);
}

static void test_cookie_synack_matches(void **state)
{
	(void)state;
	check_same(1500, 0, 3);
	check_same(1500, 2048, 0);
	check_same(1500, 65535, 0);
	check_same(1500, 65536, 1);
	check_same(1500, 1u << 20, 5);
	check_same(9000, 16u << 20, 9);
	check_same(576, 100000, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_formulas),
	    cmocka_unit_test(test_cookie_synack_matches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
