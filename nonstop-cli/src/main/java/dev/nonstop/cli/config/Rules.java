package dev.nonstop.cli.config;

import dev.nonstop.core.DataSize;
import dev.nonstop.core.Durations;
import dev.nonstop.core.HostPort;
import dev.nonstop.core.config.ConfigProblem;
import dev.nonstop.gateway.GatewayRules;
import dev.nonstop.gateway.GatewaySpec;
import dev.nonstop.supervisor.AppSpec;
import dev.nonstop.supervisor.AppSpec.ProbeSpec;
import dev.nonstop.web.http.Trusted;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules of {@code nonstop.yaml} that span keys or that the record annotations cannot say:
 * probes, port ranges, dependencies, durations that must be positive; and of {@code gateway.yaml},
 * those beyond {@link GatewayRules}. Each broken rule is one {@link ConfigProblem} at the key to
 * fix; the loader reports the first in file order.
 *
 * <p>Runs even when bean validation failed, so every rule tolerates values its annotations forbid
 * (an out-of-range port is bean validation's to report, not a range overlap).
 */
final class Rules {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
  private static final DataSize MIN_LOG_SIZE = new DataSize(1024);

  private Rules() {}

  /** The problems of {@code config}, whose relative paths are relative to {@code base}. */
  static List<ConfigProblem> check(NonstopConfig config, Path base) {
    List<ConfigProblem> out = new ArrayList<>();
    Map<String, AppSpec> apps = config.apps();
    if (apps.isEmpty()) {
      out.add(new ConfigProblem("apps", "none (expected: at least one app)"));
    }
    apps.forEach((name, app) -> app(out, name, app, apps.keySet(), base));
    ports(out, apps, config.admin());
    cycles(out, apps);
    HostPort admin = admin(out, config.admin());
    if (config.gateway() != null) {
      gatewayOfApps(out, config.gateway(), apps);
      sharedPort(out, config.gateway(), admin, config.admin());
    }
    return out;
  }

  // The gateway of `nonstop up`: its own rules, and every app it routes to exists and has a port.
  private static void gatewayOfApps(List<ConfigProblem> out, GatewaySpec gateway, Map<String, AppSpec> apps) {
    List<ConfigProblem> own = GatewayRules.check(gateway, "gateway");
    out.addAll(own);
    if (!own.isEmpty()) {
      return; // resolving app routes needs a consistent spec
    }
    List<String> withPort = apps.entrySet().stream().filter(e -> e.getValue().port() != null).map(Map.Entry::getKey).toList();
    List<GatewaySpec.Route> routes = gateway.routes();
    for (int i = 0; i < routes.size(); i++) {
      String app = routes.get(i).app();
      if (app != null && !withPort.contains(app)) {
        out.add(new ConfigProblem("gateway.routes[" + i + "].app", appProblem(app, apps, withPort)));
      }
    }
    gateway.upstreams().forEach((name, u) -> {
      if (u.app() != null && !withPort.contains(u.app())) {
        out.add(new ConfigProblem("gateway.upstreams." + name + ".app", appProblem(u.app(), apps, withPort)));
      }
    });
  }

  private static String appProblem(String app, Map<String, AppSpec> apps, List<String> withPort) {
    String expected = withPort.isEmpty() ? "an app with a port; no app has one" : "one of the apps with a port: " + String.join(", ", withPort);
    return "'" + app + "'" + (apps.containsKey(app) ? " has no port" : "") + " (expected: " + expected + ")";
  }

  /**
   * The problems of a {@code gateway.yaml}: the gateway's own rules, the admin API's address, and
   * the two not sharing a port.
   */
  static List<ConfigProblem> check(GatewayConfig config) {
    List<ConfigProblem> out = new ArrayList<>(GatewayRules.check(config.gateway(), "gateway"));
    // Without a supervisor in the process nothing would ever fill an app's upstream.
    List<GatewaySpec.Route> routes = config.gateway().routes();
    for (int i = 0; i < routes.size(); i++) {
      if (routes.get(i).app() != null) {
        out.add(new ConfigProblem("gateway.routes[" + i + "].app", "'" + routes.get(i).app()
            + "' (expected: upstream; routes to apps work in nonstop.yaml under nonstop up)"));
      }
    }
    config.gateway().upstreams().forEach((name, u) -> {
      if (u.app() != null) {
        out.add(new ConfigProblem("gateway.upstreams." + name + ".app", "'" + u.app()
            + "' (expected: servers; upstreams of apps work in nonstop.yaml under nonstop up)"));
      }
    });
    sharedPort(out, config.gateway(), admin(out, config.admin()), config.admin());
    return out;
  }

  private static void sharedPort(List<ConfigProblem> out, GatewaySpec spec, HostPort admin, NonstopConfig.Admin written) {
    HostPort gateway;
    try {
      gateway = HostPort.parse(spec.listen());
    } catch (IllegalArgumentException e) {
      return; // GatewayRules reports it.
    }
    if (admin != null && admin.port() != 0 && admin.port() == gateway.port()
        && (admin.host().equalsIgnoreCase(gateway.host()) || isWildcard(admin.host()) || isWildcard(gateway.host()))) {
      out.add(new ConfigProblem("admin.listen", "'" + written.listen()
          + "' (expected: a port other than gateway.listen's " + gateway.port() + ")"));
    }
  }

  /** The admin API's address, or null after reporting that it is not one. */
  private static HostPort admin(List<ConfigProblem> out, NonstopConfig.Admin admin) {
    try {
      return HostPort.parse(admin.listen());
    } catch (IllegalArgumentException e) {
      out.add(new ConfigProblem("admin.listen", e.getMessage()));
      return null;
    }
  }

  /** Whether {@code host} is 0.0.0.0 or ::, which listen on every address. */
  private static boolean isWildcard(String host) {
    InetAddress a = Trusted.literal(host);
    return a != null && a.isAnyLocalAddress();
  }

  private static void app(List<ConfigProblem> out, String name, AppSpec app, Set<String> names, Path base) {
    String at = "apps." + name;
    // Refused now, not when the first instance fails to start.
    if (!Files.isDirectory(base.resolve(app.directory()))) {
      out.add(new ConfigProblem(at + ".directory", "'" + app.directory() + "' (expected: an existing directory)"));
    }
    if (!NAME.matcher(name).matches()) {
      out.add(new ConfigProblem(at,
          "'" + name + "' (expected: a name of letters, digits, '_', '.' and '-', starting with a letter or digit)"));
    }
    if (app.command().isEmpty()) {
      out.add(new ConfigProblem(at + ".command", "empty (expected: a program and its arguments)"));
    }
    notNegative(out, at + ".startsecs", app.startsecs());
    notNegative(out, at + ".stop.timeout", app.stop().timeout());
    AppSpec.BackoffSpec b = app.backoff();
    notNegative(out, at + ".backoff.initial", b.initial());
    if (!b.initial().isNegative() && b.max().compareTo(b.initial()) < 0) {
      out.add(new ConfigProblem(at + ".backoff.max",
          Durations.format(b.max()) + " (expected: >= initial " + Durations.format(b.initial()) + ")"));
    }
    if (!(b.multiplier() >= 1) || b.multiplier().isInfinite()) {
      out.add(new ConfigProblem(at + ".backoff.multiplier", b.multiplier() + " (expected: a finite number >= 1)"));
    }
    if (app.logs().maxSize().bytes() < MIN_LOG_SIZE.bytes()) {
      out.add(new ConfigProblem(at + ".logs.max_size", app.logs().maxSize() + " (expected: >= " + MIN_LOG_SIZE + ")"));
    }
    probe(out, at, "liveness", app.health().liveness(), app.port());
    probe(out, at, "readiness", app.health().readiness(), app.port());
    List<String> deps = app.dependsOn();
    for (int i = 0; i < deps.size(); i++) {
      String dep = deps.get(i);
      String depAt = at + ".depends_on[" + i + "]";
      if (dep.equals(name)) {
        out.add(new ConfigProblem(depAt, "'" + dep + "' (expected: another app; an app cannot depend on itself)"));
      } else if (!names.contains(dep)) {
        List<String> others = names.stream().filter(n -> !n.equals(name)).toList();
        out.add(new ConfigProblem(depAt, "'" + dep + "' (expected: "
            + (others.isEmpty() ? "no dependencies, there is no other app" : "one of " + String.join(", ", others))
            + ")"));
      }
    }
  }

  private static void probe(List<ConfigProblem> out, String app, String kind, ProbeSpec p, Integer port) {
    if (p == null) {
      return;
    }
    String at = app + ".health." + kind;
    List<String> given = new ArrayList<>();
    if (p.http() != null) {
      given.add("http");
    }
    if (p.tcp() != null) {
      given.add("tcp");
    }
    if (p.exec() != null) {
      given.add("exec");
    }
    if (given.size() != 1) {
      out.add(new ConfigProblem(at, (given.isEmpty() ? "no check" : String.join(" and ", given))
          + " (expected: exactly one of http, tcp, exec)"));
    }
    if (Boolean.FALSE.equals(p.tcp())) {
      out.add(new ConfigProblem(at + ".tcp", "false (expected: true, or no tcp key)"));
    }
    if (p.http() != null && !p.http().startsWith("/")) {
      out.add(new ConfigProblem(at + ".http", "'" + p.http() + "' (expected: a path starting with /)"));
    }
    if (given.size() == 1 && (p.http() != null || Boolean.TRUE.equals(p.tcp())) && port == null) {
      out.add(new ConfigProblem(at, given.getFirst() + " probe without a port (expected: " + app
          + ".port set, the probe connects to it)"));
    }
    if (p.exec() != null && p.exec().isEmpty()) {
      out.add(new ConfigProblem(at + ".exec", "empty (expected: a program and its arguments)"));
    }
    positive(out, at + ".period", p.period());
    positive(out, at + ".timeout", p.timeout());
    notNegative(out, at + ".initial_delay", p.initialDelay());
  }

  private static void positive(List<ConfigProblem> out, String at, Duration d) {
    if (d.isNegative() || d.isZero()) {
      out.add(new ConfigProblem(at, Durations.format(d) + " (expected: > 0)"));
    }
  }

  private static void notNegative(List<ConfigProblem> out, String at, Duration d) {
    if (d.isNegative()) {
      out.add(new ConfigProblem(at, Durations.format(d) + " (expected: >= 0)"));
    }
  }

  /** Each app's fixed ports must fit below 65536 and be its own, the admin API's included. */
  private static void ports(List<ConfigProblem> out, Map<String, AppSpec> apps, NonstopConfig.Admin admin) {
    Map<String, int[]> ranges = new HashMap<>();
    apps.forEach((name, app) -> {
      Integer port = app.port();
      // Out-of-range ports and instance counts are bean validation's to report.
      if (port == null || port < 1 || port > 65535 || app.instances() < 1) {
        return;
      }
      int last = port + app.instances() - 1;
      String at = "apps." + name + ".port";
      if (last > 65535) {
        out.add(new ConfigProblem(at, port + " with " + app.instances() + " instances reaches " + last
            + " (expected: port + instances - 1 <= 65535)"));
        return;
      }
      ranges.forEach((other, r) -> {
        if (port <= r[1] && r[0] <= last) {
          out.add(new ConfigProblem(at, range(port, last) + " overlaps apps." + other + ".port "
              + range(r[0], r[1]) + " (expected: each app its own ports)"));
        }
      });
      // Filled in file order, so the later app of two is the one told to move.
      ranges.put(name, new int[] {port, last});
    });
    try {
      int port = HostPort.parse(admin.listen()).port();
      ranges.forEach((name, r) -> {
        if (port >= r[0] && port <= r[1]) {
          out.add(new ConfigProblem("admin.listen", "'" + admin.listen() + "' (expected: a port outside apps."
              + name + ".port " + range(r[0], r[1]) + ")"));
        }
      });
    } catch (IllegalArgumentException e) {
      // check() reports the bad address itself.
    }
  }

  private static String range(int first, int last) {
    return first == last ? Integer.toString(first) : first + "-" + last;
  }

  /**
   * Reports each dependency cycle once, starting from its first app in file order, at that app's
   * {@code depends_on} entry that leads into the cycle: {@code cycle a -> b -> a}.
   */
  private static void cycles(List<ConfigProblem> out, Map<String, AppSpec> apps) {
    List<String> order = List.copyOf(apps.keySet());
    Set<String> done = new HashSet<>();
    Set<List<String>> seen = new HashSet<>();
    for (String start : order) {
      walk(start, new LinkedHashSet<>(), done, apps, order, seen, out);
    }
  }

  private static void walk(String app, LinkedHashSet<String> path, Set<String> done, Map<String, AppSpec> apps,
      List<String> order, Set<List<String>> seen, List<ConfigProblem> out) {
    if (done.contains(app)) {
      return;
    }
    path.add(app);
    for (String dep : apps.get(app).dependsOn()) {
      // Unknown apps and self-dependencies are reported on their own.
      if (dep.equals(app) || !apps.containsKey(dep)) {
        continue;
      }
      if (path.contains(dep)) {
        List<String> onPath = List.copyOf(path);
        List<String> cycle = new ArrayList<>(onPath.subList(onPath.indexOf(dep), onPath.size()));
        String first = cycle.stream().min((x, y) -> order.indexOf(x) - order.indexOf(y)).orElseThrow();
        int k = cycle.indexOf(first);
        List<String> rotated = new ArrayList<>(cycle.subList(k, cycle.size()));
        rotated.addAll(cycle.subList(0, k));
        if (seen.add(List.copyOf(rotated))) {
          String next = rotated.size() > 1 ? rotated.get(1) : first;
          int index = apps.get(first).dependsOn().indexOf(next);
          rotated.add(first);
          out.add(new ConfigProblem("apps." + first + ".depends_on[" + index + "]",
              "cycle " + String.join(" -> ", rotated) + " (expected: no dependency cycles)"));
        }
      } else {
        walk(dep, path, done, apps, order, seen, out);
      }
    }
    path.remove(app);
    done.add(app);
  }
}
