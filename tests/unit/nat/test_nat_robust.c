// SPDX-License-Identifier: MIT
/* NAT robustness: fragmented datagrams translated whole, and a flood of malformed and spoofed
 * packets that must create no flow, crash nothing and leak nothing. */
#include <stdio.h>
#include <string.h>

#include "core/core_internal.h"
#include "nat_testutil.h"
#include "wire/wire_internal.h"

#define LAN true
#define WAN false

/* Cut datagram D (LEN bytes, 20-byte header) into fragments of at most CHUNK payload bytes and
 * feed them to the router from the LAN. */
static void send_fragments(struct ng_test_router *r, const uint8_t *d, size_t len, size_t chunk)
{
	size_t off = 0, payload = len - 20;
	uint8_t f[1600];

	while (off < payload) {
		size_t n = NG_MIN(chunk, payload - off);
		memcpy(f, d, 20);
		memcpy(f + 20, d + 20 + off, n);
		ng_put16(f + 2, (uint16_t)(20 + n));
		ng_put16(f + 6, (uint16_t)((off / 8) | (off + n < payload ? NG_IP_MF : 0)));
		ng_put16(f + 10, 0);
		ng_put16(f + 10, ng_csum(f, 20));
		ng_test_router_input(r, LAN, f, 20 + n);
		off += n;
	}
}

static void test_fragments_translated_whole(void **state)
{
	static uint8_t d[4096], got[4096], frag[2048], whole[4096];
	uint8_t payload[3000];
	struct ng_test_router r;
	size_t len, n, total = 0, nfrags = 0;

	(void)state;
	ng_test_router_create(&r, NULL, 31);
	ng_test_fill(payload, sizeof(payload), 5);

	/* a 1008-byte datagram in two fragments leaves whole */
	len = ntu_udp(d, NTU_H1, 7777, NTU_SRV, 53, payload, 1000, true);
	send_fragments(&r, d, len, 512);
	n = ng_test_router_output(&r, WAN, got, sizeof(got));
	assert_int_equal(n, len);
	ntu_check_csums(got, n);
	assert_int_equal(ntu_src(got), NTU_PUB);
	assert_int_equal(ntu_sport(got), 7777);
	assert_memory_equal(got + 28, payload, 1000);

	/* a 3028-byte one leaves in MTU-sized fragments that reassemble into the translated
	 * datagram with a right UDP checksum */
	len = ntu_udp(d, NTU_H1, 7778, NTU_SRV, 53, payload, 3000, true);
	send_fragments(&r, d, len, 1480);
	memset(whole, 0, sizeof(whole));
	while ((n = ng_test_router_output(&r, WAN, frag, sizeof(frag)))) {
		uint16_t fo = ng_get16(frag + 6);
		size_t off = (size_t)(fo & NG_IP_OFFMASK) * 8;
		assert_true(n <= 1500);
		assert_int_equal(ng_csum(frag, 20), 0);
		assert_int_equal(ntu_src(frag), NTU_PUB);
		memcpy(whole + 20 + off, frag + 20, n - 20);
		if (off == 0)
			memcpy(whole, frag, 20);
		total += n - 20;
		nfrags++;
	}
	assert_int_equal(nfrags, 3);
	assert_int_equal(total, len - 20);
	ng_put16(whole + 2, (uint16_t)len);
	ng_put16(whole + 6, 0);
	ng_put16(whole + 10, 0);
	ng_put16(whole + 10, ng_csum(whole, 20));
	ntu_check_csums(whole, len);
	assert_int_equal(ntu_sport(whole), 7778);
	assert_memory_equal(whole + 28, payload, 3000);
	ng_test_router_destroy(&r);
}

/* Path MTU: a DF datagram too big for the WAN gets fragmentation-needed about the untranslated
 * datagram (RFC 1191); without DF it leaves in fragments; a frag-needed from a router beyond is
 * translated with its next-hop MTU kept (RFC 5508). */
static void test_path_mtu(void **state)
{
	static uint8_t d[2048], got[2048], sent[2048];
	uint8_t payload[1450];
	struct ng_test_router r;
	size_t len, n, slen;

	(void)state;
	ng_test_router_create_mtu(&r, NULL, 33, 1500, 1400);
	ng_test_fill(payload, sizeof(payload), 6);
	len = ntu_udp(d, NTU_H1, 8000, NTU_SRV, 9, payload, sizeof(payload), true);
	ntu_set_df(d);
	ng_test_router_input(&r, LAN, d, len);
	assert_int_equal(ng_test_router_output(&r, WAN, got, sizeof(got)), 0);
	n = ng_test_router_output(&r, LAN, got, sizeof(got));
	assert_true(n > 28 + 28);
	ntu_check_csums(got, n);
	assert_int_equal(got[20], NG_ICMP_DEST_UNREACH);
	assert_int_equal(got[21], NG_ICMP_FRAG_NEEDED);
	assert_int_equal(ng_get16(got + 26), 1400);
	assert_int_equal(ntu_dst(got), NTU_H1);
	assert_int_equal(ntu_src(got + 28), NTU_H1); /* the quote is what H1 sent */
	assert_int_equal(ntu_sport(got + 28), 8000);
	assert_int_equal(ng_test_router_flows(&r), 0);

	/* without DF: two fragments on the WAN */
	len = ntu_udp(d, NTU_H1, 8000, NTU_SRV, 9, payload, sizeof(payload), true);
	ng_test_router_input(&r, LAN, d, len);
	assert_true(ng_test_router_output(&r, WAN, got, sizeof(got)) <= 1400);
	assert_true(ng_test_router_output(&r, WAN, got, sizeof(got)) > 0);
	assert_int_equal(ng_test_router_output(&r, WAN, got, sizeof(got)), 0);

	/* a smaller DF datagram crosses; a router beyond answers frag-needed with MTU 1280 */
	len = ntu_udp(d, NTU_H1, 8001, NTU_SRV, 9, payload, 1300, true);
	ntu_set_df(d);
	ng_test_router_input(&r, LAN, d, len);
	slen = ng_test_router_output(&r, WAN, sent, sizeof(sent));
	assert_int_equal(slen, len);
	len = ntu_icmp_err(d, NG_IP4(198, 51, 100, 1), NTU_PUB, NG_ICMP_DEST_UNREACH,
	                   NG_ICMP_FRAG_NEEDED, sent, 28);
	ng_put16(d + 26, 1280); /* next-hop MTU, then the checksum again */
	ng_put16(d + 22, 0);
	ng_put16(d + 22, ng_csum(d + 20, len - 20));
	ng_test_router_input(&r, WAN, d, len);
	n = ng_test_router_output(&r, LAN, got, sizeof(got));
	assert_int_equal(n, len);
	ntu_check_csums(got, n);
	assert_int_equal(ng_get16(got + 26), 1280);
	assert_int_equal(ntu_dst(got), NTU_H1);
	assert_int_equal(ntu_src(got + 28), NTU_H1);
	assert_int_equal(ntu_sport(got + 28), 8001);
	assert_int_equal(ng_csum(got + 28, 20), 0);
	ng_test_router_destroy(&r);
}

static void drain(struct ng_test_router *r)
{
	uint8_t o[2048];
	while (ng_test_router_output(r, LAN, o, sizeof(o)))
		;
	while (ng_test_router_output(r, WAN, o, sizeof(o)))
		;
}

/* Random and hostile datagrams from both sides: no flow may appear. */
static void test_flood_creates_no_flows(void **state)
{
	static uint8_t d[1600];
	struct ng_test_router r;
	struct ng_rng rng;
	unsigned i;

	(void)state;
	ng_test_router_create(&r, NULL, 32);
	ng_rng_seed(&rng, 99);
	for (i = 0; i < 20000; i++) {
		uint32_t kind = ng_rng_below(&rng, 8);
		bool lan = ng_rng_below(&rng, 2);
		uint16_t p1 = (uint16_t)ng_rng_next(&rng), p2 = (uint16_t)ng_rng_next(&rng);
		uint32_t a = (uint32_t)ng_rng_next(&rng);
		size_t len;

		switch (kind) {
		case 0: /* garbage after a plausible IPv4 header start */
			len = 20 + ng_rng_below(&rng, 200);
			ng_rng_bytes(&rng, d, len);
			d[0] = 0x45;
			break;
		case 1: /* valid IP, random transport bytes (checksums wrong) */
			len = ntu_udp(d, lan ? NTU_H1 : NTU_SRV, p1, lan ? NTU_SRV : NTU_PUB, p2,
			              "x", 1, true);
			ng_rng_bytes(&rng, d + 20, len - 20);
			d[9] = (uint8_t)(ng_rng_below(&rng, 2) ? NG_IP_PROTO_TCP : NG_IP_PROTO_UDP);
			ng_put16(d + 10, 0);
			ng_put16(d + 10, ng_csum(d, 20));
			break;
		case 2: /* spoofed inside sources */
			len = ntu_udp(d, lan ? a : NTU_SRV, p1, NTU_SRV2, p2, "s", 1, true);
			if (!lan)
				len = ntu_udp(d, NTU_SRV, p1, a, p2, "s", 1, true);
			break;
		case 3: /* TCP that is not a SYN, both ways */
			len = ntu_tcp(
			    d, lan ? NTU_H1 : NTU_SRV, p1, lan ? NTU_SRV : NTU_PUB, p2, a, a,
			    (uint8_t)(NG_TCP_ACK | (a & (NG_TCP_FIN | NG_TCP_RST | NG_TCP_PSH))),
			    NULL, 0);
			break;
		case 4: /* SYN+ACK / SYN+RST: never opens a flow */
			len = ntu_tcp(d, lan ? NTU_H1 : NTU_SRV, p1, lan ? NTU_SRV : NTU_PUB, p2, a,
			              0, (uint8_t)(NG_TCP_SYN | (a & 1 ? NG_TCP_ACK : NG_TCP_RST)),
			              NULL, 0);
			break;
		case 5: /* ICMP errors quoting random headers */
		{
			uint8_t q[48];
			ng_rng_bytes(&rng, q, sizeof(q));
			q[0] = 0x45;
			ng_put32(q + 12, lan ? NTU_SRV : NTU_PUB);
			len = ntu_icmp_err(d, lan ? NTU_H1 : NTU_SRV, lan ? NTU_SRV : NTU_PUB,
			                   NG_ICMP_DEST_UNREACH, (uint8_t)(a & 15), q, sizeof(q));
			break;
		}
		case 6: /* echo replies and inbound echo requests */
			len =
			    ntu_icmp_echo(d, lan ? NTU_H1 : NTU_SRV, lan ? NTU_SRV : NTU_PUB,
			                  lan ? NG_ICMP_ECHO_REPLY
			                      : (a & 1 ? NG_ICMP_ECHO_REPLY : NG_ICMP_ECHO_REQUEST),
			                  p1, p2);
			break;
		default: /* inbound UDP to the public address (no mapping, no forward) */
			len = ntu_udp(d, NTU_SRV, p1, NTU_PUB, p2, "u", 1, true);
			lan = false;
			break;
		}
		ng_test_router_input(&r, lan, d, len);
		drain(&r);
		if (i % 1000 == 0)
			ng_test_router_advance(&r, 100 * NG_NS_PER_MS);
	}
	assert_int_equal(ng_test_router_flows(&r), 0);
	assert_int_equal(ng_stack_stats(r.st)->counters[NG_CNT_NAT_FLOWS_CREATED], 0);
	/* the flood really reached the NAT's checks */
	printf("# drops: no flow %llu, src %llu, udp csum %llu, tcp csum %llu, filtered %llu\n",
	       (unsigned long long)ng_test_router_drops(&r, NG_DROP_NAT_NO_FLOW),
	       (unsigned long long)ng_test_router_drops(&r, NG_DROP_IP_SRC_BAD),
	       (unsigned long long)ng_test_router_drops(&r, NG_DROP_UDP_CSUM),
	       (unsigned long long)ng_test_router_drops(&r, NG_DROP_TCP_CSUM),
	       (unsigned long long)ng_test_router_drops(&r, NG_DROP_NAT_FILTERED));
	assert_true(ng_test_router_drops(&r, NG_DROP_NAT_NO_FLOW) > 1000);
	assert_true(ng_test_router_drops(&r, NG_DROP_IP_SRC_BAD) > 500);
	assert_true(ng_test_router_drops(&r, NG_DROP_NAT_FILTERED) > 500);
	{
		uint64_t bad = 0;
		int k;
		for (k = NG_DROP_UDP_SHORT; k <= NG_DROP_TCP_OPTIONS; k++)
			bad += ng_test_router_drops(&r, (enum ng_drop)k);
		printf("# malformed transport headers dropped: %llu\n", (unsigned long long)bad);
		assert_true(bad > 1000);
	}
	/* the held SYNs (none here: no bare SYN was sent) and everything else drain */
	ng_test_router_advance(&r, 10 * NG_NS_PER_SEC);
	drain(&r);
	ng_test_router_destroy(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fragments_translated_whole),
	    cmocka_unit_test(test_path_mtu),
	    cmocka_unit_test(test_flood_creates_no_flows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
