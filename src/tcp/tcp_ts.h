/* SPDX-License-Identifier: MIT */
/*
 * TCP timestamps (RFC 7323): our timestamp clock, the TS.Recent rules, PAWS, and RTT samples
 * from TSecr. Pure functions on a small per-connection struct; time is passed in.
 */
#ifndef NG_TCP_TS_H
#define NG_TCP_TS_H

#include <stdbool.h>
#include <stdint.h>

#define TCP_TS_TICK_NS    1000000ull /* our timestamp clock: 1 ms (RFC 7323 5.4: 1 ms..1 s) */
#define TCP_PAWS_IDLE_NS  (24ull * 86400 * 1000000000ull) /* RFC 7323 5.5 */
#define TCP_TS_RTT_MAX_NS (600ull * 1000000000ull)        /* older echoes are not RTTs */

/* Timestamp state of one connection. */
struct tcp_ts {
	bool ok;            /* negotiated: both SYNs carried the option (RFC 7323 3.2) */
	uint32_t offset;    /* added to our clock, random per connection (RFC 7323 5.4) */
	uint32_t recent;    /* TS.Recent: the TSval to echo */
	uint64_t recent_ns; /* when TS.Recent was last set */
	bool have_recent;
};

enum tcp_paws {
	TCP_PAWS_OK,      /* go on */
	TCP_PAWS_REJECT,  /* an old duplicate: drop it, send an ACK (RFC 7323 5.3 R1) */
	TCP_PAWS_STALE,   /* fails the check but TS.Recent is over 24 days old: accept, and
	                     tcp_ts_update must take the new TSval (RFC 7323 5.5) */
	TCP_PAWS_MISSING, /* no timestamp on a non-RST segment of a timestamp connection: RFC
	                     7323 3.2 says SHOULD drop (silently) */
};

/* Per-connection offset: a keyed hash of the 4-tuple, so that the TSval does not reveal the
 * host's uptime or link connections (RFC 7323 5.4 / 7.1). */
uint32_t tcp_ts_offset(const uint8_t key[16], uint32_t laddr, uint16_t lport, uint32_t raddr,
                       uint16_t rport);
/* Start of a connection with OFFSET; timestamps not (yet) negotiated. */
void tcp_ts_init(struct tcp_ts *ts, uint32_t offset);
/* Our TSval at NOW_NS. */
uint32_t tcp_ts_now(const struct tcp_ts *ts, uint64_t now_ns);
/* The PAWS test (RFC 7323 5.3 R1) for a segment with (HAS_TS) TSVAL, RST set or not. */
enum tcp_paws tcp_paws_check(const struct tcp_ts *ts, bool has_ts, uint32_t tsval, bool rst,
                             uint64_t now_ns);
/* RFC 7323 4.3 / 5.3 R3 for an acceptable segment with TSVAL at SEG_SEQ: TS.Recent takes TSVAL
 * if TSVAL >= TS.Recent (or VERDICT was TCP_PAWS_STALE) and the segment starts at or before
 * Last.ACK.sent, i.e. it covers the point our last ACK acknowledged (so the echo, with delayed
 * ACKs, is the earliest unacknowledged segment's and with gaps the one that fills them). */
void tcp_ts_update(struct tcp_ts *ts, enum tcp_paws verdict, uint32_t tsval, uint32_t seg_seq,
                   uint32_t last_ack_sent, uint64_t now_ns);
/* First TS.Recent from the peer's SYN or SYN+ACK (no conditions apply). */
void tcp_ts_take_syn(struct tcp_ts *ts, uint32_t tsval, uint64_t now_ns);
/* RTT from the TSECR of an ACK that advanced SND.UNA (RFC 7323 4.1/4.2): false if the echo
 * lies in the future or further back than TCP_TS_RTT_MAX_NS. Resolution: one tick. */
bool tcp_ts_rtt(const struct tcp_ts *ts, uint32_t tsecr, uint64_t now_ns, uint64_t *rtt_ns);

#endif
