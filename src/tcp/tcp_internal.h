/* SPDX-License-Identifier: MIT */
/*
 * TCP inside the stack: the connection block, the per-stack table, and the functions the TCP
 * files share (input, output, timers, congestion control, ring buffers).
 *
 * Memory: connection blocks come from a fixed pool of cfg.tcp_max_conns allocated at stack
 * creation. Each connection's send and receive rings are allocated once, when the connection is
 * created (connect, or a SYN accepted by a listener), and freed with it; their total is bounded
 * by cfg.tcp_mem_max, so the heap TCP can take is fixed by the configuration. Nothing is
 * allocated per segment: payload is copied between packets and the rings.
 */
#ifndef NG_TCP_INTERNAL_H
#define NG_TCP_INTERNAL_H

#include "natgate/tcp.h"
#include "stack_internal.h"

/* ---- sequence arithmetic modulo 2^32 (RFC 9293 3.4) ---- */
static inline bool tcp_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool tcp_seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline bool tcp_seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool tcp_seq_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}
static inline uint32_t tcp_seq_max(uint32_t a, uint32_t b)
{
	return tcp_seq_gt(a, b) ? a : b;
}
static inline uint32_t tcp_seq_min(uint32_t a, uint32_t b)
{
	return tcp_seq_lt(a, b) ? a : b;
}

/* ---- tunables (RFC 6298 leaves the bounds to the implementation) ---- */
#define TCP_RTO_INIT_NS    (1000 * NG_NS_PER_MS) /* RFC 6298 2.1 */
#define TCP_RTO_MIN_NS     (200 * NG_NS_PER_MS)  /* below RFC 6298's 1 s, as Linux and BSD do */
#define TCP_PTO_MIN_NS     (2 * NG_NS_PER_MS)    /* floor of the tail loss probe timeout */
#define TCP_WCDELACK_NS    (200 * NG_NS_PER_MS)  /* RFC 8985 WCDelAckT (peer delayed ACK) */
#define TCP_RTO_MAX_NS     (60 * NG_NS_PER_SEC)  /* RFC 6298 2.5 allows a cap of at least 60 s */
#define TCP_CLOCK_G_NS     (1 * NG_NS_PER_MS)    /* clock granularity G of RFC 6298 */
#define TCP_PERSIST_MIN_NS (200 * NG_NS_PER_MS)
#define TCP_PERSIST_MAX_NS (60 * NG_NS_PER_SEC)
#define TCP_DEFAULT_MSS    536 /* RFC 9293 3.7.1: when the peer sends no MSS option */
#define TCP_MIN_MSS        64  /* floor for PMTU-lowered MSS */
#define TCP_OOO_MAX        64  /* out-of-order ranges held per connection */
#define TCP_MAX_WSCALE     14  /* RFC 7323 2.3 */
#define TCP_EPHEMERAL_LO   49152
#define TCP_EPHEMERAL_HI   65535
#define TCP_DEFAULT_BUF    (256 * 1024)
#define TCP_MIN_BUF        2048
#define TCP_ACKQ_MAX       256 /* connections with an ACK deferred to the end of a batch */

/* A ring of bytes. LEN bytes starting at HEAD are "the data"; bytes beyond may be written at
 * an offset (out-of-order data waiting for the gap before it to fill). */
struct tcp_ring {
	uint8_t *buf;
	uint32_t size;
	uint32_t head;
	uint32_t len;
};

struct tcp_cc_ops;

/* A range [left, right) of sequence space held out of order in the receive ring. */
struct tcp_range {
	uint32_t left, right;
};

/* SACK (tcp_sack.c) and timestamps (tcp_ts.c): they need struct tcp_range and the sequence
 * comparisons above. */
#include "tcp/tcp_cookie.h"
#include "tcp/tcp_rfc5961.h"
#include "tcp/tcp_sack.h"
#include "tcp/tcp_ts.h"

struct ng_tcp_sock {
	struct ng_stack *st;
	struct ng_tcp_sock *hnext; /* hash chain, listener list, or free list */
	uint32_t gen;              /* bumped when the slot is freed (stale-pointer checks) */
	bool in_use, in_hash;
	bool owned; /* the application holds it (not yet closed/aborted) */
	enum ng_tcp_state state;

	/* listener: children in SYN_RECEIVED count against the backlog until accepted */
	struct ng_tcp_sock *parent;
	unsigned backlog, pending;
	uint64_t cookie_ns; /* listener: when it last answered with a SYN cookie (0: never) */
	ng_tcp_accept_fn accept;
	void *accept_ctx;
	bool accept_pending; /* child: hand to the listener's accept callback */
	bool passive;        /* created by a listener (RST in SYN_RECEIVED returns to LISTEN) */
	struct ng_tcp_sockopts opts;

	/* application */
	ng_tcp_event_fn cb;
	void *cb_ctx;
	unsigned events;    /* pending, delivered by tcp_finish */
	int err;            /* the error that ended it (negative) */
	int soft_err;       /* last ICMP soft error (RFC 1122 4.2.3.9) */
	bool want_writable; /* a send was short: report WRITABLE when space opens */

	/* the 4-tuple, host order */
	uint32_t laddr, raddr;
	uint16_t lport, rport;

	/* send sequence space (RFC 9293 3.3.1); SND_MAX is the highest sequence sent so far,
	 * SND_NXT drops back to SND_UNA on a retransmission timeout. */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
	uint32_t max_sndwnd;
	uint32_t snd_up; /* urgent pointer: seq after the last urgent byte */
	bool snd_urg;
	uint8_t snd_wscale;
	uint32_t snd_mss;    /* effective send MSS */
	uint32_t tx_offload; /* NG_LINK_TX_* of the route's link (tcp_setup_mss) */
	uint32_t sbuf_seq;   /* sequence number of the first byte in SB */
	struct tcp_ring sb;
	bool shut_wr;     /* application shut the write side: FIN after the data */
	bool fin_queued;  /* FIN may be sent (synchronized and SHUT_WR) */
	uint32_t fin_seq; /* seq of our FIN once queued */

	/* receive sequence space */
	uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge last advertised */
	uint32_t read_seq;              /* seq of the next byte the application reads (RB's head) */
	uint32_t rcv_up;
	bool rcv_urg;
	uint8_t rcv_wscale;
	bool ws_ok;
	uint32_t rcv_mss; /* what we expect full-size segments from the peer to be */
	uint32_t our_mss; /* what we advertised */
	struct tcp_ring rb;
	struct tcp_range ooo[TCP_OOO_MAX];
	uint8_t ooo_n;
	bool ooo_fin; /* a FIN arrived out of order at OOO_FIN_SEQ */
	uint32_t ooo_fin_seq;
	bool fin_rcvd;         /* the peer's FIN is in order: end of stream after RB */
	uint32_t push_pending; /* in-order bytes not yet signalled READABLE */

	/* acknowledgements */
	bool ack_now;
	/* an ACK owed by the every-second-segment rule waits for the end of the input batch
	 * (ng_tcp_flush_acks); the connection is on the stack's pending-ACK list */
	bool ack_batch;
	bool ack_batch_wnd; /* ... and it announces a window that opened (no new data needed) */
	/* the output an ACK allowed (new data) waits for the end of the input batch too, so the
	 * ACKs of one batch draw one large TSO super-segment instead of one small one each; the
	 * connection is on the same list, and tcp_output does nothing for it until the flush */
	bool out_batch;
	uint32_t last_ack_sent; /* rcv_nxt carried by the last ACK we sent */

	/* timers: retransmission or persist; delayed ACK; keepalive / TIME_WAIT / FIN_WAIT_2 */
	struct ng_timer rexmt, delack, keep;
	uint64_t rto;
	uint32_t srtt_us, rttvar_us;
	bool have_rtt;
	bool rtt_timing; /* one segment timed at a time (RFC 6298 3) */
	uint32_t rtt_seq;
	uint64_t rtt_ts;
	unsigned backoff;
	unsigned retries;        /* consecutive timeouts without progress */
	uint64_t first_rexmt_ts; /* when the current run of timeouts began (user timeout) */
	bool persist;            /* REXMT serves as the persist timer */
	struct ng_tcp_sock *tw_prev, *tw_next; /* the stack's TIME_WAIT list, oldest first */
	bool tlp_armed;    /* REXMT serves as the tail loss probe timer (RFC 8985 7) */
	bool tlp_out;      /* a probe is out and not yet acknowledged ... */
	uint32_t tlp_high; /* ... it ended at this sequence number */
	unsigned probes;
	uint64_t last_rx;
	unsigned ka_probes;

	/* congestion control (tcp_cc.c) and loss recovery */
	const struct tcp_cc_ops *cc;
	uint32_t cwnd, ssthresh;
	uint32_t cwnd_acc; /* bytes acked toward the next cwnd increment (CA) */
	uint64_t last_tx;  /* when data was last sent (RFC 5681 4.1 idle restart) */
	unsigned dupacks;
	/* In fast recovery (NewReno, RFC 6582, or SACK, RFC 6675), and RFC 6582's "recover": the
	 * highest sequence sent when it began, which outlives it (a new recovery waits until
	 * SND.UNA passes it; set at the handshake and after a timeout too). With SACK the
	 * scoreboard keeps its own copy (board.in_recovery, board.recovery_pt: the pure
	 * functions of tcp_sack.c read them). Both start in sack_recovery_start; both end on the
	 * ACK that reaches "recover" (new_ack, then tcp_sack_board_ack from sack_ack in the same
	 * ack_in) or at a timeout (rexmt_fire resets the board). Between the two ends of that
	 * ACK only new_ack's own timer arming runs, and it must see the recovery over (a tail
	 * loss probe may be armed again). */
	bool in_recovery;
	uint32_t recover;
	uint64_t cc_priv[6]; /* private state of the algorithm */

	/* timestamps (RFC 7323) and SACK (RFC 2018 / RFC 6675), negotiated on the SYNs */
	struct tcp_ts ts;
	bool ts_rtt_wait;    /* an RTT sample from TSecr was taken this flight ... */
	uint32_t ts_rtt_seq; /* ... and the next waits for an ACK of this */
	bool sack_ok;
	struct tcp_sack_rx sack_rx;       /* receiver: blocks reported last */
	struct tcp_sack_arrival sack_arr; /* receiver: the segment the next ACK answers */
	struct tcp_sack_board board;      /* sender: the scoreboard */

	/* statistics */
	uint64_t bytes_sent, bytes_received, bytes_retrans;
	uint32_t retransmits;
};

#define TCP_TS_OPT_LEN 12 /* timestamp option with its two NOPs (RFC 7323 appendix A) */

/* Option bytes every segment of C carries after the handshake (the timestamps). */
static inline uint32_t tcp_opt_overhead(const struct ng_tcp_sock *c)
{
	return c->ts.ok ? TCP_TS_OPT_LEN : 0;
}

/* TCP of one stack. */
struct ng_tcp {
	struct ng_tcp_sock *socks;
	uint32_t nsocks;
	/* blocks socks[0..nfresh) have been handed out at least once; the rest were never touched
	 * (calloc's pages stay unmapped until then: a table of 4096 blocks costs nothing until
	 * connections need it) */
	uint32_t nfresh;
	struct ng_tcp_sock *free; /* blocks returned since, taken first */
	struct ng_tcp_sock **hash;
	uint32_t hmask;
	uint64_t hseed;
	struct ng_tcp_sock *listeners;
	/* the memory of every connection's rings: cfg.tcp_mem_max (rounded up to a power of two)
	 * reserved at start, handed out by the buddy allocator (src/core/buddy.c) */
	struct ng_buddy *arena;
	/* connections in TIME_WAIT in the order they entered it: when every block is taken, the
	 * oldest one nobody holds makes room for a new connection (tcp_api.c slot_take) */
	struct ng_tcp_sock *tw_head, *tw_tail;
	size_t count;      /* connections in a state other than CLOSED and LISTEN */
	uint64_t mem_used; /* ring bytes allocated */
	uint32_t next_ephemeral;
	ng_tcp_trace_fn trace;
	void *trace_ctx;
	bool isn_fixed; /* tests: every ISN is ISN_VALUE */
	uint32_t isn_value;
	/* SYN cookies (tcp_cookie.h): their key, derived from the stack's secret on first use */
	uint8_t cookie_key[16];
	bool cookie_key_ok;
	/* RFC 5961 7: challenge ACKs of the whole stack share one bucket (set up on first use) */
	struct tcp_chal_limit chal;
	bool chal_init;
	/* connections whose ACK or output waits for the end of the input batch (tcp_in.c); GEN
	 * tells a slot freed (and maybe reused) since from the connection that was queued */
	struct {
		struct ng_tcp_sock *c;
		uint32_t gen;
	} ackq[TCP_ACKQ_MAX];
	uint32_t ackq_n;
	bool in_batch; /* ng_stack_pump is feeding frames in (until ng_tcp_flush_acks) */
};

#define TCP_CHALLENGE_PER_SEC 1000 /* challenge ACKs per second per stack (RFC 5961 7) */

/* A parsed incoming segment. */
struct tcp_seg {
	struct ng_tcp_hdr h;
	const uint8_t *data;
	uint32_t len;      /* payload bytes */
	uint32_t src, dst; /* IP addresses */
};

static inline struct ng_tcp *tcp_of(const struct ng_stack *st)
{
	return st->tcp;
}
/* Sequence space a segment occupies: payload plus one for SYN and one for FIN. */
static inline uint32_t tcp_seg_seqlen(const struct tcp_seg *s)
{
	return s->len + !!(s->h.flags & NG_TCP_SYN) + !!(s->h.flags & NG_TCP_FIN);
}
static inline bool tcp_synchronized(enum ng_tcp_state s)
{
	return s >= NG_TCP_ESTABLISHED;
}

/* ---- tcp_api.c: stack setup, pool, table, state changes, event delivery ---- */
/* Allocate the connection pool and table and register with IPv4. 0 or -NG_ENOMEM. */
int ng_tcp_create(struct ng_stack *st);
/* Free every connection and the table. */
void ng_tcp_destroy(struct ng_stack *st);
/* Tests: make every ISN ISN (FIXED) or go back to RFC 6528 ISNs. */
void ng_tcp_test_set_isn(struct ng_stack *st, bool fixed, uint32_t isn);
void tcp_set_state(struct ng_tcp_sock *c, enum ng_tcp_state to, const char *cause);
struct ng_tcp_sock *tcp_lookup(struct ng_tcp *t, uint32_t laddr, uint16_t lport, uint32_t raddr,
                               uint16_t rport);
struct ng_tcp_sock *tcp_find_listener(struct ng_tcp *t, uint32_t laddr, uint16_t lport);
/* A connection block with rings sized by OPTS, hashed under the 4-tuple; NULL when the pool or
 * the memory budget is exhausted. */
struct ng_tcp_sock *tcp_conn_new(struct ng_stack *st, const struct ng_tcp_sockopts *opts,
                                 uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport);
uint32_t tcp_new_isn(struct ng_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
                     uint16_t rport);
/* End the connection with error ERR (0 for none): CLOSED, events for the application. */
void tcp_drop(struct ng_tcp_sock *c, int err, const char *cause);
/* Deliver pending events and free the block if nobody holds it any more. Call last: C may be
 * gone afterwards. */
void tcp_finish(struct ng_tcp_sock *c);
/* Compute the MSS we advertise and the send MSS from the route and the peer's option. */
void tcp_setup_mss(struct ng_tcp_sock *c, bool peer_mss_ok, uint32_t peer_mss);
/* The MSS we advertise to RADDR, from the route's MTU (tcp_setup_mss, and the SYN cookie's
 * SYN+ACK, which has no connection to set up). */
uint32_t tcp_announced_mss(struct ng_stack *st, uint32_t raddr);
/* The size of a ring asked for as WANT bytes (0: TCP_DEFAULT_BUF), bounded. */
uint32_t tcp_buf_size(uint32_t want);
/* RFC 7323 2.3: the receive window shift for a ring of RBUF bytes (a connection's, and the one
 * a SYN cookie promises for the connection it may become). */
uint8_t tcp_wscale_for(uint32_t rbuf);

/* ---- tcp_in.c ---- */
void tcp_input(struct ng_stack *st, struct ng_pkt *p, const struct ng_ipv4_hdr *ip);
void tcp_icmp_error(struct ng_stack *st, const struct ng_ipv4_hdr *inner, const uint8_t *l4,
                    size_t l4len, int err, uint32_t mtu);
/* End of an input batch (ng_stack_pump, ng_stack_poll): send the ACKs that data_in deferred,
 * one per connection, each carrying the batch's last RCV.NXT (what GRO gives Linux). */
void ng_tcp_flush_acks(struct ng_stack *st);
/* The application's read opened C's window enough to announce (RFC 9293 3.8.6.2.2): an ACK now,
 * or, while an input batch is being fed in (the application reads from its event callback), one
 * at the end of the batch together with the ACK the data is owed. */
void tcp_ack_window_update(struct ng_tcp_sock *c);

/* ---- tcp_out.c ---- */
/* Send what the windows, Nagle and SWS avoidance allow, and any ACK owed. */
void tcp_output(struct ng_tcp_sock *c);
/* The same, but send what the window allows even if SWS avoidance would wait (override timer). */
void tcp_output_force(struct ng_tcp_sock *c);
/* Send one segment: LEN bytes of the send ring from SEQ with FLAGS (ACK added when
 * synchronized). 0 or a negative error. */
int tcp_xmit(struct ng_tcp_sock *c, uint32_t seq, uint32_t len, uint8_t flags);
void tcp_send_ack(struct ng_tcp_sock *c);
/* Retransmit [SEQ, SEQ + LEN) of sequence space from the send ring (a FIN with it if the range
 * covers our FIN), counted as a retransmission. Returns the sequence space sent, 0 if none. */
uint32_t tcp_retransmit(struct ng_tcp_sock *c, uint32_t seq, uint32_t len);
/* RFC 5961 challenge ACK (and the plain ACK RFC 9293 asks for on unacceptable segments). */
void tcp_send_challenge_ack(struct ng_tcp_sock *c);
void tcp_send_syn(struct ng_tcp_sock *c);
/* RFC 4987: the stateless SYN+ACK answering SEG with cookie ISN and TSVAL (tcp_cookie.h). */
void tcp_send_cookie_synack(struct ng_stack *st, const struct tcp_seg *seg, uint32_t isn,
                            const struct tcp_cookie_opts *o, uint16_t our_mss, uint8_t rcv_wscale,
                            uint16_t win, uint32_t tsval);
/* RST on C with SEQ = SND.NXT. */
void tcp_send_rst(struct ng_tcp_sock *c);
/* RFC 9293 3.10.7.1: the RST answering SEG when no connection exists. */
void tcp_send_rst_reply(struct ng_stack *st, const struct tcp_seg *seg);
/* Window to advertise (bytes, before scaling), with receiver SWS avoidance. */
uint32_t tcp_rcv_window(const struct ng_tcp_sock *c);
/* The window a SYN or SYN+ACK of C offers (never scaled, RFC 7323 2.2): the ring's free space. */
static inline uint32_t tcp_syn_window(const struct ng_tcp_sock *c)
{
	return NG_MIN(c->rb.size - c->rb.len, 65535u);
}
/* In-order bytes the application may read from C: none before the handshake completes (what a
 * SYN carried waits in the ring until then, RFC 9293 3.10.7.2). */
static inline uint32_t tcp_readable(const struct ng_tcp_sock *c)
{
	return c->state == NG_TCP_SYN_SENT || c->state == NG_TCP_SYN_RECEIVED ? 0 : c->rb.len;
}
/* Bytes in flight. */
static inline uint32_t tcp_flight(const struct ng_tcp_sock *c)
{
	return c->snd_max - c->snd_una;
}
/* Bytes of the send ring from sequence FROM to its end, 0 if FROM is at or past it: from
 * SND.MAX the data never sent; from SND.NXT (behind SND.MAX after a timeout) also what is to be
 * sent again. */
static inline uint32_t tcp_unsent(const struct ng_tcp_sock *c, uint32_t from)
{
	uint32_t end = c->sbuf_seq + c->sb.len;

	return tcp_seq_lt(from, end) ? end - from : 0;
}
/* Sequence space the peer's window still takes from FROM on: up to its right edge SND.UNA +
 * SND.WND (RFC 9293 3.8.6.2.1's usable window before cwnd), 0 if FROM is at or beyond it. */
static inline uint32_t tcp_wnd_room(const struct ng_tcp_sock *c, uint32_t from)
{
	uint32_t redge = c->snd_una + c->snd_wnd;

	return tcp_seq_gt(redge, from) ? redge - from : 0;
}

/* ---- tcp_timer.c ---- */
void tcp_timers_init(struct ng_tcp_sock *c);
void tcp_timers_cancel(struct ng_tcp_sock *c);
/* (Re)arm the retransmission timer with the current RTO. */
void tcp_rexmt_arm(struct ng_tcp_sock *c);
/* New data went out: start the retransmission timer if it is not running (RFC 6298 5.1), or
 * (re)start the tail loss probe timer (RFC 8985 7.2). */
void tcp_rexmt_on_send(struct ng_tcp_sock *c);
void tcp_persist_arm(struct ng_tcp_sock *c);
void tcp_delack_arm(struct ng_tcp_sock *c);
void tcp_keep_arm(struct ng_tcp_sock *c);
/* Feed an RTT sample (RFC 6298 2.2/2.3). */
void tcp_rtt_sample(struct ng_tcp_sock *c, uint64_t rtt_ns);

/* ---- tcp_cc.c: congestion control behind a small interface ---- */
/* Slow start on an ACK of ACKED bytes below ssthresh: cwnd grows by them, up to ssthresh.
 * Returns the bytes left over beyond ssthresh. */
uint32_t tcp_slow_start(struct ng_tcp_sock *c, uint32_t acked);
struct tcp_cc_ops {
	const char *name;
	/* Connection established: set the initial window (RFC 5681 3.1 / RFC 6928). */
	void (*init)(struct ng_tcp_sock *c);
	/* ACKED new bytes were acknowledged outside loss recovery: grow cwnd. */
	void (*on_ack)(struct ng_tcp_sock *c, uint32_t acked);
	/* Loss detected (three duplicate ACKs): the new ssthresh. */
	uint32_t (*ssthresh)(struct ng_tcp_sock *c);
	/* Retransmission timeout: collapse the window (RFC 5681 3.1 eq. 4). */
	void (*on_rto)(struct ng_tcp_sock *c);
	/* Fast recovery ended by a full ACK. */
	void (*on_recovery_end)(struct ng_tcp_sock *c);
	/* Sending resumes after an idle period longer than the RTO (RFC 5681 4.1). */
	void (*on_idle_restart)(struct ng_tcp_sock *c);
};
extern const struct tcp_cc_ops tcp_cc_newreno;

/* ---- tcp_buf.c: rings ---- */
int tcp_ring_alloc(struct ng_buddy *a, struct tcp_ring *r, uint32_t size);
void tcp_ring_release(struct ng_buddy *a, struct tcp_ring *r);
/* Copy LEN bytes in at OFF bytes past the head (OFF + LEN <= size). */
void tcp_ring_write_at(struct tcp_ring *r, uint32_t off, const void *data, uint32_t len);
/* Copy LEN bytes out from OFF bytes past the head. */
void tcp_ring_read_at(const struct tcp_ring *r, uint32_t off, void *out, uint32_t len);
/* Copy LEN bytes out from OFF bytes past the head and return their checksum sum (one pass). */
uint64_t tcp_ring_read_sum(const struct tcp_ring *r, uint32_t off, void *out, uint32_t len);
/* Drop N bytes from the head. */
void tcp_ring_consume(struct tcp_ring *r, uint32_t n);

#endif
