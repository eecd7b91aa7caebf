package dev.nonstop.gateway.internal.balance;

/**
 * Peak-sensitive exponentially weighted moving average of round-trip times (Finagle's and
 * Linkerd's "peak EWMA"): a slower sample than the current estimate is taken at once, faster ones
 * pull it down with time constant {@code tau}, so a server that just stalled is avoided right away
 * and forgiven gradually. Lock-free enough: a lost update under a race costs one sample.
 */
public final class PeakEwma {
  private final double tauNanos;
  private volatile double estimate;
  private volatile long stamp;

  /**
   * @param tauNanos the decay time constant in nanoseconds, > 0
   * @param nowNanos the creation time; the estimate starts at 0 (a new server is tried soon)
   */
  public PeakEwma(long tauNanos, long nowNanos) {
    if (tauNanos <= 0) {
      throw new IllegalArgumentException("tauNanos: " + tauNanos + " (expected: > 0)");
    }
    this.tauNanos = tauNanos;
    this.stamp = nowNanos;
  }

  /** Folds in one observed round trip. */
  public void observe(long rttNanos, long nowNanos) {
    double current = estimate;
    if (rttNanos > current) {
      estimate = rttNanos;
    } else {
      double w = Math.exp(-Math.max(0, nowNanos - stamp) / tauNanos);
      estimate = current * w + rttNanos * (1 - w);
    }
    stamp = nowNanos;
  }

  /** The estimate at {@code nowNanos}; decays towards 0 while nothing is observed. */
  public double get(long nowNanos) {
    double w = Math.exp(-Math.max(0, nowNanos - stamp) / tauNanos);
    return estimate * w;
  }
}
