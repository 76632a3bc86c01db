// SPDX-License-Identifier: MIT
/* Unit tests of the capture wrapper: the file read back with libpcap holds every frame sent and
 * received, byte for byte, in order, with the right timestamps. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x22};

struct rec {
	uint64_t ts; /* ns of UNIX time */
	uint32_t len;
	uint8_t data[1600];
};

static void tmp_path(char *buf, size_t len)
{
	int fd;

	snprintf(buf, len, "/tmp/ng_test_pcap_XXXXXX");
	fd = mkstemp(buf);
	assert_true(fd >= 0);
	close(fd);
}

/* Read every record of PATH into RECS (at most MAX); returns the count. */
static size_t read_back(const char *path, struct rec *recs, size_t max)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	size_t n = 0;
	pcap_t *pd = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);

	if (!pd)
		fail_msg("pcap_open_offline: %s", err);
	assert_int_equal(pcap_datalink(pd), DLT_EN10MB);
	assert_true(pcap_snapshot(pd) >= 65535 + 14);
	while (pcap_next_ex(pd, &h, &data) == 1) {
		assert_true(n < max);
		assert_int_equal(h->caplen, h->len);
		assert_true(h->len <= sizeof(recs[n].data));
		recs[n].ts = (uint64_t)h->ts.tv_sec * NG_NS_PER_SEC + (uint64_t)h->ts.tv_usec;
		recs[n].len = h->len;
		memcpy(recs[n].data, data, h->len);
		n++;
	}
	pcap_close(pd);
	return n;
}

static struct ng_pkt *frame(struct ng_pktpool *pool, uint32_t seed, uint32_t len)
{
	struct ng_pkt *p = ng_pkt_alloc(pool);

	assert_non_null(p);
	ng_test_fill(ng_pkt_put(p, len), len, seed);
	return p;
}

/* Sent and received frames are recorded in the order they passed, stamped now + offset, and
 * still reach their destination unchanged. */
static void test_capture_roundtrip(void **state)
{
	const int64_t off = 1700000000 * (int64_t)NG_NS_PER_SEC;
	static struct rec recs[8];
	struct ng_pktpool *pool = ng_pktpool_create(32, 2048);
	struct ng_link *inner = ng_test_link_create(1500, mac), *cap = NULL;
	const char *msg = NULL;
	char path[64];
	uint8_t want[1514];
	struct ng_pkt *p;
	size_t n;
	(void)state;

	tmp_path(path, sizeof(path));
	assert_int_equal(ng_pcap_wrap(inner, path, off, &cap, &msg), 0);
	assert_int_equal(cap->mtu, 1500);
	assert_memory_equal(cap->mac, mac, 6);
	assert_int_equal(ng_link_fd(cap), -1);
	assert_int_equal(ng_link_deadline(cap), UINT64_MAX);

	/* t = 1 s: send a 60-byte frame; t = 1.000000123 s: send a full-size one. */
	assert_int_equal(ng_link_xmit(cap, frame(pool, 1, 60), NG_NS_PER_SEC), 0);
	/* Something is buffered: the wrapper asks to be polled to flush it. */
	assert_int_equal(ng_link_deadline(cap), NG_NS_PER_SEC + 100 * NG_NS_PER_MS);
	assert_int_equal(ng_link_xmit(cap, frame(pool, 2, 1514), NG_NS_PER_SEC + 123), 0);
	/* t = 2.5 s: receive one the peer sent. */
	ng_test_fill(want, 100, 3);
	ng_test_link_inject(inner, pool, want, 100);
	p = ng_link_recv(cap, pool, 2 * NG_NS_PER_SEC + NG_NS_PER_SEC / 2);
	assert_non_null(p);
	assert_memory_equal(ng_pkt_data(p), want, 100);
	ng_pkt_free(p);
	assert_null(ng_link_recv(cap, pool, 3 * NG_NS_PER_SEC));
	/* The frames went on to the inner link unchanged. */
	p = ng_test_link_pop(inner);
	assert_int_equal(p->len, 60);
	ng_pkt_free(p);
	p = ng_test_link_pop(inner);
	assert_int_equal(p->len, 1514);
	ng_test_fill(want, 1514, 2);
	assert_memory_equal(ng_pkt_data(p), want, 1514);
	ng_pkt_free(p);
	assert_int_equal(cap->tx_frames, 2);
	assert_int_equal(cap->rx_frames, 1);

	/* Poll at the flush deadline: the file holds both sent frames now, before destroy. */
	ng_link_poll(cap, NG_NS_PER_SEC + 100 * NG_NS_PER_MS);
	n = read_back(path, recs, 8);
	assert_int_equal(n, 3);
	assert_int_equal(ng_link_deadline(cap), UINT64_MAX);

	ng_link_destroy(cap);
	n = read_back(path, recs, 8);
	assert_int_equal(n, 3);
	assert_int_equal(recs[0].len, 60);
	ng_test_fill(want, 60, 1);
	assert_memory_equal(recs[0].data, want, 60);
	assert_int_equal(recs[0].ts, (uint64_t)off + NG_NS_PER_SEC);
	assert_int_equal(recs[1].len, 1514);
	ng_test_fill(want, 1514, 2);
	assert_memory_equal(recs[1].data, want, 1514);
	assert_int_equal(recs[1].ts, (uint64_t)off + NG_NS_PER_SEC + 123);
	assert_int_equal(recs[2].len, 100);
	ng_test_fill(want, 100, 3);
	assert_memory_equal(recs[2].data, want, 100);
	assert_int_equal(recs[2].ts, (uint64_t)off + 2 * NG_NS_PER_SEC + NG_NS_PER_SEC / 2);

	assert_int_equal(ng_pktpool_destroy(pool), 0);
	unlink(path);
}

/* The file is a classic pcap with the nanosecond magic, readable at microsecond precision too
 * (libpcap converts), so every pcap reader copes. */
static void test_capture_microsecond_reader(void **state)
{
	struct ng_pktpool *pool = ng_pktpool_create(4, 2048);
	struct ng_link *cap = NULL;
	char path[64], err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint32_t magic = 0;
	pcap_t *pd;
	FILE *f;
	(void)state;

	tmp_path(path, sizeof(path));
	assert_int_equal(ng_pcap_wrap(ng_test_link_create(0, mac), path, 0, &cap, NULL), 0);
	assert_int_equal(ng_link_xmit(cap, frame(pool, 5, 64), 7 * NG_NS_PER_SEC + 1234567), 0);
	ng_link_destroy(cap);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(&magic, 4, 1, f), 1);
	fclose(f);
	assert_int_equal(magic, 0xa1b23c4d);
	pd = pcap_open_offline(path, err);
	assert_non_null(pd);
	assert_int_equal(pcap_next_ex(pd, &h, &data), 1);
	assert_int_equal(h->ts.tv_sec, 7);
	assert_int_equal(h->ts.tv_usec, 1234);
	assert_int_equal(h->len, 64);
	assert_int_equal(pcap_next_ex(pd, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(pd);
	assert_int_equal(ng_pktpool_in_use(pool), 0);
	assert_int_equal(ng_pktpool_destroy(pool), 0);
	unlink(path);
}

/* A file that cannot be created: a one-line reason, and the inner link is not leaked (its
 * queued frame returns to the pool). */
static void test_capture_bad_path(void **state)
{
	struct ng_pktpool *pool = ng_pktpool_create(4, 2048);
	struct ng_link *inner = ng_test_link_create(0, mac), *cap = NULL;
	const char *msg = NULL;
	uint8_t b[60] = {0};
	(void)state;

	ng_test_link_inject(inner, pool, b, sizeof(b));
	assert_int_equal(ng_pktpool_in_use(pool), 1);
	assert_true(ng_pcap_wrap(inner, "/nonexistent-dir/x.pcap", 0, &cap, &msg) < 0);
	assert_null(cap);
	assert_non_null(msg);
	assert_null(strchr(msg, '\n'));
	assert_non_null(strstr(msg, "nonexistent-dir"));
	assert_int_equal(ng_pktpool_in_use(pool), 0);
	assert_int_equal(ng_pktpool_destroy(pool), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_capture_roundtrip),
	    cmocka_unit_test(test_capture_microsecond_reader),
	    cmocka_unit_test(test_capture_bad_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
