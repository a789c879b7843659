#!/usr/bin/env bash
# Every sluice started here goes through sl_sluice_start (scripts/lib.sh), which adds
# --no-pci --in-memory to the EAL options: the VM's own NIC is never probed.
# tests/integration/test_ping.sh — ARP, ICMP echo, neighbours, port counters, clean stop.
#
# Topology (names carry this script's PID, so parallel or stale runs do not collide):
#
#   ns A  sl_aPID 10.77.1.2/24 ──net_tap0── port a 10.77.1.1/24 ┐
#                                                                ├ sluice (lcore 0 control,
#   ns B  sl_bPID 10.77.2.2/24 ──net_tap1── port b 10.77.2.1/24 ┘        lcore 1 worker)
#
# Checks:
#   1. `sluice --check -f` : 0 on a good file; 1 with one message per problem on stderr.
#   2. 100/100 echo replies from each namespace to the gateway's address on that port.
#   3. `show neighbours` lists both namespace addresses with the MACs the namespaces own.
#   4. `show port stats all` after `clear port stats all` equals, packet for packet and byte
#      for byte, what the kernel side of each tap sent and received; no error counter moves.
#   5. a ping to an unused address (10.77.1.99) gets no reply: the gateway does not answer
#      ARP for it, does not learn it, and counts what it received exactly.
#   6. SIGTERM stops sluice with status 0 and `all N mbufs back in pool` in its log.
#
# Run by meson (suite integration) with SLUICE and SL_SRC set, or by hand as root:
#   SLUICE=build/app/sluice bash tests/integration/test_ping.sh
# Exit 0 pass, 1 fail, 77 skip (not root).

SL_NAME=test_ping
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SL_SRC=${SL_SRC:-$(cd "$HERE/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR/../../scripts source=lib.sh
. "$SL_SRC/scripts/lib.sh"
CONFIGS="$HERE/configs"

if [ "$(id -u)" -ne 0 ]; then
	sl_log "SKIP: needs root (network namespaces, hugepages)"
	exit 77
fi
sl_sluice_bin
sl_cleanup_trap
sl_tmpdir
sl_hugepages_ensure || sl_die "hugepages are not available (run scripts/setup.sh)"

FAILS=0
pass() { sl_log "ok: $*"; }
fail() {
	sl_log "FAIL: $*"
	FAILS=$((FAILS + 1))
}
# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1 = $2"; else fail "$1 = '$2', expected '$3'"; fi
}
# expect_ge WHAT GOT MIN
expect_ge() {
	if [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ]; then
		pass "$1 = $2 (>= $3)"
	else
		fail "$1 = '$2', expected >= $3"
	fi
}
show() { # show LABEL TEXT: a CLI answer into the test log
	sl_log "$1:"
	printf '%s\n' "$2" | sed 's/^/    > /' >&2
}

# ---- 1. configuration check (no EAL) ---------------------------------------------
check_conf() { # check_conf FILE: sets RC, OUT, ERR
	RC=0
	timeout 20 "$SLUICE" --check -f "$1" >"$SL_TMP/check.out" 2>"$SL_TMP/check.err" || RC=$?
	OUT=$(cat "$SL_TMP/check.out")
	ERR=$(cat "$SL_TMP/check.err")
}

sl_log "== 1. sluice --check"
check_conf "$CONFIGS/ping.ini"
expect_eq "--check of good ping.ini: exit status" "$RC" 0
[ -z "$ERR" ] || show "stderr of --check ping.ini (expected empty)" "$ERR"

check_conf "$CONFIGS/bad_address.ini"
expect_eq "--check of bad_address.ini: exit status" "$RC" 1
show "stderr of --check bad_address.ini" "$ERR"
n=$(printf '%s' "$ERR" | grep -c .)
expect_eq "--check of bad_address.ini: messages on stderr" "$n" 1
# The message must point at the problem: the key or the line (8) of the bad value.
if printf '%s' "$ERR" | grep -Eq 'address|:8\b|line 8\b'; then
	pass "the message names the key or line 8"
else
	fail "the message names neither the key 'address' nor line 8"
fi

check_conf "$CONFIGS/bad_two.ini"
expect_eq "--check of bad_two.ini: exit status" "$RC" 1
show "stderr of --check bad_two.ini" "$ERR"
n=$(printf '%s' "$ERR" | grep -c .)
expect_eq "--check of bad_two.ini: messages on stderr (one per problem)" "$n" 2

check_conf "$SL_TMP/does-not-exist.ini"
expect_eq "--check of a missing file: exit status" "$RC" 1
if [ -n "$ERR" ]; then pass "a missing file is reported on stderr"; else fail "no message for a missing file"; fi

# ---- 2. topology and start ------------------------------------------------------
sl_log "== 2. two namespaces, two net_tap ports"
IFA="sl_a$$"
IFB="sl_b$$"
MACA=02:77:01:00:00:02 # the Linux peers get MACs of their own: net_tap would give
MACB=02:77:02:00:00:02 # them the gateway port's MAC
sl_ns_create a
NSA=$SL_NS_LAST
sl_ns_create b
NSB=$SL_NS_LAST

# INFO: the mbuf accounting at exit is an INFO line (and the log type names may change).
if ! sl_sluice_start "$CONFIGS/ping.ini" -l 0-1 "--vdev=net_tap0,iface=$IFA" \
	"--vdev=net_tap1,iface=$IFB" '--log-level=*:info'; then
	fail "sluice did not start"
	exit 1
fi
# Only after `ready`: the PMD has opened its queues on the interfaces by now.
sl_tap_to_ns "$IFA" "$NSA" 10.77.1.2/24 "$MACA" || sl_die "cannot move $IFA into $NSA"
sl_tap_to_ns "$IFB" "$NSB" 10.77.2.2/24 "$MACB" || sl_die "cannot move $IFB into $NSB"
if ip link show dev "$IFA" >/dev/null 2>&1 || ip link show dev "$IFB" >/dev/null 2>&1; then
	fail "a tap interface was re-created in the root namespace"
fi

show "show port info all" "$(sl_cli show port info all)"
show "show config" "$(sl_cli show config)"
out=$(sl_cli help)
if [ -n "$out" ]; then pass "help answers"; else fail "help printed nothing"; fi

# Kernel-side counters of a tap: what Linux sent is what the port must have received.
declare -A K0
kernel_snapshot() { # kernel_snapshot TAG
	local tag=$1 c
	for c in rx_packets tx_packets rx_bytes tx_bytes; do
		K0[$tag.a.$c]=$(sl_ns_counter "$NSA" "$IFA" $c)
		K0[$tag.b.$c]=$(sl_ns_counter "$NSB" "$IFB" $c)
	done
}

# compare_counters TAG: the port counters since `clear port stats all` against the kernel
# deltas since kernel_snapshot TAG. Counters are read twice more if they disagree, in case
# a frame was in flight between the two reads; a real discrepancy persists.
compare_counters() {
	local tag=$1 try p ns ifc st v
	declare -gA GW KD
	for try in 1 2 3; do
		st=$(sl_cli show port stats all)
		local agree=1
		for p in a b; do
			if [ $p = a ]; then ns=$NSA ifc=$IFA; else ns=$NSB ifc=$IFB; fi
			for v in RX-packets TX-packets RX-bytes TX-bytes RX-errors RX-missed RX-nombuf TX-errors; do
				GW[$p.$v]=$(sl_port_stat "$st" "$p" "$v")
			done
			KD[$p.tx_packets]=$(($(sl_ns_counter "$ns" "$ifc" tx_packets) - ${K0[$tag.$p.tx_packets]}))
			KD[$p.rx_packets]=$(($(sl_ns_counter "$ns" "$ifc" rx_packets) - ${K0[$tag.$p.rx_packets]}))
			KD[$p.tx_bytes]=$(($(sl_ns_counter "$ns" "$ifc" tx_bytes) - ${K0[$tag.$p.tx_bytes]}))
			KD[$p.rx_bytes]=$(($(sl_ns_counter "$ns" "$ifc" rx_bytes) - ${K0[$tag.$p.rx_bytes]}))
			[ "${GW[$p.RX-packets]}" = "${KD[$p.tx_packets]}" ] &&
				[ "${GW[$p.TX-packets]}" = "${KD[$p.rx_packets]}" ] &&
				[ "${GW[$p.RX-bytes]}" = "${KD[$p.tx_bytes]}" ] &&
				[ "${GW[$p.TX-bytes]}" = "${KD[$p.rx_bytes]}" ] || agree=0
		done
		[ $agree = 1 ] && break
		sleep 0.5
	done
	show "show port stats all" "$st"
	for p in a b; do
		expect_eq "port $p RX-packets vs frames its Linux peer sent" "${GW[$p.RX-packets]}" "${KD[$p.tx_packets]}"
		expect_eq "port $p TX-packets vs frames its Linux peer received" "${GW[$p.TX-packets]}" "${KD[$p.rx_packets]}"
		expect_eq "port $p RX-bytes vs bytes its Linux peer sent" "${GW[$p.RX-bytes]}" "${KD[$p.tx_bytes]}"
		expect_eq "port $p TX-bytes vs bytes its Linux peer received" "${GW[$p.TX-bytes]}" "${KD[$p.rx_bytes]}"
		for v in RX-errors RX-missed RX-nombuf TX-errors; do
			expect_eq "port $p $v" "${GW[$p.$v]}" 0
		done
	done
}

# net_drops TEXT: the non-zero drop counters of `show net stats`, "reason=N" summed over
# workers, one per line, sorted. Empty when nothing was dropped.
net_drops() {
	printf '%s\n' "$1" | awk '
		/drops:/ { on = 1 }
		on { for (i = 1; i <= NF; i++) if ($i ~ /^[a-z0-9_]+=[0-9]+$/) {
			split($i, kv, "="); d[kv[1]] += kv[2] } }
		/^worker/ { on = 0 }
		END { for (k in d) if (d[k] > 0) print k "=" d[k] }' | sort
}
# net_count TEXT LABEL: "LABEL: N" summed over workers (e.g. "echo replies").
net_count() {
	printf '%s\n' "$1" | awk -v key="$2:" '
		{ line = $0
		  while ((i = index(line, key)) > 0) {
			rest = substr(line, i + length(key)); split(rest, w, " "); n += w[1]
			line = rest } }
		END { print n + 0 }'
}

# ---- 3. ping the gateway from each namespace ----------------------------------------
sl_log "== 3. 100 echo requests from each namespace"
sleep 0.2
sl_cli clear port stats all >/dev/null || fail "clear port stats all"
sl_cli clear net stats >/dev/null || fail "clear net stats"
kernel_snapshot ping
ping_count() { # ping_count NS ADDR COUNT [PING ARG...]: prints the number of replies
	local ns=$1 addr=$2 count=$3
	shift 3
	ip netns exec "$ns" timeout 30 ping -n -q -c "$count" "$@" "$addr" 2>&1 |
		tee -a "$SL_TMP/ping.log" |
		awk '/packets transmitted/ { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^received/) print $i }'
}
# -w: stop at 100 replies, or after 20 s whatever happened.
got=$(ping_count "$NSA" 10.77.1.1 100 -i 0.01 -W 1 -w 20)
expect_eq "echo replies from 10.77.1.1 to ns A" "${got:-0}" 100
got=$(ping_count "$NSB" 10.77.2.1 100 -i 0.01 -W 1 -w 20)
expect_eq "echo replies from 10.77.2.1 to ns B" "${got:-0}" 100
sleep 0.3
compare_counters ping
# 100 echo requests + at least one ARP request each way, per port.
for p in a b; do
	expect_ge "port $p RX-packets (100 echo requests + ARP)" "${GW[$p.RX-packets]}" 101
	expect_ge "port $p TX-packets (100 echo replies + ARP)" "${GW[$p.TX-packets]}" 101
done

nst=$(sl_cli show net stats)
show "show net stats" "$nst"
expect_eq "echo replies in show net stats" "$(net_count "$nst" "echo replies")" 200
expect_eq "drops in show net stats" "$(net_drops "$nst" | tr '\n' ' ')" ""

# ---- 4. neighbours --------------------------------------------------------------
sl_log "== 4. show neighbours"
nb=$(sl_cli show neighbours)
show "show neighbours" "$nb"
check_neighbour() { # check_neighbour IP NS IFACE PORT
	local want line
	want=$(sl_ns_mac "$2" "$3")
	line=$(printf '%s\n' "$nb" | awk -v ip="$1" '$1 == ip')
	if [ -z "$line" ]; then
		fail "$1 is not in show neighbours"
		return
	fi
	expect_eq "MAC of $1 in show neighbours (ip -n $2 link: $want)" \
		"$(printf '%s\n' "$line" | awk '{ print tolower($2) }')" "$want"
	expect_eq "port of $1 in show neighbours" "$(printf '%s\n' "$line" | awk '{ print $4 }')" "$4"
}
check_neighbour 10.77.1.2 "$NSA" "$IFA" a
check_neighbour 10.77.2.2 "$NSB" "$IFB" b

# ---- 5. an address nobody owns --------------------------------------------------------
sl_log "== 5. ping 10.77.1.99 (unused) from ns A"
sl_cli clear port stats all >/dev/null || fail "clear port stats all"
sl_cli clear net stats >/dev/null || fail "clear net stats"
kernel_snapshot unused
got=$(ping_count "$NSA" 10.77.1.99 3 -i 0.3 -W 1) # no -w: 3 requests, then 1 s of waiting
expect_eq "echo replies from 10.77.1.99" "${got:-0}" 0
# Linux goes on asking ARP for 10.77.1.99 until it gives up (3 tries, 1 s apart): wait for
# that, so the counters compared below are final.
for _ in $(seq 1 60); do
	ip -n "$NSA" neigh show 10.77.1.99 dev "$IFA" | grep -Eq 'INCOMPLETE|PROBE|DELAY' || break
	sleep 0.1
done
sleep 0.2
compare_counters unused
expect_ge "port a RX-packets (the peer's ARP requests for 10.77.1.99)" "${GW[a.RX-packets]}" 1
if [ "${GW[a.TX-packets]}" != 0 ]; then
	sl_log "note: port a sent ${GW[a.TX-packets]} frame(s) meanwhile (its own ARP?)"
fi
neigh=$(ip -n "$NSA" neigh show 10.77.1.99 dev "$IFA")
sl_log "ns A: ip neigh show 10.77.1.99: ${neigh:-(none)}"
if printf '%s' "$neigh" | grep -q lladdr; then
	fail "somebody answered ARP for 10.77.1.99: $neigh"
else
	pass "nobody answered ARP for 10.77.1.99"
fi
nb=$(sl_cli show neighbours)
if printf '%s\n' "$nb" | awk '$1 == "10.77.1.99" { f = 1 } END { exit !f }'; then
	fail "the gateway learnt 10.77.1.99, which never sent anything"
else
	pass "10.77.1.99 is not in show neighbours"
fi
nst=$(sl_cli show net stats)
show "show net stats" "$nst"
# Every frame port a received was an ARP request for 10.77.1.99, dropped as such.
expect_eq "drops in show net stats" "$(net_drops "$nst" | tr '\n' ' ')" "arp_not_for_us=${GW[a.RX-packets]} "
show "show lcores" "$(sl_cli show lcores)"

# ---- 6. SIGTERM ------------------------------------------------------------------
sl_log "== 6. SIGTERM"
log=$SL_LOG
sl_sluice_stop 20
expect_eq "exit status of sluice after SIGTERM" "$SL_SLUICE_RC" 0
if grep -Eq 'all [0-9]+ mbufs back in pool' "$log"; then
	pass "$(grep -Eo 'all [0-9]+ mbufs back in pool' "$log" | tail -n 1)"
else
	fail "no 'all N mbufs back in pool' line in the log:"
	grep -i mbuf "$log" | sed 's/^/    | /' >&2
fi

if [ "$FAILS" -ne 0 ]; then
	sl_log "$FAILS check(s) failed"
	exit 1
fi
sl_log "all checks passed"
exit 0
