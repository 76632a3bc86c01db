// SPDX-License-Identifier: MIT
// `natgate trace --svg`: the ladder as a sequence-diagram picture a browser opens.
/*
 * One band per connection: the client's lifeline on the left, the server's on the right, time
 * running down a scale on the far left. Each segment is an arrow sloping down from its sender to
 * its receiver (it takes time to cross), labelled along its slope; SYNs are green, FINs blue, RSTs
 * red, retransmissions dashed orange. A state is written in a pill beside its lifeline where it
 * changes: at the sender's end of the arrow for the sender, at the receiver's end for the
 * receiver. Folded data phases become a dotted band with their count and size.
 */
#include "trace.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define W     960
#define XL    330 /* client lifeline */
#define XR    770 /* server lifeline */
#define ROW   40  /* vertical distance between two arrows */
#define SLOPE 20  /* how far an arrow falls while crossing */
#define HEAD  90  /* connection header height */

/* Writes S with XML's five special characters escaped. */
static void xml_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		default:
			if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f)
				fputc(*s, out);
		}
	}
}

static const char *seg_colour(const struct ng_trace_ev *e)
{
	uint8_t f = e->p.tcp.flags;
	if (f & NG_TCP_RST)
		return "#c62828";
	if (f & NG_TCP_SYN)
		return "#2e7d32";
	if (f & NG_TCP_FIN)
		return "#1565c0";
	if (e->marks & (NG_TRACE_M_RETRANS | NG_TRACE_M_OOO))
		return "#ef6c00";
	return "#37474f";
}

static const char *marker_id(const char *colour)
{
	if (!strcmp(colour, "#c62828"))
		return "hr";
	if (!strcmp(colour, "#2e7d32"))
		return "hs";
	if (!strcmp(colour, "#1565c0"))
		return "hf";
	if (!strcmp(colour, "#ef6c00"))
		return "ho";
	return "hd";
}

/* A state pill beside a lifeline: right-aligned left of the client's, left-aligned right of the
 * server's. */
static void state_pill(FILE *out, int side, double y, uint8_t st)
{
	const char *name = ng_tcp_state_name((enum ng_tcp_state)st);
	double w = 8.0 * (double)strlen(name) + 14;
	double x = side == 0 ? XL - 12 - w : XR + 12;
	fprintf(out,
	        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" rx=\"8\" class=\"pill\"/>"
	        "<text x=\"%.1f\" y=\"%.1f\" class=\"st\">%s</text>\n",
	        x, y - 12, w, x + w / 2, y, name);
}

/* Labels for one segment, shared with the text ladder's wording. */
static void seg_label(const struct ng_trace *t, const struct ng_trace_conn *c,
                      const struct ng_trace_ev *e, char *buf, size_t cap)
{
	char fl[48];
	uint32_t s, a;
	ng_trace_numbers(c, e, t->opt.absolute, &s, &a);
	ng_tcp_flags_str(e->p.tcp.flags, fl, sizeof(fl));
	int n = snprintf(buf, cap, "%s  S:%" PRIu32 " A:%" PRIu32, fl[0] ? fl : "none", s, a);
	if (n > 0 && (size_t)n < cap && e->p.payload)
		n += snprintf(buf + n, cap - (size_t)n, " len %" PRIu32, e->p.payload);
	if (n > 0 && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n, " win %" PRIu32, ng_trace_window(c, e));
}

static void mark_label(const struct ng_trace_ev *e, char *buf, size_t cap)
{
	buf[0] = 0;
	if (e->marks & NG_TRACE_M_RETRANS)
		snprintf(buf, cap, "retransmission");
	else if (e->marks & NG_TRACE_M_OOO)
		snprintf(buf, cap, "out of order");
	else if (e->marks & NG_TRACE_M_GAP)
		snprintf(buf, cap, "gap: %" PRIu32 " B not seen", e->gap_bytes);
	else if (e->marks & NG_TRACE_M_DUPACK)
		snprintf(buf, cap, "dup ACK #%" PRIu32, e->dup_n);
	else if (e->marks & NG_TRACE_M_ZEROWIN)
		snprintf(buf, cap, "zero window");
	else if (e->marks & NG_TRACE_M_WINDOW)
		snprintf(buf, cap, "outside window");
	else if (e->marks & NG_TRACE_M_KEEPALIVE)
		snprintf(buf, cap, "keep-alive");
}

/* Rows a connection needs: one per shown event, one per fold (SHOWN may be NULL: all shown). */
static size_t conn_rows(const struct ng_trace_conn *c, const bool *shown)
{
	size_t rows = 0;
	for (size_t i = 0; i < c->nev; i++)
		if (!shown || shown[i] || i == 0 || shown[i - 1])
			rows++;
	return rows;
}

/* Draws connection C with its top at Y0; returns the height used. */
static double conn_svg(const struct ng_trace *t, const struct ng_trace_conn *c, const bool *shown,
                       double y0, FILE *out)
{
	char l[64], r[64], label[200], mark[64], end[96], b0[32], b1[32];
	size_t rows = conn_rows(c, shown);
	double top = y0 + HEAD, bottom = top + (double)rows * ROW + SLOPE + 30;

	ng_trace_endpoint(c, 0, l, sizeof(l));
	ng_trace_endpoint(c, 1, r, sizeof(r));
	fprintf(out, "<text x=\"20\" y=\"%.1f\" class=\"title\">Connection %" PRIu32 "</text>\n",
	        y0 + 24, c->id);
	/* the endpoint boxes and lifelines */
	for (int s = 0; s < 2; s++) {
		double x = s ? XR : XL;
		/* wide enough for an IPv6 endpoint in the 11px font */
		double bw = 7.0 * (double)strlen(s ? r : l) + 24;
		bw = bw < 180 ? 180 : bw > 360 ? 360 : bw;
		fprintf(out,
		        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"40\" rx=\"6\" "
		        "class=\"box\"/><text x=\"%.1f\" y=\"%.1f\" class=\"who\">%s</text>"
		        "<text x=\"%.1f\" y=\"%.1f\" class=\"addr\">%s</text>\n",
		        x - bw / 2, y0 + 38, bw, x, y0 + 54, s ? "server" : "client", x, y0 + 71,
		        s ? r : l);
		fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"life\"/>\n",
		        (int)x, y0 + 78, (int)x, bottom);
	}
	/* the time axis */
	fprintf(out,
	        "<line x1=\"100\" y1=\"%.1f\" x2=\"100\" y2=\"%.1f\" class=\"axis\"/>"
	        "<text x=\"100\" y=\"%.1f\" class=\"axt\">time (s)</text>\n",
	        top - 10, bottom, top - 16);

	uint64_t t0 = c->nev ? c->ev[0].p.ts_ns : 0;
	double y = top + 10;
	for (size_t i = 0; i < c->nev;) {
		if (shown && !shown[i]) {
			size_t j = i;
			uint64_t bytes = 0;
			while (j + 1 < c->nev && !shown[j + 1])
				j++;
			for (size_t k = i; k <= j; k++)
				bytes += c->ev[k].p.payload;
			fprintf(
			    out,
			    "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" class=\"fold\"/>"
			    "<text x=\"%d\" y=\"%.1f\" class=\"foldt\">... %zu segments, %s in "
			    "%.3f s ...</text>\n",
			    XL, y - 4, XR - XL, ROW - 8, (XL + XR) / 2, y + ROW / 2.0 - 4,
			    j - i + 1, ng_trace_bytes(bytes, b0, sizeof(b0)),
			    (double)(int64_t)(c->ev[j].p.ts_ns - c->ev[i].p.ts_ns) / 1e9);
			y += ROW;
			i = j + 1;
			continue;
		}
		const struct ng_trace_ev *e = &c->ev[i];
		const char *col = seg_colour(e);
		double xs = e->dir ? XR : XL, xd = e->dir ? XL : XR;
		double y1 = y, y2 = y + SLOPE;
		bool dashed = e->marks & (NG_TRACE_M_RETRANS | NG_TRACE_M_OOO | NG_TRACE_M_WINDOW);
		fprintf(out,
		        "<text x=\"92\" y=\"%.1f\" class=\"tm\">%.6f</text>"
		        "<line x1=\"96\" y1=\"%.1f\" x2=\"104\" y2=\"%.1f\" class=\"axis\"/>\n",
		        y1 + 4, (double)(int64_t)(e->p.ts_ns - t0) / 1e9, y1, y1);
		fprintf(out,
		        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
		        "stroke-width=\"1.8\"%s marker-end=\"url(#%s)\"/>\n",
		        xs, y1, xd + (e->dir ? 2 : -2), y2, col,
		        dashed ? " stroke-dasharray=\"6 4\"" : "", marker_id(col));
		/* the label rides along the arrow, above it */
		double ang = (e->dir ? -1 : 1) * 180.0 / 3.14159265 * (SLOPE / (double)(XR - XL));
		seg_label(t, c, e, label, sizeof(label));
		fprintf(out,
		        "<text x=\"%.1f\" y=\"%.1f\" class=\"lbl\" fill=\"%s\" "
		        "transform=\"rotate(%.2f %.1f %.1f)\">",
		        (XL + XR) / 2.0, (y1 + y2) / 2 - 5, col, ang, (XL + XR) / 2.0,
		        (y1 + y2) / 2 - 5);
		xml_text(out, label);
		fputs("</text>\n", out);
		mark_label(e, mark, sizeof(mark));
		if (mark[0]) {
			fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"mark\">", (XL + XR) / 2.0,
			        (y1 + y2) / 2 + 13);
			xml_text(out, mark);
			fputs("</text>\n", out);
		}
		/* states where they change: sender at the tail, receiver at the head */
		for (int s = 0; s < 2; s++) {
			if (i > 0 && c->ev[i - 1].st[s] == e->st[s])
				continue;
			state_pill(out, s, s == e->dir ? y1 + 4 : y2 + 4, e->st[s]);
		}
		y += ROW;
		i++;
	}
	/* the summary under the band */
	uint64_t by[2] = {0, 0};
	for (int s = 0; s < 2; s++)
		if (c->d[s].isn_known) {
			uint32_t span = c->d[s].next - c->d[s].isn - 1;
			by[s] = c->d[s].fin && span ? span - 1 : span;
		}
	fprintf(out,
	        "<text x=\"20\" y=\"%.1f\" class=\"sum\">client to server %s, server to "
	        "client %s, ",
	        bottom + 22, ng_trace_bytes(by[0], b0, sizeof(b0)),
	        ng_trace_bytes(by[1], b1, sizeof(b1)));
	if (c->handshake_done)
		fprintf(out, "RTT %.3f ms, ", (double)(c->ack_ns - c->syn_ns) / 1e6);
	fprintf(out, "%" PRIu32 " retransmissions, ended: ", c->d[0].retrans + c->d[1].retrans);
	xml_text(out, ng_trace_ending(c, end, sizeof(end)));
	fputs("</text>\n", out);
	return bottom + 50 - y0;
}

/* Writes the SVG document for every selected connection of T. */
void ng_trace_svg(const struct ng_trace *t, FILE *out)
{
	double h = 20;
	bool **shown = calloc(t->nconn ? t->nconn : 1, sizeof(*shown));
	for (size_t i = 0; i < t->nconn; i++) {
		if (!t->conn[i]->keep || !t->conn[i]->nev)
			continue;
		if (shown)
			shown[i] = ng_trace_fold_alloc(t->conn[i], t->opt.limit);
		h += HEAD + (double)conn_rows(t->conn[i], shown ? shown[i] : NULL) * ROW + SLOPE +
		     80;
	}
	if (h < 120)
		h = 120;
	fprintf(out,
	        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
	        "viewBox=\"0 0 %d %.0f\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, "
	        "monospace\" font-size=\"12\">\n",
	        W, h, W, h);
	fputs("<title>natgate trace: TCP ladder diagram</title>\n"
	      "<style>\n"
	      ".title{font-size:16px;font-weight:bold;fill:#263238}\n"
	      ".box{fill:#eceff1;stroke:#607d8b}\n"
	      ".who{text-anchor:middle;font-weight:bold;fill:#263238}\n"
	      ".addr{text-anchor:middle;fill:#455a64;font-size:11px}\n"
	      ".life{stroke:#90a4ae;stroke-width:2}\n"
	      ".axis{stroke:#b0bec5;stroke-width:1}\n"
	      ".axt{text-anchor:middle;fill:#78909c;font-size:11px}\n"
	      ".tm{text-anchor:end;fill:#78909c;font-size:10px}\n"
	      ".lbl{text-anchor:middle;font-size:11.5px}\n"
	      ".mark{text-anchor:middle;fill:#ef6c00;font-size:10.5px;font-style:italic}\n"
	      ".pill{fill:#fff8e1;stroke:#ffb300}\n"
	      ".st{text-anchor:middle;fill:#5d4037;font-size:11px;font-weight:bold}\n"
	      ".fold{fill:#f5f5f5;stroke:#bdbdbd;stroke-dasharray:2 3}\n"
	      ".foldt{text-anchor:middle;fill:#616161;font-style:italic}\n"
	      ".sum{fill:#37474f;font-size:11.5px}\n"
	      ".leg{fill:#546e7a;font-size:11px}\n"
	      "</style>\n<defs>\n",
	      out);
	static const char *const heads[][2] = {{"hs", "#2e7d32"},
	                                       {"hf", "#1565c0"},
	                                       {"hr", "#c62828"},
	                                       {"ho", "#ef6c00"},
	                                       {"hd", "#37474f"}};
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		fprintf(out,
		        "<marker id=\"%s\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
		        "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 "
		        "L0,10 z\" fill=\"%s\"/></marker>\n",
		        heads[i][0], heads[i][1]);
	fprintf(out, "</defs>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
	/* the legend, top right */
	static const char *const legend[][3] = {
	    {"#2e7d32", "", "SYN"},
	    {"#1565c0", "", "FIN"},
	    {"#c62828", "", "RST"},
	    {"#37474f", "", "data / ACK"},
	    {"#ef6c00", " stroke-dasharray=\"6 4\"", "retransmitted"}};
	double lx = 430;
	for (size_t i = 0; i < sizeof(legend) / sizeof(legend[0]); i++) {
		fprintf(out,
		        "<line x1=\"%.0f\" y1=\"30\" x2=\"%.0f\" y2=\"30\" stroke=\"%s\" "
		        "stroke-width=\"2\"%s/><text x=\"%.0f\" y=\"34\" class=\"leg\">%s</text>\n",
		        lx, lx + 22, legend[i][0], legend[i][1], lx + 27, legend[i][2]);
		lx += 36 + 7.0 * (double)strlen(legend[i][2]);
	}
	double y = 10;
	size_t drawn = 0;
	for (size_t i = 0; i < t->nconn; i++) {
		const struct ng_trace_conn *c = t->conn[i];
		if (!c->keep || !c->nev)
			continue;
		y += conn_svg(t, c, shown ? shown[i] : NULL, y, out);
		drawn++;
	}
	if (shown)
		for (size_t i = 0; i < t->nconn; i++)
			free(shown[i]);
	free(shown);
	if (!drawn)
		fprintf(out, "<text x=\"20\" y=\"60\" class=\"title\">no TCP connection</text>\n");
	fputs("</svg>\n", out);
}
