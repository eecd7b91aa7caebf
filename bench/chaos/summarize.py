#!/usr/bin/env python3
"""Tables of a bench/chaos.sh run, Markdown on stdout; the per-second timeline to DIR/timeline.md.

    python3 bench/chaos/summarize.py bench/out/chaos-<time>[-LABEL]

Reads, per scenario directory (nonstop/, nginx/): meta.txt, wrk/measure.txt (wrk's own totals),
requests.* (bench/chaos/record.lua: one line per request), events.tsv, polls.ndjson (poll.py).

Definitions (the same for both scenarios):
  failed        a response that is not 2xx, or a request never answered (its connection was reset or
                closed; requests still in flight when wrk stopped, sent in the last 2 s, are left out)
  slow          answered after more than 2 s (wrk's default --timeout: wrk counts these as timeouts)
  p99, max      latency of the 2xx responses only (a proxy's instant 502 would make p99 look good)
  event window  requests sent from the event until WINDOW s after it ended (reload and upgrade: the
                command exited; SIGSTOP: SIGCONT; SIGKILL: at once), or until the next event if that
                comes first
  min req/s     the fewest 2xx responses completed in one of the window's whole seconds (counted from
                the event), next to the median of the seconds before the first event
  to full       from the event to the first poll at full capacity after the last poll below it,
                looking until the next event (or the end of polling); "0" when no poll was below full;
                polls that failed (the status source did not answer) are left out
"""
import bisect
import glob
import gzip
import json
import math
import os
import re
import statistics
import sys

SCENARIOS = ("nonstop", "nginx")
KIND_NAMES = {"reload": "rolling reload", "kill": "SIGKILL", "stop": "SIGSTOP", "upgrade": "upgrade"}


def read_meta(d):
    m = {}
    with open(os.path.join(d, "meta.txt")) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            m[k] = v
    for k in ("t0_us", "wrk_end_us", "poll_ms", "slow_ms", "conns", "threads"):
        m[k] = int(m[k])
    for k in ("duration", "window"):
        m[k] = float(m[k])
    return m


def ms(v):
    if v.endswith("us"):
        return float(v[:-2]) / 1000
    if v.endswith("ms"):
        return float(v[:-2])
    if v.endswith("s"):
        return float(v[:-1]) * 1000
    return float("nan")


def read_wrk(path):
    w = {"requests": 0, "rps": 0.0, "connect": 0, "read": 0, "write": 0, "timeout": 0, "non2xx": 0}
    with open(path) as f:
        for line in f:
            s = line.split()
            if line.startswith("Requests/sec"):
                w["rps"] = float(s[1])
            elif " requests in " in line:
                w["requests"] = int(s[0])
            elif "Socket errors" in line:
                nums = [int(x) for x in re.findall(r"\d+", line)]
                w["connect"], w["read"], w["write"], w["timeout"] = nums[:4]
            elif "Non-2xx" in line:
                w["non2xx"] = int(s[-1])
            elif s and s[0] in ("50%", "99%"):
                w["p" + s[0][:-1]] = ms(s[1])
    w["failed"] = w["connect"] + w["read"] + w["write"] + w["timeout"] + w["non2xx"]
    return w


class Requests:
    """Every request of the measured run, sorted by send time (µs)."""

    def __init__(self, d, end_us, slow_us):
        answered, lost, self.unmatched, self.inflight = [], [], [], 0
        for path in glob.glob(os.path.join(d, "requests.*")):
            with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
                for line in f:
                    p = line.split()
                    if len(p) != 3:
                        continue
                    t, lat, st = int(p[0]), int(p[1]), int(p[2])
                    if lat >= 0:
                        answered.append((t, lat, st))
                    elif st == 0:
                        if t < end_us - slow_us:
                            lost.append(t)
                        else:
                            self.inflight += 1
                    else:
                        self.unmatched.append((t, st))
        answered.sort()
        self.t = [a[0] for a in answered]
        self.lat = [a[1] for a in answered]
        self.status = [a[2] for a in answered]
        self.done = sorted(a[0] + a[1] for a in answered if 200 <= a[2] < 300)   # 2xx completion times
        self.lost = sorted(lost)
        self.unmatched.sort()
        self.slow_us = slow_us

    def window(self, a, b):
        """Stats of the requests sent in [a, b) µs."""
        i, j = bisect.bisect_left(self.t, a), bisect.bisect_left(self.t, b)
        lats = sorted(x for x, s in zip(self.lat[i:j], self.status[i:j]) if 200 <= s < 300)
        non2xx = sum(1 for s in self.status[i:j] if not 200 <= s < 300)
        lost = bisect.bisect_left(self.lost, b) - bisect.bisect_left(self.lost, a)
        um = [s for t, s in self.unmatched if a <= t < b]
        return {
            "sent": (j - i) + lost,
            "answered": j - i,
            "non2xx": non2xx + sum(1 for s in um if not 200 <= s < 300),
            "lost": lost,
            "failed": non2xx + lost + sum(1 for s in um if not 200 <= s < 300),
            "slow": sum(1 for x in self.lat[i:j] if x > self.slow_us),
            "p50": pct(lats, 0.50), "p99": pct(lats, 0.99), "p999": pct(lats, 0.999),
            "max": lats[-1] / 1000 if lats else None,
        }

    def per_second(self, a, b):
        """2xx responses completed in each whole second from a (µs) before b."""
        out = []
        s = a
        while s + 1_000_000 <= b:
            out.append(bisect.bisect_left(self.done, s + 1_000_000) - bisect.bisect_left(self.done, s))
            s += 1_000_000
        return out


def pct(sorted_lats, q):
    if not sorted_lats:
        return None
    return sorted_lats[max(0, math.ceil(q * len(sorted_lats)) - 1)] / 1000


def read_polls(d):
    polls = []
    with open(os.path.join(d, "polls.ndjson")) as f:
        for line in f:
            try:
                p = json.loads(line)
            except ValueError:
                continue
            polls.append(p)
    return polls


def read_events(d):
    ev = []
    with open(os.path.join(d, "events.tsv")) as f:
        next(f)
        for line in f:
            seq, kind, planned, t, end, target, note = (line.rstrip("\n").split("\t") + [""] * 7)[:7]
            ev.append({"seq": int(seq), "kind": kind, "planned": float(planned), "t": int(t),
                       "end": int(end or t), "target": target, "note": note,
                       "skipped": note.startswith("skipped")})
    return ev


def capacity(polls, a, b):
    """Over the good polls in [a, b) s: (to_full s or None, below-full s, min n, went below)."""
    seg = [p for p in polls if p.get("ok") and a <= p["t"] < b]
    if not seg:
        return None, 0.0, None, False
    below = 0.0
    for p, q in zip(seg, seg[1:]):
        if not p["full"]:
            below += q["t"] - p["t"]
    low = [p for p in seg if not p["full"]]
    nmin = min(p["n"] for p in seg)
    if not low:
        return 0.0, 0.0, nmin, False
    last_low = low[-1]["t"]
    back = next((p["t"] for p in seg if p["t"] > last_low and p["full"]), None)
    return (None if back is None else back - a), below, nmin, True


def fmt(v, digits=0):
    if v is None:
        return "-"
    if isinstance(v, float):
        return "%.*f" % (digits, v)
    return str(v)


def analyse(d):
    m = read_meta(d)
    t0 = m["t0_us"]
    end_load = t0 + int(m["duration"] * 1e6)
    req = Requests(d, end_load, m["slow_ms"] * 1000)
    polls = read_polls(d)
    events = read_events(d)
    wrk = read_wrk(os.path.join(d, "wrk", "measure.txt"))
    poll_end = max((p["t"] for p in polls), default=end_load / 1e6)
    live = [e for e in events if not e["skipped"]]
    first = min((e["t"] for e in live), default=end_load)
    quiet = req.window(t0 + 1_000_000, first)
    quiet_rate = req.per_second(t0 + 1_000_000, first)
    quiet_med = statistics.median(quiet_rate) if quiet_rate else None
    rows = []
    for e in events:
        r = {"e": e, "at": (e["t"] - t0) / 1e6, "took": (e["end"] - e["t"]) / 1e6}
        if not e["skipped"]:
            nxt = min((x["t"] for x in live if x["t"] > e["t"]), default=None)
            a, b = e["t"], e["end"] + int(m["window"] * 1e6)
            if nxt is not None:
                b = max(a, min(b, nxt))
            r["win"] = (b - a) / 1e6
            r["after_load"] = a >= end_load
            if r["after_load"]:
                r.update({k: None for k in ("sent", "answered", "non2xx", "lost", "failed", "slow", "p50", "p99", "p999", "max")})
            else:
                r.update(req.window(a, b))
            ps = req.per_second(a, min(b, end_load))
            r["min_rate"] = min(ps) if ps else None
            upto = nxt / 1e6 if nxt else poll_end + 1e-3
            r["to_full"], r["below"], r["nmin"], r["went_below"] = capacity(polls, e["t"] / 1e6, upto)
            r["horizon"] = upto - e["t"] / 1e6
            r["horizon_is_next"] = nxt is not None
        rows.append(r)
    everything = req.window(0, 1 << 62)
    total_below = capacity(polls, t0 / 1e6, poll_end + 1e-3)[1]
    return {"dir": d, "meta": m, "wrk": wrk, "req": req, "all": everything, "quiet": quiet,
            "quiet_med": quiet_med, "rows": rows, "polls": polls, "below": total_below,
            "polls_ok": sum(1 for p in polls if p.get("ok")), "polls_bad": sum(1 for p in polls if not p.get("ok")),
            "events": events, "end_load": end_load}


def failed_text(r):
    if r.get("failed") is None:
        return "-"
    return "%d (%s%%)" % (r["failed"], pct_text(r["failed"], r["sent"]))


def pct_text(a, b):
    if not b:
        return "-"
    p = 100.0 * a / b
    return "%.2g" % p if p < 10 else "%.0f" % p


def to_full_text(r):
    if "to_full" not in r:
        return "-"
    if r.get("nmin") is None:
        return "no polls"
    if not r["went_below"]:
        return "0 (stayed full)"
    if r["to_full"] is None:
        return "> %.1f s (%s)" % (r["horizon"], "next event" if r["horizon_is_next"] else "end of polling")
    return "%.1f s" % r["to_full"]


def event_label(r):
    e = r["e"]
    return "%s %s" % (KIND_NAMES.get(e["kind"], e["kind"]), e["target"]) if e["target"] != "-" else KIND_NAMES.get(e["kind"], e["kind"])


def totals_table(res):
    names = list(res)
    lines = ["| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]

    def row(label, f):
        lines.append("| %s | %s |" % (label, " | ".join(f(res[n]) for n in names)))

    row("load", lambda x: "wrk -t%d -c%d -d%ds --latency" % (x["meta"]["threads"], x["meta"]["conns"], x["meta"]["duration"]))
    row("requests (wrk)", lambda x: fmt(x["wrk"]["requests"]))
    row("req/s (wrk)", lambda x: fmt(x["wrk"]["rps"]))
    row("**failed (wrk: socket errors + non-2xx)**", lambda x: "**%d**" % x["wrk"]["failed"])
    row("socket errors connect / read / write / timeout", lambda x: "%d / %d / %d / %d" % tuple(x["wrk"][k] for k in ("connect", "read", "write", "timeout")))
    row("non-2xx (wrk)", lambda x: fmt(x["wrk"]["non2xx"]))
    row("recorder: sent / answered", lambda x: "%d / %d" % (x["all"]["sent"], x["all"]["answered"]))
    row("recorder: 2xx responses", lambda x: fmt(x["all"]["answered"] - x["all"]["non2xx"]))
    row("recorder: failed = non-2xx + never answered", lambda x: "%d = %d + %d (%s%% of sent)" % (
        x["all"]["failed"], x["all"]["non2xx"], x["all"]["lost"], pct_text(x["all"]["failed"], x["all"]["sent"])))
    row("recorder: slower than 2 s", lambda x: fmt(x["all"]["slow"]))
    row("latency of 2xx: p50 / p99 / p99.9 / max, ms", lambda x: " / ".join(fmt(x["all"][k], 1) for k in ("p50", "p99", "p999", "max")))
    row("before the first event: 2xx/s (median) / p99 / max, ms", lambda x: "%s / %s / %s" % (fmt(x["quiet_med"]), fmt(x["quiet"]["p99"], 1), fmt(x["quiet"]["max"], 1)))
    row("time below full capacity (polls), s", lambda x: fmt(x["below"], 1))
    row("status polls ok / failed", lambda x: "%d / %d" % (x["polls_ok"], x["polls_bad"]))
    extra = [n for n in names if res[n]["req"].unmatched or res[n]["req"].inflight]
    if extra:
        row("recorder: unmatched responses / in flight at the end", lambda x: "%d / %d" % (len(x["req"].unmatched), x["req"].inflight))
    return lines


def side_by_side(res):
    names = list(res)
    n_ev = max(len(res[n]["rows"]) for n in names)
    cols = [("failed", failed_text), ("> 2 s", lambda r: fmt(r.get("slow"))),
            ("p99 ms", lambda r: fmt(r.get("p99"), 1)), ("max ms", lambda r: fmt(r.get("max"), 1)),
            ("to full capacity", to_full_text)]
    head = "| # | event | planned s |" + "".join(" %s %s |" % (c, n) for c, _ in cols for n in names)
    lines = [head, "|---|---|---|" + "---|" * (len(cols) * len(names))]
    for i in range(n_ev):
        rs = [res[n]["rows"][i] if i < len(res[n]["rows"]) else None for n in names]
        kind = next(r["e"]["kind"] for r in rs if r)
        planned = next(r["e"]["planned"] for r in rs if r)
        cells = []
        for _, f in cols:
            for r in rs:
                cells.append("-" if r is None else (r["e"]["note"] if r["e"]["skipped"] and f is to_full_text else f(r)))
        lines.append("| %d | %s | %.1f | %s |" % (i + 1, KIND_NAMES.get(kind, kind), planned, " | ".join(cells)))
    return lines


def detail_table(x):
    q = x["quiet_med"]
    lines = ["| # | what | planned s | at s | took s | window s | sent | failed (non-2xx + no answer) | > 2 s | p99 ms | max ms | min req/s | below full s | min in rotation | to full capacity | note |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in x["rows"]:
        e = r["e"]
        if e["skipped"]:
            lines.append("| %d | %s | %.1f | %.1f | - | - | - | - | - | - | - | - | - | - | - | %s |" % (e["seq"], event_label(r), e["planned"], r["at"], e["note"]))
            continue
        rate = fmt(r["min_rate"])
        if r["min_rate"] is not None and q:
            rate += " (%d%%)" % round(100 * r["min_rate"] / q)
        note = e["note"].replace("|", "/")
        if r["after_load"]:
            note = "fired after the load ended" + ("; " + note if note else "")
        failed = "-" if r["failed"] is None else "%d (%d + %d), %s%%" % (r["failed"], r["non2xx"], r["lost"], pct_text(r["failed"], r["sent"]))
        lines.append("| %d | %s | %.1f | %.1f | %.1f | %.1f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            e["seq"], event_label(r), e["planned"], r["at"], r["took"], r["win"], fmt(r["sent"]), failed,
            fmt(r["slow"]), fmt(r["p99"], 1), fmt(r["max"], 1), rate, fmt(r["below"], 1), fmt(r["nmin"]),
            to_full_text(r), note or "-"))
    return lines


def timeline(res):
    names = list(res)
    span = max(int(math.ceil(x["meta"]["duration"])) for x in res.values())
    lines = ["# Per second (%s)" % ", ".join(names), "",
             "Requests sent in second s of the measured run (from its start): 2xx completed, failed, p99 / max ms "
             "of those sent, lowest capacity seen by the polls (instances counted), events fired in that second.", "",
             "| s |" + "".join(" %s 2xx | %s failed | %s p99 / max | %s n | %s event |" % ((n,) * 5) for n in names),
             "|---|" + "---|" * (5 * len(names))]
    for s in range(span):
        cells = []
        for n in names:
            x = res[n]
            a = x["meta"]["t0_us"] + s * 1_000_000
            w = x["req"].window(a, a + 1_000_000)
            done = x["req"].per_second(a, a + 1_000_000)
            ns = [p["n"] for p in x["polls"] if p.get("ok") and a / 1e6 <= p["t"] < a / 1e6 + 1]
            evs = [KIND_NAMES.get(e["kind"], e["kind"]) for e in x["events"] if a <= e["t"] < a + 1_000_000 and not e["skipped"]]
            cells += [fmt(done[0] if done else None), fmt(w["failed"]), "%s / %s" % (fmt(w["p99"], 1), fmt(w["max"], 1)),
                      fmt(min(ns) if ns else None), ", ".join(evs) or ""]
        lines.append("| %d | %s |" % (s, " | ".join(cells)))
    return lines


def main():
    root = sys.argv[1]
    res = {}
    for n in SCENARIOS:
        d = os.path.join(root, n)
        if os.path.exists(os.path.join(d, "events.tsv")):
            res[n] = analyse(d)
    if not res:
        sys.exit("summarize.py: no scenario with events.tsv under %s" % root)
    env = {}
    with open(os.path.join(root, "env.txt")) as f:
        for line in f:
            k, _, v = line.partition(": ")
            env[k] = v.strip()
    out = ["# Chaos benchmark: %s" % os.path.basename(os.path.normpath(root)), "",
           "%s; loadavg at start %s; nonstop.jar %s; nonstop upgrade: %s." % (
               env.get("cpu", "?"), env.get("loadavg", "?").split(" ")[0], env.get("nonstop.jar", "?").split(" ")[0],
               env.get("nonstop upgrade", "?")), "",
           "## Totals", ""] + totals_table(res)
    out += ["", "## Events side by side", "",
            "Window: requests sent from the event until %s s after it ended (or the next event); failed: non-2xx or never answered "
            "(%% of the window's requests); p99 and max: of the 2xx responses; to full capacity: all 3 instances "
            "READY and in rotation (nonstop status) / RUNNING and answering (supervisord + direct GET /)." % (
                fmt(next(iter(res.values()))["meta"]["window"], 1)), ""] + side_by_side(res)
    for n, x in res.items():
        out += ["", "## %s: events" % n, ""] + detail_table(x)
    print("\n".join(out))
    with open(os.path.join(root, "timeline.md"), "w") as f:
        f.write("\n".join(timeline(res)) + "\n")


if __name__ == "__main__":
    main()
