#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Blind in-window attacks (RFC 5961) on a download from ng-httpd: while curl fetches a file
# (rate-limited so the transfer lasts), scapy forges, from the client's address and port, a RST
# whose sequence number is in natgate's receive window but not RCV.NXT, and later a SYN at a
# random sequence number. Each must draw a challenge ACK (a pure ACK acknowledging RCV.NXT, seen
# in a capture on the TAP) instead of killing the connection, and the download must complete
# with the right sha256.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd curl sha256sum
ng_require_scapy
ng_require_bin ng-httpd

SRV=10.0.0.2
PORT=8080
ROOT=$NG_TMP/www
mkdir -p "$ROOT"
head -c $((12 << 20)) /dev/urandom >"$ROOT/f.bin"
SHA=$(sha256sum <"$ROOT/f.bin" | cut -d' ' -f1)
INJ=$NG_LIBDIR/blind_inject.py

ng_ns_new ns
ng_start pid "$ns" "$NG_TAP" ng-httpd "$NG_BIN/ng-httpd" --tap "$NG_TAP" --addr "$SRV/24" \
	--port "$PORT" --root "$ROOT"
ng_tap_up "$ns" "$NG_TAP" "$NG_KERNEL_ADDR/24"
# A small receive buffer for the kernel client (this namespace's own setting): curl's rate limit
# then paces the whole transfer, so the client keeps sending ACKs for the injector to learn the
# connection from. With the default (up to 6 MiB) natgate could fill the client's buffer with
# most of the file in a second and the client would have nothing to acknowledge for a while.
ip netns exec "$ns" sysctl -qw net.ipv4.tcp_rmem="4096 65536 131072"
ng_require "the namespace has no default route" \
	bash -c '! ip -n "$1" route show default | grep -q .' _ "$ns"

# 12 MiB at 512 KiB/s: about 24 s (curl's limit is loose; the sender may fill the kernel's
# receive buffer in a few seconds), time for both injections
ng_bg cpid "$ns" curl timeout -k 2 65 curl -sf --limit-rate 512K --max-time 60 \
	-o "$NG_TMP/got.bin" "http://$SRV:$PORT/f.bin"
sleep 1
ng_check "blind in-window RST draws a challenge ACK" \
	ng_nsrun "$ns" 20 "$NG_PY" "$INJ" "$NG_TAP" "$NG_KERNEL_ADDR" "$SRV" "$PORT" rst
ng_check "the connection survived the RST" ng_alive "$cpid"
ng_check "blind SYN on the established connection draws a challenge ACK" \
	ng_nsrun "$ns" 20 "$NG_PY" "$INJ" "$NG_TAP" "$NG_KERNEL_ADDR" "$SRV" "$PORT" syn
ng_check "the connection survived the SYN" ng_alive "$cpid"
wait "$cpid"
rc=$?
ng_check_eq "curl exit status" 0 "$rc"
got=$(sha256sum <"$NG_TMP/got.bin" | cut -d' ' -f1)
ng_check_eq "download intact (sha256)" "$SHA" "$got"
ng_check_alive ng-httpd "$pid"
ng_done
