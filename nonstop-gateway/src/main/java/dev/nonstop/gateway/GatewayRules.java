package dev.nonstop.gateway;

import dev.nonstop.core.DataSize;
import dev.nonstop.core.Durations;
import dev.nonstop.core.HostPort;
import dev.nonstop.core.config.ConfigProblem;
import dev.nonstop.gateway.GatewaySpec.Balance;
import dev.nonstop.gateway.GatewaySpec.Health;
import dev.nonstop.gateway.GatewaySpec.Limits;
import dev.nonstop.gateway.GatewaySpec.RateLimit;
import dev.nonstop.gateway.GatewaySpec.Route;
import dev.nonstop.gateway.GatewaySpec.ServerEntry;
import dev.nonstop.gateway.GatewaySpec.Upstream;
import dev.nonstop.web.http.Trusted;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rules of a {@link GatewaySpec} that span keys or that its constraint annotations cannot say:
 * routes that name known upstreams (or apps) and do not repeat each other, upstreams of either
 * servers or an app, addresses, timeouts that fit inside each other, rates. Each broken rule is one
 * {@link ConfigProblem} at the key to fix, with the key path in YAML names; the config loader
 * reports the first in file order.
 *
 * <p>Tolerates values the annotations forbid (a weight of 0 is bean validation's to report), so it
 * can run on whatever was bound.
 *
 * <pre>{@code
 * ConfigLoader.load(file, GatewayConfig.class, c -> GatewayRules.check(c.gateway(), "gateway"));
 * }</pre>
 */
public final class GatewayRules {
  /** Netty reads these limits as ints. */
  private static final DataSize MAX_SIZE = new DataSize(1L << 30);

  private GatewayRules() {}

  /**
   * The problems of {@code spec}, in no particular order.
   *
   * @param prefix the key path of the spec in its file ({@code gateway}), or {@code ""} for the root
   */
  public static List<ConfigProblem> check(GatewaySpec spec, String prefix) {
    List<ConfigProblem> out = new ArrayList<>();
    hostPort(out, child(prefix, "listen"), spec.listen(), 0);
    List<String> proxies = spec.trustedProxies();
    for (int i = 0; i < proxies.size(); i++) {
      try {
        new Trusted(List.of(proxies.get(i)));
      } catch (IllegalArgumentException e) {
        out.add(new ConfigProblem(child(prefix, "trusted_proxies") + "[" + i + "]", withoutKey(e.getMessage())));
      }
    }
    Map<String, Upstream> upstreams = spec.upstreams();
    // Routes may name the upstreams that other routes' app implies.
    Map<String, Upstream> resolved = spec.resolveApps().upstreams();
    routes(out, prefix, spec.routes(), upstreams, resolved);
    if (resolved.isEmpty()) {
      out.add(new ConfigProblem(child(prefix, "upstreams"), "none (expected: at least one upstream)"));
    }
    upstreams.forEach((name, u) -> upstream(out, child(child(prefix, "upstreams"), name), u));
    rateLimit(out, child(prefix, "rate_limit"), spec.rateLimit());
    limits(out, child(prefix, "limits"), spec.limits());
    return out;
  }

  /**
   * The problems of a server list set at run time ({@link Gateway#setMembers}), with key paths
   * {@code servers[i].address}: what the config's rules and annotations say of servers, short of
   * judging weights by the balancer (an app's instances do not know the upstream's).
   */
  static List<ConfigProblem> members(List<ServerEntry> servers) {
    List<ConfigProblem> out = new ArrayList<>();
    for (int i = 0; i < servers.size(); i++) {
      ServerEntry s = servers.get(i);
      if (s.address() == null) {
        out.add(new ConfigProblem("servers[" + i + "].address", "missing (expected: HOST:PORT)"));
      }
      if (s.weight() < 1 || s.weight() > 1000) {
        out.add(new ConfigProblem("servers[" + i + "].weight", s.weight() + " (expected: 1-1000)"));
      }
    }
    addresses(out, "servers", servers);
    return out;
  }

  private static void routes(List<ConfigProblem> out, String prefix, List<Route> routes,
      Map<String, Upstream> upstreams, Map<String, Upstream> resolved) {
    String at = child(prefix, "routes");
    if (routes.isEmpty()) {
      out.add(new ConfigProblem(at, "none (expected: at least one route)"));
    }
    // host (lower case, "" for any) + " " + path -> the first route's key path
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; i < routes.size(); i++) {
      Route r = routes.get(i);
      String routeAt = at + "[" + i + "]";
      // A missing path is bean validation's to report; a missing upstream is ours, as app may stand
      // for it.
      if (r.path() != null && !r.path().startsWith("/")) {
        out.add(new ConfigProblem(routeAt + ".path", "'" + r.path() + "' (expected: a path starting with /)"));
      } else if (r.path() != null) {
        String host = r.host() == null ? "" : r.host().toLowerCase(Locale.ROOT);
        String first = seen.putIfAbsent(host + " " + r.path(), routeAt);
        if (first != null) {
          out.add(new ConfigProblem(routeAt + ".path", "'" + r.path() + "' for "
              + (r.host() == null ? "any host" : "host '" + r.host() + "'") + ", the same as " + first
              + " (expected: each host and path once)"));
        }
      }
      if (r.upstream() != null && r.app() != null) {
        out.add(new ConfigProblem(routeAt + ".app", "'" + r.app() + "' with upstream '" + r.upstream()
            + "' (expected: either upstream or app, not both)"));
      } else if (r.upstream() == null && r.app() == null) {
        out.add(new ConfigProblem(routeAt + ".upstream",
            "missing (expected: upstream: NAME, or app: NAME for the READY instances of an app)"));
      } else if (r.upstream() != null && !resolved.containsKey(r.upstream())) {
        out.add(new ConfigProblem(routeAt + ".upstream", "'" + r.upstream() + "' (expected: "
            + (resolved.isEmpty() ? "an upstream, there are none" : "one of " + String.join(", ", resolved.keySet()))
            + ")"));
      } else if (r.app() != null) {
        routeApp(out, routeAt + ".app", r.app(), upstreams, child(prefix, "upstreams"));
      }
      rateLimit(out, routeAt + ".rate_limit", r.rateLimit());
    }
  }

  // A route's app: X stands for upstream X, so an upstream X of the config must be of app X too.
  private static void routeApp(List<ConfigProblem> out, String at, String app, Map<String, Upstream> upstreams,
      String upstreamsAt) {
    if (app.isBlank()) {
      out.add(new ConfigProblem(at, "'" + app + "' (expected: the name of an app)"));
      return;
    }
    Upstream same = upstreams.get(app);
    if (same != null && !app.equals(same.app())) {
      out.add(new ConfigProblem(at, "'" + app + "', but " + child(upstreamsAt, app) + " is "
          + (same.app() == null ? "a list of servers" : "of app '" + same.app() + "'")
          + " (expected: upstream: " + app + ", or app: " + app + " in " + child(upstreamsAt, app) + ")"));
    }
  }

  private static void upstream(List<ConfigProblem> out, String at, Upstream u) {
    List<ServerEntry> servers = u.servers();
    if (u.app() != null) {
      if (u.app().isBlank()) {
        out.add(new ConfigProblem(at + ".app", "'" + u.app() + "' (expected: the name of an app)"));
      } else if (!servers.isEmpty()) {
        out.add(new ConfigProblem(at + ".app", "'" + u.app() + "' and " + servers.size() + " server"
            + (servers.size() == 1 ? "" : "s") + " (expected: either servers or app; an app's servers are its "
            + "READY instances)"));
      }
    } else if (servers.isEmpty()) {
      out.add(new ConfigProblem(at + ".servers",
          "empty (expected: at least one server, or app: NAME for the READY instances of an app)"));
    } else if (servers.stream().allMatch(ServerEntry::backup)) {
      out.add(new ConfigProblem(at + ".servers",
          "only backup servers (expected: at least one server without backup: true)"));
    }
    addresses(out, at + ".servers", servers);
    for (int i = 0; i < servers.size(); i++) {
      ServerEntry s = servers.get(i);
      if (u.balance().kind() == Balance.Kind.ROUND_ROBIN && s.weight() != 1 && s.weight() >= 1 && s.weight() <= 1000) {
        out.add(new ConfigProblem(at + ".servers[" + i + "].weight", s.weight()
            + " with balance round_robin, which ignores weights (expected: 1, or balance: weighted)"));
      }
    }
    Health h = u.health();
    if (h != null) {
      String healthAt = at + ".health";
      if (h.http() != null && !h.http().startsWith("/")) {
        out.add(new ConfigProblem(healthAt + ".http", "'" + h.http() + "' (expected: a path starting with /)"));
      }
      positive(out, healthAt + ".interval", h.interval());
      if (positive(out, healthAt + ".timeout", h.timeout()) && h.timeout().compareTo(h.interval()) > 0) {
        out.add(new ConfigProblem(healthAt + ".timeout", Durations.format(h.timeout())
            + " (expected: <= interval " + Durations.format(h.interval()) + ")"));
      }
    }
    positive(out, at + ".outlier.base_ejection", u.outlier().baseEjection());
    positive(out, at + ".connect_timeout", u.connectTimeout());
    positive(out, at + ".timeout", u.timeout());
    Duration perTry = u.retries().perTryTimeout();
    if (perTry != null && positive(out, at + ".retries.per_try_timeout", perTry)
        && perTry.compareTo(u.timeout()) > 0) {
      out.add(new ConfigProblem(at + ".retries.per_try_timeout", Durations.format(perTry)
          + " (expected: <= timeout " + Durations.format(u.timeout()) + ")"));
    }
    positive(out, at + ".keepalive.idle_timeout", u.keepalive().idleTimeout());
  }

  /** Each address is HOST:PORT and appears once; {@code at} is the list's key path. Missing addresses are skipped. */
  private static void addresses(List<ConfigProblem> out, String at, List<ServerEntry> servers) {
    // Normalized address -> index of its first entry.
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < servers.size(); i++) {
      ServerEntry s = servers.get(i);
      String serverAt = at + "[" + i + "]";
      HostPort a = s.address() == null ? null : hostPort(out, serverAt + ".address", s.address(), 1);
      if (a != null) {
        Integer first = seen.putIfAbsent(identity(a), i);
        if (first != null) {
          out.add(new ConfigProblem(serverAt + ".address", "'" + s.address() + "', the same as "
              + at + "[" + first + "] (expected: each server once)"));
        }
      }
    }
  }

  private static void rateLimit(List<ConfigProblem> out, String at, RateLimit r) {
    if (r != null && !(r.perSecond() > 0 && Double.isFinite(r.perSecond()))) {
      out.add(new ConfigProblem(at + ".per_ip", r.rate() + " (expected: > 0)"));
    }
  }

  private static void limits(List<ConfigProblem> out, String at, Limits l) {
    positive(out, at + ".header_timeout", l.headerTimeout());
    positive(out, at + ".idle_timeout", l.idleTimeout());
    size(out, at + ".max_header_size", l.maxHeaderSize());
    size(out, at + ".max_uri_length", l.maxUriLength());
  }

  private static void size(List<ConfigProblem> out, String at, DataSize s) {
    if (s.bytes() < 1 || s.bytes() > MAX_SIZE.bytes()) {
      out.add(new ConfigProblem(at, s + " (expected: 1B to " + MAX_SIZE + ")"));
    }
  }

  /** Whether {@code d} is more than 0; if not, says so. */
  private static boolean positive(List<ConfigProblem> out, String at, Duration d) {
    if (d.isNegative() || d.isZero()) {
      out.add(new ConfigProblem(at, Durations.format(d) + " (expected: > 0)"));
      return false;
    }
    return true;
  }

  /** The parsed address, or null after reporting why it is not one with a port from {@code minPort}. */
  private static HostPort hostPort(List<ConfigProblem> out, String at, String s, int minPort) {
    try {
      HostPort a = HostPort.parse(s);
      if (a.port() >= minPort) {
        return a;
      }
    } catch (IllegalArgumentException e) {
      // Reported below, with this key's port range.
    }
    out.add(new ConfigProblem(at, "'" + s + "' (expected: HOST:PORT like 127.0.0.1:8080 or [::1]:8080, port "
        + minPort + "-65535)"));
    return null;
  }

  /** One spelling per server: IP literals by their bytes ({@code [::1]} is {@code [0:0::1]}), names in lower case. */
  private static String identity(HostPort a) {
    InetAddress ip = Trusted.literal(a.host());
    return (ip != null ? Trusted.text(ip) : a.host().toLowerCase(Locale.ROOT)) + " " + a.port();
  }

  /** Trusted's message without its own key: {@code '10.0.0.300' (expected: ...)}. */
  private static String withoutKey(String message) {
    int quote = message.indexOf('\'');
    return quote < 0 ? message : message.substring(quote);
  }

  private static String child(String prefix, String key) {
    return prefix.isEmpty() ? key : prefix + "." + key;
  }
}
