// SPDX-License-Identifier: MIT
/* Unit tests for the buddy allocator: rounding, splitting, exhaustion, merging back to one
 * block, alignment, and a random model run checking that no two live blocks overlap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/core_internal.h"

#define ARENA (1u << 20) /* 1 MiB */
#define MINB  4096u

static void test_rounding_and_exhaustion(void **state)
{
	struct ng_buddy *b = ng_buddy_create(ARENA - 1000, 3000); /* rounded: 1 MiB, 4 KiB */
	void *p[256];
	(void)state;

	assert_non_null(b);
	assert_int_equal(ng_buddy_capacity(b), ARENA);
	assert_int_equal(ng_buddy_block_size(b, 1), MINB);
	assert_int_equal(ng_buddy_block_size(b, 4097), 8192);
	assert_int_equal(ng_buddy_block_size(b, ARENA), ARENA);
	assert_int_equal(ng_buddy_block_size(b, ARENA + 1), 0);
	assert_null(ng_buddy_alloc(b, ARENA + 1));
	/* 256 smallest blocks fill it; the next request fails; all distinct and aligned */
	for (unsigned i = 0; i < 256; i++) {
		p[i] = ng_buddy_alloc(b, MINB);
		assert_non_null(p[i]);
		assert_int_equal(((uintptr_t)p[i] - (uintptr_t)p[0]) % MINB, 0);
	}
	assert_null(ng_buddy_alloc(b, 1));
	assert_int_equal(ng_buddy_used(b), ARENA);
	for (unsigned i = 0; i < 256; i++)
		memset(p[i], (int)i, MINB); /* every block is writable in full */
	/* freed in any order, the buddies merge back into the whole arena */
	for (unsigned i = 0; i < 256; i += 2)
		ng_buddy_free(b, p[i]);
	assert_null(ng_buddy_alloc(b, 2 * MINB)); /* only single free blocks so far */
	for (unsigned i = 1; i < 256; i += 2)
		ng_buddy_free(b, p[i]);
	assert_int_equal(ng_buddy_used(b), 0);
	p[0] = ng_buddy_alloc(b, ARENA);
	assert_non_null(p[0]);
	ng_buddy_free(b, p[0]);
	ng_buddy_free(b, NULL);
	ng_buddy_destroy(b);
}

static void test_split_sizes(void **state)
{
	struct ng_buddy *b = ng_buddy_create(ARENA, MINB);
	void *big, *small, *mid;
	(void)state;

	small = ng_buddy_alloc(b, 1);
	big = ng_buddy_alloc(b, ARENA / 2);
	mid = ng_buddy_alloc(b, ARENA / 4);
	assert_non_null(small);
	assert_non_null(big);
	assert_non_null(mid);
	/* the big block is the upper half, aligned to its size */
	assert_int_equal(((uintptr_t)big - (uintptr_t)small) % (ARENA / 2), 0);
	assert_int_equal(ng_buddy_used(b), MINB + ARENA / 2 + ARENA / 4);
	assert_null(ng_buddy_alloc(b, ARENA / 4)); /* the rest is split by SMALL */
	assert_non_null(ng_buddy_alloc(b, ARENA / 8));
	ng_buddy_destroy(b);
}

/* Random allocations and frees against a list of live blocks: none overlaps another or
 * leaves the arena, the byte count is exact, and everything merges back at the end. */
static void test_model(void **state)
{
	struct ng_buddy *b = ng_buddy_create(ARENA, MINB);
	struct {
		uint8_t *p;
		size_t size;
	} live[512];
	unsigned n = 0;
	size_t used = 0;
	struct ng_rng r;
	(void)state;

	ng_rng_seed(&r, 7);
	for (unsigned step = 0; step < 20000; step++) {
		if (n && (n == 512 || ng_rng_below(&r, 2))) {
			unsigned k = ng_rng_below(&r, n);
			ng_buddy_free(b, live[k].p);
			used -= live[k].size;
			live[k] = live[--n];
		} else {
			size_t want = 1 + ng_rng_below(&r, ARENA / 16);
			uint8_t *p = ng_buddy_alloc(b, want);
			if (!p)
				continue;
			live[n].p = p;
			live[n].size = ng_buddy_block_size(b, want);
			used += live[n].size;
			n++;
		}
		assert_int_equal(ng_buddy_used(b), used);
	}
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++)
			assert_true(live[i].p + live[i].size <= live[j].p ||
			            live[j].p + live[j].size <= live[i].p);
	while (n)
		ng_buddy_free(b, live[--n].p);
	assert_int_equal(ng_buddy_used(b), 0);
	assert_non_null(ng_buddy_alloc(b, ARENA));
	ng_buddy_destroy(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rounding_and_exhaustion),
	    cmocka_unit_test(test_split_sizes),
	    cmocka_unit_test(test_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
