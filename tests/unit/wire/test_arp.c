// SPDX-License-Identifier: MIT
/* Unit tests for the ARP codec (RFC 826). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core_internal.h"
#include "wire/wire_internal.h"

/* who-has 10.0.0.2 tell 10.0.0.1 (02:00:00:00:00:01), as a real stack writes it */
static const uint8_t req[28] = {0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00,
                                0x00, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x00,
                                0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02};

static void test_parse_known(void **state)
{
	struct ng_arp_pkt a;
	const uint8_t sha[6] = {2, 0, 0, 0, 0, 1}, zero[6] = {0};

	assert_int_equal(ng_arp_parse(req, sizeof(req), &a), NG_DROP_NONE);
	assert_int_equal(a.op, NG_ARP_REQUEST);
	assert_memory_equal(a.sha, sha, 6);
	assert_int_equal(a.spa, NG_IP4(10, 0, 0, 1));
	assert_memory_equal(a.tha, zero, 6);
	assert_int_equal(a.tpa, NG_IP4(10, 0, 0, 2));
}

static void test_emit_matches_and_round_trips(void **state)
{
	struct ng_arp_pkt a, b;
	uint8_t out[28];

	assert_int_equal(ng_arp_parse(req, sizeof(req), &a), NG_DROP_NONE);
	assert_int_equal(ng_arp_emit(out, sizeof(out), &a), NG_ARP_LEN);
	assert_memory_equal(out, req, sizeof(req));

	struct ng_arp_pkt r = {NG_ARP_REPLY,
	                       {0x02, 0x11, 0x22, 0x33, 0x44, 0x55},
	                       NG_IP4(192, 168, 1, 1),
	                       {0x02, 0x66, 0x77, 0x88, 0x99, 0xaa},
	                       NG_IP4(192, 168, 1, 20)};
	assert_int_equal(ng_arp_emit(out, sizeof(out), &r), NG_ARP_LEN);
	assert_int_equal(ng_arp_parse(out, sizeof(out), &b), NG_DROP_NONE);
	assert_int_equal(b.op, NG_ARP_REPLY);
	assert_memory_equal(b.sha, r.sha, 6);
	assert_memory_equal(b.tha, r.tha, 6);
	assert_int_equal(b.spa, r.spa);
	assert_int_equal(b.tpa, r.tpa);
	assert_int_equal(ng_arp_emit(out, 27, &r), 0);
}

static void test_padding_allowed(void **state)
{
	uint8_t f[46];
	struct ng_arp_pkt a;

	memset(f, 0xee, sizeof(f));
	memcpy(f, req, sizeof(req));
	assert_int_equal(ng_arp_parse(f, sizeof(f), &a), NG_DROP_NONE);
	assert_int_equal(a.tpa, NG_IP4(10, 0, 0, 2));
}

static void test_truncated(void **state)
{
	struct ng_arp_pkt a;

	for (size_t n = 0; n < sizeof(req); n++)
		assert_int_equal(ng_arp_parse(req, n, &a), NG_DROP_ARP_SHORT);
}

static void test_bad_format(void **state)
{
	struct ng_arp_pkt a;
	uint8_t b[28];
	/* each of htype, ptype, hlen, plen wrong */
	const struct {
		size_t at;
		uint8_t v;
	} bad[] = {{1, 6}, {0, 1}, {3, 0xdd}, {2, 0x86}, {4, 8}, {4, 0}, {5, 16}, {5, 6}};

	for (size_t i = 0; i < NG_ARRAY_SIZE(bad); i++) {
		memcpy(b, req, sizeof(b));
		b[bad[i].at] = bad[i].v;
		assert_int_equal(ng_arp_parse(b, sizeof(b), &a), NG_DROP_ARP_FORMAT);
	}
	const uint16_t ops[] = {0, 3, 4, 8, 0x0100, 0xffff};
	for (size_t i = 0; i < NG_ARRAY_SIZE(ops); i++) {
		memcpy(b, req, sizeof(b));
		ng_put16(b + 6, ops[i]);
		assert_int_equal(ng_arp_parse(b, sizeof(b), &a), NG_DROP_ARP_OP);
	}
	memcpy(b, req, sizeof(b));
	ng_put16(b + 6, NG_ARP_REPLY);
	assert_int_equal(ng_arp_parse(b, sizeof(b), &a), NG_DROP_NONE);
	assert_int_equal(a.op, NG_ARP_REPLY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_known),
	    cmocka_unit_test(test_emit_matches_and_round_trips),
	    cmocka_unit_test(test_padding_allowed),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_bad_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
