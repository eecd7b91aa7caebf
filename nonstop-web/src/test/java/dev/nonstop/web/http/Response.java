package dev.nonstop.web.http;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One response as it came off the wire: status line, headers in order (names as sent), the decoded
 * body, and for a chunked body the size of each chunk, so a test can tell a streamed body from a
 * buffered one.
 */
record Response(String version, int status, String reason, List<Map.Entry<String, String>> headers, byte[] body,
    List<Integer> chunks) {

  /** The first value of a header (case-insensitive), or null. */
  String header(String name) {
    List<String> all = headers(name);
    return all.isEmpty() ? null : all.get(0);
  }

  List<String> headers(String name) {
    return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
  }

  String bodyString() {
    return new String(body, StandardCharsets.UTF_8);
  }

  boolean isChunked() {
    return "chunked".equalsIgnoreCase(header("Transfer-Encoding"));
  }

  @Override
  public String toString() {
    return version + " " + status + " " + reason + " " + headers + " body=" + bodyString();
  }
}
