/* SPDX-License-Identifier: MIT */
/* Bulk transfers between stacks for sim tests: a one-way transfer (A connects to B and sends a
 * buffer, B checks every byte it reads against it), and the two ends of a two-way one. */
#ifndef NG_TEST_XFER_H
#define NG_TEST_XFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "natgate/tcp.h"

struct ng_test_xfer {
	struct ng_tcp_sock *a, *b, *l; /* sender, accepted receiver, listener */
	const uint8_t *data;
	size_t size, sent, got;
	bool bad; /* B read bytes that differ from DATA, or more than SIZE */
	bool err; /* an error event, or a send that failed */
};

/* B listens on PORT and A connects to DST:PORT, both with SO (may be NULL); once connected, A
 * sends SIZE bytes of DATA as fast as its buffer takes them. Asserts that both calls succeed. */
void ng_test_xfer_start(struct ng_test_xfer *x, struct ng_stack *a, struct ng_stack *b,
                        uint32_t dst, uint16_t port, const struct ng_tcp_sockopts *so,
                        const uint8_t *data, size_t size);
/* For ng_test_pair_run: true once B has every byte and A has every byte acknowledged, or as soon
 * as something went wrong. */
bool ng_test_xfer_done(void *ctx);
/* Everything arrived, intact, without an error. */
bool ng_test_xfer_ok(const struct ng_test_xfer *x);
/* Abort both ends and close the listener (before the pair is destroyed). */
void ng_test_xfer_end(struct ng_test_xfer *x);

/* One end of a two-way transfer: sends TX (then shuts its side down), expects to read RX and
 * then the end of the stream. */
struct ng_test_end {
	const char *name; /* in WHY */
	struct ng_tcp_sock *s;
	const uint8_t *tx, *rx;
	size_t txlen, txoff, rxlen, rxoff;
	bool eof, shut, closed;
	bool bad; /* wrong bytes, too many, or the end of the stream too early: WHY says */
	int err;  /* the first error seen (negative NG_E*) */
	char why[160];
};

/* Queue as much of TX as the send buffer takes; shut the write side once all of it is in. */
void ng_test_end_send(struct ng_test_end *e);
/* Read everything there is, checking it against RX; EOF is noted (and is BAD if early). */
void ng_test_end_recv(struct ng_test_end *e);

#endif
