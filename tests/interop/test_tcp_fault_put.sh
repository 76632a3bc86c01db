#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A bulk transfer from natgate's TCP to the kernel across a lossy TAP: ng-get --upload, with
# natgate's --fault loss=3%,reorder=2%,dup=1% on every frame both ways (seeded), PUTs 64 MiB to a
# kernel-side HTTP server (kernel_httpd.py); the stored file's sha256 matches.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd sha256sum ss
ng_require_bin ng-get

FAULT=loss=3%,reorder=2%,dup=1%
ME=10.0.0.2
KPORT=8000
SRVDIR=$NG_TMP/srv
mkdir -p "$SRVDIR"
head -c $((64 << 20)) /dev/urandom >"$NG_TMP/up.bin"
UP_SHA=$(sha256sum <"$NG_TMP/up.bin" | cut -d' ' -f1)

ng_ns_new ns
ng_kernel_httpd kpid "$ns" "$KPORT" "$SRVDIR"

ng_start gpid "$ns" "$NG_TAP" put "$NG_BIN/ng-get" --tap "$NG_TAP" --addr "$ME/24" \
	--fault "$FAULT" --seed 6 --timeout 800 --upload "$NG_TMP/up.bin" \
	"http://$NG_KERNEL_ADDR:$KPORT/up.bin"
# the address last: ng-get connects once it is there
ip -n "$ns" link set dev "$NG_TAP" up
ip -n "$ns" addr add "$NG_KERNEL_ADDR/24" dev "$NG_TAP" || ng_fail "address on $NG_TAP"
# The budget is most of ctest's 900 s (see test_tcp_fault.sh: natgate's sender pays an RTO for
# most losses while it has neither SACK nor enough duplicate ACKs).
t0=$(date +%s%N)
if ! ng_wait 820 "ng-get finishes" bash -c '! kill -0 "$1" 2>/dev/null' _ "$gpid"; then
	ng_stop_pid "$gpid"
fi
wait "$gpid" 2>/dev/null
RC=$?
ng_log "upload: exit status $RC after $((($(date +%s%N) - t0) / 1000000)) ms"
sed 's/^/    ng-get: /' "$(ng_logfile put)" | head -n 5
ng_check_eq "lossy: ng-get upload exits 0" 0 "$RC"
ng_check_eq "lossy: uploaded file's sha256 matches" "$UP_SHA" \
	"$(sha256sum <"$SRVDIR/up.bin" 2>/dev/null | cut -d' ' -f1)"
ng_check_alive "kernel-side server" "$kpid"
ng_done
