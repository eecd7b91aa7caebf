#!/usr/bin/env python3
"""Aggregates a JFR recording into the tables bench/RESULTS.md uses.

    python3 bench/jfr_top.py rec.jfr [JAVA_HOME] > profile.md

CPU: jdk.ExecutionSample (stack depth 64): top self frames, top inclusive frames, per thread
kind, and 'attribution' = for each sample, the outermost... innermost dev.nonstop frame (who in our
code caused it). Allocation: jdk.ObjectAllocationSample weights by top frame and by allocated class.
GC: count and total pause of jdk.GarbageCollection.
"""
import collections
import re
import subprocess
import sys

jfr_file = sys.argv[1]
java_home = sys.argv[2] if len(sys.argv) > 2 else "/usr/lib/jvm/temurin-25-jdk-amd64"
JFR = f"{java_home}/bin/jfr"


def events(name, depth=64):
    out = subprocess.run([JFR, "print", "--stack-depth", str(depth), "--events", name, jfr_file],
                         capture_output=True, text=True, check=True).stdout
    cur = None
    for line in out.splitlines():
        s = line.strip()
        if s.startswith(name + " {") or s == name + " {":
            cur = {"frames": [], "fields": {}}
            in_stack = False
            continue
        if cur is None:
            continue
        if s == "}" and not in_stack:
            yield cur
            cur = None
            continue
        if s.startswith("stackTrace = ["):
            in_stack = True
            continue
        if in_stack:
            if s == "]":
                in_stack = False
            elif s and s != "...":
                cur["frames"].append(re.sub(r"\s+line:.*$", "", s))
            continue
        m = re.match(r"(\w+) = (.*)$", s)
        if m:
            cur["fields"][m.group(1)] = m.group(2)


def short(frame):
    # "io.netty.Foo.bar(int, Object)" -> "io.netty.Foo.bar"
    return frame.split("(")[0]


def thread_kind(t):
    t = t or ""
    if "nonstop-io" in t:
        return "event loop (nonstop-io)"
    if "nonstop-handler" in t or "virtual" in t.lower() or t.startswith('""'):
        return "virtual thread (handler)"
    if "ForkJoinPool" in t:
        return "carrier (ForkJoinPool)"
    if "C2" in t or "C1" in t or "Compiler" in t:
        return "JIT"
    return t.split("(")[0].strip().strip('"') or "?"


def category(fr):
    """A coarse bucket for a sample, from its top frame (and, for the codec, its callers)."""
    top = fr[0]
    if top.startswith("io.netty.channel.unix.Socket.send") or "writev" in top.lower() or "writeAddress" in top:
        return "socket write syscall (Socket.send*/write*)"
    if top.startswith("io.netty.channel.unix.Socket.recv") or "readAddress" in top:
        return "socket read syscall (Socket.recv*/read*)"
    if "epollWait" in top or "epollBusyWait" in top:
        return "epoll_wait"
    if "eventFdWrite" in top or "eventFdRead" in top or "EpollIoHandler.wakeup" in top:
        return "event-loop wakeup (eventfd)"
    if top.startswith(("java.util.concurrent.ForkJoinPool", "java.lang.VirtualThread", "jdk.internal.vm.Continuation",
                       "java.util.concurrent.locks.LockSupport", "jdk.internal.misc.Unsafe.park", "jdk.internal.misc.Unsafe.unpark")):
        return "virtual-thread scheduling (ForkJoinPool/VirtualThread/park)"
    if top.startswith("dev.nonstop."):
        return "dev.nonstop (self)"
    if top.startswith("io.micrometer."):
        return "Micrometer (request timer)"
    if top.startswith("com.fasterxml.jackson."):
        return "Jackson"
    if top.startswith(("ch.qos.logback", "net.logstash", "org.slf4j")):
        return "logging"
    if top.startswith("io.netty.handler.codec"):
        return "Netty HTTP codec + headers"
    if top.startswith("io.netty."):
        return "Netty other (pipeline, buffers, task queues)"
    return "JDK other / " + ".".join(top.split(".")[:2])


def table(title, counter, total, n=20):
    print(f"\n#### {title}\n")
    print("| % | samples | frame |")
    print("|---|---|---|")
    for k, v in counter.most_common(n):
        print(f"| {100.0 * v / total:.1f} | {v} | `{k}` |")


# JDK 25 has jdk.CPUTimeSample (CPU-time based, includes native/syscall time); prefer it when recorded.
samples = list(events("jdk.CPUTimeSample"))
CPU_EVENT = "jdk.CPUTimeSample"
if len(samples) < 100:
    samples = list(events("jdk.ExecutionSample"))
    CPU_EVENT = "jdk.ExecutionSample"
total = len(samples) or 1
self_c, incl_c, kinds, ours, our_self, pkg_self, cats = (collections.Counter() for _ in range(7))
for e in samples:
    fr = [short(f) for f in e["frames"]]
    if not fr:
        continue
    self_c[fr[0]] += 1
    for f in set(fr):
        incl_c[f] += 1
    kinds[thread_kind(e["fields"].get("sampledThread") or e["fields"].get("eventThread"))] += 1
    cats[category(fr)] += 1
    # innermost frame of ours: who in dev.nonstop caused this sample
    mine = next((f for f in fr if f.startswith("dev.nonstop.")), None)
    ours[mine or "(no dev.nonstop frame)"] += 1
    if fr[0].startswith("dev.nonstop."):
        our_self[fr[0]] += 1
    top = fr[0]
    pkg = ".".join(top.split(".")[:3]) if not top.startswith("io.netty") else ".".join(top.split(".")[:4])
    pkg_self[pkg] += 1

print(f"### CPU samples: {len(samples)} {CPU_EVENT} events ({jfr_file})\n")
print("| thread kind | % of samples |")
print("|---|---|")
for k, v in kinds.most_common(8):
    print(f"| {k} | {100.0 * v / total:.1f} |")
table("Buckets by top frame", cats, total, 20)
table("Top self frames (where the CPU is)", self_c, total, 25)
table("Self time by package", pkg_self, total, 15)
table("Top inclusive frames", incl_c, total, 40)
table("Innermost dev.nonstop frame on the stack (which of our calls led there)", ours, total, 20)

alloc = list(events("jdk.ObjectAllocationSample", depth=16))
if alloc:
    by_site, by_class, by_ours = collections.Counter(), collections.Counter(), collections.Counter()
    tw = 0
    for e in alloc:
        m = re.match(r"([\d.,]+)\s*(bytes|kB|MB|GB)?", e["fields"].get("weight", "0").replace(",", ""))
        w = float(m.group(1)) if m else 0.0
        w *= {"kB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}.get(m.group(2) if m else None, 1)
        tw += w
        fr = [short(f) for f in e["frames"]]
        by_site[fr[0] if fr else "?"] += w
        by_class[e["fields"].get("objectClass", "?").split(" (")[0]] += w
        by_ours[next((f for f in fr if f.startswith("dev.nonstop.")), "(no dev.nonstop frame)")] += w
    tw = tw or 1
    for title, c in (("Allocation by class (weight)", by_class), ("Allocation by top frame (weight)", by_site),
                     ("Allocation by innermost dev.nonstop frame (weight)", by_ours)):
        print(f"\n#### {title}\n")
        print("| % | frame/class |")
        print("|---|---|")
        for k, v in c.most_common(15):
            print(f"| {100.0 * v / tw:.1f} | `{k}` |")
    print(f"\n(total sampled allocation weight: {tw / 1024 / 1024:.0f} MiB over the recording)")

gcs = list(events("jdk.GarbageCollection", depth=1))
if gcs:
    def ms(v):
        m = re.match(r"([\d.]+)\s*(ms|s|us)", v)
        if not m:
            return 0.0
        x = float(m.group(1))
        return x * 1000 if m.group(2) == "s" else x / 1000 if m.group(2) == "us" else x
    pause = sum(ms(e["fields"].get("sumOfPauses", "0 ms")) for e in gcs)
    names = collections.Counter(e["fields"].get("name", "?") for e in gcs)
    print(f"\nGC: {len(gcs)} collections ({dict(names)}), total pause {pause:.0f} ms")
