#!/usr/bin/env bash
# scripts/demo.sh — a guided first run of sluice, for a newcomer. As root:
#
#   sudo scripts/demo.sh
#
# Builds everything (scripts/setup.sh), puts a client and three nginx backends in network
# namespaces wired to the gateway's two ports through net_tap virtual NICs, pings the
# gateway, echoes through its TCP service, proxies HTTP round robin to the backends,
# keeps a sticky client (cookie affinity) on one backend and moves it when that drains,
# refuses a client that asks too fast (rate limit, 429),
# shows what the gateway counted through its CLI, then stops it and cleans up.
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

step "Step 2: the gateway's configuration"
CONF="$SL_TMP/demo.ini"
cat >"$CONF" <<'CONF_EOF'
; Two ports, each a net_tap virtual NIC: DPDK owns one end, Linux the other.
[global]
idle = on               ; sleep a little when there is no traffic (a demo, not a benchmark)
mbufs = 65535

; toward the clients
[port.front]
device  = net_tap0      ; the first --vdev on the command line
address = 10.77.1.1/24

; toward the backends
[port.back]
device  = net_tap1
address = 10.77.2.1/24

; an HTTP reverse proxy on the gateway's own address
[vip.web]
listen = 10.77.1.1:80
mode   = http
pool   = web

; the same backends with sticky sessions: the gateway sets a cookie naming the
; backend (signed with cookie_key, so a client cannot forge one) and routes by it
[vip.sticky]
listen      = 10.77.1.1:81
mode        = http
pool        = sticky
affinity    = cookie
cookie_name = SLB
cookie_key  = 5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e

; the same backends behind a rate limit: 5 requests a second per client address,
; 5 more at once; past it the gateway answers 429 itself
[limit.per_client]
key    = client_ip
rate   = 5/s
burst  = 5
action = reject

[vip.limited]
listen = 10.77.1.1:82
mode   = http
pool   = web
limit  = per_client

; the built-in TCP echo service, to test the data path
[vip.echo]
listen = 10.77.1.1:7
mode   = echo

[pool.web]
algorithm = roundrobin

[backend.b11]
pool    = web
address = 10.77.2.11:8080
[backend.b12]
pool    = web
address = 10.77.2.12:8080
[backend.b13]
pool    = web
address = 10.77.2.13:8080

[pool.sticky]
algorithm = roundrobin
[backend.s11]
pool    = sticky
address = 10.77.2.11:8080
[backend.s12]
pool    = sticky
address = 10.77.2.12:8080
[backend.s13]
pool    = sticky
address = 10.77.2.13:8080
CONF_EOF
sed 's/^/    | /' "$CONF"

step "Step 3: start sluice between two network namespaces"
say "namespace 'client' is a Linux host on the front side (10.77.1.2)," \
	"namespace 'backends' holds 10.77.2.11, .12 and .13 on the back side." \
	"(a namespace is a private copy of Linux's network stack: its own interfaces, routes, ARP)" \
	"" "sluice -l 0-1 --no-pci --in-memory --vdev=net_tap0,... --vdev=net_tap1,... -- -f demo.ini" \
	"(EAL options before --, sluice's own after; --no-pci: never touch a real NIC;" \
	" lcore 0 runs the control plane and the CLI, lcore 1 polls the ports)"
sl_http_topology "$CONF" || sl_die "sluice did not start"
say "it logged 'ready'; its own log lines so far (DPDK's EAL and tap driver lines left out):"
grep -E '^(sluice|worker):' "$SL_LOG" | sed 's/^/    | /'
say "" "after 'ready', the Linux end of each tap was moved into its namespace:"
ip -n "$SL_NSC" -br addr show dev "$SL_IFC" | sed "s/^/    client:   /"
ip -n "$SL_NSB" -br addr show dev "$SL_IFB" | sed "s/^/    backends: /"

step "Step 4: three nginx backends in the backend namespace, each answering with its name"
mkdir -p "$SL_TMP/www/files"
echo "a static file" >"$SL_TMP/www/files/small.txt"
sl_http_backends_start "$SL_TMP/www" nginx || sl_die "nginx did not start"
say "nginx on 10.77.2.11:8080, 10.77.2.12:8080, 10.77.2.13:8080"

step "Step 5: what the gateway knows about its ports"
cli show port info all
sl_cli clear port stats all >/dev/null

step "Step 6: the client pings the gateway"
say "Linux first asks by ARP who has 10.77.1.1; sluice answers, then echoes ICMP."
printf '\nclient$ ping -c 5 10.77.1.1\n'
ip netns exec "$SL_NSC" ping -n -c 5 -i 0.2 -W 1 10.77.1.1 || sl_warn "ping failed"

step "Step 7: the TCP echo service: sluice's own TCP stack talking to Linux's"
printf '\nclient$ echo "hello through a user-space TCP" | socat - TCP:10.77.1.1:7\n'
echo "hello through a user-space TCP" | ip netns exec "$SL_NSC" timeout 5 socat -t1 - TCP:10.77.1.1:7 |
	sed 's/^/    /' || sl_warn "echo failed"

step "Step 8: HTTP through the gateway: six requests, round robin over the three backends"
for i in 1 2 3 4 5 6; do
	printf 'client$ curl http://10.77.1.1/   ->  '
	ip netns exec "$SL_NSC" curl -s -m 5 http://10.77.1.1/ || echo "(failed)"
done
say "" "each request was parsed by sluice, sent to the next backend over a keep-alive" \
	"connection sluice opened itself and keeps in a pool, and the answer relayed back."
printf '\nclient$ curl -sI http://10.77.1.1/files/small.txt\n'
ip netns exec "$SL_NSC" curl -sI -m 5 http://10.77.1.1/files/small.txt | sed 's/^/    /'
printf '\nclient$ a request with both Content-Length and Transfer-Encoding (request smuggling)\n'
printf 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' |
	ip netns exec "$SL_NSC" timeout 5 socat -t1 - TCP:10.77.1.1:80 | head -1 | sed 's/^/    /'
say "refused by the gateway itself: no backend saw it"

step "Step 9: a sticky client: round robin picks once, the cookie keeps it there"
JAR="$SL_TMP/demo.jar"
printf 'client$ curl -si -c jar http://10.77.1.1:81/   (the first request: no cookie yet)\n'
ip netns exec "$SL_NSC" curl -si -m 5 -c "$JAR" http://10.77.1.1:81/ | tr -d '\r' |
	grep -Ei '^(HTTP/|set-cookie:|backend-)' | sed 's/^/    /'
for i in 1 2 3 4 5; do
	printf 'client$ curl -b jar http://10.77.1.1:81/   ->  '
	ip netns exec "$SL_NSC" curl -s -m 5 -b "$JAR" http://10.77.1.1:81/ || echo "(failed)"
done
say "" "every request opened a new connection (with several workers, any of them may take it): the" \
	"cookie alone routed it. Another client without the cookie starts on the next backend:"
printf 'client$ curl http://10.77.1.1:81/   ->  '
ip netns exec "$SL_NSC" curl -s -m 5 http://10.77.1.1:81/ || echo "(failed)"
say "" "drain the sticky client's backend: its next request moves, with a new cookie:"
sticky=$(ip netns exec "$SL_NSC" curl -s -m 5 -b "$JAR" http://10.77.1.1:81/)
cli set backend "s${sticky#backend-}" drain
for i in 1 2 3; do
	printf 'client$ curl -b jar -c jar http://10.77.1.1:81/   ->  '
	ip netns exec "$SL_NSC" curl -s -m 5 -b "$JAR" -c "$JAR" http://10.77.1.1:81/ || echo "(failed)"
done
cli set backend "s${sticky#backend-}" up
cli show sessions

step "Step 10: a client that asks too fast is refused with 429 (rate limit 5/s, burst 5)"
printf 'client$ for i in $(seq 1 15); do curl -s -o /dev/null -w "%%{http_code} " http://10.77.1.1:82/; done\n    '
# shellcheck disable=SC2016 # expanded by the inner bash
ip netns exec "$SL_NSC" bash -c 'for i in $(seq 1 15); do curl -s -m 5 -o /dev/null -w "%{http_code} " http://10.77.1.1:82/; done'
echo
say "" "the first 6 (1 + burst) went through; the rest were answered by the gateway, which" \
	"never bothered a backend with them. One of those answers:"
ip netns exec "$SL_NSC" curl -si -m 5 http://10.77.1.1:82/ | tr -d '\r' | sed 's/^/    /'
say "" "Retry-After says when to come back; RateLimit-Policy and RateLimit are the IETF" \
	"fields (the policy: 5 per 1 s; this client: 0 remaining). Other addresses are unaffected."
sleep 2
cli show limits
cli show limit per_client key 10.77.1.2

step "Step 11: what the gateway counted"
cli show backends
cli show vips
cli show tcp stats
cli show neighbours

step "Step 12: the lcores and what each one does"
cli show lcores

step "Step 13: stop sluice (SIGTERM) and check that every packet buffer came back"
log=$SL_LOG
sl_sluice_stop 20
say "sluice exited with status $SL_SLUICE_RC; the end of its log:"
tail -n 5 "$log" | sed 's/^/    | /'
grep -Eq 'all [0-9]+ mbufs back in pool' "$log" || sl_warn "no 'mbufs back in pool' line in the log"

step "Done. The namespaces and nginx are removed on exit."
say "Next: sudo scripts/test.sh runs every test; README.md shows how to run sluice by hand."
