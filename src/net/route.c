// SPDX-License-Identifier: MIT
/* Routing: connected subnets first, then the default gateway. No routing table beyond that. */
#include "net/net_internal.h"

/* The interface whose connected subnet holds ADDR (the first one configured wins), or NULL. */
struct ng_iface *ng_iface_for_subnet(struct ng_stack *st, uint32_t addr)
{
	for (unsigned i = 0; i < st->n_ifaces; i++) {
		struct ng_iface *ifc = &st->ifaces[i];
		if (ifc->addr && (addr & ifc->mask) == (ifc->addr & ifc->mask))
			return ifc;
	}
	return NULL;
}

/* The interface that owns ADDR, or NULL. 0 is nobody's address. */
struct ng_iface *ng_iface_by_addr(struct ng_stack *st, uint32_t addr)
{
	if (!addr)
		return NULL;
	for (unsigned i = 0; i < st->n_ifaces; i++)
		if (st->ifaces[i].addr == addr)
			return &st->ifaces[i];
	return NULL;
}

/*
 * Choose the interface and next hop for DST: on-link when a connected subnet holds it (the limited
 * broadcast goes out of the first interface), else via the default gateway. False when there is
 * no route.
 */
bool ng_route(struct ng_stack *st, uint32_t dst, struct ng_iface **ifc, uint32_t *nexthop)
{
	struct ng_iface *i;

	if (dst == 0xffffffffu && st->n_ifaces) {
		*ifc = &st->ifaces[0];
		*nexthop = dst;
		return true;
	}
	i = ng_iface_for_subnet(st, dst);
	if (i) {
		*ifc = i;
		*nexthop = dst;
		return true;
	}
	if (st->gateway) {
		i = ng_iface_for_subnet(st, st->gateway);
		if (i) {
			*ifc = i;
			*nexthop = st->gateway;
			return true;
		}
	}
	return false;
}
