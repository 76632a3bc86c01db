// SPDX-License-Identifier: MIT
/* NAT test helpers: a two-interface router on recording links, datagram builders and checks. */
#include <string.h>

#include "nat_testutil.h"
#include "net/net_internal.h"

static const uint8_t lan_mac[6] = {0x02, 0, 0, 0, 0x01, 0x01};
static const uint8_t wan_mac[6] = {0x02, 0, 0, 0, 0x02, 0x02};
static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0x09, 0x09};

static size_t eth_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	ng_put16(f + 12, type);
	return 14;
}

/* An ARP request from ADDR (peer_mac) asking for OURS: the router learns the peer (RFC 826). */
static void teach(struct ng_test_router *r, bool lan, uint32_t addr, uint32_t ours)
{
	uint8_t f[60];
	size_t n;

	memset(f, 0, sizeof(f));
	n = eth_frame(f, ng_eth_broadcast, peer_mac, NG_ETH_P_ARP);
	ng_put16(f + n, 1);
	ng_put16(f + n + 2, 0x0800);
	f[n + 4] = 6;
	f[n + 5] = 4;
	ng_put16(f + n + 6, NG_ARP_REQUEST);
	memcpy(f + n + 8, peer_mac, 6);
	ng_put32(f + n + 14, addr);
	ng_put32(f + n + 24, ours);
	ng_test_link_inject(lan ? r->lan_link : r->wan_link, ng_stack_pool(r->st), f, sizeof(f));
	ng_stack_pump(r->st, 0);
}

static void drain(struct ng_link *l)
{
	struct ng_pkt *p;
	while ((p = ng_test_link_pop(l)))
		ng_pkt_free(p);
}

void ng_test_router_create(struct ng_test_router *r, const struct ng_nat_config *nc, uint64_t seed)
{
	ng_test_router_create_mtu(r, nc, seed, 1500, 1500);
}

void ng_test_router_create_mtu(struct ng_test_router *r, const struct ng_nat_config *nc,
                               uint64_t seed, uint32_t lan_mtu, uint32_t wan_mtu)
{
	struct ng_stack_config c;
	struct ng_iface_config ic;
	struct ng_nat_config def;

	memset(r, 0, sizeof(*r));
	ng_stack_config_default(&c);
	c.seed = seed;
	c.pkt_count = 512;
	c.arp_timeout_ns = 400000ull * NG_NS_PER_SEC; /* longer than any NAT timeout tested */
	c.icmp_rate = 100000;
	c.icmp_burst = 100000;
	assert_int_equal(ng_stack_create(&c, &r->st), 0);
	r->now = 1000 * NG_NS_PER_SEC;
	ng_stack_poll(r->st, r->now);
	r->lan_link = ng_test_link_create(lan_mtu, lan_mac);
	r->wan_link = ng_test_link_create(wan_mtu, wan_mac);
	memset(&ic, 0, sizeof(ic));
	ic.addr = NTU_LAN_ADDR;
	ic.prefix_len = 24;
	assert_int_equal(ng_stack_add_iface(r->st, &ic, r->lan_link, &r->lan), 0);
	ic.addr = NTU_PUB;
	assert_int_equal(ng_stack_add_iface(r->st, &ic, r->wan_link, &r->wan), 0);
	assert_int_equal(ng_stack_set_gateway(r->st, NTU_GW), 0);
	if (!nc) {
		ng_nat_config_default(&def);
		nc = &def;
	}
	assert_int_equal(ng_nat_create(r->st, r->lan, r->wan, nc, &r->nat), 0);
	teach(r, true, NTU_H1, NTU_LAN_ADDR);
	teach(r, true, NTU_H2, NTU_LAN_ADDR);
	teach(r, false, NTU_GW, NTU_PUB);
	drain(r->lan_link);
	drain(r->wan_link);
}

void ng_test_router_destroy(struct ng_test_router *r)
{
	ng_nat_destroy(r->nat);
	ng_link_destroy(r->lan_link);
	ng_link_destroy(r->wan_link);
	assert_int_equal(ng_stack_destroy(r->st), 0);
	memset(r, 0, sizeof(*r));
}

void ng_test_router_input(struct ng_test_router *r, bool lan, const uint8_t *ip, size_t len)
{
	uint8_t f[2048];
	size_t n;

	assert_true(len + 14 <= sizeof(f));
	n = eth_frame(f, lan ? lan_mac : wan_mac, peer_mac, NG_ETH_P_IPV4);
	memcpy(f + n, ip, len);
	n += len;
	if (n < 60) {
		memset(f + n, 0, 60 - n);
		n = 60;
	}
	ng_test_link_inject(lan ? r->lan_link : r->wan_link, ng_stack_pool(r->st), f, n);
	ng_stack_pump(r->st, 0);
}

size_t ng_test_router_output(struct ng_test_router *r, bool lan, uint8_t *buf, size_t cap)
{
	struct ng_pkt *p;

	while ((p = ng_test_link_pop(lan ? r->lan_link : r->wan_link))) {
		const uint8_t *d = ng_pkt_data(p);
		size_t len;
		if (p->len < 14 || ng_get16(d + 12) != NG_ETH_P_IPV4) {
			ng_pkt_free(p);
			continue;
		}
		assert_memory_equal(d + 6, lan ? lan_mac : wan_mac, 6);
		len = p->len - 14;
		assert_true(len <= cap);
		memcpy(buf, d + 14, len);
		ng_pkt_free(p);
		return len;
	}
	return 0;
}

size_t ng_test_router_pending(struct ng_test_router *r, bool lan)
{
	return ng_test_link_pending(lan ? r->lan_link : r->wan_link);
}

void ng_test_router_advance(struct ng_test_router *r, uint64_t ns)
{
	r->now += ns;
	ng_stack_poll(r->st, r->now);
}

uint64_t ng_test_router_drops(struct ng_test_router *r, enum ng_drop d)
{
	return ng_stack_stats(r->st)->drops[d];
}

size_t ng_test_router_flows(struct ng_test_router *r)
{
	return ng_nat_flows(r->nat, NULL, NULL);
}

/* ---- builders: every byte placed by hand, checksums from the RFC 1071 sum ---- */

static size_t ip_hdr(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto, size_t payload)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	ng_put16(b + 2, (uint16_t)(20 + payload));
	ng_put16(b + 4, 0x1234);
	b[8] = 64;
	b[9] = proto;
	ng_put32(b + 12, src);
	ng_put32(b + 16, dst);
	ng_put16(b + 10, ng_csum(b, 20));
	return 20;
}

void ntu_set_df(uint8_t *b)
{
	b[6] |= 0x40;
	ng_put16(b + 10, 0);
	ng_put16(b + 10, ng_csum(b, (size_t)(b[0] & 15) * 4));
}

void ntu_set_ttl(uint8_t *b, uint8_t ttl)
{
	b[8] = ttl;
	ng_put16(b + 10, 0);
	ng_put16(b + 10, ng_csum(b, (size_t)(b[0] & 15) * 4));
}

static uint16_t l4_sum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4, size_t len)
{
	return ng_csum_finish(ng_csum_add(ng_csum_pseudo(src, dst, proto, (uint16_t)len), l4, len));
}

size_t ntu_tcp(uint8_t *b, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint32_t seq,
               uint32_t ack, uint8_t flags, const void *data, size_t len)
{
	uint8_t *t = b + 20;

	ip_hdr(b, src, dst, NG_IP_PROTO_TCP, 20 + len);
	memset(t, 0, 20);
	ng_put16(t, sport);
	ng_put16(t + 2, dport);
	ng_put32(t + 4, seq);
	ng_put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	ng_put16(t + 14, 65535);
	if (len)
		memcpy(t + 20, data, len);
	ng_put16(t + 16, l4_sum(src, dst, NG_IP_PROTO_TCP, t, 20 + len));
	return 40 + len;
}

size_t ntu_udp(uint8_t *b, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
               const void *data, size_t len, bool with_csum)
{
	uint8_t *u = b + 20;

	ip_hdr(b, src, dst, NG_IP_PROTO_UDP, 8 + len);
	ng_put16(u, sport);
	ng_put16(u + 2, dport);
	ng_put16(u + 4, (uint16_t)(8 + len));
	ng_put16(u + 6, 0);
	if (len)
		memcpy(u + 8, data, len);
	if (with_csum) {
		uint16_t c = l4_sum(src, dst, NG_IP_PROTO_UDP, u, 8 + len);
		ng_put16(u + 6, c ? c : 0xffff);
	}
	return 28 + len;
}

size_t ntu_icmp_echo(uint8_t *b, uint32_t src, uint32_t dst, uint8_t type, uint16_t id,
                     uint16_t seq)
{
	uint8_t *m = b + 20;

	ip_hdr(b, src, dst, NG_IP_PROTO_ICMP, 16);
	memset(m, 0, 16);
	m[0] = type;
	ng_put16(m + 4, id);
	ng_put16(m + 6, seq);
	memcpy(m + 8, "natgate!", 8);
	ng_put16(m + 2, ng_csum(m, 16));
	return 36;
}

size_t ntu_icmp_err(uint8_t *b, uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
                    const uint8_t *quote, size_t qlen)
{
	uint8_t *m = b + 20;

	ip_hdr(b, src, dst, NG_IP_PROTO_ICMP, 8 + qlen);
	memset(m, 0, 8);
	m[0] = type;
	m[1] = code;
	memcpy(m + 8, quote, qlen);
	ng_put16(m + 2, ng_csum(m, 8 + qlen));
	return 28 + qlen;
}

uint32_t ntu_src(const uint8_t *b)
{
	return ng_get32(b + 12);
}

uint32_t ntu_dst(const uint8_t *b)
{
	return ng_get32(b + 16);
}

uint16_t ntu_sport(const uint8_t *b)
{
	const uint8_t *l4 = b + (b[0] & 15) * 4;
	return b[9] == NG_IP_PROTO_ICMP ? ng_get16(l4 + 4) : ng_get16(l4);
}

uint16_t ntu_dport(const uint8_t *b)
{
	const uint8_t *l4 = b + (b[0] & 15) * 4;
	return b[9] == NG_IP_PROTO_ICMP ? ng_get16(l4 + 4) : ng_get16(l4 + 2);
}

void ntu_check_csums(const uint8_t *b, size_t len)
{
	size_t hl = (size_t)(b[0] & 15) * 4;
	const uint8_t *l4 = b + hl;
	size_t l4len;

	assert_true(len >= hl && ng_get16(b + 2) == len);
	assert_int_equal(ng_csum(b, hl), 0); /* a right header sums to 0xffff: ~ = 0 */
	l4len = len - hl;
	switch (b[9]) {
	case NG_IP_PROTO_TCP:
		assert_int_equal(l4_sum(ntu_src(b), ntu_dst(b), NG_IP_PROTO_TCP, l4, l4len), 0);
		break;
	case NG_IP_PROTO_UDP:
		if (ng_get16(l4 + 6))
			assert_int_equal(l4_sum(ntu_src(b), ntu_dst(b), NG_IP_PROTO_UDP, l4, l4len),
			                 0);
		break;
	case NG_IP_PROTO_ICMP:
		assert_int_equal(ng_csum(l4, l4len), 0);
		break;
	default:
		break;
	}
}
