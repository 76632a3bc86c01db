// SPDX-License-Identifier: MIT
/* Unit tests for the Ethernet II codec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core_internal.h"
#include "wire/wire_internal.h"

static const uint8_t frame[14] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
                                  0x00, 0x5e, 0x10, 0x20, 0x30, 0x08, 0x06};

static void test_parse_known(void **state)
{
	struct ng_eth_hdr h;

	assert_int_equal(ng_eth_parse(frame, sizeof(frame), &h), NG_DROP_NONE);
	assert_memory_equal(h.dst, ng_eth_broadcast, 6);
	const uint8_t src[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};
	assert_memory_equal(h.src, src, 6);
	assert_int_equal(h.type, NG_ETH_P_ARP);
	assert_true(ng_eth_is_multicast(h.dst));
	assert_false(ng_eth_is_multicast(h.src));
}

static void test_round_trip(void **state)
{
	struct ng_eth_hdr h = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb},
	                       {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee},
	                       NG_ETH_P_IPV4},
	                  g;
	uint8_t b[20];

	memset(b, 0x77, sizeof(b));
	assert_int_equal(ng_eth_emit(b, sizeof(b), &h), NG_ETH_HLEN);
	assert_int_equal(b[12], 0x08);
	assert_int_equal(b[13], 0x00);
	assert_int_equal(b[14], 0x77); /* nothing written past the header */
	assert_int_equal(ng_eth_parse(b, NG_ETH_HLEN, &g), NG_DROP_NONE);
	assert_memory_equal(&g.dst, &h.dst, 6);
	assert_memory_equal(&g.src, &h.src, 6);
	assert_int_equal(g.type, h.type);
	assert_true(ng_eth_is_multicast(g.dst));
	/* Emitting the parsed known frame gives the same bytes. */
	assert_int_equal(ng_eth_parse(frame, sizeof(frame), &g), NG_DROP_NONE);
	assert_int_equal(ng_eth_emit(b, NG_ETH_HLEN, &g), NG_ETH_HLEN);
	assert_memory_equal(b, frame, NG_ETH_HLEN);
}

static void test_truncated(void **state)
{
	struct ng_eth_hdr h;

	for (size_t n = 0; n < NG_ETH_HLEN; n++)
		assert_int_equal(ng_eth_parse(frame, n, &h), NG_DROP_ETH_SHORT);
	assert_int_equal(ng_eth_emit((uint8_t[13]){0}, 13, &h), 0);
}

static void test_vlan_type_reported(void **state)
{
	uint8_t f[18];
	struct ng_eth_hdr h;

	memcpy(f, frame, 12);
	f[12] = 0x81;
	f[13] = 0x00;
	f[14] = 0x00;
	f[15] = 0x05;
	f[16] = 0x08;
	f[17] = 0x00;
	assert_int_equal(ng_eth_parse(f, sizeof(f), &h), NG_DROP_NONE);
	assert_int_equal(h.type, NG_ETH_P_VLAN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_known),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_vlan_type_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
