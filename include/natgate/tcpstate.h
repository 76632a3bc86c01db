/* SPDX-License-Identifier: MIT */
/* The eleven states of RFC 9293's TCP state diagram, shared by the stack's TCP, the NAT's
 * connection tracking and the trace tool's observer. */
#ifndef NATGATE_TCPSTATE_H
#define NATGATE_TCPSTATE_H

enum ng_tcp_state {
	NG_TCP_CLOSED,
	NG_TCP_LISTEN,
	NG_TCP_SYN_SENT,
	NG_TCP_SYN_RECEIVED,
	NG_TCP_ESTABLISHED,
	NG_TCP_FIN_WAIT_1,
	NG_TCP_FIN_WAIT_2,
	NG_TCP_CLOSE_WAIT,
	NG_TCP_CLOSING,
	NG_TCP_LAST_ACK,
	NG_TCP_TIME_WAIT,
	NG_TCP_STATE_MAX
};

/* "ESTABLISHED", "FIN_WAIT_1", ... ("?" for out-of-range values). */
const char *ng_tcp_state_name(enum ng_tcp_state s);

#endif
