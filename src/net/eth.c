// SPDX-License-Identifier: MIT
/* Ethernet II: accept frames for this interface, dispatch by ethertype, push headers on output. */
#include "net/net_internal.h"

/* Whether frame P, longer than IFC's MTU allows, is a TCP/IPv4 super-segment its link handed us
 * whole (gso_size set, see struct ng_link rx_whole) whose every segment would have fit: headers
 * plus gso_size within the MTU. Its headers are parsed (wire codecs) to know their length. */
static bool gso_fits(const struct ng_iface *ifc, const struct ng_pkt *p)
{
	uint32_t hdrs;

	if (!p->gso_size || p->len - NG_ETH_HLEN > 0xffff)
		return false;
	hdrs = ng_ipv4_gso_hdrs(ng_pkt_data(p) + NG_ETH_HLEN, p->len - NG_ETH_HLEN);
	return hdrs && hdrs + p->gso_size <= ifc->mtu;
}

/*
 * A received frame on IFC. Frames addressed to another unicast MAC or to a multicast group (we
 * join none) are dropped as ETH_NOT_US; broadcast and our own MAC pass. A frame longer than the
 * interface MTU plus the header is dropped as ETH_OVERSIZE: nothing on the link may send more,
 * so it is a misbehaving peer and its contents are not to be trusted. The one exception is a
 * super-segment the link handed over whole (the kernel's GSO/GRO frame, which stands for
 * segments that each fit the MTU). Consumes P.
 */
void ng_eth_input(struct ng_stack *st, struct ng_iface *ifc, struct ng_pkt *p)
{
	struct ng_eth_hdr eh;
	enum ng_drop why;

	why = ng_eth_parse(ng_pkt_data(p), p->len, &eh);
	if (why != NG_DROP_NONE) {
		ng_drop_pkt(st, p, why);
		return;
	}
	if (p->len > ifc->mtu + NG_ETH_HLEN && !gso_fits(ifc, p)) {
		ng_drop_pkt(st, p, NG_DROP_ETH_OVERSIZE);
		return;
	}
	if (memcmp(eh.dst, ifc->mac, 6) != 0 && memcmp(eh.dst, ng_eth_broadcast, 6) != 0) {
		/* Another host's unicast, or a multicast group we never joined. */
		ng_drop_pkt(st, p, NG_DROP_ETH_NOT_US);
		return;
	}
	ng_pkt_pull(p, NG_ETH_HLEN);
	p->l3 = p->off;
	p->ifc = ifc;
	switch (eh.type) {
	case NG_ETH_P_ARP:
		ng_arp_input(st, ifc, p);
		break;
	case NG_ETH_P_IPV4:
		ng_ipv4_input(st, ifc, p);
		break;
	default:
		ng_drop_pkt(st, p, NG_DROP_ETH_TYPE);
		break;
	}
}

/*
 * Push an Ethernet header (source IFC's MAC, destination DST, TYPE) in front of P and hand it to
 * the link (a partial checksum finished first if the link cannot). Frames are not padded to the
 * 60-byte minimum: TAP and the simulated wire do not need it and a NIC driver pads on its own.
 * Consumes P. Returns 0, or the link's error (counted).
 */
int ng_eth_output(struct ng_stack *st, struct ng_iface *ifc, struct ng_pkt *p, const uint8_t dst[6],
                  uint16_t type)
{
	struct ng_eth_hdr eh;
	uint8_t *b;
	int rc;

	/* A checksum left partial (received so, or made so by the stack) is finished here when
	 * the link cannot do it, as a NIC driver without checksum offload would. */
	if ((p->flags & NG_PKT_F_CSUM_PARTIAL) && !(ifc->link->tx_offload & NG_LINK_TX_CSUM) &&
	    type == NG_ETH_P_IPV4)
		ng_ipv4_finish_csum(p);
	b = ng_pkt_push(p, NG_ETH_HLEN);
	if (!b) {
		ng_drop_pkt(st, p, NG_DROP_NOBUF);
		return -NG_ENOBUFS;
	}
	memcpy(eh.dst, dst, 6);
	memcpy(eh.src, ifc->mac, 6);
	eh.type = type;
	ng_eth_emit(b, NG_ETH_HLEN, &eh);
	ng_count(st, NG_CNT_TX_FRAMES, 1);
	ng_count(st, NG_CNT_TX_BYTES, p->len);
	rc = ng_link_xmit(ifc->link, p, st->now);
	if (rc < 0)
		ng_drop_count(st, NG_DROP_LINK_TX);
	return rc;
}
