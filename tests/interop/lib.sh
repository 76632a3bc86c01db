# SPDX-License-Identifier: MIT
# lib.sh - shared helpers for natgate's interop tests: namespaces, background programs, bounded
# waits, assertions and a PASS/FAIL summary.
#
# Theory of operation: a test script sources this file with the build directory as $1. Every
# network namespace it makes (ng_ns_new) and every program it starts in the background (ng_bg,
# ng_start) is recorded; one EXIT trap (also reached from INT and TERM) stops those programs by
# PID and deletes those namespaces, whatever way the script ends. Traffic stays inside the
# namespaces the test created (DESIGN.md 5): the namespace the test starts in is never touched.
# Every wait is bounded by a timeout. Checks record PASS/FAIL lines and go on; ng_require stops the
# test at once; ng_done prints the summary and sets the exit status (0 pass, 1 fail, 77 skip).
#
# Usage (helpers that make things store results in a named variable, because they must run in
# the test's own shell, not in a $(...) subshell, for the trap to know about them):
#   . "$(dirname "$0")/lib.sh" "$@"
#   ng_require_root
#   ng_echo_setup ns pid            # ng-echo on ng0 at 10.0.0.2/24, kernel side 10.0.0.1/24
#   ng_check "ping answers" ng_nsrun "$ns" 10 ping -c 1 -W 2 10.0.0.2
#   ng_done

# shellcheck shell=bash
set -u
set -o pipefail

NG_BUILD=${1:-}
if [ -z "$NG_BUILD" ] || [ ! -d "$NG_BUILD" ]; then
	echo "usage: $0 BUILD_DIR (the CMake build directory; programs in BUILD_DIR/bin)" >&2
	exit 2
fi
NG_BUILD=$(cd "$NG_BUILD" && pwd)
NG_BIN=$NG_BUILD/bin
NG_TEST=$(basename "$0" .sh)
NG_PY=/usr/bin/python3 # Debian's python3, which has scapy
NG_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

NG_PASSED=0
NG_FAILED=0
NG_NS_COUNT=0
NG_NAMESPACES=()
NG_PIDS=()
NG_LOGS=()
NG_DONE=0
NG_TMP=$(mktemp -d "/tmp/ng-$NG_TEST.XXXXXX")

ng_log()
{
	echo "[$NG_TEST] $*"
}

# ---- cleanup: every exit path ends here ----

# Stop PID: SIGTERM, up to 3 s for it to go, then SIGKILL. Returns the program's exit status when
# it was our child (ng_bg), else 0.
ng_stop_pid()
{
	local pid=$1 i
	if ng_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 30; i++)); do
			ng_alive "$pid" || break
			sleep 0.1
		done
		if ng_alive "$pid"; then
			ng_log "pid $pid ignored SIGTERM for 3 s; killing it"
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	wait "$pid" 2>/dev/null
}

ng__cleanup()
{
	local rc=$? pid ns p
	trap - EXIT INT TERM
	set +e
	for pid in "${NG_PIDS[@]}"; do
		ng_stop_pid "$pid" >/dev/null 2>&1
	done
	for ns in "${NG_NAMESPACES[@]}"; do
		# anything still running in a namespace we made is ours (started through it): stop it
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null || ng_log "warning: could not delete namespace $ns"
		rm -rf "/etc/netns/$ns"
	done
	if [ "$NG_DONE" = 0 ] && [ "$rc" = 0 ]; then
		rc=1 # ended without ng_done: something went wrong
	fi
	if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
		ng_dump_logs
	fi
	rm -rf "$NG_TMP"
	exit "$rc"
}
trap ng__cleanup EXIT
trap 'ng_log "interrupted"; exit 130' INT
trap 'ng_log "terminated"; exit 143' TERM

# Print the tail of every background program's log (on failure).
ng_dump_logs()
{
	local f
	for f in "${NG_LOGS[@]}"; do
		[ -s "$f" ] || continue
		echo "---- last lines of $(basename "$f") ----"
		tail -n 40 "$f"
	done
}

# ---- preconditions ----

# Skip (exit 77) unless we are root and the kernel offers TAP devices and namespaces.
ng_require_root()
{
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: $NG_TEST needs root (network namespaces and TAP devices)"
		NG_DONE=1
		exit 77
	fi
	if [ ! -c /dev/net/tun ]; then
		echo "SKIP: $NG_TEST needs /dev/net/tun"
		NG_DONE=1
		exit 77
	fi
	if ! command -v ip >/dev/null; then
		echo "SKIP: $NG_TEST needs ip (iproute2)"
		NG_DONE=1
		exit 77
	fi
}

# Skip (exit 77) unless every named command exists (absolute paths allowed).
ng_require_cmd()
{
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null; then
			echo "SKIP: $NG_TEST needs $c (scripts/deps.sh installs it)"
			NG_DONE=1
			exit 77
		fi
	done
}

# Skip unless /usr/bin/python3 can import scapy.
ng_require_scapy()
{
	if ! "$NG_PY" -c 'import scapy.all' >/dev/null 2>&1; then
		echo "SKIP: $NG_TEST needs scapy for $NG_PY (Debian package python3-scapy)"
		NG_DONE=1
		exit 77
	fi
}

# Fail the test at once unless every named program was built.
ng_require_bin()
{
	local b
	for b in "$@"; do
		if [ ! -x "$NG_BIN/$b" ]; then
			ng_fail "program $NG_BIN/$b was not built"
			ng_done
		fi
	done
}

# ---- namespaces ----

# Make a fresh namespace, store its name in variable $1. Names are unique per test run:
# ngt-<pid>-<n>-<test>. Loopback comes up; IPv6 is off so that captures hold only what we sent.
ng_ns_new()
{
	local _ng_name
	NG_NS_COUNT=$((NG_NS_COUNT + 1))
	_ng_name="ngt-$$-$NG_NS_COUNT-${NG_TEST#test_}"
	_ng_name=${_ng_name:0:40}
	ip netns add "$_ng_name" || { ng_fail "ip netns add $_ng_name"; ng_done; }
	NG_NAMESPACES+=("$_ng_name")
	ip -n "$_ng_name" link set lo up
	# Name lookups inside the namespace go to loopback only (never to the host's resolver):
	# ip netns exec bind-mounts /etc/netns/NAME/resolv.conf over /etc/resolv.conf.
	mkdir -p "/etc/netns/$_ng_name" && echo "nameserver 127.0.0.1" >"/etc/netns/$_ng_name/resolv.conf"
	# /proc/sys/net as seen from inside the namespace is the namespace's own
	ip netns exec "$_ng_name" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 &&
		echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6' >/dev/null 2>&1
	printf -v "$1" '%s' "$_ng_name"
}

# Delete namespace NS made by ng_ns_new before the test ends (with its /etc/netns entry); the
# cleanup then leaves it alone.
ng_ns_del()
{
	local i
	ip netns del "$1" 2>/dev/null || ng_log "warning: could not delete namespace $1"
	rm -rf "/etc/netns/$1"
	for i in "${!NG_NAMESPACES[@]}"; do
		[ "${NG_NAMESPACES[$i]}" = "$1" ] && unset 'NG_NAMESPACES[i]'
	done
}

# Start kernel_httpd.py (the kernel's TCP serving DIR, PUT stored there) on PORT in namespace NS,
# its pid in variable $1, and wait until it listens (the test ends if it does not):
# ng_kernel_httpd VAR NS PORT DIR
ng_kernel_httpd()
{
	ng_bg "$1" "$2" kserver "$NG_PY" "$NG_LIBDIR/kernel_httpd.py" 0.0.0.0 "$3" "$4"
	ng_wait 10 "kernel server listens" bash -c \
		'ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q LISTEN' _ "$2" "$3" ||
		{ ng_fail "kernel-side server did not start"; ng_done; }
}

# Run a command inside namespace NS with a timeout: ng_nsrun NS SECONDS CMD...
ng_nsrun()
{
	local ns=$1 t=$2
	shift 2
	timeout -k 2 "$t" ip netns exec "$ns" "$@"
}

# ---- background programs ----

# Start CMD... in namespace NS in the background, output to a log named NAME; the PID goes into
# variable VAR. ng_bg VAR NS NAME CMD...  (Locals of these helpers are _ng_* so that the caller's
# variable names cannot be shadowed by them.)
ng_bg()
{
	local _ng_var=$1 _ng_ns=$2 _ng_log="$NG_TMP/$3.log"
	shift 3
	ip netns exec "$_ng_ns" "$@" >"$_ng_log" 2>&1 &
	NG_PIDS+=("$!")
	NG_LOGS+=("$_ng_log")
	printf -v "$_ng_var" '%s' "$!"
}

# Path of the log of background program NAME.
ng_logfile()
{
	echo "$NG_TMP/$1.log"
}

# True while PID runs (a zombie, exited but not yet waited for, counts as gone). Reads the state
# letter from /proc/PID/stat: the field after the parenthesised command name.
ng_alive()
{
	local st
	kill -0 "$1" 2>/dev/null || return 1
	read -r st <"/proc/$1/stat" 2>/dev/null || return 1
	st=${st##*) }
	[ "${st:0:1}" != Z ] && [ "${st:0:1}" != X ]
}

# Start a natgate program that creates TAP device TAP in namespace NS, and wait (up to 10 s) for
# the device to appear. ng_start VAR NS TAP NAME CMD...  (VAR gets the PID.) Fails the test at
# once if the program exits or the device does not show up.
ng_start()
{
	local _ng_var=$1 _ng_ns=$2 _ng_tap=$3 _ng_name=$4 _ng_pid
	shift 4
	ng_bg _ng_pid "$_ng_ns" "$_ng_name" "$@"
	printf -v "$_ng_var" '%s' "$_ng_pid"
	if ! ng_wait 10 "$_ng_name creates $_ng_tap" ng__tap_ready "$_ng_ns" "$_ng_tap" "$_ng_pid"; then
		ng_fail "$_ng_name did not create $_ng_tap in $_ng_ns: $*"
		ng_done
	fi
	if ! ng_alive "$_ng_pid"; then
		ng_fail "$_ng_name exited right after start: $*"
		ng_done
	fi
}

ng__tap_ready()
{
	ng_alive "$3" || return 2
	ip -n "$1" link show dev "$2" >/dev/null 2>&1
}

# Configure the kernel side of TAP in NS: address ADDR/P, optional MTU, link up.
# ng_tap_up NS TAP ADDR/P [MTU]
ng_tap_up()
{
	local ns=$1 tap=$2 addr=$3 mtu=${4:-}
	if [ -n "$mtu" ]; then
		ip -n "$ns" link set dev "$tap" mtu "$mtu" || { ng_fail "set mtu $mtu on $tap"; ng_done; }
	fi
	ip -n "$ns" addr add "$addr" dev "$tap" || { ng_fail "address $addr on $tap"; ng_done; }
	ip -n "$ns" link set dev "$tap" up || { ng_fail "link up $tap"; ng_done; }
}

# The MAC address the kernel learnt for IP on TAP in NS (empty if none).
ng_neigh_mac()
{
	ip -n "$1" neigh show "$3" dev "$2" 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}'
}

# A natgate program on TAP ng0 at 10.0.0.2/24 in a new namespace whose kernel side is 10.0.0.1/24.
# ng_echo_setup NSVAR PIDVAR [extra ng-echo options...]. The kernel side is up when it returns.
NG_ECHO_ADDR=10.0.0.2
NG_KERNEL_ADDR=10.0.0.1
NG_TAP=ng0
ng_echo_setup()
{
	local _ng_nsvar=$1 _ng_pidvar=$2 _ng_ens _ng_epid
	shift 2
	ng_require_bin ng-echo
	ng_ns_new _ng_ens
	ng_start _ng_epid "$_ng_ens" "$NG_TAP" ng-echo "$NG_BIN/ng-echo" --tap "$NG_TAP" \
		--addr "$NG_ECHO_ADDR/24" "$@"
	ng_tap_up "$_ng_ens" "$NG_TAP" "$NG_KERNEL_ADDR/24"
	printf -v "$_ng_nsvar" '%s' "$_ng_ens"
	printf -v "$_ng_pidvar" '%s' "$_ng_epid"
}

# ---- waiting ----

# Poll CMD... every 0.1 s until it succeeds or SECONDS pass: ng_wait SECONDS DESC CMD...
# Returns 0 on success, 1 on timeout (or when CMD returns 2, meaning "will never succeed").
ng_wait()
{
	local t=$1 desc=$2 end rc
	shift 2
	end=$(($(date +%s%N) + t * 1000000000))
	while :; do
		"$@"
		rc=$?
		[ "$rc" = 0 ] && return 0
		[ "$rc" = 2 ] && return 1
		if [ "$(date +%s%N)" -ge "$end" ]; then
			ng_log "timed out after ${t}s waiting for: $desc"
			return 1
		fi
		sleep 0.1
	done
}

# ---- checks ----

ng_pass()
{
	NG_PASSED=$((NG_PASSED + 1))
	echo "PASS: $*"
}

ng_fail()
{
	NG_FAILED=$((NG_FAILED + 1))
	echo "FAIL: $*"
}

# ng_check DESC CMD...: PASS if CMD succeeds, else FAIL (the test goes on).
ng_check()
{
	local desc=$1
	shift
	if "$@"; then
		ng_pass "$desc"
		return 0
	fi
	ng_fail "$desc (command: $*)"
	return 1
}

# ng_check_eq DESC EXPECTED ACTUAL
ng_check_eq()
{
	if [ "$2" = "$3" ]; then
		ng_pass "$1"
		return 0
	fi
	ng_fail "$1: expected '$2', got '$3'"
	return 1
}

# ng_check_match DESC REGEX TEXT (extended regex, grep -E). grep reads a here-string, not a pipe:
# under `set -o pipefail` a `printf | grep -q` that matches early can report failure when printf
# dies of SIGPIPE after grep -q has exited.
ng_check_match()
{
	if grep -Eq -- "$2" <<<"$3"; then
		ng_pass "$1"
		return 0
	fi
	ng_fail "$1: /$2/ not found in:"
	sed -n 's/^/    /; 1,20p' <<<"$3"
	return 1
}

# ng_check_num DESC A OP B  (OP: -eq -ne -lt -le -gt -ge)
ng_check_num()
{
	if test "$2" "$3" "$4" 2>/dev/null; then
		ng_pass "$1 ($2 $3 $4)"
		return 0
	fi
	ng_fail "$1: expected $2 $3 $4"
	return 1
}

# ng_require DESC CMD...: like ng_check, but a failure ends the test at once.
ng_require()
{
	local desc=$1
	shift
	if "$@"; then
		ng_pass "$desc"
		return 0
	fi
	ng_fail "$desc (command: $*)"
	ng_done
}

# Check that background program PID still runs.
ng_check_alive()
{
	if ng_alive "$2"; then
		ng_pass "$1 still running"
		return 0
	fi
	wait "$2" 2>/dev/null
	ng_fail "$1 (pid $2) exited (status $?)"
	return 1
}

# Print the summary and exit: 0 when every check passed (and there was at least one), else 1.
ng_done()
{
	NG_DONE=1
	echo "[$NG_TEST] $NG_PASSED passed, $NG_FAILED failed"
	if [ "$NG_FAILED" = 0 ] && [ "$NG_PASSED" -gt 0 ]; then
		echo "[$NG_TEST] RESULT: PASS"
		exit 0
	fi
	echo "[$NG_TEST] RESULT: FAIL"
	exit 1
}
