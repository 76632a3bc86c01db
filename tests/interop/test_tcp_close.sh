#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Connection ends between the kernel and natgate's TCP (ng-httpd): a connect to a closed natgate
# port is refused at once (RST, not a timeout); kernel peers that close first (idle, after a
# response, in the middle of a download) and peers that reset (SO_LINGER 0: idle, mid-request,
# mid-download) leave no connection behind in natgate's stack (ng_tcp_count via SIGUSR1); and
# ng-httpd's --idle closes a silent connection.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd curl
ng_require_bin ng-httpd

SRV=10.0.0.2
PORT=8080
ROOT=$NG_TMP/www
mkdir -p "$ROOT"
head -c $((32 << 20)) /dev/urandom >"$ROOT/big.bin"
head -c 1000 /dev/urandom >"$ROOT/small.bin"

ng_ns_new ns
ng_start pid "$ns" "$NG_TAP" httpd "$NG_BIN/ng-httpd" --tap "$NG_TAP" --addr "$SRV/24" \
	--port "$PORT" --root "$ROOT"
ng_tap_up "$ns" "$NG_TAP" "$NG_KERNEL_ADDR/24"
LOG=$(ng_logfile httpd)

# conn_count: the connections ng-httpd's stack holds (SIGUSR1 makes it print them)
conn_count()
{
	local n0
	n0=$(grep -c 'connections=' "$LOG")
	kill -USR1 "$pid" 2>/dev/null || return 1
	ng_wait 5 "connection report" bash -c '[ "$(grep -c connections= "$1")" -gt "$2" ]' _ \
		"$LOG" "$n0" >/dev/null || return 1
	grep 'connections=' "$LOG" | tail -n 1 | sed 's/.*connections=\([0-9]*\).*/\1/'
}
# expect_conns DESC N: the count reaches N within 10 s
expect_conns()
{
	local i n
	for ((i = 0; i < 20; i++)); do
		n=$(conn_count)
		[ "$n" = "$2" ] && break
		sleep 0.5
	done
	ng_check_eq "$1: natgate holds $2 connections" "$2" "$n"
}

# The kernel-side peer: one scenario per run, in Python for exact control of FIN vs RST.
cat >"$NG_TMP/peer.py" <<'EOF'
import socket, struct, sys, time

host, port, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def conn():
    s = socket.create_connection((host, port), timeout=10)
    return s

def reset(s):
    # SO_LINGER on with a zero timeout: close() sends RST instead of FIN
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()

def get(s, path, close=False):
    s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")

def read_response(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise SystemExit("closed before the head")
        buf += d
    head, body = buf.split(b"\r\n\r\n", 1)
    n = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0]
    while len(body) < n:
        d = s.recv(65536)
        if not d:
            raise SystemExit("closed inside the body")
        body += d
    return body

if what == "refused":
    t = time.monotonic()
    try:
        conn()
    except ConnectionRefusedError:
        dt = time.monotonic() - t
        print("refused after %.3f s" % dt)
        sys.exit(0 if dt < 1.0 else 1)
    except OSError as e:
        print("not refused:", e)
        sys.exit(1)
    print("connected?!")
    sys.exit(1)

s = conn()
if what == "fin-idle":          # connect, then close: FIN from the kernel first
    s.close()
elif what == "fin-after-response":
    get(s, "/small.bin")
    assert len(read_response(s)) == 1000
    s.close()
elif what == "fin-mid-download":  # unread data makes the kernel's close a RST; a plain
    get(s, "/big.bin")            # shutdown(SHUT_WR) first sends FIN while data flows
    s.recv(65536)
    s.shutdown(socket.SHUT_WR)
    time.sleep(0.2)
    s.close()
elif what == "rst-idle":
    reset(s)
elif what == "rst-mid-request":
    s.sendall(b"GET /small.bin HTTP/1.1\r\nHo")
    time.sleep(0.1)
    reset(s)
elif what == "rst-after-response":
    get(s, "/small.bin")
    read_response(s)
    reset(s)
elif what == "rst-mid-download":
    get(s, "/big.bin")
    s.recv(65536)
    time.sleep(0.1)
    reset(s)
elif what == "idle":             # send nothing: the server's idle timeout must close
    t = time.monotonic()
    s.settimeout(15)
    d = s.recv(10)
    dt = time.monotonic() - t
    print("server closed after %.1f s" % dt if d == b"" else "got data?!")
    sys.exit(0 if d == b"" and 0.5 < dt < 5 else 1)
elif what == "hold":             # keep a connection open until killed
    get(s, "/small.bin")
    read_response(s)
    print("holding", flush=True)
    time.sleep(60)
else:
    sys.exit("unknown scenario " + what)
print(what, "done")
EOF
peer() { ng_nsrun "$ns" 20 "$NG_PY" "$NG_TMP/peer.py" "$SRV" "$@" 2>&1; }

# ARP and a first request, so that timing below is the TCP's alone
ng_require "ng-httpd answers" ng_nsrun "$ns" 20 curl -s -o /dev/null --max-time 10 \
	"http://$SRV:$PORT/small.bin"

# 1. closed port: refused at once
out=$(peer 9 refused)
ng_check "connect to closed port 9 refused in under 1 s ($out)" test $? = 0
out=$(ng_nsrun "$ns" 10 curl -sS --max-time 5 "http://$SRV:81/" 2>&1)
ng_check_match "curl to closed port 81: 'Connection refused'" 'Connection refused|Couldn.t connect' "$out"
expect_conns "after refused connects" 0

# 2. the kernel closes first, 3. the kernel resets
for what in fin-idle fin-after-response fin-mid-download rst-idle rst-mid-request \
	rst-after-response rst-mid-download; do
	out=$(peer "$PORT" "$what")
	ng_check "peer scenario $what ran ($out)" test $? = 0
	expect_conns "after $what" 0
done

# 4. many of them at once, mixed (waiting for these PIDs only: ng-httpd is a child too)
pids=()
for i in $(seq 10); do
	for what in fin-after-response rst-after-response rst-mid-download fin-idle; do
		ng_nsrun "$ns" 30 "$NG_PY" "$NG_TMP/peer.py" "$SRV" "$PORT" "$what" >/dev/null 2>&1 &
		pids+=($!)
	done
done
wait "${pids[@]}"
expect_conns "after 40 mixed closes and resets" 0

# 5. a connection that is still open is counted (the check can fail)
ng_bg hpid "$ns" holder "$NG_PY" "$NG_TMP/peer.py" "$SRV" "$PORT" hold
ng_wait 10 "holder connected" grep -q holding "$(ng_logfile holder)"
expect_conns "while one kernel peer holds a connection" 1
ng_stop_pid "$hpid"
expect_conns "after the holder was killed" 0

ng_check_alive "ng-httpd" "$pid"
ng_stop_pid "$pid"
ng_check_eq "ng-httpd exits 0 on SIGTERM (no leak)" 0 "$?"

# 6. --idle 1: a silent connection is closed by the server within a scan period or so
ng_start pid "$ns" "$NG_TAP" httpd-idle "$NG_BIN/ng-httpd" --tap "$NG_TAP" --addr "$SRV/24" \
	--port "$PORT" --root "$ROOT" --idle 1
ip -n "$ns" addr replace "$NG_KERNEL_ADDR/24" dev "$NG_TAP"
ip -n "$ns" link set dev "$NG_TAP" up
ng_nsrun "$ns" 20 curl -s -o /dev/null --max-time 10 "http://$SRV:$PORT/small.bin" # ARP
out=$(peer "$PORT" idle)
ng_check "--idle 1: a silent connection is closed by the server ($out)" test $? = 0
ng_done
