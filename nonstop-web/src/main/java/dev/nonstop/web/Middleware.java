package dev.nonstop.web;

import dev.nonstop.web.internal.Errors;
import dev.nonstop.web.internal.HttpContext;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in middleware, as static factories. {@link Engine#create()} installs
 * {@code requestId(), logger(), recovery()} in that order, so the access log sees the request id and
 * the final status of a failed handler.
 *
 * <pre>{@code
 * app.group("/api", Middleware.timeout(Duration.ofSeconds(2)), Middleware.bodyLimit(64 * 1024));
 * }</pre>
 */
public final class Middleware {
  private static final Logger access = LoggerFactory.getLogger("nonstop.access");

  private Middleware() {}

  /**
   * One JSON access-log line per request through SLF4J (logger {@code nonstop.access}): method,
   * path, route template, status, latency, bytes, client ip and request id.
   */
  public static Handler logger() {
    return c -> {
      try {
        c.next();
      } finally {
        String route = c.route();
        access.atInfo()
            .addKeyValue("method", c.method())
            .addKeyValue("path", c.path())
            .addKeyValue("route", route != null ? route : "")
            .addKeyValue("status", c.responseStatus())
            .addKeyValue("latency_ms", c.elapsed().toNanos() / 1e6)
            .addKeyValue("bytes", c.bytesWritten())
            .addKeyValue("client_ip", c.clientIp())
            .addKeyValue("request_id", c.<Object>get(REQUEST_ID_KEY))
            .log("{} {} {}", c.method(), c.path(), c.responseStatus());
      }
    };
  }

  /**
   * Turns an exception from later handlers into a 500 JSON response, logged once with its stack
   * trace; an {@link HttpException} becomes its own status without a stack trace. The connection
   * keeps working. Without this middleware the engine does the same as a last resort.
   */
  public static Handler recovery() {
    return c -> {
      try {
        c.next();
      } catch (Throwable t) {
        Errors.handle((HttpContext) c, t);
      }
    };
  }

  /** The request-scoped key under which {@link #requestId()} stores the id. */
  public static final String REQUEST_ID_KEY = "requestId";

  /**
   * Propagates the client's {@code X-Request-Id} (when it is 1-128 visible ASCII characters) or
   * generates one; stores it under {@link #REQUEST_ID_KEY} and echoes it in the response.
   */
  public static Handler requestId() {
    return c -> {
      String id = c.header("X-Request-Id");
      if (!isValidRequestId(id)) {
        id = newRequestId();
      }
      c.set(REQUEST_ID_KEY, id);
      if (c instanceof HttpContext h) {
        h.requestId(id); // for answers the server makes on the handler's behalf (timeout, 500)
      }
      c.header("X-Request-Id", id);
      c.next();
    };
  }

  /**
   * Answers 503 when the rest of the chain runs longer than {@code limit}, and interrupts the
   * handler's virtual thread so blocking calls end early.
   */
  public static Handler timeout(Duration limit) {
    return timeout(limit, 503);
  }

  /** Like {@link #timeout(Duration)} with the status to send: 503 or 504. */
  public static Handler timeout(Duration limit, int status) {
    Objects.requireNonNull(limit, "limit");
    if (limit.isNegative() || limit.isZero()) {
      throw new IllegalArgumentException("timeout: " + limit + " (expected: > 0)");
    }
    if (status != 503 && status != 504) {
      throw new IllegalArgumentException("timeout status: " + status + " (expected: 503 or 504)");
    }
    return c -> ((HttpContext) c).runWithTimeout(limit, status);
  }

  /**
   * Limits the request body of the routes it is on (overriding the engine's maxBodySize, up or
   * down): a larger Content-Length is refused with 413 before the body is read, a larger chunked
   * body as soon as it passes the limit.
   */
  public static Handler bodyLimit(long maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("bodyLimit: " + maxBytes + " (expected: > 0)");
    }
    return new BodyLimit(maxBytes);
  }

  /** The body limit in effect for a chain: the last {@link #bodyLimit} in it, or the default. */
  static long bodyLimitOf(Handler[] chain, long defaultLimit) {
    long limit = defaultLimit;
    for (Handler h : chain) {
      if (h instanceof BodyLimit b) {
        limit = b.max;
      }
    }
    return limit;
  }

  /** A marker: the connection enforces the limit before the chain runs, so here it only passes on. */
  private record BodyLimit(long max) implements Handler {
    @Override
    public void handle(Context c) throws Exception {
      c.next();
    }
  }

  private static boolean isValidRequestId(String id) {
    if (id == null || id.isEmpty() || id.length() > 128) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char ch = id.charAt(i);
      if (ch <= ' ' || ch >= 127) {
        return false;
      }
    }
    return true;
  }

  private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /**
   * 128 random bits as 32 hex digits; not a UUID because SecureRandom is slow and not needed here.
   * Built as Latin-1 bytes: the String then takes them with one copy.
   */
  private static String newRequestId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = r.nextLong();
    long lo = r.nextLong();
    byte[] out = new byte[32];
    for (int i = 0; i < 16; i++) {
      out[i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xf];
      out[16 + i] = HEX[(int) (lo >>> (60 - 4 * i)) & 0xf];
    }
    return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

}
