package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.cli.testing.Cli;
import dev.nonstop.cli.testing.Cli.Result;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nonstop up} as users run it: the packaged jar in its own process, supervising the real
 * hello jar, driven by the {@code nonstop} commands (in this JVM, or as processes where the
 * environment matters) over the real control API.
 */
class UpIT {
  private static final Path NONSTOP_JAR = Path.of(System.getProperty("nonstop.jar", "target/nonstop.jar"));
  private static final Path HELLO_JAR = Path.of(System.getProperty("hello.jar", "../examples/hello/target/hello.jar"));
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();
  private Path config;
  private Path upLog;

  @AfterEach
  void cleanUp() throws IOException {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    // Into the test's output file, which is read only when a test fails.
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("up-")).sorted().toList()) {
        System.out.println("--- " + f.getFileName() + "\n" + Files.readString(f));
      }
    }
  }

  private Path writeConfig(String extra) throws IOException {
    config = dir.resolve("nonstop.yaml");
    Files.writeString(config, """
        apps:
          hello:
            command: ["%s", "-Xmx48m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", "%s"]
            instances: 2
            port: 0
            startsecs: 300ms
            stop: {timeout: 10s}
            health:
              liveness: {http: /healthz, period: 1s, failures: 3}
              readiness: {http: /readyz, period: 500ms, failures: 1}
            logs: {dir: logs, max_size: 1MiB, keep: 2}
        %s
        admin:
          listen: 127.0.0.1:0
        """.formatted(JAVA, HELLO_JAR.toAbsolutePath(), extra));
    return config;
  }

  private Process up() throws IOException {
    upLog = dir.resolve("up-" + started.size() + ".out");
    Process p = new ProcessBuilder(JAVA, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-jar", NONSTOP_JAR.toString(),
        "up", "-c", config.toString())
        .redirectErrorStream(true).redirectOutput(upLog.toFile()).start();
    started.add(p);
    return p;
  }

  /** Runs a nonstop command in this JVM: exit code, stdout, stderr. */
  private Result cli(String... args) {
    return Cli.run(config, args);
  }

  private JsonNode status() throws IOException {
    Result r = cli("status", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    return JSON.readTree(r.out()).path("instances");
  }

  private JsonNode instance(int index) throws IOException {
    return status().get(index);
  }

  private void awaitAllReady() {
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      JsonNode s = status();
      assertThat(s).hasSizeGreaterThanOrEqualTo(2);
      for (JsonNode i : s) {
        assertThat(i.path("state").asText()).isEqualTo("READY");
      }
    });
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private String adminUrl() throws IOException {
    return JSON.readTree(Files.readString(dir.resolve(".nonstop.yaml.admin"))).path("url").asText();
  }

  @Test
  void upRunsTheInstancesAndStatusShowsThem() throws Exception {
    writeConfig("");
    up();
    awaitAllReady();
    Result table = cli("status");
    assertThat(table.out().lines().toList()).hasSize(3);
    assertThat(table.out().lines().findFirst().orElseThrow().split("\\s+"))
        .containsExactly("APP", "INDEX", "PID", "PORT", "STATE", "READY", "UPTIME", "RESTARTS", "RSS", "CPU");
    assertThat(table.out()).contains("READY").contains("yes").contains("MiB");
    JsonNode i0 = instance(0);
    int port = i0.path("port").asInt();
    assertThat(alive(i0.path("pid").asLong())).isTrue();
    assertThat(get("http://127.0.0.1:" + port + "/", null).body()).contains("Service is running");
    // The token file is the owner's alone.
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(".nonstop.yaml.token"))))
        .isEqualTo("rw-------");
    // Metrics need no token.
    HttpResponse<String> metrics = get(adminUrl() + "/metrics", null);
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("nonstop_supervisor_instance_up{app=\"hello\",index=\"0\"} 1.0")
        .contains("nonstop_supervisor_instance_state{app=\"hello\",index=\"1\",state=\"READY\"} 1.0")
        .contains("nonstop_supervisor_instance_restarts_total{app=\"hello\",index=\"0\"}")
        .contains("nonstop_supervisor_instance_memory_rss_bytes{app=\"hello\",index=\"0\"}")
        .contains("nonstop_supervisor_instance_cpu_seconds_total{app=\"hello\",index=\"0\"}")
        .contains("nonstop_supervisor_instance_uptime_seconds{app=\"hello\",index=\"0\"}")
        .contains("nonstop_supervisor_transitions_total{app=\"hello\",to=\"READY\"}");
    assertThat(dir.resolve("logs/hello-0.out.log")).exists();
  }

  @Test
  void stopStartRestartAndLogsActOnTheRunningSupervisor() throws Exception {
    writeConfig("");
    up();
    awaitAllReady();
    long pid1 = instance(1).path("pid").asLong();
    Result stop = cli("stop", "hello:1");
    assertThat(stop.code()).as(stop.err()).isZero();
    assertThat(stop.out()).contains("stopped: hello:1");
    assertThat(instance(1).path("state").asText()).isEqualTo("STOPPED");
    assertThat(alive(pid1)).isFalse();
    assertThat(instance(0).path("state").asText()).isEqualTo("READY");

    assertThat(cli("start", "hello:1").code()).isZero();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(instance(1).path("state").asText()).isEqualTo("READY"));

    long pid0 = instance(0).path("pid").asLong();
    Result restart = cli("restart", "hello:0");
    assertThat(restart.code()).as(restart.err()).isZero();
    JsonNode i0 = instance(0);
    assertThat(i0.path("state").asText()).isEqualTo("READY"); // restart returns once it is READY again
    assertThat(i0.path("pid").asLong()).isNotEqualTo(pid0);
    assertThat(i0.path("restarts").asInt()).isEqualTo(1);

    Result logs = cli("logs", "hello:0", "-n", "200");
    assertThat(logs.code()).as(logs.err()).isZero();
    assertThat(logs.out()).contains("listening on port " + i0.path("port").asInt());
    Result err = cli("logs", "hello:0", "--err");
    assertThat(err.code()).as(err.err()).isZero(); // the hello jar logs to stdout only
    Result both = cli("logs", "hello", "-n", "5");
    assertThat(both.out()).contains("hello:0 | ").contains("hello:1 | ");

    Result unknown = cli("stop", "nosuch");
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.err()).contains("'nosuch': no such app (expected one of: hello)");
  }

  @Test
  void logsFollowShowsNewLines() throws Exception {
    writeConfig("");
    up();
    awaitAllReady();
    Process follow = new ProcessBuilder(JAVA, "-jar", NONSTOP_JAR.toString(), "logs", "hello:1", "-f", "-n", "1",
        "-c", config.toString()).redirectErrorStream(true).start();
    started.add(follow);
    StringBuffer seen = new StringBuffer();
    Thread.ofVirtual().start(() -> {
      try {
        follow.getInputStream().transferTo(new java.io.OutputStream() {
          @Override
          public void write(int b) {
            seen.append((char) b);
          }
        });
      } catch (IOException e) {
        // the process ended
      }
    });
    // A restart of hello:1 writes new lines (its drain and the new process's start) to the same file.
    // The last line arrives once the stream is open; only then are new lines sure to be followed.
    await().atMost(Duration.ofSeconds(20)).until(() -> seen.length() > 0);
    assertThat(cli("restart", "hello:1").code()).isZero();
    int port = instance(1).path("port").asInt();
    // The old process's drain, then the new process's start, both after the stream opened.
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      String text = seen.toString();
      int drain = text.indexOf("drain: done");
      assertThat(drain).as(text).isNotNegative();
      assertThat(text.substring(drain)).contains("listening on port " + port);
    });
    // A follower that leaves while the log is quiet ends its request on the supervisor's side too.
    // (The scrape that reads the gauge is itself one active request.)
    assertThat(activeRequests()).isEqualTo(2.0);
    follow.destroy();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(activeRequests()).isEqualTo(1.0));
  }

  @Test
  void aMissingOrWrongTokenGets401AndChangesNothing() throws Exception {
    writeConfig("");
    up();
    awaitAllReady();
    long pid0 = instance(0).path("pid").asLong();
    HttpResponse<String> none = send("POST", adminUrl() + "/v1/stop/hello", null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"nonstop\"");
    assertThat(send("POST", adminUrl() + "/v1/stop/hello", "Bearer wrong").statusCode()).isEqualTo(401);
    assertThat(send("GET", adminUrl() + "/v1/status", "Bearer wrong").statusCode()).isEqualTo(401);

    ProcessBuilder pb = new ProcessBuilder(JAVA, "-jar", NONSTOP_JAR.toString(), "stop", "hello", "-c", config.toString());
    pb.environment().put("NONSTOP_TOKEN", "wrong");
    Process p = pb.redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(out).contains("unauthorized").contains("NONSTOP_TOKEN");

    JsonNode s = status();
    assertThat(s.get(0).path("pid").asLong()).isEqualTo(pid0);
    assertThat(s.get(0).path("state").asText()).isEqualTo("READY");
    assertThat(s.get(1).path("state").asText()).isEqualTo("READY");
  }

  @Test
  void sigkillOfTheSupervisorLeavesNoInstanceRunning() throws Exception {
    writeConfig("");
    Process up = up();
    awaitAllReady();
    long pid0 = instance(0).path("pid").asLong();
    long pid1 = instance(1).path("pid").asLong();
    up.destroyForcibly(); // SIGKILL: no handler runs in the supervisor
    assertThat(up.waitFor(10, TimeUnit.SECONDS)).isTrue();
    // setpriv --pdeathsig KILL: the kernel kills each instance when its parent dies.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(alive(pid0)).isFalse();
      assertThat(alive(pid1)).isFalse();
    });
    // The stale admin file names a dead pid: commands say so instead of hanging.
    Result r = cli("status");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("no supervisor is running");
  }

  @Test
  void theNextUpKillsWhatAnInstanceForkedBeforeItsSupervisorWasKilled() throws Exception {
    // A wrapper that does not exec: the parent-death signal kills the shell, not its child.
    writeConfig("");
    Files.writeString(config, Files.readString(config).replace("  hello:\n    command:",
        "  wrapper:\n    command: [\"sh\", \"-c\", \"sleep 1000 & wait\"]\n    startsecs: 100ms\n"
            + "  hello:\n    command:"));
    Process up = up();
    awaitAllReady();
    long shell = status().get(0).path("pid").asLong();
    await().until(() -> ProcessHandle.of(shell).map(h -> h.children().count() == 1).orElse(false));
    long child = ProcessHandle.of(shell).orElseThrow().children().findFirst().orElseThrow().pid();
    up.destroyForcibly();
    await().atMost(Duration.ofSeconds(10)).until(() -> !alive(shell));
    assertThat(alive(child)).as("orphaned, still running").isTrue();

    up();
    await().atMost(Duration.ofSeconds(30)).until(() -> !alive(child));
    awaitAllReady();
  }

  @Test
  void sigtermStopsEveryInstanceAndExitsZero() throws Exception {
    writeConfig("");
    Process up = up();
    awaitAllReady();
    long pid0 = instance(0).path("pid").asLong();
    long pid1 = instance(1).path("pid").asLong();
    up.destroy(); // SIGTERM
    assertThat(up.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(up.exitValue()).isZero();
    assertThat(alive(pid0)).isFalse();
    assertThat(alive(pid1)).isFalse();
    assertThat(dir.resolve(".nonstop.yaml.admin")).doesNotExist();
    assertThat(dir.resolve(".nonstop.yaml.token")).doesNotExist();
    String log = Files.readString(upLog);
    assertThat(log).contains("\"to\":\"STOPPED\"").contains("stopped by SIGTERM");
    // The hello instances drained: their logs end with the drain phases.
    assertThat(Files.readString(dir.resolve("logs/hello-0.out.log"))).contains("listener_closed");
  }

  @Test
  void aBadConfigIsRefusedWithOneLineAndStartsNothing() throws Exception {
    writeConfig("");
    Files.writeString(config, Files.readString(config).replace("instances: 2", "instances: 0"));
    Process up = up();
    assertThat(up.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(up.exitValue()).isEqualTo(2);
    List<String> lines = Files.readAllLines(upLog);
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).startsWith("nonstop: ").contains("nonstop.yaml:4: apps.hello.instances: 0");
    assertThat(dir.resolve(".nonstop.yaml.admin")).doesNotExist();
    assertThat(dir.resolve("logs")).doesNotExist();
  }

  @Test
  void asecondUpForTheSameConfigIsRefused() throws Exception {
    writeConfig("");
    up();
    awaitAllReady();
    Path firstLog = upLog;
    Process second = up();
    assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(second.exitValue()).isEqualTo(1);
    assertThat(Files.readString(upLog)).contains("already running for");
    upLog = firstLog;
    assertThat(status()).hasSize(2);
  }

  private double activeRequests() throws Exception {
    String metrics = get(adminUrl() + "/metrics", null).body();
    return metrics.lines().filter(l -> l.startsWith("nonstop_http_server_requests_active "))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElseThrow();
  }

  private static HttpResponse<String> get(String url, String auth) throws Exception {
    return send("GET", url, auth);
  }

  private static HttpResponse<String> send(String method, String url, String auth) throws Exception {
    try (HttpClient c = HttpClient.newHttpClient()) {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.noBody());
      if (auth != null) {
        b.header("Authorization", auth);
      }
      return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
  }
}
