#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# natgate router's inbound filtering modes (RFC 4787 section 5) against kernel hosts:
# endpoint-independent lets any outside endpoint reach an existing mapping, address-and-port-
# dependent only the exact endpoint contacted (address-dependent is covered by test_nat_rfc).
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/nat_lib.sh"
ng_require_root
PEER="$NG_PY $NG_LIBDIR/nat_peer.py"

# probe NAME: h1 opens 41000 -> out:7000, then out:7001 and out2:7000 send to the public port
probe()
{
	ng_bg w_pid "$ns_h1" "$1" $PEER udpwait $NAT_OUT 7000 41000 3
	sleep 1
	ng_nsrun "$ns_out" 5 $PEER udpsend $NAT_PUB 41000 7001 $NAT_OUT
	ng_nsrun "$ns_out" 5 $PEER udpsend $NAT_PUB 41000 7000 $NAT_OUT2
	wait "$w_pid"
	cat "$(ng_logfile "$1")"
}

nat_setup --filter endpoint
got=$(probe endpoint)
nat_check_match "endpoint-independent: another port of the contacted address gets in" \
	"from $NAT_OUT:7001" "$got"
nat_check_match "endpoint-independent: an unrelated address gets in" "from $NAT_OUT2:7000" "$got"
ng_stop_pid "$rtr_pid"

nat_setup --filter address-port --pcap "$NG_TMP/cap.pcap"
got=$(probe address-port)
if grep -q "from" <<<"$got"; then
	ng_fail "address-and-port-dependent filtering let something in: $got"
else
	ng_pass "address-and-port-dependent: neither another port nor another address gets in"
fi
st=$("$NG_BIN/natgate" stats --control "$NAT_CTL")
nat_check_match "the filtered datagrams are counted" "drop NAT_FILTERED +2 " "$st"
ng_check_alive "natgate router" "$rtr_pid"
# --pcap: one capture per link; the WAN one shows the datagram from the public address
ng_stop_pid "$rtr_pid"
ng_check "--pcap wrote cap-lan.pcap and cap-wan.pcap" test -s "$NG_TMP/cap-lan.pcap" -a -s "$NG_TMP/cap-wan.pcap"
if command -v tcpdump >/dev/null; then
	nat_check_match "the WAN capture shows h1's datagram from the public address" \
		"IP $NAT_PUB.41000 > $NAT_OUT.7000:" "$(tcpdump -n -r "$NG_TMP/cap-wan.pcap" udp 2>&1)"
	nat_check_match "the LAN capture shows it from h1" \
		"IP $NAT_H1.41000 > $NAT_OUT.7000:" "$(tcpdump -n -r "$NG_TMP/cap-lan.pcap" udp 2>&1)"
else
	ng_log "tcpdump missing: capture contents not checked"
fi
ng_done
