package dev.nonstop.supervisor;

import static dev.nonstop.core.InstanceState.DRAINING;
import static dev.nonstop.core.InstanceState.EXITED;
import static dev.nonstop.core.InstanceState.READY;
import static dev.nonstop.core.InstanceState.RUNNING;
import static dev.nonstop.core.InstanceState.STARTING;
import static dev.nonstop.core.InstanceState.STOPPED;
import static dev.nonstop.core.InstanceState.STOPPING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nonstop.core.InstanceEvent;
import dev.nonstop.core.Signal;
import dev.nonstop.supervisor.AppSpec.HealthSpec;
import dev.nonstop.supervisor.AppSpec.ProbeSpec;
import dev.nonstop.supervisor.AppSpec.StopSpec;
import dev.nonstop.supervisor.testing.TestProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** "Deregister, drain, stop": a stop with a {@link Drainer}, against real processes. */
class DrainIT extends RealProcesses {
  private AppSpec web(Duration drain) {
    return with(app("web", TestProgram.command("serve")), Map.of(
        "port", 0,
        "startsecs", Duration.ofMillis(100),
        "stop", new StopSpec(Signal.TERM, Duration.ofSeconds(10), drain)));
  }

  /**
   * {@link #web} with probes every 50 ms that act on the first failure: liveness fails once
   * {@code live} says "fail" (an exec probe, so that it passes while the JVM boots), readiness once
   * {@code ready} does.
   */
  private AppSpec probedWeb(Path live, Path ready) {
    Duration period = Duration.ofMillis(50);
    return with(web(null), Map.of(
        "env", Map.of("READY_FILE", ready.toString()),
        "health", new HealthSpec(
            new ProbeSpec(null, null, sh("! grep -q fail " + live), period, Duration.ofSeconds(1), 1, null),
            new ProbeSpec("/readyz", null, null, period, Duration.ofSeconds(1), 1, null))));
  }

  private static CompletableFuture<Void> inBackground(Runnable r) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try {
        r.run();
        f.complete(null);
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    });
    return f;
  }

  @Test
  void aStopDrainsFirstAndSignalsOnlyOnceTheDrainerIsDone() throws Exception {
    Path live = dir.resolve("live");
    Path ready = dir.resolve("ready");
    Supervisor s = create(probedWeb(live, ready));
    CompletableFuture<Void> drained = new CompletableFuture<>();
    List<InstanceEvent> asked = new CopyOnWriteArrayList<>();
    s.drainWith(e -> {
      asked.add(e);
      return drained;
    });
    s.start();
    awaitState(s, "web:0", READY);
    InstanceStatus before = status(s, "web:0");

    CompletableFuture<Void> stop = inBackground(() -> s.stop("web"));
    await().untilAsserted(() -> assertThat(asked).hasSize(1));
    InstanceEvent e = asked.get(0);
    assertThat(e.to()).isEqualTo(DRAINING);
    assertThat(e.pid()).isEqualTo(before.pid());
    assertThat(e.port()).isEqualTo(before.port());
    // Probes no longer act on a draining instance: failing ones neither restart it nor flip it.
    Files.writeString(live, "fail");
    Files.writeString(ready, "fail");
    // While the drainer is pending: no signal, the process keeps running (and serving).
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
      assertThat(status(s, "web:0").state()).isEqualTo(DRAINING);
      assertThat(alive(before.pid())).isTrue();
      assertThat(events.to("web:0", STOPPING)).isEmpty();
    });
    assertThat(get(before.port(), "/")).isEqualTo(200);
    assertThat(stop).isNotDone();

    drained.complete(null);
    stop.get(20, TimeUnit.SECONDS);
    // (RUNNING or not: readiness may pass before startsecs.)
    assertThat(events.path("web:0").stream().filter(st -> st != RUNNING))
        .containsExactly(STARTING, READY, DRAINING, STOPPING, STOPPED);
    assertThat(events.to("web:0", STOPPING).get(0).reason()).startsWith("stop requested; drained in ");
    assertThat(alive(before.pid())).isFalse();
  }

  @Test
  void aDrainThatTakesTooLongEndsAfterStopDrain() throws Exception {
    Supervisor s = create(web(Duration.ofMillis(400)));
    s.drainWith(e -> new CompletableFuture<>()); // never done
    s.start();
    awaitState(s, "web:0", READY);
    long pid = status(s, "web:0").pid();
    long t0 = System.nanoTime();
    s.stop("web");
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(tookMs).isBetween(400L, 10_000L);
    assertThat(events.path("web:0")).containsExactly(STARTING, READY, DRAINING, STOPPING, STOPPED);
    assertThat(events.to("web:0", STOPPING).get(0).reason()).contains("drain not finished after 400 ms");
    assertThat(alive(pid)).isFalse();
  }

  @Test
  void stopDrainZeroTellsTheDrainerButDoesNotWait() {
    Supervisor s = create(web(Duration.ZERO));
    List<InstanceEvent> asked = new CopyOnWriteArrayList<>();
    s.drainWith(e -> {
      asked.add(e);
      return new CompletableFuture<>();
    });
    s.start();
    awaitState(s, "web:0", READY);
    s.stop("web");
    assertThat(asked).hasSize(1);
    assertThat(events.path("web:0")).containsExactly(STARTING, READY, DRAINING, STOPPING, STOPPED);
  }

  @Test
  void withoutADrainerAStopGoesStraightToStopping() {
    Supervisor s = run(web(null));
    awaitState(s, "web:0", READY);
    s.stop("web");
    assertThat(events.path("web:0")).containsExactly(STARTING, READY, STOPPING, STOPPED);
  }

  @Test
  void aRestartDrainsTheOldProcessThenStartsANewOne() {
    Supervisor s = create(web(null));
    s.drainWith(e -> CompletableFuture.completedFuture(null));
    s.start();
    awaitState(s, "web:0", READY);
    long pid = status(s, "web:0").pid();
    s.restart("web");
    assertThat(events.path("web:0")).containsExactly(STARTING, READY, DRAINING, STOPPING, STOPPED, STARTING, READY);
    assertThat(status(s, "web:0").pid()).isNotEqualTo(pid);
  }

  @Test
  void aProcessThatDiesWhileDrainingForAStopStaysDown() throws Exception {
    Supervisor s = create(web(null));
    s.drainWith(e -> new CompletableFuture<>());
    s.start();
    awaitState(s, "web:0", READY);
    long pid = status(s, "web:0").pid();
    CompletableFuture<Void> stop = inBackground(() -> s.stop("web"));
    awaitState(s, "web:0", DRAINING);
    ProcessHandle.of(pid).orElseThrow().destroy();
    // The stop returns when the process is gone, not after stop.drain (30 s).
    stop.get(10, TimeUnit.SECONDS);
    assertThat(events.path("web:0")).containsExactly(STARTING, READY, DRAINING, EXITED, STOPPED);
    assertThat(events.to("web:0", EXITED).get(0).reason()).contains("while draining");
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
        .until(() -> events.to("web:0", STARTING).size() == 1);
  }

  @Test
  void theDrainerIsSetBeforeStart() {
    Supervisor s = run(app("idle", sh("exec sleep 1000")));
    assertThatThrownBy(() -> s.drainWith(e -> CompletableFuture.completedFuture(null)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("drainWith: the supervisor has started (expected: before start())");
  }
}
