// SPDX-License-Identifier: MIT
/* UDP sockets: binding, ephemeral ports, receive, checksums, port unreachable, ICMP errors, and
 * datagrams up to 65507 bytes between two stacks on the simulated wire. */
#include "../net/nettest.h"

struct rx {
	unsigned n;
	uint32_t src;
	uint16_t sport;
	size_t len;
	uint8_t data[65536];
	unsigned errs;
	int err;
	uint32_t err_dst;
	uint16_t err_dport;
};

static void on_rx(struct ng_udp_sock *s, void *ctx, uint32_t src, uint16_t sport,
                  const uint8_t *data, size_t len)
{
	struct rx *r = ctx;
	(void)s;
	r->n++;
	r->src = src;
	r->sport = sport;
	r->len = len;
	memcpy(r->data, data, len);
}

static void on_err(struct ng_udp_sock *s, void *ctx, int err, uint32_t dst, uint16_t dport)
{
	struct rx *r = ctx;
	(void)s;
	r->errs++;
	r->err = err;
	r->err_dst = dst;
	r->err_dport = dport;
}

static struct rx *new_rx(void)
{
	struct rx *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	return r;
}

static void test_bind_conflicts(void **state)
{
	struct ng_test_host h;
	struct ng_udp_sock *a, *b, *c;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	assert_int_equal(ng_udp_open(h.st, 0, 5000, NULL, NULL, NULL, &a), 0);
	assert_int_equal(ng_udp_port(a), 5000);
	assert_int_equal(ng_udp_open(h.st, 0, 5000, NULL, NULL, NULL, &b), -NG_EADDRINUSE);
	assert_int_equal(ng_udp_open(h.st, NT_US, 5000, NULL, NULL, NULL, &b), -NG_EADDRINUSE);
	assert_int_equal(ng_udp_open(h.st, NT_US, 6000, NULL, NULL, NULL, &b), 0);
	assert_int_equal(ng_udp_open(h.st, 0, 6000, NULL, NULL, NULL, &c), -NG_EADDRINUSE);
	assert_int_equal(ng_udp_open(h.st, NT_US, 6000, NULL, NULL, NULL, &c), -NG_EADDRINUSE);
	/* Not one of our addresses. */
	assert_int_equal(ng_udp_open(h.st, NT_PEER, 7000, NULL, NULL, NULL, &c), -NG_EINVAL);
	assert_int_equal(ng_udp_count(h.st), 2);
	ng_udp_close(a);
	assert_int_equal(ng_udp_open(h.st, NT_US, 5000, NULL, NULL, NULL, &a), 0);
	assert_int_equal(ng_udp_count(h.st), 2);
	ng_udp_close(a);
	ng_udp_close(b);
	assert_int_equal(ng_udp_count(h.st), 0);
	ng_test_host_destroy(&h);
}

static void test_ephemeral_ports(void **state)
{
	struct ng_stack_config c;
	struct ng_test_host h;
	struct ng_udp_sock *s[65];
	uint16_t first[2];
	(void)state;

	for (int k = 0; k < 2; k++) {
		nt_cfg(&c);
		c.seed = 100 + (uint64_t)k;
		nt_host_cfg(&h, &c, NT_US, 24, 0);
		for (int i = 0; i < 64; i++) {
			assert_int_equal(ng_udp_open(h.st, 0, 0, NULL, NULL, NULL, &s[i]), 0);
			uint16_t p = ng_udp_port(s[i]);
			assert_true(p >= 49152);
			for (int j = 0; j < i; j++)
				assert_int_not_equal(ng_udp_port(s[j]), p);
		}
		first[k] = ng_udp_port(s[0]);
		/* The table holds cfg.udp_sockets. */
		assert_int_equal(ng_udp_open(h.st, 0, 0, NULL, NULL, NULL, &s[64]), -NG_ENOMEM);
		for (int i = 0; i < 64; i++)
			ng_udp_close(s[i]);
		ng_test_host_destroy(&h);
	}
	/* Different seeds, different ports (RFC 6056: not predictable across hosts). */
	assert_int_not_equal(first[0], first[1]);
}

static void test_receive_and_checksums(void **state)
{
	struct ng_test_host h;
	struct ng_udp_sock *any, *spec;
	struct rx *ra = new_rx(), *rs = new_rx();
	uint8_t f[256], u[128], data[40];
	size_t n;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	assert_int_equal(ng_udp_open(h.st, 0, 53, on_rx, on_err, ra, &any), 0);
	assert_int_equal(ng_udp_open(h.st, NT_US, 54, on_rx, on_err, rs, &spec), 0);
	ng_test_fill(data, sizeof(data), 1);

	n = nt_frame(f, NT_PEER, NT_US, 17, 1, 0, 64, u,
	             nt_udp(u, NT_PEER, NT_US, 3333, 53, data, sizeof(data), true));
	nt_inject(&h, f, n);
	assert_int_equal(ra->n, 1);
	assert_int_equal(ra->src, NT_PEER);
	assert_int_equal(ra->sport, 3333);
	assert_int_equal(ra->len, sizeof(data));
	assert_memory_equal(ra->data, data, sizeof(data));

	/* RFC 768: a zero checksum means none was computed; accepted. */
	n = nt_frame(f, NT_PEER, NT_US, 17, 2, 0, 64, u,
	             nt_udp(u, NT_PEER, NT_US, 3333, 54, data, 7, false));
	nt_inject(&h, f, n);
	assert_int_equal(rs->n, 1);
	assert_int_equal(rs->len, 7);

	/* A wrong checksum: dropped. */
	n = nt_frame(f, NT_PEER, NT_US, 17, 3, 0, 64, u,
	             nt_udp(u, NT_PEER, NT_US, 3333, 53, data, 9, true));
	f[n - 1] ^= 0x40;
	nt_inject(&h, f, n);
	assert_int_equal(nt_drops(&h, NG_DROP_UDP_CSUM), 1);
	/* Length field past the datagram: dropped. Shorter than the header: dropped. */
	nt_udp(u, NT_PEER, NT_US, 3333, 53, data, 9, false);
	ng_put16(u + 4, 40);
	n = nt_frame(f, NT_PEER, NT_US, 17, 4, 0, 64, u, 17);
	nt_inject(&h, f, n);
	assert_int_equal(nt_drops(&h, NG_DROP_UDP_LEN), 1);
	n = nt_frame(f, NT_PEER, NT_US, 17, 5, 0, 64, u, 6);
	nt_inject(&h, f, n);
	assert_int_equal(nt_drops(&h, NG_DROP_UDP_SHORT), 1);
	/* A length field shorter than the IP payload: the rest is ignored. */
	nt_udp(u, NT_PEER, NT_US, 3333, 53, data, 9, false);
	ng_put16(u + 4, 8 + 5);
	n = nt_frame(f, NT_PEER, NT_US, 17, 6, 0, 64, u, 17);
	nt_inject(&h, f, n);
	assert_int_equal(ra->n, 2);
	assert_int_equal(ra->len, 5);

	/* The subnet broadcast reaches the wildcard socket only. */
	n = nt_frame(f, NT_PEER, NG_IP4(10, 0, 0, 255), 17, 7, 0, 64, u,
	             nt_udp(u, NT_PEER, NG_IP4(10, 0, 0, 255), 3333, 53, data, 3, true));
	memcpy(f, nt_bcast, 6);
	nt_inject(&h, f, n);
	assert_int_equal(ra->n, 3);
	n = nt_frame(f, NT_PEER, NG_IP4(10, 0, 0, 255), 17, 8, 0, 64, u,
	             nt_udp(u, NT_PEER, NG_IP4(10, 0, 0, 255), 3333, 54, data, 3, true));
	memcpy(f, nt_bcast, 6);
	nt_inject(&h, f, n);
	assert_int_equal(rs->n, 1);
	/* No port unreachable for a broadcast. */
	assert_int_equal(nt_drops(&h, NG_DROP_UDP_NO_PORT), 1);
	assert_int_equal(ng_test_link_pending(h.link), 0);
	assert_int_equal(nt_count(&h, NG_CNT_UDP_RX), 5);

	ng_udp_close(any);
	ng_udp_close(spec);
	ng_test_host_destroy(&h);
	free(ra);
	free(rs);
}

/* Hand H's interface the frame F (N bytes) in a packet flagged FLAGS, as a link would. */
static void inject_flagged(struct ng_test_host *h, const uint8_t *f, size_t n, uint8_t flags)
{
	struct ng_pkt *p = ng_pkt_alloc(ng_stack_pool(h->st));

	assert_non_null(p);
	memcpy(ng_pkt_put(p, (uint32_t)n), f, n);
	p->flags = flags;
	ng_stack_input(h->st, h->ifc, p);
	ng_stack_pump(h->st, 0);
}

/* A datagram whose checksum the link vouched for (NG_PKT_F_CSUM_VALID: the kernel verified it
 * over a TAP) is not verified again: a wrong sum in it is taken as the kernel's word and the
 * datagram delivered. The same bytes without the flag are dropped and counted UDP_CSUM. The
 * lengths are checked either way. */
static void test_link_vouched_checksum(void **state)
{
	struct ng_test_host h;
	struct ng_udp_sock *s;
	struct rx *r = new_rx();
	uint8_t f[256], u[128], data[40];
	size_t n;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	assert_int_equal(ng_udp_open(h.st, 0, 53, on_rx, on_err, r, &s), 0);
	ng_test_fill(data, sizeof(data), 3);
	n = nt_frame(f, NT_PEER, NT_US, 17, 1, 0, 64, u,
	             nt_udp(u, NT_PEER, NT_US, 3333, 53, data, sizeof(data), true));
	f[n - 1] ^= 0x40; /* the sum no longer matches the data */
	data[sizeof(data) - 1] ^= 0x40;

	inject_flagged(&h, f, n, NG_PKT_F_CSUM_VALID);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->sport, 3333);
	assert_int_equal(r->len, sizeof(data));
	assert_memory_equal(r->data, data, sizeof(data));
	assert_int_equal(nt_drops(&h, NG_DROP_UDP_CSUM), 0);

	inject_flagged(&h, f, n, 0);
	assert_int_equal(r->n, 1);
	assert_int_equal(nt_drops(&h, NG_DROP_UDP_CSUM), 1);

	/* vouched for, but its length field runs past the datagram: dropped all the same */
	ng_put16(f + 14 + 20 + 4, (uint16_t)(8 + sizeof(data) + 1));
	inject_flagged(&h, f, n, NG_PKT_F_CSUM_VALID);
	assert_int_equal(r->n, 1);
	assert_int_equal(nt_drops(&h, NG_DROP_UDP_LEN), 1);
	assert_int_equal(nt_count(&h, NG_CNT_UDP_RX), 1);

	ng_udp_close(s);
	ng_test_host_destroy(&h);
	free(r);
}

static void test_port_unreachable(void **state)
{
	struct ng_test_host h;
	struct nt_ipf ipf;
	uint8_t f[256], u[128];
	struct ng_pkt *p;
	size_t n;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	n = nt_frame(f, NT_PEER, NT_US, 17, 0x1111, 0, 64, u,
	             nt_udp(u, NT_PEER, NT_US, 40000, 9999, "ping", 4, true));
	nt_inject(&h, f, n);
	assert_int_equal(nt_drops(&h, NG_DROP_UDP_NO_PORT), 1);
	p = ng_test_link_pop(h.link);
	assert_non_null(p);
	nt_parse(p, &ipf);
	assert_memory_equal(ipf.eth, nt_peer_mac, 6);
	assert_int_equal(ipf.src, NT_US);
	assert_int_equal(ipf.dst, NT_PEER);
	assert_int_equal(ipf.proto, 1);
	assert_int_equal(ipf.l4[0], 3);
	assert_int_equal(ipf.l4[1], 3);
	assert_int_equal(ng_get32(ipf.l4 + 4), 0);
	assert_int_equal(ng_csum(ipf.l4, ipf.l4_len), 0);
	/* Quotes the IP header and the UDP header + data as received. */
	assert_int_equal(ipf.l4_len, 8 + 20 + 8 + 4);
	assert_memory_equal(ipf.l4 + 8, f + 14, 20 + 8 + 4);
	ng_pkt_free(p);
	/* A large datagram is quoted only up to a 576-byte error (RFC 1812 4.3.2.3). */
	{
		static uint8_t big[1500], ub[1500];
		n = nt_frame(big, NT_PEER, NT_US, 17, 0x1112, 0, 64, ub,
		             nt_udp(ub, NT_PEER, NT_US, 40000, 9999, big, 1400, true));
		nt_inject(&h, big, n);
		p = ng_test_link_pop(h.link);
		assert_non_null(p);
		nt_parse(p, &ipf);
		assert_int_equal(ipf.tot_len, 576);
		assert_int_equal(ng_csum(ipf.l4, ipf.l4_len), 0);
		assert_memory_equal(ipf.l4 + 8, big + 14, 576 - 28);
		ng_pkt_free(p);
	}
	ng_test_host_destroy(&h);
}

static void test_icmp_error_to_socket(void **state)
{
	struct ng_test_host h;
	struct ng_udp_sock *s, *other;
	struct rx *r = new_rx(), *ro = new_rx();
	uint8_t f[256], icmp[128];
	struct ng_pkt *p;
	size_t n;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	assert_int_equal(ng_udp_open(h.st, 0, 0, on_rx, on_err, r, &s), 0);
	assert_int_equal(ng_udp_open(h.st, 0, 0, on_rx, on_err, ro, &other), 0);
	assert_int_equal(ng_udp_sendto(s, NT_PEER, 7777, "hello", 5), 0);
	p = ng_test_link_pop(h.link);
	assert_non_null(p);
	/* The peer's kernel answers with port unreachable quoting what we sent. */
	n = nt_icmp(icmp, 3, 3, 0, ng_pkt_data(p) + 14, p->len - 14);
	ng_pkt_free(p);
	n = nt_frame(f, NT_PEER, NT_US, 1, 9, 0, 64, icmp, n);
	nt_inject(&h, f, n);
	assert_int_equal(r->errs, 1);
	assert_int_equal(r->err, -NG_ECONNREFUSED);
	assert_int_equal(r->err_dst, NT_PEER);
	assert_int_equal(r->err_dport, 7777);
	assert_int_equal(ro->errs, 0);
	/* After close the error has nowhere to go: nothing happens. */
	ng_udp_close(s);
	nt_inject(&h, f, n);
	assert_int_equal(r->errs, 1);
	ng_udp_close(other);
	ng_test_host_destroy(&h);
	free(r);
	free(ro);
}

static void test_sendto_errors_and_fields(void **state)
{
	static uint8_t big[65508];
	struct ng_test_host h;
	struct ng_udp_sock *s;
	struct nt_ipf ipf;
	struct ng_pkt *p;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	assert_int_equal(ng_udp_open(h.st, NT_US, 1234, NULL, NULL, NULL, &s), 0);
	assert_int_equal(ng_udp_sendto(s, NT_PEER, 9, big, 65508), -NG_EMSGSIZE);
	assert_int_equal(ng_udp_sendto(s, NG_IP4(192, 0, 2, 1), 9, "x", 1), -NG_EHOSTUNREACH);
	assert_int_equal(ng_udp_sendto(s, NT_PEER, 0, "x", 1), -NG_EINVAL);
	assert_int_equal(ng_test_link_pending(h.link), 0);
	assert_int_equal(ng_udp_sendto(s, NT_PEER, 9, "", 0), 0);
	p = ng_test_link_pop(h.link);
	nt_parse(p, &ipf);
	assert_int_equal(ipf.proto, 17);
	assert_int_equal(ipf.ttl, 64);
	assert_int_equal(ipf.l4_len, 8);
	assert_int_equal(ng_get16(ipf.l4), 1234);
	assert_int_equal(ng_get16(ipf.l4 + 2), 9);
	assert_int_equal(ng_get16(ipf.l4 + 4), 8);
	assert_int_not_equal(ng_get16(ipf.l4 + 6), 0);
	assert_int_equal(
	    ng_csum_finish(ng_csum_add(ng_csum_pseudo(NT_US, NT_PEER, 17, 8), ipf.l4, 8)), 0);
	ng_pkt_free(p);
	assert_int_equal(nt_count(&h, NG_CNT_UDP_TX), 1);
	ng_udp_close(s);
	ng_test_host_destroy(&h);
}

/* ---- two stacks on the simulated wire ---- */

struct pair_ctx {
	struct rx *ra, *rb;
	unsigned want_a, want_b;
};

static bool got_both(void *ctx)
{
	struct pair_ctx *c = ctx;
	return c->ra->n >= c->want_a && c->rb->n >= c->want_b;
}

static void test_pair_exchange(void **state)
{
	static const size_t sizes[] = {1, 1472, 1473, 8000, 65507};
	static uint8_t da[65507], db[65507];
	struct ng_test_pair tp;
	struct ng_udp_sock *sa, *sb;
	struct pair_ctx c;
	(void)state;

	c.ra = new_rx();
	c.rb = new_rx();
	c.want_a = c.want_b = 0;
	ng_test_pair_create(&tp, NULL, 3);
	assert_int_equal(ng_udp_open(tp.a, 0, 4000, on_rx, on_err, c.ra, &sa), 0);
	assert_int_equal(ng_udp_open(tp.b, 0, 5000, on_rx, on_err, c.rb, &sb), 0);
	for (size_t i = 0; i < NG_ARRAY_SIZE(sizes); i++) {
		ng_test_fill(da, sizes[i], i + 1);
		ng_test_fill(db, sizes[i], i + 100);
		assert_int_equal(ng_udp_sendto(sa, NG_IP4(10, 0, 0, 2), 5000, da, sizes[i]), 0);
		assert_int_equal(ng_udp_sendto(sb, NG_IP4(10, 0, 0, 1), 4000, db, sizes[i]), 0);
		c.want_a++;
		c.want_b++;
		assert_true(ng_test_pair_run(&tp, got_both, &c, 5 * NG_NS_PER_SEC));
		assert_int_equal(c.rb->len, sizes[i]);
		assert_int_equal(c.rb->src, NG_IP4(10, 0, 0, 1));
		assert_int_equal(c.rb->sport, 4000);
		assert_memory_equal(c.rb->data, da, sizes[i]);
		assert_int_equal(c.ra->len, sizes[i]);
		assert_int_equal(c.ra->sport, 5000);
		assert_memory_equal(c.ra->data, db, sizes[i]);
	}
	/* A closed port on B: A's socket hears ECONNREFUSED. */
	assert_int_equal(ng_udp_sendto(sa, NG_IP4(10, 0, 0, 2), 5001, "?", 1), 0);
	ng_test_pair_run(&tp, NULL, NULL, NG_NS_PER_SEC);
	assert_int_equal(c.ra->errs, 1);
	assert_int_equal(c.ra->err, -NG_ECONNREFUSED);
	assert_int_equal(c.ra->err_dport, 5001);
	assert_int_equal(ng_stack_stats(tp.b)->drops[NG_DROP_UDP_NO_PORT], 1);
	ng_udp_close(sa);
	ng_udp_close(sb);
	ng_test_pair_destroy(&tp);
	free(c.ra);
	free(c.rb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bind_conflicts),
	    cmocka_unit_test(test_ephemeral_ports),
	    cmocka_unit_test(test_receive_and_checksums),
	    cmocka_unit_test(test_link_vouched_checksum),
	    cmocka_unit_test(test_port_unreachable),
	    cmocka_unit_test(test_icmp_error_to_socket),
	    cmocka_unit_test(test_sendto_errors_and_fields),
	    cmocka_unit_test(test_pair_exchange),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
