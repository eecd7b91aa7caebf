package dev.nonstop.gateway.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Envoy's retry budget for one upstream: retries in flight may be at most {@code budgetPercent} of
 * the requests in flight, and never fewer than {@value #MIN_CONCURRENCY} (so a quiet upstream can
 * still retry). A fixed number of retries per request multiplies an overloaded upstream's load by
 * the number of tries exactly when it can least take it; a budget caps the extra load at a share.
 *
 * <p>One departure from Envoy: the budget never falls below one server's share of the requests in
 * flight ({@code requests / servers}). When one of N servers dies, about 1/N of the requests in
 * flight fail at the same moment and each needs one retry; a budget smaller than that would turn a
 * single crash into failed requests, which is exactly what the gateway exists to prevent. A whole
 * failing upstream still gets at most that share of extra load.
 *
 * <p>A request counts once from {@link #requestStarted} to {@link #requestFinished}, however many
 * tries it makes; each retry counts from a successful {@link #tryAcquireRetry} to {@link
 * #retryFinished}. Lock-free and allocation-free: the per-request counter is a {@link LongAdder}
 * (written on every request by every event loop, summed only when a retry asks), the retry counter
 * one CAS.
 *
 * <pre>{@code
 * budget.requestStarted();
 * ...
 * if (retryable && budget.tryAcquireRetry()) {
 *   try { send again } finally { budget.retryFinished(); }
 * }
 * budget.requestFinished();
 * }</pre>
 */
public final class RetryBudget {
  /** Retries always allowed at once, whatever the share (Envoy's {@code min_retry_concurrency}). */
  public static final int MIN_CONCURRENCY = 3;

  private final int budgetPercent;
  private final int servers;
  private final LongAdder requests = new LongAdder();
  private final AtomicInteger retries = new AtomicInteger();
  private final LongAdder overflows = new LongAdder();

  /** A budget without the one-server floor (as if the upstream had one server). */
  public RetryBudget(int budgetPercent) {
    this(budgetPercent, 1);
  }

  /**
   * @param budgetPercent the share of requests in flight that may be retries, 0-100
   * @param servers the upstream's servers; retries of one server's share of requests are always allowed
   */
  public RetryBudget(int budgetPercent, int servers) {
    if (budgetPercent < 0 || budgetPercent > 100) {
      throw new IllegalArgumentException("budget_percent: " + budgetPercent + " (expected: 0-100)");
    }
    this.budgetPercent = budgetPercent;
    this.servers = Math.max(1, servers);
  }

  /** A request to this upstream began. */
  public void requestStarted() {
    requests.increment();
  }

  /** A request to this upstream ended, with or without retries. */
  public void requestFinished() {
    requests.decrement();
  }

  /**
   * Takes a retry from the budget; true when it may be sent, and then {@link #retryFinished} must
   * follow. False counts an overflow (Envoy's {@code upstream_rq_retry_overflow}).
   */
  public boolean tryAcquireRetry() {
    long inFlight = requests.sum();
    long oneServer = servers > 1 ? (inFlight + servers - 1) / servers : 0;
    long limit = Math.max(MIN_CONCURRENCY, Math.max(inFlight * budgetPercent / 100, oneServer));
    for (;;) {
      int active = retries.get();
      if (active >= limit) {
        overflows.increment();
        return false;
      }
      if (retries.compareAndSet(active, active + 1)) {
        return true;
      }
    }
  }

  /** A retry that {@link #tryAcquireRetry} allowed has ended. */
  public void retryFinished() {
    retries.decrementAndGet();
  }

  /** Requests in flight. */
  public long requests() {
    return requests.sum();
  }

  /** Retries in flight. */
  public int retries() {
    return retries.get();
  }

  /** Retries refused so far. */
  public long overflows() {
    return overflows.sum();
  }
}
