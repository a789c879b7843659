#!/usr/bin/env bash
# Every sluice started here goes through sl_sluice_start (scripts/lib.sh), which adds
# --no-pci --in-memory to the EAL options: the VM's own NIC is never probed.
# tests/integration/test_tcp_synflood.sh — a SYN flood at the echo service: SYN cookies
# engage, a legitimate client still gets through byte-exact, the gateway recovers.
#
# Topology (names carry this script's PID):
#
#   ns C  sl_fPID 10.77.1.2/24 (client) ──net_tap0── port a 10.77.1.1/24, echo :7 (sluice)
#                 10.77.1.3/24 (flood source)        [tcp] syn_backlog = 64, syn_retries = 2
#
# The flood is hping3 -S from 10.77.1.3 (-a: an address of ns C, never outside
# 10.77.1.0/24), a new source port per SYN, 10,000 SYNs/s nominal, bounded by count and
# time. nft in ns C drops what the gateway sends to 10.77.1.3, so Linux never answers its
# SYN-ACKs with RST: the half-open connections stay half-open, as from hosts that do not
# answer, and the backlog stays full.
#
# Checks:
#   1. before the flood: a 1 MiB echo, no cookie.
#   2. during the flood: `show tcp stats` shows SYN cookies sent; the backlog is full
#      (64 SYN_RECEIVED in `show connections count`); three legitimate connections from
#      10.77.1.2, one after another, each echo 1 MiB byte-exact within 30 s; cookies
#      validated >= 1 (each of them found the backlog full, so each needed a cookie), and
#      they have the TCP options (timestamps, SACK, window scale both ways) of a connection
#      made without a cookie.
#   3. after the flood: a new connection works at once; within 15 s the half-open
#      connections give up (syn_retries 2: 7 s) and a connection is served without a cookie;
#      no connection is left; `show tcp stats` answers; the port refused no frame.
#   4. SIGTERM: exit 0, `all N mbufs back in pool`.
#   Figures: SYNs sent, SYN-ACKs seen by hping3, cookies sent and validated, SYN-ACK
#   retransmits, half-open timeouts, drops by reason, each legitimate transfer's connect time
#   and duration.
#
# Run by meson (suite integration) with SLUICE and SL_SRC set, or by hand as root:
#   SLUICE=build/app/sluice bash tests/integration/test_tcp_synflood.sh
# Environment: SL_SYNFLOOD_COUNT (default 80000 SYNs), SL_SYNFLOOD_INTERVAL (hping3 -i,
#   default u100).
# Exit 0 pass, 1 fail, 77 skip (not root, or a tool missing).

SL_NAME=test_tcp_synflood
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
for tool in python3 socat nft hping3; do
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

FLOOD_COUNT=${SL_SYNFLOOD_COUNT:-80000}
FLOOD_INTERVAL=${SL_SYNFLOOD_INTERVAL:-u100}
BYTES=$((1 << 20))
BACKLOG=64

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
show() { # show LABEL TEXT
	sl_log "$1:"
	printf '%s\n' "$2" | sed 's/^/    > /' >&2
}

# ---- topology and start ------------------------------------------------------------
IFC="sl_f$$"
sl_ns_create c
NSC=$SL_NS_LAST
if ! sl_sluice_start "$CONFIGS/tcp_synflood.ini" -l 0-1 "--vdev=net_tap0,iface=$IFC" \
	'--log-level=*:info'; then
	fail "sluice did not start"
	exit 1
fi
LOG=$SL_LOG
if declare -F sl_dpdk_track >/dev/null; then sl_dpdk_track; fi
sl_tap_to_ns "$IFC" "$NSC" 10.77.1.2/24 02:77:01:00:00:02 || sl_die "cannot move $IFC into $NSC"
ip -n "$NSC" addr add 10.77.1.3/24 dev "$IFC"
# The flood source does not answer: no RST for the gateway's SYN-ACKs (ARP still works).
ip netns exec "$NSC" nft -f - <<-EOF || sl_die "cannot install the nft rule"
	table inet flood {
		chain in { type filter hook input priority 0; policy accept;
			ip daddr 10.77.1.3 meta l4proto tcp counter drop; }
	}
EOF
for src in 10.77.1.2 10.77.1.3; do
	if ip netns exec "$NSC" ping -n -q -c 1 -w 10 -I "$src" 10.77.1.1 >/dev/null; then
		pass "the gateway answers $src"
	else
		fail "no ping reply from 10.77.1.1 to $src"
	fi
done

# legit TAG SEED: one 1 MiB echo from 10.77.1.2, bounded; JSON in $SL_TMP/TAG.json.
# Returns the client's status; prints a line of figures into LEGIT_FIG.
LEGIT_FIG=()
legit() {
	local tag=$1 seed=$2 out="$SL_TMP/$1.json" rc=0
	ip netns exec "$NSC" timeout 45 python3 "$CLIENT" stream 10.77.1.1 7 --mode echo \
		--bytes "$BYTES" --timeout 30 --seed "$seed" >"$out" 2>"$out.err" || rc=$?
	if [ "$(sl_json "$out" ok)" = true ]; then
		pass "$tag: 1 MiB echoed byte-exact (connect $(sl_json "$out" connect_s) s," \
			"$(sl_json "$out" duration_s) s)"
	else
		fail "$tag: $(sl_json "$out" error) (client status $rc)"
		show "$tag: client" "$(cat "$out" "$out.err")"
	fi
	LEGIT_FIG+=("$tag: connect $(sl_json "$out" connect_s) s, transfer $(sl_json "$out" duration_s) s, ok=$(sl_json "$out" ok), options $(sl_json "$out" options)")
	return "$rc"
}
d() { echo $(($(sl_tcp_stat "$2" "$1") - $(sl_tcp_stat "$3" "$1"))); } # d NAME NEW OLD

# ---- 1. before --------------------------------------------------------------------------
sl_log "== 1. before the flood"
st_a=$(sl_cli show tcp stats)
ps_a=$(sl_cli show port stats all)
kdrop_a=$(sl_ns_counter "$NSC" "$IFC" tx_dropped)
legit before 11
st_b=$(sl_cli show tcp stats)
expect_eq "cookies sent for a connection on an idle gateway" "$(d cookies_sent "$st_b" "$st_a")" 0

# ---- 2. during -------------------------------------------------------------------------
sl_log "== 2. SYN flood: hping3 -S -a 10.77.1.3 -p 7 -i $FLOOD_INTERVAL -c $FLOOD_COUNT"
sl_bg_start FLOOD_PID ip netns exec "$NSC" timeout 40 hping3 -q -n -S -p 7 -a 10.77.1.3 \
	-i "$FLOOD_INTERVAL" -c "$FLOOD_COUNT" 10.77.1.1 >"$SL_TMP/hping3.out" 2>&1
engaged=
for _ in $(seq 1 50); do
	st=$(sl_cli show tcp stats)
	if [ "$(d cookies_sent "$st" "$st_b")" -gt 0 ]; then
		engaged=1
		break
	fi
	sleep 0.2
done
if [ -n "$engaged" ]; then
	pass "SYN cookies engaged: $(d cookies_sent "$st" "$st_b") sent so far"
else
	fail "no SYN cookie sent 10 s into the flood"
	show "show tcp stats" "$st"
fi
cc=$(sl_cli show connections count)
show "show connections count, during the flood" "$cc"
expect_eq "half-open connections (SYN_RECEIVED) during the flood = syn_backlog" \
	"$(sl_conn_count "$cc" SYN_RECEIVED)" "$BACKLOG"
st_c=$(sl_cli show tcp stats)
n_legit=0
for i in 1 2 3; do
	kill -0 "$FLOOD_PID" 2>/dev/null || {
		fail "the flood ended before legitimate connection $i: make it longer"
		break
	}
	legit "during-$i" $((20 + i))
	n_legit=$((n_legit + 1))
done
flood_running=no
kill -0 "$FLOOD_PID" 2>/dev/null && flood_running=yes
st_d=$(sl_cli show tcp stats)
show "show tcp stats, flood still running: $flood_running" "$st_d"
cv=$(d cookies_validated "$st_d" "$st_c")
expect_ge "cookies validated (legitimate connections accepted from a cookie)" "$cv" 1
if [ "$cv" != "$n_legit" ]; then
	sl_log "note: $n_legit legitimate connection(s) during the flood, $cv validated cookie(s):" \
		"a SYN that found a free backlog slot needs none"
fi
# (passive opens also count the flood's SYNs that got a backlog slot: established does not)
expect_eq "legitimate connections during the flood that were established" \
	"$(d established "$st_d" "$st_c")" "$n_legit"
# A cookie carries the client's window shift and SACK-permitted in our TSval: a connection
# made from one must have the options of one made normally.
for i in 1 2 3; do
	[ -s "$SL_TMP/during-$i.json" ] || continue
	expect_eq "TCP options of legitimate connection $i (from a cookie), as Linux sees them" \
		"$(sl_json "$SL_TMP/during-$i.json" options)" "$(sl_json "$SL_TMP/before.json" options)"
done

sl_bg_wait "$FLOOD_PID"
frc=$?
show "hping3 (status $frc)" "$(cat "$SL_TMP/hping3.out")"
syns=$(awk '/packets transmitted/ { print $1 }' "$SL_TMP/hping3.out")
synacks=$(awk '/packets transmitted/ { for (i = 1; i + 2 <= NF; i++)
	if ($(i + 1) == "packets" && $(i + 2) ~ /^received/) print $i }' "$SL_TMP/hping3.out")

# ---- 3. after ---------------------------------------------------------------------------
sl_log "== 3. after the flood"
legit right-after 31
sl_log "waiting for the flood's half-open connections to give up (syn_retries 2: 7 s)"
drained=
for _ in $(seq 1 75); do
	cc=$(sl_cli show connections count)
	if [ "$(sl_conn_count "$cc")" = 0 ]; then
		drained=1
		break
	fi
	sleep 0.2
done
show "show connections count" "$cc"
if [ -n "$drained" ]; then
	pass "no connection left 15 s after the flood"
else
	fail "connections left 15 s after the flood: $cc"
fi
st_f=$(sl_cli show tcp stats)
legit "recovered" 41
st_g=$(sl_cli show tcp stats)
expect_eq "cookies sent for a connection once the backlog is free again" \
	"$(d cookies_sent "$st_g" "$st_f")" 0
show "show tcp stats (final)" "$st_g"
if [ -n "$(sl_tcp_stats_kv "$st_g")" ]; then
	pass "show tcp stats answers after the flood"
else
	fail "show tcp stats gave no worker block after the flood"
fi
ps_g=$(sl_cli show port stats all)
expect_eq "frames the gateway's port refused (TX-errors)" \
	$(($(sl_port_stat "$ps_g" a TX-errors) - $(sl_port_stat "$ps_a" a TX-errors))) 0
expect_eq "port a RX-nombuf" $(($(sl_port_stat "$ps_g" a RX-nombuf) - $(sl_port_stat "$ps_a" a RX-nombuf))) 0
cc=$(sl_cli show connections count)
expect_eq "connections left at the end" "$(sl_conn_count "$cc")" 0
kdrop=$(($(sl_ns_counter "$NSC" "$IFC" tx_dropped) - kdrop_a))
nst=$(sl_cli show net stats)
nftc=$(ip netns exec "$NSC" nft list table inet flood | awk '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }')

# ---- 4. stop -----------------------------------------------------------------------------
sl_log "== 4. SIGTERM"
sl_sluice_stop 20
if declare -F sl_dpdk_rundirs_cleanup >/dev/null; then sl_dpdk_rundirs_cleanup; fi
expect_eq "exit status of sluice after SIGTERM" "$SL_SLUICE_RC" 0
if grep -Eq 'all [0-9]+ mbufs back in pool' "$LOG"; then
	pass "$(grep -Eo 'all [0-9]+ mbufs back in pool' "$LOG" | tail -n 1)"
else
	fail "no 'all N mbufs back in pool' line in the log:"
	grep -i mbuf "$LOG" | sed 's/^/    | /' >&2
fi

sl_log "== figures"
sl_log "flood: ${syns:-?} SYNs sent by hping3, ${synacks:-?} SYN-ACKs it saw, ${nftc:-?} segments to" \
	"10.77.1.3 dropped in ns C"
sl_log "gateway over the whole run: cookies sent $(d cookies_sent "$st_g" "$st_a")," \
	"validated $(d cookies_validated "$st_g" "$st_a"), SYN-ACK retransmits" \
	"$(d rtx_syn "$st_g" "$st_a"), timed out (half-open) $(d timed_out "$st_g" "$st_a")," \
	"passive opens $(d passive_opens "$st_g" "$st_a"), resets sent $(d resets_sent "$st_g" "$st_a")"
sl_log "frames lost before the gateway: $kdrop dropped by Linux on its side of the tap (queue" \
	"full), port a RX-missed $(($(sl_port_stat "$ps_g" a RX-missed) - $(sl_port_stat "$ps_a" a RX-missed)))"
sl_log "gateway TCP drops: $(sl_tcp_stats_kv "$st_g" | grep '^drop_' | sed 's/^drop_//' | tr '\n' ' ')"
sl_log "gateway net drops: $(printf '%s\n' "$nst" | sed -n 's/^ *drops: *//p' | tr '\n' ' ')"
for f in "${LEGIT_FIG[@]}"; do sl_log "$f"; done

if [ "$FAILS" -ne 0 ]; then
	sl_log "$FAILS check(s) failed"
	exit 1
fi
sl_log "all checks passed"
exit 0
