// SPDX-License-Identifier: MIT
/* Unit tests for SYN cookies (RFC 4987): round trips with and without timestamps, rejection of
 * a wrong tuple, secret, peer ISN or age, MSS rounding to the table, and forgery statistics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/core_internal.h"
#include "tcp/tcp_cookie.h"

#define SEC 1000000000ull

static const uint8_t KEY[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const struct tcp_cookie_tuple TU = {0xc0000201u, 0xcb007105u, 80, 40000};
static const uint64_t T0 = 1000 * 64 * SEC + 5 * SEC; /* 5 s into cookie period 1000 */

/* Without timestamps only the MSS comes back. */
static void test_round_trip_plain(void **state)
{
	struct tcp_cookie_opts in = {.mss = 1460, .ws_ok = true, .ws = 7, .sack_ok = true}, out;
	uint32_t isn = tcp_cookie_isn(KEY, &TU, 123456789u, T0, &in);
	(void)state;

	assert_true(tcp_cookie_check(KEY, &TU, 123456790u, isn + 1, T0 + SEC, false, 0, &out));
	assert_int_equal(out.mss, 1460);
	assert_false(out.ts_ok);
	assert_false(out.ws_ok);
	assert_false(out.sack_ok);
	assert_int_equal(isn & 7, 5);               /* index of 1460 */
	assert_int_equal((isn >> 3) & 3, 1000 & 3); /* the counter's low bits */
	/* the same ACK claiming timestamps does not validate (the MAC covers it) */
	assert_false(tcp_cookie_check(KEY, &TU, 123456790u, isn + 1, T0, true, 0x1f, &out));
}

/* With timestamps, WS and SACK-permitted ride in the TSval and come back through TSecr. */
static void test_round_trip_ts(void **state)
{
	struct tcp_cookie_opts out;
	(void)state;

	for (unsigned ws = 0; ws <= 15; ws++) {
		for (int sack = 0; sack < 2; sack++) {
			struct tcp_cookie_opts in = {.mss = 9000,
			                             .ts_ok = true,
			                             .ws_ok = ws < 15,
			                             .ws = (uint8_t)(ws < 15 ? ws : 0),
			                             .sack_ok = sack};
			uint32_t ts_now = 0x12345678u + ws * 977;
			uint32_t isn = tcp_cookie_isn(KEY, &TU, 0xfffffffeu, T0, &in);
			uint32_t tsval = tcp_cookie_tsval(ts_now, &in);
			/* the TSval never runs ahead of the clock, and not far behind it */
			assert_true((int32_t)(ts_now - tsval) >= 0);
			assert_true(ts_now - tsval < 32);
			/* peer ISN 0xfffffffe: the ACK's sequence number wraps to 0xffffffff */
			assert_true(tcp_cookie_check(KEY, &TU, 0xffffffffu, isn + 1, T0, true,
			                             tsval, &out));
			assert_int_equal(out.mss, 8960);
			assert_true(out.ts_ok);
			assert_int_equal(out.ws_ok, ws < 15);
			assert_int_equal(out.ws, ws < 15 ? ws : 0);
			assert_int_equal(out.sack_ok, sack);
			/* a TSecr whose option bits were changed fails */
			assert_false(tcp_cookie_check(KEY, &TU, 0xffffffffu, isn + 1, T0, true,
			                              tsval ^ 0x10, &out));
			/* as does the ACK without its timestamp option */
			assert_false(
			    tcp_cookie_check(KEY, &TU, 0xffffffffu, isn + 1, T0, false, 0, &out));
		}
	}
	/* a shift above 14 is recorded as 14 (RFC 7323 2.3) */
	struct tcp_cookie_opts big = {.mss = 1460, .ts_ok = true, .ws_ok = true, .ws = 15};
	uint32_t isn = tcp_cookie_isn(KEY, &TU, 5, T0, &big);
	assert_true(
	    tcp_cookie_check(KEY, &TU, 6, isn + 1, T0, true, tcp_cookie_tsval(1000, &big), &out));
	assert_int_equal(out.ws, 14);
}

/* Rounded down to the table, never up. */
static void test_mss_table(void **state)
{
	static const struct {
		uint16_t in, out;
	} cases[] = {{20, 64},     {64, 64},     {535, 64},    {536, 536},     {1199, 536},
	             {1200, 1200}, {1380, 1360}, {1452, 1440}, {1459, 1440},   {1460, 1460},
	             {1500, 1460}, {8960, 8960}, {9000, 8960}, {65480, 65480}, {65535, 65480}};
	struct tcp_cookie_opts out;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tcp_cookie_opts in = {.mss = cases[i].in};
		uint32_t isn = tcp_cookie_isn(KEY, &TU, 77, T0, &in);
		assert_true(tcp_cookie_check(KEY, &TU, 78, isn + 1, T0, false, 0, &out));
		assert_int_equal(out.mss, cases[i].out);
		assert_int_equal(tcp_cookie_mss_table[tcp_cookie_mss_index(cases[i].in)],
		                 cases[i].out);
	}
	for (unsigned i = 1; i < TCP_COOKIE_NMSS; i++)
		assert_true(tcp_cookie_mss_table[i] > tcp_cookie_mss_table[i - 1]);
}

/* Another tuple, peer ISN or secret, or a cookie from too long ago or from the future. */
static void test_rejects(void **state)
{
	struct tcp_cookie_opts in = {.mss = 1460}, out;
	uint32_t isn = tcp_cookie_isn(KEY, &TU, 1000, T0, &in);
	struct tcp_cookie_tuple t;
	uint8_t key2[16];
	(void)state;

	assert_true(tcp_cookie_check(KEY, &TU, 1001, isn + 1, T0, false, 0, &out));
	t = TU;
	t.laddr++;
	assert_false(tcp_cookie_check(KEY, &t, 1001, isn + 1, T0, false, 0, &out));
	t = TU;
	t.raddr ^= 0x100;
	assert_false(tcp_cookie_check(KEY, &t, 1001, isn + 1, T0, false, 0, &out));
	t = TU;
	t.lport = 81;
	assert_false(tcp_cookie_check(KEY, &t, 1001, isn + 1, T0, false, 0, &out));
	t = TU;
	t.rport = 40001;
	assert_false(tcp_cookie_check(KEY, &t, 1001, isn + 1, T0, false, 0, &out));
	/* ports swapped */
	t = TU;
	t.lport = TU.rport;
	t.rport = TU.lport;
	assert_false(tcp_cookie_check(KEY, &t, 1001, isn + 1, T0, false, 0, &out));
	assert_false(tcp_cookie_check(KEY, &TU, 1002, isn + 1, T0, false, 0, &out));
	assert_false(tcp_cookie_check(KEY, &TU, 1001, isn + 2, T0, false, 0, &out));
	assert_false(tcp_cookie_check(KEY, &TU, 1001, isn, T0, false, 0, &out));
	memcpy(key2, KEY, 16);
	key2[15] ^= 0x80;
	assert_false(tcp_cookie_check(key2, &TU, 1001, isn + 1, T0, false, 0, &out));
	/* age: made 5 s into period 1000; good through the end of period 1001 */
	assert_true(tcp_cookie_check(KEY, &TU, 1001, isn + 1, T0 + 59 * SEC - 1, false, 0, &out));
	assert_true(tcp_cookie_check(KEY, &TU, 1001, isn + 1, T0 + 59 * SEC, false, 0, &out));
	assert_true(tcp_cookie_check(KEY, &TU, 1001, isn + 1, T0 + 123 * SEC - 1, false, 0, &out));
	assert_false(tcp_cookie_check(KEY, &TU, 1001, isn + 1, T0 + 123 * SEC, false, 0, &out));
	assert_false(tcp_cookie_check(KEY, &TU, 1001, isn + 1, T0 + 64 * 4 * SEC, false, 0, &out));
	/* a clock that went back a period does not take it either */
	assert_false(tcp_cookie_check(KEY, &TU, 1001, isn + 1, T0 - 6 * SEC, false, 0, &out));
	/* every single-bit change of the cookie fails */
	for (unsigned b = 0; b < 32; b++)
		assert_false(
		    tcp_cookie_check(KEY, &TU, 1001, (isn ^ (1u << b)) + 1, T0, false, 0, &out));
}

/* Blind forgery: random ACK numbers, and random MACs with the right counter and index bits,
 * for a known tuple and peer ISN. Each try has a 2^-27 chance (about 7.5e-9) at best; among 2
 * million tries, seeded, none may pass. Distinct cookies for distinct tuples, too. */
static void test_forgery(void **state)
{
	struct ng_rng r;
	struct tcp_cookie_opts in = {.mss = 1460}, out;
	uint32_t good = tcp_cookie_isn(KEY, &TU, 42, T0, &in);
	unsigned accepts = 0, same = 0;
	(void)state;

	ng_rng_seed(&r, 0x5eed);
	for (unsigned i = 0; i < 1000000; i++) {
		uint32_t guess = (uint32_t)ng_rng_next(&r);
		if (guess == good)
			continue;
		accepts += tcp_cookie_check(KEY, &TU, 43, guess + 1, T0, false, 0, &out);
		guess = (guess & ~0x1fu) | (good & 0x1fu);
		if (guess == good)
			continue;
		accepts += tcp_cookie_check(KEY, &TU, 43, guess + 1, T0, false, 0, &out);
	}
	assert_int_equal(accepts, 0);
	/* the MAC bits look random across tuples: count equal cookies for 100000 ports */
	for (unsigned p = 0; p < 100000; p++) {
		struct tcp_cookie_tuple t = TU;
		t.rport = (uint16_t)p;
		t.raddr += p >> 16;
		same += tcp_cookie_isn(KEY, &t, 42, T0, &in) == good;
	}
	assert_true(same <= 1); /* the tuple itself, once */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_plain), cmocka_unit_test(test_round_trip_ts),
	    cmocka_unit_test(test_mss_table),        cmocka_unit_test(test_rejects),
	    cmocka_unit_test(test_forgery),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
