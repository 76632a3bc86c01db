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
	uint16_t c;

	if (start >= len || at + 2 > len)
		return false;
	c = ng_csum(f + start, len - start);
	/* RFC 768: a computed UDP checksum of 0 goes as all ones (0 means "none"); offset 6 is
	 * UDP's checksum field (TCP's is at 16) */
	if (offset == 6 && c == 0)
		c = 0xffff;
	ng_put16(f + at, c);
	return true;
}

/* Cut the TCP/IPv4 super-segment whose IP header is at F + L3 (F is LEN bytes: L3 bytes of link
 * header, copied into every segment, then the datagram) into segments of at most MSS payload
 * bytes: fresh packets of POOL chained through ->next onto *OUT (in sequence order), each with
 * its IP total length, ID (one more per segment), header checksum, TCP sequence number and a
 * complete TCP checksum; FIN and PSH only on the last, CWR only on the first (RFC 3168 6.1.2:
 * the sender reduced its window once). A checksum field F may hold (even a partial one) is
 * ignored. Headers are checked with the wire parsers first. Returns the number of segments made
 * (0 when the datagram is malformed, not TCP, a fragment, or the pool ran dry first: then
 * *OUT holds what was made before). */
unsigned ng_link_segment_tcp4_chain(struct ng_pktpool *pool, const uint8_t *f, size_t len,
                                    size_t l3, uint32_t mss, struct ng_pkt **out)
{
	struct ng_ipv4_hdr ip;
	struct ng_tcp_hdr th;
	struct ng_pkt **tail = out;
	size_t l4, hdrs, payload, off;
	unsigned n = 0;

	*out = NULL;
	if (len < l3 || ng_ipv4_parse(f + l3, len - l3, &ip) != NG_DROP_NONE ||
	    ip.proto != NG_IP_PROTO_TCP || ng_ipv4_is_fragment(&ip) || !mss)
		return 0;
	l4 = l3 + ip.hlen;
	if (ng_tcp_parse_nocsum(f + l4, ip.tot_len - ip.hlen, &th) != NG_DROP_NONE)
		return 0;
	hdrs = l4 + th.hlen;
	payload = l3 + ip.tot_len - hdrs;
	for (off = 0; off < payload || (off == 0 && payload == 0); off += mss) {
		size_t seg = payload - off < mss ? payload - off : mss;
		size_t tcp_len = th.hlen + seg;
		/* a small buffer unless the segments are longer than the pool's small ones */
		struct ng_pkt *p = ng_pkt_alloc_len(pool, (uint32_t)(hdrs + seg));
		uint8_t *d, *t;
		uint64_t sum;

		if (!p || ng_pkt_tailroom(p) < hdrs + seg) {
			ng_pkt_free(p);
			break;
		}
		d = ng_pkt_put(p, (uint32_t)(hdrs + seg));
		memcpy(d, f, hdrs);
		/* IPv4: total length, ID, header checksum */
		ng_put16(d + l3 + 2, (uint16_t)(ip.hlen + tcp_len));
		ng_put16(d + l3 + 4, (uint16_t)(ip.id + n));
		ng_put16(d + l3 + 10, 0);
		ng_put16(d + l3 + 10, ng_csum(d + l3, ip.hlen));
		/* TCP: sequence number, flags, checksum (the payload summed while it is copied) */
		t = d + l4;
		ng_put32(t + 4, th.seq + (uint32_t)off);
		if (off + seg < payload)
			t[13] &= (uint8_t) ~(NG_TCP_FIN | NG_TCP_PSH);
		if (off)
			t[13] &= (uint8_t)~NG_TCP_CWR;
		ng_put16(t + 16, 0);
		sum = ng_csum_pseudo(ip.src, ip.dst, NG_IP_PROTO_TCP, (uint16_t)tcp_len);
		sum = ng_csum_add(sum, t, th.hlen); /* a multiple of 4 bytes: the payload sums on */
		sum = ng_csum_copy(d + hdrs, f + hdrs + off, seg, sum);
		ng_put16(t + 16, ng_csum_finish(sum));
		*tail = p;
		tail = &p->next;
		n++;
		if (!payload)
			break;
	}
	return n;
}

/* Cut the Ethernet-framed TCP/IPv4 super-segment F (LEN bytes) into segments of at most MSS
 * payload bytes (ng_link_segment_tcp4_chain), each a packet of POOL queued on Q (due at once).
 * Returns the number of segments queued. */
unsigned ng_link_segment_tcp4(struct ng_frameq *q, struct ng_pktpool *pool, const uint8_t *f,
                              size_t len, uint32_t mss)
{
	struct ng_eth_hdr eh;
	struct ng_pkt *chain, *p;
	unsigned n;

	if (ng_eth_parse(f, len, &eh) != NG_DROP_NONE || eh.type != NG_ETH_P_IPV4)
		return 0;
	n = ng_link_segment_tcp4_chain(pool, f, len, NG_ETH_HLEN, mss, &chain);
	while ((p = chain)) {
		chain = p->next;
		ng_frameq_insert(q, p, 0);
	}
	return n;
}

/*
 * The packet to hand over a received frame F (FLEN bytes; GSO_SIZE as ng_link_rx_offload gave
 * it) in: P, the packet the link took from POOL for it (NULL when the pool had none), when the
 * frame fits it. A frame too big for P (a two-size pool's small buffer: a super-segment, or a
 * frame of a large MTU) goes into a large buffer when one is free, and P goes back. A
 * super-segment no free buffer can hold whole is cut after all (ng_link_segment_tcp4, the
 * segments queued on Q); a frame that fits nowhere is dropped. Consumes P; returns the packet to
 * copy F into, or NULL (cut, or dropped and counted in L's rx_errors, as is a cut that made
 * nothing). F must not lie in P's buffer unless it fits there.
 */
struct ng_pkt *ng_link_rx_fit(struct ng_link *l, struct ng_frameq *q, struct ng_pktpool *pool,
                              struct ng_pkt *p, const uint8_t *f, size_t flen, uint16_t gso_size)
{
	if (p && ng_pkt_tailroom(p) < flen) {
		struct ng_pkt *big = ng_pkt_alloc_len(pool, (uint32_t)flen);

		if (big) {
			ng_pkt_free(p);
			p = big;
		}
	}
	if (p && gso_size && ng_pkt_tailroom(p) < flen) {
		/* freed first: one more buffer for the segments */
		ng_pkt_free(p);
		if (!ng_link_segment_tcp4(q, pool, f, flen, gso_size))
			l->rx_errors++;
		return NULL;
	}
	if (!p || ng_pkt_tailroom(p) < flen) {
		l->rx_errors++;
		ng_pkt_free(p);
		return NULL;
	}
	return p;
}

/* The virtio-net header that tells the kernel what is left to do for P (the TAP and the AF_PACKET
 * link write it in front of every frame): nothing for a finished frame; for
 * NG_PKT_F_CSUM_PARTIAL, where the TCP/UDP checksum starts and lies; for a gso_size, how to cut
 * the TCP/IPv4 super-segment. P comes from our own stack, but its headers are checked against its
 * length all the same; a frame that does not hold what its flags say goes out as it is. */
void ng_link_offload_hdr(const struct ng_pkt *p, struct virtio_net_hdr *vh)
{
	const uint8_t *d = ng_pkt_data(p), *ip = d + NG_ETH_HLEN;
	uint32_t ihl, thl;

	memset(vh, 0, sizeof(*vh));
	if (!(p->flags & NG_PKT_F_CSUM_PARTIAL) && !p->gso_size)
		return;
	if (p->len < NG_ETH_HLEN + 20 || ng_get16(d + 12) != NG_ETH_P_IPV4 || (ip[0] >> 4) != 4)
		return;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	if (ip[9] == NG_IP_PROTO_TCP && p->len >= NG_ETH_HLEN + ihl + 20) {
		thl = (uint32_t)(ip[ihl + 12] >> 4) * 4;
		vh->csum_offset = 16;
		if (p->gso_size && p->len > NG_ETH_HLEN + ihl + thl) {
			vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
			vh->gso_size = p->gso_size;
			vh->hdr_len = (uint16_t)(NG_ETH_HLEN + ihl + thl);
		}
	} else if (ip[9] == NG_IP_PROTO_UDP && p->len >= NG_ETH_HLEN + ihl + 8) {
		vh->csum_offset = 6;
	} else {
		return;
	}
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->csum_start = (uint16_t)(NG_ETH_HLEN + ihl);
}

/* If Ethernet frame F (LEN bytes) is one TCP/IPv4 datagram, not fragmented, whose headers parse
 * (wire codecs: IP header checksum, lengths, TCP header and options), the offset of its TCP
 * header (else 0), with its IP header in *IP. */
static size_t tcp4_frame(const uint8_t *f, size_t len, struct ng_ipv4_hdr *ip)
{
	struct ng_eth_hdr eh;
	struct ng_tcp_hdr th;

	if (ng_eth_parse(f, len, &eh) != NG_DROP_NONE || eh.type != NG_ETH_P_IPV4 ||
	    ng_ipv4_parse(f + NG_ETH_HLEN, len - NG_ETH_HLEN, ip) != NG_DROP_NONE ||
	    ip->proto != NG_IP_PROTO_TCP || ng_ipv4_is_fragment(ip) ||
	    ng_tcp_parse_nocsum(f + NG_ETH_HLEN + ip->hlen, ip->tot_len - ip->hlen, &th) !=
	        NG_DROP_NONE)
		return 0;
	return NG_ETH_HLEN + ip->hlen;
}

/*
 * What a frame F (LEN bytes) received with virtio-net header VH needs before the stack sees it.
 * WHOLE: the link's owner takes super-segments and partial checksums as they are
 * (struct ng_link rx_whole). Returns:
 *  - NG_LINK_RX_CUT: a TCP/IPv4 super-segment to be cut (ng_link_segment_tcp4): always without
 *    WHOLE, and with it when the frame is not a plain TCP/IPv4 datagram or carries ECN's CWR
 *    across the whole (VIRTIO_NET_HDR_GSO_ECN: only the first segment may carry it).
 *  - NG_LINK_RX_DELIVER: hand F over as one packet with *GSO_SIZE and *FLAGS. With WHOLE a
 *    super-segment keeps its gso_size and is NG_PKT_F_CSUM_PARTIAL (a kernel that did not ask
 *    for the checksum to be finished still vouched for the data: the field is set to the
 *    pseudo-header sum here, so the frame can leave through any TSO link); a TCP frame whose
 *    checksum the kernel left partial stays so. Partial checksums of anything else (UDP) are
 *    finished here in both modes, as a NIC would: the stack's UDP and the NAT then see only
 *    complete ones. NG_PKT_F_CSUM_VALID is set (WHOLE only) when the kernel said the data was
 *    verified (DATA_VALID) or made the frame itself (NEEDS_CSUM).
 *  - NG_LINK_RX_BAD: malformed (unknown GSO kind, a checksum position outside the frame).
 */
enum ng_link_rx ng_link_rx_offload(uint8_t *f, size_t len, const struct virtio_net_hdr *vh,
                                   bool whole, uint16_t *gso_size, uint8_t *flags)
{
	struct ng_ipv4_hdr ip;
	size_t l4;
	bool needs = (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0;
	bool valid = (vh->flags & VIRTIO_NET_HDR_F_DATA_VALID) != 0;

	*gso_size = 0;
	*flags = 0;
	if ((vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_TCPV4) {
		if (!whole || (vh->gso_type & VIRTIO_NET_HDR_GSO_ECN) || !vh->gso_size ||
		    !(l4 = tcp4_frame(f, len, &ip)) ||
		    (needs && (vh->csum_start != l4 || vh->csum_offset != 16)))
			return NG_LINK_RX_CUT;
		if (!needs)
			ng_put16(f + l4 + 16, (uint16_t)~ng_csum_finish(ng_csum_pseudo(
			                          ip.src, ip.dst, NG_IP_PROTO_TCP,
			                          (uint16_t)(ip.tot_len - ip.hlen))));
		*gso_size = vh->gso_size;
		*flags = NG_PKT_F_CSUM_PARTIAL | NG_PKT_F_CSUM_VALID;
		return NG_LINK_RX_DELIVER;
	}
	if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return NG_LINK_RX_BAD;
	if (needs) {
		if (whole && vh->csum_offset == 16 && (l4 = tcp4_frame(f, len, &ip)) &&
		    vh->csum_start == l4) {
			*flags = NG_PKT_F_CSUM_PARTIAL | NG_PKT_F_CSUM_VALID;
			return NG_LINK_RX_DELIVER;
		}
		if (!ng_link_finish_csum(f, len, vh->csum_start, vh->csum_offset))
			return NG_LINK_RX_BAD;
		if (whole)
			*flags = NG_PKT_F_CSUM_VALID;
		return NG_LINK_RX_DELIVER;
	}
	if (whole && valid)
		*flags = NG_PKT_F_CSUM_VALID;
	return NG_LINK_RX_DELIVER;
}
