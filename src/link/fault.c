// SPDX-License-Identifier: MIT
/* Fault injection on any link: seeded loss, duplication, reordering, corruption and delay.
 *
 * The kernel this runs on has no netem, so `--fault` does the job in user space. The wrapper sits
 * between the stack and a real link and treats frames in the chosen directions: on xmit before
 * they reach the inner link, on recv after they leave it. A frame that must wait (delay, jitter,
 * reordering) is held in a queue ordered by release time, without copying or allocating; the
 * wrapper's deadline() makes the event loop wake for it and poll() (transmit side) or recv()
 * (receive side) lets it go. Each direction has its own generator seeded from the seed, so a run
 * replays as long as the traffic does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link/link_internal.h"

struct fault_link {
	struct ng_link l;
	struct ng_link *inner;
	struct ng_fault_spec s;
	struct ng_rng rng_tx, rng_rx;
	struct ng_frameq txq; /* frames we sent, waiting to go to the inner link */
	struct ng_frameq rxq; /* frames received, waiting to be handed to the stack */
};

static struct fault_link *to_fault(const struct ng_link *l)
{
	return ng_container_of(l, struct fault_link, l);
}

static char errbuf[160];

/* Format the one-line reason into static storage for *ERRMSG; returns -NG_EINVAL. */
static int fail(const char **errmsg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(const char **errmsg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	if (errmsg)
		*errmsg = errbuf;
	return -NG_EINVAL;
}

/* Parse the decimal number at S[0..LEN) ("12", "0.5", "1.25"; no sign, exponent or spaces) into
 * *V and the length of what follows it (the unit) into *REST. 0 or -1. */
static int parse_decimal(const char *s, size_t len, double *v, size_t *rest)
{
	size_t i = 0, digits = 0;
	double x = 0, scale = 1;

	while (i < len && s[i] >= '0' && s[i] <= '9') {
		x = x * 10 + (s[i++] - '0');
		digits++;
	}
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			scale /= 10;
			x += (s[i++] - '0') * scale;
			digits++;
		}
	}
	if (!digits || x > 1e15)
		return -1;
	*v = x;
	*rest = i;
	return 0;
}

/* A probability: "2%" (percent, at most 100%) or a fraction "0.02" (at most 1). */
static int parse_prob(const char *item, int ilen, const char *v, size_t len, double *out,
                      const char **errmsg)
{
	size_t n;
	double x;

	if (parse_decimal(v, len, &x, &n) < 0 || (n != len && !(n + 1 == len && v[n] == '%')))
		return fail(errmsg, "'%.*s': want a percentage such as 2%% or 0.5%%", ilen, item);
	if (n + 1 == len) {
		if (x > 100)
			return fail(errmsg, "'%.*s': more than 100%%", ilen, item);
		x /= 100;
	} else if (x > 1) {
		return fail(errmsg, "'%.*s': more than 1 (write N%% for a percentage)", ilen, item);
	}
	*out = x;
	return 0;
}

/* A duration with a unit: "5ms", "250us", "1.5s", "100ns"; a plain "0" is allowed. */
static int parse_duration(const char *item, int ilen, const char *v, size_t len, uint64_t *out,
                          const char **errmsg)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
	size_t n, i;
	double x;

	if (parse_decimal(v, len, &x, &n) < 0)
		return fail(errmsg, "'%.*s': want a duration such as 5ms, 200us or 1s", ilen, item);
	if (n == len && x == 0) {
		*out = 0;
		return 0;
	}
	for (i = 0; i < NG_ARRAY_SIZE(units); i++) {
		if (len - n == strlen(units[i].unit) && !memcmp(v + n, units[i].unit, len - n)) {
			double ns = x * units[i].ns;
			if (ns > 3600e9)
				return fail(errmsg, "'%.*s': over an hour", ilen, item);
			*out = (uint64_t)(ns + 0.5);
			return 0;
		}
	}
	return fail(errmsg, "'%.*s': the duration needs a unit (ns, us, ms or s)", ilen, item);
}

/* Parse SPEC, a comma-separated list of key=value among loss, dup, reorder, corrupt
 * (probabilities), delay, jitter (durations) and dir (both, tx or rx), into *OUT. Strict: an
 * unknown or repeated key, a missing '=', an empty item, a bad number, or a probability over 100%
 * are errors. 0, or -NG_EINVAL with a one-line reason in *ERRMSG (static storage). */
int ng_fault_parse(const char *spec, struct ng_fault_spec *out, const char **errmsg)
{
	static const char *const keys[] = {"loss",  "dup",    "reorder", "corrupt",
	                                   "delay", "jitter", "dir"};
	struct ng_fault_spec s;
	unsigned seen = 0;
	const char *p = spec;

	memset(&s, 0, sizeof(s));
	s.tx = s.rx = true;
	if (!spec || !*spec)
		return fail(errmsg, "empty fault spec");
	for (;;) {
		const char *item = p, *eq, *val;
		size_t ilen, klen, vlen;
		unsigned k;
		int rc = 0;

		while (*p && *p != ',')
			p++;
		ilen = (size_t)(p - item);
		if (!ilen)
			return fail(errmsg, "empty item (stray comma?)");
		eq = memchr(item, '=', ilen);
		if (!eq)
			return fail(errmsg, "'%.*s' has no '=' (want key=value)", (int)ilen, item);
		klen = (size_t)(eq - item);
		val = eq + 1;
		vlen = ilen - klen - 1;
		for (k = 0; k < NG_ARRAY_SIZE(keys); k++)
			if (strlen(keys[k]) == klen && !memcmp(item, keys[k], klen))
				break;
		if (k == NG_ARRAY_SIZE(keys))
			return fail(errmsg,
			            "unknown key '%.*s' (known: loss dup reorder corrupt "
			            "delay jitter dir)",
			            (int)klen, item);
		if (seen & (1u << k))
			return fail(errmsg, "key '%.*s' given twice", (int)klen, item);
		seen |= 1u << k;
		switch (k) {
		case 0:
			rc = parse_prob(item, (int)ilen, val, vlen, &s.loss, errmsg);
			break;
		case 1:
			rc = parse_prob(item, (int)ilen, val, vlen, &s.dup, errmsg);
			break;
		case 2:
			rc = parse_prob(item, (int)ilen, val, vlen, &s.reorder, errmsg);
			break;
		case 3:
			rc = parse_prob(item, (int)ilen, val, vlen, &s.corrupt, errmsg);
			break;
		case 4:
			rc = parse_duration(item, (int)ilen, val, vlen, &s.delay_ns, errmsg);
			break;
		case 5:
			rc = parse_duration(item, (int)ilen, val, vlen, &s.jitter_ns, errmsg);
			break;
		default:
			if (vlen == 4 && !memcmp(val, "both", 4)) {
				s.tx = s.rx = true;
			} else if (vlen == 2 && !memcmp(val, "tx", 2)) {
				s.tx = true;
				s.rx = false;
			} else if (vlen == 2 && !memcmp(val, "rx", 2)) {
				s.tx = false;
				s.rx = true;
			} else {
				rc = fail(errmsg, "dir='%.*s' (want both, tx or rx)", (int)vlen,
				          val);
			}
		}
		if (rc)
			return rc;
		if (!*p)
			break;
		p++;
		if (!*p)
			return fail(errmsg, "trailing comma");
	}
	*out = s;
	return 0;
}

/* Roll the dice for P travelling in one direction: *HELD gets its release time. Returns false
 * when P was lost (and freed). *DUP receives a clone when the frame is duplicated. */
static bool afflict(const struct ng_fault_spec *s, struct ng_rng *r, struct ng_pkt *p, uint64_t now,
                    uint64_t *due, struct ng_pkt **dup)
{
	*dup = NULL;
	if (ng_link_chance(r, s->loss)) {
		ng_pkt_free(p);
		return false;
	}
	if (ng_link_chance(r, s->dup))
		*dup = ng_pkt_clone(p); /* none when the pool is empty */
	if (ng_link_chance(r, s->corrupt))
		ng_link_flip_bit(p, r);
	*due = now + s->delay_ns + ng_link_jitter(r, s->jitter_ns);
	if (ng_link_chance(r, s->reorder))
		*due += ng_link_reorder_hold(s->delay_ns, s->jitter_ns);
	return true;
}

/* Hand every held transmit frame whose time has come to the inner link, oldest first. */
static void release_tx(struct fault_link *f, uint64_t now)
{
	struct ng_pkt *p;

	while ((p = ng_frameq_pop_due(&f->txq, now))) {
		p->ts = now;
		if (ng_link_xmit(f->inner, p, now))
			f->l.tx_errors++;
	}
}

/* Send P through the faults of the transmit direction; consumes P. A frame due now goes to the
 * inner link at once (after any held frame already due, so time order holds) and its result is
 * returned; a later one waits for poll(). */
static int fault_xmit(struct ng_link *l, struct ng_pkt *p, uint64_t now)
{
	struct fault_link *f = to_fault(l);
	struct ng_pkt *dup;
	uint64_t due;
	int rc;

	l->tx_frames++;
	l->tx_bytes += p->len;
	if (!f->s.tx) {
		rc = ng_link_xmit(f->inner, p, now);
		if (rc)
			l->tx_errors++;
		return rc;
	}
	if (!afflict(&f->s, &f->rng_tx, p, now, &due, &dup))
		return 0;
	if (due > now) {
		ng_frameq_insert(&f->txq, p, due);
		if (dup)
			ng_frameq_insert(&f->txq, dup, due);
		return 0;
	}
	release_tx(f, now);
	rc = ng_link_xmit(f->inner, p, now);
	if (rc)
		l->tx_errors++;
	if (dup && ng_link_xmit(f->inner, dup, now))
		l->tx_errors++;
	return rc;
}

/* The next frame for the stack: first a held frame whose time has come, else one from the inner
 * link, passed through the faults of the receive direction. NULL if nothing is ready. */
static struct ng_pkt *fault_recv(struct ng_link *l, struct ng_pktpool *pool, uint64_t now)
{
	struct fault_link *f = to_fault(l);
	struct ng_pkt *p, *dup;
	uint64_t due;
	unsigned budget;

	/* Bounded: on a busy link, stop after a while and let the loop run its timers. */
	for (budget = 0; budget < 256; budget++) {
		p = ng_frameq_pop_due(&f->rxq, now);
		if (p) {
			p->ts = now;
			break;
		}
		p = ng_link_recv(f->inner, pool, now);
		if (!p || !f->s.rx)
			break;
		if (!afflict(&f->s, &f->rng_rx, p, now, &due, &dup))
			continue;
		/* Nothing held is due (the queue was tried first): a frame due now goes up at once.
		 */
		if (due <= now) {
			if (dup) /* handed over on the next call */
				ng_frameq_insert(&f->rxq, dup, due);
			break;
		}
		ng_frameq_insert(&f->rxq, p, due);
		if (dup)
			ng_frameq_insert(&f->rxq, dup, due);
		p = NULL;
	}
	if (p) {
		l->rx_frames++;
		l->rx_bytes += p->len;
	}
	return p;
}

/* Release held transmit frames whose time has come, and run the inner link's timers. */
static void fault_poll(struct ng_link *l, uint64_t now)
{
	struct fault_link *f = to_fault(l);

	release_tx(f, now);
	ng_link_poll(f->inner, now);
}

static uint64_t fault_deadline(const struct ng_link *l)
{
	const struct fault_link *f = to_fault(l);
	uint64_t d = ng_link_deadline(f->inner);

	d = NG_MIN(d, ng_frameq_next(&f->txq));
	return NG_MIN(d, ng_frameq_next(&f->rxq));
}

static int fault_fd(const struct ng_link *l)
{
	return ng_link_fd(to_fault(l)->inner);
}

/* Free held frames (in both directions), then the inner link, then the wrapper. */
static void fault_destroy(struct ng_link *l)
{
	struct fault_link *f = to_fault(l);

	ng_frameq_free(&f->txq);
	ng_frameq_free(&f->rxq);
	ng_link_destroy(f->inner);
	free(f);
}

static const struct ng_link_ops fault_ops = {
    .xmit = fault_xmit,
    .recv = fault_recv,
    .poll = fault_poll,
    .deadline = fault_deadline,
    .fd = fault_fd,
    .destroy = fault_destroy,
};

/* Wrap INNER (taken over: destroyed with the wrapper, also on failure) so its frames suffer SPEC,
 * with dice seeded from SEED. The wrapper shows INNER's name, MTU and MAC. 0, -NG_EINVAL for a
 * probability outside 0..1, or -NG_ENOMEM. */
int ng_fault_wrap(struct ng_link *inner, const struct ng_fault_spec *spec, uint64_t seed,
                  struct ng_link **out)
{
	struct fault_link *f;

	if (!inner || !spec || !out || !(spec->loss >= 0 && spec->loss <= 1) ||
	    !(spec->dup >= 0 && spec->dup <= 1) || !(spec->reorder >= 0 && spec->reorder <= 1) ||
	    !(spec->corrupt >= 0 && spec->corrupt <= 1)) {
		ng_link_destroy(inner);
		return -NG_EINVAL;
	}
	/* the wrapper works on wire-sized frames: the link it wraps cuts super-segments */
	inner->rx_whole = false;
	f = calloc(1, sizeof(*f));
	if (!f) {
		ng_link_destroy(inner);
		return -NG_ENOMEM;
	}
	f->inner = inner;
	f->s = *spec;
	ng_rng_seed(&f->rng_tx, seed * 2 + 1);
	ng_rng_seed(&f->rng_rx, seed * 2 + 2);
	f->l.ops = &fault_ops;
	memcpy(f->l.name, inner->name, sizeof(f->l.name));
	f->l.mtu = inner->mtu;
	memcpy(f->l.mac, inner->mac, 6);
	*out = &f->l;
	return 0;
}
