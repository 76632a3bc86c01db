/* SPDX-License-Identifier: MIT */
/* The network layer inside the stack: Ethernet, ARP, IPv4 (routing, fragments), ICMP. */
#ifndef NG_NET_INTERNAL_H
#define NG_NET_INTERNAL_H

#include "stack_internal.h"

/* Each sub-module keeps its state in the stack; create returns 0 or -NG_ENOMEM. */
int ng_arp_create(struct ng_stack *st);
void ng_arp_destroy(struct ng_stack *st);
int ng_reasm_create(struct ng_stack *st);
void ng_reasm_destroy(struct ng_stack *st);

/* eth.c: a received frame (consumes P). */
void ng_eth_input(struct ng_stack *st, struct ng_iface *ifc, struct ng_pkt *p);
/* Push an Ethernet header (src = ifc->mac) and send on IFC's link. Consumes P. */
int ng_eth_output(struct ng_stack *st, struct ng_iface *ifc, struct ng_pkt *p, const uint8_t dst[6],
                  uint16_t type);

/* arp.c */
void ng_arp_input(struct ng_stack *st, struct ng_iface *ifc, struct ng_pkt *p);
/* Send the IPv4 datagram P (data at the IP header) to NEXTHOP on IFC: now if the MAC is known,
 * else queued (bounded) behind an ARP request. Consumes P. */
int ng_arp_output(struct ng_stack *st, struct ng_iface *ifc, struct ng_pkt *p, uint32_t nexthop);
/* A hook shown each forwarded datagram P (data at its IP header; not consumed) whose next hop
 * never answered ARP, before the ICMP host unreachable about it is sent. It may rewrite P (the
 * NAT restores the untranslated header, RFC 5508); returning false sends no error. */
typedef bool (*ng_arp_unreach_fn)(struct ng_stack *st, void *ctx, struct ng_pkt *p);
void ng_arp_set_unreach_hook(struct ng_stack *st, ng_arp_unreach_fn fn, void *ctx);
/* Announce IFC's address (gratuitous ARP). */
void ng_arp_announce(struct ng_stack *st, struct ng_iface *ifc);
/* Look up a MAC without side effects (tests, tools). */
bool ng_arp_lookup(struct ng_stack *st, uint32_t ip, uint8_t mac[6]);
size_t ng_arp_count(struct ng_stack *st);

/* route.c: interface and next hop for DST; false when no route. */
bool ng_route(struct ng_stack *st, uint32_t dst, struct ng_iface **ifc, uint32_t *nexthop);
/* The interface whose subnet holds ADDR, or NULL. */
struct ng_iface *ng_iface_for_subnet(struct ng_stack *st, uint32_t addr);
/* Is ADDR one of ours (any interface)? */
struct ng_iface *ng_iface_by_addr(struct ng_stack *st, uint32_t addr);

/* ipv4.c */
/* P's data at the IP header (pkt->l3 set by eth input). Consumes P. */
void ng_ipv4_input(struct ng_stack *st, struct ng_iface *ifc, struct ng_pkt *p);
struct ng_ipv4_out {
	uint32_t src; /* 0 = the outgoing interface's address */
	uint32_t dst;
	uint8_t proto;
	uint8_t ttl; /* 0 = 64 */
	uint8_t tos;
	bool df;
};
/* P's data is the transport header + payload. Pushes the IP header, routes, fragments when the
 * datagram exceeds the MTU (unless DF: then -NG_EMSGSIZE), resolves and sends. Consumes P. */
int ng_ipv4_output(struct ng_stack *st, struct ng_pkt *p, const struct ng_ipv4_out *o);
/* Send an already complete IPv4 datagram (data at the IP header; used by forwarding and NAT):
 * routes on its destination, fragments or answers frag-needed as needed. Consumes P. */
int ng_ipv4_send_raw(struct ng_stack *st, struct ng_pkt *p);
/* Largest transport payload + header that fits one unfragmented datagram towards DST. */
uint32_t ng_ipv4_mtu_to(struct ng_stack *st, uint32_t dst);
/* IP + TCP header bytes of the TCP/IPv4 datagram at IP (LEN bytes) when its headers parse and it
 * is no fragment (a super-segment's headers, repeated in each segment it stands for); else 0. */
uint32_t ng_ipv4_gso_hdrs(const uint8_t *ip, size_t len);
/* Finish the partial (NG_PKT_F_CSUM_PARTIAL) TCP/UDP checksum of datagram P (data at its IP
 * header): the flag becomes NG_PKT_F_CSUM_VALID. */
void ng_ipv4_finish_csum(struct ng_pkt *p);
/* Whether super-segment P (gso_size set) may leave through IFC whole (see ipv4.c). */
bool ng_ipv4_tso_fits(const struct ng_iface *ifc, const struct ng_pkt *p, uint32_t ip_to_come);
void ng_ipv4_register(struct ng_stack *st, uint8_t proto, ng_proto_input_fn in,
                      ng_proto_err_fn err);

/* reasm.c: a fragment (data at the IP header). Returns the whole datagram in a fresh packet
 * (data at the IP header, header rewritten unfragmented) once complete, else NULL. Consumes P. */
struct ng_pkt *ng_reasm_input(struct ng_stack *st, struct ng_pkt *p, const struct ng_ipv4_hdr *ip);

/* icmp.c */
void ng_icmp_input(struct ng_stack *st, struct ng_pkt *p, const struct ng_ipv4_hdr *ip);
/* Send an ICMP error of TYPE/CODE about the datagram ORIG (data at its IP header; not consumed)
 * to its source, quoting its IP header and first 8 bytes of payload (more up to 576 total).
 * Never about an ICMP error, a broadcast/multicast, or a non-first fragment (RFC 1122 3.2.2).
 * Rate-limited; MTU goes in the next-hop field for frag-needed. */
void ng_icmp_send_error(struct ng_stack *st, const struct ng_pkt *orig, uint8_t type, uint8_t code,
                        uint16_t mtu);

#endif
