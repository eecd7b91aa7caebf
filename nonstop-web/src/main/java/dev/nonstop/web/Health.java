package dev.nonstop.web;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The liveness and readiness checks of an engine: the contract the supervisor and the gateway rely
 * on.
 *
 * <ul>
 *   <li>Liveness ({@code /healthz}) answers "should this process be restarted?"; keep its checks to
 *       things a restart fixes (a deadlock, not a database outage).
 *   <li>Readiness ({@code /readyz}) answers "should this process get traffic?". It is 503 while any
 *       readiness check fails and from the first moment of a drain, before the listener closes.
 * </ul>
 *
 * <p>Checks run in parallel on virtual threads; one that throws or overruns the timeout counts as
 * down. The answer is 200 or 503 with a JSON body naming each check's status.
 */
public final class Health {
  /** The outcome of one round of checks. */
  public record Report(boolean up, Map<String, Object> body) {}

  private final Duration timeout;
  private final Map<String, HealthCheck> liveness = new ConcurrentHashMap<>();
  private final Map<String, HealthCheck> readiness = new ConcurrentHashMap<>();
  private volatile boolean draining;

  Health(Duration timeout) {
    this.timeout = timeout;
  }

  /** Adds (or replaces) a liveness check. */
  public Health liveness(String name, HealthCheck check) {
    liveness.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(check, "check"));
    return this;
  }

  /** Adds (or replaces) a readiness check. */
  public Health readiness(String name, HealthCheck check) {
    readiness.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(check, "check"));
    return this;
  }

  /** Whether a drain has begun; readiness is down from then on. */
  public boolean isDraining() {
    return draining;
  }

  /** Marks the start of a drain. Called by the engine; idempotent. */
  void markDraining() {
    draining = true;
  }

  /** Runs the liveness checks. */
  public Report live() {
    return run(liveness, false);
  }

  /** Runs the readiness checks; down while draining. */
  public Report ready() {
    return run(readiness, draining);
  }

  private Report run(Map<String, HealthCheck> checks, boolean draining) {
    Map<String, Object> results = new LinkedHashMap<>();
    boolean up = !draining;
    if (!checks.isEmpty()) {
      // Not try-with-resources: close() would wait for a check that ignores its interrupt.
      ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
      try {
        Map<String, Future<?>> futures = new LinkedHashMap<>();
        checks.entrySet().stream().sorted(Map.Entry.comparingByKey())
            .forEach(e -> futures.put(e.getKey(), pool.submit(() -> {
              e.getValue().check();
              return null;
            })));
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Map.Entry<String, Future<?>> e : futures.entrySet()) {
          Map<String, Object> r = new LinkedHashMap<>();
          try {
            e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            r.put("status", "UP");
          } catch (TimeoutException t) {
            e.getValue().cancel(true);
            r.put("status", "DOWN");
            r.put("error", "timed out after " + timeout.toMillis() + " ms");
            up = false;
          } catch (ExecutionException x) {
            r.put("status", "DOWN");
            Throwable cause = x.getCause();
            r.put("error", cause.getMessage() != null ? cause.getMessage() : cause.getClass().getName());
            up = false;
          } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            r.put("status", "DOWN");
            r.put("error", "interrupted");
            up = false;
          }
          results.put(e.getKey(), r);
        }
      } finally {
        pool.shutdownNow();
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", up ? "UP" : "DOWN");
    if (draining) {
      body.put("draining", true);
    }
    body.put("checks", results);
    return new Report(up, body);
  }
}
