// SPDX-License-Identifier: MIT
/*
 * TSO and checksum offload through whole stacks on the simulated wire: the sender's link
 * advertises NG_LINK_TX_CSUM | NG_LINK_TX_TSO4 and does what the kernel behind a TAP does (cuts
 * each super-segment into gso_size segments with their own IP and TCP headers, FIN and PSH on the
 * last, and finishes every partial checksum) before the frames meet the wire's loss, reordering
 * and delay. A 2 MiB transfer must arrive byte-exact under loss with SACK, and without SACK;
 * super-segments must have been sent, and never as a retransmission (those stay MSS-sized).
 * Without loss most bytes must go in super-segments. NG_SIM_SEEDS overrides the number of seeds
 * (default 12).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "xfer.h"
#include "core/core_internal.h"
#include "natgate/tcp.h"
#include "stack_internal.h"

#define PORT  5003
#define SIZE  (2u << 20)
#define SEEDS 12

/* ---- the offloading link: wraps one end of the wire ---- */
struct tso_link {
	struct ng_link l; /* first: the stack sees this */
	struct ng_link *in;
	uint64_t supers, super_bytes, rexmit_supers, partial, bad;
	uint32_t max_end; /* highest sequence number sent so far (+1) */
	bool seen;
};

static struct tso_link *to_tso(struct ng_link *l)
{
	return (struct tso_link *)l;
}

/* Finish the TCP checksum of the frame at D (LEN bytes, IP header at 14, TCP after it): the
 * field holds the pseudo-header sum, so summing the segment with it gives the checksum. */
static void finish(uint8_t *d, uint32_t len)
{
	uint32_t ihl = (uint32_t)(d[14] & 0x0f) * 4;
	uint8_t *th = d + 14 + ihl;

	ng_put16(th + 16, ng_csum(th, len - 14 - ihl));
}

/* Cut or finish P as the kernel would, then hand the frames to the wire. */
static int tso_xmit(struct ng_link *l, struct ng_pkt *p, uint64_t now)
{
	struct tso_link *w = to_tso(l);
	uint8_t *d = ng_pkt_data(p), *ip = d + 14, *th;
	uint32_t ihl, thl, hdrs, pay, seq, gso = p->gso_size;
	int rc = 0;

	if (!(p->flags & NG_PKT_F_CSUM_PARTIAL) && !gso)
		return ng_link_xmit(w->in, p, now);
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	th = ip + ihl;
	if (p->len < 14 + 40 || ip[9] != NG_IP_PROTO_TCP || !(p->flags & NG_PKT_F_CSUM_PARTIAL)) {
		w->bad++; /* only TCP with a partial checksum is ever flagged by our sender */
		ng_pkt_free(p);
		return -NG_EINVAL;
	}
	thl = (uint32_t)(th[12] >> 4) * 4;
	hdrs = 14 + ihl + thl;
	pay = p->len - hdrs;
	seq = ng_get32(th + 4);
	w->partial++;
	if (pay && (!w->seen || (int32_t)(seq + pay - w->max_end) > 0)) {
		w->max_end = seq + pay;
		w->seen = true;
	} else if (gso && pay > gso) {
		w->rexmit_supers++;
	}
	if (!gso || pay <= gso) {
		finish(d, p->len);
		p->flags = 0;
		return ng_link_xmit(w->in, p, now);
	}
	w->supers++;
	w->super_bytes += pay;
	for (uint32_t off = 0; off < pay; off += gso) {
		uint32_t n = pay - off < gso ? pay - off : gso;
		struct ng_pkt *q = ng_pkt_alloc(p->pool);
		uint8_t *b, *qip, *qth;

		if (!q) {
			rc = -NG_ENOBUFS;
			break;
		}
		b = ng_pkt_put(q, hdrs + n);
		memcpy(b, d, hdrs);
		memcpy(b + hdrs, d + hdrs + off, n);
		qip = b + 14;
		qth = qip + ihl;
		ng_put16(qip + 2, (uint16_t)(ihl + thl + n));
		ng_put16(qip + 4, (uint16_t)(ng_get16(ip + 4) + off / gso));
		ng_put16(qip + 10, 0);
		ng_put16(qip + 10, ng_csum(qip, ihl));
		ng_put32(qth + 4, seq + off);
		if (off + n < pay)
			qth[13] &= (uint8_t) ~(NG_TCP_FIN | NG_TCP_PSH);
		ng_put16(qth + 16,
		         ng_csum_fold(ng_csum_pseudo(ng_get32(qip + 12), ng_get32(qip + 16),
		                                     NG_IP_PROTO_TCP, (uint16_t)(thl + n))));
		finish(b, hdrs + n);
		rc = ng_link_xmit(w->in, q, now);
	}
	ng_pkt_free(p);
	return rc;
}

static struct ng_pkt *tso_recv(struct ng_link *l, struct ng_pktpool *pool, uint64_t now)
{
	return ng_link_recv(to_tso(l)->in, pool, now);
}
static void tso_poll(struct ng_link *l, uint64_t now)
{
	ng_link_poll(to_tso(l)->in, now);
}
static uint64_t tso_deadline(const struct ng_link *l)
{
	return ng_link_deadline(((const struct tso_link *)l)->in);
}
static void tso_destroy(struct ng_link *l)
{
	ng_link_destroy(to_tso(l)->in);
	free(l);
}

static const struct ng_link_ops tso_ops = {
    .xmit = tso_xmit,
    .recv = tso_recv,
    .poll = tso_poll,
    .deadline = tso_deadline,
    .destroy = tso_destroy,
};

/* ---- the transfer ---- */
/* Two stacks as ng_test_pair_create makes them, A's end of the wire behind the offloading
 * link. */
static struct tso_link *pair_create(struct ng_test_pair *tp, const struct ng_sim_config *w,
                                    uint64_t seed)
{
	struct tso_link *t = calloc(1, sizeof(*t));
	struct ng_link *inner;

	assert_non_null(t);
	memset(tp, 0, sizeof(*tp));
	assert_int_equal(ng_sim_wire_create(w, &inner, &tp->lb), 0);
	t->in = inner;
	t->l.ops = &tso_ops;
	snprintf(t->l.name, sizeof(t->l.name), "tso");
	t->l.mtu = inner->mtu;
	memcpy(t->l.mac, inner->mac, 6);
	t->l.tx_offload = NG_LINK_TX_CSUM | NG_LINK_TX_TSO4;
	tp->la = &t->l;
	ng_test_pair_start(tp, seed);
	return t;
}

/* One transfer A -> B under SEED with loss LOSS (and some reordering), SACK on or off. Checks
 * the bytes and the offload figures; returns the bytes that went in super-segments. */
static uint64_t run(uint64_t seed, double loss, bool sack, const uint8_t *data)
{
	struct ng_test_pair tp;
	struct ng_sim_config w;
	struct ng_tcp_sockopts so;
	struct ng_tcp_info ia;
	struct tso_link *t;
	struct ng_test_xfer x;
	bool ok;
	uint64_t super_bytes;

	ng_sim_config_default(&w);
	w.seed = seed;
	w.loss = loss;
	w.reorder = loss / 2;
	w.delay_ns = 5 * NG_NS_PER_MS;
	w.queue_limit = 4096;
	memset(&so, 0, sizeof(so));
	so.no_sack = !sack;
	t = pair_create(&tp, &w, seed);
	ng_test_xfer_start(&x, tp.a, tp.b, NG_IP4(10, 0, 0, 2), PORT, &so, data, SIZE);
	ok = ng_test_pair_run(&tp, ng_test_xfer_done, &x, 600 * NG_NS_PER_SEC);
	ng_tcp_get_info(x.a, &ia);
	printf("seed %llu loss %.0f%% sack %d: %s, %llu super-segments (%llu bytes), %u "
	       "retransmissions, %.2f s\n",
	       (unsigned long long)seed, loss * 100, sack, ok && !x.bad ? "intact" : "FAILED",
	       (unsigned long long)t->supers, (unsigned long long)t->super_bytes, ia.retransmits,
	       (double)(tp.now - 1000 * NG_NS_PER_SEC) / 1e9);
	assert_true(ok);
	assert_false(x.bad);
	assert_false(x.err);
	assert_int_equal(x.got, SIZE);
	assert_int_equal(t->bad, 0);
	assert_true(t->partial > 0); /* every segment of A went with a partial checksum */
	assert_true(t->supers > 0);
	assert_int_equal(t->rexmit_supers, 0);
	if (loss > 0) /* the loss paths ran: retransmissions, all of them MSS-sized */
		assert_true(ia.retransmits > 0);
	super_bytes = t->super_bytes;
	ng_test_xfer_end(&x);
	ng_test_pair_destroy(&tp);
	return super_bytes;
}

static void test_tso_lossless(void **state)
{
	uint8_t *data = malloc(SIZE);
	(void)state;

	assert_non_null(data);
	ng_test_fill(data, SIZE, 7);
	/* slow start's first windows aside, nearly everything goes in super-segments */
	assert_true(run(1, 0, true, data) >= SIZE / 10 * 9);
	free(data);
}

static void test_tso_lossy(void **state)
{
	uint64_t seeds = SEEDS;
	uint8_t *data = malloc(SIZE);
	(void)state;

	if (getenv("NG_SIM_SEEDS"))
		seeds = strtoull(getenv("NG_SIM_SEEDS"), NULL, 0);
	assert_non_null(data);
	ng_test_fill(data, SIZE, 8);
	for (uint64_t seed = 1; seed <= seeds; seed++) {
		run(seed, 0.02, true, data);
		run(seed, 0.02, false, data);
	}
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tso_lossless),
	    cmocka_unit_test(test_tso_lossy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
