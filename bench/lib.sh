# shellcheck shell=bash
# Helpers shared by bench/chaos.sh, bench/gateway.sh and bench/restart.sh, which source this file
# (`. "$BENCH/lib.sh"`) right after setting BENCH and ROOT; not a script of its own. It only defines
# functions and their state (PIDS, START_OF, NAME_OF, TAKEN): no options, no output.
#   logging    log (stderr), cmdlog / run_logged (RAW/commands.txt, via COMMANDS), quote
#   processes  pid + start time bookkeeping, process groups: spawn (setsid), forget, kill_group
#   ports      port_free / free_port (20000-29999, checked with ss), http_code, wait_http
#   machine    load1, status_kb (/proc/PID/status: VmRSS, VmHWM, Threads), env_machine / env_load /
#              env_git / env_jar (lines of env.txt)
#   setup      need_tools, find_java (J, JAVA), trim_flag (TRIM), run_hello_opts (HELLO_OPTS)
# The callers set RAW (the run directory) and, for cmdlog, COMMANDS. Nothing here kills by name.
# (shared/anchors/lib.sh is another file: the anchors' own helpers, not sourced here.)

# ---------------------------------------------------------------- logging
log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
# cmdlog TEXT : the exact command (or action) into RAW/commands.txt, with the time
cmdlog() { printf '%s  %s\n' "$(date +%H:%M:%S.%3N)" "$*" >>"$COMMANDS"; }
quote() { printf '%q ' "$@"; }
# run_logged CMD... : run a foreground command, recording it first
run_logged() { cmdlog "$(quote "$@")"; "$@"; }

# ---------------------------------------------------------------- processes
PIDS=()                        # what we started and have not stopped yet, oldest first
declare -A START_OF NAME_OF    # pid -> start time (field 22 of /proc/PID/stat), pid -> name
proc_start_time() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null || true; }
proc_state() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true; }
alive() { local st; st=$(proc_state "$1"); [[ -n $st && $st != Z ]]; }
# ours PID : PID is still the process we started (not a recycled pid)
ours() { [[ -n ${START_OF[$1]:-} && "$(proc_start_time "$1")" == "${START_OF[$1]}" ]]; }
group_members() { pgrep -g "$1" 2>/dev/null || true; }
group_alive() { local p; for p in $(group_members "$1"); do alive "$p" && return 0; done; return 1; }

# spawn NAME STDOUT STDERR CMD... : CMD in a new session (so pid = pgid, and its children share the
# group), stdout/stderr appended to the files; sets LAST_PID. A background child of a
# non-interactive bash is not a group leader, so setsid does not fork and $! is CMD's own pid.
spawn() {
  local name=$1 out=$2 err=$3; shift 3
  cmdlog "start $name: $(quote "$@")"
  setsid "$@" >>"$out" 2>>"$err" </dev/null &
  LAST_PID=$!
  START_OF[$LAST_PID]=$(proc_start_time "$LAST_PID")
  NAME_OF[$LAST_PID]=$name
  PIDS+=("$LAST_PID")
  echo "$LAST_PID ${START_OF[$LAST_PID]} $name" >>"$RAW/run/pgids.txt"   # for a manual clean-up after kill -9 of this script
}
# forget PID : no longer ours to stop
forget() {
  local p keep=()
  for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}
# kill_group PGID WAIT_S : SIGTERM to the process group PGID, SIGKILL when a member is still alive
# WAIT_S s later (logged); every signal goes into commands.txt. The callers check that PGID is ours.
kill_group() {
  local pg=$1 wait_s=$2 sig i
  for sig in TERM KILL; do
    cmdlog "kill -$sig -- -$pg   # ${NAME_OF[$pg]:-}"
    kill "-$sig" -- "-$pg" 2>/dev/null || true
    for i in $(seq $((wait_s * 10))); do group_alive "$pg" || break; sleep 0.1; done
    group_alive "$pg" || break
    log "process group $pg (${NAME_OF[$pg]:-}) still alive ${wait_s} s after SIG$sig"
  done
}

# ---------------------------------------------------------------- ports, http
TAKEN=" "   # ports handed out in this run
# port_free PORT : not handed out yet and nothing on it (ss)
port_free() { [[ $TAKEN != *" $1 "* && -z $(ss -Htan "sport = :$1") ]]; }
# free_port : sets FREE_PORT, a random free port in 20000-29999 (below the ephemeral range); a
# variable, not stdout: a $(...) subshell would lose TAKEN. Exits (1) when none is found.
# shellcheck disable=SC2034  # FREE_PORT is the callers'
free_port() {
  local p
  for p in $(shuf -i 20000-29999 -n 300); do
    port_free "$p" || continue
    TAKEN+="$p "; FREE_PORT=$p; return 0
  done
  log "ERROR: no free port"; exit 1
}
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" 2>/dev/null || true; }
# wait_http URL [SECONDS] : until URL answers 200 (polled every 50 ms), at most SECONDS (30)
# shellcheck disable=SC2034  # i only counts
wait_http() {
  local url=$1 t=${2:-30} i
  for i in $(seq $((t * 20))); do
    [[ $(http_code "$url") == 200 ]] && return 0
    sleep 0.05
  done
  log "ERROR: $url not serving 200 after ${t}s"; return 1
}

# ---------------------------------------------------------------- machine
load1() { cut -d' ' -f1 /proc/loadavg; }
# status_kb PID KEY : a field of /proc/PID/status (VmRSS, VmHWM in kB; Threads); fails when PID is gone
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
# lines of env.txt: the machine; loadavg and top CPU consumers; the git revision; a jar snapshot
env_machine() {
  echo "date: $(date -Is)"
  echo "kernel: $(uname -r)"
  echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
}
env_load() {
  echo "loadavg: $(cat /proc/loadavg)"
  echo "top cpu consumers at start:"; ps -eo pid,pcpu,rss,comm --sort=-pcpu | head -6
}
env_git() { echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (dirty tree)')"; }
# env_jar NAME SRC : the snapshot RAW/bin/NAME's hash and when SRC (what it was copied from) was built
env_jar() { echo "$1: $(sha256sum "$RAW/bin/$1" | cut -c1-16) built $(stat -c '%y' "$2")"; }

# ---------------------------------------------------------------- setup
# need_tools HINT TOOL... : exits (1) at the first TOOL not on PATH, with HINT (how to install)
need_tools() {
  local hint=$1 t; shift
  for t in "$@"; do
    command -v "$t" >/dev/null || { log "ERROR: $t missing ($hint)"; exit 1; }
  done
}
# find_java : sets J (JAVA_HOME when it has bin/java, else what ./run finds) and JAVA
find_java() {
  if [[ -n ${JAVA_HOME:-} && -x ${JAVA_HOME}/bin/java ]]; then J=$JAVA_HOME; else J=$("$ROOT/run" java-home); fi
  JAVA=$J/bin/java
}
# trim_flag : sets TRIM to -XX:TrimNativeHeapInterval=1000 (give freed malloc memory back) where
# $JAVA has it (JDK 21.0.1 on), else to "": as ./run and ./nonstop do
trim_flag() {
  TRIM=""
  if "$JAVA" -XX:TrimNativeHeapInterval=1000 -version >/dev/null 2>&1; then TRIM="-XX:TrimNativeHeapInterval=1000"; fi
}
# run_hello_opts : sets HELLO_OPTS to the hello jar's flags as `./run hello` runs it: HELLO_JVM_OPTS's
# default parsed from ./run, plus TRIM (trim_flag first). Exits (1) when ./run has none.
run_hello_opts() {
  # shellcheck disable=SC2016  # the $ is sed's, matched literally
  HELLO_OPTS=$(sed -n 's/^HELLO_JVM_OPTS=\${HELLO_JVM_OPTS:-\([^}]*\)}.*/\1/p' "$ROOT/run" | head -1)
  [[ -n $HELLO_OPTS ]] || { log "ERROR: cannot read HELLO_JVM_OPTS from ./run"; exit 1; }
  HELLO_OPTS+=${TRIM:+ $TRIM}
}
