#!/usr/bin/env bash
# tests/fuzz/run_fuzz.sh — run one libFuzzer target for a bounded time (meson suite 'fuzz').
#
#   run_fuzz.sh FUZZER SEED_CORPUS WORK_DIR [DICT]
#
# The checked-in SEED_CORPUS is only read (a missing one means: start from nothing): new
# inputs go to WORK_DIR/corpus (emptied first), crash/leak/timeout reproducers to
# WORK_DIR/artifacts/. Keep a useful new input by copying it into the seed corpus (or
# FUZZER -merge=1 SEED_CORPUS WORK_DIR/corpus). Exits non-zero on any crash, leak,
# UBSan report (halt_on_error) or per-input timeout.
# Environment:
#   SL_FUZZ_TIME   seconds of fuzzing (-max_total_time), default 30
#   SL_FUZZ_ARGS   extra libFuzzer arguments (e.g. "-runs=1000" or "-seed=42")
# Reproduce a failure:  FUZZER WORK_DIR/artifacts/crash-<sha1>
set -euo pipefail

fuzzer=$1 seeds=$2 work=$3 dict=${4:-}
time=${SL_FUZZ_TIME:-30}

rm -rf "$work/corpus"
mkdir -p "$work/corpus" "$work/artifacts"
# libFuzzer writes new inputs to the first directory and only reads the others.
dirs=("$work/corpus")
if [ -d "$seeds" ]; then
	dirs+=("$seeds")
else
	echo "run_fuzz: no seed corpus $seeds, starting from nothing" >&2
fi

# ASan: leaks are errors (libFuzzer checks after each input that malloc'd more than it freed).
# UBSan: stop at the first report instead of printing and carrying on.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:print_stacktrace=1

args=(-max_total_time="$time" -timeout=10 -error_exitcode=77 -timeout_exitcode=78
	-print_final_stats=1 -artifact_prefix="$work/artifacts/")
[ -n "$dict" ] && args+=(-dict="$dict")
# shellcheck disable=SC2206 # SL_FUZZ_ARGS is a word list on purpose
[ -n "${SL_FUZZ_ARGS:-}" ] && args+=($SL_FUZZ_ARGS)

echo "run_fuzz: $fuzzer ${args[*]} ${dirs[*]}"
# The margin covers EAL start-up, loading the corpus and the final leak check.
exec timeout --kill-after=10 $((time + 120)) "$fuzzer" "${args[@]}" "${dirs[@]}"
