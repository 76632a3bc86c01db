#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 256 MB each way between the kernel's curl and ng-httpd through natgate's --fault loss=1% (both
# directions, seeded): curl downloads a 256 MiB file, then PUTs another 256 MiB file that
# ng-httpd stores; both arrive intact (sha256). A capture on the TAP (SYNs, and the receiver's
# ACKs) shows that each handshake negotiated SACK and timestamps both ways and that the
# receiver's ACKs carried SACK blocks (what the sender's recovery works from).
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd curl sha256sum tcpdump tshark
ng_require_bin ng-httpd

FAULT=loss=1%
ME=10.0.0.2
PORT=8080
SIZE=$((256 << 20))
WWW=$NG_TMP/www
mkdir -p "$WWW"
head -c "$SIZE" /dev/urandom >"$WWW/down.bin"
DOWN_SHA=$(sha256sum <"$WWW/down.bin" | cut -d' ' -f1)
head -c "$SIZE" /dev/urandom >"$NG_TMP/up.bin"
UP_SHA=$(sha256sum <"$NG_TMP/up.bin" | cut -d' ' -f1)

# count PCAP FILTER: packets in PCAP matching the display filter
count()
{
	tshark -r "$1" -Y "$2" 2>/dev/null | wc -l
}

# handshake NAME PCAP: the SYN from the kernel and natgate's SYN+ACK both carry SACK-permitted
# (option kind 4) and timestamps (kind 8)
handshake()
{
	ng_check_num "$1: the kernel's SYN offers SACK and timestamps" \
		"$(count "$2" "ip.src==$NG_KERNEL_ADDR && tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.option_kind==4 && tcp.option_kind==8")" -ge 1
	ng_check_num "$1: natgate's SYN+ACK takes SACK and timestamps" \
		"$(count "$2" "ip.src==$ME && tcp.flags.syn==1 && tcp.flags.ack==1 && tcp.option_kind==4 && tcp.option_kind==8")" -ge 1
}

ng_ns_new ns
ng_start hpid "$ns" "$NG_TAP" httpd "$NG_BIN/ng-httpd" --tap "$NG_TAP" --addr "$ME/24" \
	--port "$PORT" --root "$WWW" --fault "$FAULT" --seed 11
ip -n "$ns" link set dev "$NG_TAP" up
# Every SYN, and the pure ACKs of each direction's receiver (snap 128: headers and options only).
ng_bg d1 "$ns" dump-down tcpdump -i "$NG_TAP" -s 128 -U -w "$NG_TMP/down.pcap" \
	"tcp and (tcp[tcpflags] & tcp-syn != 0 or (src host $NG_KERNEL_ADDR and tcp[tcpflags] & tcp-ack != 0))"
ng_wait 10 "tcpdump starts" grep -qs listening "$(ng_logfile dump-down)"
ip -n "$ns" addr add "$NG_KERNEL_ADDR/24" dev "$NG_TAP" || ng_fail "address on $NG_TAP"

# 1: download (natgate sends, loses 1% of its segments and of the kernel's ACKs)
t0=$(date +%s)
r=$(ng_nsrun "$ns" 400 curl -sS --retry 0 --connect-timeout 30 --max-time 380 \
	-o "$NG_TMP/got.bin" -w '%{http_code} %{size_download} %{speed_download}' \
	"http://$ME:$PORT/down.bin")
ng_log "download: curl '$r' in $(($(date +%s) - t0)) s"
read -r code size _ <<<"$r"
ng_check_eq "download: status" 200 "$code"
ng_check_eq "download: 256 MiB received" "$SIZE" "$size"
ng_check_eq "download: sha256 matches" "$DOWN_SHA" "$(sha256sum <"$NG_TMP/got.bin" | cut -d' ' -f1)"
rm -f "$NG_TMP/got.bin" "$WWW/down.bin"
sleep 1
ng_stop_pid "$d1"
handshake "download" "$NG_TMP/down.pcap"
ng_check_num "download: the kernel's ACKs carry SACK blocks" \
	"$(count "$NG_TMP/down.pcap" "ip.src==$NG_KERNEL_ADDR && tcp.options.sack_le")" -ge 1

# 2: upload (the kernel sends, natgate receives; natgate's ACKs carry the SACK blocks)
ng_bg d2 "$ns" dump-up tcpdump -i "$NG_TAP" -s 128 -U -w "$NG_TMP/up.pcap" \
	"tcp and (tcp[tcpflags] & tcp-syn != 0 or (src host $ME and tcp[tcpflags] & tcp-ack != 0 and tcp[tcpflags] & tcp-push == 0))"
ng_wait 10 "tcpdump starts" grep -qs listening "$(ng_logfile dump-up)"
t0=$(date +%s)
r=$(ng_nsrun "$ns" 400 curl -sS --retry 0 --connect-timeout 30 --max-time 380 -H 'Expect:' \
	-T "$NG_TMP/up.bin" -o /dev/null -w '%{http_code} %{size_upload} %{speed_upload}' \
	"http://$ME:$PORT/up.bin")
ng_log "upload: curl '$r' in $(($(date +%s) - t0)) s"
read -r code size _ <<<"$r"
ng_check_match "upload: status 200 or 201" '^20[01]$' "$code"
ng_check_eq "upload: 256 MiB sent" "$SIZE" "$size"
ng_check_eq "upload: the stored file's sha256 matches" "$UP_SHA" \
	"$(sha256sum <"$WWW/up.bin" 2>/dev/null | cut -d' ' -f1)"
rm -f "$WWW/up.bin" "$NG_TMP/up.bin"
sleep 1
ng_stop_pid "$d2"
handshake "upload" "$NG_TMP/up.pcap"
ng_check_num "upload: natgate's ACKs carry SACK blocks" \
	"$(count "$NG_TMP/up.pcap" "ip.src==$ME && tcp.options.sack_le")" -ge 1
ng_check_alive "ng-httpd" "$hpid"
ng_stop_pid "$hpid"
ng_done
