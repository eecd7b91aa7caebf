package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.web.Engine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nonstop gateway} as users run it: the packaged jar in its own process in front of
 * nonstop-web servers in this JVM, driven by signals, edits of its file and its admin API.
 */
class GatewayCommandIT {
  private static final Path NONSTOP_JAR = Path.of(System.getProperty("nonstop.jar", "target/nonstop.jar"));
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The line {@code balance: fastest} is on in {@link #writeConfig}'s output when {@code broken}. */
  private static final int BROKEN_LINE = 8;

  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();
  private final List<Engine> upstreams = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private Path config;
  private Path out;
  private Path err;
  private int port;

  @AfterEach
  void cleanUp() throws IOException {
    for (Process p : started) {
      p.destroyForcibly();
    }
    upstreams.forEach(e -> e.stop(Duration.ZERO));
    http.shutdownNow();
    // Into the test's output file, which is read only when a test fails.
    for (Path f : new Path[] {out, err}) {
      if (f != null && Files.exists(f)) {
        System.out.println("--- " + f.getFileName() + "\n" + Files.readString(f));
      }
    }
  }

  /** A server that answers {@code /id} with its name and {@code /slow} after {@code ms}. */
  private Engine upstream(String name, AtomicInteger inFlight) {
    Engine e = Engine.builder().host("127.0.0.1").drainTimeout(Duration.ofSeconds(1)).build();
    e.get("/id", c -> c.string(200, name));
    e.get("/slow", c -> {
      inFlight.incrementAndGet();
      Thread.sleep(Long.parseLong(c.query("ms", "1000")));
      c.string(200, name);
    });
    e.start(0);
    upstreams.add(e);
    return e;
  }

  private Engine upstream(String name) {
    return upstream(name, new AtomicInteger());
  }

  private static String address(Engine e) {
    return "127.0.0.1:" + e.port();
  }

  /** Writes {@code gateway.yaml}: one route to upstream {@code web} of these servers. */
  private void writeConfig(boolean broken, Engine... servers) throws IOException {
    config = dir.resolve("gateway.yaml");
    List<String> addresses = Arrays.stream(servers).map(e -> "\"" + address(e) + "\"").toList();
    Files.writeString(config, """
        gateway:
          listen: 127.0.0.1:0
          routes:
            - {path: /, upstream: web}
          upstreams:
            web:
              servers: [%s]
              balance: %s
        admin:
          listen: 127.0.0.1:0
        """.formatted(String.join(", ", addresses), broken ? "fastest" : "round_robin"));
  }

  private Process start() throws IOException {
    out = dir.resolve("gateway-" + started.size() + ".out");
    err = dir.resolve("gateway-" + started.size() + ".err");
    // `env --default-signal=HUP`: a test run under nohup passes an ignored SIGHUP on to its children,
    // and the JVM then leaves SIGHUP alone (on purpose), so the reload tests would see nothing.
    Process p = new ProcessBuilder("env", "--default-signal=HUP", JAVA, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-jar", NONSTOP_JAR.toString(),
        "gateway", "-c", config.toString())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    started.add(p);
    return p;
  }

  /** Starts the gateway and waits for its "listening" line, which names the port it chose. */
  private Process startAndAwaitListening() throws IOException {
    Process p = start();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(p.isAlive()).as("gateway exited: %s", Files.readString(err)).isTrue();
      JsonNode line = logLines().stream()
          .filter(l -> l.path("message").asText().startsWith("nonstop gateway: listening on port"))
          .findFirst().orElseThrow(() -> new AssertionError("no listening line yet"));
      port = line.path("port").asInt();
    });
    return p;
  }

  private List<JsonNode> logLines() {
    try {
      List<JsonNode> lines = new ArrayList<>();
      for (String l : Files.readAllLines(out)) {
        if (l.startsWith("{")) {
          lines.add(JSON.readTree(l));
        }
      }
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String adminUrl() throws IOException {
    return JSON.readTree(Files.readString(dir.resolve(".gateway.yaml.admin"))).path("url").asText();
  }

  private String bearer() throws IOException {
    return "Bearer " + Files.readString(dir.resolve(".gateway.yaml.token")).trim();
  }

  private HttpResponse<String> send(String method, String url, String auth) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (auth != null) {
      b.header("Authorization", auth);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Who answers {@code /id} through the gateway. */
  private String id() throws Exception {
    HttpResponse<String> r = send("GET", "http://127.0.0.1:" + port + "/id", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }

  private Set<String> ids(int requests) throws Exception {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < requests; i++) {
      seen.add(id());
    }
    return seen;
  }

  private void signal(Process p, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }

  @Test
  void proxiesAndTheAdminApiDrainsAndUndrainsServers() throws Exception {
    Engine a = upstream("a");
    Engine b = upstream("b");
    writeConfig(false, a, b);
    startAndAwaitListening();
    assertThat(ids(4)).containsExactlyInAnyOrder("a", "b");

    String upstreams = adminUrl() + "/v1/upstreams";
    assertThat(send("GET", upstreams, null).statusCode()).isEqualTo(401);
    assertThat(send("GET", upstreams, "Bearer wrong").statusCode()).isEqualTo(401);
    HttpResponse<String> listed = send("GET", upstreams, bearer());
    assertThat(listed.statusCode()).isEqualTo(200);
    JsonNode web = JSON.readTree(listed.body()).path("upstreams").get(0);
    assertThat(web.path("name").asText()).isEqualTo("web");
    assertThat(web.path("balance").asText()).isEqualTo("round_robin");
    assertThat(web.path("servers").findValuesAsText("address")).containsExactly(address(a), address(b));
    assertThat(web.path("servers").findValuesAsText("state")).containsExactly("up", "up");

    String serverA = adminUrl() + "/v1/upstreams/web/servers/" + address(a);
    assertThat(send("POST", serverA + "/drain", null).statusCode()).isEqualTo(401);
    assertThat(send("POST", serverA + "/drain", bearer()).statusCode()).isEqualTo(200);
    assertThat(ids(6)).containsExactly("b");
    JsonNode drained = JSON.readTree(send("GET", upstreams, bearer()).body()).path("upstreams").get(0);
    assertThat(drained.path("servers").findValuesAsText("state")).containsExactly("draining", "up");

    assertThat(send("POST", serverA + "/undrain", bearer()).statusCode()).isEqualTo(200);
    assertThat(ids(4)).containsExactlyInAnyOrder("a", "b");
    assertThat(send("POST", adminUrl() + "/v1/upstreams/web/servers/127.0.0.1:1/drain", bearer()).statusCode())
        .isEqualTo(404);

    HttpResponse<String> metrics = send("GET", adminUrl() + "/metrics", null); // no token needed
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("nonstop_gateway_requests_total{route=\"/\",status=\"2xx\",upstream=\"web\"} 14.0");
  }

  @Test
  void sighupAppliesTheEditedFileAndABrokenEditKeepsTheOldConfig() throws Exception {
    Engine a = upstream("a");
    Engine b = upstream("b");
    writeConfig(false, a);
    Process gateway = startAndAwaitListening();
    assertThat(ids(3)).containsExactly("a");

    writeConfig(false, b);
    signal(gateway, "HUP");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(id()).isEqualTo("b"));
    assertThat(ids(4)).containsExactly("b");

    writeConfig(true, a);
    signal(gateway, "HUP");
    String expected = config + ":" + BROKEN_LINE + ": gateway.upstreams.web.balance: 'fastest'";
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(logLines())
        .filteredOn(l -> l.path("message").asText().startsWith("reload refused"))
        .singleElement()
        .satisfies(l -> {
          assertThat(l.path("message").asText()).contains(expected).doesNotContain("\n");
          assertThat(l.path("level").asText()).isEqualTo("ERROR");
        }));
    assertThat(ids(4)).containsExactly("b");
    assertThat(gateway.isAlive()).isTrue();

    // The admin API's reload reads the same file and says the same.
    HttpResponse<String> refused = send("POST", adminUrl() + "/v1/reload", bearer());
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(refused.body()).path("error").asText()).startsWith(expected);
    assertThat(ids(2)).containsExactly("b");

    writeConfig(false, a);
    assertThat(send("POST", adminUrl() + "/v1/reload", null).statusCode()).isEqualTo(401);
    HttpResponse<String> reloaded = send("POST", adminUrl() + "/v1/reload", bearer());
    assertThat(reloaded.statusCode()).as(reloaded.body()).isEqualTo(200);
    assertThat(ids(3)).containsExactly("a");
  }

  @Test
  void aBadConfigAtStartExits2WithOneLineNamingFileLineAndKey() throws Exception {
    writeConfig(true, upstream("a"));
    Process gateway = start();
    assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(gateway.exitValue()).isEqualTo(2);
    assertThat(Files.readAllLines(err)).singleElement().asString()
        .startsWith("nonstop: " + config + ":" + BROKEN_LINE + ": gateway.upstreams.web.balance: 'fastest' (expected: ");
    assertThat(Files.readString(out)).isEmpty();
    assertThat(dir.resolve(".gateway.yaml.admin")).doesNotExist();
  }

  @Test
  void sigtermLetsTheRequestInFlightFinishAndExitsZero() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    writeConfig(false, upstream("a", inFlight));
    Process gateway = startAndAwaitListening();
    CompletableFuture<HttpResponse<String>> slow = http.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slow?ms=1500")).build(),
        HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> inFlight.get() == 1);
    gateway.destroy(); // SIGTERM
    HttpResponse<String> r = slow.get(10, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("a");
    assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(gateway.exitValue()).isZero();
    assertThat(dir.resolve(".gateway.yaml.admin")).doesNotExist();
    assertThat(dir.resolve(".gateway.yaml.token")).doesNotExist();
    assertThat(logLines()).extracting(l -> l.path("message").asText()).contains("gateway stopped");
  }
}
