package dev.nonstop.gateway;

import dev.nonstop.core.config.ConfigProblem;
import dev.nonstop.gateway.internal.ProxyServer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A running reverse proxy and load balancer: accepts clients on {@link GatewaySpec#listen()},
 * routes each request by host and longest path prefix to an upstream, picks a server with the
 * upstream's balancer and forwards the request over a pooled keep-alive connection, streaming both
 * bodies with backpressure. Failed tries are retried where that is safe (see {@link
 * GatewaySpec.Retries}); servers leave the rotation on active health checks, passive outlier
 * ejection or an operator's {@link #drain drain}.
 *
 * <pre>{@code
 * Gateway gateway = Gateway.start(spec, meterRegistry);
 * ...
 * gateway.reload(newSpec);             // atomic; in-flight requests finish on the old rules
 * gateway.stop(Duration.ofSeconds(30)); // stop accepting, let in-flight requests finish
 * }</pre>
 *
 * <p>Thread-safe. A reload is atomic: requests that started keep the config they started with, new
 * ones see the new one; servers whose address, weight and role are unchanged keep their health,
 * ejections and pooled connections across it.
 *
 * <p>Upstreams with {@code app} (see {@link GatewaySpec.Upstream#app}) get their servers at run
 * time, from whatever tracks the app's READY instances (the supervisor under {@code nonstop up}).
 * Deregister, drain, stop is a protocol, not a sleep:
 *
 * <pre>{@code
 * gateway.setMembers("hello", List.of(ServerEntry.of("127.0.0.1:9001"), ServerEntry.of("127.0.0.1:9003")))
 *     .thenRunAsync(() -> instance9002.stop());   // no request in flight on 9002 any more
 * }</pre>
 */
public final class Gateway implements AutoCloseable {
  private final ProxyServer runtime;

  private Gateway(ProxyServer runtime) {
    this.runtime = runtime;
  }

  /**
   * Binds the listener and starts proxying. Upstreams of an app start without servers: requests
   * to them get 503 until {@link #setMembers} gives them some.
   *
   * @param spec a config that passed {@link GatewayRules#check}; its routes' {@code app} are
   *     resolved here ({@link GatewaySpec#resolveApps})
   * @param meters where the {@code nonstop_gateway_*} metrics go
   * @throws IllegalStateException when the listener cannot be bound
   * @throws IllegalArgumentException when {@code spec} is inconsistent (an unresolvable server)
   */
  public static Gateway start(GatewaySpec spec, MeterRegistry meters) {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(meters, "meters");
    return new Gateway(ProxyServer.start(spec.resolveApps(), meters));
  }

  /**
   * Starts serving on a listening socket that another process handed over (the upgrade of Nonstop
   * itself, see {@code nonstop upgrade}): the same socket, so its queue of waiting clients is shared
   * and nobody is refused. It accepts nothing until {@link #openGate()}, which the new process calls
   * once the old one has let go. Linux with the epoll transport only.
   *
   * @param listenerFd the received descriptor of the listening socket
   * @throws IllegalStateException when it cannot be served
   */
  public static Gateway takeOver(GatewaySpec spec, MeterRegistry meters, int listenerFd) {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(meters, "meters");
    if (listenerFd < 0) {
      throw new IllegalArgumentException("listenerFd: " + listenerFd + " (expected: >= 0)");
    }
    return new Gateway(ProxyServer.start(spec.resolveApps(), meters, listenerFd));
  }

  /**
   * Starts accepting on a listener taken over with {@link #takeOver}.
   *
   * @return whether it accepts now: false when the gateway is stopping or stopped
   */
  public boolean openGate() {
    return runtime.openGate();
  }

  /**
   * The descriptor of the listening socket, to hand to a new process; -1 when it cannot be handed
   * over (not the epoll transport).
   */
  public int listenerFd() {
    return runtime.listenerFd();
  }

  /** The port the listener is bound to (the real one when the config said 0). */
  public int port() {
    return runtime.port();
  }

  /**
   * The config in effect, with routes' {@code app} resolved ({@link GatewaySpec#resolveApps}); the
   * servers of upstreams of an app are not in it but in {@link #upstreams}.
   */
  public GatewaySpec spec() {
    return runtime.spec();
  }

  /**
   * Swaps in a new config atomically. The listen address cannot change on a reload. An upstream of
   * an app that keeps its name and its app keeps its current servers; one whose app is new or
   * changed starts without.
   *
   * @param spec as for {@link #start}
   * @throws IllegalArgumentException when the new config cannot be applied; the old one keeps
   *     serving, untouched
   */
  public void reload(GatewaySpec spec) {
    runtime.reload(Objects.requireNonNull(spec, "spec").resolveApps());
  }

  /**
   * Replaces the servers of an upstream of an app atomically, as a reload replaces a config's:
   * servers whose address, weight and role are unchanged keep their health, ejections and pooled
   * connections; new ones go through the upstream's slow start; removed ones take no new request,
   * finish the ones in flight, and their idle connections close. Serialized with {@link #reload}.
   *
   * <p>The returned future completes when no server this call removed has a request in flight any
   * more (at once when it removed none, or none was busy): then an instance can be stopped without
   * cutting a request. It completes on a gateway event loop, so chain blocking work with the {@code
   * *Async} methods. A WebSocket tunnel is no request in flight: it ends with its server.
   *
   * @param upstream an upstream whose config has {@code app}
   * @param servers its servers from now on, possibly none (requests then get 503)
   * @return completes once the removed servers are idle
   * @throws IllegalArgumentException when there is no such upstream, it has no {@code app}, or a
   *     server's address is invalid, repeated or cannot be resolved; nothing changed then
   */
  public CompletableFuture<Void> setMembers(String upstream, List<GatewaySpec.ServerEntry> servers) {
    Objects.requireNonNull(upstream, "upstream");
    List<GatewaySpec.ServerEntry> members = List.copyOf(servers);
    List<ConfigProblem> problems = GatewayRules.members(members);
    if (!problems.isEmpty()) {
      ConfigProblem p = problems.getFirst();
      throw new IllegalArgumentException("upstream '" + upstream + "': " + p.keyPath() + ": " + p.message());
    }
    return runtime.setMembers(upstream, members);
  }

  /** Each upstream and the live state of its servers, for an upstream of an app its current members. */
  public List<UpstreamStatus> upstreams() {
    return runtime.status();
  }

  /**
   * Drains a server (no new requests; the ones in flight finish) or puts it back.
   *
   * @return false when there is no such upstream or server
   */
  public boolean drain(String upstream, String server, boolean drain) {
    return runtime.drain(upstream, server, drain);
  }

  /**
   * Stops accepting, closes idle client connections, lets in-flight requests finish for up to
   * {@code drain}, then closes everything.
   */
  public void stop(Duration drain) {
    runtime.stop(drain);
  }

  /** Stops with a 10 s drain. */
  @Override
  public void close() {
    stop(Duration.ofSeconds(10));
  }
}
