# SPDX-License-Identifier: MIT
# bench/lib.sh - what the bench scripts share: the namespaces and processes a script makes, all
# removed on every exit (it sets NSS, PIDS and the EXIT/INT/TERM traps).
#   mkns NAME        a namespace with lo up, removed at exit
#   PIDS+=($!)       a background process, killed at exit (TERM, then KILL)
#   cleanup          remove everything now (a script measuring several systems in turn)
#   nsx NS CMD...    run CMD in NS
NSS=()
PIDS=()
cleanup() {
	local p n
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	for n in "${NSS[@]}"; do ip netns del "$n" 2>/dev/null; done
	PIDS=()
	NSS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkns() {
	ip netns add "$1" || exit 1
	NSS+=("$1")
	ip -n "$1" link set lo up
}
nsx() {
	local n=$1
	shift
	ip netns exec "$n" "$@"
}
