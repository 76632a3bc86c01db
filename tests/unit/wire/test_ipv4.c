// SPDX-License-Identifier: MIT
/* Unit tests for the IPv4 header codec: known answers, round trips, every malformed case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "core/core_internal.h"
#include "wire/wire_internal.h"

/* 10.0.0.1 -> 10.0.0.2 UDP 1234 -> 53 "hello", id 7, ttl 64, header checksum 66c3 (as written
 * by an independent packet builder). */
static const uint8_t udp_dgram[33] = {0x45, 0x00, 0x00, 0x21, 0x00, 0x07, 0x00, 0x00, 0x40,
                                      0x11, 0x66, 0xc3, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00,
                                      0x00, 0x02, 0x04, 0xd2, 0x00, 0x35, 0x00, 0x0d, 0xa2,
                                      0xf8, 0x68, 0x65, 0x6c, 0x6c, 0x6f};

/* 192.0.2.1 -> 198.51.100.7 TCP, id 0x1234, DF, checksum 3c4c. */
static const uint8_t tcp_hdr[20] = {0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06,
                                    0x3c, 0x4c, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07};

static void test_parse_known(void **state)
{
	struct ng_ipv4_hdr h;

	assert_int_equal(ng_ipv4_parse(udp_dgram, sizeof(udp_dgram), &h), NG_DROP_NONE);
	assert_int_equal(h.hlen, 20);
	assert_int_equal(h.tos, 0);
	assert_int_equal(h.tot_len, 33);
	assert_int_equal(h.id, 7);
	assert_false(h.df);
	assert_false(h.mf);
	assert_int_equal(h.frag_off, 0);
	assert_int_equal(h.ttl, 64);
	assert_int_equal(h.proto, NG_IP_PROTO_UDP);
	assert_int_equal(h.csum, 0x66c3);
	assert_int_equal(h.src, NG_IP4(10, 0, 0, 1));
	assert_int_equal(h.dst, NG_IP4(10, 0, 0, 2));
	assert_int_equal(h.opt_len, 0);
	assert_false(ng_ipv4_is_fragment(&h));

	uint8_t f[60];
	memcpy(f, tcp_hdr, 20);
	memset(f + 20, 0, 40);
	assert_int_equal(ng_ipv4_parse(f, 60, &h), NG_DROP_NONE);
	assert_true(h.df);
	assert_int_equal(h.id, 0x1234);
	assert_int_equal(h.proto, NG_IP_PROTO_TCP);
	assert_int_equal(h.src, NG_IP4(192, 0, 2, 1));
	assert_int_equal(h.dst, NG_IP4(198, 51, 100, 7));
}

static void test_emit_known(void **state)
{
	struct ng_ipv4_hdr h;
	uint8_t out[20];

	memset(&h, 0, sizeof(h));
	h.tot_len = 0x3c;
	h.id = 0x1234;
	h.df = true;
	h.ttl = 64;
	h.proto = NG_IP_PROTO_TCP;
	h.src = NG_IP4(192, 0, 2, 1);
	h.dst = NG_IP4(198, 51, 100, 7);
	h.csum = 0xdead; /* ignored */
	assert_int_equal(ng_ipv4_emit(out, sizeof(out), &h), 20);
	assert_memory_equal(out, tcp_hdr, 20);
	assert_int_equal(ng_ipv4_emit(out, 19, &h), 0);

	/* Parsing and re-emitting the known datagram reproduces its header exactly. */
	assert_int_equal(ng_ipv4_parse(udp_dgram, sizeof(udp_dgram), &h), NG_DROP_NONE);
	assert_int_equal(ng_ipv4_emit(out, sizeof(out), &h), 20);
	assert_memory_equal(out, udp_dgram, 20);
}

static void test_round_trip_fragment_fields(void **state)
{
	struct ng_ipv4_hdr h, g;
	uint8_t b[1500];

	memset(&h, 0, sizeof(h));
	h.tos = 0xb8;
	h.tot_len = 1500;
	h.id = 0xbeef;
	h.mf = true;
	h.frag_off = 1480 * 3;
	h.ttl = 1;
	h.proto = NG_IP_PROTO_ICMP;
	h.src = NG_IP4(203, 0, 113, 9);
	h.dst = NG_IP4(192, 168, 7, 1);
	assert_int_equal(ng_ipv4_emit(b, sizeof(b), &h), 20);
	assert_int_equal(ng_get16(b + 6), NG_IP_MF | (1480 * 3 / 8));
	assert_int_equal(ng_ipv4_parse(b, sizeof(b), &g), NG_DROP_NONE);
	assert_int_equal(g.tos, 0xb8);
	assert_int_equal(g.tot_len, 1500);
	assert_int_equal(g.id, 0xbeef);
	assert_true(g.mf);
	assert_false(g.df);
	assert_int_equal(g.frag_off, 1480 * 3);
	assert_int_equal(g.ttl, 1);
	assert_int_equal(g.proto, NG_IP_PROTO_ICMP);
	assert_int_equal(g.src, h.src);
	assert_int_equal(g.dst, h.dst);
	assert_int_equal(g.csum, ng_get16(b + 10));
	assert_true(ng_ipv4_is_fragment(&g));
	/* The last fragment: offset only. */
	h.mf = false;
	ng_ipv4_emit(b, sizeof(b), &h);
	ng_ipv4_parse(b, sizeof(b), &g);
	assert_true(ng_ipv4_is_fragment(&g));
}

static void test_options_padded(void **state)
{
	struct ng_ipv4_hdr h, g;
	uint8_t b[64];
	/* Record Route with room for one address: 7 bytes, padded to 8 with EOL. */
	const uint8_t rr[7] = {0x07, 0x07, 0x04, 0, 0, 0, 0};

	memset(&h, 0, sizeof(h));
	h.ttl = 64;
	h.proto = NG_IP_PROTO_UDP;
	h.tot_len = 28;
	h.src = NG_IP4(10, 1, 1, 1);
	h.dst = NG_IP4(10, 2, 2, 2);
	memcpy(h.opts, rr, 7);
	h.opt_len = 7;
	memset(b, 0xcc, sizeof(b));
	assert_int_equal(ng_ipv4_emit(b, sizeof(b), &h), 28);
	assert_int_equal(b[0], 0x47);
	assert_memory_equal(b + 20, rr, 7);
	assert_int_equal(b[27], 0); /* EOL padding */
	assert_int_equal(b[28], 0xcc);
	assert_int_equal(ng_ipv4_emit(b, 27, &h), 0);
	assert_int_equal(ng_ipv4_parse(b, 28, &g), NG_DROP_NONE);
	assert_int_equal(g.hlen, 28);
	assert_int_equal(g.opt_len, 8);
	assert_memory_equal(g.opts, rr, 7);
	assert_int_equal(g.opts[7], 0);

	/* 40 bytes of options: the largest header. */
	memset(h.opts, 1, 40); /* NOPs */
	h.opt_len = 40;
	h.tot_len = 60;
	assert_int_equal(ng_ipv4_emit(b, sizeof(b), &h), 60);
	assert_int_equal(b[0], 0x4f);
	assert_int_equal(ng_ipv4_parse(b, 60, &g), NG_DROP_NONE);
	assert_int_equal(g.opt_len, 40);
	h.opt_len = 41;
	assert_int_equal(ng_ipv4_emit(b, sizeof(b), &h), 0);
}

/* A 24-byte header (one 4-byte option) with 16 bytes of payload, truncated at every length. */
static void test_truncated_each_byte(void **state)
{
	struct ng_ipv4_hdr h, g;
	uint8_t b[40];

	memset(&h, 0, sizeof(h));
	h.ttl = 9;
	h.proto = 99;
	h.tot_len = 40;
	h.opt_len = 4;
	memcpy(h.opts, (uint8_t[]){0x94, 0x04, 0, 0}, 4); /* router alert */
	memset(b, 0xab, sizeof(b));
	assert_int_equal(ng_ipv4_emit(b, sizeof(b), &h), 24);
	assert_int_equal(ng_ipv4_parse(b, 40, &g), NG_DROP_NONE);
	for (size_t n = 0; n < 40; n++) {
		enum ng_drop want = n < 20   ? NG_DROP_IP_SHORT
		                    : n < 24 ? NG_DROP_IP_HLEN
		                             : NG_DROP_IP_LEN;
		assert_int_equal(ng_ipv4_parse(b, n, &g), want);
	}
}

static void make(uint8_t *b, size_t cap, uint8_t ver_ihl, uint16_t tot)
{
	memset(b, 0, cap);
	b[0] = ver_ihl;
	ng_put16(b + 2, tot);
	b[8] = 64;
	b[9] = 17;
	ng_put32(b + 12, NG_IP4(10, 0, 0, 1));
	ng_put32(b + 16, NG_IP4(10, 0, 0, 2));
	ng_put16(b + 10, ng_csum(b, (size_t)(ver_ihl & 15) * 4 > cap ? cap : (ver_ihl & 15) * 4u));
}

static void test_bad_header_fields(void **state)
{
	uint8_t b[80];
	struct ng_ipv4_hdr h;

	for (unsigned v = 0; v < 16; v++) {
		if (v == 4)
			continue;
		make(b, sizeof(b), (uint8_t)(v << 4 | 5), 40);
		assert_int_equal(ng_ipv4_parse(b, 40, &h), NG_DROP_IP_VERSION);
		assert_int_equal(ng_ipv4_parse_embedded(b, 40, &h), NG_DROP_IP_VERSION);
	}
	for (unsigned ihl = 0; ihl < 5; ihl++) {
		make(b, sizeof(b), (uint8_t)(0x40 | ihl), 40);
		assert_int_equal(ng_ipv4_parse(b, 40, &h), NG_DROP_IP_HLEN);
		assert_int_equal(ng_ipv4_parse_embedded(b, 40, &h), NG_DROP_IP_HLEN);
	}
	/* IHL 15 (60 bytes) in a 40-byte frame: past the frame. */
	make(b, sizeof(b), 0x4f, 40);
	assert_int_equal(ng_ipv4_parse(b, 40, &h), NG_DROP_IP_HLEN);
	assert_int_equal(ng_ipv4_parse_embedded(b, 40, &h), NG_DROP_IP_HLEN);
	/* Total length below the header length, and above the frame. */
	make(b, sizeof(b), 0x46, 23);
	assert_int_equal(ng_ipv4_parse(b, 40, &h), NG_DROP_IP_LEN);
	make(b, sizeof(b), 0x45, 0);
	assert_int_equal(ng_ipv4_parse(b, 40, &h), NG_DROP_IP_LEN);
	make(b, sizeof(b), 0x45, 41);
	assert_int_equal(ng_ipv4_parse(b, 40, &h), NG_DROP_IP_LEN);
	make(b, sizeof(b), 0x45, 0xffff);
	assert_int_equal(ng_ipv4_parse(b, 80, &h), NG_DROP_IP_LEN);
	/* The embedded parse accepts lengths the quoted header cannot back. */
	assert_int_equal(ng_ipv4_parse_embedded(b, 20, &h), NG_DROP_NONE);
	assert_int_equal(h.tot_len, 0xffff);
	/* Exactly the header; and trailing frame padding beyond tot_len. */
	make(b, sizeof(b), 0x45, 20);
	assert_int_equal(ng_ipv4_parse(b, 20, &h), NG_DROP_NONE);
	assert_int_equal(ng_ipv4_parse(b, 60, &h), NG_DROP_NONE);
	assert_int_equal(h.tot_len, 20);
}

static void test_bad_checksum(void **state)
{
	uint8_t b[33];
	struct ng_ipv4_hdr h;

	/* Any single-bit error in the checksum, TTL, id, or addresses is caught. */
	const size_t at[] = {4, 5, 8, 10, 11, 12, 15, 16, 19};
	for (size_t i = 0; i < NG_ARRAY_SIZE(at); i++)
		for (int bit = 0; bit < 8; bit++) {
			memcpy(b, udp_dgram, sizeof(b));
			b[at[i]] ^= (uint8_t)(1u << bit);
			assert_int_equal(ng_ipv4_parse(b, sizeof(b), &h), NG_DROP_IP_CSUM);
			/* Not checked for a quoted header. */
			assert_int_equal(ng_ipv4_parse_embedded(b, sizeof(b), &h), NG_DROP_NONE);
		}
	/* Payload bytes are not covered by the header checksum. */
	memcpy(b, udp_dgram, sizeof(b));
	b[30] ^= 0xff;
	assert_int_equal(ng_ipv4_parse(b, sizeof(b), &h), NG_DROP_NONE);
}

/* Header with OPTS (N bytes, N a multiple of 4) and a valid checksum. */
static enum ng_drop parse_opts(const uint8_t *opts, size_t n, struct ng_ipv4_hdr *h)
{
	struct ng_ipv4_hdr e;
	uint8_t b[60];

	memset(&e, 0, sizeof(e));
	e.ttl = 64;
	e.proto = 6;
	e.tot_len = (uint16_t)(20 + n);
	memcpy(e.opts, opts, n);
	e.opt_len = (uint8_t)n;
	assert_int_equal(ng_ipv4_emit(b, sizeof(b), &e), 20 + n);
	return ng_ipv4_parse(b, 20 + n, h);
}

static void test_options(void **state)
{
	struct ng_ipv4_hdr h;

	/* fine */
	assert_int_equal(parse_opts((uint8_t[]){1, 1, 1, 1}, 4, &h), NG_DROP_NONE);
	assert_int_equal(parse_opts((uint8_t[]){0, 0xff, 0xff, 0xff}, 4, &h), NG_DROP_NONE);
	assert_int_equal(h.opts[1], 0xff); /* copied as found */
	assert_int_equal(parse_opts((uint8_t[]){0x88, 4, 0x12, 0x34}, 4, &h), NG_DROP_NONE);
	assert_int_equal(parse_opts((uint8_t[]){1, 0x99, 2, 0}, 4, &h), NG_DROP_NONE);
	assert_int_equal(parse_opts((uint8_t[]){0x44, 8, 5, 0, 1, 2, 3, 4}, 8, &h), NG_DROP_NONE);
	/* length below 2 */
	assert_int_equal(parse_opts((uint8_t[]){0x44, 0, 0, 0}, 4, &h), NG_DROP_IP_OPTIONS);
	assert_int_equal(parse_opts((uint8_t[]){0x44, 1, 0, 0}, 4, &h), NG_DROP_IP_OPTIONS);
	assert_int_equal(parse_opts((uint8_t[]){1, 1, 0x83, 1}, 4, &h), NG_DROP_IP_OPTIONS);
	/* running past the header */
	assert_int_equal(parse_opts((uint8_t[]){0x07, 5, 4, 0}, 4, &h), NG_DROP_IP_OPTIONS);
	assert_int_equal(parse_opts((uint8_t[]){1, 0x07, 4, 0}, 4, &h), NG_DROP_IP_OPTIONS);
	assert_int_equal(parse_opts((uint8_t[]){0x94, 4, 0, 0, 0x07, 39, 4, 0}, 8, &h),
	                 NG_DROP_IP_OPTIONS);
	/* a type byte with no room for its length byte */
	assert_int_equal(parse_opts((uint8_t[]){1, 1, 1, 0x07}, 4, &h), NG_DROP_IP_OPTIONS);
	/* option ending exactly at the header's end */
	assert_int_equal(parse_opts((uint8_t[]){1, 0x82, 3, 0}, 4, &h), NG_DROP_NONE);
}

static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 33;
}

/* Random headers (valid version, random IHL, lengths and options, checksum made right half the
 * time) in exact-size heap buffers: whatever is accepted satisfies the documented invariants and
 * re-emits to the same header; nothing is read past the end (the sanitizer build checks). */
static void test_random_headers(void **state)
{
	uint64_t seed = 3;
	unsigned accepted = 0;

	for (int iter = 0; iter < 20000; iter++) {
		size_t n = lcg(&seed) % 80;
		uint8_t *b = malloc(n ? n : 1);
		struct ng_ipv4_hdr h, g;
		uint8_t out[60];

		assert_non_null(b);
		for (size_t i = 0; i < n; i++)
			b[i] = (uint8_t)lcg(&seed);
		for (size_t i = 20; i < n; i++)
			if (lcg(&seed) % 3 == 0)
				b[i] = (uint8_t)(lcg(&seed) % 12); /* small kinds and lengths */
		if (n >= 20) {
			size_t hl;
			if (lcg(&seed) % 4) {
				/* plausible: IHL within the bytes, total length within [hlen, n] */
				size_t maxw = NG_MIN((n - 20) / 4, (size_t)10);
				b[0] = (uint8_t)(0x45 + lcg(&seed) % (maxw + 1));
				hl = (size_t)(b[0] & 15) * 4;
				ng_put16(b + 2, (uint16_t)(hl + lcg(&seed) % (n - hl + 1)));
			} else {
				b[0] = (uint8_t)(0x40 | (lcg(&seed) % 16));
				ng_put16(b + 2, (uint16_t)(lcg(&seed) % 90));
			}
			hl = (size_t)(b[0] & 15) * 4;
			if (hl >= 20 && hl <= n && lcg(&seed) % 4) {
				ng_put16(b + 10, 0);
				ng_put16(b + 10, ng_csum(b, hl));
			}
		}
		if (ng_ipv4_parse_embedded(b, n, &h) == NG_DROP_NONE)
			assert_true(h.hlen >= 20 && h.hlen <= n);
		if (ng_ipv4_parse(b, n, &h) == NG_DROP_NONE) {
			accepted++;
			assert_true(h.hlen >= 20 && h.hlen <= 60 && h.hlen <= n);
			assert_true(h.tot_len >= h.hlen && h.tot_len <= n);
			assert_int_equal(h.opt_len, h.hlen - 20);
			assert_int_equal(ng_ipv4_emit(out, sizeof(out), &h), h.hlen);
			/* Identical bytes, except that the reserved flag bit is not carried. */
			if (!(b[6] & 0x80))
				assert_memory_equal(out, b, h.hlen);
			assert_int_equal(ng_csum(out, h.hlen), 0);
			assert_int_equal(ng_ipv4_parse_embedded(out, h.hlen, &g), NG_DROP_NONE);
			assert_int_equal(g.src, h.src);
		}
		free(b);
	}
	assert_true(accepted > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_known),
	    cmocka_unit_test(test_emit_known),
	    cmocka_unit_test(test_round_trip_fragment_fields),
	    cmocka_unit_test(test_options_padded),
	    cmocka_unit_test(test_truncated_each_byte),
	    cmocka_unit_test(test_bad_header_fields),
	    cmocka_unit_test(test_bad_checksum),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_random_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
