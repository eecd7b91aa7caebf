package dev.nonstop.gateway.internal.balance;

import java.util.List;
import java.util.Objects;

/**
 * The load-balancing algorithms, one static factory each. Every factory copies the tier, so the
 * balancer is a snapshot: when membership changes, build a new one and swap it in (a consistent
 * hashing ring is rebuilt then, and moves only the keys that must move). Whether a server may
 * take a request is asked on every pick, never cached.
 *
 * <pre>{@code
 * Balancer<Server> lb = Balancers.leastConn(primaries);
 * Server s = lb.pick(server -> server.available(now) && !tried.contains(server), key, now);
 * }</pre>
 *
 * <p>Choosing: {@link #roundRobin} when servers are alike; {@link #weighted} (nginx's default) when
 * they differ in capacity; {@link #leastConn} or {@link #p2c} when request costs vary; {@link
 * #ewma} when servers' speeds vary too; {@link #ipHash}, {@link #headerHash} or {@link
 * #cookieHash} when a client should keep its server. Each balancer returns null when no server is
 * usable; an empty tier is allowed and never yields a server.
 */
public final class Balancers {

  private Balancers() {
  }

  /**
   * Takes the usable servers in turn, each as often as the others whatever their weights. Starts at
   * a random server, so a fleet of gateways that rebuild their balancers at the same moment do not
   * all send their next request to the first server.
   */
  public static <E extends Endpoint> Balancer<E> roundRobin(List<? extends E> tier) {
    E[] servers = snapshot(tier);
    return servers.length == 0 ? none() : new RoundRobin<>(servers);
  }

  /**
   * nginx's smooth weighted round robin over {@link Endpoint#effectiveWeight}: exact shares over a
   * cycle of the weights' sum, spread out within it (weights {5, 1, 1} give a a b a c a a), and a
   * server in slow start gets its reduced share.
   */
  public static <E extends Endpoint> Balancer<E> weighted(List<? extends E> tier) {
    E[] servers = snapshot(tier);
    return servers.length == 0 ? none() : new SmoothWeighted<>(servers);
  }

  /**
   * The server with the fewest requests in flight for its weight (minimum of {@code (inflight + 1)
   * / effectiveWeight}), ties broken at random. Reads every server on each pick; for large tiers
   * prefer {@link #p2c}.
   */
  public static <E extends Endpoint> Balancer<E> leastConn(List<? extends E> tier) {
    E[] servers = snapshot(tier);
    return servers.length == 0 ? none() : new LeastConn<>(servers);
  }

  /**
   * nginx's {@code ip_hash}: the same client network (the first three octets of an IPv4 address,
   * the whole of an IPv6 one) keeps its server while it is usable, with the very function nginx
   * uses, so a tier listed in the same order with the same weights maps clients as nginx did.
   */
  public static <E extends Endpoint> Balancer<E> ipHash(List<? extends E> tier) {
    E[] servers = snapshot(tier);
    return servers.length == 0 ? none() : new IpHash<>(servers);
  }

  /**
   * Consistent hashing on the value of request header {@code name}: the same value keeps its server,
   * and a server leaving or joining moves only its own share of the values. Requests without the
   * header go round robin.
   */
  public static <E extends Endpoint> Balancer<E> headerHash(List<? extends E> tier, String name) {
    requireName(name, "header");
    E[] servers = snapshot(tier);
    return servers.length == 0 ? none() : new HashRing<>(servers, key -> key.header(name));
  }

  /**
   * Consistent hashing on the value of cookie {@code name} (a session cookie, say), as {@link
   * #headerHash}. Requests without the cookie go round robin.
   */
  public static <E extends Endpoint> Balancer<E> cookieHash(List<? extends E> tier, String name) {
    requireName(name, "cookie");
    E[] servers = snapshot(tier);
    return servers.length == 0 ? none() : new HashRing<>(servers, key -> key.cookie(name));
  }

  /**
   * The power of two choices: of two distinct random usable servers, the one with fewer requests in
   * flight for its weight. Constant work per pick, and it avoids the herd that strict least
   * connections sends to one momentarily idle server when many gateways share a tier.
   */
  public static <E extends Endpoint> Balancer<E> p2c(List<? extends E> tier) {
    E[] servers = snapshot(tier);
    return servers.length == 0 ? none() : new PowerOfTwo<>(servers, PowerOfTwo.Cost.INFLIGHT);
  }

  /**
   * The power of two choices on Finagle's peak-EWMA cost, {@code latency * (inflight + 1) /
   * effectiveWeight}: a slow server is avoided as soon as it is slow. A server never measured and
   * idle is preferred, to measure it.
   */
  public static <E extends Endpoint> Balancer<E> ewma(List<? extends E> tier) {
    E[] servers = snapshot(tier);
    return servers.length == 0 ? none() : new PowerOfTwo<>(servers, PowerOfTwo.Cost.PEAK_EWMA);
  }

  /** The balancer of an empty tier. */
  private static <E extends Endpoint> Balancer<E> none() {
    return (usable, key, nowNanos) -> null;
  }

  /**
   * Copies the tier into an array, checking each server: the algorithms index it on every pick,
   * and the copy makes the balancer independent of later changes to the caller's list.
   */
  @SuppressWarnings("unchecked") // E erases to Endpoint, so an Endpoint[] is what E[] is at run time
  private static <E extends Endpoint> E[] snapshot(List<? extends E> tier) {
    Objects.requireNonNull(tier, "tier");
    Endpoint[] servers = tier.toArray(new Endpoint[0]);
    for (int i = 0; i < servers.length; i++) {
      Endpoint server = servers[i];
      if (server == null) {
        throw new IllegalArgumentException("tier[" + i + "]: null (expected: a server)");
      }
      // The hashing balancers divide the key space by weight; a zero weight would own nothing.
      if (server.weight() < 1) {
        throw new IllegalArgumentException(
            "weight of " + server.address() + ": " + server.weight() + " (expected: >= 1)");
      }
    }
    return (E[]) servers;
  }

  private static void requireName(String name, String what) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException(what + " name: '" + name + "' (expected: not empty)");
    }
  }
}
