// SPDX-License-Identifier: MIT
/* ICMP codec (RFC 792), next-hop MTU (RFC 1191), and the datagram quoted in an error. */
#include <string.h>

#include "core/core_internal.h"
#include "wire/wire_internal.h"

static bool has_id_seq(uint8_t type)
{
	return type == NG_ICMP_ECHO_REQUEST || type == NG_ICMP_ECHO_REPLY ||
	       type == NG_ICMP_TIMESTAMP || type == NG_ICMP_TIMESTAMP_REPLY;
}

static bool is_frag_needed(uint8_t type, uint8_t code)
{
	return type == NG_ICMP_DEST_UNREACH && code == NG_ICMP_FRAG_NEEDED;
}

/* Parse a message of LEN bytes: ICMP_SHORT below 8, ICMP_CSUM unless the checksum over all LEN
 * bytes verifies. id/seq are the second word's halves (meaningful for echo and timestamp); mtu
 * is its low half for a frag-needed, else 0; rest is the raw word. */
enum ng_drop ng_icmp_parse(const uint8_t *b, size_t len, struct ng_icmp_hdr *h)
{
	if (len < NG_ICMP_HLEN)
		return NG_DROP_ICMP_SHORT;
	if (ng_csum(b, len) != 0)
		return NG_DROP_ICMP_CSUM;
	h->type = b[0];
	h->code = b[1];
	h->csum = ng_get16(b + 2);
	h->rest = ng_get32(b + 4);
	h->id = ng_get16(b + 4);
	h->seq = ng_get16(b + 6);
	h->mtu = is_frag_needed(h->type, h->code) ? h->seq : 0;
	h->data_off = NG_ICMP_HLEN;
	h->data_len = len - NG_ICMP_HLEN;
	return NG_DROP_NONE;
}

/* The datagram quoted by an error message H (parsed from the LEN bytes at B): its IP header
 * into INNER (lenient, see ng_ipv4_parse_embedded; its IP_* reason is returned on failure) and
 * the offset from B and length of the transport bytes that follow it. The length is limited by
 * the quoted datagram's own total length when that is sane, and must be at least 8 (enough for
 * ports and a TCP sequence number): else ICMP_SHORT. ICMP_TYPE if H is not an error. */
enum ng_drop ng_icmp_inner(const uint8_t *b, size_t len, const struct ng_icmp_hdr *h,
                           struct ng_ipv4_hdr *inner, size_t *l4_off, size_t *l4_len)
{
	enum ng_drop why;
	size_t off, n;

	if (!ng_icmp_is_error(h->type))
		return NG_DROP_ICMP_TYPE;
	if (len < NG_ICMP_HLEN)
		return NG_DROP_ICMP_SHORT;
	why = ng_ipv4_parse_embedded(b + NG_ICMP_HLEN, len - NG_ICMP_HLEN, inner);
	if (why != NG_DROP_NONE)
		return why;
	off = NG_ICMP_HLEN + inner->hlen;
	n = len - off;
	if (inner->tot_len >= inner->hlen && (size_t)(inner->tot_len - inner->hlen) < n)
		n = inner->tot_len - inner->hlen;
	if (n < 8)
		return NG_DROP_ICMP_SHORT;
	*l4_off = off;
	*l4_len = n;
	return NG_DROP_NONE;
}

/* Write the 8-byte header and the checksum over it and the DATA_LEN bytes already at B + 8.
 * The second word is id/seq for echo and timestamp messages, the high half of rest and mtu for
 * a frag-needed, else rest. h->csum is ignored. Returns 8, or 0 if CAP < 8 + DATA_LEN. */
size_t ng_icmp_emit(uint8_t *b, size_t cap, const struct ng_icmp_hdr *h, size_t data_len)
{
	if (cap < NG_ICMP_HLEN || cap - NG_ICMP_HLEN < data_len)
		return 0;
	b[0] = h->type;
	b[1] = h->code;
	ng_put16(b + 2, 0);
	if (has_id_seq(h->type)) {
		ng_put16(b + 4, h->id);
		ng_put16(b + 6, h->seq);
	} else if (is_frag_needed(h->type, h->code)) {
		ng_put16(b + 4, (uint16_t)(h->rest >> 16));
		ng_put16(b + 6, h->mtu);
	} else {
		ng_put32(b + 4, h->rest);
	}
	ng_put16(b + 2, ng_csum(b, NG_ICMP_HLEN + data_len));
	return NG_ICMP_HLEN;
}
