// SPDX-License-Identifier: MIT
/*
 * RFC 5961: a blind attacker who can guess a connection's 4-tuple need only land a sequence
 * number somewhere in the receive window to reset it (RST), tear it down (SYN) or inject data.
 * The defence narrows what is accepted to what only a peer who sees the traffic can know: a
 * RST must carry exactly RCV.NXT, any SYN is suspect, and the ACK value must lie within a
 * window of what we actually sent. Anything plausible but not exact draws a "challenge ACK"
 * (<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>): a genuine peer answers it (with an exact RST, say),
 * a blind attacker never sees it. Challenge ACKs are rate limited (section 7) so the defence
 * cannot be turned into an amplifier; the limiter's cost is jittered so its count does not leak.
 */
#include "core/core_internal.h"
#include "natgate/stack.h"
#include "tcp/tcp_rfc5961.h"

enum tcp_5961 tcp_5961_rst(uint32_t rcv_nxt, uint32_t rcv_wnd, uint32_t seg_seq)
{
	if (seg_seq == rcv_nxt)
		return TCP_5961_ACCEPT;
	/* in the window [RCV.NXT, RCV.NXT + RCV.WND) but not exact */
	if (seg_seq - rcv_nxt < rcv_wnd)
		return TCP_5961_CHALLENGE;
	return TCP_5961_DROP;
}

/* SYN_RECEIVED is left to RFC 9293 (a passive one returns to LISTEN; the core decides). */
enum tcp_5961 tcp_5961_syn(enum ng_tcp_state state)
{
	return state >= NG_TCP_ESTABLISHED && state < NG_TCP_STATE_MAX ? TCP_5961_CHALLENGE
	                                                               : TCP_5961_ACCEPT;
}

enum tcp_5961 tcp_5961_ack(uint32_t snd_una, uint32_t snd_nxt, uint32_t max_snd_wnd,
                           uint32_t seg_ack)
{
	if ((int32_t)(seg_ack - snd_nxt) > 0)
		return TCP_5961_CHALLENGE; /* acknowledges what was never sent */
	if ((int32_t)(seg_ack - snd_una) >= 0)
		return TCP_5961_ACCEPT;
	if (snd_una - seg_ack <= max_snd_wnd)
		return TCP_5961_OLD_ACK;
	return TCP_5961_CHALLENGE;
}

void tcp_chal_limit_init(struct tcp_chal_limit *l, uint32_t per_sec, uint64_t now_ns)
{
	l->per_sec = per_sec;
	l->budget_ns = NG_NS_PER_SEC;
	l->last_ns = now_ns;
	l->next_cost = 0;
	l->sent = 0;
	l->suppressed = 0;
}

bool tcp_chal_allow(struct tcp_chal_limit *l, uint64_t now_ns, uint32_t rnd)
{
	uint64_t cost;

	if (!l->per_sec) {
		l->sent++;
		return true;
	}
	if (now_ns > l->last_ns) {
		l->budget_ns = NG_MIN(l->budget_ns + (now_ns - l->last_ns), NG_NS_PER_SEC);
		l->last_ns = now_ns;
	}
	/* the next ACK's price is drawn once and kept until paid: redrawing on every refused
	 * attempt would let a flood pick the cheap prices and raise the rate */
	if (!l->next_cost) {
		cost = NG_NS_PER_SEC / l->per_sec;
		l->next_cost = rnd ? cost / 2 + (uint64_t)rnd % (cost + 1) : cost;
	}
	cost = l->next_cost;
	if (l->budget_ns < cost) {
		l->suppressed++;
		return false;
	}
	l->next_cost = 0;
	l->budget_ns -= cost;
	l->sent++;
	return true;
}
