#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A datagram to a closed UDP port of natgate draws an ICMP port unreachable (RFC 1122 4.1.3.1),
# which the kernel reports as ECONNREFUSED on its connected UDP socket. Those ICMP errors are
# rate-limited (RFC 1812 4.3.2.8; natgate: a token bucket of 50, refilled at 100 per second).
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root

ng_echo_setup ns pid --log info

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

# A flood of 400 datagrams to a closed port: some unreachables come back, but no more than the
# bucket (50) plus what refills while the flood lasts (100/s), and the rest are counted.
sleep 1 # let the bucket refill after the probes above
out=$(ng_nsrun "$ns" 20 "$NG_PY" "$NG_LIBDIR/udp_client.py" flood "$NG_ECHO_ADDR" 9 400 2>&1)
printf '%s\n' "$out" | sed 's/^/    /'
got=$(printf '%s\n' "$out" | sed -n 's/.*, got \([0-9]*\)$/\1/p')
secs=$(printf '%s\n' "$out" | sed -n 's/^sent [0-9]* in \([0-9.]*\) s.*/\1/p')
limit=$(awk -v s="${secs:-9}" 'BEGIN { printf "%d", 50 + 100 * (s + 0.2) + 5 }')
ng_check_num "flood: some port unreachables sent" "${got:-0}" -ge 10
ng_check_num "flood: port unreachables rate-limited (flood took ${secs:-?} s)" "${got:-999}" -le "$limit"
ng_check_alive "ng-echo after the flood" "$pid"
ng_stop_pid "$pid"
ng_check_match "flood: the rest counted as 'icmp error rate-limited'" \
	'dropped [1-9][0-9]*: icmp error rate-limited$' "$(cat "$(ng_logfile ng-echo)")"
ng_done
