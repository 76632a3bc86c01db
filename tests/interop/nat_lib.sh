# SPDX-License-Identifier: MIT
# nat_lib.sh - the NAT interop tests' topology, sourced after lib.sh:
#
#   h1 192.168.50.10 --+                                              +-- out 203.0.113.1 (gw)
#                      br0 (ns lan) -- nglan0 [natgate router] ngwan0 --  203.0.113.3
#   h2 192.168.50.11 --+               192.168.50.1      203.0.113.2         |  (routes)
#                                                                  far 198.51.100.2
#
# natgate creates both TAPs in its own namespace; they are then moved into the lan (bridge) and
# out namespaces. All hosts use the kernel's stack.

NAT_LAN=192.168.50.1
NAT_PUB=203.0.113.2
NAT_OUT=203.0.113.1
NAT_OUT2=203.0.113.3
NAT_H1=192.168.50.10
NAT_H2=192.168.50.11
NAT_FAR=198.51.100.2
NAT_CTL=$NG_TMP/natgate.ctl

# nat_setup [extra natgate router options...]: sets ns_rtr ns_lan ns_h1 ns_h2 ns_out, rtr_pid.
nat_setup()
{
	local h ns
	ng_require_bin natgate
	ng_ns_new ns_rtr
	ng_ns_new ns_lan
	ng_ns_new ns_h1
	ng_ns_new ns_h2
	ng_ns_new ns_out
	ng_start rtr_pid "$ns_rtr" ngwan0 natgate "$NG_BIN/natgate" router \
		--lan tap:nglan0 --lan-addr $NAT_LAN/24 --wan tap:ngwan0 --wan-addr $NAT_PUB/24 \
		--wan-gw $NAT_OUT --control "$NAT_CTL" --log-flows "$@"
	ng_wait 5 "nglan0" ip -n "$ns_rtr" link show nglan0 >/dev/null 2>&1
	ip -n "$ns_rtr" link set nglan0 netns "$ns_lan" || { ng_fail "move nglan0"; ng_done; }
	ip -n "$ns_rtr" link set ngwan0 netns "$ns_out" || { ng_fail "move ngwan0"; ng_done; }
	ip -n "$ns_lan" link add br0 type bridge
	ip -n "$ns_lan" link set br0 up
	ip -n "$ns_lan" link set nglan0 master br0 up
	for h in 1 2; do
		eval ns=\$ns_h$h
		ip -n "$ns_lan" link add b$h type veth peer name eth0 netns "$ns"
		ip -n "$ns_lan" link set b$h master br0 up
		eval ip -n "$ns" addr add \$NAT_H$h/24 dev eth0
		ip -n "$ns" link set eth0 up
		ip -n "$ns" route add default via $NAT_LAN
	done
	ip -n "$ns_out" addr add $NAT_OUT/24 dev ngwan0
	ip -n "$ns_out" addr add $NAT_OUT2/24 dev ngwan0
	# a second outside network behind the outside host (a kernel router): 198.51.100.2 in ns_far
	ng_ns_new ns_far
	ip -n "$ns_out" link add far0 type veth peer name eth0 netns "$ns_far"
	ip -n "$ns_out" addr add 198.51.100.1/24 dev far0
	ip -n "$ns_out" link set far0 up
	ip netns exec "$ns_out" sh -c "echo 1 >/proc/sys/net/ipv4/ip_forward"
	ip -n "$ns_far" addr add $NAT_FAR/24 dev eth0
	ip -n "$ns_far" link set eth0 up
	ip -n "$ns_far" route add default via 198.51.100.1
	ip -n "$ns_out" link set ngwan0 up
	# the bridge needs a moment to forward (no STP: ports go forwarding at once)
	ng_wait 10 "h1 reaches the router" ng_nsrun "$ns_h1" 3 ping -n -c 1 -W 1 $NAT_LAN >/dev/null
}

nat_conntrack()
{
	"$NG_BIN/natgate" conntrack --control "$NAT_CTL" "$@"
}

# nat_check_match DESC REGEX TEXT: like ng_check_match, but grep reads a here-string, not a pipe:
# under `set -o pipefail` a `printf | grep -q` that matches early can fail when printf is killed
# by SIGPIPE, which made checks on long logs flaky.
nat_check_match()
{
	if grep -Eq -- "$2" <<<"$3"; then
		ng_pass "$1"
		return 0
	fi
	ng_fail "$1: /$2/ not found in:"
	sed 's/^/    /' <<<"$3" | head -n 20
	return 1
}
