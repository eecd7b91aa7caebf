#!/usr/bin/env bash
# The Nonstop gateway beside nginx and HAProxy on this machine, loopback only.
#
#   bench/gateway.sh                          # ~10 min: both phases, prints the tables
#   ROUNDS=1 DURATION=3 bench/gateway.sh      # smoke run (~4 min)
#   PHASES=kill KILL_ROUNDS=5 bench/gateway.sh
#   UPSTREAMS=gin PROXIES="nginx nonstop" GATEWAY_JVM_OPTS="..." LABEL=xyz bench/gateway.sh
#   python3 bench/gateway/summarize.py bench/out/gateway-<time>[-LABEL]   # print a run's tables again
#
# Phases (PHASES, default "throughput kill"):
#   throughput  for each upstream kind in UPSTREAMS (default "gin hello": the anchors' Gin hello, or
#               examples/hello's jar): one instance measured directly (the ratio base) and two more
#               behind each proxy in PROXIES (default "nginx haproxy nonstop"). Every upstream and
#               target is warmed up first (WARMUP s, JVMs WARMUP_JVM s), then ROUNDS interleaved
#               rounds of `wrk -t$THREADS -c$CONNS -d${DURATION}s --latency`, every target once per
#               round, the order reversed every other round. VmRSS/VmHWM of every process group idle
#               (before any load) and right after the last round.
#   kill        three Gin upstreams; for each proxy in KILL_PROXIES (default "nginx haproxy
#               haproxy_noretry nonstop"), KILL_ROUNDS times: start the proxy fresh, let its health
#               checks settle (SETTLE s), warm it up, run `wrk -d${KILL_DURATION}s`, `kill -9` the
#               first upstream at t=KILL_AT s, count failed requests (wrk socket errors + non-2xx),
#               stop the proxy and restart the killed upstream, so every proxy sees the same setup.
#
# Proxies (configs as shared/anchors/lib.sh writes them, written to RAW/conf/):
#   nginx            worker_processes auto, upstream { least_conn; keepalive 64; }, proxy_http_version
#                    1.1, access_log off, default proxy_next_upstream (error timeout)
#   haproxy          nbthread 2, balance leastconn, http-reuse always, httpchk GET / every 1s (rise 2,
#                    fall 2), option redispatch, retries 3, retry-on all-retryable-errors
#   haproxy_noretry  the same without retry-on (default: conn-failure only)
#   netty_tcp        yardstick, not a proxy: bench/gateway/TcpCeiling.java, bytes copied between one
#                    client and one upstream connection (no HTTP), same JVM flags: the ceiling of a
#                    Netty/epoll forwarder on this box. Throughput phase only.
#   http_sketch      yardstick: bench/gateway/HttpSketch.java, the "forward the header block as bytes"
#                    design reduced to GET with Content-Length (what a hot-path rewrite could buy).
#   http_sketch_bare the same adding no headers (SKETCH_HEADERS=none): what the six added headers cost.
#   nonstop          `java $GATEWAY_JVM_OPTS -jar nonstop.jar gateway -c RAW/conf/gateway_*.yaml`:
#                    least_conn, health GET / every 1s (rise 2, fall 2), retries {attempts: 2}. Skipped
#                    with a message (not an error) when nonstop.jar has no `gateway` command or the
#                    gateway does not serve 200 within 60 s.
#
# Knobs (environment): PHASES, UPSTREAMS, PROXIES, KILL_PROXIES, ROUNDS (3), DURATION (8), CONNS (64),
# THREADS (1), WARMUP (2), WARMUP_JVM (10), SETTLE (3), KILL_ROUNDS (ROUNDS), KILL_DURATION (10),
# KILL_AT (3), GATEWAY_JVM_OPTS / GATEWAY_JVM_ENV (default below), JAVA_HOME (default: what ./run
# finds), NONSTOP_JAR / HELLO_JAR (measure other jars), REBUILD (1: rebuild the jars first), ANCHORS
# (shared/anchors, for main.go), OUT (bench/out), LABEL (suffix of the run directory).
#
# Raw outputs: bench/out/gateway-<time>[-LABEL]/ (bench/out is gitignored): commands.txt (every
# command run, with its time), env.txt, conf/, wrk/*.txt (raw wrk output with `# cmd:` headers),
# throughput.tsv, memory.tsv, kill.tsv, log/, summary.md (what is printed on stdout).
#
# Every process is started in its own session/process group (setsid), remembered by pid + start time,
# and its whole group is stopped by that pid on exit (Ctrl-C included): SIGTERM, SIGKILL after 10 s.
# Nothing is killed by name. Free ports are picked at random in 20000-29999 (below the ephemeral
# range) and checked with ss. The Gin and hello upstreams bind all interfaces (as the anchors' Gin
# does), but every request goes over 127.0.0.1; proxies and admin APIs bind 127.0.0.1 only.
# The helpers shared with bench/chaos.sh and bench/restart.sh (logging, processes, ports, waiting
# for HTTP 200, RSS, the JDK and the hello jar's flags) are in bench/lib.sh.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$BENCH/lib.sh"
OUT=${OUT:-$BENCH/out}
PHASES=${PHASES:-throughput kill}
UPSTREAMS=${UPSTREAMS:-gin hello}
PROXIES=${PROXIES:-nginx haproxy nonstop netty_tcp}
KILL_PROXIES=${KILL_PROXIES:-nginx haproxy haproxy_noretry nonstop}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8}
CONNS=${CONNS:-64}
THREADS=${THREADS:-1}
WARMUP=${WARMUP:-2}
WARMUP_JVM=${WARMUP_JVM:-10}   # the JIT needs longer than 2 s (shared/anchors/README.md says so too)
SETTLE=${SETTLE:-3}            # health checks: rise 2 x 1 s, plus a margin
KILL_ROUNDS=${KILL_ROUNDS:-$ROUNDS}
KILL_DURATION=${KILL_DURATION:-10}
KILL_AT=${KILL_AT:-3}
ANCHORS=${ANCHORS:-$ROOT/../shared/anchors}

RAW=$OUT/gateway-$(date +%Y%m%dT%H%M%S)${LABEL:+-$LABEL}
mkdir -p "$RAW/bin" "$RAW/conf" "$RAW/log" "$RAW/run" "$RAW/wrk"
COMMANDS=$RAW/commands.txt
: >"$COMMANDS"

# ---------------------------------------------------------------- processes (stopped by process group)
# spawn, forget, kill_group, alive, ours: bench/lib.sh
# spawn_checked NAME STDOUT STDERR CMD... : spawn (CMD in a new session, pid = pgid, nginx's workers
# share it; sets LAST_PID), then a warning if CMD is not the leader of its own process group.
spawn_checked() {
  spawn "$@"
  local pg; pg=$(ps -o pgid= -p "$LAST_PID" 2>/dev/null | tr -d ' ' || true)
  [[ -z $pg || $pg == "$LAST_PID" ]] || log "WARNING: $1 (pid $LAST_PID) is in process group $pg, not its own"
}
start_bg() { local name=$1; shift; spawn_checked "$name" "$RAW/log/$name.out" "$RAW/log/$name.err" "$@"; }

# stop_group PID : SIGTERM to PID's process group, SIGKILL after 10 s; only if PID is still the
# process we started (a recycled pid is never signalled).
stop_group() {
  if ours "$1" && alive "$1"; then kill_group "$1" 10; fi
  wait "$1" 2>/dev/null || true
  forget "$1"
}
cleanup() {
  local rc=$? i
  trap - EXIT INT TERM
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_group "${PIDS[i]}"; done
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- memory
# group_mem PGID : "rss_kb hwm_kb pid:rss,pid:rss" summed over the process group (nginx: master +
# workers). The HWM sum is an upper bound of the group's peak (the members peak at different times).
group_mem() {
  local p r h rss=0 hwm=0 detail=""
  for p in $(group_members "$1"); do
    r=$(status_kb "$p" VmRSS 2>/dev/null || true); h=$(status_kb "$p" VmHWM 2>/dev/null || true)
    [[ -n $r ]] || continue
    rss=$((rss + r)); hwm=$((hwm + ${h:-0})); detail+="$p:$r,"
  done
  echo "$rss $hwm ${detail%,}"
}
# mem_snapshot UPSTREAM WHEN TARGET... : rows of memory.tsv (uses PID_OF)
mem_snapshot() {
  local up=$1 when=$2 t; shift 2
  for t in "$@"; do
    printf '%s\t%s\t%s\t%s\t%s\n' "$up" "$when" "$t" "${PID_OF[$t]}" "$(group_mem "${PID_OF[$t]}" | tr ' ' '\t')" >>"$RAW/memory.tsv"
  done
}

# ---------------------------------------------------------------- wrk
# wrk_run LABEL URL SECONDS [bg] : raw output -> RAW/wrk/LABEL.txt (a `# cmd:` header and loadavg
# before/after); foreground by default, `bg` starts it in the background (sets LAST_PID).
wrk_run() {
  local label=$1 url=$2 d=$3 f=$RAW/wrk/$1.txt
  local cmd=(wrk -t"$THREADS" -c"$CONNS" -d"${d}s" --latency "$url")
  { echo "# cmd: ${cmd[*]}"; echo "# start: $(date -Is)  loadavg: $(cat /proc/loadavg)"; } >"$f"
  if [[ ${4:-} == bg ]]; then
    spawn_checked "wrk_$label" "$f" "$f" "${cmd[@]}"
  else
    cmdlog "$(quote "${cmd[@]}") >> $f"
    "${cmd[@]}" >>"$f" 2>&1
    echo "# end: $(date -Is)  loadavg: $(cat /proc/loadavg)" >>"$f"
  fi
}
# wrk_parse FILE : "rps p50_ms p99_ms connect read write timeout non2xx requests"
# (wrk's "Non-2xx or 3xx responses" counts status >= 400: the proxies' 502/503/504)
wrk_parse() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return "NA" }
    /^Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Socket errors/ { gsub(",", ""); c = $4; r = $6; w = $8; t = $10 }
    /Non-2xx/ { n = $5 }
    / requests in / { req = $1 }
    END { printf "%s %s %s %d %d %d %d %d %d\n", rps + 0, (p50 == "" ? "NA" : p50), (p99 == "" ? "NA" : p99), c, r, w, t, n, req }
  ' "$1"
}

# ---------------------------------------------------------------- build and snapshot
need_tools "apt-get install -y nginx haproxy wrk golang-go golang-github-gin-gonic-gin-dev curl" wrk nginx haproxy go curl ss setsid pgrep python3
find_java

GIN_SRC=$ANCHORS/main.go
[[ -f $GIN_SRC ]] || GIN_SRC=$BENCH/gin/main.go   # verbatim copy of the anchors' main.go
GIN=$RAW/bin/gin-hello
log "building the Gin hello ($GIN_SRC)"
(cd "$(dirname "$GIN_SRC")" && run_logged env GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$GIN" "$GIN_SRC")

# build_jar MODULE JAR : `./run mvn ... package` when the jar is missing (or REBUILD=1)
build_jar() {
  [[ -f $2 && ${REBUILD:-0} != 1 ]] && return 0
  log "building $1 -> $2"
  (cd "$ROOT" && run_logged ./run mvn -q -pl "$1" -am package -DskipTests)
}
# Snapshots of the jars: other builds may rewrite target/ while we run.
NONSTOP_SRC=${NONSTOP_JAR:-$ROOT/nonstop-cli/target/nonstop.jar}
NONSTOP_WHY=""    # why the nonstop target is skipped ("" = it runs)
if [[ " $PROXIES $KILL_PROXIES " == *" nonstop "* ]]; then
  if [[ -z ${NONSTOP_JAR:-} ]] && ! build_jar nonstop-cli "$NONSTOP_SRC"; then
    NONSTOP_WHY="the build of nonstop-cli failed"
  elif [[ ! -f $NONSTOP_SRC ]]; then
    NONSTOP_WHY="$NONSTOP_SRC does not exist"
  else
    cp "$NONSTOP_SRC" "$RAW/bin/nonstop.jar.tmp" && mv "$RAW/bin/nonstop.jar.tmp" "$RAW/bin/nonstop.jar"
    # `gateway --help`'s exit code alone does not tell: picocli answers a top-level --help with 0 even
    # after an unknown subcommand, and the subcommands reject --help. The usage text does tell.
    cmdlog "$(quote "$JAVA" -jar "$RAW/bin/nonstop.jar" gateway --help)"
    usage=$("$JAVA" -jar "$RAW/bin/nonstop.jar" gateway --help 2>&1 || true)
    if ! grep -q '^Usage: nonstop gateway' <<<"$usage"; then
      NONSTOP_WHY="$NONSTOP_SRC (built $(stat -c '%y' "$NONSTOP_SRC" | cut -d. -f1)) has no \`gateway\` command; rebuild it (REBUILD=1, or ./run mvn -q -pl nonstop-cli -am package -DskipTests)"
    fi
  fi
  [[ -z $NONSTOP_WHY ]] || log "SKIPPING the nonstop gateway: $NONSTOP_WHY"
fi
HELLO_SRC=${HELLO_JAR:-$ROOT/examples/hello/target/hello.jar}
if [[ " $UPSTREAMS " == *" hello "* && " $PHASES " == *" throughput "* ]]; then
  [[ -n ${HELLO_JAR:-} ]] || build_jar examples/hello "$HELLO_SRC"
  cp "$HELLO_SRC" "$RAW/bin/hello.jar.tmp" && mv "$RAW/bin/hello.jar.tmp" "$RAW/bin/hello.jar"
fi

trim_flag   # TRIM: give freed malloc memory back where the JDK can (as ./run and ./nonstop do)
# The hello jar runs as `./run hello` runs it: HELLO_JVM_OPTS parsed from ./run, plus TRIM.
run_hello_opts
# The gateway: the hello jar's style (serial GC, C2 only with smaller inlining, small stacks, trim)
# rather than ./nonstop's (C1 only: right for a supervisor that waits, not for a proxy on the hot
# path), with room for a proxy's buffers: 64 MiB heap, 64 MiB direct memory.
DEFAULT_GATEWAY_JVM_OPTS="-XX:+UseSerialGC -Xms16m -Xmx64m -Xss512k -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=32m -XX:MaxDirectMemorySize=64m -XX:-TieredCompilation -XX:InlineSmallCode=1000 -XX:FreqInlineSize=100${TRIM:+ $TRIM}"
GATEWAY_JVM_OPTS=${GATEWAY_JVM_OPTS:-$DEFAULT_GATEWAY_JVM_OPTS}
GATEWAY_JVM_ENV=${GATEWAY_JVM_ENV-MALLOC_ARENA_MAX=2}
log "gateway JVM flags: $GATEWAY_JVM_OPTS (environment: ${GATEWAY_JVM_ENV:-none})"

{
  env_machine
  echo "mem: $(free -m | awk '/Mem:/{print $2}') MiB"
  echo "java: $("$JAVA" -version 2>&1 | head -2 | tail -1)"
  echo "go: $(go version)"
  echo "nginx: $(nginx -v 2>&1)"
  echo "haproxy: $(haproxy -v | head -1)"
  echo "wrk: $(wrk --version 2>&1 | head -1)"
  env_git
  echo "gin: $GIN_SRC"
  [[ -f $RAW/bin/nonstop.jar ]] && env_jar nonstop.jar "$NONSTOP_SRC"
  [[ -f $RAW/bin/hello.jar ]] && env_jar hello.jar "$HELLO_SRC"
  echo "GATEWAY_JVM_OPTS: $GATEWAY_JVM_OPTS"
  echo "GATEWAY_JVM_ENV: $GATEWAY_JVM_ENV"
  echo "HELLO_JVM_OPTS: $HELLO_OPTS (MALLOC_ARENA_MAX=2 ACCESS_LOG=off)"
  echo "nonstop skipped: ${NONSTOP_WHY:-no}"
  echo "PHASES=$PHASES | UPSTREAMS=$UPSTREAMS | PROXIES=$PROXIES | KILL_PROXIES=$KILL_PROXIES"
  echo "ROUNDS=$ROUNDS DURATION=$DURATION CONNS=$CONNS THREADS=$THREADS WARMUP=$WARMUP WARMUP_JVM=$WARMUP_JVM SETTLE=$SETTLE KILL_ROUNDS=$KILL_ROUNDS KILL_DURATION=$KILL_DURATION KILL_AT=$KILL_AT"
  env_load
} >"$RAW/env.txt"

# ---------------------------------------------------------------- configs (as shared/anchors/lib.sh)
# write_nginx NAME PORT SERVER... -> RAW/conf/nginx_NAME.conf
write_nginx() {
  local name=$1 port=$2 s servers=""; shift 2
  for s in "$@"; do servers+="        server $s;"$'\n'; done
  mkdir -p "$RAW/run/nginx_$name"
  cat >"$RAW/conf/nginx_$name.conf" <<EOF
# generated by bench/gateway.sh (as shared/anchors/lib.sh write_nginx_conf)
worker_processes auto;
pid $RAW/run/nginx_$name.pid;
error_log $RAW/log/nginx_$name.error.log notice;
events { worker_connections 4096; }
http {
    access_log off;                       # no per-request disk logging in the benchmark
    client_body_temp_path $RAW/run/nginx_$name/body;
    proxy_temp_path       $RAW/run/nginx_$name/proxy;
    fastcgi_temp_path     $RAW/run/nginx_$name/fastcgi;
    uwsgi_temp_path       $RAW/run/nginx_$name/uwsgi;
    scgi_temp_path        $RAW/run/nginx_$name/scgi;
    upstream web {
        least_conn;                       # server defaults: max_fails=1 fail_timeout=10s
$servers        keepalive 64;
    }
    server {
        listen 127.0.0.1:$port;
        location / {
            proxy_pass http://web;        # default proxy_next_upstream error timeout
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
}
# write_haproxy NAME PORT RETRY(yes|no) SERVER... -> RAW/conf/haproxy_NAME.cfg
write_haproxy() {
  local name=$1 port=$2 retry=$3 s i=0 servers="" retry_line; shift 3
  for s in "$@"; do i=$((i + 1)); servers+="    server s$i $s"$'\n'; done
  if [[ $retry == yes ]]; then retry_line="retry-on all-retryable-errors"
  else retry_line="# retry-on not set -> default: conn-failure only"; fi
  cat >"$RAW/conf/haproxy_$name.cfg" <<EOF
# generated by bench/gateway.sh (as shared/anchors/lib.sh write_haproxy_cfg)
global
    nbthread 2
    maxconn 4096
    pidfile $RAW/run/haproxy_$name.pid
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 30s
    option redispatch
    retries 3
    $retry_line
frontend fe_$name
    bind 127.0.0.1:$port
    default_backend web
backend web
    balance leastconn
    http-reuse always
    option httpchk GET /
    http-check expect status 200
    default-server check inter 1s fall 2 rise 2
$servers
EOF
}
# write_gateway NAME PORT SERVER... -> RAW/conf/gateway_NAME.yaml
write_gateway() {
  local name=$1 port=$2 list; shift 2
  list=$(printf '"%s", ' "$@"); list=${list%, }
  cat >"$RAW/conf/gateway_$name.yaml" <<EOF
# generated by bench/gateway.sh
gateway:
  listen: 127.0.0.1:$port
  routes:
    - {path: /, upstream: web}
  upstreams:
    web:
      servers: [$list]
      balance: least_conn
      health: {http: /, interval: 1s, timeout: 500ms, rise: 2, fall: 2}
      retries: {attempts: 2}
admin:
  listen: 127.0.0.1:0
EOF
}

# ---------------------------------------------------------------- targets
declare -A PID_OF PORT_OF
is_jvm() { [[ $1 == nonstop || $1 == netty_tcp || $1 == http_sketch* ]]; }   # the proxies that need a JIT warm-up

# start_upstream KIND NAME PORT : a Gin hello or a hello jar; sets PID_OF/PORT_OF[NAME]
start_upstream() {
  local kind=$1 name=$2 port=$3 opts
  case $kind in
    gin)   start_bg "$name" env PORT="$port" "$GIN" ;;
    hello) read -ra opts <<<"$HELLO_OPTS"
           start_bg "$name" env MALLOC_ARENA_MAX=2 PORT="$port" ACCESS_LOG=off "$JAVA" "${opts[@]}" -jar "$RAW/bin/hello.jar" ;;
    *) log "ERROR: unknown upstream kind $kind (expected: gin or hello)"; return 1 ;;
  esac
  PID_OF[$name]=$LAST_PID; PORT_OF[$name]=$port
  wait_http "http://127.0.0.1:$port/" 60 || { tail -5 "$RAW/log/$name.err" >&2; return 1; }
}

# start_proxy KIND NAME SERVER... : the proxy KIND (nginx, haproxy, haproxy_noretry, nonstop) on a free
# port in front of SERVER...; sets PID_OF/PORT_OF[NAME]. Returns 1 (after logging why) only for the
# nonstop gateway; nginx or HAProxy not starting aborts the run. It is called as a condition, where
# errexit is off, hence the explicit `|| exit 1`s.
start_proxy() {
  local kind=$1 name=$2 port opts env_kv; shift 2
  free_port; port=$FREE_PORT
  case $kind in
    nginx)
      write_nginx "$name" "$port" "$@"
      local ngx=(nginx -p "$RAW/run/nginx_$name/" -e "$RAW/log/nginx_$name.stderr.log" -c "$RAW/conf/nginx_$name.conf")
      run_logged "${ngx[@]}" -t -q || exit 1
      start_bg "$name" "${ngx[@]}" -g 'daemon off;' ;;
    haproxy|haproxy_noretry)
      write_haproxy "$name" "$port" "$([[ $kind == haproxy ]] && echo yes || echo no)" "$@"
      run_logged haproxy -c -q -f "$RAW/conf/haproxy_$name.cfg" || exit 1
      start_bg "$name" haproxy -db -f "$RAW/conf/haproxy_$name.cfg" ;;
    nonstop)
      [[ -z $NONSTOP_WHY ]] || return 1
      write_gateway "$name" "$port" "$@"
      read -ra opts <<<"$GATEWAY_JVM_OPTS"; read -ra env_kv <<<"$GATEWAY_JVM_ENV"
      # working directory RAW/run: whatever files the gateway writes next to itself stay in the run
      start_bg "$name" env -C "$RAW/run" "${env_kv[@]}" "$JAVA" "${opts[@]}" -jar "$RAW/bin/nonstop.jar" gateway -c "$RAW/conf/gateway_$name.yaml" ;;
    netty_tcp|http_sketch|http_sketch_bare)
      [[ -f $RAW/bin/nonstop.jar ]] || { log "SKIPPING $kind: no nonstop.jar (its Netty is on the class path)"; return 1; }
      read -ra opts <<<"$GATEWAY_JVM_OPTS"; read -ra env_kv <<<"$GATEWAY_JVM_ENV"
      local main; main=$([[ $kind == netty_tcp ]] && echo TcpCeiling || echo HttpSketch)
      [[ $kind != http_sketch_bare ]] || env_kv+=(SKETCH_HEADERS=none)
      start_bg "$name" env "${env_kv[@]}" "$JAVA" "${opts[@]}" --enable-native-access=ALL-UNNAMED \
        -cp "$RAW/bin/nonstop.jar" "$BENCH/gateway/$main.java" "$port" "$@" ;;
    *) log "ERROR: unknown proxy $kind"; exit 2 ;;
  esac
  PID_OF[$name]=$LAST_PID; PORT_OF[$name]=$port
  if ! wait_http "http://127.0.0.1:$port/" "$([[ $kind == nonstop ]] && echo 60 || echo 15)"; then
    tail -20 "$RAW/log/$name.err" "$RAW/log/$name.out" >&2 || true
    [[ $kind == nonstop ]] || exit 1
    NONSTOP_WHY="the gateway did not serve 200 within 60 s (log: $RAW/log/$name.{out,err})"
    log "SKIPPING the nonstop gateway: $NONSTOP_WHY"
    stop_group "$LAST_PID"
    return 1
  fi
  if [[ $kind == nonstop ]]; then   # the exact flags the JVM runs with
    { echo "# /proc/$LAST_PID/cmdline"; tr '\0' ' ' <"/proc/$LAST_PID/cmdline"; echo
      echo "# jcmd VM.flags"; "$J/bin/jcmd" "$LAST_PID" VM.flags 2>&1 | tail -n +2; } >"$RAW/jvm_flags_$name.txt" 2>&1 || true
  fi
  log "$name: pid $LAST_PID, 127.0.0.1:$port -> $*"
}

# warm NAME SECONDS : a wrk run left out of the tables (raw file kept as warmup_<n>_NAME)
WARM_N=0
warm() { WARM_N=$((WARM_N + 1)); wrk_run "warmup_${WARM_N}_$1" "http://127.0.0.1:${PORT_OF[$1]}/" "$2"; }
warmup_secs() { if is_jvm "$1"; then echo "$WARMUP_JVM"; else echo "$WARMUP"; fi; }

# ---------------------------------------------------------------- phase: throughput
phase_throughput() {
  local kind=$1 targets=() p r t order i up_names=() servers=()
  log "== throughput, upstream $kind"
  # The direct instance is separate from the two behind the proxies, as in the anchors.
  free_port; start_upstream "$kind" "${kind}_direct" "$FREE_PORT"
  for i in 1 2; do
    free_port; start_upstream "$kind" "${kind}_b$i" "$FREE_PORT"
    up_names+=("${kind}_b$i"); servers+=("127.0.0.1:${PORT_OF[${kind}_b$i]}")
  done
  # Targets are named by proxy; PID_OF/PORT_OF of "direct" point at the direct instance.
  PID_OF[direct]=${PID_OF[${kind}_direct]}; PORT_OF[direct]=${PORT_OF[${kind}_direct]}
  targets=(direct)
  for p in $PROXIES; do
    if start_proxy "$p" "$p" "${servers[@]}"; then targets+=("$p"); fi
  done
  sleep "$SETTLE"   # health checks mark both servers up
  mem_snapshot "$kind" idle "${targets[@]}" "${up_names[@]}"

  log "warm-up: every upstream instance directly, then every target (JVMs ${WARMUP_JVM}s, others ${WARMUP}s)"
  local wu; wu=$([[ $kind == hello ]] && echo "$WARMUP_JVM" || echo "$WARMUP")
  for t in "${up_names[@]}" direct; do warm "$t" "$wu"; done
  for t in "${targets[@]:1}"; do warm "$t" "$(warmup_secs "$t")"; done

  for r in $(seq "$ROUNDS"); do
    order=("${targets[@]}")
    if ((r % 2 == 0)); then   # reverse every other round, so a trend in background load favours no one
      order=(); for ((i = ${#targets[@]} - 1; i >= 0; i--)); do order+=("${targets[i]}"); done
    fi
    for t in "${order[@]}"; do
      local label="tput_${kind}_r${r}_$t" l1 rps p50 p99 c rd w to n req
      l1=$(load1)
      wrk_run "$label" "http://127.0.0.1:${PORT_OF[$t]}/" "$DURATION"
      read -r rps p50 p99 c rd w to n req < <(wrk_parse "$RAW/wrk/$label.txt")
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$r" "$t" "$rps" "$p50" "$p99" \
        "$c" "$rd" "$w" "$to" "$n" "$req" "$l1" >>"$RAW/throughput.tsv"
      log "$kind round $r $t: $rps req/s p50 ${p50}ms p99 ${p99}ms errors c/r/w/t $c/$rd/$w/$to non-2xx $n (load $l1)"
      sleep 1
    done
  done
  mem_snapshot "$kind" after_load "${targets[@]}" "${up_names[@]}"

  for t in "${targets[@]:1}"; do stop_group "${PID_OF[$t]}"; done
  for t in "${up_names[@]}" "${kind}_direct"; do stop_group "${PID_OF[$t]}"; done
}

# ---------------------------------------------------------------- phase: kill
phase_kill() {
  local i r p servers=() victim=kill_b1
  log "== kill: 3 Gin upstreams, kill -9 of $victim at t=${KILL_AT}s of a ${KILL_DURATION}s wrk"
  for i in 1 2 3; do
    free_port; start_upstream gin "kill_b$i" "$FREE_PORT"
    servers+=("127.0.0.1:${PORT_OF[kill_b$i]}")
  done
  for r in $(seq "$KILL_ROUNDS"); do
    for p in $KILL_PROXIES; do
      local name="kill_$p" label="kill_r${r}_$p" wpid t0 kill_ms l1 rps p50 p99 c rd w to n req
      start_proxy "$p" "$name" "${servers[@]}" || continue
      sleep "$SETTLE"
      warm "$name" "$(warmup_secs "$p")"
      l1=$(load1)
      t0=$(date +%s%N)
      wrk_run "$label" "http://127.0.0.1:${PORT_OF[$name]}/" "$KILL_DURATION" bg; wpid=$LAST_PID
      sleep "$KILL_AT"
      kill_ms=$((($(date +%s%N) - t0) / 1000000))
      cmdlog "kill -9 ${PID_OF[$victim]}   # $victim, t=${kill_ms}ms into $label"
      kill -9 "${PID_OF[$victim]}"
      wait "${PID_OF[$victim]}" 2>/dev/null || true; forget "${PID_OF[$victim]}"
      wait "$wpid" || true; forget "$wpid"
      echo "# end: $(date -Is)  loadavg: $(cat /proc/loadavg)  kill -9 of $victim at ${kill_ms} ms" >>"$RAW/wrk/$label.txt"
      read -r rps p50 p99 c rd w to n req < <(wrk_parse "$RAW/wrk/$label.txt")
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$p" "$req" "$c" "$rd" "$w" "$to" "$n" \
        "$((c + rd + w + to + n))" "$kill_ms" "$rps" "$l1" >>"$RAW/kill.tsv"
      log "kill round $r $p: $req requests, failed $((c + rd + w + to + n)) (connect $c read $rd write $w timeout $to non-2xx $n)"
      # Same setup for the next proxy: this one goes, the killed upstream comes back on its port.
      stop_group "${PID_OF[$name]}"
      start_upstream gin "$victim" "${PORT_OF[$victim]}"
    done
  done
  for i in 1 2 3; do stop_group "${PID_OF[kill_b$i]}"; done
}

# ---------------------------------------------------------------- main
printf 'upstream\tround\ttarget\trps\tp50_ms\tp99_ms\tconnect\tread\twrite\ttimeout\tnon2xx\trequests\tload1\n' >"$RAW/throughput.tsv"
printf 'upstream\twhen\ttarget\tpid\trss_kb\thwm_kb\tdetail\n' >"$RAW/memory.tsv"
printf 'round\tproxy\trequests\tconnect\tread\twrite\ttimeout\tnon2xx\tfailed\tkill_ms\trps\tload1\n' >"$RAW/kill.tsv"
for ph in $PHASES; do
  case $ph in
    throughput) for kind in $UPSTREAMS; do phase_throughput "$kind"; done ;;
    kill)       phase_kill ;;
    *) log "ERROR: unknown phase $ph (expected: throughput kill)"; exit 2 ;;
  esac
done
echo "nonstop skipped: ${NONSTOP_WHY:-no}" >>"$RAW/env.txt"   # may have changed at start-up
echo "loadavg at end: $(cat /proc/loadavg)" >>"$RAW/env.txt"
python3 "$BENCH/gateway/summarize.py" "$RAW" | tee "$RAW/summary.md"
log "raw outputs: $RAW"
