// SPDX-License-Identifier: MIT
/* Test helpers: recording link, single test host, and a pair of stacks on the simulated wire. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

struct test_link {
	struct ng_link l;
	struct ng_pkt *tx_head, *tx_tail; /* frames the stack sent */
	struct ng_pkt *rx_head, *rx_tail; /* frames for the stack to receive */
	size_t tx_n;
};

static void q_push(struct ng_pkt **h, struct ng_pkt **t, struct ng_pkt *p)
{
	p->next = NULL;
	if (*t)
		(*t)->next = p;
	else
		*h = p;
	*t = p;
}

static struct ng_pkt *q_pop(struct ng_pkt **h, struct ng_pkt **t)
{
	struct ng_pkt *p = *h;
	if (p) {
		*h = p->next;
		if (!*h)
			*t = NULL;
		p->next = NULL;
	}
	return p;
}

static int tl_xmit(struct ng_link *l, struct ng_pkt *p, uint64_t now)
{
	struct test_link *tl = (struct test_link *)l;
	(void)now;
	q_push(&tl->tx_head, &tl->tx_tail, p);
	tl->tx_n++;
	l->tx_frames++;
	return 0;
}

static struct ng_pkt *tl_recv(struct ng_link *l, struct ng_pktpool *pool, uint64_t now)
{
	struct test_link *tl = (struct test_link *)l;
	(void)pool;
	(void)now;
	return q_pop(&tl->rx_head, &tl->rx_tail);
}

static int tl_fd(const struct ng_link *l)
{
	(void)l;
	return -1;
}

static void tl_destroy(struct ng_link *l)
{
	struct test_link *tl = (struct test_link *)l;
	ng_pkt_free_chain(tl->tx_head);
	ng_pkt_free_chain(tl->rx_head);
	free(tl);
}

static const struct ng_link_ops test_link_ops = {
    .xmit = tl_xmit,
    .recv = tl_recv,
    .fd = tl_fd,
    .destroy = tl_destroy,
};

struct ng_link *ng_test_link_create(uint32_t mtu, const uint8_t mac[6])
{
	struct test_link *tl = calloc(1, sizeof(*tl));
	assert_non_null(tl);
	tl->l.ops = &test_link_ops;
	strcpy(tl->l.name, "test0");
	tl->l.mtu = mtu ? mtu : 1500;
	memcpy(tl->l.mac, mac, 6);
	return &tl->l;
}

struct ng_pkt *ng_test_link_pop(struct ng_link *l)
{
	struct test_link *tl = (struct test_link *)l;
	struct ng_pkt *p = q_pop(&tl->tx_head, &tl->tx_tail);
	if (p)
		tl->tx_n--;
	return p;
}

size_t ng_test_link_pending(const struct ng_link *l)
{
	return ((const struct test_link *)l)->tx_n;
}

void ng_test_link_inject(struct ng_link *l, struct ng_pktpool *pool, const void *data, size_t len)
{
	struct test_link *tl = (struct test_link *)l;
	struct ng_pkt *p = ng_pkt_alloc(pool);
	assert_non_null(p);
	assert_non_null(ng_pkt_put(p, (uint32_t)len));
	memcpy(ng_pkt_data(p), data, len);
	q_push(&tl->rx_head, &tl->rx_tail, p);
}

void ng_test_host_create(struct ng_test_host *h, uint32_t addr, uint8_t prefix, uint32_t mtu,
                         uint64_t seed)
{
	static const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	struct ng_stack_config c;
	struct ng_iface_config ic;

	memset(h, 0, sizeof(*h));
	ng_stack_config_default(&c);
	c.seed = seed;
	c.pkt_count = 256;
	assert_int_equal(ng_stack_create(&c, &h->st), 0);
	h->link = ng_test_link_create(mtu, mac);
	memset(&ic, 0, sizeof(ic));
	ic.addr = addr;
	ic.prefix_len = prefix;
	assert_int_equal(ng_stack_add_iface(h->st, &ic, h->link, &h->ifc), 0);
}

void ng_test_host_destroy(struct ng_test_host *h)
{
	/* The link may hold packets of the stack's pool: free them before the leak check. */
	ng_link_destroy(h->link);
	assert_int_equal(ng_stack_destroy(h->st), 0);
	memset(h, 0, sizeof(*h));
}

void ng_test_pair_create(struct ng_test_pair *tp, const struct ng_sim_config *w, uint64_t seed)
{
	struct ng_sim_config wc;

	memset(tp, 0, sizeof(*tp));
	if (w)
		wc = *w;
	else
		ng_sim_config_default(&wc);
	if (!wc.seed)
		wc.seed = seed;
	assert_int_equal(ng_sim_wire_create(&wc, &tp->la, &tp->lb), 0);
	ng_test_pair_start(tp, seed);
}

/* The two stacks of a pair on the links already in TP->la and TP->lb. */
void ng_test_pair_start(struct ng_test_pair *tp, uint64_t seed)
{
	struct ng_stack_config c;
	struct ng_iface_config ic;

	ng_stack_config_default(&c);
	c.pkt_count = 2048;
	c.seed = seed * 2 + 1;
	assert_int_equal(ng_stack_create(&c, &tp->a), 0);
	c.seed = seed * 2 + 2;
	assert_int_equal(ng_stack_create(&c, &tp->b), 0);
	memset(&ic, 0, sizeof(ic));
	ic.prefix_len = 24;
	ic.addr = NG_IP4(10, 0, 0, 1);
	assert_int_equal(ng_stack_add_iface(tp->a, &ic, tp->la, &tp->ia), 0);
	ic.addr = NG_IP4(10, 0, 0, 2);
	assert_int_equal(ng_stack_add_iface(tp->b, &ic, tp->lb, &tp->ib), 0);
	tp->now = 1000 * NG_NS_PER_SEC; /* start away from zero */
	ng_stack_poll(tp->a, tp->now);
	ng_stack_poll(tp->b, tp->now);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

bool ng_test_pair_run(struct ng_test_pair *tp, bool (*cond)(void *ctx), void *ctx, uint64_t max_ns)
{
	uint64_t end = tp->now + max_ns;

	for (;;) {
		unsigned moved;
		do {
			moved = ng_stack_pump(tp->a, 0) + ng_stack_pump(tp->b, 0);
			ng_stack_poll(tp->a, tp->now);
			ng_stack_poll(tp->b, tp->now);
			if (cond && cond(ctx))
				return true;
		} while (moved);
		uint64_t next = min_u64(ng_stack_deadline(tp->a), ng_stack_deadline(tp->b));
		next = min_u64(next, ng_link_deadline(tp->la));
		next = min_u64(next, ng_link_deadline(tp->lb));
		if (next <= tp->now)
			next = tp->now + 1;
		if (next > end) {
			tp->now = end;
			ng_stack_poll(tp->a, end);
			ng_stack_poll(tp->b, end);
			return cond ? cond(ctx) : true;
		}
		tp->now = next;
		ng_stack_poll(tp->a, tp->now);
		ng_stack_poll(tp->b, tp->now);
	}
}

void ng_test_pair_destroy(struct ng_test_pair *tp)
{
	uint32_t la, lb;
	/* Frames in flight belong to the stacks' pools: the wire frees them first. */
	ng_link_destroy(tp->la);
	ng_link_destroy(tp->lb);
	la = ng_stack_destroy(tp->a);
	lb = ng_stack_destroy(tp->b);
	assert_int_equal(la, 0);
	assert_int_equal(lb, 0);
	memset(tp, 0, sizeof(*tp));
}

void ng_test_fill(void *buf, size_t len, uint64_t seed)
{
	uint8_t *b = buf;
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = (uint8_t)x;
	}
}
