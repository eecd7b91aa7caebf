package dev.nonstop.gateway;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.nonstop.core.DataSize;
import dev.nonstop.web.http.Tokens;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What the gateway does: the {@code gateway:} block of {@code gateway.yaml}. Missing keys take the
 * defaults documented on each component, and this is the one place they are documented (the README
 * has the same table); a missing block gets all its defaults, a partly written one the defaults of
 * the keys it leaves out. The YAML names are the snake_case ones in {@link JsonProperty}. The
 * records take any values; {@link GatewayRules#check} and the components' constraints say which
 * ones a config may hold.
 *
 * <pre>{@code
 * gateway:
 *   listen: 0.0.0.0:8080
 *   routes:
 *     - {path: /api/, upstream: api}
 *     - {path: /, upstream: web}
 *   upstreams:
 *     api: {servers: ["127.0.0.1:9001", "127.0.0.1:9002"], balance: least_conn}
 *     web: {servers: ["127.0.0.1:9101"]}
 * }</pre>
 *
 * <p>Under {@code nonstop up} an upstream's servers may instead be the READY instances of a
 * supervised app, set at run time through {@link Gateway#setMembers}: {@code app: hello} on an
 * upstream, or on a route as a shorthand for an upstream of that name ({@link #resolveApps}).
 *
 * <pre>{@code
 * gateway:
 *   routes:
 *     - {path: /, app: hello}               # upstream hello, of app hello's instances
 *     - {path: /api/, upstream: api}
 *   upstreams:
 *     api: {app: api-server, balance: least_conn, health: {http: /readyz}}
 * }</pre>
 *
 * @param listen {@code HOST:PORT} to accept clients on, IPv6 hosts in brackets; port 0 picks a free
 *     one (default {@code 0.0.0.0:8080})
 * @param trustedProxies IP addresses and CIDR blocks ({@code 10.0.0.0/8}) whose {@code
 *     X-Forwarded-*} headers are believed; from anyone else they are replaced (default none: a
 *     client cannot choose the address it is rate limited and hashed by)
 * @param routes which upstream serves a request: the route with the longest matching {@code path}
 *     prefix wins, a route naming the request's host before one for any host; at least one
 * @param upstreams the groups of servers routes send to, by name, in file order; at least one,
 *     counting those that routes' {@code app} implies
 * @param rateLimit the limit per client IP across all routes (default none)
 * @param limits what one client connection may use (defaults in {@link Limits})
 */
public record GatewaySpec(
    String listen,
    @JsonProperty("trusted_proxies") List<String> trustedProxies,
    List<@Valid Route> routes,
    LinkedHashMap<String, @Valid Upstream> upstreams,
    @JsonProperty("rate_limit") @Valid RateLimit rateLimit,
    @Valid Limits limits) {
  /** The default {@link #listen}: every interface, port 8080. */
  public static final String DEFAULT_LISTEN = "0.0.0.0:8080";

  /** Fills in the defaults and copies the collections, so that the record stays unchanged. */
  public GatewaySpec {
    listen = listen == null ? DEFAULT_LISTEN : listen;
    trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
    routes = routes == null ? List.of() : List.copyOf(routes);
    upstreams = upstreams == null ? new LinkedHashMap<>() : new LinkedHashMap<>(upstreams);
    limits = limits == null ? Limits.DEFAULT : limits;
  }

  /**
   * The upstreams by name in file order; a copy, changing it changes nothing here. Build lookup
   * tables from it once, not per request.
   */
  @Override
  public LinkedHashMap<String, Upstream> upstreams() {
    return new LinkedHashMap<>(upstreams);
  }

  /**
   * This spec with every route naming an upstream: a route with {@code app: X} and no {@code
   * upstream} routes to upstream {@code X} instead, and when there is no upstream {@code X} one is
   * added (after the written ones, with every default and {@code app: X}). Routes that name an
   * upstream, and all upstreams, stay as written; so does a route with both keys, which {@link
   * GatewayRules#check} refuses. Idempotent: a spec without such routes is returned as is.
   *
   * <pre>{@code
   * routes: [{path: /, app: hello}]   ->   routes: [{path: /, upstream: hello}]
   *                                        upstreams: {hello: {app: hello}}
   * }</pre>
   */
  public GatewaySpec resolveApps() {
    if (routes.stream().noneMatch(Route::namesOnlyApp)) {
      return this;
    }
    LinkedHashMap<String, Upstream> resolved = new LinkedHashMap<>(upstreams);
    List<Route> out = new ArrayList<>(routes.size());
    for (Route r : routes) {
      if (r.namesOnlyApp()) {
        resolved.putIfAbsent(r.app(), Upstream.ofApp(r.app()));
        out.add(new Route(r.path(), r.host(), r.app(), null, r.stripPrefix(), r.rateLimit(), r.retryNonIdempotent()));
      } else {
        out.add(r);
      }
    }
    return new GatewaySpec(listen, trustedProxies, out, resolved, rateLimit, limits);
  }

  /**
   * The upstreams whose servers are an app's instances, after {@link #resolveApps}: upstream name to
   * app name, in file order. These are the upstreams to feed with {@link Gateway#setMembers}.
   */
  public Map<String, String> appUpstreams() {
    Map<String, String> out = new LinkedHashMap<>();
    resolveApps().upstreams.forEach((name, u) -> {
      if (u.app() != null) {
        out.put(name, u.app());
      }
    });
    return Collections.unmodifiableMap(out);
  }

  /**
   * One entry of {@code routes:}. A request matches when its path starts with {@code path} and, if
   * {@code host} is set, its {@code Host} (without port, case-insensitive) equals it.
   *
   * @param path the path prefix, starting with {@code /}; required. A prefix ends at a segment
   *     boundary: {@code /api} matches {@code /api} and {@code /api/users} but not {@code /apix};
   *     {@code /api/} matches {@code /api/users}; {@code /} matches everything
   * @param host the virtual host this route is for (default: any host)
   * @param upstream the name of an upstream of this config; this or {@code app} is required
   * @param app shorthand for an upstream of the READY instances of this supervised app: the route
   *     goes to upstream {@code app}, which gets every default when the config has no upstream of
   *     that name (see {@link GatewaySpec#resolveApps}); instead of {@code upstream} (default none)
   * @param stripPrefix remove {@code path} from the request path before forwarding ({@code /api/users}
   *     reaches the upstream as {@code /users}; default false)
   * @param rateLimit a limit per client IP on this route, on top of the gateway-wide one (default
   *     none)
   * @param retryNonIdempotent also retry {@code POST} and {@code PATCH} requests once they have been
   *     sent (default false: only idempotent methods, GET, HEAD, OPTIONS, PUT, DELETE, TRACE, are;
   *     a try that failed before a byte was sent is retried whatever the method)
   */
  public record Route(
      @NotNull String path,
      String host,
      String upstream,
      String app,
      @JsonProperty("strip_prefix") boolean stripPrefix,
      @JsonProperty("rate_limit") @Valid RateLimit rateLimit,
      @JsonProperty("retry_non_idempotent") boolean retryNonIdempotent) {
    /** A route to a named upstream, as before routes could name an app. */
    public Route(String path, String host, String upstream, boolean stripPrefix, RateLimit rateLimit,
        boolean retryNonIdempotent) {
      this(path, host, upstream, null, stripPrefix, rateLimit, retryNonIdempotent);
    }

    /** A route for any host, without prefix stripping, rate limit or retries of unsafe methods. */
    public static Route of(String path, String upstream) {
      return new Route(path, null, upstream, false, null, false);
    }

    /** As {@link #of}, to the READY instances of app {@code app} (see {@link #app}). */
    public static Route ofApp(String path, String app) {
      return new Route(path, null, null, app, false, null, false);
    }

    /** Binds YAML, where a missing flag is false. */
    @JsonCreator
    static Route bind(
        @JsonProperty("path") String path,
        @JsonProperty("host") String host,
        @JsonProperty("upstream") String upstream,
        @JsonProperty("app") String app,
        @JsonProperty("strip_prefix") Boolean stripPrefix,
        @JsonProperty("rate_limit") RateLimit rateLimit,
        @JsonProperty("retry_non_idempotent") Boolean retryNonIdempotent) {
      return new Route(path, host, upstream, app, Boolean.TRUE.equals(stripPrefix), rateLimit,
          Boolean.TRUE.equals(retryNonIdempotent));
    }

    /** Whether {@link #resolveApps} turns this route's app into its upstream. */
    private boolean namesOnlyApp() {
      return app != null && upstream == null;
    }
  }

  /**
   * One entry of {@code upstreams:}: a group of interchangeable servers and how to use them.
   *
   * @param servers the servers; at least one that is not a backup, unless {@code app} is set, and then
   *     none
   * @param app the supervised app whose READY instances are the servers, set at run time through
   *     {@link Gateway#setMembers}; an upstream of an app starts with no server, answering 503
   *     until its first instances are set, and keeps them across reloads that keep its app (default
   *     none: the servers are {@code servers})
   * @param balance how a server is chosen among the usable ones (default {@code round_robin}, which
   *     ignores weights; {@code weighted} is nginx's weighted round robin)
   * @param health active health checks (default none: only passive {@code outlier} detection; the
   *     registry's readiness still applies to supervised servers)
   * @param outlier passive health: ejecting servers that fail real requests (defaults in {@link
   *     Outlier})
   * @param slowStart a server that joins or comes back from an ejection gets a share of traffic
   *     growing to its full weight over this time, so a cold JVM is not flooded (default 0s: off;
   *     {@link #APP_SLOW_START} for an upstream of an app, whose members are new processes that
   *     join while serving: a just-restarted JVM answers its first requests slowly)
   * @param connectTimeout how long to wait for a TCP connection to a server (default 1s)
   * @param timeout how long the upstream has to start answering, all tries included; then 504
   *     (default 15s, Envoy's route timeout)
   * @param retries how failed requests are tried again on another server (defaults in {@link
   *     Retries})
   * @param circuitBreaker when to refuse requests at once instead of queueing them (defaults in
   *     {@link CircuitBreaker})
   * @param keepalive the pool of idle connections kept open to each server (defaults in {@link
   *     Keepalive})
   */
  public record Upstream(
      List<@Valid ServerEntry> servers,
      String app,
      Balance balance,
      @Valid Health health,
      @Valid Outlier outlier,
      @JsonProperty("slow_start") Duration slowStart,
      @JsonProperty("connect_timeout") Duration connectTimeout,
      Duration timeout,
      @Valid Retries retries,
      @JsonProperty("circuit_breaker") @Valid CircuitBreaker circuitBreaker,
      @Valid Keepalive keepalive) {
    /** The default {@code slow_start} of an upstream of an app. */
    public static final Duration APP_SLOW_START = Duration.ofSeconds(10);

    /** Fills in the defaults. */
    public Upstream {
      servers = servers == null ? List.of() : List.copyOf(servers);
      balance = balance == null ? Balance.ROUND_ROBIN : balance;
      outlier = outlier == null ? Outlier.DEFAULT : outlier;
      slowStart = slowStart != null ? slowStart : app != null ? APP_SLOW_START : Duration.ZERO;
      connectTimeout = connectTimeout == null ? Duration.ofSeconds(1) : connectTimeout;
      timeout = timeout == null ? Duration.ofSeconds(15) : timeout;
      retries = retries == null ? Retries.DEFAULT : retries;
      circuitBreaker = circuitBreaker == null ? CircuitBreaker.DEFAULT : circuitBreaker;
      keepalive = keepalive == null ? Keepalive.DEFAULT : keepalive;
    }

    /** An upstream of servers from the config, as before upstreams could be of an app. */
    public Upstream(List<ServerEntry> servers, Balance balance, Health health, Outlier outlier, Duration slowStart,
        Duration connectTimeout, Duration timeout, Retries retries, CircuitBreaker circuitBreaker,
        Keepalive keepalive) {
      this(servers, null, balance, health, outlier, slowStart, connectTimeout, timeout, retries, circuitBreaker,
          keepalive);
    }

    /** An upstream of these servers with every default. */
    public static Upstream of(List<ServerEntry> servers) {
      return new Upstream(servers, null, null, null, null, null, null, null, null, null, null);
    }

    /** An upstream of the READY instances of app {@code app}, with every default. */
    public static Upstream ofApp(String app) {
      return new Upstream(null, app, null, null, null, null, null, null, null, null, null);
    }
  }

  /**
   * {@code balance:} how an upstream chooses among its usable servers. Written as one word, or
   * {@code hash(header:NAME)} / {@code hash(cookie:NAME)} for affinity by a header's or a cookie's
   * value; {@link #parse} lists the forms.
   *
   * @param kind the algorithm
   * @param header the header to hash on, for {@link Kind#HASH} only (else null)
   * @param cookie the cookie to hash on, for {@link Kind#HASH} only (else null)
   */
  @JsonDeserialize(using = Values.BalanceForm.class)
  public record Balance(Kind kind, String header, String cookie) {
    /** The default: plain round robin. */
    public static final Balance ROUND_ROBIN = new Balance(Kind.ROUND_ROBIN, null, null);

    /** What {@link #parse} reads, for messages. */
    static final String FORMS =
        "one of round_robin, weighted, least_conn, ip_hash, hash(header:NAME), hash(cookie:NAME), p2c, ewma";

    /**
     * Checks that a {@link Kind#HASH} has exactly one of header and cookie, a non-empty token, and
     * that other kinds have neither.
     */
    public Balance {
      Objects.requireNonNull(kind, "kind");
      if (kind == Kind.HASH) {
        if ((header == null) == (cookie == null)) {
          throw new IllegalArgumentException("hash: header " + header + ", cookie " + cookie
              + " (expected: exactly one of header and cookie)");
        }
        String name = header != null ? header : cookie;
        if (!isToken(name)) {
          throw new IllegalArgumentException("hash: '" + name + "' (expected: a header or cookie name)");
        }
      } else if (header != null || cookie != null) {
        throw new IllegalArgumentException(
            kind + ": header " + header + ", cookie " + cookie + " (expected: neither, they are for HASH)");
      }
    }

    /** A balancer without parameters; {@link #hashHeader} and {@link #hashCookie} make the others. */
    public static Balance of(Kind kind) {
      return new Balance(kind, null, null);
    }

    /** Consistent hashing on the value of request header {@code name}. */
    public static Balance hashHeader(String name) {
      return new Balance(Kind.HASH, name, null);
    }

    /** Consistent hashing on the value of cookie {@code name}. */
    public static Balance hashCookie(String name) {
      return new Balance(Kind.HASH, null, name);
    }

    /**
     * Parses {@code round_robin}, {@code weighted}, {@code least_conn}, {@code ip_hash}, {@code
     * hash(header:NAME)}, {@code hash(cookie:NAME)}, {@code p2c} or {@code ewma}; lower case, as
     * written.
     *
     * @throws IllegalArgumentException naming the value and listing the forms
     */
    public static Balance parse(String s) {
      for (Kind k : Kind.values()) {
        if (k != Kind.HASH && k.configName().equals(s)) {
          return of(k);
        }
      }
      if (s.startsWith("hash(") && s.endsWith(")")) {
        String inner = s.substring("hash(".length(), s.length() - 1);
        int colon = inner.indexOf(':');
        String name = colon < 0 ? "" : inner.substring(colon + 1);
        if (isToken(name)) {
          switch (inner.substring(0, colon)) {
            case "header" -> {
              return hashHeader(name);
            }
            case "cookie" -> {
              return hashCookie(name);
            }
            default -> {
              // Falls through to the error below.
            }
          }
        }
      }
      throw new IllegalArgumentException("'" + s + "' (expected: " + FORMS + ")");
    }

    private static boolean isToken(String s) {
      return !s.isEmpty() && s.chars().allMatch(c -> Tokens.isTokenChar((char) c));
    }

    /** The form {@link #parse} reads: {@code least_conn}, {@code hash(cookie:session)}. */
    @Override
    public String toString() {
      if (kind != Kind.HASH) {
        return kind.configName();
      }
      return header != null ? "hash(header:" + header + ")" : "hash(cookie:" + cookie + ")";
    }

    /** The algorithms. */
    public enum Kind {
      /** Each usable server in turn, weights ignored. */
      ROUND_ROBIN,
      /** nginx's smooth weighted round robin: shares by weight, interleaved. */
      WEIGHTED,
      /** The fewest requests in flight for its weight (HAProxy's {@code leastconn}). */
      LEAST_CONN,
      /** The client network keeps its server (nginx's {@code ip_hash}). */
      IP_HASH,
      /** Consistent hashing on a header's or a cookie's value. */
      HASH,
      /** The better of two random servers by requests in flight: least_conn without the herd. */
      P2C,
      /** The better of two random servers by peak-EWMA latency times load (Finagle's). */
      EWMA;

      /** The name written in YAML: {@code least_conn}. */
      public String configName() {
        return name().toLowerCase(Locale.ROOT);
      }
    }
  }

  /**
   * One entry of {@code servers:}, written {@code "127.0.0.1:9001"} or {@code {address:
   * "127.0.0.1:9001", weight: 2, backup: true}}.
   *
   * @param address {@code HOST:PORT}, IPv6 hosts in brackets, port 1-65535; required, once per
   *     upstream
   * @param weight its share relative to the others, 1-1000, for the balancers that weigh (default 1)
   * @param backup used only while no other server is usable (default false)
   */
  @JsonDeserialize(using = Values.Server.class)
  public record ServerEntry(
      @NotNull String address,
      @Min(1) @Max(1000) int weight,
      boolean backup) {
    /** The string form: weight 1, not a backup. */
    public static ServerEntry of(String address) {
      return new ServerEntry(address, 1, false);
    }

    /**
     * The mapping form as written, before defaults.
     *
     * @param address as in {@link ServerEntry}
     * @param weight as in {@link ServerEntry}, null for the default
     * @param backup as in {@link ServerEntry}, null for the default
     */
    record Written(String address, Integer weight, Boolean backup) {
      /** With the defaults of the keys left out. */
      ServerEntry entry() {
        return new ServerEntry(address, weight == null ? 1 : weight, Boolean.TRUE.equals(backup));
      }
    }
  }

  /**
   * {@code health:} active checks of each server, HAProxy style: a server is taken out after {@code
   * fall} failed checks in a row and put back after {@code rise} passed ones.
   *
   * @param http a path probed with {@code GET}; 2xx and 3xx pass (default: none, a TCP connect
   *     check)
   * @param interval time between checks of one server (default 2s, HAProxy's)
   * @param timeout a check slower than this fails; at most {@code interval} (default 1s)
   * @param rise passed checks in a row that bring a server back (default 2, HAProxy's)
   * @param fall failed checks in a row that take a server out (default 3, HAProxy's)
   */
  public record Health(
      String http,
      Duration interval,
      Duration timeout,
      @Min(1) int rise,
      @Min(1) int fall) {
    /** A TCP connect check with the default timing. */
    public static final Health DEFAULT = new Health(null, Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3);

    /** Fills in the defaults. */
    public Health {
      interval = interval == null ? DEFAULT.interval : interval;
      timeout = timeout == null ? DEFAULT.timeout : timeout;
    }

    /** Binds YAML, where missing keys take their defaults. */
    @JsonCreator
    static Health bind(
        @JsonProperty("http") String http,
        @JsonProperty("interval") Duration interval,
        @JsonProperty("timeout") Duration timeout,
        @JsonProperty("rise") Integer rise,
        @JsonProperty("fall") Integer fall) {
      return new Health(http, interval, timeout,
          rise == null ? DEFAULT.rise : rise, fall == null ? DEFAULT.fall : fall);
    }
  }

  /**
   * {@code outlier:} passive health, Envoy style: a server whose requests fail {@code
   * consecutive_failures} times in a row (connection errors, timeouts, 5xx) is ejected for {@code
   * base_ejection} times the number of its recent ejections (at most 10 times). The defaults are quicker than Envoy's
   * (5 failures, 30s) because the usual outlier here is an instance that is restarting: it is back
   * within seconds, and 30s away would leave its share on the others for long after.
   *
   * @param consecutiveFailures failures in a row that eject (default 3)
   * @param baseEjection the first ejection's length (default 5s)
   * @param maxEjectionPercent at most this share of the upstream's servers is ejected at once, so a
   *     failing backend dependency cannot empty the upstream; 0 turns ejection off, 0-100 (default
   *     50)
   */
  public record Outlier(
      @JsonProperty("consecutive_failures") @Min(1) int consecutiveFailures,
      @JsonProperty("base_ejection") Duration baseEjection,
      @JsonProperty("max_ejection_percent") @Min(0) @Max(100) int maxEjectionPercent) {
    /** Every default. */
    public static final Outlier DEFAULT = new Outlier(3, Duration.ofSeconds(5), 50);

    /** Fills in the default. */
    public Outlier {
      baseEjection = baseEjection == null ? DEFAULT.baseEjection : baseEjection;
    }

    /** Binds YAML, where missing keys take their defaults. */
    @JsonCreator
    static Outlier bind(
        @JsonProperty("consecutive_failures") Integer consecutiveFailures,
        @JsonProperty("base_ejection") Duration baseEjection,
        @JsonProperty("max_ejection_percent") @JsonDeserialize(using = Values.Percent.class)
            Integer maxEjectionPercent) {
      return new Outlier(
          consecutiveFailures == null ? DEFAULT.consecutiveFailures : consecutiveFailures,
          baseEjection,
          maxEjectionPercent == null ? DEFAULT.maxEjectionPercent : maxEjectionPercent);
    }
  }

  /**
   * {@code retries:} trying a failed request again on another server, never once the response has
   * started, and after the request was sent only for idempotent methods (see {@link
   * Route#retryNonIdempotent}).
   *
   * @param attempts retries after the first try (Istio's meaning: 2 is up to 3 tries), 0-10
   *     (default 2)
   * @param perTryTimeout the limit of one try, at most the upstream's {@code timeout} (default none:
   *     only the upstream's {@code timeout})
   * @param budgetPercent retries in flight may be at most this share of the requests in flight (3
   *     are always allowed), so retries cannot multiply the load of an overloaded upstream, 0-100
   *     (default 20, Envoy's retry budget)
   */
  public record Retries(
      @Min(0) @Max(10) int attempts,
      @JsonProperty("per_try_timeout") Duration perTryTimeout,
      @JsonProperty("budget_percent") @Min(0) @Max(100) int budgetPercent) {
    /** Every default. */
    public static final Retries DEFAULT = new Retries(2, null, 20);

    /** Binds YAML, where missing keys take their defaults. */
    @JsonCreator
    static Retries bind(
        @JsonProperty("attempts") Integer attempts,
        @JsonProperty("per_try_timeout") Duration perTryTimeout,
        @JsonProperty("budget_percent") @JsonDeserialize(using = Values.Percent.class) Integer budgetPercent) {
      return new Retries(
          attempts == null ? DEFAULT.attempts : attempts,
          perTryTimeout,
          budgetPercent == null ? DEFAULT.budgetPercent : budgetPercent);
    }
  }

  /**
   * {@code circuit_breaker:} refusing at once (503) rather than queueing, when an upstream is
   * saturated or failing.
   *
   * @param maxConnections connections open to the whole upstream (in use and idle), at least 1; a
   *     request that finds no idle connection when the upstream is at this limit is refused at once
   *     with 503, not queued (default 1024)
   * @param maxPending requests waiting for a new upstream connection to be established, 0 for
   *     none; over it requests are refused with 503 (default 1024)
   * @param failureRate when this share of the upstream's recent requests failed (5xx, connect
   *     failures, resets, timeouts), the circuit opens and requests are refused until probes pass,
   *     1-100 (default 50)
   */
  public record CircuitBreaker(
      @JsonProperty("max_connections") @Min(1) int maxConnections,
      @JsonProperty("max_pending") @Min(0) int maxPending,
      @JsonProperty("failure_rate") @Min(1) @Max(100) int failureRate) {
    /** Every default. */
    public static final CircuitBreaker DEFAULT = new CircuitBreaker(1024, 1024, 50);

    /** Binds YAML, where missing keys take their defaults. */
    @JsonCreator
    static CircuitBreaker bind(
        @JsonProperty("max_connections") Integer maxConnections,
        @JsonProperty("max_pending") Integer maxPending,
        @JsonProperty("failure_rate") @JsonDeserialize(using = Values.Percent.class) Integer failureRate) {
      return new CircuitBreaker(
          maxConnections == null ? DEFAULT.maxConnections : maxConnections,
          maxPending == null ? DEFAULT.maxPending : maxPending,
          failureRate == null ? DEFAULT.failureRate : failureRate);
    }
  }

  /**
   * {@code keepalive:} idle connections kept open to each server, so most requests skip the TCP
   * handshake.
   *
   * @param maxIdle idle connections kept per server, 0 to close each after its response (default
   *     64)
   * @param idleTimeout an idle connection is closed after this; keep it below the servers' own idle
   *     timeout, or they close first and a request may race the close (default 60s)
   */
  public record Keepalive(
      @JsonProperty("max_idle") @Min(0) int maxIdle,
      @JsonProperty("idle_timeout") Duration idleTimeout) {
    /** Every default. */
    public static final Keepalive DEFAULT = new Keepalive(64, Duration.ofSeconds(60));

    /** Fills in the default. */
    public Keepalive {
      idleTimeout = idleTimeout == null ? DEFAULT.idleTimeout : idleTimeout;
    }

    /** Binds YAML, where missing keys take their defaults. */
    @JsonCreator
    static Keepalive bind(
        @JsonProperty("max_idle") Integer maxIdle,
        @JsonProperty("idle_timeout") Duration idleTimeout) {
      return new Keepalive(maxIdle == null ? DEFAULT.maxIdle : maxIdle, idleTimeout);
    }
  }

  /**
   * {@code rate_limit:} a token bucket per client IP (the peer, or the forwarded address from a
   * trusted proxy; IPv6 clients per /64); a request without a token gets 429.
   *
   * @param perSecond tokens added per second, more than 0; written {@code per_ip: 100/s}, {@code
   *     6000/m} or {@code 10/h}, decimals allowed; required
   * @param burst the bucket's size: requests a client may send at once after a quiet spell, at least
   *     1 (default the rate per second rounded up, at least 1)
   */
  public record RateLimit(
      @JsonProperty("per_ip") double perSecond,
      @Min(1) int burst) {
    /** The default burst for a rate: one second's worth, at least 1. */
    public static int defaultBurst(double perSecond) {
      return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.ceil(perSecond)));
    }

    /**
     * Binds YAML, where a missing burst takes its default.
     *
     * @throws IllegalArgumentException when the rate is missing
     */
    @JsonCreator
    static RateLimit bind(
        @JsonProperty("per_ip") @JsonDeserialize(using = Values.Rate.class) Double perSecond,
        @JsonProperty("burst") Integer burst) {
      if (perSecond == null) {
        throw new IllegalArgumentException("no per_ip (expected: per_ip, a rate like 100/s)");
      }
      return new RateLimit(perSecond, burst == null ? defaultBurst(perSecond) : burst);
    }

    /** The rate as config writes it: {@code 100/s}, {@code 1/m}. */
    public String rate() {
      return Values.rate(perSecond);
    }
  }

  /**
   * {@code limits:} what one client connection may use, the gateway's first defense against slow
   * or hostile clients.
   *
   * @param maxConnections client connections open at once; at the cap the gateway stops accepting,
   *     so more wait in the kernel's backlog and are served as connections close (default 10000)
   * @param headerTimeout a request head must arrive within this, against slowloris (default 10s)
   * @param idleTimeout a keep-alive connection without a request is closed after this (default 60s)
   * @param maxHeaderSize the request head's size; larger gets 431 (default 16KiB)
   * @param maxUriLength the request line's URI length; longer gets 414 (default 8KiB)
   */
  public record Limits(
      @JsonProperty("max_connections") @Min(1) int maxConnections,
      @JsonProperty("header_timeout") Duration headerTimeout,
      @JsonProperty("idle_timeout") Duration idleTimeout,
      @JsonProperty("max_header_size") DataSize maxHeaderSize,
      @JsonProperty("max_uri_length") DataSize maxUriLength) {
    /** Every default. */
    public static final Limits DEFAULT = new Limits(
        10_000, Duration.ofSeconds(10), Duration.ofSeconds(60), new DataSize(16 << 10), new DataSize(8 << 10));

    /** Fills in the defaults. */
    public Limits {
      headerTimeout = headerTimeout == null ? DEFAULT.headerTimeout : headerTimeout;
      idleTimeout = idleTimeout == null ? DEFAULT.idleTimeout : idleTimeout;
      maxHeaderSize = maxHeaderSize == null ? DEFAULT.maxHeaderSize : maxHeaderSize;
      maxUriLength = maxUriLength == null ? DEFAULT.maxUriLength : maxUriLength;
    }

    /** Binds YAML, where missing keys take their defaults. */
    @JsonCreator
    static Limits bind(
        @JsonProperty("max_connections") Integer maxConnections,
        @JsonProperty("header_timeout") Duration headerTimeout,
        @JsonProperty("idle_timeout") Duration idleTimeout,
        @JsonProperty("max_header_size") DataSize maxHeaderSize,
        @JsonProperty("max_uri_length") DataSize maxUriLength) {
      return new Limits(maxConnections == null ? DEFAULT.maxConnections : maxConnections,
          headerTimeout, idleTimeout, maxHeaderSize, maxUriLength);
    }
  }
}
