#!/usr/bin/env bash
# Nonstop hello vs Gin hello on this machine, interleaved rounds, loopback only.
#
#   bench/run.sh                      # ~4 min: builds what is missing, 3 rounds, prints a summary
#   ROUNDS=5 JVM_OPTS="..." bench/run.sh
#
# What it does: builds the Gin hello (bench/gin/main.go -> bench/out/gin-hello) and the hello jar
# (only if examples/hello/target/hello.jar is missing), snapshots the jar into the run directory
# (other builds may replace target/ while we run), starts every target on a free loopback port,
# records idle RSS, warms up (JVM targets WARMUP_NONSTOP s per endpoint, Gin WARMUP_GIN s), then
# runs ROUNDS rounds of `wrk -t$THREADS -c$CONNS -d${DURATION}s --latency` for every endpoint and
# every target, the target order alternating between rounds, one load test at a time. Records
# req/s, p50, p99, errors, loadavg and RSS per run, RSS/HWM after load and the exact JVM flags.
# Raw outputs: bench/out/run-<timestamp>/ (gitignored); summary: summary.md there and on stdout.
#
# Targets (TARGETS, space separated, default "gin nonstop nonstop_log"):
#   gin          bench/gin/main.go (verbatim copy of shared/anchors/main.go: gin.New(), no logger)
#   nonstop      examples/hello with ACCESS_LOG=off (requestId + recovery middleware, no access log)
#   nonstop_log  examples/hello with its default chain (requestId, logger, recovery = Engine.create()),
#                JSON access log on stdout redirected to a file (truncated after every run)
#   netty_loop   raw Netty 4.2 hello answering on the event loop (shared/anchors/netty-raw, same JVM_OPTS)
#   netty_vt     the same, with a naive virtual-thread hand-off per request
#   nonstop@NAME like nonstop, but with the flags in JVM_OPTS_NAME and environment JVM_ENV_NAME
#                (e.g. TARGETS="gin nonstop@a nonstop@b" JVM_OPTS_a="..." JVM_OPTS_b="..."): flag sets
#                compared in the same interleaved rounds
#
# Knobs (environment): ROUNDS (3), DURATION (8), CONNS (64), THREADS (1), JVM_OPTS (see below),
# TARGETS, ENDPOINTS ("/ /users/42"), WARMUP_NONSTOP (10), WARMUP_GIN (3), JAVA_HOME (default: the
# JDK ./run finds), HELLO_JAR (measure this jar instead of examples/hello/target/hello.jar), JVM_ENV
# (extra environment for the JVM targets, default MALLOC_ARENA_MAX=2), OUT (bench/out), LABEL (suffix
# for the run directory). Profiles: bench/profile.sh.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
OUT=${OUT:-$BENCH/out}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8}
CONNS=${CONNS:-64}
THREADS=${THREADS:-1}
WARMUP_NONSTOP=${WARMUP_NONSTOP:-10}
WARMUP_GIN=${WARMUP_GIN:-3}
TARGETS=${TARGETS:-gin nonstop nonstop_log}
ENDPOINTS=${ENDPOINTS:-/ /users/42}
# The recommended flags (see bench/RESULTS.md, "Run c2only"): ./run hello's flags (C2 only with
# smaller inlining, -Xmx48m, -XX:TrimNativeHeapInterval=1000 on JDK 21.0.1+), MALLOC_ARENA_MAX=2.
DEFAULT_JVM_OPTS="-XX:+UseSerialGC -Xms16m -Xmx48m -Xss512k -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=32m -XX:MaxDirectMemorySize=32m -XX:-TieredCompilation -XX:InlineSmallCode=1000 -XX:FreqInlineSize=100 -XX:TrimNativeHeapInterval=1000"
DEFAULT_JVM_ENV="MALLOC_ARENA_MAX=2"
JVM_OPTS=${JVM_OPTS:-$DEFAULT_JVM_OPTS}
JVM_ENV=${JVM_ENV-$DEFAULT_JVM_ENV}   # extra environment for the JVM targets ("" for none)

RAW=$OUT/run-$(date +%Y%m%dT%H%M%S)${LABEL:+-$LABEL}
mkdir -p "$RAW/wrk" "$RAW/log"
RESULTS=$RAW/results.tsv

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# ---------------------------------------------------------------- processes (stopped by pid only)
PIDS=()
declare -A PID_OF PORT_OF
proc_start_time() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null || true; }
declare -A START_OF
alive() { local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1; [[ -n $st && $st != Z ]]; }
stop_pid() {
  local pid=$1 i
  alive "$pid" || return 0
  [[ "$(proc_start_time "$pid")" == "${START_OF[$pid]:-}" ]] || return 0   # recycled pid: not ours
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do alive "$pid" || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$? p
  for p in "${PIDS[@]}"; do stop_pid "$p"; done
  wait 2>/dev/null || true
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_bg NAME CMD... : output -> $RAW/log/NAME.out (appending, so it can be truncated), sets LAST_PID
start_bg() {
  local name=$1; shift
  "$@" >>"$RAW/log/$name.out" 2>"$RAW/log/$name.err" &
  LAST_PID=$!
  START_OF[$LAST_PID]=$(proc_start_time "$LAST_PID")
  PIDS+=("$LAST_PID")
}

free_port() {
  local p
  for p in $(shuf -i 20000-29999 -n 200); do
    [[ " ${PORT_OF[*]} " == *" $p "* ]] && continue
    [[ -z $(ss -Htln "sport = :$p") ]] && { echo "$p"; return; }
  done
  log "ERROR: no free port"; return 1
}

wait_http() {
  local url=$1 t=${2:-60} i
  for i in $(seq $((t * 10))); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" 2>/dev/null) == 200 ]] && return 0
    sleep 0.1
  done
  log "ERROR: $url not serving 200 after ${t}s"; return 1
}

rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# ---------------------------------------------------------------- build
if [[ -n ${JAVA_HOME:-} && -x ${JAVA_HOME}/bin/java ]]; then J=$JAVA_HOME; else J=$("$ROOT/run" java-home); fi
JAVA=$J/bin/java
GIN=$OUT/gin-hello
if [[ ! -x $GIN || $BENCH/gin/main.go -nt $GIN ]]; then
  log "building Gin hello -> $GIN"
  (cd "$BENCH/gin" && GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$GIN" main.go)
fi
JAR_SRC=${HELLO_JAR:-$ROOT/examples/hello/target/hello.jar}
if [[ ! -f $JAR_SRC ]]; then
  log "building examples/hello -> $JAR_SRC"
  (cd "$ROOT" && ./run mvn -q -pl examples/hello -am package -DskipTests)
fi
JAR=$RAW/hello.jar
cp "$JAR_SRC" "$JAR.tmp" && mv "$JAR.tmp" "$JAR"
NETTY_CP=""
if [[ " $TARGETS " == *" netty_"* ]]; then
  NR=$OUT/netty-raw
  if [[ ! -f $NR/classes/anchor/Hello.class ]]; then
    log "compiling shared/anchors/netty-raw (against the Netty inside hello.jar) -> $NR"
    mkdir -p "$NR/classes"
    "$J/bin/javac" -nowarn -d "$NR/classes" -cp "$JAR" "$ROOT/../shared/anchors/netty-raw/src/main/java/anchor/Hello.java"
  fi
  NETTY_CP="$NR/classes:$JAR"
fi

# ---------------------------------------------------------------- environment record
{
  echo "date: $(date -Is)"
  echo "kernel: $(uname -r)"
  echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "mem: $(free -m | awk '/Mem:/{print $2}') MiB"
  echo "java: $("$JAVA" -version 2>&1 | head -2 | tail -1)"
  echo "go: $(go version 2>/dev/null || echo '?')"
  echo "wrk: $(wrk --version 2>&1 | head -1)"
  echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (dirty tree)')"
  echo "jar: $(sha256sum "$JAR" | cut -c1-16) $(stat -c '%y' "$JAR_SRC")"
  echo "JVM_OPTS: $JVM_OPTS"
  echo "JVM_ENV: $JVM_ENV"
  echo "ROUNDS=$ROUNDS DURATION=$DURATION CONNS=$CONNS THREADS=$THREADS WARMUP_NONSTOP=$WARMUP_NONSTOP WARMUP_GIN=$WARMUP_GIN"
  echo "TARGETS: $TARGETS"
  echo "ENDPOINTS: $ENDPOINTS"
  echo "loadavg: $(cat /proc/loadavg)"
  echo "top cpu consumers at start:"; ps -eo pid,pcpu,rss,comm --sort=-pcpu | head -6
} >"$RAW/env.txt"

# ---------------------------------------------------------------- start targets
is_jvm() { [[ $1 != gin ]]; }
start_target() {
  local t=$1 p; p=$(free_port); PORT_OF[$t]=$p
  # nonstop@NAME: the hello jar (ACCESS_LOG=off) with JVM_OPTS_NAME / JVM_ENV_NAME instead of
  # JVM_OPTS / JVM_ENV, so several flag sets can be measured in the same interleaved rounds.
  if [[ $t == nonstop@* ]]; then
    local v=${t#nonstop@} ov ev
    ov="JVM_OPTS_$v"; ev="JVM_ENV_$v"
    # shellcheck disable=SC2086
    start_bg "$t" env ${!ev:-$JVM_ENV} PORT="$p" ACCESS_LOG=off "$JAVA" ${!ov:-$JVM_OPTS} -jar "$JAR"
    PID_OF[$t]=$LAST_PID
    { echo "JVM_OPTS_$v: ${!ov:-$JVM_OPTS}"; echo "JVM_ENV_$v: ${!ev:-$JVM_ENV}"; } >>"$RAW/env.txt"
    wait_http "http://127.0.0.1:$p/" 60 || { cat "$RAW/log/$t.err" >&2; return 1; }
    log "$t: pid ${PID_OF[$t]}, port $p"
    return 0
  fi
  # shellcheck disable=SC2086
  case $t in
    gin)         start_bg "$t" env PORT="$p" "$GIN" ;;
    nonstop)     start_bg "$t" env $JVM_ENV PORT="$p" ACCESS_LOG=off "$JAVA" $JVM_OPTS -jar "$JAR" ;;
    nonstop_log) start_bg "$t" env $JVM_ENV PORT="$p" "$JAVA" $JVM_OPTS -jar "$JAR" ;;
    netty_loop)  start_bg "$t" env $JVM_ENV "$JAVA" $JVM_OPTS -cp "$NETTY_CP" anchor.Hello "$p" ;;
    netty_vt)    start_bg "$t" env $JVM_ENV "$JAVA" $JVM_OPTS -cp "$NETTY_CP" anchor.Hello "$p" vt ;;
    *) log "unknown target $t"; return 1 ;;
  esac
  PID_OF[$t]=$LAST_PID
  wait_http "http://127.0.0.1:$p/" 60 || { cat "$RAW/log/$t.err" >&2; return 1; }
  log "$t: pid ${PID_OF[$t]}, port $p"
}
for t in $TARGETS; do start_target "$t"; done
sleep 2   # let start-up settle before the idle snapshot

{
  echo "# idle RSS (after start-up and one GET /, before load) $(date -Is)"
  for t in $TARGETS; do echo "$t pid=${PID_OF[$t]} VmRSS_kB=$(rss_kb "${PID_OF[$t]}") VmHWM_kB=$(hwm_kb "${PID_OF[$t]}")"; done
} >"$RAW/memory_idle.txt"
for t in $TARGETS; do
  if is_jvm "$t"; then
    { echo "# /proc/${PID_OF[$t]}/cmdline"; tr '\0' ' ' <"/proc/${PID_OF[$t]}/cmdline"; echo
      echo "# jcmd VM.flags"; "$J/bin/jcmd" "${PID_OF[$t]}" VM.flags 2>&1 | tail -n +2
    } >"$RAW/jvm_flags_$t.txt" 2>&1 || true
  fi
done

# ---------------------------------------------------------------- wrk
ms() { # wrk latency value -> ms
  awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us$/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v); print v+0}
                         else if (v ~ /s$/) {sub(/s$/,"",v); print v*1000} else print "NA" }'
}
# run_wrk LABEL TARGET PATH SECONDS -> raw file; prints "rps p50 p99 errors"
run_wrk() {
  local label=$1 t=$2 path=$3 d=$4 out=$RAW/wrk/$1.txt url
  url="http://127.0.0.1:${PORT_OF[$t]}$path"
  { echo "# cmd: wrk -t$THREADS -c$CONNS -d${d}s --latency $url"
    echo "# target: $t pid ${PID_OF[$t]}  start: $(date -Is)  loadavg: $(cat /proc/loadavg)"; } >"$out"
  wrk -t"$THREADS" -c"$CONNS" -d"${d}s" --latency "$url" >>"$out" 2>&1
  echo "# end: $(date -Is)  loadavg: $(cat /proc/loadavg)  VmRSS_kB: $(rss_kb "${PID_OF[$t]}")  VmHWM_kB: $(hwm_kb "${PID_OF[$t]}")" >>"$out"
  local rps p50 p99 err
  rps=$(awk '/^Requests\/sec/{print $2}' "$out")
  p50=$(ms "$(awk '$1=="50%"{print $2}' "$out")")
  p99=$(ms "$(awk '$1=="99%"{print $2}' "$out")")
  err=$(awk '/Socket errors/{gsub(",","");s=$4+$6+$8+$10} /Non-2xx/{n=$5} END{print s+n+0}' "$out")
  echo "${rps:-0} $p50 $p99 $err"
}

warm() {
  local t=$1 s=$2 ep
  for ep in $ENDPOINTS; do
    run_wrk "warmup_${t}_$(echo "$ep" | tr -c 'a-zA-Z0-9\n' '_')" "$t" "$ep" "$s" >/dev/null
  done
}
log "warm-up: JVM targets ${WARMUP_NONSTOP}s per endpoint, Gin ${WARMUP_GIN}s per endpoint"
for t in $TARGETS; do if is_jvm "$t"; then warm "$t" "$WARMUP_NONSTOP"; else warm "$t" "$WARMUP_GIN"; fi; done
[[ " $TARGETS " == *" nonstop_log "* ]] && : >"$RAW/log/nonstop_log.out"

printf 'round\tendpoint\ttarget\trps\tp50_ms\tp99_ms\terrors\tload1\trss_kb\taccess_log_lines\n' >"$RESULTS"
read -r -a TLIST <<<"$TARGETS"
for r in $(seq "$ROUNDS"); do
  ei=0
  for ep in $ENDPOINTS; do
    order=("${TLIST[@]}")
    if (( (r + ei) % 2 == 0 )); then   # alternate the order between rounds (and endpoints)
      order=(); for ((i=${#TLIST[@]}-1; i>=0; i--)); do order+=("${TLIST[$i]}"); done
    fi
    for t in "${order[@]}"; do
      epn=$(echo "$ep" | tr -c 'a-zA-Z0-9\n' '_')
      load1=$(cut -d' ' -f1 /proc/loadavg)
      read -r rps p50 p99 err < <(run_wrk "r${r}${epn}_$t" "$t" "$ep" "$DURATION")
      lines=""
      if [[ $t == nonstop_log ]]; then
        lines=$(wc -l <"$RAW/log/nonstop_log.out"); tail -n 2 "$RAW/log/nonstop_log.out" >"$RAW/log/nonstop_log.sample"
        : >"$RAW/log/nonstop_log.out"
      fi
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$ep" "$t" "$rps" "$p50" "$p99" "$err" "$load1" \
        "$(rss_kb "${PID_OF[$t]}")" "$lines" >>"$RESULTS"
      log "round $r $ep $t: $rps req/s p50 ${p50}ms p99 ${p99}ms errors $err (load $load1)"
      sleep 1
    done
    ei=$((ei + 1))
  done
done

{
  echo "# after load (right after the last round) $(date -Is)"
  for t in $TARGETS; do echo "$t pid=${PID_OF[$t]} VmRSS_kB=$(rss_kb "${PID_OF[$t]}") VmHWM_kB=$(hwm_kb "${PID_OF[$t]}")"; done
} >"$RAW/memory_after_load.txt"
echo "loadavg at end: $(cat /proc/loadavg)" >>"$RAW/env.txt"

python3 "$BENCH/summarize.py" "$RAW" | tee "$RAW/summary.md"
log "raw outputs: $RAW"
