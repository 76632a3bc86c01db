// SPDX-License-Identifier: MIT
/* Packet buffers: a fixed pool of equal-sized buffers, all allocated when the pool is created. */
/*
 * Theory of operation: the pool owns COUNT packet descriptors and COUNT data buffers (one malloc
 * each, so a sanitizer sees an overrun past one buffer). Buffers are not zeroed: a packet's bytes
 * are always written before they are read (len starts at 0), and untouched buffers then cost no
 * resident memory and no start-up time (1024 buffers of 64 KiB would be 64 MiB of memset). Free
 * descriptors sit on a singly linked free list threaded through ->next; alloc and free are O(1) and
 * never touch the allocator. A per-packet "free" flag catches double frees and foreign packets. The
 * pool counts packets handed out (for leak checks at teardown) and allocations refused because it
 * was empty.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "natgate/pkt.h"

struct ng_pktpool {
	struct ng_pkt *pkts; /* COUNT descriptors */
	bool *is_free;       /* per descriptor: on the free list */
	struct ng_pkt *free; /* free list */
	uint32_t count;
	uint32_t size;
	uint32_t in_use;
	uint64_t exhausted;
};

/* Allocate the pool and all of its buffers now. Returns NULL on bad arguments or no memory. */
struct ng_pktpool *ng_pktpool_create(uint32_t count, uint32_t size)
{
	struct ng_pktpool *pool;
	uint32_t i;

	if (count == 0 || size == 0)
		return NULL;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pool->pkts = calloc(count, sizeof(*pool->pkts));
	pool->is_free = calloc(count, sizeof(*pool->is_free));
	if (!pool->pkts || !pool->is_free)
		goto fail;
	pool->count = count;
	pool->size = size;
	for (i = 0; i < count; i++) {
		struct ng_pkt *p = &pool->pkts[i];

		p->head = malloc(size);
		if (!p->head)
			goto fail;
		p->pool = pool;
		p->cap = size;
	}
	/* Thread the free list so that the first descriptor is handed out first. */
	for (i = count; i-- > 0;) {
		pool->pkts[i].next = pool->free;
		pool->free = &pool->pkts[i];
		pool->is_free[i] = true;
	}
	return pool;
fail:
	if (pool->pkts) {
		for (i = 0; i < count; i++)
			free(pool->pkts[i].head);
	}
	free(pool->pkts);
	free(pool->is_free);
	free(pool);
	return NULL;
}

/* Free the pool and every buffer; returns the packets still handed out (a leak when > 0). Their
 * memory goes too, so an outstanding packet must not be touched afterwards. */
uint32_t ng_pktpool_destroy(struct ng_pktpool *pool)
{
	uint32_t i, leaked;

	if (!pool)
		return 0;
	leaked = pool->in_use;
	for (i = 0; i < pool->count; i++)
		free(pool->pkts[i].head);
	free(pool->pkts);
	free(pool->is_free);
	free(pool);
	return leaked;
}

uint32_t ng_pktpool_in_use(const struct ng_pktpool *pool)
{
	return pool->in_use;
}

uint64_t ng_pktpool_exhausted(const struct ng_pktpool *pool)
{
	return pool->exhausted;
}

uint32_t ng_pktpool_bufsize(const struct ng_pktpool *pool)
{
	return pool->size;
}

/* Take a packet off the free list, reset to empty with the standard headroom (or the whole
 * buffer when it is smaller). NULL when the pool is empty, counted as exhaustion. */
struct ng_pkt *ng_pkt_alloc(struct ng_pktpool *pool)
{
	struct ng_pkt *p = pool->free;

	if (!p) {
		pool->exhausted++;
		return NULL;
	}
	pool->free = p->next;
	pool->is_free[p - pool->pkts] = false;
	pool->in_use++;
	p->next = NULL;
	p->off = pool->size < NG_PKT_HEADROOM ? pool->size : NG_PKT_HEADROOM;
	p->len = 0;
	p->l3 = 0;
	p->ifc = NULL;
	p->ts = 0;
	p->gso_size = 0;
	p->flags = 0;
	return p;
}

/* Return P to its pool. NULL is ignored; a double free is an invariant violation. */
void ng_pkt_free(struct ng_pkt *p)
{
	struct ng_pktpool *pool;
	size_t idx;

	if (!p)
		return;
	pool = p->pool;
	idx = (size_t)(p - pool->pkts);
	assert(idx < pool->count && "packet not from this pool");
	assert(!pool->is_free[idx] && "packet freed twice");
	if (idx >= pool->count || pool->is_free[idx])
		return; /* with NDEBUG: refuse rather than corrupt the free list */
	pool->is_free[idx] = true;
	pool->in_use--;
	p->next = pool->free;
	pool->free = p;
}

/* Copy P into a fresh packet of the same pool: buffer contents up to the end of the data (so
 * headers already pulled, e.g. the Ethernet header before l3, come along), off, len, l3, ifc, ts.
 * NULL when the pool is empty. */
struct ng_pkt *ng_pkt_clone(const struct ng_pkt *p)
{
	struct ng_pkt *c = ng_pkt_alloc(p->pool);

	if (!c)
		return NULL;
	memcpy(c->head, p->head, (size_t)p->off + p->len);
	c->off = p->off;
	c->len = p->len;
	c->l3 = p->l3;
	c->ifc = p->ifc;
	c->ts = p->ts;
	c->gso_size = p->gso_size;
	c->flags = p->flags;
	return c;
}

/* Free every packet on a ->next chain. */
void ng_pkt_free_chain(struct ng_pkt *p)
{
	while (p) {
		struct ng_pkt *n = p->next;

		ng_pkt_free(p);
		p = n;
	}
}

uint8_t *ng_pkt_push(struct ng_pkt *p, uint32_t n)
{
	if (n > p->off)
		return NULL;
	p->off -= n;
	p->len += n;
	return p->head + p->off;
}

uint8_t *ng_pkt_pull(struct ng_pkt *p, uint32_t n)
{
	if (n > p->len)
		return NULL;
	p->off += n;
	p->len -= n;
	return p->head + p->off;
}

uint8_t *ng_pkt_put(struct ng_pkt *p, uint32_t n)
{
	uint8_t *t;

	if (n > ng_pkt_tailroom(p))
		return NULL;
	t = p->head + p->off + p->len;
	p->len += n;
	return t;
}

void ng_pkt_trim(struct ng_pkt *p, uint32_t len)
{
	if (len < p->len)
		p->len = len;
}
