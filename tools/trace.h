/* SPDX-License-Identifier: MIT */
/*
 * `natgate trace`: ladder diagrams of the TCP connections in a capture. The pure parts (decoding
 * a captured frame, grouping segments into connections, running the TCP observer on both sides,
 * marking retransmissions and friends) live in trace_model.c; the renderers (text ladder, SVG,
 * JSON) write to a FILE; trace.c is the command with its argument parsing and capture reading.
 */
#ifndef NG_TRACE_H
#define NG_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nat/tcp_track.h"
#include "natgate/tcpstate.h"
#include "wire/wire_internal.h"

/* Link types understood by ng_trace_decode (the DLT_* values libpcap reports). */
#define NG_TRACE_DLT_NULL       0
#define NG_TRACE_DLT_EN10MB     1
#define NG_TRACE_DLT_RAW        12 /* Linux, most systems */
#define NG_TRACE_DLT_RAW_BSD    14
#define NG_TRACE_DLT_LOOP       108
#define NG_TRACE_DLT_LINUX_SLL  113
#define NG_TRACE_DLT_IPV4       228
#define NG_TRACE_DLT_LINUX_SLL2 276

/* Why a captured frame did not become a segment of some connection. */
#define NG_TRACE_SKIPS(X)                                                                          \
	X(NOT_IP, "not IP")                                                                        \
	X(LINK_SHORT, "truncated link header")                                                     \
	X(IP_BAD, "malformed IPv4 header")                                                         \
	X(NOT_TCP, "not TCP")                                                                      \
	X(FRAGMENT, "IPv4 fragment")                                                               \
	X(TCP_BAD, "malformed TCP header")                                                         \
	X(FILTERED, "filtered out")                                                                \
	X(TOO_MANY, "over the segment limit")                                                      \
	X(NO_TRACK, "segment before any SYN")
enum ng_trace_skip {
	NG_TRACE_SKIP_NONE,
#define NG_TRACE_X(n, s) NG_TRACE_SKIP_##n,
	NG_TRACE_SKIPS(NG_TRACE_X)
#undef NG_TRACE_X
	    NG_TRACE_SKIP_MAX
};
const char *ng_trace_skip_name(enum ng_trace_skip s);

/* An IPv4 or IPv6 address: the bytes in network order (IPv4 in the first four, the rest zero),
 * so that two addresses compare with memcmp. */
struct ng_trace_addr {
	uint8_t v6;
	uint8_t b[16];
};

/* One TCP segment as decoded from a captured frame. */
struct ng_trace_pkt {
	uint64_t ts_ns; /* capture time, ns since the epoch */
	uint32_t frame; /* frame number in the capture, from 1 */
	struct ng_trace_addr src, dst;
	struct ng_tcp_hdr tcp;
	uint32_t payload; /* TCP payload bytes (from the IP length, even if not captured) */
	bool csum_bad;    /* checksum wrong (often offload on the capturing host) */
	bool truncated;   /* the capture holds only part of the segment */
};

/* Decodes frame B (CAPLEN bytes captured of WIRELEN) of link type DLT into P. Returns
 * NG_TRACE_SKIP_NONE or why the frame is no TCP/IPv4 segment. All parsing goes through the
 * src/wire codecs, except the Linux cooked headers, which are read here with explicit checks. */
enum ng_trace_skip ng_trace_decode(int dlt, const uint8_t *b, size_t caplen, size_t wirelen,
                                   struct ng_trace_pkt *p);

/* Marks on a segment. */
enum {
	NG_TRACE_M_RETRANS = 1u << 0,  /* this data was sent before */
	NG_TRACE_M_OOO = 1u << 1,      /* fills a gap soon after it opened: reordered */
	NG_TRACE_M_GAP = 1u << 2,      /* starts beyond what its sender sent so far: lost before */
	NG_TRACE_M_DUPACK = 1u << 3,   /* repeats the previous ACK with data outstanding */
	NG_TRACE_M_ZEROWIN = 1u << 4,  /* advertises a zero window */
	NG_TRACE_M_WINDOW = 1u << 5,   /* outside the window: moved no state */
	NG_TRACE_M_INVALID = 1u << 6,  /* fits no state */
	NG_TRACE_M_CSUM = 1u << 7,     /* bad checksum */
	NG_TRACE_M_KEEPALIVE = 1u << 8 /* one byte (or none) just behind the edge, nothing new */
};

/* One segment in a connection, with what the analysis concluded. */
struct ng_trace_ev {
	struct ng_trace_pkt p;
	uint8_t dir; /* NG_TRACK_ORIG: from the client (left column) */
	uint8_t verdict;
	uint8_t st[2];      /* both sides' states after this segment */
	uint32_t marks;     /* NG_TRACE_M_* */
	uint32_t dup_n;     /* duplicate ACK number (1, 2, ...) */
	uint32_t gap_bytes; /* bytes missing before this segment (NG_TRACE_M_GAP) */
};

#define NG_TRACE_MAX_HOLES 16

/* Per-direction analysis state. */
struct ng_trace_dir {
	bool seen_any;
	bool isn_known;
	uint32_t isn;
	uint32_t next;        /* highest seq + len sent */
	uint64_t bytes;       /* distinct payload bytes */
	uint64_t payload_all; /* payload bytes including retransmissions */
	uint32_t segs;
	uint32_t retrans;
	uint32_t last_ack;
	uint16_t last_win;
	bool last_ack_valid;
	uint32_t dup_run;
	bool fin;
	bool rst;
	uint8_t syns; /* 1: a bare SYN was sent, 2: a SYN+ACK was sent */
	uint32_t nholes;
	struct {
		uint32_t lo, hi;
		uint64_t ts;
	} hole[NG_TRACE_MAX_HOLES];
};

/* A TCP connection: side 0 is the client (sent the first SYN), side 1 the server. */
struct ng_trace_conn {
	uint32_t id; /* from 1, in order of first appearance */
	struct ng_trace_addr addr[2];
	uint16_t port[2];
	bool keep; /* passes the --conn/--port/--host filter */
	struct ng_tcp_track tr;
	struct ng_trace_dir d[2];
	struct ng_trace_ev *ev;
	size_t nev, cap;
	uint64_t first_ns, last_ns;
	uint64_t syn_ns, synack_ns, ack_ns; /* handshake times (0: not seen) */
	bool handshake_done;
	uint32_t csum_bad;
	uint32_t untracked; /* segments before any SYN */
};

/* What to select and how to draw. */
struct ng_trace_opts {
	uint32_t conn; /* --conn N (0: all) */
	int port;      /* --port P (-1: any) */
	bool host_set;
	struct ng_trace_addr host; /* --host ADDR */
	bool absolute;             /* --absolute: raw sequence numbers */
	uint32_t limit;    /* --limit N: longest uneventful run shown unfolded (0: never fold) */
	size_t max_events; /* bound on segments kept in memory */
};
void ng_trace_opts_default(struct ng_trace_opts *o);

/* All the connections of one capture. */
struct ng_trace {
	struct ng_trace_opts opt;
	struct ng_trace_conn **conn;
	size_t nconn, cap;
	size_t nev; /* segments kept, all connections */
	uint64_t frames;
	uint64_t skipped[NG_TRACE_SKIP_MAX];
	uint64_t first_ns;
	bool first_set;
	/* hash of the open connections by 4-tuple */
	uint32_t *slot;
	size_t nslot;
};

void ng_trace_init(struct ng_trace *t, const struct ng_trace_opts *o);
void ng_trace_free(struct ng_trace *t);
/* Adds one decoded segment: finds or opens its connection, runs the observer and the
 * retransmission / gap / duplicate-ACK analysis. Returns 0, or -1 when out of memory. */
int ng_trace_add(struct ng_trace *t, const struct ng_trace_pkt *p);
/* Decodes one captured frame and adds it (counting skips). Returns 0, or -1 when out of
 * memory. */
int ng_trace_frame(struct ng_trace *t, int dlt, const uint8_t *b, size_t caplen, size_t wirelen,
                   uint64_t ts_ns);

/* How a connection ended, in words: "FIN/FIN", "RST from server", "refused", "still open". */
const char *ng_trace_ending(const struct ng_trace_conn *c, char *buf, size_t cap);
/* The S: and A: numbers shown for event E (relative to the ISNs unless ABSOLUTE). */
void ng_trace_numbers(const struct ng_trace_conn *c, const struct ng_trace_ev *e, bool absolute,
                      uint32_t *s, uint32_t *a);
/* The window event E of C advertises in bytes: scaled (RFC 7323) once both SYNs carried the
 * window-scale option, except in a SYN; as sent otherwise. */
uint32_t ng_trace_window(const struct ng_trace_conn *c, const struct ng_trace_ev *e);
/* Which events of C are drawn: SHOWN[i] for each of the c->nev events (false: folded into a "..."
 * line). Folding hides the middle of every run of more than LIMIT uneventful segments (0: none).
 * Linear in the number of events. */
void ng_trace_fold(const struct ng_trace_conn *c, uint32_t limit, bool *shown);
/* The same as an array the caller frees, or NULL when out of memory (then draw everything). */
bool *ng_trace_fold_alloc(const struct ng_trace_conn *c, uint32_t limit);
/* "1.2 kB", "2.1 MB", ... into BUF. */
const char *ng_trace_bytes(uint64_t n, char *buf, size_t cap);
/* "a.b.c.d:port" or "[v6]:port" of side S into BUF (>= 56 bytes for IPv6). */
const char *ng_trace_endpoint(const struct ng_trace_conn *c, int s, char *buf, size_t cap);

/* Renderers. */
void ng_trace_text(const struct ng_trace *t, FILE *out);
void ng_trace_json(const struct ng_trace *t, FILE *out);
void ng_trace_svg(const struct ng_trace *t, FILE *out);

/* The command: `natgate trace FILE [options]`. Writes the result to OUT and diagnostics to ERR;
 * returns the exit status (0 ok, 1 capture error, 2 bad arguments). */
int ng_trace_run(int argc, char **argv, FILE *out, FILE *err);
/* The same on stdout / stderr: the subcommand `natgate trace` (tools/natgate.c). */
int ng_cli_trace(int argc, char **argv);
/* Reads a capture file with libpcap into T. Returns 0, or -1 after writing an error to ERR. */
int ng_trace_read_file(struct ng_trace *t, const char *path, FILE *err);
/* The same from an open stream (a fuzz input). */
int ng_trace_read_stream(struct ng_trace *t, FILE *f, FILE *err);

#endif
