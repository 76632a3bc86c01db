#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Super-segments through the NAT on AF_PACKET links (--lan packet:IF --wan packet:IF, the router's
# ends of two veth pairs): the kernels' 64 KiB TCP super-segments are read whole through
# PACKET_VNET_HDR, translated as one datagram and sent whole with a virtio-net header that has
# the kernel cut them (and finish their checksums). A download and an upload through the
# masquerade and a download through a port forward arrive intact (sha256), and the router's
# counters show super-segments crossing whole, none cut in software, none refused.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd curl sha256sum
ng_require_bin natgate
CTL=$NG_TMP/natgate.ctl
SIZE_MB=${NAT_GSO_MB:-16}

ng_ns_new ns_rtr
ng_ns_new ns_in
ng_ns_new ns_out
ip -n "$ns_rtr" link add vlan0 type veth peer name eth0 netns "$ns_in"
ip -n "$ns_rtr" link add vwan0 type veth peer name eth0 netns "$ns_out"
ip -n "$ns_rtr" link set vlan0 up
ip -n "$ns_rtr" link set vwan0 up
ip -n "$ns_in" addr add 10.77.0.10/24 dev eth0
ip -n "$ns_in" link set eth0 up
ip -n "$ns_in" route add default via 10.77.0.1
ip -n "$ns_out" addr add 198.51.100.1/24 dev eth0
ip -n "$ns_out" link set eth0 up

ng_bg rtr_pid "$ns_rtr" natgate "$NG_BIN/natgate" router --lan packet:vlan0 \
	--lan-addr 10.77.0.1/24 --wan packet:vwan0 --wan-addr 198.51.100.2/24 \
	--wan-gw 198.51.100.1 --forward tcp:8080=10.77.0.10:80 --control "$CTL"
ng_wait 10 "the control socket" test -S "$CTL"
ng_check "the inside host pings the outside host through the NAT" \
	ng_nsrun "$ns_in" 10 ping -n -c 2 -i 0.2 -W 2 198.51.100.1

peer=$NG_TMP/gso_peer.py
cat >"$peer" <<'EOF'
import hashlib, socket, sys
if sys.argv[1] == "sink":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    s.listen(1)
    s.settimeout(float(sys.argv[3]))
    c, _ = s.accept()
    c.settimeout(float(sys.argv[3]))
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        h.update(b)
        n += len(b)
    print(h.hexdigest(), n)
else:
    c = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=float(sys.argv[5]))
    with open(sys.argv[4], "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            c.sendall(b)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    c.close()
EOF

www=$NG_TMP/www
mkdir -p "$www"
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$www/f.bin"
want=$(sha256sum <"$www/f.bin" | cut -d' ' -f1)
stats() { "$NG_BIN/natgate" stats --control "$CTL"; }
counter() { stats | awk -v k="$1" '$1 == k { print $2 }'; }
drop() { local v; v=$(stats | awk -v k="$1" '$1 == "drop" && $2 == k { print $3 }'); echo "${v:-0}"; }
check_whole()
{
	local now
	now=$(counter IP_GSO_FORWARDED)
	ng_check_num "$1: super-segments forwarded whole" "$((now - $2))" -ge $((SIZE_MB * 4))
}

ng_bg h_out "$ns_out" http-out sh -c "cd '$www' && exec $NG_PY -m http.server -b 0.0.0.0 8000"
ng_bg h_in "$ns_in" http-in sh -c "cd '$www' && exec $NG_PY -m http.server -b 0.0.0.0 80"
ng_bg sink "$ns_out" sink-out $NG_PY "$peer" sink 9000 60
ng_wait 10 "servers" sh -c "ip netns exec $ns_out ss -Hltn 'sport = :8000' | grep -q . &&
	ip netns exec $ns_out ss -Hltn 'sport = :9000' | grep -q . &&
	ip netns exec $ns_in ss -Hltn 'sport = :80' | grep -q ."

g0=$(counter IP_GSO_FORWARDED)
got=$(ng_nsrun "$ns_in" 60 curl -sS --max-time 50 http://198.51.100.1:8000/f.bin | sha256sum | cut -d' ' -f1)
ng_check_eq "download ${SIZE_MB} MB through the NAT on AF_PACKET links, sha256 matches" "$want" "$got"
check_whole "download" "$g0"

g0=$(counter IP_GSO_FORWARDED)
ng_check "upload ${SIZE_MB} MB inside -> outside" ng_nsrun "$ns_in" 60 $NG_PY "$peer" source 198.51.100.1 9000 "$www/f.bin" 50
wait "$sink"
ng_check_eq "upload: the outside sink got every byte, sha256 matches" \
	"$want $((SIZE_MB * 1024 * 1024))" "$(cat "$(ng_logfile sink-out)")"
check_whole "upload" "$g0"

g0=$(counter IP_GSO_FORWARDED)
got=$(ng_nsrun "$ns_out" 60 curl -sS --max-time 50 http://198.51.100.2:8080/f.bin | sha256sum | cut -d' ' -f1)
ng_check_eq "download ${SIZE_MB} MB through the port forward, sha256 matches" "$want" "$got"
check_whole "forward download" "$g0"

ng_check_eq "no super-segment cut in software" 0 "$(counter IP_GSO_CUT)"
ng_check_eq "no frame dropped as oversize" 0 "$(drop ETH_OVERSIZE)"
ng_check_eq "no TCP checksum drop" 0 "$(drop TCP_CSUM)"
ng_check_eq "no link transmit error" 0 "$(drop LINK_TX)"
ng_log "$(stats | grep -E '^(IP_GSO|NAT_TRANSLATED|RX_FRAMES|TX_FRAMES|drop)')"
ng_check_alive "natgate router" "$rtr_pid"
ng_done
