#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --fault: a valid spec is accepted and acts on the traffic (loss loses some pings, dup
# duplicates replies); a bad spec gives a one-line error and exit status 2.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd ping
ng_require_bin ng-echo

# received COUNT [ping options]: replies received out of COUNT pings (duplicates not counted)
received()
{
	local n=$1
	shift
	ng_nsrun "$ns" 60 ping -n -c "$n" -i 0.05 -W 1 "$@" "$NG_ECHO_ADDR" 2>&1 |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

# 1. loss=30%, both directions, fixed seed: some pings answered, some not (P(all 40 answered) =
#    0.49^40, P(none) = 0.51^40: both negligible, and the seed makes it repeatable anyway).
ng_echo_setup ns pid --fault loss=30% --seed 7
ng_nsrun "$ns" 5 ping -n -c 1 -W 1 "$NG_ECHO_ADDR" >/dev/null 2>&1 # ARP, possibly lost
rx=$(received 40)
ng_check "--fault loss=30%: some pings answered, some lost (got ${rx:-none} of 40)" \
	test "${rx:-0}" -gt 0 -a "${rx:-0}" -lt 40
ng_check_alive "ng-echo --fault loss=30%" "$pid"
ng_stop_pid "$pid"

# 2. dup=100%: every frame is sent twice, so ping sees duplicate replies.
ng_start pid "$ns" "$NG_TAP" ng-echo-dup "$NG_BIN/ng-echo" --tap "$NG_TAP" \
	--addr "$NG_ECHO_ADDR/24" --fault dup=100%,dir=tx --seed 1
ip -n "$ns" addr replace "$NG_KERNEL_ADDR/24" dev "$NG_TAP"
ip -n "$ns" link set dev "$NG_TAP" up
out=$(ng_nsrun "$ns" 20 ping -n -c 3 -i 0.2 -W 1 "$NG_ECHO_ADDR" 2>&1)
ng_check_match "--fault dup=100%,dir=tx: ping reports duplicates" '\+[0-9]+ duplicates' "$out"
ng_check_match "--fault dup=100%,dir=tx: still 3 of 3 answered" ' 3 received' "$out"
ng_check_alive "ng-echo --fault dup=100%" "$pid"
ng_stop_pid "$pid"

# 3. the full documented syntax is accepted
ng_start pid "$ns" "$NG_TAP" ng-echo-full "$NG_BIN/ng-echo" --tap "$NG_TAP" \
	--addr "$NG_ECHO_ADDR/24" \
	--fault loss=0%,dup=0%,reorder=0%,corrupt=0%,delay=5ms,jitter=1ms,dir=both
ip -n "$ns" addr replace "$NG_KERNEL_ADDR/24" dev "$NG_TAP"
ip -n "$ns" link set dev "$NG_TAP" up
rx=$(received 5)
ng_check_eq "--fault with every key at 0% plus 5 ms delay: 5 of 5 answered" 5 "${rx:-0}"
ng_stop_pid "$pid"

# 4. bad specs: exit status 2, one line on stderr, no device left
for spec in loss=abc loss=150% bogus=1% loss dup=-1% delay=5parsecs dir=sideways; do
	ng_nsrun "$ns" 10 "$NG_BIN/ng-echo" --tap ngf --addr "$NG_ECHO_ADDR/24" --fault "$spec" \
		>"$NG_TMP/out" 2>"$NG_TMP/err" </dev/null
	rc=$?
	ng_check_eq "--fault '$spec' refused with exit status 2" 2 "$rc"
	ng_check_eq "--fault '$spec': one line on stderr" 1 "$(grep -c . "$NG_TMP/err")" ||
		sed 's/^/    stderr: /' "$NG_TMP/err" | head -n 5
done
ng_check "no device left by refused specs" \
	bash -c '! ip -n "$1" link show dev ngf >/dev/null 2>&1' _ "$ns"
ng_done
