package dev.nonstop.web.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.web.Engine;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The /healthz and /readyz contract: defaults, user checks, failures, timeouts, paths, HEAD. */
class HealthIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final CountDownLatch never = new CountDownLatch(1);
  private Engine app;

  @AfterEach
  void stop() {
    never.countDown();
    if (app != null) {
      app.stop(Duration.ZERO);
    }
    client.close();
  }

  @Test
  void livenessAndReadinessAreOnByDefaultWithJsonBodies() throws Exception {
    app = Engine.builder().build().start(0);

    for (String path : new String[] {"/healthz", "/readyz"}) {
      HttpResponse<String> r = get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
      JsonNode body = JSON.readTree(r.body());
      assertThat(body.get("status").asText()).isEqualTo("UP");
      assertThat(body.get("checks").isObject()).isTrue();
      assertThat(body.get("checks").size()).isZero();
    }
  }

  @Test
  void userChecksAreListedEachWithItsStatus() throws Exception {
    app = Engine.builder().build();
    app.health().liveness("event-loop", () -> {}).readiness("db", () -> {}).readiness("cache", () -> {});
    app.start(0);

    JsonNode live = body(get("/healthz"));
    assertThat(live.at("/checks/event-loop/status").asText()).isEqualTo("UP");
    assertThat(live.at("/checks/db").isMissingNode()).as("readiness checks stay off /healthz").isTrue();

    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    JsonNode checks = body(ready).get("checks");
    assertThat(checks.at("/db/status").asText()).isEqualTo("UP");
    assertThat(checks.at("/cache/status").asText()).isEqualTo("UP");
  }

  @Test
  void aCheckThatThrowsTurnsItsEndpoint503WithTheError() throws Exception {
    app = Engine.builder().build();
    app.health().readiness("db", () -> {
      throw new IllegalStateException("connection refused: db:5432");
    }).readiness("cache", () -> {});
    app.start(0);

    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(503);
    JsonNode body = body(ready);
    assertThat(body.get("status").asText()).isEqualTo("DOWN");
    assertThat(body.at("/checks/db/status").asText()).isEqualTo("DOWN");
    assertThat(body.at("/checks/db/error").asText()).isEqualTo("connection refused: db:5432");
    assertThat(body.at("/checks/cache/status").asText()).isEqualTo("UP");
    assertThat(get("/healthz").statusCode()).as("a readiness failure leaves liveness alone").isEqualTo(200);
  }

  @Test
  void aCheckThatOverrunsTheCheckTimeoutCountsAsDown() throws Exception {
    app = Engine.builder().checkTimeout(Duration.ofMillis(200)).build();
    app.health().liveness("stuck", never::await);
    app.start(0);

    long t0 = System.nanoTime();
    HttpResponse<String> live = get("/healthz");
    long ms = (System.nanoTime() - t0) / 1_000_000;

    assertThat(live.statusCode()).isEqualTo(503);
    assertThat(body(live).at("/checks/stuck/error").asText()).startsWith("timed out");
    assertThat(ms).as("answered at the check timeout, not when the check ends").isBetween(150L, 2_000L);
  }

  @Test
  void checksAddedAfterStartTakeEffect() throws Exception {
    app = Engine.builder().build().start(0);
    assertThat(get("/readyz").statusCode()).isEqualTo(200);

    app.health().readiness("warmup", () -> {
      throw new IllegalStateException("cache not loaded");
    });

    assertThat(get("/readyz").statusCode()).isEqualTo(503);
  }

  @Test
  void pathsAreConfigurableAndTheDefaultsThenAnswer404() throws Exception {
    app = Engine.builder().livenessPath("/-/live").readinessPath("/-/ready").build().start(0);

    assertThat(get("/-/live").statusCode()).isEqualTo(200);
    assertThat(get("/-/ready").statusCode()).isEqualTo(200);
    assertThat(get("/healthz").statusCode()).isEqualTo(404);
    assertThat(get("/readyz").statusCode()).isEqualTo(404);
  }

  @Test
  void aNullPathTurnsTheEndpointOff() throws Exception {
    app = Engine.builder().livenessPath(null).readinessPath(null).build().start(0);

    assertThat(get("/healthz").statusCode()).isEqualTo(404);
    assertThat(get("/readyz").statusCode()).isEqualTo(404);
  }

  @Test
  void headAnswersWithTheStatusAndNoBody() throws Exception {
    app = Engine.builder().build();
    app.health().readiness("db", () -> {
      throw new IllegalStateException("down");
    });
    app.start(0);

    RawConnection.Reply live = RawConnection.fetch(app.port(), "HEAD", "/healthz");
    RawConnection.Reply ready = RawConnection.fetch(app.port(), "HEAD", "/readyz");

    assertThat(live.status()).isEqualTo(200);
    assertThat(ready.status()).isEqualTo(503);
    // RawConnection reads no body for HEAD; a stray body would have shown up as garbage before EOF.
    assertThat(live.header("content-length")).isNotNull();
    assertThat(live.body()).isEmpty();
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode body(HttpResponse<String> r) throws IOException {
    return JSON.readTree(r.body());
  }
}
