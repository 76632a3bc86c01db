/* SPDX-License-Identifier: MIT */
/*
 * SYN cookies (RFC 4987 3.6): a listener whose SYN queue is full answers a SYN statelessly,
 * with the connection's essentials encoded in its ISN (and, with timestamps, in the low bits of
 * its TSval), and creates the connection only when an ACK returns a valid cookie.
 * Pure functions: the caller passes the key, the time and the segment fields.
 *
 * Using it from the core (learnt by running it there: tests/sim/test_tcp_many with cookies on
 * failed seeds 4 and 78 until the first two were handled):
 * - A duplicate of a SYN can arrive after a cookie answered the first copy and after the queue
 *   drained: it makes an ordinary child in SYN_RECEIVED with another ISS, while the peer took
 *   the cookie. When that child gets an ACK that does not fit its ISS, check it as a cookie
 *   before answering with a RST, and if valid become the cookie's connection (its ISN and the
 *   options the cookie kept, which are all the peer saw).
 * - If the peer's first ACK is lost, its next segments carry SEG.SEQ != ISN + 1 and fail the
 *   check; a RST for them kills a connection the peer thinks is up. While cookies are out
 *   (within 2 periods of the last one sent) drop such ACKs silently: the peer's retransmission
 *   from ISN + 1 validates.
 * - Take no RTT sample from the cookie handshake: the cookie TSval is up to 31 ticks below the
 *   clock. The connection's timestamp offset must be the one the cookie TSval was made with.
 * - Without timestamps the peer's window scale cannot be kept: offer no WS option then.
 */
#ifndef NG_TCP_COOKIE_H
#define NG_TCP_COOKIE_H

#include <stdbool.h>
#include <stdint.h>

#define TCP_COOKIE_PERIOD_NS (64ull * 1000000000ull) /* one tick of the cookie clock */
/* How long a cookie stays valid: one made at T is accepted until the end of the period after
 * T's (tcp_cookie_check), so always before T + 2 periods. A listener that sent no cookie for
 * that long has none outstanding, and an ACK it gets cannot complete a cookie handshake. */
#define TCP_COOKIE_LIFETIME_NS (2 * TCP_COOKIE_PERIOD_NS)
#define TCP_COOKIE_NMSS        8
#define TCP_COOKIE_TS_BITS     5 /* low TSval bits carrying WS and SACK-permitted */

/* The connection, host order, as seen by the listener. */
struct tcp_cookie_tuple {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
};

/* What the SYN offered (in) or the cookie recorded (out). */
struct tcp_cookie_opts {
	uint16_t mss; /* peer's MSS (536 if it sent none); out: rounded down to the table */
	bool ts_ok;   /* both sides use timestamps */
	bool ws_ok;   /* window scaling offered; WS the peer's shift */
	uint8_t ws;
	bool sack_ok;
};

/* The MSS values a cookie can carry. */
extern const uint16_t tcp_cookie_mss_table[TCP_COOKIE_NMSS];
/* Index of the largest table MSS not above MSS (0 if MSS is below them all). */
unsigned tcp_cookie_mss_index(uint16_t mss);
/* The ISN for a SYN+ACK answering PEER_ISN on TUPLE at NOW_NS, keyed with KEY. O->mss picks
 * the MSS index; with O->ts_ok the WS and SACK bits are not in the ISN but must go into the
 * TSval (tcp_cookie_tsval) and are covered by the ISN's MAC. */
uint32_t tcp_cookie_isn(const uint8_t key[16], const struct tcp_cookie_tuple *t, uint32_t peer_isn,
                        uint64_t now_ns, const struct tcp_cookie_opts *o);
/* The TSval for that SYN+ACK: TS_NOW with its low TCP_COOKIE_TS_BITS replaced by WS (0xF =
 * none) and SACK-permitted, moved down by 32 if that would put it ahead of TS_NOW (RFC 7323:
 * TSval must not run ahead of the clock the later segments use). */
uint32_t tcp_cookie_tsval(uint32_t ts_now, const struct tcp_cookie_opts *o);
/* Check the ACK completing a cookie handshake: SEG_SEQ - 1 is the peer's ISN, SEG_ACK - 1 the
 * cookie; valid if made in this cookie period or the one before. TS_PRESENT / TSECR: the ACK's
 * timestamp option. On success fills *OUT (mss from the table; WS and SACK only with
 * timestamps) and returns true. */
bool tcp_cookie_check(const uint8_t key[16], const struct tcp_cookie_tuple *t, uint32_t seg_seq,
                      uint32_t seg_ack, uint64_t now_ns, bool ts_present, uint32_t tsecr,
                      struct tcp_cookie_opts *out);

#endif
