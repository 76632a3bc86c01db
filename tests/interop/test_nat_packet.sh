#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# natgate router on AF_PACKET links (--lan packet:IF --wan packet:IF, the router's ends of two veth
# pairs, with no address of their own): a kernel host behind it pings and downloads from an
# outside kernel host, and an outside client reaches a port forward.
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/nat_lib.sh"
ng_require_root
ng_require_cmd curl sha256sum
ng_require_bin natgate
PY=$NG_PY
CTL=$NG_TMP/natgate.ctl

nat_packet_topology

ng_bg rtr_pid "$ns_rtr" natgate "$NG_BIN/natgate" router --lan packet:vlan0 \
	--lan-addr 10.77.0.1/24 --wan packet:vwan0 --wan-addr 198.51.100.2/24 \
	--wan-gw 198.51.100.1 --forward tcp:8080=10.77.0.10:80 --control "$CTL" --log-flows
ng_wait 10 "the control socket" test -S "$CTL"
ng_check "the inside host pings the router" ng_nsrun "$ns_in" 10 ping -n -c 1 -W 2 10.77.0.1
ng_check "the inside host pings the outside host through the NAT" \
	ng_nsrun "$ns_in" 10 ping -n -c 2 -i 0.2 -W 2 198.51.100.1

www=$NG_TMP/www
mkdir -p "$www"
head -c $((8 * 1024 * 1024)) /dev/urandom >"$www/f.bin"
want=$(sha256sum <"$www/f.bin" | cut -d' ' -f1)
ng_bg h_out "$ns_out" http-out sh -c "cd '$www' && exec $PY -m http.server -b 0.0.0.0 8000"
ng_bg h_in "$ns_in" http-in sh -c "cd '$www' && exec $PY -m http.server -b 0.0.0.0 80"
ng_wait 10 "servers" sh -c "ip netns exec $ns_out ss -Hltn 'sport = :8000' | grep -q . &&
	ip netns exec $ns_in ss -Hltn 'sport = :80' | grep -q ."
got=$(ng_nsrun "$ns_in" 60 curl -sS --max-time 50 http://198.51.100.1:8000/f.bin | sha256sum | cut -d' ' -f1)
ng_check_eq "8 MB download through the NAT on AF_PACKET links (super-segments forwarded whole)" \
	"$want" "$got"
nat_check_match "the outside server saw the public address" "^198\.51\.100\.2 - " \
	"$(cat "$(ng_logfile http-out)")"
got=$(ng_nsrun "$ns_out" 60 curl -sS --max-time 50 http://198.51.100.2:8080/f.bin | sha256sum | cut -d' ' -f1)
ng_check_eq "8 MB through the port forward" "$want" "$got"
nat_check_match "the inside server saw the real client" "^198\.51\.100\.1 - " \
	"$(cat "$(ng_logfile http-in)")"
ng_check_alive "natgate router" "$rtr_pid"
ng_done
