// SPDX-License-Identifier: MIT
/* ICMP error translation (RFC 5508): the outer and the embedded headers, with every checksum. */
/*
 * An ICMP error quotes the datagram that caused it. Crossing the NAT, the error must be
 * translated like the flow it belongs to, and the quoted datagram the other way round (it
 * travelled in the opposite direction): an error arriving on the WAN quotes a datagram the NAT
 * sent from the public address, so the quote's source goes back to the inside host and the
 * outer destination follows. The quote's IP checksum and, when the quote holds it, its
 * transport checksum are adjusted incrementally; the ICMP checksum, which covers the whole
 * quote, is computed anew (the message was verified on arrival). An error never changes or
 * removes a flow (RFC 5382 REQ-10; the same for UDP and ICMP flows).
 *
 * The router's own errors about translated datagrams are made from the untranslated datagram:
 * TTL and MTU errors before the rewrite (napt.c), and a host unreachable after ARP gave up on
 * the next hop by undoing the rewrite first (nat_arp_unreach), so no error ever quotes an
 * inside address to the outside or the public endpoint to an inside host.
 */
#include "nat/nat_internal.h"

struct icmp_err {
	uint8_t *b;    /* outer IP header */
	uint8_t *icmp; /* ICMP header */
	size_t icmp_len;
	uint8_t *inner; /* quoted IP header */
	struct ng_ipv4_hdr in;
	uint8_t *l4; /* quoted transport header, at least 8 bytes */
	size_t l4len;
};

/* Parse the ICMP error in P (data at the IP header) and its quote. False if malformed. */
static bool parse_err(struct ng_pkt *p, const struct ng_ipv4_hdr *ip, struct icmp_err *e)
{
	struct ng_icmp_hdr h;
	size_t l4off;

	e->b = ng_pkt_data(p);
	e->icmp = e->b + ip->hlen;
	e->icmp_len = ip->tot_len - ip->hlen;
	if (ng_icmp_parse(e->icmp, e->icmp_len, &h) != NG_DROP_NONE)
		return false;
	if (ng_icmp_inner(e->icmp, e->icmp_len, &h, &e->in, &l4off, &e->l4len) != NG_DROP_NONE)
		return false;
	if (e->l4len < 8)
		return false;
	e->inner = e->icmp + h.data_off;
	e->l4 = e->icmp + l4off;
	return true;
}

/* Rewrite the quoted datagram's source (SRC) or destination address and port to ADDR:PORT. */
static void rewrite_quote(struct icmp_err *e, bool src, uint32_t addr, uint16_t port)
{
	nat_rewrite_endpoint(e->inner, src, e->in.proto, e->l4, e->l4len, addr, port, false);
}

static void finish(struct icmp_err *e)
{
	ng_put16(e->icmp + 2, 0);
	ng_put16(e->icmp + 2, ng_csum(e->icmp, e->icmp_len));
}

/* An ICMP error from the WAN for the public address. True if it belonged to a flow (then it was
 * translated and sent to the inside host, or dropped), false to leave it to the stack. */
bool nat_icmp_err_in(struct ng_nat *n, struct ng_pkt *p, const struct ng_ipv4_hdr *ip)
{
	struct icmp_err e;
	struct nat_flow *f;
	struct nat_map *m;

	if (!parse_err(p, ip, &e) || e.in.src != n->pub)
		return false;
	if (e.in.proto == NG_IP_PROTO_TCP || e.in.proto == NG_IP_PROTO_UDP)
		f = nat_flow_lookup_out(n, e.in.proto, e.in.dst, ng_get16(e.l4 + 2),
		                        ng_get16(e.l4));
	else if (e.in.proto == NG_IP_PROTO_ICMP && e.l4[0] == NG_ICMP_ECHO_REQUEST)
		f = nat_flow_lookup_out(n, NG_IP_PROTO_ICMP, e.in.dst, 0, ng_get16(e.l4 + 4));
	else
		f = NULL;
	if (!f)
		return false;
	if (ip->ttl <= 1) {
		ng_drop_pkt(n->st, p, NG_DROP_IP_TTL); /* never an error about an error */
		return true;
	}
	m = nat_flow_map(n, f);
	nat_rewrite32(e.b + 16, m->in_addr, e.b + 10);
	rewrite_quote(&e, true, m->in_addr, m->in_port);
	finish(&e);
	nat_send(n, p, false);
	return true;
}

/* An ICMP error from an inside host about a datagram that reached it through a flow. True if
 * translated and sent (consumed); false if no flow matches (the caller drops it). */
bool nat_icmp_err_out(struct ng_nat *n, struct ng_pkt *p, const struct ng_ipv4_hdr *ip)
{
	struct icmp_err e;
	struct nat_flow *f = NULL;
	struct nat_map *m;

	if (!parse_err(p, ip, &e))
		return false;
	if (e.in.proto == NG_IP_PROTO_TCP || e.in.proto == NG_IP_PROTO_UDP)
		f = nat_flow_lookup_in(n, e.in.proto, e.in.dst, ng_get16(e.l4 + 2), e.in.src,
		                       ng_get16(e.l4));
	if (!f)
		return false;
	if (ip->ttl <= 1) {
		ng_drop_pkt(n->st, p, NG_DROP_IP_TTL);
		return true;
	}
	m = nat_flow_map(n, f);
	nat_rewrite32(e.b + 12, n->pub, e.b + 10);
	rewrite_quote(&e, false, n->pub, m->out_port);
	finish(&e);
	nat_send(n, p, true);
	return true;
}

/*
 * ARP's unreachable hook (ng_arp_set_unreach_hook): P is a datagram the router forwarded whose
 * next hop never answered. If the NAT translated it, its header is put back as its sender wrote
 * it (addresses, ports, checksums, the TTL nat_send took), so the host unreachable the stack then
 * sends quotes the sender's own datagram, as RFC 5508 asks of errors about translated packets,
 * and an inside address never leaks to the outside. Returns false (no error is sent) for a
 * datagram that is not a flow's: the NAT forwards nothing untranslated, so it cannot be judged.
 */
bool nat_arp_unreach(struct ng_stack *st, void *ctx, struct ng_pkt *p)
{
	struct ng_nat *n = ctx;
	struct ng_ipv4_hdr ip;
	struct nat_flow *f;
	struct nat_map *m;
	uint8_t *b = ng_pkt_data(p), *l4;
	size_t l4len;
	uint16_t sport, dport, oldw;
	bool restored = false, partial = (p->flags & NG_PKT_F_CSUM_PARTIAL) != 0;

	(void)st;
	if (ng_ipv4_parse_embedded(b, p->len, &ip) != NG_DROP_NONE || ip.frag_off != 0)
		return false;
	l4 = b + ip.hlen;
	l4len = NG_MIN((size_t)p->len, (size_t)ip.tot_len) - ip.hlen;
	if (l4len < 8)
		return false;
	if (ip.proto == NG_IP_PROTO_TCP || ip.proto == NG_IP_PROTO_UDP) {
		sport = ng_get16(l4);
		dport = ng_get16(l4 + 2);
	} else if (ip.proto == NG_IP_PROTO_ICMP &&
	           (l4[0] == NG_ICMP_ECHO_REQUEST || l4[0] == NG_ICMP_ECHO_REPLY)) {
		sport = dport = ng_get16(l4 + 4);
	} else {
		return false;
	}
	/* inbound (and the inbound half of a hairpin): the destination was the public endpoint */
	f = nat_flow_lookup_in(n, ip.proto, ip.dst, dport, ip.src,
	                       ip.proto == NG_IP_PROTO_ICMP ? 0 : sport);
	if (f) {
		dport = nat_flow_map(n, f)->out_port;
		nat_rewrite_endpoint(b, false, ip.proto, l4, l4len, n->pub, dport, partial);
		ip.dst = n->pub;
		restored = true;
	}
	/* outbound (and the outbound half of a hairpin): the source was the inside endpoint */
	if (ip.src == n->pub) {
		f = nat_flow_lookup_out(n, ip.proto, ip.dst,
		                        ip.proto == NG_IP_PROTO_ICMP ? 0 : dport, sport);
		if (!f)
			return false;
		m = nat_flow_map(n, f);
		nat_rewrite_endpoint(b, true, ip.proto, l4, l4len, m->in_addr, m->in_port, partial);
		restored = true;
	}
	if (!restored)
		return false;
	oldw = ng_get16(b + 8);
	b[8]++;
	ng_put16(b + 10, ng_csum_update16(ng_get16(b + 10), oldw, ng_get16(b + 8)));
	return true;
}
