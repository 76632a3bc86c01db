#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/run.sh - natgate's benchmarks, side by side with its peers, in one run, as ratios.
#
#   stacks : ng-httpd (natgate's TCP over a TAP) vs the kernel (over veth) vs lwIP (over a TAP),
#            curl as the client: download/upload Gbit/s at MTU 1500 and 65520, GETs per second on
#            keep-alive and on new connections, server CPU, instructions per byte (callgrind).
#   nat    : `natgate router` vs the kernel's nftables NAT: TCP throughput each way and through a
#            port forward, 1-byte request/response latency, new connections per second.
#   flows  : memory of 100k UDP flows through `natgate router` vs the kernel's conntrack
#            (bench/nat_flows.sh).
#   floor  : request/response latency on one CPU: the kernel, a do-nothing TAP forwarder (the
#            floor of any TAP forwarder, bench/tap_bridge.c) and `natgate router`
#            (bench/rr_floor.sh).
# Every table carries the project's goals (issues 4 and 5) beside the measured ratios, and
# whether natgate meets them in this run.
#
# The measuring scripts are the team's shared harnesses (../shared/bench, or $NG_SHARED_BENCH);
# they create their own namespaces, keep all traffic inside them and remove them on exit.
# Usage: bash bench/run.sh BUILD_DIR [stacks|nat|flows|floor|all]       (as root)
set -u
BUILD=${1:-build}
WHAT=${2:-all}
TOP=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${NG_SHARED_BENCH:-$TOP/../shared/bench}
BIN=$(cd "$TOP/$BUILD/bin" 2>/dev/null && pwd) || { echo "bench: no $BUILD/bin (run make first)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: run as root (namespaces)" >&2; exit 1; }
[ -d "$SHARED" ] || { echo "bench: the shared harness $SHARED is missing (set NG_SHARED_BENCH)" >&2; exit 1; }
OUT=${NG_BENCH_OUT:-/tmp/natgate-bench.$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
rc=0

# ratio GOALSET CSV SYS_COLUMN METRIC_COLUMN VALUE_COLUMN BASE KEYCOLS... : a table of value and
# value/BASE per system, then the goal of GOALSET (stacks|nat) for the metric and whether
# natgate meets it
ratios() {
	/usr/bin/python3 - "$@" <<'PY'
import csv, sys, statistics
goalset, path, syscol, mcol, vcol, base = sys.argv[1:7]
keycols = sys.argv[7:]
# metric -> (kind, bound, text): kind "ratio>=" / "ratio<=" compare natgate/base, "abs<=" the value
GOALS = {
    "stacks": {
        "dl": ("ratio>=", 5.0, ">= 5x lwIP"),
        "ul": ("ratio>=", 5.0, ">= 5x lwIP"),
        "ir_per_B": ("abs<=", 1.0, "<= 1 Ir/byte"),
    },
    "nat": {
        "out_tcp": ("ratio>=", 0.8, ">= 0.8x kernel"),
        "out_tcp_R": ("ratio>=", 0.8, ">= 0.8x kernel"),
        "fwd_tcp": ("ratio>=", 0.8, ">= 0.8x kernel"),
        "fwd_tcp_R": ("ratio>=", 0.8, ">= 0.8x kernel"),
        "out_rr": ("ratio<=", 1.3, "<= 1.3x kernel"),
        "fwd_rr": ("ratio<=", 1.3, "<= 1.3x kernel"),
        "out_rr1": ("ratio<=", 1.3, "<= 1.3x kernel"),
        "fwd_rr1": ("ratio<=", 1.3, "<= 1.3x kernel"),
        "out_crr": ("ratio>=", 0.8, ">= 0.8x kernel"),
        "fwd_crr": ("ratio>=", 0.8, ">= 0.8x kernel"),
    },
}.get(goalset, {})
rows = list(csv.DictReader(open(path)))
vals = {}
systems = []
for r in rows:
    key = tuple(r[k] for k in keycols) + (r[mcol],)
    try:
        v = float(r[vcol])
    except ValueError:
        continue
    vals.setdefault(key, {}).setdefault(r[syscol], []).append(v)
    if r[syscol] not in systems:
        systems.append(r[syscol])
print("%-34s" % "metric" + "".join("%-22s" % s for s in systems) + "goal")
for key, per in vals.items():
    line = "%-34s" % " ".join(key)
    b = statistics.median(per[base]) if base in per else None
    for s in systems:
        if s not in per:
            line += "%-22s" % "-"
            continue
        v = statistics.median(per[s])
        cell = "%.4g" % v
        if b and s != base:
            cell += " (%.2fx)" % (v / b)
        line += "%-22s" % cell
    g = GOALS.get(key[-1])
    if g:
        kind, bound, text = g
        v = statistics.median(per["natgate"]) if "natgate" in per else None
        if v is None or (kind != "abs<=" and not b):
            met = "?"
        elif kind == "abs<=":
            met = "met" if v <= bound else "not met"
        elif kind == "ratio>=":
            met = "met" if v / b >= bound else "not met"
        else:
            met = "met" if v / b <= bound else "not met"
        line += "%s: %s" % (text, met)
    print(line)
PY
}

if [ "$WHAT" = stacks ] || [ "$WHAT" = all ]; then
	echo "== stacks: kernel, lwip, natgate (ratios against lwip)"
	# lwip-httpd and kernel-httpd count and discard upload bodies: ng-httpd does the same here
	# rather than write them to disk, so the upload column compares like with like
	NG_HTTPD_PUT_DISCARD=1 bash "$SHARED/stacks/stacks.sh" -I -C reno -s kernel,lwip,natgate -b "$BIN" -o "$OUT/stacks" || rc=1
	[ -f "$OUT/stacks/results.csv" ] && ratios stacks "$OUT/stacks/results.csv" system metric value lwip mtu | tee "$OUT/stacks-ratios.txt"
fi
if [ "$WHAT" = nat ] || [ "$WHAT" = all ]; then
	echo "== nat: kernel nftables vs natgate router (ratios against the kernel)"
	# three runs (NG_BENCH_NAT_RUNS): the ratios are of the medians; this host varies +-30% run to run
	NATGATE_BIN=$BIN bash "$SHARED/peers.sh" -I -r "${NG_BENCH_NAT_RUNS:-3}" -s kernel,natgate -o "$OUT/nat" || rc=1
	[ -f "$OUT/nat/results.csv" ] && ratios nat "$OUT/nat/results.csv" system metric value kernel | tee "$OUT/nat-ratios.txt"
fi
if [ "$WHAT" = flows ] || [ "$WHAT" = all ]; then
	echo "== flows: memory of 100k UDP flows, natgate router vs the kernel's conntrack (goal: < 128 table bytes per flow)"
	bash "$TOP/bench/nat_flows.sh" "$BIN" 100000 "$OUT/flows" || rc=1
	if [ -f "$OUT/flows/log.txt" ]; then
		bpf=$(sed -n 's/^natgate .* bytes_per_flow=\([0-9]*\).*/\1/p' "$OUT/flows/log.txt")
		if [ -n "$bpf" ]; then
			[ "$bpf" -lt 128 ] && met=met || met="not met"
			echo "goal < 128 table bytes per flow: natgate $bpf: $met" | tee -a "$OUT/flows/table.txt"
		fi
	fi
fi
if [ "$WHAT" = floor ] || [ "$WHAT" = all ]; then
	echo "== floor: 1-byte request/response on one CPU: kernel, a do-nothing TAP forwarder, natgate router"
	NG_SHARED_BENCH=$SHARED bash "$TOP/bench/rr_floor.sh" "$BIN" 10000 5 "$OUT/floor" || rc=1
fi
echo "bench: results in $OUT"
exit $rc
