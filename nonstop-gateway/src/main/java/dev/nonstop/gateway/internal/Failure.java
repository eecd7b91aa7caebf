package dev.nonstop.gateway.internal;

/**
 * How a try against one upstream server failed: the one vocabulary that outlier detection, the
 * circuit breaker, retries and the logs share, so that none of them matches on exception messages.
 * A 4xx is not a failure (the client's fault), nor is a client that goes away mid-request (no
 * verdict on the server at all).
 */
public enum Failure {
  /** The TCP connection could not be made: refused, unreachable or timed out. */
  CONNECT("connect failure"),
  /** The connection broke before the whole response head arrived: reset or closed. */
  RESET("connection reset"),
  /** The server answered with a 5xx status. */
  STATUS_5XX("5xx status"),
  /** No response head within the try's time. */
  TIMEOUT("timeout");

  private final String text;

  Failure(String text) {
    this.text = text;
  }

  /** A few words for logs and ejection reasons. */
  public String text() {
    return text;
  }
}
