package dev.nonstop.web.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nonstop.web.Engine;
import dev.nonstop.web.Handler;
import dev.nonstop.web.Middleware;
import dev.nonstop.web.testing.Logs;
import dev.nonstop.web.testing.Servers;
import dev.nonstop.web.testing.TestServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Middleware.timeout: 503/504 on time, the handler interrupted, fast handlers untouched. */
class ContextTimeoutIT {
  private static final Duration LIMIT = Duration.ofMillis(200);
  private static final AtomicReference<CountDownLatch> interrupted = new AtomicReference<>();
  @RegisterExtension
  static final Servers servers = new Servers();
  private static TestServer server;

  @BeforeAll
  static void start() {
    Handler sleepy = c -> {
      try {
        Thread.sleep(5_000);
        c.string(200, "too late");
      } catch (InterruptedException e) {
        interrupted.get().countDown();
        throw e;
      }
    };
    Engine app = Engine.create();
    app.get("/slow", Middleware.timeout(LIMIT), sleepy);
    app.get("/slow-504", Middleware.timeout(LIMIT, 504), sleepy);
    app.get("/fast", Middleware.timeout(LIMIT), c -> c.string(200, "quick"));
    server = servers.start(app);
  }

  @ParameterizedTest
  @CsvSource({"/slow, 503", "/slow-504, 504"})
  void aSlowHandlerTimesOutWithTheStatusAndIsInterrupted(String path, int status) throws InterruptedException {
    interrupted.set(new CountDownLatch(1));
    try (Logs logs = Logs.capture("nonstop.recovery")) {
      long t0 = System.nanoTime();
      HttpResponse<String> r = server.get(path);
      Duration took = Duration.ofNanos(System.nanoTime() - t0);

      assertThat(r.statusCode()).isEqualTo(status);
      assertThat(TestServer.json(r)).isEqualTo(Map.of("error", "request timed out after 200 ms"));
      assertThat(took).as("about the 200 ms limit, not the 5 s sleep").isLessThan(Duration.ofMillis(1500));
      assertThat(interrupted.get().await(2, TimeUnit.SECONDS)).as("the handler's thread was interrupted").isTrue();
      assertThat(logs.events()).as("the interrupt is how a timeout works, not an error").isEmpty();
    }
    assertThat(server.get("/fast").body()).as("the server keeps serving").isEqualTo("quick");
  }

  @Test
  void aFastHandlerUnderTheSameTimeoutAnswersNormally() {
    HttpResponse<String> r = server.get("/fast");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("quick");
  }

  @Test
  void timeoutArgumentsAreChecked() {
    assertThatThrownBy(() -> Middleware.timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Middleware.timeout(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Middleware.timeout(LIMIT, 500)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("500");
  }
}
