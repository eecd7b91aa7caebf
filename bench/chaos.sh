#!/usr/bin/env bash
# The chaos benchmark (issue 5): one wrk story with faults at fixed offsets, told twice on this
# machine, loopback only: `nonstop up` (supervisor + gateway in one process), then nginx in front of
# the same hello instances run by supervisord. Both side by side in the summary.
#
#   bench/chaos.sh                            # ~4 min: both scenarios, 60 s of load each
#   DURATION=20 bench/chaos.sh                # smoke run: every offset scaled by 20/60
#   PHASES=nonstop KILL_AT="10 12" STOP_AT= UPGRADE_AT= LABEL=kills bench/chaos.sh
#   python3 bench/chaos/summarize.py bench/out/chaos-<time>[-LABEL]    # print a run's tables again
#
# Scenarios (PHASES, default "nonstop nginx", run one after the other, never interleaved):
#   nonstop  `java -jar nonstop.jar up -c RAW/nonstop/nonstop.yaml` with ./nonstop's JVM flags: the
#            demo's config (nonstop-cli/.../DemoCommand.java): 3 hello instances on port 0, liveness
#            /healthz 1s x3, readiness /readyz 500ms x1, stop drain 10s; the gateway on a free port with
#            {path: /, app: hello}, least_conn, slow_start 5s, retries {attempts: 2, per_try_timeout:
#            1s}; the control API on a free port.
#   nginx    supervisord (autorestart=true, startsecs=1, as shared/anchors/avail_supervisor.sh) runs the
#            same 3 hello instances on fixed free ports (group `hello`, programs hello_0..2); nginx in
#            front as shared/anchors/lib.sh writes it (worker_processes auto, upstream least_conn +
#            keepalive 64, default proxy_next_upstream error timeout, default timeouts). One addition:
#            error responses nginx makes itself echo the request id (X-Chaos-Id), so the recorder
#            can match them; 2xx responses are untouched.
#   The instances: the demo's JVM flags (parsed from DemoCommand.java, or HELLO_OPTS) and environment
#   (SHUTDOWN_DELAY_MS=200), plus ACCESS_LOG=off and MALLOC_ARENA_MAX=2, in both scenarios.
#
# The story (offsets from the start of the measured wrk run; defaults for DURATION=60, every default
# scaled by DURATION/60 otherwise; each knob takes explicit seconds, empty = leave the event out):
#   RELOAD_AT="5 17"      rolling reload. nonstop: `java -jar nonstop.jar reload hello -c CONFIG` (new
#                         instance READY before an old one drains). nginx: `supervisorctl restart
#                         hello:hello_N` for N = 0, 1, 2, one after the other (what people do).
#   KILL_AT="28 33 38"    SIGKILL of one instance (slot 0, then 1, then 2, or another one in rotation).
#   STOP_AT=42 STOP_SECS=10   SIGSTOP of one instance (slot 0), SIGCONT STOP_SECS later if that process
#                         still exists (nonstop's liveness probe replaces it meanwhile: noted either way).
#   UPGRADE_AT=54         nonstop: `java -jar nonstop.jar upgrade -c CONFIG` when this build has it (its
#                         usage text tells), else recorded as "skipped: nonstop upgrade not implemented
#                         in this build". nginx: NGINX_UPGRADE=reload (default: `nginx -s reload`, the
#                         proxy's own config reload: new workers, old ones finish) or none. (nginx's binary
#                         upgrade, SIGUSR2, is refused by a master in the foreground, `daemon off`, as
#                         here: "the changing binary signal is ignored".)
#   Any event due while a reload or upgrade command still runs waits for it, and every later event
#   moves by the same delay: the story keeps its gaps (planned and actual offsets are both reported;
#   an event that ends up after the load still runs and its capacity is measured, not its latency).
#   Pids come from the capacity poller's last poll (<= POLL_MS old; for nonstop that is the body of
#   `nonstop status --json`), checked to be a hello instance of this run before any signal.
#
# Measured:
#   load         `wrk -t$THREADS -c$CONNS -d${DURATION}s --latency -s bench/chaos/record.lua`: wrk's
#                own totals, and one line per request (send time, latency, status; matched by
#                X-Request-Id), from which summarize.py cuts any window. After WARMUP s of plain wrk.
#   capacity     bench/chaos/poll.py every POLL_MS ms from before the warm-up until TAIL s after the
#                load: nonstop: instances READY and "in_rotation" in GET /v1/status (what `nonstop
#                status --json` prints); nginx: programs RUNNING in supervisord that answer GET / 200.
#                Full capacity = all 3.
#   per event    window = from the event until WINDOW s (5) after it ended (reload: the command exits;
#                SIGSTOP: SIGCONT; upgrade: the command exits), cut at the next event: requests sent in
#                it, failed (non-2xx or never answered), slower than 2 s (wrk's timeout), p99 and max
#                of the 2xx responses, lowest 1-s throughput;
#                and time to full capacity: from the fault to the first full poll after the last poll
#                below full, looking until the next event (or the end of polling).
#
# Knobs (environment): PHASES, DURATION (60), CONNS (64), THREADS (1), WARMUP (10), TAIL (15),
# POLL_MS (150), WINDOW, RELOAD_AT, KILL_AT, STOP_AT, STOP_SECS, UPGRADE_AT, NGINX_UPGRADE (reload),
# HELLO_OPTS, NONSTOP_JAVA_OPTS (as for ./nonstop), JAVA_HOME (default: what ./run finds),
# NONSTOP_JAR / HELLO_JAR (default: the built jars; never built here), OUT (bench/out), LABEL.
#
# Raw outputs: bench/out/chaos-<time>[-LABEL]/ (gitignored): commands.txt (every command, with its
# time), env.txt, bin/ (the jars measured: copies, so that a rebuild during the run changes nothing),
# and per scenario SCEN/: the configs, wrk/ (warm-up and measured run, raw), requests.*.gz (recorder),
# polls.ndjson (every status poll, raw), events.tsv, meta.txt, log/; then summary.md and timeline.md
# (per second), both from bench/chaos/summarize.py.
#
# Every process is started here in its own session (setsid), remembered by pid + start time and
# stopped by that process group on exit (Ctrl-C included), then its former children still alive are
# stopped by pid (checked by start time): nothing is killed by name. A stopped instance gets SIGCONT
# first. Free ports: random in 20000-29999, checked with ss; everything listens on 127.0.0.1 except
# the hello instances (all interfaces, as the anchors' Gin); all traffic is loopback.
# The helpers shared with bench/gateway.sh and bench/restart.sh (logging, processes, ports, waiting
# for HTTP 200, the JDK) are in bench/lib.sh.
set -euo pipefail
export LC_ALL=C   # EPOCHREALTIME and printf with a '.' decimal separator

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$BENCH/lib.sh"
OUT=${OUT:-$BENCH/out}
PHASES=${PHASES:-nonstop nginx}
DURATION=${DURATION:-60}
CONNS=${CONNS:-64}
THREADS=${THREADS:-1}
WARMUP=${WARMUP:-10}
TAIL=${TAIL:-15}
POLL_MS=${POLL_MS:-150}
NGINX_UPGRADE=${NGINX_UPGRADE:-reload}
INSTANCES=3

# scaled "S..." : the default offsets (for 60 s) scaled to DURATION, 0.1 s resolution
scaled() { awk -v d="$DURATION" -v l="$1" 'BEGIN { n = split(l, a, " "); for (i = 1; i <= n; i++) printf "%s%.1f", (i > 1 ? " " : ""), a[i] * d / 60 }'; }
RELOAD_AT=${RELOAD_AT-$(scaled "5 17")}
KILL_AT=${KILL_AT-$(scaled "28 33 38")}
STOP_AT=${STOP_AT-$(scaled 42)}
STOP_SECS=${STOP_SECS:-$(scaled 10)}
UPGRADE_AT=${UPGRADE_AT-$(scaled 54)}
WINDOW=${WINDOW:-$(scaled 5)}

RAW=$OUT/chaos-$(date +%Y%m%dT%H%M%S)${LABEL:+-$LABEL}
mkdir -p "$RAW/bin" "$RAW/run"
COMMANDS=$RAW/commands.txt
: >"$COMMANDS"

now_us() { NOW_US=${EPOCHREALTIME/./}; }
# sleep_until_us T : until the epoch time T (µs)
sleep_until_us() {
  local d
  now_us; d=$(($1 - NOW_US))
  ((d <= 0)) || sleep "$(printf '%d.%06d' $((d / 1000000)) $((d % 1000000)))"
}
us_to_s() { printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000)); }
to_ms() { awk -v s="$1" 'BEGIN { printf "%d", s * 1000 + 0.5 }'; }

# ---------------------------------------------------------------- processes (stopped by process group)
# spawn (CMD in a new session, pid = pgid), forget, kill_group, alive, ours: bench/lib.sh
# stop_group PGID [TERM_WAIT_S] : SIGTERM to the process group we started as PGID, SIGKILL after
# TERM_WAIT_S (10) s; then SIGKILL its members' former children (supervisors' instances, in sessions
# of their own) still alive with the same start time. The group is signalled while its leader is
# ours, or after the leader exited while members remain: `nonstop upgrade` replaces the leader by a
# child in the same group (a pid stays reserved while it names a process group, so such members can
# only be ours).
stop_group() {
  local pg=$1 wait_s=${2:-10} i p kids=()
  if { ours "$pg" && alive "$pg"; } || { ! alive "$pg" && group_alive "$pg"; }; then
    for p in $(group_members "$pg"); do
      for i in $(ps -o pid= --ppid "$p" 2>/dev/null); do kids+=("$i:$(proc_start_time "$i")"); done
    done
    kill_group "$pg" "$wait_s"
    for p in "${kids[@]}"; do
      for i in $(seq 50); do alive "${p%%:*}" || break; sleep 0.1; done
      if alive "${p%%:*}" && [[ "$(proc_start_time "${p%%:*}")" == "${p#*:}" ]]; then
        cmdlog "kill -KILL ${p%%:*}   # child of group $pg still alive"
        kill -KILL "${p%%:*}" 2>/dev/null || true
      fi
    done
  fi
  wait "$pg" 2>/dev/null || true
  forget "$pg"
}
STOPPED=""   # "pid:starttime" of an instance we SIGSTOPped and did not SIGCONT yet
cleanup() {
  local rc=$? i
  trap - EXIT INT TERM
  if [[ -n $STOPPED ]] && alive "${STOPPED%%:*}" && [[ "$(proc_start_time "${STOPPED%%:*}")" == "${STOPPED#*:}" ]]; then
    cmdlog "kill -CONT ${STOPPED%%:*}   # clean-up"; kill -CONT "${STOPPED%%:*}" 2>/dev/null || true
  fi
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_group "${PIDS[i]}" 30; done
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- tools, jars, flags
need_tools "apt-get install -y wrk nginx supervisor curl" wrk nginx supervisord supervisorctl curl ss setsid pgrep python3 sha256sum
find_java
NGINX=$(command -v nginx)

# Snapshots of the jars (other engineers rebuild target/ while this runs). Never built here.
NONSTOP_SRC=${NONSTOP_JAR:-$ROOT/nonstop-cli/target/nonstop.jar}
HELLO_SRC=${HELLO_JAR:-$ROOT/examples/hello/target/hello.jar}
for f in "$HELLO_SRC" "$NONSTOP_SRC"; do
  [[ -f $f ]] || { log "ERROR: $f missing (build it: ./run mvn -q -pl nonstop-cli -am package -DskipTests)"; exit 1; }
done
cp "$HELLO_SRC" "$RAW/bin/hello.jar.tmp" && mv "$RAW/bin/hello.jar.tmp" "$RAW/bin/hello.jar"
cp "$NONSTOP_SRC" "$RAW/bin/nonstop.jar.tmp" && mv "$RAW/bin/nonstop.jar.tmp" "$RAW/bin/nonstop.jar"

trim_flag
# nonstop's own flags as ./nonstop runs `up` (its last NONSTOP_JAVA_OPTS default; the first is the
# standalone gateway's). The control commands (status, reload, upgrade) run with the same flags.
if [[ -z ${NONSTOP_JAVA_OPTS:-} ]]; then
  NONSTOP_JAVA_OPTS=$(sed -n 's/.*NONSTOP_JAVA_OPTS:-\([^}]*\)}.*/\1/p' "$ROOT/nonstop" | tail -1)
  NONSTOP_JAVA_OPTS=${NONSTOP_JAVA_OPTS//\$TRIM/$TRIM}
fi
[[ -n $NONSTOP_JAVA_OPTS ]] || { log "ERROR: cannot read the JVM flags from ./nonstop"; exit 1; }
read -ra _o <<<"$NONSTOP_JAVA_OPTS"
NONSTOP=(env MALLOC_ARENA_MAX=2 "$JAVA" "${_o[@]}" -jar "$RAW/bin/nonstop.jar")
# The instances' flags as `nonstop demo` writes them.
if [[ -z ${HELLO_OPTS:-} ]]; then
  HELLO_OPTS=$(sed -n 's/.*command: \["%s", \(.*\), "-jar", "%s"\].*/\1/p' "$ROOT/nonstop-cli/src/main/java/dev/nonstop/cli/DemoCommand.java" | tr -d '",' | head -1)
fi
[[ -n $HELLO_OPTS ]] || { log "ERROR: cannot read the instances' JVM flags from DemoCommand.java (set HELLO_OPTS)"; exit 1; }
read -ra HELLO_FLAGS <<<"$HELLO_OPTS"
HELLO_ENV=(SHUTDOWN_DELAY_MS=200 ACCESS_LOG=off MALLOC_ARENA_MAX=2)

# Does this build have `nonstop upgrade`? Its usage text tells (picocli rejects a subcommand's --help
# with exit 2 but prints the usage; an unknown subcommand prints the top-level usage).
cmdlog "$(quote "${NONSTOP[@]}" upgrade --help)"
usage=$("${NONSTOP[@]}" upgrade --help 2>&1 || true)
if grep -q '^Usage: nonstop upgrade' <<<"$usage"; then
  UPGRADE_WHY=""
else
  UPGRADE_WHY="skipped: nonstop upgrade not implemented in this build"
fi

{
  env_machine
  echo "mem: $(free -m | awk '/Mem:/{print $2}') MiB"
  echo "java: $("$JAVA" -version 2>&1 | head -2 | tail -1)"
  echo "nginx: $(nginx -v 2>&1)"
  echo "supervisord: $(supervisord --version)"
  echo "wrk: $(wrk --version 2>&1 | head -1)"
  env_git
  env_jar nonstop.jar "$NONSTOP_SRC"
  env_jar hello.jar "$HELLO_SRC"
  echo "record.lua: $(sha256sum "$BENCH/chaos/record.lua" | cut -c1-16)"
  echo "nonstop upgrade: ${UPGRADE_WHY:-available}"
  echo "NONSTOP_JAVA_OPTS: $NONSTOP_JAVA_OPTS (MALLOC_ARENA_MAX=2)"
  echo "HELLO_OPTS: $HELLO_OPTS (${HELLO_ENV[*]})"
  echo "PHASES=$PHASES DURATION=$DURATION CONNS=$CONNS THREADS=$THREADS WARMUP=$WARMUP TAIL=$TAIL POLL_MS=$POLL_MS WINDOW=$WINDOW"
  echo "RELOAD_AT=$RELOAD_AT | KILL_AT=$KILL_AT | STOP_AT=$STOP_AT STOP_SECS=$STOP_SECS | UPGRADE_AT=$UPGRADE_AT | NGINX_UPGRADE=$NGINX_UPGRADE"
  env_load
} >"$RAW/env.txt"
log "run directory: $RAW"
log "events: reload at ${RELOAD_AT:-never}; SIGKILL at ${KILL_AT:-never}; SIGSTOP at ${STOP_AT:-never} for ${STOP_SECS}s; upgrade at ${UPGRADE_AT:-never} (nonstop: ${UPGRADE_WHY:-available}; nginx: $NGINX_UPGRADE)"

# ---------------------------------------------------------------- per-scenario state
SCEN=""; S=""          # scenario name and its directory
LATEST=""              # the poller's last view: "slot pid state counted role" per instance
declare -a EV_KIND EV_PLANNED EV_T EV_END EV_DONE EV_TARGET EV_NOTE EV_PID

# spawn_timed NAME CMD... : CMD in the background; when it ends, "<epoch s> <exit code>" goes to
# S/run/NAME.done. Sets LAST_PID and LAST_DONE.
spawn_timed() {
  local name=$1; shift
  LAST_DONE=$S/run/$name.done
  # shellcheck disable=SC2016  # expanded by the inner bash
  spawn "$name" "$S/log/$name.out" "$S/log/$name.err" \
    bash -c '"${@:2}"; rc=$?; printf "%s %s\n" "$EPOCHREALTIME" "$rc" >"$1"' _ "$LAST_DONE" "$@"
}
# is_instance PID : a hello instance of this run (its command line names our copy of the jar)
is_instance() { tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -qF -- "-jar $RAW/bin/hello.jar"; }
# count_full : instances counted in the poller's last view
count_full() { [[ -f $LATEST ]] && awk '$4 == 1' "$LATEST" | wc -l || echo 0; }
wait_full() {
  local i
  for i in $(seq 1200); do
    (($(count_full) >= INSTANCES)) && return 0
    sleep 0.1
  done
  log "WARNING: not at full capacity ($(count_full)/$INSTANCES) after 120 s; measuring anyway"
}
# pick_victim SLOT : sets VICTIM_PID / VICTIM_SLOT: the instance in SLOT if it is in rotation, else
# the first one in rotation (never a draining/outgoing one); only a hello instance of this run.
pick_victim() {
  local pref=$1 slot pid _state counted role best="" any=""
  VICTIM_PID=""; VICTIM_SLOT=""
  [[ -f $LATEST ]] || return 1
  while read -r slot pid _state counted role; do
    [[ $pid =~ ^[0-9]+$ && $pid != 0 && $counted == 1 && $role != outgoing ]] || continue
    is_instance "$pid" || continue
    if [[ $slot == "$pref" ]]; then best="$slot $pid"; break; fi
    [[ -n $any ]] || any="$slot $pid"
  done <"$LATEST"
  read -r VICTIM_SLOT VICTIM_PID <<<"${best:-$any}" || true
  [[ -n $VICTIM_PID ]]
}

# record_event KIND PLANNED_MS TARGET NOTE [END_US] [DONE_FILE] [PID] : appends an event fired now
record_event() {
  local i=${#EV_KIND[@]}
  now_us
  EV_KIND[i]=$1; EV_PLANNED[i]=$2; EV_TARGET[i]=$3; EV_NOTE[i]=$LATE_NOTE${LATE_NOTE:+${4:+; }}$4
  EV_T[i]=${FIRED_US:-$NOW_US}; EV_END[i]=${5:-}; EV_DONE[i]=${6:-}; EV_PID[i]=${7:-}
  log "$SCEN event $((i + 1)): $1 $3${4:+ ($4)}"
}
# busy_wait : until no reload/upgrade command of this scenario runs (events do not overlap them)
busy_wait() {
  local i
  for i in "${!EV_DONE[@]}"; do
    [[ -n ${EV_DONE[i]} ]] || continue
    while [[ ! -f ${EV_DONE[i]} ]] && alive "${EV_PID[i]}"; do sleep 0.05; done
  done
}

# ---------------------------------------------------------------- event actions
RELOAD_N=0
ev_reload() {   # PLANNED_MS
  local cmd
  RELOAD_N=$((RELOAD_N + 1))
  now_us; FIRED_US=$NOW_US
  case $SCEN in
    nonstop) cmd=("${NONSTOP[@]}" reload hello -c "$S/nonstop.yaml")
             spawn_timed "reload_$RELOAD_N" "${cmd[@]}"
             record_event reload "$1" "nonstop reload hello" "" "" "$LAST_DONE" "$LAST_PID" ;;
    nginx)   # one program after the other, each restart waits for stop then RUNNING (startsecs)
             # shellcheck disable=SC2016
             cmd=(bash -c 'for p in "${@:2}"; do printf "%s restart %s\n" "$EPOCHREALTIME" "$p"; supervisorctl -c "$1" restart "hello:$p" || exit 1; done' \
                  _ "$S/supervisord.conf" hello_0 hello_1 hello_2)
             spawn_timed "reload_$RELOAD_N" "${cmd[@]}"
             record_event reload "$1" "supervisorctl restart hello:hello_0..2, one by one" "" "" "$LAST_DONE" "$LAST_PID" ;;
  esac
  FIRED_US=""
}
KILL_N=0
ev_kill() {
  KILL_N=$((KILL_N + 1))
  if ! pick_victim $(((KILL_N - 1) % INSTANCES)); then
    record_event kill "$1" "-" "skipped: no instance in rotation"; return 0
  fi
  now_us; FIRED_US=$NOW_US
  cmdlog "kill -KILL $VICTIM_PID   # slot $VICTIM_SLOT"
  kill -KILL "$VICTIM_PID" 2>/dev/null || true
  record_event kill "$1" "slot $VICTIM_SLOT, pid $VICTIM_PID" "" "$FIRED_US"
  FIRED_US=""
}
STOP_IDX=""; STOP_T_US=0
ev_stop() {
  if ! pick_victim 0; then
    record_event stop "$1" "-" "skipped: no instance in rotation"; return 0
  fi
  now_us; FIRED_US=$NOW_US
  STOPPED="$VICTIM_PID:$(proc_start_time "$VICTIM_PID")"
  cmdlog "kill -STOP $VICTIM_PID   # slot $VICTIM_SLOT, SIGCONT planned after ${STOP_SECS}s"
  kill -STOP "$VICTIM_PID" 2>/dev/null || true
  STOP_IDX=${#EV_KIND[@]}; STOP_T_US=$FIRED_US
  record_event stop "$1" "slot $VICTIM_SLOT, pid $VICTIM_PID" ""
  FIRED_US=""
}
ev_cont() {
  local pid=${STOPPED%%:*} st note
  [[ -n $STOP_IDX && -n $STOPPED ]] || return 0
  now_us
  if alive "$pid" && [[ "$(proc_start_time "$pid")" == "${STOPPED#*:}" ]]; then
    st=$(proc_state "$pid")
    cmdlog "kill -CONT $pid   # state $st"
    kill -CONT "$pid" 2>/dev/null || true
    if [[ $st == T ]]; then note="SIGCONT after ${STOP_SECS}s: still the same process, still stopped (not replaced)"
    else note="SIGCONT after ${STOP_SECS}s: same process, already running again (state $st: continued by the supervisor, exiting)"; fi
  else
    note="pid $pid gone before the SIGCONT: replaced by the supervisor"
  fi
  STOPPED=""
  EV_END[STOP_IDX]=$NOW_US; EV_NOTE[STOP_IDX]=$note
  log "$SCEN: $note"
}
ev_upgrade() {
  now_us; FIRED_US=$NOW_US
  case $SCEN in
    nonstop)
      if [[ -n $UPGRADE_WHY ]]; then
        record_event upgrade "$1" "nonstop upgrade" "$UPGRADE_WHY" "$FIRED_US"
      else
        spawn_timed upgrade "${NONSTOP[@]}" upgrade -c "$S/nonstop.yaml"
        record_event upgrade "$1" "nonstop upgrade (of pid $(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$S/.nonstop.yaml.admin" 2>/dev/null))" "" "" "$LAST_DONE" "$LAST_PID"
      fi ;;
    nginx)
      case $NGINX_UPGRADE in
        none)   record_event upgrade "$1" "-" "skipped: NGINX_UPGRADE=none" "$FIRED_US" ;;
        reload) run_logged "${NGINX_CMD[@]}" -s reload </dev/null 2>>"$S/log/nginx.stderr.log" || true
                now_us
                record_event upgrade "$1" "nginx -s reload (the proxy's config reload, as its upgrade)" "" "$NOW_US" ;;
        *) log "ERROR: NGINX_UPGRADE=$NGINX_UPGRADE (expected: reload or none)"; exit 2 ;;
      esac ;;
  esac
  FIRED_US=""
}

# ---------------------------------------------------------------- the story
# story URL : warm-up, then the measured wrk run with the events at their offsets
story() {
  local url=$1 line off kind n wpid f i out
  local sched=()
  for off in $RELOAD_AT; do sched+=("$(to_ms "$off") reload"); done
  for off in $KILL_AT; do sched+=("$(to_ms "$off") kill"); done
  if [[ -n $STOP_AT ]]; then sched+=("$(to_ms "$STOP_AT") stop" "$(to_ms "$(awk -v a="$STOP_AT" -v b="$STOP_SECS" 'BEGIN { print a + b }')") cont"); fi
  [[ -z $UPGRADE_AT ]] || sched+=("$(to_ms "$UPGRADE_AT") upgrade")

  log "$SCEN: warm-up ${WARMUP}s"
  f=$S/wrk/warmup.txt
  { echo "# cmd: wrk -t$THREADS -c$CONNS -d${WARMUP}s $url"; echo "# start: $(date -Is)  loadavg: $(cat /proc/loadavg)"; } >"$f"
  run_logged wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "$url" >>"$f" 2>&1
  wait_full

  f=$S/wrk/measure.txt
  local cmd=(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$BENCH/chaos/record.lua" "$url")
  { echo "# cmd: CHAOS_OUT=$S/requests ${cmd[*]}"; echo "# start: $(date -Is)  loadavg: $(cat /proc/loadavg)"; } >"$f"
  now_us; T0_US=$NOW_US
  spawn "wrk_$SCEN" "$f" "$f" env CHAOS_OUT="$S/requests" "${cmd[@]}"; wpid=$LAST_PID
  log "$SCEN: load for ${DURATION}s"
  # An event due while a reload or upgrade command still runs waits for it, and every later event
  # moves by the same delay: the story keeps its gaps (summarize.py shows planned and actual times).
  local shift=0 due late last=0
  while read -r off kind; do
    LATE_NOTE=""
    if [[ $kind == cont ]]; then
      sleep_until_us $((STOP_T_US + $(to_ms "$STOP_SECS") * 1000))
    else
      due=$((T0_US + off * 1000 + shift))
      sleep_until_us "$due"
      busy_wait
      now_us; late=$((NOW_US - due))
      if ((late > 100000)); then
        shift=$((shift + late)); LATE_NOTE="waited $(us_to_s "$late" | cut -c1-4) s for the previous command"
      fi
      ((shift == 0)) || LATE_NOTE+="${LATE_NOTE:+; }+$(us_to_s "$shift" | cut -c1-4) s after its planned offset"
    fi
    "ev_$kind" "$off"
    now_us; last=$NOW_US
  done < <(printf '%s\n' "${sched[@]}" | sort -n)
  LATE_NOTE=""
  wait "$wpid" || true; forget "$wpid"
  now_us; WRK_END_US=$NOW_US
  echo "# end: $(date -Is)  loadavg: $(cat /proc/loadavg)" >>"$f"
  busy_wait
  now_us; ((NOW_US > last)) && last=$NOW_US
  ((WRK_END_US > last)) && last=$WRK_END_US
  log "$SCEN: load done; watching capacity for ${TAIL}s more"
  sleep_until_us $((last + TAIL * 1000000))

  # what the commands said and when they ended
  for i in "${!EV_KIND[@]}"; do
    [[ -n ${EV_DONE[i]} ]] || continue
    if [[ -f ${EV_DONE[i]} ]]; then
      read -r line n <"${EV_DONE[i]}"
      EV_END[i]=${line/./}
      out=${EV_DONE[i]##*/}; out=$S/log/${out%.done}
      EV_NOTE[i]="${EV_NOTE[i]:+${EV_NOTE[i]}; }exit $n: $(cat "$out.out" "$out.err" 2>/dev/null | grep -v '^\s*$' | tail -1 || true)"
    fi
  done
  for i in "${!EV_DONE[@]}"; do wait "${EV_PID[i]}" 2>/dev/null || true; [[ -z ${EV_PID[i]} ]] || forget "${EV_PID[i]}"; done
  {
    printf 'seq\tkind\tplanned_s\tt_us\tend_us\ttarget\tnote\n'
    for i in "${!EV_KIND[@]}"; do
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$((i + 1))" "${EV_KIND[i]}" "$(awk -v m="${EV_PLANNED[i]}" 'BEGIN { printf "%.1f", m / 1000 }')" \
        "${EV_T[i]}" "${EV_END[i]:-${EV_T[i]}}" "${EV_TARGET[i]}" "${EV_NOTE[i]//$'\t'/ }"
    done
  } >"$S/events.tsv"
  {
    echo "scenario=$SCEN"; echo "t0_us=$T0_US"; echo "wrk_end_us=$WRK_END_US"; echo "duration=$DURATION"
    echo "window=$WINDOW"; echo "conns=$CONNS"; echo "threads=$THREADS"; echo "poll_ms=$POLL_MS"; echo "slow_ms=2000"
  } >"$S/meta.txt"
}

new_scenario() {
  SCEN=$1; S=$RAW/$1
  mkdir -p "$S/log" "$S/run" "$S/wrk"
  LATEST=$S/run/latest.txt
  EV_KIND=(); EV_PLANNED=(); EV_T=(); EV_END=(); EV_DONE=(); EV_TARGET=(); EV_NOTE=(); EV_PID=()
  RELOAD_N=0; KILL_N=0; STOP_IDX=""; STOP_T_US=0; STOPPED=""; FIRED_US=""; LATE_NOTE=""
}
start_poller() {   # MODE SOURCE [NAME=PORT...]
  local mode=$1 src=$2; shift 2
  spawn "poll_$SCEN" "$S/log/poll.out" "$S/log/poll.err" \
    python3 "$BENCH/chaos/poll.py" "$mode" "$src" "$S/polls.ndjson" "$LATEST" "$(awk -v m="$POLL_MS" 'BEGIN { print m / 1000 }')" "$INSTANCES" "$@"
  POLLER=$LAST_PID
}

# ---------------------------------------------------------------- scenario: nonstop up
scenario_nonstop() {
  local gw adm up o
  new_scenario nonstop
  free_port; gw=$FREE_PORT; free_port; adm=$FREE_PORT
  {
    echo "# generated by bench/chaos.sh: the config nonstop demo writes (DemoCommand.java), on free ports"
    echo "apps:"
    echo "  hello:"
    printf '    command: ["%s"' "$JAVA"; for o in "${HELLO_FLAGS[@]}"; do printf ', "%s"' "$o"; done; printf ', "-jar", "%s"]\n' "$RAW/bin/hello.jar"
    echo "    instances: $INSTANCES"
    echo "    port: 0"
    echo '    env: {SHUTDOWN_DELAY_MS: "200", ACCESS_LOG: "off", MALLOC_ARENA_MAX: "2"}'
    echo "    startsecs: 1"
    echo "    stop: {signal: TERM, timeout: 10s, drain: 10s}"
    echo "    health:"
    echo "      liveness:  {http: /healthz, period: 1s, timeout: 1s, failures: 3}"
    echo "      readiness: {http: /readyz, period: 500ms, timeout: 1s, failures: 1}"
    echo "    logs: {dir: logs, max_size: 10MiB, keep: 3}"
    echo "gateway:"
    echo "  listen: 127.0.0.1:$gw"
    echo "  routes:"
    echo "    - {path: /, app: hello}"
    echo "  upstreams:"
    echo "    hello:"
    echo "      app: hello"
    echo "      balance: least_conn"
    echo "      slow_start: 5s"
    echo "      retries: {attempts: 2, per_try_timeout: 1s}"
    echo "admin:"
    echo "  listen: 127.0.0.1:$adm"
  } >"$S/nonstop.yaml"
  # working directory S: the instances' logs and the run files land beside the config
  spawn nonstop_up "$S/log/up.out" "$S/log/up.err" env -C "$S" "${NONSTOP[@]}" up -c "$S/nonstop.yaml"; up=$LAST_PID
  log "nonstop: pid $up, gateway 127.0.0.1:$gw, control API 127.0.0.1:$adm"
  wait_http "http://127.0.0.1:$gw/" 90 || { tail -20 "$S/log/up.out" "$S/log/up.err" >&2; exit 1; }
  # the poller reads the same body, GET /v1/status; one CLI call for the record
  run_logged "${NONSTOP[@]}" status --json -c "$S/nonstop.yaml" >"$S/status_cli.json" 2>&1 || true
  start_poller nonstop "$S/nonstop.yaml"
  story "http://127.0.0.1:$gw/"
  stop_group "$POLLER"
  log "nonstop: stopping (SIGTERM to process group $up)"
  stop_group "$up" 30
}

# ---------------------------------------------------------------- scenario: nginx + supervisord
scenario_nginx() {
  local i ports=() names=() sup ngx np env_line
  new_scenario nginx
  for i in $(seq 0 $((INSTANCES - 1))); do free_port; ports+=("$FREE_PORT"); names+=("hello_$i=$FREE_PORT"); done
  {
    echo "; generated by bench/chaos.sh (as shared/anchors/avail_supervisor.sh, with the hello jar)"
    echo "[unix_http_server]"; echo "file=$S/run/supervisor.sock"
    echo "[supervisord]"; echo "nodaemon=true"; echo "logfile=$S/log/supervisord.log"
    echo "pidfile=$S/run/supervisord.pid"; echo "childlogdir=$S/log"
    echo "[rpcinterface:supervisor]"; echo "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface"
    echo "[supervisorctl]"; echo "serverurl=unix://$S/run/supervisor.sock"
    echo "[group:hello]"
    printf 'programs=%s\n' "$(IFS=,; echo "${names[*]%%=*}")"
    for i in $(seq 0 $((INSTANCES - 1))); do
      env_line="PORT=\"${ports[i]}\""; for o in "${HELLO_ENV[@]}"; do env_line+=",${o%%=*}=\"${o#*=}\""; done
      echo "[program:hello_$i]"
      echo "command=$JAVA ${HELLO_FLAGS[*]} -jar $RAW/bin/hello.jar"
      echo "environment=$env_line"
      echo "autorestart=true"; echo "startsecs=1"; echo "startretries=100"
      echo "stopsignal=TERM"; echo "stopwaitsecs=10"; echo "stopasgroup=true"; echo "killasgroup=true"
      echo "stdout_logfile=$S/log/hello_$i.out"; echo "stderr_logfile=$S/log/hello_$i.err"
    done
  } >"$S/supervisord.conf"
  spawn supervisord "$S/log/supervisord.out" "$S/log/supervisord.err" supervisord -c "$S/supervisord.conf"; sup=$LAST_PID
  for i in "${ports[@]}"; do wait_http "http://127.0.0.1:$i/" 90 || { tail -20 "$S/log/"hello_*.err >&2; exit 1; }; done

  free_port; np=$FREE_PORT
  mkdir -p "$S/run/nginx"
  {
    echo "# generated by bench/chaos.sh (as shared/anchors/lib.sh write_nginx_conf, bench/gateway.sh write_nginx)"
    echo "worker_processes auto;"
    echo "pid $S/run/nginx.pid;"
    echo "error_log $S/log/nginx.error.log notice;"
    echo "events { worker_connections 4096; }"
    echo "http {"
    echo "    access_log off;"
    for i in client_body proxy fastcgi uwsgi scgi; do echo "    ${i}_temp_path $S/run/nginx/$i;"; done
    echo "    # bench/chaos/record.lua matches responses to requests by X-Request-Id; the instances echo it,"
    echo "    # nginx's own error pages (502, 504) do not: those echo it as X-Chaos-Id. 2xx: no header added."
    echo "    map \$status \$chaos_id { ~^[45] \$http_x_request_id; default \"\"; }"
    echo "    upstream web {"
    echo "        least_conn;                       # server defaults: max_fails=1 fail_timeout=10s"
    for i in "${ports[@]}"; do echo "        server 127.0.0.1:$i;"; done
    echo "        keepalive 64;"
    echo "    }"
    echo "    server {"
    echo "        listen 127.0.0.1:$np;"
    echo "        location / {"
    echo "            proxy_pass http://web;        # default proxy_next_upstream error timeout"
    echo "            proxy_http_version 1.1;"
    echo "            proxy_set_header Connection \"\";"
    echo "            add_header X-Chaos-Id \$chaos_id always;"
    echo "        }"
    echo "    }"
    echo "}"
  } >"$S/nginx.conf"
  NGINX_CMD=("$NGINX" -p "$S/run/nginx/" -e "$S/log/nginx.stderr.log" -c "$S/nginx.conf")
  run_logged "${NGINX_CMD[@]}" -t -q
  spawn nginx "$S/log/nginx.out" "$S/log/nginx.err" "${NGINX_CMD[@]}" -g 'daemon off;'; ngx=$LAST_PID
  wait_http "http://127.0.0.1:$np/" 15 || { cat "$S/log/nginx.stderr.log" >&2; exit 1; }
  log "nginx: pid $ngx on 127.0.0.1:$np -> ${ports[*]}; supervisord pid $sup"
  start_poller supervisord "$S/run/supervisor.sock" "${names[@]}"
  story "http://127.0.0.1:$np/"
  stop_group "$POLLER"
  stop_group "$ngx"
  log "supervisord: stopping (SIGTERM; it stops the instances)"
  stop_group "$sup" 30
}

# ---------------------------------------------------------------- main
for ph in $PHASES; do
  case $ph in
    nonstop) scenario_nonstop ;;
    nginx)   scenario_nginx ;;
    *) log "ERROR: unknown phase $ph (expected: nonstop nginx)"; exit 2 ;;
  esac
  sleep 2
done
echo "loadavg at end: $(cat /proc/loadavg)" >>"$RAW/env.txt"
python3 "$BENCH/chaos/summarize.py" "$RAW" | tee "$RAW/summary.md"
# summarize.py reads the records compressed too; nginx logs one line per 502 (error_log notice)
for f in "$RAW"/*/requests.* "$RAW"/*/log/nginx.error.log; do
  if [[ -f $f ]]; then gzip -q "$f"; fi
done
log "raw outputs: $RAW (per second: $RAW/timeline.md)"
