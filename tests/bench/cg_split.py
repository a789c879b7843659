#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Split one callgrind dump into per-layer instruction counts per unit of work.

    cg_split.py --set tcp --units N [--name NAME] callgrind.out.PID.1

Layers are sets of source files (LAYER_SETS below; a later micro-benchmark adds its own
set). A function belongs to the layer of the source file most of its own instructions come
from, inlined header code aside. A layer's cost is the self cost of its functions plus the
inclusive cost of the calls they make into functions of no layer (DPDK, libc), so a
mempool get is charged to the TCP function that allocated, and a call from one layer into
another is charged to the callee's layer. The 'harness' layer (tests/bench/: the link and
the application) is reported but excluded from the stack total.

Also printed: the inclusive cost of the entry points (what callgrind_annotate
--inclusive=yes shows; these nest, and include the harness callbacks made from them), the
top functions by attributed cost, and the library functions the stack calls most.
Last line, for run.sh:  CG <name> units=<n> total=<x> stack=<y> <layer>=<z> ...  (per unit)
"""
import argparse
import collections
import re
import sys

HARNESS = ("harness", r"tests/bench/")

LAYER_SETS = {
    "tcp": {
        "layers": [
            ("input", r"lib/tcp/tcp_input\.c$"),
            ("output", r"lib/tcp/tcp_output\.c$"),
            ("timers", r"lib/tcp/tcp_timer\.c$"),
            ("core", r"lib/tcp/tcp_core\.c$"),
            ("hash", r"lib/tcp/tcp_hash\.c$"),
            ("cksum", None),
        ],
        # lib/tcp's own checksum over mbuf chains (tcp_output.c), used on rx and tx.
        "fn_layers": [("cksum", r"^tcp_cksum_sum$")],
        "entries": ["sl_tcp_input", "sl_tcp_poll", "sl_tcp_send", "sl_tcp_consumed",
                    "sl_tcp_connect", "sl_tcp_shutdown", "tcp_output", "tcp_xmit",
                    "tcp_send_ack", "tcp_timer_run"],
        "callbacks": ["link_output", "app_event"],
    },
    "lb": {
        "layers": [
            ("lb", r"lib/lb/"),
            ("affinity", r"lib/affinity/"),
        ],
        "entries": ["sl_lb_hash_bytes", "rr_pick", "lc_pick", "r2_pick", "lb_maglev_pick",
                    "lb_pick_by_key", "sl_affinity_lookup", "sl_affinity_insert",
                    "sl_affinity_cookie_check", "sl_affinity_cookie_make",
                    "sl_affinity_siphash"],
        "callbacks": ["name_of"],
    },
    "limit": {
        "layers": [
            ("limit", r"lib/limit/"),
        ],
        "entries": ["sl_limit_decide"],
        "callbacks": [],
    },
    # bench_proxy: the whole worker. Function-name rules (fn_layers) come first: the
    # benchmark's copy of lib/worker's loop (gw_*) and the PMD work it does on the worker's
    # lcore (nic_*: rx refill, tx completion). With split_inline, a function's own
    # instructions are split by the file they come from, so DPDK's inline header code
    # (mbuf, mempool cache, ring, ethdev bursts) counts as dpdk wherever it is inlined.
    "proxy": {
        "layers": [
            ("net", r"lib/net/(?!neigh\.c$)"),
            ("neigh", r"lib/net/neigh\.c$"),
            ("tcp", r"lib/tcp/"),
            # Software checksums: lib/tcp's tcp_cksum_sum() (by name, below) and DPDK's
            # inline rte_ip.h code (rte_ipv4_cksum, rte_ipv4_phdr_cksum, __rte_raw_cksum)
            # wherever it is inlined: what checksum offload would remove.
            ("cksum", r"/dpdk/rte_ip\.h$"),
            ("http", r"lib/http/"),
            ("proxy", r"lib/proxy/"),
            ("lb", r"lib/(lb|affinity)/"),
            ("dpdk", r"/include/(x86_64-linux-gnu/)?dpdk/|librte_"),
            ("worker", None),
        ],
        "fn_layers": [
            ("cksum", r"^tcp_cksum_sum$"),
            ("worker", r"^gw_"),
            ("dpdk", r"^nic_"),
        ],
        "split_inline": True,
        "entries": ["gw_loop_once", "sl_net_input", "sl_net_output", "neigh_lookup",
                    "sl_net_poll", "sl_tcp_input", "sl_tcp_poll", "sl_tcp_send", "tcp_output",
                    "tcp_xmit", "tcp_cksum_sum", "sl_proxy_accept", "sl_proxy_event",
                    "sl_proxy_poll", "sl_http_parse", "rr_pick", "nic_rx", "nic_tx_complete"],
        "callbacks": ["gw_tcp_event", "gw_tcp_output", "gw_tx"],
    },
    "http": {
        "layers": [
            ("parser", r"lib/http/"),
            ("http_parser", r"libhttp_parser"),
        ],
        "entries": ["sl_http_parse", "http_parser_execute"],
        "callbacks": [],
    },
}


def parse(path):
    """Self cost per function, inclusive cost per call arc, file costs per function."""
    self_cost = collections.Counter()
    arcs = collections.Counter()          # (caller, callee) -> inclusive
    file_cost = collections.defaultdict(collections.Counter)
    fn_file = {}                          # the file a function is defined in (fl= at fn=)
    obj_of = {}
    names = {"ob": {}, "fl": {}, "fn": {}}
    npos = 1
    summary = None
    ob = fl = cur_file = fn = None
    cob = cfn = None
    in_call = False

    def name(kind, val):
        m = re.match(r"\((\d+)\)(?: (.*))?$", val)
        if not m:
            return val
        table = names[kind]
        if m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        return table.get(m.group(1), "?")

    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            c0 = line[0]
            if c0.isdigit() or c0 in "+-*":
                toks = line.split()
                cost = int(toks[npos]) if len(toks) > npos else 0
                if in_call:
                    arcs[(fn, (cob or ob, cfn))] += cost
                    in_call = False
                    cob = cfn = None
                elif fn is not None:
                    self_cost[fn] += cost
                    file_cost[fn][cur_file] += cost
                continue
            key, _, val = line.partition("=")
            if key == "ob":
                ob = name("ob", val)
            elif key == "fl":
                fl = cur_file = name("fl", val)
            elif key in ("fi", "fe"):
                cur_file = name("fl", val)
            elif key == "fn":
                fn = (ob, name("fn", val))
                obj_of[fn] = ob
                fn_file.setdefault(fn, fl)
                cur_file = fl
            elif key == "cob":
                cob = name("ob", val)
            elif key in ("cfi", "cfl"):
                name("fl", val)
            elif key == "cfn":
                cfn = name("fn", val)
            elif key == "calls":
                in_call = True
            elif line.startswith("positions:"):
                npos = len(line.split(":", 1)[1].split())
            elif line.startswith("summary:"):
                summary = int(line.split(":", 1)[1].split()[0])
    return self_cost, arcs, file_cost, fn_file, summary


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", required=True, choices=sorted(LAYER_SETS))
    ap.add_argument("--units", type=int, required=True)
    ap.add_argument("--name", default="bench")
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("dump")
    a = ap.parse_args()
    ls = LAYER_SETS[a.set]
    rules = [(n, re.compile(r)) for n, r in ls["layers"] if r is not None]
    rules += [(HARNESS[0], re.compile(HARNESS[1]))]
    fn_rules = [(n, re.compile(r)) for n, r in ls.get("fn_layers", [])]
    split = ls.get("split_inline", False)

    def fn_rule(fn):
        for n, r in fn_rules:
            if r.search(fn[1]):
                return n
        return None

    self_cost, arcs, file_cost, fn_file, summary = parse(a.dump)
    if summary is None:
        sys.exit(f"cg_split: no summary in {a.dump}")

    def file_layer(path):
        for n, r in rules:
            if path and r.search(path):
                return n
        return None

    layer = {}
    for fn, fc in file_cost.items():
        best = fn_rule(fn)
        if best is None and split:
            # Inline code is split by file below: the function's home is where it is defined.
            best = file_layer(fn_file.get(fn))
        if best is not None:
            layer[fn] = best
            continue
        for path, cost in fc.most_common():
            lay = file_layer(path)
            if lay is not None:
                best = lay
                break
        if best is None and all(p in (None, "???") for p in fc):
            # A library built without debug info has no source file: match its object
            # (not against the harness rule: the benchmark's executable holds the libraries
            # linked into it, whose code without a layer is charged to its callers).
            obj = fn[0] if isinstance(fn, tuple) else ""
            best = next((n for n, r in rules if n != HARNESS[0] and obj and r.search(obj)),
                        None)
        layer[fn] = best
    for (caller, callee) in arcs:
        for f in (caller, callee):
            if f not in layer:
                layer[f] = fn_rule(f)

    out_arcs = collections.defaultdict(list)
    incl_in = collections.Counter()
    for (caller, callee), cost in arcs.items():
        out_arcs[caller].append((callee, cost))
        incl_in[callee] += cost

    # Share of an unlayered function's inclusive cost spent back in layered code
    # (a library calling a callback); charged to that layer, not the caller's.
    memo = {}

    def layered_below(h, depth=0):
        if h in memo:
            return memo[h]
        memo[h] = 0.0
        if depth > 50:
            return 0.0
        tot = 0.0
        for g, cost in out_arcs.get(h, ()):
            if layer.get(g) is not None:
                tot += cost
            elif incl_in[g] > 0:
                tot += layered_below(g, depth + 1) * cost / incl_in[g]
        memo[h] = tot
        return tot

    attributed = collections.Counter()     # per layered function: self + library calls
    helpers = collections.Counter()        # library function -> cost charged to the stack
    for fn, lay in layer.items():
        if lay is None:
            continue
        attributed[fn] += self_cost[fn]
        for h, cost in out_arcs.get(fn, ()):
            if layer.get(h) is not None:
                continue
            frac = 1.0 - (layered_below(h) / incl_in[h] if incl_in[h] else 0.0)
            attributed[fn] += cost * frac
            if lay != HARNESS[0]:
                helpers[h] += cost * frac

    per_layer = collections.Counter()
    for fn, cost in attributed.items():
        per_layer[layer[fn]] += cost
        if split and fn_rule(fn) is None:
            # Move the inlined code of other layers' files (DPDK headers) to their layers.
            for path, c in file_cost[fn].items():
                lay = file_layer(path)
                if lay is not None and lay != layer[fn] and lay != HARNESS[0]:
                    per_layer[layer[fn]] -= c
                    per_layer[lay] += c
    names = [n for n, _ in ls["layers"]]
    stack = sum(per_layer[n] for n in names) or 1
    u = a.units
    other = summary - stack - per_layer[HARNESS[0]]

    print(f"== {a.name}: {u} units, {summary} instructions measured ==")
    print(f"  total {summary / u:10.0f} instr/unit   (stack + harness + other)")
    print(f"  stack {stack / u:10.0f} instr/unit   (the layers below and the library code "
          f"they call)")
    for n in names:
        print(f"    {n:<8} {per_layer[n] / u:8.0f}  {100 * per_layer[n] / stack:5.1f}%")
    print(f"  harness {per_layer[HARNESS[0]] / u:8.0f} instr/unit (the benchmark's own code: "
          f"link, peers, application; excluded)")
    print(f"  other   {other / u:8.0f} instr/unit (unattributed)")

    def fname(fn):
        return fn[1]

    print("  top functions, self + library calls (share of stack):")
    top = [(fn, c) for fn, c in attributed.items() if layer[fn] in names]
    for fn, c in sorted(top, key=lambda x: -x[1])[:a.top]:
        print(f"    {fname(fn):<28} {layer[fn]:<7} {c / u:8.0f}  {100 * c / stack:5.1f}%")
    print("  library functions called by the stack (inclusive, share of stack):")
    for h, c in sorted(helpers.items(), key=lambda x: -x[1])[:8]:
        obj = (h[0] or "?").rsplit("/", 1)[-1]
        print(f"    {fname(h):<28} {obj:<20} {c / u:8.0f}  {100 * c / stack:5.1f}%")
    print("  entry points, inclusive (nested; harness callbacks included):")
    by_name = collections.defaultdict(float)
    for fn in layer:
        by_name[fname(fn)] += self_cost[fn] + sum(c for _, c in out_arcs.get(fn, ()))
    for e in ls["entries"] + ls["callbacks"]:
        if by_name.get(e):
            print(f"    {e:<28} {by_name[e] / u:8.0f}")
    fields = " ".join(f"{n}={per_layer[n] / u:.0f}" for n in names)
    print(f"CG {a.name} units={u} total={summary / u:.0f} stack={stack / u:.0f} {fields} "
          f"harness={per_layer[HARNESS[0]] / u:.0f}")


if __name__ == "__main__":
    main()
