#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The kernel's curl against ng-httpd on natgate's TCP: a 64 MiB download whose sha256 matches at
# TAP MTU 1500 and 65520; HEAD; 404, 400 (".."), 405 and 431; keep-alive (several requests on one
# connection), "Connection: close", pipelining and half-close; a 16 MiB PUT (curl -T, with and
# without 100-continue) stored byte-exact under --root; POST bodies; bodies pipelined with their
# heads and the requests after them; and no connection left once curl is gone (the count comes
# from ng-httpd's SIGUSR1 report).
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd curl sha256sum
ng_require_bin ng-httpd

SRV=10.0.0.2
PORT=8080
URL=http://$SRV:$PORT
ROOT=$NG_TMP/www
mkdir -p "$ROOT/sub"
head -c $((64 << 20)) /dev/urandom >"$ROOT/big.bin"
head -c 1000 /dev/urandom >"$ROOT/small.bin"
head -c $((16 << 20)) /dev/urandom >"$NG_TMP/up.bin"
echo hello >"$ROOT/sub/index.html"
echo secret >"$NG_TMP/secret.txt"
BIG_SHA=$(sha256sum <"$ROOT/big.bin" | cut -d' ' -f1)
UP_SHA=$(sha256sum <"$NG_TMP/up.bin" | cut -d' ' -f1)

# httpd_setup PIDVAR NS NAME MTU [ng-httpd options...]: ng-httpd on TAP ng0, kernel side up
httpd_setup()
{
	local _pv=$1 _ns=$2 _name=$3 _mtu=$4 _pid
	shift 4
	ng_start _pid "$_ns" "$NG_TAP" "$_name" "$NG_BIN/ng-httpd" --tap "$NG_TAP" \
		--addr "$SRV/24" --mtu "$_mtu" --port "$PORT" --root "$ROOT" "$@"
	ng_tap_up "$_ns" "$NG_TAP" "$NG_KERNEL_ADDR/24" "$_mtu"
	printf -v "$_pv" '%s' "$_pid"
}

# conn_count PID NAME: the connections ng-httpd's stack holds (SIGUSR1 makes it print them)
conn_count()
{
	local pid=$1 log n0
	log=$(ng_logfile "$2")
	n0=$(grep -c 'connections=' "$log")
	kill -USR1 "$pid" 2>/dev/null || return 1
	ng_wait 5 "connection report" bash -c '[ "$(grep -c connections= "$1")" -gt "$2" ]' _ \
		"$log" "$n0" >/dev/null || return 1
	grep 'connections=' "$log" | tail -n 1 | sed 's/.*connections=\([0-9]*\).*/\1/'
}
# no_conns PID NAME: true once the count is 0 (polled up to 10 s)
no_conns()
{
	local i n
	for ((i = 0; i < 20; i++)); do
		n=$(conn_count "$1" "$2")
		[ "$n" = 0 ] && return 0
		sleep 0.5
	done
	echo "    ng-httpd still holds ${n:-?} connections"
	return 1
}

ccurl() # curl in the namespace, bounded
{
	ng_nsrun "$ns" 130 curl -sS --max-time 120 "$@"
}

ng_ns_new ns

# ---- bulk download at two MTUs ----
for mtu in 1500 65520; do
	httpd_setup pid "$ns" "httpd-$mtu" "$mtu"
	rm -f "$NG_TMP/dl.bin"
	r=$(ccurl -o "$NG_TMP/dl.bin" -w '%{http_code} %{size_download} %{time_total}' "$URL/big.bin")
	ng_log "MTU $mtu: curl: $r"
	read -r code size secs <<<"$r"
	ng_check_eq "MTU $mtu: GET big.bin status" 200 "$code"
	ng_check_eq "MTU $mtu: 64 MiB received" $((64 << 20)) "$size"
	ng_check_eq "MTU $mtu: sha256 matches" "$BIG_SHA" "$(sha256sum <"$NG_TMP/dl.bin" | cut -d' ' -f1)"
	ng_log "MTU $mtu: $(awk -v b="${size:-0}" -v t="${secs:-1}" 'BEGIN{printf "%.1f MB/s", b/t/1e6}')"
	ng_check "MTU $mtu: no connection left after curl closed" no_conns "$pid" "httpd-$mtu"
	ng_check_alive "ng-httpd (MTU $mtu)" "$pid"
	ng_stop_pid "$pid"
	ng_check_eq "MTU $mtu: ng-httpd exits 0 on SIGTERM (no leak)" 0 "$?"
done

# ---- protocol behaviour (MTU 1500) ----
httpd_setup pid "$ns" httpd-proto 1500

h=$(ccurl -I "$URL/big.bin" | tr -d '\r')
ng_check_match "HEAD: 200 with the file's Content-Length" "^Content-Length: $((64 << 20))$" "$h"
ng_check_match "HEAD: status line" '^HTTP/1.1 200 OK$' "$h"

code() { ccurl -o /dev/null -w '%{http_code}' "$@"; }
ng_check_eq "missing file: 404" 404 "$(code "$URL/nope.bin")"
ng_check_eq "directory serves its index.html" hello "$(ccurl "$URL/sub/")"
ng_check_eq "'..' in the path: 400" 400 "$(code --path-as-is "$URL/../secret.txt")"
ng_check_eq "escaped '..' (%2e%2e): 400" 400 "$(code --path-as-is "$URL/sub/%2e%2e/%2e%2e/secret.txt")"
ng_check_eq "DELETE: 405" 405 "$(code -X DELETE "$URL/small.bin")"
ng_check_eq "small file served whole" 1000 "$(ccurl "$URL/small.bin" | wc -c)"

# request head larger than 8 KiB: 431
big_hdr="X-Big: $(head -c 9000 /dev/zero | tr '\0' a)"
ng_check_eq "9000-byte header: 431" 431 "$(code -H "$big_hdr" "$URL/small.bin")"
# malformed request line: 400, then the connection closes
bad=$(printf 'GARBAGE\r\n\r\n' | ng_nsrun "$ns" 10 nc -q 5 -w 5 "$SRV" "$PORT" | head -n 1 | tr -d '\r')
ng_check_eq "malformed request line: 400" "HTTP/1.1 400 Bad Request" "$bad"

# keep-alive: three requests, one connection; "Connection: close" gets its own each time
r=$(ccurl -o /dev/null -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' \
	"$URL/small.bin" "$URL/big.bin" "$URL/small.bin" | tr '\n' ' ')
ng_check_eq "keep-alive: 3 requests over 1 connection" "200 1 200 0 200 0 " "$r"
r=$(ccurl -H 'Connection: close' -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' \
	"$URL/small.bin" "$URL/small.bin" | tr '\n' ' ')
ng_check_eq "Connection: close: a new connection per request" "200 1 200 1 " "$r"
# HTTP/1.0 without keep-alive: the server closes, curl sees the whole body
ng_check_eq "HTTP/1.0 GET" 1000 "$(ccurl -0 "$URL/small.bin" | wc -c)"
# pipelined requests in one write are answered in order (text bodies, so that grep sees lines)
pipe=$(printf 'GET /sub/index.html HTTP/1.1\r\nHost: x\r\n\r\nHEAD /sub/ HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
	ng_nsrun "$ns" 10 nc -q 5 -w 5 "$SRV" "$PORT" | tr -d '\r' | grep -a '^HTTP/' | tr '\n' ' ')
ng_check_eq "pipelined requests answered in order" \
	"HTTP/1.1 200 OK HTTP/1.1 200 OK HTTP/1.1 404 Not Found " "$pipe"

# half-close: the client's FIN right after its request; the answer still comes whole
r=$(printf 'GET /small.bin HTTP/1.1\r\nHost: x\r\n\r\n' |
	ng_nsrun "$ns" 10 nc -N -w 5 "$SRV" "$PORT" | wc -c)
ng_check "request then FIN (half-close): response received (${r:-0} bytes)" \
	test "${r:-0}" -gt 1000

# ---- uploads ----
r=$(ccurl -H 'Expect:' -T "$NG_TMP/up.bin" -w '%{http_code} %{size_upload}' -o "$NG_TMP/put.out" \
	"$URL/up1.bin")
ng_check_eq "PUT 16 MiB: 200, all sent" "200 $((16 << 20))" "$r"
ng_check_eq "PUT 16 MiB: stored file matches" "$UP_SHA" "$(sha256sum <"$ROOT/up1.bin" | cut -d' ' -f1)"
r=$(ccurl -T "$NG_TMP/up.bin" -w '%{http_code}' -o /dev/null "$URL/sub/up2.bin")
ng_check_eq "PUT with Expect: 100-continue: 200" 200 "$r"
ng_check_eq "PUT with 100-continue: stored file matches" "$UP_SHA" \
	"$(sha256sum <"$ROOT/sub/up2.bin" 2>/dev/null | cut -d' ' -f1)"
ng_check_eq "GET of the uploaded file matches" "$UP_SHA" \
	"$(ccurl "$URL/up1.bin" | sha256sum | cut -d' ' -f1)"
ng_check_eq "PUT into a missing directory: 404" 404 \
	"$(ccurl -H 'Expect:' -T "$ROOT/small.bin" -w '%{http_code}' -o /dev/null "$URL/no/such/f")"
ng_check_eq "PUT with '..': 400" 400 \
	"$(ccurl --path-as-is -T "$ROOT/small.bin" -w '%{http_code}' -o /dev/null "$URL/../f")"
ng_check "PUT '..' wrote nothing outside the root" test ! -e "$NG_TMP/f"
r=$(ccurl -H 'Expect:' --data-binary "@$NG_TMP/up.bin" -w '%{http_code}' -o /dev/null "$URL/form")
ng_check_eq "POST 16 MiB body: 200" 200 "$r"
# a body of unknown length: curl -T - sends it with chunked coding (RFC 9112 7.1)
r=$(ccurl -H 'Expect:' -T - -w '%{http_code}' -o /dev/null "$URL/up3.bin" <"$NG_TMP/up.bin")
ng_check_eq "chunked PUT of 16 MiB: 200" 200 "$r"
ng_check_eq "chunked PUT: stored file matches" "$UP_SHA" \
	"$(sha256sum <"$ROOT/up3.bin" 2>/dev/null | cut -d' ' -f1)"
# raw: HTTP/1.1 answer line of a request written by hand
raw() { printf "$1" | ng_nsrun "$ns" 10 nc -q 5 -w 5 "$SRV" "$PORT" | head -n 1 | tr -d '\r'; }
ng_check_eq "chunked PUT with a trailer: 200" "HTTP/1.1 200 OK" \
	"$(raw 'PUT /up4.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;x=y\r\n!\r\n0\r\nX-T: 1\r\n\r\n')"
ng_check_eq "... stored as its decoded body" "hello!" "$(cat "$ROOT/up4.txt" 2>/dev/null)"
ng_check_eq "malformed chunk size: 400" "HTTP/1.1 400 Bad Request" \
	"$(raw 'PUT /bad.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')"
ng_check "... and nothing stored" test ! -e "$ROOT/bad.bin"
ng_check_eq "Transfer-Encoding and Content-Length together: 400" "HTTP/1.1 400 Bad Request" \
	"$(raw 'PUT /b2.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')"
ng_check_eq "an unknown transfer coding: 501" "HTTP/1.1 501 Not Implemented" \
	"$(raw 'PUT /b3.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n')"
ng_check_eq "chunked not the last coding: 400 (RFC 9112 6.3)" "HTTP/1.1 400 Bad Request" \
	"$(raw 'PUT /b4.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n')"
# bodies that come in one write with their heads and the requests after them: each body is
# framed where it lies in the head buffer, the next request is served after it, in order
pipe=$(printf 'POST /form HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nPUT /p5.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloPUT /p6.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nw\r\n4\r\norld\r\n0\r\n\r\nGET /p5.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
	ng_nsrun "$ns" 10 nc -q 5 -w 5 "$SRV" "$PORT" | tr -d '\r')
ng_check_eq "bodies pipelined with their heads: answered in order" \
	"HTTP/1.1 200 OK HTTP/1.1 200 OK HTTP/1.1 200 OK HTTP/1.1 200 OK " \
	"$(grep -a '^HTTP/' <<<"$pipe" | tr '\n' ' ')"
ng_check_eq "... the last answer carries the stored body" hello "$(tail -n 1 <<<"$pipe")"
ng_check_eq "... both PUTs stored" "hello world" \
	"$(cat "$ROOT/p5.txt" 2>/dev/null) $(cat "$ROOT/p6.txt" 2>/dev/null)"
ng_check "no temporary files left in the root" \
	bash -c '[ -z "$(find "$1" -name ".ng-httpd*")" ]' _ "$ROOT"

ng_check_alive "ng-httpd" "$pid"
ng_stop_pid "$pid"
ng_check_eq "ng-httpd exits 0 on SIGTERM (no leak)" 0 "$?"
ng_check_match "ng-httpd reports its connections at exit" 'ng-httpd: connections=[0-9]+' \
	"$(cat "$(ng_logfile httpd-proto)")"
ng_done
