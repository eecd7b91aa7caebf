package dev.nonstop.supervisor;

import static dev.nonstop.core.InstanceState.DRAINING;
import static dev.nonstop.core.InstanceState.READY;
import static dev.nonstop.core.InstanceState.STARTING;
import static dev.nonstop.core.InstanceState.STOPPED;
import static dev.nonstop.core.InstanceState.STOPPING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nonstop.core.InstanceEvent;
import dev.nonstop.core.InstanceListener;
import dev.nonstop.core.InstanceState;
import dev.nonstop.supervisor.AppSpec.HealthSpec;
import dev.nonstop.supervisor.AppSpec.ProbeSpec;
import dev.nonstop.supervisor.AppSpec.RolloutSpec;
import dev.nonstop.supervisor.InstanceStatus.Role;
import dev.nonstop.supervisor.RolloutResult.Outcome;
import dev.nonstop.supervisor.RolloutResult.SlotResult;
import dev.nonstop.supervisor.testing.TestProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/** Rolling reloads against real processes: {@link Supervisor#reload}. */
class ReloadIT extends RealProcesses {
  /** {@code n} HTTP instances on free ports, READY when {@code /readyz} answers 200. */
  private AppSpec hello(int n, Path readyFile) {
    return with(app("hello", TestProgram.command("serve")), Map.of(
        "port", 0,
        "instances", n,
        "startsecs", Duration.ofMillis(100),
        "env", Map.of("READY_FILE", readyFile.toString()),
        "health", new HealthSpec(null, new ProbeSpec("/readyz", null, null, Duration.ofMillis(200), Duration.ofSeconds(1), 3, null))));
  }

  /** A started supervisor whose drainer says "drained" at once, with all of {@code app}'s instances READY. */
  private Supervisor runReady(AppSpec app, ReadyCount count) {
    Supervisor s = create(app);
    s.drainWith(e -> CompletableFuture.completedFuture(null));
    if (count != null) {
      s.subscribe(count);
    }
    s.start();
    for (int i = 0; i < app.instances(); i++) {
      awaitState(s, "hello:" + i, READY);
    }
    return s;
  }

  /**
   * READY processes (instance and port: a reload's old and new process of one slot are two) after
   * every event, and the fewest seen since {@link #watch}.
   */
  private static final class ReadyCount implements InstanceListener {
    private final Map<String, InstanceState> byProcess = new HashMap<>();
    private boolean watching;
    private long min = Long.MAX_VALUE;

    @Override
    public synchronized void onEvent(InstanceEvent e) {
      byProcess.put(e.id() + "@" + e.port(), e.to());
      if (watching) {
        min = Math.min(min, byProcess.values().stream().filter(s -> s == READY).count());
      }
    }

    synchronized void watch() {
      watching = true;
    }

    synchronized long min() {
      return min;
    }
  }

  /** {@code lines} has lines starting with each of {@code prefixes}, in that order. */
  private static void assertLinesInOrder(List<String> lines, String... prefixes) {
    int at = 0;
    for (String p : prefixes) {
      while (at < lines.size() && !lines.get(at).startsWith(p)) {
        at++;
      }
      assertThat(at).as("a line starting with '%s' after the previous one in %s", p, lines).isLessThan(lines.size());
      at++;
    }
  }

  private List<InstanceEvent> eventsOf(String id, int port) {
    return events.all().stream().filter(e -> e.id().toString().equals(id) && e.port() == port).toList();
  }

  @Test
  void reloadReplacesEverySlotWithoutEverHavingFewerThanAllReady() throws Exception {
    Path ready = Files.writeString(dir.resolve("ready"), "ok");
    ReadyCount count = new ReadyCount();
    AppSpec old = hello(3, ready);
    Supervisor s = runReady(old, count);
    List<InstanceStatus> before = List.of(status(s, "hello:0"), status(s, "hello:1"), status(s, "hello:2"));
    Set<Long> oldPids = before.stream().map(InstanceStatus::pid).collect(Collectors.toSet());
    Set<Integer> oldPorts = before.stream().map(InstanceStatus::port).collect(Collectors.toSet());
    count.watch();

    AppSpec next = old.withEnv(Map.of("READY_FILE", ready.toString(), "VERSION", "2"));
    List<String> lines = new CopyOnWriteArrayList<>();
    RolloutResult r = s.reload("hello", next, lines::add);

    assertThat(r.ok()).as(r.message()).isTrue();
    assertThat(r.message()).startsWith("reload of hello done: 3 instances replaced in ");
    assertThat(r.slots()).extracting(SlotResult::outcome).containsOnly(Outcome.REPLACED);
    assertThat(count.min()).as("fewest READY during the reload%s", events).isGreaterThanOrEqualTo(3);
    List<InstanceStatus> after = s.status();
    assertThat(after).hasSize(3).allSatisfy(st -> {
      assertThat(st.role()).isEqualTo(Role.CURRENT);
      assertThat(st.state()).isEqualTo(READY);
      assertThat(st.pid()).isNotIn(oldPids);
      assertThat(st.port()).isNotIn(oldPorts);
    });
    assertThat(after.stream().map(InstanceStatus::port).distinct()).hasSize(3);
    for (int i = 0; i < 3; i++) {
      InstanceStatus was = before.get(i);
      InstanceStatus now = after.get(i);
      String id = "hello:" + i;
      assertThat(r.slots().get(i)).isEqualTo(new SlotResult(was.id(), Outcome.REPLACED, was.pid(), now.pid(),
          now.port(), r.slots().get(i).detail()));
      // The old process left through the drain; the new one was READY before the old one drained.
      assertThat(eventsOf(id, was.port())).extracting(InstanceEvent::to).endsWith(READY, DRAINING, STOPPING, STOPPED);
      assertThat(events.to(id, READY).stream().filter(e -> e.port() == now.port()).findFirst().orElseThrow().at())
          .isBeforeOrEqualTo(events.to(id, DRAINING).get(0).at());
      assertThat(alive(was.pid())).isFalse();
      assertThat(get(now.port(), "/")).isEqualTo(200);
      assertLinesInOrder(lines,
          id + ": starting new instance on port " + now.port(),
          id + ": new instance READY in ",
          id + ": draining old instance (pid " + was.pid() + ", port " + was.port() + ")",
          id + ": old instance stopped");
      // Both processes wrote to the slot's one log file.
      assertThat(Files.readString(dir.resolve("logs/hello-" + i + ".out.log")))
          .contains("serving on " + was.port()).contains("serving on " + now.port());
    }
    assertThat(lines.get(lines.size() - 1)).isEqualTo(r.message());
    assertThat(s.apps()).containsExactly(next);
    // The slot's meters follow the new process.
    assertThat(meters.get("nonstop.supervisor.instance.ready").tags("app", "hello", "index", "0").gauge().value()).isEqualTo(1.0);
    assertThat(meters.get("nonstop.supervisor.instance.restarts").tags("app", "hello", "index", "0").functionCounter().count())
        .as("a reload counts as a restart of the slot, and never sets the counter back").isEqualTo(1.0);
  }

  @Test
  void aReloadWhoseNewInstancesNeverGetReadyLeavesTheOldOnesAlone() throws Exception {
    Path ready = Files.writeString(dir.resolve("ready"), "ok");
    Path never = Files.writeString(dir.resolve("never-ready"), "fail");
    AppSpec old = hello(3, ready);
    Supervisor s = runReady(old, null);
    List<InstanceStatus> before = s.status();
    Set<Integer> oldPorts = before.stream().map(InstanceStatus::port).collect(Collectors.toSet());

    AppSpec broken = old.withEnv(Map.of("READY_FILE", never.toString()))
        .withRollout(new RolloutSpec(1, 0, Duration.ofSeconds(2)));
    List<String> lines = new CopyOnWriteArrayList<>();
    RolloutResult r = s.reload("hello", broken, lines::add);

    assertThat(r.ok()).isFalse();
    assertThat(r.message()).startsWith("hello:0: new instance not READY within 2s (last state RUNNING: ")
        .endsWith("; 0 of 3 instances replaced");
    assertThat(r.slots()).extracting(SlotResult::outcome).containsExactly(Outcome.FAILED, Outcome.SKIPPED, Outcome.SKIPPED);
    assertThat(lines.get(lines.size() - 1)).isEqualTo("reload of hello failed: " + r.message());
    // The old instances: the same processes, READY, alone in their slots.
    assertThat(s.status()).extracting(InstanceStatus::pid).containsExactlyElementsOf(before.stream().map(InstanceStatus::pid).toList());
    assertThat(s.status()).allSatisfy(st -> {
      assertThat(st.state()).isEqualTo(READY);
      assertThat(st.role()).isEqualTo(Role.CURRENT);
    });
    assertThat(events.all()).noneMatch(e -> oldPorts.contains(e.port()) && e.to() == DRAINING);
    // No new process is left running.
    List<Long> newPids = events.all().stream().filter(e -> e.to() == STARTING && !oldPorts.contains(e.port()))
        .map(InstanceEvent::pid).toList();
    assertThat(newPids).hasSize(1).allSatisfy(pid -> assertThat(alive(pid)).isFalse());
    assertThat(r.slots().get(0).newPid()).isEqualTo(newPids.get(0));
    assertThat(s.apps()).containsExactly(old);
  }

  @Test
  void withMaxSurgeZeroEachOldInstanceMakesRoomForItsReplacement() {
    Path ready = dir.resolve("ready");
    ReadyCount count = new ReadyCount();
    AppSpec old = hello(2, ready).withRollout(new RolloutSpec(0, 1, null));
    Supervisor s = runReady(old, count);
    List<InstanceStatus> before = s.status();
    count.watch();

    List<String> lines = new CopyOnWriteArrayList<>();
    RolloutResult r = s.reload("hello", null, lines::add);

    assertThat(r.ok()).as(r.message()).isTrue();
    assertThat(count.min()).isGreaterThanOrEqualTo(1);
    for (int i = 0; i < 2; i++) {
      InstanceStatus was = before.get(i);
      InstanceStatus now = status(s, "hello:" + i);
      assertThat(now.pid()).isNotEqualTo(was.pid());
      assertThat(now.state()).isEqualTo(READY);
      // Stopped first, then replaced.
      InstanceEvent oldStopped = eventsOf("hello:" + i, was.port()).stream().filter(e -> e.to() == STOPPED).findFirst().orElseThrow();
      InstanceEvent newStarted = eventsOf("hello:" + i, now.port()).get(0);
      assertThat(newStarted.to()).isEqualTo(STARTING);
      assertThat(oldStopped.at()).isBeforeOrEqualTo(newStarted.at());
      assertLinesInOrder(lines, "hello:" + i + ": draining old instance (pid " + was.pid(), "hello:" + i + ": old instance stopped",
          "hello:" + i + ": starting new instance on port " + now.port());
    }
  }

  @Test
  void anAppOnAFixedPortIsReloadedInPlaceAndKeepsItsPort() throws Exception {
    Path ready = dir.resolve("ready");
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    AppSpec old = with(hello(1, ready), Map.of("port", port)).withRollout(null); // no rollout block: the default for the port
    assertThat(old.rollout()).isEqualTo(RolloutSpec.IN_PLACE);
    Supervisor s = runReady(old, null);
    long pid = status(s, "hello:0").pid();

    RolloutResult r = s.reload("hello", null, line -> { });

    assertThat(r.ok()).as(r.message()).isTrue();
    InstanceStatus now = status(s, "hello:0");
    assertThat(now.pid()).isNotEqualTo(pid);
    assertThat(now.port()).isEqualTo(port);
    assertThat(get(port, "/")).isEqualTo(200);
  }

  @Test
  void anInPlaceReloadWhosePortIsStillTakenFailsAndKeepsThePortInsteadOfMovingElsewhere() throws Exception {
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    // A program that does not bind its port, so that this test can hold it as a stray process would.
    AppSpec app = with(app("hello", sh("exec sleep 600")), Map.of("port", port, "startsecs", Duration.ofMillis(100)))
        .withRollout(null); // the default for a fixed port: in place
    Supervisor s = runReady(app, null);
    long pid = status(s, "hello:0").pid();
    List<String> lines = new CopyOnWriteArrayList<>();

    RolloutResult r;
    try (java.net.ServerSocket stray = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
      r = s.reload("hello", null, lines::add);
    }

    assertThat(r.ok()).isFalse();
    assertThat(r.message()).startsWith("hello:0: port " + port + " is still in use 5s after the old instance stopped");
    assertThat(lines).anyMatch(l -> l.startsWith("hello:0: cannot start new instance: port " + port));
    assertThat(lines).anyMatch(l -> l.startsWith("hello:0: old instance READY again"));
    InstanceStatus back = status(s, "hello:0");
    assertThat(back.state()).isEqualTo(READY);
    assertThat(back.pid()).isNotEqualTo(pid);
    assertThat(back.port()).isEqualTo(port);
    assertThat(s.status()).hasSize(1);

    RolloutResult again = s.reload("hello", null, line -> { });
    assertThat(again.ok()).as(again.message()).isTrue();
    assertThat(status(s, "hello:0").port()).as("the port is free now: the slot keeps it").isEqualTo(port);
  }

  @Test
  void aFailedReplacementAfterMakingRoomBringsTheOldInstanceBack() {
    Path ready = dir.resolve("ready");
    AppSpec old = hello(2, ready).withRollout(new RolloutSpec(0, 1, null));
    Supervisor s = runReady(old, null);
    List<InstanceStatus> before = s.status();

    AppSpec crashing = with(old, Map.of("command", sh("exit 1"), "startretries", 0));
    RolloutResult r = s.reload("hello", crashing, line -> { });

    assertThat(r.ok()).isFalse();
    assertThat(r.message()).startsWith("hello:0: new instance FATAL after ").contains("exited with code 1");
    assertThat(r.slots()).extracting(SlotResult::outcome).containsExactly(Outcome.FAILED, Outcome.SKIPPED);
    // Slot 0 runs the old spec again, on its old port; slot 1 was never touched.
    InstanceStatus zero = status(s, "hello:0");
    assertThat(zero.state()).isEqualTo(READY);
    assertThat(zero.port()).isEqualTo(before.get(0).port());
    assertThat(status(s, "hello:1")).extracting(InstanceStatus::pid, InstanceStatus::state)
        .containsExactly(before.get(1).pid(), READY);
    assertThat(s.status()).hasSize(2);
  }

  @Test
  void aSecondReloadOfTheSameAppIsRefusedWhileOneRuns() throws Exception {
    Path ready = dir.resolve("ready");
    AppSpec old = hello(1, ready);
    Supervisor s = create(old);
    CompletableFuture<Void> drained = new CompletableFuture<>();
    s.drainWith(e -> drained);
    s.start();
    awaitState(s, "hello:0", READY);
    long oldPid = status(s, "hello:0").pid();

    CompletableFuture<RolloutResult> first = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> first.complete(s.reload("hello", null, line -> { })));
    // The old process drains (the drainer holds it there) while the new one already holds the slot.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(s.status())
        .extracting(InstanceStatus::role, InstanceStatus::state, InstanceStatus::pid)
        .containsExactly(Tuple.tuple(Role.OUTGOING, DRAINING, oldPid),
            Tuple.tuple(Role.CURRENT, READY, status(s, "hello:0").pid())));

    assertThatThrownBy(() -> s.reload("hello", null, line -> { }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a reload of hello is already running");

    drained.complete(null);
    assertThat(first.get(30, TimeUnit.SECONDS).ok()).isTrue();
    assertThat(s.status()).hasSize(1);
  }

  @Test
  void stoppingTheSupervisorDuringAReloadStopsTheNewInstanceToo() throws Exception {
    Path ready = Files.writeString(dir.resolve("ready"), "ok");
    Path never = Files.writeString(dir.resolve("never-ready"), "fail");
    AppSpec old = hello(1, ready);
    Supervisor s = runReady(old, null);
    AppSpec slow = old.withEnv(Map.of("READY_FILE", never.toString()));

    CompletableFuture<RolloutResult> reload = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> reload.complete(s.reload("hello", slow, line -> { })));
    await().atMost(Duration.ofSeconds(30)).until(() -> s.status().stream()
        .anyMatch(st -> st.role() == Role.INCOMING && st.state() == InstanceState.RUNNING));
    long newPid = s.status().stream().filter(st -> st.role() == Role.INCOMING).findFirst().orElseThrow().pid();

    s.stop();
    assertThat(alive(newPid)).isFalse();
    RolloutResult r = reload.get(10, TimeUnit.SECONDS); // not after ready_timeout (60 s)
    assertThat(r.ok()).isFalse();
    assertThat(s.status()).allSatisfy(st -> assertThat(st.state()).isEqualTo(STOPPED));
  }
}
