// SPDX-License-Identifier: MIT
/*
 * TCP output: builds segments from the send ring and decides what may go now. The send
 * decision follows RFC 9293 3.8.6.2.1 (sender SWS avoidance) and RFC 896/1122 4.2.3.4 (Nagle):
 * send a full segment; or all that is queued when nothing is in flight (or Nagle is off); or at
 * least half the largest window the peer ever offered; otherwise wait for an ACK or the
 * override (persist) timer. The usable window is min(cwnd, snd_wnd) less what is in flight.
 */
#include "net/net_internal.h"
#include "tcp/tcp_internal.h"

/* Window to advertise (bytes, unscaled). The right edge, rcv_nxt + window, never moves back,
 * and moves forward only by at least min(rcvbuf/2, MSS) (receiver SWS avoidance, RFC 9293
 * 3.8.6.2.2). */
uint32_t tcp_rcv_window(const struct ng_tcp_sock *c)
{
	uint32_t space = c->rb.size - c->rb.len;
	uint32_t cur = tcp_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t thresh = NG_MIN(c->rb.size / 2, c->rcv_mss);

	if (!c->rb.buf) /* TIME_WAIT released the ring: the right edge stays where it was */
		return cur;

	if (space > cur && space - cur < thresh)
		space = cur;
	return NG_MIN(space, 65535u << c->rcv_wscale);
}

/* Build and send one segment from L to R with header H (seq, ack, flags, window, options set
 * by the caller) and LEN payload bytes taken from RING at OFF. OFFLOAD: the NG_LINK_TX_* of the
 * route's link (a connection's tx_offload; 0 is always safe). GSO > 0 (only where the link cuts
 * super-segments, see seg_max) makes a payload longer than GSO a super-segment of GSO-byte
 * segments. Where the link finishes checksums the payload is copied and the checksum left
 * partial; elsewhere it is summed while it is copied (one pass over the payload). 0 or a
 * negative error. */
static int emit(struct ng_stack *st, uint32_t laddr, uint32_t raddr, struct ng_tcp_hdr *h,
                const struct tcp_ring *ring, uint32_t off, uint32_t len, uint32_t gso,
                uint32_t offload)
{
	struct ng_ipv4_out o = {.src = laddr, .dst = raddr, .proto = NG_IP_PROTO_TCP, .df = true};
	/* a TSO super-segment needs a large buffer (60: the longest TCP header) */
	struct ng_pkt *p = ng_stack_alloc_len(st, 60 + len);
	bool partial = offload & NG_LINK_TX_CSUM;
	uint64_t psum = 0;
	size_t hlen, ok;
	uint8_t *b;

	if (!p)
		return -NG_ENOBUFS;
	hlen = NG_TCP_HLEN + ng_tcp_opts_len(&h->opt);
	b = ng_pkt_put(p, (uint32_t)(hlen + len));
	if (!b) {
		ng_pkt_free(p);
		return -NG_EMSGSIZE;
	}
	if (len && partial)
		tcp_ring_read_at(ring, off, b + hlen, len);
	else if (len)
		psum = tcp_ring_read_sum(ring, off, b + hlen, len);
	if (partial)
		ok = ng_tcp_emit_partial(b, hlen + len, laddr, raddr, h, len);
	else
		ok = ng_tcp_emit_sum(b, hlen + len, laddr, raddr, h, len, psum);
	if (!ok) {
		ng_pkt_free(p);
		return -NG_EINVAL;
	}
	if (partial)
		p->flags |= NG_PKT_F_CSUM_PARTIAL;
	if (gso && len > gso)
		p->gso_size = (uint16_t)gso;
	ng_count(st, NG_CNT_TCP_TX, 1);
	if (st->log.fn && st->log.level >= NG_LOG_TRACE) {
		char fb[40];
		ng_log(&st->log, NG_LOG_TRACE, "tcp out %u>%u %s seq %u ack %u win %u len %u",
		       h->sport, h->dport, ng_tcp_flags_str(h->flags, fb, sizeof(fb)), h->seq,
		       h->ack, h->win, len);
	}
	if (h->flags & NG_TCP_RST)
		ng_count(st, NG_CNT_TCP_RST_TX, 1);
	return ng_ipv4_output(st, p, &o);
}

/* Send one segment of C: LEN bytes of the send ring starting at SEQ, FLAGS exactly as given
 * (the caller includes ACK). SYN segments carry MSS and window scale (RFC 7323 2.2: only on
 * SYN, and on SYN+ACK only if the peer's SYN had it); their window is never scaled. GSO > 0:
 * LEN may exceed the MSS, and the segment goes as a super-segment of GSO-byte segments that the
 * link cuts (each with these headers; the FIN and PSH end up on the last one). */
static int xmit(struct ng_tcp_sock *c, uint32_t seq, uint32_t len, uint8_t flags, uint32_t gso)
{
	struct ng_tcp_hdr h;
	uint32_t wnd;
	int rc;

	memset(&h, 0, sizeof(h));
	h.sport = c->lport;
	h.dport = c->rport;
	h.seq = seq;
	h.flags = flags;
	if (flags & NG_TCP_ACK)
		h.ack = c->rcv_nxt;
	if (flags & NG_TCP_SYN) {
		h.opt.mss_ok = true;
		h.opt.mss = (uint16_t)NG_MIN(c->our_mss, 65535u);
		if (c->state == NG_TCP_SYN_SENT || c->ws_ok) {
			h.opt.ws_ok = true;
			h.opt.ws = c->rcv_wscale;
		}
		wnd = tcp_syn_window(c);
		h.win = (uint16_t)wnd;
	} else if (flags & NG_TCP_RST && !(flags & NG_TCP_ACK)) {
		wnd = 0;
	} else {
		wnd = tcp_rcv_window(c);
		h.win = (uint16_t)(wnd >> c->rcv_wscale);
		wnd = (uint32_t)h.win << c->rcv_wscale;
	}
	/* RFC 7323 3.2: a SYN offers timestamps (unless disabled); once both SYNs carried them,
	 * every segment does, echoing TS.Recent (TSecr is zero without ACK) */
	if (c->ts.ok ||
	    ((flags & NG_TCP_SYN) && c->state == NG_TCP_SYN_SENT && !c->opts.no_timestamps)) {
		h.opt.ts_ok = true;
		h.opt.tsval = tcp_ts_now(&c->ts, c->st->now);
		h.opt.tsecr = (flags & NG_TCP_ACK) && c->ts.ok ? c->ts.recent : 0;
	}
	/* RFC 2018 2: SACK-permitted only on SYNs; on SYN+ACK only if the peer's SYN had it */
	if ((flags & NG_TCP_SYN) && (c->state == NG_TCP_SYN_SENT ? !c->opts.no_sack : c->sack_ok))
		h.opt.sack_permitted = true;
	/* RFC 2018 4: while out-of-order data is held (or a duplicate arrived, RFC 2883), ACKs
	 * carry SACK blocks: 4 at most, 3 beside timestamps; a data segment carries only what fits
	 * in the room its payload leaves (the MSS budget counts options too) */
	if (c->sack_ok && (flags & NG_TCP_ACK) && !(flags & (NG_TCP_SYN | NG_TCP_RST)) &&
	    (c->ooo_n || (c->sack_arr.valid && c->sack_arr.dup))) {
		unsigned n = tcp_sack_rx_blocks(&c->sack_rx, c->ooo, c->ooo_n, c->rcv_nxt,
		                                &c->sack_arr, c->ts.ok ? 3 : 4, h.opt.sack);
		uint32_t budget = c->snd_mss + tcp_opt_overhead(c);
		uint32_t seglen =
		    NG_MIN(len, c->snd_mss); /* each segment a super-segment becomes */
		h.opt.sack_n = (uint8_t)n;
		while (h.opt.sack_n && seglen + ng_tcp_opts_len(&h.opt) > budget)
			h.opt.sack_n--;
	}
	if (flags & NG_TCP_ACK)
		c->sack_arr.valid = false;
	if (c->snd_urg && tcp_seq_gt(c->snd_up, seq) && !(flags & (NG_TCP_SYN | NG_TCP_RST))) {
		/* RFC 9293 3.8.5 / RFC 6093: the pointer is the offset of the byte after the urgent
		 * data */
		h.flags |= NG_TCP_URG;
		h.urg = (uint16_t)NG_MIN(c->snd_up - seq, 65535u);
	}
	if (len && tcp_seq_lt(seq, c->sbuf_seq))
		return -NG_EINVAL;
	rc =
	    emit(c->st, c->laddr, c->raddr, &h, &c->sb, seq - c->sbuf_seq, len, gso, c->tx_offload);
	if (flags & NG_TCP_ACK) {
		if (tcp_seq_gt(c->rcv_nxt + wnd, c->rcv_adv) || !(flags & NG_TCP_SYN))
			c->rcv_adv = tcp_seq_max(c->rcv_adv, c->rcv_nxt + wnd);
		c->last_ack_sent = c->rcv_nxt;
		c->ack_now = false;
		ng_timer_cancel(c->st->timers, &c->delack);
	}
	if (rc == -NG_EMSGSIZE && len <= c->snd_mss && c->snd_mss > TCP_MIN_MSS) {
		/* our own route's MTU shrank under us */
		uint32_t mtu = ng_ipv4_mtu_to(c->st, c->raddr);
		uint32_t ovh = NG_TCP_HLEN + tcp_opt_overhead(c);
		if (mtu > ovh && mtu - ovh < c->snd_mss)
			c->snd_mss = NG_MAX(mtu - ovh, (uint32_t)TCP_MIN_MSS);
	}
	return rc;
}

int tcp_xmit(struct ng_tcp_sock *c, uint32_t seq, uint32_t len, uint8_t flags)
{
	return xmit(c, seq, len, flags, 0);
}

/* Flags carried by a data or pure-ACK segment of C. */
static uint8_t ackflag(const struct ng_tcp_sock *c)
{
	return c->state == NG_TCP_SYN_SENT ? 0 : NG_TCP_ACK;
}

/* A pure ACK carries SND.MAX, not SND.NXT: after a timeout SND.NXT has gone back, and an ACK
 * with a sequence number the peer already passed would be unacceptable there (RFC 9293
 * 3.10.7.4), its acknowledgement ignored, and answered by an ACK of its own. */
void tcp_send_ack(struct ng_tcp_sock *c)
{
	tcp_xmit(c, c->snd_max, 0, NG_TCP_ACK);
}

/* Retransmit [SEQ, SEQ + LEN) of sequence space (at most one MSS of data): the data the send
 * ring still holds there, and our FIN if the range reaches it. Karn's rule stops the running
 * RTT measurement (timestamps measure retransmissions correctly anyway). Returns the sequence
 * space sent, 0 if nothing was. */
uint32_t tcp_retransmit(struct ng_tcp_sock *c, uint32_t seq, uint32_t len)
{
	uint32_t end = c->sbuf_seq + c->sb.len, dlen = 0;
	uint8_t fl = NG_TCP_ACK;
	bool fin;

	if (tcp_seq_lt(seq, c->sbuf_seq) || !len)
		return 0;
	if (tcp_seq_lt(seq, end))
		dlen = NG_MIN(NG_MIN(len, end - seq), c->snd_mss);
	fin = c->fin_queued && seq + dlen == c->fin_seq && tcp_seq_gt(c->snd_max, c->fin_seq) &&
	      len > dlen;
	if (!dlen && !fin)
		return 0;
	if (fin)
		fl |= NG_TCP_FIN;
	if (dlen && seq + dlen == end)
		fl |= NG_TCP_PSH;
	if (tcp_xmit(c, seq, dlen, fl) == -NG_ENOBUFS)
		return 0;
	c->rtt_timing = false;
	c->retransmits++;
	c->bytes_retrans += dlen;
	c->last_tx = c->st->now;
	ng_count(c->st, NG_CNT_TCP_RETRANS, 1);
	return dlen + (fin ? 1 : 0);
}

/* Loss recovery with SACK (RFC 6675 5, steps (C)): while cwnd leaves at least one SMSS above
 * the estimated pipe, send what NextSeg() chooses: a lost hole, new data, a hole not yet
 * known lost, or the rescue retransmission. Returns whether anything went out. */
static bool sack_output(struct ng_tcp_sock *c)
{
	bool sent = false, new_data_sent = false;

	for (unsigned n = 0; n < 10000; n++) {
		uint32_t pipe = tcp_sack_pipe(&c->board, c->snd_una, c->snd_max, c->snd_mss);
		uint32_t unsent = tcp_unsent(c, c->snd_max);
		uint32_t room = tcp_wnd_room(c, c->snd_max);
		bool fin_unsent = c->fin_queued && c->snd_max == c->fin_seq;
		uint32_t len = NG_MIN(NG_MIN(unsent, room), c->snd_mss);
		bool new_data = len > 0 || (fin_unsent && !unsent);
		struct tcp_sack_seg s;

		if (c->cwnd < pipe || c->cwnd - pipe < c->snd_mss)
			break;
		s = tcp_sack_next_seg(&c->board, c->snd_una, c->snd_max, c->snd_mss, new_data);
		if (s.kind == TCP_SACK_NONE)
			break;
		if (s.kind == TCP_SACK_NEW) {
			bool fin = c->fin_queued && c->snd_max + len == c->fin_seq && len == unsent;
			uint8_t fl = NG_TCP_ACK | (fin ? NG_TCP_FIN : 0) |
			             (len && len == unsent ? NG_TCP_PSH : 0);
			c->snd_nxt = c->snd_max;
			if (tcp_xmit(c, c->snd_nxt, len, fl) == -NG_ENOBUFS)
				break;
			c->bytes_sent += len;
			if (len)
				c->last_tx = c->st->now;
			c->snd_nxt += len + (fin ? 1 : 0);
			c->snd_max = c->snd_nxt;
			new_data_sent = true;
		} else {
			uint32_t done = tcp_retransmit(c, s.seq, s.len);
			if (!done)
				break;
			tcp_sack_sent(&c->board, s.kind, s.seq, done);
		}
		sent = true;
	}
	if (new_data_sent)
		tcp_rexmt_on_send(c); /* once for the whole run */
	return sent;
}

/* RFC 5961 3.2 / 4.2 / 5.2 challenge ACK: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, subject to the
 * stack-wide token bucket of RFC 5961 7 (TCP_CHALLENGE_PER_SEC, its cost jittered from the
 * stack's generator so an off-path observer cannot count it, CVE-2016-5696). Sent and
 * suppressed ones are counted. */
void tcp_send_challenge_ack(struct ng_tcp_sock *c)
{
	struct ng_stack *st = c->st;
	struct ng_tcp *t = tcp_of(st);

	if (!t->chal_init) {
		tcp_chal_limit_init(&t->chal, TCP_CHALLENGE_PER_SEC, st->now);
		t->chal_init = true;
	}
	if (!tcp_chal_allow(&t->chal, st->now, (uint32_t)ng_rng_next(&st->rng) | 1)) {
		ng_count(st, NG_CNT_TCP_CHALLENGE_LIMITED, 1);
		return;
	}
	ng_count(st, NG_CNT_TCP_CHALLENGE_ACK, 1);
	tcp_send_ack(c);
}

/* SYN (active open) or SYN+ACK (passive, or simultaneous open), at ISS. */
void tcp_send_syn(struct ng_tcp_sock *c)
{
	uint8_t fl = NG_TCP_SYN;
	if (c->state == NG_TCP_SYN_RECEIVED)
		fl |= NG_TCP_ACK;
	tcp_xmit(c, c->iss, 0, fl);
}

/* RFC 4987 3.6: the SYN+ACK of a SYN cookie, sent with no connection block: <SEQ=ISN>
 * <ACK=SEG.SEQ+1><CTL=SYN,ACK>, our MSS and window, and only the options the cookie can
 * remember (WS and SACK-permitted ride in the TSval, so without timestamps neither is
 * offered). */
void tcp_send_cookie_synack(struct ng_stack *st, const struct tcp_seg *seg, uint32_t isn,
                            const struct tcp_cookie_opts *o, uint16_t our_mss, uint8_t rcv_wscale,
                            uint16_t win, uint32_t tsval)
{
	struct ng_tcp_hdr h;

	memset(&h, 0, sizeof(h));
	h.sport = seg->h.dport;
	h.dport = seg->h.sport;
	h.seq = isn;
	h.ack = seg->h.seq + 1;
	h.flags = NG_TCP_SYN | NG_TCP_ACK;
	h.win = win;
	h.opt.mss_ok = true;
	h.opt.mss = our_mss;
	if (o->ts_ok) {
		h.opt.ts_ok = true;
		h.opt.tsval = tsval;
		h.opt.tsecr = seg->h.opt.tsval;
		if (o->ws_ok) {
			h.opt.ws_ok = true;
			h.opt.ws = rcv_wscale;
		}
		h.opt.sack_permitted = o->sack_ok;
	}
	emit(st, seg->dst, seg->src, &h, NULL, 0, 0, 0, 0);
}

/* Reset a synchronized connection: <SEQ=SND.MAX><ACK=RCV.NXT><CTL=RST,ACK>. SND.MAX rather
 * than SND.NXT because after a timeout SND.NXT has gone back, and the peer most likely expects
 * the highest sequence we sent (RFC 5961 peers want an exact match). */
void tcp_send_rst(struct ng_tcp_sock *c)
{
	tcp_xmit(c, c->snd_max, 0, NG_TCP_RST | NG_TCP_ACK);
}

/* RFC 9293 3.10.7.1: no connection. If SEG has ACK: <SEQ=SEG.ACK><CTL=RST>; else
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. Never in answer to a RST. */
void tcp_send_rst_reply(struct ng_stack *st, const struct tcp_seg *seg)
{
	struct ng_tcp_hdr h;

	if (seg->h.flags & NG_TCP_RST)
		return;
	memset(&h, 0, sizeof(h));
	h.sport = seg->h.dport;
	h.dport = seg->h.sport;
	if (seg->h.flags & NG_TCP_ACK) {
		h.seq = seg->h.ack;
		h.flags = NG_TCP_RST;
	} else {
		h.seq = 0;
		h.ack = seg->h.seq + tcp_seg_seqlen(seg);
		h.flags = NG_TCP_RST | NG_TCP_ACK;
	}
	emit(st, seg->dst, seg->src, &h, NULL, 0, 0, 0, 0);
}

/* The longest segment output() builds for C: one MSS; or, where the route's link cuts
 * super-segments (TSO; with checksum offload, which virtio's GSO needs too), as many whole MSS as
 * one IPv4 datagram (65535 bytes) and one packet buffer hold: 45 segments of 1448 bytes at MTU
 * 1500. The link cuts it into MSS-sized segments with the same headers, so the peer sees what
 * one-by-one sending would have produced. */
static uint32_t seg_max(const struct ng_tcp_sock *c)
{
	const uint32_t need = NG_LINK_TX_CSUM | NG_LINK_TX_TSO4;
	uint32_t room, hdr, n;

	if ((c->tx_offload & need) != need)
		return c->snd_mss;
	/* MSS-sized segments when no large buffer is free (ng_pktpool_avail_size) */
	room = NG_MIN(ng_pktpool_avail_size(c->st->pool) - NG_PKT_HEADROOM, 65535u - NG_IP_HLEN);
	hdr = NG_TCP_HLEN + tcp_opt_overhead(c);
	n = room > hdr ? (room - hdr) / c->snd_mss : 0;
	return n > 1 ? n * c->snd_mss : c->snd_mss;
}

/* The heart of output: send segments while the rules allow. FORCE (the override timer of RFC
 * 9293 3.8.6.2.1) sends what the window allows even if SWS avoidance would wait. */
static void output(struct ng_tcp_sock *c, bool force)
{
	bool sent_any = false, loop_sent = false;
	uint32_t tso = 0;
	unsigned n;

	/* tcp_input deferred C's output to the end of the input batch (out_defer in tcp_in.c):
	 * what is queued meanwhile (the application writes from its event callbacks) goes then,
	 * all at once, when ng_tcp_flush_acks calls again */
	if (c->out_batch && tcp_of(c->st)->in_batch)
		return;
	switch (c->state) {
	case NG_TCP_ESTABLISHED:
	case NG_TCP_CLOSE_WAIT:
	case NG_TCP_FIN_WAIT_1:
	case NG_TCP_CLOSING:
	case NG_TCP_LAST_ACK:
		break;
	case NG_TCP_FIN_WAIT_2:
	case NG_TCP_TIME_WAIT:
		if (c->ack_now)
			tcp_send_ack(c);
		return;
	case NG_TCP_SYN_RECEIVED:
		/* the ACK owed is our SYN+ACK again (the peer probably lost it) */
		if (c->ack_now) {
			c->ack_now = false;
			tcp_send_syn(c);
		}
		return;
	default:
		return;
	}
	if (c->snd_una == c->snd_max && c->last_tx && c->st->now - c->last_tx > c->rto)
		c->cc->on_idle_restart(c);
	if (c->sack_ok && c->in_recovery) {
		sent_any = sack_output(c);
		n = 100000; /* the scoreboard, not the loop below, decides during recovery */
	} else {
		n = 0;
		tso = seg_max(c);
	}
	for (; n < 100000; n++) {
		uint32_t hole_end = 0;
		if (c->sack_ok && c->board.n && tcp_seq_lt(c->snd_nxt, c->snd_max)) {
			/* going back after a timeout: skip what the receiver reported holding since
			 */
			uint32_t hs;
			if (!tcp_sack_next_hole(&c->board, c->snd_nxt, c->snd_max, &hs, &hole_end))
				hole_end = 0;
			c->snd_nxt = hs;
		}
		uint32_t unsent = tcp_unsent(c, c->snd_nxt);
		/* RFC 3042 limited transmit: each of the first two duplicate ACKs lets one new
		 * segment out beyond cwnd, so small windows still reach three duplicates */
		uint32_t lt = c->in_recovery ? 0 : NG_MIN(c->dupacks, 2u) * c->snd_mss;
		uint32_t cwnd = c->cwnd + lt;
		uint32_t inflight = c->snd_nxt - c->snd_una;
		/* what both windows let out: the peer's from SND.NXT, and cwnd less the flight */
		uint32_t usable =
		    NG_MIN(tcp_wnd_room(c, c->snd_nxt), cwnd > inflight ? cwnd - inflight : 0);
		bool rexmit = tcp_seq_lt(c->snd_nxt, c->snd_max);
		/* retransmissions, and data under an urgent pointer, go one MSS at a time */
		uint32_t maxseg =
		    rexmit || (c->snd_urg && tcp_seq_gt(c->snd_up, c->snd_nxt)) ? c->snd_mss : tso;
		uint32_t len = NG_MIN(NG_MIN(unsent, usable), NG_MAX(maxseg, c->snd_mss));
		if (rexmit && hole_end && tcp_seq_gt(c->snd_nxt + len, hole_end))
			len = hole_end - c->snd_nxt;
		if (len > c->snd_mss) {
			/* a super-segment stands for segments sent one by one: each whole MSS goes;
			 * the short tail only where it would have gone after them (the end of the
			 * queued data, and Nagle off, urgent data, or the write side shut, or half
			 * the peer's largest window) */
			uint32_t tail = len % c->snd_mss;
			if (tail &&
			    !(len == unsent && (c->opts.nodelay || c->snd_urg || c->shut_wr)) &&
			    !(c->max_sndwnd && tail >= c->max_sndwnd / 2))
				len -= tail;
		}
		bool fin = c->fin_queued && len == unsent && c->snd_nxt + len == c->fin_seq;
		bool send = false;
		uint8_t flags;

		if (len >= c->snd_mss && len > 0)
			send = true;
		else if (len > 0 && len == unsent &&
		         (c->opts.nodelay || inflight == 0 || c->snd_urg || c->shut_wr))
			send = true; /* Nagle: small segment only with nothing unacknowledged */
		else if (len > 0 && c->max_sndwnd && len >= c->max_sndwnd / 2)
			send = true;
		else if (len > 0 && (rexmit || force))
			send = true;
		else if (fin && len == unsent)
			send = true;
		if (!send)
			break;
		flags = ackflag(c);
		if (fin)
			flags |= NG_TCP_FIN;
		if (len && len == unsent)
			flags |= NG_TCP_PSH;
		if (xmit(c, c->snd_nxt, len, flags, len > c->snd_mss ? c->snd_mss : 0) ==
		    -NG_ENOBUFS)
			break;
		sent_any = loop_sent = true;
		force = false;
		if (len)
			c->last_tx = c->st->now;
		if (rexmit) {
			c->retransmits++;
			c->bytes_retrans += len;
			ng_count(c->st, NG_CNT_TCP_RETRANS, 1);
		} else {
			c->bytes_sent += len;
			if (!c->rtt_timing && len) {
				c->rtt_timing = true;
				c->rtt_seq = c->snd_nxt + len;
				c->rtt_ts = c->st->now;
			}
		}
		c->snd_nxt += len + (fin ? 1 : 0);
		c->snd_max = tcp_seq_max(c->snd_max, c->snd_nxt);
		if (fin)
			break;
	}
	/* once for the whole run (the clock does not move inside it) */
	if (loop_sent && c->persist)
		tcp_rexmt_arm(c);
	else if (loop_sent)
		tcp_rexmt_on_send(c);
	{
		bool pending = tcp_unsent(c, c->snd_nxt) ||
		               (c->fin_queued && tcp_seq_leq(c->snd_nxt, c->fin_seq));
		/* nothing in flight but data waits: the window is zero (or too small to satisfy
		 * SWS avoidance): the persist timer probes or forces it out */
		if (pending && c->snd_una == c->snd_max && !ng_timer_armed(&c->rexmt))
			tcp_persist_arm(c);
	}
	if (c->ack_now && !sent_any)
		tcp_send_ack(c);
}

void tcp_output(struct ng_tcp_sock *c)
{
	output(c, false);
}

void tcp_output_force(struct ng_tcp_sock *c)
{
	output(c, true);
}
