package dev.nonstop.gateway.internal;

import dev.nonstop.gateway.GatewaySpec;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive health of one upstream, as Envoy's outlier detection: a server whose real requests fail
 * {@code consecutiveFailures} times in a row (any {@link Failure}; a success resets the count) is
 * ejected, so a crashed or wedged instance stops taking traffic within a few requests instead of
 * waiting for the next active health check.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>An ejection lasts {@code baseEjection * m}, where {@code m} counts the server's recent
 *       ejections, capped at {@value #MAX_MULTIPLIER}: a flapping server stays out longer each
 *       time. {@code m} drops by one for every {@code baseEjection} the server spends back in
 *       rotation (Envoy decrements per sweep interval; there is no sweep here, so the decay is
 *       computed at the next ejection), so an old incident does not lengthen a new one forever.
 *   <li>At most {@code maxEjectionPercent} of the servers are ejected at once, so a failing
 *       dependency behind all of them cannot empty the upstream; but when there are two or more
 *       servers one may always be ejected, or a 10 % cap would protect nobody in a small upstream.
 *       0 % turns ejection off.
 *   <li>Failures of a server that is already ejected are ignored: they are its in-flight requests
 *       finishing, not news.
 *   <li>When ejections (with health checks and drains) leave no server available, {@link #panic}
 *       says so and the caller spreads over every healthy server anyway: a server that fails some
 *       requests beats a certain 503. One WARN per panic episode, not per request.
 * </ul>
 *
 * <p>Built for a fixed list of servers and replaced with the cluster on a reload: consecutive
 * counts start afresh then, while ejections, which live in {@link Server}, carry over. Safe for
 * concurrent use from every event loop; {@link #success} and {@link #failure} below the ejection
 * threshold are a map read and one atomic, and allocate nothing.
 *
 * <pre>{@code
 * OutlierDetector outlier = new OutlierDetector("api", servers, spec.outlier(), System::nanoTime);
 * outlier.failure(server, Failure.STATUS_5XX);
 * }</pre>
 */
public final class OutlierDetector {
  /** Ejection lengths grow up to this many times {@code baseEjection}. */
  static final int MAX_MULTIPLIER = 10;
  /**
   * A server fails "alone" while no other server of the upstream timed out within this window.
   * Long enough to span the gaps between timeouts of an overloaded upstream (whose successes keep
   * resetting streaks); short enough that one slow moment does not mark it overloaded for long.
   */
  static final long ALONE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);

  private static final Logger log = LoggerFactory.getLogger(OutlierDetector.class);

  private final String upstream;
  private final Server[] servers;
  /** Read-only after construction, so lookups from every event loop need no lock. */
  private final Map<Server, Counts> counts;
  private final int consecutiveFailures;
  private final long baseEjectionNanos;
  private final int maxEjectionPercent;
  private final LongSupplier nanoTime;
  private final AtomicBoolean panicking = new AtomicBoolean();
  private final LongAdder overflows = new LongAdder();
  private final LongAdder panics = new LongAdder();

  /**
   * @param upstream the upstream's name, for logs
   * @param servers every server of the upstream, primaries and backups: the share that {@code
   *     maxEjectionPercent} caps is of these
   * @param config the thresholds
   * @param nanoTime the clock, {@link System#nanoTime} outside tests
   */
  public OutlierDetector(String upstream, Server[] servers, GatewaySpec.Outlier config, LongSupplier nanoTime) {
    if (config.consecutiveFailures() < 1) {
      throw new IllegalArgumentException("consecutive_failures: " + config.consecutiveFailures() + " (expected: >= 1)");
    }
    if (config.baseEjection().isNegative() || config.baseEjection().isZero()) {
      throw new IllegalArgumentException("base_ejection: " + config.baseEjection() + " (expected: > 0)");
    }
    if (config.maxEjectionPercent() < 0 || config.maxEjectionPercent() > 100) {
      throw new IllegalArgumentException("max_ejection_percent: " + config.maxEjectionPercent() + " (expected: 0-100)");
    }
    this.upstream = upstream;
    this.servers = servers.clone();
    this.consecutiveFailures = config.consecutiveFailures();
    this.baseEjectionNanos = config.baseEjection().toNanos();
    this.maxEjectionPercent = config.maxEjectionPercent();
    this.nanoTime = nanoTime;
    Map<Server, Counts> m = new IdentityHashMap<>(servers.length * 2);
    for (Server s : servers) {
      m.put(s, new Counts());
    }
    this.counts = m;
  }

  /** A request to {@code s} succeeded (any status below 500): its failure streak ends. */
  public void success(Server s) {
    Counts c = counts.get(s);
    if (c == null) {
      return; // a server of the previous config finishing a request: nothing to decide here
    }
    // Read before writing: the common case (no streak) then leaves the cache line shared among
    // the event loops instead of bouncing it on every response.
    if (c.failures.get() != 0) {
      c.failures.set(0);
    }
    if (panicking.get()) {
      long now = nanoTime.getAsLong();
      if (s.available(now)) {
        // A server in normal rotation answered: the balancer has someone to pick again.
        calm(now);
      }
    }
  }

  /** A request to {@code s} failed as {@code kind}; enough in a row eject it. */
  public void failure(Server s, Failure kind) {
    Counts c = counts.get(s);
    if (c == null) {
      return;
    }
    long now = nanoTime.getAsLong();
    if (kind == Failure.TIMEOUT) {
      s.timedOut(now); // on the server, so that a membership change (a new detector) keeps it
    }
    if (maxEjectionPercent == 0 || s.ejected(now)) {
      return;
    }
    if (c.failures.incrementAndGet() >= consecutiveFailures) {
      eject(s, c, kind, now);
    }
  }

  /**
   * Whether the upstream is in panic: no server of {@code servers} is available (healthy, not
   * draining, not retired, not ejected) but some are out only because of ejection. The caller then
   * picks among the healthy ones ignoring ejection. Returns false at once when a server is
   * available, so it is cheap to ask, and it is meant to be asked when the balancer found nothing.
   * When every server is down by health check, drain or retirement, there is nothing to spread
   * over and the answer is false.
   *
   * @param servers the tier the caller balances over (the primaries)
   */
  public boolean panic(Server[] servers, long now) {
    int spread = 0;
    for (Server s : servers) {
      if (!s.healthy() || s.draining() || s.retired()) {
        continue;
      }
      if (!s.ejected(now)) {
        calm(now);
        return false;
      }
      spread++;
    }
    if (spread == 0) {
      calm(now);
      return false;
    }
    if (!panicking.get() && panicking.compareAndSet(false, true)) {
      panics.increment();
      log.warn("upstream {}: panic mode: spreading over all {} servers (every available one is ejected)",
          upstream, spread);
    }
    return true;
  }

  /** Whether the last look found the upstream in panic, for metrics and the admin API. */
  public boolean panicking() {
    return panicking.get();
  }

  /** Panic episodes so far. */
  public long panics() {
    return panics.sum();
  }

  /** Ejections that {@code maxEjectionPercent} prevented (Envoy's {@code ejections_overflow}). */
  public long overflows() {
    return overflows.sum();
  }

  /**
   * Whether {@code s} is timing out alone: no other server of the upstream timed out in the last
   * {@link #ALONE_WINDOW_NANOS}. Then its timeouts are its own (a stalled or hung process), not a
   * sign that the upstream as a whole is overloaded. A window rather than the current streaks: under
   * overload every server times out now and then and answers in between, and each answer resets
   * its streak, so streaks alone would call most timeouts "alone". With one server, its failures are
   * the upstream's: false.
   */
  public boolean failingAlone(Server s) {
    if (counts.size() < 2) {
      return false;
    }
    long now = nanoTime.getAsLong();
    for (Server other : servers) {
      if (other != s && other.timedOutWithin(ALONE_WINDOW_NANOS, now)) {
        return false;
      }
    }
    return true;
  }

  /** {@code s}'s current run of failures, 0 for a server not of this upstream. */
  int streak(Server s) {
    Counts c = counts.get(s);
    return c == null ? 0 : c.failures.get();
  }

  private void calm(long now) {
    if (panicking.get() && panicking.compareAndSet(true, false)) {
      log.info("upstream {}: panic mode over: a server is available again", upstream);
    }
  }

  // Rare (a streak reached the threshold), so one lock keeps the cap exact when several event
  // loops eject different servers at the same moment.
  private synchronized void eject(Server s, Counts c, Failure kind, long now) {
    if (s.ejected(now) || c.failures.get() < consecutiveFailures) {
      return; // another event loop ejected it a moment ago
    }
    int ejected = 0;
    for (Server o : servers) {
      if (o.ejected(now)) {
        ejected++;
      }
    }
    if (!mayEject(ejected)) {
      // The streak stays: the next failure asks again, and gets in once another ejection ends.
      overflows.increment();
      log.debug("upstream {}: not ejecting {}: {} of {} servers are ejected already", upstream, s, ejected,
          servers.length);
      return;
    }
    int failures = c.failures.getAndSet(0);
    if (c.multiplier > 0) {
      long quiet = now - c.ejectedUntil;
      long decay = quiet <= 0 ? 0 : quiet / baseEjectionNanos;
      c.multiplier = (int) Math.max(0, c.multiplier - decay);
    }
    c.multiplier = Math.min(c.multiplier + 1, MAX_MULTIPLIER);
    long length = baseEjectionNanos * c.multiplier;
    c.ejectedUntil = now + length;
    s.eject(c.ejectedUntil, failures + " failures in a row (last: " + kind.text() + "), out for "
        + length / 1_000_000 + "ms");
  }

  private boolean mayEject(int ejected) {
    int n = servers.length;
    if ((ejected + 1) * 100L <= (long) maxEjectionPercent * n) {
      return true;
    }
    return ejected == 0 && n >= 2;
  }

  /** One server's streak and ejection history. */
  private static final class Counts {
    final AtomicInteger failures = new AtomicInteger();
    /** How many base ejections the next one lasts, before decay; guarded by the detector's lock. */
    int multiplier;
    /** When the last ejection ended; guarded by the detector's lock. */
    long ejectedUntil;
  }
}
