#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The router's event loop at its edges: SIGTERM stops it at once and cleanly while frames keep
# coming (a flood ping through the NAT), and a router whose LAN TAP vanishes with its namespace
# exits with an error instead of spinning on a dead descriptor for ever.
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/nat_lib.sh"
ng_require_root
ng_require_cmd ping

# Seconds (tenths) until PID exits, at most LIMIT tenths; prints the count.
tenths_until_gone()
{
	local pid=$1 limit=$2 i
	for ((i = 0; i < limit; i++)); do
		ng_alive "$pid" || break
		sleep 0.1
	done
	echo "$i"
}

# ---- SIGTERM under load ----
nat_setup
# a flood ping from h1 through the NAT to the outside host, bounded in count and time
ng_bg flood_pid "$ns_h1" flood timeout 20 ping -n -q -f -c 400000 -w 15 $NAT_OUT
sleep 1.5
ng_check_alive "the flood" "$flood_pid"
pkts_before=$("$NG_BIN/natgate" stats --control "$NAT_CTL" | sed -n 's/^RX_FRAMES *//p')
ng_check_num "frames reach the router during the flood" "${pkts_before:-0}" -gt 1000
kill -TERM "$rtr_pid"
t=$(tenths_until_gone "$rtr_pid" 30)
ng_check_num "the router stops within a second of SIGTERM under load" "$t" -lt 10
wait "$rtr_pid" 2>/dev/null
ng_check_eq "... and exits cleanly (status 0: no leak, no error)" 0 "$?"
if grep -q "leaked" "$(ng_logfile natgate)"; then
	ng_fail "the router reported leaked packets"
else
	ng_pass "no leaked packets"
fi
ng_stop_pid "$flood_pid"

# ---- a TAP that vanishes ----
ng_ns_new ns_rtr2
ng_ns_new ns_gone
ng_start rtr2_pid "$ns_rtr2" gwan0 natgate2 "$NG_BIN/natgate" router \
	--lan tap:glan0 --lan-addr 192.168.51.1/24 --wan tap:gwan0 --wan-addr 203.0.113.6/24
ng_wait 5 "glan0" ip -n "$ns_rtr2" link show glan0 >/dev/null 2>&1
ip -n "$ns_rtr2" link set glan0 netns "$ns_gone" || { ng_fail "move glan0"; ng_done; }
ng_check_alive "the second router" "$rtr2_pid"
ng_ns_del "$ns_gone" # the TAP goes with it
t=$(tenths_until_gone "$rtr2_pid" 50)
ng_check_num "the router ends within 5 s once its LAN TAP is gone" "$t" -lt 50
if ng_alive "$rtr2_pid"; then
	ng_log "cpu of the spinning router: $(ps -o pcpu= -p "$rtr2_pid")%"
else
	wait "$rtr2_pid" 2>/dev/null
	ng_check_eq "... with exit status 1" 1 "$?"
	ng_check_match "... saying why" "event loop: No such device" "$(cat "$(ng_logfile natgate2)")"
fi
ng_done
