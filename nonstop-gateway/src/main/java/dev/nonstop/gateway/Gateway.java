package dev.nonstop.gateway;

import dev.nonstop.gateway.internal.ProxyServer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

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
 */
public final class Gateway implements AutoCloseable {
  private final ProxyServer runtime;

  private Gateway(ProxyServer runtime) {
    this.runtime = runtime;
  }

  /**
   * Binds the listener and starts proxying.
   *
   * @param spec a config that passed {@link GatewayRules#check}
   * @param meters where the {@code nonstop_gateway_*} metrics go
   * @throws IllegalStateException when the listener cannot be bound
   * @throws IllegalArgumentException when {@code spec} is inconsistent (an unresolvable server)
   */
  public static Gateway start(GatewaySpec spec, MeterRegistry meters) {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(meters, "meters");
    return new Gateway(ProxyServer.start(spec, meters));
  }

  /** The port the listener is bound to (the real one when the config said 0). */
  public int port() {
    return runtime.port();
  }

  /** The config in effect. */
  public GatewaySpec spec() {
    return runtime.spec();
  }

  /**
   * Swaps in a new config atomically. The listen address cannot change on a reload.
   *
   * @throws IllegalArgumentException when the new config cannot be applied; the old one keeps
   *     serving, untouched
   */
  public void reload(GatewaySpec spec) {
    runtime.reload(Objects.requireNonNull(spec, "spec"));
  }

  /** Each upstream and the live state of its servers. */
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
