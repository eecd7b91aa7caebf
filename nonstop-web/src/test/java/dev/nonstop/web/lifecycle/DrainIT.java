package dev.nonstop.web.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nonstop.web.Engine;
import dev.nonstop.web.testing.RawConnection;
import dev.nonstop.web.testing.Response;
import dev.nonstop.web.testing.Servers;
import dev.nonstop.web.testing.TestServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code stop(drain)} in-process, seen from real sockets: readiness 503 during the shutdown delay,
 * then the listener closes, idle connections close, in-flight requests finish with
 * {@code Connection: close} within the drain timeout, and whatever is left is cut.
 */
class DrainIT {
  @RegisterExtension
  static final Servers servers = new Servers();
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private Engine app;

  @AfterEach
  void release() {
    release.countDown(); // before Servers stops the app, so that stop does not wait for a blocked handler
  }

  private Engine start(Engine.Builder b) {
    app = b.build();
    app.get("/", c -> c.json(200, Map.of("message", "Service is running")));
    app.get("/slow", c -> {
      entered.countDown();
      release.await();
      c.json(200, Map.of("slow", "done"));
    });
    servers.start(app);
    return app;
  }

  private CompletableFuture<Void> stopInBackground(Duration drain) {
    return CompletableFuture.runAsync(() -> app.stop(drain), r -> Thread.ofPlatform().name("test-stop").start(r));
  }

  private static ConditionFactory soon() {
    return await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10));
  }

  @Test
  void readinessTurns503DuringTheShutdownDelayWhileRoutesStillAnswerOnNewConnections() throws Exception {
    start(Engine.builder().shutdownDelay(Duration.ofSeconds(2)));
    assertThat(RawConnection.get(app.port(), "/readyz").status()).isEqualTo(200);

    CompletableFuture<Void> stopping = stopInBackground(Duration.ofSeconds(5));

    soon().untilAsserted(() -> assertThat(app.isDraining()).isTrue());
    Response ready = RawConnection.get(app.port(), "/readyz");
    assertThat(ready.status()).isEqualTo(503);
    assertThat(TestServer.json(ready.body())).containsEntry("draining", true);
    assertThat(RawConnection.get(app.port(), "/").status()).as("routes still answer during the delay").isEqualTo(200);
    assertThat(RawConnection.get(app.port(), "/healthz").status()).as("liveness stays up while draining").isEqualTo(200);
    assertThat(stopping).as("the listener waits out the delay").isNotDone();
    stopping.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aKeepAliveConnectionSeesReadinessTurn503() throws Exception {
    start(Engine.builder().shutdownDelay(Duration.ofSeconds(2)));
    try (RawConnection probe = RawConnection.open(app.port())) {
      assertThat(probe.get("/readyz").status()).isEqualTo(200);

      CompletableFuture<Void> stopping = stopInBackground(Duration.ofSeconds(5));
      soon().untilAsserted(() -> assertThat(app.isDraining()).isTrue());

      assertThat(probe.get("/readyz").status()).isEqualTo(503);
      stopping.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aSlowRequestBegunBeforeStopCompletesWith200AndConnectionClose() throws Exception {
    start(Engine.builder().shutdownDelay(Duration.ofMillis(200)));
    try (RawConnection slow = RawConnection.open(app.port())) {
      slow.send(RawConnection.getRequest("/slow")); // keep-alive: any Connection: close comes from the drain
      assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<Response> reply = CompletableFuture.supplyAsync(() -> {
        try {
          return slow.read();
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });

      CompletableFuture<Void> stopping = stopInBackground(Duration.ofSeconds(10));
      soon().until(() -> RawConnection.refuses(app.port()));

      assertThat(reply).as("still running after the listener closed").isNotDone();
      assertThat(stopping).as("stop waits for the in-flight request").isNotDone();
      release.countDown();
      Response r = reply.get(5, TimeUnit.SECONDS);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).contains("done");
      assertThat(r.closes()).as("Connection: close on the last response; headers " + r.headers()).isTrue();
      assertThat(slow.closedByPeerWithin(Duration.ofSeconds(5))).isTrue();
      stopping.get(5, TimeUnit.SECONDS);
    }
    assertThat(RawConnection.refuses(app.port())).isTrue();
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedByTheServerWhenTheListenerCloses() throws Exception {
    start(Engine.builder().idleTimeout(Duration.ofMinutes(5)));
    try (RawConnection idle = RawConnection.open(app.port())) {
      Response r = idle.get("/");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.closes()).isFalse();

      CompletableFuture<Void> stopping = stopInBackground(Duration.ofSeconds(10));

      assertThat(idle.closedByPeerWithin(Duration.ofSeconds(5))).as("closed long before the 5 min idle timeout").isTrue();
      stopping.get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aRequestStillRunningAtTheDrainTimeoutIsCutAndStopReturnsAtTheDeadline() throws Exception {
    start(Engine.builder());
    try (RawConnection stuck = RawConnection.open(app.port())) {
      stuck.send(RawConnection.getRequest("/slow"));
      assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

      long t0 = System.nanoTime();
      app.stop(Duration.ofMillis(500));
      long ms = (System.nanoTime() - t0) / 1_000_000;

      assertThat(ms).isBetween(450L, 2_500L);
      assertThatThrownBy(() -> stuck.read()).isInstanceOf(RawConnection.NoResponseException.class);
    }
  }

  @Test
  void stopIsSafeToCallTwiceAndConcurrently() throws Exception {
    start(Engine.builder().shutdownDelay(Duration.ofMillis(200)));
    try (RawConnection slow = RawConnection.open(app.port())) {
      slow.send(RawConnection.getRequest("/slow"));
      assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

      CompletableFuture<Void> first = stopInBackground(Duration.ofSeconds(10));
      CompletableFuture<Void> second = stopInBackground(Duration.ofSeconds(10));
      soon().until(() -> RawConnection.refuses(app.port()));
      assertThat(second).as("a second stop waits for the first").isNotDone();

      release.countDown();
      assertThat(slow.read().status()).isEqualTo(200);
      CompletableFuture.allOf(first, second).get(5, TimeUnit.SECONDS);
    }
    app.stop(Duration.ZERO); // and once more after the end
    assertThat(app.isDraining()).isTrue();
  }

  @Test
  void stopBeforeStartDoesNothing() {
    Engine idle = Engine.builder().build();
    idle.stop(Duration.ZERO);
    assertThatThrownBy(idle::port).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void withAManagementPortReadinessStaysObservableAsDownUntilTheDrainEnds() throws Exception {
    start(Engine.builder().managementPort(0));
    int management = app.managementPort();
    try (RawConnection slow = RawConnection.open(app.port())) {
      slow.send(RawConnection.getRequest("/slow"));
      assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

      CompletableFuture<Void> stopping = stopInBackground(Duration.ofSeconds(10));
      soon().until(() -> RawConnection.refuses(app.port()));

      assertThat(RawConnection.get(management, "/readyz").status()).isEqualTo(503);
      assertThat(RawConnection.get(management, "/healthz").status()).isEqualTo(200);
      release.countDown();
      assertThat(slow.read().status()).isEqualTo(200);
      stopping.get(5, TimeUnit.SECONDS);
    }
    assertThat(RawConnection.refuses(management)).as("the management listener closes last").isTrue();
  }
}
