package dev.nonstop.gateway.internal;

import dev.nonstop.gateway.GatewaySpec;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Circuit breaking for one upstream: refusing at once (503) beats queueing requests behind one that
 * is failing or saturated, both for the client, who gets an answer now, and for the upstream, which
 * gets room to recover. Two independent guards:
 *
 * <ul>
 *   <li>A failure-rate breaker (Resilience4j's state machine): over the last {@value #WINDOW}
 *       requests, and once at least {@value #MIN_CALLS} were recorded, a failure rate at or above
 *       the threshold opens the circuit; after {@link #OPEN_WAIT} the next request is let through
 *       as one of {@value #PROBES} probes (half-open), which close the circuit again when their
 *       failure rate is below the threshold, or reopen it. A failure is what {@link Failure} names:
 *       a 5xx from the upstream, a connect failure, a reset, a timeout. A 4xx is a success (the
 *       upstream works; the client asked wrongly), and a request the client abandoned is neither:
 *       {@link #release} it.
 *   <li>Envoy-style bulkheads, plain counters: at most {@code maxConnections} connections open to
 *       the upstream and at most {@code maxPending} requests waiting for one. Over either, the
 *       request is refused instead of waiting.
 * </ul>
 *
 * <p>Thread-safe. Resilience4j creates an event object per call once anyone subscribes to its
 * event publisher, so nobody does: state changes are noticed by comparing the state after each
 * call, and logged once each (a change between two calls can go unlogged: open then half-open
 * within one call is logged as half-open; {@link #state} is always exact). Its window takes a short
 * lock per outcome and builds a small snapshot of it (about 40 bytes, when the JIT does not
 * eliminate it); our part allocates nothing. While the circuit is open and its wait not over, {@link
 * #tryAcquire} refuses without asking Resilience4j, which would build a timestamped event per
 * refusal: refusing is the path that must stay cheapest when an upstream is down.
 *
 * <pre>{@code
 * if (!breaker.tryAcquire()) { respond 503; }
 * long start = System.nanoTime();
 * ... on response: breaker.onSuccess(System.nanoTime() - start) or breaker.onFailure(...)
 * }</pre>
 */
public final class Breaker {
  /** The breaker's states, as metrics and the admin API name them. */
  public enum State {
    /** Requests flow; failures are counted. Goes to OPEN when the failure rate reaches the threshold. */
    CLOSED,
    /** Requests are refused. Goes to HALF_OPEN when the first request arrives after the wait. */
    OPEN,
    /** A few probes flow. Goes to CLOSED when they mostly succeed, to OPEN when they fail. */
    HALF_OPEN
  }

  /** Calls the failure rate is computed over (a count-based sliding window). */
  static final int WINDOW = 100;
  /** Calls needed before the rate means anything; below, the circuit stays closed. */
  static final int MIN_CALLS = 20;
  /** Probes let through while half-open. */
  static final int PROBES = 3;
  /** How long the circuit stays open before probing. */
  static final Duration OPEN_WAIT = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(Breaker.class);

  private final String upstream;
  private final CircuitBreaker circuit;
  private final int failureRate;
  private final int maxConnections;
  private final int maxPending;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger pending = new AtomicInteger();
  private final LongAdder connectionOverflows = new LongAdder();
  private final LongAdder pendingOverflows = new LongAdder();
  private final AtomicReference<State> seen = new AtomicReference<>(State.CLOSED);
  private final LongSupplier nanoTime;
  /** Until when an open circuit surely stays open; written only by whoever saw it open. */
  private volatile long openUntil;
  private final LongAdder refused = new LongAdder();

  /**
   * @param upstream the upstream's name, for logs
   * @param config the thresholds
   * @param nanoTime the clock the open wait is measured on, {@link System#nanoTime} outside tests
   */
  public Breaker(String upstream, GatewaySpec.CircuitBreaker config, LongSupplier nanoTime) {
    if (config.failureRate() < 1 || config.failureRate() > 100) {
      throw new IllegalArgumentException("failure_rate: " + config.failureRate() + " (expected: 1-100)");
    }
    if (config.maxConnections() < 1) {
      throw new IllegalArgumentException("max_connections: " + config.maxConnections() + " (expected: >= 1)");
    }
    if (config.maxPending() < 0) {
      throw new IllegalArgumentException("max_pending: " + config.maxPending() + " (expected: >= 0)");
    }
    this.upstream = upstream;
    this.failureRate = config.failureRate();
    this.maxConnections = config.maxConnections();
    this.maxPending = config.maxPending();
    this.nanoTime = nanoTime;
    CircuitBreakerConfig c = CircuitBreakerConfig.custom()
        .failureRateThreshold(failureRate)
        .slidingWindow(WINDOW, MIN_CALLS, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .waitDurationInOpenState(OPEN_WAIT)
        .permittedNumberOfCallsInHalfOpenState(PROBES)
        // Open -> half-open on the next request, not from a scheduler thread of its own.
        .automaticTransitionFromOpenToHalfOpenEnabled(false)
        // Streams and long polls are slow by design; only failures count.
        .slowCallRateThreshold(100)
        .slowCallDurationThreshold(Duration.ofNanos(Long.MAX_VALUE))
        .clock(new NanoClock(nanoTime))
        .build();
    this.circuit = CircuitBreaker.of(upstream, c);
  }

  /**
   * Whether a request may go to the upstream now; true obliges the caller to report {@link
   * #onSuccess}, {@link #onFailure} or {@link #release}, since a half-open circuit waits for its
   * probes' outcome.
   */
  public boolean tryAcquire() {
    if (seen.get() == State.OPEN && nanoTime.getAsLong() - openUntil < 0) {
      refused.increment();
      return false;
    }
    boolean permitted = circuit.tryAcquirePermission();
    if (!permitted) {
      refused.increment();
    }
    observe();
    return permitted;
  }

  /** Gives back a permission whose request was never answered by the upstream (the client left). */
  public void release() {
    circuit.releasePermission();
  }

  /** The request permitted by {@link #tryAcquire} got a response below 500 after {@code nanos}. */
  public void onSuccess(long nanos) {
    circuit.onSuccess(nanos, TimeUnit.NANOSECONDS);
    observe();
  }

  /** The request permitted by {@link #tryAcquire} failed (a {@link Failure}) after {@code nanos}. */
  public void onFailure(long nanos) {
    circuit.onError(nanos, TimeUnit.NANOSECONDS, UpstreamFailure.INSTANCE);
    observe();
  }

  /** The state now. */
  public State state() {
    return map(circuit.getState());
  }

  /** The failure rate in percent over the current window, or -1 below the minimum number of calls. */
  public float failureRate() {
    return circuit.getMetrics().getFailureRate();
  }

  /** Requests the circuit refused so far (open, or half-open with every probe out). */
  public long refused() {
    return refused.sum();
  }

  /** Takes one of the {@code maxConnections}; false when all are in use (then counts an overflow). */
  public boolean tryAcquireConnection() {
    return tryIncrement(connections, maxConnections, connectionOverflows);
  }

  /** A connection taken by {@link #tryAcquireConnection} closed. */
  public void releaseConnection() {
    connections.decrementAndGet();
  }

  /** Takes one of the {@code maxPending} waiting places; false when all are taken. */
  public boolean tryAcquirePending() {
    return tryIncrement(pending, maxPending, pendingOverflows);
  }

  /** A request waiting by {@link #tryAcquirePending} got its connection or gave up. */
  public void releasePending() {
    pending.decrementAndGet();
  }

  /** Connections open to the upstream. */
  public int connections() {
    return connections.get();
  }

  /** Requests waiting for a connection. */
  public int pending() {
    return pending.get();
  }

  /** Connections refused because {@code maxConnections} were open (Envoy's {@code upstream_cx_overflow}). */
  public long connectionOverflows() {
    return connectionOverflows.sum();
  }

  /** Requests refused because {@code maxPending} were waiting (Envoy's {@code upstream_rq_pending_overflow}). */
  public long pendingOverflows() {
    return pendingOverflows.sum();
  }

  private static boolean tryIncrement(AtomicInteger counter, int max, LongAdder overflows) {
    for (;;) {
      int n = counter.get();
      if (n >= max) {
        overflows.increment();
        return false;
      }
      if (counter.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  private void observe() {
    State before = seen.get();
    State now = state();
    if (now != before && seen.compareAndSet(before, now)) {
      if (now == State.OPEN) {
        // Measured a moment after Resilience4j's own start of the wait, so never shorter than it.
        openUntil = nanoTime.getAsLong() + OPEN_WAIT.toNanos();
      }
      switch (now) {
        case OPEN -> log.warn("upstream {}: circuit open: {}% of the last {} requests failed (threshold {}%);"
            + " refusing requests for {}s", upstream, circuit.getMetrics().getFailureRate(),
            circuit.getMetrics().getNumberOfBufferedCalls(), failureRate, OPEN_WAIT.toSeconds());
        case HALF_OPEN -> log.info("upstream {}: circuit half-open: probing with {} requests", upstream, PROBES);
        case CLOSED -> log.info("upstream {}: circuit closed: the probes succeeded", upstream);
      }
    }
  }

  private static State map(CircuitBreaker.State s) {
    return switch (s) {
      case CLOSED, DISABLED, METRICS_ONLY -> State.CLOSED;
      case OPEN, FORCED_OPEN -> State.OPEN;
      case HALF_OPEN -> State.HALF_OPEN;
    };
  }

  /**
   * What Resilience4j records for a failure. One shared instance without a stack trace: the kind
   * of failure is told elsewhere (the {@link Failure} given to outlier detection and the logs), and
   * a new throwable per failure would cost a stack walk exactly when the upstream is struggling.
   */
  private static final class UpstreamFailure extends RuntimeException {
    static final UpstreamFailure INSTANCE = new UpstreamFailure();

    private UpstreamFailure() {
      super("upstream failure", null, false, false);
    }
  }

  /** Resilience4j's clock, driven by a nanosecond ticker so tests can move time. */
  private static final class NanoClock extends Clock {
    private final LongSupplier nanoTime;

    NanoClock(LongSupplier nanoTime) {
      this.nanoTime = nanoTime;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this; // only instants are compared, never rendered
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochSecond(0, nanoTime.getAsLong());
    }

    @Override
    public long millis() {
      return Math.floorDiv(nanoTime.getAsLong(), 1_000_000L);
    }
  }
}
