/* SPDX-License-Identifier: MIT */
/* Test helpers for the NAT: a router stack with a LAN and a WAN recording link, hand-built
 * datagrams, and checksum checks computed from scratch. */
#ifndef NG_NAT_TESTUTIL_H
#define NG_NAT_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "natgate/nat.h"
#include "testutil.h"

#define NTU_LAN_ADDR NG_IP4(192, 168, 1, 1)
#define NTU_PUB      NG_IP4(203, 0, 113, 2)
#define NTU_GW       NG_IP4(203, 0, 113, 1)
#define NTU_H1       NG_IP4(192, 168, 1, 10)
#define NTU_H2       NG_IP4(192, 168, 1, 11)
#define NTU_SRV      NG_IP4(198, 51, 100, 5) /* outside, reached through the gateway */
#define NTU_SRV2     NG_IP4(198, 51, 100, 6)

struct ng_test_router {
	struct ng_stack *st;
	struct ng_link *lan_link, *wan_link;
	struct ng_iface *lan, *wan;
	struct ng_nat *nat;
	uint64_t now;
};

/* A router stack (LAN 192.168.1.1/24, WAN 203.0.113.2/24, gateway 203.0.113.1) with a NAT
 * configured by NC (NULL: defaults), the neighbours H1, H2 and the gateway already in its ARP
 * cache (their entries do not expire during a test). */
void ng_test_router_create(struct ng_test_router *r, const struct ng_nat_config *nc, uint64_t seed);
/* The same with the LAN and WAN links' MTUs given. */
void ng_test_router_create_mtu(struct ng_test_router *r, const struct ng_nat_config *nc,
                               uint64_t seed, uint32_t lan_mtu, uint32_t wan_mtu);
/* Destroys the NAT, the stack and the links; fails the test on leaked packets. */
void ng_test_router_destroy(struct ng_test_router *r);
/* Hand the IPv4 datagram IP (LEN bytes) to the router as a frame on the LAN or the WAN. */
void ng_test_router_input(struct ng_test_router *r, bool lan, const uint8_t *ip, size_t len);
/* The next IPv4 datagram the router sent on the LAN or WAN (ARP frames skipped), copied into
 * BUF; returns its length, 0 if none. */
size_t ng_test_router_output(struct ng_test_router *r, bool lan, uint8_t *buf, size_t cap);
/* Frames waiting on the LAN / WAN link (ARP included). */
size_t ng_test_router_pending(struct ng_test_router *r, bool lan);
/* Advance the virtual clock by NS, firing timers. */
void ng_test_router_advance(struct ng_test_router *r, uint64_t ns);
uint64_t ng_test_router_drops(struct ng_test_router *r, enum ng_drop d);
size_t ng_test_router_flows(struct ng_test_router *r);

/* ---- datagram builders (IPv4 header of 20 bytes, TTL 64 unless set, checksums correct) ---- */
size_t ntu_tcp(uint8_t *b, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint32_t seq,
               uint32_t ack, uint8_t flags, const void *data, size_t len);
size_t ntu_udp(uint8_t *b, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
               const void *data, size_t len, bool with_csum);
/* Set DF on datagram B and fix its header checksum. */
void ntu_set_df(uint8_t *b);
size_t ntu_icmp_echo(uint8_t *b, uint32_t src, uint32_t dst, uint8_t type, uint16_t id,
                     uint16_t seq);
/* An ICMP error quoting QLEN bytes of QUOTE. */
size_t ntu_icmp_err(uint8_t *b, uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
                    const uint8_t *quote, size_t qlen);
/* Set the TTL of datagram B and fix its header checksum. */
void ntu_set_ttl(uint8_t *b, uint8_t ttl);

/* ---- field access and checks ---- */
uint32_t ntu_src(const uint8_t *b);
uint32_t ntu_dst(const uint8_t *b);
uint16_t ntu_sport(const uint8_t *b); /* TCP/UDP source port, ICMP echo identifier */
uint16_t ntu_dport(const uint8_t *b);
/* Assert that the IP header checksum and the transport checksum (TCP/UDP with pseudo-header;
 * UDP 0 = none; ICMP over the message) of datagram B (LEN bytes) are right, recomputed from
 * scratch. */
void ntu_check_csums(const uint8_t *b, size_t len);

#endif
