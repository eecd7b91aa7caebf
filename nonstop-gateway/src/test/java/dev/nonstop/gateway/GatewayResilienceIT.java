package dev.nonstop.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.gateway.testing.ChildUpstream;
import dev.nonstop.gateway.testing.Load;
import dev.nonstop.gateway.testing.Load.Call;
import dev.nonstop.gateway.testing.Load.Outcome;
import dev.nonstop.gateway.testing.RawUpstream;
import dev.nonstop.gateway.testing.Specs;
import dev.nonstop.gateway.testing.TestUpstream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's promises when things go wrong, on real sockets: upstreams that crash (a real
 * {@code kill -9} of a child process), hang, fail or are drained, retry limits, circuit breaking,
 * rate limits and reloads under load.
 */
class GatewayResilienceIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Clients of the kill -9 tests: with 3 servers, about 4 requests are in flight on each. */
  private static final int KILL_CLIENTS = 12;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing.reversed()) {
      c.close();
    }
  }

  @Test
  void sigkillOfAnUpstreamUnderLoadFailsNoGetRunsNoPostTwiceAndMovesTrafficToTheSurvivors() throws Exception {
    KillRun run = killOneOfThreeUnderLoad();

    assertThat(run.of("GET").stream().filter(o -> o.status() != 200)).as("failed GETs (%s)\n%s", retries(), run.report())
        .isEmpty();
    assertThat(run.outcomes).as("outcomes other than 200 and 502 (%s)", run.report())
        .allSatisfy(o -> assertThat(o.status()).isIn(200, 502));
    List<Outcome> gets = run.of("GET");
    assertThat(gets.stream().filter(o -> o.startNanos() < run.killedAt).map(o -> o.body()))
        .as("the victim served before it was killed").contains("a");
    List<Outcome> afterKill = gets.stream().filter(o -> o.startNanos() > run.killedAt && o.status() == 200).toList();
    assertThat(afterKill).hasSizeGreaterThan(300);
    assertThat(afterKill.stream().map(o -> o.body()).collect(Collectors.toSet())).containsExactlyInAnyOrder("b", "c");

    // A POST in flight on the victim when it died may fail, but only with a 502: never a second run.
    Map<String, Long> received = run.children.stream().flatMap(c -> c.echoed().stream())
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    assertThat(received.entrySet().stream().filter(e -> e.getValue() > 1)).as("POSTs run twice").isEmpty();
    List<Outcome> posts = run.of("POST");
    assertThat(posts.stream().filter(o -> o.status() != 200)).as("failed POSTs").hasSizeLessThanOrEqualTo(KILL_CLIENTS)
        .allSatisfy(o -> {
          assertThat(o.status()).isEqualTo(502);
          assertThat(o.startNanos()).as("started before the victim was gone").isLessThan(run.killedAt);
          assertThat(run.children.get(1).echoed()).doesNotContain(o.call().body());
          assertThat(run.children.get(2).echoed()).doesNotContain(o.call().body());
        });
    assertThat(posts.stream().filter(o -> o.status() == 200)).allSatisfy(o -> {
      assertThat(o.body()).isEqualTo(o.call().body());
      // Answered, so run at least once; at most once is the check above. Not "exactly one line":
      // the victim may answer a POST and be killed before the line it prints about it is read.
      assertThat(received.getOrDefault(o.call().body(), 0L)).isLessThanOrEqualTo(1L);
    });
  }

  @Test
  void aPostThatReachedAServerIsNotRetriedButAGetIs() throws Exception {
    RawUpstream crashing = raw(RawUpstream.Mode.CLOSE);
    TestUpstream b = upstream("b");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s", "%s"]}}
        """.formatted(crashing.address(), b.address()));

    // Round robin sends one POST to each server.
    List<HttpResponse<String>> posts = List.of(post(g, "/echo", "once"), post(g, "/echo", "once"));
    assertThat(posts).extracting(HttpResponse::statusCode).containsExactlyInAnyOrder(200, 502);
    HttpResponse<String> failed = posts.stream().filter(r -> r.statusCode() == 502).findFirst().orElseThrow();
    assertThat(JSON.readTree(failed.body()).get("error").asText()).contains("closed the connection");
    assertThat(crashing.requests()).as("requests the crashing server read").isEqualTo(1);
    assertThat(b.hits.get()).as("the POST the crash failed was not sent to b").isEqualTo(1);

    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = get(g, "/id");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("b");
    }
    assertThat(crashing.requests()).as("GETs that reached the crashing server and were retried").isGreaterThan(1);
  }

  @Test
  void aServerSlowerThanThePerTryTimeoutIsLeftForTheNextOne() throws Exception {
    RawUpstream silent = raw(RawUpstream.Mode.SILENT);
    TestUpstream b = upstream("b");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams:
          web:
            servers: ["%s", "%s"]
            timeout: 5s
            retries: {attempts: 2, per_try_timeout: 300ms}
        """.formatted(silent.address(), b.address()));
    for (int i = 0; i < 4; i++) {
      long start = System.nanoTime();
      HttpResponse<String> r = get(g, "/id");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("b");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));
    }
    assertThat(silent.requests()).as("requests that waited on the silent server").isGreaterThanOrEqualTo(1);
  }

  @Test
  void anUpstreamThatNeverAnswersGetsA504WithJsonWhenTheTimeoutIsUp() throws Exception {
    RawUpstream silent = raw(RawUpstream.Mode.SILENT);
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s"], timeout: 500ms}}
        """.formatted(silent.address()));
    long start = System.nanoTime();
    HttpResponse<String> r = get(g, "/id");
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(r.headers().firstValue("content-type")).contains("application/json");
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("status").asInt()).isEqualTo(504);
    assertThat(body.get("error").asText()).isEqualTo("upstream web did not answer within 500ms");
    assertThat(took).isBetween(Duration.ofMillis(450), Duration.ofSeconds(2));
    assertThat(silent.requests()).isEqualTo(1);
  }

  @Test
  void theRetryBudgetKeepsRetriesOfAFailingUpstreamFarBelowTheirMaximum() throws Exception {
    List<TestUpstream> servers = List.of(upstream("a"), upstream("b"), upstream("c"));
    // A failure rate of 100% never trips here (every client also asks for /id, which succeeds), so
    // what limits the tries is the budget alone.
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams:
          web:
            servers: ["%s", "%s", "%s"]
            retries: {attempts: 3, budget_percent: 20}
            circuit_breaker: {failure_rate: 100%%}
        """.formatted(servers.get(0).address(), servers.get(1).address(), servers.get(2).address()));
    List<Outcome> outcomes = underLoad(g, 20, (client, i) -> Call.get(i % 4 == 0 ? "/id" : "/status/503"),
        completed -> await().atMost(Duration.ofSeconds(20)).until(() -> completed.getAsInt() >= 240));

    List<Outcome> working = outcomes.stream().filter(o -> o.call().path().equals("/id")).toList();
    List<Outcome> failing = outcomes.stream().filter(o -> !o.call().path().equals("/id")).toList();
    assertThat(working).allSatisfy(o -> assertThat(o.status()).isEqualTo(200));
    assertThat(failing).hasSizeGreaterThan(150).allSatisfy(o -> {
      assertThat(o.status()).isEqualTo(503);
      assertThat(o.body()).as("the upstream's own 503, not the breaker's").isIn("a", "b", "c");
    });
    int tries = servers.stream().mapToInt(s -> s.hits.get()).sum() - working.size();
    // Without a budget every one of them would be tried 4 times.
    assertThat(tries).as("tries of %s failing requests", failing.size())
        .isGreaterThanOrEqualTo(failing.size()).isLessThan(2 * failing.size());
  }

  @Test
  void theCircuitOpensOnFailuresAndClosesAfterSuccessfulProbes() throws Exception {
    TestUpstream a = upstream("a");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s"], circuit_breaker: {failure_rate: 50%%}}}
        """.formatted(a.address()));
    a.failWith.set(500);
    for (int i = 0; i < 20; i++) { // the breaker's minimum number of calls
      assertThat(get(g, "/id").statusCode()).isEqualTo(500);
    }
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = get(g, "/id");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().firstValue("retry-after")).contains("5");
      assertThat(JSON.readTree(r.body()).get("error").asText()).contains("circuit open");
    }
    assertThat(a.hits.get()).as("requests that reached the upstream").isEqualTo(20);
    assertThat(g.upstreams().getFirst().circuit()).isEqualTo("open");

    a.failWith.set(0);
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
        .until(() -> get(g, "/id").statusCode() == 200);
    for (int i = 0; i < 10; i++) {
      assertThat(get(g, "/id").statusCode()).isEqualTo(200);
    }
    assertThat(g.upstreams().getFirst().circuit()).isEqualTo("closed");
  }

  @Test
  void aDrainedServerFinishesItsRequestInFlightAndTakesNoNewOnes() throws Exception {
    TestUpstream a = upstream("a");
    TestUpstream b = upstream("b");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s", "%s"]}}
        """.formatted(a.address(), b.address()));
    // Puts the slow request on a: b is drained while it is sent.
    assertThat(g.drain("web", b.address(), true)).isTrue();
    CompletableFuture<HttpResponse<String>> slow = http.sendAsync(
        request(g, "/slow?ms=1500").build(), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(5)).until(() -> server(g, a).activeRequests() == 1);
    g.drain("web", b.address(), false);
    g.drain("web", a.address(), true);

    assertThat(server(g, a).state()).isEqualTo("draining");
    assertThat(server(g, b).state()).isEqualTo("up");
    for (int i = 0; i < 10; i++) {
      assertThat(get(g, "/id").body()).isEqualTo("b");
    }
    HttpResponse<String> r = slow.get(10, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("a");

    g.drain("web", a.address(), false);
    assertThat(server(g, a).state()).isEqualTo("up");
    assertThat(ids(g, 10)).contains("a", "b");
    assertThat(g.drain("web", "127.0.0.1:1", true)).isFalse();
    assertThat(g.drain("nope", a.address(), true)).isFalse();
  }

  @Test
  void aClientOverThePerIpRateGets429WithRetryAfter() throws Exception {
    TestUpstream a = upstream("a");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        rate_limit: {per_ip: 5/s, burst: 5}
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s"]}}
        """.formatted(a.address()));
    List<HttpResponse<String>> rs = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      rs.add(get(g, "/id"));
    }
    List<HttpResponse<String>> passed = rs.stream().filter(r -> r.statusCode() == 200).toList();
    List<HttpResponse<String>> limited = rs.stream().filter(r -> r.statusCode() != 200).toList();
    assertThat(passed).hasSizeBetween(5, mostPassed(5, 5, start));
    assertThat(limited).allSatisfy(r -> {
      assertThat(r.statusCode()).isEqualTo(429);
      assertThat(Long.parseLong(r.headers().firstValue("retry-after").orElseThrow())).isGreaterThanOrEqualTo(1);
      assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("rate limit exceeded");
    });
    assertThat(a.hits.get()).isEqualTo(passed.size());
  }

  @Test
  void aRouteRateLimitAppliesToThatRouteOnly() throws Exception {
    TestUpstream a = upstream("a");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes:
          - {path: /api/, upstream: web, rate_limit: {per_ip: 2/s, burst: 2}}
          - {path: /, upstream: web}
        upstreams: {web: {servers: ["%s"]}}
        """.formatted(a.address()));
    List<Integer> api = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < 10; i++) {
      api.add(get(g, "/api/x").statusCode());
    }
    assertThat((int) api.stream().filter(s -> s == 200).count()).isBetween(2, mostPassed(2, 2, start));
    assertThat(api.stream().filter(s -> s != 200)).allSatisfy(s -> assertThat(s).isEqualTo(429));
    for (int i = 0; i < 10; i++) {
      assertThat(get(g, "/id").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void reloadsUnderLoadLoseNoRequestAndTheLastConfigDecidesWhereRequestsGo() throws Exception {
    TestUpstream a = upstream("a");
    TestUpstream b = upstream("b");
    TestUpstream c = upstream("c");
    String template = """
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s", "%s"], balance: %s}}
        """;
    GatewaySpec ab = Specs.yaml(template.formatted(a.address(), b.address(), "round_robin"));
    GatewaySpec bc = Specs.yaml(template.formatted(b.address(), c.address(), "least_conn"));
    Gateway g = gateway(template.formatted(b.address(), c.address(), "least_conn"));
    long[] lastReload = new long[1];
    List<Outcome> outcomes = underLoad(g, 8, (client, i) -> Call.get("/id"), completed -> {
      for (int i = 0; i < 10; i++) {
        int before = completed.getAsInt();
        await().atMost(Duration.ofSeconds(10)).until(() -> completed.getAsInt() >= before + 200);
        g.reload(i % 2 == 0 ? ab : bc);
      }
      lastReload[0] = System.nanoTime();
      int before = completed.getAsInt();
      await().atMost(Duration.ofSeconds(10)).until(() -> completed.getAsInt() >= before + 800);
    });

    assertThat(outcomes.stream().filter(o -> o.status() != 200)).as("failed requests").isEmpty();
    assertThat(outcomes.stream().map(o -> o.body()).collect(Collectors.toSet())).containsExactlyInAnyOrder("a", "b", "c");
    assertThat(outcomes.stream().filter(o -> o.startNanos() > lastReload[0]).map(o -> o.body()).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("b", "c");
    int aHits = a.hits.get();
    assertThat(ids(g, 20)).doesNotContain("a");
    assertThat(a.hits.get()).isEqualTo(aHits);
  }

  @Test
  void aReloadThatMovesTheListenerIsRefusedAndTheOldConfigKeepsServing() throws Exception {
    TestUpstream a = upstream("a");
    TestUpstream b = upstream("b");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s"]}}
        """.formatted(a.address()));
    GatewaySpec before = g.spec();
    GatewaySpec moved = Specs.yaml("""
        listen: 127.0.0.1:1
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s"]}}
        """.formatted(b.address()));
    assertThatThrownBy(() -> g.reload(moved)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gateway.listen: 127.0.0.1:1");
    assertThat(g.spec()).isSameAs(before);
    assertThat(ids(g, 5)).containsOnly("a");
  }

  @Test
  void aServerFailingItsHealthChecksGetsNoTrafficUntilItPassesAgain() throws Exception {
    TestUpstream a = upstream("a");
    TestUpstream b = upstream("b");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams:
          web:
            servers: ["%s", "%s"]
            health: {http: /health, interval: 200ms, timeout: 200ms, rise: 2, fall: 2}
        """.formatted(a.address(), b.address()));
    assertThat(ids(g, 10)).contains("a", "b");

    a.health.set(503);
    await().atMost(Duration.ofSeconds(5)).until(() -> server(g, a).state().equals("unhealthy"));
    int aHits = a.hits.get();
    assertThat(ids(g, 20)).containsOnly("b");
    assertThat(a.hits.get()).isEqualTo(aHits);

    a.health.set(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> server(g, a).state().equals("up"));
    assertThat(ids(g, 10)).contains("a", "b");
  }

  @Test
  void postsAfterAServerStoppedAreNotSentOnItsClosedKeepAliveConnections() throws Exception {
    TestUpstream a = upstream("a");
    TestUpstream b = upstream("b");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s", "%s"]}}
        """.formatted(a.address(), b.address()));
    assertThat(ids(g, 4)).contains("a", "b"); // leaves a pooled connection to each
    a.close(); // closes its idle keep-alive connections, the gateway's among them
    // A POST written on one of them would be lost (sent, so not retried); a refused connect is retried.
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = post(g, "/echo", "post " + i);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("post " + i);
    }
  }

  @Test
  void aBackupTakesOverWithoutAFailedRequestWhenThePrimaryStops() throws Exception {
    TestUpstream a = upstream("a");
    TestUpstream b = upstream("b");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s", {address: "%s", backup: true}]}}
        """.formatted(a.address(), b.address()));
    assertThat(ids(g, 10)).containsOnly("a");
    a.close();
    assertThat(ids(g, 20)).containsOnly("b");
  }

  @Test
  void aServerAddedByAReloadWarmsUpOverTheSlowStartWindow() throws Exception {
    TestUpstream a = upstream("a");
    TestUpstream b = upstream("b");
    String template = """
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: [%s], balance: weighted, slow_start: 2s}}
        """;
    Gateway g = gateway(template.formatted('"' + a.address() + '"'));
    g.reload(Specs.yaml(template.formatted('"' + a.address() + "\", \"" + b.address() + '"')));
    assertThat(server(g, b).warming()).isTrue();
    assertThat(server(g, a).warming()).as("a kept its state across the reload").isFalse();

    // b starts at a tenth of its weight: about 1 request in 11 at first, growing.
    long cold = ids(g, 50).stream().filter("b"::equals).count();
    await().atMost(Duration.ofSeconds(5)).until(() -> !server(g, b).warming());
    long warm = ids(g, 50).stream().filter("b"::equals).count();
    assertThat(cold).as("b's share of the first 50 requests").isBetween(1L, 15L);
    assertThat(warm).as("b's share of 50 requests after the slow start").isBetween(24L, 26L);
  }

  /**
   * Three upstreams in child processes behind one gateway, {@link #KILL_CLIENTS} clients sending GET
   * /id and POST /echo (a body of each its own) in turn, and a SIGKILL of the first upstream ("a")
   * halfway through; the children are all killed at the end, so that each has told every /echo body
   * it received.
   */
  private KillRun killOneOfThreeUnderLoad() throws Exception {
    List<ChildUpstream> children = List.of(child("a"), child("b"), child("c"));
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s", "%s", "%s"]}}
        """.formatted(children.get(0).address(), children.get(1).address(), children.get(2).address()));
    long[] killedAt = new long[1];
    Load.Calls calls = (client, i) -> i % 2 == 0 ? Call.get("/id") : new Call("/echo", "client " + client + " request " + i);
    List<Outcome> outcomes = underLoad(g, KILL_CLIENTS, calls, completed -> {
      await().atMost(Duration.ofSeconds(10)).until(() -> completed.getAsInt() >= 1500);
      children.getFirst().kill();
      killedAt[0] = System.nanoTime();
      int before = completed.getAsInt();
      await().atMost(Duration.ofSeconds(10)).until(() -> completed.getAsInt() >= before + 1500);
    });
    for (ChildUpstream c : children) {
      c.kill();
    }
    return new KillRun(outcomes, killedAt[0], children);
  }

  /** What {@link #killOneOfThreeUnderLoad} saw; {@code killedAt} is when the victim was gone. */
  private record KillRun(List<Outcome> outcomes, long killedAt, List<ChildUpstream> children) {
    List<Outcome> of(String method) {
      return outcomes.stream().filter(o -> o.call().method().equals(method)).toList();
    }

    String report() {
      return children.stream().map(ChildUpstream::output).collect(Collectors.joining("\n"));
    }
  }

  private List<Outcome> underLoad(Gateway g, int clients, Load.Calls calls, Load.During during) throws Exception {
    return Load.run(http, URI.create("http://127.0.0.1:" + g.port()), clients, calls, during);
  }

  /** The most requests a token bucket lets through from {@code startNanos} until now: the burst and the refill. */
  private static int mostPassed(int burst, double perSecond, long startNanos) {
    return burst + (int) Math.ceil(perSecond * (System.nanoTime() - startNanos) / 1e9);
  }

  private TestUpstream upstream(String name) {
    TestUpstream u = new TestUpstream(name);
    closing.add(u);
    return u;
  }

  private RawUpstream raw(RawUpstream.Mode mode) throws IOException {
    RawUpstream u = new RawUpstream(mode);
    closing.add(u);
    return u;
  }

  private ChildUpstream child(String name) throws IOException {
    ChildUpstream c = ChildUpstream.start(name);
    closing.add(c);
    return c;
  }

  private Gateway gateway(String yaml) {
    Gateway g = Gateway.start(Specs.yaml(yaml), meters);
    closing.add(() -> g.stop(Duration.ofSeconds(1)));
    return g;
  }

  private static HttpRequest.Builder request(Gateway g, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + path)).timeout(Duration.ofSeconds(10));
  }

  private HttpResponse<String> get(Gateway g, String path) throws Exception {
    return http.send(request(g, path).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(Gateway g, String path, String body) throws Exception {
    return http.send(request(g, path).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The bodies of {@code n} GET /id, each of which must succeed. */
  private List<String> ids(Gateway g, int n) throws Exception {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = get(g, "/id");
      assertThat(r.statusCode()).as("GET /id #%d: %s", i, r.body()).isEqualTo(200);
      out.add(r.body());
    }
    return out;
  }

  /** The retry counters, for a failed test's report. */
  private String retries() {
    return meters.getMeters().stream().filter(m -> m.getId().getName().startsWith("nonstop_gateway_retr"))
        .map(m -> m.getId().getName() + m.getId().getTags() + "=" + m.measure().iterator().next().getValue())
        .collect(Collectors.joining(", "));
  }

  private static UpstreamStatus.ServerStatus server(Gateway g, TestUpstream u) {
    return g.upstreams().getFirst().servers().stream().filter(s -> s.address().equals(u.address())).findFirst()
        .orElseThrow();
  }
}
