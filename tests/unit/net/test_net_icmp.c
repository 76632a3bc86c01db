// SPDX-License-Identifier: MIT
/* ICMP: echo, rate limiting of errors, errors mapped to the transport's error handler. */
#include "nettest.h"

#define FAKE_PROTO 200

struct err_rec {
	unsigned calls;
	int err;
	uint32_t mtu, inner_src, inner_dst;
	uint8_t l4[8];
	size_t l4len;
};
static struct err_rec rec;

static void fake_err(struct ng_stack *st, const struct ng_ipv4_hdr *inner, const uint8_t *l4,
                     size_t l4len, int err, uint32_t mtu)
{
	(void)st;
	rec.calls++;
	rec.err = err;
	rec.mtu = mtu;
	rec.inner_src = inner->src;
	rec.inner_dst = inner->dst;
	rec.l4len = l4len;
	memcpy(rec.l4, l4, 8);
}

static void fake_in(struct ng_stack *st, struct ng_pkt *p, const struct ng_ipv4_hdr *ip)
{
	(void)st;
	(void)ip;
	ng_pkt_free(p);
}

/* An ICMP error TYPE/CODE (second word REST) from the peer quoting a datagram SRC -> DST of
 * PROTO with 8 transport bytes. */
static size_t error_frame(uint8_t *f, uint8_t type, uint8_t code, uint32_t rest, uint32_t src,
                          uint32_t dst, uint8_t proto)
{
	uint8_t quote[28], icmp[64];
	nt_ip(quote, src, dst, proto, 0x3333, 0, 64, 100);
	for (int i = 0; i < 8; i++)
		quote[20 + i] = (uint8_t)(0x10 + i);
	size_t m = nt_icmp(icmp, type, code, rest, quote, sizeof(quote));
	return nt_frame(f, NT_PEER, NT_US, 1, 0x4444, 0, 64, icmp, m);
}

static void test_echo_variants(void **state)
{
	struct ng_test_host h;
	struct nt_ipf ipf;
	uint8_t f[256], icmp[128], data[33];
	struct ng_pkt *p;
	size_t n, m;
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	/* Odd data length, zero-length data. */
	for (size_t len = 0; len <= 33; len += 33) {
		ng_test_fill(data, len, len);
		m = nt_icmp(icmp, 8, 0, 0xbeef0001, data, len);
		n = nt_frame(f, NT_PEER, NT_US, 1, 1, 0, 64, icmp, m);
		nt_inject(&h, f, n);
		p = ng_test_link_pop(h.link);
		assert_non_null(p);
		nt_parse(p, &ipf);
		assert_int_equal(ipf.l4_len, 8 + len);
		assert_int_equal(ipf.l4[0], 0);
		assert_int_equal(ng_get32(ipf.l4 + 4), 0xbeef0001);
		assert_int_equal(ng_csum(ipf.l4, ipf.l4_len), 0);
		assert_memory_equal(ipf.l4 + 8, data, len);
		ng_pkt_free(p);
	}
	/* Echo replies, redirects, timestamps and source quench are not acted upon. */
	m = nt_icmp(icmp, 0, 0, 1, data, 4);
	nt_inject(&h, f, nt_frame(f, NT_PEER, NT_US, 1, 1, 0, 64, icmp, m));
	m = nt_icmp(icmp, 13, 0, 1, data, 12);
	nt_inject(&h, f, nt_frame(f, NT_PEER, NT_US, 1, 1, 0, 64, icmp, m));
	assert_int_equal(nt_drops(&h, NG_DROP_ICMP_TYPE), 2);
	/* Truncated. */
	m = nt_icmp(icmp, 8, 0, 1, data, 0);
	nt_inject(&h, f, nt_frame(f, NT_PEER, NT_US, 1, 1, 0, 64, icmp, 4));
	assert_int_equal(nt_drops(&h, NG_DROP_ICMP_SHORT), 1);
	assert_int_equal(ng_test_link_pending(h.link), 0);
	ng_test_host_destroy(&h);
}

static void test_error_rate_limit(void **state)
{
	struct ng_stack_config c;
	struct ng_test_host h;
	uint8_t f[128], u[64];
	size_t n;
	(void)state;

	nt_cfg(&c);
	c.icmp_rate = 10;
	c.icmp_burst = 5;
	nt_host_cfg(&h, &c, NT_US, 24, 0);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	ng_stack_poll(h.st, 10 * NG_NS_PER_SEC);
	n = nt_udp(u, NT_PEER, NT_US, 1111, 2222, "x", 1, true);
	n = nt_frame(f, NT_PEER, NT_US, 17, 1, 0, 64, u, n);
	for (int i = 0; i < 20; i++)
		nt_inject(&h, f, n);
	assert_int_equal(nt_drops(&h, NG_DROP_UDP_NO_PORT), 20);
	assert_int_equal(nt_flush(&h), 5); /* the burst */
	assert_int_equal(nt_drops(&h, NG_DROP_ICMP_RATELIMIT), 15);
	/* 300 ms later three tokens have come back. */
	ng_stack_poll(h.st, 10 * NG_NS_PER_SEC + 300 * NG_NS_PER_MS);
	for (int i = 0; i < 20; i++)
		nt_inject(&h, f, n);
	assert_int_equal(nt_flush(&h), 3);
	/* After a long pause, never more than the burst. */
	ng_stack_poll(h.st, 100 * NG_NS_PER_SEC);
	nt_learn(&h, NT_PEER, nt_peer_mac);
	for (int i = 0; i < 20; i++)
		nt_inject(&h, f, n);
	assert_int_equal(nt_flush(&h), 5);
	assert_int_equal(nt_count(&h, NG_CNT_ICMP_TX), 13);
	ng_test_host_destroy(&h);
}

static void test_error_mapping(void **state)
{
	static const struct {
		uint8_t type, code;
		uint32_t rest;
		int err;
		uint32_t mtu;
	} cases[] = {
	    {3, 3, 0, -NG_ECONNREFUSED, 0},  {3, 2, 0, -NG_ECONNREFUSED, 0},
	    {3, 0, 0, -NG_ENETUNREACH, 0},   {3, 1, 0, -NG_EHOSTUNREACH, 0},
	    {3, 13, 0, -NG_EHOSTUNREACH, 0}, {3, 4, 1280, -NG_EMSGSIZE, 1280},
	    {11, 0, 0, -NG_ETIMEDOUT, 0},    {11, 1, 0, -NG_ETIMEDOUT, 0},
	    {12, 0, 0, -NG_EHOSTUNREACH, 0},
	};
	struct ng_test_host h;
	uint8_t f[256];
	(void)state;

	ng_test_host_create(&h, NT_US, 24, 0, 1);
	ng_ipv4_register(h.st, FAKE_PROTO, fake_in, fake_err);
	for (size_t i = 0; i < NG_ARRAY_SIZE(cases); i++) {
		memset(&rec, 0, sizeof(rec));
		nt_inject(&h, f,
		          error_frame(f, cases[i].type, cases[i].code, cases[i].rest, NT_US,
		                      NG_IP4(192, 0, 2, 9), FAKE_PROTO));
		assert_int_equal(rec.calls, 1);
		assert_int_equal(rec.err, cases[i].err);
		assert_int_equal(rec.mtu, cases[i].mtu);
		assert_int_equal(rec.inner_src, NT_US);
		assert_int_equal(rec.inner_dst, NG_IP4(192, 0, 2, 9));
		assert_int_equal(rec.l4len, 8);
		assert_int_equal(rec.l4[0], 0x10);
		assert_int_equal(rec.l4[7], 0x17);
	}
	/* Quoting a datagram that was not ours: ignored. Unregistered protocol: ignored. */
	memset(&rec, 0, sizeof(rec));
	nt_inject(&h, f, error_frame(f, 3, 3, 0, NT_PEER, NT_US, FAKE_PROTO));
	nt_inject(&h, f, error_frame(f, 3, 3, 0, NT_US, NT_PEER, FAKE_PROTO + 1));
	/* Source quench (RFC 6633) and redirects are ignored. */
	nt_inject(&h, f, error_frame(f, 4, 0, 0, NT_US, NT_PEER, FAKE_PROTO));
	nt_inject(&h, f, error_frame(f, 5, 1, 0, NT_US, NT_PEER, FAKE_PROTO));
	assert_int_equal(rec.calls, 0);
	assert_int_equal(nt_drops(&h, NG_DROP_ICMP_TYPE), 4);
	/* Errors are never answered with errors. */
	assert_int_equal(ng_test_link_pending(h.link), 0);
	ng_test_host_destroy(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_echo_variants),
	    cmocka_unit_test(test_error_rate_limit),
	    cmocka_unit_test(test_error_mapping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
