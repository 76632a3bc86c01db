#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The command line of natgate router, conntrack and stats: usage errors exit 2 with one line,
# run-time failures exit 1, --help works; and a router answers stats over its control socket.
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/nat_lib.sh"
ng_require_root
NG=$NG_BIN/natgate

usage_err()
{
	local out rc
	out=$("$NG" "$@" 2>&1)
	rc=$?
	[ "$rc" = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ]
}
ng_check "router without options: usage error" usage_err router
ng_check "router with a bad --forward" usage_err router --lan tap:a --lan-addr 10.0.0.1/24 \
	--wan tap:b --wan-addr 10.0.1.2/24 --forward tcp:1=2
ng_check "router with a forward outside the LAN" usage_err router --lan tap:a \
	--lan-addr 10.0.0.1/24 --wan tap:b --wan-addr 10.0.1.2/24 --forward tcp:80=10.9.0.1:80
ng_check "router with overlapping subnets" usage_err router --lan tap:a --lan-addr 10.0.0.1/24 \
	--wan tap:b --wan-addr 10.0.0.2/24
ng_check "router with a bad --timeout" usage_err router --timeout udp=0
ng_check "router with a bad --filter" usage_err router --filter open
ng_check "router with a bad link" usage_err router --lan eth0
ng_check "conntrack without --control" usage_err conntrack
ng_check "stats with an unknown option" usage_err stats --xml
"$NG" stats --control "$NG_TMP/none.sock" >/dev/null 2>&1
ng_check_eq "stats with no router behind the socket: exit 1" 1 "$?"
ng_check_match "router --help" "--forward SPEC" "$("$NG" router --help)"
ng_check_match "natgate --help lists router, conntrack and stats" "router.*conntrack.*stats" \
	"$("$NG" --help | tr '\n' ' ')"

nat_setup --max-flows 100
st=$("$NG" stats --control "$NAT_CTL" --json)
ng_check_match "stats --json reports the table size and memory per flow" \
	'"max_flows":100,.*"bytes_per_flow":[0-9]+' "$st"
if /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$st"; then
	ng_pass "stats --json is valid JSON"
else
	ng_fail "stats --json is not valid JSON"
fi
ng_check_match "conntrack on an empty table" "^0 flows" "$(nat_conntrack)"
ng_check_alive "natgate router" "$rtr_pid"
ng_done
