#!/usr/bin/env bash
# JVM flag sweep for the hello jar: for every configuration below, one bench/run.sh round
# (TARGETS="gin nonstop", so each configuration has its own Gin reference measured next to it),
# then one Markdown table of req/s, ratio to Gin, p99 and RSS (idle / after load / peak VmHWM).
#
#   bench/flags.sh                  # all configurations (~70 s each)
#   CONFIGS="base trim" bench/flags.sh
#   ROUNDS=2 bench/flags.sh         # more rounds per configuration
#
# Output: bench/out/flags-<timestamp>/table.md (+ one run directory per configuration).
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT=${OUT:-$BENCH/out}
DIR=$OUT/flags-$(date +%Y%m%dT%H%M%S)
mkdir -p "$DIR"

BASE="-XX:+UseSerialGC -Xms16m -Xmx64m -Xss512k -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=32m -XX:MaxDirectMemorySize=32m"
S48="-XX:+UseSerialGC -Xms32m -Xmx48m -Xss512k -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=32m -XX:MaxDirectMemorySize=32m"
S32="-XX:+UseSerialGC -Xms32m -Xmx32m -Xss512k -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=32m -XX:MaxDirectMemorySize=32m"
TRIM="-XX:TrimNativeHeapInterval=1000"
# name | extra environment | JVM flags
declare -A ENV_OF OPTS_OF
ORDER=()
cfg() { ORDER+=("$1"); ENV_OF[$1]=$2; OPTS_OF[$1]=$3; }
cfg base           ""                   "$BASE"
cfg arena2         "MALLOC_ARENA_MAX=2" "$BASE"
cfg trim           ""                   "$BASE $TRIM"
cfg c1             ""                   "$BASE -XX:TieredStopAtLevel=1"
cfg unpooled       ""                   "$BASE -Dio.netty.allocator.type=unpooled"
cfg pooled         ""                   "$BASE -Dio.netty.allocator.type=pooled"
cfg coh            ""                   "$BASE -XX:+UseCompactObjectHeaders"
cfg noshare        ""                   "$BASE -Xshare:off"
cfg parallel       ""                   "${BASE/UseSerialGC/UseParallelGC}"
cfg g1             ""                   "${BASE/UseSerialGC/UseG1GC}"
cfg x48            ""                   "$S48"
cfg x32            ""                   "$S32"
cfg x48_arena2     "MALLOC_ARENA_MAX=2" "$S48"
cfg x48_arena2_trim "MALLOC_ARENA_MAX=2" "$S48 $TRIM"
cfg x48_trim       ""                   "$S48 $TRIM"
cfg x48_trim_coh   ""                   "$S48 $TRIM -XX:+UseCompactObjectHeaders"
cfg x32_arena2_trim "MALLOC_ARENA_MAX=2" "$S32 $TRIM"
cfg x48_arena2_c1  "MALLOC_ARENA_MAX=2" "$S48 $TRIM -XX:TieredStopAtLevel=1"
CONFIGS=${CONFIGS:-${ORDER[*]}}

for c in $CONFIGS; do
  echo "=== $c: ${ENV_OF[$c]} ${OPTS_OF[$c]}" >&2
  ROUNDS=${ROUNDS:-1} TARGETS="gin nonstop" OUT="$DIR" LABEL="$c" JVM_ENV="${ENV_OF[$c]}" JVM_OPTS="${OPTS_OF[$c]}" \
    "$BENCH/run.sh" >/dev/null || echo "=== $c FAILED" >&2
done

python3 - "$DIR" "$BASE" >"$DIR/table.md" <<'EOF'
import csv, re, statistics, sys
from pathlib import Path
d, base = Path(sys.argv[1]), sys.argv[2].split()
def mem(p):
    out = {}
    for l in p.read_text().splitlines():
        if l.startswith("#") or not l.strip(): continue
        n, *kv = l.split(); out[n] = dict(x.split("=", 1) for x in kv)
    return out
print("| config | env | flags (vs base) | nonstop req/s `/` | ratio `/` | nonstop req/s `/users/42` | ratio `/users/42` | p99 ms `/` (gin) | RSS idle MiB | RSS after load MiB | peak VmHWM MiB | load1 |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for run in sorted(d.glob("run-*")):
    name = run.name.split("-", 2)[2]
    env = (run / "env.txt").read_text()
    opts = re.search(r"^JVM_OPTS: (.*)$", env, re.M).group(1).split()
    jenv = re.search(r"^JVM_ENV: ?(.*)$", env, re.M).group(1)
    diff = " ".join([o for o in opts if o not in base] + ["-" + o for o in base if o not in opts]) or "(base)"
    try:
        rows = list(csv.DictReader(open(run / "results.tsv"), delimiter="\t"))
        a = mem(run / "memory_after_load.txt")["nonstop"]; i = mem(run / "memory_idle.txt")["nonstop"]
    except Exception as e:
        print(f"| {name} | {jenv} | {diff} | failed: {e} |"); continue
    def get(ep, t, k): return [float(r[k]) for r in rows if r["endpoint"] == ep and r["target"] == t]
    def ratio(ep):
        rs = [float(n["rps"]) / float(g["rps"]) for n in rows for g in rows
              if n["round"] == g["round"] and n["endpoint"] == g["endpoint"] == ep and n["target"] == "nonstop" and g["target"] == "gin"]
        return statistics.median(rs)
    m = lambda xs: statistics.median(xs)
    loads = "/".join(r["load1"] for r in rows)
    print(f"| {name} | {jenv} | `{diff}` | {m(get('/', 'nonstop', 'rps')):,.0f} | {ratio('/'):.2f} | {m(get('/users/42', 'nonstop', 'rps')):,.0f} | {ratio('/users/42'):.2f} "
          f"| {m(get('/', 'nonstop', 'p99_ms')):.1f} ({m(get('/', 'gin', 'p99_ms')):.1f}) | {int(i['VmRSS_kB'])/1024:.1f} | {int(a['VmRSS_kB'])/1024:.1f} | **{int(a['VmHWM_kB'])/1024:.1f}** | {loads} |")
print(f"\nbase = `{' '.join(base)}`; one round (`wrk -t1 -c64 -d8s`) per configuration, Gin measured right beside it.")
EOF
cat "$DIR/table.md"
echo "sweep outputs: $DIR" >&2
