#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# natgate router against kernel hosts, the RFC behaviours: ICMP errors translated with their
# quoted headers (a TTL expiry on a router beyond, a port unreachable), address-dependent
# filtering (the default), RFC 5382 REQ-4 for an unsolicited SYN, and TCP simultaneous open.
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/nat_lib.sh"
ng_require_root
PEER="$NG_PY $NG_LIBDIR/nat_peer.py"

nat_setup --trace

# ---- ICMP error translation ----
out=$(ng_nsrun "$ns_h1" 10 ping -n -c 1 -W 2 -t 2 $NAT_FAR 2>&1)
nat_check_match "ping with TTL 2: time exceeded from the router beyond reaches h1" \
	"From $NAT_OUT.*Time to live exceeded" "$out"
out=$(ng_nsrun "$ns_h1" 10 $PEER ttl $NAT_FAR 33434 2 2>&1)
nat_check_match "UDP with TTL 2: the kernel matched the translated quote to its socket" \
	"error type=11 code=0 offender=$NAT_OUT" "$out"
out=$(ng_nsrun "$ns_h1" 10 $PEER refused $NAT_OUT 9 2>&1)
ng_check_eq "UDP to a closed outside port: ECONNREFUSED (port unreachable matched the socket)" \
	refused "$out"
ng_check "h1 still reaches the outside after the errors (no mapping torn down)" \
	ng_nsrun "$ns_h1" 10 ping -n -c 1 -W 2 $NAT_FAR

# ---- address-dependent filtering (default) ----
ng_bg w_pid "$ns_h1" udpwait $PEER udpwait $NAT_OUT 7000 41000 4
sleep 1
ng_nsrun "$ns_out" 5 $PEER udpsend $NAT_PUB 41000 7001 $NAT_OUT  # same address, other port
ng_nsrun "$ns_out" 5 $PEER udpsend $NAT_PUB 41000 7000 $NAT_OUT2 # other address
wait "$w_pid"
got=$(cat "$(ng_logfile udpwait)")
nat_check_match "address-dependent filtering: the contacted address, another port, gets in" \
	"from $NAT_OUT:7001" "$got"
if grep -q "$NAT_OUT2" <<<"$got"; then
	ng_fail "address-dependent filtering let an unrelated address in"
else
	ng_pass "address-dependent filtering: an unrelated address is dropped"
fi

# ---- RFC 5382 REQ-4: unsolicited SYN held 6 s, then port unreachable ----
out=$(ng_nsrun "$ns_out" 20 $PEER lateconnect $NAT_PUB 4444 15)
secs=${out%% *}
nat_check_match "an unsolicited SYN is refused (ICMP port unreachable)" "ConnectionRefused" "$out"
ng_check "... only after at least 6 s (got $secs s)" \
	/usr/bin/python3 -c "import sys; sys.exit(0 if 6.0 <= float('$secs') < 10 else 1)"

# ---- TCP simultaneous open through the NAT ----
ng_bg so_out "$ns_out" simopen-out $PEER simopen $NAT_OUT 5555 $NAT_PUB 4445
sleep 0.5
out=$(ng_nsrun "$ns_h1" 20 $PEER simopen $NAT_H1 4445 $NAT_OUT 5555 2>&1)
nat_check_match "simultaneous open: the inside side connected" "connected, got b'hi from" "$out"
wait "$so_out"
ng_check_eq "simultaneous open: the outside side connected" 0 "$?"
nat_check_match "simultaneous open: seen by conntrack" "tcp +out +(ESTABLISHED|FIN_WAIT_.|TIME_WAIT|CLOSE).*$NAT_H1:4445" \
	"$(nat_conntrack)"
ng_check_alive "natgate router" "$rtr_pid"
ng_done
