// SPDX-License-Identifier: MIT
/*
 * The timers of a connection: retransmission (RFC 6298), preceded by a tail loss probe (RFC 8985
 * 7) when one is due first, or, while the peer's window is zero, persist (RFC 9293 3.8.6.1);
 * delayed ACK (RFC 9293 3.8.6.3, RFC 1122 4.2.3.2); and one timer for TIME_WAIT (2*MSL), the
 * orphaned FIN_WAIT_2 timeout and keepalive (RFC 1122 4.2.3.6).
 */
#include "tcp/tcp_internal.h"

static void rexmt_fire(struct ng_timer *t, uint64_t now);
static void delack_fire(struct ng_timer *t, uint64_t now);
static void keep_fire(struct ng_timer *t, uint64_t now);

void tcp_timers_init(struct ng_tcp_sock *c)
{
	ng_timer_init(&c->rexmt, rexmt_fire);
	ng_timer_init(&c->delack, delack_fire);
	ng_timer_init(&c->keep, keep_fire);
}

void tcp_timers_cancel(struct ng_tcp_sock *c)
{
	ng_timer_cancel(c->st->timers, &c->rexmt);
	ng_timer_cancel(c->st->timers, &c->delack);
	ng_timer_cancel(c->st->timers, &c->keep);
}

static uint64_t backed_off(const struct ng_tcp_sock *c, uint64_t base, uint64_t max)
{
	uint64_t v = base;
	for (unsigned i = 0; i < c->backoff && v < max; i++)
		v *= 2;
	return NG_MIN(v, max);
}

/*
 * The tail loss probe timeout (RFC 8985 7.2) if C should probe before its RTO, else 0. A probe
 * is worth it when a connection with SACK and an RTT estimate has data in flight, is not in
 * loss recovery or backing off, and has no probe of its own still unacknowledged: if the last
 * segments of a flight, or every ACK for them, are lost, nothing else would tell the sender
 * before the RTO (200 ms at least) — and over a TAP the kernel acknowledges a gathered batch of
 * segments with a single ACK, so losing that one ACK stalls a whole window. The probe draws an
 * ACK whose SACK blocks start fast recovery, or that simply acknowledges everything.
 * PTO = 2 * SRTT, plus the peer's worst delayed ACK when one segment is in flight, at least
 * TCP_PTO_MIN_NS, and never later than the RTO. RFC 8985 7.2 sets no floor; ours is 2 ms: at the
 * sub-millisecond RTTs of a LAN or between VMs the floor is the whole timeout, which every lost
 * ACK of a TAP's one ACK per batch waits out (10 ms before: 54-61 MB/s for 256 MiB at 1% loss,
 * 60-103 MB/s with 2 ms).
 */
static uint64_t tlp_timeout(struct ng_tcp_sock *c)
{
	uint32_t flight = tcp_flight(c);
	uint64_t pto, rto = backed_off(c, c->rto, TCP_RTO_MAX_NS);

	if (!c->sack_ok || !c->have_rtt || c->tlp_out || c->in_recovery || c->backoff || !flight ||
	    !c->snd_wnd || (c->state != NG_TCP_ESTABLISHED && c->state != NG_TCP_CLOSE_WAIT) ||
	    (c->fin_queued && tcp_seq_gt(c->snd_max, c->fin_seq)))
		return 0;
	pto = 2 * (uint64_t)c->srtt_us * 1000;
	if (flight <= c->snd_mss)
		pto += TCP_WCDELACK_NS;
	pto = NG_MAX(pto, TCP_PTO_MIN_NS);
	return pto < rto ? pto : 0;
}

/* RFC 6298 5.1/5.3: (re)start the timer so it expires after RTO (backed off, 5.5) — or, when a
 * tail loss probe is due first, after the probe timeout (tlp_timeout). */
void tcp_rexmt_arm(struct ng_tcp_sock *c)
{
	uint64_t pto = tlp_timeout(c);

	c->persist = false;
	c->tlp_armed = pto != 0;
	ng_timer_arm(c->st->timers, &c->rexmt,
	             c->st->now + (pto ? pto : backed_off(c, c->rto, TCP_RTO_MAX_NS)));
}

/* New data went out (tcp_output): RFC 6298 5.1 starts the retransmission timer only if it is
 * not running; RFC 8985 7.2 restarts the probe timer after every original transmission. A
 * running RTO gives way to a probe that became due sooner (the flight was one segment when it
 * was armed, and a probe then waits for the peer's delayed ACK). */
void tcp_rexmt_on_send(struct ng_tcp_sock *c)
{
	if (!ng_timer_armed(&c->rexmt) || c->tlp_armed || (!c->persist && tlp_timeout(c)))
		tcp_rexmt_arm(c);
}

/* RFC 8985 7.3: the probe timeout expired with the tail of the flight unacknowledged. The probe
 * is the last segment in flight sent again, one segment beyond cwnd; it opens the episode
 * (TLP.end_seq = SND.MAX) that an ACK reaching it ends (new_ack, 7.4), and the RTO runs, not
 * another probe timeout, whether the probe could be sent or not (7.3).
 * 7.3 prefers new data when there is some (nothing is sent twice), but a new segment arriving
 * in order after a flight whose one ACK was lost draws only the receiver's delayed ACK (Linux:
 * about 40 ms), while a duplicate, or a segment beyond a hole, is acknowledged at once (RFC 5681
 * 4.2, D-SACK by RFC 2883): over a TAP at 1% loss the new-data probe halved throughput. */
static void tlp_fire(struct ng_tcp_sock *c)
{
	uint32_t len = NG_MIN(tcp_flight(c), c->snd_mss);

	c->tlp_armed = false;
	c->tlp_out = true;
	c->tlp_high = c->snd_max;
	if (tcp_retransmit(c, c->snd_max - len, len))
		ng_count(c->st, NG_CNT_TCP_TLP, 1);
	tcp_rexmt_arm(c);
}

/* Persist timer: RTO-based, backed off, bounded to [200 ms, 60 s]. */
void tcp_persist_arm(struct ng_tcp_sock *c)
{
	uint64_t d = backed_off(c, NG_MAX(c->rto, TCP_PERSIST_MIN_NS), TCP_PERSIST_MAX_NS);
	c->persist = true;
	ng_timer_arm(c->st->timers, &c->rexmt, c->st->now + d);
}

void tcp_delack_arm(struct ng_tcp_sock *c)
{
	if (!ng_timer_armed(&c->delack))
		ng_timer_arm(c->st->timers, &c->delack, c->st->now + c->st->cfg.tcp_delack_ns);
}

static uint64_t keep_idle_ns(const struct ng_tcp_sock *c)
{
	return (uint64_t)(c->opts.keepidle_s ? c->opts.keepidle_s : 7200) * NG_NS_PER_SEC;
}
static uint64_t keep_intvl_ns(const struct ng_tcp_sock *c)
{
	return (uint64_t)(c->opts.keepintvl_s ? c->opts.keepintvl_s : 75) * NG_NS_PER_SEC;
}

/* Arm the third timer for what the state needs: 2*MSL in TIME_WAIT, the FIN_WAIT_2 timeout
 * for connections nobody holds, else the keepalive idle time when keepalive is on. */
void tcp_keep_arm(struct ng_tcp_sock *c)
{
	struct ng_stack *st = c->st;

	if (c->state == NG_TCP_TIME_WAIT)
		ng_timer_arm(st->timers, &c->keep, st->now + 2 * st->cfg.tcp_msl_ns);
	else if (c->state == NG_TCP_FIN_WAIT_2 && !c->owned)
		ng_timer_arm(st->timers, &c->keep, st->now + 2 * st->cfg.tcp_msl_ns);
	else if (c->opts.keepalive && tcp_synchronized(c->state))
		ng_timer_arm(st->timers, &c->keep,
		             c->last_rx + keep_idle_ns(c) + c->ka_probes * keep_intvl_ns(c));
	else
		ng_timer_cancel(st->timers, &c->keep);
}

/* RFC 6298 2.2 / 2.3 with G = 1 ms; RTO clamped to [TCP_RTO_MIN_NS, TCP_RTO_MAX_NS]. */
void tcp_rtt_sample(struct ng_tcp_sock *c, uint64_t rtt_ns)
{
	uint32_t r = (uint32_t)NG_MIN(rtt_ns / 1000, 120000000ull), delta;
	uint64_t var4, rto;

	if (!c->have_rtt) {
		c->srtt_us = r;
		c->rttvar_us = r / 2;
		c->have_rtt = true;
	} else {
		delta = c->srtt_us > r ? c->srtt_us - r : r - c->srtt_us;
		c->rttvar_us = (3 * c->rttvar_us + delta) / 4;
		c->srtt_us = (7 * c->srtt_us + r) / 8;
	}
	var4 = NG_MAX((uint64_t)TCP_CLOCK_G_NS, 4ull * c->rttvar_us * 1000);
	rto = (uint64_t)c->srtt_us * 1000 + var4;
	c->rto = NG_MIN(NG_MAX(rto, TCP_RTO_MIN_NS), TCP_RTO_MAX_NS);
	c->backoff = 0; /* Karn: a sample from a segment not retransmitted ends the backoff */
}

static unsigned retry_limit(const struct ng_tcp_sock *c)
{
	if (c->state == NG_TCP_SYN_SENT || c->state == NG_TCP_SYN_RECEIVED)
		return c->st->cfg.tcp_syn_retries;
	return c->st->cfg.tcp_retries;
}

static bool user_timeout_over(const struct ng_tcp_sock *c)
{
	return c->opts.user_timeout_ms &&
	       c->st->now - c->first_rexmt_ts >= (uint64_t)c->opts.user_timeout_ms * NG_NS_PER_MS;
}

/* Persist timer (RFC 9293 3.8.6.1): probe a zero window with one byte. The probes go on as
 * long as the peer answers (RFC 1122 4.2.2.17); PROBES counts unanswered ones. */
static void persist_fire(struct ng_tcp_sock *c)
{
	if (c->probes >= c->st->cfg.tcp_retries) {
		tcp_drop(c, c->soft_err ? c->soft_err : -NG_ETIMEDOUT, "persist timeout");
		return;
	}
	if (c->snd_wnd > 0 && c->snd_una == c->snd_max) {
		/* the window is open but too small for SWS avoidance to send: this is the
		 * override timeout of RFC 9293 3.8.6.2.1, send what fits */
		c->persist = false;
		tcp_output_force(c);
		if (!ng_timer_armed(&c->rexmt))
			tcp_persist_arm(c);
		return;
	}
	c->probes++;
	if (c->backoff < 16)
		c->backoff++;
	if (c->snd_nxt == c->snd_una && tcp_unsent(c, c->snd_nxt)) {
		/* one new byte, beyond the window */
		tcp_xmit(c, c->snd_nxt, 1, NG_TCP_ACK);
		c->snd_nxt++;
		c->snd_max = tcp_seq_max(c->snd_max, c->snd_nxt);
	} else if (c->snd_una != c->snd_max && tcp_seq_gt(c->sbuf_seq + c->sb.len, c->snd_una)) {
		tcp_xmit(c, c->snd_una, 1, NG_TCP_ACK);
	} else {
		tcp_send_ack(c);
	}
	tcp_persist_arm(c);
}

/* The retransmission timer expired (RFC 6298 5.4-5.7): back off, collapse cwnd (RFC 5681),
 * and go back to SND.UNA; after too many tries, or the user timeout, give up (ETIMEDOUT). */
static void rexmt_fire(struct ng_timer *t, uint64_t now)
{
	struct ng_tcp_sock *c = ng_container_of(t, struct ng_tcp_sock, rexmt);
	(void)now;

	if (c->persist) {
		persist_fire(c);
		tcp_finish(c);
		return;
	}
	if (c->tlp_armed) {
		tlp_fire(c);
		tcp_finish(c);
		return;
	}
	if (c->retries == 0)
		c->first_rexmt_ts = c->st->now;
	if (c->retries >= retry_limit(c) || user_timeout_over(c)) {
		int err = c->soft_err ? c->soft_err : -NG_ETIMEDOUT;
		if (tcp_synchronized(c->state))
			tcp_send_rst(c);
		tcp_drop(c, err, "retransmission timeout");
		tcp_finish(c);
		return;
	}
	c->retries++;
	if (c->backoff < 16)
		c->backoff++;
	c->rtt_timing = false; /* Karn's rule */
	/* timestamps measure retransmissions correctly: the next ACK gives a sample (RFC 7323 4) */
	c->ts_rtt_wait = false;
	if (c->state == NG_TCP_SYN_SENT || c->state == NG_TCP_SYN_RECEIVED) {
		/* RFC 6298 5.7: if the SYN is lost, the RTO after the handshake is 3 s */
		tcp_send_syn(c);
		c->retransmits++;
		ng_count(c->st, NG_CNT_TCP_RETRANS, 1);
		tcp_rexmt_arm(c);
		tcp_finish(c);
		return;
	}
	if (c->snd_una == c->snd_max) {
		tcp_finish(c);
		return;
	}
	c->cc->on_rto(c);
	c->tlp_out = false; /* RFC 8985 7.3: a probe unanswered by the RTO is deemed lost */
	c->in_recovery = false;
	/* RFC 6675 5.1 / RFC 2018 8: after a timeout the scoreboard is not trusted (the receiver
	 * may have discarded what it SACKed); ACKs from here on rebuild it */
	tcp_sack_board_reset(&c->board);
	c->recover = c->snd_max;
	c->dupacks = 0;
	c->snd_nxt = c->snd_una;
	if (c->snd_wnd == 0 && c->sb.len) {
		/* the peer's window is closed (perhaps by a reordered old ACK): retransmitting
		 * within it would send nothing, so probe it instead, for as long as it answers
		 * (RFC 9293 3.8.6.1) */
		c->retries = 0;
		persist_fire(c);
		tcp_finish(c);
		return;
	}
	tcp_output(c);
	if (!ng_timer_armed(&c->rexmt))
		tcp_rexmt_arm(c);
	tcp_finish(c);
}

/* The delayed ACK is due (RFC 1122 4.2.3.2: at most 500 ms; ours is cfg.tcp_delack_ns). Data
 * held back for want of PSH is reported now too. */
static void delack_fire(struct ng_timer *t, uint64_t now)
{
	struct ng_tcp_sock *c = ng_container_of(t, struct ng_tcp_sock, delack);
	(void)now;

	if (c->push_pending) {
		c->push_pending = 0;
		c->events |= NG_TCP_EV_READABLE;
	}
	if (c->rcv_nxt != c->last_ack_sent && tcp_synchronized(c->state))
		tcp_send_ack(c);
	tcp_finish(c);
}

/* TIME_WAIT over, orphaned FIN_WAIT_2 given up, or keepalive due. */
static void keep_fire(struct ng_timer *t, uint64_t now)
{
	struct ng_tcp_sock *c = ng_container_of(t, struct ng_tcp_sock, keep);

	if (c->state == NG_TCP_TIME_WAIT) {
		tcp_drop(c, 0, "2MSL timeout");
	} else if (c->state == NG_TCP_FIN_WAIT_2 && !c->owned) {
		tcp_drop(c, 0, "FIN_WAIT_2 timeout");
	} else if (c->opts.keepalive && tcp_synchronized(c->state)) {
		if (now < c->last_rx + keep_idle_ns(c)) {
			c->ka_probes = 0;
		} else if (c->ka_probes >= (c->opts.keepcnt ? c->opts.keepcnt : 9)) {
			tcp_send_rst(c);
			tcp_drop(c, -NG_ETIMEDOUT, "keepalive timeout");
			tcp_finish(c);
			return;
		} else {
			/* RFC 1122 4.2.3.6: SEG.SEQ = SND.NXT - 1, no data, draws an ACK */
			c->ka_probes++;
			tcp_xmit(c, c->snd_una - 1, 0, NG_TCP_ACK);
		}
		tcp_keep_arm(c);
	}
	tcp_finish(c);
}
