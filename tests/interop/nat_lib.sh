# SPDX-License-Identifier: MIT
# nat_lib.sh - the NAT interop tests' topology, sourced after lib.sh:
#
#   h1 192.168.50.10 --+                                              +-- out 203.0.113.1 (gw)
#                      br0 (ns lan) -- nglan0 [natgate router] ngwan0 --  203.0.113.3
#   h2 192.168.50.11 --+               192.168.50.1      203.0.113.2         |  (routes)
#                                                                  far 198.51.100.2
#
# natgate creates both TAPs in its own namespace; they are then moved into the lan (bridge) and
# out namespaces. All hosts use the kernel's stack.

NAT_LAN=192.168.50.1
NAT_PUB=203.0.113.2
NAT_OUT=203.0.113.1
NAT_OUT2=203.0.113.3
NAT_H1=192.168.50.10
NAT_H2=192.168.50.11
NAT_FAR=198.51.100.2
NAT_CTL=$NG_TMP/natgate.ctl

# nat_setup [extra natgate router options...]: sets ns_rtr ns_lan ns_h1 ns_h2 ns_out, rtr_pid.
nat_setup()
{
	local h ns
	ng_require_bin natgate
	ng_ns_new ns_rtr
	ng_ns_new ns_lan
	ng_ns_new ns_h1
	ng_ns_new ns_h2
	ng_ns_new ns_out
	ng_start rtr_pid "$ns_rtr" ngwan0 natgate "$NG_BIN/natgate" router \
		--lan tap:nglan0 --lan-addr $NAT_LAN/24 --wan tap:ngwan0 --wan-addr $NAT_PUB/24 \
		--wan-gw $NAT_OUT --control "$NAT_CTL" --log-flows "$@"
	ng_wait 5 "nglan0" ip -n "$ns_rtr" link show nglan0 >/dev/null 2>&1
	ip -n "$ns_rtr" link set nglan0 netns "$ns_lan" || { ng_fail "move nglan0"; ng_done; }
	ip -n "$ns_rtr" link set ngwan0 netns "$ns_out" || { ng_fail "move ngwan0"; ng_done; }
	ip -n "$ns_lan" link add br0 type bridge
	ip -n "$ns_lan" link set br0 up
	ip -n "$ns_lan" link set nglan0 master br0 up
	for h in 1 2; do
		eval ns=\$ns_h$h
		ip -n "$ns_lan" link add b$h type veth peer name eth0 netns "$ns"
		ip -n "$ns_lan" link set b$h master br0 up
		eval ip -n "$ns" addr add \$NAT_H$h/24 dev eth0
		ip -n "$ns" link set eth0 up
		ip -n "$ns" route add default via $NAT_LAN
	done
	ip -n "$ns_out" addr add $NAT_OUT/24 dev ngwan0
	ip -n "$ns_out" addr add $NAT_OUT2/24 dev ngwan0
	# a second outside network behind the outside host (a kernel router): 198.51.100.2 in ns_far
	ng_ns_new ns_far
	ip -n "$ns_out" link add far0 type veth peer name eth0 netns "$ns_far"
	ip -n "$ns_out" addr add 198.51.100.1/24 dev far0
	ip -n "$ns_out" link set far0 up
	ip netns exec "$ns_out" sh -c "echo 1 >/proc/sys/net/ipv4/ip_forward"
	ip -n "$ns_far" addr add $NAT_FAR/24 dev eth0
	ip -n "$ns_far" link set eth0 up
	ip -n "$ns_far" route add default via 198.51.100.1
	ip -n "$ns_out" link set ngwan0 up
	# the bridge needs a moment to forward (no STP: ports go forwarding at once)
	ng_wait 10 "h1 reaches the router" ng_nsrun "$ns_h1" 3 ping -n -c 1 -W 1 $NAT_LAN >/dev/null
}

nat_conntrack()
{
	"$NG_BIN/natgate" conntrack --control "$NAT_CTL" "$@"
}

# nat_check_match DESC REGEX TEXT: like ng_check_match, but grep reads a here-string, not a pipe:
# under `set -o pipefail` a `printf | grep -q` that matches early can fail when printf is killed
# by SIGPIPE, which made checks on long logs flaky.
nat_check_match()
{
	if grep -Eq -- "$2" <<<"$3"; then
		ng_pass "$1"
		return 0
	fi
	ng_fail "$1: /$2/ not found in:"
	sed 's/^/    /' <<<"$3" | head -n 20
	return 1
}

# ---- the router's statistics (natgate stats on $NAT_CTL) ----

# nat_stats [--json]: the router's statistics, as `natgate stats` prints them.
nat_stats()
{
	"$NG_BIN/natgate" stats --control "$NAT_CTL" "$@"
}

# nat_counter NAME: the value of the router's counter NAME (empty when it has no such counter, so
# that a numeric check on a misspelt name fails instead of reading 0).
nat_counter()
{
	nat_stats | awk -v k="$1" '$1 == k { print $2 }'
}

# nat_drop REASON: the frames the router dropped for REASON. Read from the JSON form, which lists
# every reason, zeros included: an unknown REASON gives an empty answer, not a passing 0.
nat_drop()
{
	nat_stats --json | awk -v k="\"$1\"" '/^ *"drops":/ {
		gsub(/[{} ]/, "")
		sub(/^"drops":/, "")
		n = split($0, f, ",")
		for (i = 1; i <= n; i++) {
			split(f[i], kv, ":")
			if (kv[1] == k)
				print kv[2]
		}
	}'
}

# ---- checksums as the receiving kernels see them ----

# nat_csum_errors NS...: the checksum errors the kernel of each namespace NS has counted, as
# "tcp N ip M" per namespace (Tcp InCsumErrors in /proc/net/snmp, IpExt InCsumErrors in
# /proc/net/netstat: segments and datagrams dropped for a bad TCP resp. IP header checksum).
nat_csum_errors()
{
	local ns sep=
	for ns in "$@"; do
		printf '%s%s' "$sep" "$(ip netns exec "$ns" awk '
			($1 == "Tcp:" || $1 == "IpExt:") && !hdr[$1]++ {
				for (i = 2; i <= NF; i++)
					if ($i == "InCsumErrors")
						col[$1] = i
				next
			}
			$1 == "Tcp:" && col["Tcp:"] { t = $col["Tcp:"] }
			$1 == "IpExt:" && col["IpExt:"] { ip = $col["IpExt:"] }
			END { printf "tcp %s ip %s", t, ip }' /proc/net/snmp /proc/net/netstat)"
		sep=", "
	done
	echo
}

# nat_verify_csums NS IFACE...: turn transmit checksumming (and with it TSO) off on each IFACE in
# namespace NS, as `ethtool -K IFACE tx off` would; the test ends if that fails.
# Why: a Linux kernel trusts a TCP checksum left partial (CHECKSUM_PARTIAL, the virtio-net
# header's NEEDS_CSUM) and never verifies it when it delivers the segment locally, and the
# router leaves partial whatever it got partial, super-segments included (it updates the
# pseudo-header sum in the field). A port without checksum offload makes the kernel finish the
# checksum in software as it sends (cutting super-segments first), from the sum in the field:
# a wrong one then yields a wrong checksum, which the receiving kernel verifies, drops, and
# counts in InCsumErrors (nat_csum_errors). Without this, a wrong partial sum from the router
# went unnoticed: bytes intact, no counter moved (tried with a deliberately broken build). The
# router itself still reads and writes super-segments whole; only the kernel, after it, cuts
# and checksums them in software.
nat_verify_csums()
{
	local ns=$1 ifc
	shift
	for ifc in "$@"; do
		ng_require "transmit checksumming off on $ifc (the receiver verifies every checksum)" \
			ng_nsrun "$ns" 5 "$NG_PY" "$NG_LIBDIR/nat_peer.py" txcsum "$ifc" off
	done
}

# ---- bulk TCP of super-segments through the router (test_nat_gso*.sh) ----
#
# nat_gso_data MB makes the file every transfer moves; nat_gso_http serves it; nat_gso_download
# and nat_gso_upload move it and check, for each transfer: the bytes arrive intact (sha256, byte
# count), at least one super-segment per 256 KiB crossed the router whole (a run cut into
# MTU-sized frames would move none; the kernel's are up to 64 KiB), and the kernels at both ends
# counted no checksum error (nat_csum_errors; see nat_verify_csums for why they can).
# nat_gso_done checks that nothing was cut in software or dropped, and ends the test.

NAT_GSO_DIR=$NG_TMP/www
NAT_GSO_FILE=$NAT_GSO_DIR/big.bin

# nat_gso_data MB: NAT_GSO_FILE, MB MiB of random bytes; sets NAT_GSO_MB, NAT_GSO_BYTES,
# NAT_GSO_SHA.
nat_gso_data()
{
	NAT_GSO_MB=$1
	NAT_GSO_BYTES=$((NAT_GSO_MB * 1024 * 1024))
	mkdir -p "$NAT_GSO_DIR"
	head -c "$NAT_GSO_BYTES" /dev/urandom >"$NAT_GSO_FILE"
	NAT_GSO_SHA=$(sha256sum <"$NAT_GSO_FILE" | cut -d' ' -f1)
}

# nat_gso_http NS PORT: an HTTP server (python3 -m http.server) for NAT_GSO_DIR on PORT in NS,
# listening when this returns.
nat_gso_http()
{
	local _nat_pid
	ng_bg _nat_pid "$1" "http-$2" sh -c "cd '$NAT_GSO_DIR' && exec $NG_PY -m http.server -b 0.0.0.0 $2"
	ng_wait 10 "http server on :$2" ng_nsrun "$1" 2 sh -c "ss -Hltn 'sport = :$2' | grep -q ."
}

# nat_gso_after DESC G0 CSUM0 NS...: the checks after a transfer that began with the counter
# IP_GSO_FORWARDED at G0 and the checksum errors of namespaces NS... at CSUM0.
nat_gso_after()
{
	local desc=$1 g0=$2 c0=$3 now
	shift 3
	now=$(nat_counter IP_GSO_FORWARDED)
	ng_check_num "$desc: super-segments forwarded whole" "$((now - g0))" -ge $((NAT_GSO_MB * 4))
	if ! [[ $c0 =~ ^tcp\ [0-9]+\ ip\ [0-9]+(,\ tcp\ [0-9]+\ ip\ [0-9]+)*$ ]]; then
		ng_fail "$desc: the kernels' checksum error counters cannot be read: '$c0'"
		return 1
	fi
	ng_check_eq "$desc: no bad TCP or IP checksum reached the kernels at either end" \
		"$c0" "$(nat_csum_errors "$@")"
}

# nat_gso_download DESC CLIENT_NS SERVER_NS URL: curl in CLIENT_NS fetches the file from URL
# (served by SERVER_NS) through the router.
nat_gso_download()
{
	local g0 c0 got
	g0=$(nat_counter IP_GSO_FORWARDED)
	c0=$(nat_csum_errors "$2" "$3")
	got=$(ng_nsrun "$2" 120 curl -sS --max-time 100 "$4" | sha256sum | cut -d' ' -f1)
	ng_check_eq "$1: $NAT_GSO_MB MB, sha256 matches" "$NAT_GSO_SHA" "$got"
	nat_gso_after "$1" "$g0" "$c0" "$2" "$3"
}

# nat_gso_upload DESC SRC_NS ADDR PORT SINK_NS SINK_PORT: a sink on SINK_PORT in SINK_NS; SRC_NS
# sends it the file through the router, to ADDR:PORT.
nat_gso_upload()
{
	local _nat_sink g0 c0 log="sink-$6"
	ng_bg _nat_sink "$5" "$log" "$NG_PY" "$NG_LIBDIR/nat_peer.py" sink "$6" 60
	ng_wait 10 "sink on :$6" ng_nsrun "$5" 2 sh -c "ss -Hltn 'sport = :$6' | grep -q ."
	g0=$(nat_counter IP_GSO_FORWARDED)
	c0=$(nat_csum_errors "$2" "$5")
	ng_check "$1: $NAT_GSO_MB MB sent" ng_nsrun "$2" 90 "$NG_PY" "$NG_LIBDIR/nat_peer.py" \
		source "$3" "$4" "$NAT_GSO_FILE" 60
	wait "$_nat_sink"
	ng_check_eq "$1: the sink got every byte, sha256 matches" "$NAT_GSO_SHA $NAT_GSO_BYTES" \
		"$(cat "$(ng_logfile "$log")")"
	nat_gso_after "$1" "$g0" "$c0" "$2" "$5"
}

# nat_gso_done [DROP_REASON...]: no super-segment was cut in software, no frame dropped as
# oversize or for any DROP_REASON; the router still runs (its pid in rtr_pid). Ends the test.
nat_gso_done()
{
	local r
	ng_check_eq "no super-segment cut in software (both links take TSO)" 0 "$(nat_counter IP_GSO_CUT)"
	for r in ETH_OVERSIZE "$@"; do
		ng_check_eq "no frame dropped for $r" 0 "$(nat_drop "$r")"
	done
	ng_log "$(nat_stats | grep -E '^(IP_GSO|NAT_TRANSLATED|RX_FRAMES|TX_FRAMES|drop)')"
	ng_check_alive "natgate router" "$rtr_pid"
	ng_done
}

# nat_packet_topology: the namespaces of the AF_PACKET tests: ns_rtr with veths vlan0 and vwan0
# (for `natgate router --lan packet:vlan0 --wan packet:vwan0`), ns_in behind vlan0 (10.77.0.10/24,
# default route via 10.77.0.1) and ns_out behind vwan0 (198.51.100.1/24).
nat_packet_topology()
{
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
}
