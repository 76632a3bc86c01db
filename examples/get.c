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
 *   XFER     send the request head (and for --upload the file, pread() straight into the send
 *            buffer: ng_http_out_pump), and parse the response as it comes (src/gw/http.c):
 *            the head is gathered in c->head, then the body, framed by Content-Length, chunked
 *            coding or the end of the stream (RFC 9112 6.3), is written to the file straight
 *            from the receive buffer (ng_http_body_recv). Interim 1xx responses are skipped;
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
#include "gw/http.h"
#include "natgate/tcp.h"

#define PROG         "ng-get"
#define HEAD_MAX     16384 /* response head limit */
#define LINGER_NS    (3 * NG_NS_PER_SEC)
#define LINK_POLL_NS (20 * NG_NS_PER_MS)
#define LINK_WAIT_NS (3 * NG_NS_PER_SEC)

enum phase { PH_LINK, PH_CONNECT, PH_XFER, PH_LINGER, PH_DONE };

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
	uint64_t up_len;
	struct ng_http_out out; /* the request head, then the upload file */
	/* response */
	char head[HEAD_MAX];
	size_t head_len;
	bool head_done;
	struct ng_http_msg resp;
	struct ng_http_body body;
	bool keep_body; /* write the body to out_fd */
	bool complete;
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
		/* RFC 3986 3.2.3: port = *DIGIT (decimal only, unlike a command-line number) */
		uint64_t p;
		*colon = 0;
		if (strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
		    ng_app_parse_num(colon + 1, 1, 65535, &p) < 0)
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

/* ng_http_body_recv's sink: body bytes, where they lie in the receive buffer, to the file. */
static int out_sink(void *ctx, const char *data, size_t n)
{
	struct client *c = ctx;
	out_write(c, data, n);
	return c->fail ? -1 : 0;
}

/* ---------------------------------------------------------------- response parsing */

/* The response is over (successfully framed): judge it. */
static void response_done(struct client *c)
{
	c->complete = true;
	if (c->resp.status < 200 || c->resp.status > 299) {
		/* the server's reason phrase goes to the user's terminal: control bytes (escape
		 * sequences) become '?' (RFC 9112 4 allows only HTAB, SP and visible ones) */
		char why[80];
		size_t i, n = c->resp.reason_len;

		if (n > sizeof(why) - 1)
			n = sizeof(why) - 1;
		for (i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)c->resp.reason[i];
			why[i] = (char)((ch < 0x20 && ch != '\t') || ch == 0x7f ? '?' : ch);
		}
		why[n] = 0;
		fail(c, "HTTP %d%s%s", c->resp.status, n ? " " : "", why);
	}
	if (c->phase < PH_LINGER)
		c->phase = PH_LINGER;
}

/* Take response head bytes from D[0..N) into c->head; once the head is whole, parse it (skipping
 * interim 1xx heads) and set up the body's framing. Returns how many bytes of D belong to the
 * head: the rest is body, left where it lies. */
static size_t head_feed(struct client *c, const char *d, size_t n)
{
	size_t room = sizeof c->head - c->head_len;
	size_t k = n < room ? n : room;
	memcpy(c->head + c->head_len, d, k);
	size_t old = c->head_len;
	c->head_len += k;
	size_t he = ng_http_head_end(c->head, c->head_len, old);
	if (!he) {
		if (c->head_len == sizeof c->head)
			fail(c, "response head too large");
		return k;
	}
	if (ng_http_parse_response(c->head, he, &c->resp) < 0) {
		fail(c, "malformed response from server (%s)", c->resp.err);
		return he - old;
	}
	if (c->resp.status < 200) {
		c->head_len = 0; /* RFC 9110 15.2: skip interim responses */
		return he - old;
	}
	c->head_len = he;
	c->head_done = true;
	ng_http_body_init(&c->body, ng_http_response_body(&c->resp, false), c->resp.content_length);
	c->keep_body = c->resp.status >= 200 && c->resp.status < 300;
	if (c->body.done)
		response_done(c);
	return he - old;
}

/* ---------------------------------------------------------------- the connection */

/* Send what remains of the request head and the upload body, as far as space allows. */
static void pump_request(struct client *c)
{
	if (c->fail || ng_http_out_pump(&c->out, c->s) >= 0)
		return;
	if (c->out.err)
		fail(c, "send: %s", err_text(c->out.err));
	else
		fail(c, "reading %s: %s", c->upload_path,
		     c->out.file_errno ? strerror(c->out.file_errno) : "file shrank");
}

/* Read whatever is ready: the head into c->head, the body straight from the receive buffer, and
 * whatever follows a complete (or failed) response is read and dropped. */
static void pull_response(struct client *c)
{
	while (!c->peer_eof) {
		bool active = !c->complete && !c->fail;
		if (active && c->head_done) {
			int r = ng_http_body_recv(&c->body, c->s, out_sink, c);
			if (r == 0)
				return;
			if (r == NG_HTTP_DONE) {
				response_done(
				    c); /* a close that ends the body is seen next round */
			} else if (r == NG_HTTP_EOF) {
				c->peer_eof = true;
				fail(c, "connection closed after %" PRIu64 " body bytes%s",
				     c->body.got,
				     c->body.mode == NG_HTTP_BODY_LENGTH
				         ? " (Content-Length not met)"
				         : "");
			} else if (r == -NG_EBADMSG) {
				fail(c, "malformed chunked body (%s)", c->body.err);
			} else if (!c->fail) {
				fail(c, "%s", err_text(r));
			}
			continue;
		}
		const void *p;
		long n = ng_tcp_recv_peek(c->s, &p);
		if (n == -NG_EAGAIN)
			return;
		if (n < 0) {
			fail(c, "%s", err_text((int)n));
			return;
		}
		if (n == 0) {
			c->peer_eof = true;
			if (active)
				fail(c, "connection closed before a response");
			return;
		}
		ng_tcp_recv_consume(c->s, active ? head_feed(c, p, (size_t)n) : (size_t)n);
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

int main(int argc, char **argv)
{
	static struct client cl; /* large (the buffers): not on the stack */
	struct client *c = &cl;
	const char *url = NULL;
	uint64_t v;
	ng_app_init(&c->app, PROG);
	/* one connection (and its TIME_WAIT): the stack's 4096 connection blocks would be most of
	 * our resident memory */
	c->app.cfg.tcp_max_conns = 16;
	c->timeout_ns = 60 * NG_NS_PER_SEC;
	c->out_fd = c->up_fd = -1;
	for (int i = 1; i < argc;) {
		/* common options, --help, --version, --sndbuf, --rcvbuf; then our own */
		struct ng_app_arg arg;
		int r = ng_app_next_option(&c->app, argc, argv, &i, &c->opts, usage, &arg);
		if (r < 0)
			return r == NG_APP_OPT_EXIT ? 0 : 2;
		if (r == NG_APP_OPT_TAKEN)
			continue;
		const char *o = arg.name, *val = arg.val;
		if (!strcmp(o, "-o") || !strcmp(o, "--output")) {
			if (!(c->out_path = ng_app_opt_val(&c->app, &arg)))
				return 2;
		} else if (!strcmp(o, "--upload")) {
			if (!(c->upload_path = ng_app_opt_val(&c->app, &arg)))
				return 2;
		} else if (!strcmp(o, "--timeout")) {
			if (ng_app_opt_num(&c->app, o, val, 1, 86400, &v))
				return 2;
			c->timeout_ns = v * NG_NS_PER_SEC;
		} else if (o[0] != '-' && !url) {
			url = o;
			i++;
			continue;
		} else {
			return ng_app_opt_unknown(&c->app, &arg);
		}
		i += arg.used;
	}
	if (!url || (!c->out_path && !c->upload_path)) {
		fprintf(stderr,
		        PROG ": a URL and -o FILE (or --upload FILE) are required (try --help)\n");
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
	c->out.head = c->req;
	c->out.head_len = (size_t)n;
	c->out.fd = c->up_fd;
	c->out.end = c->up_len;
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
	if (c->upload_path && c->out.off != c->up_len) {
		fprintf(stderr,
		        PROG ": server answered before the upload was sent (%" PRIu64 " of %" PRIu64
		             " bytes)\n",
		        c->out.off, c->up_len);
		return 1;
	}
	return 0;
}
