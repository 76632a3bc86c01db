/* SPDX-License-Identifier: MIT */
/* Frame builders and checkers for the network-layer tests. Frames are built byte by byte here,
 * independently of src/wire, so the codecs cannot agree with themselves by accident. */
#ifndef NG_NETTEST_H
#define NG_NETTEST_H

#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "net/net_internal.h"
#include "udp/udp_internal.h"
#include "natgate/udp.h"

static const uint8_t nt_our_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t nt_peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};
static const uint8_t nt_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

#define NT_US   NG_IP4(10, 0, 0, 1)
#define NT_PEER NG_IP4(10, 0, 0, 2)

static inline uint64_t nt_drops(struct ng_test_host *h, enum ng_drop d)
{
	return ng_stack_stats(h->st)->drops[d];
}
static inline uint64_t nt_count(struct ng_test_host *h, enum ng_counter c)
{
	return ng_stack_stats(h->st)->counters[c];
}

/* A host like ng_test_host_create but from a full stack configuration. */
static inline void nt_host_cfg(struct ng_test_host *h, const struct ng_stack_config *c,
                               uint32_t addr, uint8_t prefix, uint32_t mtu)
{
	struct ng_iface_config ic;

	memset(h, 0, sizeof(*h));
	assert_int_equal(ng_stack_create(c, &h->st), 0);
	h->link = ng_test_link_create(mtu, nt_our_mac);
	memset(&ic, 0, sizeof(ic));
	ic.addr = addr;
	ic.prefix_len = prefix;
	assert_int_equal(ng_stack_add_iface(h->st, &ic, h->link, &h->ifc), 0);
}

static inline void nt_cfg(struct ng_stack_config *c)
{
	ng_stack_config_default(c);
	c->pkt_count = 256;
	c->seed = 7;
}

/* Ethernet header; returns 14. */
static inline size_t nt_eth(uint8_t *b, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	ng_put16(b + 12, type);
	return 14;
}

/* 20-byte IPv4 header with a correct checksum. FRAG is the raw flags+offset word. */
static inline size_t nt_ip(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
                           uint16_t frag, uint8_t ttl, size_t payload_len)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	ng_put16(b + 2, (uint16_t)(20 + payload_len));
	ng_put16(b + 4, id);
	ng_put16(b + 6, frag);
	b[8] = ttl;
	b[9] = proto;
	ng_put32(b + 12, src);
	ng_put32(b + 16, dst);
	ng_put16(b + 10, ng_csum(b, 20));
	return 20;
}

/* A whole frame to our MAC: Ethernet + IPv4 + PAYLOAD. Returns its length. */
static inline size_t nt_frame(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
                              uint16_t frag, uint8_t ttl, const void *payload, size_t plen)
{
	size_t n = nt_eth(b, nt_our_mac, nt_peer_mac, 0x0800);
	n += nt_ip(b + n, src, dst, proto, id, frag, ttl, plen);
	memcpy(b + n, payload, plen);
	return n + plen;
}

/* UDP header + data with the pseudo-header checksum (or 0 when !CSUM). Returns 8 + LEN. */
static inline size_t nt_udp(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                            const void *data, size_t len, bool csum)
{
	ng_put16(b, sport);
	ng_put16(b + 2, dport);
	ng_put16(b + 4, (uint16_t)(8 + len));
	ng_put16(b + 6, 0);
	memcpy(b + 8, data, len);
	if (csum) {
		uint64_t s = ng_csum_pseudo(src, dst, 17, (uint16_t)(8 + len));
		uint16_t c = ng_csum_finish(ng_csum_add(s, b, 8 + len));
		ng_put16(b + 6, c ? c : 0xffff);
	}
	return 8 + len;
}

/* ICMP message TYPE/CODE with second word REST and LEN bytes of DATA. Returns 8 + LEN. */
static inline size_t nt_icmp(uint8_t *b, uint8_t type, uint8_t code, uint32_t rest,
                             const void *data, size_t len)
{
	b[0] = type;
	b[1] = code;
	ng_put16(b + 2, 0);
	ng_put32(b + 4, rest);
	memcpy(b + 8, data, len);
	ng_put16(b + 2, ng_csum(b, 8 + len));
	return 8 + len;
}

/* A 42-byte ARP frame. */
static inline size_t nt_arp(uint8_t *b, uint16_t op, const uint8_t eth_dst[6], const uint8_t sha[6],
                            uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
	size_t n = nt_eth(b, eth_dst, sha, 0x0806);
	ng_put16(b + n, 1);
	ng_put16(b + n + 2, 0x0800);
	b[n + 4] = 6;
	b[n + 5] = 4;
	ng_put16(b + n + 6, op);
	memcpy(b + n + 8, sha, 6);
	ng_put32(b + n + 14, spa);
	memcpy(b + n + 18, tha, 6);
	ng_put32(b + n + 24, tpa);
	return n + 28;
}

/* Hand a frame to the stack and let it process it. */
static inline void nt_inject(struct ng_test_host *h, const void *frame, size_t len)
{
	ng_test_link_inject(h->link, ng_stack_pool(h->st), frame, len);
	ng_stack_pump(h->st, 0);
}

/* Free every frame the stack has sent so far; returns how many. */
static inline size_t nt_flush(struct ng_test_host *h)
{
	size_t n = 0;
	struct ng_pkt *p;
	while ((p = ng_test_link_pop(h->link)) != NULL) {
		ng_pkt_free(p);
		n++;
	}
	return n;
}

/* Teach the stack that IP is at MAC (an ARP request from it for our address), then discard the
 * reply. */
static inline void nt_learn(struct ng_test_host *h, uint32_t ip, const uint8_t mac[6])
{
	static const uint8_t zero[6];
	uint8_t f[64];
	size_t n = nt_arp(f, 1, nt_bcast, mac, ip, zero, ng_iface_addr(h->ifc));
	nt_inject(h, f, n);
	nt_flush(h);
}

/* A sent frame, seen as fields read by hand. */
struct nt_ipf {
	const uint8_t *eth, *ip, *l4;
	size_t frame_len, l4_len;
	uint16_t type, tot_len, id, frag;
	uint8_t ttl, proto, hlen;
	uint32_t src, dst;
};

/* Read the Ethernet and IPv4 headers of frame P, asserting they are well formed. */
static inline void nt_parse(const struct ng_pkt *p, struct nt_ipf *f)
{
	const uint8_t *b = ng_pkt_data(p);
	memset(f, 0, sizeof(*f));
	assert_true(p->len >= 14);
	f->eth = b;
	f->frame_len = p->len;
	f->type = ng_get16(b + 12);
	if (f->type != 0x0800)
		return;
	assert_true(p->len >= 34);
	f->ip = b + 14;
	assert_int_equal(f->ip[0] >> 4, 4);
	f->hlen = (uint8_t)((f->ip[0] & 15) * 4);
	assert_int_equal(ng_csum(f->ip, f->hlen), 0);
	f->tot_len = ng_get16(f->ip + 2);
	assert_int_equal(f->tot_len, p->len - 14);
	f->id = ng_get16(f->ip + 4);
	f->frag = ng_get16(f->ip + 6);
	f->ttl = f->ip[8];
	f->proto = f->ip[9];
	f->src = ng_get32(f->ip + 12);
	f->dst = ng_get32(f->ip + 16);
	f->l4 = f->ip + f->hlen;
	f->l4_len = f->tot_len - f->hlen;
}

/* What a UDP socket received last (nt_on_rx as its receive callback), and how many datagrams. */
struct nt_rx {
	unsigned n;
	size_t len;
	uint32_t src;
	uint16_t sport;
	uint8_t data[65536];
};

static inline void nt_on_rx(struct ng_udp_sock *s, void *ctx, uint32_t src, uint16_t sport,
                            const uint8_t *data, size_t len)
{
	struct nt_rx *r = ctx;
	(void)s;
	assert_true(len <= sizeof(r->data));
	r->n++;
	r->len = len;
	r->src = src;
	r->sport = sport;
	memcpy(r->data, data, len);
}

#endif
