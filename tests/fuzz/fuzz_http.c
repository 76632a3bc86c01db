// SPDX-License-Identifier: MIT
/* libFuzzer target: the HTTP/1.1 module (src/gw/http.c) on a byte stream read the way ng-httpd
 * and ng-get read one, in pieces.
 *
 * Theory of operation. Byte 0 is the mode: bit 0 clear plays ng-httpd reading requests, set plays
 * ng-get reading responses; bits 1-4 say which of the responses (the i-th takes bit 1 + i % 4)
 * answer a HEAD request; bit 5 shrinks the head buffer from the programs' sizes to 128 times
 * one more than the high nibble of byte 1, so that a head outgrowing it is reached. The low nibble
 * of byte 1 is K, and the K bytes after it are segment lengths (each byte + 1, used in turn): the
 * stream, the rest of the input, arrives in segments of those lengths, like the bytes of a TCP
 * connection arriving in segments. Each input is played twice, once so split and once arriving all
 * at once, and both plays must tell the same story.
 *
 * The server play is the loop of ng-httpd: the head is read into a HEAD_MAX buffer (431 when it
 * fills without an end), found with ng_http_head_end (resuming where the last search stopped)
 * and parsed with ng_http_parse_request; the body (Content-Length or chunked, refused as ng-httpd
 * refuses it) is taken first from the bytes read with the head (ng_http_body_take), then from
 * the stream as ng_http_body_recv takes it from a receive buffer, and the bytes after it are the
 * next, pipelined, request. The client play is ng-get's: head bytes gathered and parsed with
 * ng_http_parse_response, interim 1xx heads skipped, the body framed by ng_http_response_body,
 * and (unlike ng-get, which sends one request) a next response read after it while the connection
 * stays persistent.
 *
 * Every span handed to the module is a heap copy of exactly its length, so ASan sees a read past
 * it. Oracles: a head parse is a status or error with a reason, or a head whose pointers lie in
 * the head and whose fields agree with its bytes; ng_http_head_end finds the first end of a head,
 * wherever the search resumed; every run of body data handed to the sink lies in the bytes given,
 * after the run before it (no byte handed over twice) and within the bytes reported consumed;
 * Content-Length bodies hand over every byte they consume and exactly Content-Length of them; a
 * take that stops short of its bytes has ended the body (else ng_http_body_recv would spin); a
 * finished body consumes nothing more; and every chunked body agrees with a one-pass reference
 * decoder of RFC 9112 7.1 (same data bytes, same end, same verdict: done, malformed, cut short).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/http.h"
#include "natgate/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SERVER_HEAD_MAX 8192  /* ng-httpd's request head buffer */
#define CLIENT_HEAD_MAX 16384 /* ng-get's response head buffer */
#define LOG_MAX         2048
#define CHUNK_LINE_MAX  255 /* bytes of a chunk line before its LF (struct ng_http_body.line) */

/* What a play saw, in order: compared between the split and the whole play. */
struct ev {
	uint64_t tag; /* no padding: logs are compared with memcmp */
	uint64_t v;
};

enum tag {
	T_HEAD_AT = 1, /* a head found: its end in the stream */
	T_STATUS,      /* parse result */
	T_METHOD,
	T_TARGET, /* offset, length */
	T_MINOR,
	T_FLAGS,
	T_CLEN,
	T_BODY_MODE,
	T_BODY_END, /* stream offset after the body */
	T_BODY_BAD, /* malformed framing */
	T_EOF,      /* the stream ended (inside a head, a body, or between messages) */
	T_TOO_BIG,  /* the head outgrew its buffer */
	T_CLOSE,    /* the program would close here */
};

struct play {
	/* the stream and how it arrives */
	const uint8_t *s;
	size_t n;
	size_t pos;     /* consumed (read or taken) */
	size_t arrived; /* bytes that have arrived */
	const uint8_t *lens;
	size_t nlens, li;
	unsigned mode;
	size_t head_max; /* the head buffer's size */
	/* what it saw */
	struct ev log[LOG_MAX];
	size_t nlog;
	uint64_t hash;
	uint8_t *out; /* body data handed to the sink, in order (capacity n) */
	size_t out_len;
	size_t last_end; /* stream offset after the last run handed to the sink */
	/* the take in progress: its copy and where that lies in the stream */
	const char *span;
	size_t span_n, span_base;
	size_t span_data; /* bytes handed to the sink in this take */
};

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_http: %s\n", what);
	abort();
}

static void note(struct play *p, uint64_t tag, uint64_t v)
{
	p->hash = (p->hash ^ tag) * 0x100000001b3ull;
	p->hash = (p->hash ^ v) * 0x100000001b3ull;
	if (p->nlog < LOG_MAX)
		p->log[p->nlog++] = (struct ev){tag, v};
}

/* Bytes that have arrived and are not yet consumed. */
static size_t avail(const struct play *p)
{
	return p->arrived - p->pos;
}

/* The next segment arrives; false at the end of the stream. */
static bool arrive(struct play *p)
{
	if (p->arrived == p->n)
		return false;
	size_t k = p->n - p->arrived;
	if (p->nlens) {
		size_t l = (size_t)p->lens[p->li++ % p->nlens] + 1;
		k = l < k ? l : k;
	}
	p->arrived += k;
	return true;
}

static char *copy(const void *b, size_t n)
{
	char *c = malloc(n ? n : 1);
	if (!c)
		fail("out of memory");
	if (n)
		memcpy(c, b, n);
	return c;
}

/* ---------------------------------------------------------------- reference chunked decoder */

enum ref_verdict { REF_DONE, REF_BAD, REF_SHORT };

static int hexval(uint8_t c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* Decode the chunked body that starts at S[AT] in one pass (RFC 9112 7.1: chunk-size [ BWS ;
 * extension ] CRLF, data CRLF, ..., last-chunk, trailer lines, CRLF; lines may end in a bare LF
 * and hold at most CHUNK_LINE_MAX bytes). The data goes to DATA (*DLEN bytes); *END is the
 * offset after the body when it is done. */
static enum ref_verdict ref_chunked(const uint8_t *s, size_t n, size_t at, uint8_t *data,
                                    size_t *dlen, size_t *end)
{
	enum { R_SIZE, R_DATA_END, R_TRAILER } st = R_SIZE;
	size_t p = at;
	*dlen = 0;
	for (;;) {
		size_t q = p;
		while (q < n && s[q] != '\n' && q - p <= CHUNK_LINE_MAX)
			q++;
		if (q - p > CHUNK_LINE_MAX)
			return REF_BAD;
		if (q == n)
			return REF_SHORT;
		const uint8_t *l = s + p;
		size_t ll = q - p;
		if (ll && l[ll - 1] == '\r')
			ll--;
		p = q + 1;
		if (st == R_DATA_END) {
			if (ll)
				return REF_BAD;
			st = R_SIZE;
			continue;
		}
		if (st == R_TRAILER) {
			if (ll == 0) {
				*end = p;
				return REF_DONE;
			}
			continue;
		}
		uint64_t x = 0;
		size_t i = 0;
		for (; i < ll && hexval(l[i]) >= 0; i++) {
			if (x >> 60)
				return REF_BAD;
			x = x * 16 + (uint64_t)hexval(l[i]);
		}
		if (i == 0)
			return REF_BAD;
		while (i < ll && (l[i] == ' ' || l[i] == '\t'))
			i++;
		if (i < ll && l[i] != ';')
			return REF_BAD;
		if (x == 0) {
			st = R_TRAILER;
			continue;
		}
		if (x > n - p) {
			memcpy(data + *dlen, s + p, n - p);
			*dlen += n - p;
			return REF_SHORT;
		}
		memcpy(data + *dlen, s + p, (size_t)x);
		*dlen += (size_t)x;
		p += (size_t)x;
		st = R_DATA_END;
	}
}

/* ---------------------------------------------------------------- bodies */

/* The sink: a run of data must lie in the span, after every run before it. */
static int sink(void *ctx, const char *d, size_t n)
{
	struct play *p = ctx;
	if (n == 0)
		fail("sink handed an empty run");
	if (d < p->span || d > p->span + p->span_n || n > (size_t)(p->span + p->span_n - d))
		fail("sink run outside the bytes given");
	size_t at = p->span_base + (size_t)(d - p->span);
	if (at < p->last_end)
		fail("sink run overlaps an earlier one (a byte handed over twice)");
	if (memcmp(d, p->s + at, n) != 0)
		fail("sink run differs from the stream");
	memcpy(p->out + p->out_len, d, n);
	p->out_len += n;
	p->last_end = at + n;
	p->span_data += n;
	return 0;
}

/* Frame the bytes S[BASE, BASE + N) (copied to a buffer of their size) with ng_http_body_take.
 * Returns its result; *USED the bytes consumed. */
static int take(struct play *p, struct ng_http_body *b, size_t base, size_t n, size_t *used)
{
	char *c = copy(p->s + base, n);
	uint64_t got0 = b->got;
	p->span = c;
	p->span_n = n;
	p->span_base = base;
	p->span_data = 0;
	*used = (size_t)-1;
	int r = ng_http_body_take(b, c, n, used, sink, p);
	if (r != 0 && r != -NG_EBADMSG)
		fail("body_take: unexpected result");
	if (*used > n)
		fail("body_take consumed more than it was given");
	if (p->span_data && p->last_end > base + *used)
		fail("data handed to the sink beyond the bytes consumed");
	if (b->got - got0 != p->span_data)
		fail("body.got does not count the bytes handed to the sink");
	if (r == 0 && !b->done && *used != n)
		fail("body_take stopped short without ending the body");
	if (r == -NG_EBADMSG && !b->err)
		fail("malformed body without a reason");
	if (b->mode == NG_HTTP_BODY_LENGTH || b->mode == NG_HTTP_BODY_CLOSE) {
		/* no framing: every byte consumed is data, none lost */
		if (p->span_data != *used)
			fail("unframed body: bytes consumed != bytes handed to the sink");
	}
	if (b->done && r == 0) {
		/* a finished body takes nothing more */
		size_t u2 = 1, off = 1, len = 1;
		if (ng_http_body_feed(b, c, n, &off, &len) != 0 || off || len)
			fail("a finished body consumed more");
		if (ng_http_body_take(b, c + *used, n - *used, &u2, sink, p) != 0 || u2)
			fail("a finished body took more");
	}
	free(c);
	return r;
}

/* Bookkeeping of one body: where it starts, what it has handed over. */
struct body_run {
	struct ng_http_body b;
	size_t start, out0;
	uint64_t clen;
};

static void body_begin(struct play *p, struct body_run *br, enum ng_http_body_mode mode,
                       uint64_t clen, size_t start)
{
	ng_http_body_init(&br->b, mode, clen);
	br->start = start;
	br->out0 = p->out_len;
	br->clen = clen;
	note(p, T_BODY_MODE, (uint64_t)mode);
	if (br->b.done != (mode == NG_HTTP_BODY_NONE || (mode == NG_HTTP_BODY_LENGTH && !clen)))
		fail("body_init: done wrong");
}

/* The body ended at END with verdict V (REF_*): check it against the references and log it. */
static void body_end(struct play *p, struct body_run *br, enum ref_verdict v, size_t end)
{
	size_t got = p->out_len - br->out0;
	if (br->b.got != got)
		fail("body.got differs from the bytes handed over");
	if (v == REF_DONE && !br->b.done)
		fail("body ended but not done");
	switch (br->b.mode) {
	case NG_HTTP_BODY_NONE:
		if (got || end != br->start)
			fail("a body of none consumed bytes");
		break;
	case NG_HTTP_BODY_LENGTH:
		if (v == REF_DONE && (got != br->clen || end - br->start != br->clen))
			fail("Content-Length body of the wrong size");
		if (v != REF_BAD && memcmp(p->out + br->out0, p->s + br->start, got) != 0)
			fail("Content-Length body data differs from the stream");
		if (v == REF_BAD)
			fail("Content-Length body malformed");
		break;
	case NG_HTTP_BODY_CLOSE:
		if (v == REF_BAD || memcmp(p->out + br->out0, p->s + br->start, got) != 0)
			fail("close-delimited body differs from the stream");
		break;
	case NG_HTTP_BODY_CHUNKED: {
		uint8_t *ref = malloc(p->n + 1);
		size_t rlen = 0, rend = 0;
		if (!ref)
			fail("out of memory");
		enum ref_verdict rv = ref_chunked(p->s, p->n, br->start, ref, &rlen, &rend);
		if (rv != v) {
			fprintf(stderr, "fuzz_http: chunked verdict %d, reference %d (%s)\n", v, rv,
			        br->b.err ? br->b.err : "-");
			fail("chunked body: verdict differs from the reference decoder");
		}
		if (v != REF_BAD && (rlen != got || memcmp(ref, p->out + br->out0, got) != 0))
			fail("chunked body: data differs from the reference decoder");
		if (v == REF_DONE && rend != end)
			fail("chunked body: end differs from the reference decoder");
		free(ref);
		break;
	}
	}
	if (v == REF_DONE)
		note(p, T_BODY_END, end);
	else
		note(p, v == REF_BAD ? T_BODY_BAD : T_EOF, got);
}

/* Read the rest of a body from the stream the way ng_http_body_recv reads a receive buffer: all
 * that has arrived, framed in place, then the next arrival. */
static enum ref_verdict body_recv(struct play *p, struct body_run *br, size_t *end)
{
	while (!br->b.done) {
		if (avail(p) == 0 && !arrive(p)) {
			if (br->b.mode == NG_HTTP_BODY_CLOSE) {
				br->b.done = true; /* RFC 9112 6.3 item 8: the close ends it */
				break;
			}
			return REF_SHORT;
		}
		size_t used;
		int r = take(p, &br->b, p->pos, avail(p), &used);
		p->pos += used;
		if (r == -NG_EBADMSG)
			return REF_BAD;
	}
	*end = p->pos;
	return REF_DONE;
}

/* ---------------------------------------------------------------- heads */

static bool within(const char *x, size_t len, const char *h, size_t n)
{
	return x >= h && x <= h + n && len <= (size_t)(h + n - x);
}

/* Check the fields of a parsed head H[0..N) and log them. */
static void check_msg(struct play *p, const struct ng_http_msg *m, const char *h, size_t n,
                      bool req)
{
	if (m->chunked && !m->has_te)
		fail("chunked without Transfer-Encoding");
	if (m->te_chunked_only && !m->chunked)
		fail("chunked-only but not chunked");
	if (m->content_length && !m->has_len)
		fail("a Content-Length without the field");
	if (m->minor < 0 || m->minor > 9)
		fail("minor version not a digit");
	if (m->has_te && m->minor == 0 && m->keepalive)
		fail("an HTTP/1.0 message with Transfer-Encoding kept persistent (RFC 9112 6.1)");
	if (req) {
		if (!m->target || !m->target_len || !within(m->target, m->target_len, h, n))
			fail("request target outside the head");
		if (m->target == h || m->target[-1] != ' ')
			fail("request target not after a space");
		for (size_t i = 0; i < m->target_len; i++)
			if ((unsigned char)m->target[i] <= ' ' || m->target[i] == 0x7f)
				fail("request target holds a space or control byte");
		const char *v = m->target + m->target_len;
		if (!within(v, 9, h, n) || memcmp(v, " HTTP/1.", 8) != 0 || v[8] - '0' != m->minor)
			fail("request target not followed by the version");
		static const char *names[] = {NULL, "GET ", "HEAD ", "PUT ", "POST "};
		if (m->method != NG_HTTP_OTHER) {
			size_t l = strlen(names[m->method]);
			const char *mb = m->target - l;
			if (mb < h || strncmp(mb, names[m->method], l) != 0)
				fail("method does not match the request line");
		}
		note(p, T_METHOD, (uint64_t)m->method);
		note(p, T_TARGET, (uint64_t)(m->target - h) << 32 | m->target_len);
	} else {
		if (m->status < 100 || m->status > 599)
			fail("status code out of range");
		if (!m->reason || !within(m->reason, m->reason_len, h, n))
			fail("reason phrase outside the head");
		if (memchr(m->reason, '\n', m->reason_len))
			fail("reason phrase crosses a line");
		if (n < 12 || memcmp(h, "HTTP/1.", 7) != 0 || h[7] - '0' != m->minor ||
		    (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0') != m->status)
			fail("status line does not match the fields");
		(void)ng_http_reason(m->status);
		note(p, T_STATUS, (uint64_t)m->status);
		note(p, T_TARGET, (uint64_t)(m->reason - h) << 32 | m->reason_len);
	}
	note(p, T_MINOR, (uint64_t)m->minor);
	note(p, T_FLAGS,
	     (uint64_t)m->keepalive | (uint64_t)m->expect100 << 1 | (uint64_t)m->has_len << 2 |
	         (uint64_t)m->has_te << 3 | (uint64_t)m->chunked << 4 |
	         (uint64_t)m->te_chunked_only << 5);
	note(p, T_CLEN, m->content_length);
}

/* A head end HE was found in B[0..N) by a resumed search: it must be the first end. */
static void check_head_end(const char *b, size_t n, size_t he)
{
	if (he < 2 || he > n || b[he - 1] != '\n')
		fail("head end not after a LF");
	if (!(b[he - 2] == '\n' || (he >= 3 && b[he - 2] == '\r' && b[he - 3] == '\n')))
		fail("head end not after a blank line");
	if (ng_http_head_end(b, n, 0) != he)
		fail("head end depends on where the search resumed");
	if (ng_http_head_end(b, he - 1, 0) != 0)
		fail("an earlier head end was passed over");
}

/* ---------------------------------------------------------------- the plays */

/* ng-httpd: requests, their bodies, pipelined requests after them. */
static void play_server(struct play *p)
{
	static char in[SERVER_HEAD_MAX];
	size_t in_len = 0;

	for (;;) {
		/* PH_HEAD: read until the head's end is in the buffer */
		size_t scanned = 0, hlen;
		for (;;) {
			hlen = ng_http_head_end(in, in_len, scanned);
			if (hlen)
				break;
			scanned = in_len;
			if (in_len == p->head_max) {
				note(p, T_TOO_BIG, p->pos);
				return; /* 431, and close */
			}
			if (avail(p) == 0 && !arrive(p)) {
				note(p, T_EOF, in_len);
				return;
			}
			size_t k =
			    avail(p) < p->head_max - in_len ? avail(p) : p->head_max - in_len;
			memcpy(in + in_len, p->s + p->pos, k);
			p->pos += k;
			in_len += k;
		}
		check_head_end(in, in_len, hlen);
		size_t in_base = p->pos - in_len; /* stream offset of in[0] */
		note(p, T_HEAD_AT, in_base + hlen);
		char *h = copy(in, hlen);
		struct ng_http_msg m;
		int code = ng_http_parse_request(h, hlen, &m);
		if (code != 0 && code != 400 && code != 414 && code != 431 && code != 505)
			fail("request refused with an unexpected status");
		if (code && !m.err)
			fail("request refused without a reason");
		note(p, T_STATUS, (uint64_t)code);
		if (!code)
			check_msg(p, &m, h, hlen, true);
		free(h);
		memmove(in, in + hlen, in_len - hlen);
		in_len -= hlen;
		in_base += hlen;
		if (code || (m.has_te && (!m.te_chunked_only || m.has_len)) ||
		    (m.method == NG_HTTP_PUT && !m.has_len && !m.te_chunked_only)) {
			note(p, T_CLOSE, in_base);
			return; /* 4xx/5xx and close: the end of the body is unknown */
		}
		struct body_run br;
		body_begin(p, &br, m.te_chunked_only ? NG_HTTP_BODY_CHUNKED : NG_HTTP_BODY_LENGTH,
		           m.content_length, in_base);
		if (!br.b.done && m.expect100 && m.method != NG_HTTP_PUT &&
		    m.method != NG_HTTP_POST) {
			note(p, T_CLOSE, in_base);
			return; /* a final status instead of 100 Continue, and close */
		}
		enum ref_verdict v = REF_DONE;
		size_t end = in_base;
		if (!br.b.done && in_len) {
			/* PH_BODY: first the bytes read with the head */
			size_t used;
			int r = take(p, &br.b, in_base, in_len, &used);
			memmove(in, in + used, in_len - used);
			in_len -= used;
			in_base += used;
			end = in_base;
			if (r == -NG_EBADMSG)
				v = REF_BAD;
		}
		if (v == REF_DONE && !br.b.done)
			v = body_recv(p, &br, &end); /* then the stream (in is empty now) */
		body_end(p, &br, v, end);
		if (v != REF_DONE || !m.keepalive) {
			note(p, T_CLOSE, v == REF_DONE ? end : 0);
			return;
		}
	}
}

/* ng-get: a response head gathered (1xx skipped), its body; then the next response. */
static void play_client(struct play *p)
{
	static char head[CLIENT_HEAD_MAX];

	for (unsigned i = 0;; i++) {
		bool req_head = p->mode >> (1 + i % 4) & 1;
		size_t head_len = 0;
		struct ng_http_msg m;
		for (;;) {
			if (avail(p) == 0 && !arrive(p)) {
				note(p, T_EOF, head_len);
				return;
			}
			size_t n = avail(p), room = p->head_max - head_len;
			size_t k = n < room ? n : room;
			memcpy(head + head_len, p->s + p->pos, k);
			size_t old = head_len;
			head_len += k;
			size_t he = ng_http_head_end(head, head_len, old);
			if (!he) {
				p->pos += k;
				if (head_len == p->head_max) {
					note(p, T_TOO_BIG, p->pos);
					return;
				}
				continue;
			}
			if (he <= old)
				fail("head end before the bytes just added");
			check_head_end(head, head_len, he);
			p->pos += he - old;
			note(p, T_HEAD_AT, p->pos);
			char *h = copy(head, he);
			int r = ng_http_parse_response(h, he, &m);
			if (r != 0 && r != -NG_EBADMSG)
				fail("response refused with an unexpected result");
			if (r && !m.err)
				fail("response refused without a reason");
			if (!r)
				check_msg(p, &m, h, he, false);
			free(h);
			if (r) {
				note(p, T_CLOSE, p->pos);
				return;
			}
			if (m.status >= 200)
				break;
			head_len =
			    0; /* RFC 9110 15.2: an interim response; the final one follows */
		}
		struct body_run br;
		body_begin(p, &br, ng_http_response_body(&m, req_head), m.content_length, p->pos);
		size_t end = p->pos;
		enum ref_verdict v = br.b.done ? REF_DONE : body_recv(p, &br, &end);
		body_end(p, &br, v, end);
		if (v != REF_DONE || !m.keepalive || br.b.mode == NG_HTTP_BODY_CLOSE) {
			note(p, T_CLOSE, v == REF_DONE ? end : 0);
			return;
		}
	}
}

static void play(struct play *p)
{
	if (p->mode & 1)
		play_client(p);
	else
		play_server(p);
	if (p->pos > p->n || p->arrived > p->n)
		fail("consumed past the stream");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct play split, whole;
	if (size < 2)
		return 0;
	size_t k = data[1] & 15;
	if (size < 2 + k)
		return 0;
	const uint8_t *s = data + 2 + k;
	size_t n = size - 2 - k;
	uint8_t *out = malloc(2 * n + 2);
	if (!out)
		fail("out of memory");

	memset(&split, 0, sizeof split);
	split.s = s;
	split.n = n;
	split.lens = data + 2;
	split.nlens = k;
	split.mode = data[0];
	split.head_max = data[0] & 0x20 ? 128 * (1 + (size_t)(data[1] >> 4))
	                 : data[0] & 1  ? CLIENT_HEAD_MAX
	                                : SERVER_HEAD_MAX;
	split.out = out;
	whole = split;
	whole.nlens = 0;
	whole.out = out + n + 1;

	play(&split);
	play(&whole);
#ifdef FUZZ_HTTP_TRACE
	/* built with -DFUZZ_HTTP_TRACE: what the whole play saw, to read a seed or a finding */
	for (size_t i = 0; i < whole.nlog; i++)
		fprintf(stderr, "fuzz_http: %2llu %llu\n", (unsigned long long)whole.log[i].tag,
		        (unsigned long long)whole.log[i].v);
	fprintf(stderr, "fuzz_http: %zu body bytes\n", whole.out_len);
#endif
	if (split.nlog != whole.nlog || split.hash != whole.hash ||
	    memcmp(split.log, whole.log, split.nlog * sizeof split.log[0]) != 0 ||
	    split.out_len != whole.out_len || memcmp(split.out, whole.out, split.out_len) != 0) {
		for (size_t i = 0; i < split.nlog || i < whole.nlog; i++)
			fprintf(stderr, "  %3zu split %2llu %-12llu whole %2llu %llu\n", i,
			        i < split.nlog ? (unsigned long long)split.log[i].tag : 0,
			        i < split.nlog ? (unsigned long long)split.log[i].v : 0,
			        i < whole.nlog ? (unsigned long long)whole.log[i].tag : 0,
			        i < whole.nlog ? (unsigned long long)whole.log[i].v : 0);
		fail("the stream read in segments and read whole tell different stories");
	}
	free(out);
	return 0;
}
