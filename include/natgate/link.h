/* SPDX-License-Identifier: MIT */
/* Links: where Ethernet frames enter and leave a stack (TAP, AF_PACKET, simulated wire, wrappers).
 */
#ifndef NATGATE_LINK_H
#define NATGATE_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "natgate/pkt.h"

struct ng_link;

/*
 * Operations of a link. Time is always passed in (ns on the caller's clock): links hold no
 * clock of their own, so the simulated wire runs on a virtual clock and a capture's timestamps
 * follow the loop's.
 */
struct ng_link_ops {
	/* Send one frame. Consumes P on every path. 0, or -NG_E* (the frame is then dropped). */
	int (*xmit)(struct ng_link *l, struct ng_pkt *p, uint64_t now);
	/* Receive one frame into a packet taken from POOL. NULL when nothing is ready. */
	struct ng_pkt *(*recv)(struct ng_link *l, struct ng_pktpool *pool, uint64_t now);
	/* Run timers (delayed frames); may be NULL. */
	void (*poll)(struct ng_link *l, uint64_t now);
	/* Next time poll/recv has something to do, UINT64_MAX if none; may be NULL. */
	uint64_t (*deadline)(const struct ng_link *l);
	/* File descriptor to wait on for readability, or -1 (sim links). */
	int (*fd)(const struct ng_link *l);
	/* Close and free the link (and any link it wraps). Frees queued packets. */
	void (*destroy)(struct ng_link *l);
};

struct ng_link {
	const struct ng_link_ops *ops;
	char name[32];
	uint32_t mtu;   /* IP MTU of the link */
	uint8_t mac[6]; /* a MAC the stack may use on this link (random, locally administered) */
	uint64_t tx_frames, rx_frames, tx_bytes, rx_bytes, tx_errors, rx_errors;
	/* Set by an event loop that knows the descriptor was not readable at its last wait: recv
	 * may then answer NULL without a syscall (the TAP link does; others ignore it). Whoever
	 * does not know leaves it false. */
	bool rx_idle;
	/* Offloads the link performs on transmit (NG_LINK_TX_*), set by the link when it opens;
	 * wrappers (fault, pcap) advertise none. A packet flagged NG_PKT_F_CSUM_PARTIAL or carrying
	 * a gso_size goes only to a link that says it can take it. */
	uint32_t tx_offload;
	/* Set by the link's owner (0 by default): hand TCP/IPv4 super-segments the kernel gives us
	 * whole (gso_size set, NG_PKT_F_CSUM_VALID or _PARTIAL) instead of cut into MTU-sized
	 * frames. Only links that receive such frames (TAP, AF_PACKET with vnet headers) look at
	 * it; the owner must accept frames longer than the MTU then. Wrapping a link (fault, pcap)
	 * clears it: the wrappers work on wire-sized frames. */
	bool rx_whole;
};

/* The link finishes NG_PKT_F_CSUM_PARTIAL checksums (or its peer does). */
#define NG_LINK_TX_CSUM 0x1
/* The link takes TCP/IPv4 super-segments (gso_size set, up to 65535 bytes of IP). */
#define NG_LINK_TX_TSO4 0x2

static inline int ng_link_xmit(struct ng_link *l, struct ng_pkt *p, uint64_t now)
{
	return l->ops->xmit(l, p, now);
}
static inline struct ng_pkt *ng_link_recv(struct ng_link *l, struct ng_pktpool *pool, uint64_t now)
{
	return l->ops->recv(l, pool, now);
}
void ng_link_poll(struct ng_link *l, uint64_t now);
uint64_t ng_link_deadline(const struct ng_link *l);
int ng_link_fd(const struct ng_link *l);
void ng_link_destroy(struct ng_link *l);

/* ---- TAP (src/link/tap.c) ---- */
/* Create or attach TAP device NAME (IFF_TAP|IFF_NO_PI, non-blocking) in the caller's network
 * namespace, with the kernel-side MTU set to MTU (68..65520). 0 or -NG_E*; *ERRMSG set on error. */
int ng_tap_open(const char *name, uint32_t mtu, struct ng_link **out, const char **errmsg);

/* ---- AF_PACKET (src/link/packet.c) ---- */
/* Own the traffic of an existing interface IFNAME through an AF_PACKET socket. */
int ng_packet_open(const char *ifname, struct ng_link **out, const char **errmsg);

/* ---- simulated wire (src/link/sim.c) ---- */
struct ng_sim_config {
	uint64_t seed;
	double loss;          /* probability a frame is dropped */
	double dup;           /* probability a frame is delivered twice */
	double reorder;       /* probability a frame is held back behind later ones */
	double corrupt;       /* probability one random bit of the frame is flipped */
	uint64_t delay_ns;    /* one-way propagation delay */
	uint64_t jitter_ns;   /* uniform extra delay 0..jitter (reordering may follow from it) */
	uint64_t rate_bps;    /* bandwidth limit in bits/s, 0 = unlimited */
	uint32_t queue_limit; /* frames queued per direction before tail drop (0 = 1024) */
	uint32_t mtu;         /* IP MTU of both ends (0 = 1500) */
};
void ng_sim_config_default(struct ng_sim_config *c);
/* Two ends of one wire: a frame sent on *A is received on *B and the other way. */
int ng_sim_wire_create(const struct ng_sim_config *c, struct ng_link **a, struct ng_link **b);
/* Frames the wire dropped, duplicated, reordered, corrupted (both directions). */
struct ng_sim_stats {
	uint64_t sent, delivered, lost, duplicated, reordered, corrupted, queue_drops;
};
void ng_sim_wire_stats(const struct ng_link *end, struct ng_sim_stats *out);

/* ---- fault injection on any link (src/link/fault.c) ---- */
struct ng_fault_spec {
	double loss, dup, reorder, corrupt; /* probabilities 0..1 */
	uint64_t delay_ns, jitter_ns;
	bool tx, rx; /* directions it applies to (both by default) */
};
/* Parse "loss=2%,dup=1%,reorder=1%,corrupt=0.1%,delay=5ms,jitter=1ms,dir=both|tx|rx".
 * 0 or -NG_EINVAL with a one-line reason in *ERRMSG (static storage). */
int ng_fault_parse(const char *spec, struct ng_fault_spec *out, const char **errmsg);
/* Wrap INNER (ownership passes to the wrapper) so frames suffer SPEC, drawn from SEED.
 * On failure INNER is destroyed too. */
int ng_fault_wrap(struct ng_link *inner, const struct ng_fault_spec *spec, uint64_t seed,
                  struct ng_link **out);

/* ---- capture (src/link/pcap.c) ---- */
/* Wrap INNER so every frame sent and received is written to PATH (libpcap, Ethernet link type).
 * WALL_OFFSET_NS is added to the caller's clock to get the UNIX time written in the file.
 * Ownership of INNER passes to the wrapper; on failure INNER is destroyed too. */
int ng_pcap_wrap(struct ng_link *inner, const char *path, int64_t wall_offset_ns,
                 struct ng_link **out, const char **errmsg);

#endif
