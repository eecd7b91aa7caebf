package dev.nonstop.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.core.config.ConfigProblem;
import dev.nonstop.gateway.GatewaySpec.Balance;
import dev.nonstop.gateway.GatewaySpec.Health;
import dev.nonstop.gateway.GatewaySpec.RateLimit;
import dev.nonstop.gateway.GatewaySpec.Retries;
import dev.nonstop.gateway.GatewaySpec.Route;
import dev.nonstop.gateway.GatewaySpec.ServerEntry;
import dev.nonstop.gateway.GatewaySpec.Upstream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules on specs built in code; the cli's GatewayConfigTest covers them through files. */
class GatewayRulesTest {
  private static GatewaySpec spec(List<Route> routes, Upstream web) {
    LinkedHashMap<String, Upstream> upstreams = new LinkedHashMap<>();
    upstreams.put("web", web);
    return new GatewaySpec(null, null, routes, upstreams, null, null);
  }

  private static Upstream servers(ServerEntry... servers) {
    return Upstream.of(List.of(servers));
  }

  @Test
  void aSpecWithOneRouteAndOneServerPasses() {
    assertThat(GatewayRules.check(spec(List.of(Route.of("/", "web")), servers(ServerEntry.of("127.0.0.1:9001"))), ""))
        .isEmpty();
  }

  @Test
  void keyPathsStartAtThePrefix() {
    GatewaySpec s = spec(List.of(Route.of("api", "web")), servers(ServerEntry.of("127.0.0.1:9001")));

    assertThat(GatewayRules.check(s, "")).extracting(ConfigProblem::keyPath).containsExactly("routes[0].path");
    assertThat(GatewayRules.check(s, "gateway")).extracting(ConfigProblem::keyPath)
        .containsExactly("gateway.routes[0].path");
  }

  @Test
  void anEmptySpecLacksRoutesAndUpstreams() {
    assertThat(GatewayRules.check(new GatewaySpec(null, null, null, null, null, null), "gateway")).containsExactly(
        new ConfigProblem("gateway.routes", "none (expected: at least one route)"),
        new ConfigProblem("gateway.upstreams", "none (expected: at least one upstream)"));
  }

  @Test
  void valuesTheAnnotationsForbidAreLeftToThem() {
    // A missing path and upstream, a weight of 0: bean validation's to report, and no crash here.
    Route bare = new Route(null, null, null, false, null, false);
    Upstream u = servers(new ServerEntry("127.0.0.1:9001", 0, false), new ServerEntry(null, 1, false));

    assertThat(GatewayRules.check(spec(List.of(bare), u), "")).isEmpty();
  }

  @Test
  void everyProblemIsReportedNotJustTheFirst() {
    Upstream u = new Upstream(List.of(ServerEntry.of("localhost"), ServerEntry.of("localhost:0")),
        Balance.parse("weighted"), new Health("readyz", Duration.ofSeconds(1), Duration.ofSeconds(2), 2, 3),
        null, null, Duration.ZERO, null, new Retries(2, Duration.ofSeconds(30), 20), null, null);
    GatewaySpec s = new GatewaySpec("nowhere", List.of("10.0.0.0/33"), List.of(Route.of("/", "web")),
        spec(List.of(), u).upstreams(), new RateLimit(0, 1), null);

    assertThat(GatewayRules.check(s, "")).extracting(ConfigProblem::keyPath).containsExactlyInAnyOrder(
        "listen",
        "trusted_proxies[0]",
        "upstreams.web.servers[0].address",
        "upstreams.web.servers[1].address",
        "upstreams.web.health.http",
        "upstreams.web.health.timeout",
        "upstreams.web.connect_timeout",
        "upstreams.web.retries.per_try_timeout",
        "rate_limit.per_ip");
  }

  @Test
  void serversAreTheSameWhateverTheSpellingOfTheirAddress() {
    Upstream u = servers(ServerEntry.of("[::1]:80"), ServerEntry.of("[0:0::1]:80"), ServerEntry.of("Api:80"),
        ServerEntry.of("api:80"), ServerEntry.of("api:81"));

    assertThat(GatewayRules.check(spec(List.of(Route.of("/", "web")), u), "")).containsExactly(
        new ConfigProblem("upstreams.web.servers[1].address",
            "'[0:0::1]:80', the same as upstreams.web.servers[0] (expected: each server once)"),
        new ConfigProblem("upstreams.web.servers[3].address",
            "'api:80', the same as upstreams.web.servers[2] (expected: each server once)"));
  }

  @Test
  void routesForDifferentHostsMayShareAPath() {
    List<Route> routes = List.of(
        new Route("/", "a.example", "web", false, null, false),
        new Route("/", "b.example", "web", false, null, false),
        Route.of("/", "web"),
        new Route("/", "A.example", "web", false, null, false));

    assertThat(GatewayRules.check(spec(routes, servers(ServerEntry.of("127.0.0.1:9001"))), "")).containsExactly(
        new ConfigProblem("routes[3].path",
            "'/' for host 'A.example', the same as routes[0] (expected: each host and path once)"));
  }
}
