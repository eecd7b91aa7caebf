#!/usr/bin/env python3
"""Prints one bench/gateway.sh run as Markdown: python3 bench/gateway/summarize.py bench/out/gateway-XXXX"""
import csv
import re
import statistics
import sys
from pathlib import Path

LABELS = {
    "direct": "direct (one upstream instance, no proxy)",
    "nginx": "nginx (auto workers, keepalive 64, least_conn)",
    "haproxy": "HAProxy (nbthread 2, leastconn, retry-on all-retryable-errors)",
    "haproxy_noretry": "HAProxy (nbthread 2, leastconn, option redispatch only)",
    "nonstop": "**Nonstop gateway**",
    "netty_tcp": "yardstick: Netty TCP forwarder, no HTTP (TcpCeiling.java)",
    "http_sketch": "yardstick: header-bytes HTTP sketch, GET only (HttpSketch.java)",
    "http_sketch_bare": "yardstick: the same sketch adding no headers",
}
UPSTREAM_LABELS = {"gin": "Gin hello", "hello": "Nonstop hello jar"}


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def rows(path):
    if not path.exists():
        return []
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def ratios(by, rounds, t, base):
    out = []
    for r in rounds:
        a, b = by.get((r, t)), by.get((r, base))
        if a and b and float(b["rps"]) > 0:
            out.append(float(a["rps"]) / float(b["rps"]))
    return out


def fmt_ratio(xs):
    if not xs:
        return "-"
    return f"**{med(xs):.2f}** ({', '.join(f'{x:.2f}' for x in xs)})" if len(xs) > 1 else f"**{xs[0]:.2f}**"


def mib(kb):
    return f"{int(kb) / 1024:.1f}" if kb not in (None, "", "0") else "-"


def errors(x):
    return sum(int(x[k]) for k in ("connect", "read", "write", "timeout", "non2xx"))


def throughput(raw, env):
    tput, memory = rows(raw / "throughput.tsv"), rows(raw / "memory.tsv")
    if not tput:
        return
    m = re.search(r"^ROUNDS=(\S+) DURATION=(\S+) CONNS=(\S+) THREADS=(\S+) WARMUP=(\S+) WARMUP_JVM=(\S+)", env, re.M)
    for up in dict.fromkeys(x["upstream"] for x in tput):
        rs = [x for x in tput if x["upstream"] == up]
        rounds = sorted({int(x["round"]) for x in rs})
        targets = list(dict.fromkeys(x["target"] for x in rs))
        by = {(int(x["round"]), x["target"]): x for x in rs}
        mem = {(x["when"], x["target"]): x for x in memory if x["upstream"] == up}
        print(f"### Throughput, upstream: {UPSTREAM_LABELS.get(up, up)} (2 instances behind each proxy)\n")
        if m:
            jvm_ups = f", hello jar upstreams {m[6]} s each" if up == "hello" else ""
            print(f"`wrk -t{m[4]} -c{m[3]} -d{m[2]}s --latency`, {m[1]} interleaved round(s), order reversed every "
                  f"other round; warm-up {m[5]} s per upstream and target (nonstop gateway {m[6]} s{jvm_ups}), "
                  "not recorded.\n")
        print("| target | " + " | ".join(f"r{r} req/s" for r in rounds)
              + " | **median req/s** | spread | **ratio to direct** (per round) | ratio to nginx (per round)"
              + " | p50 ms | p99 ms | errors | RSS idle MiB | RSS after load MiB | peak (VmHWM) MiB | load1 before |")
        print("|---" * (len(rounds) + 12) + "|")
        for t in targets:
            rr = [by.get((r, t)) for r in rounds]
            rps = [float(x["rps"]) for x in rr if x]
            p50 = [float(x["p50_ms"]) for x in rr if x and x["p50_ms"] != "NA"]
            p99 = [float(x["p99_ms"]) for x in rr if x and x["p99_ms"] != "NA"]
            errs = sum(errors(x) for x in rr if x)
            md = med(rps)
            spread = f"{(max(rps) - min(rps)) / md * 100:.1f}%" if rps and md else "-"
            idle, after = mem.get(("idle", t), {}), mem.get(("after_load", t), {})
            print(f"| {LABELS.get(t, t)} | " + " | ".join(f"{float(x['rps']):,.0f}" if x else "-" for x in rr)
                  + f" | **{md:,.0f}** | {spread} | {fmt_ratio(ratios(by, rounds, t, 'direct'))}"
                  + f" | {fmt_ratio(ratios(by, rounds, t, 'nginx')) if 'nginx' in targets else '-'}"
                  + f" | {med(p50):.2f} | {med(p99):.2f} | {errs}"
                  + f" | {mib(idle.get('rss_kb'))} | {mib(after.get('rss_kb'))} | {mib(after.get('hwm_kb'))}"
                  + f" | {'/'.join(x['load1'] for x in rr if x)} |")
        print()
        ups = [x for x in memory if x["upstream"] == up and x["target"] not in targets]
        if ups:
            print("Upstream instances behind the proxies, RSS after load (MiB): "
                  + ", ".join(f"{x['target']} {mib(x['rss_kb'])}" for x in ups if x["when"] == "after_load") + "\n")
        print("errors = wrk socket errors (connect + read + write + timeout) + non-2xx, summed over the rounds. "
              "RSS = VmRSS of the process group (nginx: master + workers); peak = sum of the members' VmHWM.\n")


def kill(raw, env):
    ks = rows(raw / "kill.tsv")
    if not ks:
        return
    m = re.search(r"CONNS=(\S+) THREADS=(\S+) .*KILL_DURATION=(\S+) KILL_AT=(\S+)", env)
    rounds = sorted({int(x["round"]) for x in ks})
    proxies = list(dict.fromkeys(x["proxy"] for x in ks))
    by = {(int(x["round"]), x["proxy"]): x for x in ks}
    print("### One of 3 Gin upstreams killed (`kill -9`) under load\n")
    if m:
        print(f"`wrk -t{m[2]} -c{m[1]} -d{m[3]}s --latency` through each proxy in turn, `kill -9` of upstream 1 at t={m[4]} s; "
              "each run starts the proxy fresh with all 3 upstreams up (killed one restarted in between).\n")
    print("| proxy | " + " | ".join(f"r{r} failed / requests" for r in rounds)
          + " | **median failed** | connect | read | write | timeout | non-2xx | kill at (ms) | load1 before |")
    print("|---" * (len(rounds) + 9) + "|")
    for p in proxies:
        rr = [by.get((r, p)) for r in rounds]
        got = [x for x in rr if x]
        tot = lambda k: sum(int(x[k]) for x in got)
        print(f"| {LABELS.get(p, p)} | "
              + " | ".join(f"{int(x['failed']):,} / {int(x['requests']):,}" if x else "-" for x in rr)
              + f" | **{med([int(x['failed']) for x in got]):g}** | {tot('connect')} | {tot('read')} | {tot('write')}"
              + f" | {tot('timeout')} | {tot('non2xx')} | {', '.join(x['kill_ms'] for x in got)}"
              + f" | {'/'.join(x['load1'] for x in got)} |")
    print()
    print("failed = wrk connect + read + write + timeout errors + non-2xx responses (wrk counts status >= 400); "
          "error columns are summed over the rounds.\n")


def main(raw):
    raw = Path(raw)
    env = (raw / "env.txt").read_text()
    print(f"## Gateway benchmark {raw.name}\n")
    keep = [l for l in env.splitlines()
            if not l.startswith(("top", "nonstop skipped")) and not re.match(r"^\s*(PID|\d+) ", l)]
    print("```\n" + "\n".join(keep) + "\n```\n")
    skipped = re.findall(r"^nonstop skipped: (.*)$", env, re.M)
    if skipped and skipped[-1] != "no":
        print(f"**Nonstop gateway not measured:** {skipped[-1]}\n")
    throughput(raw, env)
    kill(raw, env)
    print(f"Raw outputs: `{raw}` (exact commands: `commands.txt`, configs: `conf/`, wrk output: `wrk/`).")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
