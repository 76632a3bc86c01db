// SPDX-License-Identifier: MIT
/* The NAT and super-segments: a TCP super-segment with a partial checksum (the kernel's GSO frame,
 * handed whole by the link) is translated as one datagram in both directions and through a port
 * forward, keeps its gso_size, and its checksum, once finished as the kernel would finish it,
 * verifies; a full checksum is still updated as before; a link without TSO gets ordinary
 * segments; DF is judged by the segments, not the whole. */
#include <string.h>

#include "nat_testutil.h"
#include "core/core_internal.h"
#include "wire/wire_internal.h"
#include "nat/nat_internal.h"

#define LAN true
#define WAN false
#define GSO 1448

static uint8_t buf[65536];
static uint8_t pl[60000];

static void offload(struct ng_test_router *r, uint32_t lan, uint32_t wan)
{
	r->lan_link->tx_offload = lan;
	r->wan_link->tx_offload = wan;
}

/* Make the TCP checksum of datagram B (LEN bytes) partial: the folded pseudo-header sum. */
static void make_partial(uint8_t *b, size_t len)
{
	ng_put16(b + 36,
	         (uint16_t)~ng_csum_finish(ng_csum_pseudo(ng_get32(b + 12), ng_get32(b + 16),
	                                                  NG_IP_PROTO_TCP, (uint16_t)(len - 20))));
}

/* Hand datagram B (LEN bytes) to the router on the LAN or WAN with GSO_SIZE and FLAGS. */
static void input(struct ng_test_router *r, bool lan, const uint8_t *b, size_t len,
                  uint16_t gso_size, uint8_t flags)
{
	struct ng_link *l = lan ? r->lan_link : r->wan_link;
	struct ng_pkt *p = ng_pkt_alloc(ng_stack_pool(r->st));
	uint8_t *f;

	assert_non_null(p);
	f = ng_pkt_put(p, (uint32_t)(14 + len));
	assert_non_null(f);
	memcpy(f, l->mac, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x09\x09", 6);
	ng_put16(f + 12, NG_ETH_P_IPV4);
	memcpy(f + 14, b, len);
	p->gso_size = gso_size;
	p->flags = flags;
	ng_stack_input(r->st, lan ? r->lan : r->wan, p);
	ng_stack_pump(r->st, 0);
}

/* The next IPv4 frame sent on the LAN or WAN (ARP skipped), or NULL. */
static struct ng_pkt *output(struct ng_test_router *r, bool lan)
{
	struct ng_pkt *p;

	while ((p = ng_test_link_pop(lan ? r->lan_link : r->wan_link))) {
		if (p->len >= 34 && ng_get16(ng_pkt_data(p) + 12) == NG_ETH_P_IPV4)
			return p;
		ng_pkt_free(p);
	}
	return NULL;
}

/* Finish frame P's partial TCP checksum as the kernel would (sum from the TCP header on, the
 * field holding the pseudo-header sum), then check every checksum from scratch. */
static void finish_and_check(struct ng_pkt *p)
{
	uint8_t *d = ng_pkt_data(p);

	assert_true(p->flags & NG_PKT_F_CSUM_PARTIAL);
	ng_put16(d + 34 + 16, ng_csum(d + 34, p->len - 34));
	ntu_check_csums(d + 14, p->len - 14);
}

/* SYN, SYN+ACK, ACK between H (inside, HPORT) and SRV:80, seen from the side that opens it;
 * the outside port is HPORT (preserved). */
static void handshake(struct ng_test_router *r, uint16_t hport)
{
	size_t n;
	struct ng_pkt *p;

	n = ntu_tcp(buf, NTU_H1, hport, NTU_SRV, 80, 1000, 0, NG_TCP_SYN, NULL, 0);
	input(r, LAN, buf, n, 0, 0);
	ng_pkt_free(output(r, WAN));
	n = ntu_tcp(buf, NTU_SRV, 80, NTU_PUB, hport, 5000, 1001, NG_TCP_SYN | NG_TCP_ACK, NULL, 0);
	input(r, WAN, buf, n, 0, 0);
	ng_pkt_free(output(r, LAN));
	n = ntu_tcp(buf, NTU_H1, hport, NTU_SRV, 80, 1001, 5001, NG_TCP_ACK, NULL, 0);
	input(r, LAN, buf, n, 0, 0);
	p = output(r, WAN);
	assert_non_null(p);
	ng_pkt_free(p);
}

/* Outbound and inbound super-segments with partial checksums: one frame each way, addresses
 * translated, gso_size and the payload kept, checksums valid once finished; the tracker took
 * the whole range (the next ones are in sequence and not "untracked"). */
static void test_partial_both_directions(void **state)
{
	struct ng_test_router r;
	struct ng_pkt *p;
	const size_t len = 20 * GSO + 17;
	size_t n;
	(void)state;

	ng_test_router_create(&r, NULL, 1);
	offload(&r, NG_LINK_TX_CSUM | NG_LINK_TX_TSO4, NG_LINK_TX_CSUM | NG_LINK_TX_TSO4);
	handshake(&r, 40000);
	ng_test_fill(pl, sizeof(pl), 3);

	n = ntu_tcp(buf, NTU_H1, 40000, NTU_SRV, 80, 1001, 5001, NG_TCP_ACK | NG_TCP_PSH, pl, len);
	ntu_set_df(buf);
	make_partial(buf, n);
	input(&r, LAN, buf, n, GSO, NG_PKT_F_CSUM_PARTIAL | NG_PKT_F_CSUM_VALID);
	p = output(&r, WAN);
	assert_non_null(p);
	assert_null(output(&r, WAN));
	assert_int_equal(p->len, 14 + n);
	assert_int_equal(p->gso_size, GSO);
	assert_int_equal(ntu_src(ng_pkt_data(p) + 14), NTU_PUB);
	assert_int_equal(ntu_sport(ng_pkt_data(p) + 14), 40000);
	assert_int_equal(ng_pkt_data(p)[14 + 8], 63);
	assert_memory_equal(ng_pkt_data(p) + 14 + 40, pl, len);
	finish_and_check(p);
	ng_pkt_free(p);

	n = ntu_tcp(buf, NTU_SRV, 80, NTU_PUB, 40000, 5001, 1001 + (uint32_t)len, NG_TCP_ACK, pl,
	            len);
	ntu_set_df(buf);
	make_partial(buf, n);
	input(&r, WAN, buf, n, GSO, NG_PKT_F_CSUM_PARTIAL);
	p = output(&r, LAN);
	assert_non_null(p);
	assert_int_equal(p->len, 14 + n);
	assert_int_equal(p->gso_size, GSO);
	assert_int_equal(ntu_dst(ng_pkt_data(p) + 14), NTU_H1);
	assert_int_equal(ntu_dport(ng_pkt_data(p) + 14), 40000);
	finish_and_check(p);
	ng_pkt_free(p);

	assert_int_equal(ng_stack_stats(r.st)->counters[NG_CNT_IP_GSO_FORWARDED], 2);
	assert_int_equal(r.nat->untracked, 0);
	ng_test_router_destroy(&r);
}

/* A port forward rewrites ports as well: a partial checksum must not follow them (they are not
 * in the pseudo-header), only the address. Both directions, then a full checksum (CSUM_VALID
 * alone: verified by the kernel, complete) is updated as ever. */
static void test_partial_port_forward(void **state)
{
	struct ng_test_router r;
	struct ng_nat_config c;
	struct ng_pkt *p;
	const size_t len = 9 * GSO;
	size_t n;
	(void)state;

	ng_nat_config_default(&c);
	assert_int_equal(ng_nat_parse_forward("tcp:8080=192.168.1.10:80", &c.fwd[0]), 0);
	c.n_fwd = 1;
	ng_test_router_create(&r, &c, 2);
	offload(&r, NG_LINK_TX_CSUM | NG_LINK_TX_TSO4, NG_LINK_TX_CSUM | NG_LINK_TX_TSO4);
	ng_test_fill(pl, sizeof(pl), 4);

	n = ntu_tcp(buf, NTU_SRV, 5555, NTU_PUB, 8080, 100, 0, NG_TCP_SYN, NULL, 0);
	input(&r, WAN, buf, n, 0, 0);
	ng_pkt_free(output(&r, LAN));
	n = ntu_tcp(buf, NTU_H1, 80, NTU_SRV, 5555, 900, 101, NG_TCP_SYN | NG_TCP_ACK, NULL, 0);
	input(&r, LAN, buf, n, 0, 0);
	ng_pkt_free(output(&r, WAN));

	/* inbound: dst 203.0.113.2:8080 -> 192.168.1.10:80 */
	n = ntu_tcp(buf, NTU_SRV, 5555, NTU_PUB, 8080, 101, 901, NG_TCP_ACK, pl, len);
	make_partial(buf, n);
	input(&r, WAN, buf, n, GSO, NG_PKT_F_CSUM_PARTIAL);
	p = output(&r, LAN);
	assert_non_null(p);
	assert_int_equal(ntu_dst(ng_pkt_data(p) + 14), NTU_H1);
	assert_int_equal(ntu_dport(ng_pkt_data(p) + 14), 80);
	assert_int_equal(p->gso_size, GSO);
	finish_and_check(p);
	ng_pkt_free(p);

	/* outbound: src 192.168.1.10:80 -> 203.0.113.2:8080 */
	n = ntu_tcp(buf, NTU_H1, 80, NTU_SRV, 5555, 901, 101 + (uint32_t)len,
	            NG_TCP_ACK | NG_TCP_PSH, pl, len);
	make_partial(buf, n);
	input(&r, LAN, buf, n, GSO, NG_PKT_F_CSUM_PARTIAL | NG_PKT_F_CSUM_VALID);
	p = output(&r, WAN);
	assert_non_null(p);
	assert_int_equal(ntu_src(ng_pkt_data(p) + 14), NTU_PUB);
	assert_int_equal(ntu_sport(ng_pkt_data(p) + 14), 8080);
	finish_and_check(p);
	ng_pkt_free(p);

	/* a complete checksum vouched for by the kernel (CSUM_VALID only): updated by RFC 1624 */
	n = ntu_tcp(buf, NTU_H1, 80, NTU_SRV, 5555, 901 + (uint32_t)len, 101 + (uint32_t)len,
	            NG_TCP_ACK, pl, 1000);
	input(&r, LAN, buf, n, 0, NG_PKT_F_CSUM_VALID);
	p = output(&r, WAN);
	assert_non_null(p);
	assert_false(p->flags & NG_PKT_F_CSUM_PARTIAL);
	assert_int_equal(ntu_sport(ng_pkt_data(p) + 14), 8080);
	ntu_check_csums(ng_pkt_data(p) + 14, p->len - 14);
	ng_pkt_free(p);
	assert_int_equal(r.nat->untracked, 0);
	ng_test_router_destroy(&r);
}

/* The egress link cannot cut (a capture wrapper): the translated super-segment leaves as
 * ordinary segments, each with complete checksums and the translated address. */
static void test_cut_for_plain_link(void **state)
{
	struct ng_test_router r;
	struct ng_pkt *p;
	const size_t len = 3 * GSO + 100;
	unsigned i = 0;
	size_t n;
	(void)state;

	ng_test_router_create(&r, NULL, 3);
	offload(&r, NG_LINK_TX_CSUM | NG_LINK_TX_TSO4, 0);
	handshake(&r, 40001);
	ng_test_fill(pl, sizeof(pl), 5);
	n = ntu_tcp(buf, NTU_H1, 40001, NTU_SRV, 80, 1001, 5001, NG_TCP_ACK | NG_TCP_PSH, pl, len);
	ntu_set_df(buf);
	make_partial(buf, n);
	input(&r, LAN, buf, n, GSO, NG_PKT_F_CSUM_PARTIAL);
	while ((p = output(&r, WAN))) {
		const uint8_t *d = ng_pkt_data(p) + 14;
		size_t seg = i < 3 ? GSO : 100;

		assert_int_equal(p->len, 14 + 40 + seg);
		assert_int_equal(p->gso_size, 0);
		assert_int_equal(ntu_src(d), NTU_PUB);
		assert_int_equal(ng_get32(d + 24), 1001 + i * GSO);
		assert_int_equal(d[33], i < 3 ? NG_TCP_ACK : NG_TCP_ACK | NG_TCP_PSH);
		assert_memory_equal(d + 40, pl + i * GSO, seg);
		ntu_check_csums(d, p->len - 14);
		ng_pkt_free(p);
		i++;
	}
	assert_int_equal(i, 4);
	assert_int_equal(ng_stack_stats(r.st)->counters[NG_CNT_IP_GSO_CUT], 1);
	ng_test_router_destroy(&r);
}

/* DF: a super-segment far longer than the WAN MTU passes when its segments fit, and draws
 * frag-needed (about the untranslated datagram) when they do not. */
static void test_df_by_segments(void **state)
{
	struct ng_test_router r;
	struct ng_pkt *p;
	size_t n;
	(void)state;

	ng_test_router_create_mtu(&r, NULL, 4, 1500, 1400);
	offload(&r, NG_LINK_TX_CSUM | NG_LINK_TX_TSO4, NG_LINK_TX_CSUM | NG_LINK_TX_TSO4);
	handshake(&r, 40002);
	ng_test_fill(pl, sizeof(pl), 6);

	n = ntu_tcp(buf, NTU_H1, 40002, NTU_SRV, 80, 1001, 5001, NG_TCP_ACK, pl, 10 * 1360);
	ntu_set_df(buf);
	make_partial(buf, n);
	input(&r, LAN, buf, n, 1360, NG_PKT_F_CSUM_PARTIAL);
	p = output(&r, WAN);
	assert_non_null(p);
	assert_int_equal(p->gso_size, 1360);
	finish_and_check(p);
	ng_pkt_free(p);

	n = ntu_tcp(buf, NTU_H1, 40002, NTU_SRV, 80, 1001 + 13600, 5001, NG_TCP_ACK, pl, 10 * 1361);
	ntu_set_df(buf);
	make_partial(buf, n);
	input(&r, LAN, buf, n, 1361, NG_PKT_F_CSUM_PARTIAL);
	assert_null(output(&r, WAN));
	assert_int_equal(ng_test_router_drops(&r, NG_DROP_IP_DF), 1);
	p = output(&r, LAN);
	assert_non_null(p);
	assert_int_equal(ng_pkt_data(p)[14 + 20], 3); /* destination unreachable */
	assert_int_equal(ng_pkt_data(p)[14 + 21], 4); /* fragmentation needed */
	assert_int_equal(ng_get16(ng_pkt_data(p) + 14 + 26), 1400);
	assert_int_equal(ntu_src(ng_pkt_data(p) + 14 + 28), NTU_H1); /* the untranslated quote */
	ng_pkt_free(p);
	ng_test_router_destroy(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_partial_both_directions),
	    cmocka_unit_test(test_partial_port_forward),
	    cmocka_unit_test(test_cut_for_plain_link),
	    cmocka_unit_test(test_df_by_segments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
