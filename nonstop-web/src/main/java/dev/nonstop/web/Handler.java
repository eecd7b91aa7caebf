package dev.nonstop.web;

/**
 * The one handler type for endpoints and middleware, as in Gin: a middleware is a handler that calls
 * {@link Context#next()} (or {@link Context#abort()}) somewhere in its body.
 *
 * <p>Handlers run on a virtual thread by default, so blocking calls (JDBC, {@code Thread.sleep},
 * outbound HTTP) are fine. A handler may throw anything; the engine turns it into a 500 JSON response
 * (see {@link Middleware#recovery()}).
 *
 * <pre>{@code
 * Handler auth = c -> {
 *   if (c.header("Authorization") == null) { c.abortWithStatusJson(401, Map.of("error", "unauthorized")); return; }
 *   c.next();
 * };
 * }</pre>
 */
@FunctionalInterface
public interface Handler {
  /** Handles one request; may throw, the engine answers 500 and keeps the connection. */
  void handle(Context c) throws Exception;
}
