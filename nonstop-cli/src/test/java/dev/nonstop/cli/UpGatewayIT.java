package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.cli.testing.Cli;
import dev.nonstop.cli.testing.Cli.Result;
import dev.nonstop.cli.testing.Load;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nonstop up} with the gateway in front of three real hello instances, each test under
 * concurrent load from this JVM (16 keep-alive clients): what changes (a rolling reload, a reload
 * that fails, kill -9, a hung instance, a broken config) must fail no request.
 */
class UpGatewayIT {
  private static final Path NONSTOP_JAR = Path.of(System.getProperty("nonstop.jar", "target/nonstop.jar"));
  private static final Path HELLO_JAR = Path.of(System.getProperty("hello.jar", "../examples/hello/target/hello.jar"));
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CLIENTS = 16;

  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();
  private Path config;
  private Load load;

  private String test;

  @org.junit.jupiter.api.BeforeEach
  void name(org.junit.jupiter.api.TestInfo info) {
    test = info.getTestMethod().map(java.lang.reflect.Method::getName).orElse("?");
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (load != null) {
      load.close();
    }
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    // After an upgrade the serving nonstop up is no child of this test: found by its admin file.
    try {
      long pid = JSON.readTree(Files.readString(dir.resolve(".nonstop.yaml.admin"))).path("pid").asLong();
      ProcessHandle.of(pid).ifPresent(h -> {
        h.descendants().forEach(ProcessHandle::destroyForcibly);
        h.destroyForcibly();
      });
    } catch (IOException e) {
      // no admin file: nothing took over
    }
    // Into the test's output file, which is read only when a test fails.
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("up-")).sorted().toList()) {
        System.out.println("--- " + f.getFileName() + "\n" + Files.readString(f));
      }
    }
  }

  private String yaml(String readiness, String extraApp) throws IOException {
    int gatewayPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      gatewayPort = s.getLocalPort(); // free now; the gateway binds it a moment later
    }
    return """
        apps:
          hello:
            command: ["%s", "-Xmx48m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", "%s"]
            instances: 3
            port: 0
            env: {SHUTDOWN_DELAY_MS: "100"}
            startsecs: 300ms
            stop: {timeout: 5s, drain: 10s}
            health:
              liveness: {http: /healthz, period: 1s, timeout: 1s, failures: 3}
              readiness: {http: %s, period: 300ms, timeout: 1s, failures: 2}
            logs: {dir: logs, max_size: 1MiB, keep: 2}
        %s
        gateway:
          listen: 127.0.0.1:%d
          routes:
            - {path: /, app: hello}
          upstreams:
            hello:
              app: hello
              balance: least_conn
              retries: {attempts: 2, per_try_timeout: 1s}
        admin:
          listen: 127.0.0.1:0
        """.formatted(JAVA, HELLO_JAR.toAbsolutePath(), readiness, extraApp, gatewayPort);
  }

  private URI upAndServing() throws Exception {
    config = dir.resolve("nonstop.yaml");
    Files.writeString(config, yaml("/readyz", ""));
    Process p = new ProcessBuilder(JAVA, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-jar", NONSTOP_JAR.toString(),
        "up", "-c", config.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("up-0.out").toFile()).start();
    started.add(p);
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      JsonNode s = status().path("instances");
      assertThat(s).hasSize(3);
      for (JsonNode i : s) {
        assertThat(i.path("state").asText()).isEqualTo("READY");
        assertThat(i.path("in_rotation").asBoolean()).isTrue();
      }
    });
    URI gateway = URI.create(JSON.readTree(Files.readString(dir.resolve(".nonstop.yaml.admin"))).path("gateway").asText() + "/");
    load = Load.start(gateway, CLIENTS);
    await().atMost(Duration.ofSeconds(10)).until(() -> load.ok() > 500);
    return gateway;
  }

  /** Runs a nonstop command in this JVM: exit code, stdout, stderr. */
  private Result cli(String... args) {
    return Cli.run(config, args);
  }

  private JsonNode status() throws IOException {
    Result r = cli("status", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    return JSON.readTree(r.out());
  }

  /** Index -> pid of the instances now. */
  private Map<Integer, Long> pids() throws IOException {
    Map<Integer, Long> m = new HashMap<>();
    for (JsonNode i : status().path("instances")) {
      m.put(i.path("index").asInt(), i.path("pid").asLong());
    }
    return m;
  }

  // The gateway's retry counters, to tell on a failure whether a retry was refused or never tried.
  private String retryMetrics() {
    try {
      String admin = JSON.readTree(Files.readString(dir.resolve(".nonstop.yaml.admin"))).path("url").asText();
      var http = java.net.http.HttpClient.newHttpClient();
      String body = http.send(java.net.http.HttpRequest.newBuilder(URI.create(admin + "/metrics")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      return String.join("\n", body.lines().filter(l -> l.startsWith("nonstop_gateway_retr")).toList());
    } catch (Exception e) {
      return "metrics not read: " + e;
    }
  }

  private void awaitAllReadyAndInRotation() {
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      JsonNode s = status().path("instances");
      assertThat(s).hasSize(3);
      for (JsonNode i : s) {
        assertThat(i.path("state").asText()).isEqualTo("READY");
        assertThat(i.path("in_rotation").asBoolean()).as(i.toString()).isTrue();
      }
    });
  }

  private void assertNoRequestFailed() throws Exception {
    load.stop();
    System.out.println("load, " + test + ": " + load); // the figures the README quotes
    assertThat(load.failures()).as(() -> load + "\n" + retryMetrics()).isEmpty();
    assertThat(load.ok()).isGreaterThan(100);
  }

  @Test
  void aRollingReloadUnderLoadFailsNoRequest() throws Exception {
    upAndServing();
    Map<Integer, Long> before = pids();
    for (int round = 0; round < 2; round++) {
      Result r = cli("reload", "hello");
      assertThat(r.code()).as(r.out() + r.err()).isZero();
      assertThat(r.out()).contains("hello:0").contains("hello:2").contains("READY");
    }
    awaitAllReadyAndInRotation();
    Map<Integer, Long> after = pids();
    for (int i = 0; i < 3; i++) {
      assertThat(after.get(i)).as("hello:%d was replaced", i).isNotEqualTo(before.get(i));
      assertThat(ProcessHandle.of(before.get(i)).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }
    assertNoRequestFailed();
  }

  @Test
  void aReloadWhoseNewVersionNeverGetsReadyKeepsTheOldInstancesServing() throws Exception {
    upAndServing();
    Map<Integer, Long> before = pids();
    // The new version's readiness never passes; it must not replace anything.
    Files.writeString(config, yaml("/never-ready", "").replace("    logs:", "    rollout: {ready_timeout: 3s}\n    logs:"));
    Result r = cli("reload", "hello");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.err()).contains("reload failed").contains("hello:0");
    assertThat(pids()).isEqualTo(before);
    awaitAllReadyAndInRotation();
    assertThat(status().path("instances")).hasSize(3); // no new process left behind
    assertNoRequestFailed();
  }

  @Test
  void killMinusNineOfAnInstanceEveryFewSecondsFailsNoGet() throws Exception {
    upAndServing();
    for (int round = 0; round < 3; round++) {
      awaitAllReadyAndInRotation();
      int index = round % 3;
      long pid = pids().get(index);
      new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
      await().atMost(Duration.ofSeconds(30)).until(() -> !pids().get(index).equals(pid));
    }
    awaitAllReadyAndInRotation();
    assertNoRequestFailed();
  }

  @Test
  void aHungInstanceIsTakenOutOfRotationAndRestarted() throws Exception {
    upAndServing();
    long hung = pids().get(1);
    long t0 = System.nanoTime();
    new ProcessBuilder("kill", "-STOP", Long.toString(hung)).start().waitFor();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(status().path("instances").get(1).path("in_rotation").asBoolean()).isFalse());
    long outMillis = (System.nanoTime() - t0) / 1_000_000;
    await().atMost(Duration.ofSeconds(60)).until(() -> !pids().get(1).equals(hung));
    awaitAllReadyAndInRotation();
    long backMillis = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("hung instance: out of rotation after " + outMillis + " ms, replaced and back in rotation after "
        + backMillis + " ms");
    assertThat(ProcessHandle.of(hung).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertNoRequestFailed();
  }

  @Test
  void upgradingNonstopItselfUnderLoadFailsNoRequestAndResetsNoConnection() throws Exception {
    upAndServing();
    Process old = started.get(0);
    Map<Integer, Long> before = pids();
    Result r = cli("upgrade");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).startsWith("upgraded: pid ");
    // The old process drains, stops its instances and exits 0; the new one serves with its own.
    assertThat(old.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(old.exitValue()).isZero();
    long newPid = JSON.readTree(Files.readString(dir.resolve(".nonstop.yaml.admin"))).path("pid").asLong();
    assertThat(newPid).isNotEqualTo(old.pid());
    awaitAllReadyAndInRotation();
    for (long pid : before.values()) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("old instance %d", pid).isFalse();
    }
    assertThat(pids().values()).doesNotContainAnyElementsOf(before.values());
    // The leftovers file is the new supervisor's: its instances are what a later `up` would sweep.
    String leftovers = Files.readString(dir.resolve(".nonstop.yaml.pgids"));
    for (long pid : pids().values()) {
      assertThat(leftovers).contains(" " + pid + " ");
    }
    assertNoRequestFailed(); // a reset connection would be an IOException here
  }

  @Test
  void anUpgradeWhoseNewProcessCannotStartKeepsTheOldOneServing() throws Exception {
    upAndServing();
    Map<Integer, Long> before = pids();
    // The new process reads the file as it is now: a broken one makes it exit at once.
    Files.writeString(config, yaml("/readyz", "").replace("instances: 3", "instances: three"));
    Result r = cli("upgrade");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("upgrade failed (EXITED)").contains("keeps serving");
    assertThat(started.get(0).isAlive()).isTrue();
    assertThat(pids()).isEqualTo(before);
    // A file that moved gateway.listen (yaml() picks a new port): the handed-over socket is not it.
    Files.writeString(config, yaml("/readyz", ""));
    Result moved = cli("upgrade");
    assertThat(moved.code()).isEqualTo(1);
    assertThat(moved.err()).contains("upgrade failed (START_FAILED)").contains("gateway.listen: 127.0.0.1:")
        .contains("restart nonstop up to move it");
    assertThat(started.get(0).isAlive()).isTrue();
    assertThat(pids()).isEqualTo(before);
    assertNoRequestFailed();
  }

  @Test
  void aBrokenConfigAtReloadIsRefusedAndTheOldOneKeepsServing() throws Exception {
    upAndServing();
    Map<Integer, Long> before = pids();
    Files.writeString(config, yaml("/readyz", "").replace("instances: 3", "instances: three"));
    Result r = cli("reload");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("nonstop.yaml:").contains("apps.hello.instances");
    assertThat(r.err().lines().count()).isEqualTo(1);
    Result app = cli("reload", "hello");
    assertThat(app.code()).isEqualTo(1);
    assertThat(app.err()).contains("apps.hello.instances");
    assertThat(pids()).isEqualTo(before);
    assertNoRequestFailed();
  }
}
