package dev.nonstop.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.gateway.GatewaySpec.ServerEntry;
import dev.nonstop.gateway.testing.Load;
import dev.nonstop.gateway.testing.Load.Call;
import dev.nonstop.gateway.testing.Load.Outcome;
import dev.nonstop.gateway.testing.Specs;
import dev.nonstop.gateway.testing.TestUpstream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Upstreams of an app, whose servers are set at run time ({@link Gateway#setMembers}) as the
 * supervisor does under {@code nonstop up}: empty upstreams, members joining and leaving under load,
 * the drain promise a stop waits on, reloads, health checks.
 */
class GatewayMembershipIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** One route to app hello: upstream hello, all defaults, no servers until they are set. */
  private static final String HELLO = """
      listen: 127.0.0.1:0
      routes: [{path: /, app: hello}]
      """;

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
  void anUpstreamOfAnAppWithoutMembersAnswers503WithRetryAfter() throws Exception {
    Gateway g = gateway(HELLO);

    HttpResponse<String> r = get(g, "/id");

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("retry-after")).contains("1");
    assertThat(r.headers().firstValue("content-type")).contains("application/json");
    assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("no healthy server in upstream hello");
    assertThat(g.upstreams()).singleElement().satisfies(u -> {
      assertThat(u.name()).isEqualTo("hello");
      assertThat(u.app()).isEqualTo("hello");
      assertThat(u.servers()).isEmpty();
      assertThat(u.circuit()).isEqualTo("closed");
    });
    assertThat(g.spec().appUpstreams()).containsEntry("hello", "hello");
    assertThat(available("hello")).isZero();
    // Refusals for want of a server are no upstream failures: they do not open the circuit.
    for (int i = 0; i < 30; i++) {
      assertThat(get(g, "/id").statusCode()).isEqualTo(503);
    }
    assertThat(g.upstreams().getFirst().circuit()).isEqualTo("closed");
  }

  @Test
  void membersSetAtRunTimeShareTheTrafficUntilTheyAreRemoved() throws Exception {
    TestUpstream a = upstream("a");
    TestUpstream b = upstream("b");
    Gateway g = gateway(HELLO);

    CompletableFuture<Void> added = g.setMembers("hello", members(a, b));

    assertThat(added).as("nothing was removed, so nothing to wait for").isCompleted();
    assertThat(ids(g, 20)).containsOnly("a", "b").contains("a", "b");
    assertThat(addresses(g, "hello")).containsExactly(a.address(), b.address());
    assertThat(available("hello")).isEqualTo(2);
    assertThat(idleConnections()).as("pooled keep-alive connections").isPositive();
    // Recorded just after the response is written, so a moment after the client has it.
    await().atMost(Duration.ofSeconds(5)).untilAsserted(
        () -> assertThat(answered(a) + answered(b)).as("per-server answers").isEqualTo(20));
    assertThat(answered(a)).isPositive();

    CompletableFuture<Void> removed = g.setMembers("hello", List.of());

    assertThat(removed.get(5, TimeUnit.SECONDS)).isNull();
    assertThat(get(g, "/id").statusCode()).isEqualTo(503);
    assertThat(addresses(g, "hello")).isEmpty();
    assertThat(available("hello")).isZero();
    assertThat(meters.find("nonstop_gateway_server_duration").timers()).as("gone with their servers").isEmpty();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(idleConnections()).isZero());
  }

  @Test
  void aRemovedMemberFinishesItsRequestInFlightAndTheReturnedFutureWaitsForIt() throws Exception {
    TestUpstream a = upstream("a");
    TestUpstream b = upstream("b");
    Gateway g = gateway(HELLO);
    g.setMembers("hello", members(a));
    CompletableFuture<HttpResponse<String>> slow = http.sendAsync(request(g, "/slow?ms=2000").build(),
        HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(5)).until(() -> server(g, a).activeRequests() == 1);

    CompletableFuture<Void> idle = g.setMembers("hello", members(b));

    assertThat(idle).isNotDone();
    assertThat(addresses(g, "hello")).containsExactly(b.address());
    assertThat(ids(g, 10)).containsOnly("b");
    assertThat(a.hits.get()).as("requests a received: the slow one only").isEqualTo(1);
    assertThat(slow).as("still in flight, so the check below means something").isNotDone();
    assertThat(idle).as("done while a request is in flight on a").isNotDone();

    HttpResponse<String> r = slow.get(10, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("a");
    await().atMost(Duration.ofSeconds(5)).until(idle::isDone);
    assertThat(idle).isCompleted();
    assertThat(a.hits.get()).isEqualTo(1);
  }

  @Test
  void setMembersRefusesWhatItCannotApplyAndChangesNothing() throws Exception {
    TestUpstream a = upstream("a");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes:
          - {path: /, app: hello}
          - {path: /static/, upstream: web}
        upstreams:
          web: {servers: ["%s"]}
        """.formatted(a.address()));
    g.setMembers("hello", members(a));

    assertThatThrownBy(() -> g.setMembers("nope", members(a))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("upstream 'nope' (expected: one of web, hello)");
    assertThatThrownBy(() -> g.setMembers("web", members(a))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("upstream 'web' has servers in the config (expected: an upstream with app, whose servers are "
            + "set at run time)");
    assertThatThrownBy(() -> g.setMembers("hello", List.of(ServerEntry.of("127.0.0.1:1"), ServerEntry.of("9001"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("upstream 'hello': servers[1].address: '9001' (expected: HOST:PORT like 127.0.0.1:8080 or "
            + "[::1]:8080, port 1-65535)");
    assertThatThrownBy(() -> g.setMembers("hello", List.of(ServerEntry.of("127.0.0.1:1"),
        ServerEntry.of("127.0.0.1:1")))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(expected: each server once)");
    assertThatThrownBy(() -> g.setMembers("hello", List.of(ServerEntry.of("no-such-host.invalid:80"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot resolve no-such-host.invalid:80");

    assertThat(addresses(g, "hello")).containsExactly(a.address());
    assertThat(ids(g, 3)).containsOnly("a");
  }

  @Test
  void membershipChangesAfterTheGatewayStoppedAreHarmless() throws Exception {
    TestUpstream a = upstream("a");
    Gateway g = Gateway.start(Specs.yaml(HELLO), meters);
    g.setMembers("hello", members(a));
    assertThat(ids(g, 2)).containsOnly("a");

    g.stop(Duration.ofSeconds(1));

    // Instances that stop after the gateway are still deregistered by whoever tracks them.
    assertThat(g.setMembers("hello", List.of())).isCompleted();
    assertThat(g.setMembers("hello", members(a))).isCompleted();
  }

  @Test
  void keptMembersKeepTheirStateAndNewOnesWarmUp() throws Exception {
    TestUpstream a = upstream("a");
    TestUpstream b = upstream("b");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: hello}]
        upstreams: {hello: {app: hello, balance: weighted, slow_start: 10s}}
        """);
    g.setMembers("hello", members(a));
    assertThat(server(g, a).warming()).as("members join as servers a reload adds: in slow start").isTrue();
    g.drain("hello", a.address(), true);

    g.setMembers("hello", members(a, b));

    assertThat(server(g, a).state()).as("a kept its drain").isEqualTo("draining");
    assertThat(server(g, b).warming()).isTrue();
    assertThat(ids(g, 5)).containsOnly("b");
  }

  @Test
  void aReloadKeepsTheMembersOfUpstreamsWhoseAppIsUnchanged() throws Exception {
    TestUpstream a = upstream("a");
    TestUpstream b = upstream("b");
    Gateway g = gateway(HELLO);
    g.setMembers("hello", members(a, b));
    g.drain("hello", b.address(), true);

    g.reload(Specs.yaml("""
        listen: 127.0.0.1:0
        routes:
          - {path: /v2/, app: hello, strip_prefix: true}
          - {path: /, upstream: hello}
        upstreams:
          hello: {app: hello, retries: {attempts: 1}}
        """));

    assertThat(addresses(g, "hello")).containsExactly(a.address(), b.address());
    assertThat(server(g, b).state()).as("the same server, with its state").isEqualTo("draining");
    g.drain("hello", b.address(), false);
    assertThat(ids(g, 10)).containsOnly("a", "b").contains("a", "b");
    HttpResponse<String> v2 = get(g, "/v2/id");
    assertThat(v2.statusCode()).isEqualTo(200);
    assertThat(v2.body()).isIn("a", "b");

    // Another app behind the same upstream name: the instances of hello are not its instances.
    g.reload(Specs.yaml("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: hello}]
        upstreams:
          hello: {app: other}
        """));

    assertThat(addresses(g, "hello")).isEmpty();
    assertThat(get(g, "/id").statusCode()).isEqualTo(503);
  }

  @Test
  void healthChecksJudgeTheMembersOfAnUpstreamOfAnApp() throws Exception {
    TestUpstream a = upstream("a");
    TestUpstream b = upstream("b");
    TestUpstream c = upstream("c");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: hello}]
        upstreams:
          hello:
            app: hello
            health: {http: /health, interval: 200ms, timeout: 200ms, rise: 2, fall: 2}
        """);
    g.setMembers("hello", members(a, b));
    a.health.set(503);
    await().atMost(Duration.ofSeconds(5)).until(() -> server(g, a).state().equals("unhealthy"));
    assertThat(ids(g, 10)).containsOnly("b");

    c.health.set(503);
    g.setMembers("hello", members(a, b, c));

    assertThat(server(g, a).state()).as("a kept its verdict").isEqualTo("unhealthy");
    await().atMost(Duration.ofSeconds(5)).until(() -> server(g, c).state().equals("unhealthy"));
    a.health.set(200);
    c.health.set(200);
    await().atMost(Duration.ofSeconds(5))
        .until(() -> server(g, a).state().equals("up") && server(g, c).state().equals("up"));
    assertThat(ids(g, 12)).contains("a", "b", "c");
  }

  /**
   * A rolling deploy, as the supervisor runs one, four times over three instances: start a new
   * instance, add it, remove the oldest, wait for the returned future, stop the old instance at once
   * (cutting whatever it still serves). Twelve clients send GETs and POSTs (a POST is not retried
   * once sent, so one cut by a stop would show) all along; none may fail.
   */
  @Test
  void rollingDeploysUnderLoadFailNoRequest() throws Exception {
    List<TestUpstream> live = new ArrayList<>(List.of(upstream("v0"), upstream("v1"), upstream("v2")));
    Gateway g = gateway(HELLO);
    g.setMembers("hello", members(live.toArray(TestUpstream[]::new)));
    int deploys = 12;
    AtomicInteger waited = new AtomicInteger();

    // POSTs of 0 to 6 ms upstream, so that some are in flight at each removal.
    Load.Calls calls = (client, i) -> i % 2 == 0 ? Call.get("/id")
        : new Call("/echo?ms=" + i % 7, "client " + client + " request " + i);
    List<Outcome> outcomes = Load.run(http, URI.create("http://127.0.0.1:" + g.port()), 12, calls, completed -> {
      await().atMost(Duration.ofSeconds(10)).until(() -> completed.getAsInt() >= 300);
      for (int i = 0; i < deploys; i++) {
        TestUpstream next = upstream("v" + (3 + i));
        TestUpstream oldest = live.removeFirst();
        live.add(next);
        CompletableFuture<Void> idle = g.setMembers("hello", members(live.toArray(TestUpstream[]::new)));
        if (!idle.isDone()) {
          waited.incrementAndGet();
        }
        idle.get(10, TimeUnit.SECONDS);
        int hits = oldest.hits.get();
        int before = completed.getAsInt();
        await().atMost(Duration.ofSeconds(10)).until(() -> completed.getAsInt() >= before + 300);
        assertThat(oldest.hits.get()).as("requests %s got after it was removed", oldest.name()).isEqualTo(hits);
        oldest.close();
      }
      int before = completed.getAsInt();
      await().atMost(Duration.ofSeconds(10)).until(() -> completed.getAsInt() >= before + 300);
    });

    assertThat(waited.get()).as("removals that found requests in flight (what this test is about)").isPositive();
    assertThat(outcomes).hasSizeGreaterThan(300 + 300 * deploys);
    assertThat(outcomes.stream().filter(o -> o.status() != 200)).as("failed requests").isEmpty();
    assertThat(outcomes.stream().filter(o -> o.call().body() != null && !o.body().equals(o.call().body())))
        .as("POSTs answered wrongly").isEmpty();
    assertThat(outcomes.stream().filter(o -> o.call().body() == null).map(Outcome::body).collect(Collectors.toSet()))
        .as("versions that served").containsExactlyInAnyOrderElementsOf(
            IntStream.range(0, 3 + deploys).mapToObj(i -> "v" + i).toList());
    assertThat(addresses(g, "hello")).containsExactlyElementsOf(live.stream().map(TestUpstream::address).toList());
    assertThat(available("hello")).isEqualTo(3);
  }

  private TestUpstream upstream(String name) {
    TestUpstream u = new TestUpstream(name);
    closing.add(u);
    return u;
  }

  private Gateway gateway(String yaml) {
    Gateway g = Gateway.start(Specs.yaml(yaml), meters);
    closing.add(() -> g.stop(Duration.ofSeconds(1)));
    return g;
  }

  private static List<ServerEntry> members(TestUpstream... servers) {
    return Stream.of(servers).map(u -> ServerEntry.of(u.address())).toList();
  }

  private static HttpRequest.Builder request(Gateway g, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + path)).timeout(Duration.ofSeconds(10));
  }

  private HttpResponse<String> get(Gateway g, String path) throws Exception {
    return http.send(request(g, path).build(), HttpResponse.BodyHandlers.ofString());
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

  private static List<String> addresses(Gateway g, String upstream) {
    return g.upstreams().stream().filter(u -> u.name().equals(upstream)).findFirst().orElseThrow().servers().stream()
        .map(UpstreamStatus.ServerStatus::address).toList();
  }

  private static UpstreamStatus.ServerStatus server(Gateway g, TestUpstream u) {
    return g.upstreams().stream().flatMap(x -> x.servers().stream()).filter(s -> s.address().equals(u.address()))
        .findFirst().orElseThrow();
  }

  /** How many tries {@code u} answered, by its {@code nonstop_gateway_server_duration} timer. */
  private long answered(TestUpstream u) {
    var t = meters.find("nonstop_gateway_server_duration").tags("upstream", "hello", "server", u.address()).timer();
    return t == null ? 0 : t.count();
  }

  /** The {@code nonstop_gateway_upstream_servers_available} gauge of {@code upstream}. */
  private double available(String upstream) {
    return meters.get("nonstop_gateway_upstream_servers_available").tag("upstream", upstream).gauge().value();
  }

  private double idleConnections() {
    return meters.get("nonstop_gateway_pool_idle_connections").gauge().value();
  }
}
