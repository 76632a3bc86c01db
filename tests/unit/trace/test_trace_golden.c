// SPDX-License-Identifier: MIT
// Golden tests of `natgate trace`: captures built here with libpcap, ladders compared exactly.
/*
 * Each scenario writes a pcap (client 10.0.0.1:40000, server 10.0.0.2:80) and runs the command
 * in-process (ng_trace_run) into memory. The text is compared with golden/NAME.txt next to this
 * file; NG_UPDATE_GOLDEN=1 rewrites those files (review the diff before committing). The
 * textbook exchange is also checked line by line, independent of the golden file. The tool's
 * sources are compiled into this test (they live in tools/, outside the library).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../tools/trace.c"
#include "../../../tools/trace_json.c"
#include "../../../tools/trace_model.c"
#include "../../../tools/trace_svg.c"
#include "../../../tools/trace_text.c"

#define C_ADDR 0x0a000001u
#define S_ADDR 0x0a000002u
#define C_PORT 40000
#define S_PORT 80

static char tmpdir[64];

struct cap {
	pcap_t *pd;
	pcap_dumper_t *d;
	int dlt;
	uint32_t snap; /* bytes of each frame kept (0: all) */
	bool v6;       /* IPv6 between C6 and S6 instead of IPv4 */
	uint8_t c6[16], s6[16];
	char path[128];
	uint64_t t0_us;
};

static void cap_open(struct cap *c, int dlt, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->dlt = dlt;
	c->t0_us = 1700000000ull * 1000000;
	snprintf(c->path, sizeof(c->path), "%s/%s.pcap", tmpdir, name);
	c->pd = pcap_open_dead(dlt, 65535);
	assert_non_null(c->pd);
	c->d = pcap_dump_open(c->pd, c->path);
	assert_non_null(c->d);
}

static void cap_close(struct cap *c)
{
	pcap_dump_close(c->d);
	pcap_close(c->pd);
}

/* Writes one segment at T_US microseconds, from the client if FROM_CLIENT. */
static void cap_seg(struct cap *c, uint64_t t_us, int from_client, uint8_t flags, uint32_t seq,
                    uint32_t ack, uint16_t win, uint32_t len, const struct ng_tcp_opts *o)
{
	uint8_t f[2048];
	size_t off = 0;
	memset(f, 0, sizeof(f));
	switch (c->dlt) {
	case DLT_EN10MB: {
		struct ng_eth_hdr eh = {.dst = {2, 0, 0, 0, 0, from_client ? 2 : 1},
		                        .src = {2, 0, 0, 0, 0, from_client ? 1 : 2},
		                        .type = NG_ETH_P_IPV4};
		off = ng_eth_emit(f, sizeof(f), &eh);
		break;
	}
	case DLT_LINUX_SLL:
		ng_put16(f, from_client ? 4 : 0); /* outgoing / to us */
		ng_put16(f + 2, 1);
		ng_put16(f + 4, 6);
		ng_put16(f + 14, NG_ETH_P_IPV4);
		off = 16;
		break;
	case DLT_LINUX_SLL2:
		ng_put16(f, NG_ETH_P_IPV4);
		ng_put32(f + 4, 2);
		ng_put16(f + 8, 1);
		f[11] = 6;
		off = 20;
		break;
	default:
		off = 0;
	}
	struct ng_tcp_hdr th;
	memset(&th, 0, sizeof(th));
	th.sport = from_client ? C_PORT : S_PORT;
	th.dport = from_client ? S_PORT : C_PORT;
	th.seq = seq;
	th.ack = ack;
	th.flags = flags;
	th.win = win;
	if (o)
		th.opt = *o;
	size_t thl = NG_TCP_HLEN + ng_tcp_opts_len(&th.opt);
	size_t iph = c->v6 ? 40 : NG_IP_HLEN;
	uint8_t *tcp = f + off + iph;
	uint32_t src = from_client ? C_ADDR : S_ADDR, dst = from_client ? S_ADDR : C_ADDR;
	for (uint32_t i = 0; i < len; i++)
		tcp[thl + i] = (uint8_t)('a' + i % 26);
	assert_int_equal(ng_tcp_emit(tcp, sizeof(f) - off - iph, src, dst, &th, len), thl);
	if (c->v6) {
		/* RFC 8200: the fixed header, and the checksum over the IPv6 pseudo-header */
		uint8_t *ip = f + off;
		ip[0] = 0x60;
		ng_put16(ip + 4, (uint16_t)(thl + len));
		ip[6] = NG_IP_PROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, from_client ? c->c6 : c->s6, 16);
		memcpy(ip + 24, from_client ? c->s6 : c->c6, 16);
		uint8_t pseudo[40] = {0};
		memcpy(pseudo, ip + 8, 32);
		ng_put32(pseudo + 32, (uint32_t)(thl + len));
		pseudo[39] = NG_IP_PROTO_TCP;
		ng_put16(tcp + 16, 0);
		ng_put16(tcp + 16,
		         ng_csum_finish(ng_csum_add(ng_csum_add(0, pseudo, 40), tcp, thl + len)));
		if (c->dlt == DLT_EN10MB)
			ng_put16(f + 12, 0x86dd);
	} else {
		struct ng_ipv4_hdr ih;
		memset(&ih, 0, sizeof(ih));
		ih.hlen = NG_IP_HLEN;
		ih.tot_len = (uint16_t)(NG_IP_HLEN + thl + len);
		ih.ttl = 64;
		ih.proto = NG_IP_PROTO_TCP;
		ih.df = true;
		ih.src = src;
		ih.dst = dst;
		assert_int_equal(ng_ipv4_emit(f + off, sizeof(f) - off, &ih), NG_IP_HLEN);
	}
	struct pcap_pkthdr ph;
	uint64_t t = c->t0_us + t_us;
	ph.ts.tv_sec = (time_t)(t / 1000000);
	ph.ts.tv_usec = (suseconds_t)(t % 1000000);
	ph.len = (bpf_u_int32)(off + iph + thl + len);
	ph.caplen = c->snap && c->snap < ph.len ? c->snap : ph.len;
	pcap_dump((u_char *)c->d, &ph, f);
}

#define SYN NG_TCP_SYN
#define ACK NG_TCP_ACK
#define FIN NG_TCP_FIN
#define RST NG_TCP_RST
#define PSH NG_TCP_PSH

static const struct ng_tcp_opts mss1460 = {.mss_ok = true, .mss = 1460};

/* The textbook exchange: ISNs 100 and 2000, 100 bytes up, 500 down, FIN/ACK FIN/ACK. */
static void write_textbook(int dlt, const char *name, uint32_t snap)
{
	struct cap c;
	cap_open(&c, dlt, name);
	c.snap = snap;
	cap_seg(&c, 0, 1, SYN, 100, 0, 65535, 0, &mss1460);
	cap_seg(&c, 150, 0, SYN | ACK, 2000, 101, 65535, 0, &mss1460);
	cap_seg(&c, 300, 1, ACK, 101, 2001, 65535, 0, NULL);
	cap_seg(&c, 1000, 1, PSH | ACK, 101, 2001, 65535, 100, NULL);
	cap_seg(&c, 1150, 0, ACK, 2001, 201, 65535, 0, NULL);
	cap_seg(&c, 2000, 0, PSH | ACK, 2001, 201, 65535, 500, NULL);
	cap_seg(&c, 2150, 1, ACK, 201, 2501, 65535, 0, NULL);
	cap_seg(&c, 3000, 1, FIN | ACK, 201, 2501, 65535, 0, NULL);
	cap_seg(&c, 3150, 0, ACK, 2501, 202, 65535, 0, NULL);
	cap_seg(&c, 4000, 0, FIN | ACK, 2501, 202, 65535, 0, NULL);
	cap_seg(&c, 4150, 1, ACK, 202, 2502, 65535, 0, NULL);
	cap_close(&c);
}

/* Runs `natgate trace` with ARGS (NULL-terminated) and returns its stdout (caller frees);
 * checks the exit status is RC. */
static char *run(int rc, const char *arg0, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;
	argv[argc++] = (char *)"trace";
	va_start(ap, arg0);
	for (const char *a = arg0; a && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	char *o = NULL, *e = NULL;
	size_t ol = 0, el = 0;
	FILE *out = open_memstream(&o, &ol), *err = open_memstream(&e, &el);
	assert_non_null(out);
	assert_non_null(err);
	int got = ng_trace_run(argc, argv, out, err);
	fclose(out);
	fclose(err);
	if (got != rc)
		fprintf(stderr, "exit %d, wanted %d; stderr: %s\n", got, rc, e);
	assert_int_equal(got, rc);
	if (rc == 2) {
		/* usage errors: exactly one line on stderr, nothing on stdout */
		assert_non_null(strchr(e, '\n'));
		assert_int_equal(strchr(e, '\n') - e + 1, el);
		assert_int_equal(ol, 0);
	}
	free(e);
	return o;
}

/* Compares OUT with golden/NAME.txt (or writes it under NG_UPDATE_GOLDEN=1). */
static void golden(const char *name, const char *out)
{
	char path[512];
	const char *me = __FILE__;
	const char *slash = strrchr(me, '/');
	snprintf(path, sizeof(path), "%.*s/golden/%s.txt", slash ? (int)(slash - me) : 1,
	         slash ? me : ".", name);
	if (getenv("NG_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(out, f);
		fclose(f);
		return;
	}
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("no golden file %s (run with NG_UPDATE_GOLDEN=1)", path);
	static char want[1 << 16];
	size_t n = fread(want, 1, sizeof(want) - 1, f);
	fclose(f);
	want[n] = 0;
	if (strcmp(want, out)) {
		fprintf(stderr, "--- golden %s\n%s--- got\n%s", path, want, out);
		fail_msg("output differs from %s", path);
	}
}

/* The line of BASE holding the first NEEDLE at or after FROM (into BUF), or fails. */
static const char *line_from(const char *base, const char *from, const char *needle, char *buf,
                             size_t cap)
{
	const char *p = strstr(from, needle);
	if (!p)
		fail_msg("no line with '%s' in:\n%s", needle, base);
	const char *b = p, *e = p;
	while (b > base && b[-1] != '\n')
		b--;
	while (*e && *e != '\n')
		e++;
	snprintf(buf, cap, "%.*s", (int)(e - b), b);
	return buf;
}

/* The first line of OUT containing NEEDLE. */
static const char *line_with(const char *out, const char *needle, char *buf, size_t cap)
{
	return line_from(out, out, needle, buf, cap);
}

/* The arrow of a line goes right (client to server) or left. */
static void arrow_is(const char *line, int to_server)
{
	if (to_server)
		assert_non_null(strstr(line, "->|"));
	else
		assert_non_null(strstr(line, "|<-"));
}

/* STATE appears on LINE left of the arrow (client) or right of it (server). */
static void state_on(const char *line, const char *state, int client)
{
	const char *bar1 = strchr(line, '|'), *bar2 = strrchr(line, '|');
	if (!bar1 || bar1 == bar2)
		fail_msg("no arrow on line: %s", line);
	const char *s = client ? strstr(line, state) : strstr(bar2, state);
	if (!s || (client && s > bar1))
		fail_msg("'%s' not on the %s side of: %s", state, client ? "client" : "server",
		         line);
}

static void textbook(void **unused)
{
	char l[256];
	write_textbook(DLT_EN10MB, "textbook", 0);
	char path[128];
	snprintf(path, sizeof(path), "%s/textbook.pcap", tmpdir);
	char *out = run(0, path, "--absolute", NULL);

	/* the eleven arrows, in order, with direction and the states they cause */
	const char *p = out;
	static const struct {
		const char *label;
		int to_server;
		const char *cstate, *sstate;
	} want[] = {
	    {"S:100 A:0 SYN ", 1, "SYN_SENT", "SYN_RECEIVED"},
	    {"S:2000 A:101 SYN+ACK ", 0, "ESTABLISHED", NULL},
	    {"S:101 A:2001 ACK ", 1, NULL, "ESTABLISHED"},
	    {"S:101 A:2001 PSH+ACK len 100 ", 1, NULL, NULL},
	    {"S:2001 A:201 ACK ", 0, NULL, NULL},
	    {"S:2001 A:201 PSH+ACK len 500 ", 0, NULL, NULL},
	    {"S:201 A:2501 ACK ", 1, NULL, NULL},
	    {"S:201 A:2501 FIN+ACK ", 1, "FIN_WAIT_1", "CLOSE_WAIT"},
	    {"S:2501 A:202 ACK ", 0, "FIN_WAIT_2", NULL},
	    {"S:2501 A:202 FIN+ACK ", 0, "TIME_WAIT", "LAST_ACK"},
	    {"S:202 A:2502 ACK ", 1, NULL, "CLOSED"},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *at = strstr(p, want[i].label);
		if (!at)
			fail_msg("arrow %zu '%s' missing or out of order in:\n%s", i, want[i].label,
			         out);
		line_from(out, at, want[i].label, l, sizeof(l));
		arrow_is(l, want[i].to_server);
		if (want[i].cstate)
			state_on(l, want[i].cstate, 1);
		if (want[i].sstate)
			state_on(l, want[i].sstate, 0);
		p = at + 1;
	}
	assert_non_null(strstr(out, "ended: FIN/FIN (client closed first)"));
	assert_non_null(strstr(out, "final states: client TIME_WAIT, server CLOSED"));
	assert_non_null(strstr(out, "client -> server: 100 B"));
	assert_non_null(strstr(out, "server -> client: 500 B"));
	assert_non_null(strstr(out, "RTT 0.300 ms"));
	golden("textbook_absolute", out);
	free(out);

	out = run(0, path, NULL);
	line_with(out, "S:0 A:0 SYN ", l, sizeof(l));
	line_with(out, "S:0 A:1 SYN+ACK ", l, sizeof(l));
	line_with(out, "S:102 A:502 ACK ", l, sizeof(l));
	golden("textbook", out);
	free(out);
}

/* The same exchange through every link type gives the same ladder. */
static void link_types(void **unused)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/textbook.pcap", tmpdir);
	write_textbook(DLT_EN10MB, "textbook", 0);
	char *ref = run(0, path, "--absolute", NULL);
	static const struct {
		int dlt;
		const char *name;
	} types[] = {
	    {DLT_LINUX_SLL, "sll"}, {DLT_LINUX_SLL2, "sll2"}, {DLT_RAW, "raw"}, {DLT_IPV4, "ipv4"}};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		write_textbook(types[i].dlt, types[i].name, 0);
		snprintf(path, sizeof(path), "%s/%s.pcap", tmpdir, types[i].name);
		char *out = run(0, path, "--absolute", NULL);
		assert_string_equal(ref, out);
		free(out);
	}
	/* headers only (snap length 58): lengths come from the IP header */
	write_textbook(DLT_EN10MB, "snap", 58);
	snprintf(path, sizeof(path), "%s/snap.pcap", tmpdir);
	char *out = run(0, path, "--absolute", NULL);
	assert_string_equal(ref, out);
	free(out);
	/* snap length 54 cuts the SYNs' options: still every segment, without the MSS */
	write_textbook(DLT_EN10MB, "snap54", 54);
	snprintf(path, sizeof(path), "%s/snap54.pcap", tmpdir);
	out = run(0, path, "--absolute", NULL);
	assert_non_null(strstr(out, "11 segments"));
	assert_null(strstr(out, "mss"));
	assert_non_null(strstr(out, "final states: client TIME_WAIT, server CLOSED"));
	free(out);
	free(ref);
}

static void simultaneous_open(void **unused)
{
	struct cap c;
	cap_open(&c, DLT_EN10MB, "simopen");
	cap_seg(&c, 0, 1, SYN, 100, 0, 65535, 0, &mss1460);
	cap_seg(&c, 50, 0, SYN, 2000, 0, 65535, 0, &mss1460);
	cap_seg(&c, 200, 1, SYN | ACK, 100, 2001, 65535, 0, &mss1460);
	cap_seg(&c, 250, 0, SYN | ACK, 2000, 101, 65535, 0, &mss1460);
	cap_seg(&c, 1000, 1, PSH | ACK, 101, 2001, 65535, 20, NULL);
	cap_seg(&c, 1200, 0, ACK, 2001, 121, 65535, 0, NULL);
	cap_close(&c);
	char *out = run(0, c.path, "--absolute", NULL);
	char l[256];
	state_on(line_with(out, "S:2000 A:0 SYN ", l, sizeof(l)), "SYN_RECEIVED", 1);
	state_on(line_with(out, "S:100 A:2001 SYN+ACK", l, sizeof(l)), "ESTABLISHED", 0);
	state_on(line_with(out, "S:2000 A:101 SYN+ACK", l, sizeof(l)), "ESTABLISHED", 1);
	assert_non_null(strstr(out, "final states: client ESTABLISHED, server ESTABLISHED"));
	assert_non_null(strstr(out, "ended: still open"));
	golden("simultaneous_open", out);
	free(out);
}

static void simultaneous_close(void **unused)
{
	struct cap c;
	cap_open(&c, DLT_EN10MB, "simclose");
	cap_seg(&c, 0, 1, SYN, 100, 0, 65535, 0, NULL);
	cap_seg(&c, 100, 0, SYN | ACK, 2000, 101, 65535, 0, NULL);
	cap_seg(&c, 200, 1, ACK, 101, 2001, 65535, 0, NULL);
	cap_seg(&c, 5000, 1, FIN | ACK, 101, 2001, 65535, 0, NULL);
	cap_seg(&c, 5010, 0, FIN | ACK, 2001, 101, 65535, 0, NULL);
	cap_seg(&c, 5100, 1, ACK, 102, 2002, 65535, 0, NULL);
	cap_seg(&c, 5110, 0, ACK, 2002, 102, 65535, 0, NULL);
	cap_close(&c);
	char *out = run(0, c.path, "--absolute", NULL);
	char l[256];
	line_with(out, "S:2001 A:101 FIN+ACK", l, sizeof(l));
	state_on(l, "CLOSING", 1);
	state_on(l, "CLOSING", 0);
	/* the FINs crossed: the server went FIN_WAIT_1 -> CLOSING, never CLOSE_WAIT (a label the
	 * middle would draw when the client's FIN passes, before it sees the server's) */
	assert_null(strstr(out, "CLOSE_WAIT"));
	assert_non_null(strstr(out, "final states: client TIME_WAIT, server TIME_WAIT"));
	assert_non_null(strstr(out, "simultaneous close"));
	golden("simultaneous_close", out);
	free(out);
}

static void refused(void **unused)
{
	struct cap c;
	cap_open(&c, DLT_EN10MB, "refused");
	cap_seg(&c, 0, 1, SYN, 100, 0, 65535, 0, &mss1460);
	cap_seg(&c, 80, 0, RST | ACK, 0, 101, 0, 0, NULL);
	cap_close(&c);
	char *out = run(0, c.path, "--absolute", NULL);
	char l[256];
	line_with(out, "S:0 A:101 RST+ACK", l, sizeof(l));
	arrow_is(l, 0);
	state_on(l, "CLOSED", 1);
	state_on(l, "CLOSED", 0);
	assert_null(strstr(l, "zero window"));
	assert_non_null(strstr(out, "ended: refused"));
	golden("refused", out);
	free(out);
}

static void reset_mid_transfer(void **unused)
{
	struct cap c;
	cap_open(&c, DLT_EN10MB, "reset");
	cap_seg(&c, 0, 1, SYN, 100, 0, 65535, 0, &mss1460);
	cap_seg(&c, 100, 0, SYN | ACK, 2000, 101, 65535, 0, &mss1460);
	cap_seg(&c, 200, 1, ACK, 101, 2001, 65535, 0, NULL);
	cap_seg(&c, 300, 1, PSH | ACK, 101, 2001, 65535, 50, NULL);
	cap_seg(&c, 400, 0, ACK, 2001, 151, 65535, 1000, NULL);
	cap_seg(&c, 410, 0, ACK, 3001, 151, 65535, 1000, NULL);
	/* a forged RST far outside the window changes nothing */
	cap_seg(&c, 420, 0, RST, 900000, 0, 0, 0, NULL);
	cap_seg(&c, 500, 1, ACK, 151, 4001, 65535, 0, NULL);
	cap_seg(&c, 600, 1, RST | ACK, 151, 4001, 0, 0, NULL);
	cap_close(&c);
	char *out = run(0, c.path, "--absolute", NULL);
	char l[256];
	line_with(out, "S:900000 A:0 RST", l, sizeof(l));
	assert_non_null(strstr(l, "[outside window: no state change]"));
	assert_null(strstr(l, "CLOSED"));
	line_with(out, "S:151 A:4001 RST+ACK", l, sizeof(l));
	state_on(l, "CLOSED", 1);
	state_on(l, "CLOSED", 0);
	assert_non_null(strstr(out, "ended: RST from client"));
	golden("reset", out);
	free(out);
}

/* A transfer with losses: one segment lost before the capture point (a gap, dup ACKs, a fast
 * retransmit), one lost after it (an RTO retransmission of bytes already seen), a reordered
 * pair, and a zero window. The RTT is 10 ms. */
static void lossy(void **unused)
{
	struct cap c;
	struct ng_tcp_opts sack = {.sack_n = 1};
	cap_open(&c, DLT_EN10MB, "lossy");
	cap_seg(&c, 0, 1, SYN, 1000, 0, 65535, 0, &mss1460);
	cap_seg(&c, 5000, 0, SYN | ACK, 50000, 1001, 65535, 0, &mss1460);
	cap_seg(&c, 10000, 1, ACK, 1001, 50001, 65535, 0, NULL);
	uint64_t t = 11000;
	/* segments 1..6 of 1000 bytes; segment 3 never reaches the capture */
	for (uint32_t i = 1; i <= 6; i++, t += 100)
		if (i != 3)
			cap_seg(&c, t, 1, ACK, 1001 + (i - 1) * 1000, 50001, 65535, 1000, NULL);
	/* the server acks 1 and 2, then dup-acks 3001 three times, SACKing what came after */
	cap_seg(&c, t + 5000, 0, ACK, 50001, 2001, 65535, 0, NULL);
	cap_seg(&c, t + 5100, 0, ACK, 50001, 3001, 65535, 0, NULL);
	for (uint32_t k = 0; k < 3; k++) {
		sack.sack[0].left = 4001;
		sack.sack[0].right = 5001 + k * 1000;
		cap_seg(&c, t + 5200 + k * 100, 0, ACK, 50001, 3001, 65535, 0, &sack);
	}
	t += 6000;
	cap_seg(&c, t, 1, ACK, 3001, 50001, 65535, 1000, NULL); /* fast retransmit */
	cap_seg(&c, t + 10000, 0, ACK, 50001, 7001, 65535, 0, NULL);
	/* segments 7 and 8 arrive swapped, 50 us apart */
	t += 11000;
	cap_seg(&c, t, 1, ACK, 8001, 50001, 65535, 1000, NULL);
	cap_seg(&c, t + 50, 1, ACK, 7001, 50001, 65535, 1000, NULL);
	/* segment 9 is seen but lost after the capture point: RTO retransmission */
	cap_seg(&c, t + 100, 1, ACK, 9001, 50001, 65535, 1000, NULL);
	cap_seg(&c, t + 10000, 0, ACK, 50001, 9001, 65535, 0, NULL);
	cap_seg(&c, t + 210000, 1, ACK, 9001, 50001, 65535, 1000, NULL);
	/* the server's buffer fills: zero window, then it opens again */
	cap_seg(&c, t + 220000, 0, ACK, 50001, 10001, 0, 0, NULL);
	cap_seg(&c, t + 320000, 0, ACK, 50001, 10001, 65535, 0, NULL);
	cap_seg(&c, t + 321000, 1, FIN | ACK, 10001, 50001, 65535, 0, NULL);
	cap_seg(&c, t + 331000, 0, FIN | ACK, 50001, 10002, 65535, 0, NULL);
	cap_seg(&c, t + 341000, 1, ACK, 10002, 50002, 65535, 0, NULL);
	cap_close(&c);

	char *out = run(0, c.path, NULL);
	char l[256];
	assert_non_null(strstr(line_with(out, "S:3001 A:1 ACK len 1000", l, sizeof(l)),
	                       "[gap: 1000 B not seen]"));
	assert_non_null(
	    strstr(line_with(out, "S:2001 A:1 ACK len 1000", l, sizeof(l)), "[retransmission]"));
	assert_non_null(strstr(out, "[dup ACK #1]"));
	assert_non_null(strstr(out, "[dup ACK #2]"));
	assert_non_null(strstr(out, "[dup ACK #3]"));
	assert_non_null(strstr(line_with(out, "<sack 3001-4001>", l, sizeof(l)), "[dup ACK #1]"));
	assert_non_null(strstr(line_with(out, "S:7001 A:1 ACK len 1000", l, sizeof(l)),
	                       "[gap: 1000 B not seen]"));
	assert_non_null(
	    strstr(line_with(out, "S:6001 A:1 ACK len 1000", l, sizeof(l)), "[out of order]"));
	/* seen once, then again 200 ms later: an RTO retransmission */
	line_with(out, "S:8001 A:1 ACK len 1000", l, sizeof(l));
	assert_null(strstr(l, "["));
	line_from(out, strstr(out, l) + strlen(l), "S:8001 A:1 ACK len 1000", l, sizeof(l));
	assert_non_null(strstr(l, "[retransmission]"));
	assert_non_null(strstr(line_with(out, "A:9001 ACK win 0", l, sizeof(l)), "[zero window]"));
	assert_non_null(strstr(out, "2 retransmissions"));
	assert_non_null(strstr(out, "client -> server: 9.0 kB"));
	assert_non_null(strstr(out, "RTT 10.000 ms"));
	assert_non_null(strstr(out, "final states: client TIME_WAIT, server CLOSED"));
	golden("lossy", out);
	free(out);

	/* and as JSON: the marks by name */
	out = run(0, c.path, "--json", NULL);
	assert_true(out[0] == '{');
	assert_non_null(strstr(out, "\"marks\":[\"retransmission\"]"));
	assert_non_null(strstr(out, "\"marks\":[\"gap\"],\"gap_bytes\":1000"));
	assert_non_null(strstr(out, "\"dup_ack\":3"));
	free(out);
}

/* A long data phase folds into one line; --limit 0 shows it all. */
static void folding(void **unused)
{
	struct cap c;
	cap_open(&c, DLT_EN10MB, "fold");
	cap_seg(&c, 0, 1, SYN, 100, 0, 65535, 0, NULL);
	cap_seg(&c, 100, 0, SYN | ACK, 2000, 101, 65535, 0, NULL);
	cap_seg(&c, 200, 1, ACK, 101, 2001, 65535, 0, NULL);
	cap_seg(&c, 300, 1, PSH | ACK, 101, 2001, 65535, 10, NULL);
	for (uint32_t i = 0; i < 40; i++) {
		cap_seg(&c, 1000 + i * 20, 0, ACK, 2001 + i * 1400, 111, 65535, 1400, NULL);
		if (i % 2)
			cap_seg(&c, 1010 + i * 20, 1, ACK, 111, 2001 + (i + 1) * 1400, 65535, 0,
			        NULL);
	}
	uint32_t e = 2001 + 40 * 1400;
	cap_seg(&c, 3000, 0, FIN | ACK, e, 111, 65535, 0, NULL);
	cap_seg(&c, 3100, 1, FIN | ACK, 111, e + 1, 65535, 0, NULL);
	cap_seg(&c, 3200, 0, ACK, e + 1, 112, 65535, 0, NULL);
	cap_close(&c);
	char *out = run(0, c.path, NULL);
	char l[256];
	line_with(out, "... 51 segments, 47.6 kB in 0.001 s ...", l, sizeof(l));
	golden("fold", out);
	free(out);
	out = run(0, c.path, "--limit", "0", NULL);
	assert_null(strstr(out, "..."));
	free(out);
	out = run(0, c.path, "--limit", "30", NULL);
	assert_non_null(strstr(out, "... 31 segments"));
	free(out);
}

/* A capture that starts after the handshake: picked up with both sides ESTABLISHED, the lower
 * port as the server, numbers relative to the first bytes seen. */
static void midstream(void **unused)
{
	struct cap c;
	cap_open(&c, DLT_EN10MB, "midstream");
	cap_seg(&c, 0, 0, PSH | ACK, 777000, 5000, 501, 300, NULL);
	cap_seg(&c, 100, 1, ACK, 5000, 777300, 502, 0, NULL);
	cap_seg(&c, 200, 1, PSH | ACK, 5000, 777300, 502, 40, NULL);
	cap_seg(&c, 300, 0, FIN | ACK, 777300, 5040, 501, 0, NULL);
	cap_seg(&c, 400, 1, FIN | ACK, 5040, 777301, 502, 0, NULL);
	cap_seg(&c, 500, 0, ACK, 777301, 5041, 501, 0, NULL);
	cap_close(&c);
	char *out = run(0, c.path, NULL);
	char l[256];
	assert_non_null(strstr(out, "client 10.0.0.1:40000 -> server 10.0.0.2:80"));
	assert_non_null(strstr(out, "(capture began mid-connection)"));
	line_with(out, "S:1 A:1 PSH+ACK len 300", l, sizeof(l));
	arrow_is(l, 0);
	state_on(l, "ESTABLISHED", 1);
	state_on(l, "ESTABLISHED", 0);
	assert_non_null(strstr(out, "final states: client CLOSED, server TIME_WAIT"));
	assert_non_null(strstr(out, "ended: FIN/FIN (server closed first)"));
	golden("midstream", out);
	free(out);
}

/* IPv6 (RFC 8200): the same ladder, endpoints in brackets, checksums verified, --host by IPv6
 * address; a long address moves the endpoint names above the lifelines. */
static void ipv6(void **unused)
{
	struct cap c;
	cap_open(&c, DLT_EN10MB, "ipv6");
	c.v6 = true;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", c.c6), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::2", c.s6), 1);
	cap_seg(&c, 0, 1, SYN, 100, 0, 65535, 0, &mss1460);
	cap_seg(&c, 150, 0, SYN | ACK, 2000, 101, 65535, 0, &mss1460);
	cap_seg(&c, 300, 1, ACK, 101, 2001, 65535, 0, NULL);
	cap_seg(&c, 1000, 1, PSH | ACK, 101, 2001, 65535, 100, NULL);
	cap_seg(&c, 1150, 0, FIN | ACK, 2001, 201, 65535, 0, NULL);
	cap_seg(&c, 1300, 1, FIN | ACK, 201, 2002, 65535, 0, NULL);
	cap_seg(&c, 1450, 0, ACK, 2002, 202, 65535, 0, NULL);
	/* a second connection between long addresses */
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1234:5678:9abc:def0:1234:5678", c.c6), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1234:5678:9abc:def0:1234:9999", c.s6), 1);
	cap_seg(&c, 5000, 1, SYN, 100, 0, 65535, 0, NULL);
	cap_seg(&c, 5100, 0, RST | ACK, 0, 101, 0, 0, NULL);
	cap_close(&c);
	char *out = run(0, c.path, "--absolute", NULL);
	char l[256];
	assert_non_null(strstr(out, "client [2001:db8::1]:40000 -> server [2001:db8::2]:80"));
	state_on(line_with(out, "S:100 A:0 SYN ", l, sizeof(l)), "SYN_SENT", 1);
	state_on(line_with(out, "S:2000 A:101 SYN+ACK", l, sizeof(l)), "ESTABLISHED", 1);
	assert_non_null(strstr(out, "final states: client CLOSED, server TIME_WAIT"));
	assert_null(strstr(out, "bad TCP checksum"));
	assert_non_null(strstr(out, "client [2001:db8:1234:5678:9abc:def0:1234:5678]:40000"));
	assert_non_null(strstr(out, "ended: refused"));
	golden("ipv6", out);
	free(out);
	out = run(0, c.path, "--host", "2001:db8::2", NULL);
	assert_non_null(strstr(out, "Connection 1:"));
	assert_null(strstr(out, "Connection 2:"));
	free(out);
	/* and as raw IP: the version nibble says 6 */
	cap_open(&c, DLT_RAW, "ipv6raw");
	c.v6 = true;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", c.c6), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::2", c.s6), 1);
	cap_seg(&c, 0, 1, SYN, 100, 0, 65535, 0, NULL);
	cap_seg(&c, 80, 0, RST | ACK, 0, 101, 0, 0, NULL);
	cap_close(&c);
	out = run(0, c.path, NULL);
	assert_non_null(strstr(out, "[2001:db8::1]:40000 -> server [2001:db8::2]:80"));
	assert_non_null(strstr(out, "ended: refused"));
	free(out);
}

/* Windows are shown in bytes, scaled once both SYNs carried WS (never in a SYN). */
static void window_scale(void **unused)
{
	struct cap c;
	struct ng_tcp_opts ws7 = {.ws_ok = true, .ws = 7}, ws8 = {.ws_ok = true, .ws = 8};
	cap_open(&c, DLT_EN10MB, "wscale");
	cap_seg(&c, 0, 1, SYN, 100, 0, 64240, 0, &ws7);
	cap_seg(&c, 100, 0, SYN | ACK, 2000, 101, 65160, 0, &ws8);
	cap_seg(&c, 200, 1, ACK, 101, 2001, 100, 0, NULL);
	cap_seg(&c, 300, 0, ACK, 2001, 101, 10, 0, NULL);
	cap_close(&c);
	char *out = run(0, c.path, "--absolute", NULL);
	char l[256];
	line_with(out, "S:100 A:0 SYN win 64240 <ws 7>", l, sizeof(l));
	line_with(out, "S:2000 A:101 SYN+ACK win 65160 <ws 8>", l, sizeof(l));
	line_with(out, "S:101 A:2001 ACK win 12800 ", l, sizeof(l));
	line_with(out, "S:2001 A:101 ACK win 2560 ", l, sizeof(l));
	free(out);
	out = run(0, c.path, "--json", NULL);
	assert_non_null(strstr(out, "\"win\":100,\"win_bytes\":12800"));
	free(out);
}

/* A long transfer (100000 segments, headers only) folds into one line and stays fast: folding
 * is linear, so this takes well under a second (a quadratic fold would take minutes). */
static void long_transfer(void **unused)
{
	struct cap c;
	cap_open(&c, DLT_EN10MB, "long");
	c.snap = 54;
	cap_seg(&c, 0, 1, SYN, 100, 0, 65535, 0, NULL);
	cap_seg(&c, 100, 0, SYN | ACK, 2000, 101, 65535, 0, NULL);
	cap_seg(&c, 200, 1, ACK, 101, 2001, 65535, 0, NULL);
	uint32_t seq = 2001;
	for (uint32_t i = 0; i < 100000; i++, seq += 1000) {
		cap_seg(&c, 1000 + i * 10ull, 0, ACK, seq, 101, 65535, 1000, NULL);
		if (i % 2)
			cap_seg(&c, 1005 + i * 10ull, 1, ACK, 101, seq + 1000, 65535, 0, NULL);
	}
	cap_seg(&c, 2000000, 0, FIN | ACK, seq, 101, 65535, 0, NULL);
	cap_seg(&c, 2000100, 1, FIN | ACK, 101, seq + 1, 65535, 0, NULL);
	cap_seg(&c, 2000200, 0, ACK, seq + 1, 102, 65535, 0, NULL);
	cap_close(&c);
	char *out = run(0, c.path, NULL);
	char l[256];
	line_with(out, "... 149990 segments, 100.0 MB in 1.000 s ...", l, sizeof(l));
	assert_non_null(strstr(out, "server -> client: 100.0 MB in 100003 segments"));
	assert_non_null(strstr(out, "final states: client CLOSED, server TIME_WAIT"));
	free(out);
}

/* Several connections: numbering and the --conn / --port / --host filters. */
static void filters(void **unused)
{
	struct cap c;
	cap_open(&c, DLT_EN10MB, "multi");
	cap_seg(&c, 0, 1, SYN, 100, 0, 65535, 0, NULL);
	cap_seg(&c, 100, 0, SYN | ACK, 2000, 101, 65535, 0, NULL);
	cap_seg(&c, 200, 1, ACK, 101, 2001, 65535, 0, NULL);
	cap_seg(&c, 300, 1, RST | ACK, 101, 2001, 0, 0, NULL);
	/* the same ports again with a new ISN: a second connection */
	cap_seg(&c, 1000, 1, SYN, 7000, 0, 65535, 0, NULL);
	cap_seg(&c, 1100, 0, RST | ACK, 0, 7001, 0, 0, NULL);
	cap_close(&c);
	char *out = run(0, c.path, NULL);
	assert_non_null(strstr(out, "Connection 1:"));
	assert_non_null(strstr(out, "Connection 2:"));
	free(out);
	out = run(0, c.path, "--conn", "2", NULL);
	assert_null(strstr(out, "Connection 1:"));
	assert_non_null(strstr(out, "Connection 2:"));
	assert_non_null(strstr(out, "refused"));
	free(out);
	out = run(0, c.path, "--port", "81", NULL);
	assert_non_null(strstr(out, "no TCP connection matches"));
	free(out);
	out = run(0, c.path, "--host", "10.0.0.2", NULL);
	assert_non_null(strstr(out, "Connection 2:"));
	free(out);

	/* a stray SYN with another ISN inside an open connection is not a new connection */
	cap_open(&c, DLT_EN10MB, "stray");
	cap_seg(&c, 0, 1, SYN, 100, 0, 65535, 0, NULL);
	cap_seg(&c, 100, 0, SYN | ACK, 2000, 101, 65535, 0, NULL);
	cap_seg(&c, 200, 1, ACK, 101, 2001, 65535, 0, NULL);
	cap_seg(&c, 300, 1, SYN, 123456, 0, 65535, 0, NULL);
	cap_seg(&c, 400, 1, PSH | ACK, 101, 2001, 65535, 10, NULL);
	cap_seg(&c, 500, 0, ACK, 2001, 111, 65535, 0, NULL);
	cap_close(&c);
	out = run(0, c.path, "--absolute", NULL);
	assert_null(strstr(out, "Connection 2:"));
	char l[256];
	assert_non_null(
	    strstr(line_with(out, "S:123456 A:0 SYN", l, sizeof(l)), "[invalid in this state]"));
	/* and it does not disturb the sequence analysis */
	assert_null(strstr(line_with(out, "S:101 A:2001 PSH+ACK len 10", l, sizeof(l)), "["));
	assert_non_null(strstr(out, "final states: client ESTABLISHED, server ESTABLISHED"));
	free(out);
}

/* The SVG names every state and is one document. */
static void svg(void **unused)
{
	char path[128], svgp[160];
	write_textbook(DLT_EN10MB, "textbook", 0);
	snprintf(path, sizeof(path), "%s/textbook.pcap", tmpdir);
	snprintf(svgp, sizeof(svgp), "%s/textbook.svg", tmpdir);
	char *out = run(0, path, "--svg", svgp, NULL);
	assert_non_null(strstr(out, "Connection 1")); /* the text still goes to stdout */
	free(out);
	FILE *f = fopen(svgp, "r");
	assert_non_null(f);
	static char s[1 << 17];
	size_t n = fread(s, 1, sizeof(s) - 1, f);
	fclose(f);
	s[n] = 0;
	assert_true(strncmp(s, "<?xml", 5) == 0);
	assert_non_null(strstr(s, "</svg>\n"));
	static const char *const states[] = {"SYN_SENT",   "SYN_RECEIVED", "ESTABLISHED",
	                                     "FIN_WAIT_1", "CLOSE_WAIT",   "FIN_WAIT_2",
	                                     "LAST_ACK",   "TIME_WAIT",    "CLOSED"};
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		assert_non_null(strstr(s, states[i]));
	assert_null(strstr(s, "<mss")); /* escaped or absent, never raw */
}

/* Damaged and hostile captures: an error or a counted skip, never a crash. */
static void malformed(void **unused)
{
	char path[128], p2[160];
	/* not a capture at all */
	snprintf(path, sizeof(path), "%s/garbage.pcap", tmpdir);
	FILE *f = fopen(path, "w");
	fputs("this is not a capture file, not even close\n", f);
	fclose(f);
	free(run(1, path, NULL));
	/* empty */
	f = fopen(path, "w");
	fclose(f);
	free(run(1, path, NULL));
	/* missing */
	snprintf(p2, sizeof(p2), "%s/nonexistent.pcap", tmpdir);
	free(run(1, p2, NULL));

	/* a capture cut in the middle of a record: what was read is shown */
	write_textbook(DLT_EN10MB, "textbook", 0);
	snprintf(path, sizeof(path), "%s/textbook.pcap", tmpdir);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(truncate(path, sb.st_size - 30), 0);
	char *out = run(0, path, NULL);
	assert_non_null(strstr(out, "10 segments"));
	free(out);

	/* frames of nonsense: counted, not drawn */
	struct cap c;
	cap_open(&c, DLT_EN10MB, "junk");
	uint8_t fr[200];
	struct pcap_pkthdr ph = {.caplen = 0, .len = 0};
	for (int i = 0; i < 64; i++) {
		memset(fr, i * 37, sizeof(fr));
		fr[12] = 0x08;
		fr[13] = i % 3 ? 0x00 : 0x06; /* IPv4 or ARP ethertype */
		fr[14] = (uint8_t)(0x45 + (i % 2));
		ph.caplen = ph.len = (bpf_u_int32)(i % 2 ? (size_t)(10 + i) : sizeof(fr));
		pcap_dump((u_char *)c.d, &ph, fr);
	}
	cap_seg(&c, 0, 1, SYN, 100, 0, 65535, 0, NULL);
	cap_close(&c);
	out = run(0, c.path, NULL);
	assert_non_null(strstr(out, "skipped:"));
	assert_non_null(strstr(out, "Connection 1:"));
	free(out);

	/* a record claiming a 4 GB frame: an error at that record, nothing allocated for it */
	snprintf(p2, sizeof(p2), "%s/huge.pcap", tmpdir);
	f = fopen(p2, "wb");
	static const uint8_t hdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2,    0,    4, 0, 0, 0, 0, 0,
	                                0,    0,    0,    0,    0xff, 0xff, 0, 0, 1, 0, 0, 0};
	static const uint8_t rec[16] = {0,    0,    0,    0,    0,    0,    0,    0,
	                                0xf0, 0xff, 0xff, 0xff, 0xf0, 0xff, 0xff, 0xff};
	fwrite(hdr, 1, sizeof(hdr), f);
	fwrite(rec, 1, sizeof(rec), f);
	fclose(f);
	free(run(1, p2, NULL));

	/* a clock that steps back: negative times, no RTT, nothing absurd */
	cap_open(&c, DLT_EN10MB, "backwards");
	cap_seg(&c, 5000, 1, SYN, 100, 0, 65535, 0, NULL);
	cap_seg(&c, 4000, 0, SYN | ACK, 2000, 101, 65535, 0, NULL);
	cap_seg(&c, 3000, 1, ACK, 101, 2001, 65535, 0, NULL);
	cap_close(&c);
	out = run(0, c.path, NULL);
	assert_non_null(strstr(out, " -0.001000 "));
	assert_non_null(strstr(out, "RTT unknown"));
	assert_non_null(strstr(out, "3 segments in -0.002 s"));
	free(out);

	/* an unsupported link type is one clear error */
	cap_open(&c, DLT_IEEE802_11, "wifi");
	ph.caplen = ph.len = 40;
	pcap_dump((u_char *)c.d, &ph, fr);
	cap_close(&c);
	free(run(1, c.path, NULL));
}

/* Bad arguments: one line on stderr, exit 2. */
static void bad_args(void **unused)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/textbook.pcap", tmpdir);
	write_textbook(DLT_EN10MB, "textbook", 0);
	free(run(2, NULL));
	free(run(2, path, "--port", "70000", NULL));
	free(run(2, path, "--port", "http", NULL));
	free(run(2, path, "--conn", "0", NULL));
	free(run(2, path, "--conn", NULL));
	free(run(2, path, "--host", "10.0.0.300", NULL));
	free(run(2, path, "--limit", "-1", NULL));
	free(run(2, path, "--frobnicate", NULL));
	free(run(2, path, path, NULL));
	free(run(2, path, "--conn", "1", "--port", "80", NULL));
	char *out = run(0, "--help", NULL);
	assert_non_null(strstr(out, "usage: natgate trace FILE"));
	free(out);
}

static int setup(void **unused)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ng-trace-test-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **unused)
{
	char cmd[128];
	if (getenv("NG_KEEP_CAPTURES")) {
		fprintf(stderr, "captures kept in %s\n", tmpdir);
		return 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(textbook),
	    cmocka_unit_test(link_types),
	    cmocka_unit_test(simultaneous_open),
	    cmocka_unit_test(simultaneous_close),
	    cmocka_unit_test(refused),
	    cmocka_unit_test(reset_mid_transfer),
	    cmocka_unit_test(lossy),
	    cmocka_unit_test(folding),
	    cmocka_unit_test(window_scale),
	    cmocka_unit_test(midstream),
	    cmocka_unit_test(ipv6),
	    cmocka_unit_test(long_transfer),
	    cmocka_unit_test(filters),
	    cmocka_unit_test(svg),
	    cmocka_unit_test(malformed),
	    cmocka_unit_test(bad_args),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
