package dev.nonstop.web.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.nonstop.web.Engine;
import dev.nonstop.web.HttpException;
import dev.nonstop.web.Middleware;
import dev.nonstop.web.testing.Logs;
import dev.nonstop.web.testing.RawConnection;
import dev.nonstop.web.testing.Response;
import dev.nonstop.web.testing.Servers;
import dev.nonstop.web.testing.TestServer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** recovery (500 JSON, logged once), HttpException, and requestId. */
class ContextRecoveryIT {
  private static final String HEX32 = "[0-9a-f]{32}";
  @RegisterExtension
  static final Servers servers = new Servers();
  private static TestServer server;
  private static TestServer bare;

  @BeforeAll
  static void start() {
    Engine app = Engine.create(); // requestId, logger, recovery
    app.get("/boom", c -> {
      c.header("X-Before-Failure", "kept");
      throw new IllegalStateException("kaboom");
    });
    app.get("/missing", c -> {
      throw new HttpException(404, "no such user");
    });
    app.get("/teapot", c -> {
      throw new HttpException(418, "short and stout");
    });
    app.get("/id", c -> c.string(200, c.get(Middleware.REQUEST_ID_KEY)));
    app.get("/mid-stream", c -> c.stream(200, "text/plain", out -> {
      out.write("partial".getBytes(StandardCharsets.UTF_8));
      out.flush();
      throw new IllegalStateException("failed mid-stream");
    }));
    server = servers.start(app);

    Engine plain = Engine.builder().build(); // no middleware: the engine's last resort answers
    plain.get("/boom", c -> {
      throw new IllegalStateException("kaboom");
    });
    plain.get("/error", c -> {
      throw new StackOverflowError("deep");
    });
    plain.get("/ok", c -> c.string(200, "ok"));
    bare = servers.start(plain);
  }

  @Test
  void aThrowingHandlerGets500JsonAndIsLoggedOnceWithItsStackTrace() {
    try (Logs logs = Logs.capture("nonstop.recovery")) {
      HttpResponse<String> r = assertGeneric500(server.get("/boom"));
      assertThat(r.headers().firstValue("X-Request-Id")).hasValueSatisfying(id -> assertThat(id).matches(HEX32));

      assertOneErrorWith(logs.events(), IllegalStateException.class, "kaboom");
      assertThat(server.get("/id").statusCode()).as("the server keeps serving").isEqualTo(200);
    }
  }

  @Test
  void withoutRecoveryMiddlewareTheEngineStillAnswers500AndLogsOnce() {
    try (Logs logs = Logs.capture("nonstop.recovery")) {
      assertGeneric500(bare.get("/boom"));
      assertOneErrorWith(logs.events(), IllegalStateException.class, "kaboom");

      assertGeneric500(bare.get("/error")); // an Error is caught too
      assertThat(bare.get("/ok").body()).isEqualTo("ok");
    }
  }

  @Test
  void httpExceptionBecomesItsStatusAndMessageWithoutALoggedStackTrace() {
    try (Logs logs = Logs.capture("nonstop.recovery")) {
      HttpResponse<String> r = server.get("/missing");
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(TestServer.json(r)).isEqualTo(Map.of("error", "no such user"));
      HttpResponse<String> teapot = server.get("/teapot");
      assertThat(teapot.statusCode()).isEqualTo(418);
      assertThat(TestServer.json(teapot)).isEqualTo(Map.of("error", "short and stout"));
      assertThat(logs.events()).isEmpty();
    }
    assertThat(new HttpException(404, "x").getStackTrace()).as("no stack trace is even captured").isEmpty();
  }

  @Test
  void aHandlerFailingMidStreamCutsTheConnectionInsteadOfEndingTheBody() throws IOException {
    try (Logs logs = Logs.capture("nonstop.recovery"); RawConnection c = server.connect()) {
      Response r = c.send(RawConnection.request("GET", "/mid-stream", "Connection", "close")).readHead();
      assertThat(r.status()).isEqualTo(200);
      assertThat(c.readToEnd()).as("the body as sent").startsWith("7\r\npartial\r\n").doesNotContain("0\r\n\r\n");
      // The connection is cut before the exception reaches the recovery middleware that logs it.
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertOneErrorWith(logs.events(), IllegalStateException.class, "failed mid-stream"));
    }
  }

  @Test
  void requestIdIsGeneratedWhenAbsentAndEchoed() {
    HttpResponse<String> first = server.get("/id");
    HttpResponse<String> second = server.get("/id");
    assertThat(first.body()).matches(HEX32);
    assertThat(first.headers().firstValue("X-Request-Id")).hasValue(first.body());
    assertThat(second.body()).matches(HEX32).isNotEqualTo(first.body());
  }

  @Test
  void requestIdIsPropagatedWhenPresent() {
    HttpResponse<String> r = server.get("/id", "X-Request-Id", "upstream-42:abc");
    assertThat(r.body()).isEqualTo("upstream-42:abc");
    assertThat(r.headers().firstValue("X-Request-Id")).hasValue("upstream-42:abc");
  }

  @Test
  void anUnusableRequestIdIsReplaced() {
    for (String bad : List.of("x".repeat(129), "with space", "caf\u00e9", "tab\there")) {
      Response r = server.fetch("GET", "/id", "X-Request-Id", bad);
      assertThat(r.body()).as(bad).matches(HEX32);
      assertThat(r.header("X-Request-Id")).isEqualTo(r.body());
    }
  }

  /** The answer to a failed handler: 500 and a JSON body that tells the client nothing of the failure. */
  private static HttpResponse<String> assertGeneric500(HttpResponse<String> r) {
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(TestServer.json(r)).isEqualTo(Map.of("error", "internal server error"));
    assertThat(r.body()).doesNotContain("kaboom").doesNotContain("IllegalStateException");
    return r;
  }

  private static void assertOneErrorWith(List<ILoggingEvent> events, Class<?> type, String message) {
    assertThat(events).hasSize(1);
    ILoggingEvent e = events.get(0);
    assertThat(e.getLevel()).isEqualTo(Level.ERROR);
    assertThat(e.getThrowableProxy()).isNotNull();
    assertThat(e.getThrowableProxy().getClassName()).isEqualTo(type.getName());
    assertThat(e.getThrowableProxy().getMessage()).isEqualTo(message);
    assertThat(e.getThrowableProxy().getStackTraceElementProxyArray()).isNotEmpty();
  }
}
