// SPDX-License-Identifier: MIT
/* UDP and IPv4 fragmentation/reassembly between two stacks over a faulty simulated wire: what
 * arrives is byte-exact, nothing leaks, and on a clean wire everything arrives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "natgate/udp.h"

#define ROUNDS 60

struct rx {
	unsigned n, bad;
	uint64_t seen[ROUNDS + 1];
};

/* Each datagram starts with its 4-byte index; the rest is ng_test_fill(index). */
static void on_rx(struct ng_udp_sock *s, void *ctx, uint32_t src, uint16_t sport,
                  const uint8_t *data, size_t len)
{
	static uint8_t want[65507];
	struct rx *r = ctx;
	uint32_t idx;
	(void)s;
	(void)src;
	(void)sport;
	if (len < 4) {
		r->bad++;
		return;
	}
	idx = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
	if (idx >= ROUNDS) {
		r->bad++;
		return;
	}
	ng_test_fill(want, len - 4, idx);
	if (memcmp(want, data + 4, len - 4) != 0)
		r->bad++;
	else if (!r->seen[idx]++)
		r->n++;
}

static size_t size_of(uint32_t idx, uint64_t seed)
{
	uint64_t x = (idx + 1) * 0x9e3779b97f4a7c15ull ^ seed;
	x ^= x >> 29;
	switch (x % 4) {
	case 0:
		return 4 + x % 200;
	case 1:
		return 1400 + x % 200;
	case 2:
		return 4 + x % 20000;
	default:
		return 65507 - x % 3;
	}
}

/* Send ROUNDS datagrams A -> B, paced, over wire W; returns how many B received intact. */
static unsigned run(const struct ng_sim_config *w, uint64_t seed)
{
	static uint8_t buf[65507];
	struct ng_test_pair tp;
	struct ng_udp_sock *sa, *sb;
	struct rx *r = calloc(1, sizeof(*r));
	unsigned got;

	assert_non_null(r);
	ng_test_pair_create(&tp, w, seed);
	assert_int_equal(ng_udp_open(tp.a, 0, 0, NULL, NULL, NULL, &sa), 0);
	assert_int_equal(ng_udp_open(tp.b, 0, 9000, on_rx, NULL, r, &sb), 0);
	for (uint32_t i = 0; i < ROUNDS; i++) {
		size_t len = size_of(i, seed);
		buf[0] = (uint8_t)(i >> 24);
		buf[1] = (uint8_t)(i >> 16);
		buf[2] = (uint8_t)(i >> 8);
		buf[3] = (uint8_t)i;
		ng_test_fill(buf + 4, len - 4, i);
		/* ENOBUFS while ARP is unresolved or the pool is busy is a loss like any other. */
		int rc = ng_udp_sendto(sa, NG_IP4(10, 0, 0, 2), 9000, buf, len);
		assert_true(rc == 0 || rc == -NG_ENOBUFS);
		ng_test_pair_run(&tp, NULL, NULL, 50 * NG_NS_PER_MS);
	}
	ng_test_pair_run(&tp, NULL, NULL, 2 * NG_NS_PER_SEC);
	assert_int_equal(r->bad, 0);
	got = r->n;
	ng_udp_close(sa);
	ng_udp_close(sb);
	/* Incomplete datagrams still in reassembly are freed by the stack: no leak. */
	ng_test_pair_destroy(&tp);
	free(r);
	return got;
}

static void test_clean_wire(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++)
		assert_int_equal(run(NULL, seed), ROUNDS);
}

static void test_faulty_wire(void **state)
{
	struct ng_sim_config w;
	(void)state;

	for (uint64_t seed = 1; seed <= 8; seed++) {
		unsigned got;
		ng_sim_config_default(&w);
		w.seed = seed;
		w.loss = 0.003;
		w.dup = 0.01;
		w.reorder = 0.02;
		w.corrupt = 0.002;
		w.delay_ns = 2 * NG_NS_PER_MS;
		w.jitter_ns = NG_NS_PER_MS;
		printf("seed %llu:",
		       (unsigned long long)seed); /* printed first: a failure replays */
		fflush(stdout);
		got = run(&w, seed);
		printf(" %u/%u datagrams intact\n", got, ROUNDS);
		/* Big datagrams die with any one fragment; the small ones nearly all arrive. */
		assert_true(got >= ROUNDS / 3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clean_wire),
	    cmocka_unit_test(test_faulty_wire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
