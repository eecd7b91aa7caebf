package dev.nonstop.gateway;

import java.util.List;

/**
 * One upstream as the admin API shows it.
 *
 * @param name the upstream's name in the config
 * @param balance the balancer, as written in the config ({@code least_conn})
 * @param circuit the breaker's state: {@code closed}, {@code open} or {@code half_open}
 * @param panic whether ejections left no server, so requests spread over all healthy ones
 * @param servers the servers in config order, or for an upstream of an app its current members in
 *     the order last set
 * @param app the app whose READY instances are the servers, or null when they come from the config
 */
public record UpstreamStatus(String name, String balance, String circuit, boolean panic, List<ServerStatus> servers,
    String app) {
  /** Copies the list. */
  public UpstreamStatus {
    servers = List.copyOf(servers);
  }

  /** An upstream of servers from the config. */
  public UpstreamStatus(String name, String balance, String circuit, boolean panic, List<ServerStatus> servers) {
    this(name, balance, circuit, panic, servers, null);
  }

  /**
   * One server's live state.
   *
   * @param address {@code host:port}
   * @param weight the configured weight
   * @param backup whether it takes traffic only when no primary can
   * @param state one word: {@code up}, {@code unhealthy}, {@code ejected}, {@code draining}
   * @param healthy the active health check's verdict (true without checks)
   * @param ejected whether outlier detection has it out now
   * @param ejectReason why it was last ejected, or empty
   * @param ejections how often it has been ejected
   * @param draining whether an operator is draining it
   * @param warming whether it is in slow start
   * @param activeRequests requests in flight on it
   * @param ewmaMillis its peak-EWMA latency estimate
   */
  public record ServerStatus(String address, int weight, boolean backup, String state, boolean healthy,
      boolean ejected, String ejectReason, int ejections, boolean draining, boolean warming, int activeRequests,
      double ewmaMillis) {}
}
