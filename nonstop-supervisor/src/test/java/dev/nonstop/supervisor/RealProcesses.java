package dev.nonstop.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.core.DataSize;
import dev.nonstop.core.InstanceState;
import dev.nonstop.supervisor.AppSpec.BackoffSpec;
import dev.nonstop.supervisor.AppSpec.HealthSpec;
import dev.nonstop.supervisor.AppSpec.LogSpec;
import dev.nonstop.supervisor.AppSpec.RolloutSpec;
import dev.nonstop.supervisor.AppSpec.StopSpec;
import dev.nonstop.supervisor.testing.Events;
import dev.nonstop.supervisor.testing.TestProgram;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the supervisor's real-process tests share: a temporary directory, supervisors closed after
 * each test, every event recorded, and the events and logs printed (read only when a test fails).
 * The programs are shell one-liners and {@link TestProgram}.
 */
abstract class RealProcesses {
  @TempDir Path dir;
  final Events events = new Events();
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<Supervisor> supervisors = new ArrayList<>();

  @AfterEach
  void closeAll() throws IOException {
    supervisors.forEach(Supervisor::close);
    // Into the test's output file, which is read only when a test fails.
    System.out.println("events:" + events);
    Path logs = dir.resolve("logs");
    if (Files.isDirectory(logs)) {
      try (Stream<Path> files = Files.list(logs)) {
        for (Path f : files.sorted().toList()) {
          String text = Files.readString(f);
          System.out.println("--- " + f.getFileName() + "\n" + (text.length() > 2000 ? text.substring(0, 2000) + "..." : text));
        }
      }
    }
  }

  /** A supervisor of {@code apps}, recording events, not started (a drainer may still be set). */
  Supervisor create(AppSpec... apps) {
    Supervisor s = Supervisor.create(List.of(apps), meters);
    supervisors.add(s);
    s.subscribe(events);
    return s;
  }

  /** A started supervisor of {@code apps}. */
  Supervisor run(AppSpec... apps) {
    Supervisor s = create(apps);
    s.start();
    return s;
  }

  AppSpec app(String name, List<String> command) {
    return AppSpec.of(name, command).withDirectory(dir).withLogs(new LogSpec(dir.resolve("logs"), null, null));
  }

  @SuppressWarnings("unchecked")
  static AppSpec with(AppSpec a, Map<String, Object> changes) {
    // One place that rebuilds the record: tests read like the YAML they stand for.
    return new AppSpec(a.name(),
        (List<String>) changes.getOrDefault("command", a.command()),
        a.directory(),
        (Map<String, String>) changes.getOrDefault("env", a.env()),
        (Integer) changes.getOrDefault("instances", a.instances()),
        (Integer) changes.getOrDefault("port", a.port()),
        (AppSpec.Autorestart) changes.getOrDefault("autorestart", a.autorestart()),
        (Duration) changes.getOrDefault("startsecs", a.startsecs()),
        (Integer) changes.getOrDefault("startretries", a.startretries()),
        (BackoffSpec) changes.getOrDefault("backoff", a.backoff()),
        (StopSpec) changes.getOrDefault("stop", a.stop()),
        (HealthSpec) changes.getOrDefault("health", a.health()),
        (DataSize) changes.getOrDefault("max_memory", a.maxMemory()),
        (LogSpec) changes.getOrDefault("logs", a.logs()),
        (List<String>) changes.getOrDefault("depends_on", a.dependsOn()),
        (RolloutSpec) changes.getOrDefault("rollout", a.rollout()));
  }

  static List<String> sh(String script) {
    return List.of("sh", "-c", script);
  }

  /** The status of the process holding slot {@code id} ({@code app:index}). */
  static InstanceStatus status(Supervisor s, String id) {
    return s.status().stream()
        .filter(i -> i.id().toString().equals(id) && i.role() == InstanceStatus.Role.CURRENT)
        .findFirst().orElseThrow();
  }

  static void awaitState(Supervisor s, String id, InstanceState state) {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(status(s, id).state()).isEqualTo(state));
  }

  static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  static int get(int port, String path) throws Exception {
    try (HttpClient c = HttpClient.newHttpClient()) {
      return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    }
  }
}
