#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tests/integration/http_check.py - raw-socket HTTP client helpers for the sluice tests.

Python 3 standard library only. Runs in the client network namespace. Each sub-command
prints one JSON object on stdout and exits 0 when the exchange did what a user expects,
1 otherwise (the JSON says why), 2 on bad usage. Every socket operation is bounded by
--timeout.

  raw HOST PORT --data TEXT [--append-chunked BYTES] [--expect-status N] [--expect-close]
      Sends TEXT (Python escapes: \\r \\n \\x00 ...; {A*N} repeats A N times), then a
      chunked body of BYTES if asked, in one send on a new connection, and reads until
      EOF or --timeout. Reports the status line of the first response, whether the
      gateway closed (EOF or reset) and what came (--tsv: a tab-separated line first).

  pipeline HOST PORT --count N --prefix P
      N GET requests P1 .. PN written in one send on one connection; N responses must
      come back, in order, each a JSON report whose target is the request's.

  expect100 HOST PORT --path P --bytes N
      A POST with Expect: 100-continue and Content-Length N: "100 Continue" must come
      before we send the body (waits up to --timeout), then the final response must
      report N bytes with the right SHA-256.

  ws HOST PORT --path P --bytes N
      An upgrade request (Connection: upgrade, Upgrade: websocket); after 101, N random
      bytes are sent in pieces while reading, and the same N bytes must come back; then
      our FIN must bring the gateway's.

  jget FILE KEY            print a key of a JSON file (a report of http_backend.py)
  jheader FILE NAME        print the values of header NAME in the report, one per line
  jnames FILE              print the header names in the report, in order, one per line
"""

import argparse
import hashlib
import json
import os
import re
import socket
import sys
import time


def out(ok, **kw):
    kw["ok"] = bool(ok)
    print(json.dumps(kw))
    sys.exit(0 if ok else 1)


def decode(text):
    """Python escapes into bytes; {X*N} expands to N copies of X (after escapes)."""
    def rep(m):
        return m.group(1) * int(m.group(2))
    text = re.sub(r"\{([^{}*]+)\*(\d+)\}", rep, text)
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


def connect(host, port, timeout):
    s = socket.create_connection((host, port), timeout=timeout)
    s.settimeout(timeout)
    return s


class Reader:
    """Buffered reads on a socket with a deadline."""

    def __init__(self, sock, deadline):
        self.s = sock
        self.buf = b""
        self.deadline = deadline
        self.eof = False
        self.reset = False

    def fill(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline")
        self.s.settimeout(left)
        try:
            d = self.s.recv(262144)
        except ConnectionResetError:
            self.reset = True
            d = b""
        if not d:
            self.eof = True
            raise EOFError("connection closed")
        self.buf += d

    def line(self):
        while b"\n" not in self.buf:
            self.fill()
        ln, _, self.buf = self.buf.partition(b"\n")
        return ln + b"\n"

    def exact(self, n):
        while len(self.buf) < n:
            self.fill()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def rest(self):
        try:
            while True:
                self.fill()
        except (EOFError, TimeoutError, OSError):
            pass
        d, self.buf = self.buf, b""
        return d

    def response(self, method="GET"):
        """One response: (code, status line, headers [(name, value)], body). Interim
        1xx responses are returned as they are (the caller reads on)."""
        status = self.line().rstrip(b"\r\n").decode("latin-1")
        parts = status.split(" ", 2)
        code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
        headers = []
        while True:
            h = self.line()
            if h in (b"\r\n", b"\n"):
                break
            n, _, v = h.rstrip(b"\r\n").partition(b":")
            headers.append((n.decode("latin-1"), v.strip().decode("latin-1")))
        hd = {n.lower(): v for n, v in headers}
        body = b""
        if method == "HEAD" or 100 <= code < 200 or code in (204, 304):
            pass
        elif "chunked" in hd.get("transfer-encoding", "").lower():
            while True:
                size = int(self.line().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.line() not in (b"\r\n", b"\n"):
                        pass
                    break
                body += self.exact(size)
                self.exact(2)
        elif "content-length" in hd:
            body = self.exact(int(hd["content-length"]))
        else:
            body = self.rest()
        return code, status, headers, body


def cmd_raw(a):
    data = decode(a.data)
    if a.append_chunked:
        left, piece = a.append_chunked, b"c" * 65536
        while left:
            n = min(left, len(piece))
            data += b"%x\r\n%s\r\n" % (n, piece[:n])
            left -= n
        data += b"0\r\n\r\n"
    t0 = time.monotonic()
    s = connect(a.host, a.port, a.timeout)
    send_error = ""
    try:
        s.sendall(data)
    except OSError as e:  # the gateway may answer and close before taking everything
        send_error = "%s: %s" % (type(e).__name__, e)
    r = Reader(s, t0 + a.timeout)
    got = r.rest()
    s.close()
    first = got.split(b"\n", 1)[0].rstrip(b"\r").decode("latin-1")
    parts = first.split(" ", 2)
    code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
    closed = r.eof
    n_resp = len(re.findall(rb"(?:^|\r\n)HTTP/1\.[01] \d{3}", got))
    res = dict(sent=len(data), send_error=send_error, status_line=first, status=code, closed=closed, reset=r.reset,
               received=len(got), responses=n_resp,
               seconds=round(time.monotonic() - t0, 3), head=got[:300].decode("latin-1"))
    ok = True
    why = []
    if a.expect_status is not None and code != a.expect_status:
        ok = False
        why.append("status %d, expected %d" % (code, a.expect_status))
    if a.expect_close and not closed:
        ok = False
        why.append("the connection stayed open for %ss" % a.timeout)
    if a.expect_status is not None and n_resp > 1:
        ok = False
        why.append("%d responses on the connection, expected 1" % n_resp)
    if a.tsv:  # status, status line (JSON), closed, a few figures (JSON): one line first
        print("\t".join((str(code), json.dumps(first), str(closed), json.dumps(
            {k: res[k] for k in ("responses", "received", "seconds", "send_error")}))))
    out(ok, why="; ".join(why), **res)


def cmd_pipeline(a):
    reqs = b"".join(b"GET %s%d HTTP/1.1\r\nHost: sluice.test\r\nUser-Agent: pipeline\r\n\r\n"
                    % (a.prefix.encode(), i) for i in range(1, a.count + 1))
    t0 = time.monotonic()
    s = connect(a.host, a.port, a.timeout)
    s.sendall(reqs)  # one send call: the requests are pipelined
    r = Reader(s, t0 + a.timeout)
    targets, codes, why = [], [], ""
    try:
        for _ in range(a.count):
            code, _, _, body = r.response()
            codes.append(code)
            try:
                targets.append(json.loads(body).get("target"))
            except ValueError:
                targets.append("(not JSON: %r)" % body[:60])
    except (EOFError, TimeoutError, OSError, ValueError) as e:
        why = "after %d responses: %s" % (len(codes), e)
    s.close()
    want = ["%s%d" % (a.prefix, i) for i in range(1, a.count + 1)]
    ok = not why and targets == want and all(c == 200 for c in codes)
    out(ok, why=why or ("" if ok else "targets or statuses differ"), sent_bytes=len(reqs),
        statuses=codes, targets=targets, expected=want,
        seconds=round(time.monotonic() - t0, 3))


def cmd_expect100(a):
    body = os.urandom(a.bytes)
    sha = hashlib.sha256(body).hexdigest()
    t0 = time.monotonic()
    s = connect(a.host, a.port, a.timeout)
    s.sendall(b"POST %s HTTP/1.1\r\nHost: sluice.test\r\nContent-Length: %d\r\n"
              b"Content-Type: application/octet-stream\r\nExpect: 100-continue\r\n\r\n"
              % (a.path.encode(), a.bytes))
    r = Reader(s, t0 + a.timeout)
    res = {}
    try:
        code, status, _, _ = r.response()
        res["first_status"] = status
        res["seconds_to_first"] = round(time.monotonic() - t0, 3)
        if code != 100:
            out(False, why="first response %r, expected 100 Continue before the body" % status,
                **res)
        s.sendall(body)
        code, status, _, rbody = r.response("POST")
        res["final_status"] = status
        rep = json.loads(rbody)
        res.update(backend_body_len=rep.get("body_len"), backend_sha_ok=rep.get(
            "body_sha256") == sha, backend_sent_100=rep.get("sent_100"))
        ok = code == 200 and rep.get("body_len") == a.bytes and rep.get("body_sha256") == sha
        out(ok, why="" if ok else "final response or body report differs", **res)
    except (EOFError, TimeoutError, OSError, ValueError) as e:
        out(False, why="%s: %s" % (type(e).__name__, e), **res)


def cmd_ws(a):
    t0 = time.monotonic()
    s = connect(a.host, a.port, a.timeout)
    s.sendall(b"GET %s HTTP/1.1\r\nHost: sluice.test\r\nConnection: Upgrade\r\n"
              b"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n" % a.path.encode())
    r = Reader(s, t0 + a.timeout)
    res = {}
    try:
        code, status, headers, _ = r.response()
        res["status_line"] = status
        res["headers"] = headers
        if code != 101:
            out(False, why="expected 101 Switching Protocols", **res)
        data = os.urandom(a.bytes)
        got = bytearray(r.buf)
        r.buf = b""
        sent = 0
        s.setblocking(True)
        # Bounded ping-pong: send a piece, read what comes, until everything is back.
        while len(got) < len(data):
            if time.monotonic() > t0 + a.timeout:
                raise TimeoutError("echo incomplete: %d of %d bytes" % (len(got), len(data)))
            if sent < len(data):
                piece = data[sent:sent + 16384]
                s.settimeout(max(0.01, t0 + a.timeout - time.monotonic()))
                s.sendall(piece)
                sent += len(piece)
            s.settimeout(0.05 if sent < len(data) else max(0.01, t0 + a.timeout -
                                                            time.monotonic()))
            try:
                d = s.recv(262144)
                if not d:
                    raise EOFError("EOF after %d of %d echoed bytes" % (len(got), len(data)))
                got += d
            except socket.timeout:
                pass
        res.update(bytes=len(data), echoed=len(got), same=bytes(got) == data)
        s.shutdown(socket.SHUT_WR)
        tail = r.rest()
        res.update(eof_after_fin=r.eof, extra_bytes=len(tail),
                   seconds=round(time.monotonic() - t0, 3))
        ok = bytes(got) == data and r.eof and not tail
        out(ok, why="" if ok else "tunnelled bytes differ or no EOF after our FIN", **res)
    except (EOFError, TimeoutError, OSError, ValueError) as e:
        out(False, why="%s: %s" % (type(e).__name__, e), **res)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("raw", "pipeline", "expect100", "ws"):
        p = sub.add_parser(name)
        p.add_argument("host")
        p.add_argument("port", type=int)
        p.add_argument("--timeout", type=float, default=5.0)
        if name == "raw":
            p.add_argument("--data", required=True)
            p.add_argument("--expect-status", type=int)
            p.add_argument("--expect-close", action="store_true")
            p.add_argument("--append-chunked", type=int, default=0, metavar="BYTES",
                           help="append a chunked body of BYTES bytes (64 KiB chunks)")
            p.add_argument("--tsv", action="store_true",
                           help="first print: status, status line, closed, figures (tabs)")
        if name == "pipeline":
            p.add_argument("--count", type=int, default=10)
            p.add_argument("--prefix", default="/echo/")
        if name in ("expect100", "ws"):
            p.add_argument("--path", required=True)
            p.add_argument("--bytes", type=int, default=1 << 20)
    p = sub.add_parser("jget")
    p.add_argument("file")
    p.add_argument("key")
    p = sub.add_parser("jheader")
    p.add_argument("file")
    p.add_argument("name")
    p = sub.add_parser("jnames")
    p.add_argument("file")
    a = ap.parse_args()
    try:
        if a.cmd == "raw":
            cmd_raw(a)
        elif a.cmd == "pipeline":
            cmd_pipeline(a)
        elif a.cmd == "expect100":
            cmd_expect100(a)
        elif a.cmd == "ws":
            cmd_ws(a)
        elif a.cmd == "jget":
            v = load(a.file).get(a.key)
            print(v if not isinstance(v, (dict, list)) else json.dumps(v))
        elif a.cmd == "jheader":
            for n, v in load(a.file).get("headers", []):
                if n.lower() == a.name.lower():
                    print(v)
        elif a.cmd == "jnames":
            for n, _ in load(a.file).get("headers", []):
                print(n)
    except (OSError, ValueError) as e:
        if a.cmd.startswith("j"):
            print("http_check: %s: %s" % (a.cmd, e), file=sys.stderr)
            sys.exit(1)
        out(False, why="%s: %s" % (type(e).__name__, e))


if __name__ == "__main__":
    main()
