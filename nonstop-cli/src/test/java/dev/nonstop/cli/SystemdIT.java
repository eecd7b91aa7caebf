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
 * {@code systemctl stop} after the upgrade is a clean stop (exit 0), not a SIGKILL.
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
    assumeTrue(run(List.of("unshare", "--pid", "--fork", "--mount", "true")) == 0,
        "cannot create PID and mount namespaces here");
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
    Files.writeString(config, UpProcess.helloBehindGateway("/readyz", "").replace("instances: 3", "instances: 2")
        .replace("logs: {dir: logs,", "logs: {dir: " + dir.resolve("logs") + ","));
    boot(config);

    await().atMost(Duration.ofSeconds(90)).until(() -> "active".equals(show("ActiveState")));
    long first = Long.parseLong(show("MainPID"));
    URI gateway = URI.create("http://" + gatewayListen(config) + "/");
    load = Load.start(gateway, 8);
    await().atMost(Duration.ofSeconds(10)).until(() -> load.ok() > 200);

    Cmd upgrade = inside(NONSTOP.toString(), "upgrade", "-c", config.toString());
    assertThat(upgrade.code()).as(upgrade.out()).isZero();
    await().atMost(Duration.ofSeconds(30)).until(() -> !Long.toString(first).equals(show("MainPID")));
    long second = Long.parseLong(show("MainPID"));
    await().atMost(Duration.ofSeconds(30)).until(() -> !inside("kill", "-0", Long.toString(first)).ok());
    assertThat(show("ActiveState")).as("the old main process exited; the service goes on").isEqualTo("active");
    assertThat(show("MainPID")).isEqualTo(Long.toString(second));
    int before = (int) load.ok();
    await().atMost(Duration.ofSeconds(10)).until(() -> load.ok() > before + 200);
    load.stop();
    System.out.println("systemd, upgrade of pid " + first + " to " + second + " under load: " + load);
    assertThat(load.failures()).as(load.toString()).isEmpty();

    Cmd reload = inside("systemctl", "reload", "nonstop.service");
    assertThat(reload.code()).as("ExecReload: " + reload.out()).isZero();
    assertThat(show("ActiveState")).isEqualTo("active");

    Cmd stop = inside("systemctl", "stop", "nonstop.service");
    assertThat(stop.code()).as(stop.out()).isZero();
    // After an upgrade the main process is no child of systemd; with KillMode=mixed systemd would
    // not wait for it and SIGKILL it (Result=signal, status 9). The README's unit must not.
    assertThat(show("Result")).isEqualTo("success");
    assertThat(show("ExecMainStatus")).isEqualTo("0");
    assertThat(Files.readString(dir.resolve("up.log"))).contains("\"message\":\"nonstop stopped\"");
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
        mkdir -p /run/systemd/system
        cat > /run/systemd/system/nonstop.service <<'UNIT'
        %sUNIT
        cat > /run/systemd/system/nonstop-check.target <<'UNIT'
        %sUNIT
        exec %s --system --unit=nonstop-check.target --log-target=console
        """.formatted(service, target, SYSTEMD));
    unshare = new ProcessBuilder("setsid", "unshare", "--pid", "--fork", "--mount", "--mount-proc", "sh",
        script.toString())
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

  private record Cmd(int code, String out) {
    boolean ok() {
      return code == 0;
    }
  }

  /** Runs {@code command} in systemd's namespaces (its pid numbers, its /run); the network is shared. */
  private Cmd inside(String... command) {
    List<String> cmd = new ArrayList<>(List.of("nsenter", "-t", Long.toString(systemd), "-p", "-m"));
    cmd.addAll(List.of(command));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Cmd(-1, out + " (timed out)");
      }
      return new Cmd(p.exitValue(), out);
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
