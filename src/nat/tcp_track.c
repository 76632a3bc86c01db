// SPDX-License-Identifier: MIT
// The TCP observer: both endpoints' RFC 9293 states inferred from segments seen in the middle.
/*
 * Theory of operation.
 *
 * A box in the middle (the NAT, or `natgate trace` reading a capture) sees every segment once,
 * after its sender emitted it and before its receiver read it. We therefore treat each accepted
 * segment as two events of RFC 9293's state diagram (3.3.2): a SEND by its sender, then a RECEIVE
 * by the other side (assuming it arrives). A SYN makes its sender SYN_SENT and its receiver
 * SYN_RECEIVED; the SYN+ACK establishes the initiator; the ACK of the responder's SYN establishes
 * the responder; a FIN moves its sender to FIN_WAIT_1 (or LAST_ACK from CLOSE_WAIT) and its
 * receiver to CLOSE_WAIT (or CLOSING / TIME_WAIT when the receiver had closed first); the ACK of
 * a FIN moves FIN_WAIT_1 -> FIN_WAIT_2, CLOSING -> TIME_WAIT and LAST_ACK -> CLOSED; an in-window
 * RST closes both sides.
 *
 * The middle sees crossings the ends never saw in that order. When the second side sends a bare
 * SYN, its SYN crossed the first one (simultaneous open: both end in SYN_RECEIVED). When a side
 * in CLOSE_WAIT sends a FIN that does not acknowledge the peer's FIN, it really sent it from
 * FIN_WAIT_1 before the peer's FIN arrived (simultaneous close: CLOSING).
 *
 * Before a segment may move state it must fall inside the windows the two ends have shown, in the
 * spirit of G. van Rooij, "Real Stateful TCP Packet Filtering in IP Filter" (2001):
 *   I   seq + len <= the highest ack + window the receiver advertised (the right edge),
 *   II  seq >= the highest seq + len sent so far minus the receiver's largest window,
 *   III ack <= the highest seq + len the receiver has sent (nothing unsent is acknowledged),
 *   IV  ack >= that minus the acker's largest window (no ancient acknowledgements).
 * Windows are scaled (RFC 7323 2.2) once both SYNs carried the window-scale option; a SYN's own
 * window is never scaled. A RST must pass the same test (RFC 5961 3 asks the ends for an exact
 * match; a middlebox accepts anything in window), and a RST answering a SYN must acknowledge it
 * (RFC 9293 3.10.7.3). Failing segments return NG_TRACK_WINDOW and change nothing.
 */
#include "nat/tcp_track.h"

#include <string.h>

/* The NAT keeps one tracker per flow; its table budget (conntrack.c, "Memory") counts on this. */
_Static_assert(sizeof(struct ng_tcp_track) <= 52, "struct ng_tcp_track grew");

/* Sequence arithmetic modulo 2^32 (RFC 9293 3.4). */
static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static uint32_t seq_max(uint32_t a, uint32_t b)
{
	return seq_lt(a, b) ? b : a;
}

/* RFC 7323 2.3: a shift count above 14 is treated as 14. */
#define WS_MAX 14
/* Slack for the ack-age test when a side has not shown a large window yet (a full 64 KiB plus a
 * segment, as classic filters allow). */
#define ACK_SLACK 66000u

/* Resets T to "nothing seen": both sides CLOSED. */
void ng_tcp_track_init(struct ng_tcp_track *t)
{
	memset(t, 0, sizeof(*t));
	t->side[0].state = NG_TCP_CLOSED;
	t->side[1].state = NG_TCP_CLOSED;
}

static bool scaling_on(const struct ng_tcp_track *t)
{
	return t->side[0].ws_seen && t->side[1].ws_seen;
}

/* The window a segment from S advertises, in bytes (RFC 7323 2.2: not scaled in a SYN). */
static uint32_t seg_window(const struct ng_tcp_track *t, const struct ng_tcp_track_side *s,
                           const struct ng_tcp_hdr *h)
{
	if ((h->flags & NG_TCP_SYN) || !scaling_on(t))
		return h->win;
	return (uint32_t)h->win << s->wscale;
}

/* Tests I-IV from the theory block for a segment from S to R occupying [seq, end). Returns true
 * when the segment fits what both sides have shown. */
static bool in_window(const struct ng_tcp_track_side *s, const struct ng_tcp_track_side *r,
                      const struct ng_tcp_hdr *h, uint32_t end)
{
	if (s->isn_known && !((h->flags & NG_TCP_SYN) && h->seq == s->isn)) {
		uint32_t rwin = r->max_win ? r->max_win : 1;
		/* I: one byte of slack lets a zero-window probe through. */
		if (!seq_le(end, s->max_end + 1))
			return false;
		/* II */
		if (seq_lt(h->seq, s->end - rwin))
			return false;
	}
	if ((h->flags & NG_TCP_ACK) && r->isn_known) {
		uint32_t age = s->max_win > ACK_SLACK ? s->max_win : ACK_SLACK;
		/* III */
		if (seq_lt(r->end, h->ack))
			return false;
		/* IV, and never below the ISN itself */
		if (seq_lt(h->ack, r->end - age) || seq_le(h->ack, r->isn))
			return false;
	}
	return true;
}

/* RFC 9293 3.3.2, the sending side's arcs. ACKS_PEER_FIN tells whether this segment
 * acknowledges the receiver's FIN. */
static void on_send(struct ng_tcp_track *t, struct ng_tcp_track_side *s, const struct ng_tcp_hdr *h,
                    bool new_syn, bool new_fin, bool acks_peer_fin)
{
	if (new_syn && !(h->flags & NG_TCP_ACK)) {
		if (s->state == NG_TCP_SYN_RECEIVED)
			/* Our inference said "received the peer's SYN"; a bare SYN of its own means
			 * it was SYN_SENT when that SYN arrived: simultaneous open. */
			t->simultaneous_open = true;
		else
			s->state = NG_TCP_SYN_SENT;
	} else if (new_syn && (s->state == NG_TCP_CLOSED || s->state == NG_TCP_LISTEN)) {
		s->state = NG_TCP_SYN_RECEIVED; /* a SYN+ACK whose SYN the capture missed */
	}
	if (new_fin) {
		switch (s->state) {
		case NG_TCP_SYN_RECEIVED:
		case NG_TCP_ESTABLISHED:
			s->state = NG_TCP_FIN_WAIT_1;
			break;
		case NG_TCP_CLOSE_WAIT:
			/* LAST_ACK; but a FIN that does not acknowledge the peer's was sent from
			 * FIN_WAIT_1 before the peer's FIN arrived: simultaneous close. */
			s->state = acks_peer_fin ? NG_TCP_LAST_ACK : NG_TCP_CLOSING;
			break;
		default:
			break;
		}
	}
}

/* RFC 9293 3.3.2 and 3.10.7, the receiving side's arcs for a segment that acknowledges ACKED_SYN
 * / ACKED_FIN of R's and carries a new SYN / FIN. */
static void on_receive(struct ng_tcp_track_side *r, const struct ng_tcp_hdr *h, bool new_syn,
                       bool new_fin, bool acked_syn, bool acked_fin)
{
	if (new_syn) {
		if (r->state == NG_TCP_CLOSED || r->state == NG_TCP_LISTEN)
			r->state = NG_TCP_SYN_RECEIVED;
		else if (r->state == NG_TCP_SYN_SENT)
			r->state = (h->flags & NG_TCP_ACK) && acked_syn ? NG_TCP_ESTABLISHED
			                                                : NG_TCP_SYN_RECEIVED;
	}
	if (acked_syn && r->state == NG_TCP_SYN_RECEIVED)
		r->state = NG_TCP_ESTABLISHED;
	if (acked_fin) {
		if (r->state == NG_TCP_FIN_WAIT_1)
			r->state = NG_TCP_FIN_WAIT_2;
		else if (r->state == NG_TCP_CLOSING)
			r->state = NG_TCP_TIME_WAIT;
		else if (r->state == NG_TCP_LAST_ACK)
			r->state = NG_TCP_CLOSED;
	}
	if (new_fin) {
		switch (r->state) {
		case NG_TCP_SYN_RECEIVED:
		case NG_TCP_ESTABLISHED:
			r->state = NG_TCP_CLOSE_WAIT;
			break;
		case NG_TCP_FIN_WAIT_1:
			r->state = NG_TCP_CLOSING;
			break;
		case NG_TCP_FIN_WAIT_2:
			r->state = NG_TCP_TIME_WAIT;
			break;
		default:
			break;
		}
	}
}

/* Learns a side's ISN and options from its SYN (RFC 7323 2.2: scaling needs WS in both SYNs). */
static void learn_syn(struct ng_tcp_track_side *s, const struct ng_tcp_track_side *r,
                      const struct ng_tcp_hdr *h)
{
	s->isn_known = true;
	s->isn = h->seq;
	s->end = h->seq + 1;
	s->max_end = s->end; /* nothing more may be sent until the peer's window is seen */
	s->ws_seen = h->opt.ws_ok;
	s->wscale = h->opt.ws > WS_MAX ? WS_MAX : h->opt.ws;
	/* The receiver's SYN (if seen) already advertised how much it takes. */
	if (r->isn_known && r->max_win)
		s->max_end = s->end + r->max_win;
}

/* Learns a side's sequence space from a segment met mid-stream: everything before SEQ counts as
 * sent, and the peer's right edge is unknown until it acknowledges something. */
static void learn_midstream(struct ng_tcp_track_side *s, const struct ng_tcp_hdr *h)
{
	s->isn_known = true;
	s->isn = h->seq - 1;
	s->end = h->seq;
	s->max_end = h->seq + ((uint32_t)0xffff << WS_MAX);
	s->max_win = (uint32_t)0xffff << WS_MAX;
	s->ws_seen = true;
	s->wscale = WS_MAX;
}

/* Starts tracking a connection from a segment met mid-stream (see the header): both sides
 * ESTABLISHED, window scale assumed the largest, then the segment is fed as usual. */
enum ng_track_verdict ng_tcp_track_pickup(struct ng_tcp_track *t, int dir,
                                          const struct ng_tcp_hdr *h, uint32_t payload_len)
{
	ng_tcp_track_init(t);
	t->picked_up = true;
	t->side[0].state = NG_TCP_ESTABLISHED;
	t->side[1].state = NG_TCP_ESTABLISHED;
	learn_midstream(&t->side[dir ? 1 : 0], h);
	if (h->flags & NG_TCP_ACK) {
		struct ng_tcp_hdr peer = *h;
		peer.seq = h->ack;
		learn_midstream(&t->side[dir ? 0 : 1], &peer);
	}
	return ng_tcp_track_segment(t, dir, h, payload_len);
}

/* Feeds one segment sent by side DIR (NG_TRACK_ORIG: the side of the first SYN) carrying
 * PAYLOAD_LEN bytes. Returns NG_TRACK_OK after moving the states, NG_TRACK_WINDOW for a segment
 * outside the windows (T unchanged), NG_TRACK_INVALID for one that fits no state (T
 * unchanged). */
enum ng_track_verdict ng_tcp_track_segment(struct ng_tcp_track *t, int dir,
                                           const struct ng_tcp_hdr *h, uint32_t payload_len)
{
	struct ng_tcp_track_side *s = &t->side[dir ? 1 : 0];
	struct ng_tcp_track_side *r = &t->side[dir ? 0 : 1];
	uint8_t f = h->flags;
	bool syn = f & NG_TCP_SYN, fin = f & NG_TCP_FIN, rst = f & NG_TCP_RST;
	uint32_t end = h->seq + payload_len + (syn ? 1 : 0) + (fin ? 1 : 0);

	if ((syn && (fin || rst)) || (fin && rst))
		return NG_TRACK_INVALID;
	if (syn && s->isn_known && h->seq != s->isn) {
		/* Another connection on the same ports. The initiator may start over once the old
		 * one was never answered or is closing (as an end in TIME_WAIT accepts a new SYN,
		 * RFC 9293 3.10.7.4 / RFC 6191); otherwise it is a stray or a blind injection. */
		bool closing = s->fin_sent || r->fin_sent;
		if (dir != NG_TRACK_ORIG || (f & NG_TCP_ACK) || (r->isn_known && !closing))
			return NG_TRACK_INVALID;
		ng_tcp_track_init(t);
	}
	if (syn) {
		if (!s->isn_known && (f & NG_TCP_ACK) && !r->isn_known) {
			/* A SYN+ACK first: the capture missed the SYN; its ack names that ISN. */
			r->isn_known = true;
			r->isn = h->ack - 1;
			r->end = h->ack;
			r->max_end = r->end;
			r->state = NG_TCP_SYN_SENT;
			s->state = NG_TCP_LISTEN;
		}
	} else if (!s->isn_known && t->picked_up) {
		learn_midstream(s, h);
	} else if (!s->isn_known && !(rst && r->isn_known)) {
		return NG_TRACK_INVALID; /* data, FIN or ACK before this side's SYN */
	}
	if (syn && (f & NG_TCP_ACK) && !(r->isn_known && h->ack == r->isn + 1))
		return NG_TRACK_WINDOW; /* a SYN+ACK must acknowledge exactly the SYN */
	if (rst && !s->isn_known) {
		/* RFC 9293 3.10.7.3: a RST answering a SYN is acceptable only if it acks it. */
		if (!(f & NG_TCP_ACK) || h->ack != r->end)
			return NG_TRACK_WINDOW;
	} else if (!in_window(s, r, h, end)) {
		return NG_TRACK_WINDOW;
	}

	if (rst) {
		t->reset = true;
		s->state = NG_TCP_CLOSED;
		r->state = NG_TCP_CLOSED;
		return NG_TRACK_OK;
	}

	bool new_syn = syn && !s->isn_known;
	bool new_fin = fin && !s->fin_sent;
	if (new_syn) {
		if (dir == NG_TRACK_ORIG && r->state == NG_TCP_CLOSED && !r->isn_known)
			r->state = NG_TCP_LISTEN;
		learn_syn(s, r, h);
	}
	uint32_t win = seg_window(t, s, h);
	s->end = seq_max(s->end, end);
	if (win > s->max_win)
		s->max_win = win;
	if (new_fin) {
		s->fin_sent = true;
		s->fin_seq = end - 1;
	}

	bool acked_syn = false, acked_fin = false;
	if ((f & NG_TCP_ACK) && r->isn_known) {
		r->max_end = seq_max(r->max_end, h->ack + win);
		acked_syn = seq_lt(r->isn, h->ack);
		if (r->fin_sent && !r->fin_acked && seq_lt(r->fin_seq, h->ack)) {
			r->fin_acked = true;
			acked_fin = true;
		}
	}
	on_send(t, s, h, new_syn, new_fin, r->fin_sent && r->fin_acked);
	on_receive(r, h, new_syn, new_fin, acked_syn, acked_fin);
	return NG_TRACK_OK;
}

/* True once both sides are CLOSED or in TIME_WAIT after a connection was seen, or after a RST. */
bool ng_tcp_track_done(const struct ng_tcp_track *t)
{
	if (t->reset)
		return true;
	if (!t->side[0].isn_known && !t->side[1].isn_known)
		return false;
	for (int i = 0; i < 2; i++) {
		enum ng_tcp_state st = t->side[i].state;
		if (st != NG_TCP_CLOSED && st != NG_TCP_TIME_WAIT)
			return false;
	}
	return true;
}

/* True while both sides are ESTABLISHED. */
bool ng_tcp_track_established(const struct ng_tcp_track *t)
{
	return t->side[0].state == NG_TCP_ESTABLISHED && t->side[1].state == NG_TCP_ESTABLISHED;
}
