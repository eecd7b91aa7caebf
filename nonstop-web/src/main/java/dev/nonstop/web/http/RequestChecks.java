package dev.nonstop.web.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The checks Netty's decoder leaves to us: strict tokens, no control characters in headers, one
 * Content-Length, Host on HTTP/1.1, chunked as the only transfer coding. A failure names the status
 * to answer with: 505 for a well-formed but unsupported version, 501 for a transfer coding we do
 * not implement, 400 for everything else.
 */
public final class RequestChecks {
  private RequestChecks() {}

  /**
   * Why a request head is refused.
   *
   * @param status what to answer
   * @param message why, safe to show the client
   */
  public record Problem(HttpResponseStatus status, String message) {
    /** A 400 with {@code message}. */
    public static Problem badRequest(String message) {
      return new Problem(HttpResponseStatus.BAD_REQUEST, message);
    }
  }

  /** The first problem with the head of {@code r}, or null when it may be served. */
  public static Problem check(HttpRequest r) {
    HttpVersion v = r.protocolVersion();
    if (!"HTTP".equals(v.protocolName())) {
      return Problem.badRequest("bad protocol: " + v.text());
    }
    if (v.majorVersion() != 1) {
      return new Problem(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "unsupported HTTP version: " + v.text());
    }
    if (v.minorVersion() > 1) {
      return Problem.badRequest("bad HTTP version: " + v.text());
    }
    String method = r.method().name();
    if (method.isEmpty()) {
      return Problem.badRequest("empty method");
    }
    for (int i = 0; i < method.length(); i++) {
      if (!Tokens.isTokenChar(method.charAt(i))) {
        return Problem.badRequest("bad method '" + method + "' (expected: a token)");
      }
    }
    // Counted in the one pass over the headers, so the common request allocates nothing here.
    int contentLengths = 0;
    int hosts = 0;
    boolean transferEncoding = false;
    Iterator<Map.Entry<CharSequence, CharSequence>> it = r.headers().iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> h = it.next();
      CharSequence name = h.getKey();
      if (name.length() == 0) {
        return Problem.badRequest("empty header name");
      }
      for (int i = 0; i < name.length(); i++) {
        if (!Tokens.isTokenChar(name.charAt(i))) {
          return Problem.badRequest("bad header name '" + name + "' (expected: a token)");
        }
      }
      CharSequence value = h.getValue();
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        // Bare CR, LF and NUL (and other controls except tab) are how header injection starts.
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
          return Problem.badRequest("control character in header " + name);
        }
      }
      if (HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)) {
        contentLengths++;
      } else if (HttpHeaderNames.HOST.contentEqualsIgnoreCase(name)) {
        hosts++;
      } else if (HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)) {
        transferEncoding = true;
      }
    }
    if (contentLengths > 1) {
      List<String> values = r.headers().getAll(HttpHeaderNames.CONTENT_LENGTH);
      String first = values.get(0).trim();
      for (String s : values) {
        if (!s.trim().equals(first)) {
          return Problem.badRequest("conflicting Content-Length headers");
        }
      }
    }
    if (v.minorVersion() == 1 && hosts == 0) {
      return Problem.badRequest("missing Host header");
    }
    if (hosts > 1) {
      return Problem.badRequest("more than one Host header");
    }
    return transferEncoding ? checkTransferEncoding(r) : null;
  }

  // Netty decodes any Transfer-Encoding that ends in chunked as plain chunked; passing on a body
  // that is still gzipped (or chunked twice) would hand the application bytes it cannot interpret.
  private static Problem checkTransferEncoding(HttpRequest r) {
    if (r.protocolVersion().minorVersion() == 0) {
      // RFC 9112 6.1: in HTTP/1.0 the framing of such a message is faulty, a classic smuggling vector.
      return Problem.badRequest("Transfer-Encoding in an HTTP/1.0 request");
    }
    List<String> lines = r.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
    List<String> codings = new ArrayList<>(2);
    for (String line : lines) {
      for (String coding : line.split(",")) {
        if (!coding.isBlank()) {
          codings.add(coding.trim());
        }
      }
    }
    if (codings.isEmpty() || !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(codings.getLast())) {
      return Problem.badRequest("Transfer-Encoding without chunked as the final coding: " + String.join(", ", lines));
    }
    for (int i = 0; i < codings.size() - 1; i++) {
      if (HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(codings.get(i))) {
        return Problem.badRequest("chunked applied more than once: " + String.join(", ", lines));
      }
    }
    if (codings.size() > 1) {
      return new Problem(HttpResponseStatus.NOT_IMPLEMENTED,
          "unsupported Transfer-Encoding: " + String.join(", ", lines) + " (expected: chunked)");
    }
    return null;
  }


}
