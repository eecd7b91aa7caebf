package dev.nonstop.cli;

import dev.nonstop.gateway.Gateway;
import dev.nonstop.gateway.UpstreamStatus;
import dev.nonstop.web.Context;
import dev.nonstop.web.Engine;
import dev.nonstop.web.HttpException;
import dev.nonstop.web.RouteGroup;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The gateway's admin API, on the admin listener (loopback unless configured otherwise).
 *
 * <pre>
 * GET  /v1/upstreams                                    every upstream and its servers' live state, JSON
 * POST /v1/upstreams/UPSTREAM/servers/ADDRESS/drain     no new requests; in-flight ones finish
 * POST /v1/upstreams/UPSTREAM/servers/ADDRESS/undrain
 * POST /v1/reload                                       re-read the config file (as SIGHUP does)
 * GET  /metrics                                         Prometheus; no token
 * </pre>
 *
 * <p>Everything under {@code /v1} needs {@code Authorization: Bearer TOKEN}.
 */
final class GatewayApi {
  private GatewayApi() {}

  /**
   * @param reload re-reads and applies the config; returns null on success or the one-line reason
   *     it was refused
   */
  static Engine engine(Gateway gateway, Supplier<String> reload, String token, MeterRegistry meters, String host) {
    Engine app = ControlApi.adminEngine(host, meters);
    RouteGroup v1 = app.group("/v1", ControlApi.bearer(token));
    mount(v1, gateway);
    v1.post("/reload", c -> {
      String problem = reload.get();
      if (problem != null) {
        c.json(400, Map.of("error", problem));
      } else {
        c.json(200, Map.of("result", "reloaded"));
      }
    });
    return app;
  }

  /**
   * The gateway's routes under {@code /v1}: {@code GET /upstreams} and the drain/undrain of a
   * server; {@code nonstop gateway} and {@code nonstop up} both serve them.
   */
  static void mount(RouteGroup v1, Gateway gateway) {
    v1.get("/upstreams", c -> c.json(200, Map.of("upstreams", gateway.upstreams().stream().map(GatewayApi::row).toList())));
    v1.post("/upstreams/:upstream/servers/:server/drain", c -> drain(c, gateway, true));
    v1.post("/upstreams/:upstream/servers/:server/undrain", c -> drain(c, gateway, false));
  }

  private static void drain(Context c, Gateway gateway, boolean on) {
    String upstream = c.param("upstream");
    String server = c.param("server");
    if (!gateway.drain(upstream, server, on)) {
      throw new HttpException(404, "no server " + server + " in upstream " + upstream);
    }
    c.json(200, Map.of("result", on ? "draining" : "undrained", "upstream", upstream, "server", server));
  }

  static Map<String, Object> row(UpstreamStatus u) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", u.name());
    m.put("balance", u.balance());
    m.put("circuit", u.circuit());
    m.put("panic", u.panic());
    List<Map<String, Object>> servers = u.servers().stream().map(s -> {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("address", s.address());
      r.put("state", s.state());
      r.put("weight", s.weight());
      r.put("backup", s.backup());
      r.put("healthy", s.healthy());
      r.put("ejected", s.ejected());
      r.put("eject_reason", s.ejectReason());
      r.put("ejections", s.ejections());
      r.put("draining", s.draining());
      r.put("warming", s.warming());
      r.put("active_requests", s.activeRequests());
      r.put("ewma_ms", Math.round(s.ewmaMillis() * 1000) / 1000.0);
      return r;
    }).toList();
    m.put("servers", servers);
    return m;
  }
}
