package dev.nonstop.gateway.internal.balance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A server whose load the test sets: inflight, effective weight (slow start) and latency. */
final class TestEndpoint implements Endpoint {
  private final String address;
  private final int weight;
  private final AtomicInteger inflight = new AtomicInteger();
  private volatile double effectiveWeight;
  private volatile double latencyNanos;

  TestEndpoint(String address, int weight) {
    this.address = address;
    this.weight = weight;
    this.effectiveWeight = weight;
  }

  /** Servers {@code 10.0.0.1:8080}, {@code 10.0.0.2:8080}, ... with these weights. */
  static List<TestEndpoint> tier(int... weights) {
    List<TestEndpoint> tier = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      tier.add(new TestEndpoint("10.0.0." + (i + 1) + ":8080", weights[i]));
    }
    return tier;
  }

  /** {@code n} servers of weight 1. */
  static List<TestEndpoint> equal(int n) {
    int[] weights = new int[n];
    Arrays.fill(weights, 1);
    return tier(weights);
  }

  TestEndpoint inflight(int n) {
    inflight.set(n);
    return this;
  }

  void begin() {
    inflight.incrementAndGet();
  }

  void end() {
    inflight.decrementAndGet();
  }

  /** Sets the effective weight, as slow start would (a name of its own: 1 would call the getter). */
  TestEndpoint warming(double w) {
    effectiveWeight = w;
    return this;
  }

  TestEndpoint latencyNanos(double nanos) {
    latencyNanos = nanos;
    return this;
  }

  @Override
  public String address() {
    return address;
  }

  @Override
  public int weight() {
    return weight;
  }

  @Override
  public double effectiveWeight(long nowNanos) {
    return effectiveWeight;
  }

  @Override
  public int inflight() {
    return inflight.get();
  }

  @Override
  public double latencyNanos(long nowNanos) {
    return latencyNanos;
  }

  @Override
  public String toString() {
    return address;
  }
}
