// SPDX-License-Identifier: MIT
/* The TAP and AF_PACKET links with rx_whole against the kernel's TCP: the kernel's
 * super-segments come out of ng_link_recv whole (longer than the MTU, gso_size set, checksum
 * partial and right once finished, every byte in place); a pool whose buffers cannot hold one
 * gets them cut instead, and a two-size pool puts them in its large buffers while one is free.
 *
 * The far end of the kernel's connection is played by hand on the link itself (SYN+ACK, then an
 * ACK for everything received), so no TCP of ours is involved. Each test moves this process into
 * a new, anonymous network namespace first; without root or /dev/net/tun (or veth) it is
 * skipped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gw/gw.h"
#include "link/link_internal.h"
#include "wire/wire_internal.h"
#include "testutil.h"

#define K_ADDR NG_IP4(10, 79, 1, 1)
#define N_ADDR NG_IP4(10, 79, 1, 2)
#define BLOB   (1u << 20)
#define ISS    5000u

static uint8_t blob[BLOB];

struct run {
	uint8_t kmac[6];
	uint16_t kport;
	uint32_t irs; /* the kernel's initial sequence number */
	uint32_t rcv; /* bytes received in order */
	unsigned whole, cut, frames;
};

/* Send a TCP segment from N_ADDR:9 to the kernel: FLAGS, seq/ack, window 65535 (scaled by 7
 * once agreed), options on the SYN+ACK (MSS 1460, WS 7). */
static void send_tcp(struct ng_link *l, struct ng_pktpool *pool, const struct run *r, uint8_t flags,
                     uint32_t seq, uint32_t ack)
{
	struct ng_pkt *p = ng_pkt_alloc(pool);
	struct ng_tcp_hdr th;
	struct ng_ipv4_hdr ip;
	struct ng_eth_hdr eh;
	uint8_t *d;
	size_t thl;

	assert_non_null(p);
	memset(&th, 0, sizeof(th));
	th.sport = 9;
	th.dport = r->kport;
	th.seq = seq;
	th.ack = ack;
	th.flags = flags;
	th.win = 65535;
	if (flags & NG_TCP_SYN) {
		th.opt.mss_ok = true;
		th.opt.mss = 1460;
		th.opt.ws_ok = true;
		th.opt.ws = 7;
	}
	thl = 20 + ng_tcp_opts_len(&th.opt);
	d = ng_pkt_put(p, (uint32_t)(NG_ETH_HLEN + 20 + thl));
	memcpy(eh.dst, r->kmac, 6);
	memcpy(eh.src, l->mac, 6);
	eh.type = NG_ETH_P_IPV4;
	ng_eth_emit(d, NG_ETH_HLEN, &eh);
	assert_int_equal(ng_tcp_emit(d + 34, thl, N_ADDR, K_ADDR, &th, 0), thl);
	memset(&ip, 0, sizeof(ip));
	ip.hlen = 20;
	ip.tot_len = (uint16_t)(20 + thl);
	ip.df = true;
	ip.ttl = 64;
	ip.proto = NG_IP_PROTO_TCP;
	ip.src = N_ADDR;
	ip.dst = K_ADDR;
	ng_ipv4_emit(d + NG_ETH_HLEN, 20, &ip);
	assert_int_equal(ng_link_xmit(l, p, 0), 0);
	ng_link_poll(l, 0);
}

/* Handle one frame from the kernel: the SYN (answered), or data (checked, acknowledged). */
static void on_frame(struct ng_link *l, struct ng_pktpool *pool, struct run *r, struct ng_pkt *p)
{
	uint8_t *d = ng_pkt_data(p);
	struct ng_ipv4_hdr ip;
	struct ng_tcp_hdr th;
	size_t pay;

	if (p->len < 34 || ng_get16(d + 12) != NG_ETH_P_IPV4 ||
	    ng_ipv4_parse(d + 14, p->len - 14, &ip) != NG_DROP_NONE || ip.proto != NG_IP_PROTO_TCP)
		return; /* IPv6 router solicitations and the like */
	assert_int_equal(ng_tcp_parse_nocsum(d + 34, ip.tot_len - 20, &th), NG_DROP_NONE);
	if (th.flags & NG_TCP_SYN) {
		memcpy(r->kmac, d + 6, 6);
		r->kport = th.sport;
		r->irs = th.seq;
		send_tcp(l, pool, r, NG_TCP_SYN | NG_TCP_ACK, ISS, th.seq + 1);
		return;
	}
	pay = ip.tot_len - 20 - th.hlen;
	if (!pay)
		return;
	r->frames++;
	if (p->len > 1514) {
		/* whole: only with a gso_size, and the checksum left for us to finish */
		assert_true(p->gso_size > 0);
		assert_true(p->flags & NG_PKT_F_CSUM_PARTIAL);
		r->whole++;
	} else {
		r->cut++;
	}
	/* a frame that was not cut keeps the kernel's partial checksum (NEEDS_CSUM) */
	if (p->flags & NG_PKT_F_CSUM_PARTIAL)
		assert_true(ng_link_finish_csum(d, p->len, 34, 16));
	/* a checksum complete (finished above, or made by the cutter) verifies */
	assert_int_equal(ng_csum_finish(ng_csum_add(ng_csum_pseudo(K_ADDR, N_ADDR, NG_IP_PROTO_TCP,
	                                                           (uint16_t)(ip.tot_len - 20)),
	                                            d + 34, ip.tot_len - 20)),
	                 0);
	assert_int_equal(th.seq, r->irs + 1 + r->rcv); /* in order: nothing is lost on the link */
	assert_true(r->rcv + pay <= BLOB);
	assert_memory_equal(d + 34 + th.hlen, blob + r->rcv, pay);
	r->rcv += (uint32_t)pay;
	send_tcp(l, pool, r, NG_TCP_ACK, ISS + 1, r->irs + 1 + r->rcv);
}

/* The kernel sends BLOB over a fresh connection; frames are read with buffers from POOL. */
static void transfer(struct ng_link *l, struct ng_pktpool *pool, struct run *r, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	uint64_t end = ng_clock_now() + 10 * NG_NS_PER_SEC;
	size_t sent = 0;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(s >= 0);
	memset(r, 0, sizeof(*r));
	sa.sin_addr.s_addr = htonl(K_ADDR);
	sa.sin_port = htons(port);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	sa.sin_addr.s_addr = htonl(N_ADDR);
	sa.sin_port = htons(9);
	assert_true(connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EINPROGRESS);
	while (r->rcv < BLOB && ng_clock_now() < end) {
		struct ng_pkt *p;
		ssize_t n;

		l->rx_idle = false;
		ng_link_poll(l, 0);
		while ((p = ng_link_recv(l, pool, 0))) {
			on_frame(l, pool, r, p);
			ng_pkt_free(p);
		}
		if (r->kport && sent < BLOB) {
			n = send(s, blob + sent, BLOB - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
		}
		usleep(50);
	}
	assert_int_equal(r->rcv, BLOB);
	assert_int_equal(l->rx_errors, 0);
	print_message("port %u: %u data frames, %u longer than the MTU, %u MTU-sized\n", port,
	              r->frames, r->whole, r->cut);
	close(s);
}

/* Each kind of pool the links meet, with the kernel sending over L (rx_whole); ports from PORT
 * on. */
static void pools(struct ng_link *l, uint16_t port)
{
	struct ng_pktpool *big, *small, *two;
	struct ng_pkt *held[4];
	struct run r;
	unsigned i;

	/* buffers of 64 KiB: super-segments arrive whole */
	big = ng_pktpool_create(64, NG_PKT_DEFAULT_SIZE);
	transfer(l, big, &r, port);
	assert_true(r.whole > 0);
	assert_true(r.frames < BLOB / 1460 / 2);

	/* buffers of 2 KiB: the same frames must be cut, not lost */
	small = ng_pktpool_create(256, 2048);
	transfer(l, small, &r, (uint16_t)(port + 1));
	assert_int_equal(r.whole, 0);
	assert_true(r.cut >= BLOB / 1460); /* our SYN+ACK said MSS 1460 */

	/* two sizes (the router's pool): a super-segment, too big for the small buffer the link
	 * takes first, moves to a large one... */
	two = ng_pktpool_create2(256, 2048, 4, NG_PKT_DEFAULT_SIZE);
	transfer(l, two, &r, (uint16_t)(port + 2));
	assert_true(r.whole > 0);
	assert_true(r.frames < BLOB / 1460 / 2);
	assert_int_equal(ng_pktpool_large_in_use(two), 0);
	/* ...and is cut when no large one is free */
	for (i = 0; i < 4; i++)
		assert_non_null(held[i] = ng_pkt_alloc_len(two, 60000));
	transfer(l, two, &r, (uint16_t)(port + 3));
	assert_int_equal(r.whole, 0);
	assert_true(r.cut >= BLOB / 1460);
	for (i = 0; i < 4; i++)
		ng_pkt_free(held[i]);

	assert_int_equal(ng_pktpool_destroy(big), 0);
	assert_int_equal(ng_pktpool_destroy(small), 0);
	assert_int_equal(ng_pktpool_destroy(two), 0);
}

/* Enter a new network namespace, or skip the test. Returns only on success. */
static void fresh_netns(void)
{
	if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0) {
		print_message("not root or no /dev/net/tun: skipped\n");
		skip();
	}
	if (unshare(CLONE_NEWNET) != 0) {
		print_message("unshare(CLONE_NEWNET): %s: skipped\n", strerror(errno));
		skip();
	}
}

/* The kernel's neighbour entry for N_ADDR on DEV: L's MAC. */
static void neigh(const char *dev, const struct ng_link *l)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd),
	         "ip neigh replace 10.79.1.2 lladdr %02x:%02x:%02x:%02x:%02x:%02x dev %s",
	         l->mac[0], l->mac[1], l->mac[2], l->mac[3], l->mac[4], l->mac[5], dev);
	assert_int_equal(system(cmd), 0);
}

static void test_tap_whole(void **state)
{
	struct ng_link *l = NULL;
	const char *msg = NULL;
	(void)state;

	fresh_netns();
	ng_test_fill(blob, sizeof(blob), 9);
	assert_int_equal(ng_tap_open("ngw1", 1500, &l, &msg), 0);
	l->rx_whole = true;
	assert_int_equal(system("ip addr add 10.79.1.1/24 dev ngw1"), 0);
	neigh("ngw1", l);
	pools(l, 40001);
	ng_link_destroy(l);
}

/* The same through an AF_PACKET link on a veth pair (the kernel's TSO frames over veth). */
static void test_packet_whole(void **state)
{
	struct ng_link *l = NULL;
	const char *msg = NULL;
	int rcvbuf = 32 << 20;
	(void)state;

	fresh_netns();
	if (system("ip link add ngw2 type veth peer name ngw3 2>/dev/null") != 0) {
		print_message("no veth: skipped\n");
		skip();
	}
	ng_test_fill(blob, sizeof(blob), 10);
	assert_int_equal(system("ip link set ngw2 up && ip link set ngw3 up && "
	                        "ip addr add 10.79.1.1/24 dev ngw2"),
	                 0);
	assert_int_equal(ng_packet_open("ngw3", &l, &msg), 0);
	/* room for all the kernel may send at once (the 1 MiB), or the socket drops frames */
	assert_int_equal(
	    setsockopt(ng_link_fd(l), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)), 0);
	l->rx_whole = true;
	neigh("ngw2", l);
	pools(l, 40011);
	ng_link_destroy(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tap_whole),
	    cmocka_unit_test(test_packet_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
