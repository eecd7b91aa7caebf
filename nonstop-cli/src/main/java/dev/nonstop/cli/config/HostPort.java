package dev.nonstop.cli.config;

/**
 * A {@code HOST:PORT} address as config writes it; IPv6 hosts in brackets, since their colons
 * would make the port ambiguous.
 *
 * @param host without brackets
 * @param port 0-65535
 */
record HostPort(String host, int port) {
  /**
   * Parses {@code 127.0.0.1:9090}, {@code localhost:0} or {@code [::1]:9090}.
   *
   * @throws IllegalArgumentException naming the value and the expected form
   */
  static HostPort parse(String s) {
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
}
