// SPDX-License-Identifier: MIT
/* Unit tests for the ICMP codec: echo and frag-needed known answers, the quoted datagram,
 * truncation and checksum errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core_internal.h"
#include "wire/wire_internal.h"

/* Echo request id 0x4242 seq 3, data "abcdefgh", checksum 2425 (the ICMP part of a datagram
 * built by an independent packet builder). */
static const uint8_t echo[16] = {0x08, 0x00, 0x24, 0x25, 0x42, 0x42, 0x00, 0x03,
                                 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68};

/* Frag needed, next-hop MTU 1400, quoting 10.0.0.1:1234 -> 10.0.0.2:53 UDP (tot_len 128). */
static const uint8_t frag_needed[36] = {0x03, 0x04, 0x93, 0x8b, 0x00, 0x00, 0x05, 0x78, 0x45,
                                        0x00, 0x00, 0x80, 0x00, 0x07, 0x40, 0x00, 0x40, 0x11,
                                        0x26, 0x64, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00,
                                        0x02, 0x04, 0xd2, 0x00, 0x35, 0x00, 0x6c, 0x5e, 0x85};

static void test_echo_known(void **state)
{
	struct ng_icmp_hdr h;
	uint8_t out[16];

	assert_int_equal(ng_icmp_parse(echo, sizeof(echo), &h), NG_DROP_NONE);
	assert_int_equal(h.type, NG_ICMP_ECHO_REQUEST);
	assert_int_equal(h.code, 0);
	assert_int_equal(h.csum, 0x2425);
	assert_int_equal(h.id, 0x4242);
	assert_int_equal(h.seq, 3);
	assert_int_equal(h.rest, 0x42420003);
	assert_int_equal(h.mtu, 0);
	assert_int_equal(h.data_off, 8);
	assert_int_equal(h.data_len, 8);
	assert_false(ng_icmp_is_error(h.type));

	/* Rebuild from fields: data first, then the header. */
	struct ng_icmp_hdr e = {.type = NG_ICMP_ECHO_REQUEST, .id = 0x4242, .seq = 3};
	memset(out, 0, sizeof(out));
	memcpy(out + 8, "abcdefgh", 8);
	assert_int_equal(ng_icmp_emit(out, sizeof(out), &e, 8), 8);
	assert_memory_equal(out, echo, sizeof(echo));
	/* CAP must cover the data. */
	assert_int_equal(ng_icmp_emit(out, 15, &e, 8), 0);
	assert_int_equal(ng_icmp_emit(out, 7, &e, 0), 0);
}

static void test_echo_reply_odd_length(void **state)
{
	struct ng_icmp_hdr h, g;
	uint8_t b[8 + 9];

	memset(&h, 0, sizeof(h));
	h.type = NG_ICMP_ECHO_REPLY;
	h.id = 0xfffe;
	h.seq = 0x8001;
	memcpy(b + 8, "123456789", 9);
	assert_int_equal(ng_icmp_emit(b, sizeof(b), &h, 9), 8);
	assert_int_equal(ng_icmp_parse(b, sizeof(b), &g), NG_DROP_NONE);
	assert_int_equal(g.type, NG_ICMP_ECHO_REPLY);
	assert_int_equal(g.id, 0xfffe);
	assert_int_equal(g.seq, 0x8001);
	assert_int_equal(g.data_len, 9);
	/* Each byte is covered by the checksum, including the odd last one. */
	for (size_t i = 0; i < sizeof(b); i++) {
		b[i] ^= 0x10;
		assert_int_equal(ng_icmp_parse(b, sizeof(b), &g), NG_DROP_ICMP_CSUM);
		b[i] ^= 0x10;
	}
}

static void test_truncated_and_csum(void **state)
{
	struct ng_icmp_hdr h;

	for (size_t n = 0; n < 8; n++)
		assert_int_equal(ng_icmp_parse(echo, n, &h), NG_DROP_ICMP_SHORT);
	/* Cutting data off breaks the checksum over the whole message. */
	for (size_t n = 8; n < sizeof(echo); n++)
		assert_int_equal(ng_icmp_parse(echo, n, &h), NG_DROP_ICMP_CSUM);
	uint8_t b[16];
	memcpy(b, echo, 16);
	b[2] ^= 1;
	assert_int_equal(ng_icmp_parse(b, 16, &h), NG_DROP_ICMP_CSUM);
}

static void test_frag_needed_known(void **state)
{
	struct ng_icmp_hdr h;
	struct ng_ipv4_hdr in;
	size_t off = 0, len = 0;
	uint8_t out[36];

	assert_int_equal(ng_icmp_parse(frag_needed, sizeof(frag_needed), &h), NG_DROP_NONE);
	assert_int_equal(h.type, NG_ICMP_DEST_UNREACH);
	assert_int_equal(h.code, NG_ICMP_FRAG_NEEDED);
	assert_int_equal(h.mtu, 1400);
	assert_int_equal(h.rest, 1400);
	assert_true(ng_icmp_is_error(h.type));
	assert_int_equal(ng_icmp_inner(frag_needed, sizeof(frag_needed), &h, &in, &off, &len),
	                 NG_DROP_NONE);
	assert_int_equal(in.src, NG_IP4(10, 0, 0, 1));
	assert_int_equal(in.dst, NG_IP4(10, 0, 0, 2));
	assert_int_equal(in.proto, NG_IP_PROTO_UDP);
	assert_int_equal(in.tot_len, 128);
	assert_true(in.df);
	assert_int_equal(off, 28);
	assert_int_equal(len, 8);
	assert_int_equal(ng_get16(frag_needed + off), 1234);
	assert_int_equal(ng_get16(frag_needed + off + 2), 53);

	/* Emit from fields as the stack does (mtu and rest both set). */
	struct ng_icmp_hdr e = {.type = 3, .code = 4, .mtu = 1400, .rest = 1400};
	memcpy(out + 8, frag_needed + 8, 28);
	assert_int_equal(ng_icmp_emit(out, sizeof(out), &e, 28), 8);
	assert_memory_equal(out, frag_needed, sizeof(out));
	/* Only the mtu set also works. */
	e.rest = 0;
	assert_int_equal(ng_icmp_emit(out, sizeof(out), &e, 28), 8);
	assert_memory_equal(out, frag_needed, sizeof(out));
}

/* Build an error TYPE/CODE quoting Q (QLEN bytes) into B; returns the message length. */
static size_t build_error(uint8_t *b, uint8_t type, uint8_t code, uint32_t rest, const uint8_t *q,
                          size_t qlen)
{
	struct ng_icmp_hdr e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.code = code;
	e.rest = rest;
	memcpy(b + 8, q, qlen);
	assert_int_equal(ng_icmp_emit(b, 8 + qlen, &e, qlen), 8);
	return 8 + qlen;
}

static void test_inner_cases(void **state)
{
	uint8_t q[64], b[80];
	struct ng_icmp_hdr h;
	struct ng_ipv4_hdr in;
	size_t off, len, n;

	memcpy(q, frag_needed + 8, 28);
	memset(q + 28, 0x5a, 36);

	/* Time exceeded with more of the datagram: l4 bytes limited by what is present. */
	n = build_error(b, NG_ICMP_TIME_EXCEEDED, 0, 0, q, 48);
	assert_int_equal(ng_icmp_parse(b, n, &h), NG_DROP_NONE);
	assert_int_equal(ng_icmp_inner(b, n, &h, &in, &off, &len), NG_DROP_NONE);
	assert_int_equal(off, 28);
	assert_int_equal(len, 28);

	/* Param problem keeps its pointer in rest. */
	n = build_error(b, NG_ICMP_PARAM_PROBLEM, 0, 0x14000000, q, 28);
	assert_int_equal(ng_icmp_parse(b, n, &h), NG_DROP_NONE);
	assert_int_equal(h.rest, 0x14000000);
	assert_int_equal(b[4], 0x14);

	/* Fewer than 8 transport bytes: ICMP_SHORT. */
	for (size_t ql = 20; ql < 28; ql++) {
		n = build_error(b, NG_ICMP_DEST_UNREACH, NG_ICMP_PORT_UNREACH, 0, q, ql);
		assert_int_equal(ng_icmp_parse(b, n, &h), NG_DROP_NONE);
		assert_int_equal(ng_icmp_inner(b, n, &h, &in, &off, &len), NG_DROP_ICMP_SHORT);
	}
	/* The quoted IP header itself cut short, or bad. */
	n = build_error(b, NG_ICMP_DEST_UNREACH, 1, 0, q, 19);
	ng_icmp_parse(b, n, &h);
	assert_int_equal(ng_icmp_inner(b, n, &h, &in, &off, &len), NG_DROP_IP_SHORT);
	q[0] = 0x65;
	n = build_error(b, NG_ICMP_DEST_UNREACH, 1, 0, q, 28);
	ng_icmp_parse(b, n, &h);
	assert_int_equal(ng_icmp_inner(b, n, &h, &in, &off, &len), NG_DROP_IP_VERSION);
	q[0] = 0x4f; /* 60-byte header, only 28 quoted */
	n = build_error(b, NG_ICMP_DEST_UNREACH, 1, 0, q, 28);
	ng_icmp_parse(b, n, &h);
	assert_int_equal(ng_icmp_inner(b, n, &h, &in, &off, &len), NG_DROP_IP_HLEN);
	q[0] = 0x45;

	/* A quoted datagram whose own total length is shorter than what follows (padding). */
	ng_put16(q + 2, 24);
	n = build_error(b, NG_ICMP_DEST_UNREACH, 3, 0, q, 40);
	ng_icmp_parse(b, n, &h);
	assert_int_equal(ng_icmp_inner(b, n, &h, &in, &off, &len), NG_DROP_ICMP_SHORT);
	ng_put16(q + 2, 30);
	n = build_error(b, NG_ICMP_DEST_UNREACH, 3, 0, q, 40);
	ng_icmp_parse(b, n, &h);
	assert_int_equal(ng_icmp_inner(b, n, &h, &in, &off, &len), NG_DROP_NONE);
	assert_int_equal(len, 10);

	/* Not an error message. */
	assert_int_equal(ng_icmp_parse(echo, sizeof(echo), &h), NG_DROP_NONE);
	assert_int_equal(ng_icmp_inner(echo, sizeof(echo), &h, &in, &off, &len), NG_DROP_ICMP_TYPE);
}

static void test_error_types(void **state)
{
	assert_true(ng_icmp_is_error(NG_ICMP_DEST_UNREACH));
	assert_true(ng_icmp_is_error(NG_ICMP_SOURCE_QUENCH));
	assert_true(ng_icmp_is_error(NG_ICMP_REDIRECT));
	assert_true(ng_icmp_is_error(NG_ICMP_TIME_EXCEEDED));
	assert_true(ng_icmp_is_error(NG_ICMP_PARAM_PROBLEM));
	assert_false(ng_icmp_is_error(NG_ICMP_ECHO_REQUEST));
	assert_false(ng_icmp_is_error(NG_ICMP_ECHO_REPLY));
	assert_false(ng_icmp_is_error(NG_ICMP_TIMESTAMP));
	assert_false(ng_icmp_is_error(42));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_echo_known),         cmocka_unit_test(test_echo_reply_odd_length),
	    cmocka_unit_test(test_truncated_and_csum), cmocka_unit_test(test_frag_needed_known),
	    cmocka_unit_test(test_inner_cases),        cmocka_unit_test(test_error_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
