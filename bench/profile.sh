#!/usr/bin/env bash
# CPU/allocation profile of the hello jar (ACCESS_LOG=off) under `wrk -t1 -c64` with JFR
# (settings=profile), then a summary by bench/jfr_top.py.
#
#   bench/profile.sh              # GET /, 15 s warm-up, 20 s recorded
#   ENDPOINT=/users/42 RECORD=30 bench/profile.sh
#
# Knobs: ENDPOINT (/), WARMUP (15 s of load before the recording starts), RECORD (20 s recorded),
# CONNS (64), HELLO_JAR (default examples/hello/target/hello.jar), JVM_OPTS (bench/run.sh's default), JVM_ENV, ACCESS_LOG (off), OUT (bench/out).
# Output: bench/out/profile-<timestamp>/{hello.jfr,profile.md,wrk.txt}.
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
OUT=${OUT:-$BENCH/out}
ENDPOINT=${ENDPOINT:-/}
WARMUP=${WARMUP:-15}
RECORD=${RECORD:-20}
CONNS=${CONNS:-64}
JVM_OPTS=${JVM_OPTS:-$(sed -n 's/^DEFAULT_JVM_OPTS="\(.*\)"$/\1/p' "$BENCH/run.sh")}
# More CPU samples than settings=profile's default; JDK 25 also records CPU-time samples (native time included).
JFR_EXTRA=${JFR_EXTRA-jdk.ExecutionSample#period=1ms,jdk.CPUTimeSample#enabled=true,jdk.CPUTimeSample#throttle=1ms}
JVM_ENV=${JVM_ENV-$(sed -n 's/^DEFAULT_JVM_ENV="\(.*\)"$/\1/p' "$BENCH/run.sh")}
DIR=$OUT/profile-$(date +%Y%m%dT%H%M%S)
mkdir -p "$DIR"
if [[ -n ${JAVA_HOME:-} && -x ${JAVA_HOME}/bin/java ]]; then J=$JAVA_HOME; else J=$("$ROOT/run" java-home); fi
JAR_SRC=${HELLO_JAR:-$ROOT/examples/hello/target/hello.jar}
[[ -f $JAR_SRC ]] || (cd "$ROOT" && ./run mvn -q -pl examples/hello -am package -DskipTests)
cp "$JAR_SRC" "$DIR/hello.jar"

PORT=""
for p in $(shuf -i 20000-29999 -n 100); do [[ -z $(ss -Htln "sport = :$p") ]] && { PORT=$p; break; }; done
PID=""
cleanup() { [[ -n $PID ]] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

# shellcheck disable=SC2086
env $JVM_ENV PORT="$PORT" ACCESS_LOG="${ACCESS_LOG:-off}" "$J/bin/java" $JVM_OPTS \
  "-XX:StartFlightRecording=delay=${WARMUP}s,duration=${RECORD}s,filename=$DIR/hello.jfr,settings=profile${JFR_EXTRA:+,$JFR_EXTRA}" \
  -jar "$DIR/hello.jar" >"$DIR/hello.out" 2>"$DIR/hello.err" &
PID=$!
for i in $(seq 300); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$PORT/" 2>/dev/null) == 200 ]] && break
  sleep 0.1
done
{ echo "# JVM_OPTS: $JVM_OPTS  JVM_ENV: $JVM_ENV"
  echo "# cmd: wrk -t1 -c$CONNS -d$((WARMUP + RECORD + 2))s --latency http://127.0.0.1:$PORT$ENDPOINT"
  echo "# start: $(date -Is) loadavg: $(cat /proc/loadavg)"; } >"$DIR/wrk.txt"
wrk -t1 -c"$CONNS" -d"$((WARMUP + RECORD + 2))s" --latency "http://127.0.0.1:$PORT$ENDPOINT" >>"$DIR/wrk.txt"
echo "# end: $(date -Is) loadavg: $(cat /proc/loadavg) VmRSS: $(awk '/VmRSS/{print $2}' /proc/$PID/status) kB" >>"$DIR/wrk.txt"
for i in $(seq 100); do [[ -s $DIR/hello.jfr ]] && break; sleep 0.2; done
sleep 1
{ echo "## Profile: GET $ENDPOINT, wrk -t1 -c$CONNS, JFR settings=profile, ${RECORD}s after ${WARMUP}s of load"
  echo; echo '```'; grep -E '^#|Requests/sec|99%' "$DIR/wrk.txt"; echo '```'; echo
  python3 "$BENCH/jfr_top.py" "$DIR/hello.jfr" "$J"; } >"$DIR/profile.md"
cat "$DIR/profile.md"
echo "profile outputs: $DIR" >&2
