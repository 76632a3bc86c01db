// SPDX-License-Identifier: MIT
/* Capture wrapper: every frame a link sends or receives is written to a pcap file via libpcap.
 *
 * The file is a classic pcap file of link type Ethernet with nanosecond timestamps (the format
 * tcpdump -j ... --time-stamp-precision=nano writes; tshark, Wireshark and libpcap read it). The
 * time written is the caller's clock plus a fixed offset, so on a real link it is UNIX time and
 * on the simulated wire it is whatever the test's virtual clock says. libpcap buffers through
 * stdio; the wrapper flushes at most 100 ms after a frame was written (its deadline makes the
 * loop wake for that) and on destroy, so a capture read while the program runs is at most that
 * far behind.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link/link_internal.h"

#define PCAP_FLUSH_NS (100 * NG_NS_PER_MS)

struct pcap_link {
	struct ng_link l;
	struct ng_link *inner;
	pcap_t *pd;
	pcap_dumper_t *dump;
	int64_t wall_offset;
	uint64_t flush_at; /* UINT64_MAX when nothing is waiting in the stdio buffer */
};

static struct pcap_link *to_pcap(const struct ng_link *l)
{
	return ng_container_of(l, struct pcap_link, l);
}

/* Append P to the file, stamped NOW + the wall offset. */
static void record(struct pcap_link *c, const struct ng_pkt *p, uint64_t now)
{
	struct pcap_pkthdr h;
	int64_t t = (int64_t)now + c->wall_offset;

	if (t < 0)
		t = 0;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(t / (int64_t)NG_NS_PER_SEC);
	h.ts.tv_usec = (suseconds_t)(t % (int64_t)NG_NS_PER_SEC); /* ns: the file is nano */
	h.caplen = h.len = p->len;
	pcap_dump((u_char *)c->dump, &h, ng_pkt_data(p));
	if (c->flush_at == UINT64_MAX) {
		c->flush_at = now + PCAP_FLUSH_NS;
	} else if (now >= c->flush_at) {
		pcap_dump_flush(c->dump);
		c->flush_at = UINT64_MAX;
	}
}

/* Record P as sent, then pass it on; the inner link's result is returned. Consumes P. */
static int pcap_xmit(struct ng_link *l, struct ng_pkt *p, uint64_t now)
{
	struct pcap_link *c = to_pcap(l);
	int rc;

	l->tx_frames++;
	l->tx_bytes += p->len;
	record(c, p, now);
	rc = ng_link_xmit(c->inner, p, now);
	if (rc)
		l->tx_errors++;
	return rc;
}

/* A frame from the inner link, recorded as received. */
static struct ng_pkt *pcap_recv(struct ng_link *l, struct ng_pktpool *pool, uint64_t now)
{
	struct pcap_link *c = to_pcap(l);
	struct ng_pkt *p = ng_link_recv(c->inner, pool, now);

	if (p) {
		l->rx_frames++;
		l->rx_bytes += p->len;
		record(c, p, now);
	}
	return p;
}

/* Flush the file when the oldest unflushed frame is PCAP_FLUSH_NS old; run the inner link. */
static void pcap_poll(struct ng_link *l, uint64_t now)
{
	struct pcap_link *c = to_pcap(l);

	if (now >= c->flush_at) {
		pcap_dump_flush(c->dump);
		c->flush_at = UINT64_MAX;
	}
	ng_link_poll(c->inner, now);
}

static uint64_t pcap_deadline(const struct ng_link *l)
{
	const struct pcap_link *c = to_pcap(l);
	return NG_MIN(c->flush_at, ng_link_deadline(c->inner));
}

static int pcap_fd(const struct ng_link *l)
{
	return ng_link_fd(to_pcap(l)->inner);
}

/* Flush and close the file, then destroy the inner link. */
static void pcap_destroy(struct ng_link *l)
{
	struct pcap_link *c = to_pcap(l);

	pcap_dump_flush(c->dump);
	pcap_dump_close(c->dump);
	pcap_close(c->pd);
	ng_link_destroy(c->inner);
	free(c);
}

static const struct ng_link_ops pcap_ops = {
    .xmit = pcap_xmit,
    .recv = pcap_recv,
    .poll = pcap_poll,
    .deadline = pcap_deadline,
    .fd = pcap_fd,
    .destroy = pcap_destroy,
};

/* Wrap INNER (taken over: destroyed with the wrapper, and at once if this fails) so that every
 * frame is written to PATH ("-" is standard output), created or truncated. The wrapper shows
 * INNER's name, MTU and MAC. 0, or -NG_ENOMEM / -NG_EINVAL with a one-line reason in *ERRMSG
 * (static storage). */
int ng_pcap_wrap(struct ng_link *inner, const char *path, int64_t wall_offset_ns,
                 struct ng_link **out, const char **errmsg)
{
	static char errbuf[PCAP_ERRBUF_SIZE + 64];
	struct pcap_link *c;

	if (!inner || !path || !*path || !out) {
		ng_link_destroy(inner);
		if (errmsg)
			*errmsg = "pcap: no file name";
		return -NG_EINVAL;
	}
	/* the wrapper works on wire-sized frames: the link it wraps cuts super-segments */
	inner->rx_whole = false;
	c = calloc(1, sizeof(*c));
	if (!c) {
		ng_link_destroy(inner);
		if (errmsg)
			*errmsg = "pcap: out of memory";
		return -NG_ENOMEM;
	}
	/* Snap length: the largest frame any link carries (IP MTU 65535 + Ethernet header). */
	c->pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535 + 14,
	                                             PCAP_TSTAMP_PRECISION_NANO);
	if (!c->pd) {
		ng_link_destroy(inner);
		free(c);
		if (errmsg)
			*errmsg = "pcap: out of memory";
		return -NG_ENOMEM;
	}
	c->dump = pcap_dump_open(c->pd, path);
	if (!c->dump) {
		snprintf(errbuf, sizeof(errbuf), "pcap: %s", pcap_geterr(c->pd));
		if (errmsg)
			*errmsg = errbuf;
		pcap_close(c->pd);
		ng_link_destroy(inner);
		free(c);
		return -NG_EINVAL;
	}
	c->inner = inner;
	c->wall_offset = wall_offset_ns;
	c->flush_at = UINT64_MAX;
	c->l.ops = &pcap_ops;
	memcpy(c->l.name, inner->name, sizeof(c->l.name));
	c->l.mtu = inner->mtu;
	memcpy(c->l.mac, inner->mac, 6);
	*out = &c->l;
	return 0;
}
