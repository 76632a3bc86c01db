// SPDX-License-Identifier: MIT
/* Names of the RFC 9293 TCP states, shared by the stack, conntrack and the trace tool. */
#include "natgate/tcpstate.h"

const char *ng_tcp_state_name(enum ng_tcp_state s)
{
	static const char *const names[NG_TCP_STATE_MAX] = {
	    [NG_TCP_CLOSED] = "CLOSED",           [NG_TCP_LISTEN] = "LISTEN",
	    [NG_TCP_SYN_SENT] = "SYN_SENT",       [NG_TCP_SYN_RECEIVED] = "SYN_RECEIVED",
	    [NG_TCP_ESTABLISHED] = "ESTABLISHED", [NG_TCP_FIN_WAIT_1] = "FIN_WAIT_1",
	    [NG_TCP_FIN_WAIT_2] = "FIN_WAIT_2",   [NG_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	    [NG_TCP_CLOSING] = "CLOSING",         [NG_TCP_LAST_ACK] = "LAST_ACK",
	    [NG_TCP_TIME_WAIT] = "TIME_WAIT",
	};

	return (unsigned)s < NG_TCP_STATE_MAX ? names[s] : "?";
}
