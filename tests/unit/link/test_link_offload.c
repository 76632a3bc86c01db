// SPDX-License-Identifier: MIT
/* The links' offload helpers without a kernel: what a received frame's virtio-net header makes of
 * it (cut, handed whole with gso_size and a partial checksum, finished), the header written for
 * our own flagged frames, and the software cutting of a super-segment into ordinary segments. */
#include <string.h>

#include "link/link_internal.h"
#include "wire/wire_internal.h"
#include "testutil.h"

#define SRC  NG_IP4(192, 168, 1, 10)
#define DST  NG_IP4(198, 51, 100, 5)
#define HDRS (NG_ETH_HLEN + 20 + 32) /* Ethernet, IPv4, TCP with the timestamp option */

static uint8_t frame[NG_ETH_HLEN + 65535];

/* Build in FRAME a TCP/IPv4 frame of PAYLOAD bytes (byte i of the payload is i * 7 + 3), seq
 * 1000, flags FLAGS, IP ID 77, DF; the TCP checksum complete (PARTIAL false) or the folded
 * pseudo-header sum (true). Returns its length. */
static size_t build(size_t payload, uint8_t flags, bool partial)
{
	struct ng_ipv4_hdr ip;
	struct ng_tcp_hdr th;
	uint8_t *f = frame, *t = f + NG_ETH_HLEN + 20;
	size_t i, tcp_len = 32 + payload;

	memset(f, 0, 12);
	f[0] = 0x02;
	f[6] = 0x02;
	f[11] = 1;
	ng_put16(f + 12, NG_ETH_P_IPV4);
	for (i = 0; i < payload; i++)
		t[32 + i] = (uint8_t)(i * 7 + 3);
	memset(&th, 0, sizeof(th));
	th.sport = 40000;
	th.dport = 80;
	th.seq = 1000;
	th.ack = 5000;
	th.flags = flags;
	th.win = 512;
	th.opt.ts_ok = true;
	th.opt.tsval = 11;
	th.opt.tsecr = 22;
	if (partial)
		assert_int_equal(ng_tcp_emit_partial(t, tcp_len, SRC, DST, &th, payload), 32);
	else
		assert_int_equal(ng_tcp_emit(t, tcp_len, SRC, DST, &th, payload), 32);
	memset(&ip, 0, sizeof(ip));
	ip.hlen = 20;
	ip.tot_len = (uint16_t)(20 + tcp_len);
	ip.id = 77;
	ip.df = true;
	ip.ttl = 64;
	ip.proto = NG_IP_PROTO_TCP;
	ip.src = SRC;
	ip.dst = DST;
	ng_ipv4_emit(f + NG_ETH_HLEN, 20, &ip);
	return NG_ETH_HLEN + 20 + tcp_len;
}

/* Whether the TCP checksum of the IPv4 datagram at IP (LEN bytes) verifies. */
static bool tcp_ok(const uint8_t *ip, size_t len)
{
	return ng_csum_finish(ng_csum_add(ng_csum_pseudo(ng_get32(ip + 12), ng_get32(ip + 16),
	                                                 NG_IP_PROTO_TCP, (uint16_t)(len - 20)),
	                                  ip + 20, len - 20)) == 0;
}

static struct virtio_net_hdr gso_hdr(uint16_t gso_size)
{
	struct virtio_net_hdr vh;

	memset(&vh, 0, sizeof(vh));
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = gso_size;
	vh.hdr_len = HDRS;
	vh.csum_start = NG_ETH_HLEN + 20;
	vh.csum_offset = 16;
	return vh;
}

/* A kernel super-segment: cut without rx_whole, handed whole (gso_size, PARTIAL|VALID, bytes
 * untouched) with it; with ECN's GSO flag, or a checksum position that is not the TCP field, it
 * is cut all the same. */
static void test_rx_gso(void **state)
{
	struct virtio_net_hdr vh = gso_hdr(1448);
	size_t len = build(10 * 1448 + 100, NG_TCP_ACK | NG_TCP_PSH, true);
	uint8_t before[HDRS], flags = 0xff;
	uint16_t gso = 0xffff;

	(void)state;
	memcpy(before, frame, HDRS);
	assert_int_equal(ng_link_rx_offload(frame, len, &vh, false, &gso, &flags), NG_LINK_RX_CUT);
	assert_int_equal(ng_link_rx_offload(frame, len, &vh, true, &gso, &flags),
	                 NG_LINK_RX_DELIVER);
	assert_int_equal(gso, 1448);
	assert_int_equal(flags, NG_PKT_F_CSUM_PARTIAL | NG_PKT_F_CSUM_VALID);
	assert_memory_equal(frame, before, HDRS);
	vh.gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	assert_int_equal(ng_link_rx_offload(frame, len, &vh, true, &gso, &flags), NG_LINK_RX_CUT);
	vh = gso_hdr(1448);
	vh.csum_offset = 6;
	assert_int_equal(ng_link_rx_offload(frame, len, &vh, true, &gso, &flags), NG_LINK_RX_CUT);
	/* a UDP "super-segment" is nothing we take */
	vh = gso_hdr(1448);
	vh.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	assert_int_equal(ng_link_rx_offload(frame, len, &vh, true, &gso, &flags), NG_LINK_RX_BAD);
	/* a malformed IP header is cut (the cutter refuses it, counted by the link) */
	vh = gso_hdr(1448);
	frame[NG_ETH_HLEN + 10] ^= 1;
	assert_int_equal(ng_link_rx_offload(frame, len, &vh, true, &gso, &flags), NG_LINK_RX_CUT);
}

/* A super-segment the kernel verified (DATA_VALID, no NEEDS_CSUM) is handed whole with the
 * pseudo-header sum written into the field: finishing it then gives the right checksum. */
static void test_rx_gso_data_valid(void **state)
{
	struct virtio_net_hdr vh = gso_hdr(1000);
	size_t len = build(5000, NG_TCP_ACK, false);
	uint8_t flags;
	uint16_t gso;

	(void)state;
	vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	assert_int_equal(ng_link_rx_offload(frame, len, &vh, true, &gso, &flags),
	                 NG_LINK_RX_DELIVER);
	assert_int_equal(gso, 1000);
	assert_int_equal(flags, NG_PKT_F_CSUM_PARTIAL | NG_PKT_F_CSUM_VALID);
	assert_false(tcp_ok(frame + NG_ETH_HLEN, len - NG_ETH_HLEN));
	assert_true(ng_link_finish_csum(frame, len, NG_ETH_HLEN + 20, 16));
	assert_true(tcp_ok(frame + NG_ETH_HLEN, len - NG_ETH_HLEN));
}

/* NEEDS_CSUM without GSO: a TCP frame stays partial with rx_whole, and is finished without;
 * a UDP one is finished either way (VALID under rx_whole). DATA_VALID alone
 * gives VALID under rx_whole only. */
static void test_rx_csum(void **state)
{
	struct virtio_net_hdr vh = gso_hdr(0);
	size_t len = build(300, NG_TCP_ACK, true);
	uint8_t flags, keep[2];
	uint16_t gso;

	(void)state;
	vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	memcpy(keep, frame + NG_ETH_HLEN + 36, 2);
	assert_int_equal(ng_link_rx_offload(frame, len, &vh, true, &gso, &flags),
	                 NG_LINK_RX_DELIVER);
	assert_int_equal(gso, 0);
	assert_int_equal(flags, NG_PKT_F_CSUM_PARTIAL | NG_PKT_F_CSUM_VALID);
	assert_memory_equal(frame + NG_ETH_HLEN + 36, keep, 2);
	assert_int_equal(ng_link_rx_offload(frame, len, &vh, false, &gso, &flags),
	                 NG_LINK_RX_DELIVER);
	assert_int_equal(flags, 0);
	assert_true(tcp_ok(frame + NG_ETH_HLEN, len - NG_ETH_HLEN));

	/* out of bounds */
	len = build(300, NG_TCP_ACK, true);
	vh.csum_start = (uint16_t)len;
	assert_int_equal(ng_link_rx_offload(frame, len, &vh, false, &gso, &flags), NG_LINK_RX_BAD);

	/* UDP: turn the frame into a UDP datagram with a partial checksum */
	len = build(300, NG_TCP_ACK, false);
	frame[NG_ETH_HLEN + 9] = NG_IP_PROTO_UDP;
	ng_put16(frame + NG_ETH_HLEN + 10, 0);
	ng_put16(frame + NG_ETH_HLEN + 10, ng_csum(frame + NG_ETH_HLEN, 20));
	ng_put16(frame + NG_ETH_HLEN + 24, (uint16_t)(len - NG_ETH_HLEN - 20));
	ng_put16(frame + NG_ETH_HLEN + 26,
	         (uint16_t)~ng_csum_finish(ng_csum_pseudo(SRC, DST, NG_IP_PROTO_UDP,
	                                                  (uint16_t)(len - NG_ETH_HLEN - 20))));
	vh.csum_start = NG_ETH_HLEN + 20;
	vh.csum_offset = 6;
	assert_int_equal(ng_link_rx_offload(frame, len, &vh, true, &gso, &flags),
	                 NG_LINK_RX_DELIVER);
	assert_int_equal(flags, NG_PKT_F_CSUM_VALID);
	assert_int_equal(ng_csum_finish(ng_csum_add(
	                     ng_csum_pseudo(SRC, DST, NG_IP_PROTO_UDP, (uint16_t)(len - 34)),
	                     frame + 34, len - 34)),
	                 0);

	memset(&vh, 0, sizeof(vh));
	vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	assert_int_equal(ng_link_rx_offload(frame, len, &vh, true, &gso, &flags),
	                 NG_LINK_RX_DELIVER);
	assert_int_equal(flags, NG_PKT_F_CSUM_VALID);
	assert_int_equal(ng_link_rx_offload(frame, len, &vh, false, &gso, &flags),
	                 NG_LINK_RX_DELIVER);
	assert_int_equal(flags, 0);
}

/* Our own frames: nothing for a finished one, NEEDS_CSUM at the TCP field for a partial one,
 * GSO TCPv4 with gso_size and the header length for a super-segment. */
static void test_tx_hdr(void **state)
{
	struct ng_pktpool *pool = ng_pktpool_create(4, NG_PKT_DEFAULT_SIZE);
	struct ng_pkt *p = ng_pkt_alloc(pool);
	struct virtio_net_hdr vh;
	size_t len = build(4000, NG_TCP_ACK, true);

	(void)state;
	memcpy(ng_pkt_put(p, (uint32_t)len), frame, len);
	ng_link_offload_hdr(p, &vh);
	assert_int_equal(vh.flags, 0);
	assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	p->flags = NG_PKT_F_CSUM_PARTIAL;
	ng_link_offload_hdr(p, &vh);
	assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(vh.csum_start, NG_ETH_HLEN + 20);
	assert_int_equal(vh.csum_offset, 16);
	assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	p->gso_size = 1448;
	ng_link_offload_hdr(p, &vh);
	assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(vh.gso_size, 1448);
	assert_int_equal(vh.hdr_len, HDRS);
	ng_pkt_free(p);
	assert_int_equal(ng_pktpool_destroy(pool), 0);
}

/* Cutting a super-segment (IP at offset 0 and Ethernet framed): payload sizes, sequence
 * numbers, IDs, both checksums complete, FIN and PSH only on the last, CWR only on the first,
 * and every payload byte in place. */
static void test_segment(void **state)
{
	struct ng_pktpool *pool = ng_pktpool_create(64, NG_PKT_DEFAULT_SIZE);
	const size_t payload = 7 * 1000 + 123;
	size_t len = build(payload, NG_TCP_ACK | NG_TCP_PSH | NG_TCP_FIN | NG_TCP_CWR, true);
	struct ng_pkt *chain, *p;
	struct ng_frameq q;
	unsigned n, i;

	(void)state;
	/* at the IP header: as the network layer calls it */
	n = ng_link_segment_tcp4_chain(pool, frame + NG_ETH_HLEN, len - NG_ETH_HLEN, 0, 1000,
	                               &chain);
	assert_int_equal(n, 8);
	for (i = 0, p = chain; p; i++) {
		struct ng_pkt *next = p->next;
		const uint8_t *d = ng_pkt_data(p), *t = d + 20;
		size_t seg = i < 7 ? 1000 : 123;
		uint8_t want = NG_TCP_ACK;

		if (i == 0)
			want |= NG_TCP_CWR;
		if (i == 7)
			want |= NG_TCP_PSH | NG_TCP_FIN;
		assert_int_equal(p->len, 52 + seg);
		assert_int_equal(ng_get16(d + 2), 52 + seg);
		assert_int_equal(ng_get16(d + 4), 77 + i);
		assert_int_equal(ng_csum(d, 20), 0);
		assert_true(tcp_ok(d, p->len));
		assert_int_equal(ng_get32(t + 4), 1000 + i * 1000);
		assert_int_equal(t[13], want);
		assert_memory_equal(t + 32, frame + HDRS + i * 1000, seg);
		assert_int_equal(p->gso_size, 0);
		assert_int_equal(p->flags, 0);
		ng_pkt_free(p);
		p = next;
	}
	assert_int_equal(i, 8);

	/* Ethernet framed: the links' path, the same segments behind the frame's header */
	memset(&q, 0, sizeof(q));
	assert_int_equal(ng_link_segment_tcp4(&q, pool, frame, len, 1000), 8);
	p = ng_frameq_pop_due(&q, UINT64_MAX);
	assert_non_null(p);
	assert_memory_equal(ng_pkt_data(p), frame, NG_ETH_HLEN);
	assert_true(tcp_ok(ng_pkt_data(p) + NG_ETH_HLEN, p->len - NG_ETH_HLEN));
	ng_pkt_free(p);
	ng_frameq_free(&q);

	/* the pool runs dry: what was made is kept, and counted */
	{
		struct ng_pktpool *small = ng_pktpool_create(3, NG_PKT_DEFAULT_SIZE);
		assert_int_equal(ng_link_segment_tcp4_chain(small, frame + NG_ETH_HLEN,
		                                            len - NG_ETH_HLEN, 0, 1000, &chain),
		                 3);
		ng_pkt_free_chain(chain);
		assert_int_equal(ng_pktpool_destroy(small), 0);
	}
	/* not TCP */
	frame[NG_ETH_HLEN + 9] = NG_IP_PROTO_UDP;
	ng_put16(frame + NG_ETH_HLEN + 10, 0);
	ng_put16(frame + NG_ETH_HLEN + 10, ng_csum(frame + NG_ETH_HLEN, 20));
	assert_int_equal(ng_link_segment_tcp4_chain(pool, frame + NG_ETH_HLEN, len - NG_ETH_HLEN, 0,
	                                            1000, &chain),
	                 0);
	assert_null(chain);
	assert_int_equal(ng_pktpool_destroy(pool), 0);
}

/* Finishing a checksum that comes to 0: a UDP one goes as all ones (RFC 768: 0 means "no
 * checksum"), a TCP one stays 0. */
static void test_finish_zero(void **state)
{
	uint8_t f[24];
	(void)state;

	memset(f, 0, sizeof(f));
	f[0] = f[1] = 0xff; /* the words sum to 0xffff: the checksum is 0 */
	assert_true(ng_link_finish_csum(f, sizeof(f), 0, 6));
	assert_int_equal(ng_get16(f + 6), 0xffff);
	memset(f + 6, 0, 2);
	assert_true(ng_link_finish_csum(f, sizeof(f), 0, 16));
	assert_int_equal(ng_get16(f + 16), 0);
	assert_false(ng_link_finish_csum(f, sizeof(f), 0, 23)); /* the field would not fit */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rx_gso),  cmocka_unit_test(test_rx_gso_data_valid),
	    cmocka_unit_test(test_rx_csum), cmocka_unit_test(test_tx_hdr),
	    cmocka_unit_test(test_segment), cmocka_unit_test(test_finish_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
