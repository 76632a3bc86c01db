#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Malformed frames from the kernel side (scapy): bad checksums, truncated headers, bogus IHL and
# lengths, overlapping fragments, bad ARP, bad UDP, and a few hundred fuzzed frames. ng-echo must
# not answer the malformed ones, must answer the well-formed controls mixed among them, must
# survive, must still answer ping and UDP afterwards, and must have counted the drops by reason
# (ng-echo --log info prints its nonzero drop counters when it stops).
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_scapy
ng_require_cmd ping

ng_echo_setup ns pid --log info

ng_nsrun "$ns" 10 ping -n -c 1 -W 2 "$NG_ECHO_ADDR" >/dev/null 2>&1
mac=$(ng_neigh_mac "$ns" "$NG_TAP" "$NG_ECHO_ADDR")
ng_require "kernel learnt natgate's MAC" test -n "$mac"

out=$(ng_nsrun "$ns" 180 "$NG_PY" "$NG_LIBDIR/malformed.py" "$NG_TAP" "$NG_KERNEL_ADDR" \
	"$NG_ECHO_ADDR" "$mac" 400 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
ng_check_eq "malformed frames dropped, controls answered (malformed.py)" 0 "$rc"

ng_check_alive "ng-echo after malformed frames" "$pid"
out=$(ng_nsrun "$ns" 15 ping -n -c 3 -i 0.2 -W 2 "$NG_ECHO_ADDR" 2>&1)
ng_check_match "ping still answered afterwards" ' 3 received' "$out"
out=$(ng_nsrun "$ns" 15 "$NG_PY" "$NG_LIBDIR/udp_client.py" echo "$NG_ECHO_ADDR" 7 1 3000 2>&1)
ng_check_eq "UDP echo still works afterwards" 0 "$?"

# ng-echo exits cleanly (status 0: no leaked packets) on SIGTERM
ng_stop_pid "$pid"
ng_check_eq "ng-echo exits 0 on SIGTERM after the abuse" 0 "$?"

# The drop counters, one line per nonzero reason: "... dropped N: <reason text>". (A frame
# shorter than an Ethernet header cannot be sent from the kernel side: AF_PACKET pads it to 14
# bytes. The fuzz target covers that case.)
drops=$(grep -E 'dropped [0-9]+: ' "$(ng_logfile ng-echo)")
printf '%s\n' "$drops" | sed 's/^/    /'
for reason in "ethernet destination not ours" "unsupported ethertype" "arp truncated" \
	"arp not ipv4-over-ethernet" "ipv4 bad version" "ipv4 bad header length" \
	"ipv4 bad total length" "ipv4 bad header checksum" "ipv4 malformed options" \
	"ipv4 bad source address" "ipv4 not addressed to us" "ipv4 overlapping fragment" \
	"icmp truncated" "icmp bad checksum" "udp truncated" "udp bad length" "udp bad checksum"; do
	ng_check_match "drops counted as '$reason'" "dropped [1-9][0-9]*: $reason\$" "$drops"
done
ng_done
