package dev.nonstop.web.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The checks Netty's decoder leaves to us: strict tokens, no control characters in headers, one
 * Content-Length, Host on HTTP/1.1. Each failure is a reason string; "505 ..." marks a well-formed
 * but unsupported version, everything else is a 400.
 */
final class RequestChecks {
  private RequestChecks() {}

  static String check(HttpRequest r) {
    HttpVersion v = r.protocolVersion();
    if (!"HTTP".equals(v.protocolName())) {
      return "bad protocol: " + v.text();
    }
    if (v.majorVersion() != 1) {
      return "505 unsupported HTTP version: " + v.text();
    }
    if (v.minorVersion() > 1) {
      return "bad HTTP version: " + v.text();
    }
    String method = r.method().name();
    if (method.isEmpty()) {
      return "empty method";
    }
    for (int i = 0; i < method.length(); i++) {
      if (!isToken(method.charAt(i))) {
        return "bad method";
      }
    }
    int contentLengths = 0;
    Iterator<Map.Entry<CharSequence, CharSequence>> it = r.headers().iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> h = it.next();
      CharSequence name = h.getKey();
      if (name.length() == 0) {
        return "empty header name";
      }
      for (int i = 0; i < name.length(); i++) {
        if (!isToken(name.charAt(i))) {
          return "bad header name";
        }
      }
      CharSequence value = h.getValue();
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        // Bare CR, LF and NUL (and other controls except tab) are how header injection starts.
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
          return "control character in header " + name;
        }
      }
      if (HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)) {
        contentLengths++;
      }
    }
    if (contentLengths > 1) {
      List<String> values = r.headers().getAll(HttpHeaderNames.CONTENT_LENGTH);
      String first = values.get(0).trim();
      for (String s : values) {
        if (!s.trim().equals(first)) {
          return "conflicting Content-Length headers";
        }
      }
    }
    if (v.minorVersion() == 1 && !r.headers().contains(HttpHeaderNames.HOST)) {
      return "missing Host header";
    }
    if (r.headers().getAll(HttpHeaderNames.HOST).size() > 1) {
      return "more than one Host header";
    }
    return null;
  }

  static boolean isToken(char c) {
    return c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
  }
}
