/* SPDX-License-Identifier: MIT */
/* Helpers shared by the link drivers: a queue of frames ordered by release time, and fault dice. */
#ifndef NG_LINK_INTERNAL_H
#define NG_LINK_INTERNAL_H

#include <linux/virtio_net.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core_internal.h"
#include "natgate/link.h"

/*
 * Frames held back until a given time (the simulated wire, the fault wrapper). A held frame keeps
 * its own packet: the queue links packets through p->next and keeps the release time in p->ts,
 * so holding a frame allocates nothing. Frames with equal times leave in the order they came.
 */
struct ng_frameq {
	struct ng_pkt *head, *tail;
	uint32_t n;
};

/* Insert P to leave at DUE (after every frame already queued for DUE or earlier). */
void ng_frameq_insert(struct ng_frameq *q, struct ng_pkt *p, uint64_t due);
/* The first frame whose time is <= NOW, removed from Q; NULL if none is due. */
struct ng_pkt *ng_frameq_pop_due(struct ng_frameq *q, uint64_t now);
/* Free every queued frame. */
void ng_frameq_free(struct ng_frameq *q);
/* Release time of the first frame, UINT64_MAX when empty. */
static inline uint64_t ng_frameq_next(const struct ng_frameq *q)
{
	return q->head ? q->head->ts : UINT64_MAX;
}

/* Flip one bit of P's data chosen uniformly from R (no-op on an empty frame). */
void ng_link_flip_bit(struct ng_pkt *p, struct ng_rng *r);
/* True with probability PROB (draws from R only when 0 < PROB < 1, so a perfect setting
 * consumes no randomness). */
bool ng_link_chance(struct ng_rng *r, double prob);
/* Uniform extra delay in [0, JITTER] ns. */
uint64_t ng_link_jitter(struct ng_rng *r, uint64_t jitter);
/* How much longer a frame chosen for reordering is held: long enough that the frames sent during
 * one delay (plus jitter) and a further millisecond overtake it. */
static inline uint64_t ng_link_reorder_hold(uint64_t delay, uint64_t jitter)
{
	return delay + jitter + NG_NS_PER_MS;
}

/* Finish a partial (offloaded) checksum in frame F of LEN bytes: sum from START, stored at
 * START + OFFSET (6: UDP, whose 0 goes as all ones; 16: TCP). False when that lies outside the
 * frame. */
bool ng_link_finish_csum(uint8_t *f, size_t len, size_t start, size_t offset);
/* Cut a TCP/IPv4 GSO super-segment F (LEN bytes, Ethernet framed) into segments of at most MSS
 * payload bytes, packets of POOL appended to Q; both checksums computed. Returns how many. */
unsigned ng_link_segment_tcp4(struct ng_frameq *q, struct ng_pktpool *pool, const uint8_t *f,
                              size_t len, uint32_t mss);
/* The same for a datagram at F + L3 behind L3 bytes of link header (0: none; the network layer
 * cuts super-segments for links without TSO this way): the segments, packets of POOL, are chained
 * through ->next onto *OUT in order. Returns how many. */
unsigned ng_link_segment_tcp4_chain(struct ng_pktpool *pool, const uint8_t *f, size_t len,
                                    size_t l3, uint32_t mss, struct ng_pkt **out);

/* The packet of POOL a received frame F (FLEN bytes, GSO_SIZE) goes into, given P, the one the
 * link took for it: P when F fits, else a large buffer; a super-segment none can hold is cut onto
 * Q instead. Consumes P; NULL when cut or dropped (counted in L's rx_errors). See link.c. */
struct ng_pkt *ng_link_rx_fit(struct ng_link *l, struct ng_frameq *q, struct ng_pktpool *pool,
                              struct ng_pkt *p, const uint8_t *f, size_t flen, uint16_t gso_size);

/* The virtio-net header asking the kernel to finish P (partial checksum, GSO), all zero for a
 * finished frame (TAP and AF_PACKET transmit). */
void ng_link_offload_hdr(const struct ng_pkt *p, struct virtio_net_hdr *vh);
/* What a frame received with a virtio-net header needs (see link.c). */
enum ng_link_rx {
	NG_LINK_RX_DELIVER, /* one packet, with the gso_size and flags given */
	NG_LINK_RX_CUT,     /* a super-segment to cut with ng_link_segment_tcp4 */
	NG_LINK_RX_BAD,     /* malformed: count it in rx_errors */
};
enum ng_link_rx ng_link_rx_offload(uint8_t *f, size_t len, const struct virtio_net_hdr *vh,
                                   bool whole, uint16_t *gso_size, uint8_t *flags);

#endif
