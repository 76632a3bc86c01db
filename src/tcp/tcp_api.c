// SPDX-License-Identifier: MIT
/*
 * TCP sockets of the stack: the connection pool and 4-tuple table, the one function that
 * changes a connection's state, event delivery, and the API of include/natgate/tcp.h.
 *
 * Ownership: a connection is held by the application from ng_tcp_connect / the accept
 * callback until ng_tcp_close / ng_tcp_abort; after that (or before accept) it is held by the
 * stack alone, which frees it when it reaches CLOSED (TIME_WAIT and all). Callbacks are only
 * made from tcp_finish(), as the last thing an entry point does, so an application may close
 * or abort a socket from inside its callback.
 */
#include <stdlib.h>

#include "net/net_internal.h"
#include "tcp/tcp_cubic.h"
#include "tcp/tcp_internal.h"

static bool counted(enum ng_tcp_state s)
{
	return s != NG_TCP_CLOSED && s != NG_TCP_LISTEN;
}

struct tuple_key {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
};

static uint32_t tuple_hash(const struct ng_tcp *t, uint32_t laddr, uint16_t lport, uint32_t raddr,
                           uint16_t rport)
{
	struct tuple_key k = {laddr, raddr, lport, rport};
	return ng_hash32(&k, sizeof(k), t->hseed) & t->hmask;
}

static void hash_insert(struct ng_tcp *t, struct ng_tcp_sock *c)
{
	uint32_t h = tuple_hash(t, c->laddr, c->lport, c->raddr, c->rport);
	c->hnext = t->hash[h];
	t->hash[h] = c;
	c->in_hash = true;
}

static void hash_remove(struct ng_tcp *t, struct ng_tcp_sock *c)
{
	struct ng_tcp_sock **pp;

	if (!c->in_hash)
		return;
	pp = &t->hash[tuple_hash(t, c->laddr, c->lport, c->raddr, c->rport)];
	while (*pp && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = c->hnext;
	c->hnext = NULL;
	c->in_hash = false;
}

/* The connection with this 4-tuple, or NULL. */
struct ng_tcp_sock *tcp_lookup(struct ng_tcp *t, uint32_t laddr, uint16_t lport, uint32_t raddr,
                               uint16_t rport)
{
	struct ng_tcp_sock *c = t->hash[tuple_hash(t, laddr, lport, raddr, rport)];

	for (; c; c = c->hnext)
		if (c->lport == lport && c->rport == rport && c->laddr == laddr &&
		    c->raddr == raddr)
			return c;
	return NULL;
}

/* A listener for LADDR:LPORT: one bound to exactly LADDR first, else a wildcard one. */
struct ng_tcp_sock *tcp_find_listener(struct ng_tcp *t, uint32_t laddr, uint16_t lport)
{
	struct ng_tcp_sock *l, *wild = NULL;

	for (l = t->listeners; l; l = l->hnext) {
		if (l->lport != lport)
			continue;
		if (l->laddr == laddr)
			return l;
		if (l->laddr == 0)
			wild = l;
	}
	return wild;
}

static void slot_free(struct ng_tcp_sock *c);

/* Listeners are kept on their own list (t->listeners, through hnext, as they are not hashed). */
static void listener_link(struct ng_tcp *t, struct ng_tcp_sock *c)
{
	c->hnext = t->listeners;
	t->listeners = c;
}

static void listener_unlink(struct ng_tcp *t, struct ng_tcp_sock *c)
{
	struct ng_tcp_sock **pp = &t->listeners;

	while (*pp && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = c->hnext;
	c->hnext = NULL;
}

/* Link C, just in TIME_WAIT, at the tail of the stack's TIME_WAIT list. */
static void tw_link(struct ng_tcp *t, struct ng_tcp_sock *c)
{
	c->tw_next = NULL;
	c->tw_prev = t->tw_tail;
	if (t->tw_tail)
		t->tw_tail->tw_next = c;
	else
		t->tw_head = c;
	t->tw_tail = c;
}

/* Take C, leaving TIME_WAIT, off the list. */
static void tw_unlink(struct ng_tcp *t, struct ng_tcp_sock *c)
{
	if (c->tw_prev)
		c->tw_prev->tw_next = c->tw_next;
	else if (t->tw_head == c)
		t->tw_head = c->tw_next;
	if (c->tw_next)
		c->tw_next->tw_prev = c->tw_prev;
	else if (t->tw_tail == c)
		t->tw_tail = c->tw_prev;
	c->tw_prev = c->tw_next = NULL;
}

/* Every block is taken: end the oldest TIME_WAIT that no application holds (looking at a few
 * from the oldest on) and free its block. A server that closes first keeps each connection
 * for 2*MSL after it ends; without this, tcp_max_conns / 2*MSL would cap its rate of new
 * connections (4096 / 60 s, about 68 per second by default). TIME_WAIT protects against old
 * duplicates of a connection with the same 4-tuple; cutting the oldest short is what Linux does
 * when its TIME_WAIT table is full (tcp_max_tw_buckets), and a new connection on that 4-tuple
 * starts from a fresh ISN (RFC 6528), well away from the old sequence space. Counted. */
static bool tw_recycle(struct ng_stack *st)
{
	struct ng_tcp *t = tcp_of(st);
	struct ng_tcp_sock *c = t->tw_head;

	for (unsigned i = 0; c && i < 16; i++, c = c->tw_next) {
		if (c->owned)
			continue;
		tcp_set_state(c, NG_TCP_CLOSED, "TIME_WAIT recycled: connection table full");
		slot_free(c);
		ng_count(st, NG_CNT_TCP_TW_RECYCLED, 1);
		return true;
	}
	return false;
}

/* Take a block from the pool, reset: a returned one, else one never used, else a recycled
 * TIME_WAIT's. NULL when there is none. */
static struct ng_tcp_sock *slot_take(struct ng_stack *st)
{
	struct ng_tcp *t = tcp_of(st);
	struct ng_tcp_sock *c = t->free;
	uint32_t gen;

	if (!c && t->nfresh < t->nsocks) {
		c = &t->socks[t->nfresh++];
		c->hnext = NULL;
	}
	if (!c && tw_recycle(st))
		c = t->free;
	if (!c)
		return NULL;
	if (c == t->free)
		t->free = c->hnext;
	gen = c->gen;
	memset(c, 0, sizeof(*c));
	c->gen = gen;
	c->st = st;
	c->in_use = true;
	c->state = NG_TCP_CLOSED;
	c->rto = TCP_RTO_INIT_NS;
	c->cc = tcp_cc_default(); /* CUBIC (RFC 9438), tcp_cubic.c */
	c->last_rx = st->now;
	tcp_timers_init(c);
	return c;
}

/* Return C to the pool with its rings. */
static void slot_free(struct ng_tcp_sock *c)
{
	struct ng_tcp *t = tcp_of(c->st);

	if (!c->in_use)
		return;
	tcp_timers_cancel(c);
	hash_remove(t, c);
	if (c->state == NG_TCP_TIME_WAIT)
		tw_unlink(t, c);
	if (c->state == NG_TCP_LISTEN)
		listener_unlink(t, c);
	if (counted(c->state) && t->count)
		t->count--;
	t->mem_used -= c->sb.size + c->rb.size;
	tcp_ring_release(t->arena, &c->sb);
	tcp_ring_release(t->arena, &c->rb);
	c->in_use = false;
	c->gen++;
	c->hnext = t->free;
	t->free = c;
}

/* Socket options naming an unknown congestion control (or without a NUL in cc) are refused. */
static bool opts_ok(const struct ng_tcp_sockopts *o)
{
	if (!o || !o->cc[0])
		return true;
	return memchr(o->cc, 0, sizeof(o->cc)) && tcp_cc_find(o->cc);
}

/* The size of a ring asked for as WANT bytes (0: the default), within [TCP_MIN_BUF, 1 GiB]. */
uint32_t tcp_buf_size(uint32_t want)
{
	if (!want)
		want = TCP_DEFAULT_BUF;
	return NG_MIN(NG_MAX(want, (uint32_t)TCP_MIN_BUF), 1u << 30);
}

/* Give the taken block C rings from OPTS' sizes (bounded in total by cfg.tcp_mem_max), the
 * 4-tuple, the per-connection defaults, and hash it. -NG_ENOMEM (C untouched but for the
 * options) when the rings do not fit. */
static int conn_setup(struct ng_stack *st, struct ng_tcp_sock *c,
                      const struct ng_tcp_sockopts *opts, uint32_t laddr, uint16_t lport,
                      uint32_t raddr, uint16_t rport)
{
	struct ng_tcp *t = tcp_of(st);
	struct ng_tcp_sockopts o = opts ? *opts : (struct ng_tcp_sockopts){0};
	uint32_t sb = tcp_buf_size(o.sndbuf), rb = tcp_buf_size(o.rcvbuf);
	const struct tcp_cc_ops *cc;

	if (t->mem_used + sb + rb > st->cfg.tcp_mem_max)
		return -NG_ENOMEM;
	if (tcp_ring_alloc(t->arena, &c->sb, sb) || tcp_ring_alloc(t->arena, &c->rb, rb)) {
		tcp_ring_release(t->arena, &c->sb);
		tcp_ring_release(t->arena, &c->rb);
		return -NG_ENOMEM;
	}
	t->mem_used += sb + rb;
	o.cc[sizeof(o.cc) - 1] = '\0';
	c->opts = o;
	/* congestion control by name (ng_tcp_listen / ng_tcp_connect checked it), else CUBIC */
	if (o.cc[0] && (cc = tcp_cc_find(o.cc)) != NULL)
		c->cc = cc;
	c->laddr = laddr;
	c->lport = lport;
	c->raddr = raddr;
	c->rport = rport;
	c->rcv_wscale = tcp_wscale_for(rb);
	/* RFC 7323 5.4: the timestamp clock starts at a per-connection offset */
	tcp_ts_init(&c->ts, tcp_ts_offset(st->secret, laddr, lport, raddr, rport));
	c->sack_ok = false;
	tcp_sack_rx_reset(&c->sack_rx);
	tcp_sack_board_reset(&c->board);
	hash_insert(t, c);
	return 0;
}

/* A new connection block for the 4-tuple (conn_setup), state CLOSED. NULL on exhaustion. */
struct ng_tcp_sock *tcp_conn_new(struct ng_stack *st, const struct ng_tcp_sockopts *opts,
                                 uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct ng_tcp_sock *c = slot_take(st);

	if (!c)
		return NULL;
	if (conn_setup(st, c, opts, laddr, lport, raddr, rport)) {
		slot_free(c);
		return NULL;
	}
	return c;
}

/* RFC 7323 2.3: the window shift for a receive ring of RBUF bytes, the smallest that lets the
 * whole ring be offered. */
uint8_t tcp_wscale_for(uint32_t rbuf)
{
	uint8_t ws = 0;

	while (ws < TCP_MAX_WSCALE && (rbuf >> ws) > 65535)
		ws++;
	return ws;
}

/* The MSS we announce to RADDR: the route's MTU less the IP and TCP headers (RFC 9293 3.7.1,
 * RFC 6691), TCP_DEFAULT_MSS if that leaves less than TCP_MIN_MSS. */
uint32_t tcp_announced_mss(struct ng_stack *st, uint32_t raddr)
{
	uint32_t mtu = ng_ipv4_mtu_to(st, raddr);

	return mtu > NG_TCP_HLEN + TCP_MIN_MSS ? mtu - NG_TCP_HLEN : TCP_DEFAULT_MSS;
}

/* MSS we announce (tcp_announced_mss); and the transmit offloads of the route's link
 * (tx_offload).
 * Send MSS: the smaller of the peer's option (536 without one) and ours, less the timestamp
 * option every segment carries once negotiated (RFC 6691: the MSS excludes options); call it
 * after c->ts.ok is settled. */
void tcp_setup_mss(struct ng_tcp_sock *c, bool peer_mss_ok, uint32_t peer_mss)
{
	uint32_t peer = peer_mss_ok ? peer_mss : TCP_DEFAULT_MSS;
	uint32_t m, nexthop;
	struct ng_iface *ifc;

	/* the offloads of the route's link, looked up once here rather than for every segment */
	c->tx_offload =
	    ng_route(c->st, c->raddr, &ifc, &nexthop) && ifc->link ? ifc->link->tx_offload : 0;

	c->our_mss = tcp_announced_mss(c->st, c->raddr);
	m = NG_MIN(peer, c->our_mss);
	m = m > tcp_opt_overhead(c) ? m - tcp_opt_overhead(c) : 0;
	c->snd_mss = NG_MAX(m, (uint32_t)TCP_MIN_MSS);
	c->rcv_mss = NG_MAX(m, (uint32_t)TCP_MIN_MSS);
}

/* RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a 4 us clock,
 * F SipHash-2-4 keyed with the stack's secret. */
uint32_t tcp_new_isn(struct ng_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
                     uint16_t rport)
{
	struct ng_tcp *t = tcp_of(st);
	struct tuple_key k = {laddr, raddr, lport, rport};

	if (t->isn_fixed)
		return t->isn_value;
	return (uint32_t)ng_siphash(st->secret, &k, sizeof(k)) + (uint32_t)(st->now / 4000);
}

/* Tests only: a fixed ISN (the textbook exchanges), or back to RFC 6528. */
void ng_tcp_test_set_isn(struct ng_stack *st, bool fixed, uint32_t isn)
{
	tcp_of(st)->isn_fixed = fixed;
	tcp_of(st)->isn_value = isn;
}

/* TIME_WAIT needs only the connection block: give its rings back, since their memory counts
 * against cfg.tcp_mem_max and a busy server holds thousands of connections in TIME_WAIT (every
 * byte we sent was acknowledged before TIME_WAIT, and no data is accepted there). The receive
 * ring stays while the application still holds the socket with bytes unread. */
static void tcp_trim_rings(struct ng_tcp_sock *c)
{
	struct ng_tcp *t = tcp_of(c->st);

	t->mem_used -= c->sb.size;
	tcp_ring_release(t->arena, &c->sb);
	if (!c->owned || c->rb.len == 0) {
		t->mem_used -= c->rb.size;
		tcp_ring_release(t->arena, &c->rb);
	}
}

/* The only place a connection changes state: records FROM -> TO and CAUSE in the trace hook
 * and the debug log, and keeps the connection count, the table and the timers in step. */
void tcp_set_state(struct ng_tcp_sock *c, enum ng_tcp_state to, const char *cause)
{
	struct ng_stack *st = c->st;
	struct ng_tcp *t = tcp_of(st);
	enum ng_tcp_state from = c->state;

	if (from == to)
		return;
	c->state = to;
	if (from == NG_TCP_TIME_WAIT)
		tw_unlink(t, c);
	else if (to == NG_TCP_TIME_WAIT)
		tw_link(t, c);
	if (counted(from) && !counted(to))
		t->count--;
	else if (!counted(from) && counted(to))
		t->count++;
	if (to == NG_TCP_CLOSED) {
		/* text a SYN carried is delivered only once the connection is established: a
		 * handshake that fails takes it along (RFC 9293 3.10.7.2) */
		if (from == NG_TCP_SYN_RECEIVED && c->rb.len) {
			tcp_ring_consume(&c->rb, c->rb.len);
			c->read_seq = c->rcv_nxt;
		}
		tcp_timers_cancel(c);
		hash_remove(t, c);
		if (c->parent && !c->accept_pending && from == NG_TCP_SYN_RECEIVED)
			c->parent->pending--;
		c->parent = NULL;
		c->accept_pending = false;
	} else if (to == NG_TCP_TIME_WAIT) {
		ng_timer_cancel(st->timers, &c->rexmt);
		c->persist = false;
		tcp_keep_arm(c);
		tcp_trim_rings(c);
	}
	if (st->log.fn && st->log.level >= NG_LOG_DEBUG) {
		char a[16], b[16];
		ng_log(&st->log, NG_LOG_DEBUG, "tcp %s:%u %s:%u %s -> %s (%s)",
		       ng_ip4_str(c->laddr, a), c->lport, ng_ip4_str(c->raddr, b), c->rport,
		       ng_tcp_state_name(from), ng_tcp_state_name(to), cause);
	}
	if (t->trace)
		t->trace(t->trace_ctx, c, from, to, cause);
}

/* End C: CLOSED, with ERR (negative, or 0) for the application. */
void tcp_drop(struct ng_tcp_sock *c, int err, const char *cause)
{
	if (c->state == NG_TCP_CLOSED)
		return;
	if (err && !c->err)
		c->err = err;
	tcp_set_state(c, NG_TCP_CLOSED, cause);
	c->events |= NG_TCP_EV_CLOSED | (err ? NG_TCP_EV_ERROR : 0);
}

/* Hand over a finished handshake, deliver pending events, free what nobody holds. C may be
 * freed (or closed by the application) when this returns. */
void tcp_finish(struct ng_tcp_sock *c)
{
	unsigned ev;

	if (!c->in_use)
		return;
	if (c->accept_pending) {
		struct ng_tcp_sock *l = c->parent;
		uint32_t gen = c->gen;
		c->accept_pending = false;
		c->parent = NULL;
		if (l && l->in_use && l->state == NG_TCP_LISTEN && l->accept &&
		    c->state != NG_TCP_CLOSED) {
			c->owned = true;
			l->accept(l, l->accept_ctx, c);
			if (!c->in_use || c->gen != gen)
				return;
		} else if (c->state != NG_TCP_CLOSED) {
			tcp_send_rst(c);
			tcp_set_state(c, NG_TCP_CLOSED, "no acceptor");
		}
	}
	if (!c->owned) {
		c->events = 0;
		if (c->state == NG_TCP_CLOSED && !c->parent)
			slot_free(c);
		return;
	}
	if (!c->cb)
		return; /* events wait for a callback */
	ev = c->events;
	c->events = 0;
	if (ev)
		c->cb(c, c->cb_ctx, ev);
}

/* Allocate the connection pool (cfg.tcp_max_conns) and the 4-tuple table, fill in defaults for
 * TCP fields left zero in the configuration, and register with IPv4. 0 or -NG_ENOMEM. */
int ng_tcp_create(struct ng_stack *st)
{
	struct ng_tcp *t;
	struct ng_stack_config *cfg = &st->cfg;
	uint32_t n, hn = 64;
	static const char tag[] = "natgate tcp table";

	if (!cfg->tcp_max_conns)
		cfg->tcp_max_conns = 4096;
	if (!cfg->tcp_msl_ns)
		cfg->tcp_msl_ns = 30 * NG_NS_PER_SEC;
	if (!cfg->tcp_mem_max)
		cfg->tcp_mem_max = 256ull << 20;
	if (!cfg->tcp_syn_retries)
		cfg->tcp_syn_retries = 6;
	if (!cfg->tcp_retries)
		cfg->tcp_retries = 12;
	if (!cfg->tcp_delack_ns)
		cfg->tcp_delack_ns = 40 * NG_NS_PER_MS;
	n = cfg->tcp_max_conns;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -NG_ENOMEM;
	while (hn < n && hn < (1u << 24))
		hn <<= 1;
	t->socks = calloc(n, sizeof(*t->socks));
	t->hash = calloc(hn, sizeof(*t->hash));
	t->arena = ng_buddy_create(cfg->tcp_mem_max, TCP_MIN_BUF);
	if (!t->socks || !t->hash || !t->arena) {
		free(t->socks);
		free(t->hash);
		ng_buddy_destroy(t->arena);
		free(t);
		return -NG_ENOMEM;
	}
	t->nsocks = n;
	t->hmask = hn - 1;
	t->hseed = ng_siphash(st->secret, tag, sizeof(tag));
	st->tcp = t; /* no free list yet: slot_take hands out untouched blocks in order */
	ng_ipv4_register(st, NG_IP_PROTO_TCP, tcp_input, tcp_icmp_error);
	return 0;
}

/* Free every connection's rings, the pool and the table (no segment is sent). */
void ng_tcp_destroy(struct ng_stack *st)
{
	struct ng_tcp *t = tcp_of(st);

	if (!t)
		return;
	for (uint32_t i = 0; i < t->nfresh; i++) {
		struct ng_tcp_sock *c = &t->socks[i];
		if (!c->in_use)
			continue;
		tcp_timers_cancel(c);
		tcp_ring_release(t->arena, &c->sb);
		tcp_ring_release(t->arena, &c->rb);
	}
	free(t->socks);
	free(t->hash);
	ng_buddy_destroy(t->arena);
	free(t);
	st->tcp = NULL;
}

/* ---- the API ---- */

/* Passive open (RFC 9293 3.10.1): a listener on ADDR:PORT; children inherit OPTS. */
int ng_tcp_listen(struct ng_stack *st, uint32_t addr, uint16_t port, unsigned backlog,
                  ng_tcp_accept_fn accept, void *ctx, const struct ng_tcp_sockopts *opts,
                  struct ng_tcp_sock **out)
{
	struct ng_tcp *t = tcp_of(st);
	struct ng_tcp_sock *l;

	if (!port || !accept || !out || (addr && !ng_iface_by_addr(st, addr)))
		return -NG_EINVAL;
	if (!opts_ok(opts))
		return -NG_EINVAL;
	for (l = t->listeners; l; l = l->hnext)
		if (l->lport == port && (l->laddr == addr || !l->laddr || !addr))
			return -NG_EADDRINUSE;
	l = slot_take(st);
	if (!l)
		return -NG_ENOMEM;
	l->owned = true;
	l->laddr = addr;
	l->lport = port;
	l->backlog = backlog ? backlog : 128;
	l->accept = accept;
	l->accept_ctx = ctx;
	if (opts)
		l->opts = *opts;
	tcp_set_state(l, NG_TCP_LISTEN, "listen");
	listener_link(t, l);
	*out = l;
	return 0;
}

/* RFC 6056 Algorithm 3: an offset from a keyed hash of the destination plus a counter. */
static int pick_port(struct ng_stack *st, uint32_t laddr, uint32_t raddr, uint16_t rport,
                     uint16_t *out)
{
	struct ng_tcp *t = tcp_of(st);
	struct {
		uint32_t l, r;
		uint16_t rp, tag;
	} k = {laddr, raddr, rport, 0x7063};
	uint32_t num = TCP_EPHEMERAL_HI - TCP_EPHEMERAL_LO + 1;
	uint32_t off = (uint32_t)ng_siphash(st->secret, &k, sizeof(k));

	for (uint32_t i = 0; i < num; i++) {
		uint16_t p = (uint16_t)(TCP_EPHEMERAL_LO + (off + t->next_ephemeral + i) % num);
		if (tcp_lookup(t, laddr, p, raddr, rport) || tcp_find_listener(t, laddr, p))
			continue;
		t->next_ephemeral += i + 1;
		*out = p;
		return 0;
	}
	return -NG_EADDRINUSE;
}

/* Turn the set-up block C active: ISS (RFC 6528), SYN sent, SYN_SENT (CAUSE traced), events
 * to FN. */
static void active_open(struct ng_tcp_sock *c, ng_tcp_event_fn fn, void *ctx, const char *cause)
{
	struct ng_stack *st = c->st;

	c->cb = fn;
	c->cb_ctx = ctx;
	tcp_setup_mss(c, false, 65535);
	c->iss = tcp_new_isn(st, c->laddr, c->lport, c->raddr, c->rport);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->sbuf_seq = c->iss + 1;
	c->recover = c->iss;
	c->rtt_ts = st->now;
	tcp_set_state(c, NG_TCP_SYN_SENT, cause);
	ng_count(st, NG_CNT_TCP_ACTIVE_OPENS, 1);
	tcp_send_syn(c);
	tcp_rexmt_arm(c);
}

/* Active open: route to DST, pick an ephemeral port, send the SYN (SYN_SENT). */
int ng_tcp_connect(struct ng_stack *st, uint32_t dst, uint16_t dport, ng_tcp_event_fn fn, void *ctx,
                   const struct ng_tcp_sockopts *opts, struct ng_tcp_sock **out)
{
	struct ng_iface *ifc;
	struct ng_tcp_sock *c;
	uint32_t nexthop;
	uint16_t lport;
	int rc;

	if (!out || !dport || !dst)
		return -NG_EINVAL;
	if (!opts_ok(opts))
		return -NG_EINVAL;
	if (!ng_route(st, dst, &ifc, &nexthop))
		return -NG_ENETUNREACH;
	rc = pick_port(st, ifc->addr, dst, dport, &lport);
	if (rc)
		return rc;
	c = tcp_conn_new(st, opts, ifc->addr, lport, dst, dport);
	if (!c)
		return -NG_ENOMEM;
	c->owned = true;
	active_open(c, fn, ctx, "connect");
	*out = c;
	return 0;
}

/*
 * RFC 9293 3.10.2 (SEND in LISTEN): a listener given a foreign socket turns active: it stops
 * listening, takes rings, an ISS and the 4-tuple (its own address and port, DST:DPORT), sends
 * a SYN and goes LISTEN -> SYN_SENT; from then on it is the connection (events to FN). Refused
 * (-NG_EAGAIN) while handshakes it took are still pending; -NG_EADDRINUSE if the 4-tuple is
 * taken, -NG_ENETUNREACH without a route, -NG_ENOMEM without buffer memory (it stays a
 * listener in every failure).
 */
int ng_tcp_listen_connect(struct ng_tcp_sock *l, uint32_t dst, uint16_t dport, ng_tcp_event_fn fn,
                          void *ctx)
{
	struct ng_stack *st;
	struct ng_tcp *t;
	struct ng_tcp_sockopts o;
	struct ng_iface *ifc;
	uint32_t nexthop, laddr;

	if (!l || !l->in_use || l->state != NG_TCP_LISTEN || !dst || !dport)
		return -NG_EINVAL;
	st = l->st;
	t = tcp_of(st);
	if (l->pending)
		return -NG_EAGAIN;
	if (!ng_route(st, dst, &ifc, &nexthop))
		return -NG_ENETUNREACH;
	laddr = l->laddr ? l->laddr : ifc->addr;
	if (tcp_lookup(t, laddr, l->lport, dst, dport))
		return -NG_EADDRINUSE;
	o = l->opts;
	/* off the listener list first: hashing the 4-tuple reuses the same link (hnext) */
	listener_unlink(t, l);
	if (conn_setup(st, l, &o, laddr, l->lport, dst, dport)) {
		listener_link(t, l);
		return -NG_ENOMEM;
	}
	l->accept = NULL;
	l->accept_ctx = NULL;
	active_open(l, fn, ctx, "SEND on a listener");
	return 0;
}

/* Where S's events go from now on (pending events wait for the next delivery). */
void ng_tcp_set_callback(struct ng_tcp_sock *s, ng_tcp_event_fn fn, void *ctx)
{
	s->cb = fn;
	s->cb_ctx = ctx;
}

/* 0 if the application may queue data on S, else the error ng_tcp_send returns. */
static int can_send(const struct ng_tcp_sock *s)
{
	if (!s->in_use || s->state == NG_TCP_LISTEN)
		return -NG_ENOTCONN;
	if (s->err)
		return s->err;
	if (s->shut_wr)
		return -NG_EPIPE;
	switch (s->state) {
	case NG_TCP_SYN_SENT:
	case NG_TCP_SYN_RECEIVED:
	case NG_TCP_ESTABLISHED:
	case NG_TCP_CLOSE_WAIT:
		return 0;
	case NG_TCP_CLOSED:
		return -NG_ENOTCONN;
	default:
		return -NG_EPIPE;
	}
}

/* Free room in the send ring (0 when sending is not possible). */
size_t ng_tcp_send_space(const struct ng_tcp_sock *s)
{
	return can_send(s) ? 0 : s->sb.size - s->sb.len;
}

/* Copy what fits of DATA into the send ring, mark urgent data (RFC 9293 3.8.5: SND.UP after
 * its last byte), and let output decide what goes now. Returns the bytes taken or an error. */
static long send_common(struct ng_tcp_sock *s, const void *data, size_t len, bool urgent)
{
	int rc = can_send(s);
	uint32_t n;

	if (rc)
		return rc;
	n = (uint32_t)NG_MIN(len, (size_t)(s->sb.size - s->sb.len));
	if (n)
		tcp_ring_write_at(&s->sb, s->sb.len, data, n);
	s->sb.len += n;
	if (n < len)
		s->want_writable = true;
	if (urgent && n) {
		s->snd_up = s->sbuf_seq + s->sb.len;
		s->snd_urg = true;
	}
	tcp_output(s);
	return (long)n;
}

/* Queue data (back-pressure: the return value says how much was taken). */
long ng_tcp_send(struct ng_tcp_sock *s, const void *data, size_t len)
{
	return send_common(s, data, len, false);
}

/* Contiguous free bytes at the tail of S's send ring, and where they start. The tail stays
 * where it is while acknowledgments consume the head, so the space is still there at commit. */
static uint8_t *send_tail(struct ng_tcp_sock *s, uint32_t *room)
{
	struct tcp_ring *r = &s->sb;
	uint32_t pos;

	pos = r->head + r->len;
	if (pos >= r->size)
		pos -= r->size;
	*room = NG_MIN(r->size - r->len, r->size - pos);
	return r->buf + pos;
}

/* The space the application may fill before ng_tcp_send_commit (see tcp.h). A full ring
 * promises NG_TCP_EV_WRITABLE, as a short ng_tcp_send does. */
void *ng_tcp_send_reserve(struct ng_tcp_sock *s, size_t *len)
{
	uint32_t room;
	uint8_t *p;

	*len = 0;
	if (can_send(s))
		return NULL;
	if (s->sb.len ==
	    0) /* nothing refers to an empty ring's position: one piece for a big read */
		s->sb.head = 0;
	p = send_tail(s, &room);
	if (!room) {
		s->want_writable = true;
		return NULL;
	}
	*len = room;
	return p;
}

/* Queue N bytes the application wrote at the ring's tail, then output as ng_tcp_send does. */
int ng_tcp_send_commit(struct ng_tcp_sock *s, size_t n)
{
	int rc = can_send(s);
	uint32_t room;

	if (rc)
		return rc;
	if (!n)
		return 0;
	(void)send_tail(s, &room);
	if (n > room)
		return -NG_EINVAL;
	s->sb.len += (uint32_t)n;
	tcp_output(s);
	return 0;
}

/* Queue urgent data: the urgent pointer will mark its end. */
long ng_tcp_send_urgent(struct ng_tcp_sock *s, const void *data, size_t len)
{
	return send_common(s, data, len, true);
}

/* In-order bytes waiting for the application. */
size_t ng_tcp_recv_avail(const struct ng_tcp_sock *s)
{
	return s->in_use ? tcp_readable(s) : 0;
}

/* Distance from the read position to RCV.UP (the end of urgent data), -1 once passed. */
long ng_tcp_urgent_mark(const struct ng_tcp_sock *s)
{
	if (s->in_use && s->rcv_urg && tcp_seq_gt(s->rcv_up, s->read_seq))
		return (long)(s->rcv_up - s->read_seq);
	return -1;
}

/* Half-close (RFC 9293 3.10.4 CLOSE): FIN after the queued data; ESTABLISHED -> FIN_WAIT_1,
 * CLOSE_WAIT -> LAST_ACK; before the handshake completes the FIN waits for it. */
int ng_tcp_shutdown(struct ng_tcp_sock *s)
{
	if (!s->in_use)
		return -NG_ENOTCONN;
	if (s->shut_wr)
		return 0;
	switch (s->state) {
	case NG_TCP_SYN_SENT:
	case NG_TCP_SYN_RECEIVED:
		s->shut_wr = true; /* the FIN follows the handshake */
		return 0;
	case NG_TCP_ESTABLISHED:
	case NG_TCP_CLOSE_WAIT:
		s->shut_wr = true;
		s->fin_queued = true;
		s->fin_seq = s->sbuf_seq + s->sb.len;
		tcp_set_state(s,
		              s->state == NG_TCP_ESTABLISHED ? NG_TCP_FIN_WAIT_1 : NG_TCP_LAST_ACK,
		              "close");
		tcp_output(s);
		return 0;
	default:
		return -NG_ENOTCONN;
	}
}

/* Close a listener: children not yet handed over are reset. */
static void close_listener(struct ng_tcp_sock *l)
{
	struct ng_tcp *t = tcp_of(l->st);

	for (uint32_t i = 0; i < t->nfresh; i++) {
		struct ng_tcp_sock *c = &t->socks[i];
		if (!c->in_use || c->parent != l)
			continue;
		tcp_send_rst(c);
		c->accept_pending = false;
		tcp_set_state(c, NG_TCP_CLOSED, "listener closed");
		slot_free(c);
	}
	tcp_set_state(l, NG_TCP_CLOSED, "close");
	slot_free(l);
}

/* The application lets go of S: no more callbacks; an orderly close unless data is unread
 * (then a reset); the stack frees S once CLOSED. */
void ng_tcp_close(struct ng_tcp_sock *s)
{
	if (!s || !s->in_use)
		return;
	s->owned = false;
	s->cb = NULL;
	s->events = 0;
	switch (s->state) {
	case NG_TCP_LISTEN:
		close_listener(s);
		return;
	case NG_TCP_CLOSED:
		slot_free(s);
		return;
	case NG_TCP_SYN_SENT:
		tcp_set_state(s, NG_TCP_CLOSED, "close");
		slot_free(s);
		return;
	default:
		break;
	}
	if (s->rb.len > 0 && tcp_synchronized(s->state)) {
		/* RFC 9293 3.10.4 / RFC 2525 2.17: unread data makes close a reset */
		tcp_send_rst(s);
		tcp_set_state(s, NG_TCP_CLOSED, "close with unread data");
		slot_free(s);
		return;
	}
	ng_tcp_shutdown(s);
	if (s->state == NG_TCP_FIN_WAIT_2)
		tcp_keep_arm(s);
	else if (s->state == NG_TCP_TIME_WAIT)
		tcp_trim_rings(s);
	tcp_finish(s);
}

/* RFC 9293 3.10.5 ABORT: RST if synchronized, and S is freed now. */
void ng_tcp_abort(struct ng_tcp_sock *s)
{
	if (!s || !s->in_use)
		return;
	s->owned = false;
	s->cb = NULL;
	s->events = 0;
	switch (s->state) {
	case NG_TCP_LISTEN:
		close_listener(s);
		return;
	case NG_TCP_SYN_RECEIVED:
	case NG_TCP_ESTABLISHED:
	case NG_TCP_FIN_WAIT_1:
	case NG_TCP_FIN_WAIT_2:
	case NG_TCP_CLOSE_WAIT:
		tcp_send_rst(s); /* RFC 9293 3.10.5 */
		break;
	default:
		break;
	}
	tcp_set_state(s, NG_TCP_CLOSED, "abort");
	slot_free(s);
}

/* S's current state. */
enum ng_tcp_state ng_tcp_get_state(const struct ng_tcp_sock *s)
{
	return s->state;
}

/* The error that ended S (negative NG_E*), 0 if none. */
int ng_tcp_error(const struct ng_tcp_sock *s)
{
	return s->err;
}

/* A snapshot of S's sequence space, windows, RTT estimates and counters. */
void ng_tcp_get_info(const struct ng_tcp_sock *s, struct ng_tcp_info *o)
{
	memset(o, 0, sizeof(*o));
	o->state = s->state;
	o->local_addr = s->laddr;
	o->remote_addr = s->raddr;
	o->local_port = s->lport;
	o->remote_port = s->rport;
	o->iss = s->iss;
	o->irs = s->irs;
	o->snd_una = s->snd_una;
	o->snd_nxt = s->snd_nxt;
	o->snd_wnd = s->snd_wnd;
	o->rcv_nxt = s->rcv_nxt;
	o->rcv_wnd = s->rb.size - s->rb.len;
	o->mss = s->snd_mss;
	o->snd_wscale = s->snd_wscale;
	o->rcv_wscale = s->rcv_wscale;
	o->cwnd = s->cwnd;
	o->ssthresh = s->ssthresh;
	o->srtt_us = s->srtt_us;
	o->rttvar_us = s->rttvar_us;
	o->rto_ms = (uint32_t)(s->rto / NG_NS_PER_MS);
	o->bytes_sent = s->bytes_sent;
	o->bytes_received = s->bytes_received;
	o->bytes_retrans = s->bytes_retrans;
	o->retransmits = s->retransmits;
	o->sack_ok = s->sack_ok;
	o->ts_ok = s->ts.ok;
}

/* Connections held in any state but CLOSED and LISTEN (TIME_WAIT and orphans included). */
size_t ng_tcp_count(const struct ng_stack *st)
{
	return st->tcp ? st->tcp->count : 0;
}

/* Install the observer of every state change (NULL to remove it). */
void ng_tcp_set_trace(struct ng_stack *st, ng_tcp_trace_fn fn, void *ctx)
{
	st->tcp->trace = fn;
	st->tcp->trace_ctx = ctx;
}
