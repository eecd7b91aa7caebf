package dev.nonstop.core;

import java.time.Duration;

/**
 * Capped exponential backoff: the {@code n}-th retry in a row waits {@code initial * multiplier^(n-1)},
 * never more than {@code max}. Whoever uses it resets its count after a stable run.
 *
 * @param initial the first delay
 * @param max the cap
 * @param multiplier the growth per retry, at least 1
 */
public record Backoff(Duration initial, Duration max, double multiplier) {
  /** The defaults: 100 ms, doubling, capped at 15 s. */
  public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(15), 2);

  /** Checks the parts. */
  public Backoff {
    if (initial == null || initial.isNegative()) {
      throw new IllegalArgumentException("initial: " + initial + " (expected: >= 0)");
    }
    if (max == null || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max: " + max + " (expected: >= initial " + initial + ")");
    }
    if (!(multiplier >= 1) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException("multiplier: " + multiplier + " (expected: >= 1)");
    }
  }

  /** The delay before retry number {@code attempt} (1 for the first retry); 0 for attempt 0. */
  public Duration delay(int attempt) {
    if (attempt <= 0) {
      return Duration.ZERO;
    }
    double ms = initial.toMillis() * Math.pow(multiplier, attempt - 1);
    return ms >= max.toMillis() ? max : Duration.ofMillis((long) ms);
  }
}
