/* SPDX-License-Identifier: MIT */
/* Test helpers: a recording link for driving one stack frame by frame, and a pair of stacks on
 * the simulated wire with a virtual clock. */
#ifndef NG_TESTUTIL_H
#define NG_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "natgate/stack.h"
#include "natgate/link.h"

/* ---- recording link: frames the stack sends are queued for the test to inspect ---- */
struct ng_link *ng_test_link_create(uint32_t mtu, const uint8_t mac[6]);
/* Next frame the stack transmitted (oldest first), or NULL; the caller frees it. */
struct ng_pkt *ng_test_link_pop(struct ng_link *l);
/* Frames waiting in the transmit queue. */
size_t ng_test_link_pending(const struct ng_link *l);
/* Queue a frame for the stack to receive on its next ng_stack_pump (copied from DATA). */
void ng_test_link_inject(struct ng_link *l, struct ng_pktpool *pool, const void *data, size_t len);

/* ---- one stack on a recording link ---- */
struct ng_test_host {
	struct ng_stack *st;
	struct ng_link *link;
	struct ng_iface *ifc;
};
/* Stack with address ADDR/PREFIX on a recording link of MTU (0 = 1500), seeded with SEED. */
void ng_test_host_create(struct ng_test_host *h, uint32_t addr, uint8_t prefix, uint32_t mtu,
                         uint64_t seed);
/* Destroys the stack and the link; fails the test if packets leaked. */
void ng_test_host_destroy(struct ng_test_host *h);

/* ---- two stacks joined by the simulated wire ---- */
struct ng_test_pair {
	struct ng_stack *a, *b;
	struct ng_link *la, *lb;
	struct ng_iface *ia, *ib;
	uint64_t now;
};
/* A = 10.0.0.1/24, B = 10.0.0.2/24 on a wire configured by W (NULL: perfect wire). */
void ng_test_pair_create(struct ng_test_pair *tp, const struct ng_sim_config *w, uint64_t seed);
/* The second half of ng_test_pair_create, for a test that puts its own link in front of a wire
 * end: the two stacks and their interfaces on TP->la and TP->lb (already set). */
void ng_test_pair_start(struct ng_test_pair *tp, uint64_t seed);
/* Advance the virtual clock, delivering frames and firing timers, until COND(CTX) holds or
 * MAX_NS of virtual time passed. Returns COND's last value. COND may be NULL (run MAX_NS). */
bool ng_test_pair_run(struct ng_test_pair *tp, bool (*cond)(void *ctx), void *ctx, uint64_t max_ns);
/* Destroys both stacks and the wire; fails the test if packets leaked. */
void ng_test_pair_destroy(struct ng_test_pair *tp);

/* Fill BUF with deterministic pseudo-random bytes from SEED. */
void ng_test_fill(void *buf, size_t len, uint64_t seed);

#endif
