/* SPDX-License-Identifier: MIT */
/*
 * Segment-by-segment harness for the TCP unit tests: one natgate stack (10.0.0.1) on the
 * recording link, and a scripted peer (10.0.0.2) whose segments the test builds with the wire
 * emitters and injects; what natgate sends is popped, parsed and asserted on. Header-only so
 * each test_tcp_*.c stays a single cmocka program.
 */
#ifndef TCP_HARNESS_H
#define TCP_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "natgate/tcp.h"
#include "tcp/tcp_internal.h"

#define TH_US        NG_IP4(10, 0, 0, 1)
#define TH_PEER      NG_IP4(10, 0, 0, 2)
#define TH_MAX_TRACE 64
#define TH_MAX_SOCKS 8

static const uint8_t th_us_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t th_peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

struct th {
	struct ng_test_host h;
	struct ng_stack *st;
	uint64_t now;
	/* events seen by th_event (any socket) */
	unsigned events;
	unsigned nevents;
	struct ng_tcp_sock *accepted;
	unsigned naccepted;
	/* state changes seen by the trace hook */
	enum ng_tcp_state from[TH_MAX_TRACE], to[TH_MAX_TRACE];
	unsigned ntrace;
};

/* A segment natgate sent. */
struct th_seg {
	struct ng_ipv4_hdr ip;
	struct ng_tcp_hdr h;
	uint8_t data[2048];
	uint32_t len;
};

static inline void th_trace(void *ctx, const struct ng_tcp_sock *s, enum ng_tcp_state from,
                            enum ng_tcp_state to, const char *cause)
{
	struct th *t = ctx;
	(void)s;
	(void)cause;
	if (t->ntrace < TH_MAX_TRACE) {
		t->from[t->ntrace] = from;
		t->to[t->ntrace] = to;
		t->ntrace++;
	}
}

static inline void th_event(struct ng_tcp_sock *s, void *ctx, unsigned ev)
{
	struct th *t = ctx;
	(void)s;
	t->events |= ev;
	t->nevents++;
}

static inline void th_accept(struct ng_tcp_sock *l, void *ctx, struct ng_tcp_sock *child)
{
	struct th *t = ctx;
	(void)l;
	t->accepted = child;
	t->naccepted++;
	ng_tcp_set_callback(child, th_event, t);
}

/* Inject a raw IPv4 datagram payload (already a TCP segment of LEN bytes) from the peer. */
static inline void th_inject_l4(struct th *t, const uint8_t *l4, size_t len)
{
	uint8_t f[2048];
	struct ng_eth_hdr eh;
	struct ng_ipv4_hdr ip;

	assert_true(len + NG_ETH_HLEN + NG_IP_HLEN <= sizeof(f));
	memcpy(eh.dst, th_us_mac, 6);
	memcpy(eh.src, th_peer_mac, 6);
	eh.type = NG_ETH_P_IPV4;
	assert_int_equal(ng_eth_emit(f, sizeof(f), &eh), NG_ETH_HLEN);
	memset(&ip, 0, sizeof(ip));
	ip.hlen = NG_IP_HLEN;
	ip.tot_len = (uint16_t)(NG_IP_HLEN + len);
	ip.ttl = 64;
	ip.proto = NG_IP_PROTO_TCP;
	ip.src = TH_PEER;
	ip.dst = TH_US;
	assert_int_equal(ng_ipv4_emit(f + NG_ETH_HLEN, sizeof(f) - NG_ETH_HLEN, &ip), NG_IP_HLEN);
	memcpy(f + NG_ETH_HLEN + NG_IP_HLEN, l4, len);
	ng_test_link_inject(t->h.link, ng_stack_pool(t->st), f, NG_ETH_HLEN + NG_IP_HLEN + len);
	ng_stack_pump(t->st, 0);
}

/* Inject a segment from the peer with options OPT (may be NULL). */
static inline void th_send_opt(struct th *t, uint16_t sport, uint16_t dport, uint32_t seq,
                               uint32_t ack, uint8_t flags, uint16_t win, const void *data,
                               size_t len, const struct ng_tcp_opts *opt, uint16_t urg)
{
	uint8_t b[1600];
	struct ng_tcp_hdr h;
	size_t hlen;

	memset(&h, 0, sizeof(h));
	h.sport = sport;
	h.dport = dport;
	h.seq = seq;
	h.ack = ack;
	h.flags = flags;
	h.win = win;
	h.urg = urg;
	if (opt)
		h.opt = *opt;
	hlen = NG_TCP_HLEN + ng_tcp_opts_len(&h.opt);
	assert_true(hlen + len <= sizeof(b));
	if (len)
		memcpy(b + hlen, data, len);
	assert_int_not_equal(ng_tcp_emit(b, sizeof(b), TH_PEER, TH_US, &h, len), 0);
	th_inject_l4(t, b, hlen + len);
}

static inline void th_send(struct th *t, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                           uint8_t flags, uint16_t win, const void *data, size_t len)
{
	th_send_opt(t, sport, dport, seq, ack, flags, win, data, len, NULL, 0);
}

/* Inject the peer's ARP reply to us (teaches or refreshes its MAC). */
static inline void th_arp_reply(struct th *t)
{
	struct ng_arp_pkt a;
	uint8_t f[64];
	struct ng_eth_hdr eh;

	memcpy(eh.dst, th_us_mac, 6);
	memcpy(eh.src, th_peer_mac, 6);
	eh.type = NG_ETH_P_ARP;
	ng_eth_emit(f, sizeof(f), &eh);
	memset(&a, 0, sizeof(a));
	a.op = NG_ARP_REPLY;
	memcpy(a.sha, th_peer_mac, 6);
	a.spa = TH_PEER;
	memcpy(a.tha, th_us_mac, 6);
	a.tpa = TH_US;
	ng_arp_emit(f + NG_ETH_HLEN, sizeof(f) - NG_ETH_HLEN, &a);
	ng_test_link_inject(t->h.link, ng_stack_pool(t->st), f, NG_ETH_HLEN + NG_ARP_LEN);
	ng_stack_pump(t->st, 0);
}

/* The next IPv4 frame natgate sent, addressed to the peer's MAC; NULL if none. ARP requests for
 * the peer are answered on the way (the segment they held back then follows); other frames that
 * are not IPv4 are dropped. */
static inline struct ng_pkt *th_pop_ipv4(struct th *t)
{
	struct ng_pkt *p;

	while ((p = ng_test_link_pop(t->h.link)) != NULL) {
		struct ng_eth_hdr eh;
		struct ng_arp_pkt a;
		const uint8_t *d = ng_pkt_data(p);
		bool ask;

		assert_int_equal(ng_eth_parse(d, p->len, &eh), NG_DROP_NONE);
		if (eh.type == NG_ETH_P_IPV4) {
			assert_memory_equal(eh.dst, th_peer_mac, 6);
			return p;
		}
		ask = eh.type == NG_ETH_P_ARP &&
		      ng_arp_parse(d + NG_ETH_HLEN, p->len - NG_ETH_HLEN, &a) == NG_DROP_NONE &&
		      a.op == NG_ARP_REQUEST && a.tpa == TH_PEER;
		ng_pkt_free(p);
		if (ask)
			th_arp_reply(t);
	}
	return NULL;
}

/* Next TCP segment natgate sent, parsed with its checksum verified; false if none. */
static inline bool th_pop(struct th *t, struct th_seg *s)
{
	struct ng_pkt *p = th_pop_ipv4(t);
	const uint8_t *d;
	size_t l4;

	if (!p)
		return false;
	d = ng_pkt_data(p);
	assert_int_equal(ng_ipv4_parse(d + NG_ETH_HLEN, p->len - NG_ETH_HLEN, &s->ip),
	                 NG_DROP_NONE);
	assert_int_equal(s->ip.proto, NG_IP_PROTO_TCP);
	assert_int_equal(s->ip.src, TH_US);
	assert_int_equal(s->ip.dst, TH_PEER);
	d += NG_ETH_HLEN + s->ip.hlen;
	l4 = s->ip.tot_len - s->ip.hlen;
	assert_int_equal(ng_tcp_parse(d, l4, TH_US, TH_PEER, &s->h), NG_DROP_NONE);
	s->len = (uint32_t)(l4 - s->h.hlen);
	assert_true(s->len <= sizeof(s->data));
	memcpy(s->data, d + s->h.hlen, s->len);
	ng_pkt_free(p);
	return true;
}

/* A frame natgate sent to a link that may take transmit offloads, with its offload state: a
 * TSO super-segment is one frame (payload up to 64 KiB in DATA). */
struct th_frame {
	struct ng_ipv4_hdr ip;
	struct ng_tcp_hdr h;
	uint16_t gso_size;   /* the packet's gso_size: 0, or the MSS to cut a super-segment by */
	uint8_t flags;       /* the packet's NG_PKT_F_* */
	uint16_t csum_field; /* the TCP checksum field as sent */
	uint32_t len;        /* payload bytes */
	uint8_t data[65536];
};

/* Pop the next TCP frame natgate sent (th_pop_ipv4), whole, with its offload state; false if
 * none. Its checksum must be right for what the link is asked to do: with
 * NG_PKT_F_CSUM_PARTIAL the field must hold the folded pseudo-header sum over the segment's whole
 * length, not complemented (what a NIC or the kernel completes by summing from the TCP header
 * on, and cuts super-segments from); it is then finished here as they would, and every frame is
 * parsed with the full checksum check (RFC 9293 3.1). DF must be set (RFC 1191: TCP probes the
 * path MTU). */
static inline bool th_pop_frame(struct th *t, struct th_frame *s)
{
	struct ng_pkt *p = th_pop_ipv4(t);
	uint8_t *d;
	size_t l4;

	if (!p)
		return false;
	d = ng_pkt_data(p);
	assert_int_equal(ng_ipv4_parse(d + NG_ETH_HLEN, p->len - NG_ETH_HLEN, &s->ip),
	                 NG_DROP_NONE);
	assert_int_equal(s->ip.proto, NG_IP_PROTO_TCP);
	assert_int_equal(s->ip.src, TH_US);
	assert_int_equal(s->ip.dst, TH_PEER);
	assert_true(s->ip.df);
	d += NG_ETH_HLEN + s->ip.hlen;
	l4 = s->ip.tot_len - s->ip.hlen;
	assert_true(l4 >= NG_TCP_HLEN);
	s->gso_size = p->gso_size;
	s->flags = p->flags;
	s->csum_field = ng_get16(d + 16);
	if (p->flags & NG_PKT_F_CSUM_PARTIAL) {
		uint16_t pseudo =
		    ng_csum_fold(ng_csum_pseudo(TH_US, TH_PEER, NG_IP_PROTO_TCP, (uint16_t)l4));
		assert_int_equal(s->csum_field, pseudo);
		ng_put16(d + 16, ng_csum(d, l4)); /* what the kernel does (csum_start 34) */
	}
	assert_int_equal(ng_tcp_parse(d, l4, TH_US, TH_PEER, &s->h), NG_DROP_NONE);
	s->len = (uint32_t)(l4 - s->h.hlen);
	memcpy(s->data, d + s->h.hlen, s->len);
	ng_pkt_free(p);
	return true;
}

/* Pop the next segment and check flags, seq, ack (ack checked only if ACK is set) and the
 * payload length. */
#define th_expect(t, s, fl, sq, ak, ln)                                                            \
	do {                                                                                       \
		assert_true(th_pop((t), (s)));                                                     \
		char fb_[40], fe_[40];                                                             \
		if ((s)->h.flags != (fl))                                                          \
			fail_msg("flags %s, expected %s",                                          \
			         ng_tcp_flags_str((s)->h.flags, fb_, sizeof(fb_)),                 \
			         ng_tcp_flags_str((fl), fe_, sizeof(fe_)));                        \
		assert_int_equal((s)->h.seq, (uint32_t)(sq));                                      \
		if ((fl)&NG_TCP_ACK)                                                               \
			assert_int_equal((s)->h.ack, (uint32_t)(ak));                              \
		assert_int_equal((s)->len, (uint32_t)(ln));                                        \
	} while (0)

static inline void th_expect_none(struct th *t)
{
	struct th_seg s;
	if (th_pop(t, &s)) {
		char fb[40];
		fail_msg("unexpected segment %s seq %u ack %u len %u",
		         ng_tcp_flags_str(s.h.flags, fb, sizeof(fb)), s.h.seq, s.h.ack, s.len);
	}
}

/* Advance the clock by NS, firing timers (in 1 ms steps so timer chains run in order). */
static inline void th_advance(struct th *t, uint64_t ns)
{
	uint64_t end = t->now + ns;
	while (t->now < end) {
		uint64_t next = ng_stack_deadline(t->st);
		if (next > end)
			next = end;
		if (next <= t->now)
			next = t->now + 1;
		t->now = next;
		ng_stack_poll(t->st, t->now);
	}
}

static inline void th_init_mtu(struct th *t, uint64_t seed, uint32_t mtu)
{
	memset(t, 0, sizeof(*t));
	ng_test_host_create(&t->h, TH_US, 24, mtu, seed);
	t->st = t->h.st;
	t->now = 1000 * NG_NS_PER_SEC;
	ng_stack_poll(t->st, t->now);
	ng_tcp_set_trace(t->st, th_trace, t);
	/* teach the stack the peer's MAC with an ARP reply addressed to us */
	th_arp_reply(t);
	while (ng_test_link_pending(t->h.link))
		ng_pkt_free(ng_test_link_pop(t->h.link));
}

static inline void th_init(struct th *t, uint64_t seed)
{
	th_init_mtu(t, seed, 1500);
}

static inline void th_fini(struct th *t)
{
	ng_test_host_destroy(&t->h);
}

/* Was FROM -> TO recorded by the trace hook? */
static inline bool th_traced(const struct th *t, enum ng_tcp_state from, enum ng_tcp_state to)
{
	for (unsigned i = 0; i < t->ntrace; i++)
		if (t->from[i] == from && t->to[i] == to)
			return true;
	return false;
}

/* The last state change recorded. */
static inline enum ng_tcp_state th_last_state(const struct th *t)
{
	return t->ntrace ? t->to[t->ntrace - 1] : NG_TCP_CLOSED;
}

/* End a test: abort C and close the listener L (either may be NULL), drain what they sent, check
 * that no connection is left, free the harness. */
static inline void th_done(struct th *t, struct ng_tcp_sock *c, struct ng_tcp_sock *l)
{
	struct th_seg s;

	if (c)
		ng_tcp_abort(c);
	if (l)
		ng_tcp_close(l);
	while (th_pop(t, &s))
		;
	assert_int_equal(ng_tcp_count(t->st), 0);
	th_fini(t);
}

/* The peer's port and natgate's listening port in the server-role helpers. */
#define TH_PPORT 40000
#define TH_SPORT 80

/* natgate as server: listener on TH_SPORT, ISN 2000; the peer (ISN 100, window WIN, options
 * OPT) completes the handshake. Returns the accepted child; *L the listener. */
static inline struct ng_tcp_sock *th_server(struct th *t, struct ng_tcp_sock **l,
                                            const struct ng_tcp_sockopts *so, uint16_t win,
                                            const struct ng_tcp_opts *opt)
{
	struct th_seg s;

	ng_tcp_test_set_isn(t->st, true, 2000);
	assert_int_equal(ng_tcp_listen(t->st, 0, TH_SPORT, 4, th_accept, t, so, l), 0);
	th_send_opt(t, TH_PPORT, TH_SPORT, 100, 0, NG_TCP_SYN, win, NULL, 0, opt, 0);
	th_expect(t, &s, NG_TCP_SYN | NG_TCP_ACK, 2000, 101, 0);
	th_send(t, TH_PPORT, TH_SPORT, 101, 2001, NG_TCP_ACK, win, NULL, 0);
	assert_non_null(t->accepted);
	assert_int_equal(ng_tcp_get_state(t->accepted), NG_TCP_ESTABLISHED);
	th_expect_none(t);
	return t->accepted;
}

/* th_server with a peer whose SYN carries MSS 1460, SACK permitted and, if TS, timestamp 1000,
 * and whose handshake ACK echoes the SYN+ACK's TSval with TSval 1001 (an RTT sample of 0: SRTT
 * 0, timers at their floors). The SYN+ACK must answer what the SYN offered (RFC 2018 2, RFC 7323
 * 3.2). *ECR: the SYN+ACK's TSval. */
static inline struct ng_tcp_sock *th_server_sack(struct th *t, struct ng_tcp_sock **l, bool ts,
                                                 uint32_t *ecr)
{
	struct ng_tcp_opts o;
	struct th_seg s;

	memset(&o, 0, sizeof(o));
	o.mss_ok = true;
	o.mss = 1460;
	o.sack_permitted = true;
	o.ts_ok = ts;
	o.tsval = 1000;
	ng_tcp_test_set_isn(t->st, true, 2000);
	assert_int_equal(ng_tcp_listen(t->st, 0, TH_SPORT, 4, th_accept, t, NULL, l), 0);
	th_send_opt(t, TH_PPORT, TH_SPORT, 100, 0, NG_TCP_SYN, 65535, NULL, 0, &o, 0);
	th_expect(t, &s, NG_TCP_SYN | NG_TCP_ACK, 2000, 101, 0);
	assert_true(s.h.opt.sack_permitted);
	assert_int_equal(s.h.opt.ts_ok, ts);
	if (ts)
		assert_int_equal(s.h.opt.tsecr, 1000);
	*ecr = s.h.opt.tsval;
	memset(&o, 0, sizeof(o));
	o.ts_ok = ts;
	o.tsval = 1001;
	o.tsecr = *ecr;
	th_send_opt(t, TH_PPORT, TH_SPORT, 101, 2001, NG_TCP_ACK, 65535, NULL, 0, &o, 0);
	assert_non_null(t->accepted);
	assert_int_equal(ng_tcp_get_state(t->accepted), NG_TCP_ESTABLISHED);
	th_expect_none(t);
	return t->accepted;
}

/* natgate as client, ISN 100, against a peer with ISN 2000 on port 80 (window WIN, options
 * OPT on the SYN+ACK). Returns the socket; *LPORT natgate's port. */
static inline struct ng_tcp_sock *th_client(struct th *t, uint16_t *lport,
                                            const struct ng_tcp_sockopts *so, uint16_t win,
                                            const struct ng_tcp_opts *opt)
{
	struct th_seg s;
	struct ng_tcp_sock *c;

	ng_tcp_test_set_isn(t->st, true, 100);
	assert_int_equal(ng_tcp_connect(t->st, TH_PEER, 80, th_event, t, so, &c), 0);
	th_expect(t, &s, NG_TCP_SYN, 100, 0, 0);
	*lport = s.h.sport;
	th_send_opt(t, 80, *lport, 2000, 101, NG_TCP_SYN | NG_TCP_ACK, win, NULL, 0, opt, 0);
	th_expect(t, &s, NG_TCP_ACK, 101, 2001, 0);
	assert_int_equal(ng_tcp_get_state(c), NG_TCP_ESTABLISHED);
	return c;
}

#endif
