#!/usr/bin/env bash
# scripts/setup.sh — make this Debian 12 machine ready to build and test sluice, then build.
#
# Idempotent; run as root:  sudo scripts/setup.sh
#   1. installs the Debian packages that are missing (apt-get update only then, once);
#   2. reserves >= 512 hugepages of 2 MiB and mounts hugetlbfs if none is mounted;
#   3. meson setup (or --reconfigure) + ninja: the binary is build/app/sluice.
#
# Environment:
#   SL_MESON_ARGS    extra meson options, e.g. "-Dwerror=true -Db_sanitize=address,undefined"
#   SL_BUILD_DIR     build directory (default: build, in the source tree)
#   SL_HUGEPAGES_MIN hugepages of 2 MiB to reserve at least (default 512)
set -euo pipefail

SL_NAME=setup
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR
. "$SRC/scripts/lib.sh"

BUILD=${SL_BUILD_DIR:-build}
case $BUILD in
/*) ;;
*) BUILD="$SRC/$BUILD" ;;
esac

# What the build, the tests and the demo need. iputils-ping and procps (sysctl) are not in
# every minimal image.
PACKAGES=(
	dpdk dpdk-dev liburcu-dev libiniparser-dev libcmocka-dev
	meson ninja-build pkg-config gcc clang libclang-rt-14-dev
	socat iproute2 nftables curl iputils-ping procps
	python3-pyelftools libhttp-parser-dev nginx-light wrk hping3 valgrind
)

sl_require_root

# ---- 1. packages ------------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	# Wait for a concurrent apt/dpkg instead of failing on its lock.
	apt_opts=(-q -o DPkg::Lock::Timeout=300)
	sl_log "installing missing packages: ${missing[*]}"
	sl_log "apt-get update"
	apt-get "${apt_opts[@]}" update || sl_die "apt-get update failed"
	apt-get "${apt_opts[@]}" install -y "${missing[@]}" || sl_die "apt-get install failed"
else
	sl_log "all ${#PACKAGES[@]} packages are installed"
fi

# ---- 2. hugepages -----------------------------------------------------------
sl_hugepages_ensure "$SL_HUGEPAGES_MIN" || sl_die "could not reserve $SL_HUGEPAGES_MIN hugepages of 2 MiB"
sl_log "hugepages: $(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages 2>/dev/null ||
	cat /proc/sys/vm/nr_hugepages) x 2 MiB reserved," \
	"hugetlbfs at $(awk '$3 == "hugetlbfs" { print $2; exit }' /proc/mounts)"

# ---- 3. build ---------------------------------------------------------------
extra=()
if [ -n "${SL_MESON_ARGS:-}" ]; then
	read -r -a extra <<<"$SL_MESON_ARGS"
fi
if [ -f "$BUILD/meson-private/coredata.dat" ]; then
	sl_log "meson setup --reconfigure $BUILD -Dtests=enabled ${extra[*]}"
	meson setup --reconfigure "$BUILD" "$SRC" -Dtests=enabled "${extra[@]}" ||
		sl_die "meson setup --reconfigure failed"
else
	sl_log "meson setup $BUILD -Dtests=enabled ${extra[*]}"
	meson setup "$BUILD" "$SRC" -Dtests=enabled "${extra[@]}" || sl_die "meson setup failed"
fi
sl_log "ninja -C $BUILD"
ninja -C "$BUILD" || sl_die "build failed"
[ -x "$BUILD/app/sluice" ] || sl_die "build finished but $BUILD/app/sluice is missing"
sl_log "done: $BUILD/app/sluice"
