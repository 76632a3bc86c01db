// SPDX-License-Identifier: MIT
/*
 * Selective acknowledgements, both ends.
 *
 * Theory of operation
 * -------------------
 * Receiver (RFC 2018 4, RFC 2883): tcp_in.c already keeps what arrived out of order as a short
 * sorted list of ranges. Each ACK reports up to four of them (three beside timestamps): first
 * the one holding the segment that triggered the ACK, so the sender learns of every arrival
 * even when the option has no room for all ranges; then the ranges behind the blocks reported
 * in the previous ACK, in that order, so each range is reported in at least three successive
 * ACKs and survives lost ACKs; then any others. A duplicate segment is reported first as a
 * D-SACK block, followed by the range containing it if it is held above RCV.NXT.
 *
 * Sender (RFC 6675): the scoreboard is a bounded sorted list of SACKed ranges within
 * [SND.UNA, SND.MAX). Blocks are validated before they touch it: a block must be non-empty,
 * lie at or above SND.UNA and end at or before SND.MAX; anything else is ignored and counted
 * (RFC 2018 leaves no other interpretation and RFC 5961's spirit says not to trust it). The
 * first block is a D-SACK if it lies below the cumulative ACK or inside the second block; it
 * reports a spurious retransmission and is never added. From the board come RFC 6675's three
 * questions: IsLost (DupThresh ranges or (DupThresh - 1) * SMSS bytes SACKed above), SetPipe
 * (the bytes still in the network) and NextSeg (what to send next: a lost hole, new data,
 * another hole, or the single rescue retransmission at the tail). Since every range above a
 * lost byte also lies above every lower byte, IsLost is monotone: below some point every
 * unSACKed byte is lost, above it none; the functions here rely on that.
 */
#include <string.h>

#include "tcp/tcp_sack.h"

/* [l, r) and [L, R) share at least one byte. */
static bool overlap(uint32_t l, uint32_t r, uint32_t L, uint32_t R)
{
	return tcp_seq_lt(l, R) && tcp_seq_lt(L, r);
}

void tcp_sack_rx_reset(struct tcp_sack_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

/* Append the range [L, R) to OUT unless it is already there (as a non-D-SACK block). */
static void add_block(struct ng_sack_block *out, unsigned *k, unsigned from, unsigned max,
                      uint32_t l, uint32_t r)
{
	for (unsigned i = from; i < *k; i++)
		if (out[i].left == l && out[i].right == r)
			return;
	if (*k < max) {
		out[*k].left = l;
		out[*k].right = r;
		(*k)++;
	}
}

/* The held range overlapping [L, R), or -1. */
static int find_range(const struct tcp_range *ooo, unsigned n, uint32_t rcv_nxt, uint32_t l,
                      uint32_t r)
{
	for (unsigned i = 0; i < n; i++)
		if (tcp_seq_gt(ooo[i].right, rcv_nxt) && overlap(ooo[i].left, ooo[i].right, l, r))
			return (int)i;
	return -1;
}

/* RFC 2018 4 and RFC 2883 4.1. */
unsigned tcp_sack_rx_blocks(struct tcp_sack_rx *rx, const struct tcp_range *ooo, unsigned ooo_n,
                            uint32_t rcv_nxt, const struct tcp_sack_arrival *arr, unsigned max,
                            struct ng_sack_block *out)
{
	unsigned k = 0, first = 0;
	int i;

	max = max < NG_TCP_MAX_SACK ? max : NG_TCP_MAX_SACK;
	if (arr && arr->valid && arr->dup && max && tcp_seq_lt(arr->left, arr->right)) {
		/* D-SACK: the duplicate itself, first; it is not a held range and not remembered */
		out[k].left = arr->left;
		out[k].right = arr->right;
		k++;
		first = 1;
	}
	/* the range holding the segment that just arrived */
	if (arr && arr->valid) {
		i = find_range(ooo, ooo_n, rcv_nxt, arr->left, arr->right);
		if (i >= 0)
			add_block(out, &k, first, max, ooo[i].left, ooo[i].right);
	}
	/* the ranges behind what the last ACK reported, most recent first */
	for (unsigned j = 0; j < rx->n; j++) {
		i = find_range(ooo, ooo_n, rcv_nxt, rx->last[j].left, rx->last[j].right);
		if (i >= 0)
			add_block(out, &k, first, max, ooo[i].left, ooo[i].right);
	}
	/* whatever else is held, highest first (the most recently opened holes) */
	for (unsigned j = ooo_n; j-- > 0;)
		if (tcp_seq_gt(ooo[j].right, rcv_nxt))
			add_block(out, &k, first, max, ooo[j].left, ooo[j].right);
	rx->n = (uint8_t)(k - first);
	memcpy(rx->last, out + first, rx->n * sizeof(out[0]));
	return k;
}

/* ---- sender ---- */

void tcp_sack_board_reset(struct tcp_sack_board *b)
{
	memset(b, 0, sizeof(*b));
}

void tcp_sack_board_ack(struct tcp_sack_board *b, uint32_t snd_una)
{
	unsigned k = 0;

	for (unsigned i = 0; i < b->n; i++) {
		struct tcp_range x = b->blk[i];
		if (tcp_seq_leq(x.right, snd_una))
			continue;
		if (tcp_seq_lt(x.left, snd_una))
			x.left = snd_una;
		b->blk[k++] = x;
	}
	b->n = (uint8_t)k;
	if (tcp_seq_lt(b->high_rxt, snd_una))
		b->high_rxt = snd_una;
	if (b->rtx_watch && tcp_seq_gt(snd_una, b->rtx_seq))
		b->rtx_watch = false; /* the watched retransmission arrived */
	if (b->rtx_redo && tcp_seq_gt(snd_una, b->rtx_seq)) {
		b->rtx_redo = false;
		if (tcp_seq_gt(b->rtx_redo_high, b->high_rxt))
			b->high_rxt = b->rtx_redo_high;
	}
	/* RFC 6675 5: recovery ends when the cumulative ACK reaches RecoveryPoint */
	if (b->in_recovery && tcp_seq_geq(snd_una, b->recovery_pt)) {
		b->in_recovery = false;
		b->rescue_valid = false;
		b->rtx_watch = false;
		b->rtx_redo = false;
	}
}

/* Merge [L, R) into the board; returns the bytes it adds. When more ranges than fit would
 * result, the highest are dropped (the board stays conservative: unSACKed counts as in the
 * network, and the lowest holes, the next to repair, stay exact). */
static uint32_t insert(struct tcp_sack_board *b, uint32_t l, uint32_t r)
{
	struct tcp_range out[TCP_SACK_BOARD_MAX + 1], n = {l, r};
	uint32_t covered = 0;
	unsigned k = 0;
	bool placed = false;

	for (unsigned i = 0; i < b->n; i++) {
		struct tcp_range x = b->blk[i];
		if (tcp_seq_lt(x.right, n.left)) {
			out[k++] = x;
		} else if (tcp_seq_lt(n.right, x.left)) {
			if (!placed) {
				out[k++] = n;
				placed = true;
			}
			out[k++] = x;
		} else {
			/* overlapping or touching: bytes of X inside [l, r) were SACKed already */
			uint32_t ol = tcp_seq_max(x.left, l), or_ = tcp_seq_min(x.right, r);
			if (tcp_seq_lt(ol, or_))
				covered += or_ - ol;
			n.left = tcp_seq_min(n.left, x.left);
			n.right = tcp_seq_max(n.right, x.right);
		}
		if (k == TCP_SACK_BOARD_MAX + 1)
			break;
	}
	if (!placed && k < TCP_SACK_BOARD_MAX + 1)
		out[k++] = n;
	k = k > TCP_SACK_BOARD_MAX ? TCP_SACK_BOARD_MAX : k;
	memcpy(b->blk, out, k * sizeof(out[0]));
	b->n = (uint8_t)k;
	return (r - l) - covered;
}

/* RFC 2883 4: is the first block a D-SACK? Below the cumulative ACK, or inside the second. */
static bool is_dsack(const struct ng_sack_block *blk, unsigned n, uint32_t snd_una)
{
	if (tcp_seq_lt(blk[0].left, snd_una))
		return true;
	return n >= 2 && tcp_seq_geq(blk[0].left, blk[1].left) &&
	       tcp_seq_leq(blk[0].right, blk[1].right);
}

void tcp_sack_board_update(struct tcp_sack_board *b, uint32_t snd_una, uint32_t snd_max,
                           const struct ng_sack_block *blk, unsigned n, struct tcp_sack_update *res)
{
	memset(res, 0, sizeof(*res));
	tcp_sack_board_ack(b, snd_una);
	n = n < NG_TCP_MAX_SACK ? n : NG_TCP_MAX_SACK;
	for (unsigned i = 0; i < n; i++) {
		uint32_t l = blk[i].left, r = blk[i].right;

		/* empty, inverted, or wider than any window can be */
		if (!tcp_seq_lt(l, r) || tcp_seq_gt(r, snd_max)) {
			b->ignored++;
			continue;
		}
		if (i == 0 && is_dsack(blk, n, snd_una)) {
			/* a duplicate arrived: one of our retransmissions was unnecessary, or the
			 * network duplicated. It carries no new SACK information. */
			res->dsack = true;
			res->dsack_left = l;
			res->dsack_right = r;
			b->dsacks++;
			continue;
		}
		if (tcp_seq_lt(l, snd_una)) {
			/* below the cumulative ACK and not the first block: stale or forged */
			b->ignored++;
			continue;
		}
		res->newly_sacked += insert(b, l, r);
	}
	b->max_seen = snd_max;
	/* Segments sent after the watched retransmission have arrived (DupThresh of its lengths
	 * beyond SND.MAX as it went out) and it has not: it was lost as well. Without this only
	 * the RTO would resend it (RFC 6675's rules never pick data below HighRxt again; the
	 * rescue of rule 4 yields to new data). The same reasoning as RACK (RFC 8985), counted in
	 * segments instead of time. HighRxt steps back to it for the one retransmission. */
	if (b->in_recovery && b->rtx_watch && !b->rtx_redo && !tcp_sack_is_sacked(b, b->rtx_seq) &&
	    tcp_seq_geq(tcp_sack_high(b, snd_una),
	                b->rtx_mark + TCP_SACK_DUPTHRESH * NG_MAX(b->rtx_len, 1u))) {
		b->rtx_watch = false;
		b->rtx_redo = true;
		b->rtx_redo_high = b->high_rxt;
		b->high_rxt = b->rtx_seq;
		b->rtx_lost++;
		res->rtx_lost = true;
	}
}

bool tcp_sack_is_sacked(const struct tcp_sack_board *b, uint32_t seq)
{
	for (unsigned i = 0; i < b->n; i++)
		if (tcp_seq_geq(seq, b->blk[i].left) && tcp_seq_lt(seq, b->blk[i].right))
			return true;
	return false;
}

uint32_t tcp_sack_high(const struct tcp_sack_board *b, uint32_t snd_una)
{
	return b->n ? b->blk[b->n - 1].right : snd_una;
}

/* RFC 6675 4, IsLost(SeqNum). */
bool tcp_sack_is_lost(const struct tcp_sack_board *b, uint32_t seq, uint32_t mss)
{
	unsigned ranges = 0;
	uint64_t bytes = 0;

	for (unsigned i = 0; i < b->n; i++) {
		const struct tcp_range *x = &b->blk[i];
		if (tcp_seq_gt(x->left, seq)) {
			ranges++;
			bytes += x->right - x->left;
		} else if (tcp_seq_gt(x->right, seq + 1)) {
			bytes += x->right - (seq + 1);
		}
	}
	return ranges >= TCP_SACK_DUPTHRESH || bytes > (uint64_t)(TCP_SACK_DUPTHRESH - 1) * mss;
}

/* RFC 6675 4, SetPipe(), a gap (unSACKed run) at a time: IsLost is the same for every byte
 * of a gap, because the same ranges lie above all of them. */
uint32_t tcp_sack_pipe(const struct tcp_sack_board *b, uint32_t snd_una, uint32_t snd_max,
                       uint32_t mss)
{
	uint32_t pipe = 0, pos = snd_una;
	uint32_t rxt_end = b->in_recovery ? b->high_rxt : snd_una;

	for (unsigned i = 0; i <= b->n; i++) {
		uint32_t end = i < b->n ? tcp_seq_min(b->blk[i].left, snd_max) : snd_max;
		if (tcp_seq_lt(pos, end)) {
			if (!tcp_sack_is_lost(b, pos, mss))
				pipe += end - pos;
			/* retransmitted bytes of this gap count once more (they may be in flight
			 * twice) */
			if (tcp_seq_gt(rxt_end, pos))
				pipe += tcp_seq_min(rxt_end, end) - pos;
		}
		if (i < b->n && tcp_seq_gt(b->blk[i].right, pos))
			pos = b->blk[i].right;
	}
	return pipe;
}

void tcp_sack_recovery_start(struct tcp_sack_board *b, uint32_t snd_una, uint32_t snd_max)
{
	b->in_recovery = true;
	b->high_rxt = snd_una;
	b->recovery_pt = snd_max;
	b->rescue_valid = false;
	b->rtx_watch = false;
	b->rtx_redo = false;
	b->max_seen = snd_max;
}

/* The first unSACKed sequence at or after FROM (below SND_MAX), and the end of its gap. False
 * if there is none. */
static bool first_hole(const struct tcp_sack_board *b, uint32_t from, uint32_t snd_max,
                       uint32_t *seq, uint32_t *gap_end)
{
	uint32_t s = from;

	for (unsigned i = 0; i < b->n; i++) {
		const struct tcp_range *x = &b->blk[i];
		if (tcp_seq_leq(x->right, s))
			continue;
		if (tcp_seq_gt(x->left, s)) {
			*seq = s;
			*gap_end = tcp_seq_min(x->left, snd_max);
			return tcp_seq_lt(s, snd_max);
		}
		s = x->right; /* S is inside X: skip past it */
	}
	*seq = s;
	*gap_end = snd_max;
	return tcp_seq_lt(s, snd_max);
}

bool tcp_sack_next_hole(const struct tcp_sack_board *b, uint32_t from, uint32_t snd_max,
                        uint32_t *seq, uint32_t *end)
{
	return first_hole(b, from, snd_max, seq, end);
}

/* RFC 6675 4, NextSeg(). */
struct tcp_sack_seg tcp_sack_next_seg(const struct tcp_sack_board *b, uint32_t snd_una,
                                      uint32_t snd_max, uint32_t mss, bool new_data)
{
	struct tcp_sack_seg r = {TCP_SACK_NONE, 0, 0};
	uint32_t from = b->in_recovery ? tcp_seq_max(b->high_rxt, snd_una) : snd_una;
	uint32_t s2, gap_end, high = tcp_sack_high(b, snd_una);
	bool hole = first_hole(b, from, snd_max, &s2, &gap_end) && tcp_seq_lt(s2, high);

	/* rule 1: the lowest unSACKed byte above HighRxt, below the highest SACKed, and lost */
	if (hole && tcp_sack_is_lost(b, s2, mss)) {
		r.kind = TCP_SACK_RETX;
		r.seq = s2;
		r.len = NG_MIN(mss, gap_end - s2);
		return r;
	}
	/* rule 2: new data, if there is some and the window takes it */
	if (new_data) {
		r.kind = TCP_SACK_NEW;
		r.seq = snd_max;
		return r;
	}
	/* rule 3: the same hole even though not yet deemed lost */
	if (hole) {
		r.kind = TCP_SACK_RETX;
		r.seq = s2;
		r.len = NG_MIN(mss, gap_end - s2);
		return r;
	}
	/* rule 4: one rescue retransmission per recovery, of the tail: the segment holding the
	 * highest unSACKed byte, when the cumulative ACK has passed the last rescue */
	if (b->in_recovery && (!b->rescue_valid || tcp_seq_gt(snd_una, b->rescue_rxt))) {
		uint32_t top = snd_max, floor = snd_una;
		for (unsigned i = b->n; i-- > 0;) {
			if (b->blk[i].right == top)
				top = b->blk[i].left;
			else if (tcp_seq_lt(b->blk[i].right, top)) {
				floor = tcp_seq_max(floor, b->blk[i].right);
				break;
			}
		}
		if (tcp_seq_gt(top, floor)) {
			r.kind = TCP_SACK_RESCUE;
			r.len = NG_MIN(mss, top - floor);
			r.seq = top - r.len;
		}
	}
	return r;
}

void tcp_sack_sent(struct tcp_sack_board *b, enum tcp_sack_next kind, uint32_t seq, uint32_t len)
{
	if (kind == TCP_SACK_RETX) {
		if (tcp_seq_gt(seq + len, b->high_rxt))
			b->high_rxt = seq + len;
		if (b->rtx_redo && seq == b->rtx_seq) {
			/* the lost retransmission went again: on from where HighRxt was */
			b->rtx_redo = false;
			if (tcp_seq_gt(b->rtx_redo_high, b->high_rxt))
				b->high_rxt = b->rtx_redo_high;
		}
		if (!b->rtx_watch && b->in_recovery) {
			b->rtx_watch = true;
			b->rtx_seq = seq;
			b->rtx_len = len;
			b->rtx_mark = b->max_seen;
		}
	} else if (kind == TCP_SACK_RESCUE) {
		b->rescue_valid = true;
		b->rescue_rxt = b->recovery_pt;
	}
}
