package dev.nonstop.web;

import java.util.Map;

/**
 * Thrown by a handler to answer with a given status and a short JSON body {@code {"error": message}}
 * instead of 500. Not logged as an error: it is an expected outcome, like a 404 for a missing user.
 */
public class HttpException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  /** The response status, 400-599. */
  private final int status;

  /**
   * An exception that answers {@code status} with {@code message} as the error.
   *
   * <pre>{@code throw new HttpException(404, "user " + id + " not found"); }</pre>
   *
   * @param status an HTTP status, 400-599
   * @throws IllegalArgumentException for any other status
   */
  public HttpException(int status, String message) {
    super(message, null, false, false);
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("status: " + status + " (expected: 400-599)");
    }
    this.status = status;
  }

  /** The HTTP status of the response. */
  public int status() {
    return status;
  }

  /** The JSON body sent to the client; override to send more than the message. */
  public Object body() {
    return Map.of("error", String.valueOf(getMessage()));
  }
}
