// SPDX-License-Identifier: MIT
/* IPv4 reassembly (RFC 791 3.2, RFC 815) with bounded slots, bounded memory and a timeout. */
#include <stdlib.h>

#include "net/net_internal.h"

/*
 * Theory of operation.
 *
 * A datagram under reassembly owns one slot, keyed by (src, dst, proto, id) (RFC 791), and one
 * packet buffer taken from the pool when its first fragment arrives. Each fragment's payload is
 * copied straight to its place in that buffer (payload byte 0 at REASM_BASE, leaving room for the
 * Ethernet and largest IP header in front) and the fragment is freed at once, so a datagram holds
 * exactly one buffer however it was cut. The slot records the byte ranges received as a short
 * sorted list of disjoint [start, end) intervals, merged when they touch (RFC 815's hole list
 * seen from the other side); the datagram is complete when one interval covers [0, total) and
 * the last fragment (MF clear) has fixed the total.
 *
 * Overlaps are an attack or a broken sender: a fragment that overlaps received data drops the
 * whole datagram (IP_FRAG_OVERLAP, as RFC 5722 prescribes for IPv6), except an exact repeat of
 * bytes already held, which a duplicating network produces and which is ignored. Datagrams over
 * 65535 bytes (IP_FRAG_TOO_BIG) and inconsistent last fragments (IP_FRAG_BAD) are dropped too.
 *
 * Bounds: cfg.reasm_slots datagrams at once (a new one evicts the oldest, IP_FRAG_NOSLOT, so
 * leftovers of lost fragments cannot block reassembly for the whole timeout); payload bytes held
 * by all slots at most cfg.reasm_max_bytes (oldest other datagrams are evicted to make room); a
 * datagram not complete after cfg.reasm_timeout_ns is dropped (IP_FRAG_TIMEOUT) with an ICMP time
 * exceeded, code 1, when its first fragment had arrived (RFC 792, RFC 1122 3.3.2).
 */

#define REASM_RANGES 64
#define REASM_BASE   (NG_ETH_HLEN + 60)

struct reasm_range {
	uint32_t start, end;
};

struct reasm_slot {
	struct ng_timer timer;
	struct ng_reasm *r;
	struct ng_pkt *buf; /* NULL: slot free */
	uint64_t created;
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	bool have_first, have_last;
	struct ng_ipv4_hdr first; /* header of the fragment at offset 0 */
	uint32_t total;           /* payload length, known once the last fragment came */
	uint32_t bytes;           /* payload bytes held */
	uint32_t nr;
	struct reasm_range rg[REASM_RANGES];
};

struct ng_reasm {
	struct ng_stack *st;
	struct reasm_slot *s;
	uint32_t n;
	uint32_t bytes; /* payload bytes held by all slots */
};

/* Release slot S and its buffer (not counted: callers count the reason). */
static void slot_free(struct reasm_slot *s)
{
	struct ng_reasm *r = s->r;

	ng_timer_cancel(r->st->timers, &s->timer);
	ng_pkt_free(s->buf);
	s->buf = NULL;
	r->bytes -= s->bytes;
	s->bytes = 0;
}

/* RFC 791: give up on an incomplete datagram; RFC 792 time exceeded code 1 if we had its head. */
static void slot_timeout(struct ng_timer *t, uint64_t now)
{
	struct reasm_slot *s = ng_container_of(t, struct reasm_slot, timer);
	struct ng_stack *st = s->r->st;
	(void)now;

	if (s->have_first) {
		/* Rebuild the first fragment in the buffer to quote it in the error. */
		struct ng_pkt *b = s->buf;
		b->off = REASM_BASE - s->first.hlen;
		b->len = s->first.hlen + (s->rg[0].start == 0 ? s->rg[0].end : 0);
		ng_ipv4_emit(b->head + b->off, s->first.hlen, &s->first);
		ng_icmp_send_error(st, b, NG_ICMP_TIME_EXCEEDED, 1, 0);
	}
	ng_drop_count(st, NG_DROP_IP_FRAG_TIMEOUT);
	slot_free(s);
}

static struct reasm_slot *slot_find(struct ng_reasm *r, const struct ng_ipv4_hdr *ip)
{
	for (uint32_t i = 0; i < r->n; i++) {
		struct reasm_slot *s = &r->s[i];
		if (s->buf && s->id == ip->id && s->src == ip->src && s->dst == ip->dst &&
		    s->proto == ip->proto)
			return s;
	}
	return NULL;
}

/* The busy slot that has waited longest, other than KEEP; NULL if none. */
static struct reasm_slot *slot_oldest(struct ng_reasm *r, const struct reasm_slot *keep)
{
	struct reasm_slot *old = NULL;
	for (uint32_t i = 0; i < r->n; i++) {
		struct reasm_slot *s = &r->s[i];
		if (s->buf && s != keep && (!old || s->created < old->created))
			old = s;
	}
	return old;
}

/* A slot for the new datagram of IP, evicting the oldest when all are busy. NULL: no buffer. */
static struct reasm_slot *slot_new(struct ng_reasm *r, const struct ng_ipv4_hdr *ip)
{
	struct ng_stack *st = r->st;
	struct reasm_slot *s = NULL;
	struct ng_pkt *buf;

	for (uint32_t i = 0; i < r->n && !s; i++)
		if (!r->s[i].buf)
			s = &r->s[i];
	if (!s) {
		s = slot_oldest(r, NULL);
		ng_drop_count(st, NG_DROP_IP_FRAG_NOSLOT);
		slot_free(s);
	}
	/* A datagram's size is known only at its last fragment: take the pool's largest buffer
	 * class (a small buffer when none is free; ng_reasm_input refuses what it cannot hold). */
	buf = NULL;
	if (ng_pktpool_maxsize(st->pool) > ng_pktpool_bufsize(st->pool))
		buf = ng_pkt_alloc_len(st->pool, ng_pktpool_maxsize(st->pool) - NG_PKT_HEADROOM);
	if (buf)
		buf->ts = st->now;
	else
		buf = ng_stack_alloc(st);
	if (!buf)
		return NULL;
	memset(s, 0, sizeof(*s));
	ng_timer_init(&s->timer, slot_timeout);
	s->r = r;
	s->buf = buf;
	s->created = st->now;
	s->src = ip->src;
	s->dst = ip->dst;
	s->id = ip->id;
	s->proto = ip->proto;
	ng_timer_arm(st->timers, &s->timer, st->now + st->cfg.reasm_timeout_ns);
	return s;
}

/* Record [start, end) as received; false when the interval list is full. No overlap exists. */
static bool range_add(struct reasm_slot *s, uint32_t start, uint32_t end)
{
	uint32_t i = 0;

	while (i < s->nr && s->rg[i].end < start)
		i++;
	if (i < s->nr && s->rg[i].end == start) {
		s->rg[i].end = end;
		if (i + 1 < s->nr && s->rg[i + 1].start == end) {
			s->rg[i].end = s->rg[i + 1].end;
			memmove(&s->rg[i + 1], &s->rg[i + 2], (s->nr - i - 2) * sizeof(s->rg[0]));
			s->nr--;
		}
		return true;
	}
	if (i < s->nr && s->rg[i].start == end) {
		s->rg[i].start = start;
		return true;
	}
	if (s->nr == REASM_RANGES)
		return false;
	memmove(&s->rg[i + 1], &s->rg[i], (s->nr - i) * sizeof(s->rg[0]));
	s->rg[i].start = start;
	s->rg[i].end = end;
	s->nr++;
	return true;
}

/* Drop the whole datagram of S and the fragment P, counted once as WHY. Returns NULL. */
static struct ng_pkt *drop_all(struct ng_stack *st, struct reasm_slot *s, struct ng_pkt *p,
                               enum ng_drop why)
{
	if (s)
		slot_free(s);
	ng_drop_pkt(st, p, why);
	return NULL;
}

/*
 * Take fragment P (data at the IP header IP, trimmed to its total length). Returns the complete
 * datagram in the slot's buffer (data at a rewritten, unfragmented header; l3 and ifc set) when
 * this fragment completed it, else NULL. Consumes P.
 */
struct ng_pkt *ng_reasm_input(struct ng_stack *st, struct ng_pkt *p, const struct ng_ipv4_hdr *ip)
{
	struct ng_reasm *r = st->reasm;
	const uint8_t *data = ng_pkt_data(p) + ip->hlen;
	uint32_t plen = (uint32_t)ip->tot_len - ip->hlen;
	uint32_t start = ip->frag_off, end = start + plen;
	struct reasm_slot *s;
	struct ng_pkt *out;

	/* RFC 791: every fragment but the last carries a multiple of 8 bytes. */
	if (plen == 0 || (ip->mf && (plen & 7))) {
		ng_drop_pkt(st, p, NG_DROP_IP_FRAG_BAD);
		return NULL;
	}
	s = slot_find(r, ip);
	if (end + NG_IP_HLEN > 0xffff || REASM_BASE + end > ng_pktpool_maxsize(st->pool))
		return drop_all(st, s, p, NG_DROP_IP_FRAG_TOO_BIG);
	if (!s) {
		s = slot_new(r, ip);
		if (!s) {
			ng_pkt_free(p); /* counted NOBUF by the allocation */
			return NULL;
		}
	}
	/* The slot got a small buffer (no large one was free): it cannot hold this much. */
	if (REASM_BASE + end > s->buf->cap)
		return drop_all(st, s, p, NG_DROP_IP_FRAG_TOO_BIG);
	if (!ip->mf) {
		if ((s->have_last && end != s->total) || (s->nr && s->rg[s->nr - 1].end > end))
			return drop_all(st, s, p, NG_DROP_IP_FRAG_BAD);
		s->have_last = true;
		s->total = end;
	} else if (s->have_last && end > s->total) {
		return drop_all(st, s, p, NG_DROP_IP_FRAG_BAD);
	}
	for (uint32_t i = 0; i < s->nr; i++) {
		const struct reasm_range *g = &s->rg[i];
		if (start >= g->end || end <= g->start)
			continue;
		if (start >= g->start && end <= g->end &&
		    memcmp(s->buf->head + REASM_BASE + start, data, plen) == 0) {
			ng_pkt_free(p); /* an exact duplicate: harmless */
			return NULL;
		}
		return drop_all(st, s, p, NG_DROP_IP_FRAG_OVERLAP);
	}
	while (r->bytes + plen > st->cfg.reasm_max_bytes) {
		struct reasm_slot *victim = slot_oldest(r, s);
		if (!victim)
			return drop_all(st, s, p, NG_DROP_IP_FRAG_NOSLOT);
		ng_drop_count(st, NG_DROP_IP_FRAG_NOSLOT);
		slot_free(victim);
	}
	if (!range_add(s, start, end))
		return drop_all(st, s, p, NG_DROP_IP_FRAG_BAD);
	memcpy(s->buf->head + REASM_BASE + start, data, plen);
	s->bytes += plen;
	r->bytes += plen;
	if (start == 0) {
		s->first = *ip;
		s->have_first = true;
	}
	if (!s->have_first || !s->have_last || s->nr != 1 || s->rg[0].end != s->total) {
		ng_pkt_free(p);
		return NULL;
	}
	if (s->first.hlen + s->total > 0xffff)
		return drop_all(st, s, p, NG_DROP_IP_FRAG_TOO_BIG);
	/* Complete: write the first fragment's header, unfragmented, in front of the payload. */
	out = s->buf;
	s->buf = NULL;
	slot_free(s);
	s->first.mf = false;
	s->first.frag_off = 0;
	s->first.tot_len = (uint16_t)(s->first.hlen + s->total);
	out->off = REASM_BASE - s->first.hlen;
	out->len = s->first.tot_len;
	ng_ipv4_emit(out->head + out->off, s->first.hlen, &s->first);
	out->l3 = out->off;
	out->ifc = p->ifc;
	out->ts = st->now;
	ng_pkt_free(p);
	ng_count(st, NG_CNT_IP_REASM_OK, 1);
	return out;
}

/* Allocate cfg.reasm_slots slots (buffers are taken from the pool only while in use). */
int ng_reasm_create(struct ng_stack *st)
{
	struct ng_reasm *r = calloc(1, sizeof(*r));

	if (!r)
		return -NG_ENOMEM;
	r->st = st;
	r->n = st->cfg.reasm_slots ? st->cfg.reasm_slots : 1;
	r->s = calloc(r->n, sizeof(*r->s));
	if (!r->s) {
		free(r);
		return -NG_ENOMEM;
	}
	for (uint32_t i = 0; i < r->n; i++) {
		r->s[i].r = r;
		ng_timer_init(&r->s[i].timer, slot_timeout);
	}
	st->reasm = r;
	return 0;
}

/* Free every datagram under reassembly and the table. */
void ng_reasm_destroy(struct ng_stack *st)
{
	struct ng_reasm *r = st->reasm;

	for (uint32_t i = 0; i < r->n; i++)
		if (r->s[i].buf)
			slot_free(&r->s[i]);
	free(r->s);
	free(r);
	st->reasm = NULL;
}
