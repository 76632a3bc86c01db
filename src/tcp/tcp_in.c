// SPDX-License-Identifier: MIT
/*
 * TCP input: every arriving segment, processed in the order RFC 9293 3.10.7 gives.
 *
 * Theory of operation
 * -------------------
 * tcp_input() parses the segment (src/wire checks lengths, checksum and options; the checksum
 * not when the link vouches for it: NG_PKT_F_CSUM_VALID or _PARTIAL on a frame the kernel made),
 * then finds its connection by the 4-tuple hash, else a listener, else answers with a RST
 * (3.10.7.1). A segment may be longer than RCV.MSS (a TAP hands the kernel's 64 KiB
 * super-segments whole): it is simply the sequence range it covers, checked, trimmed and copied
 * into the receive ring once like any other.
 *
 * A listener (3.10.7.2) turns an acceptable SYN into a child connection in SYN_RECEIVED, sends
 * SYN+ACK and counts the child against its backlog; when the handshake completes the child is
 * handed to the accept callback (from tcp_finish, after processing, never from the middle).
 * Text on the SYN is queued in the child's receive ring (as far as the SYN+ACK's window goes),
 * acknowledged by the SYN+ACK, and readable once the connection is established (syn_data_in).
 *
 * SYN_SENT (3.10.7.3) checks the ACK against ISS..SND.NXT, takes a RST only with an acceptable
 * ACK (ECONNREFUSED), and on SYN goes to ESTABLISHED (SYN+ACK, its text taken at step 6) or
 * SYN_RECEIVED (a bare SYN: simultaneous open, its text queued as a listener's child's).
 *
 * Every other state (3.10.7.4) runs the eight steps: (1) the acceptability test against
 * RCV.NXT and RCV.WND, in its four cases, answering an unacceptable segment with an ACK, then
 * trimming the segment to the window; (2) RST, accepted when in window (tcp_rst_check is the
 * one place where RFC 5961's exact match and challenge ACK slot in); (4) SYN in a synchronized
 * state draws a challenge ACK; (5) the ACK: SYN_RECEIVED -> ESTABLISHED, SND.UNA advances,
 * acknowledged bytes leave the send ring, RTT is sampled (Karn), congestion control is told,
 * duplicate ACKs drive fast retransmit and NewReno recovery (RFC 5681, RFC 6582), the send
 * window is updated by the SND.WL1/WL2 rule, and acknowledgement of our FIN moves FIN_WAIT_1,
 * CLOSING and LAST_ACK on; (6) URG advances RCV.UP; (7) payload is copied into the receive
 * ring at its offset: in order it advances RCV.NXT and pulls in any out-of-order ranges it
 * joins; out of order it is kept in place and recorded in a small range list (bounded,
 * TCP_OOO_MAX) and an immediate ACK goes out; (8) a FIN at RCV.NXT ends the stream
 * (CLOSE_WAIT, CLOSING or TIME_WAIT), a FIN beyond it is remembered until the gap fills.
 *
 * After the steps, tcp_output() sends whatever the new windows allow plus any ACK owed (delayed
 * ACK otherwise: at most cfg.tcp_delack_ns; at once for out-of-order or duplicate data and for
 * FIN; for every second full segment at the end of the input batch, so the frames of one
 * ng_stack_pump draw one ACK per connection: ng_tcp_flush_acks; a window update the application's
 * reads owe during the batch, from its event callbacks, rides on that ACK too). Inside a batch
 * the new data released by an ordinary cumulative ACK waits for the batch's end as well
 * (out_defer), so the ACKs of one batch draw one large TSO super-segment instead of a small one
 * each; duplicate ACKs, loss recovery, handshakes, FINs and urgent ACKs still send at once. Finally
 * tcp_finish() delivers the events that piled up and frees the connection if it is CLOSED and
 * nobody holds it. Every state change goes through tcp_set_state(), which records old -> new
 * and the cause.
 */
#include "net/net_internal.h"
#include "tcp/tcp_internal.h"

static bool in_data_state(enum ng_tcp_state s)
{
	return s == NG_TCP_ESTABLISHED || s == NG_TCP_FIN_WAIT_1 || s == NG_TCP_FIN_WAIT_2;
}

/* Take the window scale, timestamps, SACK-permitted and MSS offered in a SYN (RFC 7323 2.2:
 * scaling only if both sides sent the option; RFC 7323 3.2 and RFC 2018 2: timestamps and SACK
 * likewise, our SYN always offers both unless the socket options say not to; RFC 9293 3.7.1:
 * MSS 536 when absent). */
static void take_syn_options(struct ng_tcp_sock *c, const struct tcp_seg *seg)
{
	c->sack_ok = seg->h.opt.sack_permitted && !c->opts.no_sack;
	c->ts.ok = seg->h.opt.ts_ok && !c->opts.no_timestamps;
	if (c->ts.ok)
		tcp_ts_take_syn(&c->ts, seg->h.opt.tsval, c->st->now);
	if (seg->h.opt.ws_ok) {
		c->ws_ok = true;
		c->snd_wscale = NG_MIN(seg->h.opt.ws, TCP_MAX_WSCALE);
	} else {
		c->ws_ok = false;
		c->snd_wscale = 0;
		c->rcv_wscale = 0;
	}
	tcp_setup_mss(c, seg->h.opt.mss_ok, seg->h.opt.mss);
}

static bool cookie_rescue(struct ng_tcp_sock *c, const struct tcp_seg *seg);

/* The handshake completed. */
static void established(struct ng_tcp_sock *c, const char *cause)
{
	struct ng_stack *st = c->st;

	tcp_set_state(c, NG_TCP_ESTABLISHED, cause);
	c->cc->init(c);
	c->recover = c->snd_una;
	ng_timer_cancel(st->timers, &c->rexmt);
	/* RFC 6298 5.7: the SYN was retransmitted and no sample exists: RTO starts at 3 s */
	if (c->retries && !c->have_rtt)
		c->rto = 3 * NG_NS_PER_SEC;
	c->retries = 0;
	c->backoff = 0;
	if (c->passive) {
		if (c->parent)
			c->parent->pending--;
		c->accept_pending = true;
	} else {
		c->events |= NG_TCP_EV_CONNECTED;
	}
	if (c->rb.len) {
		/* text the SYN carried (syn_data_in) is the application's now; nobody will read it
		 * on a connection closed before it opened */
		c->push_pending = 0;
		if (!c->owned && !c->parent) {
			tcp_ring_consume(&c->rb, c->rb.len);
			c->read_seq = c->rcv_nxt;
		} else {
			c->events |= NG_TCP_EV_READABLE;
		}
	}
	if (c->shut_wr) {
		c->fin_queued = true;
		c->fin_seq = c->sbuf_seq + c->sb.len;
		tcp_set_state(c, NG_TCP_FIN_WAIT_1, "close");
	}
	tcp_keep_arm(c);
}

/*
 * RFC 9293 3.10.7.2 (LISTEN) and 3.10.7.3 (SYN_SENT, a SYN without ACK): text on a SYN "should
 * be queued for processing later". C has just taken SEG's SYN (RCV.NXT = SEG.SEQ + 1): what of
 * the text the window of our SYN+ACK takes goes into the receive ring and RCV.NXT moves past it,
 * so the SYN+ACK acknowledges it (RCV.NXT = SEG.SEQ + 1 + the bytes accepted); the rest is
 * trimmed and the peer sends it again. The application sees it once the connection is
 * ESTABLISHED (established(), tcp_readable). Never for a SYN answered with a cookie: that keeps
 * no state, its SYN+ACK acknowledges SEG.SEQ + 1 only.
 */
static void syn_data_in(struct ng_tcp_sock *c, const struct tcp_seg *seg)
{
	uint32_t n = NG_MIN(seg->len, tcp_syn_window(c));

	if (!n)
		return;
	tcp_ring_write_at(&c->rb, c->rb.len, seg->data, n);
	c->rb.len += n;
	c->rcv_nxt += n;
	c->rcv_adv = c->rcv_nxt;
	c->bytes_received += n;
}

/* Record [LEFT, RIGHT) as held out of order, merging with what it touches. False (nothing
 * changed) when that would need more than TCP_OOO_MAX ranges. */
static bool ooo_insert(struct ng_tcp_sock *c, uint32_t left, uint32_t right)
{
	struct tcp_range out[TCP_OOO_MAX + 1], n = {left, right};
	unsigned k = 0, i;
	bool placed = false;

	for (i = 0; i < c->ooo_n; i++) {
		struct tcp_range x = c->ooo[i];
		if (tcp_seq_lt(x.right, n.left)) {
			out[k++] = x;
		} else if (tcp_seq_lt(n.right, x.left)) {
			if (!placed) {
				out[k++] = n;
				placed = true;
			}
			out[k++] = x;
		} else {
			n.left = tcp_seq_min(n.left, x.left);
			n.right = tcp_seq_max(n.right, x.right);
		}
		if (k > TCP_OOO_MAX)
			return false;
	}
	if (!placed)
		out[k++] = n;
	if (k > TCP_OOO_MAX)
		return false;
	memcpy(c->ooo, out, k * sizeof(out[0]));
	c->ooo_n = (uint8_t)k;
	return true;
}

/* The FIN at RCV.NXT (step 8): the stream ends after what is in the ring. */
static void fin_in(struct ng_tcp_sock *c)
{
	c->rcv_nxt++;
	c->fin_rcvd = true;
	c->ooo_fin = false;
	c->ack_now = true;
	c->push_pending = 0;
	c->events |= NG_TCP_EV_READABLE;
	switch (c->state) {
	case NG_TCP_SYN_RECEIVED:
	case NG_TCP_ESTABLISHED:
		tcp_set_state(c, NG_TCP_CLOSE_WAIT, "rcv FIN");
		break;
	case NG_TCP_FIN_WAIT_1:
		/* our FIN is not yet acknowledged (else we would be in FIN_WAIT_2) */
		tcp_set_state(c, NG_TCP_CLOSING, "rcv FIN (simultaneous close)");
		break;
	case NG_TCP_FIN_WAIT_2:
		tcp_set_state(c, NG_TCP_TIME_WAIT, "rcv FIN");
		break;
	case NG_TCP_TIME_WAIT:
		tcp_keep_arm(c); /* restart the 2 MSL timeout */
		break;
	default:
		break;
	}
}

/* Put C on the stack's list of connections the end of the input batch serves (once: an entry
 * already there is reused while either of its flags is set). False when the list is full (the
 * caller acts at once instead). */
static bool batch_queue(struct ng_tcp_sock *c)
{
	struct ng_tcp *t = tcp_of(c->st);

	if (c->ack_batch || c->out_batch)
		return true;
	if (t->ackq_n >= TCP_ACKQ_MAX)
		return false;
	t->ackq[t->ackq_n].c = c;
	t->ackq[t->ackq_n].gen = c->gen;
	t->ackq_n++;
	return true;
}

/* Owe C's ACK at the end of the input batch: put C on the stack's pending list (once).
 * False when the list is full (the caller sends at once instead). */
static bool ack_defer(struct ng_tcp_sock *c)
{
	if (c->ack_batch)
		return true;
	if (!batch_queue(c))
		return false;
	c->ack_batch = true;
	/* a caller that never ends the batch (ng_stack_input alone, no pump or poll) still gets
	 * the ACK out, late */
	tcp_delack_arm(c);
	return true;
}

/* After segment processing: may C's output wait for the end of the input batch? Only what an
 * ordinary ACK allows may: new data released by a cumulative ACK that advanced SND.UNA (UNA0 is
 * SND.UNA before the segment), so that the ACKs of one batch draw one large TSO super-segment
 * instead of a small one each. Everything else goes at once, as before: outside a batch
 * (ng_stack_input alone), handshakes (WAS: the state before the segment), an ACK owed now
 * (out-of-order, duplicate or gap-filling data, a FIN: RFC 5681 4.2), duplicate ACKs and loss
 * recovery (RFC 5681 3.2, RFC 6582, RFC 6675 must answer at once), retransmissions after a
 * timeout, window probes, and the closing states. If it may, C goes on the pending list with
 * OUT_BATCH set, and tcp_output does nothing for it until ng_tcp_flush_acks calls it once. */
static bool out_defer(struct ng_tcp_sock *c, enum ng_tcp_state was, uint32_t una0, bool fin)
{
	if (!tcp_of(c->st)->in_batch || was != c->state || fin || c->ack_now)
		return false;
	if (c->state != NG_TCP_ESTABLISHED && c->state != NG_TCP_CLOSE_WAIT)
		return false;
	if (!tcp_seq_gt(c->snd_una, una0) || c->in_recovery || c->dupacks || c->persist ||
	    tcp_seq_lt(c->snd_nxt, c->snd_max))
		return false;
	if (c->out_batch)
		return true;
	if (!batch_queue(c))
		return false;
	c->out_batch = true;
	return true;
}

/* Output that must not wait: C leaves the deferred state (what it deferred earlier in the
 * batch goes too) and tcp_output sends now. */
static void output_now(struct ng_tcp_sock *c)
{
	c->out_batch = false;
	tcp_output(c);
}

/* The application's read opened C's window enough to announce it. Inside a batch (the read
 * happens in an event callback while ng_stack_pump feeds frames in) the update waits for the
 * batch's end and rides on its ACK; otherwise it goes now. */
void tcp_ack_window_update(struct ng_tcp_sock *c)
{
	if (tcp_of(c->st)->in_batch && ack_defer(c)) {
		c->ack_batch_wnd = true;
		return;
	}
	tcp_send_ack(c);
}

/* End of an input batch: every connection on the pending-ACK list that still owes an ACK (none
 * went out since, on data or on its own) or a window update sends one now, with whatever data
 * the windows allow. Entries whose slot was freed since are skipped (the generation changed). */
void ng_tcp_flush_acks(struct ng_stack *st)
{
	struct ng_tcp *t = tcp_of(st);

	if (!t)
		return;
	/* the list may grow while we go (an event callback may read and open a window) */
	for (uint32_t i = 0; i < t->ackq_n; i++) {
		struct ng_tcp_sock *c = t->ackq[i].c;
		bool ack, out, wnd;
		if (!c->in_use || c->gen != t->ackq[i].gen || !(c->ack_batch || c->out_batch))
			continue;
		ack = c->ack_batch;
		out = c->out_batch;
		wnd = c->ack_batch_wnd;
		c->ack_batch = false;
		c->out_batch = false;
		c->ack_batch_wnd = false;
		if (!tcp_synchronized(c->state))
			continue;
		if (ack && (c->rcv_nxt != c->last_ack_sent || wnd))
			c->ack_now = true;
		else if (!out)
			continue;
		tcp_output(c);
		tcp_finish(c);
	}
	t->ackq_n = 0;
	t->in_batch = false;
}

/* Step 7: payload SEG (already trimmed to [RCV.NXT, right edge)) goes into the receive ring at
 * its offset. */
static void data_in(struct ng_tcp_sock *c, const struct tcp_seg *seg, uint32_t seq,
                    const uint8_t *data, uint32_t len)
{
	uint32_t before = c->rcv_nxt;

	tcp_ring_write_at(&c->rb, seq - c->read_seq, data, len);
	/* the segment the next ACK answers: its SACK block comes first (RFC 2018 4); one held
	 * already in full is a duplicate, reported as a D-SACK block (RFC 2883 4.1). A D-SACK
	 * block the trimming of this very segment recorded (its head lay below RCV.NXT; any
	 * earlier one went out with its immediate ACK) is kept: it is what RFC 2883 reports. */
	if (!(c->sack_arr.valid && c->sack_arr.dup)) {
		c->sack_arr =
		    (struct tcp_sack_arrival){.valid = true, .left = seq, .right = seq + len};
		for (unsigned i = 0; i < c->ooo_n; i++)
			if (tcp_seq_leq(c->ooo[i].left, seq) &&
			    tcp_seq_leq(seq + len, c->ooo[i].right))
				c->sack_arr.dup = true;
	}
	if (seq == c->rcv_nxt) {
		bool filled = false;
		c->rcv_nxt += len;
		while (c->ooo_n && tcp_seq_leq(c->ooo[0].left, c->rcv_nxt)) {
			c->rcv_nxt = tcp_seq_max(c->rcv_nxt, c->ooo[0].right);
			memmove(c->ooo, c->ooo + 1, (c->ooo_n - 1) * sizeof(c->ooo[0]));
			c->ooo_n--;
			filled = true;
		}
		c->rb.len += c->rcv_nxt - before;
		c->bytes_received += c->rcv_nxt - before;
		c->push_pending += c->rcv_nxt - before;
		/* PSH (RFC 9293 3.9.1): deliver now; without it, deliver a full segment's worth, or
		 * when the delayed-ACK timer runs */
		if ((seg->h.flags & NG_TCP_PSH) || filled || c->push_pending >= c->rcv_mss ||
		    c->rb.len >= c->rb.size / 2) {
			c->push_pending = 0;
			c->events |= NG_TCP_EV_READABLE;
		}
		/* RFC 5681 4.2: ACK at least every second full-size segment (a super-segment
		 * counts as the LEN / RCV.MSS segments it stands for), deferred to the end of the
		 * input batch so that segments arriving together draw one ACK; at once when a gap
		 * was filled */
		if (filled)
			c->ack_now = true;
		else if (c->rcv_nxt - c->last_ack_sent < 2 * c->rcv_mss)
			tcp_delack_arm(c);
		else if (!ack_defer(c))
			c->ack_now = true; /* the pending-ACK list is full */
		if (c->ooo_fin && c->rcv_nxt == c->ooo_fin_seq)
			fin_in(c);
		if (!c->owned && !c->parent) {
			/* nobody will read (closed by the application): consume at once */
			tcp_ring_consume(&c->rb, c->rb.len);
			c->read_seq = c->rcv_nxt;
			c->push_pending = 0;
		}
	} else {
		if (!ooo_insert(c, seq, seq + len))
			ng_drop_count(c->st, NG_DROP_TCP_OOO_FULL);
		/* RFC 5681 4.2: an out-of-order segment is acknowledged at once */
		c->ack_now = true;
	}
}

/* Outcome of the RST check. */
enum rst_verdict { RST_ACCEPT, RST_CHALLENGE, RST_IGNORE };

/* RFC 9293 3.10.7.4 step 2: an in-window RST (the acceptability test already passed) resets
 * the connection. With cfg.tcp_rfc5961 (the default) only an exact match SEG.SEQ == RCV.NXT
 * does; any other in-window RST draws a challenge ACK (RFC 5961 3.2). */
static enum rst_verdict tcp_rst_check(const struct ng_tcp_sock *c, const struct tcp_seg *seg)
{
	if (!c->st->cfg.tcp_rfc5961)
		return RST_ACCEPT;
	/* the window as last advertised, at least one (a RST is acceptable at RCV.NXT even
	 * when the window is zero) */
	uint32_t wnd = NG_MAX(c->rcv_adv - c->rcv_nxt, 1u);
	if (tcp_seq_lt(c->rcv_adv, c->rcv_nxt))
		wnd = 1;
	switch (tcp_5961_rst(c->rcv_nxt, wnd, seg->h.seq)) {
	case TCP_5961_ACCEPT:
		return RST_ACCEPT;
	case TCP_5961_CHALLENGE:
		return RST_CHALLENGE;
	default:
		return RST_IGNORE;
	}
}

/* Step 2: a RST that passed the acceptability test. */
static void rst_in(struct ng_tcp_sock *c, const struct tcp_seg *seg)
{
	switch (tcp_rst_check(c, seg)) {
	case RST_IGNORE:
		ng_drop_count(c->st, NG_DROP_TCP_RST_IGNORED);
		return;
	case RST_CHALLENGE:
		tcp_send_challenge_ack(c);
		ng_drop_count(c->st, NG_DROP_TCP_RST_IGNORED);
		return;
	case RST_ACCEPT:
		break;
	}
	switch (c->state) {
	case NG_TCP_SYN_RECEIVED:
		/* passive: back to LISTEN (the listener never saw it); active: refused */
		tcp_drop(c, c->passive ? 0 : -NG_ECONNREFUSED, "rcv RST");
		break;
	case NG_TCP_ESTABLISHED:
	case NG_TCP_FIN_WAIT_1:
	case NG_TCP_FIN_WAIT_2:
	case NG_TCP_CLOSE_WAIT:
		tcp_drop(c, -NG_ECONNRESET, "rcv RST");
		break;
	default: /* CLOSING, LAST_ACK, TIME_WAIT */
		tcp_drop(c, 0, "rcv RST");
		break;
	}
}

/* Retransmit the first unacknowledged segment (fast retransmit, NewReno partial ACK), with our
 * FIN if it ends there (the + 1 lets tcp_retransmit take the FIN's sequence number too). */
static void retransmit_first(struct ng_tcp_sock *c)
{
	tcp_retransmit(c, c->snd_una, c->snd_mss + 1);
}

/* SND.UNA advances to ACK (step 5 of 3.10.7.4). */
static void new_ack(struct ng_tcp_sock *c, uint32_t ack)
{
	uint32_t acked = ack - c->snd_una;

	if (tcp_seq_gt(ack, c->sbuf_seq)) {
		uint32_t d = NG_MIN(ack - c->sbuf_seq, c->sb.len);
		tcp_ring_consume(&c->sb, d);
		c->sbuf_seq += d;
	}
	c->snd_una = ack;
	/* RFC 8985 7.4: the ACK of the probe (TLP.end_seq) ends the tail loss probe episode */
	if (c->tlp_out && tcp_seq_geq(ack, c->tlp_high))
		c->tlp_out = false;
	if (tcp_seq_lt(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	if (c->snd_urg && tcp_seq_geq(c->snd_una, c->snd_up))
		c->snd_urg = false;
	if (c->rtt_timing && tcp_seq_geq(ack, c->rtt_seq) && !c->ts.ok) {
		tcp_rtt_sample(c, c->st->now - c->rtt_ts);
		c->rtt_timing = false;
	}
	c->retries = 0;
	if (c->in_recovery) {
		if (tcp_seq_geq(ack, c->recover)) {
			/* RFC 6582 3.2 step 3: full acknowledgement ends recovery */
			c->in_recovery = false;
			c->dupacks = 0;
			c->cc->on_recovery_end(c);
		} else if (!c->sack_ok) {
			/* step 4: partial acknowledgement: retransmit the next hole, deflate cwnd
			 * by the amount acked, add back one SMSS if that was at least one */
			retransmit_first(c);
			c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
			if (acked >= c->snd_mss)
				c->cwnd += c->snd_mss;
			c->cwnd = NG_MAX(c->cwnd, c->snd_mss);
		}
	} else {
		c->dupacks = 0;
		c->cc->on_ack(c, acked);
	}
	/* RFC 6298 5.2 / 5.3 */
	if (c->snd_una == c->snd_max) {
		if (!c->persist)
			ng_timer_cancel(c->st->timers, &c->rexmt);
	} else {
		tcp_rexmt_arm(c);
	}
	if (c->want_writable && c->sb.len < c->sb.size && !c->shut_wr) {
		c->want_writable = false;
		c->events |= NG_TCP_EV_WRITABLE;
	}
}

/* A duplicate ACK (RFC 5681 2): fast retransmit on the third, NewReno recovery after. With
 * SACK (RFC 6675) the scoreboard decides what to retransmit instead of retransmit_first, and
 * limited transmit (RFC 3042) sends new data on the first two. */
/* Duplicate ACKs that trigger fast retransmit: 3, or with fewer than four segments in flight
 * and nothing new to send, one less than their number (RFC 5827 early retransmit). */
static unsigned dupthresh(const struct ng_tcp_sock *c)
{
	uint32_t oseg = (tcp_flight(c) + c->snd_mss - 1) / c->snd_mss;

	if (oseg < 4 && oseg > 1 &&
	    (!tcp_unsent(c, c->snd_max) || !tcp_wnd_room(c, c->snd_max) ||
	     c->cwnd <= tcp_flight(c)))
		return oseg - 1;
	return 3;
}

/* RFC 6675 5: enter loss recovery with SACK: ssthresh from the congestion controller, cwnd =
 * ssthresh, RecoveryPoint = SND.MAX, and the first hole goes out at once (step 4.3); from then
 * on sack_output() in tcp_out.c sends by pipe and NextSeg(). */
static void sack_recovery_start(struct ng_tcp_sock *c)
{
	uint32_t s, e, done;

	c->ssthresh = c->cc->ssthresh(c);
	c->cwnd = c->ssthresh;
	c->recover = c->snd_max;
	c->in_recovery = true;
	tcp_sack_recovery_start(&c->board, c->snd_una, c->snd_max);
	if (tcp_sack_next_hole(&c->board, c->snd_una, c->snd_max, &s, &e)) {
		done = tcp_retransmit(c, s, NG_MIN(e - s, c->snd_mss));
		if (done)
			tcp_sack_sent(&c->board, TCP_SACK_RETX, s, done);
	}
	tcp_rexmt_arm(c);
}

/* The ACK part of a segment on a SACK connection (SND.UNA already advanced if ADVANCED):
 * the scoreboard takes its blocks; an ACK that SACKs new data is a duplicate ACK (RFC 6675 2;
 * CLASSIC_DUP: one by RFC 5681's rules, counted too when the peer sent no blocks); recovery
 * starts at DupThresh duplicates or as soon as IsLost(SND.UNA) holds (RFC 6675 5), and not
 * before the cumulative ACK passed the previous RecoveryPoint. */
static void sack_ack(struct ng_tcp_sock *c, const struct tcp_seg *seg, bool advanced,
                     bool classic_dup)
{
	struct tcp_sack_update res;

	memset(&res, 0, sizeof(res));
	if (seg->h.opt.sack_n)
		tcp_sack_board_update(&c->board, c->snd_una, c->snd_max, seg->h.opt.sack,
		                      seg->h.opt.sack_n, &res);
	else if (advanced)
		tcp_sack_board_ack(&c->board, c->snd_una);
	if (c->in_recovery || c->snd_una == c->snd_max)
		return;
	if (!advanced && (res.newly_sacked || (classic_dup && !seg->h.opt.sack_n)))
		c->dupacks++;
	if (tcp_seq_geq(c->snd_una, c->recover) &&
	    ((c->dupacks && c->dupacks >= dupthresh(c)) ||
	     tcp_sack_is_lost(&c->board, c->snd_una, c->snd_mss)))
		sack_recovery_start(c);
}

static void dup_ack(struct ng_tcp_sock *c)
{
	c->dupacks++;
	if (c->in_recovery) {
		c->cwnd += c->snd_mss; /* RFC 6582 3.2 step 4 / RFC 5681 3.2 step 4 */
		return;
	}
	/* RFC 6582 3.2 step 2: only if the ACK covers more than "recover" */
	if (c->dupacks == dupthresh(c) && tcp_seq_geq(c->snd_una, c->recover)) {
		c->ssthresh = c->cc->ssthresh(c);
		c->recover = c->snd_max;
		c->in_recovery = true;
		retransmit_first(c);
		c->cwnd = c->ssthresh + 3 * c->snd_mss;
		tcp_rexmt_arm(c);
	}
}

/* Step 5 for synchronized states. False when the segment is to be dropped (or the connection
 * is gone). */
static bool ack_in(struct ng_tcp_sock *c, const struct tcp_seg *seg)
{
	uint32_t ack = seg->h.ack, seq = seg->h.seq;
	uint32_t wnd = (uint32_t)seg->h.win << c->snd_wscale;

	/* RFC 5961 5.2 (blind data injection): the ACK value must lie in
	 * [SND.UNA - MAX.SND.WND, SND.NXT] (SND.NXT: the highest sent, our SND.MAX); outside it
	 * the segment is dropped with a (rate-limited) challenge ACK. Below SND.UNA but within
	 * is an old duplicate: the ACK field is ignored below, the rest is taken. */
	if (c->st->cfg.tcp_rfc5961) {
		if (tcp_5961_ack(c->snd_una, c->snd_max, c->max_sndwnd, ack) ==
		    TCP_5961_CHALLENGE) {
			ng_drop_count(c->st, NG_DROP_TCP_UNACCEPTABLE);
			tcp_send_challenge_ack(c);
			return false;
		}
	} else if (tcp_seq_gt(ack, c->snd_max)) {
		/* acknowledges something not yet sent: ACK and drop */
		c->ack_now = true;
		ng_drop_count(c->st, NG_DROP_TCP_UNACCEPTABLE);
		return false;
	}
	c->probes = 0;
	bool advanced = tcp_seq_gt(ack, c->snd_una);
	/* (answers to zero-window probes are not duplicate ACKs) */
	bool classic_dup = ack == c->snd_una && seg->len == 0 &&
	                   !(seg->h.flags & (NG_TCP_SYN | NG_TCP_FIN)) && wnd == c->snd_wnd &&
	                   wnd && !c->persist && c->snd_una != c->snd_max;
	if (advanced) {
		uint64_t rtt;
		/* RFC 7323 4.2: an ACK that advances SND.UNA gives an RTT sample from its echoed
		 * timestamp, retransmitted data included (the echo names the copy that arrived).
		 * One sample per flight, as RFC 6298's gains assume (RFC 7323 appendix G: with a
		 * sample per ACK RTTVAR would decay within one round trip and the RTO with it) */
		if (c->ts.ok && seg->h.opt.ts_ok && seg->h.opt.tsecr &&
		    (!c->ts_rtt_wait || tcp_seq_geq(ack, c->ts_rtt_seq)) &&
		    tcp_ts_rtt(&c->ts, seg->h.opt.tsecr, c->st->now, &rtt)) {
			tcp_rtt_sample(c, rtt);
			c->ts_rtt_wait = true;
			c->ts_rtt_seq = c->snd_max;
		}
		new_ack(c, ack);
	}
	if (c->sack_ok)
		sack_ack(c, seg, advanced, classic_dup);
	else if (classic_dup)
		dup_ack(c);
	/* send window update (SND.WL1 / SND.WL2 rule) */
	if (tcp_seq_geq(ack, c->snd_una) &&
	    (tcp_seq_lt(c->snd_wl1, seq) || (c->snd_wl1 == seq && tcp_seq_leq(c->snd_wl2, ack)))) {
		c->snd_wnd = wnd;
		c->snd_wl1 = seq;
		c->snd_wl2 = ack;
		c->max_sndwnd = NG_MAX(c->max_sndwnd, wnd);
		if (wnd && c->persist) {
			/* the window opened: a probe byte beyond the old window was most likely
			 * dropped, so send from SND.UNA again */
			c->persist = false;
			c->backoff = 0;
			c->snd_nxt = c->snd_una;
			ng_timer_cancel(c->st->timers, &c->rexmt);
			if (c->snd_una != c->snd_max)
				tcp_rexmt_arm(c);
		}
	}
	bool fin_acked = c->fin_queued && tcp_seq_gt(c->snd_una, c->fin_seq);
	switch (c->state) {
	case NG_TCP_FIN_WAIT_1:
		if (fin_acked) {
			tcp_set_state(c, NG_TCP_FIN_WAIT_2, "ACK of FIN");
			tcp_keep_arm(c);
		}
		break;
	case NG_TCP_CLOSING:
		if (fin_acked)
			tcp_set_state(c, NG_TCP_TIME_WAIT, "ACK of FIN");
		break;
	case NG_TCP_LAST_ACK:
		if (fin_acked) {
			tcp_drop(c, 0, "ACK of FIN");
			return false;
		}
		break;
	default:
		break;
	}
	return true;
}

/* RFC 9293 3.10.7.4 step 1: is SEG acceptable with RCV.WND = WND? */
static bool acceptable(const struct ng_tcp_sock *c, uint32_t seq, uint32_t slen, uint32_t wnd)
{
	uint32_t nxt = c->rcv_nxt;

	if (slen == 0 && wnd == 0)
		return seq == nxt;
	if (slen == 0)
		return tcp_seq_leq(nxt, seq) && tcp_seq_lt(seq, nxt + wnd);
	if (wnd == 0)
		return false;
	return (tcp_seq_leq(nxt, seq) && tcp_seq_lt(seq, nxt + wnd)) ||
	       (tcp_seq_leq(nxt, seq + slen - 1) && tcp_seq_lt(seq + slen - 1, nxt + wnd));
}

/* Segment on a connection past SYN_SENT (RFC 9293 3.10.7.4). */
static void sync_input(struct ng_tcp_sock *c, struct tcp_seg *seg)
{
	uint8_t fl = seg->h.flags;
	uint32_t seq = seg->h.seq, len = seg->len;
	const uint8_t *data = seg->data;
	/* RCV.WND: free receive space, or in TIME_WAIT (whose ring is released) what is left of
	 * the window last advertised */
	uint32_t wnd = c->rb.buf
	                   ? c->rb.size - c->rb.len
	                   : (tcp_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0);
	bool syn = fl & NG_TCP_SYN, fin = fl & NG_TCP_FIN;
	enum ng_tcp_state was = c->state;
	uint32_t una0 = c->snd_una;

	/* simultaneous open: the peer's SYN+ACK crossed ours; its SYN is the one we already took,
	 * so it counts as the ACK of our SYN (as Linux does; strictly it is unacceptable). Text on
	 * it can only repeat what its SYN carried and we queued (syn_data_in): a duplicate. */
	if (c->state == NG_TCP_SYN_RECEIVED && !c->passive && syn && (fl & NG_TCP_ACK) &&
	    seq == c->irs && tcp_seq_leq(seq + 1 + len, c->rcv_nxt) && !fin) {
		syn = false;
		seq = c->rcv_nxt;
		len = 0;
		c->ack_now = true;
	}
	/* PAWS (RFC 7323 5.3 R1): a segment whose timestamp is older than TS.Recent is an old
	 * duplicate: drop it and acknowledge (never a RST: tcp_paws_check lets those through) */
	enum tcp_paws paws =
	    tcp_paws_check(&c->ts, seg->h.opt.ts_ok, seg->h.opt.tsval, fl & NG_TCP_RST, c->st->now);
	if (paws == TCP_PAWS_REJECT) {
		c->ack_now = true;
		ng_drop_count(c->st, NG_DROP_TCP_PAWS);
		output_now(c);
		return;
	}
	/* step 1: sequence number check */
	if (!acceptable(c, seq, len + syn + fin, wnd)) {
		/* RCV.WND zero: still take a valid ACK, URG or RST at RCV.NXT (3.10.7.4) */
		if (!(wnd == 0 && seq == c->rcv_nxt)) {
			if (!(fl & NG_TCP_RST)) {
				c->ack_now = true;
				if (c->state == NG_TCP_TIME_WAIT && fin)
					tcp_keep_arm(c);
			}
			ng_drop_count(c->st, NG_DROP_TCP_UNACCEPTABLE);
			output_now(c);
			return;
		}
		/* the data is dropped; a bare FIN takes no buffer space and is kept */
		fin = fin && len == 0;
		len = 0;
		syn = false;
		c->ack_now = true;
	}
	/* RFC 7323 4.3 (R3): TS.Recent follows acceptable segments that cover Last.ACK.sent (a
	 * segment without the option, which RFC 7323 3.2 lets us drop, is taken without it) */
	if (seg->h.opt.ts_ok)
		tcp_ts_update(&c->ts, paws, seg->h.opt.tsval, seg->h.seq, c->last_ack_sent,
		              c->st->now);
	/* trim what lies before RCV.NXT (duplicates) ... */
	if (tcp_seq_lt(seq, c->rcv_nxt)) {
		uint32_t d = c->rcv_nxt - seq;
		if (syn) {
			syn = false;
			seq++;
			d--;
		}
		if (len && d)
			/* RFC 2883 4.1: the duplicated part is reported as a D-SACK block */
			c->sack_arr = (struct tcp_sack_arrival){
			    .valid = true, .dup = true, .left = seq, .right = seq + NG_MIN(d, len)};
		if (d >= len) {
			if (d > len)
				fin = false; /* an old FIN */
			data += len;
			len = 0;
		} else {
			data += d;
			len -= d;
		}
		seq = c->rcv_nxt;
		c->ack_now = true; /* duplicate data is acknowledged at once */
	}
	/* ... and what lies beyond the window */
	if (len && tcp_seq_gt(seq + len, c->rcv_nxt + wnd)) {
		len = c->rcv_nxt + wnd - seq;
		fin = false;
		c->ack_now = true;
	}
	/* step 2: RST */
	if (fl & NG_TCP_RST) {
		rst_in(c, seg);
		return;
	}
	/* step 4: SYN in a synchronized state (RFC 9293 / RFC 5961 4): whatever its sequence
	 * number, a challenge ACK; a passive SYN_RECEIVED goes back to LISTEN (RFC 9293) */
	if (syn) {
		if (c->state == NG_TCP_SYN_RECEIVED && c->passive) {
			tcp_drop(c, 0, "rcv SYN in SYN_RECEIVED");
			return;
		}
		if (tcp_5961_syn(c->state) == TCP_5961_CHALLENGE)
			ng_drop_count(c->st, NG_DROP_TCP_UNACCEPTABLE);
		tcp_send_challenge_ack(c);
		return;
	}
	/* step 5: ACK */
	if (!(fl & NG_TCP_ACK)) {
		output_now(c);
		return;
	}
	if (c->state == NG_TCP_SYN_RECEIVED) {
		if ((tcp_seq_gt(seg->h.ack, c->snd_una) && tcp_seq_leq(seg->h.ack, c->snd_max)) ||
		    cookie_rescue(c, seg)) {
			if (c->retries == 0)
				tcp_rtt_sample(c, c->st->now - c->rtt_ts);
			c->snd_una = seg->h.ack;
			c->snd_wnd = (uint32_t)seg->h.win << c->snd_wscale;
			c->max_sndwnd = c->snd_wnd;
			c->snd_wl1 = seg->h.seq;
			c->snd_wl2 = seg->h.ack;
			established(c, c->passive ? "rcv ACK of SYN"
			                          : "rcv ACK of SYN (simultaneous open)");
		} else {
			tcp_send_rst_reply(c->st, seg);
			return;
		}
	}
	if (!ack_in(c, seg)) {
		output_now(c);
		return;
	}
	/* step 6: URG */
	if ((fl & NG_TCP_URG) && in_data_state(c->state)) {
		uint32_t up = seg->h.seq + seg->h.urg;
		if (!c->rcv_urg || tcp_seq_gt(up, c->rcv_up)) {
			c->rcv_up = up;
			c->rcv_urg = true;
			c->events |= NG_TCP_EV_READABLE;
		}
	}
	/* step 7: segment text */
	if (len && in_data_state(c->state) && !c->fin_rcvd)
		data_in(c, seg, seq, data, len);
	/* step 8: FIN */
	if (fin && !c->fin_rcvd) {
		if (seq + len == c->rcv_nxt) {
			fin_in(c);
		} else if (in_data_state(c->state) && tcp_seq_gt(seq + len, c->rcv_nxt)) {
			c->ooo_fin = true;
			c->ooo_fin_seq = seq + len;
		}
	}
	/* what the new windows allow: inside an input batch an ordinary ACK's new data waits for
	 * the batch's end (one large super-segment per batch), anything urgent goes now */
	if (!out_defer(c, was, una0, fin))
		output_now(c);
}

/* RFC 9293 3.10.7.3: a segment in SYN_SENT. */
static void syn_sent_input(struct ng_tcp_sock *c, struct tcp_seg *seg)
{
	uint8_t fl = seg->h.flags;
	bool ack_ok = false;

	if (fl & NG_TCP_ACK) {
		if (tcp_seq_leq(seg->h.ack, c->iss) || tcp_seq_gt(seg->h.ack, c->snd_max)) {
			if (!(fl & NG_TCP_RST))
				tcp_send_rst_reply(c->st, seg);
			ng_drop_count(c->st, NG_DROP_TCP_UNACCEPTABLE);
			return;
		}
		ack_ok = true;
	}
	if (fl & NG_TCP_RST) {
		if (ack_ok)
			tcp_drop(c, -NG_ECONNREFUSED, "rcv RST in SYN_SENT (refused)");
		else
			ng_drop_count(c->st, NG_DROP_TCP_RST_IGNORED);
		return;
	}
	if (!(fl & NG_TCP_SYN)) {
		ng_drop_count(c->st, NG_DROP_TCP_UNACCEPTABLE);
		return;
	}
	c->irs = seg->h.seq;
	c->rcv_nxt = c->irs + 1;
	c->read_seq = c->rcv_nxt;
	c->rcv_adv = c->rcv_nxt;
	c->last_ack_sent = c->irs;
	take_syn_options(c, seg);
	if (ack_ok) {
		if (c->retries == 0)
			tcp_rtt_sample(c, c->st->now - c->rtt_ts);
		c->snd_una = seg->h.ack;
		c->snd_wnd = seg->h.win; /* never scaled in a SYN segment (RFC 7323 2.2) */
		c->max_sndwnd = c->snd_wnd;
		c->snd_wl1 = seg->h.seq;
		c->snd_wl2 = seg->h.ack;
		established(c, "rcv SYN,ACK");
		c->ack_now = true;
		if (seg->len || (fl & NG_TCP_FIN)) {
			/* data or FIN on the SYN+ACK: continue at step 6 as if without the SYN */
			seg->h.flags &= (uint8_t)~NG_TCP_SYN;
			seg->h.seq++;
			sync_input(c, seg);
			return;
		}
		output_now(c);
		return;
	}
	/* RFC 9293 3.10.7.3 fourth: simultaneous open, <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, with
	 * any text on the SYN queued and acknowledged */
	syn_data_in(c, seg);
	c->snd_wnd = seg->h.win;
	c->snd_wl1 = seg->h.seq;
	tcp_set_state(c, NG_TCP_SYN_RECEIVED, "rcv SYN (simultaneous open)");
	tcp_send_syn(c);
	tcp_rexmt_arm(c);
}

/* The SYN cookie key: the stack's secret through its own derivation, so that cookies and
 * ISNs never share a key (tcp_cookie.h); derived once, on first use (the secret never changes
 * after the stack is created). */
static const uint8_t *cookie_key(struct ng_stack *st)
{
	static const char tag[2][16] = {"syncookie key 0", "syncookie key 1"};
	struct ng_tcp *t = tcp_of(st);

	if (!t->cookie_key_ok) {
		uint64_t a = ng_siphash(st->secret, tag[0], sizeof(tag[0]));
		uint64_t b = ng_siphash(st->secret, tag[1], sizeof(tag[1]));
		memcpy(t->cookie_key, &a, 8);
		memcpy(t->cookie_key + 8, &b, 8);
		t->cookie_key_ok = true;
	}
	return t->cookie_key;
}

/* Can an ACK reaching listener L complete a cookie handshake? Only if L sent a cookie within
 * the cookie lifetime (TCP_COOKIE_LIFETIME_NS; Linux asks the same of its listeners): every
 * cookie older than that fails tcp_cookie_check anyway. So a flood of stray ACKs at a listener
 * that sent no cookie costs this test, not a SipHash each. */
static bool cookies_live(const struct ng_stack *st, const struct ng_tcp_sock *l)
{
	return l->cookie_ns && st->now + 1 - l->cookie_ns < TCP_COOKIE_LIFETIME_NS;
}

static void cookie_adopt(struct ng_tcp_sock *c, const struct tcp_seg *seg,
                         const struct tcp_cookie_opts *op);

static struct tcp_cookie_tuple cookie_tuple(const struct tcp_seg *seg)
{
	return (struct tcp_cookie_tuple){
	    .laddr = seg->dst, .raddr = seg->src, .lport = seg->h.dport, .rport = seg->h.sport};
}

/* RFC 4987 3.6: the SYN queue of L is full, so answer SEG statelessly: a SYN+ACK whose ISN
 * encodes the peer's MSS (from the table) and, when the SYN carried timestamps, whose TSval
 * carries its window scale and SACK-permitted. Nothing is kept. */
static void cookie_syn(struct ng_stack *st, struct ng_tcp_sock *l, const struct tcp_seg *seg)
{
	struct tcp_cookie_tuple tu = cookie_tuple(seg);
	struct tcp_cookie_opts o = {0};
	struct tcp_ts ts;
	uint8_t ws;
	uint32_t isn, rb, our_mss, tsval = 0;

	o.mss = seg->h.opt.mss_ok ? seg->h.opt.mss : TCP_DEFAULT_MSS;
	o.ts_ok = seg->h.opt.ts_ok && !l->opts.no_timestamps;
	o.ws_ok = o.ts_ok && seg->h.opt.ws_ok;
	o.ws = o.ws_ok ? NG_MIN(seg->h.opt.ws, TCP_MAX_WSCALE) : 0;
	o.sack_ok = o.ts_ok && seg->h.opt.sack_permitted && !l->opts.no_sack;
	isn = tcp_cookie_isn(cookie_key(st), &tu, seg->h.seq, st->now, &o);
	if (o.ts_ok) {
		/* the TSval on the clock the connection will use (RFC 7323 5.4 offset) */
		tcp_ts_init(&ts, tcp_ts_offset(st->secret, tu.laddr, tu.lport, tu.raddr, tu.rport));
		tsval = tcp_cookie_tsval(tcp_ts_now(&ts, st->now), &o);
	}
	/* what a child of L would announce: the ring tcp_conn_new gives it and its window shift
	 * (so the cookie promises what the connection keeps), and the route's MSS */
	rb = tcp_buf_size(l->opts.rcvbuf);
	ws = tcp_wscale_for(rb);
	our_mss = tcp_announced_mss(st, seg->src);
	ng_count(st, NG_CNT_TCP_SYNCOOKIE_TX, 1);
	l->cookie_ns = st->now + 1;
	tcp_send_cookie_synack(st, seg, isn, &o, (uint16_t)NG_MIN(our_mss, 65535u), ws,
	                       (uint16_t)NG_MIN(rb, 65535u), tsval);
}

/* RFC 4987 3.6: an ACK for listener L that may complete a cookie handshake (L's cookies are
 * live: the caller checked). If SEG.ACK - 1 is a valid cookie for SEG.SEQ - 1, the connection
 * is created from what the cookie recorded and SEG goes through the SYN_RECEIVED rules, which
 * make it ESTABLISHED (and take any data it carries). True if SEG was taken. */
static bool cookie_ack(struct ng_stack *st, struct ng_tcp_sock *l, struct tcp_seg *seg)
{
	struct tcp_cookie_tuple tu = cookie_tuple(seg);
	struct tcp_cookie_opts o;
	struct ng_tcp_sock *c;

	if (!tcp_cookie_check(cookie_key(st), &tu, seg->h.seq, seg->h.ack, st->now,
	                      seg->h.opt.ts_ok, seg->h.opt.tsecr, &o)) {
		ng_count(st, NG_CNT_TCP_SYNCOOKIE_BAD, 1);
		return false;
	}
	c = tcp_conn_new(st, &l->opts, seg->dst, seg->h.dport, seg->src, seg->h.sport);
	if (!c) {
		ng_drop_count(st, NG_DROP_TCP_NOCONN);
		return true;
	}
	ng_count(st, NG_CNT_TCP_SYNCOOKIE_OK, 1);
	c->passive = true;
	c->parent = l;
	l->pending++;
	c->state = NG_TCP_LISTEN;
	c->irs = seg->h.seq - 1;
	c->rcv_nxt = seg->h.seq;
	c->read_seq = c->rcv_nxt;
	c->rcv_adv = c->rcv_nxt;
	c->last_ack_sent = c->rcv_nxt;
	cookie_adopt(c, seg, &o);
	/* no RTT sample from the handshake (we kept no send time): RFC 6298 5.7's 3 s RTO
	 * until the first real sample */
	c->retries = 1;
	tcp_set_state(c, NG_TCP_SYN_RECEIVED, "rcv ACK with SYN cookie");
	ng_count(st, NG_CNT_TCP_PASSIVE_OPENS, 1);
	sync_input(c, seg);
	tcp_finish(c);
	return true;
}

/* Take what a valid cookie O recorded into C: the options its SYN+ACK offered and the send
 * sequence space from its ISN (SEG.ACK - 1). */
static void cookie_adopt(struct ng_tcp_sock *c, const struct tcp_seg *seg,
                         const struct tcp_cookie_opts *op)
{
	struct tcp_cookie_opts o = *op;

	c->sack_ok = o.sack_ok;
	c->ts.ok = o.ts_ok && seg->h.opt.ts_ok;
	if (c->ts.ok)
		tcp_ts_take_syn(&c->ts, seg->h.opt.tsval, c->st->now);
	if (o.ws_ok) {
		c->ws_ok = true;
		c->snd_wscale = NG_MIN(o.ws, TCP_MAX_WSCALE);
	} else {
		c->ws_ok = false;
		c->snd_wscale = 0;
		c->rcv_wscale = 0;
	}
	tcp_setup_mss(c, true, o.mss);
	c->iss = seg->h.ack - 1;
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->sbuf_seq = c->iss + 1;
	c->recover = c->iss;
	c->snd_wl1 = seg->h.seq;
}

/* A passive child in SYN_RECEIVED got an ACK that is not for its SYN+ACK. If it completes a
 * cookie handshake of the same SYN instead (the SYN arrived twice, once with the queue full:
 * a duplicate or a retransmission, and the peer took the cookie SYN+ACK), the child takes the
 * cookie's ISN and options rather than resetting the peer. True if it did. */
static bool cookie_rescue(struct ng_tcp_sock *c, const struct tcp_seg *seg)
{
	struct tcp_cookie_tuple tu = cookie_tuple(seg);
	struct tcp_cookie_opts o;

	if (!c->passive || !c->parent || !cookies_live(c->st, c->parent) ||
	    seg->h.seq != c->rcv_nxt)
		return false;
	if (!tcp_cookie_check(cookie_key(c->st), &tu, seg->h.seq, seg->h.ack, c->st->now,
	                      seg->h.opt.ts_ok, seg->h.opt.tsecr, &o))
		return false;
	ng_count(c->st, NG_CNT_TCP_SYNCOOKIE_OK, 1);
	cookie_adopt(c, seg, &o);
	c->retries = 1;
	return true;
}

/* RFC 9293 3.10.7.2: a segment for a listener. MIN_ISS (if not 0) is the sequence number the
 * new ISS must exceed (the previous incarnation's, when a SYN reopens a TIME_WAIT). */
static void listen_input(struct ng_stack *st, struct ng_tcp_sock *l, struct tcp_seg *seg,
                         uint32_t min_iss)
{
	struct ng_tcp_sock *c;
	uint8_t fl = seg->h.flags;

	if (fl & NG_TCP_RST) {
		ng_drop_count(st, NG_DROP_TCP_RST_IGNORED);
		return;
	}
	if (fl & NG_TCP_ACK) {
		/* RFC 4987 3.6: only while cookies are live may an ACK complete a handshake */
		bool live = cookies_live(st, l);
		if (live && !(fl & NG_TCP_SYN) && cookie_ack(st, l, seg))
			return;
		/* while cookies are live, an ACK that fails the check may be a cookie
		 * connection's later segment whose first (the one carrying SEG.SEQ = ISN + 1)
		 * was lost: drop it quietly, the peer's retransmission of that first segment
		 * completes the handshake; a RST would kill the connection */
		if (live) {
			ng_drop_count(st, NG_DROP_TCP_UNACCEPTABLE);
			return;
		}
		/* RFC 9293 3.10.7.2: any other ACK to a listener draws <SEQ=SEG.ACK><CTL=RST> */
		tcp_send_rst_reply(st, seg);
		ng_drop_count(st, NG_DROP_TCP_UNACCEPTABLE);
		return;
	}
	if (!(fl & NG_TCP_SYN)) {
		ng_drop_count(st, NG_DROP_TCP_UNACCEPTABLE);
		return;
	}
	/* RFC 4987 3.6: with the SYN queue full, a SYN cookie answers instead of a child */
	if (l->pending >= l->backlog) {
		ng_drop_count(st, NG_DROP_TCP_BACKLOG);
		cookie_syn(st, l, seg);
		return;
	}
	c = tcp_conn_new(st, &l->opts, seg->dst, seg->h.dport, seg->src, seg->h.sport);
	if (!c) {
		ng_drop_count(st, NG_DROP_TCP_NOCONN);
		return;
	}
	c->passive = true;
	c->parent = l;
	l->pending++;
	c->state = NG_TCP_LISTEN; /* the child starts as a copy of the listener */
	c->irs = seg->h.seq;
	c->rcv_nxt = c->irs + 1;
	c->read_seq = c->rcv_nxt;
	c->rcv_adv = c->rcv_nxt;
	c->last_ack_sent = c->irs;
	take_syn_options(c, seg);
	syn_data_in(c, seg); /* RFC 9293 3.10.7.2: queued, acknowledged by the SYN+ACK */
	c->snd_wnd = seg->h.win;
	c->snd_wl1 = seg->h.seq;
	c->iss = tcp_new_isn(st, c->laddr, c->lport, c->raddr, c->rport);
	if (min_iss && tcp_seq_leq(c->iss, min_iss))
		c->iss = min_iss + 65536 * 2; /* RFC 1122 4.2.2.13: above the old connection */
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->sbuf_seq = c->iss + 1;
	c->recover = c->iss;
	c->rtt_ts = st->now;
	tcp_set_state(c, NG_TCP_SYN_RECEIVED, "rcv SYN");
	ng_count(st, NG_CNT_TCP_PASSIVE_OPENS, 1);
	tcp_send_syn(c);
	tcp_rexmt_arm(c);
	tcp_finish(c);
}

/* IPv4 hands us a TCP segment (P's data at the TCP header). Consumes P. */
void tcp_input(struct ng_stack *st, struct ng_pkt *p, const struct ng_ipv4_hdr *ip)
{
	struct ng_tcp *t = tcp_of(st);
	struct ng_tcp_sock *c;
	struct tcp_seg seg;
	enum ng_drop why;

	/* a segment the kernel handed over a TAP (no wire in between) comes with its checksum
	 * known good or only the pseudo-header sum in it: parse it without summing it again; such
	 * a segment may be a super-segment longer than RCV.MSS (nothing below cares) */
	if (p->flags & (NG_PKT_F_CSUM_VALID | NG_PKT_F_CSUM_PARTIAL))
		why = ng_tcp_parse_nocsum(ng_pkt_data(p), p->len, &seg.h);
	else
		why = ng_tcp_parse(ng_pkt_data(p), p->len, ip->src, ip->dst, &seg.h);
	if (why != NG_DROP_NONE) {
		ng_drop_pkt(st, p, why);
		return;
	}
	if ((seg.h.flags & (NG_TCP_SYN | NG_TCP_RST)) == (NG_TCP_SYN | NG_TCP_RST) ||
	    (seg.h.flags & (NG_TCP_SYN | NG_TCP_FIN)) == (NG_TCP_SYN | NG_TCP_FIN)) {
		ng_drop_pkt(st, p, NG_DROP_TCP_FLAGS);
		return;
	}
	ng_count(st, NG_CNT_TCP_RX, 1);
	if (st->log.fn && st->log.level >= NG_LOG_TRACE) {
		char fb[40];
		ng_log(&st->log, NG_LOG_TRACE, "tcp in  %u>%u %s seq %u ack %u win %u len %u",
		       seg.h.sport, seg.h.dport, ng_tcp_flags_str(seg.h.flags, fb, sizeof(fb)),
		       seg.h.seq, seg.h.ack, seg.h.win, p->len - seg.h.hlen);
	}
	seg.data = ng_pkt_data(p) + seg.h.hlen;
	seg.len = p->len - seg.h.hlen;
	seg.src = ip->src;
	seg.dst = ip->dst;

	c = tcp_lookup(t, ip->dst, seg.h.dport, ip->src, seg.h.sport);
	if (c && c->state == NG_TCP_TIME_WAIT &&
	    (seg.h.flags & (NG_TCP_SYN | NG_TCP_ACK | NG_TCP_RST)) == NG_TCP_SYN &&
	    tcp_seq_gt(seg.h.seq, c->rcv_nxt) && tcp_find_listener(t, ip->dst, seg.h.dport)) {
		/* RFC 1122 4.2.2.13 / RFC 6191: a new SYN above the old sequence space may reopen
		 * a connection in TIME_WAIT (the peer reuses its port quickly) */
		uint32_t min_iss = c->snd_max;
		tcp_drop(c, 0, "SYN reopens TIME_WAIT");
		tcp_finish(c);
		listen_input(st, tcp_find_listener(t, ip->dst, seg.h.dport), &seg, min_iss);
		ng_pkt_free(p);
		return;
	}
	if (c) {
		c->last_rx = st->now;
		c->ka_probes = 0;
		if (c->state == NG_TCP_SYN_SENT)
			syn_sent_input(c, &seg);
		else
			sync_input(c, &seg);
		tcp_finish(c);
	} else {
		struct ng_tcp_sock *l = tcp_find_listener(t, ip->dst, seg.h.dport);
		if (l) {
			listen_input(st, l, &seg, 0);
		} else {
			/* RFC 9293 3.10.7.1: CLOSED */
			ng_drop_count(st, NG_DROP_TCP_NO_PORT);
			tcp_send_rst_reply(st, &seg);
		}
	}
	ng_pkt_free(p);
}

/* An ICMP error about a segment we sent (RFC 1122 4.2.3.9, RFC 1191, RFC 5927): ignore it
 * unless the quoted sequence number is in flight; frag-needed lowers the MSS and resends;
 * port/protocol unreachable during SYN_SENT refuses the connection; anything else is a soft
 * error reported if the connection later times out. */
void tcp_icmp_error(struct ng_stack *st, const struct ng_ipv4_hdr *inner, const uint8_t *l4,
                    size_t l4len, int err, uint32_t mtu)
{
	struct ng_tcp_sock *c;
	uint16_t sport, dport;
	uint32_t seq;

	if (l4len < 8)
		return;
	/* ICMP quotes only 8 bytes of the header: ports and sequence number, already
	 * length-checked by ng_icmp_inner */
	sport = ng_get16(l4);
	dport = ng_get16(l4 + 2);
	seq = ng_get32(l4 + 4);
	c = tcp_lookup(tcp_of(st), inner->src, sport, inner->dst, dport);
	if (!c || tcp_seq_lt(seq, c->snd_una) || tcp_seq_geq(seq, c->snd_max + 1))
		return;
	if (err == -NG_EMSGSIZE) {
		uint32_t ovh = 40 + tcp_opt_overhead(c);
		uint32_t mss = mtu > ovh ? mtu - ovh : TCP_MIN_MSS;
		mss = NG_MAX(mss, (uint32_t)TCP_MIN_MSS);
		if (mss < c->snd_mss) {
			c->snd_mss = mss;
			if (tcp_synchronized(c->state)) {
				c->snd_nxt = c->snd_una; /* RFC 1191: resend at the new size */
				output_now(c);
			}
		}
	} else if (c->state == NG_TCP_SYN_SENT && err == -NG_ECONNREFUSED) {
		tcp_drop(c, err, "ICMP unreachable");
	} else {
		c->soft_err = err;
	}
	tcp_finish(c);
}
