package dev.nonstop.gateway.internal;

/** Request-target handling (RFC 9112 3.2): the path for routing, prefix stripping, origin form. */
final class Paths {
  private Paths() {}

  /** The path of a request target (origin, absolute or asterisk form), without query; null if unusable. */
  static String path(String uri) {
    String origin = uri.startsWith("/") ? uri : "*".equals(uri) ? "*" : originForm(uri);
    if (origin == null || origin.isEmpty()) {
      return null;
    }
    int q = origin.indexOf('?');
    return q < 0 ? origin : origin.substring(0, q);
  }

  /** {@code http://host:port/a?b} as {@code /a?b}; null when {@code uri} is not absolute-form. */
  static String originForm(String uri) {
    int scheme = uri.indexOf("://");
    if (scheme <= 0) {
      return null;
    }
    int slash = uri.indexOf('/', scheme + 3);
    int query = uri.indexOf('?', scheme + 3);
    if (slash < 0 || (query >= 0 && query < slash)) {
      return query < 0 ? "/" : "/" + uri.substring(query);
    }
    return uri.substring(slash);
  }

  /**
   * {@code uri} with the route's {@code prefix} taken off the front, still starting with a slash:
   * {@code /api/users?x} under {@code /api/} becomes {@code /users?x}, {@code /api} becomes {@code /}.
   */
  static String strip(String uri, String prefix) {
    String origin = uri.startsWith("/") ? uri : originForm(uri);
    if (origin == null || !origin.startsWith(prefix)) {
      return uri;
    }
    String rest = origin.substring(prefix.length());
    if (rest.isEmpty() || rest.charAt(0) == '?') {
      return "/" + rest;
    }
    return rest.charAt(0) == '/' ? rest : "/" + rest;
  }
}
