// SPDX-License-Identifier: MIT
/* Unit tests for the seeded PRNG: determinism, known first outputs, ranges, uniformity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core_internal.h"

static void test_same_seed_same_sequence(void **state)
{
	struct ng_rng a, b, c;

	ng_rng_seed(&a, 12345);
	ng_rng_seed(&b, 12345);
	ng_rng_seed(&c, 12346);
	int differ = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = ng_rng_next(&a);
		assert_true(x == ng_rng_next(&b));
		differ += x != ng_rng_next(&c);
	}
	assert_true(differ > 990);
}

/* splitmix64 of 0 gives e220a8397b1dcdaf (Vigna's reference); the state is its first four. */
static void test_seed_expansion_known(void **state)
{
	struct ng_rng r;

	ng_rng_seed(&r, 0);
	assert_true(r.s[0] == 0xe220a8397b1dcdafull);
	/* xoshiro256** first output: rotl(s1 * 5, 7) * 9. */
	uint64_t s1 = r.s[1] * 5;
	uint64_t want = ((s1 << 7) | (s1 >> 57)) * 9;
	assert_true(ng_rng_next(&r) == want);
}

static void test_below_range_and_uniform(void **state)
{
	struct ng_rng r;
	unsigned hist[10] = {0};

	ng_rng_seed(&r, 1);
	assert_int_equal(ng_rng_below(&r, 1), 0);
	assert_int_equal(ng_rng_below(&r, 0), 0);
	for (int i = 0; i < 100000; i++) {
		uint32_t v = ng_rng_below(&r, 10);
		assert_true(v < 10);
		hist[v]++;
	}
	for (int i = 0; i < 10; i++)
		assert_true(hist[i] > 9500 && hist[i] < 10500);
	/* Large bounds: the top value is reachable and nothing exceeds it. */
	uint32_t n = 0x80000001u, maxv = 0;
	for (int i = 0; i < 100000; i++) {
		uint32_t v = ng_rng_below(&r, n);
		assert_true(v < n);
		if (v > maxv)
			maxv = v;
	}
	assert_true(maxv > 0x7f000000u);
	for (int i = 0; i < 1000; i++)
		assert_true(ng_rng_below(&r, UINT32_MAX) < UINT32_MAX);
}

/* A bound that is not a power of two: with a biased modulo on 3 * 2^30 the low third would be
 * twice as likely; here the halves of the range come out even. */
static void test_below_unbiased(void **state)
{
	struct ng_rng r;
	uint32_t n = 3u << 30;
	unsigned low = 0, total = 200000;

	ng_rng_seed(&r, 77);
	for (unsigned i = 0; i < total; i++)
		low += ng_rng_below(&r, n) < n / 2;
	assert_true(low > total / 2 - 2000 && low < total / 2 + 2000);
}

static void test_double_range(void **state)
{
	struct ng_rng r;
	double sum = 0;

	ng_rng_seed(&r, 3);
	for (int i = 0; i < 100000; i++) {
		double d = ng_rng_double(&r);
		assert_true(d >= 0.0 && d < 1.0);
		sum += d;
	}
	assert_true(sum / 100000 > 0.49 && sum / 100000 < 0.51);
}

static void test_bytes(void **state)
{
	struct ng_rng a, b;
	uint8_t x[37], y[37];

	ng_rng_seed(&a, 9);
	ng_rng_seed(&b, 9);
	memset(x, 0, sizeof(x));
	memset(y, 0x55, sizeof(y));
	ng_rng_bytes(&a, x, 37);
	ng_rng_bytes(&b, y, 37);
	assert_memory_equal(x, y, 37);
	/* Partial fill touches only LEN bytes. */
	memset(x, 0xee, sizeof(x));
	ng_rng_bytes(&a, x, 5);
	assert_int_equal(x[5], 0xee);
	assert_int_equal(x[36], 0xee);
	/* Not all zero. */
	int nz = 0;
	for (int i = 0; i < 37; i++)
		nz += y[i] != 0;
	assert_true(nz > 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_seed_same_sequence),
	    cmocka_unit_test(test_seed_expansion_known),
	    cmocka_unit_test(test_below_range_and_uniform),
	    cmocka_unit_test(test_below_unbiased),
	    cmocka_unit_test(test_double_range),
	    cmocka_unit_test(test_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
