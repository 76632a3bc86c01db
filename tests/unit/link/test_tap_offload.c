// SPDX-License-Identifier: MIT
/* The TAP link's offloads against the kernel's TCP, in a fresh network namespace: the kernel's
 * 64 KiB super-segments are cut up for natgate's stack, and natgate's runs of segments reach the
 * kernel gathered into GSO frames; every byte arrives either way.
 *
 * The test moves this process into a new, anonymous network namespace (unshare(CLONE_NEWNET))
 * before it creates anything, so nothing touches the namespace it started in and everything
 * vanishes with the process. Without root or /dev/net/tun it is skipped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

static void test_tap_offload(void **state)
{
	const uint32_t k_addr = NG_IP4(10, 79, 0, 1), n_addr = NG_IP4(10, 79, 0, 2);
	struct ng_stack_config c;
	struct ng_iface_config ic;
	struct ng_stack *st;
	struct ng_link *l = NULL;
	struct ng_tcp_sock *ls, *cs;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct peer up = {.hash = FNV0}, down = {.hash = FNV0};
	const char *msg = NULL;
	uint64_t want, end, ktx0, krx0, kbytes = 0, khash = FNV0;
	size_t sent = 0;
	int t, lsk, a = -1, one = 1;
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

	/* natgate -> kernel: segments gathered into GSO writes; the kernel must get every byte */
	lsk = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(lsk >= 0);
	setsockopt(lsk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(k_addr);
	sa.sin_port = htons(7000);
	assert_int_equal(bind(lsk, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lsk, 4), 0);
	krx0 = dev_stat("ngt1", 0);
	assert_int_equal(ng_tcp_connect(st, k_addr, 7000, source_event, &down, NULL, &cs), 0);
	end = ng_clock_now() + 10 * NG_NS_PER_SEC;
	while (ng_clock_now() < end) {
		uint8_t b[65536];
		ssize_t n;
		turn(st, l);
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
	print_message("natgate -> kernel: %llu kernel frames\n",
	              (unsigned long long)(dev_stat("ngt1", 0) - krx0));
	assert_true(dev_stat("ngt1", 0) - krx0 < 725 / 2);
	close(a);
	close(lsk);
	ng_tcp_close(cs);
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
