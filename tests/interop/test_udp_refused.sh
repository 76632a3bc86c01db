#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A datagram to a closed UDP port of natgate draws an ICMP port unreachable (RFC 1122 4.1.3.1),
# which the kernel reports as ECONNREFUSED on its connected UDP socket.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root

ng_echo_setup ns pid

for port in 9 33434 65535; do
	out=$(ng_nsrun "$ns" 15 "$NG_PY" "$NG_LIBDIR/udp_client.py" refused "$NG_ECHO_ADDR" "$port" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/    /'
	ng_check_eq "connected socket to closed port $port gets ECONNREFUSED" 0 "$rc"
done
# the open port still echoes (so the refusals were not a broken stack)
out=$(ng_nsrun "$ns" 15 "$NG_PY" "$NG_LIBDIR/udp_client.py" echo "$NG_ECHO_ADDR" 7 10 2>&1)
ng_check_eq "port 7 still echoes" 0 "$?"
ng_check_alive "ng-echo" "$pid"
ng_done
