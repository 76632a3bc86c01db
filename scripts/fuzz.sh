#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fuzz.sh - build natgate's libFuzzer targets with clang (ASan + UBSan) into build-fuzz and run
# each one for N seconds (argument 1, default 60). Fails when a target crashes, leaks or trips a
# sanitizer; the input that did it is left in build-fuzz/artifacts/ and replays with
#   build-fuzz/fuzz/TARGET build-fuzz/artifacts/TARGET-crash-...
# The corpus grows in build-fuzz/corpus/TARGET across runs; seeds come from tests/fuzz/seeds.py.
set -euo pipefail

SECONDS_EACH=${1:-60}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build-fuzz
cd "$ROOT"

if ! command -v clang >/dev/null; then
	echo "fuzz: clang is needed (scripts/deps.sh installs it)" >&2
	exit 1
fi
case $SECONDS_EACH in
'' | *[!0-9]*)
	echo "fuzz: usage: $0 [SECONDS_PER_TARGET]" >&2
	exit 2
	;;
esac

targets=()
for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	targets+=("$(basename "$src" .c)")
done
if [ ${#targets[@]} = 0 ]; then
	echo "fuzz: no targets in tests/fuzz/" >&2
	exit 1
fi

echo "fuzz: building ${targets[*]} in $OUT"
CC=clang cmake -S . -B "$OUT" -DNG_FUZZ=ON -DNG_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	>/dev/null
cmake --build "$OUT" -j "$(nproc)" --target "${targets[@]}"

# Seeds: well-formed frames and headers, so the fuzzer starts from inputs the stack accepts.
if /usr/bin/python3 -c 'import scapy.all' >/dev/null 2>&1; then
	/usr/bin/python3 tests/fuzz/seeds.py "$OUT/seeds"
else
	echo "fuzz: no scapy for /usr/bin/python3: starting without seeds"
fi

mkdir -p "$OUT/artifacts"
failed=()
for t in "${targets[@]}"; do
	corpus=$OUT/corpus/$t
	mkdir -p "$corpus" "$OUT/seeds/$t"
	echo "fuzz: running $t for ${SECONDS_EACH}s"
	if ! "$OUT/fuzz/$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
		-max_len=8192 -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t-" \
		"$corpus" "$OUT/seeds/$t" >"$OUT/$t.log" 2>&1; then
		echo "fuzz: $t FAILED; the last lines of $OUT/$t.log:" >&2
		tail -n 60 "$OUT/$t.log" >&2
		failed+=("$t")
	else
		grep -E '^stat::(number_of_executed_units|peak_rss_mb)|cov:' "$OUT/$t.log" | tail -n 3
		echo "fuzz: $t ok ($(find "$corpus" -type f | wc -l) corpus entries)"
	fi
done
if [ ${#failed[@]} != 0 ]; then
	echo "fuzz: FAILED: ${failed[*]}" >&2
	exit 1
fi
echo "fuzz: all targets ran ${SECONDS_EACH}s without a finding"
