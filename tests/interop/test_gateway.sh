#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Routing of natgate's output: a peer outside the connected subnet is reached through --gw (the
# reply goes to the gateway's MAC), and without a gateway there is no route, so no reply.
# The kernel side owns 10.0.0.1/24 on the TAP and 192.0.2.1 (documentation range) on lo.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd ping
FAR=192.0.2.1

# 1. with --gw 10.0.0.1 (the kernel), a ping and a UDP echo from 192.0.2.1 are answered
cap="$NG_TMP/gw.pcap"
ng_echo_setup ns pid --gw "$NG_KERNEL_ADDR" --log info --pcap "$cap"
ip -n "$ns" addr add "$FAR/32" dev lo
out=$(ng_nsrun "$ns" 15 ping -n -c 3 -i 0.2 -W 2 -I "$FAR" "$NG_ECHO_ADDR" 2>&1)
ng_check_match "--gw: ping from $FAR (off-subnet) answered" ' 3 received' "$out"
out=$(ng_nsrun "$ns" 15 "$NG_PY" - "$FAR" "$NG_ECHO_ADDR" <<'PY' 2>&1
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.connect((sys.argv[2], 7))
s.settimeout(3)
data = bytes(range(256)) * 12
s.send(data)
print("ok" if s.recv(65536) == data else "FAIL: echo differs")
PY
)
ng_check_eq "--gw: 3072-byte UDP echo to $FAR (fragmented, via the gateway)" ok "$out"
tapmac=$(ip -n "$ns" -o link show dev "$NG_TAP" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
ng_stop_pid "$pid"
ng_check_eq "ng-echo --gw exits 0" 0 "$?"
# In the capture: the replies to 192.0.2.1 went to the gateway's MAC, and natgate never asked
# ARP for 192.0.2.1 itself.
if command -v tshark >/dev/null; then
	count()
	{
		tshark -r "$cap" -Y "$1" -T fields -e frame.number 2>/dev/null | wc -l
	}
	ng_check_num "--gw: replies to $FAR sent to the gateway's MAC $tapmac" \
		"$(count "ip.src == $NG_ECHO_ADDR && ip.dst == $FAR && eth.dst == $tapmac")" -ge 4
	ng_check_num "--gw: replies to $FAR sent to any other MAC" \
		"$(count "ip.dst == $FAR && eth.dst != $tapmac")" -eq 0
	ng_check_num "--gw: natgate sent no ARP request for $FAR" \
		"$(count "arp.opcode == 1 && arp.src.proto_ipv4 == $NG_ECHO_ADDR && arp.dst.proto_ipv4 == $FAR")" -eq 0
fi

# 2. without a gateway, 192.0.2.1 is unreachable for natgate: no reply, counted as no route
ng_start pid "$ns" "$NG_TAP" ng-echo-nogw "$NG_BIN/ng-echo" --tap "$NG_TAP" \
	--addr "$NG_ECHO_ADDR/24" --log info
ip -n "$ns" addr replace "$NG_KERNEL_ADDR/24" dev "$NG_TAP"
ip -n "$ns" link set dev "$NG_TAP" up
out=$(ng_nsrun "$ns" 15 ping -n -c 2 -i 0.2 -W 1 -I "$FAR" "$NG_ECHO_ADDR" 2>&1)
ng_check_match "no --gw: ping from $FAR not answered" ' 0 received' "$out"
out=$(ng_nsrun "$ns" 15 ping -n -c 1 -W 2 "$NG_ECHO_ADDR" 2>&1)
ng_check_match "no --gw: ping from the subnet still answered" ' 1 received' "$out"
ng_stop_pid "$pid"
ng_check_match "no --gw: the unanswered pings were counted as 'ipv4 no route'" \
	'dropped [1-9][0-9]*: ipv4 no route$' "$(cat "$(ng_logfile ng-echo-nogw)")"

# 3. a gateway outside the subnet is refused
ng_nsrun "$ns" 10 "$NG_BIN/ng-echo" --tap ngg --addr "$NG_ECHO_ADDR/24" --gw 10.0.1.1 \
	>"$NG_TMP/out" 2>"$NG_TMP/err" </dev/null
ng_check_eq "--gw outside the subnet: exit status 2" 2 "$?"
ng_check_eq "--gw outside the subnet: one line on stderr" 1 "$(grep -c . "$NG_TMP/err")"
ng_done
