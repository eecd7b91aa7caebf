package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nonstop.cli.testing.Load;
import dev.nonstop.cli.testing.UpProcess;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code nonstop up} as a service of a real systemd, with the unit file the README gives: systemd
 * 252 runs as PID 1 of a private PID and mount namespace, with its own {@code /run} (where the units
 * go) and a boot target without default dependencies. The latter matters: a default boot pulls in
 * {@code systemd-tmpfiles-setup}, which empties the host's {@code /tmp} (where this repository may
 * well be checked out), and the rest of sysinit; with this target only {@code nonstop.service} starts. Checks what {@code Type=notify} promises: the service is active once
 * {@code nonstop up} serves; after {@code nonstop upgrade} systemd follows the new process (its
 * MainPID), the service stays active and no request fails; {@code systemctl reload} works; and
 * {@code systemctl stop} after the upgrade, under load, is nonstop up's orderly stop (exit 0, the
 * apps drained by it), not a SIGKILL.
 *
 * <p>Needs root and the right to create namespaces (CI has both); skipped otherwise, saying why.
 */
class SystemdIT {
  private static final Path SYSTEMD = Path.of("/lib/systemd/systemd");
  private static final Path README = Path.of("../README.md").toAbsolutePath().normalize();
  private static final Path NONSTOP = Path.of("../nonstop").toAbsolutePath().normalize();

  private Path dir;
  private Process unshare;
  private long systemd = -1;
  private Load load;

  @BeforeEach
  void canBootSystemd() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "booting systemd in a namespace needs root");
    assumeTrue(Files.isExecutable(SYSTEMD), "no " + SYSTEMD);
    assumeTrue(run(List.of("unshare", "--pid", "--fork", "--mount", "--uts", "--ipc", "true")) == 0,
        "cannot create PID, mount, UTS and IPC namespaces here");
    // Without a machine id systemd takes its start for a first boot and writes to /etc.
    Path machineId = Path.of("/etc/machine-id");
    assumeTrue(Files.exists(machineId) && !Files.readString(machineId).isBlank(), "no /etc/machine-id");
    dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "systemd-it-");
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (load != null) {
      load.close();
    }
    if (systemd > 0) {
      // PID 1 of the namespace: when it dies, the kernel kills every process in it.
      ProcessHandle.of(systemd).ifPresent(ProcessHandle::destroyForcibly);
    }
    if (unshare != null) {
      unshare.destroyForcibly();
    }
    if (dir != null) {
      for (String name : List.of("up.log", "systemd.log")) {
        Path f = dir.resolve(name);
        if (Files.exists(f)) {
          System.out.println("--- " + name + "\n" + Files.readString(f));
        }
      }
      try (Stream<Path> all = Files.walk(dir)) {
        all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void theReadmesUnitFollowsAnUpgradeAndStopsCleanlyAfterIt() throws Exception {
    Path config = dir.resolve("nonstop.yaml");
    Files.writeString(config, UpProcess.helloBehindGateway().replace("instances: 3", "instances: 2")
        .replace("logs: {dir: logs,", "logs: {dir: " + dir.resolve("logs") + ","));
    boot(config);

    await().atMost(Duration.ofSeconds(90)).until(() -> "active".equals(show("ActiveState")));
    long first = mainPid();
    assertThat(first).isPositive();
    URI gateway = URI.create("http://" + gatewayListen(config) + "/");
    load = Load.start(gateway, 8);
    await().atMost(Duration.ofSeconds(10)).until(() -> load.ok() > 200);

    Cmd upgrade = inside(NONSTOP.toString(), "upgrade", "-c", config.toString());
    assertThat(upgrade.code()).as(upgrade.out()).isZero();
    long second = await().atMost(Duration.ofSeconds(30)).until(this::mainPid, pid -> pid > 0 && pid != first);
    // Gone: exit code 1 from test(1), not any failure of the command.
    await().atMost(Duration.ofSeconds(30)).until(() -> inside("test", "-e", "/proc/" + first).code() == 1);
    assertThat(show("ActiveState")).as("the old main process exited; the service goes on").isEqualTo("active");
    assertThat(show("MainPID")).isEqualTo(Long.toString(second));
    int before = (int) load.ok();
    await().atMost(Duration.ofSeconds(10)).until(() -> load.ok() > before + 200);
    // The load goes on through the stop below (whose refused connections are expected), so that
    // nonstop up's gateway drain takes a while: long enough for apps SIGTERMed by systemd itself to
    // exit on their own first, which the log would show.
    System.out.println("systemd, upgrade of pid " + first + " to " + second + " under load: " + load);
    assertThat(load.failures()).as(load.toString()).isEmpty();

    Cmd reload = inside("systemctl", "reload", "nonstop.service");
    assertThat(reload.code()).as("ExecReload: " + reload.out()).isZero();
    assertThat(show("ActiveState")).isEqualTo("active");

    long logged = Files.size(dir.resolve("up.log"));
    Cmd stop = inside("systemctl", "stop", "nonstop.service");
    assertThat(stop.code()).as(stop.out()).isZero();
    load.stop();
    // After an upgrade the main process is no child of systemd, which may then not wait for it
    // (KillMode=mixed without the README's ExecStop: SIGKILL, Result=signal, status 9). The stop must
    // be nonstop up's own: the gateway drained, then each app drained and stopped by the supervisor.
    assertThat(show("Result")).isEqualTo("success");
    assertThat(show("ExecMainStatus")).isEqualTo("0");
    String stopping = Files.readString(dir.resolve("up.log")).substring((int) logged);
    assertThat(stopping).contains("\"message\":\"nonstop stopped\"");
    assertThat(Pattern.compile("hello:\\d READY -> DRAINING").matcher(stopping).results().count())
        .as("both instances drained by nonstop up:\n" + stopping).isEqualTo(2);
    assertThat(stopping).as("no instance exited on its own").doesNotContain("-> EXITED");
  }

  /** Starts systemd in its namespaces, with the README's unit plus where this test keeps things. */
  private void boot(Path config) throws Exception {
    String unit = readmeUnit()
        .replace("/opt/nonstop/nonstop", NONSTOP.toString())
        .replace("/etc/nonstop/nonstop.yaml", config.toString());
    String service = "[Unit]\nDefaultDependencies=no\n\n" + unit.strip() + "\n"
        + "WorkingDirectory=" + dir + "\n"
        + "StandardOutput=append:" + dir.resolve("up.log") + "\n"
        + "StandardError=append:" + dir.resolve("up.log") + "\n";
    String target = "[Unit]\nDefaultDependencies=no\nWants=nonstop.service\n";
    Path script = dir.resolve("boot.sh");
    Files.writeString(script, """
        set -e
        mount --make-rprivate /
        mount -t tmpfs tmpfs /run
        export container=nonstop-test   # systemd's container mode: no kernel modules, console or clock
        mkdir -p /run/systemd/system
        cat > /run/systemd/system/nonstop.service <<'UNIT'
        %sUNIT
        cat > /run/systemd/system/nonstop-check.target <<'UNIT'
        %sUNIT
        exec %s --system --unit=nonstop-check.target --log-target=console
        """.formatted(service, target, SYSTEMD));
    // If this JVM dies, so does unshare (pdeathsig), and with it systemd (kill-child), and with PID 1
    // the whole namespace.
    unshare = new ProcessBuilder("setsid", "setpriv", "--pdeathsig", "KILL", "unshare", "--pid", "--fork",
        "--kill-child=KILL", "--mount", "--mount-proc", "--uts", "--ipc", "sh", script.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("systemd.log").toFile()).start();
    systemd = await().atMost(Duration.ofSeconds(10)).until(
        () -> unshare.descendants().filter(h -> h.info().command().map(c -> c.endsWith("/systemd")).orElse(false))
            .map(ProcessHandle::pid).findFirst().orElse(-1L),
        pid -> pid > 0);
  }

  /** The {@code ini} block under "Process managers" in the README. */
  private static String readmeUnit() throws IOException {
    String readme = Files.readString(README);
    int section = readme.indexOf("**Process managers.**");
    assertThat(section).as("README section").isPositive();
    Matcher m = Pattern.compile("```ini\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(m.find(section)).as("an ini block after it").isTrue();
    return m.group(1);
  }

  private static String gatewayListen(Path config) throws IOException {
    Matcher m = Pattern.compile("listen: (127\\.0\\.0\\.1:\\d+)").matcher(Files.readString(config));
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  private String show(String property) {
    return inside("systemctl", "show", "nonstop.service", "-p", property, "--value").out().strip();
  }

  /** systemd's MainPID of the service, or -1 while it cannot say. */
  private long mainPid() {
    String v = show("MainPID");
    return v.matches("[1-9]\\d*") ? Long.parseLong(v) : -1;
  }

  private record Cmd(int code, String out) {}

  /** Runs {@code command} in systemd's namespaces (its pid numbers, its /run); the network is shared. */
  private Cmd inside(String... command) {
    List<String> cmd = new ArrayList<>(List.of("timeout", "120", "nsenter", "-t", Long.toString(systemd), "-p", "-m"));
    cmd.addAll(List.of(command));
    try {
      Path out = Files.createTempFile(dir, "cmd", ".txt");
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(130, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Cmd(-1, Files.readString(out) + " (timed out)");
      }
      String text = Files.readString(out, StandardCharsets.UTF_8);
      Files.delete(out);
      return new Cmd(p.exitValue(), text);
    } catch (IOException e) {
      return new Cmd(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Cmd(-1, e.toString());
    }
  }

  private static int run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      return p.waitFor(10, TimeUnit.SECONDS) ? p.exitValue() : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
