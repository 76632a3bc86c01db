// SPDX-License-Identifier: MIT
/* UDP header codec (RFC 768) with the IPv4 pseudo-header checksum. */
#include "core/core_internal.h"
#include "wire/wire_internal.h"

/* Parse the datagram in the LEN bytes of IP payload at B, lengths only: UDP_SHORT below 8 bytes,
 * UDP_LEN unless 8 <= length field <= LEN (bytes past it are ignored). The checksum is not
 * verified (the link vouched for it: NG_PKT_F_CSUM_VALID). */
enum ng_drop ng_udp_parse_nocsum(const uint8_t *b, size_t len, struct ng_udp_hdr *h)
{
	uint16_t ulen;

	if (len < NG_UDP_HLEN)
		return NG_DROP_UDP_SHORT;
	ulen = ng_get16(b + 4);
	if (ulen < NG_UDP_HLEN || ulen > len)
		return NG_DROP_UDP_LEN;
	h->sport = ng_get16(b);
	h->dport = ng_get16(b + 2);
	h->len = ulen;
	h->csum = ng_get16(b + 6);
	return NG_DROP_NONE;
}

/* Parse the datagram in the LEN bytes of IP payload at B, from SRC to DST: the lengths as
 * ng_udp_parse_nocsum, then UDP_CSUM when a non-zero checksum does not verify over the length
 * field's bytes (zero: none was sent). *H is filled only for a datagram that passes. */
enum ng_drop ng_udp_parse(const uint8_t *b, size_t len, uint32_t src, uint32_t dst,
                          struct ng_udp_hdr *h)
{
	struct ng_udp_hdr t;
	enum ng_drop why = ng_udp_parse_nocsum(b, len, &t);

	if (why != NG_DROP_NONE)
		return why;
	if (t.csum != 0 && ng_csum_finish(ng_csum_add(
	                       ng_csum_pseudo(src, dst, NG_IP_PROTO_UDP, t.len), b, t.len)) != 0)
		return NG_DROP_UDP_CSUM;
	*h = t;
	return NG_DROP_NONE;
}

/* Write the header and the checksum over it and the payload already at B + 8 (h->len bytes in
 * all). RFC 768: a computed zero is sent as all ones. h->csum is ignored. Returns 8, or 0 if
 * h->len < 8 or CAP < h->len. */
size_t ng_udp_emit(uint8_t *b, size_t cap, uint32_t src, uint32_t dst, const struct ng_udp_hdr *h)
{
	uint16_t c;

	if (h->len < NG_UDP_HLEN || cap < h->len)
		return 0;
	ng_put16(b, h->sport);
	ng_put16(b + 2, h->dport);
	ng_put16(b + 4, h->len);
	ng_put16(b + 6, 0);
	c = ng_csum_finish(
	    ng_csum_add(ng_csum_pseudo(src, dst, NG_IP_PROTO_UDP, h->len), b, h->len));
	ng_put16(b + 6, c ? c : 0xffff);
	return NG_UDP_HLEN;
}
