// SPDX-License-Identifier: MIT
/* TAP link: Ethernet frames to and from the kernel through /dev/net/tun.
 *
 * The device is created (or attached to, if it exists and we may) in the network namespace of
 * the calling process, so `ip netns exec NS prog --tap ng0` puts it where a test wants it. The
 * kernel sees an ordinary Ethernet interface; natgate is the "wire" behind it and uses its own,
 * random, locally administered MAC (the kernel side keeps its own MAC). We set the kernel side's
 * MTU to ours and bring the interface up, so that only addresses and routes are left for whoever
 * configures the kernel side (bringing it up again is harmless). No offloads are enabled
 * (no IFF_VNET_HDR, no TUNSETOFFLOAD), so the kernel hands us frames no larger than the MTU.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "link/link_internal.h"
#include "wire/wire_internal.h"

struct tap_link {
	struct ng_link l;
	int fd;
	uint8_t *scratch; /* a frame is read here and dropped when the pool is empty */
	uint32_t scratch_len;
};

static struct tap_link *to_tap(const struct ng_link *l)
{
	return ng_container_of(l, struct tap_link, l);
}

static char errbuf[160];

static int fail(const char **errmsg, int err, const char *what, const char *name)
{
	snprintf(errbuf, sizeof(errbuf), "tap %s: %s: %s", name, what, strerror(err));
	if (errmsg)
		*errmsg = errbuf;
	return -err;
}

/* Write one frame to the kernel; consumes P. 0, or -NG_ENOBUFS / -errno (counted). */
static int tap_xmit(struct ng_link *l, struct ng_pkt *p, uint64_t now)
{
	struct tap_link *t = to_tap(l);
	ssize_t n;
	int rc = 0;

	(void)now;
	do
		n = write(t->fd, ng_pkt_data(p), p->len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)p->len) {
		l->tx_errors++;
		rc = n < 0 ? (errno == EAGAIN ? -NG_ENOBUFS : -errno) : -NG_EMSGSIZE;
	} else {
		l->tx_frames++;
		l->tx_bytes += p->len;
	}
	ng_pkt_free(p);
	return rc;
}

/* Read one frame into a packet of POOL (data at the usual headroom). NULL when the kernel has
 * nothing for us; a frame that finds the pool empty is read anyway and dropped (counted in
 * rx_errors), so the descriptor does not stay readable and spin the loop. */
static struct ng_pkt *tap_recv(struct ng_link *l, struct ng_pktpool *pool, uint64_t now)
{
	struct tap_link *t = to_tap(l);
	struct ng_pkt *p = ng_pkt_alloc(pool);
	uint8_t *buf = p ? ng_pkt_data(p) : t->scratch;
	size_t room = p ? ng_pkt_tailroom(p) : t->scratch_len;
	ssize_t n;

	do
		n = read(t->fd, buf, room);
	while (n < 0 && errno == EINTR);
	if (n <= 0 || !p) {
		if (n > 0 || (n < 0 && errno != EAGAIN))
			l->rx_errors++;
		ng_pkt_free(p);
		return NULL;
	}
	ng_pkt_put(p, (uint32_t)n);
	p->ts = now;
	l->rx_frames++;
	l->rx_bytes += (uint64_t)n;
	return p;
}

static int tap_fd(const struct ng_link *l)
{
	return to_tap(l)->fd;
}

/* Close the descriptor; a device we created goes away with it (it is not persistent). */
static void tap_destroy(struct ng_link *l)
{
	struct tap_link *t = to_tap(l);

	close(t->fd);
	free(t->scratch);
	free(t);
}

static const struct ng_link_ops tap_ops = {
    .xmit = tap_xmit,
    .recv = tap_recv,
    .fd = tap_fd,
    .destroy = tap_destroy,
};

/* A random locally administered unicast MAC, different from the kernel side's AVOID. */
static int random_mac(uint8_t mac[6], const uint8_t avoid[6])
{
	do {
		if (getrandom(mac, 6, 0) != 6)
			return -1;
		mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
	} while (!memcmp(mac, avoid, 6));
	return 0;
}

/* Create or attach TAP device NAME in the caller's network namespace, set its MTU to MTU
 * (68..65520) and bring it up. 0, or -NG_EINVAL (bad name or MTU) or a negative errno, with a
 * one-line reason in *ERRMSG (static storage). */
int ng_tap_open(const char *name, uint32_t mtu, struct ng_link **out, const char **errmsg)
{
	struct tap_link *t;
	struct ifreq ifr;
	int sock, err;

	if (!name || !*name || strlen(name) >= IFNAMSIZ) {
		snprintf(errbuf, sizeof(errbuf),
		         "tap: bad interface name '%s' (1 to %d characters)", name ? name : "",
		         IFNAMSIZ - 1);
		if (errmsg)
			*errmsg = errbuf;
		return -NG_EINVAL;
	}
	if (mtu < 68 || mtu > 65520) {
		snprintf(errbuf, sizeof(errbuf), "tap %s: MTU %u out of range (68..65520)", name,
		         mtu);
		if (errmsg)
			*errmsg = errbuf;
		return -NG_EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return fail(errmsg, ENOMEM, "allocating", name);
	t->scratch_len = mtu + NG_ETH_HLEN;
	t->scratch = malloc(t->scratch_len);
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (!t->scratch || t->fd < 0) {
		err = t->scratch ? errno : ENOMEM;
		free(t->scratch);
		free(t);
		return fail(errmsg, err, "cannot open /dev/net/tun", name);
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		err = errno;
		tap_destroy(&t->l);
		return fail(errmsg, err, "TUNSETIFF", name);
	}
	t->l.ops = &tap_ops;
	snprintf(t->l.name, sizeof(t->l.name), "%.*s", IFNAMSIZ - 1, ifr.ifr_name);
	t->l.mtu = mtu;

	/* MTU, MAC and up: ioctls on any AF_INET socket of this namespace. */
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		err = errno;
		tap_destroy(&t->l);
		return fail(errmsg, err, "socket", name);
	}
	ifr.ifr_mtu = (int)mtu;
	if (ioctl(sock, SIOCSIFMTU, &ifr) < 0) {
		err = errno;
		close(sock);
		tap_destroy(&t->l);
		return fail(errmsg, err, "setting the MTU", name);
	}
	if (ioctl(sock, SIOCGIFHWADDR, &ifr) < 0 ||
	    random_mac(t->l.mac, (const uint8_t *)ifr.ifr_hwaddr.sa_data) < 0) {
		err = errno;
		close(sock);
		tap_destroy(&t->l);
		return fail(errmsg, err, "choosing a MAC", name);
	}
	err = 0;
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0) {
		err = errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
			err = errno;
	}
	if (err) {
		close(sock);
		tap_destroy(&t->l);
		return fail(errmsg, err, "bringing it up", name);
	}
	close(sock);
	*out = &t->l;
	return 0;
}
