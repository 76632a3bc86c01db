// SPDX-License-Identifier: MIT
/* Unit tests for the UDP codec: known checksum, round trip, length and checksum errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core_internal.h"
#include "wire/wire_internal.h"

#define SRC NG_IP4(10, 0, 0, 1)
#define DST NG_IP4(10, 0, 0, 2)

/* 1234 -> 53, "hello", checksum a2f8 (written by an independent packet builder). */
static const uint8_t dgram[13] = {0x04, 0xd2, 0x00, 0x35, 0x00, 0x0d, 0xa2,
                                  0xf8, 0x68, 0x65, 0x6c, 0x6c, 0x6f};

static void test_parse_known(void **state)
{
	struct ng_udp_hdr h;

	assert_int_equal(ng_udp_parse(dgram, sizeof(dgram), SRC, DST, &h), NG_DROP_NONE);
	assert_int_equal(h.sport, 1234);
	assert_int_equal(h.dport, 53);
	assert_int_equal(h.len, 13);
	assert_int_equal(h.csum, 0xa2f8);
}

static void test_emit_known(void **state)
{
	struct ng_udp_hdr h = {1234, 53, 13, 0x1111};
	uint8_t b[13];

	memcpy(b + 8, "hello", 5);
	assert_int_equal(ng_udp_emit(b, sizeof(b), SRC, DST, &h), 8);
	assert_memory_equal(b, dgram, sizeof(dgram));
	assert_int_equal(ng_udp_emit(b, 12, SRC, DST, &h), 0);
	h.len = 7;
	assert_int_equal(ng_udp_emit(b, sizeof(b), SRC, DST, &h), 0);
}

static void test_round_trip_sizes(void **state)
{
	static uint8_t b[1501];
	struct ng_udp_hdr h, g;

	for (size_t n = 8; n <= sizeof(b); n += 37) {
		for (size_t i = 8; i < n; i++)
			b[i] = (uint8_t)(i * 7 + n);
		h.sport = (uint16_t)(n * 3);
		h.dport = 9;
		h.len = (uint16_t)n;
		assert_int_equal(ng_udp_emit(b, n, NG_IP4(192, 0, 2, 1), DST, &h), 8);
		assert_int_equal(ng_udp_parse(b, n, NG_IP4(192, 0, 2, 1), DST, &g), NG_DROP_NONE);
		assert_int_equal(g.sport, h.sport);
		assert_int_equal(g.dport, 9);
		assert_int_equal(g.len, n);
		assert_int_not_equal(g.csum, 0);
	}
}

static void test_lengths(void **state)
{
	struct ng_udp_hdr h;
	uint8_t b[32];

	for (size_t n = 0; n < 8; n++)
		assert_int_equal(ng_udp_parse(dgram, n, SRC, DST, &h), NG_DROP_UDP_SHORT);
	/* Length field beyond the bytes present (truncated payload). */
	for (size_t n = 8; n < sizeof(dgram); n++)
		assert_int_equal(ng_udp_parse(dgram, n, SRC, DST, &h), NG_DROP_UDP_LEN);
	/* Length field below the header size. */
	for (uint16_t l = 0; l < 8; l++) {
		memcpy(b, dgram, sizeof(dgram));
		ng_put16(b + 4, l);
		assert_int_equal(ng_udp_parse(b, sizeof(dgram), SRC, DST, &h), NG_DROP_UDP_LEN);
	}
	/* Bytes past the length field (IP padding) are ignored, checksum still verifies. */
	memset(b, 0xee, sizeof(b));
	memcpy(b, dgram, sizeof(dgram));
	assert_int_equal(ng_udp_parse(b, sizeof(b), SRC, DST, &h), NG_DROP_NONE);
	assert_int_equal(h.len, 13);
}

static void test_checksum(void **state)
{
	struct ng_udp_hdr h;
	uint8_t b[13];

	for (size_t i = 0; i < sizeof(b); i++) {
		if (i == 4 || i == 5)
			continue; /* length: a different error */
		memcpy(b, dgram, sizeof(b));
		b[i] ^= 0x01;
		assert_int_equal(ng_udp_parse(b, sizeof(b), SRC, DST, &h), NG_DROP_UDP_CSUM);
	}
	/* The pseudo-header counts: another address fails. */
	assert_int_equal(ng_udp_parse(dgram, sizeof(dgram), SRC, NG_IP4(10, 0, 0, 3), &h),
	                 NG_DROP_UDP_CSUM);
	/* Zero means no checksum (RFC 768): accepted whatever the data. */
	memcpy(b, dgram, sizeof(b));
	b[6] = b[7] = 0;
	b[10] ^= 0x55;
	assert_int_equal(ng_udp_parse(b, sizeof(b), SRC, NG_IP4(1, 2, 3, 4), &h), NG_DROP_NONE);
	assert_int_equal(h.csum, 0);
}

/* A datagram whose checksum computes to zero goes out as ffff, which verifies. */
static void test_zero_sent_as_ffff(void **state)
{
	uint8_t b[12] = {0, 7, 0, 9, 0, 12, 0, 0, 0, 0, 0, 0};
	struct ng_udp_hdr h = {7, 9, 12, 0}, g;
	uint64_t s = ng_csum_add(ng_csum_pseudo(SRC, DST, 17, 12), b, 12);

	/* choose the last payload word so that the sum is 0xffff: the checksum would be 0 */
	ng_put16(b + 10, (uint16_t)(0xffff - ng_csum_fold(s)));
	assert_int_equal(ng_udp_emit(b, sizeof(b), SRC, DST, &h), 8);
	assert_int_equal(ng_get16(b + 6), 0xffff);
	assert_int_equal(ng_udp_parse(b, sizeof(b), SRC, DST, &g), NG_DROP_NONE);
	assert_int_equal(g.csum, 0xffff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_known),      cmocka_unit_test(test_emit_known),
	    cmocka_unit_test(test_round_trip_sizes), cmocka_unit_test(test_lengths),
	    cmocka_unit_test(test_checksum),         cmocka_unit_test(test_zero_sent_as_ffff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
