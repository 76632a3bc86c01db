// SPDX-License-Identifier: MIT
/* Unit tests for CUBIC (RFC 9438): the integer arithmetic against the RFC's formulas computed
 * here independently in double precision, on a virtual clock; and the tcp_cc_ops glue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tcp/tcp_cubic.h"
#include "tcp/tcp_internal.h"

#define MSS   1000u
#define SEG   ((double)MSS)
#define MS_NS 1000000ull

/* The RFC's constants, written out independently of the implementation. */
static const double C_CUBIC = 0.4, BETA = 0.7;

/* Cube root by Newton's method (no libm), signed. */
static double dcbrt(double x)
{
	double r, a = x < 0 ? -x : x;

	if (a == 0)
		return 0;
	r = a > 1 ? a / 3 : 1;
	for (int i = 0; i < 200; i++)
		r = r - (r * r * r - a) / (3 * r * r);
	return x < 0 ? -r : r;
}

/* RFC 9438 eq. 1 in segments: W_cubic(t) = C (t - K)^3 + W_max. */
static double w_cubic(double t, double k, double w_max)
{
	double d = t - k;
	return C_CUBIC * d * d * d + w_max;
}

static double absd(double x)
{
	return x < 0 ? -x : x;
}

/* Deliver one RTT's worth of ACKs (one per MSS of cwnd, evenly spread) on the virtual clock;
 * returns the new cwnd. */
static uint32_t one_rtt(struct tcp_cubic *s, uint32_t cwnd, uint64_t rtt_ns, uint64_t *now)
{
	uint32_t n = cwnd / MSS ? cwnd / MSS : 1;
	uint64_t start = *now;

	for (uint32_t i = 0; i < n; i++)
		cwnd = tcp_cubic_cong_avoid(s, cwnd, MSS, MSS, rtt_ns, start + rtt_ns * i / n);
	*now = start + rtt_ns;
	return cwnd;
}

static void test_icbrt(void **state)
{
	(void)state;
	assert_int_equal(tcp_icbrt64(0), 0);
	assert_int_equal(tcp_icbrt64(1), 1);
	assert_int_equal(tcp_icbrt64(7), 1);
	assert_int_equal(tcp_icbrt64(8), 2);
	assert_int_equal(tcp_icbrt64(26), 2);
	assert_int_equal(tcp_icbrt64(27), 3);
	assert_int_equal(tcp_icbrt64(1000000ull * 1000000 * 1000000 - 1), 999999);
	assert_int_equal(tcp_icbrt64(1000000ull * 1000000 * 1000000), 1000000);
	assert_int_equal(tcp_icbrt64(UINT64_MAX), 2642245);
	for (uint64_t n = 2; n < 3000000; n = n * 3 + 1) {
		assert_int_equal(tcp_icbrt64(n * n * n), n);
		assert_int_equal(tcp_icbrt64(n * n * n - 1), n - 1);
	}
}

/* K = cbrt(W_max (1 - beta) / C) after a reduction to beta W_max (RFC 9438 eq. 2). */
static void test_k(void **state)
{
	(void)state;
	/* W_max 100 segments: K = cbrt(75) = 4.2172 s */
	double want = dcbrt(100 * (1 - BETA) / C_CUBIC);
	int32_t k = tcp_cubic_k(100 * MSS, 70 * MSS, MSS);
	assert_true(absd(k / 1024.0 - want) < 2.0 / 1024);
	assert_true(absd(want - 4.2172) < 0.001);
	/* W_max 1000 segments of 1448 bytes: K = cbrt(750) = 9.0856 s */
	want = dcbrt(1000 * (1 - BETA) / C_CUBIC);
	k = tcp_cubic_k(1000 * 1448, 700 * 1448, 1448);
	assert_true(absd(k / 1024.0 - want) < 2.0 / 1024);
	/* equal windows: K = 0; a stage that begins above W_max has a negative K */
	assert_int_equal(tcp_cubic_k(5000, 5000, MSS), 0);
	k = tcp_cubic_k(70 * MSS, 100 * MSS, MSS);
	assert_true(absd(k / 1024.0 + want / dcbrt(10)) < 2.0 / 1024); /* -cbrt(75) */
	/* a huge window does not overflow */
	k = tcp_cubic_k(0x7fffffff, 0, 64);
	want = dcbrt((double)0x7fffffff / 64 / C_CUBIC);
	assert_true(absd(k / 1024.0 - want) < 2.0 / 1024);
}

/* W_cubic(t) of the implementation against eq. 1 (segments), concave and convex. */
static void test_window_formula(void **state)
{
	struct tcp_cubic s;
	(void)state;

	tcp_cubic_reset(&s);
	s.w_max = 100 * MSS;
	s.k_ticks = tcp_cubic_k(100 * MSS, 70 * MSS, MSS);
	double k = s.k_ticks / 1024.0;
	for (uint64_t ms = 0; ms <= 12000; ms += 250) {
		double want = w_cubic(ms / 1000.0, k, 100) * SEG;
		double got = tcp_cubic_window(&s, ms * MS_NS, MSS);
		/* within one tick of time and a byte of rounding */
		double slope = 3 * C_CUBIC * (ms / 1000.0 - k) * (ms / 1000.0 - k) * SEG / 1024;
		assert_true(absd(got - want) <= slope + 2);
	}
	/* at t = 0 the curve starts at beta W_max, at t = K it is W_max */
	assert_true(absd(tcp_cubic_window(&s, 0, MSS) - 70.0 * MSS) < 0.2 * MSS);
	assert_true(absd(tcp_cubic_window(&s, (uint64_t)(k * 1e9), MSS) - 100.0 * MSS) < 2);
}

/* The whole loop on a virtual clock: a loss at 1000 segments, then one ACK per segment with a
 * 100 ms RTT. cwnd(t) follows W_cubic(t) (RFC 9438 4.2: each ACK moves cwnd toward
 * W_cubic(t + RTT), so cwnd arrives at a point on the curve about one RTT after aiming at it):
 * concave up to W_max at t = K = 9.09 s, flat there, convex after. (With these numbers the
 * Reno estimate, 0.53 segments per RTT from 700, stays far below the curve.) */
static void test_growth_follows_curve(void **state)
{
	struct tcp_cubic s;
	uint64_t now = 5 * 1000 * MS_NS, t0, rtt = 100 * MS_NS;
	uint32_t cwnd = 1000 * MSS, ss, prev, inc_prev = UINT32_MAX;
	double k = dcbrt(1000 * (1 - BETA) / C_CUBIC), worst = 0;
	(void)state;

	tcp_cubic_reset(&s);
	ss = tcp_cubic_loss(&s, cwnd, cwnd, MSS);
	assert_int_equal(ss, 700 * MSS);
	assert_int_equal(s.w_max, 1000 * MSS);
	cwnd = ss; /* recovery ends at ssthresh */
	t0 = now;
	for (int r = 1; r <= 150; r++) {
		prev = cwnd;
		cwnd = one_rtt(&s, cwnd, rtt, &now);
		double t = (now - t0) / 1e9;
		double want = w_cubic(t, k, 1000) * SEG;
		double err = absd(cwnd - want) / want;
		worst = err > worst ? err : worst;
		assert_true(err < 0.005);
		uint32_t inc = cwnd - prev;
		if (r > 2 && t < k - 0.5) {
			/* concave: the increase per RTT shrinks, and stays below W_max */
			assert_true(inc <= inc_prev + MSS / 10);
			assert_true(cwnd < 1000 * MSS);
		} else if (r > 2 && t > k + 1.0) {
			/* convex: the increase grows, above W_max */
			assert_true(inc + MSS / 10 >= inc_prev);
			assert_true(cwnd > 1000 * MSS);
		}
		if (absd(t - k) < 0.5) /* the plateau around W_max */
			assert_true(absd(cwnd - 1000.0 * MSS) < 1.0 * MSS);
		inc_prev = inc;
	}
	print_message("worst relative deviation from W_cubic(t): %.5f\n", worst);
	/* 15 s after the loss: 0.4 (15 - 9.0856)^3 + 1000 = 1082.7 segments */
	assert_true(absd(w_cubic(15.0, k, 1000) - 1082.73) < 0.05);
	assert_true(absd(cwnd - 1082.73 * SEG) < 0.005 * 1082.73 * SEG);
	assert_true(s.w_est < 800 * MSS);
}

/* RFC 9438 4.2: the target is capped at 1.5 cwnd per RTT, so far in the convex region the
 * window grows by at most half of itself per RTT. */
static void test_target_capped(void **state)
{
	struct tcp_cubic s;
	uint64_t now = 0;
	uint32_t cwnd;
	(void)state;

	tcp_cubic_reset(&s);
	tcp_cubic_loss(&s, 20 * MSS, 20 * MSS, MSS);
	cwnd = 14 * MSS;
	cwnd = tcp_cubic_cong_avoid(&s, cwnd, MSS, MSS, 100 * MS_NS, now);
	now = 60ull * 1000 * MS_NS; /* a minute later the curve is far above */
	for (int r = 0; r < 3; r++) {
		uint32_t before = cwnd;
		cwnd = one_rtt(&s, cwnd, 100 * MS_NS, &now);
		assert_true(cwnd <= before + before / 2 + MSS);
		assert_true(cwnd >= before + before / 2 - 2 * MSS);
	}
}

/* RFC 9438 4.7: a loss below the previous W_max lowers W_max to cwnd (1 + beta) / 2. */
static void test_fast_convergence(void **state)
{
	struct tcp_cubic s;
	(void)state;

	tcp_cubic_reset(&s);
	tcp_cubic_loss(&s, 100 * MSS, 100 * MSS, MSS);
	assert_int_equal(s.w_max, 100 * MSS);
	assert_int_equal(s.cwnd_prior, 100 * MSS);
	/* the next loss comes at 90 segments, below W_max: W_max = 90 * 0.85 = 76.5 segments */
	assert_int_equal(tcp_cubic_loss(&s, 90 * MSS, 90 * MSS, MSS), 63 * MSS);
	assert_int_equal(s.w_max, 76500);
	assert_int_equal(s.cwnd_prior, 90 * MSS);
	/* K shrinks with it: cbrt((76.5 - 63) / 0.4) = 3.232 s instead of cbrt(27/0.4) = 4.07 */
	double k = tcp_cubic_k(s.w_max, 63 * MSS, MSS) / 1024.0;
	assert_true(absd(k - dcbrt(13.5 / C_CUBIC)) < 2.0 / 1024);
	/* a loss above W_max sets W_max to cwnd */
	tcp_cubic_loss(&s, 120 * MSS, 120 * MSS, MSS);
	assert_int_equal(s.w_max, 120 * MSS);
	/* ssthresh is beta times the flight, not the window, and at least 2 MSS */
	assert_int_equal(tcp_cubic_loss(&s, 120 * MSS, 50 * MSS, MSS), 35 * MSS);
	assert_int_equal(tcp_cubic_loss(&s, 2 * MSS, 2 * MSS, MSS), 2 * MSS);
}

/* RFC 9438 4.3: with a small window and a short RTT the curve is nearly flat for many RTTs
 * and the Reno estimate takes over: W_est grows by alpha = 3 (1 - beta) / (1 + beta)
 * segments per RTT up to cwnd_prior, then by one. */
static void test_reno_friendly(void **state)
{
	struct tcp_cubic s;
	uint64_t now = 1000 * MS_NS, rtt = 1 * MS_NS;
	uint32_t cwnd;
	double alpha = 3 * (1 - BETA) / (1 + BETA), west = 7;
	(void)state;

	tcp_cubic_reset(&s);
	cwnd = tcp_cubic_loss(&s, 10 * MSS, 10 * MSS, MSS);
	assert_int_equal(cwnd, 7 * MSS);
	for (int r = 1; r <= 100; r++) {
		cwnd = one_rtt(&s, cwnd, rtt, &now);
		/* the independent Reno model: alpha per RTT, 1 once past cwnd_prior */
		west += west >= 10 ? 1 : alpha;
		assert_true(absd(cwnd / SEG - west) < 1.0 + 0.03 * west);
	}
	/* the cubic curve alone would be at W_max + 0.4 (0.1 - 1.96)^3, below 10 segments */
	assert_true(tcp_cubic_window(&s, 100 * MS_NS, MSS) < 10 * MSS);
	assert_true(cwnd > 90 * MSS);
	assert_int_equal(s.w_est, cwnd);
}

/* With a long RTT the same window is in the cubic region: W_est stays below the curve. */
static void test_cubic_region_long_rtt(void **state)
{
	struct tcp_cubic s;
	uint64_t now = 0, t0, rtt = 200 * MS_NS;
	uint32_t cwnd;
	(void)state;

	tcp_cubic_reset(&s);
	cwnd = tcp_cubic_loss(&s, 1000 * MSS, 1000 * MSS, MSS);
	t0 = now;
	for (int r = 0; r < 20; r++)
		cwnd = one_rtt(&s, cwnd, rtt, &now);
	double k = dcbrt(1000 * (1 - BETA) / C_CUBIC);
	double want = w_cubic((now - t0) / 1e9, k, 1000) * SEG;
	assert_true(absd(cwnd - want) / want < 0.02);
	assert_true(s.w_est < cwnd);
}

/* RFC 9438 4.8: a timeout collapses cwnd to one segment and sets ssthresh from the flight
 * once; the first avoidance stage after it has K = 0 and W_max = the window at its start. */
static void test_rto(void **state)
{
	struct tcp_cubic s;
	uint32_t ss = 12345, cwnd;
	uint64_t now = 0, t0;
	(void)state;

	tcp_cubic_reset(&s);
	tcp_cubic_loss(&s, 200 * MSS, 200 * MSS, MSS);
	cwnd = tcp_cubic_rto(&s, true, 80 * MSS, 60 * MSS, MSS, &ss);
	assert_int_equal(cwnd, MSS);
	assert_int_equal(ss, 42 * MSS);
	/* a second timeout of the same data leaves ssthresh alone */
	cwnd = tcp_cubic_rto(&s, false, cwnd, 60 * MSS, MSS, &ss);
	assert_int_equal(cwnd, MSS);
	assert_int_equal(ss, 42 * MSS);
	/* slow start (the caller's) reaches ssthresh; the stage begins there */
	cwnd = ss;
	t0 = now;
	cwnd = tcp_cubic_cong_avoid(&s, cwnd, MSS, MSS, 100 * MS_NS, now);
	assert_int_equal(s.k_ticks, 0);
	assert_int_equal(s.w_max, 42 * MSS);
	assert_int_equal(s.cwnd_epoch, 42 * MSS);
	/* purely convex from there: W = 42 + 0.4 t^3 */
	for (int r = 0; r < 40; r++)
		cwnd = one_rtt(&s, cwnd, 100 * MS_NS, &now);
	double want = w_cubic((now - t0) / 1e9, 0, 42) * SEG;
	assert_true(absd(cwnd - want) / want < 0.03);
}

/* The tcp_cc_ops glue on a bare connection block, and the registry. */
static void test_ops_and_registry(void **state)
{
	static struct ng_stack st;
	static struct ng_tcp_sock c;
	(void)state;

	assert_ptr_equal(tcp_cc_find("cubic"), &tcp_cc_cubic);
	assert_ptr_equal(tcp_cc_find("newreno"), &tcp_cc_newreno);
	assert_ptr_equal(tcp_cc_find("reno"), &tcp_cc_newreno);
	assert_null(tcp_cc_find("bbr"));
	assert_null(tcp_cc_find(NULL));
	assert_ptr_equal(tcp_cc_default(), &tcp_cc_cubic);
	assert_string_equal(tcp_cc_cubic.name, "cubic");
	assert_non_null(tcp_cc_cubic.on_idle_restart);

	memset(&c, 0, sizeof(c));
	c.st = &st;
	st.now = 1000 * MS_NS;
	c.snd_mss = 1460;
	c.cc = &tcp_cc_cubic;
	c.cc->init(&c);
	assert_int_equal(c.cwnd, 14600);
	assert_true(c.ssthresh > 1u << 30);
	/* slow start: one MSS per ACK of a full segment */
	c.cc->on_ack(&c, 1460);
	assert_int_equal(c.cwnd, 14600 + 1460);
	/* a stretch ACK (a coalescing receiver) of 10 segments grows it by 10, not 1 */
	c.cc->on_ack(&c, 10 * 1460);
	assert_int_equal(c.cwnd, 14600 + 11 * 1460);
	/* never beyond ssthresh in slow start, with either algorithm */
	c.ssthresh = 14600 + 12 * 1460;
	c.cc->on_ack(&c, 10 * 1460);
	assert_int_equal(c.cwnd, c.ssthresh);
	c.cc = &tcp_cc_newreno;
	c.cc->init(&c);
	c.ssthresh = 14600 + 12 * 1460;
	c.cc->on_ack(&c, 10 * 1460);
	assert_int_equal(c.cwnd, 14600 + 10 * 1460);
	c.cc->on_ack(&c, 10 * 1460);
	assert_int_equal(c.cwnd, c.ssthresh);
	c.cc = &tcp_cc_cubic;
	c.cc->init(&c);
	/* loss with 100 segments in flight */
	c.cwnd = 146000;
	c.snd_una = 1000;
	c.snd_max = 1000 + 146000;
	assert_int_equal(c.cc->ssthresh(&c), 102200);
	c.ssthresh = 102200;
	c.snd_una = c.snd_max;
	c.cc->on_recovery_end(&c);
	assert_int_equal(c.cwnd, 1460); /* min(ssthresh, flight + MSS) with nothing in flight */
	c.cwnd = 102200;
	c.have_rtt = true;
	c.srtt_us = 50000;
	struct tcp_cubic s;
	/* application limited (5 segments in flight of 70): no growth, no stage (RFC 9438 5.8) */
	c.snd_una = c.snd_max - 4 * 1460;
	c.cc->on_ack(&c, 1460);
	assert_int_equal(c.cwnd, 102200);
	memcpy(&s, c.cc_priv, sizeof(s));
	assert_int_equal(s.in_epoch, 0);
	/* window limited: the stage begins */
	c.snd_una = c.snd_max - 102200 + 1460;
	c.cc->on_ack(&c, 1460);
	memcpy(&s, c.cc_priv, sizeof(s));
	assert_int_equal(s.in_epoch, 1);
	assert_true(c.cwnd >= 102200);
	assert_int_equal(s.w_max, 146000);
	assert_int_equal(s.epoch_ns, 1000 * MS_NS);
	/* after an idle restart the window is at most IW and the stage ends */
	c.cc->on_idle_restart(&c);
	assert_int_equal(c.cwnd, 14600);
	memcpy(&s, c.cc_priv, sizeof(s));
	assert_int_equal(s.in_epoch, 0);
	/* the first timeout of a run sets ssthresh, later ones do not */
	c.cwnd = 50000;
	c.snd_una = 0;
	c.snd_max = 40000;
	c.retries = 1;
	c.cc->on_rto(&c);
	assert_int_equal(c.cwnd, 1460);
	assert_int_equal(c.ssthresh, 28000);
	c.retries = 2;
	c.snd_max = 10000;
	c.cc->on_rto(&c);
	assert_int_equal(c.ssthresh, 28000);
	/* more unacknowledged than cwnd (SACKed data, sends beyond the recovery point): ssthresh
	 * comes from cwnd, the smaller */
	c.cwnd = 50000;
	c.snd_max = 100000;
	assert_int_equal(c.cc->ssthresh(&c), 35000);
	c.retries = 1;
	c.cc->on_rto(&c);
	assert_int_equal(c.ssthresh, 35000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_icbrt),
	    cmocka_unit_test(test_k),
	    cmocka_unit_test(test_window_formula),
	    cmocka_unit_test(test_growth_follows_curve),
	    cmocka_unit_test(test_target_capped),
	    cmocka_unit_test(test_fast_convergence),
	    cmocka_unit_test(test_reno_friendly),
	    cmocka_unit_test(test_cubic_region_long_rtt),
	    cmocka_unit_test(test_rto),
	    cmocka_unit_test(test_ops_and_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
