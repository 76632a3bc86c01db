// SPDX-License-Identifier: MIT
/* The router's event loop (src/gw/loop.c) counted in syscalls: one read per frame when frames
 * come one at a time (no empty read before each sleep), every frame of a burst delivered, the
 * busy poll off by default and bounded when on.
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
static void run_script(struct peer *pe, struct dgram_link *d, uint32_t busy_us, uint64_t *waits,
                       uint64_t *hits)
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
	ng_loop_set_busy_poll(l, busy_us);
	ng_loop_set_tick(l, peer_tick, pe);
	stop = 0;
	assert_int_equal(ng_loop_run(l, &stop), 0);
	ng_loop_counters(l, waits, hits);
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
	uint64_t waits, hits;
	(void)state;

	unsetenv("NATGATE_BUSY_POLL_US");
	memset(&pe, 0, sizeof(pe));
	pe.want = 100;
	pe.burst = 1;
	run_script(&pe, &d, 0, &waits, &hits);
	assert_int_equal(d.l.rx_frames, 100);
	assert_int_equal(d.empty_reads, 0);
	assert_int_equal(d.reads, 100);
	assert_int_equal(hits, 0); /* busy poll off */
}

/* Bursts of 50 frames: every frame is read; once the loop sees the link readable again at once
 * after reading one frame it reads it until empty, so the frames cost far fewer waits than
 * frames and at most one empty read per burst. */
static void test_loop_burst_drained(void **state)
{
	struct dgram_link d;
	struct peer pe;
	uint64_t waits, hits;
	(void)state;

	memset(&pe, 0, sizeof(pe));
	pe.want = 500;
	pe.burst = 50;
	run_script(&pe, &d, 0, &waits, &hits);
	assert_int_equal(d.l.rx_frames, 500);
	assert_true(d.reads >= 500);
	/* per burst of 50: two single reads, then one drain (48 frames and one empty read), and
	 * the wait for the peer's next answer; a preempted test process may need a few more */
	assert_true(waits < 100);
	assert_true(d.empty_reads <= 10);
}

/* ---- busy poll: off unless asked; when on, bounded and it answers events that come soon ---- */

struct timer_ctx {
	int tfd;
	unsigned fired;
};

static void timer_ready(void *ctx, int fd, uint64_t now)
{
	struct timer_ctx *t = ctx;
	struct itimerspec its;
	uint64_t exp;

	(void)now;
	assert_int_equal(read(fd, &exp, sizeof(exp)), (ssize_t)sizeof(exp));
	if (++t->fired >= 50) {
		stop = 1;
		return;
	}
	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = 100 * 1000; /* the next event 100 us from now */
	assert_int_equal(timerfd_settime(t->tfd, 0, &its, NULL), 0);
}

static uint64_t bound_tick(void *ctx, uint64_t now)
{
	static uint64_t t0;
	(void)ctx;
	if (!t0)
		t0 = now;
	if (now - t0 > 5 * NG_NS_PER_SEC)
		stop = 1;
	return UINT64_MAX;
}

static unsigned timer_run(uint32_t busy_us, const char *env, uint64_t *waits, uint64_t *hits)
{
	struct timer_ctx t;
	struct itimerspec its;
	struct ng_loop *l;

	if (env)
		setenv("NATGATE_BUSY_POLL_US", env, 1);
	else
		unsetenv("NATGATE_BUSY_POLL_US");
	memset(&t, 0, sizeof(t));
	t.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	assert_true(t.tfd >= 0);
	assert_int_equal(ng_loop_create(&l), 0);
	if (busy_us)
		ng_loop_set_busy_poll(l, busy_us);
	assert_int_equal(ng_loop_add_fd(l, t.tfd, timer_ready, &t), 0);
	ng_loop_set_tick(l, bound_tick, NULL);
	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = 100 * 1000;
	assert_int_equal(timerfd_settime(t.tfd, 0, &its, NULL), 0);
	stop = 0;
	assert_int_equal(ng_loop_run(l, &stop), 0);
	ng_loop_counters(l, waits, hits);
	ng_loop_destroy(l);
	close(t.tfd);
	unsetenv("NATGATE_BUSY_POLL_US");
	return t.fired;
}

static void test_loop_busy_poll(void **state)
{
	uint64_t waits, hits;
	(void)state;

	/* off by default: every wait sleeps */
	assert_int_equal(timer_run(0, NULL, &waits, &hits), 50);
	assert_int_equal(hits, 0);
	assert_true(waits >= 50);
	/* 1000 us of busy poll catch events 100 us apart before sleeping (most of them: a
	 * preempted test process may miss a few) */
	assert_int_equal(timer_run(1000, NULL, &waits, &hits), 50);
	assert_true(hits >= 25);
	/* the same from the environment; out-of-range values are ignored */
	assert_int_equal(timer_run(0, "1000", &waits, &hits), 50);
	assert_true(hits >= 25);
	assert_int_equal(timer_run(0, "100000", &waits, &hits), 50);
	assert_int_equal(hits, 0);
	assert_int_equal(timer_run(0, "12x", &waits, &hits), 50);
	assert_int_equal(hits, 0);
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
	    cmocka_unit_test(test_loop_signal_under_load),
	    cmocka_unit_test(test_loop_dead_link),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
