// SPDX-License-Identifier: MIT
/* ARP: answers, learning, resolution queue, retries, expiry, gratuitous updates, bounded cache. */
#include "nettest.h"

static const uint8_t zero_mac[6];
static const uint8_t other_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x77};

/* Check P is an ARP frame with exactly these fields. */
static void check_arp(struct ng_pkt *p, const uint8_t eth_dst[6], uint16_t op, const uint8_t tha[6],
                      uint32_t spa, uint32_t tpa)
{
	const uint8_t *b = ng_pkt_data(p);
	assert_int_equal(p->len, 42);
	assert_memory_equal(b, eth_dst, 6);
	assert_memory_equal(b + 6, nt_our_mac, 6);
	assert_int_equal(ng_get16(b + 12), 0x0806);
	assert_int_equal(ng_get16(b + 14), 1);
	assert_int_equal(ng_get16(b + 16), 0x0800);
	assert_int_equal(b[18], 6);
	assert_int_equal(b[19], 4);
	assert_int_equal(ng_get16(b + 20), op);
	assert_memory_equal(b + 22, nt_our_mac, 6);
	assert_int_equal(ng_get32(b + 28), spa);
	assert_memory_equal(b + 32, tha, 6);
	assert_int_equal(ng_get32(b + 38), tpa);
}

static void test_request_answered(void **state)
{
	struct ng_test_host h;
	uint8_t f[64], mac[6];
	struct ng_pkt *p;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	nt_inject(&h, f, nt_arp(f, 1, nt_bcast, nt_peer_mac, NT_PEER, zero_mac, NT_US));
	assert_int_equal(ng_test_link_pending(h.link), 1);
	p = ng_test_link_pop(h.link);
	check_arp(p, nt_peer_mac, 2, nt_peer_mac, NT_US, NT_PEER);
	ng_pkt_free(p);
	/* RFC 826: a request aimed at us teaches us the sender. */
	assert_true(ng_arp_lookup(h.st, NT_PEER, mac));
	assert_memory_equal(mac, nt_peer_mac, 6);
	assert_int_equal(nt_count(&h, NG_CNT_ARP_RX), 1);
	assert_int_equal(nt_count(&h, NG_CNT_ARP_TX), 1);
	/* A frame longer than the minimum (Ethernet padding) is answered the same. */
	memset(f, 0, sizeof(f));
	nt_inject(&h, f, nt_arp(f, 1, nt_our_mac, nt_peer_mac, NT_PEER, zero_mac, NT_US) + 18);
	p = ng_test_link_pop(h.link);
	assert_non_null(p);
	check_arp(p, nt_peer_mac, 2, nt_peer_mac, NT_US, NT_PEER);
	ng_pkt_free(p);
	ng_test_host_destroy(&h);
}

static void test_not_for_us_and_bad(void **state)
{
	struct ng_test_host h;
	uint8_t f[64], mac[6];
	size_t n;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	/* Another host's address: ignored, not learned. */
	nt_inject(&h, f, nt_arp(f, 1, nt_bcast, nt_peer_mac, NT_PEER, zero_mac, NT_US + 5));
	assert_int_equal(nt_drops(&h, NG_DROP_ARP_NOT_US), 1);
	assert_false(ng_arp_lookup(h.st, NT_PEER, mac));
	/* Sender MAC broadcast or multicast, sender IP loopback or ours: refused. */
	nt_inject(&h, f, nt_arp(f, 1, nt_bcast, nt_bcast, NT_PEER, zero_mac, NT_US));
	{
		uint8_t mc[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
		nt_inject(&h, f, nt_arp(f, 1, nt_bcast, mc, NT_PEER, zero_mac, NT_US));
	}
	nt_inject(&h, f,
	          nt_arp(f, 1, nt_bcast, nt_peer_mac, NG_IP4(127, 0, 0, 1), zero_mac, NT_US));
	nt_inject(&h, f, nt_arp(f, 2, nt_our_mac, nt_peer_mac, NT_US, nt_our_mac, NT_US));
	nt_inject(&h, f, nt_arp(f, 2, nt_our_mac, nt_peer_mac, 0, nt_our_mac, NT_US));
	/* Sender MAC not the frame's Ethernet source: damaged or forged, not cached. */
	n = nt_arp(f, 1, nt_bcast, nt_peer_mac, NT_PEER, zero_mac, NT_US);
	f[11] ^= 0x10;
	nt_inject(&h, f, n);
	assert_int_equal(nt_drops(&h, NG_DROP_ARP_SRC_BAD), 6);
	/* Malformed: truncated, wrong hardware type, unknown operation. */
	n = nt_arp(f, 1, nt_bcast, nt_peer_mac, NT_PEER, zero_mac, NT_US);
	nt_inject(&h, f, 14 + 20);
	assert_int_equal(nt_drops(&h, NG_DROP_ARP_SHORT), 1);
	ng_put16(f + 14, 6);
	nt_inject(&h, f, n);
	assert_int_equal(nt_drops(&h, NG_DROP_ARP_FORMAT), 1);
	nt_inject(&h, f, nt_arp(f, 3, nt_bcast, nt_peer_mac, NT_PEER, zero_mac, NT_US));
	assert_int_equal(nt_drops(&h, NG_DROP_ARP_OP), 1);
	/* Nothing was answered or learned. */
	assert_int_equal(ng_test_link_pending(h.link), 0);
	assert_int_equal(ng_arp_count(h.st), 0);
	ng_test_host_destroy(&h);
}

static void test_probe_defended(void **state)
{
	struct ng_test_host h;
	uint8_t f[64];
	struct ng_pkt *p;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	/* RFC 5227 probe for our address: answered (tpa 0), nothing learned. */
	nt_inject(&h, f, nt_arp(f, 1, nt_bcast, nt_peer_mac, 0, zero_mac, NT_US));
	p = ng_test_link_pop(h.link);
	assert_non_null(p);
	check_arp(p, nt_peer_mac, 2, nt_peer_mac, NT_US, 0);
	ng_pkt_free(p);
	assert_int_equal(ng_arp_count(h.st), 0);
	ng_test_host_destroy(&h);
}

/* Send a 4-byte UDP datagram tagged TAG from S to DST:9. */
static int send_tag(struct ng_udp_sock *s, uint32_t dst, uint8_t tag)
{
	uint8_t d[4] = {tag, tag, tag, tag};
	return ng_udp_sendto(s, dst, 9, d, sizeof(d));
}

static void test_queue_then_flush(void **state)
{
	struct ng_test_host h;
	struct ng_udp_sock *s;
	struct nt_ipf ipf;
	uint8_t f[64];
	struct ng_pkt *p;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	assert_int_equal(ng_udp_open(h.st, 0, 1000, NULL, NULL, NULL, &s), 0);
	for (uint8_t i = 1; i <= 3; i++)
		assert_int_equal(send_tag(s, NT_PEER, i), 0);
	/* One request, broadcast, for the next hop; the datagrams wait. */
	assert_int_equal(ng_test_link_pending(h.link), 1);
	p = ng_test_link_pop(h.link);
	check_arp(p, nt_bcast, 1, zero_mac, NT_US, NT_PEER);
	ng_pkt_free(p);
	assert_int_equal(ng_arp_count(h.st), 1);
	assert_false(ng_arp_lookup(h.st, NT_PEER, f));
	/* The reply releases them, in order, to the MAC learnt. */
	nt_inject(&h, f, nt_arp(f, 2, nt_our_mac, nt_peer_mac, NT_PEER, nt_our_mac, NT_US));
	assert_int_equal(ng_test_link_pending(h.link), 3);
	for (uint8_t i = 1; i <= 3; i++) {
		p = ng_test_link_pop(h.link);
		nt_parse(p, &ipf);
		assert_memory_equal(ipf.eth, nt_peer_mac, 6);
		assert_int_equal(ipf.dst, NT_PEER);
		assert_int_equal(ipf.proto, 17);
		assert_int_equal(ipf.l4[8], i);
		ng_pkt_free(p);
	}
	/* Now resolved: the next one goes straight out. */
	assert_int_equal(send_tag(s, NT_PEER, 4), 0);
	assert_int_equal(ng_test_link_pending(h.link), 1);
	nt_flush(&h);
	ng_udp_close(s);
	ng_test_host_destroy(&h);
}

static void test_retries_then_drop(void **state)
{
	struct ng_test_host h;
	struct ng_udp_sock *s;
	struct ng_pkt *p;
	uint64_t t0;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	ng_stack_poll(h.st, 5 * NG_NS_PER_SEC);
	t0 = ng_stack_now(h.st);
	assert_int_equal(ng_udp_open(h.st, 0, 1000, NULL, NULL, NULL, &s), 0);
	assert_int_equal(send_tag(s, NT_PEER, 1), 0);
	assert_int_equal(send_tag(s, NT_PEER, 2), 0);
	for (int i = 0; i < 3; i++) {
		/* request i+1 has gone out; nothing more before a second passes */
		assert_int_equal(ng_test_link_pending(h.link), 1);
		p = ng_test_link_pop(h.link);
		check_arp(p, nt_bcast, 1, zero_mac, NT_US, NT_PEER);
		ng_pkt_free(p);
		ng_stack_poll(h.st, t0 + (uint64_t)(i + 1) * NG_NS_PER_SEC - 1);
		assert_int_equal(ng_test_link_pending(h.link), 0);
		assert_int_equal(nt_drops(&h, NG_DROP_ARP_UNRESOLVED), 0);
		ng_stack_poll(h.st, t0 + (uint64_t)(i + 1) * NG_NS_PER_SEC);
	}
	/* After the third request went unanswered the datagrams are dropped, no ICMP to ourselves.
	 */
	assert_int_equal(ng_test_link_pending(h.link), 0);
	assert_int_equal(nt_drops(&h, NG_DROP_ARP_UNRESOLVED), 2);
	assert_int_equal(ng_arp_count(h.st), 0);
	assert_int_equal(ng_pktpool_in_use(ng_stack_pool(h.st)), 0);
	assert_int_equal(ng_stack_deadline(h.st), UINT64_MAX);
	ng_udp_close(s);
	ng_test_host_destroy(&h);
}

static void test_queue_bounded(void **state)
{
	struct ng_stack_config c;
	struct ng_test_host h;
	struct ng_udp_sock *s;
	(void)state;

	nt_cfg(&c);
	c.arp_queue = 4;
	nt_host_cfg(&h, &c, NT_US, 24, 0);
	assert_int_equal(ng_udp_open(h.st, 0, 1000, NULL, NULL, NULL, &s), 0);
	for (uint8_t i = 0; i < 4; i++)
		assert_int_equal(send_tag(s, NT_PEER + (i & 1), i), 0);
	assert_int_equal(send_tag(s, NT_PEER, 9), -NG_ENOBUFS);
	assert_int_equal(send_tag(s, NT_PEER + 2, 9), -NG_ENOBUFS);
	assert_int_equal(nt_drops(&h, NG_DROP_ARP_QUEUE_FULL), 2);
	assert_int_equal(ng_pktpool_in_use(ng_stack_pool(h.st)), 4 + 2); /* queued + 2 requests */
	nt_flush(&h);
	ng_udp_close(s);
	ng_test_host_destroy(&h); /* queued datagrams are freed by the stack */
}

static void test_expiry(void **state)
{
	struct ng_test_host h;
	uint8_t mac[6];
	uint64_t t0, life;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	ng_stack_poll(h.st, NG_NS_PER_SEC);
	t0 = ng_stack_now(h.st);
	life = 60 * NG_NS_PER_SEC;
	nt_learn(&h, NT_PEER, nt_peer_mac);
	ng_stack_poll(h.st, t0 + life - 1);
	assert_true(ng_arp_lookup(h.st, NT_PEER, mac));
	ng_stack_poll(h.st, t0 + life);
	assert_false(ng_arp_lookup(h.st, NT_PEER, mac));
	assert_int_equal(ng_arp_count(h.st), 0);
	/* A confirmation restarts the lifetime. */
	nt_learn(&h, NT_PEER, nt_peer_mac);
	ng_stack_poll(h.st, t0 + life + life / 2);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	ng_stack_poll(h.st, t0 + 2 * life + life / 4);
	assert_true(ng_arp_lookup(h.st, NT_PEER, mac));
	ng_test_host_destroy(&h);
}

/* An entry in use is re-validated by unicast polls at expiry instead of vanishing under the flow
 * (RFC 1122 2.3.2.1); silence after ARP_TRIES polls frees it. */
static void test_expiry_probe_in_use(void **state)
{
	struct ng_test_host h;
	struct ng_udp_sock *s;
	struct nt_ipf ipf;
	uint8_t f[64], mac[6];
	struct ng_pkt *p;
	uint64_t t0, t1, life = 60 * NG_NS_PER_SEC;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	assert_int_equal(ng_udp_open(h.st, 0, 1000, NULL, NULL, NULL, &s), 0);
	ng_stack_poll(h.st, NG_NS_PER_SEC);
	t0 = ng_stack_now(h.st);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	assert_int_equal(send_tag(s, NT_PEER, 1), 0);
	assert_int_equal(nt_flush(&h), 1);
	ng_stack_poll(h.st, t0 + life);
	p = ng_test_link_pop(h.link);
	assert_non_null(p);
	check_arp(p, nt_peer_mac, 1, zero_mac, NT_US, NT_PEER); /* unicast poll */
	ng_pkt_free(p);
	/* Meanwhile traffic still flows to the MAC we had. */
	assert_true(ng_arp_lookup(h.st, NT_PEER, mac));
	assert_int_equal(send_tag(s, NT_PEER, 2), 0);
	p = ng_test_link_pop(h.link);
	assert_non_null(p);
	nt_parse(p, &ipf);
	assert_memory_equal(ipf.eth, nt_peer_mac, 6);
	ng_pkt_free(p);
	/* The neighbour answers: resolved again, no more polls for a lifetime. */
	ng_stack_poll(h.st, t0 + life + NG_NS_PER_SEC / 2);
	t1 = ng_stack_now(h.st);
	nt_inject(&h, f, nt_arp(f, 2, nt_our_mac, nt_peer_mac, NT_PEER, nt_our_mac, NT_US));
	ng_stack_poll(h.st, t1 + 10 * NG_NS_PER_SEC);
	assert_int_equal(ng_test_link_pending(h.link), 0);
	/* Used again, then silent: three polls a second apart, then gone. */
	assert_int_equal(send_tag(s, NT_PEER, 3), 0);
	assert_int_equal(nt_flush(&h), 1);
	for (unsigned i = 0; i < 3; i++) {
		ng_stack_poll(h.st, t1 + life + i * NG_NS_PER_SEC);
		p = ng_test_link_pop(h.link);
		assert_non_null(p);
		check_arp(p, nt_peer_mac, 1, zero_mac, NT_US, NT_PEER);
		ng_pkt_free(p);
		assert_true(ng_arp_lookup(h.st, NT_PEER, mac));
	}
	ng_stack_poll(h.st, t1 + life + 3 * NG_NS_PER_SEC);
	assert_false(ng_arp_lookup(h.st, NT_PEER, mac));
	assert_int_equal(ng_arp_count(h.st), 0);
	assert_int_equal(ng_test_link_pending(h.link), 0);
	ng_udp_close(s);
	ng_test_host_destroy(&h);
}

static void test_gratuitous_update(void **state)
{
	struct ng_test_host h;
	uint8_t f[64], mac[6];
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	/* The peer moved to another MAC and says so (RFC 5227 announcement). */
	nt_inject(&h, f, nt_arp(f, 1, nt_bcast, other_mac, NT_PEER, zero_mac, NT_PEER));
	assert_true(ng_arp_lookup(h.st, NT_PEER, mac));
	assert_memory_equal(mac, other_mac, 6);
	/* A gratuitous reply updates too; none is answered. */
	nt_inject(&h, f, nt_arp(f, 2, nt_bcast, nt_peer_mac, NT_PEER, nt_bcast, NT_PEER));
	assert_true(ng_arp_lookup(h.st, NT_PEER, mac));
	assert_memory_equal(mac, nt_peer_mac, 6);
	assert_int_equal(ng_test_link_pending(h.link), 0);
	/* Of a host we do not know, nothing is cached (RFC 826: only when we are the target). */
	nt_inject(&h, f, nt_arp(f, 1, nt_bcast, other_mac, NT_PEER + 1, zero_mac, NT_PEER + 1));
	assert_false(ng_arp_lookup(h.st, NT_PEER + 1, mac));
	assert_int_equal(ng_arp_count(h.st), 1);
	ng_test_host_destroy(&h);
}

static void test_announce(void **state)
{
	struct ng_test_host h;
	struct ng_pkt *p;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	ng_arp_announce(h.st, h.ifc);
	p = ng_test_link_pop(h.link);
	assert_non_null(p);
	check_arp(p, nt_bcast, 1, zero_mac, NT_US, NT_US);
	ng_pkt_free(p);
	ng_test_host_destroy(&h);
}

static void test_bounded_size(void **state)
{
	struct ng_stack_config c;
	struct ng_test_host h;
	uint8_t mac[6];
	(void)state;

	nt_cfg(&c);
	c.arp_entries = 4;
	nt_host_cfg(&h, &c, NT_US, 24, 0);
	for (uint32_t i = 0; i < 7; i++) {
		uint8_t m[6] = {0x02, 0, 0, 0, 1, (uint8_t)i};
		ng_stack_poll(h.st, (i + 1) * NG_NS_PER_SEC);
		nt_learn(&h, NG_IP4(10, 0, 0, 10 + i), m);
		assert_int_equal(ng_arp_count(h.st), i < 4 ? i + 1 : 4);
	}
	/* The least recently confirmed went first. */
	for (uint32_t i = 0; i < 7; i++) {
		bool have = ng_arp_lookup(h.st, NG_IP4(10, 0, 0, 10 + i), mac);
		assert_int_equal(have, i >= 3);
		if (have)
			assert_int_equal(mac[5], i);
	}
	ng_test_host_destroy(&h);
}

/* A router loses a forwarded datagram to a silent neighbour: the source hears of it. */
static void test_unresolved_forwarded_icmp(void **state)
{
	struct ng_stack_config c;
	struct ng_test_host h;
	struct nt_ipf ipf;
	uint8_t f[128], pl[16] = {0};
	struct ng_pkt *p;
	size_t n;
	(void)state;

	nt_cfg(&c);
	c.forwarding = true;
	nt_host_cfg(&h, &c, NT_US, 24, 0);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	ng_stack_poll(h.st, 10 * NG_NS_PER_SEC);
	n = nt_frame(f, NT_PEER, NG_IP4(10, 0, 0, 50), 17, 77, 0, 64, pl, sizeof(pl));
	nt_inject(&h, f, n);
	assert_int_equal(nt_flush(&h), 1); /* the request */
	ng_stack_poll(h.st, 11 * NG_NS_PER_SEC);
	ng_stack_poll(h.st, 12 * NG_NS_PER_SEC);
	assert_int_equal(nt_flush(&h), 2);
	ng_stack_poll(h.st, 13 * NG_NS_PER_SEC);
	assert_int_equal(nt_drops(&h, NG_DROP_ARP_UNRESOLVED), 1);
	p = ng_test_link_pop(h.link);
	assert_non_null(p);
	nt_parse(p, &ipf);
	assert_int_equal(ipf.proto, 1);
	assert_int_equal(ipf.dst, NT_PEER);
	assert_int_equal(ipf.l4[0], 3);
	assert_int_equal(ipf.l4[1], 1);
	assert_int_equal(ng_get32(ipf.l4 + 8 + 16), NG_IP4(10, 0, 0, 50)); /* quoted header */
	ng_pkt_free(p);
	ng_test_host_destroy(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_answered),
	    cmocka_unit_test(test_not_for_us_and_bad),
	    cmocka_unit_test(test_probe_defended),
	    cmocka_unit_test(test_queue_then_flush),
	    cmocka_unit_test(test_retries_then_drop),
	    cmocka_unit_test(test_queue_bounded),
	    cmocka_unit_test(test_expiry),
	    cmocka_unit_test(test_expiry_probe_in_use),
	    cmocka_unit_test(test_gratuitous_update),
	    cmocka_unit_test(test_announce),
	    cmocka_unit_test(test_bounded_size),
	    cmocka_unit_test(test_unresolved_forwarded_icmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
