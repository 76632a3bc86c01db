// SPDX-License-Identifier: MIT
/* Timers: a hashed timing wheel with O(1) arm and cancel and an exact next deadline. */
/*
 * Theory of operation.
 *
 * Time is absolute nanoseconds. A tick is 2^20 ns (about 1.05 ms); the wheel has 4096 slots, so
 * one revolution is about 4.3 s. A timer lives in slot tick(expires) mod 4096 whatever its
 * distance: a far timer simply stays in its slot while the wheel goes round, and is skipped
 * (expires > now) until the revolution where it is due. Slots are NULL-terminated doubly linked
 * lists (the timer's slot follows from its expiry, so cancel needs no search), and a bitmap of
 * non-empty slots lets a scan skip empty ones 64 at a time.
 *
 * W->now is the time of the last run. Invariant: every timer on the wheel has expires > w->now.
 * Timers that are due (expires <= w->now) sit on the "due" list, sorted by expiry: those found
 * expired by a run, and those armed in the past (including by callbacks). Which list a timer is
 * on therefore follows from (expires <= w->now), again without a search.
 *
 * ng_timers_run(now) walks the slots for the ticks from tick(w->now) to tick(now), at most one
 * revolution (a larger jump visits every non-empty slot once), moves every timer with
 * expires <= now onto the due list (merge-sorted), then fires the due list in expiry order. A
 * callback may arm or cancel anything; one that re-arms at or before NOW is fired again in the
 * same run, up to a bound that stops a timer re-arming itself at NOW from looping forever (the
 * rest stay due and fire at the next run; ng_timers_next then reports a time <= now).
 *
 * ng_timers_next is exact: the head of the due list, or the smallest expiry on the wheel, which
 * is cached and recomputed only after the cached minimum was removed. The recompute walks the
 * non-empty slots from the current tick and stops at the first slot holding a timer due in its
 * own revolution; only when none is within a revolution does it look at every timer.
 */
#include <stdlib.h>

#include "core/core_internal.h"

#define TICK_SHIFT  20
#define WHEEL_BITS  12
#define WHEEL_SLOTS (1u << WHEEL_BITS)
#define WHEEL_MASK  (WHEEL_SLOTS - 1)
/* Extra firings allowed in one run for timers (re)armed at or before NOW by callbacks. */
#define REFIRE_BUDGET 4096

struct ng_timers {
	struct ng_timer *slot[WHEEL_SLOTS];
	uint64_t used[WHEEL_SLOTS / 64]; /* bit set: slot non-empty */
	struct ng_timer *due, *due_tail; /* expires <= now, sorted by expiry */
	uint64_t now;                    /* time of the last run */
	size_t count;                    /* armed timers, wheel and due */
	/* Smallest expiry on the wheel, cached; valid only when min_valid. Updated from the const
	 * ng_timers_next, hence the casts there: the wheel itself is never const-allocated. */
	uint64_t min_cache;
	bool min_valid;
};

static inline uint64_t tick_of(uint64_t ns)
{
	return ns >> TICK_SHIFT;
}

static inline uint32_t slot_of(uint64_t ns)
{
	return (uint32_t)(tick_of(ns) & WHEEL_MASK);
}

struct ng_timers *ng_timers_create(void)
{
	struct ng_timers *w = calloc(1, sizeof(*w));

	if (w) {
		w->min_cache = UINT64_MAX;
		w->min_valid = true;
	}
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

static void wheel_insert(struct ng_timers *w, struct ng_timer *t)
{
	uint32_t s = slot_of(t->expires);

	t->prev = NULL;
	t->next = w->slot[s];
	if (t->next)
		t->next->prev = t;
	w->slot[s] = t;
	w->used[s / 64] |= 1ull << (s % 64);
	if (w->min_valid && t->expires < w->min_cache)
		w->min_cache = t->expires;
}

static void wheel_unlink(struct ng_timers *w, struct ng_timer *t)
{
	uint32_t s = slot_of(t->expires);

	if (t->prev)
		t->prev->next = t->next;
	else
		w->slot[s] = t->next;
	if (t->next)
		t->next->prev = t->prev;
	if (!w->slot[s])
		w->used[s / 64] &= ~(1ull << (s % 64));
	if (t->expires == w->min_cache)
		w->min_valid = false;
}

/* Insert into the sorted due list; after equal expiries (arm order kept). Usually appends. */
static void due_insert(struct ng_timers *w, struct ng_timer *t)
{
	struct ng_timer *after = w->due_tail;

	while (after && after->expires > t->expires)
		after = after->prev;
	t->prev = after;
	t->next = after ? after->next : w->due;
	if (after)
		after->next = t;
	else
		w->due = t;
	if (t->next)
		t->next->prev = t;
	else
		w->due_tail = t;
}

static void due_unlink(struct ng_timers *w, struct ng_timer *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		w->due = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		w->due_tail = t->prev;
}

/* Arm (or re-arm) T to fire at WHEN, absolute ns. A time already past fires at the next run. */
void ng_timer_arm(struct ng_timers *w, struct ng_timer *t, uint64_t when)
{
	if (t->armed)
		ng_timer_cancel(w, t);
	t->expires = when;
	t->armed = true;
	w->count++;
	if (when <= w->now)
		due_insert(w, t);
	else
		wheel_insert(w, t);
}

/* Disarm T; a no-op when it is not armed. */
void ng_timer_cancel(struct ng_timers *w, struct ng_timer *t)
{
	if (!t->armed)
		return;
	if (t->expires <= w->now)
		due_unlink(w, t);
	else
		wheel_unlink(w, t);
	t->next = t->prev = NULL;
	t->armed = false;
	w->count--;
}

/* Index of the next non-empty slot at or after FROM (cyclic), scanning at most N slots;
 * returns N's bound (WHEEL_SLOTS) when there is none. Result is an offset from FROM. */
static uint32_t next_used(const struct ng_timers *w, uint32_t from, uint32_t n)
{
	uint32_t off = 0;

	while (off < n) {
		uint32_t s = (from + off) & WHEEL_MASK;
		uint64_t bits = w->used[s / 64] >> (s % 64);

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

/* Stable merge sort of a ->next list by expiry (bottom-up, O(n log n), no allocation). */
static struct ng_timer *sort_list(struct ng_timer *l)
{
	struct ng_timer *bins[64] = {0};
	int maxb = 0;

	while (l) {
		struct ng_timer *one = l;
		int i;

		l = l->next;
		one->next = NULL;
		for (i = 0; i < 64 && bins[i]; i++) {
			one = merge(bins[i], one);
			bins[i] = NULL;
		}
		if (i == 64)
			i = 63;
		bins[i] = one;
		if (i >= maxb)
			maxb = i + 1;
	}
	for (int i = 0; i < maxb; i++)
		if (bins[i])
			l = merge(bins[i], l);
	return l;
}

/* Move every wheel timer with expires <= NOW onto the due list, keeping it sorted. */
static void collect(struct ng_timers *w, uint64_t now)
{
	uint64_t from = tick_of(w->now), to = tick_of(now);
	uint32_t span = to - from >= WHEEL_SLOTS ? WHEEL_SLOTS : (uint32_t)(to - from) + 1;
	uint32_t start = (uint32_t)(from & WHEEL_MASK), off = 0;
	struct ng_timer *got = NULL, *cur, *d;

	while ((off = next_used(w, start + off, span - off) + off) < span) {
		uint32_t s = (start + off) & WHEEL_MASK;

		for (struct ng_timer *t = w->slot[s], *n; t; t = n) {
			n = t->next;
			if (t->expires <= now) {
				wheel_unlink(w, t);
				t->next = got;
				got = t;
			}
		}
		if (++off >= span)
			break;
	}
	if (!got)
		return;
	got = sort_list(got);
	/* Merge into the (sorted) due list, then rebuild the back links. */
	for (d = w->due; d; d = d->next)
		d->prev = NULL;
	w->due = merge(w->due, got);
	w->due_tail = NULL;
	for (cur = w->due, d = NULL; cur; d = cur, cur = cur->next)
		cur->prev = d;
	w->due_tail = d;
}

/* Fire every timer with expires <= NOW, earliest first. See the theory of operation for timers
 * armed by callbacks. A NOW before the last run's is treated as that time. */
void ng_timers_run(struct ng_timers *w, uint64_t now)
{
	size_t budget;

	if (now < w->now)
		now = w->now;
	collect(w, now);
	w->now = now;
	budget = w->count + REFIRE_BUDGET;
	while (w->due && budget--) {
		struct ng_timer *t = w->due;

		due_unlink(w, t);
		t->next = t->prev = NULL;
		t->armed = false;
		w->count--;
		t->fn(t, now);
	}
}

/* Smallest expiry on the wheel (all timers there are > w->now). */
static uint64_t wheel_min(const struct ng_timers *w)
{
	uint64_t cur = tick_of(w->now), best = UINT64_MAX;
	uint32_t start = (uint32_t)(cur & WHEEL_MASK), off = 0;

	while ((off = next_used(w, start + off, WHEEL_SLOTS - off) + off) < WHEEL_SLOTS) {
		uint32_t s = (start + off) & WHEEL_MASK;
		uint64_t in_rev = UINT64_MAX;

		for (const struct ng_timer *t = w->slot[s]; t; t = t->next) {
			if (tick_of(t->expires) == cur + off && t->expires < in_rev)
				in_rev = t->expires;
			if (t->expires < best)
				best = t->expires;
		}
		/* A timer due in this slot's own revolution beats anything in later slots. */
		if (in_rev != UINT64_MAX)
			return in_rev;
		off++;
	}
	return best;
}

/* Earliest expiry of any armed timer (exact), UINT64_MAX if none. */
uint64_t ng_timers_next(const struct ng_timers *w)
{
	struct ng_timers *mw = (struct ng_timers *)w; /* cache update only */

	if (w->due)
		return w->due->expires;
	if (!w->min_valid) {
		mw->min_cache = wheel_min(w);
		mw->min_valid = true;
	}
	return w->min_cache;
}

size_t ng_timers_count(const struct ng_timers *w)
{
	return w->count;
}
