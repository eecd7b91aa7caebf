package dev.nonstop.gateway.internal;

import dev.nonstop.gateway.GatewaySpec;
import dev.nonstop.gateway.internal.balance.Balancer;
import dev.nonstop.gateway.internal.balance.Balancers;
import dev.nonstop.gateway.internal.balance.RequestKey;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The run-time side of one upstream: its servers split into primaries and backups, a balancer for
 * each tier, and the policies that guard it (outlier detection, retry budget, circuit breaker,
 * active health checks). Immutable apart from the servers' own live state; a reload or a
 * membership change builds a new cluster, carrying over the {@link Server}s whose address, weight
 * and role did not change so their health, ejections and connections survive. May have no server
 * (an upstream of an app before its first instance is ready): every pick then finds none.
 */
final class Cluster {
  final String name;
  final GatewaySpec.Upstream spec;
  final Server[] servers;
  final Server[] primaries;
  final Server[] backups;
  final Balancer<Server> primary;
  final Balancer<Server> backup;
  final OutlierDetector outlier;
  final RetryBudget budget;
  final Breaker breaker;
  final long timeoutNanos;
  final long perTryNanos;
  final int connectTimeoutMillis;
  final int maxIdle;
  volatile HealthChecker health;

  Cluster(String name, GatewaySpec.Upstream spec, List<Server> servers, Breaker breaker, RetryBudget budget,
      OutlierDetector outlier) {
    this.name = name;
    this.spec = spec;
    this.servers = servers.toArray(Server[]::new);
    List<Server> p = new ArrayList<>();
    List<Server> b = new ArrayList<>();
    for (Server s : servers) {
      (s.backup() ? b : p).add(s);
    }
    this.primaries = p.toArray(Server[]::new);
    this.backups = b.toArray(Server[]::new);
    this.primary = balancer(spec.balance(), p);
    this.backup = balancer(spec.balance(), b);
    this.breaker = breaker;
    this.budget = budget;
    this.outlier = outlier;
    this.timeoutNanos = spec.timeout().toNanos();
    this.perTryNanos = spec.retries().perTryTimeout() == null ? 0 : spec.retries().perTryTimeout().toNanos();
    this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, spec.connectTimeout().toMillis());
    this.maxIdle = spec.keepalive().maxIdle();
  }

  private static Balancer<Server> balancer(GatewaySpec.Balance b, List<Server> tier) {
    return switch (b.kind()) {
      case ROUND_ROBIN -> Balancers.roundRobin(tier);
      case WEIGHTED -> Balancers.weighted(tier);
      case LEAST_CONN -> Balancers.leastConn(tier);
      case IP_HASH -> Balancers.ipHash(tier);
      case HASH -> b.header() != null ? Balancers.headerHash(tier, b.header()) : Balancers.cookieHash(tier, b.cookie());
      case P2C -> Balancers.p2c(tier);
      case EWMA -> Balancers.ewma(tier);
    };
  }

  /**
   * Picks a server for a try: a usable primary, else a usable backup, else (panic: ejections took
   * out every primary) any healthy primary, else a server this request already tried, since a
   * second chance on the same server beats a certain error. Returns null when nothing is up.
   *
   * @param tried the servers this request already tried (their count in {@code triedCount})
   */
  Server pick(RequestKey key, Server[] tried, int triedCount, long now) {
    Selection sel = new Selection(tried, triedCount, now);
    Server s = primary.pick(sel, key, now);
    if (s == null && backups.length > 0) {
      s = backup.pick(sel, key, now);
    }
    if (s == null && outlier.panic(primaries, now)) {
      sel.ignoreEjection = true;
      s = primary.pick(sel, key, now);
      if (s == null && backups.length > 0) {
        s = backup.pick(sel, key, now);
      }
    }
    if (s == null && triedCount > 0) {
      sel.ignoreTried = true;
      s = primary.pick(sel, key, now);
      if (s == null && backups.length > 0) {
        s = backup.pick(sel, key, now);
      }
    }
    return s;
  }

  // One small object per pick; its flags widen the choice step by step without new lambdas.
  private static final class Selection implements Predicate<Server> {
    private final Server[] tried;
    private final int triedCount;
    private final long now;
    boolean ignoreEjection;
    boolean ignoreTried;

    Selection(Server[] tried, int triedCount, long now) {
      this.tried = tried;
      this.triedCount = triedCount;
      this.now = now;
    }

    @Override
    public boolean test(Server s) {
      if (!s.healthy() || s.draining() || s.retired()) {
        return false;
      }
      if (!ignoreEjection && s.ejected(now)) {
        return false;
      }
      if (!ignoreTried) {
        for (int i = 0; i < triedCount; i++) {
          if (tried[i] == s) {
            return false;
          }
        }
      }
      return true;
    }
  }

  /** Starts the active checks, if configured. */
  void startHealth(HealthChecker checker) {
    this.health = checker;
    if (checker != null) {
      checker.start();
    }
  }

  /** Stops the active checks. */
  void stopHealth() {
    HealthChecker h = health;
    if (h != null) {
      h.stop();
    }
  }

  /** The servers as config entries, in order: what a reload carries over for an upstream of an app. */
  List<GatewaySpec.ServerEntry> entries() {
    List<GatewaySpec.ServerEntry> out = new ArrayList<>(servers.length);
    for (Server s : servers) {
      out.add(new GatewaySpec.ServerEntry(s.address(), s.weight(), s.backup()));
    }
    return out;
  }

  /** The server with {@code address}, or null. */
  Server server(String address) {
    for (Server s : servers) {
      if (s.address().equals(address)) {
        return s;
      }
    }
    return null;
  }
}
