// SPDX-License-Identifier: MIT
/* Unit tests for the packet pool: allocation, exhaustion, leak count, push/pull/put/trim, clone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core_internal.h"
#include "natgate/pkt.h"

static void test_alloc_free_counts(void **state)
{
	struct ng_pktpool *pool = ng_pktpool_create(3, 512);
	struct ng_pkt *a, *b, *c;

	assert_non_null(pool);
	assert_int_equal(ng_pktpool_bufsize(pool), 512);
	assert_int_equal(ng_pktpool_in_use(pool), 0);
	a = ng_pkt_alloc(pool);
	b = ng_pkt_alloc(pool);
	c = ng_pkt_alloc(pool);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(a != b && b != c && a != c);
	assert_true(a->head != b->head);
	assert_int_equal(ng_pktpool_in_use(pool), 3);
	assert_int_equal(a->off, NG_PKT_HEADROOM);
	assert_int_equal(a->len, 0);
	assert_int_equal(a->cap, 512);
	assert_ptr_equal(a->pool, pool);
	assert_null(a->next);
	assert_null(a->ifc);

	/* Exhaustion: NULL and counted, not fatal. */
	assert_null(ng_pkt_alloc(pool));
	assert_null(ng_pkt_alloc(pool));
	assert_int_equal(ng_pktpool_exhausted(pool), 2);

	ng_pkt_free(b);
	assert_int_equal(ng_pktpool_in_use(pool), 2);
	b = ng_pkt_alloc(pool);
	assert_non_null(b);
	ng_pkt_free(NULL); /* ignored */

	/* Destroy reports what is still out. */
	ng_pkt_free(a);
	assert_int_equal(ng_pktpool_destroy(pool), 2);
}

static void test_alloc_resets_fields(void **state)
{
	struct ng_pktpool *pool = ng_pktpool_create(1, 512);
	struct ng_pkt *p = ng_pkt_alloc(pool);

	p->l3 = 77;
	p->ts = 5;
	p->ifc = (struct ng_iface *)p;
	p->next = p;
	ng_pkt_put(p, 100);
	ng_pkt_push(p, 10);
	ng_pkt_free(p);
	p = ng_pkt_alloc(pool);
	assert_int_equal(p->off, NG_PKT_HEADROOM);
	assert_int_equal(p->len, 0);
	assert_int_equal(p->l3, 0);
	assert_int_equal(p->ts, 0);
	assert_null(p->ifc);
	assert_null(p->next);
	ng_pkt_free(p);
	assert_int_equal(ng_pktpool_destroy(pool), 0);
}

static void test_push_pull_put_trim(void **state)
{
	struct ng_pktpool *pool = ng_pktpool_create(1, 256);
	struct ng_pkt *p = ng_pkt_alloc(pool);
	uint8_t *d;

	assert_int_equal(ng_pkt_headroom(p), NG_PKT_HEADROOM);
	assert_int_equal(ng_pkt_tailroom(p), 256 - NG_PKT_HEADROOM);

	d = ng_pkt_put(p, 10);
	assert_ptr_equal(d, p->head + NG_PKT_HEADROOM);
	memset(d, 0xaa, 10);
	assert_int_equal(p->len, 10);
	/* Tailroom short: NULL, unchanged. */
	assert_null(ng_pkt_put(p, 256 - NG_PKT_HEADROOM - 10 + 1));
	assert_int_equal(p->len, 10);
	d = ng_pkt_put(p, 256 - NG_PKT_HEADROOM - 10);
	assert_non_null(d);
	assert_int_equal(ng_pkt_tailroom(p), 0);
	ng_pkt_trim(p, 10);
	assert_int_equal(p->len, 10);
	ng_pkt_trim(p, 50); /* longer: no-op */
	assert_int_equal(p->len, 10);

	d = ng_pkt_push(p, 14);
	assert_ptr_equal(d, p->head + NG_PKT_HEADROOM - 14);
	assert_ptr_equal(d, ng_pkt_data(p));
	assert_int_equal(p->len, 24);
	assert_null(ng_pkt_push(p, NG_PKT_HEADROOM - 14 + 1));
	assert_int_equal(p->len, 24);
	assert_int_equal(p->off, NG_PKT_HEADROOM - 14);
	d = ng_pkt_push(p, NG_PKT_HEADROOM - 14);
	assert_ptr_equal(d, p->head);
	assert_int_equal(ng_pkt_headroom(p), 0);

	d = ng_pkt_pull(p, NG_PKT_HEADROOM);
	assert_ptr_equal(d, p->head + NG_PKT_HEADROOM);
	assert_int_equal(p->len, 10);
	assert_int_equal(d[0], 0xaa);
	assert_null(ng_pkt_pull(p, 11));
	assert_int_equal(p->len, 10);
	d = ng_pkt_pull(p, 10);
	assert_non_null(d);
	assert_int_equal(p->len, 0);
	ng_pkt_free(p);
	assert_int_equal(ng_pktpool_destroy(pool), 0);
}

static void test_clone(void **state)
{
	struct ng_pktpool *pool = ng_pktpool_create(3, 512);
	struct ng_pkt *p = ng_pkt_alloc(pool), *c, *x;
	uint8_t *d = ng_pkt_put(p, 60);

	for (int i = 0; i < 60; i++)
		d[i] = (uint8_t)i;
	p->l3 = p->off + 14;
	ng_pkt_pull(p, 14); /* the Ethernet header stays before the data */
	p->ts = 1234;
	p->ifc = (struct ng_iface *)pool;
	c = ng_pkt_clone(p);
	assert_non_null(c);
	assert_true(c->head != p->head);
	assert_int_equal(c->off, p->off);
	assert_int_equal(c->len, 46);
	assert_int_equal(c->l3, p->l3);
	assert_int_equal(c->ts, 1234);
	assert_ptr_equal(c->ifc, p->ifc);
	assert_memory_equal(c->head + NG_PKT_HEADROOM, p->head + NG_PKT_HEADROOM, 60);
	/* Independent copies. */
	ng_pkt_data(c)[0] = 0xff;
	assert_int_equal(ng_pkt_data(p)[0], 14);
	x = ng_pkt_alloc(pool);
	assert_null(ng_pkt_clone(p)); /* pool empty */
	assert_int_equal(ng_pktpool_exhausted(pool), 1);
	ng_pkt_free(x);
	ng_pkt_free(c);
	ng_pkt_free(p);
	assert_int_equal(ng_pktpool_destroy(pool), 0);
}

static void test_free_chain(void **state)
{
	struct ng_pktpool *pool = ng_pktpool_create(4, 256);
	struct ng_pkt *a = ng_pkt_alloc(pool), *b = ng_pkt_alloc(pool), *c = ng_pkt_alloc(pool);

	a->next = b;
	b->next = c;
	assert_int_equal(ng_pktpool_in_use(pool), 3);
	ng_pkt_free_chain(a);
	assert_int_equal(ng_pktpool_in_use(pool), 0);
	ng_pkt_free_chain(NULL);
	/* All four can be taken again. */
	for (int i = 0; i < 4; i++)
		assert_non_null(ng_pkt_alloc(pool));
	assert_int_equal(ng_pktpool_destroy(pool), 4);
}

static void test_bad_create(void **state)
{
	assert_null(ng_pktpool_create(0, 512));
	assert_null(ng_pktpool_create(4, 0));
	assert_int_equal(ng_pktpool_destroy(NULL), 0);
}

static void test_default_size_pool(void **state)
{
	struct ng_pktpool *pool = ng_pktpool_create(8, NG_PKT_DEFAULT_SIZE);
	struct ng_pkt *p = ng_pkt_alloc(pool);

	/* The largest IPv4 datagram plus Ethernet header fits after the headroom. */
	assert_non_null(ng_pkt_put(p, 14 + 65535));
	ng_pkt_free(p);
	assert_int_equal(ng_pktpool_destroy(pool), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alloc_free_counts),  cmocka_unit_test(test_alloc_resets_fields),
	    cmocka_unit_test(test_push_pull_put_trim), cmocka_unit_test(test_clone),
	    cmocka_unit_test(test_free_chain),         cmocka_unit_test(test_bad_create),
	    cmocka_unit_test(test_default_size_pool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
