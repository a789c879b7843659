#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tests/integration/tcp_client.py - TCP client for the sluice integration tests.

Python 3 standard library only. Runs inside a client network namespace and talks to the
gateway's echo (RFC 862) and discard (RFC 863) services. Each sub-command prints one JSON
object on stdout (the figures the shell test asserts on and reports) and exits 0 when
the exchange did what a user expects, 1 otherwise (the JSON says why), 2 on bad usage.

  stream HOST PORT --bytes N [--mode echo|discard] [--timeout S] [--seed K]
      One connection. Sends N bytes of seeded pseudo-random data while receiving,
      shutdown(SHUT_WR) after the last byte, reads to EOF. echo: the bytes received must
      be the bytes sent (length and SHA-256). discard: no byte may come back, and the
      gateway must close cleanly (EOF, not a reset) after our FIN. Records the longest
      interval without receiving a byte (echo) or without sending one (both), measured
      from the first byte sent to EOF, to expose stalls. When an echo stops short (time
      bound), prefix_ok says whether the bytes received were the first ones sent.

  concurrent HOST PORT --conns C --bytes N [--timeout S] [--connect-timeout S]
      C connections at once (non-blocking connect, one selector), each sends its own N
      seeded bytes, half-closes, and must read back exactly those N bytes, then EOF.

  serve ADDR PORT [--timeout S]
      A Linux echo server with the same half-close behaviour as the gateway's echo
      service (FIN after the peer's FIN and all data echoed), one selector, any number of
      connections: the Linux-to-Linux baseline the tests compare the gateway with.
      Exits after --timeout seconds.

Everything is bounded by --timeout (whole run): on expiry the run stops and reports
what was incomplete.
"""

import argparse
import errno
import hashlib
import json
import random
import selectors
import socket
import sys
import time

CHUNK = 256 * 1024


class Source:
    """N bytes of pseudo-random data from a seed, produced in chunks, hashed as sent."""

    def __init__(self, seed, total):
        self.rng = random.Random(seed)
        self.total = total
        self.made = 0
        self.buf = b""
        self.off = 0
        self.sha = hashlib.sha256()

    def pending(self):
        """The next bytes to send (a memoryview), empty when everything was sent."""
        if self.off >= len(self.buf):
            if self.made >= self.total:
                return memoryview(b"")
            n = min(CHUNK, self.total - self.made)
            self.buf = self.rng.randbytes(n)
            self.sha.update(self.buf)
            self.made += n
            self.off = 0
        return memoryview(self.buf)[self.off:]

    def advance(self, n):
        self.off += n

    def done(self):
        return self.made >= self.total and self.off >= len(self.buf)


def prefix_sha256(seed, total, n):
    """SHA-256 of the first n bytes Source(seed, total) produces (same chunking)."""
    rng = random.Random(seed)
    h = hashlib.sha256()
    made = 0
    while made < n:
        size = min(CHUNK, total - made)
        buf = rng.randbytes(size)
        h.update(buf[:n - made])
        made += size
    return h.hexdigest()


def tcp_options(sock):
    """The options Linux negotiated (struct tcp_info tcpi_options, tcpi_*_wscale) as a
    string: ts,sack,ws(snd/rcv) — snd is the shift the peer announced, rcv ours."""
    try:
        raw = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    except OSError:
        return None
    if len(raw) < 8:
        return None
    o, ws = raw[5], raw[6]
    names = [n for bit, n in ((1, "ts"), (2, "sack")) if o & bit]
    if o & 4:
        names.append("ws(%d/%d)" % (ws & 15, ws >> 4))
    return ",".join(names) or "none"


def total_retrans(sock):
    """tcpi_total_retrans (offset 100 in struct tcp_info), or None when unavailable."""
    try:
        raw = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)
    except OSError:
        return None
    if len(raw) < 104:
        return None
    return int.from_bytes(raw[100:104], sys.byteorder)


def cmd_stream(a):
    res = {
        "mode": a.mode, "bytes": a.bytes, "sent": 0, "received": 0,
        "sha256_sent": None, "sha256_received": None, "ok": False, "error": None,
    }
    src = Source(a.seed, a.bytes)
    rsha = hashlib.sha256()
    t_start = time.monotonic()
    deadline = t_start + a.timeout
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if a.bufsize:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, a.bufsize)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.bufsize)
    sock.settimeout(min(a.timeout, 30))
    try:
        sock.connect((a.host, a.port))
    except OSError as e:
        res["error"] = "connect: %s" % e
        res["duration_s"] = round(time.monotonic() - t_start, 3)
        print(json.dumps(res))
        return 1
    t_conn = time.monotonic()
    res["connect_s"] = round(t_conn - t_start, 4)
    res["options"] = tcp_options(sock)
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    shut = False
    eof = False
    last_rx = last_tx = t_conn
    max_rx_gap = max_tx_gap = 0.0
    rx_gap_at = tx_gap_at = 0
    t_shut = None
    while not eof:
        now = time.monotonic()
        if now > deadline:
            res["error"] = "timeout after %.1f s: sent %d of %d, received %d" % (
                a.timeout, res["sent"], a.bytes, res["received"])
            break
        events = sel.select(timeout=min(0.5, deadline - now))
        now = time.monotonic()
        for _key, mask in events:
            if mask & selectors.EVENT_READ:
                try:
                    data = sock.recv(CHUNK)
                except (BlockingIOError, InterruptedError):
                    data = None
                except OSError as e:
                    res["error"] = "recv: %s" % e
                    eof = True
                    break
                if data is not None:
                    if not data:
                        eof = True
                        res["eof_s"] = round(now - t_start, 3)
                        break
                    gap = now - last_rx
                    if gap > max_rx_gap:
                        max_rx_gap, rx_gap_at = gap, res["received"]
                    last_rx = now
                    res["received"] += len(data)
                    rsha.update(data)
            if mask & selectors.EVENT_WRITE and not shut:
                view = src.pending()
                if len(view):
                    try:
                        n = sock.send(view)
                    except (BlockingIOError, InterruptedError):
                        n = 0
                    except OSError as e:
                        res["error"] = "send: %s" % e
                        eof = True
                        break
                    if n:
                        gap = now - last_tx
                        if gap > max_tx_gap:
                            max_tx_gap, tx_gap_at = gap, res["sent"]
                        last_tx = now
                        src.advance(n)
                        res["sent"] += n
                if src.done():
                    sock.shutdown(socket.SHUT_WR)
                    shut = True
                    t_shut = now
                    res["shutdown_s"] = round(now - t_start, 3)
                    sel.modify(sock, selectors.EVENT_READ)
    t_end = time.monotonic()
    # A stall at the end (data sent, nothing back yet) counts too.
    if a.mode == "echo" and res["error"] and res["error"].startswith("timeout"):
        max_rx_gap = max(max_rx_gap, t_end - last_rx)
    res["retrans_linux"] = total_retrans(sock)
    sock.close()
    res["sha256_sent"] = src.sha.hexdigest()
    res["sha256_received"] = rsha.hexdigest()
    dur = t_end - t_conn
    res["duration_s"] = round(dur, 3)
    moved = res["sent"] + res["received"]
    res["mb_s"] = round(res["sent"] / dur / 1e6, 2) if dur > 0 else None
    res["mb_s_both"] = round(moved / dur / 1e6, 2) if dur > 0 else None
    res["max_rx_gap_s"] = round(max_rx_gap, 3)
    res["max_rx_gap_at"] = rx_gap_at
    res["max_tx_gap_s"] = round(max_tx_gap, 3)
    res["max_tx_gap_at"] = tx_gap_at
    # An incomplete echo: are the bytes that did come back the right ones?
    if a.mode == "echo" and 0 < res["received"] < a.bytes:
        res["prefix_ok"] = prefix_sha256(a.seed, a.bytes, res["received"]) == res["sha256_received"]
    if t_shut is not None and "eof_s" in res:
        res["close_after_shutdown_s"] = round(res["eof_s"] - res["shutdown_s"], 3)
    if res["error"] is None:
        if res["sent"] != a.bytes:
            res["error"] = "sent %d of %d bytes" % (res["sent"], a.bytes)
        elif a.mode == "echo":
            if res["received"] != a.bytes:
                res["error"] = "received %d bytes, sent %d" % (res["received"], a.bytes)
            elif res["sha256_received"] != res["sha256_sent"]:
                res["error"] = "bytes differ: sha256 sent %s, received %s" % (
                    res["sha256_sent"], res["sha256_received"])
        elif res["received"] != 0:
            res["error"] = "discard sent %d bytes back" % res["received"]
    res["ok"] = res["error"] is None
    print(json.dumps(res))
    return 0 if res["ok"] else 1


class Conn:
    __slots__ = ("idx", "sock", "src", "rsha", "received", "sent", "state", "error",
                 "t0", "t_done", "connected", "lport")

    def __init__(self, idx, seed, nbytes):
        self.idx = idx
        self.sock = None
        self.src = Source(seed, nbytes)
        self.rsha = hashlib.sha256()
        self.received = 0
        self.sent = 0
        self.state = "connecting"
        self.error = None
        self.t0 = None
        self.t_done = None
        self.connected = False
        self.lport = None


def cmd_concurrent(a):
    t_start = time.monotonic()
    deadline = t_start + a.timeout
    sel = selectors.DefaultSelector()
    conns = []
    for i in range(a.conns):
        c = Conn(i, a.seed * 1000003 + i, a.bytes)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        c.sock = s
        c.t0 = time.monotonic()
        rc = s.connect_ex((a.host, a.port))
        if rc not in (0, errno.EINPROGRESS):
            c.state = "failed"
            c.error = "connect: %s" % errno.errorcode.get(rc, rc)
            s.close()
            c.sock = None
        else:
            sel.register(s, selectors.EVENT_WRITE, c)
        conns.append(c)
    open_n = sum(1 for c in conns if c.sock is not None)
    t_all_connected = None
    n_connected = 0
    live = peak = 0  # connected and not finished
    while open_n:
        now = time.monotonic()
        if now > deadline:
            break
        for c in conns:
            if c.state == "connecting" and c.sock is not None and now - c.t0 > a.connect_timeout:
                c.state, c.error = "failed", "connect timed out"
                sel.unregister(c.sock)
                c.sock.close()
                c.sock = None
                open_n -= 1
        events = sel.select(timeout=min(0.5, max(0.0, deadline - now)))
        now = time.monotonic()
        for key, mask in events:
            c = key.data
            s = c.sock
            if s is None:
                continue
            if c.state == "connecting":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    c.state, c.error = "failed", "connect: %s" % errno.errorcode.get(err, err)
                    sel.unregister(s)
                    s.close()
                    c.sock = None
                    open_n -= 1
                    continue
                c.state = "sending"
                c.connected = True
                c.lport = s.getsockname()[1]
                n_connected += 1
                live += 1
                peak = max(peak, live)
                if n_connected == a.conns:
                    t_all_connected = now
                sel.modify(s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
                continue
            finished = False
            if mask & selectors.EVENT_READ:
                try:
                    data = s.recv(CHUNK)
                except (BlockingIOError, InterruptedError):
                    data = None
                except OSError as e:
                    c.state, c.error = "failed", "recv: %s" % e
                    data = None
                    finished = True
                if data is not None:
                    if not data:
                        finished = True
                        c.state = "eof"
                    else:
                        c.received += len(data)
                        c.rsha.update(data)
            if not finished and mask & selectors.EVENT_WRITE and c.state == "sending":
                view = c.src.pending()
                if len(view):
                    try:
                        n = s.send(view)
                    except (BlockingIOError, InterruptedError):
                        n = 0
                    except OSError as e:
                        c.state, c.error = "failed", "send: %s" % e
                        finished = True
                        n = 0
                    c.src.advance(n)
                    c.sent += n
                if not finished and c.src.done():
                    s.shutdown(socket.SHUT_WR)
                    c.state = "reading"
                    sel.modify(s, selectors.EVENT_READ, c)
            if finished:
                live -= 1
                c.t_done = now
                sel.unregister(s)
                s.close()
                c.sock = None
                open_n -= 1
    t_end = time.monotonic()
    ok = 0
    problems = {}
    for c in conns:
        if c.sock is not None:
            c.error = c.error or "timeout in state %s (sent %d, received %d)" % (
                c.state, c.sent, c.received)
            c.sock.close()
        elif c.error is None:
            if c.sent != a.bytes:
                c.error = "sent %d of %d" % (c.sent, a.bytes)
            elif c.received != a.bytes:
                c.error = "received %d of %d" % (c.received, a.bytes)
            elif c.rsha.hexdigest() != c.src.sha.hexdigest():
                c.error = "bytes differ (sha256)"
        if c.error is None:
            ok += 1
        else:
            key = c.error.split(" (")[0]
            problems.setdefault(key, []).append(c)
    durs = sorted(c.t_done - c.t0 for c in conns if c.t_done is not None and c.error is None)
    res = {
        "conns": a.conns, "bytes_each": a.bytes, "ok": ok, "failed": a.conns - ok,
        "connected": n_connected, "peak_open": peak,
        "duration_s": round(t_end - t_start, 3),
        "all_connected_s": round(t_all_connected - t_start, 3) if t_all_connected else None,
        "mb_s": round(ok * a.bytes / (t_end - t_start) / 1e6, 2),
        "conn_s_p50": round(durs[len(durs) // 2], 3) if durs else None,
        "conn_s_max": round(durs[-1], 3) if durs else None,
        "problems": {k: {"count": len(v), "first": [x.idx for x in v[:10]],
                         "ports": [x.lport for x in v[:10]],
                         "bytes": [[x.sent, x.received] for x in v[:10]]}
                     for k, v in problems.items()},
    }
    print(json.dumps(res))
    return 0 if ok == a.conns else 1


def cmd_serve(a):
    deadline = time.monotonic() + a.timeout
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.addr, a.port))
    ls.listen(1024)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    served = 0
    while time.monotonic() < deadline:
        for key, mask in sel.select(timeout=0.5):
            if key.data is None:
                try:
                    s, _ = ls.accept()
                except (BlockingIOError, InterruptedError):
                    continue
                s.setblocking(False)
                # [socket, bytes received not yet echoed, peer sent FIN]
                sel.register(s, selectors.EVENT_READ, [s, bytearray(), False])
                continue
            st = key.data
            s, buf = st[0], st[1]
            try:
                if mask & selectors.EVENT_READ and len(buf) < (1 << 20):
                    data = s.recv(CHUNK)
                    if data:
                        buf += data
                    else:
                        st[2] = True
                if buf:
                    n = s.send(buf)
                    del buf[:n]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                sel.unregister(s)
                s.close()
                continue
            if st[2] and not buf:
                sel.unregister(s)
                s.shutdown(socket.SHUT_WR)
                s.close()
                served += 1
                continue
            ev = (selectors.EVENT_READ if not st[2] and len(buf) < (1 << 20) else 0) | \
                (selectors.EVENT_WRITE if buf else 0)
            sel.modify(s, ev or selectors.EVENT_READ, st)
    print(json.dumps({"served": served}))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("stream")
    s.add_argument("host")
    s.add_argument("port", type=int)
    s.add_argument("--bytes", type=int, required=True)
    s.add_argument("--mode", choices=("echo", "discard"), default="echo")
    s.add_argument("--timeout", type=float, default=120)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--bufsize", type=int, default=0, help="SO_SNDBUF/SO_RCVBUF (0: Linux's)")
    c = sub.add_parser("concurrent")
    c.add_argument("host")
    c.add_argument("port", type=int)
    c.add_argument("--conns", type=int, required=True)
    c.add_argument("--bytes", type=int, required=True)
    c.add_argument("--timeout", type=float, default=120)
    c.add_argument("--connect-timeout", type=float, default=30)
    c.add_argument("--seed", type=int, default=1)
    v = sub.add_parser("serve")
    v.add_argument("addr")
    v.add_argument("port", type=int)
    v.add_argument("--timeout", type=float, default=300)
    a = p.parse_args()
    if a.cmd == "stream":
        return cmd_stream(a)
    if a.cmd == "serve":
        return cmd_serve(a)
    return cmd_concurrent(a)


if __name__ == "__main__":
    sys.exit(main())
