#!/usr/bin/env python3
"""Tables for bench/restart.sh: python3 bench/restart/summarize.py bench/out/restart-<time>

Reads results.txt (one `key=value ...` line per measurement) and nonstop's JSON logs
(log/nonstop_*.out, one line per state transition), lines the probe's wall-clock timestamps up with
the log's @timestamp, and prints Markdown.
"""
import calendar
import json
import os
import statistics
import sys
import time


def parse_line(line):
    d = {}
    for tok in line.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            d[k] = v
    return d


def ts_ns(s):
    # 2026-11-26T06:05:46.495596269Z
    s = s.rstrip("Z")
    base, _, frac = s.partition(".")
    secs = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
    return secs * 1_000_000_000 + int((frac + "000000000")[:9])


def events(path):
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if "to" in e and "@timestamp" in e:
                out.append((ts_ns(e["@timestamp"]), e))
    out.sort(key=lambda x: x[0])
    return out


def ms(ns):
    return ns / 1e6


def stats(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    return statistics.median(xs), min(xs), max(xs), len(xs)


def during(r):
    # /proc/stat counts 10 ms ticks: a busy % over a window much shorter than ~200 ms means nothing
    return r.get("busy_during", "-") if float(r.get("total_ms", 0)) >= 200 else "-"


def fmt(x, nd=1):
    return "-" if x is None else f"{x:.{nd}f}"


def fmt_stats(xs, nd=1):
    s = stats(xs)
    if s is None:
        return "-", "-", "0"
    return fmt(s[0], nd), f"{fmt(s[1], nd)}–{fmt(s[2], nd)}", str(s[3])


def main():
    raw = sys.argv[1] if len(sys.argv) > 1 else "."
    rows = []
    with open(os.path.join(raw, "results.txt")) as f:
        for line in f:
            if line.strip():
                rows.append(parse_line(line))
    by = {}
    for r in rows:
        by.setdefault(r.get("scenario"), []).append(r)

    # nonstop reps: line up with the log
    logs = {}
    for sc in ("nonstop_gin", "nonstop_jar"):
        for r in by.get(sc, []):
            path = os.path.join(raw, r["log"])
            if path not in logs:
                logs[path] = events(path)
            ev = logs[path]
            t0 = int(r["t0_ns"])
            ok = int(r["ok_ns"])
            exited = starting = ready = None
            odd = []
            for t, e in ev:
                if t < t0 or e.get("index") != 0:
                    continue
                to = e["to"]
                if exited is None:
                    if to == "EXITED":
                        exited = t
                    elif to in ("BACKOFF", "FATAL"):
                        odd.append(to)
                    continue
                if starting is None:
                    if to == "STARTING":
                        starting = t
                    else:
                        odd.append(to)
                    continue
                if to == "READY":
                    ready = t
                    break
                if to not in ("RUNNING",):
                    odd.append(to)
            r["kill_exited"] = ms(exited - t0) if exited else None
            r["exited_starting"] = ms(starting - exited) if exited and starting else None
            r["kill_starting"] = ms(starting - t0) if starting else None
            r["starting_200"] = ms(ok - starting) if starting else None
            r["kill_ready"] = ms(ready - t0) if ready else None
            r["ready_after_200"] = ms(ready - ok) if ready else None
            r["odd"] = ",".join(odd)

    def col(sc, key):
        return [float(r[key]) if isinstance(r.get(key), str) else r.get(key) for r in by.get(sc, [])]

    out = []
    p = out.append
    sup_med = (stats(col("supervisord_gin", "total_ms")) or [None])[0]

    p("### Restart latency (ms)\n")
    p("| scenario | timed | n | median | min–max | supervisord ÷ nonstop (same Gin binary) |")
    p("|---|---|---:|---:|---:|---:|")
    table = [
        ("supervisord + Gin", "kill -9 → first 200", "supervisord_gin", "total_ms"),
        ("nonstop + Gin", "kill -9 → first 200", "nonstop_gin", "total_ms"),
        ("Gin alone (baseline)", "spawn → first 200", "gin_cold", "total_ms"),
        ("Gin via `setsid setpriv --pdeathsig KILL --`", "spawn → first 200", "gin_cold_wrapped", "total_ms"),
        ("nonstop + hello jar", "kill -9 → first 200", "nonstop_jar", "total_ms"),
        ("nonstop + hello jar", "kill -9 → READY (log)", "nonstop_jar", "kill_ready"),
        ("hello jar alone (baseline)", "spawn → first 200", "jar_cold", "total_ms"),
    ]
    for name, what, sc, key in table:
        xs = col(sc, key)
        if not xs:
            continue
        m, rng, n = fmt_stats(xs)
        s = stats(xs)
        ratio = f"{sup_med / s[0]:.0f}×" if sup_med and s and s[0] > 0 and sc == "nonstop_gin" else ""
        p(f"| {name} | {what} | {n} | {m} | {rng} | {ratio} |")
    p("")

    if by.get("nonstop_gin"):
        p("### nonstop + Gin: where the time goes (from nonstop's JSON log, ms)\n")
        p("| rep | kill → EXITED logged | EXITED → STARTING logged | STARTING → first 200 | kill → first 200 | kill → READY | busy % before/during | load1 |")
        p("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in by["nonstop_gin"]:
            p(f"| {r['rep']} | {fmt(r['kill_exited'])} | {fmt(r['exited_starting'])} | {fmt(r['starting_200'])} | "
              f"{r['total_ms']} | {fmt(r['kill_ready'])} | {r['busy']}/{during(r)} | {r['load1']}{' ' + r['odd'] if r['odd'] else ''} |")
        meds = [fmt((stats(col('nonstop_gin', k)) or [None])[0]) for k in
                ("kill_exited", "exited_starting", "starting_200", "total_ms", "kill_ready")]
        p(f"| **median** | {' | '.join(meds)} | | |")
        p("")
        tot = stats(col("nonstop_gin", "total_ms"))
        cold = stats(col("gin_cold", "total_ms"))
        wrap = stats(col("gin_cold_wrapped", "total_ms"))
        ks = stats(col("nonstop_gin", "kill_starting"))
        lines = []
        if ks:
            lines.append(f"kill → new process spawned (STARTING logged), purely the supervisor: median {ks[0]:.1f} ms "
                         f"(min–max {ks[1]:.1f}–{ks[2]:.1f})")
        if tot and cold:
            lines.append(f"median kill → 200 minus median Gin cold start: {tot[0]:.1f} − {cold[0]:.1f} = "
                         f"**{tot[0] - cold[0]:.1f} ms** on top of the program's own start")
        if tot and wrap:
            lines.append(f"minus the cold start through the setsid/setpriv wrapper instead: {tot[0]:.1f} − {wrap[0]:.1f} = "
                         f"{tot[0] - wrap[0]:.1f} ms")
        for l in lines:
            p(f"* {l}")
        p("")

    if by.get("nonstop_jar"):
        p("### nonstop + hello jar (readiness /readyz, period 1s; ms)\n")
        p("| rep | kill → EXITED logged | EXITED → STARTING logged | STARTING → first 200 | kill → first 200 | first 200 → READY logged | kill → READY | busy % before/during | load1 |")
        p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in by["nonstop_jar"]:
            p(f"| {r['rep']} | {fmt(r['kill_exited'])} | {fmt(r['exited_starting'])} | {fmt(r['starting_200'])} | "
              f"{r['total_ms']} | {fmt(r['ready_after_200'])} | {fmt(r['kill_ready'])} | {r['busy']}/{during(r)} | {r['load1']}{' ' + r['odd'] if r['odd'] else ''} |")
        meds = [fmt((stats(col('nonstop_jar', k)) or [None])[0]) for k in
                ("kill_exited", "exited_starting", "starting_200", "total_ms", "ready_after_200", "kill_ready")]
        p(f"| **median** | {' | '.join(meds)} | | |")
        p("")
        tot = stats(col("nonstop_jar", "total_ms"))
        cold = stats(col("jar_cold", "total_ms"))
        if tot and cold:
            p(f"* median kill → 200 minus median jar cold start: {tot[0]:.1f} − {cold[0]:.1f} = **{tot[0] - cold[0]:.1f} ms**")
            # A JVM start alone keeps this 2-vCPU machine ~85 % busy; above ~90 % someone else was running too.
            def calm(sc, key):
                return [float(r[key]) if isinstance(r[key], str) else r[key] for r in by.get(sc, [])
                        if r.get(key) is not None and int(r.get("busy_during", "100")) <= 90]
            qn, qc, qs = stats(calm("nonstop_jar", "total_ms")), stats(calm("jar_cold", "total_ms")), stats(calm("nonstop_jar", "starting_200"))
            if qn and qc:
                p(f"* only reps with the machine ≤ 90 % busy during the measurement (no outside load visible): nonstop kill → 200 "
                  f"median {qn[0]:.1f} (n={qn[3]}; STARTING → 200 {qs[0]:.1f}), jar cold start median {qc[0]:.1f} (n={qc[3]}): "
                  f"difference {qn[0] - qc[0]:.1f} ms")
            p("")

    for sc, title in (("supervisord_gin", "supervisord + Gin"), ("gin_cold", "Gin cold start"),
                      ("gin_cold_wrapped", "Gin cold start via setsid/setpriv"), ("jar_cold", "hello jar cold start")):
        if by.get(sc):
            p(f"{title} per rep, ms (machine busy % in the second before / during): " + ", ".join(
                f"{r['total_ms']} (busy {r['busy']}/{during(r)} %, load {r['load1']})" for r in by[sc]) + "\n")

    fp = by.get("footprint", [])
    if fp:
        p("### Supervisor footprint, 3 Gin instances, idle\n")
        p("| supervisor | VmRSS MiB | VmHWM MiB | threads | CPU in window: utime+stime (10 ms ticks) | CPU: Σ threads' schedstat | % of one core | window s | 3 children RSS MiB | machine busy % before/during | load1 |")
        p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        names = {"supervisord_3gin": "supervisord (3 programs)",
                 "nonstop_3gin_ready": "nonstop up (3 instances, readiness GET / every 1 s)",
                 "nonstop_3gin_none": "nonstop up (3 instances, no health checks)",
                 "nonstop_3gin_ready_nmt": "nonstop up (3 instances, readiness; NMT on)",
                 "nonstop_3gin_none_nmt": "nonstop up (3 instances, no health checks; NMT on)"}
        for r in fp:
            w = int(r["window_ms"]) / 1000
            cpu = int(r["cpu_ms"])
            sched = float(r.get("sched_ms", "nan"))
            best = max(cpu, sched) if sched == sched else cpu
            p(f"| {names.get(r['sup'], r['sup'])} | {int(r['rss_kb']) / 1024:.1f} | {int(r['hwm_kb']) / 1024:.1f} | {r['threads']} | "
              f"{cpu} ms | {r.get('sched_ms', '-')} ms | {100 * best / 1000 / w:.2f} | {w:.1f} | {int(r['children_rss_kb']) / 1024:.1f} | "
              f"{r.get('busy', '-')}/{r['machine_busy_pct']} | {r['load1']} |")
        p("")
        for r in fp:
            f = os.path.join(raw, f"threads_cpu_{r['sup']}.txt")
            if r["sup"].startswith("nonstop") and os.path.exists(f):
                top = [l.strip() for l in open(f) if l.strip()][:6]
                p(f"{names.get(r['sup'], r['sup'])}, top threads by CPU in the window: " + "; ".join(top) + "\n")
    ar = by.get("after_restarts", [])
    if ar:
        p(f"After the restart phase (1 instance, {ar[0].get('reps', '?')} restarts): " + "; ".join(
            f"{r['sup']} VmRSS {int(r['rss_kb']) / 1024:.1f} MiB, VmHWM {int(r['hwm_kb']) / 1024:.1f} MiB, {r['threads']} threads"
            for r in ar) + "\n")

    bd = by.get("breakdown", [])
    if bd:
        p("### The JDK calls behind nonstop's restart (bench/restart/SpawnCost.java, nonstop's JVM flags; ms)\n")
        p("| step | round 1 (cold code) | median rounds 2.. | min–max rounds 2.. |")
        p("|---|---:|---:|---:|")
        for key, name in (("detect_ms", "SIGKILL → onExit → virtual thread runs (exit noticed)"),
                          ("groupkill_ms", "`kill -s KILL -- -PGID` as a child process, waited for"),
                          ("spawn_ms", "`ProcessBuilder.start()` of `setsid setpriv --pdeathsig KILL -- CMD`")):
            xs = [float(r[key]) for r in bd]
            m, rng, _ = fmt_stats(xs[1:], 2)
            p(f"| {name} | {xs[0]:.2f} | {m} | {rng} |")
        p(f"\n(busy {bd[0]['busy']} % before, load1 {bd[0]['load1']}; {len(bd)} rounds)\n")

    print("\n".join(out))


if __name__ == "__main__":
    main()
