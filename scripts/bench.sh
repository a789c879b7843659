#!/usr/bin/env bash
# scripts/bench.sh — sluice side by side with HAProxy, nginx, the backends directly and the
# bare DPDK wire, on one topology of network namespaces, in one run.
#
# As root, from a clean checkout:   sudo scripts/bench.sh
#
#   client ns (wrk, CPU 0)            proxy ns (CPU 1)                 backend ns (CPU 0)
#   c0 10.88.1.2/24  ───── veth ─────  p0   [proxy under test]   p1 ── veth ── b0 10.88.2.11-13/24
#      10.88.9.2/24 (wire)             (10.88.1.1 / 10.88.2.1)            10.88.9.11/24 (wire)
#   d0 10.88.3.2/24  ───────────────────── veth (direct) ───────────────── d1 10.88.3.11/24
#
# Three nginx backends (one process each, CPU 0) answer /100 (a fixed 100-byte body),
# /files/16k.bin, /files/1m.bin and POST /post (the 64 KiB body is read whole, then the
# same 100 bytes are sent).
# Proxies (BENCH_PROXIES, in this order, rotated by one each round):
#   sluice-xdp  sluice in the proxy ns on net_af_xdp (p0, p1; one worker on CPU 1, main on CPU 0)
#   sluice-pkt  the same on net_af_packet
#   haproxy     HAProxy (http mode, nbthread 1, http-reuse always), taskset CPU 1
#   nginx       nginx proxy_pass, upstream keepalive 64, worker_processes 1, taskset CPU 1
#   direct      no proxy: wrk to one backend over the direct veth pair d0-d1
#   wire-xdp    dpdk-testpmd io forwarding between p0 and p1 on net_af_xdp; wrk to one backend
#               on the shared 10.88.9.0/24 segment: the harness's ceiling
#   wire-pkt    the same on net_af_packet (the ceiling of sluice-pkt); not in the default list
# Cases (BENCH_CASES): ka_c1 ka_c50 ka_c1000 (keep-alive, 100-byte body, 1/50/1000
# connections), close_c50 (Connection: close, a new connection per request), body16k_c50,
# body1m_c10, post64k_c50. Each run: the proxy is started fresh, answers a GET, gets a
# BENCH_WARMUP-second wrk warm-up, then the measured BENCH_DURATION-second wrk run (one
# thread, taskset CPU 0, --latency, scripts/bench/wrk.lua), then it is stopped.
# Order: for each round, for each case, for each proxy.
#
# Output under BENCH_OUT (default results/bench-<date>-<time>/): raw.tsv (one line per run),
# summary.txt (the table, also on stdout), summary.md (the Markdown table, sluice's ratios to
# each peer and the issue's targets), rps.png and p99.png (gnuplot), machine.txt, commands.txt,
# others.txt (other people's processes, each round), runs/r<N>/<case>/<proxy>/ (wrk outputs,
# proxy logs and configurations, sluice CLI snapshots, the kernel's AF_PACKET socket counters).
#
# Environment:
#   BENCH_ROUNDS=3         rounds (each case x proxy once per round)
#   BENCH_DURATION=2       seconds per measured wrk run
#   BENCH_WARMUP=1         seconds of warm-up wrk before each measured run (0: none)
#   BENCH_PROXIES, BENCH_CASES   space-separated subsets of the lists above (default: every
#                          case, every proxy but wire-pkt)
#   BENCH_OUT              results folder
#   BENCH_SMOKE=1          1 round, 1 s runs, no warm-up: validate every cell quickly
#   BENCH_MAX_FAILS=2      a proxy that fails to start or answer this many runs in a row is
#                          skipped for the rest of the bench (reported as such)
#   BENCH_READY_TIMEOUT=10 seconds a started proxy has to relay its first GET
#   BENCH_XDP_DEVARGS      extra af_xdp devargs, e.g. ",force_copy=1"
#   SLUICE                 the sluice binary; unset: built with scripts/setup.sh into
#                          BENCH_BUILD_DIR (default /tmp/build-bench) with -Dbuildtype=release
#   BENCH_MESON_ARGS       meson options for that build (default -Dbuildtype=release)
# Exit status: 0 when the bench ran to the end (whatever the figures), 1 on a harness failure.
set -uo pipefail

SL_NAME=bench
SL_NS_PREFIX=slb # never slt-*: those are the integration tests'
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SL_SRC=$SRC
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$SRC/scripts/lib.sh"
BENCH_DIR="$SRC/scripts/bench"

ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_DURATION:-2}
WARMUP=${BENCH_WARMUP:-1}
if [ -n "${BENCH_SMOKE:-}" ]; then
	ROUNDS=${BENCH_ROUNDS:-1}
	DURATION=${BENCH_DURATION:-1}
	WARMUP=${BENCH_WARMUP:-0}
fi
ALL_PROXIES="sluice-xdp sluice-pkt haproxy nginx direct wire-xdp wire-pkt"
# wire-pkt (the af_packet ceiling) only when asked: with it, 147 runs take 12-13 minutes and a
# run from a clean checkout would no longer fit in 15 (BENCH_PROXIES="$ALL_PROXIES" for all).
DEFAULT_PROXIES="sluice-xdp sluice-pkt haproxy nginx direct wire-xdp"
ALL_CASES="ka_c1 ka_c50 ka_c1000 close_c50 body16k_c50 body1m_c10 post64k_c50"
read -r -a PROXIES <<<"${BENCH_PROXIES:-$DEFAULT_PROXIES}"
read -r -a CASES <<<"${BENCH_CASES:-$ALL_CASES}"
MAX_FAILS=${BENCH_MAX_FAILS:-2}
READY_TIMEOUT=${BENCH_READY_TIMEOUT:-10}
XDP_DEVARGS=${BENCH_XDP_DEVARGS:-}
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=${BENCH_OUT:-$SRC/results/bench-$STAMP}

# case -> "connections|path|method|body bytes|extra header"
declare -A CASE_DEF=(
	[ka_c1]="1|/100|GET|0|"
	[ka_c50]="50|/100|GET|0|"
	[ka_c1000]="1000|/100|GET|0|"
	[close_c50]="50|/100|GET|0|Connection: close"
	[body16k_c50]="50|/files/16k.bin|GET|0|"
	[body1m_c10]="10|/files/1m.bin|GET|0|"
	[post64k_c50]="50|/post|POST|65536|"
)
for c in "${CASES[@]}"; do [ -n "${CASE_DEF[$c]:-}" ] || sl_die "unknown case '$c' (known: $ALL_CASES)"; done
for p in "${PROXIES[@]}"; do
	case " $ALL_PROXIES " in *" $p "*) ;; *) sl_die "unknown proxy '$p' (known: $ALL_PROXIES)" ;; esac
done
for v in "$ROUNDS" "$DURATION" "$WARMUP" "$MAX_FAILS" "$READY_TIMEOUT"; do
	[[ $v =~ ^[0-9]+$ ]] || sl_die "BENCH_ROUNDS, BENCH_DURATION, BENCH_WARMUP, BENCH_MAX_FAILS and BENCH_READY_TIMEOUT take whole numbers ('$v')"
done
[ "$ROUNDS" -ge 1 ] && [ "$DURATION" -ge 1 ] || sl_die "BENCH_ROUNDS and BENCH_DURATION must be >= 1"

sl_require_root

# ---- 1. packages, build, hugepages ------------------------------------------------------
# Debian package -> a command it provides (apt-get runs only when one is missing).
declare -A PKG_CMD=(
	[haproxy]=haproxy [nginx-light]=nginx [wrk]=wrk [gnuplot-nox]=gnuplot [dpdk]=dpdk-testpmd
	[ethtool]=ethtool [iproute2]=ip [socat]=socat [curl]=curl [python3]=python3
)
missing=()
for p in "${!PKG_CMD[@]}"; do
	command -v "${PKG_CMD[$p]}" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	sl_log "installing missing packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -q -o DPkg::Lock::Timeout=300 update || sl_die "apt-get update failed"
	apt-get -q -o DPkg::Lock::Timeout=300 install -y "${missing[@]}" || sl_die "apt-get install failed"
fi

if [ -z "${SLUICE:-}" ]; then
	BUILD=${BENCH_BUILD_DIR:-/tmp/build-bench}
	sl_log "building sluice into $BUILD (scripts/setup.sh, ${BENCH_MESON_ARGS:--Dbuildtype=release})"
	SL_BUILD_DIR=$BUILD SL_MESON_ARGS="${BENCH_MESON_ARGS:--Dbuildtype=release}" \
		bash "$SRC/scripts/setup.sh" >"/tmp/bench-setup.$$.log" 2>&1 || {
		tail -n 30 "/tmp/bench-setup.$$.log" >&2
		sl_die "scripts/setup.sh failed (log: /tmp/bench-setup.$$.log)"
	}
	rm -f "/tmp/bench-setup.$$.log"
	SLUICE=$BUILD/app/sluice
else
	sl_hugepages_ensure "$SL_HUGEPAGES_MIN" || sl_die "hugepages are not available (run scripts/setup.sh)"
fi
sl_sluice_bin
SLUICE=$(cd "$(dirname "$SLUICE")" && pwd)/$(basename "$SLUICE")

mkdir -p "$OUT/runs" || sl_die "cannot create $OUT"
if ! grep -qx '/results/' "$SRC/.gitignore" 2>/dev/null; then echo '/results/' >>"$SRC/.gitignore"; fi
RAW="$OUT/raw.tsv"
CMDS="$OUT/commands.txt"
MACHINE="$OUT/machine.txt"
: >"$CMDS"

# ---- 2. cleanup: everything by PID, namespaces (and with them the veths) deleted ---------
TP_FD_OPEN=
bench_cleanup() {
	local rc=$?
	set +e
	[ -z "$TP_FD_OPEN" ] || exec 7>&-
	(exit "$rc")
	sl_cleanup_dpdk
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
sl_tmpdir

# Other people's load on the machine: the processes not of this bench that used at least 5%
# of a CPU over half a second (top's second sample), with their command lines.
others_snapshot() {
	local mine=" $$ ${SL_PIDS[*]} "
	top -b -c -n 2 -d 0.5 -w 250 2>/dev/null | awk -v mine="$mine" '
		/^top -/ { n++; next }
		n < 2 || $1 !~ /^[0-9]+$/ || index(mine, " " $1 " ") || $9 + 0 < 5 { next }
		{
			cmd = $12; for (i = 13; i <= NF; i++) cmd = cmd " " $i
			if (cmd ~ /^top -b -c/) next
			line = sprintf("%7s %5s%%  %s", $1, $9, cmd)
			if (length(line) > 170) line = substr(line, 1, 170) "..."
			print "    " line
		}'
}

{
	echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "cpu: $(lscpu | awk -F: '/^Model name/ { gsub(/^ +/, "", $2); print $2 }'), family $(lscpu | awk -F: '/^CPU family/ { gsub(/ /, "", $2); print $2 }') model $(lscpu | awk -F: '/^Model:/ { gsub(/ /, "", $2); print $2 }'), $(nproc) vCPU, $(lscpu | awk -F: '/^Hypervisor vendor/ { gsub(/^ +/, "", $2); print $2 }') guest"
	echo "kernel: $(uname -r)"
	echo "sluice: $SLUICE ($(cd "$SRC" && git rev-parse --short HEAD 2>/dev/null)$(cd "$SRC" && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && echo ', tree with uncommitted changes'), buildtype $(meson introspect --buildoptions "$(dirname "$(dirname "$SLUICE")")" 2>/dev/null | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="buildtype"))' 2>/dev/null || echo '?'))"
	echo "dpdk: $(dpkg-query -W -f='${Version}' dpdk 2>/dev/null)"
	echo "haproxy: $(haproxy -v 2>/dev/null | head -n 1)"
	echo "nginx: $(nginx -v 2>&1)"
	echo "wrk: $(dpkg-query -W -f='${Version}' wrk 2>/dev/null)"
	echo "rounds: $ROUNDS  duration: ${DURATION}s  warm-up: ${WARMUP}s"
	echo "proxies: ${PROXIES[*]}"
	echo "cases: ${CASES[*]}"
	echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "other processes before (not this bench's):"
	others_snapshot
} >"$MACHINE"
sl_log "machine: $(sed -n 2p "$MACHINE")"
sl_log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$(others_snapshot | wc -l)" -gt 0 ]; then
	sl_warn "other work is running on this machine: the figures will be noisy"
	others_snapshot | head -n 12 >&2
fi

# ---- 3. topology ---------------------------------------------------------------------------
sl_ns_create cli
NS_C=$SL_NS_LAST
sl_ns_create px
NS_P=$SL_NS_LAST
sl_ns_create be
NS_B=$SL_NS_LAST
sl_veth_add "$NS_C" c0 "$NS_P" p0 || sl_die "veth c0-p0"
sl_veth_add "$NS_P" p1 "$NS_B" b0 || sl_die "veth p1-b0"
sl_veth_add "$NS_C" d0 "$NS_B" d1 || sl_die "veth d0-d1"
ip -n "$NS_C" addr add 10.88.1.2/24 dev c0
ip -n "$NS_C" addr add 10.88.9.2/24 dev c0
ip -n "$NS_C" addr add 10.88.3.2/24 dev d0
for a in 10.88.2.11 10.88.2.12 10.88.2.13 10.88.9.11; do ip -n "$NS_B" addr add "$a/24" dev b0; done
ip -n "$NS_B" addr add 10.88.3.11/24 dev d1
# The DPDK PMDs (af_xdp, af_packet) have no checksum offload: the Linux peers must put full
# checksums in what they send (docs/operations.md). The same for every case and proxy.
for x in "$NS_C c0" "$NS_C d0" "$NS_B b0" "$NS_B d1"; do
	read -r ns ifc <<<"$x"
	ip netns exec "$ns" ethtool -K "$ifc" tx off >/dev/null 2>&1 || sl_warn "ethtool -K $ifc tx off failed in $ns"
done
for ns in "$NS_C" "$NS_P" "$NS_B"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65000" \
		net.ipv4.tcp_tw_reuse=1 net.core.somaxconn=8192 net.ipv4.tcp_max_syn_backlog=8192 >/dev/null
done
sl_log "namespaces $NS_C, $NS_P, $NS_B; veths c0-p0, p1-b0, d0-d1"

# Kernel addresses of the proxy namespace, for HAProxy and nginx only: while a DPDK process
# owns p0/p1 the kernel must not answer ARP or TCP there (af_packet sees copies).
px_addrs() {
	ip -n "$NS_P" addr flush dev p0
	ip -n "$NS_P" addr flush dev p1
	if [ "$1" = add ]; then
		ip -n "$NS_P" addr add 10.88.1.1/24 dev p0 && ip -n "$NS_P" addr add 10.88.2.1/24 dev p1
	fi
}

# ---- 4. backends ---------------------------------------------------------------------------
WWW="$OUT/www"
mkdir -p "$WWW/files"
head -c 16384 /dev/urandom >"$WWW/files/16k.bin"
head -c 1048576 /dev/urandom >"$WWW/files/1m.bin"
BODY=$(printf '%099d' 0 | tr 0 s) # 99 characters; nginx adds the newline: 100 bytes
BE_PIDS=()
for n in 11 12 13; do
	d="$OUT/backend-$n"
	mkdir -p "$d"
	listen="listen 10.88.2.$n:8080 backlog=4096;"
	# Backend 11 also answers on the wire segment and on the direct pair.
	[ "$n" = 11 ] && listen="$listen listen 10.88.9.11:8080 backlog=4096; listen 10.88.3.11:8080 backlog=4096;"
	sed -e "s|@LISTEN@|$listen|" -e "s|@DIR@|$d|g" -e "s|@ROOT@|$WWW|g" -e "s|@BODY@|$BODY|g" \
		"$BENCH_DIR/nginx-backend.conf.in" >"$d/nginx.conf"
	SL_LOGS+=("$d/error.log")
	ip netns exec "$NS_B" taskset -c 0 nginx -c "$d/nginx.conf" -g 'daemon off;' </dev/null >"$d/nginx.out" 2>&1 &
	BE_PIDS+=("$!")
	SL_PIDS+=("$!")
	sl_wait_listen "$NS_B" "10.88.2.$n:8080" 10 "$!" || sl_die "backend $n did not start: $(cat "$d/nginx.out" "$d/error.log" 2>/dev/null)"
done
echo "backends: ip netns exec $NS_B taskset -c 0 nginx -c $OUT/backend-N/nginx.conf -g 'daemon off;'  (N = 11 12 13)" >>"$CMDS"
got=$(ip netns exec "$NS_C" curl -s -m 3 http://10.88.3.11:8080/100 | wc -c)
[ "$got" = 100 ] || sl_die "GET /100 directly from backend 11 gave $got bytes, not 100"
sl_log "backends up (pids ${BE_PIDS[*]}): /100 is 100 bytes"

# ---- 5. the proxies ------------------------------------------------------------------------
PX_PID=    # the process whose CPU is measured (empty: none)
PX_KIND=   # sluice | proc | testpmd | none
PX_BASE=   # the URL wrk targets, without the path
PX_LOG=
TP_N=900   # testpmd's EAL prefixes: sl<PID>_<N> like sluice's (lib.sh reaps them)

fill() { sed -e "s|@VIP@|10.88.1.1|g" -e "s|@DIR@|$2|g" -e "s|@DEV0@|${3:-}|g" -e "s|@DEV1@|${4:-}|g" "$1"; }

cmdlog() {
	# First round only: the exact command of each proxy (and of wrk per case).
	[ "$ROUND" = 1 ] || return 0
	grep -qxF -- "$*" "$CMDS" || printf '%s\n' "$*" >>"$CMDS"
}

# shellcheck disable=SC2054 # the commas are devargs, not array separators
px_start() {
	local px=$1 dir=$2 eal=()
	PX_PID='' PX_KIND=none PX_LOG=''
	case $px in
	sluice-xdp | sluice-pkt)
		if [ "$px" = sluice-xdp ]; then
			fill "$BENCH_DIR/sluice.ini.in" "$dir" net_af_xdp0 net_af_xdp1 >"$dir/sluice.ini"
			eal=(-l 0-1 "--vdev=net_af_xdp0,iface=p0,start_queue=0,queue_count=1$XDP_DEVARGS"
				"--vdev=net_af_xdp1,iface=p1,start_queue=0,queue_count=1$XDP_DEVARGS")
		else
			fill "$BENCH_DIR/sluice.ini.in" "$dir" net_af_packet0 net_af_packet1 >"$dir/sluice.ini"
			eal=(-l 0-1 --vdev=net_af_packet0,iface=p0 --vdev=net_af_packet1,iface=p1)
		fi
		cmdlog "$px: ip netns exec $NS_P $SLUICE --no-pci --in-memory --file-prefix=sl<PID>_<N> ${eal[*]} -- -f sluice.ini --cli-socket <sock>"
		PX_KIND=sluice
		sl_sluice_start_ns "$NS_P" "$dir/sluice.ini" "${eal[@]}" 2>>"$dir/start.err" || {
			[ -n "$SL_LOG" ] && cp "$SL_LOG" "$dir/sluice.log" 2>/dev/null
			return 1
		}
		sl_dpdk_track
		PX_PID=$SL_SLUICE_PID
		PX_LOG=$SL_LOG
		PX_BASE=http://10.88.1.1
		;;
	haproxy)
		px_addrs add || return 1
		fill "$BENCH_DIR/haproxy.cfg.in" "$dir" >"$dir/haproxy.cfg"
		cmdlog "haproxy: ip netns exec $NS_P taskset -c 1 haproxy -db -f haproxy.cfg"
		ip netns exec "$NS_P" taskset -c 1 haproxy -db -f "$dir/haproxy.cfg" </dev/null >"$dir/haproxy.log" 2>&1 &
		PX_PID=$!
		SL_PIDS+=("$PX_PID")
		PX_KIND=proc
		PX_LOG="$dir/haproxy.log"
		PX_BASE=http://10.88.1.1
		sl_wait_listen "$NS_P" 10.88.1.1:80 10 "$PX_PID"
		;;
	nginx)
		px_addrs add || return 1
		fill "$BENCH_DIR/nginx-proxy.conf.in" "$dir" >"$dir/nginx.conf"
		cmdlog "nginx: ip netns exec $NS_P taskset -c 1 nginx -c nginx.conf -g 'daemon off;'"
		ip netns exec "$NS_P" taskset -c 1 nginx -c "$dir/nginx.conf" -g 'daemon off;' </dev/null >"$dir/nginx.out" 2>&1 &
		PX_PID=$!
		SL_PIDS+=("$PX_PID")
		PX_KIND=proc
		PX_LOG="$dir/error.log"
		PX_BASE=http://10.88.1.1
		sl_wait_listen "$NS_P" 10.88.1.1:80 10 "$PX_PID"
		;;
	direct)
		PX_BASE=http://10.88.3.11:8080
		;;
	wire-xdp | wire-pkt)
		local fifo="$dir/stdin" prefix="sl${$}_$TP_N"
		TP_N=$((TP_N + 1))
		if [ "$px" = wire-xdp ]; then
			eal=("--vdev=net_af_xdp0,iface=p0,start_queue=0,queue_count=1$XDP_DEVARGS"
				"--vdev=net_af_xdp1,iface=p1,start_queue=0,queue_count=1$XDP_DEVARGS")
		else
			eal=(--vdev=net_af_packet0,iface=p0 --vdev=net_af_packet1,iface=p1)
		fi
		eal=(--no-pci --in-memory "--file-prefix=$prefix" -l 0-1 "${eal[@]}"
			-- --forward-mode=io --auto-start --total-num-mbufs=32768 --no-mlockall)
		cmdlog "$px: ip netns exec $NS_P dpdk-testpmd ${eal[*]/#--file-prefix=*/--file-prefix=sl<PID>_<N>}"
		# Non-interactive testpmd forwards until its stdin ends: a FIFO this script holds open.
		mkfifo "$fifo" || return 1
		exec 7<>"$fifo"
		TP_FD_OPEN=1
		ip netns exec "$NS_P" timeout --kill-after=5 $((DURATION + WARMUP + READY_TIMEOUT + 120)) \
			dpdk-testpmd "${eal[@]}" <"$fifo" >"$dir/testpmd.log" 2>&1 7>&- &
		PX_PID=$!
		SL_PIDS+=("$PX_PID")
		SL_DPDK_TRACKED+=("$PX_PID:$prefix")
		PX_KIND=testpmd
		PX_LOG="$dir/testpmd.log"
		PX_BASE=http://10.88.9.11:8080
		;;
	esac
}

# After a DPDK process: no XDP program may stay on the veths (a SIGKILLed process leaves it),
# and promiscuous mode goes back off.
px_veth_reset() {
	local i
	for i in p0 p1; do
		ip -n "$NS_P" link set dev "$i" xdp off 2>/dev/null
		ip -n "$NS_P" link set dev "$i" promisc off 2>/dev/null
	done
	return 0
}

PX_RC=
px_stop() {
	local px=$1 dir=$2
	PX_RC=
	case $PX_KIND in
	sluice)
		sl_sluice_stop_rundir 20
		PX_RC=$SL_SLUICE_RC
		cp "$PX_LOG" "$dir/sluice.log" 2>/dev/null
		px_veth_reset
		;;
	proc)
		sl_pid_stop "$PX_PID" 10
		PX_RC=$SL_PID_RC
		px_addrs del
		;;
	testpmd)
		sl_pid_stop "$PX_PID" 15
		PX_RC=$SL_PID_RC
		exec 7>&-
		TP_FD_OPEN=
		rm -f "$dir/stdin"
		sl_dpdk_rundirs_cleanup
		px_veth_reset
		;;
	esac
	# Backend sockets a proxy left open would make the next one's first SYN from the same
	# port collide with an ESTABLISHED socket (sluice restarts its ports from the same number).
	ip netns exec "$NS_B" ss -K -tan dst 10.88.2.1 >/dev/null 2>&1
	PX_PID='' PX_KIND=none
}

px_cpu() { # prints "busy_cycles hz" (sluice) or "ticks clk_tck" (processes), or nothing
	case $PX_KIND in
	sluice) sl_lcores_busy "$(sl_cli show lcores 2>/dev/null)" ;;
	proc) echo "$(sl_pid_cpu_ticks "$PX_PID") $(getconf CLK_TCK)" ;;
	esac
}

# "busy idle worker_ticks" of the running sluice: its workers' busy and idle cycles (the
# `show lcores` text in SL_LCORES_TEXT) and the utime+stime of its worker threads (EAL
# names them lcore-worker-N). A worker that is preempted in the middle of a busy loop iteration counts
# the time it did not run as busy cycles; busy/(busy+idle) x the CPU time it really got
# does not.
sluice_sched() {
	local t ticks=0
	for t in /proc/"$PX_PID"/task/*; do
		case $(cat "$t/comm" 2>/dev/null) in
		*worker*) ticks=$((ticks + $(sl_pid_cpu_ticks "$PX_PID/task/${t##*/}"))) ;;
		esac
	done
	printf '%s\n' "$SL_LCORES_TEXT" | awk -v t="$ticks" '
		/^ *busy: [0-9]+ cycles/ { b += $2; for (i = 1; i < NF; i++) if ($i == "idle:") d += $(i + 1) }
		END { printf "%.0f %.0f %s\n", b, d, t }'
}

px_ready() { # the proxy relays a GET within READY_TIMEOUT seconds
	local code end=$((SECONDS + READY_TIMEOUT))
	while [ "$SECONDS" -lt "$end" ]; do
		code=$(ip netns exec "$NS_C" curl -s -m 2 -o /dev/null -w '%{http_code}' "$PX_BASE/100" 2>/dev/null)
		[ "$code" = 200 ] && return 0
		if [ -n "$PX_PID" ] && ! kill -0 "$PX_PID" 2>/dev/null; then return 1; fi
		sleep 0.2
	done
	return 1
}

cpu_stat() { awk '/^cpu[01] / { printf "%s %d %d %d ", $1, $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8+$9, $9 }' /proc/stat; }

# ---- 6. one run --------------------------------------------------------------------------------
HDR="round	case	proxy	conns	status	requests	duration_us	rps	p50_us	p99_us	p999_us	mean_us	max_us	err_connect	err_read	err_write	non2xx	err_timeout	cpu_us_per_req	cpu_sched_us_per_req	cpu0_busy_pct	cpu1_busy_pct	steal_pct	load1	note"
echo "$HDR" >"$RAW"
declare -A FAILS_IN_ROW=()
declare -A DIAG_DONE=()

wrk_cmd() { # wrk_cmd CONNS SECS URL HEADER -> the command line (for the record)
	local h=""
	[ -n "$4" ] && h=" -H '$4'"
	echo "taskset -c 0 wrk -t1 -c$1 -d${2}s --timeout 5s --latency$h -s scripts/bench/wrk.lua $3"
}

wrk_run() { # wrk_run OUTFILE CONNS SECS URL METHOD BODY HEADER
	local out=$1 conns=$2 secs=$3 url=$4 method=$5 body=$6 hdr=$7 h=()
	[ -n "$hdr" ] && h=(-H "$hdr")
	# shellcheck disable=SC2016 # expanded by the inner bash
	ip netns exec "$NS_C" env BENCH_METHOD="$method" BENCH_BODY="$body" bash -c \
		'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec timeout --kill-after=5 "$1" taskset -c 0 wrk -t1 -c"$2" -d"$3"s --timeout 5s --latency "${@:6}" -s "$4" "$5"' \
		_ $((secs + 30)) "$conns" "$secs" "$BENCH_DIR/wrk.lua" "$url" "${h[@]}" >"$out" 2>&1
}

record() { # record ROUND CASE PROXY STATUS [NOTE] with the wrk fields from WRK_LINE
	local r=$1 c=$2 p=$3 st=$4 note=${5:-} f
	declare -A v=()
	for f in $WRK_LINE; do [[ $f == *=* ]] && v[${f%%=*}]=${f#*=}; done
	local rps=""
	if [ -n "${v[requests]:-}" ] && [ "${v[duration_us]:-0}" -gt 0 ]; then
		rps=$(awk -v n="${v[requests]}" -v d="${v[duration_us]}" 'BEGIN { printf "%.1f", n / (d / 1e6) }')
	fi
	printf '%s\t' "$r" "$c" "$p" "${CASE_DEF[$c]%%|*}" "$st" "${v[requests]:-}" "${v[duration_us]:-}" "$rps" "${v[p50_us]:-}" \
		"${v[p99_us]:-}" "${v[p999_us]:-}" "${v[mean_us]:-}" "${v[max_us]:-}" "${v[connect]:-}" \
		"${v[read]:-}" "${v[write]:-}" "${v[status]:-}" "${v[timeout]:-}" "$CPU_US" "$CPU_SCHED" "$CPU0" "$CPU1" \
		"$STEAL" "$(cut -d' ' -f1 /proc/loadavg)" >>"$RAW"
	printf '%s\n' "$note" >>"$RAW"
}

# When sluice does not answer: what its counters and the wire show (once per proxy).
sluice_diag() {
	local px=$1 dir=$2
	sl_cli show tcp stats >"$dir/diag-tcp-stats.txt" 2>&1
	sl_cli show backends >"$dir/diag-backends.txt" 2>&1
	sl_cli show net stats >"$dir/diag-net-stats.txt" 2>&1
	sl_cli show port stats all >"$dir/diag-port-stats.txt" 2>&1
	[ -n "${DIAG_DONE[$px]:-}" ] && return 0
	DIAG_DONE[$px]=1
	command -v tcpdump >/dev/null || return 0
	# What reaches the backends: checksums verified (-vv), payload shown (-X).
	ip netns exec "$NS_B" timeout 6 tcpdump -i b0 -nn -vv -X -c 12 tcp port 8080 >"$dir/diag-tcpdump-b0.txt" 2>&1 &
	local td=$!
	sleep 1
	ip netns exec "$NS_C" curl -s -m 3 -o /dev/null "$PX_BASE/100"
	wait "$td" 2>/dev/null
	sl_log "  evidence: $dir/diag-*.txt ($(grep -c 'incorrect' "$dir/diag-tcpdump-b0.txt" 2>/dev/null || echo 0) segments with an incorrect TCP checksum seen at the backends)"
}

# "; exit STATUS: all N mbufs back in pool" (or the leak) of the sluice that just stopped.
sluice_exitline() {
	[[ $1 == sluice-* ]] || return 0
	local l
	l=$(grep -Eo 'all [0-9]+ mbufs back in pool|mbuf leak: [0-9]+ of [0-9]+ mbufs not back in pool' "$2/sluice.log" 2>/dev/null | tail -n 1)
	printf '; exit %s%s' "${PX_RC:-?}" "${l:+: $l}"
}

run_one() {
	local r=$1 c=$2 px=$3 dir conns path method body hdr url t0=$SECONDS
	IFS='|' read -r conns path method body hdr <<<"${CASE_DEF[$c]}"
	dir="$OUT/runs/r$r/$c/$px"
	mkdir -p "$dir"
	WRK_LINE='' CPU_US='' CPU_SCHED='' CPU0='' CPU1='' STEAL=''
	if [ "${FAILS_IN_ROW[$px]:-0}" -ge "$MAX_FAILS" ]; then
		record "$r" "$c" "$px" skipped "did not start or answer in $MAX_FAILS runs in a row"
		printf '  %-12s %-12s skipped (failed %s runs in a row)\n' "$c" "$px" "$MAX_FAILS" >&2
		return 0
	fi
	if ! px_start "$px" "$dir"; then
		sl_warn "$px did not start (run $r $c); see $dir"
		record "$r" "$c" "$px" startfail "see runs/r$r/$c/$px"
		FAILS_IN_ROW[$px]=$((${FAILS_IN_ROW[$px]:-0} + 1))
		px_stop "$px" "$dir"
		return 0
	fi
	url="$PX_BASE$path"
	if ! px_ready; then
		sl_warn "$px started but did not answer GET $PX_BASE/100 within ${READY_TIMEOUT}s (run $r $c)"
		[ "$PX_KIND" = sluice ] && sluice_diag "$px" "$dir"
		FAILS_IN_ROW[$px]=$((${FAILS_IN_ROW[$px]:-0} + 1))
		px_stop "$px" "$dir"
		record "$r" "$c" "$px" notready "no 200 to GET /100 within ${READY_TIMEOUT}s; see runs/r$r/$c/$px$(sluice_exitline "$px" "$dir")"
		return 0
	fi
	FAILS_IN_ROW[$px]=0
	cmdlog "case $c: ip netns exec $NS_C env BENCH_METHOD=$method BENCH_BODY=$body $(wrk_cmd "$conns" "$DURATION" "$url" "$hdr")"
	if [ "$WARMUP" -gt 0 ]; then
		wrk_run "$dir/warmup.out" "$conns" "$WARMUP" "$url" "$method" "$body" "$hdr"
	fi
	[ "$PX_KIND" = sluice ] && sl_cli clear port stats all >/dev/null 2>&1
	local c0 c1 s0 s1 rc=0
	local q0='' q1=''
	c0=$(px_cpu)
	[ "$PX_KIND" = sluice ] && q0=$(SL_LCORES_TEXT=$(sl_cli show lcores 2>/dev/null) sluice_sched)
	s0=$(cpu_stat)
	wrk_run "$dir/wrk.out" "$conns" "$DURATION" "$url" "$method" "$body" "$hdr" || rc=$?
	s1=$(cpu_stat)
	c1=$(px_cpu)
	[ "$PX_KIND" = sluice ] && q1=$(SL_LCORES_TEXT=$(sl_cli show lcores 2>/dev/null) sluice_sched)
	WRK_LINE=$(grep '^BENCH ' "$dir/wrk.out" | tail -n 1)
	read -r CPU0 CPU1 STEAL < <(printf '%s\n%s\n' "$s0" "$s1" | awk '
		NR == 1 { for (i = 1; i <= NF; i += 4) { b[$i] = $(i+1); t[$i] = $(i+2); s[$i] = $(i+3) } }
		NR == 2 { for (i = 1; i <= NF; i += 4) { db[$i] = $(i+1) - b[$i]; dt[$i] = $(i+2) - t[$i]; ds += $(i+3) - s[$i]; tt += $(i+2) - t[$i] } }
		END { printf "%.0f %.0f %.1f\n", dt["cpu0"] ? 100 * db["cpu0"] / dt["cpu0"] : 0, dt["cpu1"] ? 100 * db["cpu1"] / dt["cpu1"] : 0, tt ? 100 * ds / tt : 0 }')
	local reqs
	reqs=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$WRK_LINE")
	if [ -n "$c0" ] && [ -n "$c1" ] && [ "${reqs:-0}" -gt 0 ]; then
		CPU_US=$(awk -v a="$c0" -v b="$c1" -v n="$reqs" 'BEGIN {
			split(a, x, " "); split(b, y, " "); if (y[2] > 0) printf "%.2f", (y[1] - x[1]) / y[2] * 1e6 / n }')
	fi
	if [ -n "$q0" ] && [ -n "$q1" ] && [ "${reqs:-0}" -gt 0 ]; then
		CPU_SCHED=$(awk -v a="$q0" -v b="$q1" -v n="$reqs" -v hz="$(getconf CLK_TCK)" 'BEGIN {
			split(a, x, " "); split(b, y, " "); db = y[1] - x[1]; dd = y[2] - x[2]; dt = y[3] - x[3]
			if (db + dd > 0) printf "%.2f", db / (db + dd) * dt / hz * 1e6 / n }')
	fi
	if [ "$PX_KIND" = sluice ]; then
		local what
		for what in "show tcp stats" "show backends" "show lcores" "show port stats all" "show net stats"; do
			sl_cli "$what" >"$dir/cli-${what// /-}.txt" 2>&1
		done
	fi
	if [ "$PX_KIND" = sluice ] || [ "$PX_KIND" = testpmd ]; then
		# The kernel's side of the PMDs' sockets: for AF_PACKET, skmem's d<N> is the frames the
		# kernel dropped because the ring was full (the PMD's RX-missed does not count them).
		ip netns exec "$NS_P" ss -0 -a -m -p >"$dir/packet-sockets.txt" 2>&1
	fi
	local st=ok note=""
	if [ -z "$WRK_LINE" ]; then
		st=wrkfail
		note="wrk exit $rc: $(tail -n 2 "$dir/wrk.out" | tr '\n\t' '  ')"
	elif awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(connect|read|write|status|timeout)=[1-9]/) bad = 1 }
		END { exit !bad }' <<<"$WRK_LINE"; then
		st=errors # wrk counted socket errors or non-2xx/3xx responses
	fi
	if [ -n "$PX_PID" ] && ! kill -0 "$PX_PID" 2>/dev/null; then
		st=died
		note="the proxy exited during the run"
	fi
	px_stop "$px" "$dir"
	note="$note$(sluice_exitline "$px" "$dir")"
	record "$r" "$c" "$px" "$st" "${note#; }"
	printf '  %-12s %-11s %-7s %8s req/s  p50 %7s  p99 %8s  p99.9 %8s us  cpu/req %6s us  err %s  cpu0 %s%% cpu1 %s%%  (%ss)\n' \
		"$c" "$px" "$st" "$(tail -n 1 "$RAW" | cut -f8)" "$(tail -n 1 "$RAW" | cut -f9)" \
		"$(tail -n 1 "$RAW" | cut -f10)" "$(tail -n 1 "$RAW" | cut -f11)" "${CPU_US:--}" \
		"$(tail -n 1 "$RAW" | awk -F'\t' '{ print $14 + $15 + $16 + $17 + $18 }')" "$CPU0" "$CPU1" "$((SECONDS - t0))" >&2
}

# ---- 7. the bench ------------------------------------------------------------------------------
N_RUNS=$((ROUNDS * ${#CASES[@]} * ${#PROXIES[@]}))
sl_log "$N_RUNS runs: $ROUNDS round(s) x ${#CASES[@]} case(s) x ${#PROXIES[@]} proxies, ${DURATION}s each (+${WARMUP}s warm-up); results in $OUT"
# About 2 s per run go to starting, checking and stopping the proxy (measured on the 2-vCPU VM:
# 126 runs of 2+1 s in about 10 minutes).
sl_log "expect about $(((N_RUNS * (DURATION + WARMUP + 2) + 59) / 60)) minutes"
T0=$SECONDS
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
	# Rotate the proxy order by one each round, so that none always runs first after a case
	# change.
	order=()
	for ((i = 0; i < ${#PROXIES[@]}; i++)); do order+=("${PROXIES[$(((i + ROUND - 1) % ${#PROXIES[@]}))]}"); done
	sl_log "round $ROUND/$ROUNDS (proxies: ${order[*]}; load average $(cut -d' ' -f1-3 /proc/loadavg); $((SECONDS - T0))s so far)"
	echo "round $ROUND, load $(cut -d' ' -f1-3 /proc/loadavg), other processes:" >>"$OUT/others.txt"
	others_snapshot >>"$OUT/others.txt"
	for c in "${CASES[@]}"; do
		for px in "${order[@]}"; do
			run_one "$ROUND" "$c" "$px"
		done
	done
done
sl_log "all runs done in $((SECONDS - T0))s"
{
	echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "runs took: $((SECONDS - T0))s; bench.sh until now (packages, build, topology, runs): ${SECONDS}s"
	echo "other processes after (not this bench's):"
	others_snapshot
} >>"$MACHINE"

# ---- 8. summary and charts -------------------------------------------------------------------
python3 "$BENCH_DIR/summarize.py" "$OUT" || sl_die "summarize.py failed"
for m in rps p99; do
	if ! awk 'NR > 1 { for (i = 2; i <= NF; i++) if ($i != "?" && $i != "1e-9") f = 1 } END { exit !f }' "$OUT/$m.dat"; then
		sl_warn "no figure at all for $m: no chart"
		continue
	fi
	n=$(head -n 1 "$OUT/$m.dat" | awk '{ print (NF - 1) / 3 }')
	gnuplot -e "datafile='$OUT/$m.dat'; outfile='$OUT/$m.png'; metric='$m'; n=$n" "$BENCH_DIR/plot.gp" \
		2>"$OUT/gnuplot-$m.err" || sl_warn "gnuplot failed for $m: $(cat "$OUT/gnuplot-$m.err")"
done
cat "$OUT/summary.txt"
sl_log "results: $OUT (summary.md, rps.png, p99.png, raw.tsv); ${SECONDS}s in all"
exit 0
