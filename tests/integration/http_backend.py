#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tests/integration/http_backend.py - HTTP/1.1 test backend for the sluice integration tests.

Python 3 standard library only (asyncio, raw sockets: full control of the bytes on the
wire). Runs inside the backend network namespace, behind the gateway. Every request is
answered with a JSON body reporting what arrived, so a test sees exactly what the gateway
forwarded:

  {"backend": NAME, "local": "ADDR:PORT", "peer": "ADDR:PORT", "conn": C, "seq": K,
   "method": ..., "target": ..., "version": "HTTP/1.1",
   "headers": [[raw name, value], ...]   (in order, names as sent, values without OWS),
   "framing": "none"|"length"|"chunked", "body_len": N, "body_sha256": HEX,
   "trailers": [[name, value], ...], "sent_100": bool}

The endpoint is the last segment of the path, so /die and /echo/die are the same:

  /die[?bytes=N]  reads the request, sends a 200 head announcing 1 MiB and N body bytes
                  (default 65536; 0: not even the head), then resets the connection
                  (SO_LINGER 0): a backend killed mid-response
  /slow?ms=N      waits N ms, then answers as usual
  /chunked        answers with a chunked body (chunks of 1 B to 64 KiB); the headers
                  X-Body-Length and X-Body-Sha256 say what the body must be
  /close          answers 200 without Content-Length and closes: a close-delimited body,
                  described by X-Body-Length / X-Body-Sha256
  /100            like any endpoint, answers Expect: 100-continue with an interim
                  "HTTP/1.1 100 Continue" before reading the body (every endpoint does,
                  except /no100, which never sends it)
  /ws             Connection: upgrade + Upgrade: websocket -> 101 Switching Protocols,
                  then echoes every byte back raw until EOF
  /status?code=N  answers with status N (a JSON body unless N is 1xx, 204 or 304)
  anything else   the JSON report

HEAD gets the headers (Content-Length as for GET) without a body. Keep-alive: HTTP/1.1
unless Connection: close; HTTP/1.0 only with Connection: keep-alive. Pipelined requests
are answered in order.

Every request is logged to --log as one JSON line when its head is parsed ("phase":
"head") and again when it is answered ("phase": "done"); a head that does not parse is
logged as "phase": "bad" (then 400 and close), and a request cut by EOF or a reset
before its end as "phase": "aborted". The smuggling test asserts that this file
does not change when the gateway must refuse a request.

Usage:
  http_backend.py --listen ADDR:PORT [--listen ...] --log FILE [--name NAME]
                  [--ready-file FILE] [--lifetime S]
Writes "ready" to --ready-file (or stdout) once every socket listens. Stops on SIGTERM /
SIGINT, or by itself after --lifetime seconds (default 900) whatever happens.
"""

import argparse
import asyncio
import hashlib
import json
import os
import signal
import socket
import struct
import sys
import urllib.parse

MAX_LINE = 1 << 20
MAX_HEADERS = 1000


class BadRequest(Exception):
    pass


class Backend:
    def __init__(self, name, logf):
        self.name = name
        self.logf = logf
        self.conns = 0

    def log(self, rec):
        self.logf.write(json.dumps(rec, separators=(",", ":")) + "\n")
        self.logf.flush()

    async def handle(self, reader, writer):
        self.conns += 1
        conn = self.conns
        sock = writer.get_extra_info("socket")
        local = "%s:%d" % writer.get_extra_info("sockname")[:2]
        peer = "%s:%d" % writer.get_extra_info("peername")[:2]
        seq = 0
        st = {"cur": None}  # the target of the request being read, per connection
        try:
            while True:
                seq += 1
                st["cur"] = None
                keep = await self.one(reader, writer, sock, conn, seq, local, peer, st)
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as e:
            if st["cur"] is not None:  # the peer went away inside a request
                self.log({"phase": "aborted", "conn": conn, "seq": seq, "local": local,
                          "peer": peer, "target": st["cur"], "error": type(e).__name__})
        except BadRequest as e:
            self.log({"phase": "bad", "conn": conn, "seq": seq, "local": local,
                      "peer": peer, "error": str(e)})
            try:
                body = b"bad request: " + str(e).encode() + b"\n"
                writer.write(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
            except ConnectionError:
                pass
        finally:
            try:
                writer.close()
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass

    @staticmethod
    async def readline(reader):
        line = await reader.readuntil(b"\n")
        if len(line) > MAX_LINE:
            raise BadRequest("line too long")
        return line

    async def one(self, reader, writer, sock, conn, seq, local, peer, st):
        """Read and answer one request. Returns whether the connection stays open."""
        try:
            line = await self.readline(reader)
        except asyncio.IncompleteReadError as e:
            if e.partial:
                raise BadRequest("EOF inside the request line") from None
            return False  # clean close between requests
        while line in (b"\r\n", b"\n"):  # RFC 9112 2.2: ignore CRLF before a request
            line = await self.readline(reader)
        parts = line.rstrip(b"\r\n").split(b" ")
        if len(parts) != 3:
            raise BadRequest("request line %r" % line[:200])
        method, target, version = (p.decode("latin-1") for p in parts)
        headers = []
        while True:
            h = await self.readline(reader)
            if h in (b"\r\n", b"\n"):
                break
            if len(headers) >= MAX_HEADERS:
                raise BadRequest("too many headers")
            name, sep, value = h.rstrip(b"\r\n").partition(b":")
            if not sep:
                raise BadRequest("header line %r" % h[:200])
            headers.append([name.decode("latin-1"), value.strip(b" \t").decode("latin-1")])

        def values(n):
            return [v for k, v in headers if k.lower() == n]

        rec = {"backend": self.name, "local": local, "peer": peer, "conn": conn, "seq": seq,
               "method": method, "target": target, "version": version, "headers": headers}
        self.log(dict(rec, phase="head"))
        st["cur"] = target

        url = urllib.parse.urlsplit(target)
        query = urllib.parse.parse_qs(url.query)
        endpoint = url.path.rstrip("/").rsplit("/", 1)[-1]
        conn_tokens = {t.strip().lower() for v in values("connection") for t in v.split(",")}
        if version == "HTTP/1.1":
            keep = "close" not in conn_tokens
        else:
            keep = "keep-alive" in conn_tokens

        # Body framing, RFC 9112 6.3 (lenient: the gateway is the strict one).
        te = [t.strip().lower() for v in values("transfer-encoding") for t in v.split(",")]
        cl = values("content-length")
        framing = "none"
        if te:
            if te[-1] != "chunked":
                raise BadRequest("transfer-encoding %r" % te)
            framing = "chunked"
        elif cl:
            framing = "length"
            try:
                length = int(cl[0])
            except ValueError:
                raise BadRequest("content-length %r" % cl) from None
        sent_100 = False
        expect = [v.lower() for v in values("expect")]
        if ("100-continue" in expect and endpoint != "no100" and framing != "none"
                and version == "HTTP/1.1"):
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            await writer.drain()
            sent_100 = True

        sha = hashlib.sha256()
        body_len = 0
        trailers = []
        if framing == "length":
            left = length
            while left:
                piece = await reader.read(min(left, 256 * 1024))
                if not piece:
                    raise asyncio.IncompleteReadError(b"", left)
                sha.update(piece)
                body_len += len(piece)
                left -= len(piece)
        elif framing == "chunked":
            while True:
                size_line = await self.readline(reader)
                size_txt = size_line.split(b";", 1)[0].strip()
                try:
                    size = int(size_txt, 16)
                except ValueError:
                    raise BadRequest("chunk size %r" % size_line[:100]) from None
                if size == 0:
                    break
                data = await reader.readexactly(size)
                sha.update(data)
                body_len += size
                if await reader.readexactly(2) != b"\r\n":
                    raise BadRequest("no CRLF after chunk data")
            while True:
                t = await self.readline(reader)
                if t in (b"\r\n", b"\n"):
                    break
                name, _, value = t.rstrip(b"\r\n").partition(b":")
                trailers.append([name.decode("latin-1"), value.strip().decode("latin-1")])

        rec.update(framing=framing, body_len=body_len, body_sha256=sha.hexdigest(),
                   trailers=trailers, sent_100=sent_100)
        self.log(dict(rec, phase="done"))
        st["cur"] = None
        head_only = method == "HEAD"

        if endpoint == "die":
            n = int(query.get("bytes", ["65536"])[0])
            if n > 0:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                             b"Content-Length: 1048576\r\n\r\n" + b"d" * n)
                await writer.drain()
                await asyncio.sleep(0.2)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if endpoint == "slow":
            await asyncio.sleep(int(query.get("ms", ["1000"])[0]) / 1000.0)
        if endpoint == "ws":
            up = [v.lower() for v in values("upgrade")]
            if "upgrade" not in conn_tokens or "websocket" not in up:
                await self.send(writer, 426, b'{"error":"upgrade required"}\n', keep, head_only)
                return keep
            writer.write(b"HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\n"
                         b"Upgrade: websocket\r\n\r\n")
            await writer.drain()
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
            return False
        if endpoint == "chunked":
            sizes = [1, 10, 100, 1000, 4096, 10000, 65536, 3, 65535, 200000]
            chunks = [pattern(i, s) for i, s in enumerate(sizes)]
            body = b"".join(chunks)
            head = ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                    "Transfer-Encoding: chunked\r\nX-Body-Length: %d\r\nX-Body-Sha256: %s\r\n"
                    % (len(body), hashlib.sha256(body).hexdigest()))
            if not keep:
                head += "Connection: close\r\n"
            writer.write(head.encode() + b"\r\n")
            if not head_only:
                for c in chunks:
                    writer.write(b"%x\r\n%s\r\n" % (len(c), c))
                    await writer.drain()
                writer.write(b"0\r\n\r\n")
            await writer.drain()
            return keep
        if endpoint == "close":
            body = pattern(7, 300000)
            writer.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                          "Connection: close\r\nX-Body-Length: %d\r\nX-Body-Sha256: %s\r\n\r\n"
                          % (len(body), hashlib.sha256(body).hexdigest())).encode())
            if not head_only:
                for i in range(0, len(body), 50000):
                    writer.write(body[i:i + 50000])
                    await writer.drain()
            await writer.drain()
            return False
        code = 200
        if endpoint == "status":
            code = int(query.get("code", ["200"])[0])
        body = (json.dumps(rec, indent=1) + "\n").encode()
        await self.send(writer, code, body, keep, head_only)
        return keep

    async def send(self, writer, code, body, keep, head_only):
        head = "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nX-Backend: %s\r\n" % (
            code, REASONS.get(code, "Status"), self.name)
        if not (100 <= code < 200 or code in (204, 304)):
            head += "Content-Length: %d\r\n" % len(body)
        else:
            body = b""
        if not keep:
            head += "Connection: close\r\n"
        writer.write(head.encode() + b"\r\n" + (b"" if head_only else body))
        await writer.drain()


REASONS = {200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified",
           400: "Bad Request", 404: "Not Found", 426: "Upgrade Required",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


def pattern(seed, n):
    """n deterministic bytes (printable, so a dump of a broken body is readable)."""
    unit = ("%06d-sluice-test-body-" % seed).encode()
    return (unit * (n // len(unit) + 1))[:n]


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", action="append", required=True, help="ADDR:PORT")
    ap.add_argument("--log", required=True)
    ap.add_argument("--name", default="pyecho")
    ap.add_argument("--ready-file")
    ap.add_argument("--lifetime", type=float, default=900.0)
    args = ap.parse_args()

    logf = open(args.log, "a", encoding="utf-8")
    be = Backend(args.name, logf)
    servers = []
    for ep in args.listen:
        host, port = ep.rsplit(":", 1)
        servers.append(await asyncio.start_server(be.handle, host, int(port), reuse_address=True,
                                                  backlog=1024, limit=MAX_LINE + 2))
    stop = asyncio.get_running_loop().create_future()
    for s in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            s, lambda: stop.done() or stop.set_result(None))
    if args.ready_file:
        with open(args.ready_file + ".tmp", "w", encoding="utf-8") as f:
            f.write("ready %d\n" % os.getpid())
        os.rename(args.ready_file + ".tmp", args.ready_file)
    else:
        print("ready", flush=True)
    try:
        await asyncio.wait_for(stop, args.lifetime)
    except asyncio.TimeoutError:
        print("http_backend: lifetime of %ss is over, stopping" % args.lifetime,
              file=sys.stderr)
    for s in servers:
        s.close()
    logf.close()


if __name__ == "__main__":
    asyncio.run(main())
