// SPDX-License-Identifier: MIT
/* The event loop: waits on link descriptors and deadlines, then feeds frames and time to stacks.
 *
 * Theory of operation. Each turn reads the clock once, advances every stack to it
 * (ng_stack_poll: timers fire), drains every link (ng_stack_pump, which also runs the links' own
 * timers such as the fault wrapper's delayed frames), polls again for timers the input armed,
 * and calls the application's tick, then polls every link once more so that frames a link gathered
 * during the turn are written (the TAP link turns runs of TCP segments into one GSO write). It
 * then sleeps in epoll until a link descriptor or an extra
 * descriptor is readable or the earliest deadline comes: the stacks' timers, the links' held
 * frames, the tick's own. Input is taken in slices of PUMP_BUDGET frames; when a slice is used
 * up the loop does not sleep, so a flood of frames cannot starve the timers.
 *
 * Reads per wake-up. Every syscall counts on the request/response path (a readv, writev or
 * epoll_pwait2 costs 0.4-1 us on the virtual machines we measure on, a context switch several),
 * so the loop does not read a link until it is empty when it need not. A link epoll reported
 * readable is read once, and the loop waits again: if more frames were queued, epoll reports
 * the link again at once (level-triggered), else the loop sleeps without the empty read that
 * would have told it so. When a link read once is reported again by a wait that did not sleep
 * (it returned within WAIT_BUSY_NS), frames were queued behind the one read; after
 * BURST_QUICK such wake-ups in a row the link is in a burst and read until it is empty, which
 * costs one empty read per wake-up instead of one wait per frame. A burst ends at a wake-up
 * that found one frame or none. Request/response traffic thus costs one wait, one read and one
 * write per frame forwarded, pairs of frames what they did before, and bulk traffic one wait
 * and one empty read per run of frames as before. Frames a link holds in memory (a cut
 * super-segment) are always delivered in the same turn: they cost no syscall.
 *
 * Signals. SIGINT and SIGTERM stay blocked while the loop runs and arrive through a signalfd
 * that epoll watches along with the links: a signal that arrives at any moment ends the
 * current or next wait at once and sets the stop flag, and no wait has to install and restore
 * a signal mask (as epoll_pwait2 with a mask does, on every call). The signal is consumed; the
 * caller's handler does not run for it.
 *
 * Busy polling. A sleeping loop costs a wake-up per frame: on the virtual machines we measure
 * on, waking a halted CPU and switching to the loop costs more than forwarding the frame. So a
 * loop that would sleep may first poll its descriptors without sleeping, giving the CPU away
 * between polls (sched_yield: on a CPU shared with the peers whose frames it forwards, they
 * run instead of waiting for the poll to end). Three modes (ng_loop_set_busy_poll):
 *  - off (the library default): sleep at once.
 *  - fixed: poll up to a set time before every sleep (NATGATE_BUSY_POLL_US=N in the
 *    environment does the same).
 *  - auto (natgate router's default): the window adapts to the traffic, the way KVM's halt
 *    polling does for a halted vCPU. It starts at 0. A wait that slept but was ended by an
 *    event within the ceiling grows the window (to POLL_START_NS, then doubling up to the
 *    ceiling): the next event would likely have come while polling. A wait that polled in
 *    vain and then slept longer than the ceiling halves it (to 0 below POLL_START_NS): the
 *    traffic has gaps no window would bridge. A poll that found its event keeps the window.
 *    So request/response traffic and connection set-ups (events tens of microseconds apart)
 *    are answered without a wake-up, while idle or sparse traffic costs at most about twice the
 *    ceiling of polling per quiet spell and then nothing.
 * A poll also ends when a sched_yield took long enough to have run another task
 * (YIELD_SHARED_NS): the CPU is shared with the programs the loop serves (everything pinned to
 * one CPU, say), and polling on would only delay them; in auto mode three such polls in a row
 * also keep the window shut for the next SHARED_HOLD_WAITS short sleeps.
 * Polling is bounded by the window and never passes a deadline; the loop counts its polls, hits,
 * polls cut short by a shared CPU and the time they took (ng_loop_get_stats; `natgate stats`
 * shows them).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "gw/gw.h"

#define LOOP_MAX_STACKS 4
#define LOOP_MAX_FDS    16
#define LOOP_MAX_LINKS  16
#define PUMP_BUDGET     256
/* epoll tags: extra descriptors are 0..LOOP_MAX_FDS-1, links and the signalfd above. */
#define TAG_LINK   (1ull << 32)
#define TAG_SIGNAL (2ull << 32)
/* A wait that returned within this time did not sleep (an epoll_pwait2 that returns at once
 * costs well under a microsecond here; one that sleeps, two context switches and more). */
#define WAIT_BUSY_NS 2000
/* A link read once and reported again at once this many times in a row is in a burst. */
#define BURST_QUICK 2
/* A link whose descriptor reports an error and nothing to read in this many waits in a row is
 * gone (a TAP whose device was deleted with its namespace says EPOLLERR for ever): the loop
 * stops with -ENODEV instead of spinning. */
#define LINK_DEAD_WAITS 1000
/* The longest busy poll NATGATE_BUSY_POLL_US or a fixed window may ask for. */
#define BUSY_POLL_MAX_US 1000
/* Auto mode: the first window, grown from 0 after a short sleep. */
#define POLL_START_NS 10000
/* A sched_yield that took this long ran another task on our CPU: one that returns at once costs
 * under a microsecond here (all but 1 in 2000; interrupts and the hypervisor account for the
 * rest), two context switches and the other task's work take more. */
#define YIELD_SHARED_NS 5000
/* Auto mode: after this many polls in a row gave the CPU away (one could be chance), the next
 * SHARED_HOLD_WAITS short sleeps do not grow the window. */
#define SHARED_STREAK     3
#define SHARED_HOLD_WAITS 64

struct loop_fd {
	int fd;
	ng_loop_fd_fn fn;
	void *ctx;
};

/* A link with a descriptor, and what the last two wake-ups said about it. */
struct loop_link {
	struct ng_link *link;
	struct ng_stack *st;
	struct ng_iface *ifc;
	bool ready;    /* reported readable by the last wait */
	bool once;     /* read once in the last turn */
	uint8_t quick; /* times in a row it was read once and reported again at once */
	bool burst;    /* read until empty (see the theory above) */
	bool err;      /* the last wait reported an error and no input */
	uint32_t errs; /* waits in a row that did so */
};

struct ng_loop {
	int epfd;
	struct ng_stack *st[LOOP_MAX_STACKS];
	unsigned n_st;
	ng_loop_tick_fn tick;
	void *tick_ctx;
	struct loop_fd fds[LOOP_MAX_FDS];
	unsigned n_fds;
	struct loop_link links[LOOP_MAX_LINKS];
	unsigned n_links;
	int sigfd; /* SIGINT/SIGTERM while running, else -1 */
	enum ng_busy_poll poll_mode;
	struct ng_poll_window pw; /* the window now (poll this long before sleeping; 0: never) and,
	                           * fixed, the window or, auto, its ceiling */
	struct ng_loop_stats stats;
	bool no_pwait2; /* epoll_pwait2 said ENOSYS: use epoll_pwait */
};

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* A loop watching nothing yet; NATGATE_BUSY_POLL_US (0..1000) sets a fixed busy poll. 0, or
 * a negative errno. */
int ng_loop_create(struct ng_loop **out)
{
	struct ng_loop *l = calloc(1, sizeof(*l));
	const char *bp = getenv("NATGATE_BUSY_POLL_US");

	if (!l)
		return -NG_ENOMEM;
	l->sigfd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int err = errno;
		free(l);
		return -err;
	}
	if (bp && *bp) {
		char *end;
		unsigned long us = strtoul(bp, &end, 10);
		if (!*end && us <= BUSY_POLL_MAX_US)
			ng_loop_set_busy_poll(l, us ? NG_BUSY_POLL_FIXED : NG_BUSY_POLL_OFF,
			                      (uint32_t)us);
	}
	*out = l;
	return 0;
}

/* How the loop polls before sleeping (see the theory above): OFF; FIXED, US microseconds
 * before every sleep; AUTO, a window that adapts, up to US. US is capped at 1000; FIXED or AUTO
 * with US 0 is OFF. */
void ng_loop_set_busy_poll(struct ng_loop *l, enum ng_busy_poll mode, uint32_t us)
{
	uint64_t ns = (uint64_t)(us < BUSY_POLL_MAX_US ? us : BUSY_POLL_MAX_US) * 1000u;

	l->poll_mode = ns ? mode : NG_BUSY_POLL_OFF;
	l->pw.max = l->poll_mode == NG_BUSY_POLL_OFF ? 0 : ns;
	l->pw.win = l->poll_mode == NG_BUSY_POLL_FIXED ? ns : 0;
	l->pw.hold = 0;
	l->pw.shared = 0;
}

void ng_loop_get_stats(const struct ng_loop *l, struct ng_loop_stats *out)
{
	*out = l->stats;
	out->mode = l->poll_mode;
	out->poll_max_ns = l->pw.max;
	out->poll_ns = l->pw.win;
}

/* Auto mode's rule: the window after a wait whose poll found its event (HIT), gave the CPU to
 * another task (SHARED), or that slept and was ended by an event WAITED ns after it began
 * (SLEPT; UINT64_MAX: no event, a deadline ended it). */
void ng_loop_poll_adapt(struct ng_poll_window *w, enum ng_poll_outcome o, uint64_t waited)
{
	if (o == NG_POLL_HIT) {
		w->shared = 0;
		return;
	}
	if (o == NG_POLL_SHARED && ++w->shared >= SHARED_STREAK)
		w->hold = SHARED_HOLD_WAITS;
	if (o != NG_POLL_SHARED)
		w->shared = 0;
	if (o == NG_POLL_SLEPT && waited <= w->max) {
		if (w->hold) {
			w->hold--;
			return;
		}
		w->win = w->win ? w->win * 2 : POLL_START_NS;
		if (w->win > w->max)
			w->win = w->max;
		return;
	}
	w->win /= 2;
	if (w->win < POLL_START_NS)
		w->win = 0;
}

/* Free the loop; the stacks, links and extra descriptors stay with their owners. */
void ng_loop_destroy(struct ng_loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l);
}

/* Drive ST from now on. Its interfaces' link descriptors are watched from the next
 * ng_loop_run, so interfaces may still be added until then. 0, or -NG_ENOBUFS when the loop
 * already drives LOOP_MAX_STACKS stacks. */
int ng_loop_add_stack(struct ng_loop *l, struct ng_stack *st)
{
	if (l->n_st >= LOOP_MAX_STACKS)
		return -NG_ENOBUFS;
	l->st[l->n_st++] = st;
	return 0;
}

/* FN is called once per turn after input and timers; its return value is a deadline to wake
 * for. */
void ng_loop_set_tick(struct ng_loop *l, ng_loop_tick_fn fn, void *ctx)
{
	l->tick = fn;
	l->tick_ctx = ctx;
}

/* Call FN(CTX, FD, now) whenever FD is readable (level-triggered: FN should drain it). 0, or
 * -NG_ENOBUFS (too many) / a negative errno from epoll. */
int ng_loop_add_fd(struct ng_loop *l, int fd, ng_loop_fd_fn fn, void *ctx)
{
	struct epoll_event ev;

	if (l->n_fds >= LOOP_MAX_FDS)
		return -NG_ENOBUFS;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = l->n_fds;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	l->fds[l->n_fds].fd = fd;
	l->fds[l->n_fds].fn = fn;
	l->fds[l->n_fds].ctx = ctx;
	l->n_fds++;
	return 0;
}

/* Register the descriptor of every interface's link (again: already watched ones are fine). */
static int watch_links(struct ng_loop *l)
{
	unsigned i, j, k;

	for (i = 0; i < l->n_st; i++) {
		struct ng_iface *ifc;
		for (j = 0; (ifc = ng_stack_iface(l->st[i], j)); j++) {
			struct ng_link *link = ng_iface_link(ifc);
			int fd = ng_link_fd(link);
			struct epoll_event ev;

			if (fd < 0)
				continue;
			for (k = 0; k < l->n_links && l->links[k].link != link; k++)
				;
			if (k == l->n_links) {
				if (k >= LOOP_MAX_LINKS)
					return -NG_ENOBUFS;
				memset(&l->links[k], 0, sizeof(l->links[k]));
				l->links[k].link = link;
				l->links[k].st = l->st[i];
				l->links[k].ifc = ifc;
				l->n_links++;
			}
			memset(&ev, 0, sizeof(ev));
			ev.events = EPOLLIN;
			ev.data.u64 = TAG_LINK | k;
			if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
				if (errno != EEXIST)
					return -errno;
				if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
					return -errno;
			}
		}
	}
	return 0;
}

/* Watch SIGINT and SIGTERM through a signalfd (they are blocked by the caller). */
static int watch_signals(struct ng_loop *l, const sigset_t *sigs)
{
	struct epoll_event ev;

	l->sigfd = signalfd(-1, sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sigfd < 0)
		return -errno;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = TAG_SIGNAL;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->sigfd, &ev) < 0)
		return -errno;
	return 0;
}

static void unwatch_signals(struct ng_loop *l)
{
	if (l->sigfd < 0)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, l->sigfd, NULL);
	close(l->sigfd);
	l->sigfd = -1;
}

/* A signal came: consume it (the caller's handler would only set *STOP) and stop. */
static void take_signals(struct ng_loop *l, volatile sig_atomic_t *stop)
{
	struct signalfd_siginfo si;

	while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		*stop = 1;
}

/* Read one frame from each link that the last wait reported readable and that is not in a
 * burst, and mark the link idle so that the pump reads it no more in this turn (the empty read
 * that would end the pump is saved; epoll tells us if more is queued). */
static void read_once(struct ng_loop *l, uint64_t now)
{
	unsigned k;

	for (k = 0; k < l->n_links; k++) {
		struct loop_link *lk = &l->links[k];
		struct ng_pkt *p;

		lk->once = lk->ready && !lk->burst;
		if (!lk->once)
			continue;
		p = ng_link_recv(lk->link, ng_stack_pool(lk->st), now);
		if (p)
			ng_stack_input(lk->st, lk->ifc, p);
		lk->link->rx_idle = true;
	}
}

/* One turn's work at time NOW. Returns the earliest deadline of anything; *MORE is set when
 * input was cut short by the budget. */
static uint64_t turn(struct ng_loop *l, uint64_t now, bool *more)
{
	uint64_t next = UINT64_MAX, rx0[LOOP_MAX_LINKS];
	unsigned i, j;

	*more = false;
	for (i = 0; i < l->n_st; i++)
		ng_stack_poll(l->st[i], now);
	for (i = 0; i < l->n_links; i++)
		rx0[i] = l->links[i].link->rx_frames;
	read_once(l, now);
	for (i = 0; i < l->n_st; i++)
		if (ng_stack_pump(l->st[i], PUMP_BUDGET) >= PUMP_BUDGET)
			*more = true;
	/* A burst ends at a wake-up that found at most one frame (see the theory above). */
	for (i = 0; i < l->n_links; i++)
		if (l->links[i].burst && l->links[i].link->rx_frames - rx0[i] <= 1)
			l->links[i].burst = false;
	for (i = 0; i < l->n_st; i++)
		ng_stack_poll(l->st[i], now); /* timers that the input armed for now */
	if (l->tick)
		next = l->tick(l->tick_ctx, now);
	for (i = 0; i < l->n_st; i++) {
		struct ng_iface *ifc;
		next = min_u64(next, ng_stack_deadline(l->st[i]));
		for (j = 0; (ifc = ng_stack_iface(l->st[i], j)); j++) {
			/* Links may gather frames during the turn (TAP: one GSO write for a run of
			 * TCP segments); polling them now writes those before we sleep. */
			ng_link_poll(ng_iface_link(ifc), now);
			next = min_u64(next, ng_link_deadline(ng_iface_link(ifc)));
		}
	}
	return next;
}

/* Mark every watched link idle (nothing to read) or not. */
static void set_links_idle(struct ng_loop *l, bool idle)
{
	unsigned k;

	for (k = 0; k < l->n_links; k++)
		l->links[k].link->rx_idle = idle;
}

/* epoll_pwait2 (nanosecond timeout); where the kernel or an emulator such as valgrind lacks it
 * (ENOSYS), epoll_pwait with the timeout rounded up to whole milliseconds from then on. */
static int wait_events(struct ng_loop *l, struct epoll_event *evs, int max,
                       const struct timespec *ts)
{
	int n, ms;

	if (!l->no_pwait2) {
		n = epoll_pwait2(l->epfd, evs, max, ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		l->no_pwait2 = true;
	}
	if (!ts)
		ms = -1;
	else if (ts->tv_sec > 86400)
		ms = 86400 * 1000;
	else
		ms = (int)(ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000);
	return epoll_pwait(l->epfd, evs, max, ms, NULL);
}

/* Wait for events until the deadline TS (NULL: none). With a busy poll window and a wait ahead
 * that would sleep, first poll without sleeping, yielding the CPU between polls, until an event
 * comes or the window has passed (never past the deadline); then sleep for what is left. In
 * auto mode a poll's outcome sets the next window; *COULD_SLEEP tells the caller that the wait
 * could sleep (its end, which the caller reads from the clock anyway, sets it then). */
static int wait_busy(struct ng_loop *l, struct epoll_event *evs, int max, struct timespec *ts,
                     uint64_t now, bool *could_sleep)
{
	static const struct timespec zero = {0, 0};
	uint64_t until, t = now, wait;
	int n;

	l->stats.waits++;
	if (ts && !ts->tv_sec && !ts->tv_nsec)
		return wait_events(l, evs, max, ts);
	wait = ts ? (uint64_t)ts->tv_sec * NG_NS_PER_SEC + (uint64_t)ts->tv_nsec : UINT64_MAX;
	if (l->pw.win) {
		bool shared = false;
		l->stats.polls++;
		until = now + min_u64(l->pw.win, wait);
		for (;;) {
			uint64_t y;
			n = wait_events(l, evs, max, &zero);
			t = ng_clock_now();
			if (n != 0 || t >= until || shared)
				break;
			sched_yield();
			y = ng_clock_now();
			shared = y - t >= YIELD_SHARED_NS; /* look once more, then sleep */
		}
		l->stats.poll_time_ns += t - now;
		if (n > 0)
			l->stats.poll_hits++;
		if (shared)
			l->stats.poll_shared++;
		if (l->poll_mode == NG_BUSY_POLL_AUTO && (n > 0 || shared))
			ng_loop_poll_adapt(&l->pw, shared ? NG_POLL_SHARED : NG_POLL_HIT, 0);
		if (n != 0)
			return n;
		if (ts) {
			wait = wait > t - now ? wait - (t - now) : 0;
			ts->tv_sec = (time_t)(wait / NG_NS_PER_SEC);
			ts->tv_nsec = (long)(wait % NG_NS_PER_SEC);
		}
	}
	*could_sleep = true;
	return wait_events(l, evs, max, ts);
}

/* Run until *STOP becomes non-zero, or SIGINT or SIGTERM comes (which then sets *STOP). 0 then,
 * or a negative errno if epoll fails, or -ENODEV when a link's descriptor is gone (reports only
 * errors, LINK_DEAD_WAITS times in a row). */
int ng_loop_run(struct ng_loop *l, volatile sig_atomic_t *stop)
{
	struct epoll_event evs[LOOP_MAX_FDS + LOOP_MAX_LINKS + 2];
	sigset_t block, old;
	uint64_t now;
	int rc;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);

	rc = watch_links(l);
	if (!rc)
		rc = watch_signals(l, &block);
	/* Nothing is read before the first wait says what is readable (level-triggered: frames
	 * queued before now are reported at once). */
	set_links_idle(l, true);
	now = ng_clock_now();
	while (!rc && !*stop) {
		struct timespec ts, *tsp = NULL;
		uint64_t next, t_wait;
		bool more, slept, could_sleep;
		unsigned k;
		int n, i;

		next = turn(l, now, &more);
		if (*stop)
			break;
		if (more || next <= now) {
			ts.tv_sec = 0;
			ts.tv_nsec = 0;
			tsp = &ts;
		} else if (next != UINT64_MAX) {
			uint64_t wait = next - now;
			ts.tv_sec = (time_t)(wait / NG_NS_PER_SEC);
			ts.tv_nsec = (long)(wait % NG_NS_PER_SEC);
			tsp = &ts;
		}
		t_wait = ng_clock_now(); /* vDSO, no syscall */
		could_sleep = false;
		n = wait_busy(l, evs, (int)(sizeof(evs) / sizeof(evs[0])), tsp, t_wait,
		              &could_sleep);
		/* This reading also serves the next turn. */
		now = ng_clock_now();
		if (could_sleep && l->poll_mode == NG_BUSY_POLL_AUTO && n >= 0)
			ng_loop_poll_adapt(&l->pw, NG_POLL_SLEPT,
			                   n > 0 ? now - t_wait : UINT64_MAX);
		slept = now - t_wait >= WAIT_BUSY_NS;
		for (k = 0; k < l->n_links; k++)
			l->links[k].ready = false;
		if (n < 0) {
			if (errno != EINTR)
				rc = -errno;
			set_links_idle(l, false); /* read everything: we do not know */
			continue;
		}
		/* Links not reported readable are skipped by the next pump (no empty reads). */
		set_links_idle(l, true);
		for (i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			if (tag < l->n_fds) {
				l->fds[tag].fn(l->fds[tag].ctx, l->fds[tag].fd, now);
			} else if (tag == TAG_SIGNAL) {
				take_signals(l, stop);
			} else if ((tag & ~TAG_LINK) < l->n_links) {
				struct loop_link *lk = &l->links[tag & ~TAG_LINK];
				/* the next turn reads it: once, or until empty in a burst */
				lk->link->rx_idle = false;
				lk->ready = true;
				lk->err = (evs[i].events & (EPOLLERR | EPOLLHUP)) &&
				          !(evs[i].events & EPOLLIN);
				if (lk->once && !slept) {
					if (++lk->quick >= BURST_QUICK)
						lk->burst = true;
				}
			}
		}
		for (k = 0; k < l->n_links; k++) {
			struct loop_link *lk = &l->links[k];
			if (!lk->ready || !lk->once || slept)
				lk->quick = 0;
			lk->errs = lk->ready && lk->err ? lk->errs + 1 : 0;
			if (lk->errs >= LINK_DEAD_WAITS)
				rc = -ENODEV;
		}
	}
	unwatch_signals(l);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
