#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# demo.sh - natgate's main job in one minute: a private host and a public host with natgate's NAT
# router between them, a port forward, traffic both ways, the flow table, and the ladder diagram
# of one of the connections. Everything lives in network namespaces this script creates; all of
# them, and every process it starts, are removed when it ends, on failure too.
#
#   inside  192.168.1.10 --tap-- [natgate router 192.168.1.1 | 203.0.113.2] --tap-- outside 203.0.113.1
#
# Usage: bash scripts/demo.sh [BUILD_DIR]   (as root)
set -u
BUILD=${1:-build}
BIN=$(cd "$BUILD/bin" 2>/dev/null && pwd) || { echo "demo: no $BUILD/bin; run make first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "demo: needs root (it makes network namespaces)" >&2; exit 1; }
[ -e /dev/net/tun ] || { echo "demo: no /dev/net/tun" >&2; exit 1; }
PY=/usr/bin/python3

TAG=ngdemo$$
NS_IN=$TAG-in; NS_RTR=$TAG-rtr; NS_OUT=$TAG-out
TMP=$(mktemp -d /tmp/natgate-demo.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	for n in $NS_IN $NS_RTR $NS_OUT; do ip netns del "$n" 2>/dev/null; rm -rf "/etc/netns/$n"; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { echo "demo: $*" >&2; exit 1; }
wait_for() { # seconds description command...
	local t=$1 what=$2 i
	shift 2
	for i in $(seq $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	fail "timed out waiting for $what"
}

step "namespaces: inside ($NS_IN), router ($NS_RTR), outside ($NS_OUT)"
for n in $NS_IN $NS_RTR $NS_OUT; do
	ip netns add "$n" || fail "ip netns add $n"
	ip -n "$n" link set lo up
	# name lookups inside go to loopback only, never to the host's resolver
	mkdir -p "/etc/netns/$n" && echo "nameserver 127.0.0.1" >"/etc/netns/$n/resolv.conf"
done

step "natgate router: LAN 192.168.1.1/24, WAN 203.0.113.2/24, forward tcp:8080 -> 192.168.1.10:80"
ip netns exec $NS_RTR "$BIN/natgate" router --lan tap:nglan0 --lan-addr 192.168.1.1/24 \
	--wan tap:ngwan0 --wan-addr 203.0.113.2/24 --wan-gw 203.0.113.1 \
	--forward tcp:8080=192.168.1.10:80 --control "$TMP/ctl" --pcap "$TMP/demo.pcap" \
	--log-flows >"$TMP/router.log" 2>&1 &
PIDS+=($!)
wait_for 5 "the router's TAPs" ip -n $NS_RTR link show ngwan0
ip -n $NS_RTR link set nglan0 netns $NS_IN
ip -n $NS_RTR link set ngwan0 netns $NS_OUT
ip -n $NS_IN addr add 192.168.1.10/24 dev nglan0; ip -n $NS_IN link set nglan0 up
ip -n $NS_IN route add default via 192.168.1.1
ip -n $NS_OUT addr add 203.0.113.1/24 dev ngwan0; ip -n $NS_OUT link set ngwan0 up

mkdir -p "$TMP/www-in" "$TMP/www-out"
head -c $((8 * 1048576)) /dev/urandom >"$TMP/www-out/file.bin"
echo "hello from the inside server" >"$TMP/www-in/index.txt"
ip netns exec $NS_OUT $PY -m http.server -b 203.0.113.1 8000 -d "$TMP/www-out" >/dev/null 2>&1 &
PIDS+=($!)
ip netns exec $NS_IN $PY -m http.server -b 192.168.1.10 80 -d "$TMP/www-in" >"$TMP/inside-http.log" 2>&1 &
PIDS+=($!)
wait_for 10 "the outside web server" ip netns exec $NS_OUT $PY -c "import socket; socket.create_connection(('203.0.113.1', 8000), 1)"
wait_for 10 "the inside web server" ip netns exec $NS_IN $PY -c "import socket; socket.create_connection(('192.168.1.10', 80), 1)"

step "inside -> outside: ping 203.0.113.1 through the NAT"
ip netns exec $NS_IN ping -n -c 3 -i 0.2 -W 2 203.0.113.1 || fail "ping through the NAT failed"

step "inside -> outside: curl an 8 MiB file from http://203.0.113.1:8000/"
ip netns exec $NS_IN curl -sS --max-time 60 -o "$TMP/got.bin" -w 'downloaded %{size_download} bytes at %{speed_download} B/s\n' \
	http://203.0.113.1:8000/file.bin || fail "download failed"
a=$(sha256sum <"$TMP/www-out/file.bin"); b=$(sha256sum <"$TMP/got.bin")
[ "$a" = "$b" ] && echo "sha256 matches: ${a%% *}" || fail "sha256 mismatch"

step "outside -> inside: ping the public address 203.0.113.2, curl the port forward 203.0.113.2:8080"
ip netns exec $NS_OUT ping -n -c 2 -i 0.2 -W 2 203.0.113.2 || fail "ping of the public address failed"
ip netns exec $NS_OUT curl -sS --max-time 10 http://203.0.113.2:8080/index.txt || fail "port forward failed"
echo "the inside server saw the outside client's real address:"
grep -m1 'GET /index.txt' "$TMP/inside-http.log" | sed 's/^/  /'

step "the flow table (natgate conntrack)"
"$BIN/natgate" conntrack --control "$TMP/ctl" || fail "natgate conntrack failed"

step "counters (natgate stats)"
"$BIN/natgate" stats --control "$TMP/ctl" | head -40

step "ladder diagram of the port-forwarded connection, from natgate's own capture"
kill "${PIDS[0]}" 2>/dev/null; wait "${PIDS[0]}" 2>/dev/null
ls "$TMP"/demo*.pcap >/dev/null 2>&1 || fail "no capture written"
cap=$(ls "$TMP"/demo*wan*.pcap "$TMP"/demo.pcap 2>/dev/null | head -1)
"$BIN/natgate" trace "$cap" --port 8080 || fail "natgate trace failed"
step "done: all namespaces and processes are removed"
