#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The command line of natgate router, conntrack and stats: usage errors exit 2 with one line,
# run-time failures exit 1, --help works; and a router answers stats over its control socket.
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/nat_lib.sh"
ng_require_root
NG=$NG_BIN/natgate

# Every invocation runs inside a namespace of our own: should a check regress and a router
# actually start, its TAP devices appear there, never in the namespace the test started in.
ng_ns_new ns_cli
usage_err()
{
	local out rc
	out=$(ng_nsrun "$ns_cli" 10 "$NG" "$@" 2>&1)
	rc=$?
	[ "$rc" = 2 ] && [ "$(wc -l <<<"$out")" = 1 ]
}
ng_check "router without options: usage error" usage_err router
ng_check "router with a bad --forward" usage_err router --lan tap:a --lan-addr 10.0.0.1/24 \
	--wan tap:b --wan-addr 10.0.1.2/24 --forward tcp:1=2
ng_check "router with a forward outside the LAN" usage_err router --lan tap:a \
	--lan-addr 10.0.0.1/24 --wan tap:b --wan-addr 10.0.1.2/24 --forward tcp:80=10.9.0.1:80
ng_check "router with overlapping forwards" usage_err router --lan tap:a --lan-addr 10.0.0.1/24 \
	--wan tap:b --wan-addr 10.0.1.2/24 --forward tcp:80-90=10.0.0.5:80 --forward tcp:85=10.0.0.6:1
ng_check "router with overlapping subnets" usage_err router --lan tap:a --lan-addr 10.0.0.1/24 \
	--wan tap:b --wan-addr 10.0.0.2/24
ng_check "router with a bad --timeout" usage_err router --timeout udp=0
ng_check "router with a bad --filter" usage_err router --filter open
ng_check "router with a bad link" usage_err router --lan eth0
ng_check "router with a bad --busy-poll" usage_err router --busy-poll 0
ng_check "router with a --busy-poll too long" usage_err router --busy-poll 1001
ng_check "router with a --busy-poll word it does not know" usage_err router --busy-poll fast
ng_check "conntrack without --control" usage_err conntrack
ng_check "stats with an unknown option" usage_err stats --xml
ng_nsrun "$ns_cli" 10 "$NG" stats --control "$NG_TMP/none.sock" >/dev/null 2>&1
ng_check_eq "stats with no router behind the socket: exit 1" 1 "$?"
nat_check_match "router --help" "--forward SPEC" "$("$NG" router --help)"
nat_check_match "natgate --help lists router, conntrack and stats" "router.*conntrack.*stats" \
	"$("$NG" --help | tr '\n' ' ')"

# (the router polls 50 us before each sleep: everything below works the same with it)
nat_setup --max-flows 100 --busy-poll 50
nat_check_match "stats shows the fixed busy poll" "^busy poll fixed: window 50 us \(max 50\)" \
	"$("$NG" stats --control "$NAT_CTL")"
st=$("$NG" stats --control "$NAT_CTL" --json)
nat_check_match "stats --json shows the busy poll" '"busy_poll":\{"mode":"fixed","window_us":50,' "$st"
nat_check_match "stats --json reports the table size and memory per flow" \
	'"max_flows":100,.*"bytes_per_flow":[0-9]+' "$st"
if /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$st"; then
	ng_pass "stats --json is valid JSON"
else
	ng_fail "stats --json is not valid JSON"
fi
nat_check_match "conntrack on an empty table" "^0 flows" "$(nat_conntrack)"
# table exhaustion: 100 flows fit, the 101st is refused (ICMP 3/13) and counted
ng_bg udp_pid "$ns_out" udp-out $NG_PY "$NG_LIBDIR/nat_peer.py" udpsrv 7000 60
sleep 0.5
out=$(ng_nsrun "$ns_h1" 200 $NG_PY "$NG_LIBDIR/nat_peer.py" many $NAT_OUT 7000 101)
nat_check_match "--max-flows 100: 100 flows work, the 101st is refused" "^ok 100 refused 1 silent 0" "$out"
nat_check_match "... and the first flow keeps working" "^first ok" "$out"
nat_check_match "the refusal is counted" "drop NAT_TABLE_FULL +1 " "$("$NG" stats --control "$NAT_CTL")"
nat_check_match "--log-flows logs the refusal" "refuse udp $NAT_H1:[0-9]+ $NAT_OUT:7000 \(nat flow table full\)" \
	"$(cat "$(ng_logfile natgate)")"
ng_check "h1 pings the router" ng_nsrun "$ns_h1" 5 ping -n -c 1 -W 2 $NAT_LAN
ng_check_alive "natgate router" "$rtr_pid"
ng_stop_pid "$rtr_pid"
ng_check_eq "natgate router exits 0 on SIGTERM (nothing leaked)" 0 "$?"
ng_check "the control socket is removed at exit" test ! -e "$NAT_CTL"
ng_done
