// SPDX-License-Identifier: MIT
// The ladder model of `natgate trace`: captured frames to TCP connections with states and marks.
/*
 * Theory of operation.
 *
 * Each captured frame is decoded (link header, IPv4, TCP; the bytes are checked by the src/wire
 * codecs) into a struct ng_trace_pkt. Segments are grouped by their 4-tuple into connections in
 * order of first appearance; a bare SYN with a new ISN from a side whose ISN is known starts a
 * new connection on the same ports. The side that sent the first SYN is the client (left
 * column); a connection met mid-stream is picked up with the lower port as the server.
 *
 * Every segment goes through the TCP observer (src/nat/tcp_track.c, the same code the NAT's
 * connection tracking runs), which yields both sides' RFC 9293 states after it. Next to it, a
 * per-direction analysis keeps the highest sequence number sent and a few holes:
 *   - a segment starting beyond the highest sent opens a hole: something was lost before the
 *     capture point (GAP);
 *   - a segment filling a hole within about one RTT of its opening arrived out of order (OOO),
 *     later it is a retransmission; one repeating bytes already seen is a retransmission;
 *   - an ACK repeating the previous ACK and window, carrying nothing, while data is outstanding,
 *     is a duplicate ACK (RFC 5681 2);
 *   - a zero window is marked; so are segments the observer found out of window.
 * The model is pure: no I/O, no clock; the renderers read it.
 */
#include "trace.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_internal.h"

#define NG_TRACE_ETH_P_IPV6 0x86dd

static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

/* Names of the skip reasons. */
const char *ng_trace_skip_name(enum ng_trace_skip s)
{
	static const char *const names[NG_TRACE_SKIP_MAX] = {[NG_TRACE_SKIP_NONE] = "none",
#define NG_TRACE_X(n, s) [NG_TRACE_SKIP_##n] = s,
	                                                     NG_TRACE_SKIPS(NG_TRACE_X)
#undef NG_TRACE_X
	};
	return (unsigned)s < NG_TRACE_SKIP_MAX ? names[s] : "?";
}

void ng_trace_opts_default(struct ng_trace_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->port = -1;
	o->limit = 10;
	o->max_events = 1000000;
}

/* Parses the TCP segment at B (HAVE bytes captured of L4LEN) into P. V4 / SRC4 / DST4 give the
 * IPv4 pseudo-header for ng_tcp_parse; for IPv6, PSEUDO6 holds the 40-byte pseudo-header
 * (RFC 8200 8.1) and the checksum is summed here. */
static enum ng_trace_skip decode_tcp(const uint8_t *b, size_t have, size_t l4len, bool v4,
                                     uint32_t src4, uint32_t dst4, const uint8_t *pseudo6,
                                     struct ng_trace_pkt *p)
{
	if (have > l4len)
		have = l4len; /* frame padding */
	p->truncated = have < l4len;
	if (p->truncated) {
		if (ng_tcp_parse_nocsum(b, have, &p->tcp) != NG_DROP_NONE) {
			/* the snap length cut into the options: read the fixed header alone */
			uint8_t fixed[NG_TCP_HLEN];
			if (have < NG_TCP_HLEN)
				return NG_TRACE_SKIP_TCP_BAD;
			memcpy(fixed, b, NG_TCP_HLEN);
			uint8_t hlen = (uint8_t)((fixed[12] >> 4) * 4);
			fixed[12] = (uint8_t)((NG_TCP_HLEN / 4) << 4 | (fixed[12] & 0x0f));
			if (hlen < NG_TCP_HLEN ||
			    ng_tcp_parse_nocsum(fixed, NG_TCP_HLEN, &p->tcp) != NG_DROP_NONE)
				return NG_TRACE_SKIP_TCP_BAD;
			p->tcp.hlen = hlen;
		}
	} else if (v4) {
		enum ng_drop d = ng_tcp_parse(b, have, src4, dst4, &p->tcp);
		if (d == NG_DROP_TCP_CSUM) {
			/* Often checksum offload on the capturing host: keep it, mark it. */
			p->csum_bad = true;
			d = ng_tcp_parse_nocsum(b, have, &p->tcp);
		}
		if (d != NG_DROP_NONE)
			return NG_TRACE_SKIP_TCP_BAD;
	} else {
		if (ng_tcp_parse_nocsum(b, have, &p->tcp) != NG_DROP_NONE)
			return NG_TRACE_SKIP_TCP_BAD;
		uint64_t sum = ng_csum_add(ng_csum_add(0, pseudo6, 40), b, have);
		p->csum_bad = ng_csum_fold(sum) != 0xffff;
	}
	if (p->tcp.hlen > l4len)
		return NG_TRACE_SKIP_TCP_BAD;
	p->payload = (uint32_t)(l4len - p->tcp.hlen);
	return NG_TRACE_SKIP_NONE;
}

/* Decodes the IPv4 packet at B (CAPLEN bytes captured, WIRELEN on the wire) into P. */
static enum ng_trace_skip decode_ipv4(const uint8_t *b, size_t caplen, size_t wirelen,
                                      struct ng_trace_pkt *p)
{
	struct ng_ipv4_hdr ip;
	bool cut = caplen < wirelen;

	/* A packet cut short by the snap length keeps a sound header but lacks its tail: parse
	 * it leniently and take the lengths from the header. */
	if ((cut ? ng_ipv4_parse_embedded(b, caplen, &ip) : ng_ipv4_parse(b, caplen, &ip)) !=
	    NG_DROP_NONE)
		return NG_TRACE_SKIP_IP_BAD;
	if (ip.proto != NG_IP_PROTO_TCP)
		return NG_TRACE_SKIP_NOT_TCP;
	if (ng_ipv4_is_fragment(&ip))
		return NG_TRACE_SKIP_FRAGMENT;
	if (ip.tot_len < ip.hlen)
		return NG_TRACE_SKIP_IP_BAD;
	memset(&p->src, 0, sizeof(p->src));
	memset(&p->dst, 0, sizeof(p->dst));
	ng_put32(p->src.b, ip.src);
	ng_put32(p->dst.b, ip.dst);
	return decode_tcp(b + ip.hlen, caplen - ip.hlen, (size_t)ip.tot_len - ip.hlen, true, ip.src,
	                  ip.dst, NULL, p);
}

/* Decodes the IPv6 packet at B (RFC 8200): the fixed header, then hop-by-hop, routing and
 * destination-options headers up to TCP. Read here with explicit bounds (src/wire has no IPv6
 * codec). Fragments and jumbograms are skipped. */
static enum ng_trace_skip decode_ipv6(const uint8_t *b, size_t caplen, size_t wirelen,
                                      struct ng_trace_pkt *p)
{
	if (caplen < 40)
		return NG_TRACE_SKIP_IP_BAD;
	size_t plen = ng_get16(b + 4), end = 40 + plen, off = 40;
	uint8_t nh = b[6];
	if (plen == 0 || end > wirelen)
		return NG_TRACE_SKIP_IP_BAD;
	for (int k = 0; k < 8 && nh != NG_IP_PROTO_TCP; k++) {
		if (nh == 44)
			return NG_TRACE_SKIP_FRAGMENT;
		if (nh != 0 && nh != 43 && nh != 60)
			return NG_TRACE_SKIP_NOT_TCP;
		if (caplen < off + 2 || end < off + 8)
			return NG_TRACE_SKIP_IP_BAD;
		nh = b[off];
		off += ((size_t)b[off + 1] + 1) * 8;
		if (off > end)
			return NG_TRACE_SKIP_IP_BAD;
	}
	if (nh != NG_IP_PROTO_TCP)
		return NG_TRACE_SKIP_NOT_TCP;
	if (caplen < off)
		return NG_TRACE_SKIP_TCP_BAD;
	p->src.v6 = p->dst.v6 = 1;
	memcpy(p->src.b, b + 8, 16);
	memcpy(p->dst.b, b + 24, 16);
	uint8_t pseudo[40];
	memcpy(pseudo, b + 8, 32);
	ng_put32(pseudo + 32, (uint32_t)(end - off));
	memset(pseudo + 36, 0, 3);
	pseudo[39] = NG_IP_PROTO_TCP;
	size_t have = (caplen < end ? caplen : end) - off;
	return decode_tcp(b + off, have, end - off, false, 0, 0, pseudo, p);
}

/* Decodes a captured frame of link type DLT into P (see trace.h). */
enum ng_trace_skip ng_trace_decode(int dlt, const uint8_t *b, size_t caplen, size_t wirelen,
                                   struct ng_trace_pkt *p)
{
	size_t off = 0;
	uint16_t type = NG_ETH_P_IPV4;

	memset(&p->tcp, 0, sizeof(p->tcp));
	p->csum_bad = p->truncated = false;
	if (wirelen < caplen)
		wirelen = caplen;
	switch (dlt) {
	case NG_TRACE_DLT_EN10MB: {
		struct ng_eth_hdr eh;
		if (ng_eth_parse(b, caplen, &eh) != NG_DROP_NONE)
			return NG_TRACE_SKIP_LINK_SHORT;
		off = NG_ETH_HLEN;
		type = eh.type;
		/* one or two 802.1Q tags */
		for (int i = 0; i < 2 && (type == NG_ETH_P_VLAN || type == 0x88a8); i++) {
			if (caplen < off + 4)
				return NG_TRACE_SKIP_LINK_SHORT;
			type = ng_get16(b + off + 2);
			off += 4;
		}
		break;
	}
	case NG_TRACE_DLT_LINUX_SLL:
		/* Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes, protocol
		 */
		if (caplen < 16)
			return NG_TRACE_SKIP_LINK_SHORT;
		type = ng_get16(b + 14);
		off = 16;
		break;
	case NG_TRACE_DLT_LINUX_SLL2:
		/* Linux cooked v2: protocol first, then reserved, ifindex, ARPHRD, type, address */
		if (caplen < 20)
			return NG_TRACE_SKIP_LINK_SHORT;
		type = ng_get16(b);
		off = 20;
		break;
	case NG_TRACE_DLT_NULL:
	case NG_TRACE_DLT_LOOP: {
		/* a 4-byte address family in the capturing host's order (NULL) or big-endian
		 * (LOOP); AF_INET is 2 everywhere */
		if (caplen < 4)
			return NG_TRACE_SKIP_LINK_SHORT;
		uint32_t fam = ng_get32(b);
		if (dlt == NG_TRACE_DLT_NULL && (fam & 0xffff) == 0)
			fam = __builtin_bswap32(fam);
		/* AF_INET is 2 everywhere; AF_INET6 is 10, 24, 28 or 30 depending on the OS */
		if (fam == 2)
			type = NG_ETH_P_IPV4;
		else if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
			type = NG_TRACE_ETH_P_IPV6;
		else
			return NG_TRACE_SKIP_NOT_IP;
		off = 4;
		break;
	}
	case NG_TRACE_DLT_RAW:
	case NG_TRACE_DLT_RAW_BSD:
	case NG_TRACE_DLT_IPV4:
		break;
	default:
		return NG_TRACE_SKIP_NOT_IP;
	}
	if (caplen < off)
		return NG_TRACE_SKIP_LINK_SHORT;
	if (caplen == off)
		return NG_TRACE_SKIP_NOT_IP;
	/* raw IP says its version in the first nibble */
	if (type == NG_ETH_P_IPV4 && off == 0)
		type = (b[0] >> 4) == 6 ? NG_TRACE_ETH_P_IPV6 : NG_ETH_P_IPV4;
	if (type == NG_ETH_P_IPV4 && (b[off] >> 4) == 4)
		return decode_ipv4(b + off, caplen - off, wirelen - off, p);
	if (type == NG_TRACE_ETH_P_IPV6 && (b[off] >> 4) == 6)
		return decode_ipv6(b + off, caplen - off, wirelen - off, p);
	return NG_TRACE_SKIP_NOT_IP;
}

void ng_trace_init(struct ng_trace *t, const struct ng_trace_opts *o)
{
	memset(t, 0, sizeof(*t));
	if (o)
		t->opt = *o;
	else
		ng_trace_opts_default(&t->opt);
}

void ng_trace_free(struct ng_trace *t)
{
	for (size_t i = 0; i < t->nconn; i++) {
		free(t->conn[i]->ev);
		free(t->conn[i]);
	}
	free(t->conn);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static bool addr_eq(const struct ng_trace_addr *a, const struct ng_trace_addr *b)
{
	return a->v6 == b->v6 && !memcmp(a->b, b->b, sizeof(a->b));
}

/* Hash of one endpoint (FNV-1a, then mixed). */
static uint64_t ep_hash(const struct ng_trace_addr *a, uint16_t port)
{
	uint64_t h = 0xcbf29ce484222325ull ^ a->v6;
	for (size_t i = 0; i < sizeof(a->b); i++)
		h = (h ^ a->b[i]) * 0x100000001b3ull;
	h = (h ^ port) * 0x100000001b3ull;
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 29);
}

/* Hash of an unordered 4-tuple (both directions hash alike). */
static uint32_t tuple_hash(const struct ng_trace_addr *a1, uint16_t p1,
                           const struct ng_trace_addr *a2, uint16_t p2)
{
	uint64_t x = ep_hash(a1, p1), y = ep_hash(a2, p2);
	return (uint32_t)((x + y) ^ ((x ^ y) >> 32));
}

static bool conn_match(const struct ng_trace_conn *c, const struct ng_trace_pkt *p, int *dir)
{
	if (addr_eq(&c->addr[0], &p->src) && c->port[0] == p->tcp.sport &&
	    addr_eq(&c->addr[1], &p->dst) && c->port[1] == p->tcp.dport) {
		*dir = 0;
		return true;
	}
	if (addr_eq(&c->addr[1], &p->src) && c->port[1] == p->tcp.sport &&
	    addr_eq(&c->addr[0], &p->dst) && c->port[0] == p->tcp.dport) {
		*dir = 1;
		return true;
	}
	return false;
}

/* Finds the latest connection on P's 4-tuple (open addressing, slots hold index + 1). */
static struct ng_trace_conn *conn_find(struct ng_trace *t, const struct ng_trace_pkt *p, int *dir,
                                       size_t *slot_out)
{
	if (!t->nslot)
		return NULL;
	size_t mask = t->nslot - 1;
	size_t i = tuple_hash(&p->src, p->tcp.sport, &p->dst, p->tcp.dport) & mask;
	for (;; i = (i + 1) & mask) {
		if (!t->slot[i]) {
			*slot_out = i;
			return NULL;
		}
		struct ng_trace_conn *c = t->conn[t->slot[i] - 1];
		if (conn_match(c, p, dir)) {
			*slot_out = i;
			return c;
		}
	}
}

/* Grows the tuple table to keep it at most half full. Returns 0 or -1. */
static int slots_grow(struct ng_trace *t)
{
	size_t n = t->nslot ? t->nslot * 2 : 256;
	uint32_t *s = calloc(n, sizeof(*s));
	if (!s)
		return -1;
	for (size_t i = 0; i < t->nslot; i++) {
		if (!t->slot[i])
			continue;
		const struct ng_trace_conn *c = t->conn[t->slot[i] - 1];
		size_t j = tuple_hash(&c->addr[0], c->port[0], &c->addr[1], c->port[1]) & (n - 1);
		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = s;
	t->nslot = n;
	return 0;
}

/* Does connection C pass the --conn / --port / --host filter? */
static bool conn_selected(const struct ng_trace *t, const struct ng_trace_conn *c)
{
	const struct ng_trace_opts *o = &t->opt;
	if (o->conn && c->id != o->conn)
		return false;
	if (o->port >= 0 && c->port[0] != o->port && c->port[1] != o->port)
		return false;
	if (o->host_set && !addr_eq(&c->addr[0], &o->host) && !addr_eq(&c->addr[1], &o->host))
		return false;
	return true;
}

/* Opens a connection for P; the client is its sender unless P answers a SYN (SYN+ACK) or,
 * mid-stream, P comes from the lower port. Replaces any older connection on the tuple. */
static struct ng_trace_conn *conn_open(struct ng_trace *t, const struct ng_trace_pkt *p,
                                       size_t slot, bool replace)
{
	if (!replace && (t->nconn + 1) * 2 > t->nslot) {
		if (slots_grow(t) < 0)
			return NULL;
		int d;
		(void)conn_find(t, p, &d, &slot);
	}
	if (t->nconn == t->cap) {
		size_t n = t->cap ? t->cap * 2 : 64;
		struct ng_trace_conn **v = realloc(t->conn, n * sizeof(*v));
		if (!v)
			return NULL;
		t->conn = v;
		t->cap = n;
	}
	struct ng_trace_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	uint8_t f = p->tcp.flags;
	bool from_server;
	if (f & NG_TCP_SYN)
		from_server = (f & NG_TCP_ACK) != 0;
	else
		from_server = p->tcp.sport < p->tcp.dport;
	int cs = from_server ? 1 : 0;
	c->addr[cs] = p->src;
	c->port[cs] = p->tcp.sport;
	c->addr[!cs] = p->dst;
	c->port[!cs] = p->tcp.dport;
	c->id = (uint32_t)t->nconn + 1;
	c->first_ns = p->ts_ns;
	ng_tcp_track_init(&c->tr);
	c->keep = conn_selected(t, c);
	t->conn[t->nconn++] = c;
	t->slot[slot] = (uint32_t)t->nconn;
	return c;
}

/* Removes [lo, hi) from the holes of D; returns the hole's opening time if any byte of the range
 * was in one (0 if none). */
static uint64_t holes_fill(struct ng_trace_dir *d, uint32_t lo, uint32_t hi)
{
	uint64_t ts = 0;
	for (uint32_t i = 0; i < d->nholes;) {
		uint32_t hl = d->hole[i].lo, hh = d->hole[i].hi;
		if (!seq_lt(lo, hh) || !seq_lt(hl, hi)) {
			i++;
			continue;
		}
		ts = d->hole[i].ts ? d->hole[i].ts : 1;
		if (seq_le(lo, hl) && seq_le(hh, hi)) {
			d->hole[i] = d->hole[--d->nholes];
			continue;
		}
		if (seq_lt(hl, lo) && seq_lt(hi, hh) && d->nholes < NG_TRACE_MAX_HOLES) {
			/* split */
			d->hole[d->nholes] = d->hole[i];
			d->hole[d->nholes].lo = hi;
			d->nholes++;
			d->hole[i].hi = lo;
		} else if (seq_lt(hl, lo)) {
			d->hole[i].hi = lo;
		} else {
			d->hole[i].lo = hi;
		}
		i++;
	}
	return ts;
}

/* The retransmission / gap / out-of-order / dup-ACK / window analysis for event E of C. */
static void analyse(struct ng_trace_conn *c, struct ng_trace_ev *e)
{
	const struct ng_tcp_hdr *h = &e->p.tcp;
	struct ng_trace_dir *d = &c->d[e->dir], *o = &c->d[!e->dir];
	uint8_t f = h->flags;
	bool syn = f & NG_TCP_SYN, fin = f & NG_TCP_FIN, rst = f & NG_TCP_RST;
	uint32_t len = e->p.payload + (syn ? 1 : 0) + (fin ? 1 : 0);
	uint32_t end = h->seq + len;
	/* half an RTT (at most 3 ms): reordering shows up sooner than a retransmission can */
	uint64_t ooo_ns = 3000000;
	if (c->handshake_done && (c->ack_ns - c->syn_ns) / 2 < ooo_ns)
		ooo_ns = (c->ack_ns - c->syn_ns) / 2;

	d->segs++;
	d->payload_all += e->p.payload;
	if (e->verdict != NG_TRACK_OK) {
		/* not part of the connection's sequence space: marked, not analysed */
		e->marks |= e->verdict == NG_TRACK_WINDOW ? NG_TRACE_M_WINDOW : NG_TRACE_M_INVALID;
		if (e->p.csum_bad) {
			e->marks |= NG_TRACE_M_CSUM;
			c->csum_bad++;
		}
		return;
	}
	if (!d->isn_known && !rst) {
		d->isn_known = true;
		/* mid-stream, the first byte seen counts as relative 1 */
		d->isn = syn ? h->seq : h->seq - 1;
		d->next = h->seq;
	}
	if (rst) {
		d->rst = true;
	} else if (syn && h->seq == d->isn && seq_lt(h->seq, d->next)) {
		/* the same SYN again (a SYN+ACK after a bare SYN is a simultaneous open) */
		if (d->syns & (f & NG_TCP_ACK ? 2 : 1))
			e->marks |= NG_TRACE_M_RETRANS;
	} else if (len > 0) {
		if (seq_lt(d->next, h->seq)) {
			e->marks |= NG_TRACE_M_GAP;
			e->gap_bytes = h->seq - d->next;
			if (d->nholes < NG_TRACE_MAX_HOLES) {
				d->hole[d->nholes].lo = d->next;
				d->hole[d->nholes].hi = h->seq;
				d->hole[d->nholes].ts = e->p.ts_ns;
				d->nholes++;
			}
			d->next = end;
		} else if (seq_lt(h->seq, d->next)) {
			uint64_t opened = holes_fill(d, h->seq, end);
			if (e->p.payload <= 1 && !fin && !syn && h->seq + 1 == d->next && !opened)
				e->marks |= NG_TRACE_M_KEEPALIVE;
			else if (opened && e->p.ts_ns >= opened && e->p.ts_ns - opened < ooo_ns)
				e->marks |= NG_TRACE_M_OOO;
			else
				e->marks |= NG_TRACE_M_RETRANS;
			if (seq_lt(d->next, end))
				d->next = end;
		} else {
			d->next = end;
		}
	} else if (e->p.payload == 0 && h->seq + 1 == d->next && !syn && !fin && o->isn_known) {
		e->marks |= NG_TRACE_M_KEEPALIVE; /* zero-byte probe one behind the edge */
	}
	if (syn && !rst)
		d->syns |= f & NG_TCP_ACK ? 2 : 1;
	if (e->marks & NG_TRACE_M_RETRANS)
		d->retrans++;
	if (fin)
		d->fin = true;

	if ((f & NG_TCP_ACK) && !rst) {
		bool pure = e->p.payload == 0 && !syn && !fin;
		if (pure && d->last_ack_valid && h->ack == d->last_ack && h->win == d->last_win &&
		    o->isn_known && seq_lt(h->ack, o->next) && !(e->marks & NG_TRACE_M_KEEPALIVE)) {
			d->dup_run++;
			e->marks |= NG_TRACE_M_DUPACK;
			e->dup_n = d->dup_run;
		} else if (!d->last_ack_valid || h->ack != d->last_ack || !pure) {
			d->dup_run = 0;
		}
		d->last_ack = h->ack;
		d->last_win = h->win;
		d->last_ack_valid = true;
	}
	if (h->win == 0 && !rst)
		e->marks |= NG_TRACE_M_ZEROWIN;
	if (e->p.csum_bad) {
		e->marks |= NG_TRACE_M_CSUM;
		c->csum_bad++;
	}
}

/* Records the handshake times used for the RTT estimate. */
static void handshake_times(struct ng_trace_conn *c, const struct ng_trace_ev *e)
{
	uint8_t f = e->p.tcp.flags;
	if (c->handshake_done || c->tr.simultaneous_open)
		return;
	if (e->dir == 0 && (f & (NG_TCP_SYN | NG_TCP_ACK)) == NG_TCP_SYN && !c->synack_ns)
		c->syn_ns = e->p.ts_ns; /* the last SYN before the answer */
	else if (e->dir == 1 && (f & (NG_TCP_SYN | NG_TCP_ACK)) == (NG_TCP_SYN | NG_TCP_ACK) &&
	         !c->synack_ns && c->syn_ns)
		c->synack_ns = e->p.ts_ns;
	else if (e->dir == 0 && c->synack_ns && (f & NG_TCP_ACK) && !(f & NG_TCP_SYN) &&
	         c->d[1].isn_known && e->p.tcp.ack == c->d[1].isn + 1 && e->p.ts_ns >= c->syn_ns) {
		/* (a capture whose clock stepped back gives no RTT) */
		c->ack_ns = e->p.ts_ns;
		c->handshake_done = true;
	}
}

/* Side DIR of C sent a FIN that does not acknowledge the peer's FIN: the FINs crossed, and the
 * CLOSE_WAIT drawn for DIR since the peer's FIN passed us never happened at DIR (it was in
 * FIN_WAIT_1 when that FIN arrived, hence CLOSING; tcp_track.c). The events kept since then show
 * DIR in the state it had before. */
static void undo_close_wait(struct ng_trace_conn *c, unsigned dir)
{
	size_t j = c->nev;

	while (j > 0 && c->ev[j - 1].st[dir] == NG_TCP_CLOSE_WAIT)
		j--;
	if (j == c->nev || j == 0)
		return;
	for (size_t i = j; i < c->nev; i++)
		c->ev[i].st[dir] = c->ev[j - 1].st[dir];
}

/* Adds one decoded segment (see trace.h). */
int ng_trace_add(struct ng_trace *t, const struct ng_trace_pkt *p)
{
	int dir = 0;
	size_t slot = 0;
	struct ng_trace_conn *c = conn_find(t, p, &dir, &slot);
	uint8_t f = p->tcp.flags;

	if (!t->first_set) {
		t->first_ns = p->ts_ns;
		t->first_set = true;
	}
	/* A new SYN from a side whose ISN is known: the ports were reused, if the old connection
	 * is over (or, from its client, never answered or closing: as the observer restarts).
	 * Otherwise it is a stray SYN inside the connection, drawn there and marked. */
	bool replace = false;
	if (c && (f & (NG_TCP_SYN | NG_TCP_ACK)) == NG_TCP_SYN && c->d[dir].isn_known &&
	    c->d[dir].isn != p->tcp.seq) {
		bool closing = c->tr.side[0].fin_sent || c->tr.side[1].fin_sent;
		replace = ng_tcp_track_done(&c->tr) || c->tr.picked_up ||
		          (dir == 0 && (!c->tr.side[1].isn_known || closing));
	}
	if (!c || replace) {
		if (!t->nslot && slots_grow(t) < 0)
			return -1;
		if (!c)
			(void)conn_find(t, p, &dir, &slot);
		c = conn_open(t, p, slot, replace);
		if (!c)
			return -1;
		dir = addr_eq(&c->addr[0], &p->src) && c->port[0] == p->tcp.sport ? 0 : 1;
	}
	c->last_ns = p->ts_ns;
	struct ng_trace_ev ev;
	memset(&ev, 0, sizeof(ev));
	ev.p = *p;
	ev.dir = (uint8_t)dir;

	bool fresh = !c->tr.side[0].isn_known && !c->tr.side[1].isn_known && !c->tr.picked_up;
	enum ng_tcp_state before = c->tr.side[dir].state;
	enum ng_track_verdict v;
	if (fresh && !(f & NG_TCP_SYN) && !(f & NG_TCP_RST))
		v = ng_tcp_track_pickup(&c->tr, dir, &p->tcp, p->payload);
	else
		v = ng_tcp_track_segment(&c->tr, dir, &p->tcp, p->payload);
	ev.verdict = (uint8_t)v;
	ev.st[0] = (uint8_t)c->tr.side[0].state;
	ev.st[1] = (uint8_t)c->tr.side[1].state;
	if (before == NG_TCP_CLOSE_WAIT && c->tr.side[dir].state == NG_TCP_CLOSING)
		undo_close_wait(c, dir);
	if (v == NG_TRACK_OK)
		handshake_times(c, &ev);
	analyse(c, &ev);

	/* Every connection is analysed (so that numbering and port reuse stay right under a
	 * filter); only the selected ones keep their events. */
	if (!c->keep) {
		t->skipped[NG_TRACE_SKIP_FILTERED]++;
		return 0;
	}
	if (t->nev >= t->opt.max_events) {
		t->skipped[NG_TRACE_SKIP_TOO_MANY]++;
		return 0;
	}
	if (c->nev == c->cap) {
		size_t n = c->cap ? c->cap * 2 : 16;
		struct ng_trace_ev *nv = realloc(c->ev, n * sizeof(*nv));
		if (!nv)
			return -1;
		c->ev = nv;
		c->cap = n;
	}
	c->ev[c->nev++] = ev;
	t->nev++;
	return 0;
}

/* Decodes and adds one frame (see trace.h). */
int ng_trace_frame(struct ng_trace *t, int dlt, const uint8_t *b, size_t caplen, size_t wirelen,
                   uint64_t ts_ns)
{
	struct ng_trace_pkt p;
	memset(&p, 0, sizeof(p));
	t->frames++;
	p.frame = (uint32_t)t->frames;
	p.ts_ns = ts_ns;
	enum ng_trace_skip s = ng_trace_decode(dlt, b, caplen, wirelen, &p);
	if (s != NG_TRACE_SKIP_NONE) {
		t->skipped[s]++;
		return 0;
	}
	return ng_trace_add(t, &p);
}

/* How connection C ended, in words, into BUF. */
const char *ng_trace_ending(const struct ng_trace_conn *c, char *buf, size_t cap)
{
	static const char *const who[2] = {"client", "server"};
	const struct ng_trace_dir *d = c->d;
	if (d[0].rst || d[1].rst) {
		int s = d[1].rst && !d[0].rst ? 1 : 0;
		if (d[0].rst && d[1].rst)
			s = -1;
		if (s == 1 && !d[1].isn_known)
			snprintf(buf, cap, "refused (RST answered the SYN)");
		else if (s < 0)
			snprintf(buf, cap, "RST from both sides");
		else
			snprintf(buf, cap, "RST from %s", who[s]);
	} else if (d[0].fin && d[1].fin) {
		/* who closed first: the first FIN in the list */
		int first = 0;
		for (size_t i = 0; i < c->nev; i++)
			if (c->ev[i].p.tcp.flags & NG_TCP_FIN) {
				first = c->ev[i].dir;
				break;
			}
		bool simul = c->tr.side[0].state == NG_TCP_CLOSING ||
		             c->tr.side[1].state == NG_TCP_CLOSING ||
		             (c->tr.side[0].state == NG_TCP_TIME_WAIT &&
		              c->tr.side[1].state == NG_TCP_TIME_WAIT);
		if (simul)
			snprintf(buf, cap, "FIN/FIN (simultaneous close)");
		else
			snprintf(buf, cap, "FIN/FIN (%s closed first)", who[first]);
	} else if (d[0].fin || d[1].fin) {
		snprintf(buf, cap, "half-closed by %s, still open", who[d[1].fin ? 1 : 0]);
	} else {
		snprintf(buf, cap, "still open");
	}
	return buf;
}

/* S: and A: of event E of C, relative to the ISNs unless ABSOLUTE. Without the ACK flag the
 * ack field is shown as it is. */
void ng_trace_numbers(const struct ng_trace_conn *c, const struct ng_trace_ev *e, bool absolute,
                      uint32_t *s, uint32_t *a)
{
	*s = e->p.tcp.seq;
	*a = e->p.tcp.ack;
	if (absolute)
		return;
	if (c->d[e->dir].isn_known)
		*s -= c->d[e->dir].isn;
	if ((e->p.tcp.flags & NG_TCP_ACK) && c->d[!e->dir].isn_known)
		*a -= c->d[!e->dir].isn;
}

/* The window of E in bytes (see trace.h). */
uint32_t ng_trace_window(const struct ng_trace_conn *c, const struct ng_trace_ev *e)
{
	const struct ng_tcp_track_side *s = &c->tr.side[e->dir];
	bool on = c->tr.side[0].ws_seen && c->tr.side[1].ws_seen && !c->tr.picked_up;
	if (!on || (e->p.tcp.flags & NG_TCP_SYN))
		return e->p.tcp.win;
	return (uint32_t)e->p.tcp.win << s->wscale;
}

/* An event worth showing whatever the folding: handshake, close, reset, a state change, any
 * mark but a bad checksum. */
static bool eventful(const struct ng_trace_conn *c, size_t i)
{
	const struct ng_trace_ev *e = &c->ev[i];
	if (e->p.tcp.flags & (NG_TCP_SYN | NG_TCP_FIN | NG_TCP_RST))
		return true;
	if (e->marks & ~(uint32_t)NG_TRACE_M_CSUM)
		return true;
	if (i == 0 || e->st[0] != c->ev[i - 1].st[0] || e->st[1] != c->ev[i - 1].st[1])
		return true;
	return false;
}

/* Which events of C are drawn (see trace.h): in each run of uneventful segments longer than
 * LIMIT, the first LIMIT/2 and the last LIMIT - LIMIT/2 stay. */
void ng_trace_fold(const struct ng_trace_conn *c, uint32_t limit, bool *shown)
{
	size_t i = 0;
	while (i < c->nev) {
		if (eventful(c, i)) {
			shown[i++] = true;
			continue;
		}
		size_t lo = i, hi = i;
		while (hi + 1 < c->nev && !eventful(c, hi + 1))
			hi++;
		size_t run = hi - lo + 1, head = limit / 2, tail = limit - head;
		for (size_t k = lo; k <= hi; k++)
			shown[k] = limit == 0 || run <= limit || k < lo + head || k + tail > hi;
		i = hi + 1;
	}
}

bool *ng_trace_fold_alloc(const struct ng_trace_conn *c, uint32_t limit)
{
	bool *shown = malloc(c->nev ? c->nev * sizeof(*shown) : 1);
	if (shown)
		ng_trace_fold(c, limit, shown);
	return shown;
}

/* Human-readable byte count ("500 B", "1.5 kB", "2.1 MB", decimal units). */
const char *ng_trace_bytes(uint64_t n, char *buf, size_t cap)
{
	if (n < 1000)
		snprintf(buf, cap, "%" PRIu64 " B", n);
	else if (n < 1000000)
		snprintf(buf, cap, "%.1f kB", (double)n / 1e3);
	else if (n < 1000000000)
		snprintf(buf, cap, "%.1f MB", (double)n / 1e6);
	else
		snprintf(buf, cap, "%.2f GB", (double)n / 1e9);
	return buf;
}

/* "a.b.c.d:port" or "[v6]:port" of side S of C. */
const char *ng_trace_endpoint(const struct ng_trace_conn *c, int s, char *buf, size_t cap)
{
	const struct ng_trace_addr *a = &c->addr[s];
	char txt[INET6_ADDRSTRLEN] = "?";
	if (a->v6) {
		inet_ntop(AF_INET6, a->b, txt, sizeof(txt));
		snprintf(buf, cap, "[%s]:%u", txt, c->port[s]);
	} else {
		snprintf(buf, cap, "%u.%u.%u.%u:%u", a->b[0], a->b[1], a->b[2], a->b[3],
		         c->port[s]);
	}
	return buf;
}
