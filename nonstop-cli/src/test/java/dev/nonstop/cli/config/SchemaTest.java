package dev.nonstop.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.networknt.schema.Error;
import dev.nonstop.core.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code schema/nonstop.schema.json} agrees with the loader, and names the same keys as the records. */
class SchemaTest {
  /** Keys that have no default: required, or absent means "none". */
  private static final Set<String> NO_DEFAULT = java.util.stream.Stream.concat(
          Stream.of("apps", "command", "port", "liveness", "readiness", "max_memory", "http", "tcp", "exec"),
          GatewaySchemaTest.NO_DEFAULT.stream()) // the gateway block is the same as gateway.yaml's
      .collect(java.util.stream.Collectors.toUnmodifiableSet());

  private static final SchemaFile SCHEMA = SchemaFile.read("nonstop.schema.json");

  private static List<Error> errors(String yaml) {
    return SCHEMA.errors(yaml);
  }

  @ParameterizedTest
  @ValueSource(strings = {"FULL", "MINIMAL", "BLOCK_STYLE"})
  void acceptsTheExamples(String name) throws ReflectiveOperationException {
    String yaml = (String) Examples.class.getDeclaredField(name).get(null);

    assertThat(errors(yaml)).isEmpty();
  }

  @Test
  void acceptsTheRepositorysOwnConfig() throws IOException {
    Path file = SchemaFile.find(Path.of("").toAbsolutePath(), "nonstop.yaml");

    assertThat(errors(Files.readString(file))).isEmpty();
    assertThat(NonstopConfig.load(file).apps()).isNotEmpty();
  }

  static Stream<Arguments> badFiles() {
    String app = "apps:\n  hello:\n    command: [sleep, '1000']\n";
    return Stream.of(
        Arguments.of("unknown key", app + "    healt: {}\n"),
        Arguments.of("unknown top-level key", app + "admn: {}\n"),
        Arguments.of("no apps", "admin: {listen: '127.0.0.1:9090'}\n"),
        Arguments.of("empty apps", "apps: {}\n"),
        Arguments.of("bad app name", "apps:\n  -x: {command: x}\n"),
        Arguments.of("no command", "apps:\n  hello: {instances: 2}\n"),
        Arguments.of("empty command list", "apps:\n  hello: {command: []}\n"),
        Arguments.of("blank command string", "apps:\n  hello: {command: '  '}\n"),
        Arguments.of("wrong type", app + "    instances: many\n"),
        Arguments.of("no instances", app + "    instances: 0\n"),
        Arguments.of("port out of range", app + "    port: 70000\n"),
        Arguments.of("bad duration", app + "    startsecs: 5 parsecs\n"),
        Arguments.of("negative duration", app + "    startsecs: -1\n"),
        Arguments.of("bad size", app + "    max_memory: 10 apples\n"),
        Arguments.of("bad signal", app + "    stop: {signal: STOPIT}\n"),
        Arguments.of("bad autorestart", app + "    autorestart: sometimes\n"),
        Arguments.of("multiplier below 1", app + "    backoff: {multiplier: 0.5}\n"),
        Arguments.of("probe with http and tcp", app + "    port: 1\n    health:\n      liveness: {http: /h, tcp: true}\n"),
        Arguments.of("probe with no check", app + "    health:\n      liveness: {period: 1s}\n"),
        Arguments.of("tcp false", app + "    port: 1\n    health:\n      liveness: {tcp: false}\n"),
        Arguments.of("http path without slash", app + "    port: 1\n    health:\n      readiness: {http: ready}\n"),
        Arguments.of("http probe without port", app + "    health:\n      readiness: {http: /ready}\n"),
        Arguments.of("tcp probe without port", app + "    health:\n      liveness: {tcp: true}\n"),
        Arguments.of("bad admin listen", app + "admin: {listen: localhost}\n"),
        Arguments.of("admin port out of range", app + "admin: {listen: '127.0.0.1:65536'}\n"),
        Arguments.of("unbracketed IPv6", app + "admin: {listen: '::1:9090'}\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFiles")
  void refusesWhatTheLoaderRefuses(String name, String yaml, @TempDir Path dir) throws IOException {
    assertThat(errors(yaml)).as(name).isNotEmpty();
    // And the other way round: the schema is no stricter than the loader here.
    Path file = Files.writeString(dir.resolve("nonstop.yaml"), yaml);
    assertThatThrownBy(() -> NonstopConfig.load(file)).as(name).isInstanceOf(ConfigException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"100ms", "2s", "1.5s", "5m", "1h", "1d", "1m30s", "10ns", "3us", "3\u00b5s", "2S", "0.5", "7"})
  void durationPatternMatchesWhatDurationsParse(String d) {
    assertThat(errors("apps:\n  a: {command: x, startsecs: '" + d + "'}\n")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"512MiB", "1.5GiB", "64k", "64KiB", "10MB", "1GB", "4096", "10 MiB", "1B", "2mi"})
  void sizePatternMatchesWhatDataSizeParses(String s) {
    assertThat(errors("apps:\n  a: {command: x, max_memory: '" + s + "'}\n")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"TERM", "SIGTERM", "term", "sigint", "HUP", "QUIT", "KILL", "USR1", "USR2", "15", "9"})
  void signalPatternMatchesWhatSignalParses(String s) {
    assertThat(errors("apps:\n  a: {command: x, stop: {signal: '" + s + "'}}\n")).isEmpty();
  }

  @Test
  void everyRecordKeyIsInTheSchemaAndEverySchemaKeyIsARecordKey() {
    assertThat(SCHEMA.compare(NonstopConfig.class)).isEmpty();
  }

  @Test
  void everyKeyHasADescriptionAndADefaultUnlessAbsentMeansNone() {
    assertThat(SCHEMA.undescribed(NO_DEFAULT)).isEmpty();
  }

  @Test
  void schemaDeclaresDraft2020() {
    assertThat(SCHEMA.tree.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
  }
}
