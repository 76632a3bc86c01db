// SPDX-License-Identifier: MIT
/* The stack object: creation from a configuration, interfaces, input, timers and teardown. */
#include <stdlib.h>
#include <stdio.h>

#include "net/net_internal.h"
#include "udp/udp_internal.h"
#include "tcp/tcp_internal.h"

/* Fill C with the defaults documented in stack.h. */
void ng_stack_config_default(struct ng_stack_config *c)
{
	memset(c, 0, sizeof(*c));
	c->seed = 1;
	c->pkt_count = 1024;
	c->pkt_size = NG_PKT_DEFAULT_SIZE;
	c->arp_entries = 256;
	c->arp_queue = 64;
	c->arp_timeout_ns = 60 * NG_NS_PER_SEC;
	c->reasm_slots = 16;
	c->reasm_max_bytes = 1u << 20;
	c->reasm_timeout_ns = 30 * NG_NS_PER_SEC;
	c->udp_sockets = 64;
	c->icmp_rate = 100;
	c->icmp_burst = 50;
	c->log_level = NG_LOG_WARN;
	c->tcp_max_conns = 4096;
	c->tcp_msl_ns = 30 * NG_NS_PER_SEC;
	c->tcp_mem_max = 256ull << 20;
	c->tcp_syn_retries = 6;
	c->tcp_retries = 12;
	c->tcp_delack_ns = 40 * NG_NS_PER_MS;
	c->tcp_rfc5961 = true;
}

/* Allocate a stack and every pool it will use; 0 or a negative error (nothing leaks). */
int ng_stack_create(const struct ng_stack_config *c, struct ng_stack **out)
{
	struct ng_stack *st;

	if (!c || !out || c->pkt_count == 0 || c->pkt_size < NG_PKT_HEADROOM + 128)
		return -NG_EINVAL;
	if (c->pkt_large_count && c->pkt_large_size <= c->pkt_size)
		return -NG_EINVAL; /* the large class must be larger */
	st = calloc(1, sizeof(*st));
	if (!st)
		return -NG_ENOMEM;
	st->cfg = *c;
	st->log.level = c->log_level;
	st->log.fn = c->log_fn;
	st->log.ctx = c->log_ctx;
	ng_rng_seed(&st->rng, c->seed);
	ng_rng_bytes(&st->rng, st->secret, sizeof(st->secret));
	st->ip_id = (uint16_t)ng_rng_next(&st->rng);
	st->icmp_tokens = c->icmp_burst;
	st->pool = ng_pktpool_create2(c->pkt_count, c->pkt_size, c->pkt_large_count,
	                              c->pkt_large_count ? c->pkt_large_size : 0);
	st->timers = ng_timers_create();
	if (!st->pool || !st->timers || ng_arp_create(st) || ng_reasm_create(st) ||
	    ng_udp_create(st) || ng_tcp_create(st)) {
		ng_stack_destroy(st);
		return -NG_ENOMEM;
	}
	*out = st;
	return 0;
}

/* Tear down in reverse order of creation; returns packets still held (a leak when > 0). */
uint32_t ng_stack_destroy(struct ng_stack *st)
{
	uint32_t leaked = 0;

	if (!st)
		return 0;
	if (st->tcp)
		ng_tcp_destroy(st);
	if (st->udp)
		ng_udp_destroy(st);
	if (st->reasm)
		ng_reasm_destroy(st);
	if (st->arp)
		ng_arp_destroy(st);
	if (st->timers)
		ng_timers_destroy(st->timers);
	if (st->pool)
		leaked = ng_pktpool_destroy(st->pool);
	free(st);
	return leaked;
}

/* Attach LINK as interface; the MAC and MTU come from the link unless configured. */
int ng_stack_add_iface(struct ng_stack *st, const struct ng_iface_config *c, struct ng_link *link,
                       struct ng_iface **out)
{
	static const uint8_t zero[6];
	struct ng_iface *ifc;

	if (st->n_ifaces >= NG_MAX_IFACES || !link || c->prefix_len > 32)
		return -NG_EINVAL;
	ifc = &st->ifaces[st->n_ifaces];
	memset(ifc, 0, sizeof(*ifc));
	ifc->st = st;
	ifc->index = st->n_ifaces;
	snprintf(ifc->name, sizeof(ifc->name), "%.15s", c->name[0] ? c->name : link->name);
	memcpy(ifc->mac, memcmp(c->mac, zero, 6) ? c->mac : link->mac, 6);
	ifc->addr = c->addr;
	ifc->prefix_len = c->prefix_len;
	ifc->mask = c->prefix_len ? ~0u << (32 - c->prefix_len) : 0;
	ifc->mtu = c->mtu ? c->mtu : link->mtu;
	/* A frame of the full MTU must fit some buffer; with two classes it may take a large one.
	 */
	if (ifc->mtu < 68 ||
	    ifc->mtu + NG_ETH_HLEN + NG_PKT_HEADROOM > ng_pktpool_maxsize(st->pool))
		return -NG_EINVAL;
	ifc->link = link;
	st->n_ifaces++;
	if (out)
		*out = ifc;
	return 0;
}

/* The default route's next hop; it must be reachable on a connected subnet. */
int ng_stack_set_gateway(struct ng_stack *st, uint32_t gw)
{
	if (gw && !ng_iface_for_subnet(st, gw))
		return -NG_EINVAL;
	st->gateway = gw;
	return 0;
}

/* A frame from IFC's link enters the Ethernet layer; consumes P. */
void ng_stack_input(struct ng_stack *st, struct ng_iface *ifc, struct ng_pkt *p)
{
	p->ifc = ifc;
	p->ts = st->now;
	ng_count(st, NG_CNT_RX_FRAMES, 1);
	ng_count(st, NG_CNT_RX_BYTES, p->len);
	ng_eth_input(st, ifc, p);
}

/* Move the clock forward and fire what is due. Frames handed in by ng_stack_input since the
 * last pump or poll end their batch here: the ACKs TCP deferred go out first. */
void ng_stack_poll(struct ng_stack *st, uint64_t now)
{
	ng_tcp_flush_acks(st);
	if (now > st->now)
		st->now = now;
	ng_timers_run(st->timers, st->now);
}

uint64_t ng_stack_deadline(const struct ng_stack *st)
{
	return ng_timers_next(st->timers);
}

uint64_t ng_stack_now(const struct ng_stack *st)
{
	return st->now;
}

/* Drain each link's ready frames into the stack, at most BUDGET in all. The frames of one pump
 * are one batch: TCP answers the in-order data of a connection with one ACK at the end (RFC 5681
 * 4.2's every-second-segment rule is met by the batch's last ACK, as with Linux's GRO), while
 * out-of-order and duplicate segments are still acknowledged at once. */
unsigned ng_stack_pump(struct ng_stack *st, unsigned budget)
{
	unsigned n = 0, i;
	bool more = true;

	if (!budget)
		budget = 256;
	for (i = 0; i < st->n_ifaces; i++)
		ng_link_poll(st->ifaces[i].link, st->now);
	if (st->tcp)
		st->tcp->in_batch = true; /* until ng_tcp_flush_acks */
	while (more && n < budget) {
		more = false;
		for (i = 0; i < st->n_ifaces && n < budget; i++) {
			struct ng_iface *ifc = &st->ifaces[i];
			struct ng_pkt *p = ng_link_recv(ifc->link, st->pool, st->now);
			if (!p)
				continue;
			ng_stack_input(st, ifc, p);
			n++;
			more = true;
		}
	}
	ng_tcp_flush_acks(st);
	return n;
}

struct ng_pktpool *ng_stack_pool(struct ng_stack *st)
{
	return st->pool;
}

const struct ng_stats *ng_stack_stats(const struct ng_stack *st)
{
	return &st->stats;
}

struct ng_link *ng_iface_link(const struct ng_iface *ifc)
{
	return ifc->link;
}

uint32_t ng_iface_addr(const struct ng_iface *ifc)
{
	return ifc->addr;
}

struct ng_iface *ng_stack_iface(struct ng_stack *st, unsigned n)
{
	return n < st->n_ifaces ? &st->ifaces[n] : NULL;
}

char *ng_ip4_str(uint32_t a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

/* Strict dotted-quad parser: four decimal parts 0..255, optional "/0..32" when PREFIX given. */
int ng_ip4_parse(const char *s, uint32_t *addr, uint8_t *prefix)
{
	uint32_t a = 0;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || digits > 3 || v > 255)
			return -NG_EINVAL;
		a = (a << 8) | v;
		if (part < 3 && *s++ != '.')
			return -NG_EINVAL;
	}
	if (*s == '/') {
		unsigned v = 0, digits = 0;
		if (!prefix)
			return -NG_EINVAL;
		s++;
		while (*s >= '0' && *s <= '9' && digits < 3) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || v > 32 || *s)
			return -NG_EINVAL;
		*prefix = (uint8_t)v;
	} else if (*s) {
		return -NG_EINVAL;
	} else if (prefix) {
		*prefix = 32;
	}
	*addr = a;
	return 0;
}
