package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RatesTest {
  private static final long SECOND = 1_000_000_000L;
  private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  // As the gateway registers them (GatewayMetrics): one counter per status class, one timer per route.
  private void request(String route, String status, long millis) {
    Counter.builder("nonstop_gateway_requests").tags("route", route, "upstream", "hello", "status", status)
        .register(meters).increment();
    Timer.builder("nonstop_gateway_request_duration").tags("route", route, "upstream", "hello")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(meters).record(millis, TimeUnit.MILLISECONDS);
  }

  @Test
  void eachPointDescribesOnlyItsOwnInterval() {
    Rates rates = new Rates(meters, 120);
    for (int i = 0; i < 1000; i++) {
      request("/", "2xx", 2); // before the baseline: must not count
    }
    rates.sample(List.of("hello"), List.of(), 5 * SECOND, 0);
    assertThat(rates.latest("hello")).isNull();
    for (int i = 0; i < 98; i++) {
      request(i % 2 == 0 ? "/" : "/api", i % 10 == 0 ? "5xx" : "2xx", 100);
    }
    request("/", "2xx", 1000);
    request("/", "2xx", 1000);
    rates.sample(List.of("hello"), List.of(), 7 * SECOND, 2000);

    Rates.Point p = rates.latest("hello");
    assertThat(p.rps()).isEqualTo(50.0); // 100 requests in 2 s, both routes, every status
    assertThat(p.p50Millis()).isCloseTo(100.0, within(15.0));
    assertThat(p.p99Millis()).isBetween(500.0, 1100.0);
    assertThat(p.atMillis()).isEqualTo(2000);
  }

  @Test
  void aQuietIntervalHasARateOfZeroAndNoPercentiles() {
    Rates rates = new Rates(meters, 120);
    request("/", "2xx", 5);
    rates.sample(List.of("hello", "idle"), List.of(), SECOND, 0);
    rates.sample(List.of("hello", "idle"), List.of(), 2 * SECOND, 1000);
    assertThat(rates.latest("hello")).isEqualTo(new Rates.Point(1000, 0.0, null, null));
    assertThat(rates.latest("idle")).isEqualTo(new Rates.Point(1000, 0.0, null, null));
  }

  @Test
  void keepsTheLastCapacityPoints() {
    Rates rates = new Rates(meters, 3);
    for (int i = 0; i <= 5; i++) {
      rates.sample(List.of("hello"), List.of(), (i + 1) * SECOND, i);
    }
    assertThat(rates.series().get("hello")).extracting(Rates.Point::atMillis).containsExactly(3L, 4L, 5L);
    rates.sample(List.of(), List.of(), 10 * SECOND, 9);
    assertThat(rates.series()).isEmpty();
  }

  // As the gateway registers them (GatewayMetrics.served): one timer per upstream the server is in.
  private void answered(String upstream, String server, long millis) {
    Timer.builder("nonstop_gateway_server_duration").tags("upstream", upstream, "server", server)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(meters).record(millis, TimeUnit.MILLISECONDS);
  }

  @Test
  void aServersFiguresAddUpItsAnswersInEveryUpstreamAndNoOtherServers() {
    Rates rates = new Rates(meters, 120);
    answered("hello", "127.0.0.1:1001", 3); // before the baseline
    rates.sample(List.of("hello"), List.of("127.0.0.1:1001", "127.0.0.1:1002"), SECOND, 0);
    assertThat(rates.latestOfServer("127.0.0.1:1001")).isNull();
    for (int i = 0; i < 90; i++) {
      answered(i % 3 == 0 ? "api" : "hello", "127.0.0.1:1001", 20);
    }
    for (int i = 0; i < 10; i++) {
      answered("hello", "127.0.0.1:1001", 400);
      answered("hello", "127.0.0.1:1002", 1);
    }
    rates.sample(List.of("hello"), List.of("127.0.0.1:1001", "127.0.0.1:1002"), 3 * SECOND, 2000);

    Rates.Point one = rates.latestOfServer("127.0.0.1:1001");
    assertThat(one.rps()).isEqualTo(50.0); // 100 answers in 2 s, both upstreams
    assertThat(one.p50Millis()).isCloseTo(20.0, within(3.0));
    assertThat(one.p99Millis()).isBetween(300.0, 450.0);
    assertThat(rates.latestOfServer("127.0.0.1:1002").rps()).isEqualTo(5.0);
    assertThat(rates.latest("hello").rps()).isZero(); // upstream figures count client requests, not tries
  }

  @Test
  void aServerThatJoinsLaterStartsItsOwnBaseline() {
    Rates rates = new Rates(meters, 120);
    rates.sample(List.of(), List.of(), SECOND, 0);
    for (int i = 0; i < 500; i++) {
      answered("hello", "127.0.0.1:1003", 5); // before the sampler knew it
    }
    rates.sample(List.of(), List.of("127.0.0.1:1003"), 2 * SECOND, 1000);
    assertThat(rates.latestOfServer("127.0.0.1:1003")).isNull();
    answered("hello", "127.0.0.1:1003", 5);
    rates.sample(List.of(), List.of("127.0.0.1:1003"), 3 * SECOND, 2000);
    assertThat(rates.latestOfServer("127.0.0.1:1003").rps()).isEqualTo(1.0);
    rates.sample(List.of(), List.of(), 4 * SECOND, 3000);
    assertThat(rates.latestOfServer("127.0.0.1:1003")).isNull();
  }

  @Test
  void percentileInterpolatesInsideTheBucket() {
    TreeMap<Double, Double> cumulative = new TreeMap<>();
    cumulative.put(10.0, 0.0);
    cumulative.put(20.0, 100.0);
    assertThat(Rates.percentile(cumulative, 100, 0.5)).isEqualTo(15.0);
    assertThat(Rates.percentile(cumulative, 200, 0.99)).isEqualTo(20.0); // beyond the last bucket
  }
}
