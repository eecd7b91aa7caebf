package dev.nonstop.cli;

import dev.nonstop.core.InstanceId;
import dev.nonstop.gateway.Gateway;
import dev.nonstop.gateway.UpstreamStatus;
import dev.nonstop.web.Handoff;
import dev.nonstop.supervisor.InstanceStatus;
import dev.nonstop.supervisor.Supervisor;
import dev.nonstop.supervisor.internal.LogTail;
import dev.nonstop.web.Context;
import dev.nonstop.web.Engine;
import dev.nonstop.web.HttpException;
import dev.nonstop.web.Middleware;
import dev.nonstop.web.RouteGroup;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The supervisor's control API, on the admin listener (loopback unless configured otherwise).
 *
 * <pre>
 * GET  /v1/status                  every instance, JSON
 * POST /v1/start/TARGET            TARGET = app or app:index
 * POST /v1/stop/TARGET
 * POST /v1/restart/TARGET          one instance at a time, each READY before the next
 * POST /v1/reload/APP              rolling reload of APP from the config file; progress as NDJSON
 * POST /v1/reload                  re-read the whole config file; progress as NDJSON
 * POST /v1/upgrade                 hand the gateway to a new nonstop up (the jar on disk now); JSON result
 * GET  /v1/upstreams               with a gateway: its upstreams and servers (and drain/undrain,
 *                                  as on {@code nonstop gateway}'s admin API)
 * GET  /v1/logs/TARGET?err=true&amp;lines=50&amp;follow=true   text; follows while the client reads
 * GET  /metrics                    Prometheus; no token (scrapers rarely carry one; nothing secret)
 * GET  /status                     the status page, HTML that redraws itself every second; no token
 * GET  /status.json                the page's data: instances, upstreams with req/s and p50/p99
 *                                  over the last two minutes, recent events; no token
 * GET  /healthz, /readyz           the supervisor's own health; no token
 * </pre>
 *
 * <p>Everything under {@code /v1} needs {@code Authorization: Bearer TOKEN}; anything else gets 401
 * and changes nothing. Outside {@code /v1} there are only read-only routes ({@code /metrics},
 * {@code /status}, {@code /status.json}, the health checks) showing nothing secret: they need no
 * token, which is safe because the listener binds loopback by default ({@link StatusPage}).
 */
final class ControlApi {
  /** The most lines {@code logs -n} returns. */
  static final int MAX_LINES = 10_000;
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  private ControlApi() {}

  /**
   * The control API of {@code nonstop up}: the supervisor's routes, reloads (when {@code reloads}
   * is given), the status page, and with a {@code gateway} its routes, and in {@code /v1/status}
   * each upstream's and each instance's req/s and p99.
   */
  static Engine engine(Supervisor sup, Gateway gateway, Reloads reloads, SelfUpgrade upgrade, StatusPage page,
      String token, MeterRegistry meters, String host) {
    Engine app = adminEngine(host, meters);
    page.mount(app);
    RouteGroup v1 = app.group("/v1", bearer(token));
    v1.get("/status", c -> {
      Map<String, Object> body = new LinkedHashMap<>();
      List<UpstreamStatus> upstreams = gateway == null ? List.of() : gateway.upstreams();
      AppGateway.Rotation rotation = gateway == null ? null : page.rotation(upstreams);
      body.put("instances", sup.status().stream().map(s -> row(s, rotation)).toList());
      if (gateway != null) {
        body.put("upstreams", upstreams.stream().map(page::upstreamRow).toList());
      }
      c.json(200, body);
    });
    if (gateway != null) {
      GatewayApi.mount(v1, gateway);
    }
    if (reloads != null) {
      v1.post("/reload/:app", c -> {
        String name = c.param("app");
        List<String> apps = sup.apps().stream().map(a -> a.name()).toList();
        if (!apps.contains(name)) { // answered before the stream starts, so it can be a 404
          throw new HttpException(404, "'" + name + "': no such app (expected one of: " + String.join(", ", apps) + ")");
        }
        streamReload(c, p -> reloads.app(name, p));
      });
      v1.post("/reload", c -> streamReload(c, reloads::config));
    }
    if (upgrade != null) {
      v1.post("/upgrade", c -> {
        Handoff h = upgrade.upgrade();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("result", h.succeeded() ? "ok" : "failed");
        body.put("status", h.status().name());
        body.put("pid", h.pid());
        body.put("elapsed_ms", h.elapsed().toMillis());
        body.put("detail", h.detail());
        c.json(200, body);
      });
    }
    v1.post("/start/:target", c -> act(c, sup::start, "started"));
    v1.post("/stop/:target", c -> act(c, sup::stop, "stopped"));
    v1.post("/restart/:target", c -> act(c, sup::restart, "restarted"));
    v1.get("/logs/:target", c -> logs(c, sup));
    return app;
  }

  /**
   * The engine an admin API runs on (this one and the gateway's): one I/O thread, a short drain,
   * {@code /metrics} from {@code meters}, panics answered 500.
   */
  static Engine adminEngine(String host, MeterRegistry meters) {
    Engine app = Engine.builder()
        .host(host)
        .meterRegistry(meters)
        .ioThreads(1)
        .drainTimeout(Duration.ofSeconds(2))
        .build();
    app.use(Middleware.recovery());
    return app;
  }

  /** Refuses, with 401, requests without {@code Authorization: Bearer TOKEN}. */
  static dev.nonstop.web.Handler bearer(String token) {
    byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    return c -> {
      String auth = c.header("Authorization");
      // Constant time, so the token cannot be guessed byte by byte from response times.
      if (auth == null || !MessageDigest.isEqual(expected, auth.getBytes(StandardCharsets.UTF_8))) {
        c.header("WWW-Authenticate", "Bearer realm=\"nonstop\"");
        c.abortWithStatusJson(401, Map.of("error", auth == null ? "missing bearer token" : "wrong bearer token"));
        return;
      }
      c.next();
    };
  }

  /**
   * Streams a reload's progress as it happens, one JSON object per line ({@code {"progress": ...}}),
   * ending with {@code {"result": "ok"|"failed", "message": ...}}: a rolling reload can take
   * minutes, and the operator should see each step, not a spinner.
   */
  private static void streamReload(Context c, Function<Consumer<String>, Reloads.Outcome> reload) throws Exception {
    // The reload runs on its own thread and hands its lines over through a bounded queue: a client
    // that stops reading (output piped to a pager, a suspended terminal) blocks this writer, never
    // the rollout, which would otherwise stop half-way holding the reload lock. Lines that do not
    // fit are dropped (the final result always comes).
    BlockingQueue<String> lines = new LinkedBlockingQueue<>(1_000);
    java.util.concurrent.CompletableFuture<Reloads.Outcome> outcome = new java.util.concurrent.CompletableFuture<>();
    Thread.ofVirtual().name("nonstop-reload").start(() -> {
      try {
        outcome.complete(reload.apply(lines::offer));
      } catch (Throwable t) {
        outcome.complete(new Reloads.Outcome(false, "reload failed: " + t));
      }
    });
    c.stream(200, "application/x-ndjson", out -> {
      while (true) {
        String line = lines.poll(200, TimeUnit.MILLISECONDS);
        if (line != null) {
          out.write((JSON.writeValueAsString(Map.of("progress", line)) + "\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
        } else if (outcome.isDone() && lines.isEmpty()) {
          break;
        }
      }
      Reloads.Outcome o = outcome.join();
      Map<String, String> end = new LinkedHashMap<>();
      end.put("result", o.ok() ? "ok" : "failed");
      end.put("message", o.message());
      out.write((JSON.writeValueAsString(end) + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    });
  }

  /**
   * One instance as JSON; with a gateway, also whether it is in rotation (a server of one of its
   * app's upstreams, not draining), the requests it has in flight there and, when the status page
   * samples, the tries it took in the last second ({@code requests_per_second}, 0.0 without any;
   * {@code p99_ms}, null without any).
   */
  static Map<String, Object> row(InstanceStatus s, AppGateway.Rotation rotation) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("app", s.id().app());
    m.put("index", s.id().index());
    m.put("pid", s.pid());
    m.put("port", s.port());
    m.put("state", s.state().name());
    m.put("ready", s.ready());
    m.put("since", s.since().toString());
    m.put("uptime_seconds", s.uptime(Instant.now()).toMillis() / 1000.0);
    m.put("restarts", s.restarts());
    m.put("rss_bytes", s.rssBytes());
    m.put("cpu_seconds", s.cpuSeconds());
    m.put("reason", s.reason());
    m.put("role", s.role().name().toLowerCase(java.util.Locale.ROOT));
    if (rotation != null) {
      m.put("in_rotation", rotation.inRotation(s.id().app(), s.port()));
      m.put("active_requests", rotation.active(s.id().app(), s.port()));
      Rates.Point p = rotation.served(s.port());
      m.put("requests_per_second", p == null ? 0.0 : StatusPage.round(p.rps(), 10));
      m.put("p99_ms", p == null || p.p99Millis() == null ? null : StatusPage.round(p.p99Millis(), 100));
    }
    return m;
  }

  private static void act(Context c, Function<String, List<InstanceId>> op, String done) {
    List<InstanceId> ids = targeted(c, op);
    c.json(200, Map.of("result", done, "instances", ids.stream().map(InstanceId::toString).toList()));
  }

  private static <T> T targeted(Context c, Function<String, T> op) {
    try {
      return op.apply(c.param("target"));
    } catch (NoSuchElementException e) {
      throw new HttpException(404, e.getMessage());
    } catch (IllegalStateException e) {
      throw new HttpException(503, e.getMessage());
    }
  }

  private static void logs(Context c, Supervisor sup) throws Exception {
    boolean err = Boolean.parseBoolean(c.query("err", "false"));
    boolean follow = Boolean.parseBoolean(c.query("follow", "false"));
    int lines = parseLines(c.query("lines", "50"));
    // The tail is held in memory: bound it, the supervisor's heap is small.
    if (lines < 0 || lines > MAX_LINES) {
      throw new HttpException(400, "lines: '" + c.query("lines") + "' (expected: 0-" + MAX_LINES + ")");
    }
    List<InstanceId> ids = targeted(c, sup::resolve);
    boolean prefix = ids.size() > 1;
    c.stream(200, "text/plain; charset=utf-8", out -> {
      List<Path> files = new ArrayList<>();
      List<Long> ends = new ArrayList<>();
      for (InstanceId id : ids) {
        Path f = sup.logFile(id, err);
        files.add(f);
        // Size first: a line written meanwhile may show twice, but none is skipped.
        ends.add(LogTail.size(f));
        for (String line : LogTail.lastLines(f, lines)) {
          writeLine(out, prefix ? id : null, line);
        }
      }
      out.flush();
      if (!follow) {
        return;
      }
      BlockingQueue<String> queue = new LinkedBlockingQueue<>(10_000);
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> tails = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        InstanceId id = ids.get(i);
        Path f = files.get(i);
        long from = ends.get(i);
        tails.add(Thread.ofVirtual().name("tail-" + id).start(() -> LogTail.follow(f, from,
            line -> queue.offer(prefix ? id + " | " + line : line), stop::get)));
      }
      try {
        while (true) {
          String line = queue.poll(1, TimeUnit.SECONDS);
          if (line != null) {
            writeLine(out, null, line);
          }
          if (queue.isEmpty()) {
            out.flush(); // also how a quiet follow learns that its client has gone: it throws
          }
        }
      } finally {
        stop.set(true);
        tails.forEach(Thread::interrupt);
      }
    });
  }

  private static int parseLines(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static void writeLine(OutputStream out, InstanceId prefix, String line) throws java.io.IOException {
    String s = prefix == null ? line + "\n" : prefix + " | " + line + "\n";
    out.write(s.getBytes(StandardCharsets.UTF_8));
  }
}
