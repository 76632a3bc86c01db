/* SPDX-License-Identifier: MIT */
/* The stack object as every layer sees it, and the interfaces it owns. */
#ifndef NG_STACK_INTERNAL_H
#define NG_STACK_INTERNAL_H

#include "core/core_internal.h"
#include "wire/wire_internal.h"
#include "natgate/stack.h"

#define NG_MAX_IFACES 8

struct ng_iface {
	struct ng_stack *st;
	unsigned index;
	char name[16];
	uint8_t mac[6];
	uint32_t addr;
	uint8_t prefix_len;
	uint32_t mask;
	uint32_t mtu; /* IP MTU */
	struct ng_link *link;
};

/* Upper-layer receive: P's data starts at the transport header, trimmed to the IP payload;
 * IP is the parsed header. Consumes P. */
typedef void (*ng_proto_input_fn)(struct ng_stack *st, struct ng_pkt *p,
                                  const struct ng_ipv4_hdr *ip);
/* An ICMP error about a datagram we sent: INNER is the embedded IP header, L4 the first L4LEN
 * (>= 8) bytes of its transport header. ERR is -NG_ECONNREFUSED, -NG_EHOSTUNREACH,
 * -NG_ENETUNREACH, -NG_EMSGSIZE (MTU then holds the next-hop MTU) or -NG_ETIMEDOUT. */
typedef void (*ng_proto_err_fn)(struct ng_stack *st, const struct ng_ipv4_hdr *inner,
                                const uint8_t *l4, size_t l4len, int err, uint32_t mtu);
/* Pre-routing hook (the NAT): sees every valid, reassembled IPv4 datagram that arrives, with P's
 * data at the IP header. Returns true if it consumed P, false to let the stack go on. */
typedef bool (*ng_ip_hook_fn)(struct ng_stack *st, void *ctx, struct ng_iface *in, struct ng_pkt *p,
                              const struct ng_ipv4_hdr *ip);

struct ng_arp;
struct ng_reasm;
struct ng_udp;
struct ng_tcp;

struct ng_stack {
	struct ng_stack_config cfg;
	uint64_t now;
	struct ng_log log;
	struct ng_stats stats;
	struct ng_pktpool *pool;
	struct ng_rng rng;
	struct ng_timers *timers;
	uint8_t secret[16]; /* key for ISNs and port choice, from the seed */

	struct ng_iface ifaces[NG_MAX_IFACES];
	unsigned n_ifaces;
	uint32_t gateway;

	uint16_t ip_id;
	/* ICMP error token bucket (RFC 1812 4.3.2.8) */
	uint64_t icmp_tokens_ts;
	uint32_t icmp_tokens;

	ng_proto_input_fn proto_input[256];
	ng_proto_err_fn proto_err[256];
	ng_ip_hook_fn ip_hook;
	void *ip_hook_ctx;

	struct ng_arp *arp;
	struct ng_reasm *reasm;
	struct ng_udp *udp;
	struct ng_tcp *tcp;
};

static inline void ng_drop_count(struct ng_stack *st, enum ng_drop why)
{
	st->stats.drops[why]++;
}
/* Count a drop and free the packet. */
static inline void ng_drop_pkt(struct ng_stack *st, struct ng_pkt *p, enum ng_drop why)
{
	st->stats.drops[why]++;
	ng_pkt_free(p);
}
static inline void ng_count(struct ng_stack *st, enum ng_counter c, uint64_t n)
{
	st->stats.counters[c] += n;
}
/* A packet from the stack's pool, counted as a NOBUF drop when the pool is empty. */
static inline struct ng_pkt *ng_stack_alloc(struct ng_stack *st)
{
	struct ng_pkt *p = ng_pkt_alloc(st->pool);
	if (!p)
		st->stats.drops[NG_DROP_NOBUF]++;
	else
		p->ts = st->now;
	return p;
}
/* A packet from the stack's pool with room for NEED bytes after the headroom (a large buffer when
 * a small one is too short), counted as a NOBUF drop when none is free. */
static inline struct ng_pkt *ng_stack_alloc_len(struct ng_stack *st, uint32_t need)
{
	struct ng_pkt *p = ng_pkt_alloc_len(st->pool, need);
	if (!p)
		st->stats.drops[NG_DROP_NOBUF]++;
	else
		p->ts = st->now;
	return p;
}

#endif
