/* SPDX-License-Identifier: MIT */
/*
 * RFC 5961 defences against blind in-window attacks: how a synchronized connection treats a
 * RST, a SYN and an ACK value, and the rate limiter for the challenge ACKs they draw.
 * Pure functions; time is passed in.
 */
#ifndef NG_TCP_RFC5961_H
#define NG_TCP_RFC5961_H

#include <stdbool.h>
#include <stdint.h>

#include "natgate/tcpstate.h"

enum tcp_5961 {
	TCP_5961_ACCEPT,    /* process as usual (for a RST: reset the connection) */
	TCP_5961_CHALLENGE, /* drop it and send a (rate-limited) challenge ACK */
	TCP_5961_DROP,      /* drop it silently */
	TCP_5961_OLD_ACK,   /* the ACK value is old but plausible: ignore the ACK field, take
	                       the rest of the segment */
};

/* RFC 5961 3.2: a RST with SEG_SEQ against RCV.NXT and RCV.WND (bytes): exact match resets,
 * elsewhere in the window draws a challenge ACK, outside it is dropped. */
enum tcp_5961 tcp_5961_rst(uint32_t rcv_nxt, uint32_t rcv_wnd, uint32_t seg_seq);
/* RFC 5961 4.2: a SYN (without RST) in STATE. In every synchronized state, whatever its
 * sequence number, it draws a challenge ACK; before that it is for the normal rules. */
enum tcp_5961 tcp_5961_syn(enum ng_tcp_state state);
/* RFC 5961 5.2 with RFC 9293 3.10.7.4: SEG_ACK is acceptable within
 * [SND.UNA - MAX.SND.WND, SND.NXT] (SND_NXT: the highest sequence sent). Above SND.NXT, or
 * below the lower edge: drop with an ACK. Below SND.UNA but within: an old duplicate ACK. */
enum tcp_5961 tcp_5961_ack(uint32_t snd_una, uint32_t snd_nxt, uint32_t max_snd_wnd,
                           uint32_t seg_ack);

/* RFC 5961 7: a token bucket of PER_SEC challenge ACKs per second, burst PER_SEC. */
struct tcp_chal_limit {
	uint32_t per_sec;   /* 0: no limit */
	uint64_t budget_ns; /* credit, in nanoseconds of refill, at most one second */
	uint64_t last_ns;
	uint64_t next_cost; /* price of the next ACK (0: not drawn yet) */
	uint64_t sent, suppressed;
};
void tcp_chal_limit_init(struct tcp_chal_limit *l, uint32_t per_sec, uint64_t now_ns);
/* May a challenge ACK go out at NOW_NS? RND (0: none) jitters each ACK's cost uniformly in
 * [1/2, 3/2] of 1/PER_SEC seconds, so the count allowed in a burst is not predictable: a
 * fixed per-stack budget is the side channel of CVE-2016-5696, through which an off-path
 * observer counts challenge ACKs to find connections and their sequence numbers. */
bool tcp_chal_allow(struct tcp_chal_limit *l, uint64_t now_ns, uint32_t rnd);

#endif
