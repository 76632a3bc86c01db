/* SPDX-License-Identifier: MIT */
/* gw/: the event loop, the clock, and the shared plumbing of natgate's programs. */
#ifndef NG_GW_H
#define NG_GW_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "natgate/stack.h"

/* Monotonic clock in ns: the only clock natgate reads (everything else is passed time). */
uint64_t ng_clock_now(void);
/* Offset to add to ng_clock_now() to get UNIX time in ns (for captures). */
int64_t ng_clock_wall_offset(void);

/* ---- event loop, src/gw/loop.c ---- */
struct ng_loop;
/* Called once per loop iteration after input and timers ran (applications do their work here,
 * e.g. retry sends). Return a deadline (absolute ns) the loop should also wake for, or
 * UINT64_MAX. */
typedef uint64_t (*ng_loop_tick_fn)(void *ctx, uint64_t now);
/* Called when an extra fd registered with ng_loop_add_fd is readable. */
typedef void (*ng_loop_fd_fn)(void *ctx, int fd, uint64_t now);

int ng_loop_create(struct ng_loop **out);
void ng_loop_destroy(struct ng_loop *l);
/* Drive ST: its interfaces' link fds are watched, its deadline honoured. Up to 4 stacks. */
int ng_loop_add_stack(struct ng_loop *l, struct ng_stack *st);
void ng_loop_set_tick(struct ng_loop *l, ng_loop_tick_fn fn, void *ctx);
/* Watch another fd (a control socket). */
int ng_loop_add_fd(struct ng_loop *l, int fd, ng_loop_fd_fn fn, void *ctx);
/* Run until *STOP becomes non-zero (set from a signal handler). 0, or -NG_E* on failure. */
int ng_loop_run(struct ng_loop *l, volatile sig_atomic_t *stop);
/* Busy polling before a sleep (loop.c's theory): never (the default), a FIXED window of US
 * (<= 1000) microseconds before every sleep (also NATGATE_BUSY_POLL_US=US from the
 * environment), or an AUTO window that adapts to the traffic, up to US. Costs CPU time for
 * lower latency. */
enum ng_busy_poll { NG_BUSY_POLL_OFF, NG_BUSY_POLL_FIXED, NG_BUSY_POLL_AUTO };
void ng_loop_set_busy_poll(struct ng_loop *l, enum ng_busy_poll mode, uint32_t us);
struct ng_loop_stats {
	enum ng_busy_poll mode;
	uint64_t poll_max_ns;  /* fixed: the window; auto: its ceiling */
	uint64_t poll_ns;      /* the window now */
	uint64_t waits;        /* waits that slept or could have */
	uint64_t polls;        /* of them, busy polls */
	uint64_t poll_hits;    /* busy polls that found an event, sparing a sleep */
	uint64_t poll_shared;  /* busy polls cut short: the CPU went to another task meanwhile */
	uint64_t poll_time_ns; /* time spent busy polling */
};
void ng_loop_get_stats(const struct ng_loop *l, struct ng_loop_stats *out);
/* Auto mode's rule (loop.c), for tests: the window after a wait. */
struct ng_poll_window {
	uint64_t win, max; /* ns: the window now and its ceiling */
	uint32_t hold;     /* short sleeps left that do not grow it */
	uint32_t shared;   /* polls in a row that gave the CPU to another task */
};
enum ng_poll_outcome { NG_POLL_SLEPT, NG_POLL_HIT, NG_POLL_SHARED };
void ng_loop_poll_adapt(struct ng_poll_window *w, enum ng_poll_outcome o, uint64_t waited);

/* ---- programs on one TAP (examples), src/gw/app.c ---- */
/* The options every example takes: --tap NAME --addr A/P [--gw G] [--mtu N] [--pcap FILE]
 * [--fault SPEC] [--seed N] [--log LEVEL] [--trace]. */
struct ng_app {
	const char *prog;
	const char *tap;
	uint32_t addr, gw;
	uint8_t prefix;
	uint32_t mtu;
	const char *pcap;
	const char *fault;
	uint64_t seed;
	bool seed_set;
	int log_level;
	bool trace;
	/* filled by ng_app_start; CFG may be adjusted before it (its pkt_* fields are set there, by
	 * ng_app_pool_config) */
	struct ng_stack_config cfg;
	struct ng_stack *st;
	struct ng_link *link;
	struct ng_iface *ifc;
	struct ng_loop *loop;
};
/* Initialise A with defaults for program PROG. */
void ng_app_init(struct ng_app *a, const char *prog);
/* If ARGV[*I] is a common option, consume it (and its value), advance *I and return 1; return 0
 * if it is not one; on a bad value print "PROG: ..." to stderr and return -1. */
int ng_app_option(struct ng_app *a, int argc, char **argv, int *i);
/* A program's own option, split: "--name=VALUE" (one argv entry) or "--name VALUE" (two). */
struct ng_app_arg {
	const char *name; /* the option, without "=VALUE" */
	const char *val;  /* its value, NULL if none follows */
	int used;         /* argv entries to skip when the option takes the value */
	char buf[32];     /* holds NAME when it was cut from "--name=VALUE" */
};
void ng_app_arg_split(int argc, char **argv, int i, struct ng_app_arg *out);
/* The usage lines for the common options. */
const char *ng_app_usage(void);
/* The one parser of a bounded unsigned number on a command line: S is decimal digits, or hex
 * digits after "0x"; no sign, space or trailing junk; its value in [MIN, MAX]. 0 with *OUT set,
 * or -1 (nothing written). */
int ng_app_parse_num(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* ng_app_parse_num for VAL, the value of option OPT (NULL when none followed): 0, or -1 after
 * printing "PROG: OPT 'VAL': want a number from MIN to MAX" (or "OPT needs a value"). */
int ng_app_opt_num(const struct ng_app *a, const char *opt, const char *val, uint64_t min,
                   uint64_t max, uint64_t *out);
/* What ng_app_next_option found. */
#define NG_APP_OPT_MINE  0  /* the program's own option (or argument), split into *ARG */
#define NG_APP_OPT_TAKEN 1  /* consumed (*I advanced): go on */
#define NG_APP_OPT_EXIT  -1 /* --help or --version printed on stdout: exit 0 */
#define NG_APP_OPT_BAD   -2 /* a bad value, one line printed: exit 2 */
struct ng_tcp_sockopts;
/* One step of the examples' option loop: the common options (ng_app_option), -h/--help
 * (USAGE(stdout)), --version, and, when TCP is not NULL, --sndbuf/--rcvbuf BYTES into it, are
 * taken here; anything else is split into *ARG for the program, which advances *I by ARG->used
 * when it takes an option with its value. */
int ng_app_next_option(struct ng_app *a, int argc, char **argv, int *i, struct ng_tcp_sockopts *tcp,
                       void (*usage)(FILE *), struct ng_app_arg *arg);
/* The value of the program's option ARG, or NULL after printing "PROG: NAME needs a value". */
const char *ng_app_opt_val(const struct ng_app *a, const struct ng_app_arg *arg);
/* Refuse ARG: "PROG: unknown option 'NAME' (try --help)", one line on stderr. Returns 2, the exit
 * status of a usage error. */
int ng_app_opt_unknown(const struct ng_app *a, const struct ng_app_arg *arg);
/* Check required options (--tap, --addr), open the TAP (with --fault and --pcap wrappers), create
 * the stack and loop, install SIGINT/SIGTERM handlers. Prints a one-line error and returns -1 on
 * failure, or -2 when a required option is missing or options contradict (a usage error: exit 2).
 * Nothing is left open after a failure. */
int ng_app_start(struct ng_app *a);
/* The packet pool ng_app_start gives a program on a link of MTU (into C's pkt_* fields): many
 * small buffers for ordinary frames and 64 of NG_PKT_DEFAULT_SIZE for super-segments and
 * reassembly, as natgate router has; one size when the MTU's frames are nearly that big. */
void ng_app_pool_config(struct ng_stack_config *c, uint32_t mtu);
/* Run the loop until SIGINT/SIGTERM. */
int ng_app_run(struct ng_app *a);
/* Tear everything down; returns the number of leaked packets. */
uint32_t ng_app_stop(struct ng_app *a);
/* Set by the signal handler. */
extern volatile sig_atomic_t ng_app_stop_flag;

#endif
