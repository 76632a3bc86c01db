// SPDX-License-Identifier: MIT
/* Unit tests for the two-size packet pool: fallback, length-based choice, clone, leaks, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "natgate/pkt.h"

#define SMALL 2048
#define LARGE (NG_PKT_HEADROOM + 14 + 65536)

static void test_create_and_sizes(void **state)
{
	struct ng_pktpool *pool = ng_pktpool_create2(4, SMALL, 2, LARGE);

	(void)state;
	assert_non_null(pool);
	assert_int_equal(ng_pktpool_bufsize(pool), SMALL);
	assert_int_equal(ng_pktpool_maxsize(pool), LARGE);
	assert_int_equal(ng_pktpool_avail_size(pool), LARGE);
	assert_int_equal(ng_pktpool_in_use(pool), 0);
	assert_int_equal(ng_pktpool_large_in_use(pool), 0);
	assert_int_equal(ng_pktpool_destroy(pool), 0);

	/* a large class no larger than the small one is refused */
	assert_null(ng_pktpool_create2(4, SMALL, 2, SMALL));
	assert_null(ng_pktpool_create2(4, SMALL, 2, 0));
	/* no large class: one size, maxsize == bufsize */
	pool = ng_pktpool_create2(4, SMALL, 0, 0);
	assert_non_null(pool);
	assert_int_equal(ng_pktpool_maxsize(pool), SMALL);
	assert_int_equal(ng_pktpool_avail_size(pool), SMALL);
	assert_int_equal(ng_pktpool_destroy(pool), 0);
}

/* ng_pkt_alloc hands small buffers first and falls back to large ones only when none is left. */
static void test_small_first_then_fallback(void **state)
{
	struct ng_pktpool *pool = ng_pktpool_create2(2, SMALL, 1, LARGE);
	struct ng_pkt *a, *b, *c;

	(void)state;
	a = ng_pkt_alloc(pool);
	b = ng_pkt_alloc(pool);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->cap, SMALL);
	assert_int_equal(b->cap, SMALL);
	assert_int_equal(ng_pktpool_large_in_use(pool), 0);
	c = ng_pkt_alloc(pool); /* small list empty: the large one */
	assert_non_null(c);
	assert_int_equal(c->cap, LARGE);
	assert_int_equal(c->off, NG_PKT_HEADROOM);
	assert_int_equal(c->len, 0);
	assert_int_equal(ng_pktpool_large_in_use(pool), 1);
	assert_int_equal(ng_pktpool_in_use(pool), 3);
	assert_int_equal(ng_pktpool_avail_size(pool), SMALL);
	assert_int_equal(ng_pktpool_exhausted(pool), 0);
	assert_null(ng_pkt_alloc(pool)); /* all gone: counted */
	assert_int_equal(ng_pktpool_exhausted(pool), 1);
	/* a freed large buffer goes back to the large list, a small one to the small list */
	ng_pkt_free(c);
	assert_int_equal(ng_pktpool_large_in_use(pool), 0);
	assert_int_equal(ng_pktpool_avail_size(pool), LARGE);
	ng_pkt_free(a);
	a = ng_pkt_alloc(pool);
	assert_int_equal(a->cap, SMALL);
	assert_int_equal(ng_pktpool_large_in_use(pool), 0);
	ng_pkt_free(a);
	ng_pkt_free(b);
	assert_int_equal(ng_pktpool_destroy(pool), 0);
}

/* ng_pkt_alloc_len: small when headroom + need fits one, else large; never a small one for a
 * big need; NULL (counted) when no fitting buffer is free or none could ever fit. */
static void test_alloc_len_choice(void **state)
{
	struct ng_pktpool *pool = ng_pktpool_create2(2, SMALL, 1, LARGE);
	struct ng_pkt *a, *b, *c;

	(void)state;
	a = ng_pkt_alloc_len(pool, SMALL - NG_PKT_HEADROOM); /* exactly fits a small one */
	assert_non_null(a);
	assert_int_equal(a->cap, SMALL);
	assert_int_equal(ng_pkt_tailroom(a), SMALL - NG_PKT_HEADROOM);
	b = ng_pkt_alloc_len(pool, SMALL - NG_PKT_HEADROOM + 1); /* one byte more: large */
	assert_non_null(b);
	assert_int_equal(b->cap, LARGE);
	assert_non_null(ng_pkt_put(b, 65536 + 14)); /* a whole 64 KiB datagram and its frame */
	assert_int_equal(ng_pktpool_large_in_use(pool), 1);
	/* the large class is empty: a big request fails (counted) although a small one is free */
	assert_null(ng_pkt_alloc_len(pool, 9000));
	assert_int_equal(ng_pktpool_exhausted(pool), 1);
	assert_int_equal(ng_pktpool_in_use(pool), 2);
	/* bigger than any buffer: fails even with the large one free */
	ng_pkt_free(b);
	assert_null(ng_pkt_alloc_len(pool, LARGE - NG_PKT_HEADROOM + 1));
	assert_int_equal(ng_pktpool_exhausted(pool), 2);
	assert_int_equal(ng_pktpool_large_in_use(pool), 0);
	/* a small need with the small list empty falls back to the large one */
	c = ng_pkt_alloc_len(pool, 100);
	assert_non_null(c);
	assert_int_equal(c->cap, SMALL);
	b = ng_pkt_alloc_len(pool, 100);
	assert_non_null(b);
	assert_int_equal(b->cap, LARGE);
	ng_pkt_free(a);
	ng_pkt_free(b);
	ng_pkt_free(c);
	assert_int_equal(ng_pktpool_destroy(pool), 0);

	/* single-size pool: alloc_len is alloc while it fits, else NULL */
	pool = ng_pktpool_create(2, SMALL);
	a = ng_pkt_alloc_len(pool, 1000);
	assert_non_null(a);
	assert_null(ng_pkt_alloc_len(pool, SMALL));
	assert_int_equal(ng_pktpool_exhausted(pool), 1);
	ng_pkt_free(a);
	assert_int_equal(ng_pktpool_destroy(pool), 0);
}

/* A clone takes a buffer big enough for its source's bytes: small for a small frame even when
 * the source is large, large for a big one, NULL (counted) when no such buffer is free. */
static void test_clone_class(void **state)
{
	struct ng_pktpool *pool = ng_pktpool_create2(2, SMALL, 2, LARGE);
	struct ng_pkt *big, *c1, *c2, *small, *c3;
	uint8_t *d;

	(void)state;
	big = ng_pkt_alloc_len(pool, 40000);
	assert_int_equal(big->cap, LARGE);
	d = ng_pkt_put(big, 40000);
	for (uint32_t i = 0; i < 40000; i++)
		d[i] = (uint8_t)(i * 7);
	big->gso_size = 1448;
	c1 = ng_pkt_clone(big);
	assert_non_null(c1);
	assert_int_equal(c1->cap, LARGE);
	assert_int_equal(c1->len, 40000);
	assert_int_equal(c1->gso_size, 1448);
	assert_memory_equal(ng_pkt_data(c1), d, 40000);
	assert_int_equal(ng_pktpool_large_in_use(pool), 2);
	/* no large one left: the clone of a big packet fails, counted, and takes nothing */
	c2 = ng_pkt_clone(big);
	assert_null(c2);
	assert_int_equal(ng_pktpool_exhausted(pool), 1);
	assert_int_equal(ng_pktpool_in_use(pool), 2);
	/* a short frame in a large buffer clones into a small one */
	ng_pkt_trim(c1, 500);
	c3 = ng_pkt_clone(c1);
	assert_non_null(c3);
	assert_int_equal(c3->cap, SMALL);
	assert_int_equal(c3->len, 500);
	assert_memory_equal(ng_pkt_data(c3), d, 500);
	small = ng_pkt_alloc(pool); /* the last small one */
	assert_int_equal(small->cap, SMALL);
	ng_pkt_free(big);
	/* small list empty: a short clone falls back to the large class */
	c2 = ng_pkt_clone(c3);
	assert_non_null(c2);
	assert_int_equal(c2->cap, LARGE);
	assert_memory_equal(ng_pkt_data(c2), d, 500);
	ng_pkt_free(c1);
	ng_pkt_free(c2);
	ng_pkt_free(c3);
	ng_pkt_free(small);
	assert_int_equal(ng_pktpool_in_use(pool), 0);
	assert_int_equal(ng_pktpool_destroy(pool), 0);
}

/* The leak count at teardown covers both classes. */
static void test_leak_both_classes(void **state)
{
	struct ng_pktpool *pool = ng_pktpool_create2(3, SMALL, 2, LARGE);
	struct ng_pkt *s, *l;

	(void)state;
	s = ng_pkt_alloc(pool);
	l = ng_pkt_alloc_len(pool, 30000);
	assert_int_equal(s->cap, SMALL);
	assert_int_equal(l->cap, LARGE);
	assert_int_equal(ng_pktpool_destroy(pool), 2);

	pool = ng_pktpool_create2(3, SMALL, 2, LARGE);
	l = ng_pkt_alloc_len(pool, 30000);
	assert_non_null(l);
	assert_int_equal(ng_pktpool_destroy(pool), 1); /* a large one alone is a leak too */
}

/* Exhaustion of the whole pool is counted on every refused call, of every kind. */
static void test_exhaustion_counted(void **state)
{
	struct ng_pktpool *pool = ng_pktpool_create2(1, SMALL, 1, LARGE);
	struct ng_pkt *a, *b;

	(void)state;
	a = ng_pkt_alloc(pool);
	b = ng_pkt_alloc(pool);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(ng_pktpool_avail_size(pool), SMALL);
	assert_null(ng_pkt_alloc(pool));
	assert_null(ng_pkt_alloc_len(pool, 10));
	assert_null(ng_pkt_alloc_len(pool, 20000));
	assert_null(ng_pkt_clone(a));
	assert_int_equal(ng_pktpool_exhausted(pool), 4);
	assert_int_equal(ng_pktpool_in_use(pool), 2);
	ng_pkt_free(b);
	ng_pkt_free(a);
	assert_int_equal(ng_pktpool_destroy(pool), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_and_sizes),
	    cmocka_unit_test(test_small_first_then_fallback),
	    cmocka_unit_test(test_alloc_len_choice),
	    cmocka_unit_test(test_clone_class),
	    cmocka_unit_test(test_leak_both_classes),
	    cmocka_unit_test(test_exhaustion_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
