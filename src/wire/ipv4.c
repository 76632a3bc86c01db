// SPDX-License-Identifier: MIT
/* IPv4 header codec (RFC 791): validation, options walk, emission with checksum. */
#include <string.h>

#include "core/core_internal.h"
#include "wire/wire_internal.h"

#define IPOPT_EOL 0
#define IPOPT_NOP 1

/* RFC 791 3.1 options: EOL ends the list, NOP is one byte, every other option carries a length
 * byte counting itself and its type; it must be >= 2 and stay inside the header. */
static bool options_ok(const uint8_t *o, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (o[i] == IPOPT_EOL)
			return true;
		if (o[i] == IPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || o[i + 1] > n - i)
			return false;
		i += o[i + 1];
	}
	return true;
}

/* Fill H from a header known to hold HLEN (>= 20) readable bytes. */
static void fill(const uint8_t *b, size_t hlen, struct ng_ipv4_hdr *h)
{
	uint16_t frag = ng_get16(b + 6);

	h->hlen = (uint8_t)hlen;
	h->tos = b[1];
	h->tot_len = ng_get16(b + 2);
	h->id = ng_get16(b + 4);
	h->df = (frag & NG_IP_DF) != 0;
	h->mf = (frag & NG_IP_MF) != 0;
	h->frag_off = (uint16_t)((frag & NG_IP_OFFMASK) * 8);
	h->ttl = b[8];
	h->proto = b[9];
	h->csum = ng_get16(b + 10);
	h->src = ng_get32(b + 12);
	h->dst = ng_get32(b + 16);
	h->opt_len = (uint8_t)(hlen - NG_IP_HLEN);
	memcpy(h->opts, b + NG_IP_HLEN, h->opt_len);
}

/* Validate and parse a datagram's header. In order: IP_SHORT (< 20 bytes), IP_VERSION,
 * IP_HLEN (IHL < 5, or the header runs past the LEN bytes present), IP_LEN (total length below
 * the header length or above LEN), IP_CSUM, IP_OPTIONS. Bytes past tot_len are frame padding
 * and allowed. */
enum ng_drop ng_ipv4_parse(const uint8_t *b, size_t len, struct ng_ipv4_hdr *h)
{
	size_t hlen, tot;

	if (len < NG_IP_HLEN)
		return NG_DROP_IP_SHORT;
	if (b[0] >> 4 != 4)
		return NG_DROP_IP_VERSION;
	hlen = (size_t)(b[0] & 0x0f) * 4;
	if (hlen < NG_IP_HLEN || hlen > len)
		return NG_DROP_IP_HLEN;
	tot = ng_get16(b + 2);
	if (tot < hlen || tot > len)
		return NG_DROP_IP_LEN;
	if (ng_csum(b, hlen) != 0)
		return NG_DROP_IP_CSUM;
	if (!options_ok(b + NG_IP_HLEN, hlen - NG_IP_HLEN))
		return NG_DROP_IP_OPTIONS;
	fill(b, hlen, h);
	return NG_DROP_NONE;
}

/* The header quoted in an ICMP error: version, IHL and presence of the whole header only
 * (IP_SHORT, IP_VERSION, IP_HLEN as above); checksum, total length and options are not checked
 * because routers may have altered or truncated what they quote. */
enum ng_drop ng_ipv4_parse_embedded(const uint8_t *b, size_t len, struct ng_ipv4_hdr *h)
{
	size_t hlen;

	if (len < NG_IP_HLEN)
		return NG_DROP_IP_SHORT;
	if (b[0] >> 4 != 4)
		return NG_DROP_IP_VERSION;
	hlen = (size_t)(b[0] & 0x0f) * 4;
	if (hlen < NG_IP_HLEN || hlen > len)
		return NG_DROP_IP_HLEN;
	fill(b, hlen, h);
	return NG_DROP_NONE;
}

/* Write the header: 20 bytes plus h->opts[0..opt_len) padded with EOL (zero) to a multiple of
 * 4, the IHL to match, and the checksum. h->hlen and h->csum are ignored (computed). Returns the
 * header length, or 0 if CAP is short or opt_len > 40. frag_off is in bytes (a multiple of 8). */
size_t ng_ipv4_emit(uint8_t *b, size_t cap, const struct ng_ipv4_hdr *h)
{
	size_t olen = h->opt_len, hlen = NG_IP_HLEN + ((olen + 3) & ~(size_t)3);
	uint16_t frag = (uint16_t)((h->frag_off / 8) & NG_IP_OFFMASK);

	if (olen > 40 || cap < hlen)
		return 0;
	if (h->df)
		frag |= NG_IP_DF;
	if (h->mf)
		frag |= NG_IP_MF;
	b[0] = (uint8_t)(0x40 | (hlen / 4));
	b[1] = h->tos;
	ng_put16(b + 2, h->tot_len);
	ng_put16(b + 4, h->id);
	ng_put16(b + 6, frag);
	b[8] = h->ttl;
	b[9] = h->proto;
	ng_put16(b + 10, 0);
	ng_put32(b + 12, h->src);
	ng_put32(b + 16, h->dst);
	memcpy(b + NG_IP_HLEN, h->opts, olen);
	memset(b + NG_IP_HLEN + olen, IPOPT_EOL, hlen - NG_IP_HLEN - olen);
	ng_put16(b + 10, ng_csum(b, hlen));
	return hlen;
}
