// SPDX-License-Identifier: MIT
/* Unit tests for the TCP codec: known segments, options in every form, malformed headers and
 * options, emit layout and the flags string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "core/core_internal.h"
#include "wire/wire_internal.h"

#define A NG_IP4(192, 0, 2, 1)
#define B NG_IP4(198, 51, 100, 7)

/* Segments written by an independent packet builder. SYN 40000 -> 80, seq 01020304, win 64240,
 * MSS 1460, SACK-permitted, TS 11223344/0, WS 7, checksum 7bd6 (A -> B). */
static const uint8_t syn[40] = {0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00,
                                0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x7b, 0xd6, 0x00, 0x00,
                                0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x11, 0x22,
                                0x33, 0x44, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
/* ACK 80 -> 40000 seq 1000 ack 2000 win 501, TS 5/6, SACK 3000-4000 5000-6000, "xyz" (A->B). */
static const uint8_t ack[55] = {0x00, 0x50, 0x9c, 0x40, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x07,
                                0xd0, 0xd0, 0x10, 0x01, 0xf5, 0x51, 0x44, 0x00, 0x00, 0x01, 0x01,
                                0x08, 0x0a, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x06, 0x01,
                                0x01, 0x05, 0x12, 0x00, 0x00, 0x0b, 0xb8, 0x00, 0x00, 0x0f, 0xa0,
                                0x00, 0x00, 0x13, 0x88, 0x00, 0x00, 0x17, 0x70, 0x78, 0x79, 0x7a};
/* RST+ACK 80 -> 40000, seq fffffff0 ack 80000000, no options (B -> A). */
static const uint8_t rst[20] = {0x00, 0x50, 0x9c, 0x40, 0xff, 0xff, 0xff, 0xf0, 0x80, 0x00,
                                0x00, 0x00, 0x50, 0x14, 0x00, 0x00, 0xa7, 0x12, 0x00, 0x00};

static void test_parse_syn(void **state)
{
	struct ng_tcp_hdr h;

	assert_int_equal(ng_tcp_parse(syn, sizeof(syn), A, B, &h), NG_DROP_NONE);
	assert_int_equal(h.sport, 40000);
	assert_int_equal(h.dport, 80);
	assert_int_equal(h.seq, 0x01020304);
	assert_int_equal(h.ack, 0);
	assert_int_equal(h.hlen, 40);
	assert_int_equal(h.flags, NG_TCP_SYN);
	assert_int_equal(h.win, 64240);
	assert_int_equal(h.csum, 0x7bd6);
	assert_int_equal(h.urg, 0);
	assert_true(h.opt.mss_ok);
	assert_int_equal(h.opt.mss, 1460);
	assert_true(h.opt.ws_ok);
	assert_int_equal(h.opt.ws, 7);
	assert_true(h.opt.sack_permitted);
	assert_true(h.opt.sack_ok);
	assert_true(h.opt.ts_ok);
	assert_int_equal(h.opt.tsval, 0x11223344);
	assert_int_equal(h.opt.tsecr, 0);
	assert_int_equal(h.opt.sack_n, 0);
}

static void test_parse_ack_sack(void **state)
{
	struct ng_tcp_hdr h;

	assert_int_equal(ng_tcp_parse(ack, sizeof(ack), A, B, &h), NG_DROP_NONE);
	assert_int_equal(h.hlen, 52);
	assert_int_equal(h.flags, NG_TCP_ACK);
	assert_int_equal(h.seq, 1000);
	assert_int_equal(h.ack, 2000);
	assert_int_equal(h.win, 501);
	assert_false(h.opt.mss_ok);
	assert_false(h.opt.ws_ok);
	assert_false(h.opt.sack_permitted);
	assert_true(h.opt.ts_ok);
	assert_int_equal(h.opt.tsval, 5);
	assert_int_equal(h.opt.tsecr, 6);
	assert_int_equal(h.opt.sack_n, 2);
	assert_int_equal(h.opt.sack[0].left, 3000);
	assert_int_equal(h.opt.sack[0].right, 4000);
	assert_int_equal(h.opt.sack[1].left, 5000);
	assert_int_equal(h.opt.sack[1].right, 6000);
	assert_memory_equal(ack + h.hlen, "xyz", 3);

	assert_int_equal(ng_tcp_parse(rst, sizeof(rst), B, A, &h), NG_DROP_NONE);
	assert_int_equal(h.flags, NG_TCP_RST | NG_TCP_ACK);
	assert_int_equal(h.seq, 0xfffffff0u);
	assert_int_equal(h.ack, 0x80000000u);
	assert_int_equal(h.hlen, 20);
	assert_false(h.opt.mss_ok || h.opt.ws_ok || h.opt.ts_ok || h.opt.sack_permitted);
}

/* Emitting the parsed fields reproduces the exact bytes (layout and checksum). */
static void test_emit_known(void **state)
{
	struct ng_tcp_hdr h;
	uint8_t b[60];

	assert_int_equal(ng_tcp_parse(syn, sizeof(syn), A, B, &h), NG_DROP_NONE);
	assert_int_equal(ng_tcp_opts_len(&h.opt), 20);
	h.hlen = 0;
	h.csum = 0;
	memset(b, 0xcc, sizeof(b));
	assert_int_equal(ng_tcp_emit(b, 40, A, B, &h, 0), 40);
	assert_int_equal(h.hlen, 40);
	assert_int_equal(h.csum, 0x7bd6);
	assert_memory_equal(b, syn, sizeof(syn));
	assert_int_equal(b[40], 0xcc);

	assert_int_equal(ng_tcp_parse(ack, sizeof(ack), A, B, &h), NG_DROP_NONE);
	assert_int_equal(ng_tcp_opts_len(&h.opt), 32);
	memcpy(b + 52, "xyz", 3);
	assert_int_equal(ng_tcp_emit(b, 55, A, B, &h, 3), 52);
	assert_memory_equal(b, ack, sizeof(ack));

	/* The same fields built from scratch. */
	struct ng_tcp_hdr r = {.sport = 80,
	                       .dport = 40000,
	                       .seq = 0xfffffff0u,
	                       .ack = 0x80000000u,
	                       .flags = NG_TCP_RST | NG_TCP_ACK};
	assert_int_equal(ng_tcp_opts_len(&r.opt), 0);
	assert_int_equal(ng_tcp_emit(b, 20, B, A, &r, 0), 20);
	assert_memory_equal(b, rst, sizeof(rst));
	/* CAP must cover header and payload. */
	assert_int_equal(ng_tcp_emit(b, 19, B, A, &r, 0), 0);
	assert_int_equal(ng_tcp_emit(b, 25, B, A, &r, 6), 0);
}

static void test_truncated_and_hlen(void **state)
{
	struct ng_tcp_hdr h;
	uint8_t b[40];

	for (size_t n = 0; n < 20; n++) {
		assert_int_equal(ng_tcp_parse(syn, n, A, B, &h), NG_DROP_TCP_SHORT);
		assert_int_equal(ng_tcp_parse_nocsum(syn, n, &h), NG_DROP_TCP_SHORT);
	}
	for (size_t n = 20; n < 40; n++) {
		assert_int_equal(ng_tcp_parse(syn, n, A, B, &h), NG_DROP_TCP_HLEN);
		assert_int_equal(ng_tcp_parse_nocsum(syn, n, &h), NG_DROP_TCP_HLEN);
	}
	for (unsigned doff = 0; doff < 16; doff++) {
		memcpy(b, syn, sizeof(b));
		b[12] = (uint8_t)(doff << 4);
		enum ng_drop want =
		    doff < 5 || doff > 10 ? NG_DROP_TCP_HLEN : NG_DROP_TCP_CSUM; /* byte changed */
		if (doff == 10)
			want = NG_DROP_NONE; /* the original byte */
		assert_int_equal(ng_tcp_parse(b, sizeof(b), A, B, &h), want);
	}
}

static void test_checksum(void **state)
{
	struct ng_tcp_hdr h;
	uint8_t b[55];

	for (size_t i = 0; i < sizeof(ack); i++) {
		if (i == 12)
			continue; /* data offset: a length error first */
		memcpy(b, ack, sizeof(b));
		b[i] ^= 0x80;
		assert_int_equal(ng_tcp_parse(b, sizeof(b), A, B, &h), NG_DROP_TCP_CSUM);
	}
	assert_int_equal(ng_tcp_parse(ack, sizeof(ack), B, A, &h), NG_DROP_NONE); /* symmetric */
	assert_int_equal(ng_tcp_parse(ack, sizeof(ack), A, A, &h), NG_DROP_TCP_CSUM);
	/* Truncated payload: the checksum over LEN bytes fails. */
	assert_int_equal(ng_tcp_parse(ack, sizeof(ack) - 1, A, B, &h), NG_DROP_TCP_CSUM);
	assert_int_equal(ng_tcp_parse_nocsum(ack, sizeof(ack) - 1, &h), NG_DROP_NONE);
	memcpy(b, ack, sizeof(b));
	b[16] ^= 0xff;
	assert_int_equal(ng_tcp_parse_nocsum(b, sizeof(b), &h), NG_DROP_NONE);
	assert_int_equal(h.csum, 0xae44);
}

/* Parse a header carrying OPTS (N bytes, padded with EOL to a multiple of 4) with a valid
 * checksum; also checks that the checksum-free parse agrees. */
static enum ng_drop parse_opts(const uint8_t *opts, size_t n, struct ng_tcp_hdr *h)
{
	uint8_t b[60];
	size_t ol = (n + 3) & ~(size_t)3;
	enum ng_drop r, r2;
	struct ng_tcp_hdr h2;

	assert_true(ol <= 40);
	memset(b, 0, sizeof(b));
	ng_put16(b, 1);
	ng_put16(b + 2, 2);
	b[12] = (uint8_t)(((20 + ol) / 4) << 4);
	b[13] = NG_TCP_SYN;
	memcpy(b + 20, opts, n);
	ng_put16(b + 16, ng_csum_finish(ng_csum_add(ng_csum_pseudo(A, B, 6, (uint16_t)(20 + ol)), b,
	                                            20 + ol)));
	r = ng_tcp_parse(b, 20 + ol, A, B, h);
	r2 = ng_tcp_parse_nocsum(b, 20 + ol, &h2);
	assert_int_equal(r, r2);
	return r;
}

#define P(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

static void test_options_accepted(void **state)
{
	struct ng_tcp_hdr h;

	/* EOL ends the list: what follows is not parsed. */
	assert_int_equal(parse_opts(P(0, 2, 1, 0xff), &h), NG_DROP_NONE);
	assert_false(h.opt.mss_ok);
	assert_int_equal(parse_opts(P(2, 4, 0x05, 0xb4, 0, 0xff, 0xff, 0xff), &h), NG_DROP_NONE);
	assert_true(h.opt.mss_ok);
	assert_int_equal(h.opt.mss, 1460);
	/* NOPs anywhere */
	assert_int_equal(parse_opts(P(1, 1, 1, 3, 3, 14), &h), NG_DROP_NONE);
	assert_true(h.opt.ws_ok);
	assert_int_equal(h.opt.ws, 14);
	/* A shift above 14 is passed up as sent (the receiver clamps). */
	assert_int_equal(parse_opts(P(3, 3, 15), &h), NG_DROP_NONE);
	assert_int_equal(h.opt.ws, 15);
	/* Unknown options skipped by their length (TCP-AO 29, experimental 254, MD5 19). */
	assert_int_equal(parse_opts(P(254, 6, 0xf9, 0x89, 1, 2, 2, 4, 0x02, 0x18), &h),
	                 NG_DROP_NONE);
	assert_true(h.opt.mss_ok);
	assert_int_equal(h.opt.mss, 0x218);
	assert_int_equal(
	    parse_opts(P(19, 18, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 4, 2), &h),
	    NG_DROP_NONE);
	assert_true(h.opt.sack_permitted);
	/* Four SACK blocks (the most that fit) */
	assert_int_equal(parse_opts(P(1, 1, 5, 34, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4,
	                              0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 8),
	                            &h),
	                 NG_DROP_NONE);
	assert_int_equal(h.opt.sack_n, 4);
	assert_int_equal(h.opt.sack[3].left, 7);
	assert_int_equal(h.opt.sack[3].right, 8);
	/* One block */
	assert_int_equal(parse_opts(P(5, 10, 0, 0, 0, 9, 0, 0, 0, 10), &h), NG_DROP_NONE);
	assert_int_equal(h.opt.sack_n, 1);
	/* Options fields are reset between parses. */
	assert_int_equal(parse_opts(P(1, 1, 1, 1), &h), NG_DROP_NONE);
	assert_int_equal(h.opt.sack_n, 0);
	assert_false(h.opt.sack_permitted);
	/* An option ending exactly at the end of the header. */
	assert_int_equal(parse_opts(P(1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2), &h), NG_DROP_NONE);
	assert_true(h.opt.ts_ok);
	assert_int_equal(h.opt.tsecr, 2);
}

static void test_options_rejected(void **state)
{
	struct ng_tcp_hdr h;

	/* known options with a wrong length */
	assert_int_equal(parse_opts(P(2, 3, 5, 0), &h), NG_DROP_TCP_OPTIONS);
	assert_int_equal(parse_opts(P(2, 5, 5, 0xb4, 0), &h), NG_DROP_TCP_OPTIONS);
	assert_int_equal(parse_opts(P(3, 2, 1, 1), &h), NG_DROP_TCP_OPTIONS);
	assert_int_equal(parse_opts(P(3, 4, 7, 0), &h), NG_DROP_TCP_OPTIONS);
	assert_int_equal(parse_opts(P(4, 3, 0, 0), &h), NG_DROP_TCP_OPTIONS);
	assert_int_equal(parse_opts(P(8, 9, 0, 0, 0, 1, 0, 0, 0), &h), NG_DROP_TCP_OPTIONS);
	assert_int_equal(parse_opts(P(8, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0), &h), NG_DROP_TCP_OPTIONS);
	/* SACK: zero blocks, a partial block, 5 blocks (cannot fit: past the header) */
	assert_int_equal(parse_opts(P(5, 2, 1, 1), &h), NG_DROP_TCP_OPTIONS);
	assert_int_equal(parse_opts(P(5, 9, 0, 0, 0, 1, 0, 0, 0), &h), NG_DROP_TCP_OPTIONS);
	assert_int_equal(parse_opts(P(5, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0), &h), NG_DROP_TCP_OPTIONS);
	assert_int_equal(parse_opts(P(5, 17, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0), &h),
	                 NG_DROP_TCP_OPTIONS);
	assert_int_equal(parse_opts(P(5, 42, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0,
	                              0, 5, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0),
	                            &h),
	                 NG_DROP_TCP_OPTIONS);
	/* length below 2 (0 would loop forever, 1 would overlap the next option) */
	assert_int_equal(parse_opts(P(254, 0, 0, 0), &h), NG_DROP_TCP_OPTIONS);
	assert_int_equal(parse_opts(P(254, 1, 0, 0), &h), NG_DROP_TCP_OPTIONS);
	assert_int_equal(parse_opts(P(2, 0, 0, 0), &h), NG_DROP_TCP_OPTIONS);
	/* running past the header (unknown and known kinds) */
	assert_int_equal(parse_opts(P(254, 5, 0, 0), &h), NG_DROP_TCP_OPTIONS);
	assert_int_equal(parse_opts(P(1, 1, 2, 4), &h), NG_DROP_TCP_OPTIONS);
	assert_int_equal(parse_opts(P(1, 1, 8, 10, 0, 0, 0, 0), &h), NG_DROP_TCP_OPTIONS);
	/* a kind byte in the last position, with no room for its length */
	assert_int_equal(parse_opts(P(1, 1, 1, 254), &h), NG_DROP_TCP_OPTIONS);
	assert_int_equal(parse_opts(P(1, 1, 1, 2), &h), NG_DROP_TCP_OPTIONS);
}

static void round_trip(struct ng_tcp_opts *o, size_t want_len, unsigned want_sack)
{
	struct ng_tcp_hdr h, g;
	uint8_t b[60 + 5];

	memset(&h, 0, sizeof(h));
	h.sport = 443;
	h.dport = 51000;
	h.seq = 0xdeadbeef;
	h.ack = 0x12345678;
	h.flags = NG_TCP_ACK | NG_TCP_PSH | NG_TCP_URG | NG_TCP_ECE | NG_TCP_CWR;
	h.win = 0xffff;
	h.urg = 3;
	h.opt = *o;
	assert_int_equal(ng_tcp_opts_len(o), want_len);
	memcpy(b + 20 + want_len, "hello", 5);
	assert_int_equal(ng_tcp_emit(b, 20 + want_len + 5, A, B, &h, 5), 20 + want_len);
	assert_int_equal(ng_tcp_parse(b, 20 + want_len + 5, A, B, &g), NG_DROP_NONE);
	assert_int_equal(g.hlen, 20 + want_len);
	assert_int_equal(g.sport, 443);
	assert_int_equal(g.dport, 51000);
	assert_int_equal(g.seq, 0xdeadbeef);
	assert_int_equal(g.ack, 0x12345678);
	assert_int_equal(g.flags, h.flags);
	assert_int_equal(g.win, 0xffff);
	assert_int_equal(g.urg, 3);
	assert_int_equal(g.csum, h.csum);
	assert_int_equal(g.opt.mss_ok, o->mss_ok);
	if (o->mss_ok)
		assert_int_equal(g.opt.mss, o->mss);
	assert_int_equal(g.opt.ws_ok, o->ws_ok);
	if (o->ws_ok)
		assert_int_equal(g.opt.ws, o->ws);
	assert_int_equal(g.opt.sack_permitted, o->sack_permitted || o->sack_ok);
	assert_int_equal(g.opt.ts_ok, o->ts_ok);
	if (o->ts_ok) {
		assert_int_equal(g.opt.tsval, o->tsval);
		assert_int_equal(g.opt.tsecr, o->tsecr);
	}
	assert_int_equal(g.opt.sack_n, want_sack);
	for (unsigned i = 0; i < want_sack; i++) {
		assert_int_equal(g.opt.sack[i].left, o->sack[i].left);
		assert_int_equal(g.opt.sack[i].right, o->sack[i].right);
	}
	assert_memory_equal(b + g.hlen, "hello", 5);
}

static void test_emit_layouts(void **state)
{
	struct ng_tcp_opts o;

	memset(&o, 0, sizeof(o));
	round_trip(&o, 0, 0);
	o.mss_ok = true;
	o.mss = 536;
	round_trip(&o, 4, 0);
	o.ws_ok = true;
	o.ws = 0;
	round_trip(&o, 8, 0);
	o.sack_permitted = true;
	round_trip(&o, 12, 0);
	o.ts_ok = true;
	o.tsval = 0xfffffffe;
	o.tsecr = 1;
	round_trip(&o, 20, 0);
	memset(&o, 0, sizeof(o));
	o.sack_ok = true; /* either flag asks for SACK-permitted */
	round_trip(&o, 4, 0);
	memset(&o, 0, sizeof(o));
	o.ts_ok = true;
	o.tsval = 77;
	round_trip(&o, 12, 0);
	for (unsigned n = 1; n <= 4; n++) {
		o.sack_n = (uint8_t)n;
		o.sack[n - 1].left = 1000 * n;
		o.sack[n - 1].right = 1000 * n + 500;
	}
	/* TS + 3 blocks aligned: 12 + 4 + 24 = 40 */
	o.sack_n = 3;
	round_trip(&o, 40, 3);
	/* TS + 4 blocks cannot fit (10 + 34 > 40): the oldest block is left out */
	o.sack_n = 4;
	round_trip(&o, 36, 3);
	/* MSS + TS + 3 blocks: aligned would be 44, packed is exactly 40 */
	o.mss_ok = true;
	o.mss = 1400;
	o.sack_n = 3;
	round_trip(&o, 40, 3);
	/* 4 blocks alone: 4 + 32 */
	o.mss_ok = o.ts_ok = false;
	o.sack_n = 4;
	round_trip(&o, 36, 4);
	/* Everything at once: packed, SACK blocks shed until it fits. */
	o.mss_ok = o.ws_ok = o.ts_ok = o.sack_permitted = true;
	round_trip(&o, 40, 2);
}

static void test_flags_str(void **state)
{
	char buf[40];

	assert_string_equal(ng_tcp_flags_str(NG_TCP_SYN | NG_TCP_ACK, buf, sizeof(buf)), "SYN+ACK");
	assert_string_equal(
	    ng_tcp_flags_str(NG_TCP_FIN | NG_TCP_PSH | NG_TCP_ACK, buf, sizeof(buf)),
	    "FIN+PSH+ACK");
	assert_string_equal(ng_tcp_flags_str(NG_TCP_RST, buf, sizeof(buf)), "RST");
	assert_string_equal(ng_tcp_flags_str(0, buf, sizeof(buf)), "none");
	assert_string_equal(ng_tcp_flags_str(0xff, buf, sizeof(buf)),
	                    "FIN+SYN+RST+PSH+ACK+URG+ECE+CWR");
	/* Too small: truncated at a flag boundary, always terminated. */
	char small[9];
	memset(small, 'x', sizeof(small));
	assert_string_equal(ng_tcp_flags_str(0xff, small, sizeof(small)), "FIN+SYN");
	assert_ptr_equal(ng_tcp_flags_str(NG_TCP_ACK, buf, 0), buf);
}

static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 33;
}

/* Random option bytes (biased towards known kinds and plausible lengths) in a heap buffer of the
 * exact size, so a sanitizer catches any read past the header: the parser either rejects them
 * as TCP_OPTIONS or accepts, and what it accepts re-emits to the same options. */
static void test_random_options(void **state)
{
	uint64_t seed = 1;
	unsigned accepted = 0, rejected = 0;

	for (int iter = 0; iter < 20000; iter++) {
		size_t ol = (lcg(&seed) % 11) * 4, n = 20 + ol;
		uint8_t *b = malloc(n);
		struct ng_tcp_hdr h, g;
		uint8_t out[60];

		assert_non_null(b);
		memset(b, 0, 20);
		b[12] = (uint8_t)((n / 4) << 4);
		for (size_t i = 20; i < n;) {
			static const uint8_t kinds[] = {0, 1, 1, 2, 3, 4, 5, 8, 30, 254};
			uint8_t k = kinds[lcg(&seed) % sizeof(kinds)];
			b[i++] = k;
			if (k > 1 && i < n) {
				static const uint8_t lens[] = {0,  1,  2,  3, 4, 10,
				                               18, 26, 34, 9, 40};
				b[i++] = lcg(&seed) % 4 ? lens[lcg(&seed) % sizeof(lens)]
				                        : (uint8_t)lcg(&seed);
				for (int j = 0; j < 8 && i < n && lcg(&seed) % 5; j++)
					b[i++] = (uint8_t)lcg(&seed);
			}
		}
		ng_put16(b + 16,
		         ng_csum_finish(ng_csum_add(ng_csum_pseudo(A, B, 6, (uint16_t)n), b, n)));
		enum ng_drop r = ng_tcp_parse(b, n, A, B, &h);
		if (r == NG_DROP_TCP_OPTIONS) {
			rejected++;
			free(b);
			continue;
		}
		assert_int_equal(r, NG_DROP_NONE);
		accepted++;
		assert_true(h.opt.sack_n <= NG_TCP_MAX_SACK);
		assert_true(ng_tcp_opts_len(&h.opt) <= 40);
		size_t m = ng_tcp_emit(out, sizeof(out), A, B, &h, 0);
		assert_int_equal(m, h.hlen); /* emit sets hlen to what it wrote */
		assert_int_equal(m, 20 + ng_tcp_opts_len(&h.opt));
		assert_int_equal(ng_tcp_parse(out, h.hlen, A, B, &g), NG_DROP_NONE);
		assert_int_equal(g.opt.mss_ok, h.opt.mss_ok);
		assert_int_equal(g.opt.mss, h.opt.mss);
		assert_int_equal(g.opt.ws_ok, h.opt.ws_ok);
		assert_int_equal(g.opt.ws, h.opt.ws);
		assert_int_equal(g.opt.ts_ok, h.opt.ts_ok);
		assert_int_equal(g.opt.tsval, h.opt.tsval);
		assert_int_equal(g.opt.tsecr, h.opt.tsecr);
		assert_int_equal(g.opt.sack_permitted, h.opt.sack_permitted);
		assert_int_equal(g.opt.sack_n, h.opt.sack_n);
		assert_memory_equal(g.opt.sack, h.opt.sack, h.opt.sack_n * sizeof(h.opt.sack[0]));
		free(b);
	}
	/* Both outcomes are well represented. */
	assert_true(accepted > 2000);
	assert_true(rejected > 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_syn),        cmocka_unit_test(test_parse_ack_sack),
	    cmocka_unit_test(test_emit_known),       cmocka_unit_test(test_truncated_and_hlen),
	    cmocka_unit_test(test_checksum),         cmocka_unit_test(test_options_accepted),
	    cmocka_unit_test(test_options_rejected), cmocka_unit_test(test_emit_layouts),
	    cmocka_unit_test(test_flags_str),        cmocka_unit_test(test_random_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
