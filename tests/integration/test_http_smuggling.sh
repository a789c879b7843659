#!/usr/bin/env bash
# tests/integration/test_http_smuggling.sh — requests a proxy must refuse, sent raw.
#
# Topology as test_http_basic.sh (configs/http_smuggling.ini): the client namespace
# talks to the VIP 10.77.1.1:80, whose only backend is the python test backend
# (tests/integration/http_backend.py) on 10.77.2.11:8081. The backend logs every
# request head it parses, and every request it answers, to a file.
#
# Each case is written in one send on its own connection (http_check.py raw) and must:
#   * get exactly one response from sluice, with the expected status (400; 501 for a
#     transfer coding it does not implement; 505 for HTTP/2.0; 414, 431 and 413 for the
#     limits of [http] in the configuration), and a well-formed status line;
#   * have the connection closed by the gateway afterwards (after an error the framing
#     of whatever follows is unknown);
#   * leave the backend's log unchanged: the backend never sees the request (nor any
#     request hidden in its body). The one exception is marked "head-ok": a chunked
#     body that grows past max_body can only be refused once it has, so its head may
#     have reached the backend, but never a complete request.
# Valid requests through the same harness, before and after, get 200 and do reach the
# backend (the harness can tell).
#
# SL_HTTP_DIRECT=1 sends the same cases to the python backend directly (no gateway): a
# self-test of the harness, in which the checks fail, as they must.
# Run by meson (suite integration) with SLUICE and SL_SRC set, or by hand as root:
#   SLUICE=build/app/sluice bash tests/integration/test_http_smuggling.sh
# Exit 0 pass, 1 fail, 77 skip.

SL_NAME=test_http_smuggling
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
for t in python3 socat; do
	command -v "$t" >/dev/null || {
		sl_log "SKIP: $t is not installed"
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
show() {
	sl_log "$1:"
	printf '%s\n' "$2" | sed 's/^/    > /' >&2
}

CONF="$CONFIGS/http_smuggling.ini"
if [ -z "${SL_HTTP_DIRECT:-}" ]; then
	RC=0
	timeout 20 "$SLUICE" --check -f "$CONF" >"$SL_TMP/check.out" 2>"$SL_TMP/check.err" || RC=$?
	if [ "$RC" = 0 ]; then pass "--check of http_smuggling.ini"; else
		show "stderr of --check" "$(cat "$SL_TMP/check.err")"
		sl_die "--check of http_smuggling.ini: exit status $RC"
	fi
fi
sl_http_topology "$CONF" || sl_die "cannot set the topology up"
sl_http_backends_start "$SL_TMP" python || sl_die "cannot start the python backend"
if [ -n "${SL_HTTP_DIRECT:-}" ]; then
	sl_warn "SL_HTTP_DIRECT: no gateway, the cases go to the backend itself (harness self-test)"
	VH=10.77.2.11 VP=8081
else
	VH=10.77.1.1 VP=80
fi
LOG=$SL_PYLOG
SETTLE=${SL_SMUGGLE_SETTLE:-0.3} # time for a forwarded request to reach the backend's log

# case_ NAME EXPECT MODE DATA [RAW ARG...]
#   MODE: seen (a valid request: 200 and it reaches the backend), strict (the backend's
#   log must not change), head-ok (no complete request at the backend).
N_CASES=0
SUMMARY=()
# seen_summary LOGLINES: "phase target" of each backend log line, targets cut at 60 bytes
seen_summary() {
	printf '%s\n' "$1" | python3 -c '
import json, sys
for line in sys.stdin:
    if line.strip():
        d = json.loads(line)
        t = d.get("target", "-")
        print("%s %s%s" % (d.get("phase"), t[:60], "..." if len(t) > 60 else ""))' | paste -sd',' | sed 's/,/, /g'
}
case_() {
	local name=$1 want=$2 mode=$3 data=$4 before after new r rc st line closed extra
	shift 4
	N_CASES=$((N_CASES + 1))
	before=$(wc -l <"$LOG")
	r=$(ip netns exec "$SL_NSC" python3 "$CHECK" raw "$VH" "$VP" --timeout 3 --tsv \
		--expect-status "$want" --data "$data" "$@")
	rc=$?
	sleep "$SETTLE"
	after=$(wc -l <"$LOG")
	new=$(tail -n +"$((before + 1))" "$LOG")
	case $r in
	'{'*) # no exchange at all (refused, unreachable): say what the client namespace has
		st=-1 line='""' closed=False extra=$r
		sl_log "$name: no exchange; client ns: $(ip -n "$SL_NSC" -br addr 2>&1 | paste -sd';'); sluice pid ${SL_SLUICE_PID:-?} $(kill -0 "${SL_SLUICE_PID:-0}" 2>/dev/null && echo alive || echo gone)"
		;;
	*)
		IFS=$'\t' read -r st line closed extra <<<"$(printf '%s\n' "$r" | head -n 1)"
		r=$(printf '%s\n' "$r" | tail -n +2)
		;;
	esac
	local why=()
	[ "$st" = "$want" ] || why+=("status $st, expected $want")
	if ! printf '%s' "$line" | grep -Eq "^\"HTTP/1\.[01] $want [A-Za-z][A-Za-z -]*\"$"; then
		why+=("status line $line, expected \"HTTP/1.1 $want <reason>\"")
	fi
	[ "$rc" = 0 ] || why+=("http_check: $extra")
	case $mode in
	seen)
		printf '%s\n' "$new" | grep -q '"phase":"done"' || why+=("the backend never got this valid request")
		;;
	strict)
		if [ "$after" != "$before" ]; then
			if printf '%s\n' "$new" | grep -q '"phase":"done"'; then
				why+=("the backend received and answered $(printf '%s\n' "$new" | grep -c '"phase":"done"') request(s): $(seen_summary "$new")")
			else
				why+=("the backend saw $((after - before)) log line(s), no complete request: $(seen_summary "$new")")
			fi
		fi
		;;
	head-ok)
		if printf '%s\n' "$new" | grep -q '"phase":"done"'; then
			why+=("the backend received a complete request")
		fi
		[ "$after" = "$before" ] || sl_log "note: $name: the backend saw the head (allowed for this case)"
		;;
	esac
	if [ "$mode" != seen ] && [ "$closed" != True ]; then
		why+=("the gateway kept the connection open after the error")
	fi
	if [ -z "${SL_HTTP_DIRECT:-}" ] && sl_sluice_gone; then
		fail "$name: sluice is no longer running (after this case or before it)"
		exit 1
	fi
	if [ "${#why[@]}" -eq 0 ]; then
		pass "$(printf '%-20s %s  closed, backend log %s' "$name" "$line" "$([ "$mode" = seen ] && echo "+$((after - before))" || echo unchanged)")"
		SUMMARY+=("$(printf '%-20s want %s  got %-40s ok' "$name" "$want" "$line")")
	else
		fail "$name: $(printf '%s; ' "${why[@]}")"
		show "$name: http_check.py raw" "$r"
		SUMMARY+=("$(printf '%-20s want %s  got %-40s FAIL' "$name" "$want" "$line")")
	fi
}

H='Host: sluice.test\r\n'
HIDDEN='0\r\n\r\nGET /s/hidden HTTP/1.1\r\nHost: x\r\n\r\n' # 40 bytes: a request behind a last chunk

sl_log "== valid requests through the harness"
case_ valid_get 200 seen "GET /s/valid_get HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
case_ valid_post_cl 200 seen "POST /s/valid_post_cl HTTP/1.1\r\n${H}Content-Length: 5\r\nConnection: close\r\n\r\nhello"
case_ valid_post_chunked 200 seen "POST /s/valid_post_chunked HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n"

sl_log "== message framing"
case_ cl_te 400 strict "POST /s/cl_te HTTP/1.1\r\n${H}Content-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n$HIDDEN"
case_ te_cl 400 strict "POST /s/te_cl HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n$HIDDEN"
case_ cl_cl 400 strict "POST /s/cl_cl HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"
case_ cl_sign 400 strict "POST /s/cl_sign HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nhello"
case_ cl_list 400 strict "POST /s/cl_list HTTP/1.1\r\n${H}Content-Length: 1, 2\r\n\r\nhi"
case_ te_chunked_twice 400 strict "POST /s/te_chunked_twice HTTP/1.1\r\n${H}Transfer-Encoding: chunked, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
case_ te_gzip_chunked 501 strict "POST /s/te_gzip_chunked HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
# An unknown coding that is last: chunked is not the final coding, so RFC 9112 6.3 (4)
# says 400 (a MUST, above 6.1's SHOULD answer 501). Unknown but with chunked last: 501.
case_ te_xchunked 400 strict "POST /s/te_xchunked HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n$HIDDEN"
case_ te_xchunked_chunked 501 strict "POST /s/te_xchunked_chunked HTTP/1.1\r\n${H}Transfer-Encoding: xchunked, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
case_ te_space_colon 400 strict "POST /s/te_space_colon HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n$HIDDEN"
case_ te_http10 400 strict "POST /s/te_http10 HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n$HIDDEN"
case_ chunk_overflow 400 strict "POST /s/chunk_overflow HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nhello\r\n0\r\n\r\n"
case_ chunk_0x 400 strict "POST /s/chunk_0x HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0x10\r\n{a*16}\r\n0\r\n\r\n"

sl_log "== header and request-line syntax"
case_ obs_fold 400 strict "GET /s/obs_fold HTTP/1.1\r\n${H}X-Fold: a\r\n b\r\n\r\n"
case_ bare_cr 400 strict "GET /s/bare_cr HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n"
case_ bare_lf 400 strict "GET /s/bare_lf HTTP/1.1\nHost: sluice.test\n\n"
case_ nul_value 400 strict "GET /s/nul_value HTTP/1.1\r\n${H}X-A: a\x00b\r\n\r\n"
case_ no_host 400 strict "GET /s/no_host HTTP/1.1\r\n\r\n"
case_ two_host 400 strict "GET /s/two_host HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n"
case_ two_spaces 400 strict "GET  /s/two_spaces HTTP/1.1\r\n${H}\r\n"
case_ ctl_target 400 strict "GET /s/ctl\x01target HTTP/1.1\r\n${H}\r\n"
case_ http20 505 strict "GET /s/http20 HTTP/2.0\r\n${H}\r\n"

sl_log "== limits (max_request_line 8192, max_header_bytes 32768, max_headers 100, max_body 1 MiB)"
case_ long_target 414 strict "GET /s/{a*10000} HTTP/1.1\r\n${H}\r\n"
case_ many_headers 431 strict "GET /s/many_headers HTTP/1.1\r\n${H}{X-Many: v\r\n*150}\r\n"
case_ big_header 431 strict "GET /s/big_header HTTP/1.1\r\n${H}X-Big: {b*40000}\r\n\r\n"
case_ body_413_cl 413 strict "POST /s/body_413_cl HTTP/1.1\r\n${H}Content-Length: 2000000\r\n\r\n"
case_ body_413_chunked 413 head-ok "POST /s/body_413_chunked HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n" --append-chunked 1572864

sl_log "== valid requests again (the gateway is still sane)"
case_ valid_get_end 200 seen "GET /s/valid_get_end HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
case_ valid_chunked_end 200 seen "POST /s/valid_chunked_end HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{5\r\nhello\r\n*10}0\r\n\r\n"

show "cases ($N_CASES)" "$(printf '%s\n' "${SUMMARY[@]}")"
if [ -z "${SL_HTTP_DIRECT:-}" ]; then
	show "show tcp stats" "$(sl_cli show tcp stats)"
	show "show vips" "$(sl_cli show vips)"
	log=$SL_LOG
	if sl_sluice_gone; then fail "sluice exited before the end of the test (before SIGTERM)"; fi
	sl_sluice_stop 20
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
