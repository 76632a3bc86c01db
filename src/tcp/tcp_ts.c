// SPDX-License-Identifier: MIT
/*
 * TCP timestamps (RFC 7323): the clock we stamp with, which TSval we echo, PAWS, and RTT
 * measurement from echoes.
 *
 * Our clock ticks every millisecond and starts at a per-connection offset (a keyed hash of the
 * 4-tuple). TS.Recent is the peer's TSval we echo; it changes only for a segment that is in
 * sequence with what we last acknowledged (SEG.SEQ <= Last.ACK.sent) and not older than it,
 * so a delayed ACK echoes the earliest segment it covers and an ACK after a gap the segment
 * that fills it (RFC 7323 4.3): the peer's RTT estimate includes the delay it caused. PAWS
 * drops a non-RST segment whose TSval is older than TS.Recent (modulo 2^32), unless TS.Recent
 * is over 24 days old: a 1 ms clock wraps its sign bit after 24.8 days, so after such an idle
 * period the comparison means nothing and the segment is taken (RFC 7323 5.5).
 */
#include "core/core_internal.h"
#include "tcp/tcp_ts.h"

uint32_t tcp_ts_offset(const uint8_t key[16], uint32_t laddr, uint16_t lport, uint32_t raddr,
                       uint16_t rport)
{
	uint32_t m[4] = {laddr, raddr, ((uint32_t)lport << 16) | rport, 0x74737473u /* "tsts" */};
	return (uint32_t)ng_siphash(key, m, sizeof(m));
}

void tcp_ts_init(struct tcp_ts *ts, uint32_t offset)
{
	ts->ok = false;
	ts->offset = offset;
	ts->recent = 0;
	ts->recent_ns = 0;
	ts->have_recent = false;
}

uint32_t tcp_ts_now(const struct tcp_ts *ts, uint64_t now_ns)
{
	return (uint32_t)(now_ns / TCP_TS_TICK_NS) + ts->offset;
}

/* RFC 7323 5.3 R1 and 5.5. */
enum tcp_paws tcp_paws_check(const struct tcp_ts *ts, bool has_ts, uint32_t tsval, bool rst,
                             uint64_t now_ns)
{
	if (!ts->ok)
		return TCP_PAWS_OK;
	if (!has_ts)
		return rst ? TCP_PAWS_OK : TCP_PAWS_MISSING;
	if (rst || !ts->have_recent || (int32_t)(tsval - ts->recent) >= 0)
		return TCP_PAWS_OK;
	if (now_ns - ts->recent_ns > TCP_PAWS_IDLE_NS)
		return TCP_PAWS_STALE;
	return TCP_PAWS_REJECT;
}

/* RFC 7323 4.3 (as 5.3 R3). */
void tcp_ts_update(struct tcp_ts *ts, enum tcp_paws verdict, uint32_t tsval, uint32_t seg_seq,
                   uint32_t last_ack_sent, uint64_t now_ns)
{
	if (!ts->ok || verdict == TCP_PAWS_REJECT || verdict == TCP_PAWS_MISSING)
		return;
	if ((int32_t)(seg_seq - last_ack_sent) > 0)
		return;
	if (verdict != TCP_PAWS_STALE && ts->have_recent && (int32_t)(tsval - ts->recent) < 0)
		return;
	ts->recent = tsval;
	ts->recent_ns = now_ns;
	ts->have_recent = true;
}

void tcp_ts_take_syn(struct tcp_ts *ts, uint32_t tsval, uint64_t now_ns)
{
	ts->recent = tsval;
	ts->recent_ns = now_ns;
	ts->have_recent = true;
}

bool tcp_ts_rtt(const struct tcp_ts *ts, uint32_t tsecr, uint64_t now_ns, uint64_t *rtt_ns)
{
	uint32_t d = tcp_ts_now(ts, now_ns) - tsecr;

	if (!ts->ok || (int32_t)d < 0 || (uint64_t)d * TCP_TS_TICK_NS > TCP_TS_RTT_MAX_NS)
		return false;
	*rtt_ns = (uint64_t)d * TCP_TS_TICK_NS;
	return true;
}
