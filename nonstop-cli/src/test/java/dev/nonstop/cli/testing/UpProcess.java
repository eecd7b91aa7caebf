package dev.nonstop.cli.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real {@code nonstop up} (the packaged jar) run by a test in its own directory: the config file,
 * the process, and what it publishes ({@code .nonstop.yaml.admin}, {@code .nonstop.yaml.token}).
 * {@link #close()} kills it and its instances, and also whichever process serves now (after an
 * upgrade that is no child of the test), then prints every {@code *.out} file of the directory
 * into the test's output, which the build shows only for a failed test.
 *
 * <pre>{@code
 * try (UpProcess up = UpProcess.start(dir, UpProcess.helloBehindGateway(), "up-0.out")) {
 *   up.awaitReadyAndInRotation(3);
 *   Load load = Load.start(up.gateway(), 16);
 * }
 * }</pre>
 */
public final class UpProcess implements AutoCloseable {
  /** The packaged CLI, as the build passes it (system property {@code nonstop.jar}). */
  public static final Path NONSTOP_JAR = Path.of(System.getProperty("nonstop.jar", "target/nonstop.jar"));
  /** The hello example's jar (system property {@code hello.jar}). */
  public static final Path HELLO_JAR = Path.of(System.getProperty("hello.jar", "../examples/hello/target/hello.jar"));
  /** The java of the JVM running the tests: a JDK >= 21, whatever {@code java} on PATH is. */
  public static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final Path config;
  private final Process process;

  private UpProcess(Path dir, Path config, Process process) {
    this.dir = dir;
    this.config = config;
    this.process = process;
  }

  /**
   * Writes {@code yaml} to {@code dir/nonstop.yaml} and starts {@code nonstop up} on it, its output
   * (and that of any process it starts with inherited output, such as an upgrade's) in {@code dir/out}.
   */
  public static UpProcess start(Path dir, String yaml, String out) throws IOException {
    Path config = dir.resolve("nonstop.yaml");
    Files.writeString(config, yaml);
    Process p = new ProcessBuilder(JAVA, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-jar", NONSTOP_JAR.toString(),
        "up", "-c", config.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve(out).toFile()).start();
    return new UpProcess(dir, config, p);
  }

  /**
   * Three hello instances on free ports behind the gateway (one route to the app, least_conn,
   * retries {@code {attempts: 2, per_try_timeout: 1s}}) on a free port, the control API on another;
   * readiness {@code /readyz}. Tests change it by editing the text.
   */
  public static String helloBehindGateway() {
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
              readiness: {http: /readyz, period: 300ms, timeout: 1s, failures: 2}
            logs: {dir: logs, max_size: 1MiB, keep: 2}
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
        """.formatted(JAVA, HELLO_JAR.toAbsolutePath(), freePort());
  }

  /** A port free now; whoever binds it next a moment later normally gets it. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The config file ({@code dir/nonstop.yaml}), for {@link Cli#run} and for editing. */
  public Path config() {
    return config;
  }

  /** The {@code nonstop up} this started (after an upgrade, the old one). */
  public Process process() {
    return process;
  }

  /** {@code .nonstop.yaml.admin} once it is written: {@code url}, {@code gateway}, {@code pid}. */
  public JsonNode adminFile() {
    Path f = dir.resolve(".nonstop.yaml.admin");
    await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(f) && Files.size(f) > 0);
    try {
      return JSON.readTree(Files.readString(f));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The control API's base URL, e.g. {@code http://127.0.0.1:40123}. */
  public String admin() {
    return adminFile().path("url").asText();
  }

  /** The gateway's root, e.g. {@code http://127.0.0.1:40124/}. */
  public URI gateway() {
    return URI.create(adminFile().path("gateway").asText() + "/");
  }

  /** The control API's bearer token. */
  public String token() throws IOException {
    return Files.readString(dir.resolve(".nonstop.yaml.token")).trim();
  }

  /** {@code nonstop status --json} through the CLI. */
  public JsonNode status() throws IOException {
    Cli.Result r = Cli.run(config, "status", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    return JSON.readTree(r.out());
  }

  /** Waits (up to a minute) until there are {@code n} instances, each READY and in the gateway's rotation. */
  public void awaitReadyAndInRotation(int n) {
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      JsonNode s = status().path("instances");
      assertThat(s).hasSize(n);
      for (JsonNode i : s) {
        assertThat(i.path("state").asText()).isEqualTo("READY");
        assertThat(i.path("in_rotation").asBoolean()).as(i.toString()).isTrue();
      }
    });
  }

  @Override
  public void close() throws IOException {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    Path f = dir.resolve(".nonstop.yaml.admin");
    if (Files.exists(f)) {
      long pid = JSON.readTree(Files.readString(f)).path("pid").asLong();
      ProcessHandle.of(pid).ifPresent(h -> {
        h.descendants().forEach(ProcessHandle::destroyForcibly);
        h.destroyForcibly();
      });
    }
    try (var files = Files.list(dir)) {
      for (Path out : files.filter(p -> p.getFileName().toString().endsWith(".out")).sorted().toList()) {
        System.out.println("--- " + out.getFileName() + "\n" + Files.readString(out));
      }
    }
  }
}
