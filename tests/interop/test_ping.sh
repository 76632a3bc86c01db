#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The kernel pings ng-echo across a TAP: small, full-MTU (1472) and 8000-byte payloads; the big
# ones are fragmented by the kernel on the way in and by natgate on the way out.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd ping

ng_echo_setup ns pid

# ping -c N -s SIZE [NS]: every request answered, nothing lost (a TAP does not lose frames).
ping_all()
{
	local size=$1 count=$2 pns=${3:-$ns} out rx
	out=$(ng_nsrun "$pns" 30 ping -n -c "$count" -i 0.2 -W 2 -s "$size" "$NG_ECHO_ADDR" 2>&1)
	rx=$(printf '%s\n' "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	ng_check_eq "ping -s $size: $count of $count replies" "$count" "${rx:-0}" ||
		printf '%s\n' "$out" | tail -n 5 | sed 's/^/    /'
	# iputils ping checks the echoed payload and prints "wrong data byte" on a mismatch
	ng_check "ping -s $size: payload echoed unchanged" \
		bash -c '! grep -qiE "wrong data|DUP!" <<<"$1"' _ "$out"
}

ping_all 56 3
ping_all 1472 3
ping_all 8000 3
ping_all 0 2
# The largest echo that fits an IPv4 datagram: 65507 bytes of ICMP data (65535 - 20 - 8).
ping_all 65507 2

ng_check_alive "ng-echo" "$pid"

# --mtu 576 (the IPv4 minimum every host must reassemble, RFC 791): the TAP gets that MTU on
# the kernel side too, and an 8000-byte ping travels as 15 fragments each way.
ng_ns_new ns2
ng_start pid2 "$ns2" "$NG_TAP" ng-echo-mtu576 "$NG_BIN/ng-echo" --tap "$NG_TAP" \
	--addr "$NG_ECHO_ADDR/24" --mtu 576
ng_tap_up "$ns2" "$NG_TAP" "$NG_KERNEL_ADDR/24"
ng_check_match "--mtu 576 sets the TAP's MTU" 'mtu 576 ' "$(ip -n "$ns2" link show dev "$NG_TAP")"
ping_all 548 2 "$ns2"
ping_all 8000 2 "$ns2"
ng_check_alive "ng-echo --mtu 576" "$pid2"

# --mtu 65520 (the largest a TAP takes): a 65000-byte ping travels in one frame each way.
ng_ns_new ns3
ng_start pid3 "$ns3" "$NG_TAP" ng-echo-mtu65520 "$NG_BIN/ng-echo" --tap "$NG_TAP" \
	--addr "$NG_ECHO_ADDR/24" --mtu 65520
ng_tap_up "$ns3" "$NG_TAP" "$NG_KERNEL_ADDR/24"
ng_check_match "--mtu 65520 sets the TAP's MTU" 'mtu 65520 ' "$(ip -n "$ns3" link show dev "$NG_TAP")"
out=$(ng_nsrun "$ns3" 15 ping -n -c 2 -i 0.2 -W 2 -M "do" -s 65000 "$NG_ECHO_ADDR" 2>&1)
ng_check_match "--mtu 65520: 65000-byte ping with DF set answered (no fragmentation)" \
	' 2 received' "$out"
ng_check_alive "ng-echo --mtu 65520" "$pid3"
ng_done
