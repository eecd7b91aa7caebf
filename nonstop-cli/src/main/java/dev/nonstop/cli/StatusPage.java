package dev.nonstop.cli;

import dev.nonstop.gateway.Gateway;
import dev.nonstop.gateway.UpstreamStatus;
import dev.nonstop.supervisor.InstanceStatus;
import dev.nonstop.supervisor.Supervisor;
import dev.nonstop.web.RouteGroup;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status page of {@code nonstop up}, on the admin listener: {@code GET /status} (HTML, the
 * first state rendered on the server so it reads without JavaScript; a small inline script redraws
 * it every second and draws sparklines) and {@code GET /status.json} (the data it polls). Both are
 * read-only and need no token, like {@code /metrics}.
 *
 * <p>With a gateway, one virtual thread samples once a second: req/s and p50/p99 per upstream
 * ({@link Rates}, the last {@value #POINTS} seconds) and changes of the gateway's servers
 * ({@link EventLog}).
 *
 * <pre>{@code
 * StatusPage page = new StatusPage(supervisor, gateway, meters, events);
 * page.mount(adminEngine);
 * page.start();
 * }</pre>
 */
final class StatusPage implements AutoCloseable {
  /** Points per upstream series: two minutes at one a second. */
  static final int POINTS = 120;
  private static final Logger log = LoggerFactory.getLogger("nonstop.status");

  private final Supervisor sup;
  private final Gateway gateway;
  private final EventLog events;
  private final Rates rates;
  private final String template;
  private volatile Thread sampler;

  /**
   * @param gateway null without a gateway block
   * @param meters the registry the gateway records its {@code nonstop_gateway_*} meters in
   * @param events the log the supervisor publishes to; the sampler adds the gateway's changes
   */
  StatusPage(Supervisor sup, Gateway gateway, MeterRegistry meters, EventLog events) {
    this.sup = sup;
    this.gateway = gateway;
    this.events = events;
    this.rates = new Rates(meters, POINTS);
    try (InputStream in = StatusPage.class.getResourceAsStream("/status/index.html")) {
      if (in == null) {
        throw new IllegalStateException("status/index.html is missing from the jar");
      }
      this.template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Adds {@code GET /status} and {@code GET /status.json} to {@code routes}, with no token. */
  void mount(RouteGroup routes) {
    routes.get("/status.json", c -> {
      c.header("Cache-Control", "no-store");
      c.json(200, snapshot());
    });
    routes.get("/status", c -> {
      c.header("Cache-Control", "no-store");
      c.bytes(200, "text/html; charset=utf-8", html().getBytes(StandardCharsets.UTF_8));
    });
  }

  /** Starts sampling once a second (nothing to sample without a gateway). */
  void start() {
    if (gateway == null) {
      return;
    }
    sampler = Thread.ofVirtual().name("nonstop-status-sampler").start(() -> {
      long next = System.nanoTime();
      while (true) {
        try {
          sample();
          // Fixed rate, but no burst of catch-up samples after a stall (a GC, a suspended laptop).
          next = Math.max(next + 1_000_000_000L, System.nanoTime());
          Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          // A page that stops updating is better than a nonstop up that stops: log and go on.
          log.atWarn().log("status sampler: {}", e.toString());
        }
      }
    });
  }

  /** Stops sampling. */
  @Override
  public void close() {
    Thread t = sampler;
    if (t != null) {
      t.interrupt();
    }
  }

  private void sample() {
    List<UpstreamStatus> upstreams = gateway.upstreams();
    rates.sample(upstreams.stream().map(UpstreamStatus::name).toList(),
        upstreams.stream().flatMap(u -> u.servers().stream()).map(UpstreamStatus.ServerStatus::address).distinct().toList(),
        System.nanoTime(), System.currentTimeMillis());
    events.servers(upstreams, Instant.now());
  }

  /**
   * One upstream as {@code GET /v1/upstreams} shows it, plus its last second's
   * {@code requests_per_second}, {@code p50_ms} and {@code p99_ms} (null without requests), and the
   * same three for each of its servers (what that server answered, over every upstream it is in).
   */
  Map<String, Object> upstreamRow(UpstreamStatus u) {
    Map<String, Object> m = GatewayApi.row(u);
    figures(m, rates.latest(u.name()));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> servers = (List<Map<String, Object>>) m.get("servers");
    servers.forEach(s -> figures(s, rates.latestOfServer((String) s.get("address"))));
    return m;
  }

  /** The gateway's view of the instances in {@code upstreams}, with each one's figures of the last second. */
  AppGateway.Rotation rotation(List<UpstreamStatus> upstreams) {
    return AppGateway.Rotation.of(upstreams, rates::latestOfServer);
  }

  private static void figures(Map<String, Object> m, Rates.Point p) {
    m.put("requests_per_second", p == null ? 0.0 : round(p.rps(), 10));
    m.put("p50_ms", p == null || p.p50Millis() == null ? null : round(p.p50Millis(), 100));
    m.put("p99_ms", p == null || p.p99Millis() == null ? null : round(p.p99Millis(), 100));
  }

  /** What {@code /status.json} answers. */
  Map<String, Object> snapshot() {
    List<InstanceStatus> all = sup.status();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("time", Instant.now().toString());
    body.put("summary", Map.of("instances", all.size(), "ready", all.stream().filter(InstanceStatus::ready).count()));
    body.put("gateway", gateway != null);
    List<Map<String, Object>> apps = new ArrayList<>();
    List<UpstreamStatus> gatewayUpstreams = gateway == null ? List.of() : gateway.upstreams();
    AppGateway.Rotation rotation = gateway == null ? null : rotation(gatewayUpstreams);
    for (var app : sup.apps()) {
      apps.add(Map.of("name", app.name(), "instances",
          all.stream().filter(s -> s.id().app().equals(app.name())).map(s -> ControlApi.row(s, rotation)).toList()));
    }
    body.put("apps", apps);
    List<Map<String, Object>> upstreams = new ArrayList<>();
    if (gateway != null) {
      Map<String, List<Rates.Point>> series = rates.series();
      for (UpstreamStatus u : gatewayUpstreams) {
        Map<String, Object> m = upstreamRow(u);
        List<Rates.Point> points = series.getOrDefault(u.name(), List.of());
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("at", points.stream().map(Rates.Point::atMillis).toList());
        s.put("rps", points.stream().map(p -> round(p.rps(), 10)).toList());
        // Lists.toList() keeps nulls (no requests in that second); the page draws them as 0.
        s.put("p50_ms", points.stream().map(p -> p.p50Millis() == null ? null : round(p.p50Millis(), 100)).toList());
        s.put("p99_ms", points.stream().map(p -> p.p99Millis() == null ? null : round(p.p99Millis(), 100)).toList());
        m.put("series", s);
        upstreams.add(m);
      }
    }
    body.put("upstreams", upstreams);
    body.put("events", events.recent().stream().map(e -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("at", e.at().toString());
      m.put("subject", e.subject());
      m.put("from", e.from());
      m.put("to", e.to());
      m.put("reason", e.reason());
      return m;
    }).toList());
    return body;
  }

  // The first paint, for a browser without JavaScript. Drawn from the same snapshot as
  // /status.json, so it shows what the script's render() then draws from it (minus the sparklines).
  private String html() {
    Map<String, Object> d = snapshot();
    StringBuilder b = new StringBuilder();
    boolean gw = gateway != null;
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> apps = (List<Map<String, Object>>) d.get("apps");
    for (Map<String, Object> app : apps) {
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> is = (List<Map<String, Object>>) app.get("instances");
      b.append("<h2>app ").append(esc(app.get("name"))).append(" <small>").append(is.size())
          .append(" instances</small></h2><table><tr>");
      header(b, gw ? List.of("#", "PID", "PORT", "STATE", "READY", "ROTATION", "ACTIVE", "REQ/S", "P99 ms", "RESTARTS",
              "UPTIME", "RSS", "REASON")
          : List.of("#", "PID", "PORT", "STATE", "READY", "RESTARTS", "UPTIME", "RSS", "REASON"));
      for (Map<String, Object> i : is) {
        boolean running = ((Number) i.get("pid")).longValue() >= 0;
        b.append("<tr class=\"instance s-").append(esc(i.get("state"))).append("\">");
        td(b, i.get("index") + ("current".equals(i.get("role")) ? "" : " " + i.get("role")), null);
        td(b, running ? i.get("pid") : "-", "n");
        td(b, ((Number) i.get("port")).intValue() == 0 ? "-" : i.get("port"), "n");
        td(b, i.get("state"), "state");
        td(b, (Boolean) i.get("ready") ? "yes" : "no", null);
        if (gw) {
          td(b, (Boolean) i.get("in_rotation") ? "in" : "out", null);
          td(b, i.get("active_requests"), "n");
          td(b, fmt(i.get("requests_per_second")), "n");
          td(b, fmt(i.get("p99_ms")), "n");
        }
        td(b, i.get("restarts"), "n");
        td(b, running ? StatusCommand.uptime((Double) i.get("uptime_seconds")) : "-", "n");
        td(b, running ? StatusCommand.mib((Long) i.get("rss_bytes")) : "-", "n");
        td(b, i.get("reason"), "why");
        b.append("</tr>");
      }
      b.append("</table>");
    }
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> upstreams = (List<Map<String, Object>>) d.get("upstreams");
    for (Map<String, Object> u : upstreams) {
      b.append("<h2>upstream ").append(esc(u.get("name"))).append(" <small>").append(esc(u.get("balance")))
          .append(", circuit ").append(esc(u.get("circuit"))).append("</small></h2><div class=\"chips\">")
          .append("<div class=\"chip\">req/s <b>").append(fmt(u.get("requests_per_second"))).append("</b></div>")
          .append("<div class=\"chip\">p50 <b>").append(fmt(u.get("p50_ms"))).append("</b> ms</div>")
          .append("<div class=\"chip\">p99 <b>").append(fmt(u.get("p99_ms"))).append("</b> ms</div></div><table><tr>");
      header(b, List.of("SERVER", "STATE", "EJECTED", "DRAINING", "ACTIVE", "REQ/S", "P99 ms", "EWMA ms"));
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> servers = (List<Map<String, Object>>) u.get("servers");
      for (Map<String, Object> s : servers) {
        b.append("<tr class=\"server s-").append(esc(s.get("state"))).append("\">");
        td(b, s.get("address"), null);
        td(b, s.get("state"), "state");
        td(b, (Boolean) s.get("ejected") ? "yes " + s.get("eject_reason") : "no", null);
        td(b, (Boolean) s.get("draining") ? "yes" : "no", null);
        td(b, s.get("active_requests"), "n");
        td(b, fmt(s.get("requests_per_second")), "n");
        td(b, fmt(s.get("p99_ms")), "n");
        td(b, s.get("ewma_ms"), "n");
        b.append("</tr>");
      }
      b.append("</table>");
    }
    b.append("<h2>events <small>newest first</small></h2>");
    List<EventLog.Entry> recent = events.recent();
    if (recent.isEmpty()) {
      b.append("<p class=\"muted\">none yet</p>");
    } else {
      b.append("<table><tr>");
      header(b, List.of("TIME", "WHAT", "FROM", "TO", "REASON"));
      for (EventLog.Entry e : recent) {
        b.append("<tr class=\"event s-").append(esc(e.to())).append("\">");
        td(b, e.at().toString().replace('T', ' ').replaceAll("\\.\\d+Z$", "Z"), null);
        td(b, e.subject(), null);
        td(b, e.from(), null);
        td(b, e.to(), "state");
        td(b, e.reason(), "why");
        b.append("</tr>");
      }
      b.append("</table>");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> summary = (Map<String, Object>) d.get("summary");
    return template
        .replace("{{summary}}", "<b>" + summary.get("ready") + "</b>/" + summary.get("instances") + " instances ready")
        .replace("{{content}}", b.toString());
  }

  private static void header(StringBuilder b, List<String> names) {
    names.forEach(n -> b.append("<th>").append(n).append("</th>"));
    b.append("</tr>");
  }

  private static void td(StringBuilder b, Object value, String cls) {
    b.append(cls == null ? "<td>" : "<td class=\"" + cls + "\">").append(esc(value)).append("</td>");
  }

  private static String fmt(Object v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.1f", ((Number) v).doubleValue());
  }

  /** HTML-escapes {@code v} (null as empty), for text and attribute values alike. */
  static String esc(Object v) {
    if (v == null) {
      return "";
    }
    String s = v.toString();
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  static double round(double v, int scale) {
    return Math.round(v * scale) / (double) scale;
  }
}
