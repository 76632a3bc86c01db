// SPDX-License-Identifier: MIT
/* Unit tests for timestamps (RFC 7323): the clock and its offset, the TS.Recent update rule,
 * PAWS with wraparound and the 24-day exception, and RTT samples from TSecr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tcp/tcp_ts.h"

#define MS  1000000ull
#define SEC 1000000000ull
#define DAY (86400 * SEC)

static struct tcp_ts ready(uint32_t recent, uint64_t at)
{
	struct tcp_ts ts;
	tcp_ts_init(&ts, 0);
	ts.ok = true;
	tcp_ts_take_syn(&ts, recent, at);
	return ts;
}

/* Millisecond ticks from a per-connection offset; the offset differs by tuple and key. */
static void test_clock(void **state)
{
	struct tcp_ts ts;
	uint8_t k1[16] = {1}, k2[16] = {2};
	(void)state;

	tcp_ts_init(&ts, 0xfffffff0u);
	assert_int_equal(tcp_ts_now(&ts, 0), 0xfffffff0u);
	assert_int_equal(tcp_ts_now(&ts, 15 * MS + 999999), 0xffffffffu);
	assert_int_equal(tcp_ts_now(&ts, 16 * MS), 0); /* wraps */
	assert_int_equal(tcp_ts_now(&ts, 1000 * SEC), 0xfffffff0u + 1000000u);
	uint32_t a = tcp_ts_offset(k1, 1, 2, 3, 4);
	assert_int_equal(a, tcp_ts_offset(k1, 1, 2, 3, 4));
	assert_int_not_equal(a, tcp_ts_offset(k1, 1, 2, 3, 5));
	assert_int_not_equal(a, tcp_ts_offset(k1, 1, 3, 3, 4));
	assert_int_not_equal(a, tcp_ts_offset(k2, 1, 2, 3, 4));
}

/* RFC 7323 5.3 R1: an older TSval is rejected, unless RST; equal or newer passes; the
 * comparison is modulo 2^32. Without negotiation nothing is checked. */
static void test_paws(void **state)
{
	struct tcp_ts ts = ready(1000, 0);
	(void)state;

	assert_int_equal(tcp_paws_check(&ts, true, 999, false, SEC), TCP_PAWS_REJECT);
	assert_int_equal(tcp_paws_check(&ts, true, 1000, false, SEC), TCP_PAWS_OK);
	assert_int_equal(tcp_paws_check(&ts, true, 1001, false, SEC), TCP_PAWS_OK);
	assert_int_equal(tcp_paws_check(&ts, true, 999, true, SEC), TCP_PAWS_OK);
	assert_int_equal(tcp_paws_check(&ts, false, 0, false, SEC), TCP_PAWS_MISSING);
	assert_int_equal(tcp_paws_check(&ts, false, 0, true, SEC), TCP_PAWS_OK);
	/* wraparound: TS.Recent near 2^32, a TSval just past zero is newer */
	ts = ready(0xfffffff0u, 0);
	assert_int_equal(tcp_paws_check(&ts, true, 5, false, SEC), TCP_PAWS_OK);
	assert_int_equal(tcp_paws_check(&ts, true, 0xffffffefu, false, SEC), TCP_PAWS_REJECT);
	/* half the space ahead counts as behind */
	assert_int_equal(tcp_paws_check(&ts, true, 0xfffffff0u + 0x80000001u, false, SEC),
	                 TCP_PAWS_REJECT);
	/* not negotiated: never */
	ts.ok = false;
	assert_int_equal(tcp_paws_check(&ts, true, 1, false, SEC), TCP_PAWS_OK);
	assert_int_equal(tcp_paws_check(&ts, false, 0, false, SEC), TCP_PAWS_OK);
}

/* RFC 7323 5.5: after 24 days without an update TS.Recent is invalid: the segment is taken
 * and its TSval becomes TS.Recent even though it compares older. */
static void test_paws_idle(void **state)
{
	uint64_t t0 = 3 * DAY;
	struct tcp_ts ts = ready(0x70000000u, t0);
	(void)state;

	assert_int_equal(tcp_paws_check(&ts, true, 5, false, t0 + 24 * DAY),
	                 TCP_PAWS_REJECT); /* exactly 24 days: still valid */
	enum tcp_paws v = tcp_paws_check(&ts, true, 5, false, t0 + 24 * DAY + 1);
	assert_int_equal(v, TCP_PAWS_STALE);
	tcp_ts_update(&ts, v, 5, 100, 100, t0 + 24 * DAY + 1);
	assert_int_equal(ts.recent, 5);
	assert_true(ts.recent_ns == t0 + 24 * DAY + 1);
	/* fresh again: older values are rejected */
	assert_int_equal(tcp_paws_check(&ts, true, 4, false, t0 + 25 * DAY), TCP_PAWS_REJECT);
}

/* RFC 7323 4.3: TS.Recent moves only for a segment starting at or before Last.ACK.sent with a
 * TSval not older; so with delayed ACKs the echo is that of the earliest segment covered. */
static void test_recent_update(void **state)
{
	struct tcp_ts ts = ready(100, 0);
	uint32_t last_ack = 0xfffffc00u; /* the sequence numbers wrap below */
	(void)state;

	/* segment 1 at Last.ACK.sent, TSval 110: taken */
	tcp_ts_update(&ts, TCP_PAWS_OK, 110, last_ack, last_ack, 1 * MS);
	assert_int_equal(ts.recent, 110);
	/* segment 2 follows (beyond Last.ACK.sent, our ACK delayed): not taken */
	tcp_ts_update(&ts, TCP_PAWS_OK, 111, last_ack + 1000, last_ack, 2 * MS);
	assert_int_equal(ts.recent, 110);
	/* the ACK for both goes out (Last.ACK.sent = last_ack + 2000, past 2^32); the next
	 * in-order segment is taken */
	last_ack += 2000;
	tcp_ts_update(&ts, TCP_PAWS_OK, 112, last_ack, last_ack, 3 * MS);
	assert_int_equal(ts.recent, 112);
	assert_true(ts.recent_ns == 3 * MS);
	/* out of order (a gap before it): not taken; the segment filling the gap is */
	tcp_ts_update(&ts, TCP_PAWS_OK, 120, last_ack + 3000, last_ack, 4 * MS);
	assert_int_equal(ts.recent, 112);
	tcp_ts_update(&ts, TCP_PAWS_OK, 121, last_ack, last_ack, 5 * MS);
	assert_int_equal(ts.recent, 121);
	/* an old retransmission (below Last.ACK.sent) with an older TSval: not taken */
	tcp_ts_update(&ts, TCP_PAWS_OK, 119, last_ack - 500, last_ack, 6 * MS);
	assert_int_equal(ts.recent, 121);
	/* a rejected or stampless segment never updates */
	tcp_ts_update(&ts, TCP_PAWS_REJECT, 500, last_ack, last_ack, 7 * MS);
	tcp_ts_update(&ts, TCP_PAWS_MISSING, 500, last_ack, last_ack, 7 * MS);
	assert_int_equal(ts.recent, 121);
	/* an equal TSval refreshes the age */
	tcp_ts_update(&ts, TCP_PAWS_OK, 121, last_ack, last_ack, 8 * MS);
	assert_true(ts.recent_ns == 8 * MS);
}

/* RTT = our clock now minus the echoed TSval, in ticks. */
static void test_rtt(void **state)
{
	struct tcp_ts ts;
	uint64_t rtt = 0;
	(void)state;

	tcp_ts_init(&ts, 0xffffff00u);
	ts.ok = true;
	uint32_t sent = tcp_ts_now(&ts, 10 * SEC);
	assert_true(tcp_ts_rtt(&ts, sent, 10 * SEC + 42 * MS + 300000, &rtt));
	assert_true(rtt == 42 * MS);
	/* across the wrap of the TS clock */
	sent = tcp_ts_now(&ts, 255 * MS);
	assert_true(tcp_ts_rtt(&ts, sent, 300 * MS, &rtt));
	assert_true(rtt == 45 * MS);
	/* an echo from the future, or from long ago, is no sample */
	assert_false(tcp_ts_rtt(&ts, tcp_ts_now(&ts, 11 * SEC), 10 * SEC, &rtt));
	assert_false(tcp_ts_rtt(&ts, tcp_ts_now(&ts, 0), 601 * SEC, &rtt));
	assert_true(tcp_ts_rtt(&ts, tcp_ts_now(&ts, 0), 600 * SEC, &rtt));
	ts.ok = false;
	assert_false(tcp_ts_rtt(&ts, sent, 300 * MS, &rtt));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clock),     cmocka_unit_test(test_paws),
	    cmocka_unit_test(test_paws_idle), cmocka_unit_test(test_recent_update),
	    cmocka_unit_test(test_rtt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
