// SPDX-License-Identifier: MIT
/* The router's event loop (src/gw/loop.c) counted in syscalls: one read per frame when frames
 * come one at a time (no empty read before each sleep), every frame of a burst delivered, the
 * busy poll off by default and bounded when on, and the auto busy poll's window growing for
 * events that come in quick succession and shrinking to nothing for sparse ones.
 *
 * The link under the stack is a datagram socketpair: each datagram is one frame, its recv op
 * counts the reads it makes and the empty ones (EAGAIN), and like the TAP link it makes no read
 * while the loop marks it idle. The test's tick plays the peer: it writes frames into the other
 * end and stops the loop when its script is done. Two robustness cases: SIGTERM must stop a loop
 * whose links are never idle, and a link whose descriptor only reports errors (a TAP whose
 * device vanished with its namespace) must end the loop instead of spinning it.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "gw/gw.h"
#include "testutil.h"

static volatile sig_atomic_t stop;

struct dgram_link {
	struct ng_link l; /* first: the loop and stack see only this */
	int fd;
	unsigned reads, empty_reads;
};

static int dgram_xmit(struct ng_link *l, struct ng_pkt *p, uint64_t now)
{
	(void)now;
	l->tx_frames++;
	ng_pkt_free(p);
	return 0;
}

static struct ng_pkt *dgram_recv(struct ng_link *l, struct ng_pktpool *pool, uint64_t now)
{
	struct dgram_link *d = (struct dgram_link *)l;
	struct ng_pkt *p;
	ssize_t n;

	(void)now;
	if (l->rx_idle)
		return NULL; /* as the TAP link: known to be empty, no syscall */
	p = ng_pkt_alloc(pool);
	assert_non_null(p);
	d->reads++;
	n = recv(d->fd, ng_pkt_data(p), ng_pkt_tailroom(p), MSG_DONTWAIT);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			d->empty_reads++;
		ng_pkt_free(p);
		return NULL;
	}
	ng_pkt_put(p, (uint32_t)n);
	l->rx_frames++;
	return p;
}

static int dgram_fd(const struct ng_link *l)
{
	return ((const struct dgram_link *)l)->fd;
}

static void dgram_destroy(struct ng_link *l)
{
	(void)l;
}

static const struct ng_link_ops dgram_ops = {
    .xmit = dgram_xmit,
    .recv = dgram_recv,
    .fd = dgram_fd,
    .destroy = dgram_destroy,
};

/* A frame the stack drops at once (an unknown EtherType), which is all the test needs: it only
 * counts how the frames were read. */
static const uint8_t junk[60] = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x88, 0xb5};

struct peer {
	int fd; /* our end of the socketpair */
	struct dgram_link *d;
	unsigned sent, want, burst; /* frames written, frames to write, per answer */
	unsigned ticks;
	uint64_t t0, due; /* start; when the peer answers next */
};

/* The peer answers 200 us after the link has read everything sent so far (a real peer is never
 * instantaneous: the loop sleeps in between), with BURST frames; stop when WANT were read (or
 * the bounds are hit). */
static uint64_t peer_tick(void *ctx, uint64_t now)
{
	struct peer *pe = ctx;
	unsigned i;

	if (!pe->ticks++)
		pe->t0 = now;
	if (pe->d->l.rx_frames >= pe->want || pe->ticks > 100000 ||
	    now - pe->t0 > 5 * NG_NS_PER_SEC) {
		stop = 1;
		return UINT64_MAX;
	}
	if (pe->d->l.rx_frames != pe->sent)
		return now + NG_NS_PER_SEC; /* frames still queued: epoll wakes us */
	if (!pe->due)
		pe->due = now + 200 * (NG_NS_PER_MS / 1000);
	if (now < pe->due)
		return pe->due;
	for (i = 0; i < pe->burst && pe->sent < pe->want; i++, pe->sent++)
		assert_int_equal(send(pe->fd, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	pe->due = 0;
	return now + NG_NS_PER_SEC;
}

/* Run a loop over one stack on a socketpair link until the peer's script is done. */
static void run_script(struct peer *pe, struct dgram_link *d, struct ng_loop_stats *ls)
{
	struct ng_stack_config sc;
	struct ng_iface_config ic;
	struct ng_stack *st;
	struct ng_loop *l;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	memset(d, 0, sizeof(*d));
	d->l.ops = &dgram_ops;
	d->l.mtu = 1500;
	d->l.mac[0] = 0x02;
	d->l.mac[5] = 0x09;
	d->fd = sv[0];
	pe->fd = sv[1];
	pe->d = d;
	ng_stack_config_default(&sc);
	sc.pkt_count = 64;
	assert_int_equal(ng_stack_create(&sc, &st), 0);
	memset(&ic, 0, sizeof(ic));
	ic.addr = NG_IP4(10, 0, 0, 1);
	ic.prefix_len = 24;
	assert_int_equal(ng_stack_add_iface(st, &ic, &d->l, NULL), 0);
	assert_int_equal(ng_loop_create(&l), 0);
	assert_int_equal(ng_loop_add_stack(l, st), 0);
	ng_loop_set_tick(l, peer_tick, pe);
	stop = 0;
	assert_int_equal(ng_loop_run(l, &stop), 0);
	ng_loop_get_stats(l, ls);
	ng_loop_destroy(l);
	assert_int_equal(ng_stack_destroy(st), 0);
	close(sv[0]);
	close(sv[1]);
}

/* Frames one at a time, each written only after the previous one was read (request/response):
 * one read per frame and no empty read at all (before, each wake-up read until EAGAIN). */
static void test_loop_one_read_per_frame(void **state)
{
	struct dgram_link d;
	struct peer pe;
	struct ng_loop_stats ls;
	(void)state;

	unsetenv("NATGATE_BUSY_POLL_US");
	memset(&pe, 0, sizeof(pe));
	pe.want = 100;
	pe.burst = 1;
	run_script(&pe, &d, &ls);
	assert_int_equal(d.l.rx_frames, 100);
	assert_int_equal(d.empty_reads, 0);
	assert_int_equal(d.reads, 100);
	assert_int_equal(ls.mode, NG_BUSY_POLL_OFF); /* the library default */
	assert_int_equal(ls.polls, 0);
}

/* Bursts of 50 frames: every frame is read; once the loop sees the link readable again at once
 * after reading one frame it reads it until empty, so the frames cost far fewer waits than
 * frames and at most one empty read per burst. */
static void test_loop_burst_drained(void **state)
{
	struct dgram_link d;
	struct peer pe;
	struct ng_loop_stats ls;
	(void)state;

	memset(&pe, 0, sizeof(pe));
	pe.want = 500;
	pe.burst = 50;
	run_script(&pe, &d, &ls);
	assert_int_equal(d.l.rx_frames, 500);
	assert_true(d.reads >= 500);
	/* per burst of 50: two single reads, then one drain (48 frames and one empty read), and
	 * the wait for the peer's next answer; a preempted test process may need a few more */
	assert_true(ls.waits < 100);
	assert_true(d.empty_reads <= 10);
}

/* ---- busy poll: off unless asked; when on, bounded and it answers events that come soon;
 * auto: a window that grows for events in quick succession and shrinks away for sparse ones ---- */

struct timer_ctx {
	int tfd;
	unsigned fired;
	long gap_ns; /* the next event this long after the last one was taken */
	uint64_t t0; /* the first tick: the run is bounded to 5 s from it */
};

static void timer_arm(int tfd, long ns)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = ns / 1000000000;
	its.it_value.tv_nsec = ns % 1000000000;
	assert_int_equal(timerfd_settime(tfd, 0, &its, NULL), 0);
}

static void timer_ready(void *ctx, int fd, uint64_t now)
{
	struct timer_ctx *t = ctx;
	uint64_t exp;

	(void)now;
	assert_int_equal(read(fd, &exp, sizeof(exp)), (ssize_t)sizeof(exp));
	if (++t->fired >= 50) {
		stop = 1;
		return;
	}
	timer_arm(t->tfd, t->gap_ns);
}

static uint64_t bound_tick(void *ctx, uint64_t now)
{
	struct timer_ctx *t = ctx;

	if (!t->t0)
		t->t0 = now;
	if (now - t->t0 > 5 * NG_NS_PER_SEC)
		stop = 1;
	return UINT64_MAX;
}

/* 50 events GAP_US apart through a loop polling as MODE/US says (ENV: NATGATE_BUSY_POLL_US,
 * NULL unset); the loop's figures in *LS. Returns the events taken. */
static unsigned timer_run(enum ng_busy_poll mode, uint32_t us, const char *env, long gap_us,
                          struct ng_loop_stats *ls)
{
	struct timer_ctx t;
	struct ng_loop *l;

	if (env)
		setenv("NATGATE_BUSY_POLL_US", env, 1);
	else
		unsetenv("NATGATE_BUSY_POLL_US");
	memset(&t, 0, sizeof(t));
	t.gap_ns = gap_us * 1000;
	t.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	assert_true(t.tfd >= 0);
	assert_int_equal(ng_loop_create(&l), 0);
	if (mode != NG_BUSY_POLL_OFF)
		ng_loop_set_busy_poll(l, mode, us);
	assert_int_equal(ng_loop_add_fd(l, t.tfd, timer_ready, &t), 0);
	ng_loop_set_tick(l, bound_tick, &t);
	timer_arm(t.tfd, t.gap_ns);
	stop = 0;
	assert_int_equal(ng_loop_run(l, &stop), 0);
	ng_loop_get_stats(l, ls);
	ng_loop_destroy(l);
	close(t.tfd);
	unsetenv("NATGATE_BUSY_POLL_US");
	return t.fired;
}

/* Polls caught most of 50 events 100 us apart (a preempted test process may miss a few), or
 * the machine was busy enough that polls kept handing the CPU to other tasks, which ends them by
 * design (loop.c: a shared CPU). */
static bool polls_caught_events(const struct ng_loop_stats *ls)
{
	return ls->poll_hits >= 25 || ls->poll_shared >= 3;
}

static void test_loop_busy_poll(void **state)
{
	struct ng_loop_stats ls;
	(void)state;

	/* off by default: every wait sleeps */
	assert_int_equal(timer_run(NG_BUSY_POLL_OFF, 0, NULL, 100, &ls), 50);
	assert_int_equal(ls.polls, 0);
	assert_int_equal(ls.poll_hits, 0);
	assert_true(ls.waits >= 50);
	/* 1000 us of busy poll catch events 100 us apart before sleeping */
	assert_int_equal(timer_run(NG_BUSY_POLL_FIXED, 1000, NULL, 100, &ls), 50);
	assert_true(polls_caught_events(&ls));
	assert_true(ls.polls >= ls.poll_hits);
	/* the same from the environment; out-of-range values are ignored */
	assert_int_equal(timer_run(NG_BUSY_POLL_OFF, 0, "1000", 100, &ls), 50);
	assert_int_equal(ls.mode, NG_BUSY_POLL_FIXED);
	assert_true(polls_caught_events(&ls));
	assert_int_equal(timer_run(NG_BUSY_POLL_OFF, 0, "100000", 100, &ls), 50);
	assert_int_equal(ls.poll_hits, 0);
	assert_int_equal(timer_run(NG_BUSY_POLL_OFF, 0, "12x", 100, &ls), 50);
	assert_int_equal(ls.poll_hits, 0);
	/* a window of 0 is off */
	assert_int_equal(timer_run(NG_BUSY_POLL_AUTO, 0, NULL, 100, &ls), 50);
	assert_int_equal(ls.mode, NG_BUSY_POLL_OFF);
	assert_int_equal(ls.polls, 0);
}

/* The auto window's rule (ceiling 50 us): grown from nothing by a short sleep, doubled up to
 * the ceiling, kept by a hit, halved by a vain poll followed by a long sleep or by a deadline,
 * gone below the first window; a poll that gave the CPU to another task halves it too, and three
 * in a row keep the next 64 short sleeps from growing it. */
static uint64_t adapt(struct ng_poll_window *w, enum ng_poll_outcome o, uint64_t waited)
{
	ng_loop_poll_adapt(w, o, waited);
	return w->win;
}

static void test_loop_poll_adapt_rule(void **state)
{
	const uint64_t us = 1000;
	struct ng_poll_window w = {0, 50 * us, 0, 0};
	unsigned i;
	(void)state;

	assert_int_equal(adapt(&w, NG_POLL_SLEPT, 30 * us), 10 * us);
	assert_int_equal(adapt(&w, NG_POLL_SLEPT, 30 * us), 20 * us);
	assert_int_equal(adapt(&w, NG_POLL_SLEPT, 50 * us), 40 * us);
	assert_int_equal(adapt(&w, NG_POLL_SLEPT, 45 * us), 50 * us);
	assert_int_equal(adapt(&w, NG_POLL_SLEPT, 1 * us), 50 * us);
	assert_int_equal(adapt(&w, NG_POLL_HIT, 0), 50 * us);
	assert_int_equal(adapt(&w, NG_POLL_SLEPT, 50 * us + 1), 25 * us);
	assert_int_equal(adapt(&w, NG_POLL_SLEPT, UINT64_MAX), 12500);
	assert_int_equal(adapt(&w, NG_POLL_SLEPT, 1000 * us), 0);
	assert_int_equal(adapt(&w, NG_POLL_SLEPT, UINT64_MAX), 0);
	/* a shared CPU once: halved, and the next short sleep grows it again */
	w.win = 50 * us;
	assert_int_equal(adapt(&w, NG_POLL_SHARED, 0), 25 * us);
	assert_int_equal(adapt(&w, NG_POLL_SLEPT, 5 * us), 50 * us);
	/* three times in a row: halved each time, then 64 short sleeps leave it alone */
	assert_int_equal(adapt(&w, NG_POLL_SHARED, 0), 25 * us);
	assert_int_equal(adapt(&w, NG_POLL_SHARED, 0), 12500);
	assert_int_equal(adapt(&w, NG_POLL_SHARED, 0), 0);
	for (i = 0; i < 64; i++)
		assert_int_equal(adapt(&w, NG_POLL_SLEPT, 5 * us), 0);
	assert_int_equal(adapt(&w, NG_POLL_SLEPT, 5 * us), 10 * us);
	/* a ceiling below the first window */
	w.win = 0;
	w.max = 5 * us;
	assert_int_equal(adapt(&w, NG_POLL_SLEPT, 1 * us), 5 * us);
}

/* Auto in a running loop: events 100 us apart (ceiling 1000 us) are soon caught by polls; events
 * 20 ms apart leave the window at nothing, so the loop polls next to never and sleeps. */
static void test_loop_poll_auto(void **state)
{
	struct ng_loop_stats ls;
	(void)state;

	assert_int_equal(timer_run(NG_BUSY_POLL_AUTO, 1000, NULL, 100, &ls), 50);
	assert_int_equal(ls.mode, NG_BUSY_POLL_AUTO);
	assert_int_equal(ls.poll_max_ns, 1000 * 1000);
	assert_true(polls_caught_events(&ls));
	assert_true(ls.polls > 0);

	assert_int_equal(timer_run(NG_BUSY_POLL_AUTO, 1000, NULL, 20000, &ls), 50);
	assert_true(ls.poll_hits <= 2);
	assert_true(ls.polls <= 5);
	/* at most the first windows' worth of polling: 50 events x 20 ms slept meanwhile */
	assert_true(ls.poll_time_ns < 5 * 1000 * 1000);
}

/* ---- SIGTERM stops a loop whose link always has input ---- */

struct flood {
	int fd;
	struct dgram_link *d;
	unsigned ticks, raised_at;
};

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* Keep the link readable on every turn; raise SIGTERM at the tenth. */
static uint64_t flood_tick(void *ctx, uint64_t now)
{
	struct flood *f = ctx;

	(void)now;
	f->ticks++;
	assert_int_equal(send(f->fd, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	assert_int_equal(send(f->fd, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	if (f->ticks == 10) {
		f->raised_at = f->ticks;
		raise(SIGTERM);
	}
	if (f->ticks > 20000)
		stop = 2; /* the bound: the signal was lost */
	return UINT64_MAX;
}

/* Before the signalfd, a wait that found input ready returned without delivering the pending
 * signal (epoll_pwait2 delivers it only when interrupted), so a router under steady load
 * ignored SIGTERM and Ctrl-C. */
static void test_loop_signal_under_load(void **state)
{
	struct ng_stack_config sc;
	struct ng_iface_config ic;
	struct sigaction sa, old;
	struct dgram_link d;
	struct ng_stack *st;
	struct ng_loop *l;
	struct flood f;
	int sv[2];
	(void)state;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGTERM, &sa, &old), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	memset(&d, 0, sizeof(d));
	d.l.ops = &dgram_ops;
	d.l.mtu = 1500;
	d.l.mac[0] = 0x02;
	d.fd = sv[0];
	memset(&f, 0, sizeof(f));
	f.fd = sv[1];
	f.d = &d;
	ng_stack_config_default(&sc);
	sc.pkt_count = 64;
	assert_int_equal(ng_stack_create(&sc, &st), 0);
	memset(&ic, 0, sizeof(ic));
	ic.addr = NG_IP4(10, 0, 0, 1);
	ic.prefix_len = 24;
	assert_int_equal(ng_stack_add_iface(st, &ic, &d.l, NULL), 0);
	assert_int_equal(ng_loop_create(&l), 0);
	assert_int_equal(ng_loop_add_stack(l, st), 0);
	ng_loop_set_tick(l, flood_tick, &f);
	stop = 0;
	assert_int_equal(ng_loop_run(l, &stop), 0);
	assert_int_equal(stop, 1);
	assert_int_equal(f.raised_at, 10);
	assert_true(f.ticks <= 12); /* the turn that raised it, and at most one more */
	ng_loop_destroy(l);
	assert_int_equal(ng_stack_destroy(st), 0);
	close(sv[0]);
	close(sv[1]);
	sigaction(SIGTERM, &old, NULL);
}

/* ---- a link whose descriptor only reports errors ends the loop ---- */

static uint64_t dead_tick(void *ctx, uint64_t now)
{
	unsigned *n = ctx;

	(void)now;
	if (++*n > 100000)
		stop = 1; /* the bound: the loop spun */
	return UINT64_MAX;
}

static void test_loop_dead_link(void **state)
{
	struct ng_stack_config sc;
	struct ng_iface_config ic;
	struct dgram_link d;
	struct ng_stack *st;
	struct ng_loop *l;
	unsigned ticks = 0;
	uint64_t t0;
	int pp[2];
	(void)state;

	/* The write end of a pipe whose read end is closed: EPOLLERR for ever, never EPOLLIN. */
	assert_int_equal(pipe(pp), 0);
	close(pp[0]);
	memset(&d, 0, sizeof(d));
	d.l.ops = &dgram_ops;
	d.l.mtu = 1500;
	d.l.mac[0] = 0x02;
	d.fd = pp[1];
	ng_stack_config_default(&sc);
	sc.pkt_count = 64;
	assert_int_equal(ng_stack_create(&sc, &st), 0);
	memset(&ic, 0, sizeof(ic));
	ic.addr = NG_IP4(10, 0, 0, 1);
	ic.prefix_len = 24;
	assert_int_equal(ng_stack_add_iface(st, &ic, &d.l, NULL), 0);
	assert_int_equal(ng_loop_create(&l), 0);
	assert_int_equal(ng_loop_add_stack(l, st), 0);
	ng_loop_set_tick(l, dead_tick, &ticks);
	stop = 0;
	t0 = ng_clock_now();
	assert_int_equal(ng_loop_run(l, &stop), -ENODEV);
	assert_int_equal(stop, 0);
	assert_in_range(ticks, 1000, 1002);
	assert_true(ng_clock_now() - t0 < 5 * NG_NS_PER_SEC);
	ng_loop_destroy(l);
	assert_int_equal(ng_stack_destroy(st), 0);
	close(pp[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_loop_one_read_per_frame),
	    cmocka_unit_test(test_loop_burst_drained),
	    cmocka_unit_test(test_loop_busy_poll),
	    cmocka_unit_test(test_loop_poll_adapt_rule),
	    cmocka_unit_test(test_loop_poll_auto),
	    cmocka_unit_test(test_loop_signal_under_load),
	    cmocka_unit_test(test_loop_dead_link),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
