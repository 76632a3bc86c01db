#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ng-httpd's transmit offloads against the kernel's curl over a TAP: on a bare TAP (vnet headers:
# checksum offload and TSO) a 32 MiB download arrives byte-exact in far fewer TCP segments than
# MSS-sized ones would take (super-segments the kernel cuts, checksums it finishes); through
# --pcap (a wrapper without offloads) the same download goes as ordinary MSS segments with full
# checksums and arrives byte-exact too. With NG_HTTPD_PUT_DISCARD=1 a PUT body is counted and
# discarded (200, nothing stored). The segment count comes from ng-httpd's SIGUSR1 report.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd curl sha256sum
ng_require_bin ng-httpd

SRV=10.0.0.2
PORT=8080
URL=http://$SRV:$PORT
ROOT=$NG_TMP/www
MSS=1448 # MTU 1500 less IP, TCP and the timestamp option
SIZE=$((32 << 20))
mkdir -p "$ROOT"
head -c "$SIZE" /dev/urandom >"$ROOT/big.bin"
head -c $((8 << 20)) /dev/urandom >"$NG_TMP/up.bin"
BIG_SHA=$(sha256sum <"$ROOT/big.bin" | cut -d' ' -f1)

ng_ns_new ns

# report_field PID NAME FIELD: FIELD of ng-httpd's next SIGUSR1 report line
report_field()
{
	local pid=$1 log n0
	log=$(ng_logfile "$2")
	n0=$(grep -c 'connections=' "$log")
	kill -USR1 "$pid" 2>/dev/null || return 1
	ng_wait 5 "report" bash -c '[ "$(grep -c connections= "$1")" -gt "$2" ]' _ "$log" "$n0" \
		>/dev/null || return 1
	grep 'connections=' "$log" | tail -n 1 | sed -n "s/.* $3=\([0-9]*\).*/\1/p"
}

# download NAME [ng-httpd options...]: ng-httpd on TAP ng0 (MTU 1500), one GET of big.bin by
# curl; sets SEGS (TCP segments the stack built for it)
download()
{
	local name=$1 pid r code size
	shift
	ng_start pid "$ns" "$NG_TAP" "$name" "$NG_BIN/ng-httpd" --tap "$NG_TAP" --addr "$SRV/24" \
		--port "$PORT" --root "$ROOT" "$@"
	ng_tap_up "$ns" "$NG_TAP" "$NG_KERNEL_ADDR/24" 1500
	rm -f "$NG_TMP/dl.bin"
	r=$(ng_nsrun "$ns" 130 curl -sS --max-time 120 -o "$NG_TMP/dl.bin" \
		-w '%{http_code} %{size_download}' "$URL/big.bin")
	read -r code size <<<"$r"
	ng_check_eq "$name: GET big.bin status" 200 "$code"
	ng_check_eq "$name: 32 MiB received" "$SIZE" "$size"
	ng_check_eq "$name: sha256 matches" "$BIG_SHA" "$(sha256sum <"$NG_TMP/dl.bin" | cut -d' ' -f1)"
	SEGS=$(report_field "$pid" "$name" tcp_segments)
	ng_log "$name: $SEGS TCP segments built for $SIZE bytes (MSS $MSS: $((SIZE / MSS)) at least without TSO)"
	ng_check_alive "ng-httpd ($name)" "$pid"
	ng_stop_pid "$pid"
	ng_check_eq "$name: ng-httpd exits 0 on SIGTERM (no leak)" 0 "$?"
}

# bare TAP: TSO and checksum offload. The window lets many MSS go at once, so the average
# segment is far above one MSS (at least 8 here; about 20-45 is usual).
download offload
ng_check "offload: TSO used ($SEGS segments < $((SIZE / MSS / 8)))" \
	test "${SEGS:-999999999}" -lt $((SIZE / MSS / 8))

# behind the pcap wrapper: no offloads, every segment at most one MSS, checksums complete
download plain --pcap "$NG_TMP/plain.pcap"
ng_check "plain: MSS-sized segments ($SEGS >= $((SIZE / MSS)))" \
	test "${SEGS:-0}" -ge $((SIZE / MSS))

# NG_HTTPD_PUT_DISCARD=1: the body is read and counted, nothing is written under --root
ng_start pid "$ns" "$NG_TAP" put-discard env NG_HTTPD_PUT_DISCARD=1 "$NG_BIN/ng-httpd" \
	--tap "$NG_TAP" --addr "$SRV/24" --port "$PORT" --root "$ROOT"
ng_tap_up "$ns" "$NG_TAP" "$NG_KERNEL_ADDR/24" 1500
r=$(ng_nsrun "$ns" 130 curl -sS --max-time 120 -H 'Expect:' -T "$NG_TMP/up.bin" \
	-w '%{http_code} %{size_upload}' -o "$NG_TMP/put.out" "$URL/up.bin")
ng_check_eq "PUT with NG_HTTPD_PUT_DISCARD=1: 200, 8 MiB sent" "200 $((8 << 20))" "$r"
ng_check "PUT with NG_HTTPD_PUT_DISCARD=1: nothing stored" test ! -e "$ROOT/up.bin"
ng_check "PUT with NG_HTTPD_PUT_DISCARD=1: no temporary file left" \
	test -z "$(ls -A "$ROOT" | grep -v '^big.bin$')"
in=$(report_field "$pid" put-discard bytes_in)
ng_check "PUT with NG_HTTPD_PUT_DISCARD=1: body counted (bytes_in $in >= 8 MiB)" \
	test "${in:-0}" -ge $((8 << 20))
ng_check_alive "ng-httpd (put-discard)" "$pid"
ng_stop_pid "$pid"
ng_check_eq "put-discard: ng-httpd exits 0 on SIGTERM (no leak)" 0 "$?"

ng_done
