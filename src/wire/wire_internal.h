/* SPDX-License-Identifier: MIT */
/*
 * Pure codecs for every header natgate speaks. A parse function checks every length (and the
 * checksum where the header has one) before it reads a field, fills a plain struct and returns
 * NG_DROP_NONE, or the reason the bytes are unacceptable. An emit function writes a header into
 * a buffer of at least the stated size and returns the bytes written (0 if CAP is too small).
 * Nothing outside src/wire interprets packet bytes as a header.
 */
#ifndef NG_WIRE_INTERNAL_H
#define NG_WIRE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "natgate/stats.h"

/* ---- Ethernet II, src/wire/eth.c ---- */
#define NG_ETH_HLEN   14
#define NG_ETH_P_IPV4 0x0800
#define NG_ETH_P_ARP  0x0806
#define NG_ETH_P_VLAN 0x8100
struct ng_eth_hdr {
	uint8_t dst[6], src[6];
	uint16_t type;
};
enum ng_drop ng_eth_parse(const uint8_t *b, size_t len, struct ng_eth_hdr *h);
size_t ng_eth_emit(uint8_t *b, size_t cap, const struct ng_eth_hdr *h);
extern const uint8_t ng_eth_broadcast[6];
static inline bool ng_eth_is_multicast(const uint8_t *mac)
{
	return mac[0] & 1;
}

/* ---- ARP for IPv4 over Ethernet (RFC 826), src/wire/arp.c ---- */
#define NG_ARP_LEN     28
#define NG_ARP_REQUEST 1
#define NG_ARP_REPLY   2
struct ng_arp_pkt {
	uint16_t op;
	uint8_t sha[6];
	uint32_t spa;
	uint8_t tha[6];
	uint32_t tpa;
};
/* Rejects anything but htype 1, ptype 0x0800, hlen 6, plen 4, op 1 or 2. */
enum ng_drop ng_arp_parse(const uint8_t *b, size_t len, struct ng_arp_pkt *a);
size_t ng_arp_emit(uint8_t *b, size_t cap, const struct ng_arp_pkt *a);

/* ---- IPv4 (RFC 791), src/wire/ipv4.c ---- */
#define NG_IP_HLEN       20
#define NG_IP_PROTO_ICMP 1
#define NG_IP_PROTO_TCP  6
#define NG_IP_PROTO_UDP  17
#define NG_IP_DF         0x4000
#define NG_IP_MF         0x2000
#define NG_IP_OFFMASK    0x1fff
struct ng_ipv4_hdr {
	uint8_t hlen; /* header bytes, 20..60 */
	uint8_t tos;
	uint16_t tot_len; /* header + payload */
	uint16_t id;
	bool df, mf;
	uint16_t frag_off; /* in bytes (the field times 8) */
	uint8_t ttl;
	uint8_t proto;
	uint16_t csum; /* as found on parse; computed on emit */
	uint32_t src, dst;
	uint8_t opt_len;  /* hlen - 20 */
	uint8_t opts[40]; /* options copied (parse), or written (emit) */
};
/* Checks version 4, IHL >= 5, hlen <= len, tot_len within [hlen, len], header checksum, and the
 * option list (each option's length stays inside the header). Trailing frame padding beyond
 * tot_len is allowed (the caller trims it). */
enum ng_drop ng_ipv4_parse(const uint8_t *b, size_t len, struct ng_ipv4_hdr *h);
/* Lenient parse of the IP header embedded in an ICMP error: checks version, IHL and that the
 * header itself is present, not the checksum or total length (the payload is truncated). */
enum ng_drop ng_ipv4_parse_embedded(const uint8_t *b, size_t len, struct ng_ipv4_hdr *h);
/* Writes h->hlen (20 + opt_len, padded to 4) bytes and the checksum. */
size_t ng_ipv4_emit(uint8_t *b, size_t cap, const struct ng_ipv4_hdr *h);
static inline bool ng_ipv4_is_fragment(const struct ng_ipv4_hdr *h)
{
	return h->mf || h->frag_off != 0;
}

/* ---- ICMP (RFC 792, RFC 1191), src/wire/icmp.c ---- */
#define NG_ICMP_HLEN            8
#define NG_ICMP_ECHO_REPLY      0
#define NG_ICMP_DEST_UNREACH    3
#define NG_ICMP_SOURCE_QUENCH   4
#define NG_ICMP_REDIRECT        5
#define NG_ICMP_ECHO_REQUEST    8
#define NG_ICMP_TIME_EXCEEDED   11
#define NG_ICMP_PARAM_PROBLEM   12
#define NG_ICMP_TIMESTAMP       13
#define NG_ICMP_TIMESTAMP_REPLY 14
/* destination-unreachable codes */
#define NG_ICMP_NET_UNREACH      0
#define NG_ICMP_HOST_UNREACH     1
#define NG_ICMP_PROTO_UNREACH    2
#define NG_ICMP_PORT_UNREACH     3
#define NG_ICMP_FRAG_NEEDED      4
#define NG_ICMP_ADMIN_PROHIBITED 13
struct ng_icmp_hdr {
	uint8_t type, code;
	uint16_t csum;
	uint16_t id, seq; /* echo / timestamp */
	uint16_t mtu;     /* dest-unreach frag-needed: next-hop MTU */
	uint32_t rest;    /* the raw second word */
	size_t data_off;  /* offset of the data after the 8-byte header (always 8) */
	size_t data_len;
};
static inline bool ng_icmp_is_error(uint8_t type)
{
	return type == NG_ICMP_DEST_UNREACH || type == NG_ICMP_SOURCE_QUENCH ||
	       type == NG_ICMP_REDIRECT || type == NG_ICMP_TIME_EXCEEDED ||
	       type == NG_ICMP_PARAM_PROBLEM;
}
/* Checks length >= 8 and the checksum over all LEN bytes. */
enum ng_drop ng_icmp_parse(const uint8_t *b, size_t len, struct ng_icmp_hdr *h);
/* For an error message: parse the embedded IP header, and give the offset (from B) and length of
 * the embedded transport bytes (at least 8 must be present for ports to be read). */
enum ng_drop ng_icmp_inner(const uint8_t *b, size_t len, const struct ng_icmp_hdr *h,
                           struct ng_ipv4_hdr *inner, size_t *l4_off, size_t *l4_len);
/* Writes the 8-byte header with checksum over header plus the DATA_LEN bytes already placed at
 * b + 8 (so write the data first). */
size_t ng_icmp_emit(uint8_t *b, size_t cap, const struct ng_icmp_hdr *h, size_t data_len);

/* ---- UDP (RFC 768), src/wire/udp.c ---- */
#define NG_UDP_HLEN 8
struct ng_udp_hdr {
	uint16_t sport, dport;
	uint16_t len; /* header + payload */
	uint16_t csum;
};
/* Checks length >= 8, 8 <= len field <= LEN, and the pseudo-header checksum unless it is zero
 * (RFC 768: no checksum). */
enum ng_drop ng_udp_parse(const uint8_t *b, size_t len, uint32_t src, uint32_t dst,
                          struct ng_udp_hdr *h);
/* The same without the checksum (the link vouched for it: NG_PKT_F_CSUM_VALID). */
enum ng_drop ng_udp_parse_nocsum(const uint8_t *b, size_t len, struct ng_udp_hdr *h);
/* Writes the header and the checksum over header + the payload already at b + 8 (h->len bytes
 * in all). A computed 0 is sent as 0xffff. */
size_t ng_udp_emit(uint8_t *b, size_t cap, uint32_t src, uint32_t dst, const struct ng_udp_hdr *h);

/* ---- TCP (RFC 9293, options RFC 7323 / 2018), src/wire/tcp.c ---- */
#define NG_TCP_HLEN     20
#define NG_TCP_MAXHLEN  60
#define NG_TCP_FIN      0x01
#define NG_TCP_SYN      0x02
#define NG_TCP_RST      0x04
#define NG_TCP_PSH      0x08
#define NG_TCP_ACK      0x10
#define NG_TCP_URG      0x20
#define NG_TCP_ECE      0x40
#define NG_TCP_CWR      0x80
#define NG_TCP_MAX_SACK 4
struct ng_sack_block {
	uint32_t left, right;
};
struct ng_tcp_opts {
	bool mss_ok, ws_ok, sack_ok, ts_ok;
	uint16_t mss;
	uint8_t ws; /* shift count as sent (receiver clamps to 14) */
	bool sack_permitted;
	uint8_t sack_n; /* SACK blocks present (0..4) */
	struct ng_sack_block sack[NG_TCP_MAX_SACK];
	uint32_t tsval, tsecr;
};
struct ng_tcp_hdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t hlen;  /* data offset in bytes, 20..60 */
	uint8_t flags; /* NG_TCP_* */
	uint16_t win;  /* raw, unscaled */
	uint16_t csum;
	uint16_t urg;
	struct ng_tcp_opts opt;
};
/* Checks length >= 20, 20 <= hlen <= LEN, the pseudo-header checksum over LEN bytes (the whole
 * segment), and the options: EOL ends the list, NOP is skipped, known options must have their
 * exact length, unknown options are skipped by their length, and an option length of < 2 or one
 * running past the header rejects the segment (NG_DROP_TCP_OPTIONS). */
enum ng_drop ng_tcp_parse(const uint8_t *b, size_t len, uint32_t src, uint32_t dst,
                          struct ng_tcp_hdr *h);
/* The same without the checksum (for headers embedded in ICMP errors, or already verified). */
enum ng_drop ng_tcp_parse_nocsum(const uint8_t *b, size_t len, struct ng_tcp_hdr *h);
/* Bytes the options in O take when emitted (padded to a multiple of 4). */
size_t ng_tcp_opts_len(const struct ng_tcp_opts *o);
/* Writes the header with its options (MSS, WS, SACK-permitted, timestamps, SACK blocks; NOP
 * padded) and sets h->hlen. PAYLOAD_LEN bytes of payload must already follow the header at
 * b + hlen, i.e. the caller reserves ng_tcp_opts_len() + 20 bytes first. Computes the checksum. */
size_t ng_tcp_emit(uint8_t *b, size_t cap, uint32_t src, uint32_t dst, struct ng_tcp_hdr *h,
                   size_t payload_len);
/* ng_tcp_emit with the payload already summed by the caller (PAYLOAD_SUM, e.g. from
 * ng_csum_copy): only the header and pseudo-header are summed. */
size_t ng_tcp_emit_sum(uint8_t *b, size_t cap, uint32_t src, uint32_t dst, struct ng_tcp_hdr *h,
                       size_t payload_len, uint64_t payload_sum);
/* ng_tcp_emit leaving the checksum partial (NG_PKT_F_CSUM_PARTIAL): the field holds the folded
 * pseudo-header sum, not complemented; the link or the kernel finishes it. */
size_t ng_tcp_emit_partial(uint8_t *b, size_t cap, uint32_t src, uint32_t dst, struct ng_tcp_hdr *h,
                           size_t payload_len);
/* "SYN+ACK", "FIN+PSH+ACK", ... into BUF (>= 40 bytes). */
const char *ng_tcp_flags_str(uint8_t flags, char *buf, size_t cap);

#endif
