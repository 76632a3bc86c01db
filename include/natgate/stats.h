/* SPDX-License-Identifier: MIT */
/* Counters: packets, bytes and drops by reason. Every dropped frame is counted under one reason. */
#ifndef NATGATE_STATS_H
#define NATGATE_STATS_H

#include <stdint.h>

/* X(NAME, "text") — one line per reason a packet can be dropped. Append; never reorder. */
#define NG_DROP_REASONS(X)                                                                         \
	X(NONE, "none")                                                                            \
	X(NOBUF, "packet pool exhausted")                                                          \
	X(ETH_SHORT, "ethernet frame too short")                                                   \
	X(ETH_NOT_US, "ethernet destination not ours")                                             \
	X(ETH_TYPE, "unsupported ethertype")                                                       \
	X(ETH_OVERSIZE, "frame larger than the MTU")                                               \
	X(ARP_SHORT, "arp truncated")                                                              \
	X(ARP_FORMAT, "arp not ipv4-over-ethernet")                                                \
	X(ARP_OP, "arp unknown operation")                                                         \
	X(ARP_NOT_US, "arp target not ours")                                                       \
	X(ARP_SRC_BAD, "arp bad sender address")                                                   \
	X(ARP_QUEUE_FULL, "arp resolution queue full")                                             \
	X(ARP_UNRESOLVED, "arp resolution failed")                                                 \
	X(IP_SHORT, "ipv4 truncated")                                                              \
	X(IP_VERSION, "ipv4 bad version")                                                          \
	X(IP_HLEN, "ipv4 bad header length")                                                       \
	X(IP_LEN, "ipv4 bad total length")                                                         \
	X(IP_CSUM, "ipv4 bad header checksum")                                                     \
	X(IP_OPTIONS, "ipv4 malformed options")                                                    \
	X(IP_SRC_BAD, "ipv4 bad source address")                                                   \
	X(IP_NOT_US, "ipv4 not addressed to us")                                                   \
	X(IP_TTL, "ipv4 ttl expired")                                                              \
	X(IP_PROTO, "ipv4 unknown protocol")                                                       \
	X(IP_NO_ROUTE, "ipv4 no route")                                                            \
	X(IP_FRAG_BAD, "ipv4 malformed fragment")                                                  \
	X(IP_FRAG_OVERLAP, "ipv4 overlapping fragment")                                            \
	X(IP_FRAG_TOO_BIG, "ipv4 reassembled datagram too big")                                    \
	X(IP_FRAG_NOSLOT, "ipv4 reassembly table full")                                            \
	X(IP_FRAG_TIMEOUT, "ipv4 reassembly timed out")                                            \
	X(IP_DF, "ipv4 needs fragmentation but DF set")                                            \
	X(ICMP_SHORT, "icmp truncated")                                                            \
	X(ICMP_CSUM, "icmp bad checksum")                                                          \
	X(ICMP_TYPE, "icmp type not handled")                                                      \
	X(ICMP_RATELIMIT, "icmp error rate-limited")                                               \
	X(UDP_SHORT, "udp truncated")                                                              \
	X(UDP_LEN, "udp bad length")                                                               \
	X(UDP_CSUM, "udp bad checksum")                                                            \
	X(UDP_NO_PORT, "udp port unreachable")                                                     \
	X(UDP_RCVBUF, "udp socket receive queue full")                                             \
	X(TCP_SHORT, "tcp truncated")                                                              \
	X(TCP_HLEN, "tcp bad data offset")                                                         \
	X(TCP_CSUM, "tcp bad checksum")                                                            \
	X(TCP_OPTIONS, "tcp malformed options")                                                    \
	X(TCP_FLAGS, "tcp invalid flag combination")                                               \
	X(TCP_NO_PORT, "tcp no listener or connection")                                            \
	X(TCP_UNACCEPTABLE, "tcp unacceptable segment")                                            \
	X(TCP_BACKLOG, "tcp accept backlog full")                                                  \
	X(TCP_OOO_FULL, "tcp out-of-order queue full")                                             \
	X(TCP_RST_IGNORED, "tcp reset ignored")                                                    \
	X(TCP_PAWS, "tcp paws rejected")                                                           \
	X(TCP_NOCONN, "tcp connection table full")                                                 \
	X(LINK_TX, "link transmit error")                                                          \
	X(NAT_NO_FLOW, "nat no matching flow")                                                     \
	X(NAT_TABLE_FULL, "nat flow table full")                                                   \
	X(NAT_HOST_QUOTA, "nat per-host flow quota reached")                                       \
	X(NAT_NO_PORT, "nat no free outside port")                                                 \
	X(NAT_FILTERED, "nat inbound filtered")                                                    \
	X(NAT_BAD_STATE, "nat packet invalid for flow state")                                      \
	X(NAT_UNSUPPORTED, "nat protocol not translated")

enum ng_drop {
#define NG_DROP_ENUM(name, text) NG_DROP_##name,
	NG_DROP_REASONS(NG_DROP_ENUM)
#undef NG_DROP_ENUM
	    NG_DROP_MAX
};

/* General counters. Append; never reorder. */
#define NG_COUNTERS(X)                                                                             \
	X(RX_FRAMES, "frames received")                                                            \
	X(RX_BYTES, "bytes received")                                                              \
	X(TX_FRAMES, "frames sent")                                                                \
	X(TX_BYTES, "bytes sent")                                                                  \
	X(ARP_RX, "arp received")                                                                  \
	X(ARP_TX, "arp sent")                                                                      \
	X(IP_RX, "ipv4 datagrams received")                                                        \
	X(IP_TX, "ipv4 datagrams sent")                                                            \
	X(IP_FORWARDED, "ipv4 datagrams forwarded")                                                \
	X(IP_FRAG_RX, "ipv4 fragments received")                                                   \
	X(IP_REASM_OK, "ipv4 datagrams reassembled")                                               \
	X(IP_FRAG_TX, "ipv4 fragments sent")                                                       \
	X(ICMP_RX, "icmp received")                                                                \
	X(ICMP_TX, "icmp sent")                                                                    \
	X(ICMP_ECHO_REPLIED, "icmp echo requests answered")                                        \
	X(UDP_RX, "udp datagrams received")                                                        \
	X(UDP_TX, "udp datagrams sent")                                                            \
	X(TCP_RX, "tcp segments received")                                                         \
	X(TCP_TX, "tcp segments sent")                                                             \
	X(TCP_RETRANS, "tcp segments retransmitted")                                               \
	X(TCP_TLP, "tcp tail loss probes sent (RFC 8985)")                                         \
	X(TCP_TW_RECYCLED, "tcp TIME_WAIT blocks reused for new connections (table full)")         \
	X(TCP_RST_TX, "tcp resets sent")                                                           \
	X(TCP_ACTIVE_OPENS, "tcp active opens")                                                    \
	X(TCP_PASSIVE_OPENS, "tcp passive opens")                                                  \
	X(TCP_CHALLENGE_ACK, "tcp challenge acks sent (RFC 5961)")                                 \
	X(TCP_CHALLENGE_LIMITED, "tcp challenge acks suppressed by the rate limit")                \
	X(TCP_SYNCOOKIE_TX, "tcp syn cookies sent")                                                \
	X(TCP_SYNCOOKIE_OK, "tcp syn cookies validated")                                           \
	X(TCP_SYNCOOKIE_BAD, "tcp syn cookie acks rejected")                                       \
	X(NAT_FLOWS_CREATED, "nat flows created")                                                  \
	X(NAT_FLOWS_EXPIRED, "nat flows expired")                                                  \
	X(NAT_TRANSLATED_OUT, "nat packets translated outbound")                                   \
	X(NAT_TRANSLATED_IN, "nat packets translated inbound")                                     \
	X(IP_GSO_FORWARDED, "ipv4 gso super-segments forwarded whole")                             \
	X(IP_GSO_CUT, "ipv4 gso super-segments cut for a link without tso")

enum ng_counter {
#define NG_COUNTER_ENUM(name, text) NG_CNT_##name,
	NG_COUNTERS(NG_COUNTER_ENUM)
#undef NG_COUNTER_ENUM
	    NG_CNT_MAX
};

struct ng_stats {
	uint64_t drops[NG_DROP_MAX];
	uint64_t counters[NG_CNT_MAX];
};

/* Text of a drop reason / counter, and its short name ("IP_CSUM"). */
const char *ng_drop_text(enum ng_drop d);
const char *ng_drop_name(enum ng_drop d);
const char *ng_counter_text(enum ng_counter c);
const char *ng_counter_name(enum ng_counter c);

#endif
