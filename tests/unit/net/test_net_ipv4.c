// SPDX-License-Identifier: MIT
/* IPv4: ping, malformed input counted by reason, sources, destinations, TTL and forwarding,
 * fragmentation on output, IP IDs, the pre-routing hook. */
#include "nettest.h"

/* An echo request frame from the peer to DST: id/seq and LEN bytes of data from SEED. */
static size_t echo_frame(uint8_t *f, uint32_t dst, uint16_t id, uint16_t seq, size_t len,
                         uint64_t seed)
{
	uint8_t icmp[2048], data[2000];
	ng_test_fill(data, len, seed);
	size_t n = nt_icmp(icmp, 8, 0, ((uint32_t)id << 16) | seq, data, len);
	return nt_frame(f, NT_PEER, dst, 1, 0x4242, 0, 64, icmp, n);
}

static void test_ping_reply_exact(void **state)
{
	struct ng_test_host h;
	struct nt_ipf ipf;
	uint8_t f[2048], data[100];
	struct ng_pkt *p;
	size_t n;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	n = echo_frame(f, NT_US, 0x1234, 7, 57, 3);
	nt_inject(&h, f, n);
	p = ng_test_link_pop(h.link);
	assert_non_null(p);
	nt_parse(p, &ipf);
	assert_memory_equal(ipf.eth, nt_peer_mac, 6);
	assert_memory_equal(ipf.eth + 6, nt_our_mac, 6);
	assert_int_equal(ipf.type, 0x0800);
	assert_int_equal(ipf.hlen, 20);
	assert_int_equal(ipf.tot_len, 20 + 8 + 57);
	assert_int_equal(ipf.ttl, 64);
	assert_int_equal(ipf.proto, 1);
	assert_int_equal(ipf.src, NT_US);
	assert_int_equal(ipf.dst, NT_PEER);
	assert_int_equal(ipf.frag & 0x3fff, 0);
	assert_int_equal(ipf.l4[0], 0);
	assert_int_equal(ipf.l4[1], 0);
	assert_int_equal(ng_csum(ipf.l4, ipf.l4_len), 0);
	assert_int_equal(ng_get16(ipf.l4 + 4), 0x1234);
	assert_int_equal(ng_get16(ipf.l4 + 6), 7);
	ng_test_fill(data, 57, 3);
	assert_memory_equal(ipf.l4 + 8, data, 57);
	ng_pkt_free(p);
	assert_int_equal(nt_count(&h, NG_CNT_ICMP_ECHO_REPLIED), 1);

	/* Ethernet padding after the datagram is cut off, not echoed. */
	n = echo_frame(f, NT_US, 1, 8, 4, 4);
	memset(f + n, 0xee, 20);
	nt_inject(&h, f, n + 20);
	p = ng_test_link_pop(h.link);
	assert_non_null(p);
	nt_parse(p, &ipf);
	assert_int_equal(ipf.tot_len, 20 + 8 + 4);
	ng_pkt_free(p);

	/* A ping to the subnet broadcast is ignored (RFC 1122 3.2.2.6). */
	n = echo_frame(f, NG_IP4(10, 0, 0, 255), 1, 9, 4, 4);
	memcpy(f, nt_bcast, 6);
	nt_inject(&h, f, n);
	assert_int_equal(ng_test_link_pending(h.link), 0);
	ng_test_host_destroy(&h);
}

static void test_malformed_counted(void **state)
{
	struct ng_test_host h;
	uint8_t f[256], g[256];
	size_t n;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	n = echo_frame(f, NT_US, 1, 1, 16, 1);

	memcpy(g, f, n);
	g[14 + 10] ^= 0x55; /* header checksum */
	nt_inject(&h, g, n);
	assert_int_equal(nt_drops(&h, NG_DROP_IP_CSUM), 1);

	memcpy(g, f, n);
	g[14] = 0x65; /* version 6 */
	nt_inject(&h, g, n);
	assert_int_equal(nt_drops(&h, NG_DROP_IP_VERSION), 1);

	memcpy(g, f, n);
	g[14] = 0x44; /* IHL 4 */
	nt_inject(&h, g, n);
	assert_int_equal(nt_drops(&h, NG_DROP_IP_HLEN), 1);

	memcpy(g, f, n);
	nt_ip(g + 14, NT_PEER, NT_US, 1, 1, 0, 64, 16 + 8 + 100); /* longer than the frame */
	nt_inject(&h, g, n);
	assert_int_equal(nt_drops(&h, NG_DROP_IP_LEN), 1);

	nt_inject(&h, f, 14 + 12); /* not even a header */
	assert_int_equal(nt_drops(&h, NG_DROP_IP_SHORT), 1);

	memcpy(g, f, n);
	g[14 + 20 + 2] ^= 1; /* ICMP checksum */
	nt_inject(&h, g, n);
	assert_int_equal(nt_drops(&h, NG_DROP_ICMP_CSUM), 1);

	/* Ethernet: too short, not ours, unknown type, larger than the MTU. */
	nt_inject(&h, f, 10);
	assert_int_equal(nt_drops(&h, NG_DROP_ETH_SHORT), 1);
	memcpy(g, f, n);
	g[5] = 0x42;
	nt_inject(&h, g, n);
	g[0] = 0x01; /* multicast */
	nt_inject(&h, g, n);
	assert_int_equal(nt_drops(&h, NG_DROP_ETH_NOT_US), 2);
	memcpy(g, f, n);
	ng_put16(g + 12, 0x86dd);
	nt_inject(&h, g, n);
	assert_int_equal(nt_drops(&h, NG_DROP_ETH_TYPE), 1);
	{
		static uint8_t big[1600];
		memcpy(big, f, n);
		nt_inject(&h, big, 1515);
		assert_int_equal(nt_drops(&h, NG_DROP_ETH_OVERSIZE), 1);
	}
	assert_int_equal(ng_test_link_pending(h.link), 0);
	assert_int_equal(nt_count(&h, NG_CNT_ICMP_ECHO_REPLIED), 0);
	ng_test_host_destroy(&h);
}

static void test_bad_sources_and_not_us(void **state)
{
	static const uint32_t bad[] = {NG_IP4(127, 0, 0, 1),  NG_IP4(0, 0, 0, 5),
	                               NG_IP4(224, 0, 0, 1),  NG_IP4(255, 255, 255, 255),
	                               NG_IP4(10, 0, 0, 255), NT_US};
	struct ng_test_host h;
	uint8_t f[256], icmp[64];
	size_t n, m;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	m = nt_icmp(icmp, 8, 0, 1, "abcd", 4);
	for (size_t i = 0; i < NG_ARRAY_SIZE(bad); i++) {
		n = nt_frame(f, bad[i], NT_US, 1, 1, 0, 64, icmp, m);
		nt_inject(&h, f, n);
	}
	assert_int_equal(nt_drops(&h, NG_DROP_IP_SRC_BAD), NG_ARRAY_SIZE(bad));
	/* Not ours and not a router: dropped. */
	n = nt_frame(f, NT_PEER, NG_IP4(10, 0, 0, 9), 1, 1, 0, 64, icmp, m);
	nt_inject(&h, f, n);
	n = nt_frame(f, NT_PEER, NG_IP4(192, 0, 2, 1), 1, 1, 0, 64, icmp, m);
	nt_inject(&h, f, n);
	assert_int_equal(nt_drops(&h, NG_DROP_IP_NOT_US), 2);
	assert_int_equal(ng_test_link_pending(h.link), 0);
	ng_test_host_destroy(&h);
}

static void test_proto_unreachable(void **state)
{
	struct ng_test_host h;
	struct nt_ipf ipf;
	uint8_t f[256], pl[12] = "hello world";
	struct ng_pkt *p;
	size_t n;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	n = nt_frame(f, NT_PEER, NT_US, 99, 0x777, 0, 64, pl, sizeof(pl));
	nt_inject(&h, f, n);
	assert_int_equal(nt_drops(&h, NG_DROP_IP_PROTO), 1);
	p = ng_test_link_pop(h.link);
	assert_non_null(p);
	nt_parse(p, &ipf);
	assert_int_equal(ipf.proto, 1);
	assert_int_equal(ipf.src, NT_US);
	assert_int_equal(ipf.dst, NT_PEER);
	assert_int_equal(ipf.l4[0], 3);
	assert_int_equal(ipf.l4[1], 2);
	assert_int_equal(ng_csum(ipf.l4, ipf.l4_len), 0);
	/* It quotes the whole offending datagram (small enough). */
	assert_int_equal(ipf.l4_len, 8 + 20 + sizeof(pl));
	assert_memory_equal(ipf.l4 + 8, f + 14, 20 + sizeof(pl));
	ng_pkt_free(p);
	/* To a broadcast: silence. */
	n = nt_frame(f, NT_PEER, 0xffffffffu, 99, 0x778, 0, 64, pl, sizeof(pl));
	nt_inject(&h, f, n);
	assert_int_equal(nt_drops(&h, NG_DROP_IP_PROTO), 2);
	assert_int_equal(ng_test_link_pending(h.link), 0);
	ng_test_host_destroy(&h);
}

static void test_forward_ttl(void **state)
{
	static const uint8_t mac3[6] = {0x02, 0, 0, 0, 0, 0x33};
	struct ng_stack_config c;
	struct ng_test_host h;
	struct nt_ipf ipf;
	uint8_t f[256], pl[32];
	struct ng_pkt *p;
	size_t n;
	(void)state;

	nt_cfg(&c);
	c.forwarding = true;
	nt_host_cfg(&h, &c, NT_US, 24, 0);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	nt_learn(&h, NG_IP4(10, 0, 0, 3), mac3);
	ng_test_fill(pl, sizeof(pl), 5);

	/* TTL 1: time exceeded back to the source, quoting the datagram. */
	n = nt_frame(f, NT_PEER, NG_IP4(10, 0, 0, 3), 17, 0x99, 0, 1, pl, sizeof(pl));
	nt_inject(&h, f, n);
	assert_int_equal(nt_drops(&h, NG_DROP_IP_TTL), 1);
	p = ng_test_link_pop(h.link);
	assert_non_null(p);
	nt_parse(p, &ipf);
	assert_int_equal(ipf.dst, NT_PEER);
	assert_int_equal(ipf.src, NT_US);
	assert_int_equal(ipf.l4[0], 11);
	assert_int_equal(ipf.l4[1], 0);
	assert_memory_equal(ipf.l4 + 8, f + 14, 20 + sizeof(pl));
	ng_pkt_free(p);

	/* TTL 5: forwarded with TTL 4 and a correct checksum, to the next hop's MAC. */
	n = nt_frame(f, NT_PEER, NG_IP4(10, 0, 0, 3), 17, 0x9a, 0, 5, pl, sizeof(pl));
	nt_inject(&h, f, n);
	p = ng_test_link_pop(h.link);
	assert_non_null(p);
	nt_parse(p, &ipf);
	assert_memory_equal(ipf.eth, mac3, 6);
	assert_int_equal(ipf.ttl, 4);
	assert_int_equal(ipf.id, 0x9a);
	assert_int_equal(ipf.src, NT_PEER);
	assert_memory_equal(ipf.l4, pl, sizeof(pl));
	ng_pkt_free(p);
	assert_int_equal(nt_count(&h, NG_CNT_IP_FORWARDED), 1);

	/* No time exceeded about an ICMP error (RFC 1122 3.2.2). */
	{
		uint8_t icmp[64];
		size_t m = nt_icmp(icmp, 3, 1, 0, pl, 28);
		n = nt_frame(f, NT_PEER, NG_IP4(10, 0, 0, 3), 1, 0x9b, 0, 1, icmp, m);
		nt_inject(&h, f, n);
		assert_int_equal(nt_drops(&h, NG_DROP_IP_TTL), 2);
		assert_int_equal(ng_test_link_pending(h.link), 0);
	}
	ng_test_host_destroy(&h);
}

/* Send a LEN-byte UDP payload of pattern SEED; collect the fragments; check their layout and
 * that their payloads rebuild the UDP datagram. */
static void check_fragmented_send(uint32_t mtu, size_t len)
{
	struct ng_test_host h;
	struct ng_udp_sock *s;
	struct nt_ipf ipf;
	static uint8_t data[65507], got[65536];
	size_t total = 8 + len, have = 0;
	uint32_t maxfrag = (mtu - 20) & ~7u;
	unsigned nfrag = 0;
	int id = -1;
	struct ng_pkt *p;

	ng_test_host_create(&h, NT_US, 24, mtu, 11);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	assert_int_equal(ng_udp_open(h.st, 0, 4000, NULL, NULL, NULL, &s), 0);
	ng_test_fill(data, len, 99);
	assert_int_equal(ng_udp_sendto(s, NT_PEER, 5000, data, len), 0);
	while ((p = ng_test_link_pop(h.link)) != NULL) {
		nt_parse(p, &ipf);
		uint32_t off = (ipf.frag & 0x1fff) * 8u;
		bool mf = ipf.frag & 0x2000;
		assert_false(ipf.frag & 0x4000);
		if (id < 0)
			id = ipf.id;
		assert_int_equal(ipf.id, id);
		assert_int_equal(off, have); /* in order, no gaps */
		assert_true(ipf.frame_len <= mtu + 14);
		if (mf) {
			assert_int_equal(ipf.l4_len, maxfrag);
		}
		assert_int_equal(mf, have + ipf.l4_len < total);
		memcpy(got + off, ipf.l4, ipf.l4_len);
		have += ipf.l4_len;
		nfrag++;
		ng_pkt_free(p);
	}
	assert_int_equal(have, total);
	assert_int_equal(nfrag, (total + maxfrag - 1) / maxfrag);
	assert_int_equal(nt_count(&h, NG_CNT_IP_FRAG_TX), nfrag > 1 ? nfrag : 0);
	assert_int_equal(ng_get16(got), 4000);
	assert_int_equal(ng_get16(got + 2), 5000);
	assert_int_equal(ng_get16(got + 4), total);
	assert_int_equal(ng_csum_finish(ng_csum_add(
	                     ng_csum_pseudo(NT_US, NT_PEER, 17, (uint16_t)total), got, total)),
	                 0);
	assert_memory_equal(got + 8, data, len);
	ng_udp_close(s);
	ng_test_host_destroy(&h);
}

static void test_fragment_output(void **state)
{
	(void)state;
	check_fragmented_send(1500, 4000);  /* 1480 + 1480 + 1048 */
	check_fragmented_send(1500, 1472);  /* exactly fits: one datagram */
	check_fragmented_send(1500, 1473);  /* one byte over */
	check_fragmented_send(576, 65507);  /* the largest datagram, small MTU */
	check_fragmented_send(1500, 65507); /* 45 fragments */
}

static void test_df_and_ids(void **state)
{
	struct ng_test_host h;
	struct ng_ipv4_out o;
	struct nt_ipf a, b;
	struct ng_pkt *p, *q;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	memset(&o, 0, sizeof(o));
	o.dst = NT_PEER;
	o.proto = 253;
	o.df = true;
	p = ng_pkt_alloc(ng_stack_pool(h.st));
	ng_pkt_put(p, 1481);
	memset(ng_pkt_data(p), 0, 1481);
	assert_int_equal(ng_ipv4_output(h.st, p, &o), -NG_EMSGSIZE);
	assert_int_equal(nt_drops(&h, NG_DROP_IP_DF), 1);
	assert_int_equal(ng_test_link_pending(h.link), 0);
	/* One that fits goes out with DF set; consecutive datagrams take consecutive IDs. */
	for (int i = 0; i < 2; i++) {
		p = ng_pkt_alloc(ng_stack_pool(h.st));
		ng_pkt_put(p, 1480);
		memset(ng_pkt_data(p), 0, 1480);
		assert_int_equal(ng_ipv4_output(h.st, p, &o), 0);
	}
	p = ng_test_link_pop(h.link);
	q = ng_test_link_pop(h.link);
	nt_parse(p, &a);
	nt_parse(q, &b);
	assert_int_equal(a.frag, 0x4000);
	assert_int_equal(a.tot_len, 1500);
	assert_int_equal((uint16_t)(a.id + 1), b.id);
	ng_pkt_free(p);
	ng_pkt_free(q);
	/* Our own address is not looped back; no route is an error. */
	p = ng_pkt_alloc(ng_stack_pool(h.st));
	ng_pkt_put(p, 8);
	o.dst = NT_US;
	assert_int_equal(ng_ipv4_output(h.st, p, &o), -NG_EHOSTUNREACH);
	p = ng_pkt_alloc(ng_stack_pool(h.st));
	ng_pkt_put(p, 8);
	o.dst = NG_IP4(192, 0, 2, 1);
	assert_int_equal(ng_ipv4_output(h.st, p, &o), -NG_EHOSTUNREACH);
	assert_int_equal(nt_drops(&h, NG_DROP_IP_NO_ROUTE), 2);
	assert_int_equal(ng_ipv4_mtu_to(h.st, NT_PEER), 1480);
	ng_test_host_destroy(&h);
}

static void test_gateway_route(void **state)
{
	struct ng_test_host h;
	struct ng_udp_sock *s;
	uint8_t f[64];
	struct ng_pkt *p;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	assert_int_equal(ng_stack_set_gateway(h.st, NG_IP4(192, 0, 2, 1)), -NG_EINVAL);
	assert_int_equal(ng_stack_set_gateway(h.st, NG_IP4(10, 0, 0, 254)), 0);
	assert_int_equal(ng_udp_open(h.st, 0, 0, NULL, NULL, NULL, &s), 0);
	assert_int_equal(ng_udp_sendto(s, NG_IP4(198, 51, 100, 7), 53, "q", 1), 0);
	/* ARP asks for the gateway, not for the destination. */
	p = ng_test_link_pop(h.link);
	assert_non_null(p);
	assert_int_equal(ng_get16(ng_pkt_data(p) + 12), 0x0806);
	assert_int_equal(ng_get32(ng_pkt_data(p) + 38), NG_IP4(10, 0, 0, 254));
	ng_pkt_free(p);
	{
		static const uint8_t gw_mac[6] = {0x02, 0, 0, 0, 0, 0xfe};
		static const uint8_t zero[6];
		(void)zero;
		nt_inject(
		    &h, f,
		    nt_arp(f, 2, nt_our_mac, gw_mac, NG_IP4(10, 0, 0, 254), nt_our_mac, NT_US));
		p = ng_test_link_pop(h.link);
		assert_non_null(p);
		assert_memory_equal(ng_pkt_data(p), gw_mac, 6);
		assert_int_equal(ng_get32(ng_pkt_data(p) + 14 + 16), NG_IP4(198, 51, 100, 7));
		ng_pkt_free(p);
	}
	ng_udp_close(s);
	ng_test_host_destroy(&h);
}

/* Two interfaces, the second with a small MTU: DF gets frag-needed, the rest is fragmented. */
static void test_forward_mtu(void **state)
{
	static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0xbb};
	struct ng_stack_config c;
	struct ng_test_host h;
	struct ng_iface_config ic;
	struct ng_link *l2;
	struct ng_iface *i2;
	struct nt_ipf ipf;
	static uint8_t f[2048], pl[1200];
	struct ng_pkt *p;
	size_t n;
	(void)state;

	nt_cfg(&c);
	c.forwarding = true;
	nt_host_cfg(&h, &c, NT_US, 24, 0);
	l2 = ng_test_link_create(1000, mac_b);
	memset(&ic, 0, sizeof(ic));
	ic.addr = NG_IP4(10, 0, 1, 1);
	ic.prefix_len = 24;
	assert_int_equal(ng_stack_add_iface(h.st, &ic, l2, &i2), 0);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	{
		uint8_t a[64];
		static const uint8_t zero[6];
		static const uint8_t m[6] = {0x02, 0, 0, 0, 1, 2};
		size_t k =
		    nt_arp(a, 1, nt_bcast, m, NG_IP4(10, 0, 1, 2), zero, NG_IP4(10, 0, 1, 1));
		ng_test_link_inject(l2, ng_stack_pool(h.st), a, k);
		ng_stack_pump(h.st, 0);
		p = ng_test_link_pop(l2);
		assert_non_null(p);
		ng_pkt_free(p);
	}
	ng_test_fill(pl, sizeof(pl), 8);
	n = nt_frame(f, NT_PEER, NG_IP4(10, 0, 1, 2), 17, 0x55, 0x4000, 64, pl, sizeof(pl));
	nt_inject(&h, f, n);
	assert_int_equal(nt_drops(&h, NG_DROP_IP_DF), 1);
	assert_int_equal(ng_test_link_pending(l2), 0);
	p = ng_test_link_pop(h.link);
	assert_non_null(p);
	nt_parse(p, &ipf);
	assert_int_equal(ipf.src, NT_US);
	assert_int_equal(ipf.dst, NT_PEER);
	assert_int_equal(ipf.l4[0], 3);
	assert_int_equal(ipf.l4[1], 4);
	assert_int_equal(ng_get16(ipf.l4 + 6), 1000); /* RFC 1191 next-hop MTU */
	ng_pkt_free(p);

	n = nt_frame(f, NT_PEER, NG_IP4(10, 0, 1, 2), 17, 0x56, 0, 64, pl, sizeof(pl));
	nt_inject(&h, f, n);
	assert_int_equal(ng_test_link_pending(l2), 2);
	p = ng_test_link_pop(l2);
	nt_parse(p, &ipf);
	assert_int_equal(ipf.tot_len, 20 + 976);
	assert_int_equal(ipf.frag, 0x2000);
	assert_int_equal(ipf.ttl, 63);
	assert_int_equal(ipf.id, 0x56);
	assert_memory_equal(ipf.l4, pl, 976);
	ng_pkt_free(p);
	p = ng_test_link_pop(l2);
	nt_parse(p, &ipf);
	assert_int_equal(ipf.tot_len, 20 + 1200 - 976);
	assert_int_equal(ipf.frag, 976 / 8);
	assert_memory_equal(ipf.l4, pl + 976, 1200 - 976);
	ng_pkt_free(p);
	ng_link_destroy(l2);
	ng_test_host_destroy(&h);
}

struct hook_rec {
	unsigned calls;
	uint16_t last_len;
	bool take;
};

static bool hook(struct ng_stack *st, void *ctx, struct ng_iface *in, struct ng_pkt *p,
                 const struct ng_ipv4_hdr *ip)
{
	struct hook_rec *r = ctx;
	(void)in;
	r->calls++;
	r->last_len = ip->tot_len;
	assert_int_equal(p->len, ip->tot_len);
	if (r->take) {
		ng_pkt_free(p);
		return true;
	}
	(void)st;
	return false;
}

static void test_ip_hook(void **state)
{
	struct ng_test_host h;
	struct hook_rec r = {0};
	uint8_t f[2048];
	size_t n;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	h.st->ip_hook = hook;
	h.st->ip_hook_ctx = &r;
	n = echo_frame(f, NT_US, 1, 1, 100, 1);
	nt_inject(&h, f, n);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.last_len, 128);
	assert_int_equal(nt_flush(&h), 1); /* left to the stack: answered */
	r.take = true;
	nt_inject(&h, f, n);
	assert_int_equal(r.calls, 2);
	assert_int_equal(nt_flush(&h), 0); /* taken: not answered */
	/* Not for us, and no forwarding: the hook still sees it (the NAT's inbound path). */
	n = echo_frame(f, NG_IP4(198, 51, 100, 1), 1, 1, 10, 1);
	nt_inject(&h, f, n);
	assert_int_equal(r.calls, 3);
	ng_test_host_destroy(&h);
}

/* Options through fragmentation: the first fragment keeps them all, later ones only those with
 * the copied flag (RFC 791 3.1); the fragments reassemble on another host. */
static void test_fragment_options(void **state)
{
	static uint8_t dgram[2048], data[1000], f[2048];
	static const uint8_t opts[8] = {0x9e, 4, 0xaa, 0xbb, 0x1e, 4, 0xcc, 0xdd};
	struct ng_test_host h, h2;
	struct ng_udp_sock *s;
	static struct nt_rx r;
	struct nt_ipf ipf;
	struct ng_pkt *p, *fr[2];
	size_t ulen;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 576, 1);
	ng_test_host_create(&h2, NT_PEER, 24, 576, 2);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	assert_int_equal(ng_udp_open(h2.st, 0, 53, nt_on_rx, NULL, &r, &s), 0);
	ng_test_fill(data, sizeof(data), 12);
	ulen = nt_udp(dgram + 28, NT_US, NT_PEER, 1000, 53, data, sizeof(data), true);
	nt_ip(dgram, NT_US, NT_PEER, 17, 0xabc, 0, 64, ulen + 8);
	dgram[0] = 0x47;
	memcpy(dgram + 20, opts, 8);
	ng_put16(dgram + 10, 0);
	ng_put16(dgram + 10, ng_csum(dgram, 28));
	p = ng_pkt_alloc(ng_stack_pool(h.st));
	memcpy(ng_pkt_put(p, (uint32_t)(28 + ulen)), dgram, 28 + ulen);
	assert_int_equal(ng_ipv4_send_raw(h.st, p), 0);
	assert_int_equal(ng_test_link_pending(h.link), 2);
	fr[0] = ng_test_link_pop(h.link);
	fr[1] = ng_test_link_pop(h.link);
	nt_parse(fr[0], &ipf);
	assert_int_equal(ipf.hlen, 28);
	assert_memory_equal(ipf.ip + 20, opts, 8);
	assert_int_equal(ipf.frag, 0x2000);
	assert_int_equal(ipf.l4_len, (576 - 28) & ~7u);
	nt_parse(fr[1], &ipf);
	assert_int_equal(ipf.hlen, 24);
	assert_memory_equal(ipf.ip + 20, opts, 4);
	assert_int_equal(ipf.frag, ((576 - 28) & ~7u) / 8);
	assert_int_equal(ipf.l4_len, ulen - ((576 - 28) & ~7u));
	/* Deliver them, second first, to the peer. */
	for (int i = 1; i >= 0; i--) {
		memcpy(f, ng_pkt_data(fr[i]), fr[i]->len);
		memcpy(f, nt_our_mac, 6);
		nt_inject(&h2, f, fr[i]->len);
		ng_pkt_free(fr[i]);
	}
	assert_int_equal(r.n, 1);
	assert_int_equal(r.len, sizeof(data));
	assert_memory_equal(r.data, data, sizeof(data));
	ng_udp_close(s);
	ng_test_host_destroy(&h2);
	ng_test_host_destroy(&h);
}

static int fail_xmit(struct ng_link *l, struct ng_pkt *p, uint64_t now)
{
	(void)l;
	(void)now;
	ng_pkt_free(p);
	return -NG_ENOBUFS;
}

/* A link that refuses a frame: counted, and the error reaches the sender. */
static void test_link_error_counted(void **state)
{
	struct ng_test_host h;
	struct ng_link_ops ops;
	const struct ng_link_ops *saved;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	saved = h.link->ops;
	ops = *saved;
	ops.xmit = fail_xmit;
	h.link->ops = &ops;
	ng_arp_announce(h.st, h.ifc);
	assert_int_equal(nt_drops(&h, NG_DROP_LINK_TX), 1);
	assert_int_equal(nt_count(&h, NG_CNT_TX_FRAMES), 1);
	h.link->ops = saved;
	ng_test_host_destroy(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ping_reply_exact),
	    cmocka_unit_test(test_malformed_counted),
	    cmocka_unit_test(test_bad_sources_and_not_us),
	    cmocka_unit_test(test_proto_unreachable),
	    cmocka_unit_test(test_forward_ttl),
	    cmocka_unit_test(test_fragment_output),
	    cmocka_unit_test(test_df_and_ids),
	    cmocka_unit_test(test_gateway_route),
	    cmocka_unit_test(test_forward_mtu),
	    cmocka_unit_test(test_ip_hook),
	    cmocka_unit_test(test_fragment_options),
	    cmocka_unit_test(test_link_error_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
