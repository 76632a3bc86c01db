#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A kernel UDP client gets exact echoes from ng-echo (RFC 862) of datagrams from 1 to 65507
# bytes (the big ones fragmented both ways), and on a port set with --port.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root

ng_echo_setup ns pid

# resolve ARP first so that the first datagram is not held in the kernel's small ARP queue
ng_nsrun "$ns" 10 ping -n -c 1 -W 2 "$NG_ECHO_ADDR" >/dev/null 2>&1

out=$(ng_nsrun "$ns" 90 "$NG_PY" "$NG_LIBDIR/udp_client.py" echo "$NG_ECHO_ADDR" 7 \
	1 2 100 1472 1473 3000 8000 65507 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
ng_check_eq "exact echoes of 1..65507-byte datagrams on port 7" 0 "$rc"
ng_check_alive "ng-echo" "$pid"

# --port moves the service: port 7 is closed then, the new port echoes.
ng_stop_pid "$pid"
ng_start pid2 "$ns" "$NG_TAP" ng-echo-port "$NG_BIN/ng-echo" --tap "$NG_TAP" \
	--addr "$NG_ECHO_ADDR/24" --port 4007
ip -n "$ns" addr replace "$NG_KERNEL_ADDR/24" dev "$NG_TAP"
ip -n "$ns" link set dev "$NG_TAP" up
out=$(ng_nsrun "$ns" 30 "$NG_PY" "$NG_LIBDIR/udp_client.py" echo "$NG_ECHO_ADDR" 4007 \
	1 1473 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
ng_check_eq "--port 4007: exact echoes" 0 "$rc"
out=$(ng_nsrun "$ns" 10 "$NG_PY" "$NG_LIBDIR/udp_client.py" refused "$NG_ECHO_ADDR" 7 2>&1)
ng_check_eq "--port 4007: port 7 is closed" 0 "$?"
ng_check_alive "ng-echo --port 4007" "$pid2"
ng_done
