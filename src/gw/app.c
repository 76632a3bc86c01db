// SPDX-License-Identifier: MIT
/* Shared plumbing of the programs that run one stack on one TAP: options, links, stack, loop.
 *
 * A program calls ng_app_init, offers each argument to ng_app_next_option (the common options,
 * --help, --version) before its own, then ng_app_start, opens its sockets, ng_app_run, and
 * ng_app_stop. Numbers on the command line are read by one parser, ng_app_parse_num, and a bad
 * command line gives one line on stderr and exit status 2. The link is built inside out:
 * the TAP, then the fault wrapper (--fault), then the capture (--pcap) outermost, so the file
 * shows exactly the frames the stack sent and received, after the faults did their work on the
 * way in and before they did on the way out.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "gw/gw.h"
#include "natgate/err.h"
#include "natgate/tcp.h"
#include "stack_internal.h"
#include "wire/wire_internal.h"

volatile sig_atomic_t ng_app_stop_flag;

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};

/* Defaults: MTU 1500, log level warn, the stack's default configuration. */
void ng_app_init(struct ng_app *a, const char *prog)
{
	memset(a, 0, sizeof(*a));
	a->prog = prog;
	a->mtu = 1500;
	a->log_level = NG_LOG_WARN;
	ng_stack_config_default(&a->cfg);
}

const char *ng_app_usage(void)
{
	return "  --tap NAME        TAP device to create (or attach to) in this network namespace\n"
	       "  --addr A.B.C.D/P  our IPv4 address and prefix length on it\n"
	       "  --gw A.B.C.D      default gateway (in that subnet)\n"
	       "  --mtu N           IP MTU, 68..65520 (default 1500)\n"
	       "  --pcap FILE       write every frame sent and received to FILE (pcap)\n"
	       "  --fault SPEC      inject faults, e.g. loss=2%,dup=1%,reorder=1%,corrupt=0.1%,\n"
	       "                    delay=5ms,jitter=1ms,dir=both|tx|rx\n"
	       "  --seed N          seed of all randomness (default: random; shown at --log info)\n"
	       "  --log LEVEL       error, warn (default), info, debug or trace\n"
	       "  --trace           print every TCP state change on stderr\n";
}

/* Parse S as a whole number in [MIN, MAX]: decimal digits, or hex digits after "0x" (seeds are
 * often written in hex). Written out rather than strtoull, which would take leading space, a
 * sign (a wrapped "-1"), octal and the locale's ideas. 0 with *OUT set, or -1. */
int ng_app_parse_num(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;

	if (!s)
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -1;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1; /* beyond 2^64 - 1 */
		v = v * base + d;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Print "PROG: " and the formatted reason as one line on stderr; returns -1. */
static int bad(const struct ng_app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(const struct ng_app *a, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", a->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* ng_app_parse_num for VAL, the value of option OPT (NULL: none followed). 0, or -1 after one
 * line naming the program, the option and the range. */
int ng_app_opt_num(const struct ng_app *a, const char *opt, const char *val, uint64_t min,
                   uint64_t max, uint64_t *out)
{
	if (!val)
		return bad(a, "%s needs a value", opt);
	if (ng_app_parse_num(val, min, max, out) == 0)
		return 0;
	if (min == 0 && max == UINT64_MAX)
		return bad(a, "%s '%s': want an unsigned number", opt, val);
	return bad(a, "%s '%s': want a number from %llu to %llu", opt, val, (unsigned long long)min,
	           (unsigned long long)max);
}

/* Offer ARGV[*I] as a common option, as "--opt VALUE" or "--opt=VALUE". Returns 1 when it was
 * one (*I then points past it and its value), 0 when it is not (nothing changed), -1 after
 * printing "PROG: ..." on stderr for a bad or missing value. */
int ng_app_option(struct ng_app *a, int argc, char **argv, int *i)
{
	static const struct {
		const char *name;
		bool value;
	} opts[] = {{"tap", true},   {"addr", true}, {"gw", true},  {"mtu", true},   {"pcap", true},
	            {"fault", true}, {"seed", true}, {"log", true}, {"trace", false}};
	const char *arg = argv[*i], *eq, *val = NULL, *msg;
	size_t nlen, k;
	int used = 1;
	uint64_t v;

	if (strncmp(arg, "--", 2))
		return 0;
	eq = strchr(arg + 2, '=');
	nlen = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
	for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
		if (strlen(opts[k].name) == nlen && !strncmp(arg + 2, opts[k].name, nlen))
			break;
	if (k == sizeof(opts) / sizeof(opts[0]))
		return 0;
	if (opts[k].value) {
		if (eq) {
			val = eq + 1;
		} else if (*i + 1 < argc) {
			val = argv[*i + 1];
			used = 2;
		} else {
			return bad(a, "--%s needs a value", opts[k].name);
		}
	} else if (eq) {
		return bad(a, "--%s takes no value", opts[k].name);
	}

	switch (k) {
	case 0: /* --tap */
		if (!*val || strlen(val) > 15 || strchr(val, '/') || strchr(val, ' '))
			return bad(a, "--tap '%s': want an interface name of 1 to 15 characters",
			           val);
		a->tap = val;
		break;
	case 1: /* --addr */ {
		uint32_t addr;
		uint8_t prefix;
		if (!strchr(val, '/') || ng_ip4_parse(val, &addr, &prefix) || !addr || !prefix)
			return bad(a, "--addr '%s': want A.B.C.D/P, e.g. 10.0.0.2/24", val);
		a->addr = addr;
		a->prefix = prefix;
		break;
	}
	case 2: /* --gw */ {
		uint32_t gw;
		if (ng_ip4_parse(val, &gw, NULL) || !gw)
			return bad(a, "--gw '%s': want A.B.C.D", val);
		a->gw = gw;
		break;
	}
	case 3: /* --mtu */
		if (ng_app_opt_num(a, "--mtu", val, 68, 65520, &v))
			return -1;
		a->mtu = (uint32_t)v;
		break;
	case 4: /* --pcap */
		if (!*val)
			return bad(a, "--pcap: want a file name");
		a->pcap = val;
		break;
	case 5: /* --fault */ {
		struct ng_fault_spec spec;
		if (ng_fault_parse(val, &spec, &msg))
			return bad(a, "--fault: %s", msg);
		a->fault = val;
		break;
	}
	case 6: /* --seed */
		if (ng_app_opt_num(a, "--seed", val, 0, UINT64_MAX, &a->seed))
			return -1;
		a->seed_set = true;
		break;
	case 7: /* --log */
		for (v = 0; v < 5; v++)
			if (!strcmp(val, level_names[v]))
				break;
		if (v == 5)
			return bad(a, "--log '%s': want error, warn, info, debug or trace", val);
		a->log_level = (int)v;
		break;
	default: /* --trace */
		a->trace = true;
	}
	*i += used;
	return 1;
}

/* The stack's log lines: "HH:MM:SS.uuuuuu PROG LEVEL: message" on stderr (local time). */
static void app_log(void *ctx, enum ng_log_level level, const char *msg)
{
	const struct ng_app *a = ctx;
	int64_t wall = (int64_t)ng_clock_now() + ng_clock_wall_offset();
	time_t sec = (time_t)(wall / (int64_t)NG_NS_PER_SEC);
	struct tm tm;
	char when[16] = "?";

	if (localtime_r(&sec, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(stderr, "%s.%06ld %s %s: %s\n", when, (long)(wall % (int64_t)NG_NS_PER_SEC / 1000),
	        a->prog, (unsigned)level < 5 ? level_names[level] : "?", msg);
}

/* --trace: every TCP state change of the stack's own sockets, one line on stderr. */
static void app_tcp_trace(void *ctx, const struct ng_tcp_sock *s, enum ng_tcp_state from,
                          enum ng_tcp_state to, const char *cause)
{
	struct ng_tcp_info ti;
	char line[200], la[16], ra[16];

	ng_tcp_get_info(s, &ti);
	snprintf(line, sizeof(line), "tcp %s:%u %s:%u %s -> %s (%s)", ng_ip4_str(ti.local_addr, la),
	         ti.local_port, ng_ip4_str(ti.remote_addr, ra), ti.remote_port,
	         ng_tcp_state_name(from), ng_tcp_state_name(to), cause ? cause : "");
	app_log(ctx, NG_LOG_TRACE, line);
}

static void on_signal(int sig)
{
	(void)sig;
	ng_app_stop_flag = 1;
}

/* Enough packet buffers that a 64 KiB datagram cut to MTU-sized fragments fits twice (in the
 * reassembly queue and on its way out again) with room to spare. */
static uint32_t pkt_count_for(uint32_t mtu)
{
	uint32_t per = (mtu - 20) & ~7u;
	uint32_t frags = (65535 - 20 + per - 1) / per;
	uint32_t n = 2 * frags + 256;

	return n > 1024 ? n : 1024;
}

/* The packet pool of a program on a link of MTU, as natgate router's: a buffer the links,
 * reassembly and TCP fill stays resident once touched, so most buffers are small and a few
 * large. The small ones (headroom, Ethernet header and the MTU, rounded up to 2 KiB) carry
 * ordinary frames and fragments, enough of them for a 64 KiB datagram's fragments twice; 64 of
 * NG_PKT_DEFAULT_SIZE hold what does not fit (ng_pkt_alloc_len asks by length): reassembled
 * datagrams, TSO super-segments on their way out, the kernel's super-segments received whole.
 * A large buffer is in flight only between a read and its processing, or a build and its write,
 * so 64 is many (when none is free, TCP sends MSS-sized segments and the links cut what they
 * receive). An MTU whose frames need a buffer near that size anyway gets one size. */
void ng_app_pool_config(struct ng_stack_config *c, uint32_t mtu)
{
	uint32_t frame = NG_PKT_HEADROOM + NG_ETH_HLEN + mtu;
	uint32_t small = (frame + 2047) & ~2047u;

	c->pkt_count = pkt_count_for(mtu);
	if (small < NG_PKT_DEFAULT_SIZE) {
		c->pkt_size = small;
		c->pkt_large_count = 64;
		c->pkt_large_size = NG_PKT_DEFAULT_SIZE;
	} else {
		c->pkt_size = frame > NG_PKT_DEFAULT_SIZE ? frame : NG_PKT_DEFAULT_SIZE;
		c->pkt_large_count = 0;
		c->pkt_large_size = 0;
	}
}

static void mac_str(const uint8_t m[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* Open the link chain, create the stack and loop, and catch SIGINT/SIGTERM. Returns 0; -2 after
 * printing one line when a required option is missing or options contradict each other (a
 * usage error); -1 after printing one line when something fails (nothing is left open). */
int ng_app_start(struct ng_app *a)
{
	struct ng_iface_config ic;
	struct sigaction sa;
	const char *msg;
	char ab[16], gb[16], mb[18];
	int rc;

	if (!a->tap) {
		fprintf(stderr, "%s: --tap NAME is required (try --help)\n", a->prog);
		return -2;
	}
	if (!a->addr) {
		fprintf(stderr, "%s: --addr A.B.C.D/P is required (try --help)\n", a->prog);
		return -2;
	}
	if (a->gw && a->prefix < 32 &&
	    (a->gw ^ a->addr) & (a->prefix ? ~0u << (32 - a->prefix) : 0)) {
		fprintf(stderr, "%s: --gw %s is not in the subnet of --addr %s/%u\n", a->prog,
		        ng_ip4_str(a->gw, gb), ng_ip4_str(a->addr, ab), a->prefix);
		return -2;
	}
	if (!a->seed_set && getrandom(&a->seed, sizeof(a->seed), 0) != sizeof(a->seed))
		a->seed = (uint64_t)time(NULL) ^ ng_clock_now();

	rc = ng_tap_open(a->tap, a->mtu, &a->link, &msg);
	if (rc)
		goto fail_msg;
	/* The TAP may hand the kernel's TCP super-segments whole (the stack's TCP takes them,
	 * their checksums vouched for by the kernel): one pass less over every received byte.
	 * The --fault and --pcap wrappers turn it off again (they work on wire-sized frames).
	 * NG_APP_RX_WHOLE=0 in the environment turns it off (for comparisons). */
	{
		const char *e = getenv("NG_APP_RX_WHOLE");
		a->link->rx_whole = !(e && !strcmp(e, "0"));
	}
	if (a->fault) {
		struct ng_fault_spec spec;
		if (ng_fault_parse(a->fault, &spec, &msg))
			goto fail_msg;
		rc = ng_fault_wrap(a->link, &spec, a->seed ^ 0x6661756c74ull, &a->link);
		if (rc) {
			a->link = NULL; /* the wrapper destroyed it */
			msg = "cannot set up --fault";
			goto fail_msg;
		}
	}
	if (a->pcap) {
		rc = ng_pcap_wrap(a->link, a->pcap, ng_clock_wall_offset(), &a->link, &msg);
		if (rc) {
			a->link = NULL;
			goto fail_msg;
		}
	}

	a->cfg.seed = a->seed;
	a->cfg.log_level = (enum ng_log_level)a->log_level;
	a->cfg.log_fn = app_log;
	a->cfg.log_ctx = a;
	ng_app_pool_config(&a->cfg, a->link->mtu);
	rc = ng_stack_create(&a->cfg, &a->st);
	if (rc) {
		msg = "cannot create the stack (out of memory?)";
		goto fail_msg;
	}
	ng_stack_poll(a->st, ng_clock_now());
	memset(&ic, 0, sizeof(ic));
	snprintf(ic.name, sizeof(ic.name), "%.15s", a->link->name);
	ic.addr = a->addr;
	ic.prefix_len = a->prefix;
	rc = ng_stack_add_iface(a->st, &ic, a->link, &a->ifc);
	if (!rc && a->gw)
		rc = ng_stack_set_gateway(a->st, a->gw);
	if (rc) {
		msg = "cannot configure the interface";
		goto fail_msg;
	}
	if (a->trace)
		ng_tcp_set_trace(a->st, app_tcp_trace, a);
	rc = ng_loop_create(&a->loop);
	if (!rc)
		rc = ng_loop_add_stack(a->loop, a->st);
	if (rc) {
		msg = "cannot create the event loop";
		goto fail_msg;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: a wait ends at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	mac_str(a->link->mac, mb);
	ng_log(&a->st->log, NG_LOG_INFO,
	       "up on %s: %s/%u mac %s mtu %u%s%s seed %llu%s%s%s%s, packet buffers %ux%u + %ux%u",
	       a->link->name, ng_ip4_str(a->addr, ab), a->prefix, mb, a->link->mtu,
	       a->gw ? " gw " : "", a->gw ? ng_ip4_str(a->gw, gb) : "", (unsigned long long)a->seed,
	       a->fault ? " fault " : "", a->fault ? a->fault : "", a->pcap ? " pcap " : "",
	       a->pcap ? a->pcap : "", a->cfg.pkt_count, a->cfg.pkt_size, a->cfg.pkt_large_count,
	       a->cfg.pkt_large_size);
	return 0;

fail_msg:
	fprintf(stderr, "%s: %s\n", a->prog, msg);
	ng_app_stop(a);
	return -1;
}

/* Run the loop until SIGINT or SIGTERM. 0, or -1 after printing why the loop failed. */
int ng_app_run(struct ng_app *a)
{
	int rc = ng_loop_run(a->loop, &ng_app_stop_flag);

	if (rc) {
		fprintf(stderr, "%s: event loop: %s\n", a->prog, strerror(-rc));
		return -1;
	}
	return 0;
}

/* Tear down in the order that keeps the leak check honest: the loop, then the link chain (it
 * may hold frames of the stack's pool), then the stack. Nonzero drop counters are logged at
 * info level; leaked packets are reported on stderr. Returns the number leaked. Safe on a
 * partly started app. */
uint32_t ng_app_stop(struct ng_app *a)
{
	uint32_t leaked = 0;

	ng_loop_destroy(a->loop);
	a->loop = NULL;
	if (a->link && a->st)
		ng_log(
		    &a->st->log, NG_LOG_INFO,
		    "link %s: rx %llu frames %llu bytes, tx %llu frames %llu bytes, errors rx %llu "
		    "tx %llu",
		    a->link->name, (unsigned long long)a->link->rx_frames,
		    (unsigned long long)a->link->rx_bytes, (unsigned long long)a->link->tx_frames,
		    (unsigned long long)a->link->tx_bytes, (unsigned long long)a->link->rx_errors,
		    (unsigned long long)a->link->tx_errors);
	ng_link_destroy(a->link);
	a->link = NULL;
	a->ifc = NULL;
	if (a->st) {
		const struct ng_stats *s = ng_stack_stats(a->st);
		unsigned d;

		for (d = 1; d < NG_DROP_MAX; d++)
			if (s->drops[d])
				ng_log(&a->st->log, NG_LOG_INFO, "dropped %llu: %s",
				       (unsigned long long)s->drops[d], ng_drop_text(d));
		leaked = ng_stack_destroy(a->st);
		a->st = NULL;
	}
	if (leaked)
		fprintf(stderr, "%s: %u packet buffers leaked\n", a->prog, leaked);
	return leaked;
}

/* Split ARGV[I] into option name and value for the programs' own options, accepting both
 * "--name VALUE" and "--name=VALUE" as the common options do. */
void ng_app_arg_split(int argc, char **argv, int i, struct ng_app_arg *out)
{
	const char *o = argv[i];
	const char *eq = strncmp(o, "--", 2) == 0 ? strchr(o, '=') : NULL;

	out->name = o;
	out->val = i + 1 < argc ? argv[i + 1] : NULL;
	out->used = 2;
	if (eq && (size_t)(eq - o) < sizeof(out->buf)) {
		memcpy(out->buf, o, (size_t)(eq - o));
		out->buf[eq - o] = 0;
		out->name = out->buf;
		out->val = eq + 1;
		out->used = 1;
	}
}

/* One step of the examples' option loop (see gw.h): common options, --help, --version and, for a
 * program that passes TCP, --sndbuf/--rcvbuf; the rest is split into *ARG for the program.
 * NG_APP_OPT_MINE / _TAKEN / _EXIT / _BAD. */
int ng_app_next_option(struct ng_app *a, int argc, char **argv, int *i, struct ng_tcp_sockopts *tcp,
                       void (*usage)(FILE *), struct ng_app_arg *arg)
{
	int r = ng_app_option(a, argc, argv, i);
	uint64_t v;

	if (r < 0)
		return NG_APP_OPT_BAD;
	if (r > 0)
		return NG_APP_OPT_TAKEN;
	ng_app_arg_split(argc, argv, *i, arg);
	if (!strcmp(arg->name, "-h") || !strcmp(arg->name, "--help")) {
		usage(stdout);
		return NG_APP_OPT_EXIT;
	}
	if (!strcmp(arg->name, "--version")) {
		printf("%s (natgate) %s\n", a->prog, NG_VERSION);
		return NG_APP_OPT_EXIT;
	}
	if (tcp && (!strcmp(arg->name, "--sndbuf") || !strcmp(arg->name, "--rcvbuf"))) {
		if (ng_app_opt_num(a, arg->name, arg->val, 0, 1u << 30, &v))
			return NG_APP_OPT_BAD;
		if (arg->name[2] == 's')
			tcp->sndbuf = (uint32_t)v;
		else
			tcp->rcvbuf = (uint32_t)v;
		*i += arg->used;
		return NG_APP_OPT_TAKEN;
	}
	return NG_APP_OPT_MINE;
}

/* The value of the program's option ARG, or NULL after one line saying it needs one. */
const char *ng_app_opt_val(const struct ng_app *a, const struct ng_app_arg *arg)
{
	if (!arg->val)
		bad(a, "%s needs a value", arg->name);
	return arg->val;
}

/* Refuse ARG with one line on stderr; returns 2, the exit status of a usage error. */
int ng_app_opt_unknown(const struct ng_app *a, const struct ng_app_arg *arg)
{
	if (arg->name[0] == '-')
		bad(a, "unknown option '%s' (try --help)", arg->name);
	else
		bad(a, "unexpected argument '%s' (try --help)", arg->name);
	return 2;
}
