#!/usr/bin/env python3
"""scripts/bench/summarize.py OUTDIR - the tables of scripts/bench.sh from OUTDIR/raw.tsv.

Writes, in OUTDIR:
  summary.txt  per case and proxy: median and min-max over the rounds of req/s, p50, p99,
               p99.9 (microseconds), the proxy's CPU per request (microseconds), errors
               (summed over the rounds) and runs used; then sluice's ratios and the targets
  summary.md   the same as Markdown tables
  rps.dat, p99.dat   gnuplot input: one row per case, per proxy median, min, max ('?' none)

A run counts when wrk finished it (status ok or errors) with at least one request; runs that
did not start, did not answer, or were skipped are listed with their count and reason.
"""
import csv
import os
import statistics
import sys

CASE_TEXT = {
    "ka_c1": "1 keep-alive connection, GET /100 (100-byte body)",
    "ka_c50": "50 keep-alive connections, GET /100",
    "ka_c1000": "1000 keep-alive connections, GET /100",
    "close_c50": "a new connection per request (Connection: close), 50 at a time, GET /100",
    "body16k_c50": "50 keep-alive connections, GET of a 16 KiB file",
    "body1m_c10": "10 keep-alive connections, GET of a 1 MiB file",
    "post64k_c50": "50 keep-alive connections, POST of a 64 KiB body (100-byte answer)",
}
PROXY_ORDER = ["sluice-xdp", "sluice-pkt", "haproxy", "nginx", "direct", "wire-xdp", "wire-pkt"]
SLUICES = ["sluice-xdp", "sluice-pkt"]
WIRE_OF = {"sluice-xdp": "wire-xdp", "sluice-pkt": "wire-pkt"}
COUNTED = ("ok", "errors")


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def load(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


class Cell:
    def __init__(self, rows):
        self.rows = rows
        self.used = [r for r in rows if r["status"] in COUNTED and (num(r["requests"]) or 0) > 0]
        self.failed = [r for r in rows if r not in self.used]

    def values(self, key):
        return [v for v in (num(r.get(key)) for r in self.used) if v is not None]

    def med(self, key):
        v = self.values(key)
        return statistics.median(v) if v else None

    def rng(self, key):
        v = self.values(key)
        return (min(v), max(v)) if v else None

    def stalled(self):
        """Runs in which wrk completed fewer than 2 requests per connection: the proxy stalled
        (a request that never completes is not a wrk error before --timeout, 5 s)."""
        return [r for r in self.used
                if (num(r.get("conns")) or 0) > 0 and (num(r["requests"]) or 0) < 2 * num(r["conns"])]

    def errors(self):
        sock = sum(int(num(r[k]) or 0) for r in self.used
                   for k in ("err_connect", "err_read", "err_write", "err_timeout"))
        non2xx = sum(int(num(r["non2xx"]) or 0) for r in self.used)
        return sock, non2xx


def fmt(v, key):
    if v is None:
        return "-"
    if key == "rps":
        return f"{v:,.0f}"
    if key == "cpu_us_per_req":
        return f"{v:.2f}" if v < 10 else f"{v:.1f}"
    # latencies in microseconds
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


def cellfmt(cell, key):
    m = cell.med(key)
    if m is None:
        return "-"
    lo, hi = cell.rng(key)
    if len(cell.values(key)) == 1:
        return fmt(m, key)
    return f"{fmt(m, key)} ({fmt(lo, key)}-{fmt(hi, key)})"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def rfmt(r):
    return "-" if r is None else f"{r:.2f}x"


def main():
    out = sys.argv[1]
    rows = load(os.path.join(out, "raw.tsv"))
    cases = []
    proxies = []
    for r in rows:
        if r["case"] not in cases:
            cases.append(r["case"])
        if r["proxy"] not in proxies:
            proxies.append(r["proxy"])
    proxies.sort(key=lambda p: PROXY_ORDER.index(p) if p in PROXY_ORDER else 99)
    cells = {(c, p): Cell([r for r in rows if r["case"] == c and r["proxy"] == p])
             for c in cases for p in proxies}
    rounds = len({r["round"] for r in rows})

    txt, md = [], []
    keys = [("rps", "req/s"), ("p50_us", "p50 us"), ("p99_us", "p99 us"), ("p999_us", "p99.9 us"),
            ("cpu_us_per_req", "CPU us/req")]
    md.append("| case | proxy | req/s | p50 µs | p99 µs | p99.9 µs | proxy CPU µs/req | errors (socket / non-2xx) | runs |")
    md.append("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for c in cases:
        txt.append(f"{c}: {CASE_TEXT.get(c, '')}")
        txt.append(f"  {'proxy':<11} {'req/s':>24} {'p50 us':>20} {'p99 us':>22} {'p99.9 us':>24} {'CPU us/req':>28} {'errors':>10}  runs")
        for p in proxies:
            cell = cells[(c, p)]
            sock, non2xx = cell.errors()
            runs = f"{len(cell.used)}/{len(cell.rows)}"
            why = sorted({r["status"] for r in cell.failed})
            if why:
                runs += " (" + ", ".join(f"{s}: {sum(1 for r in cell.failed if r['status'] == s)}" for s in why) + ")"
            if cell.stalled():
                runs += f" STALLED in {len(cell.stalled())}: < 2 requests per connection"
            vals = [cellfmt(cell, k) for k, _ in keys]
            if p in ("direct",) or p.startswith("wire"):
                vals[4] = "n/a"
            elif p.startswith("sluice") and cell.med("cpu_sched_us_per_req") is not None:
                vals[4] += f" [{fmt(cell.med('cpu_sched_us_per_req'), 'cpu_us_per_req')}]"
            err = f"{sock}/{non2xx}" if cell.used else "-"
            txt.append(f"  {p:<11} {vals[0]:>24} {vals[1]:>20} {vals[2]:>22} {vals[3]:>24} {vals[4]:>28} {err:>10}  {runs}")
            md.append(f"| {c} | {p} | " + " | ".join(vals) + f" | {err} | {runs} |")
        txt.append("")
    note = (f"Median over {rounds} round(s), (min-max) across rounds. Latencies are wrk's "
            "(after its coordinated-omission correction). CPU: sluice's busy cycles of its worker "
            "(show lcores), HAProxy's and nginx's utime+stime (/proc/PID/stat), per request; n/a "
            "for the backends directly (no proxy) and the wire (testpmd polls at 100%). "
            "[In brackets] for sluice: its busy share times the CPU time the kernel gave its "
            "worker thread, per request: the same figure without the time the worker was "
            "preempted in the middle of a busy iteration (equal on a quiet machine).")
    txt.append(note)
    # Other people's load: with no proxy (direct), CPU 1 has nothing of ours to run.
    d1 = [v for v in (num(r["cpu1_busy_pct"]) for r in rows if r["proxy"] == "direct" and r["status"] in COUNTED) if v is not None]
    ld = [v for v in (num(r["load1"]) for r in rows) if v is not None]
    st = [v for v in (num(r["steal_pct"]) for r in rows) if v is not None]
    loadline = ("Machine load during the runs: "
            + (f"CPU 1 busy while nothing of the bench ran on it (direct runs) median {statistics.median(d1):.0f}% "
               f"(min {min(d1):.0f}%, max {max(d1):.0f}%); " if d1 else "")
            + (f"1-minute load average median {statistics.median(ld):.1f} (max {max(ld):.1f}); " if ld else "")
            + (f"steal median {statistics.median(st):.1f}%." if st else ""))
    txt.append(loadline)
    note = note + "\n\n" + loadline
    txt.append("")

    # Ratios of each sluice to each peer, per case.
    peers = [p for p in ("haproxy", "nginx", "direct", "wire-xdp", "wire-pkt") if p in proxies]
    md_r, txt_r = [], []
    for s in SLUICES:
        if s not in proxies:
            continue
        if not any(cells[(c, s)].used for c in cases):
            line = f"{s}: no run produced figures (see the runs column and runs/*/*/{s}/)."
            txt_r.append(line)
            md_r.append(line)
            md_r.append("")
            continue
        head = ["case"]
        for p in peers:
            head += [f"{p} req/s", f"{p} p99"] + ([f"{p} CPU/req"] if p in ("haproxy", "nginx") else [])
        md_r.append(f"**{s}** divided by each peer (req/s: higher is better; p99 and CPU per request: lower is better):")
        md_r.append("")
        md_r.append("| " + " | ".join(head) + " |")
        md_r.append("|---|" + "---:|" * (len(head) - 1))
        txt_r.append(f"{s} / peer (req/s higher is better; p99, CPU/req lower is better)")
        txt_r.append("  " + "  ".join(f"{h:>14}" if i else f"{h:<12}" for i, h in enumerate(head)))
        for c in cases:
            row = [c]
            a = cells[(c, s)]
            for p in peers:
                b = cells[(c, p)]
                row.append(rfmt(ratio(a.med("rps"), b.med("rps"))))
                row.append(rfmt(ratio(a.med("p99_us"), b.med("p99_us"))))
                if p in ("haproxy", "nginx"):
                    row.append(rfmt(ratio(a.med("cpu_us_per_req"), b.med("cpu_us_per_req"))))
            md_r.append("| " + " | ".join(row) + " |")
            txt_r.append("  " + "  ".join(f"{h:>14}" if i else f"{h:<12}" for i, h in enumerate(row)))
        md_r.append("")
        txt_r.append("")

    # The targets.
    md_t, txt_t = [], []
    for s in SLUICES:
        if s not in proxies:
            continue
        w = WIRE_OF[s]

        def m(c, p, k):
            cell = cells.get((c, p))
            return cell.med(k) if cell else None

        def errs(c, p):
            cell = cells.get((c, p))
            if not cell or not cell.used:
                return ""
            sock, non2xx = cell.errors()
            notes = []
            if sock or non2xx:
                notes.append(f"{sock} socket errors, {non2xx} non-2xx")
            if cell.stalled():
                notes.append(f"stalled in {len(cell.stalled())} of {len(cell.used)} runs")
            return f" ({s}: {'; '.join(notes)})" if notes else ""

        res = []

        def target(name, value, limit, ok, detail):
            if value is None or limit is None:
                res.append((name, "no data", detail))
            else:
                res.append((name, "met" if ok(value, limit) else "missed", detail))

        r = ratio(m("ka_c1", s, "rps"), m("ka_c1", "haproxy", "rps"))
        target("one keep-alive connection: req/s >= 3x HAProxy", r, 3, lambda v, l: v >= l,
               f"{rfmt(r)}" + errs("ka_c1", s))
        d = m("ka_c1", "direct", "p50_us")
        sa = None if d is None or m("ka_c1", s, "p50_us") is None else m("ka_c1", s, "p50_us") - d
        wa = None if d is None or m("ka_c1", w, "p50_us") is None else m("ka_c1", w, "p50_us") - d
        target(f"one keep-alive connection: added p50 <= 2x the bare wire's ({w})", sa,
               None if wa is None else 2 * wa, lambda v, l: v <= l,
               "added p50 (over direct, "
               + (f"{d:.1f} us" if d is not None else "-") + f"): {s} "
               + (f"{sa:.1f} us" if sa is not None else "-") + f", {w} "
               + (f"{wa:.1f} us" if wa is not None else "-")
               + (f" (ratio {sa / wa:.2f})" if sa is not None and wa else ""))
        r = ratio(m("close_c50", s, "rps"), m("close_c50", "haproxy", "rps"))
        target("new connection per request: req/s >= 1.2x HAProxy", r, 1.2, lambda v, l: v >= l,
               f"{rfmt(r)}" + errs("close_c50", s))
        r = ratio(m("ka_c50", s, "rps"), m("ka_c50", w, "rps"))
        target(f"50 connections: req/s >= 85% of the bare wire's ({w})", r, 0.85, lambda v, l: v >= l,
               (f"{100 * r:.0f}%" if r is not None else "-") + errs("ka_c50", s))
        r = ratio(m("body16k_c50", s, "rps"), m("body16k_c50", "haproxy", "rps"))
        target("16 KiB bodies: req/s >= HAProxy's", r, 1, lambda v, l: v >= l,
               f"{rfmt(r)}" + errs("body16k_c50", s))
        r = ratio(m("body16k_c50", s, "p99_us"), m("body16k_c50", "haproxy", "p99_us"))
        target("16 KiB bodies: p99 <= 1/3 of HAProxy's", r, 1 / 3, lambda v, l: v <= l,
               f"{rfmt(r)} (needs <= 0.33x)" + errs("body16k_c50", s))
        per = []
        for c in cases:
            r = ratio(m(c, s, "cpu_us_per_req"), m(c, "haproxy", "cpu_us_per_req"))
            if r is not None:
                per.append((c, r))
        if per:
            n_ok = sum(1 for _, r in per if r <= 0.5)
            res.append(("CPU per request <= 1/2 of HAProxy's",
                        "met" if n_ok == len(per) else ("missed" if n_ok == 0 else f"met in {n_ok} of {len(per)} cases"),
                        ", ".join(f"{c} {r:.2f}x" for c, r in per)))
        else:
            res.append(("CPU per request <= 1/2 of HAProxy's", "no data", ""))
        md_t.append(f"**{s}** against the issue's targets (medians):")
        md_t.append("")
        md_t.append("| target | result | figures |")
        md_t.append("|---|---|---|")
        txt_t.append(f"targets, {s} (medians):")
        for name, verdict, detail in res:
            md_t.append(f"| {name} | **{verdict}** | {detail} |")
            txt_t.append(f"  {verdict:<22} {name}: {detail}")
        md_t.append("")
        txt_t.append("")

    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write("\n".join(txt + txt_r + txt_t) + "\n")
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(md) + "\n\n" + note + "\n\n" + "\n".join(md_r) + "\n" + "\n".join(md_t) + "\n")

    # gnuplot input: rows = cases, 3 columns per proxy (median, min, max). A proxy without a
    # single figure keeps its place and colour in the key: its values are 1e-9, below the
    # chart's y range, and its title says so.
    for key, name in (("rps", "rps"), ("p99_us", "p99")):
        empty = {p for p in proxies if not any(cells[(c, p)].med(key) for c in cases)}
        with open(os.path.join(out, f"{name}.dat"), "w") as f:
            f.write("case " + " ".join(
                f"{p + ':no-figures' if p in empty else p} {p}_min {p}_max" for p in proxies) + "\n")
            for c in cases:
                cols = [c]
                for p in proxies:
                    cell = cells[(c, p)]
                    mv = cell.med(key)
                    if p in empty:
                        cols += ["1e-9", "1e-9", "1e-9"]
                    elif mv is None or mv <= 0:
                        cols += ["?", "?", "?"]
                    else:
                        lo, hi = cell.rng(key)
                        cols += [f"{mv:.1f}", f"{lo:.1f}", f"{hi:.1f}"]
                f.write(" ".join(cols) + "\n")


if __name__ == "__main__":
    main()
