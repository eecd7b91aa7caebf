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
import java.util.function.Function;

/**
 * Requests per second and latency percentiles of each gateway upstream, and of each upstream
 * server, over the last {@code capacity} samples, computed from the gateway's own meters: an
 * upstream's from {@code nonstop_gateway_requests} and the histogram of
 * {@code nonstop_gateway_request_duration} (what clients saw, retries included), a server's from the
 * histogram of {@code nonstop_gateway_server_duration} (the tries it answered, over every upstream it
 * is in). Each {@link #sample} takes the difference since the previous one, so a figure describes
 * that interval, not the whole run.
 *
 * <p>Percentiles come from the histogram's bucket deltas, interpolated inside the bucket: about as
 * precise as the buckets (roughly 10% apart), plenty for a sparkline. One thread samples; readers
 * get an immutable snapshot and never lock.
 *
 * <pre>{@code
 * Rates rates = new Rates(meters, 120);
 * rates.sample(List.of("hello"), List.of("127.0.0.1:40001"), System.nanoTime(), System.currentTimeMillis());
 * rates.latest("hello").rps();
 * rates.latestOfServer("127.0.0.1:40001").p99Millis();
 * }</pre>
 */
final class Rates {
  /**
   * One interval of one upstream or server.
   *
   * @param atMillis when it was taken (epoch millis)
   * @param rps requests that ended per second, any status
   * @param p50Millis median latency in the interval, or null without requests
   * @param p99Millis 99th percentile, or null without requests
   */
  record Point(long atMillis, double rps, Double p50Millis, Double p99Millis) {}

  private record Totals(double requests, long timed, Map<Double, Double> buckets) {}

  private final MeterRegistry meters;
  private final Track upstreams;
  private final Track servers;
  // Only the sampling thread touches these.
  private long lastNanos;
  private boolean sampled;

  /** Reads {@code meters}; keeps the last {@code capacity} points per upstream and per server. */
  Rates(MeterRegistry meters, int capacity) {
    this.meters = meters;
    this.upstreams = new Track(capacity, this::upstreamTotals);
    this.servers = new Track(capacity, this::serverTotals);
  }

  /**
   * Takes one sample of each upstream in {@code upstreamNames} and each server address in {@code
   * serverAddresses} at {@code nanos} ({@link System#nanoTime}); the first call only sets the
   * baseline. Names not given are forgotten.
   */
  void sample(Collection<String> upstreamNames, Collection<String> serverAddresses, long nanos, long epochMillis) {
    double seconds = (nanos - lastNanos) / 1e9;
    boolean baseline = !sampled;
    sampled = true;
    lastNanos = nanos;
    upstreams.sample(upstreamNames, baseline, seconds, epochMillis);
    servers.sample(serverAddresses, baseline, seconds, epochMillis);
  }

  /** Every upstream's points, oldest first. */
  Map<String, List<Point>> series() {
    return upstreams.series.get();
  }

  /** The newest point of {@code upstream}, or null before the second sample. */
  Point latest(String upstream) {
    return upstreams.latest(upstream);
  }

  /** The newest point of the server at {@code address} ({@code host:port}), or null. */
  Point latestOfServer(String address) {
    return servers.latest(address);
  }

  private Totals upstreamTotals(String upstream) {
    double requests = 0;
    for (Counter c : meters.find("nonstop_gateway_requests").tag("upstream", upstream).counters()) {
      requests += c.count();
    }
    // One timer per route to this upstream; they share the bucket bounds, so the buckets add up.
    return timed(requests, meters.find("nonstop_gateway_request_duration").tag("upstream", upstream).timers());
  }

  private Totals serverTotals(String address) {
    // One timer per upstream the server is in; every answer is timed, so the count is the requests.
    Collection<Timer> timers = meters.find("nonstop_gateway_server_duration").tag("server", address).timers();
    return timed(-1, timers);
  }

  private static Totals timed(double requests, Collection<Timer> timers) {
    long timed = 0;
    Map<Double, Double> buckets = new TreeMap<>();
    for (Timer t : timers) {
      var snapshot = t.takeSnapshot();
      timed += snapshot.count();
      for (CountAtBucket b : snapshot.histogramCounts()) {
        buckets.merge(b.bucket(TimeUnit.MILLISECONDS), b.count(), Double::sum);
      }
    }
    return new Totals(requests < 0 ? timed : requests, timed, buckets);
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

  /** The series of one kind of subject (upstreams, servers), each read by {@code totals}. */
  private static final class Track {
    private final int capacity;
    private final Function<String, Totals> totals;
    private final AtomicReference<Map<String, List<Point>>> series = new AtomicReference<>(Map.of());
    private final Map<String, Totals> last = new HashMap<>();

    Track(int capacity, Function<String, Totals> totals) {
      this.capacity = capacity;
      this.totals = totals;
    }

    void sample(Collection<String> names, boolean baseline, double seconds, long epochMillis) {
      Map<String, List<Point>> before = series.get();
      Map<String, List<Point>> next = new LinkedHashMap<>();
      for (String name : names) {
        Totals now = totals.apply(name);
        Totals prev = last.put(name, now);
        List<Point> points = new ArrayList<>(before.getOrDefault(name, List.of()));
        // A subject seen for the first time (a new instance) starts its baseline here.
        if (!baseline && prev != null && seconds > 0) {
          points.add(point(prev, now, seconds, epochMillis));
          if (points.size() > capacity) {
            points.subList(0, points.size() - capacity).clear();
          }
        }
        next.put(name, List.copyOf(points));
      }
      last.keySet().retainAll(names);
      series.set(Map.copyOf(next));
    }

    Point latest(String name) {
      List<Point> p = series.get().getOrDefault(name, List.of());
      return p.isEmpty() ? null : p.get(p.size() - 1);
    }
  }
}
