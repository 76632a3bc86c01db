// SPDX-License-Identifier: MIT
/*
 * SYN cookies (RFC 4987 3.6), our own encoding.
 *
 * Theory of operation
 * -------------------
 * The ISN of a cookie SYN+ACK is
 *
 *     bits 31..5  MAC: 27 bits of SipHash-2-4(key, tuple, peer ISN, counter, MSS index, opts)
 *     bits  4..3  the cookie counter (now / 64 s) modulo 4
 *     bits  2..0  MSS index into tcp_cookie_mss_table
 *
 * and, when the SYN carried timestamps, the low five bits of our TSval hold the peer's window
 * scale (0xF: none) and SACK-permitted; the peer echoes them in TSecr of its ACK. Those bits
 * are fed into the MAC too, so neither they nor the MSS index can be altered, and a cookie
 * whose ACK lost or gained the timestamp option fails.
 *
 * The ACK's SEG.ACK - 1 is the cookie and SEG.SEQ - 1 the peer's ISN. The two counter bits
 * name which of the two acceptable periods (now, or the one before: a cookie lives 64 to 128
 * s) the cookie was made in; the MAC is recomputed for that period only. A blind forger must
 * guess 27 bits: one chance in 134 million per try.
 *
 * The cookie ISN does not follow RFC 6528's clock, so it is not monotonic across incarnations;
 * cookies are used only while the listener is under a flood, as RFC 4987 recommends, and the
 * key should be the stack's secret run through a separate derivation from the ISN key.
 */
#include <string.h>

#include "core/core_internal.h"
#include "tcp/tcp_cookie.h"

/* Common MSS values: the stack's floor, the IPv4 default, tunnels and PPPoE, Ethernet, jumbo
 * frames and the 65520-byte TAP MTU. */
const uint16_t tcp_cookie_mss_table[TCP_COOKIE_NMSS] = {64,   536,  1200, 1360,
                                                        1440, 1460, 8960, 65480};

#define NO_TS_BITS 0x20u /* opts word for an exchange without timestamps */
#define WS_NONE    0xfu

unsigned tcp_cookie_mss_index(uint16_t mss)
{
	unsigned i = TCP_COOKIE_NMSS - 1;

	while (i > 0 && tcp_cookie_mss_table[i] > mss)
		i--;
	return i;
}

/* The five TSval bits for O. */
static uint32_t ts_bits(const struct tcp_cookie_opts *o)
{
	uint32_t ws = o->ws_ok ? (o->ws > 14 ? 14u : o->ws) : WS_NONE;
	return ws | (o->sack_ok ? 0x10u : 0);
}

static uint32_t mac(const uint8_t key[16], const struct tcp_cookie_tuple *t, uint32_t peer_isn,
                    uint32_t counter, unsigned mss_idx, uint32_t opts)
{
	uint32_t m[8] = {t->laddr, t->raddr,   ((uint32_t)t->lport << 16) | t->rport,
	                 peer_isn, counter,    mss_idx,
	                 opts,     0x636b6965u /* "ckie" */};
	return (uint32_t)ng_siphash(key, m, sizeof(m)) & ~0x1fu;
}

static uint32_t counter_at(uint64_t now_ns)
{
	return (uint32_t)(now_ns / TCP_COOKIE_PERIOD_NS);
}

uint32_t tcp_cookie_isn(const uint8_t key[16], const struct tcp_cookie_tuple *t, uint32_t peer_isn,
                        uint64_t now_ns, const struct tcp_cookie_opts *o)
{
	unsigned idx = tcp_cookie_mss_index(o->mss);
	uint32_t ctr = counter_at(now_ns);
	uint32_t opts = o->ts_ok ? ts_bits(o) : NO_TS_BITS;

	return mac(key, t, peer_isn, ctr, idx, opts) | (ctr & 3) << 3 | idx;
}

uint32_t tcp_cookie_tsval(uint32_t ts_now, const struct tcp_cookie_opts *o)
{
	uint32_t mask = (1u << TCP_COOKIE_TS_BITS) - 1;
	uint32_t v = (ts_now & ~mask) | ts_bits(o);

	if ((int32_t)(v - ts_now) > 0)
		v -= mask + 1;
	return v;
}

bool tcp_cookie_check(const uint8_t key[16], const struct tcp_cookie_tuple *t, uint32_t seg_seq,
                      uint32_t seg_ack, uint64_t now_ns, bool ts_present, uint32_t tsecr,
                      struct tcp_cookie_opts *out)
{
	uint32_t cookie = seg_ack - 1, peer_isn = seg_seq - 1;
	uint32_t now = counter_at(now_ns), ctr;
	unsigned idx = cookie & 7;
	uint32_t opts = ts_present ? tsecr & 0x1fu : NO_TS_BITS;

	/* the counter the cookie names: this period or the one before, nothing else */
	if (((cookie >> 3) & 3) == (now & 3))
		ctr = now;
	else if (((cookie >> 3) & 3) == ((now - 1) & 3) && now > 0)
		ctr = now - 1;
	else
		return false;
	if ((cookie & ~0x1fu) != mac(key, t, peer_isn, ctr, idx, opts))
		return false;
	memset(out, 0, sizeof(*out));
	out->mss = tcp_cookie_mss_table[idx];
	out->ts_ok = ts_present;
	if (ts_present) {
		out->ws_ok = (opts & WS_NONE) != WS_NONE;
		out->ws = out->ws_ok ? (uint8_t)(opts & WS_NONE) : 0;
		out->sack_ok = opts & 0x10u;
	}
	return true;
}
