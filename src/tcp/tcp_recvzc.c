// SPDX-License-Identifier: MIT
/*
 * The receive side of the API: ng_tcp_recv copies the in-order bytes out; zero-copy receive lets
 * the application look at them where they lie in the connection's receive ring and then say how
 * many it is done with. An application that only counts, hashes or forwards what it receives (an
 * upload it discards, a checksum, a write to a file) saves one pass over every byte. The ring's
 * in-order part [head, head + len) is never written by the stack (new data goes past it,
 * out-of-order data further still), so the pointer stays good until the application calls into
 * the stack again. Both ways end the same: the bytes leave the ring and the window opens by one
 * rule (recv_consumed).
 */
#include "tcp/tcp_internal.h"

/* Window updates are sent in the states where the peer may still send (RFC 9293 3.8.6.2.2). */
static bool window_update_state(enum ng_tcp_state s)
{
	return s == NG_TCP_ESTABLISHED || s == NG_TCP_FIN_WAIT_1 || s == NG_TCP_FIN_WAIT_2;
}

/* With no in-order byte to read: 0 at the end of the stream, the socket's error after one,
 * else -NG_EAGAIN (-NG_ENOTCONN on a listener or a freed socket). */
static long recv_nothing(const struct ng_tcp_sock *s)
{
	if (!s->in_use || s->state == NG_TCP_LISTEN)
		return -NG_ENOTCONN;
	if (s->fin_rcvd)
		return 0;
	if (s->err)
		return s->err;
	if (s->state == NG_TCP_CLOSED)
		return 0;
	return -NG_EAGAIN;
}

/* The application is done with the first N in-order bytes: they leave the ring, and the window
 * opens when that moves it far enough (an update only when it grows by two segments or half
 * the buffer, RFC 9293 3.8.6.2.2; inside an input batch it rides on the batch's ACK). */
static void recv_consumed(struct ng_tcp_sock *s, uint32_t n)
{
	uint32_t cur, now_wnd;

	tcp_ring_consume(&s->rb, n);
	s->read_seq += n;
	if (s->push_pending > s->rb.len)
		s->push_pending = s->rb.len;
	if (window_update_state(s->state)) {
		cur = tcp_seq_gt(s->rcv_adv, s->rcv_nxt) ? s->rcv_adv - s->rcv_nxt : 0;
		now_wnd = tcp_rcv_window(s);
		if (now_wnd > cur &&
		    (now_wnd - cur >= 2 * s->rcv_mss || now_wnd - cur >= s->rb.size / 2))
			tcp_ack_window_update(s);
	}
}

/* Copy out up to LEN in-order bytes. Their count, or recv_nothing's answer when there are none. */
long ng_tcp_recv(struct ng_tcp_sock *s, void *buf, size_t len)
{
	uint32_t n;

	if (!s->in_use || s->state == NG_TCP_LISTEN || !tcp_readable(s) || !s->rb.buf)
		return recv_nothing(s);
	n = (uint32_t)NG_MIN(len, (size_t)s->rb.len);
	tcp_ring_read_at(&s->rb, 0, buf, n);
	recv_consumed(s, n);
	return (long)n;
}

/* Point *DATA at the in-order bytes at the read position that lie contiguous in the ring and
 * return their count; with none, recv_nothing's answer (ng_tcp_recv's cases). *DATA is NULL
 * unless the count is > 0. */
long ng_tcp_recv_peek(struct ng_tcp_sock *s, const void **data)
{
	const struct tcp_ring *r = &s->rb;

	*data = NULL;
	if (!s->in_use || s->state == NG_TCP_LISTEN || !tcp_readable(s) || !r->buf)
		return recv_nothing(s);
	*data = r->buf + r->head;
	return (long)NG_MIN(r->len, r->size - r->head);
}

/* The application is done with the first N in-order bytes (N <= ng_tcp_recv_avail): they leave
 * the ring as if ng_tcp_recv had copied them out (recv_consumed). Returns N, -NG_EINVAL when N
 * exceeds what is there, -NG_ENOTCONN on a listener or a freed socket. */
long ng_tcp_recv_consume(struct ng_tcp_sock *s, size_t n)
{
	if (!s->in_use || s->state == NG_TCP_LISTEN)
		return -NG_ENOTCONN;
	if (n > tcp_readable(s))
		return -NG_EINVAL;
	if (n)
		recv_consumed(s, (uint32_t)n);
	return (long)n;
}
