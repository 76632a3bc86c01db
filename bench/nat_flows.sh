#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/nat_flows.sh - memory of a NAT holding N UDP flows: `natgate router` beside the kernel's
# nftables masquerade, in one run.
#
#   inside ns (10.123.0.2/16) --[NAT]-- 203.0.113.1 | outside ns 203.0.113.10
#   natgate: `natgate router` with TAPs moved into the inside and outside namespaces
#   kernel : a router namespace with ip_forward and an nftables masquerade, veth pairs
#
# A bounded generator (/usr/bin/python3, a raw IP socket in the inside namespace) sends one UDP
# datagram for each of N distinct flows: N/4 inside endpoints (source address, source port),
# each to 203.0.113.10 ports 9..12 (one WAN address holds at most ~64k endpoint-independent
# mappings, so N distinct inside endpoints to one destination could not make 100k flows), paced
# in batches (nobody answers; UDP flows live 300 s, longer than the test). Then it reads:
#   natgate: resident memory (VmRSS of the router process, before and after the flows; the
#            whole process divided by the flows is an upper bound: it includes packet buffers
#            and code), and the table memory `natgate stats --control` reports (table bytes,
#            bytes per flow of --max-flows, flows)
#   kernel : nf_conntrack_count of the router namespace, the nf_conntrack slab object size from
#            /proc/slabinfo (one object per flow; NAT/extension areas are extra and not counted)
# and prints bytes per flow and the ratio.
#
# Everything lives in namespaces made here (unique names, removed on every exit); nothing in
# the root namespace is touched. Load is bounded: N datagrams (default 100000, max 1000000),
# the whole script under a time limit.
# Usage: bash bench/nat_flows.sh BIN_DIR [N] [OUT_DIR]        (as root)
set -u
export LC_ALL=C
BIN=${1:?usage: nat_flows.sh BIN_DIR [N] [OUT_DIR]}
N=${2:-100000}
OUT=${3:-/tmp/nat_flows.$(date +%Y%m%d-%H%M%S)}
PY=/usr/bin/python3
[ "$(id -u)" = 0 ] || { echo "nat_flows: run as root" >&2; exit 1; }
[ -x "$BIN/natgate" ] || { echo "nat_flows: no $BIN/natgate" >&2; exit 1; }
[ "$N" -ge 1 ] && [ "$N" -le 1000000 ] || { echo "nat_flows: N from 1 to 1000000" >&2; exit 2; }
command -v nft >/dev/null || { echo "nat_flows: nft missing (apt-get install nftables)" >&2; exit 1; }
mkdir -p "$OUT"
P="nf$$"
. "$(dirname "$0")/lib.sh"

# gen NS : N datagrams, N/4 inside endpoints in 10.123.1.0/16 x 4 destination ports
gen() {
	timeout 120 ip netns exec "$1" "$PY" - "$N" <<-'EOF'
	import socket, struct, sys, time
	n = int(sys.argv[1])
	s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
	s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
	dst = socket.inet_aton("203.0.113.10")
	def csum(b):
	    if len(b) % 2: b += b"\0"
	    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
	    while t >> 16: t = (t & 0xffff) + (t >> 16)
	    return (~t) & 0xffff
	PER = 2000                       # source ports per source address
	DSTS = 4                         # destination ports per inside endpoint
	t0 = time.time()
	for i in range(n):
	    e, dport = i // DSTS, 9 + i % DSTS
	    a, port = e // PER, 10000 + e % PER
	    src = bytes([10, 123, 1 + a // 250, 1 + a % 250])
	    payload = b"flow"
	    ulen = 8 + len(payload)
	    ph = src + dst + struct.pack("!BBH", 0, 17, ulen)
	    u = struct.pack("!HHHH", port, dport, ulen, 0) + payload
	    c = csum(ph + u) or 0xffff
	    u = u[:6] + struct.pack("!H", c) + u[8:]
	    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, i & 0xffff, 0x4000, 64, 17, 0, src, dst)
	    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
	    s.sendto(ip + u, ("203.0.113.10", 0))
	    if i % 500 == 499:
	        time.sleep(0.004)        # pace: let the NAT keep up with the TAP/veth queue
	    if time.time() - t0 > 100:
	        break
	print("sent %d in %.1f s" % (i + 1, time.time() - t0))
	EOF
}

rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# ---------------------------------------------------------------- natgate
natgate_run() {
	local in=${P}n_in box=${P}n_box wan=${P}n_wan ctl=$OUT/natgate.ctl i pid rss0 rss1 st
	mkns $in
	mkns $box
	mkns $wan
	rm -f "$ctl"
	ip netns exec $box "$BIN/natgate" router --lan tap:nflan0 --lan-addr 10.123.0.1/16 \
		--wan tap:nfwan0 --wan-addr 203.0.113.1/24 --wan-gw 203.0.113.10 \
		--max-flows $((N + N / 4 + 1024)) --control "$ctl" >"$OUT/natgate.log" 2>&1 &
	PIDS+=($!)
	pid=$!
	for i in $(seq 50); do ip -n $box link show nfwan0 >/dev/null 2>&1 && [ -S "$ctl" ] && break; sleep 0.1; done
	ip -n $box link set nflan0 netns $in && ip -n $box link set nfwan0 netns $wan ||
		{ echo "natgate made no TAPs (see $OUT/natgate.log)" >&2; return 1; }
	ip -n $in addr add 10.123.0.2/16 dev nflan0
	ip -n $in link set nflan0 up txqueuelen 10000
	ip -n $in route add default via 10.123.0.1
	ip -n $wan addr add 203.0.113.10/24 dev nfwan0
	ip -n $wan link set nfwan0 up
	nsx $in ping -c 1 -W 2 203.0.113.10 >/dev/null 2>&1 # ARP both sides, one ICMP flow
	sleep 0.5
	rss0=$(rss_kb $pid)
	gen $in
	sleep 1
	rss1=$(rss_kb $pid)
	st=$("$BIN/natgate" stats --control "$ctl" --json 2>&1)
	echo "$st" >"$OUT/natgate-stats.json"
	"$PY" - "$st" "$rss0" "$rss1" <<-'EOF'
	import json, sys
	s = json.loads(sys.argv[1]); r0, r1 = int(sys.argv[2]), int(sys.argv[3])
	f = s["flows"]
	print("natgate flows=%d max_flows=%d table_bytes=%d bytes_per_flow=%d rss_before_kb=%d rss_after_kb=%d rss_per_flow=%.0f"
	      % (f, s["max_flows"], s["table_bytes"], s["bytes_per_flow"], r0, r1, r1 * 1024.0 / max(f, 1)))
	EOF
	cleanup
}

# ---------------------------------------------------------------- kernel
kernel_run() {
	local in=${P}k_in rtr=${P}k_rtr wan=${P}k_wan objsize cnt
	mkns $in
	mkns $rtr
	mkns $wan
	ip -n $in link add eth0 type veth peer name lan0 netns $rtr || return 1
	ip -n $rtr link add wan0 type veth peer name eth0 netns $wan || return 1
	ip -n $in addr add 10.123.0.2/16 dev eth0
	ip -n $in link set eth0 up txqueuelen 10000
	ip -n $in route add default via 10.123.0.1
	ip -n $rtr addr add 10.123.0.1/16 dev lan0
	ip -n $rtr link set lan0 up
	ip -n $rtr addr add 203.0.113.1/24 dev wan0
	ip -n $rtr link set wan0 up
	ip -n $wan addr add 203.0.113.10/24 dev eth0
	ip -n $wan link set eth0 up
	nsx $rtr sysctl -qw net.ipv4.ip_forward=1
	nsx $rtr nft -f - <<-'EOF' || return 1
	table ip nat {
		chain postrouting { type nat hook postrouting priority srcnat; policy accept;
			oifname "wan0" ip saddr 10.123.0.0/16 masquerade
		}
	}
	EOF
	nsx $in ping -c 1 -W 2 203.0.113.10 >/dev/null 2>&1
	gen $in
	sleep 1
	cnt=$(nsx $rtr cat /proc/sys/net/netfilter/nf_conntrack_count)
	objsize=$(awk '$1=="nf_conntrack"{print $4; exit}' /proc/slabinfo)
	echo "kernel flows=$cnt nf_conntrack_objsize=${objsize:-?} bytes_per_flow=${objsize:-?} (conntrack object only; NAT extension not counted)"
	cleanup
}

{
	echo "nat_flows: $N UDP flows, natgate ($BIN) vs kernel nftables masquerade"
	natgate_run
	kernel_run
} 2>&1 | tee "$OUT/log.txt"
/usr/bin/python3 - "$OUT/log.txt" <<'EOF' | tee "$OUT/table.txt"
import re, sys
t = open(sys.argv[1]).read()
ng = dict(re.findall(r"(\w+)=([\d.]+)", (re.search(r"^natgate flows=.*$", t, re.M) or [""])[0]))
kn = dict(re.findall(r"(\w+)=([\d.]+)", (re.search(r"^kernel flows=.*$", t, re.M) or [""])[0]))
print("%-34s %-16s %-16s %s" % ("metric", "kernel", "natgate", "ratio natgate/kernel"))
def row(name, k, n):
    r = "%.2fx" % (float(n) / float(k)) if k and n and float(k) else "-"
    print("%-34s %-16s %-16s %s" % (name, k or "-", n or "-", r))
row("flows created", kn.get("flows"), ng.get("flows"))
row("table bytes per flow", kn.get("bytes_per_flow"), ng.get("bytes_per_flow"))
row("whole-process RSS / flows", kn.get("bytes_per_flow"), ng.get("rss_per_flow"))
if ng.get("table_bytes"):
    print("natgate table memory %s bytes for max_flows %s; RSS %s -> %s KiB" % (ng["table_bytes"], ng.get("max_flows"), ng.get("rss_before_kb"), ng.get("rss_after_kb")))
EOF
