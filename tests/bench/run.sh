#!/usr/bin/env bash
# tests/bench/run.sh — build and run the micro-benchmarks, then print them as one table.
# One command for all of them: TCP instructions per segment and per connection (bench_tcp),
# the HTTP parser against libhttp-parser (bench_http), ns per load-balancing pick and per
# affinity lookup/insert/cookie with 1 and 2 threads (bench_lb), ns per rate-limit decision
# with 1 and 2 threads (bench_limit), and a proxied keep-alive request split per layer
# (bench_proxy).
#
#   bash tests/bench/run.sh [build dir] [name glob...]     (default: build, all)
#
# The benchmarks are the meson benchmarks of the build dir (`meson introspect
# --benchmarks`; tests/bench/meson.build lists them). Each one runs through
# tests/bench/callgrind.sh: instructions per unit under callgrind, split per layer by
# cg_split.py, then ns per unit natively (best of SL_BENCH_REPEAT=3). The build dir is set
# up with -Dtests=enabled if it does not exist. Callgrind cannot run AVX-512 code: on such a
# CPU configure with -Dcpu_instruction_set=x86-64-v3 if valgrind reports an unhandled
# instruction. Environment: as callgrind.sh (SL_BENCH_CG_N, SL_BENCH_N, SL_BENCH_REPEAT).
# Full reports go to <build>/meson-logs/bench.log; docs/benchmarks.md has the last results.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${1:-build}
shift || true
case $BUILD in
/*) ;;
*) BUILD="$PWD/$BUILD" ;;
esac
globs=("$@")
[ ${#globs[@]} -gt 0 ] || globs=('*')

if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$SRC" -Dtests=enabled >/dev/null
fi
# Configure (if meson.build changed) before asking for the list.
ninja -C "$BUILD" build.ninja >/dev/null

# name <TAB> command words <TAB>-separated, one benchmark per line
mapfile -t benches < <(meson introspect --benchmarks "$BUILD" | python3 -c '
import json, sys
for b in json.load(sys.stdin):
    print("\t".join([b["name"]] + b["cmd"]))')
if [ ${#benches[@]} -eq 0 ]; then
	echo "run.sh: no benchmarks in $BUILD (tests disabled, or a -Dfuzz=enabled build?)" >&2
	exit 1
fi

selected=()
targets=()
for line in "${benches[@]}"; do
	IFS=$'\t' read -r -a cmd <<<"$line"
	for g in "${globs[@]}"; do
		# shellcheck disable=SC2053 # glob match on purpose
		if [[ ${cmd[0]} == $g ]]; then
			selected+=("$line")
			# callgrind.sh NAME SET EXE ...: EXE, relative to the build dir as meson
			# runs it, is word 5 (name bash script NAME SET EXE).
			targets+=("${cmd[5]#"$BUILD"/}")
			break
		fi
	done
done
[ ${#selected[@]} -gt 0 ] || { echo "run.sh: no benchmark matches ${globs[*]}" >&2; exit 1; }
mapfile -t targets < <(printf '%s\n' "${targets[@]}" | sort -u)
ninja -C "$BUILD" "${targets[@]}" >/dev/null

log="$BUILD/meson-logs/bench.log"
: >"$log"
for line in "${selected[@]}"; do
	IFS=$'\t' read -r -a cmd <<<"$line"
	echo "run.sh: ${cmd[0]}" >&2
	(cd "$BUILD" && "${cmd[@]:1}") >>"$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }
done

python3 - "$log" <<'PY'
import collections
import sys

cg, res, order = {}, {}, []
for line in open(sys.argv[1]):
    w = line.split()
    if len(w) < 2 or w[0] not in ("CG", "RESULT"):
        continue
    kv = dict(x.split("=", 1) for x in w[2:] if "=" in x)
    if w[1] not in order:
        order.append(w[1])
    if w[0] == "CG":
        cg[w[1]] = kv
    elif "runs" in kv:  # callgrind.sh's best-of line, not a single run
        res[w[1]] = kv

fixed = {"units", "total", "stack", "harness"}
print("| benchmark | unit | instr/unit (stack) | instr/unit (harness) | ns/unit (stack) "
      "| ns/unit (whole loop) |")
print("|---|---|---:|---:|---:|---:|")
for n in order:
    c, r = cg.get(n, {}), res.get(n, {})
    print(f"| {n} | {r.get('unit', '?')} | {c.get('stack', '-')} | {c.get('harness', '-')} "
          f"| {r.get('ns_stack', '-')} | {r.get('ns_loop', '-')} |")
# Two threads at once (bench_lb, bench_limit): ns per operation of each thread.
two = [n for n in order if any(k.startswith("ns_2t") for k in res.get(n, {}))]
if two:
    print()
    print("| benchmark | unit | ns, 1 thread | ns each, 2 threads, same keys "
          "| ns each, 2 threads, different keys |")
    print("|---|---|---:|---:|---:|")
    for n in two:
        r = res[n]
        print(f"| {n} | {r.get('unit', '?')} | {r.get('ns_stack', '-')} "
              f"| {r.get('ns_2t_same', '-')} | {r.get('ns_2t_diff', '-')} |")
# Per-layer split, one table per set of layers.
sets = collections.OrderedDict()
for n in order:
    if n in cg:
        layers = tuple(k for k in cg[n] if k not in fixed)
        sets.setdefault(layers, []).append(n)
for layers, names in sets.items():
    print()
    print("| benchmark | " + " | ".join(layers) + " |")
    print("|---|" + "---:|" * len(layers))
    for n in names:
        st = float(cg[n]["stack"]) or 1.0
        cells = [f"{cg[n][k]} ({100 * float(cg[n][k]) / st:.0f}%)" for k in layers]
        print(f"| {n} | " + " | ".join(cells) + " |")
PY
echo
echo "(full reports: $log)"
