#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TCP echo (RFC 862) of ng-echo against kernel clients: streams of 1 byte to 8 MiB come back
# exactly, also on 20 connections at once; after the client's FIN (all data echoed) the server
# closes too, and an empty stream gets FIN for FIN; the UDP echo on the same port keeps working.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root

ng_echo_setup ns pid

cat >"$NG_TMP/tcp_echo.py" <<'EOF'
import os, socket, sys, threading

host, port = sys.argv[1], int(sys.argv[2])
sizes = [int(x) for x in sys.argv[3:]]
errors = []

def one(i, size):
    try:
        data = os.urandom(size)
        s = socket.create_connection((host, port), timeout=60)
        got = bytearray()
        def reader():
            while True:
                d = s.recv(1 << 16)
                if not d:
                    return  # the server's FIN
                got.extend(d)
        t = threading.Thread(target=reader)
        t.start()
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        t.join(90)
        s.close()
        if t.is_alive():
            errors.append("conn %d (%d bytes): no FIN from the server" % (i, size))
        elif bytes(got) != data:
            errors.append("conn %d: sent %d bytes, got back %d (%s)" % (
                i, size, len(got), "differ" if len(got) == size else "short"))
    except Exception as e:
        errors.append("conn %d (%d bytes): %r" % (i, size, e))

threads = [threading.Thread(target=one, args=(i, n)) for i, n in enumerate(sizes)]
for t in threads:
    t.start()
for t in threads:
    t.join(120)
for e in errors:
    print(e)
print("%d of %d connections echoed exactly" % (len(sizes) - len(errors), len(sizes)))
sys.exit(1 if errors else 0)
EOF

ng_nsrun "$ns" 10 ping -n -c 1 -W 2 "$NG_ECHO_ADDR" >/dev/null 2>&1 # ARP

echo_run()
{
	local desc=$1 out rc
	shift
	out=$(ng_nsrun "$ns" 150 "$NG_PY" "$NG_TMP/tcp_echo.py" "$NG_ECHO_ADDR" 7 "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | tail -n 5 | sed 's/^/    /'
	ng_check_eq "$desc" 0 "$rc"
}

echo_run "one stream each of 1, 1460, 100000 bytes and 8 MiB" 1 1460 100000 $((8 << 20))
echo_run "20 connections at once, 1 MiB each" $(for i in $(seq 20); do echo $((1 << 20)); done)
echo_run "an empty stream: FIN answered by FIN" 0

# UDP echo on the same port still answers
out=$(ng_nsrun "$ns" 20 "$NG_PY" "$NG_LIBDIR/udp_client.py" echo "$NG_ECHO_ADDR" 7 1 1473 2>&1)
ng_check_eq "UDP echo beside TCP echo" 0 "$?" || printf '%s\n' "$out" | sed 's/^/    /'
ng_check_alive "ng-echo" "$pid"
ng_stop_pid "$pid"
ng_check_eq "ng-echo exits 0 on SIGTERM (no leak)" 0 "$?"
ng_done
