// SPDX-License-Identifier: MIT
/* The send path's two measures, one helper each (tcp_internal.h): the bytes of the send ring
 * not yet sent from a sequence number on (tcp_unsent) and the room the peer's window leaves
 * (tcp_wnd_room); both modulo 2^32. And the sender they drive: window-limited output whose
 * sequence numbers wrap. */
#include "tcp_harness.h"

#define A NG_TCP_ACK
#define S NG_TCP_SYN
#define P NG_TCP_PSH

static void test_helpers_wrap(void **state)
{
	struct ng_tcp_sock c;
	(void)state;

	memset(&c, 0, sizeof(c));
	c.sbuf_seq = 0xffffff00u;
	c.sb.len = 0x200; /* the ring ends at 0x100, past the wrap */
	assert_int_equal(tcp_unsent(&c, 0xffffff00u), 0x200);
	assert_int_equal(tcp_unsent(&c, 0xffffff80u), 0x180);
	assert_int_equal(tcp_unsent(&c, 0), 0x100);
	assert_int_equal(tcp_unsent(&c, 0xff), 1);
	assert_int_equal(tcp_unsent(&c, 0x100), 0);
	assert_int_equal(tcp_unsent(&c, 0x105), 0); /* FIN sent: past the end */
	c.sb.len = 0;
	assert_int_equal(tcp_unsent(&c, 0xffffff00u), 0);

	c.snd_una = 0xfffffff0u;
	c.snd_wnd = 0x100; /* right edge 0xf0 */
	assert_int_equal(tcp_wnd_room(&c, 0xfffffff0u), 0x100);
	assert_int_equal(tcp_wnd_room(&c, 0x50), 0xa0);
	assert_int_equal(tcp_wnd_room(&c, 0xef), 1);
	assert_int_equal(tcp_wnd_room(&c, 0xf0), 0);
	assert_int_equal(tcp_wnd_room(&c, 0x120), 0); /* the window shrank below what was sent */
	c.snd_wnd = 0;
	assert_int_equal(tcp_wnd_room(&c, 0xfffffff0u), 0);
}

/* natgate as client with ISN 0xfffffe00 against a peer offering a 2000-byte window and no MSS
 * option (536): of 5000 bytes queued, three full segments fit the window (a fourth, shorter one
 * waits: sender SWS avoidance); each ACK that opens the window lets out what fits from SND.NXT,
 * across the wrap of the sequence space; the last short segment goes once nothing is in flight. */
static void test_window_limited_wrap(void **state)
{
	struct th t;
	struct th_seg s;
	struct ng_tcp_sock *c;
	struct ng_tcp_sockopts so = {0};
	uint8_t data[5000], got[5000];
	const uint32_t iss = 0xfffffe00u;
	uint32_t seq, n = 0;
	uint16_t lp;
	(void)state;

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	th_init(&t, 501);
	ng_tcp_test_set_isn(t.st, true, iss);
	so.no_sack = true;
	so.no_timestamps = true;
	assert_int_equal(ng_tcp_connect(t.st, TH_PEER, 80, th_event, &t, &so, &c), 0);
	th_expect(&t, &s, S, iss, 0, 0);
	lp = s.h.sport;
	th_send(&t, 80, lp, 5000, iss + 1, S | A, 2000, NULL, 0);
	th_expect(&t, &s, A, iss + 1, 5001, 0);
	assert_int_equal(c->snd_mss, 536);
	assert_int_equal(ng_tcp_send(c, data, sizeof(data)), (long)sizeof(data));

	seq = iss + 1;
	for (unsigned k = 0; k < 3; k++) {
		th_expect(&t, &s, A, seq, 5001, 536);
		memcpy(got + n, s.data, s.len);
		n += s.len;
		seq += s.len;
	}
	th_expect_none(&t);
	assert_int_equal(tcp_unsent(c, c->snd_max), 5000 - 3 * 536);
	assert_int_equal(tcp_wnd_room(c, c->snd_max), 2000 - 3 * 536);

	/* each ACK of everything with a 2000-byte window: three more segments, until 176 bytes are
	 * left (5000 = 9 * 536 + 176) */
	while (sizeof(data) - n >= 3 * 536) {
		th_send(&t, 80, lp, 5001, seq, A, 2000, NULL, 0);
		for (unsigned k = 0; k < 3; k++) {
			th_expect(&t, &s, A, seq, 5001, 536);
			memcpy(got + n, s.data, s.len);
			n += s.len;
			seq += s.len;
		}
		th_expect_none(&t);
	}
	assert_int_equal(n, 9 * 536);
	assert_true(seq < iss); /* wrapped */
	/* the short tail goes once nothing is in flight */
	th_send(&t, 80, lp, 5001, seq, A, 2000, NULL, 0);
	th_expect(&t, &s, A | P, seq, 5001, 176);
	memcpy(got + n, s.data, s.len);
	n += s.len;
	assert_int_equal(n, sizeof(data));
	assert_memory_equal(got, data, sizeof(data));
	assert_int_equal(tcp_unsent(c, c->snd_max), 0);
	th_done(&t, c, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_helpers_wrap),
	    cmocka_unit_test(test_window_limited_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
