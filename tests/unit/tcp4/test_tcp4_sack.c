// SPDX-License-Identifier: MIT
/* Unit tests for SACK: the receiver's block choice (RFC 2018 4, D-SACK RFC 2883) and the
 * sender's scoreboard with IsLost / SetPipe / NextSeg (RFC 6675), each run at a base sequence
 * number far from zero and at one where the ranges wrap through 2^32. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/core_internal.h"
#include "tcp/tcp_sack.h"

static const uint32_t BASES[] = {1000000u, 0xfffff800u};

#define for_each_base(B) for (unsigned bi_ = 0; bi_ < 2 && ((B) = BASES[bi_], 1); bi_++)

static void assert_block(const struct ng_sack_block *b, uint32_t l, uint32_t r)
{
	assert_int_equal(b->left, l);
	assert_int_equal(b->right, r);
}

/* A receiver that holds OOO (tcp_in.c's list, kept by hand here) and ACKs each arrival. */
struct rx {
	struct tcp_range ooo[8];
	unsigned n;
	uint32_t rcv_nxt;
	struct tcp_sack_rx st;
	struct ng_sack_block out[4];
};

/* Hold [l, r) the way tcp_in.c's ooo_insert does (merge what touches). */
static void hold(struct rx *x, uint32_t l, uint32_t r)
{
	struct tcp_range out[9], n = {l, r};
	unsigned k = 0;
	bool placed = false;
	for (unsigned i = 0; i < x->n; i++) {
		struct tcp_range y = x->ooo[i];
		if (tcp_seq_lt(y.right, n.left)) {
			out[k++] = y;
		} else if (tcp_seq_lt(n.right, y.left)) {
			if (!placed)
				out[k++] = n;
			placed = true;
			out[k++] = y;
		} else {
			n.left = tcp_seq_min(n.left, y.left);
			n.right = tcp_seq_max(n.right, y.right);
		}
	}
	if (!placed)
		out[k++] = n;
	memcpy(x->ooo, out, k * sizeof(out[0]));
	x->n = k;
}

static unsigned arrive(struct rx *x, uint32_t l, uint32_t r, unsigned max)
{
	struct tcp_sack_arrival a = {.valid = true, .left = l, .right = r};
	hold(x, l, r);
	return tcp_sack_rx_blocks(&x->st, x->ooo, x->n, x->rcv_nxt, &a, max, x->out);
}

/* RFC 2018 4: the block with the newest segment first, then the most recently reported; with
 * three slots (timestamps in use) the oldest range falls off, and a segment that joins two
 * ranges is reported as the joined range, first. */
static void test_rx_order(void **state)
{
	uint32_t B;
	(void)state;
	for_each_base(B)
	{
		struct rx x;
		memset(&x, 0, sizeof(x));
		x.rcv_nxt = B;
		tcp_sack_rx_reset(&x.st);

		assert_int_equal(arrive(&x, B + 500, B + 1000, 3), 1);
		assert_block(&x.out[0], B + 500, B + 1000);
		assert_int_equal(arrive(&x, B + 1500, B + 2000, 3), 2);
		assert_block(&x.out[0], B + 1500, B + 2000);
		assert_block(&x.out[1], B + 500, B + 1000);
		assert_int_equal(arrive(&x, B + 2500, B + 3000, 3), 3);
		assert_block(&x.out[0], B + 2500, B + 3000);
		assert_block(&x.out[1], B + 1500, B + 2000);
		assert_block(&x.out[2], B + 500, B + 1000);
		/* a fourth range: only three fit, the least recently reported goes */
		assert_int_equal(arrive(&x, B + 3500, B + 4000, 3), 3);
		assert_block(&x.out[0], B + 3500, B + 4000);
		assert_block(&x.out[1], B + 2500, B + 3000);
		assert_block(&x.out[2], B + 1500, B + 2000);
		/* [1000, 1500) joins the first two ranges: the joined range comes first */
		assert_int_equal(arrive(&x, B + 1000, B + 1500, 3), 3);
		assert_block(&x.out[0], B + 500, B + 2000);
		assert_block(&x.out[1], B + 3500, B + 4000);
		assert_block(&x.out[2], B + 2500, B + 3000);
		/* without timestamps four blocks fit: all three ranges */
		assert_int_equal(arrive(&x, B + 2600, B + 2700, 4), 3);
		assert_block(&x.out[0], B + 2500, B + 3000);
		assert_block(&x.out[1], B + 500, B + 2000);
		assert_block(&x.out[2], B + 3500, B + 4000);
	}
}

/* An in-order segment that fills the first hole: the delivered range is not reported, the
 * others are repeated in their last order. Ranges at or below RCV.NXT are never reported. */
static void test_rx_in_order(void **state)
{
	uint32_t B;
	(void)state;
	for_each_base(B)
	{
		struct rx x;
		struct tcp_sack_arrival a = {.valid = true, .left = B, .right = B + 500};
		memset(&x, 0, sizeof(x));
		x.rcv_nxt = B;
		tcp_sack_rx_reset(&x.st);
		arrive(&x, B + 500, B + 1000, 4);
		arrive(&x, B + 2000, B + 2500, 4);
		arrive(&x, B + 3000, B + 3100, 4);
		/* [B, B+500) arrives in order; tcp_in.c pulls in [500, 1000) and drops it */
		x.rcv_nxt = B + 1000;
		memmove(x.ooo, x.ooo + 1, 2 * sizeof(x.ooo[0]));
		x.n = 2;
		assert_int_equal(tcp_sack_rx_blocks(&x.st, x.ooo, x.n, x.rcv_nxt, &a, 4, x.out), 2);
		assert_block(&x.out[0], B + 3000, B + 3100);
		assert_block(&x.out[1], B + 2000, B + 2500);
		/* a stale list entry below RCV.NXT is left out */
		x.rcv_nxt = B + 2500;
		assert_int_equal(tcp_sack_rx_blocks(&x.st, x.ooo, x.n, x.rcv_nxt, NULL, 4, x.out),
		                 1);
		assert_block(&x.out[0], B + 3000, B + 3100);
		/* nothing held: no blocks */
		assert_int_equal(tcp_sack_rx_blocks(&x.st, x.ooo, 0, x.rcv_nxt, NULL, 4, x.out), 0);
		assert_int_equal(x.st.n, 0);
	}
}

/* RFC 2883 4.1: a duplicate is reported first; if it is part of a held range, that range
 * follows; the D-SACK block is not repeated in later ACKs. */
static void test_rx_dsack(void **state)
{
	uint32_t B;
	(void)state;
	for_each_base(B)
	{
		struct rx x;
		struct tcp_sack_arrival a = {.valid = true, .dup = true};
		memset(&x, 0, sizeof(x));
		x.rcv_nxt = B + 1000;
		tcp_sack_rx_reset(&x.st);
		arrive(&x, B + 2000, B + 3000, 3);
		arrive(&x, B + 4000, B + 5000, 3);
		/* a duplicate below RCV.NXT */
		a.left = B + 500;
		a.right = B + 1000;
		assert_int_equal(tcp_sack_rx_blocks(&x.st, x.ooo, x.n, x.rcv_nxt, &a, 3, x.out), 3);
		assert_block(&x.out[0], B + 500, B + 1000);
		assert_block(&x.out[1], B + 4000, B + 5000);
		assert_block(&x.out[2], B + 2000, B + 3000);
		/* a duplicate inside a held range: that range second */
		a.left = B + 2000;
		a.right = B + 2500;
		assert_int_equal(tcp_sack_rx_blocks(&x.st, x.ooo, x.n, x.rcv_nxt, &a, 3, x.out), 3);
		assert_block(&x.out[0], B + 2000, B + 2500);
		assert_block(&x.out[1], B + 2000, B + 3000);
		assert_block(&x.out[2], B + 4000, B + 5000);
		/* the next ACK does not repeat the D-SACK */
		assert_int_equal(tcp_sack_rx_blocks(&x.st, x.ooo, x.n, x.rcv_nxt, NULL, 3, x.out),
		                 2);
		assert_block(&x.out[0], B + 2000, B + 3000);
		assert_block(&x.out[1], B + 4000, B + 5000);
	}
}

#define MSS 1000u

/* Blocks go in, merge, count newly SACKed bytes; the cumulative ACK trims them. */
static void test_board_update(void **state)
{
	uint32_t B;
	(void)state;
	for_each_base(B)
	{
		struct tcp_sack_board b;
		struct tcp_sack_update u;
		struct ng_sack_block blk[4] = {{B + 1000, B + 2000}};
		tcp_sack_board_reset(&b);

		tcp_sack_board_update(&b, B, B + 10000, blk, 1, &u);
		assert_int_equal(u.newly_sacked, 1000);
		assert_false(u.dsack);
		assert_int_equal(b.n, 1);
		tcp_sack_board_update(&b, B, B + 10000, blk, 1, &u); /* repeated */
		assert_int_equal(u.newly_sacked, 0);
		blk[0] = (struct ng_sack_block){B + 3000, B + 4000};
		blk[1] = (struct ng_sack_block){B + 1500, B + 3000}; /* joins both */
		tcp_sack_board_update(&b, B, B + 10000, blk, 2, &u);
		assert_int_equal(u.newly_sacked, 2000);
		assert_int_equal(b.n, 1);
		assert_int_equal(b.blk[0].left, B + 1000);
		assert_int_equal(b.blk[0].right, B + 4000);
		assert_true(tcp_sack_is_sacked(&b, B + 1000));
		assert_true(tcp_sack_is_sacked(&b, B + 3999));
		assert_false(tcp_sack_is_sacked(&b, B + 4000));
		assert_false(tcp_sack_is_sacked(&b, B + 999));
		assert_int_equal(tcp_sack_high(&b, B), B + 4000);
		/* the cumulative ACK moves into the range: it is trimmed, then gone */
		tcp_sack_board_ack(&b, B + 2500);
		assert_int_equal(b.blk[0].left, B + 2500);
		tcp_sack_board_ack(&b, B + 4000);
		assert_int_equal(b.n, 0);
		assert_int_equal(tcp_sack_high(&b, B + 4000), B + 4000);
	}
}

/* Validity (RFC 2018, RFC 2883): below SND.UNA, beyond SND.MAX, empty or inverted blocks are
 * ignored; a first block below the ACK or inside the second is a D-SACK, noted, not added. */
static void test_board_validity(void **state)
{
	uint32_t B;
	(void)state;
	for_each_base(B)
	{
		struct tcp_sack_board b;
		struct tcp_sack_update u;
		struct ng_sack_block blk[4];
		tcp_sack_board_reset(&b);
		uint32_t una = B + 2000, max = B + 8000;

		blk[0] = (struct ng_sack_block){B + 1000, B + 1500}; /* D-SACK: below the ACK */
		blk[1] = (struct ng_sack_block){B + 1500, B + 2500}; /* straddles SND.UNA */
		blk[2] = (struct ng_sack_block){B + 7000, B + 9000}; /* beyond SND.MAX */
		blk[3] = (struct ng_sack_block){B + 5000, B + 5000}; /* empty */
		tcp_sack_board_update(&b, una, max, blk, 4, &u);
		assert_true(u.dsack);
		assert_int_equal(u.dsack_left, B + 1000);
		assert_int_equal(u.dsack_right, B + 1500);
		assert_int_equal(u.newly_sacked, 0);
		assert_int_equal(b.n, 0);
		assert_int_equal(b.dsacks, 1);
		assert_int_equal(b.ignored, 3);
		/* inverted, and a "block" half the sequence space wide */
		blk[0] = (struct ng_sack_block){B + 6000, B + 5000};
		blk[1] = (struct ng_sack_block){B + 3000, B + 3000 + 0x80000000u};
		tcp_sack_board_update(&b, una, max, blk, 2, &u);
		assert_int_equal(b.n, 0);
		assert_int_equal(b.ignored, 5);
		assert_false(u.dsack);
		/* D-SACK inside the second block (a duplicate of SACKed data) */
		blk[0] = (struct ng_sack_block){B + 4000, B + 4500};
		blk[1] = (struct ng_sack_block){B + 4000, B + 6000};
		tcp_sack_board_update(&b, una, max, blk, 2, &u);
		assert_true(u.dsack);
		assert_int_equal(u.newly_sacked, 2000);
		assert_int_equal(b.n, 1);
		assert_int_equal(b.dsacks, 2);
		/* a block exactly at SND.UNA and one ending exactly at SND.MAX are valid */
		blk[0] = (struct ng_sack_block){una, una + 500};
		blk[1] = (struct ng_sack_block){B + 7500, max};
		tcp_sack_board_update(&b, una, max, blk, 2, &u);
		assert_false(u.dsack); /* at the ACK, not below it */
		assert_int_equal(u.newly_sacked, 1000);
		assert_int_equal(b.n, 3);
		/* an RTO wipes the board */
		tcp_sack_board_reset(&b);
		assert_int_equal(b.n, 0);
		assert_false(tcp_sack_is_sacked(&b, B + 4000));
	}
}

/* The board is bounded: more ranges than fit keep the lowest. */
static void test_board_full(void **state)
{
	uint32_t B;
	(void)state;
	for_each_base(B)
	{
		struct tcp_sack_board b;
		struct tcp_sack_update u;
		tcp_sack_board_reset(&b);
		for (unsigned i = 0; i < 2 * TCP_SACK_BOARD_MAX; i++) {
			/* every other segment, highest first (the worst order) */
			uint32_t s = B + (2 * TCP_SACK_BOARD_MAX - i) * 2 * MSS;
			struct ng_sack_block blk = {s, s + MSS};
			tcp_sack_board_update(&b, B, B + (4 * TCP_SACK_BOARD_MAX + 10) * MSS, &blk,
			                      1, &u);
		}
		assert_int_equal(b.n, TCP_SACK_BOARD_MAX);
		for (unsigned i = 0; i < TCP_SACK_BOARD_MAX; i++) {
			assert_int_equal(b.blk[i].left, B + (i + 1) * 2 * MSS);
			assert_int_equal(b.blk[i].right, B + (i + 1) * 2 * MSS + MSS);
		}
	}
}

/* RFC 6675 IsLost: three ranges above, or more than 2 SMSS SACKed above. */
static void test_is_lost(void **state)
{
	uint32_t B;
	(void)state;
	for_each_base(B)
	{
		struct tcp_sack_board b;
		struct tcp_sack_update u;
		struct ng_sack_block blk[3];
		tcp_sack_board_reset(&b);
		blk[0] = (struct ng_sack_block){B + 1000, B + 2000};
		tcp_sack_board_update(&b, B, B + 20000, blk, 1, &u);
		assert_false(tcp_sack_is_lost(&b, B, MSS));
		blk[0] = (struct ng_sack_block){B + 3000, B + 4000};
		tcp_sack_board_update(&b, B, B + 20000, blk, 1, &u);
		assert_false(tcp_sack_is_lost(&b, B, MSS)); /* 2000 bytes, not more than 2000 */
		blk[0] = (struct ng_sack_block){B + 5000, B + 5001};
		tcp_sack_board_update(&b, B, B + 20000, blk, 1, &u);
		assert_true(tcp_sack_is_lost(&b, B, MSS)); /* three ranges */
		assert_true(tcp_sack_is_lost(&b, B + 999, MSS));
		assert_false(tcp_sack_is_lost(&b, B + 2000, MSS)); /* two ranges, 1001 bytes */
		/* one range of 2001 bytes is enough */
		tcp_sack_board_reset(&b);
		blk[0] = (struct ng_sack_block){B + 1000, B + 3001};
		tcp_sack_board_update(&b, B, B + 20000, blk, 1, &u);
		assert_true(tcp_sack_is_lost(&b, B + 999, MSS));
		assert_false(tcp_sack_is_lost(&b, B + 3001, MSS));
		/* bytes of the range above SEQ when SEQ lies inside it: 3000 - 1000 - 1 */
		assert_false(tcp_sack_is_lost(&b, B + 1000, MSS));
	}
}

/* RFC 6675 SetPipe, NextSeg and the rescue retransmission through one recovery: ten
 * segments out, the first two lost, 3-5 SACKed. */
static void test_recovery(void **state)
{
	uint32_t B;
	(void)state;
	for_each_base(B)
	{
		struct tcp_sack_board b;
		struct tcp_sack_update u;
		struct tcp_sack_seg s;
		struct ng_sack_block blk = {B + 2000, B + 5000};
		uint32_t una = B, max = B + 10000;
		tcp_sack_board_reset(&b);

		tcp_sack_board_update(&b, una, max, &blk, 1, &u);
		assert_int_equal(u.newly_sacked, 3000);
		/* before recovery: [0, 2000) lost, [5000, 10000) in flight */
		assert_true(tcp_sack_is_lost(&b, una, MSS));
		assert_int_equal(tcp_sack_pipe(&b, una, max, MSS), 5000);
		tcp_sack_recovery_start(&b, una, max);
		assert_int_equal(tcp_sack_pipe(&b, una, max, MSS), 5000);
		/* rule 1: the first hole, one MSS */
		s = tcp_sack_next_seg(&b, una, max, MSS, true);
		assert_int_equal(s.kind, TCP_SACK_RETX);
		assert_int_equal(s.seq, B);
		assert_int_equal(s.len, MSS);
		tcp_sack_sent(&b, s.kind, s.seq, s.len);
		assert_int_equal(b.high_rxt, B + 1000);
		/* the retransmission counts in the pipe */
		assert_int_equal(tcp_sack_pipe(&b, una, max, MSS), 6000);
		s = tcp_sack_next_seg(&b, una, max, MSS, true);
		assert_int_equal(s.kind, TCP_SACK_RETX);
		assert_int_equal(s.seq, B + 1000);
		assert_int_equal(s.len, MSS);
		tcp_sack_sent(&b, s.kind, s.seq, s.len);
		/* no hole below the highest SACKed byte is left: new data (rule 2) ... */
		s = tcp_sack_next_seg(&b, una, max, MSS, true);
		assert_int_equal(s.kind, TCP_SACK_NEW);
		assert_int_equal(s.seq, max);
		/* ... or, without any, the rescue of the tail (rule 4), once */
		s = tcp_sack_next_seg(&b, una, max, MSS, false);
		assert_int_equal(s.kind, TCP_SACK_RESCUE);
		assert_int_equal(s.seq, B + 9000);
		assert_int_equal(s.len, MSS);
		tcp_sack_sent(&b, s.kind, s.seq, s.len);
		assert_int_equal(b.high_rxt, B + 2000); /* untouched by the rescue */
		s = tcp_sack_next_seg(&b, una, max, MSS, false);
		assert_int_equal(s.kind, TCP_SACK_NONE);
		/* the first retransmission arrives: ACK 1000 with the same block; not done */
		tcp_sack_board_update(&b, B + 1000, max, &blk, 1, &u);
		assert_true(b.in_recovery);
		/* the ACK reaches RecoveryPoint: recovery over */
		tcp_sack_board_ack(&b, max);
		assert_false(b.in_recovery);
		assert_int_equal(b.n, 0);
	}
}

/* Rule 3: a hole that is not yet lost is retransmitted only when there is no new data; rule
 * 4 picks the segment just below the SACKed tail. */
static void test_next_seg_rules(void **state)
{
	uint32_t B;
	(void)state;
	for_each_base(B)
	{
		struct tcp_sack_board b;
		struct tcp_sack_update u;
		struct tcp_sack_seg s;
		struct ng_sack_block blk[2] = {{B + 1000, B + 1500}};
		uint32_t una = B, max = B + 6000;
		tcp_sack_board_reset(&b);

		tcp_sack_board_update(&b, una, max, blk, 1, &u);
		tcp_sack_recovery_start(&b, una, max);
		assert_false(tcp_sack_is_lost(&b, una, MSS));
		s = tcp_sack_next_seg(&b, una, max, MSS, true);
		assert_int_equal(s.kind, TCP_SACK_NEW);
		s = tcp_sack_next_seg(&b, una, max, MSS, false);
		assert_int_equal(s.kind, TCP_SACK_RETX);
		assert_int_equal(s.seq, B);
		assert_int_equal(s.len, MSS);
		/* a hole shorter than an MSS is sent only up to the SACKed data after it */
		tcp_sack_sent(&b, s.kind, s.seq, 600);
		s = tcp_sack_next_seg(&b, una, max, MSS, false);
		assert_int_equal(s.kind, TCP_SACK_RETX);
		assert_int_equal(s.seq, B + 600);
		assert_int_equal(s.len, 400);
		tcp_sack_sent(&b, s.kind, s.seq, s.len);
		/* the tail [5000, 6000) is SACKed: the rescue takes the segment below it */
		blk[0] = (struct ng_sack_block){B + 5000, B + 6000};
		tcp_sack_board_update(&b, una, max, blk, 1, &u);
		s = tcp_sack_next_seg(&b, una, max, MSS, false);
		assert_int_equal(s.kind, TCP_SACK_RETX); /* [1500, 5000) lost now: rule 1 */
		assert_int_equal(s.seq, B + 1500);
		tcp_sack_sent(&b, s.kind, s.seq, 3500);
		s = tcp_sack_next_seg(&b, una, max, MSS, false);
		assert_int_equal(s.kind, TCP_SACK_RESCUE);
		assert_int_equal(s.seq, B + 4000);
		assert_int_equal(s.len, MSS);
		/* outside recovery there is no rescue */
		b.in_recovery = false;
		s = tcp_sack_next_seg(&b, una, max, MSS, false);
		assert_int_equal(s.kind, TCP_SACK_RETX);
		assert_int_equal(s.seq, B);
	}
}

/* Walking the holes for a resend after a timeout: SACKed ranges are skipped. */
static void test_next_hole(void **state)
{
	uint32_t B;
	(void)state;
	for_each_base(B)
	{
		struct tcp_sack_board b;
		struct tcp_sack_update u;
		struct ng_sack_block blk[2] = {{B + 1000, B + 2000}, {B + 3000, B + 5000}};
		uint32_t seq, end, max = B + 5000;
		tcp_sack_board_reset(&b);
		tcp_sack_board_update(&b, B, max, blk, 2, &u);

		assert_true(tcp_sack_next_hole(&b, B, max, &seq, &end));
		assert_int_equal(seq, B);
		assert_int_equal(end, B + 1000);
		assert_true(tcp_sack_next_hole(&b, B + 1000, max, &seq, &end));
		assert_int_equal(seq, B + 2000);
		assert_int_equal(end, B + 3000);
		assert_true(tcp_sack_next_hole(&b, B + 2500, max, &seq, &end));
		assert_int_equal(seq, B + 2500);
		assert_int_equal(end, B + 3000);
		assert_false(tcp_sack_next_hole(&b, B + 3000, max, &seq, &end));
		assert_false(tcp_sack_next_hole(&b, B + 4999, max, &seq, &end));
		/* beyond the last range, up to SND.MAX */
		assert_true(tcp_sack_next_hole(&b, B + 3000, max + 700, &seq, &end));
		assert_int_equal(seq, B + 5000);
		assert_int_equal(end, B + 5700);
	}
}

/* Model check: random ACKs with random (valid and invalid) blocks against a byte map of what
 * was SACKed, over 64 windows, at both bases. The board must agree with the map byte for byte
 * (while it has room), and IsLost and SetPipe must match their RFC 6675 definitions computed
 * from the map one byte at a time. */
#define MW 3000 /* window in bytes */
static void test_board_model(void **state)
{
	static uint8_t sacked[MW];
	struct ng_rng r;
	uint32_t B;
	(void)state;

	ng_rng_seed(&r, 6675);
	for_each_base(B)
	{
		for (int round = 0; round < 64; round++) {
			struct tcp_sack_board b;
			uint32_t una = 0, max = MW, mss = 100 + ng_rng_below(&r, 400);
			tcp_sack_board_reset(&b);
			memset(sacked, 0, sizeof(sacked));
			for (int ack = 0; ack < 40; ack++) {
				struct ng_sack_block blk[4];
				struct tcp_sack_update u;
				unsigned n = ng_rng_below(&r, 5);
				uint32_t before = 0, after = 0;
				if (ng_rng_below(&r, 4) == 0)
					una += ng_rng_below(&r, (max - una) / 4 + 1);
				for (unsigned i = 0; i < n; i++) {
					/* mostly valid blocks; some below SND.UNA, beyond SND.MAX,
					 * empty or inverted */
					uint32_t l = una + ng_rng_below(&r, max - una + 1);
					uint32_t len = ng_rng_below(&r, 400);
					switch (ng_rng_below(&r, 8)) {
					case 0:
						l -= ng_rng_below(&r, 500) + 1;
						break;
					case 1:
						len = 0;
						break;
					case 2:
						len = (uint32_t) - (int32_t)(len + 1);
						break;
					default:
						break;
					}
					blk[i].left = B + l;
					blk[i].right = B + l + len;
				}
				for (uint32_t x = una; x < max; x++)
					before += sacked[x];
				tcp_sack_board_update(&b, B + una, B + max, blk, n, &u);
				/* the model: what a valid non-D-SACK block covers is SACKed */
				for (unsigned i = 0; i < n; i++) {
					uint32_t l = blk[i].left - B, rr = blk[i].right - B;
					bool dsack =
					    i == 0 &&
					    (tcp_seq_lt(blk[0].left, B + una) ||
					     (n >= 2 && tcp_seq_geq(blk[0].left, blk[1].left) &&
					      tcp_seq_leq(blk[0].right, blk[1].right)));
					if (!tcp_seq_lt(blk[i].left, blk[i].right) ||
					    tcp_seq_gt(blk[i].right, B + max) || dsack ||
					    tcp_seq_lt(blk[i].left, B + una))
						continue;
					for (uint32_t x = l; x < rr; x++)
						sacked[x] = 1;
				}
				for (uint32_t x = una; x < max; x++)
					after += sacked[x];
				assert_int_equal(u.newly_sacked, after - before);
				assert_true(b.n < TCP_SACK_BOARD_MAX); /* never full here */
				for (uint32_t x = una; x < max; x++)
					assert_int_equal(tcp_sack_is_sacked(&b, B + x), sacked[x]);
				/* IsLost and SetPipe, byte by byte from the map: walking down,
				 * count the SACKed bytes and the SACKed runs that start above each
				 * byte */
				uint32_t pipe = 0, bytes = 0;
				unsigned ranges = 0;
				for (uint32_t x = max; x-- > una;) {
					uint32_t y = x + 1;
					if (y < max) {
						bytes += sacked[y];
						ranges += sacked[y] && !sacked[x];
					}
					bool lost = ranges >= 3 || bytes > 2 * mss;
					if (!sacked[x]) {
						if (x % 7 == 0 || x == una)
							assert_int_equal(
							    tcp_sack_is_lost(&b, B + x, mss), lost);
						pipe += !lost;
					}
				}
				assert_int_equal(tcp_sack_pipe(&b, B + una, B + max, mss), pipe);
			}
		}
	}
}

/* Property check of the receiver's choice over random arrivals (in order, out of order,
 * duplicate): at most MAX blocks; a D-SACK block first exactly when the arrival was a
 * duplicate; every other block is a held range above RCV.NXT, none twice; the range holding
 * the arrival comes first; the ranges reported last time that are still held follow in their
 * order (RFC 2018 4) as room allows; and with room, every held range is reported. */
static void test_rx_model(void **state)
{
	struct ng_rng r;
	uint32_t B;
	(void)state;

	ng_rng_seed(&r, 2018);
	for_each_base(B)
	{
		for (int round = 0; round < 200; round++) {
			struct rx x;
			struct ng_sack_block prev[4];
			unsigned nprev = 0, max = 3 + ng_rng_below(&r, 2);
			memset(&x, 0, sizeof(x));
			x.rcv_nxt = B;
			tcp_sack_rx_reset(&x.st);
			for (int k = 0; k < 30; k++) {
				uint32_t l = x.rcv_nxt - 300 + 100 * ng_rng_below(&r, 40);
				uint32_t rr = l + 100;
				struct tcp_sack_arrival a = {.valid = true, .left = l, .right = rr};
				unsigned n, first = 0;
				bool dup = tcp_seq_lt(l, x.rcv_nxt);
				for (unsigned i = 0; i < x.n && !dup; i++)
					dup = tcp_seq_geq(l, x.ooo[i].left) &&
					      tcp_seq_leq(rr, x.ooo[i].right);
				if (x.n == 8 && !dup) {
					/* full: let the in-order point catch up */
					x.rcv_nxt = x.ooo[0].right;
					memmove(x.ooo, x.ooo + 1, 7 * sizeof(x.ooo[0]));
					x.n = 7;
					continue;
				}
				a.dup = dup;
				if (!dup && l == x.rcv_nxt) {
					x.rcv_nxt = rr;
					while (x.n && tcp_seq_leq(x.ooo[0].left, x.rcv_nxt)) {
						x.rcv_nxt = tcp_seq_max(x.rcv_nxt, x.ooo[0].right);
						memmove(x.ooo, x.ooo + 1,
						        (x.n - 1) * sizeof(x.ooo[0]));
						x.n--;
					}
				} else if (!dup) {
					hold(&x, l, rr);
				}
				n = tcp_sack_rx_blocks(&x.st, x.ooo, x.n, x.rcv_nxt, &a, max,
				                       x.out);
				assert_true(n <= max);
				if (dup) {
					assert_true(n >= 1);
					assert_int_equal(x.out[0].left, l);
					first = 1;
				}
				/* blocks are held ranges, no repeats */
				for (unsigned i = first; i < n; i++) {
					bool held = false;
					for (unsigned j = 0; j < x.n; j++)
						held |= x.out[i].left == x.ooo[j].left &&
						        x.out[i].right == x.ooo[j].right;
					assert_true(held);
					assert_true(tcp_seq_gt(x.out[i].left, x.rcv_nxt));
					for (unsigned j = first; j < i; j++)
						assert_int_not_equal(x.out[i].left, x.out[j].left);
				}
				/* all held ranges reported when they fit */
				assert_int_equal(n - first, NG_MIN(x.n, max - first));
				/* the arrival's range first */
				unsigned at = first;
				for (unsigned j = 0; j < x.n; j++)
					if (tcp_seq_leq(x.ooo[j].left, l) &&
					    tcp_seq_geq(x.ooo[j].right, rr)) {
						assert_true(n > first);
						assert_int_equal(x.out[first].left, x.ooo[j].left);
						at = first + 1;
					}
				/* then last time's ranges, still held, in order (as room allows) */
				for (unsigned i = 0; i < nprev; i++) {
					int j = -1;
					for (unsigned q = 0; q < x.n; q++)
						if (tcp_seq_lt(x.ooo[q].left, prev[i].right) &&
						    tcp_seq_lt(prev[i].left, x.ooo[q].right))
							j = (int)q;
					if (j < 0)
						continue;
					bool seen = false;
					for (unsigned q = first; q < at; q++)
						seen |= x.out[q].left == x.ooo[j].left;
					if (seen)
						continue;
					if (at >= n)
						break;
					assert_int_equal(x.out[at].left, x.ooo[j].left);
					at++;
				}
				nprev = n - first;
				memcpy(prev, x.out + first, nprev * sizeof(prev[0]));
			}
		}
	}
}

/* A retransmission that is lost as well: once DupThresh segments sent after it are SACKed
 * while it stays a hole, NextSeg offers it again (once), then carries on above the old
 * HighRxt; without that evidence (or once it arrives) nothing is resent twice. */
static void test_lost_retransmission(void **state)
{
	uint32_t B;
	(void)state;
	for_each_base(B)
	{
		struct tcp_sack_board b;
		struct tcp_sack_update u;
		struct tcp_sack_seg s;
		struct ng_sack_block blk[2];
		uint32_t una = B, max = B + 10 * MSS;

		tcp_sack_board_reset(&b);
		/* segments 0 and 2 lost, 1 and 3..9 SACKed: recovery, both holes resent */
		blk[0] = (struct ng_sack_block){B + 3 * MSS, max};
		blk[1] = (struct ng_sack_block){B + MSS, B + 2 * MSS};
		tcp_sack_board_update(&b, una, max, blk, 2, &u);
		tcp_sack_recovery_start(&b, una, max);
		s = tcp_sack_next_seg(&b, una, max, MSS, true);
		assert_int_equal(s.kind, TCP_SACK_RETX);
		assert_int_equal(s.seq, B);
		tcp_sack_sent(&b, s.kind, s.seq, s.len);
		s = tcp_sack_next_seg(&b, una, max, MSS, true);
		assert_int_equal(s.kind, TCP_SACK_RETX);
		assert_int_equal(s.seq, B + 2 * MSS);
		tcp_sack_sent(&b, s.kind, s.seq, s.len);
		/* new data [10, 12) goes out; two of them SACKed: not yet evidence enough */
		s = tcp_sack_next_seg(&b, una, max, MSS, true);
		assert_int_equal(s.kind, TCP_SACK_NEW);
		max = B + 13 * MSS;
		blk[0] = (struct ng_sack_block){B + 3 * MSS, B + 12 * MSS};
		tcp_sack_board_update(&b, una, max, blk, 2, &u);
		assert_false(u.rtx_lost);
		s = tcp_sack_next_seg(&b, una, max, MSS, false);
		assert_int_equal(s.kind, TCP_SACK_RESCUE); /* rules 1 and 3 find nothing */
		/* the third arrives, segment 0 is still a hole: its retransmission was lost */
		blk[0] = (struct ng_sack_block){B + 3 * MSS, B + 13 * MSS};
		tcp_sack_board_update(&b, una, max, blk, 2, &u);
		assert_true(u.rtx_lost);
		assert_int_equal(b.rtx_lost, 1);
		s = tcp_sack_next_seg(&b, una, max, MSS, true);
		assert_int_equal(s.kind, TCP_SACK_RETX);
		assert_int_equal(s.seq, B);
		assert_int_equal(s.len, MSS);
		tcp_sack_sent(&b, s.kind, s.seq, s.len);
		/* segment 2's retransmission is not resent: HighRxt is back above it */
		s = tcp_sack_next_seg(&b, una, max, MSS, true);
		assert_int_equal(s.kind, TCP_SACK_NEW);
		/* the same evidence again does not resend it a third time */
		tcp_sack_board_update(&b, una, max, blk, 2, &u);
		assert_false(u.rtx_lost);
		/* it arrives: the cumulative ACK passes it, the watch ends */
		una = B + MSS;
		tcp_sack_board_update(&b, una, max, blk, 1, &u);
		assert_false(b.rtx_watch);
		assert_false(u.rtx_lost);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rx_order),
	    cmocka_unit_test(test_rx_in_order),
	    cmocka_unit_test(test_rx_dsack),
	    cmocka_unit_test(test_board_update),
	    cmocka_unit_test(test_board_validity),
	    cmocka_unit_test(test_board_full),
	    cmocka_unit_test(test_is_lost),
	    cmocka_unit_test(test_recovery),
	    cmocka_unit_test(test_next_seg_rules),
	    cmocka_unit_test(test_next_hole),
	    cmocka_unit_test(test_board_model),
	    cmocka_unit_test(test_rx_model),
	    cmocka_unit_test(test_lost_retransmission),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
