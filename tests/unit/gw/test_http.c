// SPDX-License-Identifier: MIT
/* gw/http: request and response heads (valid ones, every malformed case refused with its status),
 * heads and bodies split across reads, chunked framing, and bodies sent and received zero-copy
 * between two stacks on the simulated wire. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "gw/http.h"
#include "natgate/err.h"
#include "natgate/tcp.h"

#define S(lit) lit, sizeof(lit) - 1

static int req(const char *h, struct ng_http_msg *m)
{
	return ng_http_parse_request(h, strlen(h), m);
}

static void test_request_valid(void **state)
{
	(void)state;
	struct ng_http_msg m;
	const char *h = "PUT /a/b.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 1234\r\n"
	                "Expect:  100-continue \r\nX-Empty:\r\n\r\n";
	assert_int_equal(req(h, &m), 0);
	assert_int_equal(m.method, NG_HTTP_PUT);
	assert_int_equal(m.target_len, 8);
	assert_memory_equal(m.target, "/a/b.bin", 8);
	assert_int_equal(m.minor, 1);
	assert_true(m.keepalive);
	assert_true(m.expect100);
	assert_true(m.has_len);
	assert_int_equal(m.content_length, 1234);
	assert_false(m.has_te);

	/* RFC 9112 2.2: a leading empty line is ignored, bare LF ends lines */
	assert_int_equal(req("\r\nGET / HTTP/1.0\nconnection: Keep-Alive\n\n", &m), 0);
	assert_int_equal(m.method, NG_HTTP_GET);
	assert_int_equal(m.minor, 0);
	assert_true(m.keepalive);
	assert_int_equal(req("GET / HTTP/1.0\r\n\r\n", &m), 0);
	assert_false(m.keepalive); /* 1.0 is not persistent by default */
	assert_int_equal(req("HEAD /x HTTP/1.1\r\nConnection: foo, close\r\n\r\n", &m), 0);
	assert_int_equal(m.method, NG_HTTP_HEAD);
	assert_false(m.keepalive);
	assert_int_equal(req("DELETE /x HTTP/1.1\r\n\r\n", &m), 0);
	assert_int_equal(m.method, NG_HTTP_OTHER);
	assert_int_equal(
	    req("POST /f HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n", &m), 0);
	assert_int_equal(m.method, NG_HTTP_POST);
	assert_true(m.content_length == UINT64_MAX);
	assert_int_equal(req("PUT /f HTTP/1.1\r\nContent-Length: 007\r\n\r\n", &m), 0);
	assert_int_equal(m.content_length, 7);
	/* the transfer coding: chunked only when it is the last one */
	assert_int_equal(req("PUT /f HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", &m), 0);
	assert_true(m.has_te && m.chunked && !m.te_chunked_only);
	assert_int_equal(req("PUT /f HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", &m), 0);
	assert_true(m.has_te && !m.chunked && !m.te_chunked_only);
	assert_int_equal(req("PUT /f HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n", &m), 0);
	assert_true(m.has_te && m.chunked && m.te_chunked_only);
	assert_int_equal(req("PUT /f HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
	                     "chunked\r\n\r\n",
	                     &m),
	                 0);
	assert_true(m.has_te && m.chunked && !m.te_chunked_only);
}

/* Every malformed request and the status it gets. */
static void test_request_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *h;
		int status;
	} cases[] = {
	    {"GARBAGE\r\n\r\n", 400},
	    {"\r\n\r\n", 400},
	    {"GET /\r\n\r\n", 400},
	    {"GET  / HTTP/1.1\r\n\r\n", 400},      /* empty target */
	    {" GET / HTTP/1.1\r\n\r\n", 400},      /* empty method */
	    {"GET / HTTP/1.1 \r\n\r\n", 400},      /* trailing space */
	    {"GET / x HTTP/1.1\r\n\r\n", 400},     /* space in the target */
	    {"GE(T / HTTP/1.1\r\n\r\n", 400},      /* not a token */
	    {"GET /a\x01z HTTP/1.1\r\n\r\n", 400}, /* control byte in the target */
	    {"GET /a\rz HTTP/1.1\r\n\r\n", 400},   /* bare CR */
	    {"GET / HTTP/1.x\r\n\r\n", 400},
	    {"GET / HTTP/1.10\r\n\r\n", 400},
	    {"GET / http/1.1\r\n\r\n", 400},
	    {"GET / HTTP/2.0\r\n\r\n", 505},
	    {"GET / HTTP/0.9\r\n\r\n", 505},
	    {"GET / HTTP/1.1\r\nHost x\r\n\r\n", 400},          /* no colon */
	    {"GET / HTTP/1.1\r\n: x\r\n\r\n", 400},             /* no name */
	    {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},        /* space before the colon */
	    {"GET / HTTP/1.1\r\nHo\"st: x\r\n\r\n", 400},       /* not a token */
	    {"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 400},      /* obsolete folding */
	    {"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", 400},         /* bare CR */
	    {"GET / HTTP/1.1\r\nContent-Length:\r\n\r\n", 400}, /* empty */
	    {"GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n", 400}, /* 2^64 */
	    {"GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nHost: x\r\n", 400}, /* no blank line */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ng_http_msg m;
		int got = req(cases[i].h, &m);
		if (got != cases[i].status)
			fail_msg("case %zu \"%s\": %d, want %d", i, cases[i].h, got,
			         cases[i].status);
		assert_non_null(m.err);
	}
	/* a NUL inside a field line */
	struct ng_http_msg m;
	assert_int_equal(ng_http_parse_request(S("GET / HTTP/1.1\r\nA: b\0c\r\n\r\n"), &m), 400);
}

/* Lines are bounded: a request line beyond NG_HTTP_LINE_MAX is 414, a field line 431. */
static void test_request_long_lines(void **state)
{
	(void)state;
	static char h[3 * NG_HTTP_LINE_MAX];
	struct ng_http_msg m;
	/* the longest request line accepted: NG_HTTP_LINE_MAX bytes with CR LF */
	size_t tl = NG_HTTP_LINE_MAX - strlen("GET  HTTP/1.1\r\n");
	memcpy(h, "GET /", 5);
	memset(h + 5, 'a', tl - 1);
	int n = (int)(5 + tl - 1);
	n += snprintf(h + n, sizeof h - (size_t)n, " HTTP/1.1\r\n\r\n");
	assert_int_equal(ng_http_parse_request(h, (size_t)n, &m), 0);
	assert_int_equal(m.target_len, tl);
	/* one byte more */
	memset(h + 5, 'a', tl);
	n = (int)(5 + tl);
	n += snprintf(h + n, sizeof h - (size_t)n, " HTTP/1.1\r\n\r\n");
	assert_int_equal(ng_http_parse_request(h, (size_t)n, &m), 414);
	/* a field line one byte over */
	n = snprintf(h, sizeof h, "GET / HTTP/1.1\r\nX: ");
	memset(h + n, 'v', NG_HTTP_LINE_MAX - 4);
	n += NG_HTTP_LINE_MAX - 4;
	n += snprintf(h + n, sizeof h - (size_t)n, "\r\n\r\n");
	assert_int_equal(ng_http_parse_request(h, (size_t)n, &m), 431);
	/* and one exactly at the bound */
	n = snprintf(h, sizeof h, "GET / HTTP/1.1\r\nX: ");
	memset(h + n, 'v', NG_HTTP_LINE_MAX - 5);
	n += NG_HTTP_LINE_MAX - 5;
	n += snprintf(h + n, sizeof h - (size_t)n, "\r\n\r\n");
	assert_int_equal(ng_http_parse_request(h, (size_t)n, &m), 0);
}

static void test_response(void **state)
{
	(void)state;
	struct ng_http_msg m;
	const char *h = "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\nServer: x\r\n\r\n";
	assert_int_equal(ng_http_parse_response(h, strlen(h), &m), 0);
	assert_int_equal(m.status, 404);
	assert_int_equal(m.reason_len, 9);
	assert_memory_equal(m.reason, "Not Found", 9);
	assert_true(m.has_len);
	assert_int_equal(m.content_length, 10);
	assert_int_equal(ng_http_response_body(&m, false), NG_HTTP_BODY_LENGTH);
	assert_int_equal(ng_http_response_body(&m, true), NG_HTTP_BODY_NONE);
	/* no reason phrase, with and without the space */
	assert_int_equal(ng_http_parse_response(S("HTTP/1.0 200\r\n\r\n"), &m), 0);
	assert_int_equal(m.status, 200);
	assert_int_equal(m.reason_len, 0);
	assert_int_equal(ng_http_response_body(&m, false), NG_HTTP_BODY_CLOSE);
	assert_int_equal(ng_http_parse_response(S("HTTP/1.1 204 \r\n\r\n"), &m), 0);
	assert_int_equal(ng_http_response_body(&m, false), NG_HTTP_BODY_NONE);
	assert_int_equal(ng_http_parse_response(S("HTTP/1.1 100 Continue\r\n\r\n"), &m), 0);
	assert_int_equal(ng_http_response_body(&m, false), NG_HTTP_BODY_NONE);
	assert_int_equal(
	    ng_http_parse_response(S("HTTP/1.1 304 NM\r\nContent-Length: 9\r\n\r\n"), &m), 0);
	assert_int_equal(ng_http_response_body(&m, false), NG_HTTP_BODY_NONE);
	/* RFC 9112 6.3: chunked wins over Content-Length; another coding means until the close */
	assert_int_equal(
	    ng_http_parse_response(
	        S("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n"),
	        &m),
	    0);
	assert_int_equal(ng_http_response_body(&m, false), NG_HTTP_BODY_CHUNKED);
	assert_int_equal(
	    ng_http_parse_response(
	        S("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: gzip\r\n\r\n"), &m),
	    0);
	assert_int_equal(ng_http_response_body(&m, false), NG_HTTP_BODY_CLOSE);
	assert_int_equal(
	    ng_http_parse_response(S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), &m), 0);
	assert_int_equal(ng_http_response_body(&m, false), NG_HTTP_BODY_NONE);

	static const char *bad[] = {
	    "HTTP/1.1 2000 OK\r\n\r\n",
	    "HTTP/1.1 20 OK\r\n\r\n",
	    "HTTP/1.1 600 OK\r\n\r\n",
	    "HTTP/1.1 099 OK\r\n\r\n",
	    "ICY 200 OK\r\n\r\n",
	    "HTTP/2 200 OK\r\n\r\n",
	    "HTTP/1.1  200 OK\r\n\r\n",
	    "HTTP/1.1 200OK\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (ng_http_parse_response(bad[i], strlen(bad[i]), &m) != -NG_EBADMSG)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_non_null(m.err);
	}
}

/* A head that arrives a byte at a time (and in other splits) is found exactly when whole. */
static void test_head_split(void **state)
{
	(void)state;
	static const char *heads[] = {
	    "GET /x HTTP/1.1\r\nHost: y\r\n\r\n",
	    "GET /x HTTP/1.1\nHost: y\n\n",
	    "GET /x HTTP/1.1\r\nHost: y\n\r\n",
	};
	for (size_t k = 0; k < 3; k++) {
		char buf[256];
		size_t hl = strlen(heads[k]);
		for (size_t step = 1; step <= 7; step++) {
			size_t len = 0, found = 0;
			snprintf(buf, sizeof buf, "%sPUT /next HTTP/1.1\r\n", heads[k]);
			size_t total = strlen(buf);
			while (len < total && !found) {
				size_t old = len;
				len = len + step < total ? len + step : total;
				found = ng_http_head_end(buf, len, old);
				if (!found)
					assert_true(len < hl);
			}
			assert_int_equal(found, hl);
			struct ng_http_msg m;
			assert_int_equal(ng_http_parse_request(buf, found, &m), 0);
			assert_int_equal(m.target_len, 2);
		}
	}
	assert_int_equal(ng_http_head_end(S("GET / HTTP/1.1\r\n\r"), 0), 0);
}

static void test_has_token(void **state)
{
	(void)state;
	assert_true(ng_http_has_token(S("a, Close ,b"), "close"));
	assert_true(ng_http_has_token(S(",,close"), "close"));
	assert_false(ng_http_has_token(S("closed, x"), "close"));
	assert_false(ng_http_has_token(S(""), "close"));
	assert_string_equal(ng_http_reason(431), "Request Header Fields Too Large");
	assert_string_equal(ng_http_reason(799), "Unknown");
}

/* Feed D to B in pieces of STEP, gathering the data into OUT; returns bytes of D consumed (the
 * rest would be the next message), or -1 on a framing error. */
static long feed_all(struct ng_http_body *b, const char *d, size_t n, size_t step, char *out,
                     size_t *outlen)
{
	size_t pos = 0;
	*outlen = 0;
	while (pos < n && !b->done) {
		size_t piece = n - pos < step ? n - pos : step;
		size_t used = 0;
		while (used < piece && !b->done) {
			size_t off, len;
			long k = ng_http_body_feed(b, d + pos + used, piece - used, &off, &len);
			if (k < 0)
				return -1;
			assert_true(off + len <= (size_t)k);
			memcpy(out + *outlen, d + pos + used + off, len);
			*outlen += len;
			used += (size_t)k;
			if (k == 0)
				break;
		}
		pos += used;
		if (used < piece)
			break;
	}
	return (long)pos;
}

static void test_body_length_and_close(void **state)
{
	(void)state;
	struct ng_http_body b;
	char out[64];
	size_t ol;
	ng_http_body_init(&b, NG_HTTP_BODY_LENGTH, 10);
	assert_false(b.done);
	assert_int_equal(feed_all(&b, S("0123456789GET /"), 3, out, &ol), 10);
	assert_true(b.done);
	assert_int_equal(ol, 10);
	assert_memory_equal(out, "0123456789", 10);
	assert_int_equal(b.got, 10);

	ng_http_body_init(&b, NG_HTTP_BODY_LENGTH, 0);
	assert_true(b.done);
	ng_http_body_init(&b, NG_HTTP_BODY_NONE, 0);
	assert_true(b.done);
	ng_http_body_init(&b, NG_HTTP_BODY_CLOSE, 0);
	assert_int_equal(feed_all(&b, S("abcdef"), 4, out, &ol), 6);
	assert_false(b.done);
	assert_int_equal(ol, 6);
	assert_memory_equal(out, "abcdef", 6);
}

static void test_body_chunked(void **state)
{
	(void)state;
	static const char body[] = "5\r\nhello\r\n1A;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n"
	                           "3 ; x\nxyz\n0\r\nTrailer: t\r\n\r\nNEXT";
	for (size_t step = 1; step <= sizeof body; step++) {
		struct ng_http_body b;
		char out[64];
		size_t ol;
		ng_http_body_init(&b, NG_HTTP_BODY_CHUNKED, 0);
		long used = feed_all(&b, body, sizeof body - 1, step, out, &ol);
		assert_int_equal(used, sizeof body - 1 - 4); /* "NEXT" is left */
		assert_true(b.done);
		assert_int_equal(ol, 34);
		assert_memory_equal(out, "helloabcdefghijklmnopqrstuvwxyzxyz", 34);
		assert_int_equal(b.got, 34);
	}
	static const char *bad[] = {
	    "zz\r\n",                /* not hex */
	    "\r\n",                  /* empty size */
	    "5x\r\nhello\r\n",       /* junk after the size */
	    "5\r\nhelloX\r\n",       /* no line end after the data */
	    "10000000000000000\r\n", /* 2^64: overflow */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ng_http_body b;
		char out[64];
		size_t ol;
		ng_http_body_init(&b, NG_HTTP_BODY_CHUNKED, 0);
		if (feed_all(&b, bad[i], strlen(bad[i]), 1, out, &ol) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_non_null(b.err);
	}
	/* a chunk-size line longer than the line buffer */
	struct ng_http_body b;
	char line[400], out[64];
	size_t ol;
	memset(line, '0', sizeof line);
	ng_http_body_init(&b, NG_HTTP_BODY_CHUNKED, 0);
	assert_int_equal(feed_all(&b, line, sizeof line, 50, out, &ol), -1);
	/* the largest chunk size parses */
	ng_http_body_init(&b, NG_HTTP_BODY_CHUNKED, 0);
	assert_int_equal(feed_all(&b, S("ffffffffffffffff\r\nab"), 5, out, &ol), 20);
	assert_true(b.left == UINT64_MAX - 2);
}

/* Found by tests/fuzz/fuzz_http.c: the method token is case-sensitive (RFC 9110 9.1), so "get" is
 * a method of its own, not GET (the parser matched methods ignoring case). */
static void test_request_method_case(void **state)
{
	(void)state;
	struct ng_http_msg m;
	assert_int_equal(req("GET / HTTP/1.1\r\n\r\n", &m), 0);
	assert_int_equal(m.method, NG_HTTP_GET);
	static const char *other[] = {"get", "Get", "gET", "head", "Head", "put", "pUT", "post"};
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
		char h[64];
		snprintf(h, sizeof h, "%s /f HTTP/1.1\r\nContent-Length: 1\r\n\r\n", other[i]);
		assert_int_equal(req(h, &m), 0);
		if (m.method != NG_HTTP_OTHER)
			fail_msg("\"%s\" taken for a known method", other[i]);
	}
}

/* Found by tests/fuzz/fuzz_http.c: a chunk-size line is read to its end, not to a NUL in it
 * ("0" NUL junk was taken for the last chunk, and "5" NUL junk for a chunk of 5). */
static void test_chunk_size_nul(void **state)
{
	(void)state;
	static const char bad0[] = "0\0junk\r\n\r\n";
	static const char bad5[] = "5\0 x\r\nhello\r\n0\r\n\r\n";
	static const char bad_ext[] = "5 \0;x\r\nhello\r\n0\r\n\r\n";
	const struct {
		const char *d;
		size_t n;
	} bad[] = {{bad0, sizeof bad0 - 1}, {bad5, sizeof bad5 - 1}, {bad_ext, sizeof bad_ext - 1}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		for (size_t step = 1; step <= bad[i].n; step++) {
			struct ng_http_body b;
			char out[64];
			size_t ol;
			ng_http_body_init(&b, NG_HTTP_BODY_CHUNKED, 0);
			assert_int_equal(feed_all(&b, bad[i].d, bad[i].n, step, out, &ol), -1);
			assert_false(b.done);
			assert_int_equal(ol, 0);
			assert_string_equal(b.err, "bad chunk size");
		}
	}
	/* an extension after the size is still skipped, whatever it holds */
	static const char ok[] = "5;a=\"\0\"\r\nhello\r\n0\r\n\r\n";
	struct ng_http_body b;
	char out[64];
	size_t ol;
	ng_http_body_init(&b, NG_HTTP_BODY_CHUNKED, 0);
	assert_int_equal(feed_all(&b, ok, sizeof ok - 1, 3, out, &ol), (long)(sizeof ok - 1));
	assert_true(b.done);
	assert_int_equal(ol, 5);
	assert_memory_equal(out, "hello", 5);
}

/* RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing and the connection
 * closes after it, even when Connection asks for keep-alive (found writing fuzz_http's oracles:
 * ng-httpd read such a chunked request and then read on for the next one). */
static void test_http10_transfer_encoding(void **state)
{
	(void)state;
	struct ng_http_msg m;
	assert_int_equal(req("PUT /f HTTP/1.0\r\nConnection: keep-alive\r\n"
	                     "Transfer-Encoding: chunked\r\n\r\n",
	                     &m),
	                 0);
	assert_true(m.te_chunked_only);
	assert_false(m.keepalive);
	assert_int_equal(req("PUT /f HTTP/1.0\r\nTransfer-Encoding: chunked\r\n"
	                     "Connection: keep-alive\r\n\r\n",
	                     &m),
	                 0);
	assert_false(m.keepalive);
	/* 1.0 with keep-alive and a Content-Length stays persistent; 1.1 with chunked too */
	assert_int_equal(
	    req("PUT /f HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n", &m), 0);
	assert_true(m.keepalive);
	assert_int_equal(req("PUT /f HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", &m), 0);
	assert_true(m.keepalive);
	/* the same for a response */
	static const char r10[] = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
	                          "Transfer-Encoding: chunked\r\n\r\n";
	assert_int_equal(ng_http_parse_response(r10, sizeof r10 - 1, &m), 0);
	assert_true(m.chunked);
	assert_false(m.keepalive);
}

/* ng_http_body_take's sink: gathers runs into a buffer, counts them, and stops (returns -7)
 * once STOP_AT runs were taken (0: never). */
struct take {
	char out[256];
	size_t len;
	int runs, stop_at;
};

static int take_sink(void *ctx, const char *d, size_t n)
{
	struct take *t = ctx;
	assert_true(t->len + n <= sizeof t->out);
	memcpy(t->out + t->len, d, n);
	t->len += n;
	return ++t->runs == t->stop_at ? -7 : 0;
}

static void test_body_take(void **state)
{
	(void)state;
	/* a chunked body of several chunks with a pipelined request after it, taken in one call:
	 * every run reaches the sink, and the request is not consumed */
	static const char msg[] =
	    "3\r\nabc\r\n4;x=1\r\ndefg\r\n1\r\nh\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
	struct ng_http_body b;
	struct take t = {0};
	size_t used = 99;
	ng_http_body_init(&b, NG_HTTP_BODY_CHUNKED, 0);
	assert_int_equal(ng_http_body_take(&b, S(msg), &used, take_sink, &t), 0);
	assert_true(b.done);
	assert_int_equal(used, strlen(msg) - strlen("GET / HTTP/1.1\r\n"));
	assert_int_equal(t.len, 8);
	assert_memory_equal(t.out, "abcdefgh", 8);
	assert_int_equal(t.runs, 3);

	/* a part of a body: all used, not done, the rest goes on where it left off */
	memset(&t, 0, sizeof t);
	ng_http_body_init(&b, NG_HTTP_BODY_CHUNKED, 0);
	assert_int_equal(ng_http_body_take(&b, msg, 12, &used, take_sink, &t), 0);
	assert_int_equal(used, 12);
	assert_false(b.done);
	assert_int_equal(ng_http_body_take(&b, msg + 12, strlen(msg) - 12, &used, take_sink, &t),
	                 0);
	assert_true(b.done);
	assert_int_equal(t.len, 8);
	assert_memory_equal(t.out, "abcdefgh", 8);

	/* Content-Length: only the body's bytes */
	memset(&t, 0, sizeof t);
	ng_http_body_init(&b, NG_HTTP_BODY_LENGTH, 5);
	assert_int_equal(ng_http_body_take(&b, S("12345678"), &used, take_sink, &t), 0);
	assert_int_equal(used, 5);
	assert_true(b.done && t.len == 5 && t.runs == 1);
	/* nothing more is taken once done */
	assert_int_equal(ng_http_body_take(&b, S("678"), &used, take_sink, &t), 0);
	assert_int_equal(used, 0);
	assert_int_equal(t.runs, 1);

	/* the sink stops it: its value comes back, with the run it was given counted as used */
	memset(&t, 0, sizeof t);
	t.stop_at = 2;
	ng_http_body_init(&b, NG_HTTP_BODY_CHUNKED, 0);
	assert_int_equal(ng_http_body_take(&b, S(msg), &used, take_sink, &t), -7);
	assert_int_equal(used, strlen("3\r\nabc\r\n4;x=1\r\ndefg"));
	assert_int_equal(t.len, 7);

	/* malformed framing: -NG_EBADMSG, the data before it delivered */
	memset(&t, 0, sizeof t);
	ng_http_body_init(&b, NG_HTTP_BODY_CHUNKED, 0);
	assert_int_equal(ng_http_body_take(&b, S("2\r\nab\r\nzz\r\n"), &used, take_sink, &t),
	                 -NG_EBADMSG);
	assert_non_null(b.err);
	assert_int_equal(t.len, 2);
}

/* ---- over the simulated wire: ng_http_out_pump and ng_http_body_recv ---- */

#define PORT 8080

struct wire {
	struct ng_test_pair tp;
	struct ng_tcp_sock *l, *cli, *srv;
	struct ng_http_out out;
	int pump_rc;
	struct ng_http_body body;
	int recv_rc;
	char *got;
	size_t got_len, got_cap;
	bool shut_after_send;
};

static int sink(void *ctx, const char *d, size_t n)
{
	struct wire *w = ctx;
	assert_true(w->got_len + n <= w->got_cap);
	memcpy(w->got + w->got_len, d, n);
	w->got_len += n;
	return 0;
}

static void cli_event(struct ng_tcp_sock *s, void *ctx, unsigned ev)
{
	struct wire *w = ctx;
	(void)s;
	if (ev & (NG_TCP_EV_CONNECTED | NG_TCP_EV_WRITABLE) && w->pump_rc == 0) {
		w->pump_rc = ng_http_out_pump(&w->out, w->cli);
		if (w->pump_rc == 1 && w->shut_after_send)
			ng_tcp_shutdown(w->cli);
	}
}

static void srv_event(struct ng_tcp_sock *s, void *ctx, unsigned ev)
{
	struct wire *w = ctx;
	(void)s;
	if (ev & (NG_TCP_EV_READABLE | NG_TCP_EV_CLOSED) && w->recv_rc == 0)
		w->recv_rc = ng_http_body_recv(&w->body, w->srv, sink, w);
}

static void on_accept(struct ng_tcp_sock *l, void *ctx, struct ng_tcp_sock *child)
{
	struct wire *w = ctx;
	(void)l;
	w->srv = child;
	ng_tcp_set_callback(child, srv_event, w);
	srv_event(child, w, NG_TCP_EV_READABLE);
}

static bool recv_over(void *ctx)
{
	struct wire *w = ctx;
	return w->recv_rc != 0 || w->pump_rc < 0;
}

/* Send HEAD then LEN bytes of a file from A to B, which frames what it receives as MODE (with
 * CLEN) and gathers the data. Small buffers make the rings wrap many times. */
static void wire_run(struct wire *w, const char *head, const char *file, size_t len,
                     enum ng_http_body_mode mode, uint64_t clen, bool shut)
{
	memset(w, 0, sizeof *w);
	struct ng_tcp_sockopts so = {.sndbuf = 5000, .rcvbuf = 7000};
	char path[] = "/tmp/ng_test_http_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, file, len), (ssize_t)len);
	ng_test_pair_create(&w->tp, NULL, 42);
	w->out.head = head;
	w->out.head_len = strlen(head);
	w->out.fd = fd;
	w->out.end = len;
	w->shut_after_send = shut;
	w->got_cap = strlen(head) + len + 1;
	w->got = malloc(w->got_cap);
	ng_http_body_init(&w->body, mode, clen);
	assert_int_equal(ng_tcp_listen(w->tp.b, 0, PORT, 4, on_accept, w, &so, &w->l), 0);
	assert_int_equal(
	    ng_tcp_connect(w->tp.a, NG_IP4(10, 0, 0, 2), PORT, cli_event, w, &so, &w->cli), 0);
	ng_test_pair_run(&w->tp, recv_over, w, 60 * NG_NS_PER_SEC);
	close(fd);
}

static void wire_end(struct wire *w)
{
	ng_tcp_abort(w->cli);
	if (w->srv)
		ng_tcp_abort(w->srv);
	ng_tcp_close(w->l);
	ng_test_pair_run(&w->tp, NULL, NULL, NG_NS_PER_SEC);
	ng_test_pair_destroy(&w->tp);
	free(w->got);
}

static void test_wire_length(void **state)
{
	(void)state;
	static char file[100000];
	ng_test_fill(file, sizeof file, 7);
	const char *head = "PUT /f HTTP/1.1\r\n\r\n";
	size_t hl = strlen(head);
	struct wire w;
	/* a Content-Length body: the head and file bytes arrive exact, 99 bytes stay unread */
	wire_run(&w, head, file, sizeof file, NG_HTTP_BODY_LENGTH, hl + sizeof file - 99, false);
	assert_int_equal(w.pump_rc, 1);
	assert_true(w.out.sent == hl + sizeof file);
	assert_int_equal(w.recv_rc, NG_HTTP_DONE);
	assert_int_equal(w.got_len, hl + sizeof file - 99);
	assert_memory_equal(w.got, head, hl);
	assert_memory_equal(w.got + hl, file, w.got_len - hl);
	ng_test_pair_run(&w.tp, NULL, NULL, NG_NS_PER_SEC);
	assert_int_equal(ng_tcp_recv_avail(w.srv), 99);
	wire_end(&w);
}

static void test_wire_eof(void **state)
{
	(void)state;
	static char file[30000];
	ng_test_fill(file, sizeof file, 9);
	struct wire w;
	/* the stream ends before the Content-Length is met */
	wire_run(&w, "", file, sizeof file, NG_HTTP_BODY_LENGTH, sizeof file + 1, true);
	assert_int_equal(w.recv_rc, NG_HTTP_EOF);
	assert_int_equal(w.got_len, sizeof file);
	assert_memory_equal(w.got, file, sizeof file);
	wire_end(&w);
	/* a close-delimited body: the end of the stream completes it */
	wire_run(&w, "", file, sizeof file, NG_HTTP_BODY_CLOSE, 0, true);
	assert_int_equal(w.recv_rc, NG_HTTP_DONE);
	assert_int_equal(w.got_len, sizeof file);
	assert_memory_equal(w.got, file, sizeof file);
	wire_end(&w);
}

static void test_wire_chunked(void **state)
{
	(void)state;
	/* a chunked body built of many chunks, sent as the "file" */
	static char data[20000], coded[40000];
	ng_test_fill(data, sizeof data, 11);
	size_t cl = 0, off = 0, sz = 1;
	while (off < sizeof data) {
		size_t k = sizeof data - off < sz ? sizeof data - off : sz;
		cl += (size_t)snprintf(coded + cl, sizeof coded - cl, "%zx\r\n", k);
		memcpy(coded + cl, data + off, k);
		cl += k;
		memcpy(coded + cl, "\r\n", 2);
		cl += 2;
		off += k;
		sz = sz * 3 + 1;
	}
	cl += (size_t)snprintf(coded + cl, sizeof coded - cl, "0\r\n\r\nextra");
	struct wire w;
	wire_run(&w, "", coded, cl, NG_HTTP_BODY_CHUNKED, 0, false);
	assert_int_equal(w.recv_rc, NG_HTTP_DONE);
	assert_int_equal(w.got_len, sizeof data);
	assert_memory_equal(w.got, data, sizeof data);
	ng_test_pair_run(&w.tp, NULL, NULL, NG_NS_PER_SEC);
	assert_int_equal(ng_tcp_recv_avail(w.srv), 5); /* "extra" is the next message's */
	wire_end(&w);
	/* broken framing on the wire */
	wire_run(&w, "", "5\r\nhelloX\r\n", 11, NG_HTTP_BODY_CHUNKED, 0, false);
	assert_int_equal(w.recv_rc, -NG_EBADMSG);
	assert_int_equal(w.got_len, 5);
	wire_end(&w);
}

/* A file that is shorter than promised makes the pump fail with file_errno 0. */
static void test_wire_file_short(void **state)
{
	(void)state;
	struct wire w;
	memset(&w, 0, sizeof w);
	char path[] = "/tmp/ng_test_http_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, "abc", 3), 3);
	ng_test_pair_create(&w.tp, NULL, 5);
	w.out.head = "H";
	w.out.head_len = 1;
	w.out.fd = fd;
	w.out.end = 10;
	ng_http_body_init(&w.body, NG_HTTP_BODY_CLOSE, 0);
	w.got_cap = 16;
	w.got = malloc(w.got_cap);
	assert_int_equal(ng_tcp_listen(w.tp.b, 0, PORT, 4, on_accept, &w, NULL, &w.l), 0);
	assert_int_equal(
	    ng_tcp_connect(w.tp.a, NG_IP4(10, 0, 0, 2), PORT, cli_event, &w, NULL, &w.cli), 0);
	ng_test_pair_run(&w.tp, recv_over, &w, 5 * NG_NS_PER_SEC);
	assert_int_equal(w.pump_rc, -1);
	assert_int_equal(w.out.err, 0);
	assert_int_equal(w.out.file_errno, 0);
	assert_true(w.out.off == 3 && w.out.sent == 4);
	close(fd);
	wire_end(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_valid),
	    cmocka_unit_test(test_request_malformed),
	    cmocka_unit_test(test_request_long_lines),
	    cmocka_unit_test(test_response),
	    cmocka_unit_test(test_head_split),
	    cmocka_unit_test(test_has_token),
	    cmocka_unit_test(test_body_length_and_close),
	    cmocka_unit_test(test_body_chunked),
	    cmocka_unit_test(test_request_method_case),
	    cmocka_unit_test(test_chunk_size_nul),
	    cmocka_unit_test(test_http10_transfer_encoding),
	    cmocka_unit_test(test_body_take),
	    cmocka_unit_test(test_wire_length),
	    cmocka_unit_test(test_wire_eof),
	    cmocka_unit_test(test_wire_chunked),
	    cmocka_unit_test(test_wire_file_short),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
