#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ARP against ng-echo: arping from the kernel side gets replies carrying natgate's MAC, and the
# kernel's neighbour table learns that same MAC once it talks to natgate.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd arping ping

ng_echo_setup ns pid

tapmac=$(ip -n "$ns" -o link show dev "$NG_TAP" |
	sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')

# arping (Thomas Habets' arping in Debian's "arping" package): 3 requests, 3 replies.
out=$(ng_nsrun "$ns" 20 arping -c 3 -C 3 -W 0.2 -w 5 -i "$NG_TAP" -S "$NG_KERNEL_ADDR" "$NG_ECHO_ADDR" 2>&1)
ng_check "arping exits 0 (replies received)" test $? = 0
nrep=$(printf '%s\n' "$out" | grep -c "bytes from .*($NG_ECHO_ADDR)")
ng_check_eq "arping: 3 replies from $NG_ECHO_ADDR" 3 "$nrep" || printf '%s\n' "$out" | sed 's/^/    /'
arpmac=$(printf '%s\n' "$out" | sed -n "s/.*bytes from \([0-9a-f:]*\) ($NG_ECHO_ADDR).*/\1/p" |
	sort -u)
ng_check_match "arping reply carries one MAC" '^([0-9a-f]{2}:){5}[0-9a-f]{2}$' "$arpmac"
ng_check "natgate's MAC differs from the kernel's TAP MAC ($tapmac)" test "$arpmac" != "$tapmac"
# a unicast, locally administered address (DESIGN: random, locally administered)
first=$((16#${arpmac:0:2}))
ng_check "natgate's MAC $arpmac is unicast" test $((first & 1)) = 0
ng_check "natgate's MAC $arpmac is locally administered" test $((first & 2)) = 2

# The kernel resolves natgate through its own ARP when it sends: the neighbour entry holds the MAC.
ng_nsrun "$ns" 10 ping -n -c 1 -W 2 "$NG_ECHO_ADDR" >/dev/null 2>&1
neigh=$(ng_neigh_mac "$ns" "$NG_TAP" "$NG_ECHO_ADDR")
ng_check_eq "ip neigh shows natgate's MAC for $NG_ECHO_ADDR" "$arpmac" "$neigh"
state=$(ip -n "$ns" neigh show "$NG_ECHO_ADDR" dev "$NG_TAP")
ng_check_match "neighbour entry is resolved" 'REACHABLE|STALE|DELAY|PROBE' "$state"

# ARP for an address natgate does not own gets no answer.
out=$(ng_nsrun "$ns" 10 arping -c 2 -W 0.2 -w 2 -i "$NG_TAP" -S "$NG_KERNEL_ADDR" 10.0.0.3 2>&1)
nrep=$(printf '%s\n' "$out" | grep -c "bytes from")
ng_check_eq "no ARP reply for 10.0.0.3 (not natgate's)" 0 "$nrep"

# Gratuitous ARP updates natgate's cache. The kernel side changes its MAC and pins natgate's
# neighbour entry (so it sends no ARP request natgate could learn from): natgate's reply goes
# to the old MAC and is lost, until an unsolicited ARP (arping -U) announces the new one.
ip -n "$ns" link set dev "$NG_TAP" address 02:00:5e:10:00:01
ip -n "$ns" neigh replace "$NG_ECHO_ADDR" lladdr "$arpmac" dev "$NG_TAP" nud permanent
out=$(ng_nsrun "$ns" 10 ping -n -c 1 -W 1 "$NG_ECHO_ADDR" 2>&1)
ng_check_match "after the kernel's MAC changed, the reply goes to the old MAC (lost)" \
	' 0 received' "$out"
ng_nsrun "$ns" 10 arping -U -c 1 -w 1 -i "$NG_TAP" -S "$NG_KERNEL_ADDR" "$NG_KERNEL_ADDR" \
	>/dev/null 2>&1
out=$(ng_nsrun "$ns" 10 ping -n -c 2 -i 0.2 -W 1 "$NG_ECHO_ADDR" 2>&1)
ng_check_match "after a gratuitous ARP, replies reach the new MAC" ' 2 received' "$out"

ng_check_alive "ng-echo" "$pid"
ng_done
