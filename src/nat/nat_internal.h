/* SPDX-License-Identifier: MIT */
/* The NAT's own structures: mappings, flows, their hash tables and timeout lists. */
#ifndef NG_NAT_INTERNAL_H
#define NG_NAT_INTERNAL_H

#include "natgate/nat.h"
#include "nat/tcp_track.h"
#include "net/net_internal.h"

#define NAT_NONE  UINT32_MAX
#define NAT_TFREE 0xff /* tclass of a free flow slot */

/* flow flags */
#define NAT_F_INBOUND 0x01 /* the first packet came from outside (forward or open filtering) */
#define NAT_F_REPLIED 0x02 /* a packet was seen in the direction opposite to the first */
#define NAT_F_NEW     0x04 /* created by the packet being handled: logged once it is tracked */

/*
 * A mapping (RFC 4787 terms): one inside endpoint (proto, in_addr, in_port) bound to one outside
 * port of the public address. Flows to different remote endpoints share it, which is what makes
 * the mapping endpoint-independent; an outside port belongs to at most one mapping per protocol
 * (no port overloading). It lives as long as it has flows.
 */
struct nat_map {
	uint32_t in_addr;
	uint16_t in_port, out_port;
	uint8_t proto;
	uint8_t fwd; /* created by a port forward */
	uint16_t pad;
	uint32_t nflows;
	uint32_t in_next;  /* chain in the by-inside-endpoint table (free list when unused) */
	uint32_t out_next; /* chain in the by-outside-port table */
};

/* A flow (session): one mapping talking to one remote endpoint. */
struct nat_flow {
	uint32_t map;
	uint32_t rem_addr;
	uint16_t rem_port; /* 0 for ICMP */
	uint8_t tclass;    /* enum ng_nat_tclass, NAT_TFREE when free */
	uint8_t flags;
	uint32_t in_next;  /* chain by (proto, in_addr, in_port, rem_addr, rem_port); free list */
	uint32_t out_next; /* chain by (proto, rem_addr, out_port) */
	uint32_t lru_prev, lru_next; /* timeout-class list, oldest first */
	uint32_t last_ms; /* last activity, ms since the NAT's epoch (wraps; compared by age) */
	uint32_t pkts[2]; /* [0] outbound, [1] inbound */
	struct ng_tcp_track trk;
};
/* The flow table's budget per flow (see conntrack.c, "Memory"). */
_Static_assert(sizeof(struct nat_flow) <= 92, "struct nat_flow grew");
_Static_assert(sizeof(struct nat_map) <= 24, "struct nat_map grew");

/* An unsolicited inbound SYN waiting out RFC 5382 REQ-4's 6 seconds. */
struct nat_held {
	struct ng_timer t;
	struct ng_nat *n;
	bool used;
	uint32_t rem_addr;
	uint16_t rem_port, out_port;
	uint16_t len;
	uint8_t
	    bytes[96]; /* the SYN's IP header and start of TCP header, quoted in the ICMP error */
};

struct ng_nat {
	struct ng_stack *st;
	struct ng_iface *lan, *wan;
	uint32_t pub; /* the public (WAN) address */
	struct ng_nat_config cfg;
	uint64_t epoch; /* st->now at creation */
	uint64_t tmo_ns[NG_NAT_T_MAX];
	uint32_t tmo_ms[NG_NAT_T_MAX];

	struct nat_flow *flows;
	uint32_t max_flows, n_flows, free_flow;
	uint32_t flow_top, map_top; /* slots below were used at least once; above: never touched */
	struct nat_map *maps;
	uint32_t n_maps, free_map;
	uint32_t *fh_in, *fh_out, fmask; /* flow hash buckets */
	uint32_t *mh_in, *mh_out, mmask; /* mapping hash buckets */
	uint64_t hseed;
	uint8_t fwd_bits[2][8192]; /* forwarded public ports: [0] TCP, [1] UDP */
	uint32_t lru_head[NG_NAT_T_MAX], lru_tail[NG_NAT_T_MAX];
	uint32_t *host_count, host_mask; /* flows per inside host, by host bits */
	struct ng_timer timer;           /* the earliest flow expiry */

	struct nat_held *held;
	uint32_t n_held;

	uint64_t refused, held_dropped, held_rejected;
	uint64_t untracked; /* TCP segments passed without effect (out of window or invalid) */
	uint64_t evicted;   /* finished TCP flows reclaimed early because the table was full */
	size_t table_bytes;
};

/* conntrack.c */
uint32_t nat_now_ms(const struct ng_nat *n);
struct nat_flow *nat_flow_lookup_in(struct ng_nat *n, uint8_t proto, uint32_t in_addr,
                                    uint16_t in_port, uint32_t rem_addr, uint16_t rem_port);
struct nat_flow *nat_flow_lookup_out(struct ng_nat *n, uint8_t proto, uint32_t rem_addr,
                                     uint16_t rem_port, uint16_t out_port);
/* Is there a flow of the mapping on OUT_PORT with remote address REM_ADDR (any port)? */
bool nat_flow_addr_known(struct ng_nat *n, uint8_t proto, uint32_t rem_addr, uint16_t out_port);
struct nat_map *nat_map_lookup_in(struct ng_nat *n, uint8_t proto, uint32_t in_addr,
                                  uint16_t in_port);
struct nat_map *nat_map_lookup_out(struct ng_nat *n, uint8_t proto, uint16_t out_port);
/* Create a flow (and its mapping when MAP is NULL, with out_port chosen per RFC 6056, or
 * FWD_PORT when non-zero). Returns NULL and sets *WHY when refused. */
struct nat_flow *nat_flow_create(struct ng_nat *n, uint8_t proto, uint32_t in_addr,
                                 uint16_t in_port, uint32_t rem_addr, uint16_t rem_port,
                                 uint16_t fwd_port, uint8_t flags, enum ng_drop *why);
/* Table full: free the longest-finished TCP flow, if there is one. */
void nat_make_room(struct ng_nat *n);
/* Move F to timeout class C and mark it active now. */
void nat_flow_touch(struct ng_nat *n, struct nat_flow *f, enum ng_nat_tclass c);
static inline struct nat_map *nat_flow_map(const struct ng_nat *n, const struct nat_flow *f)
{
	return &n->maps[f->map];
}
const char *nat_flow_state(const struct ng_nat *n, const struct nat_flow *f);
void nat_flow_log(struct ng_nat *n, const struct nat_flow *f, const char *what);
void nat_logf(struct ng_nat *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* forward.c */
/* The forward covering WAN port PORT of PROTO, or NULL. */
const struct ng_nat_forward *nat_forward_find(const struct ng_nat *n, uint8_t proto, uint16_t port);

/* napt.c */
bool nat_ip_hook(struct ng_stack *st, void *ctx, struct ng_iface *in, struct ng_pkt *p,
                 const struct ng_ipv4_hdr *ip);
void nat_held_fire(struct ng_timer *t, uint64_t now);
/* Rewrite a 32-bit address at A, fixing the checksum at CS (NULL: none). */
void nat_rewrite32(uint8_t *a, uint32_t v, uint8_t *cs);
void nat_rewrite16(uint8_t *a, uint16_t v, uint8_t *cs);
/* The TCP/UDP checksum CS after a pseudo-header address went from OLD to NEW; PARTIAL: CS is a
 * partial checksum (NG_PKT_F_CSUM_PARTIAL), which changes the other way round. */
uint16_t nat_csum_addr(uint16_t cs, uint32_t old, uint32_t new_, bool partial);
/* Rewrite the source (SRC) or destination address and port (ICMP: echo identifier) of the
 * datagram whose IP header is at B and transport header at L4 (L4LEN bytes of it), with its IP
 * and transport checksums (PARTIAL: NG_PKT_F_CSUM_PARTIAL). */
void nat_rewrite_endpoint(uint8_t *b, bool src, uint8_t proto, uint8_t *l4, size_t l4len,
                          uint32_t addr, uint16_t port, bool partial);

/* icmp_xlate.c: an ICMP error (RFC 5508) arriving from the WAN / the LAN. True if consumed. */
bool nat_icmp_err_in(struct ng_nat *n, struct ng_pkt *p, const struct ng_ipv4_hdr *ip);
bool nat_icmp_err_out(struct ng_nat *n, struct ng_pkt *p, const struct ng_ipv4_hdr *ip);
/* ARP gave up on P's next hop: undo P's translation so the error quotes the original datagram
 * (RFC 5508). False when P is no flow's (then no error is sent). */
bool nat_arp_unreach(struct ng_stack *st, void *ctx, struct ng_pkt *p);
/* Decrement the TTL and send; time-exceeded / frag-needed about the untranslated packet first
 * when needed (ORIG_* checks done by the caller). Consumes P. */
void nat_send(struct ng_nat *n, struct ng_pkt *p, bool outbound);

#endif
