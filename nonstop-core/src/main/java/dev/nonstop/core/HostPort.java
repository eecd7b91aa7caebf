package dev.nonstop.core;

import java.util.Objects;

/**
 * A {@code HOST:PORT} address as config writes it: where the supervisor's admin API and the gateway
 * listen, and the gateway's upstream servers. IPv6 hosts go in brackets, since their colons would
 * make the port ambiguous. Nothing is resolved; the host is kept as written.
 *
 * <pre>{@code
 * HostPort a = HostPort.parse("[::1]:9090"); // host "::1", port 9090, toString "[::1]:9090"
 * }</pre>
 *
 * @param host without brackets; a name or an IP literal
 * @param port 0-65535; what 0 means (a free port, or nothing) is the caller's business
 */
public record HostPort(String host, int port) {
  /** Checks the parts. */
  public HostPort {
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
    }
  }

  /**
   * Parses {@code 127.0.0.1:9090}, {@code localhost:0} or {@code [::1]:9090}.
   *
   * @throws IllegalArgumentException naming the value and the expected form
   */
  public static HostPort parse(String s) {
    String host;
    String port;
    if (s.startsWith("[")) {
      int close = s.indexOf("]:");
      if (close < 0) {
        throw bad(s);
      }
      host = s.substring(1, close);
      port = s.substring(close + 2);
    } else {
      int colon = s.lastIndexOf(':');
      if (colon < 0) {
        throw bad(s);
      }
      host = s.substring(0, colon);
      port = s.substring(colon + 1);
      if (host.contains(":")) {
        throw bad(s);
      }
    }
    if (host.isBlank() || port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw bad(s);
    }
    int p = Integer.parseInt(port);
    if (p > 65535) {
      throw bad(s);
    }
    return new HostPort(host, p);
  }

  private static IllegalArgumentException bad(String s) {
    return new IllegalArgumentException(
        "'" + s + "' (expected: HOST:PORT like 127.0.0.1:9090 or [::1]:9090, port 0-65535)");
  }

  /** The form {@link #parse} reads: {@code 127.0.0.1:9090}, {@code [::1]:9090}. */
  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
