// SPDX-License-Identifier: MIT
/* Unit tests for the timing wheel: order, cancel, re-arm from callbacks, far timers, big jumps,
 * and an exact next deadline, plus a randomized comparison against a brute-force model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core_internal.h"

#define MS  NG_NS_PER_MS
#define SEC NG_NS_PER_SEC

struct rec {
	struct ng_timer t;
	int id;
	uint64_t fired_at;
	int fired;
	/* behaviour in the callback */
	uint64_t rearm_delta; /* re-arm self at now + delta when non-zero */
	int rearm_times;
	struct ng_timer *cancel_other;
	struct rec *arm_other;
	uint64_t arm_other_at;
};

static struct ng_timers *g_w;
static int g_order[64];
static int g_n;

static void cb(struct ng_timer *t, uint64_t now)
{
	struct rec *r = ng_container_of(t, struct rec, t);

	assert_false(ng_timer_armed(t));
	r->fired++;
	r->fired_at = now;
	if (g_n < 64)
		g_order[g_n++] = r->id;
	if (r->rearm_delta && r->rearm_times-- > 0)
		ng_timer_arm(g_w, t, now + r->rearm_delta);
	if (r->cancel_other)
		ng_timer_cancel(g_w, r->cancel_other);
	if (r->arm_other)
		ng_timer_arm(g_w, &r->arm_other->t, r->arm_other_at);
}

static int setup(void **state)
{
	g_w = ng_timers_create();
	g_n = 0;
	return g_w ? 0 : -1;
}

static int teardown(void **state)
{
	ng_timers_destroy(g_w);
	return 0;
}

static void rec_init(struct rec *r, int id)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	ng_timer_init(&r->t, cb);
}

static void test_empty(void **state)
{
	assert_true(ng_timers_next(g_w) == UINT64_MAX);
	assert_int_equal(ng_timers_count(g_w), 0);
	ng_timers_run(g_w, 10 * SEC);
	assert_true(ng_timers_next(g_w) == UINT64_MAX);
}

static void test_order_and_exact_next(void **state)
{
	struct rec r[5];
	/* Deliberately not in order, two within the same tick, one far away. */
	const uint64_t at[5] = {30 * MS + 7, 10 * MS + 500, 10 * MS + 100, 20 * SEC, 5 * MS};

	for (int i = 0; i < 5; i++) {
		rec_init(&r[i], i);
		ng_timer_arm(g_w, &r[i].t, at[i]);
		assert_true(ng_timer_armed(&r[i].t));
	}
	assert_int_equal(ng_timers_count(g_w), 5);
	assert_true(ng_timers_next(g_w) == 5 * MS);

	/* Nothing fires a nanosecond early. */
	ng_timers_run(g_w, 5 * MS - 1);
	assert_int_equal(g_n, 0);
	ng_timers_run(g_w, 5 * MS);
	assert_int_equal(g_n, 1);
	assert_int_equal(r[4].fired_at, 5 * MS);
	assert_true(ng_timers_next(g_w) == 10 * MS + 100);

	/* Same tick, different nanoseconds: only the earlier one. */
	ng_timers_run(g_w, 10 * MS + 200);
	assert_int_equal(g_n, 2);
	assert_int_equal(g_order[1], 2);
	assert_true(ng_timers_next(g_w) == 10 * MS + 500);

	ng_timers_run(g_w, 1 * SEC);
	assert_int_equal(g_n, 4);
	assert_int_equal(g_order[2], 1);
	assert_int_equal(g_order[3], 0);
	assert_true(ng_timers_next(g_w) == 20 * SEC);
	assert_int_equal(ng_timers_count(g_w), 1);

	ng_timers_run(g_w, 20 * SEC);
	assert_int_equal(g_n, 5);
	assert_int_equal(r[3].fired_at, 20 * SEC);
	assert_true(ng_timers_next(g_w) == UINT64_MAX);
	assert_int_equal(ng_timers_count(g_w), 0);
}

/* One run over a long stretch fires everything due, in expiry order, across revolutions. */
static void test_big_jump_order(void **state)
{
	static struct rec r[40];

	for (int i = 0; i < 40; i++)
		rec_init(&r[i], i);
	for (int i = 0; i < 40; i++) {
		/* ids in expiry order, but slots collide across revolutions (~4.3 s apart) */
		uint64_t when = (uint64_t)i * 1100 * MS + (i % 3) * 4294967296ull / 1000;
		ng_timer_arm(g_w, &r[(i * 7) % 40].t, when);
		r[(i * 7) % 40].id = i;
	}
	ng_timers_run(g_w, 3600 * SEC); /* an hour at once */
	assert_int_equal(g_n, 40);
	for (int i = 0; i < 40; i++)
		assert_int_equal(g_order[i], i);
	assert_int_equal(ng_timers_count(g_w), 0);
}

static void test_cancel(void **state)
{
	struct rec a, b, c;

	rec_init(&a, 1);
	rec_init(&b, 2);
	rec_init(&c, 3);
	ng_timer_arm(g_w, &a.t, 100 * MS);
	ng_timer_arm(g_w, &b.t, 200 * MS);
	ng_timer_arm(g_w, &c.t, 100 * MS); /* same slot as a */
	ng_timer_cancel(g_w, &a.t);
	assert_false(ng_timer_armed(&a.t));
	ng_timer_cancel(g_w, &a.t); /* twice is harmless */
	assert_int_equal(ng_timers_count(g_w), 2);
	assert_true(ng_timers_next(g_w) == 100 * MS);
	ng_timer_cancel(g_w, &c.t);
	/* The cached minimum was cancelled: next is recomputed exactly. */
	assert_true(ng_timers_next(g_w) == 200 * MS);
	ng_timers_run(g_w, 1 * SEC);
	assert_int_equal(a.fired + b.fired + c.fired, 1);
	assert_int_equal(b.fired, 1);
}

static void test_rearm_moves(void **state)
{
	struct rec a;

	rec_init(&a, 1);
	ng_timer_arm(g_w, &a.t, 100 * MS);
	ng_timer_arm(g_w, &a.t, 50 * SEC); /* re-arm while armed: moves it */
	assert_int_equal(ng_timers_count(g_w), 1);
	assert_true(ng_timers_next(g_w) == 50 * SEC);
	ng_timer_arm(g_w, &a.t, 3 * MS);
	assert_true(ng_timers_next(g_w) == 3 * MS);
	ng_timers_run(g_w, 49 * SEC);
	assert_int_equal(a.fired, 1);
	assert_int_equal(a.fired_at, 49 * SEC);
	assert_true(ng_timers_next(g_w) == UINT64_MAX);
}

/* A periodic timer re-arming itself from its callback. */
static void test_rearm_in_callback(void **state)
{
	struct rec a;

	rec_init(&a, 1);
	a.rearm_delta = 10 * MS;
	a.rearm_times = 1000;
	ng_timer_arm(g_w, &a.t, 10 * MS);
	for (uint64_t now = 0; now <= 1 * SEC; now += MS)
		ng_timers_run(g_w, now);
	assert_int_equal(a.fired, 100);
	assert_true(ng_timers_next(g_w) == 1010 * MS);
	/* A callback re-arming in the past fires again within the same run. */
	a.rearm_times = 0;
	ng_timer_cancel(g_w, &a.t);
	ng_timer_arm(g_w, &a.t, 2 * SEC);
	ng_timers_run(g_w, 2 * SEC);
	assert_int_equal(a.fired, 101);
	assert_false(ng_timer_armed(&a.t));
}

/* A callback that re-arms itself at NOW forever does not hang the run. */
static void rearm_now_cb(struct ng_timer *t, uint64_t now)
{
	struct rec *r = ng_container_of(t, struct rec, t);

	r->fired++;
	ng_timer_arm(g_w, t, now);
}

static void test_rearm_at_now_bounded(void **state)
{
	struct rec a;

	rec_init(&a, 1);
	a.t.fn = rearm_now_cb;
	ng_timer_arm(g_w, &a.t, 5 * MS);
	ng_timers_run(g_w, 5 * MS);
	assert_true(a.fired >= 1 && a.fired < 100000);
	/* Still due: the next deadline says "now". */
	assert_true(ng_timers_next(g_w) <= 5 * MS);
	ng_timer_cancel(g_w, &a.t);
	assert_int_equal(ng_timers_count(g_w), 0);
}

/* Callbacks cancelling and arming other timers, including ones due in the same run. */
static void test_callback_cancels_and_arms_others(void **state)
{
	struct rec a, b, c, d;

	rec_init(&a, 1);
	rec_init(&b, 2);
	rec_init(&c, 3);
	rec_init(&d, 4);
	ng_timer_arm(g_w, &a.t, 10 * MS);
	ng_timer_arm(g_w, &b.t, 20 * MS); /* due in the same run, cancelled by a */
	a.cancel_other = &b.t;
	a.arm_other = &c;
	a.arm_other_at = 15 * MS; /* armed by a, due in this run */
	c.arm_other = &d;
	c.arm_other_at = 40 * MS; /* in the future */
	ng_timers_run(g_w, 30 * MS);
	assert_int_equal(a.fired, 1);
	assert_int_equal(b.fired, 0);
	assert_int_equal(c.fired, 1);
	assert_int_equal(d.fired, 0);
	assert_int_equal(g_order[0], 1);
	assert_int_equal(g_order[1], 3);
	assert_true(ng_timers_next(g_w) == 40 * MS);
	assert_int_equal(ng_timers_count(g_w), 1);
	ng_timers_run(g_w, 40 * MS);
	assert_int_equal(d.fired, 1);
}

/* Timers armed in the past fire at the next run; next reports their (past) expiry. */
static void test_arm_in_past(void **state)
{
	struct rec a, b;

	rec_init(&a, 1);
	rec_init(&b, 2);
	ng_timers_run(g_w, 10 * SEC);
	ng_timer_arm(g_w, &a.t, 3 * SEC);
	ng_timer_arm(g_w, &b.t, 1 * SEC);
	assert_true(ng_timers_next(g_w) == 1 * SEC);
	ng_timer_cancel(g_w, &b.t);
	assert_true(ng_timers_next(g_w) == 3 * SEC);
	ng_timers_run(g_w, 10 * SEC);
	assert_int_equal(a.fired, 1);
	assert_int_equal(b.fired, 0);
	assert_int_equal(a.fired_at, 10 * SEC);
}

/* Far timers: many revolutions ahead, sharing slots with near ones. */
static void test_far_timers(void **state)
{
	struct rec near, far, farther;
	const uint64_t rev = 4096ull << 20; /* one revolution of the wheel */

	rec_init(&near, 1);
	rec_init(&far, 2);
	rec_init(&farther, 3);
	ng_timer_arm(g_w, &far.t, 100 * MS + 10 * rev);
	ng_timer_arm(g_w, &farther.t, 100 * MS + 30 * rev);
	ng_timer_arm(g_w, &near.t, 100 * MS);
	assert_true(ng_timers_next(g_w) == 100 * MS);
	/* Walk in small steps past several revolutions: far ones must not fire early. */
	for (uint64_t now = 0; now < 100 * MS + 10 * rev; now += 97 * MS)
		ng_timers_run(g_w, now);
	assert_int_equal(near.fired, 1);
	assert_int_equal(far.fired, 0);
	assert_true(ng_timers_next(g_w) == 100 * MS + 10 * rev);
	ng_timers_run(g_w, 100 * MS + 10 * rev);
	assert_int_equal(far.fired, 1);
	assert_true(ng_timers_next(g_w) == 100 * MS + 30 * rev);
	ng_timers_run(g_w, 100 * MS + 30 * rev - 1);
	assert_int_equal(farther.fired, 0);
	ng_timers_run(g_w, UINT64_MAX - 1);
	assert_int_equal(farther.fired, 1);
}

/* Several far timers sharing one coarse slot: the earliest is found after inserts, cancels and
 * runs, and time running backwards fires nothing. */
static void test_coarse_slot_minimum(void **state)
{
	struct rec a, b, c, d;

	rec_init(&a, 1);
	rec_init(&b, 2);
	rec_init(&c, 3);
	rec_init(&d, 4);
	ng_timer_arm(g_w, &a.t, 10 * SEC + 500 * MS);
	ng_timer_arm(g_w, &b.t, 10 * SEC + 100 * MS);
	assert_true(ng_timers_next(g_w) == 10 * SEC + 100 * MS);
	ng_timer_arm(g_w, &c.t, 9 * SEC);
	assert_true(ng_timers_next(g_w) == 9 * SEC);
	ng_timer_cancel(g_w, &c.t);
	assert_true(ng_timers_next(g_w) == 10 * SEC + 100 * MS);
	ng_timer_cancel(g_w, &b.t);
	assert_true(ng_timers_next(g_w) == 10 * SEC + 500 * MS);
	ng_timer_arm(g_w, &b.t, 9 * SEC + 1);
	ng_timer_arm(g_w, &d.t, 30 * 3600 * SEC); /* beyond both levels */
	assert_true(ng_timers_next(g_w) == 9 * SEC + 1);
	ng_timers_run(g_w, 9 * SEC + 1);
	assert_int_equal(b.fired, 1);
	assert_true(ng_timers_next(g_w) == 10 * SEC + 500 * MS);
	ng_timers_run(g_w, 5 * SEC); /* backwards: treated as the last time */
	assert_int_equal(g_n, 1);
	ng_timers_run(g_w, 10 * SEC + 500 * MS);
	assert_int_equal(a.fired, 1);
	assert_true(ng_timers_next(g_w) == 30 * 3600 * SEC);
	ng_timers_run(g_w, 30 * 3600 * SEC - 1);
	assert_int_equal(d.fired, 0);
	assert_true(ng_timers_next(g_w) == 30 * 3600 * SEC);
	ng_timers_run(g_w, 30 * 3600 * SEC);
	assert_int_equal(d.fired, 1);
	assert_int_equal(ng_timers_count(g_w), 0);
}

/* Randomized: the wheel agrees with a brute-force model on every next() and every firing. */
static struct rec model[200];
static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 33;
}

static void test_random_against_model(void **state)
{
	uint64_t seed = 2024, now = 0;
	int fired_total = 0;

	for (int i = 0; i < 200; i++)
		rec_init(&model[i], i);
	for (int step = 0; step < 20000; step++) {
		struct rec *r = &model[lcg(&seed) % 200];
		unsigned op = lcg(&seed) % 10;

		if (op < 5) {
			/* Mix of near (ns..ms), mid (s) and far (minutes) expiries, some in the
			 * past. */
			uint64_t d;
			switch (lcg(&seed) % 5) {
			case 0:
				d = lcg(&seed) % (5 * MS);
				break;
			case 1:
				d = lcg(&seed) % (3 * SEC);
				break;
			case 2:
				d = lcg(&seed) % (600 * SEC);
				break;
			case 3: /* past level 1 (about 4.9 h) */
				d = (lcg(&seed) << 20 ^ lcg(&seed)) % (48 * 3600 * SEC);
				break;
			default:
				d = 0;
				break;
			}
			ng_timer_arm(g_w, &r->t, now + d);
		} else if (op < 7) {
			ng_timer_cancel(g_w, &r->t);
		} else {
			unsigned kind = lcg(&seed) % 16;
			uint64_t adv = kind == 0
			                   ? (lcg(&seed) << 20 ^ lcg(&seed)) % (10 * 3600 * SEC)
			               : kind < 3 ? lcg(&seed) % (20 * SEC)
			                          : lcg(&seed) % (3 * MS);
			uint64_t target = now + adv;
			int due = 0, before = 0;
			for (int i = 0; i < 200; i++) {
				before += model[i].fired;
				if (ng_timer_armed(&model[i].t) && model[i].t.expires <= target)
					due++;
			}
			g_n = 0;
			ng_timers_run(g_w, target);
			now = target;
			int after = 0;
			for (int i = 0; i < 200; i++) {
				after += model[i].fired;
				if (ng_timer_armed(&model[i].t))
					assert_true(model[i].t.expires > now);
			}
			assert_int_equal(after - before, due);
			fired_total += due;
		}
		/* next() is exactly the model's minimum, and count matches. */
		uint64_t want = UINT64_MAX;
		size_t armed = 0;
		for (int i = 0; i < 200; i++)
			if (ng_timer_armed(&model[i].t)) {
				armed++;
				if (model[i].t.expires < want)
					want = model[i].t.expires;
			}
		assert_int_equal(ng_timers_count(g_w), armed);
		if (ng_timers_next(g_w) != want)
			fail_msg("step %d: next %llu want %llu", step,
			         (unsigned long long)ng_timers_next(g_w), (unsigned long long)want);
	}
	assert_true(fired_total > 1000);
	for (int i = 0; i < 200; i++)
		ng_timer_cancel(g_w, &model[i].t);
	assert_int_equal(ng_timers_count(g_w), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_order_and_exact_next, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_big_jump_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rearm_moves, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rearm_in_callback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rearm_at_now_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_callback_cancels_and_arms_others, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_arm_in_past, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_far_timers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_coarse_slot_minimum, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_random_against_model, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
