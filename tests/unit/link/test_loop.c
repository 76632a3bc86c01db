// SPDX-License-Identifier: MIT
/* Unit tests of the event loop (src/gw/loop.c) and the programs' option parser (src/gw/app.c):
 * extra descriptors, tick deadlines, waking for a link's deadline, stopping on a signal. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/gw.h"
#include "testutil.h"

static volatile sig_atomic_t stop;

/* ---- an extra descriptor is dispatched; tick deadlines are honoured without spinning ---- */

struct fd_ctx {
	int pipe[2];
	unsigned ticks, reads;
	uint64_t first_tick, last_tick;
	char got[8];
};

static uint64_t fd_tick(void *ctx, uint64_t now)
{
	struct fd_ctx *c = ctx;

	if (!c->ticks++) {
		c->first_tick = now;
		assert_int_equal(write(c->pipe[1], "ping", 4), 4);
	}
	c->last_tick = now;
	if (c->ticks > 1000 || now - c->first_tick > 5 * NG_NS_PER_SEC)
		stop = 1; /* bound the test whatever happens */
	/* After the pipe was read, wake every 20 ms until 100 ms have passed. */
	if (c->reads && now - c->first_tick >= 100 * NG_NS_PER_MS)
		stop = 1;
	return now + 20 * NG_NS_PER_MS;
}

static void fd_ready(void *ctx, int fd, uint64_t now)
{
	struct fd_ctx *c = ctx;
	(void)now;
	assert_int_equal(fd, c->pipe[0]);
	assert_int_equal(read(fd, c->got, sizeof(c->got)), 4);
	c->reads++;
}

static void test_loop_fd_and_tick(void **state)
{
	struct ng_loop *l;
	struct fd_ctx c;
	(void)state;

	memset(&c, 0, sizeof(c));
	assert_int_equal(pipe(c.pipe), 0);
	assert_int_equal(ng_loop_create(&l), 0);
	assert_int_equal(ng_loop_add_fd(l, c.pipe[0], fd_ready, &c), 0);
	ng_loop_set_tick(l, fd_tick, &c);
	stop = 0;
	assert_int_equal(ng_loop_run(l, &stop), 0);
	assert_int_equal(c.reads, 1);
	assert_memory_equal(c.got, "ping", 4);
	/* ~100 ms at one wake-up per 20 ms (plus the one for the pipe): no busy loop. */
	assert_in_range(c.ticks, 3, 12);
	assert_true(c.last_tick - c.first_tick >= 100 * NG_NS_PER_MS);
	ng_loop_destroy(l);
	close(c.pipe[0]);
	close(c.pipe[1]);
}

/* ---- a stack on a link without a descriptor is woken by the link's deadline ---- */

struct arp_ctx {
	struct ng_link *peer; /* end B of the wire; the stack sits on end A */
	struct ng_pktpool *pool;
	uint64_t sent_at, reply_at;
	uint8_t reply[64];
	uint32_t reply_len;
	unsigned ticks;
};

static const uint8_t peer_mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};

/* An ARP request from 10.0.0.2 (PEER_MAC) for 10.0.0.1. */
static void send_arp_request(struct arp_ctx *c, uint64_t now)
{
	static const uint8_t req[42] = {
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x08, 0x06,
	    0x00, 0x01, 0x08, 0x00, 6,    4,    0x00, 0x01, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55,
	    10,   0,    0,    2,    0,    0,    0,    0,    0,    0,    10,   0,    0,    1};
	struct ng_pkt *p = ng_pkt_alloc(c->pool);

	assert_non_null(p);
	memcpy(ng_pkt_put(p, sizeof(req)), req, sizeof(req));
	assert_int_equal(ng_link_xmit(c->peer, p, now), 0);
}

static uint64_t arp_tick(void *ctx, uint64_t now)
{
	struct arp_ctx *c = ctx;
	struct ng_pkt *p;

	if (!c->ticks++) {
		c->sent_at = now;
		send_arp_request(c, now);
	}
	p = ng_link_recv(c->peer, c->pool, now);
	if (p) {
		c->reply_at = now;
		c->reply_len = p->len < sizeof(c->reply) ? p->len : sizeof(c->reply);
		memcpy(c->reply, ng_pkt_data(p), c->reply_len);
		ng_pkt_free(p);
		stop = 1;
	}
	if (c->ticks > 1000 || now - c->sent_at > 5 * NG_NS_PER_SEC)
		stop = 1;
	/* The peer has no descriptor either: wake when its next frame arrives. */
	return ng_link_deadline(c->peer);
}

static void test_loop_wakes_for_link_deadline(void **state)
{
	struct ng_sim_config wc;
	struct ng_stack_config sc;
	struct ng_iface_config ic;
	struct ng_link *a;
	struct ng_stack *st;
	struct ng_loop *l;
	struct arp_ctx c;
	(void)state;

	memset(&c, 0, sizeof(c));
	ng_sim_config_default(&wc);
	wc.delay_ns = 10 * NG_NS_PER_MS;
	assert_int_equal(ng_sim_wire_create(&wc, &a, &c.peer), 0);
	c.pool = ng_pktpool_create(16, 2048);
	ng_stack_config_default(&sc);
	sc.pkt_count = 64;
	assert_int_equal(ng_stack_create(&sc, &st), 0);
	memset(&ic, 0, sizeof(ic));
	ic.addr = NG_IP4(10, 0, 0, 1);
	ic.prefix_len = 24;
	assert_int_equal(ng_stack_add_iface(st, &ic, a, NULL), 0);
	assert_int_equal(ng_loop_create(&l), 0);
	assert_int_equal(ng_loop_add_stack(l, st), 0);
	ng_loop_set_tick(l, arp_tick, &c);
	stop = 0;
	assert_int_equal(ng_loop_run(l, &stop), 0);

	/* The reply: ARP op 2 from the stack's MAC to ours, after two trips over the wire. */
	assert_true(c.reply_len >= 42);
	assert_memory_equal(c.reply, peer_mac, 6);
	assert_memory_equal(c.reply + 6, a->mac, 6);
	assert_int_equal(c.reply[12], 0x08);
	assert_int_equal(c.reply[13], 0x06);
	assert_int_equal(c.reply[21], 2);
	assert_true(c.reply_at - c.sent_at >= 20 * NG_NS_PER_MS);
	assert_true(c.reply_at - c.sent_at < 2 * NG_NS_PER_SEC);
	assert_true(c.ticks < 50); /* woken by deadlines, not by spinning */

	ng_loop_destroy(l);
	ng_link_destroy(a);
	ng_link_destroy(c.peer);
	assert_int_equal(ng_stack_destroy(st), 0);
	assert_int_equal(ng_pktpool_destroy(c.pool), 0);
}

/* ---- a signal that arrives while a turn runs still ends the next wait at once ---- */

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t raise_tick(void *ctx, uint64_t now)
{
	unsigned *n = ctx;

	if (!(*n)++)
		raise(SIGTERM); /* blocked during the turn: pending until the wait */
	if (*n > 1000)
		stop = 1;
	return now + 10 * NG_NS_PER_SEC; /* the wait would be long without the signal */
}

static void test_loop_signal_not_lost(void **state)
{
	struct sigaction sa, old;
	struct ng_loop *l;
	unsigned n = 0;
	uint64_t t0;
	(void)state;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGTERM, &sa, &old), 0);
	assert_int_equal(ng_loop_create(&l), 0);
	ng_loop_set_tick(l, raise_tick, &n);
	stop = 0;
	t0 = ng_clock_now();
	assert_int_equal(ng_loop_run(l, &stop), 0);
	assert_true(ng_clock_now() - t0 < NG_NS_PER_SEC);
	assert_int_equal(n, 1);
	ng_loop_destroy(l);
	sigaction(SIGTERM, &old, NULL);
}

/* ---- the clock ---- */

static void test_clock(void **state)
{
	uint64_t a = ng_clock_now(), b;
	int64_t off = ng_clock_wall_offset();
	(void)state;

	usleep(2000);
	b = ng_clock_now();
	assert_true(b - a >= 2 * NG_NS_PER_MS);
	/* UNIX time now is after 2020 and the offset is stable to well under a millisecond. */
	assert_true((int64_t)b + off > 1577836800ll * (int64_t)NG_NS_PER_SEC);
	assert_true(llabs(ng_clock_wall_offset() - off) < (long long)NG_NS_PER_MS);
}

/* ---- common options ---- */

static int opt(struct ng_app *a, const char *s1, const char *s2, int *i)
{
	char *argv[4] = {(char *)"prog", (char *)s1, (char *)s2, NULL};
	int argc = s2 ? 3 : 2;

	*i = 1;
	return ng_app_option(a, argc, argv, i);
}

static void test_app_options(void **state)
{
	struct ng_app a;
	int i;
	(void)state;

	ng_app_init(&a, "prog");
	assert_int_equal(a.mtu, 1500);
	assert_int_equal(a.log_level, NG_LOG_WARN);
	assert_int_equal(opt(&a, "--tap", "ng0", &i), 1);
	assert_int_equal(i, 3);
	assert_string_equal(a.tap, "ng0");
	assert_int_equal(opt(&a, "--addr=10.1.2.3/16", NULL, &i), 1);
	assert_int_equal(i, 2);
	assert_int_equal(a.addr, NG_IP4(10, 1, 2, 3));
	assert_int_equal(a.prefix, 16);
	assert_int_equal(opt(&a, "--gw", "10.1.0.1", &i), 1);
	assert_int_equal(a.gw, NG_IP4(10, 1, 0, 1));
	assert_int_equal(opt(&a, "--mtu", "9000", &i), 1);
	assert_int_equal(a.mtu, 9000);
	assert_int_equal(opt(&a, "--seed", "12345", &i), 1);
	assert_true(a.seed_set);
	assert_int_equal(a.seed, 12345);
	assert_int_equal(opt(&a, "--log", "debug", &i), 1);
	assert_int_equal(a.log_level, NG_LOG_DEBUG);
	assert_int_equal(opt(&a, "--fault", "loss=1%,delay=2ms", &i), 1);
	assert_string_equal(a.fault, "loss=1%,delay=2ms");
	assert_int_equal(opt(&a, "--pcap", "/tmp/x.pcap", &i), 1);
	assert_string_equal(a.pcap, "/tmp/x.pcap");
	assert_int_equal(opt(&a, "--trace", "next", &i), 1);
	assert_int_equal(i, 2);
	assert_true(a.trace);

	/* Not common options: untouched. */
	assert_int_equal(opt(&a, "--port", "7", &i), 0);
	assert_int_equal(i, 1);
	assert_int_equal(opt(&a, "ng0", NULL, &i), 0);
	assert_int_equal(opt(&a, "--tapx", "ng0", &i), 0);

	/* Bad values: -1 (one line on stderr), and the earlier value stays. */
	assert_int_equal(opt(&a, "--tap", NULL, &i), -1);
	assert_int_equal(opt(&a, "--tap", "a-name-much-too-long", &i), -1);
	assert_string_equal(a.tap, "ng0");
	assert_int_equal(opt(&a, "--addr", "10.1.2.3", &i), -1);
	assert_int_equal(opt(&a, "--addr", "10.1.2.300/24", &i), -1);
	assert_int_equal(opt(&a, "--addr", "0.0.0.0/8", &i), -1);
	assert_int_equal(opt(&a, "--gw", "10.1.0", &i), -1);
	assert_int_equal(opt(&a, "--mtu", "67", &i), -1);
	assert_int_equal(opt(&a, "--mtu", "65521", &i), -1);
	assert_int_equal(opt(&a, "--mtu", "1500x", &i), -1);
	assert_int_equal(a.mtu, 9000);
	assert_int_equal(opt(&a, "--seed", "-3", &i), -1);
	assert_int_equal(opt(&a, "--log", "verbose", &i), -1);
	assert_int_equal(opt(&a, "--fault", "loss=200%", &i), -1);
	assert_int_equal(opt(&a, "--pcap=", NULL, &i), -1);
	assert_int_equal(opt(&a, "--trace=yes", NULL, &i), -1);
	assert_int_equal(a.addr, NG_IP4(10, 1, 2, 3));
	assert_int_equal(a.log_level, NG_LOG_DEBUG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_loop_fd_and_tick),
	    cmocka_unit_test(test_loop_wakes_for_link_deadline),
	    cmocka_unit_test(test_loop_signal_not_lost),
	    cmocka_unit_test(test_clock),
	    cmocka_unit_test(test_app_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
