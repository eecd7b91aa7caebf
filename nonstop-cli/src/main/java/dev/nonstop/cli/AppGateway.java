package dev.nonstop.cli;

import dev.nonstop.core.HostPort;
import dev.nonstop.core.InstanceEvent;
import dev.nonstop.core.registry.Endpoint;
import dev.nonstop.core.registry.Registry;
import dev.nonstop.gateway.Gateway;
import dev.nonstop.gateway.GatewaySpec;
import dev.nonstop.gateway.UpstreamStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the gateway to the registry in {@code nonstop up}: each upstream of an app follows the
 * app's endpoints (Envoy's EDS, in one process), and an instance the supervisor drains is held
 * until the gateway has no request in flight on it.
 *
 * <p>Order of a planned stop: the instance becomes DRAINING, the registrar deregisters it, the
 * watch below removes it from its upstream (no new request picks it) and keeps the future of its
 * in-flight requests; the supervisor then asks {@link #drained} and waits on that future before it
 * sends the stop signal. All of it happens on the supervisor's thread, in this order, because every
 * step is a synchronous call.
 */
final class AppGateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("nonstop.up");

  /** The address the gateway reaches the supervisor's instances on: they run beside it. */
  static final String HOST = "127.0.0.1";

  private final Gateway gateway;
  private final Registry registry;
  /** Upstream -> its watch of the app's endpoints. */
  private final Map<String, AutoCloseable> watches = new java.util.HashMap<>();
  /** Address of a server removed from an upstream -> done once its in-flight requests are. */
  private final Map<String, CompletableFuture<Void>> draining = new ConcurrentHashMap<>();
  private volatile boolean closed;

  AppGateway(Gateway gateway, Registry registry) {
    this.gateway = gateway;
    this.registry = registry;
    sync();
  }

  /**
   * Follows the app upstreams of the gateway's config now: after a reload, an upstream that is new
   * gets the endpoints of its app at once, one that is gone is no longer fed. A reload keeps the
   * members of an app upstream it leaves in place, so those watches stay.
   */
  synchronized void sync() {
    Map<String, String> now = gateway.spec().appUpstreams();
    for (var it = watches.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!now.containsKey(e.getKey())) {
        closeQuietly(e.getValue());
        it.remove();
      }
    }
    now.forEach((upstream, app) -> {
      if (!watches.containsKey(upstream)) {
        Set<String> current = new HashSet<>();
        watches.put(upstream, registry.watch(app, endpoints -> follow(upstream, endpoints, current)));
      }
    });
  }

  // Called by the registry, one change at a time per app.
  private void follow(String upstream, List<Endpoint> endpoints, Set<String> current) {
    if (closed) {
      return;
    }
    List<GatewaySpec.ServerEntry> servers = endpoints.stream()
        .map(ep -> new GatewaySpec.ServerEntry(ep.address(), ep.weight(), false))
        .toList();
    Set<String> next = new HashSet<>();
    servers.forEach(s -> next.add(s.address()));
    CompletableFuture<Void> idle;
    try {
      idle = gateway.setMembers(upstream, servers);
    } catch (RuntimeException ex) {
      log.atError().setMessage("cannot set the servers of upstream {}: {}").addArgument(upstream)
          .addArgument(ex.getMessage()).log();
      return;
    }
    for (String gone : current) {
      if (!next.contains(gone)) {
        // Two upstreams of one app each drain the instance: the stop waits for both.
        draining.merge(gone, idle, CompletableFuture::allOf);
      }
    }
    draining.values().removeIf(CompletableFuture::isDone); // crashed instances' entries, long done
    for (String added : next) {
      draining.remove(added);
    }
    current.clear();
    current.addAll(next);
  }

  /**
   * Done when the gateway has no request in flight on the instance of {@code e} (at once when it
   * never had any, or it has no port).
   */
  CompletableFuture<Void> drained(InstanceEvent e) {
    if (e.port() <= 0) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = draining.remove(address(e.port()));
    return f == null ? CompletableFuture.completedFuture(null) : f;
  }

  /** The address of the instance listening on {@code port}, as the registry and the gateway name it. */
  static String address(int port) {
    return new HostPort(HOST, port).toString();
  }

  /**
   * Where each app's instances stand in the gateway: its servers by app and address, and what each
   * address answered in the last second. Built from one {@link Gateway#upstreams()} walk, which the
   * caller shares with the rest of its answer.
   *
   * @param served the newest per-server figures by address
   */
  record Rotation(Map<String, Map<String, List<UpstreamStatus.ServerStatus>>> byApp,
      Function<String, Rates.Point> served) {
    /** The app upstreams among {@code upstreams}, with figures from {@code served}. */
    static Rotation of(List<UpstreamStatus> upstreams, Function<String, Rates.Point> served) {
      Map<String, Map<String, List<UpstreamStatus.ServerStatus>>> byApp = new HashMap<>();
      for (UpstreamStatus u : upstreams) {
        if (u.app() != null) {
          for (UpstreamStatus.ServerStatus srv : u.servers()) {
            byApp.computeIfAbsent(u.app(), a -> new HashMap<>())
                .computeIfAbsent(srv.address(), a -> new ArrayList<>()).add(srv);
          }
        }
      }
      return new Rotation(byApp, served);
    }

    private List<UpstreamStatus.ServerStatus> servers(String app, int port) {
      return byApp.getOrDefault(app, Map.of()).getOrDefault(address(port), List.of());
    }

    /** Whether the instance is a server of one of its app's upstreams, not draining, healthy, not ejected. */
    boolean inRotation(String app, int port) {
      return servers(app, port).stream().anyMatch(srv -> !srv.draining() && srv.healthy() && !srv.ejected());
    }

    /** Its requests in flight in the gateway, over all of its app's upstreams. */
    int active(String app, int port) {
      return servers(app, port).stream().mapToInt(UpstreamStatus.ServerStatus::activeRequests).sum();
    }

    /**
     * What the instance on {@code port} answered through the gateway in the last sampled second,
     * or null (not sampled yet, or no status page sampling).
     */
    Rates.Point served(int port) {
      return port == 0 ? null : served.apply(address(port));
    }
  }

  /** Stops following the registry (the gateway is stopping). */
  @Override
  public synchronized void close() {
    closed = true;
    watches.values().forEach(AppGateway::closeQuietly);
    watches.clear();
    draining.values().forEach(f -> f.complete(null));
    draining.clear();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ex) {
      // a local watch does not fail to close
    }
  }
}
