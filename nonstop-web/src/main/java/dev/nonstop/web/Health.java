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
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

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
 *
 * <pre>{@code
 * app.health()
 *     .liveness("worker", () -> { if (!worker.isAlive()) throw new IllegalStateException("worker died"); })
 *     .readiness("db", () -> { try (var c = ds.getConnection()) { c.isValid(1); } });
 * }</pre>
 */
public final class Health {
  /**
   * The outcome of one round of checks.
   *
   * @param up whether every check passed (and, for readiness, no drain has begun)
   * @param body the JSON answer: overall {@code status}, {@code draining} when it is, and each check
   */
  public record Report(boolean up, Map<String, Object> body) {}

  private final Duration timeout;
  private final Map<String, HealthCheck> liveness = new ConcurrentHashMap<>();
  private final Map<String, HealthCheck> readiness = new ConcurrentHashMap<>();
  private volatile boolean draining;
  // At most one run of each check at a time: a check stuck past its timeout (and deaf to the
  // interrupt) is reported as still running by later probes instead of piling up threads.
  private final Map<String, Run> running = new ConcurrentHashMap<>();
  private final ExecutorService pool = Executors.newThreadPerTaskExecutor(
      Thread.ofVirtual().name("nonstop-health").factory());

  Health(Duration timeout) {
    this.timeout = timeout;
  }

  /** Adds (or replaces, by name) a liveness check; a failing one makes /healthz 503. */
  public Health liveness(String name, HealthCheck check) {
    liveness.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(check, "check"));
    return this;
  }

  /** Adds (or replaces, by name) a readiness check; a failing one makes /readyz 503. */
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

  /** Runs the liveness checks in parallel and waits at most the check timeout for them. */
  public Report live() {
    return run(liveness, false);
  }

  /** Runs the readiness checks as {@link #live()} does; down while draining. */
  public Report ready() {
    return run(readiness, draining);
  }

  private Report run(Map<String, HealthCheck> checks, boolean draining) {
    Map<String, Object> results = new LinkedHashMap<>();
    boolean up = !draining;
    Map<String, Run> futures = new TreeMap<>();
    long started = System.nanoTime();
    for (Map.Entry<String, HealthCheck> e : checks.entrySet()) {
      futures.put(e.getKey(), start(e.getKey(), e.getValue()));
    }
    long deadline = started + timeout.toNanos();
    for (Map.Entry<String, Run> e : futures.entrySet()) {
      Map<String, Object> r = new LinkedHashMap<>();
      String error = await(e.getValue(), deadline);
      r.put("status", error == null ? "UP" : "DOWN");
      if (error != null) {
        r.put("error", error);
        up = false;
      }
      results.put(e.getKey(), r);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", up ? "UP" : "DOWN");
    if (draining) {
      body.put("draining", true);
    }
    body.put("checks", results);
    return new Report(up, body);
  }

  /** One run of a check: its thread, and a future that completes only when that thread ends. */
  private record Run(Future<?> task, CompletableFuture<Void> done) {}

  private Run start(String name, HealthCheck check) {
    return running.compute(name, (k, previous) -> previous != null && !previous.done().isDone() ? previous : launch(check));
  }

  private Run launch(HealthCheck check) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Future<?> task = pool.submit(() -> {
      try {
        check.check();
        done.complete(null);
      } catch (Throwable t) {
        done.completeExceptionally(t);
      }
    });
    return new Run(task, done);
  }

  /** Null when the check passed, else why it failed. */
  private String await(Run run, long deadline) {
    try {
      run.done().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      return null;
    } catch (TimeoutException t) {
      run.task().cancel(true); // interrupt it; "done" still waits for the thread to really end
      return "timed out after " + timeout.toMillis() + " ms";
    } catch (ExecutionException x) {
      Throwable cause = x.getCause();
      return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getName();
    } catch (InterruptedException x) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
