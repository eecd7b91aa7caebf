package dev.nonstop.web.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.web.Engine;
import dev.nonstop.web.Middleware;
import dev.nonstop.web.testing.RawConnection;
import dev.nonstop.web.testing.Response;
import dev.nonstop.web.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * The application the HTTP tests talk to, with small limits so that every limit is cheap to hit,
 * and the check every bad-input test ends with: a bystander connection and a new connection are
 * both still served.
 */
final class ConformanceApp {
  static final int MAX_LINE = 256;
  static final int MAX_HEADERS = 512;
  static final int MAX_BODY = 1024;
  static final int RAISED_LIMIT = 4096;
  static final int LOWERED_LIMIT = 16;
  static final Duration HEADER_TIMEOUT = Duration.ofMillis(400);

  private ConformanceApp() {}

  /** The app, to start with {@code Servers}; {@code settings} may change the defaults of these tests. */
  static Engine create(UnaryOperator<Engine.Builder> settings) {
    Engine e = settings.apply(Engine.builder()
        .maxInitialLineLength(MAX_LINE)
        .maxHeaderSize(MAX_HEADERS)
        .maxBodySize(MAX_BODY)
        .headerReadTimeout(HEADER_TIMEOUT)
        .idleTimeout(Duration.ofSeconds(20)))
        .build();
    e.get("/", c -> c.string(200, "root " + c.query("id", "")));
    e.get("/hello", c -> c.string(200, "hello"));
    // Holds the request ms milliseconds and answers with its id: pipelined answers prove their order.
    e.get("/slow", c -> {
      Thread.sleep(Long.parseLong(c.query("ms", "0")));
      c.string(200, c.query("id", ""));
    });
    e.post("/echo", c -> c.bytes(200, c.header("Content-Type") != null ? c.header("Content-Type") : "text/plain",
        c.body()));
    e.get("/stream", c -> c.stream(200, "text/plain; charset=utf-8", out -> {
      for (int i = 0; i < 4; i++) {
        out.write(("part " + i + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    }));
    e.get("/boom", c -> {
      throw new IllegalStateException("boom (thrown on purpose by a test)");
    });
    e.group("/recovered", Middleware.recovery()).get("/boom", c -> {
      throw new IllegalStateException("boom (thrown on purpose by a test)");
    });
    e.get("/users", c -> c.string(200, "users"));
    e.post("/users", c -> c.string(200, "created"));
    e.get("/only-get", c -> c.string(200, "only get"));
    e.post("/big", Middleware.bodyLimit(RAISED_LIMIT), c -> c.string(200, Integer.toString(c.body().length)));
    e.post("/small", Middleware.bodyLimit(LOWERED_LIMIT), c -> c.string(200, Integer.toString(c.body().length)));
    return e;
  }

  /** A request body of {@code n} bytes. */
  static String bytes(int n) {
    return "x".repeat(n);
  }

  /** The body as HTTP/1.1 chunks of at most {@code size} bytes, with the last chunk. */
  static String chunked(String body, int size) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < body.length(); i += size) {
      String part = body.substring(i, Math.min(body.length(), i + size));
      b.append(Integer.toHexString(part.length())).append("\r\n").append(part).append("\r\n");
    }
    return b.append("0\r\n\r\n").toString();
  }

  /** Something that fails: a bad request, a slow client. */
  @FunctionalInterface
  interface Abuse {
    void run() throws Exception;
  }

  /**
   * Asserts that {@code c} serves a GET of /hello: the previous response was framed exactly (no stray
   * body bytes) and the connection was kept.
   */
  static void assertServes(RawConnection c) throws Exception {
    Response r = c.get("/hello");
    assertThat(r.status()).as("GET /hello after the previous exchange: %s", r).isEqualTo(200);
    assertThat(r.body()).isEqualTo("hello");
    assertThat(r.header("Connection")).as("Connection header").isNull();
  }

  /**
   * Runs {@code abuse} while another keep-alive connection has a request in flight, then proves that
   * connection is undisturbed (its answer arrives, it serves one more request) and that a new
   * connection is served too.
   */
  static void assertHarmless(TestServer app, Abuse abuse) throws Exception {
    try (RawConnection bystander = app.connect()) {
      assertServes(bystander);
      bystander.send(RawConnection.getRequest("/slow?ms=50&id=bystander"));
      abuse.run();
      Response during = bystander.read();
      assertThat(during.status()).isEqualTo(200);
      assertThat(during.body()).isEqualTo("bystander");
      assertServes(bystander);
    }
    try (RawConnection fresh = app.connect()) {
      assertServes(fresh);
    }
  }

  /** Sends {@code raw} on a new connection and asserts {@code status}, {@code Connection: close} and the close. */
  static Response assertRejected(TestServer app, String raw, int status) throws Exception {
    Response[] answer = new Response[1];
    assertHarmless(app, () -> {
      try (RawConnection bad = app.connect()) {
        Response r = bad.send(raw).read();
        assertThat(r.status()).as("status for %s", printable(raw)).isEqualTo(status);
        assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
        assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        assertThat(r.body()).startsWith("{\"error\":\"");
        bad.assertClosedByServer();
        answer[0] = r;
      }
    });
    return answer[0];
  }

  static String printable(String raw) {
    StringBuilder b = new StringBuilder();
    for (char c : raw.toCharArray()) {
      if (c == '\r') {
        b.append("\\r");
      } else if (c == '\n') {
        b.append("\\n");
      } else if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\x%02x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.length() > 120 ? b.substring(0, 120) + "..." : b.toString();
  }
}
