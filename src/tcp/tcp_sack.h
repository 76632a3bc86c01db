/* SPDX-License-Identifier: MIT */
/*
 * Selective acknowledgements: the blocks a receiver reports (RFC 2018, D-SACK RFC 2883) and
 * the sender's scoreboard with the loss-recovery rules of RFC 6675 (IsLost, SetPipe, NextSeg).
 * Pure functions on small fixed-size structs: no allocation, no clock; sequence numbers are
 * compared modulo 2^32.
 *
 * Using it from the core (learnt by running it there, see tests/sim/test_tcp4_sack.c in the
 * tcp4 integration patch):
 * - Receiver: record the arrival (struct tcp_sack_arrival) for out-of-order data AND for
 *   duplicates, including those the acceptability test rejects (a wholly old segment never
 *   reaches the trimming code), then call tcp_sack_rx_blocks when the ACK is built; 3 blocks
 *   beside timestamps, fewer if the payload would not fit the MTU.
 * - The receiver's out-of-order list must hold far more than 8 ranges: a queue overflow at a
 *   bottleneck drops every other segment of a slow-start burst; with 8 ranges the ninth hole's
 *   data is discarded, everything above it stays unSACKed, pipe never drains below cwnd and
 *   recovery ends in a timeout (64 works).
 * - Sender: update the board after SND.UNA has advanced; count an ACK that SACKs new data as
 *   a duplicate; enter recovery on DupThresh or IsLost(SND.UNA); cwnd = ssthresh, no
 *   inflation; in recovery bound new data by cwnd - pipe but still by the peer's window from
 *   SND.UNA; ssthresh from min(flight, cwnd) (flight counts SACKed data); after a timeout keep
 *   the board and skip SACKed ranges in the resend (tcp_sack_next_hole), forget it on a
 *   second timeout of the same data (reneging).
 */
/* Outside the guard: tcp_internal.h includes this file back after defining struct tcp_range and
 * the sequence comparisons, whichever of the two is included first. */
#include "tcp/tcp_internal.h"

#ifndef NG_TCP_SACK_H
#define NG_TCP_SACK_H

#include <stdbool.h>
#include <stdint.h>

#include "wire/wire_internal.h"

#define TCP_SACK_DUPTHRESH 3  /* RFC 6675 DupThresh */
#define TCP_SACK_BOARD_MAX 64 /* SACKed ranges the sender remembers */

/* ---- receiver (RFC 2018 4) ---- */

/* What the receiver reported in its last ACK, so later ACKs can repeat the most recent. */
struct tcp_sack_rx {
	struct ng_sack_block last[NG_TCP_MAX_SACK];
	uint8_t n;
};

/* The segment that triggers the ACK: [LEFT, RIGHT) of sequence space. DUP: it was a duplicate
 * (all below RCV.NXT or already held), reported first as a D-SACK block (RFC 2883). */
struct tcp_sack_arrival {
	bool valid;
	bool dup;
	uint32_t left, right;
};

void tcp_sack_rx_reset(struct tcp_sack_rx *rx);
/* The SACK blocks for the next ACK, at most MAX (4, or 3 beside timestamps): a D-SACK block
 * first if the arrival was a duplicate; then the held range containing the segment that just
 * arrived; then the ranges containing the blocks reported last time, most recent first; then
 * any other held ranges, highest first. OOO holds the out-of-order ranges (sorted, disjoint,
 * all above RCV_NXT as tcp_in.c keeps them). Remembers what it returns. Returns the count. */
unsigned tcp_sack_rx_blocks(struct tcp_sack_rx *rx, const struct tcp_range *ooo, unsigned ooo_n,
                            uint32_t rcv_nxt, const struct tcp_sack_arrival *arr, unsigned max,
                            struct ng_sack_block *out);

/* ---- sender scoreboard (RFC 6675) ---- */

struct tcp_sack_board {
	struct tcp_range
	    blk[TCP_SACK_BOARD_MAX]; /* SACKed ranges: sorted, disjoint, not touching */
	uint8_t n;
	/* in RFC 6675 loss recovery: the connection's in_recovery while SACK is on (tcp_internal.h
	 * says how the two stay equal) */
	bool in_recovery;
	uint32_t high_rxt;    /* one past the highest byte retransmitted (RFC 6675 HighRxt + 1) */
	uint32_t recovery_pt; /* RecoveryPoint: SND.MAX when recovery began */
	bool rescue_valid;
	uint32_t rescue_rxt; /* RescueRxt */
	uint32_t dsacks;     /* D-SACK blocks seen (spurious retransmissions) */
	uint32_t ignored;    /* blocks rejected by the validity checks */
	/* Lost retransmissions (what RFC 6675 alone cannot see: a lost retransmission waits for
	 * the RTO). The first retransmission of a recovery still unacknowledged is watched with
	 * SND.MAX as it went out; once the receiver SACKs DupThresh of its lengths sent after it
	 * while it stays a hole, it was lost too and is sent again (tcp_sack_board_update). */
	bool rtx_watch;
	uint32_t rtx_seq, rtx_len, rtx_mark;
	bool rtx_redo;          /* RTX_SEQ is due again ... */
	uint32_t rtx_redo_high; /* ... and HighRxt returns here once it has gone */
	uint32_t max_seen;      /* SND.MAX at the last update */
	uint32_t rtx_lost;      /* retransmissions found lost */
};

/* Result of an update from one ACK's SACK blocks. */
struct tcp_sack_update {
	uint32_t newly_sacked; /* bytes not SACKed before */
	bool rtx_lost;         /* a retransmission was found lost: NextSeg offers it again */
	bool dsack;            /* the first block was a D-SACK */
	uint32_t dsack_left, dsack_right;
};

/* Forget every SACKed range and end recovery (RFC 6675 5.1 / RFC 2018 8: after an RTO the
 * scoreboard is not trusted). */
void tcp_sack_board_reset(struct tcp_sack_board *b);
/* Take the blocks of an ACK acknowledging up to SND_UNA (already advanced to SEG.ACK) with
 * SND_MAX the highest sequence sent. Blocks that are empty, reach below SND.UNA or beyond
 * SND.MAX are ignored (counted), except that a first block below SEG.ACK or inside the second
 * block is a D-SACK (RFC 2883 4). Ranges below SND.UNA are dropped. When the board is full the
 * lowest ranges are kept (they matter for the next retransmissions). */
void tcp_sack_board_update(struct tcp_sack_board *b, uint32_t snd_una, uint32_t snd_max,
                           const struct ng_sack_block *blk, unsigned n,
                           struct tcp_sack_update *res);
/* The cumulative ACK moved to SND_UNA: drop what lies below. */
void tcp_sack_board_ack(struct tcp_sack_board *b, uint32_t snd_una);
bool tcp_sack_is_sacked(const struct tcp_sack_board *b, uint32_t seq);
/* Highest sequence (exclusive) any block covers, or SND_UNA if none. */
uint32_t tcp_sack_high(const struct tcp_sack_board *b, uint32_t snd_una);
/* The first unSACKed sequence at or after FROM and below SND_MAX in *SEQ, and the end of its
 * gap (the next SACKed range, or SND_MAX) in *END; false if everything from FROM on is SACKed.
 * Lets a go-back-N resend after a timeout skip what the receiver holds (when the board is kept
 * across the timeout). */
bool tcp_sack_next_hole(const struct tcp_sack_board *b, uint32_t from, uint32_t snd_max,
                        uint32_t *seq, uint32_t *end);
/* RFC 6675 IsLost(SEQ): DupThresh discontiguous SACKed ranges above SEQ, or more than
 * (DupThresh - 1) * MSS SACKed bytes above it. */
bool tcp_sack_is_lost(const struct tcp_sack_board *b, uint32_t seq, uint32_t mss);
/* RFC 6675 SetPipe(): bytes believed in the network over [SND_UNA, SND_MAX): those neither
 * SACKed nor lost, plus those retransmitted (below HighRxt) and not SACKed. */
uint32_t tcp_sack_pipe(const struct tcp_sack_board *b, uint32_t snd_una, uint32_t snd_max,
                       uint32_t mss);
/* Loss recovery begins (RFC 6675 5 step 4): HighRxt = SND.UNA, RecoveryPoint = SND.MAX. */
void tcp_sack_recovery_start(struct tcp_sack_board *b, uint32_t snd_una, uint32_t snd_max);
/* What NextSeg() chose. */
enum tcp_sack_next {
	TCP_SACK_NONE,   /* nothing may be sent */
	TCP_SACK_RETX,   /* retransmit [seq, seq + len) (rule 1 or 3) */
	TCP_SACK_NEW,    /* send new data from SND.MAX (rule 2) */
	TCP_SACK_RESCUE, /* rescue retransmission of [seq, seq + len) (rule 4) */
};
struct tcp_sack_seg {
	enum tcp_sack_next kind;
	uint32_t seq, len;
};
/* RFC 6675 NextSeg(). NEW_DATA: unsent data exists and the peer's window would take it.
 * Returns the choice; for RETX and RESCUE the caller sends it and calls tcp_sack_sent. */
struct tcp_sack_seg tcp_sack_next_seg(const struct tcp_sack_board *b, uint32_t snd_una,
                                      uint32_t snd_max, uint32_t mss, bool new_data);
/* A retransmission of [SEQ, SEQ + LEN) went out: HighRxt moves past it (RESCUE: RescueRxt is
 * set to RecoveryPoint instead, HighRxt is not touched, RFC 6675 4 rule 4). */
void tcp_sack_sent(struct tcp_sack_board *b, enum tcp_sack_next kind, uint32_t seq, uint32_t len);

#endif
