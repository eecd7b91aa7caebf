package dev.nonstop.web.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nonstop.web.Engine;
import dev.nonstop.web.testing.Response;
import dev.nonstop.web.testing.Servers;
import dev.nonstop.web.testing.TestServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The /healthz and /readyz contract: defaults, user checks, failures, timeouts, paths, HEAD. */
class HealthIT {
  @RegisterExtension
  static final Servers servers = new Servers();
  private final CountDownLatch never = new CountDownLatch(1);
  private TestServer server;

  @AfterEach
  void release() {
    never.countDown();
  }

  private void start(Engine engine) {
    server = servers.start(engine);
  }

  @Test
  void livenessAndReadinessAreOnByDefaultWithJsonBodies() throws Exception {
    start(Engine.builder().build());

    for (String path : new String[] {"/healthz", "/readyz"}) {
      HttpResponse<String> r = server.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
      JsonNode body = body(r);
      assertThat(body.get("status").asText()).isEqualTo("UP");
      assertThat(body.get("checks").isObject()).isTrue();
      assertThat(body.get("checks").size()).isZero();
    }
  }

  @Test
  void userChecksAreListedEachWithItsStatus() throws Exception {
    Engine app = Engine.builder().build();
    app.health().liveness("event-loop", () -> {}).readiness("db", () -> {}).readiness("cache", () -> {});
    start(app);

    JsonNode live = body(server.get("/healthz"));
    assertThat(live.at("/checks/event-loop/status").asText()).isEqualTo("UP");
    assertThat(live.at("/checks/db").isMissingNode()).as("readiness checks stay off /healthz").isTrue();

    HttpResponse<String> ready = server.get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    JsonNode checks = body(ready).get("checks");
    assertThat(checks.at("/db/status").asText()).isEqualTo("UP");
    assertThat(checks.at("/cache/status").asText()).isEqualTo("UP");
  }

  @Test
  void aCheckThatThrowsTurnsItsEndpoint503WithTheError() throws Exception {
    Engine app = Engine.builder().build();
    app.health().readiness("db", () -> {
      throw new IllegalStateException("connection refused: db:5432");
    }).readiness("cache", () -> {});
    start(app);

    HttpResponse<String> ready = server.get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(503);
    JsonNode body = body(ready);
    assertThat(body.get("status").asText()).isEqualTo("DOWN");
    assertThat(body.at("/checks/db/status").asText()).isEqualTo("DOWN");
    assertThat(body.at("/checks/db/error").asText()).isEqualTo("connection refused: db:5432");
    assertThat(body.at("/checks/cache/status").asText()).isEqualTo("UP");
    assertThat(server.get("/healthz").statusCode()).as("a readiness failure leaves liveness alone").isEqualTo(200);
  }

  @Test
  void aCheckThatOverrunsTheCheckTimeoutCountsAsDown() throws Exception {
    Engine app = Engine.builder().checkTimeout(Duration.ofMillis(200)).build();
    app.health().liveness("stuck", never::await);
    start(app);

    long t0 = System.nanoTime();
    HttpResponse<String> live = server.get("/healthz");
    long ms = (System.nanoTime() - t0) / 1_000_000;

    assertThat(live.statusCode()).isEqualTo(503);
    assertThat(body(live).at("/checks/stuck/error").asText()).startsWith("timed out");
    assertThat(ms).as("answered at the check timeout, not when the check ends").isBetween(150L, 2_000L);
  }

  @Test
  void checksAddedAfterStartTakeEffect() throws Exception {
    start(Engine.builder().build());
    assertThat(server.get("/readyz").statusCode()).isEqualTo(200);

    server.engine().health().readiness("warmup", () -> {
      throw new IllegalStateException("cache not loaded");
    });

    assertThat(server.get("/readyz").statusCode()).isEqualTo(503);
  }

  @Test
  void pathsAreConfigurableAndTheDefaultsThenAnswer404() throws Exception {
    start(Engine.builder().livenessPath("/-/live").readinessPath("/-/ready").build());

    assertThat(server.get("/-/live").statusCode()).isEqualTo(200);
    assertThat(server.get("/-/ready").statusCode()).isEqualTo(200);
    assertThat(server.get("/healthz").statusCode()).isEqualTo(404);
    assertThat(server.get("/readyz").statusCode()).isEqualTo(404);
  }

  @Test
  void aNullPathTurnsTheEndpointOff() throws Exception {
    start(Engine.builder().livenessPath(null).readinessPath(null).build());

    assertThat(server.get("/healthz").statusCode()).isEqualTo(404);
    assertThat(server.get("/readyz").statusCode()).isEqualTo(404);
  }

  @Test
  void headAnswersWithTheStatusAndNoBody() throws Exception {
    Engine app = Engine.builder().build();
    app.health().readiness("db", () -> {
      throw new IllegalStateException("down");
    });
    start(app);

    Response live = server.fetch("HEAD", "/healthz");
    Response ready = server.fetch("HEAD", "/readyz");

    assertThat(live.status()).isEqualTo(200);
    assertThat(ready.status()).isEqualTo(503);
    // fetch reads no body for HEAD and then asserts the close: a stray body would fail it.
    assertThat(live.header("content-length")).isNotNull();
    assertThat(live.body()).isEmpty();
  }

  private static JsonNode body(HttpResponse<String> r) {
    return TestServer.jsonTree(r.body());
  }
}
