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
 * Signals. SIGINT and SIGTERM are blocked while a turn runs and unblocked only inside
 * epoll_pwait2, so a signal that arrives at any moment ends the current or next wait at once
 * and the stop flag is always seen; there is no window where it would be missed until the next
 * deadline.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "gw/gw.h"

#define LOOP_MAX_STACKS 4
#define LOOP_MAX_FDS    16
#define PUMP_BUDGET     256

struct loop_fd {
	int fd;
	ng_loop_fd_fn fn;
	void *ctx;
};

struct ng_loop {
	int epfd;
	struct ng_stack *st[LOOP_MAX_STACKS];
	unsigned n_st;
	ng_loop_tick_fn tick;
	void *tick_ctx;
	struct loop_fd fds[LOOP_MAX_FDS];
	unsigned n_fds;
	bool no_pwait2; /* epoll_pwait2 said ENOSYS: use epoll_pwait */
};

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* A loop watching nothing yet. 0, or a negative errno. */
int ng_loop_create(struct ng_loop **out)
{
	struct ng_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -NG_ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int err = errno;
		free(l);
		return -err;
	}
	*out = l;
	return 0;
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
	unsigned i, j;

	for (i = 0; i < l->n_st; i++) {
		struct ng_iface *ifc;
		for (j = 0; (ifc = ng_stack_iface(l->st[i], j)); j++) {
			int fd = ng_link_fd(ng_iface_link(ifc));
			struct epoll_event ev;

			if (fd < 0)
				continue;
			memset(&ev, 0, sizeof(ev));
			ev.events = EPOLLIN;
			ev.data.ptr = ng_iface_link(ifc);
			if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 && errno != EEXIST)
				return -errno;
		}
	}
	return 0;
}

/* One turn's work at time NOW. Returns the earliest deadline of anything; *MORE is set when
 * input was cut short by the budget. */
static uint64_t turn(struct ng_loop *l, uint64_t now, bool *more)
{
	uint64_t next = UINT64_MAX;
	unsigned i, j;

	*more = false;
	for (i = 0; i < l->n_st; i++)
		ng_stack_poll(l->st[i], now);
	for (i = 0; i < l->n_st; i++)
		if (ng_stack_pump(l->st[i], PUMP_BUDGET) >= PUMP_BUDGET)
			*more = true;
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

/* Mark every interface's link idle (nothing to read) or not. */
static void set_links_idle(struct ng_loop *l, bool idle)
{
	unsigned i, j;

	for (i = 0; i < l->n_st; i++) {
		struct ng_iface *ifc;
		for (j = 0; (ifc = ng_stack_iface(l->st[i], j)); j++)
			if (ng_link_fd(ng_iface_link(ifc)) >= 0)
				ng_iface_link(ifc)->rx_idle = idle;
	}
}

/* epoll_pwait2 (nanosecond timeout); where the kernel or an emulator such as valgrind lacks it
 * (ENOSYS), epoll_pwait with the timeout rounded up to whole milliseconds from then on. */
static int wait_events(struct ng_loop *l, struct epoll_event *evs, int max,
                       const struct timespec *ts, const sigset_t *mask)
{
	int n, ms;

	if (!l->no_pwait2) {
		n = epoll_pwait2(l->epfd, evs, max, ts, mask);
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
	return epoll_pwait(l->epfd, evs, max, ms, mask);
}

/* Run until *STOP becomes non-zero. 0 then, or a negative errno if epoll fails. */
int ng_loop_run(struct ng_loop *l, volatile sig_atomic_t *stop)
{
	struct epoll_event evs[LOOP_MAX_FDS + 8];
	sigset_t block, old, waitmask;
	uint64_t now;
	int rc;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	waitmask = old;
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);

	rc = watch_links(l);
	now = ng_clock_now();
	while (!rc && !*stop) {
		struct timespec ts, *tsp = NULL;
		uint64_t next;
		bool more;
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
		n = wait_events(l, evs, (int)(sizeof(evs) / sizeof(evs[0])), tsp, &waitmask);
		/* The clock is read once per wake-up: this reading also serves the next turn. */
		now = ng_clock_now();
		if (n < 0) {
			if (errno != EINTR)
				rc = -errno;
			set_links_idle(l, false);
			continue;
		}
		/* Links not reported readable are skipped by the next pump (no empty reads). */
		set_links_idle(l, true);
		for (i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			if (tag < l->n_fds)
				l->fds[tag].fn(l->fds[tag].ctx, l->fds[tag].fd, now);
			else /* a link descriptor: the next turn's pump reads it */
				((struct ng_link *)evs[i].data.ptr)->rx_idle = false;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
