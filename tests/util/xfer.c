// SPDX-License-Identifier: MIT
/* Bulk transfers between stacks for sim tests (xfer.h). */
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "xfer.h"

static void pump(struct ng_test_xfer *x)
{
	while (x->a && x->sent < x->size) {
		long n = ng_tcp_send(x->a, x->data + x->sent, x->size - x->sent);
		if (n <= 0) {
			x->err = x->err || n < 0;
			break;
		}
		x->sent += (size_t)n;
	}
}

static void on_a(struct ng_tcp_sock *s, void *ctx, unsigned ev)
{
	struct ng_test_xfer *x = ctx;
	(void)s;
	if (ev & NG_TCP_EV_ERROR)
		x->err = true;
	if (ev & (NG_TCP_EV_CONNECTED | NG_TCP_EV_WRITABLE))
		pump(x);
}

static void on_b(struct ng_tcp_sock *s, void *ctx, unsigned ev)
{
	struct ng_test_xfer *x = ctx;
	uint8_t buf[16384];
	long n;

	if (ev & NG_TCP_EV_ERROR)
		x->err = true;
	while ((n = ng_tcp_recv(s, buf, sizeof(buf))) > 0) {
		if (x->got + (size_t)n > x->size || memcmp(buf, x->data + x->got, (size_t)n) != 0)
			x->bad = true;
		x->got += (size_t)n;
	}
}

static void on_accept(struct ng_tcp_sock *l, void *ctx, struct ng_tcp_sock *child)
{
	struct ng_test_xfer *x = ctx;
	(void)l;
	x->b = child;
	ng_tcp_set_callback(child, on_b, x);
}

void ng_test_xfer_start(struct ng_test_xfer *x, struct ng_stack *a, struct ng_stack *b,
                        uint32_t dst, uint16_t port, const struct ng_tcp_sockopts *so,
                        const uint8_t *data, size_t size)
{
	memset(x, 0, sizeof(*x));
	x->data = data;
	x->size = size;
	assert_int_equal(ng_tcp_listen(b, 0, port, 4, on_accept, x, so, &x->l), 0);
	assert_int_equal(ng_tcp_connect(a, dst, port, on_a, x, so, &x->a), 0);
}

bool ng_test_xfer_done(void *ctx)
{
	struct ng_test_xfer *x = ctx;
	struct ng_tcp_info i;

	if (x->bad || x->err)
		return true;
	if (x->got < x->size)
		return false;
	ng_tcp_get_info(x->a, &i);
	return i.snd_una == i.snd_nxt;
}

bool ng_test_xfer_ok(const struct ng_test_xfer *x)
{
	return !x->bad && !x->err && x->got == x->size;
}

void ng_test_xfer_end(struct ng_test_xfer *x)
{
	if (x->b)
		ng_tcp_abort(x->b);
	if (x->a)
		ng_tcp_abort(x->a);
	if (x->l)
		ng_tcp_close(x->l);
	x->a = x->b = x->l = NULL;
}

void ng_test_end_send(struct ng_test_end *e)
{
	while (e->txoff < e->txlen) {
		long n = ng_tcp_send(e->s, e->tx + e->txoff, e->txlen - e->txoff);
		if (n <= 0) {
			if (n < 0 && !e->err)
				e->err = (int)n;
			break;
		}
		e->txoff += (size_t)n;
	}
	if (e->txoff == e->txlen && !e->shut) {
		e->shut = true;
		ng_tcp_shutdown(e->s);
	}
}

void ng_test_end_recv(struct ng_test_end *e)
{
	static uint8_t buf[65536];
	const char *name = e->name ? e->name : "end";

	for (;;) {
		long n = ng_tcp_recv(e->s, buf, sizeof(buf));
		if (n == 0) {
			if (e->rxoff != e->rxlen && !e->bad) {
				e->bad = true;
				snprintf(e->why, sizeof(e->why), "%s: EOF after %zu of %zu bytes",
				         name, e->rxoff, e->rxlen);
			}
			e->eof = true;
			break;
		}
		if (n < 0) {
			if (n != -NG_EAGAIN && !e->err)
				e->err = (int)n;
			break;
		}
		if (e->rxoff + (size_t)n > e->rxlen || memcmp(buf, e->rx + e->rxoff, (size_t)n)) {
			if (!e->bad)
				snprintf(e->why, sizeof(e->why),
				         "%s: wrong bytes at offset %zu (+%ld, expected %zu total)",
				         name, e->rxoff, n, e->rxlen);
			e->bad = true;
		}
		e->rxoff += (size_t)n;
	}
}
