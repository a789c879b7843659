# shellcheck shell=bash
# scripts/lib.sh — shell helpers shared by setup.sh, demo.sh and the integration tests.
#
# Source it, do not run it:   . "$(dirname "$0")/lib.sh"
#
# What it gives:
#   sl_log / sl_warn / sl_die        messages on stderr, prefixed with $SL_NAME
#   sl_require_root
#   sl_hugepages_ensure [MIN]        reserve >= MIN 2 MiB pages, mount hugetlbfs
#   sl_tmpdir                        $SL_TMP: per-run temp dir for logs and sockets
#   sl_ns_create SUFFIX              create namespace "$SL_NS_PREFIX-$$-SUFFIX", echo nothing,
#                                    sets SL_NS_LAST; stale namespaces of dead PIDs are removed
#   sl_ns_exec NS CMD...             run a command inside a namespace
#   sl_tap_to_ns IFACE NS ADDR/LEN [MAC]
#                                    move a net_tap kernel interface into NS, address it, up
#   sl_sluice_start CONF [EAL ARG...]
#                                    start $SLUICE in the background, wait for `ready`;
#                                    sets SL_SLUICE_PID, SL_SOCK, SL_LOG
#   sl_cli CMD...                    one CLI command through the unix socket, output on stdout
#   sl_sluice_stop [TIMEOUT]         SIGTERM by PID, wait, SIGKILL after TIMEOUT s; SL_SLUICE_RC
#   sl_port_stat TEXT PORT KEY       a counter out of `show port stats all` output
#   sl_cleanup_trap                  install the EXIT trap (stop processes, delete namespaces,
#                                    show logs when the script fails)
#
# Everything started here is tracked by PID and torn down by PID; nothing is killed by name.

SL_NAME=${SL_NAME:-$(basename "${0:-sluice}" .sh)}
SL_NS_PREFIX=${SL_NS_PREFIX:-slt}
SL_HUGEPAGES_MIN=${SL_HUGEPAGES_MIN:-512}
SL_READY_TIMEOUT=${SL_READY_TIMEOUT:-60}

SL_TMP=${SL_TMP:-}
SL_NAMESPACES=()	# created by this run, deleted by sl_cleanup
SL_PIDS=()		# background processes of this run, stopped by sl_cleanup
SL_LOGS=()		# files shown when the run fails
SL_SLUICE_PID=
SL_SLUICE_RC=
SL_SOCK=
SL_LOG=

sl_log() { printf '[%s] %s\n' "$SL_NAME" "$*" >&2; }
sl_warn() { printf '[%s] WARNING: %s\n' "$SL_NAME" "$*" >&2; }
sl_die() {
	printf '[%s] ERROR: %s\n' "$SL_NAME" "$*" >&2
	exit 1
}

sl_require_root() {
	[ "$(id -u)" -eq 0 ] || sl_die "must run as root (try: sudo $0)"
}

# ---- An integration test's frame (tests/integration/test_*.sh) -----------------------

# sl_test_begin TOOL...: skip (exit 77) unless root and every TOOL is installed; then the
# sluice binary, the cleanup trap, the temp folder and hugepages; T0 and FAILS start, and
# pass/fail/show are defined:
#   pass MSG   an "ok:" line;  fail MSG   a "FAIL:" line, counted;
#   show TITLE TEXT   TEXT indented under TITLE (command outputs, for the log).
sl_test_begin() {
	local t
	if [ "$(id -u)" -ne 0 ]; then
		sl_log "SKIP: needs root (network namespaces, hugepages)"
		exit 77
	fi
	for t in "$@"; do
		command -v "$t" >/dev/null || {
			sl_log "SKIP: $t is not installed (scripts/setup.sh installs it)"
			exit 77
		}
	done
	sl_sluice_bin
	sl_cleanup_trap
	sl_tmpdir
	sl_hugepages_ensure "$SL_HUGEPAGES_MIN" || sl_die "hugepages are not available (run scripts/setup.sh)"
	T0=$SECONDS
	FAILS=0
}
pass() { sl_log "ok: $*"; }
fail() {
	sl_log "FAIL: $*"
	FAILS=$((FAILS + 1))
}
show() {
	sl_log "$1:"
	printf '%s\n' "$2" | sed 's/^/    > /' >&2
}

# sl_test_end: stop sluice (SIGTERM) and check it exits 0 with every mbuf back, then the
# verdict: exit 0 when no check failed, else 1.
sl_test_end() {
	local log=$SL_LOG
	if sl_sluice_gone; then fail "sluice exited before the end of the test"; fi
	sl_sluice_stop 30
	if [ "$SL_SLUICE_RC" = 0 ]; then pass "sluice exits 0 on SIGTERM"; else
		fail "sluice exit status $SL_SLUICE_RC after SIGTERM"; fi
	if grep -Eq 'all [0-9]+ mbufs back in pool' "$log"; then
		pass "$(grep -Eo 'all [0-9]+ mbufs back in pool' "$log" | tail -n 1)"
	else
		fail "no 'all N mbufs back in pool' line in the log"
	fi
	sl_log "runtime: $((SECONDS - T0))s"
	if [ "$FAILS" -ne 0 ]; then
		sl_log "$FAILS check(s) failed"
		exit 1
	fi
	sl_log "all checks passed"
	exit 0
}

# sl_hugepages_ensure [MIN]: at least MIN 2 MiB hugepages reserved (never lowers a larger
# reservation) and a hugetlbfs mounted. DPDK with --in-memory still takes its memory from
# the 2 MiB pool.
sl_hugepages_ensure() {
	local min=${1:-$SL_HUGEPAGES_MIN} knob cur got
	knob=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	[ -w "$knob" ] || knob=/proc/sys/vm/nr_hugepages
	cur=$(cat "$knob") || return 1
	if [ "$cur" -lt "$min" ]; then
		sl_log "reserving $min hugepages of 2 MiB (had $cur)"
		echo "$min" >"$knob" || return 1
		got=$(cat "$knob")
		if [ "$got" -lt "$min" ]; then
			# Memory may be fragmented: compact it and ask once more.
			echo 1 >/proc/sys/vm/compact_memory 2>/dev/null || true
			echo "$min" >"$knob" || return 1
			got=$(cat "$knob")
		fi
		if [ "$got" -lt "$min" ]; then
			sl_warn "the kernel gave only $got of $min hugepages"
			return 1
		fi
	fi
	if ! awk '$3 == "hugetlbfs" { found = 1 } END { exit !found }' /proc/mounts; then
		sl_log "mounting hugetlbfs at /dev/hugepages"
		mkdir -p /dev/hugepages || return 1
		mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages || return 1
	fi
	return 0
}

# sl_tmpdir: create $SL_TMP once per run (short path: it holds the CLI unix socket).
sl_tmpdir() {
	if [ -z "$SL_TMP" ] || [ ! -d "$SL_TMP" ]; then
		SL_TMP=$(mktemp -d "/tmp/sluice-$SL_NAME.XXXXXX") || sl_die "mktemp failed"
		SL_TMP_OWNED=1
	fi
}

# Remove namespaces "$SL_NS_PREFIX-PID-*" whose PID no longer runs (a run that was killed
# before its trap could clean up).
sl_ns_reap_stale() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		case $ns in
		"$SL_NS_PREFIX"-*-*) ;;
		*) continue ;;
		esac
		pid=${ns#"$SL_NS_PREFIX"-}
		pid=${pid%%-*}
		case $pid in
		'' | *[!0-9]*) continue ;;
		esac
		if [ "$pid" != "$$" ] && ! kill -0 "$pid" 2>/dev/null; then
			sl_log "removing stale namespace $ns (pid $pid is gone)"
			ip netns del "$ns" 2>/dev/null || true
		fi
	done
}

# sl_ns_create SUFFIX: create namespace "$SL_NS_PREFIX-$$-SUFFIX" with lo up and IPv6 off
# (no router solicitations or MLD reports to disturb exact packet counts). The name is
# left in SL_NS_LAST.
sl_ns_create() {
	local ns="$SL_NS_PREFIX-$$-$1"
	sl_ns_reap_stale
	ip netns add "$ns" || sl_die "cannot create namespace $ns"
	SL_NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true
	SL_NS_LAST=$ns
}

sl_ns_delete() {
	local ns=$1 i
	ip netns del "$ns" 2>/dev/null || true
	for i in "${!SL_NAMESPACES[@]}"; do
		if [ "${SL_NAMESPACES[$i]}" = "$ns" ]; then unset 'SL_NAMESPACES[i]'; fi
	done
	return 0
}

sl_ns_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# sl_tap_to_ns IFACE NS ADDR/LEN [MAC]
# The net_tap PMD creates IFACE in the root namespace and opens its queues by name at port
# set-up: call this only after sluice logged `ready`, or the PMD silently re-creates the
# interface in the root namespace. net_tap gives the kernel side the same MAC as the DPDK
# port; pass MAC to give the Linux peer a distinct one, as a real neighbour would have.
sl_tap_to_ns() {
	local ifc=$1 ns=$2 addr=$3 mac=${4:-}
	ip link show dev "$ifc" >/dev/null 2>&1 || {
		sl_warn "interface $ifc does not exist in the root namespace"
		return 1
	}
	ip link set dev "$ifc" netns "$ns" || return 1
	# The move re-registers the device: make sure IPv6 stays off on it.
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1" >/dev/null 2>&1 || true
	if [ -n "$mac" ]; then
		ip -n "$ns" link set dev "$ifc" address "$mac" || return 1
	fi
	ip -n "$ns" addr add "$addr" dev "$ifc" || return 1
	ip -n "$ns" link set dev "$ifc" up || return 1
}

# sl_ns_mac NS IFACE: the MAC of IFACE inside NS, lower case.
sl_ns_mac() {
	ip netns exec "$1" cat "/sys/class/net/$2/address"
}

# sl_ns_counter NS IFACE COUNTER: a kernel interface counter (rx_packets, tx_bytes, ...).
sl_ns_counter() {
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
}

sl_sluice_bin() {
	if [ -z "${SLUICE:-}" ]; then
		SLUICE="${SL_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}/build/app/sluice"
	fi
	[ -x "$SLUICE" ] || sl_die "sluice binary not found at $SLUICE (run scripts/setup.sh, or set SLUICE)"
}

# sl_sluice_start CONF [EAL ARG...]
# Starts sluice in the background with the CLI on a unix socket and waits (up to
# $SL_READY_TIMEOUT s) for the `ready` log line. --no-pci and --in-memory are always
# passed (the VM's own virtio NIC must never be probed), with a per-run file prefix so
# parallel runs do not share a runtime directory. Returns non-zero, with the log shown,
# when sluice exits or does not get ready in time.
sl_sluice_start() {
	local conf=$1 waited=0 limit
	shift
	sl_sluice_bin
	sl_tmpdir
	local n=${#SL_PIDS[@]}
	SL_SOCK="$SL_TMP/cli$n.sock"
	SL_LOG="$SL_TMP/sluice$n.log"
	SL_LOGS+=("$SL_LOG")
	rm -f "$SL_SOCK"
	local eal=(--no-pci --in-memory "--file-prefix=sl${$}_$n" "$@")
	sl_log "starting: $SLUICE ${eal[*]} -- -f $conf --cli-socket $SL_SOCK"
	"$SLUICE" "${eal[@]}" -- -f "$conf" --cli-socket "$SL_SOCK" </dev/null >"$SL_LOG" 2>&1 &
	SL_SLUICE_PID=$!
	SL_PIDS+=("$SL_SLUICE_PID")
	limit=$((SL_READY_TIMEOUT * 10))
	while ! grep -qw ready "$SL_LOG" 2>/dev/null; do
		if ! kill -0 "$SL_SLUICE_PID" 2>/dev/null; then
			SL_SLUICE_RC=0
			wait "$SL_SLUICE_PID" 2>/dev/null || SL_SLUICE_RC=$?
			sl_warn "sluice exited with status $SL_SLUICE_RC before it was ready; its log:"
			sed 's/^/    | /' "$SL_LOG" >&2
			SL_SLUICE_PID=
			return 1
		fi
		if [ "$waited" -ge "$limit" ]; then
			sl_warn "sluice not ready after ${SL_READY_TIMEOUT}s; its log:"
			sed 's/^/    | /' "$SL_LOG" >&2
			return 1
		fi
		sleep 0.1
		waited=$((waited + 1))
	done
	# The socket may be bound just after the ready line.
	waited=0
	while [ ! -S "$SL_SOCK" ] && [ "$waited" -lt 50 ]; do
		sleep 0.1
		waited=$((waited + 1))
	done
	[ -S "$SL_SOCK" ] || {
		sl_warn "sluice is ready but its CLI socket $SL_SOCK does not exist"
		return 1
	}
	sl_log "sluice is ready (pid $SL_SLUICE_PID)"
}

# sl_cli CMD...: run one CLI command through the socket; EOF on stdin ends the session.
# Output on stdout. Bounded: socat waits up to 5 s for the answer, 15 s in all.
sl_cli() {
	local sock=${SL_CLI_SOCK:-$SL_SOCK}
	[ -S "$sock" ] || {
		sl_warn "no CLI socket at '$sock'"
		return 1
	}
	printf '%s\n' "$*" | timeout 15 socat -t 5 - "UNIX-CONNECT:$sock"
}

# sl_sluice_stop [TIMEOUT]: SIGTERM by PID, wait up to TIMEOUT s (default 15), then SIGKILL.
# The exit status lands in SL_SLUICE_RC (137 when it had to be killed).
sl_sluice_stop() {
	local timeout=${1:-15} pid=$SL_SLUICE_PID i
	SL_SLUICE_RC=
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < timeout * 10; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			sl_warn "sluice (pid $pid) still running ${timeout}s after SIGTERM: SIGKILL"
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	SL_SLUICE_RC=0
	wait "$pid" 2>/dev/null || SL_SLUICE_RC=$?
	SL_SLUICE_PID=
	local j
	for j in "${!SL_PIDS[@]}"; do
		if [ "${SL_PIDS[$j]}" = "$pid" ]; then unset 'SL_PIDS[j]'; fi
	done
	return 0
}

# sl_port_stat TEXT PORT KEY: from `show port stats all` output TEXT, the value of KEY
# (e.g. RX-packets) of PORT, given by name (the one in parentheses in the header) or by
# number. Prints nothing when not found.
sl_port_stat() {
	printf '%s\n' "$1" | awk -v want="$2" -v key="$3:" '
		/NIC statistics for port/ {
			name = ""; num = ""
			if (match($0, /\([^)]*\)/))
				name = substr($0, RSTART + 1, RLENGTH - 2)
			for (i = 1; i < NF; i++)
				if ($i == "port") { num = $(i + 1); break }
			cur = (want == name || want == num)
			next
		}
		cur {
			for (i = 1; i < NF; i++)
				if ($i == key) { print $(i + 1); exit }
		}'
}

# sl_cleanup: stop what this run started (by PID), delete its namespaces, and show the
# logs when the script is failing. Installed by sl_cleanup_trap.
sl_cleanup() {
	local rc=$? pid ns f
	trap - EXIT INT TERM
	set +e
	for pid in "${SL_PIDS[@]}"; do
		[ -n "$pid" ] || continue
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null
			for _ in $(seq 1 50); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
		fi
		wait "$pid" 2>/dev/null || true
	done
	for ns in "${SL_NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ "$rc" -ne 0 ]; then
		for f in "${SL_LOGS[@]}"; do
			[ -s "$f" ] || continue
			printf '[%s] ---- %s ----\n' "$SL_NAME" "$f" >&2
			sed 's/^/    | /' "$f" >&2
		done
	fi
	if [ -n "${SL_TMP_OWNED:-}" ] && [ -z "${SL_KEEP_TMP:-}" ]; then
		rm -rf "$SL_TMP"
	elif [ -n "$SL_TMP" ]; then
		sl_log "logs kept in $SL_TMP"
	fi
	exit "$rc"
}

sl_cleanup_trap() {
	trap sl_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# ---- HTTP backends for the integration tests (tests/integration/test_http_*.sh) ---------
#   sl_pid_stop PID [TIMEOUT]        SIGTERM by PID, wait up to TIMEOUT s (default 10),
#                                    SIGKILL; forgets PID in SL_PIDS; status in SL_PID_RC
#   sl_wait_listen NS ADDR:PORT [S [PID]]
#                                    wait up to S s (default 10) for a TCP listener in NS
#                                    (fails at once when PID exits)
#   sl_nginx_conf TEMPLATE OUT NAME ADDR DIR ROOT
#                                    fill @NAME@ @ADDR@ @DIR@ @ROOT@ of an nginx template
#   sl_nginx_start NS CONF ADDR:PORT start `nginx -c CONF` (daemon off) as root in NS and
#                                    wait for its listener; sets SL_NGINX_PID
#   sl_pybackend_start NS LOG ADDR:PORT...
#                                    start tests/integration/http_backend.py in NS, logging
#                                    requests to LOG, and wait for it; sets SL_PYBACKEND_PID

# shellcheck disable=SC2034 # SL_PID_RC is for the callers
sl_pid_stop() {
	local pid=$1 timeout=${2:-10} i j
	SL_PID_RC=
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < timeout * 10; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			sl_warn "pid $pid still running ${timeout}s after SIGTERM: SIGKILL"
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	SL_PID_RC=0
	wait "$pid" 2>/dev/null || SL_PID_RC=$?
	for j in "${!SL_PIDS[@]}"; do
		if [ "${SL_PIDS[$j]}" = "$pid" ]; then unset 'SL_PIDS[j]'; fi
	done
	return 0
}

sl_wait_listen() {
	local ns=$1 ep=$2 limit=$((${3:-10} * 10)) pid=${4:-} i
	for ((i = 0; i < limit; i++)); do
		if ip netns exec "$ns" ss -Hltn "src $ep" 2>/dev/null | grep -q .; then
			return 0
		fi
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			sl_warn "pid $pid exited before listening on $ep"
			return 1
		fi
		sleep 0.1
	done
	sl_warn "nothing listens on $ep in $ns after $((limit / 10))s"
	return 1
}

sl_nginx_conf() {
	local tpl=$1 out=$2 name=$3 addr=$4 dir=$5 root=$6
	mkdir -p "$dir" || return 1
	sed -e "s|@NAME@|$name|g" -e "s|@ADDR@|$addr|g" -e "s|@DIR@|$dir|g" \
		-e "s|@ROOT@|$root|g" "$tpl" >"$out"
}

sl_nginx_start() {
	local ns=$1 conf=$2 ep=$3 dir
	dir=$(dirname "$conf")
	command -v nginx >/dev/null || {
		sl_warn "nginx is not installed (scripts/setup.sh installs nginx-light)"
		return 1
	}
	SL_LOGS+=("$dir/nginx.out")
	# `ip netns exec` execs nginx: $! is nginx's own PID.
	ip netns exec "$ns" nginx -c "$conf" -g 'daemon off;' </dev/null >"$dir/nginx.out" 2>&1 &
	SL_NGINX_PID=$!
	SL_PIDS+=("$SL_NGINX_PID")
	if ! sl_wait_listen "$ns" "$ep" 10 "$SL_NGINX_PID"; then
		sed 's/^/    | /' "$dir/nginx.out" "$dir/error.log" >&2 2>/dev/null
		return 1
	fi
	kill -0 "$SL_NGINX_PID" 2>/dev/null
}

sl_pybackend_start() {
	local ns=$1 log=$2 ready i a
	shift 2
	sl_tmpdir
	ready="$SL_TMP/pybackend.$RANDOM.ready"
	local args=()
	for a in "$@"; do args+=(--listen "$a"); done
	SL_LOGS+=("$SL_TMP/pybackend.out")
	ip netns exec "$ns" python3 "${SL_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}/tests/integration/http_backend.py" \
		"${args[@]}" --log "$log" --ready-file "$ready" --lifetime 900 \
		</dev/null >>"$SL_TMP/pybackend.out" 2>&1 &
	SL_PYBACKEND_PID=$!
	SL_PIDS+=("$SL_PYBACKEND_PID")
	for ((i = 0; i < 100; i++)); do
		[ -e "$ready" ] && return 0
		kill -0 "$SL_PYBACKEND_PID" 2>/dev/null || break
		sleep 0.1
	done
	sl_warn "the python backend did not get ready:"
	sed 's/^/    | /' "$SL_TMP/pybackend.out" >&2
	return 1
}

# sl_http_topology CONF [EAL ARG...]
#   The HTTP tests' topology: client namespace SL_NSC with SL_IFC 10.77.1.2/24 on the
#   gateway's port "front" (net_tap0, 10.77.1.1), backend namespace SL_NSB with SL_IFB
#   holding 10.77.2.11, .12 and .13 /24 on port "back" (net_tap1, 10.77.2.1). Starts
#   sluice with CONF (lcores 0-1, or the EAL words in SL_HTTP_LCORES) and moves the taps
#   after `ready`.
#   With SL_HTTP_DIRECT=1 (a self-test of the harness, no gateway): one namespace, the
#   backend addresses on its lo, SL_NSC = SL_NSB; the client talks to the
#   backends directly, so every check that needs the gateway is expected to fail.
sl_http_topology() {
	local conf=$1
	shift
	SL_IFC="sl_c$$"
	SL_IFB="sl_s$$"
	if [ -n "${SL_HTTP_DIRECT:-}" ]; then
		sl_ns_create hb
		SL_NSB=$SL_NS_LAST
		SL_NSC=$SL_NSB
		SL_IFB=lo # no dummy module on every kernel: lo holds the addresses
		ip -n "$SL_NSB" addr add 10.77.2.11/24 dev "$SL_IFB" || return 1
	else
		sl_ns_create hc
		SL_NSC=$SL_NS_LAST
		sl_ns_create hb
		SL_NSB=$SL_NS_LAST
		# shellcheck disable=SC2086 # SL_HTTP_LCORES is EAL words: "--lcores 0@0,1@1,2@1"
		sl_sluice_start "$conf" ${SL_HTTP_LCORES:--l 0-1} "--vdev=net_tap0,iface=$SL_IFC" \
			"--vdev=net_tap1,iface=$SL_IFB" '--log-level=*:info' "$@" || return 1
		sl_tap_to_ns "$SL_IFC" "$SL_NSC" 10.77.1.2/24 02:77:01:00:00:02 || return 1
		sl_tap_to_ns "$SL_IFB" "$SL_NSB" 10.77.2.11/24 02:77:02:00:00:0b || return 1
	fi
	ip -n "$SL_NSB" addr add 10.77.2.12/24 dev "$SL_IFB" || return 1
	ip -n "$SL_NSB" addr add 10.77.2.13/24 dev "$SL_IFB" || return 1
}

# sl_http_backends_start ROOT [nginx|python|both]
#   nginx-light on 10.77.2.11-13:8080 (body of /: backend-11, -12, -13; ROOT/files/ served
#   with sendfile) and/or the python test backend on 10.77.2.11:8081 logging to
#   $SL_TMP/pybackend.log. Sets SL_NGINX_PID_11/12/13, SL_PYBACKEND_PID, SL_PYLOG.
sl_http_backends_start() {
	local root=$1 what=${2:-both} n src
	src=${SL_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
	sl_tmpdir
	if [ "$what" != python ]; then
		for n in 11 12 13; do
			sl_nginx_conf "$src/tests/integration/nginx/backend.conf.in" \
				"$SL_TMP/nginx$n/nginx.conf" "backend-$n" "10.77.2.$n" \
				"$SL_TMP/nginx$n" "$root" || return 1
			SL_LOGS+=("$SL_TMP/nginx$n/error.log")
			sl_nginx_start "$SL_NSB" "$SL_TMP/nginx$n/nginx.conf" "10.77.2.$n:8080" || return 1
			printf -v "SL_NGINX_PID_$n" '%s' "$SL_NGINX_PID"
		done
	fi
	if [ "$what" != nginx ]; then
		SL_PYLOG="$SL_TMP/pybackend.log"
		: >"$SL_PYLOG"
		sl_pybackend_start "$SL_NSB" "$SL_PYLOG" 10.77.2.11:8081 || return 1
	fi
}

# ---- TCP test helpers (tests/integration/test_tcp_*.sh) ---------------------------

# sl_tcp_stats_kv TEXT: `show tcp stats` output as name=value lines, summed over the workers
# (the "all workers" block, printed when there are several, is skipped). Names:
# slots_in_use segments_in segments_out payload_in payload_out active_opens passive_opens
# established timed_out resets_sent resets_received challenge_acks retransmits rtx_timeout
# rtx_fast rtx_syn persist_probes out_of_order duplicates sack_blocks_in cookies_sent
# cookies_validated tw_reclaimed tw_overflow, and drop_REASON for each non-zero drop reason.
sl_tcp_stats_kv() {
	printf '%s\n' "$1" | awk '
		function nums(names,   n, i, k, line, v) {
			n = split(names, k, " ")
			line = $0
			gsub(/[^0-9]+/, " ", line)
			split(line, v, " ")
			for (i = 1; i <= n; i++) s[k[i]] += v[i]
		}
		/^all workers/ { skip = 1; next }
		/^worker [0-9]+ / {
			skip = 0
			if (match($0, /: [0-9]+ connection slot/)) {
				split(substr($0, RSTART + 2), w, " "); s["slots_in_use"] += w[1]
			}
			next
		}
		skip { next }
		/^ *segments in:/ { nums("segments_in segments_out payload_in payload_out") }
		/^ *active opens:/ { nums("active_opens passive_opens established timed_out") }
		/^ *resets sent:/ { nums("resets_sent resets_received challenge_acks") }
		/^ *retransmits:/ { nums("retransmits rtx_timeout rtx_fast rtx_syn persist_probes tlp_probes") }
		/^ *out of order:/ { nums("out_of_order duplicates sack_blocks_in") }
		/^ *SYN cookies sent:/ { nums("cookies_sent cookies_validated tw_reclaimed tw_overflow") }
		/^ *drops:/ {
			for (i = 2; i <= NF; i++) if ($i ~ /^[a-z_0-9]+=[0-9]+$/) {
				split($i, kv, "="); s["drop_" kv[1]] += kv[2]
			}
		}
		END { for (k in s) print k "=" s[k] }' | sort
}

# sl_tcp_stat TEXT NAME: one counter of sl_tcp_stats_kv (0 when absent, e.g. a drop reason
# that never happened). Prints nothing when TEXT holds no worker block at all.
sl_tcp_stat() {
	local kv
	kv=$(sl_tcp_stats_kv "$1")
	[ -n "$kv" ] || return 0
	printf '%s\n' "$kv" | awk -F= -v k="$2" '$1 == k { v = $2 } END { print v + 0 }'
}

# sl_conn_count TEXT [STATE]: from `show connections [count]` output, the total number of
# connections, or of those in STATE (ESTABLISHED, TIME_WAIT, ...; 0 when none). Prints
# nothing when the summary line is missing (a worker did not answer, no output).
sl_conn_count() {
	printf '%s\n' "$1" | awk -v st="${2:-}" '
		/^[0-9]+ connection\(s\)/ {
			found = 1; total = $1
			for (i = 3; i <= NF; i++) { split($i, kv, "="); n[kv[1]] = kv[2] }
		}
		END {
			if (!found) exit
			if (st == "") print total; else print n[st] + 0
		}'
}

# sl_ns_snmp NS PROTO FIELD: a counter of /proc/net/snmp inside NS (e.g. Tcp RetransSegs).
sl_ns_snmp() {
	ip netns exec "$1" cat /proc/net/snmp | awk -v p="$2:" -v f="$3" '
		$1 == p && !hdr { for (i = 2; i <= NF; i++) if ($i == f) col = i; hdr = 1; next }
		$1 == p && hdr && col { print $col; exit }'
}

# sl_json FILE KEY: a value of the last one-line JSON object in FILE (KEY may be a.b for
# nested keys; booleans print as true/false); nothing when FILE is not JSON, lacks KEY or
# the value is null.
sl_json() {
	python3 - "$1" "$2" <<'PYEOF' 2>/dev/null
import json, sys
try:
    with open(sys.argv[1]) as f:
        lines = [l for l in f if l.lstrip().startswith("{")]
    v = json.loads(lines[-1])
    for k in sys.argv[2].split("."):
        v = v[k]
except Exception:
    sys.exit(0)
if isinstance(v, bool):
    print("true" if v else "false")
elif isinstance(v, (dict, list)):
    print(json.dumps(v))
elif v is not None:
    print(v)
PYEOF
}

# sl_bg_start VAR CMD...: run CMD in the background, tracked for sl_cleanup (stopped by PID
# on exit); its PID goes into the variable VAR.
sl_bg_start() {
	local var=$1
	shift
	"$@" &
	SL_PIDS+=("$!")
	printf -v "$var" '%s' "$!"
}

# sl_bg_wait PID: wait for a process started by sl_bg_start; its exit status is returned
# and it is no longer tracked.
sl_bg_wait() {
	local pid=$1 rc=0 j
	wait "$pid" 2>/dev/null || rc=$?
	for j in "${!SL_PIDS[@]}"; do
		if [ "${SL_PIDS[$j]}" = "$pid" ]; then unset 'SL_PIDS[j]'; fi
	done
	return "$rc"
}

# sl_sluice_gone: true (0) when the sluice started by sl_sluice_start is no longer
# running, with a warning and the tail of its log (a crash, or a kill from outside,
# in the middle of a test).
sl_sluice_gone() {
	[ -n "$SL_SLUICE_PID" ] || return 1
	kill -0 "$SL_SLUICE_PID" 2>/dev/null && return 1
	sl_warn "sluice (pid $SL_SLUICE_PID) is no longer running; the end of its log:"
	tail -n 5 "$SL_LOG" 2>/dev/null | sed 's/^/    | /' >&2
	if grep -Eq 'signal [0-9]+: stopping' "$SL_LOG" 2>/dev/null; then
		sl_warn "it was sent a signal this script did not send: killed from outside (by name?)"
	fi
	return 0
}

# ---- DPDK runtime directories (tests/integration/test_multiworker.sh) -------------------
# EAL creates /var/run/dpdk/PREFIX (the telemetry socket lives there, --in-memory or not)
# and leaves the directory behind when the process exits; sl_sluice_start's prefix is
# "sl<PID of the script>_<N>". These remove them, only for processes that are gone.
#   sl_dpdk_track                  remember $SL_SLUICE_PID's --file-prefix (call right after
#                                  sl_sluice_start); sets SL_DPDK_PREFIX
#   sl_dpdk_rundir PREFIX          the runtime directory of PREFIX (EAL's rule)
#   sl_dpdk_rundir_remove PREFIX   remove it, unless a process still has a socket bound in it
#   sl_dpdk_rundirs_cleanup        remove the tracked directories whose sluice has exited
#   sl_dpdk_rundirs_reap_stale     remove "sl<PID>_<N>" directories whose PID is gone
#   sl_sluice_stop_rundir [TIMEOUT]
#                                  sl_sluice_stop, then remove that sluice's directory
#   sl_cleanup_trap_dpdk           sl_cleanup_trap whose EXIT trap first stops the tracked
#                                  sluice processes and removes their runtime directories
SL_DPDK_TRACKED=()	# "PID:PREFIX" of each sluice given to sl_dpdk_track
SL_DPDK_PREFIX=

sl_dpdk_rundir() {
	local base
	if [ "$(id -u)" -eq 0 ]; then base=/var/run; else base=${XDG_RUNTIME_DIR:-/tmp}; fi
	printf '%s/dpdk/%s\n' "$base" "$1"
}

sl_dpdk_track() {
	local pid=$SL_SLUICE_PID prev= a
	SL_DPDK_PREFIX=
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
	while IFS= read -r -d '' a; do
		case $a in
		--file-prefix=*) SL_DPDK_PREFIX=${a#--file-prefix=} ;;
		*) [ "$prev" = --file-prefix ] && SL_DPDK_PREFIX=$a ;;
		esac
		prev=$a
	done <"/proc/$pid/cmdline"
	[ -n "$SL_DPDK_PREFIX" ] || SL_DPDK_PREFIX=rte
	SL_DPDK_TRACKED+=("$pid:$SL_DPDK_PREFIX")
}

# A unix socket bound under DIR (telemetry, mp_socket) means a process still uses it.
sl_dpdk_rundir_busy() {
	awk -v d="$1/" 'index($NF, d) == 1 { f = 1 } END { exit !f }' /proc/net/unix 2>/dev/null
}

sl_dpdk_rundir_remove() {
	local p=$1 dir
	case $p in
	'' | . | .. | */*) return 1 ;;
	esac
	dir=$(sl_dpdk_rundir "$p")
	[ -d "$dir" ] || return 0
	if sl_dpdk_rundir_busy "$dir"; then
		sl_warn "DPDK runtime directory $dir is still in use: kept"
		return 1
	fi
	rm -rf -- "$dir"
}

sl_dpdk_rundirs_cleanup() {
	local i pid
	for i in "${!SL_DPDK_TRACKED[@]}"; do
		pid=${SL_DPDK_TRACKED[$i]%%:*}
		kill -0 "$pid" 2>/dev/null && continue
		sl_dpdk_rundir_remove "${SL_DPDK_TRACKED[$i]#*:}" && unset 'SL_DPDK_TRACKED[i]'
	done
	return 0
}

sl_dpdk_rundirs_reap_stale() {
	local d name pid n=0 root
	root=$(dirname "$(sl_dpdk_rundir x)")
	for d in "$root"/sl*_*; do
		[ -d "$d" ] || continue
		name=${d##*/}
		[[ $name =~ ^sl([0-9]+)_[0-9]+$ ]] || continue
		pid=${BASH_REMATCH[1]}
		[ "$pid" != "$$" ] || continue
		kill -0 "$pid" 2>/dev/null && continue
		sl_dpdk_rundir_busy "$d" && continue
		rm -rf -- "$d" && n=$((n + 1))
	done
	[ "$n" -eq 0 ] || sl_log "removed $n stale DPDK runtime director$([ "$n" -eq 1 ] && echo y || echo ies) ($root/sl<PID>_<N> of runs that are gone)"
	return 0
}

sl_sluice_stop_rundir() {
	sl_sluice_stop "$@"
	sl_dpdk_rundirs_cleanup
}

sl_cleanup_dpdk() {
	local rc=$? e pid i
	set +e
	for e in "${SL_DPDK_TRACKED[@]}"; do
		pid=${e%%:*}
		kill -0 "$pid" 2>/dev/null || continue
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		for i in "${!SL_PIDS[@]}"; do
			if [ "${SL_PIDS[$i]}" = "$pid" ]; then unset 'SL_PIDS[i]'; fi
		done
	done
	sl_dpdk_rundirs_cleanup
	sl_dpdk_rundirs_reap_stale
	(exit "$rc")
	sl_cleanup
}

sl_cleanup_trap_dpdk() {
	trap sl_cleanup_dpdk EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# ---- Benchmark helpers (scripts/bench.sh) ------------------------------------------------
#   sl_veth_add NS_A IF_A NS_B IF_B  a veth pair created straight into two namespaces (it
#                                    never exists in the root namespace), both ends up
#   sl_sluice_start_ns NS CONF [EAL ARG...]
#                                    sl_sluice_start with sluice running inside NS (ip netns
#                                    exec execs it: SL_SLUICE_PID is sluice's own PID)
#   sl_pid_cpu_ticks PID             utime + stime of PID (all its threads), clock ticks
#                                    (/proc/PID/stat fields 14 and 15; `getconf CLK_TCK` a second)
#   sl_lcores_busy TEXT              from `show lcores` output: "BUSY_CYCLES TSC_HZ", the busy
#                                    cycles summed over the workers; nothing when TEXT has none

sl_veth_add() {
	local nsa=$1 ifa=$2 nsb=$3 ifb=$4
	ip link add "$ifa" netns "$nsa" type veth peer name "$ifb" netns "$nsb" || return 1
	ip netns exec "$nsa" sysctl -qw "net.ipv6.conf.$ifa.disable_ipv6=1" >/dev/null 2>&1 || true
	ip netns exec "$nsb" sysctl -qw "net.ipv6.conf.$ifb.disable_ipv6=1" >/dev/null 2>&1 || true
	ip -n "$nsa" link set dev "$ifa" up || return 1
	ip -n "$nsb" link set dev "$ifb" up
}

sl_sluice_start_ns() {
	local ns=$1 wrapper
	shift
	sl_sluice_bin
	sl_tmpdir
	# A one-line wrapper in place of the binary, so that sl_sluice_start does the rest
	# (socket, log, ready wait) unchanged.
	wrapper="$SL_TMP/sluice-in-$ns"
	printf '#!/bin/sh\nexec ip netns exec %q %q "$@"\n' "$ns" "$SLUICE" >"$wrapper" || return 1
	chmod +x "$wrapper" || return 1
	SLUICE=$wrapper sl_sluice_start "$@"
}

sl_pid_cpu_ticks() {
	# The command name (field 2) may hold blanks: count fields after its closing ')'.
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null
}

sl_lcores_busy() {
	printf '%s\n' "$1" | awk '
		/^ *busy: [0-9]+ cycles/ {
			n++; busy += $2
			if (match($0, /at [0-9]+ Hz/)) hz = substr($0, RSTART + 3, RLENGTH - 6)
		}
		END { if (n) printf "%.0f %s\n", busy, hz }'
}
