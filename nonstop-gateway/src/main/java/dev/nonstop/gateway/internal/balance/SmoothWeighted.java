package dev.nonstop.gateway.internal.balance;

import java.util.function.Predicate;

/**
 * nginx's smooth weighted round robin ({@code ngx_http_upstream_get_peer}). Every usable server's
 * current weight grows by its effective weight, the largest is picked (the first on a tie) and
 * drops by the sum of the effective weights. With fixed weights the picks repeat with a period of
 * the weights' sum, each server exactly its weight times per period, and a server is never more
 * than one pick ahead of its share in any prefix: heavy servers are interleaved, not bunched ({5,
 * 1, 1} gives a a b a c a a, where a naive weighted round robin gives a a a a a b c).
 *
 * <p>The weights are {@link Endpoint#effectiveWeight}, so a server in slow start gets a growing
 * share. A server that is not usable is left out of the round, its current weight frozen, as nginx
 * does; it rejoins where it stood.
 */
final class SmoothWeighted<E extends Endpoint> implements Balancer<E> {
  private final E[] servers;
  /**
   * Current weights, guarded by their own monitor. One pick reads and writes all of them, and the
   * algorithm's guarantees (exact shares, smoothness) hold only if picks are serial: with a CAS per
   * server, two picks could both add, both choose the same server and both subtract, and shares
   * would drift. nginx (with {@code zone}) and HAProxy lock the same state for the same reason,
   * with spinning locks. The section is one pass of arithmetic over the tier, without I/O or
   * allocation (the caller's predicate runs inside it, so it must stay the few field reads it is),
   * well under a microsecond for tens of servers. {@code synchronized} rather than a {@code
   * ReentrantLock}: it spins adaptively before it parks, which suits a section this short, and a
   * contended acquisition allocates nothing, where the lock's queue takes a node per waiter.
   */
  private final double[] current;

  /** @param servers a non-empty snapshot, not copied */
  SmoothWeighted(E[] servers) {
    this.servers = servers;
    this.current = new double[servers.length];
  }

  @Override
  public E pick(Predicate<? super E> usable, RequestKey key, long nowNanos) {
    synchronized (current) {
      double total = 0;
      int best = -1;
      for (int i = 0; i < servers.length; i++) {
        E server = servers[i];
        if (!usable.test(server)) {
          continue;
        }
        double w = server.effectiveWeight(nowNanos);
        total += w;
        double c = current[i] + w;
        current[i] = c;
        if (best < 0 || c > current[best]) {
          best = i;
        }
      }
      if (best < 0) {
        return null;
      }
      current[best] -= total;
      return servers[best];
    }
  }
}
