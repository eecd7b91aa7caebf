#!/usr/bin/env python3
"""Summarises one bench/run.sh run directory as Markdown: python3 bench/summarize.py bench/out/run-XXXX"""
import csv
import re
import statistics
import sys
from pathlib import Path

LABELS = {
    "gin": "Gin hello (gin.New(), no logger)",
    "nonstop": "Nonstop hello, ACCESS_LOG=off",
    "nonstop_log": "Nonstop hello, access log on (to a file) [extra]",
    "netty_loop": "raw Netty, event loop [ceiling]",
    "netty_vt": "raw Netty, naive VT hand-off [ceiling]",
}


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def mem(path):
    out = {}
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, *kv = line.split()
        out[name] = dict(x.split("=", 1) for x in kv)
    return out


def main(raw):
    raw = Path(raw)
    rows = list(csv.DictReader(open(raw / "results.tsv"), delimiter="\t"))
    env = (raw / "env.txt").read_text()
    opts = re.search(r"^JVM_OPTS: (.*)$", env, re.M)
    knobs = re.search(r"^ROUNDS=.*$", env, re.M)
    print(f"## Run {raw.name}\n")
    print("```\n" + "\n".join(l for l in env.splitlines() if not l.startswith(("top", " ", "  PID")) and not re.match(r"^\s*\d+ ", l)) + "\n```\n")
    targets = list(dict.fromkeys(r["target"] for r in rows))
    endpoints = list(dict.fromkeys(r["endpoint"] for r in rows))
    rounds = sorted({int(r["round"]) for r in rows})
    by = {(int(r["round"]), r["endpoint"], r["target"]): r for r in rows}
    for ep in endpoints:
        print(f"### GET {ep}\n")
        print("| target | " + " | ".join(f"r{i} req/s" for i in rounds)
              + " | **median req/s** | spread | **ratio to Gin** (per-round, median) | p50 ms | p99 ms | **p99 ratio to Gin** | errors | load1 |")
        print("|---" * (len(rounds) + 9) + "|")
        for t in targets:
            rr = [by.get((i, ep, t)) for i in rounds]
            rps = [float(x["rps"]) for x in rr if x]
            p50 = [float(x["p50_ms"]) for x in rr if x]
            p99 = [float(x["p99_ms"]) for x in rr if x]
            errs = sum(int(x["errors"]) for x in rr if x)
            loads = [x["load1"] for x in rr if x]
            ratios, p99r = [], []
            for i in rounds:
                a, g = by.get((i, ep, t)), by.get((i, ep, "gin"))
                if a and g and float(g["rps"]) > 0:
                    ratios.append(float(a["rps"]) / float(g["rps"]))
                    p99r.append(float(a["p99_ms"]) / float(g["p99_ms"]))
            m = med(rps)
            spread = (max(rps) - min(rps)) / m * 100 if rps and m else float("nan")
            print(f"| {LABELS.get(t, t)} | " + " | ".join(f"{float(x['rps']):,.0f}" if x else "-" for x in rr)
                  + f" | **{m:,.0f}** | {spread:.1f}% | **{med(ratios):.2f}** ({', '.join(f'{x:.2f}' for x in ratios)})"
                  + f" | {med(p50):.2f} | {med(p99):.2f} | **{med(p99r):.2f}** ({', '.join(f'{x:.2f}' for x in p99r)})"
                  + f" | {errs} | {'/'.join(loads)} |")
        print()
    idle, after = mem(raw / "memory_idle.txt"), mem(raw / "memory_after_load.txt")
    print("### Memory (VmRSS / VmHWM from /proc/PID/status, MiB)\n")
    print("| target | RSS idle | RSS after load | peak (VmHWM) after load |")
    print("|---|---|---|---|")
    for t in targets:
        i, a = idle.get(t, {}), after.get(t, {})
        f = lambda d, k: f"{int(d[k]) / 1024:.1f}" if k in d else "-"
        print(f"| {LABELS.get(t, t)} | {f(i, 'VmRSS_kB')} | **{f(a, 'VmRSS_kB')}** | {f(a, 'VmHWM_kB')} |")
    print()
    if opts:
        print(f"JVM flags (every JVM target): `{opts.group(1)}`\n")
        je = re.search(r"^JVM_ENV: (.*)$", env, re.M)
        if je and je.group(1).strip():
            print(f"JVM environment: `{je.group(1)}`\n")
    if knobs:
        print(f"Settings: `{knobs.group(0)}`\n")


if __name__ == "__main__":
    main(sys.argv[1])
