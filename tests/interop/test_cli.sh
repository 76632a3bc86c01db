#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Command lines: --help and --version exit 0 and print to stdout; a bad argument gives exactly
# one line on stderr and exit status 2 (natgate, ng-echo, ng-get and ng-httpd, whose options
# share one parser, src/gw/app.c). Bad values are refused before any
# device is made; they are tried inside a namespace of the test all the same.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_bin natgate ng-echo ng-get ng-httpd
ng_ns_new ns

# run_case DESC WANT_STATUS STREAM_LINES... : runs CMD, checks the exit status; for status 2,
# exactly one non-empty line on stderr naming the program; for 0, something on stdout.
run_case()
{
	local desc=$1 want=$2 rc prog
	shift 2
	prog=$(basename "$1")
	ng_nsrun "$ns" 10 "$@" >"$NG_TMP/out" 2>"$NG_TMP/err" </dev/null
	rc=$?
	ng_check_eq "$desc: exit status" "$want" "$rc"
	if [ "$want" = 2 ]; then
		ng_check_eq "$desc: one line on stderr" 1 "$(grep -c . "$NG_TMP/err")" ||
			sed 's/^/    stderr: /' "$NG_TMP/err" | head -n 5
		ng_check_match "$desc: the message names $prog" "^$prog: " "$(head -n 1 "$NG_TMP/err")"
		ng_check "$desc: nothing on stdout" test ! -s "$NG_TMP/out"
	else
		ng_check "$desc: prints to stdout" test -s "$NG_TMP/out"
	fi
}

run_case "natgate --help" 0 "$NG_BIN/natgate" --help
ng_check_match "natgate --help shows usage" '[Uu]sage' "$(cat "$NG_TMP/out")"
run_case "natgate --version" 0 "$NG_BIN/natgate" --version
ng_check_match "natgate --version shows the version" '[0-9]+\.[0-9]+\.[0-9]+' "$(cat "$NG_TMP/out")"
run_case "natgate --no-such-option" 2 "$NG_BIN/natgate" --no-such-option
run_case "natgate no-such-command" 2 "$NG_BIN/natgate" no-such-command

run_case "ng-echo --help" 0 "$NG_BIN/ng-echo" --help
ng_check_match "ng-echo --help lists --tap" "--tap" "$(cat "$NG_TMP/out")"
ng_check_match "ng-echo --help lists --addr" "--addr" "$(cat "$NG_TMP/out")"
run_case "ng-echo --version" 0 "$NG_BIN/ng-echo" --version
run_case "ng-echo --no-such-option" 2 "$NG_BIN/ng-echo" --no-such-option
run_case "ng-echo without --tap/--addr" 2 "$NG_BIN/ng-echo"
run_case "ng-echo --addr 10.0.0.300/24" 2 "$NG_BIN/ng-echo" --tap ngx --addr 10.0.0.300/24
run_case "ng-echo --addr with prefix 33" 2 "$NG_BIN/ng-echo" --tap ngx --addr 10.0.0.2/33
run_case "ng-echo --port 70000" 2 "$NG_BIN/ng-echo" --tap ngx --addr 10.0.0.2/24 --port 70000
run_case "ng-echo --mtu 10" 2 "$NG_BIN/ng-echo" --tap ngx --addr 10.0.0.2/24 --mtu 10
run_case "ng-echo --tap (missing value)" 2 "$NG_BIN/ng-echo" --addr 10.0.0.2/24 --tap
run_case "ng-echo --port 0x10000" 2 "$NG_BIN/ng-echo" --tap ngx --addr 10.0.0.2/24 --port 0x10000
run_case "ng-echo --port (missing value)" 2 "$NG_BIN/ng-echo" --tap ngx --addr 10.0.0.2/24 --port
run_case "ng-echo --sndbuf (not one of its options)" 2 "$NG_BIN/ng-echo" --sndbuf 4096

H=(--tap ngx --addr 10.0.0.2/24)
run_case "ng-httpd --help" 0 "$NG_BIN/ng-httpd" --help
ng_check_match "ng-httpd --help lists --root" "--root" "$(cat "$NG_TMP/out")"
ng_check_match "ng-httpd --help lists --tap" "--tap" "$(cat "$NG_TMP/out")"
run_case "ng-httpd --version" 0 "$NG_BIN/ng-httpd" --version
ng_check_match "ng-httpd --version shows the version" '^ng-httpd \(natgate\) [0-9]+\.' "$(cat "$NG_TMP/out")"
run_case "ng-httpd --no-such-option" 2 "$NG_BIN/ng-httpd" "${H[@]}" --port 80 --root / --no-such-option
run_case "ng-httpd without --port/--root" 2 "$NG_BIN/ng-httpd" "${H[@]}"
run_case "ng-httpd --port 0" 2 "$NG_BIN/ng-httpd" "${H[@]}" --port 0 --root /
run_case "ng-httpd --port=-1" 2 "$NG_BIN/ng-httpd" "${H[@]}" --port=-1 --root /
run_case "ng-httpd --idle 1.5" 2 "$NG_BIN/ng-httpd" "${H[@]}" --port 80 --root / --idle 1.5
run_case "ng-httpd --root (missing value)" 2 "$NG_BIN/ng-httpd" "${H[@]}" --port 80 --root
run_case "ng-httpd --sndbuf 2G" 2 "$NG_BIN/ng-httpd" "${H[@]}" --port 80 --root / --sndbuf 2G
run_case "ng-httpd --mtu 65521" 2 "$NG_BIN/ng-httpd" "${H[@]}" --port 80 --root / --mtu 65521

run_case "ng-get --help" 0 "$NG_BIN/ng-get" --help
run_case "ng-get --version" 0 "$NG_BIN/ng-get" --version
run_case "ng-get without a URL" 2 "$NG_BIN/ng-get" "${H[@]}" -o /dev/null
run_case "ng-get with two URLs" 2 "$NG_BIN/ng-get" "${H[@]}" -o /dev/null http://10.0.0.1/ http://10.0.0.1/x
run_case "ng-get URL port in hex" 2 "$NG_BIN/ng-get" "${H[@]}" -o /dev/null http://10.0.0.1:0x50/
run_case "ng-get URL port 65536" 2 "$NG_BIN/ng-get" "${H[@]}" -o /dev/null http://10.0.0.1:65536/
run_case "ng-get --timeout 0" 2 "$NG_BIN/ng-get" "${H[@]}" -o /dev/null --timeout 0 http://10.0.0.1/
run_case "ng-get -o (missing value)" 2 "$NG_BIN/ng-get" "${H[@]}" http://10.0.0.1/ -o
ng_check "no device was left behind by refused command lines" \
	bash -c '! ip -n "$1" link show dev ngx >/dev/null 2>&1' _ "$ns"
ng_done
