// SPDX-License-Identifier: MIT
/* `natgate router`: a stack with a LAN and a WAN interface, the NAT between them, and the loop. */
/*
 * Start-up: parse the options, open both links (each wrapped for --pcap), create the stack with
 * two interfaces and the default route via --wan-gw, create the NAT (its table allocated whole
 * now), open the control socket, announce both addresses, then run the event loop until SIGINT
 * or SIGTERM. The stack itself answers ARP and ping on both addresses; everything else that
 * crosses goes through the NAT's hook.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "gw/gw.h"
#include "gw/router.h"
#include "net/net_internal.h"

/* The ceiling of --busy-poll auto: request/response turns and connection set-ups through the
 * router come back within it on the machines we measured (docs/performance.md). */
#define ROUTER_POLL_AUTO_US 50

struct router {
	const char *lan, *wan;
	uint32_t lan_addr, wan_addr, wan_gw;
	uint8_t lan_prefix, wan_prefix;
	uint32_t mtu;
	enum ng_busy_poll poll_mode; /* --busy-poll: auto (default), off or fixed */
	uint32_t poll_us;            /* its window (fixed) or ceiling (auto) */
	bool poll_set;               /* --busy-poll given (else NATGATE_BUSY_POLL_US, else auto) */
	const char *pcap, *control, *fault;
	uint64_t seed;
	bool seed_set;
	int log_level;
	struct ng_nat_config nc;

	struct ng_link *llink, *wlink;
	struct ng_stack *st;
	struct ng_iface *lifc, *wifc;
	struct ng_nat *nat;
	struct ng_control *ctl;
	struct ng_loop *loop;
};

static volatile sig_atomic_t router_stop;

static const char usage_text[] =
    "usage: natgate router --lan LINK --lan-addr A.B.C.D/P --wan LINK --wan-addr A.B.C.D/P\n"
    "                      [--wan-gw A.B.C.D] [--forward SPEC]... [--filter MODE]\n"
    "                      [--max-flows N] [--max-flows-per-host N] [--timeout SPEC]\n"
    "                      [--pcap FILE] [--control PATH] [--log-flows] [--trace]\n"
    "                      [--mtu N] [--busy-poll auto|off|USEC] [--seed N] [--log LEVEL]\n"
    "NAPT router: hosts on the LAN share the WAN address; port forwards reach inside servers.\n"
    "  LINK               tap:NAME (a TAP device created here) or packet:IFNAME (AF_PACKET)\n"
    "  --forward SPEC     tcp:8080=192.168.1.10:80 or udp:5000-5009=192.168.1.20:6000\n"
    "  --filter MODE      endpoint | address (default) | address-port (RFC 4787 filtering)\n"
    "  --max-flows N      flow table size (default 65536)\n"
    "  --max-flows-per-host N   flows one inside host may hold (default: no limit)\n"
    "  --timeout SPEC     tcp-established=7440,tcp-transitory=240,tcp-rst=240,udp=300,\n"
    "                     icmp=60,syn-hold=6 (seconds; any subset)\n"
    "  --pcap FILE        capture both links: FILE-lan.pcap and FILE-wan.pcap (a .pcap suffix\n"
    "                     of FILE is kept at the end)\n"
    "  --control PATH     control socket for `natgate conntrack` and `natgate stats`\n"
    "  --log-flows        one line per flow created and expired, on stdout\n"
    "  --trace            one line per TCP flow state change, on stdout\n"
    "  --mtu N            IP MTU of both links (default 1500)\n"
    "  --busy-poll MODE   poll the links before sleeping, sparing wake-ups: auto (default;\n"
    "                     a window of up to 50 us that grows while frames come in quick\n"
    "                     succession and shrinks to nothing when they do not), off, or USEC\n"
    "                     (1..1000) microseconds before every sleep\n"
    "  --seed N           seed of all randomness (ports, IDs)\n"
    "  --log LEVEL        error, warn (default), info, debug, trace (stack log on stderr)\n";

static void on_signal(int sig)
{
	(void)sig;
	router_stop = 1;
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "natgate router: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

/* A number from LO to HI (ng_app_parse_num: decimal or 0x hex, nothing else) into *OUT: 0, or
 * -1 with *OUT untouched. */
static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v;

	if (ng_app_parse_num(s, lo, hi, &v))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static bool link_spec_ok(const char *s)
{
	const char *name = !strncmp(s, "tap:", 4)      ? s + 4
	                   : !strncmp(s, "packet:", 7) ? s + 7
	                                               : NULL;

	return name && *name && strlen(name) <= 15 && !strchr(name, '/');
}

static void wall_time(char *buf, size_t cap)
{
	int64_t wall = (int64_t)ng_clock_now() + ng_clock_wall_offset();
	time_t sec = (time_t)(wall / (int64_t)NG_NS_PER_SEC);
	struct tm tm;
	char hms[16] = "?";

	if (localtime_r(&sec, &tm))
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	snprintf(buf, cap, "%s.%06ld", hms, (long)(wall % (int64_t)NG_NS_PER_SEC / 1000));
}

/* Flow log lines (--log-flows, --trace): "TIME natgate: LINE" on stdout, flushed at once so an
 * operator's log keeps up. */
static void flow_log(void *ctx, const char *line)
{
	char t[32];

	(void)ctx;
	wall_time(t, sizeof(t));
	printf("%s %s\n", t, line);
	fflush(stdout);
}

static void stack_log(void *ctx, enum ng_log_level level, const char *msg)
{
	static const char *const names[] = {"error", "warn", "info", "debug", "trace"};
	char t[32];

	(void)ctx;
	wall_time(t, sizeof(t));
	fprintf(stderr, "%s natgate router %s: %s\n", t, (unsigned)level < 5 ? names[level] : "?",
	        msg);
}

static int parse_args(struct router *r, int argc, char **argv)
{
	int i, j;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool flag =
		    !strcmp(o, "--log-flows") || !strcmp(o, "--trace") || !strcmp(o, "--help");

		if (!flag && !v)
			return bad("%s needs a value (try --help)", o);
		if (!strcmp(o, "--help")) {
			fputs(usage_text, stdout);
			exit(0);
		} else if (!strcmp(o, "--log-flows")) {
			r->nc.log_flows = true;
			continue;
		} else if (!strcmp(o, "--trace")) {
			r->nc.trace = true;
			continue;
		} else if (!strcmp(o, "--lan") || !strcmp(o, "--wan")) {
			if (!link_spec_ok(v))
				return bad("%s '%s': want tap:NAME or packet:IFNAME", o, v);
			if (o[2] == 'l')
				r->lan = v;
			else
				r->wan = v;
		} else if (!strcmp(o, "--lan-addr") || !strcmp(o, "--wan-addr")) {
			uint32_t a;
			uint8_t p;
			if (!strchr(v, '/') || ng_ip4_parse(v, &a, &p) || !a || !p || p > 30)
				return bad("%s '%s': want A.B.C.D/P, e.g. 192.168.1.1/24", o, v);
			if (o[2] == 'l') {
				r->lan_addr = a;
				r->lan_prefix = p;
			} else {
				r->wan_addr = a;
				r->wan_prefix = p;
			}
		} else if (!strcmp(o, "--wan-gw")) {
			if (ng_ip4_parse(v, &r->wan_gw, NULL) || !r->wan_gw)
				return bad("--wan-gw '%s': want A.B.C.D", v);
		} else if (!strcmp(o, "--forward")) {
			if (r->nc.n_fwd >= NG_NAT_MAX_FORWARDS)
				return bad("at most %d --forward", NG_NAT_MAX_FORWARDS);
			if (ng_nat_parse_forward(v, &r->nc.fwd[r->nc.n_fwd]))
				return bad("--forward '%s': want tcp:8080=192.168.1.10:80 or "
				           "udp:5000-5009=192.168.1.20:6000",
				           v);
			r->nc.n_fwd++;
		} else if (!strcmp(o, "--filter")) {
			if (ng_nat_parse_filter(v, &r->nc.filter))
				return bad("--filter '%s': want endpoint, address or address-port",
				           v);
		} else if (!strcmp(o, "--max-flows")) {
			if (parse_u32(v, 1, 1u << 24, &r->nc.max_flows))
				return bad("--max-flows '%s': want 1..16777216", v);
		} else if (!strcmp(o, "--max-flows-per-host")) {
			if (parse_u32(v, 1, 1u << 24, &r->nc.max_flows_per_host))
				return bad("--max-flows-per-host '%s': want 1..16777216", v);
		} else if (!strcmp(o, "--timeout")) {
			if (ng_nat_parse_timeouts(v, &r->nc))
				return bad(
				    "--timeout '%s': want e.g. tcp-established=7440,"
				    "tcp-transitory=240,tcp-rst=240,udp=300,icmp=60,syn-hold=6",
				    v);
		} else if (!strcmp(o, "--pcap")) {
			r->pcap = v;
		} else if (!strcmp(o, "--fault")) {
			struct ng_fault_spec fs;
			const char *msg;
			if (ng_fault_parse(v, &fs, &msg))
				return bad("--fault: %s", msg);
			r->fault = v;
		} else if (!strcmp(o, "--control")) {
			r->control = v;
		} else if (!strcmp(o, "--mtu")) {
			if (parse_u32(v, 576, 9000, &r->mtu))
				return bad("--mtu '%s': want 576..9000", v);
		} else if (!strcmp(o, "--busy-poll")) {
			if (!strcmp(v, "auto")) {
				r->poll_mode = NG_BUSY_POLL_AUTO;
				r->poll_us = ROUTER_POLL_AUTO_US;
			} else if (!strcmp(v, "off")) {
				r->poll_mode = NG_BUSY_POLL_OFF;
			} else if (!parse_u32(v, 1, 1000, &r->poll_us)) {
				r->poll_mode = NG_BUSY_POLL_FIXED;
			} else {
				return bad(
				    "--busy-poll '%s': want auto, off or 1..1000 (microseconds)",
				    v);
			}
			r->poll_set = true;
		} else if (!strcmp(o, "--seed")) {
			if (ng_app_parse_num(v, 0, UINT64_MAX, &r->seed))
				return bad("--seed '%s': want an unsigned number", v);
			r->seed_set = true;
		} else if (!strcmp(o, "--log")) {
			static const char *const lv[] = {"error", "warn", "info", "debug", "trace"};
			int k;
			for (k = 0; k < 5 && strcmp(v, lv[k]); k++)
				;
			if (k == 5)
				return bad("--log '%s': want error, warn, info, debug or trace", v);
			r->log_level = k;
		} else {
			return bad("unknown option '%s' (try --help)", o);
		}
		i++;
	}
	if (!r->lan || !r->wan || !r->lan_addr || !r->wan_addr)
		return bad("--lan, --lan-addr, --wan and --wan-addr are required (try --help)");
	if (r->wan_gw && (r->wan_gw ^ r->wan_addr) & (~0u << (32 - r->wan_prefix)))
		return bad("--wan-gw is not in the subnet of --wan-addr");
	if (!((r->lan_addr ^ r->wan_addr) & (~0u << (32 - NG_MIN(r->lan_prefix, r->wan_prefix)))))
		return bad("the LAN and WAN subnets overlap");
	for (i = 0; i < (int)r->nc.n_fwd; i++) {
		char a[16];
		if ((r->nc.fwd[i].in_addr ^ r->lan_addr) & (~0u << (32 - r->lan_prefix)))
			return bad("--forward to %s: not in the LAN subnet",
			           ng_ip4_str(r->nc.fwd[i].in_addr, a));
		for (j = 0; j < i; j++)
			if (r->nc.fwd[j].proto == r->nc.fwd[i].proto &&
			    r->nc.fwd[j].port_lo <= r->nc.fwd[i].port_hi &&
			    r->nc.fwd[i].port_lo <= r->nc.fwd[j].port_hi)
				return bad("--forward: public port %u is forwarded twice",
				           NG_MAX(r->nc.fwd[j].port_lo, r->nc.fwd[i].port_lo));
	}
	return 0;
}

/* Open LINK ("tap:NAME" / "packet:IFNAME") wrapped for capture into PCAP-ROLE.pcap. */
static int open_link(struct router *r, const char *spec, const char *role, struct ng_link **out)
{
	const char *msg = NULL;
	int rc;

	if (!strncmp(spec, "tap:", 4))
		rc = ng_tap_open(spec + 4, r->mtu, out, &msg);
	else
		rc = ng_packet_open(spec + 7, out, &msg);
	if (rc) {
		fprintf(stderr, "natgate router: %s: %s\n", spec, msg ? msg : "cannot open");
		return -1;
	}
	/* The kernel's 64 KiB super-segments cross whole (the NAT translates them as one datagram
	 * and the other link's kernel cuts them), instead of being cut into MTU-sized frames here
	 * and gathered again there. The fault and capture wrappers see what the stack sees, so
	 * wrapping the link turns this off again (ng_fault_wrap, ng_pcap_wrap). */
	(*out)->rx_whole = true;
	if (r->fault) {
		struct ng_fault_spec fs;
		ng_fault_parse(r->fault, &fs, &msg);
		/* each link draws its own faults, reproducibly from the seed */
		rc = ng_fault_wrap(*out, &fs,
		                   r->seed ^ (role[0] == 'l' ? 0x6c616eull : 0x77616eull), out);
		if (rc) {
			*out = NULL;
			fprintf(stderr, "natgate router: cannot set up --fault\n");
			return -1;
		}
	}
	if (r->pcap) {
		char path[512];
		size_t len = strlen(r->pcap);
		if (len > 5 && !strcmp(r->pcap + len - 5, ".pcap"))
			snprintf(path, sizeof(path), "%.*s-%s.pcap", (int)(len - 5), r->pcap, role);
		else
			snprintf(path, sizeof(path), "%s-%s.pcap", r->pcap, role);
		rc = ng_pcap_wrap(*out, path, ng_clock_wall_offset(), out, &msg);
		if (rc) {
			*out = NULL;
			fprintf(stderr, "natgate router: --pcap %s: %s\n", path,
			        msg ? msg : "failed");
			return -1;
		}
	}
	return 0;
}

static void control_ready(void *ctx, int fd, uint64_t now)
{
	(void)fd;
	(void)now;
	ng_control_serve(ctx);
}

static int start(struct router *r)
{
	struct ng_stack_config sc;
	struct ng_iface_config ic;
	const char *msg;
	int rc;

	if (!r->seed_set && getrandom(&r->seed, sizeof(r->seed), 0) != sizeof(r->seed))
		r->seed = (uint64_t)time(NULL) ^ ng_clock_now();
	if (open_link(r, r->lan, "lan", &r->llink) || open_link(r, r->wan, "wan", &r->wlink))
		return -1;
	ng_stack_config_default(&sc);
	sc.seed = r->seed;
	/* Two buffer sizes keep the resident set small (a touched buffer stays resident, and the
	 * links hand over 64 KiB super-segments whole): small ones of the larger MTU for frames,
	 * ARP queues and fragments, 64 large ones for reassembly slots and super-segments in
	 * flight; the examples' rule (ng_app_pool_config) */
	ng_app_pool_config(&sc, r->llink->mtu > r->wlink->mtu ? r->llink->mtu : r->wlink->mtu);
	sc.log_level = (enum ng_log_level)r->log_level;
	sc.log_fn = stack_log;
	if (ng_stack_create(&sc, &r->st)) {
		fprintf(stderr, "natgate router: cannot create the stack\n");
		return -1;
	}
	ng_stack_poll(r->st, ng_clock_now());
	memset(&ic, 0, sizeof(ic));
	snprintf(ic.name, sizeof(ic.name), "lan");
	ic.addr = r->lan_addr;
	ic.prefix_len = r->lan_prefix;
	rc = ng_stack_add_iface(r->st, &ic, r->llink, &r->lifc);
	snprintf(ic.name, sizeof(ic.name), "wan");
	ic.addr = r->wan_addr;
	ic.prefix_len = r->wan_prefix;
	if (!rc)
		rc = ng_stack_add_iface(r->st, &ic, r->wlink, &r->wifc);
	if (!rc && r->wan_gw)
		rc = ng_stack_set_gateway(r->st, r->wan_gw);
	if (rc) {
		fprintf(stderr, "natgate router: cannot configure the interfaces\n");
		return -1;
	}
	r->nc.log_fn = flow_log;
	rc = ng_nat_create(r->st, r->lifc, r->wifc, &r->nc, &r->nat);
	if (rc) {
		fprintf(stderr, "natgate router: cannot create the NAT: %s%s\n", ng_strerror(rc),
		        rc == -NG_EINVAL ? " (a --forward target outside the LAN subnet?)" : "");
		return -1;
	}
	if (ng_loop_create(&r->loop) || ng_loop_add_stack(r->loop, r->st)) {
		fprintf(stderr, "natgate router: cannot create the event loop\n");
		return -1;
	}
	if (r->poll_set || !getenv("NATGATE_BUSY_POLL_US"))
		ng_loop_set_busy_poll(r->loop, r->poll_mode, r->poll_us);
	if (r->control) {
		rc = ng_control_open(r->control, r->st, r->nat, &r->ctl, &msg);
		if (rc || ng_loop_add_fd(r->loop, ng_control_fd(r->ctl), control_ready, r->ctl)) {
			fprintf(stderr, "natgate router: --control %s: %s\n", r->control,
			        rc ? msg : "cannot watch it");
			return -1;
		}
		ng_control_set_loop(r->ctl, r->loop);
	}
	ng_arp_announce(r->st, r->lifc);
	ng_arp_announce(r->st, r->wifc);
	return 0;
}

static uint32_t stop(struct router *r)
{
	uint32_t leaked = 0;

	ng_control_close(r->ctl);
	ng_loop_destroy(r->loop);
	if (r->nat)
		ng_nat_destroy(r->nat);
	if (r->llink)
		ng_link_destroy(r->llink);
	if (r->wlink)
		ng_link_destroy(r->wlink);
	if (r->st)
		leaked = ng_stack_destroy(r->st);
	if (leaked)
		fprintf(stderr, "natgate router: %u packets leaked\n", leaked);
	return leaked;
}

int ng_router_main(int argc, char **argv)
{
	struct router r;
	struct sigaction sa;
	int rc;

	memset(&r, 0, sizeof(r));
	r.mtu = 1500;
	r.poll_mode = NG_BUSY_POLL_AUTO;
	r.poll_us = ROUTER_POLL_AUTO_US;
	r.log_level = NG_LOG_WARN;
	ng_nat_config_default(&r.nc);
	rc = parse_args(&r, argc, argv);
	if (rc)
		return rc;
	signal(SIGPIPE, SIG_IGN); /* a control client that went away must not kill the router */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (start(&r)) {
		stop(&r);
		return 1;
	}
	rc = ng_loop_run(r.loop, &router_stop);
	if (rc)
		fprintf(stderr, "natgate router: event loop: %s\n", strerror(-rc));
	return stop(&r) || rc ? 1 : 0;
}
