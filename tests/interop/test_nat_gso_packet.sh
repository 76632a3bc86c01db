#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Super-segments through the NAT on AF_PACKET links (--lan packet:IF --wan packet:IF, the router's
# ends of two veth pairs): the kernels' 64 KiB TCP super-segments are read whole through
# PACKET_VNET_HDR, translated as one datagram and sent whole with a virtio-net header that has
# the kernel cut them (and finish their checksums). A download and an upload through the
# masquerade and a download through a port forward arrive intact (sha256), the receiving kernels
# find no bad checksum in what the router translated, and the router's counters show
# super-segments crossing whole, none cut in software, none refused. The checks themselves are
# nat_lib.sh's nat_gso_*; only the topology is this test's own.
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/nat_lib.sh"
ng_require_root
ng_require_cmd curl sha256sum
ng_require_bin natgate

nat_packet_topology
# The router's ports finish every checksum in software as the kernel sends what the router
# wrote (nat_verify_csums), so the hosts behind them verify what it translated.
nat_verify_csums "$ns_rtr" vlan0 vwan0

ng_bg rtr_pid "$ns_rtr" natgate "$NG_BIN/natgate" router --lan packet:vlan0 \
	--lan-addr 10.77.0.1/24 --wan packet:vwan0 --wan-addr 198.51.100.2/24 \
	--wan-gw 198.51.100.1 --forward tcp:8080=10.77.0.10:80 --control "$NAT_CTL"
ng_wait 10 "the control socket" test -S "$NAT_CTL"
ng_check "the inside host pings the outside host through the NAT" \
	ng_nsrun "$ns_in" 10 ping -n -c 2 -i 0.2 -W 2 198.51.100.1

nat_gso_data "${NAT_GSO_MB:-16}"
nat_gso_http "$ns_out" 8000
nat_gso_http "$ns_in" 80
nat_gso_download "download through the NAT on AF_PACKET links" "$ns_in" "$ns_out" \
	http://198.51.100.1:8000/big.bin
nat_gso_upload "upload inside -> outside" "$ns_in" 198.51.100.1 9000 "$ns_out" 9000
nat_gso_download "download through the port forward" "$ns_out" "$ns_in" \
	http://198.51.100.2:8080/big.bin

nat_gso_done LINK_TX
