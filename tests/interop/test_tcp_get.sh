#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ng-get on natgate's TCP against a kernel-side HTTP server (kernel_httpd.py: http.server + PUT):
# a 64 MiB download at TAP MTU 1500 and 65520 and a 64 MiB upload, sha256 matching; and clean
# failures: HTTP 404, a closed port ("connection refused"), no such host, a short body and a reset
# give exit status 1 and one line; chunked, close-delimited and 100-preceded bodies arrive exact.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd sha256sum ss
ng_require_bin ng-get

KPORT=8000
ME=10.0.0.2 # ng-get
SRVDIR=$NG_TMP/srv
mkdir -p "$SRVDIR"
head -c $((64 << 20)) /dev/urandom >"$SRVDIR/big.bin"
head -c $((64 << 20)) /dev/urandom >"$NG_TMP/up.bin"
BIG_SHA=$(sha256sum <"$SRVDIR/big.bin" | cut -d' ' -f1)
UP_SHA=$(sha256sum <"$NG_TMP/up.bin" | cut -d' ' -f1)

ng_ns_new ns

# The server binds to every address of this namespace: the TAP's kernel side comes and goes with
# each ng-get run.
ng_kernel_httpd kpid "$ns" "$KPORT" "$SRVDIR"

# run_get NAME MTU SECS ng-get-args...: run ng-get (it makes TAP ng0; we configure the kernel
# side), wait up to SECS for it to finish; sets RC (exit status) and ERR (its output)
run_get()
{
	local name=$1 mtu=$2 secs=$3 gpid
	shift 3
	ng_start gpid "$ns" "$NG_TAP" "$name" "$NG_BIN/ng-get" --tap "$NG_TAP" --addr "$ME/24" \
		--mtu "$mtu" "$@"
	# the address last: ng-get connects once it is there, and may be done at once
	ip -n "$ns" link set dev "$NG_TAP" mtu "$mtu" up
	ip -n "$ns" addr add "$NG_KERNEL_ADDR/24" dev "$NG_TAP" ||
		ng_fail "address on $NG_TAP"
	if ! ng_wait "$secs" "$name finishes" bash -c '! kill -0 "$1" 2>/dev/null' _ "$gpid"; then
		ng_stop_pid "$gpid"
	fi
	wait "$gpid" 2>/dev/null
	RC=$?
	ERR=$(cat "$(ng_logfile "$name")")
	[ -z "$ERR" ] || printf '%s\n' "$ERR" | head -n 5 | sed "s/^/    $name: /"
}

URL=http://$NG_KERNEL_ADDR:$KPORT
for mtu in 1500 65520; do
	rm -f "$NG_TMP/got.bin"
	t0=$(date +%s%N)
	run_get "get-$mtu" "$mtu" 150 "$URL/big.bin" -o "$NG_TMP/got.bin" --timeout 120
	t1=$(date +%s%N)
	ng_check_eq "MTU $mtu: ng-get big.bin exits 0" 0 "$RC"
	ng_check_eq "MTU $mtu: 64 MiB downloaded, sha256 matches" "$BIG_SHA" \
		"$(sha256sum <"$NG_TMP/got.bin" | cut -d' ' -f1)"
	ng_log "MTU $mtu download: $(((t1 - t0) / 1000000)) ms including start-up"
done

rm -f "$SRVDIR/up.bin"
run_get put-1500 1500 150 "$URL/up.bin" --upload "$NG_TMP/up.bin" --timeout 120
ng_check_eq "ng-get --upload 64 MiB exits 0" 0 "$RC"
ng_check_eq "uploaded file stored by the kernel-side server, sha256 matches" "$UP_SHA" \
	"$(sha256sum <"$SRVDIR/up.bin" 2>/dev/null | cut -d' ' -f1)"

run_get get-404 1500 30 "$URL/nope.bin" -o "$NG_TMP/nope" --timeout 20
ng_check_eq "404: exit status 1" 1 "$RC"
ng_check_match "404: one-line error naming the status" '^ng-get: HTTP 404' "$ERR"

run_get get-refused 1500 30 "http://$NG_KERNEL_ADDR:8001/x" -o "$NG_TMP/x" --timeout 20
ng_check_eq "closed port: exit status 1" 1 "$RC"
ng_check_match "closed port: 'connection refused'" '^ng-get: connection refused$' "$ERR"

run_get get-timeout 1500 30 "http://10.0.0.3:80/x" -o "$NG_TMP/x" --timeout 2
ng_check_eq "no such host: exit status 1 after --timeout" 1 "$RC"
ng_check_match "no such host: one-line error" '^ng-get: .*(timed out|unreachable)' "$ERR"

# Response framing and abnormal ends, from a raw kernel-side server: one behaviour per path.
cat >"$NG_TMP/oddserver.py" <<'EOF'
import socket, struct, sys

body = bytes(range(256)) * 400  # 102400 bytes
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", int(sys.argv[1])))
ls.listen(8)
print("listening", flush=True)
while True:
    c, _ = ls.accept()
    req = b""
    while b"\r\n\r\n" not in req:
        d = c.recv(4096)
        if not d:
            break
        req += d
    path = req.split(b" ")[1] if b" " in req else b"/"
    if path == b"/chunked":      # chunked coding (RFC 9112 7.1): odd chunk sizes, a trailer
        c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        i = 0
        for n in (1, 1000, 7, 65536, 35856):
            c.sendall(b"%x;ext=1\r\n" % n + body[i:i + n] + b"\r\n")
            i += n
        c.sendall(b"0\r\nX-Trailer: yes\r\n\r\n")
    elif path == b"/close":      # no length: the body ends with the connection
        c.sendall(b"HTTP/1.0 200 OK\r\n\r\n" + body)
    elif path == b"/continue":   # an interim 100 before the real response
        c.sendall(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n"
                  % len(body) + body)
    elif path == b"/short":      # promises more than it sends
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:5000])
    elif path == b"/escape":     # a reason phrase carrying a terminal escape sequence
        c.sendall(b"HTTP/1.1 403 No\x1b[2Jpe\x07\r\nContent-Length: 0\r\n\r\n")
    elif path == b"/reset":      # RST instead of an answer
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
EOF
OPORT=8002
ng_bg opid "$ns" oddserver "$NG_PY" "$NG_TMP/oddserver.py" "$OPORT"
ng_wait 10 "odd server listens" grep -q listening "$(ng_logfile oddserver)"
EXPECT=$("$NG_PY" -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 400)' |
	sha256sum | cut -d' ' -f1)
for what in chunked close continue; do
	rm -f "$NG_TMP/odd"
	run_get "get-$what" 1500 30 "http://$NG_KERNEL_ADDR:$OPORT/$what" -o "$NG_TMP/odd" --timeout 20
	ng_check_eq "$what body: exit status 0" 0 "$RC"
	ng_check_eq "$what body: all 102400 bytes, exact" "$EXPECT" \
		"$(sha256sum <"$NG_TMP/odd" | cut -d' ' -f1)"
done
run_get get-short 1500 30 "http://$NG_KERNEL_ADDR:$OPORT/short" -o "$NG_TMP/odd" --timeout 20
ng_check_eq "body shorter than Content-Length: exit status 1" 1 "$RC"
ng_check_match "short body: one-line error" '^ng-get: connection closed after 5000 body bytes' "$ERR"
run_get get-escape 1500 30 "http://$NG_KERNEL_ADDR:$OPORT/escape" -o "$NG_TMP/odd" --timeout 20
ng_check_eq "403: exit status 1" 1 "$RC"
ng_check_eq "a reason phrase's control bytes reach the terminal as '?'" 'ng-get: HTTP 403 No?[2Jpe?' "$ERR"
run_get get-reset 1500 30 "http://$NG_KERNEL_ADDR:$OPORT/reset" -o "$NG_TMP/odd" --timeout 20
ng_check_eq "reset by the server: exit status 1" 1 "$RC"
ng_check_match "reset: one-line error" '^ng-get: connection reset by peer$' "$ERR"

ng_check_alive "kernel-side server" "$kpid"
ng_done
