/* SPDX-License-Identifier: MIT */
/* The NAT: NAPT with connection tracking and port forwards between a LAN and a WAN interface. */
#ifndef NATGATE_NAT_H
#define NATGATE_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "natgate/stack.h"

struct ng_nat;

/* Inbound filtering (RFC 4787 section 5): which outside endpoints may send through a mapping. */
enum ng_nat_filter {
	NG_NAT_FILTER_ENDPOINT,     /* endpoint-independent: anyone */
	NG_NAT_FILTER_ADDRESS,      /* address-dependent: addresses the inside host contacted */
	NG_NAT_FILTER_ADDRESS_PORT, /* address-and-port-dependent: exact endpoints only */
};

/* Flow timeout classes; each has one configurable idle timeout. */
enum ng_nat_tclass {
	NG_NAT_T_TCP_EST,   /* TCP established both ways (RFC 5382 REQ-5: >= 2 h 4 min) */
	NG_NAT_T_TCP_TRANS, /* TCP opening or closing (RFC 5382/7857: 4 min) */
	NG_NAT_T_TCP_RST,   /* TCP that is over: after a valid RST, or both sides closed
	                       (TIME_WAIT); reclaimed first when the table is full */
	NG_NAT_T_UDP,       /* RFC 4787 REQ-5: >= 2 min, 5 min recommended */
	NG_NAT_T_ICMP,      /* RFC 5508 REQ-1: >= 60 s */
	NG_NAT_T_MAX
};

#define NG_NAT_MAX_FORWARDS 64

/* One port forward: WAN ports [port_lo, port_hi] of PROTO go to in_addr, ports from in_port on. */
struct ng_nat_forward {
	uint8_t proto; /* 6 or 17 */
	uint16_t port_lo, port_hi;
	uint32_t in_addr;
	uint16_t in_port;
};

/* A line of the NAT's flow log (--log-flows / --trace); no newline. */
typedef void (*ng_nat_log_fn)(void *ctx, const char *line);

struct ng_nat_config {
	uint32_t max_flows;          /* flow table size (default 65536) */
	uint32_t max_flows_per_host; /* per inside host (0 = max_flows) */
	enum ng_nat_filter filter;   /* default address-dependent */
	uint32_t timeout_s[NG_NAT_T_MAX];
	uint32_t syn_hold_s;     /* RFC 5382 REQ-4: unsolicited SYN held this long (default 6) */
	uint32_t syn_hold_slots; /* unsolicited SYNs held at once (default 32) */
	struct ng_nat_forward fwd[NG_NAT_MAX_FORWARDS];
	unsigned n_fwd;
	bool log_flows; /* one line per flow created / expired */
	bool trace;     /* one line per flow state change */
	ng_nat_log_fn log_fn;
	void *log_ctx;
};

void ng_nat_config_default(struct ng_nat_config *c);
/* Parse "tcp:8080=192.168.1.10:80" or "udp:5000-5009=192.168.1.20:6000" into F. 0 / -NG_EINVAL. */
int ng_nat_parse_forward(const char *s, struct ng_nat_forward *f);
/* Parse "tcp-established=7440,tcp-transitory=240,tcp-rst=240,udp=300,icmp=60,syn-hold=6" (any
 * subset) into C. 0 / -NG_EINVAL. */
int ng_nat_parse_timeouts(const char *s, struct ng_nat_config *c);
/* "endpoint" | "address" | "address-port". 0 / -NG_EINVAL. */
int ng_nat_parse_filter(const char *s, enum ng_nat_filter *f);

/* Create a NAT on ST translating between LAN (inside) and WAN (outside, whose address is the
 * public one); installs itself as the stack's IP hook. Allocates the whole table now.
 * 0, -NG_EINVAL or -NG_ENOMEM. */
int ng_nat_create(struct ng_stack *st, struct ng_iface *lan, struct ng_iface *wan,
                  const struct ng_nat_config *c, struct ng_nat **out);
/* Remove the hook, cancel timers, free the table. */
void ng_nat_destroy(struct ng_nat *n);

/* A flow as shown by `natgate conntrack`. */
struct ng_nat_flow_info {
	uint8_t proto;
	bool inbound;      /* opened from outside (port forward or open filtering) */
	uint32_t in_addr;  /* inside host */
	uint16_t in_port;  /* its port (ICMP: echo identifier) */
	uint32_t out_addr; /* the public address */
	uint16_t out_port; /* the public port (ICMP: identifier) */
	uint32_t rem_addr; /* the outside peer */
	uint16_t rem_port;
	const char *state;   /* "ESTABLISHED", "SYN_SENT", ..., "UNREPLIED", "ASSURED" */
	uint64_t expires_ns; /* time left before the flow expires */
	uint64_t pkts_out, pkts_in;
};
typedef void (*ng_nat_flow_fn)(void *ctx, const struct ng_nat_flow_info *fi);
/* Call FN for every live flow; returns their number. */
size_t ng_nat_flows(const struct ng_nat *n, ng_nat_flow_fn fn, void *ctx);

struct ng_nat_stats {
	uint32_t flows, max_flows, mappings, held_syns;
	uint32_t flows_tcp, flows_udp, flows_icmp;
	uint32_t tcp_by_state[16]; /* by enum ng_tcp_state of the initiator side */
	size_t bytes_per_flow;     /* table memory divided by max_flows */
	size_t table_bytes;
	uint64_t refused;       /* new flows refused (table, quota or ports) */
	uint64_t held_dropped;  /* held SYNs dropped because an outbound SYN came (REQ-4) */
	uint64_t held_rejected; /* held SYNs answered with port unreachable */
	uint64_t untracked;     /* TCP segments passed without effect on the flow's state */
	uint64_t evicted;       /* finished TCP flows reclaimed early when the table was full */
};
void ng_nat_get_stats(const struct ng_nat *n, struct ng_nat_stats *s);

#endif
