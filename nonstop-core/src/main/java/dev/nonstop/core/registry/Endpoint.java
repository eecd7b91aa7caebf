package dev.nonstop.core.registry;

import java.util.Objects;

/**
 * One place a service can be reached: what a registry stores and a load balancer spreads requests
 * over.
 *
 * @param service the service (the supervisor's app name)
 * @param id unique within the service and stable for the endpoint's life: two processes of one
 *     instance slot that overlap during a rolling reload have different ids
 * @param address {@code HOST:PORT}, IPv6 hosts in brackets
 * @param zone the failure domain it runs in, or null when nobody said (zone-aware routing uses it)
 * @param weight its relative share of requests, 1 to 1000
 */
public record Endpoint(String service, String id, String address, String zone, int weight) {
  /** Checks the parts: service, id and address present, weight 1 to 1000. */
  public Endpoint {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(address, "address");
    if (weight < 1 || weight > 1000) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: 1 to 1000)");
    }
  }

  /** An endpoint without zone, weight 1. */
  public static Endpoint of(String service, String id, String address) {
    return new Endpoint(service, id, address, null, 1);
  }
}
