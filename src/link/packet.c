// SPDX-License-Identifier: MIT
/* AF_PACKET link: natgate takes over the traffic of an existing interface (a veth end, a NIC).
 *
 * A raw packet socket bound to the interface sees every frame that arrives on it (the interface
 * is put in promiscuous mode through a socket membership, which ends when the socket closes) and
 * can send any frame out of it. The stack uses the interface's own MAC, so peers reach it as
 * they would the interface. The kernel must keep its hands off that traffic: give the interface
 * no IP address, or the kernel will answer ARP and reset TCP connections too.
 *
 * Offloads. A packet socket sees frames as the kernel built them, before any NIC would have
 * finished them: a local peer's (veth) UDP and TCP checksums may be only partial, and its TCP
 * segments may be one 64 KiB "super-segment" (TSO/GSO). With PACKET_VNET_HDR every frame comes
 * with a virtio-net header that says so, and the link finishes the work a NIC would have done:
 * it completes partial checksums (RFC 1071 sum from csum_start, stored at csum_offset) and cuts
 * TCP/IPv4 super-segments into MTU-sized segments (sequence numbers advanced, FIN/PSH only on the
 * last, CWR only on the first, IP ID incremented, both checksums recomputed), so the stack only
 * ever sees ordinary frames. Other GSO kinds (UDP, IPv6) are dropped and counted in rx_errors.
 * When the link's owner sets rx_whole, TCP super-segments and partial TCP checksums are handed
 * over as they are instead (ng_link_rx_offload, as the TAP link does). On transmit the same
 * header asks the kernel to finish our partial checksums and cut our super-segments, so the link
 * advertises NG_LINK_TX_CSUM | NG_LINK_TX_TSO4 (GSO works on packet sockets with vnet headers).
 * Without PACKET_VNET_HDR (very old kernels) turn these offloads off on the peer instead.
 * Our own transmissions are not looped back to us (PACKET_IGNORE_OUTGOING, and the packet type
 * is checked as well for kernels without it).
 */
#include <errno.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "link/link_internal.h"
#include "wire/wire_internal.h"

struct packet_link {
	struct ng_link l;
	int fd;
	int ifindex;
	bool vnet;        /* frames carry a struct virtio_net_hdr in front */
	uint8_t *scratch; /* every frame is read here first, then copied or segmented */
	uint32_t scratch_len;
	struct ng_frameq segs; /* segments cut from a super-segment, waiting for recv */
};

/* The largest frame the kernel can hand us: a 64 KiB GSO super-segment plus Ethernet/VLAN. */
#define SCRATCH_LEN (65536 + 64)

static struct packet_link *to_packet(const struct ng_link *l)
{
	return ng_container_of(l, struct packet_link, l);
}

/* Send one frame out of the interface; consumes P. 0, or -NG_ENOBUFS / -errno (counted). */
static int packet_xmit(struct ng_link *l, struct ng_pkt *p, uint64_t now)
{
	struct packet_link *k = to_packet(l);
	ssize_t n;
	int rc = 0;

	(void)now;
	if (k->vnet) {
		/* All zero for a finished frame; else what the kernel must finish (partial
		 * checksum, or cutting a super-segment when the interface cannot). */
		struct virtio_net_hdr vh;
		struct iovec iov[2];
		struct msghdr msg;

		ng_link_offload_hdr(p, &vh);
		iov[0].iov_base = &vh;
		iov[0].iov_len = sizeof(vh);
		iov[1].iov_base = ng_pkt_data(p);
		iov[1].iov_len = p->len;
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = 2;
		do
			n = sendmsg(k->fd, &msg, MSG_DONTWAIT);
		while (n < 0 && errno == EINTR);
		if (n > 0)
			n -= (ssize_t)sizeof(vh);
	} else {
		do
			n = send(k->fd, ng_pkt_data(p), p->len, MSG_DONTWAIT);
		while (n < 0 && errno == EINTR);
	}
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

/* Account for P and hand it over. */
static struct ng_pkt *deliver(struct ng_link *l, struct ng_pkt *p, uint64_t now)
{
	p->ts = now;
	l->rx_frames++;
	l->rx_bytes += p->len;
	return p;
}

/* The next frame that arrived on the interface, in a packet of POOL; NULL when none is waiting.
 * Offloaded frames are finished first (see the top of the file). Frames we sent ourselves are
 * skipped; frames that are too long, malformed super-segments, and frames finding the pool empty
 * are dropped and counted in rx_errors. */
static struct ng_pkt *packet_recv(struct ng_link *l, struct ng_pktpool *pool, uint64_t now)
{
	struct packet_link *k = to_packet(l);
	unsigned tries;

	for (tries = 0; tries < 64; tries++) {
		struct virtio_net_hdr vh;
		struct sockaddr_ll from;
		struct iovec iov[2];
		struct msghdr msg;
		struct ng_pkt *p = ng_frameq_pop_due(&k->segs, UINT64_MAX);
		ssize_t n;
		size_t flen;
		uint16_t gso_size;
		uint8_t flags;

		if (p)
			return deliver(l, p, now);
		memset(&vh, 0, sizeof(vh));
		iov[0].iov_base = &vh;
		iov[0].iov_len = sizeof(vh);
		iov[1].iov_base = k->scratch;
		iov[1].iov_len = k->scratch_len;
		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &from;
		msg.msg_namelen = sizeof(from);
		msg.msg_iov = k->vnet ? iov : iov + 1;
		msg.msg_iovlen = k->vnet ? 2 : 1;
		do
			n = recvmsg(k->fd, &msg, MSG_TRUNC);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			if (errno != EAGAIN)
				l->rx_errors++;
			return NULL;
		}
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		flen = (size_t)n - (k->vnet ? sizeof(vh) : 0);
		if (flen > k->scratch_len) {
			l->rx_errors++;
			continue;
		}
		switch (ng_link_rx_offload(k->scratch, flen, &vh, l->rx_whole, &gso_size, &flags)) {
		case NG_LINK_RX_CUT:
			if (!ng_link_segment_tcp4(&k->segs, pool, k->scratch, flen, vh.gso_size))
				l->rx_errors++;
			continue;
		case NG_LINK_RX_BAD:
			l->rx_errors++;
			continue;
		case NG_LINK_RX_DELIVER:
			break;
		}
		/* a small buffer, or a large one for a frame too big for it (or cut) */
		p = ng_link_rx_fit(l, &k->segs, pool, ng_pkt_alloc(pool), k->scratch, flen,
		                   gso_size);
		if (!p)
			continue;
		memcpy(ng_pkt_put(p, (uint32_t)flen), k->scratch, flen);
		p->gso_size = gso_size;
		p->flags = flags;
		return deliver(l, p, now);
	}
	return NULL;
}

static int packet_fd(const struct ng_link *l)
{
	return to_packet(l)->fd;
}

/* Close the socket (which also ends the promiscuous membership). */
static void packet_destroy(struct ng_link *l)
{
	struct packet_link *k = to_packet(l);

	ng_frameq_free(&k->segs);
	close(k->fd);
	free(k->scratch);
	free(k);
}

static const struct ng_link_ops packet_ops = {
    .xmit = packet_xmit,
    .recv = packet_recv,
    .fd = packet_fd,
    .destroy = packet_destroy,
};

/* Own the traffic of the existing interface IFNAME (see the top of the file for what the kernel
 * side must leave alone). The link's MTU and MAC are the interface's. 0, or -NG_EINVAL / a
 * negative errno with a one-line reason in *ERRMSG (static storage). */
int ng_packet_open(const char *ifname, struct ng_link **out, const char **errmsg)
{
	static char errbuf[160];
	struct packet_link *k;
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	struct ifreq ifr;
	const char *what = "allocating";
	int err = ENOMEM, one = 1;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ) {
		snprintf(errbuf, sizeof(errbuf),
		         "packet: bad interface name '%s' (1 to %d characters)",
		         ifname ? ifname : "", IFNAMSIZ - 1);
		if (errmsg)
			*errmsg = errbuf;
		return -NG_EINVAL;
	}
	k = calloc(1, sizeof(*k));
	if (!k)
		goto fail_nofd;
	k->l.ops = &packet_ops;
	snprintf(k->l.name, sizeof(k->l.name), "%s", ifname);
	/* Protocol 0: receive nothing until bound to the interface, so no stray frames of other
	 * interfaces slip in between socket() and bind(). */
	k->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (k->fd < 0) {
		err = errno;
		what = "socket(AF_PACKET)";
		free(k);
		goto fail_nofd;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	what = "no such interface";
	if (ioctl(k->fd, SIOCGIFINDEX, &ifr) < 0)
		goto fail;
	k->ifindex = ifr.ifr_ifindex;
	what = "reading its MTU";
	if (ioctl(k->fd, SIOCGIFMTU, &ifr) < 0)
		goto fail;
	k->l.mtu = (uint32_t)ifr.ifr_mtu;
	what = "reading its MAC";
	if (ioctl(k->fd, SIOCGIFHWADDR, &ifr) < 0)
		goto fail;
	if (ifr.ifr_hwaddr.sa_family != 1 /* ARPHRD_ETHER */) {
		errno = EINVAL;
		what = "not an Ethernet interface";
		goto fail;
	}
	memcpy(k->l.mac, ifr.ifr_hwaddr.sa_data, 6);
	what = "allocating";
	k->scratch_len = NG_MAX(SCRATCH_LEN, k->l.mtu + NG_ETH_HLEN + 64);
	k->scratch = malloc(k->scratch_len);
	if (!k->scratch) {
		errno = ENOMEM;
		goto fail;
	}
	/* Offload information with every frame (see the top of the file), if the kernel can. */
	k->vnet = !setsockopt(k->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one));
	/* ...and in the other direction: the kernel finishes checksums and cuts super-segments
	 * for us (in software, or in the NIC when it can). */
	if (k->vnet)
		k->l.tx_offload = NG_LINK_TX_CSUM | NG_LINK_TX_TSO4;
	/* Best effort: older kernels loop our frames back, recv() skips those by packet type. */
	(void)setsockopt(k->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = k->ifindex;
	what = "bind";
	if (bind(k->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = k->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	what = "promiscuous mode";
	if (setsockopt(k->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		goto fail;
	*out = &k->l;
	return 0;

fail:
	err = errno;
	packet_destroy(&k->l);
fail_nofd:
	snprintf(errbuf, sizeof(errbuf), "packet %s: %s: %s", ifname, what, strerror(err));
	if (errmsg)
		*errmsg = errbuf;
	return -err;
}
