/* SPDX-License-Identifier: MIT */
/*
 * CUBIC congestion control (RFC 9438): the window arithmetic as pure functions on a small state
 * block, the struct tcp_cc_ops built on them, and the registry that picks an algorithm by name.
 *
 * Arithmetic is integer and fixed point, so a run is the same on every machine and no libm is
 * needed: windows are in bytes, the CUBIC clock counts ticks of 1/1024 s (TCP_CUBIC_HZ), and
 * the constants are exact fractions (C = 2/5, beta = 7/10, (1 + beta) / 2 = 17/20,
 * alpha = 3 (1 - beta) / (1 + beta) = 9/17).
 */
#ifndef NG_TCP_CUBIC_H
#define NG_TCP_CUBIC_H

#include <stdbool.h>
#include <stdint.h>

#define TCP_CUBIC_HZ 1024 /* CUBIC clock ticks per second */

/* CUBIC's per-connection state; lives in struct ng_tcp_sock's cc_priv (48 bytes). */
struct tcp_cubic {
	uint64_t epoch_ns;   /* start of the current congestion avoidance stage */
	uint64_t est_rem;    /* remainder of the W_est increments (units of 1/(17 cwnd) bytes) */
	uint64_t grow_rem;   /* remainder of the cubic increments (units of 1/cwnd bytes) */
	uint32_t w_max;      /* bytes: the window before the last reduction (fast convergence) */
	uint32_t cwnd_epoch; /* cwnd when the stage began */
	uint32_t cwnd_prior; /* cwnd when ssthresh was last set */
	uint32_t w_est;      /* Reno-friendly estimate, bytes (RFC 9438 4.3) */
	int32_t k_ticks;     /* K in CUBIC ticks (negative if the stage began above W_max) */
	uint8_t in_epoch;    /* a congestion avoidance stage is running */
	uint8_t after_rto;   /* the stage follows a timeout: K = 0, W_max = cwnd_epoch (4.8) */
	uint8_t pad[2];
};

/* Fresh state (no congestion event seen yet). */
void tcp_cubic_reset(struct tcp_cubic *s);
/* A congestion event (RFC 9438 4.6, 4.7) with CWND and FLIGHT bytes: W_max with fast
 * convergence, cwnd_prior; returns the new ssthresh (FLIGHT * beta, at least 2 MSS). */
uint32_t tcp_cubic_loss(struct tcp_cubic *s, uint32_t cwnd, uint32_t flight, uint32_t mss);
/* A retransmission timeout (RFC 9438 4.8). FIRST: the first timeout for this data (ssthresh is
 * recomputed only then; *SSTHRESH is left alone otherwise). Returns the new cwnd: one MSS. */
uint32_t tcp_cubic_rto(struct tcp_cubic *s, bool first, uint32_t cwnd, uint32_t flight,
                       uint32_t mss, uint32_t *ssthresh);
/* The congestion avoidance increase for ACKED new bytes at NOW_NS with smoothed RTT SRTT_NS
 * (RFC 9438 4.2-4.5). Starts a stage if none runs. Returns the new cwnd (never below CWND). */
uint32_t tcp_cubic_cong_avoid(struct tcp_cubic *s, uint32_t cwnd, uint32_t acked, uint32_t mss,
                              uint64_t srtt_ns, uint64_t now_ns);
/* End the stage (a reduction happened; the next congestion avoidance ACK starts a new one). */
void tcp_cubic_end_epoch(struct tcp_cubic *s);
/* W_cubic(t) in bytes for T_NS after the stage began (RFC 9438 eq. 1), clamped to
 * [0, 2^31). */
uint32_t tcp_cubic_window(const struct tcp_cubic *s, uint64_t t_ns, uint32_t mss);
/* K in CUBIC ticks for a stage from CWND_EPOCH to W_MAX (RFC 9438 eq. 2), signed. */
int32_t tcp_cubic_k(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss);
/* floor(cbrt(X)) for any 64-bit X. */
uint32_t tcp_icbrt64(uint64_t x);

/* ---- the registry (in tcp_cubic.c, beside the algorithm it adds) ---- */
struct tcp_cc_ops;
extern const struct tcp_cc_ops tcp_cc_cubic;
/* The algorithm called NAME ("newreno", "reno", "cubic"), NULL if unknown. */
const struct tcp_cc_ops *tcp_cc_find(const char *name);
/* The algorithm new connections get when their options name none. */
const struct tcp_cc_ops *tcp_cc_default(void);

#endif
