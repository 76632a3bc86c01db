// SPDX-License-Identifier: MIT
/* NAT flow timeouts on a virtual clock: each class expires exactly when RFC 5382 / 4787 / 5508 /
 * 7857 say (or as configured), activity refreshes, and expiry frees the mapping's port. */
#include <stdio.h>
#include <string.h>

#include "core/core_internal.h"
#include "nat_testutil.h"
#include "wire/wire_internal.h"

#define LAN true
#define WAN false
#define SEC NG_NS_PER_SEC
#define MS  NG_NS_PER_MS

static uint8_t buf[2048], out[2048];

static void state_fn(void *ctx, const struct ng_nat_flow_info *fi)
{
	snprintf(ctx, 32, "%s", fi->state);
}

static const char *first_state(struct ng_test_router *r)
{
	static char st[32];
	st[0] = 0;
	ng_nat_flows(r->nat, state_fn, st);
	return st;
}

static size_t xfer(struct ng_test_router *r, bool from_lan, size_t len)
{
	ng_test_router_input(r, from_lan, buf, len);
	return ng_test_router_output(r, !from_lan, out, sizeof(out));
}

/* Run the clock to just before and exactly at the expiry, T ns after the last activity. */
static void expect_expiry(struct ng_test_router *r, uint64_t t, size_t flows_before)
{
	ng_test_router_advance(r, t - 1 * MS);
	assert_int_equal(ng_test_router_flows(r), flows_before);
	ng_test_router_advance(r, 1 * MS);
	assert_int_equal(ng_test_router_flows(r), flows_before - 1);
}

static void tcp_establish(struct ng_test_router *r, uint16_t port)
{
	assert_int_equal(
	    xfer(r, LAN, ntu_tcp(buf, NTU_H1, port, NTU_SRV, 80, 100, 0, NG_TCP_SYN, NULL, 0)), 40);
	assert_int_equal(xfer(r, WAN,
	                      ntu_tcp(buf, NTU_SRV, 80, NTU_PUB, port, 900, 101,
	                              NG_TCP_SYN | NG_TCP_ACK, NULL, 0)),
	                 40);
	assert_int_equal(
	    xfer(r, LAN, ntu_tcp(buf, NTU_H1, port, NTU_SRV, 80, 101, 901, NG_TCP_ACK, NULL, 0)),
	    40);
}

static char log_lines[8][160];
static int n_log;

static void log_fn(void *ctx, const char *line)
{
	(void)ctx;
	if (n_log < 8)
		snprintf(log_lines[n_log++], sizeof(log_lines[0]), "%s", line);
}

static void test_udp_300s_and_refresh(void **state)
{
	struct ng_test_router r;
	struct ng_nat_config c;

	(void)state;
	ng_nat_config_default(&c);
	c.log_flows = true;
	c.log_fn = log_fn;
	n_log = 0;
	ng_test_router_create(&r, &c, 21);
	assert_int_equal(xfer(&r, LAN, ntu_udp(buf, NTU_H1, 5000, NTU_SRV, 53, "q", 1, true)), 29);
	/* activity at 200 s (an inbound reply) pushes expiry to 500 s */
	ng_test_router_advance(&r, 200 * SEC);
	assert_int_equal(xfer(&r, WAN, ntu_udp(buf, NTU_SRV, 53, NTU_PUB, 5000, "a", 1, true)), 29);
	expect_expiry(&r, 300 * SEC, 1);
	assert_int_equal(ng_stack_stats(r.st)->counters[NG_CNT_NAT_FLOWS_EXPIRED], 1);
	/* --log-flows: one line when the flow was made, one when it expired */
	assert_int_equal(n_log, 2);
	assert_string_equal(
	    log_lines[0],
	    "new udp out 192.168.1.10:5000 203.0.113.2:5000 198.51.100.5:53 UNREPLIED");
	assert_string_equal(
	    log_lines[1],
	    "expire udp out 192.168.1.10:5000 203.0.113.2:5000 198.51.100.5:53 REPLIED");
	/* the mapping is gone: inbound is no longer translated */
	assert_int_equal(xfer(&r, WAN, ntu_udp(buf, NTU_SRV, 53, NTU_PUB, 5000, "b", 1, true)), 0);
	ng_test_router_destroy(&r);
}

static void test_icmp_60s(void **state)
{
	struct ng_test_router r;

	(void)state;
	ng_test_router_create(&r, NULL, 22);
	assert_int_equal(
	    xfer(&r, LAN, ntu_icmp_echo(buf, NTU_H1, NTU_SRV, NG_ICMP_ECHO_REQUEST, 5, 1)), 36);
	expect_expiry(&r, 60 * SEC, 1);
	ng_test_router_destroy(&r);
}

static void test_tcp_established_7440s(void **state)
{
	struct ng_test_router r;

	(void)state;
	ng_test_router_create(&r, NULL, 23);
	tcp_establish(&r, 40000);
	expect_expiry(&r, 7440 * SEC, 1);
	ng_test_router_destroy(&r);
}

static void test_tcp_transitory_240s(void **state)
{
	struct ng_test_router r;

	(void)state;
	ng_test_router_create(&r, NULL, 24);
	/* a SYN nobody answers */
	assert_int_equal(
	    xfer(&r, LAN, ntu_tcp(buf, NTU_H1, 40001, NTU_SRV, 80, 1, 0, NG_TCP_SYN, NULL, 0)), 40);
	expect_expiry(&r, 240 * SEC, 1);
	ng_test_router_destroy(&r);
}

static void test_tcp_after_rst_and_fin(void **state)
{
	struct ng_test_router r;

	(void)state;
	ng_test_router_create(&r, NULL, 25);
	tcp_establish(&r, 40002);
	ng_test_router_advance(&r, 1000 * SEC);
	/* an out-of-window RST moves nothing: still the long timeout from the last real activity */
	assert_int_equal(
	    xfer(&r, WAN,
	         ntu_tcp(buf, NTU_SRV, 80, NTU_PUB, 40002, 900 + 5000000, 0, NG_TCP_RST, NULL, 0)),
	    40);
	assert_int_equal(ng_test_router_flows(&r), 1);
	assert_string_equal(first_state(&r), "ESTABLISHED");
	/* a valid RST: 240 s more */
	assert_int_equal(
	    xfer(&r, WAN, ntu_tcp(buf, NTU_SRV, 80, NTU_PUB, 40002, 901, 0, NG_TCP_RST, NULL, 0)),
	    40);
	assert_string_equal(first_state(&r), "CLOSE");
	expect_expiry(&r, 240 * SEC, 1);

	/* FIN both ways: transitory 240 s after the last ACK */
	tcp_establish(&r, 40003);
	assert_int_equal(xfer(&r, LAN,
	                      ntu_tcp(buf, NTU_H1, 40003, NTU_SRV, 80, 101, 901,
	                              NG_TCP_FIN | NG_TCP_ACK, NULL, 0)),
	                 40);
	assert_int_equal(xfer(&r, WAN,
	                      ntu_tcp(buf, NTU_SRV, 80, NTU_PUB, 40003, 901, 102,
	                              NG_TCP_FIN | NG_TCP_ACK, NULL, 0)),
	                 40);
	assert_int_equal(
	    xfer(&r, LAN, ntu_tcp(buf, NTU_H1, 40003, NTU_SRV, 80, 102, 902, NG_TCP_ACK, NULL, 0)),
	    40);
	expect_expiry(&r, 240 * SEC, 1);
	ng_test_router_destroy(&r);
}

static void test_configured_timeouts(void **state)
{
	struct ng_test_router r;
	struct ng_nat_config c;

	(void)state;
	ng_nat_config_default(&c);
	assert_int_equal(ng_nat_parse_timeouts("udp=120,icmp=61,tcp-established=9000", &c), 0);
	ng_test_router_create(&r, &c, 26);
	assert_int_equal(xfer(&r, LAN, ntu_udp(buf, NTU_H1, 5000, NTU_SRV, 53, "q", 1, true)), 29);
	assert_int_equal(
	    xfer(&r, LAN, ntu_icmp_echo(buf, NTU_H1, NTU_SRV, NG_ICMP_ECHO_REQUEST, 5, 1)), 36);
	tcp_establish(&r, 40004);
	expect_expiry(&r, 61 * SEC, 3);
	expect_expiry(&r, 59 * SEC, 2);
	expect_expiry(&r, (9000 - 120) * SEC, 1);
	ng_test_router_destroy(&r);
}

/* Many flows, staggered: each expires at its own time, and the table empties completely. */
static void test_many_flows_expire_in_order(void **state)
{
	struct ng_test_router r;
	struct ng_nat_config c;
	struct ng_nat_stats s;
	unsigned i;

	(void)state;
	ng_nat_config_default(&c);
	c.max_flows = 1000;
	ng_test_router_create(&r, &c, 27);
	for (i = 0; i < 1000; i++) {
		assert_int_equal(
		    xfer(&r, LAN,
		         ntu_udp(buf, NTU_H1, (uint16_t)(2000 + i), NTU_SRV, 53, "q", 1, true)),
		    29);
		ng_test_router_advance(&r, 100 * MS);
	}
	ng_nat_get_stats(r.nat, &s);
	assert_int_equal(s.flows, 1000);
	assert_int_equal(s.mappings, 1000);
	printf("# table memory: %zu bytes per flow\n", s.bytes_per_flow);
	/* the first was made 100 s ago: it has 200 s left */
	ng_test_router_advance(&r, 200 * SEC - 1 * MS);
	assert_int_equal(ng_test_router_flows(&r), 1000);
	ng_test_router_advance(&r, 1 * MS);
	assert_int_equal(ng_test_router_flows(&r), 999);
	ng_test_router_advance(&r, 50 * SEC);
	assert_int_equal(ng_test_router_flows(&r), 499);
	ng_test_router_advance(&r, 50 * SEC);
	assert_int_equal(ng_test_router_flows(&r), 0);
	ng_nat_get_stats(r.nat, &s);
	assert_int_equal(s.mappings, 0);
	assert_int_equal(ng_stack_deadline(r.st) == UINT64_MAX || ng_stack_deadline(r.st) > r.now,
	                 1);
	ng_test_router_destroy(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_udp_300s_and_refresh),
	    cmocka_unit_test(test_icmp_60s),
	    cmocka_unit_test(test_tcp_established_7440s),
	    cmocka_unit_test(test_tcp_transitory_240s),
	    cmocka_unit_test(test_tcp_after_rst_and_fin),
	    cmocka_unit_test(test_configured_timeouts),
	    cmocka_unit_test(test_many_flows_expire_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
