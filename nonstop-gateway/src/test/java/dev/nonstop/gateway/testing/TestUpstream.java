package dev.nonstop.gateway.testing;

import dev.nonstop.web.Engine;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real upstream server for gateway tests: a nonstop-web {@link Engine} on an ephemeral loopback
 * port that says who it is and counts what it received.
 *
 * <pre>
 * GET  /id               its name
 * GET  /headers          the request headers as JSON (first value of each)
 * POST /echo?ms=N        the body back, after N ms (default 0)
 * GET  /slow?ms=N        answers after N ms
 * GET  /status/CODE      answers CODE
 * GET  /big?mib=N        N MiB of zeros, streamed (counted in bigSent)
 * GET  /health           answers {@link #health} (200 until a test changes it); not counted in {@link #hits}
 * </pre>
 *
 * <p>{@link #failWith} turns it into a failing server on cue: every request but {@code /health} is
 * answered with that status.
 */
public final class TestUpstream implements AutoCloseable {
  private final String name;
  private final Engine engine;
  /** Requests received, all paths but {@code /health}, so health checks do not count as traffic. */
  public final AtomicInteger hits = new AtomicInteger();
  /** Bytes {@code GET /big} has handed to its connection so far (blocks while the client does not read). */
  public final java.util.concurrent.atomic.AtomicLong bigSent = new java.util.concurrent.atomic.AtomicLong();
  /** When not 0, the status every request but {@code /health} gets (with the name as body). */
  public final AtomicInteger failWith = new AtomicInteger();
  /** The status {@code /health} answers. */
  public final AtomicInteger health = new AtomicInteger(200);

  /** Starts on an ephemeral port. */
  public TestUpstream(String name) {
    this(name, 0, body -> {});
  }

  /**
   * Starts on {@code port}, 0 for an ephemeral one.
   *
   * @param echoed told each {@code /echo} body before it is answered
   */
  public TestUpstream(String name, int port, Consumer<byte[]> echoed) {
    this.name = name;
    engine = Engine.builder().host("127.0.0.1").drainTimeout(Duration.ofSeconds(5)).build();
    engine.use(c -> {
      if ("/health".equals(c.path())) {
        c.next();
        return;
      }
      hits.incrementAndGet();
      int fail = failWith.get();
      if (fail != 0) {
        c.string(fail, name);
        c.abort();
        return;
      }
      c.next();
    });
    engine.get("/id", c -> c.string(200, name));
    engine.get("/", c -> c.string(200, name));
    engine.get("/api/*rest", c -> c.string(200, name + " " + c.path()));
    engine.get("/headers", c -> {
      Map<String, String> h = new LinkedHashMap<>();
      for (String n : new String[] {"host", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
          "x-request-id", "traceparent", "via", "connection", "keep-alive", "x-hop", "te", "upgrade"}) {
        String v = c.header(n);
        if (v != null) {
          h.put(n, v);
        }
      }
      h.put("uri", c.uri());
      c.json(200, h);
    });
    engine.post("/echo", c -> {
      echoed.accept(c.body());
      Thread.sleep(Long.parseLong(c.query("ms", "0")));
      c.bytes(200, "application/octet-stream", c.body());
    });
    engine.get("/slow", c -> {
      Thread.sleep(Long.parseLong(c.query("ms", "1000")));
      c.string(200, name);
    });
    engine.get("/big", c -> {
      int mib = Integer.parseInt(c.query("mib", "16"));
      c.stream(200, "application/octet-stream", out -> {
        byte[] chunk = new byte[64 * 1024];
        for (int i = 0; i < mib * 16; i++) {
          out.write(chunk);
          bigSent.addAndGet(chunk.length);
        }
      });
    });
    engine.get("/status/:code", c -> c.string(Integer.parseInt(c.param("code")), name));
    engine.get("/health", c -> c.string(health.get(), name));
    engine.start(port);
  }

  public String name() {
    return name;
  }

  public int port() {
    return engine.port();
  }

  public String address() {
    return "127.0.0.1:" + port();
  }

  /** Graceful stop: in-flight requests finish. */
  public void stop() {
    engine.stop(Duration.ofSeconds(5));
  }

  @Override
  public void close() {
    engine.stop(Duration.ZERO);
  }
}
