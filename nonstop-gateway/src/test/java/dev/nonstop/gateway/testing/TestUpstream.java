package dev.nonstop.gateway.testing;

import dev.nonstop.web.Engine;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real upstream server for gateway tests: a nonstop-web {@link Engine} on an ephemeral loopback
 * port that says who it is and counts what it received.
 *
 * <pre>
 * GET  /id               its name
 * GET  /headers          the request headers as JSON (first value of each)
 * POST /echo             the body back
 * GET  /slow?ms=N        answers after N ms
 * GET  /status/CODE      answers CODE
 * </pre>
 */
public final class TestUpstream implements AutoCloseable {
  private final String name;
  private final Engine engine;
  /** Requests received, all paths. */
  public final AtomicInteger hits = new AtomicInteger();

  public TestUpstream(String name) {
    this.name = name;
    engine = Engine.builder().host("127.0.0.1").drainTimeout(Duration.ofSeconds(5)).build();
    engine.use(c -> {
      hits.incrementAndGet();
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
    engine.post("/echo", c -> c.bytes(200, "application/octet-stream", c.body()));
    engine.get("/slow", c -> {
      Thread.sleep(Long.parseLong(c.query("ms", "1000")));
      c.string(200, name);
    });
    engine.get("/status/:code", c -> c.string(Integer.parseInt(c.param("code")), name));
    engine.start(0);
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
