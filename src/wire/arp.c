// SPDX-License-Identifier: MIT
/* ARP codec for IPv4 over Ethernet (RFC 826). */
#include <string.h>

#include "core/core_internal.h"
#include "wire/wire_internal.h"

#define ARP_HTYPE_ETHER 1

/* Parse a 28-byte ARP packet (trailing frame padding is ignored). ARP_SHORT when truncated,
 * ARP_FORMAT unless hardware type 1 / protocol 0x0800 / lengths 6 and 4, ARP_OP unless the
 * operation is request or reply. */
enum ng_drop ng_arp_parse(const uint8_t *b, size_t len, struct ng_arp_pkt *a)
{
	if (len < NG_ARP_LEN)
		return NG_DROP_ARP_SHORT;
	if (ng_get16(b) != ARP_HTYPE_ETHER || ng_get16(b + 2) != NG_ETH_P_IPV4 || b[4] != 6 ||
	    b[5] != 4)
		return NG_DROP_ARP_FORMAT;
	a->op = ng_get16(b + 6);
	if (a->op != NG_ARP_REQUEST && a->op != NG_ARP_REPLY)
		return NG_DROP_ARP_OP;
	memcpy(a->sha, b + 8, 6);
	a->spa = ng_get32(b + 14);
	memcpy(a->tha, b + 18, 6);
	a->tpa = ng_get32(b + 24);
	return NG_DROP_NONE;
}

/* Write the 28-byte packet; 28, or 0 if CAP is short. */
size_t ng_arp_emit(uint8_t *b, size_t cap, const struct ng_arp_pkt *a)
{
	if (cap < NG_ARP_LEN)
		return 0;
	ng_put16(b, ARP_HTYPE_ETHER);
	ng_put16(b + 2, NG_ETH_P_IPV4);
	b[4] = 6;
	b[5] = 4;
	ng_put16(b + 6, a->op);
	memcpy(b + 8, a->sha, 6);
	ng_put32(b + 14, a->spa);
	memcpy(b + 18, a->tha, 6);
	ng_put32(b + 24, a->tpa);
	return NG_ARP_LEN;
}
