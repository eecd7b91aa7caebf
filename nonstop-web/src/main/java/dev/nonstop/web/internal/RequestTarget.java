package dev.nonstop.web.internal;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The request target split into a decoded path (for routing), the raw path (for building URLs)
 * and the raw query. Origin form ({@code /a?b}),
 * absolute form ({@code http://host/a}) and {@code *} are accepted; the path is percent-decoded
 * only when it contains a '%', so the common case allocates nothing but the substring.
 */
record RequestTarget(String uri, String path, String rawPath, String rawQuery) {
  static RequestTarget parse(String uri) {
    String u = uri;
    if (u.equals("*")) {
      return new RequestTarget(uri, "*", "*", null);
    }
    if (!u.startsWith("/")) {
      int scheme = u.indexOf("://");
      if (scheme <= 0) {
        return null;
      }
      // The authority ends at the first '/', '?' or '#' (RFC 3986 3.2): http://host?q has path "/" and query q.
      int end = scheme + 3;
      while (end < u.length() && "/?#".indexOf(u.charAt(end)) < 0) {
        end++;
      }
      u = end == u.length() ? "/" : u.charAt(end) == '/' ? u.substring(end) : "/" + u.substring(end);
    }
    int q = u.indexOf('?');
    int hash = u.indexOf('#');
    int end = q >= 0 ? q : (hash >= 0 ? hash : u.length());
    String raw = u.substring(0, end);
    String query = q >= 0 ? u.substring(q + 1, hash > q ? hash : u.length()) : null;
    String path = raw;
    if (raw.indexOf('%') >= 0) {
      try {
        path = QueryStringDecoder.decodeComponent(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    for (int i = 0; i < path.length(); i++) {
      if (path.charAt(i) < 0x20 || path.charAt(i) == 0x7f) {
        return null; // a decoded NUL or CR in a path is never legitimate
      }
    }
    return new RequestTarget(uri, path, raw, query);
  }
}
