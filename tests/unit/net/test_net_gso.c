// SPDX-License-Identifier: MIT
/* Super-segments through the network layer: Ethernet takes a frame longer than the MTU only when
 * it is a TCP/IPv4 super-segment whose segments fit; forwarding sends it whole to a link that cuts
 * it (TSO) and cuts it itself for one that cannot, into ordinary segments with complete
 * checksums; DF and segments too big for the next hop (TCP options counted) draw one
 * frag-needed; a partial checksum is finished for a link without checksum offload. */
#include "nettest.h"
#include "wire/wire_internal.h"

#define PEER_B NG_IP4(10, 0, 1, 2)

static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0xbb};
static const uint8_t peer_b_mac[6] = {0x02, 0, 0, 0, 1, 2};

struct rig {
	struct ng_test_host h;
	struct ng_link *l2;
	struct ng_iface *i2;
};

/* A forwarding stack: interface A (10.0.0.1/24, MTU 1500) with peer NT_PEER, interface B
 * (10.0.1.1/24, MTU MTU_B, its link advertising TX_OFFLOAD) with peer PEER_B. */
static void rig_create(struct rig *r, uint32_t mtu_b, uint32_t tx_offload)
{
	struct ng_stack_config c;
	struct ng_iface_config ic;
	static const uint8_t zero[6];
	uint8_t a[64];
	struct ng_pkt *p;
	size_t k;

	nt_cfg(&c);
	c.forwarding = true;
	c.icmp_rate = 100000;
	c.icmp_burst = 100000;
	nt_host_cfg(&r->h, &c, NT_US, 24, 1500);
	r->l2 = ng_test_link_create(mtu_b, mac_b);
	r->l2->tx_offload = tx_offload;
	memset(&ic, 0, sizeof(ic));
	ic.addr = NG_IP4(10, 0, 1, 1);
	ic.prefix_len = 24;
	assert_int_equal(ng_stack_add_iface(r->h.st, &ic, r->l2, &r->i2), 0);
	nt_learn(&r->h, NT_PEER, nt_peer_mac);
	k = nt_arp(a, 1, nt_bcast, peer_b_mac, PEER_B, zero, NG_IP4(10, 0, 1, 1));
	ng_test_link_inject(r->l2, ng_stack_pool(r->h.st), a, k);
	ng_stack_pump(r->h.st, 0);
	while ((p = ng_test_link_pop(r->l2)))
		ng_pkt_free(p);
}

static void rig_destroy(struct rig *r)
{
	ng_link_destroy(r->l2);
	ng_test_host_destroy(&r->h);
}

/* Hand interface A a TCP/IPv4 frame from NT_PEER to PEER_B: a TCP header of inject_doff words
 * (20 bytes when that is 5 or less; NOP options past 20 bytes), PAYLOAD bytes (byte i is
 * i * 13 + 1), seq 7000, flags FLAGS, DF as given, TTL 64, IP ID 0x1234; the TCP checksum
 * partial (the folded pseudo-header sum) when GSO_SIZE or PARTIAL, else complete. */
/* The TCP data offset inject writes (in 32-bit words; 5 is a plain header, below 5 malformed). */
static uint8_t inject_doff = 5;

static void inject(struct rig *r, size_t payload, uint16_t gso_size, bool partial, bool df,
                   uint8_t flags)
{
	struct ng_pkt *p = ng_pkt_alloc(ng_stack_pool(r->h.st));
	size_t thl = inject_doff > 5 ? (size_t)inject_doff * 4 : 20, tcp_len = thl + payload, i;
	uint8_t *f, *t;

	assert_non_null(p);
	f = ng_pkt_put(p, (uint32_t)(14 + 20 + tcp_len));
	assert_non_null(f);
	nt_eth(f, nt_our_mac, nt_peer_mac, NG_ETH_P_IPV4);
	nt_ip(f + 14, NT_PEER, PEER_B, NG_IP_PROTO_TCP, 0x1234, df ? 0x4000 : 0, 64, tcp_len);
	t = f + 34;
	memset(t, 0, 20);
	ng_put16(t, 40000);
	ng_put16(t + 2, 80);
	ng_put32(t + 4, 7000);
	ng_put32(t + 8, 99);
	t[12] = (uint8_t)(inject_doff << 4);
	t[13] = flags;
	ng_put16(t + 14, 1000);
	memset(t + 20, 1, thl - 20); /* NOP options */
	for (i = 0; i < payload; i++)
		t[thl + i] = (uint8_t)(i * 13 + 1);
	if (gso_size || partial) {
		ng_put16(t + 16, (uint16_t)~ng_csum_finish(ng_csum_pseudo(
		                     NT_PEER, PEER_B, NG_IP_PROTO_TCP, (uint16_t)tcp_len)));
		p->flags = NG_PKT_F_CSUM_PARTIAL | NG_PKT_F_CSUM_VALID;
	} else {
		ng_put16(t + 16,
		         ng_csum_finish(ng_csum_add(
		             ng_csum_pseudo(NT_PEER, PEER_B, NG_IP_PROTO_TCP, (uint16_t)tcp_len), t,
		             tcp_len)));
	}
	p->gso_size = gso_size;
	ng_stack_input(r->h.st, r->h.ifc, p);
	ng_stack_pump(r->h.st, 0);
}

static bool tcp_csum_ok(const struct nt_ipf *f)
{
	return ng_csum_finish(
	           ng_csum_add(ng_csum_pseudo(f->src, f->dst, NG_IP_PROTO_TCP, (uint16_t)f->l4_len),
	                       f->l4, f->l4_len)) == 0;
}

/* Longer than the MTU: accepted with a gso_size whose segments fit, else ETH_OVERSIZE (no
 * gso_size; gso_size + headers over the MTU; not TCP). */
static void test_eth_oversize_rules(void **state)
{
	struct rig r;
	struct ng_pkt *p;
	(void)state;

	rig_create(&r, 1500, NG_LINK_TX_CSUM | NG_LINK_TX_TSO4);
	inject(&r, 4000, 0, false, true, NG_TCP_ACK);
	assert_int_equal(nt_drops(&r.h, NG_DROP_ETH_OVERSIZE), 1);
	inject(&r, 4000, 1461, false, true, NG_TCP_ACK); /* 40 + 1461 > 1500 */
	assert_int_equal(nt_drops(&r.h, NG_DROP_ETH_OVERSIZE), 2);
	assert_int_equal(ng_test_link_pending(r.l2), 0);
	inject(&r, 4000, 1460, false, true, NG_TCP_ACK); /* exactly fits */
	assert_int_equal(nt_drops(&r.h, NG_DROP_ETH_OVERSIZE), 2);
	assert_int_equal(ng_test_link_pending(r.l2), 1);
	p = ng_test_link_pop(r.l2);
	ng_pkt_free(p);

	/* a UDP datagram claiming a gso_size is no super-segment */
	{
		struct ng_pkt *q = ng_pkt_alloc(ng_stack_pool(r.h.st));
		uint8_t *f = ng_pkt_put(q, 14 + 20 + 3000);
		memset(f, 0, 14 + 20 + 3000);
		nt_eth(f, nt_our_mac, nt_peer_mac, NG_ETH_P_IPV4);
		nt_ip(f + 14, NT_PEER, PEER_B, NG_IP_PROTO_UDP, 1, 0x4000, 64, 3000);
		ng_put16(f + 34 + 4, 3000);
		q->gso_size = 1000;
		ng_stack_input(r.h.st, r.h.ifc, q);
		ng_stack_pump(r.h.st, 0);
	}
	assert_int_equal(nt_drops(&r.h, NG_DROP_ETH_OVERSIZE), 3);
	assert_int_equal(ng_test_link_pending(r.l2), 0);
	rig_destroy(&r);
}

/* To a TSO link: one frame, TTL decremented, IP checksum right, gso_size and the partial
 * checksum kept (finishing it gives a valid checksum), counted. */
static void test_forward_whole(void **state)
{
	struct rig r;
	struct nt_ipf f;
	struct ng_pkt *p;
	uint8_t *d;
	(void)state;

	rig_create(&r, 1500, NG_LINK_TX_CSUM | NG_LINK_TX_TSO4);
	inject(&r, 10 * 1448 + 5, 1448, false, true, NG_TCP_ACK | NG_TCP_PSH);
	assert_int_equal(ng_test_link_pending(r.l2), 1);
	p = ng_test_link_pop(r.l2);
	nt_parse(p, &f);
	assert_memory_equal(f.eth, peer_b_mac, 6);
	assert_int_equal(f.tot_len, 40 + 10 * 1448 + 5);
	assert_int_equal(f.ttl, 63);
	assert_int_equal(ng_csum(f.ip, 20), 0);
	assert_int_equal(p->gso_size, 1448);
	assert_true(p->flags & NG_PKT_F_CSUM_PARTIAL);
	assert_false(tcp_csum_ok(&f));
	d = ng_pkt_data(p);
	ng_put16(d + 34 + 16, ng_csum(d + 34, p->len - 34));
	assert_true(tcp_csum_ok(&f));
	ng_pkt_free(p);
	assert_int_equal(nt_count(&r.h, NG_CNT_IP_GSO_FORWARDED), 1);
	assert_int_equal(nt_count(&r.h, NG_CNT_IP_GSO_CUT), 0);
	assert_int_equal(nt_count(&r.h, NG_CNT_IP_FORWARDED), 1);
	rig_destroy(&r);
}

/* To a link without TSO or checksum offload (a capture wrapper): cut into ordinary segments,
 * each with its own sequence number, complete checksums, IDs counting up, FIN/PSH only on the
 * last, and the payload in order; counted as cut. */
static void test_forward_cut(void **state)
{
	const size_t payload = 3 * 1448 + 700;
	struct rig r;
	unsigned i;
	(void)state;

	rig_create(&r, 1500, 0);
	inject(&r, payload, 1448, false, true, NG_TCP_ACK | NG_TCP_PSH | NG_TCP_FIN);
	assert_int_equal(ng_test_link_pending(r.l2), 4);
	for (i = 0; i < 4; i++) {
		struct ng_pkt *p = ng_test_link_pop(r.l2);
		size_t seg = i < 3 ? 1448 : 700, k;
		struct nt_ipf f;

		nt_parse(p, &f);
		assert_true(p->len <= 1514);
		assert_int_equal(f.tot_len, 40 + seg);
		assert_int_equal(f.id, 0x1234 + i);
		assert_int_equal(f.ttl, 63);
		assert_int_equal(f.frag, 0x4000);
		assert_int_equal(ng_csum(f.ip, 20), 0);
		assert_true(tcp_csum_ok(&f));
		assert_int_equal(ng_get32(f.l4 + 4), 7000 + i * 1448);
		assert_int_equal(f.l4[13],
		                 i < 3 ? NG_TCP_ACK : NG_TCP_ACK | NG_TCP_PSH | NG_TCP_FIN);
		for (k = 0; k < seg; k++)
			assert_int_equal(f.l4[20 + k], (uint8_t)((i * 1448 + k) * 13 + 1));
		assert_int_equal(p->gso_size, 0);
		ng_pkt_free(p);
	}
	assert_int_equal(nt_count(&r.h, NG_CNT_IP_GSO_CUT), 1);
	assert_int_equal(nt_count(&r.h, NG_CNT_IP_GSO_FORWARDED), 0);
	rig_destroy(&r);
}

/* Segments too big for the next hop: with DF, one frag-needed quoting the super-segment's
 * header (RFC 1191 MTU in it) and one drop; without DF, cut and each segment fragmented. */
static void test_forward_too_big(void **state)
{
	struct rig r;
	struct nt_ipf f;
	struct ng_pkt *p;
	(void)state;

	rig_create(&r, 1000, NG_LINK_TX_CSUM | NG_LINK_TX_TSO4);
	inject(&r, 3 * 1400, 1400, false, true, NG_TCP_ACK);
	assert_int_equal(nt_drops(&r.h, NG_DROP_IP_DF), 1);
	assert_int_equal(ng_test_link_pending(r.l2), 0);
	assert_int_equal(ng_test_link_pending(r.h.link), 1);
	p = ng_test_link_pop(r.h.link);
	nt_parse(p, &f);
	assert_int_equal(f.dst, NT_PEER);
	assert_int_equal(f.l4[0], 3);
	assert_int_equal(f.l4[1], 4);
	assert_int_equal(ng_get16(f.l4 + 6), 1000);
	assert_int_equal(ng_get16(f.l4 + 8 + 2), 40 + 3 * 1400); /* the quoted total length */
	ng_pkt_free(p);

	inject(&r, 3 * 1400, 1400, false, false, NG_TCP_ACK);
	assert_int_equal(nt_count(&r.h, NG_CNT_IP_GSO_CUT), 1);
	assert_int_equal(ng_test_link_pending(r.l2), 6); /* 3 segments, 2 fragments each */
	while ((p = ng_test_link_pop(r.l2))) {
		nt_parse(p, &f);
		assert_true(f.tot_len <= 1000);
		ng_pkt_free(p);
	}
	rig_destroy(&r);
}

/* A super-segment without a TCP header to cut it by (data offset 2), on its way to a link that
 * cannot cut it: malformed, dropped as such; no frag-needed even with DF (it is not too big). */
static void test_forward_malformed(void **state)
{
	struct rig r;
	(void)state;

	rig_create(&r, 1500, 0);
	inject_doff = 2;
	inject(&r, 200, 100, false, true, NG_TCP_ACK);
	inject_doff = 5;
	assert_int_equal(nt_drops(&r.h, NG_DROP_IP_LEN), 1);
	assert_int_equal(nt_drops(&r.h, NG_DROP_IP_DF), 0);
	assert_int_equal(ng_test_link_pending(r.h.link), 0); /* no ICMP back */
	assert_int_equal(ng_test_link_pending(r.l2), 0);
	rig_destroy(&r);
}

/* A partial checksum (no GSO) forwarded to a link without checksum offload is finished; to one
 * with it, left partial. */
static void test_forward_partial_csum(void **state)
{
	struct rig r;
	struct nt_ipf f;
	struct ng_pkt *p;
	(void)state;

	rig_create(&r, 1500, 0);
	inject(&r, 1000, 0, true, true, NG_TCP_ACK);
	p = ng_test_link_pop(r.l2);
	assert_non_null(p);
	nt_parse(p, &f);
	assert_true(tcp_csum_ok(&f));
	assert_false(p->flags & NG_PKT_F_CSUM_PARTIAL);
	ng_pkt_free(p);
	r.l2->tx_offload = NG_LINK_TX_CSUM;
	inject(&r, 1000, 0, true, true, NG_TCP_ACK);
	p = ng_test_link_pop(r.l2);
	assert_non_null(p);
	nt_parse(p, &f);
	assert_false(tcp_csum_ok(&f));
	assert_true(p->flags & NG_PKT_F_CSUM_PARTIAL);
	ng_pkt_free(p);
	/* a super-segment of one segment's size to a link without TSO: an ordinary datagram */
	r.l2->tx_offload = 0;
	inject(&r, 1000, 1448, false, true, NG_TCP_ACK);
	p = ng_test_link_pop(r.l2);
	assert_non_null(p);
	nt_parse(p, &f);
	assert_int_equal(f.tot_len, 1040);
	assert_true(tcp_csum_ok(&f));
	assert_int_equal(p->gso_size, 0);
	ng_pkt_free(p);
	assert_int_equal(nt_count(&r.h, NG_CNT_IP_GSO_CUT), 0);
	rig_destroy(&r);
}

/* The TCP header counts with its options when a super-segment's segments are judged against the
 * next hop's MTU (1400): with 12 bytes of options, segments of 1348 payload bytes make datagrams
 * of 1400 exactly and pass (cut here, or whole to a TSO link); 1349 do not, and with DF draw one
 * frag-needed each way. */
static void test_forward_options(void **state)
{
	struct rig r;
	struct nt_ipf f;
	struct ng_pkt *p;
	unsigned i;
	(void)state;

	rig_create(&r, 1400, 0);
	inject_doff = 8;
	inject(&r, 2 * 1348, 1348, false, true, NG_TCP_ACK);
	assert_int_equal(ng_test_link_pending(r.l2), 2);
	for (i = 0; i < 2; i++) {
		p = ng_test_link_pop(r.l2);
		nt_parse(p, &f);
		assert_int_equal(f.tot_len, 1400);
		assert_int_equal(f.frag, 0x4000);
		assert_int_equal(f.l4[12] >> 4, 8);
		assert_int_equal(ng_get32(f.l4 + 4), 7000 + i * 1348);
		assert_int_equal(f.l4[32], (uint8_t)(i * 1348 * 13 + 1));
		assert_true(tcp_csum_ok(&f));
		ng_pkt_free(p);
	}
	assert_int_equal(nt_count(&r.h, NG_CNT_IP_GSO_CUT), 1);
	inject(&r, 2 * 1349, 1349, false, true, NG_TCP_ACK);
	assert_int_equal(nt_drops(&r.h, NG_DROP_IP_DF), 1);
	assert_int_equal(ng_test_link_pending(r.l2), 0);

	r.l2->tx_offload = NG_LINK_TX_CSUM | NG_LINK_TX_TSO4;
	inject(&r, 2 * 1348, 1348, false, true, NG_TCP_ACK);
	assert_int_equal(ng_test_link_pending(r.l2), 1);
	p = ng_test_link_pop(r.l2);
	nt_parse(p, &f);
	assert_int_equal(f.tot_len, 52 + 2 * 1348);
	assert_int_equal(p->gso_size, 1348);
	ng_pkt_free(p);
	assert_int_equal(nt_count(&r.h, NG_CNT_IP_GSO_FORWARDED), 1);
	inject(&r, 2 * 1349, 1349, false, true, NG_TCP_ACK);
	inject_doff = 5;
	assert_int_equal(nt_drops(&r.h, NG_DROP_IP_DF), 2);
	assert_int_equal(ng_test_link_pending(r.l2), 0);
	/* the two frag-needed, each with the next hop's MTU */
	assert_int_equal(ng_test_link_pending(r.h.link), 2);
	while ((p = ng_test_link_pop(r.h.link))) {
		nt_parse(p, &f);
		assert_int_equal(f.dst, NT_PEER);
		assert_int_equal(f.l4[0], 3);
		assert_int_equal(f.l4[1], 4);
		assert_int_equal(ng_get16(f.l4 + 6), 1400);
		ng_pkt_free(p);
	}
	assert_int_equal(nt_count(&r.h, NG_CNT_IP_GSO_CUT), 1);
	rig_destroy(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_eth_oversize_rules),   cmocka_unit_test(test_forward_whole),
	    cmocka_unit_test(test_forward_cut),          cmocka_unit_test(test_forward_too_big),
	    cmocka_unit_test(test_forward_partial_csum), cmocka_unit_test(test_forward_malformed),
	    cmocka_unit_test(test_forward_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
