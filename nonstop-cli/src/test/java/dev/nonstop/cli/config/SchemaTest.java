package dev.nonstop.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.nonstop.core.DataSize;
import dev.nonstop.core.config.ConfigException;
import dev.nonstop.supervisor.AppSpec;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code schema/nonstop.schema.json} agrees with the loader, and names the same keys as the records. */
class SchemaTest {
  /** Keys that have no default: required, or absent means "none". */
  private static final Set<String> NO_DEFAULT =
      Set.of("apps", "command", "port", "liveness", "readiness", "max_memory", "http", "tcp", "exec");

  private static JsonNode schemaTree;
  private static Schema schema;

  @BeforeAll
  static void readSchema() throws IOException {
    Path file = find(Path.of("").toAbsolutePath(), "schema/nonstop.schema.json");
    String schemaText = Files.readString(file);
    schemaTree = new ObjectMapper().readTree(schemaText);
    schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
        .getSchema(schemaText, InputFormat.JSON);
  }

  /** The schema and the demo config live at the repository root; tests run in the module's directory. */
  private static Path find(Path from, String name) {
    for (Path d = from; d != null; d = d.getParent()) {
      Path f = d.resolve(name);
      if (Files.isRegularFile(f)) {
        return f;
      }
    }
    throw new AssertionError(name + ": not found above " + from);
  }

  private static List<Error> errors(String yaml) {
    return schema.validate(yaml, InputFormat.YAML);
  }

  @ParameterizedTest
  @ValueSource(strings = {"FULL", "MINIMAL", "BLOCK_STYLE"})
  void acceptsTheExamples(String name) throws ReflectiveOperationException {
    String yaml = (String) Examples.class.getDeclaredField(name).get(null);

    assertThat(errors(yaml)).isEmpty();
  }

  @Test
  void acceptsTheRepositorysOwnConfig() throws IOException {
    Path file = find(Path.of("").toAbsolutePath(), "nonstop.yaml");

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
    List<String> problems = new ArrayList<>();
    compare(NonstopConfig.class, schemaTree, "", problems);

    assertThat(problems).isEmpty();
  }

  @Test
  void everyKeyHasADescriptionAndADefaultUnlessAbsentMeansNone() {
    List<String> problems = new ArrayList<>();
    describe(schemaTree, "", problems);

    assertThat(problems).isEmpty();
  }

  /** Walks the records and the schema side by side, noting keys only one of them has. */
  private static void compare(Class<?> type, JsonNode node, String path, List<String> problems) {
    node = resolve(node);
    if (!node.path("additionalProperties").isBoolean() || node.path("additionalProperties").asBoolean()) {
      problems.add(path + ": additionalProperties is not false");
    }
    List<String> recordKeys = new ArrayList<>();
    for (RecordComponent c : type.getRecordComponents()) {
      if (c.getAccessor().isAnnotationPresent(JsonIgnore.class)) {
        continue;
      }
      JsonProperty p = c.getAccessor().getAnnotation(JsonProperty.class);
      String key = p == null || p.value().isEmpty() ? c.getName() : p.value();
      recordKeys.add(key);
      JsonNode property = node.path("properties").path(key);
      if (property.isMissingNode()) {
        problems.add(child(path, key) + ": in " + type.getSimpleName() + ", not in the schema");
        continue;
      }
      Type t = c.getGenericType();
      if (isConfigRecord(t)) {
        compare((Class<?>) t, property, child(path, key), problems);
      } else if (t instanceof ParameterizedType pt && Map.class.isAssignableFrom((Class<?>) pt.getRawType())
          && isConfigRecord(pt.getActualTypeArguments()[1])) {
        compare((Class<?>) pt.getActualTypeArguments()[1], resolve(property).path("additionalProperties"),
            child(path, key) + ".*", problems);
      }
    }
    node.path("properties").fieldNames().forEachRemaining(key -> {
      if (!recordKeys.contains(key)) {
        problems.add(child(path, key) + ": in the schema, not in " + type.getSimpleName());
      }
    });
  }

  private static boolean isConfigRecord(Type t) {
    return t instanceof Class<?> c && c.isRecord() && c != DataSize.class
        && (c.getPackageName().equals(AppSpec.class.getPackageName())
            || c.getPackageName().equals(NonstopConfig.class.getPackageName()));
  }

  /** Notes keys without a description, or without a default where one exists. */
  private static void describe(JsonNode node, String path, List<String> problems) {
    node = resolve(node);
    JsonNode props = node.path("properties");
    props.fieldNames().forEachRemaining(key -> {
      JsonNode p = props.get(key);
      if (!p.hasNonNull("description")) {
        problems.add(child(path, key) + ": no description");
      }
      if (!p.has("default") && !NO_DEFAULT.contains(key)) {
        problems.add(child(path, key) + ": no default");
      }
      describe(p, child(path, key), problems);
    });
    JsonNode additional = node.path("additionalProperties");
    if (additional.isObject()) {
      describe(additional, path + ".*", problems);
    }
  }

  private static JsonNode resolve(JsonNode node) {
    JsonNode ref = node.path("$ref");
    return ref.isTextual() ? schemaTree.at(ref.asText().substring(1)) : node;
  }

  private static String child(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  @Test
  void schemaDeclaresDraft2020() {
    assertThat(schemaTree.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
  }
}
