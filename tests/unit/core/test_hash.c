// SPDX-License-Identifier: MIT
/* Unit tests for SipHash-2-4 (the paper's test vector) and the keyed table hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core_internal.h"

/* Aumasson and Bernstein, SipHash paper, Appendix A: key 00..0f, message 00..0e. */
static void test_siphash_paper_vector(void **state)
{
	uint8_t key[16], msg[15];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	assert_true(ng_siphash(key, msg, 15) == 0xa129ca6149be45e5ull);
}

/* The reference implementation's vectors for the empty message and for 8 bytes (little-endian
 * bytes 31 0e 0e dd 47 db 6f 72 and 62 24 93 9a 79 f5 f5 93), same key. */
static void test_siphash_more_vectors(void **state)
{
	uint8_t key[16], msg[8];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 8; i++)
		msg[i] = (uint8_t)i;
	assert_true(ng_siphash(key, msg, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(ng_siphash(key, msg, 8) == 0x93f5f5799a932462ull);
}

static void test_siphash_key_and_length_matter(void **state)
{
	uint8_t key[16] = {0}, key2[16] = {0};
	uint8_t msg[16] = {0};

	key2[15] = 1;
	assert_true(ng_siphash(key, msg, 16) != ng_siphash(key2, msg, 16));
	/* Zero padding does not collide: the length is mixed in. */
	assert_true(ng_siphash(key, msg, 7) != ng_siphash(key, msg, 8));
	assert_true(ng_siphash(key, msg, 0) != ng_siphash(key, msg, 1));
}

static void test_hash32_properties(void **state)
{
	uint8_t a[13] = "192.0.2.1:80";
	uint8_t b[13] = "192.0.2.1:81";

	/* Deterministic per seed. */
	assert_int_equal(ng_hash32(a, 13, 5), ng_hash32(a, 13, 5));
	/* Seed, data and length all change the hash. */
	assert_int_not_equal(ng_hash32(a, 13, 5), ng_hash32(a, 13, 6));
	assert_int_not_equal(ng_hash32(a, 13, 5), ng_hash32(b, 13, 5));
	assert_int_not_equal(ng_hash32(a, 12, 5), ng_hash32(a, 13, 5));
	uint8_t z[16] = {0};
	assert_int_not_equal(ng_hash32(z, 8, 1), ng_hash32(z, 16, 1));
	assert_int_not_equal(ng_hash32(z, 0, 1), ng_hash32(z, 1, 1));
}

/* Keys that differ in one field spread evenly over buckets (what the NAT table relies on). */
static void test_hash32_distribution(void **state)
{
	enum { BUCKETS = 256, N = 256 * 64 };
	static unsigned count[BUCKETS];
	uint8_t key[12] = {10, 0, 0, 2, 203, 0, 113, 5, 0, 0, 0, 80};

	memset(count, 0, sizeof(count));
	for (unsigned i = 0; i < N; i++) {
		ng_put16(key + 8, (uint16_t)i);
		count[ng_hash32(key, sizeof(key), 0x1234) % BUCKETS]++;
	}
	/* Mean 64 per bucket; a decent hash stays well inside [24, 110]. */
	for (unsigned i = 0; i < BUCKETS; i++) {
		assert_true(count[i] > 24);
		assert_true(count[i] < 110);
	}
	/* Avalanche: flipping one input bit flips about half the output bits. */
	unsigned flips = 0;
	for (unsigned bit = 0; bit < 96; bit++) {
		uint8_t k2[12];
		memcpy(k2, key, 12);
		k2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		flips += (unsigned)__builtin_popcount(ng_hash32(key, 12, 9) ^ ng_hash32(k2, 12, 9));
	}
	assert_true(flips > 96 * 12 && flips < 96 * 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_siphash_paper_vector),
	    cmocka_unit_test(test_siphash_more_vectors),
	    cmocka_unit_test(test_siphash_key_and_length_matter),
	    cmocka_unit_test(test_hash32_properties),
	    cmocka_unit_test(test_hash32_distribution),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
