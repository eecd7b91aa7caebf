package dev.nonstop.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.nonstop.core.config.ConfigException;
import dev.nonstop.gateway.GatewaySpec;
import dev.nonstop.gateway.GatewaySpec.Balance;
import dev.nonstop.gateway.GatewaySpec.RateLimit;
import dev.nonstop.gateway.GatewaySpec.Route;
import dev.nonstop.gateway.GatewaySpec.ServerEntry;
import dev.nonstop.gateway.GatewaySpec.Upstream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class GatewayConfigTest {
  /** Lines 1-6; what follows at six spaces belongs to upstream {@code web}, at two to {@code gateway}. */
  private static final String BASE = """
      gateway:
        routes:
          - {path: /, upstream: web}
        upstreams:
          web:
            servers: ["127.0.0.1:9001"]
      """;

  private static final String ADDRESS_FORMS = "(expected: HOST:PORT like 127.0.0.1:8080 or [::1]:8080, port 1-65535)";

  private static final String BALANCE_FORMS = "(expected: one of round_robin, weighted, least_conn, ip_hash, "
      + "hash(header:NAME), hash(cookie:NAME), p2c, ewma)";

  @TempDir Path dir;

  private Path write(String yaml) throws IOException {
    return Files.writeString(dir.resolve("gateway.yaml"), yaml);
  }

  @Test
  void fullConfigLoads() throws IOException {
    GatewayConfig c = GatewayConfig.load(write(GatewayExamples.FULL));

    assertThat(c.gateway().routes()).extracting(Route::upstream).containsExactly("api", "web");
    assertThat(c.gateway().upstreams().keySet()).containsExactly("web", "api");
    assertThat(c.gateway().upstreams().get("web").servers()).hasSize(3);
    assertThat(c.gateway().rateLimit()).isEqualTo(new RateLimit(100, 200));
    assertThat(c.admin().listen()).isEqualTo("127.0.0.1:9090");
  }

  @Test
  void minimalConfigTakesTheDefaults() throws IOException {
    GatewayConfig c = GatewayConfig.load(write(GatewayExamples.MINIMAL));

    assertThat(c.gateway().listen()).isEqualTo("0.0.0.0:8080");
    assertThat(c.gateway().upstreams().get("web")).isEqualTo(Upstream.of(java.util.List.of(ServerEntry.of("127.0.0.1:9001"))));
    assertThat(c.admin().listen()).isEqualTo("127.0.0.1:9090");
  }

  @Test
  void blockStyleAndOtherValueFormsLoad() throws IOException {
    GatewaySpec g = GatewayConfig.load(write(GatewayExamples.BLOCK_STYLE)).gateway();

    assertThat(g.listen()).isEqualTo("[::]:0");
    assertThat(g.trustedProxies()).containsExactly("192.168.0.1", "fd00::/8");
    assertThat(g.routes().getFirst())
        .isEqualTo(new Route("/login", "shop.example.com", "shop", true, new RateLimit(0.5, 1), true));
    Upstream shop = g.upstreams().get("shop");
    assertThat(shop.servers()).containsExactly(ServerEntry.of("[::1]:9001"), new ServerEntry("localhost:9002", 3, false));
    assertThat(shop.balance()).isEqualTo(Balance.hashCookie("session"));
    assertThat(shop.health().interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(shop.health().fall()).isEqualTo(1);
    assertThat(shop.retries().budgetPercent()).isZero();
    assertThat(shop.circuitBreaker().failureRate()).isEqualTo(100);
    assertThat(g.rateLimit()).isEqualTo(new RateLimit(0.5, 10));
    assertThat(g.limits().maxConnections()).isEqualTo(1);
    assertThat(g.limits().maxHeaderSize().bytes()).isEqualTo(8192);
  }

  /** One bad file: the problem's line, key path and words after {@code (file):LINE: }. */
  record Bad(String name, String yaml, int line, String keyPath, String problem) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** {@link #BASE} with {@code lines} added under upstream {@code web}, from line 7. */
  private static String web(String lines) {
    return BASE + lines.indent(6);
  }

  /** {@link #BASE} with {@code lines} added under {@code gateway}, from line 7. */
  private static String gateway(String lines) {
    return BASE + lines.indent(2);
  }

  static Stream<Bad> badFiles() {
    String web = "gateway.upstreams.web";
    return Stream.of(
        new Bad("route to an unknown upstream", """
            gateway:
              routes:
                - {path: /, upstream: wbe}
              upstreams:
                web: {servers: ["127.0.0.1:9001"]}
                api: {servers: ["127.0.0.1:9002"]}
            """, 3, "gateway.routes[0].upstream", "'wbe' (expected: one of web, api)"),
        new Bad("unknown balance", web("balance: fastest"), 7, web + ".balance", "'fastest' " + BALANCE_FORMS),
        new Bad("hash of something else", web("balance: hash(body)"), 7, web + ".balance", "'hash(body)' " + BALANCE_FORMS),
        new Bad("bad rate unit", gateway("rate_limit: {per_ip: 100/x}"), 7, "gateway.rate_limit.per_ip",
            "'100/x' (expected: a rate like 100/s, 50/m or 1.5/h: a number, '/', and s, m or h)"),
        new Bad("failure rate above 100%", web("circuit_breaker: {failure_rate: 150%}"), 7,
            web + ".circuit_breaker.failure_rate", "150 (expected: <= 100)"),
        new Bad("server without port", web("balance: p2c").replace("127.0.0.1:9001", "localhost"), 6,
            web + ".servers[0].address", "'localhost' " + ADDRESS_FORMS),
        new Bad("port out of range", BASE.replace("9001", "70000"), 6, web + ".servers[0].address",
            "'127.0.0.1:70000' " + ADDRESS_FORMS),
        new Bad("server port 0", BASE.replace("9001", "0"), 6, web + ".servers[0].address",
            "'127.0.0.1:0' " + ADDRESS_FORMS),
        new Bad("unbracketed IPv6 server", BASE.replace("127.0.0.1:9001", "::1:9001"), 6, web + ".servers[0].address",
            "'::1:9001' " + ADDRESS_FORMS),
        new Bad("server as a bare port", BASE.replace("[\"127.0.0.1:9001\"]", "[9001]"), 6, web + ".servers[0].address",
            "'9001' " + ADDRESS_FORMS),
        new Bad("server as a list", BASE.replace("[\"127.0.0.1:9001\"]", "[[127.0.0.1, 9001]]"), 6, web + ".servers[0]",
            "a list (expected: HOST:PORT, or a mapping with address, weight, backup)"),
        new Bad("server mapping without address", BASE.replace("\"127.0.0.1:9001\"", "{weight: 2}"), 6,
            web + ".servers[0].address", "missing (expected: a value)"),
        new Bad("balance as a mapping", web("balance: {kind: p2c}"), 7, web + ".balance", "a mapping " + BALANCE_FORMS),
        new Bad("empty servers", BASE.replace("[\"127.0.0.1:9001\"]", "[]"), 6, web + ".servers",
            "empty (expected: at least one server, or app: NAME for the READY instances of an app)"),
        new Bad("only backup servers", BASE.replace("\"127.0.0.1:9001\"", "{address: \"127.0.0.1:9001\", backup: true}"),
            6, web + ".servers", "only backup servers (expected: at least one server without backup: true)"),
        new Bad("per-try timeout above timeout", web("timeout: 2s\nretries: {per_try_timeout: 5s}"), 8,
            web + ".retries.per_try_timeout", "5s (expected: <= timeout 2s)"),
        new Bad("unknown key", web("timeuot: 2s"), 7, web + ".timeuot",
            "unknown key (expected one of: servers, app, balance, health, outlier, slow_start, connect_timeout, timeout, "
                + "retries, circuit_breaker, keepalive)"),
        new Bad("unknown server key", BASE.replace("\"127.0.0.1:9001\"", "{addr: \"127.0.0.1:9001\"}"), 6,
            web + ".servers[0].addr", "unknown key (expected one of: address, weight, backup)"),
        new Bad("unknown top-level key", BASE + "gatway: {}\n", 7, "gatway", "unknown key (expected one of: gateway, admin)"),
        new Bad("same route twice", """
            gateway:
              routes:
                - {path: /api/, upstream: web}
                - {path: /api/, upstream: web, strip_prefix: true}
              upstreams:
                web: {servers: ["127.0.0.1:9001"]}
            """, 4, "gateway.routes[1].path",
            "'/api/' for any host, the same as gateway.routes[0] (expected: each host and path once)"),
        new Bad("bad CIDR prefix", gateway("trusted_proxies: [10.0.0.0/8, 10.0.0.0/33]"), 7, "gateway.trusted_proxies[1]",
            "'10.0.0.0/33' (expected: prefix length 0-32)"),
        new Bad("trusted proxy by name", gateway("trusted_proxies: [lb.internal]"), 7, "gateway.trusted_proxies[0]",
            "'lb.internal' (expected: an IP address or CIDR block such as 10.0.0.0/8)"),
        new Bad("no routes", "gateway:\n  upstreams:\n    web: {servers: [\"127.0.0.1:9001\"]}\n", 1, "gateway.routes",
            "none (expected: at least one route)"),
        new Bad("no gateway block", "admin: {listen: '127.0.0.1:9090'}\n", 1, "gateway.routes",
            "none (expected: at least one route)"),
        new Bad("route path without slash", BASE.replace("path: /", "path: api"), 3, "gateway.routes[0].path",
            "'api' (expected: a path starting with /)"),
        new Bad("route without upstream", BASE.replace(", upstream: web", ""), 3, "gateway.routes[0].upstream",
            "missing (expected: upstream: NAME, or app: NAME for the READY instances of an app)"),
        new Bad("route to an app outside nonstop up", BASE.replace(", upstream: web", ", app: web"), 3,
            "gateway.routes[0].app", "'web', but gateway.upstreams.web is a list of servers (expected: upstream: web, "
                + "or app: web in gateway.upstreams.web)"),
        new Bad("upstream of an app outside nonstop up", BASE.replace("servers: [\"127.0.0.1:9001\"]", "app: web"), 6,
            web + ".app", "'web' (expected: servers; upstreams of apps work in nonstop.yaml under nonstop up)"),
        new Bad("weight 0", web("balance: weighted").replace("\"127.0.0.1:9001\"", "{address: \"127.0.0.1:9001\", weight: 0}"),
            6, web + ".servers[0].weight", "0 (expected: >= 1)"),
        new Bad("weight above 1000", web("balance: weighted").replace("\"127.0.0.1:9001\"",
            "{address: \"127.0.0.1:9001\", weight: 1001}"), 6, web + ".servers[0].weight", "1001 (expected: <= 1000)"),
        new Bad("weight with round robin", BASE.replace("\"127.0.0.1:9001\"", "{address: \"127.0.0.1:9001\", weight: 2}"),
            6, web + ".servers[0].weight",
            "2 with balance round_robin, which ignores weights (expected: 1, or balance: weighted)"),
        new Bad("same server twice", BASE.replace("[\"127.0.0.1:9001\"]", "[\"127.0.0.1:9001\", \"127.0.0.1:9001\"]"), 6,
            web + ".servers[1].address", "'127.0.0.1:9001', the same as " + web
                + ".servers[0] (expected: each server once)"),
        new Bad("health timeout above interval", web("health: {interval: 1s, timeout: 2s}"), 7, web + ".health.timeout",
            "2s (expected: <= interval 1s)"),
        new Bad("health path without slash", web("health: {http: readyz}"), 7, web + ".health.http",
            "'readyz' (expected: a path starting with /)"),
        new Bad("health rise 0", web("health:\n  rise: 0"), 8, web + ".health.rise", "0 (expected: >= 1)"),
        new Bad("zero health interval", web("health: {interval: 0s, timeout: 0s}"), 7, web + ".health.interval",
            "0ms (expected: > 0)"),
        new Bad("too many retries", web("retries: {attempts: 11}"), 7, web + ".retries.attempts", "11 (expected: <= 10)"),
        new Bad("budget above 100%", web("retries: {budget_percent: 101%}"), 7, web + ".retries.budget_percent",
            "101 (expected: <= 100)"),
        new Bad("failure rate 0", web("circuit_breaker: {failure_rate: 0}"), 7, web + ".circuit_breaker.failure_rate",
            "0 (expected: >= 1)"),
        new Bad("ejection percent above 100", web("outlier: {max_ejection_percent: 101}"), 7,
            web + ".outlier.max_ejection_percent", "101 (expected: <= 100)"),
        new Bad("percentage in words", web("outlier: {max_ejection_percent: half}"), 7,
            web + ".outlier.max_ejection_percent", "'half' (expected: a whole percentage like 50% or 50)"),
        new Bad("fractional percentage", web("retries: {budget_percent: 12.5%}"), 7, web + ".retries.budget_percent",
            "'12.5%' (expected: a whole percentage like 50% or 50)"),
        new Bad("zero connect timeout", web("connect_timeout: 0s"), 7, web + ".connect_timeout", "0ms (expected: > 0)"),
        new Bad("bad duration", web("slow_start: soon"), 7, web + ".slow_start",
            "'soon' (expected: a duration like 100ms, 2s, 1.5s, 5m, 1h, or a number of seconds)"),
        new Bad("zero rate", gateway("rate_limit: {per_ip: 0/s}"), 7, "gateway.rate_limit.per_ip", "0/s (expected: > 0)"),
        new Bad("zero burst", gateway("rate_limit: {per_ip: 10/s, burst: 0}"), 7, "gateway.rate_limit.burst",
            "0 (expected: >= 1)"),
        new Bad("rate limit without rate", gateway("rate_limit:\n  burst: 5"), 7, "gateway.rate_limit",
            "no per_ip (expected: per_ip, a rate like 100/s)"),
        new Bad("bad route rate", BASE.replace("upstream: web}", "upstream: web, rate_limit: {per_ip: fast}}"), 3,
            "gateway.routes[0].rate_limit.per_ip",
            "'fast' (expected: a rate like 100/s, 50/m or 1.5/h: a number, '/', and s, m or h)"),
        new Bad("negative keepalive", web("keepalive: {max_idle: -1}"), 7, web + ".keepalive.max_idle",
            "-1 (expected: >= 0)"),
        new Bad("zero header size", gateway("limits: {max_header_size: 0}"), 7, "gateway.limits.max_header_size",
            "0B (expected: 1B to 1GiB)"),
        new Bad("bad listen", "gateway:\n  listen: 8080\n" + BASE.substring("gateway:\n".length()), 2, "gateway.listen",
            "'8080' (expected: HOST:PORT like 127.0.0.1:8080 or [::1]:8080, port 0-65535)"),
        new Bad("admin on the gateway's port", BASE + "admin: {listen: '127.0.0.1:8080'}\n", 7, "admin.listen",
            "'127.0.0.1:8080' (expected: a port other than gateway.listen's 8080)"),
        new Bad("bad admin listen", BASE + "admin:\n  listen: localhost\n", 8, "admin.listen",
            "'localhost' (expected: HOST:PORT like 127.0.0.1:9090 or [::1]:9090, port 0-65535)"),
        new Bad("duplicate key", web("timeout: 1s\ntimeout: 2s"), 8, web + ".timeout",
            "duplicate key (expected: each key once per mapping)"),
        new Bad("empty file", "", 0, "", "empty (expected: a YAML mapping)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFiles")
  void badFileIsRefusedWithOneLineNamingFileKeyAndLine(Bad bad) throws IOException {
    Path file = write(bad.yaml());

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> GatewayConfig.load(file));

    assertThat(e).as("no exception for %s", bad.name()).isNotNull();
    assertThat(e.getMessage()).doesNotContain("\n");
    String where = bad.line() > 0 ? file + ":" + bad.line() + ": " : file + ": ";
    String what = bad.keyPath().isEmpty() ? bad.problem() : bad.keyPath() + ": " + bad.problem();
    assertThat(e.getMessage()).isEqualTo(where + what);
    assertThat(e.line()).isEqualTo(bad.line());
    assertThat(e.keyPath()).isEqualTo(bad.keyPath());
  }

  @Test
  void adminMayShareAPortNumberOnAnotherAddress() throws IOException {
    Path file = write("gateway:\n  listen: 127.0.0.1:8080\n" + BASE.substring("gateway:\n".length())
        + "admin: {listen: '127.0.0.2:8080'}\n");

    assertThat(GatewayConfig.load(file).admin().port()).isEqualTo(8080);
  }

  @Test
  void missingFileIsAConfigException() {
    Path file = dir.resolve("nope.yaml");

    assertThatThrownBy(() -> GatewayConfig.load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessage(file + ": not found (expected: a YAML file)");
  }
}
