#!/usr/bin/env python3
"""HTTP client for the load-balancing tests: which backend answered each request.

The test backends (nginx, tests/integration/nginx/backend.conf.in) answer / with their
name ("backend-11"). Each client is a thread with its own cookie jar; it sends its
requests one after another, over one keep-alive connection or a new connection per
request (--new-conn), and keeps every Set-Cookie it is given (as a browser would).

    lb_client.py URL --clients C --requests N [--new-conn] [--cookies] [--timeout S]

Prints one JSON object: {"total": {...backend: count}, "errors": n, "statuses": {...},
"clients": [{"backends": {...}, "errors": n, "cookies_set": n}, ...]}.
Every run is bounded: each request has a timeout, and --deadline S ends the run.
"""
import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse
from collections import Counter


def parse_set_cookie(value):
    """name=value of a Set-Cookie field (attributes ignored), or None."""
    first = value.split(";", 1)[0].strip()
    if "=" not in first:
        return None
    name, val = first.split("=", 1)
    return name.strip(), val.strip()


class Client(threading.Thread):
    def __init__(self, url, n, new_conn, cookies, timeout, deadline):
        super().__init__(daemon=True)
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port or 80
        self.path = u.path or "/"
        self.n, self.new_conn, self.use_cookies = n, new_conn, cookies
        self.timeout, self.deadline = timeout, deadline
        self.jar = {}
        self.backends = Counter()
        self.statuses = Counter()
        self.errors = 0
        self.cookies_set = 0
        self.error_samples = []

    def one(self, conn):
        headers = {}
        if self.use_cookies and self.jar:
            headers["Cookie"] = "; ".join("%s=%s" % kv for kv in self.jar.items())
        conn.request("GET", self.path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        self.statuses[resp.status] += 1
        for k, v in resp.getheaders():
            if k.lower() == "set-cookie":
                c = parse_set_cookie(v)
                if c is not None:
                    self.cookies_set += 1
                    self.jar[c[0]] = c[1]
        if resp.status == 200:
            self.backends[body.decode("latin-1").strip()] += 1
        return resp.getheader("Connection", "").lower() != "close"

    def run(self):
        conn = None
        for _ in range(self.n):
            if time.monotonic() > self.deadline:
                self.errors += 1
                self.error_samples.append("deadline")
                break
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                keep = self.one(conn)
                if self.new_conn or not keep:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                self.errors += 1
                if len(self.error_samples) < 5:
                    self.error_samples.append(repr(e))
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--clients", type=int, default=1)
    ap.add_argument("--requests", type=int, default=100, help="per client")
    ap.add_argument("--new-conn", action="store_true")
    ap.add_argument("--cookies", action="store_true")
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--deadline", type=float, default=120.0)
    a = ap.parse_args()
    deadline = time.monotonic() + a.deadline
    cs = [Client(a.url, a.requests, a.new_conn, a.cookies, a.timeout, deadline)
          for _ in range(a.clients)]
    t0 = time.monotonic()
    for c in cs:
        c.start()
    for c in cs:
        c.join(a.deadline + 10)
    total = Counter()
    statuses = Counter()
    for c in cs:
        total.update(c.backends)
        statuses.update(c.statuses)
    out = {
        "total": dict(total),
        "statuses": {str(k): v for k, v in statuses.items()},
        "errors": sum(c.errors for c in cs),
        "error_samples": [s for c in cs for s in c.error_samples][:10],
        "seconds": round(time.monotonic() - t0, 2),
        "clients": [{"backends": dict(c.backends), "errors": c.errors,
                     "cookies_set": c.cookies_set} for c in cs],
    }
    json.dump(out, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
