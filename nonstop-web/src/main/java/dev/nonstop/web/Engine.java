package dev.nonstop.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.core.Termination;
import dev.nonstop.web.Handoff.Status;
import dev.nonstop.web.internal.Cores;
import dev.nonstop.web.internal.Dispatcher;
import dev.nonstop.web.internal.HttpServer;
import dev.nonstop.web.internal.Json;
import dev.nonstop.web.internal.Route;
import dev.nonstop.web.internal.Settings;
import dev.nonstop.web.http.Trusted;
import dev.nonstop.web.internal.handoff.Command;
import dev.nonstop.web.internal.handoff.Inheritance;
import dev.nonstop.web.internal.handoff.Takeover;
import dev.nonstop.web.internal.handoff.Upgrade;
import dev.nonstop.web.internal.router.Router;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The web application: the root {@link RouteGroup}, its server and its lifecycle (Gin's
 * {@code gin.Engine}).
 *
 * <pre>{@code
 * Engine app = Engine.create();             // logger, recovery and requestId middleware
 * app.get("/", c -> c.json(200, Map.of("message", "Service is running")));
 * app.run();                                // PORT or 8080; SIGTERM drains and exits 0
 * }</pre>
 *
 * <p>Lifecycle: register routes, then {@link #start(int)} (or {@link #run()}); routes cannot change
 * after that. {@link #stop(Duration)} drains: readiness turns 503, after the shutdown delay the
 * listener closes, idle connections close, in-flight requests finish (their responses carry
 * {@code Connection: close}) within the drain timeout. Every default is listed on {@link Builder}.
 *
 * <p>Without a gateway in front, {@link #handoff()} (or SIGHUP with {@link Builder#handoffOnHangup})
 * replaces the process by a new copy of itself that inherits the listening socket, so not one
 * connection is refused while the old one drains.
 */
public final class Engine extends RouteGroup {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);

  private final Settings settings;
  private final Router<Route> router = new Router<>();
  private final List<Route> routes = new ArrayList<>();
  private final Health health;
  private final MeterRegistry meters;
  private final PrometheusMeterRegistry prometheus;
  private final ObjectMapper json;
  private Handler[] noRoute = {};
  private Handler[] noMethod = {};
  private volatile HttpServer server;
  private volatile boolean terminationRequested;
  // At most one handoff at a time; stop() cancels the running one.
  private final AtomicReference<Upgrade> upgrade = new AtomicReference<>();
  // Set while this process is the new one of a handoff and has not been told "go" yet.
  private volatile Takeover takingOver;
  // Built once: they add the built-in routes to the router, so a start that failed to bind can be retried.
  private Dispatcher dispatcher;
  private Dispatcher management;

  private Engine(Builder b) {
    super(null, "", List.of(), b.execution);
    this.settings = b.settings();
    this.json = b.objectMapper != null ? b.objectMapper : Json.defaultMapper();
    if (b.meterRegistry != null) {
      this.meters = b.meterRegistry;
      this.prometheus = b.meterRegistry instanceof PrometheusMeterRegistry p ? p : null;
    } else {
      this.prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      this.meters = prometheus;
    }
    this.health = new Health(settings.checkTimeout());
    Cores.claimCarriers(settings.ioThreads());
  }

  /** An engine with the defaults and the logger, recovery and requestId middleware (gin.Default()). */
  public static Engine create() {
    Engine e = builder().build();
    e.use(Middleware.requestId(), Middleware.logger(), Middleware.recovery());
    return e;
  }

  /** A builder for an engine without middleware (gin.New()). */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Handlers for requests that match no route, run after the engine's middleware with the status
   * already 404. When none of them answers, the default does: {@code {"error": "not found"}}.
   *
   * <pre>{@code app.noRoute(c -> c.json(404, Map.of("error", "no such page"))); }</pre>
   */
  public Engine noRoute(Handler... handlers) {
    checkNotStarted("noRoute");
    this.noRoute = handlers.clone();
    return this;
  }

  /**
   * Handlers for a path that exists under other methods, run after the engine's middleware with the
   * status already 405 and the Allow header set. When none of them answers, the default does:
   * {@code {"error": "method not allowed"}}.
   */
  public Engine noMethod(Handler... handlers) {
    checkNotStarted("noMethod");
    this.noMethod = handlers.clone();
    return this;
  }

  /** The liveness and readiness checks served at /healthz and /readyz; add your own checks to it. */
  public Health health() {
    return health;
  }

  /** The registry behind /metrics; add your own meters to it. */
  public MeterRegistry meterRegistry() {
    return meters;
  }

  /** The JSON mapper used by {@link Context#json} and {@link Context#bind}. */
  public ObjectMapper objectMapper() {
    return json;
  }

  synchronized void register(String method, String path, Handler[] chain, Execution execution) {
    if (server != null) {
      throw new IllegalStateException("route " + method + " " + path + ": routes must be registered before start()");
    }
    Route route = new Route(method, path, chain,
        execution != null ? execution : settings.execution(), Middleware.bodyLimitOf(chain, Route.NO_LIMIT),
        meters);
    router.add(method, path, route);
    routes.add(route);
  }

  /**
   * Starts serving on {@code port} (0 picks a free one, see {@link #port()}) and returns. Does not
   * install signal handlers; {@link #run()} does.
   *
   * <p>In a process started by a {@link #handoff()} (the {@code NONSTOP_HANDOFF} variables name this
   * process's parent), the first engine to start takes over the parent's listeners instead of binding:
   * {@code port} and the host settings are ignored and {@link #port()} is the inherited port. It accepts
   * once its readiness checks pass and the old process has let go; see {@link Builder#handoffOnHangup}.
   * This holds whether or not this engine enables handoff itself. Tests use this:
   *
   * <pre>{@code
   * Engine app = Engine.create();
   * app.get("/ping", c -> c.string(200, "pong"));
   * app.start(0);
   * URI base = URI.create("http://127.0.0.1:" + app.port());
   * }</pre>
   *
   * @throws IllegalStateException when already started
   * @throws IllegalArgumentException unless 0-65535
   */
  public synchronized Engine start(int port) {
    if (server != null) {
      throw new IllegalStateException("already started on port " + server.port());
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
    }
    if (dispatcher == null) {
      Trusted trusted = new Trusted(settings.trustedProxies());
      boolean separate = settings.managementPort() >= 0;
      dispatcher = new Dispatcher(settings, router, chainOf(noRoute), chainOf(noMethod), health,
          meters, prometheus, json, trusted, !separate);
      management = separate
          ? new Dispatcher(settings, new Router<>(), new Handler[0], new Handler[0], health, meters, prometheus, json,
              trusted, true)
          : null;
    }
    Inheritance inheritance = Inheritance.claim(System.getenv(),
        ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L)).orElse(null);
    HttpServer s = new HttpServer(settings, dispatcher, management, meters);
    s.start(port, inheritance);
    server = s;
    LoggingEventBuilder line = log.atInfo().addKeyValue("port", s.port())
        .addKeyValue("managementPort", s.managementPort()).addKeyValue("transport", s.transport())
        .addKeyValue("routes", routes.size());
    Takeover t = s.takeover();
    if (t != null) {
      line.addKeyValue("inherited_from", t.parent());
      takingOver = t;
    }
    line.log("listening on port {}", s.port());
    if (t != null) {
      Thread.ofPlatform().daemon().name("nonstop-takeover").start(() -> takeOver(s, t));
    }
    return this;
  }

  /**
   * The new process's half of a handoff: once the readiness checks pass (polled as the supervisor
   * polls a fresh instance), say "ready"; accept once the old process says "go".
   */
  private void takeOver(HttpServer s, Takeover t) {
    try {
      while (!health.ready().up()) {
        if (health.isDraining()) {
          t.failed("stopped before it was ready");
          return;
        }
        Thread.sleep(100);
      }
      log.atInfo().addKeyValue("parent", t.parent()).log("handoff: ready; waiting for pid {} to let go", t.parent());
      t.ready().get();
      if (!s.openGate()) {
        // Draining since "go" (a SIGTERM): saying "serving" would leave the socket to nobody.
        t.failed("stopped before it accepted");
        return;
      }
      t.serving(); // only now does the old process stop accepting
      t.close();
      log.atInfo().addKeyValue("parent", t.parent()).addKeyValue("port", s.port())
          .log("handoff: pid {} let go; accepting on port {}", t.parent(), s.port());
    } catch (ExecutionException e) {
      if (ProcessHandle.of(t.parent()).map(ProcessHandle::isAlive).orElse(false)) {
        // It gave up on us (timeout, stop) and kills us next; accepting now would lose requests.
        log.atError().addKeyValue("parent", t.parent())
            .log("handoff: pid {} gave up on this process; not accepting", t.parent());
      } else {
        // It died mid-handoff: this process holds the socket now, and someone must serve it.
        s.openGate();
        log.atWarn().addKeyValue("parent", t.parent()).addKeyValue("port", s.port())
            .log("handoff: pid {} died before it let go; accepting on port {}", t.parent(), s.port());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      takingOver = null;
    }
  }

  /**
   * Starts on the port in the {@code PORT} environment variable (default 8080), drains on
   * SIGTERM/SIGINT and exits the JVM with 0, which supervisors read as a clean stop; blocks until
   * then. With {@link Builder#handoffOnHangup}, SIGHUP runs {@link #handoff()}, and a successful one
   * also ends in exit 0. The entry point of a service's {@code main}.
   */
  public void run() {
    run(portFromEnvironment());
  }

  /** Like {@link #run()} on the given port instead of {@code PORT}. */
  public void run(int port) {
    // Handlers first: a SIGTERM that arrives while binding must still end in a drain and exit 0,
    // not in the JVM's default exit 143.
    Termination.onSignal(() -> {
      terminationRequested = true;
      stop(settings.drainTimeout());
    });
    if (settings.handoffOnHangup()) {
      // Each SIGHUP on a thread of its own: a second one during a handoff is answered BUSY at once
      // instead of queueing behind it. A successful handoff drains, and awaitTermination() returns.
      Termination.onHangup(() -> Thread.ofPlatform().name("nonstop-handoff").start(this::handoff));
    }
    start(port);
    if (terminationRequested) {
      stop(settings.drainTimeout());
    }
    awaitTermination();
    System.exit(0);
  }

  synchronized void checkNotStarted(String what) {
    if (server != null) {
      throw new IllegalStateException(what + ": the engine has started; configure it before start()");
    }
  }

  /**
   * The bound port, which differs from the requested one when that was 0.
   *
   * @throws IllegalStateException before {@link #start(int)}
   */
  public int port() {
    return requireServer().port();
  }

  /**
   * The management port when health and metrics live on their own listener, else -1.
   *
   * @throws IllegalStateException before {@link #start(int)}
   */
  public int managementPort() {
    return requireServer().managementPort();
  }

  /** {@link #stop(Duration)} with the configured drain timeout (default 30 s). */
  public void stop() {
    stop(settings.drainTimeout());
  }

  /**
   * Graceful shutdown, blocking until done: readiness 503, wait the shutdown delay, close the
   * listener, close idle connections, let in-flight requests finish within {@code drain}, then close
   * whatever is left. Safe to call more than once. A {@link #handoff()} in progress is cancelled: its new
   * process is killed, unless it was already told to serve.
   */
  public void stop(Duration drain) {
    Objects.requireNonNull(drain, "drain");
    Upgrade u = upgrade.get();
    if (u != null) {
      u.cancel(); // kills a new process that was not told "go" yet, so nothing outlives this stop
    }
    HttpServer s = server;
    if (s != null) {
      health.markDraining();
      s.stop(drain);
    }
  }

  /**
   * Replaces this process by a new copy of itself that inherits the listening sockets, and drains;
   * blocks until done. The sequence, and what it promises, are on {@link Builder#handoffOnHangup},
   * which runs this at SIGHUP. Call it yourself when you handle signals (or an admin request) your own
   * way: on {@link Handoff#succeeded()} the engine has stopped as after {@link #stop()} and the process
   * should exit; after any other outcome nothing changed and it keeps serving. Each outcome is logged
   * once. Never throws.
   *
   * <pre>{@code
   * if (app.handoff().succeeded()) {
   *   System.exit(0);
   * }
   * }</pre>
   */
  public Handoff handoff() {
    HttpServer s = server;
    Takeover t = takingOver;
    if (s == null) {
      return report(refused(Status.NOT_SERVING, "the engine has not started"));
    }
    if (health.isDraining()) {
      return report(refused(Status.NOT_SERVING, "the engine is draining"));
    }
    if (t != null) {
      return report(refused(Status.NOT_SERVING, "this process is still taking over from pid " + t.parent()));
    }
    if (!s.canHandOff()) {
      return report(refused(Status.UNSUPPORTED, "handoff needs Linux and the epoll transport, and this engine runs on "
          + s.transport() + "; nothing done"));
    }
    List<String> command;
    try {
      command = Command.current();
    } catch (IOException | RuntimeException e) {
      return report(refused(Status.SPAWN_FAILED, "cannot read this process's command line: " + e.getMessage()));
    }
    Upgrade u = new Upgrade(s.group(), s.handoffListeners(), command, settings.handoffTimeout());
    if (!upgrade.compareAndSet(null, u)) {
      return report(refused(Status.BUSY, "a handoff is already running; ignoring this one"));
    }
    try {
      Handoff h = report(u.run());
      if (h.succeeded()) {
        health.markDraining();
        s.handOver(settings.drainTimeout());
      }
      return h;
    } finally {
      upgrade.compareAndSet(u, null);
    }
  }

  private static Handoff refused(Status status, String detail) {
    return new Handoff(status, -1, Duration.ZERO, detail);
  }

  // One line per outcome: the operator who sent SIGHUP reads here what became of it.
  private static Handoff report(Handoff h) {
    LoggingEventBuilder line = switch (h.status()) {
      case HANDED_OFF -> log.atInfo();
      case BUSY, NOT_SERVING, UNSUPPORTED, CANCELLED -> log.atWarn();
      default -> log.atError();
    };
    line = line.addKeyValue("handoff", h.status().name()).addKeyValue("elapsed_ms", h.elapsed().toMillis());
    if (h.pid() > 0) {
      line = line.addKeyValue("pid", h.pid());
    }
    switch (h.status()) {
      case HANDED_OFF -> line.log("handoff: {} after {} ms; closing the listener and draining", h.detail(),
          h.elapsed().toMillis());
      case BUSY, NOT_SERVING, UNSUPPORTED -> line.log("handoff ignored: {}", h.detail());
      case CANCELLED -> line.log("handoff cancelled, pid {} killed: {}", h.pid(), h.detail());
      default -> line.log("handoff failed, still serving: {}", h.detail());
    }
    return h;
  }

  /**
   * Blocks until the server has stopped.
   *
   * @throws IllegalStateException before {@link #start(int)}
   */
  public void awaitTermination() {
    requireServer().awaitTermination();
  }

  /** Whether a stop has begun; readiness is 503 from then on. */
  public boolean isDraining() {
    return health.isDraining();
  }

  private Handler[] chainOf(Handler[] last) {
    // The engine's own middleware wraps the 404/405 handlers too, as in Gin, so they are logged.
    List<Handler> global = new ArrayList<>(middlewareSnapshot());
    global.addAll(List.of(last));
    return global.toArray(Handler[]::new);
  }

  private HttpServer requireServer() {
    HttpServer s = server;
    if (s == null) {
      throw new IllegalStateException("not started");
    }
    return s;
  }

  static int portFromEnvironment() {
    return port(System.getenv("PORT"));
  }

  /** The port a {@code PORT} value names: 8080 when unset or blank. */
  static int port(String p) {
    if (p == null || p.isBlank()) {
      return 8080;
    }
    try {
      return Integer.parseInt(p.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("PORT: '" + p + "' (expected: 0-65535)");
    }
  }

  /**
   * Engine settings. The defaults, in one place:
   * <table>
   * <caption>Defaults</caption>
   * <tr><td>execution</td><td>{@link Execution#VIRTUAL_THREAD}</td></tr>
   * <tr><td>host</td><td>all interfaces</td></tr>
   * <tr><td>maxConnections</td><td>10000; further clients wait in the accept backlog</td></tr>
   * <tr><td>maxInitialLineLength</td><td>8 KiB (longer: 414)</td></tr>
   * <tr><td>maxHeaderSize</td><td>16 KiB (larger: 431)</td></tr>
   * <tr><td>maxBodySize</td><td>8 MiB (larger: 413); per route with {@link Middleware#bodyLimit}</td></tr>
   * <tr><td>maxMultipartSize</td><td>64 MiB, file parts streamed to disk above 16 KiB</td></tr>
   * <tr><td>headerReadTimeout</td><td>10 s (slow headers: 408 and close)</td></tr>
   * <tr><td>idleTimeout</td><td>60 s for idle keep-alive connections</td></tr>
   * <tr><td>shutdownDelay</td><td>0 s between readiness 503 and closing the listener</td></tr>
   * <tr><td>drainTimeout</td><td>30 s for in-flight requests</td></tr>
   * <tr><td>trustedProxies</td><td>none: X-Forwarded-For / X-Real-IP ignored</td></tr>
   * <tr><td>livenessPath / readinessPath</td><td>/healthz, /readyz (null turns one off)</td></tr>
   * <tr><td>metricsPath</td><td>/metrics (null turns it off)</td></tr>
   * <tr><td>managementPort</td><td>none: health and metrics share the main port</td></tr>
   * <tr><td>managementHost</td><td>127.0.0.1: a management port is private unless you say otherwise</td></tr>
   * <tr><td>checkTimeout</td><td>1 s per health check</td></tr>
   * <tr><td>reusePort</td><td>off (SO_REUSEPORT, epoll only)</td></tr>
   * <tr><td>ioThreads</td><td>half the available processors (at least 1); the other half carry the
   * virtual threads, see {@link Engine}</td></tr>
   * <tr><td>redirectTrailingSlash</td><td>on (301 for GET/HEAD, 308 otherwise)</td></tr>
   * <tr><td>handoffOnHangup</td><td>off: SIGHUP does what it does to any JVM (exit)</td></tr>
   * <tr><td>handoffTimeout</td><td>60 s for a new process to be ready</td></tr>
   * </table>
   */
  public static final class Builder {
    private Execution execution = Execution.VIRTUAL_THREAD;
    private String host = null;
    private int maxConnections = 10_000;
    private int maxInitialLineLength = 8 * 1024;
    private int maxHeaderSize = 16 * 1024;
    private long maxBodySize = 8L * 1024 * 1024;
    private long maxMultipartSize = 64L * 1024 * 1024;
    private Duration headerReadTimeout = Duration.ofSeconds(10);
    private Duration idleTimeout = Duration.ofSeconds(60);
    private Duration shutdownDelay = Duration.ZERO;
    private Duration drainTimeout = Duration.ofSeconds(30);
    private List<String> trustedProxies = List.of();
    private String livenessPath = "/healthz";
    private String readinessPath = "/readyz";
    private String metricsPath = "/metrics";
    private int managementPort = -1;
    private String managementHost = "127.0.0.1";
    private Duration checkTimeout = Duration.ofSeconds(1);
    private boolean reusePort = false;
    private boolean nativeTransport = true;
    private int ioThreads = Cores.ioThreads();
    private boolean redirectTrailingSlash = true;
    private boolean handoffOnHangup = false;
    private Duration handoffTimeout = Duration.ofSeconds(60);
    private ObjectMapper objectMapper;
    private MeterRegistry meterRegistry;

    private Builder() {}

    /**
     * Where route chains run unless a group says otherwise ({@link RouteGroup#on}). Default
     * {@link Execution#VIRTUAL_THREAD}, where handlers may block.
     */
    public Builder execution(Execution e) { this.execution = Objects.requireNonNull(e, "execution"); return this; }

    /** The address to bind, such as {@code 127.0.0.1}. Default null: all interfaces. */
    public Builder host(String h) { this.host = h; return this; }

    /**
     * The most connections open at once. Default 10000; further clients wait in the accept backlog
     * rather than being refused, so a burst slows down instead of failing.
     */
    public Builder maxConnections(int n) { this.maxConnections = positive("maxConnections", n); return this; }

    /** The longest request line in bytes. Default 8 KiB; a longer one is answered 414 and closed. */
    public Builder maxInitialLineLength(int n) { this.maxInitialLineLength = positive("maxInitialLineLength", n); return this; }

    /** The largest header block in bytes. Default 16 KiB; a larger one is answered 431 and closed. */
    public Builder maxHeaderSize(int n) { this.maxHeaderSize = positive("maxHeaderSize", n); return this; }

    /**
     * The largest request body in bytes, held in memory. Default 8 MiB; a larger one is answered 413.
     * A route can raise or lower it with {@link Middleware#bodyLimit}.
     */
    public Builder maxBodySize(long n) { this.maxBodySize = positive("maxBodySize", n); return this; }

    /**
     * The largest multipart body in bytes, apart from {@link #maxBodySize} because file parts above
     * 16 KiB go to temporary files, not memory. Default 64 MiB; a larger one is answered 413.
     */
    public Builder maxMultipartSize(long n) { this.maxMultipartSize = positive("maxMultipartSize", n); return this; }

    /**
     * How long a client may take to send the headers, and between body chunks. Default 10 s; a slower
     * client is answered 408 and closed, so slow senders (slowloris) cannot hold connections.
     */
    public Builder headerReadTimeout(Duration d) { this.headerReadTimeout = positive("headerReadTimeout", d); return this; }

    /** How long a keep-alive connection may sit idle between requests. Default 60 s; then it is closed. */
    public Builder idleTimeout(Duration d) { this.idleTimeout = positive("idleTimeout", d); return this; }

    /**
     * Time between readiness turning 503 and the listener closing, so load balancers notice;
     * meanwhile every request, on new connections too, is served as usual. Default 0: close at once.
     */
    public Builder shutdownDelay(Duration d) { this.shutdownDelay = nonNegative("shutdownDelay", d); return this; }

    /**
     * The longest that in-flight requests may run after the listener closed. Default 30 s; then the
     * remaining connections are closed and their handlers interrupted.
     */
    public Builder drainTimeout(Duration d) { this.drainTimeout = nonNegative("drainTimeout", d); return this; }

    /**
     * Peers whose X-Forwarded-For / X-Real-IP headers are believed, as addresses or CIDR blocks such
     * as {@code 10.0.0.0/8} or {@code ::1}. Default none: {@link Context#clientIp()} is the peer,
     * because any client can send those headers.
     *
     * @throws IllegalArgumentException naming the first entry that is not an address or CIDR block
     */
    public Builder trustedProxies(String... cidrs) {
      List<String> list = List.of(cidrs);
      new Trusted(list); // validates now, naming the bad entry
      this.trustedProxies = list;
      return this;
    }

    /** Where liveness ({@link Health#live()}) is served, 200 or 503. Default {@code /healthz}; null turns it off. */
    public Builder livenessPath(String p) { this.livenessPath = p; return this; }

    /**
     * Where readiness ({@link Health#ready()}) is served: 200, or 503 while a check fails or a drain
     * runs. Default {@code /readyz}; null turns it off.
     */
    public Builder readinessPath(String p) { this.readinessPath = p; return this; }

    /**
     * Where Prometheus scrapes the metrics. Default {@code /metrics}; null turns it off, as does a
     * {@link #meterRegistry} that is not a Prometheus one.
     */
    public Builder metricsPath(String p) { this.metricsPath = p; return this; }

    /**
     * Serves health and metrics on their own listener (0 picks a free port), not on the main port.
     * Default none: they share the main port.
     *
     * @throws IllegalArgumentException unless 0-65535
     */
    public Builder managementPort(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("managementPort: " + port + " (expected: 0-65535)");
      }
      this.managementPort = port;
      return this;
    }

    /**
     * The address of the management listener. Default {@code 127.0.0.1}, so probes and scrapes stay
     * local unless you say otherwise.
     */
    public Builder managementHost(String h) {
      this.managementHost = Objects.requireNonNull(h, "managementHost");
      return this;
    }

    /** How long one health check may run. Default 1 s; a check that overruns counts as down. */
    public Builder checkTimeout(Duration d) { this.checkTimeout = positive("checkTimeout", d); return this; }

    /**
     * Sets SO_REUSEPORT so several processes can share the port. Default off; epoll only, ignored
     * on NIO.
     */
    public Builder reusePort(boolean on) { this.reusePort = on; return this; }

    /** Uses epoll where available. Default on; false forces NIO. */
    public Builder nativeTransport(boolean on) { this.nativeTransport = on; return this; }

    /**
     * The number of event-loop threads. Default half the available processors (at least 1); the
     * other half carry the virtual threads, so I/O and handlers do not compete for cores.
     */
    public Builder ioThreads(int n) { this.ioThreads = positive("ioThreads", n); return this; }

    /**
     * Redirects {@code /users/} to {@code /users} (and back) when only the other exists. Default on:
     * 301 for GET and HEAD, 308 otherwise so the method and body are kept. Off: no redirect.
     */
    public Builder redirectTrailingSlash(boolean on) { this.redirectTrailingSlash = on; return this; }

    /**
     * Makes SIGHUP, under {@link Engine#run()}, replace the process by a new copy of itself without refusing a
     * single connection (Cloudflare's tableflip, for the JVM). Default off. For a service that runs
     * without a gateway or a supervisor in front; {@link Engine#handoff()} does the same on demand.
     *
     * <p>The sequence, on Linux with the epoll transport:
     * <ol>
     *   <li>{@code kill -HUP <pid>}. A second SIGHUP while a handoff runs is logged and ignored.
     *   <li>This process starts the same command line ({@code /proc/self/cmdline}: the same JVM flags,
     *       {@code -jar app.jar} or {@code -cp ... Main}, the same arguments, now pointing at whatever
     *       is installed there), in the same directory, with the same environment plus
     *       {@code NONSTOP_HANDOFF*}, and with the same stdin, stdout and stderr. The new process is not
     *       tied to this one's lifetime: nothing kills it when this one exits.
     *   <li>The new process connects to a Unix socket in a private directory (mode 0700, one per
     *       handoff, deleted afterwards; under {@code $XDG_RUNTIME_DIR} or {@code java.io.tmpdir}),
     *       where each side checks the other's pid, and receives the listening sockets (SCM_RIGHTS),
     *       the main one and the management one if any. Its {@link Engine#start} uses them instead of
     *       binding, so both processes hold one socket and one accept queue: a client connecting at any
     *       moment of the handoff waits in that queue and is served; none is refused or reset.
     *   <li>When its engine has started and its readiness checks pass ({@code /readyz} would say 200),
     *       the new process says "ready". Until told "go" it does not accept.
     *   <li>This process says "go", closes its listeners (the socket stays open in the new process),
     *       and drains as on SIGTERM, without the shutdown delay (the port never stops being served):
     *       requests in flight complete with {@code Connection: close}; an idle keep-alive connection
     *       is closed once it has been idle for a second, and a request it gets meanwhile is answered,
     *       also with {@code Connection: close}; then it exits 0. The new process accepts from "go",
     *       so clients reconnect to it.
     * </ol>
     *
     * <p>If the new process exits, reports that its start failed, or is not ready within
     * {@link #handoffTimeout}, this process kills it (SIGKILL: it has accepted nothing), logs why on
     * one line, and keeps serving as if nothing happened. A {@link Engine#stop} during a handoff kills
     * the new process too. On other platforms, or on NIO, SIGHUP logs one line saying the handoff needs
     * Linux and epoll, and does nothing else.
     *
     * <p>What it does not do: the pid changes. Anything that tracks the pid sees the old process exit 0:
     * under systemd with {@code Type=simple} (and the default {@code KillMode=control-group}) that ends
     * the service and kills the new process with it; systemd follows a new main pid only through a PID
     * file ({@code PIDFile=}) or {@code sd_notify MAINPID=}, and nonstop-web writes neither yet. As PID
     * 1 of a container, the container ends when the old process exits. Under {@code nonstop up}, leave
     * this off: the supervisor replaces instances itself ({@code nonstop restart}) and would count a
     * re-exec as an exit. JVM options that bind a port of their own (JDWP, JMX) make the new process
     * fail while the old one holds it. Under {@code nohup} SIGHUP stays ignored (the JVM does not take
     * over an ignored signal; this is logged at start): start with {@code env --default-signal=HUP}, or
     * call {@link Engine#handoff()} yourself. What fits: a process started from a shell, {@code setsid},
     * {@code screen}/{@code tmux} or a script that does not wait on the pid.
     */
    public Builder handoffOnHangup(boolean on) { this.handoffOnHangup = on; return this; }

    /**
     * How long a new process may take, from its start to "ready", before the handoff is abandoned and
     * the process killed. Default 60 s: a JVM that warms caches or connects to databases before its
     * readiness checks pass needs time, and the old process serves meanwhile anyway.
     */
    public Builder handoffTimeout(Duration d) { this.handoffTimeout = positive("handoffTimeout", d); return this; }

    /**
     * The JSON mapper for {@link Context#json} and {@link Context#bind}. Default: lenient on unknown
     * fields (as Gin's binding), ISO-8601 dates.
     */
    public Builder objectMapper(ObjectMapper m) { this.objectMapper = m; return this; }

    /**
     * Records into this registry. Default a new Prometheus registry; /metrics needs a Prometheus one,
     * so with any other it is not served.
     */
    public Builder meterRegistry(MeterRegistry r) { this.meterRegistry = r; return this; }

    /** Builds an engine without middleware. */
    public Engine build() {
      return new Engine(this);
    }

    Settings settings() {
      return new Settings(execution, host, maxConnections, maxInitialLineLength, maxHeaderSize, maxBodySize,
          maxMultipartSize, headerReadTimeout, idleTimeout, shutdownDelay, drainTimeout, trustedProxies,
          livenessPath, readinessPath, metricsPath, managementPort, managementHost, checkTimeout, reusePort, nativeTransport,
          ioThreads, redirectTrailingSlash, handoffOnHangup, handoffTimeout);
    }

    private static int positive(String name, int n) {
      if (n <= 0) {
        throw new IllegalArgumentException(name + ": " + n + " (expected: > 0)");
      }
      return n;
    }

    private static long positive(String name, long n) {
      if (n <= 0) {
        throw new IllegalArgumentException(name + ": " + n + " (expected: > 0)");
      }
      return n;
    }

    private static Duration positive(String name, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
      }
      return d;
    }

    private static Duration nonNegative(String name, Duration d) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException(name + ": " + d + " (expected: >= 0)");
      }
      return d;
    }
  }
}
