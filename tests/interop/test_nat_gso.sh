#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Super-segments through the NAT: the kernels on both sides hand their TAPs 64 KiB TCP
# super-segments, and `natgate router` (links with rx_whole) must translate each as one datagram
# and write it whole to the other TAP. Bulk TCP in all four directions (download and upload
# through the masquerade, download and upload through a port forward) arrives intact (sha256,
# byte count), and the router's counters show that super-segments really crossed whole
# (IP_GSO_FORWARDED) and that none had to be cut or was refused as oversize.
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/nat_lib.sh"
ng_require_root
ng_require_cmd curl sha256sum
SIZE_MB=${NAT_GSO_MB:-32}

nat_setup --forward tcp:8080=$NAT_H1:80 --forward tcp:8081=$NAT_H1:7000

# A bounded TCP sink and source: "sink PORT SECS" prints "SHA256 BYTES" of one connection;
# "source ADDR PORT FILE SECS" sends FILE and closes.
peer=$NG_TMP/gso_peer.py
cat >"$peer" <<'EOF'
import hashlib, socket, sys
mode = sys.argv[1]
if mode == "sink":
    port, secs = int(sys.argv[2]), float(sys.argv[3])
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(1)
    s.settimeout(secs)
    c, _ = s.accept()
    c.settimeout(secs)
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        h.update(b)
        n += len(b)
    print(h.hexdigest(), n)
else:
    addr, port, path, secs = sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
    c = socket.create_connection((addr, port), timeout=secs)
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            c.sendall(b)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    c.close()
EOF

data=$NG_TMP/www
mkdir -p "$data"
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$data/big.bin"
want=$(sha256sum <"$data/big.bin" | cut -d' ' -f1)
bytes=$((SIZE_MB * 1024 * 1024))

counter()
{
	"$NG_BIN/natgate" stats --control "$NAT_CTL" | awk -v k="$1" '$1 == k { print $2 }'
}
drop()
{
	local v
	v=$("$NG_BIN/natgate" stats --control "$NAT_CTL" | awk -v k="$1" '$1 == "drop" && $2 == k { print $3 }')
	echo "${v:-0}"
}

# check_whole DESC BEFORE: at least one super-segment per 256 KiB moved (a run cut into MTU-sized
# frames would move none; the kernel's are up to 64 KiB).
check_whole()
{
	local now
	now=$(counter IP_GSO_FORWARDED)
	ng_check_num "$1: super-segments forwarded whole" "$((now - $2))" -ge $((SIZE_MB * 4))
}

# ---- through the masquerade ----
ng_bg http_out "$ns_out" http-out sh -c "cd '$data' && exec $NG_PY -m http.server -b 0.0.0.0 8000"
ng_wait 10 "http server outside" ng_nsrun "$ns_out" 2 sh -c "ss -Hltn 'sport = :8000' | grep -q ."
g0=$(counter IP_GSO_FORWARDED)
got=$(ng_nsrun "$ns_h1" 120 curl -sS --max-time 100 http://$NAT_OUT:8000/big.bin | sha256sum | cut -d' ' -f1)
ng_check_eq "download ${SIZE_MB} MB outside -> h1, sha256 matches" "$want" "$got"
check_whole "download" "$g0"

ng_bg sink_out "$ns_out" sink-out $NG_PY "$peer" sink 9000 60
ng_wait 10 "sink outside" ng_nsrun "$ns_out" 2 sh -c "ss -Hltn 'sport = :9000' | grep -q ."
g0=$(counter IP_GSO_FORWARDED)
ng_check "upload ${SIZE_MB} MB h1 -> outside" ng_nsrun "$ns_h1" 90 $NG_PY "$peer" source $NAT_OUT 9000 "$data/big.bin" 60
wait "$sink_out"
ng_check_eq "upload: the outside sink got every byte, sha256 matches" "$want $bytes" "$(cat "$(ng_logfile sink-out)")"
check_whole "upload" "$g0"

# ---- through the port forwards (ports rewritten as well) ----
ng_bg http_h1 "$ns_h1" http-h1 sh -c "cd '$data' && exec $NG_PY -m http.server -b 0.0.0.0 80"
ng_wait 10 "http server on h1" ng_nsrun "$ns_h1" 2 sh -c "ss -Hltn 'sport = :80' | grep -q ."
g0=$(counter IP_GSO_FORWARDED)
got=$(ng_nsrun "$ns_out" 120 curl -sS --max-time 100 http://$NAT_PUB:8080/big.bin | sha256sum | cut -d' ' -f1)
ng_check_eq "download ${SIZE_MB} MB through the port forward (h1:80 -> outside), sha256 matches" "$want" "$got"
check_whole "forward download" "$g0"

ng_bg sink_h1 "$ns_h1" sink-h1 $NG_PY "$peer" sink 7000 60
ng_wait 10 "sink on h1" ng_nsrun "$ns_h1" 2 sh -c "ss -Hltn 'sport = :7000' | grep -q ."
g0=$(counter IP_GSO_FORWARDED)
ng_check "upload ${SIZE_MB} MB outside -> public:8081 -> h1:7000" ng_nsrun "$ns_out" 90 $NG_PY "$peer" source $NAT_PUB 8081 "$data/big.bin" 60
wait "$sink_h1"
ng_check_eq "forward upload: h1 got every byte, sha256 matches" "$want $bytes" "$(cat "$(ng_logfile sink-h1)")"
check_whole "forward upload" "$g0"

# ---- nothing had to be cut, nothing refused as too long, nothing failed a checksum ----
ng_check_eq "no super-segment cut in software (both links take TSO)" 0 "$(counter IP_GSO_CUT)"
ng_check_eq "no frame dropped as oversize" 0 "$(drop ETH_OVERSIZE)"
ng_check_eq "no TCP checksum drop" 0 "$(drop TCP_CSUM)"
ng_check_eq "no frame refused by DF" 0 "$(drop IP_DF)"
ng_log "$("$NG_BIN/natgate" stats --control "$NAT_CTL" | grep -E '^(IP_GSO|NAT_TRANSLATED|RX_FRAMES|TX_FRAMES|drop)')"
ng_check_alive "natgate router" "$rtr_pid"
ng_done
