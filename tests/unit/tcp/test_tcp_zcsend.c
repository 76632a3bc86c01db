// SPDX-License-Identifier: MIT
/*
 * Zero-copy send (ng_tcp_send_reserve / ng_tcp_send_commit): the space is the contiguous tail
 * of the send ring (shorter than the free space where the ring wraps), committed bytes go out
 * exactly as ng_tcp_send's would (Nagle, PSH), a full ring promises NG_TCP_EV_WRITABLE, and
 * misuse is refused.
 */
#include "tcp_harness.h"

#define MSS 1460 /* the peer offers MSS 1460 and no timestamps */

/* Write bytes D[0..N) into reserved space P (the application's read() into the ring). */
static void fill(void *p, const uint8_t *d, size_t n)
{
	memcpy(p, d, n);
}

/* Reserve on an empty ring gives all of it; a commit sends like ng_tcp_send (two full
 * segments, the short tail held by Nagle until their ACK, then with PSH). Then the ring wraps:
 * the reserve stops at its end, the next one continues at its start; a full ring gives nothing
 * and WRITABLE comes with the ACK that frees space. Every byte arrives in order. */
static void test_reserve_commit(void **state)
{
	static uint8_t d[20000];
	struct ng_tcp_sockopts so;
	struct ng_tcp_sock *c, *l;
	struct ng_tcp_opts o;
	struct th_seg s;
	size_t len, q = 0, got = 0;
	uint8_t *p;
	struct th t;
	(void)state;

	ng_test_fill(d, sizeof(d), 21);
	memset(&so, 0, sizeof(so));
	so.sndbuf = 4096;
	th_init(&t, 1);
	memset(&o, 0, sizeof(o));
	o.mss_ok = true;
	o.mss = MSS;
	c = th_server(&t, &l, &so, 65535, &o);
	p = ng_tcp_send_reserve(c, &len);
	assert_non_null(p);
	assert_int_equal(len, 4096);
	fill(p, d, 3000);
	assert_int_equal(ng_tcp_send_commit(c, 3000), 0);
	q = 3000;
	assert_int_equal(ng_tcp_send_space(c), 4096 - 3000);
	th_expect(&t, &s, NG_TCP_ACK, 2001, 101, MSS);
	assert_memory_equal(s.data, d, MSS);
	th_expect(&t, &s, NG_TCP_ACK, 2001 + MSS, 101, MSS);
	assert_memory_equal(s.data, d + MSS, MSS);
	th_expect_none(&t); /* Nagle: 80 bytes wait for the ACK */
	th_send(&t, TH_PPORT, TH_SPORT, 101, 2001 + 2 * MSS, NG_TCP_ACK, 65535, NULL, 0);
	th_expect(&t, &s, NG_TCP_ACK | NG_TCP_PSH, 2001 + 2 * MSS, 101, 80);
	assert_memory_equal(s.data, d + 2 * MSS, 80);
	got = 3000;

	/* head at 2920, 80 bytes queued: the tail runs to the end of the ring only */
	p = ng_tcp_send_reserve(c, &len);
	assert_int_equal(len, 4096 - 3000);
	assert_true(len < ng_tcp_send_space(c));
	fill(p, d + q, len);
	assert_int_equal(ng_tcp_send_commit(c, len), 0);
	q += len;
	/* ... and the rest of the free space is at its start */
	p = ng_tcp_send_reserve(c, &len);
	assert_int_equal(len, ng_tcp_send_space(c));
	assert_int_equal(len, 2920);
	assert_int_equal(ng_tcp_send_commit(c, len + 1), -NG_EINVAL);
	fill(p, d + q, len);
	assert_int_equal(ng_tcp_send_commit(c, len), 0);
	q += len;
	/* full: nothing to reserve, and the ACK that frees space says WRITABLE */
	assert_null(ng_tcp_send_reserve(c, &len));
	assert_int_equal(len, 0);
	/* collect what went, acknowledging as we go, until every queued byte arrived */
	for (unsigned i = 0; i < 20 && got < q; i++) {
		while (th_pop(&t, &s)) {
			assert_int_equal(s.h.seq, 2001 + got);
			assert_memory_equal(s.data, d + got, s.len);
			got += s.len;
		}
		t.events = 0;
		th_send(&t, TH_PPORT, TH_SPORT, 101, 2001 + (uint32_t)got, NG_TCP_ACK, 65535, NULL,
		        0);
		if (i == 0)
			assert_true(t.events & NG_TCP_EV_WRITABLE);
	}
	assert_int_equal(got, q);
	ng_tcp_abort(c);
	while (th_pop(&t, &s))
		;
	ng_tcp_close(l);
	th_fini(&t);
}

/* Misuse: a listener has no send space; after shutdown reserve gives nothing and commit says
 * EPIPE; committing nothing is a no-op. */
static void test_refused(void **state)
{
	struct ng_tcp_sock *c, *l;
	struct th_seg s;
	size_t len = 99;
	struct th t;
	(void)state;

	th_init(&t, 2);
	c = th_server(&t, &l, NULL, 65535, NULL);
	assert_null(ng_tcp_send_reserve(l, &len));
	assert_int_equal(len, 0);
	assert_int_equal(ng_tcp_send_commit(c, 0), 0);
	th_expect_none(&t);
	assert_int_equal(ng_tcp_shutdown(c), 0);
	th_expect(&t, &s, NG_TCP_ACK | NG_TCP_FIN, 2001, 101, 0);
	len = 99;
	assert_null(ng_tcp_send_reserve(c, &len));
	assert_int_equal(len, 0);
	assert_int_equal(ng_tcp_send_commit(c, 1), -NG_EPIPE);
	ng_tcp_abort(c);
	while (th_pop(&t, &s))
		;
	ng_tcp_close(l);
	th_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reserve_commit),
	    cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
