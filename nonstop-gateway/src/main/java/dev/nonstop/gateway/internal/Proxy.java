package dev.nonstop.gateway.internal;

import dev.nonstop.gateway.GatewaySpec;
import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;

/**
 * What every connection of one gateway shares: the current {@link Snapshot} (swapped whole by a
 * reload; read once per request, never locked), the upstream channel type and the metrics.
 */
public final class Proxy {
  private final AtomicReference<Snapshot> snapshot = new AtomicReference<>();
  private final Class<? extends Channel> channelType;
  private final GatewayMetrics metrics;
  private final Logger log;

  Proxy(Class<? extends Channel> channelType, GatewayMetrics metrics, Logger log) {
    this.channelType = channelType;
    this.metrics = metrics;
    this.log = log;
  }

  Snapshot snapshot() {
    return snapshot.get();
  }

  void snapshot(Snapshot s) {
    snapshot.set(s);
  }

  Class<? extends Channel> channelType() {
    return channelType;
  }

  GatewayMetrics metrics() {
    return metrics;
  }

  Logger log() {
    return log;
  }

  /** The current connection limits; a reload's new limits apply to the next timer or connection. */
  GatewaySpec.Limits limits() {
    return snapshot.get().spec().limits();
  }

  int maxResponseHeaderSize() {
    return 64 * 1024;
  }
}
