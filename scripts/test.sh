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

declare -A passed failed skipped
overall=0
for suite in unit integration; do
	args=(--suite "$suite" --print-errorlogs)
	[ "$suite" = integration ] && args+=(--num-processes 1)
	say "meson test -C $BUILD ${args[*]}"
	meson test -C "$BUILD" "${args[@]}" 2>&1 | tee "$LOGDIR/$suite.log"
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
for suite in unit integration; do
	echo "== $suite =="
	sed -n '/^Ok:/,/^Timeout:/p' "$LOGDIR/$suite.log"
done
total_p=$((passed[unit] + passed[integration]))
total_f=$((failed[unit] + failed[integration]))
total_s=$((skipped[unit] + skipped[integration]))
if [ "$total_p" -eq 0 ] && [ "$total_f" -eq 0 ]; then
	echo "[test] ERROR: no test ran" >&2
	overall=1
fi
echo
echo "unit: ${passed[unit]} passed, ${failed[unit]} failed; integration: ${passed[integration]} passed, ${failed[integration]} failed"
echo "total: $total_p passed, $total_f failed, $total_s skipped"
exit "$overall"
