// SPDX-License-Identifier: MIT
/* tap_bridge: the least a user-space forwarder between two TAP devices can do, for
 * bench/rr_floor.sh: each frame read from one TAP is written to the other, unchanged. No parsing,
 * no translation, no timers. Two ways: "epoll", one thread waiting in epoll for either TAP, then
 * one read and one write per frame (natgate's own shape, minus everything natgate does with the
 * frame); "threads", one thread per direction blocking in read(2) (no epoll call at all, but a
 * thread to wake per direction). Its request/response latency is the floor under a program that
 * forwards between TAPs.
 *
 * Usage: tap_bridge epoll|threads NAME_A NAME_B SECONDS   (creates both TAPs; exits after
 * SECONDS, or on a signal)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct dir {
	int from, to;
};

static int tap_open(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Copy frames FROM -> TO for ever. A TAP that is down (being moved to another namespace)
 * fails reads and writes for a moment: wait 1 ms and go on; a frame that cannot be written is
 * dropped. */
static void *pump(void *arg)
{
	const struct dir *d = arg;
	static __thread unsigned char buf[65536 + 64];

	for (;;) {
		ssize_t n = read(d->from, buf, sizeof(buf));
		if (n <= 0) {
			usleep(1000);
			continue;
		}
		if (write(d->to, buf, (size_t)n) != n)
			continue;
	}
	return NULL;
}

/* One thread for both directions: epoll says which TAP is readable, one read, one write. */
static void *loop(void *arg)
{
	const struct dir *d = arg;
	static unsigned char buf[65536 + 64];
	struct epoll_event ev[2];
	int ep = epoll_create1(EPOLL_CLOEXEC), i, k;

	for (i = 0; i < 2; i++) {
		ev[0].events = EPOLLIN;
		ev[0].data.u32 = (uint32_t)i;
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, d[i].from, &ev[0]))
			exit(1);
	}
	for (;;) {
		int n = epoll_wait(ep, ev, 2, -1);
		for (k = 0; k < n; k++) {
			const struct dir *x = &d[ev[k].data.u32];
			ssize_t r = read(x->from, buf, sizeof(buf));
			if (r <= 0)
				usleep(1000);
			else if (write(x->to, buf, (size_t)r) != r)
				continue;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static struct dir d[2];
	pthread_t t;
	bool epoll_mode, ok;
	int a, b;

	if (argc != 5 || (strcmp(argv[1], "epoll") && strcmp(argv[1], "threads")) ||
	    atoi(argv[4]) <= 0) {
		fprintf(stderr, "usage: tap_bridge epoll|threads NAME_A NAME_B SECONDS\n");
		return 2;
	}
	epoll_mode = !strcmp(argv[1], "epoll");
	a = tap_open(argv[2]);
	b = tap_open(argv[3]);
	if (a < 0 || b < 0) {
		perror("tap_bridge: /dev/net/tun");
		return 1;
	}
	d[0].from = a;
	d[0].to = b;
	d[1].from = b;
	d[1].to = a;
	if (epoll_mode)
		ok = !pthread_create(&t, NULL, loop, d);
	else
		ok = !pthread_create(&t, NULL, pump, &d[0]) &&
		     !pthread_create(&t, NULL, pump, &d[1]);
	if (!ok) {
		fprintf(stderr, "tap_bridge: cannot start threads\n");
		return 1;
	}
	sleep((unsigned)atoi(argv[4]));
	return 0;
}
