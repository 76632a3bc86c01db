// SPDX-License-Identifier: MIT
/* The TCP sender on a two-size pool: TSO super-segments take a large buffer, MSS-sized segments
 * go out when none is free. */
#include "../tcp/tcp_harness.h"

#define SMALL  2048
#define MSS_TS 1448

/* Like th_init, but on a pool of 256 small (2 KiB) buffers and LARGE buffers of 64 KiB, on a
 * link with checksum offload and TSO. */
static void init_sizes(struct th *t, uint32_t large)
{
	static const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	struct ng_stack_config c;
	struct ng_iface_config ic;

	memset(t, 0, sizeof(*t));
	ng_stack_config_default(&c);
	c.seed = 3;
	c.pkt_count = 256;
	c.pkt_size = SMALL;
	c.pkt_large_count = large;
	c.pkt_large_size = NG_PKT_DEFAULT_SIZE;
	assert_int_equal(ng_stack_create(&c, &t->h.st), 0);
	t->h.link = ng_test_link_create(1500, mac);
	t->h.link->tx_offload = NG_LINK_TX_CSUM | NG_LINK_TX_TSO4;
	memset(&ic, 0, sizeof(ic));
	ic.addr = TH_US;
	ic.prefix_len = 24;
	assert_int_equal(ng_stack_add_iface(t->h.st, &ic, t->h.link, &t->h.ifc), 0);
	t->st = t->h.st;
	t->now = 1000 * NG_NS_PER_SEC;
	ng_stack_poll(t->st, t->now);
	ng_tcp_set_trace(t->st, th_trace, t);
	th_arp_reply(t);
	while (ng_test_link_pending(t->h.link))
		ng_pkt_free(ng_test_link_pop(t->h.link));
}

/* Pop the next IPv4 frame: its TCP payload length, gso_size and buffer size. */
static bool pop_seg(struct th *t, uint32_t *len, uint16_t *gso, uint32_t *cap)
{
	struct ng_pkt *p;

	while ((p = ng_test_link_pop(t->h.link)) != NULL) {
		const uint8_t *d = ng_pkt_data(p);
		uint32_t tot, thl;

		if (p->len < 54 || ng_get16(d + 12) != NG_ETH_P_IPV4) {
			ng_pkt_free(p);
			continue;
		}
		tot = ng_get16(d + 14 + 2);
		thl = (uint32_t)(d[14 + 20 + 12] >> 4) * 4;
		assert_int_equal(d[14 + 9], NG_IP_PROTO_TCP);
		*len = tot - 20 - thl;
		*gso = p->gso_size;
		*cap = p->cap;
		ng_pkt_free(p);
		return true;
	}
	return false;
}

/* natgate as server (ISN 2000) against a peer with MSS 1460 and timestamps. */
static struct ng_tcp_sock *server(struct th *t, uint32_t *ecr)
{
	struct ng_tcp_opts o;
	struct ng_tcp_sock *l;
	struct ng_pkt *p;

	memset(&o, 0, sizeof(o));
	o.ts_ok = true;
	o.tsval = 1000;
	o.mss_ok = true;
	o.mss = 1460;
	ng_tcp_test_set_isn(t->st, true, 2000);
	assert_int_equal(ng_tcp_listen(t->st, 0, TH_SPORT, 4, th_accept, t, NULL, &l), 0);
	th_send_opt(t, TH_PPORT, TH_SPORT, 100, 0, NG_TCP_SYN, 65535, NULL, 0, &o, 0);
	p = ng_test_link_pop(t->h.link);
	assert_non_null(p);
	/* the SYN+ACK's TSval: Ethernet 14 + IP 20 + TCP 20, then the options */
	{
		const uint8_t *opt = ng_pkt_data(p) + 54;
		uint32_t n = (uint32_t)(ng_pkt_data(p)[46] >> 4) * 4 - 20;

		*ecr = 0;
		for (uint32_t i = 0; i < n;) {
			if (opt[i] == 0)
				break;
			if (opt[i] == 1) {
				i++;
				continue;
			}
			if (opt[i] == 8)
				*ecr = ng_get32(opt + i + 2);
			i += opt[i + 1] ? opt[i + 1] : 1;
		}
	}
	ng_pkt_free(p);
	o.mss_ok = false;
	o.tsval = 1001;
	o.tsecr = *ecr;
	th_send_opt(t, TH_PPORT, TH_SPORT, 101, 2001, NG_TCP_ACK, 65535, NULL, 0, &o, 0);
	assert_non_null(t->accepted);
	return t->accepted;
}

/* With a large buffer free, the window's worth leaves as one super-segment in a large buffer;
 * with none free, the same data leaves as MSS-sized segments in small ones. */
static void test_tso_needs_large(void **state)
{
	static uint8_t d[4 * MSS_TS];
	struct ng_tcp_sock *c;
	struct ng_pkt *h1, *h2;
	uint32_t len, cap, ecr, n = 0;
	uint16_t gso;
	struct th t;
	(void)state;

	ng_test_fill(d, sizeof(d), 5);
	init_sizes(&t, 2);
	c = server(&t, &ecr);
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), (long)sizeof(d));
	assert_true(pop_seg(&t, &len, &gso, &cap));
	assert_int_equal(len, 4 * MSS_TS);
	assert_int_equal(gso, MSS_TS);
	assert_int_equal(cap, NG_PKT_DEFAULT_SIZE);
	assert_false(pop_seg(&t, &len, &gso, &cap));
	{
		struct ng_tcp_opts o;
		memset(&o, 0, sizeof(o));
		o.ts_ok = true;
		o.tsval = 1002;
		o.tsecr = ecr;
		th_send_opt(&t, TH_PPORT, TH_SPORT, 101, 2001 + sizeof(d), NG_TCP_ACK, 65535, NULL,
		            0, &o, 0);
	}
	while (pop_seg(&t, &len, &gso, &cap))
		;
	assert_int_equal(ng_pktpool_large_in_use(ng_stack_pool(t.st)), 0);

	/* both large buffers taken: MSS-sized segments from small buffers, nothing refused */
	h1 = ng_pkt_alloc_len(ng_stack_pool(t.st), 60000);
	h2 = ng_pkt_alloc_len(ng_stack_pool(t.st), 60000);
	assert_non_null(h1);
	assert_non_null(h2);
	assert_int_equal(ng_tcp_send(c, d, sizeof(d)), (long)sizeof(d));
	while (pop_seg(&t, &len, &gso, &cap)) {
		assert_int_equal(len, MSS_TS);
		assert_int_equal(gso, 0);
		assert_int_equal(cap, SMALL);
		n++;
	}
	assert_int_equal(n, 4);
	assert_int_equal(ng_stack_stats(t.st)->drops[NG_DROP_NOBUF], 0);
	ng_pkt_free(h1);
	ng_pkt_free(h2);
	ng_tcp_abort(c);
	while (ng_test_link_pending(t.h.link))
		ng_pkt_free(ng_test_link_pop(t.h.link));
	th_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tso_needs_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
