// SPDX-License-Identifier: MIT
/* NAPT's translation (src/nat/napt.c), ICMP error translation and the undoing of a translation
 * for ARP's host unreachable (src/nat/icmp_xlate.c) at the edges of incremental checksum updates
 * (RFC 1624), where a UDP checksum may read 0, which RFC 768 reserves for "no checksum". */
#include <string.h>

#include "nat_testutil.h"
#include "core/core_internal.h"
#include "wire/wire_internal.h"

#define LAN true
#define WAN false

/* Send datagram B (LEN bytes) from the LAN and return the router's translation on the WAN. */
static size_t out_wan(struct ng_test_router *r, const uint8_t *b, size_t len, uint8_t *got,
                      size_t cap)
{
	ng_test_router_input(r, LAN, b, len);
	return ng_test_router_output(r, WAN, got, cap);
}

/* H2 takes public port 6000 first, so H1:6000 maps to another one (the same for every
 * destination: endpoint-independent mapping): that one. */
static uint16_t h1_moved_port(struct ng_test_router *r)
{
	uint8_t b[64], got[256];
	uint16_t pport;

	assert_true(out_wan(r, b, ntu_udp(b, NTU_H2, 6000, NTU_SRV, 53, "q", 1, true), got,
	                    sizeof(got)) > 0);
	assert_true(out_wan(r, b, ntu_udp(b, NTU_H1, 6000, NTU_SRV, 53, "q", 1, true), got,
	                    sizeof(got)) > 0);
	pport = ntu_sport(got);
	assert_int_not_equal(pport, 6000);
	return pport;
}

/*
 * An outbound UDP datagram whose next hop never answers ARP is put back as its sender wrote it
 * (nat_arp_unreach) before the host unreachable quotes it: address, then port. The payload is
 * chosen so that the checksum reads 0 between those two steps; the port's change must still be
 * applied to it (the datagram has a checksum all along), and the quote must be the sender's
 * datagram byte for byte. The router's own steps on the way out are kept clear of 0.
 */
static void test_restore_through_zero_csum(void **state)
{
	const uint32_t dst = NG_IP4(203, 0, 113, 77); /* on the WAN subnet, never answers ARP */
	struct ng_test_router r;
	uint8_t orig[64], got[256], data[7] = "query";
	uint16_t pport, cs0, cs1, cs2, cs3 = 1;
	size_t olen = 0, n;
	uint32_t v;
	(void)state;

	ng_test_router_create(&r, NULL, 35);
	pport = h1_moved_port(&r);
	for (v = 0; v < 0x10000; v++) {
		ng_put16(data + 5, (uint16_t)v);
		olen = ntu_udp(orig, NTU_H1, 6000, dst, 53, data, sizeof(data), true);
		cs0 = ng_get16(orig + 20 + 6);
		cs1 = ng_csum_update32(cs0, NTU_H1, NTU_PUB); /* out: the address */
		cs2 = ng_csum_update16(cs1, 6000, pport);     /* out: the port */
		cs3 = ng_csum_update32(cs2, NTU_PUB, NTU_H1); /* undone: the address */
		if (cs1 && cs2 && !cs3)
			break;
	}
	assert_int_equal(cs3, 0);

	ng_test_router_input(&r, LAN, orig, olen);
	for (int i = 0; i < 5; i++)
		ng_test_router_advance(&r, NG_NS_PER_SEC);
	assert_int_equal(ng_test_router_drops(&r, NG_DROP_ARP_UNRESOLVED), 1);
	n = ng_test_router_output(&r, LAN, got, sizeof(got));
	assert_int_equal(n, 28 + olen);
	ntu_check_csums(got, n);
	assert_int_equal(ntu_dst(got), NTU_H1);
	assert_int_equal(got[20], NG_ICMP_DEST_UNREACH);
	assert_int_equal(got[21], NG_ICMP_HOST_UNREACH);
	assert_memory_equal(got + 28, orig, olen); /* the UDP checksum included */
	ng_test_router_destroy(&r);
}

/*
 * An outbound UDP datagram whose checksum reads 0 after the address change and before the port
 * change (about one in 65536 when the port changes): the port's change must still be applied
 * (the datagram has a checksum all along); the datagram on the WAN carries a correct checksum.
 */
static void test_translate_through_zero_csum(void **state)
{
	struct ng_test_router r;
	uint8_t b[64], got[256], data[7] = "query";
	uint16_t pport, cs0, cs1 = 1, cs2 = 0;
	size_t len = 0, n;
	uint32_t v;
	(void)state;

	ng_test_router_create(&r, NULL, 36);
	pport = h1_moved_port(&r);
	for (v = 0; v < 0x10000; v++) {
		ng_put16(data + 5, (uint16_t)v);
		len = ntu_udp(b, NTU_H1, 6000, NTU_SRV, 53, data, sizeof(data), true);
		cs0 = ng_get16(b + 20 + 6);
		cs1 = ng_csum_update32(cs0, NTU_H1, NTU_PUB);
		cs2 = ng_csum_update16(cs1, 6000, pport);
		if (cs0 && !cs1 && cs2)
			break;
	}
	assert_int_equal(cs1, 0);
	n = out_wan(&r, b, len, got, sizeof(got));
	assert_int_equal(n, len);
	ntu_check_csums(got, n);
	assert_int_equal(ntu_sport(got), pport);
	assert_int_equal(ng_get16(got + 20 + 6), cs2);
	ng_test_router_destroy(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_restore_through_zero_csum),
	    cmocka_unit_test(test_translate_through_zero_csum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
