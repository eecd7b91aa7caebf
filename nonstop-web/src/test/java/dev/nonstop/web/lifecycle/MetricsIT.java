package dev.nonstop.web.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.web.Engine;
import dev.nonstop.web.testing.RawConnection;
import dev.nonstop.web.testing.Scrape;
import dev.nonstop.web.testing.Servers;
import dev.nonstop.web.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** /metrics: Prometheus text, request histograms by route template, in-flight gauge, JVM and process meters. */
class MetricsIT {
  private static final String REQUESTS = "nonstop_http_server_requests_seconds";
  @RegisterExtension
  static final Servers servers = new Servers();
  private final CountDownLatch release = new CountDownLatch(1);
  private TestServer server;

  @AfterEach
  void release() {
    release.countDown();
  }

  private void start(Engine engine) {
    server = servers.start(engine);
  }

  @Test
  void requestsAreRecordedByRouteTemplateMethodAndStatusNeverByRawPath() throws Exception {
    Engine app = Engine.builder().build();
    app.get("/users/:id", c -> c.json(200, Map.of("id", c.param("id"))));
    app.post("/users", c -> c.json(201, Map.of()));
    start(app);

    server.get("/users/42");
    server.get("/users/7");
    server.send(server.request("/users").POST(HttpRequest.BodyPublishers.ofString("{}")),
        HttpResponse.BodyHandlers.discarding());

    HttpResponse<String> r = server.get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(r.body()).doesNotContain("/users/42").doesNotContain("/users/7");
    Scrape s = Scrape.parse(r.body());
    Map<String, String> users = Map.of("route", "/users/:id", "method", "GET", "status", "200");
    assertThat(s.value(REQUESTS + "_count", users)).hasValue(2.0);
    assertThat(s.value(REQUESTS + "_count", Map.of("route", "/users", "method", "POST", "status", "201"))).hasValue(1.0);
    assertThat(s.all(REQUESTS + "_bucket", users))
        .as("a latency histogram, not just a count").hasSizeGreaterThan(5)
        .anySatisfy(b -> assertThat(b.labels()).containsEntry("le", "+Inf"));
    assertThat(s.value(REQUESTS + "_bucket", Map.of("route", "/users/:id", "status", "200", "le", "+Inf"))).hasValue(2.0);
  }

  @Test
  void requestsRefusedBeforeRoutingAreCountedByStatus() throws Exception {
    start(Engine.builder().maxInitialLineLength(256).build());

    try (RawConnection c = server.connect()) {
      c.send("G@T / HTTP/1.1\r\nHost: test\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(400);
    }
    try (RawConnection c = server.connect()) {
      c.send(RawConnection.getRequest("/" + "a".repeat(400)));
      assertThat(c.read().status()).isEqualTo(414);
    }

    Scrape s = scrape();
    assertThat(s.value("nonstop_http_server_rejected_total", Map.of("status", "400"))).hasValue(1.0);
    assertThat(s.value("nonstop_http_server_rejected_total", Map.of("status", "414"))).hasValue(1.0);
  }

  @Test
  void headOnAGetRouteIsLabelledHeadAndDoesNotRelabelLaterGets() throws Exception {
    Engine app = Engine.builder().build();
    app.get("/users/:id", c -> c.json(200, Map.of("id", c.param("id"))));
    start(app);

    server.fetch("HEAD", "/users/1");
    server.get("/users/2");
    server.get("/users/3");

    Scrape s = scrape();
    assertThat(s.value(REQUESTS + "_count", Map.of("route", "/users/:id", "method", "HEAD", "status", "200"))).hasValue(1.0);
    assertThat(s.value(REQUESTS + "_count", Map.of("route", "/users/:id", "method", "GET", "status", "200"))).hasValue(2.0);
  }

  @Test
  void unmatchedPathsShareOneLabelAndUnknownMethodsAreBounded() throws Exception {
    start(Engine.builder().build());

    server.get("/no/such/page/123");
    server.get("/another/missing/path");
    for (int i = 0; i < 3; i++) {
      server.fetch("PROBE" + i, "/scanner/" + i);
    }

    String text = server.get("/metrics").body();
    assertThat(text).doesNotContain("/no/such/page").doesNotContain("/another/missing").doesNotContain("/scanner")
        .doesNotContain("PROBE");
    Scrape s = Scrape.parse(text);
    assertThat(s.value(REQUESTS + "_count", Map.of("route", "UNMATCHED", "method", "GET", "status", "404"))).hasValue(2.0);
    assertThat(s.value(REQUESTS + "_count", Map.of("route", "UNMATCHED", "method", "OTHER", "status", "404"))).hasValue(3.0);
  }

  @Test
  void theInFlightGaugeShowsABlockedRequest() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    Engine app = Engine.builder().build();
    app.get("/block", c -> {
      entered.countDown();
      release.await();
      c.string(200, "done");
    });
    start(app);
    String active = "nonstop_http_server_requests_active";

    CompletableFuture<HttpResponse<String>> blocked = TestServer.CLIENT.sendAsync(server.request("/block").build(),
        HttpResponse.BodyHandlers.ofString());
    entered.await();

    // The scrape is itself a request in flight on the same port, hence one more than the blocked one.
    assertThat(scrape().value(active, Map.of())).hasValue(2.0);
    release.countDown();
    assertThat(blocked.get().statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(scrape().value(active, Map.of())).hasValue(1.0));
  }

  @Test
  void jvmAndProcessMetricsArePresent() throws Exception {
    start(Engine.builder().build());

    Scrape s = scrape();

    assertThat(s.names()).contains("jvm_memory_used_bytes", "jvm_threads_live_threads", "jvm_gc_memory_allocated_bytes_total",
        "process_cpu_usage", "process_uptime_seconds", "process_files_open_files", "process_resident_memory_bytes",
        "nonstop_http_server_connections");
    assertThat(s.all("jvm_memory_used_bytes", Map.of("area", "heap"))).isNotEmpty();
    assertThat(s.value("process_resident_memory_bytes", Map.of()).orElseThrow()).isGreaterThan(1 << 20);
  }

  @Test
  void aNullMetricsPathTurnsMetricsOff() throws Exception {
    start(Engine.builder().metricsPath(null).build());

    assertThat(server.get("/metrics").statusCode()).isEqualTo(404);
    assertThat(server.get("/healthz").statusCode()).isEqualTo(200);
  }

  @Test
  void theMetricsPathIsConfigurable() throws Exception {
    start(Engine.builder().metricsPath("/-/prometheus").build());

    assertThat(server.get("/-/prometheus").body()).contains("jvm_memory_used_bytes");
    assertThat(server.get("/metrics").statusCode()).isEqualTo(404);
  }

  private Scrape scrape() {
    HttpResponse<String> r = server.get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    return Scrape.parse(r.body());
  }
}
