// SPDX-License-Identifier: MIT
// ng-get: an HTTP/1.1 client on natgate's own TCP: download a URL to a file, or PUT a file to it.
/*
 * Theory of operation
 *
 * One request on one connection ("Connection: close"), driven by ng_tcp events from the loop:
 *
 *   LINK     wait until the TAP's kernel side is up with an IPv4 address, so that the first
 *            SYN is not lost to a device nobody configured yet (at most LINK_WAIT_NS: a TAP
 *            in a bridge has no address, and retransmission covers the rest);
 *   CONNECT  ng_tcp_connect; NG_TCP_EV_CONNECTED or an error follows;
 *   XFER     send the request head (and for --upload the file, read with pread() into the
 *            space ng_tcp_send_space() reports), and parse the response as it comes: status
 *            line, fields, then a body framed by Content-Length, chunked coding or the end of the
 *            stream (RFC 9112 6.3). Interim 1xx responses are skipped;
 *   LINGER   the response is complete (or failed): half-close and wait, bounded, until both
 *            FINs are through (TIME_WAIT or CLOSED), so the server sees an orderly end;
 *   DONE     stop the loop.
 *
 * Socket closes happen in the tick, never inside a callback. Exit status 0 means a 2xx response
 * whose body arrived whole; anything else prints one line "ng-get: why" and exits 1.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw/gw.h"
#include "natgate/tcp.h"

#define PROG         "ng-get"
#define HEAD_MAX     16384        /* response head limit */
#define SCRATCH      (256 * 1024) /* file reads and body reads go through this */
#define LINGER_NS    (3 * NG_NS_PER_SEC)
#define LINK_POLL_NS (20 * NG_NS_PER_MS)
#define LINK_WAIT_NS (3 * NG_NS_PER_SEC)

enum phase { PH_LINK, PH_CONNECT, PH_XFER, PH_LINGER, PH_DONE };
enum body_mode { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_TO_CLOSE };
enum chunk_state { CH_SIZE, CH_DATA, CH_DATA_END, CH_TRAILER };

struct client {
	struct ng_app app;
	/* what to do */
	uint32_t dst;
	uint16_t port;
	char host[32];
	const char *path;
	const char *out_path, *upload_path;
	uint64_t timeout_ns;
	struct ng_tcp_sockopts opts;
	/* state */
	enum phase phase;
	uint64_t start, deadline, linger_until, next_link_check;
	struct ng_tcp_sock *s;
	int out_fd, up_fd;
	int fail; /* set once: the first error decides the message */
	char why[200];
	bool peer_eof;
	/* request */
	char req[1024];
	size_t req_len, req_off;
	uint64_t up_off, up_len;
	/* response */
	char head[HEAD_MAX];
	size_t head_len;
	bool head_done;
	int status;
	enum body_mode mode;
	uint64_t body_left, body_got;
	bool keep_body; /* write the body to out_fd */
	enum chunk_state ch;
	char chline[256];
	size_t chline_len;
	bool complete;
	char scratch[SCRATCH];
};

static void fail(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record the first failure (later ones are consequences) and move to LINGER. */
static void fail(struct client *c, const char *fmt, ...)
{
	if (!c->fail) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->why, sizeof c->why, fmt, ap);
		va_end(ap);
		c->fail = 1;
	}
	if (c->phase < PH_LINGER)
		c->phase = PH_LINGER;
}

static const char *err_text(int err)
{
	switch (-err) {
	case NG_ECONNREFUSED:
		return "connection refused";
	case NG_ECONNRESET:
		return "connection reset by peer";
	case NG_ETIMEDOUT:
		return "connection timed out";
	case NG_EHOSTUNREACH:
		return "host unreachable";
	case NG_ENETUNREACH:
		return "network unreachable";
	default:
		return ng_strerror(err);
	}
}

/* ---------------------------------------------------------------- URL and output */

/* Parse "http://A.B.C.D[:PORT][/path]" (numeric IPv4 only). 0 or -1. */
static int parse_url(struct client *c, const char *url)
{
	if (strncasecmp(url, "http://", 7) != 0)
		return -1;
	const char *h = url + 7;
	size_t hl = strcspn(h, "/?#");
	if (hl == 0 || hl >= sizeof c->host)
		return -1;
	char hp[32];
	memcpy(hp, h, hl);
	hp[hl] = 0;
	memcpy(c->host, hp, hl + 1);
	c->port = 80;
	char *colon = strchr(hp, ':');
	if (colon) {
		*colon = 0;
		char *e;
		errno = 0;
		unsigned long p = strtoul(colon + 1, &e, 10);
		if (!colon[1] || *e || errno || p == 0 || p > 65535)
			return -1;
		c->port = (uint16_t)p;
	}
	if (ng_ip4_parse(hp, &c->dst, NULL) < 0)
		return -1;
	c->path = h[hl] == '/' ? h + hl : "/";
	if (h[hl] == '?' || h[hl] == '#')
		return -1;
	for (const char *p = c->path; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return -1; /* no spaces or controls in the request line */
	return 0;
}

/* Write all of DATA to the output file (if there is one). */
static void out_write(struct client *c, const char *data, size_t n)
{
	c->body_got += n;
	if (!c->keep_body || c->out_fd < 0)
		return;
	while (n > 0) {
		ssize_t w = write(c->out_fd, data, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fail(c, "writing %s: %s", c->out_path,
			     w < 0 ? strerror(errno) : "short write");
			return;
		}
		data += w;
		n -= (size_t)w;
	}
}

/* ---------------------------------------------------------------- response parsing */

static bool tok_eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

/* Parse the response head c->head[0..n). Returns 0, or -1 (then failed). Sets the body mode
 * by RFC 9112 6.3: chunked wins over Content-Length; neither means "until the stream ends". */
static int parse_head(struct client *c, size_t n)
{
	const char *p = c->head, *end = c->head + n;
	const char *eol = memchr(p, '\n', n);
	if (!eol || n < 12 || strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' || p[9] < '1' ||
	    p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9') {
		fail(c, "malformed response from server");
		return -1;
	}
	c->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	bool has_len = false, chunked = false;
	uint64_t len = 0;
	for (p = eol + 1; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			break;
		const char *le = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
		if (le == p)
			break;
		const char *colon = memchr(p, ':', (size_t)(le - p));
		if (!colon)
			continue;
		const char *v = colon + 1;
		while (v < le && (*v == ' ' || *v == '\t'))
			v++;
		size_t vl = (size_t)(le - v);
		while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		size_t nl = (size_t)(colon - p);
		if (tok_eq(p, nl, "Content-Length")) {
			uint64_t x = 0;
			if (vl == 0 || vl > 19) {
				fail(c, "bad Content-Length in response");
				return -1;
			}
			for (size_t i = 0; i < vl; i++) {
				if (v[i] < '0' || v[i] > '9') {
					fail(c, "bad Content-Length in response");
					return -1;
				}
				x = x * 10 + (uint64_t)(v[i] - '0');
			}
			has_len = true;
			len = x;
		} else if (tok_eq(p, nl, "Transfer-Encoding")) {
			/* the last coding must be chunked for us to find the end */
			chunked = vl >= 7 && strncasecmp(v + vl - 7, "chunked", 7) == 0;
			if (!chunked) {
				has_len = false;
			}
		}
	}
	if (c->status >= 100 && c->status < 200) {
		c->mode = BODY_NONE; /* interim response: another head follows */
	} else if (c->status == 204 || c->status == 304) {
		c->mode = BODY_NONE;
	} else if (chunked) {
		c->mode = BODY_CHUNKED;
		c->ch = CH_SIZE;
		c->chline_len = 0;
	} else if (has_len) {
		c->mode = len ? BODY_LENGTH : BODY_NONE;
		c->body_left = len;
	} else {
		c->mode = BODY_TO_CLOSE;
	}
	c->keep_body = c->status >= 200 && c->status < 300;
	return 0;
}

/* Find the blank line that ends a head in B[0..N): the index after it, or 0. */
static size_t head_end(const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (b[i] != '\n')
			continue;
		if (i + 1 < n && b[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && b[i + 1] == '\r' && b[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* The response is over (successfully framed): judge it. */
static void response_done(struct client *c)
{
	c->complete = true;
	if (c->status < 200 || c->status > 299) {
		const char *eol = memchr(c->head, '\n', c->head_len);
		int n = eol ? (int)(eol - c->head) : 0;
		if (n > 0 && c->head[n - 1] == '\r')
			n--;
		n = n > 13 ? n - 13 : 0;
		fail(c, "HTTP %d%s%.*s", c->status, n ? " " : "", n, c->head + 13);
	}
	if (c->phase < PH_LINGER)
		c->phase = PH_LINGER;
}

/* Feed chunked-coded body bytes (RFC 9112 7.1). */
static void chunked_feed(struct client *c, const char *d, size_t n)
{
	while (n > 0 && !c->complete && !c->fail) {
		if (c->ch == CH_DATA) {
			size_t k = n < c->body_left ? n : (size_t)c->body_left;
			out_write(c, d, k);
			d += k;
			n -= k;
			c->body_left -= k;
			if (c->body_left == 0)
				c->ch = CH_DATA_END;
			continue;
		}
		/* the other states read a line */
		char ch = *d++;
		n--;
		if (ch != '\n') {
			if (c->chline_len + 1 >= sizeof c->chline) {
				fail(c, "malformed chunked body");
				return;
			}
			c->chline[c->chline_len++] = ch;
			continue;
		}
		size_t ll = c->chline_len;
		if (ll && c->chline[ll - 1] == '\r')
			ll--;
		c->chline[ll] = 0;
		c->chline_len = 0;
		if (c->ch == CH_DATA_END) {
			if (ll != 0) {
				fail(c, "malformed chunked body");
				return;
			}
			c->ch = CH_SIZE;
		} else if (c->ch == CH_SIZE) {
			char *e;
			errno = 0;
			unsigned long long sz = strtoull(c->chline, &e, 16);
			if (e == c->chline || errno || (*e && *e != ';' && *e != ' ')) {
				fail(c, "malformed chunked body");
				return;
			}
			c->body_left = sz;
			c->ch = sz ? CH_DATA : CH_TRAILER;
		} else if (ll == 0) { /* CH_TRAILER: the blank line ends the message */
			response_done(c);
		}
	}
}

/* Feed bytes that follow the head. */
static void body_feed(struct client *c, const char *d, size_t n)
{
	switch (c->mode) {
	case BODY_LENGTH: {
		size_t k = n < c->body_left ? n : (size_t)c->body_left;
		out_write(c, d, k);
		c->body_left -= k;
		if (c->body_left == 0)
			response_done(c);
		break;
	}
	case BODY_CHUNKED:
		chunked_feed(c, d, n);
		break;
	case BODY_TO_CLOSE:
		out_write(c, d, n);
		break;
	case BODY_NONE:
		break;
	}
}

/* Feed received bytes: head first (skipping interim 1xx heads), then the body. */
static void feed(struct client *c, const char *d, size_t n)
{
	while (n > 0 && !c->complete && !c->fail) {
		if (c->head_done) {
			body_feed(c, d, n);
			return;
		}
		size_t room = sizeof c->head - c->head_len;
		size_t k = n < room ? n : room;
		memcpy(c->head + c->head_len, d, k);
		size_t old = c->head_len;
		c->head_len += k;
		size_t he = head_end(c->head, c->head_len);
		if (!he) {
			if (c->head_len == sizeof c->head) {
				fail(c, "response head too large");
				return;
			}
			return;
		}
		/* bytes of D past the head */
		size_t used = he - old;
		d += used;
		n -= used;
		if (parse_head(c, he) < 0)
			return;
		if (c->status >= 100 && c->status < 200) {
			c->head_len = 0; /* RFC 9110 15.2: skip interim responses */
			continue;
		}
		c->head_len = he;
		c->head_done = true;
		if (c->mode == BODY_NONE)
			response_done(c);
	}
}

/* ---------------------------------------------------------------- the connection */

/* Send what remains of the request head and the upload body, as far as space allows. */
static void pump_request(struct client *c)
{
	while (!c->fail && c->req_off < c->req_len) {
		long n = ng_tcp_send(c->s, c->req + c->req_off, c->req_len - c->req_off);
		if (n < 0) {
			fail(c, "send: %s", err_text((int)n));
			return;
		}
		if (n == 0)
			return; /* WRITABLE follows */
		c->req_off += (size_t)n;
	}
	while (!c->fail && c->up_fd >= 0 && c->up_off < c->up_len) {
		/* with no space we still offer a byte: the short send promises WRITABLE */
		size_t space = ng_tcp_send_space(c->s);
		size_t want = space == 0 ? 1 : space < SCRATCH ? space : SCRATCH;
		uint64_t left = c->up_len - c->up_off;
		if (want > left)
			want = (size_t)left;
		ssize_t got = pread(c->up_fd, c->scratch, want, (off_t)c->up_off);
		if (got <= 0) {
			fail(c, "reading %s: %s", c->upload_path,
			     got < 0 ? strerror(errno) : "file shrank");
			return;
		}
		long n = ng_tcp_send(c->s, c->scratch, (size_t)got);
		if (n < 0) {
			fail(c, "send: %s", err_text((int)n));
			return;
		}
		c->up_off += (uint64_t)n;
		if (n < got)
			return;
	}
}

/* Read whatever is ready. */
static void pull_response(struct client *c)
{
	while (!c->peer_eof) {
		long n = ng_tcp_recv(c->s, c->scratch, sizeof c->scratch);
		if (n == -NG_EAGAIN)
			return;
		if (n < 0) {
			fail(c, "%s", err_text((int)n));
			return;
		}
		if (n == 0) {
			c->peer_eof = true;
			if (c->complete || c->fail)
				return;
			if (c->head_done && c->mode == BODY_TO_CLOSE) {
				response_done(c); /* RFC 9112 6.3 item 8: the close ends the body */
			} else if (!c->head_done) {
				fail(c, "connection closed before a response");
			} else {
				fail(c, "connection closed after %" PRIu64 " body bytes%s",
				     c->body_got,
				     c->mode == BODY_LENGTH ? " (Content-Length not met)" : "");
			}
			return;
		}
		if (!c->complete && !c->fail)
			feed(c, c->scratch, (size_t)n);
		/* bytes after a complete response are read and dropped */
	}
}

static void on_event(struct ng_tcp_sock *s, void *ctx, unsigned events)
{
	struct client *c = ctx;
	(void)s;
	if (c->phase == PH_DONE)
		return;
	if (events & NG_TCP_EV_CONNECTED && c->phase == PH_CONNECT)
		c->phase = PH_XFER;
	if (events & NG_TCP_EV_READABLE)
		pull_response(c);
	if (c->phase == PH_XFER && !c->complete)
		pump_request(c);
	if (events & NG_TCP_EV_ERROR) {
		int err = ng_tcp_error(s);
		if (!c->complete)
			fail(c, "%s", err ? err_text(err) : "connection failed");
	} else if (events & NG_TCP_EV_CLOSED) {
		/* a close ends a read-to-close body; data before it was read above */
		pull_response(c);
		if (!c->complete)
			fail(c, "connection closed before the response was complete");
	}
}

/* Is the TAP's kernel side up and given an IPv4 address? (The test or the user configures it
 * after we create it.) */
static bool link_ready(const char *name)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true; /* cannot tell: just go */
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
	bool up = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
	ifr.ifr_addr.sa_family = AF_INET;
	bool addr = ioctl(fd, SIOCGIFADDR, &ifr) == 0;
	close(fd);
	return up && addr;
}

/* The loop's tick: the phases that are driven by time rather than by events. */
static uint64_t tick(void *ctx, uint64_t now)
{
	struct client *c = ctx;
	if (c->phase < PH_LINGER && now >= c->deadline)
		fail(c, "timed out after %llu s",
		     (unsigned long long)(c->timeout_ns / NG_NS_PER_SEC));
	switch (c->phase) {
	case PH_LINK:
		if (now < c->next_link_check)
			return c->next_link_check;
		if (!link_ready(c->app.tap) && now < c->start + LINK_WAIT_NS) {
			c->next_link_check = now + LINK_POLL_NS;
			return c->next_link_check;
		}
		c->phase = PH_CONNECT;
		int err = ng_tcp_connect(c->app.st, c->dst, c->port, on_event, c, &c->opts, &c->s);
		if (err < 0) {
			c->s = NULL;
			fail(c, "connect: %s", err_text(err));
			return now;
		}
		return c->deadline;
	case PH_CONNECT:
	case PH_XFER:
		return c->deadline;
	case PH_LINGER:
		if (!c->s) {
			c->phase = PH_DONE;
			break;
		}
		if (!c->complete) {
			/* failed mid-way (refused, reset, timeout, bad data): nothing to finish */
			ng_tcp_abort(c->s);
			c->s = NULL;
			c->phase = PH_DONE;
			break;
		}
		if (!c->linger_until) {
			/* the response is whole: our FIN, then wait (bounded) for the server's, so
			 * that the connection ends in order on both sides */
			c->linger_until = now + LINGER_NS;
			if (ng_tcp_get_state(c->s) != NG_TCP_CLOSED)
				ng_tcp_shutdown(c->s);
		}
		if (!c->peer_eof)
			pull_response(c); /* drain, so that the close is not a reset */
		enum ng_tcp_state st = ng_tcp_get_state(c->s);
		if (st == NG_TCP_CLOSED || st == NG_TCP_TIME_WAIT || now >= c->linger_until) {
			ng_tcp_close(c->s);
			c->s = NULL;
			c->phase = PH_DONE;
			break;
		}
		return now + 10 * NG_NS_PER_MS < c->linger_until ? now + 10 * NG_NS_PER_MS
		                                                 : c->linger_until;
	case PH_DONE:
		break;
	}
	ng_app_stop_flag = 1;
	return now;
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: " PROG " --tap NAME --addr A/P [options] URL -o FILE [--upload FILE]\n"
	    "HTTP/1.1 client on natgate's TCP. URL is http://A.B.C.D[:PORT]/path (numeric).\n"
	    "Downloads URL to FILE; with --upload, PUTs FILE's bytes to URL instead (the response\n"
	    "body then goes to -o FILE if given). Exit 0 on a 2xx response received whole.\n"
	    "%s"
	    "  -o, --output FILE  where the response body goes (required without --upload)\n"
	    "  --upload FILE      PUT this file's bytes to URL\n"
	    "  --timeout SECS     give up after this long in all (default 60)\n"
	    "  --sndbuf BYTES     socket send buffer (default: the stack's)\n"
	    "  --rcvbuf BYTES     socket receive buffer (default: the stack's)\n"
	    "  -h, --help         this help (--version: the version)\n",
	    ng_app_usage());
}

static int parse_num(const char *opt, const char *v, unsigned long long min, unsigned long long max,
                     unsigned long long *out)
{
	char *e;
	errno = 0;
	unsigned long long x = v ? strtoull(v, &e, 10) : 0;
	if (!v || !*v || *e || errno || x > max || v[0] == '-' || x < min) {
		fprintf(stderr, PROG ": %s needs a number from %llu to %llu\n", opt, min, max);
		return -1;
	}
	*out = x;
	return 0;
}

int main(int argc, char **argv)
{
	static struct client cl; /* large (the buffers): not on the stack */
	struct client *c = &cl;
	const char *url = NULL;
	unsigned long long v;
	ng_app_init(&c->app, PROG);
	c->timeout_ns = 60 * NG_NS_PER_SEC;
	c->out_fd = c->up_fd = -1;
	for (int i = 1; i < argc;) {
		int r = ng_app_option(&c->app, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		/* our own options, as "--name VALUE" or "--name=VALUE" like the common ones */
		struct ng_app_arg arg;
		ng_app_arg_split(argc, argv, i, &arg);
		const char *o = arg.name, *val = arg.val;
		int used = arg.used;
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(o, "--version")) {
			printf(PROG " (natgate) %s\n", NG_VERSION);
			return 0;
		} else if ((!strcmp(o, "-o") || !strcmp(o, "--output")) && val) {
			c->out_path = val;
		} else if (!strcmp(o, "--upload") && val) {
			c->upload_path = val;
		} else if (!strcmp(o, "--timeout")) {
			if (parse_num(o, val, 1, 86400, &v) < 0)
				return 2;
			c->timeout_ns = v * NG_NS_PER_SEC;
		} else if (!strcmp(o, "--sndbuf")) {
			if (parse_num(o, val, 0, 1u << 30, &v) < 0)
				return 2;
			c->opts.sndbuf = (uint32_t)v;
		} else if (!strcmp(o, "--rcvbuf")) {
			if (parse_num(o, val, 0, 1u << 30, &v) < 0)
				return 2;
			c->opts.rcvbuf = (uint32_t)v;
		} else if (o[0] != '-' && !url) {
			url = o;
			i++;
			continue;
		} else {
			fprintf(stderr, PROG ": unknown option or missing value: %s\n", o);
			usage(stderr);
			return 2;
		}
		i += used;
	}
	if (!url || (!c->out_path && !c->upload_path)) {
		fprintf(stderr, PROG ": a URL and -o FILE (or --upload FILE) are required\n");
		usage(stderr);
		return 2;
	}
	if (parse_url(c, url) < 0) {
		fprintf(stderr, PROG ": bad URL %s (want http://A.B.C.D[:PORT]/path)\n", url);
		return 2;
	}
	if (c->upload_path) {
		struct stat sb;
		c->up_fd = open(c->upload_path, O_RDONLY | O_CLOEXEC);
		if (c->up_fd < 0 || fstat(c->up_fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
			fprintf(stderr, PROG ": --upload %s: %s\n", c->upload_path,
			        c->up_fd < 0 ? strerror(errno) : "not a regular file");
			return 1;
		}
		c->up_len = (uint64_t)sb.st_size;
	}
	if (c->out_path) {
		c->out_fd = open(c->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (c->out_fd < 0) {
			fprintf(stderr, PROG ": -o %s: %s\n", c->out_path, strerror(errno));
			return 1;
		}
	}
	int n;
	if (c->upload_path)
		n = snprintf(c->req, sizeof c->req,
		             "PUT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: " PROG "/" NG_VERSION
		             "\r\nAccept: */*\r\nContent-Type: application/octet-stream\r\n"
		             "Content-Length: %" PRIu64 "\r\nConnection: close\r\n\r\n",
		             c->path, c->host, c->up_len);
	else
		n = snprintf(c->req, sizeof c->req,
		             "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: " PROG "/" NG_VERSION
		             "\r\nAccept: */*\r\nConnection: close\r\n\r\n",
		             c->path, c->host);
	if (n < 0 || (size_t)n >= sizeof c->req) {
		fprintf(stderr, PROG ": URL too long\n");
		return 2;
	}
	c->req_len = (size_t)n;
	int started = ng_app_start(&c->app);
	if (started < 0)
		return started == -2 ? 2 : 1; /* -2: a usage error, message printed */
	c->start = ng_clock_now();
	c->deadline = c->start + c->timeout_ns;
	c->phase = PH_LINK;
	ng_loop_set_tick(c->app.loop, tick, c);
	int rc = ng_app_run(&c->app);
	if (c->phase != PH_DONE && !c->fail)
		fail(c, "interrupted");
	if (c->s)
		ng_tcp_abort(c->s);
	c->s = NULL;
	uint32_t leaked = ng_app_stop(&c->app);
	if (c->out_fd >= 0 && close(c->out_fd) < 0 && !c->fail)
		fail(c, "writing %s: %s", c->out_path, strerror(errno));
	if (c->up_fd >= 0)
		close(c->up_fd);
	if (rc < 0 && !c->fail)
		fail(c, "event loop failed: %s", ng_strerror(rc));
	if (leaked)
		fprintf(stderr, PROG ": %u packets leaked\n", leaked);
	if (c->fail) {
		fprintf(stderr, PROG ": %s\n", c->why);
		return 1;
	}
	if (c->upload_path && c->up_off != c->up_len) {
		fprintf(stderr,
		        PROG ": server answered before the upload was sent (%" PRIu64 " of %" PRIu64
		             " bytes)\n",
		        c->up_off, c->up_len);
		return 1;
	}
	return 0;
}
