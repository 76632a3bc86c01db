// SPDX-License-Identifier: MIT
/* libFuzzer target: arbitrary bytes enter a whole stack as Ethernet frames through ng_stack_input.
 *
 * Theory of operation. Each input gets a fresh stack (so a crash replays from its input alone)
 * with one interface, 10.0.0.2/24 behind gateway 10.0.0.1, on a tiny local link whose xmit checks
 * and frees what the stack sends, a UDP echo socket on port 7 so that delivered datagrams go
 * back out (routing, ARP queueing, fragmentation), and a TCP echo listener on port 7 (the
 * handshake's sequence numbers are deterministic for the fixed seed, so the fuzzer's comparison
 * tracing can find its way into ESTABLISHED). The first input byte chooses the mode:
 *
 *   bit 0 clear: the rest of the input is one frame;
 *   bit 0 set:   the rest is a list of records [len_hi len_lo ctl data...], so that fragments
 *                reassemble and ARP state builds up across frames;
 *   bit 1:       (single-frame mode) overwrite the destination MAC with the interface's;
 *   bit 2:       full-size buffers (64 KiB datagrams reassemble) instead of small ones;
 *   bit 3:       repair the IPv4 header checksum and the ICMP / UDP / TCP checksum of every
 *                unfragmented frame before it goes in, so that mutations reach the layers above;
 *   bit 4:       (with bit 3) set a TCP segment's ACK number to the next sequence number the
 *                stack will send, so that handshakes complete and data flows.
 *
 * A record's CTL byte: bits 0-1 rewrite the destination MAC (0 keep, 1 ours, 2 broadcast,
 * 3 ours); bits 2-7 advance the fake clock by 2^(n % 41) ns (n = 0: no advance) before the frame,
 * so that reassembly and ARP timers fire in between. After the last frame the clock jumps
 * 10 minutes so that every timer expires.
 *
 * Oracles: no crash and no sanitizer report; every frame the stack sends parses cleanly with the
 * stack's own codecs (Ethernet, ARP, IPv4 header checksum, ICMP, UDP and TCP checksums of
 * unfragmented datagrams) and fits the MTU; and no packet leaks (abort if the pool still has
 * packets in use after teardown).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natgate/stack.h"
#include "natgate/tcp.h"
#include "natgate/udp.h"
#include "stack_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MTU 1500
static const uint8_t fz_mac[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x02};

/* The stack's only link: nothing to receive (frames are fed directly), transmit checks and
 * frees. */
struct fz_link {
	struct ng_link l;
	uint32_t tcp_next; /* sequence number after the last TCP segment the stack sent */
	bool tcp_seen;
};

static void fz_fail(const char *what, const struct ng_pkt *p)
{
	fprintf(stderr, "fuzz_stack_input: the stack sent a bad frame: %s (%u bytes)\n", what,
	        p->len);
	abort();
}

/* Check one frame the stack transmitted with the stack's own parsers; remember where its TCP
 * sequence space goes next. */
static void fz_check_frame(struct fz_link *fl, const struct ng_pkt *p)
{
	const uint8_t *b = ng_pkt_data(p);
	struct ng_eth_hdr eth;
	struct ng_ipv4_hdr ip;
	size_t len = p->len;

	if (ng_eth_parse(b, len, &eth) != NG_DROP_NONE)
		fz_fail("ethernet header", p);
	if (len > NG_ETH_HLEN + FZ_MTU)
		fz_fail("larger than the MTU", p);
	b += NG_ETH_HLEN;
	len -= NG_ETH_HLEN;
	if (eth.type == NG_ETH_P_ARP) {
		struct ng_arp_pkt arp;
		if (ng_arp_parse(b, len, &arp) != NG_DROP_NONE)
			fz_fail("arp", p);
		return;
	}
	if (eth.type != NG_ETH_P_IPV4)
		fz_fail("unexpected ethertype", p);
	if (ng_ipv4_parse(b, len, &ip) != NG_DROP_NONE)
		fz_fail("ipv4 header", p);
	if (ng_ipv4_is_fragment(&ip))
		return; /* the transport checksum covers the whole datagram */
	if (ip.proto == NG_IP_PROTO_ICMP) {
		struct ng_icmp_hdr icmp;
		if (ng_icmp_parse(b + ip.hlen, ip.tot_len - ip.hlen, &icmp) != NG_DROP_NONE)
			fz_fail("icmp", p);
	} else if (ip.proto == NG_IP_PROTO_UDP) {
		struct ng_udp_hdr udp;
		if (ng_udp_parse(b + ip.hlen, ip.tot_len - ip.hlen, ip.src, ip.dst, &udp) !=
		    NG_DROP_NONE)
			fz_fail("udp", p);
	} else if (ip.proto == NG_IP_PROTO_TCP) {
		struct ng_tcp_hdr tcp;
		size_t seglen = ip.tot_len - ip.hlen;
		if (ng_tcp_parse(b + ip.hlen, seglen, ip.src, ip.dst, &tcp) != NG_DROP_NONE)
			fz_fail("tcp", p);
		fl->tcp_next = tcp.seq + (uint32_t)(seglen - tcp.hlen) +
		               !!(tcp.flags & NG_TCP_SYN) + !!(tcp.flags & NG_TCP_FIN);
		fl->tcp_seen = true;
	}
}

static int fz_xmit(struct ng_link *l, struct ng_pkt *p, uint64_t now)
{
	(void)now;
	fz_check_frame((struct fz_link *)l, p);
	l->tx_frames++;
	l->tx_bytes += p->len;
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
	free(l);
}

static const struct ng_link_ops fz_link_ops = {
    .xmit = fz_xmit,
    .recv = fz_recv,
    .fd = fz_fd,
    .destroy = fz_destroy,
};

/* RFC 862: whatever arrives goes back to its sender. */
static void fz_echo(struct ng_udp_sock *s, void *ctx, uint32_t src, uint16_t sport,
                    const uint8_t *d, size_t len)
{
	(void)ctx;
	(void)ng_udp_sendto(s, src, sport, d, len);
}

/* TCP echo: read what arrived and send back what fits; close when the peer is done. */
static void fz_tcp_event(struct ng_tcp_sock *s, void *ctx, unsigned events)
{
	uint8_t buf[2048];
	int rounds;

	(void)ctx;
	if (events & NG_TCP_EV_READABLE) {
		for (rounds = 0; rounds < 8; rounds++) {
			long n = ng_tcp_recv(s, buf, sizeof(buf));
			if (n == 0) {
				ng_tcp_close(s);
				return;
			}
			if (n < 0)
				break;
			(void)ng_tcp_send(s, buf, (size_t)n);
		}
	}
	if (events & (NG_TCP_EV_CLOSED | NG_TCP_EV_ERROR))
		ng_tcp_close(s);
}

static void fz_tcp_accept(struct ng_tcp_sock *listener, void *ctx, struct ng_tcp_sock *child)
{
	(void)listener;
	(void)ctx;
	ng_tcp_set_callback(child, fz_tcp_event, NULL);
}

/* Repair the checksums of an unfragmented IPv4 frame in B (and with FIX_ACK the TCP ACK
 * number), so that the fuzzer's mutations are not all stopped by checksum checks. Only frames
 * whose lengths are consistent are touched; the rest go in as they are. */
static void fz_repair(const struct fz_link *fl, uint8_t *b, size_t len, bool fix_ack)
{
	uint8_t *ip = b + NG_ETH_HLEN, *l4;
	size_t ihl, tot, l4len;
	uint32_t src, dst;
	uint16_t off = 0;

	if (len < NG_ETH_HLEN + 20 || ng_get16(b + 12) != NG_ETH_P_IPV4)
		return;
	ihl = (size_t)(ip[0] & 15) * 4;
	tot = ng_get16(ip + 2);
	if (ihl < 20 || tot < ihl || NG_ETH_HLEN + tot > len)
		return;
	ng_put16(ip + 10, 0);
	ng_put16(ip + 10, ng_csum(ip, ihl));
	if (ng_get16(ip + 6) & (NG_IP_MF | NG_IP_OFFMASK))
		return;
	src = ng_get32(ip + 12);
	dst = ng_get32(ip + 16);
	l4 = ip + ihl;
	l4len = tot - ihl;
	switch (ip[9]) {
	case NG_IP_PROTO_ICMP:
		off = 2;
		if (l4len < 4)
			return;
		ng_put16(l4 + off, 0);
		ng_put16(l4 + off, ng_csum(l4, l4len));
		return;
	case NG_IP_PROTO_UDP:
		off = 6;
		if (l4len < 8 || ng_get16(l4 + 6) == 0)
			return; /* no checksum is a valid choice (RFC 768) */
		break;
	case NG_IP_PROTO_TCP:
		off = 16;
		if (l4len < 20)
			return;
		if (fix_ack && fl->tcp_seen)
			ng_put32(l4 + 8, fl->tcp_next);
		break;
	default:
		return;
	}
	ng_put16(l4 + off, 0);
	ng_put16(l4 + off, ng_csum_finish(ng_csum_add(
	                       ng_csum_pseudo(src, dst, ip[9], (uint16_t)l4len), l4, l4len)));
	if (ip[9] == NG_IP_PROTO_UDP && ng_get16(l4 + off) == 0)
		ng_put16(l4 + off, 0xffff);
}

/* Feed LEN bytes as one frame, with the destination MAC rewritten as MACMODE says and the
 * checksums repaired as REPAIR says (bit 0 checksums, bit 1 TCP ACK). */
static void fz_frame(struct ng_stack *st, struct ng_iface *ifc, const uint8_t *d, size_t len,
                     unsigned macmode, unsigned repair)
{
	struct ng_pkt *p = ng_pkt_alloc(ng_stack_pool(st));
	uint8_t *b;

	if (!p)
		return; /* pool empty: everything is held by reassembly or the ARP queue */
	if (len > ng_pkt_tailroom(p))
		len = ng_pkt_tailroom(p);
	b = ng_pkt_put(p, (uint32_t)len);
	memcpy(b, d, len);
	if (len >= 6 && (macmode & 3) == 2)
		memset(b, 0xff, 6);
	else if (len >= 6 && (macmode & 1))
		memcpy(b, fz_mac, 6);
	if (repair & 1)
		fz_repair((const struct fz_link *)ng_iface_link(ifc), b, len, repair & 2);
	ng_stack_input(st, ifc, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ng_stack_config cfg;
	struct ng_iface_config ic;
	struct ng_stack *st;
	struct ng_iface *ifc;
	struct ng_udp_sock *echo;
	struct ng_tcp_sock *listener;
	struct ng_tcp_sockopts topts;
	struct fz_link *fl;
	uint64_t now = NG_NS_PER_SEC;
	uint32_t leaked;
	uint8_t mode;
	unsigned repair;

	if (size < 1)
		return 0;
	mode = data[0];
	repair = (mode >> 3) & 3;
	data++;
	size--;

	ng_stack_config_default(&cfg);
	cfg.seed = 862;
	if (mode & 4) {
		cfg.pkt_count = 48;
	} else {
		cfg.pkt_count = 64;
		cfg.pkt_size = 4096;
	}
	cfg.arp_entries = 8;
	cfg.arp_queue = 8;
	cfg.reasm_slots = 4;
	cfg.reasm_max_bytes = 128 * 1024;
	cfg.udp_sockets = 4;
	cfg.tcp_max_conns = 8;
	cfg.tcp_mem_max = 256 * 1024;
	if (ng_stack_create(&cfg, &st))
		abort();

	fl = calloc(1, sizeof(*fl));
	if (!fl)
		abort();
	fl->l.ops = &fz_link_ops;
	snprintf(fl->l.name, sizeof(fl->l.name), "fuzz0");
	fl->l.mtu = FZ_MTU;
	memcpy(fl->l.mac, fz_mac, 6);
	memset(&ic, 0, sizeof(ic));
	ic.addr = NG_IP4(10, 0, 0, 2);
	ic.prefix_len = 24;
	if (ng_stack_add_iface(st, &ic, &fl->l, &ifc) ||
	    ng_stack_set_gateway(st, NG_IP4(10, 0, 0, 1)))
		abort();
	if (ng_udp_open(st, 0, 7, fz_echo, NULL, NULL, &echo))
		abort();
	memset(&topts, 0, sizeof(topts));
	topts.sndbuf = 8192;
	topts.rcvbuf = 8192;
	if (ng_tcp_listen(st, 0, 7, 4, fz_tcp_accept, NULL, &topts, &listener))
		abort();
	ng_stack_poll(st, now);

	if (!(mode & 1)) {
		fz_frame(st, ifc, data, size, (mode & 2) ? 1 : 0, repair);
		ng_stack_poll(st, now + NG_NS_PER_MS);
	} else {
		while (size >= 3) {
			size_t len = ((size_t)data[0] << 8 | data[1]) % (size - 3 + 1);
			unsigned ctl = data[2], shift = (ctl >> 2) % 41;

			if (shift)
				now += 1ull << shift;
			ng_stack_poll(st, now);
			fz_frame(st, ifc, data + 3, len, ctl & 3, repair);
			data += 3 + len;
			size -= 3 + len;
		}
	}
	now += 600 * NG_NS_PER_SEC;
	ng_stack_poll(st, now);

	ng_udp_close(echo);
	ng_tcp_close(listener);
	leaked = ng_stack_destroy(st);
	fl->l.ops->destroy(&fl->l);
	if (leaked) {
		fprintf(stderr, "fuzz_stack_input: %u packets leaked\n", leaked);
		abort();
	}
	return 0;
}
