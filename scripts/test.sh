#!/usr/bin/env bash
# scripts/test.sh — set up, build, and run every test suite; what CI runs (.ci/run).
#
#   sudo scripts/test.sh
#
# Runs scripts/setup.sh (packages, hugepages, build), then the meson suites `unit` and
# `integration` (one test at a time: they share the two cores and the hugepages), prints
# both meson summaries and a closing count. Exits non-zero if anything failed or nothing ran.
# Environment: as setup.sh (SL_MESON_ARGS, SL_BUILD_DIR).
set -uo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SL_BUILD_DIR:-build}
case $BUILD in
/*) ;;
*) BUILD="$SRC/$BUILD" ;;
esac

say() { printf '\n[test] %s\n' "$*"; }

say "setup and build (scripts/setup.sh)"
if ! bash "$SRC/scripts/setup.sh"; then
	echo "[test] ERROR: setup failed, no test was run" >&2
	echo "unit: 0 passed, 0 failed; integration: 0 passed, 0 failed"
	exit 1
fi

LOGDIR=$(mktemp -d /tmp/sluice-test.XXXXXX)
trap 'rm -rf "$LOGDIR"' EXIT

# summary FILE KEY: a number from meson's closing summary ("Ok:   3"), 0 when absent.
summary() {
	awk -v key="$2:" '
		{ line = $0; sub(/^[ \t]+/, "", line) }
		index(line, key) == 1 { n = substr(line, length(key) + 1); gsub(/[^0-9]/, "", n); v = n }
		END { print (v == "" ? 0 : v) }' "$1"
}

# The fuzz suite needs clang's libFuzzer: a second build of its own, sanitizers on.
FUZZ_BUILD=${SL_FUZZ_BUILD_DIR:-$SRC/build-fuzz}
fuzz_ok=1
if [ "${SL_SKIP_FUZZ:-0}" != 1 ]; then
	say "fuzz build ($FUZZ_BUILD, clang, -Dfuzz=enabled)"
	if [ -f "$FUZZ_BUILD/build.ninja" ]; then
		meson setup --reconfigure "$FUZZ_BUILD" "$SRC" >/dev/null || fuzz_ok=0
	else
		CC=clang meson setup "$FUZZ_BUILD" "$SRC" -Dfuzz=enabled -Dtests=enabled \
			>/dev/null || fuzz_ok=0
	fi
	[ "$fuzz_ok" = 1 ] && { ninja -C "$FUZZ_BUILD" >/dev/null || fuzz_ok=0; }
fi

declare -A passed failed skipped
overall=0
suites=(unit integration)
[ "${SL_SKIP_FUZZ:-0}" != 1 ] && suites+=(fuzz)
for suite in "${suites[@]}"; do
	args=(--suite "$suite" --print-errorlogs)
	dir=$BUILD
	[ "$suite" = integration ] && args+=(--num-processes 1)
	if [ "$suite" = fuzz ]; then
		dir=$FUZZ_BUILD
		if [ "$fuzz_ok" != 1 ]; then
			echo "[test] ERROR: the fuzz build failed" >&2
			passed[$suite]=0 failed[$suite]=1 skipped[$suite]=0 overall=1
			continue
		fi
		export SL_FUZZ_TIME=${SL_FUZZ_TIME:-30}
	fi
	say "meson test -C $dir ${args[*]}"
	meson test -C "$dir" "${args[@]}" 2>&1 | tee "$LOGDIR/$suite.log"
	rc=${PIPESTATUS[0]}
	passed[$suite]=$(($(summary "$LOGDIR/$suite.log" Ok) + $(summary "$LOGDIR/$suite.log" 'Expected Fail')))
	failed[$suite]=$(($(summary "$LOGDIR/$suite.log" Fail) + $(summary "$LOGDIR/$suite.log" 'Unexpected Pass') +
		$(summary "$LOGDIR/$suite.log" Timeout)))
	skipped[$suite]=$(summary "$LOGDIR/$suite.log" Skipped)
	if [ "$rc" -ne 0 ] && [ "${failed[$suite]}" -eq 0 ]; then
		# meson itself failed (bad build dir, rebuild error): count it as a failure.
		echo "[test] ERROR: meson test for suite $suite exited $rc" >&2
		failed[$suite]=1
	fi
	[ "${failed[$suite]}" -eq 0 ] || overall=1
done

say "summary"
total_p=0 total_f=0 total_s=0
for suite in "${suites[@]}"; do
	echo "== $suite =="
	[ -f "$LOGDIR/$suite.log" ] && sed -n '/^Ok:/,/^Timeout:/p' "$LOGDIR/$suite.log"
	total_p=$((total_p + passed[$suite]))
	total_f=$((total_f + failed[$suite]))
	total_s=$((total_s + skipped[$suite]))
done
if [ "$total_p" -eq 0 ] && [ "$total_f" -eq 0 ]; then
	echo "[test] ERROR: no test ran" >&2
	overall=1
fi
echo
line=""
for suite in "${suites[@]}"; do
	line+="${line:+; }$suite: ${passed[$suite]} passed, ${failed[$suite]} failed"
done
echo "$line"
echo "total: $total_p passed, $total_f failed, $total_s skipped"
exit "$overall"
