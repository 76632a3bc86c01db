/* SPDX-License-Identifier: MIT */
/*
 * TCP sockets of the stack itself: non-blocking and event driven. Nothing here blocks; the
 * application learns what happened through its event callback, called from inside
 * ng_stack_input / ng_stack_poll. Addresses are host byte order.
 */
#ifndef NATGATE_TCP_H
#define NATGATE_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "natgate/tcpstate.h"

struct ng_stack;
struct ng_tcp_sock;

/* Event bits passed to the event callback (several may be set at once). */
enum {
	NG_TCP_EV_CONNECTED = 1 << 0, /* active open completed (ESTABLISHED) */
	NG_TCP_EV_READABLE = 1 << 1,  /* data to read, or the peer's FIN (recv returns 0) */
	NG_TCP_EV_WRITABLE = 1 << 2,  /* send space opened up after a short send */
	NG_TCP_EV_CLOSED = 1 << 3,    /* the connection is over (both FINs done, or reset); the
	                                 socket stays valid until ng_tcp_close */
	NG_TCP_EV_ERROR = 1 << 4, /* ng_tcp_error() tells: ECONNREFUSED, ECONNRESET, ETIMEDOUT */
};

typedef void (*ng_tcp_event_fn)(struct ng_tcp_sock *s, void *ctx, unsigned events);
/* A new connection on LISTENER reached ESTABLISHED; CHILD belongs to the application, which
 * should ng_tcp_set_callback it. If it does nothing, CHILD gets no events until it does. */
typedef void (*ng_tcp_accept_fn)(struct ng_tcp_sock *listener, void *ctx,
                                 struct ng_tcp_sock *child);

/* Per-socket options; zero fields take the defaults. */
struct ng_tcp_sockopts {
	uint32_t sndbuf; /* send buffer bytes (default 256 KiB) */
	uint32_t rcvbuf; /* receive buffer bytes (default 256 KiB) */
	bool nodelay;    /* disable Nagle */
	bool keepalive;
	uint32_t keepidle_s;      /* default 7200 */
	uint32_t keepintvl_s;     /* default 75 */
	uint32_t keepcnt;         /* default 9 */
	uint32_t user_timeout_ms; /* give up retransmitting after this (0 = retry limits only) */
	bool no_sack;             /* do not offer or accept SACK (RFC 2018); default: offered */
	bool no_timestamps; /* do not offer or accept timestamps (RFC 7323); default: offered */
	char cc[16];        /* congestion control: "cubic" (default) or "newreno" */
};

/* Listen on ADDR:PORT (ADDR 0 = all of ours). BACKLOG bounds connections in SYN_RECEIVED plus
 * those established but not yet handed over. OPTS apply to accepted children. */
int ng_tcp_listen(struct ng_stack *st, uint32_t addr, uint16_t port, unsigned backlog,
                  ng_tcp_accept_fn accept, void *ctx, const struct ng_tcp_sockopts *opts,
                  struct ng_tcp_sock **out);
/* Active open to DST:DPORT from an ephemeral port. Returns 0 with *OUT in SYN_SENT;
 * NG_TCP_EV_CONNECTED or NG_TCP_EV_ERROR follows. */
int ng_tcp_connect(struct ng_stack *st, uint32_t dst, uint16_t dport, ng_tcp_event_fn fn, void *ctx,
                   const struct ng_tcp_sockopts *opts, struct ng_tcp_sock **out);
/* RFC 9293's SEND on a listener: listener L (no handshake of its own pending) stops listening
 * and opens a connection from its address and port to DST:DPORT (LISTEN -> SYN_SENT); L is that
 * connection from then on, its events going to FN. 0, or -NG_EAGAIN, -NG_EADDRINUSE,
 * -NG_ENETUNREACH, -NG_ENOMEM, -NG_EINVAL (L still listening). */
int ng_tcp_listen_connect(struct ng_tcp_sock *l, uint32_t dst, uint16_t dport, ng_tcp_event_fn fn,
                          void *ctx);
void ng_tcp_set_callback(struct ng_tcp_sock *s, ng_tcp_event_fn fn, void *ctx);

/* Queue up to LEN bytes; returns the bytes taken (0 when the send buffer is full: wait for
 * NG_TCP_EV_WRITABLE), or -NG_ENOTCONN / -NG_EPIPE (after shutdown) / the socket's error. */
long ng_tcp_send(struct ng_tcp_sock *s, const void *data, size_t len);
/* Bytes ng_tcp_send would take now. */
size_t ng_tcp_send_space(const struct ng_tcp_sock *s);
/* Zero-copy send, step 1: the contiguous free space at the tail of S's send buffer, whose
 * length goes to *LEN (less than ng_tcp_send_space when the free space wraps around the end of
 * the ring: commit, then reserve again for the rest). NULL with *LEN = 0 when the buffer is full
 * (NG_TCP_EV_WRITABLE follows, as after a short ng_tcp_send) or sending is not possible
 * (ng_tcp_send would fail). The application writes its data there (e.g. read() a file straight
 * into it); nothing is queued until ng_tcp_send_commit. The space stays valid until the next
 * call into the stack. */
void *ng_tcp_send_reserve(struct ng_tcp_sock *s, size_t *len);
/* Zero-copy send, step 2: queue the first N bytes of the space the last ng_tcp_send_reserve
 * gave, exactly as ng_tcp_send would have queued them (same Nagle, PSH and output). 0, or
 * -NG_EINVAL when N exceeds that space, or ng_tcp_send's errors. N = 0 is a no-op. */
int ng_tcp_send_commit(struct ng_tcp_sock *s, size_t n);
/* Send LEN bytes as urgent data (RFC 9293 3.8.5: the urgent pointer marks the end). */
long ng_tcp_send_urgent(struct ng_tcp_sock *s, const void *data, size_t len);
/* Read up to LEN bytes; returns bytes read, 0 at end of stream (the peer's FIN), -NG_EAGAIN if
 * nothing is ready, or the socket's error. Urgent data is delivered inline. */
long ng_tcp_recv(struct ng_tcp_sock *s, void *buf, size_t len);
/* Bytes ready to read. */
size_t ng_tcp_recv_avail(const struct ng_tcp_sock *s);
/* Zero-copy receive, step 1: point *DATA at the bytes ready to read where they lie in S's
 * receive buffer and return how many lie there contiguously (fewer than ng_tcp_recv_avail when
 * they wrap around the end of the buffer: consume them, then peek again); 0 at end of stream,
 * -NG_EAGAIN, or the socket's error, as ng_tcp_recv. The bytes stay valid and unchanged until
 * the next call into the stack other than these two (ng_stack_pump/poll/input included). */
long ng_tcp_recv_peek(struct ng_tcp_sock *s, const void **data);
/* Zero-copy receive, step 2: the application is done with the first N bytes ready to read
 * (N <= ng_tcp_recv_avail); they leave the buffer as if ng_tcp_recv had copied them out, and
 * the window opens the same way. Returns N, or -NG_EINVAL (N too large) / -NG_ENOTCONN. */
long ng_tcp_recv_consume(struct ng_tcp_sock *s, size_t n);
/* Bytes from the read position to the urgent mark (the end of urgent data), -1 if none. */
long ng_tcp_urgent_mark(const struct ng_tcp_sock *s);
/* Half-close: send FIN after the queued data; reading goes on. */
int ng_tcp_shutdown(struct ng_tcp_sock *s);
/* The application is done with S: orderly close (FIN after queued data) if still open; the stack
 * frees S when the connection ends (TIME_WAIT and all). No callbacks after this. Unread data at
 * close makes it a reset (RFC 9293 3.10.4 / RFC 2525). */
void ng_tcp_close(struct ng_tcp_sock *s);
/* Send RST if synchronised, free S now. */
void ng_tcp_abort(struct ng_tcp_sock *s);

enum ng_tcp_state ng_tcp_get_state(const struct ng_tcp_sock *s);
/* The error that ended the connection (negative NG_E*), 0 if none. */
int ng_tcp_error(const struct ng_tcp_sock *s);

struct ng_tcp_info {
	enum ng_tcp_state state;
	uint32_t local_addr, remote_addr;
	uint16_t local_port, remote_port;
	uint32_t iss, irs;
	uint32_t snd_una, snd_nxt, snd_wnd, rcv_nxt, rcv_wnd;
	uint32_t mss; /* effective send MSS */
	uint8_t snd_wscale, rcv_wscale;
	uint32_t cwnd, ssthresh; /* bytes */
	uint32_t srtt_us, rttvar_us, rto_ms;
	uint64_t bytes_sent, bytes_received, bytes_retrans;
	uint32_t retransmits; /* segments retransmitted */
	bool sack_ok, ts_ok;
};
void ng_tcp_get_info(const struct ng_tcp_sock *s, struct ng_tcp_info *out);

/* Connections the stack holds (every state but LISTEN, including TIME_WAIT and sockets the
 * application closed that are still finishing). */
size_t ng_tcp_count(const struct ng_stack *st);

/* Every state change, as it happens: old -> new and why (for --trace and tests). */
typedef void (*ng_tcp_trace_fn)(void *ctx, const struct ng_tcp_sock *s, enum ng_tcp_state from,
                                enum ng_tcp_state to, const char *cause);
void ng_tcp_set_trace(struct ng_stack *st, ng_tcp_trace_fn fn, void *ctx);

#endif
