// SPDX-License-Identifier: MIT
/* With SACK, the connection's loss-recovery state (in_recovery, RFC 6582 "recover") and the
 * scoreboard's copy (board.in_recovery, RecoveryPoint) move together: both start on the third
 * duplicate ACK (RFC 6675 5), stay through a partial ACK, end on the ACK that reaches
 * RecoveryPoint, and end at a retransmission timeout, where "recover" becomes SND.MAX
 * (RFC 6582 4.1 / RFC 6675 5.1) and the scoreboard is forgotten. tcp_internal.h explains why the
 * two copies are kept. */
#include "tcp_harness.h"

#define A   NG_TCP_ACK
#define S   NG_TCP_SYN
#define MSS 1460

static void same_state(const struct ng_tcp_sock *c)
{
	assert_int_equal(c->in_recovery, c->board.in_recovery);
	if (c->in_recovery)
		assert_int_equal(c->recover, c->board.recovery_pt);
}

static void drain(struct th *t)
{
	struct th_seg s;
	while (th_pop(t, &s))
		;
}

/* natgate as server (ISN 2000), the peer (ISN 100) offering MSS 1460 and SACK; ten full
 * segments sent. */
static struct ng_tcp_sock *setup(struct th *t, uint64_t seed, struct ng_tcp_sock **l)
{
	static uint8_t d[10 * MSS];
	struct ng_tcp_opts o = {0};
	struct th_seg s;
	struct ng_tcp_sock *c;

	th_init(t, seed);
	o.mss_ok = true;
	o.mss = MSS;
	o.sack_permitted = true;
	c = th_server(t, l, NULL, 65535, &o);
	assert_true(c->sack_ok);
	memset(d, 'r', sizeof(d));
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), (long)sizeof(d));
	for (unsigned k = 0; k < 10; k++) {
		assert_true(th_pop(t, &s));
		assert_int_equal(s.h.seq, 2001 + k * MSS);
		assert_int_equal(s.len, MSS);
	}
	th_expect_none(t);
	assert_int_equal(c->snd_max, 2001 + 10 * MSS);
	return c;
}

/* The peer lost segment 0 and SACKs 1, 1-2, 1-3: recovery from the third duplicate. */
static void enter_recovery(struct th *t, struct ng_tcp_sock *c)
{
	for (unsigned k = 1; k <= 3; k++) {
		struct ng_tcp_opts o = {0};
		same_state(c);
		assert_false(c->in_recovery);
		o.sack_n = 1;
		o.sack[0].left = 2001 + MSS;
		o.sack[0].right = 2001 + (k + 1) * MSS;
		th_send_opt(t, TH_PPORT, TH_SPORT, 101, 2001, A, 65535, NULL, 0, &o, 0);
	}
	assert_true(c->in_recovery);
	same_state(c);
	assert_int_equal(c->recover, 2001 + 10 * MSS);
	drain(t);
}

static void test_recovery_ends_on_full_ack(void **state)
{
	struct th t;
	struct ng_tcp_sock *l, *c;
	(void)state;

	c = setup(&t, 701, &l);
	enter_recovery(&t, c);
	/* partial ACK: segments 0-3 arrived, the rest not yet */
	th_send(&t, TH_PPORT, TH_SPORT, 101, 2001 + 4 * MSS, A, 65535, NULL, 0);
	assert_true(c->in_recovery);
	same_state(c);
	drain(&t);
	/* the ACK reaching RecoveryPoint ends both */
	th_send(&t, TH_PPORT, TH_SPORT, 101, 2001 + 10 * MSS, A, 65535, NULL, 0);
	assert_false(c->in_recovery);
	assert_false(c->board.in_recovery);
	assert_int_equal(c->snd_una, c->snd_max);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	drain(&t);
	th_fini(&t);
}

static void test_recovery_ends_at_timeout(void **state)
{
	struct th t;
	struct ng_tcp_sock *l, *c;
	uint32_t max;
	(void)state;

	c = setup(&t, 702, &l);
	enter_recovery(&t, c);
	max = c->snd_max;
	/* nothing more from the peer: the retransmission timer ends recovery */
	th_advance(&t, 1500 * NG_NS_PER_MS);
	assert_true(c->retransmits >= 2);
	assert_false(c->in_recovery);
	assert_false(c->board.in_recovery);
	assert_int_equal(c->recover, max);
	assert_int_equal(c->dupacks, 0);
	same_state(c);
	ng_tcp_abort(c);
	ng_tcp_close(l);
	drain(&t);
	th_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_recovery_ends_on_full_ack),
	    cmocka_unit_test(test_recovery_ends_at_timeout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
