// SPDX-License-Identifier: MIT
/* The router's control socket: an AF_UNIX stream socket answering conntrack and stats requests. */
/*
 * Protocol: the client connects, writes one request line ("conntrack", "conntrack json",
 * "stats", "stats json") and reads the reply until the server closes the connection. The server
 * answers each client as it is accepted, from inside the event loop, with send and receive
 * timeouts of one second so a stuck client cannot hold the router for long.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "gw/gw.h"
#include "gw/router.h"
#include "natgate/tcpstate.h"
#include "stack_internal.h"

struct ng_control {
	int fd;
	char path[108];
	struct ng_stack *st;
	struct ng_nat *nat;
	const struct ng_loop *loop;
};

static int make_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int ng_control_open(const char *path, struct ng_stack *st, struct ng_nat *n,
                    struct ng_control **out, const char **errmsg)
{
	struct sockaddr_un sa;
	struct ng_control *c;
	int fd, rc;

	if ((rc = make_addr(path, &sa))) {
		*errmsg = "control socket path too long";
		return rc;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		*errmsg = "cannot create the control socket";
		return -errno;
	}
	unlink(path); /* a stale socket from an earlier run */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		rc = -errno;
		close(fd);
		*errmsg = "cannot bind the control socket";
		return rc;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		unlink(path);
		*errmsg = "out of memory";
		return -ENOMEM;
	}
	c->fd = fd;
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->st = st;
	c->nat = n;
	*out = c;
	return 0;
}

int ng_control_fd(const struct ng_control *c)
{
	return c->fd;
}

void ng_control_close(struct ng_control *c)
{
	if (!c)
		return;
	close(c->fd);
	unlink(c->path);
	free(c);
}

static void set_timeouts(int fd)
{
	struct timeval tv = {1, 0};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

void ng_control_serve(struct ng_control *c)
{
	int i;

	for (i = 0; i < 16; i++) {
		char req[64];
		size_t len = 0;
		FILE *f;
		int cfd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);

		if (cfd < 0)
			return;
		set_timeouts(cfd);
		/* one line (or up to EOF), bounded */
		while (len < sizeof(req) - 1) {
			ssize_t r = read(cfd, req + len, sizeof(req) - 1 - len);
			if (r <= 0)
				break;
			len += (size_t)r;
			if (memchr(req, '\n', len))
				break;
		}
		req[len] = 0;
		req[strcspn(req, "\r\n")] = 0;
		f = fdopen(cfd, "w");
		if (!f) {
			close(cfd);
			continue;
		}
		ng_control_answer(c->st, c->nat, c->loop, req, f);
		fclose(f);
	}
}

static const char *proto_name(uint8_t p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : "icmp";
}

struct ct_ctx {
	FILE *out;
	bool json;
	size_t n;
};

/* One flow, in the spirit of conntrack -L: protocol, state, time left, the inside endpoint, the
 * public endpoint, the remote endpoint, packets each way. */
static void ct_line(void *ctx, const struct ng_nat_flow_info *fi)
{
	struct ct_ctx *c = ctx;
	char a[16], b[16], r[16];

	ng_ip4_str(fi->in_addr, a);
	ng_ip4_str(fi->out_addr, b);
	ng_ip4_str(fi->rem_addr, r);
	if (c->json) {
		fprintf(c->out,
		        "%s\n  {\"proto\":\"%s\",\"dir\":\"%s\",\"state\":\"%s\",\"expires\":%llu,"
		        "\"inside\":\"%s:%u\",\"public\":\"%s:%u\",\"remote\":\"%s:%u\","
		        "\"packets_out\":%llu,\"packets_in\":%llu}",
		        c->n ? "," : "", proto_name(fi->proto), fi->inbound ? "in" : "out",
		        fi->state, (unsigned long long)(fi->expires_ns / NG_NS_PER_SEC), a,
		        fi->in_port, b, fi->out_port, r, fi->rem_port,
		        (unsigned long long)fi->pkts_out, (unsigned long long)fi->pkts_in);
	} else {
		fprintf(c->out,
		        "%-4s %-3s %-12s %6llu inside=%s:%u public=%s:%u remote=%s:%u "
		        "packets=%llu/%llu\n",
		        proto_name(fi->proto), fi->inbound ? "in" : "out", fi->state,
		        (unsigned long long)(fi->expires_ns / NG_NS_PER_SEC), a, fi->in_port, b,
		        fi->out_port, r, fi->rem_port, (unsigned long long)fi->pkts_out,
		        (unsigned long long)fi->pkts_in);
	}
	c->n++;
}

void ng_control_set_loop(struct ng_control *c, const struct ng_loop *loop)
{
	c->loop = loop;
}

static const char *const poll_modes[] = {"off", "fixed", "auto"};

/* The busy-poll line of "stats": mode, window and ceiling (us), polls, hits, time polled. */
static void answer_poll(const struct ng_loop *loop, bool json, FILE *out)
{
	struct ng_loop_stats ls;

	ng_loop_get_stats(loop, &ls);
	fprintf(
	    out,
	    json ? "\"busy_poll\":{\"mode\":\"%s\",\"window_us\":%llu,\"max_us\":%llu,"
	           "\"waits\":%llu,\"polls\":%llu,\"hits\":%llu,\"shared\":%llu,\"poll_ms\":%llu},"
	           "\n "
	         : "busy poll %s: window %llu us (max %llu), waits %llu, polls %llu, hits %llu, "
	           "cut short by a shared CPU %llu, %llu ms polling\n",
	    poll_modes[ls.mode], (unsigned long long)(ls.poll_ns / 1000),
	    (unsigned long long)(ls.poll_max_ns / 1000), (unsigned long long)ls.waits,
	    (unsigned long long)ls.polls, (unsigned long long)ls.poll_hits,
	    (unsigned long long)ls.poll_shared, (unsigned long long)(ls.poll_time_ns / 1000000));
}

static void answer_stats(struct ng_stack *st, struct ng_nat *n, const struct ng_loop *loop,
                         bool json, FILE *out)
{
	const struct ng_stats *s = ng_stack_stats(st);
	struct ng_nat_stats ns;
	bool first = true;
	int i;

	ng_nat_get_stats(n, &ns);
	if (!json) {
		fprintf(out, "flows %u/%u (tcp %u, udp %u, icmp %u), mappings %u, held syns %u\n",
		        ns.flows, ns.max_flows, ns.flows_tcp, ns.flows_udp, ns.flows_icmp,
		        ns.mappings, ns.held_syns);
		fprintf(out, "table memory %zu bytes, %zu bytes per flow\n", ns.table_bytes,
		        ns.bytes_per_flow);
		fprintf(out,
		        "flows refused %llu, held syns dropped %llu, rejected %llu, "
		        "tcp segments passed untracked %llu, finished flows evicted %llu\n",
		        (unsigned long long)ns.refused, (unsigned long long)ns.held_dropped,
		        (unsigned long long)ns.held_rejected, (unsigned long long)ns.untracked,
		        (unsigned long long)ns.evicted);
		if (loop)
			answer_poll(loop, false, out);
		for (i = 0; i < NG_TCP_STATE_MAX; i++)
			if (ns.tcp_by_state[i])
				fprintf(out, "tcp %-12s %u\n", ng_tcp_state_name(i),
				        ns.tcp_by_state[i]);
		for (i = 0; i < NG_CNT_MAX; i++)
			fprintf(out, "%-24s %llu\n", ng_counter_name(i),
			        (unsigned long long)s->counters[i]);
		for (i = 1; i < NG_DROP_MAX; i++)
			if (s->drops[i])
				fprintf(out, "drop %-19s %llu  (%s)\n", ng_drop_name(i),
				        (unsigned long long)s->drops[i], ng_drop_text(i));
		return;
	}
	fprintf(out,
	        "{\"flows\":%u,\"max_flows\":%u,\"flows_tcp\":%u,\"flows_udp\":%u,"
	        "\"flows_icmp\":%u,\"mappings\":%u,\"held_syns\":%u,\"table_bytes\":%zu,"
	        "\"bytes_per_flow\":%zu,\"refused\":%llu,\"held_dropped\":%llu,"
	        "\"held_rejected\":%llu,\"untracked\":%llu,\"evicted\":%llu,\n ",
	        ns.flows, ns.max_flows, ns.flows_tcp, ns.flows_udp, ns.flows_icmp, ns.mappings,
	        ns.held_syns, ns.table_bytes, ns.bytes_per_flow, (unsigned long long)ns.refused,
	        (unsigned long long)ns.held_dropped, (unsigned long long)ns.held_rejected,
	        (unsigned long long)ns.untracked, (unsigned long long)ns.evicted);
	if (loop)
		answer_poll(loop, true, out);
	fprintf(out, "\"tcp_states\":{");
	for (i = 0; i < NG_TCP_STATE_MAX; i++) {
		if (!ns.tcp_by_state[i])
			continue;
		fprintf(out, "%s\"%s\":%u", first ? "" : ",", ng_tcp_state_name(i),
		        ns.tcp_by_state[i]);
		first = false;
	}
	fprintf(out, "},\n \"counters\":{");
	for (i = 0; i < NG_CNT_MAX; i++)
		fprintf(out, "%s\"%s\":%llu", i ? "," : "", ng_counter_name(i),
		        (unsigned long long)s->counters[i]);
	fprintf(out, "},\n \"drops\":{");
	for (i = 1; i < NG_DROP_MAX; i++)
		fprintf(out, "%s\"%s\":%llu", i > 1 ? "," : "", ng_drop_name(i),
		        (unsigned long long)s->drops[i]);
	fprintf(out, "}}\n");
}

void ng_control_answer(struct ng_stack *st, struct ng_nat *n, const struct ng_loop *loop,
                       const char *cmd, FILE *out)
{
	struct ct_ctx c = {out, false, 0};

	if (!strcmp(cmd, "conntrack") || !strcmp(cmd, "conntrack json")) {
		c.json = strchr(cmd, ' ') != NULL;
		if (c.json)
			fprintf(out, "{\"flows\":[");
		ng_nat_flows(n, ct_line, &c);
		if (c.json)
			fprintf(out, "%s]}\n", c.n ? "\n" : "");
		else
			fprintf(out, "%zu flows\n", c.n);
	} else if (!strcmp(cmd, "stats") || !strcmp(cmd, "stats json")) {
		answer_stats(st, n, loop, strchr(cmd, ' ') != NULL, out);
	} else {
		fprintf(out, "error: unknown request '%s' (conntrack|stats [json])\n", cmd);
	}
}

int ng_control_request(const char *path, const char *cmd, FILE *out, const char **errmsg)
{
	struct sockaddr_un sa;
	char buf[4096];
	int fd, rc;
	ssize_t r;

	if ((rc = make_addr(path, &sa))) {
		*errmsg = "control socket path too long";
		return rc;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*errmsg = "cannot create a socket";
		return -errno;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		close(fd);
		*errmsg = "cannot connect to the control socket (is natgate router running?)";
		return rc;
	}
	snprintf(buf, sizeof(buf), "%s\n", cmd);
	if (write(fd, buf, strlen(buf)) < 0) {
		rc = -errno;
		close(fd);
		*errmsg = "cannot send the request";
		return rc;
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)r, out);
	close(fd);
	fflush(out);
	return 0;
}
