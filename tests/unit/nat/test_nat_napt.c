// SPDX-License-Identifier: MIT
/* NAPT unit tests: hand-built datagrams through a router stack, exact translated headers and
 * checksums recomputed from scratch. */
#include <stdio.h>
#include <string.h>

#include "nat_testutil.h"
#include "core/core_internal.h"
#include "wire/wire_internal.h"
#include "nat/nat_internal.h"

#define LAN true
#define WAN false

static uint8_t buf[2048], out[2048];

struct state_probe {
	char state[32];
	uint16_t out_port;
	size_t n;
};

static void probe_fn(void *ctx, const struct ng_nat_flow_info *fi)
{
	struct state_probe *p = ctx;
	snprintf(p->state, sizeof(p->state), "%s", fi->state);
	p->out_port = fi->out_port;
	p->n++;
}

/* The state of the only flow in the table. */
static const char *only_state(struct ng_test_router *r)
{
	static struct state_probe p;
	memset(&p, 0, sizeof(p));
	ng_nat_flows(r->nat, probe_fn, &p);
	assert_int_equal(p.n, 1);
	return p.state;
}

static size_t send_recv(struct ng_test_router *r, bool from_lan, size_t len)
{
	ng_test_router_input(r, from_lan, buf, len);
	return ng_test_router_output(r, !from_lan, out, sizeof(out));
}

static void test_outbound_tcp_handshake(void **state)
{
	struct ng_test_router r;
	size_t n;

	(void)state;
	ng_test_router_create(&r, NULL, 1);
	n = send_recv(&r, LAN,
	              ntu_tcp(buf, NTU_H1, 40000, NTU_SRV, 80, 1000, 0, NG_TCP_SYN, NULL, 0));
	assert_int_equal(n, 40);
	ntu_check_csums(out, n);
	assert_int_equal(ntu_src(out), NTU_PUB);
	assert_int_equal(ntu_sport(out), 40000); /* port preservation */
	assert_int_equal(ntu_dst(out), NTU_SRV);
	assert_int_equal(ntu_dport(out), 80);
	assert_int_equal(out[8], 63); /* TTL decremented */
	assert_int_equal(ng_get32(out + 24), 1000);
	assert_string_equal(only_state(&r), "SYN_SENT");

	n = send_recv(&r, WAN,
	              ntu_tcp(buf, NTU_SRV, 80, NTU_PUB, 40000, 5000, 1001, NG_TCP_SYN | NG_TCP_ACK,
	                      NULL, 0));
	assert_int_equal(n, 40);
	ntu_check_csums(out, n);
	assert_int_equal(ntu_src(out), NTU_SRV);
	assert_int_equal(ntu_dst(out), NTU_H1);
	assert_int_equal(ntu_dport(out), 40000);

	n = send_recv(&r, LAN,
	              ntu_tcp(buf, NTU_H1, 40000, NTU_SRV, 80, 1001, 5001, NG_TCP_ACK, "hello", 5));
	assert_int_equal(n, 45);
	ntu_check_csums(out, n);
	assert_memory_equal(out + 40, "hello", 5);
	assert_string_equal(only_state(&r), "ESTABLISHED");
	assert_int_equal(ng_stack_stats(r.st)->counters[NG_CNT_NAT_TRANSLATED_OUT], 2);
	assert_int_equal(ng_stack_stats(r.st)->counters[NG_CNT_NAT_TRANSLATED_IN], 1);

	/* an ACK without a flow (another port) never creates one */
	ng_test_router_input(&r, LAN, buf,
	                     ntu_tcp(buf, NTU_H1, 40001, NTU_SRV, 80, 1, 1, NG_TCP_ACK, NULL, 0));
	assert_int_equal(ng_test_router_output(&r, WAN, out, sizeof(out)), 0);
	assert_int_equal(ng_test_router_drops(&r, NG_DROP_NAT_NO_FLOW), 1);
	assert_int_equal(ng_test_router_flows(&r), 1);
	ng_test_router_destroy(&r);
}

/* After a connection closed, a new SYN on the same ports starts a fresh track in the same flow
 * (the client reused its port), in either direction. */
static void test_tcp_port_reuse_after_close(void **state)
{
	struct ng_test_router r;

	(void)state;
	ng_test_router_create(&r, NULL, 13);
	send_recv(&r, LAN, ntu_tcp(buf, NTU_H1, 40000, NTU_SRV, 80, 1000, 0, NG_TCP_SYN, NULL, 0));
	send_recv(&r, WAN,
	          ntu_tcp(buf, NTU_SRV, 80, NTU_PUB, 40000, 5000, 1001, NG_TCP_SYN | NG_TCP_ACK,
	                  NULL, 0));
	send_recv(&r, LAN,
	          ntu_tcp(buf, NTU_H1, 40000, NTU_SRV, 80, 1001, 5001, NG_TCP_ACK, NULL, 0));
	assert_string_equal(only_state(&r), "ESTABLISHED");
	/* the server resets it */
	assert_int_equal(
	    send_recv(&r, WAN,
	              ntu_tcp(buf, NTU_SRV, 80, NTU_PUB, 40000, 5001, 0, NG_TCP_RST, NULL, 0)),
	    40);
	assert_string_equal(only_state(&r), "CLOSE");
	/* the client comes back from the same port with a new ISN */
	assert_int_equal(
	    send_recv(&r, LAN,
	              ntu_tcp(buf, NTU_H1, 40000, NTU_SRV, 80, 90000, 0, NG_TCP_SYN, NULL, 0)),
	    40);
	assert_string_equal(only_state(&r), "SYN_SENT");
	assert_int_equal(send_recv(&r, WAN,
	                           ntu_tcp(buf, NTU_SRV, 80, NTU_PUB, 40000, 77000, 90001,
	                                   NG_TCP_SYN | NG_TCP_ACK, NULL, 0)),
	                 40);
	assert_int_equal(
	    send_recv(&r, LAN,
	              ntu_tcp(buf, NTU_H1, 40000, NTU_SRV, 80, 90001, 77001, NG_TCP_ACK, NULL, 0)),
	    40);
	assert_string_equal(only_state(&r), "ESTABLISHED");
	ng_test_router_destroy(&r);
}

/* A client that lost its connection comes back from the same port while the NAT still holds the
 * old one as established: its SYN is passed without effect, the server's challenge ACK draws
 * the client's RST, which ends the old connection in the tracker, and the retransmitted SYN
 * then opens the new one (RFC 5961 recovery through the NAT). */
static void test_tcp_stale_flow_recovers(void **state)
{
	struct ng_test_router r;
	struct ng_nat_stats s;

	(void)state;
	ng_test_router_create(&r, NULL, 15);
	send_recv(&r, LAN, ntu_tcp(buf, NTU_H1, 40000, NTU_SRV, 80, 1000, 0, NG_TCP_SYN, NULL, 0));
	send_recv(&r, WAN,
	          ntu_tcp(buf, NTU_SRV, 80, NTU_PUB, 40000, 5000, 1001, NG_TCP_SYN | NG_TCP_ACK,
	                  NULL, 0));
	send_recv(&r, LAN,
	          ntu_tcp(buf, NTU_H1, 40000, NTU_SRV, 80, 1001, 5001, NG_TCP_ACK, "x", 1));
	assert_string_equal(only_state(&r), "ESTABLISHED");
	/* the client rebooted: a new SYN from the same port */
	assert_int_equal(
	    send_recv(&r, LAN,
	              ntu_tcp(buf, NTU_H1, 40000, NTU_SRV, 80, 900000, 0, NG_TCP_SYN, NULL, 0)),
	    40);
	assert_int_equal(ntu_sport(out), 40000);
	assert_string_equal(only_state(&r), "ESTABLISHED");
	ng_nat_get_stats(r.nat, &s);
	assert_int_equal(s.untracked, 1);
	/* the server's challenge ACK, and the client's RST for it */
	assert_int_equal(
	    send_recv(&r, WAN,
	              ntu_tcp(buf, NTU_SRV, 80, NTU_PUB, 40000, 5001, 1002, NG_TCP_ACK, NULL, 0)),
	    40);
	assert_int_equal(
	    send_recv(&r, LAN,
	              ntu_tcp(buf, NTU_H1, 40000, NTU_SRV, 80, 1002, 0, NG_TCP_RST, NULL, 0)),
	    40);
	assert_string_equal(only_state(&r), "CLOSE");
	/* the SYN again: a fresh connection */
	assert_int_equal(
	    send_recv(&r, LAN,
	              ntu_tcp(buf, NTU_H1, 40000, NTU_SRV, 80, 900000, 0, NG_TCP_SYN, NULL, 0)),
	    40);
	assert_string_equal(only_state(&r), "SYN_SENT");
	ng_test_router_destroy(&r);
}

static void test_udp_ports_eim_and_zero_csum(void **state)
{
	struct ng_test_router r;
	uint16_t p2;
	size_t n;

	(void)state;
	ng_test_router_create(&r, NULL, 2);
	n = send_recv(&r, LAN, ntu_udp(buf, NTU_H1, 5000, NTU_SRV, 53, "q1", 2, true));
	assert_int_equal(n, 30);
	ntu_check_csums(out, n);
	assert_int_equal(ntu_src(out), NTU_PUB);
	assert_int_equal(ntu_sport(out), 5000);

	/* the same inside port from another host: a different, random port (no overloading) */
	n = send_recv(&r, LAN, ntu_udp(buf, NTU_H2, 5000, NTU_SRV, 53, "q2", 2, true));
	assert_int_equal(n, 30);
	ntu_check_csums(out, n);
	p2 = ntu_sport(out);
	assert_int_not_equal(p2, 5000);
	assert_true(p2 >= 1024);

	/* endpoint-independent mapping: same public port towards another server */
	n = send_recv(&r, LAN, ntu_udp(buf, NTU_H1, 5000, NTU_SRV2, 53, "q3", 2, true));
	assert_int_equal(ntu_sport(out), 5000);
	n = send_recv(&r, LAN, ntu_udp(buf, NTU_H2, 5000, NTU_SRV2, 53, "q4", 2, true));
	assert_int_equal(ntu_sport(out), p2);

	/* replies reach the right host */
	n = send_recv(&r, WAN, ntu_udp(buf, NTU_SRV2, 53, NTU_PUB, p2, "a4", 2, true));
	assert_int_equal(n, 30);
	ntu_check_csums(out, n);
	assert_int_equal(ntu_dst(out), NTU_H2);
	assert_int_equal(ntu_dport(out), 5000);
	n = send_recv(&r, WAN, ntu_udp(buf, NTU_SRV, 53, NTU_PUB, 5000, "a1", 2, true));
	assert_int_equal(ntu_dst(out), NTU_H1);

	/* a UDP checksum of 0 (none) stays 0 */
	n = send_recv(&r, LAN, ntu_udp(buf, NTU_H1, 6000, NTU_SRV, 53, "z", 1, false));
	assert_int_equal(n, 29);
	assert_int_equal(ng_get16(out + 26), 0);
	ntu_check_csums(out, n);
	assert_int_equal(ng_test_router_flows(&r), 5);
	ng_test_router_destroy(&r);
}

static void filter_case(enum ng_nat_filter f, bool same_addr_ok, bool other_addr_ok)
{
	struct ng_test_router r;
	struct ng_nat_config c;
	size_t n;

	ng_nat_config_default(&c);
	c.filter = f;
	ng_test_router_create(&r, &c, 3);
	n = send_recv(&r, LAN, ntu_udp(buf, NTU_H1, 5000, NTU_SRV, 53, "q", 1, true));
	assert_int_equal(n, 29);
	/* the same server address from another port */
	n = send_recv(&r, WAN, ntu_udp(buf, NTU_SRV, 999, NTU_PUB, 5000, "x", 1, true));
	assert_int_equal(n != 0, same_addr_ok);
	if (n) {
		ntu_check_csums(out, n);
		assert_int_equal(ntu_dst(out), NTU_H1);
		assert_int_equal(ntu_src(out), NTU_SRV);
		assert_int_equal(ntu_sport(out), 999);
	}
	/* an unrelated address */
	n = send_recv(&r, WAN, ntu_udp(buf, NTU_SRV2, 53, NTU_PUB, 5000, "y", 1, true));
	assert_int_equal(n != 0, other_addr_ok);
	assert_int_equal(ng_test_router_drops(&r, NG_DROP_NAT_FILTERED),
	                 (uint64_t)!same_addr_ok + !other_addr_ok);
	ng_test_router_destroy(&r);
}

static void test_filtering_modes(void **state)
{
	(void)state;
	filter_case(NG_NAT_FILTER_ENDPOINT, true, true);
	filter_case(NG_NAT_FILTER_ADDRESS, true, false);
	filter_case(NG_NAT_FILTER_ADDRESS_PORT, false, false);
}

static void test_icmp_echo(void **state)
{
	struct ng_test_router r;
	size_t n;

	(void)state;
	ng_test_router_create(&r, NULL, 4);
	n = send_recv(&r, LAN, ntu_icmp_echo(buf, NTU_H1, NTU_SRV, NG_ICMP_ECHO_REQUEST, 77, 1));
	assert_int_equal(n, 36);
	ntu_check_csums(out, n);
	assert_int_equal(ntu_src(out), NTU_PUB);
	assert_int_equal(ntu_sport(out), 77);
	n = send_recv(&r, WAN, ntu_icmp_echo(buf, NTU_SRV, NTU_PUB, NG_ICMP_ECHO_REPLY, 77, 1));
	assert_int_equal(n, 36);
	ntu_check_csums(out, n);
	assert_int_equal(ntu_dst(out), NTU_H1);
	assert_int_equal(ntu_sport(out), 77);
	/* another host's echo with the same identifier gets another one */
	n = send_recv(&r, LAN, ntu_icmp_echo(buf, NTU_H2, NTU_SRV, NG_ICMP_ECHO_REQUEST, 77, 1));
	assert_int_equal(n, 36);
	ntu_check_csums(out, n);
	assert_int_not_equal(ntu_sport(out), 77);
	/* an echo request to the public address is the router's own: answered, no flow */
	ng_test_router_input(&r, WAN, buf,
	                     ntu_icmp_echo(buf, NTU_SRV, NTU_PUB, NG_ICMP_ECHO_REQUEST, 9, 1));
	n = ng_test_router_output(&r, WAN, out, sizeof(out));
	assert_int_equal(n, 36);
	assert_int_equal(out[20], NG_ICMP_ECHO_REPLY);
	assert_int_equal(ntu_src(out), NTU_PUB);
	assert_int_equal(ng_test_router_flows(&r), 2);
	ng_test_router_destroy(&r);
}

/* An ICMP time-exceeded from a router on the way, about the translated datagram, reaches the
 * inside host with the quote translated back: exactly the datagram it sent, but for the TTL. */
static void test_icmp_error_inbound(void **state)
{
	struct ng_test_router r;
	uint8_t orig[64], sent[64];
	size_t olen, slen, n;
	const uint32_t hop = NG_IP4(198, 51, 100, 77);

	(void)state;
	ng_test_router_create(&r, NULL, 5);
	/* make the port differ from the inside one: H2 holds 5000 first */
	send_recv(&r, LAN, ntu_udp(buf, NTU_H2, 5000, NTU_SRV, 53, "q", 1, true));
	olen = ntu_udp(orig, NTU_H1, 5000, NTU_SRV, 53, "query", 5, true);
	memcpy(buf, orig, olen);
	slen = send_recv(&r, LAN, olen);
	assert_int_equal(slen, olen);
	memcpy(sent, out, slen);
	assert_int_not_equal(ntu_sport(sent), 5000);

	n = send_recv(&r, WAN,
	              ntu_icmp_err(buf, hop, NTU_PUB, NG_ICMP_TIME_EXCEEDED, 0, sent, slen));
	assert_int_equal(n, 28 + slen);
	ntu_check_csums(out, n);
	assert_int_equal(ntu_src(out), hop);
	assert_int_equal(ntu_dst(out), NTU_H1);
	assert_int_equal(out[20], NG_ICMP_TIME_EXCEEDED);
	/* the quote: H1's datagram, TTL 63, header checksum right, UDP checksum right */
	ntu_check_csums(out + 28, slen);
	assert_int_equal(out[28 + 8], 63);
	assert_memory_equal(out + 28, orig, 8);
	assert_memory_equal(out + 28 + 12, orig + 12, olen - 12);
	/* no ICMP tears a mapping down */
	assert_int_equal(ng_test_router_flows(&r), 2);

	/* a port unreachable from the server itself, quoting only 8 bytes of UDP */
	n = send_recv(&r, WAN,
	              ntu_icmp_err(buf, NTU_SRV, NTU_PUB, NG_ICMP_DEST_UNREACH,
	                           NG_ICMP_PORT_UNREACH, sent, 28));
	assert_int_equal(n, 56);
	assert_int_equal(ng_csum(out + 20, 36), 0);
	assert_int_equal(ng_csum(out + 28, 20), 0);
	assert_int_equal(ntu_src(out + 28), NTU_H1);
	assert_int_equal(ntu_sport(out + 28), 5000);
	assert_int_equal(ng_test_router_flows(&r), 2);
	ng_test_router_destroy(&r);
}

/* An inside host's port unreachable about a datagram that came through a flow goes out with the
 * public address in the outer source and the quote's destination. */
static void test_icmp_error_outbound(void **state)
{
	struct ng_test_router r;
	uint8_t got[64];
	size_t glen, n;

	(void)state;
	ng_test_router_create(&r, NULL, 6);
	send_recv(&r, LAN, ntu_udp(buf, NTU_H2, 5000, NTU_SRV, 53, "q", 1, true));
	send_recv(&r, LAN, ntu_udp(buf, NTU_H1, 5000, NTU_SRV, 53, "q", 1, true));
	uint16_t pub_port = ntu_sport(out);
	glen = send_recv(&r, WAN, ntu_udp(buf, NTU_SRV, 53, NTU_PUB, pub_port, "late", 4, true));
	assert_int_equal(glen, 32);
	memcpy(got, out, glen);
	n = send_recv(&r, LAN,
	              ntu_icmp_err(buf, NTU_H1, NTU_SRV, NG_ICMP_DEST_UNREACH, NG_ICMP_PORT_UNREACH,
	                           got, glen));
	assert_int_equal(n, 28 + glen);
	ntu_check_csums(out, n);
	assert_int_equal(ntu_src(out), NTU_PUB);
	assert_int_equal(ntu_dst(out), NTU_SRV);
	ntu_check_csums(out + 28, glen);
	assert_int_equal(ntu_dst(out + 28), NTU_PUB);
	assert_int_equal(ntu_dport(out + 28), pub_port);
	assert_int_equal(ntu_src(out + 28), NTU_SRV);
	ng_test_router_destroy(&r);
}

static void test_ttl_expiry_and_spoofing(void **state)
{
	struct ng_test_router r;
	size_t len, n;

	(void)state;
	ng_test_router_create(&r, NULL, 7);
	len = ntu_udp(buf, NTU_H1, 5000, NTU_SRV, 33434, "t", 1, true);
	ntu_set_ttl(buf, 1);
	ng_test_router_input(&r, LAN, buf, len);
	assert_int_equal(ng_test_router_output(&r, WAN, out, sizeof(out)), 0);
	n = ng_test_router_output(&r, LAN, out, sizeof(out));
	assert_int_equal(n, 28 + len);
	ntu_check_csums(out, n);
	assert_int_equal(out[20], NG_ICMP_TIME_EXCEEDED);
	assert_int_equal(ntu_src(out), NTU_LAN_ADDR);
	assert_int_equal(ntu_dst(out), NTU_H1);
	assert_int_equal(ntu_src(out + 28), NTU_H1); /* the untranslated datagram */
	assert_int_equal(ng_test_router_flows(&r), 0);

	/* a source outside the LAN subnet, and the LAN's broadcast address: never a flow */
	len = ntu_udp(buf, NG_IP4(10, 9, 9, 9), 5000, NTU_SRV, 53, "s", 1, true);
	assert_int_equal(send_recv(&r, LAN, len), 0);
	len = ntu_udp(buf, NTU_LAN_ADDR, 5000, NTU_SRV, 53, "s", 1, true);
	assert_int_equal(send_recv(&r, LAN, len), 0);
	/* a bad checksum: dropped, no flow */
	len = ntu_udp(buf, NTU_H1, 5001, NTU_SRV, 53, "c", 1, true);
	buf[27] ^= 0x55;
	assert_int_equal(send_recv(&r, LAN, len), 0);
	assert_int_equal(ng_test_router_drops(&r, NG_DROP_UDP_CSUM), 1);
	/* from outside to an inside address directly: filtered */
	len = ntu_udp(buf, NTU_SRV, 53, NTU_H1, 5000, "d", 1, true);
	assert_int_equal(send_recv(&r, WAN, len), 0);
	assert_int_equal(ng_test_router_flows(&r), 0);
	ng_test_router_destroy(&r);
}

/* RFC 5382 REQ-4: an unsolicited SYN is held 6 s, then answered with port unreachable. */
static void test_unsolicited_syn_held(void **state)
{
	struct ng_test_router r;
	struct ng_nat_stats s;
	size_t n;

	(void)state;
	ng_test_router_create(&r, NULL, 8);
	n = send_recv(&r, WAN,
	              ntu_tcp(buf, NTU_SRV, 1234, NTU_PUB, 4444, 7, 0, NG_TCP_SYN, NULL, 0));
	assert_int_equal(n, 0);
	assert_int_equal(ng_test_router_output(&r, WAN, out, sizeof(out)), 0);
	ng_test_router_advance(&r, 5999 * NG_NS_PER_MS);
	assert_int_equal(ng_test_router_output(&r, WAN, out, sizeof(out)), 0);
	ng_test_router_advance(&r, 1 * NG_NS_PER_MS);
	n = ng_test_router_output(&r, WAN, out, sizeof(out));
	assert_int_equal(n, 28 + 40);
	ntu_check_csums(out, n);
	assert_int_equal(out[20], NG_ICMP_DEST_UNREACH);
	assert_int_equal(out[21], NG_ICMP_PORT_UNREACH);
	assert_int_equal(ntu_src(out), NTU_PUB);
	assert_int_equal(ntu_dst(out), NTU_SRV);
	assert_int_equal(ntu_dport(out + 28), 4444);
	ng_nat_get_stats(r.nat, &s);
	assert_int_equal(s.held_rejected, 1);
	assert_int_equal(ng_test_router_flows(&r), 0);
	ng_test_router_destroy(&r);
}

/* An outbound SYN for the same connection within the 6 s drops the held SYN silently, and the
 * simultaneous open then completes through the NAT. */
static void test_simultaneous_open(void **state)
{
	struct ng_test_router r;
	struct ng_nat_stats s;
	size_t n;

	(void)state;
	ng_test_router_create(&r, NULL, 9);
	n = send_recv(&r, WAN,
	              ntu_tcp(buf, NTU_SRV, 1234, NTU_PUB, 4444, 7000, 0, NG_TCP_SYN, NULL, 0));
	assert_int_equal(n, 0);
	ng_test_router_advance(&r, 2 * NG_NS_PER_SEC);
	n = send_recv(&r, LAN,
	              ntu_tcp(buf, NTU_H1, 4444, NTU_SRV, 1234, 100, 0, NG_TCP_SYN, NULL, 0));
	assert_int_equal(n, 40);
	assert_int_equal(ntu_sport(out), 4444);
	ng_test_router_advance(&r, 10 * NG_NS_PER_SEC);
	assert_int_equal(ng_test_router_output(&r, WAN, out, sizeof(out)), 0);
	ng_nat_get_stats(r.nat, &s);
	assert_int_equal(s.held_dropped, 1);
	assert_int_equal(s.held_rejected, 0);
	/* the peer's SYN (retransmitted) now crosses, then both SYN+ACKs */
	n = send_recv(&r, WAN,
	              ntu_tcp(buf, NTU_SRV, 1234, NTU_PUB, 4444, 7000, 0, NG_TCP_SYN, NULL, 0));
	assert_int_equal(n, 40);
	assert_int_equal(ntu_dst(out), NTU_H1);
	assert_int_equal(ntu_dport(out), 4444);
	n = send_recv(
	    &r, LAN,
	    ntu_tcp(buf, NTU_H1, 4444, NTU_SRV, 1234, 100, 7001, NG_TCP_SYN | NG_TCP_ACK, NULL, 0));
	assert_int_equal(n, 40);
	n = send_recv(&r, WAN,
	              ntu_tcp(buf, NTU_SRV, 1234, NTU_PUB, 4444, 7000, 101, NG_TCP_SYN | NG_TCP_ACK,
	                      NULL, 0));
	assert_int_equal(n, 40);
	assert_string_equal(only_state(&r), "ESTABLISHED");
	ng_test_router_destroy(&r);
}

static void test_forward_and_hairpin(void **state)
{
	struct ng_test_router r;
	struct ng_nat_config c;
	size_t n;

	(void)state;
	ng_nat_config_default(&c);
	assert_int_equal(ng_nat_parse_forward("tcp:8080=192.168.1.10:80", &c.fwd[0]), 0);
	assert_int_equal(ng_nat_parse_forward("udp:5000-5009=192.168.1.10:6000", &c.fwd[1]), 0);
	c.n_fwd = 2;
	ng_test_router_create(&r, &c, 10);

	/* outside client -> public:8080 -> H1:80, the client's address preserved */
	n = send_recv(&r, WAN,
	              ntu_tcp(buf, NTU_SRV, 3333, NTU_PUB, 8080, 1, 0, NG_TCP_SYN, NULL, 0));
	assert_int_equal(n, 40);
	ntu_check_csums(out, n);
	assert_int_equal(ntu_src(out), NTU_SRV);
	assert_int_equal(ntu_sport(out), 3333);
	assert_int_equal(ntu_dst(out), NTU_H1);
	assert_int_equal(ntu_dport(out), 80);
	n = send_recv(
	    &r, LAN,
	    ntu_tcp(buf, NTU_H1, 80, NTU_SRV, 3333, 900, 2, NG_TCP_SYN | NG_TCP_ACK, NULL, 0));
	assert_int_equal(n, 40);
	ntu_check_csums(out, n);
	assert_int_equal(ntu_src(out), NTU_PUB);
	assert_int_equal(ntu_sport(out), 8080);

	/* hairpin: H2 -> public:8080 arrives at H1 from public:<H2's port>, and back */
	n = send_recv(&r, LAN,
	              ntu_tcp(buf, NTU_H2, 4000, NTU_PUB, 8080, 50, 0, NG_TCP_SYN, NULL, 0));
	assert_int_equal(n, 0); /* nothing on the WAN */
	n = ng_test_router_output(&r, LAN, out, sizeof(out));
	assert_int_equal(n, 40);
	ntu_check_csums(out, n);
	assert_int_equal(ntu_src(out), NTU_PUB);
	assert_int_equal(ntu_sport(out), 4000);
	assert_int_equal(ntu_dst(out), NTU_H1);
	assert_int_equal(ntu_dport(out), 80);
	assert_int_equal(out[8], 63); /* one hop, one decrement */
	ng_test_router_input(
	    &r, LAN, buf,
	    ntu_tcp(buf, NTU_H1, 80, NTU_PUB, 4000, 700, 51, NG_TCP_SYN | NG_TCP_ACK, NULL, 0));
	n = ng_test_router_output(&r, LAN, out, sizeof(out));
	assert_int_equal(n, 40);
	ntu_check_csums(out, n);
	assert_int_equal(ntu_src(out), NTU_PUB);
	assert_int_equal(ntu_sport(out), 8080);
	assert_int_equal(ntu_dst(out), NTU_H2);
	assert_int_equal(ntu_dport(out), 4000);

	/* a UDP range maps onto a range */
	n = send_recv(&r, WAN, ntu_udp(buf, NTU_SRV, 7, NTU_PUB, 5003, "u", 1, true));
	assert_int_equal(n, 29);
	ntu_check_csums(out, n);
	assert_int_equal(ntu_dst(out), NTU_H1);
	assert_int_equal(ntu_dport(out), 6003);
	/* an inside host's own port never lands on a forwarded public port */
	n = send_recv(&r, LAN, ntu_udp(buf, NTU_H2, 5005, NTU_SRV, 7, "p", 1, true));
	assert_int_equal(n, 29);
	assert_true(ntu_sport(out) < 5000 || ntu_sport(out) > 5009);
	ng_test_router_destroy(&r);
}

/* RFC 4787 REQ-9: two inside hosts reach each other through their public mappings. */
static void test_udp_hairpin_between_mappings(void **state)
{
	struct ng_test_router r;
	struct ng_nat_config c;
	size_t n;

	(void)state;
	ng_nat_config_default(&c);
	c.filter = NG_NAT_FILTER_ENDPOINT;
	ng_test_router_create(&r, &c, 14);
	assert_int_equal(
	    send_recv(&r, LAN, ntu_udp(buf, NTU_H1, 5000, NTU_SRV, 3478, "b", 1, true)), 29);
	/* H2 learnt H1's public endpoint (203.0.113.2:5000) and sends to it */
	ng_test_router_input(&r, LAN, buf,
	                     ntu_udp(buf, NTU_H2, 6000, NTU_PUB, 5000, "hi", 2, true));
	assert_int_equal(ng_test_router_output(&r, WAN, out, sizeof(out)), 0);
	n = ng_test_router_output(&r, LAN, out, sizeof(out));
	assert_int_equal(n, 30);
	ntu_check_csums(out, n);
	assert_int_equal(ntu_src(out), NTU_PUB);
	assert_int_equal(ntu_sport(out), 6000);
	assert_int_equal(ntu_dst(out), NTU_H1);
	assert_int_equal(ntu_dport(out), 5000);
	/* and H1 answers H2's public endpoint */
	ng_test_router_input(&r, LAN, buf,
	                     ntu_udp(buf, NTU_H1, 5000, NTU_PUB, 6000, "yo", 2, true));
	n = ng_test_router_output(&r, LAN, out, sizeof(out));
	assert_int_equal(n, 30);
	ntu_check_csums(out, n);
	assert_int_equal(ntu_src(out), NTU_PUB);
	assert_int_equal(ntu_sport(out), 5000);
	assert_int_equal(ntu_dst(out), NTU_H2);
	assert_int_equal(ntu_dport(out), 6000);
	ng_test_router_destroy(&r);
}

static void test_table_full_and_quota(void **state)
{
	struct ng_test_router r;
	struct ng_nat_config c;
	size_t n;
	uint16_t i;

	(void)state;
	ng_nat_config_default(&c);
	c.max_flows = 100;
	ng_test_router_create(&r, &c, 11);
	for (i = 0; i < 100; i++) {
		n = send_recv(
		    &r, LAN,
		    ntu_udp(buf, NTU_H1, (uint16_t)(10000 + i), NTU_SRV, 53, "f", 1, true));
		assert_int_equal(n, 29);
	}
	/* the 101st: ICMP administratively prohibited to the sender */
	n = send_recv(&r, LAN, ntu_udp(buf, NTU_H2, 20000, NTU_SRV, 53, "f", 1, true));
	assert_int_equal(n, 0);
	n = ng_test_router_output(&r, LAN, out, sizeof(out));
	assert_int_equal(n, 28 + 29);
	assert_int_equal(out[20], NG_ICMP_DEST_UNREACH);
	assert_int_equal(out[21], NG_ICMP_ADMIN_PROHIBITED);
	assert_int_equal(ntu_dst(out), NTU_H2);
	/* a TCP SYN: a RST as if from the server */
	ng_test_router_input(
	    &r, LAN, buf, ntu_tcp(buf, NTU_H2, 20001, NTU_SRV, 80, 5555, 0, NG_TCP_SYN, NULL, 0));
	n = ng_test_router_output(&r, LAN, out, sizeof(out));
	assert_int_equal(n, 40);
	ntu_check_csums(out, n);
	assert_int_equal(ntu_src(out), NTU_SRV);
	assert_int_equal(ntu_sport(out), 80);
	assert_int_equal(ntu_dst(out), NTU_H2);
	assert_int_equal(out[33], NG_TCP_RST | NG_TCP_ACK);
	assert_int_equal(ng_get32(out + 28), 5556);
	assert_int_equal(ng_test_router_drops(&r, NG_DROP_NAT_TABLE_FULL), 2);
	assert_int_equal(ng_test_router_flows(&r), 100);
	/* the first flows keep working both ways */
	n = send_recv(&r, WAN, ntu_udp(buf, NTU_SRV, 53, NTU_PUB, 10000, "r", 1, true));
	assert_int_equal(n, 29);
	assert_int_equal(ntu_dst(out), NTU_H1);
	n = send_recv(&r, LAN, ntu_udp(buf, NTU_H1, 10099, NTU_SRV, 53, "g", 1, true));
	assert_int_equal(n, 29);
	ng_test_router_destroy(&r);

	/* per-host quota */
	ng_nat_config_default(&c);
	c.max_flows_per_host = 2;
	ng_test_router_create(&r, &c, 12);
	assert_int_equal(send_recv(&r, LAN, ntu_udp(buf, NTU_H1, 1, NTU_SRV, 53, "a", 1, true)),
	                 29);
	assert_int_equal(send_recv(&r, LAN, ntu_udp(buf, NTU_H1, 2, NTU_SRV, 53, "a", 1, true)),
	                 29);
	assert_int_equal(send_recv(&r, LAN, ntu_udp(buf, NTU_H1, 3, NTU_SRV, 53, "a", 1, true)), 0);
	assert_int_equal(ng_test_router_drops(&r, NG_DROP_NAT_HOST_QUOTA), 1);
	assert_int_equal(send_recv(&r, LAN, ntu_udp(buf, NTU_H2, 3, NTU_SRV, 53, "a", 1, true)),
	                 29);
	ng_test_router_destroy(&r);
}

/* A full table reclaims the longest-finished TCP flow for a new one; with none finished, the new
 * flow is refused. */
static void test_full_table_reclaims_finished_tcp(void **state)
{
	struct ng_test_router r;
	struct ng_nat_config c;
	struct ng_nat_stats s;

	(void)state;
	ng_nat_config_default(&c);
	c.max_flows = 2;
	ng_test_router_create(&r, &c, 16);
	send_recv(&r, LAN, ntu_tcp(buf, NTU_H1, 40000, NTU_SRV, 80, 1000, 0, NG_TCP_SYN, NULL, 0));
	send_recv(&r, WAN,
	          ntu_tcp(buf, NTU_SRV, 80, NTU_PUB, 40000, 5000, 1001, NG_TCP_SYN | NG_TCP_ACK,
	                  NULL, 0));
	assert_int_equal(
	    send_recv(&r, WAN,
	              ntu_tcp(buf, NTU_SRV, 80, NTU_PUB, 40000, 5001, 0, NG_TCP_RST, NULL, 0)),
	    40);
	assert_int_equal(send_recv(&r, LAN, ntu_udp(buf, NTU_H1, 1, NTU_SRV, 53, "a", 1, true)),
	                 29);
	assert_int_equal(ng_test_router_flows(&r), 2);
	/* full: the reset TCP flow makes room */
	assert_int_equal(send_recv(&r, LAN, ntu_udp(buf, NTU_H1, 2, NTU_SRV, 53, "b", 1, true)),
	                 29);
	ng_nat_get_stats(r.nat, &s);
	assert_int_equal(s.evicted, 1);
	assert_int_equal(s.flows, 2);
	/* full of live flows: refused */
	assert_int_equal(send_recv(&r, LAN, ntu_udp(buf, NTU_H1, 3, NTU_SRV, 53, "c", 1, true)), 0);
	assert_int_equal(ng_test_router_drops(&r, NG_DROP_NAT_TABLE_FULL), 1);
	assert_int_equal(ng_test_router_output(&r, LAN, out, sizeof(out)), 28 + 29);
	assert_int_equal(out[21], NG_ICMP_ADMIN_PROHIBITED);
	/* both UDP flows still work */
	assert_int_equal(send_recv(&r, WAN, ntu_udp(buf, NTU_SRV, 53, NTU_PUB, 1, "r", 1, true)),
	                 29);
	assert_int_equal(send_recv(&r, WAN, ntu_udp(buf, NTU_SRV, 53, NTU_PUB, 2, "r", 1, true)),
	                 29);
	ng_test_router_destroy(&r);
}

/* Everything the router sent on the WAN so far (ARP included), as frames: assert that none holds
 * an address of the LAN subnet anywhere, and copy the first IPv4 datagram into GOT. Returns the
 * datagram's length (0 if none) and counts the frames in *FRAMES. */
static size_t wan_frames_no_private(struct ng_test_router *r, uint8_t *got, size_t cap,
                                    size_t *frames)
{
	const uint8_t lan_net[3] = {192, 168, 1};
	struct ng_pkt *p;
	size_t n = 0;

	*frames = 0;
	while ((p = ng_test_link_pop(r->wan_link))) {
		const uint8_t *d = ng_pkt_data(p);
		(*frames)++;
		for (size_t i = 0; i + 3 <= p->len; i++)
			assert_false(memcmp(d + i, lan_net, 3) == 0);
		if (!n && p->len > 14 && ng_get16(d + 12) == NG_ETH_P_IPV4) {
			n = p->len - 14;
			assert_true(n <= cap);
			memcpy(got, d + 14, n);
		}
		ng_pkt_free(p);
	}
	return n;
}

/* Let ARP for an unanswering inside host give up (3 requests, 1 s apart), checking that its
 * requests went out on the LAN, never on the WAN. */
static void arp_give_up(struct ng_test_router *r)
{
	size_t lan_arps = 0;
	struct ng_pkt *p;

	for (int i = 0; i < 6; i++) {
		while ((p = ng_test_link_pop(r->lan_link))) {
			assert_int_equal(ng_get16(ng_pkt_data(p) + 12), NG_ETH_P_ARP);
			lan_arps++;
			ng_pkt_free(p);
		}
		ng_test_router_advance(r, NG_NS_PER_SEC);
	}
	assert_int_equal(lan_arps, 3);
	assert_int_equal(ng_test_router_drops(r, NG_DROP_ARP_UNRESOLVED), 1);
}

/*
 * An inbound datagram translated to an inside host that does not answer ARP: the host
 * unreachable the router sends (RFC 1812 4.3.3.1) quotes the datagram as the outside sender
 * wrote it (RFC 5508: public address and port, original TTL, checksums right), and no frame on
 * the WAN carries a private address. UDP through a mapping, TCP through a port forward.
 */
static void test_arp_failure_leaks_no_inside_address(void **state)
{
	const uint32_t h3 = NG_IP4(192, 168, 1, 20); /* not in the ARP cache */
	struct ng_test_router r;
	struct ng_nat_config c;
	uint8_t orig[64], got[256];
	size_t olen, n, frames;
	uint16_t pport;

	(void)state;
	/* UDP: h3 (not in the ARP cache) has a mapping; the server's answer cannot be delivered */
	ng_test_router_create(&r, NULL, 31);
	/* make the public port differ from the inside one: H1 holds 5000 first */
	send_recv(&r, LAN, ntu_udp(buf, NTU_H1, 5000, NTU_SRV, 53, "q", 1, true));
	n = send_recv(&r, LAN, ntu_udp(buf, h3, 5000, NTU_SRV, 53, "query", 5, true));
	assert_int_equal(n, 33);
	pport = ntu_sport(out);
	assert_int_not_equal(pport, 5000);
	olen = ntu_udp(orig, NTU_SRV, 53, NTU_PUB, pport, "answer", 6, true);
	ng_test_router_input(&r, WAN, orig, olen);
	arp_give_up(&r);
	n = wan_frames_no_private(&r, got, sizeof(got), &frames);
	assert_int_equal(frames, 1);
	assert_int_equal(n, 20 + 8 + olen);
	ntu_check_csums(got, n);
	assert_int_equal(ntu_src(got), NTU_PUB);
	assert_int_equal(ntu_dst(got), NTU_SRV);
	assert_int_equal(got[20], NG_ICMP_DEST_UNREACH);
	assert_int_equal(got[21], NG_ICMP_HOST_UNREACH);
	/* the quote is the server's datagram byte for byte, TTL and checksums included */
	assert_memory_equal(got + 28, orig, olen);
	assert_int_equal(ng_test_router_flows(&r), 2); /* the mapping stays */
	ng_test_router_destroy(&r);

	/* TCP: a SYN through a port forward to h4, which does not answer ARP */
	ng_nat_config_default(&c);
	assert_int_equal(ng_nat_parse_forward("tcp:8080=192.168.1.30:80", &c.fwd[0]), 0);
	c.n_fwd = 1;
	ng_test_router_create(&r, &c, 32);
	olen = ntu_tcp(orig, NTU_SRV, 3333, NTU_PUB, 8080, 7, 0, NG_TCP_SYN, NULL, 0);
	ng_test_router_input(&r, WAN, orig, olen);
	arp_give_up(&r);
	n = wan_frames_no_private(&r, got, sizeof(got), &frames);
	assert_int_equal(frames, 1);
	assert_int_equal(n, 28 + olen);
	ntu_check_csums(got, n);
	assert_int_equal(ntu_dst(got), NTU_SRV);
	assert_int_equal(got[21], NG_ICMP_HOST_UNREACH);
	assert_memory_equal(got + 28, orig, olen);
	ng_test_router_destroy(&r);

	/* ICMP echo: h3 pings the server, the reply cannot be delivered */
	ng_test_router_create(&r, NULL, 33);
	olen = ntu_icmp_echo(buf, h3, NTU_SRV, NG_ICMP_ECHO_REQUEST, 77, 1);
	assert_int_equal(send_recv(&r, LAN, olen), olen);
	olen = ntu_icmp_echo(orig, NTU_SRV, NTU_PUB, NG_ICMP_ECHO_REPLY, ntu_sport(out), 1);
	ng_test_router_input(&r, WAN, orig, olen);
	arp_give_up(&r);
	n = wan_frames_no_private(&r, got, sizeof(got), &frames);
	assert_int_equal(frames, 1);
	assert_int_equal(n, 28 + olen);
	ntu_check_csums(got, n);
	assert_memory_equal(got + 28, orig, olen);
	ng_test_router_destroy(&r);

	/* outbound: a neighbour on the WAN subnet that does not answer ARP; the error goes back to
	 * the inside host about the datagram it sent (its own address and port in the quote) */
	ng_test_router_create(&r, NULL, 34);
	send_recv(&r, LAN, ntu_udp(buf, NTU_H2, 6000, NTU_SRV, 53, "q", 1, true)); /* takes 6000 */
	olen = ntu_udp(orig, NTU_H1, 6000, NG_IP4(203, 0, 113, 77), 53, "query", 5, true);
	ng_test_router_input(&r, LAN, orig, olen);
	for (int i = 0; i < 5; i++)
		ng_test_router_advance(&r, NG_NS_PER_SEC);
	assert_int_equal(ng_test_router_drops(&r, NG_DROP_ARP_UNRESOLVED), 1);
	n = wan_frames_no_private(&r, got, sizeof(got), &frames);
	assert_int_equal(frames, 3); /* the three ARP requests, nothing else */
	n = ng_test_router_output(&r, LAN, got, sizeof(got));
	assert_int_equal(n, 28 + olen);
	ntu_check_csums(got, n);
	assert_int_equal(ntu_dst(got), NTU_H1);
	assert_int_equal(got[20], NG_ICMP_DEST_UNREACH);
	assert_int_equal(got[21], NG_ICMP_HOST_UNREACH);
	assert_memory_equal(got + 28, orig, olen);
	ng_test_router_destroy(&r);
}

/* `natgate stats` reports all the table allocated divided by --max-flows, under 128 bytes a
 * flow (issue goal) for the default size and for sizes just above and below a power of two
 * (bucket arrays are sized by powers of two). */
static void test_table_memory_per_flow(void **state)
{
	const uint32_t sizes[] = {65536, 100000, 70000, 131071, 1u << 20};
	struct ng_test_router r;
	struct ng_nat_config c;
	struct ng_nat_stats s;

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ng_nat_config_default(&c);
		c.max_flows = sizes[i];
		ng_test_router_create(&r, &c, 40 + i);
		ng_nat_get_stats(r.nat, &s);
		assert_int_equal(s.max_flows, sizes[i]);
		/* honest: at least the flow and mapping pools and a bucket per two flows' worth of
		 * the four hash tables at their smallest, and the per-flow figure rounds up */
		assert_true(s.table_bytes >= (size_t)sizes[i] * (sizeof(struct nat_flow) +
		                                                 sizeof(struct nat_map) + 4));
		assert_true(s.bytes_per_flow * sizes[i] >= s.table_bytes);
		assert_true(s.bytes_per_flow < 128);
		ng_test_router_destroy(&r);
	}
}

static void test_parsers(void **state)
{
	struct ng_nat_forward f;
	struct ng_nat_config c;
	enum ng_nat_filter fm;

	(void)state;
	assert_int_equal(ng_nat_parse_forward("udp:5000-5009=192.168.1.20:6000", &f), 0);
	assert_int_equal(f.proto, 17);
	assert_int_equal(f.port_lo, 5000);
	assert_int_equal(f.port_hi, 5009);
	assert_int_equal(f.in_addr, NG_IP4(192, 168, 1, 20));
	assert_int_equal(f.in_port, 6000);
	assert_int_not_equal(ng_nat_parse_forward("sctp:1=1.2.3.4:5", &f), 0);
	assert_int_not_equal(ng_nat_parse_forward("tcp:9-8=1.2.3.4:5", &f), 0);
	assert_int_not_equal(ng_nat_parse_forward("tcp:80=1.2.3.4:65535x", &f), 0);
	assert_int_not_equal(ng_nat_parse_forward("tcp:1-10=1.2.3.4:65530", &f), 0);
	ng_nat_config_default(&c);
	assert_int_equal(c.timeout_s[NG_NAT_T_TCP_EST], 7440);
	assert_int_equal(ng_nat_parse_timeouts("udp=120,tcp-established=8000,syn-hold=7", &c), 0);
	assert_int_equal(c.timeout_s[NG_NAT_T_UDP], 120);
	assert_int_equal(c.timeout_s[NG_NAT_T_TCP_EST], 8000);
	assert_int_equal(c.syn_hold_s, 7);
	assert_int_not_equal(ng_nat_parse_timeouts("udp=0", &c), 0);
	assert_int_not_equal(ng_nat_parse_timeouts("bogus=1", &c), 0);
	assert_int_equal(ng_nat_parse_filter("address-port", &fm), 0);
	assert_int_equal(fm, NG_NAT_FILTER_ADDRESS_PORT);
	assert_int_not_equal(ng_nat_parse_filter("none", &fm), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_outbound_tcp_handshake),
	    cmocka_unit_test(test_tcp_port_reuse_after_close),
	    cmocka_unit_test(test_tcp_stale_flow_recovers),
	    cmocka_unit_test(test_udp_ports_eim_and_zero_csum),
	    cmocka_unit_test(test_filtering_modes),
	    cmocka_unit_test(test_icmp_echo),
	    cmocka_unit_test(test_icmp_error_inbound),
	    cmocka_unit_test(test_icmp_error_outbound),
	    cmocka_unit_test(test_ttl_expiry_and_spoofing),
	    cmocka_unit_test(test_unsolicited_syn_held),
	    cmocka_unit_test(test_simultaneous_open),
	    cmocka_unit_test(test_forward_and_hairpin),
	    cmocka_unit_test(test_udp_hairpin_between_mappings),
	    cmocka_unit_test(test_table_full_and_quota),
	    cmocka_unit_test(test_full_table_reclaims_finished_tcp),
	    cmocka_unit_test(test_arp_failure_leaks_no_inside_address),
	    cmocka_unit_test(test_table_memory_per_flow),
	    cmocka_unit_test(test_parsers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
