#!/usr/bin/env bash
# tests/integration/test_multiworker.sh — two workers, software RSS steering on net_tap.
#
# Topology (configs/multiworker.ini; names carry this script's PID):
#
#   client ns  sl_mcPID 10.77.1.2/24 ──net_tap0── front 10.77.1.1 ┐  VIP :80 http (pool web,
#                                                                  ├ sluice   round robin)
#   backend ns sl_mbPID 10.77.2.11/24 ─net_tap1── back 10.77.2.1  ┘  VIP :7 echo
#              + 10.77.2.12/24, nginx-light on 10.77.2.11:8080 and 10.77.2.12:8080
#
# The same namespaces and nginx serve two gateway runs:
#   A. one worker (-l 0-1): wrk -t2 -c200 -d10s, the throughput reference;
#   B. two workers on one CPU (--lcores 0@0,1@1,2@1, main lcore on CPU 0, workers 1 and 2
#      on CPU 1, idle back-off on): each net_tap port has 2 queue pairs, the device cannot
#      report an RSS key, so every TCP packet is steered in software to its owner.
# Checks of run B:
#   1. `show port info all` and /sluice/ports: both ports 2 queues, software steering.
#   2. wrk -t2 -c200 -d10s: no "Socket errors", no "Non-2xx"; req/s and latency reported.
#   3. both workers carry connections: passive opens > 0 and active opens (to backends)
#      > 0 on each worker, each worker >= 20% of the passive opens; /sluice/tcp and
#      `show tcp stats` agree.
#   4. replies reach the worker that owns the connection: `show connections` during the
#      load, every connection's owner recomputed here (Toeplitz, default key, RETA 512 over
#      2 queues) is the worker holding it; no TCP drop no_listener on any worker (a packet
#      at the wrong worker finds no connection and is answered with RST); no RST from the
#      gateway seen by tcpdump on either side; `show backends`: 0 failed to open, 0
#      connection lost mid-request, no 5xx; steering: sum of steered out == sum of steered
#      in once traffic stops, steering ring full == 0, and steering did happen (> 0).
#   5. echo VIP: 20 concurrent connections, each 1 MiB echoed byte-exact (SHA-256).
#   6. ping from the client namespace (ARP/ICMP belong to worker 0): 20/20.
#   7. /sluice/workers lists worker0 and worker1.
#   8. SIGTERM: exit 0, `all N mbufs back in pool`; the DPDK runtime directory is removed.
# And: "1 worker: X req/s, 2 workers: Y req/s"; fails when Y < 0.5 X (two workers share one
# CPU here, so Y >= X is not expected, but adding a worker must not collapse throughput).
#
# Run by meson (suite integration) with SLUICE and SL_SRC set, or by hand as root:
#   SLUICE=build/app/sluice bash tests/integration/test_multiworker.sh
# Exit 0 pass, 1 fail, 77 skip.

SL_NAME=test_multiworker
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SL_SRC=${SL_SRC:-$(cd "$HERE/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR/../../scripts source=lib.sh
. "$SL_SRC/scripts/lib.sh"
CONF="$HERE/configs/multiworker.ini"

if [ "$(id -u)" -ne 0 ]; then
	sl_log "SKIP: needs root (network namespaces, hugepages)"
	exit 77
fi
for t in nginx wrk curl socat tcpdump dpdk-telemetry.py python3; do
	command -v "$t" >/dev/null || {
		sl_log "SKIP: $t is not installed (scripts/setup.sh installs it)"
		exit 77
	}
done
sl_sluice_bin
sl_cleanup_trap_dpdk
sl_tmpdir
sl_hugepages_ensure "$SL_HUGEPAGES_MIN" || sl_die "hugepages are not available (run scripts/setup.sh)"
sl_dpdk_rundirs_reap_stale
T0=$SECONDS

FAILS=0
pass() { sl_log "ok: $*"; }
fail() {
	sl_log "FAIL: $*"
	FAILS=$((FAILS + 1))
}
expect_eq() { # expect_eq WHAT GOT WANT
	if [ "$2" = "$3" ]; then pass "$1 = $2"; else fail "$1 = '$2', expected '$3'"; fi
}
expect_gt0() { # expect_gt0 WHAT GOT
	if [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -gt 0 ]; then pass "$1 = $2 (> 0)"; else fail "$1 = '$2', expected > 0"; fi
}
show() { # show LABEL TEXT
	sl_log "$1:"
	printf '%s\n' "$2" | sed 's/^/    > /' >&2
}

RC=0
timeout 20 "$SLUICE" --check -f "$CONF" >"$SL_TMP/check.out" 2>"$SL_TMP/check.err" || RC=$?
if [ "$RC" = 0 ]; then pass "--check of multiworker.ini"; else
	show "stderr of --check" "$(cat "$SL_TMP/check.err")"
	sl_die "--check of multiworker.ini: exit status $RC"
fi

# ---- namespaces (kept across both gateway runs; nginx is started afresh for each) -------
IFC="sl_mc$$"
IFB="sl_mb$$"
MACC=02:77:01:00:00:02 # net_tap gives the kernel side the port's own MAC: the Linux
MACB=02:77:02:00:00:0b # peers get MACs of their own, as real neighbours have
sl_ns_create mc
NSC=$SL_NS_LAST
sl_ns_create mb
NSB=$SL_NS_LAST
ip netns exec "$NSC" sysctl -qw net.ipv4.ip_local_port_range="1024 65000" || true

nginx_conf() { # nginx_conf N: $SL_TMP/nginxN/nginx.conf for backend-N on 10.77.2.N:8080
	local n=$1 dir="$SL_TMP/nginx$1"
	mkdir -p "$dir"
	cat >"$dir/nginx.conf" <<EOF
user root;
master_process off;
worker_processes 1;
worker_rlimit_nofile 16384;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
	worker_connections 8192;
	multi_accept on;
}
http {
	access_log off;
	keepalive_timeout 75s;
	keepalive_requests 100000;
	server_tokens off;
	client_body_temp_path $dir/client_body;
	proxy_temp_path $dir/proxy;
	fastcgi_temp_path $dir/fastcgi;
	uwsgi_temp_path $dir/uwsgi;
	scgi_temp_path $dir/scgi;
	server {
		listen 10.77.2.$n:8080 backlog=4096;
		location / {
			default_type text/plain;
			return 200 "backend-$n\n";
		}
	}
}
EOF
}
SL_LOGS+=("$SL_TMP/nginx11/error.log" "$SL_TMP/nginx12/error.log")

# gw_start LABEL EAL-ARG...: sluice with CONF, both taps into their namespaces, nginx.
NGINX_PIDS=()
gw_start() {
	local label=$1 i
	shift
	# The taps of the previous run must be gone: the names are reused.
	for ((i = 0; i < 50; i++)); do
		ip link show dev "$IFC" >/dev/null 2>&1 || ip -n "$NSC" link show dev "$IFC" >/dev/null 2>&1 ||
			ip link show dev "$IFB" >/dev/null 2>&1 || ip -n "$NSB" link show dev "$IFB" >/dev/null 2>&1 ||
			break
		sleep 0.1
	done
	sl_log "== gateway $label: $*"
	sl_sluice_start "$CONF" "$@" "--vdev=net_tap0,iface=$IFC" "--vdev=net_tap1,iface=$IFB" \
		'--log-level=*:info' || sl_die "sluice ($label) did not start"
	sl_dpdk_track || sl_die "no file prefix for sluice pid $SL_SLUICE_PID"
	sl_tap_to_ns "$IFC" "$NSC" 10.77.1.2/24 "$MACC" || sl_die "cannot move $IFC into $NSC"
	sl_tap_to_ns "$IFB" "$NSB" 10.77.2.11/24 "$MACB" || sl_die "cannot move $IFB into $NSB"
	ip -n "$NSB" addr add 10.77.2.12/24 dev "$IFB" || sl_die "cannot add 10.77.2.12"
	# The namespace side's queue towards the gateway: 1000 frames overflow with 200+
	# connections opening at once on two shared cores (wrk then sees timeouts).
	ip -n "$NSC" link set dev "$IFC" txqueuelen 10000
	ip -n "$NSB" link set dev "$IFB" txqueuelen 10000
	# A fresh nginx per run: the connections the previous gateway left open when it exited
	# must not meet this run's SYNs (Linux would answer them with an ACK of the old
	# connection, the gateway with a RST).
	for n in 11 12; do
		nginx_conf $n
		sl_nginx_start "$NSB" "$SL_TMP/nginx$n/nginx.conf" "10.77.2.$n:8080" || sl_die "cannot start nginx backend-$n"
		NGINX_PIDS+=("$SL_NGINX_PID")
	done
	local body
	body=$(ip netns exec "$NSC" curl -s --max-time 5 http://10.77.1.1/)
	case $body in
	backend-11 | backend-12) pass "$label: GET / through the gateway: $body" ;;
	*) fail "$label: GET / through the gateway: '$body'" ;;
	esac
}

# gw_stop LABEL: SIGTERM, exit status, mbuf accounting, runtime directory removed; nginx
# stopped.
gw_stop() {
	local label=$1 log=$SL_LOG dir p i
	dir=$(sl_dpdk_rundir "$SL_DPDK_PREFIX")
	sl_sluice_stop_rundir 20
	for p in "${NGINX_PIDS[@]}"; do sl_pid_stop "$p" 10; done
	NGINX_PIDS=()
	expect_eq "$label: exit status of sluice after SIGTERM" "$SL_SLUICE_RC" 0
	if grep -Eq 'all [0-9]+ mbufs back in pool' "$log"; then
		pass "$label: $(grep -Eo 'all [0-9]+ mbufs back in pool' "$log" | tail -n 1)"
	else
		fail "$label: no 'all N mbufs back in pool' line in the log:"
		grep -i mbuf "$log" | sed 's/^/    | /' >&2
	fi
	if [ -e "$dir" ]; then fail "$label: DPDK runtime directory $dir still exists"; else pass "$label: DPDK runtime directory $dir removed"; fi
	# The next run reuses the log's name: keep this one under the run's label.
	mv "$log" "$SL_TMP/sluice-$label.log" || return 0
	for i in "${!SL_LOGS[@]}"; do
		if [ "${SL_LOGS[$i]}" = "$log" ]; then unset 'SL_LOGS[i]'; fi
	done
	SL_LOGS+=("$SL_TMP/sluice-$label.log")
}

# wrk_run LABEL: wrk -t2 -c200 -d10s --latency from the client namespace; sets RPS, P99.
FIG=()
wrk_run() {
	local label=$1 out="$SL_TMP/wrk.$1.out" rc=0 reqs p50 p90 errs non2xx
	sl_log "== $label: wrk -t2 -c200 -d10s --latency http://10.77.1.1/"
	ip netns exec "$NSC" timeout 40 wrk -t2 -c200 -d10s --latency http://10.77.1.1/ >"$out" 2>&1 || rc=$?
	show "wrk $label" "$(cat "$out")"
	reqs=$(awk '/requests in/ { print $1; exit }' "$out")
	RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
	p50=$(awk '$1 == "50%" { print $2 }' "$out")
	p90=$(awk '$1 == "90%" { print $2 }' "$out")
	P99=$(awk '$1 == "99%" { print $2 }' "$out")
	errs=$(grep 'Socket errors' "$out" | sed 's/^ *//')
	non2xx=$(grep 'Non-2xx' "$out" | sed 's/^ *//')
	FIG+=("$(printf '%-10s %10s req/s  p50 %-8s p90 %-8s p99 %-8s %s' "$label" "${RPS:-?}" "${p50:-?}" "${p90:-?}" "${P99:-?}" "${errs:+[$errs]}${non2xx:+[$non2xx]}")")
	sl_log "FIGURES $label: ${reqs:-?} requests, ${RPS:-?} req/s, latency p50 ${p50:-?} p90 ${p90:-?} p99 ${P99:-?}"
	if sl_sluice_gone; then fail "$label: sluice exited during the run"; fi
	expect_eq "$label: wrk exit status" "$rc" 0
	if [ -z "$errs" ]; then pass "$label: no socket errors"; else fail "$label: $errs"; fi
	if [ -z "$non2xx" ]; then pass "$label: no non-2xx/3xx responses"; else fail "$label: $non2xx"; fi
	if [[ $reqs =~ ^[0-9]+$ ]] && [ "$reqs" -ge 1000 ]; then pass "$label: $reqs requests"; else fail "$label: '${reqs:-none}' requests completed"; fi
}

# tel FILE CMD...: telemetry commands into FILE (one JSON object per line).
tel() {
	local f=$1
	shift
	printf '%s\n' "$@" | timeout 10 dpdk-telemetry.py -f "$SL_DPDK_PREFIX" >"$f" 2>&1
}
# tel_kv FILE: "endpoint.entry.key=value" lines for every number and string in FILE.
tel_kv() {
	python3 - "$1" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    line = line.strip()
    if not line.startswith("{"):
        continue
    try:
        d = json.loads(line)
    except ValueError:
        continue
    for ep, v in d.items():
        if not isinstance(v, dict):
            continue
        for ent, kv in v.items():
            if isinstance(kv, dict):
                for k, x in kv.items():
                    print("%s.%s.%s=%s" % (ep.rsplit("/", 1)[-1], ent, k, x))
EOF
}
declare -A T
tel_load() { # tel_load FILE: into T[workers.worker0.rx] etc.
	local k v
	T=()
	while IFS='=' read -r k v; do T[$k]=$v; done < <(tel_kv "$1")
}

# ---- A. one worker ---------------------------------------------------------------------
gw_start 1worker -l 0-1
wrk_run 1worker
RPS1=$RPS P99_1=$P99
show "1 worker: show tcp stats" "$(sl_cli show tcp stats)"
show "1 worker: show backends" "$(sl_cli show backends)"
gw_stop 1worker

# ---- B. two workers --------------------------------------------------------------------
gw_start 2workers --lcores 0@0,1@1,2@1

sl_log "== 1. ports: queues and steering"
PI=$(sl_cli show port info all)
show "show port info all" "$PI"
for p in front back; do
	blk=$(printf '%s\n' "$PI" | awk -v p="($p)" '/Infos for port/ { on = index($0, p) > 0 } on')
	expect_eq "port $p: Queues line" "$(printf '%s\n' "$blk" | sed -n 's/^Queues: \([0-9]* rx, [0-9]* tx\).*/\1/p')" "2 rx, 2 tx"
	st=$(printf '%s\n' "$blk" | sed -n 's/^Steering: //p')
	if [[ $st == "software RSS on port "*"RETA 512 over 2 queues"* ]]; then
		pass "port $p: Steering: $st"
	else
		fail "port $p: Steering line '$st', expected software RSS, RETA 512 over 2 queues"
	fi
done
tel "$SL_TMP/tel.ports" /sluice/ports
tel_load "$SL_TMP/tel.ports"
for p in front back; do
	expect_eq "/sluice/ports $p: steering, queues" "${T[ports.$p.steering]:-} ${T[ports.$p.queues]:-}" "software 2"
done
L0=$(sl_cli show lcores)
show "show lcores before the load" "$L0"

sl_log "== 2. wrk with two workers"
# RSTs either way, from the start of the load to the end of the run (cheap: the kernel
# filter passes only RST segments).
tcpd_start() { # tcpd_start NS IFACE OUT: sets TCPD_PID
	ip netns exec "$1" tcpdump -n -U -s 96 -i "$2" -w "$3" 'tcp[tcpflags] & tcp-rst != 0' \
		</dev/null >"$3.err" 2>&1 &
	TCPD_PID=$!
	SL_PIDS+=("$TCPD_PID")
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q 'listening on' "$3.err" 2>/dev/null && return 0
		sleep 0.1
	done
	sl_warn "tcpdump in $1 did not start: $(cat "$3.err")"
}
tcpd_start "$NSC" "$IFC" "$SL_TMP/rst.client.pcap"
TCPD_C=$TCPD_PID
tcpd_start "$NSB" "$IFB" "$SL_TMP/rst.backend.pcap"
TCPD_B=$TCPD_PID
sl_cli clear port stats all >/dev/null
( sleep 5; sl_cli show connections 10000 >"$SL_TMP/conns.mid" ) &
SNAP_PID=$!
wrk_run 2workers
RPS2=$RPS P99_2=$P99
wait "$SNAP_PID"

sl_log "== 3/4. workers, owners, drops, steering"
# Traffic has stopped: steered out must come to equal steered in (a packet is counted
# out when queued to the ring, in when the owner takes it).
for ((i = 0; i < 20; i++)); do
	tel "$SL_TMP/tel.workers" /sluice/workers
	tel_load "$SL_TMP/tel.workers"
	so=$((${T[workers.worker0.steered_out]:-0} + ${T[workers.worker1.steered_out]:-0}))
	si=$((${T[workers.worker0.steered_in]:-0} + ${T[workers.worker1.steered_in]:-0}))
	[ "$so" = "$si" ] && [ "${PREV:-}" = "$so/$si" ] && break
	PREV="$so/$si"
	sleep 0.5
done
declare -A W
for k in "${!T[@]}"; do W[$k]=${T[$k]}; done
tel "$SL_TMP/tel.tcp" /sluice/tcp
tel_load "$SL_TMP/tel.tcp"
declare -A P
for k in "${!T[@]}"; do P[$k]=${T[$k]}; done
show "/sluice/workers" "$(cat "$SL_TMP/tel.workers")"
show "/sluice/tcp" "$(cat "$SL_TMP/tel.tcp")"
L1=$(sl_cli show lcores)
TS=$(sl_cli show tcp stats)
BK=$(sl_cli show backends)
show "show lcores after the load" "$L1"
show "show tcp stats after the load" "$TS"
show "show backends after the load" "$BK"
show "show net stats" "$(sl_cli show net stats)"

# 7. telemetry lists both workers
for w in worker0 worker1; do
	if [ -n "${W[workers.$w.lcore]:-}" ]; then pass "/sluice/workers lists $w (lcore ${W[workers.$w.lcore]})"; else fail "/sluice/workers does not list $w"; fi
done
expect_eq "/sluice/workers: number of workers" "$(grep -o '"worker[0-9]*": {' "$SL_TMP/tel.workers" | sort -u | wc -l)" 2

# 3. both workers carry connections
cli_tcp() { # cli_tcp WORKER FIELD: from `show tcp stats` (active_opens | passive_opens | resets_sent)
	printf '%s\n' "$TS" | awk -v w="$1" -v f="$2" '
		/^all workers/ { cur = 0; next }
		/^worker [0-9]+ / { cur = ($2 == w); next }
		cur && /active opens:/ { if (f == "active_opens") print $3; if (f == "passive_opens") print $6 }
		cur && /resets sent:/ { if (f == "resets_sent") print $3 }'
}
PO0=${P[tcp.worker0.passive_opens]:-}
PO1=${P[tcp.worker1.passive_opens]:-}
for w in 0 1; do
	expect_gt0 "worker $w passive opens (client connections)" "${P[tcp.worker$w.passive_opens]:-}"
	expect_gt0 "worker $w active opens (backend connections)" "${P[tcp.worker$w.active_opens]:-}"
	expect_eq "worker $w passive opens: show tcp stats vs /sluice/tcp" "$(cli_tcp $w passive_opens)" "${P[tcp.worker$w.passive_opens]:-}"
	expect_eq "worker $w active opens: show tcp stats vs /sluice/tcp" "$(cli_tcp $w active_opens)" "${P[tcp.worker$w.active_opens]:-}"
done
if [[ $PO0 =~ ^[0-9]+$ ]] && [[ $PO1 =~ ^[0-9]+$ ]] && [ $((PO0 + PO1)) -gt 0 ]; then
	share0=$((100 * PO0 / (PO0 + PO1)))
	sl_log "FIGURES passive opens: worker0 $PO0, worker1 $PO1 ($share0% / $((100 - share0))%); active opens: worker0 ${P[tcp.worker0.active_opens]}, worker1 ${P[tcp.worker1.active_opens]}"
	if [ $((5 * PO0)) -ge $((PO0 + PO1)) ] && [ $((5 * PO1)) -ge $((PO0 + PO1)) ]; then
		pass "each worker has >= 20% of the passive opens ($PO0 / $PO1)"
	else
		fail "lopsided: worker0 $PO0, worker1 $PO1 passive opens (each should be >= 20%)"
	fi
fi

# 4a. every connection is held by the worker its received packets hash to.
show "show connections 10000 during the load (first 8 lines, summary)" "$(head -n 8 "$SL_TMP/conns.mid"; tail -n 1 "$SL_TMP/conns.mid")"
OWN=$(python3 - "$SL_TMP/conns.mid" <<'EOF'
import ipaddress, sys
KEY = bytes.fromhex("6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c"
                    "6a42b73bbeac01fa")
KBITS = int.from_bytes(KEY, "big")
KLEN = len(KEY) * 8
def toeplitz(data):
    h = 0
    for i, byte in enumerate(data):
        for b in range(8):
            if byte & (0x80 >> b):
                pos = i * 8 + b
                h ^= (KBITS >> (KLEN - 32 - pos)) & 0xFFFFFFFF
    return h
def owner(src, dst, sport, dport, n=2, reta=512):
    t = (ipaddress.IPv4Address(src).packed + ipaddress.IPv4Address(dst).packed +
         sport.to_bytes(2, "big") + dport.to_bytes(2, "big"))
    return (toeplitz(t) & (reta - 1)) % n
# Microsoft's verification vector (IPv4 TCP): 66.9.149.187:2794 -> 161.142.100.80:1766
assert toeplitz(ipaddress.IPv4Address("66.9.149.187").packed +
                ipaddress.IPv4Address("161.142.100.80").packed +
                (2794).to_bytes(2, "big") + (1766).to_bytes(2, "big")) == 0x51ccc178
n = {"client": 0, "backend": 0}
per = {}
bad = []
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) < 4 or not f[0].isdigit() or ":" not in f[1] or ":" not in f[2]:
        continue
    w = int(f[0])
    la, lp = f[1].rsplit(":", 1)
    ra, rp = f[2].rsplit(":", 1)
    kind = "backend" if ra.startswith("10.77.2.") else "client"
    n[kind] += 1
    per[(w, kind)] = per.get((w, kind), 0) + 1
    # A received packet's tuple: the peer is the source.
    o = owner(ra, la, int(rp), int(lp))
    if o != w:
        bad.append("%s on worker %d, owner %d (%s)" % (kind, w, o, f[3]))
print("client=%d backend=%d bad=%d %s | %s" % (
    n["client"], n["backend"], len(bad),
    " ".join("w%d.%s=%d" % (k[0], k[1], v) for k, v in sorted(per.items())),
    "; ".join(bad[:10])))
EOF
)
sl_log "owners of the connections during the load: $OWN"
read -r own_c own_b own_bad _ <<<"$OWN"
expect_gt0 "client connections listed during the load" "${own_c#client=}"
expect_gt0 "backend connections listed during the load" "${own_b#backend=}"
expect_eq "connections held by a worker other than their owner (Toeplitz recomputed here)" "${own_bad#bad=}" 0

# 4b. no packet found the wrong worker: no RST for want of a connection.
for w in 0 1; do
	sl_log "worker $w: rst_sent ${P[tcp.worker$w.rst_sent]:-?} rst_rcvd ${P[tcp.worker$w.rst_rcvd]:-?} drop_no_listener ${P[tcp.worker$w.drop_no_listener]:-?} drop_state ${P[tcp.worker$w.drop_state]:-?} drop_out_of_window ${P[tcp.worker$w.drop_out_of_window]:-?} rtx_timeout ${P[tcp.worker$w.rtx_timeout]:-?} rtx_syn ${P[tcp.worker$w.rtx_syn]:-?}"
	expect_eq "worker $w TCP drops no_listener (a packet with no connection on that worker)" "${P[tcp.worker$w.drop_no_listener]:-}" 0
done
sl_pid_stop "$TCPD_C" 5
sl_pid_stop "$TCPD_B" 5
rst_gw() { # rst_gw PCAP GWADDR: RSTs sent by the gateway in PCAP (and a few of them)
	local all
	all=$(tcpdump -n -r "$1" 2>/dev/null)
	RST_N=$(printf '%s\n' "$all" | grep -c "IP $2\.")
	RST_SHOW=$(printf '%s\n' "$all" | grep "IP $2\." | head -n 5)
	RST_ALL=$(printf '%s\n' "$all" | grep -c .)
}
rst_gw "$SL_TMP/rst.client.pcap" 10.77.1.1
[ "$RST_N" = 0 ] || show "RSTs from the gateway to the client (first 5)" "$RST_SHOW"
sl_log "client side: $RST_ALL RST segment(s) captured in all"
expect_eq "RST segments from 10.77.1.1 seen in the client namespace" "$RST_N" 0
rst_gw "$SL_TMP/rst.backend.pcap" 10.77.2.1
[ "$RST_N" = 0 ] || show "RSTs from the gateway to the backends (first 5)" "$RST_SHOW"
sl_log "backend side: $RST_ALL RST segment(s) captured in all"
expect_eq "RST segments from 10.77.2.1 seen in the backend namespace" "$RST_N" 0

for b in b11 b12; do
	blk=$(printf '%s\n' "$BK" | awk -v b="backend $b:" 'index($0, b) == 1 { on = 1; print; next } /^backend / { on = 0 } on')
	opened=$(printf '%s\n' "$blk" | sed -n 's/.* \([0-9]*\) opened,.*/\1/p')
	failed=$(printf '%s\n' "$blk" | sed -n 's/.* \([0-9]*\) failed to open.*/\1/p')
	lost=$(printf '%s\n' "$blk" | sed -n 's/.*errors: \([0-9]*\) connection lost mid-request.*/\1/p')
	s5xx=$(printf '%s\n' "$blk" | sed -n 's/.* 5xx=\([0-9]*\).*/\1/p')
	expect_gt0 "backend $b: connections opened" "$opened"
	expect_eq "backend $b: failed to open" "$failed" 0
	expect_eq "backend $b: connection lost mid-request" "$lost" 0
	expect_eq "backend $b: 5xx responses" "$s5xx" 0
done

# 4c. steering counters
so0=${W[workers.worker0.steered_out]:-} so1=${W[workers.worker1.steered_out]:-}
si0=${W[workers.worker0.steered_in]:-} si1=${W[workers.worker1.steered_in]:-}
sl_log "FIGURES steering: worker0 out $so0 in $si0 ring-full ${W[workers.worker0.steer_drop]:-?}; worker1 out $so1 in $si1 ring-full ${W[workers.worker1.steer_drop]:-?}"
expect_eq "steered out (sum over workers) == steered in (sum)" "$((so0 + so1))" "$((si0 + si1))"
expect_eq "worker0 steered out == worker1 steered in (two workers: one ring each way)" "$so0" "$si1"
expect_eq "worker1 steered out == worker0 steered in" "$so1" "$si0"
expect_gt0 "packets steered in software (sum of steered out)" "$((so0 + so1))"
for w in 0 1; do
	expect_eq "worker $w steering ring full" "${W[workers.worker$w.steer_drop]:-}" 0
	expect_eq "worker $w RSS self-test mismatches" "${W[workers.worker$w.rss_mismatch]:-}" 0
	cl=$(printf '%s\n' "$L1" | awk -v w="$w" '/^lcore [0-9]+: worker/ { cur = ($4 == w ",") } cur && /steered out:/ { print $5, $8, $12 }')
	expect_eq "worker $w: show lcores steered out/in/ring full vs /sluice/workers" "$cl" \
		"${W[workers.worker$w.steered_out]:-} ${W[workers.worker$w.steered_in]:-} ${W[workers.worker$w.steer_drop]:-}"
done

# ---- 5. echo through two workers --------------------------------------------------------
sl_log "== 5. echo: 20 concurrent connections x 1 MiB"
PO_BEFORE="${P[tcp.worker0.passive_opens]:-0} ${P[tcp.worker1.passive_opens]:-0}"
rc=0
ip netns exec "$NSC" timeout 90 python3 - 10.77.1.1 7 20 1048576 >"$SL_TMP/echo.json" 2>"$SL_TMP/echo.err" <<'EOF' || rc=$?
import hashlib, json, random, socket, sys, threading, time
host, port, conns, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
res = [None] * conns
def one(i):
    r = {"conn": i, "ok": False}
    data = random.Random(1000 + i).randbytes(size)
    try:
        s = socket.create_connection((host, port), timeout=10)
        s.settimeout(30)
        r["lport"] = s.getsockname()[1]
        err = []
        def send():
            try:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
            except OSError as e:
                err.append("send: %s" % e)
        t = threading.Thread(target=send)
        t.start()
        h, got = hashlib.sha256(), 0
        while True:
            b = s.recv(262144)
            if not b:
                break
            h.update(b)
            got += len(b)
        t.join()
        s.close()
        r.update(received=got, sha_ok=h.hexdigest() == hashlib.sha256(data).hexdigest())
        r["ok"] = got == size and r["sha_ok"] and not err
        if err:
            r["error"] = err[0]
    except OSError as e:
        r["error"] = str(e)
    res[i] = r
t0 = time.monotonic()
ths = [threading.Thread(target=one, args=(i,)) for i in range(conns)]
for t in ths:
    t.start()
for t in ths:
    t.join()
ok = sum(1 for r in res if r and r["ok"])
print(json.dumps({"ok": ok, "conns": conns, "seconds": round(time.monotonic() - t0, 2),
                  "failed": [r for r in res if not (r and r["ok"])]}))
sys.exit(0 if ok == conns else 1)
EOF
sl_log "echo result: $(cat "$SL_TMP/echo.json") $(head -c 500 "$SL_TMP/echo.err")"
expect_eq "echo: connections with 1 MiB echoed byte-exact (SHA-256) of 20" "$(sl_json "$SL_TMP/echo.json" ok)" 20
expect_eq "echo client exit status" "$rc" 0
tel "$SL_TMP/tel.tcp2" /sluice/tcp
tel_load "$SL_TMP/tel.tcp2"
read -r a0 a1 <<<"$PO_BEFORE"
sl_log "echo connections per worker (passive opens): worker0 $((${T[tcp.worker0.passive_opens]:-0} - a0)), worker1 $((${T[tcp.worker1.passive_opens]:-0} - a1))"
for w in 0 1; do
	expect_eq "worker $w TCP drops no_listener after the echo" "${T[tcp.worker$w.drop_no_listener]:-}" 0
done

# ---- 6. ping ------------------------------------------------------------------------------
sl_log "== 6. ping from the client namespace"
got=$(ip netns exec "$NSC" timeout 20 ping -n -q -c 20 -i 0.05 -W 1 -w 15 10.77.1.1 2>&1 |
	awk '/packets transmitted/ { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^received/) print $i }')
expect_eq "echo replies from 10.77.1.1 (20 sent)" "${got:-0}" 20

show "show lcores at the end" "$(sl_cli show lcores)"
show "show port stats all" "$(sl_cli show port stats all)"

# ---- 8. SIGTERM -----------------------------------------------------------------------------
sl_log "== 8. SIGTERM"
gw_stop 2workers

# ---- throughput ---------------------------------------------------------------------------
sl_log "FIGURES:"
for f in "${FIG[@]}"; do sl_log "    $f"; done
sl_log "FIGURES 1 worker: ${RPS1:-?} req/s (p99 ${P99_1:-?}), 2 workers: ${RPS2:-?} req/s (p99 ${P99_2:-?})"
if awk -v x="${RPS1:-}" -v y="${RPS2:-}" 'BEGIN { exit !(x > 0 && y > 0) }'; then
	if awk -v x="$RPS1" -v y="$RPS2" 'BEGIN { exit !(y >= 0.5 * x) }'; then
		pass "2 workers: $RPS2 req/s >= half of 1 worker's $RPS1 req/s"
	else
		fail "throughput collapsed with 2 workers: $RPS2 req/s < half of 1 worker's $RPS1 req/s"
	fi
else
	fail "no req/s figure to compare (1 worker '${RPS1:-}', 2 workers '${RPS2:-}')"
fi

sl_log "runtime: $((SECONDS - T0))s"
if [ "$FAILS" -ne 0 ]; then
	sl_log "$FAILS check(s) failed"
	exit 1
fi
sl_log "all checks passed"
exit 0
