#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bulk transfers between natgate's TCP and the kernel across a lossy TAP: ng-get, with natgate's
# --fault loss=3%,reorder=2%,dup=1% on every frame both ways (seeded), downloads 64 MiB from and
# uploads 64 MiB to a kernel-side HTTP server; both sha256 match.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd sha256sum ss
ng_require_bin ng-get

FAULT=loss=3%,reorder=2%,dup=1%
ME=10.0.0.2
KPORT=8000
SRVDIR=$NG_TMP/srv
mkdir -p "$SRVDIR"
head -c $((64 << 20)) /dev/urandom >"$SRVDIR/big.bin"
head -c $((64 << 20)) /dev/urandom >"$NG_TMP/up.bin"
BIG_SHA=$(sha256sum <"$SRVDIR/big.bin" | cut -d' ' -f1)
UP_SHA=$(sha256sum <"$NG_TMP/up.bin" | cut -d' ' -f1)

ng_ns_new ns

cat >"$NG_TMP/kserver.py" <<'EOF'
import functools, http.server, os, sys

class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PUT(self):
        length = self.headers.get("Content-Length")
        if length is None:
            self.send_error(411)
            return
        left = int(length)
        path = self.translate_path(self.path)
        tmp = path + ".part"
        with open(tmp, "wb") as f:
            while left > 0:
                chunk = self.rfile.read(min(left, 1 << 20))
                if not chunk:
                    break
                f.write(chunk)
                left -= len(chunk)
        if left:
            os.unlink(tmp)
            self.close_connection = True
            return
        os.rename(tmp, path)
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

addr, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
srv = http.server.ThreadingHTTPServer((addr, port), functools.partial(Handler, directory=root))
srv.serve_forever()
EOF
ng_bg kpid "$ns" kserver "$NG_PY" "$NG_TMP/kserver.py" 0.0.0.0 "$KPORT" "$SRVDIR"
ng_wait 10 "kernel server listens" bash -c \
	'ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q LISTEN' _ "$ns" "$KPORT" ||
	{ ng_fail "kernel-side server did not start"; ng_done; }

# run_get NAME SECS ng-get-args...: sets RC
run_get()
{
	local name=$1 secs=$2 gpid t0
	shift 2
	t0=$(date +%s%N)
	ng_start gpid "$ns" "$NG_TAP" "$name" "$NG_BIN/ng-get" --tap "$NG_TAP" --addr "$ME/24" \
		--fault "$FAULT" "$@"
	# the address last: ng-get connects once it is there, and may be done at once
	ip -n "$ns" link set dev "$NG_TAP" mtu 1500 up
	ip -n "$ns" addr add "$NG_KERNEL_ADDR/24" dev "$NG_TAP" ||
		ng_fail "address on $NG_TAP"
	if ! ng_wait "$secs" "$name finishes" bash -c '! kill -0 "$1" 2>/dev/null' _ "$gpid"; then
		ng_stop_pid "$gpid"
	fi
	wait "$gpid" 2>/dev/null
	RC=$?
	ng_log "$name: exit status $RC after $((($(date +%s%N) - t0) / 1000000)) ms"
	sed "s/^/    $name: /" "$(ng_logfile "$name")" | head -n 5
}

URL=http://$NG_KERNEL_ADDR:$KPORT
# natgate sends first (about 75 s here), then the kernel sends (about 250 s: the kernel's RTO
# backs off while natgate offers neither SACK nor timestamps); the budgets keep the whole test
# inside ctest's 900 s.
run_get put 200 --seed 6 --timeout 190 "$URL/up.bin" --upload "$NG_TMP/up.bin"
ng_check_eq "lossy: ng-get upload exits 0" 0 "$RC"
ng_check_eq "lossy: uploaded file's sha256 matches" "$UP_SHA" \
	"$(sha256sum <"$SRVDIR/up.bin" 2>/dev/null | cut -d' ' -f1)"
rm -f "$SRVDIR/up.bin"

run_get get 640 --seed 5 --timeout 630 "$URL/big.bin" -o "$NG_TMP/got.bin"
ng_check_eq "lossy: ng-get download exits 0" 0 "$RC"
ng_check_eq "lossy: ng-get download sha256 matches" "$BIG_SHA" \
	"$(sha256sum <"$NG_TMP/got.bin" 2>/dev/null | cut -d' ' -f1)"

ng_check_alive "kernel-side server" "$kpid"
ng_done
