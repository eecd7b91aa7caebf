package dev.nonstop.gateway.internal;

import dev.nonstop.gateway.GatewaySpec;
import dev.nonstop.web.http.Trusted;
import java.net.InetAddress;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Everything a request needs from the config, built once per (re)load and swapped in whole: a
 * request reads the current snapshot once, at its head, and keeps it to the end, so a reload
 * never changes the rules under a request that is in flight.
 *
 * @param global the per-client-IP limit across routes, or null
 * @param routeLimits the per-client-IP limit of each route that has one
 * @param routeNames each route's metric label (its host and path, from the config: bounded)
 */
record Snapshot(GatewaySpec spec, RouteTable routes, Map<String, Cluster> clusters, Trusted trusted,
    RateLimiter global, IdentityHashMap<GatewaySpec.Route, RateLimiter> routeLimits,
    IdentityHashMap<GatewaySpec.Route, String> routeNames, int maxUriLength) {

  Cluster cluster(String name) {
    return clusters.get(name);
  }

  String routeName(GatewaySpec.Route r) {
    return routeNames.get(r);
  }

  /** 0 when the request may pass both the global and the route's rate limit, else nanos to wait. */
  long limit(GatewaySpec.Route route, InetAddress client, long now) {
    if (global != null) {
      long wait = global.tryAcquire(client, now);
      if (wait > 0) {
        return wait;
      }
    }
    RateLimiter r = routeLimits.get(route);
    return r == null ? 0 : r.tryAcquire(client, now);
  }
}
