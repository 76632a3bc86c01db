// SPDX-License-Identifier: MIT
/*
 * CUBIC congestion control (RFC 9438) for the TCP core, behind struct tcp_cc_ops.
 *
 * Theory of operation
 * -------------------
 * After a congestion event CUBIC remembers the window it had, W_max, and grows the new window
 * along W_cubic(t) = C (t - K)^3 + W_max: fast at first, flattening as it nears W_max (the
 * concave region, t < K), then probing beyond it ever faster (the convex region, t > K). K, the
 * time to climb back to W_max, is cbrt((W_max - cwnd_epoch) / C), which is
 * cbrt(W_max (1 - beta) / C) after an ordinary reduction to beta W_max. Each ACK moves cwnd a
 * fraction of the way to target = W_cubic(t + RTT), clamped to [cwnd, 1.5 cwnd] (4.2).
 *
 * Beside the curve runs W_est, the window Reno (AIMD with alpha = 9/17, beta = 0.7) would have
 * now (4.3). When W_cubic(t) is below W_est (small windows, short RTTs) CUBIC follows W_est, so
 * it is never less aggressive than Reno. alpha becomes 1 once W_est passes cwnd_prior.
 *
 * Fast convergence (4.7): a loss below the previous W_max means a new flow is taking its share,
 * so W_max is lowered to cwnd (1 + beta) / 2 to give way sooner. A timeout (4.8) collapses
 * cwnd to one segment and slow start runs; the first avoidance stage after it has K = 0 and
 * W_max = the window at its start. Slow start itself is Reno's (4.10; HyStart++ is not used).
 *
 * All arithmetic is integer (see tcp_cubic.h); the state is copied in and out of the
 * connection's cc_priv words so that no pointer aliases them.
 */
#include <string.h>

#include "tcp/tcp_cubic.h"
#include "tcp/tcp_internal.h"

#define CUBIC_MAX_WND 0x7fffffffu
#define CUBIC_MAX_D   (1 << 18) /* |t - K| beyond 256 s changes nothing that matters */

_Static_assert(sizeof(struct tcp_cubic) <= sizeof(((struct ng_tcp_sock *)0)->cc_priv),
               "CUBIC state must fit in cc_priv");

/* floor(cbrt(X)) by bisection; cbrt(2^64 - 1) < 2642246. */
uint32_t tcp_icbrt64(uint64_t x)
{
	uint64_t lo = 0, hi = 2642245;

	while (lo < hi) {
		uint64_t mid = (lo + hi + 1) / 2;
		if (mid * mid * mid <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	return (uint32_t)lo;
}

void tcp_cubic_reset(struct tcp_cubic *s)
{
	memset(s, 0, sizeof(*s));
}

void tcp_cubic_end_epoch(struct tcp_cubic *s)
{
	s->in_epoch = 0;
}

/* RFC 9438 eq. 2 in ticks: K = cbrt((W_max - cwnd_epoch) / (C MSS)) seconds, so
 * K * 1024 = cbrt(diff * 2^30 * 5 / (2 MSS)) = cbrt(diff * 5 * 2^29 / MSS). DIFF is clamped to
 * 2^31 so the product stays inside 64 bits. */
int32_t tcp_cubic_k(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss)
{
	bool neg = cwnd_epoch > w_max;
	uint64_t diff = neg ? cwnd_epoch - w_max : w_max - cwnd_epoch;
	int32_t k;

	if (!mss)
		return 0;
	diff = NG_MIN(diff, (uint64_t)1 << 31);
	k = (int32_t)tcp_icbrt64((diff << 29) * 5 / mss);
	return neg ? -k : k;
}

/* RFC 9438 eq. 1 in bytes: W_max + C (t - K)^3 MSS with t - K in ticks of 1/1024 s, so the
 * offset is (2/5) d^3 MSS / 2^30 bytes. |d| <= 2^18 keeps d^3 within 2^54. */
uint32_t tcp_cubic_window(const struct tcp_cubic *s, uint64_t t_ns, uint32_t mss)
{
	int64_t t, d, w;
	uint64_t ad, off;

	t_ns = NG_MIN(t_ns, (uint64_t)1 << 53);
	t = (int64_t)((t_ns << 10) / NG_NS_PER_SEC);
	d = t - s->k_ticks;
	d = NG_MAX(NG_MIN(d, (int64_t)CUBIC_MAX_D), -(int64_t)CUBIC_MAX_D);
	ad = (uint64_t)(d < 0 ? -d : d);
	off = ad * ad * ad * 2 / 5;
	off = ((off >> 10) * mss) >> 20;
	w = d < 0 ? (int64_t)s->w_max - (int64_t)off : (int64_t)s->w_max + (int64_t)off;
	if (w < 0)
		return 0;
	return (uint32_t)NG_MIN(w, (int64_t)CUBIC_MAX_WND);
}

/* RFC 9438 4.6 and 4.7. */
uint32_t tcp_cubic_loss(struct tcp_cubic *s, uint32_t cwnd, uint32_t flight, uint32_t mss)
{
	uint64_t ss = (uint64_t)flight * 7 / 10;

	s->cwnd_prior = cwnd;
	if (s->w_max && cwnd < s->w_max)
		s->w_max = (uint32_t)((uint64_t)cwnd * 17 / 20); /* fast convergence */
	else
		s->w_max = cwnd;
	s->in_epoch = 0;
	s->after_rto = 0;
	return (uint32_t)NG_MAX(ss, 2ull * mss);
}

/* RFC 9438 4.8: ssthresh as for any congestion event (once per timeout run), cwnd one
 * segment, and a fresh curve (K = 0) for the stage after slow start. */
uint32_t tcp_cubic_rto(struct tcp_cubic *s, bool first, uint32_t cwnd, uint32_t flight,
                       uint32_t mss, uint32_t *ssthresh)
{
	if (first)
		*ssthresh = tcp_cubic_loss(s, cwnd, flight, mss);
	s->in_epoch = 0;
	s->after_rto = 1;
	return mss;
}

/* A congestion avoidance stage begins (RFC 9438 4.2): t counts from now, W_est starts at
 * cwnd_epoch (4.3). */
static void start_epoch(struct tcp_cubic *s, uint32_t cwnd, uint32_t mss, uint64_t now_ns)
{
	s->in_epoch = 1;
	s->epoch_ns = now_ns;
	s->cwnd_epoch = cwnd;
	s->w_est = cwnd;
	s->est_rem = 0;
	s->grow_rem = 0;
	if (s->after_rto || !s->w_max) {
		s->w_max = cwnd;
		s->k_ticks = 0;
		s->after_rto = 0;
	} else {
		s->k_ticks = tcp_cubic_k(s->w_max, cwnd, mss);
	}
}

/* RFC 9438 4.2-4.5 for one ACK of ACKED bytes. */
uint32_t tcp_cubic_cong_avoid(struct tcp_cubic *s, uint32_t cwnd, uint32_t acked, uint32_t mss,
                              uint64_t srtt_ns, uint64_t now_ns)
{
	uint64_t t, den, target, next;
	uint32_t w_t;

	if (!cwnd || !mss)
		return cwnd;
	if (!s->in_epoch)
		start_epoch(s, cwnd, mss, now_ns);
	acked = NG_MIN(acked, cwnd);
	t = now_ns > s->epoch_ns ? now_ns - s->epoch_ns : 0;
	w_t = tcp_cubic_window(s, t, mss);
	/* 4.2: aim for where the curve is one RTT from now, but within [cwnd, 1.5 cwnd] */
	target = tcp_cubic_window(s, t + srtt_ns, mss);
	target = NG_MAX(target, (uint64_t)cwnd);
	target = NG_MIN(target, (uint64_t)cwnd + cwnd / 2);

	/* 4.3: W_est += alpha * segments_acked / cwnd (in segments), i.e. alpha * acked * MSS /
	 * cwnd bytes, alpha = 9/17 until W_est reaches cwnd_prior, then 1 */
	den = (uint64_t)cwnd * 17;
	s->est_rem += (uint64_t)acked * mss * (s->w_est >= s->cwnd_prior ? 17 : 9);
	s->w_est = (uint32_t)NG_MIN(s->w_est + s->est_rem / den, (uint64_t)CUBIC_MAX_WND);
	s->est_rem %= den;

	if (w_t < s->w_est) {
		/* 4.3: the Reno-friendly region: cwnd follows W_est */
		next = NG_MAX((uint64_t)cwnd, (uint64_t)s->w_est);
	} else {
		/* 4.4 / 4.5 concave and convex regions: (target - cwnd) / cwnd per segment
		 * acknowledged, i.e. (target - cwnd) * acked / cwnd bytes */
		s->grow_rem += (target - cwnd) * acked;
		next = cwnd + s->grow_rem / cwnd;
		s->grow_rem %= cwnd;
	}
	return (uint32_t)NG_MIN(next, (uint64_t)CUBIC_MAX_WND);
}

/* ---- struct tcp_cc_ops on the connection ---- */

static void load(const struct ng_tcp_sock *c, struct tcp_cubic *s)
{
	memcpy(s, c->cc_priv, sizeof(*s));
}

static void store(struct ng_tcp_sock *c, const struct tcp_cubic *s)
{
	memcpy(c->cc_priv, s, sizeof(*s));
}

/* The flight_size of RFC 9438 4.6, but never above cwnd: with SACK, data the receiver holds
 * (and, after a long recovery, data sent beyond the recovery point) keeps SND.MAX - SND.UNA
 * far above what the path carries, and an ssthresh from it would overshoot again. RFC 9438 4.6
 * allows cwnd instead of flight_size where cwnd cannot grow unused (cubic_on_ack sees to
 * that). */
static uint32_t flight(const struct ng_tcp_sock *c)
{
	return NG_MIN(tcp_flight(c), c->cwnd);
}

/* The initial window is Reno's (RFC 9438 4.10 leaves slow start to RFC 5681 / RFC 6928). */
static void cubic_init(struct ng_tcp_sock *c)
{
	struct tcp_cubic s;

	c->cwnd = NG_MIN(10 * c->snd_mss, NG_MAX(2 * c->snd_mss, 14600u));
	c->ssthresh = UINT32_MAX / 2;
	c->cwnd_acc = 0;
	tcp_cubic_reset(&s);
	store(c, &s);
}

/* Slow start below ssthresh (tcp_slow_start: byte counting), the curve above. RFC 9438 5.8: no
 * increase while the flow is application (or receive-window) limited, i.e. when what was in
 * flight before this ACK fell short of cwnd by more than a segment: the window would grow
 * without ever having been tested. */
static void cubic_on_ack(struct ng_tcp_sock *c, uint32_t acked)
{
	struct tcp_cubic s;

	if (c->cwnd < c->ssthresh) {
		tcp_slow_start(c, acked);
		return;
	}
	if ((uint64_t)tcp_flight(c) + acked + c->snd_mss < c->cwnd)
		return;
	load(c, &s);
	c->cwnd = tcp_cubic_cong_avoid(&s, c->cwnd, acked, c->snd_mss,
	                               c->have_rtt ? (uint64_t)c->srtt_us * 1000 : 0, c->st->now);
	store(c, &s);
}

static uint32_t cubic_ssthresh(struct ng_tcp_sock *c)
{
	struct tcp_cubic s;
	uint32_t ss;

	load(c, &s);
	ss = tcp_cubic_loss(&s, c->cwnd, flight(c), c->snd_mss);
	store(c, &s);
	return ss;
}

/* The timer has already counted this timeout in c->retries: 1 means the first of a run. */
static void cubic_on_rto(struct ng_tcp_sock *c)
{
	struct tcp_cubic s;

	load(c, &s);
	c->cwnd = tcp_cubic_rto(&s, c->retries <= 1, c->cwnd, flight(c), c->snd_mss, &c->ssthresh);
	c->cwnd_acc = 0;
	store(c, &s);
}

/* RFC 6582 3.2 step 3 as for Reno; the new avoidance stage starts with the next ACK. */
static void cubic_on_recovery_end(struct ng_tcp_sock *c)
{
	struct tcp_cubic s;

	c->cwnd = NG_MIN(c->ssthresh, tcp_flight(c) + c->snd_mss);
	c->cwnd = NG_MAX(c->cwnd, c->snd_mss);
	c->cwnd_acc = 0;
	load(c, &s);
	tcp_cubic_end_epoch(&s);
	store(c, &s);
}

/* RFC 5681 4.1 (which RFC 9438 keeps): after an idle period longer than the RTO, cwnd is at most
 * the initial window. The curve restarts with the next avoidance ACK: time spent idle must not
 * count as time on the curve (RFC 9438 5.8). */
static void cubic_on_idle_restart(struct ng_tcp_sock *c)
{
	struct tcp_cubic s;
	uint32_t iw = NG_MIN(10 * c->snd_mss, NG_MAX(2 * c->snd_mss, 14600u));

	c->cwnd = NG_MIN(c->cwnd, iw);
	load(c, &s);
	tcp_cubic_end_epoch(&s);
	store(c, &s);
}

const struct tcp_cc_ops tcp_cc_cubic = {
    .name = "cubic",
    .init = cubic_init,
    .on_ack = cubic_on_ack,
    .ssthresh = cubic_ssthresh,
    .on_rto = cubic_on_rto,
    .on_recovery_end = cubic_on_recovery_end,
    .on_idle_restart = cubic_on_idle_restart,
};

/* ---- the registry ---- */

static const struct tcp_cc_ops *const algorithms[] = {&tcp_cc_cubic, &tcp_cc_newreno};

/* The algorithm called NAME; "reno" is accepted for NewReno (the only Reno there is here). */
const struct tcp_cc_ops *tcp_cc_find(const char *name)
{
	if (!name)
		return NULL;
	if (!strcmp(name, "reno"))
		return &tcp_cc_newreno;
	for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++)
		if (!strcmp(algorithms[i]->name, name))
			return algorithms[i];
	return NULL;
}

/* CUBIC, as the issue asks (and as Linux, FreeBSD and Windows default to). */
const struct tcp_cc_ops *tcp_cc_default(void)
{
	return &tcp_cc_cubic;
}
