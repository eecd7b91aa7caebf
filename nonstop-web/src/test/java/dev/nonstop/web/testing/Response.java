package dev.nonstop.web.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One response as it came off the wire: the status line, the headers in order (names as sent), the
 * decoded body and, for a chunked body, the size of each chunk, so a test can tell a streamed body
 * from a buffered one.
 */
public record Response(String version, int status, String reason, List<Map.Entry<String, String>> headers,
    byte[] bytes, List<Integer> chunks) {

  /** The first value of a header (case-insensitive name), or null. */
  public String header(String name) {
    List<String> all = headers(name);
    return all.isEmpty() ? null : all.get(0);
  }

  /** Every value of a header (case-insensitive name), in order. */
  public List<String> headers(String name) {
    return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
  }

  /** The body as UTF-8 text. */
  public String body() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Whether the body came with chunked transfer coding. */
  public boolean isChunked() {
    return "chunked".equalsIgnoreCase(header("Transfer-Encoding"));
  }

  /** Whether the server announced that it closes the connection after this response. */
  public boolean closes() {
    return "close".equalsIgnoreCase(header("Connection"));
  }

  @Override
  public String toString() {
    return version + " " + status + " " + reason + " " + headers + " body=" + body();
  }
}
