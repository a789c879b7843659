#!/usr/bin/env bash
# Every sluice started here goes through sl_sluice_start (scripts/lib.sh), which adds
# --no-pci --in-memory to the EAL options: the VM's own NIC is never probed.
# tests/integration/test_tcp_echo.sh — bulk TCP through the echo and discard services,
# byte-exact, on a clean and on a lossy path, against Linux's TCP.
#
# Topology (names carry this script's PID):
#
#   ns C (client)  vc 10.77.1.2 ──veth──┐
#                                       ├─ br0 in ns W ("wire") ── sl_tPID ──net_tap0── sluice
#   ns P (peer)    vp 10.77.1.3 ──veth──┘   loss: nft bridge forward        port a 10.77.1.1/24
#                                                                           echo :7, discard :9
#
# Loss is injected on the wire, in ns W, on both directions:
#   nft ... hook forward ... iifname vw meta l4proto tcp numgen random mod 100 < N drop
#   (and the same with oifname vw). Why not input/output hooks inside ns C: a packet that
#   the client's own output hook drops is a local send failure to Linux (NF_DROP ->
#   -EPERM from ip_local_out): TCP does not advance SND.NXT and sends the same segment
#   again later, so the gateway never sees a hole and its reassembly is never exercised
#   (64 MiB at 5% that way: 0 out-of-order segments at the gateway). On the bridge, the
#   client's TCP has sent the segment and the gateway's TCP must recover, as on a real
#   network. SL_TCP_LOSS_AT=host selects the input/output-hook method anyway.
#
# Checks, for loss 0%, 2% and 5%:
#   1. 64 MiB sent while receiving, shutdown(SHUT_WR), read to EOF, within a time bound
#      (30 s, 60 s, 90 s): what comes back is what was sent (length and SHA-256; if the bound
#      cuts it short, what did come back must be the start of what was sent), the gateway
#      took in exactly the bytes sent, and no interval without a received byte is longer
#      than RTO backoff explains (2 s at 0%, 10 s under loss).
#   2. under loss: the gateway's retransmit counters (`show tcp stats`) and Linux's
#      (Tcp RetransSegs in ns C) both moved.
#   3. the gateway's port refused no frame (TX-errors of `show port stats` unchanged).
#   Figures: MB/s, duration, longest gap, retransmits, out-of-order, drops, the wire's drop
#   counters, and the same transfer between two Linux hosts on the same wire (ns C -> ns P,
#   a Python echo server with the same half-close behaviour) for comparison (not asserted).
# Then:
#   4. discard: 64 MiB to port 9 on the clean path; nothing comes back; after our FIN the
#      gateway closes cleanly (EOF, no reset); it took in exactly 64 MiB.
#   5. no connection is left; SIGTERM: exit 0, `all N mbufs back in pool`.
#
# Run by meson (suite integration) with SLUICE and SL_SRC set, or by hand as root:
#   SLUICE=build/app/sluice bash tests/integration/test_tcp_echo.sh
# Environment: SL_TCP_ECHO_MB (default 64), SL_TCP_LOSSES (default "0 2 5"),
#   SL_TCP_LOSS_AT (wire|host, default wire), SL_KEEP_TMP=1 keeps the logs,
#   SL_TCP_CAPTURE=1 records each gateway transfer with tcpdump (headers only) on the
#   client's side of the wire into the log folder (implies SL_KEEP_TMP=1).
# Exit 0 pass, 1 fail, 77 skip (not root, or a tool missing).

SL_NAME=test_tcp_echo
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SL_SRC=${SL_SRC:-$(cd "$HERE/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR/../../scripts source=lib.sh
. "$SL_SRC/scripts/lib.sh"
CONFIGS="$HERE/configs"
CLIENT="$HERE/tcp_client.py"
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the source tree

if [ "$(id -u)" -ne 0 ]; then
	sl_log "SKIP: needs root (network namespaces, hugepages)"
	exit 77
fi
for tool in python3 nft ethtool socat; do
	command -v "$tool" >/dev/null || {
		sl_log "SKIP: $tool is not installed"
		exit 77
	}
done
sl_sluice_bin
# With the DPDK runtime-directory helpers of lib.sh, EAL's /var/run/dpdk/PREFIX goes too.
if declare -F sl_cleanup_trap_dpdk >/dev/null; then sl_cleanup_trap_dpdk; else sl_cleanup_trap; fi
sl_tmpdir
sl_hugepages_ensure || sl_die "hugepages are not available (run scripts/setup.sh)"

MB=${SL_TCP_ECHO_MB:-64}
BYTES=$((MB << 20))
LOSSES=${SL_TCP_LOSSES:-0 2 5}
LOSS_AT=${SL_TCP_LOSS_AT:-wire}

FAILS=0
pass() { sl_log "ok: $*"; }
fail() {
	sl_log "FAIL: $*"
	FAILS=$((FAILS + 1))
}
expect_eq() { # expect_eq WHAT GOT WANT
	if [ "$2" = "$3" ]; then pass "$1 = $2"; else fail "$1 = '$2', expected '$3'"; fi
}
expect_ge() { # expect_ge WHAT GOT MIN
	if [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ]; then
		pass "$1 = $2 (>= $3)"
	else
		fail "$1 = '$2', expected >= $3"
	fi
}
expect_le() { # expect_le WHAT GOT MAX (decimals allowed)
	if [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v a="$2" -v b="$3" 'BEGIN { exit !(a <= b) }'; then
		pass "$1 = $2 (<= $3)"
	else
		fail "$1 = '$2', expected <= $3"
	fi
}
show() { # show LABEL TEXT
	sl_log "$1:"
	printf '%s\n' "$2" | sed 's/^/    > /' >&2
}

# ---- topology -------------------------------------------------------------------
TAP="sl_t$$"
sl_ns_create w
NSW=$SL_NS_LAST
sl_ns_create c
NSC=$SL_NS_LAST
sl_ns_create p
NSP=$SL_NS_LAST

if ! sl_sluice_start "$CONFIGS/tcp_echo.ini" -l 0-1 "--vdev=net_tap0,iface=$TAP" \
	'--log-level=*:info'; then
	fail "sluice did not start"
	exit 1
fi
LOG=$SL_LOG
if declare -F sl_dpdk_track >/dev/null; then sl_dpdk_track; fi
# Only after `ready` (see sl_tap_to_ns). The tap becomes a bridge port: its kernel side
# needs a MAC other than the gateway's, or the bridge would keep the gateway's frames.
ip link set dev "$TAP" netns "$NSW" || sl_die "cannot move $TAP into $NSW"
ip -n "$NSW" link set dev "$TAP" address 02:77:01:00:00:fe
ip -n "$NSW" link add br0 type bridge
ip -n "$NSW" link set br0 up
ip -n "$NSW" link set dev "$TAP" master br0 up
ip -n "$NSW" link add vw type veth peer name vc netns "$NSC"
ip -n "$NSW" link add vq type veth peer name vp netns "$NSP"
ip -n "$NSC" link set vc address 02:77:01:00:00:02
ip -n "$NSP" link set vp address 02:77:01:00:00:03
# No segmentation or coalescing offloads: the wire drops single frames, as a network does.
for ifc in vw vq; do
	ip -n "$NSW" link set "$ifc" master br0 up
	ip netns exec "$NSW" ethtool -K "$ifc" tso off gso off gro off >/dev/null 2>&1
done
ip netns exec "$NSC" ethtool -K vc tso off gso off gro off >/dev/null 2>&1
ip netns exec "$NSP" ethtool -K vp tso off gso off gro off >/dev/null 2>&1
ip -n "$NSC" addr add 10.77.1.2/24 dev vc
ip -n "$NSC" link set vc up
ip -n "$NSP" addr add 10.77.1.3/24 dev vp
ip -n "$NSP" link set vp up
if ip netns exec "$NSC" ping -n -q -c 1 -w 10 10.77.1.1 >/dev/null; then
	pass "ns C reaches the gateway through the bridge"
else
	fail "ns C cannot ping 10.77.1.1 through the bridge"
	exit 1
fi
# The Linux peer for the baseline figures.
sl_bg_start PEER_PID ip netns exec "$NSP" timeout 590 python3 "$CLIENT" serve 10.77.1.3 7 \
	--timeout 580
sleep 0.3

# ---- loss ---------------------------------------------------------------------------
# set_loss N: N% random loss on TCP frames, both directions (N = 0: none).
set_loss() {
	local n=$1
	ip netns exec "$NSW" nft delete table bridge loss 2>/dev/null
	ip netns exec "$NSC" nft delete table inet loss 2>/dev/null
	[ "$n" -gt 0 ] || return 0
	if [ "$LOSS_AT" = host ]; then
		ip netns exec "$NSC" nft -f - <<-EOF || return 1
			table inet loss {
				chain in { type filter hook input priority 0; policy accept;
					meta l4proto tcp numgen random mod 100 < $n counter drop; }
				chain out { type filter hook output priority 0; policy accept;
					meta l4proto tcp numgen random mod 100 < $n counter drop; }
			}
		EOF
	else
		ip netns exec "$NSW" nft -f - <<-EOF || return 1
			table bridge loss {
				chain lossy { type filter hook forward priority 0; policy accept;
					iifname "vw" meta l4proto tcp numgen random mod 100 < $n counter drop
					oifname "vw" meta l4proto tcp numgen random mod 100 < $n counter drop
				}
			}
		EOF
	fi
}
# loss_counters: "to-gateway/from-gateway" frames dropped so far by the loss rules.
loss_counters() {
	local out
	if [ "$LOSS_AT" = host ]; then
		out=$(ip netns exec "$NSC" nft list table inet loss 2>/dev/null)
	else
		out=$(ip netns exec "$NSW" nft list table bridge loss 2>/dev/null)
	fi
	# host mode: the input rule (from the gateway) comes first.
	printf '%s\n' "$out" | awk -v host="$LOSS_AT" '
		/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") c[++n] = $(i + 1) }
		END { if (host == "host") print (c[2] + 0) "/" (c[1] + 0); else print (c[1] + 0) "/" (c[2] + 0) }'
}
tx_errors() {
	sl_port_stat "$(sl_cli show port stats all)" a TX-errors
}

# run_stream OUT HOST PORT MODE BOUND SEED: one tcp_client.py stream in ns C, bounded; while
# it runs longer than 5 s, `show connections` goes into the log once (evidence of a stall).
run_stream() {
	local out=$1 host=$2 port=$3 mode=$4 bound=$5 seed=$6 pid waited=0 rc=0
	sl_bg_start pid ip netns exec "$NSC" timeout $((bound + 20)) python3 "$CLIENT" stream \
		"$host" "$port" --mode "$mode" --bytes "$BYTES" --timeout "$bound" --seed "$seed" \
		>"$out" 2>"$out.err"
	while kill -0 "$pid" 2>/dev/null; do
		sleep 0.2
		waited=$((waited + 1))
		if [ "$waited" -eq 25 ] && [ "$host" = 10.77.1.1 ]; then
			show "show connections, 5 s into the transfer" "$(sl_cli show connections)"
		fi
	done
	sl_bg_wait "$pid" || rc=$?
	[ -s "$out.err" ] && show "client stderr" "$(cat "$out.err")"
	return "$rc"
}

# cap_start NAME / cap_stop: optional tcpdump on vw (SL_TCP_CAPTURE=1).
CAP_PID=
cap_start() {
	[ -n "${SL_TCP_CAPTURE:-}" ] && command -v tcpdump >/dev/null || return 0
	SL_KEEP_TMP=1
	sl_bg_start CAP_PID ip netns exec "$NSW" timeout 300 tcpdump -i vw -s 128 -U -w \
		"$SL_TMP/$1.pcap" tcp 2>/dev/null
	sleep 0.5
}
cap_stop() {
	[ -n "$CAP_PID" ] || return 0
	sleep 0.2
	kill -INT "$CAP_PID" 2>/dev/null
	sl_bg_wait "$CAP_PID"
	CAP_PID=
}

# ---- echo at each loss rate ---------------------------------------------------------------
declare -A FIG
for loss in $LOSSES; do
	case $loss in
	0) bound=30 maxgap=2 ;;
	*) bound=$((loss <= 2 ? 60 : 90)) maxgap=10 ;;
	esac
	sl_log "== echo, $MB MiB, ${loss}% loss on each direction ($LOSS_AT), bound ${bound} s"
	set_loss "$loss" || {
		fail "cannot install the loss rules"
		continue
	}
	st0=$(sl_cli show tcp stats)
	lrt0=$(sl_ns_snmp "$NSC" Tcp RetransSegs)
	txe0=$(tx_errors)
	out="$SL_TMP/echo_$loss.json"
	cap_start "echo_$loss"
	run_stream "$out" 10.77.1.1 7 echo "$bound" "$((loss + 1))"
	cap_stop
	drops=$(loss_counters)
	st1=$(sl_cli show tcp stats)
	lrt1=$(sl_ns_snmp "$NSC" Tcp RetransSegs)
	txe1=$(tx_errors)
	show "client (sluice echo, ${loss}%)" "$(cat "$out")"
	show "show tcp stats after ${loss}%" "$st1"

	d() { echo $(($(sl_tcp_stat "$st1" "$1") - $(sl_tcp_stat "$st0" "$1"))); }
	err=$(sl_json "$out" error)
	got=$(sl_json "$out" received)
	if [ "$(sl_json "$out" ok)" = true ]; then
		pass "${loss}%: $MB MiB echoed byte-exact in $(sl_json "$out" duration_s) s"
	else
		fail "${loss}%: echo transfer: ${err:-no result from the client}"
	fi
	if [ "$got" = "$BYTES" ]; then
		expect_eq "${loss}%: sha256 of what came back = sha256 of what was sent" \
			"$(sl_json "$out" sha256_received)" "$(sl_json "$out" sha256_sent)"
		expect_eq "${loss}%: gateway payload in (bytes)" "$(d payload_in)" "$BYTES"
	elif [ -n "$got" ] && [ "$got" != 0 ]; then
		# Cut short: what did come back must still be the start of what was sent.
		expect_eq "${loss}%: the $got bytes that came back are the first $got sent" \
			"$(sl_json "$out" prefix_ok)" true
	fi
	expect_le "${loss}%: longest interval without a received byte (s)" \
		"$(sl_json "$out" max_rx_gap_s)" "$maxgap"
	expect_eq "${loss}%: frames the gateway's port refused (TX-errors)" $((txe1 - txe0)) 0
	rtx=$(d retransmits)
	lrtx=$((lrt1 - lrt0))
	if [ "$loss" -gt 0 ]; then
		expect_ge "${loss}%: gateway retransmits" "$rtx" 1
		expect_ge "${loss}%: Linux client retransmits (Tcp RetransSegs)" "$lrtx" 1
	fi
	FIG[$loss]=$(printf '%-5s %8s %8s %8s %7s %8s %6s/%-6s %7s %7s %8s %9s' "$loss%" \
		"$(awk -v b="${got:-0}" 'BEGIN { printf "%.1f", b / 1048576 }')" \
		"$(sl_json "$out" mb_s)" "$(sl_json "$out" duration_s)" "$(sl_json "$out" max_rx_gap_s)" \
		"$rtx" "$(d rtx_timeout)" "$(d rtx_fast)" "$lrtx" "$(d out_of_order)" \
		"$(d drop_ooo_full)" "$drops")

	sl_log "-- the same between two Linux hosts on this wire (baseline, not asserted)"
	bout="$SL_TMP/base_$loss.json"
	if run_stream "$bout" 10.77.1.3 7 echo "$bound" "$((loss + 1))"; then
		FIG[$loss]+=$(printf ' %8s %7s' "$(sl_json "$bout" mb_s)" "$(sl_json "$bout" duration_s)")
	else
		sl_warn "baseline transfer failed: $(sl_json "$bout" error)"
		FIG[$loss]+="   failed"
	fi
done
set_loss 0

# ---- discard -------------------------------------------------------------------------
sl_log "== discard, $MB MiB to port 9, clean path"
st0=$(sl_cli show tcp stats)
out="$SL_TMP/discard.json"
run_stream "$out" 10.77.1.1 9 discard 30 7
st1=$(sl_cli show tcp stats)
show "client (sluice discard)" "$(cat "$out")"
d() { echo $(($(sl_tcp_stat "$st1" "$1") - $(sl_tcp_stat "$st0" "$1"))); }
if [ "$(sl_json "$out" ok)" = true ]; then
	pass "discard: $MB MiB sent, nothing back, EOF after our FIN (no reset)"
else
	fail "discard: $(sl_json "$out" error)"
fi
expect_eq "discard: bytes the client received" "$(sl_json "$out" received)" 0
expect_eq "discard: gateway payload in (bytes)" "$(d payload_in)" "$BYTES"
expect_eq "discard: resets the gateway sent" "$(d resets_sent)" 0
DISCARD_FIG="$(sl_json "$out" mb_s) MB/s, $(sl_json "$out" duration_s) s, EOF $(sl_json "$out" close_after_shutdown_s) s after shutdown"

# ---- leftovers, stop -------------------------------------------------------------------
sl_log "== connections left, SIGTERM"
for _ in $(seq 1 50); do
	cc=$(sl_cli show connections count)
	[ "$(sl_conn_count "$cc")" = 0 ] && break
	sleep 0.2
done
show "show connections count" "$cc"
expect_eq "connections left at the gateway" "$(sl_conn_count "$cc")" 0
[ "$(sl_conn_count "$cc")" = 0 ] || show "show connections" "$(sl_cli show connections)"
show "show tcp stats (final)" "$(sl_cli show tcp stats)"
show "show net stats (final)" "$(sl_cli show net stats)"
show "show port stats all (final)" "$(sl_cli show port stats all)"

sl_sluice_stop 20
if declare -F sl_dpdk_rundirs_cleanup >/dev/null; then sl_dpdk_rundirs_cleanup; fi
expect_eq "exit status of sluice after SIGTERM" "$SL_SLUICE_RC" 0
if grep -Eq 'all [0-9]+ mbufs back in pool' "$LOG"; then
	pass "$(grep -Eo 'all [0-9]+ mbufs back in pool' "$LOG" | tail -n 1)"
else
	fail "no 'all N mbufs back in pool' line in the log:"
	grep -i mbuf "$LOG" | sed 's/^/    | /' >&2
fi

sl_log "== figures ($MB MiB echo, loss on each direction, at the $LOSS_AT)"
sl_log "$(printf '%-5s %8s %8s %8s %7s %8s %13s %7s %7s %8s %9s %8s %7s' loss MiB_back MB/s \
	time_s gap_s rtx timeout/fast linux_rtx ooo ooo_full wire_drop linuxMB/s time_s)"
for loss in $LOSSES; do sl_log "${FIG[$loss]:-$loss%: no figures}"; done
sl_log "discard: $DISCARD_FIG"
sl_log "(MiB_back: echoed within the bound; MB/s: bytes sent per second, each direction carries"
sl_log " them; rtx: the gateway's, timeout = segments resent after an RTO; ooo_full: segments the"
sl_log " gateway dropped, reassembly queue full; wire_drop: frames dropped to/from the gateway)"

if [ "$FAILS" -ne 0 ]; then
	sl_log "$FAILS check(s) failed"
	exit 1
fi
sl_log "all checks passed"
exit 0
