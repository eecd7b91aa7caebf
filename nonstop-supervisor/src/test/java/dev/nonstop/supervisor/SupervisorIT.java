package dev.nonstop.supervisor;

import static dev.nonstop.core.InstanceState.BACKOFF;
import static dev.nonstop.core.InstanceState.FATAL;
import static dev.nonstop.core.InstanceState.NOT_READY;
import static dev.nonstop.core.InstanceState.READY;
import static dev.nonstop.core.InstanceState.STARTING;
import static dev.nonstop.core.InstanceState.STOPPED;
import static dev.nonstop.core.InstanceState.STOPPING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.core.DataSize;
import dev.nonstop.core.InstanceEvent;
import dev.nonstop.core.InstanceState;
import dev.nonstop.core.Signal;
import dev.nonstop.supervisor.AppSpec.BackoffSpec;
import dev.nonstop.supervisor.AppSpec.HealthSpec;
import dev.nonstop.supervisor.AppSpec.LogSpec;
import dev.nonstop.supervisor.AppSpec.ProbeSpec;
import dev.nonstop.supervisor.AppSpec.StopSpec;
import dev.nonstop.supervisor.internal.ProcFs;
import dev.nonstop.supervisor.testing.TestProgram;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The supervisor against real child processes: shell one-liners and {@link TestProgram}. */
class SupervisorIT extends RealProcesses {
  @Test
  void crashedInstanceIsRestartedWithBackoff() {
    Supervisor s = run(with(app("crash", sh("exit 3")), Map.of(
        "startretries", -1,
        "backoff", new BackoffSpec(Duration.ofMillis(100), Duration.ofMillis(400), 2.0))));
    await().atMost(Duration.ofSeconds(20)).until(() -> events.to("crash:0", BACKOFF).size() >= 5);
    List<InstanceEvent> backoffs = events.to("crash:0", BACKOFF);
    assertThat(backoffs.get(0).reason()).contains("exited with code 3").contains("next start in 100 ms");
    assertThat(backoffs.get(1).reason()).contains("next start in 200 ms");
    assertThat(backoffs.get(2).reason()).contains("next start in 400 ms");
    assertThat(backoffs.get(3).reason()).contains("next start in 400 ms"); // capped
    // The delay is real: each start comes at least its backoff after the failure before it.
    List<InstanceEvent> starts = events.to("crash:0", STARTING);
    long[] expected = {100, 200, 400, 400};
    for (int i = 0; i < 4; i++) {
      long gap = Duration.between(backoffs.get(i).at(), starts.get(i + 1).at()).toMillis();
      assertThat(gap).as("gap after failure %d%s", i + 1, events).isBetween(expected[i] - 5, expected[i] + 1000);
    }
    assertThat(status(s, "crash:0").state()).isNotEqualTo(FATAL);
  }

  @Test
  void quickFailuresBeyondStartretriesAreFatal() {
    Supervisor s = run(with(app("crash", sh("exit 1")), Map.of(
        "startretries", 2,
        "backoff", new BackoffSpec(Duration.ofMillis(10), Duration.ofMillis(20), 2.0))));
    awaitState(s, "crash:0", FATAL);
    assertThat(events.to("crash:0", STARTING)).hasSize(3); // the first try and 2 retries
    assertThat(events.to("crash:0", FATAL).get(0).reason()).contains("startretries: 2");
    // FATAL stays FATAL: nothing restarts it but a start by hand.
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
        .until(() -> events.to("crash:0", STARTING).size() == 3);
    s.start("crash");
    await().until(() -> events.to("crash:0", STARTING).size() >= 4);
  }

  @Test
  void startretriesMinusOneNeverGivesUp() {
    Supervisor s = run(with(app("crash", sh("exit 1")), Map.of(
        "startretries", -1,
        "backoff", new BackoffSpec(Duration.ofMillis(5), Duration.ofMillis(10), 2.0))));
    await().atMost(Duration.ofSeconds(30)).until(() -> events.to("crash:0", BACKOFF).size() >= 15);
    assertThat(events.to("crash:0", FATAL)).isEmpty();
    // 15 failures: the first start and at least 14 restarts (the 15th may still be in its backoff).
    assertThat(status(s, "crash:0").restarts()).isGreaterThanOrEqualTo(14);
  }

  @Test
  void exitAfterAStableRunRestartsAtOnceAndResetsTheBackoff() {
    run(with(app("flaky", sh("sleep 0.4; exit 1")), Map.of(
        "startsecs", Duration.ofMillis(100),
        "backoff", new BackoffSpec(Duration.ofMillis(50), Duration.ofSeconds(5), 2.0))));
    await().atMost(Duration.ofSeconds(20)).until(() -> events.to("flaky:0", STARTING).size() >= 4);
    assertThat(events.to("flaky:0", BACKOFF)).isEmpty();
    assertThat(events.to("flaky:0", InstanceState.EXITED).get(0).reason()).contains("exited with code 1");
    // At once: each EXITED is followed directly by the next STARTING, with no BACKOFF between.
    assertThat(events.path("flaky:0")).containsSubsequence(
        STARTING, InstanceState.EXITED, STARTING, InstanceState.EXITED, STARTING);
  }

  @Test
  void aQuickFailureAfterReadyStillEndsFatal() {
    // Readiness may pass before startsecs; a crash then is still a quick failure.
    Supervisor s = run(with(app("early", sh("sleep 0.3; exit 1")), Map.of(
        "startsecs", Duration.ofSeconds(5),
        "startretries", 0,
        "health", new HealthSpec(null, new ProbeSpec(null, null, List.of("true"), Duration.ofMillis(50), null, 1, null)))));
    awaitState(s, "early:0", FATAL);
    assertThat(events.path("early:0")).containsExactly(STARTING, READY, InstanceState.EXITED, FATAL);
    assertThat(status(s, "early:0").pid()).isEqualTo(-1);
  }

  @Test
  void aStopDuringAnAutomaticRestartWins() {
    Supervisor s = run(with(app("web", TestProgram.command("ignore-term")), Map.of(
        "port", 0,
        "startsecs", Duration.ofMillis(100),
        "stop", new StopSpec(Signal.TERM, Duration.ofSeconds(2)),
        // tcp to a port nobody listens on: liveness fails once it starts, after the program had
        // time to install its SIGTERM handler
        "health", new HealthSpec(new ProbeSpec(null, true, null, Duration.ofMillis(50), Duration.ofMillis(200), 2,
            Duration.ofSeconds(3)), null))));
    await().untilAsserted(() -> assertThat(Files.readString(dir.resolve("logs/web-0.out.log"))).contains("ignoring SIGTERM"));
    // The liveness restart is under way: STOPPING, and the program ignores SIGTERM for 2 s.
    await().atMost(Duration.ofSeconds(20)).until(() -> !events.to("web:0", STOPPING).isEmpty());
    s.stop("web");
    assertThat(status(s, "web:0").state()).isEqualTo(STOPPED);
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
        .until(() -> status(s, "web:0").state() == STOPPED);
    assertThat(events.to("web:0", STARTING)).hasSize(1);
  }

  @Test
  void aStopGivesTheWholeGroupItsTimeoutNotJustTheLeader() throws IOException {
    // The leader (a shell that does not exec) dies at once on TERM; its child takes 1 s to finish.
    Path done = dir.resolve("child-finished");
    String child = "trap 'sleep 1; touch " + done + "; exit 0' TERM; while :; do sleep 0.05; done";
    Supervisor s = run(with(app("wrapper", sh("sh -c \"" + child + "\" & wait")), Map.of(
        "startsecs", Duration.ofMillis(100),
        "stop", new StopSpec(Signal.TERM, Duration.ofSeconds(10)))));
    awaitState(s, "wrapper:0", READY);
    await().until(() -> ProcessHandle.of(status(s, "wrapper:0").pid()).map(h -> h.descendants().count() >= 1).orElse(false));
    s.stop("wrapper");
    assertThat(done).exists();
    assertThat(events.to("wrapper:0", STOPPED).get(0).reason()).startsWith("stopped by SIGTERM in ");
  }

  @Test
  void aStoppedProcessGetsSigcontWithItsStopSignalAndExitsOnItWithoutWaitingForSigkill() throws Exception {
    Supervisor s = run(with(app("frozen", sh("trap 'exit 0' TERM; while :; do sleep 0.05; done")), Map.of(
        "startsecs", Duration.ofMillis(100),
        "stop", new StopSpec(Signal.TERM, Duration.ofSeconds(20)))));
    awaitState(s, "frozen:0", READY);
    long pid = status(s, "frozen:0").pid();
    new ProcessBuilder("kill", "-STOP", "--", "-" + pid).start().waitFor(); // a hung instance: the whole group stopped
    long t0 = System.nanoTime();
    s.stop("frozen");
    assertThat(java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(10);
    assertThat(events.to("frozen:0", STOPPED).get(0).reason()).startsWith("stopped by SIGTERM in ");
  }

  @Test
  void programIgnoringSigtermIsKilledAfterTheTimeout() {
    Supervisor s = run(with(app("stubborn", TestProgram.command("ignore-term")), Map.of(
        "startsecs", Duration.ofMillis(100),
        "stop", new StopSpec(Signal.TERM, Duration.ofMillis(700)))));
    awaitState(s, "stubborn:0", READY);
    long pid = status(s, "stubborn:0").pid();
    await().untilAsserted(() -> assertThat(Files.readString(dir.resolve("logs/stubborn-0.out.log"))).contains("ignoring SIGTERM"));
    long t0 = System.nanoTime();
    s.stop("stubborn");
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(tookMs).isBetween(650L, 5000L);
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(events.to("stubborn:0", STOPPED).get(0).reason()).contains("SIGKILL");
    assertThat(Files.exists(dir.resolve("logs/stubborn-0.out.log"))).isTrue();
  }

  @Test
  void stopLeavesNoGrandchildBehindEvenOneInItsOwnSession() throws IOException {
    Supervisor s = run(with(app("parent", TestProgram.command("spawn")), Map.of("startsecs", Duration.ofMillis(100))));
    Path out = dir.resolve("logs/parent-0.out.log");
    await().untilAsserted(() -> assertThat(Files.readString(out)).contains("children "));
    long[] kids = Arrays.stream(Files.readString(out).lines().filter(l -> l.startsWith("children "))
        .findFirst().orElseThrow().substring(9).trim().split(" ")).mapToLong(Long::parseLong).toArray();
    long pid = status(s, "parent:0").pid();
    assertThat(ProcFs.processGroup(kids[0])).hasValue((int) pid); // in the instance's group
    assertThat(ProcFs.processGroup(kids[1]).getAsInt()).isNotEqualTo((int) pid); // escaped it
    s.stop("parent");
    for (long k : new long[] {pid, kids[0], kids[1]}) {
      await().untilAsserted(() -> assertThat(ProcessHandle.of(k).map(ProcessHandle::isAlive).orElse(false)).as("pid %d", k).isFalse());
    }
  }

  @Test
  void aCrashTakesTheInstancesProcessGroupWithIt() throws IOException {
    Supervisor s = run(with(app("crashy", sh("sleep 1000 & echo child $!; sleep 0.5; exit 1")), Map.of(
        "startsecs", Duration.ofMillis(100), "autorestart", AppSpec.Autorestart.NEVER)));
    Path out = dir.resolve("logs/crashy-0.out.log");
    await().untilAsserted(() -> assertThat(Files.readString(out)).contains("child "));
    long child = Long.parseLong(Files.readString(out).lines().findFirst().orElseThrow().substring(6).trim());
    awaitState(s, "crashy:0", InstanceState.EXITED);
    await().untilAsserted(() -> assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false)).isFalse());
  }

  @Test
  void livenessFailuresRestartTheInstance() throws IOException {
    Path live = dir.resolve("live");
    AppSpec a = with(app("web", TestProgram.command("serve")), Map.of(
        "port", 0,
        "env", Map.of("LIVE_FILE", live.toString()),
        "startsecs", Duration.ofMillis(100),
        "health", new HealthSpec(new ProbeSpec("/healthz", null, null, Duration.ofMillis(100), Duration.ofMillis(500), 3, null), null)));
    Supervisor s = run(a);
    awaitState(s, "web:0", READY);
    long pid = status(s, "web:0").pid();
    await().untilAsserted(() -> assertThat(get(status(s, "web:0").port(), "/")).isEqualTo(200));
    Files.writeString(live, "fail");
    await().atMost(Duration.ofSeconds(20)).until(() -> !events.to("web:0", STOPPING).isEmpty());
    assertThat(events.to("web:0", STOPPING).get(0).reason()).contains("liveness http GET /healthz failed 3 times in a row: GET /healthz -> 500");
    Files.writeString(live, "ok");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      InstanceStatus st = status(s, "web:0");
      assertThat(st.state()).isEqualTo(READY);
      assertThat(st.pid()).isNotEqualTo(pid);
      assertThat(st.restarts()).isGreaterThanOrEqualTo(1);
    });
  }

  @Test
  void repeatedLivenessRestartsBackOff() {
    // Nothing listens on the port: liveness fails every time, right from the start (initial_delay
    // set: no boot grace).
    Supervisor s = run(with(app("dead", sh("exec sleep 1000")), Map.of(
        "port", 0,
        "startsecs", Duration.ofMillis(10),
        "backoff", new BackoffSpec(Duration.ofMillis(100), Duration.ofSeconds(10), 2.0),
        "health", new HealthSpec(new ProbeSpec(null, true, null, Duration.ofMillis(20), Duration.ofMillis(200), 1,
            Duration.ofMillis(1)), null))));
    await().atMost(Duration.ofSeconds(20)).until(() -> events.to("dead:0", BACKOFF).size() >= 2);
    List<InstanceEvent> backoffs = events.to("dead:0", BACKOFF);
    assertThat(backoffs.get(0).reason()).contains("liveness tcp failed").contains("automatic restart 2 in a row, next start in 100 ms");
    assertThat(backoffs.get(1).reason()).contains("automatic restart 3 in a row, next start in 200 ms");
    // The first automatic restart went at once: STOPPED, then STARTING with no BACKOFF between.
    assertThat(events.path("dead:0").stream().filter(st -> st != READY))
        .startsWith(STARTING, STOPPING, STOPPED, STARTING, STOPPING, STOPPED, BACKOFF, STARTING);
    assertThat(status(s, "dead:0").state()).isNotEqualTo(FATAL);
  }

  @Test
  void aLivenessProbeThatNeverPassedGetsABootGraceWithoutInitialDelay() {
    // Nothing listens on the port: without initial_delay these failures are a boot, not a hang.
    Supervisor s = run(with(app("slow", sh("exec sleep 1000")), Map.of(
        "port", 0,
        "startsecs", Duration.ofMillis(10),
        "health", new HealthSpec(new ProbeSpec(null, true, null, Duration.ofMillis(20), Duration.ofMillis(200), 1, null), null))));
    await().atMost(Duration.ofSeconds(5)).until(() -> status(s, "slow:0").state().hasProcess());
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> events.to("slow:0", STOPPING).isEmpty());
  }

  @Test
  void anInstanceThatTakesHundredsOfReadinessChecksToGetReadyStillGetsThere() throws IOException {
    // The quick first checks double their interval up to a cap; past 63 doublings they once
    // overflowed Duration and ended the probe thread, so a slow boot never became READY.
    Path ready = Files.writeString(dir.resolve("ready"), "fail");
    Supervisor s = run(with(app("slow", TestProgram.command("serve")), Map.of(
        "port", 0,
        "startsecs", Duration.ofMillis(10),
        "env", Map.of("READY_FILE", ready.toString()),
        "health", new HealthSpec(null, new ProbeSpec("/readyz", null, null, Duration.ofMillis(5), Duration.ofSeconds(1), 1, null)))));
    await().atMost(Duration.ofSeconds(20)).until(() -> status(s, "slow:0").state() == InstanceState.RUNNING);
    await().atMost(Duration.ofSeconds(20)).until(() -> readinessChecks(s) > 200);
    Files.writeString(ready, "ok");
    awaitState(s, "slow:0", READY);
  }

  private int readinessChecks(Supervisor s) {
    // At most 5 ms apart once capped: the time spent RUNNING bounds the number of checks from below.
    return (int) (java.time.Duration.between(status(s, "slow:0").since(), java.time.Instant.now()).toMillis() / 5);
  }

  @Test
  void readinessFlipsReadyAndNotReadyWithoutARestart() throws IOException {
    Path ready = dir.resolve("ready");
    Files.writeString(ready, "fail");
    Supervisor s = run(with(app("web", TestProgram.command("serve")), Map.of(
        "port", 0,
        "env", Map.of("READY_FILE", ready.toString()),
        "startsecs", Duration.ofMillis(100),
        "health", new HealthSpec(null, new ProbeSpec("/readyz", null, null, Duration.ofMillis(100), Duration.ofMillis(500), 1, null)))));
    awaitState(s, "web:0", InstanceState.RUNNING); // up, but not ready yet
    long pid = status(s, "web:0").pid();
    Files.writeString(ready, "ok");
    awaitState(s, "web:0", READY);
    Files.writeString(ready, "fail");
    awaitState(s, "web:0", NOT_READY);
    Files.writeString(ready, "ok");
    awaitState(s, "web:0", READY);
    assertThat(status(s, "web:0").pid()).isEqualTo(pid);
    assertThat(status(s, "web:0").restarts()).isZero();
    assertThat(events.path("web:0")).containsExactly(STARTING, InstanceState.RUNNING, READY, NOT_READY, READY);
    assertThat(events.to("web:0", NOT_READY).get(0).reason()).contains("GET /readyz -> 500");
  }

  @Test
  void logsRotateKeepingNFiles() throws IOException {
    Path logs = dir.resolve("logs");
    run(with(app("chatty", sh("i=0; while [ $i -lt 3000 ]; do echo line-$i-0123456789abcdefghijklmnopqrstuvwxyz; i=$((i+1)); done; echo done; exec sleep 1000")), Map.of(
        "startsecs", Duration.ofMillis(100),
        "logs", new LogSpec(logs, new DataSize(16 * 1024), 2))));
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(Files.readString(logs.resolve("chatty-0.out.log"))).contains("done"));
    try (Stream<Path> files = Files.list(logs)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("chatty-0.out")).sorted())
          .containsExactly("chatty-0.out.log", "chatty-0.out.log.1", "chatty-0.out.log.2");
    }
    // Within max_size, but for the rest of a line that one pipe read cut in two.
    assertThat(Files.size(logs.resolve("chatty-0.out.log.1"))).isLessThanOrEqualTo(16 * 1024 + 48);
    assertThat(Files.readString(logs.resolve("chatty-0.out.log.1"))).doesNotContain("line-0-"); // oldest dropped
  }

  @Test
  void instanceAboveMaxMemoryIsRestarted() {
    Supervisor s = run(with(app("hog", TestProgram.command("hog", "160")), Map.of(
        "startsecs", Duration.ofMillis(100),
        "max_memory", DataSize.ofMiB(120))));
    awaitState(s, "hog:0", READY);
    long pid = status(s, "hog:0").pid();
    await().atMost(Duration.ofSeconds(30)).until(() -> !events.to("hog:0", STOPPING).isEmpty());
    assertThat(events.to("hog:0", STOPPING).get(0).reason()).contains("above max_memory 120MiB for 2 samples");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(status(s, "hog:0").pid()).isNotIn(-1L, pid));
  }

  @Test
  void dependentsStartAfterTheirDependenciesAreReadyAndStopBeforeThem() throws IOException {
    Path flag = dir.resolve("db-ready");
    AppSpec db = with(app("db", sh("exec sleep 1000")), Map.of(
        "startsecs", Duration.ofMillis(100),
        "health", new HealthSpec(null, new ProbeSpec(null, null, List.of("test", "-f", flag.toString()), Duration.ofMillis(100), null, 1, null))));
    AppSpec web = with(app("web", sh("exec sleep 1000")), Map.of("startsecs", Duration.ofMillis(100), "depends_on", List.of("db")));
    Supervisor s = run(web, db);
    awaitState(s, "db:0", InstanceState.RUNNING);
    assertThat(status(s, "web:0").state()).isEqualTo(STOPPED);
    Files.createFile(flag);
    awaitState(s, "web:0", READY);
    assertThat(events.to("db:0", READY).get(0).at()).isBeforeOrEqualTo(events.to("web:0", STARTING).get(0).at());
    s.stop();
    List<InstanceEvent> stops = events.all().stream().filter(e -> e.to() == STOPPED).toList();
    assertThat(stops).extracting(e -> e.id().app()).containsExactly("web", "db");
  }

  @Test
  void instancesGetTheirOwnPortsAndAnswerOnThem() throws Exception {
    Supervisor s = run(with(app("web", TestProgram.command("serve")), Map.of(
        "port", 0, "instances", 2, "startsecs", Duration.ofMillis(100),
        "health", new HealthSpec(null, ProbeSpec.http("/readyz")))));
    awaitState(s, "web:0", READY);
    awaitState(s, "web:1", READY);
    int p0 = status(s, "web:0").port();
    int p1 = status(s, "web:1").port();
    assertThat(p0).isNotEqualTo(p1).isPositive();
    assertThat(get(p0, "/")).isEqualTo(200);
    assertThat(get(p1, "/")).isEqualTo(200);
    assertThat(Files.readString(dir.resolve("logs/web-1.err.log"))).contains("a line on stderr");
  }

  @Test
  void httpProbesIdentifyThemselvesAndTakeRedirectsAsSuccess() {
    Supervisor s = run(
        with(app("ua", TestProgram.command("serve")), Map.of("port", 0, "startsecs", Duration.ofMillis(100),
            "health", new HealthSpec(null, ProbeSpec.http("/probe-only")))),
        with(app("moved", TestProgram.command("serve")), Map.of("port", 0, "startsecs", Duration.ofMillis(100),
            "health", new HealthSpec(null, ProbeSpec.http("/moved")))),
        with(app("tcp", TestProgram.command("serve")), Map.of("port", 0, "startsecs", Duration.ofMillis(100),
            "health", new HealthSpec(null, new ProbeSpec(null, true, null, null, null, null, null)))));
    awaitState(s, "ua:0", READY);
    awaitState(s, "moved:0", READY);
    awaitState(s, "tcp:0", READY);
    assertThat(events.to("ua:0", READY).get(0).reason()).contains("GET /probe-only -> 200");
    assertThat(events.to("moved:0", READY).get(0).reason()).contains("GET /moved -> 302");
    assertThat(events.to("tcp:0", READY).get(0).reason()).contains("readiness tcp passed");
  }

  @Test
  void restartOfAnAppGoesOneInstanceAtATimeEachReadyBeforeTheNext() {
    Supervisor s = run(with(app("web", TestProgram.command("serve")), Map.of(
        "port", 0, "instances", 2, "startsecs", Duration.ofMillis(100),
        "health", new HealthSpec(null, ProbeSpec.http("/readyz")))));
    awaitState(s, "web:0", READY);
    awaitState(s, "web:1", READY);
    s.restart("web");
    InstanceEvent web0Ready = events.to("web:0", READY).get(1); // READY again after its restart
    InstanceEvent web1Stopping = events.to("web:1", STOPPING).get(0);
    assertThat(web0Ready.at()).isBefore(web1Stopping.at());
    assertThat(status(s, "web:0").state()).isEqualTo(READY);
    assertThat(status(s, "web:1").state()).isEqualTo(READY); // restart returns once the last is READY
  }

  @Test
  void aCommandThatCannotStartIsAQuickFailure() {
    Supervisor s = run(with(app("missing", List.of(dir.resolve("no-such-program").toString())), Map.of(
        "startretries", 1, "backoff", new BackoffSpec(Duration.ofMillis(10), Duration.ofMillis(10), 1.0))));
    awaitState(s, "missing:0", FATAL);
    assertThat(events.to("missing:0", BACKOFF).get(0).reason()).contains("could not start");
  }
}
