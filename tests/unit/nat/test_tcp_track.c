// SPDX-License-Identifier: MIT
// Unit tests of the TCP observer: every arc of RFC 9293's diagram as seen from the middle, with
// concrete sequence numbers, and the window tests that keep stray segments from moving state.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "nat/tcp_track.h"

enum { A = NG_TRACK_ORIG, B = NG_TRACK_REPLY };
#define S_ NG_TCP_SYN
#define A_ NG_TCP_ACK
#define F_ NG_TCP_FIN
#define R_ NG_TCP_RST
#define P_ NG_TCP_PSH

static struct ng_tcp_hdr mk(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win)
{
	struct ng_tcp_hdr h;
	memset(&h, 0, sizeof(h));
	h.sport = 40000;
	h.dport = 80;
	h.seq = seq;
	h.ack = ack;
	h.flags = flags;
	h.win = win;
	h.hlen = 20;
	return h;
}

static enum ng_track_verdict seg(struct ng_tcp_track *t, int dir, uint8_t flags, uint32_t seq,
                                 uint32_t ack, uint32_t len)
{
	struct ng_tcp_hdr h = mk(flags, seq, ack, 65535);
	return ng_tcp_track_segment(t, dir, &h, len);
}

#define STATES(t, a, b)                                                                            \
	do {                                                                                       \
		assert_int_equal((t)->side[A].state, (a));                                         \
		assert_int_equal((t)->side[B].state, (b));                                         \
	} while (0)

/* The textbook exchange: client ISN 100, server ISN 2000, 100 bytes up, 500 down, FIN/ACK
 * FIN/ACK close; every segment checked against the state pair it must produce. */
static void textbook(void **unused)
{
	struct ng_tcp_track t;
	ng_tcp_track_init(&t);
	STATES(&t, NG_TCP_CLOSED, NG_TCP_CLOSED);
	assert_false(ng_tcp_track_done(&t));

	assert_int_equal(seg(&t, A, S_, 100, 0, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_SYN_SENT, NG_TCP_SYN_RECEIVED);
	assert_int_equal(seg(&t, B, S_ | A_, 2000, 101, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_ESTABLISHED, NG_TCP_SYN_RECEIVED);
	assert_false(ng_tcp_track_established(&t));
	assert_int_equal(seg(&t, A, A_, 101, 2001, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_ESTABLISHED, NG_TCP_ESTABLISHED);
	assert_true(ng_tcp_track_established(&t));
	assert_int_equal(seg(&t, A, P_ | A_, 101, 2001, 100), NG_TRACK_OK);
	assert_int_equal(seg(&t, B, A_, 2001, 201, 0), NG_TRACK_OK);
	assert_int_equal(seg(&t, B, P_ | A_, 2001, 201, 500), NG_TRACK_OK);
	assert_int_equal(seg(&t, A, A_, 201, 2501, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_ESTABLISHED, NG_TCP_ESTABLISHED);
	assert_int_equal(t.side[A].end, 201);
	assert_int_equal(t.side[B].end, 2501);

	assert_int_equal(seg(&t, A, F_ | A_, 201, 2501, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_FIN_WAIT_1, NG_TCP_CLOSE_WAIT);
	assert_true(t.side[A].fin_sent);
	assert_int_equal(t.side[A].fin_seq, 201);
	assert_int_equal(seg(&t, B, A_, 2501, 202, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_FIN_WAIT_2, NG_TCP_CLOSE_WAIT);
	assert_true(t.side[A].fin_acked);
	assert_int_equal(seg(&t, B, F_ | A_, 2501, 202, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_TIME_WAIT, NG_TCP_LAST_ACK);
	assert_false(ng_tcp_track_done(&t));
	assert_int_equal(seg(&t, A, A_, 202, 2502, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_TIME_WAIT, NG_TCP_CLOSED);
	assert_true(ng_tcp_track_done(&t));
	assert_false(t.reset);
}

/* Both sides send a bare SYN; each SYN+ACK establishes the other side. */
static void simultaneous_open(void **unused)
{
	struct ng_tcp_track t;
	ng_tcp_track_init(&t);
	assert_int_equal(seg(&t, A, S_, 5000, 0, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_SYN_SENT, NG_TCP_SYN_RECEIVED);
	assert_int_equal(seg(&t, B, S_, 9000, 0, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_SYN_RECEIVED, NG_TCP_SYN_RECEIVED);
	assert_true(t.simultaneous_open);
	assert_int_equal(seg(&t, A, S_ | A_, 5000, 9001, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_SYN_RECEIVED, NG_TCP_ESTABLISHED);
	assert_int_equal(seg(&t, B, S_ | A_, 9000, 5001, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_ESTABLISHED, NG_TCP_ESTABLISHED);
	assert_int_equal(seg(&t, A, P_ | A_, 5001, 9001, 10), NG_TRACK_OK);
	assert_int_equal(seg(&t, B, A_, 9001, 5011, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_ESTABLISHED, NG_TCP_ESTABLISHED);
}

/* Both FINs cross: each side goes FIN_WAIT_1 -> CLOSING -> TIME_WAIT. */
static void simultaneous_close(void **unused)
{
	struct ng_tcp_track t;
	ng_tcp_track_init(&t);
	seg(&t, A, S_, 100, 0, 0);
	seg(&t, B, S_ | A_, 2000, 101, 0);
	seg(&t, A, A_, 101, 2001, 0);
	assert_int_equal(seg(&t, A, F_ | A_, 101, 2001, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_FIN_WAIT_1, NG_TCP_CLOSE_WAIT);
	/* B's FIN does not acknowledge A's (ack 101, not 102): B sent it from FIN_WAIT_1. */
	assert_int_equal(seg(&t, B, F_ | A_, 2001, 101, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_CLOSING, NG_TCP_CLOSING);
	assert_int_equal(seg(&t, A, A_, 102, 2002, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_CLOSING, NG_TCP_TIME_WAIT);
	assert_int_equal(seg(&t, B, A_, 2002, 102, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_TIME_WAIT, NG_TCP_TIME_WAIT);
	assert_true(ng_tcp_track_done(&t));
}

/* FIN+ACK answering a FIN directly (three-way close): FIN_WAIT_1 straight to TIME_WAIT. */
static void three_way_close(void **unused)
{
	struct ng_tcp_track t;
	ng_tcp_track_init(&t);
	seg(&t, A, S_, 100, 0, 0);
	seg(&t, B, S_ | A_, 2000, 101, 0);
	seg(&t, A, A_, 101, 2001, 0);
	seg(&t, A, F_ | A_, 101, 2001, 0);
	assert_int_equal(seg(&t, B, F_ | A_, 2001, 102, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_TIME_WAIT, NG_TCP_LAST_ACK);
	seg(&t, A, A_, 102, 2002, 0);
	STATES(&t, NG_TCP_TIME_WAIT, NG_TCP_CLOSED);
}

/* SYN answered by RST+ACK acknowledging it: refused, both CLOSED. */
static void refused(void **unused)
{
	struct ng_tcp_track t;
	ng_tcp_track_init(&t);
	seg(&t, A, S_, 100, 0, 0);
	/* A RST that does not acknowledge the SYN is not an answer to it. */
	assert_int_equal(seg(&t, B, R_ | A_, 0, 555, 0), NG_TRACK_WINDOW);
	assert_int_equal(seg(&t, B, R_, 0, 0, 0), NG_TRACK_WINDOW);
	STATES(&t, NG_TCP_SYN_SENT, NG_TCP_SYN_RECEIVED);
	assert_int_equal(seg(&t, B, R_ | A_, 0, 101, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_CLOSED, NG_TCP_CLOSED);
	assert_true(t.reset);
	assert_true(ng_tcp_track_done(&t));
}

/* A RST in the middle of a transfer, in window: both CLOSED. */
static void reset_mid_transfer(void **unused)
{
	struct ng_tcp_track t;
	ng_tcp_track_init(&t);
	seg(&t, A, S_, 100, 0, 0);
	seg(&t, B, S_ | A_, 2000, 101, 0);
	seg(&t, A, A_, 101, 2001, 0);
	seg(&t, B, A_, 2001, 101, 1000);
	seg(&t, B, A_, 3001, 101, 1000);
	assert_int_equal(seg(&t, B, R_ | A_, 4001, 101, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_CLOSED, NG_TCP_CLOSED);
	assert_true(t.reset);
}

/* RSTs outside the window (blind injection, RFC 5961) change nothing. */
static void out_of_window_rst_ignored(void **unused)
{
	struct ng_tcp_track t;
	ng_tcp_track_init(&t);
	seg(&t, A, S_, 100, 0, 0);
	seg(&t, B, S_ | A_, 2000, 101, 0);
	seg(&t, A, A_, 101, 2001, 0);
	struct ng_tcp_track before = t;
	/* far beyond the right edge (2001 + 65535) */
	assert_int_equal(seg(&t, B, R_, 2001 + 70000, 0, 0), NG_TRACK_WINDOW);
	/* far behind */
	assert_int_equal(seg(&t, B, R_, 2001 - 100000, 0, 0), NG_TRACK_WINDOW);
	/* in window but acknowledging bytes A never sent */
	assert_int_equal(seg(&t, B, R_ | A_, 2001, 5000, 0), NG_TRACK_WINDOW);
	assert_memory_equal(&before, &t, sizeof(t));
	STATES(&t, NG_TCP_ESTABLISHED, NG_TCP_ESTABLISHED);
	/* Data and FINs are held to the same rules. */
	assert_int_equal(seg(&t, A, F_ | A_, 101 + 200000, 2001, 0), NG_TRACK_WINDOW);
	STATES(&t, NG_TCP_ESTABLISHED, NG_TCP_ESTABLISHED);
	/* the right edge itself: A may fill B's 65535-byte window but not pass it */
	assert_int_equal(seg(&t, A, A_, 101, 2001, 65535), NG_TRACK_OK);
	assert_int_equal(seg(&t, A, A_, 101 + 65535, 2001, 100), NG_TRACK_WINDOW);
	/* then an in-window RST takes effect */
	assert_int_equal(seg(&t, B, R_, 2001, 0, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_CLOSED, NG_TCP_CLOSED);
}

/* Segments before any SYN, and SYNs with contradictory flags, are invalid. */
static void invalid_segments(void **unused)
{
	struct ng_tcp_track t;
	ng_tcp_track_init(&t);
	assert_int_equal(seg(&t, A, A_, 1, 1, 10), NG_TRACK_INVALID);
	assert_int_equal(seg(&t, A, S_ | F_, 1, 0, 0), NG_TRACK_INVALID);
	STATES(&t, NG_TCP_CLOSED, NG_TCP_CLOSED);
	seg(&t, A, S_, 100, 0, 0);
	/* a SYN+ACK acknowledging something else is not the answer */
	assert_int_equal(seg(&t, B, S_ | A_, 2000, 999, 0), NG_TRACK_WINDOW);
	STATES(&t, NG_TCP_SYN_SENT, NG_TCP_SYN_RECEIVED);
	/* a retransmitted SYN is fine */
	assert_int_equal(seg(&t, A, S_, 100, 0, 0), NG_TRACK_OK);
	/* while established, a SYN with a new ISN is a stray (or blind injection) */
	seg(&t, B, S_ | A_, 2000, 101, 0);
	seg(&t, A, A_, 101, 2001, 0);
	assert_int_equal(seg(&t, A, S_, 7777, 0, 0), NG_TRACK_INVALID);
	assert_int_equal(seg(&t, B, S_, 7777, 0, 0), NG_TRACK_INVALID);
	STATES(&t, NG_TCP_ESTABLISHED, NG_TCP_ESTABLISHED);
}

/* The initiator may start over on the same ports: after an unanswered SYN, or once the old
 * connection is closing (the tracker need not have seen the very last ACK). */
static void port_reuse(void **unused)
{
	struct ng_tcp_track t;
	ng_tcp_track_init(&t);
	seg(&t, A, S_, 100, 0, 0);
	assert_int_equal(seg(&t, A, S_, 5000, 0, 0), NG_TRACK_OK); /* never answered */
	assert_int_equal(t.side[A].isn, 5000);
	STATES(&t, NG_TCP_SYN_SENT, NG_TCP_SYN_RECEIVED);
	assert_int_equal(seg(&t, B, S_ | A_, 2000, 5001, 0), NG_TRACK_OK);
	seg(&t, A, A_, 5001, 2001, 0);
	seg(&t, A, F_ | A_, 5001, 2001, 0);
	seg(&t, B, F_ | A_, 2001, 5002, 0);
	STATES(&t, NG_TCP_TIME_WAIT, NG_TCP_LAST_ACK); /* the last ACK was not seen */
	assert_int_equal(seg(&t, A, S_, 90000, 0, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_SYN_SENT, NG_TCP_SYN_RECEIVED);
	assert_false(t.side[A].fin_sent);
	assert_false(t.side[B].isn_known);
	assert_int_equal(seg(&t, B, S_ | A_, 3000, 90001, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_ESTABLISHED, NG_TCP_SYN_RECEIVED);
}

/* Sequence numbers that wrap through 2^32 in the middle of the exchange. */
static void wraparound(void **unused)
{
	struct ng_tcp_track t;
	ng_tcp_track_init(&t);
	uint32_t ca = 0xffffff00u, sb = 0xfffffff0u;
	assert_int_equal(seg(&t, A, S_, ca, 0, 0), NG_TRACK_OK);
	assert_int_equal(seg(&t, B, S_ | A_, sb, ca + 1, 0), NG_TRACK_OK);
	assert_int_equal(seg(&t, A, A_, ca + 1, sb + 1, 0), NG_TRACK_OK);
	/* 1000 bytes from A cross 2^32 */
	assert_int_equal(seg(&t, A, A_, ca + 1, sb + 1, 1000), NG_TRACK_OK);
	assert_int_equal(t.side[A].end, ca + 1001); /* = 0x2e9 */
	assert_int_equal(seg(&t, B, A_, sb + 1, ca + 1001, 100), NG_TRACK_OK);
	assert_int_equal(t.side[B].end, 0x55);
	/* an old duplicate from before the wrap is still in window */
	assert_int_equal(seg(&t, A, A_, ca + 1, sb + 101, 1000), NG_TRACK_OK);
	/* acknowledging beyond what B sent (across the wrap) is not */
	assert_int_equal(seg(&t, A, A_, ca + 1001, sb + 102, 0), NG_TRACK_WINDOW);
	assert_int_equal(seg(&t, A, F_ | A_, ca + 1001, sb + 101, 0), NG_TRACK_OK);
	assert_int_equal(seg(&t, B, F_ | A_, sb + 101, ca + 1002, 0), NG_TRACK_OK);
	assert_int_equal(seg(&t, A, A_, ca + 1002, sb + 102, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_TIME_WAIT, NG_TCP_CLOSED);
}

/* RFC 7323: windows are scaled only when both SYNs carried WS, and never in the SYN itself. */
static void window_scaling(void **unused)
{
	struct ng_tcp_track t;
	ng_tcp_track_init(&t);
	struct ng_tcp_hdr h = mk(S_, 100, 0, 65535);
	h.opt.ws_ok = true;
	h.opt.ws = 7;
	assert_int_equal(ng_tcp_track_segment(&t, A, &h, 0), NG_TRACK_OK);
	h = mk(S_ | A_, 2000, 101, 65535);
	h.opt.ws_ok = true;
	h.opt.ws = 4;
	assert_int_equal(ng_tcp_track_segment(&t, B, &h, 0), NG_TRACK_OK);
	/* A's ACK advertises 1000 << 7 = 128000 bytes: B may send beyond 64 KiB */
	h = mk(A_, 101, 2001, 1000);
	assert_int_equal(ng_tcp_track_segment(&t, A, &h, 0), NG_TRACK_OK);
	assert_int_equal(t.side[A].max_win, 128000);
	h = mk(A_, 2001, 101, 100);
	assert_int_equal(ng_tcp_track_segment(&t, B, &h, 100000), NG_TRACK_OK);
	h = mk(A_, 2001 + 100000, 101, 100);
	assert_int_equal(ng_tcp_track_segment(&t, B, &h, 28000), NG_TRACK_OK);
	h = mk(A_, 2001 + 128000, 101, 100);
	assert_int_equal(ng_tcp_track_segment(&t, B, &h, 1000), NG_TRACK_WINDOW);
	/* A fills the SYN+ACK's (unscaled) 65535; B acks it with window 100 << 4 = 1600: A may
	 * then send 1600 bytes (+1 probe byte), not 2000 */
	h = mk(A_, 101, 2001, 1000);
	assert_int_equal(ng_tcp_track_segment(&t, A, &h, 65535), NG_TRACK_OK);
	h = mk(A_, 2001 + 128000, 101 + 65535, 100);
	assert_int_equal(ng_tcp_track_segment(&t, B, &h, 0), NG_TRACK_OK);
	h = mk(A_, 101 + 65535, 2001, 1000);
	assert_int_equal(ng_tcp_track_segment(&t, A, &h, 2000), NG_TRACK_WINDOW);
	assert_int_equal(ng_tcp_track_segment(&t, A, &h, 1600), NG_TRACK_OK);

	/* Without WS in the SYN+ACK, nothing is scaled. */
	ng_tcp_track_init(&t);
	h = mk(S_, 100, 0, 65535);
	h.opt.ws_ok = true;
	h.opt.ws = 7;
	ng_tcp_track_segment(&t, A, &h, 0);
	h = mk(S_ | A_, 2000, 101, 65535);
	ng_tcp_track_segment(&t, B, &h, 0);
	h = mk(A_, 101, 2001, 1000);
	ng_tcp_track_segment(&t, A, &h, 0);
	assert_int_equal(t.side[A].max_win, 65535); /* from the SYN; 1000 is not scaled */
	h = mk(A_, 2001, 101, 100);
	assert_int_equal(ng_tcp_track_segment(&t, B, &h, 65535), NG_TRACK_OK);
	/* A acknowledges it all and opens 1000 more bytes (unscaled) */
	h = mk(A_, 101, 2001 + 65535, 1000);
	assert_int_equal(ng_tcp_track_segment(&t, A, &h, 0), NG_TRACK_OK);
	h = mk(A_, 2001 + 65535, 101, 100);
	assert_int_equal(ng_tcp_track_segment(&t, B, &h, 2000), NG_TRACK_WINDOW);
	assert_int_equal(ng_tcp_track_segment(&t, B, &h, 1000), NG_TRACK_OK);
}

/* A capture that starts with the SYN+ACK still gets both states. */
static void missed_syn(void **unused)
{
	struct ng_tcp_track t;
	ng_tcp_track_init(&t);
	assert_int_equal(seg(&t, B, S_ | A_, 2000, 101, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_ESTABLISHED, NG_TCP_SYN_RECEIVED);
	assert_int_equal(seg(&t, A, A_, 101, 2001, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_ESTABLISHED, NG_TCP_ESTABLISHED);
}

/* A connection met mid-stream: both ESTABLISHED, then it closes as usual. */
static void pickup(void **unused)
{
	struct ng_tcp_track t;
	ng_tcp_track_init(&t);
	struct ng_tcp_hdr h = mk(A_, 5000, 9000, 500);
	assert_int_equal(ng_tcp_track_segment(&t, A, &h, 100), NG_TRACK_INVALID);
	assert_int_equal(ng_tcp_track_pickup(&t, A, &h, 100), NG_TRACK_OK);
	assert_true(t.picked_up);
	STATES(&t, NG_TCP_ESTABLISHED, NG_TCP_ESTABLISHED);
	assert_int_equal(seg(&t, B, A_, 9000, 5100, 3000), NG_TRACK_OK);
	assert_int_equal(seg(&t, B, R_, 9000 + 2000000000u, 0, 0), NG_TRACK_WINDOW);
	assert_int_equal(seg(&t, A, F_ | A_, 5100, 12000, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_FIN_WAIT_1, NG_TCP_CLOSE_WAIT);
	assert_int_equal(seg(&t, B, F_ | A_, 12000, 5101, 0), NG_TRACK_OK);
	assert_int_equal(seg(&t, A, A_, 5101, 12001, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_TIME_WAIT, NG_TCP_CLOSED);
	assert_true(ng_tcp_track_done(&t));
}

/* Half-close: the server keeps sending after the client's FIN; a retransmitted FIN moves
 * nothing; data rides on the handshake's ACK. */
static void half_close_and_retransmissions(void **unused)
{
	struct ng_tcp_track t;
	ng_tcp_track_init(&t);
	seg(&t, A, S_, 100, 0, 0);
	assert_int_equal(seg(&t, B, S_ | A_, 2000, 101, 0), NG_TRACK_OK);
	assert_int_equal(seg(&t, B, S_ | A_, 2000, 101, 0), NG_TRACK_OK); /* again */
	STATES(&t, NG_TCP_ESTABLISHED, NG_TCP_SYN_RECEIVED);
	assert_int_equal(seg(&t, A, P_ | A_, 101, 2001, 50), NG_TRACK_OK); /* ACK with data */
	STATES(&t, NG_TCP_ESTABLISHED, NG_TCP_ESTABLISHED);
	assert_int_equal(seg(&t, A, F_ | A_, 151, 2001, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_FIN_WAIT_1, NG_TCP_CLOSE_WAIT);
	assert_int_equal(seg(&t, A, F_ | A_, 151, 2001, 0), NG_TRACK_OK); /* FIN again */
	STATES(&t, NG_TCP_FIN_WAIT_1, NG_TCP_CLOSE_WAIT);
	assert_int_equal(seg(&t, B, A_, 2001, 152, 1000), NG_TRACK_OK);
	STATES(&t, NG_TCP_FIN_WAIT_2, NG_TCP_CLOSE_WAIT);
	assert_int_equal(seg(&t, B, A_, 3001, 152, 1000), NG_TRACK_OK);
	assert_int_equal(seg(&t, A, A_, 152, 4001, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_FIN_WAIT_2, NG_TCP_CLOSE_WAIT);
	/* a keep-alive (one old byte) is in window */
	assert_int_equal(seg(&t, B, A_, 4000, 152, 1), NG_TRACK_OK);
	assert_int_equal(seg(&t, B, F_ | A_, 4001, 152, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_TIME_WAIT, NG_TCP_LAST_ACK);
	assert_int_equal(seg(&t, B, F_ | A_, 4001, 152, 0), NG_TRACK_OK); /* FIN again */
	STATES(&t, NG_TCP_TIME_WAIT, NG_TCP_LAST_ACK);
	assert_int_equal(seg(&t, A, A_, 152, 4002, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_TIME_WAIT, NG_TCP_CLOSED);
}

/* Aborts during the handshake: the client's RST in SYN_SENT, the server's FIN from
 * SYN_RECEIVED, the client's RST after the SYN+ACK. */
static void handshake_aborts(void **unused)
{
	struct ng_tcp_track t;
	ng_tcp_track_init(&t);
	seg(&t, A, S_, 100, 0, 0);
	assert_int_equal(seg(&t, A, R_, 101, 0, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_CLOSED, NG_TCP_CLOSED);

	ng_tcp_track_init(&t);
	seg(&t, A, S_, 100, 0, 0);
	seg(&t, B, S_ | A_, 2000, 101, 0);
	assert_int_equal(seg(&t, B, F_ | A_, 2001, 101, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_CLOSE_WAIT, NG_TCP_FIN_WAIT_1);
	assert_int_equal(seg(&t, A, A_, 101, 2002, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_CLOSE_WAIT, NG_TCP_FIN_WAIT_2);

	ng_tcp_track_init(&t);
	seg(&t, A, S_, 100, 0, 0);
	seg(&t, B, S_ | A_, 2000, 101, 0);
	assert_int_equal(seg(&t, A, R_ | A_, 101, 2001, 0), NG_TRACK_OK);
	STATES(&t, NG_TCP_CLOSED, NG_TCP_CLOSED);
	assert_true(ng_tcp_track_done(&t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(textbook),
	    cmocka_unit_test(simultaneous_open),
	    cmocka_unit_test(simultaneous_close),
	    cmocka_unit_test(three_way_close),
	    cmocka_unit_test(refused),
	    cmocka_unit_test(reset_mid_transfer),
	    cmocka_unit_test(out_of_window_rst_ignored),
	    cmocka_unit_test(invalid_segments),
	    cmocka_unit_test(wraparound),
	    cmocka_unit_test(window_scaling),
	    cmocka_unit_test(missed_syn),
	    cmocka_unit_test(pickup),
	    cmocka_unit_test(port_reuse),
	    cmocka_unit_test(half_close_and_retransmissions),
	    cmocka_unit_test(handshake_aborts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
