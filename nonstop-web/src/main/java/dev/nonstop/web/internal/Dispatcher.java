package dev.nonstop.web.internal;

import dev.nonstop.web.http.Trusted;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.web.Execution;
import dev.nonstop.web.Handler;
import dev.nonstop.web.Health;
import dev.nonstop.web.internal.router.PathParams;
import dev.nonstop.web.internal.router.Router;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;

/**
 * Finds the route for a request and runs its chain: on a new virtual thread by default, inline on
 * the event loop for routes that opted in. Also answers what no route answers: trailing-slash
 * redirects, 405 with Allow, 404, and the built-in health and metrics endpoints.
 */
public final class Dispatcher {
  private static final ThreadFactory VIRTUAL = Thread.ofVirtual().name("nonstop-handler").factory();

  // Tracks the handler threads so that the drain deadline can interrupt the stragglers.
  private final ExecutorService handlers = Executors.newThreadPerTaskExecutor(VIRTUAL);
  private static final Map<String, String> NOT_FOUND = Map.of("error", "not found");
  private static final Map<String, String> NOT_ALLOWED = Map.of("error", "method not allowed");
  // Any token is a valid method, so unmatched requests would otherwise mint a label value per
  // invented method; routed requests are bounded by the registered routes already.
  private static final Set<String> STANDARD_METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE");
  private static final String OTHER_METHOD = "OTHER";

  private final Settings settings;
  private final Router<Route> router;
  private final Handler[] noRoute;
  private final Handler[] noMethod;
  private final MeterRegistry meters;
  private final ObjectMapper json;
  private final Trusted trusted;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<String, Timer> unmatched = new ConcurrentHashMap<>();
  private volatile Validator validator;

  /**
   * @param builtins whether this dispatcher also serves /healthz, /readyz and /metrics (the main
   *     one does unless a management port is set; the management one always does)
   */
  public Dispatcher(Settings settings, Router<Route> router, Handler[] noRoute, Handler[] noMethod, Health health,
      MeterRegistry meters, PrometheusMeterRegistry prometheus, ObjectMapper json, Trusted trusted, boolean builtins) {
    this.settings = settings;
    this.router = router;
    // Flattened once, like every route's chain: the user's handlers, then the default answer, which
    // is ignored when a user handler already answered.
    this.noRoute = withDefault(noRoute, 404, NOT_FOUND);
    this.noMethod = withDefault(noMethod, 405, NOT_ALLOWED);
    this.meters = meters;
    this.json = json;
    this.trusted = trusted;
    if (builtins) {
      addBuiltins(health, prometheus);
    }
  }

  private void addBuiltins(Health health, PrometheusMeterRegistry prometheus) {
    // Built-ins run without the engine's middleware: probes every second would drown the access log.
    if (settings.livenessPath() != null) {
      builtin(settings.livenessPath(), c -> {
        Health.Report r = health.live();
        c.json(r.up() ? 200 : 503, r.body());
      });
    }
    if (settings.readinessPath() != null) {
      builtin(settings.readinessPath(), c -> {
        Health.Report r = health.ready();
        c.json(r.up() ? 200 : 503, r.body());
      });
    }
    if (settings.metricsPath() != null && prometheus != null) {
      builtin(settings.metricsPath(), c -> c.bytes(200, "text/plain; version=0.0.4; charset=utf-8",
          prometheus.scrape().getBytes(StandardCharsets.UTF_8)));
    }
  }

  private void builtin(String path, Handler h) {
    for (String m : List.of("GET", "HEAD")) {
      router.add(m, path, new Route(m, path, new Handler[] {h}, Execution.VIRTUAL_THREAD, Route.NO_LIMIT, meters));
    }
  }

  ObjectMapper json() {
    return json;
  }

  Trusted trusted() {
    return trusted;
  }

  int inFlight() {
    return inFlight.get();
  }

  Validator validator() {
    Validator v = validator;
    if (v == null) {
      // Built on first use: Hibernate Validator's bootstrap costs ~100 ms that most services never need.
      // The parameter interpolator avoids pulling in a Jakarta EL implementation.
      v = Validation.byDefaultProvider().configure()
          .messageInterpolator(new ParameterMessageInterpolator())
          .buildValidatorFactory().getValidator();
      validator = v;
    }
    return v;
  }

  /** The route for a request head, or null; HEAD falls back to GET as HTTP requires. */
  Route lookup(String method, String path, PathParams params) {
    params.reset(path);
    Route r = router.find(method, path, params);
    if (r == null && "HEAD".equals(method)) {
      params.reset(path);
      r = router.find("GET", path, params);
    }
    return r;
  }

  /** Runs the chain on a new virtual thread. */
  void execute(HttpContext ctx) {
    try {
      handlers.execute(() -> run(ctx));
    } catch (RejectedExecutionException e) {
      // Only after the drain deadline: the connection is being cut anyway.
      ctx.breakConnection();
    }
  }

  /**
   * Interrupts every handler still running (the drain deadline has passed) and waits up to
   * {@code grace} for them to return, so none is left writing to a closed server.
   */
  boolean interruptHandlers(Duration grace) throws InterruptedException {
    handlers.shutdownNow();
    return handlers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Runs the chain on the calling thread. */
  void run(HttpContext ctx) {
    inFlight.incrementAndGet();
    Route route = ctx.routeObject();
    try {
      try {
        if (route != null) {
          ctx.start(route.chain());
        } else {
          miss(ctx);
        }
      } catch (Throwable t) {
        Errors.handle(ctx, t);
      } finally {
        ctx.finishChain();
      }
    } finally {
      inFlight.decrementAndGet();
      long nanos = System.nanoTime() - ctx.startNanos();
      if (route != null) {
        route.record(ctx.method(), ctx.responseStatus(), nanos);
      } else {
        String method = STANDARD_METHODS.contains(ctx.method()) ? ctx.method() : OTHER_METHOD;
        unmatched.computeIfAbsent(method + ' ' + ctx.responseStatus(),
                k -> Route.timer(meters, method, Route.UNMATCHED, ctx.responseStatus()))
            .record(nanos, TimeUnit.NANOSECONDS);
      }
    }
  }

  private void miss(HttpContext ctx) throws Exception {
    String path = ctx.path();
    String method = ctx.method();
    PathParams params = ctx.params();
    if (params.tsr() && settings.redirectTrailingSlash() && !"CONNECT".equals(method) && !path.equals("/")) {
      // Built from the path as sent: the decoded one could hold raw non-ASCII bytes or a decoded
      // '?' or '/' that would change what the URL means.
      String raw = ctx.rawPath();
      String to = raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw + "/";
      String q = ctx.rawQuery() != null ? "?" + ctx.rawQuery() : "";
      boolean safe = "GET".equals(method) || "HEAD".equals(method);
      ctx.redirect(safe ? 301 : 308, to + q);
      return;
    }
    List<String> allowed = router.allowedMethods(path);
    if (allowed.contains("GET") && !allowed.contains("HEAD")) {
      allowed = new java.util.ArrayList<>(allowed);
      allowed.add("HEAD");
      allowed.sort(null);
    }
    if (!allowed.isEmpty() && !"OPTIONS".equals(method)) {
      ctx.header("Allow", String.join(", ", allowed));
      ctx.status(405);
      ctx.start(noMethod);
    } else if (!allowed.isEmpty()) {
      ctx.header("Allow", String.join(", ", allowed) + ", OPTIONS");
      ctx.status(204);
    } else {
      ctx.status(404);
      ctx.start(noRoute);
    }
  }

  private static Handler[] withDefault(Handler[] chain, int status, Object body) {
    Handler[] all = java.util.Arrays.copyOf(chain, chain.length + 1);
    all[chain.length] = c -> c.json(status, body);
    return all;
  }
}
