// SPDX-License-Identifier: MIT
// HTTP/1.1 message handling shared by the example programs ng-get and ng-httpd.
/*
 * Theory of operation
 *
 * A head (request or status line, fields, blank line) is gathered by the program into a bounded
 * buffer until ng_http_head_end finds its end; it is then parsed in one pass by
 * ng_http_parse_request / ng_http_parse_response. The parsers read only inside [h, h + n), bound
 * every line (NG_HTTP_LINE_MAX), refuse control bytes, obsolete line folding and space before a
 * field's colon, and keep of the fields only what framing and connection management need:
 * Content-Length (digits only, no overflow, at most one field), Transfer-Encoding (present, and
 * whether chunked is its last coding), Connection and Expect.
 *
 * The body that follows is framed by struct ng_http_body (RFC 9112 6.3: Content-Length, chunked
 * or until the close). ng_http_body_feed consumes framing and hands back runs of data in place;
 * ng_http_body_take runs it over a span of bytes, handing each run to a sink; ng_http_body_recv
 * applies that to bytes where they lie in a socket's receive buffer, so a body reaches its file
 * without passing through a buffer of ours (a program applies it first to the body bytes that
 * came with the head). ng_http_out_pump is the mirror for
 * sending: a head, then a file read straight into the send buffer.
 *
 * Lines end in CRLF or, as RFC 9112 2.2 allows a recipient to accept, a bare LF.
 */

#include "gw/http.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <unistd.h>

#include "natgate/err.h"

/* Does the literal LIT equal S[0..N), ignoring case? */
static bool tok_eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

/* Does the literal LIT equal S[0..N), case and all? */
static bool lit_eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* RFC 9110 5.6.2: tchar, the characters of a token (method, field name). */
static bool is_tchar(unsigned char ch)
{
	if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
		return true;
	return ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

/* Is [B, E) a token: one or more tchars? */
static bool is_token(const char *b, const char *e)
{
	if (b == e)
		return false;
	for (; b < e; b++)
		if (!is_tchar((unsigned char)*b))
			return false;
	return true;
}

static bool is_ows(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Is TOK one of the comma-separated tokens of the field value V[0..N)? (RFC 9110 5.6.1: a list,
 * empty elements allowed, case-insensitive tokens) */
bool ng_http_has_token(const char *v, size_t n, const char *tok)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (is_ows(v[i]) || v[i] == ','))
			i++;
		size_t b = i;
		while (i < n && v[i] != ',')
			i++;
		size_t e = i;
		while (e > b && is_ows(v[e - 1]))
			e--;
		if (e > b && tok_eq(v + b, e - b, tok))
			return true;
	}
	return false;
}

/* Is the last comma-separated element of V[0..N) the token TOK? (the last transfer coding) */
static bool last_token_is(const char *v, size_t n, const char *tok)
{
	while (n > 0 && (is_ows(v[n - 1]) || v[n - 1] == ','))
		n--;
	size_t b = n;
	while (b > 0 && v[b - 1] != ',')
		b--;
	while (b < n && is_ows(v[b]))
		b++;
	return n > b && tok_eq(v + b, n - b, tok);
}

/* Where a head ends in B[0..N): the index after its blank line (CRLF CRLF, or bare LFs), or 0.
 * The search restarts 3 bytes before FROM, the earlier call's N, so a head read in pieces is
 * scanned about once. */
size_t ng_http_head_end(const char *b, size_t n, size_t from)
{
	for (size_t i = from > 3 ? from - 3 : 0; i < n; i++) {
		if (b[i] != '\n')
			continue;
		if (i + 1 < n && b[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && b[i + 1] == '\r' && b[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Take the line that starts at P (before END): *LE is its end without CR LF, *NEXT the byte after
 * its LF. Returns 0, or refuses it with M->err set: LONG_STATUS when no LF comes within
 * NG_HTTP_LINE_MAX bytes, 400 when none comes before END or the line holds a bare CR or a NUL
 * (RFC 9112 2.2 lets a recipient reject a bare CR). */
static int take_line(const char *p, const char *end, int long_status, const char **le,
                     const char **next, struct ng_http_msg *m)
{
	size_t avail = (size_t)(end - p);
	size_t lim = avail < NG_HTTP_LINE_MAX ? avail : NG_HTTP_LINE_MAX;
	const char *eol = memchr(p, '\n', lim);
	if (!eol) {
		m->err = avail > lim ? "line too long" : "head not terminated";
		return avail > lim ? long_status : 400;
	}
	const char *e = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
	for (const char *q = p; q < e; q++)
		if (*q == '\r' || *q == 0) {
			m->err = "control byte in a line";
			return 400;
		}
	*le = e;
	*next = eol + 1;
	return 0;
}

/* Parse a Content-Length value V[0..N) (RFC 9110 8.6: 1*DIGIT). 0 or -1 (empty, not digits, or
 * beyond 2^64 - 1). */
static int parse_length(const char *v, size_t n, uint64_t *out)
{
	if (n == 0)
		return -1;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		uint64_t d = (uint64_t)(v[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}

/* Parse the field lines from P to the blank line (before END) into M. 0, or the status for a
 * request (400, 431) with M->err set. */
static int parse_fields(const char *p, const char *end, struct ng_http_msg *m)
{
	for (;;) {
		const char *le, *next;
		int st = take_line(p, end, 431, &le, &next, m);
		if (st)
			return st;
		if (le == p) {
			/* the blank line. RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding
			 * has faulty framing; close after it, whatever Connection said */
			if (m->has_te && m->minor == 0)
				m->keepalive = false;
			return 0;
		}
		if (is_ows(*p)) {
			m->err = "obsolete line folding"; /* RFC 9112 5.2 lets us reject it */
			return 400;
		}
		const char *colon = memchr(p, ':', (size_t)(le - p));
		if (!colon || !is_token(p, colon)) {
			/* RFC 9112 5.1: a token, then the colon with no white space between */
			m->err = "bad field name";
			return 400;
		}
		const char *v = colon + 1;
		while (v < le && is_ows(*v))
			v++;
		size_t nl = (size_t)(colon - p), vl = (size_t)(le - v);
		while (vl && is_ows(v[vl - 1]))
			vl--;
		if (tok_eq(p, nl, "Content-Length")) {
			uint64_t cl;
			if (parse_length(v, vl, &cl) < 0) {
				m->err = "bad Content-Length";
				return 400;
			}
			if (m->has_len) {
				/* RFC 9112 6.3 item 5: a message framed two ways is refused */
				m->err = "more than one Content-Length";
				return 400;
			}
			m->has_len = true;
			m->content_length = cl;
		} else if (tok_eq(p, nl, "Transfer-Encoding")) {
			/* a second field adds codings (RFC 9110 5.3): no longer chunked alone */
			m->te_chunked_only = !m->has_te && tok_eq(v, vl, "chunked");
			m->has_te = true;
			m->chunked = last_token_is(v, vl, "chunked");
		} else if (tok_eq(p, nl, "Connection")) {
			if (ng_http_has_token(v, vl, "close"))
				m->keepalive = false;
			else if (ng_http_has_token(v, vl, "keep-alive"))
				m->keepalive = true;
		} else if (tok_eq(p, nl, "Expect")) {
			if (ng_http_has_token(v, vl, "100-continue"))
				m->expect100 = true;
		}
		p = next;
	}
}

/* Parse a request head H[0..N) into M: request line (RFC 9112 3), then fields. Returns 0, or the
 * status to refuse it with: 400 malformed, 414 request line too long, 431 field line too long,
 * 505 an HTTP version other than 1.x; M->err says why. */
int ng_http_parse_request(const char *h, size_t n, struct ng_http_msg *m)
{
	memset(m, 0, sizeof *m);
	const char *end = h + n, *p = h;
	/* RFC 9112 2.2: ignore at least one empty line before the request line */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	const char *le, *next;
	int st = take_line(p, end, 414, &le, &next, m);
	if (st)
		return st;
	/* request-line = method SP request-target SP HTTP-version (RFC 9112 3) */
	const char *sp1 = memchr(p, ' ', (size_t)(le - p));
	const char *tg = sp1 ? sp1 + 1 : NULL;
	const char *sp2 = tg ? memchr(tg, ' ', (size_t)(le - tg)) : NULL;
	if (!sp2 || sp2 == tg || !is_token(p, sp1)) {
		m->err = "malformed request line";
		return 400;
	}
	for (const char *q = tg; q < sp2; q++)
		if ((unsigned char)*q <= ' ' || *q == 0x7f) {
			m->err = "bad request target";
			return 400;
		}
	const char *ver = sp2 + 1;
	if (le - ver != 8 || strncmp(ver, "HTTP/1.", 7) != 0 || ver[7] < '0' || ver[7] > '9') {
		/* RFC 9112 2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT; another major is 505 */
		bool other = le - ver == 8 && strncmp(ver, "HTTP/", 5) == 0 && ver[5] >= '0' &&
		             ver[5] <= '9' && ver[6] == '.' && ver[7] >= '0' && ver[7] <= '9';
		m->err = other ? "HTTP version not supported" : "malformed request line";
		return other ? 505 : 400;
	}
	/* RFC 9110 9.1: the method token is case-sensitive ("get" is not GET) */
	size_t ml = (size_t)(sp1 - p);
	m->method = lit_eq(p, ml, "GET")    ? NG_HTTP_GET
	            : lit_eq(p, ml, "HEAD") ? NG_HTTP_HEAD
	            : lit_eq(p, ml, "PUT")  ? NG_HTTP_PUT
	            : lit_eq(p, ml, "POST") ? NG_HTTP_POST
	                                    : NG_HTTP_OTHER;
	m->target = tg;
	m->target_len = (size_t)(sp2 - tg);
	m->minor = ver[7] - '0';
	m->keepalive = m->minor >= 1; /* RFC 9112 9.3: persistent by default from 1.1 on */
	return parse_fields(next, end, m);
}

/* Parse a response head H[0..N) into M: status line (RFC 9112 4), then fields. Returns 0, or
 * -NG_EBADMSG with M->err saying why. */
int ng_http_parse_response(const char *h, size_t n, struct ng_http_msg *m)
{
	memset(m, 0, sizeof *m);
	const char *le = h, *next = h;
	int st = take_line(h, h + n, 400, &le, &next, m);
	/* status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 4) */
	if (st || le - h < 12 || strncmp(h, "HTTP/1.", 7) != 0 || h[7] < '0' || h[7] > '9' ||
	    h[8] != ' ' || h[9] < '1' || h[9] > '5' || h[10] < '0' || h[10] > '9' || h[11] < '0' ||
	    h[11] > '9' || (le - h > 12 && h[12] != ' ')) {
		m->err = "malformed status line";
		return -NG_EBADMSG;
	}
	m->minor = h[7] - '0';
	m->status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
	m->reason = le - h > 12 ? h + 13 : le;
	m->reason_len = (size_t)(le - m->reason);
	m->keepalive = m->minor >= 1;
	if (parse_fields(next, h + n, m) != 0)
		return -NG_EBADMSG;
	return 0;
}

/* The reason phrase of the status codes ng-httpd sends ("Unknown" for others). */
const char *ng_http_reason(int code)
{
	switch (code) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 411:
		return "Length Required";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

/* ---------------------------------------------------------------- bodies */

/* How the body of response M (to a HEAD request when REQ_HEAD) is framed (RFC 9112 6.3). */
enum ng_http_body_mode ng_http_response_body(const struct ng_http_msg *m, bool req_head)
{
	/* RFC 9112 6.3 items 1-2: no body after HEAD, 1xx, 204 or 304 */
	if (req_head || m->status < 200 || m->status == 204 || m->status == 304)
		return NG_HTTP_BODY_NONE;
	if (m->chunked)
		return NG_HTTP_BODY_CHUNKED; /* item 4: chunked wins over Content-Length */
	if (m->has_te)
		return NG_HTTP_BODY_CLOSE; /* item 4: another final coding: until the close */
	if (m->has_len)
		return m->content_length ? NG_HTTP_BODY_LENGTH : NG_HTTP_BODY_NONE;
	return NG_HTTP_BODY_CLOSE; /* item 8 */
}

/* Start framing a body in MODE (LEN: the Content-Length); a body with nothing to read is done
 * at once. */
void ng_http_body_init(struct ng_http_body *b, enum ng_http_body_mode mode, uint64_t len)
{
	memset(b, 0, sizeof *b);
	b->mode = mode;
	b->left = len;
	b->ch = NG_CHUNK_SIZE;
	b->done = mode == NG_HTTP_BODY_NONE || (mode == NG_HTTP_BODY_LENGTH && len == 0);
}

/* A chunk-size line L[0..N) (CR LF gone): chunk-size [ chunk-ext ] (RFC 9112 7.1). 0 or -1.
 * The line is read to its length, not to a NUL: "0" NUL junk is no last chunk. */
static int parse_chunk_size(const char *l, size_t n, uint64_t *out)
{
	uint64_t x = 0;
	size_t i = 0;
	for (; i < n; i++) {
		char ch = l[i];
		int d = ch >= '0' && ch <= '9'   ? ch - '0'
		        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
		        : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
		                                 : -1;
		if (d < 0)
			break;
		if (x > (UINT64_MAX >> 4))
			return -1;
		x = x * 16 + (uint64_t)d;
	}
	if (i == 0)
		return -1;
	while (i < n && is_ows(l[i]))
		i++; /* BWS before a chunk extension */
	if (i < n && l[i] != ';')
		return -1;
	*out = x;
	return 0;
}

static long chunked_feed(struct ng_http_body *b, const char *d, size_t n, size_t *off, size_t *len)
{
	size_t i = 0;
	while (i < n && !b->done) {
		if (b->ch == NG_CHUNK_DATA) {
			size_t k = n - i < b->left ? n - i : (size_t)b->left;
			*off = i;
			*len = k;
			b->left -= k;
			b->got += k;
			if (b->left == 0)
				b->ch = NG_CHUNK_DATA_END;
			return (long)(i + k);
		}
		/* the other states read a line */
		char ch = d[i++];
		if (ch != '\n') {
			if (b->line_len + 1 >= sizeof b->line) {
				b->err = "chunk line too long";
				return -NG_EBADMSG;
			}
			b->line[b->line_len++] = ch;
			continue;
		}
		size_t ll = b->line_len;
		if (ll && b->line[ll - 1] == '\r')
			ll--;
		b->line_len = 0;
		if (b->ch == NG_CHUNK_DATA_END) {
			if (ll != 0) {
				b->err = "no line end after chunk data";
				return -NG_EBADMSG;
			}
			b->ch = NG_CHUNK_SIZE;
		} else if (b->ch == NG_CHUNK_SIZE) {
			if (parse_chunk_size(b->line, ll, &b->left) < 0) {
				b->err = "bad chunk size";
				return -NG_EBADMSG;
			}
			b->ch = b->left ? NG_CHUNK_DATA : NG_CHUNK_TRAILER;
		} else if (ll == 0) {
			b->done = true; /* NG_CHUNK_TRAILER: the blank line ends the message */
		}
	}
	return (long)i;
}

/* Frame D[0..N): consume framing and at most one run of data, D[*OFF, *OFF + *LEN). Returns the
 * bytes consumed (none past the end of the body), or -NG_EBADMSG (B->err) for bad chunking. */
long ng_http_body_feed(struct ng_http_body *b, const char *d, size_t n, size_t *off, size_t *len)
{
	*off = *len = 0;
	if (b->done || n == 0)
		return 0;
	switch (b->mode) {
	case NG_HTTP_BODY_LENGTH: {
		size_t k = n < b->left ? n : (size_t)b->left;
		*len = k;
		b->left -= k;
		b->got += k;
		b->done = b->left == 0;
		return (long)k;
	}
	case NG_HTTP_BODY_CHUNKED:
		return chunked_feed(b, d, n, off, len);
	case NG_HTTP_BODY_CLOSE:
		*len = n;
		b->got += n;
		return (long)n;
	case NG_HTTP_BODY_NONE:
		break;
	}
	return 0;
}

/* Frame the bytes D[0..N) and pass every run of data to SINK where it lies: the one loop over
 * ng_http_body_feed, for bytes a program already holds and (through ng_http_body_recv) bytes in
 * a receive buffer. *USED is set to the bytes consumed, data and framing; those after the end of
 * the body are not. 0 (all of D used, or the body is done), -NG_EBADMSG (B->err), or SINK's
 * negative value (*USED then counts the run SINK was given). */
int ng_http_body_take(struct ng_http_body *b, const char *d, size_t n, size_t *used,
                      ng_http_sink_fn sink, void *ctx)
{
	size_t u = 0;
	int stop = 0;

	while (u < n && !b->done && stop >= 0) {
		size_t off, len;
		long k = ng_http_body_feed(b, d + u, n - u, &off, &len);
		if (k < 0) {
			*used = u;
			return (int)k;
		}
		if (len > 0)
			stop = sink(ctx, d + u + off, len);
		if (k == 0)
			break;
		u += (size_t)k;
	}
	*used = u;
	return stop < 0 ? stop : 0;
}

/* Take body bytes straight from S's receive buffer (peek, ng_http_body_take, consume: no copy of
 * ours), leaving bytes after the body unread. NG_HTTP_DONE, 0 (more must arrive), NG_HTTP_EOF
 * (the stream ended first), -NG_EBADMSG, the sink's negative value, or the socket's error. */
int ng_http_body_recv(struct ng_http_body *b, struct ng_tcp_sock *s, ng_http_sink_fn sink,
                      void *ctx)
{
	while (!b->done) {
		const void *p;
		long n = ng_tcp_recv_peek(s, &p);
		if (n == -NG_EAGAIN)
			return 0;
		if (n < 0)
			return (int)n;
		if (n == 0) {
			/* RFC 9112 6.3 item 8: the close ends a close-delimited body */
			if (b->mode != NG_HTTP_BODY_CLOSE)
				return NG_HTTP_EOF;
			b->done = true;
			break;
		}
		size_t used;
		int r = ng_http_body_take(b, p, (size_t)n, &used, sink, ctx);
		if (r == -NG_EBADMSG)
			return r;
		ng_tcp_recv_consume(s, used);
		if (r < 0)
			return r;
	}
	return NG_HTTP_DONE;
}

/* ---------------------------------------------------------------- sending */

/* Queue O's head, then its file, pread() straight into S's send buffer. 1 when all is queued, 0
 * when the buffer is full (NG_TCP_EV_WRITABLE follows), -1 on failure (O->err, O->file_errno). */
int ng_http_out_pump(struct ng_http_out *o, struct ng_tcp_sock *s)
{
	while (o->head_off < o->head_len || (o->fd >= 0 && o->off < o->end)) {
		size_t room;
		char *p = ng_tcp_send_reserve(s, &room);
		if (!p) {
			/* a full buffer (NG_TCP_EV_WRITABLE follows) or a connection that can no
			 * longer send: ng_tcp_send tells which */
			long r = ng_tcp_send(s, "", 0);
			if (r < 0) {
				o->err = (int)r;
				return -1;
			}
			return 0;
		}
		size_t pend = o->head_len - o->head_off;
		size_t hn = pend < room ? pend : room;
		if (hn)
			memcpy(p, o->head + o->head_off, hn);
		uint64_t left = o->fd >= 0 ? o->end - o->off : 0;
		size_t fl = room - hn < left ? room - hn : (size_t)left;
		ssize_t got = 0;
		if (fl > 0) {
			got = pread(o->fd, p + hn, fl, (off_t)o->off);
			if (got <= 0) {
				o->err = 0;
				o->file_errno = got < 0 ? errno : 0;
				return -1;
			}
		}
		int r = ng_tcp_send_commit(s, hn + (size_t)got);
		if (r < 0) {
			o->err = r;
			return -1;
		}
		o->head_off += hn;
		o->off += (uint64_t)got;
		o->sent += hn + (uint64_t)got;
	}
	return 1;
}
