#!/usr/bin/env bash
# scripts/demo.sh — a guided first run of sluice, for a newcomer. As root:
#
#   sudo scripts/demo.sh
#
# Builds everything (scripts/setup.sh), puts two Linux "hosts" in network namespaces, each
# wired to one port of the gateway through a net_tap virtual NIC, pings the gateway from
# both, shows what the gateway saw through its CLI, then stops it and cleans up.
# No real NIC is touched (--no-pci) and no packet leaves this machine.
#
# Environment: SL_SKIP_SETUP=1 skips setup.sh (already built); SLUICE=path of the binary.
set -euo pipefail

SL_NAME=demo
SL_NS_PREFIX=sldemo
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR
. "$SRC/scripts/lib.sh"

if [ -t 1 ]; then B=$'\033[1m' N=$'\033[0m'; else B='' N=''; fi
step() { printf '\n%s==> %s%s\n' "$B" "$*" "$N"; }
say() { printf '    %s\n' "$@"; }
cli() { # cli CMD...: show the command the way an operator types it, then its answer
	printf '\nsluice> %s\n' "$*"
	sl_cli "$@"
}

sl_require_root

step "Step 1: install what is missing, reserve hugepages, build (scripts/setup.sh)"
if [ -n "${SL_SKIP_SETUP:-}" ]; then
	say "skipped (SL_SKIP_SETUP is set)"
else
	bash "$SRC/scripts/setup.sh"
fi
BUILD=${SL_BUILD_DIR:-build}
case $BUILD in
/*) ;;
*) BUILD="$SRC/$BUILD" ;;
esac
SLUICE=${SLUICE:-$BUILD/app/sluice}
sl_sluice_bin
sl_cleanup_trap
sl_tmpdir

step "Step 2: two network namespaces play the hosts on either side of the gateway"
sl_ns_create a
NSA=$SL_NS_LAST
sl_ns_create b
NSB=$SL_NS_LAST
IFA="sl_a$$"
IFB="sl_b$$"
say "namespace $NSA will be host A, 10.77.1.2, on interface $IFA" \
	"namespace $NSB will be host B, 10.77.2.2, on interface $IFB" \
	"(a namespace is a private copy of Linux's network stack: its own interfaces, routes, ARP)"

step "Step 3: the gateway's configuration"
CONF="$SL_TMP/demo.ini"
cat >"$CONF" <<'EOF'
; Two ports. Each is a net_tap virtual NIC: DPDK owns one end, Linux the other.
[global]
idle = on            ; sleep a little when there is no traffic (a demo, not a benchmark)

[port.a]
device  = net_tap0   ; the first --vdev on the command line
address = 10.77.1.1/24

[port.b]
device  = net_tap1
address = 10.77.2.1/24
EOF
sed 's/^/    | /' "$CONF"

step "Step 4: start sluice: lcore 0 runs the control plane and CLI, lcore 1 polls the ports"
say "$SLUICE -l 0-1 --no-pci --in-memory --vdev=net_tap0,iface=$IFA --vdev=net_tap1,iface=$IFB \\" \
	"    -- -f $CONF --cli-socket <socket>" \
	"(EAL options before --, sluice's own after; --no-pci: never touch a real NIC)"
sl_sluice_start "$CONF" -l 0-1 "--vdev=net_tap0,iface=$IFA" "--vdev=net_tap1,iface=$IFB" \
	'--log-level=*:info' || sl_die "sluice did not start"
say "it logged 'ready'; its own log lines so far (DPDK's EAL and tap driver lines left out):"
grep -E '^(sluice|worker):' "$SL_LOG" | sed 's/^/    | /'

step "Step 5: hand the Linux end of each tap to its namespace and give it an address"
say "(only now: DPDK creates the tap interfaces when the port starts)"
sl_tap_to_ns "$IFA" "$NSA" 10.77.1.2/24 02:77:01:00:00:02
sl_tap_to_ns "$IFB" "$NSB" 10.77.2.2/24 02:77:02:00:00:02
ip -n "$NSA" -br addr show dev "$IFA" | sed "s/^/    host A: /"
ip -n "$NSB" -br addr show dev "$IFB" | sed "s/^/    host B: /"

step "Step 6: what the gateway knows about its ports"
cli show port info all
sl_cli clear port stats all >/dev/null

step "Step 7: each host pings the gateway's address on its side"
say "Linux first asks by ARP who has the gateway's address; sluice answers, then echoes ICMP."
printf '\nhost A$ ping -c 5 10.77.1.1\n'
ip netns exec "$NSA" ping -n -c 5 -i 0.2 -W 1 10.77.1.1 || sl_warn "ping from host A failed"
printf '\nhost B$ ping -c 5 10.77.2.1\n'
ip netns exec "$NSB" ping -n -c 5 -i 0.2 -W 1 10.77.2.1 || sl_warn "ping from host B failed"

step "Step 8: the neighbours sluice learnt (compare the MACs with the hosts' own)"
cli show neighbours
say "" "host A's MAC: $(sl_ns_mac "$NSA" "$IFA")   host B's MAC: $(sl_ns_mac "$NSB" "$IFB")"

step "Step 9: the port counters: 5 echo requests + ARP in, 5 replies + ARP out, per port"
cli show port stats all

step "Step 10: the lcores and what each one does"
cli show lcores

step "Step 11: stop sluice (SIGTERM) and check that every packet buffer came back"
log=$SL_LOG
sl_sluice_stop 20
say "sluice exited with status $SL_SLUICE_RC; the end of its log:"
tail -n 5 "$log" | sed 's/^/    | /'
grep -Eq 'all [0-9]+ mbufs back in pool' "$log" || sl_warn "no 'mbufs back in pool' line in the log"

step "Done. The namespaces are removed on exit."
say "Next: sudo scripts/test.sh runs every test; README.md shows how to run sluice by hand."
