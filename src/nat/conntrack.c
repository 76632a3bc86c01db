// SPDX-License-Identifier: MIT
/* Connection tracking for the NAT: the mapping and flow tables, their lookups, and expiry. */
/*
 * Theory of operation.
 *
 * Two pools are allocated when the NAT is created and never grow: flows (sessions) and mappings.
 * A mapping binds an inside endpoint (proto, address, port or ICMP identifier) to an outside port
 * of the public address; a flow is one mapping talking to one remote endpoint. Each is hashed
 * twice, like pf's stack and wire keys:
 *
 *   flow, inside key   (proto, in_addr, in_port, rem_addr, rem_port)  packets from the LAN
 *   flow, outside key  (proto, rem_addr, out_port), chain compares rem_port   packets from the WAN
 *   mapping, inside    (proto, in_addr, in_port)  endpoint-independent mapping (RFC 4787 REQ-1)
 *   mapping, outside   (proto, out_port)          port ownership (no overloading), open filtering
 *
 * The outside flow key leaves out the remote port on purpose: address-dependent filtering asks
 * "did this mapping talk to that address at all?", answered by walking one short chain. For a
 * forwarded public port (never filtered) the remote port is hashed as well, or its many clients,
 * often from one address, would all share a single chain.
 *
 * Expiry is O(1) per flow without a table scan: every flow sits on the list of its timeout class
 * (TCP established, TCP transitory, TCP after RST, UDP, ICMP), and all flows of a class share
 * one idle timeout, so a list kept in order of last activity (a touched flow moves to the tail)
 * is also in order of expiry. One stack timer is armed for the earliest head; when it fires the
 * expired heads are popped. A flow's mapping dies with its last flow.
 *
 * Lifecycle of a flow: created by the first packet allowed to create it (TCP: a SYN; UDP: any;
 * ICMP: an echo request from inside) -> class follows the TCP tracker's states on every accepted
 * segment (out-of-window or invalid segments move nothing) -> expired by its class's idle
 * timeout, or, for a finished TCP connection (after RST or both FINs), reclaimed early when the
 * table is full and a new flow needs the slot. ICMP errors never touch a flow (RFC 5382 REQ-10:
 * no ICMP message tears down a mapping).
 *
 * Memory: the pools are allocated whole at creation but slots are handed out from a high-water
 * mark (freed slots first), so pages of a table that never filled are never touched. A flow is
 * 92 bytes (52 of them the packed TCP tracker), a mapping 24 (one per flow at worst), the four
 * bucket arrays 4 to 8 per flow, the rest (per-host counters, held SYNs, forward bitmaps) a
 * fixed few kB: 125 bytes per flow at the default 65536 flows, as `natgate stats` reports
 * (everything allocated, divided by --max-flows).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "nat/nat_internal.h"

struct flow_in_key {
	uint32_t in_addr, rem_addr;
	uint16_t in_port, rem_port;
	uint32_t proto;
};
struct flow_out_key {
	uint32_t rem_addr;
	uint16_t out_port;
	uint16_t proto;
	uint32_t rem_port; /* only for forwarded ports, else 0 */
};
struct map_in_key {
	uint32_t in_addr;
	uint16_t in_port;
	uint16_t proto;
};

static uint32_t h_flow_in(const struct ng_nat *n, uint8_t proto, uint32_t in_addr, uint16_t in_port,
                          uint32_t rem_addr, uint16_t rem_port)
{
	struct flow_in_key k = {in_addr, rem_addr, in_port, rem_port, proto};
	return ng_hash32(&k, sizeof(k), n->hseed) & n->fmask;
}

/* Is PORT of PROTO a forwarded public port? (a bitmap built from the configuration) */
static bool port_forwarded(const struct ng_nat *n, uint8_t proto, uint16_t port)
{
	const uint8_t *bits = n->fwd_bits[proto == NG_IP_PROTO_UDP];

	return proto != NG_IP_PROTO_ICMP && (bits[port >> 3] >> (port & 7)) & 1;
}

/*
 * The outside key hashes the remote address and the public port, and the remote port only when
 * the public port is a forwarded one: a mapping's flows to one address share a chain, so
 * address-dependent filtering finds them there, while the many clients of a forward (often one
 * address, many ports) spread over the table instead of piling up in one chain.
 */
static uint32_t h_flow_out(const struct ng_nat *n, uint8_t proto, uint32_t rem_addr,
                           uint16_t rem_port, uint16_t out_port)
{
	struct flow_out_key k = {rem_addr, out_port, proto,
	                         port_forwarded(n, proto, out_port) ? rem_port : 0u};
	return ng_hash32(&k, sizeof(k), n->hseed ^ 1) & n->fmask;
}

static uint32_t h_map_in(const struct ng_nat *n, uint8_t proto, uint32_t in_addr, uint16_t in_port)
{
	struct map_in_key k = {in_addr, in_port, proto};
	return ng_hash32(&k, sizeof(k), n->hseed ^ 2) & n->mmask;
}

static uint32_t h_map_out(const struct ng_nat *n, uint8_t proto, uint16_t out_port)
{
	uint32_t k = ((uint32_t)proto << 16) | out_port;
	return ng_hash32(&k, sizeof(k), n->hseed ^ 3) & n->mmask;
}

/* Milliseconds since the NAT's epoch, truncated to 32 bits (ages are taken modulo 2^32). */
uint32_t nat_now_ms(const struct ng_nat *n)
{
	return (uint32_t)((n->st->now - n->epoch) / NG_NS_PER_MS);
}

void nat_logf(struct ng_nat *n, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!n->cfg.log_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n->cfg.log_fn(n->cfg.log_ctx, line);
}

static const char *proto_name(uint8_t proto)
{
	return proto == NG_IP_PROTO_TCP ? "tcp" : proto == NG_IP_PROTO_UDP ? "udp" : "icmp";
}

/* One log line for F: "WHAT tcp 192.168.1.10:40000 203.0.113.2:40000 198.51.100.5:80 STATE". */
void nat_flow_log(struct ng_nat *n, const struct nat_flow *f, const char *what)
{
	const struct nat_map *m = nat_flow_map(n, f);
	char a[16], b[16], c[16];

	nat_logf(n, "%s %s%s %s:%u %s:%u %s:%u %s", what, proto_name(m->proto),
	         (f->flags & NAT_F_INBOUND) ? " in" : " out", ng_ip4_str(m->in_addr, a), m->in_port,
	         ng_ip4_str(n->pub, b), m->out_port, ng_ip4_str(f->rem_addr, c), f->rem_port,
	         nat_flow_state(n, f));
}

/* The state shown for F: the TCP tracker's view, or whether a UDP/ICMP flow saw a reply. */
const char *nat_flow_state(const struct ng_nat *n, const struct nat_flow *f)
{
	const struct nat_map *m = nat_flow_map(n, f);

	if (m->proto != NG_IP_PROTO_TCP)
		return (f->flags & NAT_F_REPLIED) ? "REPLIED" : "UNREPLIED";
	if (f->trk.reset)
		return "CLOSE";
	if (ng_tcp_track_established(&f->trk))
		return "ESTABLISHED";
	return ng_tcp_state_name(f->trk.side[NG_TRACK_ORIG].state);
}

struct nat_flow *nat_flow_lookup_in(struct ng_nat *n, uint8_t proto, uint32_t in_addr,
                                    uint16_t in_port, uint32_t rem_addr, uint16_t rem_port)
{
	uint32_t i = n->fh_in[h_flow_in(n, proto, in_addr, in_port, rem_addr, rem_port)];

	while (i != NAT_NONE) {
		struct nat_flow *f = &n->flows[i];
		const struct nat_map *m = &n->maps[f->map];
		if (f->rem_addr == rem_addr && f->rem_port == rem_port && m->in_addr == in_addr &&
		    m->in_port == in_port && m->proto == proto)
			return f;
		i = f->in_next;
	}
	return NULL;
}

struct nat_flow *nat_flow_lookup_out(struct ng_nat *n, uint8_t proto, uint32_t rem_addr,
                                     uint16_t rem_port, uint16_t out_port)
{
	uint32_t i = n->fh_out[h_flow_out(n, proto, rem_addr, rem_port, out_port)];

	while (i != NAT_NONE) {
		struct nat_flow *f = &n->flows[i];
		const struct nat_map *m = &n->maps[f->map];
		if (f->rem_addr == rem_addr && f->rem_port == rem_port && m->out_port == out_port &&
		    m->proto == proto)
			return f;
		i = f->out_next;
	}
	return NULL;
}

bool nat_flow_addr_known(struct ng_nat *n, uint8_t proto, uint32_t rem_addr, uint16_t out_port)
{
	uint32_t i = n->fh_out[h_flow_out(n, proto, rem_addr, 0, out_port)];

	/* only asked about ordinary mappings, whose flows hash without the remote port */
	while (i != NAT_NONE) {
		const struct nat_flow *f = &n->flows[i];
		const struct nat_map *m = &n->maps[f->map];
		if (f->rem_addr == rem_addr && m->out_port == out_port && m->proto == proto)
			return true;
		i = f->out_next;
	}
	return false;
}

struct nat_map *nat_map_lookup_in(struct ng_nat *n, uint8_t proto, uint32_t in_addr,
                                  uint16_t in_port)
{
	uint32_t i = n->mh_in[h_map_in(n, proto, in_addr, in_port)];

	while (i != NAT_NONE) {
		struct nat_map *m = &n->maps[i];
		/* a forward's mapping is found through its port only: the same inside endpoint
		 * may also own an ordinary mapping for its own outbound traffic */
		if (m->in_addr == in_addr && m->in_port == in_port && m->proto == proto && !m->fwd)
			return m;
		i = m->in_next;
	}
	return NULL;
}

struct nat_map *nat_map_lookup_out(struct ng_nat *n, uint8_t proto, uint16_t out_port)
{
	uint32_t i = n->mh_out[h_map_out(n, proto, out_port)];

	while (i != NAT_NONE) {
		struct nat_map *m = &n->maps[i];
		if (m->out_port == out_port && m->proto == proto)
			return m;
		i = m->out_next;
	}
	return NULL;
}

/* Unlink index I from the chain starting at *HEAD whose links live at NEXT_OF(i). */
#define CHAIN_REMOVE(head, idx, arr, field)                                                        \
	do {                                                                                       \
		uint32_t *pp_ = (head);                                                            \
		while (*pp_ != NAT_NONE && *pp_ != (idx))                                          \
			pp_ = &(arr)[*pp_].field;                                                  \
		if (*pp_ == (idx))                                                                 \
			*pp_ = (arr)[idx].field;                                                   \
	} while (0)

/* Is OUT_PORT free for a new mapping of PROTO: unowned and not reserved by a forward? */
static bool port_free(struct ng_nat *n, uint8_t proto, uint16_t port)
{
	if (proto != NG_IP_PROTO_ICMP && port == 0)
		return false;
	if (nat_forward_find(n, proto, port))
		return false;
	return nat_map_lookup_out(n, proto, port) == NULL;
}

/*
 * RFC 4787 REQ-3 / RFC 6056: keep the inside port when it is free (port preservation), else
 * draw random ports (Algorithm 1, simple random selection) from 1024..65535, then walk the range
 * from a random start so a free port is always found while one exists. 0 when none is free.
 */
static uint16_t choose_port(struct ng_nat *n, uint8_t proto, uint16_t in_port)
{
	const uint32_t lo = 1024, count = 65536 - 1024;
	uint32_t i, start;

	if (port_free(n, proto, in_port))
		return in_port;
	for (i = 0; i < 32; i++) {
		uint16_t p = (uint16_t)(lo + ng_rng_below(&n->st->rng, count));
		if (port_free(n, proto, p))
			return p;
	}
	start = ng_rng_below(&n->st->rng, count);
	for (i = 0; i < count; i++) {
		uint16_t p = (uint16_t)(lo + (start + i) % count);
		if (port_free(n, proto, p))
			return p;
	}
	return 0;
}

static uint32_t *host_slot(struct ng_nat *n, uint32_t in_addr)
{
	return &n->host_count[in_addr & n->host_mask];
}

static struct nat_map *map_create(struct ng_nat *n, uint8_t proto, uint32_t in_addr,
                                  uint16_t in_port, uint16_t out_port, bool fwd)
{
	uint32_t i = n->free_map, h;
	struct nat_map *m;

	if (i != NAT_NONE)
		n->free_map = n->maps[i].in_next;
	else if (n->map_top < n->max_flows)
		i = n->map_top++;
	else
		return NULL;
	m = &n->maps[i];
	memset(m, 0, sizeof(*m));
	m->in_addr = in_addr;
	m->in_port = in_port;
	m->out_port = out_port;
	m->proto = proto;
	m->fwd = fwd;
	h = h_map_in(n, proto, in_addr, in_port);
	m->in_next = n->mh_in[h];
	n->mh_in[h] = i;
	h = h_map_out(n, proto, out_port);
	m->out_next = n->mh_out[h];
	n->mh_out[h] = i;
	n->n_maps++;
	return m;
}

static void map_release(struct ng_nat *n, uint32_t i)
{
	struct nat_map *m = &n->maps[i];

	if (--m->nflows)
		return;
	CHAIN_REMOVE(&n->mh_in[h_map_in(n, m->proto, m->in_addr, m->in_port)], i, n->maps, in_next);
	CHAIN_REMOVE(&n->mh_out[h_map_out(n, m->proto, m->out_port)], i, n->maps, out_next);
	m->in_next = n->free_map;
	n->free_map = i;
	n->n_maps--;
}

/* ---- timeout-class lists and the expiry timer ---- */

static uint64_t flow_expiry_ns(const struct ng_nat *n, const struct nat_flow *f)
{
	uint32_t age = nat_now_ms(n) - f->last_ms;
	uint64_t now = n->st->now;
	uint64_t t = n->tmo_ns[f->tclass];
	uint64_t since = (uint64_t)age * NG_NS_PER_MS + (now - n->epoch) % NG_NS_PER_MS;

	return since >= t ? now : now + (t - since);
}

static void lru_unlink(struct ng_nat *n, uint32_t i)
{
	struct nat_flow *f = &n->flows[i];
	uint8_t c = f->tclass;

	if (f->lru_prev != NAT_NONE)
		n->flows[f->lru_prev].lru_next = f->lru_next;
	else
		n->lru_head[c] = f->lru_next;
	if (f->lru_next != NAT_NONE)
		n->flows[f->lru_next].lru_prev = f->lru_prev;
	else
		n->lru_tail[c] = f->lru_prev;
}

static void lru_append(struct ng_nat *n, uint32_t i, uint8_t c)
{
	struct nat_flow *f = &n->flows[i];

	f->tclass = c;
	f->lru_next = NAT_NONE;
	f->lru_prev = n->lru_tail[c];
	if (f->lru_prev != NAT_NONE)
		n->flows[f->lru_prev].lru_next = i;
	else
		n->lru_head[c] = i;
	n->lru_tail[c] = i;
}

/* Arm the expiry timer for the earliest head of any class. */
static void timer_rearm(struct ng_nat *n)
{
	uint64_t when = UINT64_MAX;
	int c;

	for (c = 0; c < NG_NAT_T_MAX; c++) {
		if (n->lru_head[c] == NAT_NONE)
			continue;
		uint64_t e = flow_expiry_ns(n, &n->flows[n->lru_head[c]]);
		if (e < when)
			when = e;
	}
	if (when == UINT64_MAX)
		ng_timer_cancel(n->st->timers, &n->timer);
	else if (!ng_timer_armed(&n->timer) || n->timer.expires != when)
		ng_timer_arm(n->st->timers, &n->timer, when);
}

static void flow_free(struct ng_nat *n, uint32_t i)
{
	struct nat_flow *f = &n->flows[i];
	struct nat_map *m = &n->maps[f->map];
	uint32_t *hc;

	lru_unlink(n, i);
	CHAIN_REMOVE(
	    &n->fh_in[h_flow_in(n, m->proto, m->in_addr, m->in_port, f->rem_addr, f->rem_port)], i,
	    n->flows, in_next);
	CHAIN_REMOVE(&n->fh_out[h_flow_out(n, m->proto, f->rem_addr, f->rem_port, m->out_port)], i,
	             n->flows, out_next);
	hc = host_slot(n, m->in_addr);
	if (*hc)
		(*hc)--;
	map_release(n, f->map);
	f->tclass = NAT_TFREE;
	f->in_next = n->free_flow;
	n->free_flow = i;
	n->n_flows--;
}

/*
 * When the table is full, reclaim the flow that has been over the longest: the oldest of the
 * class of TCP connections ended by a RST or by both FINs. Its connection is finished, so only
 * late duplicates could still want it; keeping it would refuse a live new flow instead (Linux's
 * conntrack drops such entries early too). Called before a packet's lookups, so no pointer into
 * the table is held across it.
 */
void nat_make_room(struct ng_nat *n)
{
	uint32_t i = n->lru_head[NG_NAT_T_TCP_RST];

	if (n->n_flows < n->max_flows || i == NAT_NONE)
		return;
	if (n->cfg.log_flows)
		nat_flow_log(n, &n->flows[i], "evict");
	n->evicted++;
	flow_free(n, i);
	timer_rearm(n);
}

/* The expiry timer: pop every expired head of every class, then re-arm for the next one. */
static void expiry_fire(struct ng_timer *t, uint64_t now)
{
	struct ng_nat *n = ng_container_of(t, struct ng_nat, timer);
	int c;

	(void)now;
	for (c = 0; c < NG_NAT_T_MAX; c++) {
		while (n->lru_head[c] != NAT_NONE) {
			uint32_t i = n->lru_head[c];
			struct nat_flow *f = &n->flows[i];
			if (flow_expiry_ns(n, f) > n->st->now)
				break;
			if (n->cfg.log_flows)
				nat_flow_log(n, f, "expire");
			ng_count(n->st, NG_CNT_NAT_FLOWS_EXPIRED, 1);
			flow_free(n, i);
		}
	}
	timer_rearm(n);
}

void nat_flow_touch(struct ng_nat *n, struct nat_flow *f, enum ng_nat_tclass c)
{
	uint32_t i = (uint32_t)(f - n->flows);
	uint8_t old = f->tclass;
	bool rearm;

	f->last_ms = nat_now_ms(n);
	/* already the newest of its class: nothing moves (the common case on a busy flow) */
	if (old == c && n->lru_tail[c] == i)
		return;
	rearm = n->lru_head[old] == i || n->lru_head[c] == NAT_NONE;
	lru_unlink(n, i);
	lru_append(n, i, (uint8_t)c);
	if (rearm || n->tmo_ns[c] < n->tmo_ns[old])
		timer_rearm(n);
}

struct nat_flow *nat_flow_create(struct ng_nat *n, uint8_t proto, uint32_t in_addr,
                                 uint16_t in_port, uint32_t rem_addr, uint16_t rem_port,
                                 uint16_t fwd_port, uint8_t flags, enum ng_drop *why)
{
	struct nat_map *m;
	struct nat_flow *f;
	uint32_t i, h, *hc = host_slot(n, in_addr);
	uint32_t quota = n->cfg.max_flows_per_host ? n->cfg.max_flows_per_host : n->max_flows;

	if (n->n_flows >= n->max_flows) {
		*why = NG_DROP_NAT_TABLE_FULL;
		goto refuse;
	}
	if (*hc >= quota) {
		*why = NG_DROP_NAT_HOST_QUOTA;
		goto refuse;
	}
	if (fwd_port) {
		m = nat_map_lookup_out(n, proto, fwd_port);
		if (!m)
			m = map_create(n, proto, in_addr, in_port, fwd_port, true);
	} else {
		m = nat_map_lookup_in(n, proto, in_addr, in_port);
		if (!m) {
			uint16_t port = choose_port(n, proto, in_port);
			if (!port && !(proto == NG_IP_PROTO_ICMP && port_free(n, proto, 0))) {
				*why = NG_DROP_NAT_NO_PORT;
				goto refuse;
			}
			m = map_create(n, proto, in_addr, in_port, port, false);
		}
	}
	if (!m) {
		*why = NG_DROP_NAT_TABLE_FULL;
		goto refuse;
	}
	/* a freed slot first, else one never used (untouched pages stay out of memory until the
	 * table really fills) */
	if (n->free_flow != NAT_NONE) {
		i = n->free_flow;
		n->free_flow = n->flows[i].in_next;
	} else {
		i = n->flow_top++;
	}
	f = &n->flows[i];
	memset(f, 0, sizeof(*f));
	f->map = (uint32_t)(m - n->maps);
	f->rem_addr = rem_addr;
	f->rem_port = rem_port;
	f->flags = flags;
	f->last_ms = nat_now_ms(n);
	ng_tcp_track_init(&f->trk);
	m->nflows++;
	(*hc)++;
	h = h_flow_in(n, proto, in_addr, in_port, rem_addr, rem_port);
	f->in_next = n->fh_in[h];
	n->fh_in[h] = i;
	h = h_flow_out(n, proto, rem_addr, rem_port, m->out_port);
	f->out_next = n->fh_out[h];
	n->fh_out[h] = i;
	n->n_flows++;
	f->tclass = proto == NG_IP_PROTO_TCP   ? NG_NAT_T_TCP_TRANS
	            : proto == NG_IP_PROTO_UDP ? NG_NAT_T_UDP
	                                       : NG_NAT_T_ICMP;
	{
		bool rearm = n->lru_head[f->tclass] == NAT_NONE;
		lru_append(n, i, f->tclass);
		if (rearm)
			timer_rearm(n);
	}
	ng_count(n->st, NG_CNT_NAT_FLOWS_CREATED, 1);
	f->flags |= NAT_F_NEW; /* logged by the caller once its first packet was tracked */
	return f;
refuse:
	n->refused++;
	return NULL;
}

void ng_nat_config_default(struct ng_nat_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_flows = 65536;
	c->filter = NG_NAT_FILTER_ADDRESS;
	c->timeout_s[NG_NAT_T_TCP_EST] = 7440;  /* RFC 5382 REQ-5: 2 h 4 min */
	c->timeout_s[NG_NAT_T_TCP_TRANS] = 240; /* RFC 5382 REQ-5 / RFC 7857 2.1: 4 min */
	c->timeout_s[NG_NAT_T_TCP_RST] = 240;   /* RFC 7857 2.2: keep state 4 min after a RST */
	c->timeout_s[NG_NAT_T_UDP] = 300;       /* RFC 4787 REQ-5: >= 2 min, 5 min recommended */
	c->timeout_s[NG_NAT_T_ICMP] = 60;       /* RFC 5508 REQ-1: >= 60 s */
	c->syn_hold_s = 6;                      /* RFC 5382 REQ-4 */
	c->syn_hold_slots = 32;
}

/* The largest power of two not above V (1 for V 0). */
static uint32_t pow2_at_most(uint32_t v)
{
	uint32_t p = 1;
	while (p <= v / 2)
		p <<= 1;
	return p;
}

int ng_nat_create(struct ng_stack *st, struct ng_iface *lan, struct ng_iface *wan,
                  const struct ng_nat_config *c, struct ng_nat **out)
{
	struct ng_nat *n;
	uint32_t i, nb, hosts;
	int k;

	if (!st || !lan || !wan || lan == wan || !c || c->max_flows == 0 ||
	    c->max_flows > (1u << 24) || c->n_fwd > NG_NAT_MAX_FORWARDS)
		return -NG_EINVAL;
	for (k = 0; k < NG_NAT_T_MAX; k++)
		if (c->timeout_s[k] == 0 || c->timeout_s[k] > 30 * 86400)
			return -NG_EINVAL;
	for (i = 0; i < c->n_fwd; i++) {
		const struct ng_nat_forward *f = &c->fwd[i];
		if ((f->proto != NG_IP_PROTO_TCP && f->proto != NG_IP_PROTO_UDP) || !f->port_lo ||
		    f->port_hi < f->port_lo || !f->in_port ||
		    (uint32_t)f->in_port + (f->port_hi - f->port_lo) > 65535 ||
		    (f->in_addr & lan->mask) != (lan->addr & lan->mask))
			return -NG_EINVAL;
		for (k = 0; k < (int)i; k++) /* overlapping public ranges are ambiguous */
			if (c->fwd[k].proto == f->proto && c->fwd[k].port_lo <= f->port_hi &&
			    f->port_lo <= c->fwd[k].port_hi)
				return -NG_EINVAL;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return -NG_ENOMEM;
	n->st = st;
	n->lan = lan;
	n->wan = wan;
	n->pub = wan->addr;
	n->cfg = *c;
	n->epoch = st->now;
	for (k = 0; k < NG_NAT_T_MAX; k++) {
		n->tmo_ns[k] = (uint64_t)c->timeout_s[k] * NG_NS_PER_SEC;
		n->lru_head[k] = n->lru_tail[k] = NAT_NONE;
	}
	n->max_flows = c->max_flows;
	/* buckets: the power of two at or below max_flows / 2, so a full table has chains of 2 to
	 * 4 (Linux's conntrack has long sized its hash for 4 entries a bucket) and the buckets
	 * cost 4 to 8 bytes a flow whatever --max-flows is */
	nb = pow2_at_most(c->max_flows / 2);
	n->fmask = n->mmask = nb - 1;
	/* per-host counters indexed by the host bits: exact up to a /16 LAN; on a wider one, hosts
	 * whose low 16 bits agree share a quota (a bounded table, no allocation per host) */
	hosts = lan->prefix_len >= 16 ? (1u << (32 - lan->prefix_len)) : 65536;
	n->host_mask = hosts - 1;
	n->hseed = ng_rng_next(&st->rng);
	n->flows = calloc(n->max_flows, sizeof(*n->flows));
	n->maps = calloc(n->max_flows, sizeof(*n->maps));
	n->fh_in = malloc(nb * sizeof(uint32_t));
	n->fh_out = malloc(nb * sizeof(uint32_t));
	n->mh_in = malloc(nb * sizeof(uint32_t));
	n->mh_out = malloc(nb * sizeof(uint32_t));
	n->host_count = calloc(hosts, sizeof(uint32_t));
	n->n_held = c->syn_hold_slots;
	n->held = calloc(n->n_held ? n->n_held : 1, sizeof(*n->held));
	if (!n->flows || !n->maps || !n->fh_in || !n->fh_out || !n->mh_in || !n->mh_out ||
	    !n->host_count || !n->held) {
		ng_nat_destroy(n);
		return -NG_ENOMEM;
	}
	memset(n->fh_in, 0xff, nb * sizeof(uint32_t));
	memset(n->fh_out, 0xff, nb * sizeof(uint32_t));
	memset(n->mh_in, 0xff, nb * sizeof(uint32_t));
	memset(n->mh_out, 0xff, nb * sizeof(uint32_t));
	for (i = 0; i < c->n_fwd; i++) {
		uint32_t p;
		for (p = c->fwd[i].port_lo; p <= c->fwd[i].port_hi; p++)
			n->fwd_bits[c->fwd[i].proto == NG_IP_PROTO_UDP][p >> 3] |=
			    (uint8_t)(1u << (p & 7));
	}
	n->free_flow = n->free_map = NAT_NONE; /* slots are handed out from flow_top / map_top */
	for (i = 0; i < n->n_held; i++) {
		ng_timer_init(&n->held[i].t, nat_held_fire);
		n->held[i].n = n;
	}
	ng_timer_init(&n->timer, expiry_fire);
	/* everything the table allocated: flows, mappings, buckets, host counters, held SYNs and
	 * the fixed part (port-forward bitmaps), so that bytes_per_flow hides nothing */
	n->table_bytes = (size_t)n->max_flows * (sizeof(struct nat_flow) + sizeof(struct nat_map)) +
	                 (size_t)nb * 4 * sizeof(uint32_t) + (size_t)hosts * sizeof(uint32_t) +
	                 (size_t)(n->n_held ? n->n_held : 1) * sizeof(struct nat_held) + sizeof(*n);
	st->ip_hook = nat_ip_hook;
	st->ip_hook_ctx = n;
	ng_arp_set_unreach_hook(st, nat_arp_unreach, n);
	*out = n;
	return 0;
}

void ng_nat_destroy(struct ng_nat *n)
{
	uint32_t i;

	if (!n)
		return;
	if (n->st->ip_hook_ctx == n) {
		n->st->ip_hook = NULL;
		n->st->ip_hook_ctx = NULL;
		ng_arp_set_unreach_hook(n->st, NULL, NULL);
	}
	ng_timer_cancel(n->st->timers, &n->timer);
	for (i = 0; n->held && i < n->n_held; i++)
		ng_timer_cancel(n->st->timers, &n->held[i].t);
	free(n->flows);
	free(n->maps);
	free(n->fh_in);
	free(n->fh_out);
	free(n->mh_in);
	free(n->mh_out);
	free(n->host_count);
	free(n->held);
	free(n);
}

size_t ng_nat_flows(const struct ng_nat *n, ng_nat_flow_fn fn, void *ctx)
{
	size_t count = 0;
	uint32_t i;

	for (i = 0; i < n->flow_top; i++) {
		const struct nat_flow *f = &n->flows[i];
		const struct nat_map *m;
		struct ng_nat_flow_info fi;

		if (f->tclass == NAT_TFREE)
			continue;
		m = &n->maps[f->map];
		memset(&fi, 0, sizeof(fi));
		fi.proto = m->proto;
		fi.inbound = f->flags & NAT_F_INBOUND;
		fi.in_addr = m->in_addr;
		fi.in_port = m->in_port;
		fi.out_addr = n->pub;
		fi.out_port = m->out_port;
		fi.rem_addr = f->rem_addr;
		fi.rem_port = f->rem_port;
		fi.state = nat_flow_state(n, f);
		fi.expires_ns = flow_expiry_ns(n, f) - n->st->now;
		fi.pkts_out = f->pkts[0];
		fi.pkts_in = f->pkts[1];
		if (fn)
			fn(ctx, &fi);
		count++;
	}
	return count;
}

void ng_nat_get_stats(const struct ng_nat *n, struct ng_nat_stats *s)
{
	uint32_t i;

	memset(s, 0, sizeof(*s));
	s->flows = n->n_flows;
	s->max_flows = n->max_flows;
	s->mappings = n->n_maps;
	for (i = 0; i < n->n_held; i++)
		s->held_syns += n->held[i].used;
	for (i = 0; i < n->flow_top; i++) {
		const struct nat_flow *f = &n->flows[i];
		uint8_t proto;
		if (f->tclass == NAT_TFREE)
			continue;
		proto = n->maps[f->map].proto;
		if (proto == NG_IP_PROTO_TCP) {
			s->flows_tcp++;
			if (f->trk.side[NG_TRACK_ORIG].state < 16)
				s->tcp_by_state[f->trk.side[NG_TRACK_ORIG].state]++;
		} else if (proto == NG_IP_PROTO_UDP) {
			s->flows_udp++;
		} else {
			s->flows_icmp++;
		}
	}
	s->table_bytes = n->table_bytes;
	s->bytes_per_flow = (n->table_bytes + n->max_flows - 1) / n->max_flows; /* rounded up */
	s->refused = n->refused;
	s->held_dropped = n->held_dropped;
	s->held_rejected = n->held_rejected;
	s->untracked = n->untracked;
	s->evicted = n->evicted;
}
