// SPDX-License-Identifier: MIT
/* Link operations that a link may leave out (NULL-safe wrappers), and helpers shared by the
 * drivers: the queue of held frames and the fault dice. */
#include <stdint.h>
#include <string.h>

#include "link/link_internal.h"
#include "wire/wire_internal.h"

/* Run L's timers (frames it holds back), if it has any. */
void ng_link_poll(struct ng_link *l, uint64_t now)
{
	if (l && l->ops->poll)
		l->ops->poll(l, now);
}

/* When L next wants poll/recv to run; UINT64_MAX when it never will by itself. */
uint64_t ng_link_deadline(const struct ng_link *l)
{
	if (!l || !l->ops->deadline)
		return UINT64_MAX;
	return l->ops->deadline(l);
}

/* The descriptor to wait on, or -1 when the link has none (simulated and test links). */
int ng_link_fd(const struct ng_link *l)
{
	if (!l || !l->ops->fd)
		return -1;
	return l->ops->fd(l);
}

/* Close L and free everything it holds, including queued packets. NULL is ignored. */
void ng_link_destroy(struct ng_link *l)
{
	if (l && l->ops->destroy)
		l->ops->destroy(l);
}

/* Queue P to leave at DUE, behind every frame due at the same time or earlier; P's ts field
 * holds DUE while it waits. Takes P. */
void ng_frameq_insert(struct ng_frameq *q, struct ng_pkt *p, uint64_t due)
{
	struct ng_pkt **pp;

	p->ts = due;
	p->next = NULL;
	q->n++;
	/* Most frames leave in the order they came: append in O(1). */
	if (!q->tail || q->tail->ts <= due) {
		if (q->tail)
			q->tail->next = p;
		else
			q->head = p;
		q->tail = p;
		return;
	}
	for (pp = &q->head; (*pp)->ts <= due; pp = &(*pp)->next)
		;
	p->next = *pp;
	*pp = p;
}

/* Remove and return the first frame due at NOW or before; NULL if none is. */
struct ng_pkt *ng_frameq_pop_due(struct ng_frameq *q, uint64_t now)
{
	struct ng_pkt *p = q->head;

	if (!p || p->ts > now)
		return NULL;
	q->head = p->next;
	if (!q->head)
		q->tail = NULL;
	p->next = NULL;
	q->n--;
	return p;
}

/* Return every held frame to its pool (each to its own: frames may come from several pools). */
void ng_frameq_free(struct ng_frameq *q)
{
	ng_pkt_free_chain(q->head);
	q->head = q->tail = NULL;
	q->n = 0;
}

/* Corrupt P by flipping exactly one uniformly chosen bit of its data. */
void ng_link_flip_bit(struct ng_pkt *p, struct ng_rng *r)
{
	uint32_t bit;

	if (!p->len)
		return;
	bit = ng_rng_below(r, p->len * 8u);
	ng_pkt_data(p)[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

/* A biased coin: true with probability PROB; certain outcomes draw nothing from R. */
bool ng_link_chance(struct ng_rng *r, double prob)
{
	if (prob <= 0.0)
		return false;
	if (prob >= 1.0)
		return true;
	return ng_rng_double(r) < prob;
}

/* A uniform extra delay in [0, JITTER] ns drawn from R. */
uint64_t ng_link_jitter(struct ng_rng *r, uint64_t jitter)
{
	if (!jitter)
		return 0;
	/* jitter + 1 possible values; the modulo bias is below 2^-40 for any sane jitter. */
	return ng_rng_next(r) % (jitter + 1);
}

/* Complete a partial checksum as a NIC would: the field at START + OFFSET holds the pseudo-header
 * sum, so the sum of everything from START on is the final checksum. False when out of bounds. */
bool ng_link_finish_csum(uint8_t *f, size_t len, size_t start, size_t offset)
{
	size_t at = start + offset;

	if (start >= len || at + 2 > len)
		return false;
	ng_put16(f + at, ng_csum(f + start, len - start));
	return true;
}

/* Cut the TCP/IPv4 super-segment F (LEN bytes) into segments of at most MSS payload bytes, each
 * a packet of POOL queued on Q (due at once). Headers are checked with the wire parsers first.
 * Returns the number of segments queued (0 when the frame was malformed or the pool ran dry first).
 */
unsigned ng_link_segment_tcp4(struct ng_frameq *q, struct ng_pktpool *pool, const uint8_t *f,
                              size_t len, uint32_t mss)
{
	struct ng_eth_hdr eh;
	struct ng_ipv4_hdr ip;
	struct ng_tcp_hdr th;
	size_t l3 = NG_ETH_HLEN, l4, hdrs, payload, off;
	unsigned n = 0;

	if (ng_eth_parse(f, len, &eh) != NG_DROP_NONE || eh.type != NG_ETH_P_IPV4 ||
	    ng_ipv4_parse(f + l3, len - l3, &ip) != NG_DROP_NONE || ip.proto != NG_IP_PROTO_TCP ||
	    ng_ipv4_is_fragment(&ip))
		return 0;
	l4 = l3 + ip.hlen;
	if (ng_tcp_parse_nocsum(f + l4, ip.tot_len - ip.hlen, &th) != NG_DROP_NONE || !mss)
		return 0;
	hdrs = l4 + th.hlen;
	payload = l3 + ip.tot_len - hdrs;
	for (off = 0; off < payload || (off == 0 && payload == 0); off += mss) {
		size_t seg = payload - off < mss ? payload - off : mss;
		size_t tcp_len = th.hlen + seg;
		struct ng_pkt *p = ng_pkt_alloc(pool);
		uint8_t *d, *t;
		uint64_t sum;

		if (!p || ng_pkt_tailroom(p) < hdrs + seg) {
			ng_pkt_free(p);
			break;
		}
		d = ng_pkt_put(p, (uint32_t)(hdrs + seg));
		memcpy(d, f, hdrs);
		memcpy(d + hdrs, f + hdrs + off, seg);
		/* IPv4: total length, ID, header checksum */
		ng_put16(d + l3 + 2, (uint16_t)(ip.hlen + tcp_len));
		ng_put16(d + l3 + 4, (uint16_t)(ip.id + n));
		ng_put16(d + l3 + 10, 0);
		ng_put16(d + l3 + 10, ng_csum(d + l3, ip.hlen));
		/* TCP: sequence number, flags, checksum */
		t = d + l4;
		ng_put32(t + 4, th.seq + (uint32_t)off);
		if (off + seg < payload)
			t[13] &= (uint8_t) ~(NG_TCP_FIN | NG_TCP_PSH);
		if (off)
			t[13] &= (uint8_t)~NG_TCP_CWR;
		ng_put16(t + 16, 0);
		sum = ng_csum_pseudo(ip.src, ip.dst, NG_IP_PROTO_TCP, (uint16_t)tcp_len);
		ng_put16(t + 16, ng_csum_finish(ng_csum_add(sum, t, tcp_len)));
		ng_frameq_insert(q, p, 0);
		n++;
		if (!payload)
			break;
	}
	return n;
}
