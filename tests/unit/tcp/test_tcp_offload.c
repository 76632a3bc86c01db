// SPDX-License-Identifier: MIT
/*
 * Transmit offloads in the TCP sender, frame by frame on a recording link that advertises them:
 * checksum offload (NG_PKT_F_CSUM_PARTIAL with the folded pseudo-header sum in the checksum
 * field, for data, ACKs and RSTs), TSO super-segments (gso_size = MSS, whole MSS multiples within
 * cwnd and the peer's window, Nagle applied to the short tail, FIN/PSH on the last, MSS-sized
 * retransmissions) and the plain frames a link without offloads gets.
 */
#include "tcp_harness.h"

#define MSS_TS 1448 /* 1460 less the timestamp option */

/* Peer options: a timestamp (RFC 7323: every segment carries one once negotiated). */
static struct ng_tcp_opts ts_opt(uint32_t tsval, uint32_t tsecr)
{
	struct ng_tcp_opts o;

	memset(&o, 0, sizeof(o));
	o.ts_ok = true;
	o.tsval = tsval;
	o.tsecr = tsecr;
	return o;
}

/* natgate as server (ISN 2000) on a link with offloads OFFL, against a peer (ISN 100, MSS 1460,
 * timestamps, window 65535 unscaled). *ECR: natgate's SYN+ACK TSval. */
static struct ng_tcp_sock *server(struct th *t, uint32_t offl, const struct ng_tcp_sockopts *so,
                                  struct ng_tcp_sock **l, uint32_t *ecr)
{
	struct ng_tcp_opts o = ts_opt(1000, 0);
	struct th_frame *s = malloc(sizeof(*s));

	assert_non_null(s);
	t->h.link->tx_offload = offl;
	o.mss_ok = true;
	o.mss = 1460;
	ng_tcp_test_set_isn(t->st, true, 2000);
	assert_int_equal(ng_tcp_listen(t->st, 0, TH_SPORT, 4, th_accept, t, so, l), 0);
	th_send_opt(t, TH_PPORT, TH_SPORT, 100, 0, NG_TCP_SYN, 65535, NULL, 0, &o, 0);
	assert_true(th_pop_frame(t, s));
	assert_int_equal(s->h.flags, NG_TCP_SYN | NG_TCP_ACK);
	assert_int_equal(s->gso_size, 0);
	assert_int_equal(!!(s->flags & NG_PKT_F_CSUM_PARTIAL), !!(offl & NG_LINK_TX_CSUM));
	*ecr = s->h.opt.tsval;
	o = ts_opt(1001, *ecr);
	th_send_opt(t, TH_PPORT, TH_SPORT, 101, 2001, NG_TCP_ACK, 65535, NULL, 0, &o, 0);
	assert_non_null(t->accepted);
	assert_false(th_pop_frame(t, s));
	free(s);
	return t->accepted;
}

/* The peer acknowledges up to ACK (timestamps echoing ECR). */
static void peer_ack(struct th *t, uint32_t ack, uint32_t ecr)
{
	struct ng_tcp_opts o = ts_opt(1002, ecr);

	th_send_opt(t, TH_PPORT, TH_SPORT, 101, ack, NG_TCP_ACK, 65535, NULL, 0, &o, 0);
}

/* Checksum offload alone: data, the pure ACK and the RST leave with a partial checksum (the
 * folded pseudo-header sum; th_pop_frame checks the value and that finishing it gives a valid
 * segment), never as super-segments; the payload is intact. */
static void test_csum_partial(void **state)
{
	struct th_frame *s = malloc(sizeof(*s));
	struct ng_tcp_sock *c, *l;
	uint8_t d[3000];
	uint32_t ecr;
	struct th t;
	(void)state;

	assert_non_null(s);
	ng_test_fill(d, sizeof(d), 7);
	th_init(&t, 1);
	c = server(&t, NG_LINK_TX_CSUM, NULL, &l, &ecr);
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), (long)sizeof(d));
	/* two full segments and, Nagle waiting for their ACK, not the 104-byte tail */
	for (uint32_t i = 0; i < 2; i++) {
		assert_true(th_pop_frame(&t, s));
		assert_int_equal(s->h.seq, 2001 + i * MSS_TS);
		assert_int_equal(s->len, MSS_TS);
		assert_int_equal(s->gso_size, 0);
		assert_true(s->flags & NG_PKT_F_CSUM_PARTIAL);
		assert_memory_equal(s->data, d + i * MSS_TS, MSS_TS);
	}
	assert_false(th_pop_frame(&t, s));
	peer_ack(&t, 2001 + 2 * MSS_TS, ecr);
	assert_true(th_pop_frame(&t, s));
	assert_int_equal(s->h.flags, NG_TCP_ACK | NG_TCP_PSH);
	assert_int_equal(s->len, sizeof(d) - 2 * MSS_TS);
	assert_memory_equal(s->data, d + 2 * MSS_TS, s->len);
	assert_true(s->flags & NG_PKT_F_CSUM_PARTIAL);
	/* data from the peer draws a pure ACK (partial too) */
	{
		struct ng_tcp_opts o = ts_opt(1003, ecr);
		th_send_opt(&t, TH_PPORT, TH_SPORT, 101, 2001 + sizeof(d), NG_TCP_ACK | NG_TCP_PSH,
		            65535, "hello", 5, &o, 0);
		th_advance(&t, 500 * NG_NS_PER_MS);
		assert_true(th_pop_frame(&t, s));
		assert_int_equal(s->h.flags, NG_TCP_ACK);
		assert_int_equal(s->h.ack, 106);
		assert_int_equal(s->len, 0);
		assert_true(s->flags & NG_PKT_F_CSUM_PARTIAL);
	}
	ng_tcp_abort(c);
	assert_true(th_pop_frame(&t, s));
	assert_true(s->h.flags & NG_TCP_RST);
	assert_true(s->flags & NG_PKT_F_CSUM_PARTIAL);
	ng_tcp_close(l);
	free(s);
	th_fini(&t);
}

/* TSO: what cwnd allows goes as one super-segment of whole MSS (gso_size = MSS) with the
 * pseudo-header sum over its whole length; after the ACK, slow start's larger window goes the
 * same way, and the end of the data (PSH) rides on the last one. Every byte arrives in order. A
 * link without offloads gets the same bytes as plain, fully checksummed MSS segments. */
static void test_tso_flight(void **state)
{
	static uint8_t d[100000];
	struct th_frame *s = malloc(sizeof(*s));
	uint32_t offl[2] = {NG_LINK_TX_CSUM | NG_LINK_TX_TSO4, 0};
	(void)state;

	assert_non_null(s);
	ng_test_fill(d, sizeof(d), 11);
	for (unsigned k = 0; k < 2; k++) {
		struct ng_tcp_sock *c, *l;
		struct ng_tcp_info info;
		uint32_t ecr, got = 0, frames = 0, supers = 0, rounds = 0;
		struct th t;

		th_init(&t, 2 + k);
		c = server(&t, offl[k], NULL, &l, &ecr);
		ng_tcp_get_info(c, &info);
		assert_int_equal(info.mss, MSS_TS);
		assert_int_equal(ng_tcp_send(c, d, sizeof(d)), (long)sizeof(d));
		for (; rounds < 40 && got < sizeof(d); rounds++) {
			uint32_t flight = 0, n = 0, want;
			ng_tcp_get_info(c, &info);
			/* what cwnd, the peer's window (65535) and the data left allow; Nagle holds
			 * a short tail back while whole segments are in flight */
			want = NG_MIN(NG_MIN(info.cwnd, 65535u), (uint32_t)sizeof(d) - got);
			if (want >= MSS_TS)
				want -= want % MSS_TS;
			while (th_pop_frame(&t, s)) {
				n++;
				bool last = got + s->len == sizeof(d);
				frames++;
				assert_int_equal(s->h.seq, 2001 + got);
				assert_memory_equal(s->data, d + got, s->len);
				assert_int_equal(!!(s->h.flags & NG_TCP_PSH), last);
				if (!k) {
					assert_true(s->flags & NG_PKT_F_CSUM_PARTIAL);
					if (s->len > MSS_TS) {
						supers++;
						assert_int_equal(s->gso_size, MSS_TS);
						assert_true(s->ip.tot_len > 1500);
					}
					/* whole segments but for the very end */
					if (!last)
						assert_int_equal(s->len % MSS_TS, 0);
				} else {
					assert_int_equal(s->flags, 0);
					assert_int_equal(s->gso_size, 0);
					assert_true(s->len <= MSS_TS);
				}
				got += s->len;
				flight += s->len;
			}
			/* with TSO one frame (45 MSS fit one), without one frame per MSS */
			assert_int_equal(flight, want);
			assert_int_equal(n, k ? (flight + MSS_TS - 1) / MSS_TS : 1);
			peer_ack(&t, 2001 + got, ecr);
		}
		assert_int_equal(got, sizeof(d));
		if (!k)
			assert_true(supers >= 2 && frames == rounds);
		else
			assert_int_equal(frames, (sizeof(d) + MSS_TS - 1) / MSS_TS);
		ng_tcp_abort(c);
		while (th_pop_frame(&t, s))
			;
		ng_tcp_close(l);
		th_fini(&t);
	}
	free(s);
}

/* Nagle over a super-segment: 3.5 MSS queued with nothing in flight go as 3 MSS (gso) and the
 * half segment waits for their ACK, as it would have behind three separate segments; with the
 * write side shut the tail and the FIN go on the super-segment itself. A timeout retransmits
 * one MSS, not the super-segment. */
static void test_tso_nagle_fin_rto(void **state)
{
	struct th_frame *s = malloc(sizeof(*s));
	struct ng_tcp_sock *c, *l;
	uint8_t d[7 * MSS_TS / 2];
	uint32_t ecr;
	struct th t;
	(void)state;

	assert_non_null(s);
	ng_test_fill(d, sizeof(d), 5);
	th_init(&t, 4);
	c = server(&t, NG_LINK_TX_CSUM | NG_LINK_TX_TSO4, NULL, &l, &ecr);
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), (long)sizeof(d));
	assert_true(th_pop_frame(&t, s));
	assert_int_equal(s->h.flags, NG_TCP_ACK);
	assert_int_equal(s->h.seq, 2001);
	assert_int_equal(s->len, 3 * MSS_TS);
	assert_int_equal(s->gso_size, MSS_TS);
	assert_false(th_pop_frame(&t, s));
	peer_ack(&t, 2001 + 3 * MSS_TS, ecr);
	assert_true(th_pop_frame(&t, s));
	assert_int_equal(s->h.flags, NG_TCP_ACK | NG_TCP_PSH);
	assert_int_equal(s->len, MSS_TS / 2);
	assert_int_equal(s->gso_size, 0);
	peer_ack(&t, 2001 + sizeof(d), ecr);

	/* 3.5 MSS more and shut: one super-segment carrying the tail, PSH and FIN */
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), (long)sizeof(d));
	assert_true(th_pop_frame(&t, s)); /* Nagle: 3 MSS went before the shutdown */
	assert_int_equal(s->len, 3 * MSS_TS);
	assert_int_equal(ng_tcp_shutdown(c), 0);
	assert_true(th_pop_frame(&t, s));
	assert_int_equal(s->h.flags, NG_TCP_ACK | NG_TCP_PSH | NG_TCP_FIN);
	assert_int_equal(s->h.seq, 2001 + sizeof(d) + 3 * MSS_TS);
	assert_int_equal(s->len, MSS_TS / 2);
	assert_false(th_pop_frame(&t, s));

	/* nothing acknowledged: the timeout resends the first MSS alone (a tail loss probe
	 * before it resends the last segment); no retransmission is a super-segment */
	{
		bool first = false;
		th_advance(&t, 3000 * NG_NS_PER_MS);
		while (th_pop_frame(&t, s)) {
			assert_int_equal(s->gso_size, 0);
			assert_true(s->len <= MSS_TS);
			if (s->h.seq == 2001 + sizeof(d)) {
				assert_int_equal(s->len, MSS_TS);
				assert_memory_equal(s->data, d, MSS_TS);
				first = true;
			}
		}
		assert_true(first);
	}
	ng_tcp_abort(c);
	while (th_pop_frame(&t, s))
		;
	ng_tcp_close(l);
	free(s);
	th_fini(&t);
}

/* With FIN and all data queued before anything goes, a whole-MSS-plus-tail burst is one
 * super-segment: len 3.5 MSS, gso_size MSS, FIN and PSH on it (the link puts them on the last
 * segment it cuts). */
static void test_tso_fin_whole(void **state)
{
	struct th_frame *s = malloc(sizeof(*s));
	struct ng_tcp_sockopts so;
	struct ng_tcp_sock *c, *l;
	uint8_t d[7 * MSS_TS / 2];
	uint32_t ecr;
	struct th t;
	(void)state;

	assert_non_null(s);
	memset(&so, 0, sizeof(so));
	so.nodelay = true;
	ng_test_fill(d, sizeof(d), 9);
	th_init(&t, 5);
	c = server(&t, NG_LINK_TX_CSUM | NG_LINK_TX_TSO4, &so, &l, &ecr);
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), (long)sizeof(d));
	assert_true(th_pop_frame(&t, s));
	/* no Nagle: the tail goes with the whole segments */
	assert_int_equal(s->h.flags, NG_TCP_ACK | NG_TCP_PSH);
	assert_int_equal(s->len, sizeof(d));
	assert_int_equal(s->gso_size, MSS_TS);
	assert_memory_equal(s->data, d, sizeof(d));
	assert_false(th_pop_frame(&t, s));
	ng_tcp_abort(c);
	while (th_pop_frame(&t, s))
		;
	ng_tcp_close(l);
	free(s);
	th_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csum_partial),
	    cmocka_unit_test(test_tso_flight),
	    cmocka_unit_test(test_tso_nagle_fin_rto),
	    cmocka_unit_test(test_tso_fin_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
