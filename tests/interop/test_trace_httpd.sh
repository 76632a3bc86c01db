#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `natgate trace` on natgate's own capture: the kernel's curl fetches files from ng-httpd (natgate's
# TCP on a TAP in a test namespace) while ng-httpd writes every frame with --pcap. The trace of
# that file must show each connection's handshake and close with both sides' states, end in
# TIME_WAIT on the side that closed first (the kernel's ss confirms its own side) and CLOSED on
# the other, and agree with the kernel's byte count.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd curl ss
ng_require_bin ng-httpd natgate

SRV=10.0.0.2
PORT=8080
ROOT=$NG_TMP/www
mkdir -p "$ROOT"
head -c 200000 /dev/urandom >"$ROOT/blob.bin"
echo hello >"$ROOT/index.html"
cap="$NG_TMP/httpd.pcap"

ng_ns_new ns
ng_start pid "$ns" "$NG_TAP" ng-httpd "$NG_BIN/ng-httpd" --tap "$NG_TAP" --addr "$SRV/24" \
	--port "$PORT" --root "$ROOT" --pcap "$cap"
ng_tap_up "$ns" "$NG_TAP" "$NG_KERNEL_ADDR/24"

ng_require "curl fetches a 200 kB file from ng-httpd" ng_nsrun "$ns" 20 curl -sS --max-time 15 \
	-o "$NG_TMP/got.bin" "http://$SRV:$PORT/blob.bin"
ng_check "it arrived intact" cmp -s "$ROOT/blob.bin" "$NG_TMP/got.bin"
ng_check "a second fetch (a second connection)" ng_nsrun "$ns" 20 curl -sS --max-time 15 \
	-o /dev/null "http://$SRV:$PORT/index.html"
sleep 1
tw=$(ng_nsrun "$ns" 5 ss -tan state time-wait 2>/dev/null | grep -c "$SRV:$PORT")
ng_log "kernel (client) sockets in TIME_WAIT: $tw"
# ng-httpd flushes and closes its capture when it stops
ng_stop_pid "$pid"
ng_require "ng-httpd wrote its capture" test -s "$cap"

out=$("$NG_BIN/natgate" trace "$cap" 2>"$NG_TMP/trace.err")
ng_check_eq "trace exits 0 on natgate's own capture" 0 "$?"
ng_check_eq "no error output" "" "$(cat "$NG_TMP/trace.err")"
printf '%s\n' "$out" | head -n 30 | sed 's/^/    /'
ng_check_match "two connections to ng-httpd" \
	"^Connection 2: client $NG_KERNEL_ADDR:[0-9]+ -> server $SRV:$PORT" "$out"
ng_check_match "the handshake with both states" "SYN_SENT \|-+ S:0 A:0 SYN .*\| SYN_RECEIVED" \
	"$out"
ng_check_match "200 kB from ng-httpd" "server -> client: 20[0-9]\.[0-9] kB" "$out"
ng_check_eq "both connections end FIN/FIN" 2 "$(printf '%s\n' "$out" | grep -c "ended: FIN/FIN")"
if [ "$tw" -ge 1 ]; then
	ng_check_eq "the kernel's TIME_WAIT sockets are the trace's client TIME_WAIT" "$tw" \
		"$(printf '%s\n' "$out" | grep -c "final states: client TIME_WAIT, server CLOSED")"
else
	ng_check_eq "ng-httpd closed first: server TIME_WAIT, client CLOSED" 2 \
		"$(printf '%s\n' "$out" | grep -c "final states: client CLOSED, server TIME_WAIT")"
fi
ng_check_eq "no segment of natgate's own connections is outside the window" 0 \
	"$(printf '%s\n' "$out" | grep -c "outside window")"
ng_check_eq "no bad checksums in natgate's frames" 0 \
	"$(printf '%s\n' "$out" | grep -c "bad TCP checksum")"

ng_done
