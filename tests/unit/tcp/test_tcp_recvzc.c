// SPDX-License-Identifier: MIT
/*
 * Zero-copy receive (ng_tcp_recv_peek / ng_tcp_recv_consume): the bytes seen in place equal
 * those sent, a buffer that wraps is handed out in two pieces, consuming opens the window with
 * the update ng_tcp_recv would send, and the error cases match ng_tcp_recv's.
 */
#include "tcp_harness.h"

#define A NG_TCP_ACK
#define F NG_TCP_FIN

static struct ng_tcp_sock *server(struct th *t, struct ng_tcp_sock **l, uint32_t rcvbuf)
{
	struct ng_tcp_sockopts so;
	struct ng_tcp_opts o;

	memset(&so, 0, sizeof(so));
	so.rcvbuf = rcvbuf;
	memset(&o, 0, sizeof(o));
	o.mss_ok = true;
	o.mss = 1000;
	return th_server(t, l, &so, 65535, &o);
}

/* Peek, check, consume: the bytes in place are the bytes sent, in order. */
static void test_peek_consume(void **state)
{
	static uint8_t d[3000];
	struct ng_tcp_sock *c, *l;
	const void *p;
	struct th_seg s;
	struct th t;
	(void)state;

	ng_test_fill(d, sizeof(d), 21);
	th_init(&t, 21);
	c = server(&t, &l, 0);
	assert_int_equal(ng_tcp_recv_peek(c, &p), -NG_EAGAIN);
	assert_null(p);
	assert_int_equal(ng_tcp_recv_peek(l, &p), -NG_ENOTCONN);
	assert_int_equal(ng_tcp_recv_consume(l, 0), -NG_ENOTCONN);

	for (unsigned k = 0; k < 3; k++)
		th_send(&t, TH_PPORT, TH_SPORT, 101 + 1000 * k, 2001, A, 65535, d + 1000 * k, 1000);
	th_expect(&t, &s, A, 2001, 2101, 0);
	assert_int_equal(ng_tcp_recv_peek(c, &p), 3000);
	assert_memory_equal(p, d, 3000);
	assert_int_equal(ng_tcp_recv_consume(c, 3001), -NG_EINVAL);
	assert_int_equal(ng_tcp_recv_avail(c), 3000);
	assert_int_equal(ng_tcp_recv_consume(c, 1200), 1200);
	assert_int_equal(ng_tcp_recv_avail(c), 1800);
	assert_int_equal(ng_tcp_recv_peek(c, &p), 1800);
	assert_memory_equal(p, d + 1200, 1800);
	/* ng_tcp_recv carries on where consume left off */
	{
		uint8_t b[100];
		assert_int_equal(ng_tcp_recv(c, b, sizeof(b)), 100);
		assert_memory_equal(b, d + 1200, 100);
	}
	assert_int_equal(ng_tcp_recv_peek(c, &p), 1700);
	assert_memory_equal(p, d + 1300, 1700);
	assert_int_equal(ng_tcp_recv_consume(c, 1700), 1700);
	assert_int_equal(ng_tcp_recv_peek(c, &p), -NG_EAGAIN);

	/* the peer's FIN: end of stream */
	th_send(&t, TH_PPORT, TH_SPORT, 3101, 2001, F | A, 65535, NULL, 0);
	th_expect(&t, &s, A, 2001, 3102, 0);
	assert_int_equal(ng_tcp_recv_peek(c, &p), 0);
	assert_null(p);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

/* A small buffer: filled, the window is zero; data that wraps around the end of the ring comes
 * in two pieces; consuming reopens the window with one update, as ng_tcp_recv does. */
static void test_wrap_and_window(void **state)
{
	static uint8_t d[8192];
	struct ng_tcp_sock *c, *l;
	uint32_t size, first;
	const void *p;
	struct th_seg s;
	struct th t;
	(void)state;

	ng_test_fill(d, sizeof(d), 22);
	th_init(&t, 22);
	c = server(&t, &l, 6000);
	size = c->rb.size;
	assert_true(size >= 6000 && size < 8000);

	/* 2000 bytes in and out: the read position moves to 2000 */
	for (unsigned k = 0; k < 2; k++)
		th_send(&t, TH_PPORT, TH_SPORT, 101 + 1000 * k, 2001, A, 65535, d + 1000 * k, 1000);
	th_expect(&t, &s, A, 2001, 2101, 0);
	assert_int_equal(s.h.win, size - 2000);
	assert_int_equal(ng_tcp_recv_peek(c, &p), 2000);
	assert_int_equal(ng_tcp_recv_consume(c, 1000), 1000);
	th_expect_none(&t); /* one segment's worth: too little to announce (SWS) */
	assert_int_equal(ng_tcp_recv_consume(c, 1000), 1000);
	th_expect(&t, &s, A, 2001, 2101, 0); /* the window update after consuming */
	assert_int_equal(s.h.win, size);

	/* SIZE bytes more: they fill the ring and wrap around its end */
	for (uint32_t off = 0; off < size; off += 1000) {
		uint32_t n = NG_MIN(1000u, size - off);
		th_send(&t, TH_PPORT, TH_SPORT, 2101 + off, 2001, A, 65535, d + 2000 + off, n);
	}
	th_advance(&t, 40 * NG_NS_PER_MS); /* the last segment's delayed ACK */
	while (th_pop(&t, &s))
		assert_int_equal(s.h.flags, A);
	assert_int_equal(s.h.ack, 2101 + size);
	assert_int_equal(s.h.win, 0);
	assert_int_equal(ng_tcp_recv_avail(c), size);
	first = size - 2000;
	assert_int_equal(ng_tcp_recv_peek(c, &p), first);
	assert_memory_equal(p, d + 2000, first);
	assert_int_equal(ng_tcp_recv_consume(c, first), first);
	th_expect(&t, &s, A, 2001, 2101 + size, 0);
	assert_int_equal(s.h.win, first);
	assert_int_equal(ng_tcp_recv_peek(c, &p), 2000);
	assert_memory_equal(p, d + 2000 + first, 2000);
	assert_int_equal(ng_tcp_recv_consume(c, 2000), 2000);
	th_expect(&t, &s, A, 2001, 2101 + size, 0);
	assert_int_equal(s.h.win, size);
	th_expect_none(&t);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	while (th_pop(&t, &s))
		;
	th_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_peek_consume),
	    cmocka_unit_test(test_wrap_and_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
