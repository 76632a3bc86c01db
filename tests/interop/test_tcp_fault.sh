#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A bulk transfer from natgate's TCP to the kernel across a lossy TAP: natgate's
# --fault loss=3%,reorder=2%,dup=1% acts on every frame both ways (seeded). curl downloads 64 MiB
# from ng-httpd, the sha256 matches, and ng-httpd is left with no connection. (ng-get's lossy
# transfers are in test_tcp_fault_get.sh: each file has its own time budget.)
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd curl sha256sum
ng_require_bin ng-httpd

FAULT=loss=3%,reorder=2%,dup=1%
ME=10.0.0.2
PORT=8080
ROOT=$NG_TMP/www
mkdir -p "$ROOT"
head -c $((64 << 20)) /dev/urandom >"$ROOT/big.bin"
BIG_SHA=$(sha256sum <"$ROOT/big.bin" | cut -d' ' -f1)

ng_ns_new ns

ng_start pid "$ns" "$NG_TAP" httpd "$NG_BIN/ng-httpd" --tap "$NG_TAP" --addr "$ME/24" \
	--port "$PORT" --root "$ROOT" --fault "$FAULT" --seed 3
ng_tap_up "$ns" "$NG_TAP" "$NG_KERNEL_ADDR/24"
LOG=$(ng_logfile httpd)
# The budget is most of ctest's 900 s: every loss that three duplicate ACKs do not reveal costs
# natgate an RTO, and the kernel ACKs a batch of segments that the TAP gathered into one GSO
# frame only once (about 300 s for 64 MiB at 05:10; 86 s before the TAP gathered segments).
r=$(ng_nsrun "$ns" 760 curl -sS --retry 0 --connect-timeout 30 --max-time 740 \
	-o "$NG_TMP/dl.bin" -w '%{http_code} %{size_download} %{time_total}' "http://$ME:$PORT/big.bin")
ng_log "curl: $r"
read -r code size _ <<<"$r"
ng_check_eq "lossy: curl GET status" 200 "$code"
ng_check_eq "lossy: curl got 64 MiB" $((64 << 20)) "$size"
ng_check_eq "lossy: curl download sha256 matches" "$BIG_SHA" \
	"$(sha256sum <"$NG_TMP/dl.bin" | cut -d' ' -f1)"
rm -f "$NG_TMP/dl.bin"

# no connection left (the kernel closed first; natgate's FIN may need retransmitting)
n=""
for ((i = 0; i < 20; i++)); do
	c0=$(grep -c 'connections=' "$LOG")
	kill -USR1 "$pid"
	ng_wait 5 "report" bash -c '[ "$(grep -c connections= "$1")" -gt "$2" ]' _ "$LOG" "$c0"
	n=$(grep 'connections=' "$LOG" | tail -n 1 | sed 's/.*connections=\([0-9]*\).*/\1/')
	[ "$n" = 0 ] && break
	sleep 0.5
done
ng_check_eq "lossy: no connection left in ng-httpd" 0 "$n"
ng_check_alive "ng-httpd" "$pid"
ng_stop_pid "$pid"
ng_done
