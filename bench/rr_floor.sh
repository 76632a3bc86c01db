#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/rr_floor.sh - how close can a user-space forwarder come to the kernel's 1-byte
# request/response latency when everything shares one CPU? Three systems, one run, one CPU:
#
#   kernel : inside ns --veth-- router ns (ip_forward + nftables masquerade) --veth-- outside ns
#   bridge : inside ns --TAP-- bench/tap_bridge (one read and one write per frame, nothing
#            else: the floor of a TAP forwarder; one epoll thread, or a thread per direction
#            blocking in read) --TAP-- outside ns, one subnet
#   natgate: inside ns --TAP-- `natgate router` (default options) --TAP-- outside ns
#
# The echo server (outside), the client (inside) and the forwarder are all pinned to CPU 0, as
# peers.sh's rr1 metrics do; the client is the shared harness's tcpbench (ping-pong of 1 byte,
# p50 of N round trips), run R times per system, the median taken. Printed: p50 per system and
# its ratio to the kernel. With the kernel, one CPU runs the client and the server, and the
# forwarding happens inside their system calls: two context switches per round trip. A user-space
# forwarder adds two more (it must run between them, twice) and a read and a write per frame;
# the bridge shows what that costs on this machine with no work at all, natgate what it costs
# with NAT.
#
# Everything lives in namespaces made here (unique names, removed on every exit); nothing in the
# root namespace is touched; every run is bounded (N round trips, timeouts).
# Usage: bash bench/rr_floor.sh BIN_DIR [ITERS] [RUNS] [OUT_DIR]        (as root)
set -u
export LC_ALL=C
BIN=${1:?usage: rr_floor.sh BIN_DIR [ITERS] [RUNS] [OUT_DIR]}
ITERS=${2:-10000}
RUNS=${3:-3}
OUT=${4:-/tmp/rr_floor.$(date +%Y%m%d-%H%M%S)}
TOP=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${NG_SHARED_BENCH:-$TOP/../shared/bench}
[ "$(id -u)" = 0 ] || { echo "rr_floor: run as root" >&2; exit 1; }
[ -x "$BIN/natgate" ] || { echo "rr_floor: no $BIN/natgate" >&2; exit 1; }
[ -f "$SHARED/tcpbench.c" ] || { echo "rr_floor: no $SHARED/tcpbench.c (set NG_SHARED_BENCH)" >&2; exit 1; }
[ "$ITERS" -ge 100 ] && [ "$ITERS" -le 1000000 ] || { echo "rr_floor: ITERS from 100 to 1000000" >&2; exit 2; }
[ "$RUNS" -ge 1 ] && [ "$RUNS" -le 20 ] || { echo "rr_floor: RUNS from 1 to 20" >&2; exit 2; }
for c in ip nft taskset cc timeout; do command -v $c >/dev/null || { echo "rr_floor: $c missing" >&2; exit 1; }; done
mkdir -p "$OUT"
cc -O2 -o "$OUT/tcpbench" "$SHARED/tcpbench.c" || exit 1
cc -O2 -Wall -Wextra -Werror -pthread -o "$OUT/tap_bridge" "$TOP/bench/tap_bridge.c" || exit 1
TB=$OUT/tcpbench
P="rf$$"
. "$(dirname "$0")/lib.sh"
# wait_dev NS DEV: until the device exists (a forwarder creating its TAPs), at most 5 s
wait_dev() {
	local i
	for i in $(seq 50); do ip -n "$1" link show "$2" >/dev/null 2>&1 && return 0; sleep 0.1; done
	echo "rr_floor: no device $2 in $1" >&2
	exit 1
}
# move_tap BOX DEV NS ADDR: a TAP made in BOX goes to NS with ADDR, up
move_tap() {
	ip -n "$1" link set "$2" netns "$3" || exit 1
	ip -n "$3" addr add "$4" dev "$2" && ip -n "$3" link set "$2" up || exit 1
}
wait_listen() {
	local i
	for i in $(seq 50); do ip netns exec "$1" ss -ltn 2>/dev/null | grep -q ":$2 " && return 0; sleep 0.1; done
	echo "rr_floor: nothing listens on $2 in $1" >&2
	exit 1
}

# measure SYS IN_NS ADDR FORWARDER_PID: RUNS pinned ping-pongs, their p50s on one line of
# $OUT/p50.txt (not run in a subshell: the echo server must be in PIDS for cleanup)
measure() {
	local sys=$1 ns=$2 addr=$3 fwd=$4 srv r i p50s=""
	ip netns exec "$WAN" "$TB" server 7000 120 >/dev/null 2>&1 &
	srv=$!
	PIDS+=("$srv")
	wait_listen "$WAN" 7000
	ip netns exec "$ns" timeout 20 "$TB" rr "$addr" 7000 200 >/dev/null # warm up ARP, caches
	for p in $srv $fwd; do taskset -a -p -c 0 "$p" >/dev/null; done
	for i in $(seq "$RUNS"); do
		r=$(timeout 60 ip netns exec "$ns" taskset -c 0 "$TB" rr "$addr" 7000 "$ITERS")
		echo "$sys run $i: $r" >>"$OUT/log.txt"
		p50s="$p50s $(sed -n 's/.*p50_us=\([0-9.]*\).*/\1/p' <<<"$r")"
	done
	echo "$sys$p50s" >>"$OUT/p50.txt"
}

: >"$OUT/log.txt"
: >"$OUT/p50.txt"
# ---- kernel: nftables masquerade in a router namespace
IN=${P}k_in BOX=${P}k_rtr WAN=${P}k_wan
mkns $IN; mkns $BOX; mkns $WAN
ip link add ${P}a netns $IN type veth peer name ${P}b netns $BOX || exit 1
ip link add ${P}c netns $BOX type veth peer name ${P}d netns $WAN || exit 1
ip -n $IN addr add 198.18.0.2/24 dev ${P}a; ip -n $IN link set ${P}a up
ip -n $BOX addr add 198.18.0.1/24 dev ${P}b; ip -n $BOX link set ${P}b up
ip -n $BOX addr add 203.0.113.1/24 dev ${P}c; ip -n $BOX link set ${P}c up
ip -n $WAN addr add 203.0.113.10/24 dev ${P}d; ip -n $WAN link set ${P}d up
ip -n $IN route add default via 198.18.0.1
ip netns exec $BOX sysctl -qw net.ipv4.ip_forward=1
ip netns exec $BOX nft -f - <<-EOF2 || exit 1
	table ip nat {
		chain postrouting { type nat hook postrouting priority srcnat; policy accept;
			oifname "${P}c" ip saddr 198.18.0.0/24 masquerade
		}
	}
	EOF2
measure kernel $IN 203.0.113.10 ""
cleanup

# ---- bridge: the null TAP forwarder (both shapes), one subnet across it
for mode in epoll threads; do
	IN=${P}b_in BOX=${P}b_box WAN=${P}b_wan
	mkns $IN; mkns $BOX; mkns $WAN
	ip netns exec $BOX "$OUT/tap_bridge" $mode tba tbb 300 >>"$OUT/log.txt" 2>&1 &
	PIDS+=($!)
	fwd=$!
	wait_dev $BOX tba; wait_dev $BOX tbb
	move_tap $BOX tba $IN 198.18.0.2/24
	move_tap $BOX tbb $WAN 198.18.0.10/24
	measure bridge-$mode $IN 198.18.0.10 $fwd
	cleanup
done

# ---- natgate router, default options
IN=${P}n_in BOX=${P}n_box WAN=${P}n_wan
mkns $IN; mkns $BOX; mkns $WAN
ip netns exec $BOX "$BIN/natgate" router --lan tap:lan0 --lan-addr 198.18.0.1/24 \
	--wan tap:wan0 --wan-addr 203.0.113.1/24 --wan-gw 203.0.113.254 >"$OUT/natgate.log" 2>&1 &
PIDS+=($!)
fwd=$!
wait_dev $BOX lan0; wait_dev $BOX wan0
move_tap $BOX lan0 $IN 198.18.0.2/24
move_tap $BOX wan0 $WAN 203.0.113.10/24
ip -n $IN route add default via 198.18.0.1
measure natgate $IN 203.0.113.10 $fwd
cleanup

/usr/bin/python3 - "$OUT/p50.txt" <<'PY' | tee "$OUT/table.txt"
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
med = {r[0]: statistics.median(map(float, r[1:])) for r in rows if len(r) > 1}
k = med.get("kernel")
print("1-byte request/response p50, client, server and forwarder on one CPU (median of runs)")
for s in ("kernel", "bridge-epoll", "bridge-threads", "natgate"):
    if s not in med:
        print("%-14s  -" % s)
        continue
    print("%-14s %7.1f us%s" % (s, med[s], "  (%.2fx kernel)" % (med[s] / k) if k and s != "kernel" else ""))
floor = min([med[s] for s in ("bridge-epoll", "bridge-threads") if s in med] or [0])
if floor and "natgate" in med and k:
    print("floor of a TAP forwarder (the faster bridge): %.2fx kernel; natgate %+.1f us from it (%.2fx)"
          % (floor / k, med["natgate"] - floor, med["natgate"] / floor))
PY
echo "rr_floor: log in $OUT"
