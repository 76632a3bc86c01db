// SPDX-License-Identifier: MIT
/* UDP (RFC 768) sockets of the stack: a fixed table found by port, datagrams in and out. */
#include <stdlib.h>

#include "net/net_internal.h"
#include "udp/udp_internal.h"
#include "natgate/udp.h"

/*
 * Theory of operation.
 *
 * Sockets live in a fixed array of cfg.udp_sockets, chained per local port in a keyed hash table
 * (indices, no allocation after create). A socket is bound to (addr, port), addr 0 meaning every
 * address of ours; two sockets conflict when their ports match and their addresses match or one
 * of them is the wildcard. Input prefers the socket bound to the exact destination address over a
 * wildcard one. A datagram for no socket gets an ICMP port unreachable (RFC 1122 4.1.3.1; rate
 * limited and never for broadcasts, by ng_icmp_send_error) and is counted UDP_NO_PORT. ICMP
 * errors about our datagrams reach the sending socket's err callback.
 *
 * A datagram's checksum is verified on input unless the link vouches for it
 * (NG_PKT_F_CSUM_VALID, set by the TAP and AF_PACKET links when the kernel said so), as TCP does.
 *
 * Ephemeral ports (RFC 6056): an unconnected socket has no remote endpoint for algorithm 3's hash
 * to separate, so the port is drawn at random from 49152..65535 with the stack's seeded generator
 * and, when taken, the next free one after it is used (RFC 6056 3.3.1, algorithm 1).
 */

#define EPH_MIN         49152u
#define EPH_NUM         16384u
#define UDP_MAX_PAYLOAD 65507u /* 65535 - 20 (IP) - 8 (UDP) */

struct ng_udp_sock {
	struct ng_udp *u;
	ng_udp_recv_fn recv;
	ng_udp_err_fn err;
	void *ctx;
	uint32_t addr;
	uint32_t next; /* hash chain or free list: index + 1 */
	uint16_t port;
	bool used;
};

struct ng_udp {
	struct ng_stack *st;
	struct ng_udp_sock *s;
	uint32_t *bucket;
	uint32_t n, nbuckets, count, free_head;
	uint64_t hseed;
};

static uint32_t bucket_of(const struct ng_udp *u, uint16_t port)
{
	return ng_hash32(&port, sizeof(port), u->hseed) & (u->nbuckets - 1);
}

/* The socket for a datagram to ADDR:PORT: exact address first, else a wildcard. ADDR 0 matches
 * any socket on PORT (used for conflicts). */
static struct ng_udp_sock *lookup(struct ng_udp *u, uint32_t addr, uint16_t port)
{
	struct ng_udp_sock *wild = NULL;
	uint32_t i = u->bucket[bucket_of(u, port)];

	while (i) {
		struct ng_udp_sock *s = &u->s[i - 1];
		if (s->port == port) {
			if (s->addr == addr)
				return s;
			if (!s->addr || !addr)
				wild = s;
		}
		i = s->next;
	}
	return wild;
}

/* Does binding ADDR:PORT collide with an open socket? */
static bool in_use(struct ng_udp *u, uint32_t addr, uint16_t port)
{
	return lookup(u, addr, port) != NULL;
}

/* RFC 6056 algorithm 1: random start in the ephemeral range, then the next free port. */
static uint16_t pick_port(struct ng_udp *u, uint32_t addr)
{
	uint32_t off = ng_rng_below(&u->st->rng, EPH_NUM);
	for (uint32_t i = 0; i < EPH_NUM; i++) {
		uint16_t port = (uint16_t)(EPH_MIN + (off + i) % EPH_NUM);
		if (!in_use(u, addr, port))
			return port;
	}
	return 0;
}

/* Open a socket on ADDR:PORT (either may be 0; see udp.h). */
int ng_udp_open(struct ng_stack *st, uint32_t addr, uint16_t port, ng_udp_recv_fn recv,
                ng_udp_err_fn err, void *ctx, struct ng_udp_sock **out)
{
	struct ng_udp *u = st->udp;
	struct ng_udp_sock *s;
	uint32_t b;

	if (addr && !ng_iface_by_addr(st, addr))
		return -NG_EINVAL;
	if (!u->free_head)
		return -NG_ENOMEM;
	if (port) {
		if (in_use(u, addr, port))
			return -NG_EADDRINUSE;
	} else {
		port = pick_port(u, addr);
		if (!port)
			return -NG_EADDRINUSE;
	}
	s = &u->s[u->free_head - 1];
	u->free_head = s->next;
	memset(s, 0, sizeof(*s));
	s->u = u;
	s->recv = recv;
	s->err = err;
	s->ctx = ctx;
	s->addr = addr;
	s->port = port;
	s->used = true;
	b = bucket_of(u, port);
	s->next = u->bucket[b];
	u->bucket[b] = (uint32_t)(s - u->s) + 1;
	u->count++;
	*out = s;
	return 0;
}

/* Close S: it leaves the port table at once; S must not be used afterwards. NULL is ignored. */
void ng_udp_close(struct ng_udp_sock *s)
{
	struct ng_udp *u;
	uint32_t idx, *pp;

	if (!s || !s->used)
		return;
	u = s->u;
	idx = (uint32_t)(s - u->s) + 1;
	pp = &u->bucket[bucket_of(u, s->port)];
	while (*pp && *pp != idx)
		pp = &u->s[*pp - 1].next;
	if (*pp)
		*pp = s->next;
	s->used = false;
	s->next = u->free_head;
	u->free_head = idx;
	u->count--;
}

uint16_t ng_udp_port(const struct ng_udp_sock *s)
{
	return s->port;
}

/*
 * Send LEN bytes of DATA from S to DST:DPORT as one datagram (IPv4 fragments it when it exceeds
 * the MTU). The source address is S's, or that of the interface routing to DST; the checksum
 * covers the RFC 768 pseudo-header. 0 (sent or waiting for ARP), or a negative error.
 */
int ng_udp_sendto(struct ng_udp_sock *s, uint32_t dst, uint16_t dport, const void *data, size_t len)
{
	struct ng_stack *st = s->u->st;
	struct ng_udp_hdr h;
	struct ng_ipv4_out o;
	struct ng_iface *ifc;
	uint32_t nexthop;
	struct ng_pkt *p;
	uint8_t *b;
	int rc;

	if (len > UDP_MAX_PAYLOAD)
		return -NG_EMSGSIZE;
	if (!dport)
		return -NG_EINVAL;
	if (!ng_route(st, dst, &ifc, &nexthop))
		return -NG_EHOSTUNREACH;
	/* A datagram over the MTU takes a large buffer (IPv4 fragments it from there). */
	if (NG_PKT_HEADROOM + NG_UDP_HLEN + len > ng_pktpool_maxsize(st->pool))
		return -NG_EMSGSIZE; /* a pool with no buffer for a datagram this big */
	p = ng_stack_alloc_len(st, (uint32_t)(NG_UDP_HLEN + len));
	if (!p)
		return -NG_ENOBUFS;
	b = ng_pkt_put(p, (uint32_t)(NG_UDP_HLEN + len));
	if (!b) {
		/* a pool configured with buffers smaller than a 64 KiB datagram */
		ng_pkt_free(p);
		return -NG_EMSGSIZE;
	}
	if (len)
		memcpy(b + NG_UDP_HLEN, data, len);
	memset(&o, 0, sizeof(o));
	o.src = s->addr ? s->addr : ifc->addr;
	o.dst = dst;
	o.proto = NG_IP_PROTO_UDP;
	h.sport = s->port;
	h.dport = dport;
	h.len = (uint16_t)(NG_UDP_HLEN + len);
	h.csum = 0;
	ng_udp_emit(b, NG_UDP_HLEN + len, o.src, dst, &h);
	rc = ng_ipv4_output(st, p, &o);
	if (rc == 0)
		ng_count(st, NG_CNT_UDP_TX, 1);
	return rc;
}

/* A UDP datagram for us (data at the UDP header). Delivers it or answers port unreachable.
 * Its checksum is verified unless the link vouched for it (NG_PKT_F_CSUM_VALID: the kernel
 * checked it, or made the datagram itself, and it crossed no wire since); its lengths always
 * are. Consumes P. */
static void udp_input(struct ng_stack *st, struct ng_pkt *p, const struct ng_ipv4_hdr *ip)
{
	struct ng_udp_sock *s;
	struct ng_udp_hdr h;
	enum ng_drop why;

	if (p->flags & NG_PKT_F_CSUM_VALID)
		why = ng_udp_parse_nocsum(ng_pkt_data(p), p->len, &h);
	else
		why = ng_udp_parse(ng_pkt_data(p), p->len, ip->src, ip->dst, &h);
	if (why != NG_DROP_NONE) {
		ng_drop_pkt(st, p, why);
		return;
	}
	ng_count(st, NG_CNT_UDP_RX, 1);
	/* A broadcast matches only wildcard sockets: no socket is bound to a broadcast address. */
	s = lookup(st->udp, ip->dst, h.dport);
	if (!s) {
		/* Put the IP header back in front to quote it. */
		ng_pkt_push(p, ip->hlen);
		ng_icmp_send_error(st, p, NG_ICMP_DEST_UNREACH, NG_ICMP_PORT_UNREACH, 0);
		ng_drop_pkt(st, p, NG_DROP_UDP_NO_PORT);
		return;
	}
	if (s->recv)
		s->recv(s, s->ctx, ip->src, h.sport, ng_pkt_data(p) + NG_UDP_HLEN,
		        (size_t)h.len - NG_UDP_HLEN);
	ng_pkt_free(p);
}

/* An ICMP error quoting a datagram we sent from INNER->src:sport: tell that socket. */
static void udp_err(struct ng_stack *st, const struct ng_ipv4_hdr *inner, const uint8_t *l4,
                    size_t l4len, int err, uint32_t mtu)
{
	struct ng_udp_hdr h;
	struct ng_udp_sock *s;
	(void)mtu;

	/* Only the ports are read: the quote is truncated, so length and checksum are moot. */
	if (l4len < NG_UDP_HLEN)
		return;
	h.sport = ng_get16(l4);
	h.dport = ng_get16(l4 + 2);
	s = lookup(st->udp, inner->src, h.sport);
	if (s && s->err)
		s->err(s, s->ctx, err, inner->dst, h.dport);
}

/* Sockets open now. */
size_t ng_udp_count(struct ng_stack *st)
{
	return st->udp->count;
}

/* Allocate the socket table and register UDP with IPv4. */
int ng_udp_create(struct ng_stack *st)
{
	struct ng_udp *u = calloc(1, sizeof(*u));
	uint32_t n = st->cfg.udp_sockets ? st->cfg.udp_sockets : 1;

	if (!u)
		return -NG_ENOMEM;
	u->st = st;
	u->n = n;
	u->nbuckets = 16;
	while (u->nbuckets < n && u->nbuckets < (1u << 16))
		u->nbuckets <<= 1;
	u->s = calloc(n, sizeof(*u->s));
	u->bucket = calloc(u->nbuckets, sizeof(*u->bucket));
	if (!u->s || !u->bucket) {
		free(u->s);
		free(u->bucket);
		free(u);
		return -NG_ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++)
		u->s[i].next = i + 2 <= n ? i + 2 : 0;
	u->free_head = 1;
	memcpy(&u->hseed, st->secret + 8, sizeof(u->hseed));
	st->udp = u;
	ng_ipv4_register(st, NG_IP_PROTO_UDP, udp_input, udp_err);
	return 0;
}

/* Close every socket and free the table. */
void ng_udp_destroy(struct ng_stack *st)
{
	struct ng_udp *u = st->udp;

	ng_ipv4_register(st, NG_IP_PROTO_UDP, NULL, NULL);
	free(u->s);
	free(u->bucket);
	free(u);
	st->udp = NULL;
}
