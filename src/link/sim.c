// SPDX-License-Identifier: MIT
/* The simulated wire: two link ends joined by a lossy, slow, reordering cable on a virtual clock.
 *
 * Theory of operation. The wire holds no clock: every xmit, recv and deadline call carries the
 * caller's time, and the wire computes from it when each frame arrives. A frame sent at NOW
 * first waits for the frames ahead of it to be serialised (bandwidth limit: a frame cannot start
 * before the previous one of the same direction finished; it takes len*8/rate), then travels
 * for the propagation delay plus a uniform jitter. It then sits in the receiving end's queue,
 * ordered by arrival time, until recv is called with a time at or after it; deadline() tells the
 * caller when that is. Faults are drawn per frame from a generator seeded per direction, so one
 * direction's traffic does not change the other's dice, and a seed replays a run exactly:
 *
 *   queue full (more than queue_limit frames waiting for serialisation) -> tail drop
 *   loss      -> the frame vanishes after using its share of the bandwidth
 *   dup       -> a clone (ng_pkt_clone) arrives right behind the original
 *   corrupt   -> one uniformly chosen bit of the frame is flipped (the original, not the clone)
 *   reorder   -> the frame is held back a further delay + jitter + 1 ms so later frames pass it
 *
 * Ownership. A frame in flight is the sender's packet (no copy on xmit). recv copies it into a
 * packet of the receiver's pool and frees the original, so each stack only ever holds packets of
 * its own pool and its leak check stays meaningful. Destroying either end frees every frame in
 * flight in both directions (they belong to the two stacks' pools, which are checked for leaks
 * after the links are gone) and cuts the wire: later frames sent by the other end are dropped.
 * The wire's memory goes when both ends are destroyed.
 */
#include <stdlib.h>
#include <string.h>

#include "link/link_internal.h"
#include "wire/wire_internal.h"

/* Frames travelling towards one end. */
struct sim_dir {
	struct ng_frameq q;
	struct ng_rng rng;
	uint64_t busy_until; /* when the frame being serialised finishes */
	uint64_t *ring;      /* serialisation end times of the last queue_limit frames accepted */
	uint32_t ring_pos;
};

struct sim_wire;

struct sim_end {
	struct ng_link l;
	struct sim_wire *w;
	unsigned idx;
	bool alive;
};

struct sim_wire {
	struct ng_sim_config c;
	struct sim_end end[2];
	struct sim_dir dir[2]; /* dir[i]: frames on their way to end[i] */
	struct ng_sim_stats stats;
};

static struct sim_end *to_end(const struct ng_link *l)
{
	return ng_container_of(l, struct sim_end, l);
}

/* Fill C with a perfect wire: no faults, no delay, unlimited rate, 1024-frame queue, MTU 1500. */
void ng_sim_config_default(struct ng_sim_config *c)
{
	memset(c, 0, sizeof(*c));
	c->queue_limit = 1024;
	c->mtu = 1500;
}

static bool prob_ok(double p)
{
	return p >= 0.0 && p <= 1.0; /* also false for NaN */
}

/* Put P on the wire towards the other end; consumes P. Faults and timing as described on top.
 * Returns 0 when the wire took the frame (even if it then lost it, as a network would), or
 * -NG_EMSGSIZE for a frame larger than the MTU allows. */
static int sim_xmit(struct ng_link *l, struct ng_pkt *p, uint64_t now)
{
	struct sim_end *e = to_end(l);
	struct sim_wire *w = e->w;
	struct sim_dir *d = &w->dir[!e->idx];
	const struct ng_sim_config *c = &w->c;
	struct ng_pkt *dup = NULL;
	uint64_t tx_end = now, due;

	if (p->len > l->mtu + NG_ETH_HLEN) {
		l->tx_errors++;
		ng_pkt_free(p);
		return -NG_EMSGSIZE;
	}
	l->tx_frames++;
	l->tx_bytes += p->len;
	w->stats.sent++;
	if (!w->end[!e->idx].alive) {
		ng_pkt_free(p); /* the cable is cut */
		return 0;
	}
	if (c->rate_bps) {
		uint32_t qlim = c->queue_limit;
		/* The frame accepted QLIM frames ago is still being sent: QLIM are waiting. */
		if (d->ring[d->ring_pos] > now) {
			w->stats.queue_drops++;
			ng_pkt_free(p);
			return 0;
		}
		tx_end =
		    NG_MAX(now, d->busy_until) + (uint64_t)p->len * 8 * NG_NS_PER_SEC / c->rate_bps;
		d->busy_until = tx_end;
		d->ring[d->ring_pos] = tx_end;
		d->ring_pos = (d->ring_pos + 1) % qlim;
	}
	if (ng_link_chance(&d->rng, c->loss)) {
		w->stats.lost++;
		ng_pkt_free(p);
		return 0;
	}
	if (ng_link_chance(&d->rng, c->dup)) {
		dup = ng_pkt_clone(p); /* NULL when the sender's pool is empty: no duplicate then */
		if (dup)
			w->stats.duplicated++;
	}
	if (ng_link_chance(&d->rng, c->corrupt)) {
		ng_link_flip_bit(p, &d->rng);
		w->stats.corrupted++;
	}
	due = tx_end + c->delay_ns + ng_link_jitter(&d->rng, c->jitter_ns);
	if (ng_link_chance(&d->rng, c->reorder)) {
		due += ng_link_reorder_hold(c->delay_ns, c->jitter_ns);
		w->stats.reordered++;
	}
	ng_frameq_insert(&d->q, p, due);
	if (dup)
		ng_frameq_insert(&d->q, dup, due);
	return 0;
}

/* The next frame that has arrived by NOW, copied into a packet of POOL (the original returns to
 * the sender's pool). A frame that does not fit POOL's buffers, or finds POOL empty, is dropped
 * and counted in rx_errors, as a NIC without a free ring slot would. NULL if nothing arrived. */
static struct ng_pkt *sim_recv(struct ng_link *l, struct ng_pktpool *pool, uint64_t now)
{
	struct sim_end *e = to_end(l);
	struct sim_wire *w = e->w;
	struct sim_dir *d = &w->dir[e->idx];
	struct ng_pkt *p;

	while ((p = ng_frameq_pop_due(&d->q, now))) {
		struct ng_pkt *q = p;
		if (pool && pool != p->pool) {
			q = ng_pkt_alloc(pool);
			if (!q || !ng_pkt_put(q, p->len)) {
				ng_pkt_free(q);
				ng_pkt_free(p);
				l->rx_errors++;
				continue;
			}
			memcpy(ng_pkt_data(q), ng_pkt_data(p), p->len);
			ng_pkt_free(p);
		}
		q->ts = now;
		q->ifc = NULL;
		q->l3 = 0;
		l->rx_frames++;
		l->rx_bytes += q->len;
		w->stats.delivered++;
		return q;
	}
	return NULL;
}

/* When the next frame reaches this end. */
static uint64_t sim_deadline(const struct ng_link *l)
{
	const struct sim_end *e = to_end(l);
	return ng_frameq_next(&e->w->dir[e->idx].q);
}

static int sim_fd(const struct ng_link *l)
{
	(void)l;
	return -1;
}

/* Destroy one end: every frame in flight goes back to its pool and the cable is cut; the wire
 * itself is freed with the second end. */
static void sim_destroy(struct ng_link *l)
{
	struct sim_end *e = to_end(l);
	struct sim_wire *w = e->w;

	e->alive = false;
	ng_frameq_free(&w->dir[0].q);
	ng_frameq_free(&w->dir[1].q);
	if (w->end[0].alive || w->end[1].alive)
		return;
	free(w->dir[0].ring);
	free(w->dir[1].ring);
	free(w);
}

static const struct ng_link_ops sim_ops = {
    .xmit = sim_xmit,
    .recv = sim_recv,
    .deadline = sim_deadline,
    .fd = sim_fd,
    .destroy = sim_destroy,
};

/* Make a wire as configured by C (zero queue_limit / mtu take their defaults); its two ends in
 * *A and *B. 0, -NG_EINVAL for a probability outside 0..1 or an MTU outside 68..65520, or
 * -NG_ENOMEM. */
int ng_sim_wire_create(const struct ng_sim_config *c, struct ng_link **a, struct ng_link **b)
{
	struct sim_wire *w;
	struct ng_rng mac_rng;
	unsigned i;

	if (!c || !a || !b || !prob_ok(c->loss) || !prob_ok(c->dup) || !prob_ok(c->reorder) ||
	    !prob_ok(c->corrupt) || (c->mtu && (c->mtu < 68 || c->mtu > 65520)))
		return -NG_EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -NG_ENOMEM;
	w->c = *c;
	if (!w->c.queue_limit)
		w->c.queue_limit = 1024;
	if (!w->c.mtu)
		w->c.mtu = 1500;
	ng_rng_seed(&mac_rng, c->seed ^ 0x6d61632d73696d00ull);
	for (i = 0; i < 2; i++) {
		struct sim_end *e = &w->end[i];
		/* Independent dice per direction: one direction's traffic leaves the other's alone.
		 */
		ng_rng_seed(&w->dir[i].rng, c->seed * 2 + i + 1);
		if (w->c.rate_bps) {
			w->dir[i].ring = calloc(w->c.queue_limit, sizeof(uint64_t));
			if (!w->dir[i].ring) {
				free(w->dir[0].ring);
				free(w);
				return -NG_ENOMEM;
			}
		}
		e->w = w;
		e->idx = i;
		e->alive = true;
		e->l.ops = &sim_ops;
		memcpy(e->l.name, i ? "simB" : "simA", 5);
		e->l.mtu = w->c.mtu;
		/* Locally administered unicast, seeded, and different for the two ends. */
		ng_rng_bytes(&mac_rng, e->l.mac, 6);
		e->l.mac[0] = 0x02;
		e->l.mac[5] = (uint8_t)((e->l.mac[5] & 0xfe) | i);
	}
	*a = &w->end[0].l;
	*b = &w->end[1].l;
	return 0;
}

/* Counters of the whole wire (both directions) that END belongs to. */
void ng_sim_wire_stats(const struct ng_link *end, struct ng_sim_stats *out)
{
	*out = to_end(end)->w->stats;
}
