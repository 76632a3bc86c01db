// SPDX-License-Identifier: MIT
/* libFuzzer target: arbitrary frames enter a NAT router (LAN and WAN interfaces) from both sides.
 *
 * Theory of operation. Each input gets a fresh router stack: LAN 192.168.1.1/24, WAN
 * 203.0.113.2/24 behind 203.0.113.1, a NAT with a port forward, and the neighbours H1
 * (192.168.1.10) and the gateway already learnt, so translated datagrams really go out. The input
 * is a list of records [ctl len_hi len_lo data...]: bit 0 of CTL picks the side (LAN / WAN), bit 1
 * keeps the frame's destination MAC (else it is set to the interface's), bits 2-7 advance the
 * clock by 2^(n % 41) ns first, so flow timers, held SYNs and reassembly timers fire in between.
 * The top bit of LEN hands the frame over as a link with rx_whole would hand a kernel's TCP
 * super-segment: its TCP checksum field set to the pseudo-header sum and flagged
 * NG_PKT_F_CSUM_PARTIAL, with a gso_size drawn from the length when the next bit is set too
 * (only for frames that hold an IPv4/TCP header: the kernel makes those, the links never flag
 * anything else). After the last frame the clock jumps three hours so every flow expires.
 *
 * Oracles: no crash and no sanitizer report; every frame sent parses with the stack's own codecs
 * (IPv4 header checksum, and TCP/UDP/ICMP checksums of unfragmented datagrams: the NAT's
 * incremental updates must keep them right); the flow table is empty after the final expiry;
 * and no packet leaks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natgate/nat.h"
#include "net/net_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t lan_mac[6] = {0x02, 0, 0, 0, 1, 1};
static const uint8_t wan_mac[6] = {0x02, 0, 0, 0, 2, 2};
static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 9, 9};

struct fz_link {
	struct ng_link l;
};

static void fz_fail(const char *what)
{
	fprintf(stderr, "fuzz_nat_router: the router sent a bad frame: %s\n", what);
	abort();
}

static void fz_check(const struct ng_pkt *p)
{
	const uint8_t *b = ng_pkt_data(p);
	struct ng_ipv4_hdr ip;
	size_t len = p->len;

	if (len < NG_ETH_HLEN)
		fz_fail("short");
	if (ng_get16(b + 12) != NG_ETH_P_IPV4)
		return;
	b += NG_ETH_HLEN;
	len -= NG_ETH_HLEN;
	if (ng_ipv4_parse(b, len, &ip) != NG_DROP_NONE)
		fz_fail("ipv4 header");
	if (ng_ipv4_is_fragment(&ip))
		return;
	if (ip.proto == NG_IP_PROTO_TCP) {
		struct ng_tcp_hdr t;
		if (ng_tcp_parse(b + ip.hlen, ip.tot_len - ip.hlen, ip.src, ip.dst, &t) !=
		    NG_DROP_NONE)
			fz_fail("tcp");
	} else if (ip.proto == NG_IP_PROTO_UDP) {
		struct ng_udp_hdr u;
		if (ng_udp_parse(b + ip.hlen, ip.tot_len - ip.hlen, ip.src, ip.dst, &u) !=
		    NG_DROP_NONE)
			fz_fail("udp");
	} else if (ip.proto == NG_IP_PROTO_ICMP) {
		struct ng_icmp_hdr h;
		if (ng_icmp_parse(b + ip.hlen, ip.tot_len - ip.hlen, &h) != NG_DROP_NONE)
			fz_fail("icmp");
	}
}

static int fz_xmit(struct ng_link *l, struct ng_pkt *p, uint64_t now)
{
	(void)l;
	(void)now;
	fz_check(p);
	ng_pkt_free(p);
	return 0;
}

static struct ng_pkt *fz_recv(struct ng_link *l, struct ng_pktpool *pool, uint64_t now)
{
	(void)l;
	(void)pool;
	(void)now;
	return NULL;
}

static int fz_fd(const struct ng_link *l)
{
	(void)l;
	return -1;
}

static void fz_destroy(struct ng_link *l)
{
	(void)l;
}

static const struct ng_link_ops fz_ops = {
    .xmit = fz_xmit, .recv = fz_recv, .fd = fz_fd, .destroy = fz_destroy};

/* Make P look like a super-segment handed over whole (see the top): the TCP checksum field holds
 * the pseudo-header sum, CSUM_PARTIAL, and GSO_SIZE if not 0. Frames without an IPv4/TCP header
 * that fits are left alone. */
static void offload_mark(struct ng_pkt *p, uint16_t gso_size)
{
	uint8_t *b = ng_pkt_data(p), *ip = b + NG_ETH_HLEN;
	uint32_t ihl, tot;

	if (p->len < NG_ETH_HLEN + 40 || ng_get16(b + 12) != NG_ETH_P_IPV4 || (ip[0] >> 4) != 4 ||
	    ip[9] != NG_IP_PROTO_TCP)
		return;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	tot = ng_get16(ip + 2);
	if (ihl < 20 || tot < ihl + 20 || tot > p->len - NG_ETH_HLEN)
		return;
	ng_put16(ip + ihl + 16,
	         ng_csum_fold(ng_csum_pseudo(ng_get32(ip + 12), ng_get32(ip + 16), NG_IP_PROTO_TCP,
	                                     (uint16_t)(tot - ihl))));
	p->flags |= NG_PKT_F_CSUM_PARTIAL;
	p->gso_size = gso_size;
}

static void feed(struct ng_stack *st, struct ng_iface *ifc, const uint8_t *d, size_t len,
                 bool keep_mac, unsigned offload)
{
	struct ng_pkt *p = ng_pkt_alloc(ng_stack_pool(st));
	uint8_t *b;

	if (!p)
		return;
	b = ng_pkt_put(p, (uint32_t)len);
	if (!b) {
		ng_pkt_free(p);
		return;
	}
	memcpy(b, d, len);
	if (!keep_mac && len >= 6)
		memcpy(b, ifc->mac, 6);
	if (offload)
		offload_mark(p, offload > 1 ? (uint16_t)(64 + len * 7 % 1400) : 0);
	ng_stack_input(st, ifc, p);
}

/* An ARP request from ADDR for OURS, so the router learns the neighbour. */
static void teach(struct ng_stack *st, struct ng_iface *ifc, uint32_t addr, uint32_t ours)
{
	uint8_t f[60];

	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	memcpy(f + 6, peer_mac, 6);
	ng_put16(f + 12, NG_ETH_P_ARP);
	ng_put16(f + 14, 1);
	ng_put16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	ng_put16(f + 20, NG_ARP_REQUEST);
	memcpy(f + 22, peer_mac, 6);
	ng_put32(f + 28, addr);
	ng_put32(f + 38, ours);
	feed(st, ifc, f, sizeof(f), true, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_link ll = {{.ops = &fz_ops, .name = "lan", .mtu = 1500}};
	struct fz_link wl = {{.ops = &fz_ops, .name = "wan", .mtu = 1500}};
	struct ng_stack_config c;
	struct ng_iface_config ic;
	struct ng_nat_config nc;
	struct ng_stack *st;
	struct ng_iface *lan, *wan;
	struct ng_nat *nat;
	uint64_t now = 1000 * NG_NS_PER_SEC;
	size_t off = 0;

	memcpy(ll.l.mac, lan_mac, 6);
	memcpy(wl.l.mac, wan_mac, 6);
	ng_stack_config_default(&c);
	c.pkt_count = 256;
	c.pkt_size = 4096;
	if (ng_stack_create(&c, &st))
		abort();
	ng_stack_poll(st, now);
	memset(&ic, 0, sizeof(ic));
	ic.addr = NG_IP4(192, 168, 1, 1);
	ic.prefix_len = 24;
	if (ng_stack_add_iface(st, &ic, &ll.l, &lan))
		abort();
	ic.addr = NG_IP4(203, 0, 113, 2);
	if (ng_stack_add_iface(st, &ic, &wl.l, &wan) ||
	    ng_stack_set_gateway(st, NG_IP4(203, 0, 113, 1)))
		abort();
	ng_nat_config_default(&nc);
	nc.max_flows = 64;
	nc.max_flows_per_host = 32;
	nc.filter = (enum ng_nat_filter)(size ? data[0] % 3 : 0);
	if (ng_nat_parse_forward("tcp:8080=192.168.1.10:80", &nc.fwd[0]) ||
	    ng_nat_parse_forward("udp:5000-5009=192.168.1.10:6000", &nc.fwd[1]))
		abort();
	nc.n_fwd = 2;
	if (ng_nat_create(st, lan, wan, &nc, &nat))
		abort();
	teach(st, lan, NG_IP4(192, 168, 1, 10), NG_IP4(192, 168, 1, 1));
	teach(st, wan, NG_IP4(203, 0, 113, 1), NG_IP4(203, 0, 113, 2));

	while (off + 3 <= size) {
		uint8_t ctl = data[off];
		unsigned offload = data[off + 1] >> 6; /* 2: partial, 3: partial + gso_size */
		size_t len = ((size_t)(data[off + 1] & 0x3f) << 8) | data[off + 2];
		unsigned shift = (ctl >> 2) % 41;

		off += 3;
		if (len > size - off)
			len = size - off;
		if (ctl >> 2) {
			now += 1ull << shift;
			ng_stack_poll(st, now);
		}
		feed(st, (ctl & 1) ? wan : lan, data + off, len, ctl & 2,
		     offload >= 2 ? offload - 1 : 0);
		off += len;
	}
	now += 3ull * 3600 * NG_NS_PER_SEC;
	ng_stack_poll(st, now);
	if (ng_nat_flows(nat, NULL, NULL) != 0) {
		fprintf(stderr, "fuzz_nat_router: flows left after every timeout passed\n");
		abort();
	}
	ng_nat_destroy(nat);
	if (ng_stack_destroy(st) != 0) {
		fprintf(stderr, "fuzz_nat_router: packets leaked\n");
		abort();
	}
	return 0;
}
