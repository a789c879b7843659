#!/usr/bin/env python3
"""HTTP load for the traffic-control tests: statuses, latencies and headers per request.

    load_client.py URL --conns N --duration S   N keep-alive clients, each sending requests
                                                back to back for S seconds
    load_client.py URL --burst N                N requests at the same instant, one per
                                                new connection (a barrier releases them)
    load_client.py URL --burst N --no-barrier   N connections at once, each sending as soon
                                                as it is open (new-connection limits)
    load_client.py URL --hold N                 N connections opened and held, then one
                                                request on each (connection limits)

Options: --source ADDR (bind the client side), --timeout S (per request, default 10).
Prints one JSON object: {"statuses": {code: n}, "errors": n, "error_samples": [...],
"latency_ms": {code: {"p50":..,"p99":..,"max":..}}, "done_ms": [sorted completion times
from the start, per request, burst mode], "retry_after": [...], "ratelimit": [...],
"seconds": ...}. Every run is bounded in time.
"""
import argparse
import http.client
import json
import socket
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict


def pct(values, p):
    if not values:
        return None
    v = sorted(values)
    return round(v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))], 2)


class Result:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = Counter()
        self.lat = defaultdict(list)
        self.errors = 0
        self.samples = []
        self.done = []
        self.retry_after = []
        self.ratelimit = []

    def add(self, status, ms, done_ms, headers):
        with self.lock:
            self.statuses[status] += 1
            self.lat[status].append(ms)
            self.done.append(done_ms)
            ra = headers.get("retry-after")
            if ra is not None and len(self.retry_after) < 20:
                self.retry_after.append(ra)
            rl = headers.get("ratelimit")
            if rl is not None and len(self.ratelimit) < 5:
                self.ratelimit.append([headers.get("ratelimit-policy"), rl])

    def err(self, e):
        with self.lock:
            self.errors += 1
            if len(self.samples) < 10:
                self.samples.append(repr(e))


def connect(host, port, source, timeout):
    return http.client.HTTPConnection(host, port, timeout=timeout,
                                      source_address=(source, 0) if source else None)


def one(conn, path, res, t0):
    start = time.monotonic()
    conn.request("GET", path)
    r = conn.getresponse()
    r.read()
    end = time.monotonic()
    res.add(r.status, (end - start) * 1000.0, (end - t0) * 1000.0,
            {k.lower(): v for k, v in r.getheaders()})
    return r.getheader("Connection", "").lower() != "close"


def run_duration(a, host, port, path, res, t0):
    stop = t0 + a.duration

    def worker():
        conn = None
        while time.monotonic() < stop:
            try:
                if conn is None:
                    conn = connect(host, port, a.source, a.timeout)
                if not one(conn, path, res, t0):
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                res.err(e)
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.01)
        if conn is not None:
            conn.close()
    return [threading.Thread(target=worker, daemon=True) for _ in range(a.conns)]


def run_burst(a, host, port, path, res, t0):
    barrier = threading.Barrier(a.burst)
    conns = []

    def worker():
        try:
            conn = connect(host, port, a.source, a.timeout)
            conn.connect()
            conns.append(conn)
            if not a.no_barrier:
                barrier.wait(timeout=a.timeout)
            one(conn, path, res, t0)
            conn.close()
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as e:
            res.err(e)
    return [threading.Thread(target=worker, daemon=True) for _ in range(a.burst)]


def run_hold(a, host, port, path, res, t0):
    socks = []
    for _ in range(a.hold):
        try:
            s = socket.create_connection((host, port), timeout=a.timeout,
                                         source_address=(a.source, 0) if a.source else None)
            socks.append(s)
        except OSError as e:
            res.err(e)
    time.sleep(0.5)  # every connection is open (and counted) before any request
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, host)).encode()
    for s in socks:
        start = time.monotonic()
        try:
            s.sendall(req)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            line = data.split(b"\r\n", 1)[0].split()
            status = int(line[1]) if len(line) > 1 else 0
            hdrs = {}
            for h in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
                if b":" in h:
                    k, v = h.split(b":", 1)
                    hdrs[k.strip().lower().decode()] = v.strip().decode()
            end = time.monotonic()
            res.add(status, (end - start) * 1000.0, (end - t0) * 1000.0, hdrs)
        except (OSError, ValueError) as e:
            res.err(e)
    for s in socks:
        s.close()
    return []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--conns", type=int, default=1)
    ap.add_argument("--duration", type=float, default=0)
    ap.add_argument("--burst", type=int, default=0)
    ap.add_argument("--hold", type=int, default=0)
    ap.add_argument("--no-barrier", action="store_true",
                    help="burst: each connection sends as soon as it is open")
    ap.add_argument("--source")
    ap.add_argument("--timeout", type=float, default=10.0)
    a = ap.parse_args()
    u = urllib.parse.urlsplit(a.url)
    host, port = u.hostname, u.port or 80
    path = (u.path or "/") + ("?" + u.query if u.query else "")
    res = Result()
    t0 = time.monotonic()
    if a.burst:
        threads = run_burst(a, host, port, path, res, t0)
    elif a.hold:
        threads = run_hold(a, host, port, path, res, t0)
    else:
        threads = run_duration(a, host, port, path, res, t0)
    for t in threads:
        t.start()
    for t in threads:
        t.join(a.duration + 3 * a.timeout + 10)
    out = {
        "statuses": {str(k): v for k, v in res.statuses.items()},
        "errors": res.errors,
        "error_samples": res.samples,
        "latency_ms": {str(k): {"p50": pct(v, 50), "p99": pct(v, 99), "max": pct(v, 100),
                                "n": len(v)} for k, v in res.lat.items()},
        "done_ms": sorted(round(x, 1) for x in res.done),
        "retry_after": res.retry_after,
        "ratelimit": res.ratelimit,
        "seconds": round(time.monotonic() - t0, 2),
    }
    json.dump(out, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
