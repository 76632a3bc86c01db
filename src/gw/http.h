/* SPDX-License-Identifier: MIT */
/* gw/http: the HTTP/1.1 message handling shared by ng-get and ng-httpd (src/gw/http.c). */
#ifndef NG_GW_HTTP_H
#define NG_GW_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "natgate/tcp.h"

/* Longest line of a head (request line, status line or one field line), CRLF included. */
#define NG_HTTP_LINE_MAX 4096

enum ng_http_method { NG_HTTP_OTHER, NG_HTTP_GET, NG_HTTP_HEAD, NG_HTTP_PUT, NG_HTTP_POST };

/* A parsed head. Pointers point into the head that was parsed. */
struct ng_http_msg {
	/* request line (RFC 9112 3) */
	enum ng_http_method method;
	const char *target;
	size_t target_len;
	/* status line (RFC 9112 4) */
	int status;
	const char *reason;
	size_t reason_len;
	/* both */
	int minor;      /* HTTP/1.minor */
	bool keepalive; /* persistent (RFC 9112 9.3: the version's default, then Connection; not
	                 * for HTTP/1.0 with Transfer-Encoding, RFC 9112 6.1) */
	bool expect100; /* Expect: 100-continue */
	bool has_len;   /* a Content-Length field was present */
	uint64_t content_length;
	bool has_te;          /* a Transfer-Encoding field was present */
	bool chunked;         /* ... and its last coding is chunked */
	bool te_chunked_only; /* ... and chunked is its one and only coding (one field) */
	const char *err;      /* after a refusal: why, in a few words */
};

/* Where a head ends in B[0..N): the index after its blank line, or 0 when it is not all there.
 * FROM is how much of B an earlier call already searched (0 the first time). */
size_t ng_http_head_end(const char *b, size_t n, size_t from);
/* Parse a request head H[0..N) (N includes the blank line). 0, or the status to answer with
 * (400, 414, 431, 505); M->err says why. */
int ng_http_parse_request(const char *h, size_t n, struct ng_http_msg *m);
/* Parse a response head H[0..N). 0, or -NG_EBADMSG with M->err saying why. */
int ng_http_parse_response(const char *h, size_t n, struct ng_http_msg *m);
/* Is TOK one of the comma-separated tokens of the field value V[0..N)? (RFC 9110 5.6.1) */
bool ng_http_has_token(const char *v, size_t n, const char *tok);
/* The reason phrase for CODE ("Unknown" for codes we never send). */
const char *ng_http_reason(int code);

/* ---- message bodies (RFC 9112 6.3) ---- */
enum ng_http_body_mode {
	NG_HTTP_BODY_NONE,    /* no body */
	NG_HTTP_BODY_LENGTH,  /* Content-Length bytes */
	NG_HTTP_BODY_CHUNKED, /* chunked transfer coding (RFC 9112 7.1) */
	NG_HTTP_BODY_CLOSE,   /* until the end of the stream (responses only) */
};
enum ng_chunk_state { NG_CHUNK_SIZE, NG_CHUNK_DATA, NG_CHUNK_DATA_END, NG_CHUNK_TRAILER };

struct ng_http_body {
	enum ng_http_body_mode mode;
	uint64_t left; /* LENGTH: bytes to come; CHUNKED: of the current chunk */
	uint64_t got;  /* data bytes delivered so far */
	enum ng_chunk_state ch;
	char line[256]; /* a chunk-size or trailer line being gathered */
	size_t line_len;
	bool done;
	const char *err; /* malformed framing: why */
};

/* How the body of a response to a request (HEAD: REQ_HEAD) is framed (RFC 9112 6.3). */
enum ng_http_body_mode ng_http_response_body(const struct ng_http_msg *m, bool req_head);
/* Start framing a body in MODE; LEN is the Content-Length for NG_HTTP_BODY_LENGTH. */
void ng_http_body_init(struct ng_http_body *b, enum ng_http_body_mode mode, uint64_t len);
/* Frame the bytes D[0..N) that follow the head: consume framing and at most one run of data,
 * which is D[*OFF .. *OFF + *LEN) (*LEN = 0 if none). Returns the bytes of D consumed (bytes
 * after the end of the body are not), or -NG_EBADMSG for malformed chunked framing (B->err). */
long ng_http_body_feed(struct ng_http_body *b, const char *d, size_t n, size_t *off, size_t *len);
/* Data sink for ng_http_body_recv: 0 to go on, negative to stop. */
typedef int (*ng_http_sink_fn)(void *ctx, const char *data, size_t n);
/* Results of ng_http_body_recv besides 0 and the socket's -NG_E* errors. */
#define NG_HTTP_DONE 1 /* the body is complete */
#define NG_HTTP_EOF  2 /* the stream ended before the body did */
/* Frame the bytes D[0..N) a program already holds, passing each run of data to SINK in place.
 * *USED: the bytes consumed (none after the end of the body). 0 (D used up, or B->done),
 * -NG_EBADMSG (framing, B->err), or the sink's negative value. */
int ng_http_body_take(struct ng_http_body *b, const char *d, size_t n, size_t *used,
                      ng_http_sink_fn sink, void *ctx);
/* Take body bytes straight from S's receive buffer (ng_tcp_recv_peek / ng_tcp_recv_consume, no
 * copy of ours), passing each run of data to SINK and leaving any bytes after the body unread.
 * Returns NG_HTTP_DONE, 0 (more must arrive), NG_HTTP_EOF, -NG_EBADMSG (framing, B->err), the
 * sink's negative value, or the socket's error. */
int ng_http_body_recv(struct ng_http_body *b, struct ng_tcp_sock *s, ng_http_sink_fn sink,
                      void *ctx);

/* ---- sending a head and a file ---- */
struct ng_http_out {
	const char *head; /* bytes to send first (a head), may be NULL */
	size_t head_len, head_off;
	int fd; /* file whose bytes [off, end) follow, -1 if none */
	uint64_t off, end;
	uint64_t sent;  /* bytes queued so far (head and file) */
	int err;        /* after a failure: the socket's -NG_E*, or 0 for a file failure */
	int file_errno; /* after a file failure: errno, 0 when the file ended early */
};
/* Queue the head and then the file, pread() straight into S's send buffer (ng_tcp_send_reserve /
 * ng_tcp_send_commit); head and first file bytes go in one commit so a small message is one
 * segment. Returns 1 when all is queued, 0 when the buffer is full (NG_TCP_EV_WRITABLE follows),
 * -1 on failure (O->err, O->file_errno). */
int ng_http_out_pump(struct ng_http_out *o, struct ng_tcp_sock *s);

#endif
