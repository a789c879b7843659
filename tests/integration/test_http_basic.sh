#!/usr/bin/env bash
# tests/integration/test_http_basic.sh — the HTTP/1.1 reverse proxy as a user sees it.
#
# Topology (names carry this script's PID):
#
#   ns hc  sl_cPID 10.77.1.2/24 ──net_tap0── front 10.77.1.1/24 (VIP :80) ┐
#                                                                          ├ sluice
#   ns hb  sl_sPID 10.77.2.11-13/24 ──net_tap1── back 10.77.2.1/24 ───────┘
#          nginx-light on 10.77.2.11, .12, .13 :8080 (pool web; / answers backend-1N)
#          tests/integration/http_backend.py on 10.77.2.11:8081 (pool echo: /echo/...)
#          nothing on 10.77.2.11:8099 (pool dead: /dead/...)
#
# Checks, all with curl or a raw socket from ns hc (configs/http.ini):
#   1. sluice --check of the configuration
#   2. GET / rotates over backend-11, -12, -13 (round robin); HEAD: headers, no body,
#      Content-Length as for GET
#   3. a 10 MiB chunked POST reaches the python backend whole (length, SHA-256), with
#      X-Forwarded-For/-Proto/-Host; hop-by-hop headers the client sent are not
#      forwarded; a client X-Forwarded-For gets ", 10.77.1.2" appended
#   4. a 100 MiB download from nginx (sendfile) arrives whole (SHA-256)
#   5. 100 requests on one keep-alive connection; 10 pipelined requests in one send
#   6. Expect: 100-continue; Connection: close; HTTP/1.0; chunked and close-delimited
#      responses; an upgrade (101) tunnels bytes both ways
#   7. a backend reset mid-response: a clean failure for that client only
#   8. a backend that listens nowhere, and one nginx stopped: what clients get
#   9. show backends / pools / vips count the requests; show tcp stats
#  10. SIGTERM: status 0, every mbuf back
#
# SL_HTTP_DIRECT=1 runs the same checks against the backends directly, without sluice
# (a self-test of the harness: the checks that need a proxy then fail, as they must).
# Run by meson (suite integration) with SLUICE and SL_SRC set, or by hand as root:
#   SLUICE=build/app/sluice bash tests/integration/test_http_basic.sh
# Exit 0 pass, 1 fail, 77 skip (not root, or no nginx / curl).

SL_NAME=test_http_basic
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SL_SRC=${SL_SRC:-$(cd "$HERE/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR/../../scripts source=lib.sh
. "$SL_SRC/scripts/lib.sh"
CONFIGS="$HERE/configs"
CHECK="$HERE/http_check.py"

if [ "$(id -u)" -ne 0 ]; then
	sl_log "SKIP: needs root (network namespaces, hugepages)"
	exit 77
fi
for t in nginx curl python3 socat; do
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

FAILS=0
pass() { sl_log "ok: $*"; }
fail() {
	sl_log "FAIL: $*"
	FAILS=$((FAILS + 1))
}
# section TITLE: a heading; and sluice must still be running (a crash or an outside kill
# would otherwise show only as puzzling failures further on)
section() {
	sl_log "== $*"
	if [ -z "${SL_HTTP_DIRECT:-}" ] && sl_sluice_gone; then
		fail "sluice exited before section '$*'"
		exit 1
	fi
}
expect_eq() { # expect_eq WHAT GOT WANT
	if [ "$2" = "$3" ]; then pass "$1 = $2"; else fail "$1 = '$2', expected '$3'"; fi
}
show() { # show LABEL TEXT
	sl_log "$1:"
	printf '%s\n' "$2" | sed 's/^/    > /' >&2
}
CX() { ip netns exec "$SL_NSC" "$@"; } # a command in the client namespace
# curl from the client namespace, bounded; prints what -w says
CURL() { CX curl -s --max-time "${CURL_MAX:-10}" "$@"; }
jget() { python3 "$CHECK" jget "$@"; }
jheader() { python3 "$CHECK" jheader "$@"; }

# ---- 1. configuration ------------------------------------------------------------
CONF="$CONFIGS/http.ini"
if [ -z "${SL_HTTP_DIRECT:-}" ]; then
	sl_log "== 1. sluice --check $CONF"
	RC=0
	timeout 20 "$SLUICE" --check -f "$CONF" >"$SL_TMP/check.out" 2>"$SL_TMP/check.err" || RC=$?
	expect_eq "--check of http.ini: exit status" "$RC" 0
	[ -s "$SL_TMP/check.err" ] && show "stderr of --check" "$(cat "$SL_TMP/check.err")"
	[ "$RC" = 0 ] || sl_die "the gateway cannot start with this configuration"
fi

# ---- topology, backends, test data -------------------------------------------------
sl_log "== topology: client ns, backend ns, sluice, 3 nginx, python backend"
ROOT="$SL_TMP/www"
mkdir -p "$ROOT/files"
head -c 104857600 /dev/urandom >"$ROOT/files/big.bin" || sl_die "cannot write 100 MiB"
printf 'a small static file for HEAD\n' >"$ROOT/files/small.txt"
BIG_SHA=$(sha256sum "$ROOT/files/big.bin" | awk '{ print $1 }')
head -c 10485760 /dev/urandom >"$SL_TMP/post.bin"
POST_SHA=$(sha256sum "$SL_TMP/post.bin" | awk '{ print $1 }')
head -c 2097152 /dev/urandom >"$SL_TMP/post2.bin"
POST2_SHA=$(sha256sum "$SL_TMP/post2.bin" | awk '{ print $1 }')

sl_http_topology "$CONF" || sl_die "cannot set the topology up"
sl_http_backends_start "$ROOT" both || sl_die "cannot start the backends"
if [ -n "${SL_HTTP_DIRECT:-}" ]; then
	sl_warn "SL_HTTP_DIRECT: no gateway, the client talks to the backends (harness self-test)"
	WEB=http://10.77.2.11:8080 ECHO=http://10.77.2.11:8081/echo DEAD=http://10.77.2.11:8099/dead
	WEB_H=10.77.2.11 WEB_P=8080 ECHO_H=10.77.2.11 ECHO_P=8081
else
	WEB=http://10.77.1.1 ECHO=http://10.77.1.1/echo DEAD=http://10.77.1.1/dead
	WEB_H=10.77.1.1 WEB_P=80 ECHO_H=10.77.1.1 ECHO_P=80
fi
cli() { [ -n "${SL_HTTP_DIRECT:-}" ] || sl_cli "$@"; }
cli clear port stats all >/dev/null
# Count what goes to pool web, for the CLI's request counters (section 9).
WEB_REQS=0

# ---- 2. GET round robin, HEAD -------------------------------------------------------
section "2. GET / x6 (round robin), HEAD"
seq_=()
for i in 1 2 3 4 5 6; do
	out=$(CURL -w '\n%{http_code}' "$WEB/")
	code=${out##*$'\n'}
	body=${out%$'\n'*}
	body=${body%$'\n'}
	WEB_REQS=$((WEB_REQS + 1))
	[ "$code" = 200 ] || fail "GET / #$i: status '$code' (body '$body')"
	seq_+=("$body")
done
sl_log "GET / x6 answered by: ${seq_[*]}"
distinct=$(printf '%s\n' "${seq_[@]:0:3}" | sort -u | grep -c '^backend-1[123]$')
expect_eq "distinct backends among the first 3 GET /" "$distinct" 3
if [ "${seq_[0]}" = "${seq_[3]}" ] && [ "${seq_[1]}" = "${seq_[4]}" ] && [ "${seq_[2]}" = "${seq_[5]}" ]; then
	pass "requests 4-6 went to the backends of 1-3 in the same order (round robin)"
else
	fail "not round robin: ${seq_[*]}"
fi

CURL -o "$SL_TMP/get_small.body" -D "$SL_TMP/get_small.head" "$WEB/files/small.txt"
WEB_REQS=$((WEB_REQS + 1))
get_cl=$(awk -F': *' 'tolower($1) == "content-length" { gsub(/\r/, "", $2); print $2 }' "$SL_TMP/get_small.head")
r=$(CX python3 "$CHECK" raw "$WEB_H" "$WEB_P" --timeout 5 --expect-status 200 \
	--data 'HEAD /files/small.txt HTTP/1.1\r\nHost: sluice.test\r\nConnection: close\r\n\r\n')
WEB_REQS=$((WEB_REQS + 1))
show "HEAD /files/small.txt (raw)" "$r"
head_cl=$(printf '%s' "$r" | python3 -c 'import json,sys,re; h=json.load(sys.stdin)["head"]; m=re.search(r"(?im)^content-length: *(\d+)", h); print(m.group(1) if m else "")')
after=$(printf '%s' "$r" | python3 -c 'import json,sys; h=json.load(sys.stdin)["head"]; i=h.find("\r\n\r\n"); print(len(h)-i-4 if i>=0 else -1)')
expect_eq "HEAD status" "$(printf '%s' "$r" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" 200
expect_eq "HEAD Content-Length (GET said $get_cl, file is $(stat -c %s "$ROOT/files/small.txt"))" "$head_cl" "$get_cl"
expect_eq "body bytes after the HEAD response" "$after" 0

# ---- 3. chunked POST, forwarding headers, hop-by-hop ---------------------------------
section "3. 10 MiB chunked POST to /echo/, X-Forwarded-*, hop-by-hop headers"
t=$(CURL --max-time 30 -o "$SL_TMP/post.json" -w '%{http_code} %{time_total} %{speed_upload}' \
	-H 'Host: sluice.test' -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/octet-stream' \
	--data-binary @"$SL_TMP/post.bin" "$ECHO/post")
sl_log "POST 10 MiB chunked: status, seconds, upload B/s = $t"
expect_eq "POST status" "${t%% *}" 200
expect_eq "body length the backend got" "$(jget "$SL_TMP/post.json" body_len)" 10485760
expect_eq "SHA-256 of the body the backend got" "$(jget "$SL_TMP/post.json" body_sha256)" "$POST_SHA"
sl_log "framing towards the backend: $(jget "$SL_TMP/post.json" framing); sent 100: $(jget "$SL_TMP/post.json" sent_100)"
expect_eq "X-Forwarded-For at the backend" "$(jheader "$SL_TMP/post.json" X-Forwarded-For | paste -sd'|')" 10.77.1.2
expect_eq "X-Forwarded-Proto at the backend" "$(jheader "$SL_TMP/post.json" X-Forwarded-Proto | paste -sd'|')" http
expect_eq "X-Forwarded-Host at the backend" "$(jheader "$SL_TMP/post.json" X-Forwarded-Host | paste -sd'|')" sluice.test
expect_eq "Host at the backend" "$(jheader "$SL_TMP/post.json" Host | paste -sd'|')" sluice.test

code=$(CURL -o "$SL_TMP/hop.json" -w '%{http_code}' -H 'Host: sluice.test' \
	-H 'Connection: foo' -H 'foo: must-not-pass' -H 'Keep-Alive: timeout=5, max=7' \
	-H 'TE: trailers' -H 'Proxy-Connection: keep-alive' -H 'Upgrade: h2c' \
	-H 'X-Forwarded-For: 192.0.2.7' -H 'X-End-To-End: kept' "$ECHO/hop")
expect_eq "GET /echo/hop status" "$code" 200
show "headers the backend got for /echo/hop" \
	"$(python3 -c 'import json,sys; [print("%s: %s" % (n, v)) for n, v in json.load(open(sys.argv[1]))["headers"]]' "$SL_TMP/hop.json")"
for h in foo Keep-Alive TE Proxy-Connection Upgrade; do
	v=$(jheader "$SL_TMP/hop.json" "$h" | paste -sd'|')
	if [ -z "$v" ]; then pass "hop-by-hop '$h' not forwarded"; else fail "hop-by-hop '$h' forwarded: '$v'"; fi
done
v=$(jheader "$SL_TMP/hop.json" Connection | paste -sd'|')
if printf '%s' "$v" | grep -qi foo; then fail "the client's Connection: foo was forwarded ('$v')"; else pass "Connection at the backend: '${v:-none}'"; fi
expect_eq "end-to-end X-End-To-End at the backend" "$(jheader "$SL_TMP/hop.json" X-End-To-End)" kept
expect_eq "X-Forwarded-For with the client's own" "$(jheader "$SL_TMP/hop.json" X-Forwarded-For | paste -sd'|')" "192.0.2.7, 10.77.1.2"

# ---- 4. 100 MiB download --------------------------------------------------------------
section "4. GET /files/big.bin (100 MiB, sendfile)"
t=$(CURL --max-time 90 -o "$SL_TMP/big.got" -w '%{http_code} %{size_download} %{time_total} %{speed_download}' "$WEB/files/big.bin")
WEB_REQS=$((WEB_REQS + 1))
read -r code size secs speed <<<"$t"
sl_log "100 MiB download: status $code, $size bytes in ${secs}s = $(awk -v s="${speed:-0}" 'BEGIN { printf "%.1f", s / 1048576 }') MiB/s"
expect_eq "download status" "$code" 200
expect_eq "download size" "$size" 104857600
expect_eq "download SHA-256" "$(sha256sum "$SL_TMP/big.got" 2>/dev/null | awk '{ print $1 }')" "$BIG_SHA"
rm -f "$SL_TMP/big.got"

# ---- 5. keep-alive and pipelining --------------------------------------------------------
section "5. 100 requests on one connection; 10 pipelined in one send"
urls=()
for i in $(seq 1 100); do urls+=("$WEB/ka/$i"); done
CURL --max-time 30 -w 'code=%{http_code} nc=%{num_connects}\n' "${urls[@]}" >"$SL_TMP/ka.out"
WEB_REQS=$((WEB_REQS + 100))
n200=$(grep -c '^code=200 ' "$SL_TMP/ka.out")
ncon=$(awk -F'nc=' '/^code=/ { s += $2 } END { print s + 0 }' "$SL_TMP/ka.out")
expect_eq "keep-alive: responses 200 out of 100" "$n200" 100
expect_eq "keep-alive: TCP connections curl opened for 100 requests" "$ncon" 1
dist=$(grep -o '^backend-1[123] GET /ka/[0-9]*' "$SL_TMP/ka.out" | awk '{ print $1 }' | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')
sl_log "keep-alive: requests per backend: $dist"
spread=$(grep -o '^backend-1[123]' "$SL_TMP/ka.out" | sort | uniq -c | awk 'NR == 1 { lo = hi = $1 } { if ($1 < lo) lo = $1; if ($1 > hi) hi = $1; n++ } END { print (n == 3 && hi - lo <= 1) ? "even" : "uneven" }')
expect_eq "keep-alive: requests spread per request over the 3 backends (round robin)" "$spread" even
order_ok=$(grep -o 'GET /ka/[0-9]*' "$SL_TMP/ka.out" | awk -F/ '{ if ($3 != NR) bad = 1 } END { print (NR == 100 && !bad) ? "yes" : "no" }')
expect_eq "keep-alive: each response answers its own request" "$order_ok" yes

r=$(CX python3 "$CHECK" pipeline "$ECHO_H" "$ECHO_P" --count 10 --prefix /echo/p --timeout 10)
rc=$?
show "pipeline" "$r"
expect_eq "10 pipelined requests: 10 responses in order (http_check.py pipeline)" "$rc" 0

# ---- 6. Expect, Connection: close, HTTP/1.0, response framings, upgrade -----------------
section "6. Expect: 100-continue, Connection: close, chunked / close-delimited responses, 101"
r=$(CX python3 "$CHECK" expect100 "$ECHO_H" "$ECHO_P" --path /echo/100 --bytes 2097152 --timeout 10)
rc=$?
show "expect100 (raw)" "$r"
expect_eq "Expect: 100-continue: 100 before the body, then 200 with the whole body" "$rc" 0
CURL --max-time 20 -v -o "$SL_TMP/e100.json" -H 'Expect: 100-continue' \
	-w 'code=%{http_code} t=%{time_total}\n' --data-binary @"$SL_TMP/post2.bin" "$ECHO/100" \
	>"$SL_TMP/e100.w" 2>"$SL_TMP/e100.err"
sl_log "curl POST 2 MiB with Expect: $(cat "$SL_TMP/e100.w")"
if grep -q '^< HTTP/1.1 100' "$SL_TMP/e100.err"; then pass "curl got the interim 100 Continue"; else fail "curl did not see 100 Continue"; fi
expect_eq "curl POST with Expect: status" "$(grep -o 'code=[0-9]*' "$SL_TMP/e100.w")" code=200
expect_eq "curl POST with Expect: SHA-256 at the backend" "$(jget "$SL_TMP/e100.json" body_sha256)" "$POST2_SHA"
CURL --max-time 20 -o "$SL_TMP/no100.json" -H 'Expect: 100-continue' \
	-w 'code=%{http_code} t=%{time_total}\n' --data-binary @"$SL_TMP/post2.bin" "$ECHO/no100" >"$SL_TMP/no100.w"
sl_log "curl POST with Expect to a backend that never sends 100: $(cat "$SL_TMP/no100.w") (curl waits 1 s, then sends)"
expect_eq "POST with Expect, backend without 100: SHA-256 at the backend" "$(jget "$SL_TMP/no100.json" body_sha256)" "$POST2_SHA"

r=$(CX python3 "$CHECK" raw "$ECHO_H" "$ECHO_P" --timeout 5 --expect-status 200 --expect-close \
	--data 'GET /echo/cc HTTP/1.1\r\nHost: sluice.test\r\nConnection: close\r\n\r\n')
rc=$?
sl_log "Connection: close: $(printf '%s' "$r" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("status", d["status"], "closed", d["closed"], "after", d["seconds"], "s")')"
expect_eq "Connection: close: 200, then the gateway closes" "$rc" 0
r=$(CX python3 "$CHECK" raw "$ECHO_H" "$ECHO_P" --timeout 5 --expect-status 200 --expect-close \
	--data 'GET /echo/h10 HTTP/1.0\r\nHost: sluice.test\r\n\r\n')
rc=$?
expect_eq "HTTP/1.0 without keep-alive: 200, then the gateway closes" "$rc" 0
[ "$rc" = 0 ] || show "HTTP/1.0" "$r"

CURL -D "$SL_TMP/ch.head" -o "$SL_TMP/ch.body" "$ECHO/chunked"
want_sha=$(awk -F': *' 'tolower($1) == "x-body-sha256" { gsub(/\r/, "", $2); print $2 }' "$SL_TMP/ch.head")
want_len=$(awk -F': *' 'tolower($1) == "x-body-length" { gsub(/\r/, "", $2); print $2 }' "$SL_TMP/ch.head")
sl_log "chunked response: framing to the client: $(grep -i -E '^(transfer-encoding|content-length):' "$SL_TMP/ch.head" | tr -d '\r' | paste -sd' ')"
expect_eq "chunked response: length at the client" "$(stat -c %s "$SL_TMP/ch.body")" "${want_len:-?}"
expect_eq "chunked response: SHA-256 at the client" "$(sha256sum "$SL_TMP/ch.body" | awk '{ print $1 }')" "${want_sha:-?}"

CURL -D "$SL_TMP/cl.head" -o "$SL_TMP/cl.body" "$ECHO/close"
want_sha=$(awk -F': *' 'tolower($1) == "x-body-sha256" { gsub(/\r/, "", $2); print $2 }' "$SL_TMP/cl.head")
expect_eq "close-delimited response: SHA-256 at the client" "$(sha256sum "$SL_TMP/cl.body" | awk '{ print $1 }')" "${want_sha:-?}"
r=$(CX python3 "$CHECK" raw "$ECHO_H" "$ECHO_P" --timeout 5 --expect-status 200 --expect-close \
	--data 'GET /echo/close HTTP/1.1\r\nHost: sluice.test\r\n\r\n')
rc=$?
sl_log "close-delimited, keep-alive client: $(printf '%s' "$r" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("status", d["status"], "received", d["received"], "closed", d["closed"], "after", d["seconds"], "s")')"
expect_eq "close-delimited response: the client connection is closed after it" "$rc" 0

r=$(CX python3 "$CHECK" ws "$ECHO_H" "$ECHO_P" --path /echo/ws --bytes 1048576 --timeout 15)
rc=$?
show "upgrade /echo/ws" "$r"
expect_eq "upgrade: 101, then 1 MiB tunnelled both ways, FIN for FIN" "$rc" 0

# ---- 7. a backend reset mid-response --------------------------------------------------
section "7. /echo/die: the backend resets mid-response; concurrent clients unaffected"
bg=()
for i in 1 2 3; do
	CURL -o /dev/null -w '%{http_code}\n' "$ECHO/slow?ms=700&n=$i" >"$SL_TMP/side$i.code" 2>/dev/null &
	bg+=($!)
	CURL -o /dev/null -w '%{http_code}\n' "$WEB/side/$i" >"$SL_TMP/sidew$i.code" 2>/dev/null &
	bg+=($!)
	WEB_REQS=$((WEB_REQS + 1))
done
sleep 0.2
rc=0
code=$(CURL -o "$SL_TMP/die.body" -w '%{http_code}' "$ECHO/die") || rc=$?
sl_log "GET /echo/die: curl exit $rc, status '$code', $(stat -c %s "$SL_TMP/die.body" 2>/dev/null || echo 0) body bytes of 1048576 announced"
case $rc in
18 | 52 | 56) pass "GET /echo/die fails cleanly for its client (curl exit $rc)" ;;
*) fail "GET /echo/die: curl exit $rc (status '$code'), expected 18, 52 or 56" ;;
esac
for i in 1 2 3 4 5; do
	CURL -o /dev/null -w '%{http_code}\n' "$WEB/after/$i" >"$SL_TMP/after$i.code"
	WEB_REQS=$((WEB_REQS + 1))
done
for p in "${bg[@]}"; do wait "$p"; done
codes=$(cat "$SL_TMP"/side*.code "$SL_TMP"/after*.code | tr '\n' ' ')
sl_log "statuses of the 11 other requests meanwhile and after: $codes"
expect_eq "other requests during and after the reset: 200s" "$(printf '%s' "$codes" | tr ' ' '\n' | grep -c '^200$')" 11
rc=0
code=$(CURL -o "$SL_TMP/die0.body" -w '%{http_code}' "$ECHO/die?bytes=0") || rc=$?
sl_log "GET /echo/die?bytes=0 (reset before any byte): curl exit $rc, status '$code', body '$(head -c 200 "$SL_TMP/die0.body" 2>/dev/null | tr '\n' ' ')'"
if [ "$rc" = 0 ] && [ "$code" = 502 ]; then
	pass "reset before any response byte: 502"
else
	fail "reset before any response byte: curl exit $rc, status '$code', expected 502"
fi

# ---- 8. backends that do not answer ---------------------------------------------------------
section "8. a pool whose backend listens nowhere; one nginx stopped"
t0=$(date +%s.%N)
rc=0
code=$(CURL -o "$SL_TMP/dead.body" -w '%{http_code}' "$DEAD/x") || rc=$?
t1=$(date +%s.%N)
sl_log "GET /dead/x: curl exit $rc, status '$code' after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')s, body $(stat -c %s "$SL_TMP/dead.body" 2>/dev/null || echo 0) bytes: '$(head -c 200 "$SL_TMP/dead.body" 2>/dev/null | tr '\n' ' ')'"
if [ "$rc" = 0 ] && { [ "$code" = 502 ] || [ "$code" = 503 ]; } && [ "$(stat -c %s "$SL_TMP/dead.body")" -lt 1024 ]; then
	pass "no backend listening: $code with a short body"
else
	fail "no backend listening: curl exit $rc, status '$code', expected 502 or 503 with a body under 1 KiB"
fi

# The CLI counters first (section 9 compares them), then stop backend-12.
snap_backends() { cli show backends 2>/dev/null; }
B0=$(snap_backends)
for i in $(seq 1 30); do
	CURL -o /dev/null "$WEB/count/$i"
done
WEB_REQS=$((WEB_REQS + 30))
B1=$(snap_backends)

sl_pid_stop "$SL_NGINX_PID_12" 10
sl_log "stopped nginx backend-12 (pid $SL_NGINX_PID_12)"
res=()
for i in $(seq 1 9); do
	rc=0
	out=$(CURL -w '\n%{http_code}' "$WEB/") || rc=$?
	code=${out##*$'\n'}
	body=${out%$'\n'*}
	body=${body%$'\n'}
	res+=("rc=$rc:$code:$(printf '%s' "$body" | head -c 40 | tr ' \n' '_ ')")
	WEB_REQS=$((WEB_REQS + 1))
done
sl_log "9 x GET / with backend-12 down: ${res[*]}"
ok200=$(printf '%s\n' "${res[@]}" | grep -c ':200:backend-1[13]')
n5xx=$(printf '%s\n' "${res[@]}" | grep -c '^rc=0:50[23]:')
other=$((9 - ok200 - n5xx))
sl_log "with backend-12 down: $ok200 x 200 from backend-11/13, $n5xx x 502/503, $other other"
expect_eq "requests with backend-12 down neither 200 from 11/13 nor 502/503" "$other" 0
if [ "$ok200" -ge 6 ]; then pass "backend-11 and -13 still serve ($ok200 of 9)"; else fail "only $ok200 of 9 served by backend-11/-13"; fi
if printf '%s\n' "${res[@]}" | grep -q backend-12; then fail "a stopped backend answered"; fi

# ---- 9. CLI -----------------------------------------------------------------------------------
if [ -z "${SL_HTTP_DIRECT:-}" ]; then
	section "9. show backends / pools / vips / tcp stats"
	show "show backends (before the 30 counted GETs)" "$B0"
	show "show backends (after them)" "$B1"
	for b in b11 b12 b13 echo nobody; do
		if printf '%s\n' "$B1" | grep -qw "$b"; then pass "show backends lists $b"; else fail "show backends does not list $b"; fi
	done
	# The counters of b11, b12 and b13 (a block per backend: from the line naming it to
	# the line naming the next one): some number in them must have grown by the 30
	# requests, compared position by position; and at the end their "requests: N" must
	# add up to every request this script sent to pool web.
	BEND=$(sl_cli show backends)
	moved=$(python3 - "$B0" "$B1" "$BEND" "$WEB_REQS" <<'EOF'
import re, sys
NAMES = ("b11", "b12", "b13", "echo", "nobody")
def blocks(text):
    r, cur = {}, None
    for line in text.splitlines():
        for n in NAMES:
            if re.search(r"(?<![\w.-])%s(?![\w-])" % n, line) and n not in r:
                cur = n
                r[cur] = ""
                break
        if cur:
            r[cur] += line + "\n"
    return r
def nums(t):
    return [int(x) for x in re.findall(r"(?<![\w.:])\d+(?![\w.:])", t)]
a, b, end = blocks(sys.argv[1]), blocks(sys.argv[2]), blocks(sys.argv[3])
web = ("b11", "b12", "b13")
delta = ""
if all(k in a and k in b for k in web):
    na, nb = {k: nums(a[k]) for k in web}, {k: nums(b[k]) for k in web}
    for col in range(min(len(v) for v in list(na.values()) + list(nb.values()))):
        d = [nb[k][col] - na[k][col] for k in web]
        if sum(d) == 30 and all(x >= 0 for x in d):
            delta = "number %d of each block: +%d +%d +%d" % (col, *d)
            break
total = ""
if all(k in end for k in web):
    got = [re.search(r"requests:\s*(\d+)", end[k]) for k in web]
    if all(got):
        total = str(sum(int(g.group(1)) for g in got))
print("%s|%s" % (delta, total))
EOF
)
	if [ -n "${moved%|*}" ]; then
		pass "show backends: a counter of b11+b12+b13 grew by the 30 requests sent (${moved%|*})"
	else
		fail "show backends: no counter of b11, b12, b13 grew by exactly 30 over 30 requests"
	fi
	expect_eq "show backends: requests of b11+b12+b13 (this script sent $WEB_REQS to pool web)" "${moved#*|}" "$WEB_REQS"
	web_pool=$(sl_cli show pools | awk '$1 == "pool" && $2 == "web:" { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^request/) print $i }')
	expect_eq "show pools: requests of pool web" "$web_pool" "$WEB_REQS"
	for c in "show pools" "show vips"; do
		out=$(sl_cli "$c")
		show "$c" "$out"
		if [ -n "$out" ] && ! printf '%s' "$out" | grep -q 'Command not found\|Bad arguments'; then
			pass "$c answers"
		else
			fail "$c: '$out'"
		fi
	done
	out=$(sl_cli show pools)
	for p in web echo dead; do
		printf '%s\n' "$out" | grep -qw "$p" || fail "show pools does not list pool $p"
	done
	printf '%s\n' "$(sl_cli show vips)" | grep -q '10.77.1.1:80' || fail "show vips does not show 10.77.1.1:80"
	sl_log "requests sent to pool web in this run: $WEB_REQS"
	show "show backends (end)" "$BEND"
	show "show tcp stats" "$(sl_cli show tcp stats)"
	show "show port stats all" "$(sl_cli show port stats all)"

	# ---- 10. SIGTERM ---------------------------------------------------------------------
	section "10. SIGTERM"
	log=$SL_LOG
	sl_sluice_stop 20
	expect_eq "exit status of sluice after SIGTERM" "$SL_SLUICE_RC" 0
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
