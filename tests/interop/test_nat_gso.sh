#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Super-segments through the NAT on TAP links: the kernels on both sides hand their TAPs 64 KiB
# TCP super-segments, and `natgate router` (links with rx_whole) must translate each as one
# datagram and write it whole to the other TAP. Bulk TCP in all four directions (download and
# upload through the masquerade, download and upload through a port forward, between h1 and the
# host behind the outside router) arrives intact (sha256, byte count), the receiving kernels find
# no bad checksum in what the router translated, and the router's counters show that
# super-segments really crossed whole (IP_GSO_FORWARDED) and that none had to be cut or was
# refused. The checks themselves are nat_lib.sh's nat_gso_*.
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/nat_lib.sh"
ng_require_root
ng_require_cmd curl sha256sum

nat_setup --forward tcp:8080=$NAT_H1:80 --forward tcp:8081=$NAT_H1:7000
# The bridge port towards h1 and the outside router's port towards far finish every checksum in
# software (nat_verify_csums), so h1 and far verify what the router translated; the endpoints
# outside are therefore on far, not on the outside router itself, which would trust the TAP.
nat_verify_csums "$ns_lan" b1
nat_verify_csums "$ns_out" far0
nat_gso_data "${NAT_GSO_MB:-32}"

# ---- through the masquerade ----
nat_gso_http "$ns_far" 8000
nat_gso_download "download far -> h1" "$ns_h1" "$ns_far" http://$NAT_FAR:8000/big.bin
nat_gso_upload "upload h1 -> far" "$ns_h1" $NAT_FAR 9000 "$ns_far" 9000

# ---- through the port forwards (ports rewritten as well) ----
nat_gso_http "$ns_h1" 80
nat_gso_download "forward download h1:80 -> far" "$ns_far" "$ns_h1" http://$NAT_PUB:8080/big.bin
nat_gso_upload "forward upload far -> public:8081 -> h1:7000" "$ns_far" $NAT_PUB 8081 "$ns_h1" 7000

nat_gso_done IP_DF
