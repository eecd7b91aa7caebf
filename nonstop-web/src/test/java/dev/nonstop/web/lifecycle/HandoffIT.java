package dev.nonstop.web.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * Socket handoff between real processes: {@link HandoffApp} under keep-alive load from 16 clients
 * gets SIGHUP, re-executes itself, and the new process takes over the listening socket. Nothing fails:
 * no request, no connection; a failed upgrade leaves the old process serving as before.
 */
class HandoffIT {
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  @TempDir
  Path tmp;
  private HandoffProcess app;
  private Load load;

  @RegisterExtension
  final TestWatcher printOutputOnFailure = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      if (load != null) {
        System.out.println("---- load ----\n" + load);
      }
      if (app != null) {
        System.out.println(app.output());
      }
    }
  };

  @BeforeEach
  void checkLinux() {
    assumeTrue(Epoll.isAvailable(), "the handoff needs Linux and the epoll transport");
  }

  @AfterEach
  void stop() throws Exception {
    if (load != null) {
      load.close();
    }
    if (app != null) {
      app.close();
    }
  }

  private static ConditionFactory soon() {
    return await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10));
  }

  private static ConditionFactory handoff() {
    return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5));
  }

  /** Starts the app with {@code env} and 16 clients on it; returns its port once they are served. */
  private int startUnderLoad(Map<String, String> env) throws Exception {
    app = HandoffProcess.start(env, tmp);
    int port = app.port();
    load = Load.start(port, 16);
    soon().untilAsserted(() -> assertThat(load.servedBy(app.pid())).isGreaterThanOrEqualTo(200));
    return port;
  }

  @Test
  void sighupHandsTheListenerToANewProcessWithoutFailingOneRequest() throws Exception {
    int port = startUnderLoad(Map.of());
    long old = app.pid();
    // Its answer waits for the old process's drain, so for the whole handoff: a long timeout.
    HttpRequest slowRequest = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slow"))
        .timeout(Duration.ofSeconds(90)).build();
    CompletableFuture<HttpResponse<String>> slow = CLIENT.sendAsync(slowRequest, HttpResponse.BodyHandlers.ofString());
    soon().until(() -> get(port, "/slow-entered", CLIENT).equals("1")); // in flight on the old process

    long hup = System.nanoTime();
    app.signal("HUP");

    handoff().until(() -> load.pids().stream().anyMatch(p -> p != old));
    long servingMs = (System.nanoTime() - hup) / 1_000_000;
    long successor = load.pids().stream().filter(p -> p != old).findFirst().orElseThrow();
    assertThat(app.awaitExit(Duration.ofSeconds(30))).as("the old process's exit code").isZero();
    long exitedMs = (System.nanoTime() - hup) / 1_000_000;

    HttpResponse<String> slowReply = slow.get(10, TimeUnit.SECONDS);
    assertThat(slowReply.statusCode()).isEqualTo(200);
    assertThat(slowReply.body()).as("the slow request finished where it began").isEqualTo(Long.toString(old));
    JsonNode closed = soon().until(() -> app.event("phase", "listener_closed"), e -> e != null);
    assertThat(closed.get("in_flight").asInt())
        .as("the slow request was in flight when the old process closed its listener").isGreaterThanOrEqualTo(1);

    // The new process serves alone after the old one is gone.
    int before = load.servedBy(successor);
    soon().untilAsserted(() -> assertThat(load.servedBy(successor)).isGreaterThan(before + 200));
    load.close();

    assertThat(load.failures()).as("failed requests; %s", load).isEmpty();
    assertThat(load.pids()).containsExactlyInAnyOrder(old, successor);
    assertThat(load.servedBy(old)).isPositive();
    assertThat(load.servedBy(successor)).isPositive();
    assertThat(HandoffProcess.isGeneration(successor)).as("the new process outlives the old one").isTrue();
    JsonNode done = soon().until(() -> app.event("handoff", "HANDED_OFF"), e -> e != null);
    assertThat(done.get("pid").asLong()).isEqualTo(successor);
    assertThat(app.events(e -> e.path("inherited_from").asLong() == old))
        .as("the new process logs the port it inherited").singleElement()
        .satisfies(e -> assertThat(e.get("port").asInt()).isEqualTo(port));
    assertThat(socketDirectories()).as("the handoff socket's directory is deleted").isEmpty();
    System.out.printf("handoff under load: HUP -> first response from the new pid in %d ms (handoff itself %d ms),"
        + " old pid exited 0 after %d ms; %s%n", servingMs, done.get("elapsed_ms").asLong(), exitedMs, load);
  }

  @Test
  void theManagementListenerIsHandedOverToo() throws Exception {
    app = HandoffProcess.start(Map.of("MANAGEMENT_PORT", "0"), tmp);
    int port = app.port();
    long old = app.pid();
    int management = app.event("port", Integer.toString(port)).get("managementPort").asInt();
    assertThat(get(management, "/readyz", CLIENT)).contains("UP");

    app.signal("HUP");

    assertThat(app.awaitExit(Duration.ofSeconds(60))).isZero();
    long successor = Long.parseLong(get(port, "/pid", CLIENT));
    assertThat(successor).isNotEqualTo(old);
    assertThat(app.events(e -> e.path("inherited_from").asLong() == old)).singleElement()
        .satisfies(e -> assertThat(e.get("managementPort").asInt()).isEqualTo(management));
    assertThat(get(management, "/readyz", CLIENT)).as("served by the new process, the old one is gone").contains("UP");
  }

  @Test
  void aJavaDashJarProcessIsStartedAgainWithTheSameCommandLine() throws Exception {
    app = HandoffProcess.startJar(Map.of(), tmp);
    int port = app.port();
    long old = app.pid();
    List<String> argv = HandoffProcess.commandLine(old);
    assertThat(argv).containsSubsequence("-jar", tmp.resolve("app.jar").toString());

    app.signal("HUP");

    assertThat(app.awaitExit(Duration.ofSeconds(60))).isZero();
    long successor = Long.parseLong(get(port, "/pid", CLIENT));
    assertThat(successor).isNotEqualTo(old);
    assertThat(HandoffProcess.commandLine(successor)).as("argv, byte for byte").isEqualTo(argv);
  }

  @Test
  void aNewProcessWhoseEngineCannotStartSaysWhyAndTheOldOneKeepsServing() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = startUnderLoad(Map.of("SUCCESSOR_MANAGEMENT_PORT", Integer.toString(taken.getLocalPort())));
      long old = app.pid();

      app.signal("HUP");

      JsonNode failed = handoff().until(() -> app.event("handoff", "START_FAILED"), e -> e != null);
      long child = failed.get("pid").asLong();
      assertThat(failed.get("message").asText())
          .startsWith("handoff failed, still serving: pid " + child + " could not start: cannot listen on ")
          .contains(":" + taken.getLocalPort());
      assertStillServingAlone(old, child);
      assertThat(port).isEqualTo(app.port());
    }
  }

  @Test
  void aNewProcessThatExitsAtStartIsKilledOffAndTheOldOneKeepsServing() throws Exception {
    startUnderLoad(Map.of("HANDOFF_TEST_FAIL", "exit"));
    long old = app.pid();

    app.signal("HUP");

    JsonNode failed = handoff().until(() -> app.event("handoff", "EXITED"), e -> e != null);
    long child = failed.get("pid").asLong();
    assertThat(failed.get("message").asText()).contains("handoff failed, still serving")
        .contains("pid " + child + " exited with code 1 before it was ready");
    assertThat(failed.get("level").asText()).isEqualTo("ERROR");
    assertStillServingAlone(old, child);
  }

  @Test
  void aNewProcessThatDiesBetweenGoAndAcceptingLeavesTheOldOneServing() throws Exception {
    startUnderLoad(Map.of("HANDOFF_TEST_FAIL", "after-go"));
    long old = app.pid();

    app.signal("HUP");

    // The old process stops accepting only when the new one says it accepts; this one never does.
    JsonNode failed = handoff().until(() -> app.event("handoff", "EXITED"), e -> e != null);
    long child = failed.get("pid").asLong();
    assertThat(failed.get("message").asText()).contains("handoff failed, still serving")
        .contains("pid " + child + " exited with code 3 after go, before it said it was serving");
    assertStillServingAlone(old, child);
  }

  @Test
  void aNewProcessThatNeverSaysServingAfterGoIsStoppedWithSigtermAndTheOldOneKeepsServing() throws Exception {
    startUnderLoad(Map.of("HANDOFF_TEST_FAIL", "silent-after-go"));
    long old = app.pid();

    app.signal("HUP");

    JsonNode failed = handoff().until(() -> app.event("handoff", "TIMED_OUT"), e -> e != null);
    long child = failed.get("pid").asLong();
    assertThat(failed.get("message").asText()).contains("handoff failed, still serving")
        .contains("pid " + child + " did not say it was serving within 10000 ms of go");
    assertStillServingAlone(old, child);
    // SIGTERM, not SIGKILL: after "go" it may hold connections, which a stop drains.
    assertThat(app.events(e -> e.path("stand_in").asText().equals("terminated"))).hasSize(1);
  }

  @Test
  void aNewProcessOfAVersionBeforeServingIsTakenAtItsWordAfterGo() throws Exception {
    startUnderLoad(Map.of("HANDOFF_TEST_FAIL", "legacy"));
    long old = app.pid();

    app.signal("HUP");

    // It never says "confirms serving", so the old process lets go right after "go", as those versions did.
    JsonNode done = handoff().until(() -> app.event("handoff", "HANDED_OFF"), e -> e != null);
    assertThat(done.get("message").asText()).contains("serves the listener");
    load.close(); // the stand-in serves nothing, so what the clients see from here on is not the point
  }

  @Test
  void aNewProcessThatNeverGetsReadyIsKilledAtTheTimeoutAndASecondHupIsIgnored() throws Exception {
    startUnderLoad(Map.of("HANDOFF_TEST_FAIL", "unready", "HANDOFF_TIMEOUT_MS", "8000"));
    long old = app.pid();

    app.signal("HUP");
    JsonNode started = soon().until(() -> first(app.events(e -> e.path("message").asText().startsWith("handoff: started pid"))),
        e -> e != null);
    long child = started.get("pid").asLong();
    app.signal("HUP");
    JsonNode busy = soon().until(() -> app.event("handoff", "BUSY"), e -> e != null);
    assertThat(busy.get("message").asText()).isEqualTo("handoff ignored: a handoff is already running; ignoring this one");

    JsonNode failed = handoff().until(() -> app.event("handoff", "TIMED_OUT"), e -> e != null);
    assertThat(failed.get("pid").asLong()).isEqualTo(child);
    assertThat(failed.get("message").asText()).contains("not ready within 8000 ms");
    assertThat(app.events(e -> e.path("message").asText().startsWith("handoff: started pid")))
        .as("one new process, not two").hasSize(1);
    assertStillServingAlone(old, child);
  }

  @Test
  void sigtermDuringAHandoffKillsTheNewProcessAndTheOldOneDrainsAndExitsZero() throws Exception {
    startUnderLoad(Map.of("HANDOFF_TEST_FAIL", "unready"));
    long old = app.pid();
    app.signal("HUP");
    JsonNode taking = handoff().until(() -> first(app.events(e -> e.path("inherited_from").asLong() == old)),
        e -> e != null);
    long child = first(app.events(e -> e.path("message").asText().startsWith("handoff: started pid"))).get("pid").asLong();

    app.signal("TERM");

    assertThat(app.awaitExit(Duration.ofSeconds(30))).isZero();
    JsonNode cancelled = soon().until(() -> app.event("handoff", "CANCELLED"), e -> e != null);
    assertThat(cancelled.get("message").asText()).isEqualTo("handoff cancelled, pid " + child + " killed: the engine is stopping");
    assertThat(taking.get("port").asInt()).isEqualTo(app.port());
    assertThat(HandoffProcess.isGeneration(child)).as("nothing outlives the stop").isFalse();
    load.close();
    assertThat(load.pids()).as("the new process never served").containsExactly(old);
  }

  @Test
  void onNioSighupLogsThatHandoffNeedsEpollAndChangesNothing() throws Exception {
    app = HandoffProcess.start(Map.of("NATIVE_TRANSPORT", "off"), tmp);
    int port = app.port();
    long old = app.pid();
    assertThat(get(port, "/pid", CLIENT)).isEqualTo(Long.toString(old));

    app.signal("HUP");

    JsonNode unsupported = soon().until(() -> app.event("handoff", "UNSUPPORTED"), e -> e != null);
    assertThat(unsupported.get("message").asText())
        .isEqualTo("handoff ignored: handoff needs Linux and the epoll transport, and this engine runs on nio; nothing done");
    assertThat(get(port, "/pid", CLIENT)).isEqualTo(Long.toString(old));
    assertThat(app.isAlive()).isTrue();
    assertThat(app.generations()).containsExactly(old);
  }

  private void assertStillServingAlone(long old, long child) throws Exception {
    soon().until(() -> !HandoffProcess.isGeneration(child));
    int before = load.servedBy(old);
    soon().untilAsserted(() -> assertThat(load.servedBy(old)).isGreaterThan(before + 200));
    load.close();
    assertThat(load.failures()).as("failed requests; %s", load).isEmpty();
    assertThat(load.pids()).as("only the old process served").containsExactly(old);
    assertThat(app.isAlive()).isTrue();
    assertThat(socketDirectories()).as("the handoff socket's directory is deleted").isEmpty();
  }

  private List<Path> socketDirectories() throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.filter(p -> p.getFileName().toString().startsWith("nonstop-handoff-")).toList();
    }
  }

  private static JsonNode first(List<JsonNode> events) {
    return events.isEmpty() ? null : events.get(0);
  }

  private static HttpRequest get(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build();
  }

  private static String get(int port, String path, HttpClient client) throws IOException, InterruptedException {
    HttpResponse<String> r = client.send(get(port, path), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET %s", path).isEqualTo(200);
    return r.body();
  }

  /**
   * Keep-alive GET /pid in a loop from virtual threads through one JDK client (its pool keeps one
   * connection per busy thread): counts answers by pid; any non-200 or exception is a failure.
   */
  static final class Load implements AutoCloseable {
    private final Map<Long, AtomicInteger> byPid = new ConcurrentHashMap<>();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    static Load start(int port, int clients) {
      Load load = new Load();
      HttpRequest request = get(port, "/pid");
      for (int i = 0; i < clients; i++) {
        load.threads.add(Thread.ofVirtual().name("load-" + i).start(() -> load.loop(request)));
      }
      return load;
    }

    private void loop(HttpRequest request) {
      while (running) {
        try {
          HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() != 200) {
            failures.add("status " + r.statusCode() + ": " + r.body());
          } else {
            byPid.computeIfAbsent(Long.parseLong(r.body()), p -> new AtomicInteger()).incrementAndGet();
          }
        } catch (IOException | RuntimeException e) {
          failures.add(e.toString());
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    int servedBy(long pid) {
      AtomicInteger n = byPid.get(pid);
      return n == null ? 0 : n.get();
    }

    Set<Long> pids() {
      return byPid.keySet();
    }

    List<String> failures() {
      synchronized (failures) {
        return List.copyOf(failures);
      }
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      for (Thread t : threads) {
        t.join(15_000);
      }
    }

    @Override
    public String toString() {
      return "served by pid " + byPid + ", failures " + failures().size() + (failures.isEmpty() ? "" : " " + failures());
    }
  }
}
