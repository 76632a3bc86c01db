// SPDX-License-Identifier: MIT
/*
 * A binary buddy allocator over one arena reserved when the stack starts: the memory of the
 * TCP connections' send and receive rings, so that opening a connection (a SYN arriving) takes
 * no malloc and no system call on the packet path (DESIGN 2.3).
 *
 * The arena is 2^max bytes, handed out in blocks of 2^k bytes (min <= k <= max). A request is
 * rounded up to the next power of two; a larger free block is split in halves down to that
 * size; a freed block merges with its buddy (the other half of its parent) while that is free
 * too, so the arena does not splinter. Every operation is O(max - min) (here at most ~20 steps).
 * Bookkeeping lives outside the arena: one byte per smallest block (the order of a free or
 * used block at its first index) and a doubly linked free list per order as indices, so the
 * arena's pages are touched only by the rings themselves: a ring that is never written costs
 * no resident memory. The arena is an anonymous private mapping made when the stack is created
 * (like the packet pools' malloc, a start-up cost, never one on the packet path): its address
 * space is reserved, not filled (MAP_NORESERVE), so a large tcp_mem_max costs nothing until
 * connections use it.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/core_internal.h"

/* Under AddressSanitizer the bytes of a block beyond what was asked for, and whole free blocks,
 * are poisoned, so an overrun of a ring is caught as it would be with malloc. */
#if defined(__SANITIZE_ADDRESS__)
#define NG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NG_ASAN 1
#endif
#endif
#ifdef NG_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define TAG_FREE 0x80u /* TAG low bits: order - min; 0 in an index that is no block's first */
#define TAG_USED 0x40u
#define NIL      UINT32_MAX

struct ng_buddy {
	uint8_t *base;
	unsigned min, max; /* log2 of the smallest block and of the arena */
	uint32_t nblk;     /* smallest blocks in the arena */
	uint8_t *tag; /* per smallest block: TAG_FREE/TAG_USED | (order - min) at a block's first */
	uint32_t *next, *prev; /* free list links, by smallest-block index */
	uint32_t head[32];     /* free list per order - min */
	size_t used;           /* bytes in used blocks */
};

static unsigned log2_ceil(size_t n)
{
	unsigned k = 0;

	while (((size_t)1 << k) < n)
		k++;
	return k;
}

static void list_push(struct ng_buddy *b, unsigned o, uint32_t i)
{
	b->tag[i] = (uint8_t)(TAG_FREE | o);
	b->prev[i] = NIL;
	b->next[i] = b->head[o];
	if (b->head[o] != NIL)
		b->prev[b->head[o]] = i;
	b->head[o] = i;
}

static void list_remove(struct ng_buddy *b, unsigned o, uint32_t i)
{
	if (b->prev[i] != NIL)
		b->next[b->prev[i]] = b->next[i];
	else
		b->head[o] = b->next[i];
	if (b->next[i] != NIL)
		b->prev[b->next[i]] = b->prev[i];
	b->tag[i] = 0;
}

/* An arena of at least BYTES (rounded up to a power of two) in blocks of at least MIN_BLOCK
 * (rounded up to a power of two). The arena is reserved, its pages untouched. NULL on failure. */
struct ng_buddy *ng_buddy_create(size_t bytes, size_t min_block)
{
	struct ng_buddy *b = calloc(1, sizeof(*b));
	unsigned min = log2_ceil(min_block < 64 ? 64 : min_block);
	unsigned max = log2_ceil(bytes);

	if (!b || max < min || max - min >= 32 || max >= sizeof(size_t) * 8 - 1) {
		free(b);
		return NULL;
	}
	b->min = min;
	b->max = max;
	b->nblk = (uint32_t)1 << (max - min);
	b->base = mmap(NULL, (size_t)1 << max, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (b->base == MAP_FAILED)
		b->base = NULL;
	b->tag = calloc(b->nblk, 1);
	b->next = malloc(b->nblk * sizeof(uint32_t));
	b->prev = malloc(b->nblk * sizeof(uint32_t));
	if (!b->base || !b->tag || !b->next || !b->prev) {
		ng_buddy_destroy(b);
		return NULL;
	}
	for (unsigned o = 0; o < 32; o++)
		b->head[o] = NIL;
	list_push(b, max - min, 0);
	return b;
}

void ng_buddy_destroy(struct ng_buddy *b)
{
	if (!b)
		return;
	if (b->base)
		munmap(b->base,
		       (size_t)1 << b->max); /* ASan forgets the poison of unmapped pages */
	free(b->tag);
	free(b->next);
	free(b->prev);
	free(b);
}

/* The block size a request of N bytes takes (N rounded up to a power of two, at least the
 * smallest block); 0 when N is larger than the arena. */
size_t ng_buddy_block_size(const struct ng_buddy *b, size_t n)
{
	unsigned k = log2_ceil(n ? n : 1);

	if (k < b->min)
		k = b->min;
	return k > b->max ? 0 : (size_t)1 << k;
}

/* A block of at least N bytes, or NULL when no free block is large enough. */
void *ng_buddy_alloc(struct ng_buddy *b, size_t n)
{
	size_t size = ng_buddy_block_size(b, n);
	unsigned want, o;
	uint32_t i;

	if (!size)
		return NULL;
	want = log2_ceil(size) - b->min;
	for (o = want; o <= b->max - b->min && b->head[o] == NIL; o++)
		;
	if (o > b->max - b->min)
		return NULL;
	i = b->head[o];
	list_remove(b, o, i);
	/* split: keep the lower half, free the upper, down to the size wanted */
	while (o > want) {
		o--;
		list_push(b, o, i + ((uint32_t)1 << o));
	}
	b->tag[i] = (uint8_t)(TAG_USED | want);
	b->used += size;
	UNPOISON(b->base + ((size_t)i << b->min), n);
	POISON(b->base + ((size_t)i << b->min) + n, size - n);
	return b->base + ((size_t)i << b->min);
}

/* Give back a block from ng_buddy_alloc (NULL is ignored); merged with free buddies. */
void ng_buddy_free(struct ng_buddy *b, void *p)
{
	size_t off;
	uint32_t i;
	unsigned o;

	if (!p)
		return;
	off = (size_t)((uint8_t *)p - b->base);
	i = (uint32_t)(off >> b->min);
	if (off >= ((size_t)1 << b->max) || !(b->tag[i] & TAG_USED))
		return; /* not a block we handed out: an invariant broken elsewhere */
	o = b->tag[i] & 0x3fu;
	b->used -= (size_t)1 << (o + b->min);
	POISON(p, (size_t)1 << (o + b->min));
	b->tag[i] = 0;
	while (o < b->max - b->min) {
		uint32_t buddy = i ^ ((uint32_t)1 << o);
		if (b->tag[buddy] != (TAG_FREE | o))
			break;
		list_remove(b, o, buddy);
		i &= ~((uint32_t)1 << o);
		o++;
	}
	list_push(b, o, i);
}

/* Bytes in blocks handed out. */
size_t ng_buddy_used(const struct ng_buddy *b)
{
	return b->used;
}

/* Size of the arena. */
size_t ng_buddy_capacity(const struct ng_buddy *b)
{
	return (size_t)1 << b->max;
}
