/* SPDX-License-Identifier: MIT */
/* Packet buffers: fixed-size buffers with headroom, taken from a pool sized at start. */
#ifndef NATGATE_PKT_H
#define NATGATE_PKT_H

#include <stddef.h>
#include <stdint.h>

/* Headroom reserved in front of a freshly allocated packet for headers pushed later. */
#define NG_PKT_HEADROOM 128
/* Default buffer size: room for the largest IPv4 datagram plus Ethernet and headroom. */
#define NG_PKT_DEFAULT_SIZE (NG_PKT_HEADROOM + 14 + 65536)

struct ng_pktpool;
struct ng_iface;

/*
 * One frame or datagram. Data lives in head[off .. off+len). A packet belongs to exactly one
 * owner at a time (DESIGN.md 2.5); whoever is handed one must free or pass it on, on every path.
 */
struct ng_pkt {
	struct ng_pkt *next;     /* queue linkage for the current owner */
	struct ng_pktpool *pool; /* where it returns when freed */
	uint8_t *head;           /* start of the buffer */
	uint32_t cap;            /* bytes in the buffer */
	uint32_t off;            /* start of data */
	uint32_t len;            /* bytes of data */
	uint32_t l3;             /* offset of the network header from head (set by eth input) */
	struct ng_iface *ifc;    /* interface it arrived on, or NULL */
	uint64_t ts;             /* time of arrival or creation, ns */
	/* Offload state, with the meaning virtio-net gives it (both zero for an ordinary frame;
	 * ng_pkt_alloc clears them, ng_pkt_clone copies them). */
	uint16_t gso_size; /* > 0: a TCP/IPv4 super-segment (one IP header, up to 64 KiB) that
	                    * stands for segments of GSO_SIZE payload bytes each; only links with
	                    * NG_LINK_TX_TSO4 take one, others need it cut (ng_link_segment_tcp4) */
	uint8_t flags;     /* NG_PKT_F_* */
};

/* The TCP/UDP checksum field holds the folded pseudo-header sum, not complemented (Linux's
 * CHECKSUM_PARTIAL, virtio's NEEDS_CSUM): whoever puts the frame on a wire must finish it over
 * the L4 header and payload (ng_link_finish_csum), or hand it to a link with NG_LINK_TX_CSUM.
 * Rewriting an address or port of such a frame adjusts the pseudo-header sum the other way
 * round (it is not complemented). */
#define NG_PKT_F_CSUM_PARTIAL 0x01
/* The L4 checksum is known good (the kernel verified it, or made the frame itself and left it
 * partial): a receiver need not verify it. */
#define NG_PKT_F_CSUM_VALID 0x02

/* Create a pool of COUNT buffers of SIZE bytes each (all allocated now). NULL on failure. */
struct ng_pktpool *ng_pktpool_create(uint32_t count, uint32_t size);
/* Create a pool of two buffer classes: COUNT buffers of SIZE bytes for ordinary frames and
 * LARGE_COUNT buffers of LARGE_SIZE bytes (> SIZE) for what does not fit. LARGE_COUNT 0 (or
 * LARGE_SIZE <= SIZE with LARGE_COUNT 0) is ng_pktpool_create. NULL on failure. */
struct ng_pktpool *ng_pktpool_create2(uint32_t count, uint32_t size, uint32_t large_count,
                                      uint32_t large_size);
/* Free the pool. Returns the number of packets still outstanding (a leak when > 0). */
uint32_t ng_pktpool_destroy(struct ng_pktpool *pool);
/* Packets currently handed out (both classes). */
uint32_t ng_pktpool_in_use(const struct ng_pktpool *pool);
/* Large-class packets currently handed out (0 for a single-size pool). */
uint32_t ng_pktpool_large_in_use(const struct ng_pktpool *pool);
/* Allocations refused because the pool was empty. */
uint64_t ng_pktpool_exhausted(const struct ng_pktpool *pool);
/* Buffer size of the pool's (small) packets: what ng_pkt_alloc is sure to give. */
uint32_t ng_pktpool_bufsize(const struct ng_pktpool *pool);
/* Size of the pool's largest buffers (the large class, or bufsize when there is none). */
uint32_t ng_pktpool_maxsize(const struct ng_pktpool *pool);
/* Size of the largest buffer free right now: maxsize while a large buffer is free, else bufsize
 * (what a sender that could build big packets, e.g. TSO, can count on). */
uint32_t ng_pktpool_avail_size(const struct ng_pktpool *pool);

/* Take a packet (len 0, off NG_PKT_HEADROOM): a small one, or a large one when no small one is
 * left. NULL when the pool is empty (counted). */
struct ng_pkt *ng_pkt_alloc(struct ng_pktpool *pool);
/* Take a packet with room for NEED bytes after the headroom: a small one when they fit, else a
 * large one. NULL (counted as exhaustion) when none that fits is free or none could fit. */
struct ng_pkt *ng_pkt_alloc_len(struct ng_pktpool *pool, uint32_t need);
/* Return a packet to its pool. NULL is ignored. */
void ng_pkt_free(struct ng_pkt *p);
/* A copy of P from P's pool (same data, off, l3, ifc, ts), in a buffer big enough for it. NULL
 * when no such buffer is free. */
struct ng_pkt *ng_pkt_clone(const struct ng_pkt *p);
/* Free a whole ->next chain. */
void ng_pkt_free_chain(struct ng_pkt *p);

static inline uint8_t *ng_pkt_data(const struct ng_pkt *p)
{
	return p->head + p->off;
}
/* Prepend N bytes; returns the new start, or NULL if headroom is short (packet unchanged). */
uint8_t *ng_pkt_push(struct ng_pkt *p, uint32_t n);
/* Remove N bytes from the front; returns the new start, or NULL if len < N (unchanged). */
uint8_t *ng_pkt_pull(struct ng_pkt *p, uint32_t n);
/* Append N bytes; returns a pointer to them, or NULL if tailroom is short (unchanged). */
uint8_t *ng_pkt_put(struct ng_pkt *p, uint32_t n);
/* Cut the data to LEN bytes (no-op if already shorter). */
void ng_pkt_trim(struct ng_pkt *p, uint32_t len);
/* Bytes that can still be pushed / put. */
static inline uint32_t ng_pkt_headroom(const struct ng_pkt *p)
{
	return p->off;
}
static inline uint32_t ng_pkt_tailroom(const struct ng_pkt *p)
{
	return p->cap - p->off - p->len;
}

#endif
