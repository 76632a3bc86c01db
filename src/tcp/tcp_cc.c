// SPDX-License-Identifier: MIT
/*
 * Congestion control behind struct tcp_cc_ops. The loss-recovery machinery (duplicate ACK
 * counting, fast retransmit, NewReno's partial and full ACKs) lives in tcp_in.c; an algorithm
 * only decides how the window grows and how far it falls, so CUBIC slots in beside NewReno.
 */
#include "tcp/tcp_internal.h"

/* RFC 5681 3.1 as raised by RFC 6928: IW = min(10*MSS, max(2*MSS, 14600)). */
static void reno_init(struct ng_tcp_sock *c)
{
	c->cwnd = NG_MIN(10 * c->snd_mss, NG_MAX(2 * c->snd_mss, 14600u));
	c->ssthresh = UINT32_MAX / 2;
	c->cwnd_acc = 0;
}

/*
 * Slow start: cwnd grows by the bytes each ACK acknowledges, up to ssthresh (appropriate byte
 * counting, RFC 3465, without its per-ACK limit L, as Linux counts the segments acked). RFC
 * 5681's min(acked, SMSS) per ACK assumes an ACK every segment or two; a receiver that
 * coalesces (GRO, a TAP's 64 KiB frames, our own one ACK per input batch) acknowledges dozens
 * of segments at once, and slow start would then add a segment per dozens instead of doubling
 * each round trip. The burst this allows is what the ACK itself released.
 */
uint32_t tcp_slow_start(struct ng_tcp_sock *c, uint32_t acked)
{
	uint32_t room = c->ssthresh - c->cwnd; /* called only below ssthresh */

	c->cwnd += NG_MIN(acked, room);
	return acked > room ? acked - room : 0;
}

/* RFC 5681 3.1: slow start (tcp_slow_start); congestion avoidance by one SMSS per window's
 * worth of bytes acknowledged (byte counting). */
static void reno_on_ack(struct ng_tcp_sock *c, uint32_t acked)
{
	if (c->cwnd < c->ssthresh) {
		tcp_slow_start(c, acked);
		return;
	}
	c->cwnd_acc += acked;
	if (c->cwnd_acc >= c->cwnd) {
		c->cwnd_acc -= c->cwnd;
		c->cwnd += c->snd_mss;
	}
}

/* RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2 * SMSS). */
static uint32_t reno_ssthresh(struct ng_tcp_sock *c)
{
	return NG_MAX(tcp_flight(c) / 2, 2 * c->snd_mss);
}

/* RFC 5681 3.1: after a timeout cwnd is the loss window, one segment. */
static void reno_on_rto(struct ng_tcp_sock *c)
{
	c->ssthresh = reno_ssthresh(c);
	c->cwnd = c->snd_mss;
	c->cwnd_acc = 0;
}

/* RFC 6582 3.2 step 3: on a full ACK, cwnd = min(ssthresh, FlightSize + SMSS). */
static void reno_on_recovery_end(struct ng_tcp_sock *c)
{
	c->cwnd = NG_MIN(c->ssthresh, tcp_flight(c) + c->snd_mss);
	c->cwnd = NG_MAX(c->cwnd, c->snd_mss);
	c->cwnd_acc = 0;
}

/* RFC 5681 4.1: after an idle period longer than the RTO, cwnd = min(IW, cwnd). */
static void reno_on_idle_restart(struct ng_tcp_sock *c)
{
	uint32_t iw = NG_MIN(10 * c->snd_mss, NG_MAX(2 * c->snd_mss, 14600u));
	c->cwnd = NG_MIN(c->cwnd, iw);
}

const struct tcp_cc_ops tcp_cc_newreno = {
    .name = "newreno",
    .init = reno_init,
    .on_ack = reno_on_ack,
    .ssthresh = reno_ssthresh,
    .on_rto = reno_on_rto,
    .on_recovery_end = reno_on_recovery_end,
    .on_idle_restart = reno_on_idle_restart,
};
