#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Command lines: --help and --version exit 0 and print to stdout; a bad argument gives exactly
# one line on stderr and exit status 2 (natgate and ng-echo). Bad values are refused before any
# device is made; they are tried inside a namespace of the test all the same.
. "$(dirname "$0")/lib.sh" "$@"
ng_require_root
ng_require_bin natgate ng-echo
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
ng_check "no device was left behind by refused command lines" \
	bash -c '! ip -n "$1" link show dev ngx >/dev/null 2>&1' _ "$ns"
ng_done
