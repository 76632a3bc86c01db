// SPDX-License-Identifier: MIT
/* libFuzzer target: every wire codec's parser on arbitrary bytes, and emit/parse round trips.
 *
 * Theory of operation. The first byte picks the codec, the rest is the header bytes (for UDP and
 * TCP the pseudo-header addresses come first, 8 bytes). A parser must never read past LEN (ASan
 * sees it) and must be deterministic. When it accepts the bytes, emitting the parsed struct and
 * parsing the result again must give the same fields back: what the stack reads is what it would
 * write. Checksum fields are left out of the comparison where emit recomputes them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fw_fail(const char *codec, const char *what)
{
	fprintf(stderr, "fuzz_wire: %s: %s\n", codec, what);
	abort();
}

static void fw_eth(const uint8_t *b, size_t len)
{
	struct ng_eth_hdr h, h2;
	uint8_t out[NG_ETH_HLEN];

	if (ng_eth_parse(b, len, &h) != NG_DROP_NONE)
		return;
	if (ng_eth_emit(out, sizeof(out), &h) != NG_ETH_HLEN)
		fw_fail("eth", "emit failed");
	if (ng_eth_parse(out, sizeof(out), &h2) != NG_DROP_NONE)
		fw_fail("eth", "emitted header rejected");
	if (memcmp(h.dst, h2.dst, 6) || memcmp(h.src, h2.src, 6) || h.type != h2.type)
		fw_fail("eth", "round trip changed a field");
}

static void fw_arp(const uint8_t *b, size_t len)
{
	struct ng_arp_pkt a, a2;
	uint8_t out[NG_ARP_LEN];

	if (ng_arp_parse(b, len, &a) != NG_DROP_NONE)
		return;
	if (ng_arp_emit(out, sizeof(out), &a) != NG_ARP_LEN)
		fw_fail("arp", "emit failed");
	if (ng_arp_parse(out, sizeof(out), &a2) != NG_DROP_NONE)
		fw_fail("arp", "emitted packet rejected");
	if (a.op != a2.op || memcmp(a.sha, a2.sha, 6) || a.spa != a2.spa ||
	    memcmp(a.tha, a2.tha, 6) || a.tpa != a2.tpa)
		fw_fail("arp", "round trip changed a field");
	if (memcmp(out, b, NG_ARP_LEN))
		fw_fail("arp", "emitted bytes differ from the accepted ones");
}

static void fw_ipv4(const uint8_t *b, size_t len)
{
	struct ng_ipv4_hdr h, h2;
	uint8_t out[60];
	size_t n;

	if (ng_ipv4_parse_embedded(b, len, &h) == NG_DROP_NONE && h.hlen > len)
		fw_fail("ipv4 embedded", "accepted a header longer than the bytes");
	if (ng_ipv4_parse(b, len, &h) != NG_DROP_NONE)
		return;
	if (h.hlen < 20 || h.hlen > 60 || h.hlen > len || h.tot_len < h.hlen || h.tot_len > len)
		fw_fail("ipv4", "accepted lengths out of range");
	if (h.opt_len != h.hlen - 20)
		fw_fail("ipv4", "opt_len disagrees with hlen");
	n = ng_ipv4_emit(out, sizeof(out), &h);
	if (n != h.hlen)
		fw_fail("ipv4", "emit wrote a different header length");
	/* emit writes only the header; the parser wants tot_len bytes, so say the payload is 0 */
	out[2] = (uint8_t)(n >> 8);
	out[3] = (uint8_t)n;
	h.tot_len = (uint16_t)n;
	n = ng_ipv4_emit(out, sizeof(out), &h);
	if (ng_ipv4_parse(out, n, &h2) != NG_DROP_NONE)
		fw_fail("ipv4", "emitted header rejected");
	if (h.hlen != h2.hlen || h.tos != h2.tos || h.tot_len != h2.tot_len || h.id != h2.id ||
	    h.df != h2.df || h.mf != h2.mf || h.frag_off != h2.frag_off || h.ttl != h2.ttl ||
	    h.proto != h2.proto || h.src != h2.src || h.dst != h2.dst || h.opt_len != h2.opt_len ||
	    memcmp(h.opts, h2.opts, h.opt_len))
		fw_fail("ipv4", "round trip changed a field");
}

static void fw_icmp(const uint8_t *b, size_t len)
{
	struct ng_icmp_hdr h;
	struct ng_ipv4_hdr inner;
	size_t off, l4len;

	if (ng_icmp_parse(b, len, &h) != NG_DROP_NONE)
		return;
	if (h.data_off != NG_ICMP_HLEN || h.data_off + h.data_len > len)
		fw_fail("icmp", "data outside the message");
	if (ng_icmp_is_error(h.type) &&
	    ng_icmp_inner(b, len, &h, &inner, &off, &l4len) == NG_DROP_NONE) {
		if (off > len || l4len > len - off)
			fw_fail("icmp", "embedded transport bytes outside the message");
	}
	/* round trip: same type/code/rest and data give the same checksum-valid message */
	{
		uint8_t *out = malloc(len);
		struct ng_icmp_hdr h2;
		if (!out)
			abort();
		memcpy(out, b, len);
		if (ng_icmp_emit(out, len, &h, len - NG_ICMP_HLEN) != NG_ICMP_HLEN)
			fw_fail("icmp", "emit failed");
		if (ng_icmp_parse(out, len, &h2) != NG_DROP_NONE)
			fw_fail("icmp", "emitted message rejected");
		if (h.type != h2.type || h.code != h2.code || h.rest != h2.rest)
			fw_fail("icmp", "round trip changed a field");
		free(out);
	}
}

static void fw_udp(const uint8_t *b, size_t len)
{
	struct ng_udp_hdr h, h2;
	uint32_t src, dst;
	uint8_t *out;

	if (len < 8)
		return;
	src = ng_get32(b);
	dst = ng_get32(b + 4);
	b += 8;
	len -= 8;
	if (ng_udp_parse(b, len, src, dst, &h) != NG_DROP_NONE)
		return;
	if (h.len < NG_UDP_HLEN || h.len > len)
		fw_fail("udp", "accepted a length out of range");
	out = malloc(h.len);
	if (!out)
		abort();
	memcpy(out, b, h.len);
	if (ng_udp_emit(out, h.len, src, dst, &h) != NG_UDP_HLEN)
		fw_fail("udp", "emit failed");
	if (ng_udp_parse(out, h.len, src, dst, &h2) != NG_DROP_NONE)
		fw_fail("udp", "emitted datagram rejected");
	if (h.sport != h2.sport || h.dport != h2.dport || h.len != h2.len || h2.csum == 0)
		fw_fail("udp", "round trip changed a field");
	free(out);
}

static void fw_tcp(const uint8_t *b, size_t len)
{
	struct ng_tcp_hdr h, h2, h3;
	uint32_t src, dst;
	uint8_t out[NG_TCP_MAXHLEN];
	size_t n;

	if (len < 8)
		return;
	src = ng_get32(b);
	dst = ng_get32(b + 4);
	b += 8;
	len -= 8;
	if (ng_tcp_parse_nocsum(b, len, &h2) == NG_DROP_NONE && h2.hlen > len)
		fw_fail("tcp", "nocsum parse accepted a header longer than the bytes");
	if (ng_tcp_parse(b, len, src, dst, &h) != NG_DROP_NONE)
		return;
	if (h.hlen < 20 || h.hlen > 60 || h.hlen > len || h.opt.sack_n > NG_TCP_MAX_SACK)
		fw_fail("tcp", "accepted fields out of range");
	/* Re-emit the options the stack understood (without payload) and parse them back. */
	if (ng_tcp_opts_len(&h.opt) + NG_TCP_HLEN > sizeof(out))
		return; /* more known options than fit one header: emit cannot express it */
	h3 = h;
	n = ng_tcp_emit(out, sizeof(out), src, dst, &h3, 0);
	if (n == 0 || n != h3.hlen)
		fw_fail("tcp", "emit failed");
	if (ng_tcp_parse(out, n, src, dst, &h2) != NG_DROP_NONE)
		fw_fail("tcp", "emitted header rejected");
	if (h.sport != h2.sport || h.dport != h2.dport || h.seq != h2.seq || h.ack != h2.ack ||
	    h.flags != h2.flags || h.win != h2.win || h.urg != h2.urg ||
	    h.opt.mss_ok != h2.opt.mss_ok || (h.opt.mss_ok && h.opt.mss != h2.opt.mss) ||
	    h.opt.ws_ok != h2.opt.ws_ok || (h.opt.ws_ok && h.opt.ws != h2.opt.ws) ||
	    h.opt.ts_ok != h2.opt.ts_ok ||
	    (h.opt.ts_ok && (h.opt.tsval != h2.opt.tsval || h.opt.tsecr != h2.opt.tsecr)) ||
	    h.opt.sack_permitted != h2.opt.sack_permitted || h.opt.sack_n != h2.opt.sack_n ||
	    memcmp(h.opt.sack, h2.opt.sack, h.opt.sack_n * sizeof(h.opt.sack[0])))
		fw_fail("tcp", "round trip changed a field");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	if (size < 1)
		return 0;
	/* an exact-size heap copy, so that ASan catches any read past the end */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		abort();
	memcpy(copy, data + 1, size - 1);
	switch (data[0] % 6) {
	case 0:
		fw_eth(copy, size - 1);
		break;
	case 1:
		fw_arp(copy, size - 1);
		break;
	case 2:
		fw_ipv4(copy, size - 1);
		break;
	case 3:
		fw_icmp(copy, size - 1);
		break;
	case 4:
		fw_udp(copy, size - 1);
		break;
	default:
		fw_tcp(copy, size - 1);
		break;
	}
	free(copy);
	return 0;
}
