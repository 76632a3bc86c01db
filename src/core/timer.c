// SPDX-License-Identifier: MIT
/* Timers: a two-level hashed timing wheel with O(1) arm and cancel and an exact next deadline. */
/*
 * Theory of operation.
 *
 * Time is absolute nanoseconds; w->now is the time of the last run. Every armed timer is on
 * exactly one circular, doubly linked list with a sentinel head, so cancel is an O(1) unlink
 * that needs no idea which list it is on:
 *
 *   due    expires <= w->now, sorted by expiry: found expired by a run, or armed in the past.
 *   level 0  4096 slots of 2^20 ns ticks (about 1.05 ms; one revolution about 4.3 s). Holds
 *          the timers whose tick lies in [cur, cur + 4096), cur = tick(w->now), so each slot
 *          holds a single tick value and the first non-empty slot from cur holds the earliest.
 *   level 1  4096 slots of 2^32 ns (about 4.3 s; about 4.9 hours in all) for timers beyond
 *          level 0; their "super tick" lies in (cur1, cur1 + 4096), cur1 = super tick of now.
 *          A slot's sentinel caches the slot's earliest expiry (in its expires field, valid
 *          when its armed field is set), so a slot of many far timers is not rescanned.
 *   far    everything later still (a plain list; its minimum is cached).
 *
 * Bitmaps of non-empty slots let scans skip 64 empty slots at a time.
 *
 * ng_timers_run(now): (1) moves the expired timers of the level-0 slots for ticks cur..tick(now)
 * to a local list (at most one revolution of slots, however far time jumps); (2) sets w->now;
 * (3) cascades the level-1 slots whose super tick has been reached (again at most one
 * revolution), re-placing each timer on level 0 or the local list; (4) when the earliest far
 * timer comes within level 1's reach, re-places the far timers that fit; (5) sorts the local
 * list into the due list and fires the due list in expiry order. The work is bounded by the
 * timers moved or fired plus 2 x 64 bitmap words per level, never by the size of the jump.
 *
 * A callback may arm or cancel any timer. One armed at or before NOW lands on the due list and
 * fires in the same run, up to a budget that stops a timer re-arming itself at NOW from looping
 * forever (the rest stay due: ng_timers_next then reports a time <= now).
 *
 * ng_timers_next is exact: the head of the due list, or the least of the first non-empty
 * level-0 slot, the first non-empty level-1 slot (when level 0 has nothing earlier than its
 * start), and the far minimum. It is cached and recomputed (a few bitmap words and two slots;
 * the far list only when its own minimum left) only after the cached minimum was removed.
 */
#include <stdlib.h>

#include "core/core_internal.h"

#define T0_SHIFT    20
#define WHEEL_BITS  12
#define T1_SHIFT    (T0_SHIFT + WHEEL_BITS)
#define WHEEL_SLOTS (1u << WHEEL_BITS)
#define WHEEL_MASK  (WHEEL_SLOTS - 1)
/* Extra firings allowed in one run for timers (re)armed at or before NOW by callbacks. */
#define REFIRE_BUDGET 4096

struct ng_timers {
	struct ng_timer l0[WHEEL_SLOTS], l1[WHEEL_SLOTS]; /* sentinels */
	uint64_t used0[WHEEL_SLOTS / 64], used1[WHEEL_SLOTS / 64];
	struct ng_timer far; /* sentinel */
	struct ng_timer due; /* sentinel; sorted by expiry */
	uint64_t now;
	size_t count; /* armed timers on any list */
	/* Earliest expiry on level 0, level 1 and far; valid only when min_valid. Refreshed by the
	 * const ng_timers_next (the object itself is never const-allocated). */
	uint64_t min_cache;
	bool min_valid;
	uint64_t far_min;
	bool far_min_valid;
};

static void list_init(struct ng_timer *s)
{
	s->next = s->prev = s;
}

static bool list_empty(const struct ng_timer *s)
{
	return s->next == s;
}

static void link_before(struct ng_timer *pos, struct ng_timer *t)
{
	t->next = pos;
	t->prev = pos->prev;
	pos->prev->next = t;
	pos->prev = t;
}

static bool in_array(const struct ng_timer *p, const struct ng_timer *a)
{
	return (uintptr_t)p >= (uintptr_t)a && (uintptr_t)p < (uintptr_t)(a + WHEEL_SLOTS);
}

static void set_bit(uint64_t *map, uint32_t s)
{
	map[s / 64] |= 1ull << (s % 64);
}

/* Unlink T from whatever list holds it; a slot left empty loses its bitmap bit. */
static void unlink_raw(struct ng_timers *w, struct ng_timer *t)
{
	struct ng_timer *p = t->prev, *n = t->next;

	struct ng_timer *h1 = &w->l1[(t->expires >> T1_SHIFT) & WHEEL_MASK];

	/* If T was on level 1, its slot's cached minimum may go; a false alarm (T was elsewhere)
	 * only costs one rescan of that slot. */
	if (h1->armed && h1->expires == t->expires)
		h1->armed = false;
	p->next = n;
	n->prev = p;
	t->next = t->prev = NULL;
	if (p == n) { /* only the sentinel is left */
		if (in_array(p, w->l0)) {
			uint32_t s = (uint32_t)(p - w->l0);
			w->used0[s / 64] &= ~(1ull << (s % 64));
		} else if (in_array(p, w->l1)) {
			uint32_t s = (uint32_t)(p - w->l1);
			w->used1[s / 64] &= ~(1ull << (s % 64));
		}
	}
}

/* Put T (expires > w->now, on no list) on level 0, level 1 or the far list. */
static void place(struct ng_timers *w, struct ng_timer *t)
{
	uint64_t tick = t->expires >> T0_SHIFT, cur = w->now >> T0_SHIFT;
	uint64_t sup = t->expires >> T1_SHIFT, cur1 = w->now >> T1_SHIFT;

	if (tick - cur < WHEEL_SLOTS) {
		uint32_t s = (uint32_t)(tick & WHEEL_MASK);

		link_before(&w->l0[s], t);
		set_bit(w->used0, s);
	} else if (sup - cur1 < WHEEL_SLOTS) {
		uint32_t s = (uint32_t)(sup & WHEEL_MASK);
		struct ng_timer *head = &w->l1[s];

		if (list_empty(head)) {
			head->expires = t->expires;
			head->armed = true;
		} else if (head->armed && t->expires < head->expires) {
			head->expires = t->expires;
		}
		link_before(head, t);
		set_bit(w->used1, s);
	} else {
		link_before(&w->far, t);
		if (w->far_min_valid && t->expires < w->far_min)
			w->far_min = t->expires;
	}
}

/* Insert T into the sorted due list, after equal expiries (usually an append). */
static void due_insert(struct ng_timers *w, struct ng_timer *t)
{
	struct ng_timer *pos = w->due.prev;

	while (pos != &w->due && pos->expires > t->expires)
		pos = pos->prev;
	link_before(pos->next, t);
}

struct ng_timers *ng_timers_create(void)
{
	struct ng_timers *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	for (uint32_t i = 0; i < WHEEL_SLOTS; i++) {
		list_init(&w->l0[i]);
		list_init(&w->l1[i]);
	}
	list_init(&w->far);
	list_init(&w->due);
	w->min_cache = w->far_min = UINT64_MAX;
	w->min_valid = w->far_min_valid = true;
	return w;
}

/* Free the wheel. Timers still armed are not touched (their owners may already be gone). */
void ng_timers_destroy(struct ng_timers *w)
{
	free(w);
}

void ng_timer_init(struct ng_timer *t, ng_timer_fn fn)
{
	t->next = t->prev = NULL;
	t->expires = 0;
	t->fn = fn;
	t->armed = false;
}

/* Forget cached minima that T (about to leave the wheel) may have been. */
static void forget_min(struct ng_timers *w, const struct ng_timer *t)
{
	if (t->expires == w->min_cache)
		w->min_valid = false;
	if (t->expires == w->far_min)
		w->far_min_valid = false;
}

/* Arm (or re-arm) T to fire at WHEN, absolute ns. A time already past fires at the next run. */
void ng_timer_arm(struct ng_timers *w, struct ng_timer *t, uint64_t when)
{
	if (t->armed)
		ng_timer_cancel(w, t);
	t->expires = when;
	t->armed = true;
	w->count++;
	if (when <= w->now) {
		due_insert(w, t);
		return;
	}
	place(w, t);
	if (w->min_valid && when < w->min_cache)
		w->min_cache = when;
}

/* Disarm T; a no-op when it is not armed. */
void ng_timer_cancel(struct ng_timers *w, struct ng_timer *t)
{
	if (!t->armed)
		return;
	forget_min(w, t);
	unlink_raw(w, t);
	t->armed = false;
	w->count--;
}

/* Offset from FROM (cyclic) of the first set bit within N slots, or WHEEL_SLOTS if none. */
static uint32_t next_used(const uint64_t *map, uint32_t from, uint32_t n)
{
	uint32_t off = 0;

	while (off < n) {
		uint32_t s = (from + off) & WHEEL_MASK;
		uint64_t bits = map[s / 64] >> (s % 64);

		if (bits) {
			off += (uint32_t)__builtin_ctzll(bits);
			return off < n ? off : WHEEL_SLOTS;
		}
		off += 64 - (s % 64);
	}
	return WHEEL_SLOTS;
}

/* Merge two expiry-sorted singly linked (->next) lists; A's elements first on ties. */
static struct ng_timer *merge(struct ng_timer *a, struct ng_timer *b)
{
	struct ng_timer head = {0}, *tail = &head;

	while (a && b) {
		if (b->expires < a->expires) {
			tail->next = b;
			b = b->next;
		} else {
			tail->next = a;
			a = a->next;
		}
		tail = tail->next;
	}
	tail->next = a ? a : b;
	return head.next;
}

/* Stable bottom-up merge sort of a ->next list by expiry; no allocation. */
static struct ng_timer *sort_list(struct ng_timer *l)
{
	struct ng_timer *bins[64] = {0};
	int maxb = 0;

	while (l) {
		struct ng_timer *one = l;
		int i;

		l = l->next;
		one->next = NULL;
		for (i = 0; i < 63 && bins[i]; i++) {
			one = merge(bins[i], one);
			bins[i] = NULL;
		}
		if (bins[i])
			one = merge(bins[i], one);
		bins[i] = one;
		if (i >= maxb)
			maxb = i + 1;
	}
	for (int i = 0; i < maxb; i++)
		if (bins[i])
			l = merge(bins[i], l);
	return l;
}

/* Take T off the wheel onto the local expired list *GOT. */
static void take(struct ng_timers *w, struct ng_timer *t, struct ng_timer **got)
{
	forget_min(w, t);
	unlink_raw(w, t);
	t->next = *got;
	*got = t;
}

/* Re-place a timer taken from level 1 or far: expired ones go to *GOT. */
static void replace(struct ng_timers *w, struct ng_timer *t, struct ng_timer **got)
{
	if (t->expires <= w->now) {
		take(w, t, got);
		return;
	}
	unlink_raw(w, t);
	place(w, t);
}

static void far_recompute(struct ng_timers *w)
{
	uint64_t m = UINT64_MAX;

	for (struct ng_timer *t = w->far.next; t != &w->far; t = t->next)
		if (t->expires < m)
			m = t->expires;
	w->far_min = m;
	w->far_min_valid = true;
}

/* Fire every timer with expires <= NOW, earliest first. See the theory of operation for timers
 * armed by callbacks. A NOW before the last run's is treated as that time. */
void ng_timers_run(struct ng_timers *w, uint64_t now)
{
	uint64_t c0, c1, s0, s1;
	struct ng_timer *got = NULL;
	uint32_t span, start, off;
	size_t budget;

	if (now < w->now)
		now = w->now;
	c0 = w->now >> T0_SHIFT;
	c1 = now >> T0_SHIFT;

	/* (1) level 0: the slots of ticks c0..c1, at most one revolution */
	span = c1 - c0 >= WHEEL_SLOTS ? WHEEL_SLOTS : (uint32_t)(c1 - c0) + 1;
	start = (uint32_t)(c0 & WHEEL_MASK);
	for (off = 0; (off += next_used(w->used0, start + off, span - off)) < span; off++) {
		struct ng_timer *head = &w->l0[(start + off) & WHEEL_MASK], *t, *n;

		for (t = head->next; t != head; t = n) {
			n = t->next;
			if (t->expires <= now)
				take(w, t, &got);
		}
	}

	/* (2) */
	w->now = now;

	/* (3) level 1: super ticks s0+1..s1 have been reached */
	s0 = c0 >> WHEEL_BITS;
	s1 = c1 >> WHEEL_BITS;
	if (s1 > s0) {
		span = s1 - s0 >= WHEEL_SLOTS ? WHEEL_SLOTS : (uint32_t)(s1 - s0);
		start = (uint32_t)((s0 + 1) & WHEEL_MASK);
		for (off = 0; (off += next_used(w->used1, start + off, span - off)) < span; off++) {
			struct ng_timer *head = &w->l1[(start + off) & WHEEL_MASK], *t, *n;

			for (t = head->next; t != head; t = n) {
				n = t->next;
				replace(w, t, &got);
			}
		}
	}

	/* (4) far timers that level 1 can now hold */
	if (!list_empty(&w->far)) {
		if (!w->far_min_valid)
			far_recompute(w);
		if ((w->far_min >> T1_SHIFT) < s1 + WHEEL_SLOTS) {
			for (struct ng_timer *t = w->far.next, *n; t != &w->far; t = n) {
				n = t->next;
				if ((t->expires >> T1_SHIFT) < s1 + WHEEL_SLOTS)
					replace(w, t, &got);
			}
			far_recompute(w);
		}
	}

	/* (5) merge what expired into the due list, then fire in order */
	if (got) {
		struct ng_timer *d = NULL, *t, *prev;

		/* the due list as a ->next list, merged, then relinked */
		if (!list_empty(&w->due)) {
			w->due.prev->next = NULL;
			d = w->due.next;
		}
		d = merge(d, sort_list(got));
		list_init(&w->due);
		for (prev = &w->due, t = d; t; prev = t, t = t->next)
			t->prev = prev;
		prev->next = &w->due;
		w->due.next = d;
		w->due.prev = prev;
	}
	budget = w->count + REFIRE_BUDGET;
	while (!list_empty(&w->due) && budget--) {
		struct ng_timer *t = w->due.next;

		unlink_raw(w, t);
		t->armed = false;
		w->count--;
		t->fn(t, now);
	}
}

/* Earliest expiry among the timers of the list at HEAD. */
static uint64_t slot_min(const struct ng_timer *head)
{
	uint64_t m = UINT64_MAX;

	for (const struct ng_timer *t = head->next; t != head; t = t->next)
		if (t->expires < m)
			m = t->expires;
	return m;
}

/* Earliest expiry of any armed timer (exact), UINT64_MAX if none. */
uint64_t ng_timers_next(const struct ng_timers *w)
{
	struct ng_timers *mw = (struct ng_timers *)w; /* cache refresh only */
	uint64_t m = UINT64_MAX, cur = w->now >> T0_SHIFT, cur1 = w->now >> T1_SHIFT;
	uint32_t off;

	if (!list_empty(&w->due))
		return w->due.next->expires;
	if (w->min_valid)
		return w->min_cache;
	/* level 0: ticks cur..cur+4095, one per slot, so the first slot holds the earliest */
	off = next_used(w->used0, (uint32_t)(cur & WHEEL_MASK), WHEEL_SLOTS);
	if (off < WHEEL_SLOTS)
		m = slot_min(&w->l0[(cur + off) & WHEEL_MASK]);
	/* level 1: super ticks cur1+1..cur1+4095, all at or after the next super-tick boundary,
	 * so only worth a look when level 0 has nothing before it */
	if (m >= (cur1 + 1) << T1_SHIFT) {
		off = next_used(w->used1, (uint32_t)((cur1 + 1) & WHEEL_MASK), WHEEL_SLOTS - 1);
		if (off < WHEEL_SLOTS) {
			struct ng_timer *head = &mw->l1[(cur1 + 1 + off) & WHEEL_MASK];

			if (!head->armed) {
				head->expires = slot_min(head);
				head->armed = true;
			}
			if (head->expires < m)
				m = head->expires;
		}
	}
	if (!w->far_min_valid)
		far_recompute(mw);
	if (w->far_min < m)
		m = w->far_min;
	mw->min_cache = m;
	mw->min_valid = true;
	return m;
}

size_t ng_timers_count(const struct ng_timers *w)
{
	return w->count;
}
