/* SPDX-License-Identifier: MIT */
/* The stack object: configuration, interfaces, frame input, timers. Sans-IO: time is passed in. */
#ifndef NATGATE_STACK_H
#define NATGATE_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "natgate/err.h"
#include "natgate/link.h"
#include "natgate/pkt.h"
#include "natgate/stats.h"

/* IPv4 addresses are uint32_t in host byte order everywhere in the API. */
#define NG_IP4(a, b, c, d)                                                                         \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

#define NG_NS_PER_MS  1000000ull
#define NG_NS_PER_SEC 1000000000ull

struct ng_stack;
struct ng_iface;

enum ng_log_level { NG_LOG_ERR, NG_LOG_WARN, NG_LOG_INFO, NG_LOG_DEBUG, NG_LOG_TRACE };

/* Where log lines go; the stack never writes to a file itself. MSG has no newline. */
typedef void (*ng_log_fn)(void *ctx, enum ng_log_level level, const char *msg);

struct ng_stack_config {
	uint64_t seed;            /* all randomness (ISNs, ports, IP IDs) derives from it */
	uint32_t pkt_count;       /* packet buffers (default 1024) */
	uint32_t pkt_size;        /* bytes per buffer (default NG_PKT_DEFAULT_SIZE) */
	uint32_t arp_entries;     /* ARP cache size (default 256) */
	uint32_t arp_queue;       /* packets waiting for ARP resolution, all entries (default 64) */
	uint64_t arp_timeout_ns;  /* lifetime of a resolved entry (default 60 s) */
	uint32_t reasm_slots;     /* datagrams under reassembly at once (default 16) */
	uint32_t reasm_max_bytes; /* memory held by fragments, all slots (default 1 MiB) */
	uint64_t reasm_timeout_ns; /* RFC 791 reassembly timeout (default 30 s) */
	uint32_t udp_sockets;      /* UDP sockets (default 64) */
	uint32_t icmp_rate;        /* ICMP errors per second, token bucket (default 100) */
	uint32_t icmp_burst;       /* bucket depth (default 50) */
	bool forwarding;           /* route packets not addressed to us (router mode) */
	uint32_t tcp_max_conns;    /* TCP connection blocks incl. listeners (default 4096) */
	uint64_t tcp_msl_ns;       /* maximum segment lifetime; TIME_WAIT is 2*MSL (default 30 s) */
	uint64_t tcp_mem_max; /* bytes of TCP socket buffers, all connections (default 256 MiB) */
	uint32_t tcp_syn_retries; /* SYN / SYN+ACK retransmissions before ETIMEDOUT (default 6) */
	uint32_t tcp_retries;     /* data retransmissions before ETIMEDOUT (default 12) */
	uint64_t tcp_delack_ns;   /* delayed ACK timeout, <= 200 ms (default 40 ms) */
	bool tcp_rfc5961;         /* RST only on an exact sequence match, else challenge ACK */
	enum ng_log_level log_level; /* default NG_LOG_WARN */
	ng_log_fn log_fn;            /* default: none (silent) */
	void *log_ctx;
	/* Optional second buffer class (both 0: every buffer is pkt_size, as before). With it,
	 * pkt_count buffers of pkt_size serve ordinary frames and pkt_large_count buffers of
	 * pkt_large_size (> pkt_size) serve what does not fit: reassembled datagrams, UDP sends
	 * over the MTU, TSO super-segments, super-segments received whole. Keeps the resident set
	 * small. */
	uint32_t pkt_large_count;
	uint32_t pkt_large_size;
};

struct ng_iface_config {
	char name[16];
	uint8_t mac[6];     /* all zero: use the link's */
	uint32_t addr;      /* our IPv4 address */
	uint8_t prefix_len; /* subnet prefix */
	uint32_t mtu;       /* 0: the link's */
};

void ng_stack_config_default(struct ng_stack_config *c);
/* Create a stack; all pools are allocated here. 0 or -NG_ENOMEM / -NG_EINVAL. */
int ng_stack_create(const struct ng_stack_config *c, struct ng_stack **out);
/* Destroy the stack and everything it owns (sockets, queued packets). Links are not destroyed.
 * Returns the number of pool entries still in use afterwards (a leak when > 0). */
uint32_t ng_stack_destroy(struct ng_stack *st);

/* Attach LINK as an interface. The stack does not own the link. */
int ng_stack_add_iface(struct ng_stack *st, const struct ng_iface_config *c, struct ng_link *link,
                       struct ng_iface **out);
/* Default gateway (0 = none); must lie in a connected subnet. */
int ng_stack_set_gateway(struct ng_stack *st, uint32_t gw);

/* Hand a received Ethernet frame to the stack. Consumes P. Uses the time of the last poll. */
void ng_stack_input(struct ng_stack *st, struct ng_iface *ifc, struct ng_pkt *p);
/* Advance the stack's clock to NOW (monotonic ns, never decreasing) and run due timers. */
void ng_stack_poll(struct ng_stack *st, uint64_t now);
/* When the stack next needs ng_stack_poll (absolute ns), UINT64_MAX if nothing is pending. */
uint64_t ng_stack_deadline(const struct ng_stack *st);
uint64_t ng_stack_now(const struct ng_stack *st);

/* Read every frame ready on each interface's link, feed it in, run link timers. Returns the
 * number of frames taken in. Handy for loops and tests; bounded by BUDGET frames (0 = 256). */
unsigned ng_stack_pump(struct ng_stack *st, unsigned budget);

struct ng_pktpool *ng_stack_pool(struct ng_stack *st);
const struct ng_stats *ng_stack_stats(const struct ng_stack *st);
struct ng_link *ng_iface_link(const struct ng_iface *ifc);
uint32_t ng_iface_addr(const struct ng_iface *ifc);
/* Interface N (0-based), NULL past the end. */
struct ng_iface *ng_stack_iface(struct ng_stack *st, unsigned n);

/* Format "a.b.c.d" into BUF (at least 16 bytes); returns BUF. */
char *ng_ip4_str(uint32_t addr, char *buf);
/* Parse "a.b.c.d" / "a.b.c.d/p". 0 or -NG_EINVAL. PREFIX may be NULL (then no /p allowed). */
int ng_ip4_parse(const char *s, uint32_t *addr, uint8_t *prefix);

#endif
