// SPDX-License-Identifier: MIT
// `natgate trace --json`: the connections and their segments as JSON events for other tools.
#include "trace.h"

#include <inttypes.h>

static const char *const mark_names[] = {
    "retransmission", "out_of_order", "gap",          "dup_ack",    "zero_window",
    "outside_window", "invalid",      "bad_checksum", "keep_alive",
};

static void json_event(const struct ng_trace_conn *c, const struct ng_trace_ev *e, uint64_t t0,
                       FILE *out)
{
	const struct ng_tcp_hdr *h = &e->p.tcp;
	char fl[48];
	uint32_t rs, ra;
	ng_trace_numbers(c, e, false, &rs, &ra);
	ng_tcp_flags_str(h->flags, fl, sizeof(fl));
	fprintf(out,
	        "{\"frame\":%" PRIu32 ",\"time\":%.9f,\"from\":\"%s\",\"flags\":\"%s\","
	        "\"seq\":%" PRIu32 ",\"ack\":%" PRIu32 ",\"rel_seq\":%" PRIu32
	        ",\"rel_ack\":%" PRIu32 ",\"len\":%" PRIu32 ",\"win\":%u,\"win_bytes\":%" PRIu32,
	        e->p.frame, (double)(int64_t)(e->p.ts_ns - t0) / 1e9, e->dir ? "server" : "client",
	        fl, h->seq, h->ack, rs, ra, e->p.payload, h->win, ng_trace_window(c, e));
	const struct ng_tcp_opts *o = &h->opt;
	fprintf(out, ",\"options\":{");
	const char *sep = "";
	if (o->mss_ok) {
		fprintf(out, "\"mss\":%u", o->mss);
		sep = ",";
	}
	if (o->ws_ok) {
		fprintf(out, "%s\"ws\":%u", sep, o->ws);
		sep = ",";
	}
	if (o->sack_permitted) {
		fprintf(out, "%s\"sack_permitted\":true", sep);
		sep = ",";
	}
	if (o->ts_ok) {
		fprintf(out, "%s\"tsval\":%" PRIu32 ",\"tsecr\":%" PRIu32, sep, o->tsval, o->tsecr);
		sep = ",";
	}
	if (o->sack_n) {
		fprintf(out, "%s\"sack\":[", sep);
		for (unsigned i = 0; i < o->sack_n && i < NG_TCP_MAX_SACK; i++)
			fprintf(out, "%s[%" PRIu32 ",%" PRIu32 "]", i ? "," : "", o->sack[i].left,
			        o->sack[i].right);
		fputc(']', out);
	}
	fprintf(out, "},\"state\":{\"client\":\"%s\",\"server\":\"%s\"},\"marks\":[",
	        ng_tcp_state_name((enum ng_tcp_state)e->st[0]),
	        ng_tcp_state_name((enum ng_tcp_state)e->st[1]));
	const char *ms = "";
	static const uint32_t bits[] = {
	    NG_TRACE_M_RETRANS, NG_TRACE_M_OOO,     NG_TRACE_M_GAP,
	    NG_TRACE_M_DUPACK,  NG_TRACE_M_ZEROWIN, NG_TRACE_M_WINDOW,
	    NG_TRACE_M_INVALID, NG_TRACE_M_CSUM,    NG_TRACE_M_KEEPALIVE};
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (e->marks & bits[i]) {
			fprintf(out, "%s\"%s\"", ms, mark_names[i]);
			ms = ",";
		}
	fputc(']', out);
	if (e->marks & NG_TRACE_M_DUPACK)
		fprintf(out, ",\"dup_ack\":%" PRIu32, e->dup_n);
	if (e->marks & NG_TRACE_M_GAP)
		fprintf(out, ",\"gap_bytes\":%" PRIu32, e->gap_bytes);
	fputc('}', out);
}

/* Writes T as one JSON document: {"connections":[{..., "events":[...], "summary":{...}}],
 * "frames":N, "skipped":{reason:count}}. */
void ng_trace_json(const struct ng_trace *t, FILE *out)
{
	char a[64], b[64], end[96];
	fprintf(out, "{\"frames\":%" PRIu64 ",\"connections\":[", t->frames);
	size_t shown = 0;
	for (size_t i = 0; i < t->nconn; i++) {
		const struct ng_trace_conn *c = t->conn[i];
		if (!c->keep || !c->nev)
			continue;
		uint64_t t0 = c->ev[0].p.ts_ns;
		fprintf(out, "%s\n{\"id\":%" PRIu32 ",\"client\":\"%s\",\"server\":\"%s\",",
		        shown ? "," : "", c->id, ng_trace_endpoint(c, 0, a, sizeof(a)),
		        ng_trace_endpoint(c, 1, b, sizeof(b)));
		fprintf(out, "\"start\":%.9f,\"events\":[", (double)t0 / 1e9);
		for (size_t j = 0; j < c->nev; j++) {
			fputs(j ? ",\n " : "\n ", out);
			json_event(c, &c->ev[j], t0, out);
		}
		uint64_t by[2] = {0, 0};
		for (int s = 0; s < 2; s++)
			if (c->d[s].isn_known) {
				uint32_t span = c->d[s].next - c->d[s].isn - 1;
				by[s] = c->d[s].fin && span ? span - 1 : span;
			}
		fprintf(out,
		        "],\n\"summary\":{\"bytes_client_to_server\":%" PRIu64
		        ",\"bytes_server_to_client\":%" PRIu64 ",\"segments_client\":%" PRIu32
		        ",\"segments_server\":%" PRIu32 ",\"retransmissions\":%" PRIu32,
		        by[0], by[1], c->d[0].segs, c->d[1].segs,
		        c->d[0].retrans + c->d[1].retrans);
		if (c->handshake_done)
			fprintf(out, ",\"rtt_ms\":%.3f", (double)(c->ack_ns - c->syn_ns) / 1e6);
		fprintf(out, ",\"ended\":\"%s\",\"final\":{\"client\":\"%s\",\"server\":\"%s\"}}}",
		        ng_trace_ending(c, end, sizeof(end)),
		        ng_tcp_state_name(c->tr.side[0].state),
		        ng_tcp_state_name(c->tr.side[1].state));
		shown++;
	}
	fprintf(out, "\n],\"skipped\":{");
	const char *sep = "";
	for (int s = 1; s < NG_TRACE_SKIP_MAX; s++) {
		if (!t->skipped[s])
			continue;
		fprintf(out, "%s\"%s\":%" PRIu64, sep, ng_trace_skip_name((enum ng_trace_skip)s),
		        t->skipped[s]);
		sep = ",";
	}
	fprintf(out, "}}\n");
}
