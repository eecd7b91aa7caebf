package dev.nonstop.cli;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Requests per second and latency percentiles of each gateway upstream over the last
 * {@code capacity} samples, computed from the gateway's own meters ({@code nonstop_gateway_requests}
 * and the histogram of {@code nonstop_gateway_request_duration}): each {@link #sample} takes the
 * difference since the previous one, so a figure describes that interval, not the whole run.
 *
 * <p>Percentiles come from the histogram's bucket deltas, interpolated inside the bucket: about as
 * precise as the buckets (roughly 10% apart), plenty for a sparkline. One thread samples; readers
 * get an immutable snapshot and never lock.
 *
 * <pre>{@code
 * Rates rates = new Rates(meters, 120);
 * rates.sample(List.of("hello"), System.nanoTime()); // once a second
 * rates.latest("hello").rps();
 * }</pre>
 */
final class Rates {
  /**
   * One interval of one upstream.
   *
   * @param atMillis when it was taken (epoch millis)
   * @param rps requests that ended per second, any status
   * @param p50Millis median latency in the interval, or null without requests
   * @param p99Millis 99th percentile, or null without requests
   */
  record Point(long atMillis, double rps, Double p50Millis, Double p99Millis) {}

  private record Totals(double requests, long timed, Map<Double, Double> buckets) {}

  private final MeterRegistry meters;
  private final int capacity;
  private final AtomicReference<Map<String, List<Point>>> series = new AtomicReference<>(Map.of());
  // Only the sampling thread touches these.
  private final Map<String, Totals> last = new HashMap<>();
  private long lastNanos;
  private boolean sampled;

  /** Reads {@code meters}; keeps the last {@code capacity} points per upstream. */
  Rates(MeterRegistry meters, int capacity) {
    this.meters = meters;
    this.capacity = capacity;
  }

  /**
   * Takes one sample of each upstream in {@code upstreams} at {@code nanos} ({@link System#nanoTime});
   * the first call only sets the baseline. Upstreams not named are forgotten.
   */
  void sample(Collection<String> upstreams, long nanos, long epochMillis) {
    double seconds = (nanos - lastNanos) / 1e9;
    boolean baseline = !sampled;
    sampled = true;
    lastNanos = nanos;
    Map<String, List<Point>> before = series.get();
    Map<String, List<Point>> next = new LinkedHashMap<>();
    for (String u : upstreams) {
      Totals now = totals(u);
      Totals prev = last.put(u, now);
      List<Point> points = new ArrayList<>(before.getOrDefault(u, List.of()));
      if (!baseline && prev != null && seconds > 0) {
        points.add(point(prev, now, seconds, epochMillis));
        if (points.size() > capacity) {
          points.subList(0, points.size() - capacity).clear();
        }
      }
      next.put(u, List.copyOf(points));
    }
    last.keySet().retainAll(upstreams);
    series.set(Map.copyOf(next));
  }

  /** Every upstream's points, oldest first. */
  Map<String, List<Point>> series() {
    return series.get();
  }

  /** The newest point of {@code upstream}, or null before the second sample. */
  Point latest(String upstream) {
    List<Point> p = series.get().getOrDefault(upstream, List.of());
    return p.isEmpty() ? null : p.get(p.size() - 1);
  }

  private Totals totals(String upstream) {
    double requests = 0;
    for (Counter c : meters.find("nonstop_gateway_requests").tag("upstream", upstream).counters()) {
      requests += c.count();
    }
    long timed = 0;
    // One timer per route to this upstream; they share the bucket bounds, so the buckets add up.
    Map<Double, Double> buckets = new TreeMap<>();
    for (Timer t : meters.find("nonstop_gateway_request_duration").tag("upstream", upstream).timers()) {
      var snapshot = t.takeSnapshot();
      timed += snapshot.count();
      for (CountAtBucket b : snapshot.histogramCounts()) {
        buckets.merge(b.bucket(TimeUnit.MILLISECONDS), b.count(), Double::sum);
      }
    }
    return new Totals(requests, timed, buckets);
  }

  private static Point point(Totals prev, Totals now, double seconds, long epochMillis) {
    double rps = Math.max(0, now.requests() - prev.requests()) / seconds;
    long n = now.timed() - prev.timed();
    if (n <= 0) {
      return new Point(epochMillis, rps, null, null);
    }
    // The buckets are cumulative since start (Prometheus style): their delta is this interval's.
    TreeMap<Double, Double> delta = new TreeMap<>();
    now.buckets().forEach((bound, count) -> delta.put(bound, count - prev.buckets().getOrDefault(bound, 0.0)));
    return new Point(epochMillis, rps, percentile(delta, n, 0.50), percentile(delta, n, 0.99));
  }

  /** The {@code q} quantile of {@code n} values given cumulative bucket counts, in the bounds' unit. */
  static double percentile(TreeMap<Double, Double> cumulative, long n, double q) {
    double rank = q * n;
    double lowerBound = 0;
    double lowerCount = 0;
    for (Map.Entry<Double, Double> b : cumulative.entrySet()) {
      if (b.getValue() >= rank) {
        double width = b.getValue() - lowerCount;
        double fraction = width <= 0 ? 1 : (rank - lowerCount) / width;
        return lowerBound + fraction * (b.getKey() - lowerBound);
      }
      lowerBound = b.getKey();
      lowerCount = b.getValue();
    }
    return lowerBound; // beyond the last bucket: the largest bound is the best we know
  }
}
