// SPDX-License-Identifier: MIT
/*
 * natgate's own TCP through natgate's NAT on the simulated wire: an inside host, the router and
 * an outside host (three stacks, two wires, one virtual clock) with seeded loss, duplication,
 * reordering and delay on both wires. Each seed transfers random data both ways over one
 * connection through NAPT (inside -> outside) and one through a port forward (outside ->
 * inside); every byte must arrive exactly once, both ends must close, the NAT must never refuse
 * a segment of these connections, and its flows must be gone 240 s after the closes.
 * NG_SIM_SEEDS sets the number of seeds (default 100); NG_SIM_SEED=N replays seed N alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natgate/nat.h"
#include "natgate/tcp.h"
#include "stack_internal.h"
#include "testutil.h"
#include "xfer.h"

#define IN_ADDR   NG_IP4(192, 168, 1, 10)
#define LAN_ADDR  NG_IP4(192, 168, 1, 1)
#define PUB_ADDR  NG_IP4(203, 0, 113, 2)
#define OUT_ADDR  NG_IP4(203, 0, 113, 9)
#define SRV_PORT  80
#define FWD_PORT  8080
#define FWD_INNER 9000

struct world {
	struct ng_stack *in, *rtr, *out;
	struct ng_link *l_in, *l_rlan, *l_rwan, *l_out;
	struct ng_iface *rlan, *rwan;
	struct ng_nat *nat;
	uint64_t now;
	struct ng_test_end c1, s1; /* NAPT: client inside, server outside */
	struct ng_test_end c2, s2; /* forward: client outside, server inside */
	struct ng_tcp_sock *ls1, *ls2;
};

static void on_event(struct ng_tcp_sock *s, void *ctx, unsigned ev)
{
	struct ng_test_end *e = ctx;

	(void)s;
	if (ev & (NG_TCP_EV_CONNECTED | NG_TCP_EV_WRITABLE))
		ng_test_end_send(e);
	if (ev & NG_TCP_EV_READABLE)
		ng_test_end_recv(e);
	if ((ev & NG_TCP_EV_ERROR) && !e->err)
		e->err = ng_tcp_error(e->s);
	if (((ev & NG_TCP_EV_CLOSED) || (e->eof && e->shut)) && !e->closed) {
		if ((ev & NG_TCP_EV_CLOSED) && !e->eof && !e->err)
			e->err = -NG_ECONNRESET;
		e->closed = true;
		ng_tcp_close(e->s);
	}
}

static void accept_to(struct ng_tcp_sock **listener, struct ng_test_end *e,
                      struct ng_tcp_sock *child)
{
	e->s = child;
	ng_tcp_set_callback(child, on_event, e);
	ng_tcp_close(*listener);
	*listener = NULL;
	ng_test_end_send(e);
	ng_test_end_recv(e);
}

static void on_accept1(struct ng_tcp_sock *l, void *ctx, struct ng_tcp_sock *child)
{
	struct world *w = ctx;
	(void)l;
	accept_to(&w->ls1, &w->s1, child);
}

static void on_accept2(struct ng_tcp_sock *l, void *ctx, struct ng_tcp_sock *child)
{
	struct world *w = ctx;
	(void)l;
	accept_to(&w->ls2, &w->s2, child);
}

static struct ng_stack *mk_stack(uint64_t seed)
{
	struct ng_stack_config c;
	struct ng_stack *st;

	ng_stack_config_default(&c);
	c.seed = seed;
	c.pkt_count = 1024;
	c.pkt_size = NG_PKT_HEADROOM + 14 + 1500 + 64;
	assert_int_equal(ng_stack_create(&c, &st), 0);
	return st;
}

static void add_if(struct ng_stack *st, struct ng_link *l, uint32_t addr, struct ng_iface **out)
{
	struct ng_iface_config ic;

	memset(&ic, 0, sizeof(ic));
	ic.addr = addr;
	ic.prefix_len = 24;
	assert_int_equal(ng_stack_add_iface(st, &ic, l, out), 0);
}

static void world_create(struct world *w, uint64_t seed, const struct ng_sim_config *wc)
{
	struct ng_sim_config c = *wc;
	struct ng_nat_config nc;

	memset(w, 0, sizeof(*w));
	w->now = 1000 * NG_NS_PER_SEC;
	c.seed = seed * 2 + 1;
	assert_int_equal(ng_sim_wire_create(&c, &w->l_in, &w->l_rlan), 0);
	c.seed = seed * 2 + 2;
	assert_int_equal(ng_sim_wire_create(&c, &w->l_rwan, &w->l_out), 0);
	w->in = mk_stack(seed ^ 0x11);
	w->rtr = mk_stack(seed ^ 0x22);
	w->out = mk_stack(seed ^ 0x33);
	add_if(w->in, w->l_in, IN_ADDR, NULL);
	assert_int_equal(ng_stack_set_gateway(w->in, LAN_ADDR), 0);
	add_if(w->rtr, w->l_rlan, LAN_ADDR, &w->rlan);
	add_if(w->rtr, w->l_rwan, PUB_ADDR, &w->rwan);
	add_if(w->out, w->l_out, OUT_ADDR, NULL);
	ng_stack_poll(w->in, w->now);
	ng_stack_poll(w->rtr, w->now);
	ng_stack_poll(w->out, w->now);
	ng_nat_config_default(&nc);
	assert_int_equal(ng_nat_parse_forward("tcp:8080=192.168.1.10:9000", &nc.fwd[0]), 0);
	nc.n_fwd = 1;
	assert_int_equal(ng_nat_create(w->rtr, w->rlan, w->rwan, &nc, &w->nat), 0);
}

static void world_destroy(struct world *w)
{
	ng_nat_destroy(w->nat);
	ng_link_destroy(w->l_in);
	ng_link_destroy(w->l_rlan);
	ng_link_destroy(w->l_rwan);
	ng_link_destroy(w->l_out);
	assert_int_equal(ng_stack_destroy(w->in), 0);
	assert_int_equal(ng_stack_destroy(w->rtr), 0);
	assert_int_equal(ng_stack_destroy(w->out), 0);
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Run the three stacks on the virtual clock until DONE or MAX_NS passed. */
static bool world_run(struct world *w, bool (*done)(struct world *), uint64_t max_ns)
{
	struct ng_stack *sts[3] = {w->in, w->rtr, w->out};
	struct ng_link *links[4] = {w->l_in, w->l_rlan, w->l_rwan, w->l_out};
	uint64_t end = w->now + max_ns;
	int k;

	while (!(done && done(w))) {
		unsigned moved = 0;
		uint64_t next = UINT64_MAX;

		for (k = 0; k < 3; k++) {
			ng_stack_poll(sts[k], w->now);
			moved += ng_stack_pump(sts[k], 0);
		}
		if (moved)
			continue;
		for (k = 0; k < 3; k++)
			next = min64(next, ng_stack_deadline(sts[k]));
		for (k = 0; k < 4; k++)
			next = min64(next, ng_link_deadline(links[k]));
		if (next <= w->now)
			next = w->now + 1;
		if (next > end)
			break;
		w->now = next;
	}
	if (w->now < end && !done) {
		w->now = end;
		for (k = 0; k < 3; k++)
			ng_stack_poll(sts[k], w->now);
	}
	return done ? done(w) : true;
}

static bool all_closed(struct world *w)
{
	struct ng_test_end *e[4] = {&w->c1, &w->s1, &w->c2, &w->s2};
	int k;

	for (k = 0; k < 4; k++) {
		if (e[k]->err || e[k]->bad)
			return true;
		if (!e[k]->closed)
			return false;
	}
	return ng_tcp_count(w->in) == 0 && ng_tcp_count(w->out) == 0;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static bool run_seed(uint64_t seed, char *why, size_t whylen)
{
	static uint8_t data[4][1u << 20];
	struct ng_sim_config wc;
	struct world w;
	uint64_t h = mix(seed);
	size_t len[4];
	bool ok = true;
	int k;

	ng_sim_config_default(&wc);
	wc.loss = (double)(h % 30) / 1000.0; /* up to 3% */
	wc.dup = (double)((h >> 8) % 20) / 1000.0;
	wc.reorder = (double)((h >> 16) % 30) / 1000.0;
	wc.delay_ns = (1 + (h >> 24) % 5) * NG_NS_PER_MS;
	wc.jitter_ns = ((h >> 32) % 2) * NG_NS_PER_MS;
	for (k = 0; k < 4; k++) {
		h = mix(h);
		len[k] = (size_t)(h % sizeof(data[k]));
		ng_test_fill(data[k], len[k], h);
	}
	world_create(&w, seed, &wc);
	w.c1 = (struct ng_test_end){
	    .name = "napt client", .tx = data[0], .txlen = len[0], .rx = data[1], .rxlen = len[1]};
	w.s1 = (struct ng_test_end){
	    .name = "napt server", .tx = data[1], .txlen = len[1], .rx = data[0], .rxlen = len[0]};
	w.c2 = (struct ng_test_end){.name = "forward client",
	                            .tx = data[2],
	                            .txlen = len[2],
	                            .rx = data[3],
	                            .rxlen = len[3]};
	w.s2 = (struct ng_test_end){.name = "forward server",
	                            .tx = data[3],
	                            .txlen = len[3],
	                            .rx = data[2],
	                            .rxlen = len[2]};
	assert_int_equal(ng_tcp_listen(w.out, 0, SRV_PORT, 4, on_accept1, &w, NULL, &w.ls1), 0);
	assert_int_equal(ng_tcp_listen(w.in, 0, FWD_INNER, 4, on_accept2, &w, NULL, &w.ls2), 0);
	assert_int_equal(ng_tcp_connect(w.in, OUT_ADDR, SRV_PORT, on_event, &w.c1, NULL, &w.c1.s),
	                 0);
	assert_int_equal(ng_tcp_connect(w.out, PUB_ADDR, FWD_PORT, on_event, &w.c2, NULL, &w.c2.s),
	                 0);
	world_run(&w, all_closed, 600 * NG_NS_PER_SEC);
	{
		struct ng_test_end *e[4] = {&w.c1, &w.s1, &w.c2, &w.s2};
		for (k = 0; k < 4 && ok; k++) {
			if (e[k]->err || e[k]->bad || !e[k]->closed || e[k]->rxoff != e[k]->rxlen) {
				snprintf(
				    why, whylen,
				    "%s: err %d bad %d closed %d got %zu of %zu bytes (loss %.3f "
				    "dup %.3f reorder %.3f)",
				    e[k]->name, e[k]->err, e[k]->bad, e[k]->closed, e[k]->rxoff,
				    e[k]->rxlen, wc.loss, wc.dup, wc.reorder);
				ok = false;
			}
		}
	}
	if (ok && ng_stack_stats(w.rtr)->drops[NG_DROP_NAT_BAD_STATE]) {
		snprintf(why, whylen, "the NAT refused segments of the connections");
		ok = false;
	}
	if (ok && ng_nat_flows(w.nat, NULL, NULL) != 2) {
		snprintf(why, whylen, "%zu flows after the closes, want 2",
		         ng_nat_flows(w.nat, NULL, NULL));
		ok = false;
	}
	/* the closed flows leave after the transitory timeout */
	world_run(&w, NULL, 241 * NG_NS_PER_SEC);
	if (ok && ng_nat_flows(w.nat, NULL, NULL) != 0) {
		snprintf(why, whylen, "%zu flows 241 s after the closes",
		         ng_nat_flows(w.nat, NULL, NULL));
		ok = false;
	}
	if (w.ls1)
		ng_tcp_close(w.ls1);
	if (w.ls2)
		ng_tcp_close(w.ls2);
	world_destroy(&w);
	return ok;
}

static void test_tcp_through_nat(void **state)
{
	const char *one = getenv("NG_SIM_SEED"), *nseeds = getenv("NG_SIM_SEEDS");
	uint64_t first = one ? strtoull(one, NULL, 0) : 1;
	uint64_t n = one ? 1 : nseeds ? strtoull(nseeds, NULL, 0) : 100;
	unsigned failed = 0;
	uint64_t s;
	char why[256];

	(void)state;
	for (s = first; s < first + n; s++) {
		if (!run_seed(s, why, sizeof(why))) {
			printf("# seed %llu FAILED: %s (replay: NG_SIM_SEED=%llu)\n",
			       (unsigned long long)s, why, (unsigned long long)s);
			failed++;
		}
	}
	printf("# %llu seeds, %u failed\n", (unsigned long long)n, failed);
	assert_int_equal(failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tcp_through_nat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
