// SPDX-License-Identifier: MIT
/* Link operations that a link may leave out (NULL-safe wrappers), and helpers shared by the
 * drivers: the queue of held frames and the fault dice. */
#include <stdint.h>

#include "link/link_internal.h"

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
