// SPDX-License-Identifier: MIT
/* Ethernet II header codec. */
#include <string.h>

#include "core/core_internal.h"
#include "wire/wire_internal.h"

const uint8_t ng_eth_broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* Parse the 14-byte header: destination, source, EtherType (VLAN tags are reported as type
 * 0x8100 and left to the caller). ETH_SHORT when fewer than 14 bytes. */
enum ng_drop ng_eth_parse(const uint8_t *b, size_t len, struct ng_eth_hdr *h)
{
	if (len < NG_ETH_HLEN)
		return NG_DROP_ETH_SHORT;
	memcpy(h->dst, b, 6);
	memcpy(h->src, b + 6, 6);
	h->type = ng_get16(b + 12);
	return NG_DROP_NONE;
}

/* Write the header; 14, or 0 if CAP is short. */
size_t ng_eth_emit(uint8_t *b, size_t cap, const struct ng_eth_hdr *h)
{
	if (cap < NG_ETH_HLEN)
		return 0;
	memcpy(b, h->dst, 6);
	memcpy(b + 6, h->src, 6);
	ng_put16(b + 12, h->type);
	return NG_ETH_HLEN;
}
