// SPDX-License-Identifier: MIT
/* NAPT: the IP hook that translates TCP, UDP and ICMP echo between the LAN and the public address.
 */
/*
 * Theory of operation.
 *
 * The stack calls nat_ip_hook() for every valid, reassembled IPv4 datagram (so a fragmented
 * datagram is translated whole and ng_ipv4_send_raw fragments it again if the egress MTU asks).
 *
 * From the LAN, a datagram for the outside is translated or dropped, never routed untranslated:
 * its flow is found by the inside key or created (TCP only by a SYN), the source address and
 * port become the public address and the mapping's port, and the checksums are adjusted by
 * RFC 1624 (IP header, and TCP/UDP through the pseudo-header; a UDP checksum of 0 stays 0).
 * A datagram for the public address itself is hairpinned (RFC 4787 REQ-9, RFC 5382 REQ-8): it
 * is first translated outbound, then handled as if it had arrived on the WAN, so the inside
 * client and the inside server each see the other's public endpoint.
 *
 * From the WAN, a datagram for the public address is found by the outside key; if there is no
 * flow, a port forward or (with open filtering) an existing mapping may create one; else an
 * unsolicited SYN is held for 6 s (RFC 5382 REQ-4) and everything else is left to the stack
 * (which answers ping, ARP, and sends port unreachable) or dropped as filtered.
 *
 * TTL is decremented once per translation; time-exceeded and fragmentation-needed are sent
 * about the untranslated datagram, so the sender can match them against what it sent.
 *
 * Super-segments (the kernel's 64 KiB TCP GSO frames, handed whole by links with rx_whole) are
 * translated as one datagram: the tracker takes their whole sequence range, DF is judged by the
 * segments they stand for, and their TCP checksum is usually partial (NG_PKT_F_CSUM_PARTIAL: the
 * pseudo-header sum, which the egress kernel completes). Such a checksum changes with the
 * addresses the other way round (nat_csum_addr) and not at all with the ports, which it does
 * not cover yet.
 */
#include "nat/nat_internal.h"

/* A datagram being translated: the parsed headers and where the fields live. */
struct xpkt {
	struct ng_pkt *p;
	uint8_t *b; /* IP header */
	struct ng_ipv4_hdr ip;
	uint8_t proto;
	uint8_t *l4;
	uint32_t l4len;
	uint16_t sport, dport; /* ICMP echo: the identifier in both */
	struct ng_tcp_hdr tcp;
	struct ng_icmp_hdr icmp;
	uint8_t quote[68]; /* the untranslated IP header + 8 bytes, for ICMP errors after rewrite */
	uint16_t quote_len;
};

void nat_rewrite32(uint8_t *a, uint32_t v, uint8_t *cs)
{
	uint32_t old = ng_get32(a);

	if (cs)
		ng_put16(cs, ng_csum_update32(ng_get16(cs), old, v));
	ng_put32(a, v);
}

void nat_rewrite16(uint8_t *a, uint16_t v, uint8_t *cs)
{
	uint16_t old = ng_get16(a);

	if (cs)
		ng_put16(cs, ng_csum_update16(ng_get16(cs), old, v));
	ng_put16(a, v);
}

/*
 * The TCP/UDP checksum field CS after a pseudo-header address changed from OLD to NEW. A full
 * checksum follows RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'). A partial one (NG_PKT_F_CSUM_PARTIAL:
 * the field holds the folded pseudo-header sum itself, not its complement, and whoever finishes
 * the checksum adds the header and data to it) takes the change the other way round:
 * S' = S + ~m + m', i.e. the same update applied to the complement of the field.
 */
uint16_t nat_csum_addr(uint16_t cs, uint32_t old, uint32_t new_, bool partial)
{
	if (partial)
		return (uint16_t)~ng_csum_update32((uint16_t)~cs, old, new_);
	return ng_csum_update32(cs, old, new_);
}

/*
 * Rewrite the source (SRC: the address at B + 12, the port at L4) or the destination (B + 16,
 * L4 + 2) of the datagram whose IP header is at B, of protocol PROTO, with L4LEN bytes of its
 * transport header at L4 (at least 8), to ADDR:PORT (ICMP: PORT is the echo identifier). The IP
 * checksum and the transport checksum follow incrementally (RFC 1624), the latter only when it
 * lies within L4LEN (a quote may be cut short) and a UDP datagram has one. PARTIAL: the
 * transport checksum is partial (NG_PKT_F_CSUM_PARTIAL), which takes the address the other way
 * round (nat_csum_addr) and not the port. Which checksum there is, is decided once, before any
 * field changes: an update in between may leave a UDP checksum reading 0 for a moment.
 */
void nat_rewrite_endpoint(uint8_t *b, bool src, uint8_t proto, uint8_t *l4, size_t l4len,
                          uint32_t addr, uint16_t port, bool partial)
{
	uint8_t *a = b + (src ? 12 : 16);
	uint8_t *cs = NULL;

	if (proto == NG_IP_PROTO_TCP && l4len >= 18)
		cs = l4 + 16;
	else if (proto == NG_IP_PROTO_UDP && ng_get16(l4 + 6))
		cs = l4 + 6;
	if (cs)
		ng_put16(cs, nat_csum_addr(ng_get16(cs), ng_get32(a), addr, partial));
	nat_rewrite32(a, addr, b + 10);
	if (proto == NG_IP_PROTO_ICMP)
		nat_rewrite16(l4 + 4, port, l4 + 2);
	else
		nat_rewrite16(l4 + (src ? 0 : 2), port, partial ? NULL : cs);
	/* RFC 768: a computed UDP checksum of 0 is sent as all ones (0 means "none") */
	if (cs && !partial && proto == NG_IP_PROTO_UDP && ng_get16(cs) == 0)
		ng_put16(cs, 0xffff);
}

/* Rewrite the source (SRC) or destination address and port of X, with the IP checksum and the
 * transport checksum (pseudo-header and port) updated incrementally (nat_rewrite_endpoint). */
static void rewrite(struct xpkt *x, bool src, uint32_t addr, uint16_t port)
{
	nat_rewrite_endpoint(x->b, src, x->proto, x->l4, x->l4len, addr, port,
	                     (x->p->flags & NG_PKT_F_CSUM_PARTIAL) != 0);
	if (src) {
		x->ip.src = addr;
		x->sport = port;
	} else {
		x->ip.dst = addr;
		x->dport = port;
	}
}

/* Parse the transport header of X through the wire codecs (checksums verified, except a TCP
 * checksum the link vouched for or left partial: a super-segment's is never complete). A
 * partial UDP checksum is finished first (the links finish those themselves). */
static enum ng_drop parse_l4(struct xpkt *x)
{
	enum ng_drop d;
	struct ng_udp_hdr uh;

	x->proto = x->ip.proto;
	x->l4 = x->b + x->ip.hlen;
	x->l4len = x->ip.tot_len - x->ip.hlen;
	switch (x->proto) {
	case NG_IP_PROTO_TCP:
		if (x->p->flags & (NG_PKT_F_CSUM_PARTIAL | NG_PKT_F_CSUM_VALID))
			d = ng_tcp_parse_nocsum(x->l4, x->l4len, &x->tcp);
		else
			d = ng_tcp_parse(x->l4, x->l4len, x->ip.src, x->ip.dst, &x->tcp);
		x->sport = x->tcp.sport;
		x->dport = x->tcp.dport;
		return d;
	case NG_IP_PROTO_UDP:
		if (x->p->flags & NG_PKT_F_CSUM_PARTIAL)
			ng_ipv4_finish_csum(x->p);
		d = ng_udp_parse(x->l4, x->l4len, x->ip.src, x->ip.dst, &uh);
		x->sport = uh.sport;
		x->dport = uh.dport;
		return d;
	case NG_IP_PROTO_ICMP:
		d = ng_icmp_parse(x->l4, x->l4len, &x->icmp);
		x->sport = x->dport = x->icmp.id;
		return d;
	default:
		return NG_DROP_NAT_UNSUPPORTED;
	}
}

/* Send an ICMP error quoting the LEN bytes at BYTES (an IP header and what follows it). */
static void icmp_error_from_bytes(struct ng_stack *st, const uint8_t *bytes, size_t len,
                                  uint8_t type, uint8_t code, uint16_t mtu)
{
	struct ng_pkt *q = ng_stack_alloc(st);
	uint8_t *d;

	if (!q)
		return;
	d = ng_pkt_put(q, (uint32_t)len);
	if (d) {
		memcpy(d, bytes, len);
		ng_icmp_send_error(st, q, type, code, mtu);
	}
	ng_pkt_free(q);
}

/* Decrement the TTL and hand the translated datagram P to the IP layer (routing, ARP,
 * fragments). The caller checked TTL and MTU on the untranslated datagram. Consumes P. */
void nat_send(struct ng_nat *n, struct ng_pkt *p, bool outbound)
{
	uint8_t *b = ng_pkt_data(p);
	uint16_t oldw = (uint16_t)((b[8] << 8) | b[9]);

	b[8]--;
	ng_put16(b + 10, ng_csum_update16(ng_get16(b + 10), oldw, (uint16_t)((b[8] << 8) | b[9])));
	ng_count(n->st, outbound ? NG_CNT_NAT_TRANSLATED_OUT : NG_CNT_NAT_TRANSLATED_IN, 1);
	ng_ipv4_send_raw(n->st, p);
}

static void send_xlated(struct ng_nat *n, struct xpkt *x, bool outbound)
{
	nat_send(n, x->p, outbound);
	x->p = NULL;
}

/* Whether X, with DF, cannot cross to EGRESS (RFC 1191). A super-segment is judged by the
 * segments it stands for (headers + gso_size): those are what the next hop will carry. */
static bool too_big(const struct xpkt *x, const struct ng_iface *egress)
{
	if (!x->ip.df || x->ip.tot_len <= egress->mtu)
		return false;
	if (x->p->gso_size && x->proto == NG_IP_PROTO_TCP)
		return (uint32_t)x->ip.hlen + x->tcp.hlen + x->p->gso_size > egress->mtu;
	return true;
}

/* RFC 1812 5.3.1 / RFC 1191: checks on the untranslated datagram before it is rewritten. False if
 * it was answered with time-exceeded or fragmentation-needed and dropped (consumed). */
static bool pre_checks(struct ng_nat *n, struct xpkt *x, const struct ng_iface *egress)
{
	if (x->ip.ttl <= 1) {
		ng_icmp_send_error(n->st, x->p, NG_ICMP_TIME_EXCEEDED, 0, 0);
		ng_drop_pkt(n->st, x->p, NG_DROP_IP_TTL);
		x->p = NULL;
		return false;
	}
	if (too_big(x, egress)) {
		ng_icmp_send_error(n->st, x->p, NG_ICMP_DEST_UNREACH, NG_ICMP_FRAG_NEEDED,
		                   (uint16_t)egress->mtu);
		ng_drop_pkt(n->st, x->p, NG_DROP_IP_DF);
		x->p = NULL;
		return false;
	}
	return true;
}

static void drop(struct ng_nat *n, struct xpkt *x, enum ng_drop why)
{
	ng_drop_pkt(n->st, x->p, why);
	x->p = NULL;
}

/* Answer the TCP segment X with a RST from its destination (RFC 9293 3.10.7.1: seq 0, ACK of
 * everything the segment occupied), used when a new flow is refused. */
static void send_rst(struct ng_nat *n, const struct xpkt *x)
{
	struct ng_pkt *q = ng_stack_alloc(n->st);
	struct ng_tcp_hdr h;
	struct ng_ipv4_out o;
	uint8_t *d;

	if (!q)
		return;
	memset(&h, 0, sizeof(h));
	h.sport = x->dport;
	h.dport = x->sport;
	h.seq = (x->tcp.flags & NG_TCP_ACK) ? x->tcp.ack : 0;
	h.ack = x->tcp.seq + (x->l4len - x->tcp.hlen) + !!(x->tcp.flags & NG_TCP_SYN) +
	        !!(x->tcp.flags & NG_TCP_FIN);
	h.flags = NG_TCP_RST | NG_TCP_ACK;
	d = ng_pkt_put(q, NG_TCP_HLEN);
	if (!d || !ng_tcp_emit(d, NG_TCP_HLEN, x->ip.dst, x->ip.src, &h, 0)) {
		ng_pkt_free(q);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.src = x->ip.dst;
	o.dst = x->ip.src;
	o.proto = NG_IP_PROTO_TCP;
	ng_ipv4_output(n->st, q, &o);
	ng_count(n->st, NG_CNT_TCP_RST_TX, 1);
}

/* A new flow for X was refused (table, quota, ports): RST for TCP, ICMP 3/13 otherwise. */
static void refuse(struct ng_nat *n, struct xpkt *x, enum ng_drop why)
{
	if (n->cfg.log_flows) {
		char a[16], b[16];
		nat_logf(n, "refuse %s %s:%u %s:%u (%s)",
		         x->proto == NG_IP_PROTO_TCP   ? "tcp"
		         : x->proto == NG_IP_PROTO_UDP ? "udp"
		                                       : "icmp",
		         ng_ip4_str(x->ip.src, a), x->sport, ng_ip4_str(x->ip.dst, b), x->dport,
		         ng_drop_text(why));
	}
	if (x->proto == NG_IP_PROTO_TCP)
		send_rst(n, x);
	else
		ng_icmp_send_error(n->st, x->p, NG_ICMP_DEST_UNREACH, NG_ICMP_ADMIN_PROHIBITED, 0);
	drop(n, x, why);
}

static bool tcp_pure_syn(const struct xpkt *x)
{
	return (x->tcp.flags & (NG_TCP_SYN | NG_TCP_ACK | NG_TCP_RST | NG_TCP_FIN)) == NG_TCP_SYN;
}

/* RFC 5382 REQ-4: keep an unsolicited inbound SYN for syn_hold_s seconds; an outbound SYN for
 * the same connection in that time drops it silently, else port unreachable is sent. */
static void hold_syn(struct ng_nat *n, struct xpkt *x)
{
	struct nat_held *free_slot = NULL;
	uint32_t i;

	for (i = 0; i < n->n_held; i++) {
		struct nat_held *h = &n->held[i];
		if (!h->used) {
			if (!free_slot)
				free_slot = h;
			continue;
		}
		if (h->rem_addr == x->ip.src && h->rem_port == x->sport &&
		    h->out_port == x->dport) {
			free_slot = NULL; /* a retransmission of a SYN already held */
			break;
		}
	}
	if (free_slot) {
		free_slot->used = true;
		free_slot->rem_addr = x->ip.src;
		free_slot->rem_port = x->sport;
		free_slot->out_port = x->dport;
		free_slot->len = (uint16_t)NG_MIN(x->p->len, sizeof(free_slot->bytes));
		memcpy(free_slot->bytes, x->b, free_slot->len);
		ng_timer_arm(n->st->timers, &free_slot->t,
		             n->st->now + (uint64_t)n->cfg.syn_hold_s * NG_NS_PER_SEC);
	}
	drop(n, x, NG_DROP_NAT_FILTERED);
}

void nat_held_fire(struct ng_timer *t, uint64_t now)
{
	struct nat_held *h = ng_container_of(t, struct nat_held, t);

	(void)now;
	if (!h->used)
		return;
	h->used = false;
	h->n->held_rejected++;
	icmp_error_from_bytes(h->n->st, h->bytes, h->len, NG_ICMP_DEST_UNREACH,
	                      NG_ICMP_PORT_UNREACH, 0);
}

/* An outbound SYN from OUT_PORT to REM: forget a held inbound SYN of the same connection. */
static void unhold(struct ng_nat *n, uint32_t rem_addr, uint16_t rem_port, uint16_t out_port)
{
	uint32_t i;

	for (i = 0; i < n->n_held; i++) {
		struct nat_held *h = &n->held[i];
		if (h->used && h->rem_addr == rem_addr && h->rem_port == rem_port &&
		    h->out_port == out_port) {
			h->used = false;
			ng_timer_cancel(n->st->timers, &h->t);
			n->held_dropped++;
		}
	}
}

/* The --log-flows line of a flow just created, with the state its first packet gave it. */
static void log_new(struct ng_nat *n, struct nat_flow *f)
{
	if (!(f->flags & NAT_F_NEW))
		return;
	f->flags &= (uint8_t)~NAT_F_NEW;
	if (n->cfg.log_flows)
		nat_flow_log(n, f, "new");
}

/* Feed a TCP segment of X travelling OUTBOUND to F's tracker and refresh F. False if the
 * segment must be dropped (consumed). */
static bool track(struct ng_nat *n, struct nat_flow *f, struct xpkt *x, bool outbound)
{
	bool orig = ((f->flags & NAT_F_INBOUND) != 0) != outbound;
	enum ng_nat_tclass c;
	const char *before = NULL;

	f->pkts[outbound ? 0 : 1]++;
	if (!orig)
		f->flags |= NAT_F_REPLIED;
	if (x->proto != NG_IP_PROTO_TCP) {
		nat_flow_touch(n, f, x->proto == NG_IP_PROTO_UDP ? NG_NAT_T_UDP : NG_NAT_T_ICMP);
		log_new(n, f);
		return true;
	}
	if (n->cfg.trace && !(f->flags & NAT_F_NEW))
		before = nat_flow_state(n, f);
	/* a new connection reusing the ports of a finished one starts a fresh track */
	if (ng_tcp_track_done(&f->trk) && tcp_pure_syn(x)) {
		ng_tcp_track_init(&f->trk);
		if (!orig)
			f->flags ^= NAT_F_INBOUND;
		orig = true;
	}
	switch (ng_tcp_track_segment(&f->trk, orig ? NG_TRACK_ORIG : NG_TRACK_REPLY, &x->tcp,
	                             x->l4len - x->tcp.hlen)) {
	case NG_TRACK_OK:
		break;
	case NG_TRACK_WINDOW:
	case NG_TRACK_INVALID:
	default:
		/*
		 * Out of window, or senseless in the tracked state: passed on for the endpoint to
		 * judge, but it moves no state and does not keep the flow alive. Dropping it would
		 * wedge a flow whose state went stale: a client that lost its connection and comes
		 * back from the same port sends a SYN the tracker calls invalid; only if it passes
		 * does the server's challenge ACK (RFC 5961) draw the RST that clears the old
		 * connection at both ends, and in the tracker.
		 */
		n->untracked++;
		return true;
	}
	/* a connection that is over (RST, or both sides closed) sits in the class the table
	 * reclaims first when it is full */
	if (f->trk.reset || ng_tcp_track_done(&f->trk))
		c = NG_NAT_T_TCP_RST;
	else if (ng_tcp_track_established(&f->trk))
		c = NG_NAT_T_TCP_EST;
	else
		c = NG_NAT_T_TCP_TRANS;
	nat_flow_touch(n, f, c);
	log_new(n, f);
	if (before) {
		const char *after = nat_flow_state(n, f);
		if (strcmp(before, after)) {
			char a[16], b[16];
			struct nat_map *m = nat_flow_map(n, f);
			nat_logf(n, "state tcp %s:%u %s:%u %s -> %s", ng_ip4_str(m->in_addr, a),
			         m->in_port, ng_ip4_str(f->rem_addr, b), f->rem_port, before,
			         after);
		}
	}
	return true;
}

/*
 * The inbound half: X is addressed to the public address (from the WAN, or from the LAN after
 * the outbound half of a hairpin). Returns 1 when translated (X->p still held, dst rewritten),
 * 0 when it is not the NAT's (the stack should have it; never for a hairpin), -1 when consumed.
 */
static int inbound(struct ng_nat *n, struct xpkt *x, bool hairpin)
{
	struct nat_flow *f;
	struct nat_map *m;
	enum ng_drop why;

	if (x->proto == NG_IP_PROTO_ICMP) {
		if (x->icmp.type != NG_ICMP_ECHO_REPLY)
			return 0;
		f = nat_flow_lookup_out(n, NG_IP_PROTO_ICMP, x->ip.src, 0, x->icmp.id);
		if (!f)
			return 0;
		goto found;
	}
	f = nat_flow_lookup_out(n, x->proto, x->ip.src, x->sport, x->dport);
	if (f)
		goto found;

	/* no flow: may one be created? (TCP only by a SYN) */
	m = nat_map_lookup_out(n, x->proto, x->dport);
	if (x->proto == NG_IP_PROTO_TCP && !tcp_pure_syn(x)) {
		if (m || hairpin || nat_forward_find(n, x->proto, x->dport)) {
			drop(n, x, NG_DROP_NAT_NO_FLOW);
			return -1;
		}
		return 0;
	}
	if (m && !m->fwd) {
		bool ok = n->cfg.filter == NG_NAT_FILTER_ENDPOINT ||
		          (n->cfg.filter == NG_NAT_FILTER_ADDRESS &&
		           nat_flow_addr_known(n, x->proto, x->ip.src, x->dport));
		if (!ok) {
			if (x->proto == NG_IP_PROTO_TCP)
				hold_syn(n, x);
			else
				drop(n, x, NG_DROP_NAT_FILTERED);
			return -1;
		}
		f = nat_flow_create(n, x->proto, m->in_addr, m->in_port, x->ip.src, x->sport, 0,
		                    NAT_F_INBOUND, &why);
	} else if (m) {
		f = nat_flow_create(n, x->proto, m->in_addr, m->in_port, x->ip.src, x->sport,
		                    x->dport, NAT_F_INBOUND, &why);
	} else {
		const struct ng_nat_forward *fw = nat_forward_find(n, x->proto, x->dport);
		if (!fw) {
			if (x->proto == NG_IP_PROTO_TCP) {
				hold_syn(n, x);
				return -1;
			}
			if (hairpin) {
				drop(n, x, NG_DROP_NAT_NO_FLOW);
				return -1;
			}
			return 0;
		}
		f = nat_flow_create(n, x->proto, fw->in_addr,
		                    (uint16_t)(fw->in_port + (x->dport - fw->port_lo)), x->ip.src,
		                    x->sport, x->dport, NAT_F_INBOUND, &why);
	}
	if (!f) {
		refuse(n, x, why);
		return -1;
	}
found:
	if (!track(n, f, x, false))
		return -1;
	m = nat_flow_map(n, f);
	rewrite(x, false, m->in_addr, m->in_port);
	return 1;
}

/*
 * The outbound half: X comes from inside host X->ip.src for the outside (or for the public
 * address, hairpin). Returns 1 when translated (src rewritten), -1 when consumed.
 */
static int outbound(struct ng_nat *n, struct xpkt *x)
{
	struct nat_flow *f;
	struct nat_map *m;
	enum ng_drop why;
	uint16_t rport = x->proto == NG_IP_PROTO_ICMP ? 0 : x->dport;

	if (x->proto == NG_IP_PROTO_ICMP && x->icmp.type != NG_ICMP_ECHO_REQUEST) {
		drop(n, x, NG_DROP_NAT_UNSUPPORTED);
		return -1;
	}
	f = nat_flow_lookup_in(n, x->proto, x->ip.src, x->sport, x->ip.dst, rport);
	if (!f) {
		if (x->proto == NG_IP_PROTO_TCP && !tcp_pure_syn(x)) {
			drop(n, x, NG_DROP_NAT_NO_FLOW);
			return -1;
		}
		f = nat_flow_create(n, x->proto, x->ip.src, x->sport, x->ip.dst, rport, 0, 0, &why);
		if (!f) {
			refuse(n, x, why);
			return -1;
		}
		if (x->proto == NG_IP_PROTO_TCP)
			unhold(n, x->ip.dst, x->dport, nat_flow_map(n, f)->out_port);
	}
	if (!track(n, f, x, true))
		return -1;
	m = nat_flow_map(n, f);
	rewrite(x, true, n->pub, m->out_port);
	return 1;
}

/* Destinations that are not the NAT's business: the LAN itself, broadcasts (limited, and the WAN
 * subnet's directed one), multicast. The stack delivers or drops them. */
static bool is_local_dst(const struct ng_nat *n, uint32_t dst)
{
	const struct ng_iface *l = n->lan, *w = n->wan;

	return (dst & l->mask) == (l->addr & l->mask) || dst == 0xffffffffu || (dst >> 28) == 0xe ||
	       (w->prefix_len < 31 && dst == (w->addr | ~w->mask));
}

/* A source an inside host may legitimately use: in the LAN subnet, not its network or
 * broadcast address, not ours. Anything else is spoofed and never creates a flow. */
static bool inside_src_ok(const struct ng_nat *n, uint32_t src)
{
	const struct ng_iface *l = n->lan;
	uint32_t host = src & ~l->mask;

	if ((src & l->mask) != (l->addr & l->mask) || src == l->addr)
		return false;
	if (l->prefix_len < 31 && (host == 0 || host == ~l->mask))
		return false;
	return true;
}

static bool from_lan(struct ng_nat *n, struct xpkt *x)
{
	bool hairpin = x->ip.dst == n->pub;
	enum ng_drop d;
	int r;

	if (!hairpin && is_local_dst(n, x->ip.dst))
		return false;
	d = parse_l4(x);
	if (hairpin) {
		/* to the public address: the router's own unless a mapping or forward owns the
		 * port (then hairpin) */
		if (d != NG_DROP_NONE || x->proto == NG_IP_PROTO_ICMP ||
		    (!nat_map_lookup_out(n, x->proto, x->dport) &&
		     !nat_forward_find(n, x->proto, x->dport)))
			return false;
	}
	if (!inside_src_ok(n, x->ip.src)) {
		drop(n, x, NG_DROP_IP_SRC_BAD);
		return true;
	}
	if (d != NG_DROP_NONE) {
		drop(n, x, d);
		return true;
	}
	if (x->proto == NG_IP_PROTO_ICMP && ng_icmp_is_error(x->icmp.type)) {
		if (!nat_icmp_err_out(n, x->p, &x->ip))
			drop(n, x, NG_DROP_NAT_NO_FLOW);
		return true;
	}
	if (!pre_checks(n, x, hairpin ? n->lan : n->wan))
		return true;
	nat_make_room(n);
	r = outbound(n, x);
	if (r > 0 && hairpin) {
		r = inbound(n, x, true);
		if (r == 0)
			drop(n, x, NG_DROP_NAT_NO_FLOW);
	}
	if (r > 0)
		send_xlated(n, x, true);
	return true;
}

static bool from_wan(struct ng_nat *n, struct xpkt *x)
{
	enum ng_drop d;
	int r;

	if (x->ip.dst != n->pub) {
		const struct ng_iface *l = n->lan;
		/* the router's own LAN address, broadcast and multicast go to the stack; an inside
		 * address is never reachable unsolicited from outside */
		if (x->ip.dst == l->addr || x->ip.dst == 0xffffffffu || (x->ip.dst >> 28) == 0xe ||
		    (x->ip.dst & ~n->wan->mask) == ~n->wan->mask)
			return false;
		drop(n, x, NG_DROP_NAT_FILTERED);
		return true;
	}
	d = parse_l4(x);
	if (d != NG_DROP_NONE)
		return false; /* the stack counts it under the same reason */
	if (x->proto == NG_IP_PROTO_ICMP && ng_icmp_is_error(x->icmp.type))
		return nat_icmp_err_in(n, x->p, &x->ip);
	nat_make_room(n);
	r = inbound(n, x, false);
	if (r == 0)
		return false;
	if (r < 0)
		return true;
	/* TTL and MTU are checked after the lookup here (before it, a datagram for the router
	 * itself would be refused); the quote keeps the untranslated header for the error */
	if (x->ip.ttl <= 1 || too_big(x, n->lan)) {
		bool ttl = x->ip.ttl <= 1;
		icmp_error_from_bytes(n->st, x->quote, x->quote_len,
		                      ttl ? NG_ICMP_TIME_EXCEEDED : NG_ICMP_DEST_UNREACH,
		                      ttl ? 0 : NG_ICMP_FRAG_NEEDED, (uint16_t)n->lan->mtu);
		drop(n, x, ttl ? NG_DROP_IP_TTL : NG_DROP_IP_DF);
		return true;
	}
	send_xlated(n, x, false);
	return true;
}

/* The stack's pre-routing hook (st->ip_hook). Consumes P when it returns true. */
bool nat_ip_hook(struct ng_stack *st, void *ctx, struct ng_iface *in, struct ng_pkt *p,
                 const struct ng_ipv4_hdr *ip)
{
	struct ng_nat *n = ctx;
	struct xpkt x;

	(void)st;
	if (in != n->lan && in != n->wan)
		return false;
	if (ng_ipv4_is_fragment(ip) || p->len < ip->tot_len)
		return false; /* not reassembled: the stack's business */
	ng_pkt_trim(p, ip->tot_len);
	memset(&x, 0, sizeof(x));
	x.p = p;
	x.b = ng_pkt_data(p);
	x.ip = *ip;
	x.quote_len = (uint16_t)NG_MIN(p->len, (uint32_t)ip->hlen + 8);
	memcpy(x.quote, x.b, x.quote_len);
	if (in == n->lan)
		return from_lan(n, &x);
	return from_wan(n, &x);
}
