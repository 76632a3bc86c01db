// SPDX-License-Identifier: MIT
// `natgate trace FILE`: reads a pcap or pcapng capture and draws its TCP connections.
#include "trace.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: natgate trace FILE [--conn N | --port P | --host ADDR] [--absolute] [--limit N]\n"
    "                          [--svg OUT.svg] [--json]\n";

/* Reads every frame of the open capture P into T. */
static int read_pcap(struct ng_trace *t, pcap_t *p, FILE *err)
{
	int dlt = pcap_datalink(p);
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_NULL:
	case DLT_LOOP:
		break;
	default:
		fprintf(err,
		        "natgate trace: unsupported link type %s (%d); Ethernet, Linux cooked "
		        "(SLL, SLL2), raw IP and BSD loopback are\n",
		        pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "?", dlt);
		return -1;
	}
	/* libpcap reports DLT_RAW with the local value; map to ours */
	int ours = dlt == DLT_RAW ? NG_TRACE_DLT_RAW : dlt;
	int nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *data;
		int r = pcap_next_ex(p, &h, &data);
		if (r == PCAP_ERROR_BREAK)
			return 0;
		if (r == PCAP_ERROR) {
			/* a damaged tail: keep what was read, say where it stopped */
			fprintf(err, "natgate trace: capture damaged after frame %" PRIu64 ": %s\n",
			        t->frames, pcap_geterr(p));
			return t->frames ? 0 : -1;
		}
		if (r != 1)
			continue;
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull +
		              (uint64_t)h->ts.tv_usec * (nano ? 1u : 1000u);
		if (ng_trace_frame(t, ours, data, h->caplen, h->len, ts) < 0) {
			fprintf(err, "natgate trace: out of memory after frame %" PRIu64 "\n",
			        t->frames);
			return -1;
		}
	}
}

/* Reads the capture at PATH into T (see trace.h). */
int ng_trace_read_file(struct ng_trace *t, const char *path, FILE *err)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
	if (!p) {
		fprintf(err, "natgate trace: %s: %s\n", path, eb);
		return -1;
	}
	int r = read_pcap(t, p, err);
	pcap_close(p);
	return r;
}

/* Reads a capture from the open stream F into T; F is closed. */
int ng_trace_read_stream(struct ng_trace *t, FILE *f, FILE *err)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, eb);
	if (!p) {
		fprintf(err, "natgate trace: %s\n", eb);
		fclose(f);
		return -1;
	}
	int r = read_pcap(t, p, err);
	pcap_close(p);
	return r;
}

/* Parses a decimal in [MIN, MAX]; false if it is not one. */
static bool parse_num(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int bad_arg(FILE *err, const char *what, const char *val)
{
	fprintf(err, "natgate trace: %s%s%s (try --help)\n", what, val ? ": " : "", val ? val : "");
	return 2;
}

/* The command (see trace.h). */
int ng_trace_run(int argc, char **argv, FILE *out, FILE *err)
{
	struct ng_trace_opts o;
	const char *file = NULL, *svg = NULL;
	bool json = false;
	int selectors = 0;
	long v;

	ng_trace_opts_default(&o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = !strcmp(a, "--conn") || !strcmp(a, "--port") || !strcmp(a, "--host") ||
		             !strcmp(a, "--limit") || !strcmp(a, "--svg");
		if (takes && !val)
			return bad_arg(err, "missing value after", a);
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, out);
			return 0;
		} else if (!strcmp(a, "--conn")) {
			if (!parse_num(val, 1, UINT32_MAX, &v))
				return bad_arg(err, "--conn wants a connection number from 1", val);
			o.conn = (uint32_t)v;
			selectors++;
		} else if (!strcmp(a, "--port")) {
			if (!parse_num(val, 0, 65535, &v))
				return bad_arg(err, "--port wants a port 0-65535", val);
			o.port = (int)v;
			selectors++;
		} else if (!strcmp(a, "--host")) {
			memset(&o.host, 0, sizeof(o.host));
			if (inet_pton(AF_INET, val, o.host.b) != 1) {
				if (inet_pton(AF_INET6, val, o.host.b) != 1)
					return bad_arg(err, "--host wants an IPv4 or IPv6 address",
					               val);
				o.host.v6 = 1;
			}
			o.host_set = true;
			selectors++;
		} else if (!strcmp(a, "--limit")) {
			if (!parse_num(val, 0, 1000000000, &v))
				return bad_arg(err, "--limit wants a count (0: never fold)", val);
			o.limit = (uint32_t)v;
		} else if (!strcmp(a, "--svg")) {
			svg = val;
		} else if (!strcmp(a, "--absolute")) {
			o.absolute = true;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (a[0] == '-' && a[1]) {
			return bad_arg(err, "unknown option", a);
		} else if (!file) {
			file = a;
			continue;
		} else {
			return bad_arg(err, "more than one capture file", a);
		}
		if (takes)
			i++;
	}
	if (!file)
		return bad_arg(err, "no capture file given", NULL);
	if (selectors > 1)
		return bad_arg(err, "--conn, --port and --host exclude each other", NULL);

	struct ng_trace t;
	ng_trace_init(&t, &o);
	if (ng_trace_read_file(&t, file, err) < 0) {
		ng_trace_free(&t);
		return 1;
	}
	int rc = 0;
	if (svg) {
		FILE *f = strcmp(svg, "-") ? fopen(svg, "w") : out;
		if (!f) {
			fprintf(err, "natgate trace: %s: %s\n", svg, strerror(errno));
			rc = 1;
		} else {
			ng_trace_svg(&t, f);
			if (f != out && fclose(f) != 0) {
				fprintf(err, "natgate trace: %s: %s\n", svg, strerror(errno));
				rc = 1;
			}
		}
	}
	if (json)
		ng_trace_json(&t, out);
	else if (!svg || strcmp(svg, "-"))
		ng_trace_text(&t, out);
	ng_trace_free(&t);
	return rc;
}

/* `natgate trace`, as the CLI's subcommand table calls it. */
int ng_cli_trace(int argc, char **argv)
{
	return ng_trace_run(argc, argv, stdout, stderr);
}
