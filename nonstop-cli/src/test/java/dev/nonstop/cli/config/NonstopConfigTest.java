package dev.nonstop.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.nonstop.core.DataSize;
import dev.nonstop.core.Signal;
import dev.nonstop.core.config.ConfigException;
import dev.nonstop.supervisor.AppSpec;
import dev.nonstop.supervisor.AppSpec.Autorestart;
import dev.nonstop.supervisor.AppSpec.ProbeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class NonstopConfigTest {
  @TempDir Path dir;

  private Path write(String yaml) throws IOException {
    return Files.writeString(dir.resolve("nonstop.yaml"), yaml);
  }

  @Test
  void fullConfigLoadsEveryKey() throws IOException {
    NonstopConfig c = NonstopConfig.load(write(Examples.FULL));

    assertThat(c.apps()).containsOnlyKeys("hello", "db");
    assertThat(c.apps().keySet()).containsExactly("hello", "db");
    AppSpec hello = c.apps().get("hello");
    assertThat(hello.name()).isEqualTo("hello");
    assertThat(hello.command()).containsExactly("java", "-jar", "examples/hello/target/hello.jar");
    assertThat(hello.directory()).isEqualTo(dir.toAbsolutePath().normalize());
    assertThat(hello.env()).containsExactly(Map.entry("JAVA_TOOL_OPTIONS", "-Xmx64m"));
    assertThat(hello.instances()).isEqualTo(3);
    assertThat(hello.port()).isEqualTo(9001);
    assertThat(hello.autorestart()).isEqualTo(Autorestart.ALWAYS);
    assertThat(hello.startsecs()).isEqualTo(Duration.ofSeconds(1));
    assertThat(hello.startretries()).isEqualTo(5);
    assertThat(hello.backoff()).isEqualTo(new AppSpec.BackoffSpec(Duration.ofMillis(100), Duration.ofSeconds(15), 2.0));
    assertThat(hello.stop()).isEqualTo(new AppSpec.StopSpec(Signal.TERM, Duration.ofSeconds(30)));
    assertThat(hello.health().liveness()).isEqualTo(
        new ProbeSpec("/healthz", null, null, Duration.ofSeconds(2), Duration.ofSeconds(1), 3, Duration.ZERO));
    assertThat(hello.health().readiness()).isEqualTo(
        new ProbeSpec("/readyz", null, null, Duration.ofSeconds(1), Duration.ofSeconds(1), 1, Duration.ZERO));
    assertThat(hello.maxMemory()).isEqualTo(DataSize.ofMiB(512));
    assertThat(hello.logs()).isEqualTo(new AppSpec.LogSpec(dir.toAbsolutePath().resolve("logs"), DataSize.ofMiB(10), 5));
    assertThat(hello.dependsOn()).containsExactly("db");

    AppSpec db = c.apps().get("db");
    assertThat(db.name()).isEqualTo("db");
    assertThat(db.command()).containsExactly("sh", "-c", "exec sleep 1000");
    assertThat(db.health().readiness().exec()).containsExactly("true");
    assertThat(db.health().liveness()).isNull();
    assertThat(c.admin().host()).isEqualTo("127.0.0.1");
    assertThat(c.admin().port()).isEqualTo(9090);
  }

  @Test
  void missingKeysTakeTheDocumentedDefaults() throws IOException {
    NonstopConfig c = NonstopConfig.load(write(Examples.MINIMAL));

    AppSpec w = c.apps().get("worker");
    assertThat(w.command()).containsExactly("sleep", "1000");
    assertThat(w.directory()).isEqualTo(dir.toAbsolutePath().normalize());
    assertThat(w.env()).isEmpty();
    assertThat(w.instances()).isEqualTo(1);
    assertThat(w.port()).isNull();
    assertThat(w.autorestart()).isEqualTo(Autorestart.ALWAYS);
    assertThat(w.startsecs()).isEqualTo(Duration.ofSeconds(1));
    assertThat(w.startretries()).isEqualTo(3);
    assertThat(w.backoff().toBackoff()).isEqualTo(dev.nonstop.core.Backoff.DEFAULT);
    assertThat(w.stop()).isEqualTo(new AppSpec.StopSpec(Signal.TERM, Duration.ofSeconds(30)));
    assertThat(w.health()).isEqualTo(new AppSpec.HealthSpec(null, null));
    assertThat(w.maxMemory()).isNull();
    assertThat(w.logs()).isEqualTo(new AppSpec.LogSpec(dir.toAbsolutePath().resolve("logs"), DataSize.ofMiB(10), 5));
    assertThat(w.dependsOn()).isEmpty();
    assertThat(c.admin().listen()).isEqualTo("127.0.0.1:9090");
  }

  @Test
  void otherValueFormsLoad() throws IOException {
    NonstopConfig c = NonstopConfig.load(write(Examples.BLOCK_STYLE));

    AppSpec api = c.apps().get("api");
    assertThat(api.command()).containsExactly("./api", "--verbose");
    assertThat(api.directory()).isEqualTo(Path.of("/tmp")); // absolute stays as is
    assertThat(api.port()).isZero();
    assertThat(api.autorestart()).isEqualTo(Autorestart.ON_FAILURE);
    assertThat(api.startsecs()).isEqualTo(Duration.ofMillis(500));
    assertThat(api.startretries()).isEqualTo(-1);
    assertThat(api.backoff()).isEqualTo(new AppSpec.BackoffSpec(Duration.ofSeconds(1), Duration.ofSeconds(90), 1.5));
    assertThat(api.stop()).isEqualTo(new AppSpec.StopSpec(Signal.INT, Duration.ofSeconds(10)));
    assertThat(api.health().liveness().tcp()).isTrue();
    assertThat(api.health().liveness().initialDelay()).isEqualTo(Duration.ofSeconds(5));
    assertThat(api.health().readiness()).isEqualTo(ProbeSpec.http("/ready"));
    assertThat(api.maxMemory()).isEqualTo(new DataSize(1L << 30));
    assertThat(api.logs()).isEqualTo(new AppSpec.LogSpec(Path.of("/var/log/api"), new DataSize(1_000_000), 0));
    assertThat(c.admin().host()).isEqualTo("::1");
    assertThat(c.admin().port()).isZero();
  }

  @Test
  void relativePathsAreResolvedAgainstTheConfigFilesDirectory() throws IOException {
    Path sub = Files.createDirectories(dir.resolve("conf"));
    Files.createDirectories(dir.resolve("srv/a"));
    Path file = Files.writeString(sub.resolve("nonstop.yaml"), """
        apps:
          a:
            command: x
            directory: ../srv/a
            logs: {dir: /var/log/a}
        """);

    AppSpec a = NonstopConfig.load(file).apps().get("a");

    assertThat(a.directory()).isEqualTo(dir.toAbsolutePath().resolve("srv/a").normalize());
    assertThat(a.logs().dir()).isEqualTo(Path.of("/var/log/a"));
  }

  @Test
  void appsKeepFileOrder() throws IOException {
    NonstopConfig c = NonstopConfig.load(write("""
        apps:
          zeta: {command: z}
          alpha: {command: a}
          mid: {command: m}
        """));

    assertThat(c.apps().keySet()).containsExactly("zeta", "alpha", "mid");
  }

  @Test
  void changingTheReturnedAppsChangesNothing() throws IOException {
    NonstopConfig c = NonstopConfig.load(write(Examples.MINIMAL));

    c.apps().clear();

    assertThat(c.apps()).containsOnlyKeys("worker");
  }

  @Test
  void adminListenSplitsHostAndPort() {
    assertThat(new NonstopConfig.Admin("localhost:0").host()).isEqualTo("localhost");
    assertThat(new NonstopConfig.Admin("localhost:0").port()).isZero();
    assertThat(new NonstopConfig.Admin("[::1]:9090").host()).isEqualTo("::1");
    assertThat(new NonstopConfig.Admin(null).port()).isEqualTo(9090);
    assertThatThrownBy(() -> new NonstopConfig.Admin("::1:9090").port())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'::1:9090' (expected: HOST:PORT like 127.0.0.1:9090 or [::1]:9090, port 0-65535)");
  }

  /** One bad file: the problem's line, key path and words after {@code (file):LINE: }. */
  record Bad(String name, String yaml, int line, String keyPath, String problem) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Bad> badFiles() {
    String app = "apps:\n  hello:\n    command: [sleep, '1000']\n";
    return Stream.of(
        new Bad("yaml syntax error", app + "    port: 9001\n     instances: 2\n", 5, "apps.hello.port",
            "YAML syntax error: mapping values are not allowed here"),
        new Bad("unknown key", app + "    healt:\n      liveness: {tcp: true}\n", 4, "apps.hello.healt",
            "unknown key (expected one of: command, directory, env, instances, port, autorestart, startsecs, "
                + "startretries, backoff, stop, health, max_memory, logs, depends_on, rollout)"),
        new Bad("gateway route to an unknown app", app + "    port: 0\ngateway:\n  routes:\n    - {path: /, app: helo}\n", 7,
            "gateway.routes[0].app", "'helo' (expected: one of the apps with a port: hello)"),
        new Bad("gateway route to an app without a port", app + "gateway:\n  routes:\n    - {path: /, app: hello}\n", 6,
            "gateway.routes[0].app", "'hello' has no port (expected: an app with a port; no app has one)"),
        new Bad("gateway upstream of an unknown app", app + "    port: 0\ngateway:\n  routes:\n    - {path: /, upstream: web}\n"
            + "  upstreams:\n    web: {app: nope}\n", 9, "gateway.upstreams.web.app",
            "'nope' (expected: one of the apps with a port: hello)"),
        new Bad("gateway and admin on one port", app + "    port: 0\ngateway:\n  listen: 127.0.0.1:9090\n  routes:\n"
            + "    - {path: /, app: hello}\nadmin:\n  listen: 127.0.0.1:9090\n", 10, "admin.listen",
            "'127.0.0.1:9090' (expected: a port other than gateway.listen's 9090)"),
        new Bad("wrong type", app + "    instances: many\n", 4, "apps.hello.instances",
            "'many' (expected: an integer)"),
        new Bad("bad duration", app + "    startsecs: 5 parsecs\n", 4, "apps.hello.startsecs",
            "'5 parsecs' (expected: a duration like 100ms, 2s, 1.5s, 5m, 1h, or a number of seconds)"),
        new Bad("bad size", app + "    logs:\n      max_size: 10 apples\n", 5, "apps.hello.logs.max_size",
            "'10 apples' (expected: a size like 512MiB, 10MB, 64KiB or a number of bytes)"),
        new Bad("bad signal", app + "    stop: {signal: STOPIT}\n", 4, "apps.hello.stop.signal",
            "'STOPIT' (expected: one of TERM, INT, HUP, QUIT, KILL, USR1, USR2, with or without SIG)"),
        new Bad("bad autorestart", app + "    autorestart: sometimes\n", 4, "apps.hello.autorestart",
            "'sometimes' (expected: one of always, on-failure, never)"),
        new Bad("no instances", app + "    port: 9001\n    instances: 0\n", 5, "apps.hello.instances",
            "0 (expected: >= 1)"),
        new Bad("port out of range", app + "    port: 70000\n", 4, "apps.hello.port",
            "70000 (expected: <= 65535)"),
        new Bad("unknown dependency", app + "    depends_on: [db]\n  web:\n    command: x\n", 4,
            "apps.hello.depends_on[0]", "'db' (expected: one of web)"),
        new Bad("dependency cycle", """
            apps:
              a: {command: x, depends_on: [b]}
              b: {command: x, depends_on: [c]}
              c:
                command: x
                depends_on:
                  - a
            """, 2, "apps.a.depends_on[0]", "cycle a -> b -> c -> a (expected: no dependency cycles)"),
        new Bad("two-app cycle", "apps:\n  a: {command: x}\n  b: {command: x, depends_on: [c]}\n  c: {command: x, depends_on: [a, b]}\n",
            3, "apps.b.depends_on[0]", "cycle b -> c -> b (expected: no dependency cycles)"),
        new Bad("depends on itself", app + "    depends_on: [hello]\n", 4, "apps.hello.depends_on[0]",
            "'hello' (expected: another app; an app cannot depend on itself)"),
        new Bad("admin port in an app's range", app + "    port: 9089\n    instances: 2\nadmin: {listen: '127.0.0.1:9090'}\n",
            6, "admin.listen", "'127.0.0.1:9090' (expected: a port outside apps.hello.port 9089-9090)"),
        new Bad("probe with http and tcp", app + "    port: 9001\n    health:\n      liveness: {http: /h, tcp: true}\n",
            6, "apps.hello.health.liveness", "http and tcp (expected: exactly one of http, tcp, exec)"),
        new Bad("http probe without port", app + "    health:\n      readiness:\n        http: /ready\n", 5,
            "apps.hello.health.readiness", "http probe without a port (expected: apps.hello.port set, the probe connects to it)"),
        new Bad("empty command", "apps:\n  hello:\n    command: []\n", 3, "apps.hello.command",
            "empty (expected: a program and its arguments)"),
        new Bad("unclosed quote", "apps:\n  hello:\n    instances: 2\n    command: \"sh -c 'exec sleep 1\"\n", 4,
            "apps.hello.command", "'sh -c 'exec sleep 1' (expected: a closing ')"),
        new Bad("bad admin listen", app + "admin:\n  listen: localhost\n", 5, "admin.listen",
            "'localhost' (expected: HOST:PORT like 127.0.0.1:9090 or [::1]:9090, port 0-65535)"),
        new Bad("overlapping ports", """
            apps:
              a: {command: x, port: 9001, instances: 3}
              b:
                command: x
                port: 9003
            """, 5, "apps.b.port", "9003 overlaps apps.a.port 9001-9003 (expected: each app its own ports)"),
        new Bad("missing directory", app + "    directory: no-such-dir\n", 4, "apps.hello.directory",
            "'no-such-dir' (expected: an existing directory)"),
        new Bad("empty file", "", 0, "", "empty (expected: a YAML mapping)"),
        new Bad("comments only", "# nothing yet\n", 0, "", "empty (expected: a YAML mapping)"),
        new Bad("no apps", "admin: {listen: '127.0.0.1:9090'}\n", 1, "apps", "none (expected: at least one app)"),
        new Bad("duplicate key", app + "    port: 1\n    port: 2\n", 5, "apps.hello.port",
            "duplicate key (expected: each key once per mapping)"),
        new Bad("name is not a key", app + "    name: other\n", 4, "apps.hello.name",
            "unknown key (expected one of: command, directory, env, instances, port, autorestart, startsecs, "
                + "startretries, backoff, stop, health, max_memory, logs, depends_on, rollout)"),
        new Bad("app without settings", "apps:\n  hello:\n", 2, "apps.hello", "null (expected: a value)"),
        new Bad("null env value", app + "    env:\n      A: 1\n      B:\n", 6, "apps.hello.env.B",
            "null (expected: a value)"),
        new Bad("bad app name", "apps:\n  -x:\n    command: x\n", 2, "apps.-x",
            "'-x' (expected: a name of letters, digits, '_', '.' and '-', starting with a letter or digit)"),
        new Bad("ports past 65535", app + "    port: 65535\n    instances: 2\n", 4, "apps.hello.port",
            "65535 with 2 instances reaches 65536 (expected: port + instances - 1 <= 65535)"),
        new Bad("zero probe period", app + "    health:\n      liveness: {exec: [true], period: 0s}\n", 5,
            "apps.hello.health.liveness.period", "0ms (expected: > 0)"),
        new Bad("backoff max below initial", app + "    backoff: {initial: 2s, max: 1s}\n", 4,
            "apps.hello.backoff.max", "1s (expected: >= initial 2s)"),
        new Bad("tiny log files", app + "    logs: {max_size: 100}\n", 4, "apps.hello.logs.max_size",
            "100B (expected: >= 1KiB)"),
        new Bad("first problem in file order wins", app + "    depends_on: [nope]\n    instances: 0\n", 4,
            "apps.hello.depends_on[0]", "'nope' (expected: no dependencies, there is no other app)"),
        new Bad("second document", Examples.MINIMAL + "---\nadmin: {}\n", 5, "",
            "a second YAML document (expected: one document)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFiles")
  void badFileIsRefusedWithOneLineNamingFileKeyAndLine(Bad bad) throws IOException {
    Path file = write(bad.yaml());

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> NonstopConfig.load(file));

    assertThat(e).as("no exception for %s", bad.name()).isNotNull();
    assertThat(e.getMessage()).doesNotContain("\n");
    String where = bad.line() > 0 ? file + ":" + bad.line() + ": " : file + ": ";
    String what = bad.keyPath().isEmpty() ? bad.problem() : bad.keyPath() + ": " + bad.problem();
    assertThat(e.getMessage()).isEqualTo(where + what);
    assertThat(e.file()).isEqualTo(file);
    assertThat(e.line()).isEqualTo(bad.line());
    assertThat(e.keyPath()).isEqualTo(bad.keyPath());
  }

  @Test
  void missingFileIsAConfigException() {
    Path file = dir.resolve("nope.yaml");

    assertThatThrownBy(() -> NonstopConfig.load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessage(file + ": not found (expected: a YAML file)");
  }
}
