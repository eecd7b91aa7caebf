package dev.nonstop.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import dev.nonstop.core.DataSize;
import dev.nonstop.core.config.ConfigException;
import dev.nonstop.core.config.ConfigLoader;
import dev.nonstop.gateway.GatewaySpec.Balance;
import dev.nonstop.gateway.GatewaySpec.Balance.Kind;
import dev.nonstop.gateway.GatewaySpec.CircuitBreaker;
import dev.nonstop.gateway.GatewaySpec.Health;
import dev.nonstop.gateway.GatewaySpec.Keepalive;
import dev.nonstop.gateway.GatewaySpec.Limits;
import dev.nonstop.gateway.GatewaySpec.Outlier;
import dev.nonstop.gateway.GatewaySpec.RateLimit;
import dev.nonstop.gateway.GatewaySpec.Retries;
import dev.nonstop.gateway.GatewaySpec.Route;
import dev.nonstop.gateway.GatewaySpec.ServerEntry;
import dev.nonstop.gateway.GatewaySpec.Upstream;
import jakarta.validation.Valid;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GatewaySpecTest {
  /** A file with a {@code gateway:} block, as the cli's GatewayConfig reads it. */
  record File(@Valid GatewaySpec gateway, Map<String, Object> admin) {}

  /** The issue's example, verbatim. */
  static final String EXAMPLE = """
      gateway:
        listen: 0.0.0.0:8080
        trusted_proxies: [10.0.0.0/8]          # optional; X-Forwarded-* from clients trusted only from these (default none)
        routes:
          - {path: /api/, upstream: api, strip_prefix: false}   # longest prefix wins; optional host; optional rate_limit; optional retry_non_idempotent: true
          - {path: /, upstream: web}
        upstreams:
          web:
            servers: ["127.0.0.1:9001", "127.0.0.1:9002", {address: "127.0.0.1:9003", weight: 2, backup: true}]
            balance: least_conn   # round_robin | weighted | least_conn | ip_hash | hash(header:NAME) | hash(cookie:NAME) | p2c | ewma
            health: {http: /readyz, interval: 1s, timeout: 500ms, rise: 2, fall: 2}
            outlier: {consecutive_failures: 3, base_ejection: 5s, max_ejection_percent: 50}
            slow_start: 10s
            connect_timeout: 1s
            timeout: 3s
            retries: {attempts: 3, per_try_timeout: 1s, budget_percent: 20}
            circuit_breaker: {max_connections: 1024, max_pending: 256, failure_rate: 50%}
            keepalive: {max_idle: 64, idle_timeout: 60s}
        rate_limit: {per_ip: 100/s, burst: 200}   # optional, per route too
        limits: {max_connections: 10000, header_timeout: 10s, idle_timeout: 60s, max_header_size: 16KiB, max_uri_length: 8KiB}
      admin:
        listen: 127.0.0.1:9090
      """;

  private static final String MINIMAL = """
      gateway:
        routes: [{path: /, upstream: web}]
        upstreams:
          web: {servers: ["127.0.0.1:9001"]}
      """;

  @TempDir Path dir;

  private Path write(String yaml) throws IOException {
    return Files.writeString(dir.resolve("gateway.yaml"), yaml);
  }

  /** Binds and validates, without the cross-key rules. */
  private GatewaySpec bind(String yaml) throws IOException {
    return ConfigLoader.load(write(yaml), File.class).gateway();
  }

  private GatewaySpec load(String yaml) throws IOException {
    return ConfigLoader.load(write(yaml), File.class, f -> GatewayRules.check(f.gateway(), "gateway")).gateway();
  }

  /** Why loading and checking {@code file} fails. */
  private static ConfigException refusal(Path file) {
    return catchThrowableOfType(ConfigException.class,
        () -> ConfigLoader.load(file, File.class, f -> GatewayRules.check(f.gateway(), "gateway")));
  }

  /** The upstream of a one-upstream file whose upstream is written as {@code web: {KEYS}}. */
  private Upstream web(String keys) throws IOException {
    return load("""
        gateway:
          routes: [{path: /, upstream: web}]
          upstreams:
            web: {servers: ["127.0.0.1:9001"], %s}
        """.formatted(keys)).upstreams().get("web");
  }

  @Test
  void theIssuesExampleBindsToTheValuesItWrites() throws IOException {
    GatewaySpec g = bind(EXAMPLE);

    assertThat(g.listen()).isEqualTo("0.0.0.0:8080");
    assertThat(g.trustedProxies()).containsExactly("10.0.0.0/8");
    assertThat(g.routes()).containsExactly(
        new Route("/api/", null, "api", false, null, false),
        Route.of("/", "web"));
    assertThat(g.upstreams()).containsOnlyKeys("web");
    Upstream web = g.upstreams().get("web");
    assertThat(web.servers()).containsExactly(
        ServerEntry.of("127.0.0.1:9001"),
        ServerEntry.of("127.0.0.1:9002"),
        new ServerEntry("127.0.0.1:9003", 2, true));
    assertThat(web.balance()).isEqualTo(Balance.of(Kind.LEAST_CONN));
    assertThat(web.health()).isEqualTo(new Health("/readyz", Duration.ofSeconds(1), Duration.ofMillis(500), 2, 2));
    assertThat(web.outlier()).isEqualTo(new Outlier(3, Duration.ofSeconds(5), 50));
    assertThat(web.slowStart()).isEqualTo(Duration.ofSeconds(10));
    assertThat(web.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(web.timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(web.retries()).isEqualTo(new Retries(3, Duration.ofSeconds(1), 20));
    assertThat(web.circuitBreaker()).isEqualTo(new CircuitBreaker(1024, 256, 50));
    assertThat(web.keepalive()).isEqualTo(new Keepalive(64, Duration.ofSeconds(60)));
    assertThat(g.rateLimit()).isEqualTo(new RateLimit(100, 200));
    assertThat(g.limits()).isEqualTo(new Limits(10_000, Duration.ofSeconds(10), Duration.ofSeconds(60),
        new DataSize(16 * 1024), new DataSize(8 * 1024)));
  }

  @Test
  void theIssuesExampleIsRefusedOnlyForItsRouteToAnUpstreamItDoesNotDefine() throws IOException {
    Path file = write(EXAMPLE);

    ConfigException e = refusal(file);

    assertThat(e.getMessage()).isEqualTo(file + ":5: gateway.routes[0].upstream: 'api' (expected: one of web)");
    assertThat(GatewayRules.check(bind(EXAMPLE), "gateway")).hasSize(1);
  }

  @Test
  void missingKeysTakeTheDocumentedDefaults() throws IOException {
    GatewaySpec g = load(MINIMAL);

    assertThat(g.listen()).isEqualTo("0.0.0.0:8080");
    assertThat(g.trustedProxies()).isEmpty();
    assertThat(g.rateLimit()).isNull();
    assertThat(g.limits()).isEqualTo(new Limits(10_000, Duration.ofSeconds(10), Duration.ofSeconds(60),
        new DataSize(16 * 1024), new DataSize(8 * 1024)));
    assertThat(g.routes()).containsExactly(new Route("/", null, "web", false, null, false));
    Upstream web = g.upstreams().get("web");
    assertThat(web.servers()).containsExactly(new ServerEntry("127.0.0.1:9001", 1, false));
    assertThat(web.balance()).isEqualTo(new Balance(Kind.ROUND_ROBIN, null, null));
    assertThat(web.health()).isNull();
    assertThat(web.outlier()).isEqualTo(new Outlier(3, Duration.ofSeconds(5), 50));
    assertThat(web.slowStart()).isZero();
    assertThat(web.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(web.timeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(web.retries()).isEqualTo(new Retries(2, null, 20));
    assertThat(web.circuitBreaker()).isEqualTo(new CircuitBreaker(1024, 1024, 50));
    assertThat(web.keepalive()).isEqualTo(new Keepalive(64, Duration.ofSeconds(60)));
    assertThat(web).isEqualTo(Upstream.of(List.of(ServerEntry.of("127.0.0.1:9001"))));
  }

  @Test
  void emptyBlocksTakeAllTheirDefaults() throws IOException {
    Upstream web = web("health: {}, outlier: {}, retries: {}, circuit_breaker: {}, keepalive: {}");

    assertThat(web.health()).isEqualTo(new Health(null, Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3));
    assertThat(web.outlier()).isEqualTo(Outlier.DEFAULT);
    assertThat(web.retries()).isEqualTo(Retries.DEFAULT);
    assertThat(web.circuitBreaker()).isEqualTo(CircuitBreaker.DEFAULT);
    assertThat(web.keepalive()).isEqualTo(Keepalive.DEFAULT);
    assertThat(load(MINIMAL.replace("gateway:\n", "gateway:\n  limits: {}\n")).limits()).isEqualTo(Limits.DEFAULT);
  }

  @Test
  void partlyWrittenBlocksTakeDefaultsForTheKeysTheyLeaveOut() throws IOException {
    Upstream web = web("""
        health: {http: /healthz}, outlier: {max_ejection_percent: 10}, retries: {attempts: 0},
                   circuit_breaker: {max_pending: 0}, keepalive: {idle_timeout: 30s}""");

    assertThat(web.health()).isEqualTo(new Health("/healthz", Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3));
    assertThat(web.outlier()).isEqualTo(new Outlier(3, Duration.ofSeconds(5), 10));
    assertThat(web.retries()).isEqualTo(new Retries(0, null, 20));
    assertThat(web.circuitBreaker()).isEqualTo(new CircuitBreaker(1024, 0, 50));
    assertThat(web.keepalive()).isEqualTo(new Keepalive(64, Duration.ofSeconds(30)));
    GatewaySpec g = load(MINIMAL.replace("gateway:\n", "gateway:\n  limits: {max_uri_length: 2KiB}\n"));
    assertThat(g.limits().maxUriLength()).isEqualTo(new DataSize(2048));
    assertThat(g.limits().maxHeaderSize()).isEqualTo(new DataSize(16 * 1024));
    assertThat(g.limits().maxConnections()).isEqualTo(10_000);
  }

  @Test
  void serversAreWrittenAsStringsOrMappings() throws IOException {
    GatewaySpec g = load("""
        gateway:
          routes: [{path: /, upstream: web}]
          upstreams:
            web:
              balance: weighted
              servers:
                - 127.0.0.1:9001
                - "[::1]:9002"
                - {address: "10.0.0.3:80"}
                - address: backend.internal:8080
                  weight: 5
                - {address: "10.0.0.4:80", backup: true}
        """);

    assertThat(g.upstreams().get("web").servers()).containsExactly(
        new ServerEntry("127.0.0.1:9001", 1, false),
        new ServerEntry("[::1]:9002", 1, false),
        new ServerEntry("10.0.0.3:80", 1, false),
        new ServerEntry("backend.internal:8080", 5, false),
        new ServerEntry("10.0.0.4:80", 1, true));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "round_robin        | ROUND_ROBIN |        |",
    "weighted           | WEIGHTED    |        |",
    "least_conn         | LEAST_CONN  |        |",
    "ip_hash            | IP_HASH     |        |",
    "hash(header:X-User) | HASH       | X-User |",
    "hash(cookie:session) | HASH      |        | session",
    "p2c                | P2C         |        |",
    "ewma               | EWMA        |        |",
  })
  void balanceIsReadFromEachWrittenForm(String text, Kind kind, String header, String cookie) throws IOException {
    Balance b = Balance.parse(text);

    assertThat(b).isEqualTo(new Balance(kind, header, cookie));
    assertThat(b).hasToString(text);
    assertThat(web("balance: \"" + text + "\"").balance()).isEqualTo(b);
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(strings = {"fastest", "ROUND_ROBIN", "least-conn", "hash", "hash()", "hash(body)", "hash(header:)",
      "hash(header X)", "hash(query:q)", "hash(header:a b)", "hash(cookie:x", "", " p2c"})
  void otherBalanceFormsAreRefusedWithTheListOfForms(String text) {
    assertThatThrownBy(() -> Balance.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'" + text + "' (expected: one of round_robin, weighted, least_conn, ip_hash, "
            + "hash(header:NAME), hash(cookie:NAME), p2c, ewma)");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "100/s, 100, 100",
    "6000/m, 100, 100",
    "0.5/s, 0.5, 1",
    "2.5/s, 2.5, 3",
    "36/h, 0.01, 1",
    "1/m, 0.016666666666666666, 1",
    "'10 / s', 10, 10",
    ".5/s, 0.5, 1",
  })
  void ratesAreReadPerSecondMinuteOrHourAndBurstDefaultsToOneSecondsWorth(String rate, double perSecond, int burst)
      throws IOException {
    RateLimit r = load(MINIMAL.replace("gateway:\n", "gateway:\n  rate_limit: {per_ip: '" + rate + "'}\n")).rateLimit();

    assertThat(r.perSecond()).isCloseTo(perSecond, within(1e-12));
    assertThat(r.burst()).isEqualTo(burst);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"100/s, 100/s", "6000/m, 100/s", "1/m, 1/m", "1.5/s, 90/m", "1/h, 1/h", "0.5/m, 30/h", "0.1/h, 0.1/h",
      "0.7/s, 42/m", "0.123/s, 7.38/m", "0.001/m, 0.06/h"})
  void rateIsShownInTheUnitThatKeepsItWhole(String written, String shown) {
    assertThat(new RateLimit(Values.perSecond(written), 1).rate()).isEqualTo(shown);
  }

  @Test
  void aRoutesOwnRateLimitAndFlagsBind() throws IOException {
    GatewaySpec g = load("""
        gateway:
          routes:
            - path: /login
              host: example.com
              upstream: web
              strip_prefix: true
              retry_non_idempotent: true
              rate_limit: {per_ip: 10/m, burst: 5}
          upstreams:
            web: {servers: ["127.0.0.1:9001"]}
        """);

    assertThat(g.routes()).containsExactly(
        new Route("/login", "example.com", "web", true, new RateLimit(10.0 / 60, 5), true));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"50%", "50", "'50'", "'50 %'"})
  void percentagesAreWrittenWithOrWithoutPercentSign(String written) throws IOException {
    Upstream web = web("outlier: {max_ejection_percent: " + written + "}, retries: {budget_percent: " + written
        + "}, circuit_breaker: {failure_rate: " + written + "}");

    assertThat(web.outlier().maxEjectionPercent()).isEqualTo(50);
    assertThat(web.retries().budgetPercent()).isEqualTo(50);
    assertThat(web.circuitBreaker().failureRate()).isEqualTo(50);
  }

  @Test
  void changingTheReturnedUpstreamsChangesNothing() throws IOException {
    GatewaySpec g = load(MINIMAL);

    g.upstreams().clear();

    assertThat(g.upstreams()).containsOnlyKeys("web");
  }

  @Test
  void hashBalanceTakesExactlyOneName() {
    assertThatThrownBy(() -> new Balance(Kind.HASH, null, null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Balance(Kind.HASH, "a", "b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Balance(Kind.P2C, "a", null)).isInstanceOf(IllegalArgumentException.class);
    assertThat(Balance.hashCookie("sid")).hasToString("hash(cookie:sid)");
  }

  @Test
  void appBindsOnRoutesAndUpstreams() throws IOException {
    GatewaySpec g = load("""
        gateway:
          routes:
            - {path: /, app: hello}
            - {path: /api/, upstream: api, strip_prefix: true}
          upstreams:
            api: {app: api-server, balance: least_conn}
        """);

    assertThat(g.routes()).containsExactly(
        Route.ofApp("/", "hello"),
        new Route("/api/", null, "api", null, true, null, false));
    Upstream api = g.upstreams().get("api");
    assertThat(api.app()).isEqualTo("api-server");
    assertThat(api.servers()).isEmpty();
    assertThat(api.balance()).isEqualTo(Balance.of(Kind.LEAST_CONN));
  }

  @Test
  void aRouteWithBothUpstreamAndAppIsRefusedAtItsLine() throws IOException {
    Path file = write("""
        gateway:
          routes:
            - {path: /, app: hello, upstream: web}
          upstreams:
            web: {servers: ["127.0.0.1:9001"]}
        """);

    ConfigException e = refusal(file);

    assertThat(e.getMessage()).isEqualTo(file + ":3: gateway.routes[0].app: "
        + "'hello' with upstream 'web' (expected: either upstream or app, not both)");
  }

  @Test
  void resolvingAppsGivesEveryRouteAnUpstreamAndAddsTheMissingOnes() throws IOException {
    GatewaySpec g = load("""
        gateway:
          routes:
            - {path: /, app: hello, host: example.com, strip_prefix: true, rate_limit: {per_ip: 5/s}}
            - {path: /api/, app: api}
            - {path: /static/, upstream: web}
          upstreams:
            api: {app: api, balance: least_conn}
            web: {servers: ["127.0.0.1:9001"]}
        """);

    GatewaySpec resolved = g.resolveApps();

    assertThat(resolved.routes()).containsExactly(
        new Route("/", "example.com", "hello", null, true, new RateLimit(5, 5), false),
        Route.of("/api/", "api"),
        Route.of("/static/", "web"));
    assertThat(resolved.upstreams().keySet()).containsExactly("api", "web", "hello");
    assertThat(resolved.upstreams().get("hello")).isEqualTo(Upstream.ofApp("hello"));
    assertThat(resolved.upstreams().get("api")).as("written settings stay").isEqualTo(g.upstreams().get("api"));
    assertThat(resolved.upstreams().get("web")).isEqualTo(g.upstreams().get("web"));
    assertThat(List.of(resolved.listen(), resolved.limits(), resolved.trustedProxies()))
        .isEqualTo(List.of(g.listen(), g.limits(), g.trustedProxies()));
    assertThat(resolved.resolveApps()).as("idempotent").isSameAs(resolved);
    assertThat(GatewayRules.check(resolved, "gateway")).isEmpty();
  }

  @Test
  void aSpecWithoutRoutesToAppsIsItsOwnResolution() throws IOException {
    GatewaySpec g = load(MINIMAL);

    assertThat(g.resolveApps()).isSameAs(g);
    assertThat(g.appUpstreams()).isEmpty();
  }

  @Test
  void appUpstreamsMapsEachUpstreamOfAnAppToItsApp() throws IOException {
    GatewaySpec g = load("""
        gateway:
          routes:
            - {path: /, app: hello}
            - {path: /api/, upstream: api}
            - {path: /static/, upstream: web}
          upstreams:
            web: {servers: ["127.0.0.1:9001"]}
            api: {app: api-server}
        """);

    assertThat(g.appUpstreams()).containsExactly(Map.entry("api", "api-server"), Map.entry("hello", "hello"));
    assertThat(g.resolveApps().appUpstreams()).isEqualTo(g.appUpstreams());
  }

  @Test
  void theFactoriesAndConstructorsFromBeforeAppsBuildNoApp() {
    assertThat(Route.of("/", "web").app()).isNull();
    assertThat(new Route("/", "a.example", "web", true, null, true))
        .isEqualTo(new Route("/", "a.example", "web", null, true, null, true));
    assertThat(Upstream.of(List.of(ServerEntry.of("127.0.0.1:9001"))).app()).isNull();
    assertThat(new Upstream(List.of(), null, null, null, null, null, null, null, null, null))
        .isEqualTo(new Upstream(List.of(), null, null, null, null, null, null, null, null, null, null));
    assertThat(Route.ofApp("/", "hello")).isEqualTo(new Route("/", null, null, "hello", false, null, false));
    assertThat(Upstream.ofApp("hello").servers()).isEmpty();
  }

  @Test
  void anUpstreamOfAnAppWarmsNewMembersUpByDefault() {
    assertThat(Upstream.ofApp("hello").slowStart()).isEqualTo(Upstream.APP_SLOW_START).isEqualTo(java.time.Duration.ofSeconds(10));
    assertThat(Upstream.of(List.of(ServerEntry.of("127.0.0.1:9001"))).slowStart()).isZero();
  }

  @Test
  void anUnknownKeyOfAnUpstreamListsAppAmongTheKnownOnes() throws IOException {
    Path file = write("""
        gateway:
          routes: [{path: /, upstream: web}]
          upstreams:
            web: {apps: hello}
        """);

    ConfigException e = refusal(file);

    assertThat(e.getMessage()).isEqualTo(file + ":4: gateway.upstreams.web.apps: unknown key (expected one of: "
        + "servers, app, balance, health, outlier, slow_start, connect_timeout, timeout, retries, circuit_breaker, "
        + "keepalive)");
  }
}
