// SPDX-License-Identifier: MIT
/* Unit tests for the RFC 5961 classifications (RST, SYN, ACK value) with wraparound, and the
 * challenge-ACK rate limiter on a virtual clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/core_internal.h"
#include "tcp/tcp_rfc5961.h"

#define MS  1000000ull
#define SEC 1000000000ull

/* RFC 5961 3.2 with RCV.NXT = 5000, RCV.WND = 1000, and again across 2^32. */
static void test_rst(void **state)
{
	static const uint32_t bases[] = {5000, 0xfffffe00u};
	(void)state;
	for (int i = 0; i < 2; i++) {
		uint32_t n = bases[i];
		assert_int_equal(tcp_5961_rst(n, 1000, n), TCP_5961_ACCEPT);
		assert_int_equal(tcp_5961_rst(n, 1000, n + 1), TCP_5961_CHALLENGE);
		assert_int_equal(tcp_5961_rst(n, 1000, n + 999), TCP_5961_CHALLENGE);
		assert_int_equal(tcp_5961_rst(n, 1000, n + 1000), TCP_5961_DROP);
		assert_int_equal(tcp_5961_rst(n, 1000, n - 1), TCP_5961_DROP);
		assert_int_equal(tcp_5961_rst(n, 1000, n + 0x80000000u), TCP_5961_DROP);
		/* a zero window: only the exact match counts */
		assert_int_equal(tcp_5961_rst(n, 0, n), TCP_5961_ACCEPT);
		assert_int_equal(tcp_5961_rst(n, 0, n + 1), TCP_5961_DROP);
	}
}

/* RFC 5961 4.2: any SYN in a synchronized state is challenged. */
static void test_syn(void **state)
{
	(void)state;
	for (int s = NG_TCP_ESTABLISHED; s < NG_TCP_STATE_MAX; s++)
		assert_int_equal(tcp_5961_syn((enum ng_tcp_state)s), TCP_5961_CHALLENGE);
	assert_int_equal(tcp_5961_syn(NG_TCP_LISTEN), TCP_5961_ACCEPT);
	assert_int_equal(tcp_5961_syn(NG_TCP_SYN_SENT), TCP_5961_ACCEPT);
	assert_int_equal(tcp_5961_syn(NG_TCP_SYN_RECEIVED), TCP_5961_ACCEPT);
	assert_int_equal(tcp_5961_syn(NG_TCP_CLOSED), TCP_5961_ACCEPT);
}

/* RFC 5961 5.2: [SND.UNA - MAX.SND.WND, SND.NXT], here SND.UNA = U, SND.NXT = U + 3000,
 * MAX.SND.WND = 8000. */
static void test_ack(void **state)
{
	static const uint32_t bases[] = {100000, 0x00001000u, 0xffffff00u};
	(void)state;
	for (int i = 0; i < 3; i++) {
		uint32_t u = bases[i], nxt = u + 3000;
		assert_int_equal(tcp_5961_ack(u, nxt, 8000, u), TCP_5961_ACCEPT);
		assert_int_equal(tcp_5961_ack(u, nxt, 8000, u + 1500), TCP_5961_ACCEPT);
		assert_int_equal(tcp_5961_ack(u, nxt, 8000, nxt), TCP_5961_ACCEPT);
		assert_int_equal(tcp_5961_ack(u, nxt, 8000, nxt + 1), TCP_5961_CHALLENGE);
		assert_int_equal(tcp_5961_ack(u, nxt, 8000, u - 1), TCP_5961_OLD_ACK);
		assert_int_equal(tcp_5961_ack(u, nxt, 8000, u - 8000), TCP_5961_OLD_ACK);
		assert_int_equal(tcp_5961_ack(u, nxt, 8000, u - 8001), TCP_5961_CHALLENGE);
		assert_int_equal(tcp_5961_ack(u, nxt, 8000, u + 0x80000000u), TCP_5961_CHALLENGE);
	}
}

/* 1000 per second: a full bucket gives a burst of 1000, then one per millisecond; idle time
 * refills at most one second's worth. */
static void test_limiter(void **state)
{
	struct tcp_chal_limit l;
	uint64_t t = 50 * SEC;
	unsigned n = 0;
	(void)state;

	tcp_chal_limit_init(&l, 1000, t);
	while (tcp_chal_allow(&l, t, 0) && n < 5000)
		n++;
	assert_int_equal(n, 1000);
	assert_false(tcp_chal_allow(&l, t + MS - 1, 0));
	assert_true(tcp_chal_allow(&l, t + MS, 0));
	assert_false(tcp_chal_allow(&l, t + MS, 0));
	/* steady flood for 10 s, one attempt every 100 us: about 1000 per second get through */
	n = 0;
	for (uint64_t x = t + MS; x < t + MS + 10 * SEC; x += 100000)
		n += tcp_chal_allow(&l, x, 0);
	assert_in_range(n, 9999, 10001);
	assert_true(l.suppressed > 80000);
	/* an hour of quiet refills only one second's worth */
	t += 3600 * SEC;
	n = 0;
	while (tcp_chal_allow(&l, t, 0) && n < 5000)
		n++;
	assert_int_equal(n, 1000);
	/* a clock that steps back changes nothing */
	assert_false(tcp_chal_allow(&l, t - SEC, 0));
	/* no limit */
	tcp_chal_limit_init(&l, 0, 0);
	for (int i = 0; i < 100000; i++)
		assert_true(tcp_chal_allow(&l, 0, 0));
}

/* With jitter the long-run rate stays, but the burst size varies from second to second. */
static void test_limiter_jitter(void **state)
{
	struct tcp_chal_limit l;
	struct ng_rng r;
	unsigned bursts[8], distinct = 0, total = 0;
	(void)state;

	ng_rng_seed(&r, 7);
	tcp_chal_limit_init(&l, 1000, 0);
	for (int s = 0; s < 8; s++) {
		uint64_t t = (uint64_t)s * 2 * SEC + 2 * SEC; /* bucket full again */
		bursts[s] = 0;
		while (tcp_chal_allow(&l, t, (uint32_t)ng_rng_next(&r) | 1) && bursts[s] < 5000)
			bursts[s]++;
		assert_in_range(bursts[s], 900, 1100);
		for (int j = 0; j < s; j++)
			if (bursts[j] == bursts[s])
				goto dup;
		distinct++;
	dup:;
	}
	assert_true(distinct >= 5);
	/* long run: 20 s of flood, attempts every 50 us */
	tcp_chal_limit_init(&l, 1000, 0);
	for (uint64_t t = 0; t < 20 * SEC; t += 50000)
		total += tcp_chal_allow(&l, t, (uint32_t)ng_rng_next(&r) | 1);
	assert_in_range(total, 20000 * 95 / 100, 21000 * 105 / 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rst),
	    cmocka_unit_test(test_syn),
	    cmocka_unit_test(test_ack),
	    cmocka_unit_test(test_limiter),
	    cmocka_unit_test(test_limiter_jitter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
