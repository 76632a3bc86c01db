// SPDX-License-Identifier: MIT
/* The TAP link's offloads against the kernel's TCP, in a fresh network namespace: the kernel's
 * 64 KiB super-segments are cut up for natgate's stack, and natgate's own super-segments (TSO)
 * and runs of ordinary segments (TSO off: the link gathers them) reach the kernel as GSO frames
 * whose virtio-net header the kernel understood as such (seen through a packet socket on the
 * kernel's side); every byte arrives either way.
 *
 * The test moves this process into a new, anonymous network namespace (unshare(CLONE_NEWNET))
 * before it creates anything, so nothing touches the namespace it started in and everything
 * vanishes with the process. Without root or /dev/net/tun it is skipped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/core_internal.h"
#include "gw/gw.h"
#include "natgate/tcp.h"
#include "wire/wire_internal.h"
#include "testutil.h"

#define BLOB (1u << 20)
#define FNV0 1469598103934665603ull

static uint8_t blob[BLOB];

static uint64_t fnv(uint64_t h, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

/* Packets the kernel side of DEV received (WHAT 0) or sent (WHAT 1), from /proc/net/dev (which,
 * unlike sysfs, shows the namespace of the reading process). */
static uint64_t dev_stat(const char *dev, int what)
{
	char line[512], name[32];
	unsigned long long v[16];
	uint64_t r = UINT64_MAX;
	FILE *f = fopen("/proc/net/dev", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');
		if (!c || sscanf(line, " %31[^:]", name) != 1 || strcmp(name, dev))
			continue;
		assert_int_equal(sscanf(c + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		                        &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		                        &v[8], &v[9]),
		                 10);
		r = what ? v[9] : v[1];
	}
	fclose(f);
	assert_true(r != UINT64_MAX);
	return r;
}

/* A packet socket on the kernel's side of DEV that shows each IPv4 frame the kernel takes in
 * with its offload state (PACKET_VNET_HDR: the virtio-net header our link wrote, as the kernel
 * understood it). */
static int tap_socket(const char *dev)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP)};
	/* SOCK_RAW: frames with their Ethernet header, as the offsets in the header count */
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_IP)), one = 1;
	int size = 16 << 20;

	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)), 0);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	sll.sll_ifindex = (int)if_nametoindex(dev);
	assert_true(sll.sll_ifindex > 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

/* Read what FD saw arrive for TCP port PORT: a data frame with more than one segment's payload
 * must be a GSO frame whose header asks for TCP/IPv4 segments of fewer bytes than it carries,
 * with the checksum to finish at the TCP header (they are counted in *GSO); the others must be
 * ordinary frames. */
static void tap_drain(int fd, uint16_t port, unsigned *gso)
{
	static uint8_t f[65536 + 64];
	struct virtio_net_hdr vh;
	struct sockaddr_ll from;
	struct iovec iov[2] = {{&vh, sizeof(vh)}, {f, sizeof(f)}};
	struct msghdr msg = {.msg_name = &from, .msg_iov = iov, .msg_iovlen = 2};
	ssize_t n;

	for (int i = 0; i < 4096; i++) {
		const uint8_t *ip = f + 14;
		size_t ihl, thl, pay;

		msg.msg_namelen = sizeof(from);
		n = recvmsg(fd, &msg, MSG_DONTWAIT);
		if (n < 0)
			break;
		n -= (ssize_t)sizeof(vh);
		if (from.sll_pkttype == PACKET_OUTGOING || n < 14 + 40 || ip[9] != NG_IP_PROTO_TCP)
			continue;
		ihl = (size_t)(ip[0] & 0x0f) * 4;
		thl = (size_t)(ip[ihl + 12] >> 4) * 4;
		if (ng_get16(ip + ihl + 2) != port || (size_t)n < 14 + ihl + thl)
			continue;
		pay = ng_get16(ip + 2) - ihl - thl;
		if (pay <= 1460) {
			assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
			continue;
		}
		assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
		assert_true(vh.gso_size >= 536 && vh.gso_size <= 1460 && vh.gso_size < pay);
		assert_true(vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
		assert_int_equal(vh.csum_start, 14 + ihl);
		assert_int_equal(vh.csum_offset, 16);
		(*gso)++;
	}
}

struct peer {
	uint64_t bytes, hash;
	size_t sent;
	bool eof, connected;
};

/* Receiving side (kernel -> natgate): count and hash, close at EOF. */
static void sink_event(struct ng_tcp_sock *s, void *ctx, unsigned ev)
{
	struct peer *k = ctx;
	uint8_t b[16384];
	long n;

	if (!(ev & NG_TCP_EV_READABLE))
		return;
	while ((n = ng_tcp_recv(s, b, sizeof(b))) > 0) {
		k->hash = fnv(k->hash, b, (size_t)n);
		k->bytes += (uint64_t)n;
	}
	if (n == 0) {
		k->eof = true;
		ng_tcp_close(s);
	}
}

static void sink_accept(struct ng_tcp_sock *l, void *ctx, struct ng_tcp_sock *c)
{
	(void)l;
	ng_tcp_set_callback(c, sink_event, ctx);
}

/* Sending side (natgate -> kernel): push the blob as space allows, then shut down. */
static void source_push(struct ng_tcp_sock *s, struct peer *k)
{
	long n;

	while (k->sent < BLOB && (n = ng_tcp_send(s, blob + k->sent, BLOB - k->sent)) > 0)
		k->sent += (size_t)n;
	if (k->sent == BLOB && !k->eof) {
		ng_tcp_shutdown(s);
		k->eof = true;
	}
}

static void source_event(struct ng_tcp_sock *s, void *ctx, unsigned ev)
{
	struct peer *k = ctx;

	if (ev & NG_TCP_EV_CONNECTED)
		k->connected = true;
	if (ev & (NG_TCP_EV_CONNECTED | NG_TCP_EV_WRITABLE))
		source_push(s, k);
}

/* One turn of an event loop: time, input, time, and the links' end-of-turn flush. */
static void turn(struct ng_stack *st, struct ng_link *l)
{
	ng_stack_poll(st, ng_clock_now());
	ng_stack_pump(st, 0);
	ng_stack_poll(st, ng_clock_now());
	ng_link_poll(l, ng_clock_now());
}

/* natgate -> kernel: connect to a kernel listener on K_ADDR:PORT and send the blob; the kernel
 * must get every byte (hash WANT) in far fewer frames than 1448-byte segments would take, be
 * they our TCP's super-segments or runs of segments the link gathered into GSO writes. */
static void to_kernel(struct ng_stack *st, struct ng_link *l, uint32_t k_addr, uint16_t port,
                      uint64_t want, const char *what)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct peer down = {.hash = FNV0};
	struct ng_tcp_sock *cs;
	uint64_t end, krx0, ltx0 = l->tx_frames, kbytes = 0, khash = FNV0;
	unsigned gso = 0;
	int lsk, a = -1, one = 1, tap = tap_socket("ngt1");

	lsk = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(lsk >= 0);
	setsockopt(lsk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(k_addr);
	sa.sin_port = htons(port);
	assert_int_equal(bind(lsk, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lsk, 4), 0);
	krx0 = dev_stat("ngt1", 0);
	assert_int_equal(ng_tcp_connect(st, k_addr, port, source_event, &down, NULL, &cs), 0);
	end = ng_clock_now() + 10 * NG_NS_PER_SEC;
	while (ng_clock_now() < end) {
		uint8_t b[65536];
		ssize_t n;
		turn(st, l);
		tap_drain(tap, port, &gso);
		if (down.connected)
			source_push(cs, &down);
		if (a < 0)
			a = accept(lsk, NULL, NULL);
		if (a >= 0) {
			while ((n = recv(a, b, sizeof(b), MSG_DONTWAIT)) > 0) {
				khash = fnv(khash, b, (size_t)n);
				kbytes += (uint64_t)n;
			}
			if (n == 0)
				break;
		}
		usleep(100);
	}
	assert_int_equal(kbytes, BLOB);
	assert_true(khash == want);
	assert_int_equal(l->tx_errors, 0);
	tap_drain(tap, port, &gso);
	print_message("natgate -> kernel (%s): %llu link frames, %llu kernel frames (%u GSO)\n",
	              what, (unsigned long long)(l->tx_frames - ltx0),
	              (unsigned long long)(dev_stat("ngt1", 0) - krx0), gso);
	assert_true(gso > 0);
	assert_true(dev_stat("ngt1", 0) - krx0 < 725 / 2);
	close(tap);
	close(a);
	close(lsk);
	ng_tcp_close(cs);
}

static void test_tap_offload(void **state)
{
	const uint32_t k_addr = NG_IP4(10, 79, 0, 1), n_addr = NG_IP4(10, 79, 0, 2);
	struct ng_stack_config c;
	struct ng_iface_config ic;
	struct ng_stack *st;
	struct ng_link *l = NULL;
	struct ng_tcp_sock *ls;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct peer up = {.hash = FNV0};
	const char *msg = NULL;
	uint64_t want, end, ktx0;
	size_t sent = 0;
	int t;
	(void)state;

	if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0) {
		print_message("not root or no /dev/net/tun: skipped\n");
		skip();
	}
	if (unshare(CLONE_NEWNET) != 0) {
		print_message("unshare(CLONE_NEWNET): %s: skipped\n", strerror(errno));
		skip();
	}
	ng_test_fill(blob, sizeof(blob), 7);
	want = fnv(FNV0, blob, sizeof(blob));
	assert_int_equal(ng_tap_open("ngt1", 1500, &l, &msg), 0);
	assert_int_equal(system("ip addr add 10.79.0.1/24 dev ngt1"), 0);
	ng_stack_config_default(&c);
	c.pkt_count = 512;
	assert_int_equal(ng_stack_create(&c, &st), 0);
	ng_stack_poll(st, ng_clock_now());
	memset(&ic, 0, sizeof(ic));
	ic.addr = n_addr;
	ic.prefix_len = 24;
	assert_int_equal(ng_stack_add_iface(st, &ic, l, NULL), 0);

	/* kernel -> natgate: the kernel's TCP hands the TAP super-segments (TSO offered by us) */
	assert_int_equal(ng_tcp_listen(st, 0, 9, 4, sink_accept, &up, NULL, &ls), 0);
	ktx0 = dev_stat("ngt1", 1);
	t = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(t >= 0);
	sa.sin_addr.s_addr = htonl(n_addr);
	sa.sin_port = htons(9);
	assert_true(connect(t, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EINPROGRESS);
	end = ng_clock_now() + 10 * NG_NS_PER_SEC;
	while (!up.eof && ng_clock_now() < end) {
		ssize_t n;
		turn(st, l);
		if (sent < BLOB) {
			n = send(t, blob + sent, BLOB - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
			if (sent == BLOB)
				shutdown(t, SHUT_WR);
		}
		usleep(100);
	}
	assert_true(up.eof);
	assert_int_equal(up.bytes, BLOB);
	assert_true(up.hash == want);
	assert_int_equal(l->rx_errors, 0);
	assert_int_equal(ng_stack_stats(st)->drops[NG_DROP_ETH_OVERSIZE], 0);
	assert_int_equal(ng_stack_stats(st)->drops[NG_DROP_TCP_CSUM], 0);
	/* 1 MiB in 1448-byte segments would be ~725 frames; super-segments make far fewer */
	print_message("kernel -> natgate: %llu kernel frames, %llu link frames\n",
	              (unsigned long long)(dev_stat("ngt1", 1) - ktx0),
	              (unsigned long long)l->rx_frames);
	assert_true(dev_stat("ngt1", 1) - ktx0 < 725 / 2);
	close(t);

	/* natgate -> kernel: our TCP's super-segments (TSO) written whole */
	to_kernel(st, l, k_addr, 7000, want, "TSO");
	/* ...and without TSO on the link: MSS segments, gathered into GSO writes by the link */
	l->tx_offload &= ~NG_LINK_TX_TSO4;
	to_kernel(st, l, k_addr, 7001, want, "gathered");
	ng_tcp_close(ls);
	for (int i = 0; i < 20; i++)
		turn(st, l);
	ng_link_destroy(l);
	assert_int_equal(ng_stack_destroy(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tap_offload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
