// SPDX-License-Identifier: MIT
/* The network layer on a two-size pool: 64 KiB reassembly, big UDP sends and big echo replies. */
#include "nettest.h"

#define DPORT 7000
#define SMALL 2048

struct ctx {
	struct ng_test_host h;
	struct ng_udp_sock *s;
	struct nt_rx rx;
	uint8_t dgram[65536]; /* the IP payload (UDP or ICMP) cut into fragments */
	size_t dlen;
	uint8_t data[65536];
};

/* A host on a pool of 256 small buffers (2 KiB: MTU 1500 frames) and LARGE big ones. */
static struct ctx *setup(uint32_t large)
{
	struct ng_stack_config cfg;
	struct ctx *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	nt_cfg(&cfg);
	cfg.pkt_size = SMALL;
	cfg.pkt_large_count = large;
	cfg.pkt_large_size = large ? NG_PKT_DEFAULT_SIZE : 0;
	nt_host_cfg(&c->h, &cfg, NT_US, 24, 0);
	nt_learn(&c->h, NT_PEER, nt_peer_mac);
	assert_int_equal(ng_udp_open(c->h.st, 0, DPORT, nt_on_rx, NULL, &c->rx, &c->s), 0);
	return c;
}

static void teardown(struct ctx *c)
{
	ng_udp_close(c->s);
	assert_int_equal(ng_pktpool_in_use(ng_stack_pool(c->h.st)), 0);
	ng_test_host_destroy(&c->h);
	free(c);
}

/* Inject c->dgram (protocol PROTO) as fragments of 1480 bytes, datagram ID. */
static void send_frags(struct ctx *c, uint8_t proto, uint16_t id)
{
	static uint8_t f[2048];

	for (size_t off = 0; off < c->dlen; off += 1480) {
		size_t len = NG_MIN((size_t)1480, c->dlen - off);
		bool mf = off + len < c->dlen;
		uint16_t word = (uint16_t)((mf ? 0x2000 : 0) | (off / 8));
		size_t n = nt_frame(f, NT_PEER, NT_US, proto, id, word, 64, c->dgram + off, len);
		nt_inject(&c->h, f, n);
	}
}

/* The largest UDP datagram (65535 bytes of IP) reassembles in a large buffer although the
 * ordinary buffers hold only one frame; the large one goes back to the pool afterwards. */
static void test_reasm_64k_small_buffers(void **state)
{
	struct ctx *c = setup(4);
	(void)state;

	assert_int_equal(ng_pktpool_bufsize(ng_stack_pool(c->h.st)), SMALL);
	ng_test_fill(c->data, 65507, 11);
	c->dlen = nt_udp(c->dgram, NT_PEER, NT_US, 1234, DPORT, c->data, 65507, true);
	assert_int_equal(c->dlen, 65515);
	send_frags(c, 17, 900);
	assert_int_equal(c->rx.n, 1);
	assert_int_equal(c->rx.len, 65507);
	assert_memory_equal(c->rx.data, c->data, 65507);
	assert_int_equal(nt_count(&c->h, NG_CNT_IP_REASM_OK), 1);
	assert_int_equal(ng_pktpool_large_in_use(ng_stack_pool(c->h.st)), 0);
	assert_int_equal(nt_drops(&c->h, NG_DROP_IP_FRAG_TOO_BIG), 0);
	teardown(c);
}

/* No large buffer free: a datagram longer than a small buffer is refused (counted), a short
 * fragmented one still reassembles in a small buffer. */
static void test_reasm_no_large_free(void **state)
{
	struct ctx *c = setup(1);
	struct ng_pkt *hold;
	(void)state;

	hold = ng_pkt_alloc_len(ng_stack_pool(c->h.st), 60000); /* the only large buffer */
	assert_non_null(hold);
	ng_test_fill(c->data, 20000, 12);
	c->dlen = nt_udp(c->dgram, NT_PEER, NT_US, 1234, DPORT, c->data, 20000, true);
	send_frags(c, 17, 901);
	assert_int_equal(c->rx.n, 0);
	assert_true(nt_drops(&c->h, NG_DROP_IP_FRAG_TOO_BIG) >= 1);
	ng_test_fill(c->data, 1800, 13); /* two fragments, 1808 bytes: fits 2 KiB */
	c->dlen = nt_udp(c->dgram, NT_PEER, NT_US, 1234, DPORT, c->data, 1800, true);
	send_frags(c, 17, 902);
	assert_int_equal(c->rx.n, 1);
	assert_int_equal(c->rx.len, 1800);
	assert_memory_equal(c->rx.data, c->data, 1800);
	ng_pkt_free(hold);
	teardown(c);
}

/* A UDP send over the MTU takes a large buffer and leaves as MTU-sized fragments; without a
 * free large buffer it fails with -NG_ENOBUFS, and with no large class at all -NG_EMSGSIZE. */
static void test_udp_send_big(void **state)
{
	struct ctx *c = setup(2);
	struct ng_pkt *p, *h1, *h2;
	size_t frames = 0, bytes = 0;
	(void)state;

	ng_test_fill(c->data, 30000, 14);
	assert_int_equal(ng_udp_sendto(c->s, NT_PEER, 1234, c->data, 30000), 0);
	while ((p = ng_test_link_pop(c->h.link)) != NULL) {
		assert_true(p->len <= 14 + 1500);
		bytes += p->len - 14 - 20;
		frames++;
		ng_pkt_free(p);
	}
	assert_int_equal(frames, (30008 + 1479) / 1480);
	assert_int_equal(bytes, 30008);
	assert_int_equal(ng_pktpool_large_in_use(ng_stack_pool(c->h.st)), 0);
	h1 = ng_pkt_alloc_len(ng_stack_pool(c->h.st), 60000);
	h2 = ng_pkt_alloc_len(ng_stack_pool(c->h.st), 60000);
	assert_non_null(h1);
	assert_non_null(h2);
	assert_int_equal(ng_udp_sendto(c->s, NT_PEER, 1234, c->data, 30000), -NG_ENOBUFS);
	assert_int_equal(nt_flush(&c->h), 0);
	/* one that fits a small buffer still goes */
	assert_int_equal(ng_udp_sendto(c->s, NT_PEER, 1234, c->data, 1000), 0);
	assert_int_equal(nt_flush(&c->h), 1);
	ng_pkt_free(h1);
	ng_pkt_free(h2);
	teardown(c);

	c = setup(0);
	assert_int_equal(ng_udp_sendto(c->s, NT_PEER, 1234, c->data, 30000), -NG_EMSGSIZE);
	teardown(c);
}

/* A reassembled 64 KiB ping is answered in place (its large buffer) with the same payload,
 * fragmented to the MTU. */
static void test_big_ping_reply(void **state)
{
	struct ctx *c = setup(4);
	uint8_t *reply;
	struct ng_pkt *p;
	size_t got = 0, frames = 0;
	(void)state;

	reply = calloc(1, 65536);
	assert_non_null(reply);
	c->dlen = 65515;
	memset(c->dgram, 0, 8);
	c->dgram[0] = 8; /* echo request */
	ng_put16(c->dgram + 4, 0x1234);
	ng_put16(c->dgram + 6, 1);
	ng_test_fill(c->dgram + 8, c->dlen - 8, 15);
	ng_put16(c->dgram + 2, ng_csum(c->dgram, c->dlen));
	send_frags(c, 1, 903);
	while ((p = ng_test_link_pop(c->h.link)) != NULL) {
		const uint8_t *ip = ng_pkt_data(p) + 14;
		uint32_t off = (uint32_t)(ng_get16(ip + 6) & 0x1fff) * 8;
		uint32_t len = ng_get16(ip + 2) - 20u;

		assert_true(p->len <= 14 + 1500);
		assert_int_equal(ip[9], 1);
		assert_true(off + len <= 65536);
		memcpy(reply + off, ip + 20, len);
		got += len;
		frames++;
		ng_pkt_free(p);
	}
	assert_int_equal(got, c->dlen);
	assert_int_equal(frames, 45);
	assert_int_equal(reply[0], 0); /* echo reply */
	assert_memory_equal(reply + 4, c->dgram + 4, c->dlen - 4);
	assert_int_equal(ng_csum(reply, c->dlen), 0);
	assert_int_equal(ng_pktpool_large_in_use(ng_stack_pool(c->h.st)), 0);
	free(reply);
	teardown(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reasm_64k_small_buffers),
	    cmocka_unit_test(test_reasm_no_large_free),
	    cmocka_unit_test(test_udp_send_big),
	    cmocka_unit_test(test_big_ping_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
