// SPDX-License-Identifier: MIT
/* Tests of the kernel-facing links (TAP, AF_PACKET) against the kernel's own stack, each in a
 * fresh network namespace of its own.
 *
 * Every test first moves this process into a new, anonymous network namespace
 * (unshare(CLONE_NEWNET)); only then does it create devices, so nothing touches the namespace the
 * test started in, and the namespace with everything in it vanishes when the process moves on or
 * exits, on every path. The `ip` commands run as children and inherit the namespace. Without
 * root (or without /dev/net/tun, veth or `ip`) the tests are skipped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "gw/gw.h"
#include "natgate/tcp.h"
#include "wire/wire_internal.h"
#include "testutil.h"

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

/* Run an `ip` command line in this (new) namespace; fails the test if it fails. */
static void ip_cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ip_cmd(const char *fmt, ...)
{
	char cmd[256];
	va_list ap;
	int n;

	n = snprintf(cmd, sizeof(cmd), "ip ");
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
}

static void ifreq_get(const char *dev, unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(s >= 0);
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", dev);
	assert_int_equal(ioctl(s, req, ifr), 0);
	close(s);
}

static bool dev_exists(const char *dev)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0), rc;

	assert_true(s >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	rc = ioctl(s, SIOCGIFINDEX, &ifr);
	close(s);
	return rc == 0;
}

static void mac_str(const uint8_t *m, char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* A kernel UDP socket bound to ADDR:PORT with a 2 s receive timeout. */
static int kernel_udp(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct timeval tv = {.tv_sec = 2};
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(s >= 0);
	sa.sin_addr.s_addr = htonl(addr);
	sa.sin_port = htons(port);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return s;
}

static void kernel_sendto(int s, uint32_t addr, uint16_t port, const void *data, size_t len)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};

	sa.sin_addr.s_addr = htonl(addr);
	sa.sin_port = htons(port);
	assert_int_equal(sendto(s, data, len, 0, (struct sockaddr *)&sa, sizeof(sa)), (ssize_t)len);
}

/* Wait up to 2 s for a UDP/IPv4 frame on L (skipping the kernel's IPv6 and ARP chatter); checks
 * every header including the UDP checksum and copies the payload to BUF. Returns its length. */
static size_t wait_udp_frame(struct ng_link *l, struct ng_pktpool *pool, const uint8_t *dst_mac,
                             uint16_t dport, uint8_t *buf, size_t cap)
{
	uint64_t end = ng_clock_now() + 2 * NG_NS_PER_SEC;

	while (ng_clock_now() < end) {
		struct ng_pkt *p = ng_link_recv(l, pool, ng_clock_now());
		struct ng_eth_hdr eh;
		struct ng_ipv4_hdr ip;
		struct ng_udp_hdr uh;
		const uint8_t *d;
		size_t len, n;

		if (!p) {
			usleep(1000);
			continue;
		}
		d = ng_pkt_data(p);
		len = p->len;
		if (ng_eth_parse(d, len, &eh) || eh.type != NG_ETH_P_IPV4 ||
		    ng_ipv4_parse(d + 14, len - 14, &ip) || ip.proto != NG_IP_PROTO_UDP) {
			ng_pkt_free(p);
			continue;
		}
		assert_memory_equal(eh.dst, dst_mac, 6);
		/* A complete, correct checksum: the link finished any offloaded one. */
		assert_int_equal(
		    ng_udp_parse(d + 14 + ip.hlen, ip.tot_len - ip.hlen, ip.src, ip.dst, &uh),
		    NG_DROP_NONE);
		assert_int_not_equal(uh.csum, 0);
		assert_int_equal(uh.dport, dport);
		n = uh.len - 8u;
		assert_true(n <= cap);
		memcpy(buf, d + 14 + ip.hlen + 8, n);
		ng_pkt_free(p);
		return n;
	}
	fail_msg("no UDP frame within 2 s");
	return 0;
}

/* Build and send over L an Ethernet/IPv4/UDP frame SRC:SPORT -> DST:DPORT carrying DATA. */
static void send_udp_frame(struct ng_link *l, struct ng_pktpool *pool, const uint8_t *dst_mac,
                           uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                           const void *data, size_t len)
{
	struct ng_pkt *p = ng_pkt_alloc(pool);
	struct ng_eth_hdr eh;
	struct ng_ipv4_hdr ip;
	struct ng_udp_hdr uh;
	uint8_t *d;

	assert_non_null(p);
	d = ng_pkt_put(p, (uint32_t)(14 + 20 + 8 + len));
	memcpy(d + 42, data, len);
	memset(&uh, 0, sizeof(uh));
	uh.sport = sport;
	uh.dport = dport;
	uh.len = (uint16_t)(8 + len);
	assert_int_equal(ng_udp_emit(d + 34, 8 + len, src, dst, &uh), 8);
	memset(&ip, 0, sizeof(ip));
	ip.hlen = 20;
	ip.tot_len = (uint16_t)(20 + 8 + len);
	ip.id = 1;
	ip.df = true;
	ip.ttl = 64;
	ip.proto = NG_IP_PROTO_UDP;
	ip.src = src;
	ip.dst = dst;
	assert_int_equal(ng_ipv4_emit(d + 14, 20, &ip), 20);
	memcpy(eh.dst, dst_mac, 6);
	memcpy(eh.src, l->mac, 6);
	eh.type = NG_ETH_P_IPV4;
	assert_int_equal(ng_eth_emit(d, 14, &eh), 14);
	assert_int_equal(ng_link_xmit(l, p, ng_clock_now()), 0);
}

/* The kernel receives on S a datagram from SRC:SPORT carrying WANT. */
static void kernel_expect(int s, uint32_t src, uint16_t sport, const char *want)
{
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	char buf[256];
	ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

	assert_int_equal(n, (ssize_t)strlen(want));
	assert_memory_equal(buf, want, (size_t)n);
	assert_int_equal(ntohl(from.sin_addr.s_addr), src);
	assert_int_equal(ntohs(from.sin_port), sport);
}

/* TAP: the device appears with our MTU, up, with a MAC of its own; frames flow both ways; it
 * goes away when the link is destroyed. */
static void test_tap_link(void **state)
{
	const uint32_t k_addr = NG_IP4(10, 77, 0, 1), n_addr = NG_IP4(10, 77, 0, 2);
	struct ng_pktpool *pool;
	struct ng_link *l = NULL;
	const char *msg = NULL;
	struct ifreq ifr;
	uint8_t kmac[6], buf[64];
	char ms[18];
	int s;
	(void)state;

	fresh_netns();
	assert_int_equal(ng_tap_open("ngt0", 67, &l, &msg), -NG_EINVAL);
	assert_non_null(strstr(msg, "MTU"));
	assert_int_equal(ng_tap_open("ngt0-name-too-long", 1500, &l, &msg), -NG_EINVAL);
	assert_int_equal(ng_tap_open("lo", 1500, &l, &msg), -NG_EINVAL); /* not a TAP */
	assert_null(strchr(msg, '\n'));

	pool = ng_pktpool_create(64, NG_PKT_DEFAULT_SIZE);
	assert_int_equal(ng_tap_open("ngt0", 1400, &l, &msg), 0);
	assert_string_equal(l->name, "ngt0");
	assert_int_equal(l->mtu, 1400);
	assert_true(ng_link_fd(l) >= 0);
	ifreq_get("ngt0", SIOCGIFMTU, &ifr);
	assert_int_equal(ifr.ifr_mtu, 1400);
	ifreq_get("ngt0", SIOCGIFFLAGS, &ifr);
	assert_true(ifr.ifr_flags & IFF_UP);
	ifreq_get("ngt0", SIOCGIFHWADDR, &ifr);
	memcpy(kmac, ifr.ifr_hwaddr.sa_data, 6);
	assert_memory_not_equal(kmac, l->mac, 6);
	assert_int_equal(l->mac[0] & 3, 2); /* locally administered unicast */

	mac_str(l->mac, ms);
	ip_cmd("addr add 10.77.0.1/24 dev ngt0");
	ip_cmd("neigh replace 10.77.0.2 lladdr %s dev ngt0", ms);
	s = kernel_udp(k_addr, 5000);
	/* kernel -> link */
	kernel_sendto(s, n_addr, 6000, "hello", 5);
	assert_int_equal(wait_udp_frame(l, pool, l->mac, 6000, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	/* link -> kernel */
	send_udp_frame(l, pool, kmac, n_addr, 6000, k_addr, 5000, "world", 5);
	kernel_expect(s, n_addr, 6000, "world");
	assert_true(l->rx_frames >= 1);
	assert_int_equal(l->tx_frames, 1);
	assert_int_equal(l->tx_errors, 0);
	close(s);

	ng_link_destroy(l);
	assert_false(dev_exists("ngt0")); /* a non-persistent TAP leaves with us */
	assert_int_equal(ng_pktpool_in_use(pool), 0);
	assert_int_equal(ng_pktpool_destroy(pool), 0);
}

/* ---- AF_PACKET, including a kernel peer with checksum and segmentation offloads ---- */

struct sink {
	uint64_t bytes, hash;
	bool eof;
};

static void sink_event(struct ng_tcp_sock *s, void *ctx, unsigned ev)
{
	struct sink *k = ctx;
	uint8_t b[16384];
	long n;

	if (!(ev & NG_TCP_EV_READABLE))
		return;
	while ((n = ng_tcp_recv(s, b, sizeof(b))) > 0) {
		for (long i = 0; i < n; i++)
			k->hash = (k->hash ^ b[i]) * 1099511628211ull;
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

static void test_packet_link(void **state)
{
	const uint32_t k_addr = NG_IP4(10, 78, 0, 1), n_addr = NG_IP4(10, 78, 0, 2);
	struct ng_pktpool *pool;
	struct ng_link *l = NULL;
	const char *msg = NULL;
	struct ifreq ifr;
	uint8_t kmac[6], buf[1500], data[1400];
	char ms[18];
	int s;
	(void)state;

	fresh_netns();
	if (system("ip link add ngv0 type veth peer name ngv1 2>/dev/null") != 0) {
		print_message("no veth: skipped\n");
		skip();
	}
	ip_cmd("link set ngv0 up");
	ip_cmd("link set ngv1 up");
	ip_cmd("addr add 10.78.0.1/24 dev ngv0");
	assert_true(ng_packet_open("nonexistent0", &l, &msg) < 0);
	assert_non_null(strstr(msg, "nonexistent0"));

	pool = ng_pktpool_create(64, NG_PKT_DEFAULT_SIZE);
	assert_int_equal(ng_packet_open("ngv1", &l, &msg), 0);
	assert_int_equal(l->mtu, 1500);
	ifreq_get("ngv1", SIOCGIFHWADDR, &ifr);
	assert_memory_equal(l->mac, ifr.ifr_hwaddr.sa_data, 6); /* the interface's own MAC */
	ifreq_get("ngv0", SIOCGIFHWADDR, &ifr);
	memcpy(kmac, ifr.ifr_hwaddr.sa_data, 6);
	mac_str(l->mac, ms);
	ip_cmd("neigh replace 10.78.0.2 lladdr %s dev ngv0", ms);

	/* kernel -> link: veth leaves the UDP checksum to "hardware"; the link completes it */
	s = kernel_udp(k_addr, 5000);
	ng_test_fill(data, sizeof(data), 1);
	kernel_sendto(s, n_addr, 6000, data, sizeof(data));
	assert_int_equal(wait_udp_frame(l, pool, l->mac, 6000, buf, sizeof(buf)), sizeof(data));
	assert_memory_equal(buf, data, sizeof(data));
	/* link -> kernel, and our own frame is not looped back to us */
	send_udp_frame(l, pool, kmac, n_addr, 6000, k_addr, 5000, "world", 5);
	kernel_expect(s, n_addr, 6000, "world");
	usleep(20000);
	for (struct ng_pkt *p; (p = ng_link_recv(l, pool, ng_clock_now()));) {
		assert_memory_not_equal(ng_pkt_data(p) + 6, l->mac, 6);
		ng_pkt_free(p);
	}
	close(s);
	assert_int_equal(ng_pktpool_in_use(pool), 0);
	assert_int_equal(ng_pktpool_destroy(pool), 0);

	/* A kernel TCP sender with TSO on (veth's default) hands the link 64 KiB super-segments;
	 * natgate's stack must still receive every byte. */
	{
		struct ng_stack_config c;
		struct ng_iface_config ic;
		struct ng_stack *st;
		struct ng_tcp_sock *ls;
		struct sockaddr_in sa = {.sin_family = AF_INET};
		struct sink k = {.hash = 1469598103934665603ull};
		static uint8_t blob[1 << 20];
		uint64_t want = 1469598103934665603ull, end;
		size_t sent = 0;
		int t;

		ng_test_fill(blob, sizeof(blob), 2);
		for (size_t i = 0; i < sizeof(blob); i++)
			want = (want ^ blob[i]) * 1099511628211ull;
		ng_stack_config_default(&c);
		c.pkt_count = 512;
		assert_int_equal(ng_stack_create(&c, &st), 0);
		ng_stack_poll(st, ng_clock_now());
		memset(&ic, 0, sizeof(ic));
		ic.addr = n_addr;
		ic.prefix_len = 24;
		assert_int_equal(ng_stack_add_iface(st, &ic, l, NULL), 0);
		assert_int_equal(ng_tcp_listen(st, 0, 9, 4, sink_accept, &k, NULL, &ls), 0);
		t = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_true(t >= 0);
		sa.sin_addr.s_addr = htonl(n_addr);
		sa.sin_port = htons(9);
		assert_true(connect(t, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
		            errno == EINPROGRESS);
		end = ng_clock_now() + 10 * NG_NS_PER_SEC;
		while (!k.eof && ng_clock_now() < end) {
			ssize_t n;
			ng_stack_poll(st, ng_clock_now());
			ng_stack_pump(st, 0);
			if (sent < sizeof(blob)) {
				n = send(t, blob + sent, sizeof(blob) - sent, MSG_NOSIGNAL);
				if (n > 0)
					sent += (size_t)n;
				if (sent == sizeof(blob))
					shutdown(t, SHUT_WR);
			}
			usleep(200);
		}
		assert_true(k.eof);
		assert_int_equal(k.bytes, sizeof(blob));
		assert_true(k.hash == want);
		assert_int_equal(l->rx_errors, 0);
		assert_int_equal(ng_stack_stats(st)->drops[NG_DROP_ETH_OVERSIZE], 0);
		assert_int_equal(ng_stack_stats(st)->drops[NG_DROP_TCP_CSUM], 0);
		close(t);
		ng_tcp_close(ls);
		ng_link_destroy(l);
		assert_int_equal(ng_stack_destroy(st), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tap_link),
	    cmocka_unit_test(test_packet_link),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
