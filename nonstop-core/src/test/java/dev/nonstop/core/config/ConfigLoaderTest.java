package dev.nonstop.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import dev.nonstop.core.DataSize;
import dev.nonstop.core.Signal;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  /** A config that uses every kind of value the loader knows. */
  public record Server(
      @Min(1) @Max(65535) Integer port,
      Duration timeout,
      Duration grace,
      DataSize buffer,
      Signal signal,
      Signal reload,
      Path root,
      Mode mode,
      List<@Valid Route> routes,
      Map<String, @Valid Limit> limits,
      @JsonProperty("max_conns") @Min(1) Integer maxConns,
      List<@NotBlank String> hosts,
      @JsonIgnore String secret) {}

  /** An enum written by its JSON names. */
  public enum Mode {
    /** Fast. */
    @JsonProperty("fast")
    FAST,
    /** Careful. */
    @JsonProperty("safe-ish")
    SAFE
  }

  /** A list element. */
  public record Route(@NotBlank String path, @JsonProperty("read_timeout") Duration readTimeout, @Min(1) int weight) {}

  /** A map value. */
  public record Limit(@JsonProperty("per_second") @Min(0) Integer perSecond) {}

  /** A value type that reads itself, from {@code a,b} only. */
  @JsonDeserialize(using = Pair.Reader.class)
  public record Pair(String first, String second) {
    /** Its deserializer: strings only, in its own words. */
    static final class Reader extends StdDeserializer<Pair> {
      Reader() {
        super(Pair.class);
      }

      @Override
      public Pair deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING || !p.getText().contains(",")) {
          throw JsonMappingException.from(p, "not a pair (expected: two words like a,b)");
        }
        String[] parts = p.getText().split(",", 2);
        return new Pair(parts[0], parts[1]);
      }
    }
  }

  /** A root holding a value type that reads itself. */
  public record Pairs(Pair pair) {}

  /** A record whose constraint is on a required list. */
  public record Hosts(@NotEmpty List<String> hosts) {}

  @TempDir Path dir;

  private Path write(String yaml) throws IOException {
    return Files.writeString(dir.resolve("server.yaml"), yaml);
  }

  private ConfigException refused(String yaml) throws IOException {
    return refused(yaml, s -> List.of());
  }

  private ConfigException refused(String yaml, Function<Server, List<ConfigProblem>> check) throws IOException {
    Path file = write(yaml);
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, Server.class, check));
    assertThat(e).as("refused").isNotNull();
    assertThat(e.getMessage()).doesNotContain("\n").startsWith(file.toString());
    return e;
  }

  /** The message without the file name, which is a temporary path. */
  private String where(ConfigException e) {
    return e.getMessage().substring(e.file().toString().length());
  }

  @Test
  void bindsEveryValueKind() throws IOException {
    Server s = ConfigLoader.load(write("""
        port: 8080
        timeout: 1m30s
        grace: 2.5        # a bare number is seconds
        buffer: 64KiB
        signal: SIGTERM
        reload: 1
        root: /srv/www
        mode: safe-ish
        routes:
          - {path: /a, read_timeout: 100ms, weight: 2}
          - path: /b
            weight: 1
        limits:
          api: {per_second: 10}
        max_conns: 100
        hosts: [a.example, b.example]
        """), Server.class);

    assertThat(s.port()).isEqualTo(8080);
    assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(s.grace()).isEqualTo(Duration.ofMillis(2500));
    assertThat(s.buffer()).isEqualTo(new DataSize(65536));
    assertThat(s.signal()).isEqualTo(Signal.TERM);
    assertThat(s.reload()).isEqualTo(Signal.HUP);
    assertThat(s.root()).isEqualTo(Path.of("/srv/www"));
    assertThat(s.mode()).isEqualTo(Mode.SAFE);
    assertThat(s.routes()).containsExactly(
        new Route("/a", Duration.ofMillis(100), 2), new Route("/b", null, 1));
    assertThat(s.limits()).containsExactly(Map.entry("api", new Limit(10)));
    assertThat(s.maxConns()).isEqualTo(100);
    assertThat(s.hosts()).containsExactly("a.example", "b.example");
  }

  @Test
  void unknownKeyListsTheKnownOnesInDeclarationOrder() throws IOException {
    ConfigException e = refused("port: 1\nroutes:\n  - path: /a\n    weigth: 2\n");

    assertThat(where(e)).isEqualTo(":4: routes[0].weigth: unknown key (expected one of: path, read_timeout, weight)");
    assertThat(e.keyPath()).isEqualTo("routes[0].weigth");
    assertThat(e.line()).isEqualTo(4);
  }

  @Test
  void unknownKeyIsReportedBeforeLaterValueProblems() throws IOException {
    assertThat(where(refused("routes:\n  - path: /a\n    wieght: 2\n    read_timeout: soon\n")))
        .isEqualTo(":3: routes[0].wieght: unknown key (expected one of: path, read_timeout, weight)");
    assertThat(where(refused("port: many\nmode: fast\nmodes: slow\n"))).isEqualTo(":1: port: 'many' (expected: an integer)");
    assertThat(where(refused("limits:\n  a: {per_second: 1, burst: 2}\n")))
        .isEqualTo(":2: limits.a.burst: unknown key (expected one of: per_second)");
    assertThat(where(refused("buffer: {bytes: 2}\n")))
        .isEqualTo(":1: buffer: a mapping (expected: a size like 512MiB, 10MB, 64KiB or a number of bytes)");
  }

  @Test
  void ignoredComponentIsNoKey() throws IOException {
    ConfigException e = refused("port: 1\nsecret: hunter2\n");

    assertThat(where(e)).isEqualTo(":2: secret: unknown key (expected one of: port, timeout, grace, buffer, "
        + "signal, reload, root, mode, routes, limits, max_conns, hosts)");
  }

  @Test
  void aTypeThatReadsItselfHasNoKeysToCheck() throws IOException {
    Path file = write("pair: {first: a, third: c}\n");

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, Pairs.class));

    assertThat(where(e)).isEqualTo(":1: pair: not a pair (expected: two words like a,b)");
    assertThat(ConfigLoader.load(write("pair: a,b\n"), Pairs.class).pair()).isEqualTo(new Pair("a", "b"));
  }

  @Test
  void wrongTypesNameTheValueAndTheType() throws IOException {
    assertThat(where(refused("port: many\n"))).isEqualTo(":1: port: 'many' (expected: an integer)");
    assertThat(where(refused("port: 80.5\n"))).isEqualTo(":1: port: 80.5 (expected: an integer)");
    assertThat(where(refused("port: ''\n"))).isEqualTo(":1: port: '' (expected: an integer)");
    assertThat(where(refused("port:\n  a: 1\n"))).isEqualTo(":1: port: a mapping (expected: an integer)");
    assertThat(where(refused("routes: 5\n"))).isEqualTo(":1: routes: '5' (expected: a list)");
    assertThat(where(refused("routes: [[1]]\n"))).isEqualTo(":1: routes[0]: a list (expected: a mapping)");
    assertThat(where(refused("mode: slow\n"))).isEqualTo(":1: mode: 'slow' (expected: one of fast, safe-ish)");
    assertThat(where(refused("timeout: [1s]\n")))
        .isEqualTo(":1: timeout: a list (expected: a duration like 100ms, 2s, 1.5s, 5m, 1h, or a number of seconds)");
  }

  @Test
  void valueParsersSpeakForThemselves() throws IOException {
    assertThat(where(refused("\n\ntimeout: 5 parsecs\n")))
        .isEqualTo(":3: timeout: '5 parsecs' (expected: a duration like 100ms, 2s, 1.5s, 5m, 1h, or a number of seconds)");
    assertThat(where(refused("grace: -1\n")))
        .isEqualTo(":1: grace: '-1' (expected: a duration like 100ms, 2s, 1.5s, 5m, 1h, or a number of seconds)");
    assertThat(where(refused("buffer: lots\n")))
        .isEqualTo(":1: buffer: 'lots' (expected: a size like 512MiB, 10MB, 64KiB or a number of bytes)");
    assertThat(where(refused("signal: 99\n")))
        .isEqualTo(":1: signal: '99' (expected: one of TERM, INT, HUP, QUIT, KILL, USR1, USR2, with or without SIG)");
  }

  @Test
  void nullsWhereAValueMustBe() throws IOException {
    assertThat(where(refused("routes:\n  - path: /a\n    weight: ~\n"))).isEqualTo(":3: routes[0].weight: null (expected: an integer)");
    assertThat(where(refused("routes:\n  - path: /a\n"))).isEqualTo(":2: routes[0].weight: missing (expected: an integer)");
    assertThat(where(refused("hosts:\n  - a\n  -\n"))).isEqualTo(":3: hosts[1]: null (expected: a value)");
    assertThat(where(refused("limits:\n  api:\n"))).isEqualTo(":2: limits.api: null (expected: a value)");
  }

  @Test
  void violationsUseYamlNamesAndNameTheValue() throws IOException {
    assertThat(where(refused("port: 0\n"))).isEqualTo(":1: port: 0 (expected: >= 1)");
    assertThat(where(refused("port: 70000\n"))).isEqualTo(":1: port: 70000 (expected: <= 65535)");
    assertThat(where(refused("max_conns: 0\n"))).isEqualTo(":1: max_conns: 0 (expected: >= 1)");
    assertThat(where(refused("routes:\n  - {path: /a, weight: 1}\n  - {path: /b, weight: 0}\n")))
        .isEqualTo(":3: routes[1].weight: 0 (expected: >= 1)");
    assertThat(where(refused("limits:\n  api:\n    per_second: -1\n")))
        .isEqualTo(":3: limits.api.per_second: -1 (expected: >= 0)");
    assertThat(where(refused("hosts:\n  - a\n  - ' '\n"))).isEqualTo(":3: hosts[1]: ' ' (expected: some text)");
  }

  @Test
  void missingRequiredValueIsReportedAtItsParent() throws IOException {
    Path file = write("\nother: 1\n");
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, Hosts.class));
    assertThat(where(e)).isEqualTo(":2: other: unknown key (expected one of: hosts)");

    Path empty = write("# hosts come later\nhosts: []\n");
    e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(empty, Hosts.class));
    assertThat(where(e)).isEqualTo(":2: hosts: empty (expected: at least one item)");

    Path none = write("\nhosts:\n");
    e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(none, Hosts.class));
    assertThat(where(e)).isEqualTo(":2: hosts: missing (expected: at least one item)");
  }

  @Test
  void firstProblemInFileOrderWinsAcrossViolationsAndChecks() throws IOException {
    String yaml = "port: 0\nmax_conns: 0\nroutes: [{path: /a, weight: 0}]\n";
    assertThat(where(refused(yaml))).isEqualTo(":1: port: 0 (expected: >= 1)");
    assertThat(where(refused("\n" + yaml, s -> List.of(new ConfigProblem("", "(expected: a shorter file)")))))
        .isEqualTo(":2: (expected: a shorter file)");
    assertThat(where(refused("mode: fast\n" + yaml, s -> List.of(new ConfigProblem("mode", "fast (expected: slow)")))))
        .isEqualTo(":1: mode: fast (expected: slow)");
    assertThat(where(refused("max_conns: 0\nroutes: [{path: /a, weight: 1}]\n",
        s -> List.of(new ConfigProblem("routes[0].weight", "1 (expected: 2)")))))
        .isEqualTo(":1: max_conns: 0 (expected: >= 1)");
  }

  @Test
  void problemsOnOneLineGoInColumnOrder() throws IOException {
    assertThat(where(refused("routes: [{weight: 0, path: ''}]\n"))).isEqualTo(":1: routes[0].weight: 0 (expected: >= 1)");
    assertThat(where(refused("routes: [{path: '', weight: 0}]\n"))).isEqualTo(":1: routes[0].path: '' (expected: some text)");
  }

  @Test
  void checkProblemComesBeforeAViolationOnTheSameKey() throws IOException {
    assertThat(where(refused("port: 0\n", s -> List.of(new ConfigProblem("port", "0 (expected: a fixed port)")))))
        .isEqualTo(":1: port: 0 (expected: a fixed port)");
  }

  @Test
  void checkProblemOnAnUnwrittenKeyGetsTheLineOfItsNearestWrittenParent() throws IOException {
    ConfigException e = refused("port: 1\nroutes:\n  - path: /a\n    weight: 1\n",
        s -> List.of(new ConfigProblem("routes[0].read_timeout", "missing (expected: a timeout for /a)")));

    assertThat(where(e)).isEqualTo(":3: routes[0].read_timeout: missing (expected: a timeout for /a)");
  }

  @Test
  void checkSeesTheBoundValue() throws IOException {
    Path file = write("port: 22\n");

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, Server.class,
        s -> s.port() == 22 ? List.of(new ConfigProblem("port", "22 (expected: not ssh)")) : List.of()));

    assertThat(where(e)).isEqualTo(":1: port: 22 (expected: not ssh)");
  }

  @Test
  void syntaxErrorsNameTheLineAndTheKeyBeingRead() throws IOException {
    assertThat(where(refused("port: 1\nroutes:\n  - path: /a\n   weight: 1\n")))
        .isEqualTo(":4: routes[0]: YAML syntax error: expected <block end>, but found '<block mapping start>' "
            + "(while parsing a block collection started on line 3)");
    assertThat(where(refused("port: 1\nroot: \"/srv\n\nmode: fast\n")))
        .isEqualTo(":5: root: YAML syntax error: found unexpected end of stream "
            + "(while scanning a quoted scalar started on line 2)");
    assertThat(where(refused("port: 1\n\tmode: fast\n")))
        .startsWith(":2: port: YAML syntax error: ");
  }

  @Test
  void duplicateKeysAreRefused() throws IOException {
    assertThat(where(refused("port: 1\nmode: fast\nport: 2\n")))
        .isEqualTo(":3: port: duplicate key (expected: each key once per mapping)");
    assertThat(where(refused("limits:\n  a: {per_second: 1, per_second: 2}\n")))
        .isEqualTo(":2: limits.a.per_second: duplicate key (expected: each key once per mapping)");
  }

  @Test
  void aliasesRepeatTheirAnchorsValue() throws IOException {
    Server s = ConfigLoader.load(write("""
        routes:
          - &slow {path: /a, read_timeout: 10s, weight: 1}
          - *slow
        hosts: [&h a.example, *h]
        """), Server.class);

    assertThat(s.routes()).containsExactly(
        new Route("/a", Duration.ofSeconds(10), 1), new Route("/a", Duration.ofSeconds(10), 1));
    assertThat(s.hosts()).containsExactly("a.example", "a.example");
  }

  @Test
  void mergeKeysAreRefused() throws IOException {
    // Binding a record cannot let path: /b override the merged path, so no merge keys at all.
    assertThat(where(refused("routes:\n  - &r {path: /a, weight: 1}\n  - <<: *r\n    path: /b\n")))
        .isEqualTo(":3: routes[1].<<: merge key (expected: the keys written out; aliases of whole values work, << does not)");
  }

  @Test
  void problemInAliasedContentIsReportedWhereTheAnchorIs() throws IOException {
    assertThat(where(refused("routes:\n  - &r {path: /a, weight: 0}\n  - *r\n")))
        .isEqualTo(":2: routes[0].weight: 0 (expected: >= 1)");
  }

  @Test
  void aliasOfAnUndefinedAnchorIsRefused() throws IOException {
    assertThat(where(refused("port: 1\nhosts: [a, *nope]\n"))).isEqualTo(":2: hosts[0]: YAML syntax error: invalid alias nope");
  }

  @Test
  void numbersTooLargeForTheirTypeNameTheRange() throws IOException {
    assertThat(where(refused("port: 99999999999\n")))
        .isEqualTo(":1: port: '99999999999' (expected: an integer from -2147483648 to 2147483647)");
  }

  @Test
  void secondDocumentIsRefused() throws IOException {
    assertThat(where(refused("port: 1\n---\nport: 2\n"))).isEqualTo(":3: a second YAML document (expected: one document)");
  }

  @Test
  void emptyDocumentsAreRefused() throws IOException {
    assertThat(where(refused(""))).isEqualTo(": empty (expected: a YAML mapping)");
    assertThat(where(refused("# just a comment\n\n"))).isEqualTo(": empty (expected: a YAML mapping)");
    assertThat(where(refused("---\n"))).isEqualTo(": empty (expected: a YAML mapping)");
    assertThat(where(refused("~\n"))).isEqualTo(": empty (expected: a YAML mapping)");
  }

  @Test
  void otherRootsThanAMappingAreRefused() throws IOException {
    assertThat(where(refused("- port: 1\n"))).isEqualTo(":1: a list (expected: a mapping)");
    assertThat(where(refused("hello\n"))).isEqualTo(":1: 'hello' (expected: a mapping)");
  }

  @Test
  void unreadableFilesAreConfigExceptionsToo() throws IOException {
    Path missing = dir.resolve("missing.yaml");
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(missing, Server.class));
    assertThat(e).hasMessage(missing + ": not found (expected: a YAML file)");
    assertThat(e.line()).isZero();
    assertThat(e.keyPath()).isEmpty();

    e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(dir, Server.class));
    assertThat(e).hasMessage(dir + ": a directory (expected: a YAML file)");

    Path latin1 = Files.write(dir.resolve("latin1.yaml"), new byte[] {'p', ':', ' ', (byte) 0xE9, '\n'});
    e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(latin1, Server.class));
    assertThat(e).hasMessage(latin1 + ": not UTF-8 text (expected: a YAML file in UTF-8)");
  }

  @Test
  void fileIsNamedAsGiven() throws IOException {
    write("port: 0\n");
    Path relative = Path.of("").toAbsolutePath().relativize(dir.resolve("server.yaml"));

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(relative, Server.class));

    assertThat(e.file()).isEqualTo(relative);
    assertThat(e).hasMessage(relative + ":1: port: 0 (expected: >= 1)");
  }

  @Test
  void messageLeavesOutWhatIsUnknown() {
    assertThat(new ConfigException(Path.of("a.yaml"), "x.y", 3, "bad")).hasMessage("a.yaml:3: x.y: bad");
    assertThat(new ConfigException(Path.of("a.yaml"), "", 3, "bad")).hasMessage("a.yaml:3: bad");
    assertThat(new ConfigException(Path.of("a.yaml"), "x", 0, "bad")).hasMessage("a.yaml: x: bad");
  }
}
