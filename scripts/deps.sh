#!/usr/bin/env bash
# deps.sh - install the Debian packages natgate's build and tests need, when root and missing.
set -u
PKGS="cmake make gcc clang libc6-dev libpcap-dev libcmocka-dev pkg-config iproute2 iputils-ping
arping tcpdump tshark socat netcat-openbsd curl python3 python3-scapy clang-format procps
chromium hping3 nmap"
# libFuzzer's runtime is only a Recommends of clang on Debian 12: name it, for images that install
# no recommended packages.
case $(cat /etc/debian_version 2>/dev/null) in
12*) PKGS="$PKGS libclang-rt-14-dev" ;;
esac
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing (run as root to install them)" >&2
	exit 0
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq $missing >/dev/null
