#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ng-echo --pcap FILE writes a capture that tshark reads, holding the frames that crossed the
# TAP: ARP request and reply, ICMP echo request and reply, UDP echo both ways, and natgate's own
# IP fragments, with wall-clock timestamps.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd tshark ping

cap="$NG_TMP/echo.pcap"
ng_echo_setup ns pid --pcap "$cap"

ng_nsrun "$ns" 15 ping -n -c 2 -i 0.2 -W 2 "$NG_ECHO_ADDR" >/dev/null 2>&1
ng_nsrun "$ns" 15 ping -n -c 1 -W 2 -s 3000 "$NG_ECHO_ADDR" >/dev/null 2>&1
ng_nsrun "$ns" 15 "$NG_PY" "$NG_LIBDIR/udp_client.py" echo "$NG_ECHO_ADDR" 7 100 >/dev/null 2>&1
mac=$(ng_neigh_mac "$ns" "$NG_TAP" "$NG_ECHO_ADDR")

# Stop ng-echo so that the capture is complete and closed.
ng_stop_pid "$pid"
ng_check_eq "ng-echo exits 0 on SIGTERM" 0 "$?"
ng_require "capture file $cap exists and is not empty" test -s "$cap"

# count FILTER: frames of the capture matching a tshark display filter
count()
{
	tshark -r "$cap" -Y "$1" -T fields -e frame.number 2>/dev/null | wc -l
}

ng_require "tshark reads the capture" bash -c 'tshark -r "$1" >/dev/null 2>&1' _ "$cap"
total=$(count "frame")
ng_check_num "capture holds frames" "$total" -ge 12
ng_check_num "ARP request to natgate" "$(count "arp.opcode == 1 && arp.dst.proto_ipv4 == $NG_ECHO_ADDR")" -ge 1
ng_check_num "ARP reply from natgate" "$(count "arp.opcode == 2 && arp.src.proto_ipv4 == $NG_ECHO_ADDR")" -ge 1
ng_check_num "ICMP echo requests (2 + 1 reassembled)" \
	"$(count "icmp.type == 8 && ip.dst == $NG_ECHO_ADDR")" -eq 3
ng_check_num "ICMP echo replies (2 + 1 reassembled)" \
	"$(count "icmp.type == 0 && ip.src == $NG_ECHO_ADDR")" -eq 3
ng_check_num "UDP datagram to port 7" "$(count "udp.dstport == 7 && ip.dst == $NG_ECHO_ADDR")" -eq 1
ng_check_num "UDP echo from port 7" "$(count "udp.srcport == 7 && ip.src == $NG_ECHO_ADDR")" -eq 1
ng_check_num "natgate sent IP fragments (3000-byte ping reply)" \
	"$(count "ip.src == $NG_ECHO_ADDR && (ip.flags.mf == 1 || ip.frag_offset > 0)")" -ge 3
if [ -n "$mac" ]; then
	ng_check_num "frames from natgate carry its MAC $mac" \
		"$(count "ip.src == $NG_ECHO_ADDR && eth.src != $mac")" -eq 0
fi
ng_check_num "no malformed frames in the capture" "$(count "_ws.malformed || _ws.expert.severity == error")" -eq 0

# timestamps are UNIX time (within 10 minutes of now)
first=$(tshark -r "$cap" -c 1 -T fields -e frame.time_epoch 2>/dev/null | cut -d. -f1)
now=$(date +%s)
ng_check "first frame's timestamp ($first) is within 10 minutes of now ($now)" \
	test "${first:-0}" -gt $((now - 600)) -a "${first:-0}" -le $((now + 600))
ng_done
