package dev.nonstop.web.internal;

import dev.nonstop.web.Execution;
import dev.nonstop.web.Handler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A registered route: its template, its flattened chain and where it runs. Immutable apart from
 * the lazily created per-status timers, which are cached here so that recording a request does not
 * look up (or allocate) a meter.
 */
public final class Route {
  private static final Duration[] SLOS = {
      Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

  /** The metric tag value for requests that matched no route: never the raw path. */
  public static final String UNMATCHED = "UNMATCHED";

  private final String method;
  private final String template;
  private final Handler[] chain;
  private final Execution execution;
  /** {@link #bodyLimit()} of a route without {@code Middleware.bodyLimit}: the engine's limits apply. */
  public static final long NO_LIMIT = -1;

  private final long bodyLimit;
  private final MeterRegistry meters;
  private final AtomicReferenceArray<Timer> timers = new AtomicReferenceArray<>(500);

  public Route(String method, String template, Handler[] chain, Execution execution, long bodyLimit,
      MeterRegistry meters) {
    this.method = method;
    this.template = template;
    this.chain = chain;
    this.execution = execution;
    this.bodyLimit = bodyLimit;
    this.meters = meters;
  }

  public String method() { return method; }
  public String template() { return template; }
  public Handler[] chain() { return chain; }
  public Execution execution() { return execution; }
  /** The route's own body limit from {@code Middleware.bodyLimit}, or {@link #NO_LIMIT}. */
  public long bodyLimit() { return bodyLimit; }

  /** Records one request's latency by route template, method and status. */
  public void record(String requestMethod, int status, long nanos) {
    int i = status - 100;
    if (i < 0 || i >= 500) {
      return;
    }
    Timer t;
    if (!method.equals(requestMethod)) {
      // HEAD served by a GET route: rare, so the registry's own lookup will do; caching it here
      // would label every later GET of this status as HEAD.
      t = timer(meters, requestMethod, template, status);
    } else {
      t = timers.get(i);
      if (t == null) {
        t = timer(meters, method, template, status);
        timers.set(i, t);
      }
    }
    t.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** The request timer for a route template (or {@link #UNMATCHED}), method and status. */
  public static Timer timer(MeterRegistry meters, String method, String template, int status) {
    return Timer.builder("nonstop.http.server.requests")
        .description("HTTP requests served, by route template, method and status")
        .tag("route", template).tag("method", method).tag("status", Integer.toString(status))
        .serviceLevelObjectives(SLOS)
        .register(meters);
  }
}
