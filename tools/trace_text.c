// SPDX-License-Identifier: MIT
// The terminal ladder diagram of `natgate trace`: two lifelines, one arrow per segment.
/*
 * Layout (columns fixed so that ladders line up and diffs stay readable):
 *
 *   time (s)     10.0.0.1:40000                                    10.0.0.2:80
 *                      CLOSED |                                  | LISTEN
 *   0.000000         SYN_SENT |---- S:100 A:0 SYN win 65535 ---->| SYN_RECEIVED
 *   0.000210      ESTABLISHED |<-- S:2000 A:101 SYN+ACK win .. --|
 *
 * The client (the side of the first SYN) is the left lifeline. A state is written on its side
 * when it changes, so each column reads as that endpoint's walk through RFC 9293's diagram.
 * Marks follow the line in brackets. Runs of uneventful segments longer than --limit fold into
 * one "..." line with their count, bytes and duration.
 */
#include "trace.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define TIME_W  10 /* "  0.000000" */
#define STATE_W 12 /* strlen("SYN_RECEIVED") */
#define ARROW_W 58 /* between the two bars */

/* The options worth a glance, "<mss 1460,ws 7,sack,ts>" or "" when none. SACK blocks are shown
 * relative to the acked side's ISN unless ABSOLUTE. */
static void opts_str(const struct ng_trace_conn *c, const struct ng_trace_ev *e, bool absolute,
                     char *buf, size_t cap)
{
	const struct ng_tcp_opts *o = &e->p.tcp.opt;
	size_t n = 0;
	buf[0] = 0;
#define ADD(...)                                                                                   \
	do {                                                                                       \
		int k_ = snprintf(buf + n, cap - n, __VA_ARGS__);                                  \
		if (k_ > 0 && (size_t)k_ < cap - n)                                                \
			n += (size_t)k_;                                                           \
	} while (0)
	if (o->mss_ok)
		ADD("%smss %u", n ? "," : "<", o->mss);
	if (o->ws_ok)
		ADD("%sws %u", n ? "," : "<", o->ws);
	if (o->sack_permitted)
		ADD("%ssack", n ? "," : "<");
	if (o->ts_ok && (e->p.tcp.flags & NG_TCP_SYN))
		ADD("%sts", n ? "," : "<");
	uint32_t base = 0;
	if (!absolute && c->d[!e->dir].isn_known)
		base = c->d[!e->dir].isn;
	/* the first SACK block (the most recent, RFC 2018 4) and how many more */
	if (o->sack_n) {
		ADD("%ssack %" PRIu32 "-%" PRIu32, n ? "," : "<", o->sack[0].left - base,
		    o->sack[0].right - base);
		if (o->sack_n > 1)
			ADD(" +%u", o->sack_n - 1);
	}
	if (n)
		ADD(">");
#undef ADD
}

/* The arrow's label: "S:101 A:2001 PSH+ACK len 100 win 502 <...>". */
static void label_str(const struct ng_trace *t, const struct ng_trace_conn *c,
                      const struct ng_trace_ev *e, char *buf, size_t cap)
{
	char fl[48], opts[160];
	uint32_t s, a;
	const struct ng_tcp_hdr *h = &e->p.tcp;
	ng_trace_numbers(c, e, t->opt.absolute, &s, &a);
	ng_tcp_flags_str(h->flags, fl, sizeof(fl));
	if (!fl[0])
		snprintf(fl, sizeof(fl), "none");
	opts_str(c, e, t->opt.absolute, opts, sizeof(opts));
	int n = snprintf(buf, cap, "S:%" PRIu32 " A:%" PRIu32 " %s", s, a, fl);
	if (n < 0 || (size_t)n >= cap)
		return;
	if (e->p.payload)
		n += snprintf(buf + n, cap - (size_t)n, " len %" PRIu32, e->p.payload);
	if ((size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, " win %" PRIu32, ng_trace_window(c, e));
	if (opts[0] && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n, " %s", opts);
}

/* "[retransmission] [dup ACK #2]" for the marks of E. */
static void marks_str(const struct ng_trace_ev *e, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = 0;
#define MARK(...)                                                                                  \
	do {                                                                                       \
		int k_ = snprintf(buf + n, cap - n, "%s[", n ? " " : "");                          \
		if (k_ > 0 && (size_t)k_ < cap - n)                                                \
			n += (size_t)k_;                                                           \
		k_ = snprintf(buf + n, cap - n, __VA_ARGS__);                                      \
		if (k_ > 0 && (size_t)k_ < cap - n)                                                \
			n += (size_t)k_;                                                           \
		k_ = snprintf(buf + n, cap - n, "]");                                              \
		if (k_ > 0 && (size_t)k_ < cap - n)                                                \
			n += (size_t)k_;                                                           \
	} while (0)
	uint32_t m = e->marks;
	if (m & NG_TRACE_M_GAP)
		MARK("gap: %" PRIu32 " B not seen", e->gap_bytes);
	if (m & NG_TRACE_M_RETRANS)
		MARK("retransmission");
	if (m & NG_TRACE_M_OOO)
		MARK("out of order");
	if (m & NG_TRACE_M_DUPACK)
		MARK("dup ACK #%" PRIu32, e->dup_n);
	if (m & NG_TRACE_M_KEEPALIVE)
		MARK("keep-alive");
	if (m & NG_TRACE_M_ZEROWIN)
		MARK("zero window");
	if (m & NG_TRACE_M_WINDOW)
		MARK("outside window: no state change");
	if (m & NG_TRACE_M_INVALID)
		MARK("invalid in this state");
#undef MARK
}

/* One arrow of width ARROW_W (or longer for a long label), pointing right for the client. */
static void arrow(FILE *out, int dir, const char *label)
{
	size_t ll = strlen(label);
	size_t inner = ARROW_W > ll + 6 ? ARROW_W : ll + 6; /* "--" + " label " + "->" */
	size_t dashes = inner - ll - 2 - 1;                 /* two spaces, one head */
	size_t left = dashes / 2, right = dashes - left;
	fputc('|', out);
	if (dir == 1)
		fputc('<', out);
	for (size_t i = 0; i < left; i++)
		fputc('-', out);
	fprintf(out, " %s ", label);
	for (size_t i = 0; i < right; i++)
		fputc('-', out);
	if (dir == 0)
		fputc('>', out);
	fputc('|', out);
}

/* A line with text centred between the lifelines and nothing in the state columns. */
static void between(FILE *out, const char *time, const char *text)
{
	size_t tl = strlen(text);
	size_t pad = ARROW_W > tl ? (ARROW_W - tl) / 2 : 0;
	fprintf(out, "%*s %*s |%*s%s%*s|\n", TIME_W, time, STATE_W, "", (int)pad, "", text,
	        (int)(ARROW_W > tl + pad ? ARROW_W - tl - pad : 0), "");
}

/* Prints the fold line for hidden events [LO, HI] of C. */
static void fold_line(FILE *out, const struct ng_trace_conn *c, size_t lo, size_t hi)
{
	uint64_t bytes = 0;
	for (size_t i = lo; i <= hi; i++)
		bytes += c->ev[i].p.payload;
	double dt = (double)(int64_t)(c->ev[hi].p.ts_ns - c->ev[lo].p.ts_ns) / 1e9;
	char b[32], text[128];
	snprintf(text, sizeof(text), "... %zu segments, %s in %.3f s ...", hi - lo + 1,
	         ng_trace_bytes(bytes, b, sizeof(b)), dt);
	between(out, "", text);
}

/* The name of side SIDE's state after event I, or "" if it did not change. */
static const char *state_if_changed(const struct ng_trace_conn *c, size_t i, int side)
{
	uint8_t now = c->ev[i].st[side];
	if (i > 0 && c->ev[i - 1].st[side] == now)
		return "";
	return ng_tcp_state_name((enum ng_tcp_state)now);
}

/* The summary block under a ladder. */
static void summary(FILE *out, const struct ng_trace_conn *c)
{
	char b0[32], b1[32], end[96];
	uint64_t by[2];
	for (int s = 0; s < 2; s++) {
		const struct ng_trace_dir *d = &c->d[s];
		by[s] = 0;
		if (d->isn_known) {
			uint32_t span = d->next - d->isn - 1;
			if (d->fin && span)
				span--;
			by[s] = span;
		}
	}
	fprintf(out,
	        "  summary  client -> server: %s in %" PRIu32 " segment%s, "
	        "server -> client: %s in %" PRIu32 " segment%s\n",
	        ng_trace_bytes(by[0], b0, sizeof(b0)), c->d[0].segs, c->d[0].segs == 1 ? "" : "s",
	        ng_trace_bytes(by[1], b1, sizeof(b1)), c->d[1].segs, c->d[1].segs == 1 ? "" : "s");
	fprintf(out, "           ");
	if (c->handshake_done && c->ack_ns >= c->syn_ns)
		fprintf(out, "RTT %.3f ms (handshake)", (double)(c->ack_ns - c->syn_ns) / 1e6);
	else if (c->tr.simultaneous_open)
		fprintf(out, "RTT unknown (simultaneous open)");
	else
		fprintf(out, "RTT unknown (no full handshake)");
	fprintf(out, ", %" PRIu32 " retransmission%s, ended: %s\n",
	        c->d[0].retrans + c->d[1].retrans,
	        c->d[0].retrans + c->d[1].retrans == 1 ? "" : "s",
	        ng_trace_ending(c, end, sizeof(end)));
	fprintf(out, "           final states: client %s, server %s\n",
	        ng_tcp_state_name(c->tr.side[0].state), ng_tcp_state_name(c->tr.side[1].state));
	if (c->csum_bad)
		fprintf(out,
		        "           %" PRIu32 " segment%s with a bad TCP checksum (checksum "
		        "offload on the capturing host?)\n",
		        c->csum_bad, c->csum_bad == 1 ? "" : "s");
}

/* One connection's ladder. */
static void ladder(const struct ng_trace *t, const struct ng_trace_conn *c, FILE *out)
{
	char l[64], r[64], label[320], marks[200];
	ng_trace_endpoint(c, 0, l, sizeof(l));
	ng_trace_endpoint(c, 1, r, sizeof(r));
	double dur =
	    c->nev ? (double)(int64_t)(c->ev[c->nev - 1].p.ts_ns - c->ev[0].p.ts_ns) / 1e9 : 0;
	fprintf(out, "Connection %" PRIu32 ": client %s -> server %s, %zu segments in %.3f s\n\n",
	        c->id, l, r, c->nev, dur);
	/* the endpoints head their lifelines; the time column is named on the first row */
	if (strlen(l) <= TIME_W + 1 + STATE_W) {
		fprintf(out, "%*s%*sserver\n", TIME_W + 1 + STATE_W, "client", ARROW_W + 4, "");
		fprintf(out, "%*s |%*s| %s\n", TIME_W + 1 + STATE_W, l, ARROW_W, "", r);
	} else {
		/* too long to stand left of the lifeline (IPv6): name both above it */
		int n = fprintf(out, "client %s", l);
		int col = TIME_W + 1 + STATE_W + ARROW_W + 4;
		fprintf(out, "%*sserver %s\n", n < col ? col - n : 1, "", r);
		fprintf(out, "%*s |%*s|\n", TIME_W + 1 + STATE_W, "", ARROW_W, "");
	}
	if (c->nev && !c->tr.picked_up)
		fprintf(
		    out, "%*s %*s |%*s| %s\n", TIME_W, "time (s)", STATE_W, "CLOSED", ARROW_W, "",
		    c->ev[0].dir == 0 && (c->ev[0].p.tcp.flags & NG_TCP_SYN) ? "LISTEN" : "CLOSED");
	else if (c->nev)
		between(out, "time (s)", "(capture began mid-connection)");
	uint64_t t0 = c->nev ? c->ev[0].p.ts_ns : 0;
	bool *shown = ng_trace_fold_alloc(c, t->opt.limit);
	size_t i = 0;
	while (i < c->nev) {
		if (shown && !shown[i]) {
			size_t j = i;
			while (j + 1 < c->nev && !shown[j + 1])
				j++;
			fold_line(out, c, i, j);
			i = j + 1;
			continue;
		}
		const struct ng_trace_ev *e = &c->ev[i];
		label_str(t, c, e, label, sizeof(label));
		marks_str(e, marks, sizeof(marks));
		double ts = (double)(int64_t)(e->p.ts_ns - t0) / 1e9;
		fprintf(out, "%*.6f %*s ", TIME_W, ts, STATE_W, state_if_changed(c, i, 0));
		arrow(out, e->dir, label);
		const char *rs = state_if_changed(c, i, 1);
		if (marks[0])
			fprintf(out, " %-*s %s\n", STATE_W, rs, marks);
		else if (rs[0])
			fprintf(out, " %s\n", rs);
		else
			fputc('\n', out);
		i++;
	}
	free(shown);
	fputc('\n', out);
	summary(out, c);
}

/* The ladders of every selected connection, then what was skipped. */
void ng_trace_text(const struct ng_trace *t, FILE *out)
{
	size_t shown = 0;
	for (size_t i = 0; i < t->nconn; i++) {
		const struct ng_trace_conn *c = t->conn[i];
		if (!c->keep || !c->nev)
			continue;
		if (shown++)
			fputc('\n', out);
		ladder(t, c, out);
	}
	if (!shown)
		fprintf(out, "no TCP connection%s in the capture\n",
		        t->opt.conn || t->opt.port >= 0 || t->opt.host_set ? " matches" : "");
	bool any = false;
	for (int s = 1; s < NG_TRACE_SKIP_MAX; s++) {
		if (!t->skipped[s] || s == NG_TRACE_SKIP_FILTERED)
			continue;
		fprintf(out, "%s %" PRIu64 " %s", any ? "," : "\nskipped:", t->skipped[s],
		        ng_trace_skip_name((enum ng_trace_skip)s));
		any = true;
	}
	if (any)
		fputc('\n', out);
}
