package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nonstop.cli.testing.Cli;
import dev.nonstop.cli.testing.Cli.Result;
import dev.nonstop.cli.testing.Load;
import dev.nonstop.cli.testing.UpProcess;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
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
  private static final int CLIENTS = 16;

  @TempDir Path dir;
  private UpProcess up;
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
    if (up != null) {
      up.close();
    }
  }

  /** The config {@code nonstop up} was started with; tests edit it (same ports) and write it back. */
  private String yaml;

  private URI upAndServing() throws Exception {
    yaml = UpProcess.helloBehindGateway();
    up = UpProcess.start(dir, yaml, "up-0.out");
    config = up.config();
    up.awaitReadyAndInRotation(3);
    load = Load.start(up.gateway(), CLIENTS);
    await().atMost(Duration.ofSeconds(10)).until(() -> load.ok() > 500);
    return up.gateway();
  }

  /** Runs a nonstop command in this JVM: exit code, stdout, stderr. */
  private Result cli(String... args) {
    return Cli.run(config, args);
  }

  private JsonNode status() throws IOException {
    return up.status();
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
      var http = java.net.http.HttpClient.newHttpClient();
      String body = http.send(java.net.http.HttpRequest.newBuilder(URI.create(up.admin() + "/metrics")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      return String.join("\n", body.lines().filter(l -> l.startsWith("nonstop_gateway_retr")).toList());
    } catch (Exception e) {
      return "metrics not read: " + e;
    }
  }

  private void awaitAllReadyAndInRotation() {
    up.awaitReadyAndInRotation(3);
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
    Files.writeString(config, yaml.replace("http: /readyz", "http: /never-ready")
        .replace("    logs:", "    rollout: {ready_timeout: 3s}\n    logs:"));
    Result r = cli("reload", "hello");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.err()).contains("reload failed").contains("hello:0");
    assertThat(pids()).isEqualTo(before);
    awaitAllReadyAndInRotation();
    // No new process left behind: the hello processes under nonstop up are the three old ones.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(up.process().descendants()
        .filter(h -> h.info().commandLine().map(c -> c.contains("hello.jar")).orElse(false))
        .map(ProcessHandle::pid)).containsExactlyInAnyOrderElementsOf(before.values()));
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
    Process old = up.process();
    Map<Integer, Long> before = pids();
    Result r = cli("upgrade");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).startsWith("upgraded: pid ");
    // The old process drains, stops its instances and exits 0; the new one serves with its own.
    assertThat(old.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(old.exitValue()).isZero();
    long newPid = up.adminFile().path("pid").asLong();
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
    Files.writeString(config, yaml.replace("instances: 3", "instances: three"));
    Result r = cli("upgrade");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("upgrade failed (EXITED)").contains("keeps serving");
    assertThat(up.process().isAlive()).isTrue();
    assertThat(pids()).isEqualTo(before);
    // A file that moved gateway.listen (a fresh config picks a new port): the handed-over socket is not it.
    Files.writeString(config, UpProcess.helloBehindGateway());
    Result moved = cli("upgrade");
    assertThat(moved.code()).isEqualTo(1);
    assertThat(moved.err()).contains("upgrade failed (START_FAILED)").contains("gateway.listen: 127.0.0.1:")
        .contains("restart nonstop up to move it");
    assertThat(up.process().isAlive()).isTrue();
    assertThat(pids()).isEqualTo(before);
    assertNoRequestFailed();
  }

  @Test
  void aBrokenConfigAtReloadIsRefusedAndTheOldOneKeepsServing() throws Exception {
    upAndServing();
    Map<Integer, Long> before = pids();
    Files.writeString(config, yaml.replace("instances: 3", "instances: three"));
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
