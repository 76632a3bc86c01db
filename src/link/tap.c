// SPDX-License-Identifier: MIT
/* TAP link: Ethernet frames to and from the kernel through /dev/net/tun.
 *
 * The device is created (or attached to, if it exists and we may) in the network namespace of
 * the calling process, so `ip netns exec NS prog --tap ng0` puts it where a test wants it. The
 * kernel sees an ordinary Ethernet interface; natgate is the "wire" behind it and uses its own,
 * random, locally administered MAC (the kernel side keeps its own MAC). We set the kernel side's
 * MTU to ours and bring the interface up, so that only addresses and routes are left for whoever
 * configures the kernel side (bringing it up again is harmless).
 *
 * Offloads (the speed of the data path). Crossing the TAP costs the kernel a full trip through
 * its stack per frame, so the link moves 64 KiB "super-frames" instead of MTU-sized ones, as a
 * virtual machine's virtio-net device does. The device is opened with IFF_VNET_HDR: every frame
 * carries a struct virtio_net_hdr in front.
 *  - Kernel to us: TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4) lets the kernel hand us TCP/IPv4
 *    super-segments and frames with only partial checksums. By default the link finishes them
 *    as a NIC would (ng_link_segment_tcp4, ng_link_finish_csum, shared with the AF_PACKET link),
 *    so the stack only ever sees ordinary, MTU-sized frames with complete checksums. When the
 *    link's owner sets rx_whole (the router, whose every byte would otherwise be cut here and
 *    gathered again by the egress link), a TCP super-segment is handed over whole, with its
 *    gso_size and its checksum left partial (ng_link_rx_offload).
 *  - Us to the kernel: transmitted frames are not written at once. Consecutive TCP/IPv4
 *    segments of one connection (same headers and options, contiguous sequence numbers, equal
 *    payload sizes but for the last) are gathered, up to 64 KiB, and written with one writev()
 *    as a single GSO frame (gso_size = the segments' payload size; the TCP checksum left
 *    partial for the kernel, which delivers it locally as one buffer or cuts it up again if it
 *    forwards it). Anything else is written alone. Gathering holds the stack's packets (no copy);
 *    the batch is written when a frame that does not fit comes, when it is full, and at the end
 *    of every event-loop turn (the loop polls its links; deadline() asks for that at once while
 *    frames are held). A pure ACK is held the same way, and replaced when the stack sends a
 *    newer cumulative ACK of the same connection in the same turn (never a duplicate ACK): the
 *    kernel then handles one ACK per batch of segments we read, as after GRO. A frame that
 *    comes with offload state of its own (NG_PKT_F_CSUM_PARTIAL, a gso_size: the link
 *    advertises NG_LINK_TX_CSUM | NG_LINK_TX_TSO4) is written with the header that asks the
 *    kernel to finish it.
 * Kernels without IFF_VNET_HDR support make the link fall back to one plain frame per syscall.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "link/link_internal.h"
#include "wire/wire_internal.h"

/* Segments gathered into one GSO frame at most (64 KiB / 1448 bytes is 46; small MSS stop at
 * the byte limit first). */
#define GATHER_MAX 64
/* The largest frame the kernel can hand us with offloads on: 64 KiB plus Ethernet and slack. */
#define SUPER_LEN (65536 + 64)
/* A packet with this much tailroom takes any frame the kernel may hand us (Ethernet header and
 * the largest IPv4 datagram) plus one byte, so a read filling it all was truncated. */
#define DIRECT_MIN (NG_ETH_HLEN + 65535 + 1)

struct tap_link {
	struct ng_link l;
	int fd;
	bool vnet;        /* frames carry a struct virtio_net_hdr (offloads on) */
	uint8_t *scratch; /* a frame is read here when no packet can take it, then copied/cut */
	uint32_t scratch_len;
	struct ng_frameq segs; /* segments cut from a received super-segment, waiting for recv */
	/* The batch being gathered for one GSO write (see the top of the file). */
	struct ng_pkt *g[GATHER_MAX];
	unsigned gn;      /* packets held */
	uint32_t g_hdrs;  /* Ethernet + IP + TCP header bytes of each */
	uint32_t g_mss;   /* payload bytes of the first (every one but the last has this many) */
	uint32_t g_bytes; /* payload bytes held */
	uint32_t g_seq;   /* sequence number the next segment must carry */
	bool g_closed;    /* the last one was short or pushed: nothing more may follow */
	bool drained;     /* a read found nothing since the last poll */
	uint64_t acks_thinned; /* pure ACKs dropped because a newer one replaced them */
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

/* writev() to the device, retried on EINTR; counts the outcome for FRAMES frames of LEN bytes.
 * 0, or -NG_ENOBUFS / -errno. */
static int write_frames(struct tap_link *t, struct iovec *iov, int iovcnt, size_t len,
                        unsigned frames)
{
	ssize_t n;

	do
		n = writev(t->fd, iov, iovcnt);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len) {
		t->l.tx_errors += frames;
		return n < 0 ? (errno == EAGAIN ? -NG_ENOBUFS : -errno) : -NG_EMSGSIZE;
	}
	t->l.tx_frames += frames;
	t->l.tx_bytes += len - (t->vnet ? sizeof(struct virtio_net_hdr) : 0);
	return 0;
}

/* Write P alone with the virtio-net header its offload state asks for; consumes P. */
static int write_one(struct tap_link *t, struct ng_pkt *p)
{
	struct virtio_net_hdr vh;
	struct iovec iov[2];
	int rc;

	ng_link_offload_hdr(p, &vh);
	iov[0].iov_base = &vh;
	iov[0].iov_len = sizeof(vh);
	iov[1].iov_base = ng_pkt_data(p);
	iov[1].iov_len = p->len;
	if (t->vnet)
		rc = write_frames(t, iov, 2, sizeof(vh) + p->len, 1);
	else
		rc = write_frames(t, iov + 1, 1, p->len, 1);
	ng_pkt_free(p);
	return rc;
}

/* Write the gathered batch: one packet as it is; several as one GSO frame made of the first
 * packet's headers (IP length and checksum rewritten, TCP checksum left partial) and every
 * packet's payload. Frees the packets. */
static int gather_flush(struct tap_link *t)
{
	struct iovec iov[GATHER_MAX + 1];
	struct virtio_net_hdr vh;
	struct ng_pkt *first = t->g[0], *last;
	uint8_t *d, *ip, *th;
	uint32_t ihl, tcp_len, i;
	size_t len;
	int rc;

	if (!t->gn)
		return 0;
	if (t->gn == 1) {
		t->gn = 0;
		return write_one(t, first);
	}
	last = t->g[t->gn - 1];
	d = ng_pkt_data(first);
	ip = d + NG_ETH_HLEN;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	th = ip + ihl;
	tcp_len = t->g_hdrs - NG_ETH_HLEN - ihl + t->g_bytes;
	/* PSH of the last segment goes on the whole (the receiver sees one segment). */
	th[13] = (uint8_t)(th[13] | (ng_pkt_data(last)[NG_ETH_HLEN + ihl + 13] & NG_TCP_PSH));
	ng_put16(ip + 2, (uint16_t)(ihl + tcp_len));
	ng_put16(ip + 10, 0);
	ng_put16(ip + 10, ng_csum(ip, ihl));
	/* CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum, not complemented. */
	ng_put16(th + 16,
	         (uint16_t)~ng_csum_finish(ng_csum_pseudo(ng_get32(ip + 12), ng_get32(ip + 16),
	                                                  NG_IP_PROTO_TCP, (uint16_t)tcp_len)));
	/* The first packet now heads a super-segment of the whole batch: the header that asks
	 * the kernel to cut it (and to finish its checksum) is the one any such packet gets. */
	first->gso_size = (uint16_t)t->g_mss;
	first->flags |= NG_PKT_F_CSUM_PARTIAL;
	ng_link_offload_hdr(first, &vh);
	iov[0].iov_base = &vh;
	iov[0].iov_len = sizeof(vh);
	iov[1].iov_base = d;
	iov[1].iov_len = first->len;
	len = sizeof(vh) + first->len;
	for (i = 1; i < t->gn; i++) {
		struct ng_pkt *p = t->g[i];
		iov[i + 1].iov_base = ng_pkt_data(p) + t->g_hdrs;
		iov[i + 1].iov_len = p->len - t->g_hdrs;
		len += p->len - t->g_hdrs;
	}
	rc = write_frames(t, iov, (int)t->gn + 1, len, t->gn);
	for (i = 0; i < t->gn; i++)
		ng_pkt_free(t->g[i]);
	t->gn = 0;
	return rc;
}

/* If P is a TCP/IPv4 segment that may be held (IPv4 without options or fragmenting, DF set;
 * either data with flags ACK or ACK|PSH, or a pure ACK), its header length; else 0. Our own
 * frames, but checked against their length all the same. */
static uint32_t gatherable(const struct ng_pkt *p)
{
	const uint8_t *d = ng_pkt_data(p), *ip = d + NG_ETH_HLEN, *th;
	uint32_t thl;

	if (p->len < NG_ETH_HLEN + 40 || ng_get16(d + 12) != NG_ETH_P_IPV4 || ip[0] != 0x45 ||
	    ip[9] != NG_IP_PROTO_TCP || ng_get16(ip + 6) != 0x4000 ||
	    ng_get16(ip + 2) != p->len - NG_ETH_HLEN)
		return 0;
	th = ip + 20;
	thl = (uint32_t)(th[12] >> 4) * 4;
	if (thl < 20 || (th[13] & ~NG_TCP_PSH) != NG_TCP_ACK || NG_ETH_HLEN + 20 + thl > p->len ||
	    (NG_ETH_HLEN + 20 + thl == p->len && th[13] != NG_TCP_ACK))
		return 0;
	return NG_ETH_HLEN + 20 + thl;
}

/* Whether A and B (both gatherable) belong to one connection in one direction: same Ethernet
 * header, IP version/TOS/TTL/protocol/addresses, TCP ports. */
static bool same_flow(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, NG_ETH_HLEN + 2) &&                        /* eth, ver, tos */
	       !memcmp(a + NG_ETH_HLEN + 8, b + NG_ETH_HLEN + 8, 2) &&  /* ttl, proto */
	       !memcmp(a + NG_ETH_HLEN + 12, b + NG_ETH_HLEN + 12, 12); /* addresses, ports */
}

/* Whether pure ACK P makes the held pure ACK redundant: same connection and sequence number,
 * a strictly newer cumulative acknowledgment (a duplicate ACK is never merged away: the peer
 * counts those, RFC 5681 3.2). The newer ACK carries the current window and options. This is
 * the thinning a receiver doing GRO gets for free: one ACK per batch of segments read. */
static bool supersedes(const struct tap_link *t, const struct ng_pkt *p, uint32_t hdrs)
{
	const uint8_t *a = ng_pkt_data(t->g[0]), *b = ng_pkt_data(p);
	const uint8_t *ta = a + NG_ETH_HLEN + 20, *tb = b + NG_ETH_HLEN + 20;

	return t->gn == 1 && t->g_mss == 0 && p->len == hdrs && same_flow(a, b) &&
	       !memcmp(ta + 4, tb + 4, 4) && (int32_t)(ng_get32(tb + 8) - ng_get32(ta + 8)) > 0;
}

/* Whether data segment P (headers HDRS bytes) continues the batch: same connection, ack,
 * window and options (byte for byte: IP length/ID/checksum and TCP sequence/flags/checksum may
 * differ), the next sequence number, some payload but no more than the first's. */
static bool continues(const struct tap_link *t, const struct ng_pkt *p, uint32_t hdrs)
{
	const uint8_t *a = ng_pkt_data(t->g[0]), *b = ng_pkt_data(p);
	const uint8_t *ta = a + NG_ETH_HLEN + 20, *tb = b + NG_ETH_HLEN + 20;
	uint32_t pay = p->len - hdrs;

	return hdrs == t->g_hdrs && !t->g_closed && t->gn < GATHER_MAX && pay > 0 &&
	       pay <= t->g_mss && t->g_hdrs - NG_ETH_HLEN + t->g_bytes + pay <= 65535 &&
	       ng_get32(tb + 4) == t->g_seq && same_flow(a, b) && !memcmp(ta + 8, tb + 8, 5) &&
	       !memcmp(ta + 14, tb + 14, 2) && !memcmp(ta + 18, tb + 18, hdrs - NG_ETH_HLEN - 38);
}

/* Send one frame (see the top of the file: TCP segments may wait to be written together until
 * the end of the loop turn); consumes P. 0, or -NG_ENOBUFS / -errno (counted). An error writing
 * an earlier batch is reported here too. */
static int tap_xmit(struct ng_link *l, struct ng_pkt *p, uint64_t now)
{
	struct tap_link *t = to_tap(l);
	uint32_t hdrs;
	int rc = 0;

	(void)now;
	if (!t->vnet)
		return write_one(t, p);
	hdrs = p->gso_size ? 0 : gatherable(p);
	if (t->gn && hdrs && supersedes(t, p, hdrs)) {
		ng_pkt_free(t->g[0]);
		t->g[0] = p;
		t->acks_thinned++;
		return 0;
	}
	if (t->gn && hdrs && continues(t, p, hdrs)) {
		uint32_t pay = p->len - hdrs;
		t->g[t->gn++] = p;
		t->g_bytes += pay;
		t->g_seq += pay;
		t->g_closed = pay < t->g_mss || (ng_pkt_data(p)[NG_ETH_HLEN + 33] & NG_TCP_PSH);
		return 0;
	}
	rc = gather_flush(t);
	if (!hdrs) {
		int rc1 = write_one(t, p);
		return rc1 ? rc1 : rc;
	}
	t->g[0] = p;
	t->gn = 1;
	t->g_hdrs = hdrs;
	t->g_mss = p->len - hdrs;
	t->g_bytes = t->g_mss;
	t->g_seq = ng_get32(ng_pkt_data(p) + NG_ETH_HLEN + 24) + t->g_mss;
	t->g_closed = (ng_pkt_data(p)[NG_ETH_HLEN + 33] & NG_TCP_PSH) != 0;
	return rc;
}

/* Write whatever is gathered (called by the loop at the end of every turn, and by every pump
 * before it reads); the descriptor may be read again. */
static void tap_poll(struct ng_link *l, uint64_t now)
{
	struct tap_link *t = to_tap(l);

	(void)now;
	t->drained = false;
	gather_flush(t);
}

/* At once while frames are held, else never. */
static uint64_t tap_deadline(const struct ng_link *l)
{
	return to_tap(l)->gn ? 0 : UINT64_MAX;
}

/* Account for P and hand it over. */
static struct ng_pkt *deliver(struct ng_link *l, struct ng_pkt *p, uint64_t now)
{
	p->ts = now;
	l->rx_frames++;
	l->rx_bytes += p->len;
	return p;
}

/* Read one frame into a packet of POOL (data at the usual headroom). NULL when the kernel has
 * nothing for us. With offloads, a super-segment is cut into ordinary segments (handed out by
 * the following calls) and a partial checksum is finished first, unless rx_whole asks for them
 * as they are (ng_link_rx_offload). A frame that finds the pool
 * empty, or is malformed, is read anyway and dropped (counted in rx_errors), so the descriptor
 * does not stay readable and spin the loop. */
static struct ng_pkt *tap_recv(struct ng_link *l, struct ng_pktpool *pool, uint64_t now)
{
	struct tap_link *t = to_tap(l);
	unsigned tries;

	for (tries = 0; tries < 64; tries++) {
		struct ng_pkt *p = ng_frameq_pop_due(&t->segs, UINT64_MAX);
		struct virtio_net_hdr vh;
		struct iovec iov[3];
		uint8_t *buf, flags;
		uint16_t gso_size;
		size_t room, flen, split = 0;
		ssize_t n;

		if (p)
			return deliver(l, p, now);
		if (l->rx_idle || t->drained)
			return NULL; /* known to be empty: spare the syscall */
		p = ng_pkt_alloc(pool);
		/* Straight into the packet when it can take the largest frame (and one byte more,
		 * which tells a longer, truncated one). A smaller buffer (a two-size pool's small
		 * class) takes the first SPLIT bytes and the rest spills into scratch at the same
		 * offset: an ordinary frame lands in the packet, a longer one is made whole in
		 * scratch with one copy of its head. Without a packet, all goes to scratch. */
		if (p && ng_pkt_tailroom(p) >= DIRECT_MIN) {
			buf = ng_pkt_data(p);
			room = ng_pkt_tailroom(p);
		} else {
			buf = t->scratch;
			room = t->scratch_len;
			if (p && ng_pkt_tailroom(p) < t->scratch_len)
				split = ng_pkt_tailroom(p);
		}
		memset(&vh, 0, sizeof(vh));
		iov[0].iov_base = &vh;
		iov[0].iov_len = sizeof(vh);
		if (split) {
			iov[1].iov_base = ng_pkt_data(p);
			iov[1].iov_len = split;
			iov[2].iov_base = t->scratch + split;
			iov[2].iov_len = t->scratch_len - split;
		} else {
			iov[1].iov_base = buf;
			iov[1].iov_len = room;
		}
		if (t->vnet)
			n = readv(t->fd, iov, split ? 3 : 2);
		else if (split)
			n = readv(t->fd, iov + 1, 2);
		else
			n = read(t->fd, buf, room);
		if (n < 0 && errno == EINTR) {
			ng_pkt_free(p);
			continue;
		}
		if (n <= (t->vnet ? (ssize_t)sizeof(vh) : 0)) {
			if (n >= 0 || errno != EAGAIN)
				l->rx_errors++;
			ng_pkt_free(p);
			if (n < 0) {
				/* empty: no more reads until the next poll (the next pump) */
				t->drained = errno == EAGAIN;
				return NULL;
			}
			continue;
		}
		flen = (size_t)n - (t->vnet ? sizeof(vh) : 0);
		if (flen >= room) {
			l->rx_errors++; /* longer than any frame the kernel may hand us: truncated
			                 */
			ng_pkt_free(p);
			continue;
		}
		if (split && flen <= split)
			buf = ng_pkt_data(p); /* all of it in the packet */
		else if (split)
			memcpy(t->scratch, ng_pkt_data(p), split); /* whole in scratch */
		switch (ng_link_rx_offload(buf, flen, &vh, l->rx_whole, &gso_size, &flags)) {
		case NG_LINK_RX_CUT:
			if (!ng_link_segment_tcp4(&t->segs, pool, buf, flen, vh.gso_size))
				l->rx_errors++;
			ng_pkt_free(p);
			continue;
		case NG_LINK_RX_BAD:
			l->rx_errors++;
			ng_pkt_free(p);
			continue;
		case NG_LINK_RX_DELIVER:
			break;
		}
		/* too big for a small buffer: into a large one (from scratch, where such a frame
		 * always is: small buffers are too short to read into), or cut */
		p = ng_link_rx_fit(l, &t->segs, pool, p, buf, flen, gso_size);
		if (!p)
			continue;
		if (buf == t->scratch)
			memcpy(ng_pkt_data(p), buf, flen);
		ng_pkt_put(p, (uint32_t)flen);
		p->gso_size = gso_size;
		p->flags = flags;
		return deliver(l, p, now);
	}
	return NULL;
}

static int tap_fd(const struct ng_link *l)
{
	return to_tap(l)->fd;
}

/* Write what is gathered, then close the descriptor; a device we created goes away with it (it
 * is not persistent). */
static void tap_destroy(struct ng_link *l)
{
	struct tap_link *t = to_tap(l);

	if (t->fd >= 0)
		gather_flush(t);
	ng_frameq_free(&t->segs);
	close(t->fd);
	free(t->scratch);
	free(t);
}

static const struct ng_link_ops tap_ops = {
    .xmit = tap_xmit,
    .recv = tap_recv,
    .poll = tap_poll,
    .deadline = tap_deadline,
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
	t->scratch_len = SUPER_LEN;
	t->scratch = malloc(t->scratch_len);
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (!t->scratch || t->fd < 0) {
		err = t->scratch ? errno : ENOMEM;
		free(t->scratch);
		free(t);
		return fail(errmsg, err, "cannot open /dev/net/tun", name);
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	memcpy(ifr.ifr_name, name, strlen(name));
	t->vnet = true;
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		/* A kernel (or an existing device) without virtio-net headers: plain frames. */
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
		t->vnet = false;
		if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
			err = errno;
			tap_destroy(&t->l);
			return fail(errmsg, err, "TUNSETIFF", name);
		}
	}
	/* Let the kernel hand us super-segments and partial checksums (best effort: without it
	 * the kernel finishes frames itself and gathering on transmit still works). */
	if (t->vnet) {
		(void)ioctl(t->fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | TUN_F_TSO4));
		t->l.tx_offload = NG_LINK_TX_CSUM | NG_LINK_TX_TSO4;
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
