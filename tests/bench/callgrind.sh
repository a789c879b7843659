#!/usr/bin/env bash
# tests/bench/callgrind.sh — run one micro-benchmark: instructions per unit under callgrind,
# split per layer (cg_split.py), then ns per unit natively.
#
#   callgrind.sh NAME LAYER_SET EXE [ARGS...]
#
# EXE must bracket its measured loop with CALLGRIND_START_INSTRUMENTATION / ZERO_STATS /
# DUMP_STATS_AT(NAME) / STOP_INSTRUMENTATION, take -n COUNT, and print
# "RESULT NAME units=..." (see bench_tcp.c). Without valgrind only the native runs happen.
# Output: cg_split.py's report and "CG NAME ..." line, each native run's report, and a final
# "RESULT NAME ... runs=R" line with the best ns figures (run.sh reads the CG and last RESULT).
# Environment:
#   SL_BENCH_CG_N   units measured under callgrind (default 20000)
#   SL_BENCH_N      units measured natively (default: the program's own)
#   SL_BENCH_REPEAT native runs, the best of each ns_ field reported (default 3)
#   SL_BENCH_OUT    keep the callgrind dumps in this directory (default: a temporary one)
set -euo pipefail

name=$1 set=$2 exe=$3
shift 3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if command -v valgrind >/dev/null && command -v python3 >/dev/null; then
	if [ -n "${SL_BENCH_OUT:-}" ]; then
		out=$SL_BENCH_OUT
		mkdir -p "$out"
	else
		out=$(mktemp -d /tmp/sl-bench.XXXXXX)
		trap 'rm -rf "$out"' EXIT
	fi
	rm -f "$out/$name".cg.*
	n=${SL_BENCH_CG_N:-20000}
	if ! valgrind --tool=callgrind --instr-atstart=no --dump-instr=no \
		--callgrind-out-file="$out/$name.cg" "$exe" -n "$n" "$@" \
		>"$out/$name.cg.log" 2>&1; then
		cat "$out/$name.cg.log" >&2
		if grep -q "unhandled instruction" "$out/$name.cg.log"; then
			echo "callgrind.sh: valgrind cannot run this build's instructions (AVX-512?):" \
				"configure with -Dcpu_instruction_set=x86-64-v3" >&2
		fi
		exit 1
	fi
	dump=$(grep -l "^desc: Trigger: Client Request: $name\$" "$out/$name".cg* | head -1 || true)
	units=$(sed -n "s/^RESULT $name units=\([0-9]*\).*/\1/p" "$out/$name.cg.log")
	if [ -z "$dump" ] || [ -z "$units" ]; then
		cat "$out/$name.cg.log" >&2
		echo "callgrind.sh: no dump or RESULT line for $name" >&2
		exit 1
	fi
	grep -v '^RESULT ' "$out/$name.cg.log" | grep "^$name:" | head -1 || true
	python3 "$here/cg_split.py" --set "$set" --units "$units" --name "$name" "$dump"
else
	echo "callgrind.sh: valgrind or python3 missing, no instruction counts" >&2
fi

# Native: best of SL_BENCH_REPEAT runs (a VM's neighbours only ever make it slower).
native=()
[ -n "${SL_BENCH_N:-}" ] && native=(-n "$SL_BENCH_N")
runs=()
for _ in $(seq "${SL_BENCH_REPEAT:-3}"); do
	log=$("$exe" "${native[@]}" "$@")
	echo "$log" | grep -v '^RESULT '
	runs+=("$(echo "$log" | grep "^RESULT $name ")")
done
printf '%s\n' "${runs[@]}" | awk -v name="$name" '
	# The best (lowest) of every ns_* field over the runs (ns_loop, ns_stack, ns_2t_*, ...).
	{ for (i = 3; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] ~ /^ns_/) {
			if (!(kv[1] in best)) { order[++nf] = kv[1] }
			if (!(kv[1] in best) || kv[2] + 0 < best[kv[1]]) best[kv[1]] = kv[2] + 0
		} else v[kv[1]] = kv[2]
	  } }
	END { printf "RESULT %s units=%s unit=%s", name, v["units"], v["unit"]
	      for (i = 1; i <= nf; i++) printf " %s=%.1f", order[i], best[order[i]]
	      printf " runs=%d\n", NR }'
