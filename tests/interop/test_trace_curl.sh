#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `natgate trace` on a real capture: curl in one namespace fetches a file from the kernel's own
# HTTP server (python3 -m http.server) in another, over a veth pair, while tcpdump records it on
# the veth (Ethernet) and on "any" (Linux cooked SLL2). The trace must read both without error,
# draw the handshake and the close, and end each side in the state the kernel's ss reports
# (TIME_WAIT on the side that closed first, CLOSED on the other). A pcapng copy (editcap) must
# trace the same. The SVG must be well-formed XML and the JSON valid; if Chromium is installed,
# the SVG must render to a non-empty PNG.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd tcpdump curl ip
ng_require_bin natgate

ng_ns_new cns
ng_ns_new sns
# the veth pair is made inside our namespaces: the one we started in is never touched
ip -n "$cns" link add ngtc type veth peer name ngts netns "$sns" ||
	{ ng_fail "veth pair"; ng_done; }
ip -n "$cns" addr add 10.77.0.1/24 dev ngtc
ip -n "$sns" addr add 10.77.0.2/24 dev ngts
ip -n "$cns" link set ngtc up
ip -n "$sns" link set ngts up
# no offloads: the capture then holds the segments as they are on the wire
ip netns exec "$cns" ethtool -K ngtc tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec "$sns" ethtool -K ngts tso off gso off gro off >/dev/null 2>&1 || true

www="$NG_TMP/www"
mkdir -p "$www"
head -c 300000 /dev/urandom >"$www/blob.bin"
ng_bg srv "$sns" httpd "$NG_PY" -m http.server 8080 --bind 10.77.0.2 --directory "$www"
cap="$NG_TMP/curl.pcap"
capany="$NG_TMP/curl-any.pcap"
ng_bg tdp "$cns" tcpdump tcpdump -Z root -U -n -i ngtc -w "$cap" tcp port 8080
ng_bg tdp2 "$cns" tcpdump2 tcpdump -Z root -U -n -B 16384 -i any -w "$capany" tcp port 8080

listening()
{
	grep -q "listening on" "$NG_TMP/tcpdump.log" && grep -q "listening on" "$NG_TMP/tcpdump2.log"
}
server_up()
{
	ng_nsrun "$sns" 2 ss -ltn 2>/dev/null | grep -q "10.77.0.2:8080"
}
ng_require "tcpdump is capturing" ng_wait 10 "tcpdump" listening
ng_require "the kernel's HTTP server listens" ng_wait 10 "http.server" server_up

ng_require "curl fetches the file" ng_nsrun "$cns" 20 curl -sS --max-time 15 \
	-o "$NG_TMP/got.bin" http://10.77.0.2:8080/blob.bin
ng_check "the file arrived intact" cmp -s "$www/blob.bin" "$NG_TMP/got.bin"

# Let the close finish, then ask the kernels which side holds TIME_WAIT.
sleep 1
ss_c=$(ng_nsrun "$cns" 5 ss -tan state time-wait 2>/dev/null | grep -c "10.77.0.2:8080")
ss_s=$(ng_nsrun "$sns" 5 ss -tan state time-wait 2>/dev/null | grep -c "10.77.0.2:8080")
ng_log "ss: TIME_WAIT in the client namespace: $ss_c, in the server namespace: $ss_s"
# Each side: TIME_WAIT if its kernel holds one (both do after a simultaneous close), else CLOSED.
want_c=CLOSED
want_s=CLOSED
[ "$ss_c" -ge 1 ] && want_c=TIME_WAIT
[ "$ss_s" -ge 1 ] && want_s=TIME_WAIT
want="final states: client $want_c, server $want_s"
if [ "$ss_c" = 0 ] && [ "$ss_s" = 0 ]; then
	want="final states: client (TIME_WAIT|CLOSED), server (TIME_WAIT|CLOSED)"
fi
sleep 0.5
ng_stop_pid "$tdp"
ng_stop_pid "$tdp2"
ng_require "tcpdump wrote the capture" test -s "$cap"

trace()
{
	"$NG_BIN/natgate" trace "$@" 2>"$NG_TMP/trace.err"
}
out=$(trace "$cap")
ng_check_eq "trace exits 0 on the tcpdump capture" 0 "$?"
ng_check_eq "trace writes nothing on stderr" "" "$(cat "$NG_TMP/trace.err")"
printf '%s\n' "$out" | head -n 40 | sed 's/^/    /'
ng_check_match "one connection, client to the server" \
	"^Connection 1: client 10\.77\.0\.1:[0-9]+ -> server 10\.77\.0\.2:8080" "$out"
ng_check_match "the handshake: SYN_SENT / SYN_RECEIVED" "SYN_SENT \|-+ S:0 A:0 SYN .*\| SYN_RECEIVED" \
	"$out"
ng_check_match "ESTABLISHED on both sides" "ESTABLISHED \|<-+ S:0 A:1 SYN\+ACK" "$out"
ng_check_match "the data phase folds" "\.\.\. [0-9]+ segments, [0-9.]+ [kM]B in" "$out"
ng_check_match "300 kB from the server" "server -> client: 30[0-9]\.[0-9] kB" "$out"
ng_check_match "the connection ends with FIN/FIN" "ended: FIN/FIN" "$out"
ng_check_match "states end as the kernel's ss saw them" "$want" "$out"
ng_check_match "an RTT from the handshake" "RTT [0-9]+\.[0-9]+ ms" "$out"

out2=$(trace "$capany")
ng_check_eq "trace exits 0 on the 'any' (cooked SLL2) capture" 0 "$?"
ng_check_match "cooked: the handshake" "SYN_SENT \|-+ S:0 A:0 SYN .*\| SYN_RECEIVED" "$out2"
# "any" may lose packets under load (tcpdump says so); the close is only certain without loss
if grep -q "^0 packets dropped by kernel" "$NG_TMP/tcpdump2.log"; then
	ng_check_match "the cooked capture gives the same final states" "$want" "$out2"
	ng_check_match "cooked: FIN/FIN too" "ended: FIN/FIN" "$out2"
else
	ng_log "tcpdump -i any dropped packets: $(grep dropped "$NG_TMP/tcpdump2.log" | head -n 1)"
fi

# pcapng (as Wireshark saves) reads the same as pcap
if command -v editcap >/dev/null; then
	editcap -F pcapng "$cap" "$NG_TMP/curl.pcapng"
	ng_check_eq "the pcapng copy traces exactly like the pcap" "$out" "$(trace "$NG_TMP/curl.pcapng")"
else
	ng_log "editcap not installed: pcapng not checked"
fi

trace "$cap" --svg "$NG_TMP/curl.svg" >/dev/null
ng_check_eq "trace --svg exits 0" 0 "$?"
ng_check "the SVG is well-formed XML with an svg root" "$NG_PY" -c '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
text = "".join(root.itertext())
for s in ("SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "TIME_WAIT"):
    assert s in text, s
' "$NG_TMP/curl.svg"

trace "$cap" --json >"$NG_TMP/curl.json"
ng_check_eq "trace --json exits 0" 0 "$?"
ng_check "the JSON parses, with the final states of the text" "$NG_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = d["connections"][0]
assert c["server"] == "10.77.0.2:8080", c["server"]
assert c["events"][0]["flags"] == "SYN"
assert c["events"][0]["state"] == {"client": "SYN_SENT", "server": "SYN_RECEIVED"}
f = c["summary"]["final"]
assert sorted(f.values()) in (["CLOSED", "TIME_WAIT"], ["TIME_WAIT", "TIME_WAIT"]), f
' "$NG_TMP/curl.json"

# Stretch: the SVG renders in headless Chromium to a non-empty image.
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$chrome" ]; then
	timeout -k 5 60 "$chrome" --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update --disable-sync \
		--no-first-run --user-data-dir="$NG_TMP/chromium" --window-size=960,1400 \
		--screenshot="$NG_TMP/curl.png" "file://$NG_TMP/curl.svg" >/dev/null 2>&1
	ng_check "Chromium renders the SVG to a PNG" test -s "$NG_TMP/curl.png"
	ng_check "the PNG is not blank" "$NG_PY" -c '
import sys, zlib, struct
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n"
# decode IDAT and look for more than one distinct byte value in the pixels
pos, idat = 8, b""
while pos < len(b):
    n, t = struct.unpack(">I4s", b[pos:pos + 8])
    if t == b"IDAT":
        idat += b[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
assert len(set(raw[:200000])) > 4, "blank image"
' "$NG_TMP/curl.png"
else
	ng_log "chromium not installed: SVG rendering not checked"
fi

# A lossy path (a token bucket with a short queue on the server's veth, inside our namespace, so
# that bursts overflow it): the trace marks the gaps and retransmissions, no segment of this
# real connection falls outside the windows, and the close still ends in TIME_WAIT / CLOSED.
if tc -n "$sns" qdisc add dev ngts root tbf rate 20mbit burst 6000 limit 9000 2>/dev/null; then
	cap3="$NG_TMP/lossy.pcap"
	ng_bg tdp3 "$cns" tcpdump3 tcpdump -Z root -U -n -B 16384 -i ngtc -w "$cap3" tcp port 8080
	listening3()
	{
		grep -q "listening on" "$NG_TMP/tcpdump3.log"
	}
	ng_require "tcpdump is capturing (lossy)" ng_wait 10 "tcpdump" listening3
	ng_check "curl fetches the file over the lossy path" ng_nsrun "$cns" 60 curl -sS \
		--max-time 50 -o "$NG_TMP/got2.bin" http://10.77.0.2:8080/blob.bin
	sleep 1.5
	ng_stop_pid "$tdp3"
	out3=$(trace "$cap3" --limit 0)
	ng_check_eq "trace exits 0 on the lossy capture" 0 "$?"
	ng_check_match "lost segments show as gaps" "\[gap: [0-9]+ B not seen\]" "$out3"
	ng_check_match "and their retransmissions are marked" "\[retransmission\]" "$out3"
	ng_check_match "the retransmissions are counted" "[1-9][0-9]* retransmissions?," "$out3"
	if printf '%s\n' "$out3" | grep -q "outside window"; then
		ng_fail "a segment of the real connection was found outside the window"
		printf '%s\n' "$out3" | grep "outside window" | head -n 5 | sed 's/^/    /'
	else
		ng_pass "no segment outside the window"
	fi
	ng_check_match "the lossy connection closes FIN/FIN" "ended: FIN/FIN" "$out3"
	ng_check_match "final states: TIME_WAIT on at least one side (both after a simultaneous close)" \
		"final states: client (TIME_WAIT, server (CLOSED|TIME_WAIT)|CLOSED, server TIME_WAIT)" "$out3"
else
	ng_log "tc tbf not available: the lossy path is not checked"
fi

# Bad arguments: one line, exit 2.
"$NG_BIN/natgate" trace "$cap" --port nope >/dev/null 2>"$NG_TMP/bad.err"
ng_check_eq "a bad --port exits 2" 2 "$?"
ng_check_eq "with one line of error" 1 "$(wc -l <"$NG_TMP/bad.err")"

ng_done
