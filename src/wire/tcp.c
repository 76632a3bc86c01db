// SPDX-License-Identifier: MIT
/* TCP header codec (RFC 9293) with options: MSS, window scale and timestamps (RFC 7323),
 * SACK-permitted and SACK blocks (RFC 2018). */
/*
 * Options are emitted word-aligned the way common stacks lay them out (MSS; SACK-permitted with
 * timestamps, or either behind two NOPs; NOP + window scale; two NOPs + SACK blocks). When that
 * aligned layout would not fit the 40 bytes of option space, the options are packed back to back
 * instead (padded with EOL at the end); any set the parser accepted fits that way. Only when a
 * caller asks for more than can ever fit are trailing SACK blocks left out (RFC 2018 4: the
 * first block reports the most recent data, so it is kept).
 */
#include <stdio.h>
#include <string.h>

#include "core/core_internal.h"
#include "wire/wire_internal.h"

#define OPT_EOL       0
#define OPT_NOP       1
#define OPT_MSS       2
#define OPT_WS        3
#define OPT_SACK_PERM 4
#define OPT_SACK      5
#define OPT_TS        8
#define OPT_SPACE     40

/* Walk the option list (RFC 9293 3.1): EOL ends it, NOP is skipped, the others have a length
 * byte >= 2 that keeps them inside the header; known kinds must have their exact length. */
static enum ng_drop parse_opts(const uint8_t *o, size_t n, struct ng_tcp_opts *t)
{
	size_t i = 0;

	memset(t, 0, sizeof(*t));
	while (i < n) {
		uint8_t kind = o[i], l;

		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n)
			return NG_DROP_TCP_OPTIONS;
		l = o[i + 1];
		if (l < 2 || l > n - i)
			return NG_DROP_TCP_OPTIONS;
		switch (kind) {
		case OPT_MSS:
			if (l != 4)
				return NG_DROP_TCP_OPTIONS;
			t->mss_ok = true;
			t->mss = ng_get16(o + i + 2);
			break;
		case OPT_WS:
			if (l != 3)
				return NG_DROP_TCP_OPTIONS;
			t->ws_ok = true;
			t->ws = o[i + 2];
			break;
		case OPT_SACK_PERM:
			if (l != 2)
				return NG_DROP_TCP_OPTIONS;
			t->sack_ok = t->sack_permitted = true;
			break;
		case OPT_SACK:
			/* RFC 2018 3: 2 + 8 * n bytes, 1 <= n <= 4 */
			if (l < 10 || (l - 2) % 8 != 0 || (l - 2) / 8 > NG_TCP_MAX_SACK)
				return NG_DROP_TCP_OPTIONS;
			t->sack_n = (uint8_t)((l - 2) / 8);
			for (unsigned k = 0; k < t->sack_n; k++) {
				t->sack[k].left = ng_get32(o + i + 2 + 8 * k);
				t->sack[k].right = ng_get32(o + i + 6 + 8 * k);
			}
			break;
		case OPT_TS:
			if (l != 10)
				return NG_DROP_TCP_OPTIONS;
			t->ts_ok = true;
			t->tsval = ng_get32(o + i + 2);
			t->tsecr = ng_get32(o + i + 6);
			break;
		default:
			break; /* unknown: skipped by its length */
		}
		i += l;
	}
	return NG_DROP_NONE;
}

/* Parse the header in the LEN bytes at B without the checksum: TCP_SHORT below 20 bytes,
 * TCP_HLEN when the data offset is below 5 words or past LEN, TCP_OPTIONS for a malformed
 * option list. */
enum ng_drop ng_tcp_parse_nocsum(const uint8_t *b, size_t len, struct ng_tcp_hdr *h)
{
	size_t hlen;
	enum ng_drop why;

	if (len < NG_TCP_HLEN)
		return NG_DROP_TCP_SHORT;
	hlen = (size_t)(b[12] >> 4) * 4;
	if (hlen < NG_TCP_HLEN || hlen > len)
		return NG_DROP_TCP_HLEN;
	why = parse_opts(b + NG_TCP_HLEN, hlen - NG_TCP_HLEN, &h->opt);
	if (why != NG_DROP_NONE)
		return why;
	h->sport = ng_get16(b);
	h->dport = ng_get16(b + 2);
	h->seq = ng_get32(b + 4);
	h->ack = ng_get32(b + 8);
	h->hlen = (uint8_t)hlen;
	h->flags = b[13];
	h->win = ng_get16(b + 14);
	h->csum = ng_get16(b + 16);
	h->urg = ng_get16(b + 18);
	return NG_DROP_NONE;
}

/* Parse the whole segment (LEN bytes, header and payload) from SRC to DST: the checks of
 * ng_tcp_parse_nocsum, with TCP_CSUM (checked after the lengths, before the options) when the
 * pseudo-header checksum over all LEN bytes fails. */
enum ng_drop ng_tcp_parse(const uint8_t *b, size_t len, uint32_t src, uint32_t dst,
                          struct ng_tcp_hdr *h)
{
	size_t hlen;

	if (len < NG_TCP_HLEN)
		return NG_DROP_TCP_SHORT;
	hlen = (size_t)(b[12] >> 4) * 4;
	if (hlen < NG_TCP_HLEN || hlen > len)
		return NG_DROP_TCP_HLEN;
	if (len > 0xffff ||
	    ng_csum_finish(
	        ng_csum_add(ng_csum_pseudo(src, dst, NG_IP_PROTO_TCP, (uint16_t)len), b, len)) != 0)
		return NG_DROP_TCP_CSUM;
	return ng_tcp_parse_nocsum(b, len, h);
}

/* The layout emit will use: options' bytes (multiple of 4), SACK blocks that fit, and whether
 * the word-aligned form is used. */
struct layout {
	size_t len;
	unsigned sack_n;
	bool aligned;
};

static struct layout plan(const struct ng_tcp_opts *o)
{
	bool sp = o->sack_ok || o->sack_permitted;
	unsigned n = o->sack_n > NG_TCP_MAX_SACK ? NG_TCP_MAX_SACK : o->sack_n;
	struct layout a = {0, n, true};
	size_t base = 0, raw = 0;

	/* aligned: MSS 4, SACKP+TS 12 (or TS 12, or SACKP 4), WS 4, SACK 4 + 8n */
	base += o->mss_ok ? 4 : 0;
	base += o->ts_ok ? 12 : sp ? 4 : 0;
	base += o->ws_ok ? 4 : 0;
	a.len = base + (n ? 4 + 8 * n : 0);
	if (a.len <= OPT_SPACE)
		return a;
	/* packed: MSS 4, WS 3, SACKP 2, TS 10, SACK 2 + 8n, padded to 4 */
	raw = (o->mss_ok ? 4 : 0) + (o->ws_ok ? 3 : 0) + (sp ? 2 : 0) + (o->ts_ok ? 10 : 0);
	while (n && raw + 2 + 8 * n > OPT_SPACE)
		n--;
	a.aligned = false;
	a.sack_n = n;
	a.len = (raw + (n ? 2 + 8 * n : 0) + 3) & ~(size_t)3;
	return a;
}

/* Bytes the options in O take when emitted (a multiple of 4, at most 40). */
size_t ng_tcp_opts_len(const struct ng_tcp_opts *o)
{
	return plan(o).len;
}

static uint8_t *put_sack(uint8_t *p, const struct ng_tcp_opts *o, unsigned n)
{
	*p++ = OPT_SACK;
	*p++ = (uint8_t)(2 + 8 * n);
	for (unsigned k = 0; k < n; k++) {
		ng_put32(p, o->sack[k].left);
		ng_put32(p + 4, o->sack[k].right);
		p += 8;
	}
	return p;
}

static uint8_t *put_ts(uint8_t *p, const struct ng_tcp_opts *o)
{
	*p++ = OPT_TS;
	*p++ = 10;
	ng_put32(p, o->tsval);
	ng_put32(p + 4, o->tsecr);
	return p + 8;
}

/* Write the options of O at P following layout L; returns the end. */
static uint8_t *put_opts(uint8_t *p, const struct ng_tcp_opts *o, struct layout l)
{
	bool sp = o->sack_ok || o->sack_permitted;
	uint8_t *start = p;

	if (o->mss_ok) {
		*p++ = OPT_MSS;
		*p++ = 4;
		ng_put16(p, o->mss);
		p += 2;
	}
	if (l.aligned) {
		if (o->ts_ok) {
			if (sp) {
				*p++ = OPT_SACK_PERM;
				*p++ = 2;
			} else {
				*p++ = OPT_NOP;
				*p++ = OPT_NOP;
			}
			p = put_ts(p, o);
		} else if (sp) {
			*p++ = OPT_NOP;
			*p++ = OPT_NOP;
			*p++ = OPT_SACK_PERM;
			*p++ = 2;
		}
		if (o->ws_ok) {
			*p++ = OPT_NOP;
			*p++ = OPT_WS;
			*p++ = 3;
			*p++ = o->ws;
		}
		if (l.sack_n) {
			*p++ = OPT_NOP;
			*p++ = OPT_NOP;
			p = put_sack(p, o, l.sack_n);
		}
	} else {
		if (o->ws_ok) {
			*p++ = OPT_WS;
			*p++ = 3;
			*p++ = o->ws;
		}
		if (sp) {
			*p++ = OPT_SACK_PERM;
			*p++ = 2;
		}
		if (o->ts_ok)
			p = put_ts(p, o);
		if (l.sack_n)
			p = put_sack(p, o, l.sack_n);
		while ((size_t)(p - start) < l.len)
			*p++ = OPT_EOL;
	}
	return p;
}

/* Write the header with H's options (checksum field zero) and set h->hlen. Returns hlen, or 0 if
 * CAP is below hlen + PAYLOAD_LEN or the segment would exceed 65535 bytes. */
static size_t put_header(uint8_t *b, size_t cap, struct ng_tcp_hdr *h, size_t payload_len)
{
	struct layout l = plan(&h->opt);
	size_t hlen = NG_TCP_HLEN + l.len;

	if (cap < hlen || cap - hlen < payload_len || hlen + payload_len > 0xffff)
		return 0;
	ng_put16(b, h->sport);
	ng_put16(b + 2, h->dport);
	ng_put32(b + 4, h->seq);
	ng_put32(b + 8, h->ack);
	b[12] = (uint8_t)((hlen / 4) << 4);
	b[13] = h->flags;
	ng_put16(b + 14, h->win);
	ng_put16(b + 16, 0);
	ng_put16(b + 18, h->urg);
	put_opts(b + NG_TCP_HLEN, &h->opt, l);
	h->hlen = (uint8_t)hlen;
	return hlen;
}

/* Write the header with H's options, set h->hlen and h->csum, and checksum the header plus the
 * PAYLOAD_LEN bytes already at B + hlen (from SRC to DST). Returns hlen, or 0 if CAP is below
 * hlen + PAYLOAD_LEN or the segment would exceed 65535 bytes. */
size_t ng_tcp_emit(uint8_t *b, size_t cap, uint32_t src, uint32_t dst, struct ng_tcp_hdr *h,
                   size_t payload_len)
{
	size_t hlen = put_header(b, cap, h, payload_len), tot = hlen + payload_len;

	if (!hlen)
		return 0;
	h->csum = ng_csum_finish(
	    ng_csum_add(ng_csum_pseudo(src, dst, NG_IP_PROTO_TCP, (uint16_t)tot), b, tot));
	ng_put16(b + 16, h->csum);
	return hlen;
}

/* ng_tcp_emit for a payload whose one's-complement sum the caller already has (PAYLOAD_SUM, as
 * ng_csum_copy returns it when the payload was copied in): only the header and the
 * pseudo-header are summed here. The header is a multiple of 4 bytes long, so the payload starts
 * at an even offset and the two sums simply add (RFC 1071 2(A)). */
size_t ng_tcp_emit_sum(uint8_t *b, size_t cap, uint32_t src, uint32_t dst, struct ng_tcp_hdr *h,
                       size_t payload_len, uint64_t payload_sum)
{
	size_t hlen = put_header(b, cap, h, payload_len), tot = hlen + payload_len;

	if (!hlen)
		return 0;
	h->csum = ng_csum_finish(ng_csum_add(
	    ng_csum_pseudo(src, dst, NG_IP_PROTO_TCP, (uint16_t)tot) + payload_sum, b, hlen));
	ng_put16(b + 16, h->csum);
	return hlen;
}

/* ng_tcp_emit for a link that finishes checksums (NG_PKT_F_CSUM_PARTIAL): the checksum field
 * gets the folded pseudo-header sum over the whole segment's length, not complemented, which is
 * what Linux's CHECKSUM_PARTIAL and virtio's NEEDS_CSUM expect; a super-segment's length is its
 * whole length (the kernel adjusts it for every segment it cuts). h->csum is that value. */
size_t ng_tcp_emit_partial(uint8_t *b, size_t cap, uint32_t src, uint32_t dst, struct ng_tcp_hdr *h,
                           size_t payload_len)
{
	size_t hlen = put_header(b, cap, h, payload_len), tot = hlen + payload_len;

	if (!hlen)
		return 0;
	h->csum = ng_csum_fold(ng_csum_pseudo(src, dst, NG_IP_PROTO_TCP, (uint16_t)tot));
	ng_put16(b + 16, h->csum);
	return hlen;
}

/* "SYN+ACK", "FIN+PSH+ACK": flag names in bit order joined by '+', "none" for no flags.
 * Truncated to fit CAP (always terminated when CAP > 0). */
const char *ng_tcp_flags_str(uint8_t flags, char *buf, size_t cap)
{
	static const char *const names[8] = {"FIN", "SYN", "RST", "PSH",
	                                     "ACK", "URG", "ECE", "CWR"};
	size_t n = 0;

	if (!cap)
		return buf;
	buf[0] = '\0';
	if (!flags) {
		snprintf(buf, cap, "none");
		return buf;
	}
	for (int i = 0; i < 8; i++) {
		if (!(flags & (1u << i)))
			continue;
		int w = snprintf(buf + n, cap - n, "%s%s", n ? "+" : "", names[i]);
		if (w < 0 || (size_t)w >= cap - n) {
			buf[n] = '\0'; /* drop the partial name */
			break;
		}
		n += (size_t)w;
	}
	return buf;
}
