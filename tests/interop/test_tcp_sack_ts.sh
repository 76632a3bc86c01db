#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SACK and timestamps against the Linux kernel, checked in captures of the TAP: curl downloads
# 8 MiB from ng-httpd and ng-get downloads 8 MiB from a kernel-side server, each through
# natgate's --fault loss=3%. Both handshakes carry SACK-permitted and timestamps each way; the
# kernel's ACKs carry SACK blocks that natgate's sender uses, and natgate's ACKs carry SACK
# blocks (with timestamps) to the kernel's sender; both files arrive intact.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_cmd curl sha256sum tcpdump tshark ss
ng_require_bin ng-httpd
ng_require_bin ng-get

FAULT=loss=3%
ME=10.0.0.2
PORT=8080
KPORT=8000
WWW=$NG_TMP/www
SRV=$NG_TMP/srv
mkdir -p "$WWW" "$SRV"
head -c $((8 << 20)) /dev/urandom >"$WWW/f.bin"
cp "$WWW/f.bin" "$SRV/f.bin"
SHA=$(sha256sum <"$WWW/f.bin" | cut -d' ' -f1)

# count PCAP FILTER: packets in PCAP matching the display filter
count()
{
	tshark -r "$1" -Y "$2" 2>/dev/null | wc -l
}

# check_syns NAME PCAP CLIENT SERVER: the SYN from CLIENT and the SYN+ACK from SERVER carry
# SACK-permitted (kind 4) and timestamps (kind 8), and every segment natgate sent has a timestamp
check_syns()
{
	local name=$1 pcap=$2 client=$3 server=$4
	ng_check_num "$name: SYN from $client offers SACK and timestamps" \
		"$(count "$pcap" "ip.src==$client && tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.option_kind==4 && tcp.option_kind==8")" -ge 1
	ng_check_num "$name: SYN+ACK from $server takes SACK and timestamps" \
		"$(count "$pcap" "ip.src==$server && tcp.flags.syn==1 && tcp.flags.ack==1 && tcp.option_kind==4 && tcp.option_kind==8")" -ge 1
	ng_check_eq "$name: every segment from natgate carries a timestamp" 0 \
		"$(count "$pcap" "ip.src==$ME && tcp && !(tcp.option_kind==8)")"
}

# 1: natgate sends (ng-httpd), the kernel SACKs
ng_ns_new ns
ng_start hpid "$ns" "$NG_TAP" httpd "$NG_BIN/ng-httpd" --tap "$NG_TAP" --addr "$ME/24" \
	--port "$PORT" --root "$WWW" --fault "$FAULT" --seed 5
ip -n "$ns" link set dev "$NG_TAP" up
ng_bg dpid "$ns" dump1 tcpdump -i "$NG_TAP" -s 128 -U -w "$NG_TMP/send.pcap" tcp
ng_wait 10 "tcpdump starts" grep -qs listening "$(ng_logfile dump1)"
ip -n "$ns" addr add "$NG_KERNEL_ADDR/24" dev "$NG_TAP" || ng_fail "address on $NG_TAP"
r=$(ng_nsrun "$ns" 200 curl -sS --retry 0 --connect-timeout 30 --max-time 180 \
	-o "$NG_TMP/dl.bin" -w '%{http_code} %{size_download} %{time_total}' "http://$ME:$PORT/f.bin")
ng_log "curl: $r"
ng_check_eq "curl download sha256 matches" "$SHA" "$(sha256sum <"$NG_TMP/dl.bin" | cut -d' ' -f1)"
sleep 1
ng_stop_pid "$dpid"
ng_stop_pid "$hpid"
check_syns "ng-httpd" "$NG_TMP/send.pcap" "$NG_KERNEL_ADDR" "$ME"
ng_check_num "kernel's ACKs carry SACK blocks" \
	"$(count "$NG_TMP/send.pcap" "ip.src==$NG_KERNEL_ADDR && tcp.options.sack_le")" -ge 1

# 2: the kernel sends, natgate (ng-get) SACKs
ng_ns_new ns2
ng_kernel_httpd kpid "$ns2" "$KPORT" "$SRV"
ng_start gpid "$ns2" "$NG_TAP" get "$NG_BIN/ng-get" --tap "$NG_TAP" --addr "$ME/24" \
	--fault "$FAULT" --seed 5 --timeout 180 -o "$NG_TMP/got.bin" \
	"http://$NG_KERNEL_ADDR:$KPORT/f.bin"
ip -n "$ns2" link set dev "$NG_TAP" mtu 1500 up
ng_bg d2pid "$ns2" dump2 tcpdump -i "$NG_TAP" -s 128 -U -w "$NG_TMP/recv.pcap" tcp
ng_wait 10 "tcpdump starts" grep -qs listening "$(ng_logfile dump2)"
ip -n "$ns2" addr add "$NG_KERNEL_ADDR/24" dev "$NG_TAP" || ng_fail "address on $NG_TAP"
ng_wait 190 "ng-get finishes" bash -c '! kill -0 "$1" 2>/dev/null' _ "$gpid" || ng_stop_pid "$gpid"
ng_check_eq "ng-get download sha256 matches" "$SHA" \
	"$(sha256sum <"$NG_TMP/got.bin" 2>/dev/null | cut -d' ' -f1)"
sleep 1
ng_stop_pid "$d2pid"
check_syns "ng-get" "$NG_TMP/recv.pcap" "$ME" "$NG_KERNEL_ADDR"
ng_check_num "natgate's ACKs carry SACK blocks" \
	"$(count "$NG_TMP/recv.pcap" "ip.src==$ME && tcp.options.sack_le")" -ge 1
ng_done
