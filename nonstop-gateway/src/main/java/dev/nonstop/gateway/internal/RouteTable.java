package dev.nonstop.gateway.internal;

import dev.nonstop.gateway.GatewaySpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The routes of one config, ordered for matching: routes naming the request's host beat host-less
 * ones, then the longest path prefix wins (nginx's prefix locations). A few routes are the common
 * case, so a linear scan over a sorted array beats a trie here and stays obviously correct.
 */
final class RouteTable {
  private final GatewaySpec.Route[] routes;
  private final boolean byHost;

  RouteTable(List<GatewaySpec.Route> routes) {
    List<GatewaySpec.Route> sorted = new ArrayList<>(routes);
    sorted.sort(Comparator.<GatewaySpec.Route, Boolean>comparing(r -> r.host() == null)
        .thenComparing(r -> -r.path().length()));
    this.routes = sorted.toArray(GatewaySpec.Route[]::new);
    this.byHost = routes.stream().anyMatch(r -> r.host() != null);
  }

  /** The route for a request with headers {@code h}; the Host header is parsed only if some route needs it. */
  GatewaySpec.Route match(io.netty.handler.codec.http.HttpHeaders h, String path) {
    return match(byHost ? hostOf(h.get(io.netty.handler.codec.http.HttpHeaderNames.HOST)) : null, path);
  }

  /**
   * The route for a request, or null.
   *
   * @param host the Host header without port, lower case; null when absent
   * @param path the request path (no query)
   */
  GatewaySpec.Route match(String host, String path) {
    for (GatewaySpec.Route r : routes) {
      if (r.host() != null && (host == null || !r.host().equalsIgnoreCase(host))) {
        continue;
      }
      if (matches(r.path(), path)) {
        return r;
      }
    }
    return null;
  }

  // "/api/" matches "/api/x"; "/api" matches "/api" and "/api/x" but not "/apix" (a prefix ends at a
  // segment boundary unless it ends with a slash itself).
  private static boolean matches(String prefix, String path) {
    if (!path.startsWith(prefix)) {
      return false;
    }
    return prefix.endsWith("/") || path.length() == prefix.length() || path.charAt(prefix.length()) == '/'
        || path.charAt(prefix.length()) == '?';
  }

  /** The host part of a Host header, lower case, without port; null for null. */
  static String hostOf(String hostHeader) {
    if (hostHeader == null) {
      return null;
    }
    String h = hostHeader.trim();
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end < 0 ? h.toLowerCase(Locale.ROOT) : h.substring(0, end + 1).toLowerCase(Locale.ROOT);
    }
    int colon = h.indexOf(':');
    return (colon < 0 ? h : h.substring(0, colon)).toLowerCase(Locale.ROOT);
  }
}
