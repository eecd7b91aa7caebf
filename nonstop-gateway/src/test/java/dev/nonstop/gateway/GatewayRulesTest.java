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
    // A missing path and address, a weight of 0: bean validation's to report, and no crash here.
    Route bare = new Route(null, null, "web", false, null, false);
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

  private static GatewaySpec withUpstreams(List<Route> routes, Object... namesAndUpstreams) {
    LinkedHashMap<String, Upstream> upstreams = new LinkedHashMap<>();
    for (int i = 0; i < namesAndUpstreams.length; i += 2) {
      upstreams.put((String) namesAndUpstreams[i], (Upstream) namesAndUpstreams[i + 1]);
    }
    return new GatewaySpec(null, null, routes, upstreams, null, null);
  }

  @Test
  void aRouteToAnAppNeedsNoUpstreamOfItsOwn() {
    GatewaySpec s = withUpstreams(List.of(Route.ofApp("/", "hello")));

    assertThat(GatewayRules.check(s, "gateway")).isEmpty();
  }

  @Test
  void aRouteMayNameTheUpstreamAnotherRoutesAppImplies() {
    GatewaySpec s = withUpstreams(List.of(Route.ofApp("/", "hello"), Route.of("/v1/", "hello")));

    assertThat(GatewayRules.check(s, "gateway")).isEmpty();
  }

  @Test
  void aRouteNamesExactlyOneOfUpstreamAndApp() {
    Route both = new Route("/", null, "web", "hello", false, null, false);
    Route neither = new Route("/api/", null, null, null, false, null, false);

    assertThat(GatewayRules.check(spec(List.of(both, neither), servers(ServerEntry.of("127.0.0.1:9001"))), "gateway"))
        .containsExactly(
            new ConfigProblem("gateway.routes[0].app",
                "'hello' with upstream 'web' (expected: either upstream or app, not both)"),
            new ConfigProblem("gateway.routes[1].upstream",
                "missing (expected: upstream: NAME, or app: NAME for the READY instances of an app)"));
  }

  @Test
  void aRoutesAppCannotStandForAnUpstreamOfServersOrOfAnotherApp() {
    GatewaySpec s = withUpstreams(List.of(Route.ofApp("/", "web"), Route.ofApp("/api/", "api")),
        "web", servers(ServerEntry.of("127.0.0.1:9001")),
        "api", Upstream.ofApp("api-server"));

    assertThat(GatewayRules.check(s, "gateway")).containsExactly(
        new ConfigProblem("gateway.routes[0].app", "'web', but gateway.upstreams.web is a list of servers "
            + "(expected: upstream: web, or app: web in gateway.upstreams.web)"),
        new ConfigProblem("gateway.routes[1].app", "'api', but gateway.upstreams.api is of app 'api-server' "
            + "(expected: upstream: api, or app: api in gateway.upstreams.api)"));
  }

  @Test
  void aRoutesAppMayStandForAnUpstreamOfThatAppWithSettingsOfItsOwn() {
    Upstream tuned = new Upstream(null, "hello", Balance.parse("least_conn"), null, null, Duration.ofSeconds(5), null,
        null, null, null, null);

    assertThat(GatewayRules.check(withUpstreams(List.of(Route.ofApp("/", "hello")), "hello", tuned), "")).isEmpty();
  }

  @Test
  void anUpstreamHasServersOrAnAppNotBoth() {
    Upstream both = new Upstream(List.of(ServerEntry.of("127.0.0.1:9001")), "hello", null, null, null, null, null,
        null, null, null, null);
    GatewaySpec s = withUpstreams(List.of(Route.of("/", "web"), Route.of("/api/", "api")),
        "web", both, "api", Upstream.of(List.of()));

    assertThat(GatewayRules.check(s, "gateway")).containsExactly(
        new ConfigProblem("gateway.upstreams.web.app",
            "'hello' and 1 server (expected: either servers or app; an app's servers are its READY instances)"),
        new ConfigProblem("gateway.upstreams.api.servers",
            "empty (expected: at least one server, or app: NAME for the READY instances of an app)"));
  }

  @Test
  void anUpstreamOfAnAppHasNoServersInTheConfig() {
    GatewaySpec s = withUpstreams(List.of(Route.of("/", "web")), "web", Upstream.ofApp("hello"));

    assertThat(GatewayRules.check(s, "")).isEmpty();
  }

  @Test
  void blankAppNamesAreRefused() {
    GatewaySpec s = withUpstreams(List.of(Route.ofApp("/", " "), Route.of("/api/", "api")), "api", Upstream.ofApp(""));

    assertThat(GatewayRules.check(s, "")).containsExactly(
        new ConfigProblem("routes[0].app", "' ' (expected: the name of an app)"),
        new ConfigProblem("upstreams.api.app", "'' (expected: the name of an app)"));
  }

  @Test
  void membersSetAtRunTimeAreCheckedLikeServersButNotByTheBalancer() {
    List<ServerEntry> members = List.of(ServerEntry.of("127.0.0.1:9001"), new ServerEntry("127.0.0.1:9002", 5, false),
        ServerEntry.of("localhost"), new ServerEntry(null, 1, false), new ServerEntry("127.0.0.1:9003", 0, false),
        ServerEntry.of("127.0.0.1:9001"));

    assertThat(GatewayRules.members(members)).containsExactly(
        new ConfigProblem("servers[3].address", "missing (expected: HOST:PORT)"),
        new ConfigProblem("servers[4].weight", "0 (expected: 1-1000)"),
        new ConfigProblem("servers[2].address",
            "'localhost' (expected: HOST:PORT like 127.0.0.1:8080 or [::1]:8080, port 1-65535)"),
        new ConfigProblem("servers[5].address",
            "'127.0.0.1:9001', the same as servers[0] (expected: each server once)"));
    assertThat(GatewayRules.members(List.of())).isEmpty();
  }
}
