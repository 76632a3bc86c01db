// SPDX-License-Identifier: MIT
/* IPv4 (RFC 791, RFC 1122, RFC 1812): input checks, local delivery, forwarding, output and
 * fragmentation. */
#include "link/link_internal.h"
#include "net/net_internal.h"

/*
 * Theory of operation.
 *
 * Input: the header is parsed (and so validated) by the wire codec, Ethernet padding past the
 * total length is cut off, and martian sources are refused. A datagram is ours when its
 * destination is one of our addresses, the limited broadcast or the subnet broadcast of one of
 * our interfaces. Fragments are reassembled when the datagram is ours, or when a pre-routing hook
 * (the NAT) wants whole datagrams; forwarded fragments otherwise pass as they are. The hook sees
 * every valid datagram next and may take it; what it leaves is delivered to the protocol handler
 * registered for it, forwarded (router mode) or dropped.
 *
 * Output: the header is pushed in front of the transport data, the route picks the interface and
 * next hop, and a datagram larger than the interface MTU is cut into fragments whose payloads are
 * multiples of 8 bytes (RFC 791 3.2), or refused when DF is set. ARP sends or parks each frame.
 *
 * Super-segments: a TCP/IPv4 datagram with a gso_size (our TCP's TSO output, or the kernel's
 * GSO frame a link handed over whole, see struct ng_link rx_whole) stands for segments of
 * gso_size payload bytes each. It is judged by those segments, not by its own length: it leaves
 * whole through a link that cuts it (NG_LINK_TX_TSO4) when they fit the MTU, and is cut here
 * into ordinary segments otherwise (a capture or fault wrapper, or a smaller next-hop MTU);
 * with DF and segments too big, one frag-needed answers it. A checksum left partial
 * (NG_PKT_F_CSUM_PARTIAL) is finished before fragmenting and by Ethernet output for a link
 * without checksum offload.
 *
 * A datagram we send to one of our own addresses is not looped back: there is no loopback
 * interface, so it is dropped as IP_NO_ROUTE and the sender gets -NG_EHOSTUNREACH.
 */

#define DEFAULT_TTL 64

/* Sources no datagram may carry (RFC 1812 5.3.7): this network, loopback, multicast, class E and
 * the limited broadcast, and the subnet broadcast of the interface it arrived on. */
static bool martian_src(const struct ng_iface *ifc, uint32_t src)
{
	uint8_t top = (uint8_t)(src >> 24);
	if (top == 0 || top == 127 || top >= 224)
		return true;
	return ifc->prefix_len < 31 && src == (ifc->addr | ~ifc->mask);
}

/* Is DST a broadcast address of ours (limited, or the subnet broadcast of an interface)? */
static bool is_broadcast(struct ng_stack *st, uint32_t dst)
{
	if (dst == 0xffffffffu)
		return true;
	for (unsigned i = 0; i < st->n_ifaces; i++) {
		const struct ng_iface *ifc = &st->ifaces[i];
		if (ifc->addr && ifc->prefix_len < 31 && dst == (ifc->addr | ~ifc->mask))
			return true;
	}
	return false;
}

/* Hand a local datagram to its protocol; unknown protocols get a protocol unreachable. */
static void deliver(struct ng_stack *st, struct ng_pkt *p, const struct ng_ipv4_hdr *ip)
{
	ng_proto_input_fn fn = st->proto_input[ip->proto];

	/* ICMP is part of IP (RFC 792): it works without anyone registering it. */
	if (!fn && ip->proto == NG_IP_PROTO_ICMP)
		fn = ng_icmp_input;
	if (!fn) {
		/* RFC 1122 3.2.2.1; ng_icmp_send_error declines for broadcasts. */
		ng_icmp_send_error(st, p, NG_ICMP_DEST_UNREACH, NG_ICMP_PROTO_UNREACH, 0);
		ng_drop_pkt(st, p, NG_DROP_IP_PROTO);
		return;
	}
	ng_pkt_pull(p, ip->hlen);
	fn(st, p, ip);
}

/* The options a fragment after the first carries: those with the copied flag (RFC 791 3.1). */
static void copied_options(const struct ng_ipv4_hdr *ip, struct ng_ipv4_hdr *out)
{
	uint8_t n = 0;
	uint8_t i = 0;

	*out = *ip;
	memset(out->opts, 0, sizeof(out->opts));
	while (i < ip->opt_len) {
		uint8_t type = ip->opts[i], len;
		if (type == 0)
			break;
		if (type == 1) {
			i++;
			continue;
		}
		if (i + 1 >= ip->opt_len)
			break;
		len = ip->opts[i + 1];
		if (len < 2 || i + len > ip->opt_len)
			break;
		if (type & 0x80) {
			memcpy(out->opts + n, ip->opts + i, len);
			n = (uint8_t)(n + len);
		}
		i = (uint8_t)(i + len);
	}
	out->opt_len = (uint8_t)((n + 3) & ~3);
	out->hlen = (uint8_t)(NG_IP_HLEN + out->opt_len);
}

/*
 * Cut datagram P (header IP, larger than IFC's MTU, DF clear) into fragments sent to NEXTHOP.
 * Each fragment is a fresh packet; an already fragmented datagram keeps its offset base and MF.
 * Consumes P. 0, or the first error met (the remaining fragments are still tried).
 */
static int fragment(struct ng_stack *st, struct ng_iface *ifc, uint32_t nexthop, struct ng_pkt *p,
                    const struct ng_ipv4_hdr *ip)
{
	const uint8_t *data = ng_pkt_data(p) + ip->hlen;
	uint32_t payload = ip->tot_len - ip->hlen, off = 0;
	struct ng_ipv4_hdr rest;
	int rc = 0;

	/* the fragments are fresh packets, finished ones: the checksum must be complete first */
	if (p->flags & NG_PKT_F_CSUM_PARTIAL)
		ng_ipv4_finish_csum(p);
	copied_options(ip, &rest);
	while (off < payload) {
		const struct ng_ipv4_hdr *tmpl = off == 0 ? ip : &rest;
		uint32_t room = (ifc->mtu - tmpl->hlen) & ~7u;
		uint32_t n = payload - off;
		struct ng_ipv4_hdr h = *tmpl;
		struct ng_pkt *q;
		uint8_t *b;
		int r;

		if (n > room)
			n = room;
		q = ng_stack_alloc(st);
		if (!q) {
			rc = -NG_ENOBUFS;
			break;
		}
		b = ng_pkt_put(q, tmpl->hlen + n);
		memcpy(b + tmpl->hlen, data + off, n);
		h.tot_len = (uint16_t)(tmpl->hlen + n);
		h.frag_off = (uint16_t)(ip->frag_off + off);
		h.mf = off + n < payload || ip->mf;
		h.df = false;
		ng_ipv4_emit(b, h.hlen, &h);
		q->l3 = q->off;
		ng_count(st, NG_CNT_IP_FRAG_TX, 1);
		r = ng_arp_output(st, ifc, q, nexthop);
		if (r < 0 && !rc)
			rc = r;
		off += n;
	}
	ng_pkt_free(p);
	return rc;
}

/*
 * Whether P, a TCP/IPv4 super-segment (gso_size set; data at the IP header, or at the TCP header
 * when IP_TO_COME is the IP header length still to be pushed), may go to IFC whole: its link
 * cuts super-segments (NG_LINK_TX_TSO4) and every segment it stands for fits the MTU. Such a
 * datagram is longer than the MTU and must be neither fragmented nor refused. P is our own (the
 * TCP sender's) or a super-segment received whole, whose headers were parsed on the way in.
 */
bool ng_ipv4_tso_fits(const struct ng_iface *ifc, const struct ng_pkt *p, uint32_t ip_to_come)
{
	const uint8_t *d = ng_pkt_data(p);
	uint32_t hdrs;

	if (!p->gso_size || !(ifc->link->tx_offload & NG_LINK_TX_TSO4))
		return false;
	if (ip_to_come) {
		if (p->len < 20)
			return false;
		hdrs = ip_to_come + (uint32_t)(d[12] >> 4) * 4;
	} else {
		if (p->len < 20 || (uint32_t)(d[0] & 0x0f) * 4 + 20 > p->len)
			return false;
		hdrs = (uint32_t)(d[0] & 0x0f) * 4;
		hdrs += (uint32_t)(d[hdrs + 12] >> 4) * 4;
	}
	return hdrs + p->gso_size <= ifc->mtu;
}

/* IP + TCP header length of the datagram at B whose IP header IP was parsed (by the wire codec,
 * so B holds its tot_len bytes): its TCP header parsed too (no checksum: a super-segment's is
 * partial); 0 when it is no TCP datagram, is a fragment, or its TCP header does not parse. */
static uint32_t tcp_hdrs(const uint8_t *b, const struct ng_ipv4_hdr *ip)
{
	struct ng_tcp_hdr th;

	if (ip->proto != NG_IP_PROTO_TCP || ng_ipv4_is_fragment(ip) ||
	    ng_tcp_parse_nocsum(b + ip->hlen, ip->tot_len - ip->hlen, &th) != NG_DROP_NONE)
		return 0;
	return (uint32_t)ip->hlen + th.hlen;
}

/* IP + TCP header length of the TCP/IPv4 datagram at B (LEN bytes), parsed by the wire codecs
 * (no checksum: a super-segment's is partial); 0 when it is not one, or is a fragment. */
uint32_t ng_ipv4_gso_hdrs(const uint8_t *b, size_t len)
{
	struct ng_ipv4_hdr ip;

	if (ng_ipv4_parse(b, len, &ip) != NG_DROP_NONE)
		return 0;
	return tcp_hdrs(b, &ip);
}

/* Finish P's partial checksum as a NIC would (RFC 1071 sum over the transport header and data,
 * the field holding the pseudo-header sum; RFC 768: a UDP result of 0 is sent as all ones). P is
 * ours or was parsed on the way in; a datagram too short for its field is left alone. */
void ng_ipv4_finish_csum(struct ng_pkt *p)
{
	const uint8_t *d = ng_pkt_data(p);
	uint32_t ihl, len, at;

	p->flags &= (uint8_t)~NG_PKT_F_CSUM_PARTIAL;
	if (p->len < 20)
		return;
	ihl = (uint32_t)(d[0] & 0x0f) * 4;
	len = NG_MIN(p->len, (uint32_t)ng_get16(d + 2));
	at = d[9] == NG_IP_PROTO_TCP ? 16 : d[9] == NG_IP_PROTO_UDP ? 6 : 0;
	if (!at || !ng_link_finish_csum(ng_pkt_data(p), len, ihl, at))
		return;
	p->flags |= NG_PKT_F_CSUM_VALID;
}

/*
 * Super-segment P (header IP, gso_size set) is to leave through IFC, whose link cannot cut it
 * (no NG_LINK_TX_TSO4: a capture or fault wrapper) or whose MTU its segments exceed: cut it here
 * into the ordinary segments it stands for, with complete checksums (ng_link_segment_tcp4_chain,
 * the links' own cutter), and send each as any datagram (fragmented if it must be and may be).
 * With DF and segments too big for the MTU, one frag-needed (RFC 1191) answers the whole, as it
 * would the first of its segments. HDRS is its IP + TCP header length (tcp_hdrs; 0 when the TCP
 * header did not parse). Consumes P. 0, or the first error met.
 */
static int gso_cut(struct ng_stack *st, struct ng_iface *ifc, uint32_t nexthop, struct ng_pkt *p,
                   const struct ng_ipv4_hdr *ip, uint32_t hdrs)
{
	struct ng_pkt *chain, *q;
	int rc = 0;

	if (!hdrs) {
		/* no TCP header to cut by: malformed, not too big (no frag-needed for it) */
		ng_drop_pkt(st, p, NG_DROP_IP_LEN);
		return -NG_EINVAL;
	}
	if (ip->df && hdrs + p->gso_size > ifc->mtu) {
		ng_icmp_send_error(st, p, NG_ICMP_DEST_UNREACH, NG_ICMP_FRAG_NEEDED,
		                   (uint16_t)ifc->mtu);
		ng_drop_pkt(st, p, NG_DROP_IP_DF);
		return -NG_EMSGSIZE;
	}
	if (!ng_link_segment_tcp4_chain(st->pool, ng_pkt_data(p), p->len, 0, p->gso_size, &chain)) {
		ng_drop_pkt(st, p, NG_DROP_NOBUF);
		return -NG_ENOBUFS;
	}
	ng_count(st, NG_CNT_IP_GSO_CUT, 1);
	ng_pkt_free(p);
	while ((q = chain)) {
		struct ng_ipv4_hdr h;
		int r;

		chain = q->next;
		q->next = NULL;
		q->l3 = q->off;
		if (q->len <= ifc->mtu) {
			r = ng_arp_output(st, ifc, q, nexthop);
		} else if (ng_ipv4_parse(ng_pkt_data(q), q->len, &h) == NG_DROP_NONE) {
			r = fragment(st, ifc, nexthop, q, &h);
		} else {
			ng_drop_pkt(st, q, NG_DROP_IP_LEN);
			r = -NG_EINVAL;
		}
		if (r < 0 && !rc)
			rc = r;
	}
	return rc;
}

/*
 * Route and send datagram P whose header is IP (data at the header, length tot_len): directly
 * when it fits the interface (a super-segment: when its link cuts it and its segments fit), in
 * fragments when it may be fragmented, else refused (with a frag-needed to a foreign source,
 * RFC 1191). A super-segment that cannot leave whole is cut here. Consumes P.
 */
static int xmit(struct ng_stack *st, struct ng_pkt *p, const struct ng_ipv4_hdr *ip)
{
	struct ng_iface *ifc;
	uint32_t nexthop;

	if (!ng_route(st, ip->dst, &ifc, &nexthop)) {
		ng_icmp_send_error(st, p, NG_ICMP_DEST_UNREACH, NG_ICMP_NET_UNREACH, 0);
		ng_drop_pkt(st, p, NG_DROP_IP_NO_ROUTE);
		return -NG_EHOSTUNREACH;
	}
	if (ng_iface_by_addr(st, ip->dst)) {
		ng_drop_pkt(st, p, NG_DROP_IP_NO_ROUTE);
		return -NG_EHOSTUNREACH;
	}
	p->l3 = p->off;
	if (p->gso_size) {
		uint32_t hdrs;

		if (ng_ipv4_tso_fits(ifc, p, 0)) {
			ng_count(st, NG_CNT_IP_GSO_FORWARDED, 1);
			return ng_arp_output(st, ifc, p, nexthop);
		}
		/* IP is parsed and P trimmed to it: only the TCP header is left to parse, once */
		hdrs = p->len >= ip->tot_len ? tcp_hdrs(ng_pkt_data(p), ip) : 0;
		if (!hdrs || ip->tot_len - hdrs > p->gso_size)
			return gso_cut(st, ifc, nexthop, p, ip, hdrs);
		p->gso_size = 0; /* it stands for one segment: an ordinary datagram */
	}
	if (ip->tot_len <= ifc->mtu)
		return ng_arp_output(st, ifc, p, nexthop);
	if (ip->df) {
		ng_icmp_send_error(st, p, NG_ICMP_DEST_UNREACH, NG_ICMP_FRAG_NEEDED,
		                   (uint16_t)ifc->mtu);
		ng_drop_pkt(st, p, NG_DROP_IP_DF);
		return -NG_EMSGSIZE;
	}
	return fragment(st, ifc, nexthop, p, ip);
}

/* Router mode: RFC 1812 5.3.1 TTL handling, then out through the routing table. Consumes P. */
static void forward(struct ng_stack *st, struct ng_pkt *p, struct ng_ipv4_hdr *ip)
{
	uint8_t top = (uint8_t)(ip->dst >> 24);

	if (top == 0 || top == 127 || top >= 224) {
		/* RFC 1812 5.3.7: never forwarded. */
		ng_drop_pkt(st, p, NG_DROP_IP_NOT_US);
		return;
	}
	if (ip->ttl <= 1) {
		ng_icmp_send_error(st, p, NG_ICMP_TIME_EXCEEDED, 0, 0);
		ng_drop_pkt(st, p, NG_DROP_IP_TTL);
		return;
	}
	ip->ttl--;
	ng_ipv4_emit(ng_pkt_data(p), ip->hlen, ip);
	ng_count(st, NG_CNT_IP_FORWARDED, 1);
	xmit(st, p, ip);
}

/*
 * A datagram from IFC, data at the IP header. Validates, reassembles, offers it to the hook, then
 * delivers, forwards or drops it (see the theory above). Consumes P.
 */
void ng_ipv4_input(struct ng_stack *st, struct ng_iface *ifc, struct ng_pkt *p)
{
	struct ng_ipv4_hdr ip;
	enum ng_drop why;
	bool local;

	why = ng_ipv4_parse(ng_pkt_data(p), p->len, &ip);
	if (why != NG_DROP_NONE) {
		ng_drop_pkt(st, p, why);
		return;
	}
	ng_count(st, NG_CNT_IP_RX, 1);
	ng_pkt_trim(p, ip.tot_len); /* Ethernet pads short frames to 60 bytes */
	/* A datagram claiming to come from us arrived from outside: spoofed or looped. */
	if (martian_src(ifc, ip.src) || ng_iface_by_addr(st, ip.src)) {
		ng_drop_pkt(st, p, NG_DROP_IP_SRC_BAD);
		return;
	}
	local = ng_iface_by_addr(st, ip.dst) || is_broadcast(st, ip.dst);
	if (!local && !st->cfg.forwarding && !st->ip_hook) {
		ng_drop_pkt(st, p, NG_DROP_IP_NOT_US);
		return;
	}
	if (ng_ipv4_is_fragment(&ip) && (local || st->ip_hook)) {
		ng_count(st, NG_CNT_IP_FRAG_RX, 1);
		p = ng_reasm_input(st, p, &ip);
		if (!p)
			return;
		p->ifc = ifc;
		why = ng_ipv4_parse(ng_pkt_data(p), p->len, &ip);
		if (why != NG_DROP_NONE) {
			ng_drop_pkt(st, p, NG_DROP_IP_FRAG_BAD);
			return;
		}
	}
	if (st->ip_hook && st->ip_hook(st, st->ip_hook_ctx, ifc, p, &ip))
		return;
	if (local)
		deliver(st, p, &ip);
	else if (st->cfg.forwarding)
		forward(st, p, &ip);
	else
		ng_drop_pkt(st, p, NG_DROP_IP_NOT_US);
}

/*
 * Send transport data P (data at the transport header) as one IPv4 datagram described by O, with
 * the next IP ID. Consumes P. 0 (sent or waiting for ARP), -NG_EHOSTUNREACH (no route, or our own
 * address), -NG_EMSGSIZE (over 65535 bytes, or over the MTU with DF), -NG_ENOBUFS.
 */
int ng_ipv4_output(struct ng_stack *st, struct ng_pkt *p, const struct ng_ipv4_out *o)
{
	struct ng_ipv4_hdr h;
	struct ng_iface *ifc;
	uint32_t nexthop, total = p->len + NG_IP_HLEN;
	uint8_t *b;
	bool whole;

	if (!ng_route(st, o->dst, &ifc, &nexthop) || ng_iface_by_addr(st, o->dst)) {
		ng_drop_pkt(st, p, NG_DROP_IP_NO_ROUTE);
		return -NG_EHOSTUNREACH;
	}
	if (total > 0xffff) {
		ng_drop_pkt(st, p, NG_DROP_IP_LEN);
		return -NG_EMSGSIZE;
	}
	/* a super-segment whose segments fit the MTU leaves whole (judged once, before the IP
	 * header is pushed) */
	whole = total > ifc->mtu && ng_ipv4_tso_fits(ifc, p, NG_IP_HLEN);
	if (o->df && total > ifc->mtu && !whole) {
		ng_drop_pkt(st, p, NG_DROP_IP_DF);
		return -NG_EMSGSIZE;
	}
	b = ng_pkt_push(p, NG_IP_HLEN);
	if (!b) {
		ng_drop_pkt(st, p, NG_DROP_NOBUF);
		return -NG_ENOBUFS;
	}
	memset(&h, 0, sizeof(h));
	h.hlen = NG_IP_HLEN;
	h.tos = o->tos;
	h.tot_len = (uint16_t)total;
	h.id = st->ip_id++;
	h.df = o->df;
	h.ttl = o->ttl ? o->ttl : DEFAULT_TTL;
	h.proto = o->proto;
	h.src = o->src ? o->src : ifc->addr;
	h.dst = o->dst;
	ng_ipv4_emit(b, NG_IP_HLEN, &h);
	p->l3 = p->off;
	ng_count(st, NG_CNT_IP_TX, 1);
	if (total <= ifc->mtu || whole)
		return ng_arp_output(st, ifc, p, nexthop);
	return fragment(st, ifc, nexthop, p, &h);
}

/* Send a complete datagram P (data at its IP header; NAT and forwarding). Consumes P. */
int ng_ipv4_send_raw(struct ng_stack *st, struct ng_pkt *p)
{
	struct ng_ipv4_hdr ip;
	enum ng_drop why = ng_ipv4_parse(ng_pkt_data(p), p->len, &ip);

	if (why != NG_DROP_NONE) {
		ng_drop_pkt(st, p, why);
		return -NG_EINVAL;
	}
	ng_pkt_trim(p, ip.tot_len);
	ng_count(st, NG_CNT_IP_TX, 1);
	return xmit(st, p, &ip);
}

/* Transport bytes that fit one unfragmented datagram towards DST (576 - 20 when unroutable). */
uint32_t ng_ipv4_mtu_to(struct ng_stack *st, uint32_t dst)
{
	struct ng_iface *ifc;
	uint32_t nexthop;

	if (!ng_route(st, dst, &ifc, &nexthop))
		return 576 - NG_IP_HLEN;
	return ifc->mtu - NG_IP_HLEN;
}

/* Install the input and ICMP-error handlers of transport protocol PROTO. */
void ng_ipv4_register(struct ng_stack *st, uint8_t proto, ng_proto_input_fn in, ng_proto_err_fn err)
{
	st->proto_input[proto] = in;
	st->proto_err[proto] = err;
}
