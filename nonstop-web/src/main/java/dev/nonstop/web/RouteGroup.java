package dev.nonstop.web;

import dev.nonstop.web.internal.StaticFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A path prefix with its own middleware (Gin's {@code RouterGroup}); the {@link Engine} is the root
 * group.
 *
 * <p>A route's chain is flattened once, when it is registered: the group's middleware as it is at
 * that moment, then the route's handlers. {@link #use} therefore applies to routes registered after
 * it, as in Gin.
 *
 * <pre>{@code
 * RouteGroup api = app.group("/api/v1", authMiddleware);
 * api.get("/users/:id", c -> c.json(200, users.find(c.param("id"))));
 * }</pre>
 */
public class RouteGroup {
  private static final String[] ANY_METHODS =
      {"GET", "POST", "PUT", "PATCH", "HEAD", "OPTIONS", "DELETE", "CONNECT", "TRACE"};

  final Engine engine;
  private final String prefix;
  private final List<Handler> middleware;
  private final Execution execution;

  RouteGroup(Engine engine, String prefix, List<Handler> middleware, Execution execution) {
    this.engine = engine == null ? (Engine) this : engine;
    this.prefix = prefix;
    this.middleware = new ArrayList<>(middleware);
    this.execution = execution;
  }

  /**
   * Adds middleware that runs before the handlers of routes registered after this call.
   *
   * @throws IllegalStateException after the engine has started
   */
  public RouteGroup use(Handler... handlers) {
    engine.checkNotStarted("use");
    middleware.addAll(Arrays.asList(requireHandlers(handlers)));
    return this;
  }

  /** A sub-group under {@code relativePath} inheriting this group's middleware, plus {@code handlers}. */
  public RouteGroup group(String relativePath, Handler... handlers) {
    List<Handler> chain = new ArrayList<>(middleware);
    chain.addAll(Arrays.asList(requireHandlers(handlers)));
    return new RouteGroup(engine, join(prefix, relativePath), chain, execution);
  }

  /**
   * A view of this group whose routes run on {@code execution}; for example
   * {@code app.on(Execution.EVENT_LOOP).get("/ping", c -> c.string(200, "pong"))}.
   */
  public RouteGroup on(Execution execution) {
    return new RouteGroup(engine, prefix, middleware, Objects.requireNonNull(execution, "execution"));
  }

  List<Handler> middlewareSnapshot() {
    return List.copyOf(middleware);
  }

  /** The absolute path prefix of this group. */
  public String basePath() {
    return prefix;
  }

  /**
   * Registers a GET route; see {@link #handle} for the path syntax and errors. A HEAD request runs it
   * too, answered without the body, unless a HEAD route is registered for the path.
   *
   * <pre>{@code app.get("/users/:id", c -> c.json(200, users.find(c.param("id")))); }</pre>
   */
  public RouteGroup get(String path, Handler... handlers) { return handle("GET", path, handlers); }

  /** Registers a POST route; see {@link #handle}. */
  public RouteGroup post(String path, Handler... handlers) { return handle("POST", path, handlers); }

  /** Registers a PUT route; see {@link #handle}. */
  public RouteGroup put(String path, Handler... handlers) { return handle("PUT", path, handlers); }

  /** Registers a PATCH route; see {@link #handle}. */
  public RouteGroup patch(String path, Handler... handlers) { return handle("PATCH", path, handlers); }

  /** Registers a DELETE route; see {@link #handle}. */
  public RouteGroup delete(String path, Handler... handlers) { return handle("DELETE", path, handlers); }

  /** Registers a HEAD route, taking precedence over the GET route's; see {@link #handle}. */
  public RouteGroup head(String path, Handler... handlers) { return handle("HEAD", path, handlers); }

  /** Registers an OPTIONS route; see {@link #handle}. */
  public RouteGroup options(String path, Handler... handlers) { return handle("OPTIONS", path, handlers); }

  /** Registers the handlers for every standard method. */
  public RouteGroup any(String path, Handler... handlers) {
    for (String m : ANY_METHODS) {
      handle(m, path, handlers);
    }
    return this;
  }

  /**
   * Registers a route for {@code method} at {@code path}, relative to this group. A segment is static
   * text, {@code :name} (one non-empty segment) or a final {@code *name} (the rest of the path); the
   * most specific route wins, as in httprouter. The chain is this group's middleware, then
   * {@code handlers}.
   *
   * <pre>{@code app.handle("PROPFIND", "/dav/*path", dav); }</pre>
   *
   * @throws IllegalArgumentException when the path is invalid or conflicts with a registered route
   *     (the message names both)
   * @throws IllegalStateException after the engine has started
   */
  public RouteGroup handle(String method, String path, Handler... handlers) {
    requireHandlers(handlers);
    if (handlers.length == 0) {
      throw new IllegalArgumentException("route " + method + " " + path + ": no handlers");
    }
    Objects.requireNonNull(method, "method"); // its grammar is checked by the router, with the path
    Handler[] chain = new Handler[middleware.size() + handlers.length];
    middleware.toArray(chain);
    System.arraycopy(handlers, 0, chain, middleware.size(), handlers.length);
    engine.register(method, join(prefix, path), chain, execution);
    return this;
  }

  /** Serves one file at {@code path} (GET and HEAD). */
  public RouteGroup staticFile(String path, Path file) {
    Handler h = StaticFiles.file(file);
    get(path, h);
    return head(path, h);
  }

  /**
   * Serves the files under {@code dir} at {@code path/*}; requests cannot escape {@code dir} (no
   * {@code ..}, no symlinks leading out), directories answer 404 unless they hold an index.html.
   */
  public RouteGroup staticDir(String path, Path dir) {
    Handler h = StaticFiles.directory(dir);
    String pattern = join(path, "/*filepath");
    get(pattern, h);
    return head(pattern, h);
  }

  private static Handler[] requireHandlers(Handler[] handlers) {
    for (Handler h : Objects.requireNonNull(handlers, "handlers")) {
      Objects.requireNonNull(h, "handler");
    }
    return handlers;
  }

  static String join(String base, String relative) {
    if (relative == null || relative.isEmpty()) {
      return base.isEmpty() ? "/" : base;
    }
    if (!relative.startsWith("/")) {
      throw new IllegalArgumentException("path: '" + relative + "' (expected: starts with '/')");
    }
    if (base.isEmpty() || base.equals("/")) {
      return relative;
    }
    String b = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    return b + relative;
  }
}
