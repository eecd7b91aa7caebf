package dev.nonstop.gateway.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;

/** Reads one cookie of a request for cookie-hash balancing. */
final class Cookies {
  private Cookies() {}

  /** The value of cookie {@code name} in the request's {@code Cookie} headers, or null. */
  static String value(HttpHeaders headers, String name) {
    for (String header : headers.getAll(HttpHeaderNames.COOKIE)) {
      for (Cookie c : ServerCookieDecoder.LAX.decode(header)) {
        if (c.name().equals(name)) {
          return c.value();
        }
      }
    }
    return null;
  }
}
