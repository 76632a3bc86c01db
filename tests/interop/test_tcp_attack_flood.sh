#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SYN flood (RFC 4987): hping3 floods ng-httpd's port with SYNs from random (spoofed) sources for
# 10 s from the kernel side of the TAP while curl keeps fetching a file; with a small backlog the
# flood fills the SYN queue at once, so the fetches get through only thanks to SYN cookies. Every
# fetch must succeed byte-exact and ng-httpd must survive. Safety: the spoofed SYNs go only into the TAP of the test's own namespace, which has
# no default route, so natgate's answers to random sources never leave it.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd curl sha256sum hping3
ng_require_bin ng-httpd

SRV=10.0.0.2
PORT=8080
ROOT=$NG_TMP/www
mkdir -p "$ROOT"
head -c $((1 << 20)) /dev/urandom >"$ROOT/f.bin"
SHA=$(sha256sum <"$ROOT/f.bin" | cut -d' ' -f1)

ng_ns_new ns
ng_start pid "$ns" "$NG_TAP" ng-httpd "$NG_BIN/ng-httpd" --tap "$NG_TAP" --addr "$SRV/24" \
	--port "$PORT" --root "$ROOT" --backlog 8
ng_tap_up "$ns" "$NG_TAP" "$NG_KERNEL_ADDR/24"
ng_require "the namespace has no default route" \
	bash -c '! ip -n "$1" route show default | grep -q .' _ "$ns"
ng_require "a first fetch works" ng_nsrun "$ns" 15 curl -sf --max-time 10 -o /dev/null \
	"http://$SRV:$PORT/f.bin"

ng_bg fpid "$ns" hping3 timeout -k 2 10 hping3 --flood -S --rand-source -p "$PORT" "$SRV"
sleep 1
ok=0
bad=0
for ((i = 0; i < 15; i++)); do
	got=$(ng_nsrun "$ns" 12 curl -sf --max-time 10 "http://$SRV:$PORT/f.bin" | sha256sum |
		cut -d' ' -f1)
	if [ "$got" = "$SHA" ]; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
	ng_alive "$fpid" || break
done
ng_log "fetches during the flood: $ok intact, $bad failed"
ng_check "the flood was still running during the fetches" ng_alive "$fpid"
ng_check_num "fetches during the flood" "$ok" -ge 5
ng_check_num "failed fetches" "$bad" -eq 0
ng_stop_pid "$fpid"
ng_check_alive ng-httpd "$pid"
ng_done
