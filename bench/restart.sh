#!/usr/bin/env bash
# Supervisor restart latency and footprint (issue 3): `nonstop up` beside supervisord, loopback only.
#
#   bench/restart.sh                 # ~6 min; raw data + summary.md in bench/out/restart-<time>/
#   REPS=9 bench/restart.sh          # more repetitions
#   PHASES="gin footprint" bench/restart.sh
#
# Phases (PHASES, default "gin jar footprint breakdown"):
#   gin        supervisord (Debian's supervisor, autorestart=true, startsecs=1) and `nonstop up` each
#              run the same Gin hello (bench/gin/main.go). REPS interleaved rounds; in each round:
#              Gin cold start alone (spawn -> first 200), the same through `setsid setpriv --pdeathsig
#              KILL --` (the wrapper nonstop execs every instance through), kill -9 of supervisord's
#              instance -> first 200, kill -9 of nonstop's instance -> first 200. Every kill happens
#              after the instance has been up >= SETTLE s (RUNNING for supervisord, READY for nonstop).
#   jar        `nonstop up` runs examples/hello's jar (readiness /readyz, period 1s): REPS rounds of
#              jar cold start alone (spawn -> first 200 on /) and kill -9 -> first 200 on / (probe)
#              and -> READY (nonstop's JSON log).
#   footprint  supervisord with 3 Gin programs, then nonstop with 3 Gin instances (readiness probes
#              on), then nonstop with 3 instances and no health checks: after IDLE_SETTLE s, VmRSS /
#              VmHWM / threads of the supervisor process and utime+stime over IDLE_SECS s.
#   breakdown  bench/restart/SpawnCost.java with nonstop's JVM flags: the JDK calls nonstop makes
#              between an exit and the respawn (spawn via setsid/setpriv, reaper -> virtual thread,
#              `kill -- -PGID` child process), timed one by one.
#
# The probe (bench/restart/probe, adapted from shared/anchors/tools/probe) polls every INTERVAL (1ms)
# with a fresh TCP connection per probe (100 ms timeout), after first seeing the port down, and prints
# wall-clock timestamps that summarize.py lines up with nonstop's JSON log (`@timestamp`).
# Nonstop runs as ./nonstop runs it: nonstop.jar (a snapshot copy) with the JVM flags parsed from
# ./nonstop and MALLOC_ARENA_MAX=2. The hello jar runs with ./run hello's flags (HELLO_JVM_OPTS parsed
# from ./run, + -XX:TrimNativeHeapInterval=1000 where the JDK has it), MALLOC_ARENA_MAX=2, ACCESS_LOG=off.
#
# Other engineers' benchmarks share the 2 vCPUs: before every measurement the script waits (up to
# QUIET_WAIT s) until the whole machine was at most QUIET_MAX % busy over the last second, and records
# that busy % and the loadavg next to the number.
#
# Knobs: REPS (5), INTERVAL (1ms), SETTLE (2 s up before a kill), IDLE_SETTLE (10), IDLE_SECS (30),
# QUIET_MAX (30), QUIET_WAIT (120), PHASES, OUT (bench/out), LABEL, JAVA_HOME, NMT (1: footprint phase
# with -XX:NativeMemoryTracking=summary on nonstop and a jcmd VM.native_memory summary per run).
# Every process is started here, remembered by pid + start time and stopped by that pid (supervisors
# with SIGTERM, which stops their instances; instances still alive after that get SIGKILL by pid).
# Free ports are picked at random in 30000-39999 and checked with ss; admin API on 127.0.0.1:0.
# The helpers shared with bench/chaos.sh and bench/gateway.sh (logging, pid bookkeeping, ports,
# waiting for HTTP 200, /proc/PID/status, the JDK and the hello jar's flags) are in bench/lib.sh.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$BENCH/lib.sh"
OUT=${OUT:-$BENCH/out}
REPS=${REPS:-5}
INTERVAL=${INTERVAL:-1ms}
SETTLE=${SETTLE:-2}
IDLE_SETTLE=${IDLE_SETTLE:-10}
IDLE_SECS=${IDLE_SECS:-30}
QUIET_MAX=${QUIET_MAX:-30}
QUIET_WAIT=${QUIET_WAIT:-120}
PHASES=${PHASES:-gin jar footprint breakdown}

RAW=$OUT/restart-$(date +%Y%m%dT%H%M%S)${LABEL:+-$LABEL}
mkdir -p "$RAW/bin" "$RAW/log"
RESULTS=$RAW/results.txt
: >"$RESULTS"

# ---------------------------------------------------------------- processes (stopped by pid only)
# PIDS, START_OF, proc_start_time, alive, ours: bench/lib.sh
# start_bg NAME CMD... : background process, stdout/stderr -> $RAW/log/NAME.{out,err}; sets LAST_PID
start_bg() {
  local name=$1; shift
  "$@" >"$RAW/log/$name.out" 2>"$RAW/log/$name.err" &
  LAST_PID=$!
  START_OF[$LAST_PID]=$(proc_start_time "$LAST_PID")
  PIDS+=("$LAST_PID")
}
# stop_tree PID : SIGTERM the supervisor PID (it stops its own children), SIGKILL after 15 s; then
# SIGKILL any of its former direct children still alive (checked by pid + start time).
stop_tree() {
  local pid=$1 i k kids=()
  ours "$pid" && alive "$pid" || return 0
  for k in $(ps -o pid= --ppid "$pid" 2>/dev/null); do kids+=("$k:$(proc_start_time "$k")"); done
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 150); do alive "$pid" || break; sleep 0.1; done
  alive "$pid" && { log "pid $pid ignored SIGTERM for 15 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
  wait "$pid" 2>/dev/null || true
  for k in "${kids[@]}"; do
    for i in $(seq 30); do alive "${k%%:*}" || break; sleep 0.1; done
    if alive "${k%%:*}" && [[ "$(proc_start_time "${k%%:*}")" == "${k#*:}" ]]; then
      log "child ${k%%:*} of $pid still alive: SIGKILL"; kill -KILL "${k%%:*}" 2>/dev/null || true
    fi
  done
}
cleanup() {
  local rc=$? i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_tree "${PIDS[i]}"; done
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- ports, machine load
# (port_free, http_code, wait_http, load1: bench/lib.sh)
free_ports() {  # free_ports N : N consecutive free loopback ports in 30000-39999, echo the first
  local n=${1:-1} p q ok
  for p in $(shuf -i 30000-39990 -n 300); do
    ok=1
    for ((q = p; q < p + n; q++)); do
      port_free "$q" || { ok=0; break; }
    done
    ((ok)) || continue
    for ((q = p; q < p + n; q++)); do TAKEN+="$q "; done
    echo "$p"; return
  done
  log "ERROR: no free ports"; return 1
}
cpu_ticks() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat; }
busy_pct() {  # whole machine, last second
  local t1 i1 t2 i2
  read -r t1 i1 < <(cpu_ticks); sleep 1; read -r t2 i2 < <(cpu_ticks)
  echo $(( (100 * ((t2 - t1) - (i2 - i1))) / ((t2 - t1) > 0 ? (t2 - t1) : 1) ))
}
BUSY=0
quiet() {  # waits until the machine is quiet enough; sets BUSY
  local t0=$SECONDS warned=0
  while true; do
    BUSY=$(busy_pct)
    ((BUSY <= QUIET_MAX)) && return 0
    if ((SECONDS - t0 >= QUIET_WAIT)); then
      log "WARNING: machine still ${BUSY}% busy after ${QUIET_WAIT}s; measuring anyway (marked busy=$BUSY)"
      return 0
    fi
    ((warned)) || { log "machine ${BUSY}% busy (others' jobs?), waiting for <= ${QUIET_MAX}%..."; warned=1; }
  done
}
# whole-machine busy % while a measurement ran (only meaningful for windows >> 10 ms: /proc/stat
# counts in 10 ms ticks; the 1 ms probe loop itself is part of it)
DUR_T=0; DUR_I=0
during_start() { read -r DUR_T DUR_I < <(cpu_ticks); }
during_end() {
  local t i
  read -r t i < <(cpu_ticks)
  if ((t > DUR_T)); then echo $(( (100 * ((t - DUR_T) - (i - DUR_I))) / (t - DUR_T) )); else echo 0; fi
}
record() { echo "$*" >>"$RESULTS"; log "$*"; }
# kill_probe PID PORT : once the machine is quiet, the probe kills PID (-9) and times until
# http://127.0.0.1:PORT/ serves again; sets PROBE_OUT (its line) and BUSY_DURING (machine busy %)
kill_probe() {
  quiet
  during_start
  PROBE_OUT=$("$PROBE" -mode kill -pid "$1" -interval "$INTERVAL" -url "http://127.0.0.1:$2/")
  BUSY_DURING=$(during_end)
}

# ---------------------------------------------------------------- build / snapshot
find_java
need_tools "apt-get install supervisor golang-go golang-github-gin-gonic-gin-dev curl jq" supervisord supervisorctl go curl jq ss setsid setpriv python3
log "building Gin hello and probe -> $RAW/bin"
(cd "$BENCH/gin" && GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$RAW/bin/gin-hello" main.go)
(cd "$BENCH/restart/probe" && GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$RAW/bin/probe" main.go)
GIN=$RAW/bin/gin-hello
PROBE=$RAW/bin/probe
NONSTOP_SRC=$ROOT/nonstop-cli/target/nonstop.jar
if [[ ! -f $NONSTOP_SRC ]]; then
  log "building $NONSTOP_SRC"
  (cd "$ROOT" && ./run mvn -q -pl nonstop-cli -am package -DskipTests)
fi
HELLO_SRC=$ROOT/examples/hello/target/hello.jar
if [[ ! -f $HELLO_SRC ]]; then
  log "building $HELLO_SRC"
  (cd "$ROOT" && ./run mvn -q -pl examples/hello -am package -DskipTests)
fi
# Snapshots: other builds may rewrite target/ while we run.
cp "$NONSTOP_SRC" "$RAW/bin/nonstop.jar.tmp" && mv "$RAW/bin/nonstop.jar.tmp" "$RAW/bin/nonstop.jar"
cp "$HELLO_SRC" "$RAW/bin/hello.jar.tmp" && mv "$RAW/bin/hello.jar.tmp" "$RAW/bin/hello.jar"
# nonstop's own JVM flags, as ./nonstop sets them (NONSTOP_JAVA_OPTS default in that script): the
# last default there is the supervisor's; the one before it is `nonstop gateway`'s (issue 4).
NONSTOP_OPTS=$(sed -n 's/.*NONSTOP_JAVA_OPTS:-\([^}]*\)}.*/\1/p' "$ROOT/nonstop" | tail -1)
# ./nonstop adds -XX:TrimNativeHeapInterval=1000 (as $TRIM) where the JDK knows it; so do we.
trim_flag
NONSTOP_OPTS=${NONSTOP_OPTS//\$TRIM/$TRIM}
[[ -n $NONSTOP_OPTS ]] || { log "ERROR: cannot read the JVM flags from ./nonstop"; exit 1; }
# The hello jar's flags, as ./run hello sets them (+ TRIM).
run_hello_opts
NONSTOP=(env MALLOC_ARENA_MAX=2 "$JAVA")
read -ra _o <<<"$NONSTOP_OPTS"; NONSTOP+=("${_o[@]}" -jar "$RAW/bin/nonstop.jar")
# NMT=1: footprint phase only, nonstop with -XX:NativeMemoryTracking=summary (+ jcmd summary in RAW)
NONSTOP_FP=("${NONSTOP[@]}")
[[ -z ${NMT:-} ]] || NONSTOP_FP=(env MALLOC_ARENA_MAX=2 "$JAVA" -XX:NativeMemoryTracking=summary "${_o[@]}" -jar "$RAW/bin/nonstop.jar")

{
  env_machine
  echo "java: $("$JAVA" -version 2>&1 | head -2 | tail -1)"
  echo "go: $(go version)"
  echo "supervisord: $(supervisord --version)"
  env_git
  env_jar nonstop.jar "$NONSTOP_SRC"
  env_jar hello.jar "$HELLO_SRC"
  echo "nonstop command: ${NONSTOP[*]} up -c <config>"
  echo "hello command: $JAVA $HELLO_OPTS -jar hello.jar (MALLOC_ARENA_MAX=2 ACCESS_LOG=off)"
  echo "REPS=$REPS INTERVAL=$INTERVAL SETTLE=$SETTLE IDLE_SETTLE=$IDLE_SETTLE IDLE_SECS=$IDLE_SECS QUIET_MAX=$QUIET_MAX QUIET_WAIT=$QUIET_WAIT PHASES=$PHASES"
  env_load
} >"$RAW/env.txt"
cat "$RAW/env.txt" >&2

# ---------------------------------------------------------------- supervisord
# write_supervisord DIR PORT N : config with N programs gin0..gin{N-1} on PORT..PORT+N-1
write_supervisord() {
  local dir=$1 port=$2 n=$3 i
  mkdir -p "$dir/log"
  cat >"$dir/supervisord.conf" <<EOF
; generated by bench/restart.sh (as shared/anchors/avail_supervisor.sh)
[unix_http_server]
file=$dir/supervisor.sock
[supervisord]
nodaemon=true
logfile=$dir/log/supervisord.log
pidfile=$dir/supervisord.pid
childlogdir=$dir/log
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://$dir/supervisor.sock
EOF
  for ((i = 0; i < n; i++)); do
    cat >>"$dir/supervisord.conf" <<EOF
[program:gin$i]
command=$GIN
environment=PORT="$((port + i))"
autorestart=true
startsecs=1
startretries=100
stopsignal=TERM
stopasgroup=true
killasgroup=true
EOF
  done
}
sctl() { supervisorctl -c "$1/supervisord.conf" "${@:2}"; }
sup_wait_running() {  # DIR PROGRAM : until RUNNING (startsecs passed), echo pid
  local i
  for i in $(seq 200); do
    if sctl "$1" status "$2" 2>/dev/null | grep -q RUNNING; then sctl "$1" pid "$2"; return 0; fi
    sleep 0.1
  done
  log "ERROR: supervisord $2 not RUNNING"; return 1
}

# ---------------------------------------------------------------- nonstop
# write_nonstop DIR PORT N HEALTH(ready|none|jar)
write_nonstop() {
  local dir=$1 port=$2 n=$3 health=$4
  mkdir -p "$dir"
  {
    echo "# generated by bench/restart.sh"
    echo "apps:"
    if [[ $health == jar ]]; then
      echo "  hello:"
      printf '    command: ["%s"' "$JAVA"
      local o; for o in $HELLO_OPTS; do printf ', "%s"' "$o"; done
      printf ', "-jar", "%s"]\n' "$RAW/bin/hello.jar"
      echo "    env: {ACCESS_LOG: \"off\", MALLOC_ARENA_MAX: \"2\"}"
    else
      echo "  gin:"
      echo "    command: [\"$GIN\"]"
    fi
    echo "    instances: $n"
    echo "    port: $port"
    echo "    startsecs: 1"
    case $health in
      ready) echo "    health:"; echo "      readiness: {http: /, period: 1s}" ;;
      jar)   echo "    health:"; echo "      readiness: {http: /readyz, period: 1s}" ;;
    esac
    echo "admin:"
    echo "  listen: 127.0.0.1:0"
  } >"$dir/nonstop.yaml"
}
# ns_status DIR APP INDEX : "pid state uptime_seconds" from GET /v1/status
ns_status() {
  local dir=$1 url tok
  url=$(jq -r .url "$dir/.nonstop.yaml.admin" 2>/dev/null) || return 1
  tok=$(cat "$dir/.nonstop.yaml.token" 2>/dev/null) || return 1
  curl -s --max-time 2 -H "Authorization: Bearer $tok" "$url/v1/status" |
    jq -r --arg a "$2" --argjson i "$3" '.instances[] | select(.app == $a and .index == $i) | "\(.pid) \(.state) \(.uptime_seconds)"'
}
# ns_wait_ready DIR APP INDEX MIN_UPTIME : until READY and up >= MIN_UPTIME s, echo pid
ns_wait_ready() {
  local i pid state up
  for i in $(seq 600); do
    read -r pid state up < <(ns_status "$1" "$2" "$3" || true) || true
    if [[ ${state:-} == READY ]] && awk -v u="${up:-0}" -v m="$4" 'BEGIN{exit !(u >= m)}'; then
      echo "$pid"; return 0
    fi
    sleep 0.1
  done
  log "ERROR: nonstop $2:$3 not READY (last: ${pid:-} ${state:-} ${up:-})"; return 1
}
start_nonstop() {  # NAME DIR [footprint] : sets LAST_PID, waits for the admin file
  local i
  if [[ ${3:-} == footprint ]]; then
    start_bg "$1" "${NONSTOP_FP[@]}" up -c "$2/nonstop.yaml"
  else
    start_bg "$1" "${NONSTOP[@]}" up -c "$2/nonstop.yaml"
  fi
  for i in $(seq 300); do
    [[ -s $2/.nonstop.yaml.admin ]] && return 0
    alive "$LAST_PID" || { log "ERROR: nonstop $1 exited"; cat "$RAW/log/$1.err" >&2; return 1; }
    sleep 0.1
  done
  log "ERROR: nonstop $1: no admin file"; return 1
}

# ---------------------------------------------------------------- footprint helpers
stat_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }   # utime+stime
# (status_kb PID KEY: bench/lib.sh)
children_rss_kb() { local t=0 k; for k in $(ps -o pid= --ppid "$1"); do t=$((t + $(status_kb "$k" VmRSS || echo 0))); done; echo $t; }
# per-thread on-CPU ns (schedstat field 1) of PID: "tid ns name" lines; their sum is exact to the ns
# but misses threads that ended in between (utime+stime from /proc/PID/stat counts those, in 10 ms ticks)
thread_ns() {
  local t
  for t in /proc/"$1"/task/*; do
    echo "${t##*/} $(cut -d' ' -f1 "$t/schedstat" 2>/dev/null || echo 0) $(tr ' ' '_' <"$t/comm" 2>/dev/null)"
  done
}
# footprint LABEL PID : idle RSS and CPU of the supervisor process itself
footprint() {
  local label=$1 pid=$2 c1 c2 tk t1 t2 i1 i2 w1 w2 hz sched
  hz=$(getconf CLK_TCK)
  log "$label: ${IDLE_SETTLE}s settle, then ${IDLE_SECS}s idle CPU window (pid $pid)"
  sleep "$IDLE_SETTLE"
  quiet
  thread_ns "$pid" >"$RAW/log/threads_$label.before"
  read -r t1 i1 < <(cpu_ticks); c1=$(stat_ticks "$pid"); w1=$(date +%s%N)
  sleep "$IDLE_SECS"
  read -r t2 i2 < <(cpu_ticks); c2=$(stat_ticks "$pid"); w2=$(date +%s%N)
  thread_ns "$pid" >"$RAW/log/threads_$label.after"
  # per-thread CPU in the window, biggest first (threads present at both ends)
  awk 'NR == FNR {b[$1] = $2; next} ($1 in b) {printf "%.1f ms %s (tid %s)\n", ($2 - b[$1]) / 1e6, $3, $1}' \
    "$RAW/log/threads_$label.before" "$RAW/log/threads_$label.after" | sort -rn >"$RAW/threads_cpu_$label.txt"
  sched=$(awk '{s += $1} END {printf "%.1f", s}' "$RAW/threads_cpu_$label.txt")
  tk=$((c2 - c1))
  record "scenario=footprint sup=$label pid=$pid rss_kb=$(status_kb "$pid" VmRSS) hwm_kb=$(status_kb "$pid" VmHWM)" \
    "threads=$(status_kb "$pid" Threads) children_rss_kb=$(children_rss_kb "$pid") cpu_ms=$((tk * 1000 / hz)) sched_ms=$sched" \
    "window_ms=$(((w2 - w1) / 1000000)) busy=$BUSY machine_busy_pct=$(((100 * ((t2 - t1) - (i2 - i1))) / (t2 - t1))) load1=$(load1)"
}

# ================================================================ phase: gin
phase_gin() {
  local sd=$RAW/supervisord_gin nd=$RAW/nonstop_gin psup pns pcold pwrap sup ns i old new res bd
  psup=$(free_ports 1); pns=$(free_ports 1); pcold=$(free_ports 1); pwrap=$(free_ports 1)
  write_supervisord "$sd" "$psup" 1
  write_nonstop "$nd" "$pns" 1 ready
  log "gin: supervisord on :$psup, nonstop on :$pns, cold starts on :$pcold / :$pwrap"
  start_bg supervisord_gin supervisord -c "$sd/supervisord.conf"; sup=$LAST_PID
  start_nonstop nonstop_gin "$nd"; ns=$LAST_PID
  wait_http "http://127.0.0.1:$psup/"; wait_http "http://127.0.0.1:$pns/"
  echo "# nonstop status --json -c $nd/nonstop.yaml (the CLI sees the instance)" >"$RAW/nonstop_gin_status.json"
  "${NONSTOP[@]}" status --json -c "$nd/nonstop.yaml" >>"$RAW/nonstop_gin_status.json" 2>&1 || true
  for i in $(seq "$REPS"); do
    quiet
    during_start
    res=$(PORT=$pcold "$PROBE" -mode spawn -interval "$INTERVAL" -url "http://127.0.0.1:$pcold/" -- "$GIN")
    bd=$(during_end)
    record "scenario=gin_cold rep=$i busy=$BUSY busy_during=$bd load1=$(load1) $res"
    quiet
    during_start
    res=$(PORT=$pwrap "$PROBE" -mode spawn -interval "$INTERVAL" -url "http://127.0.0.1:$pwrap/" -- \
      setsid setpriv --pdeathsig KILL -- "$GIN")
    bd=$(during_end)
    record "scenario=gin_cold_wrapped rep=$i busy=$BUSY busy_during=$bd load1=$(load1) $res"

    old=$(sup_wait_running "$sd" gin0); sleep "$SETTLE"
    kill_probe "$old" "$psup"
    new=$(sctl "$sd" pid gin0)
    record "scenario=supervisord_gin rep=$i busy=$BUSY busy_during=$BUSY_DURING load1=$(load1) old_pid=$old new_pid=$new $PROBE_OUT"

    old=$(ns_wait_ready "$nd" gin 0 "$SETTLE")
    kill_probe "$old" "$pns"
    new=$(ns_wait_ready "$nd" gin 0 0)
    record "scenario=nonstop_gin rep=$i busy=$BUSY busy_during=$BUSY_DURING load1=$(load1) old_pid=$old new_pid=$new log=log/nonstop_gin.out $PROBE_OUT"
  done
  sleep "$SETTLE"
  record "scenario=after_restarts reps=$REPS sup=nonstop_gin pid=$ns rss_kb=$(status_kb "$ns" VmRSS) hwm_kb=$(status_kb "$ns" VmHWM) threads=$(status_kb "$ns" Threads)"
  record "scenario=after_restarts reps=$REPS sup=supervisord_gin pid=$sup rss_kb=$(status_kb "$sup" VmRSS) hwm_kb=$(status_kb "$sup" VmHWM) threads=$(status_kb "$sup" Threads)"
  stop_tree "$ns"; stop_tree "$sup"
}

# ================================================================ phase: jar
phase_jar() {
  local nd=$RAW/nonstop_jar pns pcold ns i old new res bd
  pns=$(free_ports 1); pcold=$(free_ports 1)
  write_nonstop "$nd" "$pns" 1 jar
  log "jar: nonstop on :$pns, cold starts on :$pcold"
  start_nonstop nonstop_jar "$nd"; ns=$LAST_PID
  wait_http "http://127.0.0.1:$pns/" 60
  for i in $(seq "$REPS"); do
    quiet
    # shellcheck disable=SC2086
    during_start
    res=$(PORT=$pcold ACCESS_LOG=off MALLOC_ARENA_MAX=2 "$PROBE" -mode spawn -interval "$INTERVAL" \
      -url "http://127.0.0.1:$pcold/" -- "$JAVA" $HELLO_OPTS -jar "$RAW/bin/hello.jar" 2>>"$RAW/log/jar_cold.err")
    bd=$(during_end)
    record "scenario=jar_cold rep=$i busy=$BUSY busy_during=$bd load1=$(load1) $res"
    old=$(ns_wait_ready "$nd" hello 0 "$((SETTLE + 1))")
    kill_probe "$old" "$pns"
    new=$(ns_wait_ready "$nd" hello 0 0)
    record "scenario=nonstop_jar rep=$i busy=$BUSY busy_during=$BUSY_DURING load1=$(load1) old_pid=$old new_pid=$new log=log/nonstop_jar.out $PROBE_OUT"
  done
  stop_tree "$ns"
}

# ================================================================ phase: footprint
phase_footprint() {
  local d p pid i
  d=$RAW/supervisord_3; p=$(free_ports 3)
  write_supervisord "$d" "$p" 3
  start_bg supervisord_3 supervisord -c "$d/supervisord.conf"; pid=$LAST_PID
  for i in 0 1 2; do wait_http "http://127.0.0.1:$((p + i))/"; sup_wait_running "$d" "gin$i" >/dev/null; done
  footprint supervisord_3gin "$pid"
  stop_tree "$pid"

  for h in ready none; do
    d=$RAW/nonstop_3_$h; p=$(free_ports 3)
    write_nonstop "$d" "$p" 3 "$h"
    start_nonstop "nonstop_3_$h" "$d" footprint; pid=$LAST_PID
    for i in 0 1 2; do wait_http "http://127.0.0.1:$((p + i))/"; ns_wait_ready "$d" gin "$i" 0 >/dev/null; done
    footprint "nonstop_3gin_$h${NMT:+_nmt}" "$pid"
    [[ -z ${NMT:-} ]] || "$J/bin/jcmd" "$pid" VM.native_memory summary >"$RAW/nmt_nonstop_3gin_$h.txt" 2>&1 || true
    stop_tree "$pid"
  done
}

# ================================================================ phase: breakdown
phase_breakdown() {
  mkdir -p "$RAW/bin/classes"
  "$J/bin/javac" -d "$RAW/bin/classes" "$BENCH/restart/SpawnCost.java"
  quiet
  local b=$BUSY l line
  l=$(load1)
  # The child is `sleep 60`: start() returns once the first program (setsid) has exec'd, so what
  # runs after the wrapper does not change these numbers.
  # shellcheck disable=SC2086
  env MALLOC_ARENA_MAX=2 "$JAVA" $NONSTOP_OPTS -cp "$RAW/bin/classes" SpawnCost 12 sleep 60 >"$RAW/log/breakdown.out"
  while read -r line; do record "scenario=breakdown busy=$b load1=$l $line"; done <"$RAW/log/breakdown.out"
}

for ph in $PHASES; do
  log "=== phase $ph"
  "phase_$ph"
done
python3 "$BENCH/restart/summarize.py" "$RAW" | tee "$RAW/summary.md"
log "raw data and summary: $RAW"
