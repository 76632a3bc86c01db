// SPDX-License-Identifier: MIT
/* Unit tests for the Internet checksum: known answers, every length and alignment against a
 * naive 16-bit reference, chaining, pseudo-header, RFC 1624 incremental updates, copy-and-sum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core_internal.h"

/* The textbook algorithm: big-endian 16-bit words, odd byte padded, 32-bit sum, folded. */
static uint16_t ref_fold(const uint8_t *p, size_t len, uint32_t init)
{
	uint64_t s = init;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 33;
}

static void fill(uint8_t *b, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)lcg(&seed);
}

/* RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2. */
static void test_rfc1071_example(void **state)
{
	const uint8_t d[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

	assert_int_equal(ng_csum_fold(ng_csum_add(0, d, 8)), 0xddf2);
	assert_int_equal(ng_csum(d, 8), (uint16_t)~0xddf2);
	/* In pieces at even offsets. */
	assert_int_equal(ng_csum_fold(ng_csum_add(ng_csum_add(0, d, 2), d + 2, 6)), 0xddf2);
	assert_int_equal(ng_csum_fold(ng_csum_add(ng_csum_add(0, d, 4), d + 4, 4)), 0xddf2);
}

/* A real IPv4 header (192.168.0.1 -> 192.168.0.199, UDP, len 0x73) with checksum b861. */
static void test_ipv4_header_known(void **state)
{
	uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	                 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

	/* A header with a correct checksum sums to 0xffff, so ng_csum gives 0. */
	assert_int_equal(ng_csum(h, 20), 0);
	h[10] = h[11] = 0;
	assert_int_equal(ng_csum(h, 20), 0xb861);
}

static void test_small_and_odd(void **state)
{
	const uint8_t one = 0xab;
	const uint8_t three[3] = {0x12, 0x34, 0x56};

	assert_int_equal(ng_csum_fold(ng_csum_add(0, NULL, 0)), 0);
	assert_int_equal(ng_csum(&one, 0), 0xffff);
	assert_int_equal(ng_csum_fold(ng_csum_add(0, &one, 1)), 0xab00);
	assert_int_equal(ng_csum_fold(ng_csum_add(0, three, 3)), 0x1234 + 0x5600);
	/* The sum passed in is added, in the big-endian domain. */
	assert_int_equal(ng_csum_fold(ng_csum_add(0x0102, three, 3)), 0x1234 + 0x5600 + 0x0102);
	/* Carries wrap around. */
	const uint8_t ff[4] = {0xff, 0xff, 0x00, 0x01};
	assert_int_equal(ng_csum_fold(ng_csum_add(0, ff, 4)), 0x0001);
	const uint8_t big[2] = {0xff, 0xfe};
	assert_int_equal(ng_csum_fold(ng_csum_add(0, big, 2) + 3), 0x0002);
}

/* Every length 0..2048 at every alignment 0..7 agrees with the reference. */
static void test_all_lengths_alignments(void **state)
{
	static uint8_t buf[2048 + 16];

	fill(buf, sizeof(buf), 42);
	for (size_t align = 0; align < 8; align++)
		for (size_t len = 0; len <= 2048; len++) {
			uint16_t want = ref_fold(buf + align, len, 0);
			uint16_t got = ng_csum_fold(ng_csum_add(0, buf + align, len));

			if (want != got)
				fail_msg("len %zu align %zu: want %04x got %04x", len, align, want,
				         got);
		}
}

/* All-ones data exercises the carry chain at its limit. */
static void test_all_ones(void **state)
{
	static uint8_t buf[4096];

	memset(buf, 0xff, sizeof(buf));
	for (size_t len = 0; len <= sizeof(buf); len += 7)
		assert_int_equal(ng_csum_fold(ng_csum_add(0, buf, len)), ref_fold(buf, len, 0));
	/* 2048 words of ffff sum to -0 (0xffff, not 0: the data is not all zero). */
	assert_int_equal(ng_csum_fold(ng_csum_add(0, buf, sizeof(buf))), 0xffff);
	assert_int_equal(ng_csum_fold(ng_csum_add(UINT32_MAX, buf, sizeof(buf))), 0xffff);
}

/* Chained sums at even split points equal one sum over the whole. */
static void test_chaining(void **state)
{
	uint8_t buf[301];
	uint64_t seed = 7;

	fill(buf, sizeof(buf), 9);
	for (int i = 0; i < 200; i++) {
		size_t len = lcg(&seed) % sizeof(buf);
		size_t a = (lcg(&seed) % (len + 1)) & ~(size_t)1;
		size_t b = a + ((lcg(&seed) % (len - a + 1)) & ~(size_t)1);
		uint64_t s = ng_csum_add(0, buf, a);

		s = ng_csum_add(s, buf + a, b - a);
		s = ng_csum_add(s, buf + b, len - b);
		assert_int_equal(ng_csum_fold(s), ref_fold(buf, len, 0));
	}
}

static void test_pseudo_header(void **state)
{
	/* 192.0.2.1 -> 198.51.100.7, TCP, length 1460, as its 12 pseudo-header bytes. */
	const uint8_t ph[12] = {192, 0, 2, 1, 198, 51, 100, 7, 0, 6, 0x05, 0xb4};
	uint64_t s = ng_csum_pseudo(NG_IP4(192, 0, 2, 1), NG_IP4(198, 51, 100, 7), 6, 1460);

	assert_int_equal(ng_csum_fold(s), ref_fold(ph, 12, 0));
	/* Combined with data. */
	uint8_t data[33];
	fill(data, sizeof(data), 3);
	assert_int_equal(ng_csum_fold(ng_csum_add(s, data, sizeof(data))),
	                 ref_fold(data, sizeof(data), ref_fold(ph, 12, 0)));
}

/* Known answer: a UDP datagram 10.0.0.1:1234 -> 10.0.0.2:53 with payload "hi". */
static void test_udp_known(void **state)
{
	uint8_t u[10] = {0x04, 0xd2, 0x00, 0x35, 0x00, 0x0a, 0x00, 0x00, 'h', 'i'};
	uint64_t s = ng_csum_pseudo(NG_IP4(10, 0, 0, 1), NG_IP4(10, 0, 0, 2), 17, 10);
	uint16_t c = ng_csum_finish(ng_csum_add(s, u, 10));

	/* By hand: 0a00+0001+0a00+0002+0011+000a + 04d2+0035+000a+0000+6869 = 0x8198. */
	assert_int_equal(c, (uint16_t)~0x8198);
	ng_put16(u + 6, c);
	assert_int_equal(ng_csum_finish(ng_csum_add(s, u, 10)), 0);
}

static void test_update16_matches_recompute(void **state)
{
	uint8_t h[40];
	uint64_t seed = 11;

	for (int i = 0; i < 5000; i++) {
		fill(h, sizeof(h), (uint64_t)i * 31 + 1);
		ng_put16(h + 10, 0);
		uint16_t c = ng_csum(h, sizeof(h));
		ng_put16(h + 10, c);
		size_t at = (lcg(&seed) % 20) * 2;
		if (at == 10)
			at = 12;
		uint16_t old = ng_get16(h + at);
		uint16_t nw = (uint16_t)lcg(&seed);
		if (i % 10 == 0)
			nw = old; /* unchanged */
		ng_put16(h + at, nw);
		uint16_t inc = ng_csum_update16(c, old, nw);
		ng_put16(h + 10, 0);
		assert_int_equal(inc, ng_csum(h, sizeof(h)));
		/* And the updated header verifies. */
		ng_put16(h + 10, inc);
		assert_int_equal(ng_csum(h, sizeof(h)), 0);
	}
}

static void test_update32_matches_recompute(void **state)
{
	uint8_t h[20];
	uint64_t seed = 99;

	for (int i = 0; i < 5000; i++) {
		fill(h, sizeof(h), (uint64_t)i * 17 + 5);
		ng_put16(h + 10, 0);
		uint16_t c = ng_csum(h, sizeof(h));
		size_t at = (lcg(&seed) & 1) ? 12 : 16;
		uint32_t old = ng_get32(h + at);
		uint32_t nw = (uint32_t)(lcg(&seed) << 1 ^ lcg(&seed));
		ng_put32(h + at, nw);
		assert_int_equal(ng_csum_update32(c, old, nw), ng_csum(h, sizeof(h)));
	}
	/* A port and address rewrite chained (what NAT does). */
	assert_int_equal(ng_csum_update16(ng_csum_update32(0x1234, 1, 1), 7, 7), 0x1234);
}

static void test_copy(void **state)
{
	uint8_t src[1100], dst[1100];

	fill(src, sizeof(src), 5);
	for (size_t len = 0; len < 1030; len += 1 + len / 7) {
		memset(dst, 0, sizeof(dst));
		uint64_t s = ng_csum_copy(dst, src + 1, len, 0x1111);
		assert_memory_equal(dst, src + 1, len);
		assert_int_equal(dst[len], 0);
		assert_int_equal(ng_csum_fold(s), ref_fold(src + 1, len, 0x1111));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc1071_example),
	    cmocka_unit_test(test_ipv4_header_known),
	    cmocka_unit_test(test_small_and_odd),
	    cmocka_unit_test(test_all_lengths_alignments),
	    cmocka_unit_test(test_all_ones),
	    cmocka_unit_test(test_chaining),
	    cmocka_unit_test(test_pseudo_header),
	    cmocka_unit_test(test_udp_known),
	    cmocka_unit_test(test_update16_matches_recompute),
	    cmocka_unit_test(test_update32_matches_recompute),
	    cmocka_unit_test(test_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
