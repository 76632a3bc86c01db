// SPDX-License-Identifier: MIT
// ng-httpd: a small HTTP/1.1 file server on natgate's own TCP, for pointing real clients at it.
/*
 * Theory of operation
 *
 * One process, one TAP, one natgate stack, one event loop (src/gw). Every connection is a
 * struct conn driven by ng_tcp events: READABLE feeds the request parser, WRITABLE lets the
 * response go on. A connection moves through three phases:
 *
 *   HEAD  reading the request head (at most HEAD_MAX bytes, else 431) into c->in; it is parsed
 *         by src/gw/http.c (ng_http_parse_request);
 *   BODY  consuming a Content-Length or chunked body: what sits in c->in after the head is
 *         framed where it lies (ng_http_body_take), the rest straight from the receive buffer
 *         (ng_http_body_recv: ng_tcp_recv_peek / ng_tcp_recv_consume, so the bytes are copied
 *         once, by the kernel's write()): written to a temporary file for PUT
 *         (renamed into place when complete), discarded for any other method, and for PUT too
 *         when the environment has NG_HTTPD_PUT_DISCARD=1 (benchmarks: the peers' servers
 *         discard uploads, so a disk write would not compare like with like);
 *   SEND  sending the response head from c->out, then the file, read with pread() straight
 *         into the connection's send buffer (ng_http_out_pump: ng_tcp_send_reserve /
 *         ng_tcp_send_commit; back-pressure: no space to reserve means "wait for
 *         NG_TCP_EV_WRITABLE").
 *
 * After SEND a keep-alive connection returns to HEAD (pipelined requests already in c->in are
 * served next); otherwise it is closed in order (FIN after the queued response). While a
 * response is in SEND the connection reads nothing more, so a pipelining client is held back by
 * the receive window rather than by our memory.
 *
 * Sockets are never closed from inside an event callback: a connection that is finished is put
 * on a list and closed and freed in the loop's tick, after the stack has returned. The tick also
 * closes idle connections and answers SIGUSR1 with a "ng-httpd: connections=N" line on stderr
 * (N = ng_tcp_count: every connection the stack still holds); the same line is printed at exit.
 *
 * Files are opened beneath --root with openat2(RESOLVE_BENEATH), so neither ".." nor a symbolic
 * link can lead outside it; ".." path segments are refused outright with 400.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gw/gw.h"
#include "gw/http.h"
#include "natgate/tcp.h"

#define PROG           "ng-httpd"
#define HEAD_MAX       8192          /* request head limit (RFC 9110 leaves it to the server) */
#define OUT_MAX        1024          /* response heads and short bodies */
#define SERVICE_ROUNDS 64            /* requests served per event before yielding to the loop */
#define SCAN_NS        NG_NS_PER_SEC /* idle scan period */

enum phase { PH_HEAD, PH_BODY, PH_SEND };

struct server;

struct conn {
	struct server *srv;
	struct ng_tcp_sock *s;
	struct conn *prev, *next; /* all live connections */
	struct conn *dead_next;   /* on the close list */
	struct conn *more_next;   /* on the list of those with work left over */
	bool dead, abort, more;
	enum phase phase;
	bool keepalive, peer_eof;
	uint64_t last_active;
	/* request head; after a head is parsed, in[0..head_len) holds it */
	char in[HEAD_MAX];
	size_t in_len;
	/* request being served */
	enum ng_http_method method;
	int status; /* final status decided while reading the body */
	struct ng_http_body body;
	int put_dir;      /* directory fd of a PUT target, -1 if none */
	int put_fd;       /* temporary file the PUT body goes into, -1 if none */
	char put_tmp[64]; /* its name in put_dir */
	char put_name[NAME_MAX + 1];
	/* response */
	char out[OUT_MAX];
	struct ng_http_out o; /* c->out, then the file o.fd (-1 if none) */
};

struct server {
	struct ng_app app;
	uint16_t port;
	const char *root;
	int rootfd;
	uint64_t idle_ns;
	unsigned max_conns, backlog;
	struct ng_tcp_sockopts opts;
	struct ng_tcp_sock *lsock;
	struct conn *conns; /* live connections (doubly linked) */
	unsigned nconns, peak;
	struct conn *dead; /* waiting for the tick to close and free them */
	struct conn *more; /* stopped after SERVICE_ROUNDS with work left: the tick goes on */
	uint64_t next_scan;
	unsigned long long accepted, refused, requests, bytes_in, bytes_out, idle_closed;
	unsigned put_seq;
	bool put_discard; /* NG_HTTPD_PUT_DISCARD=1: PUT bodies are counted, not stored */
};

static volatile sig_atomic_t report_flag;

static void on_usr1(int sig)
{
	(void)sig;
	report_flag = 1;
}

/* One line of figures on stderr; tcp_segments counts the segments the stack built (a TSO
 * super-segment counts once: tests tell from it whether the offload was used). */
static void report(struct server *srv)
{
	fprintf(stderr,
	        PROG ": connections=%zu open=%u peak=%u accepted=%llu refused=%llu "
	             "requests=%llu "
	             "bytes_in=%llu bytes_out=%llu idle_closed=%llu tcp_segments=%llu\n",
	        ng_tcp_count(srv->app.st), srv->nconns, srv->peak, srv->accepted, srv->refused,
	        srv->requests, srv->bytes_in, srv->bytes_out, srv->idle_closed,
	        (unsigned long long)ng_stack_stats(srv->app.st)->counters[NG_CNT_TCP_TX]);
	fflush(stderr);
}

/* Open PATH (relative) beneath DIRFD: openat2 with RESOLVE_BENEATH refuses any resolution that
 * would leave the directory, through ".." or a symbolic link. Returns an fd or -1 with errno. */
static int open_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
	    .flags = (uint64_t)flags | O_CLOEXEC,
	    .mode = (flags & O_CREAT) ? mode : 0,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
	if (fd < 0 && errno == ENOSYS) /* before Linux 5.6: ".." is already refused by the parser */
		fd = openat(dirfd, path, flags | O_CLOEXEC, mode);
	return fd;
}

/* ---------------------------------------------------------------- connection list */

/* Put C on the close list (once); the tick closes it: in order, or with a reset if ABORT. */
static void conn_kill(struct conn *c, bool abort)
{
	if (c->dead)
		return;
	c->dead = true;
	c->abort = abort;
	c->dead_next = c->srv->dead;
	c->srv->dead = c;
}

static void conn_release_files(struct conn *c)
{
	if (c->o.fd >= 0)
		close(c->o.fd);
	c->o.fd = -1;
	if (c->put_fd >= 0) {
		close(c->put_fd);
		unlinkat(c->put_dir, c->put_tmp, 0); /* an unfinished upload leaves nothing */
	}
	c->put_fd = -1;
	if (c->put_dir >= 0)
		close(c->put_dir);
	c->put_dir = -1;
}

/* Close and free every connection on the close list. Runs in the tick, outside any callback. */
static void reap(struct server *srv)
{
	while (srv->dead) {
		struct conn *c = srv->dead;
		srv->dead = c->dead_next;
		if (c->more) {
			struct conn **pp = &srv->more;
			while (*pp != c)
				pp = &(*pp)->more_next;
			*pp = c->more_next;
		}
		if (c->abort)
			ng_tcp_abort(c->s);
		else
			ng_tcp_close(c->s);
		conn_release_files(c);
		if (c->prev)
			c->prev->next = c->next;
		else
			srv->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		srv->nconns--;
		free(c);
	}
}

/* ---------------------------------------------------------------- request parsing */

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Turn the request target T[0..N) into a relative path under the root in OUT (size CAP):
 * absolute-form "http://host/p" is reduced to "/p", the query and fragment are dropped, %XX escapes
 * decoded, empty and "." segments skipped. Returns 0, or -1 for a malformed target, a ".." segment
 * or a NUL byte (all 400). An empty result means the root itself. */
static int target_to_path(const char *t, size_t n, char *out, size_t cap)
{
	if (n > 7 && strncasecmp(t, "http://", 7) == 0) {
		const char *sl = memchr(t + 7, '/', n - 7);
		if (!sl)
			return -1;
		n -= (size_t)(sl - t);
		t = sl;
	}
	if (n == 0 || t[0] != '/')
		return -1;
	size_t o = 0, seg = 0; /* seg: start of the current segment in OUT */
	for (size_t i = 1; i <= n; i++) {
		char ch = i < n ? t[i] : '/';
		if (ch == '?' || ch == '#') {
			ch = '/';
			n = i; /* stop after this segment */
		}
		if (ch == '%') {
			int hi = i + 2 < n ? hexval(t[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(t[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return -1;
			ch = (char)(hi * 16 + lo);
			i += 2;
			if (ch == 0 || ch == '/')
				return -1; /* an escaped '/' would make segments ambiguous */
		} else if (ch == '/') {
			size_t len = o - seg;
			if (len == 2 && out[seg] == '.' && out[seg + 1] == '.')
				return -1;
			if (len == 0 || (len == 1 && out[seg] == '.')) {
				o = seg; /* drop empty and "." segments */
			} else {
				if (o + 1 >= cap)
					return -1;
				out[o++] = '/';
				seg = o;
			}
			continue;
		}
		if (o + 2 >= cap)
			return -1;
		out[o++] = ch;
	}
	if (o > 0 && out[o - 1] == '/')
		o--;
	out[o] = 0;
	return 0;
}

/* Parsed request head. */
struct req {
	struct ng_http_msg m;
	bool dir_slash;
	bool path_bad; /* bad target, ".." or NUL: 400 once the body is skipped */
	char path[PATH_MAX];
};

/* Parse the request head H[0..N) (N includes the blank line) with ng_http_parse_request and map
 * its target to a path. Returns 0, or the status to answer with. */
static int parse_head(const char *h, size_t n, struct req *r)
{
	int code = ng_http_parse_request(h, n, &r->m);
	if (code)
		return code;
	/* a bad target still lets us read the fields, so that its body can be skipped */
	r->path_bad = target_to_path(r->m.target, r->m.target_len, r->path, sizeof r->path) < 0;
	r->dir_slash = r->m.target[r->m.target_len - 1] == '/';
	return 0;
}

/* ---------------------------------------------------------------- responses */

/* Queue the response head (and BODY, a short text, unless this is HEAD) in c->out. A file body
 * follows from c->o.fd when set. Every response carries Content-Length (RFC 9112 6.3 lets the
 * client find the end of it without a close). */
static void respond(struct conn *c, int code, uint64_t clen, const char *body)
{
	const char *ctype = c->o.fd >= 0 ? "application/octet-stream" : "text/plain";
	if (body)
		clen = strlen(body);
	int n = snprintf(c->out, sizeof c->out,
	                 "HTTP/1.1 %d %s\r\nServer: " PROG "\r\nContent-Type: %s\r\n"
	                 "Content-Length: %" PRIu64 "\r\n%sConnection: %s\r\n\r\n",
	                 code, ng_http_reason(code), ctype, clen,
	                 code == 405 ? "Allow: GET, HEAD, PUT, POST\r\n" : "",
	                 c->keepalive ? "keep-alive" : "close");
	size_t len = (size_t)n;
	if (body && c->method != NG_HTTP_HEAD && len + strlen(body) < sizeof c->out) {
		memcpy(c->out + len, body, strlen(body));
		len += strlen(body);
	}
	c->o.head = c->out;
	c->o.head_len = len;
	c->o.head_off = 0;
	c->phase = PH_SEND;
}

static void respond_error(struct conn *c, int code)
{
	char body[64];
	snprintf(body, sizeof body, "%d %s\n", code, ng_http_reason(code));
	respond(c, code, 0, body);
}

/* Open the file of a GET/HEAD and queue its head; a directory serves its index.html. */
static void start_get(struct conn *c, struct req *r)
{
	struct server *srv = c->srv;
	const char *path = r->path[0] ? r->path : ".";
	int fd = open_beneath(srv->rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
	struct stat sb;
	if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		int ifd = open_beneath(fd, "index.html", O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
		close(fd);
		fd = ifd;
	}
	/* one fstat for whatever is opened now (SB is read below only after a good one) */
	if (fd >= 0 && fstat(fd, &sb) != 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		respond_error(c, errno == EACCES || errno == EXDEV ? 403 : 404);
		return;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		respond_error(c, 403);
		return;
	}
	c->o.fd = fd;
	c->o.off = 0;
	c->o.end = (uint64_t)sb.st_size;
	respond(c, 200, c->o.end, NULL);
	if (c->method == NG_HTTP_HEAD) {
		close(c->o.fd);
		c->o.fd = -1;
	}
}

/* Prepare the temporary file a PUT body goes into. Returns 0 or the status to answer with. */
static int start_put(struct conn *c, struct req *r)
{
	struct server *srv = c->srv;
	if (!r->path[0] || r->dir_slash)
		return 405; /* the root or a directory is not a file to replace */
	char *slash = strrchr(r->path, '/');
	const char *base = slash ? slash + 1 : r->path;
	if (slash)
		*slash = 0;
	if (strlen(base) >= sizeof c->put_name)
		return 400;
	memcpy(c->put_name, base, strlen(base) + 1);
	int dfd = open_beneath(srv->rootfd, slash ? r->path : ".", O_PATH | O_DIRECTORY, 0);
	if (dfd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 404 : 403;
	snprintf(c->put_tmp, sizeof c->put_tmp, ".ng-httpd.%d.%u.tmp", (int)getpid(),
	         srv->put_seq++);
	int fd = openat(dfd, c->put_tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		close(dfd);
		return e == EACCES || e == EROFS ? 403 : 500;
	}
	c->put_dir = dfd;
	c->put_fd = fd;
	return 0;
}

/* The body is in: rename a PUT's file into place, and queue the final response. */
static void finish_body(struct conn *c)
{
	if (c->put_fd >= 0) {
		int st = close(c->put_fd);
		c->put_fd = -1;
		if (st == 0 && c->status == 200 &&
		    renameat(c->put_dir, c->put_tmp, c->put_dir, c->put_name) == 0) {
			/* done */
		} else {
			unlinkat(c->put_dir, c->put_tmp, 0);
			if (c->status == 200)
				c->status = 500;
		}
		close(c->put_dir);
		c->put_dir = -1;
	}
	if (c->status == 200)
		respond(c, 200, 0, "OK\n");
	else
		respond_error(c, c->status);
}

/* A complete head is in c->in[0..hlen): decide what to do with it. */
static void handle_head(struct conn *c, size_t hlen)
{
	struct req r;
	int code = parse_head(c->in, hlen, &r);
	c->method = code ? NG_HTTP_OTHER : r.m.method;
	c->keepalive = code ? false : r.m.keepalive;
	ng_http_body_init(&c->body, NG_HTTP_BODY_NONE, 0);
	c->status = 200;
	/* drop the head, keep what follows (the body or pipelined requests) */
	memmove(c->in, c->in + hlen, c->in_len - hlen);
	c->in_len -= hlen;
	c->srv->requests++;
	if (code) {
		respond_error(c, code);
		return;
	}
	if (r.m.has_te && (!r.m.te_chunked_only || r.m.has_len)) {
		/* RFC 9112 6.3: a request with both Transfer-Encoding and Content-Length, or whose
		 * last coding is not chunked, is 400 (the ways requests are smuggled past proxies);
		 * 6.1: a coding we do not know before a final chunked is 501. Either way the end of
		 * the body is unknown: answer and close. */
		c->keepalive = false;
		respond_error(c, r.m.has_len || !r.m.chunked ? 400 : 501);
		return;
	}
	if (r.m.te_chunked_only)
		ng_http_body_init(&c->body, NG_HTTP_BODY_CHUNKED, 0); /* RFC 9112 7.1 */
	else
		ng_http_body_init(&c->body, NG_HTTP_BODY_LENGTH, r.m.content_length);
	if (r.m.method == NG_HTTP_PUT && !r.m.has_len && !r.m.te_chunked_only) {
		c->keepalive = false;
		respond_error(c, 411);
		return;
	}
	switch (r.path_bad ? NG_HTTP_OTHER : r.m.method) {
	case NG_HTTP_GET:
	case NG_HTTP_HEAD:
		if (c->body.done) {
			start_get(c, &r);
			return;
		}
		c->status = 400; /* RFC 9110 9.3.1: a GET body has no meaning; refuse it */
		break;
	case NG_HTTP_PUT:
		c->status = 200;
		if (c->srv->put_discard)
			break; /* counted and dropped like a POST body, answered as a stored one */
		code = start_put(c, &r);
		if (code)
			c->status = code;
		break;
	case NG_HTTP_POST:
		c->status = 200;
		break;
	default:
		c->status = r.path_bad ? 400 : 405;
		break;
	}
	if (c->body.done) {
		finish_body(c);
		return;
	}
	if (r.m.expect100 && c->status != 200) {
		/* RFC 9110 10.1.1: a final status instead of 100, then close rather than read on */
		c->keepalive = false;
		ng_http_body_init(&c->body, NG_HTTP_BODY_NONE, 0);
		respond_error(c, c->status);
		return;
	}
	if (r.m.expect100) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		memcpy(c->out, cont, sizeof cont - 1);
		c->o.head = c->out;
		c->o.head_len = sizeof cont - 1;
		c->o.head_off = 0;
	}
	c->phase = PH_BODY;
}

/* ---------------------------------------------------------------- the connection engine */

/* Move the response along: the rest of c->out, then as much of the file as the send buffer
 * takes, pread() straight into it (ng_http_out_pump). Returns true when all of it is queued,
 * false when the buffer is full (NG_TCP_EV_WRITABLE follows) or the connection died. */
static bool pump_response(struct conn *c)
{
	uint64_t before = c->o.sent;
	int r = ng_http_out_pump(&c->o, c->s);
	c->srv->bytes_out += c->o.sent - before;
	if (r < 0) {
		/* a file that shrank or failed under us cannot keep the promised length, so the
		 * connection must end abnormally, as it must when it can no longer send */
		if (!c->o.err)
			fprintf(stderr, PROG ": read error on a response file: %s\n",
			        c->o.file_errno ? strerror(c->o.file_errno)
			                        : "unexpected end of file");
		conn_kill(c, true);
		return false;
	}
	if (r == 0)
		return false;
	c->o.head_len = c->o.head_off = 0;
	if (c->o.fd >= 0)
		close(c->o.fd);
	c->o.fd = -1;
	return true;
}

/* ng_http_body_recv's sink: body bytes, where they lie, into the PUT file or nowhere. A failed
 * write keeps the body being read (answered 500 after it). */
static int take_body(void *ctx, const char *data, size_t n)
{
	struct conn *c = ctx;
	c->srv->bytes_in += n;
	if (c->put_fd < 0 || c->status != 200)
		return 0;
	while (n > 0) {
		ssize_t w = write(c->put_fd, data, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, PROG ": writing %s: %s\n", c->put_name,
			        w < 0 ? strerror(errno) : "short write");
			c->status = 500; /* keep reading the body, then answer 500 */
			return 0;
		}
		data += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read the body: what already sits in c->in (read with the head), then straight from the
 * socket's receive buffer; both through src/gw/http.c (ng_http_body_take, ng_http_body_recv).
 * Returns true when the body is complete, false when more must arrive (or the connection died). */
static bool read_body(struct conn *c)
{
	int r = 0;

	if (c->in_len > 0) {
		size_t used;
		r = ng_http_body_take(&c->body, c->in, c->in_len, &used, take_body, c);
		/* a pipelined request after the body moves to the front, once */
		c->in_len -= used;
		if (c->in_len)
			memmove(c->in, c->in + used, c->in_len);
	}
	if (!r)
		r = ng_http_body_recv(&c->body, c->s, take_body, c);
	if (r == NG_HTTP_DONE)
		return true;
	if (r == -NG_EBADMSG) {
		/* malformed chunked framing (RFC 9112 7.1): refuse it and close */
		fprintf(stderr, PROG ": bad chunked body: %s\n", c->body.err ? c->body.err : "?");
		c->keepalive = false;
		ng_http_body_init(&c->body, NG_HTTP_BODY_NONE, 0);
		conn_release_files(c); /* the unfinished upload leaves nothing */
		respond_error(c, 400);
	} else if (r != 0) {
		/* the peer ended the stream inside the body, or the connection failed */
		conn_kill(c, r != NG_HTTP_EOF);
	}
	return false;
}

/* Read more of a request head into c->in. Returns 1 when bytes arrived, 0 if nothing is ready, -1
 * at end of stream or on error. */
static int read_head(struct conn *c)
{
	if (c->peer_eof)
		return -1;
	long n = ng_tcp_recv(c->s, c->in + c->in_len, sizeof c->in - c->in_len);
	if (n == -NG_EAGAIN)
		return 0;
	if (n == 0) {
		c->peer_eof = true;
		return -1;
	}
	if (n < 0) {
		conn_kill(c, true);
		return -1;
	}
	c->in_len += (size_t)n;
	c->srv->bytes_in += (uint64_t)n;
	return 1;
}

/* Do whatever the connection can do now. Called on every event and after accept. A client that
 * pipelines many requests is served SERVICE_ROUNDS steps at a time, so that it cannot hold up the
 * others: the rest is done from the tick (no event would come for bytes already read). */
static void service(struct conn *c)
{
	size_t scanned = 0; /* how much of c->in was already searched for the end of the head */
	for (int round = 0;; round++) {
		if (c->dead)
			return;
		if (round == SERVICE_ROUNDS) {
			if (!c->more) {
				c->more = true;
				c->more_next = c->srv->more;
				c->srv->more = c;
			}
			return;
		}
		switch (c->phase) {
		case PH_HEAD: {
			size_t hlen = ng_http_head_end(c->in, c->in_len, scanned);
			if (hlen == 0) {
				scanned = c->in_len;
				if (c->in_len == sizeof c->in) {
					c->method = NG_HTTP_OTHER;
					c->keepalive = false;
					c->in_len = 0;
					respond_error(c, 431);
					break;
				}
				int r = read_head(c);
				if (r == 0)
					return;
				if (r < 0) {
					/* end of stream between requests: our side closes too */
					if (!c->dead)
						conn_kill(c, false);
					return;
				}
				continue;
			}
			scanned = 0;
			handle_head(c, hlen);
			break;
		}
		case PH_BODY:
			if (!pump_response(c) || !read_body(c))
				return;
			finish_body(c);
			break;
		case PH_SEND:
			if (!pump_response(c))
				return;
			c->phase = PH_HEAD;
			if (!c->keepalive) {
				conn_kill(c, false); /* orderly: FIN after the response */
				return;
			}
			break;
		}
	}
}

static void on_event(struct ng_tcp_sock *s, void *ctx, unsigned events)
{
	struct conn *c = ctx;
	(void)s;
	if (c->dead)
		return;
	c->last_active = ng_stack_now(c->srv->app.st);
	if (events & (NG_TCP_EV_ERROR | NG_TCP_EV_CLOSED)) {
		conn_kill(c, false);
		return;
	}
	service(c);
}

static void on_accept(struct ng_tcp_sock *l, void *ctx, struct ng_tcp_sock *child)
{
	struct server *srv = ctx;
	(void)l;
	struct conn *c = calloc(1, sizeof *c);
	if (!c) {
		srv->refused++;
		ng_tcp_abort(child);
		return;
	}
	c->srv = srv;
	c->s = child;
	c->o.fd = c->put_fd = c->put_dir = -1;
	c->phase = PH_HEAD;
	c->last_active = ng_stack_now(srv->app.st);
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	ng_tcp_set_callback(child, on_event, c);
	if (srv->nconns > srv->max_conns) {
		srv->refused++;
		conn_kill(c, true); /* reset in the tick, outside the stack's callback */
		return;
	}
	srv->accepted++;
	if (srv->nconns > srv->peak)
		srv->peak = srv->nconns;
	service(c); /* data may have come with the handshake's last ACK */
}

/* The loop's tick: close finished connections, time out idle ones, answer SIGUSR1. */
static uint64_t tick(void *ctx, uint64_t now)
{
	struct server *srv = ctx;
	struct conn *more = srv->more;
	srv->more = NULL;
	while (more) {
		struct conn *c = more;
		more = c->more_next;
		c->more = false;
		service(c);
	}
	reap(srv);
	if (now >= srv->next_scan) {
		srv->next_scan = now + SCAN_NS;
		for (struct conn *c = srv->conns; c; c = c->next) {
			if (!c->dead && srv->idle_ns && now - c->last_active > srv->idle_ns) {
				srv->idle_closed++;
				conn_kill(c, false);
			}
		}
		reap(srv);
	}
	if (report_flag) {
		report_flag = 0;
		report(srv);
	}
	return srv->more ? now : srv->next_scan;
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: " PROG " --tap NAME --addr A/P --port N --root DIR [options]\n"
	        "HTTP/1.1 file server on natgate's TCP: GET, HEAD, PUT (writes the file "
	        "under DIR),\n"
	        "POST (body discarded), keep-alive. SIGUSR1 prints the connection "
	        "count.\n"
	        "Environment: NG_HTTPD_PUT_DISCARD=1 counts and discards PUT bodies instead of "
	        "writing them\n"
	        "(still answered 200; for benchmarks against servers that discard uploads).\n"
	        "%s"
	        "  --port N          TCP port to listen on (required)\n"
	        "  --root DIR        directory served (required)\n"
	        "  --idle SECS       close connections idle this long (default 60, 0 = "
	        "never)\n"
	        "  --max-conns N     connections served at once (default 4096)\n"
	        "  --backlog N       listen backlog (default 1024)\n"
	        "  --sndbuf BYTES    per-connection send buffer (default: the stack's)\n"
	        "  --rcvbuf BYTES    per-connection receive buffer (default: the stack's)\n"
	        "  -h, --help        this help (--version: the version)\n",
	        ng_app_usage());
}

int main(int argc, char **argv)
{
	static struct server srv;
	uint64_t v;
	ng_app_init(&srv.app, PROG);
	srv.idle_ns = 60 * NG_NS_PER_SEC;
	srv.max_conns = 4096;
	srv.backlog = 1024;
	srv.opts.nodelay = true; /* responses are written whole; Nagle would only delay tails */
	{
		const char *e = getenv("NG_HTTPD_PUT_DISCARD");
		srv.put_discard = e && !strcmp(e, "1");
	}
	for (int i = 1; i < argc;) {
		/* common options, --help, --version, --sndbuf, --rcvbuf; then our own */
		struct ng_app_arg arg;
		int r = ng_app_next_option(&srv.app, argc, argv, &i, &srv.opts, usage, &arg);
		if (r < 0)
			return r == NG_APP_OPT_EXIT ? 0 : 2;
		if (r == NG_APP_OPT_TAKEN)
			continue;
		const char *o = arg.name, *val = arg.val;
		if (!strcmp(o, "--root")) {
			if (!(srv.root = ng_app_opt_val(&srv.app, &arg)))
				return 2;
		} else if (!strcmp(o, "--port")) {
			if (ng_app_opt_num(&srv.app, o, val, 1, 65535, &v))
				return 2;
			srv.port = (uint16_t)v;
		} else if (!strcmp(o, "--idle")) {
			if (ng_app_opt_num(&srv.app, o, val, 0, 86400, &v))
				return 2;
			srv.idle_ns = v * NG_NS_PER_SEC;
		} else if (!strcmp(o, "--max-conns")) {
			if (ng_app_opt_num(&srv.app, o, val, 1, 1000000, &v))
				return 2;
			srv.max_conns = (unsigned)v;
		} else if (!strcmp(o, "--backlog")) {
			if (ng_app_opt_num(&srv.app, o, val, 1, 65535, &v))
				return 2;
			srv.backlog = (unsigned)v;
		} else {
			return ng_app_opt_unknown(&srv.app, &arg);
		}
		i += arg.used;
	}
	if (!srv.port || !srv.root) {
		fprintf(stderr, PROG ": --port and --root are required (try --help)\n");
		return 2;
	}
	srv.rootfd = open(srv.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (srv.rootfd < 0) {
		fprintf(stderr, PROG ": --root %s: %s\n", srv.root, strerror(errno));
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_usr1}; /* no SA_RESTART: wake the loop */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	int started = ng_app_start(&srv.app);
	if (started < 0)
		return started == -2 ? 2 : 1; /* -2: a usage error, message printed */
	int err = ng_tcp_listen(srv.app.st, srv.app.addr, srv.port, srv.backlog, on_accept, &srv,
	                        &srv.opts, &srv.lsock);
	if (err < 0) {
		fprintf(stderr, PROG ": listen on port %u: %s\n", srv.port, ng_strerror(err));
		ng_app_stop(&srv.app);
		return 1;
	}
	ng_loop_set_tick(srv.app.loop, tick, &srv);
	int rc = ng_app_run(&srv.app);
	reap(&srv);
	report(&srv);
	for (struct conn *c = srv.conns; c; c = c->next)
		conn_kill(c, true);
	reap(&srv);
	ng_tcp_close(srv.lsock);
	uint32_t leaked = ng_app_stop(&srv.app);
	close(srv.rootfd);
	if (leaked)
		fprintf(stderr, PROG ": %u packets leaked\n", leaked);
	return rc < 0 || leaked ? 1 : 0;
}
