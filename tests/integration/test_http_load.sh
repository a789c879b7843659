#!/usr/bin/env bash
# tests/integration/test_http_load.sh — wrk through the gateway: 50 and 1000 connections.
#
# Topology as test_http_basic.sh (configs/http_load.ini): wrk in the client namespace,
# the VIP 10.77.1.1:80 balancing over three nginx-light servers (10.77.2.11-13:8080,
# keep-alive 75 s, 10000 requests per connection) in the backend namespace.
#
#   0. reference: wrk -c50 -d3s straight to one nginx inside the backend namespace
#      (the kernel's TCP, no gateway): a figure to compare against, not asserted
#   1. wrk -t1 -c50 -d5s --latency http://10.77.1.1/
#   2. wrk -t1 -c1000 -d10s --latency http://10.77.1.1/
# Each run must have no "Socket errors" line (connect, read, write or timeout errors)
# and no "Non-2xx or 3xx responses" line, and complete at least SL_LOAD_MIN_REQS
# requests (default 1000); req/s and the latency percentiles are reported.
# Afterwards a plain GET still works, and SIGTERM stops sluice with every mbuf back.
# The frames the kernel side of each tap dropped and the gateway's retransmissions are
# reported; the taps get a 10000-frame queue (SL_LOAD_TXQLEN, see below).
#
# SL_HTTP_DIRECT=1 runs the same wrk runs against one nginx directly (harness self-test).
# Run by meson (suite integration) with SLUICE and SL_SRC set, or by hand as root:
#   SLUICE=build/app/sluice bash tests/integration/test_http_load.sh
# Exit 0 pass, 1 fail, 77 skip.

SL_NAME=test_http_load
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SL_SRC=${SL_SRC:-$(cd "$HERE/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR/../../scripts source=lib.sh
. "$SL_SRC/scripts/lib.sh"
CONFIGS="$HERE/configs"

if [ "$(id -u)" -ne 0 ]; then
	sl_log "SKIP: needs root (network namespaces, hugepages)"
	exit 77
fi
for t in nginx wrk curl socat; do
	command -v "$t" >/dev/null || {
		sl_log "SKIP: $t is not installed (scripts/setup.sh installs it)"
		exit 77
	}
done
[ -n "${SL_HTTP_DIRECT:-}" ] || sl_sluice_bin
sl_cleanup_trap
sl_tmpdir
[ -n "${SL_HTTP_DIRECT:-}" ] || sl_hugepages_ensure "$SL_HUGEPAGES_MIN" || sl_die "hugepages are not available (run scripts/setup.sh)"
T0=$SECONDS
MIN_REQS=${SL_LOAD_MIN_REQS:-1000}

FAILS=0
pass() { sl_log "ok: $*"; }
fail() {
	sl_log "FAIL: $*"
	FAILS=$((FAILS + 1))
}
show() {
	sl_log "$1:"
	printf '%s\n' "$2" | sed 's/^/    > /' >&2
}

CONF="$CONFIGS/http_load.ini"
if [ -z "${SL_HTTP_DIRECT:-}" ]; then
	RC=0
	timeout 20 "$SLUICE" --check -f "$CONF" >"$SL_TMP/check.out" 2>"$SL_TMP/check.err" || RC=$?
	if [ "$RC" = 0 ]; then pass "--check of http_load.ini"; else
		show "stderr of --check" "$(cat "$SL_TMP/check.err")"
		sl_die "--check of http_load.ini: exit status $RC"
	fi
fi
mkdir -p "$SL_TMP/www/files"
sl_http_topology "$CONF" || sl_die "cannot set the topology up"
sl_http_backends_start "$SL_TMP/www" nginx || sl_die "cannot start nginx"
if [ -n "${SL_HTTP_DIRECT:-}" ]; then
	sl_warn "SL_HTTP_DIRECT: no gateway, wrk goes to nginx directly (harness self-test)"
	URL=http://10.77.2.11:8080/
else
	URL=http://10.77.1.1/
fi
# The kernel queue of a tap interface towards the gateway (txqueuelen, 1000 frames by
# default) is its receive ring. With 1000 connections opening and sending at once, on two
# cores shared by wrk, three nginx and the worker, 1000 frames overflow: ~25000 frames
# dropped in 10 s, the gateway's RTO retransmits them (p99 1.2-1.6 s) and one run in
# three has wrk timeouts (> 5 s). 10000 frames (SL_LOAD_TXQLEN; 1000 to see the above)
# measure the gateway rather than that ring; the drops are reported either way.
SL_LOAD_TXQLEN=${SL_LOAD_TXQLEN:-10000}
if [ "$SL_LOAD_TXQLEN" != 1000 ] && [ -z "${SL_HTTP_DIRECT:-}" ]; then
	ip -n "$SL_NSC" link set dev "$SL_IFC" txqueuelen "$SL_LOAD_TXQLEN"
	ip -n "$SL_NSB" link set dev "$SL_IFB" txqueuelen "$SL_LOAD_TXQLEN"
	sl_log "tap txqueuelen set to $SL_LOAD_TXQLEN"
fi
# 1000 connections from one client address: file descriptors and ephemeral ports.
ip netns exec "$SL_NSC" sysctl -qw net.ipv4.ip_local_port_range="1024 65000" || true
ip netns exec "$SL_NSC" sysctl -qw net.ipv4.tcp_tw_reuse=1 || true

code=$(ip netns exec "$SL_NSC" curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$URL")
if [ "$code" = 200 ]; then pass "GET $URL before the load: 200"; else
	fail "GET $URL before the load: '$code'"
	exit 1
fi

# wrk_run LABEL NS URL CONNS SECS [ASSERT=yes]: run wrk, report, check.
wrk_run() {
	local label=$1 ns=$2 url=$3 conns=$4 secs=$5 assert=${6:-yes} out rc
	out="$SL_TMP/wrk.$label.out"
	sl_log "== $label: wrk -t1 -c$conns -d${secs}s --latency --timeout 5s $url"
	rc=0
	# shellcheck disable=SC2016 # expanded by the inner bash
	ip netns exec "$ns" bash -c 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec timeout "$1" wrk -t1 -c"$2" -d"$3"s --latency --timeout 5s "$4"' \
		_ $((secs + 30)) "$conns" "$secs" "$url" >"$out" 2>&1 || rc=$?
	show "wrk $label" "$(cat "$out")"
	local reqs rps p50 p75 p90 p99 errs non2xx
	reqs=$(awk '/requests in/ { print $1; exit }' "$out")
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
	p50=$(awk '$1 == "50%" { print $2 }' "$out")
	p75=$(awk '$1 == "75%" { print $2 }' "$out")
	p90=$(awk '$1 == "90%" { print $2 }' "$out")
	p99=$(awk '$1 == "99%" { print $2 }' "$out")
	errs=$(grep 'Socket errors' "$out" | sed 's/^ *//')
	non2xx=$(grep 'Non-2xx' "$out" | sed 's/^ *//')
	sl_log "FIGURES $label: c=$conns ${secs}s: ${reqs:-?} requests, ${rps:-?} req/s, latency p50 ${p50:-?} p75 ${p75:-?} p90 ${p90:-?} p99 ${p99:-?}${errs:+, $errs}${non2xx:+, $non2xx}"
	FIG+=("$(printf '%-22s c=%-5s %8s req/s  p50 %-8s p90 %-8s p99 %-8s %s' "$label" "$conns" "${rps:-?}" "${p50:-?}" "${p90:-?}" "${p99:-?}" "${errs:+[$errs]}${non2xx:+[$non2xx]}")")
	[ "$assert" = yes ] || return 0
	if [ -z "${SL_HTTP_DIRECT:-}" ] && sl_sluice_gone; then fail "$label: sluice exited during the run"; fi
	if [ "$rc" = 0 ]; then pass "$label: wrk exit 0"; else fail "$label: wrk exit status $rc"; fi
	if [ -z "$errs" ]; then pass "$label: no socket errors"; else fail "$label: $errs"; fi
	if [ -z "$non2xx" ]; then pass "$label: no non-2xx/3xx responses"; else fail "$label: $non2xx"; fi
	if [[ $reqs =~ ^[0-9]+$ ]] && [ "$reqs" -ge "$MIN_REQS" ]; then
		pass "$label: $reqs requests (>= $MIN_REQS)"
	else
		fail "$label: '${reqs:-none}' requests completed, expected >= $MIN_REQS"
	fi
}

FIG=()
wrk_run reference-nginx "$SL_NSB" http://10.77.2.11:8080/ 50 3 no
[ -z "${SL_HTTP_DIRECT:-}" ] && sl_cli clear port stats all >/dev/null
wrk_run c50 "$SL_NSC" "$URL" 50 5
[ -z "${SL_HTTP_DIRECT:-}" ] && show "show tcp stats after c50" "$(sl_cli show tcp stats)"
wrk_run c1000 "$SL_NSC" "$URL" 1000 10

# Where packets were lost, if any: the kernel side of each tap (its drops and overruns).
if [ -z "${SL_HTTP_DIRECT:-}" ]; then
	show "client ns: ip -s link show $SL_IFC" "$(ip -n "$SL_NSC" -s link show dev "$SL_IFC")"
	show "backend ns: ip -s link show $SL_IFB" "$(ip -n "$SL_NSB" -s link show dev "$SL_IFB")"
	drops_c=$(ip netns exec "$SL_NSC" cat "/sys/class/net/$SL_IFC/statistics/tx_dropped")
	drops_b=$(ip netns exec "$SL_NSB" cat "/sys/class/net/$SL_IFB/statistics/tx_dropped")
	sl_log "FIGURES kernel side of the taps: frames Linux could not queue to the gateway (tx_dropped): client $drops_c, backend $drops_b"
	tcpst=$(sl_cli show tcp stats)
	sl_log "FIGURES gateway TCP after both runs: $(printf '%s\n' "$tcpst" | grep -Eo 'retransmits: [0-9]+ \([^)]*\)' | head -n 1); $(printf '%s\n' "$tcpst" | grep -Eo 'active opens: [0-9]+  passive opens: [0-9]+')"
fi

code=$(ip netns exec "$SL_NSC" curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$URL")
if [ "$code" = 200 ]; then pass "GET $URL after the load: 200"; else fail "GET $URL after the load: '$code'"; fi
show "figures" "$(printf '%s\n' "${FIG[@]}")"

if [ -z "${SL_HTTP_DIRECT:-}" ]; then
	show "show tcp stats" "$(sl_cli show tcp stats)"
	show "show backends" "$(sl_cli show backends)"
	show "show port stats all" "$(sl_cli show port stats all)"
	show "show lcores" "$(sl_cli show lcores)"
	log=$SL_LOG
	if sl_sluice_gone; then fail "sluice exited before the end of the test (before SIGTERM)"; fi
	sl_sluice_stop 30
	if [ "$SL_SLUICE_RC" = 0 ]; then pass "sluice exits 0 on SIGTERM"; else fail "sluice exit status $SL_SLUICE_RC after SIGTERM"; fi
	if grep -Eq 'all [0-9]+ mbufs back in pool' "$log"; then
		pass "$(grep -Eo 'all [0-9]+ mbufs back in pool' "$log" | tail -n 1)"
	else
		fail "no 'all N mbufs back in pool' line in the log"
	fi
fi

sl_log "runtime: $((SECONDS - T0))s"
if [ "$FAILS" -ne 0 ]; then
	sl_log "$FAILS check(s) failed"
	exit 1
fi
sl_log "all checks passed"
exit 0
