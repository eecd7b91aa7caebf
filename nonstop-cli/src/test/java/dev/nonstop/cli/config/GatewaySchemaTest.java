package dev.nonstop.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nonstop.core.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code schema/gateway.schema.json} agrees with the loader, and names the same keys as the records. */
class GatewaySchemaTest {
  /** Keys that have no default: required, computed, or absent means "none". */
  static final Set<String> NO_DEFAULT = Set.of("gateway", "routes", "upstreams", "path", "host", "upstream", "app",
      "rate_limit", "servers", "health", "http", "per_try_timeout", "address", "per_ip", "burst");

  private static final SchemaFile SCHEMA = SchemaFile.read("gateway.schema.json");

  /** Lines under upstream {@code web} follow at six spaces, under {@code gateway} at two. */
  private static final String BASE = GatewayExamples.MINIMAL.replace(
      "  routes: [{path: /, upstream: web}]\n  upstreams:\n    web: {servers: [\"127.0.0.1:9001\"]}\n",
      "  routes: [{path: /, upstream: web}]\n  upstreams:\n    web:\n      servers: [\"127.0.0.1:9001\"]\n");

  @ParameterizedTest
  @ValueSource(strings = {"FULL", "MINIMAL", "BLOCK_STYLE"})
  void acceptsTheExamples(String name) throws ReflectiveOperationException {
    String yaml = (String) GatewayExamples.class.getDeclaredField(name).get(null);

    assertThat(SCHEMA.errors(yaml)).isEmpty();
  }

  @Test
  void acceptsTheRepositorysOwnConfig() throws IOException {
    Path file = SchemaFile.find(Path.of("").toAbsolutePath(), "gateway.yaml");

    assertThat(SCHEMA.errors(Files.readString(file))).isEmpty();
    assertThat(GatewayConfig.load(file).gateway().routes()).isNotEmpty();
  }

  static Stream<Arguments> badFiles() {
    return Stream.of(
        Arguments.of("no gateway", "admin: {listen: '127.0.0.1:9090'}\n"),
        Arguments.of("no routes", "gateway:\n  upstreams:\n    web: {servers: ['127.0.0.1:9001']}\n"),
        Arguments.of("unknown key", BASE + "      timeuot: 2s\n"),
        Arguments.of("unknown top-level key", BASE + "gatway: {}\n"),
        Arguments.of("unknown server key", BASE.replace("\"127.0.0.1:9001\"", "{addr: '127.0.0.1:9001'}")),
        Arguments.of("route without slash", BASE.replace("path: /", "path: api")),
        Arguments.of("route without upstream", BASE.replace(", upstream: web", "")),
        Arguments.of("unknown balance", BASE + "      balance: fastest\n"),
        Arguments.of("hash of something else", BASE + "      balance: hash(body)\n"),
        Arguments.of("bad rate", BASE + "  rate_limit: {per_ip: 100/x}\n"),
        Arguments.of("rate without unit", BASE + "  rate_limit: {per_ip: 100}\n"),
        Arguments.of("rate limit without rate", BASE + "  rate_limit: {burst: 5}\n"),
        Arguments.of("failure rate above 100%", BASE + "      circuit_breaker: {failure_rate: 150%}\n"),
        Arguments.of("failure rate 0", BASE + "      circuit_breaker: {failure_rate: 0}\n"),
        Arguments.of("budget above 100", BASE + "      retries: {budget_percent: 101}\n"),
        Arguments.of("fractional percentage", BASE + "      outlier: {max_ejection_percent: 12.5%}\n"),
        Arguments.of("server without port", BASE.replace("127.0.0.1:9001", "localhost")),
        Arguments.of("server port out of range", BASE.replace("9001", "70000")),
        Arguments.of("server port 0", BASE.replace("9001", "0")),
        Arguments.of("empty servers", BASE.replace("[\"127.0.0.1:9001\"]", "[]")),
        Arguments.of("weight 0", BASE.replace("\"127.0.0.1:9001\"", "{address: '127.0.0.1:9001', weight: 0}")),
        Arguments.of("too many retries", BASE + "      retries: {attempts: 11}\n"),
        Arguments.of("health path without slash", BASE + "      health: {http: readyz}\n"),
        Arguments.of("health rise 0", BASE + "      health: {rise: 0}\n"),
        Arguments.of("bad duration", BASE + "      slow_start: soon\n"),
        Arguments.of("negative keepalive", BASE + "      keepalive: {max_idle: -1}\n"),
        Arguments.of("trusted proxy by name", BASE + "  trusted_proxies: [lb.internal]\n"),
        Arguments.of("bad listen", BASE + "  listen: '8080'\n"),
        Arguments.of("bad admin listen", BASE + "admin: {listen: localhost}\n"),
        Arguments.of("bad size", BASE + "  limits: {max_header_size: lots}\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFiles")
  void refusesWhatTheLoaderRefuses(String name, String yaml, @TempDir Path dir) throws IOException {
    assertThat(SCHEMA.errors(yaml)).as(name).isNotEmpty();
    // And the other way round: the schema is no stricter than the loader here.
    Path file = Files.writeString(dir.resolve("gateway.yaml"), yaml);
    assertThatThrownBy(() -> GatewayConfig.load(file)).as(name).isInstanceOf(ConfigException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"100/s", "6000/m", "10/h", "0.5/s", ".5/s", "10 / s", " 1/m "})
  void ratePatternMatchesWhatTheLoaderReads(String rate, @TempDir Path dir) throws IOException {
    String yaml = BASE + "  rate_limit: {per_ip: '" + rate + "'}\n";

    assertThat(SCHEMA.errors(yaml)).isEmpty();
    assertThat(GatewayConfig.load(Files.writeString(dir.resolve("gateway.yaml"), yaml)).gateway().rateLimit()).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "50", "100", "'50%'", "'50 %'", "'0%'", "'100%'", "'7'"})
  void percentPatternMatchesWhatTheLoaderReads(String percent, @TempDir Path dir) throws IOException {
    String yaml = BASE + "      outlier: {max_ejection_percent: " + percent + "}\n";

    assertThat(SCHEMA.errors(yaml)).isEmpty();
    GatewayConfig.load(Files.writeString(dir.resolve("gateway.yaml"), yaml));
  }

  @ParameterizedTest
  @ValueSource(strings = {"round_robin", "weighted", "least_conn", "ip_hash", "p2c", "ewma", "hash(header:X-User)",
      "hash(cookie:session_id)"})
  void balancePatternMatchesWhatTheLoaderReads(String balance, @TempDir Path dir) throws IOException {
    String yaml = BASE + "      balance: \"" + balance + "\"\n";

    assertThat(SCHEMA.errors(yaml)).isEmpty();
    GatewayConfig.load(Files.writeString(dir.resolve("gateway.yaml"), yaml));
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1:1", "[::1]:9001", "backend.internal:65535", "host-1:80"})
  void addressPatternMatchesWhatTheLoaderReads(String address, @TempDir Path dir) throws IOException {
    String yaml = BASE.replace("127.0.0.1:9001", address);

    assertThat(SCHEMA.errors(yaml)).isEmpty();
    GatewayConfig.load(Files.writeString(dir.resolve("gateway.yaml"), yaml));
  }

  @Test
  void everyRecordKeyIsInTheSchemaAndEverySchemaKeyIsARecordKey() {
    assertThat(SCHEMA.compare(GatewayConfig.class)).isEmpty();
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
