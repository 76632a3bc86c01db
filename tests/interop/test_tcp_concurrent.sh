#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 200 concurrent kernel curl clients against ng-httpd on natgate's TCP: every one gets its 1 MiB
# file whole (sha256 checked per client), many connections are open at the same time, and once
# the clients are gone natgate holds no connection.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd curl sha256sum
ng_require_bin ng-httpd

SRV=10.0.0.2
PORT=8080
N=200
ROOT=$NG_TMP/www
mkdir -p "$ROOT" "$NG_TMP/out"
head -c $((1 << 20)) /dev/urandom >"$ROOT/f.bin"
SHA=$(sha256sum <"$ROOT/f.bin" | cut -d' ' -f1)

ng_ns_new ns
ng_start pid "$ns" "$NG_TAP" httpd "$NG_BIN/ng-httpd" --tap "$NG_TAP" --addr "$SRV/24" \
	--port "$PORT" --root "$ROOT"
ng_tap_up "$ns" "$NG_TAP" "$NG_KERNEL_ADDR/24"
LOG=$(ng_logfile httpd)
ng_require "ng-httpd answers" ng_nsrun "$ns" 20 curl -s -o /dev/null --max-time 10 \
	"http://$SRV:$PORT/f.bin"

# N clients started together from one shell in the namespace; each is bounded by --max-time and
# the whole batch by the outer timeout. Each client asks for the file twice on its connection
# (keep-alive) and reads at most 1 MB/s, so that the connections overlap however fast the server
# is (and the server meets receive windows that close and open again).
t0=$(date +%s%N)
ng_nsrun "$ns" 200 bash -c '
	for i in $(seq "$1"); do
		curl -s --max-time 150 --limit-rate 1M -o "$2/$i.a" -o "$2/$i.b" -w "%{http_code}\n" \
			"http://$3:$4/f.bin?a=$i" "http://$3:$4/f.bin?b=$i" >"$2/$i.code" 2>&1 &
	done
	wait' _ "$N" "$NG_TMP/out" "$SRV" "$PORT"
t1=$(date +%s%N)
ng_log "$N clients finished in $(((t1 - t0) / 1000000)) ms"

ok=0
bad=""
for i in $(seq "$N"); do
	codes=$(tr '\n' ' ' <"$NG_TMP/out/$i.code" 2>/dev/null)
	sa=$(sha256sum <"$NG_TMP/out/$i.a" 2>/dev/null | cut -d' ' -f1)
	sb=$(sha256sum <"$NG_TMP/out/$i.b" 2>/dev/null | cut -d' ' -f1)
	if [ "$codes" = "200 200 " ] && [ "$sa" = "$SHA" ] && [ "$sb" = "$SHA" ]; then
		ok=$((ok + 1))
	else
		bad="$bad $i(${codes:-none})"
	fi
done
ng_check_eq "$N concurrent clients all got both files whole" "$N" "$ok" ||
	ng_log "failed clients:$(echo "$bad" | cut -c1-400)"

# the stack's own record: how many connections were open at once, and none left now
peak=$(sed -n 's/.*peak=\([0-9]*\).*/\1/p' "$LOG" | tail -n 1)
n=""
for ((i = 0; i < 20; i++)); do
	c0=$(grep -c 'connections=' "$LOG")
	kill -USR1 "$pid"
	ng_wait 5 "report" bash -c '[ "$(grep -c connections= "$1")" -gt "$2" ]' _ "$LOG" "$c0"
	n=$(grep 'connections=' "$LOG" | tail -n 1 | sed 's/.*connections=\([0-9]*\).*/\1/')
	peak=$(grep 'connections=' "$LOG" | tail -n 1 | sed -n 's/.*peak=\([0-9]*\).*/\1/p')
	[ "$n" = 0 ] && break
	sleep 0.5
done
ng_log "peak of simultaneously open connections: ${peak:-?}"
ng_check "connections overlapped (peak ${peak:-?} > 50)" test "${peak:-0}" -gt 50
ng_check_eq "no connection left after the clients closed" 0 "$n"
ng_check_alive "ng-httpd" "$pid"
ng_stop_pid "$pid"
ng_check_eq "ng-httpd exits 0 on SIGTERM (no leak)" 0 "$?"
ng_done
