// SPDX-License-Identifier: MIT
/* Packet buffers: a fixed pool of one or two buffer sizes, all allocated when it is created. */
/*
 * Theory of operation: the pool owns COUNT packet descriptors and COUNT data buffers (one malloc
 * each, so a sanitizer sees an overrun past one buffer). Buffers are not zeroed: a packet's bytes
 * are always written before they are read (len starts at 0), and untouched buffers then cost no
 * resident memory and no start-up time (1024 buffers of 64 KiB would be 64 MiB of memset). Free
 * descriptors sit on a singly linked free list threaded through ->next; alloc and free are O(1) and
 * never touch the allocator. A per-packet "free" flag catches double frees and foreign packets. The
 * pool counts packets handed out (for leak checks at teardown) and allocations refused because it
 * was empty.
 *
 * A pool may have two classes: COUNT small buffers (descriptors 0..COUNT-1) for ordinary frames
 * and LARGE_COUNT large ones after them for what does not fit (reassembly, super-segments). Each
 * class has its own free list. ng_pkt_alloc prefers a small buffer and falls back to a large one;
 * ng_pkt_alloc_len asks for a large one only when the bytes need it. A large buffer that is
 * touched stays resident, so keeping them few bounds the memory a busy router holds.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "natgate/pkt.h"

struct ng_pktpool {
	struct ng_pkt *pkts;       /* COUNT descriptors */
	bool *is_free;             /* per descriptor: on the free list */
	struct ng_pkt *free;       /* free list of small buffers */
	struct ng_pkt *free_large; /* free list of large buffers */
	uint32_t count;            /* small buffers */
	uint32_t size;
	uint32_t large_count; /* large buffers (descriptors count .. count+large_count-1) */
	uint32_t large_size;
	uint32_t in_use;
	uint32_t large_in_use;
	uint64_t exhausted;
};

/* Allocate the pool and all of its buffers now. Returns NULL on bad arguments or no memory. */
struct ng_pktpool *ng_pktpool_create(uint32_t count, uint32_t size)
{
	return ng_pktpool_create2(count, size, 0, 0);
}

/* Allocate a two-class pool (COUNT of SIZE, LARGE_COUNT of LARGE_SIZE) and all of its buffers
 * now. LARGE_COUNT 0 makes a single-size pool. NULL on bad arguments or no memory. */
struct ng_pktpool *ng_pktpool_create2(uint32_t count, uint32_t size, uint32_t large_count,
                                      uint32_t large_size)
{
	struct ng_pktpool *pool;
	uint32_t i, total;

	if (count == 0 || size == 0)
		return NULL;
	if (large_count && large_size <= size)
		return NULL;
	if (large_count > UINT32_MAX - count)
		return NULL;
	total = count + large_count;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pool->pkts = calloc(total, sizeof(*pool->pkts));
	pool->is_free = calloc(total, sizeof(*pool->is_free));
	if (!pool->pkts || !pool->is_free)
		goto fail;
	pool->count = count;
	pool->size = size;
	pool->large_count = large_count;
	pool->large_size = large_count ? large_size : size;
	for (i = 0; i < total; i++) {
		struct ng_pkt *p = &pool->pkts[i];
		uint32_t cap = i < count ? size : large_size;

		p->head = malloc(cap);
		if (!p->head)
			goto fail;
		p->pool = pool;
		p->cap = cap;
	}
	/* Thread the free lists so that the first descriptor of each class is handed out first. */
	for (i = total; i-- > 0;) {
		struct ng_pkt **list = i < count ? &pool->free : &pool->free_large;

		pool->pkts[i].next = *list;
		*list = &pool->pkts[i];
		pool->is_free[i] = true;
	}
	return pool;
fail:
	if (pool->pkts) {
		for (i = 0; i < total; i++)
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
	for (i = 0; i < pool->count + pool->large_count; i++)
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

uint32_t ng_pktpool_large_in_use(const struct ng_pktpool *pool)
{
	return pool->large_in_use;
}

uint64_t ng_pktpool_exhausted(const struct ng_pktpool *pool)
{
	return pool->exhausted;
}

uint32_t ng_pktpool_bufsize(const struct ng_pktpool *pool)
{
	return pool->size;
}

uint32_t ng_pktpool_maxsize(const struct ng_pktpool *pool)
{
	return pool->large_size;
}

uint32_t ng_pktpool_avail_size(const struct ng_pktpool *pool)
{
	return pool->free_large ? pool->large_size : pool->size;
}

/* Unlink the head of LIST (non-empty) and reset it to empty with the standard headroom (or the
 * whole buffer when it is smaller). */
static struct ng_pkt *take(struct ng_pktpool *pool, struct ng_pkt **list)
{
	struct ng_pkt *p = *list;
	size_t idx = (size_t)(p - pool->pkts);

	*list = p->next;
	pool->is_free[idx] = false;
	pool->in_use++;
	if (idx >= pool->count)
		pool->large_in_use++;
	p->next = NULL;
	p->off = p->cap < NG_PKT_HEADROOM ? p->cap : NG_PKT_HEADROOM;
	p->len = 0;
	p->l3 = 0;
	p->ifc = NULL;
	p->ts = 0;
	p->gso_size = 0;
	p->flags = 0;
	return p;
}

/* Take a small packet, or a large one when no small one is left. NULL when the pool is empty,
 * counted as exhaustion. */
struct ng_pkt *ng_pkt_alloc(struct ng_pktpool *pool)
{
	if (pool->free)
		return take(pool, &pool->free);
	if (pool->free_large)
		return take(pool, &pool->free_large);
	pool->exhausted++;
	return NULL;
}

/* Take a packet whose buffer holds at least BYTES bytes: small when they fit one (or large when
 * no small one is left), else large. NULL, counted as exhaustion, when no buffer that fits is
 * free (a large request never takes a small buffer, and one larger than every buffer always
 * fails). */
static struct ng_pkt *alloc_fit(struct ng_pktpool *pool, uint64_t bytes)
{
	if (bytes <= pool->size)
		return ng_pkt_alloc(pool);
	if (pool->large_count && bytes <= pool->large_size && pool->free_large)
		return take(pool, &pool->free_large);
	pool->exhausted++;
	return NULL;
}

/* Take a packet whose buffer holds the standard headroom plus NEED bytes (alloc_fit). */
struct ng_pkt *ng_pkt_alloc_len(struct ng_pktpool *pool, uint32_t need)
{
	return alloc_fit(pool, (uint64_t)NG_PKT_HEADROOM + need);
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
	assert(idx < (size_t)pool->count + pool->large_count && "packet not from this pool");
	assert(!pool->is_free[idx] && "packet freed twice");
	if (idx >= (size_t)pool->count + pool->large_count || pool->is_free[idx])
		return; /* with NDEBUG: refuse rather than corrupt the free list */
	pool->is_free[idx] = true;
	pool->in_use--;
	if (idx >= pool->count) {
		pool->large_in_use--;
		p->next = pool->free_large;
		pool->free_large = p;
		return;
	}
	p->next = pool->free;
	pool->free = p;
}

/* Copy P into a fresh packet of the same pool: buffer contents up to the end of the data (so
 * headers already pulled, e.g. the Ethernet header before l3, come along), off, len, l3, ifc, ts.
 * The copy's buffer is small when P's bytes fit one (off + len; tailroom is not kept), else large.
 * NULL when no buffer that fits is free. */
struct ng_pkt *ng_pkt_clone(const struct ng_pkt *p)
{
	struct ng_pkt *c = alloc_fit(p->pool, (uint64_t)p->off + p->len);

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
