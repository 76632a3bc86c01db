#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# natgate router between two kernel hosts on a bridged LAN and an outside kernel host: ping, a
# large HTTP download with sha256 from both inside hosts, UDP request/response, only the public
# address seen outside, the same source port from both hosts, endpoint-independent mapping, a
# port forward with the real client address, hairpinning, and `natgate conntrack --json`.
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/nat_lib.sh"
ng_require_root
ng_require_cmd curl sha256sum
PEER="$NG_PY $NG_LIBDIR/nat_peer.py"
SIZE_MB=${NAT_SIZE_MB:-64}

nat_setup --forward tcp:8080=$NAT_H1:80 --forward udp:5000-5009=$NAT_H1:6000

ng_check "ping the router's LAN address" ng_nsrun "$ns_h1" 5 ping -n -c 1 -W 2 $NAT_LAN
ng_check "ping the router's WAN address from outside" ng_nsrun "$ns_out" 5 ping -n -c 1 -W 2 $NAT_PUB
ng_check "h1 pings the outside host through the NAT" \
	ng_nsrun "$ns_h1" 10 ping -n -c 3 -i 0.2 -W 2 $NAT_OUT
ng_check "h2 pings the outside host through the NAT" \
	ng_nsrun "$ns_h2" 10 ping -n -c 3 -i 0.2 -W 2 $NAT_OUT

ng_check "a 4000-byte ping (fragments, reassembled, translated, fragmented again)" \
	ng_nsrun "$ns_h1" 10 ping -n -c 2 -i 0.2 -W 2 -s 4000 $NAT_OUT

# ---- HTTP download through the NAT from both inside hosts ----
www=$NG_TMP/www
mkdir -p "$www"
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$www/big.bin"
want=$(sha256sum <"$www/big.bin" | cut -d' ' -f1)
ng_bg http_pid "$ns_out" http-out sh -c "cd '$www' && exec $NG_PY -m http.server -b 0.0.0.0 8000"
ng_wait 10 "http server" ng_nsrun "$ns_out" 2 sh -c "ss -Hltn 'sport = :8000' | grep -q ."
for h in 1 2; do
	eval ns=\$ns_h$h
	t0=$(date +%s%N)
	got=$(ng_nsrun "$ns" 120 curl -sS --max-time 100 http://$NAT_OUT:8000/big.bin | sha256sum | cut -d' ' -f1)
	t1=$(date +%s%N)
	ng_check_eq "h$h downloads ${SIZE_MB} MB through the NAT, sha256 matches" "$want" "$got"
	ng_log "h$h: ${SIZE_MB} MB in $(((t1 - t0) / 1000000)) ms"
done
log=$(cat "$(ng_logfile http-out)")
nat_check_match "the outside server saw the public address" "^$NAT_PUB - " "$log"
if grep -q '^192\.168\.' <<<"$log"; then
	ng_fail "an inside address leaked to the outside server"
else
	ng_pass "no inside address seen outside"
fi

# ---- both hosts download at once from the same source port ----
for h in 1 2; do
	eval ns=\$ns_h$h
	ng_bg dl$h "$ns" dl-h$h sh -c "curl -sS --max-time 100 --local-port 45000 \
		http://$NAT_OUT:8000/big.bin | sha256sum | cut -d' ' -f1"
done
wait "$dl1" "$dl2"
ct=$(nat_conntrack)
for h in 1 2; do
	ng_check_eq "h$h: concurrent download from source port 45000 intact" "$want" \
		"$(cat "$(ng_logfile dl-h$h)")"
done
p1=$(sed -n "s/.*inside=$NAT_H1:45000 public=$NAT_PUB:\([0-9]*\) remote=$NAT_OUT:8000.*/\1/p" <<<"$ct")
p2=$(sed -n "s/.*inside=$NAT_H2:45000 public=$NAT_PUB:\([0-9]*\) remote=$NAT_OUT:8000.*/\1/p" <<<"$ct")
ng_check "both hosts' port 45000 got distinct public ports ($p1, $p2)" \
	test -n "$p1" -a -n "$p2" -a "$p1" != "$p2"

# ---- UDP request/response, same source port from both hosts ----
ng_bg udp_pid "$ns_out" udp-out $PEER udpsrv 7000 60
ng_bg udp2_pid "$ns_out" udp-out2 $PEER udpsrv 7001 60
sleep 0.5
r1=$(ng_nsrun "$ns_h1" 10 $PEER udpreq $NAT_OUT 7000 40000)
nat_check_match "h1 UDP request/response, seen from the public address" "^$NAT_PUB:40000\$" "$r1"
r2=$(ng_nsrun "$ns_h2" 10 $PEER udpreq $NAT_OUT 7000 40000)
nat_check_match "h2 UDP from the same source port gets an answer" "^$NAT_PUB:[0-9]+\$" "$r2"
ng_check "the two hosts got distinct public ports" test "$r1" != "$r2"
# endpoint-independent mapping: h1's port 40000 keeps its public port towards another server
r3=$(ng_nsrun "$ns_h1" 10 $PEER udpreq $NAT_OUT2 7001 40000)
ng_check_eq "endpoint-independent mapping (same public port to a second server)" \
	"$NAT_PUB:40000" "$r3"

# ---- port forward: outside client -> public:8080 -> h1:80; the server sees the real client ----
ng_bg fwd_pid "$ns_h1" http-in sh -c "cd '$www' && exec $NG_PY -m http.server -b 0.0.0.0 80"
ng_wait 10 "inside http server" ng_nsrun "$ns_h1" 2 sh -c "ss -Hltn 'sport = :80' | grep -q ."
got=$(ng_nsrun "$ns_out" 60 curl -sS --max-time 50 http://$NAT_PUB:8080/big.bin | sha256sum | cut -d' ' -f1)
ng_check_eq "outside client downloads through the port forward" "$want" "$got"
nat_check_match "the inside server saw the outside client's real address" "^$NAT_OUT - " \
	"$(cat "$(ng_logfile http-in)")"
# hairpin: h2 reaches the forward through the public address
got=$(ng_nsrun "$ns_h2" 60 curl -sS --max-time 50 http://$NAT_PUB:8080/big.bin | sha256sum | cut -d' ' -f1)
ng_check_eq "hairpin: h2 downloads through the public address" "$want" "$got"
nat_check_match "hairpin: the inside server saw the public address" "^$NAT_PUB - " \
	"$(cat "$(ng_logfile http-in)")"
# UDP forward range: public 5003 -> h1:6003
ng_bg udpin_pid "$ns_h1" udp-in $PEER udpsrv 6003 30
sleep 0.5
r4=$(ng_nsrun "$ns_out" 10 $PEER udpreq $NAT_PUB 5003 41000)
ng_check_eq "UDP forward range 5003 -> h1:6003 sees the real client" "$NAT_OUT:41000" "$r4"

# ---- the flow table ----
ct=$(nat_conntrack --json)
nat_check_match "conntrack --json lists the UDP flow of h1" \
	"\"proto\":\"udp\",\"dir\":\"out\",\"state\":\"REPLIED\".*\"inside\":\"$NAT_H1:40000\",\"public\":\"$NAT_PUB:40000\",\"remote\":\"$NAT_OUT:7000\"" "$ct"
nat_check_match "conntrack --json lists a TCP flow" "\"proto\":\"tcp\"" "$ct"
if /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$ct"; then
	ng_pass "conntrack --json is valid JSON"
else
	ng_fail "conntrack --json is not valid JSON"
fi
st=$("$NG_BIN/natgate" stats --control "$NAT_CTL")
nat_check_match "stats shows translated packets" "NAT_TRANSLATED_OUT +[1-9]" "$st"
# the default busy poll adapts (ceiling 50 us); frames arriving in quick succession during the
# transfers above were taken by polls instead of wake-ups
nat_check_match "the router busy-polls adaptively by default, and polls found frames" \
	"^busy poll auto: window [0-9]+ us \(max 50\), waits [0-9]+, polls [1-9][0-9]*, hits [1-9]" "$st"
ng_check_alive "natgate router" "$rtr_pid"
ng_done
