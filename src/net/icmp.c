// SPDX-License-Identifier: MIT
/* ICMP (RFC 792, RFC 1122 3.2.2): echo replies, errors to the transports, rate-limited errors. */
#include "net/net_internal.h"

/* RFC 1812 4.3.2.3: an error quotes as much of the datagram as fits in 576 bytes. */
#define ICMP_ERR_MAX 576

/* A host's unicast address, i.e. one an error may be sent to (RFC 1122 3.2.2). */
static bool unicast_host(struct ng_stack *st, uint32_t a)
{
	uint8_t top = (uint8_t)(a >> 24);
	for (unsigned i = 0; i < st->n_ifaces; i++) {
		const struct ng_iface *ifc = &st->ifaces[i];
		if (ifc->addr && ifc->prefix_len < 31 && a == (ifc->addr | ~ifc->mask))
			return false;
	}
	return top != 0 && top != 127 && top < 224;
}

/* Map an ICMP error to the transport's errno-style code (RFC 1122 3.2.2.1, 4.1.3.3). */
static int map_error(const struct ng_icmp_hdr *h)
{
	if (h->type == NG_ICMP_TIME_EXCEEDED)
		return -NG_ETIMEDOUT;
	if (h->type == NG_ICMP_PARAM_PROBLEM)
		return -NG_EHOSTUNREACH;
	switch (h->code) {
	case NG_ICMP_NET_UNREACH:
		return -NG_ENETUNREACH;
	case NG_ICMP_PROTO_UNREACH:
	case NG_ICMP_PORT_UNREACH:
		return -NG_ECONNREFUSED;
	case NG_ICMP_FRAG_NEEDED:
		return -NG_EMSGSIZE;
	default:
		return -NG_EHOSTUNREACH;
	}
}

/* An error about a datagram we sent: pass it to the transport that sent it. Consumes P. */
static void error_input(struct ng_stack *st, struct ng_pkt *p, const struct ng_icmp_hdr *h)
{
	struct ng_ipv4_hdr inner;
	size_t l4_off, l4_len;
	ng_proto_err_fn fn;
	enum ng_drop why;

	why = ng_icmp_inner(ng_pkt_data(p), p->len, h, &inner, &l4_off, &l4_len);
	if (why != NG_DROP_NONE) {
		ng_drop_pkt(st, p, why);
		return;
	}
	if (l4_len < 8) {
		ng_drop_pkt(st, p, NG_DROP_ICMP_SHORT);
		return;
	}
	/* It must quote a datagram of ours; anything else is forged or misrouted. */
	fn = st->proto_err[inner.proto];
	if (!ng_iface_by_addr(st, inner.src) || !fn) {
		ng_drop_pkt(st, p, NG_DROP_ICMP_TYPE);
		return;
	}
	fn(st, &inner, ng_pkt_data(p) + l4_off, l4_len, map_error(h),
	   h->type == NG_ICMP_DEST_UNREACH && h->code == NG_ICMP_FRAG_NEEDED ? h->mtu : 0);
	ng_pkt_free(p);
}

/* RFC 792 echo: answer with the same identifier, sequence and data, from the address asked. */
static void echo_input(struct ng_stack *st, struct ng_pkt *p, const struct ng_ipv4_hdr *ip,
                       const struct ng_icmp_hdr *h)
{
	struct ng_icmp_hdr r;
	struct ng_ipv4_out o;

	if (!ng_iface_by_addr(st, ip->dst)) {
		/* RFC 1122 3.2.2.6 lets a host ignore broadcast echo (smurf amplification). */
		ng_drop_pkt(st, p, NG_DROP_ICMP_TYPE);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.type = NG_ICMP_ECHO_REPLY;
	r.id = h->id;
	r.seq = h->seq;
	r.rest = h->rest;
	ng_icmp_emit(ng_pkt_data(p), p->len, &r, p->len - NG_ICMP_HLEN);
	memset(&o, 0, sizeof(o));
	o.src = ip->dst;
	o.dst = ip->src;
	o.proto = NG_IP_PROTO_ICMP;
	o.tos = ip->tos;
	ng_count(st, NG_CNT_ICMP_ECHO_REPLIED, 1);
	ng_count(st, NG_CNT_ICMP_TX, 1);
	ng_ipv4_output(st, p, &o);
}

/* An ICMP message for us (data at the ICMP header, IP is its datagram's header). Consumes P. */
void ng_icmp_input(struct ng_stack *st, struct ng_pkt *p, const struct ng_ipv4_hdr *ip)
{
	struct ng_icmp_hdr h;
	enum ng_drop why;

	why = ng_icmp_parse(ng_pkt_data(p), p->len, &h);
	if (why != NG_DROP_NONE) {
		ng_drop_pkt(st, p, why);
		return;
	}
	ng_count(st, NG_CNT_ICMP_RX, 1);
	switch (h.type) {
	case NG_ICMP_ECHO_REQUEST:
		echo_input(st, p, ip, &h);
		break;
	case NG_ICMP_DEST_UNREACH:
	case NG_ICMP_TIME_EXCEEDED:
	case NG_ICMP_PARAM_PROBLEM:
		error_input(st, p, &h);
		break;
	default:
		/* Echo replies (we send no echo), redirects and source quench (RFC 6633) are
		 * ignored. */
		ng_drop_pkt(st, p, NG_DROP_ICMP_TYPE);
		break;
	}
}

/*
 * Take one token from the RFC 1812 4.3.2.8 bucket: cfg.icmp_rate tokens a second, at most
 * cfg.icmp_burst stored. A rate of 0 means no limit.
 */
static bool take_token(struct ng_stack *st)
{
	uint32_t rate = st->cfg.icmp_rate, burst = st->cfg.icmp_burst;

	if (!rate)
		return true;
	if (st->now > st->icmp_tokens_ts) {
		uint64_t elapsed = st->now - st->icmp_tokens_ts;
		if (elapsed >= (uint64_t)(burst + 1) * NG_NS_PER_SEC) {
			st->icmp_tokens = burst;
			st->icmp_tokens_ts = st->now;
		} else {
			uint64_t add = elapsed * rate / NG_NS_PER_SEC;
			if (add) {
				st->icmp_tokens =
				    (uint32_t)NG_MIN((uint64_t)burst, st->icmp_tokens + add);
				/* keep the fraction of a token already earned */
				st->icmp_tokens_ts += add * NG_NS_PER_SEC / rate;
			}
		}
	}
	if (!st->icmp_tokens)
		return false;
	st->icmp_tokens--;
	return true;
}

/*
 * Send an ICMP error TYPE/CODE about ORIG (data at its IP header; not consumed) to its source,
 * quoting its header and as much payload as fits in 576 bytes. RFC 1122 3.2.2: never about an
 * ICMP error, a datagram to a broadcast or multicast address, a non-first fragment, or one whose
 * source is not a unicast host; never to ourselves. Rate-limited (ICMP_RATELIMIT). MTU is the
 * next-hop MTU of a frag-needed (RFC 1191).
 */
void ng_icmp_send_error(struct ng_stack *st, const struct ng_pkt *orig, uint8_t type, uint8_t code,
                        uint16_t mtu)
{
	const uint8_t *b = ng_pkt_data(orig);
	struct ng_ipv4_hdr ip;
	struct ng_icmp_hdr h;
	struct ng_ipv4_out o;
	struct ng_pkt *p;
	size_t quote;
	uint8_t *d;

	if (ng_ipv4_parse_embedded(b, orig->len, &ip) != NG_DROP_NONE)
		return;
	if (ip.frag_off != 0 || !unicast_host(st, ip.src) || ng_iface_by_addr(st, ip.src))
		return;
	if (ip.dst == 0xffffffffu || (ip.dst >> 28) == 0xe || !unicast_host(st, ip.dst))
		return;
	if (ip.proto == NG_IP_PROTO_ICMP) {
		/* Only the type byte is needed; informational messages may get errors. */
		if (orig->len <= ip.hlen || ng_icmp_is_error(b[ip.hlen]) ||
		    b[ip.hlen] > NG_ICMP_TIMESTAMP_REPLY)
			return;
	}
	if (!take_token(st)) {
		ng_drop_count(st, NG_DROP_ICMP_RATELIMIT);
		return;
	}
	quote = NG_MIN((size_t)orig->len, (size_t)ip.tot_len);
	quote = NG_MIN(quote, (size_t)(ICMP_ERR_MAX - NG_IP_HLEN - NG_ICMP_HLEN));
	p = ng_stack_alloc(st);
	if (!p)
		return;
	d = ng_pkt_put(p, (uint32_t)(NG_ICMP_HLEN + quote));
	memcpy(d + NG_ICMP_HLEN, b, quote);
	memset(&h, 0, sizeof(h));
	h.type = type;
	h.code = code;
	if (type == NG_ICMP_DEST_UNREACH && code == NG_ICMP_FRAG_NEEDED) {
		h.mtu = mtu;
		h.rest = mtu;
	}
	ng_icmp_emit(d, NG_ICMP_HLEN + quote, &h, quote);
	memset(&o, 0, sizeof(o));
	/* Answer from the address it was sent to when that is ours (RFC 1122 3.2.2). */
	o.src = ng_iface_by_addr(st, ip.dst) ? ip.dst : 0;
	o.dst = ip.src;
	o.proto = NG_IP_PROTO_ICMP;
	ng_count(st, NG_CNT_ICMP_TX, 1);
	ng_ipv4_output(st, p, &o);
}
