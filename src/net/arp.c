// SPDX-License-Identifier: MIT
/* ARP (RFC 826): the neighbour cache, answering for our addresses, and resolving next hops. */
#include <stdlib.h>

#include "net/net_internal.h"

/*
 * Theory of operation.
 *
 * The cache is a fixed array of cfg.arp_entries entries found through a keyed hash table of
 * chains (indices, no pointers, no allocation after create). An entry is INCOMPLETE while we ask
 * for a MAC and RESOLVED once it is known.
 *
 * Resolving: ng_arp_output on an unknown next hop creates an INCOMPLETE entry, broadcasts a
 * request and parks the datagram on the entry. Parked datagrams of all entries together are
 * bounded by cfg.arp_queue (beyond it: ARP_QUEUE_FULL). The entry's timer re-sends the request
 * every ARP_RETRY_NS; after ARP_TRIES requests without answer the parked datagrams are dropped as
 * ARP_UNRESOLVED (forwarded ones get an ICMP host unreachable, RFC 1812 4.3.3.1, via
 * ng_icmp_send_error, which refuses to send one to ourselves) and the entry is freed. A datagram
 * the NAT translated is first shown to the unreachable hook (ng_arp_set_unreach_hook), which
 * puts back the header its sender gave it: the error then quotes what the sender sent (RFC 5508)
 * and never an inside address; one the hook cannot restore gets no error at all.
 *
 * Learning follows RFC 826's merge rule: an ARP packet whose sender is in the cache refreshes
 * that entry (this is also how a gratuitous ARP updates a host that changed its MAC); one whose
 * target is our address adds the sender, and a request is answered. When the table is full, the
 * entry confirmed longest ago is evicted.
 *
 * Expiry: a RESOLVED entry lives cfg.arp_timeout_ns from its last confirmation. An entry nobody
 * sent through since then is simply freed. One in use is re-validated instead (RFC 1122
 * 2.3.2.1, unicast poll): it turns PROBE, keeps being used with the MAC it has, and up to
 * ARP_TRIES requests go to that MAC, ARP_RETRY_NS apart; any ARP from the neighbour makes it
 * RESOLVED again, silence frees it. So a busy flow never stalls behind a periodic re-resolution.
 */

#define ARP_TRIES    3
#define ARP_RETRY_NS (1 * NG_NS_PER_SEC)

enum arp_state { ARP_FREE, ARP_INCOMPLETE, ARP_RESOLVED, ARP_PROBE };

struct arp_entry {
	struct ng_timer timer; /* retry (INCOMPLETE) or expiry (RESOLVED) */
	struct ng_arp *arp;
	struct ng_iface *ifc;
	struct ng_pkt *qhead, *qtail; /* datagrams waiting for the MAC */
	uint64_t updated;             /* last created / confirmed */

	uint32_t ip;
	uint32_t next; /* hash chain or free list: index + 1, 0 ends */
	uint32_t qlen;
	uint8_t mac[6];
	uint8_t state;
	uint8_t tries;
	bool used; /* a datagram went through it since the last confirmation */
};

struct ng_arp {
	struct ng_stack *st;
	struct arp_entry *e;
	uint32_t *bucket; /* index + 1 of the first entry, 0 = empty */
	uint32_t n, nbuckets, count, queued;
	uint32_t free_head; /* index + 1 */
	uint64_t hseed;
	ng_arp_unreach_fn unreach; /* NULL: errors quote datagrams as they are */
	void *unreach_ctx;
};

static uint32_t bucket_of(const struct ng_arp *arp, uint32_t ip)
{
	return ng_hash32(&ip, sizeof(ip), arp->hseed) & (arp->nbuckets - 1);
}

static struct arp_entry *find(struct ng_arp *arp, uint32_t ip)
{
	uint32_t i = arp->bucket[bucket_of(arp, ip)];
	while (i) {
		struct arp_entry *e = &arp->e[i - 1];
		if (e->ip == ip)
			return e;
		i = e->next;
	}
	return NULL;
}

static void unlink_entry(struct ng_arp *arp, struct arp_entry *e)
{
	uint32_t idx = (uint32_t)(e - arp->e) + 1;
	uint32_t *pp = &arp->bucket[bucket_of(arp, e->ip)];
	while (*pp && *pp != idx)
		pp = &arp->e[*pp - 1].next;
	if (*pp)
		*pp = e->next;
}

/*
 * Release E. Its parked datagrams are dropped as WHY (NONE: freed silently, at teardown); with
 * ICMP set, each gets a host unreachable to its source. The entry is back on the free list before
 * any ICMP goes out, since sending one may need an entry of its own.
 */
static void entry_free(struct ng_arp *arp, struct arp_entry *e, enum ng_drop why, bool icmp)
{
	struct ng_stack *st = arp->st;
	struct ng_pkt *q = e->qhead, *p;

	ng_timer_cancel(st->timers, &e->timer);
	arp->queued -= e->qlen;
	e->qhead = e->qtail = NULL;
	e->qlen = 0;
	unlink_entry(arp, e);
	e->state = ARP_FREE;
	e->next = arp->free_head;
	arp->free_head = (uint32_t)(e - arp->e) + 1;
	arp->count--;
	while ((p = q) != NULL) {
		q = p->next;
		p->next = NULL;
		if (icmp && (!arp->unreach || arp->unreach(st, arp->unreach_ctx, p)))
			ng_icmp_send_error(st, p, NG_ICMP_DEST_UNREACH, NG_ICMP_HOST_UNREACH, 0);
		if (why == NG_DROP_NONE)
			ng_pkt_free(p);
		else
			ng_drop_pkt(st, p, why);
	}
}

static void entry_timer(struct ng_timer *t, uint64_t now);

/* A fresh entry for IP (not in the table), evicting the least recently confirmed when full. */
static struct arp_entry *entry_new(struct ng_arp *arp, uint32_t ip, struct ng_iface *ifc)
{
	struct arp_entry *e;
	uint32_t b;

	if (!arp->free_head) {
		struct arp_entry *old = NULL;
		for (uint32_t i = 0; i < arp->n; i++) {
			e = &arp->e[i];
			if (e->state != ARP_FREE && (!old || e->updated < old->updated))
				old = e;
		}
		entry_free(arp, old, NG_DROP_ARP_UNRESOLVED, false);
	}
	e = &arp->e[arp->free_head - 1];
	arp->free_head = e->next;
	memset(e, 0, sizeof(*e));
	ng_timer_init(&e->timer, entry_timer);
	e->arp = arp;
	e->ifc = ifc;
	e->ip = ip;
	e->updated = arp->st->now;
	b = bucket_of(arp, ip);
	e->next = arp->bucket[b];
	arp->bucket[b] = (uint32_t)(e - arp->e) + 1;
	arp->count++;
	return e;
}

/* Build and send an ARP packet of OP on IFC to Ethernet ETH_DST. */
static void arp_send(struct ng_stack *st, struct ng_iface *ifc, uint16_t op, const uint8_t tha[6],
                     uint32_t tpa, const uint8_t eth_dst[6])
{
	struct ng_arp_pkt a;
	struct ng_pkt *p = ng_stack_alloc(st);
	uint8_t *b;

	if (!p)
		return;
	b = ng_pkt_put(p, NG_ARP_LEN);
	a.op = op;
	memcpy(a.sha, ifc->mac, 6);
	a.spa = ifc->addr;
	memcpy(a.tha, tha, 6);
	a.tpa = tpa;
	ng_arp_emit(b, NG_ARP_LEN, &a);
	ng_count(st, NG_CNT_ARP_TX, 1);
	ng_eth_output(st, ifc, p, eth_dst, NG_ETH_P_ARP);
}

/* Ask for E's MAC: broadcast while unknown, unicast to the MAC we have when probing. */
static void send_request(struct ng_stack *st, struct arp_entry *e)
{
	static const uint8_t zero[6];
	arp_send(st, e->ifc, NG_ARP_REQUEST, zero, e->ip,
	         e->state == ARP_PROBE ? e->mac : ng_eth_broadcast);
}

/* Retry an unanswered request, give up after ARP_TRIES, or expire a resolved entry (probing it
 * first when it is in use). */
static void entry_timer(struct ng_timer *t, uint64_t now)
{
	struct arp_entry *e = ng_container_of(t, struct arp_entry, timer);
	struct ng_arp *arp = e->arp;

	if (e->state == ARP_RESOLVED && e->used) {
		e->state = ARP_PROBE;
		e->tries = 0;
	}
	if ((e->state == ARP_INCOMPLETE || e->state == ARP_PROBE) && e->tries < ARP_TRIES) {
		e->tries++;
		send_request(arp->st, e);
		ng_timer_arm(arp->st->timers, &e->timer, now + ARP_RETRY_NS);
		return;
	}
	entry_free(arp, e, NG_DROP_ARP_UNRESOLVED, e->state == ARP_INCOMPLETE);
}

/* Record IP at MAC on IFC as confirmed now, and send whatever waited for it. */
static void entry_resolve(struct ng_arp *arp, struct arp_entry *e, struct ng_iface *ifc,
                          const uint8_t mac[6])
{
	struct ng_stack *st = arp->st;
	struct ng_pkt *p;

	memcpy(e->mac, mac, 6);
	e->ifc = ifc;
	e->state = ARP_RESOLVED;
	e->updated = st->now;
	e->used = e->qhead != NULL;
	ng_timer_arm(st->timers, &e->timer, st->now + st->cfg.arp_timeout_ns);
	while ((p = e->qhead) != NULL) {
		e->qhead = p->next;
		p->next = NULL;
		arp->queued--;
		ng_eth_output(st, e->ifc, p, e->mac, NG_ETH_P_IPV4);
	}
	e->qtail = NULL;
	e->qlen = 0;
}

/* Addresses no host may claim as its own in ARP (RFC 1122 3.2.1.3 / RFC 5227 for 0). */
static bool bad_sender_ip(const struct ng_iface *ifc, uint32_t ip)
{
	uint8_t top = (uint8_t)(ip >> 24);
	if (top == 0 || top == 127 || top >= 224)
		return true;
	if (ifc->prefix_len < 31 && ip == (ifc->addr | ~ifc->mask))
		return true;
	return false;
}

/*
 * Does the sender hardware address agree with the Ethernet source of the frame that carried it?
 * A host's ARP always does. ARP has no checksum, so a disagreement means a damaged or forged
 * packet, and caching it would misdirect a neighbour's traffic for a whole entry lifetime.
 */
static bool sha_matches_frame(const struct ng_pkt *p, const struct ng_arp_pkt *a)
{
	struct ng_eth_hdr eh;

	if (p->l3 < NG_ETH_HLEN ||
	    ng_eth_parse(p->head + p->l3 - NG_ETH_HLEN, NG_ETH_HLEN, &eh) != NG_DROP_NONE)
		return true; /* no Ethernet header in front (a caller without one): nothing to check
		              */
	return memcmp(eh.src, a->sha, 6) == 0;
}

/*
 * An ARP packet on IFC (data at the ARP header). Learns per RFC 826, answers requests for IFC's
 * address (also RFC 5227 probes, whose sender address is 0: they are answered, not learnt from)
 * and drops what is malformed or forged, including a sender MAC that differs from the frame's
 * Ethernet source. Consumes P.
 */
void ng_arp_input(struct ng_stack *st, struct ng_iface *ifc, struct ng_pkt *p)
{
	static const uint8_t zero[6];
	struct ng_arp *arp = st->arp;
	struct ng_arp_pkt a;
	struct arp_entry *e;
	enum ng_drop why;
	bool for_us;

	why = ng_arp_parse(ng_pkt_data(p), p->len, &a);
	if (why != NG_DROP_NONE) {
		ng_drop_pkt(st, p, why);
		return;
	}
	ng_count(st, NG_CNT_ARP_RX, 1);
	if (ng_eth_is_multicast(a.sha) || memcmp(a.sha, zero, 6) == 0 ||
	    !sha_matches_frame(p, &a)) {
		ng_drop_pkt(st, p, NG_DROP_ARP_SRC_BAD);
		return;
	}
	for_us = ifc->addr && a.tpa == ifc->addr;
	if (a.spa == 0) {
		/* RFC 5227 2.1.1 probe: defend our address, learn nothing. */
		if (a.op == NG_ARP_REQUEST && for_us) {
			arp_send(st, ifc, NG_ARP_REPLY, a.sha, 0, a.sha);
			ng_pkt_free(p);
		} else {
			ng_drop_pkt(st, p,
			            a.op == NG_ARP_REQUEST ? NG_DROP_ARP_NOT_US
			                                   : NG_DROP_ARP_SRC_BAD);
		}
		return;
	}
	if (bad_sender_ip(ifc, a.spa) || ng_iface_by_addr(st, a.spa)) {
		/* A martian sender, or someone claiming one of our addresses: never cached. */
		if (ng_iface_by_addr(st, a.spa))
			ng_log(&st->log, NG_LOG_WARN, "arp: address conflict on %s", ifc->name);
		ng_drop_pkt(st, p, NG_DROP_ARP_SRC_BAD);
		return;
	}
	/* RFC 826 merge: refresh a known sender whatever the target. */
	e = find(arp, a.spa);
	if (e)
		entry_resolve(arp, e, ifc, a.sha);
	if (!for_us) {
		if (e)
			ng_pkt_free(p);
		else
			ng_drop_pkt(st, p, NG_DROP_ARP_NOT_US);
		return;
	}
	if (!e) {
		e = entry_new(arp, a.spa, ifc);
		entry_resolve(arp, e, ifc, a.sha);
	}
	if (a.op == NG_ARP_REQUEST)
		arp_send(st, ifc, NG_ARP_REPLY, a.sha, a.spa, a.sha);
	ng_pkt_free(p);
}

/*
 * Send IPv4 datagram P (data at the IP header) to NEXTHOP on IFC: broadcast and multicast map to
 * their MACs directly (RFC 1112 6.4), a known neighbour gets it now, an unknown one is asked for
 * and P waits. Consumes P. 0 when sent or parked; -NG_ENOBUFS when the parking queue is full.
 */
int ng_arp_output(struct ng_stack *st, struct ng_iface *ifc, struct ng_pkt *p, uint32_t nexthop)
{
	struct ng_arp *arp = st->arp;
	struct arp_entry *e;

	if (nexthop == 0xffffffffu || (ifc->prefix_len < 31 && nexthop == (ifc->addr | ~ifc->mask)))
		return ng_eth_output(st, ifc, p, ng_eth_broadcast, NG_ETH_P_IPV4);
	if ((nexthop >> 28) == 0xe) {
		uint8_t mac[6] = {0x01,
		                  0x00,
		                  0x5e,
		                  (uint8_t)((nexthop >> 16) & 0x7f),
		                  (uint8_t)(nexthop >> 8),
		                  (uint8_t)nexthop};
		return ng_eth_output(st, ifc, p, mac, NG_ETH_P_IPV4);
	}
	e = find(arp, nexthop);
	if (e && (e->state == ARP_RESOLVED || e->state == ARP_PROBE)) {
		e->used = true;
		return ng_eth_output(st, ifc, p, e->mac, NG_ETH_P_IPV4);
	}
	if (arp->queued >= st->cfg.arp_queue) {
		ng_drop_pkt(st, p, NG_DROP_ARP_QUEUE_FULL);
		return -NG_ENOBUFS;
	}
	if (!e) {
		e = entry_new(arp, nexthop, ifc);
		e->state = ARP_INCOMPLETE;
		e->tries = 1;
		send_request(st, e);
		ng_timer_arm(st->timers, &e->timer, st->now + ARP_RETRY_NS);
	}
	p->next = NULL;
	if (e->qtail)
		e->qtail->next = p;
	else
		e->qhead = p;
	e->qtail = p;
	e->qlen++;
	arp->queued++;
	return 0;
}

/* RFC 5227 2.3 announcement: a request with our address as both sender and target. */
void ng_arp_announce(struct ng_stack *st, struct ng_iface *ifc)
{
	static const uint8_t zero[6];
	if (ifc->addr)
		arp_send(st, ifc, NG_ARP_REQUEST, zero, ifc->addr, ng_eth_broadcast);
}

/* The MAC of a resolved neighbour IP into MAC; false when unknown or still being asked for. */
bool ng_arp_lookup(struct ng_stack *st, uint32_t ip, uint8_t mac[6])
{
	struct arp_entry *e = find(st->arp, ip);
	if (!e || (e->state != ARP_RESOLVED && e->state != ARP_PROBE))
		return false;
	memcpy(mac, e->mac, 6);
	return true;
}

/* Entries in use, resolved or being resolved. */
size_t ng_arp_count(struct ng_stack *st)
{
	return st->arp->count;
}

/* Allocate the cache: cfg.arp_entries entries and a power-of-two bucket array. */
int ng_arp_create(struct ng_stack *st)
{
	struct ng_arp *arp = calloc(1, sizeof(*arp));
	uint32_t n = st->cfg.arp_entries ? st->cfg.arp_entries : 1;

	if (!arp)
		return -NG_ENOMEM;
	arp->st = st;
	arp->n = n;
	arp->nbuckets = 16;
	while (arp->nbuckets < n && arp->nbuckets < (1u << 20))
		arp->nbuckets <<= 1;
	arp->e = calloc(n, sizeof(*arp->e));
	arp->bucket = calloc(arp->nbuckets, sizeof(*arp->bucket));
	if (!arp->e || !arp->bucket) {
		free(arp->e);
		free(arp->bucket);
		free(arp);
		return -NG_ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++)
		arp->e[i].next = i + 2 <= n ? i + 2 : 0;
	arp->free_head = 1;
	memcpy(&arp->hseed, st->secret, sizeof(arp->hseed));
	st->arp = arp;
	return 0;
}

/* Free the cache and every datagram still waiting for resolution. */
void ng_arp_destroy(struct ng_stack *st)
{
	struct ng_arp *arp = st->arp;

	for (uint32_t i = 0; i < arp->n; i++)
		if (arp->e[i].state != ARP_FREE)
			entry_free(arp, &arp->e[i], NG_DROP_NONE, false);
	free(arp->e);
	free(arp->bucket);
	free(arp);
	st->arp = NULL;
}

/* Install FN (NULL: none) to see each datagram ARP gives up on before the host unreachable about
 * it is sent; the NAT uses it to undo its translation (see the theory of operation). */
void ng_arp_set_unreach_hook(struct ng_stack *st, ng_arp_unreach_fn fn, void *ctx)
{
	st->arp->unreach = fn;
	st->arp->unreach_ctx = ctx;
}
