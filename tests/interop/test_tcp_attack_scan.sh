#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Port scans of natgate: nmap's SYN scan (-sS, half-open: natgate's SYN+ACK is answered with a
# RST by the kernel) and connect scan (-sT) of ports 1-2000 and 8080 on ng-httpd's address must
# report exactly the listening port open and every other port closed (natgate answers each SYN
# to a closed port with a RST, RFC 9293 3.10.7.1). Only natgate's address inside the test's own
# namespace is scanned.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd nmap curl
ng_require_bin ng-httpd

SRV=10.0.0.2
PORT=8080
ROOT=$NG_TMP/www
mkdir -p "$ROOT"
echo hello >"$ROOT/index.html"

ng_ns_new ns
ng_start pid "$ns" "$NG_TAP" ng-httpd "$NG_BIN/ng-httpd" --tap "$NG_TAP" --addr "$SRV/24" \
	--port "$PORT" --root "$ROOT"
ng_tap_up "$ns" "$NG_TAP" "$NG_KERNEL_ADDR/24"
ng_require "the namespace has no default route" \
	bash -c '! ip -n "$1" route show default | grep -q .' _ "$ns"
ng_require "ng-httpd answers" ng_nsrun "$ns" 10 curl -sf --max-time 5 -o /dev/null \
	"http://$SRV:$PORT/"

# scan TYPE: the open ports nmap reports (comma-separated), and the count of closed ones
scan()
{
	local out
	out=$(ng_nsrun "$ns" 120 nmap -n -Pn "$1" -p 1-2000,"$PORT" --max-rtt-timeout 200ms \
		--max-retries 2 --host-timeout 100s -oG - "$SRV" 2>&1) || return 1
	echo "$out" >"$NG_TMP/nmap$1.txt"
	open=$(grep -o '[0-9]*/open/tcp' <<<"$out" | cut -d/ -f1 | paste -sd, -)
	# grepable output folds the closed ports into "Ignored State: closed (N)"
	closed=$(grep -o 'Ignored State: closed ([0-9]*)' <<<"$out" | grep -o '[0-9]*' | head -n 1)
}

for t in -sS -sT; do
	open=
	closed=
	ng_check "nmap $t runs" scan "$t"
	ng_check_eq "nmap $t: open ports" "$PORT" "$open"
	ng_check_eq "nmap $t: closed ports" 2000 "${closed:-0}"
done
ng_check_alive ng-httpd "$pid"
ng_done
