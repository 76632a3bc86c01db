/* SPDX-License-Identifier: MIT */
/*
 * A TCP connection seen from the middle: both endpoints' states inferred from the segments that
 * pass, as RFC 9293's state diagram would move them. Used by the NAT's connection tracking (is a
 * segment in window? may it move the state? when is the flow done?) and by `natgate trace` (the
 * states written beside a ladder diagram). Pure logic, no time, no I/O.
 */
#ifndef NG_TCP_TRACK_H
#define NG_TCP_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "natgate/tcpstate.h"
#include "wire/wire_internal.h"

/* Direction of a segment: from the side that sent the first SYN (the initiator, 0) or from the
 * responder (1). */
enum { NG_TRACK_ORIG = 0, NG_TRACK_REPLY = 1 };

/*
 * One side's view. Packed for the NAT's flow table (one tracker per TCP flow; DESIGN: under 128
 * bytes of table per flow): the sequence numbers first, then the state and scale in a byte each
 * and the flags in bits, 24 bytes a side. Field names and meanings are the API (tools/trace*.c
 * read them); the flags are bit-fields, so take no address of them.
 */
struct ng_tcp_track_side {
	uint32_t isn;
	uint32_t end;     /* highest seq + len (+SYN/FIN) this side has sent */
	uint32_t max_end; /* highest ack + window this side's peer allowed (right edge) */
	uint32_t max_win; /* largest (scaled) window this side advertised */
	uint32_t fin_seq; /* sequence number of this side's FIN */
	uint8_t state;    /* enum ng_tcp_state */
	uint8_t wscale;   /* window scale this side announced (if both sides did) */
	bool isn_known : 1;
	bool ws_seen : 1;
	bool fin_sent : 1;
	bool fin_acked : 1; /* the peer acknowledged that FIN */
};

struct ng_tcp_track {
	struct ng_tcp_track_side side[2];
	bool simultaneous_open : 1; /* both sides sent a bare SYN */
	bool reset : 1;             /* a valid RST ended it */
	bool picked_up : 1;         /* met mid-stream (ng_tcp_track_pickup): no SYN was seen */
};

enum ng_track_verdict {
	NG_TRACK_OK,      /* accepted; states may have moved */
	NG_TRACK_WINDOW,  /* outside the window: must not move state (a NAT drops or passes it
	                     without effect) */
	NG_TRACK_INVALID, /* makes no sense in this state (e.g. data before any SYN) */
};

void ng_tcp_track_init(struct ng_tcp_track *t);
/* Feed one segment sent by side DIR with PAYLOAD_LEN bytes of data. Returns the verdict; on
 * NG_TRACK_OK the states in T reflect the segment. */
enum ng_track_verdict ng_tcp_track_segment(struct ng_tcp_track *t, int dir,
                                           const struct ng_tcp_hdr *h, uint32_t payload_len);
/* Starts tracking a connection met mid-stream (a capture or a NAT that began late) with its
 * first segment, sent by side DIR: both sides are taken as ESTABLISHED, each side's sequence
 * space is learned from its first segment, and since the window scale is unknown the windows
 * are read with the largest scale (loose). Then feeds the segment as ng_tcp_track_segment. */
enum ng_track_verdict ng_tcp_track_pickup(struct ng_tcp_track *t, int dir,
                                          const struct ng_tcp_hdr *h, uint32_t payload_len);
/* True once both sides are closed or in TIME_WAIT, or after a RST. */
bool ng_tcp_track_done(const struct ng_tcp_track *t);
/* True while the connection is ESTABLISHED on both sides (the NAT's long timeout applies). */
bool ng_tcp_track_established(const struct ng_tcp_track *t);

#endif
