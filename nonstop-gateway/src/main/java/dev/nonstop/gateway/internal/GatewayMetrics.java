package dev.nonstop.gateway.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's Prometheus metrics ({@code nonstop_gateway_*}). Labels take only values from the
 * config (route paths, upstream and server names) or small fixed sets (status class, retry
 * reason), never raw request paths. Meters are looked up in small concurrent maps on the request
 * path: after the first request of each label set, recording allocates nothing new.
 */
final class GatewayMetrics {
  private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, Counter[]>> requests = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, Timer>> durations = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, Counter>> retries = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> simple = new ConcurrentHashMap<>();

  GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  MeterRegistry registry() {
    return registry;
  }

  /** A proxied request ended with {@code status} after {@code nanos}. */
  void request(String route, String upstream, int status, long nanos) {
    Counter[] byClass = requests.computeIfAbsent(route, r -> new ConcurrentHashMap<>())
        .computeIfAbsent(upstream, u -> new Counter[CLASSES.length]);
    int c = Math.min(Math.max(status / 100, 1), 5) - 1;
    Counter counter = byClass[c];
    if (counter == null) {
      counter = Counter.builder("nonstop_gateway_requests")
          .description("Requests proxied, by route, upstream and status class")
          .tags("route", route, "upstream", upstream, "status", CLASSES[c])
          .register(registry);
      byClass[c] = counter;
    }
    counter.increment();
    durations.computeIfAbsent(route, r -> new ConcurrentHashMap<>())
        .computeIfAbsent(upstream, u -> Timer.builder("nonstop_gateway_request_duration")
            .description("Time from the request head to the end of the response, as the gateway saw it")
            .tags("route", route, "upstream", upstream)
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(30))
            .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * The {@code nonstop_gateway_server_duration} timer of {@code server} in {@code upstream}: the
   * tries it took, answered (any status) or timed out, for per-server rates and latency in
   * {@code nonstop status} and dashboards; an upstream's is their sum (one histogram per try on the
   * hot path, not two). One histogram per server: fine for an app's few instances, something to
   * weigh for a config upstream of hundreds of servers. Gone with the server ({@link #serverRemoved}).
   */
  Timer serverTimer(String upstream, String server) {
    return Timer.builder("nonstop_gateway_server_duration")
        .description("Time from sending a try to an upstream server to the end of its answer or its timeout, by server")
        .tags("upstream", upstream, "server", server)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry);
  }

  /** A try on {@code server} ended (answered, or timed out) after {@code nanos}. */
  static void tried(Server server, long nanos) {
    Timer t = server.tried;
    if (t != null) {
      t.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  /** A request was retried after {@code reason} (connect, reset, timeout, status_503, ...). */
  void retried(String upstream, String reason) {
    retries.computeIfAbsent(upstream, u -> new ConcurrentHashMap<>())
        .computeIfAbsent(reason, r -> Counter.builder("nonstop_gateway_retries")
            .description("Retries, by upstream and the failure that caused them")
            .tags("upstream", upstream, "reason", reason)
            .register(registry))
        .increment();
  }

  void budgetExhausted(String upstream) {
    count("nonstop_gateway_retry_budget_exhausted", "Retries refused by the retry budget", "upstream", upstream);
  }

  void circuitRejected(String upstream) {
    count("nonstop_gateway_circuit_rejected", "Requests refused with 503 because the circuit was open",
        "upstream", upstream);
  }

  void rateLimited(String route) {
    count("nonstop_gateway_rate_limited", "Requests refused with 429", "route", route);
  }

  /** A request was answered by the gateway itself before routing or proxying (400, 404, 408, 414, 431, 429). */
  void rejected(int status) {
    count("nonstop_gateway_rejected", "Requests the gateway answered itself", "status", Integer.toString(status));
  }

  /** A server changed state ({@code to}: healthy, unhealthy, ejected, draining, undrained). */
  void serverChanged(String upstream, String server, String to) {
    Counter.builder("nonstop_gateway_server_transitions")
        .description("Server state changes: health transitions, ejections, drains")
        .tags("upstream", upstream, "server", server, "to", to)
        .register(registry)
        .increment();
  }

  /**
   * Forgets the per-server meters of a server that left {@code upstream}: with membership changing
   * at run time, meters of gone servers would pile up.
   */
  void serverRemoved(String upstream, String server) {
    for (String name : List.of("nonstop_gateway_server_transitions", "nonstop_gateway_server_duration")) {
      registry.find(name).tags("upstream", upstream, "server", server).meters().forEach(registry::remove);
    }
  }

  private void count(String name, String description, String tag, String value) {
    simple.computeIfAbsent(name + '\0' + value, k -> Counter.builder(name)
        .description(description).tags(tag, value).register(registry)).increment();
  }
}
