package dev.nonstop.gateway.internal.balance;

/**
 * What a {@link Balancer} may read of one upstream server: its identity and its live load. All
 * reads are cheap and lock-free; values may be a moment stale, which balancing tolerates.
 */
public interface Endpoint {
  /** {@code host:port} as configured; the identity hashing balancers place on their ring. */
  String address();

  /** The configured weight, >= 1. */
  int weight();

  /**
   * The weight to balance with now: the configured one, scaled down while the server is in slow
   * start (a fresh or recovered server gets a growing share). Always > 0.
   */
  double effectiveWeight(long nowNanos);

  /** Requests sent to this server that have not finished yet. */
  int inflight();

  /** Peak-EWMA round-trip estimate in nanoseconds, decayed to {@code nowNanos}. */
  double latencyNanos(long nowNanos);
}
