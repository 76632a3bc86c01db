// SPDX-License-Identifier: MIT
/*
 * Zero-copy receive: the application looks at the in-order bytes where they lie in the
 * connection's receive ring and then says how many it is done with, instead of having
 * ng_tcp_recv copy them out. An application that only counts, hashes or forwards what it
 * receives (an upload it discards, a checksum, a write to a file) saves one pass over every
 * byte. The ring's in-order part [head, head + len) is never written by the stack (new data goes
 * past it, out-of-order data further still), so the pointer stays good until the application
 * calls into the stack again.
 */
#include "tcp/tcp_internal.h"

/* Window updates are sent in the states where the peer may still send (RFC 9293 3.8.6.2.2);
 * the same rule as ng_tcp_recv. */
static bool window_update_state(enum ng_tcp_state s)
{
	return s == NG_TCP_ESTABLISHED || s == NG_TCP_FIN_WAIT_1 || s == NG_TCP_FIN_WAIT_2;
}

/* Point *DATA at the in-order bytes at the read position that lie contiguous in the ring and
 * return their count; at the end of the stream 0, with nothing ready -NG_EAGAIN, after an
 * error the socket's error (ng_tcp_recv's cases). *DATA is NULL unless the count is > 0. */
long ng_tcp_recv_peek(struct ng_tcp_sock *s, const void **data)
{
	const struct tcp_ring *r = &s->rb;

	*data = NULL;
	if (!s->in_use || s->state == NG_TCP_LISTEN)
		return -NG_ENOTCONN;
	if (r->len == 0 || !r->buf) {
		if (s->fin_rcvd)
			return 0;
		if (s->err)
			return s->err;
		if (s->state == NG_TCP_CLOSED)
			return 0;
		return -NG_EAGAIN;
	}
	*data = r->buf + r->head;
	return (long)NG_MIN(r->len, r->size - r->head);
}

/* The application is done with the first N in-order bytes (N <= ng_tcp_recv_avail): they leave
 * the ring as if ng_tcp_recv had copied them out, and the window opens by the same rule (an
 * update only when it grows by two segments or half the buffer, RFC 9293 3.8.6.2.2). Returns N,
 * -NG_EINVAL when N exceeds what is there, -NG_ENOTCONN on a listener or a freed socket. */
long ng_tcp_recv_consume(struct ng_tcp_sock *s, size_t n)
{
	uint32_t cur, now_wnd;

	if (!s->in_use || s->state == NG_TCP_LISTEN)
		return -NG_ENOTCONN;
	if (n > s->rb.len)
		return -NG_EINVAL;
	if (n == 0)
		return 0;
	tcp_ring_consume(&s->rb, (uint32_t)n);
	s->read_seq += (uint32_t)n;
	if (s->push_pending > s->rb.len)
		s->push_pending = s->rb.len;
	if (window_update_state(s->state)) {
		cur = tcp_seq_gt(s->rcv_adv, s->rcv_nxt) ? s->rcv_adv - s->rcv_nxt : 0;
		now_wnd = tcp_rcv_window(s);
		if (now_wnd > cur &&
		    (now_wnd - cur >= 2 * s->rcv_mss || now_wnd - cur >= s->rb.size / 2))
			tcp_ack_window_update(s);
	}
	return (long)n;
}
